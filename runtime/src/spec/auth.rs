//! Building an [`AuthSpec`] into the strategy that signs requests, from resolved secret
//! values: the runtime half of the source model (the data lives in `rest-source-spec`).
//!
//! ```
//! use rest_source_runtime::spec::{AuthSpec, BuildAuth, SecretValues};
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
use std::time::Duration;

pub use rest_source_spec::auth::*;

use crate::auth::{
    ApiKey, BearerToken, HttpBasic, NoAuth, OAuth2ClientCredentials, OAuth2JwtBearer,
    OAuth2RefreshToken, Placement, SessionToken, SharedAuth, TokenEndpoint, shared,
};
use crate::{Error, Result, Secret};

/// The value of a [`MaybeSecret`]: its plain text, or the secret it names.
pub fn maybe_secret_value(value: &MaybeSecret, secrets: &SecretValues) -> Result<Secret> {
    match value {
        MaybeSecret::Secret { secret } => secrets.get(secret).cloned(),
        MaybeSecret::Plain(value) => Ok(Secret::new(value.clone())),
    }
}

/// Builds a built-in [`AuthSpec`] into its strategy (`spec.build(&secrets)`).
pub trait BuildAuth {
    /// Builds the strategy from resolved secrets. A key absent from `secrets` is an
    /// [`crate::Error::Config`] naming every missing key of this strategy; a
    /// [`AuthSpec::Custom`] strategy is code, built by the `#[rest_source]` expansion, and
    /// an error here.
    fn build(&self, secrets: &SecretValues) -> Result<SharedAuth>;
}

impl BuildAuth for AuthSpec {
    fn build(&self, secrets: &SecretValues) -> Result<SharedAuth> {
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
                maybe_secret_value(username, secrets)?,
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
                access_token_request_data,
            } => {
                let mut auth = OAuth2ClientCredentials::new(
                    access_token_url.clone(),
                    maybe_secret_value(client_id, secrets)?,
                    secrets.get(client_secret.key())?.clone(),
                )
                .client_auth(*client_auth);
                if let Some(scope) = scope {
                    auth = auth.scope(scope.clone());
                }
                if let Some(audience) = audience {
                    auth = auth.audience(audience.clone());
                }
                for (name, value) in access_token_request_data {
                    auth = auth.extra_param(name.clone(), value.clone());
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
                let id = maybe_secret_value(client_id, secrets)?;
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
                if let Some(location) = token_store {
                    auth = auth.shared_token_store(crate::shared_store::token_store_at(location)?);
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
                    auth = auth.credential(field.clone(), maybe_secret_value(value, secrets)?);
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
                    maybe_secret_value(issuer, secrets)?.expose().to_owned(),
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
            AuthSpec::Custom(custom) => {
                return Err(Error::Config(format!(
                    "custom auth `{}` is code: build the source through its `#[rest_source]` struct",
                    custom.type_name
                )));
            }
        })
    }
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

    /// The source these values belong to (named in errors).
    pub fn source(&self) -> Option<&str> {
        self.source.as_deref()
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
    note = "implement `rest_source::spec::FromSecrets` for `{Self}` to receive the `secret(\"…\")` arguments given in `custom(...)`"
)]
pub trait FromSecrets: Sized {
    /// Builds the strategy; read each credential with [`SecretValues::get`].
    fn from_secrets(secrets: &SecretValues) -> Result<Self>;
}

#[cfg(test)]
mod tests {
    use super::*;

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
