//! `auth` blocks: the `type` names (dlt's four, the extra built-in flows, `none`), the
//! simple types' fields, and the dispatch to the token-endpoint flows ([`super::oauth2`])
//! and the session login ([`super::session`]), into [`AuthSpec`].

use super::{Validator, join};
use crate::ApiKeyLocation;
use crate::config::suggest;
use crate::config::tree::{Node, NodeValue};
use crate::spec::AuthSpec;

/// dlt's auth `type` names, the non-standard flows the runtime has built in (the same names
/// as the macro's `auth = …` forms), and `none` for public endpoints.
pub(crate) const AUTH_TYPES: &[&str] = &[
    "bearer",
    "api_key",
    "http_basic",
    "oauth2_client_credentials",
    "oauth2_refresh_token",
    "oauth2_jwt_bearer",
    "session_token",
    "none",
];

/// Where an API key may go; dlt calls the query string `param` as well as `query`.
const API_KEY_LOCATIONS: &[&str] = &["header", "query", "param", "cookie", "body"];

impl Validator<'_> {
    pub(super) fn auth(&mut self, node: &Node, path: &str) -> Option<AuthSpec> {
        let type_path = join(path, "type");
        // dlt's `create_auth`: a string is a type name (every field then comes from the
        // `credentials` section), a table without `type` is `bearer`.
        let (type_name, type_node, shorthand) = match &node.value {
            NodeValue::Str(s) => (s.clone(), node, true),
            NodeValue::Table(_) => match node.get("type") {
                Some(t) => (self.string(t, &type_path)?, t, false),
                None => ("bearer".to_owned(), node, false),
            },
            _ => {
                self.expected(node, path, "an auth type name or an auth table");
                return None;
            }
        };
        let type_path = if shorthand {
            path.to_owned()
        } else {
            type_path
        };
        let allowed: &[&str] = match type_name.as_str() {
            "none" => &["type"],
            "bearer" => &["type", "token"],
            "api_key" => &["type", "name", "api_key", "location"],
            "http_basic" => &["type", "username", "password"],
            "oauth2_client_credentials" => super::oauth2::CLIENT_CREDENTIALS_KEYS,
            "oauth2_refresh_token" => super::oauth2::REFRESH_TOKEN_KEYS,
            "oauth2_jwt_bearer" => super::oauth2::JWT_BEARER_KEYS,
            "session_token" => super::session::SESSION_TOKEN_KEYS,
            other => {
                let help = suggest::help(other, AUTH_TYPES);
                self.problem(
                    type_node.span.as_ref(),
                    &type_path,
                    format!("unknown auth type `{other}`"),
                    Some(help),
                );
                return None;
            }
        };
        if !shorthand && node.get("type").is_none() {
            // Unknown keys of a typeless auth: say why it is read as `bearer`.
            let what = "an auth without `type` (dlt reads it as `bearer`)";
            self.table(node, path, allowed, what);
        }
        let what = format!("the `{type_name}` auth");
        if !shorthand && node.get("type").is_some() {
            self.table(node, path, allowed, &what);
        }
        match type_name.as_str() {
            "none" => Some(AuthSpec::None),
            "bearer" => {
                let token = self.dlt_credential(node, path, "token", &what)?;
                Some(AuthSpec::Bearer { token })
            }
            "api_key" => {
                let name = self.opt_string(node, path, "name");
                let location = match node.get("location") {
                    None => Some(ApiKeyLocation::Header),
                    Some(loc) => {
                        let at = join(path, "location");
                        match self.choice(loc, &at, "api key location", API_KEY_LOCATIONS) {
                            Some("header") => Some(ApiKeyLocation::Header),
                            Some("query" | "param") => Some(ApiKeyLocation::Query),
                            Some("cookie") => Some(ApiKeyLocation::Cookie),
                            Some("body") => Some(ApiKeyLocation::Body),
                            _ => None,
                        }
                    }
                };
                let api_key = self.dlt_credential(node, path, "api_key", &what);
                Some(AuthSpec::ApiKey {
                    name: name.unwrap_or_else(|| "Authorization".to_owned()),
                    api_key: api_key?,
                    location: location?,
                })
            }
            "http_basic" => {
                // dlt fills left-out fields from `credentials`: see `dlt_credential`.
                let username = self.dlt_identifier(node, path, "username");
                let password = self.dlt_credential(node, path, "password", &what);
                Some(AuthSpec::HttpBasic {
                    username: username?,
                    password: password?,
                })
            }
            "oauth2_client_credentials" => self.client_credentials(node, path, &what),
            "oauth2_refresh_token" => self.refresh_token(node, path, &what),
            "oauth2_jwt_bearer" => self.jwt_bearer(node, path, &what),
            _ => self.session_token(node, path, &what),
        }
    }
}
