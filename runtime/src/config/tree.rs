//! The location-aware config tree: TOML or JSON parsed into one shape that remembers where
//! every key and value was written, so a validation problem can name its line and column.

use std::ops::Range;

use serde_json::{Map, Number, Value};

/// A value in the config, with the byte range it was written at (when the format gives it).
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Node {
    pub(crate) value: NodeValue,
    pub(crate) span: Option<Range<usize>>,
}

/// A key of a table, with its own span (the narrowest place to report an unknown key).
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Key {
    pub(crate) name: String,
    pub(crate) span: Option<Range<usize>>,
}

/// The value kinds both formats share (TOML datetimes are kept as their text).
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum NodeValue {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(String),
    Array(Vec<Node>),
    Table(Vec<(Key, Node)>),
}

impl Node {
    pub(crate) fn new(value: NodeValue, span: Option<Range<usize>>) -> Self {
        Node { value, span }
    }

    pub(crate) fn as_str(&self) -> Option<&str> {
        match &self.value {
            NodeValue::Str(s) => Some(s),
            _ => None,
        }
    }

    pub(crate) fn as_table(&self) -> Option<&[(Key, Node)]> {
        match &self.value {
            NodeValue::Table(entries) => Some(entries),
            _ => None,
        }
    }

    /// The entry `name` of a table (the first, should a format allow duplicates).
    pub(crate) fn get(&self, name: &str) -> Option<&Node> {
        self.as_table()?
            .iter()
            .find(|(k, _)| k.name == name)
            .map(|(_, v)| v)
    }

    /// What the value is, for "expected a string, found an array" messages.
    pub(crate) fn kind(&self) -> &'static str {
        match &self.value {
            NodeValue::Null => "null",
            NodeValue::Bool(_) => "a boolean",
            NodeValue::Int(_) => "an integer",
            NodeValue::Float(_) => "a float",
            NodeValue::Str(_) => "a string",
            NodeValue::Array(_) => "an array",
            NodeValue::Table(_) => "a table",
        }
    }

    /// The value as JSON (what the spec types deserialise from).
    pub(crate) fn to_json(&self) -> Value {
        match &self.value {
            NodeValue::Null => Value::Null,
            NodeValue::Bool(b) => Value::Bool(*b),
            NodeValue::Int(i) => Value::Number((*i).into()),
            NodeValue::Float(f) => Number::from_f64(*f).map_or(Value::Null, Value::Number),
            NodeValue::Str(s) => Value::String(s.clone()),
            NodeValue::Array(items) => Value::Array(items.iter().map(Node::to_json).collect()),
            NodeValue::Table(entries) => Value::Object(
                entries
                    .iter()
                    .map(|(k, v)| (k.name.clone(), v.to_json()))
                    .collect::<Map<_, _>>(),
            ),
        }
    }

    /// `self` with `over` merged in, table by table: keys of `over` win; tables present in
    /// both are merged recursively; arrays and scalars replace. (`resource_defaults` merge
    /// as dlt's rule says: [`dlt_merged`].)
    pub(crate) fn merged_with(&self, over: &Node) -> Node {
        match (&self.value, &over.value) {
            (NodeValue::Table(base), NodeValue::Table(top)) => {
                let mut out: Vec<(Key, Node)> = Vec::with_capacity(base.len() + top.len());
                for (k, v) in base {
                    match top.iter().find(|(tk, _)| tk.name == k.name) {
                        Some((tk, tv)) => out.push((tk.clone(), v.merged_with(tv))),
                        None => out.push((k.clone(), v.clone())),
                    }
                }
                for (tk, tv) in top {
                    if !base.iter().any(|(k, _)| k.name == tk.name) {
                        out.push((tk.clone(), tv.clone()));
                    }
                }
                Node::new(NodeValue::Table(out), over.span.clone())
            }
            _ => over.clone(),
        }
    }
}

/// dlt's `resource_defaults` merge (`_merge_resource_endpoints`): every key of `resource`
/// replaces the default's wholesale, except inside `endpoint`, where `params` and `json`
/// are merged one level deep (the resource's entries win), and `columns`, merged column by
/// column (each column's hints merged, the resource's win). So a resource's own
/// `paginator`, `auth`, `incremental` or `headers` is never mixed with the default's.
pub(crate) fn dlt_merged(defaults: &Node, resource: &Node) -> Node {
    let (Some(base), Some(top)) = (defaults.as_table(), resource.as_table()) else {
        return resource.clone();
    };
    let out = replace_keys(base, top, |key, d, r| match key {
        "endpoint" => {
            let (Some(de), Some(re)) = (d.as_table(), r.as_table()) else {
                return r.clone();
            };
            let merged = replace_keys(de, re, |key, d, r| match key {
                "params" | "json" => one_level(d, r),
                _ => r.clone(),
            });
            Node::new(NodeValue::Table(merged), r.span.clone())
        }
        "columns" => match (&d.value, &r.value) {
            (NodeValue::Table(dc), NodeValue::Table(rc)) => {
                let merged = replace_keys(dc, rc, |_, d, r| one_level(d, r));
                Node::new(NodeValue::Table(merged), r.span.clone())
            }
            _ => r.clone(),
        },
        _ => r.clone(),
    });
    Node::new(NodeValue::Table(out), resource.span.clone())
}

/// The entries of `base` with those of `top` in their place (combined by `both` where a
/// key is in each), then `top`'s other entries.
fn replace_keys(
    base: &[(Key, Node)],
    top: &[(Key, Node)],
    both: impl Fn(&str, &Node, &Node) -> Node,
) -> Vec<(Key, Node)> {
    let mut out: Vec<(Key, Node)> = Vec::with_capacity(base.len() + top.len());
    for (k, v) in base {
        match top.iter().find(|(tk, _)| tk.name == k.name) {
            Some((tk, tv)) => out.push((tk.clone(), both(&k.name, v, tv))),
            None => out.push((k.clone(), v.clone())),
        }
    }
    for (tk, tv) in top {
        if !base.iter().any(|(k, _)| k.name == tk.name) {
            out.push((tk.clone(), tv.clone()));
        }
    }
    out
}

/// `{**base, **top}`: two tables merged one level deep; anything else is `top`.
fn one_level(base: &Node, top: &Node) -> Node {
    match (&base.value, &top.value) {
        (NodeValue::Table(b), NodeValue::Table(t)) => Node::new(
            NodeValue::Table(replace_keys(b, t, |_, _, r| r.clone())),
            top.span.clone(),
        ),
        _ => top.clone(),
    }
}

/// 1-based line and column (in characters) of byte `offset` in `text`.
pub(crate) fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let before = &text[..floor_char_boundary(text, offset)];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let column = before[line_start..].chars().count() + 1;
    (line, column)
}

fn floor_char_boundary(text: &str, mut offset: usize) -> usize {
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    offset
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(entries: &[(&str, Node)]) -> Node {
        Node::new(
            NodeValue::Table(
                entries
                    .iter()
                    .map(|(k, v)| {
                        (
                            Key {
                                name: (*k).into(),
                                span: None,
                            },
                            v.clone(),
                        )
                    })
                    .collect(),
            ),
            None,
        )
    }

    fn s(v: &str) -> Node {
        Node::new(NodeValue::Str(v.into()), None)
    }

    #[test]
    fn line_col_counts_lines_and_characters() {
        let text = "a = 1\nné = \"x\"\n";
        assert_eq!(line_col(text, 0), (1, 1));
        assert_eq!(line_col(text, 6), (2, 1));
        // `=` after the two-byte `é` is the 4th character of line 2.
        assert_eq!(line_col(text, text.rfind('=').unwrap()), (2, 4));
    }

    #[test]
    fn dlt_merge_replaces_all_but_params_and_json() {
        let defaults = table(&[
            ("primary_key", s("id")),
            (
                "endpoint",
                table(&[
                    (
                        "paginator",
                        table(&[("type", s("json_link")), ("next_url_path", s("n"))]),
                    ),
                    ("params", table(&[("a", s("1")), ("b", s("2"))])),
                    ("json", table(&[("q", table(&[("x", s("1"))]))])),
                    ("data_selector", s("data")),
                ]),
            ),
        ]);
        let resource = table(&[
            ("name", s("r")),
            (
                "endpoint",
                table(&[
                    (
                        "paginator",
                        table(&[("type", s("offset")), ("limit", s("10"))]),
                    ),
                    ("params", table(&[("b", s("3"))])),
                    ("json", table(&[("q", table(&[("y", s("2"))]))])),
                ]),
            ),
        ]);
        assert_eq!(
            dlt_merged(&defaults, &resource).to_json(),
            serde_json::json!({
                "primary_key": "id",
                "endpoint": {
                    "paginator": {"type": "offset", "limit": "10"},
                    "params": {"a": "1", "b": "3"},
                    // One level only, as dlt's `{**default, **resource}`.
                    "json": {"q": {"y": "2"}},
                    "data_selector": "data",
                },
                "name": "r",
            })
        );
    }

    #[test]
    fn merge_keeps_defaults_and_lets_the_resource_win() {
        let defaults = table(&[(
            "endpoint",
            table(&[("data_selector", s("data")), ("method", s("GET"))]),
        )]);
        let resource = table(&[
            ("name", s("a")),
            ("endpoint", table(&[("data_selector", s("items"))])),
        ]);
        let merged = defaults.merged_with(&resource).to_json();
        assert_eq!(
            merged,
            serde_json::json!({"name": "a", "endpoint": {"data_selector": "items", "method": "GET"}})
        );
    }
}
