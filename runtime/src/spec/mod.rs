//! The spec model: what a source's resources and auth look like, as data.
//!
//! The data types live in the `rest-source-spec` crate (no HTTP stack, so the proc-macro
//! crate shares them) and are re-exported here; this module adds what needs the runtime:
//! secret values, building auth strategies ([`BuildAuth`]) and assembling a whole
//! [`SourceSpec`] into clients and resources ([`assemble`]).
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

mod assemble;
mod auth;

pub use assemble::{Assembled, AssemblyOptions, Probe, assemble};
pub use auth::{BuildAuth, FromSecrets, SecretValues, maybe_secret_value};
pub use rest_source_spec::python;
pub use rest_source_spec::{
    AuthSpec, Completeness, CursorPaginator, CustomAuthSpec, DEFAULT_CONCURRENCY,
    DEFAULT_MAX_PAGE_BYTES, EndpointSpec, HeaderLinkPaginator, IncrementalSpec, JsonLinkPaginator,
    MaybeSecret, OffsetPaginator, PageNumberPaginator, PaginatorSpec, ResourceSpec, SecretRef,
    SourceResource, SourceSpec, placeholders,
};
pub use rest_source_spec::{ClientCertificate, TransportSpec};
// dlt runtime keys: `header_cursor`, `response_actions`, the incremental options.
pub use rest_source_spec::{
    HeaderCursorPaginator, IncrementalRange, LastValueFunc, OnCursorValueMissing, ResponseAction,
    ResponseActionKind, RowOrder, response_action_for,
};
