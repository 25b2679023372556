//! [`Secret`]: a credential value that never shows itself.

use std::fmt;

use secrecy::{ExposeSecret, SecretString};

/// A credential (token, password, client secret, API key).
///
/// `Debug` prints `Secret([REDACTED])`; there is no `Display`. The value is zeroised on drop
/// (through [`secrecy::SecretString`]). Read it only where it is put on the wire, with
/// [`Secret::expose`].
#[derive(Clone)]
pub struct Secret(SecretString);

impl Secret {
    /// Wraps a value.
    pub fn new(value: impl Into<String>) -> Self {
        Secret(SecretString::from(value.into()))
    }

    /// The value itself. Call only to put it on the wire.
    pub fn expose(&self) -> &str {
        self.0.expose_secret()
    }

    /// Whether the value is the empty string (an empty credential is almost always a mistake).
    pub fn is_empty(&self) -> bool {
        self.expose().is_empty()
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret([REDACTED])")
    }
}

impl From<String> for Secret {
    fn from(value: String) -> Self {
        Secret::new(value)
    }
}

impl From<&str> for Secret {
    fn from(value: &str) -> Self {
        Secret::new(value)
    }
}

impl From<SecretString> for Secret {
    fn from(value: SecretString) -> Self {
        Secret(value)
    }
}

impl<'de> serde::Deserialize<'de> for Secret {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        String::deserialize(deserializer).map(Secret::new)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_shows_the_value() {
        let s = Secret::new("canary-3f9a");
        assert_eq!(format!("{s:?}"), "Secret([REDACTED])");
        assert_eq!(
            format!("{:#?}", Some(&s)),
            "Some(\n    Secret([REDACTED]),\n)"
        );
        assert_eq!(s.expose(), "canary-3f9a");
    }
}
