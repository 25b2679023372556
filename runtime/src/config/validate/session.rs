//! `type = "session_token"`: log in at `login_url` with `credentials`, read the token from
//! the login response (exactly one of `token_path`, `token_header`, `token_cookie`), and send
//! it at `location` under `name` with `prefix`. Key names are the macro's argument names.

use std::collections::BTreeMap;

use super::{Validator, join};
use crate::ApiKeyLocation;
use crate::auth::TokenRequestFormat;
use crate::config::tree::{Node, NodeValue};
use crate::spec::{AuthSpec, MaybeSecret};
use rest_source_spec::validate::auth as auth_rules;

pub(super) const SESSION_TOKEN_KEYS: &[&str] = &[
    "type",
    "login_url",
    "credentials",
    "body",
    "token_path",
    "token_header",
    "token_cookie",
    "location",
    "name",
    "prefix",
    "ttl",
    "expires_in_path",
    "expires_at_path",
];

/// Where the session token goes on API requests.
const LOCATIONS: &[&str] = &["header", "query", "cookie", "body"];

/// Login fields whose names say they authenticate (the macro's rule): their value must be a
/// secret reference. Others (`username`, `tenant`) may be plain.
const CREDENTIAL_HINTS: &[&str] = &["pass", "secret", "token", "key", "pin", "otp"];

impl Validator<'_> {
    pub(super) fn session_token(
        &mut self,
        node: &Node,
        path: &str,
        what: &str,
    ) -> Option<AuthSpec> {
        let login_url = self
            .required(node, path, "login_url", what)
            .and_then(|n| self.url(n, &join(path, "login_url")));
        let credentials = match node.get("credentials") {
            Some(n) => self.login_fields(n, &join(path, "credentials")),
            None => Some(BTreeMap::new()),
        };
        let body = node.get("body").and_then(|n| {
            match self.choice(
                n,
                &join(path, "body"),
                "login body format",
                &["json", "form"],
            )? {
                "form" => Some(TokenRequestFormat::Form),
                _ => Some(TokenRequestFormat::Json),
            }
        });

        // Exactly one token source: a shared rule, run here too so it is reported with the
        // auth's other problems when they keep it from being built.
        let given: Vec<&str> = auth_rules::TOKEN_SOURCES
            .iter()
            .copied()
            .filter(|s| node.get(s).is_some())
            .collect();
        for problem in auth_rules::token_sources(&given, path) {
            self.rule_problem(node, path, problem);
        }
        let token_path = self.opt_string(node, path, "token_path");
        let token_header = self.opt_string(node, path, "token_header");
        let token_cookie = self.opt_string(node, path, "token_cookie");

        let name = self.opt_string(node, path, "name");
        let location = node.get("location").and_then(|n| {
            let at = join(path, "location");
            Some(
                match self.choice(n, &at, "session token location", LOCATIONS)? {
                    "query" => ApiKeyLocation::Query,
                    "cookie" => ApiKeyLocation::Cookie,
                    "body" => ApiKeyLocation::Body,
                    _ => ApiKeyLocation::Header,
                },
            )
        });
        let named = node.get("name").is_some();
        if let Some(problem) = auth_rules::location_needs_a_name(location, named, path) {
            self.rule_problem(node, path, problem);
        }
        let prefix = self.opt_string(node, path, "prefix");
        let ttl = self.opt_uint(node, path, "ttl");
        let expires_in_path = self.opt_string(node, path, "expires_in_path");
        let expires_at_path = self.opt_string(node, path, "expires_at_path");
        Some(AuthSpec::SessionToken {
            login_url: login_url?,
            credentials: credentials?,
            body,
            token_path,
            token_header,
            token_cookie,
            location,
            name,
            prefix,
            ttl,
            expires_in_path,
            expires_at_path,
        })
    }

    /// A shared rule's `problem` about the auth table `node` at `path`: at the key it names
    /// (`<path>.<key>`), else at the table. (The shared rules run again on the built source;
    /// the same problem at the same place is reported once.)
    fn rule_problem(&mut self, node: &Node, path: &str, problem: rest_source_spec::Problem) {
        let key = problem
            .path
            .strip_prefix(path)
            .and_then(|k| k.strip_prefix('.'));
        let span = key.and_then(|k| node.get(k)).unwrap_or(node).span.clone();
        let help = problem
            .fix
            .map(|f| f.render(|k| self.secret_fix(k), str::to_owned));
        self.problem(span.as_ref(), &problem.path, problem.message, help);
    }

    /// `credentials = { username = "bot", password = { secret = "login_password" } }`.
    fn login_fields(&mut self, node: &Node, path: &str) -> Option<BTreeMap<String, MaybeSecret>> {
        let Some(entries) = node.as_table() else {
            self.expected(node, path, "a table of login field names to values");
            return None;
        };
        let mut out = BTreeMap::new();
        let mut ok = true;
        for (key, value) in entries {
            let at = join(path, &key.name);
            let lower = key.name.to_ascii_lowercase();
            let credential = CREDENTIAL_HINTS.iter().any(|h| lower.contains(h));
            let field = match &value.value {
                NodeValue::Str(_) if credential => {
                    self.inline_credential(value, &at, &key.name);
                    None
                }
                _ => self.maybe_secret(value, &at),
            };
            match field {
                Some(f) => {
                    out.insert(key.name.clone(), f);
                }
                None => ok = false,
            }
        }
        ok.then_some(out)
    }
}
