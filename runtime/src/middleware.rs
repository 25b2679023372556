//! [`AuthMiddleware`]: any auth strategy as a [`reqwest_middleware::Middleware`] (feature
//! `middleware`), so code built on `reqwest_middleware::ClientWithMiddleware` (with
//! `reqwest-retry`, tracing, caching middlewares) gets the auth — its token cache, refresh
//! before expiry, single-flight fetching and one retry on 401 — without the rest of the
//! library.
//!
//! ```no_run
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! use rest_source_runtime::middleware::AuthMiddleware;
//! use rest_source_runtime::{OAuth2ClientCredentials, Secret};
//!
//! let auth = OAuth2ClientCredentials::new(
//!     "https://auth.example.com/oauth/token",
//!     Secret::new("client id"),
//!     Secret::new("client secret"),
//! );
//! rest_source_runtime::tls::install_crypto_provider();
//! let http = reqwest::Client::new();
//! let client = reqwest_middleware::ClientBuilder::new(http.clone())
//!     .with(AuthMiddleware::new(auth, http))
//!     .build();
//! let me = client.get("https://api.example.com/me").send().await?;
//! # let _ = me; Ok(()) }
//! ```
//!
//! Put retry middlewares *before* this one (`.with(retry).with(auth)`), so every retry is
//! signed again with the newest token. Token requests are sent with the `reqwest::Client`
//! given to [`AuthMiddleware::new`], outside the middleware stack.

use reqwest::{Request, Response, StatusCode};
use reqwest_middleware::{Middleware, Next};

use crate::auth::{AuthContext, SharedAuth, shared};
use crate::{Auth, RetryPolicy};

/// An auth strategy as a middleware. See the [module docs](self).
#[derive(Clone)]
pub struct AuthMiddleware {
    auth: SharedAuth,
    cx: AuthContext,
}

impl std::fmt::Debug for AuthMiddleware {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AuthMiddleware")
            .field("auth", &self.auth.scheme_dyn())
            .finish_non_exhaustive()
    }
}

impl AuthMiddleware {
    /// Signs requests with `auth`; token requests go through `http` and are retried with
    /// [`RetryPolicy::default`] (`Retry-After` honoured).
    pub fn new(auth: impl Auth, http: reqwest::Client) -> Self {
        AuthMiddleware::shared(
            shared(auth),
            AuthContext::new(http).with_retry(RetryPolicy::default()),
        )
    }

    /// Signs requests with a shared auth (one token cache with every other user of it).
    pub fn shared(auth: SharedAuth, cx: AuthContext) -> Self {
        AuthMiddleware { auth, cx }
    }

    async fn signed(&self, mut request: Request) -> reqwest_middleware::Result<Request> {
        self.auth
            .sign_dyn(&mut request, &self.cx)
            .await
            .map_err(reqwest_middleware::Error::middleware)?;
        Ok(request)
    }
}

#[async_trait::async_trait]
impl Middleware for AuthMiddleware {
    async fn handle(
        &self,
        req: Request,
        extensions: &mut http::Extensions,
        next: Next<'_>,
    ) -> reqwest_middleware::Result<Response> {
        // The unsigned request, to sign again after a 401 (None for a streaming body).
        let template = req.try_clone();
        let signed = self.signed(req).await?;
        let sent = signed.try_clone();
        let response = next.clone().run(signed, extensions).await?;
        if response.status() != StatusCode::UNAUTHORIZED {
            return Ok(response);
        }
        let (Some(template), Some(sent)) = (template, sent) else {
            return Ok(response);
        };
        if !self.auth.unauthorized_dyn(&sent).await {
            return Ok(response);
        }
        drop(response);
        let again = self.signed(template).await?;
        next.run(again, extensions).await
    }
}
