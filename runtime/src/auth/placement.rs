//! [`Placement`]: where a credential goes on a request — a header (with an optional prefix
//! such as `Token `), a query parameter, a cookie or a body field — and how to recognise it
//! on a rejected request. Shared by [`ApiKey`](super::ApiKey) and
//! [`SessionToken`](super::SessionToken).

use reqwest::Request;
use reqwest::header::{COOKIE, HeaderName, HeaderValue};

use super::ApiKeyLocation;
use super::body::{body_field_equals, insert_body_field};
use super::sensitive_header;
use crate::{Error, Result, Secret};

/// Where a credential is put: a location, a name, and a prefix written before the value
/// (`Bearer `, `Token `; empty by default).
///
/// ```
/// use rest_source_runtime::Placement;
/// let bearer = Placement::bearer();                          // Authorization: Bearer <t>
/// let drf = Placement::header("Authorization").prefix("Token "); // Authorization: Token <t>
/// let query = Placement::query("session_id");
/// let cookie = Placement::cookie("sid");
/// let body = Placement::body("auth_token");                  // a JSON or form body field
/// # let _ = (bearer, drf, query, cookie, body);
/// ```
///
/// In configuration (`location` defaults to `header`, `prefix` to none):
///
/// ```
/// # use rest_source_runtime::Placement;
/// let p: Placement = serde_json::from_value(serde_json::json!({
///     "location": "header", "name": "Authorization", "prefix": "Token "
/// })).unwrap();
/// assert_eq!(p, Placement::header("Authorization").prefix("Token "));
/// ```
#[derive(Clone, Debug, PartialEq, Eq, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Placement {
    #[serde(default)]
    location: ApiKeyLocation,
    name: String,
    #[serde(default)]
    prefix: String,
}

impl Placement {
    /// At `location` under `name`.
    pub fn new(location: ApiKeyLocation, name: impl Into<String>) -> Self {
        Placement {
            location,
            name: name.into(),
            prefix: String::new(),
        }
    }

    /// `Authorization: Bearer <value>`.
    pub fn bearer() -> Self {
        Placement::header("Authorization").prefix("Bearer ")
    }

    /// A header.
    pub fn header(name: impl Into<String>) -> Self {
        Placement::new(ApiKeyLocation::Header, name)
    }

    /// A query parameter (its value is redacted from every printed URL).
    pub fn query(name: impl Into<String>) -> Self {
        Placement::new(ApiKeyLocation::Query, name)
    }

    /// A cookie.
    pub fn cookie(name: impl Into<String>) -> Self {
        Placement::new(ApiKeyLocation::Cookie, name)
    }

    /// A field of the JSON or form body (see `crate::auth::body` for the rules).
    pub fn body(name: impl Into<String>) -> Self {
        Placement::new(ApiKeyLocation::Body, name)
    }

    /// Text written before the value (`Token `, `Bearer `); applies at every location.
    pub fn prefix(mut self, prefix: impl Into<String>) -> Self {
        self.prefix = prefix.into();
        self
    }

    /// The location.
    pub fn location(&self) -> ApiKeyLocation {
        self.location
    }

    /// The header, parameter, cookie or field name.
    pub fn name(&self) -> &str {
        &self.name
    }

    fn value(&self, secret: &Secret) -> String {
        format!("{}{}", self.prefix, secret.expose())
    }

    /// Puts `secret` on `request`. A header replaces one of the same name; a cookie is added
    /// to existing cookies; a query parameter is appended; a body field as
    /// `crate::auth::body` says.
    pub fn apply(
        &self,
        request: &mut Request,
        secret: &Secret,
        scheme: &'static str,
    ) -> Result<()> {
        let value = self.value(secret);
        match self.location {
            ApiKeyLocation::Header => {
                let name = HeaderName::from_bytes(self.name.as_bytes()).map_err(|_| {
                    Error::Config(format!(
                        "{scheme}: `{}` is not a valid HTTP header name",
                        self.name
                    ))
                })?;
                request
                    .headers_mut()
                    .insert(name, sensitive_header(scheme, &value)?);
            }
            // After the request's own params, encoded as `requests` encodes them (dlt's
            // `APIKeyAuth` calls `prepare_url` with `{name: api_key}`).
            ApiKeyLocation::Query => {
                crate::paginate::append_query_param(request.url_mut(), &self.name, &value);
            }
            ApiKeyLocation::Cookie => {
                let pair = format!("{}={value}", self.name);
                let combined = match request.headers().get(COOKIE).map(HeaderValue::to_str) {
                    Some(Ok(existing)) if !existing.is_empty() => format!("{existing}; {pair}"),
                    _ => pair,
                };
                request
                    .headers_mut()
                    .insert(COOKIE, sensitive_header(scheme, &combined)?);
            }
            ApiKeyLocation::Body => insert_body_field(request, &self.name, &value, scheme)?,
        }
        Ok(())
    }

    /// Whether `request` carries `secret` at this placement.
    pub fn carries(&self, request: &Request, secret: &Secret) -> bool {
        let value = self.value(secret);
        match self.location {
            ApiKeyLocation::Header => request
                .headers()
                .get_all(self.name.as_str())
                .iter()
                .any(|v| constant_time_eq(v.as_bytes(), value.as_bytes())),
            ApiKeyLocation::Query => request
                .url()
                .query_pairs()
                .any(|(k, v)| k == self.name && constant_time_eq(v.as_bytes(), value.as_bytes())),
            ApiKeyLocation::Cookie => request
                .headers()
                .get_all(COOKIE)
                .iter()
                .filter_map(|v| v.to_str().ok())
                .flat_map(|v| v.split(';'))
                .filter_map(|pair| pair.trim().split_once('='))
                .any(|(k, v)| k == self.name && constant_time_eq(v.as_bytes(), value.as_bytes())),
            ApiKeyLocation::Body => body_field_equals(request, &self.name, &value),
        }
    }

    /// The query parameters this placement fills with a secret (for URL redaction).
    pub fn sensitive_query_params(&self) -> Vec<String> {
        match self.location {
            ApiKeyLocation::Query => vec![self.name.clone()],
            _ => Vec::new(),
        }
    }
}

/// Compares credentials without leaking their common prefix length through timing.
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::Method;

    fn get() -> Request {
        Request::new(Method::GET, "http://h.test/x?page=1".parse().unwrap())
    }

    #[test]
    fn each_placement_applies_and_recognises_its_value() {
        let secret = Secret::new("s3");
        let other = Secret::new("s4");
        for placement in [
            Placement::header("Authorization").prefix("Token "),
            Placement::query("sid"),
            Placement::cookie("sid"),
            Placement::body("sid"),
        ] {
            let mut r = get();
            placement.apply(&mut r, &secret, "t").unwrap();
            assert!(placement.carries(&r, &secret), "{placement:?}");
            assert!(!placement.carries(&r, &other), "{placement:?}");
        }
    }

    #[test]
    fn header_prefix_is_written_before_the_value() {
        let mut r = get();
        Placement::header("Authorization")
            .prefix("Token ")
            .apply(&mut r, &Secret::new("abc"), "t")
            .unwrap();
        assert_eq!(r.headers()["authorization"], "Token abc");
        assert!(r.headers()["authorization"].is_sensitive());
    }
}
