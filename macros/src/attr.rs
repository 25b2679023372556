//! The values attribute arguments are read into (what `valid.rs` and `expand/` use): a
//! value written in code or taken from the secrets, and a paginator with its literal
//! arguments. Reading them from the attribute is `args/`.

use syn::{Ident, Lit, LitStr};

use crate::ast::SecretLit;

/// A value that may be written in code (`"acme"`) or come from the secrets (`secret("key")`).
#[derive(Clone)]
pub enum Value {
    Plain(LitStr),
    Secret(SecretLit),
}

/// A secret key names a field of the secrets struct and a key in `secrets.toml`.
pub fn is_secret_key(key: &str) -> bool {
    // These cannot be field names, even raw.
    if matches!(key, "self" | "super" | "crate") {
        return false;
    }
    let mut chars = key.chars();
    matches!(chars.next(), Some('a'..='z'))
        && chars.all(|c| matches!(c, 'a'..='z' | '0'..='9' | '_'))
}

/// A paginator: `single_page`, `json_link(next_url_path = "…")`, …, with dlt's names.
#[derive(Clone)]
pub struct Paginator {
    pub kind: Ident,
    pub args: Vec<(Ident, Lit)>,
}
