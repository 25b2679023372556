//! The OAuth2 refresh-token grant (RFC 6749 §6) with refresh-token **rotation**:
//! `type = "oauth2_refresh_token"`.
//!
//! The initial refresh token comes from a secret. When the server answers with a new refresh
//! token, the new one is written to a [`TokenStore`] and used from then on. **Once the store
//! holds a token it wins over the secret**, so after a restart the newest rotated token is
//! used, not the stale one still in `secrets.toml`. To start over with a re-authorised token,
//! put it in the secret and delete (or clear) the store.
//!
//! Refreshes are single-flight within a process (the [`TokenCache`](crate::auth::token::cache)),
//! and a [`FileTokenStore`](crate::auth::token::store::FileTokenStore) also serialises them across
//! processes on one machine (see [`crate::auth::token::store`] for the exact guarantees), so a
//! single-use refresh token is never spent twice. A rejected refresh token (`invalid_grant`)
//! is a clear "re-authorise" error naming where the token came from.

use std::fmt;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use super::flow::{
    ClientAuth, ClientCredentials, DEFAULT_TOKEN_EXPIRATION, OAuth2, OAuth2Flow,
    build_token_request, send_token_request,
};
use super::shape::TokenEndpoint;
use super::token::{AccessToken, TokenResponse};
use crate::auth::AuthContext;
use crate::auth::token::store::{MemoryTokenStore, TokenStore};
use crate::{Error, Result, Secret};

/// The refresh-token grant as an [`OAuth2Flow`]. Use it through [`OAuth2RefreshToken`].
#[derive(Clone)]
pub struct RefreshTokenFlow {
    access_token_url: String,
    client_id: Option<Secret>,
    client_secret: Option<Secret>,
    refresh_token: Secret,
    store: Arc<dyn TokenStore>,
    scope: Option<String>,
    extra: Vec<(String, String)>,
    client_auth: ClientAuth,
    default_token_expiration: Duration,
    token_endpoint: TokenEndpoint,
    /// A rotated token the store failed to save: used (and saved again) by the next refresh,
    /// so one failed write does not lock the run out.
    unsaved: Arc<Mutex<Option<Secret>>>,
}

/// Where the refresh token of one refresh came from (for the `invalid_grant` message).
enum Origin {
    Secret,
    Store,
    Unsaved,
}

impl RefreshTokenFlow {
    /// A confidential client: `client_id` and `client_secret` are sent with every refresh
    /// (in the body by default, see [`client_auth`](Self::client_auth)).
    pub fn new(
        access_token_url: impl Into<String>,
        client_id: impl Into<Secret>,
        client_secret: impl Into<Secret>,
        refresh_token: impl Into<Secret>,
    ) -> Self {
        let mut flow = Self::public_client(access_token_url, client_id, refresh_token);
        flow.client_secret = Some(client_secret.into());
        flow
    }

    /// A public client (no client secret): only `client_id` is sent, in the body.
    pub fn public_client(
        access_token_url: impl Into<String>,
        client_id: impl Into<Secret>,
        refresh_token: impl Into<Secret>,
    ) -> Self {
        RefreshTokenFlow {
            access_token_url: access_token_url.into(),
            client_id: Some(client_id.into()),
            client_secret: None,
            refresh_token: refresh_token.into(),
            store: Arc::new(MemoryTokenStore::new()),
            scope: None,
            extra: Vec::new(),
            client_auth: ClientAuth::Body,
            default_token_expiration: DEFAULT_TOKEN_EXPIRATION,
            token_endpoint: TokenEndpoint::new(),
            unsaved: Arc::default(),
        }
    }

    /// Where rotated refresh tokens are kept (default: a [`MemoryTokenStore`], which does not
    /// survive a restart). A token in the store wins over the initial secret.
    pub fn token_store(self, store: impl TokenStore) -> Self {
        self.shared_token_store(Arc::new(store))
    }

    /// Like [`token_store`](Self::token_store), for a store shared with other code.
    pub fn shared_token_store(mut self, store: Arc<dyn TokenStore>) -> Self {
        self.store = store;
        self
    }

    /// Sets `scope` on refreshes (most providers keep the original scope when it is absent).
    pub fn scope(mut self, scope: impl Into<String>) -> Self {
        self.scope = Some(scope.into());
        self
    }

    /// Adds a parameter to the refresh request; a standard one of the same name is replaced.
    pub fn extra_param(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.extra.push((name.into(), value.into()));
        self
    }

    /// How the client id and secret are sent (default [`ClientAuth::Body`]); ignored for a
    /// public client.
    pub fn client_auth(mut self, client_auth: ClientAuth) -> Self {
        self.client_auth = client_auth;
        self
    }

    /// The lifetime assumed when the response states none (default 3600 s).
    pub fn default_token_expiration(mut self, expiration: Duration) -> Self {
        self.default_token_expiration = expiration;
        self
    }

    /// Shapes the token request and response (see [`TokenEndpoint`]); its
    /// `refresh_token_path` says where a rotated token is.
    pub fn token_endpoint(mut self, endpoint: TokenEndpoint) -> Self {
        self.token_endpoint = endpoint;
        self
    }

    /// The store rotated tokens are written to.
    pub fn store(&self) -> &Arc<dyn TokenStore> {
        &self.store
    }

    fn params(&self, refresh_token: &Secret) -> Vec<(String, String)> {
        let mut data = vec![
            ("grant_type".to_owned(), "refresh_token".to_owned()),
            (
                "refresh_token".to_owned(),
                refresh_token.expose().to_owned(),
            ),
        ];
        if self.client_secret.is_none()
            && let Some(id) = &self.client_id
        {
            data.push(("client_id".into(), id.expose().into()));
        }
        if let Some(scope) = &self.scope {
            data.push(("scope".into(), scope.clone()));
        }
        for (name, value) in &self.extra {
            match data.iter_mut().find(|(n, _)| n == name) {
                Some(existing) => existing.1 = value.clone(),
                None => data.push((name.clone(), value.clone())),
            }
        }
        data
    }

    /// The refresh token to spend now: an unsaved rotated one, else the store's, else the
    /// initial secret.
    async fn current(&self) -> Result<(Secret, Origin)> {
        let unsaved = self
            .unsaved
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone();
        if let Some(token) = unsaved {
            if self.store.save(&token).await.is_ok() {
                self.unsaved
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .take();
            }
            return Ok((token, Origin::Unsaved));
        }
        Ok(match self.store.load().await? {
            Some(token) => (token, Origin::Store),
            None => (self.refresh_token.clone(), Origin::Secret),
        })
    }

    fn invalid_grant(&self, response: &TokenResponse, origin: &Origin) -> Error {
        let description = response
            .error_description()
            .map(|d| format!(" ({d})"))
            .unwrap_or_default();
        let store = self.store.describe();
        let fix = match origin {
            Origin::Secret => "put the new refresh token in the `refresh_token` secret".to_owned(),
            Origin::Store | Origin::Unsaved => format!(
                "put the new refresh token in the `refresh_token` secret and delete {store} \
                 (it holds the rejected token, and a stored token wins over the secret)"
            ),
        };
        let from = match origin {
            Origin::Secret => "the `refresh_token` secret".to_owned(),
            Origin::Store | Origin::Unsaved => store,
        };
        Error::Auth {
            scheme: self.scheme(),
            message: format!(
                "the token endpoint `{}` rejected the refresh token from {from} with \
                 `invalid_grant`{description}: it has expired, was revoked, or was already \
                 used (rotated refresh tokens are single-use); re-authorise the app to get a \
                 new refresh token, then {fix}",
                response.url
            ),
            source: Some(Box::new(Error::Status {
                method: reqwest::Method::POST,
                url: response.url.clone(),
                status: response.status,
                body: String::new(),
                retry_after: crate::client::retry::retry_after(&response.headers),
            })),
        }
    }
}

impl fmt::Debug for RefreshTokenFlow {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let extra: Vec<&str> = self.extra.iter().map(|(k, _)| k.as_str()).collect();
        f.debug_struct("RefreshTokenFlow")
            .field("access_token_url", &self.access_token_url)
            .field("client_id", &self.client_id)
            .field("client_secret", &self.client_secret)
            .field("refresh_token", &self.refresh_token)
            .field("store", &self.store.describe())
            .field("scope", &self.scope)
            .field("extra_params", &extra)
            .field("client_auth", &self.client_auth)
            .field("default_token_expiration", &self.default_token_expiration)
            .field("token_endpoint", &self.token_endpoint)
            .finish()
    }
}

impl OAuth2Flow for RefreshTokenFlow {
    fn access_token_url(&self) -> &str {
        &self.access_token_url
    }

    /// The parameters with the *initial* refresh token. A refresh itself
    /// ([`fetch_access_token`](Self::fetch_access_token)) uses the newest token from the
    /// store instead.
    fn access_token_request_data(&self) -> Vec<(String, String)> {
        self.params(&self.refresh_token)
    }

    fn client_credentials(&self) -> Option<ClientCredentials<'_>> {
        Some(ClientCredentials {
            client_id: self.client_id.as_ref()?,
            client_secret: self.client_secret.as_ref()?,
            auth: self.client_auth,
        })
    }

    fn default_token_expiration(&self) -> Duration {
        self.default_token_expiration
    }

    fn scheme(&self) -> &'static str {
        "oauth2_refresh_token"
    }

    fn token_endpoint(&self) -> &TokenEndpoint {
        &self.token_endpoint
    }

    /// Lock the store → read the newest refresh token → refresh → save a rotated token →
    /// unlock. The lock spans the exchange so no other process spends the same token.
    async fn fetch_access_token(&self, cx: &AuthContext) -> Result<AccessToken> {
        let _lock = self.store.lock().await?;
        let (current, origin) = self.current().await?;
        let request = build_token_request(self, cx.http(), self.params(&current))?;
        let response = send_token_request(self.scheme(), cx, request).await?;
        if response.error_code().as_deref() == Some("invalid_grant") {
            return Err(self.invalid_grant(&response, &origin));
        }
        let token = self.parse_access_token_response(&response)?;
        if let Some(rotated) = token.refresh_token()
            && rotated.expose() != current.expose()
        {
            match self.store.save(rotated).await {
                Ok(()) => tracing::debug!(
                    target: "rest_source",
                    scheme = self.scheme(),
                    "refresh token rotated; saved to {}",
                    self.store.describe()
                ),
                Err(err) => {
                    tracing::error!(
                        target: "rest_source",
                        scheme = self.scheme(),
                        error = %err,
                        "refresh token rotated but not saved; kept in memory for this run, a restart will need re-authorisation unless a later save succeeds"
                    );
                    *self.unsaved.lock().unwrap_or_else(PoisonError::into_inner) =
                        Some(rotated.clone());
                }
            }
        }
        Ok(token)
    }
}

/// OAuth2 refresh-token grant with rotation (`type = "oauth2_refresh_token"`): access tokens
/// from a long-lived refresh token, cached, refreshed before expiry, single-flight, renewed
/// once on a 401; rotated refresh tokens persisted in a [`TokenStore`]. See the
/// module docs for precedence and guarantees.
///
/// ```
/// use rest_source_runtime::FileTokenStore;
/// use rest_source_runtime::{OAuth2RefreshToken, RestClient, Secret, TokenEndpoint};
///
/// let auth = OAuth2RefreshToken::new(
///     "https://auth.example.com/oauth/token",
///     Secret::new("client id from your secrets"),
///     Secret::new("client secret from your secrets"),
///     Secret::new("refresh token from your secrets"),
/// )
/// .token_store(FileTokenStore::new(".state/crm-refresh-token.json"))
/// // A provider that nests its response:
/// .token_endpoint(
///     TokenEndpoint::new()
///         .access_token_path("data.accessToken")
///         .refresh_token_path("data.refreshToken"),
/// );
/// let client = RestClient::builder("https://api.example.com/v1").auth(auth).build()?;
/// # let _ = client; Ok::<(), rest_source_runtime::Error>(())
/// ```
pub struct OAuth2RefreshToken {
    inner: OAuth2<RefreshTokenFlow>,
}

impl OAuth2RefreshToken {
    /// A confidential client refreshing at `access_token_url`.
    pub fn new(
        access_token_url: impl Into<String>,
        client_id: impl Into<Secret>,
        client_secret: impl Into<Secret>,
        refresh_token: impl Into<Secret>,
    ) -> Self {
        Self::from_flow(RefreshTokenFlow::new(
            access_token_url,
            client_id,
            client_secret,
            refresh_token,
        ))
    }

    /// A public client (no client secret).
    pub fn public_client(
        access_token_url: impl Into<String>,
        client_id: impl Into<Secret>,
        refresh_token: impl Into<Secret>,
    ) -> Self {
        Self::from_flow(RefreshTokenFlow::public_client(
            access_token_url,
            client_id,
            refresh_token,
        ))
    }

    /// See [`RefreshTokenFlow::token_store`].
    pub fn token_store(self, store: impl TokenStore) -> Self {
        self.map_flow(|f| f.token_store(store))
    }

    /// See [`RefreshTokenFlow::shared_token_store`].
    pub fn shared_token_store(self, store: Arc<dyn TokenStore>) -> Self {
        self.map_flow(|f| f.shared_token_store(store))
    }

    /// See [`RefreshTokenFlow::scope`].
    pub fn scope(self, scope: impl Into<String>) -> Self {
        self.map_flow(|f| f.scope(scope))
    }

    /// See [`RefreshTokenFlow::extra_param`].
    pub fn extra_param(self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.map_flow(|f| f.extra_param(name, value))
    }

    /// See [`RefreshTokenFlow::client_auth`].
    pub fn client_auth(self, client_auth: ClientAuth) -> Self {
        self.map_flow(|f| f.client_auth(client_auth))
    }

    /// See [`RefreshTokenFlow::default_token_expiration`].
    pub fn default_token_expiration(self, expiration: Duration) -> Self {
        self.map_flow(|f| f.default_token_expiration(expiration))
    }

    /// See [`RefreshTokenFlow::token_endpoint`].
    pub fn token_endpoint(self, endpoint: TokenEndpoint) -> Self {
        self.map_flow(|f| f.token_endpoint(endpoint))
    }
}

super::delegate_to_oauth2!(OAuth2RefreshToken, RefreshTokenFlow);
