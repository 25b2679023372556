//! Auth strategies: how a request gets its credentials.
//!
//! Implement [`Auth`] for a fully custom scheme. The client calls [`Auth::sign`] before
//! every attempt of every request (so a retried request carries the newest credentials) and
//! [`Auth::unauthorized`] when the server answers 401, then retries **once** if it returns
//! `true`. A second 401 is an error, never a loop.

use std::future::Future;
use std::sync::Arc;

use futures::future::BoxFuture;
use reqwest::Request;

use crate::error::Result;

mod api_key;
mod basic;
mod bearer;
pub mod body;
#[cfg(feature = "middleware")]
pub mod middleware;
mod none;
pub mod oauth2;
mod placement;
pub mod session;
pub mod token;

pub use api_key::{ApiKey, ApiKeyLocation};
pub use basic::HttpBasic;
pub use bearer::BearerToken;
pub use none::NoAuth;
pub use oauth2::{
    AccessToken, ClientAuth, ClientCredentials, ClientCredentialsFlow, JwtBearerFlow, OAuth2,
    OAuth2ClientCredentials, OAuth2Flow, OAuth2JwtBearer, OAuth2RefreshToken, RefreshTokenFlow,
    TokenEndpoint, TokenRequestFormat, TokenResponse, TokenResponseShape,
};
pub use placement::Placement;
pub use session::{SessionToken, TokenSource};

/// What an auth strategy may use while signing: the client's HTTP connection pool (for
/// token requests), so token endpoints share its TLS setup and timeouts, and its retry
/// policy, so a token endpoint's 429/5xx (and its `Retry-After`) is handled as the API's.
#[derive(Clone, Debug)]
pub struct AuthContext {
    http: reqwest::Client,
    /// The run's counters, when a resource run reports (token fetches).
    stats: Option<std::sync::Arc<crate::report::RequestStats>>,
    retry: crate::RetryPolicy,
    timeout: Option<std::time::Duration>,
}

impl AuthContext {
    /// Wraps an HTTP client. Token requests made with it are not retried; see
    /// [`AuthContext::with_retry`].
    pub fn new(http: reqwest::Client) -> Self {
        AuthContext {
            http,
            stats: None,
            retry: crate::RetryPolicy::none(),
            timeout: None,
        }
    }

    pub(crate) fn with_stats(&self, stats: std::sync::Arc<crate::report::RequestStats>) -> Self {
        AuthContext {
            stats: Some(stats),
            ..self.clone()
        }
    }

    /// Counts a token request (grant or login) for the run's report.
    pub(crate) fn token_fetched(&self) {
        if let Some(stats) = &self.stats {
            stats.token_fetched();
        }
    }

    /// The retry policy for token requests and logins (a [`crate::RestClient`] passes its
    /// own).
    pub fn with_retry(mut self, retry: crate::RetryPolicy) -> Self {
        self.retry = retry;
        self
    }

    /// The timeout `http` applies, named in "timed out after …" errors.
    pub(crate) fn with_timeout(mut self, timeout: Option<std::time::Duration>) -> Self {
        self.timeout = timeout;
        self
    }

    /// The HTTP client to use for auxiliary requests (token endpoints, logins).
    pub fn http(&self) -> &reqwest::Client {
        &self.http
    }

    /// The retry policy for token requests and logins.
    pub fn retry_policy(&self) -> &crate::RetryPolicy {
        &self.retry
    }

    pub(crate) fn timeout(&self) -> Option<std::time::Duration> {
        self.timeout
    }
}

/// An auth strategy. See the module docs for when each method is called.
///
/// ```
/// use rest_source_runtime::{Auth, AuthContext, Result};
/// use rest_source_runtime::reqwest::{Request, header::HeaderValue};
///
/// /// Sends a static tenant id with every request.
/// struct Tenant(&'static str);
///
/// impl Auth for Tenant {
///     async fn sign(&self, request: &mut Request, _cx: &AuthContext) -> Result<()> {
///         request.headers_mut().insert("x-tenant", HeaderValue::from_static(self.0));
///         Ok(())
///     }
///     fn scheme(&self) -> &'static str { "tenant" }
/// }
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not an auth strategy: it does not implement `Auth`",
    label = "used as an auth strategy here",
    note = "implement `rest_source::Auth` for `{Self}` (sign each request), or implement `rest_source::OAuth2Flow` and use `custom(flow = {Self}, …)` to get token caching and refresh"
)]
pub trait Auth: Send + Sync + 'static {
    /// Adds credentials to `request` (headers, query, cookies or body).
    fn sign(
        &self,
        request: &mut Request,
        cx: &AuthContext,
    ) -> impl Future<Output = Result<()>> + Send;

    /// The server answered 401 to `rejected` (as it was signed). Invalidate cached
    /// credentials and return `true` if signing again could succeed; the client then retries
    /// the request once. The default (static credentials) returns `false`.
    fn unauthorized(&self, rejected: &Request) -> impl Future<Output = bool> + Send {
        let _ = rejected;
        async { false }
    }

    /// A short name used in errors and logs (`bearer`, `api_key`, ...).
    fn scheme(&self) -> &'static str;

    /// Query parameters this strategy fills with secrets; their values are redacted from
    /// every URL the crate prints.
    fn sensitive_query_params(&self) -> Vec<String> {
        Vec::new()
    }
}

/// The object-safe form of [`Auth`], implemented for every `Auth`. Clients hold auths as
/// [`SharedAuth`] so that several clients or resources can share one (and its token cache).
pub trait DynAuth: Send + Sync {
    /// See [`Auth::sign`].
    fn sign_dyn<'a>(
        &'a self,
        request: &'a mut Request,
        cx: &'a AuthContext,
    ) -> BoxFuture<'a, Result<()>>;
    /// See [`Auth::unauthorized`].
    fn unauthorized_dyn<'a>(&'a self, rejected: &'a Request) -> BoxFuture<'a, bool>;
    /// See [`Auth::scheme`].
    fn scheme_dyn(&self) -> &'static str;
    /// See [`Auth::sensitive_query_params`].
    fn sensitive_query_params_dyn(&self) -> Vec<String>;
}

impl<T: Auth> DynAuth for T {
    fn sign_dyn<'a>(
        &'a self,
        request: &'a mut Request,
        cx: &'a AuthContext,
    ) -> BoxFuture<'a, Result<()>> {
        Box::pin(self.sign(request, cx))
    }
    fn unauthorized_dyn<'a>(&'a self, rejected: &'a Request) -> BoxFuture<'a, bool> {
        Box::pin(self.unauthorized(rejected))
    }
    fn scheme_dyn(&self) -> &'static str {
        self.scheme()
    }
    fn sensitive_query_params_dyn(&self) -> Vec<String> {
        self.sensitive_query_params()
    }
}

/// A shareable auth strategy. Clone it to share one token cache between clients/resources.
pub type SharedAuth = Arc<dyn DynAuth>;

/// Wraps an auth strategy for sharing.
pub fn shared(auth: impl Auth) -> SharedAuth {
    Arc::new(auth)
}

/// A header value that `reqwest`/`hyper` treat as sensitive (never logged, HPACK-indexed).
pub(crate) fn sensitive_header(
    scheme: &'static str,
    value: &str,
) -> Result<reqwest::header::HeaderValue> {
    let mut v = reqwest::header::HeaderValue::from_str(value).map_err(|_| {
        crate::Error::auth(
            scheme,
            "the credential contains characters that are not allowed in an HTTP header \
             (newline or control character); check the secret's value",
        )
    })?;
    v.set_sensitive(true);
    Ok(v)
}
