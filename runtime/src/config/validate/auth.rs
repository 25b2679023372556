//! `auth` blocks: dlt's `type` names and each type's fields, into [`AuthSpec`].

use super::{Validator, join};
use crate::ApiKeyLocation;
use crate::auth::ClientAuth;
use crate::config::suggest;
use crate::config::tree::Node;
use crate::spec::AuthSpec;

/// dlt's auth `type` names, plus `none` for public endpoints.
pub(crate) const AUTH_TYPES: &[&str] = &[
    "bearer",
    "api_key",
    "http_basic",
    "oauth2_client_credentials",
    "none",
];

impl Validator<'_> {
    pub(super) fn auth(&mut self, node: &Node, path: &str) -> Option<AuthSpec> {
        if node.as_table().is_none() {
            self.expected(node, path, "an auth table with a `type`");
            return None;
        }
        let type_path = join(path, "type");
        let Some(type_node) = node.get("type") else {
            self.problem(
                node.span.as_ref(),
                path,
                "missing `type` in this auth",
                Some(suggest::one_of(AUTH_TYPES)),
            );
            return None;
        };
        let type_name = self.string(type_node, &type_path)?;
        let allowed: &[&str] = match type_name.as_str() {
            "none" => &["type"],
            "bearer" => &["type", "token"],
            "api_key" => &["type", "name", "api_key", "location"],
            "http_basic" => &["type", "username", "password"],
            "oauth2_client_credentials" => &[
                "type",
                "access_token_url",
                "client_id",
                "client_secret",
                "scope",
                "audience",
                "client_auth",
                "default_token_expiration",
                "access_token_request_data",
            ],
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
        let what = format!("the `{type_name}` auth");
        self.table(node, path, allowed, &what);
        match type_name.as_str() {
            "none" => Some(AuthSpec::None),
            "bearer" => {
                let token = self.secret_ref(node, path, "token", &what)?;
                Some(AuthSpec::Bearer { token })
            }
            "api_key" => {
                let name = self.opt_string(node, path, "name");
                let location = match node.get("location") {
                    None => Some(ApiKeyLocation::Header),
                    Some(loc) => {
                        let at = join(path, "location");
                        match self.string(loc, &at).as_deref() {
                            None => None,
                            Some("header") => Some(ApiKeyLocation::Header),
                            // dlt calls the query string `param` as well as `query`.
                            Some("query" | "param") => Some(ApiKeyLocation::Query),
                            Some("cookie") => Some(ApiKeyLocation::Cookie),
                            Some(other) => {
                                let places = ["header", "query", "param", "cookie"];
                                let help = suggest::help(other, &places);
                                self.problem(
                                    loc.span.as_ref(),
                                    &at,
                                    format!("unknown api key location `{other}`"),
                                    Some(help),
                                );
                                None
                            }
                        }
                    }
                };
                let api_key = self.secret_ref(node, path, "api_key", &what);
                Some(AuthSpec::ApiKey {
                    name: name.unwrap_or_else(|| "Authorization".to_owned()),
                    api_key: api_key?,
                    location: location?,
                })
            }
            "http_basic" => {
                let username = self
                    .required(node, path, "username", &what)
                    .and_then(|n| self.maybe_secret(n, &join(path, "username")));
                let password = self.secret_ref(node, path, "password", &what);
                Some(AuthSpec::HttpBasic {
                    username: username?,
                    password: password?,
                })
            }
            _ => self.oauth2(node, path, &what),
        }
    }

    pub(super) fn oauth2(&mut self, node: &Node, path: &str, what: &str) -> Option<AuthSpec> {
        let access_token_url = self
            .required(node, path, "access_token_url", what)
            .and_then(|n| self.url(n, &join(path, "access_token_url")));
        let client_id = self
            .required(node, path, "client_id", what)
            .and_then(|n| self.maybe_secret(n, &join(path, "client_id")));
        let client_secret = self.secret_ref(node, path, "client_secret", what);
        let mut scope = match node.get("scope") {
            // dlt writes scopes as a list; the token request sends them space-separated.
            Some(n) => Some(self.strings(n, &join(path, "scope"))?.join(" ")),
            None => None,
        };
        let mut audience = self.opt_string(node, path, "audience");
        // dlt's extra token-request fields: `scope` and `audience` are what APIs ask for.
        if let Some(data) = node.get("access_token_request_data") {
            let at = join(path, "access_token_request_data");
            self.table(
                data,
                &at,
                &["scope", "audience"],
                "`access_token_request_data`",
            )?;
            if let Some(s) = self.opt_string(data, &at, "scope") {
                scope = Some(s);
            }
            if let Some(a) = self.opt_string(data, &at, "audience") {
                audience = Some(a);
            }
        }
        let client_auth = match node.get("client_auth") {
            None => ClientAuth::default(),
            Some(n) => {
                let at = join(path, "client_auth");
                match self.string(n, &at)?.as_str() {
                    "body" => ClientAuth::Body,
                    "basic" => ClientAuth::Basic,
                    other => {
                        let help = suggest::help(other, &["body", "basic"]);
                        self.problem(
                            n.span.as_ref(),
                            &at,
                            format!("unknown client auth `{other}`"),
                            Some(help),
                        );
                        return None;
                    }
                }
            }
        };
        let default_token_expiration = match node.get("default_token_expiration") {
            Some(n) => Some(self.uint(n, &join(path, "default_token_expiration"))?),
            None => None,
        };
        Some(AuthSpec::OAuth2ClientCredentials {
            access_token_url: access_token_url?,
            client_id: client_id?,
            client_secret: client_secret?,
            scope,
            audience,
            client_auth,
            default_token_expiration,
        })
    }
}
