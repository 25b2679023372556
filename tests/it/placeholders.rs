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

/// dlt's `data`: a form body (`application/x-www-form-urlencoded`) with placeholders filled
/// per parent record, and a raw body sent as written.
#[rest_source(base_url = "https://crm.example.com/api", paginator = single_page)]
struct Forms {
    region: String,

    #[resource(
        path = "contacts",
        incremental(cursor_path = "updated_at", initial_value = "2024-01-01")
    )]
    contacts: Resource<Value>,

    #[resource(
        path = "search",
        method = "POST",
        data(
            "contact" = "{contacts.id}",
            "region" = "{region}",
            "limit" = 50,
            "active" = true,
            "raw" = "{{kept}}"
        ),
    )]
    search: Resource<Value>,

    #[resource(path = "query", method = "POST", data = "since={region}")]
    query: Resource<Value>,
}

#[tokio::test]
async fn data_bodies_are_form_encoded_with_placeholders_filled_or_sent_raw() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/contacts"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([
            {"id": "a&b", "updated_at": "2024-02-01"},
            {"id": 7, "updated_at": "2024-02-02"},
        ])))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([])))
        .mount(&server)
        .await;
    let forms = Forms::builder()
        .region("eu west")
        .base_url(server.uri())
        .build()
        .expect("the source builds");
    assert_eq!(forms.region, "eu west");
    let _parent = &forms.contacts; // read through its children here

    assert!(forms.search.collect().await.unwrap().is_empty());
    let requests = server.received_requests().await.unwrap();
    let searches: Vec<_> = requests
        .iter()
        .filter(|r| r.url.path() == "/search")
        .collect();
    assert_eq!(searches.len(), 2, "one search per contact");
    for r in &searches {
        assert_eq!(
            r.headers.get("content-type").unwrap(),
            "application/x-www-form-urlencoded"
        );
    }
    let forms_sent: Vec<Vec<(String, String)>> = searches
        .iter()
        .map(|r| {
            rest_source::reqwest::Url::parse(&format!(
                "http://x/?{}",
                String::from_utf8_lossy(&r.body)
            ))
            .unwrap()
            .query_pairs()
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect()
        })
        .collect();
    let field = |form: &[(String, String)], key: &str| {
        form.iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    // Children run concurrently: compare the set of contacts, not their order.
    let mut contacts: Vec<String> = forms_sent.iter().map(|f| field(f, "contact")).collect();
    contacts.sort();
    assert_eq!(contacts, ["7", "a&b"]);
    for form in &forms_sent {
        assert_eq!(field(form, "region"), "eu west");
        assert_eq!(field(form, "limit"), "50");
        assert_eq!(
            field(form, "active"),
            "True",
            "as requests encodes Python's True"
        );
        assert_eq!(field(form, "raw"), "{kept}");
    }

    assert!(forms.query.collect().await.unwrap().is_empty());
    let requests = server.received_requests().await.unwrap();
    let query = requests.iter().find(|r| r.url.path() == "/query").unwrap();
    assert_eq!(query.body, b"since=eu west");
}
