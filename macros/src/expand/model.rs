//! The source as a `SourceSpec`, by typed construction (builder calls and struct literals of
//! the model), so a model change the expansion does not follow is a compile error of this
//! workspace, not a run-time error of a user's. The runtime's `assemble` turns it into
//! clients and resources, as it does for a TOML/JSON config.

use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote};
use syn::ext::IdentExt;

use super::auth::auth_spec;
use super::{private, rt};
use crate::ast::{Header, ResourceDef, Source};
use crate::attr::{Paginator, Value};
use crate::endpoint::Incremental;
use crate::valid::{Plan, ResourcePlan};

/// The expression building the source's `SourceSpec` inside `build()` (the builder's
/// `__base_url`, `__access_token_url` and `__login_url` overrides in scope, parameters as
/// `__param_<name>`).
pub fn source_spec(source: &Source, plan: &Plan) -> TokenStream {
    let rt = rt();
    let spec = quote!(#rt::spec);
    let source_name = source.source_name();
    let base_url = source
        .config
        .base_url
        .as_ref()
        .map(|l| l.value())
        .unwrap_or_default();
    let headers = source.config.headers.iter().map(|h| {
        let (name, value) = (&h.name, maybe_secret(&h.value));
        quote!(.header(#name, #value))
    });
    let auth = plan.groups[0].as_ref().map(|def| {
        let auth = auth_spec(Some(def));
        quote!(.auth(#auth))
    });
    let paginator = source.config.paginator.as_ref().map(|pg| {
        let pg = paginator(pg);
        quote!(.paginator(#pg))
    });
    let params = used_params(source, plan).into_iter().map(|name| {
        let local = format_ident!("__param_{}", name);
        quote!(.param(#name, ::std::string::ToString::to_string(&#local)))
    });
    let resources = source.resources().filter_map(|(field, def)| {
        let name = field.ident.unraw().to_string();
        let rp = plan.resources.get(&name)?;
        let resource = resource(source, plan, &name, def, rp);
        Some(quote!(.resource(#resource)))
    });
    quote! {
        #spec::SourceSpec::new(
            #source_name,
            ::core::clone::Clone::clone(&__base_url)
                .unwrap_or_else(|| ::std::string::String::from(#base_url)),
        )
        #(#headers)*
        #auth
        #paginator
        #(#params)*
        #(#resources)*
    }
}

/// The source parameters named by a placeholder somewhere (in a path or a `params(…)`
/// value): only those need `ToString`.
fn used_params(source: &Source, plan: &Plan) -> Vec<String> {
    let mut used: Vec<String> = Vec::new();
    for rp in plan.resources.values() {
        let in_path = rp.placeholders.iter().filter(|p| p.field.is_none());
        let names = in_path
            .map(|p| p.name.clone())
            .chain(rp.param_placeholders.iter().cloned());
        for name in names {
            if !used.contains(&name) {
                used.push(name);
            }
        }
    }
    // Declaration order, so the expansion is stable.
    source
        .params()
        .map(|f| f.ident.unraw().to_string())
        .filter(|p| used.contains(p))
        .collect()
}

/// One `SourceResource`: the `ResourceSpec` plus its auth override and secret headers.
fn resource(
    source: &Source,
    plan: &Plan,
    name: &str,
    def: &ResourceDef,
    rp: &ResourcePlan,
) -> TokenStream {
    let rt = rt();
    let spec = quote!(#rt::spec);
    let resource_spec = resource_spec(source, name, def);
    let secret_headers = def.headers.iter().filter_map(|h| match &h.value {
        Value::Secret(s) => {
            let (name, key) = (&h.name, &s.key);
            Some(quote!(.secret_header(#name, #key)))
        }
        Value::Plain(_) => None,
    });
    // Group 0 is the source's auth: nothing to override.
    let auth = (rp.group != 0).then(|| {
        let auth = auth_spec(plan.groups[rp.group].as_ref());
        quote!(.auth(#auth))
    });
    quote!(#spec::SourceResource::new(#resource_spec) #(#secret_headers)* #auth)
}

/// The `ResourceSpec` of one `#[resource(…)]` field (the source's paginator when it has
/// none of its own, as a config's resources get `client.paginator`).
fn resource_spec(source: &Source, name: &str, def: &ResourceDef) -> TokenStream {
    let rt = rt();
    let p = private();
    let spec = quote!(#rt::spec);
    let path = def.path.as_ref().map(|l| l.value()).unwrap_or_default();
    let mut calls = Vec::new();
    if let Some(d) = &def.data_selector {
        calls.push(quote!(.data_selector(#d)));
    }
    if let Some(pg) = def.paginator.as_ref().or(source.config.paginator.as_ref()) {
        let pg = paginator(pg);
        calls.push(quote!(.paginator(#pg)));
    }
    for q in &def.params {
        let (name, value) = (&q.name, &q.value);
        calls.push(quote!(.param(#name, #value)));
    }
    calls.extend(plain_headers(&def.headers));
    if let Some(m) = &def.method {
        calls.push(quote!(.method(#m)));
    }
    if let Some(inc) = &def.incremental {
        let inc = incremental(inc);
        calls.push(quote!(.incremental(#inc)));
    }
    if let Some(k) = &def.primary_key {
        calls.push(quote!(.primary_key(#k)));
    }
    for f in def.include_from_parent.iter().flat_map(|(_, f)| f) {
        calls.push(quote!(.include_from_parent(#f)));
    }
    if let Some(n) = &def.max_pages {
        calls.push(quote!(.max_pages(#n)));
    }
    if let Some(n) = &def.max_items {
        calls.push(quote!(.max_items(#n)));
    }
    if let Some(n) = &def.concurrency {
        calls.push(quote!(.concurrency(#n)));
    }
    // The JSON text was checked at compile time; parsed once, when the source is built.
    if let Some(j) = &def.json {
        calls.push(quote!(.json(#p::serde_json::from_str(#j).map_err(|__e| {
            #rt::Error::Config(::std::format!("resource `{}`: bad JSON body: {}", #name, __e))
        })?)));
    }
    if let Some(body) = &def.data {
        calls.push(data_body(body, &p));
    }
    quote!(#spec::ResourceSpec::new(#name, #path) #(#calls)*)
}

/// `.data(…)`: a raw string, or the form fields as a JSON object (literals, so each
/// converts with `serde_json::Value::from`).
fn data_body(body: &crate::endpoint::DataBody, p: &TokenStream) -> TokenStream {
    match body {
        crate::endpoint::DataBody::Raw(lit) => {
            quote!(.data(#p::serde_json::Value::String(::std::string::String::from(#lit))))
        }
        crate::endpoint::DataBody::Form(fields) => {
            let names = fields.iter().map(|f| &f.name);
            let values = fields.iter().map(|f| &f.value);
            quote!(.data({
                let mut __form = #p::serde_json::Map::new();
                #(__form.insert(::std::string::String::from(#names), #p::serde_json::Value::from(#values));)*
                #p::serde_json::Value::Object(__form)
            }))
        }
    }
}

fn plain_headers(headers: &[Header]) -> Vec<TokenStream> {
    headers
        .iter()
        .filter_map(|h| match &h.value {
            Value::Plain(v) => {
                let name = &h.name;
                Some(quote!(.header(#name, #v)))
            }
            Value::Secret(_) => None,
        })
        .collect()
}

fn maybe_secret(value: &Value) -> TokenStream {
    let rt = rt();
    let spec = quote!(#rt::spec);
    match value {
        Value::Plain(v) => quote!(#spec::MaybeSecret::Plain(::std::string::String::from(#v))),
        Value::Secret(s) => {
            let key = &s.key;
            quote!(#spec::MaybeSecret::Secret { secret: ::std::string::String::from(#key) })
        }
    }
}

fn incremental(inc: &Incremental) -> TokenStream {
    let rt = rt();
    let cursor = &inc.cursor_path;
    let mut calls = Vec::new();
    if let Some(v) = &inc.start_param {
        calls.push(quote!(.start_param(#v)));
    }
    if let Some(v) = &inc.end_param {
        calls.push(quote!(.end_param(#v)));
    }
    if let Some(v) = &inc.initial_value {
        calls.push(quote!(.initial_value(#v)));
    }
    if let Some(v) = &inc.end_value {
        calls.push(quote!(.end_value(#v)));
    }
    quote!(#rt::spec::IncrementalSpec::new(#cursor) #(#calls)*)
}

/// A `PaginatorSpec` as a struct literal of its variant: every argument the attribute gives
/// by field name (a renamed model field is a compile error here), the rest from the model's
/// defaults. Counts are `u64` literals, converted with `Into` where the field is optional.
pub fn paginator(pg: &Paginator) -> TokenStream {
    let rt = rt();
    let spec = quote!(#rt::spec);
    let kind = pg.kind.to_string();
    let fields = pg.args.iter().map(|(k, v)| {
        let v = match v {
            syn::Lit::Str(s) => quote!(::std::string::String::from(#s)),
            syn::Lit::Int(i) => {
                let n = syn::LitInt::new(&format!("{}u64", i.base10_digits()), i.span());
                quote!(#n)
            }
            other => quote!(#other),
        };
        quote!(#k: ::core::convert::Into::into(#v))
    });
    let (variant, ty, base) = match kind.as_str() {
        "auto" => return quote!(#spec::PaginatorSpec::Auto),
        "single_page" => return quote!(#spec::PaginatorSpec::SinglePage),
        "json_link" => ("JsonLink", "JsonLinkPaginator", None),
        "header_link" => ("HeaderLink", "HeaderLinkPaginator", None),
        "page_number" => ("PageNumber", "PageNumberPaginator", None),
        "cursor" => ("Cursor", "CursorPaginator", None),
        _ => ("Offset", "OffsetPaginator", Some(offset_limit(pg))),
    };
    let (variant, ty) = (
        syn::Ident::new(variant, Span::call_site()),
        syn::Ident::new(ty, Span::call_site()),
    );
    let base = match base {
        Some(limit) => quote!(#spec::#ty::new(#limit)),
        None => quote!(<#spec::#ty as ::core::default::Default>::default()),
    };
    quote!(#spec::PaginatorSpec::#variant(#spec::#ty { #(#fields,)* ..#base }))
}

/// `offset`'s required `limit` (validation refused an `offset` without one).
fn offset_limit(pg: &Paginator) -> TokenStream {
    let limit = pg.args.iter().find_map(|(k, v)| match v {
        syn::Lit::Int(i) if k == "limit" => Some(i.base10_digits().to_owned()),
        _ => None,
    });
    let n = syn::LitInt::new(
        &format!("{}u64", limit.as_deref().unwrap_or("0")),
        Span::call_site(),
    );
    quote!(#n)
}
