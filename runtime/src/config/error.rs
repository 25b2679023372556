//! [`ConfigError`]: every problem of a config file in one error, each with its location.

use std::fmt;

/// Where a problem is: the file (or the name given to a string), the path of the key in the
/// document (`resources[2].endpoint.paginator.type`), and its line and column when known.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Location {
    /// The file path as given, or a name for a config that was not read from a file.
    pub origin: String,
    /// The dotted path of the key or value (`client.auth.type`); empty for the whole document.
    pub path: String,
    /// 1-based line and column (in characters) in the origin.
    pub line_col: Option<(usize, usize)>,
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.origin)?;
        if let Some((line, column)) = self.line_col {
            write!(f, ":{line}:{column}")?;
        }
        Ok(())
    }
}

/// One problem: where, what, and (when we know it) how to fix it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConfigProblem {
    /// Where the problem is.
    pub location: Location,
    /// What is wrong (lower case, offending names in backticks). Never holds a secret value.
    pub message: String,
    /// The fix: "did you mean …?", "expected one of …", or how to reference a secret.
    pub help: Option<String>,
}

impl fmt::Display for ConfigProblem {
    /// `sources.toml:12:9: client.auth.type: unknown auth type `x`; did you mean `y`?`
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: ", self.location)?;
        if !self.location.path.is_empty() {
            write!(f, "{}: ", self.location.path)?;
        }
        f.write_str(&self.message)?;
        if let Some(help) = &self.help {
            write!(f, "; {help}")?;
        }
        Ok(())
    }
}

/// A config that could not be loaded: it could not be read or parsed, or it failed
/// validation. Lists **every** problem found, in document order, one per line:
///
/// ```text
/// sources.toml: 2 problems in the source config
/// sources.toml:4:8: client.auth.type: unknown auth type `oauth2_client_credential`; did you mean `oauth2_client_credentials`?
/// sources.toml:9:1: resources[0]: missing `name`; every resource needs a `name`
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConfigError {
    origin: String,
    problems: Vec<ConfigProblem>,
}

impl ConfigError {
    pub(crate) fn new(origin: impl Into<String>, mut problems: Vec<ConfigProblem>) -> Self {
        // Document order; problems without a position (none today) go last.
        problems.sort_by_key(|p| p.location.line_col.unwrap_or((usize::MAX, usize::MAX)));
        ConfigError {
            origin: origin.into(),
            problems,
        }
    }

    /// The file (or name) the config came from.
    pub fn origin(&self) -> &str {
        &self.origin
    }

    /// Every problem, in document order.
    pub fn problems(&self) -> &[ConfigProblem] {
        &self.problems
    }
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.problems.as_slice() {
            [one] => write!(f, "{one}"),
            many => {
                write!(
                    f,
                    "{}: {} problems in the source config",
                    self.origin,
                    many.len()
                )?;
                for problem in many {
                    write!(f, "\n{problem}")?;
                }
                Ok(())
            }
        }
    }
}

impl std::error::Error for ConfigError {}
