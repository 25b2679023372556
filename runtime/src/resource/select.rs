//! JSON paths into response bodies: `data_selector`, `next_url_path`, `cursor_path`, … and
//! dlt's record detection when no selector is given.
//!
//! A path is dotted keys with optional array indexes: `data`, `data.items[0].rows`,
//! `data.0` (a numeric key indexes an array), `$` or an empty path for the whole body, and an
//! optional leading `$.`. A trailing `[*]` selects the array itself.

use serde_json::Value;

use crate::error::{Error, Result};

/// A parsed JSON path.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct JsonPath {
    text: String,
    segments: Vec<Segment>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Segment {
    /// An object key, or an array index when it is all digits and the value is an array.
    Key(String),
    Index(usize),
}

impl JsonPath {
    /// Parses `path`; fails with [`Error::Config`] naming the path and the problem.
    pub fn parse(path: &str) -> Result<JsonPath> {
        let bad = |why: &str| {
            Error::Config(format!(
                "JSON path `{path}` is invalid: {why}; expected dotted keys with optional \
                 indexes, like `data.items[0].rows`"
            ))
        };
        let trimmed = path.trim();
        let rest = trimmed
            .strip_prefix("$.")
            .or_else(|| trimmed.strip_prefix('$'))
            .unwrap_or(trimmed);
        let rest = rest.strip_suffix("[*]").unwrap_or(rest);
        let mut segments = Vec::new();
        if !rest.is_empty() {
            for part in split_outside_brackets(rest) {
                let (key, mut indexes) = match part.find('[') {
                    Some(i) => (&part[..i], &part[i..]),
                    None => (part, ""),
                };
                if key.is_empty() && indexes.is_empty() {
                    return Err(bad("it has an empty segment (`..` or a trailing `.`)"));
                }
                if !key.is_empty() {
                    segments.push(Segment::Key(key.to_owned()));
                }
                while !indexes.is_empty() {
                    let close = indexes
                        .find(']')
                        .ok_or_else(|| bad("a `[` is not closed"))?;
                    let inner = indexes[1..close].trim();
                    let inner = inner.trim_matches(|c| c == '\'' || c == '"');
                    match inner.parse::<usize>() {
                        Ok(i) => segments.push(Segment::Index(i)),
                        Err(_) if !inner.is_empty() && inner != "*" => {
                            segments.push(Segment::Key(inner.to_owned()))
                        }
                        Err(_) => return Err(bad("only `[<number>]` or `['key']` are supported")),
                    }
                    indexes = &indexes[close + 1..];
                    if !indexes.is_empty() && !indexes.starts_with('[') {
                        return Err(bad("unexpected text after `]`"));
                    }
                }
            }
        }
        Ok(JsonPath {
            text: path.to_owned(),
            segments,
        })
    }

    /// The path as it was written.
    pub(crate) fn text(&self) -> &str {
        &self.text
    }

    /// The whole body (`$`).
    pub(crate) fn root() -> JsonPath {
        JsonPath {
            text: "$".into(),
            segments: Vec::new(),
        }
    }

    /// The path down through object keys `keys` (written as `data_selector` would be).
    pub(crate) fn from_keys(keys: Vec<String>) -> JsonPath {
        let text: Vec<String> = keys.iter().map(|k| path_segment(k)).collect();
        JsonPath {
            text: text.join("."),
            segments: keys.into_iter().map(Segment::Key).collect(),
        }
    }

    /// The value at this path, mutably, if present.
    pub(crate) fn get_mut<'v>(&self, value: &'v mut Value) -> Option<&'v mut Value> {
        let mut v = value;
        for seg in &self.segments {
            v = match (seg, v) {
                (Segment::Key(k), Value::Object(m)) => m.get_mut(k)?,
                (Segment::Key(k), Value::Array(a)) => a.get_mut(k.parse::<usize>().ok()?)?,
                (Segment::Index(i), Value::Array(a)) => a.get_mut(*i)?,
                _ => return None,
            };
        }
        Some(v)
    }

    /// The parsed segments (for the one-pass page parser in `records.rs`).
    pub(crate) fn segments(&self) -> &[Segment] {
        &self.segments
    }

    /// Whether the path selects the whole body.
    pub fn is_root(&self) -> bool {
        self.segments.is_empty()
    }

    /// The value at this path, if present.
    pub fn get<'v>(&self, value: &'v Value) -> Option<&'v Value> {
        self.segments
            .iter()
            .try_fold(value, |v, seg| match (seg, v) {
                (Segment::Key(k), Value::Object(m)) => m.get(k),
                (Segment::Key(k), Value::Array(a)) => {
                    k.parse::<usize>().ok().and_then(|i| a.get(i))
                }
                (Segment::Index(i), Value::Array(a)) => a.get(*i),
                _ => None,
            })
    }

    /// Moves the value at this path out of `value` (leaving `null`), without copying it.
    pub fn take(&self, value: &mut Value) -> Option<Value> {
        self.get_mut(value).map(Value::take)
    }
}

/// Splits on `.` except inside `[…]`, so `['x.y']` stays one key.
fn split_outside_brackets(path: &str) -> Vec<&str> {
    let mut parts = Vec::new();
    let (mut depth, mut start) = (0usize, 0usize);
    for (i, c) in path.char_indices() {
        match c {
            '[' => depth += 1,
            ']' => depth = depth.saturating_sub(1),
            '.' if depth == 0 => {
                parts.push(&path[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    parts.push(&path[start..]);
    parts
}

impl std::fmt::Display for JsonPath {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.text)
    }
}

/// Keys that usually hold the records (dlt's `RECORD_KEY_PATTERNS`).
pub const RECORD_KEYS: &[&str] = &[
    "data", "items", "results", "entries", "records", "rows", "entities", "payload", "content",
    "objects",
];

/// Keys that never hold the records (dlt's `NON_RECORD_KEY_PATTERNS`).
pub const NON_RECORD_KEYS: &[&str] = &[
    "meta",
    "metadata",
    "pagination",
    "links",
    "extras",
    "headers",
];

/// Moves the records out of a page body the way dlt's `find_records` finds them: a
/// top-level array is the records; otherwise, among the arrays up to two objects deep, the
/// least nested one under a record-like key (`data`, `items`, `results`, …), else the least
/// nested array outside metadata keys; a body without arrays is one record.
///
/// Unlike dlt, an array of scalars (a post's `tags`, a list of ids) is taken as the records
/// only under a record-like key: a body whose only other arrays hold scalars is one record,
/// so a child endpoint that answers with one object keeps it.
///
/// (The page parser in `records.rs` does this in one pass; this is its reference, for tests.)
#[cfg(test)]
pub(crate) fn take_records(body: &mut Value) -> Vec<Value> {
    detect_records(body).0
}

/// [`take_records`], and the path it took the records from (`$` for the whole body), as a
/// `data_selector` that would select them.
#[cfg(test)]
pub(crate) fn detect_records(body: &mut Value) -> (Vec<Value>, String) {
    let (records, detected) = detect_and_take(body);
    (records, detected.path.text)
}

/// Where record detection found a page's records.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Detected {
    /// The path, as a `data_selector` that selects them (`$`: the whole body).
    pub path: JsonPath,
    /// Whether the same detection on another page can be told from that page's envelope
    /// alone: the body was an array, or a record-like key chose the path (neither looks at
    /// what the array holds, which the envelope no longer has).
    pub by_key: bool,
}

/// [`detect_records`], with the path as a [`JsonPath`].
pub(crate) fn detect_and_take(body: &mut Value) -> (Vec<Value>, Detected) {
    let (keys, by_key) = match detect_path(body) {
        Some(found) => found,
        None => {
            let by_key = body.is_array();
            let records = into_records(body.take());
            return (
                records,
                Detected {
                    path: JsonPath::root(),
                    by_key,
                },
            );
        }
    };
    let mut v = &mut *body;
    for k in &keys {
        v = &mut v[k.as_str()];
    }
    let records = into_records(v.take());
    (
        records,
        Detected {
            path: JsonPath::from_keys(keys),
            by_key,
        },
    )
}

/// The keys down to the array [`detect_records`] takes as the records of `body` (`None`:
/// the whole body), and whether a record-like key chose it.
pub(crate) fn detect_path(body: &Value) -> Option<(Vec<String>, bool)> {
    if !body.is_object() {
        return None;
    }
    let mut lists: Vec<(usize, Vec<String>)> = Vec::new();
    find_lists(body, &mut Vec::new(), &mut lists);
    // Stable sort: least nested first, document order (serde_json's key order) within a level.
    lists.sort_by_key(|(level, _)| *level);
    let is_record_key = |p: &Vec<String>| {
        p.last()
            .is_some_and(|k| RECORD_KEYS.contains(&k.to_ascii_lowercase().as_str()))
    };
    let under_metadata = |p: &Vec<String>| {
        p.iter()
            .any(|k| NON_RECORD_KEYS.contains(&k.to_ascii_lowercase().as_str()))
    };
    // An array of scalars outside a record key is a field of the body, not its records.
    let only_scalars = |p: &Vec<String>| {
        let v = p.iter().fold(body, |v, k| &v[k.as_str()]);
        v.as_array()
            .is_some_and(|a| !a.is_empty() && a.iter().all(|e| !e.is_object() && !e.is_array()))
    };
    if let Some((_, p)) = lists
        .iter()
        .find(|(_, p)| is_record_key(p) && !under_metadata(p))
    {
        return Some((p.clone(), true));
    }
    lists
        .into_iter()
        .find(|(_, p)| !under_metadata(p) && !only_scalars(p))
        .map(|(_, p)| (p, false))
}

/// `key` as a segment of a path [`JsonPath::parse`] reads back: as it is when plain,
/// else quoted (`['a.b']`).
fn path_segment(key: &str) -> String {
    let plain = !key.is_empty()
        && key.trim() == key
        && !key.starts_with('$')
        && !key.contains(['.', '[', ']', '\'', '"']);
    if plain {
        key.to_owned()
    } else {
        format!("['{key}']")
    }
}

fn find_lists(value: &Value, path: &mut Vec<String>, out: &mut Vec<(usize, Vec<String>)>) {
    let Value::Object(map) = value else { return };
    if path.len() > 2 {
        return;
    }
    for (k, v) in map {
        path.push(k.clone());
        match v {
            Value::Array(_) => out.push((path.len() - 1, path.clone())),
            Value::Object(_) => find_lists(v, path, out),
            _ => {}
        }
        path.pop();
    }
}

/// Why `selector` found nothing in `body`: the key it missed, the keys that exist where it
/// looked, and the closest of them (Jaro-Winkler > 0.8). `None` when the body has nothing
/// to select from (`null`, `{}` or `[]`), which is an empty page rather than a wrong selector.
pub(crate) fn explain_miss(selector: &JsonPath, body: &Value) -> Option<String> {
    let empty = match body {
        Value::Null => true,
        Value::Object(m) => m.is_empty(),
        Value::Array(a) => a.is_empty(),
        _ => false,
    };
    if empty {
        return None;
    }
    let mut at = body;
    let mut walked: Vec<String> = Vec::new();
    for seg in selector.segments() {
        let next = match (seg, at) {
            (Segment::Key(k), Value::Object(m)) => m.get(k),
            (Segment::Key(k), Value::Array(a)) => k.parse::<usize>().ok().and_then(|i| a.get(i)),
            (Segment::Index(i), Value::Array(a)) => a.get(*i),
            _ => None,
        };
        let name = match seg {
            Segment::Key(k) => k.clone(),
            Segment::Index(i) => i.to_string(),
        };
        match next {
            Some(v) => {
                walked.push(name);
                at = v;
            }
            None => {
                let place = if walked.is_empty() {
                    "the body".to_owned()
                } else {
                    format!("`{}`", walked.join("."))
                };
                let found = match at {
                    Value::Object(m) => {
                        let keys: Vec<&str> = m.keys().map(String::as_str).collect();
                        let listed: Vec<String> =
                            keys.iter().take(20).map(|k| format!("`{k}`")).collect();
                        let more = if keys.len() > 20 { ", …" } else { "" };
                        // darling's rule, as for config keys: Jaro-Winkler > 0.8.
                        let hint = keys
                            .iter()
                            .map(|k| (strsim::jaro_winkler(&name, k), *k))
                            .filter(|(score, _)| *score > 0.8)
                            .max_by(|a, b| a.0.total_cmp(&b.0))
                            .map(|(_, k)| format!("; did you mean `{k}`?"))
                            .unwrap_or_default();
                        format!("{place} has the keys {}{more}{hint}", listed.join(", "))
                    }
                    Value::Array(a) => format!("{place} is an array of {} values", a.len()),
                    other => format!("{place} is {}", kind(other)),
                };
                return Some(format!("`{name}` is not in the page: {found}"));
            }
        }
    }
    None
}

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// A selected value as records: an array's elements, nothing for `null`, else one record.
pub fn into_records(value: Value) -> Vec<Value> {
    match value {
        Value::Array(items) => items,
        Value::Null => Vec::new(),
        other => vec![other],
    }
}

/// The value of `value` as it goes into a URL: strings as they are, numbers and booleans
/// printed, `null` as an empty string, arrays and objects as JSON.
pub fn value_to_param(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        // As Python's `str(float)`: `1e+16`, `1e-05`, `2.0` (what dlt sends).
        Value::Number(n) if n.is_f64() => n
            .as_f64()
            .map_or_else(|| n.to_string(), rest_source_spec::python::float_str),
        other => other.to_string(),
    }
}

/// A JSON scalar as Python's `str()` writes it, which is what dlt sends where `requests`
/// encodes a dict (query params, form bodies, token request data): booleans `True` /
/// `False`, floats as [`value_to_param`] writes them, everything else as [`value_to_param`].
pub fn python_str(value: &Value) -> String {
    match value {
        Value::Bool(b) => rest_source_spec::python::bool_str(*b).to_owned(),
        other => value_to_param(other),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// Query values and form values as Python's `str()` writes them (the full float table
    /// is checked in `runtime/tests/it/python_str.rs`).
    #[test]
    fn query_values_use_python_text_for_floats_and_booleans() {
        assert_eq!(value_to_param(&json!(1e16)), "1e+16");
        assert_eq!(value_to_param(&json!(0.00001)), "1e-05");
        assert_eq!(value_to_param(&json!(2.0)), "2.0");
        assert_eq!(value_to_param(&json!(7)), "7");
        assert_eq!(python_str(&json!(true)), "True");
        assert_eq!(python_str(&json!(false)), "False");
        assert_eq!(python_str(&json!(1.5e-7)), "1.5e-07");
        assert_eq!(python_str(&json!("as is")), "as is");
    }

    #[test]
    fn paths_with_indexes_and_numeric_keys() {
        let body = json!({"data": [{"rows": ["a", "b"]}], "x.y": 1, "m": {"0": "zero"}});
        let p = |s: &str| JsonPath::parse(s).unwrap();
        assert_eq!(p("data[0].rows[1]").get(&body), Some(&json!("b")));
        assert_eq!(p("data.0.rows.1").get(&body), Some(&json!("b")));
        assert_eq!(p("$.data[0].rows").get(&body), Some(&json!(["a", "b"])));
        assert_eq!(p("$").get(&body), Some(&body));
        assert_eq!(p("['x.y']").get(&body), Some(&json!(1)));
        assert_eq!(p("m.0").get(&body), Some(&json!("zero")));
        assert_eq!(p("data[*]").get(&body), body.get("data"));
        assert_eq!(p("data[3]").get(&body), None);
        assert_eq!(p("nope.deeper").get(&body), None);
    }

    #[test]
    fn bad_paths_are_config_errors_naming_the_path() {
        for bad in ["data..items", "data[0", "data[x]y", "data[]"] {
            let err = JsonPath::parse(bad).unwrap_err().to_string();
            assert!(err.contains(&format!("`{bad}`")), "{err}");
        }
    }

    #[test]
    fn take_moves_the_value_out() {
        let mut body = json!({"a": {"b": [1, 2]}});
        let got = JsonPath::parse("a.b").unwrap().take(&mut body);
        assert_eq!(got, Some(json!([1, 2])));
        assert_eq!(body, json!({"a": {"b": null}}));
    }

    #[test]
    fn finds_records_like_dlt() {
        let mut top = json!([{"id": 1}, {"id": 2}]);
        assert_eq!(take_records(&mut top).len(), 2);
        let mut keyed = json!({"links": [{"x": 1}], "aaa": [1], "items": [{"id": 1}]});
        assert_eq!(take_records(&mut keyed), vec![json!({"id": 1})]);
        let mut nested = json!({"response": {"users": [{"id": 7}]}, "meta": {"ids": [1, 2]}});
        assert_eq!(take_records(&mut nested), vec![json!({"id": 7})]);
        let mut deeper = json!({"x": [{"id": 0}], "a": {"data": [{"id": 1}]}});
        assert_eq!(take_records(&mut deeper), vec![json!({"id": 1})]);
        let mut single = json!({"id": 9, "name": "n"});
        assert_eq!(
            take_records(&mut single),
            vec![json!({"id": 9, "name": "n"})]
        );
        let mut null = Value::Null;
        assert!(take_records(&mut null).is_empty());
    }

    #[test]
    fn an_object_with_only_scalar_arrays_is_one_record() {
        let mut post = json!({"id": 1, "tags": ["a", "b"], "meta": {"ids": [1]}});
        let (records, path) = detect_records(&mut post);
        assert_eq!(records.len(), 1);
        assert_eq!(records[0]["tags"], json!(["a", "b"]));
        assert_eq!(path, "$");
        let mut strings = json!({"data": ["a", "b"], "count": 2});
        assert_eq!(
            detect_records(&mut strings),
            (vec![json!("a"), json!("b")], "data".into())
        );
        let mut nested = json!({"tags": ["x"], "response": {"users": [{"id": 7}]}});
        assert_eq!(detect_records(&mut nested).1, "response.users");
    }

    #[test]
    fn a_missed_selector_names_the_keys_and_the_closest() {
        let sel = JsonPath::parse("result").unwrap();
        let why = explain_miss(&sel, &json!({"results": [], "meta": {}})).unwrap();
        assert!(why.contains("`result` is not in the page"), "{why}");
        assert!(
            why.contains("`results`, `meta`") || why.contains("`meta`, `results`"),
            "{why}"
        );
        assert!(why.contains("did you mean `results`?"), "{why}");
        let deep = JsonPath::parse("data.itemz").unwrap();
        let why = explain_miss(&deep, &json!({"data": {"items": [1]}})).unwrap();
        assert!(why.contains("`data` has the keys `items`"), "{why}");
        assert_eq!(explain_miss(&sel, &json!({})), None);
        assert_eq!(explain_miss(&sel, &Value::Null), None);
        assert!(explain_miss(&sel, &json!([1])).unwrap().contains("array"));
    }
}

#[cfg(test)]
pub(crate) mod properties;

/// The examples of this module's items (crate-private, so not doc tests).
#[cfg(test)]
mod examples {
    #[test]
    fn json_paths_accept_indexes_and_dotted_numbers() {
        use super::JsonPath;
        let body = serde_json::json!({"data": {"items": [{"rows": [1, 2]}]}});
        let rows = JsonPath::parse("data.items[0].rows").unwrap();
        assert_eq!(rows.get(&body), Some(&serde_json::json!([1, 2])));
        assert_eq!(
            JsonPath::parse("data.items.0.rows").unwrap().get(&body),
            rows.get(&body)
        );
    }
}
