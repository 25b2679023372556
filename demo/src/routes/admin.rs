//! `/_admin/*`: stats, faults and token revocation for tests, demos and benchmarks.
//!
//! Unauthenticated on purpose: the server only ever listens on loopback.

use http_body_util::{BodyExt, Limited};
use hyper::body::Incoming;
use hyper::{Request, StatusCode};

use super::query::Query;
use crate::faults::Faults;
use crate::respond::{self, Resp};
use crate::server::State;

pub(super) fn stats(state: &State) -> Resp {
    respond::json(StatusCode::OK, &state.stats.snapshot())
}

pub(super) fn reset_stats(state: &State) -> Resp {
    state.stats.reset();
    respond::json(StatusCode::OK, &state.stats.snapshot())
}

pub(super) fn faults(state: &State) -> Resp {
    respond::json(StatusCode::OK, &state.faults.get())
}

pub(super) async fn set_faults(state: &State, req: Request<Incoming>) -> Resp {
    let body = match Limited::new(req.into_body(), 64 * 1024).collect().await {
        Ok(body) => body.to_bytes(),
        Err(e) => return respond::bad_parameter(&format!("could not read the body: {e}")),
    };
    let body: &[u8] = if body.iter().all(u8::is_ascii_whitespace) {
        b"{}"
    } else {
        &body
    };
    match serde_json::from_slice::<Faults>(body) {
        Ok(faults) => {
            state.faults.set(faults);
            respond::json(StatusCode::OK, &state.faults.get())
        }
        Err(e) => respond::error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            &format!(
                "expected a JSON object with `rate_limit_every`, `retry_after_secs`, \
                 `unavailable_every`, `latency_ms`: {e}"
            ),
        ),
    }
}

pub(super) fn revoke_tokens(state: &State, req: &Request<Incoming>) -> Resp {
    let refresh = Query::new(req.uri().query())
        .get("refresh_tokens")
        .is_some_and(|v| v == "true" || v == "1");
    let revoked = state.tokens.revoke_all(refresh);
    respond::json(
        StatusCode::OK,
        &serde_json::json!({ "revoked": revoked, "refresh_tokens_revoked": refresh }),
    )
}
