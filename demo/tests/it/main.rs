//! The demo API's tests: one test binary, one module per topic.

mod common;

mod faults;
mod pagination;
mod resources;
mod stats;
mod token_endpoint;
mod with_rest_client;
