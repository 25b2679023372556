//! Each rule the macro and the config share (`rest_source_spec::validate`) reports the same
//! message through both front ends. The macro's messages are pinned by trybuild in
//! `tests/ui/fail/shared_rules.stderr` (built from `shared_rules.rs`, the same sources as the
//! configs below); this test loads each config and finds its message there.

use rest_source::config::SourceConfig;

/// The macro's errors, as trybuild checks them.
fn macro_stderr() -> String {
    std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/ui/fail/shared_rules.stderr"
    ))
    .expect("the trybuild case exists")
}

/// The one problem `toml` loads with: its message (without the location and the fix).
fn config_message(toml: &str) -> String {
    let err = SourceConfig::from_toml_str(toml, "source.toml").expect_err("the config is refused");
    assert_eq!(err.problems().len(), 1, "{err}");
    err.problems()[0].message.clone()
}

fn assert_same_in_both(toml: &str) {
    let message = config_message(toml);
    let stderr = macro_stderr();
    assert!(
        stderr.contains(&format!("error: {message}")),
        "the macro does not report `{message}`:\n{stderr}"
    );
}

#[test]
fn base_url_with_another_scheme() {
    assert_same_in_both(
        r#"
[client]
base_url = "ftp://files.example.com"
[[resources]]
name = "r"
"#,
    );
}

#[test]
fn base_url_without_a_host() {
    assert_same_in_both(
        r#"
[client]
base_url = "https://"
[[resources]]
name = "r"
"#,
    );
}

#[test]
fn plain_credential_header_on_the_source() {
    assert_same_in_both(
        r#"
[client]
base_url = "https://crm.example.com/api"
headers = { Authorization = "Bearer abc123" }
[[resources]]
name = "r"
"#,
    );
}

#[test]
fn plain_credential_header_on_a_resource() {
    assert_same_in_both(
        r#"
[client]
base_url = "https://crm.example.com/api"
[[resources]]
name = "reports"
endpoint = { path = "reports", headers = { "X-Api-Key" = "abc123" } }
"#,
    );
}

#[test]
fn json_body_without_post() {
    assert_same_in_both(
        r#"
[client]
base_url = "https://crm.example.com/api"
[[resources]]
name = "search"
endpoint = { path = "search", json = { query = "rust" } }
"#,
    );
}
