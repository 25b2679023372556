//! Checking the credentials an API request carries: bearer tokens and the report API key.

use hyper::StatusCode;
use hyper::header::{AUTHORIZATION, HeaderMap, HeaderValue, WWW_AUTHENTICATE};

use super::query::Query;
use crate::respond::{self, Resp};
use crate::server::State;
use crate::tokens::Granted;

/// The bearer token's grant, or the 401 to send (RFC 6750 §3).
pub(super) fn bearer(state: &State, headers: &HeaderMap) -> Result<Granted, Resp> {
    let token = headers
        .get(AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            let (scheme, token) = v.split_once(' ')?;
            scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
        });
    let Some(token) = token else {
        state.stats.unauthorized();
        // No credentials at all: RFC 6750 says to send no error code, just the challenge.
        let mut resp = respond::error(
            StatusCode::UNAUTHORIZED,
            "invalid_request",
            "this endpoint needs `Authorization: Bearer <token>`; get a token from \
             `POST /oauth/token`",
        );
        resp.headers_mut().insert(
            WWW_AUTHENTICATE,
            HeaderValue::from_static(r#"Bearer realm="demo""#),
        );
        return Err(resp);
    };
    state.tokens.check(token).map_err(|refused| {
        state.stats.unauthorized();
        let description = refused.description();
        let mut resp = respond::error(StatusCode::UNAUTHORIZED, "invalid_token", description);
        let challenge = format!(
            r#"Bearer realm="demo", error="invalid_token", error_description="{description}""#
        );
        if let Ok(value) = HeaderValue::from_str(&challenge) {
            resp.headers_mut().insert(WWW_AUTHENTICATE, value);
        }
        resp
    })
}

/// Accepts the API key in the `X-Report-Key` header or the `api_key` query parameter.
pub(super) fn api_key(state: &State, headers: &HeaderMap, query: &Query<'_>) -> Result<(), Resp> {
    let from_header = headers
        .get("x-report-key")
        .map(|v| v.as_bytes() == state.api_key.as_bytes());
    let from_query = query.get("api_key").map(|v| v == state.api_key);
    match from_header.or(from_query) {
        Some(true) => Ok(()),
        found => {
            state.stats.unauthorized();
            let description = if found.is_some() {
                "the API key is not valid"
            } else {
                "this endpoint needs an API key in the `X-Report-Key` header or the `api_key` \
                 query parameter"
            };
            let mut resp = respond::error(StatusCode::UNAUTHORIZED, "invalid_api_key", description);
            resp.headers_mut().insert(
                WWW_AUTHENTICATE,
                HeaderValue::from_static(r#"ApiKey realm="demo", header="X-Report-Key""#),
            );
            Err(resp)
        }
    }
}
