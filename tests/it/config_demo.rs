//! The example configs in `examples/configs/` (one per dlt auth `type`) load and run against
//! the bundled demo API: every paginator shape, a child resource, an endpoint auth override,
//! and one token shared by every resource that uses the source's OAuth2 auth; and the
//! refresh-token example against the demo's rotating refresh tokens, with its token store.

use std::collections::BTreeSet;
use std::path::Path;

use rest_source::config::{Source, SourceConfig};
use rest_source::{Error, SecretResolver};
use rest_source_demo::{DemoApi, DemoServer};
use serde_json::Value;

const RECORDS: u64 = 25;

async fn demo() -> DemoServer {
    DemoApi::new()
        .records(RECORDS)
        .start()
        .await
        .expect("demo API starts")
}

/// An example config pointed at `server` (the files name the demo's default port 8080).
fn example(name: &str, server: &DemoServer) -> SourceConfig {
    example_with(name, server, &[])
}

/// Like [`example`], with further `(from, to)` text replacements (a file path, say).
fn example_with(name: &str, server: &DemoServer, replace: &[(&str, &str)]) -> SourceConfig {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("examples/configs")
        .join(name);
    let text = std::fs::read_to_string(&path).expect("example config exists");
    let text = replace.iter().fold(
        text.replace("http://127.0.0.1:8080", server.url()),
        |t, (from, to)| t.replace(from, to),
    );
    let loaded = if name.ends_with(".json") {
        SourceConfig::from_json_str(&text, name)
    } else {
        SourceConfig::from_toml_str(&text, name)
    };
    loaded.unwrap_or_else(|e| panic!("{name} loads:\n{e}"))
}

/// Secrets given in code only: no environment, no secrets file.
fn secrets(config: &SourceConfig, values: &[(&str, &str)]) -> SecretResolver {
    let nowhere = Path::new(env!("CARGO_TARGET_TMPDIR")).join("no-secrets-here.toml");
    values.iter().fold(
        SecretResolver::for_source(&config.name)
            .without_env()
            .with_file(nowhere),
        |r, (k, v)| r.with_value(*k, *v),
    )
}

async fn collect(source: &Source, name: &str) -> Vec<Value> {
    source
        .resource(name)
        .unwrap_or_else(|| panic!("resource `{name}`"))
        .collect()
        .await
        .unwrap_or_else(|e| panic!("resource `{name}` runs: {e}"))
}

/// The demo's token response for a client-credentials grant (the authorisation a user does
/// once, outside the source).
async fn client_credentials_grant(server: &DemoServer) -> Value {
    rest_source::RestClient::builder(server.url())
        .build()
        .unwrap()
        .post("oauth/token")
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", "demo-client"),
            ("client_secret", "demo-secret"),
        ])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

fn ids(records: &[Value]) -> Vec<u64> {
    records
        .iter()
        .map(|r| r["id"].as_u64().expect("id"))
        .collect()
}

#[tokio::test]
async fn oauth2_client_credentials_example_runs_every_paginator_and_shares_one_token() {
    let server = demo().await;
    let config = example("oauth2_client_credentials.toml", &server);
    let source = config
        .build(&secrets(
            &config,
            &[
                ("client_secret", "demo-secret"),
                ("reports_key", "demo-report-key"),
            ],
        ))
        .unwrap();

    let all: Vec<u64> = (1..=RECORDS).collect();
    // `notes` runs its own `contacts` parent: the standalone `contacts` cursor stays put.
    let notes = collect(&source, "notes").await;
    let parents: BTreeSet<u64> = notes
        .iter()
        .map(|n| {
            assert_eq!(n["_contacts_id"], n["contact_id"], "include_from_parent");
            n["contact_id"].as_u64().unwrap()
        })
        .collect();
    assert_eq!(parents, all.iter().copied().collect());

    for paginated in ["contacts", "events", "tickets", "orders", "users"] {
        assert_eq!(ids(&collect(&source, paginated).await), all, "{paginated}");
    }
    assert_eq!(collect(&source, "reports").await.len(), 24);
    // The `updated_since` incremental param: the next run starts at the last `updated_at`
    // seen; the API returns the newest contact again (its filter is inclusive) and the
    // runtime drops it as already loaded (dlt's boundary deduplication).
    assert_eq!(ids(&collect(&source, "contacts").await), Vec::<u64>::new());

    let stats = server.stats();
    // Six resources (and `notes` through its parent) used the source's OAuth2 auth.
    assert_eq!(stats.tokens_issued, 1);
    assert_eq!(stats.unauthorized, 0);
    // 25 records in pages of 100: one request per run (as the parent, itself, incrementally).
    assert_eq!(stats.endpoints.contacts, 3);
    assert_eq!(stats.endpoints.notes, RECORDS);
    server.shutdown().await;
}

#[tokio::test]
async fn check_makes_one_authenticated_request_per_distinct_auth() {
    let server = demo().await;
    let config = example("oauth2_client_credentials.toml", &server);
    let source = config
        .build(&secrets(
            &config,
            &[
                ("client_secret", "demo-secret"),
                ("reports_key", "demo-report-key"),
            ],
        ))
        .unwrap();
    let checks = source.check().await;
    let shown: Vec<String> = checks.iter().map(ToString::to_string).collect();
    assert_eq!(
        shown,
        [
            "ok: `oauth2_client_credentials` auth via resource `contacts` (25 records on the first page)",
            "ok: `api_key` auth via resource `reports` (24 records on the first page)",
        ]
    );
    let stats = server.stats();
    assert_eq!(stats.api_requests, 2);
    assert_eq!(stats.tokens_issued, 1);
    server.shutdown().await;
}

#[tokio::test]
async fn check_reports_a_rejected_credential_and_goes_on() {
    let server = demo().await;
    let config = example("oauth2_client_credentials.toml", &server);
    let source = config
        .build(&secrets(
            &config,
            &[
                ("client_secret", "demo-secret"),
                ("reports_key", "canary-wrong-key"),
            ],
        ))
        .unwrap();
    let checks = source.check().await;
    assert!(checks[0].result.is_ok());
    let err = checks[1].result.as_ref().expect_err("wrong API key");
    assert_eq!(err.status().map(|s| s.as_u16()), Some(401));
    assert!(!checks[1].to_string().contains("canary"), "{}", checks[1]);
    server.shutdown().await;
}

#[tokio::test]
async fn bearer_example_runs_with_a_token_from_the_secrets() {
    let server = demo().await;
    let grant: Value = client_credentials_grant(&server).await;
    let token = grant["access_token"].as_str().expect("a token");
    let config = example("bearer.toml", &server);
    let source = config
        .build(&secrets(&config, &[("token", token)]))
        .unwrap();
    assert_eq!(
        ids(&collect(&source, "contacts").await),
        (1..=RECORDS).collect::<Vec<_>>()
    );
    server.shutdown().await;
}

#[tokio::test]
async fn api_key_example_runs() {
    let server = demo().await;
    let config = example("api_key.toml", &server);
    let source = config
        .build(&secrets(&config, &[("api_key", "demo-report-key")]))
        .unwrap();
    let reports = collect(&source, "reports").await;
    assert_eq!(reports.len(), 24);
    assert_eq!(server.stats().endpoints.reports, 1);
    server.shutdown().await;
}

#[tokio::test]
async fn http_basic_example_runs() {
    let server = demo().await;
    let config = example("http_basic.toml", &server);
    let source = config
        .build(&secrets(&config, &[("password", "demo-secret")]))
        .unwrap();
    let grants = collect(&source, "token_grants").await;
    assert_eq!(grants.len(), 1);
    assert_eq!(grants[0]["token_type"], "Bearer");
    assert_eq!(server.stats().tokens_issued, 1);

    let wrong = config
        .build(&secrets(&config, &[("password", "canary-wrong")]))
        .unwrap();
    let err = wrong
        .resource("token_grants")
        .unwrap()
        .collect()
        .await
        .unwrap_err();
    assert_eq!(err.status().map(|s| s.as_u16()), Some(401));
    server.shutdown().await;
}

#[tokio::test]
async fn json_example_with_dlt_resolve_params_runs() {
    let server = demo().await;
    let config = example("crm.json", &server);
    assert_eq!(config.resources[1].parent.as_deref(), Some("contacts"));
    let source = config
        .build(&secrets(
            &config,
            &[
                ("client_id", "demo-client"),
                ("client_secret", "demo-secret"),
            ],
        ))
        .unwrap();
    let notes = collect(&source, "notes").await;
    let parents: BTreeSet<u64> = notes
        .iter()
        .map(|n| n["contact_id"].as_u64().unwrap())
        .collect();
    assert_eq!(parents, (1..=RECORDS).collect());
    server.shutdown().await;
}

#[tokio::test]
async fn missing_secrets_are_listed_together_before_any_request() {
    let server = demo().await;
    let config = example("oauth2_client_credentials.toml", &server);
    let Err(err) = config.build(&secrets(&config, &[])) else {
        panic!("built without secrets");
    };
    assert!(matches!(err, Error::Secrets(_)), "{err:?}");
    let text = err.to_string();
    assert!(
        text.starts_with("2 secrets are missing for source `crm`"),
        "{text}"
    );
    assert!(
        text.contains("`client_secret`") && text.contains("`reports_key`"),
        "{text}"
    );
    assert_eq!(
        server.stats().api_requests + server.stats().token_requests,
        0
    );
    server.shutdown().await;
}

#[tokio::test]
async fn oauth2_refresh_token_example_rotates_and_keeps_the_newest_token_in_its_store() {
    let server = DemoApi::new()
        .records(RECORDS)
        .refresh_tokens(true)
        .start()
        .await
        .expect("demo API starts");
    // The authorisation step a user does once: here a client-credentials grant, whose
    // response carries the first refresh token.
    let first: Value = client_credentials_grant(&server).await;
    let initial = first["refresh_token"].as_str().expect("a refresh token");
    // removed with its `.lock` when the test ends
    let dir = tempfile::Builder::new()
        .prefix("rest-source-config-demo-")
        .tempdir()
        .unwrap();
    let store = dir.path().join("refresh-token.json");
    let config = example_with(
        "oauth2_refresh_token.toml",
        &server,
        &[(".dlt/crm_refresh_token.json", store.to_str().unwrap())],
    );
    assert_eq!(config.secret_keys(), ["client_secret", "refresh_token"]);
    let values = [("client_secret", "demo-secret"), ("refresh_token", initial)];

    let source = config.build(&secrets(&config, &values)).unwrap();
    let all: Vec<u64> = (1..=RECORDS).collect();
    assert_eq!(ids(&collect(&source, "contacts").await), all);
    assert_eq!(ids(&collect(&source, "tickets").await), all);
    // One refresh served both resources, and the rotated token replaced the spent one.
    assert_eq!(server.stats().refresh_grants, 1);
    let stored = std::fs::read_to_string(&store).expect("the store was written");
    assert!(!stored.contains(initial), "the spent token is gone");

    // A restart with the same (now spent) secret: the store's token wins, so it still works.
    let restarted = config.build(&secrets(&config, &values)).unwrap();
    assert_eq!(ids(&collect(&restarted, "contacts").await), all);
    assert_eq!(server.stats().refresh_grants, 2);
    assert_ne!(std::fs::read_to_string(&store).unwrap(), stored);
}
