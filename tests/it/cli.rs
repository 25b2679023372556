//! The `rest-source` binary end to end: `check` and `run` against the demo API (records
//! verified in the JSON Lines files), and the exit codes and messages for bad configs,
//! missing secrets and rejected credentials. Secrets reach the child process through its
//! environment only; `HOME` and the working directory point at an empty test folder so no
//! real secrets file is ever read.

use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::Output;

use rest_source_demo::{DemoApi, DemoServer, Faults};
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

async fn rest_source<A: AsRef<OsStr>>(dir: &Path, args: &[A], env: &[(&str, &str)]) -> Output {
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

/// Every entry of `dir`, hidden ones included, sorted.
fn file_names(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

/// The JSON Lines file `path`, one record per line.
fn json_lines(path: &Path) -> Vec<Value> {
    std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .lines()
        .map(|line| serde_json::from_str(line).expect("one JSON record per line"))
        .collect()
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
    let stdout = text(&out.stdout);
    assert!(
        stdout.starts_with(
            "oauth2_client_credentials.toml: source `crm` is valid: 7 resources, 2 distinct auths, 2 secrets resolved\n\
             ok: `oauth2_client_credentials` auth via resource `contacts` (25 records on the first page)\n\
             ok: `api_key` auth via resource `reports` (24 records on the first page)\n"
        ),
        "{stdout}"
    );
    // Then, per resource, the paginator and data selector it will use.
    let lines: Vec<&str> = stdout.lines().skip(3).collect();
    assert_eq!(lines.len(), 7, "{stdout}");
    assert!(
        lines[0].starts_with(
            "resource `contacts`: paginator `json_link` (next_url_path = \"paging.next\""
        ),
        "{stdout}"
    );
    assert!(lines[0].ends_with(", data selector `results`"), "{stdout}");
    assert_eq!(
        lines[2],
        "resource `reports`: paginator `single_page`, data selector `data`"
    );
    assert_eq!(
        lines[6],
        "resource `users`: paginator `header_link` (links_next_key = \"next\"), data selector detected on the first page"
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
    assert_eq!(
        rows[0],
        [
            "resource", "records", "pages", "retries", "tokens", "status", "stopped"
        ]
    );
    // `check` fetched the token, so the run's requests fetch none.
    assert_eq!(
        rows[1],
        ["contacts", "25", "1", "0", "0", "ok", "no", "next", "page"]
    );
    assert_eq!(
        rows[2],
        [
            "notes",
            &notes.len().to_string(),
            "25",
            "0",
            "0",
            "ok",
            "no",
            "next",
            "page"
        ]
    );
    assert_eq!(
        rows[3],
        ["reports", "24", "1", "0", "0", "ok", "no", "next", "page"]
    );
    assert_eq!(
        rows[4],
        ["events", "25", "1", "0", "0", "ok", "total", "reached"]
    );
    // …and its row says so: the token column is true, its total the token requests made.
    assert_eq!(
        rows[8],
        ["(auth", "check)", "-", "-", "0", "1", "ok", "-"],
        "{stdout}"
    );
    let total = 25 * 5 + 24 + notes.len();
    assert_eq!(&rows[9][..3], ["total", &total.to_string(), "31"]);
    assert_eq!(rows[9][4], server.stats().token_requests.to_string());
    assert_eq!(server.stats().token_requests, 1);
    assert!(stdout.ends_with("wrote 7 files to data\n"), "{stdout}");
    // Not a terminal: plain progress lines, one per finished resource.
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("contacts: done, 25 records in 1 page\n"),
        "{stderr}"
    );
    assert!(!stderr.contains(['\r', '\x1b']), "{stderr:?}");
    // Only the finished files: no temporary name is left behind.
    assert_eq!(file_names(&dir.join("data")).len(), 7);
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
    assert_eq!(file_names(&dir.join("o")), ["reports.jsonl"]);
    let quiet = rest_source(
        &dir,
        &["run", "api_key.toml", "--resource", "reports", "-q"],
        &[("SOURCES__REPORTS__API_KEY", "demo-report-key")],
    )
    .await;
    assert_eq!(quiet.status.code(), Some(0));
    assert_eq!(text(&quiet.stderr), "", "-q: no progress lines");
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

/// The `http_basic` example with its `password` left out, or referring to `password_ref`,
/// named `name`.
fn basic_config(dir: &Path, server: &DemoServer, name: &str, password_ref: Option<&str>) {
    let path = example_into(dir, "http_basic.toml", server);
    let text = std::fs::read_to_string(&path).unwrap();
    let password = match password_ref {
        Some(key) => format!(", password = {{ secret = \"{key}\" }}"),
        None => String::new(),
    };
    let text = text
        .replace(", password = { secret = \"password\" }", &password)
        .replace("name = \"basic\"", &format!("name = \"{name}\""));
    assert!(text.contains(&format!("name = \"{name}\"")));
    std::fs::write(path, text).unwrap();
}

#[tokio::test]
async fn a_left_out_password_is_read_from_dlts_credentials_section() {
    let server = DemoApi::new().records(RECORDS).start().await.unwrap();
    let dir = workdir("left_out_password");
    basic_config(&dir, &server, "basic", None);
    std::fs::write(
        dir.join("dlt-secrets.toml"),
        "[sources.rest_api.basic.credentials]\npassword = \"demo-secret\"\n",
    )
    .unwrap();
    let out = rest_source(
        &dir,
        &["check", "http_basic.toml", "--secrets", "dlt-secrets.toml"],
        &[],
    )
    .await;
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("ok: `http_basic` auth via resource `token_grants`"));

    // The env var dlt names beats the file.
    let out = rest_source(
        &dir,
        &["check", "http_basic.toml", "--secrets", "dlt-secrets.toml"],
        &[("CREDENTIALS__PASSWORD", "canary-wrong-password")],
    )
    .await;
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    assert!(!text(&out.stderr).contains("canary"));
    server.shutdown().await;
}

#[tokio::test]
async fn section_option_finds_dlts_documented_github_layout() {
    let server = DemoApi::new().records(RECORDS).start().await.unwrap();
    let dir = workdir("github_layout");
    basic_config(&dir, &server, "github", Some("github_token"));
    std::fs::create_dir_all(dir.join(".dlt")).unwrap();
    std::fs::write(
        dir.join(".dlt/secrets.toml"),
        "[sources.rest_api_pipeline.github]\ngithub_token = \"demo-secret\"\n",
    )
    .unwrap();
    let args = ["check", "http_basic.toml", "--section", "rest_api_pipeline"];
    let out = rest_source(&dir, &args, &[]).await;
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));

    // Without `--section` the default is dlt's `rest_api`: the places tried say so.
    let out = rest_source(&dir, &args[..2], &[]).await;
    assert_eq!(out.status.code(), Some(2));
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains(
            "  - `github_token`, tried in order:\n      env SOURCES__REST_API__GITHUB__GITHUB_TOKEN\n"
        ),
        "{stderr}"
    );
    assert!(
        stderr.contains(".dlt/secrets.toml [sources.github] github_token\n"),
        "{stderr}"
    );
    server.shutdown().await;
}

#[tokio::test]
async fn pipeline_name_and_source_name_options_scope_the_lookup() {
    let server = DemoApi::new().records(RECORDS).start().await.unwrap();
    let dir = workdir("pipeline_name");
    basic_config(&dir, &server, "basic", None);
    let env = [(
        "MY_PIPELINE__SOURCES__REST_API__MYAPI__CREDENTIALS__PASSWORD",
        "demo-secret",
    )];
    let out = rest_source(
        &dir,
        &[
            "check",
            "http_basic.toml",
            "--pipeline-name",
            "my_pipeline",
            "--source-name",
            "myapi",
        ],
        &env,
    )
    .await;
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));

    // Without the pipeline name that env var is not one of the places.
    let out = rest_source(
        &dir,
        &["check", "http_basic.toml", "--source-name", "myapi"],
        &env,
    )
    .await;
    assert_eq!(out.status.code(), Some(2));
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("  - `credentials.password`, tried in order:\n      env SOURCES__REST_API__MYAPI__CREDENTIALS__PASSWORD\n"),
        "{stderr}"
    );
    assert!(!stderr.contains("demo-secret"), "{stderr}");
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
        // dlt's ladder for a REST API source: section `rest_api`, then the compact `sources.crm`.
        stderr.starts_with("error: 2 secrets are missing for source `crm`:\n  - `client_secret`, tried in order:\n      env SOURCES__REST_API__CRM__CLIENT_SECRET\n      env SOURCES__REST_API__CLIENT_SECRET\n      env SOURCES__CRM__CLIENT_SECRET\n      env SOURCES__CLIENT_SECRET\n      env CLIENT_SECRET\n"),
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
        stdout.contains(
            "/api/v1/reports was rejected with HTTP 401; check the `api_key` credentials\n"
        ),
        "{stdout}"
    );

    let run = rest_source(&dir, &["run", "api_key.toml"], &env).await;
    assert_eq!(run.status.code(), Some(1));
    let stderr = text(&run.stderr);
    assert!(
        stderr.starts_with("error: the `api_key` auth (tested through resource `reports`) failed: api_key auth failed: GET http://127.0.0.1:"),
        "{stderr}"
    );
    assert!(!dir.join("out").exists(), "nothing is written");
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
    assert!(
        text(&out.stderr).starts_with("error: unrecognized subcommand 'fetch'\n"),
        "{}",
        text(&out.stderr)
    );
    let typo = rest_source(&dir, &["chek", "crm.toml"], &[]).await;
    assert_eq!(typo.status.code(), Some(2));
    assert!(
        text(&typo.stderr).contains("tip: a similar subcommand exists: 'check'"),
        "{}",
        text(&typo.stderr)
    );
    let option = rest_source(&dir, &["run", "crm.toml", "--stat", "s.json"], &[]).await;
    assert_eq!(option.status.code(), Some(2));
    assert!(
        text(&option.stderr).contains("tip: a similar argument exists: '--state'"),
        "{}",
        text(&option.stderr)
    );
    let only_run = rest_source(&dir, &["check", "crm.toml", "--out", "x"], &[]).await;
    assert_eq!(only_run.status.code(), Some(2));
    assert!(
        text(&only_run.stderr).starts_with("error: unexpected argument '--out' found"),
        "{}",
        text(&only_run.stderr)
    );
    let no_value = rest_source(&dir, &["check", "crm.toml", "--param", "region"], &[]).await;
    assert_eq!(no_value.status.code(), Some(2));
    assert!(
        text(&no_value.stderr)
            .contains("`region` is not NAME=VALUE; expected e.g. `--param region=eu`"),
        "{}",
        text(&no_value.stderr)
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

/// `--state` with a path that is not UTF-8 (legal on Unix) is the state file there: the
/// runtime's `StateStore::open` takes it as a path, as no URL can be such a text.
#[cfg(unix)]
#[tokio::test]
async fn a_state_path_that_is_not_utf8_is_a_state_file() {
    use std::os::unix::ffi::OsStrExt;

    let server = DemoApi::new().records(RECORDS).start().await.unwrap();
    let dir = workdir("state_non_utf8");
    example_into(&dir, "oauth2_client_credentials.toml", &server);
    let state = OsStr::from_bytes(b"st\xffate.json");
    let args = [
        OsStr::new("run"),
        OsStr::new("oauth2_client_credentials.toml"),
        OsStr::new("--resource"),
        OsStr::new("contacts"),
        OsStr::new("--state"),
        state,
    ];
    let out = rest_source(&dir, &args, CRM_SECRETS).await;
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let saved: Value = serde_json::from_slice(&std::fs::read(dir.join(state)).unwrap()).unwrap();
    assert_eq!(
        saved["resources"]["contacts"]["last_value"], "2024-01-01T00:55:00Z",
        "the cursor is saved in the file the path names"
    );
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

#[tokio::test]
async fn help_of_each_command_and_version() {
    let dir = workdir("help");
    let help = rest_source(&dir, &["--help"], &[]).await;
    assert_eq!(help.status.code(), Some(0));
    let stdout = text(&help.stdout);
    assert!(
        stdout.starts_with("rest-source: check and run declarative REST API sources"),
        "{stdout}"
    );
    for command in ["check", "run", "completions"] {
        assert!(stdout.contains(&format!("\n  {command} ")), "{stdout}");
    }
    let check = rest_source(&dir, &["check", "--help"], &[]).await;
    assert_eq!(check.status.code(), Some(0));
    let check = text(&check.stdout);
    assert!(
        check.contains("Usage: rest-source check [OPTIONS] <CONFIG>"),
        "{check}"
    );
    assert!(check.contains("--secrets <FILE>"), "{check}");
    assert!(check.contains("REST_SOURCE_SECRETS"), "{check}");
    assert!(
        !check.contains("--state"),
        "`check` has no `--state`: {check}"
    );
    // `help run` and `run --help` are the same page.
    let run = rest_source(&dir, &["run", "--help"], &[]).await;
    assert_eq!(run.status.code(), Some(0));
    let run = text(&run.stdout);
    for flag in [
        "--out <DIR>",
        "--state <FILE|URL>",
        "--resource <NAME>",
        "--param <NAME=VALUE>",
        "--format <FORMAT>",
        "--report <FILE>",
        "--verbose",
        "--quiet",
    ] {
        assert!(run.contains(flag), "{flag}: {run}");
    }
    assert_eq!(
        text(&rest_source(&dir, &["help", "run"], &[]).await.stdout),
        run
    );
    let completions = rest_source(&dir, &["completions", "--help"], &[]).await;
    assert!(
        text(&completions.stdout)
            .contains("[possible values: bash, elvish, fish, powershell, zsh]"),
        "{}",
        text(&completions.stdout)
    );

    let version = format!("rest-source {}\n", env!("CARGO_PKG_VERSION"));
    for args in [&["--version"][..], &["-V"]] {
        let out = rest_source(&dir, args, &[]).await;
        assert_eq!(out.status.code(), Some(0), "{args:?}");
        assert_eq!(text(&out.stdout), version, "{args:?}");
    }
    let run = rest_source(&dir, &["run", "--version"], &[]).await;
    assert_eq!(run.status.code(), Some(0));
    assert_eq!(
        text(&run.stdout),
        format!("rest-source-run {}\n", env!("CARGO_PKG_VERSION"))
    );
}

#[tokio::test]
async fn completions_for_bash_zsh_and_fish() {
    let dir = workdir("completions");
    let bash = rest_source(&dir, &["completions", "bash"], &[]).await;
    assert_eq!(bash.status.code(), Some(0), "{}", text(&bash.stderr));
    let script = text(&bash.stdout);
    assert!(
        script
            .contains("complete -F _rest__source -o nosort -o bashdefault -o default rest-source"),
        "{script}"
    );
    for word in [
        "check",
        "run",
        "completions",
        "--state",
        "--resource",
        "--format",
    ] {
        assert!(script.contains(word), "{word}: {script}");
    }
    let zsh = rest_source(&dir, &["completions", "zsh"], &[]).await;
    assert_eq!(zsh.status.code(), Some(0));
    assert!(text(&zsh.stdout).starts_with("#compdef rest-source"));
    assert!(text(&zsh.stdout).contains("--resource"));
    let fish = rest_source(&dir, &["completions", "fish"], &[]).await;
    assert_eq!(fish.status.code(), Some(0));
    assert!(text(&fish.stdout).contains("complete -c rest-source"));
    assert!(text(&fish.stdout).contains("-l resource"));
    let unknown = rest_source(&dir, &["completions", "tcsh"], &[]).await;
    assert_eq!(unknown.status.code(), Some(2));
    assert!(
        text(&unknown.stderr).contains("invalid value 'tcsh'"),
        "{}",
        text(&unknown.stderr)
    );
}

#[cfg(unix)]
#[tokio::test]
async fn a_non_utf8_argument_is_a_usage_error_not_a_panic() {
    use std::os::unix::ffi::OsStrExt;

    let dir = workdir("non_utf8");
    let param = OsStr::from_bytes(b"region=\xffeu");
    let out = rest_source(
        &dir,
        &[
            OsStr::new("check"),
            OsStr::new("crm.toml"),
            OsStr::new("--param"),
            param,
        ],
        &[],
    )
    .await;
    assert_eq!(out.status.code(), Some(2));
    let stderr = text(&out.stderr);
    assert!(stderr.contains("invalid UTF-8"), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
}

#[tokio::test]
async fn double_dash_ends_the_options() {
    let server = DemoApi::new().records(RECORDS).start().await.unwrap();
    let dir = workdir("double_dash");
    let config = example_into(&dir, "api_key.toml", &server);
    std::fs::rename(&config, dir.join("--odd.toml")).unwrap();
    let out = rest_source(
        &dir,
        &["check", "--", "--odd.toml"],
        &[("SOURCES__REPORTS__API_KEY", "demo-report-key")],
    )
    .await;
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(text(&out.stdout).starts_with("--odd.toml: source `reports` is valid"));
    server.shutdown().await;
}

/// The output/state ordering, with the failure injected between them: the output cannot be
/// moved into place (its name is taken by a folder). The state must not advance, and no
/// file may look like an extraction; the next run loads the same window again.
#[tokio::test]
async fn an_output_that_cannot_be_completed_saves_no_state_and_the_next_run_repeats() {
    let server = DemoApi::new().records(RECORDS).start().await.unwrap();
    let dir = workdir("output_fails");
    example_into(&dir, "oauth2_client_credentials.toml", &server);
    let args = [
        "run",
        "oauth2_client_credentials.toml",
        "--resource",
        "contacts",
        "--state",
        "state.json",
    ];
    std::fs::create_dir_all(dir.join("out/contacts.jsonl/taken")).unwrap();
    let failed = rest_source(&dir, &args, CRM_SECRETS).await;
    assert_eq!(failed.status.code(), Some(1), "{}", text(&failed.stderr));
    let stderr = text(&failed.stderr);
    assert!(
        stderr
            .contains("error: `contacts`: cannot move the finished output to `out/contacts.jsonl`"),
        "{stderr}"
    );
    assert!(
        !dir.join("state.json").exists(),
        "no state without its output"
    );
    assert_eq!(
        file_names(&dir.join("out")),
        ["contacts.jsonl"],
        "the temporary file is gone"
    );
    assert!(
        dir.join("out/contacts.jsonl").is_dir(),
        "still the blocking folder"
    );

    std::fs::remove_dir_all(dir.join("out/contacts.jsonl")).unwrap();
    let again = rest_source(&dir, &args, CRM_SECRETS).await;
    assert_eq!(again.status.code(), Some(0), "{}", text(&again.stderr));
    assert_eq!(
        json_lines(&dir.join("out/contacts.jsonl")).len(),
        RECORDS as usize,
        "the window is repeated, not skipped"
    );
    assert!(dir.join("state.json").is_file());
    server.shutdown().await;
}

/// The other side: the outputs are complete and on disk, then the state cannot be written
/// (its folder does not exist). The run fails saying so, keeps the outputs, and the next run
/// starts from the old cursor again.
#[tokio::test]
async fn a_state_that_cannot_be_saved_fails_the_run_and_the_next_run_repeats() {
    let server = DemoApi::new().records(RECORDS).start().await.unwrap();
    let dir = workdir("state_fails");
    example_into(&dir, "oauth2_client_credentials.toml", &server);
    let args = [
        "run",
        "oauth2_client_credentials.toml",
        "--resource",
        "contacts",
        "--state",
        "later/state.json",
        "--report",
        "report.json",
    ];
    let failed = rest_source(&dir, &args, CRM_SECRETS).await;
    assert_eq!(failed.status.code(), Some(1), "{}", text(&failed.stderr));
    let stderr = text(&failed.stderr);
    assert!(
        stderr.contains("error: `contacts`: its records are complete in `out/contacts.jsonl`, but could not create the incremental state file `later/state.json`: "),
        "{stderr}"
    );
    assert!(
        stderr.contains("the next run loads the same window again"),
        "{stderr}"
    );
    assert_eq!(
        json_lines(&dir.join("out/contacts.jsonl")).len(),
        RECORDS as usize
    );
    let report: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("report.json")).unwrap()).unwrap();
    assert_eq!(report["status"], "failed");
    assert_eq!(report["resources"][0]["status"], "ok");
    assert_eq!(report["resources"][0]["state_saved"], false);

    std::fs::create_dir(dir.join("later")).unwrap();
    let again = rest_source(&dir, &args, CRM_SECRETS).await;
    assert_eq!(again.status.code(), Some(0), "{}", text(&again.stderr));
    assert_eq!(
        json_lines(&dir.join("out/contacts.jsonl")).len(),
        RECORDS as usize,
        "the window is repeated, not skipped"
    );
    let third = rest_source(&dir, &args, CRM_SECRETS).await;
    assert_eq!(third.status.code(), Some(0), "{}", text(&third.stderr));
    assert_eq!(json_lines(&dir.join("out/contacts.jsonl")).len(), 0);
    server.shutdown().await;
}

#[tokio::test]
async fn a_failed_resource_leaves_no_file_and_the_others_complete() {
    let server = DemoApi::new().records(RECORDS).start().await.unwrap();
    let dir = workdir("resource_fails");
    std::fs::write(
        dir.join("crm.toml"),
        format!(
            r#"name = "crm"
[client]
base_url = "{}"
auth = {{ type = "api_key", name = "X-Report-Key", location = "header", api_key = {{ secret = "reports_key" }} }}

[[resources]]
name = "reports"
endpoint = {{ path = "reports", data_selector = "data", paginator = "single_page" }}

[[resources]]
name = "missing"
endpoint = {{ path = "no-such-collection", paginator = "single_page" }}
"#,
            server.base_url()
        ),
    )
    .unwrap();
    let out = rest_source(
        &dir,
        &["run", "crm.toml", "--report", "report.json"],
        &[("SOURCES__CRM__REPORTS_KEY", "demo-report-key")],
    )
    .await;
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    assert_eq!(file_names(&dir.join("out")), ["reports.jsonl"]);
    assert_eq!(json_lines(&dir.join("out/reports.jsonl")).len(), 24);
    let rows: Vec<Vec<String>> = text(&out.stdout)
        .lines()
        .map(|l| l.split_whitespace().map(str::to_owned).collect())
        .collect();
    assert_eq!(&rows[1][..6], ["reports", "24", "1", "0", "0", "ok"]);
    assert_eq!(rows[2], ["missing", "0", "0", "0", "0", "failed", "error"]);
    assert!(text(&out.stdout).ends_with("wrote 1 file to out\n"));
    assert!(
        text(&out.stderr).contains("error: `missing`: "),
        "{}",
        text(&out.stderr)
    );
    let report: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("report.json")).unwrap()).unwrap();
    assert_eq!(report["resources"][1]["resource"], "missing");
    assert_eq!(report["resources"][1]["status"], "failed");
    assert!(report["resources"][1].get("output").is_none());
    assert!(
        report["resources"][1]["error"]
            .as_str()
            .unwrap()
            .contains("404")
    );
    server.shutdown().await;
}

/// A rejected client secret is shared by six resources: it is tested once, said once, and
/// nothing is requested from the API with it or written.
#[tokio::test]
async fn run_tests_each_auth_once_before_writing_anything() {
    let server = DemoApi::new().records(RECORDS).start().await.unwrap();
    let dir = workdir("auth_first");
    example_into(&dir, "oauth2_client_credentials.toml", &server);
    let out = rest_source(
        &dir,
        &[
            "run",
            "oauth2_client_credentials.toml",
            "--report",
            "report.json",
        ],
        &[
            ("SOURCES__CRM__CLIENT_SECRET", "canary-wrong-secret"),
            ("SOURCES__CRM__REPORTS_KEY", "demo-report-key"),
        ],
    )
    .await;
    assert_eq!(out.status.code(), Some(1));
    let stderr = text(&out.stderr);
    let errors: Vec<&str> = stderr.lines().filter(|l| l.starts_with("error:")).collect();
    assert_eq!(errors.len(), 1, "{stderr}");
    assert!(
        errors[0].starts_with(
            "error: the `oauth2_client_credentials` auth (tested through resource `contacts`) failed: "
        ),
        "{stderr}"
    );
    assert!(
        stderr.ends_with("nothing was written; `rest-source check` tests the credentials again\n")
    );
    assert!(!stderr.contains("canary"), "{stderr}");
    assert_eq!(text(&out.stdout), "");
    assert!(!dir.join("out").exists());
    let stats = server.stats();
    assert_eq!(
        stats.token_requests, 1,
        "one token request for the one auth"
    );
    assert_eq!(
        stats.api_requests, 1,
        "only the api_key probe reached the API"
    );
    let report: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("report.json")).unwrap()).unwrap();
    assert_eq!(report["status"], "failed");
    assert_eq!(report["auth_checks"][0]["ok"], false);
    assert_eq!(report["auth_checks"][1]["ok"], true);
    assert_eq!(report["resources"].as_array().unwrap().len(), 7);
    assert!(
        report["resources"]
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r["status"] == "not_run")
    );
    server.shutdown().await;
}

#[tokio::test]
async fn out_dash_streams_json_lines_to_stdout() {
    let server = DemoApi::new().records(RECORDS).start().await.unwrap();
    let dir = workdir("stdout");
    example_into(&dir, "oauth2_client_credentials.toml", &server);
    let out = rest_source(
        &dir,
        &[
            "run",
            "oauth2_client_credentials.toml",
            "--resource",
            "contacts",
            "--out",
            "-",
        ],
        CRM_SECRETS,
    )
    .await;
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let ids: Vec<u64> = text(&out.stdout)
        .lines()
        .map(|l| {
            serde_json::from_str::<Value>(l).unwrap()["id"]
                .as_u64()
                .unwrap()
        })
        .collect();
    assert_eq!(ids, (1..=RECORDS).collect::<Vec<_>>());
    // The summary moves to stderr; no folder is made.
    let stderr = text(&out.stderr);
    let rows: Vec<Vec<&str>> = stderr
        .lines()
        .map(|l| l.split_whitespace().collect())
        .collect();
    assert!(
        rows.iter()
            .any(|r| r[..] == ["contacts", "25", "1", "0", "0", "ok", "no", "next", "page"]),
        "{stderr}"
    );
    assert!(stderr.ends_with("wrote 1 resource to stdout\n"), "{stderr}");
    assert!(!dir.join("-").exists() && !dir.join("out").exists());
    server.shutdown().await;
}

#[tokio::test]
async fn format_json_writes_one_array_per_resource() {
    let server = DemoApi::new().records(RECORDS).start().await.unwrap();
    let dir = workdir("format_json");
    example_into(&dir, "oauth2_client_credentials.toml", &server);
    let args = |out: &'static str| {
        [
            "run",
            "oauth2_client_credentials.toml",
            "--resource",
            "reports",
            "--resource",
            "contacts",
            "--format",
            "json",
            "--out",
            out,
        ]
    };
    let files = rest_source(&dir, &args("data"), CRM_SECRETS).await;
    assert_eq!(files.status.code(), Some(0), "{}", text(&files.stderr));
    assert_eq!(
        file_names(&dir.join("data")),
        ["contacts.json", "reports.json"]
    );
    let array = |name: &str| -> Vec<Value> {
        serde_json::from_str(&std::fs::read_to_string(dir.join("data").join(name)).unwrap())
            .unwrap()
    };
    assert_eq!(array("reports.json").len(), 24);
    assert_eq!(array("contacts.json").len(), RECORDS as usize);

    // On stdout: the arrays one after the other, in the order asked for.
    let stdout = rest_source(&dir, &args("-"), CRM_SECRETS).await;
    assert_eq!(stdout.status.code(), Some(0), "{}", text(&stdout.stderr));
    let arrays: Vec<Vec<Value>> = serde_json::Deserializer::from_slice(&stdout.stdout)
        .into_iter()
        .collect::<Result<_, _>>()
        .unwrap();
    let lens: Vec<usize> = arrays.iter().map(Vec::len).collect();
    assert_eq!(lens, [24, RECORDS as usize]);
    server.shutdown().await;
}

#[tokio::test]
async fn verbose_shows_a_retry() {
    // The 2nd API request (the first of the run, after the auth probe) is answered 429.
    let server = DemoApi::new()
        .records(RECORDS)
        .faults(Faults::none().rate_limit_every(2).retry_after_secs(0))
        .start()
        .await
        .unwrap();
    let dir = workdir("verbose");
    example_into(&dir, "api_key.toml", &server);
    let env = [("SOURCES__REPORTS__API_KEY", "demo-report-key")];
    let out = rest_source(&dir, &["run", "api_key.toml", "-v"], &env).await;
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let stderr = text(&out.stderr);
    let retry = stderr
        .lines()
        .find(|l| l.contains(" INFO ") && l.contains("retrying"))
        .unwrap_or_else(|| panic!("no retry logged: {stderr}"));
    assert!(retry.contains("429"), "{retry}");
    assert!(retry.contains("/api/v1/reports"), "{retry}");
    assert!(!stderr.contains(['\r', '\x1b']), "{stderr:?}");

    server.reset_stats();
    let quiet = rest_source(&dir, &["run", "api_key.toml"], &env).await;
    assert_eq!(quiet.status.code(), Some(0), "{}", text(&quiet.stderr));
    assert!(
        !text(&quiet.stderr).contains("retrying"),
        "{}",
        text(&quiet.stderr)
    );
    assert!(
        server.stats().rate_limited >= 1,
        "the fault was hit without -v too"
    );
    server.shutdown().await;
}

#[tokio::test]
async fn verbose_shows_retry_after_waits_token_refreshes_and_detections() {
    // The run's first request is answered 429 with `Retry-After: 1`; the token lives 1 s, so
    // after that wait it is fetched again. No paginator and no data selector: both detected.
    let server = DemoApi::new()
        .records(RECORDS)
        .token_ttl(std::time::Duration::from_secs(1))
        .faults(Faults::none().rate_limit_every(2).retry_after_secs(1))
        .start()
        .await
        .unwrap();
    let dir = workdir("verbose_decisions");
    std::fs::write(
        dir.join("crm.toml"),
        format!(
            r#"name = "crm"

[client]
base_url = "{url}/api/v1"

[client.auth]
type = "oauth2_client_credentials"
access_token_url = "{url}/oauth/token"
client_id = "demo-client"
client_secret = {{ secret = "client_secret" }}

[[resources]]
name = "contacts"
endpoint = {{ path = "contacts", params = {{ limit = 100 }}, paginator = "auto" }}
"#,
            url = server.url()
        ),
    )
    .unwrap();
    let out = rest_source(&dir, &["run", "crm.toml", "-v"], CRM_SECRETS).await;
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    let info = |needle: &str| {
        stderr
            .lines()
            .find(|l| l.contains(" INFO ") && l.contains(needle))
            .unwrap_or_else(|| panic!("no `{needle}` at -v: {stderr}"))
            .to_owned()
    };
    let retry = info("retrying");
    assert!(retry.contains("429"), "{retry}");
    assert!(
        retry.contains("wait_ms=1000"),
        "the Retry-After wait: {retry}"
    );
    assert!(
        stderr.matches("fetched token").count() >= 2,
        "the fetch and the refresh: {stderr}"
    );
    assert!(info("auto pagination").contains("json_link"), "{stderr}");
    assert!(info("record detection").contains("results"), "{stderr}");
    // The token column counts both fetches, where they happened.
    let stdout = text(&out.stdout);
    let total: Vec<&str> = stdout
        .lines()
        .find(|l| l.starts_with("total"))
        .unwrap()
        .split_whitespace()
        .collect();
    assert_eq!(
        total[4],
        server.stats().token_requests.to_string(),
        "{stdout}"
    );
    server.shutdown().await;
}

#[tokio::test]
async fn run_goes_through_the_configs_proxy() {
    use wiremock::matchers::{method, path};
    use wiremock::{Mock, MockServer, ResponseTemplate};
    // A "proxy" that answers for a host that does not exist: only through it can the run
    // reach the API (and no DNS query is made for it).
    let proxy = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/v1/items"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(serde_json::json!({"data": [{"id": 1}, {"id": 2}]})),
        )
        .mount(&proxy)
        .await;
    let dir = workdir("config_proxy");
    std::fs::write(
        dir.join("api.toml"),
        format!(
            r#"[client]
base_url = "http://api.example.test/v1"
proxy = "{}"

[[resources]]
name = "items"
endpoint = {{ path = "items", data_selector = "data", paginator = "single_page" }}
"#,
            proxy.uri()
        ),
    )
    .unwrap();
    let out = rest_source(&dir, &["run", "api.toml"], &[]).await;
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(json_lines(&dir.join("out/items.jsonl")).len(), 2);
    let seen = proxy.received_requests().await.unwrap();
    assert_eq!(seen.len(), 2, "the auth check and the run");
    assert!(
        seen.iter()
            .all(|r| r.url.as_str() == "http://api.example.test/v1/items"),
        "{seen:?}"
    );
}

#[tokio::test]
async fn trace_logs_carry_no_secret() {
    let server = DemoApi::new()
        .records(RECORDS)
        .client_credentials("demo-client", "canary-client-secret")
        .api_key("canary-report-key")
        .start()
        .await
        .unwrap();
    let dir = workdir("trace");
    example_into(&dir, "oauth2_client_credentials.toml", &server);
    let out = rest_source(
        &dir,
        &["run", "oauth2_client_credentials.toml"],
        &[
            ("SOURCES__CRM__CLIENT_SECRET", "canary-client-secret"),
            ("SOURCES__CRM__REPORTS_KEY", "canary-report-key"),
            ("RUST_LOG", "trace"),
        ],
    )
    .await;
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let stderr = text(&out.stderr);
    // Trace level really is on: the runtime's requests and hyper's connection events.
    assert!(stderr.contains("sending request"), "{stderr}");
    assert!(stderr.contains("TRACE"), "{stderr}");
    assert!(stderr.contains("fetched token"), "{stderr}");
    for output in [&stderr, &text(&out.stdout)] {
        assert!(!output.contains("canary"), "a secret was logged");
        // The demo's access tokens are `at_<n>_<hex>`.
        assert!(!output.contains("at_1_"), "an access token was logged");
    }
    server.shutdown().await;
}

/// An auth used only by a child is probed through the child, which pages its incremental
/// parent: the run must still see the parent's whole window.
#[tokio::test]
async fn probing_a_child_only_auth_does_not_shorten_the_run() {
    let server = DemoApi::new().records(RECORDS).start().await.unwrap();
    let dir = workdir("child_probe");
    let auth = format!(
        r#"type = "oauth2_client_credentials", access_token_url = "{}", client_id = "demo-client", client_secret = {{ secret = "client_secret" }}"#,
        server.token_url()
    );
    std::fs::write(
        dir.join("crm.toml"),
        format!(
            r#"name = "crm"
[client]
base_url = "{}"
auth = {{ {auth} }}

[[resources]]
name = "contacts"
primary_key = "id"
endpoint = {{ path = "contacts", data_selector = "results", params = {{ updated_since = {{ type = "incremental", cursor_path = "updated_at", initial_value = "2024-01-01T00:00:00Z" }} }}, paginator = {{ type = "json_link", next_url_path = "paging.next" }} }}

[[resources]]
name = "notes"
endpoint = {{ path = "contacts/{{resources.contacts.id}}/notes", data_selector = "results", paginator = "single_page", auth = {{ {auth}, scope = "contacts:read" }} }}
"#,
            server.base_url()
        ),
    )
    .unwrap();
    let check = rest_source(
        &dir,
        &["check", "crm.toml"],
        &[("SOURCES__CRM__CLIENT_SECRET", "demo-secret")],
    )
    .await;
    assert!(
        text(&check.stdout).contains("auth via resource `notes`"),
        "the second auth is probed through the child: {}",
        text(&check.stdout)
    );
    let out = rest_source(
        &dir,
        &["run", "crm.toml", "--resource", "notes"],
        &[("SOURCES__CRM__CLIENT_SECRET", "demo-secret")],
    )
    .await;
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let notes = json_lines(&dir.join("out/notes.jsonl"));
    let mut contacts: Vec<u64> = notes
        .iter()
        .map(|n| n["contact_id"].as_u64().unwrap())
        .collect();
    contacts.dedup();
    assert_eq!(
        contacts,
        (1..=RECORDS).collect::<Vec<_>>(),
        "notes of every contact"
    );
    server.shutdown().await;
}

/// A real crash: the CLI is killed while a resource is being written. Nothing that looks like
/// an extraction is left (only the hidden partial file), the state did not move, and the next
/// run loads the whole window.
#[tokio::test]
async fn killed_mid_run_leaves_no_extraction_and_the_next_run_repeats() {
    let server = DemoApi::new()
        .records(RECORDS)
        .faults(Faults::none().latency(std::time::Duration::from_millis(2000)))
        .start()
        .await
        .unwrap();
    let dir = workdir("killed");
    example_into(&dir, "oauth2_client_credentials.toml", &server);
    let args = [
        "run",
        "oauth2_client_credentials.toml",
        "--resource",
        "contacts",
        "--state",
        "state.json",
    ];
    let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_rest-source"))
        .args(args)
        .current_dir(&dir)
        .env_clear()
        .env("HOME", &dir)
        .envs(CRM_SECRETS.iter().copied())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    // The partial file appears once the auth probe passed, while the first page is on its
    // way (each API response takes 2 s): kill the process then.
    let partial = dir.join("out/.contacts.jsonl.partial");
    let mut waited = 0;
    while !partial.exists() {
        assert!(waited < 1200, "the run never started writing");
        assert!(
            child.try_wait().unwrap().is_none(),
            "the run ended too early"
        );
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
        waited += 1;
    }
    child.kill().await.unwrap();
    assert_eq!(file_names(&dir.join("out")), [".contacts.jsonl.partial"]);
    assert!(!dir.join("state.json").exists());

    server.set_faults(Faults::none());
    let again = rest_source(&dir, &args, CRM_SECRETS).await;
    assert_eq!(again.status.code(), Some(0), "{}", text(&again.stderr));
    assert_eq!(file_names(&dir.join("out")), ["contacts.jsonl"]);
    assert_eq!(
        json_lines(&dir.join("out/contacts.jsonl")).len(),
        RECORDS as usize
    );
    server.shutdown().await;
}

/// A child's records depend on its parent's window: when the child fails, the parent's
/// cursor stays where it was, so the next run fetches those parents (and their children)
/// again.
#[tokio::test]
async fn a_failed_child_keeps_its_parents_state() {
    let server = DemoApi::new().records(RECORDS).start().await.unwrap();
    let dir = workdir("child_fails");
    std::fs::write(
        dir.join("crm.toml"),
        format!(
            r#"name = "crm"
[client]
base_url = "{}"
auth = {{ type = "oauth2_client_credentials", access_token_url = "{}", client_id = "demo-client", client_secret = {{ secret = "client_secret" }} }}

[[resources]]
name = "contacts"
primary_key = "id"
endpoint = {{ path = "contacts", data_selector = "results", params = {{ updated_since = {{ type = "incremental", cursor_path = "updated_at", initial_value = "2024-01-01T00:00:00Z" }} }}, paginator = {{ type = "json_link", next_url_path = "paging.next" }} }}

[[resources]]
name = "notes"
endpoint = {{ path = "contacts/{{resources.contacts.id}}/no-such-notes", paginator = "single_page" }}
"#,
            server.base_url(),
            server.token_url()
        ),
    )
    .unwrap();
    let env = [("SOURCES__CRM__CLIENT_SECRET", "demo-secret")];
    let args = ["run", "crm.toml", "--state", "state.json"];
    let out = rest_source(&dir, &args, &env).await;
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains(
            "warning: `contacts`: incremental state not saved because its child `notes` failed; the next run loads this window again"
        ),
        "{stderr}"
    );
    assert_eq!(file_names(&dir.join("out")), ["contacts.jsonl"]);
    assert!(!dir.join("state.json").exists());

    let again = rest_source(
        &dir,
        &[
            "run",
            "crm.toml",
            "--state",
            "state.json",
            "--resource",
            "contacts",
        ],
        &env,
    )
    .await;
    assert_eq!(again.status.code(), Some(0), "{}", text(&again.stderr));
    assert_eq!(
        json_lines(&dir.join("out/contacts.jsonl")).len(),
        RECORDS as usize
    );
    server.shutdown().await;
}

#[tokio::test]
async fn report_file_has_the_run_report_of_each_resource() {
    let server = DemoApi::new().records(RECORDS).start().await.unwrap();
    let dir = workdir("report_fields");
    example_into(&dir, "oauth2_client_credentials.toml", &server);
    let out = rest_source(
        &dir,
        &[
            "run",
            "oauth2_client_credentials.toml",
            "--report",
            "report.json",
        ],
        CRM_SECRETS,
    )
    .await;
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let report: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("report.json")).unwrap()).unwrap();
    let resources = report["resources"].as_array().unwrap();
    let by_name = |name: &str| {
        resources
            .iter()
            .find(|r| r["resource"] == name)
            .unwrap_or_else(|| panic!("no `{name}` in {report:#}"))
    };
    // (resource, stop reason, requests, data selector, detected, paginator)
    let expected = [
        ("contacts", "no_next_page", 1, "results", false, "json_link"),
        (
            "notes",
            "no_next_page",
            RECORDS,
            "results",
            false,
            "json_link",
        ),
        ("reports", "no_next_page", 1, "data", false, "single_page"),
        ("events", "total_reached", 1, "items", false, "offset"),
    ];
    for (name, stop, requests, selector, detected, paginator) in expected {
        let r = by_name(name);
        assert_eq!(r["status"], "ok", "{r:#}");
        assert_eq!(r["stop_reason"], stop, "{r:#}");
        assert_eq!(r["requests"], requests, "{r:#}");
        assert_eq!(r["data_selector"], selector, "{r:#}");
        assert_eq!(r["data_selector_detected"], detected, "{r:#}");
        assert_eq!(r["paginator"], paginator, "{r:#}");
        assert_eq!(r["retries"], serde_json::json!({}), "{r:#}");
        assert_eq!(r["token_fetches"], 0, "{r:#}");
        assert_eq!(r["warnings"], serde_json::json!([]), "{r:#}");
    }
    assert_eq!(by_name("notes")["stops"]["no_next_page"], RECORDS);
    assert_eq!(by_name("events")["total"], RECORDS);
    // Every resource says why it stopped and which selector it used, given or detected.
    for r in resources {
        assert!(r["stop_reason"].is_string(), "{r:#}");
        assert!(r["data_selector"].is_string(), "{r:#}");
        assert!(r["requests"].as_u64().unwrap() >= 1, "{r:#}");
    }
    server.shutdown().await;
}

#[tokio::test]
async fn report_counts_retries_by_status() {
    // The 2nd API request (the first of the run, after the auth probe) is answered 429.
    let server = DemoApi::new()
        .records(RECORDS)
        .faults(Faults::none().rate_limit_every(2).retry_after_secs(0))
        .start()
        .await
        .unwrap();
    let dir = workdir("report_retries");
    example_into(&dir, "api_key.toml", &server);
    let env = [("SOURCES__REPORTS__API_KEY", "demo-report-key")];
    let out = rest_source(
        &dir,
        &["run", "api_key.toml", "--report", "report.json"],
        &env,
    )
    .await;
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let report: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("report.json")).unwrap()).unwrap();
    let r = &report["resources"][0];
    assert_eq!(r["retries"], serde_json::json!({"429": 1}), "{r:#}");
    assert_eq!(r["requests"], 2, "{r:#}");
    // The summary row and the progress line show it too.
    let stdout = text(&out.stdout);
    let row: Vec<&str> = stdout.lines().nth(1).unwrap().split_whitespace().collect();
    assert_eq!(
        &row[..6],
        ["reports", "24", "1", "1", "0", "ok"],
        "{stdout}"
    );
    assert!(
        text(&out.stderr).contains("reports: done, 24 records in 1 page, 1 retry\n"),
        "{}",
        text(&out.stderr)
    );
    server.shutdown().await;
}

/// A server whose `total` says 5 events but which serves 3: the first page has 3, the next
/// is empty.
async fn short_of_its_total() -> wiremock::MockServer {
    use wiremock::matchers::{method, path, query_param};
    use wiremock::{Mock, MockServer, ResponseTemplate};
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/events"))
        .and(query_param("offset", "0"))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({
            "items": [{"id": 1}, {"id": 2}, {"id": 3}],
            "total": 5
        })))
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/events"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(serde_json::json!({"items": [], "total": 5})),
        )
        .with_priority(10)
        .mount(&server)
        .await;
    server
}

fn short_config(dir: &Path, server: &wiremock::MockServer, completeness: &str) {
    std::fs::write(
        dir.join("events.toml"),
        format!(
            r#"name = "events"
[client]
base_url = "{}"

[[resources]]
name = "events"
{completeness}
endpoint = {{ path = "events", data_selector = "items", paginator = {{ type = "offset", limit = 10, total_path = "total" }} }}
"#,
            server.uri()
        ),
    )
    .unwrap();
}

#[tokio::test]
async fn a_total_the_server_does_not_serve_fails_the_resource() {
    let server = short_of_its_total().await;
    let dir = workdir("incomplete_fails");
    short_config(&dir, &server, "");
    let out = rest_source(
        &dir,
        &["run", "events.toml", "--report", "report.json"],
        &[],
    )
    .await;
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains(
            "error: `events`: resource `events` is incomplete: the server stated 5 records but 3 were received"
        ),
        "{stderr}"
    );
    // No file that looks like a complete extraction.
    assert_eq!(file_names(&dir.join("out")), Vec::<String>::new());
    let report: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("report.json")).unwrap()).unwrap();
    let r = &report["resources"][0];
    assert_eq!(r["status"], "failed", "{r:#}");
    assert_eq!(r["total"], 5, "{r:#}");
    assert_eq!(r["records"], 3, "{r:#}");
    assert!(
        r["error"].as_str().unwrap().contains("is incomplete"),
        "{r:#}"
    );
}

#[tokio::test]
async fn completeness_warn_exits_0_with_a_warning_line_and_the_warning_in_the_report() {
    let server = short_of_its_total().await;
    let dir = workdir("incomplete_warns");
    short_config(&dir, &server, r#"completeness = "warn""#);
    let out = rest_source(
        &dir,
        &["run", "events.toml", "--report", "report.json"],
        &[],
    )
    .await;
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    let warning = stderr
        .lines()
        .find(|l| l.starts_with("warning: "))
        .unwrap_or_else(|| panic!("no warning line: {stderr}"));
    assert!(
        warning.contains(
            "resource `events` is incomplete: the server stated 5 records but 3 were received"
        ),
        "{warning}"
    );
    // Said once: not again by the runtime's own log event.
    assert_eq!(stderr.matches("3 were received").count(), 1, "{stderr}");
    assert!(!stderr.contains("differ from the total"), "{stderr}");
    assert_eq!(json_lines(&dir.join("out/events.jsonl")).len(), 3);
    let report: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("report.json")).unwrap()).unwrap();
    let r = &report["resources"][0];
    assert_eq!(r["status"], "ok", "{r:#}");
    assert_eq!(r["stop_reason"], "empty_page", "{r:#}");
    assert_eq!(r["total"], 5, "{r:#}");
    let warnings = r["warnings"].as_array().unwrap();
    assert_eq!(warnings.len(), 1, "{r:#}");
    assert!(
        warnings[0]
            .as_str()
            .unwrap()
            .contains("stated 5 records but 3 were received"),
        "{r:#}"
    );
}

/// The records of `<dir>/<stem>.jsonl` files, sorted as JSON texts.
fn sorted_records(dir: &Path, stems: &[String]) -> Vec<String> {
    let mut texts: Vec<String> = stems
        .iter()
        .flat_map(|stem| json_lines(&dir.join(format!("{stem}.jsonl"))))
        .map(|record| record.to_string())
        .collect();
    texts.sort();
    texts
}

#[tokio::test]
async fn partitioned_runs_add_up_to_the_whole_run_with_their_own_files_and_state() {
    let server = DemoApi::new().records(RECORDS).start().await.unwrap();
    let dir = workdir("partition");
    example_into(&dir, "oauth2_client_credentials.toml", &server);
    let args = |extra: &[&str]| -> Vec<String> {
        [
            "run",
            "oauth2_client_credentials.toml",
            "--resource",
            "contacts",
            "--resource",
            "notes",
            "--resource",
            "events",
        ]
        .iter()
        .chain(extra)
        .map(|s| s.to_string())
        .collect()
    };
    let whole = rest_source(&dir, &args(&["--out", "whole"]), CRM_SECRETS).await;
    assert_eq!(whole.status.code(), Some(0), "{}", text(&whole.stderr));
    let mut stdouts = Vec::new();
    for i in 0..2 {
        let share = format!("{i}/2");
        let report = format!("report-{i}.json");
        let extra = [
            "--out",
            "shares",
            "--partition",
            &share,
            "--state",
            "state.json",
            "--report",
            &report,
        ];
        let out = rest_source(&dir, &args(&extra), CRM_SECRETS).await;
        assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
        stdouts.push(text(&out.stdout));
    }
    // Each share's own files; the one that cannot be split only in share 0.
    assert_eq!(
        file_names(&dir.join("shares")),
        [
            "contacts.part-0-of-2.jsonl",
            "events.part-0-of-2.jsonl",
            "events.part-1-of-2.jsonl",
            "notes.part-0-of-2.jsonl",
            "notes.part-1-of-2.jsonl",
        ]
    );
    for name in ["contacts", "notes", "events"] {
        let parts: Vec<String> = ["0", "1"]
            .iter()
            .map(|i| format!("{name}.part-{i}-of-2"))
            .filter(|stem| dir.join("shares").join(format!("{stem}.jsonl")).exists())
            .collect();
        let union = sorted_records(&dir.join("shares"), &parts);
        let mut distinct = union.clone();
        distinct.dedup();
        assert_eq!(
            distinct.len(),
            union.len(),
            "`{name}`: a record in both shares"
        );
        assert_eq!(
            union,
            sorted_records(&dir.join("whole"), &[name.to_owned()]),
            "`{name}`: the shares are not the whole"
        );
    }
    // The table says which share ran and how each resource was split.
    let line = |name: &str, says: &str| {
        stdouts[1]
            .lines()
            .any(|l| l.starts_with(&format!("{name} ")) && l.contains(says))
    };
    assert!(line("contacts", "  skipped  "), "{}", stdouts[1]);
    assert!(
        line("contacts", "share 1/2: skipped: share 0 runs it whole"),
        "{}",
        stdouts[1]
    );
    assert!(
        line("notes", "share 1/2: parents by hash"),
        "{}",
        stdouts[1]
    );
    assert!(
        line("events", "share 1/2: pages 1..1 of 1"),
        "{}",
        stdouts[1]
    );
    // So does the report.
    let report: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("report-1.json")).unwrap()).unwrap();
    assert_eq!(report["partition"], "1/2");
    let resource = |name: &str| {
        report["resources"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["resource"] == name)
            .unwrap()
            .clone()
    };
    assert_eq!(resource("contacts")["status"], "skipped");
    assert_eq!(resource("contacts")["partition"]["split"], "skipped");
    assert!(resource("contacts").get("output").is_none());
    assert_eq!(resource("notes")["partition"]["split"], "parents");
    assert_eq!(resource("notes")["partition"]["share"], "1/2");
    assert_eq!(resource("notes")["partition"]["parents_seen"], RECORDS);
    assert_eq!(resource("events")["partition"]["split"], "pages");
    // A split child's state is its share's; the parent run whole keeps its own key.
    let state: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("state.json")).unwrap()).unwrap();
    let keys: Vec<&String> = state["resources"].as_object().unwrap().keys().collect();
    assert_eq!(keys, ["contacts", "notes#0/2", "notes#1/2"]);
    server.shutdown().await;
}

#[tokio::test]
async fn a_bad_partition_exits_2_saying_how_to_write_it() {
    let dir = workdir("bad_partition");
    std::fs::write(
        dir.join("s.toml"),
        "[client]\nbase_url = \"http://127.0.0.1:9\"\n[[resources]]\nname = \"a\"\nendpoint = { path = \"a\" }\n",
    )
    .unwrap();
    for (share, says) in [
        ("4/4", "the index of 4 shares is 0 to 3"),
        ("0/0", "cannot be split into 0 shares"),
        ("x", "expected `I/N`: the zero-based index of this share"),
    ] {
        let out = rest_source(&dir, &["run", "s.toml", "--partition", share], &[]).await;
        assert_eq!(out.status.code(), Some(2), "{share}");
        let stderr = text(&out.stderr);
        assert!(stderr.contains(says), "{share}: {stderr}");
        assert!(stderr.contains("--partition"), "{share}: {stderr}");
    }
    // The same from the environment, for orchestrators that set it there.
    let out = rest_source(
        &dir,
        &["run", "s.toml"],
        &[("REST_SOURCE_PARTITION", "2/2")],
    )
    .await;
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("the index of 2 shares is 0 to 1"),
        "{}",
        text(&out.stderr)
    );
}
