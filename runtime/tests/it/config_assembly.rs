//! A config assembled into a source: what only the assembly decides (which requests carry
//! which credentials), checked on the wire against a local server.

use crate::common;

use common::{Recorded, Reply, TestServer};
use rest_source_runtime::Secret;
use rest_source_runtime::config::SourceConfig;
use rest_source_runtime::spec::SecretValues;
use serde_json::json;

#[tokio::test]
async fn an_endpoint_secret_header_goes_with_that_resource_only() {
    let server = TestServer::start(|_: &Recorded| Reply::json(200, json!([{"id": 1}]))).await;
    let config = SourceConfig::from_toml_str(
        &format!(
            r#"
[client]
base_url = "{}"

[[resources]]
name = "contacts"
endpoint = {{ path = "contacts", paginator = "single_page" }}

[[resources]]
name = "reports"
endpoint = {{ path = "reports", paginator = "single_page", headers = {{ "X-Report-Key" = {{ secret = "reports_key" }} }} }}
"#,
            server.url("")
        ),
        "crm.toml",
    )
    .unwrap();
    assert_eq!(config.secret_keys(), ["reports_key"]);
    let values = SecretValues::new("crm").with("reports_key", Secret::new("rk-1"));
    let source = config.build_with_values(&values).unwrap();
    for resource in source.resources() {
        resource.collect().await.unwrap();
    }
    let key = |path: &str| {
        server.requests_to(path)[0]
            .header("x-report-key")
            .map(str::to_owned)
    };
    assert_eq!(key("/reports").as_deref(), Some("rk-1"));
    assert_eq!(key("/contacts"), None);
}

#[test]
fn an_endpoint_secret_header_without_its_secret_names_the_key() {
    let config = SourceConfig::from_toml_str(
        r#"
[client]
base_url = "https://crm.example.com/api"

[[resources]]
name = "reports"
endpoint = { path = "reports", headers = { "X-Report-Key" = { secret = "reports_key" } } }
"#,
        "crm.toml",
    )
    .unwrap();
    let err = config
        .build_with_values(&SecretValues::new("crm"))
        .unwrap_err()
        .to_string();
    assert!(err.contains("`reports_key`"), "{err}");
}
