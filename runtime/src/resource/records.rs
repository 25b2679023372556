//! A page's records, parsed once.
//!
//! The obvious way to read a page — parse the body into a `serde_json::Value`, move the
//! records out, then `T::deserialize(&value)` each one — builds every record twice (a tree of
//! maps and strings, then `T`), and costs about a third of the throughput of decoding the
//! body straight into typed structs. With a `data_selector`, [`split_page`] instead walks the
//! body once with a `Deserializer`: everything outside the records becomes the (small)
//! envelope `Value` that paginators read, and each record is only *scanned* (as a borrowed
//! `RawValue`), leaving its byte span in the body. [`Records::decode`] later decodes each span
//! straight into `T`, on the consumer's side of the pipeline, so scanning page N+1 overlaps
//! decoding page N. The body's bytes live exactly as long as the page's undecoded records.
//!
//! When the consumer's `T` is known before the page is read, [`seed`] does better still: one
//! pass that decodes each selected record straight into `T` while it builds the envelope,
//! falling back to [`split_page`] for a page it cannot take, so the records and errors are
//! the same. For a consumer that reads records one at a time ([`crate::Resource::items`]),
//! [`scan`] finds the spans of `split_page` with a validating scanner instead of serde's
//! `RawValue` (a fraction of the cost), and each record is decoded from its span as it is
//! read: the page loop's work per page is a scan, so it requests the next page sooner, and
//! each record's strings are freed before the next record's are allocated. A span, and the
//! one pass over a page, are read by [`checked`], faster than serde_json and with its results
//! (it hands serde_json what it does not read itself, and gives up on every failure, so
//! errors are serde_json's).
//!
//! Pages without a selector: dlt's record detection looks at the whole tree, so the first
//! page is read as a `Value`; after it, a page is read on the detected path when that page
//! would detect it again, in one pass ([`seed::split_detected`]) or, for `items`, by the
//! scanner ([`scan::scan_detected`], whose failing records are reported as the `Value` read
//! reports them). Resources that must edit records before decoding (incremental filtering,
//! `include_from_parent`, parent records feeding a child) use the `Value` form.

use std::collections::VecDeque;
use std::fmt;
use std::ops::Range;
use std::sync::{Arc, Mutex};

use serde::Deserialize as _;
use serde::de::{self, DeserializeOwned, DeserializeSeed, Deserializer, MapAccess, SeqAccess};
use serde_json::value::RawValue;
use serde_json::{Map, Value};

use crate::error::{Error, Result};
use crate::paginate::Buffers;
use crate::resource::select::{JsonPath, Segment};

mod checked;
pub(crate) mod scan;
pub(crate) mod seed;

/// How a run's page loops hand their records to the consumer.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) enum Decode {
    /// As JSON values or spans, decoded by the consumer: runs whose records are edited on the
    /// way (incremental filtering, `include_from_parent`), and the tests of the other two.
    #[default]
    Values,
    /// Decoded into `T` in the page loop's one pass over the page ([`seed`]): the page's
    /// `Vec<T>` is what the consumer gets ([`crate::Resource::pages`]).
    InLoop,
    /// Found by the scanner ([`scan`]) as spans, each decoded into `T` as the consumer reads
    /// it ([`crate::Resource::items`]): the page loop's pass over a page is a scan, and a
    /// page's records are never all alive at once.
    ByConsumer,
}

impl Decode {
    /// Whether records are decoded into the stream's type without being edited first.
    pub(crate) fn typed(self) -> bool {
        self != Decode::Values
    }
}

/// The records of one page of a stream of `T`, before they reach the consumer.
#[derive(Debug)]
pub(crate) enum Records<T> {
    /// Each record's JSON text as a span of the response body.
    Spans {
        /// The response body, checked to be UTF-8 once (so neither the scan nor the decoding
        /// re-validates each string); freed when the page's records are decoded.
        body: String,
        /// Where each record is in `body`, in order.
        spans: Vec<Range<usize>>,
        /// Found on a path record detection chose (no `data_selector`): a record that does
        /// not fit `T` is reported as when the page is read whole for detection (serde's
        /// message about the value, the record re-serialised), so that scanning such a page
        /// changes no error. Otherwise the message names the place in the record's text,
        /// which is kept as written.
        detected: bool,
    },
    /// Records as JSON values (no selector, or records that had to be edited).
    Values(Vec<Value>),
    /// Records already decoded into the stream's record type in the same pass as the
    /// envelope ([`seed`]): only for runs whose records reach the consumer unedited.
    Typed(Vec<T>),
}

impl<T> Default for Records<T> {
    fn default() -> Self {
        Records::Values(Vec::new())
    }
}

impl<T> Records<T> {
    /// How many records there are.
    pub(crate) fn len(&self) -> usize {
        match self {
            Records::Spans { spans, .. } => spans.len(),
            Records::Values(v) => v.len(),
            Records::Typed(t) => t.len(),
        }
    }

    /// Drops every record after the first `n`.
    pub(crate) fn truncate(&mut self, n: usize) {
        match self {
            Records::Spans { spans, .. } => spans.truncate(n),
            Records::Values(v) => v.truncate(n),
            Records::Typed(t) => t.truncate(n),
        }
    }

    /// The records as JSON values (parses spans; the values are moved out otherwise).
    /// `url` (redacted) names the page in the error, which cannot happen for spans the
    /// scanner accepted but is reported properly all the same.
    pub(crate) fn into_values(self, url: &str) -> Result<Vec<Value>> {
        match self {
            Records::Values(v) => Ok(v),
            // Runs whose records are edited or read as values never decode typed.
            Records::Typed(_) => Err(typed_as_values(url)),
            Records::Spans { body, spans, .. } => spans
                .into_iter()
                .map(|span| {
                    serde_json::from_str(&body[span.clone()]).map_err(|source| Error::Decode {
                        url: url.to_owned(),
                        target: "a JSON record".into(),
                        source,
                        body: body[span].to_owned(),
                    })
                })
                .collect(),
        }
    }

    /// Mutable access to the records as values (converts spans first).
    pub(crate) fn values_mut(&mut self, url: &str) -> Result<&mut Vec<Value>> {
        match self {
            Records::Values(v) => Ok(v),
            Records::Typed(_) => Err(typed_as_values(url)),
            Records::Spans { .. } => {
                let values = std::mem::take(self).into_values(url)?;
                *self = Records::Values(values);
                self.values_mut(url)
            }
        }
    }
}

impl<T: DeserializeOwned> Records<T> {
    /// Decodes every record into `T`, one `Result` per record, in order, each as it is
    /// read. A record that does not fit `T` fails alone; the error names the page URL, the
    /// record's position and `T`, and keeps that record's JSON (not the whole page).
    ///
    /// With `spare`, what the page kept goes back there when the iterator is dropped: the
    /// emptied `Vec` of typed records, for the page loop to decode a later page into, or the
    /// body the spans were in, for it to read a later body into.
    pub(crate) fn decode(self, url: &str, page: u64, spare: Option<&Spare<T>>) -> Decoded<T> {
        Decoded {
            url: url.into(),
            page,
            index: 0,
            records: match self {
                Records::Typed(typed) => Kept::Typed(VecDeque::from(typed)),
                Records::Spans {
                    body,
                    spans,
                    detected,
                } => Kept::Spans {
                    body,
                    spans: spans.into_iter(),
                    detected,
                },
                Records::Values(values) => Kept::Values(values.into_iter()),
            },
            spare: spare.cloned(),
        }
    }
}

/// A page's records, decoded into `T` one at a time ([`Records::decode`]).
pub(crate) struct Decoded<T> {
    url: Arc<str>,
    page: u64,
    /// The position on the page of the next record.
    index: usize,
    records: Kept<T>,
    spare: Option<Spare<T>>,
}

/// What a page keeps of its records until they are read.
enum Kept<T> {
    Typed(VecDeque<T>),
    Spans {
        body: String,
        spans: std::vec::IntoIter<Range<usize>>,
        detected: bool,
    },
    Values(std::vec::IntoIter<Value>),
}

impl<T: DeserializeOwned> Iterator for Decoded<T> {
    type Item = Result<T>;

    fn next(&mut self) -> Option<Result<T>> {
        let index = self.index;
        let decoded = match &mut self.records {
            Kept::Typed(records) => return records.pop_front().map(Ok),
            Kept::Spans {
                body,
                spans,
                detected,
            } => {
                let text = &body[spans.next()?];
                checked::from_checked::<T>(text).map_err(|source| {
                    // On a detected path, reported as the page's tree read reports it (the
                    // scanner checked the span is JSON).
                    let as_value = detected
                        .then(|| serde_json::from_str::<Value>(text).ok())
                        .flatten();
                    as_value
                        .as_ref()
                        .and_then(value_error::<T>)
                        .unwrap_or_else(|| (source, text.to_owned()))
                })
            }
            Kept::Values(values) => {
                let record = values.next()?;
                T::deserialize(&record).map_err(|source| (source, record.to_string()))
            }
        };
        self.index += 1;
        Some(decoded.map_err(|(source, body)| Error::Decode {
            url: self.url.to_string(),
            target: target::<T>(index, self.page),
            source,
            body,
        }))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let left = match &self.records {
            Kept::Typed(records) => records.len(),
            Kept::Spans { spans, .. } => spans.len(),
            Kept::Values(values) => values.len(),
        };
        (left, Some(left))
    }
}

impl<T> Drop for Decoded<T> {
    fn drop(&mut self) {
        let Some(spare) = self.spare.take() else {
            return;
        };
        match &mut self.records {
            Kept::Typed(records) => spare.give(Vec::from(std::mem::take(records))),
            Kept::Spans { body, .. } => spare.bodies.give(std::mem::take(body).into_bytes()),
            Kept::Values(_) => {}
        }
    }
}

/// Why `record` does not fit `T`, as reading it from a JSON value reports it, with the
/// record re-serialised; `None` if it fits after all.
fn value_error<T: DeserializeOwned>(record: &Value) -> Option<(serde_json::Error, String)> {
    T::deserialize(record)
        .err()
        .map(|source| (source, record.to_string()))
}

/// Emptied record `Vec`s the consumer hands back for the page loop to decode later pages
/// into, so a page's records cost no large allocation (which, with glibc's malloc, first
/// merges every small block freed since: the previous page's records); and the bodies of
/// pages whose records were decoded from their spans, for the page loop to read later
/// bodies into.
pub(crate) struct Spare<T> {
    records: Arc<Mutex<Vec<Vec<T>>>>,
    bodies: Buffers,
}

impl<T> Clone for Spare<T> {
    fn clone(&self) -> Self {
        Spare {
            records: self.records.clone(),
            bodies: self.bodies.clone(),
        }
    }
}

impl<T> Default for Spare<T> {
    fn default() -> Self {
        Spare {
            records: Arc::default(),
            bodies: Buffers::default(),
        }
    }
}

impl<T> Spare<T> {
    /// At most this many are kept (the pages in flight of a run, roughly).
    const KEEP: usize = 4;
    /// A `Vec` larger than this is freed, not kept.
    const MAX_KEPT_BYTES: usize = 1 << 20;

    /// An empty `Vec` with room for at least `hint` records.
    pub(crate) fn take(&self, hint: usize) -> Vec<T> {
        let mut records = crate::report::lock(&self.records).pop().unwrap_or_default();
        records.reserve(hint);
        records
    }

    /// Keeps `records`' allocation (emptied) for a later page.
    pub(crate) fn give(&self, mut records: Vec<T>) {
        records.clear();
        let bytes = records.capacity().saturating_mul(std::mem::size_of::<T>());
        if bytes == 0 || bytes > Self::MAX_KEPT_BYTES {
            return;
        }
        let mut kept = crate::report::lock(&self.records);
        if kept.len() < Self::KEEP {
            kept.push(records);
        }
    }

    /// The body buffers the page loops of this run read into.
    pub(crate) fn bodies(&self) -> Buffers {
        self.bodies.clone()
    }
}

/// The error for a typed page asked for its records as values: a run decodes typed only when
/// nothing reads them as values, so this is a bug, reported instead of a panic.
fn typed_as_values(url: &str) -> Error {
    Error::Config(format!(
        "page {url}: its records were already decoded into the record type and cannot be \
         edited as JSON values; this is a bug in rest-source, please report it"
    ))
}

fn target<T>(index: usize, page: u64) -> String {
    format!(
        "`{}` (record {index} of page {page})",
        std::any::type_name::<T>()
    )
}

/// Parses a page body in one pass: the envelope (the body with the selected value replaced by
/// `null`) and the selected records, which keep `body`. `None` records when the selector
/// matched nothing. On a parse error the body is handed back for the error message.
pub(crate) fn split_page<T>(
    body: String,
    selector: &JsonPath,
) -> std::result::Result<Split<T>, (serde_json::Error, String)> {
    let parsed = (|| {
        let mut selected = None;
        let mut de = serde_json::Deserializer::from_str(&body);
        let envelope = Envelope {
            path: selector.segments(),
            pick: PickSpans {
                base: body.as_ptr() as usize,
            },
            selected: &mut selected,
        }
        .deserialize(&mut de)?;
        de.end()?;
        Ok((envelope, selected))
    })();
    let (envelope, selected) = match parsed {
        Ok(ok) => ok,
        Err(e) => return Err((e, body)),
    };
    let records = selected.map(|s| match s {
        Selected::Spans(spans) => Records::Spans {
            body,
            spans,
            detected: false,
        },
        Selected::Value(Value::Null) => Records::Values(Vec::new()),
        Selected::Value(other) => Records::Values(vec![other]),
    });
    Ok(Split { envelope, records })
}

/// What [`split_page`] found.
#[derive(Debug)]
pub(crate) struct Split<T> {
    /// The body without the records.
    pub envelope: Value,
    /// The records; `None` when the selector matched nothing.
    pub records: Option<Records<T>>,
}

enum Selected {
    Spans(Vec<Range<usize>>),
    Value(Value),
}

/// How the value at the selected path is read: [`split_page`] scans it into spans, the
/// one-pass decoder ([`seed`]) decodes it into the record type.
pub(crate) trait Pick: Copy {
    /// What the selected value becomes.
    type Out;
    /// Reads the selected value.
    fn pick<'de, D: Deserializer<'de>>(self, d: D) -> Result<Self::Out, D::Error>;
}

/// [`split_page`]'s pick: an array becomes the spans of its elements in the body that starts
/// at address `base`.
#[derive(Clone, Copy)]
struct PickSpans {
    base: usize,
}

impl Pick for PickSpans {
    type Out = Selected;

    fn pick<'de, D: Deserializer<'de>>(self, d: D) -> Result<Selected, D::Error> {
        d.deserialize_any(SelectedVisitor { base: self.base })
    }
}

/// Deserialises the value at this position as a `Value`, except the one at `path`, which goes
/// to `selected` through `pick` (and `null` in its place).
pub(crate) struct Envelope<'p, 's, P: Pick> {
    pub(crate) path: &'p [Segment],
    pub(crate) pick: P,
    pub(crate) selected: &'s mut Option<P::Out>,
}

impl<'de, P: Pick> DeserializeSeed<'de> for Envelope<'_, '_, P> {
    type Value = Value;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        if self.path.is_empty() {
            *self.selected = Some(self.pick.pick(d)?);
            return Ok(Value::Null);
        }
        d.deserialize_any(self)
    }
}

impl<'de, P: Pick> de::Visitor<'de> for Envelope<'_, '_, P> {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let (head, rest) = (&self.path[0], &self.path[1..]);
        let mut out = Map::new();
        while let Some(key) = map.next_key::<String>()? {
            let on_path = matches!(head, Segment::Key(k) if *k == key) && self.selected.is_none();
            let value = if on_path {
                map.next_value_seed(Envelope {
                    path: rest,
                    pick: self.pick,
                    selected: &mut *self.selected,
                })?
            } else {
                map.next_value::<Value>()?
            };
            out.insert(key, value);
        }
        Ok(Value::Object(out))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let wanted = match &self.path[0] {
            Segment::Index(i) => Some(*i),
            Segment::Key(k) => k.parse::<usize>().ok(),
        };
        let rest = &self.path[1..];
        let mut out = Vec::new();
        loop {
            let next = if Some(out.len()) == wanted && self.selected.is_none() {
                seq.next_element_seed(Envelope {
                    path: rest,
                    pick: self.pick,
                    selected: &mut *self.selected,
                })?
            } else {
                seq.next_element::<Value>()?
            };
            match next {
                Some(v) => out.push(v),
                None => return Ok(Value::Array(out)),
            }
        }
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Value, E> {
        Ok(v.into())
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Value, E> {
        Ok(v.into())
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Value, E> {
        Ok(v.into())
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Value, E> {
        Ok(v.into())
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<Value, E> {
        Ok(v.into())
    }
    fn visit_unit<E: de::Error>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_none<E: de::Error>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
}

/// The selected value: an array becomes the spans of its elements (scanned, not built); any
/// other value is kept as one (`null`: no) record, as [`crate::resource::select::into_records`] does.
struct SelectedVisitor {
    base: usize,
}

impl<'de> de::Visitor<'de> for SelectedVisitor {
    type Value = Selected;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("the records: an array, an object or null")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Selected, A::Error> {
        let mut spans = Vec::with_capacity(seq.size_hint().unwrap_or(0));
        while let Some(raw) = seq.next_element::<&'de RawValue>()? {
            // `raw` borrows from the body this parse started from, so its address is inside it.
            let start = raw.get().as_ptr() as usize - self.base;
            spans.push(start..start + raw.get().len());
        }
        Ok(Selected::Spans(spans))
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Selected, A::Error> {
        Value::deserialize(de::value::MapAccessDeserializer::new(map)).map(Selected::Value)
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Selected, E> {
        Ok(Selected::Value(Value::Bool(v)))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Selected, E> {
        Ok(Selected::Value(v.into()))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Selected, E> {
        Ok(Selected::Value(v.into()))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Selected, E> {
        Ok(Selected::Value(v.into()))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Selected, E> {
        Ok(Selected::Value(v.into()))
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<Selected, E> {
        Ok(Selected::Value(v.into()))
    }
    fn visit_unit<E: de::Error>(self) -> Result<Selected, E> {
        Ok(Selected::Value(Value::Null))
    }
    fn visit_none<E: de::Error>(self) -> Result<Selected, E> {
        Ok(Selected::Value(Value::Null))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn split<T>(body: &str, selector: &str) -> Split<T> {
        split_page(body.to_owned(), &JsonPath::parse(selector).unwrap()).unwrap()
    }

    fn values(records: Option<Records<Value>>) -> Vec<Value> {
        records.unwrap().into_values("u").unwrap()
    }

    #[test]
    fn nested_selector_leaves_envelope_and_spans() {
        let body =
            r#"{"meta":{"total":2},"data":{"items":[{"id":1,"s":"a, ]"} , {"id":2}],"x":[1]}}"#;
        let s = split::<Value>(body, "data.items");
        assert_eq!(
            s.envelope,
            json!({"meta": {"total": 2}, "data": {"items": null, "x": [1]}})
        );
        let Some(Records::Spans { body: b, spans, .. }) = &s.records else {
            panic!("expected spans, got {:?}", s.records)
        };
        assert_eq!(&b[spans[0].clone()], r#"{"id":1,"s":"a, ]"}"#);
        assert_eq!(&b[spans[1].clone()], r#"{"id":2}"#);
    }

    #[test]
    fn root_array_and_indexes() {
        let s = split(r#" [ {"id": 1}, 2 ] "#, "$");
        assert_eq!(s.envelope, Value::Null);
        assert_eq!(values(s.records), vec![json!({"id": 1}), json!(2)]);
        let s = split(r#"{"results":[{"rows":[{"a":1}]}]}"#, "results[0].rows");
        assert_eq!(values(s.records), vec![json!({"a": 1})]);
        assert_eq!(s.envelope, json!({"results": [{"rows": null}]}));
    }

    #[test]
    fn non_arrays_missing_and_null_selections() {
        let s = split(r#"{"data":{"id":7}}"#, "data");
        assert_eq!(values(s.records), vec![json!({"id": 7})]);
        assert!(values(split(r#"{"data":null}"#, "data").records).is_empty());
        assert!(split::<Value>(r#"{"other":[1]}"#, "data").records.is_none());
        assert!(split::<Value>(r#"[1]"#, "data").records.is_none());
    }

    #[test]
    fn decode_fails_per_record_with_its_json() {
        #[derive(serde::Deserialize, Debug)]
        struct R {
            #[allow(dead_code)]
            id: u64,
        }
        let s = split::<R>(r#"{"data":[{"id":1},{"id":"x"}]}"#, "data");
        let out: Vec<Result<R>> = s.records.unwrap().decode("u", 3, None).collect();
        assert!(out[0].is_ok());
        let err = out[1].as_ref().unwrap_err().to_string();
        assert!(err.contains("record 1 of page 3"), "{err}");
        assert_eq!(
            out[1].as_ref().unwrap_err().body(),
            Some(r#"{"id":"x"}"#),
            "the error keeps that record's JSON"
        );
    }

    #[test]
    fn typed_records_come_in_order_and_their_vec_goes_back_empty() {
        let spare = Spare::<String>::default();
        let mut page = Vec::with_capacity(8);
        page.extend(["a", "b", "c"].map(String::from));
        let got: Vec<String> = Records::Typed(page)
            .decode("u", 1, Some(&spare))
            .map(|r| r.unwrap())
            .collect();
        assert_eq!(got, ["a", "b", "c"]);
        let room = spare.take(0);
        assert!(room.is_empty() && room.capacity() >= 8, "{room:?}");

        // A page read halfway: the rest is dropped, the `Vec` still comes back.
        let mut records = Records::Typed(room).decode("u", 2, Some(&spare));
        assert!(records.next().is_none());
        drop(records);
        let mut records =
            Records::Typed(vec!["x".to_owned(), "y".to_owned()]).decode("u", 3, Some(&spare));
        assert_eq!(records.next().unwrap().unwrap(), "x");
        drop(records);
        let rooms = [spare.take(0), spare.take(0)];
        assert!(rooms.iter().all(Vec::is_empty));
        assert!(rooms.iter().any(|r| r.capacity() >= 8));
        assert!(rooms.iter().any(|r| r.capacity() >= 2));
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(2000))]

        /// Any text, any selector: the split is an error value or agrees with parsing the
        /// body whole and selecting with `JsonPath::get`; never a panic.
        #[test]
        fn split_page_agrees_with_a_whole_parse(
            body in "[\\[\\]{}:,\"a-c0-9 ]{0,40}|\\{\"data\": \\[[0-9, {}\"a:]{0,20}\\]\\}",
            selector in "(data|a|b|0|\\$)(\\.(a|b|0|data)){0,2}",
        ) {
            let sel = JsonPath::parse(&selector).unwrap();
            let whole: std::result::Result<Value, _> = serde_json::from_str(&body);
            match split_page::<Value>(body.clone(), &sel) {
                Ok(split) => {
                    let whole = whole.expect("split accepted what a whole parse rejects");
                    let expected = sel.get(&whole).cloned().map(crate::resource::select::into_records);
                    let got = split.records.map(|r| r.into_values("u").unwrap());
                    proptest::prop_assert_eq!(got, expected);
                }
                Err(_) => proptest::prop_assert!(whole.is_err(), "{}", body),
            }
        }
    }

    #[test]
    fn invalid_json_is_an_error() {
        let data = JsonPath::parse("data").unwrap();
        assert!(split_page::<Value>(r#"{"data":[1,}"#.to_owned(), &data).is_err());
        assert!(split_page::<Value>("{} x".to_owned(), &data).is_err());
    }
}
