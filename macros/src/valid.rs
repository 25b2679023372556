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

/// `{name}` or `{parent.field.path}` in a resource path.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Placeholder {
    pub name: String,
    pub field: Option<String>,
}

/// The placeholders of `path`, or a message about malformed braces.
pub fn placeholders(path: &str) -> Result<Vec<Placeholder>, String> {
    let mut out = Vec::new();
    let mut rest = path;
    while let Some(open) = rest.find(['{', '}']) {
        if rest[open..].starts_with('}') {
            return Err("unmatched `}` in path".into());
        }
        let after = &rest[open + 1..];
        let close = after
            .find('}')
            .ok_or_else(|| "unclosed `{` in path".to_owned())?;
        let inner = &after[..close];
        let mut parts = inner.splitn(2, '.');
        let name = parts.next().unwrap_or_default();
        let field = parts.next();
        let ident_ok = |s: &str| {
            !s.is_empty()
                && s.chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.')
                && !s.starts_with(|c: char| c.is_ascii_digit())
        };
        if !ident_ok(name) || name.contains('.') || field.is_some_and(|f| !ident_ok(f)) {
            return Err(format!(
                "`{{{inner}}}` is not a placeholder; expected `{{parameter}}` or `{{parent_resource.field}}`"
            ));
        }
        out.push(Placeholder {
            name: name.to_owned(),
            field: field.map(str::to_owned),
        });
        rest = &after[close + 1..];
    }
    Ok(out)
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
        if let Some(path) = &def.path {
            match placeholders(&path.value()) {
                Err(message) => cx.error_spanned_by(path, message),
                Ok(found) => {
                    for p in &found {
                        check_placeholder(cx, path, p, &params, &resource_names, &mut parent);
                    }
                    list = found;
                }
            }
        }
        // `params` values may hold placeholders too: `{param}` or `{parent.field}`.
        let mut param_placeholders = Vec::new();
        for value in def.params.iter().filter_map(|p| p.str_value()) {
            match placeholders(&value.value()) {
                Err(message) => {
                    cx.error_spanned_by(value, message.replace("in path", "in a query parameter"))
                }
                Ok(found) => {
                    for p in &found {
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
