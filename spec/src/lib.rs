//! The source model of `rest-source`: a REST API source described as data.
//!
//! Both front ends produce it — the `#[rest_source]` macro (at compile time, as typed
//! construction in its expansion) and a TOML/JSON config (at run time) — and the runtime
//! assembles it into clients and resources. It has no HTTP stack, so the proc-macro crate can
//! depend on it (as `serde_derive` does on `serde_derive_internals`). The serde names are dlt's
//! REST API source names, so a dlt config's `paginator`, `incremental` and resource blocks
//! deserialise unchanged.
//!
//! ```
//! use rest_source_spec::{PaginatorSpec, ResourceSpec};
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

#![warn(missing_docs)]

pub mod auth;
mod incremental;
mod paginator;
pub mod placeholder;
pub mod python;
mod resource;
mod response_action;
mod source;
mod transport;
pub mod validate;

pub use auth::{
    ApiKeyLocation, AuthSpec, ClientAuth, CustomAuthSpec, MaybeSecret, SecretRef,
    TokenRequestFormat,
};
pub use incremental::{
    IncrementalRange, IncrementalSpec, LastValueFunc, OnCursorValueMissing, RowOrder,
};
pub use paginator::{
    CursorPaginator, HeaderCursorPaginator, HeaderLinkPaginator, JsonLinkPaginator,
    OffsetPaginator, PageNumberPaginator, PaginatorSpec,
};
pub use resource::{
    Completeness, DEFAULT_CONCURRENCY, DEFAULT_MAX_PAGE_BYTES, EndpointSpec, ResourceSpec,
};
pub use response_action::{ResponseAction, ResponseActionKind, response_action_for};
pub use source::{SourceResource, SourceSpec, secret_keys};
pub use transport::{ClientCertificate, TransportSpec};
pub use validate::{Fix, Problem, validate};

/// The names inside `{…}` placeholders of `template`, in order (`"a/{x}/{p.id}"` → `x`, `p.id`).
pub fn placeholders(template: &str) -> impl Iterator<Item = &str> {
    template
        .split('{')
        .skip(1)
        .filter_map(|s| s.split_once('}').map(|(name, _)| name.trim()))
}
