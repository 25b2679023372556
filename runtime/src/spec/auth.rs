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
    SharedAuth, shared,
};
use crate::{Result, Secret};

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
        })
    }
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
