//! `Resource<T>`: laziness, data selectors, child resources, per-resource params and
//! headers, and decode errors that point at the page and keep the failing record.

use crate::page_server;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use futures::{StreamExt, TryStreamExt};
use page_server::{Recorded, Reply, TestServer};
use rest_source_runtime::spec::{PaginatorSpec, ResourceSpec};
use rest_source_runtime::{ApiKey, Error, Resource, Secret};
use serde::Deserialize;
use serde_json::{Value, json};

#[derive(Debug, Deserialize, PartialEq)]
struct Item {
    id: u64,
}

#[tokio::test]
async fn nothing_is_requested_until_the_stream_is_polled() {
    let server = TestServer::start(|_| Reply::json(json!([{"id": 1}]))).await;
    let resource: Resource<Item> =
        Resource::new(server.client(), ResourceSpec::new("items", "items")).unwrap();
    let items = resource.items();
    let pages = resource.pages();
    let clone = resource.clone();
    tokio::task::yield_now().await;
    assert_eq!(server.count(), 0);
    drop((items, pages, clone));
    let mut items = resource.items();
    assert_eq!(items.next().await.unwrap().unwrap(), Item { id: 1 });
    assert_eq!(server.count(), 1);
}

/// Waits (up to 10 s) until `server` has answered `n` requests; `false` if it never does.
async fn answered(server: &TestServer, n: usize) -> bool {
    for _ in 0..1000 {
        if server.count() >= n {
            return true;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    false
}

/// Pages 0 to 4 have a record each (its id the page number); page 5 is empty and ends the
/// stream.
fn five_pages(r: &Recorded) -> Reply {
    let page: u64 = r.q("page").map(|p| p.parse().unwrap()).unwrap_or(0);
    let data = if page < 5 {
        json!([{"id": page}])
    } else {
        json!([])
    };
    Reply::json(json!({ "data": data }))
}

/// The page loop runs ahead of the consumer, but boundedly: one page waiting to be taken and
/// one being requested. Taking a page lets it request the next at once (on a current-thread
/// runtime too, while the consumer has not yet read the page it took), and each page is
/// requested exactly once.
#[tokio::test(flavor = "current_thread")]
async fn the_page_loop_runs_one_page_ahead_of_the_consumer() {
    let server = TestServer::start(five_pages).await;
    let spec = ResourceSpec::new("items", "items").paginator(PaginatorSpec::page_number());
    let resource: Resource<Item> = Resource::new(server.client(), spec).unwrap();
    let mut pages = resource.pages();
    let first = pages.try_next().await.unwrap().unwrap();
    assert_eq!(first.number(), 1);
    assert!(first.url().ends_with("/items?page=0"), "{}", first.url());
    // The consumer holds page 1: page 2 is requested without another poll, then page 3
    // once page 2 waits in the channel, and no more.
    assert!(
        answered(&server, 3).await,
        "pages 2 and 3 were not requested ahead"
    );
    for _ in 0..200 {
        tokio::task::yield_now().await;
    }
    assert_eq!(server.count(), 3);
    let second = pages.try_next().await.unwrap().unwrap();
    assert_eq!(
        (second.number(), second.items()),
        (2, &[Item { id: 1 }][..])
    );
    let rest: Vec<_> = pages.try_collect().await.unwrap();
    let ids: Vec<u64> = rest.iter().flat_map(|p| p.items()).map(|i| i.id).collect();
    assert_eq!(ids, [2, 3, 4]);
    assert_eq!(server.count(), 6, "each page exactly once");
}

/// A consumer that never has to wait (it works through a page without yielding to the
/// runtime) still overlaps with the server: taking a page gives the page loop its turn, and
/// the next page's request is on the wire before the consumer reads the page it took. The
/// server runs on its own thread, so it answers while this current-thread runtime is busy.
#[tokio::test(flavor = "current_thread")]
async fn taking_a_page_lets_the_next_request_go_out_before_the_consumer_reads_it() {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async move {
            let server = TestServer::start(five_pages).await;
            tx.send(server).unwrap();
            std::future::pending::<()>().await
        })
    });
    let server = rx.recv().unwrap();
    let spec = ResourceSpec::new("items", "items").paginator(PaginatorSpec::page_number());
    let resource: Resource<Item> = Resource::new(server.client(), spec).unwrap();
    let mut items = resource.items();
    assert_eq!(items.try_next().await.unwrap(), Some(Item { id: 0 }));
    // While the consumer waits, the loop gets page 2 ready and requests page 3, whose
    // answer then waits for room in the channel.
    assert!(answered(&server, 3).await);
    // Page 2 is taken without waiting; then the consumer is busy and never yields: the loop
    // must have had its turn on taking it, and requested page 4.
    assert_eq!(items.try_next().await.unwrap(), Some(Item { id: 1 }));
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while server.count() < 4 && std::time::Instant::now() < deadline {
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    assert_eq!(
        server.count(),
        4,
        "page 4 was not requested while page 2 was read"
    );
    let rest: Vec<Item> = items.try_collect().await.unwrap();
    assert_eq!(rest, [Item { id: 2 }, Item { id: 3 }, Item { id: 4 }]);
    assert_eq!(server.count(), 6, "each page exactly once");
}

async fn select(body: Value, selector: Option<&str>) -> Vec<Value> {
    let server = TestServer::start(move |_| Reply::json(body.clone())).await;
    let mut spec = ResourceSpec::new("r", "r").paginator(PaginatorSpec::single_page());
    if let Some(s) = selector {
        spec = spec.data_selector(s);
    }
    let resource: Resource<Value> = Resource::new(server.client(), spec).unwrap();
    resource.collect().await.unwrap()
}

#[tokio::test]
async fn data_selector_forms() {
    let body = json!({"data": {"items": [{"rows": [{"a": 1}, {"a": 2}]}]}, "meta": {"n": 2}});
    let rows = vec![json!({"a": 1}), json!({"a": 2})];
    assert_eq!(select(body.clone(), Some("data.items[0].rows")).await, rows);
    assert_eq!(select(body.clone(), Some("data.items.0.rows")).await, rows);
    assert_eq!(
        select(body.clone(), Some("$.data.items[0].rows")).await,
        rows
    );
    // A selector that lands on an object yields it as one record.
    assert_eq!(
        select(body.clone(), Some("meta")).await,
        vec![json!({"n": 2})]
    );
    assert_eq!(
        select(json!([1, 2]), Some("$")).await,
        vec![json!(1), json!(2)]
    );
    // A selector present with an empty array is an empty page; one absent from a non-empty
    // body is an error naming it (see paging_integrity.rs for the message).
    assert!(select(json!({"data": []}), Some("data")).await.is_empty());
    let server = TestServer::start(move |_| Reply::json(body.clone())).await;
    let spec = ResourceSpec::new("r", "r")
        .paginator(PaginatorSpec::single_page())
        .data_selector("nope");
    let resource: Resource<Value> = Resource::new(server.client(), spec).unwrap();
    let err = resource.collect().await.unwrap_err().to_string();
    assert!(
        err.contains("data_selector `nope` matched nothing"),
        "{err}"
    );
}

#[tokio::test]
async fn records_are_found_without_a_selector_like_dlt() {
    assert_eq!(
        select(json!([{"id": 1}]), None).await,
        vec![json!({"id": 1})]
    );
    assert_eq!(
        select(
            json!({"links": [{"rel": "x"}], "results": [{"id": 2}]}),
            None
        )
        .await,
        vec![json!({"id": 2})]
    );
    assert_eq!(
        select(
            json!({"response": {"users": [{"id": 3}]}, "count": 1}),
            None
        )
        .await,
        vec![json!({"id": 3})]
    );
    assert_eq!(select(json!({"id": 4}), None).await, vec![json!({"id": 4})]);
}

#[tokio::test]
async fn page_envelope_keeps_metadata_without_the_records() {
    let server = TestServer::start(|_| Reply::json(json!({"data": [{"id": 1}], "total": 1}))).await;
    let resource: Resource<Item> = Resource::new(
        server.client(),
        ResourceSpec::new("r", "r").data_selector("data"),
    )
    .unwrap();
    let page = resource.first_page().await.unwrap().unwrap();
    assert_eq!(page.items(), &[Item { id: 1 }]);
    assert_eq!(page.envelope(), &json!({"data": null, "total": 1}));
}

#[tokio::test]
async fn params_and_headers_are_sent_with_every_page() {
    let server = TestServer::start(|r| {
        let page: u64 = r.q("page").unwrap().parse().unwrap();
        Reply::json(if page < 2 {
            json!([{"id": page}])
        } else {
            json!([])
        })
    })
    .await;
    let spec = ResourceSpec::new("r", "r")
        .param("status", "active")
        .param("per_page", 50)
        .param("archived", false)
        .header("X-Trace", "t1")
        .paginator(PaginatorSpec::page_number());
    let resource: Resource<Item> = Resource::new(server.client(), spec).unwrap();
    assert_eq!(resource.collect().await.unwrap().len(), 2);
    let reqs = server.requests();
    assert_eq!(reqs.len(), 3);
    for r in reqs {
        assert_eq!(r.q("status"), Some("active"));
        assert_eq!(r.q("per_page"), Some("50"));
        assert_eq!(r.q("archived"), Some("false"));
        assert_eq!(r.header("x-trace"), Some("t1"));
    }
}

#[derive(Debug, Deserialize, PartialEq)]
struct Note {
    text: String,
    #[serde(rename = "_contacts_id")]
    contact_id: u64,
    #[serde(rename = "_contacts_owner_name")]
    owner: String,
}

#[tokio::test]
async fn child_resources_run_once_per_parent_item_with_parent_fields_attached() {
    let server = TestServer::start(|r| {
        if r.path == "/v1/eu/contacts" {
            let page: u64 = r.q("page").unwrap().parse().unwrap();
            let contacts: Vec<Value> = (page * 2..page * 2 + 2)
                .filter(|id| *id < 3)
                .map(|id| json!({"id": id, "owner": {"name": format!("o{id}"), "team": id % 2}}))
                .collect();
            return Reply::json(json!({"results": contacts}));
        }
        // /v1/eu/teams/<team>/contacts/<id>/notes
        let parts: Vec<&str> = r.path.split('/').collect();
        let (team, id) = (parts[4], parts[6]);
        Reply::json(json!([
            {"text": format!("{id}-a (team {team})")},
            {"text": format!("{id}-b (team {team})")}
        ]))
    })
    .await;
    let base = rest_source_runtime::RestClient::builder(format!("{}/v1", server.base))
        .no_timeout()
        .pool_idle_timeout(None)
        .build()
        .unwrap();
    let contacts: Resource<Value> = Resource::new(
        base.clone(),
        ResourceSpec::new("contacts", "{region}/contacts").paginator(PaginatorSpec::page_number()),
    )
    .unwrap()
    .path_param("region", "eu");
    let notes: Resource<Note> = Resource::new(
        base,
        ResourceSpec::new(
            "notes",
            "{region}/teams/{contacts.owner.team}/contacts/{contacts.id}/notes",
        )
        .include_from_parent("id")
        .include_from_parent("owner.name")
        .paginator(PaginatorSpec::single_page()),
    )
    .unwrap()
    .path_param("region", "eu")
    .with_parent(&contacts)
    .unwrap();
    assert_eq!(notes.spec().parent_name(), Some("contacts"));

    let got = notes.collect().await.unwrap();
    assert_eq!(got.len(), 6);
    assert_eq!(
        got[0],
        Note {
            text: "0-a (team 0)".into(),
            contact_id: 0,
            owner: "o0".into()
        }
    );
    assert_eq!(got[5].text, "2-b (team 0)");
    assert_eq!((got[5].contact_id, got[5].owner.as_str()), (2, "o2"));
    // Children of several parents are fetched concurrently and parent pages are fetched
    // ahead, so the requests' order is not fixed; each is made exactly once.
    let mut paths: Vec<String> = server.requests().into_iter().map(|r| r.path).collect();
    paths.sort();
    assert_eq!(
        paths,
        [
            "/v1/eu/contacts",
            "/v1/eu/contacts",
            "/v1/eu/contacts",
            "/v1/eu/teams/0/contacts/0/notes",
            "/v1/eu/teams/0/contacts/2/notes",
            "/v1/eu/teams/1/contacts/1/notes",
        ]
    );
}

#[tokio::test]
async fn child_placeholder_values_are_path_encoded() {
    let server = TestServer::start(|r| {
        if r.path == "/parents" {
            Reply::json(json!([{"key": "a/b c?"}]))
        } else {
            Reply::json(json!([{"id": 1}]))
        }
    })
    .await;
    let parents: Resource<Value> = Resource::new(
        server.client(),
        ResourceSpec::new("parents", "parents").paginator(PaginatorSpec::single_page()),
    )
    .unwrap();
    let children: Resource<Item> = Resource::new(
        server.client(),
        ResourceSpec::new("children", "parents/{parents.key}/children")
            .paginator(PaginatorSpec::single_page()),
    )
    .unwrap()
    .with_parent(&parents)
    .unwrap();
    assert_eq!(children.collect().await.unwrap(), [Item { id: 1 }]);
    assert_eq!(server.requests()[1].path, "/parents/a%2Fb%20c%3F/children");
}

#[tokio::test]
async fn a_parent_the_path_does_not_name_is_a_config_error() {
    let server = TestServer::start(|_| Reply::json(json!([]))).await;
    let parents: Resource<Value> =
        Resource::new(server.client(), ResourceSpec::new("users", "users")).unwrap();
    let err = Resource::<Item>::new(server.client(), ResourceSpec::new("notes", "notes/{id}"))
        .unwrap()
        .with_parent(&parents)
        .unwrap_err();
    assert!(matches!(err, Error::Config(_)));
    assert!(err.to_string().contains("`{users.id}`"), "{err}");
}

#[tokio::test]
async fn an_unfilled_placeholder_is_reported_when_polled() {
    let server = TestServer::start(|_| Reply::json(json!([]))).await;
    let r: Resource<Item> =
        Resource::new(server.client(), ResourceSpec::new("x", "{region}/x")).unwrap();
    let err = r.collect().await.unwrap_err();
    assert!(err.to_string().contains("`{region}`"), "{err}");
    assert_eq!(server.count(), 0);
}

#[tokio::test]
async fn decode_errors_name_the_redacted_page_url_and_keep_only_the_failing_record() {
    let server = TestServer::start(|_| {
        Reply::json(json!({"data": [{"id": 1}, {"id": "two", "note": "bad"}, {"id": 3}], "x": "y".repeat(100)}))
    })
    .await;
    let client = server
        .client_builder()
        .auth(ApiKey::query("api_key", Secret::new("sekrit-value")))
        .build()
        .unwrap();
    let r: Resource<Item> = Resource::new(
        client,
        ResourceSpec::new("items", "items").data_selector("data"),
    )
    .unwrap();
    let mut items = r.items();
    assert_eq!(items.try_next().await.unwrap(), Some(Item { id: 1 }));
    let err = items.try_next().await.unwrap_err();
    let Error::Decode {
        url, body, target, ..
    } = &err
    else {
        panic!("expected a decode error, got {err:?}");
    };
    assert!(url.contains("/items?api_key=[REDACTED]"), "{url}");
    assert_eq!(
        serde_json::from_str::<Value>(body).unwrap(),
        json!({"id": "two", "note": "bad"})
    );
    assert!(
        target.contains("Item") && target.contains("record 1 of page 1"),
        "{target}"
    );
    let text = err.to_string();
    assert!(!text.contains("sekrit-value"), "{text}");
    assert!(text.contains("\"two\""), "{text}");
    // A bad record fails alone: the stream goes on with the next one.
    assert_eq!(items.try_next().await.unwrap(), Some(Item { id: 3 }));
    assert!(items.next().await.is_none());
}

#[tokio::test]
async fn a_page_that_is_not_json_names_the_url() {
    let server = TestServer::start(|_| Reply {
        status: 200,
        headers: vec![],
        body: "<html>oops</html>".into(),
        truncated: false,
    })
    .await;
    let r: Resource<Item> =
        Resource::new(server.client(), ResourceSpec::new("items", "items")).unwrap();
    let err = r.collect().await.unwrap_err();
    assert!(matches!(&err, Error::Decode { body, .. } if body == "<html>oops</html>"));
    assert!(err.to_string().contains("/items"), "{err}");
}

#[tokio::test]
async fn clones_run_independent_streams() {
    let hits = Arc::new(AtomicUsize::new(0));
    let h = hits.clone();
    let server = TestServer::start(move |_| {
        h.fetch_add(1, Ordering::SeqCst);
        Reply::json(json!([{"id": 7}]))
    })
    .await;
    let r: Resource<Item> = Resource::new(
        server.client(),
        ResourceSpec::new("items", "items").paginator(PaginatorSpec::single_page()),
    )
    .unwrap();
    let (a, b) = (r.clone(), r.clone());
    let (x, y) = tokio::join!(a.collect(), b.collect());
    assert_eq!(
        (x.unwrap(), y.unwrap()),
        (vec![Item { id: 7 }], vec![Item { id: 7 }])
    );
    assert_eq!(hits.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn an_invalid_data_selector_is_rejected_when_the_resource_is_built() {
    let server = TestServer::start(|_| Reply::json(json!([]))).await;
    let err = Resource::<Item>::new(
        server.client(),
        ResourceSpec::new("items", "items").data_selector("data..x"),
    )
    .unwrap_err();
    assert!(err.to_string().contains("resource `items`"), "{err}");
    assert!(err.to_string().contains("`data..x`"), "{err}");
}

#[tokio::test]
async fn dlt_resolve_and_incremental_params_work_from_a_config() {
    let server = TestServer::start(|r| {
        if r.path == "/issues" {
            return Reply::json(json!([{"number": 7}, {"number": 9}]));
        }
        let n: u64 = r.path.split('/').nth(2).unwrap().parse().unwrap();
        Reply::json(json!([
            {"id": n * 10, "updated_at": "2023-12-31"},
            {"id": n * 10 + 1, "updated_at": "2024-02-01"}
        ]))
    })
    .await;
    let issues: Resource<Value> = Resource::new(
        server.client(),
        serde_json::from_value::<ResourceSpec>(json!({"name": "issues", "endpoint": "issues"}))
            .unwrap(),
    )
    .unwrap();
    let comments_spec: ResourceSpec = serde_json::from_value(json!({
        "name": "comments",
        "endpoint": {
            "path": "issues/{issue_number}/comments",
            "paginator": {"type": "single_page"},
            "params": {
                "issue_number": {"type": "resolve", "resource": "issues", "field": "number"},
                "since": {"type": "incremental", "cursor_path": "updated_at", "initial_value": "2024-01-01"}
            }
        }
    }))
    .unwrap();
    assert_eq!(comments_spec.parent_name(), Some("issues"));
    let comments: Resource<Item> = Resource::new(server.client(), comments_spec)
        .unwrap()
        .with_parent(&issues)
        .unwrap();
    let got: Vec<u64> = comments
        .collect()
        .await
        .unwrap()
        .into_iter()
        .map(|i| i.id)
        .collect();
    assert_eq!(got, [71, 91]);
    let reqs = server.requests();
    assert_eq!(reqs[1].path, "/issues/7/comments");
    assert_eq!(reqs[2].path, "/issues/9/comments");
    // The resolved param went into the path, not the query; the cursor is sent as `since`.
    assert_eq!(reqs[1].q("issue_number"), None);
    assert_eq!(reqs[1].q("since"), Some("2024-01-01"));
    assert_eq!(
        comments.incremental_state().unwrap().last_value,
        Some(json!("2024-02-01"))
    );
}

#[tokio::test]
async fn streams_are_send_and_static_so_they_can_be_spawned() {
    fn send_sync<T: Send + Sync + Clone>(_: &T) {}
    let server = TestServer::start(|_| Reply::json(json!([{"id": 5}]))).await;
    let resource: Resource<Item> = Resource::new(
        server.client(),
        ResourceSpec::new("items", "items").paginator(PaginatorSpec::single_page()),
    )
    .unwrap();
    send_sync(&resource);
    let items = resource.items();
    let pages = resource.pages();
    drop(resource);
    let (items, pages) = tokio::spawn(async move {
        let items: Vec<Item> = items.try_collect().await.unwrap();
        let pages: Vec<_> = pages.try_collect().await.unwrap();
        (items, pages.len())
    })
    .await
    .unwrap();
    assert_eq!((items, pages), (vec![Item { id: 5 }], 1));
}

#[tokio::test]
async fn post_search_endpoints_send_their_json_body_with_every_page() {
    let server = TestServer::start(|r| {
        assert_eq!(r.method, "POST");
        assert_eq!(r.header("content-type"), Some("application/json"));
        let query: Value = serde_json::from_str(&r.body).unwrap();
        assert_eq!(query, json!({"filter": {"status": "open"}}));
        let page: u64 = r.q("page").unwrap().parse().unwrap();
        Reply::json(json!({"data": if page < 2 { json!([{"id": page}]) } else { json!([]) }}))
    })
    .await;
    let spec = ResourceSpec::new("search", "search")
        .method("post")
        .json(json!({"filter": {"status": "open"}}))
        .paginator(PaginatorSpec::page_number());
    let r: Resource<Item> = Resource::new(server.client(), spec).unwrap();
    assert_eq!(r.collect().await.unwrap(), [Item { id: 0 }, Item { id: 1 }]);
    assert_eq!(server.count(), 3);
}

#[tokio::test]
async fn an_unknown_method_is_a_config_error() {
    let server = TestServer::start(|_| Reply::json(json!([]))).await;
    let err = Resource::<Item>::new(server.client(), ResourceSpec::new("x", "x").method("G E T"))
        .unwrap_err();
    assert!(
        err.to_string().contains("`G E T` is not an HTTP method"),
        "{err}"
    );
}
