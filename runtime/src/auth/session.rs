//! [`SessionToken`]: multi-step auth by logging in (`type = "session_token"`).
//!
//! Many APIs (Django REST framework, Atlassian/Jira server, Metabase, Tableau, many internal
//! admin APIs) want a login first — credentials sent to an endpoint as a form or JSON — and
//! then a session token on every request: in a header (often with a prefix such as
//! `Token `), a query parameter, a cookie or the body. The session expires after some time
//! (known in advance, or stated in the login response) or is revoked (a 401).
//!
//! `SessionToken` does each step and inherits the shared [`TokenCache`]: one login for any
//! number of concurrent requests, re-login shortly **before** a known expiry, and on a 401 one
//! re-login and one retry. The login call itself may be signed by another strategy (nested
//! auth, e.g. HTTP Basic on the login endpoint only).

use std::fmt;
use std::time::Duration;

use reqwest::header::{HeaderName, HeaderValue, SET_COOKIE};
use reqwest::{Method, Request};
use serde_json::Value;
use url::Url;

use super::oauth2::TokenResponse;
use super::oauth2::shape::{json_path, lifetime_from_expires_at, lifetime_from_expires_in};
use super::{Auth, AuthContext, Placement, SharedAuth, shared};
use crate::auth::token::cache::{Expiring, TokenCache};
use crate::secrets::redact::redact_url;
use crate::{Error, Result, Secret, TokenRequestFormat};

const SCHEME: &str = "session_token";

/// Where the session token is found in the login response. In configuration:
/// `{"json_path": "data.token"}`, `{"header": "X-Session"}` or `{"cookie": "sid"}`.
#[derive(Clone, Debug, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum TokenSource {
    /// A dot-separated JSON path in the body (`token`, `data.session.id`).
    JsonPath(String),
    /// A response header.
    Header(String),
    /// A cookie set by the response (`Set-Cookie: <name>=<token>; …`).
    Cookie(String),
}

/// Logs in, then sends the session token with every request. See the module docs.
///
/// ```
/// use std::time::Duration;
/// use rest_source_runtime::Placement;
/// use rest_source_runtime::{HttpBasic, RestClient, Secret, SessionToken};
///
/// // POST {"username": …, "password": …} as JSON to /api/login, read `data.token`, send
/// // `Authorization: Token <token>`, log in again after 30 minutes or on a 401.
/// let auth = SessionToken::new("https://api.example.com/api/login")
///     .credential("username", "etl-bot")
///     .credential("password", Secret::new("from your secrets"))
///     .token_path("data.token")
///     .placement(Placement::header("Authorization").prefix("Token "))
///     .ttl(Duration::from_secs(30 * 60));
///
/// // A login endpoint behind HTTP Basic, a form body, the token in a response header, sent
/// // back as a cookie:
/// let nested = SessionToken::new("https://legacy.example.com/session")
///     .login_auth(HttpBasic::new("app", Secret::new("app password")))
///     .form_body()
///     .credential("tenant", "acme")
///     .token_header("X-Session-Id")
///     .placement(Placement::cookie("sid"));
/// let client = RestClient::builder("https://api.example.com/v1").auth(auth).build()?;
/// # let _ = (client, nested); Ok::<(), rest_source_runtime::Error>(())
/// ```
pub struct SessionToken {
    login_url: String,
    method: Method,
    format: TokenRequestFormat,
    credentials: Vec<(String, Secret)>,
    headers: Vec<(String, Secret)>,
    source: TokenSource,
    placement: Placement,
    ttl: Option<Duration>,
    expires_in_path: Option<String>,
    expires_at_path: Option<String>,
    login_auth: Option<SharedAuth>,
    cache: TokenCache<Secret>,
}

impl SessionToken {
    /// A session obtained by `POST login_url`. Defaults: JSON body, token at JSON path
    /// `token`, sent as `Authorization: Bearer <token>`, valid until the API answers 401.
    pub fn new(login_url: impl Into<String>) -> Self {
        SessionToken {
            login_url: login_url.into(),
            method: Method::POST,
            format: TokenRequestFormat::Json,
            credentials: Vec::new(),
            headers: Vec::new(),
            source: TokenSource::JsonPath("token".to_owned()),
            placement: Placement::bearer(),
            ttl: None,
            expires_in_path: None,
            expires_at_path: None,
            login_auth: None,
            cache: TokenCache::new(),
        }
    }

    /// Adds a login field (`username`, `password`, `api_key`, …). Plain strings convert to
    /// [`Secret`] too; every value is treated as secret.
    pub fn credential(mut self, name: impl Into<String>, value: impl Into<Secret>) -> Self {
        self.credentials.push((name.into(), value.into()));
        self
    }

    /// Sends the login fields as a JSON object (the default).
    pub fn json_body(mut self) -> Self {
        self.format = TokenRequestFormat::Json;
        self
    }

    /// Sends the login fields as a form.
    pub fn form_body(mut self) -> Self {
        self.format = TokenRequestFormat::Form;
        self
    }

    /// The login method (default `POST`; with `GET` the fields go in the query string).
    pub fn method(mut self, method: Method) -> Self {
        self.method = method;
        self
    }

    /// Adds a header to the login request.
    pub fn login_header(self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.login_secret_header(name, Secret::new(value.into()))
    }

    /// Adds a header with a secret value to the login request.
    pub fn login_secret_header(
        mut self,
        name: impl Into<String>,
        value: impl Into<Secret>,
    ) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }

    /// Signs the login request with another strategy (e.g. [`HttpBasic`](crate::HttpBasic)).
    pub fn login_auth(self, auth: impl Auth) -> Self {
        self.shared_login_auth(shared(auth))
    }

    /// Like [`login_auth`](Self::login_auth), with a shared strategy.
    pub fn shared_login_auth(mut self, auth: SharedAuth) -> Self {
        self.login_auth = Some(auth);
        self
    }

    /// Reads the token at a JSON path of the login response (default `token`).
    pub fn token_path(mut self, path: impl Into<String>) -> Self {
        self.source = TokenSource::JsonPath(path.into());
        self
    }

    /// Reads the token from a login response header.
    pub fn token_header(mut self, name: impl Into<String>) -> Self {
        self.source = TokenSource::Header(name.into());
        self
    }

    /// Reads the token from a cookie the login response sets.
    pub fn token_cookie(mut self, name: impl Into<String>) -> Self {
        self.source = TokenSource::Cookie(name.into());
        self
    }

    /// Sets where the token is read from.
    pub fn token_source(mut self, source: TokenSource) -> Self {
        self.source = source;
        self
    }

    /// Where the token goes on API requests (default `Authorization: Bearer <token>`).
    pub fn placement(mut self, placement: Placement) -> Self {
        self.placement = placement;
        self
    }

    /// How long a session lasts when the login response does not say (default: until a 401).
    pub fn ttl(mut self, ttl: Duration) -> Self {
        self.ttl = Some(ttl);
        self
    }

    /// A JSON path in the login response holding the session's lifetime in seconds.
    pub fn expires_in_path(mut self, path: impl Into<String>) -> Self {
        self.expires_in_path = Some(path.into());
        self
    }

    /// A JSON path holding an absolute expiry (unix seconds or RFC 3339).
    pub fn expires_at_path(mut self, path: impl Into<String>) -> Self {
        self.expires_at_path = Some(path.into());
        self
    }

    /// Caps how early a session with a known expiry is renewed (default 60 s; also at most
    /// a tenth of its lifetime).
    pub fn max_refresh_leeway(mut self, leeway: Duration) -> Self {
        self.cache = TokenCache::new().with_max_leeway(leeway);
        self
    }

    /// Drops the current session; the next request logs in again.
    pub fn invalidate(&self) {
        self.cache.invalidate();
    }

    /// The current session token, logging in (once, for all concurrent callers) if needed.
    pub async fn session(&self, cx: &AuthContext) -> Result<Secret> {
        self.cache
            .get_or_fetch(|| {
                crate::client::retry::retrying(cx.retry_policy(), "the login endpoint", || {
                    self.login(cx)
                })
            })
            .await
    }

    fn login_request(&self, cx: &AuthContext) -> Result<Request> {
        let mut url = Url::parse(&self.login_url).map_err(|e| {
            Error::Config(format!(
                "session_token: login_url `{}` is not a valid absolute URL ({e}); expected \
                 something like `https://api.example.com/login`",
                self.login_url
            ))
        })?;
        if !matches!(url.scheme(), "http" | "https") {
            return Err(Error::Config(format!(
                "session_token: login_url `{}` must start with http:// or https://",
                redact_url::<&str>(&url, &[])
            )));
        }
        let fields: Vec<(&str, &str)> = self
            .credentials
            .iter()
            .map(|(k, v)| (k.as_str(), v.expose()))
            .collect();
        let bodyless = matches!(self.method, Method::GET | Method::HEAD);
        if bodyless {
            url.query_pairs_mut().extend_pairs(fields.iter().copied());
        }
        let mut builder = cx
            .http()
            .request(self.method.clone(), url)
            .header(reqwest::header::ACCEPT, "application/json");
        if !bodyless {
            builder = match self.format {
                TokenRequestFormat::Form => builder.form(&fields),
                TokenRequestFormat::Json => {
                    let object: serde_json::Map<String, Value> = fields
                        .iter()
                        .map(|(k, v)| ((*k).to_owned(), Value::String((*v).to_owned())))
                        .collect();
                    builder.json(&object)
                }
            };
        }
        let mut request = builder.build().map_err(|e| {
            Error::auth(
                SCHEME,
                format!("could not build the login request: {}", e.without_url()),
            )
        })?;
        for (name, value) in &self.headers {
            let header = HeaderName::from_bytes(name.as_bytes()).map_err(|_| {
                Error::Config(format!(
                    "session_token: login header `{name}` is not a valid HTTP header name"
                ))
            })?;
            let mut value = HeaderValue::from_str(value.expose()).map_err(|_| {
                Error::Config(format!(
                    "session_token: the value of login header `{name}` is not a valid header \
                     value"
                ))
            })?;
            value.set_sensitive(true);
            request.headers_mut().insert(header, value);
        }
        Ok(request)
    }

    fn credential_names(&self) -> String {
        if self.credentials.is_empty() {
            return "none configured".to_owned();
        }
        self.credentials
            .iter()
            .map(|(k, _)| format!("`{k}`"))
            .collect::<Vec<_>>()
            .join(", ")
    }

    async fn login(&self, cx: &AuthContext) -> Result<Expiring<Secret>> {
        let mut request = self.login_request(cx)?;
        if let Some(auth) = &self.login_auth {
            auth.sign_dyn(&mut request, cx).await?;
        }
        let sensitive = [
            self.credentials
                .iter()
                .map(|(k, _)| k.clone())
                .collect::<Vec<_>>(),
            self.login_auth
                .as_ref()
                .map(|a| a.sensitive_query_params_dyn())
                .unwrap_or_default(),
        ]
        .concat();
        let url = redact_url(request.url(), &sensitive);
        let method = request.method().clone();
        let unreachable = |e: reqwest::Error| {
            let err = Error::transport_after(&method, url.clone(), e, cx.timeout());
            let cause = match &err {
                Error::Transport { cause, .. } => cause.clone(),
                _ => err.to_string(),
            };
            Error::Auth {
                scheme: SCHEME,
                message: format!(
                    "could not log in at `{url}`: {cause}; check `login_url` and that the \
                     endpoint is reachable"
                ),
                source: Some(Box::new(err)),
            }
        };
        cx.token_fetched();
        let response = cx.http().execute(request).await.map_err(unreachable)?;
        let response = TokenResponse {
            url: url.clone(),
            status: response.status(),
            headers: response.headers().clone(),
            body: response.bytes().await.map_err(unreachable)?,
        };
        if !response.status.is_success() {
            let hint = if matches!(response.status.as_u16(), 400 | 401 | 403) {
                format!(
                    "; check the login credentials ({}) and the body format (`json` or `form`)",
                    self.credential_names()
                )
            } else {
                String::new()
            };
            return Err(Error::Auth {
                scheme: SCHEME,
                message: format!(
                    "the login at `{url}` returned HTTP {} {}{hint}",
                    response.status,
                    response.describe_body()
                ),
                source: Some(Box::new(Error::Status {
                    method: self.method.clone(),
                    url: url.clone(),
                    status: response.status,
                    body: String::new(),
                    retry_after: crate::client::retry::retry_after(&response.headers),
                })),
            });
        }
        let body: Option<Value> = serde_json::from_slice(&response.body).ok();
        let token = self.extract(&response, body.as_ref())?;
        let lifetime = body.as_ref().and_then(|body| {
            let absolute = self
                .expires_at_path
                .as_deref()
                .and_then(|p| lifetime_from_expires_at(json_path(body, p)?, p, &url));
            absolute.or_else(|| {
                let p = self.expires_in_path.as_deref()?;
                lifetime_from_expires_in(json_path(body, p), p, &url)
            })
        });
        let lifetime = lifetime.or(self.ttl);
        tracing::debug!(
            target: "rest_source",
            scheme = SCHEME,
            "logged in; session {}",
            match lifetime {
                Some(l) => format!("expires in {}s", l.as_secs()),
                None => "valid until rejected".to_owned(),
            }
        );
        Ok(match lifetime {
            Some(lifetime) => Expiring::new(token, lifetime),
            None => Expiring::forever(token),
        })
    }

    fn extract(&self, response: &TokenResponse, body: Option<&Value>) -> Result<Secret> {
        let url = &response.url;
        let found = match &self.source {
            TokenSource::JsonPath(path) => {
                let Some(body) = body else {
                    return Err(Error::auth(
                        SCHEME,
                        format!(
                            "the login response from `{url}` is not JSON {}; expected the \
                             session token at `{path}` — or set `token_header`/`token_cookie` \
                             if the token comes in a header or cookie",
                            response.describe_body()
                        ),
                    ));
                };
                match json_path(body, path) {
                    Some(Value::String(s)) => Some(s.clone()),
                    Some(Value::Number(n)) => Some(n.to_string()),
                    _ => None,
                }
                .filter(|s| !s.trim().is_empty())
                .ok_or_else(|| {
                    let fields = match body {
                        Value::Object(map) if !map.is_empty() => map
                            .keys()
                            .map(|k| format!("`{k}`"))
                            .collect::<Vec<_>>()
                            .join(", "),
                        _ => "none".to_owned(),
                    };
                    Error::auth(
                        SCHEME,
                        format!(
                            "the login response from `{url}` has no session token at `{path}` \
                             (top-level fields: {fields}); check `token_path`"
                        ),
                    )
                })?
            }
            TokenSource::Header(name) => response
                .headers
                .get(name.as_str())
                .and_then(|v| v.to_str().ok())
                .map(str::trim)
                .filter(|v| !v.is_empty())
                .map(str::to_owned)
                .ok_or_else(|| {
                    Error::auth(
                        SCHEME,
                        format!(
                            "the login response from `{url}` has no `{name}` header; check \
                             `token_header`"
                        ),
                    )
                })?,
            TokenSource::Cookie(name) => response
                .headers
                .get_all(SET_COOKIE)
                .iter()
                .filter_map(|v| v.to_str().ok())
                .filter_map(|v| v.split(';').next()?.trim().split_once('='))
                .find(|(k, v)| k == name && !v.is_empty())
                .map(|(_, v)| v.to_owned())
                .ok_or_else(|| {
                    Error::auth(
                        SCHEME,
                        format!(
                            "the login response from `{url}` sets no `{name}` cookie; check \
                             `token_cookie`"
                        ),
                    )
                })?,
        };
        Ok(Secret::new(found))
    }
}

impl fmt::Debug for SessionToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names =
            |v: &[(String, Secret)]| -> Vec<String> { v.iter().map(|(k, _)| k.clone()).collect() };
        f.debug_struct("SessionToken")
            .field("login_url", &self.login_url)
            .field("method", &self.method)
            .field("format", &self.format)
            // Names only: the values are credentials.
            .field("credentials", &names(&self.credentials))
            .field("login_headers", &names(&self.headers))
            .field("source", &self.source)
            .field("placement", &self.placement)
            .field("ttl", &self.ttl)
            .field(
                "login_auth",
                &self.login_auth.as_ref().map(|a| a.scheme_dyn()),
            )
            .field("cache", &self.cache)
            .finish()
    }
}

impl Auth for SessionToken {
    async fn sign(&self, request: &mut Request, cx: &AuthContext) -> Result<()> {
        let token = self.session(cx).await?;
        self.placement.apply(request, &token, SCHEME)
    }

    /// Drops the session if `rejected` carried it, and allows the one retry (with a new
    /// login, or a session another request obtained meanwhile).
    async fn unauthorized(&self, rejected: &Request) -> bool {
        let dropped = self
            .cache
            .invalidate_if(|token| self.placement.carries(rejected, token));
        tracing::debug!(
            target: "rest_source",
            scheme = SCHEME,
            dropped_session = dropped,
            "request rejected with 401; logging in again"
        );
        true
    }

    fn scheme(&self) -> &'static str {
        SCHEME
    }

    fn sensitive_query_params(&self) -> Vec<String> {
        self.placement.sensitive_query_params()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_sources_read_from_configuration() {
        let parse = |v: Value| serde_json::from_value::<TokenSource>(v).unwrap();
        assert_eq!(
            parse(serde_json::json!({"json_path": "data.token"})),
            TokenSource::JsonPath("data.token".into())
        );
        assert_eq!(
            parse(serde_json::json!({"header": "X-Session"})),
            TokenSource::Header("X-Session".into())
        );
        assert_eq!(
            parse(serde_json::json!({"cookie": "sid"})),
            TokenSource::Cookie("sid".into())
        );
    }

    #[test]
    fn debug_names_the_credentials_without_their_values() {
        let s = SessionToken::new("https://h.test/login")
            .credential("password", Secret::new("hunter2-value"))
            .login_header("X-Key", "header-value");
        let debug = format!("{s:?}");
        assert!(
            debug.contains("password") && debug.contains("X-Key"),
            "{debug}"
        );
        assert!(!debug.contains("hunter2-value") && !debug.contains("header-value"));
    }
}
