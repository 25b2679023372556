//! The request side of `#[resource(…)]` beyond the path: `params(…)`, `headers(…)`,
//! `incremental(…)`, `include_from_parent`, `method`, `json`, `max_pages`, `max_items`.
//! Values are literals checked here; placeholders in `params` are checked in `valid.rs`,
//! which sees the whole source.

use std::collections::BTreeSet;

use syn::parse::{Parse, ParseStream};
use syn::punctuated::Punctuated;
use syn::{Expr, Ident, Lit, LitInt, LitStr, Meta, Token};

use crate::attr::{self, Seen};
use crate::ctxt::Ctxt;
use crate::suggest;

/// One `"name" = value` of `params(…)`: a string (may hold `{param}` / `{parent.field}`
/// placeholders), a number or a bool.
pub struct QueryParam {
    pub name: LitStr,
    pub value: Expr,
}

impl QueryParam {
    /// The string value, when it is one (placeholders live there).
    pub fn str_value(&self) -> Option<&LitStr> {
        match &self.value {
            Expr::Lit(syn::ExprLit {
                lit: Lit::Str(s), ..
            }) => Some(s),
            _ => None,
        }
    }
}

/// `incremental(cursor_path = …, start_param = …, …)`, dlt's names.
pub struct Incremental {
    pub cursor_path: LitStr,
    pub start_param: Option<LitStr>,
    pub end_param: Option<LitStr>,
    pub initial_value: Option<Expr>,
    pub end_value: Option<Expr>,
}

pub const INCREMENTAL_KEYS: &[&str] = &[
    "cursor_path",
    "start_param",
    "param",
    "end_param",
    "initial_value",
    "end_value",
];

struct Entry {
    name: LitStr,
    value: Expr,
}

impl Parse for Entry {
    fn parse(input: ParseStream) -> syn::Result<Self> {
        // `"filter[status]" = …` or `status = …`.
        let name = if input.peek(LitStr) {
            input.parse()?
        } else {
            let ident: Ident = syn::ext::IdentExt::parse_any(input)?;
            LitStr::new(&syn::ext::IdentExt::unraw(&ident).to_string(), ident.span())
        };
        input.parse::<Token![=]>()?;
        Ok(Entry {
            name,
            value: input.parse()?,
        })
    }
}

/// A string, number or bool literal (numbers may be negative).
fn is_scalar(expr: &Expr) -> bool {
    match expr {
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

fn is_secret_call(expr: &Expr) -> bool {
    matches!(expr, Expr::Call(c) if matches!(&*c.func, Expr::Path(p) if p.path.is_ident("secret")))
}

/// `params("status" = "active", "per_page" = 50, "since" = "{since}")`.
pub fn parse_params(cx: &Ctxt, meta: &Meta) -> Vec<QueryParam> {
    let Meta::List(list) = meta else {
        cx.error_spanned_by(meta, "expected `params(\"name\" = \"value\", …)`");
        return vec![];
    };
    let entries = match list.parse_args_with(Punctuated::<Entry, Token![,]>::parse_terminated) {
        Ok(e) => e,
        Err(e) => {
            cx.push(syn::Error::new(
                e.span(),
                format!("{e}; expected `params(\"status\" = \"active\", \"per_page\" = 50)`"),
            ));
            return vec![];
        }
    };
    let mut names = BTreeSet::new();
    let mut out = Vec::new();
    for Entry { name, value } in entries {
        if !names.insert(name.value()) {
            cx.error_spanned_by(
                &name,
                format!("duplicate query parameter `{}`", name.value()),
            );
            continue;
        }
        if is_secret_call(&value) {
            cx.error_spanned_by(
                &value,
                "a secret does not go in `params`: query strings end up in logs; send it with `#[auth(api_key(name = \"…\", api_key = secret(\"…\"), location = query))]`, which redacts it from every printed URL",
            );
            continue;
        }
        if !is_scalar(&value) {
            cx.error_spanned_by(
                &value,
                format!(
                    "the value of query parameter `{}` must be a literal: a string (`\"active\"`, `\"{{region}}\"` for a source parameter), a number or a bool; a value known only at run time goes in a source parameter field",
                    name.value()
                ),
            );
            continue;
        }
        out.push(QueryParam { name, value });
    }
    out
}

/// `incremental(cursor_path = "updated_at", start_param = "since", initial_value = "…")`.
pub fn parse_incremental(cx: &Ctxt, meta: &Meta) -> Option<Incremental> {
    let Meta::List(list) = meta else {
        cx.error_spanned_by(
            meta,
            "expected `incremental(cursor_path = \"updated_at\", start_param = \"since\", initial_value = \"…\")`",
        );
        return None;
    };
    let metas = match list.parse_args_with(Punctuated::<Meta, Token![,]>::parse_terminated) {
        Ok(m) => m,
        Err(e) => {
            cx.push(e);
            return None;
        }
    };
    let mut seen = Seen::default();
    let mut cursor_path = None;
    let mut start_param: Option<(Ident, LitStr)> = None;
    let mut end_param = None;
    let mut initial_value = None;
    let mut end_value = None;
    let mut misspelt_cursor = false;
    for m in &metas {
        let Some(key) = attr::meta_key(cx, m) else {
            continue;
        };
        let name = key.to_string();
        if !INCREMENTAL_KEYS.contains(&name.as_str()) {
            cx.error_spanned_by(
                &key,
                suggest::unknown("`incremental` argument", &name, INCREMENTAL_KEYS),
            );
            misspelt_cursor |= suggest::did_you_mean(&name, INCREMENTAL_KEYS.iter().copied())
                == Some("cursor_path");
            continue;
        }
        if !seen.first(cx, &key) {
            continue;
        }
        match name.as_str() {
            "cursor_path" => cursor_path = attr::name_value_str(cx, m),
            "start_param" | "param" => {
                let Some(value) = attr::name_value_str(cx, m) else {
                    continue;
                };
                if let Some((first, _)) = &start_param {
                    cx.error_spanned_by(
                        &key,
                        format!("`{key}` and `{first}` are the same setting (`param` is dlt's older name); keep one"),
                    );
                } else {
                    start_param = Some((key.clone(), value));
                }
            }
            "end_param" => end_param = attr::name_value_str(cx, m).map(|v| (key.clone(), v)),
            "initial_value" | "end_value" => {
                let value = match m {
                    Meta::NameValue(nv) if is_scalar(&nv.value) => Some(nv.value.clone()),
                    Meta::NameValue(nv) => {
                        cx.error_spanned_by(
                            &nv.value,
                            format!("`{key}` must be a literal cursor value: a string (`\"2024-01-01T00:00:00Z\"`) or a number"),
                        );
                        None
                    }
                    _ => {
                        cx.error_spanned_by(m, format!("expected `{key} = …`"));
                        None
                    }
                };
                if name == "initial_value" {
                    initial_value = value;
                } else {
                    end_value = value;
                }
            }
            _ => {}
        }
    }
    // `end_param` without `end_value` sends nothing, as in dlt (whose request drops the `None`).
    let Some(cursor_path) = cursor_path else {
        if !misspelt_cursor {
            cx.error_spanned_by(
                meta.path(),
                "`incremental` is missing required argument `cursor_path` (where each record holds its cursor, e.g. `cursor_path = \"updated_at\"`)",
            );
        }
        return None;
    };
    Some(Incremental {
        cursor_path,
        start_param: start_param.map(|(_, v)| v),
        end_param: end_param.map(|(_, v)| v),
        initial_value,
        end_value,
    })
}

/// `include_from_parent = ["id", "name"]` or `include_from_parent("id", "name")`.
pub fn parse_include_from_parent(cx: &Ctxt, meta: &Meta) -> Vec<LitStr> {
    let items: Vec<Expr> = match meta {
        Meta::NameValue(nv) => {
            match &nv.value {
                Expr::Array(a) => a.elems.iter().cloned().collect(),
                Expr::Lit(_) => vec![nv.value.clone()],
                other => {
                    cx.error_spanned_by(other, "expected a list of parent fields: `include_from_parent = [\"id\", \"name\"]`");
                    return vec![];
                }
            }
        }
        Meta::List(list) => {
            match list.parse_args_with(Punctuated::<Expr, Token![,]>::parse_terminated) {
                Ok(p) => p.into_iter().collect(),
                Err(e) => {
                    cx.push(e);
                    return vec![];
                }
            }
        }
        Meta::Path(p) => {
            cx.error_spanned_by(
                p,
                "expected a list of parent fields: `include_from_parent = [\"id\", \"name\"]`",
            );
            return vec![];
        }
    };
    let mut seen = BTreeSet::new();
    items
        .iter()
        .filter_map(|e| attr::expr_str(cx, e))
        .filter(|l| {
            let fresh = seen.insert(l.value());
            if !fresh {
                cx.error_spanned_by(l, format!("duplicate parent field `{}`", l.value()));
            }
            fresh
        })
        .collect()
}

/// `method = "POST"` (or `method = post`): `GET` or `POST`.
pub fn parse_method(cx: &Ctxt, meta: &Meta) -> Option<LitStr> {
    let Meta::NameValue(nv) = meta else {
        cx.error_spanned_by(meta, "expected `method = \"POST\"`");
        return None;
    };
    let (text, span) = match &nv.value {
        Expr::Lit(syn::ExprLit {
            lit: Lit::Str(s), ..
        }) => (s.value(), s.span()),
        Expr::Path(p) if p.path.get_ident().is_some() => {
            let i = p.path.get_ident()?;
            (i.to_string(), i.span())
        }
        other => {
            cx.error_spanned_by(other, "expected `method = \"GET\"` or `method = \"POST\"`");
            return None;
        }
    };
    let upper = text.to_ascii_uppercase();
    if upper == "GET" || upper == "POST" {
        Some(LitStr::new(&upper, span))
    } else {
        cx.error_at(
            span,
            format!(
                "unsupported method `{text}`, expected `GET` or `POST` (a resource reads pages)"
            ),
        );
        None
    }
}

/// `json = r#"{"query": "…"}"#`: a JSON body, checked now.
pub fn parse_json(cx: &Ctxt, meta: &Meta) -> Option<LitStr> {
    let lit = attr::name_value_str(cx, meta)?;
    match serde_json::from_str::<serde_json::Value>(&lit.value()) {
        Ok(_) => Some(lit),
        Err(e) => {
            cx.error_spanned_by(&lit, format!("`json` is not valid JSON: {e}"));
            None
        }
    }
}

/// `max_pages = 10`.
pub fn parse_count(cx: &Ctxt, meta: &Meta) -> Option<LitInt> {
    let Meta::NameValue(nv) = meta else {
        cx.error_spanned_by(
            meta,
            format!("expected `{} = 10`", meta.path().get_ident()?),
        );
        return None;
    };
    match &nv.value {
        Expr::Lit(syn::ExprLit {
            lit: Lit::Int(i), ..
        }) if i.base10_parse::<u64>().is_ok() => Some(i.clone()),
        // 0 is a whole number: the shared rule (`rest_source_spec::validate`) refuses it.
        other => {
            cx.error_spanned_by(other, "expected a whole number, e.g. `10`");
            None
        }
    }
}
