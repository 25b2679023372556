//! Bad configs produce one error listing every problem, each with file:line:column, the key
//! path, and a did-you-mean or expected-one-of. The full texts are pinned: they are the
//! user interface of the config front end.

use rest_source_runtime::config::{ConfigError, SourceConfig};

fn toml_err(text: &str) -> String {
    SourceConfig::from_toml_str(text, "sources.toml")
        .expect_err("the config should not load")
        .to_string()
}

fn json_err(text: &str) -> ConfigError {
    SourceConfig::from_json_str(text, "sources.json").expect_err("the config should not load")
}

const CLIENT: &str = "[client]\nbase_url = \"https://crm.example.com/api/v1\"\n";

#[test]
fn unknown_auth_type_suggests_the_dlt_name() {
    let err = toml_err(&format!(
        "name = \"crm\"\n{CLIENT}auth = {{ type = \"oauth2_client_credential\", client_id = \"id\", client_secret = {{ secret = \"cs\" }} }}\n\n[[resources]]\nname = \"contacts\"\n"
    ));
    assert_eq!(
        err,
        "sources.toml:4:17: client.auth.type: unknown auth type `oauth2_client_credential`; did you mean `oauth2_client_credentials`?"
    );
}

#[test]
fn unknown_auth_type_far_from_any_lists_them_all() {
    let err = toml_err(&format!(
        "{CLIENT}auth = {{ type = \"saml\" }}\n[[resources]]\nname = \"contacts\"\n"
    ));
    assert_eq!(
        err,
        "sources.toml:3:17: client.auth.type: unknown auth type `saml`; expected one of `bearer`, `api_key`, `http_basic`, `oauth2_client_credentials`, `oauth2_refresh_token`, `oauth2_jwt_bearer`, `session_token`, `none`"
    );
}

#[test]
fn inline_secret_is_a_load_error_that_never_repeats_the_value() {
    let err = toml_err(&format!(
        "name = \"crm\"\n{CLIENT}auth = {{ type = \"bearer\", token = \"canary-s3cr3t-value\" }}\n[[resources]]\nname = \"contacts\"\n"
    ));
    assert_eq!(
        err,
        "sources.toml:4:35: client.auth.token: inline credential: `token` must reference a secret, not hold its value; use `token = { secret = \"token\" }` and put the value in .dlt/secrets.toml under [sources.crm] (or the env var `SOURCES__CRM__TOKEN`)"
    );
    assert!(!err.contains("canary"));
}

#[test]
fn inline_secrets_in_every_credential_field_and_header_are_reported_together() {
    let err = toml_err(
        r#"name = "crm"
[client]
base_url = "https://crm.example.com"
headers = { Authorization = "Token canary-1", Accept = "application/json" }
auth = { type = "http_basic", username = "me", password = "canary-2" }

[[resources]]
name = "reports"
endpoint = { path = "reports", auth = { type = "api_key", api_key = "canary-3" } }

[[resources]]
name = "contacts"
endpoint.auth = { type = "oauth2_client_credentials", access_token_url = "https://crm.example.com/token", client_id = "id", client_secret = "canary-4" }
"#,
    );
    assert_eq!(
        err,
        r#"sources.toml: 4 problems in the source config
sources.toml:4:29: client.headers.Authorization: inline credential: `authorization` must reference a secret, not hold its value; use `authorization = { secret = "authorization" }` and put the value in .dlt/secrets.toml under [sources.crm] (or the env var `SOURCES__CRM__AUTHORIZATION`)
sources.toml:5:59: client.auth.password: inline credential: `password` must reference a secret, not hold its value; use `password = { secret = "password" }` and put the value in .dlt/secrets.toml under [sources.crm] (or the env var `SOURCES__CRM__PASSWORD`)
sources.toml:9:69: resources[0].endpoint.auth.api_key: inline credential: `api_key` must reference a secret, not hold its value; use `api_key = { secret = "api_key" }` and put the value in .dlt/secrets.toml under [sources.crm] (or the env var `SOURCES__CRM__API_KEY`)
sources.toml:13:141: resources[1].endpoint.auth.client_secret: inline credential: `client_secret` must reference a secret, not hold its value; use `client_secret = { secret = "client_secret" }` and put the value in .dlt/secrets.toml under [sources.crm] (or the env var `SOURCES__CRM__CLIENT_SECRET`)"#
    );
    assert!(!err.contains("canary"));
}

#[test]
fn missing_fields_are_named_at_their_table() {
    let err = toml_err(
        r#"[client]
auth = { type = "oauth2_client_credentials", client_id = "id" }

[[resources]]
endpoint = { path = "contacts" }
"#,
    );
    assert_eq!(
        err,
        // A left-out `client_secret` is not a problem: like dlt, it is looked up as
        // `credentials.client_secret` (tests/dlt_credentials.rs).
        "sources.toml: 3 problems in the source config
sources.toml:1:1: client: missing `base_url` in `client`
sources.toml:2:8: client.auth: missing `access_token_url` in the `oauth2_client_credentials` auth
sources.toml:4:1: resources[0]: missing `name` in a resource"
    );
}

#[test]
fn bad_paginators_name_type_field_and_kind() {
    let err = toml_err(&format!(
        r#"{CLIENT}
[[resources]]
name = "events"
endpoint = {{ path = "events", paginator = {{ type = "offset" }} }}

[[resources]]
name = "orders"
endpoint = {{ path = "orders", paginator = {{ type = "cursor", cursor_path = "next", cursor_parm = "c" }} }}

[[resources]]
name = "tickets"
endpoint = {{ path = "tickets", paginator = {{ type = "page_numbr" }} }}

[[resources]]
name = "users"
endpoint = {{ path = "users", paginator = {{ type = "page_number", base_page = "one" }} }}
"#
    ));
    assert_eq!(
        err,
        "sources.toml: 4 problems in the source config
sources.toml:6:43: resources[0].endpoint.paginator: missing `limit` in the `offset` paginator
sources.toml:10:84: resources[1].endpoint.paginator.cursor_parm: unknown key `cursor_parm` in the `cursor` paginator; did you mean `cursor_param`?
sources.toml:14:53: resources[2].endpoint.paginator.type: unknown paginator type `page_numbr`; did you mean `page_number`?
sources.toml:18:78: resources[3].endpoint.paginator.base_page: expected a non-negative integer, found a string"
    );
}

#[test]
fn misspelt_keys_get_suggestions_and_unknown_ones_the_list() {
    let err = toml_err(&format!(
        "{CLIENT}paginatr = \"auto\"\n[[resources]]\nname = \"contacts\"\nendpoint = {{ path = \"contacts\", data_selecter = \"results\", colour = \"red\" }}\n"
    ));
    assert_eq!(
        err,
        "sources.toml: 3 problems in the source config
sources.toml:3:1: client.paginatr: unknown key `paginatr` in `client`; did you mean `paginator`?
sources.toml:6:33: resources[0].endpoint.data_selecter: unknown key `data_selecter` in an endpoint; did you mean `data_selector`?
sources.toml:6:60: resources[0].endpoint.colour: unknown key `colour` in an endpoint; expected one of `path`, `method`, `params`, `headers`, `json`, `data`, `data_selector`, `paginator`, `incremental`, `auth`, `response_actions`"
    );
}

#[test]
fn placeholders_must_name_a_param_or_an_acyclic_known_parent() {
    let err = toml_err(&format!(
        r#"{CLIENT}
[params]
region = "eu"

[[resources]]
name = "contacts"
endpoint = {{ path = "{{regoin}}/contacts" }}

[[resources]]
name = "notes"
endpoint = {{ path = "contacts/{{contact.id}}/notes" }}

[[resources]]
name = "a"
endpoint = {{ path = "a/{{resources.b.id}}" }}

[[resources]]
name = "b"
endpoint = {{ path = "b/{{a.id}}" }}
"#
    ));
    assert_eq!(
        err,
        "sources.toml: 3 problems in the source config
sources.toml:9:21: resources[0].endpoint.path: placeholder `{regoin}` names no source parameter; did you mean `{region}`?
sources.toml:13:21: resources[1].endpoint.path: placeholder `{contact.id}` names an unknown parent resource `contact`; did you mean `contacts`?
sources.toml:17:21: resources[2].endpoint.path: parent resources form a cycle: `a` → `b` → `a`; a child's placeholders must not lead back to itself"
    );
}

#[test]
fn json_problems_carry_the_path_and_line_and_column() {
    let text = r#"{
  "client": {
    "base_url": "https://crm.example.com",
    "auth": {"type": "api_key", "api_key": "canary-9", "location": "headr"}
  },
  "resources": [
    "contacts",
    {"name": "reports", "endpoint": {"path": "reports"}},
    {"name": "events", "endpoint": {"path": "events", "paginator": {"type": "ofset", "limit": 10}}}
  ]
}"#;
    let err = json_err(text);
    let paths: Vec<&str> = err
        .problems()
        .iter()
        .map(|p| p.location.path.as_str())
        .collect();
    assert_eq!(
        paths,
        [
            "client.auth.api_key",
            "client.auth.location",
            "resources[2].endpoint.paginator.type"
        ]
    );
    assert_eq!(
        err.to_string(),
        r#"sources.json: 3 problems in the source config
sources.json:4:44: client.auth.api_key: inline credential: `api_key` must reference a secret, not hold its value; use `"api_key": {"secret": "api_key"}` and put the value in .dlt/secrets.toml under [sources.sources] (or the env var `SOURCES__SOURCES__API_KEY`)
sources.json:4:68: client.auth.location: unknown api key location `headr`; did you mean `header`?
sources.json:9:77: resources[2].endpoint.paginator.type: unknown paginator type `ofset`; did you mean `offset`?"#
    );
}

#[test]
fn syntax_errors_name_the_position() {
    assert_eq!(
        toml_err("name = \"crm\"\n[client\n"),
        "sources.toml:2:8: invalid TOML: unclosed table, expected `]`"
    );
    assert_eq!(
        json_err("{\"client\": {\"base_url\": \"x\",}}").to_string(),
        "sources.json:1:29: invalid JSON: key must be a string"
    );
}

#[test]
fn the_same_source_in_toml_and_json_builds_the_same_spec() {
    let toml = SourceConfig::from_toml_str(
        r#"name = "crm"
[client]
base_url = "https://crm.example.com/api/v1"
auth = { type = "oauth2_client_credentials", access_token_url = "https://crm.example.com/token", client_id = { secret = "client_id" }, client_secret = { secret = "client_secret" }, scope = ["a", "b"] }
[resource_defaults]
primary_key = "id"
endpoint = { data_selector = "results" }
[[resources]]
name = "contacts"
endpoint = "contacts"
[[resources]]
name = "notes"
endpoint = { path = "contacts/{id}/notes", params = { id = { type = "resolve", resource = "contacts", field = "id" } } }
"#,
        "crm.toml",
    )
    .unwrap();
    let json = SourceConfig::from_json_str(
        r#"{"name": "crm",
            "client": {"base_url": "https://crm.example.com/api/v1",
              "auth": {"type": "oauth2_client_credentials", "access_token_url": "https://crm.example.com/token",
                       "client_id": {"secret": "client_id"}, "client_secret": {"secret": "client_secret"}, "scope": "a b"}},
            "resources": [
              {"name": "contacts", "primary_key": "id", "endpoint": {"path": "contacts", "data_selector": "results"}},
              {"name": "notes", "primary_key": ["id"], "endpoint": {"path": "contacts/{contacts.id}/notes", "data_selector": "results"}}
            ]}"#,
        "crm.json",
    )
    .unwrap();
    assert_eq!(toml, json);
    assert_eq!(toml.resources[1].parent.as_deref(), Some("contacts"));
    assert_eq!(toml.secret_keys(), ["client_id", "client_secret"]);
}

#[test]
fn resource_defaults_problems_are_reported_once_at_the_defaults() {
    let err = toml_err(&format!(
        r#"{CLIENT}
[resource_defaults]
endpoint = {{ paginator = {{ type = "offset" }}, data_selectr = "data" }}

[[resources]]
name = "a"

[[resources]]
name = "b"
"#
    ));
    assert_eq!(
        err,
        "sources.toml: 2 problems in the source config
sources.toml:5:26: resource_defaults.endpoint.paginator: missing `limit` in the `offset` paginator
sources.toml:5:47: resource_defaults.endpoint.data_selectr: unknown key `data_selectr` in an endpoint; did you mean `data_selector`?"
    );
}

#[test]
fn json_duplicate_keys_are_an_error() {
    let err = json_err(
        r#"{"client": {"base_url": "https://a.example", "base_url": "https://b.example"}, "resources": ["x"]}"#,
    );
    assert_eq!(
        err.to_string(),
        "sources.json:1:46: client.base_url: duplicate key `base_url`"
    );
}

#[test]
fn include_from_parent_needs_a_parent() {
    let err = toml_err(&format!(
        "{CLIENT}[[resources]]\nname = \"contacts\"\ninclude_from_parent = [\"id\"]\n"
    ));
    assert_eq!(
        err,
        "sources.toml:5:23: resources[0].include_from_parent: `include_from_parent` (`id`) needs a parent, but no placeholder names one; read a parent field in the path, such as `contacts/{contacts.id}/notes`"
    );
}

#[test]
fn dlt_configs_load_unchanged() {
    // The shape of a dlt `RESTAPIConfig`, including keys that only matter to dlt's loader.
    let config = SourceConfig::from_json_str(
        r#"{
  "client": {
    "base_url": "https://api.github.com/repos/dlt-hub/dlt/",
    "auth": {"type": "bearer", "token": {"secret": "github_token"}},
    "paginator": "header_link"
  },
  "resource_defaults": {
    "primary_key": "id",
    "write_disposition": "merge",
    "endpoint": {"params": {"per_page": 100}}
  },
  "resources": [
    {
      "name": "issues",
      "endpoint": {
        "path": "issues",
        "params": {
          "sort": "updated",
          "direction": "desc",
          "state": "open",
          "since": {"type": "incremental", "cursor_path": "updated_at", "initial_value": "2024-01-25T11:21:28Z"}
        }
      }
    },
    {
      "name": "issue_comments",
      "endpoint": {
        "path": "issues/{resources.issues.number}/comments"
      },
      "include_from_parent": ["id"]
    },
    {
      "name": "token",
      "table_name": "oauth_tokens",
      "endpoint": {
        "path": "token",
        "method": "POST",
        "auth": {
          "type": "oauth2_client_credentials",
          "access_token_url": "https://example.com/oauth/token",
          "client_id": {"secret": "client_id"},
          "client_secret": {"secret": "client_secret"},
          "access_token_request_data": {"scope": "read"}
        }
      }
    }
  ]
}"#,
        "github.json",
    )
    .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(config.name, "github");
    let issues = &config.resources[0].spec;
    let since = issues.endpoint.incremental.as_ref().expect("incremental");
    assert_eq!(since.start_param.as_deref(), Some("since"));
    assert_eq!(issues.endpoint.params["per_page"], 100);
    assert_eq!(issues.primary_key, ["id"]);
    assert_eq!(config.resources[1].parent.as_deref(), Some("issues"));
    assert_eq!(
        config.secret_keys(),
        ["github_token", "client_id", "client_secret"]
    );
}

#[test]
fn inline_refresh_token_is_a_load_error_that_never_repeats_the_value() {
    let err = toml_err(
        r#"name = "crm"
[client]
base_url = "https://crm.example.com"
auth = { type = "oauth2_refresh_token", access_token_url = "https://crm.example.com/oauth/token", client_id = "app", refresh_token = "canary-rt-1" }
[[resources]]
name = "contacts"
"#,
    );
    assert_eq!(
        err,
        "sources.toml:4:134: client.auth.refresh_token: inline credential: `refresh_token` must reference a secret, not hold its value; use `refresh_token = { secret = \"refresh_token\" }` and put the value in .dlt/secrets.toml under [sources.crm] (or the env var `SOURCES__CRM__REFRESH_TOKEN`)"
    );
    assert!(!err.contains("canary"));
}

#[test]
fn inline_private_key_and_unknown_token_body_are_reported_together() {
    let err = toml_err(
        r#"name = "sheets"
[client]
base_url = "https://sheets.example.com"
[client.auth]
type = "oauth2_jwt_bearer"
access_token_url = "https://oauth2.example.com/token"
issuer = "etl@example.com"
private_key = "-----BEGIN PRIVATE KEY----- canary-pk"
token_body = "xml"
[[resources]]
name = "files"
"#,
    );
    assert_eq!(
        err,
        r#"sources.toml: 2 problems in the source config
sources.toml:8:15: client.auth.private_key: inline credential: `private_key` must reference a secret, not hold its value; use `private_key = { secret = "private_key" }` and put the value in .dlt/secrets.toml under [sources.sheets] (or the env var `SOURCES__SHEETS__PRIVATE_KEY`)
sources.toml:9:14: client.auth.token_body: unknown token request body `xml`; expected one of `form`, `json`"#
    );
    assert!(!err.contains("canary") && !err.contains("BEGIN"));
}

#[test]
fn session_token_without_a_token_source_with_an_inline_password_and_a_misspelt_location() {
    let err = toml_err(
        r#"name = "legacy"
[client]
base_url = "https://legacy.example.com"
[client.auth]
type = "session_token"
login_url = "https://legacy.example.com/login"
credentials = { username = "etl-bot", password = "canary-pw", otp_secret = { secret = "otp" } }
location = "querystring"
[[resources]]
name = "items"
"#,
    );
    assert_eq!(
        err,
        r#"sources.toml: 3 problems in the source config
sources.toml:4:1: client.auth: `session_token` needs to know where the login response holds the token; add `token_path` (a JSON path in the body, e.g. `token`), `token_header` (e.g. `X-Session`) or `token_cookie` (e.g. `sessionid`)
sources.toml:7:50: client.auth.credentials.password: inline credential: `password` must reference a secret, not hold its value; use `password = { secret = "password" }` and put the value in .dlt/secrets.toml under [sources.legacy] (or the env var `SOURCES__LEGACY__PASSWORD`)
sources.toml:8:12: client.auth.location: unknown session token location `querystring`; did you mean `query`?"#
    );
    assert!(!err.contains("canary"));
}

#[test]
fn session_token_with_several_token_sources_and_a_cookie_without_a_name() {
    let err = toml_err(
        r#"name = "legacy"
[client]
base_url = "https://legacy.example.com"
[client.auth]
type = "session_token"
login_url = "https://legacy.example.com/login"
credentials = { password = { secret = "password" } }
token_path = "data.token"
token_header = "X-Session"
token_cookie = "sid"
location = "cookie"
[[resources]]
name = "items"
"#,
    );
    assert_eq!(
        err,
        r#"sources.toml: 3 problems in the source config
sources.toml:9:16: client.auth.token_header: `token_header` conflicts with `token_path`: the login response holds the token in one place; keep one of `token_path`, `token_header`, `token_cookie`
sources.toml:10:16: client.auth.token_cookie: `token_cookie` conflicts with `token_path`: the login response holds the token in one place; keep one of `token_path`, `token_header`, `token_cookie`
sources.toml:11:12: client.auth.location: a session token sent in the cookie needs a `name`; add the cookie name the session token is sent under, e.g. `name = "session_id"`"#
    );
}

#[test]
fn non_standard_flows_name_their_missing_keys_and_misspellings() {
    let err = toml_err(
        r#"[client]
base_url = "https://api.example.com"
[client.auth]
type = "oauth2_refresh_token"
client_secret = { secret = "cs" }
scpoe = "read"
[[resources]]
name = "a"
endpoint.auth = { type = "oauth2_jwt_bearer", access_token_url = "https://a.example.com/t" }
[[resources]]
name = "b"
endpoint.auth = { type = "session_token", token_path = "t" }
[[resources]]
name = "c"
endpoint.auth = { type = "api_key", location = "bdy", api_key = { secret = "k" } }
"#,
    );
    assert_eq!(
        err,
        r#"sources.toml: 8 problems in the source config
sources.toml:3:1: client.auth: missing `access_token_url` in the `oauth2_refresh_token` auth
sources.toml:3:1: client.auth: missing `client_id` in the `oauth2_refresh_token` auth
sources.toml:3:1: client.auth: missing `refresh_token` in the `oauth2_refresh_token` auth
sources.toml:6:1: client.auth.scpoe: unknown key `scpoe` in the `oauth2_refresh_token` auth; did you mean `scope`?
sources.toml:9:17: resources[0].endpoint.auth: missing `issuer` in the `oauth2_jwt_bearer` auth
sources.toml:9:17: resources[0].endpoint.auth: missing `private_key` in the `oauth2_jwt_bearer` auth
sources.toml:12:17: resources[1].endpoint.auth: missing `login_url` in the `session_token` auth
sources.toml:15:48: resources[2].endpoint.auth.location: unknown api key location `bdy`; did you mean `body`?"#
    );
}

#[test]
fn non_standard_flows_load_into_their_auth_specs() {
    use rest_source_runtime::ApiKeyLocation;
    use rest_source_runtime::spec::{AuthSpec, MaybeSecret, SecretRef};
    let config = SourceConfig::from_toml_str(
        r#"name = "legacy"
[client]
base_url = "https://legacy.example.com"
[client.auth]
type = "session_token"
login_url = "https://legacy.example.com/login"
body = "form"
credentials = { username = "etl-bot", password = { secret = "password" } }
token_cookie = "sid"
location = "body"
name = "session"
ttl = 900
[[resources]]
name = "items"
endpoint.auth = { type = "api_key", name = "api_key", location = "body", api_key = { secret = "body_key" } }
"#,
        "legacy.toml",
    )
    .unwrap();
    let Some(AuthSpec::SessionToken {
        credentials,
        body,
        token_cookie,
        location,
        name,
        ttl,
        token_path,
        ..
    }) = &config.client.auth
    else {
        panic!("a session_token auth: {:?}", config.client.auth)
    };
    assert_eq!(
        credentials["username"],
        MaybeSecret::Plain("etl-bot".into())
    );
    assert_eq!(
        credentials["password"],
        MaybeSecret::Secret {
            secret: "password".into()
        }
    );
    assert_eq!(
        (
            body.map(|b| format!("{b:?}")),
            token_cookie.as_deref(),
            token_path
        ),
        (Some("Form".into()), Some("sid"), &None)
    );
    assert_eq!(
        (*location, name.as_deref(), *ttl),
        (Some(ApiKeyLocation::Body), Some("session"), Some(900))
    );
    assert_eq!(
        config.resources[0].auth,
        Some(AuthSpec::ApiKey {
            name: "api_key".into(),
            api_key: SecretRef("body_key".into()),
            location: ApiKeyLocation::Body,
        })
    );
    assert_eq!(config.secret_keys(), ["password", "body_key"]);
}

#[test]
fn concurrency_reaches_the_spec_and_zero_is_refused() {
    let ok = SourceConfig::from_toml_str(
        &format!("{CLIENT}[[resources]]\nname = \"events\"\nconcurrency = 8\n"),
        "sources.toml",
    )
    .expect("loads");
    assert_eq!(ok.resources[0].spec.concurrency, Some(8));

    let err = toml_err(&format!(
        "{CLIENT}[[resources]]\nname = \"events\"\nconcurrency = 0\n"
    ));
    assert_eq!(
        err,
        "sources.toml:5:15: resources[0].concurrency: `concurrency` must be at least 1; 1 fetches pages one at a time"
    );
}

#[test]
fn json_session_login_with_an_inline_password_gets_the_json_fix() {
    let err = json_err(
        r#"{
  "name": "legacy",
  "client": {
    "base_url": "https://legacy.example.com",
    "auth": {
      "type": "session_token",
      "login_url": "https://legacy.example.com/login",
      "credentials": {"username": "etl-bot", "password": "canary-json-pw"},
      "token_cookie": "sid",
      "location": "cookei",
      "name": "sid"
    }
  },
  "resources": ["items"]
}"#,
    )
    .to_string();
    assert_eq!(
        err,
        r#"sources.json: 2 problems in the source config
sources.json:8:58: client.auth.credentials.password: inline credential: `password` must reference a secret, not hold its value; use `"password": {"secret": "password"}` and put the value in .dlt/secrets.toml under [sources.legacy] (or the env var `SOURCES__LEGACY__PASSWORD`)
sources.json:10:19: client.auth.location: unknown session token location `cookei`; did you mean `cookie`?"#
    );
    assert!(!err.contains("canary"));
}

#[test]
fn a_resolve_param_the_path_does_not_bind_is_refused_as_dlt_does() {
    // dlt (`_bind_path_params`): "defines resolve params … that are not bound in path".
    let err = toml_err(&format!(
        "{CLIENT}[[resources]]\nname = \"issues\"\n[[resources]]\nname = \"comments\"\n[resources.endpoint]\npath = \"comments\"\nparams = {{ issue = {{ type = \"resolve\", resource = \"issues\", field = \"id\" }} }}\n"
    ));
    assert_eq!(
        err,
        "sources.toml:9:20: resources[1].endpoint.params.issue: resolve param `issue` is not bound in path `comments`; write `{issue}` in the path, or read the parent's field in a query param as `\"{resources.issues.id}\"`"
    );
}

#[test]
fn a_typo_in_a_resolve_param_is_reported_at_what_was_written() {
    let err = toml_err(&format!(
        "{CLIENT}[[resources]]\nname = \"issues\"\n[[resources]]\nname = \"comments\"\n[resources.endpoint]\npath = \"issues/{{number}}/comments\"\nparams = {{ number = {{ type = \"resolve\", resource = \"issuess\", field = \"id\" }} }}\n"
    ));
    assert_eq!(
        err,
        "sources.toml:9:52: resources[1].endpoint.params.number.resource: resolve param `number` names an unknown parent resource `issuess`; did you mean `issues`?"
    );
    assert!(!err.contains("{issuess.id}"), "{err}");
}

#[test]
fn an_incremental_param_with_an_end_is_refused_as_dlt_does() {
    // dlt (`setup_incremental_object`): only the start goes in a param.
    let err = toml_err(&format!(
        "{CLIENT}[[resources]]\nname = \"events\"\n[resources.endpoint]\npath = \"events\"\n[resources.endpoint.params.since]\ntype = \"incremental\"\ncursor_path = \"updated_at\"\ninitial_value = 1\nend_value = 9\nend_param = \"until\"\n"
    ));
    assert_eq!(
        err,
        "sources.toml: 2 problems in the source config\n\
sources.toml:11:13: resources[0].endpoint.params.since.end_value: only `cursor_path` and `initial_value` are allowed in the incremental param `since`, not `end_value`; to set `end_value` too, use the endpoint's `incremental = { cursor_path = …, start_param = \"since\", end_value = … }`\n\
sources.toml:12:13: resources[0].endpoint.params.since.end_param: only `cursor_path` and `initial_value` are allowed in the incremental param `since`, not `end_param`; to set `end_param` too, use the endpoint's `incremental = { cursor_path = …, start_param = \"since\", end_param = … }`"
    );
}

#[test]
fn two_incremental_params_are_refused_as_dlt_does() {
    let err = toml_err(&format!(
        "{CLIENT}[[resources]]\nname = \"events\"\n[resources.endpoint]\npath = \"events\"\nparams.since = {{ type = \"incremental\", cursor_path = \"a\" }}\nparams.after = {{ type = \"incremental\", cursor_path = \"b\" }}\n"
    ));
    assert!(
        err.contains("only one incremental param is allowed per endpoint"),
        "{err}"
    );
}

#[test]
fn resource_names_are_unique() {
    let err = toml_err(&format!(
        "{CLIENT}[[resources]]\nname = \"a\"\n[[resources]]\nname = \"a\"\n"
    ));
    assert_eq!(
        err,
        "sources.toml:6:8: resources[1].name: two resources are named `a`; resource names must be unique"
    );
}
