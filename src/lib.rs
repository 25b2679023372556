//! # rest-source
//!
//! Declarative, typed REST API sources for Rust: auth that just works (bearer, API keys,
//! HTTP basic, OAuth2 client credentials and the non-standard flows real APIs use), secrets
//! kept out of code, pagination and retries; mistakes caught at compile time.
//!
//! This facade re-exports the runtime ([`RestClient`], the auth strategies, [`Secret`]) and
//! the `#[rest_source]` macro. The [`guide`] has a chapter per topic.
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
//!
//! ## Resources: params, headers, incremental; non-standard auth
//!
//! A resource carries its own query parameters and headers, loads incrementally, and copies
//! parent fields into child records. The non-standard flows are auth forms too
//! (`oauth2_refresh_token`, `oauth2_jwt_bearer`, `session_token`, `api_key(location =
//! body)`); anything not built in is `custom(MyAuth, …)` (an [`Auth`]) or
//! `custom(flow = MyGrant, …)` (an [`OAuth2Flow`], which inherits caching and refresh).
//! The full argument reference is on [`rest_source`](macro@rest_source).
//!
//! ```no_run
//! use rest_source::{FileStateStore, Resource, rest_source};
//!
//! #[rest_source(
//!     base_url = "https://legacy.example.com/api",
//!     auth = session_token(
//!         login_url = "https://legacy.example.com/api/login",
//!         credentials(username = "etl-bot", password = secret("password")),
//!         token_path = "data.token",
//!         prefix = "Token ",
//!         ttl = 1800,
//!     ),
//!     paginator = page_number(base_page = 1, total_path = "pages"),
//! )]
//! struct Legacy {
//!     since: String,
//!     #[resource(
//!         path = "orders",
//!         params("status" = "open", "per_page" = 100, "created_after" = "{since}"),
//!         headers("X-Shop-Key" = secret("shop_key")),
//!         incremental(cursor_path = "updated_at", start_param = "updated_since",
//!                     initial_value = "2024-01-01T00:00:00Z"),
//!         primary_key = "id",
//!     )]
//!     orders: Resource<serde_json::Value>,
//!     #[resource(path = "orders/{orders.id}/lines", include_from_parent = ["id"])]
//!     lines: Resource<serde_json::Value>,
//! }
//!
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let legacy = Legacy::builder().since("2024-01-01").secrets_from_env()?.build()?;
//! let store = FileStateStore::new("state.json");
//! let orders = legacy.orders.clone().with_incremental_state(store.load("orders")?);
//! let new_orders = orders.collect().await?; // sends `updated_since=<last run's max>`
//! store.save("orders", &orders.incremental_state().unwrap_or_default())?;
//! # let _ = (new_orders, legacy.lines); Ok(()) }
//! ```

#![warn(missing_docs)]

pub use rest_source_runtime::*;

/// The `#[rest_source]` attribute macro (and `auth`/`resource`, which only work on its fields
/// and otherwise report where they belong).
pub use rest_source_macros::{auth, resource, rest_source};

pub mod guide {
    //! The guide and reference, one chapter per topic. Every Rust block in it is a doc test.
    //!
    //! | Chapter | What it covers |
    //! |---|---|
    //! | [`source_macro`] | `#[rest_source]`: resources, parameters, per-resource auth, the compile-time checks, the secrets schema |
    //! | [`auth`] | the auth strategies by hand, and the non-standard flows (refresh-token rotation, session logins, JWT bearer, custom grants) |
    //! | [`secrets`] | where secrets are looked up (env vars, `.dlt/secrets.toml`), dlt's layout |
    //! | [`resources`] | `Resource<T>`, the paginators, the run report, record selection, retries |
    //! | [`incremental`] | child resources and incremental loading, and how their state advances |
    //! | [`config`] | declarative sources in TOML / JSON with dlt's names |
    //! | [`cli`] | the `rest-source` command |
    //! | [`partition`] | partitioned runs (`--partition I/N`) for the parallel tasks of an orchestrator: how each resource is split, a Kubernetes indexed Job |
    //! | [`performance`] | how a resource reads an API, and tuning it |
    //!
    //! The macro's argument reference is on [`rest_source`](macro@crate::rest_source); the config's
    //! keys are in [`config`](crate::config). `ARCHITECTURE.md` in the repository walks through
    //! the code, `BENCHMARKS.md` has the measurements.
    pub mod source_macro {
        #![doc = include_str!("../docs/guide/macro.md")]
        #[allow(unused_imports)]
        use crate::*;
    }
    pub mod auth {
        #![doc = include_str!("../docs/guide/auth.md")]
        #[allow(unused_imports)]
        use crate::*;
    }
    pub mod secrets {
        #![doc = include_str!("../docs/guide/secrets.md")]
        #[allow(unused_imports)]
        use crate::*;
    }
    pub mod resources {
        #![doc = include_str!("../docs/guide/resources.md")]
        #[allow(unused_imports)]
        use crate::*;
    }
    pub mod incremental {
        #![doc = include_str!("../docs/guide/incremental.md")]
        #[allow(unused_imports)]
        use crate::*;
    }
    pub mod config {
        #![doc = include_str!("../docs/guide/config.md")]
        #[allow(unused_imports)]
        use crate::*;
    }
    pub mod cli {
        #![doc = include_str!("../docs/guide/cli.md")]
        #[allow(unused_imports)]
        use crate::*;
    }
    pub mod partition {
        #![doc = include_str!("../docs/guide/partition.md")]
        #[allow(unused_imports)]
        use crate::*;
    }
    pub mod performance {
        #![doc = include_str!("../docs/guide/performance.md")]
        #[allow(unused_imports)]
        use crate::*;
    }
}

/// Paths used by code that `#[rest_source]` generates. Not a public API: it may change in
/// any release.
#[doc(hidden)]
#[path = "private.rs"]
pub mod __private;

/// Every Rust block of the README, compiled (and run) as a doc test so the README stays true
/// to the code.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;
