//! dlt REST API source configs in the shapes of dlt's documentation
//! (`tests/fixtures/dlt/`), loaded unchanged and run against a local server: the records
//! each yields and the requests each sends.
//!
//! The fixtures point at `https://api.example.com`; each test points them at its own
//! server.

use std::path::Path;

use rest_source::config::SourceConfig;
use rest_source::credential_key;
use rest_source::spec::SecretValues;
use rest_source::{Resource, Secret};
use serde_json::{Value, json};
use wiremock::matchers::{header, method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

/// The fixture `name`, pointed at `server`.
fn fixture(name: &str, server: &MockServer) -> SourceConfig {
    let file = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/dlt")
        .join(name);
    let text = std::fs::read_to_string(&file)
        .unwrap()
        .replace("https://api.example.com", &server.uri());
    let loaded = if name.ends_with(".json") {
        SourceConfig::from_json_str(&text, name)
    } else {
        SourceConfig::from_toml_str(&text, name)
    };
    loaded.unwrap_or_else(|e| panic!("{e}"))
}

async fn records(resource: &Resource<Value>) -> Vec<Value> {
    resource.collect().await.unwrap_or_else(|e| panic!("{e}"))
}

async fn get(server: &MockServer, at: &str, body: Value) {
    Mock::given(method("GET"))
        .and(path(at))
        .respond_with(ResponseTemplate::new(200).set_body_json(body))
        .mount(server)
        .await;
}

/// The query strings of the requests to `at`, in order.
async fn queries(server: &MockServer, at: &str) -> Vec<String> {
    server
        .received_requests()
        .await
        .unwrap()
        .iter()
        .filter(|r| r.url.path() == at)
        .map(|r| r.url.query().unwrap_or("").to_owned())
        .collect()
}

#[tokio::test]
async fn github_auth_without_type_resolve_children_and_an_incremental_param() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/repos/dlt-hub/dlt/issues"))
        .and(header("authorization", "Bearer gh-token"))
        .and(query_param("per_page", "100"))
        .and(query_param("sort", "updated"))
        .and(query_param("direction", "desc"))
        .and(query_param("state", "open"))
        .and(query_param("since", "2024-01-25T11:21:28Z"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([
            {"id": 1, "number": 10, "updated_at": "2024-02-01T00:00:00Z"},
            {"id": 2, "number": 11, "updated_at": "2024-02-02T00:00:00Z"}
        ])))
        .mount(&server)
        .await;
    for (number, comment) in [(10, 100), (11, 101)] {
        Mock::given(method("GET"))
            .and(path(format!("/repos/dlt-hub/dlt/issues/{number}/comments")))
            .and(header("authorization", "Bearer gh-token"))
            .respond_with(ResponseTemplate::new(200).set_body_json(json!([{"id": comment}])))
            .mount(&server)
            .await;
    }
    let config = fixture("github.json", &server);
    let source = config
        .build_with_values(
            &SecretValues::new("rest_api").with("github_token", Secret::new("gh-token")),
        )
        .unwrap();
    let issues = records(source.resource("issues").unwrap()).await;
    assert_eq!(issues.len(), 2);
    let comments = records(source.resource("issue_comments").unwrap()).await;
    assert_eq!(
        comments,
        [
            json!({"id": 100, "_issues_id": 1}),
            json!({"id": 101, "_issues_id": 2})
        ]
    );
    // The default `per_page` reaches the children too, as dlt merges it into every resource.
    assert_eq!(
        queries(&server, "/repos/dlt-hub/dlt/issues/10/comments").await,
        ["per_page=100"]
    );
    let hints = &source
        .resource("issues")
        .unwrap()
        .last_report()
        .unwrap()
        .loader_hints;
    assert_eq!(hints["write_disposition"], "merge");
    assert_eq!(hints["primary_key"], "id");
}

#[tokio::test]
async fn pokemon_bare_string_paginator_and_string_resources() {
    let server = MockServer::start().await;
    let next = format!("{}/api/v2/pokemon?offset=2&limit=2", server.uri());
    Mock::given(method("GET"))
        .and(path("/api/v2/pokemon"))
        .and(query_param("offset", "2"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "count": 3, "next": null, "results": [{"name": "venusaur"}]
        })))
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/v2/pokemon"))
        .and(query_param("limit", "2"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "count": 3, "next": next, "results": [{"name": "bulbasaur"}, {"name": "ivysaur"}]
        })))
        .mount(&server)
        .await;
    get(
        &server,
        "/api/v2/berry",
        json!({"count": 1, "next": null, "results": [{"name": "cheri"}]}),
    )
    .await;
    for (i, name) in ["bulbasaur", "ivysaur", "venusaur"].iter().enumerate() {
        get(
            &server,
            &format!("/api/v2/pokemon/{name}"),
            json!({"id": i + 1, "name": name}),
        )
        .await;
    }
    let config = fixture("pokemon.json", &server);
    let source = config
        .build_with_values(&SecretValues::new("rest_api"))
        .unwrap();
    let names = |records: Vec<Value>| -> Vec<String> {
        records
            .iter()
            .map(|r| r["name"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(
        names(records(source.resource("pokemon").unwrap()).await),
        ["bulbasaur", "ivysaur", "venusaur"]
    );
    assert_eq!(
        names(records(source.resource("berry").unwrap()).await),
        ["cheri"]
    );
    let details = records(source.resource("pokemon_details").unwrap()).await;
    assert_eq!(details.len(), 3);
    assert_eq!(details[2], json!({"id": 3, "name": "venusaur"}));
    assert_eq!(queries(&server, "/api/v2/berry").await, ["limit=2"]);
}

#[tokio::test]
async fn paginated_crm_with_a_bare_string_auth_and_list_params() {
    let server = MockServer::start().await;
    let page = |ids: &[u64]| {
        let data: Vec<Value> = ids.iter().map(|i| json!({"id": i})).collect();
        json!({"data": data, "meta": {"total": 3}})
    };
    for (offset, ids) in [(0, vec![1, 2]), (2, vec![3])] {
        Mock::given(method("GET"))
            .and(path("/v1/contacts"))
            .and(header("authorization", "Bearer crm-token"))
            .and(query_param("offset", offset.to_string()))
            .respond_with(ResponseTemplate::new(200).set_body_json(page(&ids)))
            .mount(&server)
            .await;
    }
    Mock::given(method("GET"))
        .and(path("/v1/companies"))
        .and(header("authorization", "Bearer crm-token"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"data": [{"id": 7, "name": "Acme"}], "meta": {"total": 1}})),
        )
        .mount(&server)
        .await;
    let config = fixture("crm.toml", &server);
    let source = config
        .build_with_values(
            &SecretValues::new("rest_api").with(credential_key("token"), Secret::new("crm-token")),
        )
        .unwrap();
    let contacts = source.resource("contacts").unwrap();
    assert_eq!(records(contacts).await.len(), 3);
    assert_eq!(
        queries(&server, "/v1/contacts").await,
        [
            "archived=False&offset=0&limit=2",
            "archived=False&offset=2&limit=2"
        ]
    );
    let companies = source.resource("companies").unwrap();
    assert_eq!(records(companies).await.len(), 1);
    assert_eq!(
        queries(&server, "/v1/companies").await,
        ["archived=False&fields=id&fields=name&offset=0&limit=2"]
    );
    let contact_hints = contacts.last_report().unwrap().loader_hints;
    assert_eq!(
        Value::Object(contact_hints),
        json!({"primary_key": "id", "write_disposition": "merge", "table_name": "crm_contacts"})
    );
    // The resource's `write_disposition` replaces the default's.
    assert_eq!(
        companies.last_report().unwrap().loader_hints["write_disposition"],
        "replace"
    );
}

#[tokio::test]
async fn children_of_an_unselected_parent_with_placeholders_in_params() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/posts"))
        .and(query_param("page", "1"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([
            {"id": 1, "title": "First"}, {"id": 2, "title": "Second"}
        ])))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/posts"))
        .and(query_param("page", "2"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([])))
        .mount(&server)
        .await;
    for id in [1, 2] {
        get(
            &server,
            &format!("/posts/{id}/comments"),
            json!([{"id": id * 10}]),
        )
        .await;
    }
    let config = fixture("children.json", &server);
    let source = config
        .build_with_values(&SecretValues::new("rest_api"))
        .unwrap();
    let selected: Vec<&str> = source.selected().map(Resource::name).collect();
    assert_eq!(selected, ["comments"]);
    let comments = records(source.resource("comments").unwrap()).await;
    assert_eq!(
        comments,
        [
            json!({"id": 10, "_posts_title": "First"}),
            json!({"id": 20, "_posts_title": "Second"})
        ]
    );
    assert_eq!(
        queries(&server, "/posts/1/comments").await,
        ["post_title=First"]
    );
    assert_eq!(queries(&server, "/posts").await, ["page=1", "page=2"]);
}

#[tokio::test]
async fn incremental_placeholders_in_params_and_path() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/events"))
        .and(header("accept", "application/json"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([
            {"id": 1, "created_at": "2024-01-02T00:00:00Z"},
            {"id": 2, "created_at": "2024-01-03T00:00:00Z"}
        ])))
        .mount(&server)
        .await;
    get(&server, "/api/orders/100", json!({"orders": [{"id": 101}]})).await;
    let config = fixture("incremental.json", &server);
    let source = config
        .build_with_values(&SecretValues::new("rest_api"))
        .unwrap();
    let events = source.resource("events").unwrap();
    assert_eq!(records(events).await.len(), 2);
    assert_eq!(
        queries(&server, "/api/events").await,
        ["created_since=2024-01-01T00%3A00%3A00Z&order=asc"]
    );
    let orders = records(source.resource("orders").unwrap()).await;
    assert_eq!(orders, [json!({"id": 101})]);
}

/// dlt's documented `response_actions`: a child whose parent has no children answers 404
/// (or a 200 saying "Not found"); those responses are ignored, the run goes on and says so.
#[tokio::test]
async fn response_actions_ignore_a_childs_404_and_a_not_found_body() {
    let server = MockServer::start().await;
    get(&server, "/issues", json!([{"id": 1}, {"id": 2}, {"id": 3}])).await;
    get(&server, "/issues/1/comments", json!([{"body": "first!"}])).await;
    Mock::given(method("GET"))
        .and(path("/issues/2/comments"))
        .respond_with(ResponseTemplate::new(404).set_body_string("no such issue"))
        .mount(&server)
        .await;
    get(
        &server,
        "/issues/3/comments",
        json!({"message": "Not found"}),
    )
    .await;
    let config = fixture("response_actions.json", &server);
    let source = config
        .build_with_values(&SecretValues::new("rest_api"))
        .unwrap();
    let comments = source.resource("issue_comments").unwrap();
    let got = records(comments).await;
    assert_eq!(got, [json!({"body": "first!", "_issues_id": 1})]);
    let report = comments.last_report().expect("the run ended");
    assert_eq!(
        report
            .ignored_responses
            .iter()
            .map(|(k, v)| (k.as_str(), *v))
            .collect::<Vec<_>>(),
        [("200", 1), ("404", 1)],
        "both ignored responses are counted: {report:?}"
    );
    for id in 1..=3 {
        assert_eq!(
            queries(&server, &format!("/issues/{id}/comments"))
                .await
                .len(),
            1
        );
    }
}
