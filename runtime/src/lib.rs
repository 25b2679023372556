//! Runtime of `rest-source`: auth strategies, secrets, the HTTP client, paginators,
//! resources, and declarative TOML/JSON sources ([`config`]). Most users reach it through
//! the `rest-source` facade crate.
//!
//! ```no_run
//! # async fn demo() -> Result<(), rest_source_runtime::Error> {
//! use rest_source_runtime::{BearerToken, RestClient, Secret};
//!
//! let client = RestClient::builder("https://api.example.com/v1")
//!     .auth(BearerToken::new(Secret::new("token from your secrets")))
//!     .build()?;
//! let me: serde_json::Value = client.get("me").await?.json().await?;
//! # let _ = me; Ok(()) }
//! ```

#![warn(missing_docs)]

pub mod auth;
pub mod client;
pub mod config;
pub mod error;
pub use resource::incremental;
#[cfg(feature = "middleware")]
pub use auth::middleware;
pub mod paginate;
pub use rest_source_spec::placeholder;
use resource::records;
pub use secrets::redact;
pub mod report;
pub mod resource;
pub use client::response;
pub use client::retry;
pub use secrets::secret;
pub mod secrets;
pub use resource::select;
pub mod spec;
pub use client::tls;
pub use auth::token::cache as token_cache;
pub use auth::token::store as token_store;
use client::url_join;

pub use auth::{
    AccessToken, ApiKey, ApiKeyLocation, Auth, AuthContext, BearerToken, ClientAuth,
    ClientCredentialsFlow, DynAuth, HttpBasic, JwtBearerFlow, NoAuth, OAuth2,
    OAuth2ClientCredentials, OAuth2Flow, OAuth2JwtBearer, OAuth2RefreshToken, Placement,
    RefreshTokenFlow, SessionToken, SharedAuth, TokenEndpoint, TokenRequestFormat,
    TokenResponseShape,
};
pub use client::{RequestBuilder, RestClient, RestClientBuilder};
pub use error::{Error, Result};
pub use incremental::{FileStateStore, IncrementalState};
pub use report::{RunCounters, RunReport, StopReason};
pub use resource::{Page, Resource, Run};

/// Re-exported so the streams of [`Resource::items`] and [`Resource::pages`] can be consumed
/// (`try_next`, `try_collect`, …) without adding `futures` to your own `Cargo.toml`.
pub use futures::{Stream, StreamExt, TryStreamExt};
pub use response::Response;
pub use retry::RetryPolicy;
pub use secret::Secret;
pub use secrets::{MissingSecrets, SecretResolver};
pub use token_store::{FileTokenStore, MemoryTokenStore, TokenStore};

/// Re-exported so custom [`Auth`] implementations can name request types without adding
/// `reqwest` to their own `Cargo.toml`.
pub use reqwest;
