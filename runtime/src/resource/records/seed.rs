//! One-pass decoding of a page into `T`.
//!
//! [`super::split_page`] scans each selected record as a borrowed `RawValue` (a pass over its
//! bytes that builds nothing) and [`super::Records::decode`] later reads each span again into
//! `T`: every record is walked twice. When the stream's record type is known before the page
//! is read ([`crate::Resource::pages`], and [`crate::Resource::items`] for a page the scanner
//! of [`super::scan`] does not take, for a resource whose records are not edited on the
//! way), [`split_typed`] walks the body once instead: the same
//! envelope seed descends the `data_selector` path, and each element of the selected array is
//! deserialised straight into `T` from the body's bytes. The records travel as the `Vec<T>`
//! of the page loop's own type (`PageLoop<T>`, `RawPage<T>`), so they cannot reach a stream of
//! another type. Without a `data_selector`, [`split_detected`] does the same on later pages
//! with the path record detection found on the first, when that page would detect it again.
//!
//! A record that does not fit `T` (or a body that is not JSON) makes the one pass give up and
//! the page is read again by the two-pass path, which reports exactly what it always has: the
//! page's parse error, or a `Decode` error per failing record that keeps that record's JSON,
//! in its place among the good records. One-pass decoding is therefore only a faster way to
//! the same records; a page with a bad record costs one extra pass, and only that page.

use std::cell::Cell;
use std::fmt;

use serde::Deserialize;
use serde::de::{self, DeserializeOwned, Deserializer, MapAccess, SeqAccess};
use serde_json::Value;

use super::{Envelope, Pick, Records, Split};
use crate::resource::select::{Detected, JsonPath, Segment, detect_path};

/// The envelope and the records of `body` in one pass, the selected array's elements decoded
/// into `T`; `None` when the body is not JSON or a record does not fit `T` (the caller then
/// reads the page with [`super::split_page`], whose errors say exactly what is wrong).
/// `room`: where the records go (an emptied `Vec` of an earlier page, with its capacity).
pub(crate) fn split_typed<T: DeserializeOwned>(
    body: &str,
    selector: &JsonPath,
    room: Vec<T>,
) -> Option<Split<T>> {
    let (envelope, selected) = parse_typed::<T>(body, selector, room)?;
    let records = selected.map(|s| match s {
        Typed::Records(records) => Records::Typed(records),
        Typed::Value(Value::Null) => Records::Values(Vec::new()),
        Typed::Value(other) => Records::Values(vec![other]),
    });
    Some(Split { envelope, records })
}

/// One pass on the path record detection found on an earlier page of the stream (no
/// `data_selector`): the records of [`split_typed`] on that path, taken only when detection
/// on this page would take the same records. That holds when the path selects an array and
/// either it is the whole body, or a record-like key chose it and still does on this page's
/// envelope (with an empty array in the records' place: the record-key rule does not look
/// inside arrays). `None` otherwise, and the caller detects on this page as before.
pub(crate) fn split_detected<T: DeserializeOwned>(
    body: &str,
    detected: &Detected,
    room: Vec<T>,
) -> Option<Split<T>> {
    if !detected.by_key {
        return None;
    }
    let path = &detected.path;
    let (mut envelope, selected) = parse_typed::<T>(body, path, room)?;
    let Some(Typed::Records(records)) = selected else {
        return None;
    };
    if !detected_again(&mut envelope, path) {
        return None;
    }
    Some(Split {
        envelope,
        records: Some(Records::Typed(records)),
    })
}

/// Whether detection on this page's `envelope` (the records' place at `path` holding
/// `null`) would choose `path` again: always for the whole body; for a nested array, when a
/// record-like key still chooses it with an empty array in the records' place (the
/// record-key rule does not look inside arrays). The envelope is left as it was.
pub(crate) fn detected_again(envelope: &mut Value, path: &JsonPath) -> bool {
    if path.is_root() {
        return true;
    }
    let Some(slot) = path.get_mut(envelope) else {
        return false;
    };
    *slot = Value::Array(Vec::new());
    let same = |keys: &[String]| {
        keys.len() == path.segments().len()
            && keys
                .iter()
                .zip(path.segments())
                .all(|(k, s)| matches!(s, Segment::Key(p) if p == k))
    };
    let again = detect_path(envelope).is_some_and(|(keys, by_key)| by_key && same(&keys));
    if let Some(slot) = path.get_mut(envelope) {
        *slot = Value::Null;
    }
    again
}

/// The one pass itself: the envelope and what the selector selected.
fn parse_typed<T: DeserializeOwned>(
    body: &str,
    selector: &JsonPath,
    room: Vec<T>,
) -> Option<(Value, Option<Typed<T>>)> {
    let room = Cell::new(room);
    let mut selected = None;
    let path = selector.segments();
    // Read by the deserializer of `checked` (serde_json's results, faster), or by serde_json
    // when that one gives up.
    let envelope = match super::checked::seed_checked(body, typed_seed(path, &room, &mut selected))
    {
        Some(envelope) => envelope,
        None => {
            selected = None;
            let mut de = serde_json::Deserializer::from_str(body);
            let seed = typed_seed(path, &room, &mut selected);
            let envelope = de::DeserializeSeed::deserialize(seed, &mut de).ok()?;
            de.end().ok()?;
            envelope
        }
    };
    #[cfg(test)]
    tests::ONE_PASS_PAGES.set(tests::ONE_PASS_PAGES.get() + 1);
    Some((envelope, selected))
}

/// The envelope seed of the one pass, the selected array's elements decoded into `room`.
fn typed_seed<'p, 's, 'r, T: DeserializeOwned>(
    path: &'p [Segment],
    room: &'r Cell<Vec<T>>,
    selected: &'s mut Option<Typed<T>>,
) -> Envelope<'p, 's, PickTyped<'r, T>> {
    Envelope {
        path,
        pick: PickTyped { room },
        selected,
    }
}

/// The selected value: an array's elements decoded into `T`; any other value kept as the
/// `Value` the two-pass path keeps (so a lone object is decoded from a `Value` as before).
enum Typed<T> {
    Records(Vec<T>),
    Value(Value),
}

/// Decodes the selected array's elements into `T`, in `room`.
struct PickTyped<'r, T> {
    room: &'r Cell<Vec<T>>,
}

impl<T> Clone for PickTyped<'_, T> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<T> Copy for PickTyped<'_, T> {}

impl<T: DeserializeOwned> Pick for PickTyped<'_, T> {
    type Out = Typed<T>;

    fn pick<'de, D: Deserializer<'de>>(self, d: D) -> Result<Typed<T>, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de, T: DeserializeOwned> de::Visitor<'de> for PickTyped<'_, T> {
    type Value = Typed<T>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("the records: an array, an object or null")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Typed<T>, A::Error> {
        let mut records = self.room.take();
        records.clear();
        records.reserve(seq.size_hint().unwrap_or(0));
        while let Some(record) = seq.next_element::<T>()? {
            records.push(record);
        }
        Ok(Typed::Records(records))
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Typed<T>, A::Error> {
        Value::deserialize(de::value::MapAccessDeserializer::new(map)).map(Typed::Value)
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Typed<T>, E> {
        Ok(Typed::Value(Value::Bool(v)))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Typed<T>, E> {
        Ok(Typed::Value(v.into()))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Typed<T>, E> {
        Ok(Typed::Value(v.into()))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Typed<T>, E> {
        Ok(Typed::Value(v.into()))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Typed<T>, E> {
        Ok(Typed::Value(v.into()))
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<Typed<T>, E> {
        Ok(Typed::Value(v.into()))
    }
    fn visit_unit<E: de::Error>(self) -> Result<Typed<T>, E> {
        Ok(Typed::Value(Value::Null))
    }
    fn visit_none<E: de::Error>(self) -> Result<Typed<T>, E> {
        Ok(Typed::Value(Value::Null))
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use std::collections::HashMap;

    use futures::StreamExt;
    use proptest::prelude::*;
    use serde_json::json;
    use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate, matchers};

    use super::*;
    use crate::error::Result;
    use crate::resource::records::split_page;
    use crate::resource::select::detect_and_take;
    use crate::spec::ResourceSpec;
    use crate::{Resource, RestClient, RunReport};

    thread_local! {
        /// Pages this thread split in one pass (the tests' runtimes are current-thread, so
        /// a run's page loops count here).
        pub(super) static ONE_PASS_PAGES: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
        /// Pages this thread found the records of by the scanner (`records::scan`).
        pub(crate) static SCANNED_PAGES: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
    }

    #[derive(Debug, PartialEq, serde::Deserialize)]
    struct Rec {
        id: u64,
        #[serde(default)]
        name: Option<String>,
        #[serde(default)]
        tags: Vec<String>,
    }

    /// A record as the tests compare it: the record, or the error's text and the raw
    /// record JSON the error keeps.
    #[derive(Debug, PartialEq)]
    enum Outcome<T> {
        Record(T),
        Error(String, Option<String>),
    }

    fn outcome<T>(r: Result<T>) -> Outcome<T> {
        match r {
            Ok(t) => Outcome::Record(t),
            Err(e) => Outcome::Error(e.to_string(), e.body().map(str::to_owned)),
        }
    }

    /// A page read: the envelope and the records (`None`: the selector matched nothing), or
    /// the page's parse error.
    type Parsed<T> = std::result::Result<(Value, Option<Vec<Outcome<T>>>), String>;

    /// What the page fetch does with a body: one pass when it can, else the two-pass path.
    fn fetch_like<T: DeserializeOwned + Send + 'static>(body: &str, sel: &JsonPath) -> Parsed<T> {
        let split = match split_typed::<T>(body, sel, Vec::new()) {
            Some(split) => split,
            None => split_page(body.to_owned(), sel).map_err(|(e, _)| e.to_string())?,
        };
        let records = split
            .records
            .map(|r| r.decode("u", 1, None).map(outcome).collect());
        Ok((split.envelope, records))
    }

    /// Today's path: spans, then each span decoded.
    fn two_pass<T: DeserializeOwned + Send + 'static>(body: &str, sel: &JsonPath) -> Parsed<T> {
        let split = split_page(body.to_owned(), sel).map_err(|(e, _)| e.to_string())?;
        let records = split
            .records
            .map(|r| r.decode("u", 1, None).map(outcome).collect());
        Ok((split.envelope, records))
    }

    #[test]
    fn a_bad_record_falls_back_to_the_errors_of_the_two_pass_path() {
        let sel = JsonPath::parse("data").unwrap();
        let body = r#"{"data":[{"id":1},{"id":"x","name":"bad"},{"id":3}],"next":null}"#;
        assert!(split_typed::<Rec>(body, &sel, Vec::new()).is_none());
        let (_, records) = fetch_like::<Rec>(body, &sel).unwrap();
        let records = records.unwrap();
        assert_eq!(records.len(), 3);
        assert_eq!(
            records[0],
            Outcome::Record(Rec {
                id: 1,
                name: None,
                tags: vec![]
            })
        );
        let Outcome::Error(text, raw) = &records[1] else {
            panic!("{records:?}")
        };
        assert!(text.contains("record 1 of page 1"), "{text}");
        assert_eq!(raw.as_deref(), Some(r#"{"id":"x","name":"bad"}"#));
        assert_eq!(
            records[2],
            Outcome::Record(Rec {
                id: 3,
                name: None,
                tags: vec![]
            })
        );
        assert_eq!(
            Ok((json!({"data": null, "next": null}), Some(records))),
            two_pass::<Rec>(body, &sel)
        );
    }

    #[test]
    fn good_pages_decode_in_one_pass_with_the_same_envelope() {
        let sel = JsonPath::parse("page.items").unwrap();
        let body = r#"{"page":{"items":[{"id":1,"tags":["a"]},{"id":2}],"next":"n"},"total":2}"#;
        let fallbacks = super::super::checked::tests::FALLBACKS.get();
        let split = split_typed::<Rec>(body, &sel, Vec::new()).expect("one pass");
        assert_eq!(
            super::super::checked::tests::FALLBACKS.get(),
            fallbacks,
            "the one pass was read by `checked`, not handed to serde_json"
        );
        assert_eq!(
            split.envelope,
            json!({"page": {"items": null, "next": "n"}, "total": 2})
        );
        let Some(Records::Typed(typed)) = split.records else {
            panic!("expected typed records, got {:?}", split.records)
        };
        assert_eq!(typed.len(), 2);
        assert_eq!(fetch_like::<Rec>(body, &sel), two_pass::<Rec>(body, &sel));
    }

    /// Small JSON values: records that fit `Rec`, records that do not, and other values.
    fn json_value() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            (0u64..5).prop_map(|n| json!(n)),
            (-3i64..0).prop_map(|n| json!(n)),
            "[a-c\"\\\\]{0,3}".prop_map(Value::String),
            (0u64..9, proptest::option::of("[a-c]{0,3}")).prop_map(|(id, name)| match name {
                Some(n) => json!({"id": id, "name": n}),
                None => json!({"id": id}),
            }),
        ];
        leaf.prop_recursive(3, 24, 4, |inner| {
            prop_oneof![
                proptest::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
                proptest::collection::vec(
                    (
                        prop_oneof![Just("data".to_owned()), Just("id".to_owned()), "[a-b]"],
                        inner
                    ),
                    0..4
                )
                .prop_map(|kv| Value::Object(kv.into_iter().collect())),
            ]
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(1000))]

        /// Any body and selector: the page fetch's one-pass split yields the same envelope,
        /// the same records and the same per-record errors (text and raw JSON) as the
        /// two-pass path, for a struct and for `Value`; and it takes the one pass whenever
        /// the two-pass path found every record good.
        #[test]
        fn one_pass_agrees_with_two_passes(
            body in json_value(),
            garbage in proptest::option::of("[\\]}, x]{1,2}"),
            selector in "(data|a|b|0|\\$)(\\.(a|b|0|data)){0,2}",
        ) {
            let sel = JsonPath::parse(&selector).unwrap();
            let mut text = serde_json::to_string(&body).unwrap();
            if let Some(g) = garbage {
                text.insert_str(text.len() / 2, &g);
            }
            let expected = two_pass::<Rec>(&text, &sel);
            prop_assert_eq!(fetch_like::<Rec>(&text, &sel), two_pass::<Rec>(&text, &sel));
            prop_assert_eq!(fetch_like::<Value>(&text, &sel), two_pass::<Value>(&text, &sel));
            let all_good = match &expected {
                Ok((_, records)) => records
                    .iter()
                    .flatten()
                    .all(|r| matches!(r, Outcome::Record(_))),
                Err(_) => false,
            };
            if all_good {
                prop_assert!(split_typed::<Rec>(&text, &sel, Vec::new()).is_some(), "{}", text);
            }
        }
    }

    /// Small page bodies for record detection: record-like keys (`data`, `items`), a
    /// metadata key (`meta`) and others, up to three objects deep.
    fn page_body() -> impl Strategy<Value = Value> {
        let key = prop_oneof![
            Just("data".to_owned()),
            Just("items".to_owned()),
            Just("meta".to_owned()),
            "[a-b]",
        ];
        json_value().prop_recursive(3, 16, 3, move |inner| {
            proptest::collection::vec((key.clone(), inner), 0..4)
                .prop_map(|kv| Value::Object(kv.into_iter().collect()))
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(1000))]

        /// Records detected on a first page, then any later page: the one pass on the
        /// detected path yields exactly what detection on that page yields (its path, its
        /// envelope, its records; for `Value` and for a struct), or declines; and it does not
        /// decline a page whose detection takes the same path by a record-like key and whose
        /// records all fit.
        #[test]
        fn one_pass_on_a_detected_path_agrees_with_detection(
            first in page_body(),
            later in page_body(),
            same_shape in any::<bool>(),
        ) {
            let (_, detected) = detect_and_take(&mut first.clone());
            let later = if same_shape { first } else { later };
            let text = serde_json::to_string(&later).unwrap();
            let mut whole = later.clone();
            let (records, found) = detect_and_take(&mut whole);

            let by_value = split_detected::<Value>(&text, &detected, Vec::new());
            if let Some(split) = &by_value {
                prop_assert_eq!(&found.path, &detected.path);
                prop_assert_eq!(&split.envelope, &whole);
                let Some(Records::Typed(got)) = &split.records else {
                    panic!("typed records expected: {:?}", split.records)
                };
                prop_assert_eq!(got, &records);
            }
            let fit: Option<Vec<Rec>> = records.iter().map(|r| Rec::deserialize(r).ok()).collect();
            match split_detected::<Rec>(&text, &detected, Vec::with_capacity(4)) {
                Some(split) => {
                    prop_assert_eq!(&found.path, &detected.path);
                    prop_assert_eq!(&split.envelope, &whole);
                    let Some(Records::Typed(got)) = split.records else {
                        panic!("typed records expected")
                    };
                    prop_assert_eq!(Some(got), fit);
                }
                None => {
                    let should = detected.by_key && found == detected;
                    prop_assert!(
                        !(should && fit.is_some()),
                        "declined {} on {}", detected.path, text
                    );
                }
            }
            if detected.by_key && found == detected {
                prop_assert!(by_value.is_some(), "declined {} on {}", detected.path, text);
            }
        }
    }

    /// A later page whose detection would take other records (a record-like key less deep
    /// than the first page's) is read by detection, not by the first page's path.
    #[tokio::test]
    async fn a_later_page_that_detects_elsewhere_is_detected_again() {
        let server = MockServer::start().await;
        let next = format!("{}/items?page=2", server.uri());
        Mock::given(matchers::query_param("page", "2"))
            .respond_with(ResponseTemplate::new(200).set_body_json(json!({
                "page": {"data": [{"id": 98}]},
                "items": [{"id": 3}, {"id": 4}],
            })))
            .mount(&server)
            .await;
        Mock::given(matchers::any())
            .respond_with(ResponseTemplate::new(200).set_body_json(json!({
                "page": {"data": [{"id": 1}, {"id": 2}]},
                "next": next,
            })))
            .mount(&server)
            .await;
        let client = RestClient::builder(server.uri()).build().unwrap();
        let spec: ResourceSpec = serde_json::from_value(json!({
            "name": "items",
            "endpoint": {"path": "items", "paginator": {"type": "json_link", "next_url_path": "next"}},
        }))
        .unwrap();
        let resource = Resource::<Rec>::new(client, spec).unwrap();
        let one = observe(&resource, false).await;
        let two = observe(&resource, true).await;
        assert_eq!(one, two);
        let ids: Vec<u64> = one
            .0
            .iter()
            .map(|o| match o {
                Outcome::Record(r) => r.id,
                Outcome::Error(e, _) => panic!("{e}"),
            })
            .collect();
        assert_eq!(ids, [1, 2, 3, 4]);
    }

    // ---------------------------------------------------------------------------------
    // The same runs through every paginator, one pass against two.

    const TOTAL: usize = 25;
    const SIZE: usize = 10;

    /// Record `i`; record 13 does not fit `Rec`.
    fn record(i: usize) -> Value {
        match i {
            13 => json!({"id": "thirteen", "name": "bad"}),
            20 => json!({"id": 20, "extra": {"nested": [1, {"x": null}]}, "tags": ["t"]}),
            _ => json!({"id": i, "name": format!("n{i}")}),
        }
    }

    fn slice(start: usize, len: usize) -> Value {
        Value::Array((start..(start + len).min(TOTAL)).map(record).collect())
    }

    /// A server paging [`TOTAL`] records [`SIZE`] at a time in the scheme of one paginator.
    /// (The responder builds links from the server's own address: wiremock's request URL
    /// does not carry the port.) The third field: the header paginators' bodies are the bare
    /// array of records, not `{"data": [...]}`.
    struct Api(&'static str, String, bool);

    impl Respond for Api {
        fn respond(&self, req: &Request) -> ResponseTemplate {
            let q: HashMap<String, String> = req.url.query_pairs().into_owned().collect();
            let num = |k: &str, d: usize| q.get(k).and_then(|v| v.parse().ok()).unwrap_or(d);
            let with = |k: &str, v: usize| format!("{}{}?{k}={v}", self.1, req.url.path());
            let page = num("page", 0);
            let more = (page + 1) * SIZE < TOTAL;
            let ok = ResponseTemplate::new(200);
            match self.0 {
                "json_link" | "auto" => {
                    let next = more.then(|| with("page", page + 1));
                    ok.set_body_json(json!({"meta": {"page": page}, "data": slice(page * SIZE, SIZE), "next": next}))
                }
                "header_link" => {
                    let ok = ok.set_body_json(self.body(slice(page * SIZE, SIZE)));
                    if more {
                        ok.insert_header(
                            "Link",
                            format!("<{}>; rel=\"next\"", with("page", page + 1)),
                        )
                    } else {
                        ok
                    }
                }
                "offset" => ok.set_body_json(json!({
                    "total": TOTAL,
                    "data": slice(num("offset", 0), num("limit", SIZE)),
                })),
                "page_number" => {
                    let page = num("page", 1);
                    ok.set_body_json(json!({"data": slice((page - 1) * SIZE, SIZE), "total_pages": TOTAL.div_ceil(SIZE)}))
                }
                "cursor" => {
                    let at = num("cursor", 0);
                    let next = (at + SIZE < TOTAL).then(|| (at + SIZE).to_string());
                    ok.set_body_json(json!({"data": slice(at, SIZE), "cursor": next}))
                }
                "header_cursor" => {
                    let at = num("cursor", 0);
                    let ok = ok.set_body_json(self.body(slice(at, SIZE)));
                    if at + SIZE < TOTAL {
                        ok.insert_header("X-Next", (at + SIZE).to_string())
                    } else {
                        ok
                    }
                }
                _ => ok.set_body_json(json!({"data": slice(0, TOTAL)})),
            }
        }
    }

    impl Api {
        fn body(&self, records: Value) -> Value {
            if self.2 {
                records
            } else {
                json!({"data": records})
            }
        }
    }

    fn paginator(kind: &str) -> Value {
        match kind {
            "json_link" => json!({"type": "json_link", "next_url_path": "next"}),
            "header_link" => json!({"type": "header_link"}),
            "offset" => json!({"type": "offset", "limit": SIZE, "total_path": "total"}),
            "page_number" => {
                json!({"type": "page_number", "base_page": 1, "total_path": "total_pages"})
            }
            "cursor" => {
                json!({"type": "cursor", "cursor_path": "cursor", "cursor_param": "cursor"})
            }
            "header_cursor" => {
                json!({"type": "header_cursor", "cursor_key": "X-Next", "cursor_param": "cursor"})
            }
            "single_page" => json!({"type": "single_page"}),
            _ => json!({"type": "auto"}),
        }
    }

    type Seen = (
        Vec<Outcome<Rec>>,
        Option<RunReport>,
        Vec<Outcome<(Vec<Rec>, Value)>>,
    );

    /// Every item and the report of one run, and every page of another, in one or two passes.
    async fn observe(resource: &Resource<Rec>, two_pass: bool) -> Seen {
        crate::resource::TWO_PASS.set(two_pass);
        let mut run = resource.run();
        let pages = resource.pages();
        crate::resource::TWO_PASS.set(false);
        let mut items = Vec::new();
        while let Some(item) = run.next().await {
            items.push(outcome(item));
        }
        let pages = pages
            .map(|p| {
                outcome(p.map(|p| {
                    let envelope = p.envelope().clone();
                    (p.into_items(), envelope)
                }))
            })
            .collect()
            .await;
        (items, run.report(), pages)
    }

    /// With a `data_selector` and without one (records detected at `data`, and for the
    /// header paginators also bodies that are the bare array).
    #[tokio::test]
    async fn every_paginator_yields_the_same_records_errors_and_report_in_one_pass() {
        for (kind, selector, bare) in [
            "json_link",
            "header_link",
            "offset",
            "page_number",
            "cursor",
            "header_cursor",
            "single_page",
            "auto",
        ]
        .into_iter()
        .flat_map(|kind| [(kind, Some("data"), false), (kind, None, false)])
        .chain([("header_link", None, true), ("header_cursor", None, true)])
        {
            let server = MockServer::start().await;
            Mock::given(matchers::any())
                .respond_with(Api(kind, server.uri(), bare))
                .mount(&server)
                .await;
            let client = RestClient::builder(server.uri()).build().unwrap();
            let mut endpoint = json!({"path": "items", "paginator": paginator(kind)});
            if let Some(selector) = selector {
                endpoint["data_selector"] = json!(selector);
            }
            let spec: ResourceSpec =
                serde_json::from_value(json!({"name": "items", "endpoint": endpoint})).unwrap();
            let resource = Resource::<Rec>::new(client, spec).unwrap();
            let kind = format!("{kind} (data_selector {selector:?}, bare array {bare})");

            let (before, scanned_before) = (ONE_PASS_PAGES.get(), SCANNED_PAGES.get());
            let one = observe(&resource, false).await;
            let one_pass_pages = ONE_PASS_PAGES.get() - before;
            let scanned_pages = SCANNED_PAGES.get() - scanned_before;
            let two = observe(&resource, true).await;
            assert_eq!(
                (
                    ONE_PASS_PAGES.get() - before,
                    SCANNED_PAGES.get() - scanned_before
                ),
                (one_pass_pages, scanned_pages),
                "{kind}: two passes only"
            );

            assert_eq!(one, two, "{kind}");
            let (items, report, _) = &one;
            assert_eq!(items.len(), TOTAL, "{kind}: {items:?}");
            let Outcome::Error(text, raw) = &items[13] else {
                panic!("{kind}: record 13 must fail: {:?}", items[13])
            };
            assert!(
                text.contains("`id`") || text.contains("invalid type"),
                "{kind}: {text}"
            );
            assert_eq!(
                raw.as_deref(),
                Some(r#"{"id":"thirteen","name":"bad"}"#),
                "{kind}"
            );
            assert_eq!(
                report.as_ref().map(|r| r.records),
                Some(TOTAL as u64),
                "{kind}"
            );
            assert_eq!(
                report.as_ref().and_then(|r| r.data_selector.as_deref()),
                Some(if bare { "$" } else { "data" }),
                "{kind}"
            );
            // With a selector, the run's pages were all scanned (record 13 fails when the
            // consumer decodes it) and every page but the one with record 13 went through
            // the one pass in `pages`, the bad one through both. Without a selector, the
            // first page is read whole for detection; then the run scans each later page
            // on the detected path (record 13 again failing as the consumer decodes it)
            // and `pages` reads each in one pass but the bad one. Where the second page is
            // requested from the first's headers or body start (`header_link`, and the
            // link or cursor found in a short body's first bytes), its fetch starts before
            // the first page's records are detected, and it is read whole too.
            let pages = TOTAL.div_ceil(SIZE);
            let early = ["json_link", "header_link", "cursor"]
                .iter()
                .any(|k| kind.starts_with(&format!("{k} ")));
            let expected = match (kind.starts_with("single_page"), selector) {
                (true, Some(_)) => (0, 1),
                (true, None) => (0, 0),
                (false, Some(_)) => (pages - 1, pages),
                (false, None) => (pages - 2, pages - 1 - usize::from(early)),
            };
            assert_eq!((one_pass_pages, scanned_pages), expected, "{kind}");
        }
    }

    /// A page scanned on a detected path fails a record exactly as the whole-tree read of
    /// detection does: serde's message about the value, and the record re-serialised, not as
    /// written (here pretty-printed).
    #[test]
    fn a_scanned_detected_page_fails_a_record_as_the_tree_read_does() {
        let body = "{\n  \"items\": [\n    {\"id\": 1},\n    { \"name\": \"x\",  \"id\": \"two\" }\n  ],\n  \"count\": 2\n}";
        let mut tree: Value = serde_json::from_str(body).unwrap();
        let (values, detected) = detect_and_take(&mut tree);
        assert_eq!(detected.path.text(), "items");
        let want: Vec<_> = Records::<Rec>::Values(values)
            .decode("u", 1, None)
            .map(outcome)
            .collect();
        let split =
            crate::resource::records::scan::scan_detected::<Rec>(body.to_owned(), &detected)
                .expect("the scanner takes the page");
        assert_eq!(split.envelope, tree);
        let got: Vec<_> = split
            .records
            .expect("records")
            .decode("u", 1, None)
            .map(outcome)
            .collect();
        assert_eq!(got, want);
        let Outcome::Error(text, raw) = &got[1] else {
            panic!("record 2 must fail: {got:?}")
        };
        assert!(!text.contains("line"), "{text}");
        let raw = raw.as_deref().expect("the record's JSON");
        assert!(raw.contains(r#""id":"two""#) && !raw.contains(' '), "{raw}");
    }

    /// A later page shaped unlike the first (the detected key missing, not an array, another
    /// record key before it, the whole body an array, a duplicate key, cut off): the scan on the detected path takes it
    /// only when detection on that page takes the same records, and hands it back otherwise.
    #[test]
    fn a_later_page_of_another_shape_is_scanned_only_when_detection_agrees() {
        let mut first = json!({"data": [{"id": 1}], "meta": {"page": 1}});
        let (_, detected) = detect_and_take(&mut first);
        assert_eq!(detected.path.text(), "data");
        for (body, scanned) in [
            (
                r#"{"data": [{"id": 2}, {"id": 3}], "meta": {"page": 2}}"#,
                true,
            ),
            (r#"{"data": [], "meta": {"page": 3}}"#, true),
            (r#"{"results": [{"id": 4}]}"#, false),
            (r#"{"data": {"id": 5}}"#, false),
            (r#"{"data": null, "items": [{"id": 6}]}"#, false),
            (r#"[{"id": 7}]"#, false),
            (r#"{"items": [{"id": 11}], "data": [{"id": 12}]}"#, false),
            (r#"{"data": [{"id": 8}], "data": [{"id": 9}]}"#, false),
            (r#"{"data": [{"id": 10}"#, false),
        ] {
            let mut tree: Option<Value> = serde_json::from_str(body).ok();
            let want = tree.as_mut().map(detect_and_take);
            match crate::resource::records::scan::scan_detected::<Value>(body.to_owned(), &detected)
            {
                Ok(split) => {
                    assert!(scanned, "{body}: scanned");
                    let (records, again) = want.expect("a page the scanner takes is JSON");
                    assert_eq!(again.path.text(), "data", "{body}");
                    let got: Vec<Value> = split
                        .records
                        .expect("records")
                        .decode("u", 1, None)
                        .map(|r| r.unwrap())
                        .collect();
                    assert_eq!(got, records, "{body}");
                    assert_eq!(Some(split.envelope), tree, "{body}");
                }
                Err(back) => {
                    assert!(!scanned, "{body}: handed back");
                    assert_eq!(back, body, "the body comes back whole");
                }
            }
        }
    }

    #[tokio::test]
    async fn edited_records_keep_the_two_pass_path() {
        let server = MockServer::start().await;
        Mock::given(matchers::any())
            .respond_with(
                ResponseTemplate::new(200).set_body_json(json!({"data": [{"id": 1}, {"id": 2}]})),
            )
            .mount(&server)
            .await;
        let client = RestClient::builder(server.uri()).build().unwrap();
        let spec: ResourceSpec = serde_json::from_value(json!({
            "name": "items",
            "endpoint": {
                "path": "items",
                "data_selector": "data",
                "paginator": {"type": "single_page"},
                "incremental": {"cursor_path": "id", "initial_value": 0},
            },
        }))
        .unwrap();
        let resource = Resource::<Value>::new(client, spec).unwrap();
        let before = ONE_PASS_PAGES.get();
        let items: Vec<Value> = resource.items().map(|r| r.unwrap()).collect().await;
        assert_eq!(
            ONE_PASS_PAGES.get(),
            before,
            "incremental filtering edits values"
        );
        assert_eq!(items, vec![json!({"id": 1}), json!({"id": 2})]);
    }
}
