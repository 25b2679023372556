//! The `rest-source` binary on dlt configs: `parallelized` resources run side by side
//! (their requests overlap, to files and to stdout), and a config without `name` looks its
//! secrets up as dlt's unnamed `rest_api` source does.
//!
//! The overlap server holds each resource request until the other one is in flight too, so
//! the run only succeeds if the two resources' requests overlap; a held request gives up
//! after 10 s (and answers 500), so a failure does not hang.

use std::path::{Path, PathBuf};
use std::process::Output;
use std::sync::Arc;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use tokio::sync::{Barrier, Mutex};

fn workdir(test: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("dlt_cli")
        .join(test);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

async fn rest_source(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    tokio::process::Command::new(env!("CARGO_BIN_EXE_rest-source"))
        .args(args)
        .current_dir(dir)
        .env_clear()
        .env("HOME", dir)
        .env("TMPDIR", dir)
        .envs(env.iter().copied())
        .output()
        .await
        .expect("the binary runs")
}

/// A server that answers its first request at once (the auth probe `run` makes before
/// anything is written) and holds every later one until `held` of them are in flight
/// together (a barrier), giving up after 10 s with a 500. Returns its base URL and the
/// paths it saw.
async fn overlap_server(held: usize) -> (String, Arc<Mutex<Vec<String>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let seen = Arc::new(Mutex::new(Vec::new()));
    let barrier = Arc::new(Barrier::new(held));
    let recorded = seen.clone();
    tokio::spawn(async move {
        loop {
            let Ok((mut stream, _)) = listener.accept().await else {
                return;
            };
            let (seen, barrier) = (recorded.clone(), barrier.clone());
            tokio::spawn(async move {
                let mut head = Vec::new();
                let mut buf = [0u8; 1024];
                while !head.windows(4).any(|w| w == b"\r\n\r\n") {
                    match stream.read(&mut buf).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => head.extend_from_slice(&buf[..n]),
                    }
                }
                let text = String::from_utf8_lossy(&head).into_owned();
                let path = text.split(' ').nth(1).unwrap_or("").to_owned();
                let first = {
                    let mut seen = seen.lock().await;
                    seen.push(path.clone());
                    seen.len() == 1
                };
                let overlapped = first
                    || tokio::time::timeout(Duration::from_secs(10), barrier.wait())
                        .await
                        .is_ok();
                let (status, body) = if overlapped {
                    ("200 OK", format!("[{{\"path\": \"{path}\"}}]"))
                } else {
                    ("500 Internal Server Error", "{}".to_owned())
                };
                let reply = format!(
                    "HTTP/1.1 {status}\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                    body.len()
                );
                let _ = stream.write_all(reply.as_bytes()).await;
            });
        }
    });
    (url, seen)
}

fn parallel_config(dir: &Path, url: &str) -> PathBuf {
    let path = dir.join("parallel.json");
    std::fs::write(
        &path,
        format!(
            r#"{{
  "client": {{"base_url": "{url}", "paginator": "single_page"}},
  "resource_defaults": {{"parallelized": true, "endpoint": {{"data_selector": "$"}}}},
  "resources": ["first", "second"]
}}"#
        ),
    )
    .unwrap();
    path
}

#[tokio::test]
async fn parallelized_resources_overlap_when_written_to_files() {
    let (url, seen) = overlap_server(2).await;
    let dir = workdir("files");
    parallel_config(&dir, &url);
    let out = rest_source(
        &dir,
        &["run", "parallel.json", "--out", "out", "--quiet"],
        &[],
    )
    .await;
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // The probe, then both resources' requests, held together: no retry was needed.
    assert_eq!(seen.lock().await.len(), 3);
    let first = std::fs::read_to_string(dir.join("out/first.jsonl")).unwrap();
    assert_eq!(first, "{\"path\":\"/first\"}\n");
}

#[tokio::test]
async fn parallelized_resources_overlap_on_stdout_and_print_in_config_order() {
    let (url, seen) = overlap_server(2).await;
    let dir = workdir("stdout");
    parallel_config(&dir, &url);
    let out = rest_source(
        &dir,
        &["run", "parallel.json", "--out", "-", "--quiet"],
        &[],
    )
    .await;
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(seen.lock().await.len(), 3);
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "{\"path\":\"/first\"}\n{\"path\":\"/second\"}\n"
    );
    // The spool files are gone.
    let spool: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| {
            e.file_name()
                .to_string_lossy()
                .starts_with("rest-source-spool")
        })
        .collect();
    assert!(spool.is_empty());
}

#[tokio::test]
async fn an_unnamed_config_finds_secrets_as_dlts_rest_api_source() {
    let (url, seen) = overlap_server(1).await;
    let dir = workdir("unnamed");
    std::fs::write(
        dir.join("github.json"),
        format!(
            r#"{{"client": {{"base_url": "{url}", "auth": "bearer", "paginator": "single_page"}},
                "resources": [{{"name": "repos", "endpoint": {{"data_selector": "$"}}}}]}}"#
        ),
    )
    .unwrap();
    // dlt's first key for an unnamed source: `SOURCES__REST_API__REST_API__CREDENTIALS__TOKEN`.
    let out = rest_source(
        &dir,
        &["run", "github.json", "--out", "-", "--quiet"],
        &[("SOURCES__REST_API__REST_API__CREDENTIALS__TOKEN", "t")],
    )
    .await;
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(!seen.lock().await.is_empty());
    let out = rest_source(&dir, &["check", "github.json"], &[]).await;
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("env SOURCES__REST_API__REST_API__CREDENTIALS__TOKEN\n"),
        "{stderr}"
    );
}
