//! The runtime's integration tests: one test binary, one module per topic (see
//! `tests/README.md` at the repository root for where a new test goes).

mod common;
mod page_server;

mod auth_static;
mod body_auth;
mod compression;
mod concurrent_totals;
mod config_assembly;
mod config_errors;
mod config_flows;
mod dlt_config;
mod dlt_corpus;
mod dlt_credentials;
mod dlt_runtime_body;
mod dlt_runtime_incremental;
mod dlt_runtime_paginators;
mod dlt_runtime_response_actions;
mod dlt_wire;
mod error_messages;
#[cfg(feature = "http2")]
mod http2;
mod http_properties;
mod incremental;
mod incremental_children;
mod jwt_bearer;
mod live_counters;
#[cfg(feature = "middleware")]
mod middleware;
mod oauth2;
mod overlap;
mod paginators;
mod paging_integrity;
mod parser_properties;
mod partition_properties;
mod placeholders;
mod proptest_config;
mod proxy;
mod python_str;
mod redirects;
mod refresh_token;
mod resources;
mod retries;
mod secret_canary;
mod secrets;
mod session;
#[cfg(feature = "object-store")]
mod shared_store;
mod tls;
mod token_expiry_paging;
mod token_retries;
mod token_shape;
mod transport_errors;
