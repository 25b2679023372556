//! Unit tests of the lookup order; files are written to unique temp dirs.

use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};

use super::*;

/// A fresh directory under the system temp dir, removed on drop.
struct TempDir(PathBuf);

impl TempDir {
    fn new(name: &str) -> Self {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let dir = std::env::temp_dir().join(format!(
            "rest-source-secrets-unit-{}-{name}-{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        ));
        std::fs::create_dir_all(&dir).unwrap();
        TempDir(dir)
    }

    fn write(&self, name: &str, text: &str) -> PathBuf {
        let path = self.0.join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, text).unwrap();
        path
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A resolver that sees only `vars` and no file unless one is added.
fn hermetic(vars: &[(&str, &str)]) -> SecretResolver {
    SecretResolver::for_source("crm").with_env_vars(vars.iter().copied())
}

fn value(resolver: &SecretResolver, key: &str) -> String {
    resolver.get(key).unwrap().expose().to_owned()
}

#[test]
fn env_is_read_at_each_level_from_most_specific() {
    let nowhere = TempDir::new("env-levels");
    for name in ["SOURCES__CRM__CLIENT_ID", "SOURCES__CLIENT_ID", "CLIENT_ID"] {
        let r = hermetic(&[(name, "v")]).with_project_dir(&nowhere.0);
        assert_eq!(value(&r, "client_id"), "v", "{name}");
    }
    let r = hermetic(&[
        ("CLIENT_ID", "top"),
        ("SOURCES__CLIENT_ID", "sources"),
        ("SOURCES__CRM__CLIENT_ID", "crm"),
    ])
    .with_project_dir(&nowhere.0);
    assert_eq!(value(&r, "client_id"), "crm");
    let r = hermetic(&[("CLIENT_ID", "top"), ("SOURCES__CLIENT_ID", "sources")])
        .with_project_dir(&nowhere.0);
    assert_eq!(value(&r, "client_id"), "sources");
}

#[test]
fn file_is_read_at_each_level_from_most_specific() {
    let dir = TempDir::new("file-levels");
    let all = dir.write(
        "all.toml",
        "client_id = \"top\"\n[sources]\nclient_id = \"sources\"\n[sources.crm]\nclient_id = \"crm\"\n",
    );
    let two = dir.write(
        "two.toml",
        "client_id = \"top\"\n[sources]\nclient_id = \"sources\"\n",
    );
    let one = dir.write("one.toml", "client_id = \"top\"\n");
    for (file, expected) in [(all, "crm"), (two, "sources"), (one, "top")] {
        assert_eq!(value(&hermetic(&[]).with_file(file), "client_id"), expected);
    }
}

#[test]
fn a_more_specific_level_in_a_later_file_beats_a_less_specific_one_in_an_earlier_file() {
    // dlt merges its project and global files into one provider, level by level.
    let dir = TempDir::new("merge");
    let project = dir.write("project.toml", "client_id = \"project-top\"\n");
    let global = dir.write("global.toml", "[sources.crm]\nclient_id = \"global-crm\"\n");
    let r = hermetic(&[]).with_file(project).with_file(global);
    assert_eq!(value(&r, "client_id"), "global-crm");
}

#[test]
fn module_section_is_looked_at_first_then_dropped_level_by_level() {
    let dir = TempDir::new("module");
    let file = dir.write(
        "s.toml",
        "[sources.rest_api]\nshared = \"module-wide\"\n[sources.rest_api.crm]\nclient_id = \"crm\"\n",
    );
    let r = hermetic(&[("SOURCES__REST_API__CRM__TOKEN", "t")])
        .module("rest_api")
        .with_file(file);
    assert_eq!(value(&r, "client_id"), "crm");
    assert_eq!(value(&r, "shared"), "module-wide");
    assert_eq!(value(&r, "token"), "t");
    let err = r.get("nope").unwrap_err();
    assert_eq!(
        err.missing()[0].tried[..5],
        [
            "env SOURCES__REST_API__CRM__NOPE",
            "env SOURCES__REST_API__NOPE",
            "env SOURCES__CRM__NOPE",
            "env SOURCES__NOPE",
            "env NOPE"
        ]
    );
}

#[test]
fn source_names_are_lower_case_in_toml_and_upper_case_in_env() {
    let dir = TempDir::new("case");
    let file = dir.write("s.toml", "[sources.crm]\nclient_id = \"from-file\"\n");
    let r = SecretResolver::for_source(" CRM ")
        .with_env_vars([("SOURCES__CRM__TOKEN", "from-env")])
        .with_file(file);
    assert_eq!(r.source(), "crm");
    assert_eq!(value(&r, "client_id"), "from-file");
    assert_eq!(value(&r, "token"), "from-env");
}

#[test]
fn dotted_keys_are_nested_tables_and_double_underscored_env_names() {
    let dir = TempDir::new("dotted");
    let file = dir.write(
        "s.toml",
        "[sources.crm.credentials]\nclient_id = \"nested\"\n",
    );
    let r = hermetic(&[("SOURCES__CRM__CREDENTIALS__CLIENT_SECRET", "env")]).with_file(file);
    assert_eq!(value(&r, "credentials.client_id"), "nested");
    assert_eq!(value(&r, "credentials.client_secret"), "env");
}

#[test]
fn empty_values_count_as_missing_and_the_lookup_goes_on() {
    let dir = TempDir::new("empty");
    let file = dir.write(
        "s.toml",
        "[sources.crm]\nclient_id = \"\"\n[sources]\nclient_id = \"from-file\"\n",
    );
    let r = hermetic(&[("SOURCES__CRM__CLIENT_ID", "")])
        .with_value("client_id", "")
        .with_file(&file);
    assert_eq!(value(&r, "client_id"), "from-file");

    let r = hermetic(&[("CLIENT_SECRET", "")]).with_file(&file);
    let err = r.get("client_secret").unwrap_err();
    let tried = &err.missing()[0].tried;
    assert!(
        tried.contains(&"env CLIENT_SECRET (set but empty)".to_owned()),
        "{tried:?}"
    );
    let r = hermetic(&[]).with_file(&file).with_value("client_id", "");
    // The explicit empty value is noted; the file's `[sources]` value then wins.
    assert_eq!(value(&r, "client_id"), "from-file");
}

#[test]
fn numbers_and_booleans_in_the_file_become_text() {
    let dir = TempDir::new("scalars");
    let file = dir.write(
        "s.toml",
        "[sources.crm]\naccount = 12345\nsandbox = false\n",
    );
    let r = hermetic(&[]).with_file(file);
    assert_eq!(value(&r, "account"), "12345");
    assert_eq!(value(&r, "sandbox"), "false");
}

#[test]
fn a_table_at_the_key_is_an_error_naming_the_key_and_its_inner_keys() {
    let dir = TempDir::new("table");
    let file = dir.write(
        "s.toml",
        "[sources.crm.credentials]\nclient_id = \"canary-table-7d1\"\n",
    );
    let err = hermetic(&[])
        .with_file(&file)
        .get("credentials")
        .unwrap_err();
    assert_eq!(err.invalid().len(), 1);
    let text = err.to_string();
    assert!(
        text.contains(&format!(
            "`credentials`: {} [sources.crm] credentials is a table, expected a string (numbers and booleans are taken as text); it holds `client_id`: did you mean `credentials.client_id`?",
            file.display()
        )),
        "{text}"
    );
    assert!(
        text.starts_with("1 secret is invalid for source `crm`:"),
        "{text}"
    );
    assert!(!text.contains("canary-table-7d1"));
}

#[test]
fn a_malformed_key_is_reported_not_looked_up() {
    let err = hermetic(&[]).without_env().get("a..b").unwrap_err();
    assert_eq!(err.invalid()[0].key, "a..b");
    assert!(err.to_string().contains("`a..b`: the key is not valid"));
}

#[test]
fn without_env_ignores_environment_variables() {
    let nowhere = TempDir::new("no-env");
    let r = hermetic(&[("SOURCES__CRM__CLIENT_ID", "v")])
        .with_project_dir(&nowhere.0)
        .without_env();
    let err = r.get("client_id").unwrap_err();
    assert!(err.missing()[0].tried.is_empty());
    assert!(!err.fix().unwrap().contains("export"));
}

#[test]
fn default_files_are_the_project_then_the_global_one() {
    let r = hermetic(&[("HOME", "/home/someone")]).with_project_dir("/work/project");
    assert_eq!(
        r.files(),
        [
            PathBuf::from("/work/project/.dlt/secrets.toml"),
            PathBuf::from("/home/someone/.dlt/secrets.toml")
        ]
    );
    assert_eq!(hermetic(&[]).files(), [PathBuf::from(".dlt/secrets.toml")]);
    assert_eq!(
        hermetic(&[]).with_home_dir("/h").files(),
        [
            PathBuf::from(".dlt/secrets.toml"),
            PathBuf::from("/h/.dlt/secrets.toml")
        ]
    );
}

#[test]
fn secrets_file_env_var_replaces_the_default_search_and_with_file_beats_it() {
    let r = hermetic(&[
        ("REST_SOURCE_SECRETS_FILE", "/etc/crm.toml"),
        ("HOME", "/h"),
    ]);
    assert_eq!(r.files(), [PathBuf::from("/etc/crm.toml")]);
    let r = r.with_file("/explicit.toml");
    assert_eq!(r.files(), [PathBuf::from("/explicit.toml")]);
}

#[test]
fn debug_shows_keys_and_paths_but_no_values() {
    let r = hermetic(&[("SOURCES__CRM__TOKEN", "canary-env-91c")])
        .with_value("client_secret", "canary-explicit-4b2")
        .with_file("/etc/crm.toml");
    let debug = format!("{r:?}");
    assert!(!debug.contains("canary"), "{debug}");
    assert_eq!(
        debug,
        "SecretResolver { source: \"crm\", module: None, pipeline: None, explicit_keys: [\"client_secret\"], \
         env: \"injected variables [\\\"SOURCES__CRM__TOKEN\\\"]\", files: [\"/etc/crm.toml\"] }"
    );
}

#[test]
fn pipeline_scope_is_tried_in_every_provider_before_the_unscoped_lookup() {
    let dir = TempDir::new("pipeline");
    let file = dir.write(
        "s.toml",
        "[ML_sheets.sources.crm]\nclient_id = \"scoped-file\"\n[sources.crm]\nclient_id = \"plain-file\"\n",
    );
    // A pipeline-scoped file value beats an unscoped env var, as in dlt.
    let r = hermetic(&[("SOURCES__CRM__CLIENT_ID", "plain-env")])
        .pipeline("ML_sheets")
        .with_file(&file);
    assert_eq!(value(&r, "client_id"), "scoped-file");
    // ...and a scoped env var beats both.
    let r = hermetic(&[
        ("SOURCES__CRM__CLIENT_ID", "plain-env"),
        ("ML_SHEETS__CLIENT_ID", "scoped-env"),
    ])
    .pipeline("ML_sheets")
    .with_file(&file);
    assert_eq!(value(&r, "client_id"), "scoped-env");
    // Without a scoped value the unscoped lookup still applies.
    let r = hermetic(&[("SOURCES__CRM__TOKEN", "plain-env")])
        .pipeline("ML_sheets")
        .with_file(&file);
    assert_eq!(value(&r, "token"), "plain-env");
    let err = r.get("absent").unwrap_err();
    let tried = &err.missing()[0].tried;
    let f = file.display();
    assert_eq!(
        tried,
        &[
            "env ML_SHEETS__SOURCES__CRM__ABSENT".to_owned(),
            "env ML_SHEETS__SOURCES__ABSENT".to_owned(),
            "env ML_SHEETS__ABSENT".to_owned(),
            format!("{f} [ML_sheets.sources.crm] absent"),
            format!("{f} [ML_sheets.sources] absent"),
            format!("{f} [ML_sheets] absent"),
            "env SOURCES__CRM__ABSENT".to_owned(),
            "env SOURCES__ABSENT".to_owned(),
            "env ABSENT".to_owned(),
            format!("{f} [sources.crm] absent"),
            format!("{f} [sources] absent"),
            format!("{f} absent (top level)"),
        ]
    );
}
