//! Credentials in the config: `{ secret = "key" }` references, identifiers that may be plain
//! or secret, headers, and the inline-credential error (which never repeats the value).

use super::{Validator, join};
use crate::config::Format;
use crate::config::tree::{Node, NodeValue};
use crate::spec::{MaybeSecret, SecretRef};

impl Validator<'_> {
    /// How to write a secret reference in this format, for the inline-credential fix.
    pub(super) fn secret_syntax(&self, field: &str) -> String {
        match self.format {
            Format::Toml => format!("{field} = {{ secret = \"{field}\" }}"),
            Format::Json => format!("\"{field}\": {{\"secret\": \"{field}\"}}"),
        }
    }

    /// The fix of an inline credential `field`: the reference to write, where the value goes.
    pub(super) fn secret_fix(&self, field: &str) -> String {
        format!(
            "use `{}` and put the value in .dlt/secrets.toml under [sources.{}] (or the env var `SOURCES__{}__{}`)",
            self.secret_syntax(field),
            self.source_name,
            self.source_name.to_uppercase().replace('.', "__"),
            field.to_uppercase(),
        )
    }

    pub(super) fn inline_credential(&mut self, node: &Node, path: &str, field: &str) {
        let fix = self.secret_fix(field);
        // The value itself is never echoed: it is a credential.
        self.problem(
            node.span.as_ref(),
            path,
            format!("inline credential: `{field}` must reference a secret, not hold its value"),
            Some(fix),
        );
    }

    /// `{ secret = "key" }`: the key, or `None` after reporting what is wrong.
    pub(super) fn secret_table(&mut self, node: &Node, path: &str) -> Option<String> {
        self.table(node, path, &["secret"], "a secret reference")?;
        let key_node = self.required(node, path, "secret", "a secret reference")?;
        let key = self.string(key_node, &join(path, "secret"))?;
        if key.trim().is_empty() {
            self.problem(
                key_node.span.as_ref(),
                &join(path, "secret"),
                "empty secret key",
                Some("expected the key the value is stored under, such as `api_token`".into()),
            );
            return None;
        }
        Some(key)
    }

    /// A credential: must be `{ secret = "key" }`.
    pub(super) fn secret_ref(
        &mut self,
        table: &Node,
        path: &str,
        field: &str,
        what: &str,
    ) -> Option<SecretRef> {
        let at = join(path, field);
        let node = self.required(table, path, field, what)?;
        match &node.value {
            NodeValue::Str(_) => {
                self.inline_credential(node, &at, field);
                None
            }
            NodeValue::Table(_) => self.secret_table(node, &at).map(SecretRef),
            _ => {
                self.expected(node, &at, "a secret reference `{ secret = \"key\" }`");
                None
            }
        }
    }

    /// A credential of one of dlt's auth types: `{ secret = "key" }`, or left out — then, as
    /// dlt fills a left-out field from the `credentials` section, an implicit reference to
    /// `credentials.<field>` ([`crate::secrets::credential_key`]). A literal is still refused.
    pub(super) fn dlt_credential(
        &mut self,
        table: &Node,
        path: &str,
        field: &str,
        what: &str,
    ) -> Option<SecretRef> {
        if table.get(field).is_none() {
            return Some(SecretRef(crate::secrets::credential_key(field)));
        }
        self.secret_ref(table, path, field, what)
    }

    /// [`Validator::dlt_credential`] for a field that may also be plain (`username`,
    /// `client_id`): left out, it is looked up as `credentials.<field>`.
    pub(super) fn dlt_identifier(
        &mut self,
        table: &Node,
        path: &str,
        field: &str,
    ) -> Option<MaybeSecret> {
        match table.get(field) {
            None => Some(MaybeSecret::Secret {
                secret: crate::secrets::credential_key(field),
            }),
            Some(node) => self.maybe_secret(node, &join(path, field)),
        }
    }

    /// An identifier that may be plain or secret (a user name, a client id).
    pub(super) fn maybe_secret(&mut self, node: &Node, path: &str) -> Option<MaybeSecret> {
        match &node.value {
            NodeValue::Str(s) => Some(MaybeSecret::Plain(s.clone())),
            NodeValue::Table(_) => self
                .secret_table(node, path)
                .map(|secret| MaybeSecret::Secret { secret }),
            _ => {
                self.expected(node, path, "a string or `{ secret = \"key\" }`");
                None
            }
        }
    }

    /// `headers`: names to plain values or (for the client) `{ secret = "key" }`.
    pub(super) fn headers(&mut self, node: &Node, path: &str) -> Vec<(String, MaybeSecret)> {
        let Some(entries) = node.as_table() else {
            self.expected(node, path, "a table of header names to values");
            return Vec::new();
        };
        let mut out = Vec::new();
        for (key, value) in entries {
            let at = join(path, &key.name);
            match &value.value {
                // A plain credential header is refused by the shared rule
                // (`rest_source_spec::validate`), as in `#[rest_source]`.
                NodeValue::Str(s) => out.push((key.name.clone(), MaybeSecret::Plain(s.clone()))),
                NodeValue::Table(_) => {
                    if let Some(secret) = self.secret_table(value, &at) {
                        out.push((key.name.clone(), MaybeSecret::Secret { secret }));
                    }
                }
                _ => self.expected(value, &at, "a string"),
            }
        }
        out
    }
}
