//! dlt's incremental options on the wire: `range_start`/`range_end`, `lag`,
//! `on_cursor_value_missing`, `row_order` (stop paging early), `last_value_func = "min"` and
//! the incremental's own `primary_key` (deduplication at the window's start), each over real
//! requests and, where state matters, two runs.

use crate::page_server;

use page_server::{Reply, TestServer};
use rest_source_runtime::config::SourceConfig;
use rest_source_runtime::spec::SecretValues;
use rest_source_runtime::{Resource, StopReason};
use serde_json::{Value, json};

fn source(text: &str) -> rest_source_runtime::config::Source {
    SourceConfig::from_toml_str(text, "dlt.toml")
        .expect("the config loads")
        .build_with_values(&SecretValues::new("dlt"))
        .expect("the source builds")
}

fn config(base: &str, incremental: &str) -> String {
    format!(
        r#"
[client]
base_url = "{base}"
paginator = "single_page"

[[resources]]
name = "events"
[resources.endpoint]
path = "events"
incremental = {{ {incremental} }}
"#
    )
}

fn ids(records: &[Value]) -> Vec<i64> {
    records.iter().map(|r| r["id"].as_i64().unwrap()).collect()
}

/// Events 1..=5 with cursor `t` = id, whatever is asked.
async fn five_events() -> TestServer {
    TestServer::start(|_| {
        Reply::json(json!(
            (1..=5)
                .map(|i| json!({"id": i, "t": i}))
                .collect::<Vec<_>>()
        ))
    })
    .await
}

#[tokio::test]
async fn open_start_and_closed_end_bound_the_window_as_dlt() {
    let server = five_events().await;
    let source = source(&config(
        &server.base,
        r#"cursor_path = "t", start_param = "since", end_param = "until", initial_value = 2, end_value = 4, range_start = "open", range_end = "closed""#,
    ));
    let records = source.resource("events").unwrap().collect().await.unwrap();
    assert_eq!(ids(&records), [3, 4]);
    let sent = &server.requests()[0];
    assert_eq!((sent.q("since"), sent.q("until")), (Some("2"), Some("4")));

    // The defaults: closed start, open end.
    let source2 = self::source(&config(
        &server.base,
        r#"cursor_path = "t", initial_value = 2, end_value = 4"#,
    ));
    let records = source2.resource("events").unwrap().collect().await.unwrap();
    assert_eq!(ids(&records), [2, 3]);
}

#[tokio::test]
async fn lag_moves_the_next_runs_start_back_but_never_the_state() {
    let server = five_events().await;
    let source = source(&config(
        &server.base,
        r#"cursor_path = "t", start_param = "since", initial_value = 1, lag = 2"#,
    ));
    let events = source.resource("events").unwrap();
    assert_eq!(ids(&events.collect().await.unwrap()), [1, 2, 3, 4, 5]);
    let state = events.incremental_state().unwrap();
    assert_eq!(state.last_value, Some(json!(5)));

    let next: Resource<Value> = events.clone().with_incremental_state(state);
    // The second run starts at 5 - 2 and reads 3..=5 again.
    assert_eq!(ids(&next.collect().await.unwrap()), [3, 4, 5]);
    assert_eq!(server.requests()[1].q("since"), Some("3"));
    // Forward only: the state stays at 5, not 3.
    assert_eq!(next.incremental_state().unwrap().last_value, Some(json!(5)));
}

#[tokio::test]
async fn lag_on_timestamps_is_in_seconds() {
    let server =
        TestServer::start(|_| Reply::json(json!([{"id": 1, "t": "2024-05-01T10:00:00Z"}]))).await;
    let source = source(&config(
        &server.base,
        r#"cursor_path = "t", start_param = "since", initial_value = "2024-01-01T00:00:00Z", lag = 3600"#,
    ));
    let events = source.resource("events").unwrap();
    events.collect().await.unwrap();
    let next = events
        .clone()
        .with_incremental_state(events.incremental_state().unwrap());
    next.collect().await.unwrap();
    assert_eq!(
        server.requests()[1].q("since"),
        Some("2024-05-01T09:00:00Z")
    );
}

async fn some_without_cursor() -> TestServer {
    TestServer::start(|_| {
        Reply::json(json!([{"id": 1, "t": 1}, {"id": 2}, {"id": 3, "t": null}, {"id": 4, "t": 4}]))
    })
    .await
}

#[tokio::test]
async fn a_record_without_a_cursor_fails_the_run_by_default_as_in_dlt() {
    let server = some_without_cursor().await;
    let source = source(&config(
        &server.base,
        r#"cursor_path = "t", initial_value = 0"#,
    ));
    let err = source
        .resource("events")
        .unwrap()
        .collect()
        .await
        .expect_err("dlt's default is `raise`")
        .to_string();
    assert!(
        err.contains("has no incremental cursor value at `t` (missing or null)")
            && err.contains("on_cursor_value_missing"),
        "{err}"
    );
}

#[tokio::test]
async fn include_keeps_and_exclude_drops_records_without_a_cursor() {
    let server = some_without_cursor().await;
    let include = source(&config(
        &server.base,
        r#"cursor_path = "t", initial_value = 0, on_cursor_value_missing = "include""#,
    ));
    let records = include.resource("events").unwrap().collect().await.unwrap();
    assert_eq!(ids(&records), [1, 2, 3, 4]);
    let exclude = source(&config(
        &server.base,
        r#"cursor_path = "t", initial_value = 0, on_cursor_value_missing = "exclude""#,
    ));
    let records = exclude.resource("events").unwrap().collect().await.unwrap();
    assert_eq!(ids(&records), [1, 4]);
}

/// Pages 0..10 of two records each, cursor ascending (page p holds t = 2p, 2p + 1), or
/// descending with `?order=desc`.
async fn sorted_pages() -> TestServer {
    TestServer::start(|r| {
        let p: i64 = r.q("page").unwrap_or("0").parse().unwrap();
        let t = |i: i64| {
            if r.q("order") == Some("desc") {
                19 - i
            } else {
                i
            }
        };
        Reply::json(json!({
            "data": [{"id": t(2 * p), "t": t(2 * p)}, {"id": t(2 * p + 1), "t": t(2 * p + 1)}],
            "total_pages": 10
        }))
    })
    .await
}

fn paged(base: &str, params: &str, incremental: &str) -> String {
    format!(
        r#"
[client]
base_url = "{base}"

[[resources]]
name = "events"
[resources.endpoint]
path = "events"
params = {{ {params} }}
data_selector = "data"
paginator = {{ type = "page_number", total_path = "total_pages" }}
incremental = {{ {incremental} }}
"#
    )
}

#[tokio::test]
async fn row_order_asc_stops_paging_after_the_end_value() {
    let server = sorted_pages().await;
    let source = source(&paged(
        &server.base,
        "",
        r#"cursor_path = "t", initial_value = 0, end_value = 5, row_order = "asc""#,
    ));
    let (records, report) = source
        .resource("events")
        .unwrap()
        .collect_with_report()
        .await
        .unwrap();
    assert_eq!(ids(&records), [0, 1, 2, 3, 4]);
    assert_eq!(
        server.count(),
        3,
        "pages 0, 1 and 2 (which holds 5), not all 10"
    );
    assert_eq!(report.stop_reason(), Some(StopReason::PastWindow));
}

#[tokio::test]
async fn row_order_desc_stops_paging_below_the_start_value() {
    let server = sorted_pages().await;
    let source = source(&paged(
        &server.base,
        r#"order = "desc""#,
        r#"cursor_path = "t", initial_value = 14, row_order = "desc""#,
    ));
    let records = source.resource("events").unwrap().collect().await.unwrap();
    assert_eq!(ids(&records), [19, 18, 17, 16, 15, 14]);
    assert_eq!(
        server.count(),
        4,
        "page 3 holds 13, below the start: paging ends there"
    );
}

#[tokio::test]
async fn without_row_order_every_page_is_read() {
    let server = sorted_pages().await;
    let source = source(&paged(
        &server.base,
        "",
        r#"cursor_path = "t", initial_value = 0, end_value = 5"#,
    ));
    let records = source.resource("events").unwrap().collect().await.unwrap();
    assert_eq!(ids(&records), [0, 1, 2, 3, 4]);
    assert_eq!(server.count(), 10);
}

#[tokio::test]
async fn last_value_func_min_walks_the_cursor_down() {
    let server = TestServer::start(|r| match r.q("before") {
        Some("3") => Reply::json(json!([{"id": 3, "t": 3}, {"id": 4, "t": 3}])),
        _ => Reply::json(json!([{"id": 1, "t": 10}, {"id": 2, "t": 5}, {"id": 3, "t": 3}])),
    })
    .await;
    let source = source(&config(
        &server.base,
        r#"cursor_path = "t", start_param = "before", initial_value = 8, last_value_func = "min""#,
    ));
    let events = source.resource("events").unwrap();
    assert_eq!(ids(&events.collect().await.unwrap()), [2, 3]);
    let state = events.incremental_state().unwrap();
    assert_eq!(state.last_value, Some(json!(3)));
    let next = events.clone().with_incremental_state(state);
    assert_eq!(
        ids(&next.collect().await.unwrap()),
        [4],
        "3 is the closed start: 4 there is new, and 3 itself the first run loaded"
    );
    assert_eq!(server.requests()[1].q("before"), Some("3"));
}

#[tokio::test]
async fn the_incrementals_primary_key_deduplicates_at_the_windows_start() {
    let server = TestServer::start(|r| match r.q("since") {
        Some("2024-01-01") => Reply::json(json!([{"uid": "a", "t": "2024-02-01"}])),
        _ => Reply::json(json!([
            {"uid": "a", "t": "2024-02-01"},
            {"uid": "b", "t": "2024-02-01"},
            {"uid": "c", "t": "2024-03-01"}
        ])),
    })
    .await;
    let source = source(&config(
        &server.base,
        r#"cursor_path = "t", start_param = "since", initial_value = "2024-01-01", primary_key = "uid""#,
    ));
    let events = source.resource("events").unwrap();
    events.collect().await.unwrap();
    let state = events.incremental_state().unwrap();
    assert_eq!(state.last_value_keys, [json!("a")]);
    let next = events.clone().with_incremental_state(state);
    let uids: Vec<Value> = next
        .collect()
        .await
        .unwrap()
        .into_iter()
        .map(|r| r["uid"].clone())
        .collect();
    assert_eq!(
        uids,
        [json!("b"), json!("c")],
        "`a` was loaded by the first run"
    );

    // `primary_key = []` turns deduplication off, as in dlt.
    let no_dedup = self::source(&config(
        &server.base,
        r#"cursor_path = "t", start_param = "since", initial_value = "2024-01-01", primary_key = []"#,
    ));
    let events = no_dedup.resource("events").unwrap();
    events.collect().await.unwrap();
    let next = events
        .clone()
        .with_incremental_state(events.incremental_state().unwrap());
    assert_eq!(next.collect().await.unwrap().len(), 3);
}

#[tokio::test]
async fn without_a_primary_key_whole_records_are_deduplicated_at_the_windows_start() {
    // dlt (`primary_key is None`) keeps a hash of each record at the last value and drops a
    // record of the next run whose hash it kept; a record that changed is loaded again.
    let server = TestServer::start(|r| match r.q("since") {
        Some("0") => Reply::json(json!([{"id": 1, "t": 1}, {"id": 2, "t": 2, "v": "x"}])),
        _ => Reply::json(json!([
            {"t": 2, "v": "x", "id": 2},
            {"id": 3, "t": 2},
            {"id": 2, "t": 2, "v": "changed"},
            {"id": 4, "t": 5}
        ])),
    })
    .await;
    let source = source(&config(
        &server.base,
        r#"cursor_path = "t", start_param = "since", initial_value = 0"#,
    ));
    let events = source.resource("events").unwrap();
    assert_eq!(ids(&events.collect().await.unwrap()), [1, 2]);
    let state = events.incremental_state().unwrap();
    assert_eq!(state.last_value, Some(json!(2)));
    assert_eq!(
        state.last_value_keys.len(),
        1,
        "one hash: the record at t = 2"
    );
    let next = events.clone().with_incremental_state(state);
    let second: Vec<Value> = next.collect().await.unwrap();
    assert_eq!(
        second,
        [
            json!({"id": 3, "t": 2}),
            json!({"id": 2, "t": 2, "v": "changed"}),
            json!({"id": 4, "t": 5})
        ],
        "the same record (keys in another order) was loaded by the first run"
    );
    let requests = server.requests();
    let since: Vec<Option<&str>> = requests.iter().map(|r| r.q("since")).collect();
    assert_eq!(since, [Some("0"), Some("2")]);
}

#[test]
fn bad_incremental_options_are_load_errors_naming_the_fix() {
    let err = SourceConfig::from_toml_str(
        &config(
            "https://api.example.com",
            r#"cursor_path = "t", row_order = "ascending", range_start = "half", on_cursor_value_missing = "skip", lag = "1h""#,
        ),
        "dlt.toml",
    )
    .expect_err("four bad options")
    .to_string();
    for expected in [
        "incremental.row_order: unknown row_order `ascending`",
        "incremental.range_start: unknown range `half`",
        "incremental.on_cursor_value_missing: unknown on_cursor_value_missing `skip`",
        "incremental.lag: expected a number",
    ] {
        assert!(err.contains(expected), "{expected}\n{err}");
    }
}

#[tokio::test]
async fn the_legacy_incremental_param_takes_the_new_options_too() {
    let server = TestServer::start(|_| {
        Reply::json(json!([{"id": 1, "t": 1}, {"id": 2}, {"id": 3, "t": 3}]))
    })
    .await;
    let source = source(&format!(
        r#"
[client]
base_url = "{}"
paginator = "single_page"

[[resources]]
name = "events"
[resources.endpoint]
path = "events"
params = {{ since = {{ type = "incremental", cursor_path = "t", initial_value = 1, range_start = "open", on_cursor_value_missing = "exclude" }} }}
"#,
        server.base
    ));
    let records = source.resource("events").unwrap().collect().await.unwrap();
    assert_eq!(records, [json!({"id": 3, "t": 3})]);
    assert_eq!(server.requests()[0].q("since"), Some("1"));
}
