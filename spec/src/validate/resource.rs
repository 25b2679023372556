//! Resource rules that need no placeholders: unique names, limits that are at least 1, an
//! incremental cursor that names a field.

use super::{Fix, Problem};
use crate::{SourceResource, SourceSpec};

/// Two resources with one name: the second (and later) one is reported, by its index
/// (`resources[1].name`), since its name does not tell it apart.
pub(super) fn names_are_unique(spec: &SourceSpec, out: &mut Vec<Problem>) {
    for (i, r) in spec.resources.iter().enumerate() {
        if spec.resources[..i]
            .iter()
            .any(|o| o.spec.name == r.spec.name)
        {
            out.push(Problem {
                path: format!("resources[{i}].name"),
                message: format!("two resources are named `{}`", r.spec.name),
                fix: Some(Fix::Text("resource names must be unique".into())),
            });
        }
    }
}

/// `max_pages`, `max_items` and `concurrency` count from 1 (0 pages would load nothing and
/// say nothing; 0 requests in flight would never send one).
pub(super) fn limits_are_positive(r: &SourceResource, out: &mut Vec<Problem>) {
    let name = &r.spec.name;
    let limits = [
        (
            "max_pages",
            r.spec.max_pages,
            "leave it out to load every page",
        ),
        (
            "max_items",
            r.spec.max_items,
            "leave it out to load every record",
        ),
        (
            "concurrency",
            r.spec.concurrency.map(|c| c as u64),
            "1 fetches pages one at a time",
        ),
    ];
    for (key, value, fix) in limits {
        if value == Some(0) {
            out.push(Problem {
                path: format!("resources.{name}.{key}"),
                message: format!("`{key}` must be at least 1"),
                fix: Some(Fix::Text(fix.into())),
            });
        }
    }
}

/// An incremental cursor reads a field of each record: its `cursor_path` names one.
pub(super) fn incremental_names_a_cursor(r: &SourceResource, out: &mut Vec<Problem>) {
    let Some(inc) = &r.spec.endpoint.incremental else {
        return;
    };
    if inc.cursor_path.trim().is_empty() {
        out.push(Problem {
            path: format!("resources.{}.endpoint.incremental.cursor_path", r.spec.name),
            message: "the incremental `cursor_path` is empty".into(),
            fix: Some(Fix::Text(
                "name the record field that orders the records, e.g. `updated_at`".into(),
            )),
        });
    }
    if let Some(p) = &inc.start_param
        && p.trim().is_empty()
    {
        out.push(Problem {
            path: format!("resources.{}.endpoint.incremental.start_param", r.spec.name),
            message: "the incremental `start_param` is empty".into(),
            fix: Some(Fix::Text(
                "name the query parameter the start value is sent as, or leave it out".into(),
            )),
        });
    }
}
