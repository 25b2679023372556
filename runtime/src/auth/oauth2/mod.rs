//! OAuth2: the client credentials grant, and the [`OAuth2Flow`] extension trait for the
//! grants providers invent.
//!
//! - [`flow`]: [`OAuth2Flow`] (how to get a token, step by step, each step overridable) and
//!   [`OAuth2`] (any flow + a [`TokenCache`](crate::token_cache::TokenCache): caching,
//!   refresh before expiry, single flight, 401 handling).
//! - [`client_credentials`]: [`ClientCredentialsFlow`] and [`OAuth2ClientCredentials`].
//! - [`token`]: [`AccessToken`] and reading token responses without ever echoing them.

pub mod client_credentials;
pub mod flow;
pub mod token;

pub use client_credentials::{ClientCredentialsFlow, OAuth2ClientCredentials};
pub use flow::{ClientAuth, ClientCredentials, DEFAULT_TOKEN_EXPIRATION, OAuth2, OAuth2Flow};
pub use token::{AccessToken, TokenResponse, parse_standard_response};
