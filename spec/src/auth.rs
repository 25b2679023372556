//! [`AuthSpec`]: an auth strategy described as data, with credentials referenced by secret
//! key (never by value), using dlt's `type` names. Turning it into a strategy that signs
//! requests is the runtime's job (`rest_source_runtime::spec::BuildAuth`).
//!
//! ```
//! use rest_source_spec::AuthSpec;
//!
//! let spec: AuthSpec = serde_json::from_str(
//!     r#"{ "type": "api_key", "name": "X-Key", "api_key": "crm_key", "location": "query" }"#,
//! ).unwrap();
//! assert_eq!(spec.secret_keys(), ["crm_key"]);
//! assert_eq!(spec.type_name(), "api_key");
//! ```

use std::collections::BTreeMap;

use serde::Deserialize;

/// Where an API key (or a session token) is put.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ApiKeyLocation {
    /// A request header (the default).
    #[default]
    Header,
    /// A query-string parameter (redacted from every printed URL).
    Query,
    /// A cookie.
    Cookie,
    /// A field of the JSON or form request body (JSON objects get the field, forms get the
    /// pair appended, a bodyless request gets a JSON object).
    Body,
}

/// How the client authenticates to the token endpoint (RFC 6749 §2.3.1).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ClientAuth {
    /// `client_id` and `client_secret` as form fields of the token request (the default, as
    /// in dlt).
    #[default]
    Body,
    /// `Authorization: Basic base64(client_id:client_secret)` (the values are sent as they
    /// are, not form-encoded first, as most providers and dlt expect).
    Basic,
}

/// How the token request's parameters are encoded.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TokenRequestFormat {
    /// `application/x-www-form-urlencoded`, as RFC 6749 says (the default).
    #[default]
    Form,
    /// A JSON object of strings (`{"grant_type": "…", …}`).
    Json,
}

/// A custom strategy of a `#[rest_source]` struct (`custom(MyAuth, …)` or
/// `custom(flow = MyGrant, …)`): code, not data, so a config never loads one. Two equal
/// values (the same type, the same arguments in any order) are one strategy.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CustomAuthSpec {
    /// The type as written (`MyAuth`, `crate::auth::MyGrant`); the generated code maps it back
    /// to the type.
    pub type_name: String,
    /// `true` for `custom(flow = …)`: an `OAuth2Flow` wrapped in the runtime's caching
    /// `OAuth2`.
    pub flow: bool,
    /// The named arguments, each handed to `FromSecrets` under its name.
    pub args: BTreeMap<String, MaybeSecret>,
}

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
    /// The secret key, when the value comes from the secrets.
    pub fn secret_key(&self) -> Option<&str> {
        match self {
            MaybeSecret::Secret { secret } => Some(secret),
            MaybeSecret::Plain(_) => None,
        }
    }
}

/// An auth strategy as data; `type` names follow dlt's REST API source.
///
/// Exhaustive on purpose: the runtime and the macro match every variant, so a new one is a
/// compile error wherever it must be handled.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
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
        /// dlt's `access_token_request_data` beyond `scope` and `audience`: more form fields
        /// of the token request (a field named like a standard one, such as `grant_type`,
        /// replaces it, as in dlt).
        #[serde(default)]
        access_token_request_data: BTreeMap<String, String>,
    },
    /// OAuth2 refresh-token grant with rotation ((the runtime's `OAuth2RefreshToken`)): the initial refresh
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
        /// Where rotated refresh tokens are kept: a JSON file path or `file://` URL (the
        /// runtime's `FileTokenStore`), or `s3://…`, `gs://…`, `az://…`, `memory://…` (its
        /// `SharedTokenStore`, shared by workers); absent: kept in memory only (lost on
        /// restart).
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
    /// Log in, then send the session token ((the runtime's `SessionToken`)).
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
    /// OAuth2 JWT bearer grant (RFC 7523, service accounts) ((the runtime's `OAuth2JwtBearer`)).
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
    /// A custom strategy of a `#[rest_source]` struct (never loaded from a config).
    #[serde(skip)]
    Custom(CustomAuthSpec),
}

fn default_api_key_name() -> String {
    "Authorization".to_owned()
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
            AuthSpec::Custom(_) => "custom",
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
            AuthSpec::Custom(custom) => custom
                .args
                .values()
                .filter_map(MaybeSecret::secret_key)
                .collect(),
        }
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
}
