//! The value-free secrets schema: which secret keys exist, without their values.
//!
//! ```toml
//! # secrets.schema.toml, next to Cargo.toml: key names only, every value empty
//! [sources.crm]
//! client_id = ""
//! client_secret = ""
//! ```
//!
//! Keys are read from the top level, from `[sources]` and from `[sources.<source name>]` (dlt's
//! layout, so the schema mirrors the real `secrets.toml`). The real secrets file is never read
//! at compile time: a file named `secrets.toml`, or one with a non-empty value, is refused.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use proc_macro2::Span;
use syn::LitStr;

use crate::ctxt::Ctxt;

/// The default schema file name, looked up next to the crate's `Cargo.toml`.
pub const DEFAULT_FILE: &str = "secrets.schema.toml";

/// Where the macro was invoked from, captured by the proc-macro shim (the plain code cannot
/// ask `proc_macro` itself, so it stays testable).
#[derive(Clone, Debug, Default)]
pub struct Env {
    /// `CARGO_MANIFEST_DIR` of the crate being compiled.
    pub manifest_dir: Option<PathBuf>,
    /// The source file holding the attribute (`Span::local_file`), for relative
    /// `secrets_schema = "…"` paths.
    pub source_file: Option<PathBuf>,
}

/// A loaded schema.
#[derive(Debug)]
pub struct Schema {
    /// Absolute path (tracked with `include_bytes!` so edits re-run the check).
    pub path: PathBuf,
    /// The file name, for messages.
    pub file_name: String,
    pub keys: BTreeSet<String>,
}

/// Finds and reads the schema: the `secrets_schema = "…"` path (relative to the file that
/// holds the attribute), else `secrets.schema.toml` next to `Cargo.toml` if it exists.
pub fn load(cx: &Ctxt, env: &Env, explicit: Option<&LitStr>, source: &str) -> Option<Schema> {
    let (path, span) = match explicit {
        Some(lit) => (resolve_explicit(env, &lit.value()), lit.span()),
        None => {
            let path = env.manifest_dir.as_ref()?.join(DEFAULT_FILE);
            if !path.is_file() {
                return None;
            }
            (path, Span::call_site())
        }
    };
    let file_name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    if file_name == "secrets.toml" {
        cx.error_at(
            span,
            "refusing to read `secrets.toml` at compile time: it holds real secrets; point `secrets_schema` at a value-free copy such as `secrets.schema.toml` (same keys, every value `\"\"`)",
        );
        return None;
    }
    let text = match std::fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) => {
            cx.error_at(
                span,
                format!("cannot read the secrets schema `{}`: {e}", path.display()),
            );
            return None;
        }
    };
    let keys = parse(cx, span, &file_name, &text, source)?;
    Some(Schema {
        path,
        file_name,
        keys,
    })
}

fn resolve_explicit(env: &Env, value: &str) -> PathBuf {
    let given = Path::new(value);
    if given.is_absolute() {
        return given.to_owned();
    }
    let dir = env
        .source_file
        .as_deref()
        .and_then(Path::parent)
        .map(Path::to_owned)
        .or_else(|| env.manifest_dir.clone())
        .unwrap_or_default();
    let joined = dir.join(given);
    if joined.is_absolute() {
        joined
    } else {
        // `local_file` is relative to rustc's working directory, which is ours too.
        std::env::current_dir()
            .map(|cwd| cwd.join(&joined))
            .unwrap_or(joined)
    }
}

/// The key names in the schema text; refuses any non-empty value.
pub fn parse(
    cx: &Ctxt,
    span: Span,
    file_name: &str,
    text: &str,
    source: &str,
) -> Option<BTreeSet<String>> {
    let table: toml::Table = match text.parse() {
        Ok(t) => t,
        Err(e) => {
            cx.error_at(
                span,
                format!("`{file_name}` is not valid TOML: {}", e.message()),
            );
            return None;
        }
    };
    let mut keys = BTreeSet::new();
    let mut valued = Vec::new();
    let mut visit = |prefix: &str, table: &toml::Table| {
        for (key, value) in table {
            match value {
                toml::Value::Table(_) => {}
                toml::Value::String(s) if s.is_empty() => {
                    keys.insert(key.clone());
                }
                _ => valued.push(format!("{prefix}{key}")),
            }
        }
    };
    visit("", &table);
    if let Some(toml::Value::Table(sources)) = table.get("sources") {
        visit("sources.", sources);
        if let Some(toml::Value::Table(this)) = sources.get(source) {
            visit(&format!("sources.{source}."), this);
        }
    }
    if !valued.is_empty() {
        let list: Vec<String> = valued.iter().map(|k| format!("`{k}`")).collect();
        // Never echo the values: the file may be a real secrets file under another name.
        cx.error_at(
            span,
            format!(
                "`{file_name}` must list secret keys without values, but {} {} a value; write `key = \"\"` (real values belong in secrets.toml or the environment)",
                list.join(", "),
                if valued.len() == 1 { "has" } else { "have" }
            ),
        );
        return None;
    }
    Some(keys)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_keys_from_top_level_sources_and_this_source() {
        let cx = Ctxt::new();
        let keys = parse(
            &cx,
            Span::call_site(),
            "s.toml",
            "shared = \"\"\n[sources]\nglobal = \"\"\n[sources.crm]\ntoken = \"\"\n[sources.other]\nnot_ours = \"\"\n",
            "crm",
        )
        .unwrap();
        assert_eq!(
            keys.into_iter().collect::<Vec<_>>(),
            ["global", "shared", "token"]
        );
        assert!(cx.finish().is_none());
    }

    /// A fresh directory, removed when the guard drops (also when the test fails).
    fn temp_dir(name: &str) -> (tempfile::TempDir, PathBuf) {
        let tmp = tempfile::Builder::new()
            .prefix(&format!("rest-source-schema-{name}-"))
            .tempdir()
            .unwrap();
        let dir = tmp.path().to_path_buf();
        (tmp, dir)
    }

    #[test]
    fn default_file_next_to_cargo_toml_is_used_when_present() {
        let (_tmp, dir) = temp_dir("default");
        let env = Env {
            manifest_dir: Some(dir.clone()),
            source_file: None,
        };
        let cx = Ctxt::new();
        assert!(load(&cx, &env, None, "crm").is_none(), "no file, no schema");
        std::fs::write(dir.join(DEFAULT_FILE), "[sources.crm]\ntoken = \"\"\n").unwrap();
        let schema = load(&cx, &env, None, "crm").unwrap();
        assert_eq!(schema.path, dir.join(DEFAULT_FILE));
        assert!(schema.keys.contains("token"));
        assert!(cx.finish().is_none());
    }

    #[test]
    fn explicit_path_is_relative_to_the_invoking_file() {
        let (_tmp, dir) = temp_dir("explicit");
        std::fs::create_dir_all(dir.join("ui")).unwrap();
        std::fs::write(dir.join("ui/keys.toml"), "token = \"\"\n").unwrap();
        let env = Env {
            // As in trybuild: the manifest dir is elsewhere, the source file is ours.
            manifest_dir: Some(std::env::temp_dir()),
            source_file: Some(dir.join("ui/case.rs")),
        };
        let cx = Ctxt::new();
        let lit: LitStr = syn::parse_quote!("keys.toml");
        let schema = load(&cx, &env, Some(&lit), "crm").unwrap();
        assert_eq!(schema.path, dir.join("ui/keys.toml"));
        assert!(cx.finish().is_none());
    }

    #[test]
    fn refuses_values_without_echoing_them() {
        let cx = Ctxt::new();
        let keys = parse(
            &cx,
            Span::call_site(),
            "s.toml",
            "[sources.crm]\ntoken = \"canary-42\"\n",
            "crm",
        );
        assert!(keys.is_none());
        let messages = cx.messages();
        assert_eq!(messages.len(), 1);
        assert!(
            messages[0].contains("`sources.crm.token` has a value"),
            "{}",
            messages[0]
        );
        assert!(!messages[0].contains("canary-42"));
    }
}
