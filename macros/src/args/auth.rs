//! `auth = <form>(…)` / `#[auth(<form>(…))]`: one darling list per auth form (dlt's `type`
//! names), translated into the model's [`AuthDef`]. `custom(MyAuth, …)` and the login
//! fields of `session_token(credentials(…))` take any argument name, so they are read by
//! hand.

use darling::FromMeta;
use darling::ast::NestedMeta;
use quote::ToTokens;
use syn::ext::IdentExt;
use syn::{Ident, Meta};

use super::values::{
    self, ApiKeyLocation, Choice, ClientAuth, Credential, Keyed, LoginBody, MaybeSecret, Seconds,
    SessionLocation, Text, TokenBody, Url, error_on,
};
use super::{Args, Parsed, args, combine, parse_tokens};
use crate::attr::Value;
use crate::auth::{AUTH_TYPES, AuthDef, AuthForm, TokenShape, names_a_credential};

args! {
    pub struct Bearer for "`bearer`" {
        required token: Credential,
    }
}

args! {
    pub struct ApiKey for "`api_key`" {
        optional name: Text,
        required api_key: Credential,
        optional location: Choice<ApiKeyLocation>,
    }
}

args! {
    pub struct HttpBasic for "`http_basic`" {
        required username: MaybeSecret,
        required password: Credential,
    }
}

args! {
    pub struct ClientCredentials for "`oauth2_client_credentials`" {
        required access_token_url: Url,
        required client_id: MaybeSecret,
        required client_secret: Credential,
        optional scope: Text,
        optional audience: Text,
        optional client_auth: Choice<ClientAuth>,
        optional default_token_expiration: Seconds,
    }
}

args! {
    pub struct RefreshToken for "`oauth2_refresh_token`" {
        required access_token_url: Url,
        required client_id: MaybeSecret,
        optional client_secret: Credential,
        required refresh_token: Credential,
        optional scope: Text,
        optional client_auth: Choice<ClientAuth>,
        optional default_token_expiration: Seconds,
        optional token_store: Text,
        optional token_body: Choice<TokenBody>,
        optional access_token_path: Text,
        optional expires_in_path: Text,
        optional expires_at_path: Text,
        optional refresh_token_path: Text,
    }
}

args! {
    pub struct JwtBearer for "`oauth2_jwt_bearer`" {
        required access_token_url: Url,
        required issuer: MaybeSecret,
        required private_key: Credential,
        optional subject: Text,
        optional audience: Text,
        optional scope: Text,
        optional key_id: Text,
        optional default_token_expiration: Seconds,
        optional token_body: Choice<TokenBody>,
        optional access_token_path: Text,
        optional expires_in_path: Text,
        optional expires_at_path: Text,
    }
}

args! {
    pub struct SessionToken for "`session_token`" {
        required login_url: Url,
        optional credentials: LoginFields,
        optional body: Choice<LoginBody>,
        optional token_path: Keyed<Text>,
        optional token_header: Keyed<Text>,
        optional token_cookie: Keyed<Text>,
        optional location: Choice<SessionLocation>,
        optional name: Text,
        optional prefix: Text,
        optional ttl: Seconds,
        optional expires_in_path: Text,
        optional expires_at_path: Text,
    }
}

/// `auth = <form>` as the model's [`AuthDef`].
pub struct AuthArg(pub AuthDef);

impl FromMeta for AuthArg {
    fn from_meta(meta: &Meta) -> darling::Result<Self> {
        auth_def(&values::form(meta)?).map(AuthArg)
    }
}

/// One auth form as written (`bearer(token = secret("t"))`, `none`, …).
pub fn auth_def(form: &Meta) -> darling::Result<AuthDef> {
    let kind = values::form_name(form)?;
    let name = kind.to_string();
    if !AUTH_TYPES.contains(&name.as_str()) {
        return Err(error_on(
            &kind,
            crate::suggest::unknown("auth type", &name, AUTH_TYPES),
        ));
    }
    let tokens = match form {
        Meta::List(list) => list.tokens.clone(),
        Meta::Path(_) => proc_macro2::TokenStream::new(),
        Meta::NameValue(_) => return Err(error_on(form, format!("expected `{name}(…)`"))),
    };
    let form_of = match name.as_str() {
        "none" if !tokens.is_empty() => Err(error_on(&tokens, "`none` takes no arguments")),
        "none" => Ok(AuthForm::None),
        "custom" => custom(&kind, tokens),
        "bearer" => read(parse_tokens::<Bearer>(tokens, kind.span()), |a| {
            AuthForm::Bearer { token: a.token.0 }
        }),
        "api_key" => read(parse_tokens::<ApiKey>(tokens, kind.span()), |a| {
            AuthForm::ApiKey {
                name: a.name.map(|t| t.0),
                api_key: a.api_key.0,
                location: a.location.map(|c| c.0),
            }
        }),
        "http_basic" => read(parse_tokens::<HttpBasic>(tokens, kind.span()), |a| {
            AuthForm::HttpBasic {
                username: a.username.0,
                password: a.password.0,
            }
        }),
        "oauth2_client_credentials" => read(parse_tokens(tokens, kind.span()), client_credentials),
        "oauth2_refresh_token" => read(parse_tokens(tokens, kind.span()), refresh_token),
        "oauth2_jwt_bearer" => read(parse_tokens(tokens, kind.span()), jwt_bearer),
        _ => session_token(&kind, parse_tokens(tokens, kind.span())),
    }?;
    let text = if matches!(form_of, AuthForm::Custom { .. }) {
        String::new()
    } else {
        form.to_token_stream().to_string()
    };
    Ok(AuthDef {
        form: form_of,
        text,
    })
}

/// The form, or every mistake in its list.
fn read<T: Args>(parsed: Parsed<T>, form: impl FnOnce(T) -> AuthForm) -> darling::Result<AuthForm> {
    parsed.into_result().map(form)
}

fn client_credentials(a: ClientCredentials) -> AuthForm {
    AuthForm::OAuth2ClientCredentials {
        access_token_url: a.access_token_url.0,
        client_id: a.client_id.0,
        client_secret: a.client_secret.0,
        scope: a.scope.map(|t| t.0),
        audience: a.audience.map(|t| t.0),
        client_auth: a.client_auth.map(|c| c.0),
        default_token_expiration: a.default_token_expiration.map(|s| s.0),
    }
}

fn refresh_token(a: RefreshToken) -> AuthForm {
    AuthForm::OAuth2RefreshToken {
        access_token_url: a.access_token_url.0,
        client_id: a.client_id.0,
        client_secret: a.client_secret.map(|c| c.0),
        refresh_token: a.refresh_token.0,
        scope: a.scope.map(|t| t.0),
        client_auth: a.client_auth.map(|c| c.0),
        default_token_expiration: a.default_token_expiration.map(|s| s.0),
        token_store: a.token_store.map(|t| t.0),
        shape: TokenShape {
            token_body: a.token_body.map(|c| c.0),
            access_token_path: a.access_token_path.map(|t| t.0),
            expires_in_path: a.expires_in_path.map(|t| t.0),
            expires_at_path: a.expires_at_path.map(|t| t.0),
            refresh_token_path: a.refresh_token_path.map(|t| t.0),
        },
    }
}

fn jwt_bearer(a: JwtBearer) -> AuthForm {
    AuthForm::OAuth2JwtBearer {
        access_token_url: a.access_token_url.0,
        issuer: a.issuer.0,
        private_key: a.private_key.0,
        subject: a.subject.map(|t| t.0),
        audience: a.audience.map(|t| t.0),
        scope: a.scope.map(|t| t.0),
        key_id: a.key_id.map(|t| t.0),
        default_token_expiration: a.default_token_expiration.map(|s| s.0),
        shape: TokenShape {
            token_body: a.token_body.map(|c| c.0),
            access_token_path: a.access_token_path.map(|t| t.0),
            expires_in_path: a.expires_in_path.map(|t| t.0),
            expires_at_path: a.expires_at_path.map(|t| t.0),
            refresh_token_path: None,
        },
    }
}

/// `session_token(…)`, with its cross-checks: the token is read from exactly one place, and
/// a token sent outside a header needs a name.
fn session_token(kind: &Ident, parsed: Parsed<SessionToken>) -> darling::Result<AuthForm> {
    use rest_source_spec::validate::auth as auth_rules;
    let misspelt_source = auth_rules::TOKEN_SOURCES.iter().any(|s| parsed.suggests(s));
    let mut errors = parsed.errors;
    let Some(a) = parsed.value else {
        return Err(combine(errors));
    };
    // Exactly one token source, and a `name` off a header: shared rules
    // (`rest_source_spec::validate::auth`), at the keys they name.
    let given: Vec<&Ident> = [&a.token_path, &a.token_header, &a.token_cookie]
        .into_iter()
        .flatten()
        .map(|k| &k.key)
        .collect();
    let given_names: Vec<String> = given.iter().map(|k| k.to_string()).collect();
    let given_names: Vec<&str> = given_names.iter().map(String::as_str).collect();
    for problem in auth_rules::token_sources(&given_names, "auth") {
        let key = problem.path.strip_prefix("auth.");
        match given.iter().find(|k| Some(k.to_string().as_str()) == key) {
            Some(k) => errors.push(error_on(k, crate::shared::message(problem))),
            // A misspelt token source is reported as such, not also as a missing one.
            None if !misspelt_source => {
                errors.push(error_on(kind, crate::shared::message(problem)))
            }
            None => {}
        }
    }
    if let Some(l) = a.location.as_ref().map(|c| &c.0) {
        let place = match l.to_string().as_str() {
            "query" => rest_source_spec::ApiKeyLocation::Query,
            "cookie" => rest_source_spec::ApiKeyLocation::Cookie,
            "body" => rest_source_spec::ApiKeyLocation::Body,
            _ => rest_source_spec::ApiKeyLocation::Header,
        };
        if let Some(problem) =
            auth_rules::location_needs_a_name(Some(place), a.name.is_some(), "auth")
        {
            errors.push(error_on(l, crate::shared::message(problem)));
        }
    }
    if !errors.is_empty() {
        return Err(combine(errors));
    }
    Ok(AuthForm::SessionToken {
        login_url: a.login_url.0,
        credentials: a.credentials.map(|c| c.0).unwrap_or_default(),
        body: a.body.map(|c| c.0),
        token_path: a.token_path.map(|k| k.value.0),
        token_header: a.token_header.map(|k| k.value.0),
        token_cookie: a.token_cookie.map(|k| k.value.0),
        location: a.location.map(|c| c.0),
        name: a.name.map(|t| t.0),
        prefix: a.prefix.map(|t| t.0),
        ttl: a.ttl.map(|s| s.0),
        expires_in_path: a.expires_in_path.map(|t| t.0),
        expires_at_path: a.expires_at_path.map(|t| t.0),
    })
}

/// Login-field names whose value must come from the secrets (a literal is refused).
const SECRET_FIELD_HINTS: &[&str] = &["pass", "secret", "token", "key", "pin", "otp"];

/// `credentials(username = secret("user"), tenant = "acme")`: the login fields, any names.
/// A field whose name says it is a credential (`password`, `api_key`, …) must be
/// `secret("…")`.
pub struct LoginFields(pub Vec<(Ident, Value)>);

impl FromMeta for LoginFields {
    fn from_meta(meta: &Meta) -> darling::Result<Self> {
        let Meta::List(list) = meta else {
            return Err(error_on(
                meta,
                "expected `credentials(username = secret(\"user\"), password = secret(\"password\"))`",
            ));
        };
        let mut errors = darling::Error::accumulator();
        let mut out: Vec<(Ident, Value)> = Vec::new();
        for item in NestedMeta::parse_meta_list(list.tokens.clone())? {
            let (key, expr) = match &item {
                NestedMeta::Meta(Meta::NameValue(nv)) if nv.path.get_ident().is_some() => {
                    (nv.path.get_ident().cloned(), &nv.value)
                }
                other => {
                    errors.push(error_on(
                        other,
                        "expected `name = secret(\"…\")` or `name = \"…\"`",
                    ));
                    continue;
                }
            };
            let Some(key) = key else { continue };
            if out.iter().any(|(k, _)| *k == key) {
                errors.push(error_on(&key, format!("duplicate `{key}`")));
                continue;
            }
            let lower = key.unraw().to_string().to_ascii_lowercase();
            let value = if SECRET_FIELD_HINTS.iter().any(|h| lower.contains(h)) {
                values::credential(&key.unraw().to_string(), expr).map(Value::Secret)
            } else {
                values::value(expr)
            };
            out.extend(errors.handle(value).map(|v| (key, v)));
        }
        errors.finish_with(LoginFields(out))
    }
}

/// `custom(MyAuth, arg = secret("…"), …)` (an `Auth`) or `custom(flow = MyGrant, …)` (an
/// `OAuth2Flow`). The type is positional because `type = …` is not an expression. Every
/// other argument is passed under its name: a credential by its name must be a secret, any
/// other setting may be a plain string (`token_url = "…"`).
fn custom(kind: &Ident, tokens: proc_macro2::TokenStream) -> darling::Result<AuthForm> {
    let mut errors = darling::Error::accumulator();
    let mut ty: Option<(syn::Type, bool)> = None;
    let mut args: Vec<(Ident, Value)> = Vec::new();
    let mut set_type = |errors: &mut darling::error::Accumulator,
                        tokens: &dyn ToTokens,
                        flow: bool| {
        if ty.is_some() {
            errors.push(error_on(&tokens.to_token_stream(), "give one type: `custom(MyAuth, …)` (an `Auth`) or `custom(flow = MyGrant, …)` (an `OAuth2Flow`)"));
            return;
        }
        match syn::parse2::<syn::Type>(tokens.to_token_stream()) {
            Ok(t) => ty = Some((t, flow)),
            Err(_) => errors.push(error_on(
                &tokens.to_token_stream(),
                "expected a type implementing `FromSecrets`",
            )),
        }
    };
    for item in NestedMeta::parse_meta_list(tokens)? {
        match &item {
            NestedMeta::Meta(Meta::Path(path)) => set_type(&mut errors, path, false),
            NestedMeta::Meta(Meta::NameValue(nv)) => {
                let Some(key) = nv.path.get_ident() else {
                    errors.push(error_on(&nv.path, "expected a single identifier"));
                    continue;
                };
                if key == "flow" {
                    set_type(&mut errors, &nv.value, true);
                    continue;
                }
                if args.iter().any(|(k, _)| k == key) {
                    errors.push(error_on(key, format!("duplicate `{key}`")));
                    continue;
                }
                let name = key.unraw().to_string();
                let value = if names_a_credential(&name) {
                    values::credential(&name, &nv.value).map(Value::Secret)
                } else {
                    values::value(&nv.value)
                };
                args.extend(errors.handle(value).map(|v| (key.clone(), v)));
            }
            other => errors.push(error_on(
                other,
                "expected `name = secret(\"key\")` or, for a setting that is not a credential, `name = \"value\"`",
            )),
        }
    }
    let Some((ty, flow)) = ty else {
        errors.push(error_on(
            kind,
            "`custom` needs the type to build: `custom(MyAuth, key = secret(\"…\"))`, where `MyAuth` implements `Auth` and `FromSecrets`, or `custom(flow = MyGrant, …)` for an `OAuth2Flow`",
        ));
        return Err(combine(errors.into_inner()));
    };
    errors.finish_with(AuthForm::Custom { ty, flow, args })
}
