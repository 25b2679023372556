//! Error text a user reads: bodies that are not text are described, not dumped; a 401 on a
//! resource without auth says so.

mod common;

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
