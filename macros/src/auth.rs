//! The auth forms as the macro's model, with dlt's `type` names (read from the attribute in
//! `args/auth.rs`):
//! `bearer(token = …)`, `api_key(name = …, api_key = …, location = …)`,
//! `http_basic(username = …, password = …)`, `oauth2_client_credentials(…)`, the
//! non-standard flows `oauth2_refresh_token(…)`, `oauth2_jwt_bearer(…)` and
//! `session_token(…)`, `custom(MyAuth, arg = secret("…"), setting = "…", …)` /
//! `custom(flow = MyGrant, …)` and `none`.

use quote::ToTokens;
use syn::{Ident, LitInt, LitStr};

use crate::ast::SecretLit;
use crate::attr::Value;

/// One auth as written: `#[rest_source(auth = …)]` or `#[auth(…)]`.
#[derive(Clone)]
pub struct AuthDef {
    pub form: AuthForm,
    /// The form as written, spans dropped: equal texts share one strategy.
    pub text: String,
}

/// How a token endpoint differs from RFC 6749 (flat keys of the OAuth2 forms).
#[derive(Clone, Default)]
pub struct TokenShape {
    /// `token_body = json|form`.
    pub token_body: Option<Ident>,
    pub access_token_path: Option<LitStr>,
    pub expires_in_path: Option<LitStr>,
    pub expires_at_path: Option<LitStr>,
    pub refresh_token_path: Option<LitStr>,
}

#[derive(Clone)]
pub enum AuthForm {
    None,
    Bearer {
        token: SecretLit,
    },
    ApiKey {
        name: Option<LitStr>,
        api_key: SecretLit,
        location: Option<Ident>,
    },
    HttpBasic {
        username: Value,
        password: SecretLit,
    },
    OAuth2ClientCredentials {
        access_token_url: LitStr,
        client_id: Value,
        client_secret: SecretLit,
        scope: Option<LitStr>,
        audience: Option<LitStr>,
        client_auth: Option<Ident>,
        default_token_expiration: Option<LitInt>,
    },
    OAuth2RefreshToken {
        access_token_url: LitStr,
        client_id: Value,
        client_secret: Option<SecretLit>,
        refresh_token: SecretLit,
        scope: Option<LitStr>,
        client_auth: Option<Ident>,
        default_token_expiration: Option<LitInt>,
        token_store: Option<LitStr>,
        shape: TokenShape,
    },
    SessionToken {
        login_url: LitStr,
        /// Login fields: name and value.
        credentials: Vec<(Ident, Value)>,
        body: Option<Ident>,
        token_path: Option<LitStr>,
        token_header: Option<LitStr>,
        token_cookie: Option<LitStr>,
        location: Option<Ident>,
        name: Option<LitStr>,
        prefix: Option<LitStr>,
        ttl: Option<LitInt>,
        expires_in_path: Option<LitStr>,
        expires_at_path: Option<LitStr>,
    },
    OAuth2JwtBearer {
        access_token_url: LitStr,
        issuer: Value,
        private_key: SecretLit,
        subject: Option<LitStr>,
        audience: Option<LitStr>,
        scope: Option<LitStr>,
        key_id: Option<LitStr>,
        default_token_expiration: Option<LitInt>,
        shape: TokenShape,
    },
    /// A user type implementing `Auth` + `FromSecrets` (`type = …`), or `OAuth2Flow` +
    /// `FromSecrets` (`flow = …`, wrapped in the runtime's caching `OAuth2`); each other
    /// argument is passed under its name: a `secret("…")` (required when the name says
    /// credential) or a plain string (`token_url = "…"`).
    Custom {
        ty: syn::Type,
        flow: bool,
        args: Vec<(Ident, Value)>,
    },
}

pub const AUTH_TYPES: &[&str] = &[
    "bearer",
    "api_key",
    "http_basic",
    "oauth2_client_credentials",
    "oauth2_refresh_token",
    "oauth2_jwt_bearer",
    "session_token",
    "custom",
    "none",
];

impl AuthDef {
    /// Every secret this auth reads, in order.
    pub fn secrets(&self) -> Vec<&SecretLit> {
        fn value(v: &Value) -> Option<&SecretLit> {
            match v {
                Value::Secret(s) => Some(s),
                Value::Plain(_) => None,
            }
        }
        match &self.form {
            AuthForm::None => vec![],
            AuthForm::Bearer { token } => vec![token],
            AuthForm::ApiKey { api_key, .. } => vec![api_key],
            AuthForm::HttpBasic { username, password } => {
                value(username).into_iter().chain([password]).collect()
            }
            AuthForm::OAuth2ClientCredentials {
                client_id,
                client_secret,
                ..
            } => value(client_id)
                .into_iter()
                .chain([client_secret])
                .collect(),
            AuthForm::OAuth2RefreshToken {
                client_id,
                client_secret,
                refresh_token,
                ..
            } => value(client_id)
                .into_iter()
                .chain(client_secret)
                .chain([refresh_token])
                .collect(),
            AuthForm::SessionToken { credentials, .. } => {
                credentials.iter().filter_map(|(_, v)| value(v)).collect()
            }
            AuthForm::OAuth2JwtBearer {
                issuer,
                private_key,
                ..
            } => value(issuer).into_iter().chain([private_key]).collect(),
            AuthForm::Custom { args, .. } => args.iter().filter_map(|(_, a)| value(a)).collect(),
        }
    }

    /// A canonical text of the form (spans ignored): equal texts are one auth, sharing one
    /// strategy instance and so one token cache.
    pub fn identity(&self) -> String {
        let v = |v: &Value| match v {
            Value::Plain(l) => format!("{:?}", l.value()),
            Value::Secret(s) => format!("secret({:?})", s.key()),
        };
        let o = |l: &Option<LitStr>| l.as_ref().map(LitStr::value);
        let i = |l: &Option<Ident>| l.as_ref().map(Ident::to_string);
        match &self.form {
            AuthForm::None => "none".into(),
            AuthForm::Bearer { token } => format!("bearer({})", token.key()),
            AuthForm::ApiKey {
                name,
                api_key,
                location,
            } => format!("api_key({:?},{},{:?})", o(name), api_key.key(), i(location)),
            AuthForm::HttpBasic { username, password } => {
                format!("http_basic({},{})", v(username), password.key())
            }
            AuthForm::OAuth2ClientCredentials {
                access_token_url,
                client_id,
                client_secret,
                scope,
                audience,
                client_auth,
                default_token_expiration,
            } => format!(
                "oauth2({:?},{},{},{:?},{:?},{:?},{:?})",
                access_token_url.value(),
                v(client_id),
                client_secret.key(),
                o(scope),
                o(audience),
                i(client_auth),
                default_token_expiration.as_ref().map(|l| l.to_string())
            ),
            AuthForm::OAuth2RefreshToken { .. }
            | AuthForm::SessionToken { .. }
            | AuthForm::OAuth2JwtBearer { .. } => self.text.clone(),
            AuthForm::Custom { ty, flow, args } => {
                let args: Vec<String> = args.iter().map(|(k, a)| format!("{k}={}", v(a))).collect();
                format!("custom({flow},{},{})", ty.to_token_stream(), args.join(","))
            }
        }
    }
}

/// Whether an argument of `custom(…)` is a credential by its name, so a literal is refused:
/// its last `_`-separated word is one (`token`, `refresh_token`, `api_key`,
/// `client_secret`, `password`, …), or it says `password`/`secret` anywhere. Settings that
/// merely mention one (`token_url`, `token_store`, `key_id`) are not.
pub fn names_a_credential(name: &str) -> bool {
    const WORDS: &[&str] = &[
        "token",
        "key",
        "secret",
        "password",
        "passwd",
        "pass",
        "pwd",
        "passphrase",
        "pin",
        "otp",
        "assertion",
        "credential",
        "credentials",
    ];
    let lower = name.to_ascii_lowercase();
    let last = lower.rsplit('_').next().unwrap_or_default();
    WORDS.contains(&last)
        || ["password", "secret"].iter().any(|w| lower.contains(w))
        || ["token", "key"].iter().any(|w| last.ends_with(w))
}

#[cfg(test)]
mod tests {
    use super::names_a_credential;

    #[test]
    fn custom_arguments_named_like_credentials_are_credentials() {
        for name in [
            "token",
            "refresh_token",
            "api_key",
            "apikey",
            "client_secret",
            "secret",
            "password",
            "db_password_file",
            "private_key",
            "passphrase",
            "otp",
        ] {
            assert!(names_a_credential(name), "{name}");
        }
        for name in [
            "token_url",
            "token_store",
            "key_id",
            "access_token_url",
            "scope",
            "tenant",
            "client_id",
            "username",
            "token_path",
        ] {
            assert!(!names_a_credential(name), "{name}");
        }
    }
}
