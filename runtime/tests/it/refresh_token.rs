//! The refresh-token grant against a real server on 127.0.0.1 that rotates refresh tokens
//! and rejects any reuse with `invalid_grant`: persistence across restarts, single spending
//! under concurrency (in one process and across "processes" sharing a file store), the
//! re-authorise error, and token-endpoint shaping.

use crate::common;

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::{Reply, TestServer, client, client_with_retry};
use futures::future::BoxFuture;
use rest_source_runtime::StoreLock;
use rest_source_runtime::{
    ClientAuth, FileTokenStore, MemoryTokenStore, OAuth2RefreshToken, Result, RetryPolicy, Secret,
    TokenEndpoint, TokenStore,
};
use serde_json::json;

/// Issues `acc-N` + `ref-N` for each valid refresh token and invalidates the one spent.
/// `ref-0` is the initially valid token. Counts how often each refresh token was presented.
#[derive(Clone)]
struct Rotating {
    server: TestServer,
    state: Arc<Mutex<State>>,
}

struct State {
    issued: usize,
    valid_refresh: String,
    valid_access: Option<String>,
    uses: HashMap<String, usize>,
}

impl Rotating {
    async fn start() -> Self {
        Self::start_shaped(false).await
    }

    /// `nested`: answer `{"data": {"accessToken", "refreshToken", "ttl"}}`.
    async fn start_shaped(nested: bool) -> Self {
        let state = Arc::new(Mutex::new(State {
            issued: 0,
            valid_refresh: "ref-0".into(),
            valid_access: None,
            uses: HashMap::new(),
        }));
        let st = state.clone();
        let server = TestServer::start(move |req| {
            let mut s = st.lock().unwrap();
            if req.path == "/token" {
                let params: HashMap<String, String> = if nested {
                    serde_json::from_slice(&req.body).unwrap()
                } else {
                    req.form().into_iter().collect()
                };
                assert_eq!(params["grant_type"], "refresh_token");
                let presented = params["refresh_token"].clone();
                *s.uses.entry(presented.clone()).or_default() += 1;
                if presented != s.valid_refresh {
                    return Reply::json(
                        400,
                        json!({"error": "invalid_grant", "error_description": "token already used"}),
                    );
                }
                s.issued += 1;
                let (access, refresh) = (format!("acc-{}", s.issued), format!("ref-{}", s.issued));
                s.valid_refresh = refresh.clone();
                s.valid_access = Some(access.clone());
                return if nested {
                    Reply::json(
                        200,
                        json!({"data": {"accessToken": access, "refreshToken": refresh, "ttl": 3600}}),
                    )
                } else {
                    Reply::json(
                        200,
                        json!({"access_token": access, "refresh_token": refresh, "expires_in": 3600}),
                    )
                };
            }
            let ok = s
                .valid_access
                .as_ref()
                .is_some_and(|a| req.header("authorization") == Some(&format!("Bearer {a}")));
            if ok { Reply::ok() } else { Reply::unauthorized() }
        })
        .await;
        Rotating { server, state }
    }

    fn url(&self) -> String {
        self.server.url("/token")
    }

    /// How often each refresh token was presented.
    fn uses(&self) -> HashMap<String, usize> {
        self.state.lock().unwrap().uses.clone()
    }

    fn assert_no_reuse(&self) {
        for (token, n) in self.uses() {
            assert_eq!(n, 1, "refresh token `{token}` was spent {n} times");
        }
    }

    fn revoke_access(&self) {
        self.state.lock().unwrap().valid_access = None;
    }
}

fn auth(server: &Rotating, initial: &str) -> OAuth2RefreshToken {
    OAuth2RefreshToken::new(
        server.url(),
        Secret::new("my-client"),
        Secret::new("my-secret"),
        Secret::new(initial),
    )
}

/// A file store's path in a fresh temp dir, removed when the guard drops.
fn temp_store_path(name: &str) -> (tempfile::TempDir, PathBuf) {
    let dir = common::temp_dir(&format!("refresh-{name}"));
    let path = dir.path().join("refresh-token.json");
    (dir, path)
}

#[tokio::test(start_paused = true)]
async fn refresh_request_carries_the_grant_and_client_credentials() {
    let server = Rotating::start().await;
    let c = client(&server.server, auth(&server, "ref-0").scope("read"));
    c.get("api").await.unwrap();
    let form = server.server.requests_to("/token")[0].form();
    assert_eq!(form["grant_type"], "refresh_token");
    assert_eq!(form["refresh_token"], "ref-0");
    assert_eq!(form["client_id"], "my-client");
    assert_eq!(form["client_secret"], "my-secret");
    assert_eq!(form["scope"], "read");
}

#[tokio::test(start_paused = true)]
async fn public_clients_and_basic_client_auth_send_the_right_credentials() {
    let server = Rotating::start().await;
    let public = OAuth2RefreshToken::public_client(server.url(), "app", Secret::new("ref-0"));
    client(&server.server, public).get("api").await.unwrap();
    let form = server.server.requests_to("/token")[0].form();
    assert_eq!(form["client_id"], "app");
    assert!(!form.contains_key("client_secret"));

    let server = Rotating::start().await;
    let basic = auth(&server, "ref-0").client_auth(ClientAuth::Basic);
    client(&server.server, basic).get("api").await.unwrap();
    let req = &server.server.requests_to("/token")[0];
    assert!(req.header("authorization").unwrap().starts_with("Basic "));
    assert!(!req.form().contains_key("client_secret"));
}

#[tokio::test(start_paused = true)]
async fn a_rotated_refresh_token_replaces_the_old_one_within_a_run() {
    let server = Rotating::start().await;
    let store = MemoryTokenStore::new();
    let c = client(
        &server.server,
        auth(&server, "ref-0").token_store(store.clone()),
    );
    c.get("api").await.unwrap();
    assert_eq!(store.get().unwrap().expose(), "ref-1");
    // The access token expires; the next refresh must spend ref-1, not the secret's ref-0.
    tokio::time::advance(Duration::from_secs(3600)).await;
    c.get("api").await.unwrap();
    assert_eq!(store.get().unwrap().expose(), "ref-2");
    let presented: Vec<_> = server
        .server
        .requests_to("/token")
        .iter()
        .map(|r| r.form()["refresh_token"].clone())
        .collect();
    assert_eq!(presented, ["ref-0", "ref-1"]);
    server.assert_no_reuse();
}

#[tokio::test(start_paused = true)]
async fn rotation_is_persisted_across_a_restart_and_the_store_wins_over_the_stale_secret() {
    let server = Rotating::start().await;
    let (_dir, path) = temp_store_path("restart");
    {
        let first_run = auth(&server, "ref-0").token_store(FileTokenStore::new(&path));
        client(&server.server, first_run).get("api").await.unwrap();
    } // the process "exits"
    assert!(path.exists());

    // The secret still says ref-0, which the server now rejects: without the store a restart
    // is locked out.
    let without_store = client(&server.server, auth(&server, "ref-0"));
    let err = without_store.get("api").await.unwrap_err().to_string();
    assert!(err.contains("invalid_grant"), "{err}");

    // With the store, the restarted run reads the rotated ref-1 and carries on.
    let second_run = auth(&server, "ref-0").token_store(FileTokenStore::new(&path));
    client(&server.server, second_run).get("api").await.unwrap();
    let store = FileTokenStore::new(&path);
    assert_eq!(store.load().await.unwrap().unwrap().expose(), "ref-2");
    let presented: Vec<_> = server
        .server
        .requests_to("/token")
        .iter()
        .map(|r| r.form()["refresh_token"].clone())
        .collect();
    assert_eq!(presented, ["ref-0", "ref-0", "ref-1"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_requests_spend_one_refresh_token() {
    let server = Rotating::start().await;
    let c = client(&server.server, auth(&server, "ref-0"));
    let tasks: Vec<_> = (0..32)
        .map(|_| {
            let c = c.clone();
            tokio::spawn(async move { c.get("api").await.map(|r| r.status().as_u16()) })
        })
        .collect();
    for t in tasks {
        assert_eq!(t.await.unwrap().unwrap(), 200);
    }
    assert_eq!(server.server.count("/token"), 1);
    server.assert_no_reuse();
}

/// A file store whose `load` is slow, so two refreshes would certainly both read the same
/// token before either saves the rotated one — unless the lock serialises them.
struct SlowLoad(FileTokenStore);

impl TokenStore for SlowLoad {
    fn load(&self) -> BoxFuture<'_, Result<Option<Secret>>> {
        Box::pin(async {
            let token = self.0.load().await;
            tokio::time::sleep(Duration::from_millis(200)).await;
            token
        })
    }
    fn save<'a>(&'a self, token: &'a Secret) -> BoxFuture<'a, Result<()>> {
        self.0.save(token)
    }
    fn lock(&self) -> BoxFuture<'_, Result<StoreLock>> {
        self.0.lock()
    }
}

#[tokio::test(start_paused = true)]
async fn two_processes_sharing_a_file_store_never_spend_the_same_refresh_token() {
    let server = Rotating::start().await;
    let (_dir, path) = temp_store_path("two-processes");
    // Two independent auths (separate caches, separate file handles), as two processes.
    let a = client(
        &server.server,
        auth(&server, "ref-0").token_store(SlowLoad(FileTokenStore::new(&path))),
    );
    let b = client(
        &server.server,
        auth(&server, "ref-0").token_store(SlowLoad(FileTokenStore::new(&path))),
    );
    let (ra, rb) = tokio::join!(a.get("api"), b.get("api"));
    ra.unwrap();
    rb.unwrap();
    assert_eq!(server.server.count("/token"), 2);
    server.assert_no_reuse();
    assert_eq!(
        FileTokenStore::new(&path)
            .load()
            .await
            .unwrap()
            .unwrap()
            .expose(),
        "ref-2"
    );
}

#[tokio::test(start_paused = true)]
async fn invalid_grant_is_a_clear_reauthorise_error_that_is_not_retried() {
    let server = Rotating::start().await;
    let c = client_with_retry(
        &server.server,
        auth(&server, "ref-stale"),
        RetryPolicy::default(),
    );
    let err = c.get("api").await.unwrap_err();
    let msg = err.to_string();
    assert!(
        msg.contains("rejected the refresh token from the `refresh_token` secret"),
        "{msg}"
    );
    assert!(
        msg.contains("`invalid_grant` (token already used)"),
        "{msg}"
    );
    assert!(msg.contains("re-authorise the app"), "{msg}");
    assert!(!msg.contains("ref-stale"), "{msg}");
    assert_eq!(err.status().map(|s| s.as_u16()), Some(400));
    assert!(!err.is_retryable());
    assert_eq!(server.server.count("/token"), 1);
    assert_eq!(server.server.count("/api"), 0);
}

#[tokio::test(start_paused = true)]
async fn invalid_grant_from_a_stored_token_says_to_delete_the_store() {
    let server = Rotating::start().await;
    let (_dir, path) = temp_store_path("stale-store");
    let store = FileTokenStore::new(&path);
    store.save(&Secret::new("ref-dead")).await.unwrap();
    let c = client(&server.server, auth(&server, "ref-0").token_store(store));
    let msg = c.get("api").await.unwrap_err().to_string();
    assert!(
        msg.contains(&format!("the token store file `{}`", path.display())),
        "{msg}"
    );
    assert!(msg.contains("and delete the token store file"), "{msg}");
    assert!(msg.contains("a stored token wins over the secret"), "{msg}");
}

#[tokio::test(start_paused = true)]
async fn a_401_refreshes_with_the_rotated_token_and_retries_once() {
    let server = Rotating::start().await;
    let store = MemoryTokenStore::new();
    let c = client(
        &server.server,
        auth(&server, "ref-0").token_store(store.clone()),
    );
    c.get("api").await.unwrap();
    server.revoke_access();
    c.get("api").await.unwrap();
    assert_eq!(server.server.count("/token"), 2);
    assert_eq!(store.get().unwrap().expose(), "ref-2");
    server.assert_no_reuse();
}

#[tokio::test(start_paused = true)]
async fn shaped_responses_rotate_through_the_configured_path() {
    let server = Rotating::start_shaped(true).await;
    let store = MemoryTokenStore::new();
    let endpoint = TokenEndpoint::new()
        .json_body()
        .access_token_path("data.accessToken")
        .refresh_token_path("data.refreshToken")
        .expires_in_path("data.ttl");
    let c = client(
        &server.server,
        auth(&server, "ref-0")
            .token_store(store.clone())
            .token_endpoint(endpoint),
    );
    c.get("api").await.unwrap();
    assert_eq!(store.get().unwrap().expose(), "ref-1");
    let req = &server.server.requests_to("/token")[0];
    assert_eq!(req.header("content-type"), Some("application/json"));
    // No refresh before the shaped `ttl` (3600 s, leeway 60 s) is nearly over.
    tokio::time::advance(Duration::from_secs(3500)).await;
    c.get("api").await.unwrap();
    assert_eq!(server.server.count("/token"), 1);
    tokio::time::advance(Duration::from_secs(50)).await;
    c.get("api").await.unwrap();
    assert_eq!(store.get().unwrap().expose(), "ref-2");
    server.assert_no_reuse();
}

/// A memory store whose saves fail while `broken` is set (a full disk, a read-only mount).
#[derive(Clone)]
struct Flaky {
    inner: MemoryTokenStore,
    broken: Arc<std::sync::atomic::AtomicBool>,
}

impl TokenStore for Flaky {
    fn load(&self) -> BoxFuture<'_, Result<Option<Secret>>> {
        self.inner.load()
    }
    fn save<'a>(&'a self, token: &'a Secret) -> BoxFuture<'a, Result<()>> {
        if self.broken.load(Ordering::SeqCst) {
            return Box::pin(async { Err(rest_source_runtime::Error::Config("disk full".into())) });
        }
        self.inner.save(token)
    }
}

#[tokio::test(start_paused = true)]
async fn a_failed_save_keeps_the_rotated_token_in_memory_and_saves_it_later() {
    let server = Rotating::start().await;
    let store = Flaky {
        inner: MemoryTokenStore::new(),
        broken: Arc::new(std::sync::atomic::AtomicBool::new(true)),
    };
    let c = client(
        &server.server,
        auth(&server, "ref-0").token_store(store.clone()),
    );
    c.get("api").await.unwrap(); // rotated to ref-1, not saved
    assert!(store.inner.get().is_none());
    tokio::time::advance(Duration::from_secs(3600)).await;
    c.get("api").await.unwrap(); // spends the in-memory ref-1, not the secret's ref-0
    store.broken.store(false, Ordering::SeqCst);
    tokio::time::advance(Duration::from_secs(3600)).await;
    c.get("api").await.unwrap(); // saves ref-2 first, then rotation to ref-3
    assert_eq!(store.inner.get().unwrap().expose(), "ref-3");
    server.assert_no_reuse();
    assert_eq!(server.server.count("/token"), 3);
}
