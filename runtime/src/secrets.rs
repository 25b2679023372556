//! Finding secrets: explicit values, environment variables and a dlt-compatible TOML file.
//!
//! (The resolver lands with the secrets work; this module already owns the error type.)

use std::fmt;

/// One or more secrets were not found. Lists every missing key and every place tried.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MissingSecrets {
    /// The source the secrets were looked up for, if any.
    pub source: Option<String>,
    /// Each missing key with the places tried, in lookup order.
    pub missing: Vec<MissingKey>,
}

/// One missing key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MissingKey {
    /// The key as referenced (`client_secret`).
    pub key: String,
    /// Every place looked, in order (`env SOURCES__CRM__CLIENT_SECRET`, ...).
    pub tried: Vec<String>,
}

impl fmt::Display for MissingSecrets {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let n = self.missing.len();
        write!(
            f,
            "{n} secret{} missing",
            if n == 1 { " is" } else { "s are" }
        )?;
        if let Some(source) = &self.source {
            write!(f, " for source `{source}`")?;
        }
        for key in &self.missing {
            write!(f, "\n  - `{}`, tried:", key.key)?;
            for place in &key.tried {
                write!(f, "\n      {place}")?;
            }
        }
        Ok(())
    }
}

impl std::error::Error for MissingSecrets {}
