//! The rules both front ends share (`rest_source_spec::validate`) run on the source the
//! attribute describes: the attribute is translated into the model's data (what the rules
//! read: base URL, headers, each resource's endpoint), and each problem's path is mapped to
//! the narrowest span — the literal the rule is about.

use proc_macro2::Span;
use rest_source_spec::{Fix, MaybeSecret, ResourceSpec, SourceResource, SourceSpec};
use syn::LitStr;
use syn::ext::IdentExt;

use crate::ast::{Header, ResourceDef, Source};
use crate::attr::Value;
use crate::ctxt::Ctxt;

/// Reports every problem the shared rules find in `source`.
pub fn check(cx: &Ctxt, source: &Source) {
    let spec = to_spec(source);
    for problem in rest_source_spec::validate(&spec) {
        let message = match problem.fix {
            None => problem.message,
            Some(Fix::Text(fix)) => format!("{}; {fix}", problem.message),
            Some(Fix::SecretReference { key }) => format!(
                "{}; write `secret(\"{key}\")` and add `{key}` to the secrets",
                problem.message
            ),
        };
        cx.error_at(span_of(source, &problem.path), message);
    }
}

/// The source as model data, for the rules. Auths are checked by the macro's auth parser
/// (they need the `secret("…")` syntax) and are not part of it.
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
        .map(|j| serde_json::from_str(&j.value()).unwrap_or(serde_json::Value::Null));
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

fn maybe_secret(value: &Value) -> MaybeSecret {
    match value {
        Value::Plain(v) => MaybeSecret::Plain(v.value()),
        Value::Secret(s) => MaybeSecret::Secret { secret: s.key() },
    }
}

/// The span of the literal a model path names (`base_url`, `headers.<name>`,
/// `resources.<name>.endpoint.json`, `resources.<name>.endpoint.headers.<name>`); the
/// resource's attribute, or the call site, for a path without one.
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
    let Some(rest) = path.strip_prefix("resources.") else {
        return Span::call_site();
    };
    for (field, def) in source.resources() {
        let name = field.ident.unraw().to_string();
        let Some(tail) = rest.strip_prefix(name.as_str()) else {
            continue;
        };
        let at = match tail {
            ".endpoint.json" => def.json.as_ref().map(LitStr::span),
            _ => tail
                .strip_prefix(".endpoint.headers.")
                .and_then(|h| header_span(&def.headers, h)),
        };
        return at.unwrap_or(def.attr_span);
    }
    Span::call_site()
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
