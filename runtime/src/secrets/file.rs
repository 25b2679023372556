//! The TOML file provider: reading a dlt `secrets.toml` and finding a key in it.

use std::io::ErrorKind;
use std::path::{Path, PathBuf};

use super::error::BrokenFile;

/// One secrets file as searched: its table when it exists.
pub(crate) struct SecretsFile {
    pub(crate) path: PathBuf,
    /// `None` when the file does not exist.
    pub(crate) table: Option<toml::Table>,
}

/// What a TOML file holds at one path.
pub(crate) enum FileValue {
    /// A string (or a number, boolean or date converted to its TOML text).
    Found(String),
    /// The empty string (counted as missing).
    Empty,
    /// Something that cannot be a secret: what it is (`a table`) and, for a table, its keys.
    Invalid {
        found: &'static str,
        keys: Vec<String>,
    },
    /// Nothing there.
    Absent,
}

/// Reads and parses `path`. A missing file is `Ok` with no table; anything else that stops the
/// file from being used (unreadable, not UTF-8, invalid TOML) is an error that names the path
/// and, for TOML errors, the line and column — never the file's contents.
pub(crate) fn load(path: &Path) -> Result<SecretsFile, BrokenFile> {
    let broken = |message: String, at: Option<(usize, usize)>| BrokenFile {
        path: path.to_owned(),
        line: at.map(|(line, _)| line),
        column: at.map(|(_, column)| column),
        message,
    };
    let bytes = match std::fs::read(path) {
        Ok(bytes) => bytes,
        Err(err) if err.kind() == ErrorKind::NotFound => {
            return Ok(SecretsFile {
                path: path.to_owned(),
                table: None,
            });
        }
        // An io::Error's text names the OS error only, never the contents.
        Err(err) => return Err(broken(format!("cannot be read: {err}"), None)),
    };
    let text = String::from_utf8(bytes).map_err(|err| {
        let at = line_col_of(err.as_bytes(), err.utf8_error().valid_up_to());
        broken("is not valid UTF-8".to_owned(), Some(at))
    })?;
    match text.parse::<toml::Table>() {
        Ok(table) => Ok(SecretsFile {
            path: path.to_owned(),
            table: Some(table),
        }),
        Err(err) => {
            // Only the parser's description and position: its full `Display` quotes the
            // offending line, which may hold a secret.
            let at = err
                .span()
                .map(|span| line_col_of(text.as_bytes(), span.start));
            Err(broken(
                format!("is not valid TOML: {}", err.message().trim_end()),
                at,
            ))
        }
    }
}

/// 1-based line and column (in characters) of byte `offset` in `bytes`.
fn line_col_of(bytes: &[u8], offset: usize) -> (usize, usize) {
    let before = &bytes[..offset.min(bytes.len())];
    let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
    let line_start = before
        .iter()
        .rposition(|&b| b == b'\n')
        .map_or(0, |i| i + 1);
    let column = String::from_utf8_lossy(&before[line_start..])
        .chars()
        .count()
        + 1;
    (line, column)
}

/// The value at `path` (`sources`, `crm`, `client_id`) in `table`. A non-table on the way
/// (`crm = "x"` when looking for `sources.crm.client_id`) means the key is simply not there.
pub(crate) fn lookup(table: &toml::Table, path: &[&str]) -> FileValue {
    let Some((leaf, tables)) = path.split_last() else {
        return FileValue::Absent;
    };
    let mut current = table;
    for part in tables {
        match current.get(*part) {
            Some(toml::Value::Table(inner)) => current = inner,
            _ => return FileValue::Absent,
        }
    }
    match current.get(*leaf) {
        None => FileValue::Absent,
        Some(toml::Value::String(s)) if s.is_empty() => FileValue::Empty,
        Some(toml::Value::String(s)) => FileValue::Found(s.clone()),
        Some(toml::Value::Integer(i)) => FileValue::Found(i.to_string()),
        // TOML's own spelling (`1.0`, `inf`), as written in the file.
        Some(v @ toml::Value::Float(_)) => FileValue::Found(v.to_string()),
        Some(toml::Value::Boolean(b)) => FileValue::Found(b.to_string()),
        Some(toml::Value::Datetime(d)) => FileValue::Found(d.to_string()),
        Some(toml::Value::Array(_)) => FileValue::Invalid {
            found: "an array",
            keys: Vec::new(),
        },
        Some(toml::Value::Table(t)) => FileValue::Invalid {
            found: "a table",
            keys: t.keys().cloned().collect(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(text: &str) -> toml::Table {
        text.parse().unwrap()
    }

    #[test]
    fn finds_nested_strings_and_converts_scalars() {
        let t = table(
            "[sources.crm]\nclient_id = \"abc\"\nport = 8080\nratio = 1.0\nflag = true\nempty = \"\"\n",
        );
        assert!(
            matches!(lookup(&t, &["sources", "crm", "client_id"]), FileValue::Found(v) if v == "abc")
        );
        assert!(
            matches!(lookup(&t, &["sources", "crm", "port"]), FileValue::Found(v) if v == "8080")
        );
        assert!(
            matches!(lookup(&t, &["sources", "crm", "ratio"]), FileValue::Found(v) if v == "1.0")
        );
        assert!(
            matches!(lookup(&t, &["sources", "crm", "flag"]), FileValue::Found(v) if v == "true")
        );
        assert!(matches!(
            lookup(&t, &["sources", "crm", "empty"]),
            FileValue::Empty
        ));
        assert!(matches!(
            lookup(&t, &["sources", "client_id"]),
            FileValue::Absent
        ));
    }

    #[test]
    fn tables_and_arrays_are_invalid_and_name_their_keys_only() {
        let t = table("[sources.crm.credentials]\nclient_id = \"x\"\n[sources]\nlist = [\"a\"]\n");
        match lookup(&t, &["sources", "crm", "credentials"]) {
            FileValue::Invalid { found, keys } => {
                assert_eq!(found, "a table");
                assert_eq!(keys, ["client_id"]);
            }
            _ => panic!("expected an invalid value"),
        }
        assert!(matches!(
            lookup(&t, &["sources", "list"]),
            FileValue::Invalid {
                found: "an array",
                ..
            }
        ));
    }

    #[test]
    fn a_scalar_on_the_way_means_absent() {
        let t = table("[sources]\ncrm = \"not a table\"\n");
        assert!(matches!(
            lookup(&t, &["sources", "crm", "client_id"]),
            FileValue::Absent
        ));
    }

    #[test]
    fn line_and_column_count_from_one() {
        assert_eq!(line_col_of(b"a = 1\nbc = \xc3\xa9x", 13), (2, 7));
        assert_eq!(line_col_of(b"abc", 0), (1, 1));
    }
}
