//! dlt REST API source configs loaded unchanged send the requests dlt sends: the
//! `resource_defaults` merge (only `endpoint.params` and `endpoint.json` are merged), `auth`
//! without `type` and as a bare string, bare-string paginators, JSON `null`s, list and
//! boolean params, path placeholders bound from `endpoint.params`, any
//! `access_token_request_data`, and the destination hints carried into the run report.
//!
//! Each test runs the loaded config against a local server and asserts what arrived.

use crate::common;

use common::{Recorded, Reply, TestServer};
use rest_source_runtime::config::SourceConfig;
use rest_source_runtime::credential_key;
use rest_source_runtime::spec::SecretValues;
use rest_source_runtime::{Resource, Secret};
use serde_json::{Value, json};

/// A server answering every path with two records `{"id": 1}`, `{"id": 2}` under `data`
/// (and a token for `/oauth/token`).
async fn server() -> TestServer {
    TestServer::start(|r: &Recorded| match r.path.as_str() {
        "/oauth/token" => Reply::json(200, json!({"access_token": "tok-1", "expires_in": 3600})),
        _ => Reply::json(200, json!({"data": [{"id": 1}, {"id": 2}]})),
    })
    .await
}

fn toml(text: &str, server: &TestServer) -> SourceConfig {
    let text = text.replace("BASE", &server.url("/api"));
    SourceConfig::from_toml_str(&text, "dlt.toml").unwrap_or_else(|e| panic!("{e}"))
}

fn json_config(text: &str, server: &TestServer) -> SourceConfig {
    let text = text.replace("BASE", &server.url("/api"));
    SourceConfig::from_json_str(&text, "dlt.json").unwrap_or_else(|e| panic!("{e}"))
}

fn secrets() -> SecretValues {
    SecretValues::new("dlt")
        .with("token", Secret::new("bearer-token"))
        .with("key", Secret::new("the-api-key"))
        .with(credential_key("token"), Secret::new("credentials-token"))
        .with("client_secret", Secret::new("csecret"))
}

/// Runs `name` of `config` to the end; its records.
async fn run(config: &SourceConfig, name: &str) -> Vec<Value> {
    let source = config.build_with_values(&secrets()).unwrap();
    let resource: &Resource<Value> = source.resource(name).expect("configured");
    resource.collect().await.unwrap_or_else(|e| panic!("{e}"))
}

fn queries(server: &TestServer, path: &str) -> Vec<String> {
    server
        .requests_to(path)
        .iter()
        .map(|r| r.query.clone().unwrap_or_default())
        .collect()
}

#[tokio::test]
async fn a_resource_offset_paginator_replaces_the_default_json_link() {
    let server = TestServer::start(|r: &Recorded| {
        let offset: u64 = r
            .query_pairs()
            .get("offset")
            .map_or(0, |o| o.parse().unwrap());
        let items: Vec<Value> = (offset..(offset + 2).min(3))
            .map(|i| json!({"id": i}))
            .collect();
        Reply::json(200, json!({"items": items, "total": 3, "next": "/never"}))
    })
    .await;
    let config = toml(
        r#"
[client]
base_url = "BASE"

[resource_defaults.endpoint]
data_selector = "items"
paginator = { type = "json_link", next_url_path = "next" }

[[resources]]
name = "events"
endpoint = { path = "events", paginator = { type = "offset", limit = 2, total_path = "total" } }
"#,
        &server,
    );
    let records = run(&config, "events").await;
    assert_eq!(records.len(), 3);
    assert_eq!(
        queries(&server, "/api/events"),
        ["offset=0&limit=2", "offset=2&limit=2"]
    );
}

#[tokio::test]
async fn a_resource_api_key_auth_replaces_the_default_bearer() {
    let server = server().await;
    let config = toml(
        r#"
[client]
base_url = "BASE"

[resource_defaults.endpoint]
auth = { type = "bearer", token = { secret = "token" } }

[[resources]]
name = "reports"
endpoint = { path = "reports", auth = { type = "api_key", name = "X-Key", api_key = { secret = "key" } } }

[[resources]]
name = "contacts"
"#,
        &server,
    );
    run(&config, "reports").await;
    run(&config, "contacts").await;
    let reports = &server.requests_to("/api/reports")[0];
    assert_eq!(reports.header("x-key"), Some("the-api-key"));
    assert_eq!(reports.header("authorization"), None);
    let contacts = &server.requests_to("/api/contacts")[0];
    assert_eq!(
        contacts.header("authorization"),
        Some("Bearer bearer-token")
    );
}

#[tokio::test]
async fn a_resource_incremental_does_not_inherit_the_default_end_value() {
    let server = server().await;
    let config = toml(
        r#"
[client]
base_url = "BASE"

[resource_defaults.endpoint.incremental]
cursor_path = "updated_at"
start_param = "since"
end_param = "until"
initial_value = "2024-01-01"
end_value = "2025-01-01"

[[resources]]
name = "events"
endpoint = { path = "events", incremental = { cursor_path = "id", start_param = "after", initial_value = 100 } }
"#,
        &server,
    );
    run(&config, "events").await;
    assert_eq!(queries(&server, "/api/events"), ["after=100"]);
}

#[tokio::test]
async fn default_params_and_json_merge_one_level_with_the_resource_winning() {
    let server = server().await;
    let config = toml(
        r#"
[client]
base_url = "BASE"

[resource_defaults.endpoint]
method = "POST"
params = { per_page = 50, sort = "asc" }
json = { filter = { a = 1 }, size = 10 }

[[resources]]
name = "search"
endpoint = { params = { sort = "desc" }, json = { filter = { b = 2 } } }
"#,
        &server,
    );
    run(&config, "search").await;
    let request = &server.requests_to("/api/search")[0];
    assert_eq!(request.method, "POST");
    assert_eq!(request.query.as_deref(), Some("per_page=50&sort=desc"));
    let body: Value = serde_json::from_slice(&request.body).unwrap();
    // dlt's `{**default, **resource}`: `filter` is the resource's, whole.
    assert_eq!(body, json!({"filter": {"b": 2}, "size": 10}));
}

#[tokio::test]
async fn auth_without_type_is_bearer() {
    let server = server().await;
    let config = json_config(
        r#"{
  "client": {"base_url": "BASE", "auth": {"token": {"secret": "token"}}},
  "resources": ["repos"]
}"#,
        &server,
    );
    run(&config, "repos").await;
    assert_eq!(
        server.requests_to("/api/repos")[0].header("authorization"),
        Some("Bearer bearer-token")
    );
}

#[tokio::test]
async fn a_bare_auth_type_takes_its_fields_from_credentials() {
    let server = server().await;
    let config = json_config(
        r#"{
  "client": {"base_url": "BASE", "auth": "bearer"},
  "resources": ["repos"]
}"#,
        &server,
    );
    assert_eq!(config.secret_keys(), ["credentials.token"]);
    run(&config, "repos").await;
    assert_eq!(
        server.requests_to("/api/repos")[0].header("authorization"),
        Some("Bearer credentials-token")
    );
}

#[test]
fn auth_errors_name_dlt_rules() {
    // A typeless auth is `bearer`: an `api_key` field there is unknown, and says why.
    let err = SourceConfig::from_json_str(
        r#"{"client": {"base_url": "https://x.example", "auth": {"api_key": {"secret": "k"}}},
            "resources": ["a"]}"#,
        "x.json",
    )
    .unwrap_err()
    .to_string();
    assert!(
        err.contains("unknown key `api_key` in an auth without `type` (dlt reads it as `bearer`)"),
        "{err}"
    );
    let err = SourceConfig::from_json_str(
        r#"{"client": {"base_url": "https://x.example", "auth": "barer"}, "resources": ["a"]}"#,
        "x.json",
    )
    .unwrap_err()
    .to_string();
    assert!(
        err.contains("unknown auth type `barer`; did you mean `bearer`?"),
        "{err}"
    );
}

#[tokio::test]
async fn bare_string_paginators_load_as_dlt_builds_them() {
    let server = TestServer::start(|r: &Recorded| {
        if r.query.is_none() {
            let next = format!("http://{}/api/items?page=2", r.header("host").unwrap());
            Reply::json(200, json!({"data": [{"id": 1}], "next": next}))
        } else {
            Reply::json(200, json!({"data": [{"id": 2}], "next": null}))
        }
    })
    .await;
    for paginator in ["json_link", "json_response", "auto"] {
        let config = json_config(
            &format!(
                r#"{{"client": {{"base_url": "BASE", "paginator": "{paginator}"}}, "resources": ["items"]}}"#
            ),
            &server,
        );
        assert_eq!(run(&config, "items").await.len(), 2, "{paginator}");
    }
    let config = json_config(
        r#"{"client": {"base_url": "BASE", "paginator": "single_page"}, "resources": ["items"]}"#,
        &server,
    );
    assert_eq!(run(&config, "items").await.len(), 1);
    for paginator in ["header_link", "cursor", "page_number"] {
        let text = format!(
            r#"{{"client": {{"base_url": "https://x.example", "paginator": "{paginator}"}}, "resources": ["items"]}}"#
        );
        SourceConfig::from_json_str(&text, "x.json").unwrap_or_else(|e| panic!("{paginator}: {e}"));
    }
    // dlt: "Paginator `offset` requires arguments to create an instance".
    let err = SourceConfig::from_json_str(
        r#"{"client": {"base_url": "https://x.example", "paginator": "offset"}, "resources": ["items"]}"#,
        "x.json",
    )
    .unwrap_err()
    .to_string();
    assert!(
        err.contains("missing `limit` in the `offset` paginator"),
        "{err}"
    );
}

#[tokio::test]
async fn json_nulls_mean_left_out_and_a_null_endpoint_auth_means_none() {
    let server = server().await;
    let config = json_config(
        r#"{
  "client": {"base_url": "BASE", "auth": {"type": "bearer", "token": {"secret": "token"}},
             "paginator": "single_page", "headers": null},
  "resource_defaults": {"endpoint": {"params": {"per_page": 10, "sort": "asc"}, "data_selector": "$.nope"}},
  "resources": [
    {"name": "public", "endpoint": {"path": "public", "auth": null, "paginator": null,
                                    "data_selector": null, "params": {"sort": null, "q": null}}},
    {"name": "private", "endpoint": {"path": "private", "incremental": null, "json": null, "data_selector": "data"}}
  ]
}"#,
        &server,
    );
    // `data_selector = null` replaced the default `items`: records are detected under `data`.
    assert_eq!(run(&config, "public").await.len(), 2);
    let public = &server.requests_to("/api/public")[0];
    assert_eq!(public.header("authorization"), None);
    // `sort = null` removed the default's `sort`; `q = null` is not sent.
    assert_eq!(public.query.as_deref(), Some("per_page=10"));
    run(&config, "private").await;
    let private = &server.requests_to("/api/private")[0];
    assert_eq!(private.header("authorization"), Some("Bearer bearer-token"));
    assert_eq!(private.query.as_deref(), Some("per_page=10&sort=asc"));
}

#[tokio::test]
async fn list_params_repeat_the_key_and_booleans_are_sent_as_python_writes_them() {
    let server = server().await;
    let config = json_config(
        r#"{
  "client": {"base_url": "BASE"},
  "resources": [{"name": "items", "endpoint": {"params": {
    "ids": [1, 2, "three", null], "archived": true, "draft": false, "ratio": 0.5, "limit": 10
  }}}]
}"#,
        &server,
    );
    run(&config, "items").await;
    // In the config's order, as dlt sends its params dict.
    assert_eq!(
        queries(&server, "/api/items"),
        ["ids=1&ids=2&ids=three&archived=True&draft=False&ratio=0.5&limit=10"]
    );
}

#[tokio::test]
async fn path_and_query_params_are_written_as_python_writes_them_a_null_too() {
    // dlt binds `str(value)` into the path (`str(None)` is `None`, as `_bind_path_params`
    // does), and `requests` sends `str(value)` of a float: `1e+16`, `1e-05`.
    let server = server().await;
    let config = json_config(
        r#"{
  "client": {"base_url": "BASE"},
  "resources": [{"name": "items", "endpoint": {
    "path": "v{version}/{flag}/{owner}/items",
    "params": {"version": 2.0, "flag": true, "owner": null, "big": 1e16, "small": 0.00001}
  }}]
}"#,
        &server,
    );
    run(&config, "items").await;
    assert_eq!(
        queries(&server, "/api/v2.0/True/None/items"),
        ["big=1e%2B16&small=1e-05"]
    );
}

#[tokio::test]
async fn path_placeholders_take_endpoint_params_which_are_then_not_sent() {
    let server = server().await;
    let config = toml(
        r#"
[client]
base_url = "BASE"

[resource_defaults.endpoint.params]
org = "dlt-hub"

[[resources]]
name = "repos"
endpoint = { path = "orgs/{org}/repos", params = { per_page = 100, page_size = 5 } }

[[resources]]
name = "issues"
endpoint = { path = "repos/{org}/{repo}/issues", params = { repo = "dlt", state = "open" } }
"#,
        &server,
    );
    run(&config, "repos").await;
    run(&config, "issues").await;
    assert_eq!(
        queries(&server, "/api/orgs/dlt-hub/repos"),
        ["per_page=100&page_size=5"]
    );
    assert_eq!(
        queries(&server, "/api/repos/dlt-hub/dlt/issues"),
        ["state=open"]
    );
}

#[test]
fn a_path_cannot_bind_an_incremental_param() {
    let err = SourceConfig::from_toml_str(
        r#"
[client]
base_url = "https://x.example"
[[resources]]
name = "events"
endpoint = { path = "events/{since}", params = { since = { type = "incremental", cursor_path = "ts", initial_value = 1 } } }
"#,
        "x.toml",
    )
    .unwrap_err()
    .to_string();
    assert!(
        err.contains("the path binds param `since`, an `incremental` param"),
        "{err}"
    );
}

#[tokio::test]
async fn access_token_request_data_sends_any_fields_in_the_token_request() {
    let server = server().await;
    let config = json_config(
        &r#"{
  "client": {"base_url": "BASE", "auth": {
    "type": "oauth2_client_credentials", "access_token_url": "TOKEN_URL",
    "client_id": "cid", "client_secret": {"secret": "client_secret"},
    "access_token_request_data": {"scope": "read", "account_id": "acc-1", "resource": "api://x",
                                  "grant_type": "account_credentials", "dropped": null}
  }},
  "resources": ["items"]
}"#
        .replace("TOKEN_URL", &server.url("/oauth/token")),
        &server,
    );
    run(&config, "items").await;
    let token = &server.requests_to("/oauth/token")[0];
    let form = token.form();
    assert_eq!(form.get("scope").map(String::as_str), Some("read"));
    assert_eq!(form.get("account_id").map(String::as_str), Some("acc-1"));
    assert_eq!(form.get("resource").map(String::as_str), Some("api://x"));
    // As in dlt, the extra data goes on top of the standard fields.
    assert_eq!(
        form.get("grant_type").map(String::as_str),
        Some("account_credentials")
    );
    assert!(!form.contains_key("dropped"));
    assert_eq!(
        server.requests_to("/api/items")[0].header("authorization"),
        Some("Bearer tok-1")
    );
}

#[test]
fn credentials_in_access_token_request_data_are_refused_without_repeating_them() {
    let err = SourceConfig::from_json_str(
        r#"{"client": {"base_url": "https://x.example", "auth": {
            "type": "oauth2_client_credentials", "access_token_url": "https://x.example/token",
            "client_id": "cid", "client_secret": {"secret": "s"},
            "access_token_request_data": {"refresh_token": "canary-rt", "account_id": "a"}}},
          "resources": ["a"]}"#,
        "x.json",
    )
    .unwrap_err()
    .to_string();
    assert!(
        err.contains("inline credential: `refresh_token` in `access_token_request_data`"),
        "{err}"
    );
    assert!(!err.contains("canary-rt"), "{err}");
}

#[tokio::test]
async fn loader_hints_are_carried_into_the_run_report() {
    let server = server().await;
    let config = json_config(
        r#"{
  "client": {"base_url": "BASE"},
  "resource_defaults": {"write_disposition": "merge", "max_table_nesting": 1},
  "resources": [{
    "name": "issues", "primary_key": "id", "table_name": "gh_issues",
    "columns": {"id": {"data_type": "bigint"}}, "schema_contract": "freeze",
    "table_format": "delta", "file_format": "parquet", "parallelized": false, "selected": true,
    "references": [{"referenced_table": "users", "columns": ["user_id"], "referenced_columns": ["id"]}],
    "nested_hints": {"labels": {"write_disposition": "replace"}}, "parent_table_name": null
  }]
}"#,
        &server,
    );
    let source = config.build_with_values(&secrets()).unwrap();
    let issues = source.resource("issues").unwrap();
    issues.collect().await.unwrap();
    let report = issues.last_report().expect("the run ended");
    assert_eq!(
        Value::Object(report.loader_hints.clone()),
        json!({
            "write_disposition": "merge", "max_table_nesting": 1, "primary_key": "id",
            "table_name": "gh_issues", "columns": {"id": {"data_type": "bigint"}},
            "schema_contract": "freeze", "table_format": "delta", "file_format": "parquet",
            "references": [{"referenced_table": "users", "columns": ["user_id"], "referenced_columns": ["id"]}],
            "nested_hints": {"labels": {"write_disposition": "replace"}}
        })
    );
    let serialised = serde_json::to_value(&report).unwrap();
    assert_eq!(serialised["loader_hints"]["table_name"], "gh_issues");
}

#[tokio::test]
async fn an_unselected_parent_is_not_loaded_but_feeds_its_children() {
    let server = server().await;
    let config = toml(
        r#"
[client]
base_url = "BASE"

[[resources]]
name = "repos"
selected = false

[[resources]]
name = "issues"
endpoint = { path = "repos/{resources.repos.id}/issues" }
"#,
        &server,
    );
    let source = config.build_with_values(&secrets()).unwrap();
    let selected: Vec<&str> = source.selected().map(Resource::name).collect();
    assert_eq!(selected, ["issues"]);
    let issues = source.resource("issues").unwrap().collect().await.unwrap();
    assert_eq!(issues.len(), 4);
    assert_eq!(server.count("/api/repos/1/issues"), 1);
    assert_eq!(server.count("/api/repos/2/issues"), 1);
}

/// dlt's single-entity rule: a path whose last segment is a placeholder returns one object,
/// so it is read with `single_page` and `data_selector = "$"` — also when the client has a
/// paginator (one request per parent, no paging parameters), unless the endpoint sets its own.
#[tokio::test]
async fn a_path_ending_in_a_placeholder_is_one_entity_read_as_a_single_page() {
    let server = TestServer::start(|r: &Recorded| match r.path.as_str() {
        "/api/posts" => Reply::json(200, json!({"data": [{"id": 1}, {"id": 2}]})),
        p if p.starts_with("/api/posts/") => {
            let id = p.trim_start_matches("/api/posts/");
            Reply::json(
                200,
                json!({"id": id, "title": format!("post {id}"), "tags": ["a"]}),
            )
        }
        _ => Reply::json(404, json!({})),
    })
    .await;
    let config = json_config(
        r#"{
  "client": {"base_url": "BASE", "paginator": {"type": "offset", "limit": 2, "total_path": null}},
  "resources": [
    {"name": "posts", "endpoint": {"path": "posts", "data_selector": "data", "paginator": "single_page"}},
    {"name": "post", "endpoint": {"path": "posts/{post_id}",
      "params": {"post_id": {"type": "resolve", "resource": "posts", "field": "id"}}}}
  ]
}"#,
        &server,
    );
    let records = run(&config, "post").await;
    let titles: Vec<&str> = records.iter().filter_map(|r| r["title"].as_str()).collect();
    assert_eq!(titles.len(), 2, "one object per parent: {records:?}");
    assert!(titles.contains(&"post 1") && titles.contains(&"post 2"));
    // One request per parent, without the client's offset/limit.
    assert_eq!(queries(&server, "/api/posts/1"), [""]);
    assert_eq!(queries(&server, "/api/posts/2"), [""]);
    let spec = &config.resources[1].spec.endpoint;
    assert_eq!(spec.data_selector.as_deref(), Some("$"));
    assert_eq!(
        spec.paginator,
        Some(rest_source_runtime::spec::PaginatorSpec::SinglePage)
    );
}
