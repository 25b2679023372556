//! API keys in a header, the query string or a cookie.

use std::fmt;

use reqwest::Request;
use reqwest::header::{COOKIE, HeaderName, HeaderValue};

use super::{Auth, AuthContext, sensitive_header};
use crate::{Error, Result, Secret};

/// Where an [`ApiKey`] is put.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ApiKeyLocation {
    /// A request header (the default).
    #[default]
    Header,
    /// A query-string parameter (redacted from every printed URL).
    Query,
    /// A cookie.
    Cookie,
}

/// An API key (dlt `type = "api_key"`): `name` (default `Authorization`) at `location`
/// (default header).
///
/// ```
/// use rest_source_runtime::{ApiKey, ApiKeyLocation, Secret};
/// let auth = ApiKey::new(Secret::new("k")).name("X-API-Key");
/// let in_query = ApiKey::new(Secret::new("k")).name("api_key").location(ApiKeyLocation::Query);
/// # let _ = (auth, in_query);
/// ```
#[derive(Clone)]
pub struct ApiKey {
    name: String,
    key: Secret,
    location: ApiKeyLocation,
}

impl ApiKey {
    /// A key sent as the `Authorization` header; change with [`ApiKey::name`] and
    /// [`ApiKey::location`].
    pub fn new(key: impl Into<Secret>) -> Self {
        ApiKey {
            name: "Authorization".to_owned(),
            key: key.into(),
            location: ApiKeyLocation::Header,
        }
    }

    /// A key in header `name`.
    pub fn header(name: impl Into<String>, key: impl Into<Secret>) -> Self {
        ApiKey::new(key).name(name)
    }

    /// A key in query parameter `name`.
    pub fn query(name: impl Into<String>, key: impl Into<Secret>) -> Self {
        ApiKey::new(key).name(name).location(ApiKeyLocation::Query)
    }

    /// A key in cookie `name`.
    pub fn cookie(name: impl Into<String>, key: impl Into<Secret>) -> Self {
        ApiKey::new(key).name(name).location(ApiKeyLocation::Cookie)
    }

    /// Sets the header, parameter or cookie name.
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = name.into();
        self
    }

    /// Sets where the key goes.
    pub fn location(mut self, location: ApiKeyLocation) -> Self {
        self.location = location;
        self
    }
}

impl fmt::Debug for ApiKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ApiKey")
            .field("name", &self.name)
            .field("key", &self.key)
            .field("location", &self.location)
            .finish()
    }
}

impl Auth for ApiKey {
    async fn sign(&self, request: &mut Request, _cx: &AuthContext) -> Result<()> {
        match self.location {
            ApiKeyLocation::Header => {
                let name = HeaderName::from_bytes(self.name.as_bytes()).map_err(|_| {
                    Error::Config(format!(
                        "api_key: `{}` is not a valid HTTP header name",
                        self.name
                    ))
                })?;
                let value = sensitive_header("api_key", self.key.expose())?;
                request.headers_mut().insert(name, value);
            }
            ApiKeyLocation::Query => {
                request
                    .url_mut()
                    .query_pairs_mut()
                    .append_pair(&self.name, self.key.expose());
            }
            ApiKeyLocation::Cookie => {
                let pair = format!("{}={}", self.name, self.key.expose());
                let combined = match request.headers().get(COOKIE).map(HeaderValue::to_str) {
                    Some(Ok(existing)) if !existing.is_empty() => format!("{existing}; {pair}"),
                    _ => pair,
                };
                let value = sensitive_header("api_key", &combined)?;
                request.headers_mut().insert(COOKIE, value);
            }
        }
        Ok(())
    }

    fn scheme(&self) -> &'static str {
        "api_key"
    }

    fn sensitive_query_params(&self) -> Vec<String> {
        match self.location {
            ApiKeyLocation::Query => vec![self.name.clone()],
            _ => Vec::new(),
        }
    }
}
