//! Property tests over the parsers that read a user's files: the config loader (TOML and
//! JSON) and the secrets file. Thousands of generated inputs each — arbitrary text, and
//! valid configs / secrets files with random keys, values and corruption at random places —
//! must give 0 panics, every rejection an error value with a message, and no error text that
//! repeats a secret value written in the input.
//!
//! Case counts are fixed (not read from the environment) so CI time stays predictable; a
//! failure prints the shrunk input to reproduce it as a plain test.

use std::sync::LazyLock;

use crate::common;

use proptest::prelude::*;
use proptest::test_runner::Config;
use rest_source_runtime::SecretResolver;
use rest_source_runtime::config::SourceConfig;
use serde_json::{Map, Value, json};

const CASES: u32 = 2000;

fn config() -> Config {
    Config {
        cases: CASES,
        // No regression files written into the source tree by CI runs.
        failure_persistence: None,
        ..Config::default()
    }
}

// ------------------------------------------------------------------ seeds

/// Valid configs covering every auth type, paginator and resource option (parsed once).
fn seeds() -> &'static [Value] {
    static SEEDS: LazyLock<Vec<Value>> = LazyLock::new(parse_seeds);
    &SEEDS
}

fn parse_seeds() -> Vec<Value> {
    let mut seeds: Vec<Value> = [
        include_str!("../../../examples/configs/api_key.toml"),
        include_str!("../../../examples/configs/api_key_body.toml"),
        include_str!("../../../examples/configs/bearer.toml"),
        include_str!("../../../examples/configs/http_basic.toml"),
        include_str!("../../../examples/configs/oauth2_client_credentials.toml"),
        include_str!("../../../examples/configs/oauth2_jwt_bearer.toml"),
        include_str!("../../../examples/configs/oauth2_refresh_token.toml"),
        include_str!("../../../examples/configs/session_token.toml"),
    ]
    .iter()
    .map(|text| toml::from_str::<Value>(text).expect("example configs are valid TOML"))
    .collect();
    seeds.push(
        serde_json::from_str(include_str!("../../../examples/configs/crm.json"))
            .expect("the JSON example is valid JSON"),
    );
    seeds.push(json!({
        "name": "shop",
        "client": {
            "base_url": "https://shop.example.com/api/",
            "headers": {
                "Accept": "application/json",
                "X-Key": {"secret": "header_key"},
                "Authorization": {"secret": "header_token"}
            },
            "paginator": {"type": "offset", "limit": 50, "total_path": "meta.total"}
        },
        "resource_defaults": {"primary_key": "id", "endpoint": {"params": {"per_page": 50}}},
        "resources": [
            "categories",
            {
                "name": "orders",
                "endpoint": {
                    "path": "orders",
                    "data_selector": "data.items",
                    "params": {
                        "since": {"type": "incremental", "cursor_path": "updated_at", "initial_value": "2024-01-01"}
                    },
                    "paginator": {"type": "cursor", "cursor_path": "next", "cursor_param": "after"}
                }
            },
            {
                "name": "lines",
                "endpoint": {
                    "path": "orders/{resources.orders.id}/lines",
                    "method": "POST",
                    "json": {"order": "{resources.orders.id}"},
                    "paginator": {"type": "page_number", "base_page": 1, "maximum_page": 20}
                }
            },
            {
                "name": "items",
                "endpoint": {
                    "path": "items/{item_id}",
                    "params": {"item_id": {"type": "resolve", "resource": "orders", "field": "id"}},
                    "paginator": "header_link"
                }
            }
        ]
    }));
    seeds
}

/// Key names the config knows (plus near misses), so random edits hit real code paths.
const KEYS: &[&str] = &[
    "name",
    "client",
    "base_url",
    "auth",
    "type",
    "token",
    "api_key",
    "username",
    "password",
    "client_id",
    "client_secret",
    "access_token_url",
    "scope",
    "location",
    "headers",
    "paginator",
    "next_url_path",
    "limit",
    "offset",
    "offset_param",
    "limit_param",
    "total_path",
    "maximum_offset",
    "page",
    "page_param",
    "base_page",
    "cursor_path",
    "cursor_param",
    "resources",
    "resource_defaults",
    "endpoint",
    "path",
    "method",
    "params",
    "json",
    "data",
    "data_selector",
    "primary_key",
    "incremental",
    "initial_value",
    "end_value",
    "start_param",
    "resolve",
    "resource",
    "field",
    "secret",
    "selected",
    "max_pages",
    "max_items",
    "write_disposition",
    "include_from_parent",
    "token_store",
    "login_url",
    "credentials",
    "token_path",
    "ttl",
    "prefix",
    "cursor_parm",
    "",
    "a.b",
    "résumé",
];

/// String values with meaning somewhere in a config.
const STRINGS: &[&str] = &[
    "",
    "bearer",
    "api_key",
    "http_basic",
    "oauth2_client_credentials",
    "oauth2_refresh_token",
    "oauth2_jwt_bearer",
    "session_token",
    "none",
    "json_link",
    "header_link",
    "offset",
    "page_number",
    "cursor",
    "single_page",
    "auto",
    "header",
    "query",
    "param",
    "cookie",
    "body",
    "incremental",
    "resolve",
    "GET",
    "POST",
    "contacts",
    "{contacts.id}",
    "{resources.contacts.id}",
    "{resources.nope.id}",
    "{incremental.start_value}",
    "{incremental.last_value}",
    "{",
    "}",
    "{}",
    "{{x}}",
    "a/{x}/b",
    "$.data[*]",
    "data..items",
    "[0]",
    "https://api.example.com/v1",
    "http://",
    "ftp://x",
    "/relative",
    "\u{0}",
    "é\u{301}",
    "\u{10FFFF}",
    "9999999999999999999999",
];

fn leaf() -> impl Strategy<Value = Value> {
    prop_oneof![
        prop::sample::select(STRINGS).prop_map(|s| Value::String(s.to_owned())),
        "\\PC{0,12}".prop_map(Value::String),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        any::<u64>().prop_map(|n| json!(n)),
        (-1.0e300f64..1.0e300).prop_map(|f| json!(f)),
        Just(Value::Null),
        prop::sample::select(STRINGS).prop_map(|s| json!({"secret": s})),
    ]
}

fn value() -> impl Strategy<Value = Value> {
    leaf().prop_recursive(3, 16, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::vec((prop::sample::select(KEYS), inner), 0..4).prop_map(|pairs| {
                Value::Object(
                    pairs
                        .into_iter()
                        .map(|(k, v)| (k.to_owned(), v))
                        .collect::<Map<_, _>>(),
                )
            }),
        ]
    })
}

/// One random edit at a random place of a config.
#[derive(Clone, Debug)]
enum Edit {
    /// Sets `key` to `value` in the n-th object (adding or replacing).
    Set {
        at: usize,
        key: &'static str,
        value: Value,
    },
    /// Replaces the n-th node with `value`.
    Replace { at: usize, value: Value },
    /// Removes the `k`-th key of the n-th object, or the `k`-th element of the n-th array.
    Remove { at: usize, k: usize },
    /// Appends to the n-th array.
    Push { at: usize, value: Value },
}

fn edit() -> impl Strategy<Value = Edit> {
    prop_oneof![
        (any::<usize>(), prop::sample::select(KEYS), value())
            .prop_map(|(at, key, value)| Edit::Set { at, key, value }),
        (any::<usize>(), value()).prop_map(|(at, value)| Edit::Replace { at, value }),
        (any::<usize>(), any::<usize>()).prop_map(|(at, k)| Edit::Remove { at, k }),
        (any::<usize>(), value()).prop_map(|(at, value)| Edit::Push { at, value }),
    ]
}

/// The `n`-th node (modulo their count, depth-first) for which `want` holds.
fn nth_node(root: &mut Value, n: usize, want: fn(&Value) -> bool) -> Option<&mut Value> {
    fn count(v: &Value, want: fn(&Value) -> bool) -> usize {
        let own = usize::from(want(v));
        own + match v {
            Value::Array(items) => items.iter().map(|i| count(i, want)).sum(),
            Value::Object(map) => map.values().map(|i| count(i, want)).sum(),
            _ => 0,
        }
    }
    fn find<'a>(
        v: &'a mut Value,
        n: &mut usize,
        want: fn(&Value) -> bool,
    ) -> Option<&'a mut Value> {
        if want(v) {
            if *n == 0 {
                return Some(v);
            }
            *n -= 1;
        }
        match v {
            Value::Array(items) => items.iter_mut().find_map(|i| find(i, n, want)),
            Value::Object(map) => map.values_mut().find_map(|i| find(i, n, want)),
            _ => None,
        }
    }
    let total = count(root, want);
    if total == 0 {
        return None;
    }
    let mut n = n % total;
    find(root, &mut n, want)
}

fn apply(root: &mut Value, edit: Edit) {
    match edit {
        Edit::Set { at, key, value } => {
            if let Some(Value::Object(map)) = nth_node(root, at, Value::is_object) {
                map.insert(key.to_owned(), value);
            }
        }
        Edit::Replace { at, value } => {
            if let Some(node) = nth_node(root, at, |_| true) {
                *node = value;
            }
        }
        Edit::Remove { at, k } => match nth_node(root, at, |v| v.is_object() || v.is_array()) {
            Some(Value::Object(map)) if !map.is_empty() => {
                let key = map.keys().nth(k % map.len()).cloned().unwrap_or_default();
                map.remove(&key);
            }
            Some(Value::Array(items)) if !items.is_empty() => {
                let at = k % items.len();
                items.remove(at);
            }
            _ => {}
        },
        Edit::Push { at, value } => {
            if let Some(Value::Array(items)) = nth_node(root, at, Value::is_array) {
                items.push(value);
            }
        }
    }
}

/// TOML has no null: drop nulls so the edited config can be written as TOML.
fn without_nulls(v: &Value) -> Value {
    match v {
        Value::Array(items) => Value::Array(
            items
                .iter()
                .filter(|i| !i.is_null())
                .map(without_nulls)
                .collect(),
        ),
        Value::Object(map) => Value::Object(
            map.iter()
                .filter(|(_, i)| !i.is_null())
                .map(|(k, i)| (k.clone(), without_nulls(i)))
                .collect(),
        ),
        other => other.clone(),
    }
}

/// Loads `config` as JSON and as TOML; returns the error texts (`Display` and `Debug`).
fn load_both(config: &Value) -> Vec<String> {
    let mut texts = Vec::new();
    let json = serde_json::to_string_pretty(config).unwrap();
    if let Err(err) = SourceConfig::from_json_str(&json, "sources.json") {
        texts.push(check_error(&err.to_string(), &format!("{err:?}")));
    }
    if let Ok(toml) = toml::to_string(&without_nulls(config))
        && let Err(err) = SourceConfig::from_toml_str(&toml, "sources.toml")
    {
        texts.push(check_error(&err.to_string(), &format!("{err:?}")));
    }
    texts
}

fn check_error(display: &str, debug: &str) -> String {
    assert!(
        !display.trim().is_empty(),
        "a rejection without a message: {debug}"
    );
    format!("{display}\n{debug}")
}

// ------------------------------------------------------------------ the config loader

/// The generators start from valid configs: each seed loads, as JSON and as TOML, and each
/// has a credential to inline.
#[test]
fn every_seed_loads_in_both_formats() {
    assert_eq!(credential_seeds().len(), seeds().len());
    for seed in seeds() {
        let json = serde_json::to_string_pretty(seed).unwrap();
        if let Err(err) = SourceConfig::from_json_str(&json, "sources.json") {
            panic!("{err}\n{json}");
        }
        let toml = toml::to_string(&without_nulls(seed)).unwrap();
        if let Err(err) = SourceConfig::from_toml_str(&toml, "sources.toml") {
            panic!("{err}\n{toml}");
        }
    }
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn arbitrary_text_never_panics_the_config_loader(text in "\\PC{0,300}") {
        for result in [
            SourceConfig::from_toml_str(&text, "sources.toml"),
            SourceConfig::from_json_str(&text, "sources.json"),
        ] {
            if let Err(err) = result {
                check_error(&err.to_string(), &format!("{err:?}"));
            }
        }
    }

    #[test]
    fn config_syntax_soup_never_panics_the_config_loader(
        text in "[\\[\\]{}=:,\"'.#\\\\\n a-z0-9_+-]{0,300}"
    ) {
        for result in [
            SourceConfig::from_toml_str(&text, "sources.toml"),
            SourceConfig::from_json_str(&text, "sources.json"),
        ] {
            if let Err(err) = result {
                check_error(&err.to_string(), &format!("{err:?}"));
            }
        }
    }

    #[test]
    fn valid_configs_with_random_edits_never_panic_the_loader(
        seed in 0usize..64,
        edits in prop::collection::vec(edit(), 1..6),
    ) {
        let seeds = seeds();
        let mut config = seeds[seed % seeds.len()].clone();
        for e in edits {
            apply(&mut config, e);
        }
        load_both(&config);
    }

    #[test]
    fn inline_credentials_are_rejected_without_repeating_them(
        seed in 0usize..64,
        canary in "[a-z0-9]{12}",
        edits in prop::collection::vec(edit(), 0..4),
    ) {
        let canary = format!("CANARY{canary}");
        let with = credential_seeds();
        let mut config = seeds()[with[seed % with.len()]].clone();
        inline(&mut config, &canary);
        let unedited = edits.is_empty();
        for e in edits {
            apply(&mut config, e);
        }
        let errors = load_both(&config);
        if unedited {
            prop_assert_eq!(errors.len(), 2, "an inline credential was accepted");
        }
        for text in errors {
            prop_assert!(!text.contains(&canary), "the error repeats a credential:\n{text}");
        }
    }

    #[test]
    fn corrupted_config_text_never_repeats_an_inline_credential(
        seed in 0usize..64,
        canary in "[a-z0-9]{12}",
        cuts in prop::collection::vec(corruption(), 1..4),
        as_json in any::<bool>(),
    ) {
        let canary = format!("CANARY{canary}");
        let with = credential_seeds();
        let mut config = seeds()[with[seed % with.len()]].clone();
        inline(&mut config, &canary);
        let mut text = if as_json {
            serde_json::to_string_pretty(&config).unwrap()
        } else {
            toml::to_string(&without_nulls(&config)).unwrap()
        };
        for cut in cuts {
            corrupt(&mut text, cut);
        }
        let result = if as_json {
            SourceConfig::from_json_str(&text, "sources.json")
        } else {
            SourceConfig::from_toml_str(&text, "sources.toml")
        };
        if let Err(err) = result {
            let text = check_error(&err.to_string(), &format!("{err:?}"));
            prop_assert!(!text.contains(&canary), "the error repeats a credential:\n{text}");
        }
    }
}

/// Credential fields: a plain string there is an inline secret. (`client_id`, `username` and
/// most headers may be plain, so they are left as references.)
const CREDENTIAL_FIELDS: &[&str] = &[
    "token",
    "api_key",
    "password",
    "client_secret",
    "private_key",
    "refresh_token",
    "Authorization",
];

/// The seeds with at least one credential field, as indices into [`seeds`].
fn credential_seeds() -> &'static [usize] {
    static WITH: LazyLock<Vec<usize>> = LazyLock::new(|| {
        (0..seeds().len())
            .filter(|&i| inline(&mut seeds()[i].clone(), "x") > 0)
            .collect()
    });
    &WITH
}

/// Replaces every `{ secret = … }` credential field with the inline value `canary`; returns
/// how many were replaced.
fn inline(v: &mut Value, canary: &str) -> usize {
    match v {
        Value::Object(map) => {
            let mut placed = 0;
            for (key, value) in map.iter_mut() {
                if CREDENTIAL_FIELDS.contains(&key.as_str()) && value.get("secret").is_some() {
                    *value = Value::String(canary.to_owned());
                    placed += 1;
                } else {
                    placed += inline(value, canary);
                }
            }
            placed
        }
        Value::Array(items) => items.iter_mut().map(|i| inline(i, canary)).sum(),
        _ => 0,
    }
}

/// A change to raw text at a random place.
#[derive(Clone, Debug)]
enum Corruption {
    Insert(usize, String),
    Delete(usize, usize),
    Truncate(usize),
}

fn corruption() -> impl Strategy<Value = Corruption> {
    prop_oneof![
        (any::<usize>(), "[\\[\\]{}=:,\"'.#\\\\\n]{1,3}|\\PC{1,3}")
            .prop_map(|(at, s)| Corruption::Insert(at, s)),
        (any::<usize>(), 1usize..8).prop_map(|(at, n)| Corruption::Delete(at, n)),
        any::<usize>().prop_map(Corruption::Truncate),
    ]
}

fn char_boundary(text: &str, at: usize) -> usize {
    if text.is_empty() {
        return 0;
    }
    let mut at = at % (text.len() + 1);
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    at
}

fn corrupt(text: &mut String, cut: Corruption) {
    match cut {
        Corruption::Insert(at, s) => {
            let at = char_boundary(text, at);
            text.insert_str(at, &s);
        }
        Corruption::Delete(at, n) => {
            let start = char_boundary(text, at);
            let end = char_boundary(text, start.saturating_add(n).min(text.len()));
            if end > start {
                text.replace_range(start..end, "");
            }
        }
        Corruption::Truncate(at) => {
            let at = char_boundary(text, at);
            text.truncate(at);
        }
    }
}

// ------------------------------------------------------------------ the secrets file

/// Resolves `keys` from a secrets file holding `bytes`; returns the error's texts, if any.
fn resolve_from(bytes: &[u8], source: &str, keys: &[&str]) -> Option<String> {
    // A fresh dir per case, removed on drop (also when the case fails).
    let dir = common::temp_dir("proptest");
    let path = dir.path().join("secrets.toml");
    std::fs::write(&path, bytes).unwrap();
    let result = SecretResolver::for_source(source)
        .with_env_vars(Vec::<(String, String)>::new())
        .without_env()
        .with_file(&path)
        .resolve(keys);
    match result {
        Ok(secrets) => {
            assert_eq!(secrets.len(), keys.len(), "one secret per key");
            None
        }
        Err(err) => Some(check_error(&err.to_string(), &format!("{err:?}"))),
    }
}

/// A dlt-layout secrets file: values under `[sources.<source>]`, `[sources]` and the root,
/// each value a canary, plus non-secret clutter.
fn secrets_file() -> impl Strategy<Value = (String, Vec<String>, Vec<&'static str>)> {
    let key = prop::sample::select(&["token", "api_key", "client_secret", "password", "x"][..]);
    let section = prop::sample::select(&["", "sources", "sources.crm", "sources.other", "crm"][..]);
    prop::collection::vec((section, key, "[a-z0-9]{12}"), 1..6).prop_map(|entries| {
        let mut text = String::from("# written for dlt\n");
        let mut canaries = Vec::new();
        let mut keys = Vec::new();
        // Root keys first (a TOML key after a `[table]` header belongs to that table), and
        // each section once.
        let mut entries = entries;
        entries.sort_by_key(|(section, _, _)| *section);
        let mut last_section = "";
        for (i, (section, key, value)) in entries.into_iter().enumerate() {
            if section != last_section {
                text.push_str(&format!("\n[{section}]\n"));
                last_section = section;
            }
            let canary = format!("CANARY{value}");
            text.push_str(&format!("{key}{i} = \"{canary}\"\nnote{i} = 'plain'\n"));
            canaries.push(canary);
            keys.push(key);
        }
        (text, canaries, keys)
    })
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn arbitrary_bytes_never_panic_the_secrets_file(
        bytes in prop::collection::vec(any::<u8>(), 0..400),
        key in prop::sample::select(&["token", "a.b", "sources.crm.token", "", ".", "x..y"][..]),
    ) {
        resolve_from(&bytes, "crm", &[key]);
    }

    #[test]
    fn toml_soup_never_panics_the_secrets_file(
        text in "[\\[\\]{}=,\"'.#\\\\\n a-z0-9_]{0,300}",
    ) {
        resolve_from(text.as_bytes(), "crm", &["token", "sources.crm.api_key"]);
    }

    #[test]
    fn arbitrary_keys_and_source_names_never_panic_the_resolver(
        key in "\\PC{0,24}",
        source in "\\PC{0,12}",
    ) {
        resolve_from(b"[sources.crm]\ntoken = \"t\"\n", &source, &[&key]);
    }

    #[test]
    fn corrupted_secrets_files_never_repeat_a_secret_value(
        (text, canaries, keys) in secrets_file(),
        cuts in prop::collection::vec(corruption(), 0..4),
    ) {
        let mut text = text;
        for cut in cuts {
            corrupt(&mut text, cut);
        }
        let mut wanted: Vec<String> = (0..keys.len()).map(|i| format!("{}{i}", keys[i])).collect();
        wanted.push("missing_key".to_owned());
        let wanted: Vec<&str> = wanted.iter().map(String::as_str).collect();
        if let Some(error) = resolve_from(text.as_bytes(), "crm", &wanted) {
            for canary in &canaries {
                prop_assert!(!error.contains(canary.as_str()), "the error repeats a secret:\n{error}");
            }
        }
    }
}

// ------------------------------------------------------------------ depth

/// Nesting far past any real config is an error (or a load), never a stack overflow.
#[test]
fn deeply_nested_configs_and_secrets_files_do_not_overflow_the_stack() {
    let depth = 10_000;
    let json = format!("{}{}", "[".repeat(depth), "]".repeat(depth));
    let err = SourceConfig::from_json_str(&json, "sources.json")
        .unwrap_err()
        .to_string();
    assert!(err.contains("recursion limit exceeded"), "{err}");
    let json = format!("{}1{}", "{\"a\":".repeat(depth), "}".repeat(depth));
    assert!(SourceConfig::from_json_str(&json, "sources.json").is_err());
    let toml = format!("x = {}{}", "[".repeat(depth), "]".repeat(depth));
    assert!(SourceConfig::from_toml_str(&toml, "sources.toml").is_err());
    let toml = format!("x = {}1{}", "{a = ".repeat(depth), "}".repeat(depth));
    assert!(SourceConfig::from_toml_str(&toml, "sources.toml").is_err());
    let dotted = format!("{} = 1", vec!["a"; depth].join("."));
    let _ = SourceConfig::from_toml_str(&dotted, "sources.toml");
    let header = format!("[{}]\nx = 1", vec!["a"; depth].join("."));
    let _ = SourceConfig::from_toml_str(&header, "sources.toml");
    for text in [&toml, &dotted, &header] {
        resolve_from(text.as_bytes(), "crm", &["token"]);
    }
}
