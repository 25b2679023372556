//! Any [`Auth`] strategy as a [`reqwest_middleware::Middleware`] (feature `middleware`), for
//! code built on [`reqwest_middleware::ClientWithMiddleware`] that wants this crate's auth —
//! its token cache, refresh before expiry, single-flight token requests and the one retry
//! after a 401 — without the rest of the library.
//!
//! ```
//! use std::time::Duration;
//!
//! use rest_source_runtime::middleware::AuthMiddleware;
//! use rest_source_runtime::{OAuth2ClientCredentials, Secret};
//! use reqwest_middleware::ClientBuilder;
//! use reqwest_retry::{RetryTransientMiddleware, policies::ExponentialBackoff};
//!
//! # fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! rest_source_runtime::tls::install_crypto_provider();
//! let http = reqwest::Client::builder().timeout(Duration::from_secs(30)).build()?;
//! let auth = AuthMiddleware::new(
//!     "https://crm.example.com/api/v1",
//!     OAuth2ClientCredentials::new(
//!         "https://crm.example.com/oauth/token",
//!         Secret::new("client id from your secrets"),
//!         Secret::new("client secret from your secrets"),
//!     ),
//! )?
//! .token_client(http.clone()); // token requests share the pool and its timeouts
//!
//! // Credentials never follow a redirect to another origin.
//! let http = reqwest::Client::builder()
//!     .redirect(auth.redirect_policy())
//!     .build()?;
//! let client = ClientBuilder::new(http)
//!     // Retries outside, auth inside: every attempt is signed with the newest token.
//!     .with(RetryTransientMiddleware::new_with_policy(
//!         ExponentialBackoff::builder().build_with_max_retries(3),
//!     ))
//!     .with(auth)
//!     .build();
//! # let _ = client; Ok(()) }
//! # fn main() { demo().unwrap() }
//! ```
//!
//! # What the middleware does
//! - **Signs only requests to its origin** (scheme, host and port of the URL given to
//!   [`AuthMiddleware::new`]). A request to any other origin — another host, another port,
//!   or `http://` where the origin is `https://` — passes through unsigned, so one client can
//!   talk to several services without handing one's credentials to another.
//! - **Redirects** are followed by `reqwest` itself, below every middleware, and reqwest
//!   strips only `Authorization`, `Cookie` and `Proxy-Authorization` on a cross-origin
//!   redirect: a custom API-key header or a query key would be forwarded. Build the inner
//!   `reqwest::Client` with [`AuthMiddleware::redirect_policy`], which refuses (as an error
//!   naming the target) any redirect that leaves the origin of a signed request, an
//!   `https://` → `http://` downgrade included. A same-origin redirect does not pass through
//!   the middleware again: reqwest keeps the headers it set, but a key it put in the query
//!   string is not on the new URL (the server then answers as to an unsigned request).
//! - **A 401** makes the auth invalidate the rejected credentials ([`Auth::unauthorized`]);
//!   if it says a new attempt can succeed, the request is signed again and sent **once**
//!   more. A second 401 is returned as it is (an `Ok` response with status 401): the
//!   middleware never loops. A request whose body cannot be cloned (a streaming body) cannot
//!   be sent twice: its 401 is returned after the credentials are invalidated, so the next
//!   request gets fresh ones.
//! - **A failure to get credentials** (the token endpoint refused the client secret, or
//!   stayed unreachable) is a [`reqwest_middleware::Error::Middleware`] wrapping this crate's
//!   [`Error`]. Transient token-endpoint failures are retried first, with the
//!   backoff of [`AuthMiddleware::retry`] (default: [`RetryPolicy::default`]), because
//!   `reqwest-retry` treats every middleware error as fatal.
//! - **Errors from the layers below** that carry a URL have query credentials of the auth
//!   (and the usual credential parameter names) redacted from it.
//!
//! Put retry middleware (`reqwest-retry`) *before* this one in [`ClientBuilder::with`]
//! order, so that each retry runs through the auth again and carries the newest token; in
//! the other order retries resend the request as first signed.
//!
//! [`ClientBuilder::with`]: reqwest_middleware::ClientBuilder::with

use std::fmt;
use std::time::Duration;

use http::Extensions;
use reqwest::{Request, Response, StatusCode};
use reqwest_middleware::{Middleware, Next};
use url::{Origin, Url};

use crate::auth::{AuthContext, SharedAuth, shared};
use crate::secrets::redact::redact_url;
use crate::{Auth, Error, RetryPolicy};

/// An auth strategy as a `reqwest-middleware` layer. See the [module docs](self).
///
/// Cheap to clone: clones share the auth and its token cache.
#[derive(Clone)]
pub struct AuthMiddleware {
    auth: SharedAuth,
    origin: Origin,
    base: Url,
    cx: AuthContext,
    retry: RetryPolicy,
}

impl fmt::Debug for AuthMiddleware {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AuthMiddleware")
            .field("auth", &self.auth.scheme_dyn())
            .field("origin", &self.origin.ascii_serialization())
            .finish_non_exhaustive()
    }
}

impl AuthMiddleware {
    /// Signs requests to the origin of `base_url` (for example `https://api.example.com/v1`:
    /// every `https://api.example.com` request) with `auth`. Fails with
    /// [`Error::Config`] when `base_url` is not an absolute `http(s)://` URL.
    pub fn new(base_url: &str, auth: impl Auth) -> crate::Result<Self> {
        Self::shared(base_url, shared(auth))
    }

    /// Like [`new`](Self::new) with an auth that is shared (with a [`crate::RestClient`] or
    /// another middleware): they all use one token cache.
    pub fn shared(base_url: &str, auth: SharedAuth) -> crate::Result<Self> {
        let base = Url::parse(base_url).map_err(|e| {
            Error::Config(format!(
                "the middleware's base URL `{base_url}` is not a valid absolute URL ({e}); \
                 expected something like `https://api.example.com/v1`"
            ))
        })?;
        if !matches!(base.scheme(), "http" | "https") {
            return Err(Error::Config(format!(
                "the middleware's base URL `{base_url}` must start with http:// or https://"
            )));
        }
        crate::client::tls::ensure_provider();
        let http = reqwest::Client::builder()
            .user_agent(concat!("rest-source/", env!("CARGO_PKG_VERSION")))
            .timeout(Duration::from_secs(60))
            .connect_timeout(Duration::from_secs(10))
            .build()
            .map_err(|e| Error::Config(format!("could not build the HTTP client: {e}")))?;
        Ok(AuthMiddleware {
            auth,
            origin: base.origin(),
            base,
            cx: AuthContext::new(http),
            retry: RetryPolicy::default(),
        })
    }

    /// The `reqwest::Client` for token requests and logins (default: one with a 60 s timeout).
    /// Pass the client the middleware stack wraps to share its pool, TLS set-up and proxy.
    pub fn token_client(mut self, http: reqwest::Client) -> Self {
        self.cx = AuthContext::new(http);
        self
    }

    /// How transient failures to get credentials (token endpoint 5xx, 429, unreachable) are
    /// retried before the request fails; [`RetryPolicy::none`] fails at once.
    pub fn retry(mut self, retry: RetryPolicy) -> Self {
        self.retry = retry;
        self
    }

    /// The origin whose requests are signed.
    pub fn origin(&self) -> &Origin {
        &self.origin
    }

    /// The auth strategy (shared: clone it into a [`crate::RestClient`] to share the cache).
    pub fn auth(&self) -> &SharedAuth {
        &self.auth
    }

    /// A redirect policy for the inner `reqwest::Client`: follows at most 10 redirects, and
    /// refuses one that leaves this middleware's origin when the request started there (it
    /// was signed), so no credential reaches another origin. The error names the target
    /// (redacted). Redirects of requests to other origins are followed as usual.
    pub fn redirect_policy(&self) -> reqwest::redirect::Policy {
        let origin = self.origin.clone();
        let sensitive = self.auth.sensitive_query_params_dyn();
        reqwest::redirect::Policy::custom(move |attempt| {
            let started_here = attempt
                .previous()
                .first()
                .is_some_and(|first| first.origin() == origin);
            if started_here && attempt.url().origin() != origin {
                let target = redact_url(attempt.url(), &sensitive);
                return attempt.error(CrossOriginRedirect { target });
            }
            if attempt.previous().len() > 10 {
                return attempt.error(TooManyRedirects);
            }
            attempt.follow()
        })
    }

    fn signs(&self, url: &Url) -> bool {
        url.origin() == self.origin
    }

    /// Signs `request`, retrying transient failures to get credentials per `self.retry`.
    async fn sign(&self, request: &mut Request) -> reqwest_middleware::Result<()> {
        let start = tokio::time::Instant::now();
        let mut attempts: u32 = 0;
        loop {
            attempts += 1;
            let err = match self.auth.sign_dyn(request, &self.cx).await {
                Ok(()) => return Ok(()),
                Err(err) => err,
            };
            let wait = self.retry.backoff(attempts);
            let retry = err.is_retryable()
                && attempts <= self.retry.max_retries
                && start.elapsed() + wait <= self.retry.deadline;
            if !retry {
                let err = if attempts > 1 {
                    Error::RetriesExhausted {
                        attempts,
                        elapsed: start.elapsed(),
                        last: Box::new(err),
                    }
                } else {
                    err
                };
                return Err(reqwest_middleware::Error::middleware(err));
            }
            tracing::info!(target: "rest_source", attempts, wait_ms = wait.as_millis() as u64, error = %err, "could not sign the request; retrying");
            tokio::time::sleep(wait).await;
        }
    }

    /// Sends `request` down the stack; an error's URL has its credentials redacted.
    async fn send(
        &self,
        next: Next<'_>,
        request: Request,
        extensions: &mut Extensions,
    ) -> reqwest_middleware::Result<Response> {
        next.run(request, extensions)
            .await
            .map_err(|err| self.redact(err))
    }

    fn redact(&self, err: reqwest_middleware::Error) -> reqwest_middleware::Error {
        let Some(url) = err.url() else {
            return err;
        };
        let printed = redact_url(url, &self.auth.sensitive_query_params_dyn());
        if printed == url.as_str() {
            return err;
        }
        match Url::parse(&printed) {
            Ok(redacted) => err.with_url(redacted),
            Err(_) => err.without_url(),
        }
    }
}

#[async_trait::async_trait]
impl Middleware for AuthMiddleware {
    async fn handle(
        &self,
        request: Request,
        extensions: &mut Extensions,
        next: Next<'_>,
    ) -> reqwest_middleware::Result<Response> {
        if !self.signs(request.url()) {
            tracing::debug!(target: "rest_source", base = %self.base.origin().ascii_serialization(), "not signing a request to another origin");
            return next.run(request, extensions).await;
        }
        // The unsigned request, kept for the one retry after a 401; `None` for a streaming
        // body, which can be sent only once.
        let unsigned = request.try_clone();
        let mut signed = request;
        self.sign(&mut signed).await?;
        let sent = signed_copy(&signed);
        let response = self.send(next.clone(), signed, extensions).await?;
        if response.status() != StatusCode::UNAUTHORIZED || !self.auth.unauthorized_dyn(&sent).await
        {
            return Ok(response);
        }
        let Some(mut again) = unsigned else {
            tracing::warn!(target: "rest_source", scheme = self.auth.scheme_dyn(), "a request with a streaming body was rejected with 401; it cannot be sent again, so the 401 is returned");
            return Ok(response);
        };
        drop(response);
        tracing::debug!(target: "rest_source", scheme = self.auth.scheme_dyn(), "401: retrying once with fresh credentials");
        self.sign(&mut again).await?;
        self.send(next, again, extensions).await
    }
}

/// A copy of a signed request for [`Auth::unauthorized`] (the body only when in memory).
fn signed_copy(request: &Request) -> Request {
    if let Some(copy) = request.try_clone() {
        return copy;
    }
    let mut copy = Request::new(request.method().clone(), request.url().clone());
    *copy.headers_mut() = request.headers().clone();
    copy
}

/// A signed request was redirected to another origin.
#[derive(Debug)]
struct CrossOriginRedirect {
    target: String,
}

impl fmt::Display for CrossOriginRedirect {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "refused a redirect to {} (another origin): the request carried credentials that \
             must not leave their origin; request the target URL yourself if it is trusted",
            self.target
        )
    }
}

impl std::error::Error for CrossOriginRedirect {}

#[derive(Debug)]
struct TooManyRedirects;

impl fmt::Display for TooManyRedirects {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("too many redirects (more than 10)")
    }
}

impl std::error::Error for TooManyRedirects {}
