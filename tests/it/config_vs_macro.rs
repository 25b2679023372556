//! The same source written as a `#[rest_source]` struct and as a TOML config builds the same
//! resource specs and reads the same records from the demo API: the two front ends share
//! one spec model and one runtime. Their auth, dlt-standard and non-standard, is the same
//! `AuthSpec` (`Source::auth_spec()` on the macro side, `client.auth` on the config side).

use rest_source::config::SourceConfig;
use rest_source::{Resource, SecretResolver, rest_source};
use rest_source_demo::DemoApi;
use serde::Deserialize;
use serde_json::Value;

#[derive(Debug, Deserialize)]
pub struct Contact {
    pub id: u64,
    pub name: String,
}

#[derive(Debug, Deserialize)]
pub struct Note {
    pub id: u64,
    pub contact_id: u64,
}

#[derive(Debug, Deserialize)]
pub struct Report {
    pub id: u64,
}

#[rest_source(
    base_url = "http://127.0.0.1:8080/api/v1",
    auth = oauth2_client_credentials(
        access_token_url = "http://127.0.0.1:8080/oauth/token",
        client_id = secret("client_id"),
        client_secret = secret("client_secret"),
    ),
    paginator = json_link(next_url_path = "paging.next"),
)]
pub struct Crm {
    #[resource(path = "contacts", data_selector = "results", primary_key = "id")]
    pub contacts: Resource<Contact>,

    #[resource(path = "contacts/{contacts.id}/notes", data_selector = "results")]
    pub notes: Resource<Note>,

    #[resource(path = "reports", data_selector = "data", paginator = single_page)]
    #[auth(api_key(name = "X-Report-Key", api_key = secret("reports_key"), location = header))]
    pub reports: Resource<Report>,
}

const CRM_TOML: &str = r#"
name = "crm"

[client]
base_url = "http://127.0.0.1:8080/api/v1"
paginator = { type = "json_link", next_url_path = "paging.next" }

[client.auth]
type = "oauth2_client_credentials"
access_token_url = "http://127.0.0.1:8080/oauth/token"
client_id = { secret = "client_id" }
client_secret = { secret = "client_secret" }

[[resources]]
name = "contacts"
primary_key = "id"
endpoint = { path = "contacts", data_selector = "results" }

[[resources]]
name = "notes"
endpoint = { path = "contacts/{contacts.id}/notes", data_selector = "results" }

[[resources]]
name = "reports"
[resources.endpoint]
path = "reports"
data_selector = "data"
paginator = "single_page"
auth = { type = "api_key", name = "X-Report-Key", location = "header", api_key = { secret = "reports_key" } }
"#;

fn secrets() -> SecretResolver {
    let nowhere = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("no-secrets.toml");
    SecretResolver::for_source("crm")
        .without_env()
        .with_file(nowhere)
        .with_value("client_id", "demo-client")
        .with_value("client_secret", "demo-secret")
        .with_value("reports_key", "demo-report-key")
}

#[tokio::test]
async fn macro_and_config_build_the_same_specs_and_read_the_same_records() {
    let server = DemoApi::new().records(12).start().await.unwrap();
    let crm = Crm::builder()
        .secrets_from_resolver(&secrets())
        .unwrap()
        .base_url(server.base_url())
        .access_token_url(server.token_url())
        .build()
        .unwrap();
    let config = SourceConfig::from_toml_str(
        &CRM_TOML.replace("http://127.0.0.1:8080", server.url()),
        "crm.toml",
    )
    .unwrap();
    let source = config.build(&secrets()).unwrap();
    // One model: the whole source, as data, is the same through both front ends.
    assert_eq!(crm.source_spec(), &config.to_spec());

    let from_macro = [crm.contacts.spec(), crm.notes.spec(), crm.reports.spec()];
    let from_config: Vec<_> = source.resources().iter().map(|r| r.spec()).collect();
    assert_eq!(from_config, from_macro);

    let as_json = |r: &Resource<Value>| {
        let r = r.clone();
        async move { r.collect().await.unwrap() }
    };
    for (typed, name) in [
        (crm.contacts.typed::<Value>(), "contacts"),
        (crm.notes.typed::<Value>(), "notes"),
        (crm.reports.typed::<Value>(), "reports"),
    ] {
        let by_macro = as_json(&typed).await;
        let by_config = as_json(source.resource(name).unwrap()).await;
        assert!(!by_macro.is_empty(), "{name}");
        assert_eq!(by_config, by_macro, "{name}");
    }
    // Both sources' contacts, notes and reports: one token for each source's OAuth2 auth.
    assert_eq!(server.stats().tokens_issued, 2);
    server.shutdown().await;
}

#[rest_source(
    base_url = "https://crm.example.com/api",
    auth = oauth2_refresh_token(
        access_token_url = "https://crm.example.com/oauth/token",
        client_id = secret("client_id"),
        client_secret = secret("client_secret"),
        refresh_token = secret("refresh_token"),
        scope = "contacts:read deals:read",
        client_auth = basic,
        default_token_expiration = 600,
        token_store = ".dlt/crm_refresh_token.json",
        token_body = json,
        access_token_path = "data.access_token",
        expires_in_path = "data.ttl",
        expires_at_path = "data.expires_at",
        refresh_token_path = "data.refresh_token",
    ),
)]
pub struct Rotating {
    #[resource(path = "contacts")]
    pub contacts: Resource<Value>,
}

#[rest_source(
    base_url = "https://legacy.example.com/api",
    auth = session_token(
        login_url = "https://legacy.example.com/api/session",
        body = form,
        credentials(user = "etl-bot", password = secret("password"), api_key = secret("login_key")),
        token_header = "X-Session-Id",
        location = cookie,
        name = "sid",
        prefix = "",
        ttl = 1800,
        expires_in_path = "expires_in",
    ),
)]
pub struct Legacy {
    #[resource(path = "items")]
    pub items: Resource<Value>,
}

fn client_auth(toml: &str) -> rest_source::spec::AuthSpec {
    SourceConfig::from_toml_str(toml, "flow.toml")
        .unwrap_or_else(|e| panic!("loads:\n{e}"))
        .client
        .auth
        .expect("a client auth")
}

#[test]
fn macro_and_config_build_equal_auth_specs_for_the_refresh_token_and_session_flows() {
    let refresh = client_auth(
        r#"
[client]
base_url = "https://crm.example.com/api"
[client.auth]
type = "oauth2_refresh_token"
access_token_url = "https://crm.example.com/oauth/token"
client_id = { secret = "client_id" }
client_secret = { secret = "client_secret" }
refresh_token = { secret = "refresh_token" }
scope = ["contacts:read", "deals:read"]
client_auth = "basic"
default_token_expiration = 600
token_store = ".dlt/crm_refresh_token.json"
token_body = "json"
access_token_path = "data.access_token"
expires_in_path = "data.ttl"
expires_at_path = "data.expires_at"
refresh_token_path = "data.refresh_token"
[[resources]]
name = "contacts"
"#,
    );
    assert_eq!(Rotating::auth_spec(), Some(refresh));

    let session = client_auth(
        r#"
[client]
base_url = "https://legacy.example.com/api"
[client.auth]
type = "session_token"
login_url = "https://legacy.example.com/api/session"
body = "form"
credentials = { user = "etl-bot", password = { secret = "password" }, api_key = { secret = "login_key" } }
token_header = "X-Session-Id"
location = "cookie"
name = "sid"
prefix = ""
ttl = 1800
expires_in_path = "expires_in"
[[resources]]
name = "items"
"#,
    );
    assert_eq!(Legacy::auth_spec(), Some(session));
    // And a dlt-standard one: the source at the top of this file.
    assert_eq!(Crm::auth_spec(), Some(client_auth(CRM_TOML)));
}

/// Every example config in `examples/configs/`, mirrored by a `#[rest_source]` struct: both
/// front ends build an equal `SourceSpec`, and the same records through the same requests:
/// on the demo API for the examples it serves, on a recording server for bearer, API key in
/// the body, JWT bearer, session login and the rotating refresh-token grant (token and
/// login requests included; the refresh-token example's `token_store` moved into a
/// temporary file on both sides, by text in the config and by the builder's
/// `token_store(…)` in the macro, so no test writes into the repository).
#[allow(dead_code)]
mod every_example {
    use std::path::Path;

    use rest_source::config::SourceConfig;
    use rest_source::spec::SourceSpec;
    use rest_source::{Resource, SecretResolver, rest_source};
    use rest_source_demo::{DemoApi, StatsSnapshot};
    use serde_json::Value;

    #[rest_source(
        name = "reports",
        base_url = "http://127.0.0.1:8080/api/v1",
        auth = api_key(name = "X-Report-Key", location = header, api_key = secret("api_key")),
    )]
    pub struct ApiKey {
        #[resource(path = "reports", data_selector = "data", paginator = single_page)]
        pub reports: Resource<Value>,
    }

    #[rest_source(
        name = "search",
        base_url = "http://127.0.0.1:8080/api",
        auth = api_key(name = "api_key", location = body, api_key = secret("api_key")),
        paginator = single_page,
    )]
    pub struct ApiKeyBody {
        #[resource(
            path = "search",
            method = "POST",
            json = r#"{"query": "rust", "limit": 2}"#,
            data_selector = "results"
        )]
        pub results: Resource<Value>,
    }

    #[rest_source(
        name = "crm_bearer",
        base_url = "http://127.0.0.1:8080/api/v1",
        auth = bearer(token = secret("token")),
    )]
    pub struct Bearer {
        #[resource(
            path = "contacts",
            primary_key = "id",
            data_selector = "results",
            paginator = json_link(next_url_path = "paging.next")
        )]
        pub contacts: Resource<Value>,
    }

    #[rest_source(
        name = "crm_json",
        base_url = "http://127.0.0.1:8080/api/v1",
        auth = oauth2_client_credentials(
            access_token_url = "http://127.0.0.1:8080/oauth/token",
            client_id = secret("client_id"),
            client_secret = secret("client_secret"),
        ),
        paginator = json_link(next_url_path = "paging.next"),
    )]
    pub struct CrmJson {
        #[resource(path = "contacts", primary_key = "id", data_selector = "results")]
        pub contacts: Resource<Value>,
        /// dlt's `resolve` param `contact_id`, as the placeholder it binds.
        #[resource(path = "contacts/{contacts.id}/notes", data_selector = "results")]
        pub notes: Resource<Value>,
    }

    #[rest_source(
        name = "basic",
        base_url = "http://127.0.0.1:8080",
        auth = http_basic(username = "demo-client", password = secret("password")),
    )]
    pub struct HttpBasic {
        #[resource(
            path = "oauth/token",
            method = "POST",
            json = r#"{"grant_type": "client_credentials"}"#,
            data_selector = "$",
            paginator = single_page
        )]
        pub token_grants: Resource<Value>,
    }

    #[rest_source(
        name = "crm",
        base_url = "http://127.0.0.1:8080/api/v1",
        auth = oauth2_client_credentials(
            access_token_url = "http://127.0.0.1:8080/oauth/token",
            client_id = "demo-client",
            client_secret = secret("client_secret"),
            scope = "contacts:read reports:read",
        ),
        paginator = json_link(next_url_path = "paging.next"),
    )]
    pub struct ClientCredentials {
        #[resource(
            path = "contacts",
            primary_key = "id",
            data_selector = "results",
            params("limit" = 100),
            incremental(
                cursor_path = "updated_at",
                start_param = "updated_since",
                initial_value = "2024-01-01T00:00:00Z"
            )
        )]
        pub contacts: Resource<Value>,
        #[resource(
            path = "contacts/{resources.contacts.id}/notes",
            primary_key = "id",
            data_selector = "results",
            include_from_parent("id")
        )]
        pub notes: Resource<Value>,
        #[resource(path = "reports", primary_key = "id", data_selector = "data", paginator = single_page)]
        #[auth(api_key(name = "X-Report-Key", location = header, api_key = secret("reports_key")))]
        pub reports: Resource<Value>,
        #[resource(
            path = "events",
            primary_key = "id",
            data_selector = "items",
            paginator = offset(limit = 100, total_path = "total")
        )]
        pub events: Resource<Value>,
        #[resource(
            path = "tickets",
            primary_key = "id",
            data_selector = "data",
            params("per_page" = 100),
            paginator = page_number(base_page = 1, total_path = "total_pages")
        )]
        pub tickets: Resource<Value>,
        #[resource(
            path = "orders",
            primary_key = "id",
            data_selector = "orders",
            paginator = cursor(cursor_path = "next_cursor", cursor_param = "cursor", has_more_path = "has_more")
        )]
        pub orders: Resource<Value>,
        #[resource(path = "users", primary_key = "id", params("per_page" = 100), paginator = header_link)]
        pub users: Resource<Value>,
    }

    #[rest_source(
        name = "sheets",
        base_url = "http://127.0.0.1:8080/v4",
        auth = oauth2_jwt_bearer(
            access_token_url = "http://127.0.0.1:8080/token",
            issuer = "etl@project.iam.example.com",
            private_key = secret("private_key"),
            subject = "admin@example.com",
            scope = "sheets.read drive.read",
            key_id = "test-key-1",
            default_token_expiration = 3600,
            token_body = form,
            access_token_path = "access_token",
            expires_in_path = "expires_in",
        ),
        paginator = single_page,
    )]
    pub struct JwtBearer {
        #[resource(path = "files", data_selector = "files")]
        pub files: Resource<Value>,
    }

    #[rest_source(
        name = "crm",
        base_url = "http://127.0.0.1:8080/api/v1",
        auth = oauth2_refresh_token(
            access_token_url = "http://127.0.0.1:8080/oauth/token",
            client_id = "demo-client",
            client_secret = secret("client_secret"),
            refresh_token = secret("refresh_token"),
            client_auth = basic,
            scope = "contacts:read",
            default_token_expiration = 300,
            token_store = ".dlt/crm_refresh_token.json",
            token_body = form,
            access_token_path = "access_token",
            expires_in_path = "expires_in",
            refresh_token_path = "refresh_token",
        ),
        paginator = json_link(next_url_path = "paging.next"),
    )]
    pub struct RefreshToken {
        #[resource(path = "contacts", primary_key = "id", params("limit" = 10), data_selector = "results")]
        pub contacts: Resource<Value>,
        #[resource(
            path = "tickets",
            primary_key = "id",
            data_selector = "data",
            params("per_page" = 10),
            paginator = page_number(base_page = 1, total_path = "total_pages")
        )]
        pub tickets: Resource<Value>,
    }

    #[rest_source(
        name = "legacy",
        base_url = "http://127.0.0.1:8080/api",
        auth = session_token(
            login_url = "http://127.0.0.1:8080/api/login",
            body = json,
            credentials(username = "etl-bot", password = secret("password")),
            token_path = "data.token",
            location = header,
            name = "Authorization",
            prefix = "Token ",
            expires_in_path = "data.expires_in",
            ttl = 1800,
        ),
        paginator = single_page,
    )]
    pub struct SessionToken {
        #[resource(path = "items", data_selector = "items")]
        pub items: Resource<Value>,
        #[resource(path = "users", data_selector = "users")]
        pub users: Resource<Value>,
    }

    const JWT_KEY: &str = include_str!("../../runtime/tests/fixtures/jwt_test_key.pem");

    /// Secrets given in code only: no environment, no secrets file.
    fn secrets(source: &str, values: &[(&str, &str)]) -> SecretResolver {
        let nowhere = Path::new(env!("CARGO_TARGET_TMPDIR")).join("no-secrets.toml");
        values.iter().fold(
            SecretResolver::for_source(source)
                .without_env()
                .with_file(nowhere),
            |r, (k, v)| r.with_value(*k, *v),
        )
    }

    /// The example config `name`, its URLs moved from the demo's default port to `url`.
    fn example(name: &str, url: &str) -> SourceConfig {
        example_with(name, &[("http://127.0.0.1:8080", url)])
    }

    /// The example config `name` with each `(from, to)` of `replace` replaced in its text.
    fn example_with(name: &str, replace: &[(&str, &str)]) -> SourceConfig {
        let path = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("examples/configs")
            .join(name);
        let text = replace.iter().fold(
            std::fs::read_to_string(&path).expect("example config exists"),
            |text, (from, to)| text.replace(from, to),
        );
        let loaded = if name.ends_with(".json") {
            SourceConfig::from_json_str(&text, name)
        } else {
            SourceConfig::from_toml_str(&text, name)
        };
        loaded.unwrap_or_else(|e| panic!("{name} loads:\n{e}"))
    }

    const DEFAULT: &str = "http://127.0.0.1:8080";

    /// Builds a macro source with `$secrets` (no builder override: the URLs as written) and
    /// returns its model.
    macro_rules! spec_of {
        ($source:ty, $name:expr, $secrets:expr) => {
            <$source>::builder()
                .secrets_from_resolver(&secrets($name, $secrets))
                .unwrap()
                .build()
                .unwrap()
                .source_spec()
                .clone()
        };
    }

    #[test]
    fn every_example_config_has_a_macro_mirror_with_an_equal_model() {
        let cases: Vec<(&str, SourceSpec)> = vec![
            (
                "api_key.toml",
                spec_of!(ApiKey, "reports", &[("api_key", "k")]),
            ),
            (
                "api_key_body.toml",
                spec_of!(ApiKeyBody, "search", &[("api_key", "k")]),
            ),
            (
                "bearer.toml",
                spec_of!(Bearer, "crm_bearer", &[("token", "t")]),
            ),
            (
                "crm.json",
                spec_of!(
                    CrmJson,
                    "crm_json",
                    &[("client_id", "i"), ("client_secret", "s")]
                ),
            ),
            (
                "http_basic.toml",
                spec_of!(HttpBasic, "basic", &[("password", "p")]),
            ),
            (
                "oauth2_client_credentials.toml",
                spec_of!(
                    ClientCredentials,
                    "crm",
                    &[("client_secret", "s"), ("reports_key", "r")]
                ),
            ),
            (
                "oauth2_jwt_bearer.toml",
                spec_of!(JwtBearer, "sheets", &[("private_key", JWT_KEY)]),
            ),
            (
                "oauth2_refresh_token.toml",
                spec_of!(
                    RefreshToken,
                    "crm",
                    &[("client_secret", "s"), ("refresh_token", "r")]
                ),
            ),
            (
                "session_token.toml",
                spec_of!(SessionToken, "legacy", &[("password", "p")]),
            ),
        ];
        let mut files: Vec<String> =
            std::fs::read_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/configs"))
                .unwrap()
                .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                .filter(|n| n.ends_with(".toml") || n.ends_with(".json"))
                .collect();
        files.sort();
        let mirrored: Vec<&str> = cases.iter().map(|(name, _)| *name).collect();
        assert_eq!(files, mirrored, "every example config has a mirror here");
        for (name, from_macro) in cases {
            assert_eq!(example(name, DEFAULT).to_spec(), from_macro, "{name}");
        }
    }

    /// Everything each resource of `source` reads, by name.
    async fn records(resources: Vec<(&str, &Resource<Value>)>) -> Vec<(String, Vec<Value>)> {
        let mut out = Vec::new();
        for (name, r) in resources {
            let items = r
                .clone()
                .collect()
                .await
                .unwrap_or_else(|e| panic!("{name}: {e}"));
            assert!(!items.is_empty(), "{name} reads records");
            out.push((name.to_owned(), items));
        }
        out
    }

    /// Runs `run` against a fresh demo API and returns what it read and what the server saw.
    async fn on_demo<F, Fut>(run: F) -> (Vec<(String, Vec<Value>)>, StatsSnapshot)
    where
        F: FnOnce(String, String) -> Fut,
        Fut: std::future::Future<Output = Vec<(String, Vec<Value>)>>,
    {
        let server = DemoApi::new().records(25).start().await.unwrap();
        let read = run(server.url().to_owned(), server.token_url()).await;
        let stats = server.stats();
        server.shutdown().await;
        (read, stats)
    }

    #[tokio::test]
    async fn the_examples_the_demo_serves_send_the_same_requests_through_both_front_ends() {
        let values = [
            ("client_id", "demo-client"),
            ("client_secret", "demo-secret"),
            ("reports_key", "demo-report-key"),
            ("api_key", "demo-report-key"),
            ("password", "demo-secret"),
        ];
        // The same example through the config and through its mirror: the same records, and
        // the same requests counted by the server (per endpoint, tokens, rejections).
        let by_config = |file: &'static str| {
            move |url: String, _token_url: String| async move {
                let config = example(file, &url);
                let source = config.build(&secrets(&config.name, &values)).unwrap();
                let mut out = Vec::new();
                for r in source.resources() {
                    let name = r.spec().name.clone();
                    out.extend(records(vec![(name.as_str(), r)]).await);
                }
                out
            }
        };
        macro_rules! by_macro {
            ($source:ty, $name:expr, $path:expr, [$($field:ident),*]) => {
                |url: String, token_url: String| async move {
                    let base = format!("{url}{}", $path);
                    let s = <$source>::builder()
                        .secrets_from_resolver(&secrets($name, &values))
                        .unwrap()
                        .base_url(base)
                        .access_token_url(token_url)
                        .build()
                        .unwrap();
                    records(vec![$((stringify!($field), &s.$field)),*]).await
                }
            };
        }
        let pairs = [
            (
                "api_key.toml",
                on_demo(by_config("api_key.toml")).await,
                on_demo(by_macro!(ApiKey, "reports", "/api/v1", [reports])).await,
            ),
            (
                "crm.json",
                on_demo(by_config("crm.json")).await,
                on_demo(by_macro!(CrmJson, "crm_json", "/api/v1", [contacts, notes])).await,
            ),
            (
                "http_basic.toml",
                on_demo(by_config("http_basic.toml")).await,
                on_demo(by_macro!(HttpBasic, "basic", "", [token_grants])).await,
            ),
            (
                "oauth2_client_credentials.toml",
                on_demo(by_config("oauth2_client_credentials.toml")).await,
                on_demo(by_macro!(
                    ClientCredentials,
                    "crm",
                    "/api/v1",
                    [contacts, notes, reports, events, tickets, orders, users]
                ))
                .await,
            ),
        ];
        for (name, (config_read, config_saw), (macro_read, macro_saw)) in pairs {
            // Tokens differ per server; the records' other fields and the request counts do not.
            assert_eq!(config_read.len(), macro_read.len(), "{name}");
            for ((n1, a), (n2, b)) in config_read.iter().zip(&macro_read) {
                assert_eq!(n1, n2, "{name}");
                if name != "http_basic.toml" {
                    assert_eq!(a, b, "{name}: {n1}");
                } else {
                    assert_eq!(a.len(), b.len(), "{name}: {n1}");
                }
            }
            assert_eq!(config_saw, macro_saw, "{name}: the requests the server saw");
        }
    }

    /// What a request carries that an auth or a body could change: method, path, query
    /// pairs, headers (except `host` and `content-length`) and the body, JSON parsed and
    /// forms split; a JWT assertion is decoded and its time claims (`iat`, `exp`, `nbf`,
    /// `jti`) left out. The server's own address reads `BASE`, so two servers compare.
    fn wire_view(request: &wiremock::Request, base: &str) -> String {
        let mut query: Vec<(String, String)> = request.url.query_pairs().into_owned().collect();
        query.sort();
        let headers: std::collections::BTreeMap<String, String> = request
            .headers
            .iter()
            .filter(|(name, _)| !matches!(name.as_str(), "host" | "content-length"))
            .map(|(name, value)| {
                (
                    name.as_str().to_owned(),
                    String::from_utf8_lossy(value.as_bytes()).into_owned(),
                )
            })
            .collect();
        let text = String::from_utf8_lossy(&request.body).into_owned();
        let body = match serde_json::from_str::<Value>(&text) {
            Ok(json) => json,
            Err(_) if text.is_empty() => Value::Null,
            Err(_) => {
                let form = rest_source::reqwest::Url::parse(&format!("http://form/?{text}"))
                    .expect("a form body");
                let fields: Vec<Value> = form
                    .query_pairs()
                    .map(|(k, v)| match k.as_ref() {
                        "assertion" => serde_json::json!([k, jwt_without_times(&v)]),
                        _ => serde_json::json!([k, v]),
                    })
                    .collect();
                Value::Array(fields)
            }
        };
        let view = serde_json::json!({
            "method": request.method.as_str(),
            "path": request.url.path(),
            "query": query,
            "headers": headers,
            "body": body,
        });
        view.to_string().replace(base, "BASE")
    }

    /// A JWT's header and claims, without the claims that change with the clock.
    fn jwt_without_times(jwt: &str) -> Value {
        let parts: Vec<Value> = jwt
            .split('.')
            .take(2)
            .map(|part| serde_json::from_slice(&base64url(part)).expect("a JSON JWT part"))
            .map(|mut part: Value| {
                if let Some(claims) = part.as_object_mut() {
                    for time in ["iat", "exp", "nbf", "jti"] {
                        claims.remove(time);
                    }
                }
                part
            })
            .collect();
        Value::Array(parts)
    }

    /// Decodes unpadded base64url (a JWT segment).
    fn base64url(text: &str) -> Vec<u8> {
        let value = |c: u8| match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'-' => 62,
            b'_' => 63,
            _ => panic!("not base64url: {c}"),
        };
        let mut out = Vec::new();
        let (mut acc, mut bits) = (0u32, 0);
        for c in text.bytes() {
            acc = (acc << 6) | u32::from(value(c));
            bits += 6;
            if bits >= 8 {
                bits -= 8;
                out.push((acc >> bits) as u8);
            }
        }
        out
    }

    /// A server for the examples the demo API does not serve: a token, a login and each
    /// example's records, whatever the auth (the comparison is of what arrives).
    async fn recording_server() -> wiremock::MockServer {
        use serde_json::json;
        let server = wiremock::MockServer::start().await;
        wiremock::Mock::given(wiremock::matchers::any())
            .respond_with(|request: &wiremock::Request| {
                let refresh =
                    String::from_utf8_lossy(&request.body).contains("grant_type=refresh_token");
                let body = match request.url.path() {
                    // A refresh rotates: the spent token is replaced by `rt-rotated`.
                    "/oauth/token" if refresh => json!({
                        "access_token": "tok-1", "token_type": "bearer", "expires_in": 3600,
                        "refresh_token": "rt-rotated"
                    }),
                    "/oauth/token" | "/token" => {
                        json!({"access_token": "tok-1", "token_type": "bearer", "expires_in": 3600})
                    }
                    "/api/login" => json!({"data": {"token": "sess-1", "expires_in": 1800}}),
                    "/api/v1/contacts" => {
                        json!({"results": [{"id": 1}, {"id": 2}], "paging": {"next": null}})
                    }
                    "/api/v1/tickets" => json!({"data": [{"id": 7}], "total_pages": 1}),
                    "/api/search" => json!({"results": [{"id": 1}]}),
                    "/v4/files" => json!({"files": [{"id": "f1"}]}),
                    "/api/items" => json!({"items": [{"id": 1}]}),
                    "/api/users" => json!({"users": [{"id": 1}]}),
                    _ => return wiremock::ResponseTemplate::new(404),
                };
                wiremock::ResponseTemplate::new(200).set_body_json(body)
            })
            .mount(&server)
            .await;
        server
    }

    /// Runs `run` against a fresh recording server; what it read and every request's view.
    async fn on_recorder<F, Fut>(run: F) -> (Vec<(String, Vec<Value>)>, Vec<String>)
    where
        F: FnOnce(String) -> Fut,
        Fut: std::future::Future<Output = Vec<(String, Vec<Value>)>>,
    {
        let server = recording_server().await;
        let read = run(server.uri()).await;
        let seen = server
            .received_requests()
            .await
            .unwrap_or_default()
            .iter()
            .map(|r| wire_view(r, &server.uri()))
            .collect();
        (read, seen)
    }

    #[tokio::test]
    async fn the_other_examples_send_the_same_requests_through_both_front_ends() {
        // The test's own secrets; none of them is a literal of either front end.
        let values = [
            ("token", "bearer-secret-1"),
            ("api_key", "body-key-secret-2"),
            ("private_key", JWT_KEY),
            ("password", "login-secret-3"),
        ];
        let by_config = |file: &'static str| {
            move |url: String| async move {
                let config = example(file, &url);
                let source = config.build(&secrets(&config.name, &values)).unwrap();
                let mut out = Vec::new();
                for r in source.resources() {
                    let name = r.spec().name.clone();
                    out.extend(records(vec![(name.as_str(), r)]).await);
                }
                out
            }
        };
        macro_rules! by_macro {
            ($source:ty, $name:expr, $path:expr, [$($field:ident),*]) => {
                |url: String| async move {
                    let s = <$source>::builder()
                        .secrets_from_resolver(&secrets($name, &values))
                        .unwrap()
                        .base_url(format!("{url}{}", $path))
                        .access_token_url(format!("{url}/token"))
                        .login_url(format!("{url}/api/login"))
                        .build()
                        .unwrap();
                    records(vec![$((stringify!($field), &s.$field)),*]).await
                }
            };
        }
        let pairs = [
            (
                "bearer.toml",
                on_recorder(by_config("bearer.toml")).await,
                on_recorder(by_macro!(Bearer, "crm_bearer", "/api/v1", [contacts])).await,
            ),
            (
                "api_key_body.toml",
                on_recorder(by_config("api_key_body.toml")).await,
                on_recorder(by_macro!(ApiKeyBody, "search", "/api", [results])).await,
            ),
            (
                "oauth2_jwt_bearer.toml",
                on_recorder(by_config("oauth2_jwt_bearer.toml")).await,
                on_recorder(by_macro!(JwtBearer, "sheets", "/v4", [files])).await,
            ),
            (
                "session_token.toml",
                on_recorder(by_config("session_token.toml")).await,
                on_recorder(by_macro!(SessionToken, "legacy", "/api", [items, users])).await,
            ),
        ];
        // What must be on the wire, so the comparison is of real credentials and token
        // requests: the test's secret where the auth puts it, the token or login request.
        let must_carry = [
            ["Bearer bearer-secret-1", "\"path\":\"/api/v1/contacts\""],
            ["\"api_key\":\"body-key-secret-2\"", "\"query\":\"rust\""],
            ["\"path\":\"/token\"", "Bearer tok-1"],
            ["login-secret-3", "Token sess-1"],
        ];
        for ((name, (config_read, config_saw), (macro_read, macro_saw)), carried) in
            pairs.into_iter().zip(must_carry)
        {
            assert_eq!(config_read, macro_read, "{name}: the records");
            for fragment in carried {
                assert!(
                    config_saw.iter().any(|r| r.contains(fragment)),
                    "{name}: {fragment} on the wire: {config_saw:#?}"
                );
            }
            assert_eq!(config_saw, macro_saw, "{name}: the requests on the wire");
        }
    }

    #[tokio::test]
    async fn the_refresh_token_example_sends_the_same_requests_and_keeps_the_rotated_token() {
        let values = [
            ("client_secret", "client-secret-4"),
            ("refresh_token", "initial-refresh-5"),
        ];
        // removed with the stores' `.lock` files when the test ends
        let dir = tempfile::Builder::new()
            .prefix("rest-source-config-vs-macro-")
            .tempdir()
            .unwrap();
        let (config_store, macro_store) = (
            dir.path().join("refresh-config.json"),
            dir.path().join("refresh-macro.json"),
        );
        let by_config = |url: String| {
            let store = config_store.to_str().unwrap().to_owned();
            async move {
                let config = example_with(
                    "oauth2_refresh_token.toml",
                    &[
                        ("http://127.0.0.1:8080", url.as_str()),
                        (".dlt/crm_refresh_token.json", store.as_str()),
                    ],
                );
                let source = config.build(&secrets(&config.name, &values)).unwrap();
                let mut out = Vec::new();
                for r in source.resources() {
                    let name = r.spec().name.clone();
                    out.extend(records(vec![(name.as_str(), r)]).await);
                }
                out
            }
        };
        let by_macro = |url: String| {
            let store = macro_store.to_str().unwrap().to_owned();
            async move {
                let s = RefreshToken::builder()
                    .secrets_from_resolver(&secrets("crm", &values))
                    .unwrap()
                    .base_url(format!("{url}/api/v1"))
                    .access_token_url(format!("{url}/oauth/token"))
                    .token_store(store.clone())
                    .build()
                    .unwrap();
                // Checked before any request, so a broken override never writes the
                // attribute's relative path into the repository.
                let Some(rest_source::spec::AuthSpec::OAuth2RefreshToken { token_store, .. }) =
                    &s.source_spec().auth
                else {
                    panic!("a refresh-token auth");
                };
                assert_eq!(token_store.as_deref(), Some(store.as_str()));
                records(vec![("contacts", &s.contacts), ("tickets", &s.tickets)]).await
            }
        };
        let (config_read, config_saw) = on_recorder(by_config).await;
        let (macro_read, macro_saw) = on_recorder(by_macro).await;
        assert_eq!(config_read, macro_read, "the records");
        // One refresh with the initial token, client id and secret as HTTP Basic, then
        // both resources with the refreshed access token.
        for fragment in [
            "\"path\":\"/oauth/token\"",
            "[\"refresh_token\",\"initial-refresh-5\"]",
            "Basic ",
            "Bearer tok-1",
            "\"path\":\"/api/v1/tickets\"",
        ] {
            assert!(
                config_saw.iter().any(|r| r.contains(fragment)),
                "{fragment} on the wire: {config_saw:#?}"
            );
        }
        assert_eq!(
            config_saw
                .iter()
                .filter(|r| r.contains("/oauth/token"))
                .count(),
            1,
            "one refresh: {config_saw:#?}"
        );
        assert_eq!(config_saw, macro_saw, "the requests on the wire");
        // Both front ends persisted the rotated token in their store, the spent one gone.
        for path in [&config_store, &macro_store] {
            let stored = std::fs::read_to_string(path).expect("the rotated token was saved");
            assert!(
                stored.contains("rt-rotated") && !stored.contains("initial-refresh-5"),
                "{}: {stored}",
                path.display()
            );
        }
    }
}

/// Query params keep the order written through both front ends, as dlt sends them (its
/// params dict's order). Spec equality ignores the order (`serde_json::Map`'s), so the
/// order is asserted on its own; `runtime/tests/it/dlt_wire.rs` checks it on the wire.
mod param_order {
    use rest_source::config::SourceConfig;
    use rest_source::{Resource, rest_source};
    use serde_json::Value;

    #[rest_source(name = "ordered", base_url = "http://127.0.0.1:8080/api")]
    pub struct Ordered {
        #[resource(
            path = "items",
            paginator = single_page,
            params("zeta" = "z", "alpha" = 1, "mid" = "m")
        )]
        pub items: Resource<Value>,
    }

    #[test]
    fn params_keep_the_order_written_in_the_macro_and_in_the_config() {
        let by_macro = Ordered::builder().build().unwrap();
        let config = SourceConfig::from_toml_str(
            "name = \"ordered\"\n[client]\nbase_url = \"http://127.0.0.1:8080/api\"\n\
             [[resources]]\nname = \"items\"\n[resources.endpoint]\npath = \"items\"\n\
             paginator = \"single_page\"\n[resources.endpoint.params]\n\
             zeta = \"z\"\nalpha = 1\nmid = \"m\"\n",
            "ordered.toml",
        )
        .unwrap();
        let by_config = config.to_spec();
        let keys = |params: &serde_json::Map<String, Value>| -> Vec<String> {
            params.keys().cloned().collect()
        };
        let macro_spec = by_macro.items.spec();
        let config_spec = &by_config.resources[0].spec;
        assert_eq!(keys(&macro_spec.endpoint.params), ["zeta", "alpha", "mid"]);
        assert_eq!(keys(&config_spec.endpoint.params), ["zeta", "alpha", "mid"]);
        assert_eq!(macro_spec, config_spec);
    }
}
