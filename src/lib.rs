//! # rest-source
//!
//! Declarative, typed REST API sources for Rust: auth that just works (bearer, API keys,
//! HTTP basic, OAuth2 client credentials and the non-standard flows real APIs use), secrets
//! kept out of code, pagination and retries; mistakes caught at compile time.
//!
//! This facade re-exports the runtime ([`RestClient`], the auth strategies, [`Secret`]) and
//! the `#[rest_source]` macro. See the README for a tour.
//!
//! ```no_run
//! use rest_source::{Resource, rest_source};
//!
//! #[derive(serde::Deserialize)]
//! struct Contact { id: u64, name: String }
//!
//! #[rest_source(
//!     base_url = "https://crm.example.com/api/v1",
//!     auth = oauth2_client_credentials(
//!         access_token_url = "https://crm.example.com/oauth/token",
//!         client_id = secret("client_id"),
//!         client_secret = secret("client_secret"),
//!     ),
//!     paginator = json_link(next_url_path = "paging.next"),
//! )]
//! struct Crm {
//!     /// A source parameter: `{region}` in paths.
//!     region: String,
//!     #[resource(path = "{region}/contacts", data_selector = "results")]
//!     contacts: Resource<Contact>,
//!     /// Its own credentials: overrides the source's auth for this resource only.
//!     #[resource(path = "reports", paginator = single_page)]
//!     #[auth(api_key(name = "X-Report-Key", api_key = secret("reports_key"), location = header))]
//!     reports: Resource<serde_json::Value>,
//! }
//!
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let crm = Crm::builder()
//!     .region("eu")
//!     .secrets_from_env()? // env `SOURCES__CRM__CLIENT_ID`, … or `.dlt/secrets.toml`
//!     .build()?;
//! crm.check().await?; // one authenticated request per distinct auth
//! for contact in crm.contacts.collect().await? {
//!     println!("{} {}", contact.id, contact.name);
//! }
//! # let _ = crm.region; let _ = crm.reports; Ok(()) }
//! ```

pub use rest_source_runtime::*;

/// The `#[rest_source]` attribute macro (and `auth`/`resource`, which only work on its fields
/// and otherwise report where they belong).
pub use rest_source_macros::{auth, resource, rest_source};

/// Paths used by code that `#[rest_source]` generates. Not a public API: it may change in
/// any release.
#[doc(hidden)]
#[path = "private.rs"]
pub mod __private;
