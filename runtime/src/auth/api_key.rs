//! API keys in a header, the query string, a cookie or the request body.

use std::fmt;

use reqwest::Request;

use super::{Auth, AuthContext, Placement};
use crate::{Result, Secret};

/// Where an [`ApiKey`] is put (data of the source model, shared with `rest-source-spec`).
pub use rest_source_spec::ApiKeyLocation;

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

    /// A key in body field `name` (JSON or form; see `crate::auth::body`).
    ///
    /// ```
    /// use rest_source_runtime::{ApiKey, Secret};
    /// let auth = ApiKey::body("api_key", Secret::new("k")); // {"api_key": "k", …}
    /// # let _ = auth;
    /// ```
    pub fn body(name: impl Into<String>, key: impl Into<Secret>) -> Self {
        ApiKey::new(key).name(name).location(ApiKeyLocation::Body)
    }

    fn placement(&self) -> Placement {
        Placement::new(self.location, self.name.clone())
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
        self.placement().apply(request, &self.key, "api_key")
    }

    fn scheme(&self) -> &'static str {
        "api_key"
    }

    fn sensitive_query_params(&self) -> Vec<String> {
        self.placement().sensitive_query_params()
    }
}
