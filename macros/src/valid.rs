//! The checks only the macro can make (the source `name`'s syntax, secret keys against the
//! schema), the rules shared with the config (`crate::shared`: URLs, placeholders, parents
//! and cycles, paginators, limits), and the [`Plan`] that expansion follows.

use std::collections::BTreeMap;
use std::path::PathBuf;

use proc_macro2::Span;
use syn::LitStr;

use crate::ast::{ResourceDef, SecretLit, Source};
use crate::attr::Value;
use crate::auth::AuthDef;
use crate::ctxt::Ctxt;
use crate::schema::{self, Env};
use crate::suggest;
use syn::ext::IdentExt;

/// What expansion needs beyond the parsed source.
pub struct Plan {
    /// Distinct secret keys, in first-reference order.
    pub secret_keys: Vec<String>,
    /// Distinct auths; index 0 is the source's (no auth if none was given).
    pub groups: Vec<Option<AuthDef>>,
    /// Per resource field name: its auth group and its placeholders.
    pub resources: BTreeMap<String, ResourcePlan>,
    /// The secrets schema, tracked so editing it re-runs the check.
    pub schema: Option<PathBuf>,
}

pub struct ResourcePlan {
    pub group: usize,
    pub placeholders: Vec<Placeholder>,
    /// Source parameters named by `{param}` in `params(…)` values (filled at build time).
    pub param_placeholders: Vec<String>,
}

/// `{name}`, `{parent.field.path}` (or dlt's `{resources.parent.field.path}`) or
/// `{incremental.start_value}` in a resource path, query parameter, header or JSON body.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Placeholder {
    pub name: String,
    pub field: Option<String>,
    /// `{incremental.<value>}`: `name` is `incremental`, `field` the value.
    pub incremental: bool,
}

/// The placeholders of `template`, or a message about a stray brace or a name that is no
/// placeholder (the runtime's rules: `crate::placeholder`).
pub fn placeholders(template: &str) -> Result<Vec<Placeholder>, String> {
    use crate::placeholder::{Reference, names, reference};
    let mut out = Vec::new();
    for name in names(template).map_err(String::from)? {
        out.push(match reference(name).map_err(String::from)? {
            Reference::Param(p) => Placeholder {
                name: p.to_owned(),
                field: None,
                incremental: false,
            },
            Reference::Parent { resource, field } => Placeholder {
                name: resource.to_owned(),
                field: Some(field.to_owned()),
                incremental: false,
            },
            Reference::Incremental(value) => Placeholder {
                name: "incremental".to_owned(),
                field: Some(value.to_string()),
                incremental: true,
            },
        });
    }
    Ok(out)
}

/// Checks the source and plans its expansion: the shared rules (`crate::shared`), then what
/// only the macro sees (the attribute's own syntax, secret keys against the schema).
pub fn validate(cx: &Ctxt, source: &Source, env: &Env) -> Plan {
    // The rules the config shares (`rest_source_spec::validate`), at the literals they name.
    crate::shared::check(cx, source);
    check_source_args(cx, source);
    let (groups, group_of_field) = auth_groups(source);
    let params: Vec<String> = source
        .params()
        .map(|f| f.ident.unraw().to_string())
        .collect();
    let resources = source
        .resources()
        .map(|(field, def)| {
            let name = field.ident.unraw().to_string();
            let group = group_of_field.get(&name).copied().unwrap_or(0);
            let plan = resource_plan(def, &params, group);
            (name, plan)
        })
        .collect();
    let secrets = referenced_secrets(source);
    let mut secret_keys: Vec<String> = Vec::new();
    for s in &secrets {
        if !secret_keys.contains(&s.key()) {
            secret_keys.push(s.key());
        }
    }
    let schema = check_against_schema(cx, env, source, &secrets);
    Plan {
        secret_keys,
        groups,
        resources,
        schema,
    }
}

/// The attribute's own arguments that only the macro reads: a missing `base_url` (the
/// attribute was written, but without one) and the source `name`'s syntax.
fn check_source_args(cx: &Ctxt, source: &Source) {
    let config = &source.config;
    if config.base_url.is_none() && source.named && !config.unparsed {
        cx.error_at(
            Span::call_site(),
            "missing `base_url` in `#[rest_source(…)]`, e.g. `base_url = \"https://api.example.com/v1\"`",
        );
    }
    if let Some(name) = &config.name
        && !name
            .value()
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '.')
    {
        cx.error_spanned_by(name, "a source `name` is lower-case letters, digits, `_` and `.` (it is the section in secrets.toml: `[sources.<name>]`)");
    }
}

/// The distinct auths (index 0: the source's) and each resource field's index among them:
/// equal auths, compared by value ([`AuthDef::identity`]), share one strategy and one
/// token cache.
fn auth_groups(source: &Source) -> (Vec<Option<AuthDef>>, BTreeMap<String, usize>) {
    let identity = |def: &Option<AuthDef>| {
        def.as_ref()
            .map(AuthDef::identity)
            .unwrap_or_else(|| "none".into())
    };
    let mut groups: Vec<Option<AuthDef>> = vec![source.config.auth.clone()];
    let mut group_of_field = BTreeMap::new();
    for (field, _) in source.resources() {
        let Some(auth) = &field.auth else { continue };
        let def = Some(auth.clone());
        let id = identity(&def);
        let group = match groups.iter().position(|g| identity(g) == id) {
            Some(found) => found,
            None => {
                groups.push(def);
                groups.len() - 1
            }
        };
        group_of_field.insert(field.ident.unraw().to_string(), group);
    }
    (groups, group_of_field)
}

/// What expansion fills in for one resource: its auth group, its path's placeholders, and
/// the source parameters its other templates name. What placeholders may name is a shared
/// rule (`crate::shared`); here they are only read. (The parent is the model's:
/// `rest_source_spec::validate::placeholder::parent_of`.)
fn resource_plan(def: &ResourceDef, params: &[String], group: usize) -> ResourcePlan {
    let placeholders = match def.path.as_ref().map(|p| placeholders(&p.value())) {
        Some(Ok(found)) => found,
        _ => Vec::new(),
    };
    let mut param_placeholders = Vec::new();
    for template in templates(def) {
        for p in self::placeholders(&template).unwrap_or_default() {
            if !p.incremental
                && p.field.is_none()
                && params.contains(&p.name)
                && !param_placeholders.contains(&p.name)
            {
                param_placeholders.push(p.name.clone());
            }
        }
    }
    ResourcePlan {
        group,
        placeholders,
        param_placeholders,
    }
}

/// Every template of a resource other than its path: `params(…)` values, plain header
/// values, the JSON body's strings and the `data` form's names and values (or raw body).
fn templates(def: &ResourceDef) -> Vec<String> {
    let plain_headers = def.headers.iter().filter_map(|h| match &h.value {
        Value::Plain(v) => Some(v.value()),
        Value::Secret(_) => None,
    });
    let json_strings = def.json.iter().filter_map(|lit| {
        let body = serde_json::from_str::<serde_json::Value>(&lit.value()).ok()?;
        let names = crate::placeholder::names_in_json(&body).ok()?;
        Some(names.iter().map(|n| format!("{{{n}}}")).collect::<String>())
    });
    let data_strings: Vec<String> = match &def.data {
        Some(crate::endpoint::DataBody::Raw(lit)) => vec![lit.value()],
        Some(crate::endpoint::DataBody::Form(fields)) => fields
            .iter()
            .flat_map(|f| [Some(f.name.value()), f.str_value().map(LitStr::value)])
            .flatten()
            .collect(),
        None => Vec::new(),
    };
    def.params
        .iter()
        .filter_map(|p| p.str_value().map(LitStr::value))
        .chain(plain_headers)
        .chain(json_strings)
        .chain(data_strings)
        .collect()
}

/// Every `secret("…")` of the source, in reference order: the source's auth and headers,
/// then each field's auth and resource headers.
fn referenced_secrets(source: &Source) -> Vec<&SecretLit> {
    let mut all: Vec<&SecretLit> = Vec::new();
    if let Some(a) = &source.config.auth {
        all.extend(a.secrets());
    }
    for h in &source.config.headers {
        if let Value::Secret(s) = &h.value {
            all.push(s);
        }
    }
    for f in &source.fields {
        if let Some(a) = &f.auth {
            all.extend(a.secrets());
        }
        if let crate::ast::FieldKind::Resource(r) = &f.kind {
            all.extend(r.headers.iter().filter_map(|h| match &h.value {
                Value::Secret(s) => Some(s),
                Value::Plain(_) => None,
            }));
        }
    }
    all
}

/// With a secrets schema, each referenced key must be in it: an error on the key's literal
/// (with a "did you mean" when a schema key is close). Returns the schema's path, tracked so
/// editing it re-runs the check.
fn check_against_schema(
    cx: &Ctxt,
    env: &Env,
    source: &Source,
    secrets: &[&SecretLit],
) -> Option<PathBuf> {
    let source_name = source.source_name();
    let schema = schema::load(cx, env, source.config.secrets_schema.as_ref(), &source_name)?;
    for s in secrets {
        let key = s.key();
        if schema.keys.contains(&key) {
            continue;
        }
        let message = match suggest::did_you_mean(&key, schema.keys.iter().map(String::as_str)) {
            Some(best) => format!(
                "secret `{key}` is not in {}; did you mean `{best}`? (or add `{key} = \"\"` under `[sources.{source_name}]`)",
                schema.file_name
            ),
            None => format!(
                "secret `{key}` is not in {}; add `{key} = \"\"` under `[sources.{source_name}]`",
                schema.file_name
            ),
        };
        cx.error_spanned_by(&s.key, message);
    }
    Some(schema.path)
}

#[cfg(test)]
mod placeholder_tests {
    use proc_macro2::TokenStream;
    use quote::quote;
    use syn::parse_quote;

    use super::*;

    fn check(item: syn::DeriveInput) -> (Option<Plan>, Vec<String>) {
        let cx = Ctxt::new();
        let args: TokenStream = quote!(base_url = "https://a.example");
        let plan = Source::from_syn(&cx, args, &item).map(|s| validate(&cx, &s, &Env::default()));
        let errors = cx
            .finish()
            .map(|e| e.into_iter().map(|e| e.to_string()).collect())
            .unwrap_or_default();
        (plan, errors)
    }

    #[test]
    fn headers_and_json_placeholders_are_checked_and_link_a_parent() {
        let (plan, errors) = check(parse_quote! {
            struct A {
                tenant: String,
                #[resource(path = "a", incremental(cursor_path = "t", initial_value = 1), params("since" = "{incremental.start_value}"))]
                a: Resource<u8>,
                #[resource(path = "b", method = "POST", headers("X-A" = "{resources.a.id}"), json = r#"{"t": "{tenant}", "raw": "{{x}}"}"#)]
                b: Resource<u8>,
            }
        });
        assert_eq!(errors, Vec::<String>::new());
        let plan = plan.unwrap();
        assert_eq!(plan.resources["b"].param_placeholders, ["tenant"]);
    }

    #[test]
    fn placeholders_that_name_nothing_are_errors() {
        let (_, errors) = check(parse_quote! {
            struct A {
                #[resource(path = "a", method = "POST", headers("X-Since" = "{incremental.start_value}"), json = r#"{"p": "{resources.nope.id}"}"#)]
                a: Resource<u8>,
                #[resource(path = "b", incremental(cursor_path = "t"), params("until" = "{incremental.end_value}", "x" = "{incremental.start}"))]
                b: Resource<u8>,
            }
        });
        assert_eq!(
            errors,
            [
                "placeholder `{incremental.start_value}` names nothing: the resource has no incremental cursor; give it one, with `cursor_path` and `initial_value`",
                "placeholder `{resources.nope.id}` names an unknown parent resource `nope`; declare that resource, or fix the name",
                "placeholder `{incremental.end_value}` names nothing: its incremental cursor has no `end_value`; set `end_value` (the end of the window)",
                "`{incremental.start}` names no incremental value; expected one of `{incremental.start_value}`, `{incremental.last_value}`, `{incremental.initial_value}`, `{incremental.end_value}`",
            ]
        );
    }
}
