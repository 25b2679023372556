//! What a config puts on the wire, checked request by request on a local server: secret and
//! plain client headers, endpoint headers and params, `{param}` placeholders from the
//! source's `params`, a `none` auth override, and query API keys kept out of error text.

use rest_source::SecretResolver;
use rest_source::config::SourceConfig;
use serde_json::json;
use wiremock::matchers::{header, method, path, query_param};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

fn resolver(values: &[(&str, &str)]) -> SecretResolver {
    let nowhere = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("no-secrets.toml");
    values.iter().fold(
        SecretResolver::for_source("wire")
            .without_env()
            .with_file(nowhere),
        |r, (k, v)| r.with_value(*k, *v),
    )
}

#[tokio::test]
async fn headers_params_placeholders_and_auth_override_reach_the_wire() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/eu/contacts"))
        .and(header("authorization", "Bearer tok-1"))
        .and(header("x-tenant-token", "tenant-secret"))
        .and(header("x-org", "acme"))
        .and(header("x-trace", "on"))
        .and(query_param("status", "active"))
        .and(query_param("limit", "2"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({"items": [{"id": 1}, {"id": 2}]})),
        )
        .expect(2) // the run, then the check
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/status"))
        .respond_with(|req: &Request| {
            // The `none` override: no credentials of the source's auth on a public endpoint.
            let leaked = req.headers.contains_key("authorization");
            ResponseTemplate::new(if leaked { 400 } else { 200 })
                .set_body_json(json!([{"status": "ok"}]))
        })
        .expect(2)
        .mount(&server)
        .await;

    let config = SourceConfig::from_toml_str(
        &format!(
            r#"name = "wire"
[params]
region = "eu"

[client]
base_url = "{}"
headers = {{ X-Org = "acme", X-Tenant-Token = {{ secret = "tenant_token" }} }}
auth = {{ type = "bearer", token = {{ secret = "token" }} }}

[[resources]]
name = "contacts"
[resources.endpoint]
path = "{{region}}/contacts"
params = {{ status = "active", limit = 2 }}
headers = {{ X-Trace = "on" }}
data_selector = "items"
paginator = "single_page"

[[resources]]
name = "status"
endpoint = {{ path = "status", paginator = "single_page", auth = {{ type = "none" }} }}
"#,
            server.uri()
        ),
        "wire.toml",
    )
    .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(config.secret_keys(), ["token", "tenant_token"]);
    let source = config
        .build(&resolver(&[
            ("token", "tok-1"),
            ("tenant_token", "tenant-secret"),
        ]))
        .unwrap();

    let contacts = source
        .resource("contacts")
        .unwrap()
        .collect()
        .await
        .unwrap();
    assert_eq!(contacts, [json!({"id": 1}), json!({"id": 2})]);
    let status = source.resource("status").unwrap().collect().await.unwrap();
    assert_eq!(status, [json!({"status": "ok"})]);

    let checks = source.check().await;
    let auths: Vec<&str> = checks.iter().map(|c| c.auth).collect();
    assert_eq!(auths, ["bearer", "none"]);
    assert!(checks.iter().all(|c| c.result.is_ok()), "{checks:?}");
}

#[tokio::test]
async fn a_query_api_key_never_appears_in_check_output() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/reports"))
        .respond_with(ResponseTemplate::new(403).set_body_string("forbidden"))
        .mount(&server)
        .await;
    let config = SourceConfig::from_toml_str(
        &format!(
            r#"name = "wire"
[client]
base_url = "{}"
auth = {{ type = "api_key", name = "api_key", location = "query", api_key = {{ secret = "key" }} }}
[[resources]]
name = "reports"
endpoint = {{ path = "reports", paginator = "single_page" }}
"#,
            server.uri()
        ),
        "wire.toml",
    )
    .unwrap();
    let source = config
        .build(&resolver(&[("key", "canary-query-key")]))
        .unwrap();
    let checks = source.check().await;
    let shown = checks[0].to_string();
    assert!(
        shown.starts_with("failed: `api_key` auth via resource `reports`"),
        "{shown}"
    );
    assert!(!shown.contains("canary"), "{shown}");
    assert!(!format!("{:?}", checks[0]).contains("canary"));
    // The key did go out, in the query string.
    let sent = &server.received_requests().await.unwrap()[0];
    assert_eq!(sent.url.query(), Some("api_key=canary-query-key"));
}
