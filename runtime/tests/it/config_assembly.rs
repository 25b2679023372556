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

#[test]
fn a_hand_built_source_meets_the_rules_the_front_ends_check_with_the_same_words() {
    use rest_source_runtime::spec::{
        AssemblyOptions, MaybeSecret, ResourceSpec, SourceSpec, assemble,
    };
    // A JSON body on a GET and a literal credential header: the config refuses both...
    let config = SourceConfig::from_toml_str(
        "[client]\nbase_url = \"https://crm.example.com/api\"\nheaders = { Authorization = \"Bearer abc123\" }\n\
         [[resources]]\nname = \"search\"\nendpoint = { path = \"search\", json = { query = \"rust\" } }\n",
        "source.toml",
    )
    .expect_err("the config is refused");
    let messages: Vec<String> = config
        .problems()
        .iter()
        .map(|p| p.message.clone())
        .collect();
    assert_eq!(messages.len(), 2, "{messages:?}");
    // ...and assembly refuses the same source built by hand, in the same words, every
    // problem at once, without repeating the credential.
    let spec = SourceSpec::new("crm", "https://crm.example.com/api")
        .header("Authorization", MaybeSecret::Plain("Bearer abc123".into()))
        .resource(ResourceSpec::new("search", "search").json(json!({"query": "rust"})));
    let Err(err) = assemble(&spec, &SecretValues::new("crm"), AssemblyOptions::new()) else {
        panic!("the hand-built source is refused");
    };
    let text = err.to_string();
    for message in &messages {
        assert!(text.contains(message.as_str()), "{text}\nlacks: {message}");
    }
    assert!(text.contains("resources.search.endpoint"), "{text}");
    assert!(!text.contains("abc123"), "{text}");
}
