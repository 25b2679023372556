//! Shared refresh tokens and state through object storage (`object-store` feature): workers
//! racing on one rotating refresh token against a token server that rejects any token
//! presented twice — tasks over `object_store`'s in-memory store, and two processes over a
//! real S3-compatible server (moto, installed into a venv under the target dir and started
//! on one thread on 127.0.0.1 by the test itself) — and concurrent state writers losing no
//! progress.

use crate::common;

use std::collections::HashMap;
use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::{Reply, TestServer};
use object_store::memory::InMemory;
use rest_source_runtime::IncrementalState;
use rest_source_runtime::shared_store::{
    ObjectStoreBackend, SharedStateStore, SharedTokenStore, StateStore, token_store_at,
};
use rest_source_runtime::spec::LastValueFunc;
use rest_source_runtime::{OAuth2RefreshToken, RestClient, RetryPolicy, Secret, TokenStore};
use serde_json::json;

/// Rotates refresh tokens (`ref-0` is valid first; each valid spend issues `ref-N`), answers
/// `invalid_grant` to any other, and counts how often each token was presented.
#[derive(Clone)]
struct Rotating {
    server: TestServer,
    state: Arc<Mutex<Spends>>,
}

#[derive(Default)]
struct Spends {
    issued: usize,
    valid: String,
    presented: HashMap<String, usize>,
    invalid_grants: usize,
}

impl Rotating {
    async fn start() -> Self {
        let state = Arc::new(Mutex::new(Spends {
            valid: "ref-0".into(),
            ..Spends::default()
        }));
        let st = state.clone();
        let server = TestServer::start(move |req| {
            if req.path != "/token" {
                return Reply::ok();
            }
            let mut s = st.lock().unwrap();
            let token = req.form()["refresh_token"].clone();
            *s.presented.entry(token.clone()).or_default() += 1;
            if token != s.valid {
                s.invalid_grants += 1;
                return Reply::json(400, json!({"error": "invalid_grant"}));
            }
            s.issued += 1;
            s.valid = format!("ref-{}", s.issued);
            Reply::json(
                200,
                json!({"access_token": format!("acc-{}", s.issued), "refresh_token": s.valid, "expires_in": 3600}),
            )
        })
        .await;
        Rotating { server, state }
    }

    /// Asserts every refresh token was spent at most once and none was refused.
    fn assert_single_spends(&self, refreshes: usize) {
        let s = self.state.lock().unwrap();
        let double: Vec<_> = s.presented.iter().filter(|(_, n)| **n > 1).collect();
        assert!(double.is_empty(), "double spends: {double:?}");
        assert_eq!(s.invalid_grants, 0, "invalid_grant answers");
        assert_eq!(s.issued, refreshes, "every refresh succeeded once");
    }
}

/// One "run" of a worker: a fresh auth (an empty token cache, as a new process has) that
/// refreshes once through `store` and calls the API.
async fn one_run(base: &str, token_url: &str, store: Arc<dyn TokenStore>) {
    let auth = OAuth2RefreshToken::new(
        token_url,
        Secret::new("client"),
        Secret::new("secret"),
        Secret::new("ref-0"),
    )
    .shared_token_store(store);
    let client = RestClient::builder(base)
        .auth(auth)
        .retry(RetryPolicy::none())
        .build()
        .unwrap();
    client.get("api").await.expect("the run's request succeeds");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn workers_on_the_in_memory_object_store_never_spend_a_token_twice() {
    const ROUNDS: usize = 50;
    let server = Rotating::start().await;
    let objects: Arc<dyn object_store::ObjectStore> = Arc::new(InMemory::new());
    let worker = |objects: Arc<dyn object_store::ObjectStore>| {
        let (base, token_url) = (server.server.url("/"), server.server.url("/token"));
        // Each worker has its own store instance over the shared objects, as a process has.
        let store: Arc<dyn TokenStore> = Arc::new(SharedTokenStore::new(
            ObjectStoreBackend::new(objects, "memory://"),
            "crm/refresh-token.json",
        ));
        tokio::spawn(async move {
            for _ in 0..ROUNDS {
                one_run(&base, &token_url, store.clone()).await;
            }
        })
    };
    let (a, b) = (worker(objects.clone()), worker(objects.clone()));
    a.await.unwrap();
    b.await.unwrap();
    server.assert_single_spends(2 * ROUNDS);
    let store = SharedTokenStore::new(
        ObjectStoreBackend::new(objects, "memory://"),
        "crm/refresh-token.json",
    );
    assert_eq!(
        store.load().await.unwrap().unwrap().expose(),
        format!("ref-{}", 2 * ROUNDS),
        "the store holds the newest token"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_state_writers_on_the_object_store_lose_no_progress() {
    let objects: Arc<dyn object_store::ObjectStore> = Arc::new(InMemory::new());
    let at = |v: i64| IncrementalState {
        last_value: Some(json!(v)),
        ..IncrementalState::default()
    };
    let writers: Vec<_> = (0..6i64)
        .map(|w| {
            let store = SharedStateStore::new(
                ObjectStoreBackend::new(objects.clone(), "memory://"),
                "etl/state.json",
            );
            tokio::spawn(async move {
                for step in 0..25 {
                    store
                        .save(&format!("share-{w}"), &at(step), LastValueFunc::Max)
                        .await
                        .unwrap();
                    store
                        .save("all", &at(w * 1000 + step), LastValueFunc::Max)
                        .await
                        .unwrap();
                }
            })
        })
        .collect();
    for w in writers {
        w.await.unwrap();
    }
    let store = SharedStateStore::new(
        ObjectStoreBackend::new(objects, "memory://"),
        "etl/state.json",
    );
    for w in 0..6 {
        assert_eq!(store.load(&format!("share-{w}")).await.unwrap(), at(24));
    }
    assert_eq!(store.load("all").await.unwrap(), at(5024));
}

#[tokio::test]
async fn the_file_state_store_merges_concurrent_saves_too() {
    let dir = common::temp_dir("cas-state");
    let path = dir.path().join("state.json");
    let at = |v: i64| IncrementalState {
        last_value: Some(json!(v)),
        ..IncrementalState::default()
    };
    let a = StateStore::open(&path).unwrap();
    let b = StateStore::open(format!("file://{}", path.display())).unwrap();
    a.save("r", &at(9), LastValueFunc::Max).await.unwrap();
    b.save("r", &at(4), LastValueFunc::Max).await.unwrap();
    b.save("other", &at(1), LastValueFunc::Max).await.unwrap();
    assert_eq!(
        a.load("r").await.unwrap(),
        at(9),
        "the later cursor is kept"
    );
    assert_eq!(a.load("other").await.unwrap(), at(1));
}

// --- Two processes over a real S3-compatible server (moto) ------------------------------

const BUCKET: &str = "rest-source-race";

/// moto's server on 127.0.0.1, killed on drop.
struct Moto {
    child: Child,
    endpoint: String,
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A venv with `moto[server]` under the target dir, created on first use and kept.
fn moto_venv() -> PathBuf {
    let venv = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("moto-venv");
    let server = venv.join("bin/moto_server");
    if server.exists() {
        return server;
    }
    let python = std::env::var("PYTHON").unwrap_or_else(|_| "python3".into());
    let status = Command::new(&python)
        .args(["-m", "venv"])
        .arg(&venv)
        .status()
        .unwrap_or_else(|e| panic!("`{python} -m venv` could not start: {e}; install python3"));
    assert!(
        status.success(),
        "`{python} -m venv {}` failed",
        venv.display()
    );
    let status = Command::new(venv.join("bin/pip"))
        .args(["install", "--quiet", "moto[server]>=5.1"])
        .status()
        .expect("pip runs");
    assert!(status.success(), "`pip install moto[server]` failed");
    assert!(server.exists(), "moto_server was installed");
    server
}

/// moto's own server (`moto_server`) as it builds it, but on one thread. moto checks
/// `If-Match`/`If-None-Match` and then writes, without a lock: on its usual threaded server two
/// conditional PUTs racing on one key can both succeed, which real S3 never allows (and this
/// test would then see a refresh token spent twice, through no fault of the store).
const MOTO_ONE_THREAD: &str = "\
import os
os.environ.setdefault('MOTO_PORT', '0')
from werkzeug.serving import run_simple
from moto.moto_server.werkzeug_app import DomainDispatcherApplication, MotoRequestHandler, create_backend_app
app = DomainDispatcherApplication(create_backend_app)
run_simple('127.0.0.1', 0, app, threaded=False, request_handler=MotoRequestHandler)
";

fn start_moto() -> Moto {
    let python = moto_venv().with_file_name("python");
    let mut child = Command::new(python)
        .args(["-c", MOTO_ONE_THREAD])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("moto_server starts");
    // werkzeug says "Running on http://127.0.0.1:PORT" once it listens.
    let stderr = child.stderr.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut sent = false;
        for line in BufReader::new(stderr).lines().map_while(|l| l.ok()) {
            if !sent && let Some(at) = line.find("http://127.0.0.1:") {
                let port: String = line[at + 17..]
                    .chars()
                    .take_while(char::is_ascii_digit)
                    .collect();
                let _ = tx.send(port);
                sent = true;
            }
        }
    });
    let port = rx
        .recv_timeout(Duration::from_secs(60))
        .expect("moto_server reported its port");
    Moto {
        child,
        endpoint: format!("http://127.0.0.1:{port}"),
    }
}

fn s3_env(cmd: &mut Command, endpoint: &str) {
    cmd.env("AWS_ENDPOINT", endpoint)
        .env("AWS_ALLOW_HTTP", "true")
        .env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .env("AWS_REGION", "us-east-1")
        .env("AWS_VIRTUAL_HOSTED_STYLE_REQUEST", "false")
        .env_remove("AWS_SESSION_TOKEN")
        .env_remove("AWS_PROFILE");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_processes_on_a_real_s3_server_never_spend_a_token_twice() {
    const ROUNDS: usize = 50;
    let moto = start_moto();
    // moto takes an unsigned CreateBucket.
    let created = reqwest_put(&format!("{}/{BUCKET}", moto.endpoint)).await;
    assert!(created < 300, "CreateBucket answered {created}");
    let server = Rotating::start().await;
    let workers: Vec<_> = (0..2)
        .map(|_| {
            let mut cmd = Command::new(std::env::current_exe().unwrap());
            cmd.args([
                "--exact",
                "shared_store::s3_race_worker",
                "--ignored",
                "--nocapture",
                "--test-threads=1",
            ]);
            s3_env(&mut cmd, &moto.endpoint);
            cmd.env("RACE_BASE", server.server.url("/"))
                .env("RACE_TOKEN_URL", server.server.url("/token"))
                .env(
                    "RACE_STORE",
                    format!("s3://{BUCKET}/crm/refresh-token.json"),
                )
                .env("RACE_ROUNDS", ROUNDS.to_string());
            tokio::process::Command::from(cmd)
                .kill_on_drop(true)
                .output()
        })
        .collect();
    for worker in workers {
        let out = worker.await.expect("the worker process runs");
        assert!(
            out.status.success(),
            "a worker failed:\n{}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(
            String::from_utf8_lossy(&out.stdout).contains("1 passed"),
            "the worker ran its rounds"
        );
    }
    server.assert_single_spends(2 * ROUNDS);
    drop(moto);
}

/// PUT with an empty body (setup only). Returns the status.
async fn reqwest_put(url: &str) -> u16 {
    rest_source_runtime::tls::install_crypto_provider();
    rest_source_runtime::reqwest::Client::new()
        .put(url)
        .send()
        .await
        .expect("moto answers")
        .status()
        .as_u16()
}

/// One worker process of the test above (started by it, with its environment): `ROUNDS`
/// runs, each refreshing through the S3 token store.
#[tokio::test]
#[ignore = "a worker process of `two_processes_on_a_real_s3_server_never_spend_a_token_twice`"]
async fn s3_race_worker() {
    let var = |name: &str| std::env::var(name).expect("started by the race test");
    let rounds: usize = var("RACE_ROUNDS").parse().unwrap();
    let store = token_store_at(&var("RACE_STORE")).unwrap();
    for _ in 0..rounds {
        one_run(&var("RACE_BASE"), &var("RACE_TOKEN_URL"), store.clone()).await;
    }
}
