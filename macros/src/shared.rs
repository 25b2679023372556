//! The rules both front ends share (`rest_source_spec::validate`) run on the source the
//! attribute describes: the attribute is translated into the model's data (what the rules
//! read: base URL, headers, parameters, paginators, each resource's endpoint, limits and
//! incremental cursor), and each problem's path is mapped to the narrowest span — the literal
//! the rule is about.

use proc_macro2::Span;
use rest_source_spec::{
    AuthSpec, ClientAuth, IncrementalSpec, MaybeSecret, PaginatorSpec, Problem, ResourceSpec,
    SecretRef, SourceResource, SourceSpec, TokenRequestFormat,
};
use serde_json::Value as Json;
use syn::ext::IdentExt;
use syn::spanned::Spanned;
use syn::{Expr, Lit, LitStr};

use crate::ast::{Header, ResourceDef, Source};
use crate::attr::{Paginator, Value};
use crate::auth::AuthForm;
use crate::ctxt::Ctxt;
use crate::endpoint::Incremental;

/// Reports every problem the shared rules find in `source`.
pub fn check(cx: &Ctxt, source: &Source) {
    let spec = to_spec(source);
    for problem in rest_source_spec::validate(&spec) {
        let span = span_of(source, &problem.path);
        cx.error_at(span, message(problem));
    }
    token_stores(cx, source);
}

/// The rule across auths that the auth parser (which sees one auth at a time) cannot check:
/// distinct refresh-token auths keep their tokens in distinct stores. Each refresh-token
/// auth is compared as the model's data, so argument order does not matter, as in the
/// config.
fn token_stores(cx: &Ctxt, source: &Source) {
    let mut auths: Vec<(String, AuthSpec, Span)> = Vec::new();
    let fields = source.resources().filter_map(|(field, _)| {
        let at = format!("resources.{}.auth", field.ident.unraw());
        Some((at, field.auth.as_ref()?))
    });
    for (at, def) in source
        .config
        .auth
        .iter()
        .map(|a| ("auth".to_owned(), a))
        .chain(fields)
    {
        if let Some((spec, span)) = refresh_token_spec(&def.form) {
            auths.push((at, spec, span));
        }
    }
    let problems = rest_source_spec::validate::auth::token_stores_are_distinct(
        auths.iter().map(|(at, spec, _)| (at.clone(), spec)),
    );
    for problem in problems {
        let span = auths
            .iter()
            .find(|(at, _, _)| problem.path == format!("{at}.token_store"))
            .map_or_else(Span::call_site, |(_, _, span)| *span);
        cx.error_at(span, message(problem));
    }
}

/// An `oauth2_refresh_token(…)` with a `token_store`, as the model's data, and the span of
/// its `token_store` literal.
fn refresh_token_spec(form: &AuthForm) -> Option<(AuthSpec, Span)> {
    let AuthForm::OAuth2RefreshToken {
        access_token_url,
        client_id,
        client_secret,
        refresh_token,
        scope,
        client_auth,
        default_token_expiration,
        token_store: Some(token_store),
        shape,
    } = form
    else {
        return None;
    };
    let text = |l: &Option<LitStr>| l.as_ref().map(LitStr::value);
    let format = |f: &Option<syn::Ident>| {
        f.as_ref().map(|f| match f.to_string().as_str() {
            "json" => TokenRequestFormat::Json,
            _ => TokenRequestFormat::Form,
        })
    };
    let spec = AuthSpec::OAuth2RefreshToken {
        access_token_url: access_token_url.value(),
        client_id: maybe_secret(client_id),
        client_secret: client_secret.as_ref().map(|s| SecretRef(s.key())),
        refresh_token: SecretRef(refresh_token.key()),
        scope: text(scope),
        client_auth: match client_auth.as_ref().map(ToString::to_string).as_deref() {
            Some("basic") => ClientAuth::Basic,
            _ => ClientAuth::Body,
        },
        default_token_expiration: default_token_expiration
            .as_ref()
            .and_then(|n| n.base10_parse().ok()),
        token_store: Some(token_store.value()),
        token_body: format(&shape.token_body),
        access_token_path: text(&shape.access_token_path),
        expires_in_path: text(&shape.expires_in_path),
        expires_at_path: text(&shape.expires_at_path),
        refresh_token_path: text(&shape.refresh_token_path),
    };
    Some((spec, token_store.span()))
}

/// The problem as the macro says it: the message, then the fix in the macro's syntax.
pub fn message(problem: Problem) -> String {
    match problem.fix {
        None => problem.message,
        Some(fix) => {
            let fix = fix.render(
                |key| format!("write `secret(\"{key}\")` and add `{key}` to the secrets"),
                |name| format!("declare a field `{name}: String` on the struct"),
            );
            format!("{}; {fix}", problem.message)
        }
    }
}

/// The source as model data, for the rules. Auths are checked by the macro's auth parser
/// (they need the `secret("…")` syntax) and are not part of it; a parameter's value is
/// known only at run time, so parameters are named with empty values.
fn to_spec(source: &Source) -> SourceSpec {
    let base_url = source
        .config
        .base_url
        .as_ref()
        .map(LitStr::value)
        // A missing `base_url` is reported on its own; a valid stand-in keeps it to one error.
        .unwrap_or_else(|| "https://base-url.invalid".into());
    let mut spec = SourceSpec::new(source.source_name(), base_url);
    for h in &source.config.headers {
        spec = spec.header(h.name.value(), maybe_secret(&h.value));
    }
    for p in source.params() {
        spec = spec.param(p.ident.unraw().to_string(), "");
    }
    spec.paginator = source.config.paginator.as_ref().and_then(paginator);
    for (field, def) in source.resources() {
        spec = spec.resource(resource(&field.ident.unraw().to_string(), def));
    }
    spec
}

fn resource(name: &str, def: &ResourceDef) -> SourceResource {
    let path = def.path.as_ref().map(LitStr::value).unwrap_or_default();
    let mut spec = ResourceSpec::new(name, path);
    spec.endpoint.method = def.method.as_ref().map(LitStr::value);
    // The JSON text is checked where it is parsed; any value stands for "a body".
    spec.endpoint.json = def
        .json
        .as_ref()
        .map(|j| serde_json::from_str(&j.value()).unwrap_or(Json::Null));
    for p in &def.params {
        spec.endpoint.params.insert(p.name.value(), json(&p.value));
    }
    spec.endpoint.data = def.data.as_ref().map(|body| match body {
        crate::endpoint::DataBody::Raw(lit) => Json::String(lit.value()),
        crate::endpoint::DataBody::Form(fields) => Json::Object(
            fields
                .iter()
                .map(|f| (f.name.value(), json(&f.value)))
                .collect(),
        ),
    });
    spec.endpoint.paginator = def.paginator.as_ref().and_then(paginator);
    spec.endpoint.incremental = def.incremental.as_ref().map(incremental);
    if let Some((_, fields)) = &def.include_from_parent {
        spec.include_from_parent = fields.iter().map(LitStr::value).collect();
    }
    let count = |lit: &Option<syn::LitInt>| lit.as_ref().and_then(|n| n.base10_parse().ok());
    spec.max_pages = count(&def.max_pages);
    spec.max_items = count(&def.max_items);
    spec.concurrency = count(&def.concurrency).map(|n: u64| n as usize);
    let mut resource = SourceResource::new(spec);
    for h in &def.headers {
        match &h.value {
            Value::Plain(v) => {
                resource
                    .spec
                    .endpoint
                    .headers
                    .insert(h.name.value(), v.value());
            }
            Value::Secret(s) => resource = resource.secret_header(h.name.value(), s.key()),
        }
    }
    resource
}

/// The paginator as the model's data; one whose arguments do not build it (a missing
/// `limit`, reported where it is parsed) is left out.
fn paginator(p: &Paginator) -> Option<PaginatorSpec> {
    let mut map = serde_json::Map::new();
    map.insert("type".into(), Json::String(p.kind.to_string()));
    for (key, value) in &p.args {
        map.insert(key.to_string(), lit(value));
    }
    serde_json::from_value(Json::Object(map)).ok()
}

fn incremental(i: &Incremental) -> IncrementalSpec {
    let mut spec = IncrementalSpec::new(i.cursor_path.value());
    spec.start_param = i.start_param.as_ref().map(LitStr::value);
    spec.end_param = i.end_param.as_ref().map(LitStr::value);
    spec.initial_value = i.initial_value.as_ref().map(json);
    spec.end_value = i.end_value.as_ref().map(json);
    spec
}

/// A literal argument as JSON (anything else: `null`, its presence is what the rules read).
fn json(expr: &Expr) -> Json {
    match expr {
        Expr::Lit(l) => lit(&l.lit),
        _ => Json::Null,
    }
}

fn lit(lit: &Lit) -> Json {
    match lit {
        Lit::Str(s) => Json::String(s.value()),
        Lit::Int(i) => i
            .base10_parse::<u64>()
            .map(Json::from)
            .unwrap_or(Json::Null),
        Lit::Float(f) => f
            .base10_parse::<f64>()
            .map(Json::from)
            .unwrap_or(Json::Null),
        Lit::Bool(b) => Json::Bool(b.value),
        _ => Json::Null,
    }
}

fn maybe_secret(value: &Value) -> MaybeSecret {
    match value {
        Value::Plain(v) => MaybeSecret::Plain(v.value()),
        Value::Secret(s) => MaybeSecret::Secret { secret: s.key() },
    }
}

/// The span of the literal a model path names (`base_url`, `headers.<name>`, `paginator…`,
/// `resources.<name>.…`); the resource's attribute, or the call site, for a path without one.
fn span_of(source: &Source, path: &str) -> Span {
    if path == "base_url" {
        return source
            .config
            .base_url
            .as_ref()
            .map_or_else(Span::call_site, LitStr::span);
    }
    if let Some(name) = path.strip_prefix("headers.") {
        return header_span(&source.config.headers, name).unwrap_or_else(Span::call_site);
    }
    if let Some(tail) = path.strip_prefix("paginator") {
        return source
            .config
            .paginator
            .as_ref()
            .map_or_else(Span::call_site, |p| paginator_span(p, tail));
    }
    let Some(rest) = path.strip_prefix("resources.") else {
        return Span::call_site();
    };
    for (field, def) in source.resources() {
        let name = field.ident.unraw().to_string();
        let Some(tail) = rest.strip_prefix(name.as_str()) else {
            continue;
        };
        if !(tail.is_empty() || tail.starts_with('.')) {
            continue;
        }
        return resource_span(def, tail).unwrap_or(def.attr_span);
    }
    Span::call_site()
}

/// The span of `tail` (`.endpoint.path`, `.max_pages`, …) within `def`.
fn resource_span(def: &ResourceDef, tail: &str) -> Option<Span> {
    if let Some(rest) = tail.strip_prefix(".endpoint.paginator") {
        return def.paginator.as_ref().map(|p| paginator_span(p, rest));
    }
    if tail.starts_with(".endpoint.json") {
        return def.json.as_ref().map(LitStr::span);
    }
    if let Some(rest) = tail.strip_prefix(".endpoint.data") {
        let body = def.data.as_ref()?;
        if let (Some(name), crate::endpoint::DataBody::Form(fields)) =
            (rest.strip_prefix('.'), body)
            && let Some(f) = fields.iter().find(|f| f.name.value() == name)
        {
            return Some(f.value.span());
        }
        return Some(body.span());
    }
    if let Some(name) = tail.strip_prefix(".endpoint.headers.") {
        return header_span(&def.headers, name);
    }
    if let Some(name) = tail.strip_prefix(".endpoint.params.") {
        let param = def.params.iter().find(|p| p.name.value() == name)?;
        return Some(param.value.span());
    }
    if let Some(rest) = tail.strip_prefix(".endpoint.incremental") {
        let inc = def.incremental.as_ref()?;
        return Some(match rest {
            ".start_param" => inc
                .start_param
                .as_ref()
                .map_or(inc.cursor_path.span(), LitStr::span),
            _ => inc.cursor_path.span(),
        });
    }
    let count = |lit: &Option<syn::LitInt>| lit.as_ref().map(syn::LitInt::span);
    match tail {
        ".endpoint.path" => def.path.as_ref().map(LitStr::span),
        ".include_from_parent" => def.include_from_parent.as_ref().map(|(key, _)| key.span()),
        ".max_pages" => count(&def.max_pages),
        ".max_items" => count(&def.max_items),
        ".concurrency" => count(&def.concurrency),
        _ => None,
    }
}

/// An argument's literal (`.limit`), else the paginator's name.
fn paginator_span(p: &Paginator, tail: &str) -> Span {
    let arg = tail.strip_prefix('.');
    p.args
        .iter()
        .find(|(key, _)| Some(key.to_string().as_str()) == arg)
        .map_or_else(|| p.kind.span(), |(_, value)| value.span())
}

/// The value literal of header `name` (the narrowest place for "this value is wrong").
fn header_span(headers: &[Header], name: &str) -> Option<Span> {
    headers
        .iter()
        .find(|h| h.name.value() == name)
        .map(|h| match &h.value {
            Value::Plain(v) => v.span(),
            Value::Secret(s) => s.key.span(),
        })
}
