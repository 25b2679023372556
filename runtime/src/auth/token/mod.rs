//! Token machinery of the auth strategies: the cache that refreshes a token before it expires,
//! with one fetch at a time ([`cache`]), and where rotated refresh tokens are kept
//! ([`store`]).

pub mod cache;
pub mod store;
