//! `POST /oauth/token`: the OAuth2 token endpoint (RFC 6749 §4.4 client credentials and
//! §6 refresh with rotation).

use std::collections::HashMap;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use http_body_util::{BodyExt, Limited};
use hyper::body::Incoming;
use hyper::header::{
    AUTHORIZATION, CACHE_CONTROL, CONTENT_TYPE, HeaderValue, PRAGMA, WWW_AUTHENTICATE,
};
use hyper::{Request, StatusCode};
use serde::Serialize;
use url::form_urlencoded;

use crate::respond::{self, Resp};
use crate::server::State;
use crate::tokens::Issue;

#[derive(Serialize)]
struct TokenResponse<'a> {
    access_token: &'a str,
    token_type: &'static str,
    expires_in: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    refresh_token: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    scope: Option<&'a str>,
}

fn invalid_request(description: &str) -> Resp {
    respond::error(StatusCode::BAD_REQUEST, "invalid_request", description)
}

pub(super) async fn token(state: &State, req: Request<Incoming>) -> Resp {
    state.stats.token_request();
    let (parts, body) = req.into_parts();
    let body = match Limited::new(body, 64 * 1024).collect().await {
        Ok(body) => body.to_bytes(),
        Err(e) => return invalid_request(&format!("could not read the request body: {e}")),
    };
    let is_json = parts
        .headers
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.trim_start().starts_with("application/json"));
    let params = match parse_params(&body, is_json) {
        Ok(params) => params,
        Err(resp) => return resp,
    };
    let param = |name: &str| {
        params
            .get(name)
            .map(String::as_str)
            .filter(|v| !v.is_empty())
    };

    let basic = match parts.headers.get(AUTHORIZATION) {
        None => None,
        Some(value) => match parse_basic(value) {
            Some(pair) => Some(pair),
            None => {
                return invalid_request(
                    "the `Authorization` header of a token request must be HTTP Basic with the \
                     client id and secret",
                );
            }
        },
    };

    let Some(grant_type) = param("grant_type") else {
        return invalid_request(
            "missing `grant_type`; expected `client_credentials` or `refresh_token`",
        );
    };

    // Client authentication (RFC 6749 §2.3.1): Basic or body, never both.
    let (client_id, client_secret) = match (&basic, param("client_secret")) {
        (Some(_), Some(_)) => {
            return invalid_request(
                "the client authenticated twice (HTTP Basic and `client_secret` in the body); \
                 use one method",
            );
        }
        (Some((id, secret)), None) => (Some(id.as_str()), Some(secret.as_str())),
        (None, secret) => (param("client_id"), secret),
    };
    let authenticated = client_id == Some(state.client_id.as_str())
        && client_secret == Some(state.client_secret.as_str());
    if !authenticated {
        state.stats.unauthorized();
        let description = if client_id.is_none() || client_secret.is_none() {
            "client authentication failed: send `client_id` and `client_secret` in the form \
             body or as HTTP Basic"
        } else {
            "client authentication failed: unknown client or wrong secret"
        };
        let mut resp = respond::error(StatusCode::UNAUTHORIZED, "invalid_client", description);
        if basic.is_some() {
            resp.headers_mut().insert(
                WWW_AUTHENTICATE,
                HeaderValue::from_static(r#"Basic realm="demo""#),
            );
        }
        return resp;
    }

    let issue = match grant_type {
        "client_credentials" => state.tokens.issue(param("scope").map(str::to_owned)),
        "refresh_token" if state.refresh_tokens => {
            let Some(refresh_token) = param("refresh_token") else {
                return invalid_request("`grant_type=refresh_token` needs `refresh_token`");
            };
            match state.tokens.refresh(refresh_token) {
                Some(issue) => issue,
                None => {
                    return respond::error(
                        StatusCode::BAD_REQUEST,
                        "invalid_grant",
                        "the refresh token is unknown, revoked or already used (refresh \
                         tokens are single-use: use the one from the latest token response)",
                    );
                }
            }
        }
        other => {
            let supported = if state.refresh_tokens {
                "`client_credentials` or `refresh_token`"
            } else {
                "`client_credentials` (refresh tokens are off on this server)"
            };
            return respond::error(
                StatusCode::BAD_REQUEST,
                "unsupported_grant_type",
                &format!("grant type `{other}` is not supported; expected {supported}"),
            );
        }
    };
    state.stats.token_issued(grant_type == "refresh_token");
    token_response(&issue)
}

fn token_response(issue: &Issue) -> Resp {
    let mut resp = respond::json(
        StatusCode::OK,
        &TokenResponse {
            access_token: &issue.access_token,
            token_type: "Bearer",
            expires_in: issue.expires_in,
            refresh_token: issue.refresh_token.as_deref(),
            scope: issue.scope.as_deref(),
        },
    );
    // RFC 6749 §5.1: token responses must not be cached.
    let headers = resp.headers_mut();
    headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(PRAGMA, HeaderValue::from_static("no-cache"));
    resp
}

/// Form (or, leniently, JSON object) parameters; a repeated parameter is an error (§3.2).
fn parse_params(body: &[u8], is_json: bool) -> Result<HashMap<String, String>, Resp> {
    let mut params = HashMap::new();
    if is_json {
        let object: serde_json::Map<String, serde_json::Value> = serde_json::from_slice(body)
            .map_err(|e| invalid_request(&format!("expected a JSON object: {e}")))?;
        for (k, v) in object {
            let v = match v {
                serde_json::Value::String(s) => s,
                other => other.to_string(),
            };
            params.insert(k, v);
        }
        return Ok(params);
    }
    for (k, v) in form_urlencoded::parse(body) {
        if params.insert(k.to_string(), v.into_owned()).is_some() {
            return Err(invalid_request(&format!(
                "parameter `{k}` appears more than once"
            )));
        }
    }
    Ok(params)
}

/// `Basic base64(urlencode(id) ":" urlencode(secret))` (RFC 6749 §2.3.1).
fn parse_basic(value: &HeaderValue) -> Option<(String, String)> {
    let (scheme, encoded) = value.to_str().ok()?.split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let decoded = String::from_utf8(STANDARD.decode(encoded.trim()).ok()?).ok()?;
    let (id, secret) = decoded.split_once(':')?;
    Some((percent_decode(id)?, percent_decode(secret)?))
}

/// Decodes `%XX` escapes. `+` stays `+`: most clients send Basic credentials unescaped, and
/// a secret with a `+` in it must keep working for them.
fn percent_decode(s: &str) -> Option<String> {
    let mut out = Vec::with_capacity(s.len());
    let mut bytes = s.bytes();
    while let Some(b) = bytes.next() {
        if b == b'%' {
            let hex = [bytes.next()?, bytes.next()?];
            out.push(u8::from_str_radix(std::str::from_utf8(&hex).ok()?, 16).ok()?);
        } else {
            out.push(b);
        }
    }
    String::from_utf8(out).ok()
}
