//! The rules both front ends share ([`rest_source_spec::validate`]) run on the loaded
//! source; each problem's path into the source is mapped to the config key it came from
//! (`resources.notes.endpoint.json` → `resources[1].endpoint.json`) and that key's line and
//! column.

use super::Validator;
use crate::config::tree::{Node, NodeValue};
use crate::spec::SourceSpec;

impl Validator<'_> {
    /// Reports every problem the shared rules find in `spec`, loaded from `root`.
    pub(crate) fn shared_rules(&mut self, root: &Node, spec: &SourceSpec) {
        for problem in rest_source_spec::validate(spec) {
            let path = config_path(spec, &problem.path);
            let span = locate(root, &path).and_then(|n| n.span.clone());
            let help = problem.fix.map(|fix| {
                fix.render(
                    |key| self.secret_fix(key),
                    |name| {
                        format!(
                            "define `{name}` under `params`, or write `{{<parent>.<field>}}` to \
                             read a parent resource's field"
                        )
                    },
                )
            });
            self.problem(span.as_ref(), &path, problem.message, help);
        }
    }
}

/// The config key of a model path: the client's keys live under `client`, a resource is
/// `resources[<index>]` (a model path may name it by index already), and a resource's own
/// auth is written in its endpoint.
fn config_path(spec: &SourceSpec, path: &str) -> String {
    if path.starts_with("resources[") {
        return path.to_owned();
    }
    if let Some(rest) = path.strip_prefix("resources.") {
        let found = spec.resources.iter().enumerate().find_map(|(i, r)| {
            let tail = rest.strip_prefix(r.spec.name.as_str())?;
            if !(tail.is_empty() || tail.starts_with('.')) {
                return None;
            }
            let tail = match tail.strip_prefix(".auth") {
                Some(auth) => format!(".endpoint.auth{auth}"),
                None => tail.to_owned(),
            };
            Some(format!("resources[{i}]{tail}"))
        });
        return found.unwrap_or_else(|| path.to_owned());
    }
    format!("client.{path}")
}

/// The node a config path names, or the nearest ancestor that exists (a key merged in from
/// `resource_defaults`, or an `endpoint` written as its path only, is reported at the
/// resource).
fn locate<'n>(root: &'n Node, path: &str) -> Option<&'n Node> {
    let mut node = root;
    let mut segments = path.split('.');
    while let Some(segment) = segments.next() {
        let next = match segment.split_once('[') {
            Some((key, index)) => {
                let i: usize = index.trim_end_matches(']').parse().ok()?;
                match &node.get(key)?.value {
                    NodeValue::Array(items) => items.get(i),
                    _ => None,
                }
            }
            // A header name may hold dots: the rest of the path is the key.
            None if segment == "headers" => {
                let headers = node.get("headers");
                let name: Vec<&str> = segments.by_ref().collect();
                headers.and_then(|h| h.get(&name.join("."))).or(headers)
            }
            // So may a query param (`filter.status`); else the path goes on inside it.
            None if segment == "params" => {
                let params = node.get("params");
                let rest: Vec<&str> = segments.clone().collect();
                match params.and_then(|p| p.get(&rest.join("."))) {
                    Some(param) => return Some(param),
                    None => params,
                }
            }
            None => node.get(segment),
        };
        match next {
            Some(n) => node = n,
            None => return Some(node),
        }
    }
    Some(node)
}
