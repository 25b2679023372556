//! The extension point: [`OAuth2Flow`] says how to get a token; [`OAuth2`] adds caching,
//! refresh before expiry, single-flight fetching and 401 handling to any flow.

use std::fmt;
use std::future::Future;
use std::time::Duration;

use reqwest::Request;
use reqwest::header::AUTHORIZATION;
use url::Url;

use super::shape::TokenEndpoint;
use super::token::{AccessToken, TokenResponse};
use crate::auth::token::cache::{Expiring, TokenCache};
use crate::auth::{Auth, AuthContext, sensitive_header};
use crate::secrets::redact::redact_url;
use crate::{Error, HttpBasic, Result, Secret};

/// The default lifetime of a token whose response has no `expires_in`: one hour (as dlt).
pub const DEFAULT_TOKEN_EXPIRATION: Duration = Duration::from_secs(3600);

/// How the client authenticates to the token endpoint (shared with `rest-source-spec`).
pub use rest_source_spec::ClientAuth;

/// Client credentials handed to the default
/// [`OAuth2Flow::build_access_token_request`]. `Debug` redacts both values.
#[derive(Clone, Copy, Debug)]
pub struct ClientCredentials<'a> {
    /// The client id.
    pub client_id: &'a Secret,
    /// The client secret.
    pub client_secret: &'a Secret,
    /// Where they go.
    pub auth: ClientAuth,
}

/// How to obtain an access token. Implement the two required methods for a new grant and
/// override any default to change one step; wrap the flow in [`OAuth2`] to get caching,
/// refresh before expiry, single-flight fetching and 401 handling.
///
/// The steps, each a method with a default:
/// [`fetch_access_token`](Self::fetch_access_token) =
/// [`build_access_token_request`](Self::build_access_token_request) (a POST form of
/// [`access_token_request_data`](Self::access_token_request_data) to
/// [`access_token_url`](Self::access_token_url), with
/// [`client_credentials`](Self::client_credentials)) → send →
/// [`parse_access_token_response`](Self::parse_access_token_response); then
/// [`apply_access_token`](Self::apply_access_token) puts the token on each request
/// (`Authorization: Bearer …`).
///
/// ```
/// use rest_source_runtime::{OAuth2, OAuth2Flow, RestClient, Secret};
///
/// /// A provider that wants `grant_type=custom_grant` with a fixed scope.
/// struct CustomGrant {
///     url: String,
///     api_key: Secret,
/// }
///
/// impl OAuth2Flow for CustomGrant {
///     fn access_token_url(&self) -> &str {
///         &self.url
///     }
///     fn access_token_request_data(&self) -> Vec<(String, String)> {
///         vec![
///             ("grant_type".into(), "custom_grant".into()),
///             ("scope".into(), "read".into()),
///             ("api_key".into(), self.api_key.expose().into()),
///         ]
///     }
/// }
///
/// let auth = OAuth2::new(CustomGrant {
///     url: "https://auth.example.com/token".into(),
///     api_key: Secret::new("from your secrets"),
/// });
/// let client = RestClient::builder("https://api.example.com").auth(auth).build()?;
/// # let _ = client; Ok::<(), rest_source_runtime::Error>(())
/// ```
///
/// # Anything not built in
///
/// Built in: [`OAuth2ClientCredentials`](crate::OAuth2ClientCredentials),
/// [`OAuth2RefreshToken`](crate::OAuth2RefreshToken) (with rotation),
/// [`OAuth2JwtBearer`](crate::OAuth2JwtBearer), and, outside OAuth2,
/// [`SessionToken`](crate::SessionToken). Renamed or nested response fields, absolute expiry,
/// extra headers and JSON bodies need no code: set a [`TokenEndpoint`]. For everything else,
/// implement this trait and override the one step that differs — caching, refresh before
/// expiry, single flight and the 401 retry come with [`OAuth2`]:
///
/// | the provider…                                   | override                                         |
/// |-------------------------------------------------|--------------------------------------------------|
/// | wants its own `grant_type` or fields            | [`access_token_request_data`](Self::access_token_request_data) |
/// | answers in XML, text or an odd JSON shape       | [`parse_access_token_response`](Self::parse_access_token_response) |
/// | needs a signed or computed request              | [`build_access_token_request`](Self::build_access_token_request) |
/// | needs several calls (nonce, then token)         | [`fetch_access_token`](Self::fetch_access_token) |
/// | wants the token somewhere else than `Bearer`    | [`apply_access_token`](Self::apply_access_token) + [`was_signed_with`](Self::was_signed_with) |
///
/// A two-step grant: fetch a nonce, then exchange it with the API key for a token. The
/// helpers [`build_token_request`] and [`send_token_request`] keep the endpoint shaping and
/// the error handling of the built-in flows.
///
/// ```
/// use rest_source_runtime::{build_token_request, send_token_request};
/// use rest_source_runtime::{AccessToken, AuthContext, Error, OAuth2, OAuth2Flow, Result, Secret};
///
/// struct NonceGrant {
///     nonce_url: String,
///     token_url: String,
///     api_key: Secret,
/// }
///
/// impl OAuth2Flow for NonceGrant {
///     fn access_token_url(&self) -> &str {
///         &self.token_url
///     }
///     fn access_token_request_data(&self) -> Vec<(String, String)> {
///         vec![("grant_type".into(), "nonce".into())]
///     }
///     async fn fetch_access_token(&self, cx: &AuthContext) -> Result<AccessToken> {
///         let nonce: serde_json::Value = cx
///             .http()
///             .get(&self.nonce_url)
///             .send()
///             .await
///             .and_then(|r| r.error_for_status())
///             .map_err(|_| Error::auth("nonce_grant", "could not get a nonce"))?
///             .json()
///             .await
///             .map_err(|_| Error::auth("nonce_grant", "the nonce response is not JSON"))?;
///         let mut params = self.access_token_request_data();
///         params.push(("nonce".into(), nonce["nonce"].as_str().unwrap_or("").into()));
///         params.push(("api_key".into(), self.api_key.expose().into()));
///         let request = build_token_request(self, cx.http(), params)?;
///         let response = send_token_request(self.scheme(), cx, request).await?;
///         self.parse_access_token_response(&response)
///     }
/// }
///
/// let auth = OAuth2::new(NonceGrant {
///     nonce_url: "https://auth.example.com/nonce".into(),
///     token_url: "https://auth.example.com/token".into(),
///     api_key: Secret::new("from your secrets"),
/// });
/// # let _ = auth;
/// ```
pub trait OAuth2Flow: Send + Sync + 'static {
    /// The token endpoint.
    fn access_token_url(&self) -> &str;

    /// The form fields of the token request (`grant_type` and what the grant needs). May
    /// contain secrets: it is put on the wire only, never printed.
    fn access_token_request_data(&self) -> Vec<(String, String)>;

    /// The client's credentials and where to send them; `None` (the default) sends none
    /// beyond [`access_token_request_data`](Self::access_token_request_data).
    fn client_credentials(&self) -> Option<ClientCredentials<'_>> {
        None
    }

    /// The lifetime assumed when the token response has no `expires_in` (default 1 hour).
    fn default_token_expiration(&self) -> Duration {
        DEFAULT_TOKEN_EXPIRATION
    }

    /// The name used in errors and logs (default `oauth2`).
    fn scheme(&self) -> &'static str {
        "oauth2"
    }

    /// Query parameters that carry secrets (redacted from printed URLs); for flows whose
    /// [`apply_access_token`](Self::apply_access_token) puts the token in the query.
    fn sensitive_query_params(&self) -> Vec<String> {
        Vec::new()
    }

    /// How the token endpoint wants its request (form or JSON body, extra headers) and where
    /// its response keeps the token, lifetime and refresh token. Default: RFC 6749
    /// ([`TokenEndpoint::standard`]).
    fn token_endpoint(&self) -> &TokenEndpoint {
        TokenEndpoint::standard()
    }

    /// The token request. Default: `POST access_token_url` with
    /// [`access_token_request_data`](Self::access_token_request_data) encoded as
    /// [`token_endpoint`](Self::token_endpoint) says (a form by default), plus the
    /// [`client_credentials`](Self::client_credentials) in the body or as HTTP Basic.
    fn build_access_token_request(&self, http: &reqwest::Client) -> Result<Request> {
        build_token_request(self, http, self.access_token_request_data())
    }

    /// Reads the token endpoint's response. Default: the response shape of
    /// [`token_endpoint`](Self::token_endpoint) (RFC 6749 unless configured otherwise, see
    /// `parse_standard_response`): the token required, the lifetime as a number or numeric
    /// string, error statuses and `{"error": …}` bodies turned into clear errors.
    fn parse_access_token_response(&self, response: &TokenResponse) -> Result<AccessToken> {
        self.token_endpoint()
            .response()
            .parse(response, self.scheme())
    }

    /// Fetches a new token: builds the request, sends it with the client's connection pool
    /// and parses the response. Override for multi-step flows (e.g. a session login).
    fn fetch_access_token(
        &self,
        cx: &AuthContext,
    ) -> impl Future<Output = Result<AccessToken>> + Send {
        async move {
            let request = self.build_access_token_request(cx.http())?;
            let response = send_token_request(self.scheme(), cx, request).await?;
            self.parse_access_token_response(&response)
        }
    }

    /// Puts the token on an API request. Default: `Authorization: Bearer <token>` (marked
    /// sensitive).
    fn apply_access_token(&self, request: &mut Request, token: &AccessToken) -> Result<()> {
        let value = sensitive_header(
            self.scheme(),
            &format!("Bearer {}", token.secret().expose()),
        )?;
        request.headers_mut().insert(AUTHORIZATION, value);
        Ok(())
    }

    /// Whether `rejected` (a request the API answered with 401) was signed with `token`.
    /// Default: compares the `Authorization` header with what
    /// [`apply_access_token`](Self::apply_access_token) sets by default; override together
    /// with it.
    fn was_signed_with(&self, rejected: &Request, token: &AccessToken) -> bool {
        let expected = format!("Bearer {}", token.secret().expose());
        rejected
            .headers()
            .get(AUTHORIZATION)
            .is_some_and(|v| constant_time_eq(v.as_bytes(), expected.as_bytes()))
    }
}

/// Compares credentials without leaking their prefix length through timing.
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// The default token request of `flow` with `params` as its parameters: what
/// [`OAuth2Flow::build_access_token_request`] does, for flows that compute the parameters at
/// fetch time (e.g. the refresh-token grant, whose token comes from a store).
pub fn build_token_request<F: OAuth2Flow + ?Sized>(
    flow: &F,
    http: &reqwest::Client,
    mut params: Vec<(String, String)>,
) -> Result<Request> {
    let url = parse_token_url(flow.access_token_url())?;
    let mut basic = None;
    if let Some(creds) = flow.client_credentials() {
        match creds.auth {
            ClientAuth::Body => {
                params.push(("client_id".into(), creds.client_id.expose().into()));
                params.push(("client_secret".into(), creds.client_secret.expose().into()));
            }
            ClientAuth::Basic => {
                basic = Some(sensitive_header(
                    flow.scheme(),
                    &HttpBasic::header_value(
                        creds.client_id.expose(),
                        creds.client_secret.expose(),
                    ),
                )?);
            }
        }
    }
    let mut request = flow
        .token_endpoint()
        .build_request(http, url, &params, flow.scheme())?;
    if let Some(value) = basic {
        request.headers_mut().insert(AUTHORIZATION, value);
    }
    Ok(request)
}

/// Sends a token (or login) request with the client's connection pool and reads the whole
/// response. A transport failure is an [`Error::Auth`] naming the (redacted) endpoint, with
/// the transport error as its source so it stays retryable.
pub async fn send_token_request(
    scheme: &'static str,
    cx: &AuthContext,
    request: Request,
) -> Result<TokenResponse> {
    let method = request.method().clone();
    let url = redact_url::<&str>(request.url(), &[]);
    let unreachable = |e: reqwest::Error| {
        let err = Error::transport_after(&method, url.clone(), e, cx.timeout());
        let cause = match &err {
            Error::Transport { cause, .. } => cause.clone(),
            _ => err.to_string(),
        };
        Error::Auth {
            scheme,
            message: format!(
                "could not get a token from `{url}`: {cause}; check `access_token_url` and \
                 that the token endpoint is reachable"
            ),
            source: Some(Box::new(err)),
        }
    };
    cx.token_fetched();
    let response = cx.http().execute(request).await.map_err(unreachable)?;
    let status = response.status();
    let headers = response.headers().clone();
    let body = response.bytes().await.map_err(unreachable)?;
    Ok(TokenResponse {
        url: url.clone(),
        status,
        headers,
        body,
    })
}

pub(crate) fn parse_token_url(raw: &str) -> Result<Url> {
    let url = Url::parse(raw).map_err(|e| {
        Error::Config(format!(
            "access_token_url `{raw}` is not a valid absolute URL ({e}); expected something \
             like `https://auth.example.com/oauth/token`"
        ))
    })?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(Error::Config(format!(
            "access_token_url `{}` must start with http:// or https://",
            redact_url::<&str>(&url, &[])
        )));
    }
    Ok(url)
}

/// Any [`OAuth2Flow`] with a token cache: implements [`Auth`].
///
/// - The token is fetched on the first request, then reused.
/// - It is refreshed shortly **before** it expires (leeway `min(60 s, lifetime / 10)`, see
///   `crate::auth::token::cache`), so a token never expires mid-run and no request fails for it.
/// - Concurrent requests that find no valid token make **one** token request between them.
/// - On a 401 the cached token is dropped, but only if it is the one the rejected request
///   carried (a token refreshed meanwhile by another request is kept); the client then retries
///   once with a fresh token. A second 401 is an error.
///
/// Share one `OAuth2` between clients and resources through a
/// [`SharedAuth`](crate::SharedAuth) so they share the token.
pub struct OAuth2<F> {
    flow: F,
    cache: TokenCache<AccessToken>,
}

impl<F: OAuth2Flow> OAuth2<F> {
    /// Wraps a flow with an empty token cache.
    pub fn new(flow: F) -> Self {
        OAuth2 {
            flow,
            cache: TokenCache::new(),
        }
    }

    /// Caps how early tokens are refreshed (default 60 s; the leeway is also at most a tenth
    /// of the token's lifetime).
    pub fn max_refresh_leeway(mut self, leeway: Duration) -> Self {
        self.cache = TokenCache::new().with_max_leeway(leeway);
        self
    }

    /// The same auth around a changed flow, with the same leeway cap and a fresh cache, so
    /// a cached token can never belong to other settings. How the built-in strategies'
    /// builder methods change their flow.
    pub(crate) fn map_flow(self, f: impl FnOnce(F) -> F) -> Self {
        let leeway = self.max_leeway();
        OAuth2::new(f(self.flow)).max_refresh_leeway(leeway)
    }

    /// The cap on how early tokens are refreshed.
    pub fn max_leeway(&self) -> Duration {
        self.cache.max_leeway()
    }

    /// The flow.
    pub fn flow(&self) -> &F {
        &self.flow
    }

    /// The flow, dropping the cache.
    pub fn into_flow(self) -> F {
        self.flow
    }

    /// The current token, fetching (once, for all concurrent callers) if none is valid.
    pub async fn access_token(&self, cx: &AuthContext) -> Result<AccessToken> {
        self.cache
            .get_or_fetch(|| async {
                let token =
                    crate::client::retry::retrying(cx.retry_policy(), "the token endpoint", || {
                        self.flow.fetch_access_token(cx)
                    })
                    .await?;
                let lifetime = token
                    .lifetime()
                    .unwrap_or_else(|| self.flow.default_token_expiration());
                tracing::info!(
                    target: "rest_source",
                    scheme = self.flow.scheme(),
                    "fetched token, expires in {}s",
                    lifetime.as_secs()
                );
                Ok(Expiring::new(token, lifetime))
            })
            .await
    }

    /// Drops the cached token; the next request fetches a new one.
    pub fn invalidate(&self) {
        self.cache.invalidate();
    }
}

impl<F: fmt::Debug> fmt::Debug for OAuth2<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OAuth2")
            .field("flow", &self.flow)
            .field("cache", &self.cache)
            .finish()
    }
}

impl<F: OAuth2Flow> Auth for OAuth2<F> {
    async fn sign(&self, request: &mut Request, cx: &AuthContext) -> Result<()> {
        let token = self.access_token(cx).await?;
        self.flow.apply_access_token(request, &token)
    }

    /// Drops the cached token if `rejected` carried it, and always allows the one retry: either
    /// a new token will be fetched, or another request already got a newer one.
    async fn unauthorized(&self, rejected: &Request) -> bool {
        let dropped = self
            .cache
            .invalidate_if(|token| self.flow.was_signed_with(rejected, token));
        // At info (`-v`), with the fetch that follows: a token refresh is worth seeing.
        tracing::info!(
            target: "rest_source",
            scheme = self.flow.scheme(),
            dropped_cached_token = dropped,
            "request rejected with 401; retrying with a fresh token"
        );
        true
    }

    fn scheme(&self) -> &'static str {
        self.flow.scheme()
    }

    fn sensitive_query_params(&self) -> Vec<String> {
        self.flow.sensitive_query_params()
    }
}
