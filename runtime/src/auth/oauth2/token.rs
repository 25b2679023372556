//! [`AccessToken`] and reading token-endpoint responses ([`TokenResponse`]).
//!
//! A token response is the one body the crate must never echo: on success it *is* a
//! credential. Errors therefore describe it (status, content type, size, field names) and
//! quote only the RFC 6749 §5.2 `error` / `error_description` / `error_uri` fields.

use std::fmt;
use std::time::Duration;

use bytes::Bytes;
use reqwest::StatusCode;
use reqwest::header::{CONTENT_TYPE, HeaderMap};
use serde_json::Value;

use crate::{Error, Result, Secret};

/// An access token and its lifetime, as returned by a token endpoint.
///
/// `Debug` never shows the token.
///
/// ```
/// use std::time::Duration;
/// use rest_source_runtime::AccessToken;
/// let t = AccessToken::new("t0ken").expires_in(Duration::from_secs(60));
/// assert_eq!(t.secret().expose(), "t0ken");
/// assert!(!format!("{t:?}").contains("t0ken"));
/// ```
#[derive(Clone)]
pub struct AccessToken {
    secret: Secret,
    expires_in: Option<Duration>,
    refresh_token: Option<Secret>,
}

impl AccessToken {
    /// A token with no stated lifetime (the flow's default expiration applies).
    pub fn new(token: impl Into<Secret>) -> Self {
        AccessToken {
            secret: token.into(),
            expires_in: None,
            refresh_token: None,
        }
    }

    /// Attaches the refresh token the server sent with this access token (a rotated one, in
    /// the refresh-token grant).
    pub fn with_refresh_token(mut self, refresh_token: impl Into<Secret>) -> Self {
        self.refresh_token = Some(refresh_token.into());
        self
    }

    /// The refresh token the server sent with this access token, if any.
    pub fn refresh_token(&self) -> Option<&Secret> {
        self.refresh_token.as_ref()
    }

    /// Sets the lifetime, counted from when the token request was sent.
    pub fn expires_in(mut self, expires_in: Duration) -> Self {
        self.expires_in = Some(expires_in);
        self
    }

    /// The token itself.
    pub fn secret(&self) -> &Secret {
        &self.secret
    }

    /// The lifetime the server stated, if any.
    pub fn lifetime(&self) -> Option<Duration> {
        self.expires_in
    }
}

impl fmt::Debug for AccessToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AccessToken")
            .field("secret", &self.secret)
            .field("expires_in", &self.expires_in)
            .field("refresh_token", &self.refresh_token)
            .finish()
    }
}

/// A token endpoint's response, read in full, handed to
/// [`OAuth2Flow::parse_access_token_response`](super::OAuth2Flow::parse_access_token_response).
///
/// `Debug` describes the body (length) without showing it.
pub struct TokenResponse {
    /// The token endpoint, redacted (safe to print).
    pub url: String,
    /// The HTTP status (may be an error status: parsing decides what it means).
    pub status: StatusCode,
    /// The response headers.
    pub headers: HeaderMap,
    /// The raw body. Treat as secret.
    pub body: Bytes,
}

impl fmt::Debug for TokenResponse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenResponse")
            .field("url", &self.url)
            .field("status", &self.status)
            .field("body", &format_args!("[{} bytes]", self.body.len()))
            .finish()
    }
}

impl TokenResponse {
    /// The `Content-Type` (without parameters), or `no content type`.
    pub fn content_type(&self) -> &str {
        self.headers
            .get(CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(';').next())
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .unwrap_or("no content type")
    }

    /// A printable description of the body that never includes its content:
    /// `the body is not JSON (text/html, 1234 bytes)`.
    pub fn describe_body(&self) -> String {
        format!("({}, {} bytes)", self.content_type(), self.body.len())
    }

    /// The body as a JSON object, or an error that describes (never quotes) it.
    pub fn json_object(&self, scheme: &'static str) -> Result<serde_json::Map<String, Value>> {
        match serde_json::from_slice::<Value>(&self.body) {
            Ok(Value::Object(map)) => Ok(map),
            Ok(other) => Err(Error::auth(
                scheme,
                format!(
                    "the token response from `{}` is JSON but not an object (a {}) {}; \
                     expected `{{\"access_token\": \"…\", \"expires_in\": …}}`",
                    self.url,
                    json_kind(&other),
                    self.describe_body()
                ),
            )),
            Err(_) => Err(Error::auth(
                scheme,
                format!(
                    "the token response from `{}` could not be read: the body is not JSON {}; \
                     check `access_token_url` (it may point at a login page or the API itself)",
                    self.url,
                    self.describe_body()
                ),
            )),
        }
    }

    /// The RFC 6749 §5.2 `error` code of a JSON error body (`invalid_grant`, …), if any.
    pub fn error_code(&self) -> Option<String> {
        let map = serde_json::from_slice::<serde_json::Map<String, Value>>(&self.body).ok()?;
        map.get("error")?.as_str().map(str::to_owned)
    }

    /// The RFC 6749 `error_description`, shortened, if any (safe to print: it is the
    /// server's explanation, not a credential).
    pub fn error_description(&self) -> Option<String> {
        let map = serde_json::from_slice::<serde_json::Map<String, Value>>(&self.body).ok()?;
        map.get("error_description")?
            .as_str()
            .map(crate::error::excerpt)
    }

    /// An error for a non-success status, quoting the RFC 6749 error fields when present.
    pub fn status_error(&self, scheme: &'static str) -> Error {
        let mut message = format!(
            "the token endpoint `{}` returned HTTP {}",
            self.url, self.status
        );
        match self.json_object(scheme) {
            Ok(map) => match rfc6749_error(&map) {
                Some(rfc) => message.push_str(&rfc),
                None => message.push_str(&format!(
                    " with a JSON body without an `error` field (fields: {})",
                    field_names(&map)
                )),
            },
            Err(_) => message.push_str(&format!("; the body is not JSON {}", self.describe_body())),
        }
        if self.status == StatusCode::UNAUTHORIZED && !message.contains("hint:") {
            message.push_str(
                "; hint: the token endpoint rejected the client credentials — check \
                 `client_id`, `client_secret` and `client_auth` (body or basic)",
            );
        }
        Error::Auth {
            scheme,
            message,
            // A body-less status error, so `Error::status()` works without echoing the body.
            source: Some(Box::new(Error::Status {
                method: reqwest::Method::POST,
                url: self.url.clone(),
                status: self.status,
                body: String::new(),
                retry_after: crate::client::retry::retry_after(&self.headers),
            })),
        }
    }
}

/// Parses a standard (RFC 6749 §5.1) token response: `access_token` (required, a non-empty
/// string), `expires_in` (seconds as a number or a numeric string; absent → `None`), and a
/// rotated `refresh_token` if present. Non-2xx statuses and `{"error": …}` bodies become
/// [`Error::Auth`] with a fix hint. For renamed or nested fields see
/// [`TokenResponseShape`](super::TokenResponseShape).
pub fn parse_standard_response(
    response: &TokenResponse,
    scheme: &'static str,
) -> Result<AccessToken> {
    super::TokenEndpoint::standard()
        .response()
        .parse(response, scheme)
}

/// ` (error `invalid_client`: description); hint: …` for an RFC 6749 §5.2 error body.
pub(crate) fn rfc6749_error(map: &serde_json::Map<String, Value>) -> Option<String> {
    let code = map.get("error")?.as_str()?;
    let mut out = format!(": error `{code}`");
    if let Some(desc) = map.get("error_description").and_then(Value::as_str) {
        out.push_str(&format!(" ({})", crate::error::excerpt(desc)));
    }
    if let Some(uri) = map.get("error_uri").and_then(Value::as_str) {
        out.push_str(&format!(", see {uri}"));
    }
    let hint = match code {
        "invalid_client" => {
            "check `client_id` and `client_secret`, and `client_auth`: some providers want \
             the credentials in the form body (`ClientAuth::Body`), others as HTTP Basic \
             (`ClientAuth::Basic`)"
        }
        "invalid_scope" => "check `scope`: the client may not be allowed the scopes requested",
        "unauthorized_client" => {
            "this client may not use this grant type; check the app's settings at the provider"
        }
        "unsupported_grant_type" => {
            "the provider does not support this `grant_type`; a custom grant needs a custom \
             `OAuth2Flow`"
        }
        "invalid_grant" => "the grant (code, refresh token or assertion) is invalid or expired",
        "invalid_request" => {
            "a required parameter is missing or malformed; check `audience` and extra parameters"
        }
        _ => "",
    };
    if !hint.is_empty() {
        out.push_str("; hint: ");
        out.push_str(hint);
    }
    Some(out)
}

pub(crate) fn field_names(map: &serde_json::Map<String, Value>) -> String {
    if map.is_empty() {
        return "none".to_owned();
    }
    map.keys()
        .map(|k| format!("`{k}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

pub(crate) fn json_kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    fn response(status: u16, content_type: &str, body: &str) -> TokenResponse {
        let mut headers = HeaderMap::new();
        headers.insert(CONTENT_TYPE, HeaderValue::from_str(content_type).unwrap());
        TokenResponse {
            url: "https://auth.test/token".into(),
            status: StatusCode::from_u16(status).unwrap(),
            headers,
            body: Bytes::from(body.to_owned()),
        }
    }

    fn parse(status: u16, content_type: &str, body: &str) -> Result<AccessToken> {
        parse_standard_response(&response(status, content_type, body), "oauth2")
    }

    #[test]
    fn expires_in_as_number_string_or_missing() {
        let t = parse(
            200,
            "application/json",
            r#"{"access_token":"a","expires_in":60}"#,
        )
        .unwrap();
        assert_eq!(t.lifetime(), Some(Duration::from_secs(60)));
        let t = parse(
            200,
            "application/json",
            r#"{"access_token":"a","expires_in":"3600"}"#,
        )
        .unwrap();
        assert_eq!(t.lifetime(), Some(Duration::from_secs(3600)));
        let t = parse(200, "application/json", r#"{"access_token":"a"}"#).unwrap();
        assert_eq!(t.lifetime(), None);
        let t = parse(
            200,
            "application/json",
            r#"{"access_token":"a","expires_in":null}"#,
        )
        .unwrap();
        assert_eq!(t.lifetime(), None);
        let t = parse(
            200,
            "application/json",
            r#"{"access_token":"a","expires_in":"soon"}"#,
        )
        .unwrap();
        assert_eq!(t.lifetime(), None);
    }

    #[test]
    fn missing_empty_null_and_non_string_tokens_are_clear_errors() {
        for (body, what) in [
            (r#"{"token_type":"bearer"}"#, "no `access_token`"),
            (r#"{"access_token":""}"#, "an empty `access_token`"),
            (r#"{"access_token":null}"#, "`access_token: null`"),
            (r#"{"access_token":42}"#, "a number, not a string"),
        ] {
            let msg = parse(200, "application/json", body)
                .unwrap_err()
                .to_string();
            assert!(msg.contains(what), "{msg}");
            assert!(msg.contains("`https://auth.test/token`"), "{msg}");
        }
    }

    #[test]
    fn non_json_body_is_described_not_quoted() {
        let body = "<html>secret-looking-page</html>";
        let msg = parse(200, "text/html; charset=utf-8", body)
            .unwrap_err()
            .to_string();
        assert!(
            msg.contains("the body is not JSON (text/html, 32 bytes)"),
            "{msg}"
        );
        assert!(!msg.contains("secret-looking-page"), "{msg}");
    }

    #[test]
    fn rfc6749_errors_surface_code_description_and_hint() {
        let body =
            r#"{"error":"invalid_client","error_description":"Client authentication failed"}"#;
        let err = parse(401, "application/json", body).unwrap_err();
        let msg = err.to_string();
        assert!(msg.contains("HTTP 401 Unauthorized"), "{msg}");
        assert!(
            msg.contains("error `invalid_client` (Client authentication failed)"),
            "{msg}"
        );
        assert!(msg.contains("client_auth"), "{msg}");
        assert_eq!(err.status(), Some(StatusCode::UNAUTHORIZED));
    }

    #[test]
    fn error_status_with_a_token_like_body_is_not_echoed() {
        let msg = parse(500, "application/json", r#"{"access_token":"leaky"}"#)
            .unwrap_err()
            .to_string();
        assert!(msg.contains("HTTP 500"), "{msg}");
        assert!(
            msg.contains("`access_token`"),
            "field names are listed: {msg}"
        );
        assert!(!msg.contains("leaky"), "{msg}");
    }
}
