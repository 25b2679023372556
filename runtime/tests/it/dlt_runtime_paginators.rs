//! dlt's `header_cursor` paginator on the wire: the cursor arrives in a response header and
//! goes back as a query parameter, as dlt's `HeaderCursorPaginator` sends it.

use crate::page_server;

use page_server::{Reply, TestServer};
use rest_source_runtime::StopReason;
use rest_source_runtime::config::SourceConfig;
use rest_source_runtime::spec::SecretValues;
use serde_json::{Value, json};

fn source(text: &str) -> rest_source_runtime::config::Source {
    SourceConfig::from_toml_str(text, "dlt.toml")
        .expect("the config loads")
        .build_with_values(&SecretValues::new("dlt"))
        .expect("the source builds")
}

/// Three pages; the first two name the next one in `NextPageToken`.
async fn tokens_in_headers() -> TestServer {
    TestServer::start(|r| match r.q("page_token") {
        None => Reply::json(json!([{"id": 1}, {"id": 2}])).header("NextPageToken", "tok-2"),
        Some("tok-2") => Reply::json(json!([{"id": 3}])).header("NextPageToken", "tok 3/="),
        Some("tok 3/=") => Reply::json(json!([{"id": 4}])),
        Some(other) => Reply::json(json!({"error": format!("unknown token {other}")})),
    })
    .await
}

#[tokio::test]
async fn header_cursor_sends_the_header_value_as_the_cursor_param() {
    let server = tokens_in_headers().await;
    let source = source(&format!(
        r#"
[client]
base_url = "{}"

[[resources]]
name = "items"
[resources.endpoint]
path = "items"
params = {{ per_page = 2 }}
paginator = {{ type = "header_cursor", cursor_key = "NextPageToken", cursor_param = "page_token" }}
"#,
        server.base
    ));
    let items = source.resource("items").unwrap();
    let (records, report) = items.collect_with_report().await.unwrap();
    let ids: Vec<&Value> = records.iter().map(|r| &r["id"]).collect();
    assert_eq!(ids, [&json!(1), &json!(2), &json!(3), &json!(4)]);
    let requests = server.requests();
    let tokens: Vec<Option<&str>> = requests.iter().map(|r| r.q("page_token")).collect();
    assert_eq!(tokens, [None, Some("tok-2"), Some("tok 3/=")]);
    assert!(requests.iter().all(|r| r.q("per_page") == Some("2")));
    assert_eq!(report.paginator.as_deref(), Some("header_cursor"));
    assert_eq!(report.stop_reason(), Some(StopReason::NoNextPage));
}

#[tokio::test]
async fn header_cursor_defaults_are_dlts_next_header_and_cursor_param() {
    let server = TestServer::start(|r| match r.q("cursor") {
        None => Reply::json(json!([{"id": 1}])).header("next", "c2"),
        Some(_) => Reply::json(json!([{"id": 2}])),
    })
    .await;
    let source = source(&format!(
        r#"
[client]
base_url = "{}"
paginator = "header_cursor"

[[resources]]
name = "items"
endpoint = "items"
"#,
        server.base
    ));
    let records = source.resource("items").unwrap().collect().await.unwrap();
    assert_eq!(records.len(), 2);
    let cursors: Vec<Option<String>> = server
        .requests()
        .iter()
        .map(|r| r.q("cursor").map(str::to_owned))
        .collect();
    assert_eq!(cursors, [None, Some("c2".to_owned())]);
}

#[tokio::test]
async fn a_repeated_header_cursor_ends_the_stream_instead_of_looping() {
    let server =
        TestServer::start(|_| Reply::json(json!([{"id": 1}])).header("next", "same")).await;
    let source = source(&format!(
        r#"
[client]
base_url = "{}"

[[resources]]
name = "items"
endpoint = {{ path = "items", paginator = {{ type = "header_cursor" }} }}
"#,
        server.base
    ));
    let (records, report) = source
        .resource("items")
        .unwrap()
        .collect_with_report()
        .await
        .unwrap();
    assert_eq!(records.len(), 2, "the first page and the one at `same`");
    assert_eq!(server.count(), 2);
    assert_eq!(report.stop_reason(), Some(StopReason::RepeatedPage));
}

#[test]
fn header_cursor_keys_are_checked() {
    let err = SourceConfig::from_toml_str(
        r#"
[client]
base_url = "https://api.example.com"
paginator = { type = "header_cursor", cursor_kee = "next" }

[[resources]]
name = "items"
"#,
        "dlt.toml",
    )
    .expect_err("a typo in a header_cursor key")
    .to_string();
    assert!(err.contains("cursor_kee"), "{err}");
    assert!(err.contains("cursor_key"), "{err}");
}
