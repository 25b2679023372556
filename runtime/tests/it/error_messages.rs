//! Error text a user reads: bodies that are not text are described, not dumped; a 401 on a
//! resource without auth says so.

use crate::common;

use common::{Reply, TestServer, client};
use rest_source_runtime::{Error, NoAuth};

#[tokio::test]
async fn a_binary_error_body_is_described_not_dumped() {
    let server = TestServer::start(|_| {
        Reply::text(400, "application/zip", "PK\u{3}\u{4}\u{0}\u{0}\u{8}\u{0}")
    })
    .await;
    let err = client(&server, NoAuth).get("export").await.unwrap_err();
    let text = err.to_string();
    assert!(
        text.contains("[8 bytes of binary data (application/zip); not shown]"),
        "{text}"
    );
    assert!(!text.contains("PK"), "{text}");
}

#[tokio::test]
async fn an_error_body_in_an_unknown_encoding_is_described_not_dumped() {
    let server = TestServer::start(|_| {
        Reply::text(404, "application/json", "\u{1f}\u{9d}\u{90}binary")
            .with_header("content-encoding", "compress")
    })
    .await;
    let err = client(&server, NoAuth).get("x").await.unwrap_err();
    let text = err.to_string();
    assert!(
        text.contains("compress-encoded, not decoded; not shown"),
        "{text}"
    );
    assert!(!text.contains("binary"), "{text}");
}

#[tokio::test]
async fn a_text_error_body_is_quoted() {
    let server =
        TestServer::start(|_| Reply::text(422, "application/json", r#"{"error":"bad date"}"#))
            .await;
    let err = client(&server, NoAuth).get("x").await.unwrap_err();
    assert_eq!(err.body(), Some(r#"{"error":"bad date"}"#));
}

#[tokio::test]
async fn a_401_without_auth_says_the_resource_has_no_credentials() {
    let server = TestServer::start(|_| Reply::unauthorized()).await;
    let err = client(&server, NoAuth).get("private").await.unwrap_err();
    assert!(matches!(err, Error::Auth { .. }), "{err:?}");
    let text = err.to_string();
    assert!(
        text.contains("the server asks for credentials; this resource has none"),
        "{text}"
    );
    assert!(!text.contains("check the `none` credentials"), "{text}");
}

/// A fresh directory under the system's temp dir for one test, removed on drop.
fn scratch(test: &str) -> tempfile::TempDir {
    crate::common::temp_dir(&format!("errors-{test}"))
}

#[test]
fn a_state_file_in_a_missing_directory_is_an_io_error_naming_the_path() {
    let dir = scratch("state-missing-dir");
    let path = dir.path().join("no-such-dir").join("state.json");
    let store = rest_source_runtime::FileStateStore::new(&path);
    let err = store
        .save("items", &rest_source_runtime::IncrementalState::default())
        .unwrap_err();
    let Error::Io {
        path: named,
        source,
        ..
    } = &err
    else {
        panic!("expected Error::Io, got {err:?}");
    };
    assert_eq!(named, &path);
    assert_eq!(source.kind(), std::io::ErrorKind::NotFound);
    let text = err.to_string();
    assert!(
        text.contains(&format!(
            "could not create the incremental state file `{}`",
            path.display()
        )) && text.contains("check that the directory exists"),
        "{text}"
    );
    assert!(!err.is_retryable());
}

#[test]
fn an_unreadable_or_invalid_state_file_is_an_io_error_naming_the_path() {
    let dir = scratch("state-unreadable");
    let dir = dir.path();
    // A directory where the file should be: reading it fails (as root too, unlike a mode).
    let unreadable = dir.join("state.json");
    std::fs::create_dir(&unreadable).unwrap();
    let err = rest_source_runtime::FileStateStore::new(&unreadable)
        .load("items")
        .unwrap_err();
    assert!(
        matches!(&err, Error::Io { path, .. } if path == &unreadable),
        "{err:?}"
    );
    assert!(
        err.to_string()
            .contains("could not read the incremental state file"),
        "{err}"
    );

    let invalid = dir.join("invalid.json");
    std::fs::write(&invalid, "not json").unwrap();
    let err = rest_source_runtime::FileStateStore::new(&invalid)
        .load("items")
        .unwrap_err();
    assert!(
        matches!(&err, Error::Io { path, source, .. }
            if path == &invalid && source.kind() == std::io::ErrorKind::InvalidData),
        "{err:?}"
    );
    assert!(
        err.to_string()
            .contains("delete it to start from `initial_value`"),
        "{err}"
    );
    assert!(!err.is_retryable());
}

#[tokio::test]
async fn an_unreadable_token_store_is_an_io_error_that_never_quotes_the_file() {
    use rest_source_runtime::TokenStore;
    let dir = scratch("token-store");
    let dir = dir.path();
    let unreadable = dir.join("token.json");
    std::fs::create_dir(&unreadable).unwrap();
    let err = rest_source_runtime::FileTokenStore::new(&unreadable)
        .load()
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::Io { path, .. } if path == &unreadable),
        "{err:?}"
    );

    let invalid = dir.join("invalid.json");
    std::fs::write(&invalid, "refresh-token-canary").unwrap();
    let err = rest_source_runtime::FileTokenStore::new(&invalid)
        .load()
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::Io { source, .. } if source.kind() == std::io::ErrorKind::InvalidData),
        "{err:?}"
    );
    for text in [err.to_string(), format!("{err:?}")] {
        assert!(text.contains(&invalid.display().to_string()), "{text}");
        assert!(!text.contains("refresh-token-canary"), "{text}");
    }
    assert!(!err.is_retryable());
}

const QUERY_KEY: &str = "query-key-canary-5b2e";

#[tokio::test]
async fn a_malformed_next_link_is_a_protocol_error_with_the_redacted_url() {
    use rest_source_runtime::spec::{PaginatorSpec, ResourceSpec};
    let server = TestServer::start(|_| {
        Reply::json(
            200,
            serde_json::json!({"data": [{"id": 1}], "next": "http://[oops/next"}),
        )
    })
    .await;
    // A parameter name only this auth knows holds the key: the client's redaction applies.
    let client = client(
        &server,
        rest_source_runtime::ApiKey::query("tenant_code", QUERY_KEY),
    );
    let resource: rest_source_runtime::Resource<serde_json::Value> =
        rest_source_runtime::Resource::new(
            client,
            ResourceSpec::new("items", "items")
                .data_selector("data")
                .paginator(PaginatorSpec::json_link("next")),
        )
        .unwrap();
    let err = resource.collect().await.unwrap_err();
    let Error::Protocol { url, message } = &err else {
        panic!("expected Error::Protocol, got {err:?}");
    };
    assert_eq!(
        url,
        &format!("{}?tenant_code=[REDACTED]", server.url("/items"))
    );
    assert!(
        message.contains("resource `items`")
            && message.contains("next-page link is not a valid URL"),
        "{message}"
    );
    for text in [err.to_string(), format!("{err:?}")] {
        assert!(!text.contains(QUERY_KEY), "{text}");
        assert!(text.contains("tenant_code=[REDACTED]"), "{text}");
    }
    assert!(!err.is_retryable());
    assert_eq!(server.count("/items"), 1, "a protocol error is not retried");
}

#[test]
fn is_retryable_for_each_kind_of_error() {
    use std::io::ErrorKind;
    let io = |kind| Error::io("write the file", "state.json", std::io::Error::from(kind));
    let status = |code| Error::Status {
        method: rest_source_runtime::reqwest::Method::GET,
        url: "https://h.test/x".into(),
        status: rest_source_runtime::reqwest::StatusCode::from_u16(code).unwrap(),
        body: String::new(),
        retry_after: None,
    };
    let cases: Vec<(Error, bool)> = vec![
        (Error::Config("bad".into()), false),
        (io(ErrorKind::NotFound), false),
        (io(ErrorKind::PermissionDenied), false),
        // A lock held too long was already waited for (`lock_timeout`).
        (io(ErrorKind::TimedOut), false),
        (
            Error::Protocol {
                url: "https://h.test/x".into(),
                message: "the next-page link is not a valid URL".into(),
            },
            false,
        ),
        (status(503), true),
        (status(429), true),
        (status(404), false),
        (
            Error::Auth {
                scheme: "oauth2_client_credentials",
                message: "token endpoint failed".into(),
                source: Some(Box::new(status(502))),
            },
            true,
        ),
        (Error::auth("bearer", "no token"), false),
    ];
    for (err, retryable) in cases {
        assert_eq!(err.is_retryable(), retryable, "{err}");
    }
}

#[test]
fn debug_prints_the_message_not_a_struct() {
    let err = Error::io(
        "write the incremental state file",
        "out/state.json",
        std::io::Error::from(std::io::ErrorKind::PermissionDenied),
    );
    // The source's text is already in the message: no "Caused by" repeating it.
    assert_eq!(format!("{err:?}"), err.to_string());
    assert!(!format!("{err:?}").contains("Io {"), "{err:?}");
}

#[tokio::test]
async fn debug_of_a_transport_error_adds_its_causes_and_no_secret() {
    let socket = tokio::net::TcpSocket::new_v4().unwrap();
    socket.bind("127.0.0.1:0".parse().unwrap()).unwrap();
    let port = socket.local_addr().unwrap().port();
    let client = rest_source_runtime::RestClient::builder(format!("http://127.0.0.1:{port}"))
        .auth(rest_source_runtime::ApiKey::query("tenant_code", QUERY_KEY))
        .retry(rest_source_runtime::RetryPolicy::none())
        .build()
        .unwrap();
    let err = client.get("items").await.unwrap_err();
    let debug = format!("{err:?}");
    assert!(debug.starts_with(&err.to_string()), "{debug}");
    assert!(debug.contains("\n\nCaused by:\n"), "{debug}");
    assert!(
        !debug.contains("Transport {") && !debug.contains("source:"),
        "{debug}"
    );
    assert!(!debug.contains(QUERY_KEY), "{debug}");
    drop(socket);
}
