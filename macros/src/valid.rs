//! Cross-checks that need the whole source: placeholders, parents and cycles, URLs, secret
//! keys against the schema. Produces the [`Plan`] that expansion follows.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use proc_macro2::Span;
use syn::LitStr;

use crate::ast::{SecretLit, Source};
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
    /// Per resource field name: its auth group, its parent, its path placeholders.
    pub resources: BTreeMap<String, ResourcePlan>,
    /// The secrets schema, tracked so editing it re-runs the check.
    pub schema: Option<PathBuf>,
}

pub struct ResourcePlan {
    pub group: usize,
    pub parent: Option<String>,
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

/// `{incremental.<value>}` needs the resource's `incremental(…)`, and the value it names.
fn check_incremental_placeholder(
    cx: &Ctxt,
    at: &LitStr,
    p: &Placeholder,
    incremental: Option<&crate::endpoint::Incremental>,
) {
    let value = p.field.as_deref().unwrap_or_default();
    let message = match incremental {
        None => format!(
            "`{{incremental.{value}}}` names the incremental cursor, but this resource has none; add `incremental(cursor_path = \"updated_at\", initial_value = \"…\")`"
        ),
        Some(inc) if value == "end_value" && inc.end_value.is_none() => {
            "`{incremental.end_value}` names the incremental `end_value`, but none is set; add `end_value = …` to `incremental(…)`".to_owned()
        }
        Some(inc) if value == "initial_value" && inc.initial_value.is_none() => {
            "`{incremental.initial_value}` names the incremental `initial_value`, but none is set; add `initial_value = …` to `incremental(…)`".to_owned()
        }
        Some(_) => return,
    };
    cx.error_spanned_by(at, message);
}

pub fn validate(cx: &Ctxt, source: &Source, env: &Env) -> Plan {
    let config = &source.config;
    // The rules the config shares (base URL, credential headers, `json` with `POST`).
    crate::shared::check(cx, source);
    match &config.base_url {
        Some(_) => {}
        None if source.named && !config.unparsed => cx.error_at(
            Span::call_site(),
            "missing `base_url` in `#[rest_source(…)]`, e.g. `base_url = \"https://api.example.com/v1\"`",
        ),
        None => {}
    }
    if let Some(name) = &config.name
        && !name
            .value()
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '.')
    {
        cx.error_spanned_by(name, "a source `name` is lower-case letters, digits, `_` and `.` (it is the section in secrets.toml: `[sources.<name>]`)");
    }

    let params: Vec<String> = source
        .params()
        .map(|f| f.ident.unraw().to_string())
        .collect();
    let resource_names: Vec<String> = source
        .resources()
        .map(|(f, _)| f.ident.unraw().to_string())
        .collect();

    // Auth groups: equal auths share one strategy (and one token cache).
    let mut groups: Vec<Option<AuthDef>> = vec![config.auth.clone()];
    let mut group_of = |def: &Option<AuthDef>| -> usize {
        let id = def
            .as_ref()
            .map(AuthDef::identity)
            .unwrap_or_else(|| "none".into());
        let found = groups.iter().position(|g| {
            g.as_ref()
                .map(AuthDef::identity)
                .unwrap_or_else(|| "none".into())
                == id
        });
        found.unwrap_or_else(|| {
            groups.push(def.clone());
            groups.len() - 1
        })
    };

    let mut resources = BTreeMap::new();
    for (field, def) in source.resources() {
        let group = match &field.auth {
            Some(a) => group_of(&Some(a.clone())),
            None => 0,
        };
        let mut parent: Option<String> = None;
        let mut list = Vec::new();
        let incremental = def.incremental.as_ref();
        if let Some(path) = &def.path {
            match placeholders(&path.value()) {
                Err(message) => cx.error_spanned_by(path, message),
                Ok(found) => {
                    for p in &found {
                        if p.incremental {
                            check_incremental_placeholder(cx, path, p, incremental);
                        } else {
                            check_placeholder(cx, path, p, &params, &resource_names, &mut parent);
                        }
                    }
                    list = found;
                }
            }
        }
        // `params` values, plain header values and the JSON body's strings hold placeholders
        // too (as in dlt): `{param}`, `{parent.field}`, `{incremental.start_value}`.
        let mut param_placeholders = Vec::new();
        let plain_headers = def.headers.iter().filter_map(|h| match &h.value {
            Value::Plain(v) => Some(v),
            Value::Secret(_) => None,
        });
        let json_strings = def.json.iter().flat_map(|lit| {
            let found = serde_json::from_str::<serde_json::Value>(&lit.value())
                .ok()
                .map(|body| match crate::placeholder::names_in_json(&body) {
                    Ok(names) => Ok(names.iter().map(|n| format!("{{{n}}}")).collect::<Vec<_>>()),
                    Err(e) => Err(String::from(e)),
                });
            found.map(|f| (lit, f))
        });
        let mut templates: Vec<(&LitStr, Result<String, String>)> = Vec::new();
        for value in def
            .params
            .iter()
            .filter_map(|p| p.str_value())
            .chain(plain_headers)
        {
            templates.push((value, Ok(value.value())));
        }
        for (lit, found) in json_strings {
            templates.push((lit, found.map(|names| names.concat())));
        }
        for (value, template) in templates {
            match template.and_then(|t| placeholders(&t)) {
                Err(message) => cx.error_spanned_by(value, message),
                Ok(found) => {
                    for p in &found {
                        if p.incremental {
                            check_incremental_placeholder(cx, value, p, incremental);
                            continue;
                        }
                        check_placeholder(cx, value, p, &params, &resource_names, &mut parent);
                        if p.field.is_none()
                            && params.contains(&p.name)
                            && !param_placeholders.contains(&p.name)
                        {
                            param_placeholders.push(p.name.clone());
                        }
                    }
                }
            }
        }
        if let Some((key, _)) = &def.include_from_parent
            && parent.is_none()
        {
            cx.error_spanned_by(
                key,
                format!("`include_from_parent` copies fields of the parent's records, but `{}` has no parent; a child resource names one in its path, e.g. `path = \"contacts/{{contacts.id}}/notes\"`", field.ident.unraw()),
            );
        }
        resources.insert(
            field.ident.unraw().to_string(),
            ResourcePlan {
                group,
                parent,
                placeholders: list,
                param_placeholders,
            },
        );
    }

    report_parent_cycles(cx, source, &resources);

    // Secrets, in first-reference order.
    let mut all: Vec<&SecretLit> = Vec::new();
    if let Some(a) = &config.auth {
        all.extend(a.secrets());
    }
    for h in &config.headers {
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
    let mut secret_keys: Vec<String> = Vec::new();
    for s in &all {
        if !secret_keys.contains(&s.key()) {
            secret_keys.push(s.key());
        }
    }

    let source_name = source.source_name();
    let schema = schema::load(cx, env, config.secrets_schema.as_ref(), &source_name);
    if let Some(schema) = &schema {
        for s in &all {
            let key = s.key();
            if schema.keys.contains(&key) {
                continue;
            }
            let mut message = format!(
                "secret `{key}` is not in {}; add `{key} = \"\"` under `[sources.{source_name}]`",
                schema.file_name
            );
            if let Some(best) = suggest::did_you_mean(&key, schema.keys.iter().map(String::as_str))
            {
                message = format!(
                    "secret `{key}` is not in {}; did you mean `{best}`? (or add `{key} = \"\"` under `[sources.{source_name}]`)",
                    schema.file_name
                );
            }
            cx.error_spanned_by(&s.key, message);
        }
    }

    Plan {
        secret_keys,
        groups,
        resources,
        schema: schema.map(|s| s.path),
    }
}

fn check_placeholder(
    cx: &Ctxt,
    path: &LitStr,
    p: &Placeholder,
    params: &[String],
    resources: &[String],
    parent: &mut Option<String>,
) {
    let name = p.name.as_str();
    let is_param = params.iter().any(|x| x == name);
    let is_resource = resources.iter().any(|x| x == name);
    match (&p.field, is_param, is_resource) {
        (None, true, _) => {}
        (None, _, true) => cx.error_spanned_by(
            path,
            format!("`{{{name}}}` names a resource; a child resource reads a field of its parent's items: `{{{name}.id}}`"),
        ),
        (Some(field), true, _) => cx.error_spanned_by(
            path,
            format!("`{{{name}.{field}}}`: `{name}` is a source parameter, not a resource; write `{{{name}}}`"),
        ),
        (Some(_), _, true) => match parent {
            Some(existing) if existing != name => cx.error_spanned_by(
                path,
                format!("a resource has one parent, but this path reads from both `{existing}` and `{name}`"),
            ),
            _ => *parent = Some(name.to_owned()),
        },
        (None, false, false) => {
            let mut message = format!("`{{{name}}}` names no source parameter; declare a field `{name}: String` on the struct");
            if let Some(best) = suggest::did_you_mean(name, params.iter().map(String::as_str)) {
                message = format!("`{{{name}}}` names no source parameter; did you mean `{{{best}}}`?");
            }
            cx.error_spanned_by(path, message);
        }
        (Some(field), false, false) => {
            let mut message = format!("`{{{name}.{field}}}`: the parent resource `{name}` does not exist");
            if let Some(best) = suggest::did_you_mean(name, resources.iter().map(String::as_str)) {
                message.push_str(&format!("; did you mean `{best}`?"));
            } else {
                message.push_str("; declare it as a `#[resource]` field");
            }
            cx.error_spanned_by(path, message);
        }
    }
}

/// Reports each parent cycle once, on the path of every resource in it (the runtime's
/// assembly links parents by name, in any declaration order).
fn report_parent_cycles(cx: &Ctxt, source: &Source, plans: &BTreeMap<String, ResourcePlan>) {
    let declared: Vec<String> = source
        .resources()
        .map(|(f, _)| f.ident.unraw().to_string())
        .collect();
    let mut in_cycle = BTreeSet::new();
    for name in &declared {
        // Walk up the parent chain; a repeat means a cycle.
        let mut chain = vec![name.clone()];
        let mut current = name.clone();
        while let Some(parent) = plans.get(&current).and_then(|p| p.parent.clone()) {
            if let Some(start) = chain.iter().position(|c| *c == parent) {
                let cycle: Vec<String> = chain[start..]
                    .iter()
                    .chain([&parent])
                    .map(|c| format!("`{c}`"))
                    .collect();
                if chain[start..].contains(name) && in_cycle.insert(name.clone()) {
                    let path = source
                        .resources()
                        .find(|(f, _)| f.ident.unraw() == name)
                        .and_then(|(_, d)| d.path.clone());
                    if let Some(path) = path {
                        cx.error_spanned_by(
                            path,
                            format!(
                                "parent cycle: {}; a resource cannot be fed by its own items",
                                cycle.join(" → ")
                            ),
                        );
                    }
                }
                break;
            }
            chain.push(parent.clone());
            current = parent;
        }
    }
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
        assert_eq!(plan.resources["b"].parent.as_deref(), Some("a"));
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
                "`{incremental.start_value}` names the incremental cursor, but this resource has none; add `incremental(cursor_path = \"updated_at\", initial_value = \"…\")`",
                "`{nope.id}`: the parent resource `nope` does not exist; declare it as a `#[resource]` field",
                "`{incremental.end_value}` names the incremental `end_value`, but none is set; add `end_value = …` to `incremental(…)`",
                "`{incremental.start}` names no incremental value; expected one of `{incremental.start_value}`, `{incremental.last_value}`, `{incremental.initial_value}`, `{incremental.end_value}`",
            ]
        );
    }
}
