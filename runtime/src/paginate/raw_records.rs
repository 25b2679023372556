//! Records as raw JSON slices of the page body: the fast path for typed resources.
//!
//! Building a `serde_json::Value` tree for every record and then decoding `T` from it costs
//! an allocation per string and per object twice over. When the data selector is a plain key
//! path (or the whole body), the page is parsed once: the envelope (everything but the
//! records) into a `Value` for the paginator, and the records only as byte ranges, which `T`
//! is then decoded from directly. A record that fails keeps its exact original text.

use std::fmt;
use std::ops::Range;

use bytes::Bytes;
use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::value::RawValue;
use serde_json::{Map, Number, Value};

/// The records of one page as byte ranges of its body.
#[derive(Debug, Clone)]
pub(crate) struct RawRecords {
    pub body: Bytes,
    pub spans: Vec<Range<usize>>,
}

/// Parses `body`, returning the envelope (the value at `keys` replaced by `null`) and the
/// byte ranges of the records at `keys` (the whole body when `keys` is empty): an array's
/// elements, nothing for `null` or a missing key, else the one value.
pub(crate) fn split(
    body: &[u8],
    keys: &[String],
) -> serde_json::Result<(Value, Option<Vec<Range<usize>>>)> {
    let base = body.as_ptr() as usize;
    let mut spans = None;
    let mut de = serde_json::Deserializer::from_slice(body);
    let envelope = if keys.is_empty() {
        let raw: &RawValue = serde::Deserialize::deserialize(&mut de)?;
        spans = Some(elements(raw, base)?);
        Value::Null
    } else {
        Seed {
            keys,
            spans: &mut spans,
            base,
        }
        .deserialize(&mut de)?
    };
    de.end()?;
    Ok((envelope, spans))
}

fn elements(raw: &RawValue, base: usize) -> serde_json::Result<Vec<Range<usize>>> {
    let text = raw.get();
    let span = |s: &str| {
        let start = s.as_ptr() as usize - base;
        start..start + s.len()
    };
    match text.as_bytes().first() {
        Some(b'[') => {
            let items: Vec<&RawValue> = serde_json::from_str(text)?;
            Ok(items.iter().map(|r| span(r.get())).collect())
        }
        Some(b'n') => Ok(Vec::new()),
        _ => Ok(vec![span(text)]),
    }
}

/// Builds the envelope as a `Value`, except at the selected key path.
struct Seed<'a> {
    keys: &'a [String],
    spans: &'a mut Option<Vec<Range<usize>>>,
    base: usize,
}

impl<'de> DeserializeSeed<'de> for Seed<'_> {
    type Value = Value;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Seed<'_> {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let Seed { keys, spans, base } = self;
        let mut out = Map::new();
        while let Some(key) = map.next_key::<String>()? {
            if spans.is_none() && key == keys[0] {
                if keys.len() == 1 {
                    let raw: &'de RawValue = map.next_value()?;
                    *spans = Some(elements(raw, base).map_err(de::Error::custom)?);
                    out.insert(key, Value::Null);
                } else {
                    let v = map.next_value_seed(Seed {
                        keys: &keys[1..],
                        spans: &mut *spans,
                        base,
                    })?;
                    out.insert(key, v);
                }
            } else {
                out.insert(key, map.next_value::<Value>()?);
            }
        }
        Ok(Value::Object(out))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut out = Vec::new();
        while let Some(v) = seq.next_element::<Value>()? {
            out.push(v);
        }
        Ok(Value::Array(out))
    }
    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(Value::Number(v.into()))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(Value::Number(v.into()))
    }
    fn visit_f64<E>(self, v: f64) -> Result<Value, E> {
        Ok(Number::from_f64(v).map_or(Value::Null, Value::Number))
    }
    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_owned()))
    }
    fn visit_string<E>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }
    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_none<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn texts(body: &str, keys: &[&str]) -> (Value, Option<Vec<String>>) {
        let keys: Vec<String> = keys.iter().map(|k| k.to_string()).collect();
        let (env, spans) = split(body.as_bytes(), &keys).unwrap();
        (
            env,
            spans.map(|s| s.into_iter().map(|r| body[r].to_owned()).collect()),
        )
    }

    #[test]
    fn selects_records_as_slices_and_keeps_the_envelope() {
        let body = r#"{"meta": {"next": "/p2", "n": 2.5}, "data": {"items": [ {"id": 1}, {"id": "x\"y"} ]}, "ok": true}"#;
        let (env, recs) = texts(body, &["data", "items"]);
        assert_eq!(recs.unwrap(), [r#"{"id": 1}"#, r#"{"id": "x\"y"}"#]);
        assert_eq!(
            env,
            json!({"meta": {"next": "/p2", "n": 2.5}, "data": {"items": null}, "ok": true})
        );
    }

    #[test]
    fn whole_body_null_single_and_missing() {
        assert_eq!(texts(" [1, [2], {}] ", &[]).1.unwrap(), ["1", "[2]", "{}"]);
        assert_eq!(
            texts(r#"{"data": null}"#, &["data"]).1.unwrap(),
            Vec::<String>::new()
        );
        assert_eq!(
            texts(r#"{"data": {"id": 1}}"#, &["data"]).1.unwrap(),
            [r#"{"id": 1}"#]
        );
        assert_eq!(texts(r#"{"other": []}"#, &["data"]).1, None);
        assert_eq!(texts(r#"{"data": 5}"#, &["data", "x"]).1, None);
    }

    #[test]
    fn invalid_json_is_an_error() {
        assert!(split(br#"{"data": [1, }"#, &["data".to_owned()]).is_err());
        assert!(split(b"[1] trailing", &[]).is_err());
    }
}
