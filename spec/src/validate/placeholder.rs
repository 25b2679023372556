//! Placeholder rules across the source: every `{…}` in a resource's path, query params,
//! plain headers, JSON body and `data` names something that exists — a source parameter, a field of
//! one parent resource (`{contacts.id}`, `{resources.contacts.id}`) that is not the resource
//! itself and leads to no cycle, or a value of the resource's own incremental cursor.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use super::{Fix, Problem, did_you_mean};
use crate::placeholder::{IncrementalValue, Reference, names, reference};
use crate::{ResourceSpec, SourceSpec};

/// A string of a resource that may hold placeholders, with its path into the source.
struct Template<'a> {
    text: &'a str,
    path: String,
}

/// The strings of `r` that may hold placeholders: the path, string params (list items too),
/// plain headers, and the keys and strings of the JSON body and of `data`.
fn templates(r: &ResourceSpec) -> Vec<Template<'_>> {
    let at = format!("resources.{}.endpoint", r.name);
    let mut out = vec![Template {
        text: &r.endpoint.path,
        path: format!("{at}.path"),
    }];
    for (key, value) in &r.endpoint.params {
        match value {
            Value::String(text) => out.push(Template {
                text,
                path: format!("{at}.params.{key}"),
            }),
            // A list param: each item is a query value of its own (`ids=1&ids=2`).
            Value::Array(items) => {
                for (i, item) in items.iter().enumerate() {
                    if let Value::String(text) = item {
                        out.push(Template {
                            text,
                            path: format!("{at}.params.{key}[{i}]"),
                        });
                    }
                }
            }
            _ => {}
        }
    }
    for (name, text) in &r.endpoint.headers {
        out.push(Template {
            text,
            path: format!("{at}.headers.{name}"),
        });
    }
    if let Some(body) = &r.endpoint.json {
        json_templates(body, format!("{at}.json"), &mut out);
    }
    // `data`: a form table (its keys and strings) or a raw string body.
    if let Some(body) = &r.endpoint.data {
        json_templates(body, format!("{at}.data"), &mut out);
    }
    out
}

fn json_templates<'a>(value: &'a Value, at: String, out: &mut Vec<Template<'a>>) {
    match value {
        Value::String(text) => out.push(Template { text, path: at }),
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                json_templates(item, format!("{at}[{i}]"), out);
            }
        }
        Value::Object(map) => {
            for (key, item) in map {
                let inner = format!("{at}.{key}");
                out.push(Template {
                    text: key,
                    path: inner.clone(),
                });
                json_templates(item, inner, out);
            }
        }
        _ => {}
    }
}

/// dlt's `{"type": "resolve", "resource": …, "field": …}` params of a resource built by hand:
/// (param, parent).
fn resolve_params(r: &ResourceSpec) -> impl Iterator<Item = (&str, &str)> {
    r.endpoint.params.iter().filter_map(|(key, v)| {
        (v.get("type")?.as_str()? == "resolve").then_some(())?;
        Some((key.as_str(), v.get("resource")?.as_str()?))
    })
}

/// The parent resources `r`'s placeholders (and resolve params) name, whether or not they
/// exist; placeholders that do not parse name none.
pub fn parents_named(r: &ResourceSpec) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for t in templates(r) {
        for name in names(t.text).unwrap_or_default() {
            if let Ok(Reference::Parent { resource, .. }) = reference(name) {
                out.insert(resource.to_owned());
            }
        }
    }
    out.extend(resolve_params(r).map(|(_, parent)| parent.to_owned()));
    out
}

/// The parent of `r`: the one resource its placeholders name (`None` for none, or for more
/// than one, which [`crate::validate()`] reports).
pub fn parent_of(r: &ResourceSpec) -> Option<String> {
    let parents = parents_named(r);
    (parents.len() == 1)
        .then(|| parents.into_iter().next())
        .flatten()
}

/// Every placeholder problem of `spec`, then the parent problems (more than one parent,
/// `include_from_parent` without one, cycles).
pub(super) fn check(spec: &SourceSpec, out: &mut Vec<Problem>) {
    let resources: Vec<&str> = spec
        .resources
        .iter()
        .map(|r| r.spec.name.as_str())
        .collect();
    let params: Vec<&str> = spec.params.keys().map(String::as_str).collect();
    let mut parent_of: BTreeMap<&str, &str> = BTreeMap::new();
    for r in &spec.resources {
        let r = &r.spec;
        let cx = Context {
            resource: r,
            resources: &resources,
            params: &params,
        };
        for t in templates(r) {
            cx.template(&t, out);
        }
        for (param, parent) in resolve_params(r) {
            let path = format!("resources.{}.endpoint.params.{param}", r.name);
            cx.parent(parent, &format!("resources.{parent}.<field>"), &path, out);
        }
        let parents = parents_named(r);
        let at = format!("resources.{}", r.name);
        if parents.len() > 1 {
            let list: Vec<String> = parents.iter().map(|p| format!("`{p}`")).collect();
            out.push(Problem {
                path: format!("{at}.endpoint.path"),
                message: format!(
                    "placeholders name more than one parent resource: {}",
                    list.join(", ")
                ),
                fix: Some(Fix::Text(
                    "a child resource reads the fields of one parent".into(),
                )),
            });
        }
        if parents.is_empty() && !r.include_from_parent.is_empty() {
            let shown = r.include_from_parent.join("`, `");
            out.push(Problem {
                path: format!("{at}.include_from_parent"),
                message: format!(
                    "`include_from_parent` (`{shown}`) needs a parent, but no placeholder names one"
                ),
                fix: Some(Fix::Text(
                    "read a parent field in the path, such as `contacts/{contacts.id}/notes`"
                        .into(),
                )),
            });
        }
        if let [parent] = parents.iter().collect::<Vec<_>>()[..]
            && let Some(known) = resources.iter().find(|n| **n == parent.as_str())
            && *known != r.name
        {
            parent_of.insert(&r.name, known);
        }
    }
    cycles(spec, &parent_of, out);
}

/// What one resource's placeholders may name.
struct Context<'a> {
    resource: &'a ResourceSpec,
    resources: &'a [&'a str],
    params: &'a [&'a str],
}

impl Context<'_> {
    fn template(&self, t: &Template<'_>, out: &mut Vec<Problem>) {
        let problem = |message: String| Problem {
            path: t.path.clone(),
            message,
            fix: None,
        };
        let found = match names(t.text) {
            Ok(found) => found,
            Err(e) => return out.push(problem(e.0)),
        };
        for name in found {
            match reference(name) {
                Err(e) => out.push(problem(e.0)),
                Ok(Reference::Param(p)) => self.param(name, p, &t.path, out),
                Ok(Reference::Parent { resource, .. }) => self.parent(resource, name, &t.path, out),
                Ok(Reference::Incremental(which)) => self.incremental(name, which, &t.path, out),
            }
        }
    }

    fn param(&self, shown: &str, p: &str, path: &str, out: &mut Vec<Problem>) {
        if self.params.contains(&p) {
            return;
        }
        let (message, fix) = if self.resources.contains(&p) {
            (
                format!("placeholder `{{{shown}}}` names a resource, not a source parameter"),
                Fix::Text(format!(
                    "a child resource reads a field of its parent's records: `{{{p}.id}}`"
                )),
            )
        } else {
            (
                format!("placeholder `{{{shown}}}` names no source parameter"),
                match did_you_mean(p, self.params) {
                    Some(close) => Fix::Text(format!("did you mean `{{{close}}}`?")),
                    None => Fix::DefineParameter { name: p.to_owned() },
                },
            )
        };
        out.push(Problem {
            path: path.to_owned(),
            message,
            fix: Some(fix),
        });
    }

    fn parent(&self, resource: &str, shown: &str, path: &str, out: &mut Vec<Problem>) {
        let (message, fix) = if resource == self.resource.name {
            (
                format!("placeholder `{{{shown}}}` names the resource itself as its parent"),
                "a child reads the records of another resource; name that one".to_owned(),
            )
        } else if self.resources.contains(&resource) {
            return;
        } else if self.params.contains(&resource) {
            (
                format!(
                    "placeholder `{{{shown}}}`: `{resource}` is a source parameter, not a resource"
                ),
                format!("write `{{{resource}}}`"),
            )
        } else {
            (
                format!("placeholder `{{{shown}}}` names an unknown parent resource `{resource}`"),
                match did_you_mean(resource, self.resources) {
                    Some(close) => format!("did you mean `{close}`?"),
                    None => "declare that resource, or fix the name".to_owned(),
                },
            )
        };
        out.push(Problem {
            path: path.to_owned(),
            message,
            fix: Some(Fix::Text(fix)),
        });
    }

    fn incremental(
        &self,
        shown: &str,
        which: IncrementalValue,
        path: &str,
        out: &mut Vec<Problem>,
    ) {
        let (missing, fix) = match &self.resource.endpoint.incremental {
            None => (
                "the resource has no incremental cursor",
                "give it one, with `cursor_path` and `initial_value`",
            ),
            Some(i) if which == IncrementalValue::End && i.end_value.is_none() => (
                "its incremental cursor has no `end_value`",
                "set `end_value` (the end of the window)",
            ),
            Some(i) if which == IncrementalValue::Initial && i.initial_value.is_none() => (
                "its incremental cursor has no `initial_value`",
                "set `initial_value` (where the first run starts)",
            ),
            Some(_) => return,
        };
        out.push(Problem {
            path: path.to_owned(),
            message: format!("placeholder `{{{shown}}}` names nothing: {missing}"),
            fix: Some(Fix::Text(fix.into())),
        });
    }
}

/// Each cycle once, at its first member in declaration order (one mistake, one error): the
/// message names every member.
fn cycles(spec: &SourceSpec, parent_of: &BTreeMap<&str, &str>, out: &mut Vec<Problem>) {
    let mut reported: Vec<&str> = Vec::new();
    for r in &spec.resources {
        let start = r.spec.name.as_str();
        if reported.contains(&start) {
            continue;
        }
        let mut chain = vec![start];
        let mut at = start;
        while let Some(&next) = parent_of.get(at) {
            if next == start {
                let shown: Vec<String> = chain
                    .iter()
                    .chain([&start])
                    .map(|n| format!("`{n}`"))
                    .collect();
                out.push(Problem {
                    path: format!("resources.{start}.endpoint.path"),
                    message: format!("parent resources form a cycle: {}", shown.join(" → ")),
                    fix: Some(Fix::Text(
                        "a child's placeholders must not lead back to itself".into(),
                    )),
                });
                reported.extend(&chain);
                break;
            }
            if chain.contains(&next) {
                break; // a cycle further up, reported for its own members
            }
            chain.push(next);
            at = next;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{IncrementalSpec, validate};

    fn problems(spec: &SourceSpec) -> Vec<(String, String)> {
        validate(spec)
            .into_iter()
            .map(|p| (p.path, p.message))
            .collect()
    }

    fn source() -> SourceSpec {
        SourceSpec::new("crm", "https://crm.example.com").param("region", "eu")
    }

    #[test]
    fn placeholders_name_params_parents_or_the_cursor() {
        let spec = source()
            .resource(ResourceSpec::new("contacts", "{region}/contacts"))
            .resource(
                ResourceSpec::new("notes", "contacts/{resources.contacts.id}/notes")
                    .param("since", "{incremental.start_value}")
                    .incremental(IncrementalSpec::new("updated_at"))
                    .include_from_parent("id"),
            );
        assert_eq!(problems(&spec), []);
        assert_eq!(
            parent_of(&spec.resources[1].spec).as_deref(),
            Some("contacts")
        );
    }

    #[test]
    fn each_bad_placeholder_is_reported_where_it_is_written() {
        let spec = source()
            .resource(ResourceSpec::new("contacts", "{regoin}/contacts"))
            .resource(
                ResourceSpec::new("notes", "notes")
                    .param("contact", "{contact.id}")
                    .header("X-Until", "{incremental.end_value}"),
            )
            .resource(ResourceSpec::new("me", "me/{me.id}"))
            .resource(ResourceSpec::new("r", "r/{region.id}").include_from_parent("id"));
        let found = problems(&spec);
        let paths: Vec<&str> = found.iter().map(|(p, _)| p.as_str()).collect();
        assert_eq!(
            paths,
            [
                "resources.contacts.endpoint.path",
                "resources.notes.endpoint.params.contact",
                "resources.notes.endpoint.headers.X-Until",
                "resources.me.endpoint.path",
                "resources.r.endpoint.path",
            ]
        );
        assert_eq!(
            found[0].1,
            "placeholder `{regoin}` names no source parameter"
        );
        assert_eq!(
            found[1].1,
            "placeholder `{contact.id}` names an unknown parent resource `contact`"
        );
        assert!(found[3].1.contains("itself"), "{}", found[3].1);
    }

    #[test]
    fn a_cycle_is_reported_once_at_its_first_member() {
        let spec = source()
            .resource(ResourceSpec::new("a", "a/{b.id}"))
            .resource(ResourceSpec::new("b", "b/{c.id}"))
            .resource(ResourceSpec::new("c", "c/{a.id}"))
            .resource(ResourceSpec::new("d", "d/{e.id}"))
            .resource(ResourceSpec::new("e", "e/{d.id}"))
            .resource(ResourceSpec::new("f", "f/{a.id}"));
        let found = problems(&spec);
        assert_eq!(
            found,
            [
                (
                    "resources.a.endpoint.path".to_owned(),
                    "parent resources form a cycle: `a` → `b` → `c` → `a`".to_owned()
                ),
                (
                    "resources.d.endpoint.path".to_owned(),
                    "parent resources form a cycle: `d` → `e` → `d`".to_owned()
                ),
            ]
        );
    }

    #[test]
    fn two_parents_and_a_parentless_include_from_parent() {
        let spec = source()
            .resource(ResourceSpec::new("a", "a"))
            .resource(ResourceSpec::new("b", "b"))
            .resource(ResourceSpec::new("c", "c/{a.id}").param("b", "{b.id}"))
            .resource(ResourceSpec::new("d", "d").include_from_parent("id"));
        let paths: Vec<String> = problems(&spec).into_iter().map(|(p, _)| p).collect();
        assert_eq!(
            paths,
            [
                "resources.c.endpoint.path",
                "resources.d.include_from_parent"
            ]
        );
    }
}
