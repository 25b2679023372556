//! Argument values with a custom `FromMeta`, each reporting its own mistake in the macro's
//! wording: string literals, counts, `secret("key")` (a credential must be one), choices
//! such as `location = query`, and the string-keyed lists `headers(…)` / `params(…)`.

use std::collections::BTreeSet;
use std::fmt::Display;
use std::marker::PhantomData;

use darling::FromMeta;
use proc_macro2::Span;
use quote::ToTokens;
use syn::ext::IdentExt;
use syn::parse::{Parse, ParseStream};
use syn::punctuated::Punctuated;
use syn::{Expr, Ident, Lit, LitInt, LitStr, Meta, Token};

use crate::ast::{Header, SecretLit};
use crate::attr::{Value, is_secret_key};
use crate::endpoint::QueryParam;
use crate::suggest;

/// An error on `tokens` (the narrowest thing at fault).
pub fn error_on(tokens: &impl ToTokens, message: impl Display) -> darling::Error {
    syn::Error::new_spanned(tokens.to_token_stream(), message).into()
}

/// An error at `span`.
pub fn error_at(span: Span, message: impl Display) -> darling::Error {
    syn::Error::new(span, message).into()
}

/// The argument's name (`key` of `key = …`).
fn key(meta: &Meta) -> String {
    meta.path()
        .get_ident()
        .map(|i| i.unraw().to_string())
        .unwrap_or_default()
}

/// The value of `key = value`; anything else is "expected `key = {example}`".
fn name_value<'a>(meta: &'a Meta, example: &str) -> darling::Result<&'a Expr> {
    match meta {
        Meta::NameValue(nv) => Ok(ungroup(&nv.value)),
        _ => Err(error_on(
            meta,
            format!("expected `{} = {example}`", key(meta)),
        )),
    }
}

/// Looks through the invisible groups `macro_rules!` wraps around an `$x:expr`.
fn ungroup(expr: &Expr) -> &Expr {
    match expr {
        Expr::Group(g) => ungroup(&g.expr),
        other => other,
    }
}

fn lit_str(expr: &Expr) -> Option<&LitStr> {
    match expr {
        Expr::Lit(syn::ExprLit {
            lit: Lit::Str(s), ..
        }) => Some(s),
        _ => None,
    }
}

/// A value with the key it was written under (for errors about the argument itself).
pub struct Keyed<T> {
    pub key: Ident,
    pub value: T,
}

impl<T: FromMeta> FromMeta for Keyed<T> {
    fn from_meta(meta: &Meta) -> darling::Result<Self> {
        let key = form_name(meta)?;
        Ok(Keyed {
            key,
            value: T::from_meta(meta)?,
        })
    }
}

/// `key = "literal"`.
pub struct Text(pub LitStr);

impl FromMeta for Text {
    fn from_meta(meta: &Meta) -> darling::Result<Self> {
        let expr = name_value(meta, "\"…\"")?;
        match lit_str(expr) {
            Some(s) => Ok(Text(s.clone())),
            None => Err(error_on(expr, "expected a string literal")),
        }
    }
}

/// `crate = "my_facade::rest_source"`: the path the expansion reaches the facade by, for
/// users who re-export or rename it (as serde's and derive_builder's `crate = "…"`).
pub struct CratePath(pub syn::Path);

impl FromMeta for CratePath {
    fn from_meta(meta: &Meta) -> darling::Result<Self> {
        let expr = name_value(meta, "\"my_facade::rest_source\"")?;
        let Some(lit) = lit_str(expr) else {
            return Err(error_on(
                expr,
                "expected the path to the `rest_source` crate in a string, e.g. `crate = \"my_facade::rest_source\"`",
            ));
        };
        match lit.parse_with(syn::Path::parse_mod_style) {
            // Generated items sit in modules of their own, where `self`/`super` name
            // something else.
            Ok(path)
                if path.leading_colon.is_none()
                    && path
                        .segments
                        .first()
                        .is_some_and(|s| s.ident == "self" || s.ident == "super") =>
            {
                Err(error_on(
                    lit,
                    "`crate` needs a path that reads the same from any module: start it with `crate::` or a crate name, e.g. `crate = \"crate::reexports::rest_source\"`",
                ))
            }
            Ok(path) => Ok(CratePath(path)),
            Err(_) => Err(error_on(
                lit,
                format!(
                    "`{}` is not a path: `crate` names where the `rest_source` crate is reachable, e.g. `crate = \"my_facade::rest_source\"`",
                    lit.value()
                ),
            )),
        }
    }
}

/// `key = "https://…"`: an absolute `http(s)` URL (auth endpoints).
pub struct Url(pub LitStr);

impl FromMeta for Url {
    fn from_meta(meta: &Meta) -> darling::Result<Self> {
        let Text(lit) = Text::from_meta(meta)?;
        match rest_source_spec::validate::absolute_url_problem(&lit.value(), &key(meta)) {
            None => Ok(Url(lit)),
            Some(message) => Err(error_on(&lit, message)),
        }
    }
}

fn int_lit(expr: &Expr) -> Option<&LitInt> {
    match expr {
        Expr::Lit(syn::ExprLit {
            lit: Lit::Int(i), ..
        }) => Some(i),
        _ => None,
    }
}

/// `key = 10`: a whole number (`max_pages`, `max_items`, `concurrency`; 0 is refused by the
/// shared rules).
pub struct Count(pub LitInt);

impl FromMeta for Count {
    fn from_meta(meta: &Meta) -> darling::Result<Self> {
        let expr = name_value(meta, "10")?;
        match int_lit(expr) {
            // 0 is a whole number: the shared rule (`rest_source_spec::validate`) refuses it.
            Some(i) if i.base10_parse::<u64>().is_ok() => Ok(Count(i.clone())),
            _ => Err(error_on(expr, "expected a whole number, e.g. `10`")),
        }
    }
}

/// `key = 3600`: a number of seconds.
pub struct Seconds(pub LitInt);

impl FromMeta for Seconds {
    fn from_meta(meta: &Meta) -> darling::Result<Self> {
        let expr = name_value(meta, "3600")?;
        match int_lit(expr) {
            Some(i) => Ok(Seconds(i.clone())),
            None => Err(error_on(expr, "expected a number of seconds, e.g. `3600`")),
        }
    }
}

/// `secret("key")`: `None` if `expr` is not that call; once it is, every mistake inside
/// it is this one error (the caller does not also say "expected a string literal").
pub fn secret_call(expr: &Expr) -> Option<darling::Result<SecretLit>> {
    let Expr::Call(call) = ungroup(expr) else {
        return None;
    };
    let Expr::Path(func) = &*call.func else {
        return None;
    };
    if !func.path.is_ident("secret") {
        return None;
    }
    let key = match (call.args.len(), call.args.first().map(ungroup)) {
        (1, Some(arg)) => match lit_str(arg) {
            Some(key) => key.clone(),
            None => {
                return Some(Err(error_on(
                    arg,
                    "`secret(…)` takes the key as a string literal, e.g. `secret(\"token\")`: the macro reads the key at compile time (the value, never)",
                )));
            }
        },
        _ => {
            return Some(Err(error_on(
                call,
                "expected `secret(\"key\")` with one string literal",
            )));
        }
    };
    if !is_secret_key(&key.value()) {
        return Some(Err(error_on(&key, bad_key_message(&key.value()))));
    }
    Some(Ok(SecretLit { key }))
}

fn bad_key_message(key: &str) -> String {
    let fixed: String = key
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '_'
            }
        })
        .collect();
    let mut message = "a secret key is lower-case letters, digits and `_`, starting with a letter (it names a field of the generated secrets struct and a key in secrets.toml)".to_owned();
    if is_secret_key(&fixed) {
        message.push_str(&format!("; did you mean `{fixed}`?"));
    }
    message
}

/// A plain string literal or `secret("key")`.
pub fn value(expr: &Expr) -> darling::Result<Value> {
    if let Some(secret) = secret_call(expr) {
        return secret.map(Value::Secret);
    }
    match lit_str(ungroup(expr)) {
        Some(s) => Ok(Value::Plain(s.clone())),
        None => Err(error_on(
            expr,
            "expected a string literal or `secret(\"key\")`",
        )),
    }
}

/// A credential: only `secret("key")`; a literal is refused with the fix.
pub fn credential(key: &str, expr: &Expr) -> darling::Result<SecretLit> {
    match value(expr)? {
        Value::Secret(s) => Ok(s),
        Value::Plain(lit) => Err(error_on(
            &lit,
            format!(
                "`{key}` is a credential and must not be written in code; use `{key} = secret(\"{key}\")` and put the value in secrets.toml or the environment"
            ),
        )),
    }
}

/// `key = "plain"` or `key = secret("key")`.
pub struct MaybeSecret(pub Value);

impl FromMeta for MaybeSecret {
    fn from_meta(meta: &Meta) -> darling::Result<Self> {
        value(name_value(meta, "secret(\"…\")")?).map(MaybeSecret)
    }
}

/// `key = secret("key")`: a credential, never a literal.
pub struct Credential(pub SecretLit);

impl FromMeta for Credential {
    fn from_meta(meta: &Meta) -> darling::Result<Self> {
        let key = key(meta);
        let example = format!("secret(\"{key}\")");
        credential(&key, name_value(meta, &example)?).map(Credential)
    }
}

/// The values of a [`Choice`]: how they are named in messages, and each of them.
pub trait Choices {
    const WHAT: &'static str;
    const ALL: &'static [&'static str];
}

/// One of `C::ALL`, written as an identifier (`location = query`) or a string (`"query"`).
pub struct Choice<C>(pub Ident, PhantomData<C>);

impl<C: Choices> FromMeta for Choice<C> {
    fn from_meta(meta: &Meta) -> darling::Result<Self> {
        let expr = name_value(meta, C::ALL.first().copied().unwrap_or("…"))?;
        let ident = match expr {
            Expr::Path(p) => p.path.get_ident().cloned(),
            Expr::Lit(syn::ExprLit {
                lit: Lit::Str(s), ..
            }) => syn::parse_str::<Ident>(&s.value()).ok().map(|mut i| {
                i.set_span(s.span());
                i
            }),
            _ => None,
        };
        match ident {
            Some(i) if C::ALL.contains(&i.to_string().as_str()) => Ok(Choice(i, PhantomData)),
            Some(i) => Err(error_on(
                &i,
                suggest::unknown(C::WHAT, &i.to_string(), C::ALL),
            )),
            None => Err(error_on(expr, suggest::expected_one_of(C::ALL))),
        }
    }
}

macro_rules! choices {
    ($($name:ident = $what:literal [$($value:literal),*];)*) => {$(
        pub enum $name {}
        impl Choices for $name {
            const WHAT: &'static str = $what;
            const ALL: &'static [&'static str] = &[$($value),*];
        }
    )*};
}

choices! {
    ApiKeyLocation = "api key location" ["header", "query", "cookie", "body"];
    SessionLocation = "session token location" ["header", "query", "cookie", "body"];
    LoginBody = "login body format" ["json", "form"];
    TokenBody = "token body format" ["json", "form"];
    ClientAuth = "client_auth" ["body", "basic"];
}

/// `"name" = value`: a string-keyed entry of `headers(…)` / `params(…)` (`params` also
/// takes an identifier key).
struct Entry {
    name: LitStr,
    value: Expr,
}

impl Parse for Entry {
    fn parse(input: ParseStream) -> syn::Result<Self> {
        let name = if input.peek(LitStr) {
            input.parse()?
        } else {
            let ident = Ident::parse_any(input)?;
            LitStr::new(&ident.unraw().to_string(), ident.span())
        };
        input.parse::<Token![=]>()?;
        Ok(Entry {
            name,
            value: input.parse()?,
        })
    }
}

fn entries(meta: &Meta, example: &str) -> darling::Result<Vec<Entry>> {
    let Meta::List(list) = meta else {
        return Err(error_on(meta, format!("expected `{example}`")));
    };
    list.parse_args_with(Punctuated::<Entry, Token![,]>::parse_terminated)
        .map(|p| p.into_iter().collect())
        .map_err(|e| error_at(e.span(), format!("{e}; expected `{example}`")))
}

/// `headers("X-Org" = "acme", "X-Secret" = secret("k"))`: the valid entries, and the
/// mistakes in the others (kept apart, so one bad entry does not hide the rest from the
/// checks that read them).
pub struct Headers(pub Vec<Header>, pub Vec<darling::Error>);

impl FromMeta for Headers {
    fn from_meta(meta: &Meta) -> darling::Result<Self> {
        let mut errors = darling::Error::accumulator();
        let mut names = BTreeSet::new();
        let mut headers = Vec::new();
        let list = entries(
            meta,
            "headers(\"Name\" = \"value\", \"Other\" = secret(\"key\"))",
        )?;
        for Entry { name, value: v } in list {
            let text = name.value();
            if !is_header_name(&text) {
                errors.push(error_on(
                    &name,
                    format!("`{text}` is not a valid HTTP header name"),
                ));
                continue;
            }
            if !names.insert(text.to_ascii_lowercase()) {
                errors.push(error_on(&name, format!("duplicate header `{text}`")));
                continue;
            }
            if let Some(value) = errors.handle(value(&v)) {
                headers.push(Header { name, value });
            }
        }
        Ok(Headers(headers, errors.into_inner()))
    }
}

/// RFC 9110 token characters.
fn is_header_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
}

/// A string, number or bool literal (numbers may be negative).
fn is_scalar(expr: &Expr) -> bool {
    match ungroup(expr) {
        Expr::Lit(l) => matches!(
            l.lit,
            Lit::Str(_) | Lit::Int(_) | Lit::Float(_) | Lit::Bool(_)
        ),
        Expr::Unary(u) if matches!(u.op, syn::UnOp::Neg(_)) => {
            matches!(&*u.expr, Expr::Lit(l) if matches!(l.lit, Lit::Int(_) | Lit::Float(_)))
        }
        _ => false,
    }
}

/// `params("status" = "active", "per_page" = 50, "since" = "{since}")`: the valid entries,
/// and the mistakes in the others (kept apart, as for [`Headers`]).
pub struct Params(pub Vec<QueryParam>, pub Vec<darling::Error>);

impl FromMeta for Params {
    fn from_meta(meta: &Meta) -> darling::Result<Self> {
        let mut errors = darling::Error::accumulator();
        let mut names = BTreeSet::new();
        let mut out = Vec::new();
        let list = entries(meta, "params(\"status\" = \"active\", \"per_page\" = 50)")?;
        for Entry { name, value } in list {
            if !names.insert(name.value()) {
                errors.push(error_on(
                    &name,
                    format!("duplicate query parameter `{}`", name.value()),
                ));
            } else if secret_call(&value).is_some() {
                errors.push(error_on(
                    &value,
                    "a secret does not go in `params`: query strings end up in logs; send it with `#[auth(api_key(name = \"…\", api_key = secret(\"…\"), location = query))]`, which redacts it from every printed URL",
                ));
            } else if !is_scalar(&value) {
                errors.push(error_on(
                    &value,
                    format!(
                        "the value of query parameter `{}` must be a literal: a string (`\"active\"`, `\"{{region}}\"` for a source parameter), a number or a bool; a value known only at run time goes in a source parameter field",
                        name.value()
                    ),
                ));
            } else {
                out.push(QueryParam { name, value });
            }
        }
        Ok(Params(out, errors.into_inner()))
    }
}

/// `data("name" = "value", …)` (a form body) or `data = "raw"` (a raw body): the body, and
/// the mistakes in its fields (kept apart, as for [`Params`]).
pub struct Data(pub crate::endpoint::DataBody, pub Vec<darling::Error>);

impl FromMeta for Data {
    fn from_meta(meta: &Meta) -> darling::Result<Self> {
        if let Meta::NameValue(_) = meta {
            let Text(lit) = Text::from_meta(meta)?;
            return Ok(Data(crate::endpoint::DataBody::Raw(lit), Vec::new()));
        }
        let mut errors = darling::Error::accumulator();
        let mut names = BTreeSet::new();
        let mut out = Vec::new();
        let list = entries(
            meta,
            "data(\"grant_type\" = \"all\", \"id\" = \"{contacts.id}\")` or `data = \"raw body\"",
        )?;
        for Entry { name, value } in list {
            if !names.insert(name.value()) {
                errors.push(error_on(
                    &name,
                    format!("duplicate form field `{}`", name.value()),
                ));
            } else if secret_call(&value).is_some() {
                errors.push(error_on(
                    &value,
                    "a secret does not go in `data`: send it with `#[auth(api_key(name = \"…\", api_key = secret(\"…\"), location = body))]`, which keeps it out of logs and off other origins",
                ));
            } else if !is_scalar(&value) {
                errors.push(error_on(
                    &value,
                    format!(
                        "the value of form field `{}` must be a literal: a string (placeholders allowed), a number or a bool",
                        name.value()
                    ),
                ));
            } else {
                out.push(QueryParam { name, value });
            }
        }
        Ok(Data(
            crate::endpoint::DataBody::Form(out),
            errors.into_inner(),
        ))
    }
}

/// `initial_value = "…"` / `end_value = 10`: a literal cursor value.
pub struct CursorValue(pub Expr);

impl FromMeta for CursorValue {
    fn from_meta(meta: &Meta) -> darling::Result<Self> {
        let expr = name_value(meta, "\"…\"")?;
        if is_scalar(expr) {
            Ok(CursorValue(expr.clone()))
        } else {
            Err(error_on(
                expr,
                format!(
                    "`{}` must be a literal cursor value: a string (`\"2024-01-01T00:00:00Z\"`) or a number",
                    key(meta)
                ),
            ))
        }
    }
}

/// `include_from_parent = ["id", "name"]` or `include_from_parent("id", "name")`, with its
/// key (for "has no parent" errors).
pub struct IncludeFromParent(pub Ident, pub Vec<LitStr>);

impl FromMeta for IncludeFromParent {
    fn from_meta(meta: &Meta) -> darling::Result<Self> {
        let expected = || {
            error_on(
                meta,
                "expected a list of parent fields: `include_from_parent = [\"id\", \"name\"]`",
            )
        };
        let items: Vec<Expr> = match meta {
            Meta::NameValue(nv) => match ungroup(&nv.value) {
                Expr::Array(a) => a.elems.iter().cloned().collect(),
                Expr::Lit(_) => vec![nv.value.clone()],
                _ => return Err(expected()),
            },
            Meta::List(list) => list
                .parse_args_with(Punctuated::<Expr, Token![,]>::parse_terminated)?
                .into_iter()
                .collect(),
            Meta::Path(_) => return Err(expected()),
        };
        let mut errors = darling::Error::accumulator();
        let mut seen = BTreeSet::new();
        let mut fields = Vec::new();
        for item in &items {
            let Some(lit) = lit_str(ungroup(item)) else {
                errors.push(error_on(item, "expected a string literal"));
                continue;
            };
            if seen.insert(lit.value()) {
                fields.push(lit.clone());
            } else {
                errors.push(error_on(
                    lit,
                    format!("duplicate parent field `{}`", lit.value()),
                ));
            }
        }
        let key = meta
            .path()
            .get_ident()
            .cloned()
            .unwrap_or_else(|| Ident::new("include_from_parent", Span::call_site()));
        errors.finish_with(IncludeFromParent(key, fields))
    }
}

/// `method = "POST"` (or `method = post`): `GET` or `POST`, upper-cased.
pub struct Method(pub LitStr);

impl FromMeta for Method {
    fn from_meta(meta: &Meta) -> darling::Result<Self> {
        let expr = name_value(meta, "\"POST\"")?;
        let (text, span) = match expr {
            Expr::Lit(syn::ExprLit {
                lit: Lit::Str(s), ..
            }) => (s.value(), s.span()),
            Expr::Path(p) if p.path.get_ident().is_some() => {
                let name = p.path.segments.first().map(|s| &s.ident);
                (
                    name.map(Ident::to_string).unwrap_or_default(),
                    name.map_or_else(Span::call_site, Ident::span),
                )
            }
            other => {
                return Err(error_on(
                    other,
                    "expected `method = \"GET\"` or `method = \"POST\"`",
                ));
            }
        };
        let upper = text.to_ascii_uppercase();
        if upper == "GET" || upper == "POST" {
            Ok(Method(LitStr::new(&upper, span)))
        } else {
            Err(error_at(
                span,
                format!(
                    "unsupported method `{text}`, expected `GET` or `POST` (a resource reads pages)"
                ),
            ))
        }
    }
}

/// `json = r#"{"query": "…"}"#`: a JSON body, checked now.
pub struct Json(pub LitStr);

impl FromMeta for Json {
    fn from_meta(meta: &Meta) -> darling::Result<Self> {
        let Text(lit) = Text::from_meta(meta)?;
        match serde_json::from_str::<serde_json::Value>(&lit.value()) {
            Ok(_) => Ok(Json(lit)),
            Err(e) => Err(error_on(&lit, format!("`json` is not valid JSON: {e}"))),
        }
    }
}

/// `key = ident` or `key = ident(…)` (auth forms, paginators), re-read as a [`Meta`].
pub fn form(meta: &Meta) -> darling::Result<Meta> {
    let expr = name_value(meta, "name(…)")?;
    syn::parse2::<Meta>(expr.to_token_stream()).map_err(|_| {
        error_on(
            expr,
            "expected a name, optionally with arguments: `name` or `name(key = …)`",
        )
    })
}

/// The single-identifier name of a form (`bearer` of `bearer(…)`).
pub fn form_name(meta: &Meta) -> darling::Result<Ident> {
    meta.path()
        .get_ident()
        .cloned()
        .ok_or_else(|| error_on(meta.path(), "expected a single identifier"))
}
