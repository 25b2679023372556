//! `paginator` blocks: dlt's `type` names, each type's fields and their kinds, into
//! [`PaginatorSpec`].

use serde_json::Value;

use super::{Validator, join};
use crate::config::suggest;
use crate::config::tree::{Node, NodeValue};
use crate::spec::PaginatorSpec;

/// dlt's paginator `type` names (`json_response` is dlt's older name for `json_link`).
pub(crate) const PAGINATOR_TYPES: &[&str] = &[
    "json_link",
    "header_link",
    "header_cursor",
    "offset",
    "page_number",
    "cursor",
    "single_page",
    "auto",
];

#[derive(Clone, Copy)]
enum Kind {
    Str,
    UInt,
    Bool,
}

/// The fields of each paginator type: (name, kind, required).
fn paginator_fields(type_name: &str) -> &'static [(&'static str, Kind, bool)] {
    use Kind::*;
    match type_name {
        "json_link" | "json_response" => &[
            ("next_url_path", Str, false),
            ("has_more_path", Str, false),
            ("stop_after_empty_page", Bool, false),
        ],
        "header_link" => &[("links_next_key", Str, false)],
        "header_cursor" => &[("cursor_key", Str, false), ("cursor_param", Str, false)],
        "offset" => &[
            ("limit", UInt, true),
            ("offset", UInt, false),
            ("offset_param", Str, false),
            ("limit_param", Str, false),
            ("total_path", Str, false),
            ("total_header", Str, false),
            ("maximum_offset", UInt, false),
            ("stop_after_empty_page", Bool, false),
            ("has_more_path", Str, false),
            ("offset_body_path", Str, false),
            ("limit_body_path", Str, false),
        ],
        "page_number" => &[
            ("base_page", UInt, false),
            ("page", UInt, false),
            ("page_param", Str, false),
            ("total_path", Str, false),
            ("total_header", Str, false),
            ("maximum_page", UInt, false),
            ("stop_after_empty_page", Bool, false),
            ("has_more_path", Str, false),
            ("page_body_path", Str, false),
        ],
        "cursor" => &[
            ("cursor_path", Str, false),
            ("cursor_param", Str, false),
            ("has_more_path", Str, false),
            ("stop_after_empty_page", Bool, false),
            ("cursor_body_path", Str, false),
        ],
        _ => &[],
    }
}

impl Validator<'_> {
    pub(super) fn paginator(&mut self, node: &Node, path: &str) -> Option<PaginatorSpec> {
        let (type_node, type_path) = match &node.value {
            // dlt's shorthand: `paginator = "header_link"`.
            NodeValue::Str(_) => (node, path.to_owned()),
            NodeValue::Table(_) => match node.get("type") {
                Some(t) => (t, join(path, "type")),
                None => {
                    self.problem(
                        node.span.as_ref(),
                        path,
                        "missing `type` in this paginator",
                        Some(suggest::one_of(PAGINATOR_TYPES)),
                    );
                    return None;
                }
            },
            _ => {
                self.expected(node, path, "a paginator type name or a table with a `type`");
                return None;
            }
        };
        let type_name = self.string(type_node, &type_path)?;
        if !PAGINATOR_TYPES.contains(&type_name.as_str()) && type_name != "json_response" {
            let help = suggest::help(&type_name, PAGINATOR_TYPES);
            self.problem(
                type_node.span.as_ref(),
                &type_path,
                format!("unknown paginator type `{type_name}`"),
                Some(help),
            );
            return None;
        }
        let fields = paginator_fields(&type_name);
        let mut json = serde_json::Map::new();
        json.insert("type".into(), Value::String(type_name.clone()));
        let mut ok = true;
        if node.as_table().is_some() {
            let mut allowed: Vec<&str> = vec!["type"];
            allowed.extend(fields.iter().map(|(name, _, _)| *name));
            self.table(
                node,
                path,
                &allowed,
                &format!("the `{type_name}` paginator"),
            );
            for (name, kind, _) in fields {
                let Some(value) = node.get(name) else {
                    continue;
                };
                let at = join(path, name);
                let checked = match kind {
                    Kind::Str => self.string(value, &at).map(Value::String),
                    Kind::UInt => self.uint(value, &at).map(Value::from),
                    Kind::Bool => self.boolean(value, &at).map(Value::Bool),
                };
                match checked {
                    Some(v) => {
                        json.insert((*name).into(), v);
                    }
                    None => ok = false,
                }
            }
        }
        for (name, _, required) in fields {
            if *required && !json.contains_key(*name) && node.get(name).is_none() {
                self.problem(
                    node.span.as_ref(),
                    path,
                    format!("missing `{name}` in the `{type_name}` paginator"),
                    None,
                );
                ok = false;
            }
        }
        // dlt: a paging value goes in the query or in the body, not both.
        for (param, body_path) in [
            ("offset_param", "offset_body_path"),
            ("limit_param", "limit_body_path"),
            ("page_param", "page_body_path"),
            ("cursor_param", "cursor_body_path"),
        ] {
            if let (Some(_), Some(b)) = (node.get(param), node.get(body_path)) {
                self.problem(
                    b.span.as_ref(),
                    &join(path, body_path),
                    format!("`{param}` and `{body_path}` are both set"),
                    Some(format!(
                        "keep `{param}` to send the value in the query or `{body_path}` to \
                         send it in the JSON body"
                    )),
                );
                ok = false;
            }
        }
        if !ok {
            return None;
        }
        match serde_json::from_value(Value::Object(json)) {
            Ok(spec) => Some(spec),
            Err(e) => {
                self.problem(
                    node.span.as_ref(),
                    path,
                    format!("bad paginator: {e}"),
                    None,
                );
                None
            }
        }
    }
}
