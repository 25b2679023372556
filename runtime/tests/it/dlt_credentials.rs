//! Credentials where dlt looks for a REST API source's: the `credentials` section ladder
//! (`sources.rest_api.<source>.credentials.<field>` down to `credentials.<field>`), env before
//! files, the pipeline scope, dlt's documented GitHub layout, and a config whose auth leaves
//! its credential out getting it from there onto the wire.
//!
//! Every test injects its environment (`with_env_vars`) and writes files under a unique temp
//! dir, so nothing depends on the process environment or the working directory.

use crate::common;

use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};

use common::{Recorded, Reply, TestServer};
use rest_source_runtime::config::SourceConfig;
use rest_source_runtime::credential_key;
use rest_source_runtime::{Error, SecretResolver};
use serde_json::json;

/// A fresh directory under the system temp dir, removed on drop.
struct TempDir(PathBuf);

impl TempDir {
    fn new(name: &str) -> Self {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let dir = std::env::temp_dir().join(format!(
            "rest-source-dlt-credentials-{}-{name}-{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        ));
        std::fs::create_dir_all(&dir).unwrap();
        TempDir(dir)
    }

    fn write(&self, relative: &str, text: &str) -> PathBuf {
        let path = self.0.join(relative);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, text).unwrap();
        path
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

const NO_ENV: [(&str, &str); 0] = [];

/// dlt 1.31's environment ladder for field `token` of source `myapi` (its
/// `ConfigFieldMissingException` lists exactly these, in this order).
const DLT_ENV_PLACES: [&str; 5] = [
    "SOURCES__REST_API__MYAPI__CREDENTIALS__TOKEN",
    "SOURCES__REST_API__CREDENTIALS__TOKEN",
    "SOURCES__MYAPI__CREDENTIALS__TOKEN",
    "SOURCES__CREDENTIALS__TOKEN",
    "CREDENTIALS__TOKEN",
];

/// The same ladder in `secrets.toml`: (table, key).
const DLT_TOML_PLACES: [(&str, &str); 5] = [
    ("sources.rest_api.myapi.credentials", "token"),
    ("sources.rest_api.credentials", "token"),
    ("sources.myapi.credentials", "token"),
    ("sources.credentials", "token"),
    ("credentials", "token"),
];

#[test]
fn a_credential_is_found_in_each_of_dlts_environment_places() {
    for name in DLT_ENV_PLACES {
        let secrets = SecretResolver::rest_api("myapi")
            .with_env_vars([(name, "tok-from-env")])
            .with_file("/nonexistent/rest-source/secrets.toml");
        let found = secrets
            .credential("token")
            .unwrap_or_else(|e| panic!("{name} is one of dlt's places:\n{e}"));
        assert_eq!(found.expose(), "tok-from-env", "{name}");
    }
}

#[test]
fn a_credential_is_found_in_each_of_dlts_secrets_toml_places() {
    for (table, key) in DLT_TOML_PLACES {
        let dir = TempDir::new("toml-place");
        let file = dir.write(
            ".dlt/secrets.toml",
            &format!("[{table}]\n{key} = \"tok-from-file\"\n"),
        );
        let secrets = SecretResolver::rest_api("myapi")
            .with_env_vars(NO_ENV)
            .with_file(file);
        let found = secrets
            .credential("token")
            .unwrap_or_else(|e| panic!("[{table}] {key} is one of dlt's places:\n{e}"));
        assert_eq!(found.expose(), "tok-from-file", "[{table}] {key}");
    }
}

#[test]
fn the_most_specific_place_wins_within_a_provider() {
    let dir = TempDir::new("specific");
    let mut text = String::new();
    for (i, (table, key)) in DLT_TOML_PLACES.iter().enumerate().rev() {
        text.push_str(&format!("[{table}]\n{key} = \"level-{i}\"\n"));
    }
    let file = dir.write(".dlt/secrets.toml", &text);
    let secrets = SecretResolver::rest_api("myapi")
        .with_env_vars(NO_ENV)
        .with_file(file);
    assert_eq!(secrets.credential("token").unwrap().expose(), "level-0");
}

#[test]
fn the_least_specific_env_var_beats_the_most_specific_file_place() {
    let dir = TempDir::new("env-first");
    let file = dir.write(
        ".dlt/secrets.toml",
        "[sources.rest_api.myapi.credentials]\ntoken = \"from-file\"\n",
    );
    let secrets = SecretResolver::rest_api("myapi")
        .with_env_vars([("CREDENTIALS__TOKEN", "from-env")])
        .with_file(file);
    assert_eq!(secrets.credential("token").unwrap().expose(), "from-env");

    // An explicit value beats both.
    let explicit = secrets.with_value(credential_key("token"), "from-code");
    assert_eq!(explicit.credential("token").unwrap().expose(), "from-code");
}

#[test]
fn a_pipeline_scoped_value_in_the_file_beats_an_unscoped_env_var() {
    let dir = TempDir::new("pipeline");
    let file = dir.write(
        ".dlt/secrets.toml",
        "[my_pipeline.sources.rest_api.myapi.credentials]\ntoken = \"pipeline-file\"\n",
    );
    let secrets = SecretResolver::rest_api("myapi")
        .pipeline("my_pipeline")
        .with_env_vars([(
            "SOURCES__REST_API__MYAPI__CREDENTIALS__TOKEN",
            "unscoped-env",
        )])
        .with_file(file.clone());
    assert_eq!(
        secrets.credential("token").unwrap().expose(),
        "pipeline-file"
    );

    let env = SecretResolver::rest_api("myapi")
        .pipeline("my_pipeline")
        .with_env_vars([("MY_PIPELINE__SOURCES__CREDENTIALS__TOKEN", "pipeline-env")])
        .with_file(file);
    assert_eq!(env.credential("token").unwrap().expose(), "pipeline-env");
}

#[test]
fn the_missing_secret_error_lists_dlts_places_in_dlts_order() {
    let dir = TempDir::new("missing");
    let file = dir.write(
        ".dlt/secrets.toml",
        "[sources.other]\ntoken = \"canary-other-91\"\n",
    );
    let err = SecretResolver::rest_api("myapi")
        .with_env_vars([("SOURCES__OTHER__TOKEN", "canary-env-27")])
        .with_file(file.clone())
        .credential("token")
        .unwrap_err();
    let f = file.display();
    let mut places: Vec<String> = DLT_ENV_PLACES.iter().map(|n| format!("env {n}")).collect();
    places.extend(
        DLT_TOML_PLACES
            .iter()
            .map(|(table, key)| format!("{f} [{table}] {key}")),
    );
    assert_eq!(err.missing().len(), 1);
    assert_eq!(err.missing()[0].key, "credentials.token");
    assert_eq!(err.missing()[0].tried, places);
    let text = err.to_string();
    assert_eq!(
        text,
        format!(
            "1 secret is missing for source `myapi`:\n  - `credentials.token`, tried in order:\n      {}\nfiles: {f} (found)\nfix: set one of these, e.g. `export SOURCES__REST_API__MYAPI__CREDENTIALS__TOKEN=...` or add `token = \"...\"` under `[sources.rest_api.myapi.credentials]` in {f}",
            places.join("\n      ")
        )
    );
    assert!(!text.contains("canary"), "{text}");
}

#[test]
fn an_empty_value_is_named_in_the_error_with_how_dlt_differs() {
    let err = SecretResolver::rest_api("myapi")
        .with_env_vars([("SOURCES__CREDENTIALS__TOKEN", "")])
        .with_file("/nonexistent/rest-source/secrets.toml")
        .credential("token")
        .unwrap_err();
    assert!(
        err.missing()[0]
            .tried
            .contains(&"env SOURCES__CREDENTIALS__TOKEN (set but empty)".to_owned())
    );
    assert!(
        err.to_string().contains(
            "note: an empty value counts as missing here (dlt would take the empty string and send it)"
        ),
        "{err}"
    );
}

#[test]
fn an_unnamed_dlt_source_has_no_compact_place() {
    // dlt's `rest_api_source(config)` without `name`: source `rest_api` in section `rest_api`.
    let err = SecretResolver::rest_api("rest_api")
        .with_env_vars(NO_ENV)
        .with_file("/nonexistent/rest-source/secrets.toml")
        .credential("token")
        .unwrap_err();
    assert_eq!(
        err.missing()[0].tried,
        [
            "env SOURCES__REST_API__REST_API__CREDENTIALS__TOKEN",
            "env SOURCES__REST_API__CREDENTIALS__TOKEN",
            "env SOURCES__CREDENTIALS__TOKEN",
            "env CREDENTIALS__TOKEN",
        ]
    );
}

/// dlt's REST API docs (`verified-sources/rest_api/basic.md`): the token of the GitHub example
/// source, defined in `rest_api_pipeline.py` as `github_source(github_token=dlt.secrets.value)`.
const GITHUB_SECRETS_TOML: &str =
    "[sources.rest_api_pipeline.github]\ngithub_token = \"ghp-docs-layout\"\n";

#[test]
fn dlts_documented_github_layout_is_found_with_its_section() {
    let dir = TempDir::new("github");
    let file = dir.write(".dlt/secrets.toml", GITHUB_SECRETS_TOML);
    let secrets = SecretResolver::for_source("github")
        .module("rest_api_pipeline")
        .with_env_vars(NO_ENV)
        .with_file(file);
    assert_eq!(
        secrets.get("github_token").unwrap().expose(),
        "ghp-docs-layout"
    );
}

/// A config in the shape of dlt's GitHub example, its `bearer` auth without a `token`.
fn github_config(server: &TestServer) -> SourceConfig {
    let text = format!(
        r#"name = "github"

[client]
base_url = "{}"
auth = {{ type = "bearer" }}

[[resources]]
name = "issues"
endpoint = {{ path = "repos/dlt-hub/dlt/issues", paginator = {{ type = "single_page" }} }}
"#,
        server.url("")
    );
    SourceConfig::from_toml_str(&text, "github.toml").unwrap_or_else(|e| panic!("loads:\n{e}"))
}

async fn issues_server() -> TestServer {
    TestServer::start(|req: &Recorded| {
        if req.header("authorization") == Some("Bearer ghp-left-out-token") {
            Reply::json(200, json!([{"id": 1}, {"id": 2}]))
        } else {
            Reply::unauthorized()
        }
    })
    .await
}

#[tokio::test]
async fn a_left_out_token_is_read_from_dlts_credentials_section_and_sent() {
    let server = issues_server().await;
    let config = github_config(&server);
    let dir = TempDir::new("wire");
    let file = dir.write(
        ".dlt/secrets.toml",
        "[sources.rest_api.github.credentials]\ntoken = \"ghp-left-out-token\"\n",
    );
    let source = config
        .build(
            &SecretResolver::rest_api(&config.name)
                .with_env_vars(NO_ENV)
                .with_file(file),
        )
        .unwrap_or_else(|e| panic!("builds: {e}"));
    let records = source.resource("issues").unwrap().collect().await.unwrap();
    assert_eq!(records, [json!({"id": 1}), json!({"id": 2})]);
    let requests = server.requests();
    assert_eq!(requests.len(), 1);
    assert_eq!(
        requests[0].header("authorization"),
        Some("Bearer ghp-left-out-token")
    );
}

#[tokio::test]
async fn a_left_out_token_from_the_env_var_dlt_names_is_sent() {
    let server = issues_server().await;
    let config = github_config(&server);
    let source = config
        .build(
            &SecretResolver::rest_api(&config.name)
                .with_env_vars([(
                    "SOURCES__REST_API__GITHUB__CREDENTIALS__TOKEN",
                    "ghp-left-out-token",
                )])
                .with_file("/nonexistent/rest-source/secrets.toml"),
        )
        .unwrap_or_else(|e| panic!("builds: {e}"));
    source.resource("issues").unwrap().collect().await.unwrap();
    assert_eq!(
        server.requests()[0].header("authorization"),
        Some("Bearer ghp-left-out-token")
    );
}

#[tokio::test]
async fn a_missing_left_out_token_fails_before_any_request_naming_dlts_places() {
    let server = issues_server().await;
    let config = github_config(&server);
    let err = config
        .build(
            &SecretResolver::rest_api(&config.name)
                .with_env_vars([("SOURCES__GITHUB__TOKEN", "canary-wrong-place-63")])
                .with_file("/nonexistent/rest-source/secrets.toml"),
        )
        .unwrap_err();
    let Error::Secrets(missing) = &err else {
        panic!("expected a secrets error, got {err}");
    };
    assert_eq!(missing.missing()[0].key, "credentials.token");
    let text = err.to_string();
    assert!(
        text.contains("env SOURCES__REST_API__GITHUB__CREDENTIALS__TOKEN\n"),
        "{text}"
    );
    assert!(!text.contains("canary"), "{text}");
    assert!(server.requests().is_empty());
}

/// Every credential field of dlt's four auth types may be left out; each becomes the key
/// `credentials.<field>`.
#[test]
fn each_dlt_auth_type_refers_left_out_fields_to_the_credentials_section() {
    let cases = [
        (r#"{ type = "bearer" }"#, vec!["credentials.token"]),
        (
            r#"{ type = "api_key", name = "X-Key" }"#,
            vec!["credentials.api_key"],
        ),
        (
            r#"{ type = "http_basic" }"#,
            vec!["credentials.password", "credentials.username"],
        ),
        (
            r#"{ type = "http_basic", username = "etl" }"#,
            vec!["credentials.password"],
        ),
        (
            r#"{ type = "oauth2_client_credentials", access_token_url = "https://auth.example.com/token" }"#,
            vec!["credentials.client_id", "credentials.client_secret"],
        ),
    ];
    for (auth, expected) in cases {
        let text = format!(
            "[client]\nbase_url = \"https://api.example.com\"\nauth = {auth}\n\n[[resources]]\nname = \"items\"\nendpoint = {{ path = \"items\" }}\n"
        );
        let config = SourceConfig::from_toml_str(&text, "myapi.toml")
            .unwrap_or_else(|e| panic!("`{auth}` loads:\n{e}"));
        let mut keys = config.secret_keys();
        keys.sort();
        assert_eq!(keys, expected, "{auth}");
    }
}

#[test]
fn a_literal_credential_is_still_refused() {
    let text = "[client]\nbase_url = \"https://api.example.com\"\nauth = { type = \"bearer\", token = \"canary-literal-17\" }\n\n[[resources]]\nname = \"items\"\nendpoint = { path = \"items\" }\n";
    let err = SourceConfig::from_toml_str(text, "myapi.toml")
        .unwrap_err()
        .to_string();
    assert!(err.contains("inline credential: `token`"), "{err}");
    assert!(!err.contains("canary"), "{err}");
}

#[test]
fn a_json_config_may_leave_credentials_out_too() {
    let text = r#"{
  "client": {
    "base_url": "https://api.example.com",
    "auth": {"type": "api_key", "name": "X-Key", "location": "query"}
  },
  "resources": [{"name": "items", "endpoint": {"path": "items"}}]
}"#;
    let config = SourceConfig::from_json_str(text, "myapi.json").unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(config.secret_keys(), ["credentials.api_key"]);
}
