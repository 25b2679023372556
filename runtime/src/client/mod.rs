//! [`RestClient`]: base URL, default headers, timeouts, auth, retries.

pub mod response;
pub mod retry;
pub mod tls;
pub(crate) mod url_join;

use std::fmt;
use std::future::{Future, IntoFuture};
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use reqwest::header::{
    ACCEPT, AUTHORIZATION, CONTENT_ENCODING, CONTENT_LENGTH, CONTENT_TYPE, COOKIE, HeaderMap,
    HeaderName, HeaderValue, LOCATION, PROXY_AUTHORIZATION,
};
use reqwest::{Method, Request, StatusCode};
use serde::Serialize;
use serde::de::DeserializeOwned;
use tokio::sync::Semaphore;
use url::Url;

use crate::auth::{AuthContext, NoAuth, SharedAuth, shared};
use crate::client::response::Response;
use crate::client::retry::{RetryPolicy, is_retryable_status, retry_after};
use crate::error::{Error, Result};
use crate::secrets::redact::redact_url;
use crate::{Auth, Secret};

/// An HTTP client for one API: a base URL, an auth strategy, default headers, timeouts and a
/// retry policy. Cheap to clone (clones share the connection pool and the auth's token cache).
///
/// # Credentials stay at their origin
///
/// Redirects (301, 302, 303, 307, 308; at most [`RestClientBuilder::max_redirects`]) are
/// followed by the client itself, not by reqwest:
///
/// - to the **same origin** (scheme, host and port of the request): the request is signed
///   again by the auth, so a key in the query string or the body survives the hop;
/// - to **another origin**: followed **without credentials** — nothing the auth places
///   (header, query parameter, cookie or body field), no secret default header, no
///   `Authorization`, `Cookie` or `Proxy-Authorization`, and the auth's query parameters are
///   removed from the target URL. A 401 there is an error saying so; the auth is not asked to
///   refresh for it;
/// - from `https` to `http` (a **downgrade**): never followed, an [`Error::Redirect`].
///
/// No `Referer` header is ever sent. A request to an `http` URL from a client whose base URL
/// is `https` (for example a next-page link that downgrades) is refused with
/// [`Error::Downgrade`] before anything is sent.
///
/// ```no_run
/// # async fn demo() -> rest_source_runtime::Result<()> {
/// use rest_source_runtime::{ApiKey, RestClient, Secret};
///
/// let client = RestClient::builder("https://api.example.com/v1")
///     .auth(ApiKey::header("X-API-Key", Secret::new("…")))
///     .header("X-Client", "nightly-export")
///     .build()?;
/// let user: serde_json::Value = client.get("users/42").await?.json().await?;
/// let page: serde_json::Value = client
///     .get("users")
///     .query(&[("page", "2")])
///     .send()
///     .await?
///     .json()
///     .await?;
/// # let _ = (user, page); Ok(()) }
/// ```
#[derive(Clone)]
pub struct RestClient {
    base: Url,
    http: reqwest::Client,
    auth: SharedAuth,
    headers: HeaderMap,
    retry: RetryPolicy,
    cx: AuthContext,
    /// Requests in flight across every clone (a source's resources share one client).
    limit: Option<Arc<Semaphore>>,
    /// One run's counters (requests, retries, token fetches) for its report.
    stats: Option<Arc<crate::report::RequestStats>>,
    max_redirects: usize,
    /// The per-attempt timeout the HTTP client applies (for "timed out after …").
    timeout: Option<Duration>,
}

/// Redirects one request follows by default (as reqwest and browsers).
pub const DEFAULT_MAX_REDIRECTS: usize = 10;

impl fmt::Debug for RestClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RestClient")
            .field("base_url", &self.redact(&self.base))
            .field("auth", &self.auth.scheme_dyn())
            .field("headers", &self.headers.keys().collect::<Vec<_>>())
            .field("retry", &self.retry)
            .finish()
    }
}

/// Builds a [`RestClient`]; see [`RestClient::builder`].
pub struct RestClientBuilder {
    base: String,
    auth: SharedAuth,
    headers: Vec<(String, HeaderValueSource)>,
    timeout: Option<Duration>,
    connect_timeout: Option<Duration>,
    pool_idle_timeout: Option<Duration>,
    user_agent: String,
    retry: RetryPolicy,
    http: Option<reqwest::Client>,
    max_concurrent_requests: Option<usize>,
    max_redirects: usize,
    tls: crate::client::tls::TlsFiles,
    proxy: Option<String>,
    no_proxy: Option<String>,
    resolve: Vec<(String, Vec<std::net::SocketAddr>)>,
    dns_resolver: Option<Arc<dyn reqwest::dns::Resolve>>,
}

enum HeaderValueSource {
    Plain(String),
    Secret(Secret),
}

impl fmt::Debug for RestClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RestClientBuilder")
            .field("base", &self.base)
            .field("auth", &self.auth.scheme_dyn())
            .finish_non_exhaustive()
    }
}

impl RestClientBuilder {
    /// Sets the auth strategy (default: none).
    pub fn auth(mut self, auth: impl Auth) -> Self {
        self.auth = shared(auth);
        self
    }

    /// Sets a shared auth strategy; clients built with clones of one `SharedAuth` share its
    /// token cache.
    pub fn shared_auth(mut self, auth: SharedAuth) -> Self {
        self.auth = auth;
        self
    }

    /// Adds a default header sent with every request. `Accept: application/json` is sent
    /// unless an `Accept` is given here or on the request; with the `gzip` and `deflate`
    /// features (on by default), `Accept-Encoding: gzip, deflate` too, and such bodies are
    /// decoded (`br` and `zstd` as well with the `brotli` and `zstd` features, or
    /// `compression` for all four).
    pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.headers
            .push((name.into(), HeaderValueSource::Plain(value.into())));
        self
    }

    /// Adds a default header whose value is a secret (marked sensitive, never printed).
    pub fn secret_header(mut self, name: impl Into<String>, value: Secret) -> Self {
        self.headers
            .push((name.into(), HeaderValueSource::Secret(value)));
        self
    }

    /// Overall timeout of one attempt of a request (default 60 s).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// No overall request timeout (the connect timeout still applies).
    pub fn no_timeout(mut self) -> Self {
        self.timeout = None;
        self
    }

    /// Timeout for establishing a connection (default 10 s).
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = Some(timeout);
        self
    }

    /// How long idle pooled connections are kept (default 90 s; `None` keeps them forever).
    pub fn pool_idle_timeout(mut self, timeout: Option<Duration>) -> Self {
        self.pool_idle_timeout = timeout;
        self
    }

    /// The `User-Agent` header (default `rest-source/<version>`).
    pub fn user_agent(mut self, user_agent: impl Into<String>) -> Self {
        self.user_agent = user_agent.into();
        self
    }

    /// The retry policy (default [`RetryPolicy::default`]).
    pub fn retry(mut self, retry: RetryPolicy) -> Self {
        self.retry = retry;
        self
    }

    /// How many redirects one request follows (default 10; `0` turns every redirect into an
    /// [`Error::Status`]). See [`RestClient`] for how credentials are handled on redirects.
    pub fn max_redirects(mut self, n: usize) -> Self {
        self.max_redirects = n;
        self
    }

    /// Trusts the root certificates in the PEM file at `path` (one or several) in addition
    /// to the system's (which `SSL_CERT_FILE` still selects): for an API behind a private
    /// CA or with a self-signed certificate. May be called more than once. The file is read
    /// by [`build`](Self::build).
    pub fn root_certificates_pem(mut self, path: impl Into<std::path::PathBuf>) -> Self {
        self.tls.roots.push(path.into());
        self
    }

    /// Presents a client certificate (mutual TLS): `cert` is a PEM file with the
    /// certificate chain, `key` a PEM file with its private key (PKCS#8, PKCS#1 or SEC1).
    /// Read by [`build`](Self::build).
    pub fn client_certificate_pem(
        mut self,
        cert: impl Into<std::path::PathBuf>,
        key: impl Into<std::path::PathBuf>,
    ) -> Self {
        self.tls.identity = Some((cert.into(), key.into()));
        self
    }

    /// Sends every request (token requests included) through the proxy at `url`
    /// (`http://proxy:3128`, with `user:password@` if it needs credentials). Replaces the
    /// proxies of the environment (`HTTPS_PROXY`, `HTTP_PROXY`, `ALL_PROXY`, `NO_PROXY`),
    /// which are used when this is not called.
    pub fn proxy(mut self, url: impl Into<String>) -> Self {
        self.proxy = Some(url.into());
        self
    }

    /// Hosts reached without the [`proxy`](Self::proxy), written as `NO_PROXY` is: a
    /// comma-separated list of host names (`.example.com` or `example.com` covers its
    /// subdomains), IP addresses and CIDR ranges, or `*` for all.
    pub fn no_proxy(mut self, hosts: impl Into<String>) -> Self {
        self.no_proxy = Some(hosts.into());
        self
    }

    /// Connects to `addrs` for `host` instead of asking DNS (as curl's `--resolve`): for an
    /// API reached through a fixed address, a split-horizon name, or a test. A port in the
    /// URL wins over the port of `addrs`; port `0` means the scheme's (443 for https). TLS
    /// still checks the certificate against `host`. May be called for several hosts.
    ///
    /// ```
    /// use rest_source_runtime::RestClient;
    ///
    /// let client = RestClient::builder("https://api.internal.example/v1")
    ///     .resolve("api.internal.example", ["10.0.0.7:0".parse().unwrap()])
    ///     .build()?;
    /// # let _ = client; Ok::<(), rest_source_runtime::Error>(())
    /// ```
    pub fn resolve(
        mut self,
        host: impl Into<String>,
        addrs: impl IntoIterator<Item = std::net::SocketAddr>,
    ) -> Self {
        self.resolve
            .push((host.into(), addrs.into_iter().collect()));
        self
    }

    /// Resolves host names with `resolver` instead of the system's resolver (hosts given to
    /// [`resolve`](Self::resolve) still go to their addresses): for DNS over HTTPS, a service
    /// registry, or a resolver that answers from a fixed table. A resolver's error is a
    /// [`crate::error::TransportKind::Dns`] failure, "could not resolve host `…`".
    ///
    /// ```
    /// use std::net::SocketAddr;
    /// use std::sync::Arc;
    /// use rest_source_runtime::RestClient;
    /// use rest_source_runtime::reqwest::dns::{Addrs, Name, Resolve, Resolving};
    ///
    /// /// Every name is the service mesh's local sidecar.
    /// struct Sidecar;
    /// impl Resolve for Sidecar {
    ///     fn resolve(&self, _name: Name) -> Resolving {
    ///         let addr: SocketAddr = "127.0.0.1:15001".parse().unwrap();
    ///         Box::pin(async move { Ok(Box::new(std::iter::once(addr)) as Addrs) })
    ///     }
    /// }
    ///
    /// let client = RestClient::builder("http://orders.mesh/v1")
    ///     .dns_resolver(Arc::new(Sidecar))
    ///     .build()?;
    /// # let _ = client; Ok::<(), rest_source_runtime::Error>(())
    /// ```
    pub fn dns_resolver(mut self, resolver: Arc<dyn reqwest::dns::Resolve>) -> Self {
        self.dns_resolver = Some(resolver);
        self
    }

    /// Uses an existing `reqwest::Client` (its own timeouts and TLS settings apply; the
    /// builder's timeout, user agent, pool, TLS, proxy and DNS settings are ignored).
    ///
    /// Build it with `.redirect(reqwest::redirect::Policy::none())`: a client that follows
    /// redirects itself does so before rest-source sees them, and forwards every header
    /// except `Authorization` and `Cookie` (an API key in `X-API-Key`, say) to whatever
    /// origin the server names.
    pub fn http_client(mut self, http: reqwest::Client) -> Self {
        self.http = Some(http);
        self
    }

    /// At most `n` requests of this client (and its clones: every resource of a source) in
    /// flight at once, from sending until the body is read; the others wait their turn. Off by
    /// default: each resource bounds itself with its `concurrency` (see
    /// [`crate::spec::ResourceSpec::concurrency`]); set this to bound a whole source, for
    /// example when reading many resources at once from an API with a concurrency limit.
    /// Token requests are not counted. `0` is read as `1`.
    pub fn max_concurrent_requests(mut self, n: usize) -> Self {
        self.max_concurrent_requests = Some(n.max(1));
        self
    }

    /// Builds the client. Fails with [`Error::Config`] on an invalid base URL or header, and
    /// with [`Error::Io`] when a certificate or key file cannot be read.
    pub fn build(self) -> Result<RestClient> {
        crate::client::tls::ensure_provider();
        let base = Url::parse(&self.base).map_err(|e| {
            Error::Config(format!(
                "base_url `{}` is not a valid absolute URL ({e}); expected something like \
                 `https://api.example.com/v1`",
                self.base
            ))
        })?;
        if !matches!(base.scheme(), "http" | "https") {
            return Err(Error::Config(format!(
                "base_url `{}` must start with http:// or https://",
                self.base
            )));
        }
        let mut headers = HeaderMap::new();
        for (name, value) in &self.headers {
            let header_name = HeaderName::from_bytes(name.as_bytes())
                .map_err(|_| Error::Config(format!("`{name}` is not a valid HTTP header name")))?;
            let header_value = match value {
                HeaderValueSource::Plain(v) => HeaderValue::from_str(v).map_err(|_| {
                    Error::Config(format!(
                        "the value of header `{name}` is not a valid header value"
                    ))
                })?,
                HeaderValueSource::Secret(s) => {
                    let mut v = HeaderValue::from_str(s.expose()).map_err(|_| {
                        Error::Config(format!(
                            "the secret value of header `{name}` is not a valid header value"
                        ))
                    })?;
                    v.set_sensitive(true);
                    v
                }
            };
            headers.append(header_name, header_value);
        }
        if !headers.contains_key(ACCEPT) {
            headers.insert(ACCEPT, HeaderValue::from_static("application/json"));
        }
        let timeout = if self.http.is_some() {
            None
        } else {
            self.timeout
        };
        let http = match self.http {
            Some(http) => http,
            None => {
                let mut b = reqwest::Client::builder()
                    .user_agent(self.user_agent)
                    .pool_idle_timeout(self.pool_idle_timeout)
                    // Redirects are followed by `RestClient::execute`, which re-signs them
                    // on the same origin and strips credentials elsewhere; no `Referer`,
                    // which could carry a query key.
                    .redirect(reqwest::redirect::Policy::none())
                    .referer(false);
                if let Some(t) = self.timeout {
                    b = b.timeout(t);
                }
                if let Some(t) = self.connect_timeout {
                    b = b.connect_timeout(t);
                }
                b = self.tls.apply(b)?;
                if let Some(resolver) = self.dns_resolver {
                    b = b.dns_resolver(resolver);
                }
                for (host, addrs) in &self.resolve {
                    b = b.resolve_to_addrs(host, addrs);
                }
                if let Some(url) = &self.proxy {
                    let parsed = Url::parse(url)
                        .ok()
                        .filter(|u| matches!(u.scheme(), "http" | "https"));
                    let proxy = parsed
                        .as_ref()
                        .and_then(|u| reqwest::Proxy::all(u.as_str()).ok())
                        .ok_or_else(|| {
                            // Printed only if it parses, so its password can be redacted.
                            let shown = Url::parse(url)
                                .map(|u| format!(" `{}`", redact_url::<&str>(&u, &[])))
                                .unwrap_or_default();
                            Error::Config(format!(
                                "the proxy URL{shown} is not valid; expected an http(s) URL \
                                 like `http://proxy.internal:3128`"
                            ))
                        })?;
                    let proxy = proxy.no_proxy(
                        self.no_proxy
                            .as_deref()
                            .and_then(reqwest::NoProxy::from_string),
                    );
                    b = b.proxy(proxy);
                }
                b.build()
                    .map_err(|e| Error::Config(format!("could not build the HTTP client: {e}")))?
            }
        };
        Ok(RestClient {
            base,
            cx: AuthContext::new(http.clone())
                .with_retry(self.retry.clone())
                .with_timeout(timeout),
            http,
            auth: self.auth,
            headers,
            retry: self.retry,
            limit: self
                .max_concurrent_requests
                .map(|n| Arc::new(Semaphore::new(n))),
            stats: None,
            max_redirects: self.max_redirects,
            timeout,
        })
    }
}

impl RestClient {
    /// Starts building a client for the API at `base_url`.
    pub fn builder(base_url: impl Into<String>) -> RestClientBuilder {
        RestClientBuilder {
            base: base_url.into(),
            auth: shared(NoAuth),
            headers: Vec::new(),
            timeout: Some(Duration::from_secs(60)),
            connect_timeout: Some(Duration::from_secs(10)),
            pool_idle_timeout: Some(Duration::from_secs(90)),
            user_agent: concat!("rest-source/", env!("CARGO_PKG_VERSION")).to_owned(),
            retry: RetryPolicy::default(),
            http: None,
            max_concurrent_requests: None,
            max_redirects: DEFAULT_MAX_REDIRECTS,
            tls: crate::client::tls::TlsFiles::default(),
            proxy: None,
            no_proxy: None,
            resolve: Vec::new(),
            dns_resolver: None,
        }
    }

    /// The base URL.
    pub fn base_url(&self) -> &Url {
        &self.base
    }

    /// The auth strategy requests are signed with.
    pub fn auth(&self) -> &SharedAuth {
        &self.auth
    }

    /// The retry policy.
    pub fn retry_policy(&self) -> &RetryPolicy {
        &self.retry
    }

    /// The underlying `reqwest::Client` (shared connection pool).
    pub fn http(&self) -> &reqwest::Client {
        &self.http
    }

    /// The same client (pool, headers, retries) with another auth: how a resource overrides
    /// its source's auth.
    pub fn with_auth(&self, auth: SharedAuth) -> RestClient {
        RestClient {
            auth,
            ..self.clone()
        }
    }

    /// The same client with one more default header whose value is a secret (marked
    /// sensitive, never printed); replaces a default header of the same name. How a
    /// resource adds its own secret header to the source's client.
    pub fn with_secret_header(&self, name: &str, value: &Secret) -> Result<RestClient> {
        let header_name = HeaderName::from_bytes(name.as_bytes())
            .map_err(|_| Error::Config(format!("`{name}` is not a valid HTTP header name")))?;
        let mut header_value = HeaderValue::from_str(value.expose()).map_err(|_| {
            Error::Config(format!(
                "the secret value of header `{name}` is not a valid header value"
            ))
        })?;
        header_value.set_sensitive(true);
        let mut client = self.clone();
        client.headers.insert(header_name, header_value);
        Ok(client)
    }

    /// The same client with another retry policy.
    pub fn with_retry(&self, retry: RetryPolicy) -> RestClient {
        RestClient {
            cx: self.cx.clone().with_retry(retry.clone()),
            retry,
            ..self.clone()
        }
    }

    /// The same client counting its requests, retries and token fetches into `stats`.
    pub(crate) fn with_stats(&self, stats: Arc<crate::report::RequestStats>) -> RestClient {
        RestClient {
            cx: self.cx.with_stats(stats.clone()),
            stats: Some(stats),
            ..self.clone()
        }
    }

    /// `path` joined onto the base URL (see the crate docs for the slash rules); absolute
    /// `http(s)://` URLs are kept as they are.
    pub fn url(&self, path: &str) -> Result<Url> {
        crate::client::url_join::join(&self.base, path)
    }

    /// `url` as it may be printed: sensitive query values and passwords redacted.
    pub fn redact(&self, url: &Url) -> String {
        redact_url(url, &self.auth.sensitive_query_params_dyn())
    }

    /// Starts a request. `path` is relative to the base URL, or absolute.
    pub fn request(&self, method: Method, path: &str) -> RequestBuilder {
        let inner = self
            .url(path)
            .map(|url| self.http.request(method.clone(), url));
        RequestBuilder {
            client: self.clone(),
            method,
            inner,
            auth: None,
            idempotent: None,
        }
    }

    /// A GET request; `.await` it directly or add query parameters first.
    pub fn get(&self, path: &str) -> RequestBuilder {
        self.request(Method::GET, path)
    }

    /// A POST request (not retried unless marked [`RequestBuilder::idempotent`]).
    pub fn post(&self, path: &str) -> RequestBuilder {
        self.request(Method::POST, path)
    }

    /// GETs `path` and decodes the JSON body into `T`.
    pub async fn get_json<T: DeserializeOwned>(&self, path: &str) -> Result<T> {
        self.get(path).send().await?.json().await
    }

    /// Sends a prepared request with `auth` (or the client's), retries and 401 handling.
    /// Used by [`RequestBuilder::send`] and by paginators that build requests themselves.
    pub async fn execute(
        &self,
        request: Request,
        auth: Option<&SharedAuth>,
        idempotent: Option<bool>,
    ) -> Result<Response> {
        let auth = auth.unwrap_or(&self.auth);
        let sensitive = auth.sensitive_query_params_dyn();
        let method = request.method().clone();
        let idempotent = idempotent.unwrap_or(matches!(
            method,
            Method::GET
                | Method::HEAD
                | Method::OPTIONS
                | Method::PUT
                | Method::DELETE
                | Method::TRACE
        ));
        let mut template = request;
        for (name, value) in &self.headers {
            if !template.headers().contains_key(name) {
                template.headers_mut().insert(name.clone(), value.clone());
            }
        }
        if self.base.scheme() == "https" && template.url().scheme() == "http" {
            return Err(Error::Downgrade {
                url: redact_url(template.url(), &sensitive),
                base: self.redact(&self.base),
            });
        }
        let start = tokio::time::Instant::now();
        let mut attempts: u32 = 0;
        let mut refreshed_after_401 = false;
        loop {
            attempts += 1;
            let mut req = template.try_clone().ok_or_else(|| {
                Error::Config("a request with a streaming body cannot be signed and retried".into())
            })?;
            if let Err(err) = auth.sign_dyn(&mut req, &self.cx).await {
                // No credentials (e.g. the token endpoint answered 503 or refused the
                // connection). Nothing reached the API, so any method may be retried; only
                // transient failures are (a rejected client secret is not).
                if !err.is_retryable() {
                    return Err(wrap_exhausted(err, attempts, start));
                }
                let url = redact_url(template.url(), &sensitive);
                let (err, wait) = self.next_wait(err, None, url, attempts, start)?;
                self.count_retry("sign");
                tracing::info!(target: "rest_source", %method, attempts, wait_ms = wait.as_millis() as u64, error = %err, "could not sign the request; retrying");
                tokio::time::sleep(wait).await;
                continue;
            }
            let url = redact_url(req.url(), &sensitive);
            tracing::debug!(target: "rest_source", %method, %url, attempts, "sending request");
            // Taken after signing (a token request is never queued behind the API's own
            // requests) and held until the body is read (it moves into the `Response`).
            let permit = match &self.limit {
                Some(limit) => limit.clone().acquire_owned().await.ok(),
                None => None,
            };
            if let Some(stats) = &self.stats {
                stats.request_sent();
            }
            let failure = match self
                .follow_redirects(req, &template, auth, &sensitive)
                .await?
            {
                Ok(arrived) if arrived.response.status().is_success() => {
                    let Arrived { response, url, .. } = arrived;
                    tracing::debug!(target: "rest_source", %method, %url, status = response.status().as_u16(), "response");
                    return Ok(Response::new(response, url, method).holding(permit));
                }
                Ok(Arrived {
                    response,
                    sent,
                    url,
                    unsigned,
                }) => {
                    let status = response.status();
                    let headers = response.headers().clone();
                    let body = error_body(response, crate::spec::DEFAULT_MAX_PAGE_BYTES).await;
                    let err = Error::Status {
                        method: sent.method().clone(),
                        url: url.clone(),
                        status,
                        body: crate::error::status_body(&body, &headers),
                        retry_after: retry_after(&headers),
                    };
                    tracing::debug!(target: "rest_source", %method, %url, status = status.as_u16(), "error response");
                    if status == StatusCode::UNAUTHORIZED {
                        let scheme = auth.scheme_dyn();
                        if unsigned {
                            return Err(Error::Auth {
                                scheme,
                                message: format!(
                                    "{method} {} was redirected to another origin, {url}, which \
                                     rejected it with HTTP 401; credentials are never sent to \
                                     another origin: if that host is the API, use it in \
                                     `base_url`",
                                    redact_url(template.url(), &sensitive)
                                ),
                                source: Some(Box::new(err)),
                            });
                        }
                        if !refreshed_after_401 && auth.unauthorized_dyn(&sent).await {
                            refreshed_after_401 = true;
                            attempts -= 1;
                            continue;
                        }
                        let message = if scheme == "none" {
                            format!(
                                "{method} {url} was rejected with HTTP 401: the server asks for \
                                 credentials; this resource has none (configure an `auth` for \
                                 the source or the resource)"
                            )
                        } else if refreshed_after_401 {
                            format!(
                                "{method} {url} was rejected with HTTP 401 again after the credentials were refreshed; check that the credentials are valid for this API"
                            )
                        } else {
                            format!(
                                "{method} {url} was rejected with HTTP 401; check the `{scheme}` credentials"
                            )
                        };
                        return Err(Error::Auth {
                            scheme,
                            message,
                            source: Some(Box::new(err)),
                        });
                    }
                    if !is_retryable_status(status) || !idempotent {
                        return Err(wrap_exhausted(err, attempts, start));
                    }
                    let wait = err.retry_after();
                    (err, wait)
                }
                Err((e, url)) => {
                    // A connect error means nothing was sent, so even a POST is safe to retry.
                    let retryable =
                        e.is_connect() || (idempotent && (e.is_timeout() || e.is_request()));
                    let err = Error::transport_after(&method, url.clone(), e, self.timeout);
                    let retryable = retryable && err.is_retryable();
                    if !retryable {
                        return Err(wrap_exhausted(err, attempts, start));
                    }
                    (err, None)
                }
            };
            drop(permit); // not held while backing off
            let (err, server_wait) = failure;
            let cause = err
                .status()
                .map_or("transport".into(), |s| s.as_u16().to_string());
            let url = redact_url(template.url(), &sensitive);
            let (err, wait) = self.next_wait(err, server_wait, url.clone(), attempts, start)?;
            self.count_retry(&cause);
            tracing::info!(target: "rest_source", %method, %url, attempts, wait_ms = wait.as_millis() as u64, error = %err, "retrying");
            tokio::time::sleep(wait).await;
        }
    }
}

impl RestClient {
    /// Counts a retry (caused by an HTTP status, `transport`, `body` or `sign`) for the run's
    /// report, when the client counts.
    pub(crate) fn count_retry(&self, cause: &str) {
        if let Some(stats) = &self.stats {
            stats.retried(cause);
        }
    }

    /// See [`RetryPolicy::next_wait`]; kept here so request accounting has one place.
    fn next_wait(
        &self,
        err: Error,
        server_wait: Option<Duration>,
        url: String,
        attempts: u32,
        start: tokio::time::Instant,
    ) -> Result<(Error, Duration)> {
        self.retry.next_wait(err, server_wait, url, attempts, start)
    }
}

/// An error response's body, at most `limit` bytes (the rest is not read, so a server
/// cannot grow memory with an endless error page); a cut never splits a UTF-8 character.
async fn error_body(mut response: reqwest::Response, limit: u64) -> bytes::Bytes {
    let limit = usize::try_from(limit).unwrap_or(usize::MAX);
    let mut body = bytes::BytesMut::new();
    let mut cut = false;
    while let Ok(Some(chunk)) = response.chunk().await {
        let room = limit.saturating_sub(body.len());
        if chunk.len() > room {
            body.extend_from_slice(&chunk[..room]);
            cut = true;
            break;
        }
        body.extend_from_slice(&chunk);
    }
    if cut
        && let Err(e) = std::str::from_utf8(&body)
        && e.error_len().is_none()
    {
        body.truncate(e.valid_up_to());
    }
    body.freeze()
}

fn wrap_exhausted(err: Error, attempts: u32, start: tokio::time::Instant) -> Error {
    crate::client::retry::exhausted(err, attempts, start)
}

/// The final response of one attempt, after its redirects.
struct Arrived {
    response: reqwest::Response,
    /// The request this response answers, as it was sent (for [`crate::Auth::unauthorized`]).
    sent: Request,
    /// Its URL, redacted.
    url: String,
    /// Whether it went to another origin than the first request, without credentials.
    unsigned: bool,
}

/// A transport failure of one hop, with that hop's redacted URL.
type HopFailure = (reqwest::Error, String);

impl RestClient {
    /// Sends `req` (signed from `template`) and follows redirects: re-signed on the
    /// template's origin, unsigned elsewhere, never from https to http. The outer error is
    /// final (a refused redirect); the inner one a transport failure the caller may retry.
    async fn follow_redirects(
        &self,
        mut req: Request,
        template: &Request,
        auth: &SharedAuth,
        sensitive: &[String],
    ) -> Result<std::result::Result<Arrived, HopFailure>> {
        let home = template.url().origin();
        let mut unsigned = false;
        let mut hops = 0;
        loop {
            let url = redact_url(req.url(), sensitive);
            let sent = signed_copy(&req);
            let response = match self.http.execute(req).await {
                Ok(response) => response,
                Err(e) => return Ok(Err((e, url))),
            };
            let status = response.status();
            let location = response.headers().get(LOCATION).cloned();
            let (true, Some(location)) = (is_followed_redirect(status), location) else {
                return Ok(Ok(Arrived {
                    response,
                    sent,
                    url,
                    unsigned,
                }));
            };
            drop(response);
            let refuse = |to: String, reason: String| Error::Redirect {
                from: url.clone(),
                to,
                reason,
            };
            let target = location
                .to_str()
                .ok()
                .and_then(|l| sent.url().join(l).ok())
                .filter(|t| matches!(t.scheme(), "http" | "https"))
                .ok_or_else(|| {
                    refuse(
                        "an invalid location".into(),
                        format!("HTTP {status} without a valid http(s) `Location`"),
                    )
                })?;
            let to = redact_url(&target, sensitive);
            if sent.url().scheme() == "https" && target.scheme() == "http" {
                return Err(refuse(
                    to,
                    "a downgrade from https to http is never followed, with or without \
                     credentials; point the request at the https URL"
                        .into(),
                ));
            }
            hops += 1;
            if hops > self.max_redirects {
                return Err(refuse(
                    to,
                    format!(
                        "more than {} redirects (RestClientBuilder::max_redirects)",
                        self.max_redirects
                    ),
                ));
            }
            req = redirected(template, sent.method(), status, target, sensitive);
            if req.url().origin() == home {
                auth.sign_dyn(&mut req, &self.cx).await?;
                unsigned = false;
            } else {
                strip_credentials(&mut req);
                unsigned = true;
            }
            tracing::debug!(target: "rest_source", from = %url, %to, status = status.as_u16(), signed = !unsigned, "following redirect");
        }
    }
}

/// The redirect statuses that are followed (300 and 304 are answers, 305 is deprecated).
fn is_followed_redirect(status: StatusCode) -> bool {
    matches!(status.as_u16(), 301 | 302 | 303 | 307 | 308)
}

/// The next hop of a redirect, built from the unsigned `template`: 303 (and 301/302 after a
/// POST, as browsers do) become a bodyless GET; 307/308 keep the method and body. The auth's
/// own query parameters are removed from `target` (a server may echo them back), so a
/// re-signed request carries the key once and an unsigned one not at all.
fn redirected(
    template: &Request,
    method: &Method,
    status: StatusCode,
    mut target: Url,
    sensitive: &[String],
) -> Request {
    let to_get = (status == StatusCode::SEE_OTHER && *method != Method::HEAD)
        || (matches!(status.as_u16(), 301 | 302) && *method == Method::POST);
    if target.query().is_some() {
        let kept: Vec<(String, String)> = target
            .query_pairs()
            .filter(|(k, _)| !sensitive.iter().any(|s| s.eq_ignore_ascii_case(k)))
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect();
        if kept.is_empty() {
            target.set_query(None);
        } else {
            target.query_pairs_mut().clear().extend_pairs(kept);
        }
    }
    // `execute` has cloned the template already, so its body is in memory.
    let mut next = template
        .try_clone()
        .unwrap_or_else(|| Request::new(method.clone(), target.clone()));
    *next.url_mut() = target;
    *next.method_mut() = if to_get { Method::GET } else { method.clone() };
    // An earlier hop may have turned the template's POST into a GET already.
    if next.method() != template.method() {
        *next.body_mut() = None;
        for name in [CONTENT_TYPE, CONTENT_LENGTH, CONTENT_ENCODING] {
            next.headers_mut().remove(name);
        }
    }
    next
}

/// Removes from a request bound for another origin every header that could be a credential:
/// the standard ones and every value marked sensitive (secret default headers).
fn strip_credentials(req: &mut Request) {
    for name in [AUTHORIZATION, COOKIE, PROXY_AUTHORIZATION] {
        req.headers_mut().remove(name);
    }
    let secret: Vec<HeaderName> = req
        .headers()
        .iter()
        .filter(|(_, v)| v.is_sensitive())
        .map(|(k, _)| k.clone())
        .collect();
    for name in secret {
        req.headers_mut().remove(name);
    }
}

/// A copy of a signed request (method, URL, headers, and the body when it is in memory),
/// handed to [`crate::Auth::unauthorized`] so it can tell which credentials were rejected —
/// including credentials placed in the body. Cloning an in-memory body only bumps a
/// reference count.
fn signed_copy(req: &Request) -> Request {
    if let Some(copy) = req.try_clone() {
        return copy;
    }
    let mut copy = Request::new(req.method().clone(), req.url().clone());
    *copy.headers_mut() = req.headers().clone();
    copy
}

/// A request being prepared; send it with [`RequestBuilder::send`] or `.await`.
#[must_use = "a request does nothing until it is sent or awaited"]
pub struct RequestBuilder {
    client: RestClient,
    method: Method,
    inner: Result<reqwest::RequestBuilder>,
    auth: Option<SharedAuth>,
    idempotent: Option<bool>,
}

impl fmt::Debug for RequestBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RequestBuilder")
            .field("method", &self.method)
            .finish_non_exhaustive()
    }
}

impl RequestBuilder {
    fn map(mut self, f: impl FnOnce(reqwest::RequestBuilder) -> reqwest::RequestBuilder) -> Self {
        self.inner = self.inner.map(f);
        self
    }

    /// Adds query parameters (anything `serde_urlencoded` accepts: pairs, maps, structs).
    pub fn query<T: Serialize + ?Sized>(self, query: &T) -> Self {
        self.map(|b| b.query(query))
    }

    /// Adds a header.
    pub fn header(self, name: impl AsRef<str>, value: impl AsRef<str>) -> Self {
        let (name, value) = (name.as_ref().to_owned(), value.as_ref().to_owned());
        self.map(|b| b.header(name, value))
    }

    /// Adds headers.
    pub fn headers(self, headers: HeaderMap) -> Self {
        self.map(|b| b.headers(headers))
    }

    /// Sends `body` as JSON.
    pub fn json<T: Serialize + ?Sized>(self, body: &T) -> Self {
        self.map(|b| b.json(body))
    }

    /// Sends `body` as `application/x-www-form-urlencoded`.
    pub fn form<T: Serialize + ?Sized>(self, body: &T) -> Self {
        self.map(|b| b.form(body))
    }

    /// Sends raw bytes as the body.
    pub fn body(self, body: impl Into<bytes::Bytes>) -> Self {
        let body: bytes::Bytes = body.into();
        self.map(|b| b.body(body))
    }

    /// Overrides the client's auth for this request.
    pub fn auth(mut self, auth: SharedAuth) -> Self {
        self.auth = Some(auth);
        self
    }

    /// Whether the request may be retried on 5xx/429/timeouts (default: by method; GET, HEAD,
    /// OPTIONS, PUT, DELETE are idempotent).
    pub fn idempotent(mut self, idempotent: bool) -> Self {
        self.idempotent = Some(idempotent);
        self
    }

    /// Sends the request: signs it, retries as the policy says, and turns a non-2xx status
    /// into [`Error::Status`] (or [`Error::Auth`] for a final 401).
    pub async fn send(self) -> Result<Response> {
        let request = self.inner?.build().map_err(|e| {
            Error::Config(format!("could not build the request: {}", e.without_url()))
        })?;
        self.client
            .execute(request, self.auth.as_ref(), self.idempotent)
            .await
    }
}

impl IntoFuture for RequestBuilder {
    type Output = Result<Response>;
    type IntoFuture = Pin<Box<dyn Future<Output = Result<Response>> + Send>>;

    fn into_future(self) -> Self::IntoFuture {
        Box::pin(self.send())
    }
}
