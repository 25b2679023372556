//! TOML into the spanned [`Node`] tree, through `toml`'s span-keeping `DeTable`.

use ::toml::de::{DeTable, DeValue};

use super::tree::{Key, Node, NodeValue, line_col};

/// Parses `text`; the error is `toml`'s message and its 1-based line and column.
pub(crate) fn parse(text: &str) -> Result<Node, (String, usize, usize)> {
    match DeTable::parse(text) {
        Ok(table) => {
            let span = table.span();
            Ok(table_node(table.get_ref(), span))
        }
        Err(e) => {
            let (line, column) = e.span().map_or((1, 1), |s| line_col(text, s.start));
            Err((e.message().trim().to_owned(), line, column))
        }
    }
}

fn table_node(table: &DeTable<'_>, span: std::ops::Range<usize>) -> Node {
    let entries = table
        .iter()
        .map(|(k, v)| {
            let key = Key {
                name: k.get_ref().to_string(),
                span: Some(k.span()),
            };
            (key, value_node(v.get_ref(), v.span()))
        })
        .collect();
    Node::new(NodeValue::Table(entries), Some(span))
}

fn value_node(value: &DeValue<'_>, span: std::ops::Range<usize>) -> Node {
    let value = match value {
        DeValue::String(s) => NodeValue::Str(s.to_string()),
        DeValue::Integer(i) => {
            let digits = i.as_str().replace('_', "");
            match i64::from_str_radix(&digits, i.radix()) {
                Ok(n) => NodeValue::Int(n),
                Err(_) => NodeValue::Str(i.as_str().to_owned()),
            }
        }
        DeValue::Float(f) => match f.as_str().replace('_', "").parse::<f64>() {
            Ok(n) => NodeValue::Float(n),
            Err(_) => NodeValue::Str(f.as_str().to_owned()),
        },
        DeValue::Boolean(b) => NodeValue::Bool(*b),
        DeValue::Datetime(d) => NodeValue::Str(d.to_string()),
        DeValue::Array(items) => NodeValue::Array(
            items
                .iter()
                .map(|v| value_node(v.get_ref(), v.span()))
                .collect(),
        ),
        DeValue::Table(table) => return table_node(table, span),
    };
    Node::new(value, Some(span))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_key_and_value_spans() {
        let text = "[client]\nbase_url = \"http://x\"\nauth = { type = \"bearer\" }\n";
        let node = parse(text).unwrap();
        let client = node.get("client").unwrap();
        // Keys in the order written (dlt sends params in its config's order).
        let (key, value) = &client.as_table().unwrap()[0];
        assert_eq!(key.name, "base_url");
        assert_eq!(client.as_table().unwrap()[1].0.name, "auth");
        assert_eq!(&text[key.span.clone().unwrap()], "base_url");
        assert_eq!(&text[value.span.clone().unwrap()], "\"http://x\"");
        let auth_type = client.get("auth").unwrap().get("type").unwrap();
        assert_eq!(
            line_col(text, auth_type.span.clone().unwrap().start),
            (3, 17)
        );
    }

    #[test]
    fn syntax_errors_carry_a_position() {
        let (message, line, column) = parse("a = 1\nb = \n").unwrap_err();
        assert_eq!(
            message,
            "string values must be quoted, expected literal string"
        );
        assert_eq!((line, column), (2, 5));
    }
}
