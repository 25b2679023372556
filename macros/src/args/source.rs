//! `#[rest_source(…)]`, `#[resource(…)]` and `incremental(…)`: the darling lists and their
//! translation into the macro's model (`ast::SourceConfig`, `ast::ResourceDef`,
//! `endpoint::Incremental`).

use darling::FromMeta;
use proc_macro2::{Span, TokenStream};
use syn::Meta;
use syn::spanned::Spanned;

use super::auth::AuthArg;
use super::paginator::PaginatorArg;
use super::values::{
    self, Count, CratePath, CursorValue, Data, Headers, IncludeFromParent, Json, Keyed, Method,
    Params, Text,
};
use super::{Parsed, args, combine, parse_items, parse_tokens};
use crate::ast::{ResourceDef, SourceConfig};
use crate::endpoint::Incremental;

args! {
    /// The arguments of `#[rest_source(…)]`.
    pub struct SourceArgs for "`#[rest_source]`" {
        optional base_url: Text,
        optional auth: AuthArg,
        optional headers: Headers,
        optional paginator: PaginatorArg,
        optional name: Text,
        optional secrets_schema: Text,
        /// `crate = "my_facade::rest_source"`: where generated code finds the facade.
        optional krate as "crate": CratePath,
    }
}

args! {
    /// The arguments of `#[resource(…)]`.
    pub struct ResourceArgs for "`#[resource]`" {
        optional path: Text,
        optional data_selector: Text,
        optional primary_key: Text,
        optional paginator: PaginatorArg,
        optional params: Params,
        optional headers: Headers,
        optional incremental: IncrementalArg,
        optional include_from_parent: IncludeFromParent,
        optional method: Method,
        optional json: Json,
        optional data: Data,
        optional max_pages: Count,
        optional max_items: Count,
        optional concurrency: Count,
    }
}

args! {
    /// `incremental(cursor_path = …, start_param = …, …)`, dlt's names (`param` is dlt's
    /// older name of `start_param`).
    pub struct IncrementalArgs for "`incremental`",
        hint "where each record holds its cursor, e.g. `cursor_path = \"updated_at\"`" {
        required cursor_path: Text,
        optional start_param: Text,
        optional param: Keyed<Text>,
        optional end_param: Keyed<Text>,
        optional initial_value: CursorValue,
        optional end_value: CursorValue,
    }
}

/// `#[rest_source(…)]` as the model, with every mistake in it.
pub fn source_config(args: TokenStream) -> Parsed<SourceConfig> {
    let parsed = parse_tokens::<SourceArgs>(args, Span::call_site());
    let Some(a) = parsed.value else {
        // The list did not tokenize: nothing else can be said about it.
        let config = SourceConfig {
            unparsed: true,
            ..SourceConfig::default()
        };
        return Parsed {
            value: Some(config),
            errors: parsed.errors,
        };
    };
    let mut errors = parsed.errors;
    let headers = a.headers.map(|h| {
        errors.extend(h.1);
        h.0
    });
    let config = SourceConfig {
        name: a.name.map(|t| t.0),
        base_url: a.base_url.map(|t| t.0),
        auth: a.auth.map(|a| a.0),
        headers: headers.unwrap_or_default(),
        paginator: a.paginator.map(|p| p.0),
        secrets_schema: a.secrets_schema.map(|t| t.0),
        crate_path: a.krate.map(|c| c.0),
        unparsed: false,
    };
    Parsed {
        value: Some(config),
        errors,
    }
}

/// The `crate = "…"` path of `#[rest_source(…)]` when it reads as one, whatever else is
/// wrong (the stand-ins generated on error use it too; its own mistakes are reported by
/// [`source_config`]).
pub fn crate_path(args: &TokenStream) -> Option<syn::Path> {
    let items = darling::ast::NestedMeta::parse_meta_list(args.clone()).ok()?;
    items.iter().find_map(|item| match item {
        darling::ast::NestedMeta::Meta(meta) if meta.path().is_ident("crate") => {
            CratePath::from_meta(meta).ok().map(|c| c.0)
        }
        _ => None,
    })
}

/// `#[resource(…)]` (or a bare `#[resource]`) as the model, with every mistake in it. A
/// missing `path` is reported here, on the attribute.
pub fn resource_def(attr: &syn::Attribute) -> Parsed<ResourceDef> {
    let attr_span = attr.path().span();
    let mut parsed = match &attr.meta {
        Meta::List(list) => parse_tokens::<ResourceArgs>(list.tokens.clone(), attr_span),
        _ => parse_items::<ResourceArgs>(&[], attr_span),
    };
    let a = parsed.value.take();
    let written = |key: &str| match &attr.meta {
        Meta::List(list) => darling::ast::NestedMeta::parse_meta_list(list.tokens.clone())
            .map(|items| {
                items.iter().any(|i| match i {
                    darling::ast::NestedMeta::Meta(m) => m.path().is_ident(key),
                    _ => false,
                })
            })
            .unwrap_or(true),
        _ => false,
    };
    let mut def = ResourceDef::empty(attr_span);
    if let Some(a) = a {
        def.path = a.path.map(|t| t.0);
        def.data_selector = a.data_selector.map(|t| t.0);
        def.primary_key = a.primary_key.map(|t| t.0);
        def.paginator = a.paginator.map(|p| p.0);
        if let Some(params) = a.params {
            def.params = params.0;
            parsed.errors.extend(params.1);
        }
        if let Some(headers) = a.headers {
            def.headers = headers.0;
            parsed.errors.extend(headers.1);
        }
        def.incremental = a.incremental.map(|i| i.0);
        def.include_from_parent = a.include_from_parent.map(|i| (i.0, i.1));
        def.method = a.method.map(|m| m.0);
        def.json = a.json.map(|j| j.0);
        if let Some(data) = a.data {
            def.data = Some(data.0);
            parsed.errors.extend(data.1);
        }
        def.max_pages = a.max_pages.map(|c| c.0);
        def.max_items = a.max_items.map(|c| c.0);
        def.concurrency = a.concurrency.map(|c| c.0);
    }
    // Only when not written at all: a misspelt or invalid `path` is already reported.
    if def.path.is_none() && !written("path") && !parsed.suggests("path") {
        parsed.errors.push(values::error_at(
            attr_span,
            "missing `path` in `#[resource(…)]`, e.g. `#[resource(path = \"contacts\")]`",
        ));
    }
    Parsed {
        value: Some(def),
        errors: parsed.errors,
    }
}

/// `incremental(…)` as the model's [`Incremental`].
pub struct IncrementalArg(pub Incremental);

impl FromMeta for IncrementalArg {
    fn from_meta(meta: &Meta) -> darling::Result<Self> {
        let Meta::List(list) = meta else {
            return Err(values::error_on(
                meta,
                "expected `incremental(cursor_path = \"updated_at\", start_param = \"since\", initial_value = \"…\")`",
            ));
        };
        let parsed = parse_tokens::<IncrementalArgs>(list.tokens.clone(), meta.path().span());
        let mut errors = parsed.errors;
        let Some(a) = parsed.value else {
            return Err(combine(errors));
        };
        let start_param = match (a.start_param, a.param) {
            (Some(_), Some(param)) => {
                errors.push(values::error_on(
                    &param.key,
                    "`param` and `start_param` are the same setting (`param` is dlt's older name); keep one",
                ));
                None
            }
            (start, param) => start.or(param.map(|p| p.value)).map(|t| t.0),
        };
        // `end_param` without `end_value` sends nothing, as in dlt (whose request drops the `None`).
        if !errors.is_empty() {
            return Err(combine(errors));
        }
        Ok(IncrementalArg(Incremental {
            cursor_path: a.cursor_path.0,
            start_param,
            end_param: a.end_param.map(|t| t.value.0),
            initial_value: a.initial_value.map(|v| v.0),
            end_value: a.end_value.map(|v| v.0),
        }))
    }
}
