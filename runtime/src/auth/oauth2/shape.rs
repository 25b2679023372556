//! [`TokenEndpoint`]: how a token endpoint that does not quite follow RFC 6749 wants its
//! request and shapes its response — one reusable setting shared by every built-in OAuth2
//! flow (client credentials, refresh token, JWT bearer) and by session logins.
//!
//! What users of dlt, Airbyte and the Singer SDK report from the wild, each one setting:
//!
//! - the token under another name or nested: `data.accessToken`
//!   ([`TokenEndpoint::access_token_path`]);
//! - the lifetime under another name (`expiresIn`), or an **absolute** expiry (`expires_at` as
//!   unix seconds or an RFC 3339 timestamp) ([`TokenEndpoint::expires_at_path`]);
//! - the rotated refresh token under another name ([`TokenEndpoint::refresh_token_path`]);
//! - extra headers on the token request (an API key, a tenant id)
//!   ([`TokenEndpoint::header`], [`TokenEndpoint::secret_header`]);
//! - a JSON body instead of a form ([`TokenEndpoint::json_body`]).
//!
//! Paths are dot-separated keys (`data.token.value`); a segment of digits indexes an array
//! (`tokens.0.value`).
//!
//! ```
//! use rest_source_runtime::{OAuth2ClientCredentials, Secret, TokenEndpoint};
//!
//! let endpoint = TokenEndpoint::new()
//!     .json_body()
//!     .header("X-Tenant", "acme")
//!     .access_token_path("data.accessToken")
//!     .expires_at_path("data.expiresAt");
//! let auth = OAuth2ClientCredentials::new(
//!     "https://auth.example.com/token",
//!     Secret::new("id"),
//!     Secret::new("secret"),
//! )
//! .token_endpoint(endpoint);
//! # let _ = auth;
//! ```
//!
//! The same setting deserialises from configuration (all keys optional):
//!
//! ```
//! # use rest_source_runtime::TokenEndpoint;
//! let endpoint: TokenEndpoint = serde_json::from_value(serde_json::json!({
//!     "body": "json",
//!     "headers": {"X-Tenant": "acme"},
//!     "access_token_path": "data.accessToken",
//!     "expires_at_path": "data.expiresAt",
//!     "refresh_token_path": "data.refreshToken"
//! })).unwrap();
//! assert_eq!(endpoint.response().access_token, "data.accessToken");
//! ```

use std::collections::BTreeMap;
use std::fmt;
use std::sync::LazyLock;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use reqwest::header::{HeaderName, HeaderValue};
use serde_json::Value;

use super::token::{AccessToken, TokenResponse, field_names, json_kind, rfc6749_error};
use crate::{Error, Result, Secret};

/// How the token request's parameters are encoded (shared with `rest-source-spec`).
pub use rest_source_spec::TokenRequestFormat;

/// Where the fields of a token response are. Paths are dot-separated (see the
/// module docs). Defaults are RFC 6749's names.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TokenResponseShape {
    /// The access token (default `access_token`). Required in every response.
    pub access_token: String,
    /// The lifetime in seconds, a number or a numeric string (default `expires_in`).
    pub expires_in: Option<String>,
    /// An absolute expiry: unix seconds (number or numeric string) or an RFC 3339
    /// timestamp. Used instead of [`expires_in`](Self::expires_in) when present.
    pub expires_at: Option<String>,
    /// A new (rotated) refresh token, if the server sends one (default `refresh_token`).
    pub refresh_token: String,
}

impl Default for TokenResponseShape {
    fn default() -> Self {
        TokenResponseShape {
            access_token: "access_token".to_owned(),
            expires_in: Some("expires_in".to_owned()),
            expires_at: None,
            refresh_token: "refresh_token".to_owned(),
        }
    }
}

impl TokenResponseShape {
    /// Reads a token response: error statuses and RFC 6749 `{"error": …}` bodies become
    /// [`Error::Auth`] with a fix hint; the token, lifetime and rotated refresh token are read
    /// at the configured paths. Never copies the body into an error.
    pub fn parse(&self, response: &TokenResponse, scheme: &'static str) -> Result<AccessToken> {
        if !response.status.is_success() {
            return Err(response.status_error(scheme));
        }
        let map = response.json_object(scheme)?;
        if let Some(rfc) = rfc6749_error(&map) {
            return Err(Error::auth(
                scheme,
                format!(
                    "the token endpoint `{}` answered HTTP {} with an error{rfc}",
                    response.url, response.status
                ),
            ));
        }
        let root = Value::Object(map);
        let path = &self.access_token;
        let missing = |what: String| {
            let hint = if path == "access_token" {
                "if the provider names it differently, set `access_token_path` (see \
                 `TokenEndpoint`) or override `OAuth2Flow::parse_access_token_response`"
            } else {
                "check `access_token_path`"
            };
            Error::auth(
                scheme,
                format!(
                    "the token response from `{}` has {what} (fields present: {}); expected a \
                     non-empty string in `{path}` — {hint}",
                    response.url,
                    field_names(root.as_object().expect("root is an object")),
                ),
            )
        };
        let token = match json_path(&root, path) {
            Some(Value::String(s)) if !s.trim().is_empty() => s.clone(),
            Some(Value::String(_)) => return Err(missing(format!("an empty `{path}`"))),
            Some(Value::Null) => return Err(missing(format!("`{path}: null`"))),
            Some(other) => {
                return Err(missing(format!(
                    "a `{path}` that is a {}, not a string",
                    json_kind(other)
                )));
            }
            None => return Err(missing(format!("no `{path}`"))),
        };
        let mut access = AccessToken::new(token);
        let absolute = self
            .expires_at
            .as_deref()
            .and_then(|p| Some((p, json_path(&root, p)?)))
            .and_then(|(p, v)| lifetime_from_expires_at(v, p, &response.url));
        let lifetime = absolute.or_else(|| {
            let p = self.expires_in.as_deref()?;
            lifetime_from_expires_in(json_path(&root, p), p, &response.url)
        });
        if let Some(lifetime) = lifetime {
            access = access.expires_in(lifetime);
        }
        if let Some(Value::String(s)) = json_path(&root, &self.refresh_token)
            && !s.trim().is_empty()
        {
            access = access.with_refresh_token(Secret::new(s.clone()));
        }
        Ok(access)
    }
}

/// How to talk to a token endpoint: body encoding, extra headers and the response shape.
/// See the module docs. `Debug` shows header names only.
#[derive(Clone, Default)]
pub struct TokenEndpoint {
    format: TokenRequestFormat,
    headers: Vec<(String, Secret)>,
    response: TokenResponseShape,
}

impl fmt::Debug for TokenEndpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names: Vec<&str> = self.headers.iter().map(|(n, _)| n.as_str()).collect();
        f.debug_struct("TokenEndpoint")
            .field("format", &self.format)
            .field("headers", &names)
            .field("response", &self.response)
            .finish()
    }
}

static STANDARD: LazyLock<TokenEndpoint> = LazyLock::new(TokenEndpoint::new);

impl TokenEndpoint {
    /// RFC 6749: a form body, no extra headers, standard response field names.
    pub fn new() -> Self {
        TokenEndpoint::default()
    }

    /// The shared RFC 6749 default, for [`OAuth2Flow::token_endpoint`](super::OAuth2Flow::token_endpoint).
    pub fn standard() -> &'static TokenEndpoint {
        &STANDARD
    }

    /// Sends the parameters as a JSON object instead of a form.
    pub fn json_body(mut self) -> Self {
        self.format = TokenRequestFormat::Json;
        self
    }

    /// Sends the parameters as a form (the default).
    pub fn form_body(mut self) -> Self {
        self.format = TokenRequestFormat::Form;
        self
    }

    /// Adds a header to the token request.
    pub fn header(self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.secret_header(name, Secret::new(value.into()))
    }

    /// Adds a header whose value is a secret (marked sensitive, never printed).
    pub fn secret_header(mut self, name: impl Into<String>, value: impl Into<Secret>) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }

    /// Where the access token is (default `access_token`).
    pub fn access_token_path(mut self, path: impl Into<String>) -> Self {
        self.response.access_token = path.into();
        self
    }

    /// Where the lifetime in seconds is (default `expires_in`).
    pub fn expires_in_path(mut self, path: impl Into<String>) -> Self {
        self.response.expires_in = Some(path.into());
        self
    }

    /// Where an absolute expiry is (unix seconds or RFC 3339); takes precedence over the
    /// lifetime when the response has both.
    pub fn expires_at_path(mut self, path: impl Into<String>) -> Self {
        self.response.expires_at = Some(path.into());
        self
    }

    /// Where a rotated refresh token is (default `refresh_token`).
    pub fn refresh_token_path(mut self, path: impl Into<String>) -> Self {
        self.response.refresh_token = path.into();
        self
    }

    /// Replaces the whole response shape.
    pub fn response_shape(mut self, shape: TokenResponseShape) -> Self {
        self.response = shape;
        self
    }

    /// The body encoding.
    pub fn format(&self) -> TokenRequestFormat {
        self.format
    }

    /// The response shape.
    pub fn response(&self) -> &TokenResponseShape {
        &self.response
    }

    /// Builds a token request: `POST url` with `params` encoded as configured, `Accept:
    /// application/json` and the extra headers. `params` may hold secrets; they go on the
    /// wire only.
    pub fn build_request(
        &self,
        http: &reqwest::Client,
        url: url::Url,
        params: &[(String, String)],
        scheme: &'static str,
    ) -> Result<reqwest::Request> {
        let builder = http
            .request(reqwest::Method::POST, url)
            .header(reqwest::header::ACCEPT, "application/json");
        let builder = match self.format {
            TokenRequestFormat::Form => builder.form(params),
            TokenRequestFormat::Json => {
                let object: serde_json::Map<String, Value> = params
                    .iter()
                    .map(|(k, v)| (k.clone(), Value::String(v.clone())))
                    .collect();
                builder.json(&object)
            }
        };
        let mut request = builder.build().map_err(|e| {
            Error::auth(
                scheme,
                format!("could not build the token request: {}", e.without_url()),
            )
        })?;
        for (name, value) in &self.headers {
            let header_name = HeaderName::from_bytes(name.as_bytes()).map_err(|_| {
                Error::Config(format!(
                    "token endpoint header `{name}` is not a valid HTTP header name"
                ))
            })?;
            let mut header_value = HeaderValue::from_str(value.expose()).map_err(|_| {
                Error::Config(format!(
                    "the value of token endpoint header `{name}` is not a valid header value"
                ))
            })?;
            header_value.set_sensitive(true);
            request.headers_mut().insert(header_name, header_value);
        }
        Ok(request)
    }
}

/// The configuration form of [`TokenEndpoint`] (every key optional).
#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct TokenEndpointConfig {
    #[serde(default)]
    body: TokenRequestFormat,
    #[serde(default)]
    headers: BTreeMap<String, String>,
    access_token_path: Option<String>,
    expires_in_path: Option<String>,
    expires_at_path: Option<String>,
    refresh_token_path: Option<String>,
}

impl<'de> serde::Deserialize<'de> for TokenEndpoint {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let c = TokenEndpointConfig::deserialize(deserializer)?;
        let defaults = TokenResponseShape::default();
        Ok(TokenEndpoint {
            format: c.body,
            headers: c
                .headers
                .into_iter()
                .map(|(k, v)| (k, Secret::new(v)))
                .collect(),
            response: TokenResponseShape {
                access_token: c.access_token_path.unwrap_or(defaults.access_token),
                expires_in: c.expires_in_path.or(defaults.expires_in),
                expires_at: c.expires_at_path,
                refresh_token: c.refresh_token_path.unwrap_or(defaults.refresh_token),
            },
        })
    }
}

/// The value at a dot-separated `path` (`data.token`, `items.0.id`); `None` if absent.
pub fn json_path<'a>(value: &'a Value, path: &str) -> Option<&'a Value> {
    path.split('.')
        .filter(|s| !s.is_empty())
        .try_fold(value, |v, segment| match v {
            Value::Object(map) => map.get(segment),
            Value::Array(items) => items.get(segment.parse::<usize>().ok()?),
            _ => None,
        })
}

/// A lifetime in seconds (number or numeric string); absent or `null` means "use the default";
/// anything else is logged (never the value) and also falls back to the default.
pub(crate) fn lifetime_from_expires_in(
    value: Option<&Value>,
    path: &str,
    url: &str,
) -> Option<Duration> {
    let secs = match value? {
        Value::Null => return None,
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.trim().parse::<f64>().ok(),
        _ => None,
    };
    match secs {
        Some(s) if s.is_finite() && s >= 0.0 => Some(Duration::from_secs_f64(s.min(1e12))),
        _ => {
            tracing::warn!(
                target: "rest_source",
                token_url = %url,
                "token response has an unusable `{path}` (expected a number of seconds); using the default expiration"
            );
            None
        }
    }
}

/// The lifetime left until an absolute expiry (unix seconds or RFC 3339), measured against
/// the system clock. A timestamp already past gives a zero lifetime (and a warning: the
/// clocks may disagree).
pub(crate) fn lifetime_from_expires_at(value: &Value, path: &str, url: &str) -> Option<Duration> {
    let at = match value {
        Value::Null => return None,
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s
            .trim()
            .parse::<f64>()
            .ok()
            .or_else(|| parse_rfc3339(s.trim())),
        _ => None,
    };
    let Some(at) = at.filter(|a| a.is_finite()) else {
        tracing::warn!(
            target: "rest_source",
            token_url = %url,
            "token response has an unusable `{path}` (expected unix seconds or an RFC 3339 timestamp); using the default expiration"
        );
        return None;
    };
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default()
        .as_secs_f64();
    if at <= now {
        tracing::warn!(
            target: "rest_source",
            token_url = %url,
            "the token's `{path}` is already in the past ({:.0}s ago); check the system clock",
            now - at
        );
        return Some(Duration::ZERO);
    }
    Some(Duration::from_secs_f64((at - now).min(1e12)))
}

/// Parses an RFC 3339 timestamp (`2026-01-02T03:04:05Z`, fractional seconds and `±hh:mm`
/// offsets allowed) into unix seconds.
pub fn parse_rfc3339(s: &str) -> Option<f64> {
    let b = s.as_bytes();
    let num = |range: std::ops::Range<usize>| -> Option<i64> {
        let part = s.get(range)?;
        part.bytes()
            .all(|c| c.is_ascii_digit())
            .then(|| part.parse().ok())?
    };
    if b.len() < 20 || b[4] != b'-' || b[7] != b'-' || b[13] != b':' || b[16] != b':' {
        return None;
    }
    if !matches!(b[10], b'T' | b't' | b' ') {
        return None;
    }
    let (year, month, day) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let (hour, minute, second) = (num(11..13)?, num(14..16)?, num(17..19)?);
    if !(1..=12).contains(&month) || !(1..=31).contains(&day) || hour > 23 || minute > 59 {
        return None;
    }
    if second > 60 {
        return None;
    }
    let mut rest = &s[19..];
    let mut fraction = 0.0;
    if let Some(frac) = rest.strip_prefix('.') {
        let digits = frac.bytes().take_while(u8::is_ascii_digit).count();
        if digits == 0 {
            return None;
        }
        fraction = format!("0.{}", &frac[..digits]).parse().ok()?;
        rest = &frac[digits..];
    }
    let offset = match rest {
        "Z" | "z" => 0,
        _ => {
            let sign = match rest.as_bytes().first()? {
                b'+' => 1,
                b'-' => -1,
                _ => return None,
            };
            if rest.len() != 6 || rest.as_bytes()[3] != b':' {
                return None;
            }
            let (h, m) = (
                rest[1..3].parse::<i64>().ok()?,
                rest[4..6].parse::<i64>().ok()?,
            );
            sign * (h * 3600 + m * 60)
        }
    };
    let days = days_from_civil(year, month, day);
    let secs = days * 86_400 + hour * 3600 + minute * 60 + second - offset;
    Some(secs as f64 + fraction)
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;
    use bytes::Bytes;
    use reqwest::StatusCode;
    use reqwest::header::HeaderMap;
    use serde_json::json;

    fn response(body: Value) -> TokenResponse {
        TokenResponse {
            url: "https://auth.test/token".into(),
            status: StatusCode::OK,
            headers: HeaderMap::new(),
            body: Bytes::from(body.to_string()),
        }
    }

    #[test]
    fn renamed_and_nested_fields_are_read_at_their_paths() {
        let shape = TokenEndpoint::new()
            .access_token_path("data.accessToken")
            .expires_in_path("data.ttl")
            .refresh_token_path("data.refresh.value");
        let body = json!({"data": {"accessToken": "a", "ttl": "90", "refresh": {"value": "r2"}}});
        let token = shape.response().parse(&response(body), "t").unwrap();
        assert_eq!(token.secret().expose(), "a");
        assert_eq!(token.lifetime(), Some(Duration::from_secs(90)));
        assert_eq!(token.refresh_token().unwrap().expose(), "r2");
    }

    #[test]
    fn a_missing_renamed_token_names_the_path() {
        let shape = TokenEndpoint::new().access_token_path("data.accessToken");
        let err = shape
            .response()
            .parse(&response(json!({"data": {"token": "leak-me"}})), "t")
            .unwrap_err()
            .to_string();
        assert!(err.contains("no `data.accessToken`"), "{err}");
        assert!(err.contains("check `access_token_path`"), "{err}");
        assert!(!err.contains("leak-me"), "{err}");
    }

    #[test]
    fn absolute_expiry_in_unix_seconds_and_rfc3339() {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_secs();
        let shape = TokenEndpoint::new().expires_at_path("expires_at");
        for at in [json!(now + 600), json!((now + 600).to_string())] {
            let token = shape
                .response()
                .parse(
                    &response(json!({"access_token": "a", "expires_at": at})),
                    "t",
                )
                .unwrap();
            let secs = token.lifetime().unwrap().as_secs_f64();
            assert!((598.0..=600.0).contains(&secs), "{secs}");
        }
        let token = shape
            .response()
            .parse(
                &response(json!({"access_token": "a", "expires_at": "2001-09-09T01:46:40Z"})),
                "t",
            )
            .unwrap();
        assert_eq!(token.lifetime(), Some(Duration::ZERO), "a past expiry");
    }

    #[test]
    fn expires_at_wins_over_expires_in_when_both_are_present() {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_secs();
        let shape = TokenEndpoint::new().expires_at_path("expires_at");
        let body = json!({"access_token": "a", "expires_in": 10, "expires_at": now + 1000});
        let secs = shape.response().parse(&response(body), "t").unwrap();
        assert!(secs.lifetime().unwrap() > Duration::from_secs(900));
    }

    #[test]
    fn rfc3339_rejects_malformed_timestamps() {
        for bad in [
            "2020-13-01T00:00:00Z",
            "2020-01-01 00:00:00",
            "2020-01-01T00:00:00+0200",
            "2020-01-01T00:00:00.Z",
            "2020-01-01T0a:00:00Z",
        ] {
            assert_eq!(parse_rfc3339(bad), None, "{bad}");
        }
        assert_eq!(parse_rfc3339("2024-02-29T00:00:00Z"), Some(1_709_164_800.0));
    }

    #[test]
    fn config_form_rejects_unknown_keys() {
        let err = serde_json::from_value::<TokenEndpoint>(json!({"acces_token_path": "x"}))
            .unwrap_err()
            .to_string();
        assert!(err.contains("unknown field `acces_token_path`"), "{err}");
    }

    #[test]
    fn debug_shows_header_names_not_values() {
        let e = TokenEndpoint::new().secret_header("X-Key", Secret::new("hidden-value"));
        let s = format!("{e:?}");
        assert!(s.contains("X-Key") && !s.contains("hidden-value"), "{s}");
    }
}

#[cfg(test)]
mod doc_examples {
    use super::*;

    #[test]
    fn json_path_examples() {
        let v = serde_json::json!({"data": {"tokens": [{"value": "t"}]}});
        assert_eq!(
            json_path(&v, "data.tokens.0.value"),
            Some(&serde_json::json!("t"))
        );
        assert_eq!(json_path(&v, "data.missing"), None);
    }

    #[test]
    fn parse_rfc3339_examples() {
        assert_eq!(parse_rfc3339("1970-01-01T00:00:00Z"), Some(0.0));
        assert_eq!(parse_rfc3339("2001-09-09T01:46:40Z"), Some(1_000_000_000.0));
        assert_eq!(
            parse_rfc3339("2001-09-09T03:46:40.5+02:00"),
            Some(1_000_000_000.5)
        );
        assert_eq!(parse_rfc3339("yesterday"), None);
    }
}
