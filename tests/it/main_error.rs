//! An error returned from `main` (`fn main() -> rest_source::Result<()>`) prints the readable
//! text the README shows: `Error: ` and the message, then its causes — not a `Debug` dump of
//! nested structs, and never a secret.
//!
//! Each case re-runs this test binary with one `child` test selected and an environment
//! variable naming the case; the child hands its `main`'s result to
//! [`std::process::Termination::report`], the function the standard library calls on the
//! value `main` returns, so its stderr is what a user's binary prints.

use std::process::{Command, Termination};

const CASE: &str = "REST_SOURCE_MAIN_ERROR_CASE";
const KEY: &str = "main-error-canary-9d41";

/// The full name of the `child` test, in whichever binary or module this file is compiled.
fn child_name() -> String {
    match module_path!().split_once("::") {
        Some((_, module)) => format!("{module}::child"),
        None => "child".to_owned(),
    }
}

/// Runs `case` in a child process; its exit code and stderr.
fn run_main(case: &str) -> (Option<i32>, String) {
    let out = Command::new(std::env::current_exe().unwrap())
        .args(["--exact", &child_name(), "--ignored", "--nocapture"])
        .env(CASE, case)
        .output()
        .unwrap();
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// A user's `main`: the case named by the environment.
async fn user_main(case: &str) -> rest_source::Result<()> {
    match case {
        "secrets" => {
            let secrets = rest_source::SecretResolver::for_source("crm")
                .without_env()
                .with_project_dir(std::env::temp_dir().join("rest-source-main-error-none"))
                .with_home_dir(std::env::temp_dir().join("rest-source-main-error-none"));
            secrets.get("client_secret")?;
            Ok(())
        }
        "transport" => {
            // Connections to a bound, never-listening socket are refused.
            let socket = tokio::net::TcpSocket::new_v4().unwrap();
            socket.bind("127.0.0.1:0".parse().unwrap()).unwrap();
            let port = socket.local_addr().unwrap().port();
            let client = rest_source::RestClient::builder(format!("http://127.0.0.1:{port}"))
                .auth(rest_source::ApiKey::query("tenant_code", KEY))
                .retry(rest_source::RetryPolicy::none())
                .build()?;
            client.get("items").await?;
            Ok(())
        }
        other => panic!("unknown case {other}"),
    }
}

/// Not a test: the child process the tests below start (`--ignored` selects it there).
#[test]
#[ignore = "the child process of the main_error tests, started by them"]
fn child() {
    let case = std::env::var(CASE).expect("run by the tests of this file, which set the case");
    let result = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(user_main(&case));
    let failed = result.is_err();
    let _ = result.report();
    std::process::exit(if failed { 1 } else { 0 });
}

#[test]
fn a_missing_secret_returned_from_main_prints_the_readme_text() {
    let (code, stderr) = run_main("secrets");
    assert_eq!(code, Some(1), "{stderr}");
    assert!(
        stderr.contains(
            "Error: 1 secret is missing for source `crm`:\n  - `client_secret`, tried in order:\n"
        ),
        "{stderr}"
    );
    assert!(stderr.contains("\nfix: "), "{stderr}");
    assert!(
        !stderr.contains("Secrets(") && !stderr.contains("MissingSecrets {"),
        "{stderr}"
    );
}

#[test]
fn a_transport_error_returned_from_main_prints_its_causes_and_no_secret() {
    let (code, stderr) = run_main("transport");
    assert_eq!(code, Some(1), "{stderr}");
    assert!(
        stderr.contains("Error: GET http://127.0.0.1:")
            && stderr.contains(
                "/items?tenant_code=[REDACTED] failed: connection refused\n\nCaused by:\n"
            ),
        "{stderr}"
    );
    assert!(
        !stderr.contains("Transport {") && !stderr.contains("kind: Connect"),
        "{stderr}"
    );
    assert!(!stderr.contains(KEY), "{stderr}");
}
