//! A long paginated run outlives its OAuth2 token: the client refreshes it before it
//! expires, so no page is ever rejected. Paused clock; the token endpoint and the API share
//! one local server whose notion of "now" is the same virtual clock.

use crate::page_server;

use std::collections::HashMap;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures::TryStreamExt;
use page_server::{Reply, TestServer};
use rest_source_runtime::spec::{PageNumberPaginator, ResourceSpec};
use rest_source_runtime::{OAuth2ClientCredentials, Resource, Secret};
use serde::Deserialize;
use serde_json::json;
use tokio::time::Instant;

#[derive(Debug, Deserialize)]
struct Item {
    id: u64,
}

const LIFETIME: Duration = Duration::from_secs(10);

#[tokio::test(start_paused = true)]
async fn token_expiring_mid_run_is_refreshed_without_a_failed_request() {
    let tokens: Arc<Mutex<HashMap<String, Instant>>> = Arc::default();
    let issued = Arc::new(AtomicU32::new(0));
    let rejected = Arc::new(AtomicU32::new(0));
    let (t, i, r) = (tokens.clone(), issued.clone(), rejected.clone());
    let server = TestServer::start(move |req| {
        if req.path == "/oauth/token" {
            assert!(
                req.body.contains("grant_type=client_credentials"),
                "{}",
                req.body
            );
            let n = i.fetch_add(1, Ordering::SeqCst) + 1;
            let token = format!("token-{n}");
            t.lock()
                .unwrap()
                .insert(token.clone(), Instant::now() + LIFETIME);
            return Reply::json(json!({
                "access_token": token,
                "token_type": "Bearer",
                "expires_in": LIFETIME.as_secs(),
            }));
        }
        let valid = req
            .header("authorization")
            .and_then(|h| h.strip_prefix("Bearer "))
            .and_then(|tok| t.lock().unwrap().get(tok).copied())
            .is_some_and(|expires| Instant::now() < expires);
        if !valid {
            r.fetch_add(1, Ordering::SeqCst);
            return Reply::status(401);
        }
        let page: u64 = req.q("page").unwrap().parse().unwrap();
        Reply::json(json!([{"id": page}]))
    })
    .await;
    let auth = OAuth2ClientCredentials::new(
        format!("{}/oauth/token", server.base),
        Secret::new("client-id"),
        Secret::new("client-secret"),
    );
    let client = server.client_builder().auth(auth).build().unwrap();
    let items: Resource<Item> = Resource::new(
        client,
        ResourceSpec::new("items", "items")
            .paginator(PageNumberPaginator::default().maximum_page(50)),
    )
    .unwrap();

    let start = Instant::now();
    let mut pages = items.pages();
    let mut seen = Vec::new();
    while let Some(page) = pages.try_next().await.unwrap() {
        seen.extend(page.into_iter().map(|i| i.id));
        // The consumer is slow: 3 s of (virtual) work per page.
        tokio::time::advance(Duration::from_secs(3)).await;
    }

    assert_eq!(seen, (0..50).collect::<Vec<_>>());
    assert!(start.elapsed() >= Duration::from_secs(150));
    assert_eq!(
        rejected.load(Ordering::SeqCst),
        0,
        "no request may be sent with an expired token"
    );
    let token_requests = issued.load(Ordering::SeqCst);
    // 150 s of run with 10 s tokens: at least one refresh per 10 s.
    assert!(token_requests >= 15, "{token_requests} token requests");
    assert_eq!(server.count(), 50 + token_requests as usize);
}
