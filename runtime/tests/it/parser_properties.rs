//! Property tests over the parsers that read what a server sends: `Link` and `Content-Range`
//! headers, and the paginators that read cursors, next links and totals out of arbitrary
//! bodies and headers (JSON paths and record detection are crate-private and tested in
//! `runtime/src/resource/select/properties.rs`). Thousands of generated inputs each: none
//! panics, and every rejection is an error value.

use proptest::prelude::*;
use rest_source_runtime::paginate::{
    PageResponse, from_spec, parse_content_range, parse_link_header,
};
use rest_source_runtime::reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use rest_source_runtime::spec::{
    CursorPaginator, JsonLinkPaginator, OffsetPaginator, PageNumberPaginator, PaginatorSpec,
};
use serde_json::Value;
use url::Url;

fn config() -> ProptestConfig {
    ProptestConfig::with_cases(2000)
}

/// Any JSON value, a few levels deep, with keys that paginators look for.
fn json() -> impl Strategy<Value = Value> {
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

/// Header values built from the pieces `Link` and `Content-Range` parsers split on.
fn header_text() -> impl Strategy<Value = String> {
    prop::collection::vec(
        prop_oneof![
            Just("<".to_owned()),
            Just(">".to_owned()),
            Just(";".to_owned()),
            Just(",".to_owned()),
            Just("\"".to_owned()),
            Just("=".to_owned()),
            Just("/".to_owned()),
            Just("-".to_owned()),
            Just("*".to_owned()),
            Just(" ".to_owned()),
            Just("rel".to_owned()),
            Just("next".to_owned()),
            Just("last".to_owned()),
            Just("items".to_owned()),
            Just("/x?page=9".to_owned()),
            "[0-9]{1,25}",
            "[ -~]{0,6}",
        ],
        0..16,
    )
    .prop_map(|parts| parts.concat())
}

fn headers(link: &str, range: &str, total: &str) -> HeaderMap {
    let mut h = HeaderMap::new();
    for (name, value) in [
        ("link", link),
        ("content-range", range),
        ("x-total-count", total),
    ] {
        if let Ok(v) = HeaderValue::from_str(value) {
            h.insert(HeaderName::from_static(name), v);
        }
    }
    h
}

fn paginators() -> Vec<PaginatorSpec> {
    vec![
        PaginatorSpec::auto(),
        PaginatorSpec::header_link(),
        PaginatorSpec::single_page(),
        JsonLinkPaginator::new("next")
            .has_more_path("has_more")
            .into(),
        CursorPaginator::new("cursors.next", "cursor").into(),
        OffsetPaginator::new(10)
            .total_path("total")
            .total_header("X-Total-Count")
            .into(),
        OffsetPaginator::new(u64::MAX).offset(u64::MAX - 1).into(),
        PageNumberPaginator::default()
            .page(u64::MAX)
            .total_path("total")
            .into(),
        PageNumberPaginator::default().base_page(1).into(),
    ]
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn link_headers_never_panic(value in header_text()) {
        for (target, rel) in parse_link_header(&value) {
            prop_assert!(!target.contains('>'));
            let _ = rel;
        }
    }

    #[test]
    fn content_ranges_never_panic_and_read_back(value in header_text(), a in 0u64..1000, len in 0u64..1000, total in any::<u64>()) {
        let _ = parse_content_range(&value);
        let formatted = format!("items {a}-{}/{total}", a + len);
        prop_assert_eq!(parse_content_range(&formatted), Some(total));
    }

}

proptest! {
    // Each case runs every paginator twice over: fewer cases, as many paginator runs.
    #![proptest_config(ProptestConfig::with_cases(500))]

    #[test]
    fn paginators_read_any_body_and_headers_without_panicking(
        body in json(),
        records in 0usize..50,
        link in header_text(),
        range in header_text(),
        total in header_text(),
    ) {
        let url = Url::parse("https://api.example/x?page=1").unwrap();
        let headers = headers(&link, &range, &total);
        for spec in paginators() {
            let mut p = from_spec(&spec).unwrap();
            let mut first = url.clone();
            p.init_request(&mut first);
            let page = PageResponse { url: &first, headers: &headers, body: &body, records };
            // An error (a cursor that is an object, a link that is no URL, an `auto` hint) is
            // fine; a panic is not.
            if let Ok(Some(next)) = p.next_request(&page) {
                let _ = p.upcoming(&page).map(|urls| urls.take(3).count());
                let second = PageResponse { url: &next, headers: &headers, body: &body, records };
                let _ = p.next_request(&second);
            }
            let _ = (p.stop_reason(), p.expected_records());
        }
    }
}
