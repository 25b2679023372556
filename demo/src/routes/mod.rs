//! Request routing: which handler answers which method and path.

// Handlers return `Result<Resp, Resp>` so `?` can send an error response early; the error is
// the response itself, and boxing it would only add an allocation on the error path.
#![allow(clippy::result_large_err)]

mod admin;
mod api;
mod auth;
mod oauth;
mod query;

use std::convert::Infallible;
use std::sync::Arc;

use hyper::body::Incoming;
use hyper::{Method, Request};

use crate::respond::{self, Resp};
use crate::server::State;

pub(crate) async fn handle(state: Arc<State>, req: Request<Incoming>) -> Result<Resp, Infallible> {
    let path = req.uri().path();
    let resp = if let Some(rest) = path.strip_prefix("/api/v1/") {
        let rest = rest.trim_end_matches('/').to_owned();
        api::handle(&state, &rest, req).await
    } else {
        match path {
            "/oauth/token" if req.method() == Method::POST => oauth::token(&state, req).await,
            "/oauth/token" => respond::method_not_allowed("POST"),
            "/_admin/stats" => admin::stats(&state),
            "/_admin/faults" if req.method() == Method::POST => {
                admin::set_faults(&state, req).await
            }
            "/_admin/faults" => admin::faults(&state),
            "/_admin/revoke-tokens" if req.method() == Method::POST => {
                admin::revoke_tokens(&state, &req)
            }
            "/_admin/revoke-tokens" => respond::method_not_allowed("POST"),
            "/_admin/reset-stats" if req.method() == Method::POST => admin::reset_stats(&state),
            "/_admin/reset-stats" => respond::method_not_allowed("POST"),
            _ => {
                state.stats.not_found();
                respond::not_found(&format!(
                    "no endpoint at `{path}`; the API lives under `/api/v1/` and tokens come \
                     from `POST /oauth/token`"
                ))
            }
        }
    };
    Ok(resp)
}
