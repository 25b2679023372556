//! Finding secrets: explicit values, environment variables and a dlt-compatible `secrets.toml`.
//!
//! [`SecretResolver`] looks a key up provider by provider — **explicit values > environment >
//! TOML files** — and, within the environment and the files, from the most specific section to
//! the least, exactly as dlt does, so an existing dlt `.dlt/secrets.toml` works unchanged.
//!
//! For source `crm` and key `client_id` the order is:
//!
//! 1. a value given in code with [`SecretResolver::with_value`];
//! 2. env `SOURCES__CRM__CLIENT_ID`, `SOURCES__CLIENT_ID`, `CLIENT_ID`;
//! 3. TOML `sources.crm.client_id`, `sources.client_id`, `client_id` — each level in every
//!    secrets file before the next level (dlt merges its project and global files the same way).
//!
//! With [`SecretResolver::module`] (dlt's `sources.<module>.<source>` layout) a level is added,
//! and dlt's "compact" `sources.<source>` stays on the ladder: `sources.rest_api.crm.client_id`,
//! `sources.rest_api.client_id`, `sources.crm.client_id`, `sources.client_id`, `client_id` (and
//! the matching env names). A dotted key (`credentials.client_id`) is a nested key:
//! `[sources.crm.credentials] client_id`, env `SOURCES__CRM__CREDENTIALS__CLIENT_ID`.
//!
//! ## A REST API source's credentials
//!
//! dlt fills the fields an `auth` leaves out from the `credentials` section of the source's
//! config: [`SecretResolver::rest_api`] makes a resolver with dlt's `rest_api` section, and
//! [`SecretResolver::credential`] looks a field up there. For source `github` and field `token`,
//! the places are, in order (dlt 1.31's `ConfigFieldMissingException` lists the same):
//!
//! 1. env `SOURCES__REST_API__GITHUB__CREDENTIALS__TOKEN`, `SOURCES__REST_API__CREDENTIALS__TOKEN`,
//!    `SOURCES__GITHUB__CREDENTIALS__TOKEN`, `SOURCES__CREDENTIALS__TOKEN`, `CREDENTIALS__TOKEN`;
//! 2. TOML `[sources.rest_api.github.credentials] token`, `[sources.rest_api.credentials] token`,
//!    `[sources.github.credentials] token`, `[sources.credentials] token`, `[credentials] token`.
//!
//! A source config ([`crate::config::SourceConfig`]) whose `bearer`, `api_key`, `http_basic` or
//! `oauth2_client_credentials` auth leaves a credential field out refers to exactly that key
//! ([`credential_key`]: `credentials.token`), so the values a dlt project keeps there are found.
//!
//! ```
//! use rest_source_runtime::SecretResolver;
//!
//! let secrets = SecretResolver::rest_api("github")
//!     .with_env_vars([("SOURCES__GITHUB__CREDENTIALS__TOKEN", "ghp-from-env")]);
//! assert_eq!(secrets.credential("token")?.expose(), "ghp-from-env");
//! # Ok::<(), rest_source_runtime::MissingSecrets>(())
//! ```
//!
//! Files, unless [`SecretResolver::with_file`] names them: the file in `REST_SOURCE_SECRETS_FILE`
//! when that variable is set; otherwise `./.dlt/secrets.toml` (project, relative to the working
//! directory or [`SecretResolver::with_project_dir`]) then `~/.dlt/secrets.toml` (global), like
//! dlt. A file that does not exist is skipped (and listed as not found in errors); a file that
//! exists but cannot be read or parsed is an error naming its path, line and column.
//!
//! Where this differs from dlt, on purpose:
//! - an **empty** value (env var set to `""`, `key = ""`) counts as missing and the lookup goes
//!   on: an empty credential is never valid, and CI systems expand undefined secrets to `""`.
//!   (dlt takes the empty string as found and sends it.) The missing-secret error marks each
//!   empty place and says so.
//! - no `config.toml` (it may not hold secrets in dlt either), no vaults and no
//!   `/run/secrets` files.
//!
//! With [`SecretResolver::pipeline`], every lookup above is first made with the pipeline name
//! as the outermost section, as dlt does (`<pipeline>.sources.crm.client_id`).
//!
//! ```
//! use rest_source_runtime::SecretResolver;
//!
//! let secrets = SecretResolver::for_source("crm")
//!     // tests inject an environment instead of touching the process one
//!     .with_env_vars([("SOURCES__CRM__CLIENT_ID", "id-from-env")])
//!     .with_value("client_secret", "from code");
//! let [client_id, client_secret] = secrets.resolve_array(["client_id", "client_secret"])?;
//! assert_eq!(client_id.expose(), "id-from-env");
//! assert_eq!(client_secret.expose(), "from code");
//! # Ok::<(), rest_source_runtime::MissingSecrets>(())
//! ```

mod env;
mod error;
mod file;
pub mod redact;
pub mod secret;
mod sections;

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

pub use error::{BrokenFile, InvalidSecret, MissingKey, MissingSecrets, SearchedFile};

use error::Report;

use crate::Secret;
use env::{Env, EnvValue};
use file::{FileValue, SecretsFile};

/// Environment variable naming the one secrets file to read instead of the default search.
pub const SECRETS_FILE_ENV: &str = "REST_SOURCE_SECRETS_FILE";

/// The project secrets file, relative to the project directory (dlt's location).
pub const PROJECT_SECRETS_FILE: &str = ".dlt/secrets.toml";

/// The section dlt's REST API source is defined in (`dlt.sources.rest_api`): its config lives
/// under `sources.rest_api.<source name>` unless `rest_api_source(section=…)` names another.
pub const REST_API_SECTION: &str = "rest_api";

/// The section dlt looks an auth's fields up in (`CredentialsConfiguration.__section__`).
pub const CREDENTIALS_SECTION: &str = "credentials";

/// The key a left-out auth field is looked up as: `token` → `credentials.token`.
///
/// ```
/// assert_eq!(rest_source_runtime::credential_key("api_key"), "credentials.api_key");
/// ```
pub fn credential_key(field: &str) -> String {
    format!("{CREDENTIALS_SECTION}.{field}")
}

/// Finds the secrets of one source: explicit values, then environment variables, then
/// dlt-layout TOML files. See the module docs for the exact lookup order.
///
/// `Debug` shows the source, keys, providers and paths — never a value.
#[derive(Clone)]
pub struct SecretResolver {
    source: String,
    module: Option<String>,
    pipeline: Option<String>,
    values: BTreeMap<String, Secret>,
    env: Env,
    use_env: bool,
    files: Vec<PathBuf>,
    project_dir: Option<PathBuf>,
    home_dir: Option<PathBuf>,
}

/// dlt names sections in lower case (they come from Python identifiers); env names are the
/// upper-cased path, so one normalised name serves both.
fn normalise(name: &str) -> String {
    name.trim().to_lowercase()
}

/// The outcome of looking one key up.
enum Lookup {
    Found(Secret),
    Missing(Vec<String>),
    Invalid(InvalidSecret),
}

impl SecretResolver {
    /// A resolver for the secrets of `source` (`crm` → section `sources.crm`, env prefix
    /// `SOURCES__CRM__`). The name is lower-cased, as dlt's section names are; a dotted name is
    /// a section path (`rest_api.crm` is the same as `.module("rest_api")` on `crm`).
    pub fn for_source(source: impl AsRef<str>) -> Self {
        SecretResolver {
            source: normalise(source.as_ref()),
            module: None,
            pipeline: None,
            values: BTreeMap::new(),
            env: Env::Process,
            use_env: true,
            files: Vec::new(),
            project_dir: None,
            home_dir: None,
        }
    }

    /// A resolver for dlt REST API source `source`: [`SecretResolver::for_source`] with dlt's
    /// `rest_api` section ([`SecretResolver::module`]), so `sources.rest_api.<source>` is looked
    /// at first, then `sources.rest_api`, the compact `sources.<source>`, `sources` and the top
    /// level. Call [`SecretResolver::module`] again for a source given another `section`.
    pub fn rest_api(source: impl AsRef<str>) -> Self {
        Self::for_source(source).module(REST_API_SECTION)
    }

    /// An auth field's value from the `credentials` section ([`credential_key`]), where dlt
    /// fills the fields an auth leaves out; the error lists every place looked, in order.
    pub fn credential(&self, field: &str) -> Result<Secret, MissingSecrets> {
        self.get(&credential_key(field))
    }

    /// Adds dlt's module section: `sources.<module>.<source>` is looked at first, then
    /// `sources.<module>`, the compact `sources.<source>` (when module and source differ),
    /// `sources` and the top level. Use it for a `secrets.toml` written for
    /// a dlt source defined in module `module` (for dlt's REST API source: `rest_api`).
    pub fn module(mut self, module: impl AsRef<str>) -> Self {
        let module = normalise(module.as_ref());
        self.module = (!module.is_empty()).then_some(module);
        self
    }

    /// Adds dlt's pipeline scope: every lookup is first made with `pipeline` as the outermost
    /// section (env `<PIPELINE>__SOURCES__CRM__CLIENT_ID`, TOML `<pipeline>.sources.crm.client_id`,
    /// down to `<pipeline>.client_id`) in the environment and then the files, and only then
    /// without it. So a pipeline-scoped value in a file beats an unscoped environment variable,
    /// as in dlt. The name is kept as written (dlt pipeline names may use upper case).
    pub fn pipeline(mut self, pipeline: impl AsRef<str>) -> Self {
        let pipeline = pipeline.as_ref().trim();
        self.pipeline = (!pipeline.is_empty()).then(|| pipeline.to_owned());
        self
    }

    /// Gives `key` a value in code; it beats the environment and the files.
    pub fn with_value(mut self, key: impl Into<String>, secret: impl Into<Secret>) -> Self {
        self.values.insert(key.into(), secret.into());
        self
    }

    /// Reads this TOML file; the first call replaces the default search (`REST_SOURCE_SECRETS_FILE`,
    /// `./.dlt/secrets.toml`, `~/.dlt/secrets.toml`), later calls add files of lower priority.
    /// A file that does not exist is skipped (and listed as not found if a key is missing).
    pub fn with_file(mut self, path: impl Into<PathBuf>) -> Self {
        self.files.push(path.into());
        self
    }

    /// Does not read secrets from environment variables. (`REST_SOURCE_SECRETS_FILE` and
    /// `HOME`, which locate files, are still read.)
    pub fn without_env(mut self) -> Self {
        self.use_env = false;
        self
    }

    /// Uses these variables as the whole environment instead of the process one — for tests,
    /// which run on parallel threads where `std::env::set_var` is unsafe. Applies to
    /// `REST_SOURCE_SECRETS_FILE` and `HOME` too, so without `HOME` no global file is searched.
    pub fn with_env_vars<I, K, V>(mut self, vars: I) -> Self
    where
        I: IntoIterator<Item = (K, V)>,
        K: Into<String>,
        V: Into<Secret>,
    {
        self.env = Env::Vars(
            vars.into_iter()
                .map(|(k, v)| (k.into(), v.into()))
                .collect(),
        );
        self
    }

    /// The directory whose `.dlt/secrets.toml` is the project file (default: the working
    /// directory, shown as the relative path `.dlt/secrets.toml`).
    pub fn with_project_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.project_dir = Some(dir.into());
        self
    }

    /// The directory whose `.dlt/secrets.toml` is the global file (default: `HOME`, or
    /// `USERPROFILE` on Windows).
    pub fn with_home_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.home_dir = Some(dir.into());
        self
    }

    /// The normalised source name.
    pub fn source(&self) -> &str {
        &self.source
    }

    /// The secrets files that will be searched, highest priority first.
    pub fn files(&self) -> Vec<PathBuf> {
        if !self.files.is_empty() {
            return self.files.clone();
        }
        if let Some(path) = self.env.plain(SECRETS_FILE_ENV) {
            return vec![PathBuf::from(path)];
        }
        let project = match &self.project_dir {
            Some(dir) => dir.join(PROJECT_SECRETS_FILE),
            None => PathBuf::from(PROJECT_SECRETS_FILE),
        };
        let home = self.home_dir.clone().or_else(|| {
            self.env
                .plain("HOME")
                .or_else(|| self.env.plain("USERPROFILE"))
                .map(PathBuf::from)
        });
        let mut files = vec![project];
        if let Some(global) = home.map(|home| home.join(PROJECT_SECRETS_FILE))
            && !same_file(&files[0], &global)
        {
            files.push(global);
        }
        files
    }

    /// The secret for `key`, or an error listing every place tried.
    pub fn get(&self, key: &str) -> Result<Secret, MissingSecrets> {
        let mut found = self.resolve(&[key])?;
        Ok(found.pop().expect("one secret per key"))
    }

    /// [`SecretResolver::resolve`] for a fixed number of keys, destructured in one line:
    ///
    /// ```
    /// # use rest_source_runtime::SecretResolver;
    /// let secrets = SecretResolver::for_source("crm")
    ///     .with_env_vars([("SOURCES__CRM__CLIENT_ID", "id"), ("CLIENT_SECRET", "secret")]);
    /// let [id, secret] = secrets.resolve_array(["client_id", "client_secret"])?;
    /// assert_eq!((id.expose(), secret.expose()), ("id", "secret"));
    /// # Ok::<(), rest_source_runtime::MissingSecrets>(())
    /// ```
    pub fn resolve_array<const N: usize>(
        &self,
        keys: [&str; N],
    ) -> Result<[Secret; N], MissingSecrets> {
        let found = self.resolve(&keys)?;
        Ok(found
            .try_into()
            .unwrap_or_else(|_| unreachable!("resolve returns one secret per key")))
    }

    /// The secrets for `keys`, in order; if any is missing or unusable, **one** error lists all
    /// of them with every place tried.
    pub fn resolve<K: AsRef<str>>(&self, keys: &[K]) -> Result<Vec<Secret>, MissingSecrets> {
        let (mut files, mut broken, mut searched) = (Vec::new(), Vec::new(), Vec::new());
        for path in self.files() {
            let loaded = file::load(&path);
            searched.push(SearchedFile {
                path,
                found: !matches!(&loaded, Ok(SecretsFile { table: None, .. })),
            });
            match loaded {
                Ok(file) => files.push(file),
                Err(err) => broken.push(err),
            }
        }
        let source = (!self.source.is_empty()).then(|| self.source.clone());
        if !broken.is_empty() {
            return Err(MissingSecrets::new(Report {
                source,
                missing: Vec::new(),
                invalid: Vec::new(),
                broken_files: broken,
                files: searched,
                fix: Some(
                    "correct the file at that position (its contents are not shown, as they may \
                     hold secrets), or point `REST_SOURCE_SECRETS_FILE` at another file"
                        .to_owned(),
                ),
            }));
        }

        let mut secrets = Vec::with_capacity(keys.len());
        let (mut missing, mut invalid) = (Vec::new(), Vec::new());
        for key in keys {
            let key = key.as_ref();
            match self.lookup(key, &files) {
                Lookup::Found(secret) => secrets.push(secret),
                Lookup::Missing(tried) => missing.push(MissingKey {
                    key: key.to_owned(),
                    tried,
                }),
                Lookup::Invalid(bad) => invalid.push(bad),
            }
        }
        if missing.is_empty() && invalid.is_empty() {
            return Ok(secrets);
        }
        let fix = self.fix(&missing, &files);
        Err(MissingSecrets::new(Report {
            source,
            missing,
            invalid,
            broken_files: Vec::new(),
            files: searched,
            fix,
        }))
    }

    fn levels(&self) -> Vec<Vec<String>> {
        sections::levels(self.module.as_deref(), &self.source)
    }

    /// dlt looks everything up with the pipeline name as the outermost section first (every
    /// provider), then again without it.
    fn passes(&self) -> Vec<Vec<Vec<String>>> {
        let levels = self.levels();
        let mut passes = Vec::with_capacity(2);
        if let Some(pipeline) = &self.pipeline {
            passes.push(
                levels
                    .iter()
                    .map(|level| {
                        std::iter::once(pipeline.clone())
                            .chain(level.iter().cloned())
                            .collect()
                    })
                    .collect(),
            );
        }
        passes.push(levels);
        passes
    }

    fn lookup(&self, key: &str, files: &[SecretsFile]) -> Lookup {
        let Some(parts) = sections::key_parts(key) else {
            return Lookup::Invalid(InvalidSecret {
                key: key.to_owned(),
                location: "the key".to_owned(),
                problem: "is not valid: expected names separated by dots, like `client_id` or \
                          `credentials.client_id`"
                    .to_owned(),
            });
        };
        let mut tried = Vec::new();
        if let Some(value) = self.values.get(key) {
            if !value.is_empty() {
                tracing::debug!(source = %self.source, key, "secret given explicitly");
                return Lookup::Found(value.clone());
            }
            tried.push("explicit value (empty)".to_owned());
        }
        for levels in self.passes() {
            if self.use_env {
                for level in &levels {
                    let name = sections::env_name(level, &parts);
                    match self.env.get(&name) {
                        EnvValue::Set(secret) => {
                            tracing::debug!(source = %self.source, key, env = %name, "secret found in the environment");
                            return Lookup::Found(secret);
                        }
                        EnvValue::Empty => tried.push(format!("env {name} (set but empty)")),
                        EnvValue::NotUnicode => tried.push(format!("env {name} (not valid UTF-8)")),
                        EnvValue::Unset => tried.push(format!("env {name}")),
                    }
                }
            }
            for level in &levels {
                let path = sections::toml_path(level, &parts);
                let location = sections::toml_location(level, &parts);
                for file in files {
                    let Some(table) = &file.table else { continue };
                    let place = format!("{} {location}", file.path.display());
                    match file::lookup(table, &path) {
                        FileValue::Found(value) => {
                            tracing::debug!(source = %self.source, key, file = %file.path.display(), at = %location, "secret found in a file");
                            return Lookup::Found(Secret::new(value));
                        }
                        FileValue::Empty => tried.push(format!("{place} (empty)")),
                        FileValue::Absent => tried.push(place),
                        FileValue::Invalid { found, keys } => {
                            let mut problem = format!(
                                "is {found}, expected a string (numbers and booleans are taken as text)"
                            );
                            if let Some(first) = keys.first() {
                                let inner = keys
                                    .iter()
                                    .map(|k| format!("`{k}`"))
                                    .collect::<Vec<_>>()
                                    .join(", ");
                                problem.push_str(&format!(
                                    "; it holds {inner}: did you mean `{key}.{first}`?"
                                ));
                            }
                            return Lookup::Invalid(InvalidSecret {
                                key: key.to_owned(),
                                location: place,
                                problem,
                            });
                        }
                    }
                }
            }
        }
        Lookup::Missing(tried)
    }

    /// The fix for the first missing key, with its most specific env name and TOML place.
    fn fix(&self, missing: &[MissingKey], files: &[SecretsFile]) -> Option<String> {
        let Some(first) = missing.first() else {
            return Some(
                "make each value a string, e.g. `client_secret = \"...\"` (for a table of \
                 credentials, ask for one of its keys)"
                    .to_owned(),
            );
        };
        let parts = sections::key_parts(&first.key)?;
        let levels = self.levels();
        let most_specific = levels.first()?;
        let mut ways = Vec::new();
        if self.use_env {
            ways.push(format!(
                "`export {}=...`",
                sections::env_name(most_specific, &parts)
            ));
        }
        let target = files
            .iter()
            .find(|f| f.table.is_some())
            .or_else(|| files.first());
        if let Some(target) = target {
            let (table, leaf) = sections::toml_table_and_leaf(most_specific, &parts);
            let path = target.path.display();
            ways.push(if table.is_empty() {
                format!("add `{leaf} = \"...\"` at the top of {path}")
            } else {
                format!("add `{leaf} = \"...\"` under `[{table}]` in {path}")
            });
        }
        if ways.is_empty() {
            ways.push(format!("pass it with `.with_value(\"{}\", ..)`", first.key));
        }
        Some(format!("set one of these, e.g. {}", ways.join(" or ")))
    }
}

/// Whether two paths name one file (the project file is the global one when run from `~`).
fn same_file(a: &Path, b: &Path) -> bool {
    a == b
        || matches!(
            (a.canonicalize(), b.canonicalize()),
            (Ok(a), Ok(b)) if a == b
        )
}

impl fmt::Debug for SecretResolver {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SecretResolver")
            .field("source", &self.source)
            .field("module", &self.module)
            .field("pipeline", &self.pipeline)
            .field("explicit_keys", &self.values.keys().collect::<Vec<_>>())
            .field(
                "env",
                &if self.use_env {
                    self.env.describe()
                } else {
                    "disabled".to_owned()
                },
            )
            .field("files", &self.files())
            .finish()
    }
}

#[cfg(test)]
mod tests;
