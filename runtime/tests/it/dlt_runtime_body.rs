//! dlt's request bodies on the wire: `endpoint.data` (a table form-encoded, a string raw) and
//! the `*_body_path` paginator keys that page a `POST` API through its JSON body.

use crate::page_server;

use page_server::{Reply, TestServer};
use rest_source_runtime::config::SourceConfig;
use rest_source_runtime::spec::SecretValues;
use serde_json::{Value, json};

fn source(text: &str) -> rest_source_runtime::config::Source {
    SourceConfig::from_toml_str(text, "dlt.toml")
        .expect("the config loads")
        .build_with_values(&SecretValues::new("dlt"))
        .expect("the source builds")
}

async fn collect(source: &rest_source_runtime::config::Source, name: &str) -> Vec<Value> {
    source.resource(name).unwrap().collect().await.unwrap()
}

#[tokio::test]
async fn data_table_is_sent_form_encoded_like_requests() {
    let server = TestServer::start(|_| Reply::json(json!([{"id": 1}]))).await;
    let source = source(&format!(
        r#"
[client]
base_url = "{}"
paginator = "single_page"

[[resources]]
name = "search"
[resources.endpoint]
path = "search"
method = "POST"
data = {{ q = "a b&c", page_size = 50, tags = ["x", "y"], exact = true }}
"#,
        server.base
    ));
    assert_eq!(collect(&source, "search").await, [json!({"id": 1})]);
    let requests = server.requests();
    assert_eq!(requests.len(), 1);
    let sent = &requests[0];
    assert_eq!(sent.method, "POST");
    assert_eq!(
        sent.header("content-type"),
        Some("application/x-www-form-urlencoded")
    );
    // In the table's order, as requests encodes a dict; `str(True)` is Python's `True`.
    assert_eq!(sent.body, "q=a+b%26c&page_size=50&tags=x&tags=y&exact=True");
}

#[tokio::test]
async fn data_string_is_sent_as_the_raw_body_without_a_content_type() {
    let server = TestServer::start(|_| Reply::json(json!([]))).await;
    let source = source(&format!(
        r#"
[client]
base_url = "{}"
paginator = "single_page"

[[resources]]
name = "query"
[resources.endpoint]
path = "query"
method = "POST"
data = "SELECT * FROM t WHERE x = '{{{{1}}}}'"
"#,
        server.base
    ));
    collect(&source, "query").await;
    let sent = &server.requests()[0];
    assert_eq!(sent.body, "SELECT * FROM t WHERE x = '{1}'");
    assert_eq!(sent.header("content-type"), None);
}

#[test]
fn json_and_data_together_are_a_load_error() {
    let err = SourceConfig::from_toml_str(
        r#"
[client]
base_url = "https://api.example.com"

[[resources]]
name = "search"
[resources.endpoint]
path = "search"
method = "POST"
json = { q = "x" }
data = { q = "x" }
"#,
        "dlt.toml",
    )
    .expect_err("dlt refuses a request with both bodies")
    .to_string();
    assert!(
        err.contains("dlt.toml:11:8: resources[0].endpoint.data: `json` and `data` are both set"),
        "{err}"
    );
}

/// A search API paged through its POST body: `{"query": …, "paging": {"offset": n,
/// "limit": m}}`, 5 records in all.
async fn body_paged_search() -> TestServer {
    TestServer::start(|r| {
        let body: Value = serde_json::from_str(&r.body).unwrap_or(Value::Null);
        let all: Vec<Value> = (0..5).map(|i| json!({"id": i})).collect();
        let offset = body["paging"]["offset"].as_u64().unwrap_or(0) as usize;
        let limit = body["paging"]["limit"].as_u64().unwrap_or(100) as usize;
        let page: Vec<Value> = all.iter().skip(offset).take(limit).cloned().collect();
        Reply::json(json!({"items": page, "total": 5}))
    })
    .await
}

#[tokio::test]
async fn offset_and_limit_body_paths_page_through_the_json_body() {
    let server = body_paged_search().await;
    let source = source(&format!(
        r#"
[client]
base_url = "{}"

[[resources]]
name = "search"
[resources.endpoint]
path = "search"
method = "POST"
json = {{ query = "rust" }}
data_selector = "items"
paginator = {{ type = "offset", limit = 2, offset_body_path = "paging.offset", limit_body_path = "paging.limit", total_path = "total" }}
"#,
        server.base
    ));
    let ids: Vec<Value> = collect(&source, "search")
        .await
        .into_iter()
        .map(|r| r["id"].clone())
        .collect();
    assert_eq!(ids, [json!(0), json!(1), json!(2), json!(3), json!(4)]);
    let requests = server.requests();
    let bodies: Vec<Value> = requests
        .iter()
        .map(|r| serde_json::from_str(&r.body).unwrap())
        .collect();
    assert_eq!(
        bodies,
        [
            json!({"query": "rust", "paging": {"offset": 0, "limit": 2}}),
            json!({"query": "rust", "paging": {"offset": 2, "limit": 2}}),
            json!({"query": "rust", "paging": {"offset": 4, "limit": 2}}),
        ]
    );
    assert!(
        requests.iter().all(|r| r.query.is_empty()),
        "nothing in the query: {requests:?}"
    );
    assert!(
        requests
            .iter()
            .all(|r| r.header("content-type") == Some("application/json"))
    );
}

#[tokio::test]
async fn page_body_path_sends_the_page_number_in_the_body() {
    let server = TestServer::start(|r| {
        let body: Value = serde_json::from_str(&r.body).unwrap();
        match body["page"].as_u64() {
            Some(1) => Reply::json(json!({"data": [{"id": 1}], "total_pages": 2})),
            Some(2) => Reply::json(json!({"data": [{"id": 2}], "total_pages": 2})),
            _ => Reply::json(json!({"data": [], "total_pages": 2})),
        }
    })
    .await;
    let source = source(&format!(
        r#"
[client]
base_url = "{}"

[[resources]]
name = "reports"
[resources.endpoint]
path = "reports"
method = "POST"
data_selector = "data"
paginator = {{ type = "page_number", base_page = 1, page_body_path = "page", total_path = "total_pages" }}
"#,
        server.base
    ));
    assert_eq!(collect(&source, "reports").await.len(), 2);
    let bodies: Vec<String> = server.requests().into_iter().map(|r| r.body).collect();
    // No `json` configured: the paginator creates the body, as dlt does.
    assert_eq!(bodies, [r#"{"page":1}"#, r#"{"page":2}"#]);
    assert!(server.requests().iter().all(|r| r.q("page").is_none()));
}

#[tokio::test]
async fn cursor_body_path_sends_the_cursor_in_the_body_from_the_second_request() {
    let server = TestServer::start(|r| {
        let body: Value = serde_json::from_str(&r.body).unwrap_or(Value::Null);
        match body["page"]["token"].as_str() {
            None => Reply::json(json!({"results": [{"id": 1}], "next": "t2"})),
            Some("t2") => Reply::json(json!({"results": [{"id": 2}], "next": null})),
            Some(_) => Reply::json(json!({"results": []})),
        }
    })
    .await;
    let source = source(&format!(
        r#"
[client]
base_url = "{}"

[[resources]]
name = "events"
[resources.endpoint]
path = "events"
method = "POST"
json = {{ kind = "click" }}
data_selector = "results"
paginator = {{ type = "cursor", cursor_path = "next", cursor_body_path = "page.token" }}
"#,
        server.base
    ));
    assert_eq!(collect(&source, "events").await.len(), 2);
    let requests = server.requests();
    let bodies: Vec<&str> = requests.iter().map(|r| r.body.as_str()).collect();
    assert_eq!(
        bodies,
        [
            r#"{"kind":"click"}"#,
            r#"{"kind":"click","page":{"token":"t2"}}"#
        ]
    );
    assert!(requests.iter().all(|r| r.q("cursor").is_none()));
}

#[test]
fn a_paging_value_in_both_query_and_body_is_a_load_error() {
    let err = SourceConfig::from_toml_str(
        r#"
[client]
base_url = "https://api.example.com"

[[resources]]
name = "search"
[resources.endpoint]
path = "search"
method = "POST"
paginator = { type = "offset", limit = 10, offset_param = "o", offset_body_path = "paging.offset" }
"#,
        "dlt.toml",
    )
    .expect_err("dlt refuses a paging value in both places")
    .to_string();
    assert!(
        err.contains("resources[0].endpoint.paginator.offset_body_path: `offset_param` and `offset_body_path` are both set"),
        "{err}"
    );
}

#[test]
fn data_with_a_body_paging_paginator_is_refused_when_built() {
    use rest_source_runtime::spec::{OffsetPaginator, ResourceSpec};
    use rest_source_runtime::{Resource, RestClient};

    let client = RestClient::builder("https://api.example.com")
        .build()
        .unwrap();
    let spec = ResourceSpec::new("search", "search")
        .method("POST")
        .data(json!({"q": "x"}))
        .paginator(OffsetPaginator::new(10).offset_body_path("paging.offset"));
    let err = Resource::<Value>::new(client, spec)
        .expect_err("the offset has no JSON body to go into")
        .to_string();
    assert!(
        err.contains("resource `search`: the `offset` paginator pages through the JSON body"),
        "{err}"
    );
}
