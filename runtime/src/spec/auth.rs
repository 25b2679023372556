//! [`AuthSpec`]: an auth strategy described as data, with credentials referenced by secret
//! key (never by value), using dlt's `type` names.
//!
//! ```
//! use rest_source_runtime::spec::{AuthSpec, SecretValues};
//! use rest_source_runtime::Secret;
//!
//! let spec: AuthSpec = serde_json::from_str(
//!     r#"{ "type": "api_key", "name": "X-Key", "api_key": "crm_key", "location": "query" }"#,
//! ).unwrap();
//! assert_eq!(spec.secret_keys(), ["crm_key"]);
//! let secrets = SecretValues::new("crm").with("crm_key", Secret::new("k"));
//! let auth = spec.build(&secrets).unwrap();
//! assert_eq!(auth.scheme_dyn(), "api_key");
//! ```

use std::collections::BTreeMap;
use std::fmt;

use serde::Deserialize;

use std::time::Duration;

use crate::auth::{
    ApiKey, ApiKeyLocation, BearerToken, ClientAuth, HttpBasic, NoAuth, OAuth2ClientCredentials,
    OAuth2JwtBearer, OAuth2RefreshToken, Placement, SessionToken, SharedAuth, TokenEndpoint,
    TokenRequestFormat, shared,
};
use crate::token_store::FileTokenStore;
use crate::{Error, Result, Secret};

/// A credential that must come from the secrets: the key it is stored under (`"crm_token"`).
///
/// In config files it is written as the key itself (`token = "crm_token"`) or as
/// `{ secret = "crm_token" }`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SecretRef(pub String);

impl SecretRef {
    /// The key.
    pub fn key(&self) -> &str {
        &self.0
    }
}

impl<'de> Deserialize<'de> for SecretRef {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Repr {
            Key(String),
            Table { secret: String },
        }
        Ok(match Repr::deserialize(deserializer)? {
            Repr::Key(key) | Repr::Table { secret: key } => SecretRef(key),
        })
    }
}

/// A value that may be written in plain text (a user name, a client id) or come from the
/// secrets. In config files: a plain string, or `{ secret = "key" }`.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(untagged)]
pub enum MaybeSecret {
    /// Read from the secrets under this key.
    Secret {
        /// The key.
        secret: String,
    },
    /// Written in the spec.
    Plain(String),
}

impl MaybeSecret {
    fn secret_key(&self) -> Option<&str> {
        match self {
            MaybeSecret::Secret { secret } => Some(secret),
            MaybeSecret::Plain(_) => None,
        }
    }

    fn value(&self, secrets: &SecretValues) -> Result<Secret> {
        match self {
            MaybeSecret::Secret { secret } => secrets.get(secret).cloned(),
            MaybeSecret::Plain(value) => Ok(Secret::new(value.clone())),
        }
    }
}

/// An auth strategy as data; `type` names follow dlt's REST API source.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
#[non_exhaustive]
pub enum AuthSpec {
    /// No credentials (public endpoints).
    None,
    /// `Authorization: Bearer <token>`.
    Bearer {
        /// The token.
        token: SecretRef,
    },
    /// An API key in a header, query parameter or cookie.
    ApiKey {
        /// Header, parameter or cookie name (default `Authorization`).
        #[serde(default = "default_api_key_name")]
        name: String,
        /// The key.
        api_key: SecretRef,
        /// Where the key goes (default header).
        #[serde(default)]
        location: ApiKeyLocation,
    },
    /// HTTP basic auth.
    HttpBasic {
        /// The user name.
        username: MaybeSecret,
        /// The password.
        password: SecretRef,
    },
    /// OAuth2 client credentials grant; the token is cached and refreshed (one token request
    /// per strategy, however many resources share it).
    #[serde(rename = "oauth2_client_credentials")]
    OAuth2ClientCredentials {
        /// The token endpoint.
        access_token_url: String,
        /// The client id (often not secret).
        client_id: MaybeSecret,
        /// The client secret.
        client_secret: SecretRef,
        /// Space-separated scopes.
        #[serde(default)]
        scope: Option<String>,
        /// The `audience` form field (Auth0, Okta).
        #[serde(default)]
        audience: Option<String>,
        /// Client id and secret in the form body (default) or as HTTP Basic.
        #[serde(default)]
        client_auth: ClientAuth,
        /// Lifetime assumed when the token response has no `expires_in`, in seconds.
        #[serde(default)]
        default_token_expiration: Option<u64>,
    },
    /// OAuth2 refresh-token grant with rotation ([`OAuth2RefreshToken`]): the initial refresh
    /// token comes from the secrets, rotated ones go to `token_store`.
    #[serde(rename = "oauth2_refresh_token")]
    OAuth2RefreshToken {
        /// The token endpoint.
        access_token_url: String,
        /// The client id.
        client_id: MaybeSecret,
        /// The client secret; absent for a public client.
        #[serde(default)]
        client_secret: Option<SecretRef>,
        /// The initial refresh token.
        refresh_token: SecretRef,
        /// Space-separated scopes sent on refresh.
        #[serde(default)]
        scope: Option<String>,
        /// Client id and secret in the form body (default) or as HTTP Basic.
        #[serde(default)]
        client_auth: ClientAuth,
        /// Lifetime assumed when the token response has no `expires_in`, in seconds.
        #[serde(default)]
        default_token_expiration: Option<u64>,
        /// A JSON file rotated refresh tokens are kept in ([`FileTokenStore`]); absent: kept
        /// in memory only (lost on restart).
        #[serde(default)]
        token_store: Option<String>,
        /// Token request encoding (default `form`).
        #[serde(default)]
        token_body: Option<TokenRequestFormat>,
        /// Where the access token is in the token response (default `access_token`).
        #[serde(default)]
        access_token_path: Option<String>,
        /// Where the lifetime in seconds is (default `expires_in`).
        #[serde(default)]
        expires_in_path: Option<String>,
        /// Where an absolute expiry is (unix seconds or RFC 3339).
        #[serde(default)]
        expires_at_path: Option<String>,
        /// Where a rotated refresh token is (default `refresh_token`).
        #[serde(default)]
        refresh_token_path: Option<String>,
    },
    /// Log in, then send the session token ([`SessionToken`]).
    SessionToken {
        /// The login endpoint (`POST`).
        login_url: String,
        /// Login fields (`username`, `password`, …), plain or from the secrets.
        #[serde(default)]
        credentials: BTreeMap<String, MaybeSecret>,
        /// Login body encoding (default `json`).
        #[serde(default)]
        body: Option<TokenRequestFormat>,
        /// Dot-separated JSON path of the token in the login response.
        #[serde(default)]
        token_path: Option<String>,
        /// Login response header holding the token.
        #[serde(default)]
        token_header: Option<String>,
        /// Cookie (set by the login response) holding the token.
        #[serde(default)]
        token_cookie: Option<String>,
        /// Where the token goes on API requests (default header).
        #[serde(default)]
        location: Option<ApiKeyLocation>,
        /// Header, parameter, cookie or field name (default `Authorization` for a header;
        /// required elsewhere).
        #[serde(default)]
        name: Option<String>,
        /// Text before the token (default `Bearer ` for the `Authorization` header, else none).
        #[serde(default)]
        prefix: Option<String>,
        /// Session lifetime in seconds when the response does not state one.
        #[serde(default)]
        ttl: Option<u64>,
        /// JSON path of the session lifetime in seconds in the login response.
        #[serde(default)]
        expires_in_path: Option<String>,
        /// JSON path of an absolute expiry (unix seconds or RFC 3339) in the login response.
        #[serde(default)]
        expires_at_path: Option<String>,
    },
    /// OAuth2 JWT bearer grant (RFC 7523, service accounts) ([`OAuth2JwtBearer`]).
    #[serde(rename = "oauth2_jwt_bearer")]
    OAuth2JwtBearer {
        /// The token endpoint.
        access_token_url: String,
        /// `iss`: the service account's client email or the app's client id.
        issuer: MaybeSecret,
        /// The RSA private key (PEM).
        private_key: SecretRef,
        /// `sub`: the user to act as.
        #[serde(default)]
        subject: Option<String>,
        /// `aud` (default: the token endpoint).
        #[serde(default)]
        audience: Option<String>,
        /// Space-separated scopes.
        #[serde(default)]
        scope: Option<String>,
        /// `kid` in the JWT header.
        #[serde(default)]
        key_id: Option<String>,
        /// Lifetime assumed when the token response has no `expires_in`, in seconds.
        #[serde(default)]
        default_token_expiration: Option<u64>,
        /// Token request encoding (default `form`).
        #[serde(default)]
        token_body: Option<TokenRequestFormat>,
        /// Where the access token is in the token response (default `access_token`).
        #[serde(default)]
        access_token_path: Option<String>,
        /// Where the lifetime in seconds is (default `expires_in`).
        #[serde(default)]
        expires_in_path: Option<String>,
        /// Where an absolute expiry is (unix seconds or RFC 3339).
        #[serde(default)]
        expires_at_path: Option<String>,
    },
}

fn default_api_key_name() -> String {
    "Authorization".to_owned()
}

/// The runtime [`TokenEndpoint`] from the flat shaping keys of an OAuth2 auth.
fn token_endpoint(
    body: Option<TokenRequestFormat>,
    access_token_path: &Option<String>,
    expires_in_path: &Option<String>,
    expires_at_path: &Option<String>,
    refresh_token_path: &Option<String>,
) -> TokenEndpoint {
    let mut e = TokenEndpoint::new();
    if body == Some(TokenRequestFormat::Json) {
        e = e.json_body();
    }
    if let Some(p) = access_token_path {
        e = e.access_token_path(p.clone());
    }
    if let Some(p) = expires_in_path {
        e = e.expires_in_path(p.clone());
    }
    if let Some(p) = expires_at_path {
        e = e.expires_at_path(p.clone());
    }
    if let Some(p) = refresh_token_path {
        e = e.refresh_token_path(p.clone());
    }
    e
}

impl AuthSpec {
    /// dlt's `type` name (`bearer`, `api_key`, ...).
    pub fn type_name(&self) -> &'static str {
        match self {
            AuthSpec::None => "none",
            AuthSpec::Bearer { .. } => "bearer",
            AuthSpec::ApiKey { .. } => "api_key",
            AuthSpec::HttpBasic { .. } => "http_basic",
            AuthSpec::OAuth2ClientCredentials { .. } => "oauth2_client_credentials",
            AuthSpec::OAuth2RefreshToken { .. } => "oauth2_refresh_token",
            AuthSpec::SessionToken { .. } => "session_token",
            AuthSpec::OAuth2JwtBearer { .. } => "oauth2_jwt_bearer",
        }
    }

    /// Every secret key this strategy reads, in declaration order.
    pub fn secret_keys(&self) -> Vec<&str> {
        match self {
            AuthSpec::None => vec![],
            AuthSpec::Bearer { token } => vec![token.key()],
            AuthSpec::ApiKey { api_key, .. } => vec![api_key.key()],
            AuthSpec::HttpBasic { username, password } => username
                .secret_key()
                .into_iter()
                .chain([password.key()])
                .collect(),
            AuthSpec::OAuth2ClientCredentials {
                client_id,
                client_secret,
                ..
            } => client_id
                .secret_key()
                .into_iter()
                .chain([client_secret.key()])
                .collect(),
            AuthSpec::OAuth2RefreshToken {
                client_id,
                client_secret,
                refresh_token,
                ..
            } => client_id
                .secret_key()
                .into_iter()
                .chain(client_secret.as_ref().map(SecretRef::key))
                .chain([refresh_token.key()])
                .collect(),
            AuthSpec::SessionToken { credentials, .. } => credentials
                .values()
                .filter_map(MaybeSecret::secret_key)
                .collect(),
            AuthSpec::OAuth2JwtBearer {
                issuer,
                private_key,
                ..
            } => issuer
                .secret_key()
                .into_iter()
                .chain([private_key.key()])
                .collect(),
        }
    }

    /// Builds the strategy from resolved secrets. A key absent from `secrets` is an
    /// [`crate::Error::Secrets`] naming every missing key of this strategy.
    pub fn build(&self, secrets: &SecretValues) -> Result<SharedAuth> {
        secrets.require(&self.secret_keys())?;
        Ok(match self {
            AuthSpec::None => shared(NoAuth),
            AuthSpec::Bearer { token } => {
                shared(BearerToken::new(secrets.get(token.key())?.clone()))
            }
            AuthSpec::ApiKey {
                name,
                api_key,
                location,
            } => shared(
                ApiKey::new(secrets.get(api_key.key())?.clone())
                    .name(name.clone())
                    .location(*location),
            ),
            AuthSpec::HttpBasic { username, password } => shared(HttpBasic::new(
                username.value(secrets)?,
                secrets.get(password.key())?.clone(),
            )),
            AuthSpec::OAuth2ClientCredentials {
                access_token_url,
                client_id,
                client_secret,
                scope,
                audience,
                client_auth,
                default_token_expiration,
            } => {
                let mut auth = OAuth2ClientCredentials::new(
                    access_token_url.clone(),
                    client_id.value(secrets)?,
                    secrets.get(client_secret.key())?.clone(),
                )
                .client_auth(*client_auth);
                if let Some(scope) = scope {
                    auth = auth.scope(scope.clone());
                }
                if let Some(audience) = audience {
                    auth = auth.audience(audience.clone());
                }
                if let Some(secs) = default_token_expiration {
                    auth = auth.default_token_expiration(Duration::from_secs(*secs));
                }
                shared(auth)
            }
            AuthSpec::OAuth2RefreshToken {
                access_token_url,
                client_id,
                client_secret,
                refresh_token,
                scope,
                client_auth,
                default_token_expiration,
                token_store,
                token_body,
                access_token_path,
                expires_in_path,
                expires_at_path,
                refresh_token_path,
            } => {
                let url = access_token_url.clone();
                let id = client_id.value(secrets)?;
                let refresh = secrets.get(refresh_token.key())?.clone();
                let mut auth = match client_secret {
                    Some(s) => {
                        OAuth2RefreshToken::new(url, id, secrets.get(s.key())?.clone(), refresh)
                    }
                    None => OAuth2RefreshToken::public_client(url, id, refresh),
                }
                .client_auth(*client_auth)
                .token_endpoint(token_endpoint(
                    *token_body,
                    access_token_path,
                    expires_in_path,
                    expires_at_path,
                    refresh_token_path,
                ));
                if let Some(scope) = scope {
                    auth = auth.scope(scope.clone());
                }
                if let Some(secs) = default_token_expiration {
                    auth = auth.default_token_expiration(Duration::from_secs(*secs));
                }
                if let Some(path) = token_store {
                    auth = auth.token_store(FileTokenStore::new(path));
                }
                shared(auth)
            }
            AuthSpec::SessionToken {
                login_url,
                credentials,
                body,
                token_path,
                token_header,
                token_cookie,
                location,
                name,
                prefix,
                ttl,
                expires_in_path,
                expires_at_path,
            } => {
                let mut auth = SessionToken::new(login_url.clone());
                for (field, value) in credentials {
                    auth = auth.credential(field.clone(), value.value(secrets)?);
                }
                if *body == Some(TokenRequestFormat::Form) {
                    auth = auth.form_body();
                }
                auth = match (token_path, token_header, token_cookie) {
                    (Some(p), None, None) => auth.token_path(p.clone()),
                    (None, Some(h), None) => auth.token_header(h.clone()),
                    (None, None, Some(c)) => auth.token_cookie(c.clone()),
                    _ => {
                        return Err(Error::Config(
                            "session_token: give exactly one of `token_path`, `token_header` or \
                             `token_cookie` (where the login response holds the token)"
                                .into(),
                        ));
                    }
                };
                auth = auth.placement(session_placement(
                    *location,
                    name.as_deref(),
                    prefix.as_deref(),
                )?);
                if let Some(secs) = ttl {
                    auth = auth.ttl(Duration::from_secs(*secs));
                }
                if let Some(p) = expires_in_path {
                    auth = auth.expires_in_path(p.clone());
                }
                if let Some(p) = expires_at_path {
                    auth = auth.expires_at_path(p.clone());
                }
                shared(auth)
            }
            AuthSpec::OAuth2JwtBearer {
                access_token_url,
                issuer,
                private_key,
                subject,
                audience,
                scope,
                key_id,
                default_token_expiration,
                token_body,
                access_token_path,
                expires_in_path,
                expires_at_path,
            } => {
                let mut auth = OAuth2JwtBearer::new(
                    access_token_url.clone(),
                    issuer.value(secrets)?.expose().to_owned(),
                    secrets.get(private_key.key())?.clone(),
                )
                .token_endpoint(token_endpoint(
                    *token_body,
                    access_token_path,
                    expires_in_path,
                    expires_at_path,
                    &None,
                ));
                if let Some(s) = subject {
                    auth = auth.subject(s.clone());
                }
                if let Some(a) = audience {
                    auth = auth.audience(a.clone());
                }
                if let Some(s) = scope {
                    auth = auth.scope(s.clone());
                }
                if let Some(k) = key_id {
                    auth = auth.key_id(k.clone());
                }
                if let Some(secs) = default_token_expiration {
                    auth = auth.default_token_expiration(Duration::from_secs(*secs));
                }
                shared(auth)
            }
        })
    }

    /// The token (or login) endpoint of a strategy that has one.
    pub fn token_url(&self) -> Option<&str> {
        match self {
            AuthSpec::OAuth2ClientCredentials {
                access_token_url, ..
            }
            | AuthSpec::OAuth2RefreshToken {
                access_token_url, ..
            }
            | AuthSpec::OAuth2JwtBearer {
                access_token_url, ..
            } => Some(access_token_url),
            AuthSpec::SessionToken { login_url, .. } => Some(login_url),
            _ => None,
        }
    }
}

/// Where a session token goes: nothing given is `Authorization: Bearer <token>`; a header
/// name defaults to `Authorization`, and the `Bearer ` prefix applies only to that header
/// when no prefix is given. Other locations need a name.
fn session_placement(
    location: Option<ApiKeyLocation>,
    name: Option<&str>,
    prefix: Option<&str>,
) -> Result<Placement> {
    let location = location.unwrap_or_default();
    let name = match (location, name) {
        (_, Some(n)) => n,
        (ApiKeyLocation::Header, None) => "Authorization",
        (other, None) => {
            let l = format!("{other:?}").to_ascii_lowercase();
            return Err(Error::Config(format!(
                "session_token: `location = {l}` needs a `name` (the {l} name the token is sent under)"
            )));
        }
    };
    let default_prefix =
        location == ApiKeyLocation::Header && name.eq_ignore_ascii_case("authorization");
    let prefix = prefix.unwrap_or(if default_prefix { "Bearer " } else { "" });
    Ok(Placement::new(location, name).prefix(prefix))
}

/// Secret values by key, for one source. `Debug` shows the keys only.
#[derive(Clone, Default)]
pub struct SecretValues {
    source: Option<String>,
    values: BTreeMap<String, Secret>,
}

impl fmt::Debug for SecretValues {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SecretValues")
            .field("source", &self.source)
            .field("keys", &self.values.keys().collect::<Vec<_>>())
            .finish()
    }
}

impl SecretValues {
    /// An empty set for `source` (named in errors).
    pub fn new(source: impl Into<String>) -> Self {
        SecretValues {
            source: Some(source.into()),
            values: BTreeMap::new(),
        }
    }

    /// Adds (or replaces) `key`.
    pub fn insert(&mut self, key: impl Into<String>, value: Secret) {
        self.values.insert(key.into(), value);
    }

    /// Adds (or replaces) `key`, builder style.
    pub fn with(mut self, key: impl Into<String>, value: Secret) -> Self {
        self.insert(key, value);
        self
    }

    /// The value of `key`, or an error naming it.
    pub fn get(&self, key: &str) -> Result<&Secret> {
        match self.values.get(key) {
            Some(value) => Ok(value),
            None => Err(self.missing(&[key])),
        }
    }

    /// Fails with one error naming every key of `keys` that is absent.
    pub fn require(&self, keys: &[&str]) -> Result<()> {
        let absent: Vec<&str> = keys
            .iter()
            .copied()
            .filter(|k| !self.values.contains_key(*k))
            .collect();
        if absent.is_empty() {
            Ok(())
        } else {
            Err(self.missing(&absent))
        }
    }

    /// One error naming every absent key. (Resolving from the environment and files is
    /// [`crate::SecretResolver`]'s job, whose error lists every place tried; this set only
    /// holds values already resolved, so a gap here is a wiring mistake.)
    fn missing(&self, keys: &[&str]) -> crate::Error {
        let list: Vec<String> = keys.iter().map(|k| format!("`{k}`")).collect();
        let source = match &self.source {
            Some(source) => format!(" of source `{source}`"),
            None => String::new(),
        };
        crate::Error::Config(format!(
            "no value given for secret{} {}{source}; resolve them with `SecretResolver` or add them to the `SecretValues`",
            if keys.len() == 1 { "" } else { "s" },
            list.join(", ")
        ))
    }
}

/// A custom auth strategy (an [`crate::Auth`], or an [`crate::OAuth2Flow`] that gets
/// caching and refresh from [`crate::OAuth2`]) that can be built from secrets, so
/// `#[rest_source]` can use it: `auth = custom(type = MyLogin, username = secret("login_user"))`
/// or `auth = custom(flow = MyGrant, …)`. The macro passes each named argument's secret under
/// the argument's name (`username`).
///
/// ```
/// use rest_source_runtime::spec::{FromSecrets, SecretValues};
/// use rest_source_runtime::{Auth, AuthContext, Result, Secret};
/// use rest_source_runtime::reqwest::{Request, header::HeaderValue};
///
/// struct Tenant(Secret);
///
/// impl FromSecrets for Tenant {
///     fn from_secrets(secrets: &SecretValues) -> Result<Self> {
///         Ok(Tenant(secrets.get("tenant")?.clone()))
///     }
/// }
///
/// impl Auth for Tenant {
///     async fn sign(&self, request: &mut Request, _cx: &AuthContext) -> Result<()> {
///         let mut value = HeaderValue::from_str(self.0.expose()).expect("checked");
///         value.set_sensitive(true);
///         request.headers_mut().insert("x-tenant", value);
///         Ok(())
///     }
///     fn scheme(&self) -> &'static str { "tenant" }
/// }
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be built from secrets: it does not implement `FromSecrets`",
    label = "named in `custom(...)` here",
    note = "implement `rest_source::FromSecrets` for `{Self}` to receive the `secret(\"…\")` arguments given in `custom(...)`"
)]
pub trait FromSecrets: Sized {
    /// Builds the strategy; read each credential with [`SecretValues::get`].
    fn from_secrets(secrets: &SecretValues) -> Result<Self>;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deserialises_dlt_type_names_with_defaults() {
        let spec: AuthSpec =
            serde_json::from_str(r#"{ "type": "api_key", "api_key": { "secret": "k" } }"#).unwrap();
        assert_eq!(
            spec,
            AuthSpec::ApiKey {
                name: "Authorization".into(),
                api_key: SecretRef("k".into()),
                location: ApiKeyLocation::Header
            }
        );
        let basic: AuthSpec = serde_json::from_str(
            r#"{ "type": "http_basic", "username": "me", "password": "pw_key" }"#,
        )
        .unwrap();
        assert_eq!(basic.secret_keys(), ["pw_key"]);
        let oauth: AuthSpec = serde_json::from_str(
            r#"{ "type": "oauth2_client_credentials", "access_token_url": "https://a.example/token",
                 "client_id": { "secret": "id" }, "client_secret": "secret", "client_auth": "basic" }"#,
        )
        .unwrap();
        assert_eq!(oauth.secret_keys(), ["id", "secret"]);
        assert_eq!(oauth.type_name(), "oauth2_client_credentials");
    }

    #[test]
    fn non_standard_flows_deserialise_with_their_secret_keys() {
        let refresh: AuthSpec = serde_json::from_value(serde_json::json!({
            "type": "oauth2_refresh_token", "access_token_url": "https://a.example/token",
            "client_id": "app", "refresh_token": "rt", "token_store": "tokens.json",
            "token_body": "json", "access_token_path": "data.token"
        }))
        .unwrap();
        assert_eq!(refresh.type_name(), "oauth2_refresh_token");
        assert_eq!(refresh.secret_keys(), ["rt"]);
        assert_eq!(refresh.token_url(), Some("https://a.example/token"));
        let session: AuthSpec = serde_json::from_value(serde_json::json!({
            "type": "session_token", "login_url": "https://a.example/login",
            "credentials": {"username": "bot", "password": {"secret": "pw"}},
            "token_path": "data.token", "prefix": "Token "
        }))
        .unwrap();
        assert_eq!(session.secret_keys(), ["pw"]);
        let jwt: AuthSpec = serde_json::from_value(serde_json::json!({
            "type": "oauth2_jwt_bearer", "access_token_url": "https://a.example/token",
            "issuer": "svc@example.com", "private_key": "pem", "scope": "read"
        }))
        .unwrap();
        assert_eq!(jwt.secret_keys(), ["pem"]);
        let unknown = serde_json::from_value::<AuthSpec>(serde_json::json!({
            "type": "oauth2_jwt_bearer", "access_token_url": "https://a.example/token",
            "issuer": "i", "private_key": "pem", "scpoe": "read"
        }))
        .unwrap_err();
        assert!(unknown.to_string().contains("scpoe"), "{unknown}");
    }

    #[test]
    fn session_token_needs_one_token_source_and_a_name_off_the_header() {
        let values = SecretValues::new("s").with("pw", Secret::new("canary-5"));
        let spec = |extra: serde_json::Value| {
            let mut v = serde_json::json!({
                "type": "session_token", "login_url": "https://a.example/login",
                "credentials": {"password": {"secret": "pw"}}
            });
            v.as_object_mut()
                .unwrap()
                .extend(extra.as_object().unwrap().clone());
            serde_json::from_value::<AuthSpec>(v).unwrap()
        };
        let err = |s: AuthSpec| match s.build(&values) {
            Err(e) => e.to_string(),
            Ok(_) => panic!("built"),
        };
        assert!(err(spec(serde_json::json!({}))).contains("exactly one of `token_path`"));
        assert!(
            err(spec(
                serde_json::json!({"token_path": "t", "token_header": "X-T"})
            ))
            .contains("exactly one of")
        );
        let e = err(spec(
            serde_json::json!({"token_path": "t", "location": "query"}),
        ));
        assert!(e.contains("`location = query` needs a `name`"), "{e}");
        assert!(!e.contains("canary-5"));
        assert!(
            spec(serde_json::json!({"token_cookie": "sid", "location": "cookie", "name": "sid"}))
                .build(&values)
                .is_ok()
        );
    }

    #[test]
    fn session_placement_defaults() {
        assert_eq!(
            session_placement(None, None, None).unwrap(),
            Placement::bearer()
        );
        assert_eq!(
            session_placement(None, None, Some("Token ")).unwrap(),
            Placement::header("Authorization").prefix("Token ")
        );
        assert_eq!(
            session_placement(None, Some("X-Session"), None).unwrap(),
            Placement::header("X-Session")
        );
        assert_eq!(
            session_placement(Some(ApiKeyLocation::Body), Some("sid"), None).unwrap(),
            Placement::body("sid")
        );
    }

    #[test]
    fn build_names_every_missing_key_at_once() {
        let spec = AuthSpec::HttpBasic {
            username: MaybeSecret::Secret {
                secret: "user".into(),
            },
            password: SecretRef("pass".into()),
        };
        let Err(err) = spec.build(&SecretValues::new("crm")) else {
            panic!("built without secrets")
        };
        let err = err.to_string();
        assert!(
            err.contains("no value given for secrets `user`, `pass` of source `crm`"),
            "{err}"
        );
    }

    #[test]
    fn debug_of_values_shows_keys_not_values() {
        let values = SecretValues::new("crm").with("token", Secret::new("canary-77"));
        let shown = format!("{values:?}");
        assert!(
            shown.contains("token") && !shown.contains("canary-77"),
            "{shown}"
        );
    }
}
