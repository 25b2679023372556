//! dlt's declarative `response_actions` on the wire: an ignored response yields no records
//! and ends only its own page loop (a child of a parent without children does not end the
//! run), it is counted in the run report, and a `retry` action sends the request again.

use crate::page_server;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use page_server::{Reply, TestServer};
use rest_source_runtime::config::SourceConfig;
use rest_source_runtime::spec::{ResourceSpec, ResponseAction, ResponseActionKind, SecretValues};
use rest_source_runtime::{Resource, RetryPolicy, StopReason};
use serde_json::{Value, json};

fn source(text: &str) -> rest_source_runtime::config::Source {
    SourceConfig::from_toml_str(text, "dlt.toml")
        .expect("the config loads")
        .build_with_values(&SecretValues::new("dlt"))
        .expect("the source builds")
}

/// Posts 1, 2 and 3; post 2 has no comments and its comments endpoint answers 404.
async fn blog() -> TestServer {
    TestServer::start(|r| match r.path.as_str() {
        "/posts" => Reply::json(json!([{"id": 1}, {"id": 2}, {"id": 3}])),
        "/posts/2/comments" => Reply {
            body: r#"{"detail": "Not found"}"#.into(),
            ..Reply::status(404)
        },
        p if p.ends_with("/comments") => {
            let post: u64 = p.split('/').nth(2).unwrap().parse().unwrap();
            Reply::json(json!([{"id": post * 10, "post": post}]))
        }
        _ => Reply::status(500),
    })
    .await
}

fn blog_config(base: &str, actions: &str) -> String {
    format!(
        r#"
[client]
base_url = "{base}"
paginator = "single_page"

[[resources]]
name = "posts"
endpoint = "posts"

[[resources]]
name = "comments"
[resources.endpoint]
path = "posts/{{resources.posts.id}}/comments"
{actions}
"#
    )
}

#[tokio::test]
async fn an_ignored_404_child_does_not_end_the_run_and_is_reported() {
    let server = blog().await;
    let source = source(&blog_config(
        &server.base,
        r#"response_actions = [{ status_code = 404, action = "ignore" }]"#,
    ));
    let (comments, report) = source
        .resource("comments")
        .unwrap()
        .collect_with_report()
        .await
        .expect("the 404 is ignored, not an error");
    let posts: Vec<&Value> = comments.iter().map(|c| &c["post"]).collect();
    assert_eq!(posts, [&json!(1), &json!(3)]);
    let paths: Vec<String> = server.requests().into_iter().map(|r| r.path).collect();
    assert_eq!(
        paths,
        [
            "/posts",
            "/posts/1/comments",
            "/posts/2/comments",
            "/posts/3/comments"
        ]
    );
    assert_eq!(report.ignored_responses.get("404"), Some(&1));
    assert_eq!(report.total_ignored(), 1);
    assert_eq!(report.stops.get(&StopReason::Ignored), Some(&1));
    assert_eq!(report.stops.get(&StopReason::NoNextPage), Some(&2));
    assert_eq!(report.records, 2);
}

#[tokio::test]
async fn without_a_response_action_the_404_fails_the_run() {
    let server = blog().await;
    let source = source(&blog_config(&server.base, ""));
    let err = source
        .resource("comments")
        .unwrap()
        .collect()
        .await
        .expect_err("a 404 is an error unless ignored");
    assert_eq!(err.status().map(|s| s.as_u16()), Some(404));
}

#[tokio::test]
async fn status_and_content_must_both_match() {
    let server = blog().await;
    let source = source(&blog_config(
        &server.base,
        r#"response_actions = [{ status_code = 404, content = "no comments", action = "ignore" }]"#,
    ));
    let err = source
        .resource("comments")
        .unwrap()
        .collect()
        .await
        .expect_err("the body says `Not found`, not `no comments`");
    assert_eq!(err.status().map(|s| s.as_u16()), Some(404));

    // `content` alone matches the text in the error body (dlt: a substring of the body).
    let source = source_for_content(&server.base);
    let comments = source
        .resource("comments")
        .unwrap()
        .collect()
        .await
        .unwrap();
    assert_eq!(comments.len(), 2);
}

#[tokio::test]
async fn content_is_matched_anywhere_in_a_long_error_body() {
    // dlt matches `content in response.text`, the whole text: here the words sit past the
    // 512 characters an error message shows.
    let padding = "x".repeat(2000);
    let server = TestServer::start(move |r| match r.path.as_str() {
        "/posts" => Reply::json(json!([{"id": 1}, {"id": 2}])),
        "/posts/2/comments" => Reply {
            body: format!(r#"{{"trace": "{padding}", "detail": "Not found"}}"#),
            ..Reply::status(404)
        },
        _ => Reply::json(json!([{"id": 10, "post": 1}])),
    })
    .await;
    let (comments, report) = source_for_content(&server.base)
        .resource("comments")
        .unwrap()
        .collect_with_report()
        .await
        .expect("the text 2000 characters into the body matches");
    assert_eq!(comments, [json!({"id": 10, "post": 1})]);
    assert_eq!(report.ignored_responses.get("404"), Some(&1));
}

fn source_for_content(base: &str) -> rest_source_runtime::config::Source {
    source(&blog_config(
        base,
        r#"response_actions = [{ content = "Not found", action = "ignore" }]"#,
    ))
}

#[tokio::test]
async fn a_200_whose_body_matches_is_ignored_before_the_selector_reads_it() {
    let server = TestServer::start(|r| match r.q("page") {
        Some("0") | None => Reply::json(json!({"items": [{"id": 1}], "more": true})),
        _ => Reply::json(json!({"error": "Not found"})),
    })
    .await;
    let source = source(&format!(
        r#"
[client]
base_url = "{}"

[[resources]]
name = "items"
[resources.endpoint]
path = "items"
data_selector = "items"
paginator = {{ type = "page_number", has_more_path = "more" }}
response_actions = [{{ status_code = 200, content = "Not found", action = "ignore" }}]
"#,
        server.base
    ));
    let (items, report) = source
        .resource("items")
        .unwrap()
        .collect_with_report()
        .await
        .unwrap();
    assert_eq!(items, [json!({"id": 1})]);
    assert_eq!(server.count(), 2, "paging stopped at the ignored page");
    assert_eq!(report.ignored_responses.get("200"), Some(&1));
    assert_eq!(report.stop_reason(), Some(StopReason::Ignored));
}

#[tokio::test(start_paused = true)]
async fn a_retry_action_sends_the_request_again() {
    let calls = Arc::new(AtomicUsize::new(0));
    let seen = calls.clone();
    let server = TestServer::start(move |_| {
        if seen.fetch_add(1, Ordering::SeqCst) < 2 {
            Reply::json(json!({"status": "busy, try again"}))
        } else {
            Reply::json(json!({"data": [{"id": 1}, {"id": 2}]}))
        }
    })
    .await;
    let spec = ResourceSpec::new("jobs", "jobs")
        .data_selector("data")
        .paginator(rest_source_runtime::spec::PaginatorSpec::single_page())
        .response_action(
            ResponseAction::status(200, ResponseActionKind::Retry).and_content("try again"),
        );
    let jobs: Resource<Value> = Resource::new(server.client(), spec).unwrap();
    let (records, report) = jobs.collect_with_report().await.unwrap();
    assert_eq!(records.len(), 2);
    assert_eq!(server.count(), 3);
    assert_eq!(report.retries.get("response_action"), Some(&2));
    assert_eq!(report.requests, 3);
}

#[tokio::test(start_paused = true)]
async fn a_retry_action_gives_up_on_the_retry_policy() {
    let server = TestServer::start(|_| Reply::json(json!({"status": "try again"}))).await;
    let spec = ResourceSpec::new("jobs", "jobs")
        .paginator(rest_source_runtime::spec::PaginatorSpec::single_page())
        .response_action(ResponseAction::content(
            "try again",
            ResponseActionKind::Retry,
        ));
    let client = server
        .client_builder()
        .retry(RetryPolicy {
            max_retries: 2,
            ..RetryPolicy::default()
        })
        .build()
        .unwrap();
    let jobs: Resource<Value> = Resource::new(client, spec).unwrap();
    let err = jobs
        .collect()
        .await
        .expect_err("every response asks for a retry");
    let text = err.to_string();
    assert!(text.contains("gave up after 3 attempts"), "{text}");
    assert!(text.contains("returned HTTP 200"), "{text}");
    assert_eq!(server.count(), 3);
}

#[test]
fn bad_response_actions_are_load_errors_naming_the_fix() {
    let err = SourceConfig::from_toml_str(
        r#"
[client]
base_url = "https://api.example.com"

[[resources]]
name = "items"
[resources.endpoint]
path = "items"
response_actions = [{ status_code = 404, action = "ignor" }, { status_code = "abc", action = "ignore" }, { code = 1, action = "retry" }]
"#,
        "dlt.toml",
    )
    .expect_err("three bad actions")
    .to_string();
    assert!(
        err.contains(
            "resources[0].endpoint.response_actions[0].action: unknown response action `ignor`"
        ) && err.contains("`ignore`"),
        "{err}"
    );
    assert!(
        err.contains("response_actions[1].status_code: expected an HTTP status such as 404"),
        "{err}"
    );
    assert!(
        err.contains("response_actions[2].code: unknown key `code` in a response action"),
        "{err}"
    );
}

/// A 401 that stays after the auth's refresh still meets the actions, as in dlt: with
/// `{status_code = 401, action = "ignore"}` a child the token may not read is skipped.
#[tokio::test]
async fn a_401_that_stays_is_matched_like_any_response() {
    let server = TestServer::start(|r| match r.path.as_str() {
        "/posts" => Reply::json(json!([{"id": 1}, {"id": 2}])),
        "/posts/2/comments" => Reply::status(401),
        _ => Reply::json(json!([{"id": 10, "post": 1}])),
    })
    .await;
    let text = format!(
        r#"
[client]
base_url = "{}"
paginator = "single_page"
auth = {{ type = "bearer", token = {{ secret = "token" }} }}

[[resources]]
name = "posts"
endpoint = "posts"

[[resources]]
name = "comments"
[resources.endpoint]
path = "posts/{{resources.posts.id}}/comments"
response_actions = [{{ status_code = 401, action = "ignore" }}]
"#,
        server.base
    );
    let source = SourceConfig::from_toml_str(&text, "dlt.toml")
        .expect("the config loads")
        .build_with_values(
            &SecretValues::new("dlt").with("token", rest_source_runtime::Secret::new("t0k")),
        )
        .expect("the source builds");
    let (comments, report) = source
        .resource("comments")
        .unwrap()
        .collect_with_report()
        .await
        .expect("the 401 is ignored, not an error");
    assert_eq!(comments, [json!({"id": 10, "post": 1})]);
    assert_eq!(report.ignored_responses.get("401"), Some(&1));
    let to_post_2 = server
        .requests()
        .into_iter()
        .filter(|r| r.path == "/posts/2/comments")
        .count();
    assert!(to_post_2 >= 1, "the child was asked");
}
