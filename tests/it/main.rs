//! The facade's integration tests (the macro, configs, the CLI, end to end): one test
//! binary, one module per topic (see `tests/README.md` for where a new test goes).
//!
//! The modules are `pub`, so what a file declares `pub` (a source struct whose fields only
//! the macro reads) counts as used, as it did at the root of a binary of its own.

#[cfg(feature = "cli")]
pub mod cli;
pub mod concurrent_paging;
pub mod config_demo;
pub mod config_vs_macro;
pub mod config_wire;
#[cfg(feature = "cli")]
pub mod dlt_cli;
pub mod dlt_fixtures;
pub mod incremental_children;
#[cfg(feature = "cli")]
pub mod k8s_example;
pub mod macro_endpoint;
pub mod macro_flows;
pub mod macro_source;
pub mod main_error;
pub mod partition;
pub mod placeholders;
pub mod public_api;
pub mod quickstart;
pub mod shared_rules;
pub mod ui;
