//! # rest-source
//!
//! Declarative, typed REST API sources for Rust: auth that just works (bearer, API keys,
//! HTTP basic, OAuth2 client credentials and the non-standard flows real APIs use), secrets
//! kept out of code, pagination and retries; mistakes caught at compile time.
//!
//! This facade re-exports the runtime ([`RestClient`], the auth strategies, [`Secret`]) and
//! the `#[rest_source]` macro. See the README for a tour.

pub use rest_source_runtime::*;

/// The `#[rest_source]` attribute macro (and `auth`/`resource`, which only work on its fields
/// and otherwise report where they belong).
pub use rest_source_macros::{auth, resource, rest_source};

/// Paths used by code that `#[rest_source]` generates. Not a public API: it may change in
/// any release.
#[doc(hidden)]
#[path = "private.rs"]
pub mod __private;
