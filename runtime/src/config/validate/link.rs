//! Placeholders across resources: `{param}` names a source parameter; `{<parent>.<field>}`
//! and `{resources.<parent>.<field>}` make a child of a parent that must exist, be the only
//! one, and not lead back to the child.

use std::collections::{BTreeMap, BTreeSet};
use std::ops::Range;

use serde_json::Value;

use super::{Draft, Validator};
use crate::config::ResourceConfig;
use crate::config::suggest;
use crate::placeholder::{IncrementalValue, Reference};

/// A string of a resource that may hold placeholders (the path, a param, a header value, a
/// JSON body string), with where it is written.
pub(super) struct Template {
    text: String,
    span: Option<Range<usize>>,
    at: String,
}

impl Template {
    pub(super) fn new(text: &str, span: Option<Range<usize>>, at: String) -> Self {
        Template {
            text: text.to_owned(),
            span,
            at,
        }
    }

    /// Whether the template is written at `at` (a key path).
    pub(super) fn is_at(&self, at: &str) -> bool {
        self.at == at
    }

    /// dlt's `{"type": "resolve", "resource": r, "field": f}` param, as the placeholder
    /// `{r.f}` it stands for.
    pub(super) fn resolved(
        resource: &str,
        field: &str,
        span: Option<Range<usize>>,
        at: String,
    ) -> Self {
        Template::new(&format!("{{{resource}.{field}}}"), span, at)
    }
}

impl Validator<'_> {
    /// Resolves placeholders: `{param}` must name a source parameter, `{<parent>.<field>}`
    /// and `{resources.<parent>.<field>}` make the resource a child of `<parent>`, which must
    /// exist and not lead back to the resource.
    pub(super) fn link(
        &mut self,
        mut drafts: Vec<Draft>,
        params: &BTreeMap<String, String>,
    ) -> Vec<ResourceConfig> {
        let names: Vec<String> = drafts.iter().map(|d| d.config.spec.name.clone()).collect();
        let name_refs: Vec<&str> = names.iter().map(String::as_str).collect();
        let param_names: Vec<&str> = params.keys().map(String::as_str).collect();
        let mut seen = BTreeSet::new();
        for d in &drafts {
            if !seen.insert(d.config.spec.name.clone()) {
                self.problem(
                    d.path_span.as_ref(),
                    &d.path_at,
                    format!("two resources are named `{}`", d.config.spec.name),
                    Some("resource names must be unique".into()),
                );
            }
        }
        for d in &mut drafts {
            let resolve_params: Vec<String> = d.resolved.iter().map(|(p, ..)| p.clone()).collect();
            // dlt's older `resolve` params become placeholders of the newer form.
            for (param, parent, field) in std::mem::take(&mut d.resolved) {
                let placeholder = format!("{{{parent}.{field}}}");
                let needle = format!("{{{param}}}");
                if d.config.spec.endpoint.path.contains(&needle) {
                    d.config.spec.endpoint.path =
                        d.config.spec.endpoint.path.replace(&needle, &placeholder);
                } else {
                    d.config
                        .spec
                        .endpoint
                        .params
                        .insert(param, Value::String(placeholder));
                }
            }
            let resolve_params: Vec<String> = resolve_params.clone();
            let incremental = d.config.spec.endpoint.incremental.clone();
            let mut parents = BTreeSet::new();
            for t in &d.templates {
                let names = match crate::placeholder::names(&t.text) {
                    Ok(names) => names,
                    Err(e) => {
                        self.problem(t.span.as_ref(), &t.at, e.0, None);
                        continue;
                    }
                };
                for placeholder in names {
                    let reference = match crate::placeholder::reference(placeholder) {
                        Ok(r) => r,
                        Err(e) => {
                            self.problem(t.span.as_ref(), &t.at, e.0, None);
                            continue;
                        }
                    };
                    match reference {
                        Reference::Param(p) if param_names.contains(&p) => {}
                        // A resolve param's `{name}` in the path: checked at the param.
                        Reference::Param(p) if resolve_params.iter().any(|r| r == p) => {}
                        Reference::Param(p) => {
                            let help = match suggest::did_you_mean(p, &param_names) {
                                Some(close) => format!("did you mean `{{{close}}}`?"),
                                None => "define it under `params`, or write `{<parent>.<field>}` to read a parent resource's field".into(),
                            };
                            self.problem(
                                t.span.as_ref(),
                                &t.at,
                                format!(
                                    "placeholder `{{{placeholder}}}` names no source parameter"
                                ),
                                Some(help),
                            );
                        }
                        Reference::Parent { resource, .. } if name_refs.contains(&resource) => {
                            parents.insert(resource.to_owned());
                        }
                        Reference::Parent { resource, .. } => {
                            let help = suggest::help(resource, &name_refs);
                            self.problem(
                                t.span.as_ref(),
                                &t.at,
                                format!("placeholder `{{{placeholder}}}` names an unknown parent resource `{resource}`"),
                                Some(help),
                            );
                        }
                        Reference::Incremental(which) => {
                            let missing = match &incremental {
                                None => Some("the resource has no `incremental` cursor".to_owned()),
                                Some(i)
                                    if which == IncrementalValue::End && i.end_value.is_none() =>
                                {
                                    Some("its `incremental` has no `end_value`".to_owned())
                                }
                                Some(i)
                                    if which == IncrementalValue::Initial
                                        && i.initial_value.is_none() =>
                                {
                                    Some("its `incremental` has no `initial_value`".to_owned())
                                }
                                Some(_) => None,
                            };
                            if let Some(missing) = missing {
                                self.problem(
                                    t.span.as_ref(),
                                    &t.at,
                                    format!("placeholder `{{{placeholder}}}` names nothing: {missing}"),
                                    Some("add `incremental = { cursor_path = \"updated_at\", initial_value = … }` to the endpoint, with the value it names".into()),
                                );
                            }
                        }
                    }
                }
            }
            if parents.is_empty() && !d.config.spec.include_from_parent.is_empty() {
                let shown = d.config.spec.include_from_parent.join("`, `");
                self.problem(
                    d.path_span.as_ref(),
                    &d.path_at,
                    format!(
                        "`include_from_parent` (`{shown}`) needs a parent, but the path names none"
                    ),
                    Some("read a parent field in the path, such as `{contacts.id}`".into()),
                );
            }
            match parents.len() {
                0 | 1 => d.config.parent = parents.into_iter().next(),
                _ => {
                    let list: Vec<String> = parents.iter().map(|p| format!("`{p}`")).collect();
                    self.problem(
                        d.path_span.as_ref(),
                        &d.path_at,
                        format!(
                            "placeholders name more than one parent resource: {}",
                            list.join(", ")
                        ),
                        Some("a child resource reads the fields of one parent".into()),
                    );
                }
            }
        }
        // Cycles: follow each resource's parent chain; reaching it again is a cycle.
        let parent_of: BTreeMap<&str, &str> = drafts
            .iter()
            .filter_map(|d| Some((d.config.spec.name.as_str(), d.config.parent.as_deref()?)))
            .collect();
        let mut cycle_problems = Vec::new();
        for d in &drafts {
            let start = d.config.spec.name.as_str();
            let mut chain = vec![start];
            let mut at = start;
            while let Some(&next) = parent_of.get(at) {
                if next == start {
                    let shown: Vec<String> = chain
                        .iter()
                        .chain([&start])
                        .map(|n| format!("`{n}`"))
                        .collect();
                    cycle_problems.push((
                        d.path_span.clone(),
                        d.path_at.clone(),
                        shown.join(" → "),
                    ));
                    break;
                }
                if chain.contains(&next) {
                    break; // a cycle further up, reported for its own members
                }
                chain.push(next);
                at = next;
            }
        }
        for (span, at, shown) in cycle_problems {
            self.problem(
                span.as_ref(),
                &at,
                format!("parent resources form a cycle: {shown}"),
                Some("a child's placeholders must not lead back to itself".into()),
            );
        }
        drafts.into_iter().map(|d| d.config).collect()
    }
}
