//! `{…}` placeholders in a request template (path, query params, headers, JSON body): finding
//! them, saying what each names, and filling them — the rules dlt's REST API source follows
//! (`expand_placeholders` in `dlt/sources/rest_api/config_setup.py`), in one place.
//!
//! - `{name}` names a source parameter (`region`);
//! - `{<parent>.<field>}` or dlt's `{resources.<parent>.<field>}` a field of a parent
//!   resource's record (a JSON path: `{contacts.owner.id}`);
//! - `{incremental.start_value}`, `{incremental.last_value}`, `{incremental.initial_value}`
//!   and `{incremental.end_value}` the resource's incremental cursor;
//! - `{{` and `}}` are a literal `{` and `}`; any other lone brace is an error (as in dlt,
//!   whose templates are Python format strings).
//!
//! In a JSON body, a string that is exactly one placeholder takes the value's JSON type (a
//! number stays a number; dlt PR #2462); other strings get the value's text. A value put
//! into a path is percent-encoded ([`encode_path_segment`]) so that it stays one segment.
//!
//! It lives in the model crate, so the `#[rest_source]` macro checks its placeholders with
//! these same rules at compile time; the runtime re-exports it as
//! `rest_source_runtime::placeholder`.

use std::fmt;

use serde_json::Value;

/// A template that cannot be read: a stray brace, or a placeholder that names nothing.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TemplateError(pub String);

impl fmt::Display for TemplateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for TemplateError {}

impl From<TemplateError> for String {
    fn from(e: TemplateError) -> String {
        e.0
    }
}

/// One piece of a template: literal text (escapes already undone) or a placeholder's name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Piece<'a> {
    /// Text sent as it is.
    Text(String),
    /// What is between `{` and `}`.
    Placeholder(&'a str),
}

/// The pieces of `template`, or a message naming the stray brace.
pub fn parse(template: &str) -> Result<Vec<Piece<'_>>, TemplateError> {
    let mut pieces = Vec::new();
    let mut text = String::new();
    let mut rest = template;
    while let Some(at) = rest.find(['{', '}']) {
        text.push_str(&rest[..at]);
        let tail = &rest[at..];
        if let Some(after) = tail.strip_prefix("{{") {
            text.push('{');
            rest = after;
        } else if let Some(after) = tail.strip_prefix("}}") {
            text.push('}');
            rest = after;
        } else if tail.starts_with('}') {
            return Err(TemplateError(format!(
                "unmatched `}}` in `{template}`; write `}}}}` for a literal brace"
            )));
        } else {
            let Some(close) = tail[1..]
                .find(['{', '}'])
                .filter(|&i| tail[1 + i..].starts_with('}'))
            else {
                return Err(TemplateError(format!(
                    "unclosed `{{` in `{template}`; close the placeholder with `}}`, or write \
                     `{{{{` for a literal brace"
                )));
            };
            if !text.is_empty() {
                pieces.push(Piece::Text(std::mem::take(&mut text)));
            }
            pieces.push(Piece::Placeholder(&tail[1..1 + close]));
            rest = &tail[close + 2..];
        }
    }
    text.push_str(rest);
    if !text.is_empty() {
        pieces.push(Piece::Text(text));
    }
    Ok(pieces)
}

/// The placeholder names in `template`, in order.
pub fn names(template: &str) -> Result<Vec<&str>, TemplateError> {
    Ok(parse(template)?
        .into_iter()
        .filter_map(|p| match p {
            Piece::Placeholder(name) => Some(name),
            Piece::Text(_) => None,
        })
        .collect())
}

/// Whether `template` needs filling at all (holds a placeholder or an escaped brace).
pub fn has_braces(template: &str) -> bool {
    template.contains(['{', '}'])
}

/// Whether any string of a JSON value (object keys included) needs filling.
pub fn json_has_braces(value: &Value) -> bool {
    visit_json(value, &mut |s| {
        if has_braces(s) {
            Err(TemplateError(String::new()))
        } else {
            Ok(())
        }
    })
    .is_err()
}

/// The placeholder names in every string (keys included) of a JSON value, with the first
/// syntax error met.
pub fn names_in_json(value: &Value) -> Result<Vec<&str>, TemplateError> {
    let mut out = Vec::new();
    visit_json(value, &mut |s| {
        out.extend(names(s)?);
        Ok(())
    })?;
    Ok(out)
}

fn visit_json<'v>(
    value: &'v Value,
    f: &mut dyn FnMut(&'v str) -> Result<(), TemplateError>,
) -> Result<(), TemplateError> {
    match value {
        Value::String(s) => f(s),
        Value::Array(items) => items.iter().try_for_each(|v| visit_json(v, f)),
        Value::Object(map) => map.iter().try_for_each(|(k, v)| {
            f(k)?;
            visit_json(v, f)
        }),
        _ => Ok(()),
    }
}

/// A value of the incremental cursor that a placeholder can name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IncrementalValue {
    /// `{incremental.start_value}`: where this run starts (the saved last value, else the
    /// initial value).
    Start,
    /// `{incremental.last_value}`: the last value when the run starts (the same as the start
    /// value, as in dlt when the request is built).
    Last,
    /// `{incremental.initial_value}`: the configured initial value.
    Initial,
    /// `{incremental.end_value}`: the configured end value.
    End,
}

impl IncrementalValue {
    /// The names dlt accepts after `incremental.`.
    pub const NAMES: &'static [&'static str] =
        &["start_value", "last_value", "initial_value", "end_value"];

    /// The incremental's settings a placeholder may name besides its values
    /// (`{incremental.lag}`, …), as dlt's `{incremental.<attribute>}` reads any attribute of
    /// its `Incremental` object; with dlt's default for those that have one. A config loader
    /// replaces them with the setting's value when it loads the source; one still in a
    /// template afterwards names a setting the incremental leaves out.
    pub const SETTINGS: &'static [(&'static str, Option<&'static str>)] = &[
        ("cursor_path", None),
        ("lag", None),
        ("primary_key", None),
        ("row_order", None),
        ("range_start", Some("closed")),
        ("range_end", Some("open")),
        ("on_cursor_value_missing", Some("raise")),
        ("allow_external_schedulers", Some("False")),
    ];

    fn from_name(name: &str) -> Option<Self> {
        Some(match name {
            "start_value" => IncrementalValue::Start,
            "last_value" => IncrementalValue::Last,
            "initial_value" => IncrementalValue::Initial,
            "end_value" => IncrementalValue::End,
            _ => return None,
        })
    }
}

impl fmt::Display for IncrementalValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            IncrementalValue::Start => "start_value",
            IncrementalValue::Last => "last_value",
            IncrementalValue::Initial => "initial_value",
            IncrementalValue::End => "end_value",
        })
    }
}

/// What a placeholder names.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reference<'a> {
    /// `{name}`: a source parameter.
    Param(&'a str),
    /// `{<resource>.<field>}` or `{resources.<resource>.<field>}`: a field of each record of
    /// the parent resource (`field` is a JSON path).
    Parent {
        /// The parent resource.
        resource: &'a str,
        /// The field's path in the parent's record.
        field: &'a str,
    },
    /// `{incremental.<value>}`.
    Incremental(IncrementalValue),
}

/// What the placeholder `name` (without braces) names, or why it names nothing.
pub fn reference(name: &str) -> Result<Reference<'_>, TemplateError> {
    let ident = |s: &str| {
        !s.is_empty()
            && !s.starts_with(|c: char| c.is_ascii_digit())
            && s.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
    };
    if let Some(value) = name.strip_prefix("incremental.") {
        if IncrementalValue::SETTINGS.iter().any(|(s, _)| *s == value) {
            return Err(TemplateError(format!(
                "`{{{name}}}` names the incremental setting `{value}`, which is not set \
                 here: set `{value}` in the resource's `incremental`, or write its value in \
                 place of the placeholder"
            )));
        }
        return IncrementalValue::from_name(value)
            .map(Reference::Incremental)
            .ok_or_else(|| {
                TemplateError(format!(
                    "`{{{name}}}` names no incremental value; expected one of {}",
                    IncrementalValue::NAMES
                        .iter()
                        .map(|n| format!("`{{incremental.{n}}}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ))
            });
    }
    let reference = name.strip_prefix("resources.").unwrap_or(name);
    match reference.split_once('.') {
        None if ident(reference) && reference.len() == name.len() => {
            Ok(Reference::Param(reference))
        }
        Some((resource, field)) if ident(resource) && !field.is_empty() => {
            Ok(Reference::Parent { resource, field })
        }
        Some((resource, _)) if ident(resource) => Err(TemplateError(format!(
            "`{{{name}}}` names no field of `{resource}`; expected `{{{resource}.<field>}}`, \
             such as `{{{resource}.id}}`"
        ))),
        _ => Err(TemplateError(format!(
            "`{{{name}}}` is not a placeholder; expected `{{parameter}}`, \
             `{{resources.<parent>.<field>}}` or `{{incremental.start_value}}`"
        ))),
    }
}

/// Fills `template`, asking `value_of` for each placeholder's value. Values go in as text
/// (strings as they are, numbers and booleans printed, `null` empty, arrays and objects as
/// JSON), percent-encoded when `path_segment` is set.
pub fn fill_str<E: From<TemplateError>>(
    template: &str,
    path_segment: bool,
    mut value_of: impl FnMut(&str) -> Result<Value, E>,
) -> Result<String, E> {
    let mut out = String::with_capacity(template.len());
    for piece in parse(template)? {
        match piece {
            Piece::Text(t) => out.push_str(&t),
            Piece::Placeholder(name) => {
                let text = text_of(&value_of(name)?);
                if path_segment {
                    out.push_str(&encode_path_segment(&text)?);
                } else {
                    out.push_str(&text);
                }
            }
        }
    }
    Ok(out)
}

/// A value as text: strings as they are, numbers and booleans printed (a float as Python's
/// `str()` writes it, which is what dlt puts in a path), `null` as an empty string, arrays
/// and objects as JSON (the query-parameter rule).
fn text_of(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        Value::Number(n) if n.is_f64() => n
            .as_f64()
            .map_or_else(|| n.to_string(), crate::python::float_str),
        other => other.to_string(),
    }
}

/// Fills every string of a JSON value (object keys included); a string that is exactly one
/// placeholder becomes the value itself, keeping its JSON type.
pub fn fill_json<E: From<TemplateError>>(
    value: &Value,
    value_of: &mut impl FnMut(&str) -> Result<Value, E>,
) -> Result<Value, E> {
    Ok(match value {
        Value::String(s) => match parse(s)?.as_slice() {
            [Piece::Placeholder(name)] => value_of(name)?,
            _ => Value::String(fill_str(s, false, &mut *value_of)?),
        },
        Value::Array(items) => Value::Array(
            items
                .iter()
                .map(|v| fill_json(v, value_of))
                .collect::<Result<_, E>>()?,
        ),
        Value::Object(map) => {
            let mut out = serde_json::Map::with_capacity(map.len());
            for (k, v) in map {
                out.insert(fill_str(k, false, &mut *value_of)?, fill_json(v, value_of)?);
            }
            Value::Object(out)
        }
        other => other.clone(),
    })
}

/// `value` as one path segment: everything but RFC 3986's unreserved characters, sub-delims,
/// `:` and `@` is percent-encoded (UTF-8), so `/`, `?`, `#`, `%`, spaces and braces cannot
/// change the URL. Plain ids (`42`, `abc-1`, `2024-01-01T00:00:00Z`, `a@b.c`) go in
/// unchanged, as dlt sends them. A value of `.` or `..` would be read as a step in the path,
/// not a segment, so it is an error.
pub fn encode_path_segment(value: &str) -> Result<String, TemplateError> {
    if value == "." || value == ".." {
        return Err(TemplateError(format!(
            "the value `{value}` cannot be put into a URL path: it would be read as a step up \
             or through the path, not as one segment"
        )));
    }
    let mut out = String::with_capacity(value.len());
    for b in value.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~:@!$&'()*+,;=".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn parses_placeholders_and_escapes() {
        assert_eq!(
            parse("a/{b}/{{c}}/{d.e}").unwrap(),
            [
                Piece::Text("a/".into()),
                Piece::Placeholder("b"),
                Piece::Text("/{c}/".into()),
                Piece::Placeholder("d.e"),
            ]
        );
        assert_eq!(names("no braces").unwrap(), Vec::<&str>::new());
        assert!(parse("a}b").unwrap_err().0.contains("unmatched `}`"));
        assert!(parse("a{b").unwrap_err().0.contains("unclosed `{`"));
        assert!(parse("a{b{c}").unwrap_err().0.contains("unclosed `{`"));
    }

    #[test]
    fn classifies_what_a_placeholder_names() {
        assert_eq!(reference("region"), Ok(Reference::Param("region")));
        let parent = Reference::Parent {
            resource: "posts",
            field: "author.id",
        };
        assert_eq!(reference("posts.author.id"), Ok(parent));
        assert_eq!(reference("resources.posts.author.id"), Ok(parent));
        assert_eq!(
            reference("incremental.start_value"),
            Ok(Reference::Incremental(IncrementalValue::Start))
        );
        assert!(
            reference("incremental.start")
                .unwrap_err()
                .0
                .contains("`{incremental.start_value}`")
        );
        assert!(reference("posts.").unwrap_err().0.contains("no field"));
        assert!(reference("resources.posts").is_err());
        assert!(reference(" id ").is_err());
        assert!(reference("").is_err());
    }

    #[test]
    fn fills_strings_as_text_and_json_keeping_types() {
        let values = |name: &str| -> Result<Value, String> {
            match name {
                "n" => Ok(json!(42)),
                "s" => Ok(json!("x y")),
                other => Err(format!("unknown {other}")),
            }
        };
        assert_eq!(
            fill_str("id={n}&q={s}", false, values).unwrap(),
            "id=42&q=x y"
        );
        assert_eq!(fill_str("{s}/{n}", true, values).unwrap(), "x%20y/42");
        assert_eq!(fill_str("{zz}", false, values).unwrap_err(), "unknown zz");
        let body = json!({"id": "{n}", "label": "n={n}", "{s}": ["{s}", 1, "{{raw}}"]});
        assert_eq!(
            fill_json(&body, &mut { values }).unwrap(),
            json!({"id": 42, "label": "n=42", "x y": ["x y", 1, "{raw}"]})
        );
        assert_eq!(names_in_json(&body).unwrap(), ["n", "n", "s", "s"]);
    }

    #[test]
    fn path_values_stay_one_segment() {
        for (value, encoded) in [
            ("a/b", "a%2Fb"),
            ("x y", "x%20y"),
            ("what?", "what%3F"),
            ("#1", "%231"),
            ("100%", "100%25"),
            ("{id}", "%7Bid%7D"),
            ("plain-id_1.v2~", "plain-id_1.v2~"),
        ] {
            assert_eq!(encode_path_segment(value).unwrap(), encoded);
        }
        assert!(encode_path_segment(".").is_err());
        assert!(encode_path_segment("...").is_ok());
    }
}
