//! JSON into the spanned [`Node`] tree.
//!
//! `serde_json` reports syntax errors with line and column but keeps no spans in a `Value`,
//! so the text is first checked by `serde_json` (its error is the one users see) and then
//! walked by this small scanner, which records where each key and value starts. The scanner
//! only ever sees valid JSON; strings and numbers are decoded by `serde_json` itself.

use super::tree::{Key, Node, NodeValue};

/// Parses `text`; the error is `serde_json`'s message and its 1-based line and column.
pub(crate) fn parse(text: &str) -> Result<Node, (String, usize, usize)> {
    let located = |e: serde_json::Error| {
        let message = e.to_string();
        // serde_json appends " at line L column C"; the location is reported separately.
        let message = match message.rfind(" at line ") {
            Some(i) => message[..i].to_owned(),
            None => message,
        };
        (message, e.line(), e.column())
    };
    serde_json::from_str::<serde::de::IgnoredAny>(text).map_err(located)?;
    // Only building a value applies serde_json's nesting limit (128); without it, a deeply
    // nested document would overflow the stack of the recursive scanner below.
    serde_json::from_str::<serde_json::Value>(text).map_err(located)?;
    let mut scanner = Scanner { text, pos: 0 };
    scanner
        .value()
        .ok_or_else(|| ("could not read the JSON document".to_owned(), 1, 1))
}

struct Scanner<'a> {
    text: &'a str,
    pos: usize,
}

impl Scanner<'_> {
    fn skip_ws(&mut self) {
        let rest = &self.text[self.pos..];
        self.pos += rest.len() - rest.trim_start().len();
    }

    fn peek(&self) -> Option<u8> {
        self.text.as_bytes().get(self.pos).copied()
    }

    fn value(&mut self) -> Option<Node> {
        self.skip_ws();
        let start = self.pos;
        let value = match self.peek()? {
            b'{' => {
                self.pos += 1;
                let mut entries = Vec::new();
                loop {
                    self.skip_ws();
                    match self.peek()? {
                        b'}' => {
                            self.pos += 1;
                            break;
                        }
                        b',' => self.pos += 1,
                        _ => {
                            let key_start = self.pos;
                            let name = self.string()?;
                            let key = Key {
                                name,
                                span: Some(key_start..self.pos),
                            };
                            self.skip_ws();
                            self.pos += 1; // the `:`
                            entries.push((key, self.value()?));
                        }
                    }
                }
                NodeValue::Table(entries)
            }
            b'[' => {
                self.pos += 1;
                let mut items = Vec::new();
                loop {
                    self.skip_ws();
                    match self.peek()? {
                        b']' => {
                            self.pos += 1;
                            break;
                        }
                        b',' => self.pos += 1,
                        _ => items.push(self.value()?),
                    }
                }
                NodeValue::Array(items)
            }
            b'"' => NodeValue::Str(self.string()?),
            b't' => {
                self.pos += 4;
                NodeValue::Bool(true)
            }
            b'f' => {
                self.pos += 5;
                NodeValue::Bool(false)
            }
            b'n' => {
                self.pos += 4;
                NodeValue::Null
            }
            _ => {
                let len = self.text[self.pos..]
                    .find(|c: char| !matches!(c, '0'..='9' | '-' | '+' | '.' | 'e' | 'E'))
                    .unwrap_or(self.text.len() - self.pos);
                let literal = &self.text[self.pos..self.pos + len];
                self.pos += len;
                match serde_json::from_str::<serde_json::Number>(literal).ok()? {
                    n if n.is_i64() => NodeValue::Int(n.as_i64()?),
                    // u64 beyond i64 and floats: a float keeps the magnitude for messages.
                    n => NodeValue::Float(n.as_f64()?),
                }
            }
        };
        Some(Node::new(value, Some(start..self.pos)))
    }

    /// A string literal at `pos` (which is its opening quote), decoded by serde_json.
    fn string(&mut self) -> Option<String> {
        let bytes = self.text.as_bytes();
        let start = self.pos;
        let mut i = start + 1;
        while i < bytes.len() {
            match bytes[i] {
                b'\\' => i += 2,
                b'"' => break,
                _ => i += 1,
            }
        }
        self.pos = i + 1;
        serde_json::from_str(self.text.get(start..self.pos)?).ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_spans_of_keys_and_values() {
        let text = "{\n  \"a\": [1, 2.5, \"x\\\"y\"],\n  \"b\": {\"c\": null, \"d\": true}\n}";
        let node = parse(text).unwrap();
        let entries = node.as_table().unwrap();
        let (key_b, b) = &entries[1];
        assert_eq!(&text[key_b.span.clone().unwrap()], "\"b\"");
        assert_eq!(&text[b.span.clone().unwrap()], "{\"c\": null, \"d\": true}");
        assert_eq!(
            node.to_json(),
            serde_json::json!({"a": [1, 2.5, "x\"y"], "b": {"c": null, "d": true}})
        );
    }

    #[test]
    fn syntax_errors_carry_serde_json_position() {
        let (message, line, column) = parse("{\n  \"a\": 1,\n}").unwrap_err();
        assert_eq!(message, "key must be a string");
        assert_eq!((line, column), (3, 1));
    }
}
