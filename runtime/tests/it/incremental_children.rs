//! A child of an incremental parent, through the config `Source` the CLI runs, over two runs
//! with the state in a file: each run fetches the children of exactly the parent records of
//! its window, whichever resource is read first, and the state advances once per completed
//! run (never on failure, never for a stream dropped early).

use crate::page_server;

use std::sync::{Arc, Mutex};

use futures::TryStreamExt;
use page_server::{Recorded, Reply, TestServer};
use rest_source_runtime::config::{Source, SourceConfig};
use rest_source_runtime::spec::SecretValues;
use rest_source_runtime::{FileStateStore, Resource};
use serde_json::{Value, json};

/// A CRM whose `/contacts?updated_since=` filters inclusively and whose
/// `/contacts/<id>/notes` answers one note per contact (404 for the ids in `missing`).
struct Crm {
    server: TestServer,
    contacts: Arc<Mutex<Vec<Value>>>,
    missing: Arc<Mutex<Vec<u64>>>,
}

impl Crm {
    async fn start() -> Crm {
        let contacts = Arc::new(Mutex::new(vec![
            json!({"id": 1, "updated_at": "2024-01-01"}),
            json!({"id": 2, "updated_at": "2024-02-01"}),
            json!({"id": 3, "updated_at": "2024-03-01"}),
        ]));
        let missing = Arc::new(Mutex::new(Vec::new()));
        let (db, gone) = (contacts.clone(), missing.clone());
        let server = TestServer::start(move |r| {
            if r.path == "/contacts" {
                let since = r.q("updated_since").unwrap_or("").to_owned();
                let data: Vec<Value> = db
                    .lock()
                    .unwrap()
                    .iter()
                    .filter(|c| c["updated_at"].as_str().unwrap() >= since.as_str())
                    .cloned()
                    .collect();
                return Reply::json(json!({ "results": data }));
            }
            let id: u64 = r
                .path
                .strip_prefix("/contacts/")
                .and_then(|p| p.strip_suffix("/notes"))
                .and_then(|id| id.parse().ok())
                .expect("a notes path");
            if gone.lock().unwrap().contains(&id) {
                return Reply::status(404);
            }
            Reply::json(json!([{ "note": format!("note of {id}") }]))
        })
        .await;
        Crm {
            server,
            contacts,
            missing,
        }
    }

    /// The config source, as `rest-source run` builds it, with the saved states restored as
    /// the CLI restores them.
    fn source(&self, store: &FileStateStore) -> Vec<Resource<Value>> {
        let config = SourceConfig::from_toml_str(
            &format!(
                r#"
[client]
base_url = "{}"
paginator = "single_page"

[[resources]]
name = "contacts"
primary_key = "id"
endpoint = {{ path = "contacts", data_selector = "results", incremental = {{ cursor_path = "updated_at", start_param = "updated_since", initial_value = "2024-01-01" }} }}

[[resources]]
name = "notes"
endpoint = {{ path = "contacts/{{contacts.id}}/notes" }}
"#,
                self.server.base
            ),
            "crm.toml",
        )
        .expect("the config loads");
        let source: Source = config
            .build_with_values(&SecretValues::new("crm"))
            .expect("the source builds");
        source
            .selected()
            .map(|r| match r.incremental_state() {
                Some(_) => r
                    .clone()
                    .with_incremental_state(store.load(r.name()).unwrap()),
                None => r.clone(),
            })
            .collect()
    }

    fn notes_requested(&self, since: usize) -> Vec<String> {
        let requests: Vec<Recorded> = self.server.requests();
        requests[since..]
            .iter()
            .filter(|r| r.path.ends_with("/notes"))
            .map(|r| r.path.clone())
            .collect()
    }
}

/// A file state store in a fresh temp dir, removed when the guard drops.
fn store(test: &str) -> (tempfile::TempDir, FileStateStore) {
    let dir = crate::common::temp_dir(&format!("incr-children-{test}"));
    let store = FileStateStore::new(dir.path().join("state.json"));
    (dir, store)
}

fn ids(records: &[Value]) -> Vec<u64> {
    records.iter().map(|r| r["id"].as_u64().unwrap()).collect()
}

fn notes(records: &[Value]) -> Vec<String> {
    records
        .iter()
        .map(|r| r["note"].as_str().unwrap().to_owned())
        .collect()
}

fn save(store: &FileStateStore, resources: &[Resource<Value>]) {
    for r in resources {
        if let Some(state) = r.incremental_state() {
            store.save(r.name(), &state).unwrap();
        }
    }
}

#[tokio::test]
async fn the_second_run_fetches_children_of_updated_parents_only() {
    let crm = Crm::start().await;
    let (_dir, store) = store("second-run");

    // Run 1, the parent read first: both resources see the whole window.
    let run1 = crm.source(&store);
    let contacts = run1[0].collect().await.unwrap();
    let notes1 = run1[1].collect().await.unwrap();
    assert_eq!(ids(&contacts), [1, 2, 3]);
    assert_eq!(notes(&notes1), ["note of 1", "note of 2", "note of 3"]);
    save(&store, &run1);

    // Between runs: contact 2 is updated and contact 4 is added.
    crm.contacts.lock().unwrap()[1]["updated_at"] = json!("2024-04-01");
    crm.contacts
        .lock()
        .unwrap()
        .push(json!({"id": 4, "updated_at": "2024-04-02"}));

    // Run 2, a new process: the child reads the parent from its own saved position.
    let before = crm.server.count();
    let run2 = crm.source(&store);
    let notes2 = run2[1].collect().await.unwrap();
    let contacts = run2[0].collect().await.unwrap();
    // Contact 3 sits at the saved boundary and was loaded by run 1: not again.
    assert_eq!(ids(&contacts), [2, 4]);
    assert_eq!(notes(&notes2), ["note of 2", "note of 4"]);
    assert_eq!(
        crm.notes_requested(before),
        ["/contacts/2/notes", "/contacts/4/notes"]
    );
    for r in &crm.server.requests()[before..] {
        if r.path == "/contacts" {
            assert_eq!(r.q("updated_since"), Some("2024-03-01"));
        }
    }
    save(&store, &run2);

    // Run 3, nothing changed upstream: no notes are requested at all.
    let before = crm.server.count();
    let run3 = crm.source(&store);
    assert!(run3[1].collect().await.unwrap().is_empty());
    assert!(crm.notes_requested(before).is_empty());
}

#[tokio::test]
async fn the_child_read_first_leaves_the_parent_window_whole() {
    let crm = Crm::start().await;
    let (_dir, store) = store("child-first");
    let run = crm.source(&store);
    let notes1 = run[1].collect().await.unwrap();
    let contacts = run[0].collect().await.unwrap();
    assert_eq!(notes1.len(), 3);
    assert_eq!(
        ids(&contacts),
        [1, 2, 3],
        "reading the child must not move the parent's cursor"
    );
    let parent_position = run[1].incremental_state().unwrap().parent.unwrap();
    assert_eq!(parent_position.last_value, Some(json!("2024-03-01")));
    assert_eq!(
        run[0].incremental_state().unwrap().last_value,
        Some(json!("2024-03-01"))
    );
}

#[tokio::test]
async fn a_failed_child_run_leaves_its_position_so_the_next_run_repeats_the_window() {
    let crm = Crm::start().await;
    let (_dir, store) = store("failed-child");
    crm.missing.lock().unwrap().push(3);

    let run1 = crm.source(&store);
    let err = run1[1].collect().await.unwrap_err();
    assert_eq!(err.status().map(|s| s.as_u16()), Some(404), "{err}");
    let state = run1[1]
        .incremental_state()
        .expect("a child of an incremental parent");
    assert_eq!(
        state.parent.map(|p| p.last_value),
        Some(None),
        "a failed run does not move the child's place in the parent's cursor"
    );
    save(&store, &run1);

    // Run 2: the notes of contacts 1 and 2 were delivered before the failure, but the run did
    // not complete, so the window is read again instead of skipping contact 3's notes.
    crm.missing.lock().unwrap().clear();
    let before = crm.server.count();
    let run2 = crm.source(&store);
    let notes2 = run2[1].collect().await.unwrap();
    assert_eq!(notes(&notes2), ["note of 1", "note of 2", "note of 3"]);
    assert_eq!(crm.notes_requested(before).len(), 3);
}

#[tokio::test]
async fn a_stream_dropped_early_or_a_first_page_advances_nothing() {
    let crm = Crm::start().await;
    let (_dir, store) = store("dropped");
    let run = crm.source(&store);
    let first = run[0].first_page().await.unwrap().unwrap();
    assert_eq!(first.len(), 3);
    assert_eq!(run[0].incremental_state().unwrap().last_value, None);
    let mut notes = run[1].items();
    assert!(notes.try_next().await.unwrap().is_some());
    drop(notes);
    let state = run[1].incremental_state().unwrap();
    assert_eq!(state.parent.unwrap().last_value, None);
}
