//! The `rest-source` binary end to end: `check` and `run` against the demo API (records
//! verified in the JSON Lines files), and the exit codes and messages for bad configs,
//! missing secrets and rejected credentials. Secrets reach the child process through its
//! environment only; `HOME` and the working directory point at an empty test folder so no
//! real secrets file is ever read.

use std::path::{Path, PathBuf};
use std::process::Output;

use rest_source_demo::{DemoApi, DemoServer};
use serde_json::Value;

const RECORDS: u64 = 25;

/// A fresh folder for one test (under cargo's per-target temp dir).
fn workdir(test: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("cli")
        .join(test);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Copies an example config into `dir`, pointed at `server`.
fn example_into(dir: &Path, name: &str, server: &DemoServer) -> PathBuf {
    let text = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("examples/configs")
            .join(name),
    )
    .unwrap();
    let path = dir.join(name);
    std::fs::write(&path, text.replace("http://127.0.0.1:8080", server.url())).unwrap();
    path
}

async fn rest_source(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    tokio::process::Command::new(env!("CARGO_BIN_EXE_rest-source"))
        .args(args)
        .current_dir(dir)
        .env_clear()
        .env("HOME", dir)
        .envs(env.iter().copied())
        .output()
        .await
        .expect("the binary runs")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

const CRM_SECRETS: &[(&str, &str)] = &[
    ("SOURCES__CRM__CLIENT_SECRET", "demo-secret"),
    ("SOURCES__CRM__REPORTS_KEY", "demo-report-key"),
];

#[tokio::test]
async fn check_validates_resolves_and_probes_each_auth() {
    let server = DemoApi::new().records(RECORDS).start().await.unwrap();
    let dir = workdir("check_ok");
    example_into(&dir, "oauth2_client_credentials.toml", &server);
    let out = rest_source(
        &dir,
        &["check", "oauth2_client_credentials.toml"],
        CRM_SECRETS,
    )
    .await;
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(
        text(&out.stdout),
        "oauth2_client_credentials.toml: source `crm` is valid: 7 resources, 2 distinct auths, 2 secrets resolved\n\
         ok: `oauth2_client_credentials` auth via resource `contacts` (25 records on the first page)\n\
         ok: `api_key` auth via resource `reports` (24 records on the first page)\n"
    );
    assert_eq!(server.stats().api_requests, 2);
    server.shutdown().await;
}

#[tokio::test]
async fn run_writes_one_json_lines_file_per_resource() {
    let server = DemoApi::new().records(RECORDS).start().await.unwrap();
    let dir = workdir("run_ok");
    example_into(&dir, "oauth2_client_credentials.toml", &server);
    let out = rest_source(
        &dir,
        &["run", "oauth2_client_credentials.toml", "--out", "data"],
        CRM_SECRETS,
    )
    .await;
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));

    let read = |name: &str| -> Vec<Value> {
        std::fs::read_to_string(dir.join("data").join(format!("{name}.jsonl")))
            .unwrap_or_else(|e| panic!("{name}.jsonl: {e}"))
            .lines()
            .map(|line| serde_json::from_str(line).expect("one JSON record per line"))
            .collect()
    };
    let all: Vec<u64> = (1..=RECORDS).collect();
    for name in ["contacts", "events", "tickets", "orders", "users"] {
        let ids: Vec<u64> = read(name)
            .iter()
            .map(|r| r["id"].as_u64().unwrap())
            .collect();
        assert_eq!(ids, all, "{name}");
    }
    assert_eq!(read("reports").len(), 24);
    let notes = read("notes");
    assert!(notes.len() as u64 >= RECORDS);
    assert!(notes.iter().all(|n| n["_contacts_id"] == n["contact_id"]));

    // The summary: one row per resource, then the totals.
    let stdout = text(&out.stdout);
    let rows: Vec<Vec<&str>> = stdout
        .lines()
        .map(|l| l.split_whitespace().collect())
        .collect();
    assert_eq!(rows[0], ["resource", "records", "pages"]);
    assert_eq!(rows[1], ["contacts", "25", "1"]);
    assert_eq!(rows[2], ["notes", &notes.len().to_string(), "25"]);
    assert_eq!(rows[3], ["reports", "24", "1"]);
    let total = 25 * 5 + 24 + notes.len();
    assert_eq!(&rows[8][..3], ["total", &total.to_string(), "31"]);
    assert!(stdout.ends_with("wrote 7 files to data\n"), "{stdout}");
    // Not a terminal: plain progress lines, one per finished resource.
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("contacts: done, 25 records in 1 page\n"),
        "{stderr}"
    );
    assert!(!stderr.contains('\r'), "{stderr:?}");
    server.shutdown().await;
}

#[tokio::test]
async fn run_of_one_resource_writes_only_its_file() {
    let server = DemoApi::new().records(RECORDS).start().await.unwrap();
    let dir = workdir("run_one");
    example_into(&dir, "api_key.toml", &server);
    let out = rest_source(
        &dir,
        &["run", "api_key.toml", "--resource", "reports", "--out=o"],
        &[("SOURCES__REPORTS__API_KEY", "demo-report-key")],
    )
    .await;
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let files: Vec<String> = std::fs::read_dir(dir.join("o"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(files, ["reports.jsonl"]);
    let bad = rest_source(
        &dir,
        &["run", "api_key.toml", "--resource", "report"],
        &[("SOURCES__REPORTS__API_KEY", "demo-report-key")],
    )
    .await;
    assert_eq!(bad.status.code(), Some(2));
    assert_eq!(
        text(&bad.stderr),
        "error: no resource `report` in `api_key.toml`; expected one of `reports`\n"
    );
    server.shutdown().await;
}

#[tokio::test]
async fn secrets_file_option_is_read() {
    let server = DemoApi::new().records(RECORDS).start().await.unwrap();
    let dir = workdir("secrets_file");
    example_into(&dir, "http_basic.toml", &server);
    std::fs::write(
        dir.join("team-secrets.toml"),
        "[sources.basic]\npassword = \"demo-secret\"\n",
    )
    .unwrap();
    let out = rest_source(
        &dir,
        &["check", "http_basic.toml", "--secrets", "team-secrets.toml"],
        &[],
    )
    .await;
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("ok: `http_basic` auth via resource `token_grants`"));
    server.shutdown().await;
}

#[tokio::test]
async fn bad_config_exits_2_with_every_problem() {
    let dir = workdir("bad_config");
    std::fs::write(
        dir.join("crm.toml"),
        "[client]\nbase_url = \"http://127.0.0.1:9/api\"\nauth = { type = \"bearer\", token = \"canary-abc\" }\n\n[[resources]]\nname = \"contacts\"\nendpoint = { path = \"contacts\", paginator = \"jsonlink\" }\n",
    )
    .unwrap();
    let out = rest_source(&dir, &["run", "crm.toml"], &[]).await;
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(text(&out.stdout), "");
    assert_eq!(
        text(&out.stderr),
        "crm.toml: 2 problems in the source config\n\
         crm.toml:3:35: client.auth.token: inline credential: `token` must reference a secret, not hold its value; use `token = { secret = \"token\" }` and put the value in .dlt/secrets.toml under [sources.crm] (or the env var `SOURCES__CRM__TOKEN`)\n\
         crm.toml:7:45: resources[0].endpoint.paginator: unknown paginator type `jsonlink`; did you mean `json_link`?\n"
    );
    assert!(!dir.join("out").exists(), "nothing runs on a bad config");
}

#[tokio::test]
async fn missing_secrets_exit_2_listing_every_key() {
    let server = DemoApi::new().start().await.unwrap();
    let dir = workdir("missing_secrets");
    example_into(&dir, "oauth2_client_credentials.toml", &server);
    let out = rest_source(&dir, &["check", "oauth2_client_credentials.toml"], &[]).await;
    assert_eq!(out.status.code(), Some(2));
    let stderr = text(&out.stderr);
    assert!(
        stderr.starts_with("error: 2 secrets are missing for source `crm`:\n  - `client_secret`, tried in order:\n      env SOURCES__CRM__CLIENT_SECRET\n"),
        "{stderr}"
    );
    assert!(
        stderr.contains("  - `reports_key`, tried in order:\n"),
        "{stderr}"
    );
    assert_eq!(
        server.stats().api_requests + server.stats().token_requests,
        0
    );
    server.shutdown().await;
}

#[tokio::test]
async fn rejected_credentials_exit_1_without_printing_them() {
    let server = DemoApi::new().start().await.unwrap();
    let dir = workdir("rejected");
    example_into(&dir, "api_key.toml", &server);
    let env = [("SOURCES__REPORTS__API_KEY", "canary-wrong-key")];
    let check = rest_source(&dir, &["check", "api_key.toml"], &env).await;
    assert_eq!(check.status.code(), Some(1));
    let stdout = text(&check.stdout);
    assert!(
        stdout.contains(
            "failed: `api_key` auth via resource `reports`: api_key auth failed: GET http://127.0.0.1:"
        ),
        "{stdout}"
    );
    assert!(
        stdout.ends_with(
            "/api/v1/reports was rejected with HTTP 401; check the `api_key` credentials\n"
        ),
        "{stdout}"
    );

    let run = rest_source(&dir, &["run", "api_key.toml"], &env).await;
    assert_eq!(run.status.code(), Some(1));
    let stderr = text(&run.stderr);
    assert!(
        stderr.contains("error: `reports`: api_key auth failed: GET http://127.0.0.1:"),
        "{stderr}"
    );
    for output in [&check.stdout, &check.stderr, &run.stdout, &run.stderr] {
        assert!(!text(output).contains("canary"), "{}", text(output));
    }
    server.shutdown().await;
}

#[tokio::test]
async fn usage_errors_exit_2() {
    let dir = workdir("usage");
    let out = rest_source(&dir, &["fetch", "crm.toml"], &[]).await;
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        text(&out.stderr),
        "error: unknown command `fetch`; expected `check` or `run`\n\nrun `rest-source --help` for usage\n"
    );
    let help = rest_source(&dir, &["--help"], &[]).await;
    assert_eq!(help.status.code(), Some(0));
    assert!(
        text(&help.stdout).starts_with("rest-source: check and run declarative REST API sources")
    );
}

#[tokio::test]
async fn state_file_makes_the_next_run_incremental() {
    let server = DemoApi::new().records(RECORDS).start().await.unwrap();
    let dir = workdir("state");
    example_into(&dir, "oauth2_client_credentials.toml", &server);
    let args = [
        "run",
        "oauth2_client_credentials.toml",
        "--resource",
        "contacts",
        "--state",
        "state.json",
    ];
    let lines = || {
        std::fs::read_to_string(dir.join("out/contacts.jsonl"))
            .unwrap()
            .lines()
            .count()
    };
    let first = rest_source(&dir, &args, CRM_SECRETS).await;
    assert_eq!(first.status.code(), Some(0), "{}", text(&first.stderr));
    assert_eq!(lines(), RECORDS as usize);
    let state: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("state.json")).unwrap()).unwrap();
    assert_eq!(
        state["resources"]["contacts"]["last_value"], "2024-01-01T00:55:00Z",
        "contact 25 was updated 25 + 30 minutes after the epoch"
    );

    // Nothing changed upstream: the second run starts at the saved cursor and loads nothing new.
    let second = rest_source(&dir, &args, CRM_SECRETS).await;
    assert_eq!(second.status.code(), Some(0), "{}", text(&second.stderr));
    assert_eq!(lines(), 0);
    server.shutdown().await;
}

#[tokio::test]
async fn param_option_overrides_a_declared_source_parameter() {
    let server = DemoApi::new().records(RECORDS).start().await.unwrap();
    let dir = workdir("param");
    std::fs::write(
        dir.join("recent.toml"),
        format!(
            r#"name = "crm"
[params]
since = "2024-01-01T00:00:00Z"

[client]
base_url = "{}"
auth = {{ type = "oauth2_client_credentials", access_token_url = "{}", client_id = "demo-client", client_secret = {{ secret = "client_secret" }} }}

[[resources]]
name = "contacts"
endpoint = {{ path = "contacts", data_selector = "results", params = {{ updated_since = "{{since}}" }}, paginator = {{ type = "json_link", next_url_path = "paging.next" }} }}
"#,
            server.base_url(),
            server.token_url()
        ),
    )
    .unwrap();
    let env = [("SOURCES__CRM__CLIENT_SECRET", "demo-secret")];
    let ids = || -> Vec<u64> {
        std::fs::read_to_string(dir.join("out/contacts.jsonl"))
            .unwrap()
            .lines()
            .map(|l| {
                serde_json::from_str::<Value>(l).unwrap()["id"]
                    .as_u64()
                    .unwrap()
            })
            .collect()
    };
    let all = rest_source(&dir, &["run", "recent.toml"], &env).await;
    assert_eq!(all.status.code(), Some(0), "{}", text(&all.stderr));
    assert_eq!(ids(), (1..=RECORDS).collect::<Vec<_>>());

    // Contact n was updated n + 30 minutes after midnight: from 00:50, contacts 20 to 25.
    let recent = rest_source(
        &dir,
        &[
            "run",
            "recent.toml",
            "--param",
            "since=2024-01-01T00:50:00Z",
        ],
        &env,
    )
    .await;
    assert_eq!(recent.status.code(), Some(0), "{}", text(&recent.stderr));
    assert_eq!(ids(), (20..=RECORDS).collect::<Vec<_>>());

    let unknown = rest_source(&dir, &["check", "recent.toml", "--param", "sinse=x"], &env).await;
    assert_eq!(unknown.status.code(), Some(2));
    assert_eq!(
        text(&unknown.stderr),
        "error: unknown source parameter `sinse` in `--param`; expected one of `since`\n"
    );
    server.shutdown().await;
}
