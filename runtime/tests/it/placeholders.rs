//! Config placeholders on the wire and at load time: `{resources.<parent>.<field>}`,
//! `{incremental.*}` and source parameters are filled in the path, params, headers and the
//! JSON body, as dlt fills them; a value put into a path is one percent-encoded segment; a
//! placeholder that names nothing is a load error at the key where it is written.

use crate::page_server;

use page_server::{Reply, TestServer};
use rest_source_runtime::config::SourceConfig;
use rest_source_runtime::spec::SecretValues;
use serde_json::{Value, json};

fn config(text: &str) -> SourceConfig {
    SourceConfig::from_toml_str(text, "blog.toml").expect("the config loads")
}

fn load_error(text: &str) -> String {
    SourceConfig::from_toml_str(text, "blog.toml")
        .expect_err("the config should not load")
        .to_string()
}

async fn blog() -> TestServer {
    TestServer::start(|r| {
        if r.path.ends_with("/posts") {
            Reply::json(json!([
                {"id": "a/b", "rank": 1, "updated_at": "2024-02-01"},
                {"id": "x y?#", "rank": 2, "updated_at": "2024-02-02"},
            ]))
        } else {
            Reply::json(json!([]))
        }
    })
    .await
}

#[tokio::test]
async fn placeholders_are_filled_in_path_params_headers_and_json() {
    let server = blog().await;
    let source = config(&format!(
        r##"
params = {{ tenant = "eu/west 1" }}

[client]
base_url = "{}"
paginator = "single_page"

[[resources]]
name = "posts"
[resources.endpoint]
path = "{{tenant}}/posts"
params = {{ since = "{{incremental.start_value}}", until = "{{incremental.end_value}}" }}
headers = {{ X-Window = "{{incremental.start_value}}..{{incremental.end_value}}" }}
incremental = {{ cursor_path = "updated_at", initial_value = "2024-01-01", end_value = "2024-12-31" }}

[[resources]]
name = "comments"
[resources.endpoint]
path = "{{tenant}}/posts/{{resources.posts.id}}/comments"
method = "POST"
params = {{ post = "{{resources.posts.id}}" }}
headers = {{ X-Post = "post {{resources.posts.id}}" }}
json = {{ post_id = "{{resources.posts.id}}", rank = "{{resources.posts.rank}}", label = "#{{posts.rank}} in {{tenant}}", raw = "{{{{kept}}}}" }}
"##,
        server.base
    ))
    .build_with_values(&SecretValues::new("blog"))
    .expect("the source builds");

    let comments = source
        .resource("comments")
        .unwrap()
        .collect()
        .await
        .unwrap();
    assert!(comments.is_empty());
    let requests = server.requests();
    let posts = &requests[0];
    assert_eq!(posts.path, "/eu%2Fwest%201/posts");
    assert_eq!(posts.q("since"), Some("2024-01-01"));
    assert_eq!(posts.q("until"), Some("2024-12-31"));
    assert_eq!(posts.header("x-window"), Some("2024-01-01..2024-12-31"));

    let paths: Vec<&str> = requests[1..].iter().map(|r| r.path.as_str()).collect();
    assert_eq!(
        paths,
        [
            "/eu%2Fwest%201/posts/a%2Fb/comments",
            "/eu%2Fwest%201/posts/x%20y%3F%23/comments"
        ]
    );
    let posts_param: Vec<Option<&str>> = requests[1..].iter().map(|r| r.q("post")).collect();
    assert_eq!(posts_param, [Some("a/b"), Some("x y?#")]);
    let headers: Vec<Option<&str>> = requests[1..].iter().map(|r| r.header("x-post")).collect();
    assert_eq!(headers, [Some("post a/b"), Some("post x y?#")]);
    let bodies: Vec<Value> = requests[1..]
        .iter()
        .map(|r| serde_json::from_str(&r.body).unwrap())
        .collect();
    assert_eq!(
        bodies,
        [
            json!({"post_id": "a/b", "rank": 1, "label": "#1 in eu/west 1", "raw": "{kept}"}),
            json!({"post_id": "x y?#", "rank": 2, "label": "#2 in eu/west 1", "raw": "{kept}"}),
        ]
    );
}

#[tokio::test]
async fn a_parent_named_only_in_a_header_or_body_makes_a_child() {
    let server = blog().await;
    let config = config(&format!(
        r#"
[client]
base_url = "{}"
paginator = "single_page"

[[resources]]
name = "posts"
endpoint = "posts"

[[resources]]
name = "search"
endpoint = {{ path = "search", method = "POST", json = {{ post = "{{resources.posts.id}}" }} }}
"#,
        server.base
    ));
    assert_eq!(config.resources[1].parent.as_deref(), Some("posts"));
    let source = config
        .build_with_values(&SecretValues::new("blog"))
        .unwrap();
    source.resource("search").unwrap().collect().await.unwrap();
    let bodies: Vec<String> = server.requests()[1..]
        .iter()
        .map(|r| r.body.clone())
        .collect();
    assert_eq!(bodies, [r#"{"post":"a/b"}"#, r#"{"post":"x y?#"}"#]);
}

#[tokio::test]
async fn placeholders_in_data() {
    let server = blog().await;
    let source = config(&format!(
        r##"
params = {{ tenant = "eu/west 1" }}

[client]
base_url = "{}"
paginator = "single_page"

[[resources]]
name = "posts"
[resources.endpoint]
path = "posts"
incremental = {{ cursor_path = "updated_at", initial_value = "2024-01-01" }}

[[resources]]
name = "comments"
[resources.endpoint]
path = "comments"
method = "POST"
data = {{ post = "{{resources.posts.id}}", rank = "{{posts.rank}}", label = "#{{posts.rank}} in {{tenant}}", raw = "{{{{kept}}}}" }}

[[resources]]
name = "search"
[resources.endpoint]
path = "search"
method = "POST"
data = "since={{incremental.start_value}}&tenant={{tenant}}"
incremental = {{ cursor_path = "updated_at", initial_value = "2024-01-01" }}
"##,
        server.base
    ))
    .build_with_values(&SecretValues::new("blog"))
    .expect("the source builds");

    source
        .resource("comments")
        .unwrap()
        .collect()
        .await
        .unwrap();
    let requests = server.requests();
    let bodies: Vec<&str> = requests[1..].iter().map(|r| r.body.as_str()).collect();
    assert_eq!(
        bodies,
        [
            "post=a%2Fb&rank=1&label=%231+in+eu%2Fwest+1&raw=%7Bkept%7D",
            "post=x+y%3F%23&rank=2&label=%232+in+eu%2Fwest+1&raw=%7Bkept%7D",
        ]
    );
    assert!(
        requests[1..]
            .iter()
            .all(|r| r.header("content-type") == Some("application/x-www-form-urlencoded"))
    );

    source.resource("search").unwrap().collect().await.unwrap();
    let search = server.requests().pop().unwrap();
    assert_eq!(search.path, "/search");
    assert_eq!(search.body, "since=2024-01-01&tenant=eu/west 1");
}

const CLIENT: &str = "[client]\nbase_url = \"https://blog.example.com\"\n";

#[test]
fn a_placeholder_that_names_nothing_is_reported_where_it_stands() {
    let err = load_error(&format!(
        r#"params = {{ region = "eu" }}
{CLIENT}
[[resources]]
name = "posts"

[[resources]]
name = "comments"
[resources.endpoint]
path = "posts/{{posts.id}}/comments"
params = {{ region = "{{regon}}" }}
headers = {{ X-Since = "{{incremental.start_value}}" }}
json = {{ q = "{{resources.postz.id}}", n = "{{incremental.start}}" }}
"#
    ));
    let lines: Vec<&str> = err.lines().collect();
    assert!(
        lines.iter().any(|l| l.starts_with("blog.toml:12:21: resources[1].endpoint.params.region: placeholder `{regon}` names no source parameter; did you mean `{region}`?")),
        "{err}"
    );
    assert!(
        lines.iter().any(|l| l.starts_with("blog.toml:13:23: resources[1].endpoint.headers.X-Since: placeholder `{incremental.start_value}` names nothing: the resource has no incremental cursor")),
        "{err}"
    );
    assert!(
        lines.iter().any(|l| l.starts_with("blog.toml:14:14: resources[1].endpoint.json.q: placeholder `{resources.postz.id}` names an unknown parent resource `postz`")),
        "{err}"
    );
    assert!(
        lines.iter().any(|l| l.starts_with("blog.toml:14:42: resources[1].endpoint.json.n: `{incremental.start}` names no incremental value; expected one of `{incremental.start_value}`")),
        "{err}"
    );
}

/// `{incremental.lag}` reads the incremental's `lag` (dlt reads any attribute of its
/// `Incremental`); left out, the error says that setting is missing and how to set it, not
/// only which names `incremental.` takes. A setting the incremental does set is filled in.
#[test]
fn a_placeholder_naming_an_unset_incremental_setting_says_which_setting_to_set() {
    let err = load_error(&format!(
        r#"{CLIENT}
[[resources]]
name = "posts"
[resources.endpoint]
path = "posts"
params = {{ since = "{{incremental.start_value}}", lag = "{{incremental.lag}}", by = "{{incremental.cursor_path}}" }}
[resources.endpoint.incremental]
cursor_path = "updated_at"
initial_value = "2024-01-01"
"#
    ));
    let lines: Vec<&str> = err.lines().collect();
    assert!(
        lines.iter().any(|l| l.starts_with(
            "blog.toml:8:55: resources[0].endpoint.params.lag: `{incremental.lag}` names the \
             incremental setting `lag`, which is not set here: set `lag` in the resource's \
             `incremental`, or write its value in place of the placeholder"
        )),
        "{err}"
    );
    assert_eq!(
        lines.iter().filter(|l| l.starts_with("blog.toml:")).count(),
        1,
        "{err}"
    );
}

#[test]
fn a_placeholder_in_data_that_names_nothing_is_reported_where_it_stands() {
    let err = load_error(&format!(
        r#"{CLIENT}
[[resources]]
name = "posts"

[[resources]]
name = "comments"
[resources.endpoint]
path = "comments"
method = "POST"
data = {{ post = "{{resources.postz.id}}" }}
"#
    ));
    assert!(
        err.contains("blog.toml:12:17: resources[1].endpoint.data.post: placeholder `{resources.postz.id}` names an unknown parent resource `postz`"),
        "{err}"
    );
}

#[test]
fn end_value_placeholder_without_an_end_value_is_a_load_error() {
    let err = load_error(&format!(
        r#"{CLIENT}
[[resources]]
name = "events"
[resources.endpoint]
path = "events"
params = {{ until = "{{incremental.end_value}}" }}
incremental = {{ cursor_path = "t", initial_value = 1 }}
"#
    ));
    assert!(
        err.contains("endpoint.params.until: placeholder `{incremental.end_value}` names nothing: its incremental cursor has no `end_value`"),
        "{err}"
    );
}

#[test]
fn a_stray_brace_is_a_load_error_naming_the_fix() {
    let err = load_error(&format!(
        "{CLIENT}\n[[resources]]\nname = \"q\"\nendpoint = {{ path = \"q\", json = {{ query = \"{{ viewer {{ login }} }}\" }} }}\n"
    ));
    assert!(
        err.contains("endpoint.json.query: unclosed `{`") && err.contains("`{{`"),
        "{err}"
    );
}
