//! The environment-variable provider: the process environment, or a map injected for tests.
//!
//! Tests run on parallel threads and `std::env::set_var` is `unsafe` in edition 2024, so a
//! resolver can be given its own environment ([`super::SecretResolver::with_env_vars`]) instead
//! of mutating the process one.

use std::collections::BTreeMap;

use crate::Secret;

/// Where environment variables are read from.
#[derive(Clone, Default)]
pub(crate) enum Env {
    /// The process environment.
    #[default]
    Process,
    /// An injected environment; the process one is not read at all.
    Vars(BTreeMap<String, Secret>),
}

/// What one environment variable holds.
pub(crate) enum EnvValue {
    /// A non-empty value.
    Set(Secret),
    /// Set to the empty string (counted as missing: an empty credential is never valid, and
    /// CI systems expand undefined secrets to empty strings).
    Empty,
    /// Set, but not valid UTF-8.
    NotUnicode,
    /// Not set.
    Unset,
}

impl Env {
    /// Reads a variable that may hold a secret.
    pub(crate) fn get(&self, name: &str) -> EnvValue {
        match self {
            Env::Process => match std::env::var_os(name) {
                None => EnvValue::Unset,
                Some(value) => match value.into_string() {
                    Ok(value) if value.is_empty() => EnvValue::Empty,
                    Ok(value) => EnvValue::Set(Secret::new(value)),
                    Err(_) => EnvValue::NotUnicode,
                },
            },
            Env::Vars(vars) => match vars.get(name) {
                None => EnvValue::Unset,
                Some(value) if value.is_empty() => EnvValue::Empty,
                Some(value) => EnvValue::Set(value.clone()),
            },
        }
    }

    /// Reads a variable that holds no secret (a path); empty counts as unset.
    pub(crate) fn plain(&self, name: &str) -> Option<String> {
        match self.get(name) {
            EnvValue::Set(value) => Some(value.expose().to_owned()),
            _ => None,
        }
    }

    /// For `Debug`: names the provider, never a value.
    pub(crate) fn describe(&self) -> String {
        match self {
            Env::Process => "process environment".to_owned(),
            Env::Vars(vars) => format!("injected variables {:?}", vars.keys().collect::<Vec<_>>()),
        }
    }
}
