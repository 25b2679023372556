//! A `#[rest_source]` child of an incremental parent over two runs: the child is fetched for
//! exactly the parent records of the run's window, whichever field is read first, and the
//! states saved after a completed run make the next run fetch neither less nor more.

use std::sync::{Arc, Mutex};

use rest_source::{FileStateStore, Resource, Secret, rest_source};
use serde::Deserialize;
use serde_json::{Value, json};
use wiremock::matchers::method;
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

#[derive(Debug, Deserialize)]
struct Contact {
    id: u64,
}

#[derive(Debug, Deserialize)]
struct Note {
    note: String,
}

#[rest_source(
    base_url = "https://crm.example.com/api",
    auth = bearer(token = secret("token")),
    paginator = single_page,
)]
struct Crm {
    #[resource(
        path = "contacts",
        data_selector = "results",
        primary_key = "id",
        incremental(
            cursor_path = "updated_at",
            start_param = "updated_since",
            initial_value = "2024-01-01"
        )
    )]
    contacts: Resource<Contact>,

    #[resource(path = "contacts/{contacts.id}/notes")]
    notes: Resource<Note>,
}

/// `/contacts?updated_since=` filters inclusively; `/contacts/<id>/notes` has one note.
#[derive(Clone)]
struct Api {
    contacts: Arc<Mutex<Vec<Value>>>,
}

impl Respond for Api {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let path = request.url.path();
        if path == "/contacts" {
            let since = request
                .url
                .query_pairs()
                .find(|(k, _)| k == "updated_since")
                .map(|(_, v)| v.into_owned())
                .unwrap_or_default();
            let data: Vec<Value> = self
                .contacts
                .lock()
                .unwrap()
                .iter()
                .filter(|c| c["updated_at"].as_str().unwrap() >= since.as_str())
                .cloned()
                .collect();
            return ResponseTemplate::new(200).set_body_json(json!({ "results": data }));
        }
        let id = path
            .strip_prefix("/contacts/")
            .and_then(|p| p.strip_suffix("/notes"))
            .expect("a notes path");
        ResponseTemplate::new(200).set_body_json(json!([{ "note": format!("note of {id}") }]))
    }
}

async fn server() -> (MockServer, Api) {
    let server = MockServer::start().await;
    let api = Api {
        contacts: Arc::new(Mutex::new(vec![
            json!({"id": 1, "updated_at": "2024-01-01"}),
            json!({"id": 2, "updated_at": "2024-02-01"}),
            json!({"id": 3, "updated_at": "2024-03-01"}),
        ])),
    };
    Mock::given(method("GET"))
        .respond_with(api.clone())
        .mount(&server)
        .await;
    (server, api)
}

/// A new source, as a new process builds it, with the saved states restored.
fn crm(server: &MockServer, store: &FileStateStore) -> Crm {
    let crm = Crm::builder()
        .secrets(CrmSecrets {
            token: Secret::new("tok"),
        })
        .base_url(server.uri())
        .build()
        .expect("the source builds");
    // Clones share the state with the fields, so restoring through one restores both.
    let _ = crm
        .contacts
        .clone()
        .with_incremental_state(store.load("contacts").unwrap());
    let _ = crm
        .notes
        .clone()
        .with_incremental_state(store.load("notes").unwrap());
    crm
}

fn save(crm: &Crm, store: &FileStateStore) {
    store
        .save("contacts", &crm.contacts.incremental_state().unwrap())
        .unwrap();
    store
        .save("notes", &crm.notes.incremental_state().unwrap())
        .unwrap();
}

/// A file state store in a fresh temp dir, removed when the guard drops.
fn store(test: &str) -> (tempfile::TempDir, FileStateStore) {
    let dir = tempfile::Builder::new()
        .prefix(&format!("rest-source-macro-children-{test}-"))
        .tempdir()
        .unwrap();
    let store = FileStateStore::new(dir.path().join("state.json"));
    (dir, store)
}

async fn notes_requested(server: &MockServer, since: usize) -> Vec<String> {
    server.received_requests().await.unwrap()[since..]
        .iter()
        .map(|r| r.url.path().to_owned())
        .filter(|p| p.ends_with("/notes"))
        .collect()
}

fn texts(notes: &[Note]) -> Vec<&str> {
    notes.iter().map(|n| n.note.as_str()).collect()
}

#[tokio::test]
async fn reading_the_parent_first_still_gives_the_child_the_whole_first_window() {
    let (server, _) = server().await;
    let (_dir, store) = store("parent-first");
    let crm = crm(&server, &store);
    let contacts = crm.contacts.collect().await.unwrap();
    let notes = crm.notes.collect().await.unwrap();
    assert_eq!(contacts.iter().map(|c| c.id).collect::<Vec<_>>(), [1, 2, 3]);
    assert_eq!(texts(&notes), ["note of 1", "note of 2", "note of 3"]);
}

#[tokio::test]
async fn reading_the_child_first_leaves_the_parent_its_whole_first_window() {
    let (server, _) = server().await;
    let (_dir, store) = store("child-first");
    let crm = crm(&server, &store);
    let notes = crm.notes.collect().await.unwrap();
    let contacts = crm.contacts.collect().await.unwrap();
    assert_eq!(texts(&notes), ["note of 1", "note of 2", "note of 3"]);
    assert_eq!(contacts.iter().map(|c| c.id).collect::<Vec<_>>(), [1, 2, 3]);
}

#[tokio::test]
async fn the_second_run_fetches_the_notes_of_new_and_updated_contacts_only() {
    let (server, api) = server().await;
    let (_dir, store) = store("second-run");

    let run1 = crm(&server, &store);
    assert_eq!(run1.contacts.collect().await.unwrap().len(), 3);
    assert_eq!(run1.notes.collect().await.unwrap().len(), 3);
    save(&run1, &store);

    api.contacts.lock().unwrap()[1]["updated_at"] = json!("2024-04-01");
    api.contacts
        .lock()
        .unwrap()
        .push(json!({"id": 4, "updated_at": "2024-04-02"}));

    let before = server.received_requests().await.unwrap().len();
    let run2 = crm(&server, &store);
    let notes = run2.notes.collect().await.unwrap();
    let contacts = run2.contacts.collect().await.unwrap();
    assert_eq!(contacts.iter().map(|c| c.id).collect::<Vec<_>>(), [2, 4]);
    assert_eq!(texts(&notes), ["note of 2", "note of 4"]);
    assert_eq!(
        notes_requested(&server, before).await,
        ["/contacts/2/notes", "/contacts/4/notes"]
    );
}
