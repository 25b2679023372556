//! Property tests of JSON paths and record detection (crate-private, so tested here rather
//! than from `runtime/tests/`): thousands of generated bodies each, none panics, and every
//! rejection is an error value.

use proptest::prelude::*;
use serde_json::Value;

use super::{JsonPath, detect_records, into_records};

/// Any JSON value, a few levels deep, with keys that paginators look for.
pub(crate) fn json() -> impl Strategy<Value = Value> {
    let key = prop_oneof![
        Just("next".to_owned()),
        Just("total".to_owned()),
        Just("data".to_owned()),
        Just("cursors".to_owned()),
        Just("has_more".to_owned()),
        Just("limit".to_owned()),
        Just("meta".to_owned()),
        "[a-z_.0-9]{0,6}",
    ];
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(Value::from),
        ".{0,12}".prop_map(Value::String),
        prop_oneof![
            Just("https://h.example/x?page=2".to_owned()),
            Just("/x?page=2".to_owned()),
            Just("?p=3".to_owned()),
            Just("http://[::1".to_owned()),
            Just("//evil.example/x".to_owned()),
        ]
        .prop_map(Value::String),
    ];
    leaf.prop_recursive(4, 32, 6, move |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::vec((key.clone(), inner), 0..6)
                .prop_map(|kv| Value::Object(kv.into_iter().collect())),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn json_paths_parse_or_fail_with_an_error_never_panic(path in "[a-z0-9$.\\[\\]'\"* ]{0,24}", body in json()) {
        match JsonPath::parse(&path) {
            Ok(p) => {
                let _ = p.get(&body);
                let mut copy = body.clone();
                let _ = p.take(&mut copy);
            }
            Err(e) => prop_assert!(e.to_string().contains("is invalid")),
        }
    }

    #[test]
    fn record_detection_never_panics_and_names_the_path_it_took(body in json()) {
        let mut copy = body.clone();
        let (records, path) = detect_records(&mut copy);
        // Where the path reads back (keys such as `''` cannot be written as a path), it
        // selects exactly the records taken.
        if let Ok(selector) = JsonPath::parse(&path)
            && let Some(selected) = selector.get(&body)
        {
            prop_assert_eq!(into_records(selected.clone()), records, "{}", path);
        }
    }
}
