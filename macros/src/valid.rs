//! The checks only the macro can make (the source `name`'s syntax, secret keys against the
//! schema), the rules shared with the config (`crate::shared`: URLs, placeholders, parents
//! and cycles, paginators, limits), and the [`Plan`] that expansion follows.

use std::collections::BTreeMap;
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

pub fn validate(cx: &Ctxt, source: &Source, env: &Env) -> Plan {
    let config = &source.config;
    // The rules the config shares (`rest_source_spec::validate`), at the literals they name.
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
        // What placeholders may name is a shared rule (`crate::shared`); here they are only
        // read, for what expansion fills in: the path's placeholders, and the source
        // parameters that `params`, header values, the JSON body and `data` name. (The parent is
        // the model's: `rest_source_spec::validate::placeholder::parent_of`.)
        let list = match def.path.as_ref().map(|p| placeholders(&p.value())) {
            Some(Ok(found)) => found,
            _ => Vec::new(),
        };
        let mut param_placeholders = Vec::new();
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
        let templates = def
            .params
            .iter()
            .filter_map(|p| p.str_value().map(LitStr::value))
            .chain(plain_headers)
            .chain(json_strings)
            .chain(data_strings);
        for template in templates {
            for p in placeholders(&template).unwrap_or_default() {
                if !p.incremental
                    && p.field.is_none()
                    && params.contains(&p.name)
                    && !param_placeholders.contains(&p.name)
                {
                    param_placeholders.push(p.name.clone());
                }
            }
        }
        resources.insert(
            field.ident.unraw().to_string(),
            ResourcePlan {
                group,
                placeholders: list,
                param_placeholders,
            },
        );
    }

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
