//! The spec model: what a source's resources and auth look like, as data.
//!
//! The `#[rest_source]` macro and a TOML/JSON config both produce these types, and the runtime
//! executes them; the serde names are dlt's REST API source names, so a dlt config's
//! `paginator`, `incremental` and resource blocks deserialise unchanged.
//!
//! ```
//! use rest_source_runtime::spec::{PaginatorSpec, ResourceSpec};
//!
//! let from_json: ResourceSpec = serde_json::from_value(serde_json::json!({
//!     "name": "contacts",
//!     "endpoint": {
//!         "path": "contacts",
//!         "params": {"status": "active"},
//!         "data_selector": "results",
//!         "paginator": {"type": "json_link", "next_url_path": "paging.next"}
//!     }
//! })).unwrap();
//!
//! let by_hand = ResourceSpec::new("contacts", "contacts")
//!     .param("status", "active")
//!     .data_selector("results")
//!     .paginator(PaginatorSpec::json_link("paging.next"));
//! assert_eq!(from_json, by_hand);
//! ```

pub mod auth;
mod incremental;
mod paginator;
mod resource;

pub use auth::{AuthSpec, FromSecrets, MaybeSecret, SecretRef, SecretValues};
pub use incremental::IncrementalSpec;
pub use paginator::{
    CursorPaginator, HeaderLinkPaginator, JsonLinkPaginator, OffsetPaginator, PageNumberPaginator,
    PaginatorSpec,
};
pub use resource::{
    Completeness, DEFAULT_CONCURRENCY, DEFAULT_MAX_PAGE_BYTES, EndpointSpec, ResourceSpec,
};
