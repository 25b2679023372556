//! dlt's `{"type": "resolve", …}` params, bound into the path as the `{<parent>.<field>}`
//! placeholders they stand for, and each resource's parent. What placeholders may name is
//! a shared rule ([`rest_source_spec::validate`]); only the `resolve` syntax, which the model
//! does not keep, is checked here, at what the user wrote.

use std::ops::Range;

use super::{Draft, Validator};
use crate::config::ResourceConfig;
use crate::config::suggest;

/// One `resolve` param as written.
pub(super) struct Resolve {
    /// The param name (`{name}` in the path).
    pub(super) param: String,
    pub(super) resource: String,
    pub(super) field: String,
    /// Where the param's table is written, and its config path.
    pub(super) span: Option<Range<usize>>,
    pub(super) at: String,
    /// Where its `resource` value is written.
    pub(super) resource_span: Option<Range<usize>>,
}

impl Validator<'_> {
    /// Binds `resolve` params into paths and sets each resource's parent (the one resource
    /// its placeholders name).
    pub(super) fn link(&mut self, mut drafts: Vec<Draft>) -> Vec<ResourceConfig> {
        let names: Vec<String> = drafts.iter().map(|d| d.config.spec.name.clone()).collect();
        let name_refs: Vec<&str> = names.iter().map(String::as_str).collect();
        for d in &mut drafts {
            for r in std::mem::take(&mut d.resolved) {
                self.bind(d, r, &name_refs);
            }
            d.config.parent = rest_source_spec::validate::placeholder::parent_of(&d.config.spec);
        }
        drafts.into_iter().map(|d| d.config).collect()
    }

    /// dlt binds a `resolve` param into `{param}` in the path, and refuses one the path does
    /// not use (`config_setup._bind_path_params`) or whose parent does not exist.
    fn bind(&mut self, d: &mut Draft, r: Resolve, resources: &[&str]) {
        let needle = format!("{{{}}}", r.param);
        let path = &mut d.config.spec.endpoint.path;
        if !path.contains(&needle) {
            let message = format!("resolve param `{}` is not bound in path `{path}`", r.param);
            let help = format!(
                "write `{needle}` in the path, or read the parent's field in a query param as \
                 `\"{{resources.{}.{}}}\"`",
                r.resource, r.field
            );
            self.problem(r.span.as_ref(), &r.at, message, Some(help));
            return;
        }
        if !resources.contains(&r.resource.as_str()) {
            let help = suggest::help(&r.resource, resources);
            self.problem(
                r.resource_span.as_ref(),
                &format!("{}.resource", r.at),
                format!(
                    "resolve param `{}` names an unknown parent resource `{}`",
                    r.param, r.resource
                ),
                Some(help),
            );
            // Reported here, at what was written: the path keeps no placeholder for it.
            *path = path.replace(&needle, &r.param);
            return;
        }
        *path = path.replace(&needle, &format!("{{{}.{}}}", r.resource, r.field));
    }
}
