//! `#[rest_source]` placeholders on the wire: a source parameter, a parent's field and the
//! incremental start value are filled in the path, query params, headers and the JSON body
//! (as dlt fills them), and every value put into a path stays one percent-encoded segment.

use rest_source::{Resource, rest_source};
use serde_json::{Value, json};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

#[rest_source(base_url = "https://blog.example.com/api", paginator = single_page)]
struct Blog {
    tenant: String,

    #[resource(
        path = "{tenant}/posts",
        params("since" = "{incremental.start_value}"),
        headers("X-Since" = "{incremental.start_value}"),
        incremental(cursor_path = "updated_at", initial_value = "2024-01-01"),
    )]
    posts: Resource<Value>,

    #[resource(
        path = "{tenant}/posts/{posts.id}/comments",
        method = "POST",
        params("post" = "{posts.id}"),
        headers("X-Post" = "post {resources.posts.id}"),
        json = r##"{"post_id": "{posts.id}", "rank": "{posts.rank}", "label": "#{posts.rank} of {tenant}", "raw": "{{kept}}"}"##,
    )]
    comments: Resource<Value>,
}

#[tokio::test]
async fn placeholders_are_filled_everywhere_and_path_values_stay_one_segment() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/a%20b%2Fc/posts"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([
            {"id": "x/y", "rank": 1, "updated_at": "2024-02-01"},
            {"id": "q?#", "rank": 2, "updated_at": "2024-02-02"},
        ])))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([])))
        .mount(&server)
        .await;
    let blog = Blog::builder()
        .tenant("a b/c")
        .base_url(server.uri())
        .build()
        .expect("the source builds");
    assert_eq!(blog.tenant, "a b/c");

    assert!(blog.comments.collect().await.unwrap().is_empty());
    let requests = server.received_requests().await.unwrap();
    let posts = &requests[0];
    assert_eq!(posts.url.path(), "/a%20b%2Fc/posts");
    assert_eq!(posts.url.query(), Some("since=2024-01-01"));
    assert_eq!(posts.headers.get("x-since").unwrap(), "2024-01-01");

    let comments: Vec<_> = requests[1..].iter().collect();
    let paths: Vec<&str> = comments.iter().map(|r| r.url.path()).collect();
    assert_eq!(
        paths,
        [
            "/a%20b%2Fc/posts/x%2Fy/comments",
            "/a%20b%2Fc/posts/q%3F%23/comments"
        ]
    );
    let queries: Vec<String> = comments
        .iter()
        .map(|r| {
            r.url
                .query_pairs()
                .map(|(k, v)| format!("{k}={v}"))
                .collect()
        })
        .collect();
    assert_eq!(queries, ["post=x/y", "post=q?#"]);
    let headers: Vec<&str> = comments
        .iter()
        .map(|r| r.headers.get("x-post").unwrap().to_str().unwrap())
        .collect();
    assert_eq!(headers, ["post x/y", "post q?#"]);
    let bodies: Vec<Value> = comments
        .iter()
        .map(|r| serde_json::from_slice(&r.body).unwrap())
        .collect();
    assert_eq!(
        bodies,
        [
            json!({"post_id": "x/y", "rank": 1, "label": "#1 of a b/c", "raw": "{kept}"}),
            json!({"post_id": "q?#", "rank": 2, "label": "#2 of a b/c", "raw": "{kept}"}),
        ]
    );
    // The parent itself, read on its own, gets the same filled request.
    assert_eq!(blog.posts.collect().await.unwrap().len(), 2);
    let again = server.received_requests().await.unwrap();
    let last = again.last().unwrap();
    assert_eq!(
        (last.url.path(), last.url.query()),
        ("/a%20b%2Fc/posts", Some("since=2024-01-01"))
    );
}
