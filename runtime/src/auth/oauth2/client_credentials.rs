//! The OAuth2 client credentials grant (RFC 6749 §4.4), dlt's
//! `type = "oauth2_client_credentials"`.

use std::fmt;
use std::time::Duration;

use super::flow::{ClientAuth, ClientCredentials, DEFAULT_TOKEN_EXPIRATION, OAuth2, OAuth2Flow};
use super::shape::TokenEndpoint;
use crate::Secret;

/// The client credentials grant as an [`OAuth2Flow`]: `grant_type=client_credentials`, the
/// optional `scope` and `audience`, extra form fields, and the client's id and secret in the
/// form body or as HTTP Basic. Use it through [`OAuth2ClientCredentials`], or wrap it in your
/// own flow to change one step.
#[derive(Clone)]
pub struct ClientCredentialsFlow {
    access_token_url: String,
    client_id: Secret,
    client_secret: Secret,
    scope: Option<String>,
    audience: Option<String>,
    extra: Vec<(String, String)>,
    client_auth: ClientAuth,
    default_token_expiration: Duration,
    token_endpoint: TokenEndpoint,
}

impl ClientCredentialsFlow {
    /// A flow for the token endpoint `access_token_url`.
    pub fn new(
        access_token_url: impl Into<String>,
        client_id: impl Into<Secret>,
        client_secret: impl Into<Secret>,
    ) -> Self {
        ClientCredentialsFlow {
            access_token_url: access_token_url.into(),
            client_id: client_id.into(),
            client_secret: client_secret.into(),
            scope: None,
            audience: None,
            extra: Vec::new(),
            client_auth: ClientAuth::Body,
            default_token_expiration: DEFAULT_TOKEN_EXPIRATION,
            token_endpoint: TokenEndpoint::new(),
        }
    }

    /// Sets `scope` (space-separated scopes, as the provider documents them).
    pub fn scope(mut self, scope: impl Into<String>) -> Self {
        self.scope = Some(scope.into());
        self
    }

    /// Sets `audience` (Auth0, Okta and others require it).
    pub fn audience(mut self, audience: impl Into<String>) -> Self {
        self.audience = Some(audience.into());
        self
    }

    /// Adds a form field to the token request. A field with the name of a standard one
    /// (`grant_type`, `scope`, `audience`) replaces it.
    pub fn extra_param(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.extra.push((name.into(), value.into()));
        self
    }

    /// How the client id and secret are sent (default [`ClientAuth::Body`]).
    pub fn client_auth(mut self, client_auth: ClientAuth) -> Self {
        self.client_auth = client_auth;
        self
    }

    /// The lifetime assumed when the token response has no `expires_in` (default 3600 s).
    pub fn default_token_expiration(mut self, expiration: Duration) -> Self {
        self.default_token_expiration = expiration;
        self
    }

    /// Shapes the token request and response for a non-standard endpoint (renamed fields,
    /// absolute expiry, extra headers, JSON body); see [`TokenEndpoint`].
    pub fn token_endpoint(mut self, endpoint: TokenEndpoint) -> Self {
        self.token_endpoint = endpoint;
        self
    }
}

impl fmt::Debug for ClientCredentialsFlow {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let extra: Vec<&str> = self.extra.iter().map(|(k, _)| k.as_str()).collect();
        f.debug_struct("ClientCredentialsFlow")
            .field("access_token_url", &self.access_token_url)
            .field("client_id", &self.client_id)
            .field("client_secret", &self.client_secret)
            .field("scope", &self.scope)
            .field("audience", &self.audience)
            // Extra values may be secrets (an account id, a key): names only.
            .field("extra_params", &extra)
            .field("client_auth", &self.client_auth)
            .field("default_token_expiration", &self.default_token_expiration)
            .field("token_endpoint", &self.token_endpoint)
            .finish()
    }
}

impl OAuth2Flow for ClientCredentialsFlow {
    fn access_token_url(&self) -> &str {
        &self.access_token_url
    }

    fn access_token_request_data(&self) -> Vec<(String, String)> {
        let mut data = vec![("grant_type".to_owned(), "client_credentials".to_owned())];
        if let Some(scope) = &self.scope {
            data.push(("scope".into(), scope.clone()));
        }
        if let Some(audience) = &self.audience {
            data.push(("audience".into(), audience.clone()));
        }
        for (name, value) in &self.extra {
            match data.iter_mut().find(|(n, _)| n == name) {
                Some(existing) => existing.1 = value.clone(),
                None => data.push((name.clone(), value.clone())),
            }
        }
        data
    }

    fn client_credentials(&self) -> Option<ClientCredentials<'_>> {
        Some(ClientCredentials {
            client_id: &self.client_id,
            client_secret: &self.client_secret,
            auth: self.client_auth,
        })
    }

    fn default_token_expiration(&self) -> Duration {
        self.default_token_expiration
    }

    fn scheme(&self) -> &'static str {
        "oauth2_client_credentials"
    }

    fn token_endpoint(&self) -> &TokenEndpoint {
        &self.token_endpoint
    }
}

/// OAuth2 client credentials (dlt `type = "oauth2_client_credentials"`): a token from
/// `access_token_url`, cached, refreshed before it expires, fetched once for concurrent
/// requests, and renewed once on a 401. It is [`OAuth2`] over [`ClientCredentialsFlow`].
///
/// ```
/// use std::time::Duration;
/// use rest_source_runtime::{ClientAuth, OAuth2ClientCredentials, RestClient, Secret};
///
/// let auth = OAuth2ClientCredentials::new(
///     "https://auth.example.com/oauth/token",
///     Secret::new("client id from your secrets"),
///     Secret::new("client secret from your secrets"),
/// )
/// .scope("contacts:read reports:read")
/// .audience("https://api.example.com")
/// .client_auth(ClientAuth::Basic)
/// .default_token_expiration(Duration::from_secs(600));
/// let client = RestClient::builder("https://api.example.com/v1").auth(auth).build()?;
/// # let _ = client; Ok::<(), rest_source_runtime::Error>(())
/// ```
pub struct OAuth2ClientCredentials {
    inner: OAuth2<ClientCredentialsFlow>,
}

impl OAuth2ClientCredentials {
    /// Client credentials for the token endpoint `access_token_url`.
    pub fn new(
        access_token_url: impl Into<String>,
        client_id: impl Into<Secret>,
        client_secret: impl Into<Secret>,
    ) -> Self {
        OAuth2ClientCredentials::from_flow(ClientCredentialsFlow::new(
            access_token_url,
            client_id,
            client_secret,
        ))
    }

    /// See [`ClientCredentialsFlow::scope`].
    pub fn scope(self, scope: impl Into<String>) -> Self {
        self.map_flow(|f| f.scope(scope))
    }

    /// See [`ClientCredentialsFlow::audience`].
    pub fn audience(self, audience: impl Into<String>) -> Self {
        self.map_flow(|f| f.audience(audience))
    }

    /// See [`ClientCredentialsFlow::extra_param`].
    pub fn extra_param(self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.map_flow(|f| f.extra_param(name, value))
    }

    /// See [`ClientCredentialsFlow::client_auth`].
    pub fn client_auth(self, client_auth: ClientAuth) -> Self {
        self.map_flow(|f| f.client_auth(client_auth))
    }

    /// See [`ClientCredentialsFlow::default_token_expiration`].
    pub fn default_token_expiration(self, expiration: Duration) -> Self {
        self.map_flow(|f| f.default_token_expiration(expiration))
    }

    /// See [`ClientCredentialsFlow::token_endpoint`].
    pub fn token_endpoint(self, endpoint: TokenEndpoint) -> Self {
        self.map_flow(|f| f.token_endpoint(endpoint))
    }
}

super::delegate_to_oauth2!(OAuth2ClientCredentials, ClientCredentialsFlow);
