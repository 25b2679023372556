//! The secrets resolver as a user meets it: dlt files, precedence, and the errors.
//!
//! Every test injects its environment (`with_env_vars`) and writes files under a unique temp
//! dir, so nothing depends on the process environment or the working directory.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

use rest_source_runtime::SECRETS_FILE_ENV;
use rest_source_runtime::{Error, MissingSecrets, Secret, SecretResolver};

/// A fresh directory under the system temp dir, removed on drop.
struct TempDir(PathBuf);

impl TempDir {
    fn new(name: &str) -> Self {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let dir = std::env::temp_dir().join(format!(
            "rest-source-secrets-it-{}-{name}-{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        ));
        std::fs::create_dir_all(&dir).unwrap();
        TempDir(dir)
    }

    fn path(&self) -> &Path {
        &self.0
    }

    fn write(&self, relative: &str, text: &str) -> PathBuf {
        let path = self.0.join(relative);
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

/// No environment at all: only what a test puts in files is visible.
fn no_env() -> Vec<(String, String)> {
    Vec::new()
}

/// A `secrets.toml` as dlt users write it: several sources, a shared `[sources]` section,
/// destination credentials that must be ignored, comments and a nested table.
const DLT_SECRETS_TOML: &str = r#"# secrets.toml written for dlt; rest-source reads it unchanged.
[sources.crm]
client_id = "crm-client-id"
client_secret = "crm-client-secret"  # please set me up!

[sources.crm.credentials]
username = "crm-user"

[sources]
# shared by every source that does not override it
api_key = "shared-api-key"

[sources.github]
access_token = "ghp-token"

[destination.bigquery.credentials]
project_id = "project"
private_key = "-----BEGIN PRIVATE KEY-----"
client_email = "loader@project.iam.gserviceaccount.com"
"#;

fn expose_all(secrets: &[Secret]) -> Vec<&str> {
    secrets.iter().map(Secret::expose).collect()
}

#[test]
fn dlt_secrets_toml_works_unchanged() {
    let project = TempDir::new("dlt-sample");
    project.write(".dlt/secrets.toml", DLT_SECRETS_TOML);
    let crm = SecretResolver::for_source("crm")
        .with_env_vars(no_env())
        .with_project_dir(project.path());
    let values = crm
        .resolve(&[
            "client_id",
            "client_secret",
            "api_key",
            "credentials.username",
        ])
        .unwrap();
    assert_eq!(
        expose_all(&values),
        [
            "crm-client-id",
            "crm-client-secret",
            "shared-api-key",
            "crm-user"
        ]
    );
    // Another source in the same file sees its own section and the shared one, not crm's.
    let github = SecretResolver::for_source("github")
        .with_env_vars(no_env())
        .with_project_dir(project.path());
    assert_eq!(github.get("access_token").unwrap().expose(), "ghp-token");
    assert_eq!(github.get("api_key").unwrap().expose(), "shared-api-key");
    assert!(github.get("client_id").is_err());
}

#[test]
fn dlt_module_layout_is_read_with_module() {
    let project = TempDir::new("dlt-module");
    project.write(
        ".dlt/secrets.toml",
        "[sources.rest_api.crm]\nclient_id = \"three-level\"\n[sources.rest_api]\nclient_secret = \"module-level\"\n",
    );
    let crm = SecretResolver::for_source("crm")
        .module("rest_api")
        .with_env_vars(no_env())
        .with_project_dir(project.path());
    assert_eq!(
        expose_all(&crm.resolve(&["client_id", "client_secret"]).unwrap()),
        ["three-level", "module-level"]
    );
}

#[test]
fn explicit_beats_env_beats_file() {
    let project = TempDir::new("precedence");
    project.write(
        ".dlt/secrets.toml",
        "[sources.crm]\na = \"file\"\nb = \"file\"\nc = \"file\"\n",
    );
    let crm = SecretResolver::for_source("crm")
        // even the least specific env name beats the most specific file key
        .with_env_vars([("A", "env"), ("B", "env")])
        .with_project_dir(project.path())
        .with_value("a", "explicit");
    assert_eq!(
        expose_all(&crm.resolve(&["a", "b", "c"]).unwrap()),
        ["explicit", "env", "file"]
    );
}

#[test]
fn missing_secrets_error_lists_every_key_every_place_and_every_file() {
    let project = TempDir::new("missing-project");
    let home = TempDir::new("missing-home");
    let file = project.write(".dlt/secrets.toml", "[sources.crm]\ntoken = \"present\"\n");
    let global = home.path().join(".dlt/secrets.toml");
    let crm = SecretResolver::for_source("crm")
        .with_env_vars([("SOURCES__CLIENT_SECRET", "")])
        .with_project_dir(project.path())
        .with_home_dir(home.path());

    let err: MissingSecrets = crm
        .resolve(&["client_id", "token", "client_secret"])
        .unwrap_err();
    let f = file.display();
    let expected = format!(
        "2 secrets are missing for source `crm`:
  - `client_id`, tried in order:
      env SOURCES__CRM__CLIENT_ID
      env SOURCES__CLIENT_ID
      env CLIENT_ID
      {f} [sources.crm] client_id
      {f} [sources] client_id
      {f} client_id (top level)
  - `client_secret`, tried in order:
      env SOURCES__CRM__CLIENT_SECRET
      env SOURCES__CLIENT_SECRET (set but empty)
      env CLIENT_SECRET
      {f} [sources.crm] client_secret
      {f} [sources] client_secret
      {f} client_secret (top level)
note: an empty value counts as missing here (dlt would take the empty string and send it); give it a value, or remove it so a less specific place can supply one
files: {f} (found), {g} (not found)
fix: set one of these, e.g. `export SOURCES__CRM__CLIENT_ID=...` or add `client_id = \"...\"` under `[sources.crm]` in {f}",
        g = global.display()
    );
    assert_eq!(err.to_string(), expected);
    assert_eq!(
        err.keys().collect::<Vec<_>>(),
        ["client_id", "client_secret"]
    );

    // Through the runtime's error type the text is the same.
    let as_runtime: Error = err.into();
    assert!(matches!(as_runtime, Error::Secrets(_)));
    assert_eq!(as_runtime.to_string(), expected);
}

#[test]
fn a_single_missing_key_with_no_file_suggests_the_project_file() {
    let project = TempDir::new("missing-one");
    let crm = SecretResolver::for_source("crm")
        .with_env_vars(no_env())
        .with_project_dir(project.path());
    let f = project.path().join(".dlt/secrets.toml");
    let f = f.display();
    assert_eq!(
        crm.get("api_key").unwrap_err().to_string(),
        format!(
            "1 secret is missing for source `crm`:
  - `api_key`, tried in order:
      env SOURCES__CRM__API_KEY
      env SOURCES__API_KEY
      env API_KEY
files: {f} (not found)
fix: set one of these, e.g. `export SOURCES__CRM__API_KEY=...` or add `api_key = \"...\"` under `[sources.crm]` in {f}"
        )
    );
}

#[test]
fn broken_toml_is_an_error_with_path_line_and_column_and_no_content() {
    let project = TempDir::new("broken");
    let file = project.write(
        ".dlt/secrets.toml",
        "[sources.crm]\nclient_id = \"ok\"\nclient_secret = \"canary-broken-5e0\n",
    );
    let crm = SecretResolver::for_source("crm")
        // the key is in the environment, but a broken file is never silently skipped
        .with_env_vars([("SOURCES__CRM__CLIENT_SECRET", "from-env")])
        .with_project_dir(project.path());
    let err = crm.get("client_secret").unwrap_err();
    assert_eq!(err.broken_files().len(), 1);
    assert_eq!(err.broken_files()[0].line, Some(3));
    let f = file.display();
    assert_eq!(
        err.to_string(),
        format!(
            "the secrets file for source `crm` cannot be used:
  - {f}:3:35 is not valid TOML: invalid basic string, expected `\"`
files: {f} (found)
fix: correct the file at that position (its contents are not shown, as they may hold secrets), or point `REST_SOURCE_SECRETS_FILE` at another file"
        )
    );
    assert!(!format!("{err:?}").contains("canary"));
}

#[test]
fn a_duplicate_key_names_its_position() {
    let project = TempDir::new("duplicate");
    let file = project.write(
        "crm.toml",
        "[sources.crm]\nclient_id = \"a\"\nclient_id = \"canary-dup-11\"\n",
    );
    let err = SecretResolver::for_source("crm")
        .with_env_vars(no_env())
        .with_file(&file)
        .get("client_id")
        .unwrap_err();
    let text = err.to_string();
    assert!(
        text.contains(&format!(
            "{}:3:1 is not valid TOML: duplicate key",
            file.display()
        )),
        "{text}"
    );
    assert!(!text.contains("canary"));
}

#[test]
fn an_unreadable_file_is_an_error_naming_it() {
    let project = TempDir::new("unreadable");
    // A directory where the file should be: it exists but cannot be read.
    let path = project.path().join(".dlt/secrets.toml");
    std::fs::create_dir_all(&path).unwrap();
    let err = SecretResolver::for_source("crm")
        .with_env_vars([("SOURCES__CRM__TOKEN", "t")])
        .with_project_dir(project.path())
        .get("token")
        .unwrap_err();
    let text = err.to_string();
    assert!(
        text.contains(&format!("  - {} cannot be read: ", path.display())),
        "{text}"
    );
}

#[test]
fn secret_values_never_appear_in_debug_or_errors() {
    let project = TempDir::new("leak-check");
    project.write(
        ".dlt/secrets.toml",
        "[sources.crm]\nfile_key = \"canary-file-a41\"\nempty = \"\"\n[sources.crm.table]\ninner = \"canary-table-b52\"\n",
    );
    let crm = SecretResolver::for_source("crm")
        .with_env_vars([("SOURCES__CRM__ENV_KEY", "canary-env-c63")])
        .with_value("explicit_key", "canary-explicit-d74")
        .with_project_dir(project.path());
    // Everything that resolves does resolve...
    let found = crm
        .resolve(&["file_key", "env_key", "explicit_key"])
        .unwrap();
    assert_eq!(
        expose_all(&found),
        ["canary-file-a41", "canary-env-c63", "canary-explicit-d74"]
    );
    // ...yet no rendering of the resolver, the secrets or an error shows a value.
    let err = crm
        .resolve(&[
            "file_key",
            "env_key",
            "explicit_key",
            "empty",
            "table",
            "absent",
        ])
        .unwrap_err();
    for text in [
        format!("{crm:?}"),
        format!("{found:?}"),
        format!("{err}"),
        format!("{err:?}"),
        format!("{:?}", Error::from(err.clone())),
    ] {
        assert!(!text.contains("canary"), "{text}");
    }
    assert!(
        err.to_string()
            .starts_with("3 secrets are missing or invalid for source `crm`:"),
        "{err}"
    );
}

#[test]
fn explicit_file_replaces_the_default_location() {
    let project = TempDir::new("explicit-project");
    let elsewhere = TempDir::new("explicit-elsewhere");
    project.write(".dlt/secrets.toml", "[sources.crm]\ntoken = \"project\"\n");
    let explicit = elsewhere.write("crm.toml", "[sources.crm]\ntoken = \"explicit\"\n");

    let default = SecretResolver::for_source("crm")
        .with_env_vars(no_env())
        .with_project_dir(project.path());
    assert_eq!(default.get("token").unwrap().expose(), "project");

    let explicit = default.clone().with_file(&explicit);
    assert_eq!(explicit.get("token").unwrap().expose(), "explicit");
    // Once a file is named, the project file is not consulted at all.
    let err = explicit.get("only_in_project").unwrap_err();
    assert_eq!(err.files().len(), 1);
    assert!(err.files()[0].path.ends_with("crm.toml"));
}

#[test]
fn secrets_file_env_var_points_elsewhere() {
    let project = TempDir::new("env-file-project");
    let elsewhere = TempDir::new("env-file-elsewhere");
    project.write(".dlt/secrets.toml", "[sources.crm]\ntoken = \"project\"\n");
    let file = elsewhere.write("ci.toml", "[sources.crm]\ntoken = \"from-ci-file\"\n");
    let crm = SecretResolver::for_source("crm")
        .with_env_vars([(SECRETS_FILE_ENV, file.to_str().unwrap())])
        .with_project_dir(project.path());
    assert_eq!(crm.get("token").unwrap().expose(), "from-ci-file");
}

#[test]
fn global_file_is_read_after_the_project_file() {
    let project = TempDir::new("global-project");
    let home = TempDir::new("global-home");
    project.write(".dlt/secrets.toml", "[sources.crm]\ntoken = \"project\"\n");
    home.write(
        ".dlt/secrets.toml",
        "[sources.crm]\ntoken = \"global\"\nclient_id = \"global-id\"\n",
    );
    let crm = SecretResolver::for_source("crm")
        .with_env_vars([("HOME", home.path().to_str().unwrap())])
        .with_project_dir(project.path());
    assert_eq!(
        expose_all(&crm.resolve(&["token", "client_id"]).unwrap()),
        ["project", "global-id"]
    );
}
