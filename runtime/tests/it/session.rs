//! Session login against a real server on 127.0.0.1: login bodies (JSON and form), token
//! from a JSON path, a header or a cookie, every placement including the body, re-login
//! after expiry mid-run (paused clock) and after a 401, nested auth on the login call, and
//! clear login errors.

use crate::common;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::{Recorded, Reply, TestServer, client};
use rest_source_runtime::Placement;
use rest_source_runtime::{HttpBasic, Secret, SessionToken};
use serde_json::{Value, json};
use tokio::time::Instant;

/// `POST /login` issues `s-1`, `s-2`, …, each valid for `server_ttl` by the server's clock
/// (the clock the test pauses); the API accepts only the newest unexpired session, read by
/// `presented` from the request.
/// Sessions issued so far, and the valid one with its end.
type Sessions = (usize, Option<(String, Instant)>);

#[derive(Clone)]
struct SessionServer {
    server: TestServer,
    state: Arc<Mutex<Sessions>>,
    rejected: Arc<AtomicUsize>,
}

impl SessionServer {
    async fn start(
        server_ttl: Duration,
        login: impl Fn(&Recorded, &str) -> Reply + Send + Sync + 'static,
        presented: impl Fn(&Recorded) -> Option<String> + Send + Sync + 'static,
    ) -> Self {
        let state: Arc<Mutex<Sessions>> = Arc::new(Mutex::new((0, None)));
        let rejected = Arc::new(AtomicUsize::new(0));
        let (st, rj) = (state.clone(), rejected.clone());
        let server = TestServer::start(move |req| {
            let mut s = st.lock().unwrap();
            if req.path == "/login" {
                s.0 += 1;
                let token = format!("s-{}", s.0);
                s.1 = Some((token.clone(), Instant::now() + server_ttl));
                return login(req, &token);
            }
            let ok = match (&s.1, presented(req)) {
                (Some((valid, until)), Some(p)) => *valid == p && Instant::now() < *until,
                _ => false,
            };
            if ok {
                Reply::ok()
            } else {
                rj.fetch_add(1, Ordering::SeqCst);
                Reply::unauthorized()
            }
        })
        .await;
        SessionServer {
            server,
            state,
            rejected,
        }
    }

    fn logins(&self) -> usize {
        self.server.count("/login")
    }

    fn rejected(&self) -> usize {
        self.rejected.load(Ordering::SeqCst)
    }

    fn revoke(&self) {
        self.state.lock().unwrap().1 = None;
    }

    fn url(&self) -> String {
        self.server.url("/login")
    }
}

fn json_login(req: &Recorded, token: &str) -> Reply {
    let body: Value = serde_json::from_slice(&req.body).unwrap_or(Value::Null);
    if body != json!({"username": "bot", "password": "pw-1"}) {
        return Reply::json(401, json!({"detail": "bad credentials"}));
    }
    Reply::json(200, json!({"data": {"token": token}}))
}

fn token_header(req: &Recorded) -> Option<String> {
    req.header("authorization")?
        .strip_prefix("Token ")
        .map(str::to_owned)
}

fn drf_session(server: &SessionServer) -> SessionToken {
    SessionToken::new(server.url())
        .credential("username", "bot")
        .credential("password", Secret::new("pw-1"))
        .token_path("data.token")
        .placement(Placement::header("Authorization").prefix("Token "))
}

#[tokio::test(start_paused = true)]
async fn logs_in_once_with_json_and_sends_the_prefixed_token() {
    let server = SessionServer::start(Duration::from_secs(3600), json_login, token_header).await;
    let c = client(&server.server, drf_session(&server));
    for _ in 0..3 {
        c.get("api").await.unwrap();
    }
    assert_eq!(server.logins(), 1);
    let login = &server.server.requests_to("/login")[0];
    assert_eq!(login.method, "POST");
    assert_eq!(login.header("content-type"), Some("application/json"));
    for req in server.server.requests_to("/api") {
        assert_eq!(req.header("authorization"), Some("Token s-1"));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_requests_share_one_login() {
    let server = SessionServer::start(Duration::from_secs(3600), json_login, token_header).await;
    let c = client(&server.server, drf_session(&server));
    let tasks: Vec<_> = (0..24)
        .map(|_| {
            let c = c.clone();
            tokio::spawn(async move { c.get("api").await.map(|r| r.status().as_u16()) })
        })
        .collect();
    for t in tasks {
        assert_eq!(t.await.unwrap().unwrap(), 200);
    }
    assert_eq!(server.logins(), 1);
}

#[tokio::test(start_paused = true)]
async fn logs_in_again_before_a_configured_ttl_runs_out_mid_run() {
    // The server ends sessions after 600 s; the client knows (ttl 600 s, leeway 60 s).
    let server = SessionServer::start(Duration::from_secs(600), json_login, token_header).await;
    let c = client(
        &server.server,
        drf_session(&server).ttl(Duration::from_secs(600)),
    );
    // A request every 100 s for 25 minutes.
    for _ in 0..=15 {
        c.get("api").await.unwrap();
        tokio::time::advance(Duration::from_secs(100)).await;
    }
    assert_eq!(
        server.rejected(),
        0,
        "no request carried an expired session"
    );
    // Logins at 0, 600 (due at 540), 1200 s.
    assert_eq!(server.logins(), 3);
}

#[tokio::test(start_paused = true)]
async fn the_expiry_stated_by_the_login_response_wins_over_the_ttl() {
    let server = SessionServer::start(
        Duration::from_secs(120),
        |_, token| Reply::json(200, json!({"token": token, "expires_in": 120})),
        |req| {
            req.header("authorization")?
                .strip_prefix("Bearer ")
                .map(str::to_owned)
        },
    )
    .await;
    let auth = SessionToken::new(server.url())
        .expires_in_path("expires_in")
        .ttl(Duration::from_secs(3600));
    let c = client(&server.server, auth);
    c.get("api").await.unwrap();
    tokio::time::advance(Duration::from_secs(100)).await; // due at 108 s
    c.get("api").await.unwrap();
    assert_eq!(server.logins(), 1);
    tokio::time::advance(Duration::from_secs(10)).await;
    c.get("api").await.unwrap();
    assert_eq!(server.logins(), 2);
    assert_eq!(server.rejected(), 0);
}

#[tokio::test(start_paused = true)]
async fn a_401_logs_in_again_and_retries_once() {
    let server = SessionServer::start(Duration::from_secs(3600), json_login, token_header).await;
    let c = client(&server.server, drf_session(&server));
    c.get("api").await.unwrap();
    server.revoke();
    c.get("api").await.unwrap();
    assert_eq!(server.logins(), 2);
    let sent: Vec<_> = server
        .server
        .requests_to("/api")
        .iter()
        .map(|r| r.header("authorization").unwrap().to_owned())
        .collect();
    assert_eq!(sent, ["Token s-1", "Token s-1", "Token s-2"]);
}

#[tokio::test(start_paused = true)]
async fn form_login_token_from_a_header_sent_as_a_query_parameter() {
    let server = SessionServer::start(
        Duration::from_secs(3600),
        |req, token| {
            let form = req.form();
            if form.get("user").map(String::as_str) == Some("bot")
                && form.get("pass").map(String::as_str) == Some("pw-1")
            {
                Reply::json(200, json!({})).with_header("x-session-id", token)
            } else {
                Reply::json(403, json!({}))
            }
        },
        |req| req.query_pairs().get("sid").cloned(),
    )
    .await;
    let auth = SessionToken::new(server.url())
        .form_body()
        .credential("user", "bot")
        .credential("pass", Secret::new("pw-1"))
        .token_header("X-Session-Id")
        .placement(Placement::query("sid"));
    let c = client(&server.server, auth);
    let resp = c.get("api").query(&[("page", "1")]).await.unwrap();
    assert!(
        resp.url().contains("sid=[REDACTED]"),
        "the session id is redacted from printed URLs: {}",
        resp.url()
    );
    assert_eq!(
        server.server.requests_to("/login")[0].header("content-type"),
        Some("application/x-www-form-urlencoded")
    );
}

#[tokio::test(start_paused = true)]
async fn token_from_a_set_cookie_sent_back_as_a_cookie() {
    let server = SessionServer::start(
        Duration::from_secs(3600),
        |_, token| {
            Reply::json(200, json!({"ok": true}))
                .with_header("set-cookie", "theme=dark; Path=/")
                .with_header("set-cookie", format!("sid={token}; Path=/; HttpOnly"))
        },
        |req| {
            req.header("cookie")?
                .split("; ")
                .find_map(|c| c.strip_prefix("sid=").map(str::to_owned))
        },
    )
    .await;
    let auth = SessionToken::new(server.url())
        .token_cookie("sid")
        .placement(Placement::cookie("sid"));
    client(&server.server, auth).get("api").await.unwrap();
    assert_eq!(
        server.server.requests_to("/api")[0].header("cookie"),
        Some("sid=s-1")
    );
}

#[tokio::test(start_paused = true)]
async fn the_login_call_can_use_its_own_auth() {
    let server = SessionServer::start(
        Duration::from_secs(3600),
        |req, token| {
            // base64("app:app-pw")
            if req.header("authorization") == Some("Basic YXBwOmFwcC1wdw==") {
                Reply::json(200, json!({"token": token}))
            } else {
                Reply::json(401, json!({}))
            }
        },
        |req| {
            req.header("authorization")?
                .strip_prefix("Bearer ")
                .map(str::to_owned)
        },
    )
    .await;
    let auth = SessionToken::new(server.url()).login_auth(HttpBasic::new("app", "app-pw"));
    client(&server.server, auth).get("api").await.unwrap();
    let api = &server.server.requests_to("/api")[0];
    assert_eq!(
        api.header("authorization"),
        Some("Bearer s-1"),
        "the API gets the session, not the login's basic auth"
    );
}

#[tokio::test(start_paused = true)]
async fn a_body_placed_session_is_replaced_in_the_body_after_a_401() {
    let server = SessionServer::start(
        Duration::from_secs(3600),
        |_, token| Reply::json(200, json!({"token": token})),
        |req| {
            let body: Value = serde_json::from_slice(&req.body).ok()?;
            body["session"].as_str().map(str::to_owned)
        },
    )
    .await;
    let auth = SessionToken::new(server.url()).placement(Placement::body("session"));
    let c = client(&server.server, auth);
    c.post("api").json(&json!({"q": 1})).await.unwrap();
    server.revoke();
    c.post("api").json(&json!({"q": 2})).await.unwrap();
    let bodies: Vec<Value> = server
        .server
        .requests_to("/api")
        .iter()
        .map(|r| serde_json::from_slice(&r.body).unwrap())
        .collect();
    assert_eq!(
        bodies,
        [
            json!({"q": 1, "session": "s-1"}),
            json!({"q": 2, "session": "s-1"}),
            json!({"q": 2, "session": "s-2"}),
        ]
    );
    assert_eq!(server.logins(), 2);
}

#[tokio::test]
async fn a_rejected_login_names_the_url_and_the_credential_fields_never_the_values() {
    let server = SessionServer::start(Duration::from_secs(60), json_login, token_header).await;
    let auth = SessionToken::new(server.url())
        .credential("username", "bot")
        .credential("password", Secret::new("wrong-pw-9"));
    let err = client(&server.server, auth).get("api").await.unwrap_err();
    let msg = err.to_string();
    assert!(
        msg.contains(&format!(
            "the login at `{}` returned HTTP 401",
            server.url()
        )),
        "{msg}"
    );
    assert!(msg.contains("check the login credentials (`username`, `password`)"));
    assert!(!msg.contains("wrong-pw-9"), "{msg}");
    assert_eq!(err.status().map(|s| s.as_u16()), Some(401));
    assert_eq!(server.server.count("/api"), 0);
}

#[tokio::test]
async fn a_missing_token_names_the_path_and_the_fields_present() {
    let server = TestServer::start(|_| Reply::json(200, json!({"session": {"id": "x"}}))).await;
    let auth = SessionToken::new(server.url("/login")).token_path("data.token");
    let msg = client(&server, auth)
        .get("api")
        .await
        .unwrap_err()
        .to_string();
    assert!(
        msg.contains("has no session token at `data.token` (top-level fields: `session`)"),
        "{msg}"
    );
}
