//! Each rule the macro and the config share (`rest_source_spec::validate`) reports the same
//! message through both front ends. The table below lists every shared rule once, as a
//! config; `tests/ui/fail/shared_rules.rs` writes the same sources as `#[rest_source]`
//! structs, in the same order, and trybuild pins their errors in `shared_rules.stderr`. This
//! test loads each config and finds each of its messages there, in order, and checks that
//! the macro reports nothing else.
//!
//! Not in the table: two resources with one name (a struct cannot have two fields with one
//! name, so only the config can write it; `runtime/tests/config_errors.rs` covers it).

use rest_source::config::SourceConfig;

const CLIENT: &str = "[client]\nbase_url = \"https://crm.example.com/api\"\n";

/// (rule, config). The config's resources and parameters are the macro case's fields.
const RULES: &[(&str, &str)] = &[
    (
        "base_url has an http(s) scheme",
        "[client]\nbase_url = \"ftp://files.example.com\"\n[[resources]]\nname = \"r\"\n",
    ),
    (
        "base_url has a host",
        "[client]\nbase_url = \"https://\"\n[[resources]]\nname = \"r\"\n",
    ),
    (
        "a source's credential header is a secret",
        "[client]\nbase_url = \"https://crm.example.com/api\"\nheaders = { Authorization = \"Bearer abc123\" }\n[[resources]]\nname = \"r\"\n",
    ),
    (
        "a resource's credential header is a secret",
        "[[resources]]\nname = \"reports\"\nendpoint = { path = \"reports\", headers = { \"X-Api-Key\" = \"abc123\" } }\n",
    ),
    (
        "a json body goes with POST",
        "[[resources]]\nname = \"search\"\nendpoint = { path = \"search\", json = { query = \"rust\" } }\n",
    ),
    (
        "an offset paginator's limit is at least 1",
        "[[resources]]\nname = \"contacts\"\nendpoint = { path = \"contacts\", paginator = { type = \"offset\", limit = 0 } }\n",
    ),
    (
        "a page_number paginator can stop",
        "[[resources]]\nname = \"contacts\"\nendpoint = { path = \"contacts\", paginator = { type = \"page_number\", stop_after_empty_page = false } }\n",
    ),
    (
        "a paginator's parameter names are not empty",
        "[client]\nbase_url = \"https://crm.example.com/api\"\npaginator = { type = \"cursor\", cursor_param = \"\" }\n[[resources]]\nname = \"r\"\n",
    ),
    (
        "max_pages, max_items and concurrency are at least 1",
        "[[resources]]\nname = \"contacts\"\nmax_pages = 0\nmax_items = 0\nconcurrency = 0\n",
    ),
    (
        "an incremental cursor_path is not empty",
        "[[resources]]\nname = \"events\"\nendpoint = { path = \"events\", incremental = { cursor_path = \"\" } }\n",
    ),
    (
        "a {param} placeholder names a source parameter",
        "[params]\nregion = \"eu\"\n[[resources]]\nname = \"contacts\"\nendpoint = { path = \"{regoin}/contacts\" }\n",
    ),
    (
        "a {param} placeholder does not name a resource",
        "[[resources]]\nname = \"contacts\"\n[[resources]]\nname = \"notes\"\nendpoint = { path = \"notes\", params = { contact = \"{contacts}\" } }\n",
    ),
    (
        "a parent placeholder does not name a parameter",
        "[params]\nregion = \"eu\"\n[[resources]]\nname = \"contacts\"\nendpoint = { path = \"{region.id}/contacts\" }\n",
    ),
    (
        "a parent placeholder names a resource",
        "[[resources]]\nname = \"contacts\"\n[[resources]]\nname = \"notes\"\nendpoint = { path = \"notes\", params = { contact = \"{resources.contact.id}\" } }\n",
    ),
    (
        "a resource is not its own parent",
        "[[resources]]\nname = \"notes\"\nendpoint = { path = \"notes/{notes.id}\" }\n",
    ),
    (
        "a resource has at most one parent",
        "[[resources]]\nname = \"a\"\n[[resources]]\nname = \"b\"\n[[resources]]\nname = \"c\"\nendpoint = { path = \"a/{a.id}/b/{b.id}\" }\n",
    ),
    (
        "include_from_parent needs a parent",
        "[[resources]]\nname = \"notes\"\ninclude_from_parent = [\"id\"]\n",
    ),
    (
        "parents form no cycle",
        "[[resources]]\nname = \"a\"\nendpoint = { path = \"a/{b.id}\" }\n[[resources]]\nname = \"b\"\nendpoint = { path = \"b/{a.id}\" }\n",
    ),
    (
        "{incremental.*} needs an incremental cursor",
        "[[resources]]\nname = \"events\"\nendpoint = { path = \"events\", params = { since = \"{incremental.start_value}\" } }\n",
    ),
    (
        "{incremental.end_value} needs an end_value",
        "[[resources]]\nname = \"events\"\nendpoint = { path = \"events\", params = { until = \"{incremental.end_value}\" }, incremental = { cursor_path = \"updated_at\", initial_value = \"2024-01-01\" } }\n",
    ),
    (
        "a token URL is absolute",
        "[client]\nbase_url = \"https://crm.example.com/api\"\nauth = { type = \"oauth2_client_credentials\", access_token_url = \"oauth/token\", client_id = \"id\", client_secret = { secret = \"cs\" } }\n[[resources]]\nname = \"r\"\n",
    ),
    (
        "a login URL is http(s)",
        "[client]\nbase_url = \"https://crm.example.com/api\"\nauth = { type = \"session_token\", login_url = \"ftp://crm.example.com/login\", token_path = \"token\" }\n[[resources]]\nname = \"r\"\n",
    ),
    (
        "a session login says where the token is",
        "[client]\nbase_url = \"https://crm.example.com/api\"\nauth = { type = \"session_token\", login_url = \"https://crm.example.com/login\" }\n[[resources]]\nname = \"r\"\n",
    ),
    (
        "a session login reads the token from one place",
        "[client]\nbase_url = \"https://crm.example.com/api\"\nauth = { type = \"session_token\", login_url = \"https://crm.example.com/login\", token_path = \"token\", token_header = \"X-Session\" }\n[[resources]]\nname = \"r\"\n",
    ),
    (
        "a session token off a header has a name",
        "[client]\nbase_url = \"https://crm.example.com/api\"\nauth = { type = \"session_token\", login_url = \"https://crm.example.com/login\", token_path = \"token\", location = \"cookie\" }\n[[resources]]\nname = \"r\"\n",
    ),
    (
        "a placeholder's braces are closed",
        "[[resources]]\nname = \"contacts\"\nendpoint = { path = \"contacts/{id\" }\n",
    ),
    (
        "a request has one body",
        "[[resources]]\nname = \"search\"\nendpoint = { path = \"search\", method = \"POST\", json = { query = \"rust\" }, data = { q = \"rust\" } }\n",
    ),
    (
        "base_url is an absolute URL",
        "[client]\nbase_url = \"crm.example.com/api\"\n[[resources]]\nname = \"r\"\n",
    ),
    (
        "an incremental start_param is not empty",
        "[[resources]]\nname = \"events\"\nendpoint = { path = \"events\", incremental = { cursor_path = \"updated_at\", start_param = \"\" } }\n",
    ),
    (
        "{incremental.initial_value} needs an initial_value",
        "[[resources]]\nname = \"events\"\nendpoint = { path = \"events\", params = { since = \"{incremental.initial_value}\" }, incremental = { cursor_path = \"updated_at\" } }\n",
    ),
    (
        "an {incremental.*} placeholder names an incremental value",
        "[[resources]]\nname = \"events\"\nendpoint = { path = \"events\", params = { since = \"{incremental.start}\" }, incremental = { cursor_path = \"updated_at\", initial_value = \"2024-01-01\" } }\n",
    ),
    (
        "a parent placeholder names a field",
        "[[resources]]\nname = \"contacts\"\n[[resources]]\nname = \"notes\"\nendpoint = { path = \"contacts/{contacts.}/notes\" }\n",
    ),
    (
        "a placeholder is a name",
        "[[resources]]\nname = \"contacts\"\nendpoint = { path = \"contacts/{a b}\" }\n",
    ),
    (
        "a closing brace is matched",
        "[[resources]]\nname = \"contacts\"\nendpoint = { path = \"contacts/id}\" }\n",
    ),
    (
        "distinct refresh-token auths keep their tokens in distinct stores",
        "[client]\nbase_url = \"https://crm.example.com/api\"\nauth = { type = \"oauth2_refresh_token\", access_token_url = \"https://crm.example.com/oauth/token\", client_id = \"app\", refresh_token = { secret = \"crm_token\" }, token_store = \"tokens.json\" }\n[[resources]]\nname = \"contacts\"\n[[resources]]\nname = \"deals\"\nendpoint = { path = \"deals\", auth = { type = \"oauth2_refresh_token\", access_token_url = \"https://crm.example.com/oauth/token\", client_id = \"app\", refresh_token = { secret = \"deals_token\" }, token_store = \"tokens.json\" } }\n",
    ),
];

/// The macro's errors, as trybuild checks them.
fn macro_stderr() -> String {
    std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/ui/fail/shared_rules.stderr"
    ))
    .expect("the trybuild case exists")
}

/// The messages (without location and fix) of every problem `toml` loads with.
fn config_messages(toml: &str) -> Vec<String> {
    let text = if toml.starts_with("[client]") {
        toml.to_owned()
    } else {
        format!("{CLIENT}{toml}")
    };
    let err = SourceConfig::from_toml_str(&text, "source.toml").expect_err("the config is refused");
    err.problems().iter().map(|p| p.message.clone()).collect()
}

/// The macro's error lines, in order: `error: <message>[; <fix>]`.
fn macro_errors(stderr: &str) -> Vec<&str> {
    stderr
        .lines()
        .filter_map(|l| l.strip_prefix("error: "))
        .collect()
}

#[test]
fn every_shared_rule_reads_the_same_in_the_macro_and_the_config() {
    let stderr = macro_stderr();
    let mut errors = macro_errors(&stderr).into_iter();
    for (rule, toml) in RULES {
        let messages = config_messages(toml);
        assert!(!messages.is_empty(), "{rule}: the config loads");
        for message in messages {
            let found = errors.next().unwrap_or_default();
            let same = found == message || found.starts_with(&format!("{message}; "));
            assert!(
                same,
                "{rule}: the config says\n  {message}\nthe macro says\n  {found}"
            );
        }
    }
    let rest: Vec<&str> = errors.collect();
    assert!(rest.is_empty(), "macro errors beyond the table: {rest:#?}");
}

#[test]
fn a_bad_placeholder_in_params_is_reported_at_the_param() {
    let err = SourceConfig::from_toml_str(
        &format!(
            "{CLIENT}[[resources]]\nname = \"events\"\n[resources.endpoint]\npath = \"events\"\nparams = {{ since = \"{{incremental.start_value}}\" }}\n"
        ),
        "source.toml",
    )
    .unwrap_err();
    let location = &err.problems()[0].location;
    assert_eq!(location.path, "resources[0].endpoint.params.since");
    assert_eq!(location.line_col, Some((7, 20)));
}
