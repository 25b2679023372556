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

    /// `self` with `over` merged in, table by table (dlt's `resource_defaults` rule): keys of
    /// `over` win; tables present in both are merged recursively; arrays and scalars replace.
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
