//! Reading attribute syntax: keys, string literals, `secret("key")`, `headers(...)` and
//! paginators. Each helper reports its own mistakes and returns `None` so parsing goes on.

use std::collections::BTreeSet;

use quote::ToTokens;
use syn::parse::{Parse, ParseStream};
use syn::punctuated::Punctuated;
use syn::{Expr, Ident, Lit, LitStr, Meta, Token};

use crate::ast::{Header, SecretLit};
use crate::ctxt::Ctxt;
use crate::suggest;

/// A value that may be written in code (`"acme"`) or come from the secrets (`secret("key")`).
#[derive(Clone, Debug)]
pub enum Value {
    Plain(LitStr),
    Secret(SecretLit),
}

/// Keys already seen in one attribute, to reject duplicates on the second occurrence.
#[derive(Default)]
pub struct Seen(BTreeSet<String>);

impl Seen {
    /// `true` the first time `key` is seen; reports a duplicate otherwise.
    pub fn first(&mut self, cx: &Ctxt, key: &Ident) -> bool {
        let fresh = self.0.insert(key.to_string());
        if !fresh {
            cx.error_spanned_by(key, format!("duplicate `{key}`"));
        }
        fresh
    }
}

/// The single-identifier key of `key = …` / `key(…)` / `key`.
pub fn meta_key(cx: &Ctxt, meta: &Meta) -> Option<Ident> {
    let path = meta.path();
    match path.get_ident() {
        Some(ident) => Some(ident.clone()),
        None => {
            cx.error_spanned_by(path, "expected a single identifier");
            None
        }
    }
}

fn name_value<'a>(cx: &Ctxt, meta: &'a Meta) -> Option<&'a Expr> {
    match meta {
        Meta::NameValue(nv) => Some(&nv.value),
        _ => {
            let key = meta.path().to_token_stream();
            cx.error_spanned_by(meta, format!("expected `{key} = …`"));
            None
        }
    }
}

/// `key = "literal"`.
pub fn name_value_str(cx: &Ctxt, meta: &Meta) -> Option<LitStr> {
    name_value(cx, meta).and_then(|e| expr_str(cx, e))
}

/// `key = ident` or `key = ident(...)`, re-read as a [`Meta`] (auth forms, paginators).
pub fn name_value_meta(cx: &Ctxt, meta: &Meta) -> Option<Meta> {
    let expr = name_value(cx, meta)?;
    match syn::parse2::<Meta>(expr.to_token_stream()) {
        Ok(m) => Some(m),
        Err(_) => {
            cx.error_spanned_by(
                expr,
                "expected a name, optionally with arguments: `name` or `name(key = …)`",
            );
            None
        }
    }
}

pub fn expr_str(cx: &Ctxt, expr: &Expr) -> Option<LitStr> {
    match expr {
        Expr::Lit(syn::ExprLit {
            lit: Lit::Str(s), ..
        }) => Some(s.clone()),
        _ => {
            cx.error_spanned_by(expr, "expected a string literal");
            None
        }
    }
}

/// `secret("key")` as a [`SecretLit`], or `None` if `expr` is not that shape.
fn as_secret(cx: &Ctxt, expr: &Expr) -> Option<Option<SecretLit>> {
    let Expr::Call(call) = expr else {
        return None;
    };
    let Expr::Path(func) = &*call.func else {
        return None;
    };
    if !func.path.is_ident("secret") {
        return None;
    }
    // Once `secret` is recognised, every mistake inside it is this one error (the caller
    // does not also report "expected a string literal or `secret(…)`").
    let key = match (call.args.len(), call.args.first()) {
        (
            1,
            Some(Expr::Lit(syn::ExprLit {
                lit: Lit::Str(key), ..
            })),
        ) => key.clone(),
        (1, Some(arg)) => {
            cx.error_spanned_by(
                arg,
                "`secret(…)` takes the key as a string literal, e.g. `secret(\"token\")`: the macro reads the key at compile time (the value, never)",
            );
            return Some(None);
        }
        _ => {
            cx.error_spanned_by(call, "expected `secret(\"key\")` with one string literal");
            return Some(None);
        }
    };
    if !is_secret_key(&key.value()) {
        let fixed: String = key
            .value()
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
        cx.error_spanned_by(&key, message);
        return Some(None);
    }
    Some(Some(SecretLit { key }))
}

pub fn is_secret_key(key: &str) -> bool {
    // These cannot be field names, even raw.
    if matches!(key, "self" | "super" | "crate") {
        return false;
    }
    let mut chars = key.chars();
    matches!(chars.next(), Some('a'..='z'))
        && chars.all(|c| matches!(c, 'a'..='z' | '0'..='9' | '_'))
}

/// A plain string literal or `secret("key")`.
pub fn value(cx: &Ctxt, expr: &Expr) -> Option<Value> {
    if let Some(secret) = as_secret(cx, expr) {
        return secret.map(Value::Secret);
    }
    match expr {
        Expr::Lit(syn::ExprLit {
            lit: Lit::Str(s), ..
        }) => Some(Value::Plain(s.clone())),
        _ => {
            cx.error_spanned_by(expr, "expected a string literal or `secret(\"key\")`");
            None
        }
    }
}

/// A credential: only `secret("key")` is accepted; a literal is refused with the fix.
pub fn credential(cx: &Ctxt, key: &Ident, expr: &Expr) -> Option<SecretLit> {
    match value(cx, expr)? {
        Value::Secret(s) => Some(s),
        Value::Plain(lit) => {
            cx.error_spanned_by(
                &lit,
                format!(
                    "`{key}` is a credential and must not be written in code; use `{key} = secret(\"{}\")` and put the value in secrets.toml or the environment",
                    suggested_key(key)
                ),
            );
            None
        }
    }
}

fn suggested_key(key: &Ident) -> String {
    key.to_string()
}

/// One of `choices` written as an identifier (`location = query`) or a string (`"query"`).
pub fn choice(cx: &Ctxt, what: &str, expr: &Expr, choices: &[&str]) -> Option<Ident> {
    let ident = match expr {
        Expr::Path(p) if p.path.get_ident().is_some() => p.path.get_ident().cloned(),
        Expr::Lit(syn::ExprLit {
            lit: Lit::Str(s), ..
        }) => syn::parse_str::<Ident>(&s.value()).ok().map(|mut i| {
            i.set_span(s.span());
            i
        }),
        _ => None,
    };
    match ident {
        Some(i) if choices.contains(&i.to_string().as_str()) => Some(i),
        Some(i) => {
            cx.error_spanned_by(&i, suggest::unknown(what, &i.to_string(), choices));
            None
        }
        None => {
            cx.error_spanned_by(expr, suggest::expected_one_of(choices));
            None
        }
    }
}

struct HeaderEntry {
    name: LitStr,
    value: Expr,
}

impl Parse for HeaderEntry {
    fn parse(input: ParseStream) -> syn::Result<Self> {
        let name: LitStr = input.parse()?;
        input.parse::<Token![=]>()?;
        let value: Expr = input.parse()?;
        Ok(HeaderEntry { name, value })
    }
}

/// `headers("X-Org" = "acme", "X-Secret" = secret("k"))`.
pub fn parse_headers(cx: &Ctxt, meta: &Meta) -> Vec<Header> {
    let Meta::List(list) = meta else {
        cx.error_spanned_by(meta, "expected `headers(\"Name\" = \"value\", …)`");
        return vec![];
    };
    let entries = match list.parse_args_with(Punctuated::<HeaderEntry, Token![,]>::parse_terminated)
    {
        Ok(e) => e,
        Err(e) => {
            cx.push(syn::Error::new(
                e.span(),
                format!(
                    "{e}; expected `headers(\"Name\" = \"value\", \"Other\" = secret(\"key\"))`"
                ),
            ));
            return vec![];
        }
    };
    let mut names = BTreeSet::new();
    let mut headers = Vec::new();
    for entry in entries {
        let name = entry.name.value();
        if reqwest_like_header_name_ok(&name).is_err() {
            cx.error_spanned_by(
                &entry.name,
                format!("`{name}` is not a valid HTTP header name"),
            );
            continue;
        }
        if !names.insert(name.to_ascii_lowercase()) {
            cx.error_spanned_by(&entry.name, format!("duplicate header `{name}`"));
            continue;
        }
        if let Some(value) = value(cx, &entry.value) {
            headers.push(Header {
                name: entry.name,
                value,
            });
        }
    }
    headers
}

/// RFC 9110 token characters.
fn reqwest_like_header_name_ok(name: &str) -> Result<(), ()> {
    let ok = !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b));
    if ok { Ok(()) } else { Err(()) }
}

/// A paginator: `single_page`, `json_link(next_url_path = "…")`, …, with dlt's names.
#[derive(Clone, Debug)]
pub struct Paginator {
    pub kind: Ident,
    pub args: Vec<(Ident, Lit)>,
}

/// The type of a paginator argument (the runtime's field type).
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum ArgKind {
    Str,
    Count,
    Bool,
}

use ArgKind::{Bool, Count, Str};

/// dlt paginator types and the arguments each accepts, with their types.
pub const PAGINATORS: &[(&str, &[(&str, ArgKind)])] = &[
    ("auto", &[]),
    ("single_page", &[]),
    (
        "json_link",
        &[
            ("next_url_path", Str),
            ("has_more_path", Str),
            ("stop_after_empty_page", Bool),
        ],
    ),
    ("header_link", &[("links_next_key", Str)]),
    (
        "offset",
        &[
            ("limit", Count),
            ("offset", Count),
            ("offset_param", Str),
            ("limit_param", Str),
            ("total_path", Str),
            ("maximum_offset", Count),
            ("stop_after_empty_page", Bool),
            ("has_more_path", Str),
        ],
    ),
    (
        "page_number",
        &[
            ("base_page", Count),
            ("page", Count),
            ("page_param", Str),
            ("total_path", Str),
            ("maximum_page", Count),
            ("stop_after_empty_page", Bool),
            ("has_more_path", Str),
        ],
    ),
    (
        "cursor",
        &[
            ("cursor_path", Str),
            ("cursor_param", Str),
            ("has_more_path", Str),
            ("stop_after_empty_page", Bool),
        ],
    ),
];

impl Paginator {
    pub fn parse(cx: &Ctxt, meta: &Meta) -> Option<Paginator> {
        let kind = meta_key(cx, meta)?;
        let names: Vec<&str> = PAGINATORS.iter().map(|(n, _)| *n).collect();
        let Some((_, allowed)) = PAGINATORS.iter().find(|(n, _)| kind == n) else {
            cx.error_spanned_by(
                &kind,
                suggest::unknown("paginator", &kind.to_string(), &names),
            );
            return None;
        };
        let allowed_names: Vec<&str> = allowed.iter().map(|(n, _)| *n).collect();
        let mut args = Vec::new();
        let mut typo_of_limit = false;
        let mut limit_given = false;
        if let Meta::List(list) = meta {
            let metas = match list.parse_args_with(Punctuated::<Meta, Token![,]>::parse_terminated)
            {
                Ok(m) => m,
                Err(e) => {
                    cx.push(e);
                    return None;
                }
            };
            if allowed.is_empty() && !metas.is_empty() {
                cx.error_spanned_by(
                    &metas,
                    format!("`{kind}` takes no arguments; write `paginator = {kind}`"),
                );
                return Some(Paginator { kind, args });
            }
            let mut seen = Seen::default();
            for m in &metas {
                let Some(key) = meta_key(cx, m) else { continue };
                let Some((_, arg_kind)) = allowed.iter().find(|(n, _)| key == n) else {
                    let what = format!("`{kind}` argument");
                    cx.error_spanned_by(
                        &key,
                        suggest::unknown(&what, &key.to_string(), &allowed_names),
                    );
                    typo_of_limit |=
                        suggest::did_you_mean(&key.to_string(), allowed_names.iter().copied())
                            == Some("limit");
                    continue;
                };
                if !seen.first(cx, &key) {
                    continue;
                }
                limit_given |= key == "limit";
                let Some(value) = name_value(cx, m) else {
                    continue;
                };
                let ok = match (arg_kind, value) {
                    (
                        Str,
                        Expr::Lit(syn::ExprLit {
                            lit: Lit::Str(_), ..
                        }),
                    ) => true,
                    (
                        Bool,
                        Expr::Lit(syn::ExprLit {
                            lit: Lit::Bool(_), ..
                        }),
                    ) => true,
                    (
                        Count,
                        Expr::Lit(syn::ExprLit {
                            lit: Lit::Int(i), ..
                        }),
                    ) => i.base10_parse::<u64>().is_ok() && i.suffix().is_empty(),
                    _ => false,
                };
                if !ok {
                    let expected = match arg_kind {
                        Str => format!("a string, e.g. `{key} = \"…\"`"),
                        Count => format!("a whole number, e.g. `{key} = 100`"),
                        Bool => format!("`true` or `false`, e.g. `{key} = true`"),
                    };
                    cx.error_spanned_by(value, format!("`{key}` of `{kind}` expects {expected}"));
                    continue;
                }
                if let Expr::Lit(lit) = value {
                    args.push((key, lit.lit.clone()));
                }
            }
        }
        // `limit = 0` and a paginator that could never stop: shared rules
        // (`rest_source_spec::validate::paginator`), reported by `shared.rs`.
        if kind == "offset" && !typo_of_limit && !limit_given {
            cx.error_spanned_by(
                &kind,
                "`offset` is missing required argument `limit` (records per page), e.g. `offset(limit = 100)`",
            );
        }
        Some(Paginator { kind, args })
    }
}
