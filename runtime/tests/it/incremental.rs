//! Incremental loading across two runs with the state in a file store.

use crate::{common, page_server};

use std::sync::{Arc, Mutex};

use page_server::{Reply, TestServer};
use rest_source_runtime::spec::{IncrementalSpec, PaginatorSpec, ResourceSpec};
use rest_source_runtime::{FileStateStore, IncrementalState, Resource};
use serde::Deserialize;
use serde_json::{Value, json};

#[derive(Debug, Deserialize, PartialEq)]
struct Event {
    id: u64,
    updated_at: String,
}

fn spec() -> ResourceSpec {
    ResourceSpec::new("events", "events")
        .primary_key("id")
        .data_selector("data")
        .paginator(PaginatorSpec::page_number())
        .incremental(
            IncrementalSpec::new("updated_at")
                .start_param("since")
                .initial_value("2024-01-01T00:00:00Z"),
        )
}

#[tokio::test]
async fn second_run_sends_the_last_value_and_gets_only_new_records() {
    let dir = common::temp_dir("inc");
    let dir = dir.path();
    let store = FileStateStore::new(dir.join("state.json"));

    let db: Arc<Mutex<Vec<Value>>> = Arc::new(Mutex::new(vec![
        json!({"id": 1, "updated_at": "2023-12-01T00:00:00Z"}),
        json!({"id": 2, "updated_at": "2024-01-05T00:00:00Z"}),
        json!({"id": 3, "updated_at": "2024-02-01T10:00:00Z"}),
        json!({"id": 4, "updated_at": "2024-02-01T10:00:00Z"}),
    ]));
    let server_db = db.clone();
    // Filters inclusively on `since` (as most APIs do) and pages 2 records at a time.
    let server = TestServer::start(move |r| {
        let since = r.q("since").unwrap().to_owned();
        let page: usize = r.q("page").unwrap().parse().unwrap();
        let matching: Vec<Value> = server_db
            .lock()
            .unwrap()
            .iter()
            .filter(|e| e["updated_at"].as_str().unwrap() >= since.as_str())
            .cloned()
            .collect();
        let data: Vec<Value> = matching.into_iter().skip(page * 2).take(2).collect();
        Reply::json(json!({"data": data}))
    })
    .await;

    // Run 1: nothing saved yet, so the initial value is sent.
    let run1: Resource<Event> = Resource::new(server.client(), spec())
        .unwrap()
        .with_incremental_state(store.load("events").unwrap());
    let got: Vec<u64> = run1.collect().await.unwrap().iter().map(|e| e.id).collect();
    assert_eq!(got, [2, 3, 4]);
    assert!(
        server
            .requests()
            .iter()
            .all(|r| r.q("since") == Some("2024-01-01T00:00:00Z"))
    );
    let state = run1.incremental_state().unwrap();
    assert_eq!(
        state,
        IncrementalState {
            last_value: Some(json!("2024-02-01T10:00:00Z")),
            last_value_keys: vec![json!(3), json!(4)],
            parent: None,
        }
    );
    store.save("events", &state).unwrap();
    let run1_requests = server.count();

    // New data arrives between runs.
    db.lock().unwrap().extend([
        json!({"id": 5, "updated_at": "2024-03-01T00:00:00Z"}),
        json!({"id": 6, "updated_at": "2024-03-02T00:00:00Z"}),
    ]);

    // Run 2: a fresh resource (as in a new process) restores the state from the file.
    let run2: Resource<Event> = Resource::new(server.client(), spec())
        .unwrap()
        .with_incremental_state(FileStateStore::new(store.path()).load("events").unwrap());
    let got: Vec<u64> = run2.collect().await.unwrap().iter().map(|e| e.id).collect();
    // The server resends 3 and 4 (inclusive `since`); they were loaded by run 1.
    assert_eq!(got, [5, 6]);
    let run2_requests = &server.requests()[run1_requests..];
    assert!(!run2_requests.is_empty());
    for r in run2_requests {
        assert_eq!(r.q("since"), Some("2024-02-01T10:00:00Z"));
    }
    assert_eq!(
        run2.incremental_state().unwrap().last_value,
        Some(json!("2024-03-02T00:00:00Z"))
    );
}

#[tokio::test]
async fn numbers_are_compared_numerically() {
    let server = TestServer::start(|_| {
        Reply::json(json!([{"id": 1, "seq": 9}, {"id": 2, "seq": 10}, {"id": 3, "seq": 100}, {"id": 4, "seq": 2}]))
    })
    .await;
    let spec = ResourceSpec::new("r", "r")
        .paginator(PaginatorSpec::single_page())
        .incremental(
            IncrementalSpec::new("seq")
                .start_param("after")
                .initial_value(3),
        );
    let r: Resource<Value> = Resource::new(server.client(), spec).unwrap();
    let got = r.collect().await.unwrap();
    // 2 < 3 is dropped client-side even though the server ignored `after`.
    assert_eq!(got.len(), 3);
    assert_eq!(r.incremental_state().unwrap().last_value, Some(json!(100)));
    assert_eq!(server.requests()[0].q("after"), Some("3"));
}

#[tokio::test]
async fn state_file_is_written_atomically_and_keeps_other_resources() {
    let dir = common::temp_dir("store");
    let dir = dir.path();
    let path = dir.join("state.json");
    let store = FileStateStore::new(&path);
    let a = IncrementalState {
        last_value: Some(json!(1)),
        last_value_keys: vec![],
        parent: None,
    };
    let b = IncrementalState {
        last_value: Some(json!("x")),
        last_value_keys: vec![json!("k")],
        parent: None,
    };
    store.save("a", &a).unwrap();
    store.save("b", &b).unwrap();
    assert_eq!((store.load("a").unwrap(), store.load("b").unwrap()), (a, b));
    // No temporary file is left next to the state.
    let names: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names, ["state.json"]);
    std::fs::write(&path, "{not json").unwrap();
    let err = store.load("a").unwrap_err().to_string();
    assert!(
        err.contains("state.json") && err.contains("is not valid"),
        "{err}"
    );
}

#[tokio::test]
async fn resources_without_incremental_have_no_state() {
    let server = TestServer::start(|_| Reply::json(json!([]))).await;
    let r: Resource<Value> = Resource::new(server.client(), ResourceSpec::new("r", "r")).unwrap();
    assert_eq!(r.incremental_state(), None);
}
