//! The auth forms, with dlt's `type` names, and how each is read from the attribute:
//! `bearer(token = …)`, `api_key(name = …, api_key = …, location = …)`,
//! `http_basic(username = …, password = …)`, `oauth2_client_credentials(…)`, the
//! non-standard flows `oauth2_refresh_token(…)`, `oauth2_jwt_bearer(…)` and
//! `session_token(…)`, `custom(MyAuth, arg = secret("…"), setting = "…", …)` /
//! `custom(flow = MyGrant, …)` and `none`.

use quote::ToTokens;
use syn::ext::IdentExt;
use syn::punctuated::Punctuated;
use syn::{Expr, Ident, LitInt, LitStr, Meta, Token};

use crate::ast::SecretLit;
use crate::attr::{self, Seen, Value};
use crate::ctxt::Ctxt;
use crate::suggest;
use rest_source_spec::ApiKeyLocation;
use rest_source_spec::validate::auth as auth_rules;

/// One auth as written: `#[rest_source(auth = …)]` or `#[auth(…)]`.
#[derive(Clone, Debug)]
pub struct AuthDef {
    pub form: AuthForm,
    /// The form as written, spans dropped: equal texts share one strategy.
    pub text: String,
}

/// How a token endpoint differs from RFC 6749 (flat keys of the OAuth2 forms).
#[derive(Clone, Debug, Default)]
pub struct TokenShape {
    /// `token_body = json|form`.
    pub token_body: Option<Ident>,
    pub access_token_path: Option<LitStr>,
    pub expires_in_path: Option<LitStr>,
    pub expires_at_path: Option<LitStr>,
    pub refresh_token_path: Option<LitStr>,
}

#[derive(Clone, Debug)]
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

/// Arguments of each form: (name, required).
fn arguments(kind: &str) -> &'static [(&'static str, bool)] {
    match kind {
        "bearer" => &[("token", true)],
        "api_key" => &[("name", false), ("api_key", true), ("location", false)],
        "http_basic" => &[("username", true), ("password", true)],
        "oauth2_client_credentials" => &[
            ("access_token_url", true),
            ("client_id", true),
            ("client_secret", true),
            ("scope", false),
            ("audience", false),
            ("client_auth", false),
            ("default_token_expiration", false),
        ],
        "oauth2_refresh_token" => &[
            ("access_token_url", true),
            ("client_id", true),
            ("client_secret", false),
            ("refresh_token", true),
            ("scope", false),
            ("client_auth", false),
            ("default_token_expiration", false),
            ("token_store", false),
            ("token_body", false),
            ("access_token_path", false),
            ("expires_in_path", false),
            ("expires_at_path", false),
            ("refresh_token_path", false),
        ],
        "oauth2_jwt_bearer" => &[
            ("access_token_url", true),
            ("issuer", true),
            ("private_key", true),
            ("subject", false),
            ("audience", false),
            ("scope", false),
            ("key_id", false),
            ("default_token_expiration", false),
            ("token_body", false),
            ("access_token_path", false),
            ("expires_in_path", false),
            ("expires_at_path", false),
        ],
        "session_token" => &[
            ("login_url", true),
            ("credentials", false),
            ("body", false),
            ("token_path", false),
            ("token_header", false),
            ("token_cookie", false),
            ("location", false),
            ("name", false),
            ("prefix", false),
            ("ttl", false),
            ("expires_in_path", false),
            ("expires_at_path", false),
        ],
        _ => &[],
    }
}

pub const LOCATIONS: &[&str] = &["header", "query", "cookie", "body"];
pub const BODIES: &[&str] = &["json", "form"];
/// Login-field names whose value must come from the secrets (a literal is refused).
const SECRET_FIELD_HINTS: &[&str] = &["pass", "secret", "token", "key", "pin", "otp"];
pub const CLIENT_AUTHS: &[&str] = &["body", "basic"];

impl AuthDef {
    pub fn parse(cx: &Ctxt, meta: &Meta) -> Option<AuthDef> {
        let kind = attr::meta_key(cx, meta)?;
        let name = kind.to_string();
        if !AUTH_TYPES.contains(&name.as_str()) {
            cx.error_spanned_by(&kind, suggest::unknown("auth type", &name, AUTH_TYPES));
            return None;
        }
        let metas = match meta {
            Meta::List(list) => {
                match list.parse_args_with(Punctuated::<Meta, Token![,]>::parse_terminated) {
                    Ok(m) => m.into_iter().collect(),
                    Err(e) => {
                        cx.push(e);
                        return None;
                    }
                }
            }
            Meta::Path(_) => Vec::new(),
            Meta::NameValue(_) => {
                cx.error_spanned_by(meta, format!("expected `{name}(…)`"));
                return None;
            }
        };
        if name == "none" {
            if let Some(first) = metas.first() {
                cx.error_spanned_by(first, "`none` takes no arguments");
            }
            return Some(AuthDef {
                form: AuthForm::None,
                text: "none".into(),
            });
        }
        if name == "custom" {
            return parse_custom(cx, kind, &metas);
        }
        let allowed = arguments(&name);
        let allowed_names: Vec<&str> = allowed.iter().map(|(n, _)| *n).collect();
        let mut seen = Seen::default();
        let mut given: Vec<(Ident, &Expr)> = Vec::new();
        let mut lists: Vec<(Ident, &syn::MetaList)> = Vec::new();
        // A misspelt argument is reported once, as the typo (not also as missing).
        let mut suggested: Vec<&str> = Vec::new();
        for m in &metas {
            let Some(key) = attr::meta_key(cx, m) else {
                continue;
            };
            if !allowed_names.contains(&key.to_string().as_str()) {
                let what = format!("`{name}` argument");
                cx.error_spanned_by(
                    &key,
                    suggest::unknown(&what, &key.to_string(), &allowed_names),
                );
                suggested.extend(suggest::did_you_mean(
                    &key.to_string(),
                    allowed_names.iter().copied(),
                ));
                continue;
            }
            if !seen.first(cx, &key) {
                continue;
            }
            match m {
                Meta::NameValue(nv) => given.push((key, &nv.value)),
                Meta::List(list) if key == "credentials" => lists.push((key, list)),
                _ if key == "credentials" => cx.error_spanned_by(
                    m,
                    "expected `credentials(username = secret(\"user\"), password = secret(\"password\"))`",
                ),
                _ => cx.error_spanned_by(m, format!("expected `{key} = …`")),
            }
        }
        let missing: Vec<&str> = allowed
            .iter()
            .filter(|(arg, required)| {
                *required && !given.iter().any(|(k, _)| k == arg) && !suggested.contains(arg)
            })
            .map(|(arg, _)| *arg)
            .collect();
        if !missing.is_empty() {
            let list: Vec<String> = missing.iter().map(|m| format!("`{m}`")).collect();
            cx.error_spanned_by(
                &kind,
                format!(
                    "`{name}` is missing required argument{} {}",
                    if missing.len() == 1 { "" } else { "s" },
                    list.join(", ")
                ),
            );
            // Still read the given arguments: their own mistakes are reported too.
        }
        let get = |arg: &str| given.iter().find(|(k, _)| k == arg);
        let credential = |arg: &str| get(arg).and_then(|(k, e)| attr::credential(cx, k, e));
        let string = |arg: &str| get(arg).and_then(|(_, e)| attr::expr_str(cx, e));
        let value = |arg: &str| get(arg).and_then(|(_, e)| attr::value(cx, e));
        let int = |arg: &str| {
            get(arg).and_then(|(_, e)| match e {
                Expr::Lit(syn::ExprLit {
                    lit: syn::Lit::Int(i),
                    ..
                }) => Some(i.clone()),
                other => {
                    cx.error_spanned_by(other, "expected a number of seconds, e.g. `3600`");
                    None
                }
            })
        };
        let url = |arg: &str| {
            let url = string(arg);
            if let Some(u) = &url {
                check_absolute_url(cx, u, arg);
            }
            url
        };
        let shape = || TokenShape {
            token_body: get("token_body")
                .and_then(|(_, e)| attr::choice(cx, "token body format", e, BODIES)),
            access_token_path: string("access_token_path"),
            expires_in_path: string("expires_in_path"),
            expires_at_path: string("expires_at_path"),
            refresh_token_path: string("refresh_token_path"),
        };
        let form = match name.as_str() {
            "bearer" => credential("token").map(|token| AuthForm::Bearer { token }),
            "api_key" => {
                let key_name = string("name");
                let location = get("location")
                    .and_then(|(_, e)| attr::choice(cx, "api key location", e, LOCATIONS));
                credential("api_key").map(|api_key| AuthForm::ApiKey {
                    name: key_name,
                    api_key,
                    location,
                })
            }
            "http_basic" => {
                let username = value("username");
                let password = credential("password");
                username
                    .zip(password)
                    .map(|(username, password)| AuthForm::HttpBasic { username, password })
            }
            "oauth2_client_credentials" => {
                let url = string("access_token_url");
                if let Some(u) = &url {
                    check_absolute_url(cx, u, "access_token_url");
                }
                let client_id = value("client_id");
                let client_secret = credential("client_secret");
                let scope = string("scope");
                let audience = string("audience");
                let client_auth = get("client_auth")
                    .and_then(|(_, e)| attr::choice(cx, "client_auth", e, CLIENT_AUTHS));
                let expiration = get("default_token_expiration").and_then(|(_, e)| match e {
                    Expr::Lit(syn::ExprLit {
                        lit: syn::Lit::Int(i),
                        ..
                    }) => Some(i.clone()),
                    other => {
                        cx.error_spanned_by(other, "expected a number of seconds, e.g. `3600`");
                        None
                    }
                });
                match (url, client_id, client_secret) {
                    (Some(access_token_url), Some(client_id), Some(client_secret)) => {
                        Some(AuthForm::OAuth2ClientCredentials {
                            access_token_url,
                            client_id,
                            client_secret,
                            scope,
                            audience,
                            client_auth,
                            default_token_expiration: expiration,
                        })
                    }
                    _ => None,
                }
            }
            "oauth2_refresh_token" => {
                let access_token_url = url("access_token_url");
                let client_id = value("client_id");
                let client_secret = credential("client_secret");
                let refresh_token = credential("refresh_token");
                let client_auth = get("client_auth")
                    .and_then(|(_, e)| attr::choice(cx, "client_auth", e, CLIENT_AUTHS));
                let (scope, expiration) = (string("scope"), int("default_token_expiration"));
                let token_store = string("token_store");
                let shape = shape();
                match (access_token_url, client_id, refresh_token) {
                    (Some(access_token_url), Some(client_id), Some(refresh_token)) => {
                        Some(AuthForm::OAuth2RefreshToken {
                            access_token_url,
                            client_id,
                            client_secret,
                            refresh_token,
                            scope,
                            client_auth,
                            default_token_expiration: expiration,
                            token_store,
                            shape,
                        })
                    }
                    _ => None,
                }
            }
            "oauth2_jwt_bearer" => {
                let access_token_url = url("access_token_url");
                let issuer = value("issuer");
                let private_key = credential("private_key");
                let (subject, audience) = (string("subject"), string("audience"));
                let (scope, key_id) = (string("scope"), string("key_id"));
                let expiration = int("default_token_expiration");
                let shape = shape();
                match (access_token_url, issuer, private_key) {
                    (Some(access_token_url), Some(issuer), Some(private_key)) => {
                        Some(AuthForm::OAuth2JwtBearer {
                            access_token_url,
                            issuer,
                            private_key,
                            subject,
                            audience,
                            scope,
                            key_id,
                            default_token_expiration: expiration,
                            shape,
                        })
                    }
                    _ => None,
                }
            }
            "session_token" => {
                let login_url = url("login_url");
                let credentials = lists
                    .first()
                    .map(|(_, list)| parse_login_fields(cx, list))
                    .unwrap_or_default();
                let body =
                    get("body").and_then(|(_, e)| attr::choice(cx, "login body format", e, BODIES));
                // Exactly one token source, and a `name` off a header: shared rules
                // (`rest_source_spec::validate::auth`), at the keys they name.
                let given: Vec<&Ident> = auth_rules::TOKEN_SOURCES
                    .iter()
                    .filter_map(|s| get(s).map(|(k, _)| k))
                    .collect();
                let given_names: Vec<String> = given.iter().map(|k| k.to_string()).collect();
                let given_names: Vec<&str> = given_names.iter().map(String::as_str).collect();
                // A misspelt token source is reported as such, not also as a missing one.
                let misspelt = auth_rules::TOKEN_SOURCES
                    .iter()
                    .any(|s| suggested.contains(s));
                for problem in auth_rules::token_sources(&given_names, "auth") {
                    let key = problem.path.strip_prefix("auth.");
                    match given.iter().find(|k| Some(k.to_string().as_str()) == key) {
                        Some(k) => cx.error_spanned_by(k, crate::shared::message(problem)),
                        None if !misspelt => {
                            cx.error_spanned_by(&kind, crate::shared::message(problem))
                        }
                        None => {}
                    }
                }
                let location = get("location")
                    .and_then(|(_, e)| attr::choice(cx, "session token location", e, LOCATIONS));
                let token_name = string("name");
                if let Some(l) = &location {
                    let place = match l.to_string().as_str() {
                        "query" => ApiKeyLocation::Query,
                        "cookie" => ApiKeyLocation::Cookie,
                        "body" => ApiKeyLocation::Body,
                        _ => ApiKeyLocation::Header,
                    };
                    let named = token_name.is_some();
                    if let Some(problem) =
                        auth_rules::location_needs_a_name(Some(place), named, "auth")
                    {
                        cx.error_spanned_by(l, crate::shared::message(problem));
                    }
                }
                let (token_path, token_header) = (string("token_path"), string("token_header"));
                let token_cookie = string("token_cookie");
                let prefix = string("prefix");
                let ttl = int("ttl");
                let (expires_in_path, expires_at_path) =
                    (string("expires_in_path"), string("expires_at_path"));
                login_url.map(|login_url| AuthForm::SessionToken {
                    login_url,
                    credentials,
                    body,
                    token_path,
                    token_header,
                    token_cookie,
                    location,
                    name: token_name,
                    prefix,
                    ttl,
                    expires_in_path,
                    expires_at_path,
                })
            }
            _ => None,
        }?;
        Some(AuthDef {
            form,
            text: meta.to_token_stream().to_string(),
        })
    }

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

/// `custom(MyAuth, arg = secret("…"), …)` (an `Auth`) or `custom(flow = MyGrant, …)` (an
/// `OAuth2Flow`). The type is positional because `type = …` is not an expression, and the
/// attribute arguments are parsed as expressions.
fn parse_custom(cx: &Ctxt, kind: Ident, metas: &[Meta]) -> Option<AuthDef> {
    let mut ty: Option<(syn::Type, bool)> = None;
    let mut args = Vec::new();
    let mut seen = Seen::default();
    let mut set_type = |cx: &Ctxt, tokens: &dyn ToTokens, flow: bool| {
        if ty.is_some() {
            cx.error_spanned_by(tokens, "give one type: `custom(MyAuth, …)` (an `Auth`) or `custom(flow = MyGrant, …)` (an `OAuth2Flow`)");
            return;
        }
        match syn::parse2::<syn::Type>(tokens.to_token_stream()) {
            Ok(t) => ty = Some((t, flow)),
            Err(_) => cx.error_spanned_by(tokens, "expected a type implementing `FromSecrets`"),
        }
    };
    for m in metas {
        match m {
            Meta::Path(path) => set_type(cx, path, false),
            Meta::NameValue(nv) => {
                let Some(key) = attr::meta_key(cx, m) else {
                    continue;
                };
                if !seen.first(cx, &key) {
                    continue;
                }
                if key == "flow" {
                    set_type(cx, &nv.value, true);
                } else if names_a_credential(&key.unraw().to_string()) {
                    if let Some(secret) = attr::credential(cx, &key, &nv.value) {
                        args.push((key, Value::Secret(secret)));
                    }
                } else if let Some(value) = attr::value(cx, &nv.value) {
                    args.push((key, value));
                }
            }
            Meta::List(_) => cx.error_spanned_by(
                m,
                "expected `name = secret(\"key\")` or, for a setting that is not a credential, `name = \"value\"`",
            ),
        }
    }
    match ty {
        Some((ty, flow)) => Some(AuthDef {
            text: String::new(),
            form: AuthForm::Custom { ty, flow, args },
        }),
        None => {
            cx.error_spanned_by(
                &kind,
                "`custom` needs the type to build: `custom(MyAuth, key = secret(\"…\"))`, where `MyAuth` implements `Auth` and `FromSecrets`, or `custom(flow = MyGrant, …)` for an `OAuth2Flow`",
            );
            None
        }
    }
}

/// Whether an argument of `custom(…)` is a credential by its name, so a literal is refused:
/// its last `_`-separated word is one (`token`, `refresh_token`, `api_key`,
/// `client_secret`, `password`, …), or it says `password`/`secret` anywhere. Settings that
/// merely mention one (`token_url`, `token_store`, `key_id`) are not.
fn names_a_credential(name: &str) -> bool {
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

/// `credentials(username = secret("user"), tenant = "acme")`: the login fields. A field whose
/// name says it is a credential (`password`, `api_key`, `token`, …) must be `secret("…")`.
fn parse_login_fields(cx: &Ctxt, list: &syn::MetaList) -> Vec<(Ident, Value)> {
    let metas = match list.parse_args_with(Punctuated::<Meta, Token![,]>::parse_terminated) {
        Ok(m) => m,
        Err(e) => {
            cx.push(e);
            return vec![];
        }
    };
    let mut seen = Seen::default();
    let mut out = Vec::new();
    for m in &metas {
        let Some(key) = attr::meta_key(cx, m) else {
            continue;
        };
        if !seen.first(cx, &key) {
            continue;
        }
        let Meta::NameValue(nv) = m else {
            cx.error_spanned_by(
                m,
                format!("expected `{key} = secret(\"…\")` or `{key} = \"…\"`"),
            );
            continue;
        };
        let lower = key.to_string().to_ascii_lowercase();
        let value = if SECRET_FIELD_HINTS.iter().any(|h| lower.contains(h)) {
            attr::credential(cx, &key, &nv.value).map(Value::Secret)
        } else {
            attr::value(cx, &nv.value)
        };
        out.extend(value.map(|v| (key, v)));
    }
    out
}

/// `lit` must parse as an absolute `http(s)` URL (the shared rule's check and message).
pub fn check_absolute_url(cx: &Ctxt, lit: &LitStr, key: &str) {
    if let Some(message) = rest_source_spec::validate::absolute_url_problem(&lit.value(), key) {
        cx.error_spanned_by(lit, message);
    }
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
