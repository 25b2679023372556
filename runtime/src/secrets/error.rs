//! [`MissingSecrets`]: why secrets could not be resolved, listing every problem at once.
//!
//! No value ever appears here: traces name environment variables, files and TOML keys, and a
//! broken file is described by its path, position and the parser's description (never the
//! offending line, which may hold a secret).

use std::fmt;
use std::path::PathBuf;

/// Secrets could not be resolved: keys that are missing, values of the wrong type, or a
/// secrets file that cannot be read — all of them in one error, with every place tried.
///
/// A broken file stops resolution before any lookup (its keys could be anywhere in it), so
/// [`MissingSecrets::broken_files`] is either empty or the only problem reported.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MissingSecrets {
    // Boxed: this travels inside every `Result<_, Error>` of the runtime.
    report: Box<Report>,
}

/// Everything [`MissingSecrets`] says, in one allocation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Report {
    pub(crate) source: Option<String>,
    pub(crate) missing: Vec<MissingKey>,
    pub(crate) invalid: Vec<InvalidSecret>,
    pub(crate) broken_files: Vec<BrokenFile>,
    pub(crate) files: Vec<SearchedFile>,
    pub(crate) fix: Option<String>,
}

/// One missing key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MissingKey {
    /// The key as referenced (`client_secret`).
    pub key: String,
    /// Every place looked, in order (`env SOURCES__CRM__CLIENT_SECRET`,
    /// `.dlt/secrets.toml [sources.crm] client_secret`, ...). A place that held an empty value
    /// says so (`(set but empty)`, `(empty)`).
    pub tried: Vec<String>,
}

/// A key whose value cannot be used as a secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvalidSecret {
    /// The key as referenced.
    pub key: String,
    /// Where the value was found (`.dlt/secrets.toml [sources.crm] credentials`), or the key
    /// itself when the key is malformed.
    pub location: String,
    /// What is wrong and what was expected.
    pub problem: String,
}

/// A secrets file that exists but cannot be used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BrokenFile {
    /// The file.
    pub path: PathBuf,
    /// 1-based line of the problem, when known.
    pub line: Option<usize>,
    /// 1-based column (in characters) of the problem, when known.
    pub column: Option<usize>,
    /// What is wrong (`is not valid TOML: invalid basic string`). Never quotes the file.
    pub message: String,
}

/// A secrets file that was searched.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchedFile {
    /// The file.
    pub path: PathBuf,
    /// Whether it exists.
    pub found: bool,
}

impl MissingSecrets {
    pub(crate) fn new(report: Report) -> Self {
        MissingSecrets {
            report: Box::new(report),
        }
    }

    /// The source the secrets were looked up for, if any.
    pub fn source(&self) -> Option<&str> {
        self.report.source.as_deref()
    }

    /// Each missing key with the places tried, in lookup order.
    pub fn missing(&self) -> &[MissingKey] {
        &self.report.missing
    }

    /// Keys whose value exists but cannot be a secret (a table or an array), or malformed keys.
    pub fn invalid(&self) -> &[InvalidSecret] {
        &self.report.invalid
    }

    /// Secrets files that exist but cannot be used (unreadable, not UTF-8, invalid TOML). A
    /// broken file stops resolution before any lookup (its keys could be anywhere in it), so
    /// when this is not empty it is the only problem reported.
    pub fn broken_files(&self) -> &[BrokenFile] {
        &self.report.broken_files
    }

    /// The secrets files searched, in order, and whether each exists.
    pub fn files(&self) -> &[SearchedFile] {
        &self.report.files
    }

    /// How to fix it, with the most specific names (for example
    /// ``set one of these, e.g. `export SOURCES__CRM__CLIENT_ID=...` ``).
    pub fn fix(&self) -> Option<&str> {
        self.report.fix.as_deref()
    }

    /// The keys that were not found or not usable, in the order they were asked for within
    /// each kind (missing first).
    pub fn keys(&self) -> impl Iterator<Item = &str> {
        self.report
            .missing
            .iter()
            .map(|m| m.key.as_str())
            .chain(self.report.invalid.iter().map(|i| i.key.as_str()))
    }

    fn for_source(&self) -> String {
        match &self.report.source {
            Some(source) => format!(" for source `{source}`"),
            None => String::new(),
        }
    }
}

impl fmt::Display for MissingSecrets {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let source = self.for_source();
        let r = &self.report;
        if !r.broken_files.is_empty() {
            match r.broken_files.len() {
                1 => write!(f, "the secrets file{source} cannot be used:")?,
                n => write!(f, "{n} secrets files{source} cannot be used:")?,
            }
            for file in &r.broken_files {
                write!(f, "\n  - {file}")?;
            }
        } else {
            let n = r.missing.len() + r.invalid.len();
            let what = match (r.missing.is_empty(), r.invalid.is_empty()) {
                (false, true) => "missing",
                (true, false) => "invalid",
                _ => "missing or invalid",
            };
            let verb = if n == 1 { " is" } else { "s are" };
            write!(f, "{n} secret{verb} {what}{source}:")?;
            for key in &r.missing {
                write!(f, "\n  - `{}`, tried in order:", key.key)?;
                for place in &key.tried {
                    write!(f, "\n      {place}")?;
                }
            }
            for key in &r.invalid {
                write!(f, "\n  - `{}`: {} {}", key.key, key.location, key.problem)?;
            }
            let empty = r
                .missing
                .iter()
                .flat_map(|k| &k.tried)
                .any(|place| place.ends_with("(empty)") || place.ends_with("(set but empty)"));
            if empty {
                f.write_str(
                    "\nnote: an empty value counts as missing here (dlt would take the empty \
                     string and send it); give it a value, or remove it so a less specific place \
                     can supply one",
                )?;
            }
        }
        if !r.files.is_empty() {
            f.write_str("\nfiles: ")?;
            for (i, file) in r.files.iter().enumerate() {
                let state = if file.found { "found" } else { "not found" };
                let sep = if i == 0 { "" } else { ", " };
                write!(f, "{sep}{} ({state})", file.path.display())?;
            }
        }
        if let Some(fix) = &r.fix {
            write!(f, "\nfix: {fix}")?;
        }
        Ok(())
    }
}

impl fmt::Display for BrokenFile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.path.display())?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
            if let Some(column) = self.column {
                write!(f, ":{column}")?;
            }
        }
        write!(f, " {}", self.message)
    }
}

impl std::error::Error for MissingSecrets {}
