//! The source as the macro understands it, parsed from the attribute and the struct. Parsing
//! never stops at the first mistake: each problem goes to the [`Ctxt`] and parsing goes on with
//! what it could read, so validation can still report the rest.

use proc_macro2::{Span, TokenStream};
use syn::ext::IdentExt;
use syn::{Attribute, Ident, LitInt, LitStr, Meta, Type, Visibility};

use crate::args;
use crate::attr::{Paginator, Value};
use crate::auth::AuthDef;
use crate::ctxt::Ctxt;
use crate::endpoint::{Incremental, QueryParam};

/// `secret("key")`: the literal is kept for its span.
#[derive(Clone)]
pub struct SecretLit {
    pub key: LitStr,
}

impl SecretLit {
    pub fn key(&self) -> String {
        self.key.value()
    }
}

/// A whole `#[rest_source(...)] struct`.
pub struct Source {
    pub attrs: Vec<Attribute>,
    pub vis: Visibility,
    pub ident: Ident,
    pub config: SourceConfig,
    pub fields: Vec<Field>,
    /// `false` for a tuple or unit struct (reported; expansion re-emits the item untouched).
    pub named: bool,
}

/// The arguments of `#[rest_source(...)]`.
#[derive(Default)]
pub struct SourceConfig {
    pub name: Option<LitStr>,
    pub base_url: Option<LitStr>,
    pub auth: Option<AuthDef>,
    pub headers: Vec<Header>,
    pub paginator: Option<Paginator>,
    pub secrets_schema: Option<LitStr>,
    /// `crate = "…"`: the path to the facade, when it is not `::rest_source`.
    pub crate_path: Option<syn::Path>,
    /// The arguments did not parse at all (reported); suppresses "missing …" follow-ups.
    pub unparsed: bool,
}

/// One `"Name" = value` of `headers(...)`.
pub struct Header {
    pub name: LitStr,
    pub value: Value,
}

/// One struct field.
pub struct Field {
    /// The field as declared, minus `#[resource]` / `#[auth]`.
    pub field: syn::Field,
    pub ident: Ident,
    pub kind: FieldKind,
    /// `#[auth(...)]` on this field; only valid with `#[resource]`.
    pub auth: Option<AuthDef>,
}

pub enum FieldKind {
    /// A plain field: a source parameter, usable as `{name}` in paths.
    Param,
    Resource(Box<ResourceDef>),
}

/// `#[resource(...)]`.
pub struct ResourceDef {
    /// The `resource` path of the attribute (span for "missing argument" errors).
    pub attr_span: Span,
    pub path: Option<LitStr>,
    pub data_selector: Option<LitStr>,
    pub primary_key: Option<LitStr>,
    pub paginator: Option<Paginator>,
    /// `params(…)`: query parameters of every page.
    pub params: Vec<QueryParam>,
    /// `headers(…)`: headers of this resource only (secret values allowed).
    pub headers: Vec<Header>,
    pub incremental: Option<Incremental>,
    /// `include_from_parent`, with its key (for "has no parent" errors).
    pub include_from_parent: Option<(Ident, Vec<LitStr>)>,
    pub method: Option<LitStr>,
    pub json: Option<LitStr>,
    /// `data(…)` / `data = "…"`: a form or raw body (dlt's `data`).
    pub data: Option<crate::endpoint::DataBody>,
    pub max_pages: Option<LitInt>,
    pub max_items: Option<LitInt>,
    /// Requests kept in flight (the runtime's `ResourceSpec::concurrency`).
    pub concurrency: Option<LitInt>,
}

impl ResourceDef {
    /// A resource with nothing but its attribute's span.
    pub fn empty(attr_span: Span) -> ResourceDef {
        ResourceDef {
            attr_span,
            path: None,
            data_selector: None,
            primary_key: None,
            paginator: None,
            params: Vec::new(),
            headers: Vec::new(),
            incremental: None,
            include_from_parent: None,
            method: None,
            json: None,
            data: None,
            max_pages: None,
            max_items: None,
            concurrency: None,
        }
    }
}

impl Source {
    /// Parses the attribute arguments and the struct. `None` only when `item` is not a
    /// struct at all (the error is in `cx`).
    pub fn from_syn(cx: &Ctxt, args: TokenStream, item: &syn::DeriveInput) -> Option<Source> {
        let data = match &item.data {
            syn::Data::Struct(data) => data,
            _ => {
                cx.error_spanned_by(
                    &item.ident,
                    "`#[rest_source]` goes on a struct with named fields (resources and parameters)",
                );
                return None;
            }
        };
        if !item.generics.params.is_empty() {
            cx.error_spanned_by(&item.generics, "`#[rest_source]` structs cannot be generic");
        }
        for a in &item.attrs {
            if a.path().is_ident("auth") {
                cx.error_spanned_by(
                    a.path(),
                    "the source's auth goes in `#[rest_source(auth = …)]`; `#[auth(…)]` overrides it on one `#[resource]` field",
                );
            } else if a.path().is_ident("resource") {
                cx.error_spanned_by(a.path(), "`#[resource]` goes on a field of the struct");
            }
        }
        let config = parse_source_args(cx, args);
        let named = matches!(data.fields, syn::Fields::Named(_));
        if !named {
            cx.error_spanned_by(
                &item.ident,
                "`#[rest_source]` goes on a struct with named fields (resources and parameters)",
            );
        }
        let fields = data
            .fields
            .iter()
            .filter_map(|f| parse_field(cx, f))
            .collect();
        Some(Source {
            attrs: item.attrs.clone(),
            vis: item.vis.clone(),
            ident: item.ident.clone(),
            config,
            fields,
            named,
        })
    }

    pub fn resources(&self) -> impl Iterator<Item = (&Field, &ResourceDef)> {
        self.fields.iter().filter_map(|f| match &f.kind {
            FieldKind::Resource(r) => Some((f, &**r)),
            FieldKind::Param => None,
        })
    }

    pub fn params(&self) -> impl Iterator<Item = &Field> {
        self.fields
            .iter()
            .filter(|f| matches!(f.kind, FieldKind::Param))
    }

    /// The name secrets are looked up under: `name = "…"`, else the struct name in snake_case.
    pub fn source_name(&self) -> String {
        match &self.config.name {
            Some(name) => name.value(),
            None => snake_case(&self.ident.to_string()),
        }
    }
}

pub fn snake_case(name: &str) -> String {
    let mut out = String::new();
    for (i, c) in name.chars().enumerate() {
        if c.is_uppercase() {
            if i > 0 {
                out.push('_');
            }
            out.extend(c.to_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

fn parse_source_args(cx: &Ctxt, args: TokenStream) -> SourceConfig {
    let parsed = args::source::source_config(args);
    report(cx, parsed.errors);
    parsed.value.unwrap_or_default()
}

/// Hands darling's errors (each with its span) to `cx`.
fn report(cx: &Ctxt, errors: Vec<darling::Error>) {
    for error in args::into_syn(errors) {
        cx.push(error);
    }
}

fn parse_field(cx: &Ctxt, field: &syn::Field) -> Option<Field> {
    let ident = field.ident.clone()?;
    let mut resource_attr: Option<&Attribute> = None;
    let mut auth_attr: Option<&Attribute> = None;
    let mut kept = Vec::new();
    for a in &field.attrs {
        let slot = if a.path().is_ident("resource") {
            &mut resource_attr
        } else if a.path().is_ident("auth") {
            &mut auth_attr
        } else {
            kept.push(a.clone());
            continue;
        };
        if slot.is_some() {
            cx.error_spanned_by(
                a.path(),
                format!(
                    "duplicate `#[{}]` on field `{ident}`",
                    a.path()
                        .get_ident()
                        .map(|i| i.to_string())
                        .unwrap_or_default()
                ),
            );
        } else {
            *slot = Some(a);
        }
    }
    let kind = match resource_attr {
        Some(a) => FieldKind::Resource(Box::new(parse_resource(cx, a, &field.ty))),
        None if is_resource_type(&field.ty) => {
            // Not a parameter either: left out, so nothing else reports it a second time.
            cx.error_spanned_by(
                &ident,
                format!(
                    "`{}` is a `Resource` but has no `#[resource]`: add `#[resource(path = \"…\")]` above it (a source parameter has a plain type such as `String`)",
                    ident.unraw()
                ),
            );
            return None;
        }
        None => FieldKind::Param,
    };
    let auth = auth_attr.and_then(|a| {
        if resource_attr.is_none() {
            cx.error_spanned_by(
                a.path(),
                format!(
                    "`#[auth]` only applies to `#[resource]` fields; `{ident}` is a source parameter"
                ),
            );
            return None;
        }
        match &a.meta {
            Meta::List(list) => match syn::parse2::<Meta>(list.tokens.clone()) {
                Ok(m) => match args::auth::auth_def(&m) {
                    Ok(def) => Some(def),
                    Err(e) => {
                        report(cx, vec![e]);
                        None
                    }
                },
                Err(e) => {
                    cx.push(e);
                    None
                }
            },
            _ => {
                cx.error_spanned_by(
                    a,
                    "expected `#[auth(<type>(…))]`, e.g. `#[auth(bearer(token = secret(\"token\")))]` or `#[auth(none)]`",
                );
                None
            }
        }
    });
    let mut field = field.clone();
    field.attrs = kept;
    Some(Field {
        field,
        ident,
        kind,
        auth,
    })
}

fn parse_resource(cx: &Ctxt, a: &Attribute, ty: &Type) -> ResourceDef {
    check_resource_type(cx, ty);
    let parsed = args::source::resource_def(a);
    report(cx, parsed.errors);
    // `resource_def` always gives the resource (what it could read), so a mistake in its
    // arguments does not also make it "not a resource".
    parsed
        .value
        .unwrap_or_else(|| ResourceDef::empty(syn::spanned::Spanned::span(a.path())))
}

/// `Resource<…>`, by its last path segment (`rest_source::Resource<T>` too).
pub fn is_resource_type(ty: &Type) -> bool {
    resource_segment(ty).is_some()
}

fn resource_segment(ty: &Type) -> Option<&syn::PathSegment> {
    match ty {
        Type::Path(p) if p.qself.is_none() => {
            p.path.segments.last().filter(|s| s.ident == "Resource")
        }
        _ => None,
    }
}

/// The type must be `Resource<Item>`: exactly one type argument, the item type. The error
/// sits on the type and says what to write instead of the common near-misses.
fn check_resource_type(cx: &Ctxt, ty: &Type) {
    if let Some(segment) = resource_segment(ty)
        && let syn::PathArguments::AngleBracketed(args) = &segment.arguments
        && args.args.len() == 1
        && let Some(syn::GenericArgument::Type(_)) = args.args.first()
    {
        return;
    }
    let outer = match ty {
        Type::Path(p) => p.path.segments.last().map(|s| s.ident.to_string()),
        _ => None,
    };
    let why = match outer.as_deref() {
        Some("Option") => {
            "; a resource is always built with its source, so it is never an `Option`"
        }
        Some("Vec") => {
            "; it streams every record of every page, and `.collect().await` gives the `Vec`"
        }
        _ => "",
    };
    cx.error_spanned_by(
        ty,
        format!(
            "a resource field has type `Resource<T>`, where `T` is what each record deserialises into{why}"
        ),
    );
}
