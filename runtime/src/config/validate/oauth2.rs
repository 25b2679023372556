//! The OAuth2 token-endpoint flows: `oauth2_client_credentials`, `oauth2_refresh_token` and
//! `oauth2_jwt_bearer`, with their shared fields (scopes, client authentication, default
//! lifetime) and the token-endpoint shaping keys (`token_body`, `access_token_path`,
//! `expires_in_path`, `expires_at_path`, `refresh_token_path`) for providers that answer
//! off the RFC 6749 shape. Key names are the macro's argument names.

use super::{Validator, join};
use crate::auth::{ClientAuth, TokenRequestFormat};
use crate::config::tree::{Node, NodeValue};
use crate::spec::AuthSpec;

pub(super) const CLIENT_CREDENTIALS_KEYS: &[&str] = &[
    "type",
    "access_token_url",
    "client_id",
    "client_secret",
    "scope",
    "audience",
    "client_auth",
    "default_token_expiration",
    "access_token_request_data",
];

pub(super) const REFRESH_TOKEN_KEYS: &[&str] = &[
    "type",
    "access_token_url",
    "client_id",
    "client_secret",
    "refresh_token",
    "scope",
    "client_auth",
    "default_token_expiration",
    "token_store",
    "token_body",
    "access_token_path",
    "expires_in_path",
    "expires_at_path",
    "refresh_token_path",
];

pub(super) const JWT_BEARER_KEYS: &[&str] = &[
    "type",
    "access_token_url",
    "issuer",
    "private_key",
    "subject",
    "audience",
    "scope",
    "key_id",
    "default_token_expiration",
    "token_body",
    "access_token_path",
    "expires_in_path",
    "expires_at_path",
];

/// `access_token_request_data` fields whose names say they authenticate: a literal value
/// there is an inline credential.
const REQUEST_DATA_CREDENTIALS: &[&str] =
    &["pass", "secret", "token", "key", "pin", "otp", "assertion"];

/// The token-endpoint shaping keys, as read.
#[derive(Default)]
struct Shape {
    token_body: Option<TokenRequestFormat>,
    access_token_path: Option<String>,
    expires_in_path: Option<String>,
    expires_at_path: Option<String>,
}

impl Validator<'_> {
    pub(super) fn client_credentials(
        &mut self,
        node: &Node,
        path: &str,
        what: &str,
    ) -> Option<AuthSpec> {
        let access_token_url = self.token_url(node, path, what);
        // dlt fills left-out credentials from `credentials`: see `dlt_credential`.
        let client_id = self.dlt_identifier(node, path, "client_id");
        let client_secret = self.dlt_credential(node, path, "client_secret", what);
        let mut scope = self.scope(node, path);
        let mut audience = self.opt_string(node, path, "audience");
        // dlt's extra token-request fields (any keys, sent as form fields on top of the
        // standard ones); `scope` and `audience` are kept where the macro keeps them.
        let mut request_data = std::collections::BTreeMap::new();
        if let Some(data) = node.get("access_token_request_data") {
            let at = join(path, "access_token_request_data");
            match data.as_table() {
                None => self.expected(data, &at, "a table of token request fields"),
                Some(entries) => {
                    for (key, value) in entries {
                        let field_at = join(&at, &key.name);
                        let lower = key.name.to_ascii_lowercase();
                        if REQUEST_DATA_CREDENTIALS.iter().any(|h| lower.contains(h)) {
                            // A credential written into the config is refused, as everywhere
                            // (its value is never repeated); such grants need a Rust flow.
                            self.problem(
                                value.span.as_ref(),
                                &field_at,
                                format!(
                                    "inline credential: `{}` in `access_token_request_data` would be written in the config",
                                    key.name
                                ),
                                Some("send credentials through an auth type that reads them from the secrets (`oauth2_refresh_token`, `oauth2_jwt_bearer`), or a custom `OAuth2Flow` in Rust".into()),
                            );
                            continue;
                        }
                        let text = match &value.value {
                            NodeValue::Null => continue, // `requests` leaves `None` out
                            NodeValue::Str(s) => s.clone(),
                            NodeValue::Bool(_) | NodeValue::Int(_) | NodeValue::Float(_) => {
                                super::resource::python_str(value)
                            }
                            _ => {
                                self.expected(value, &field_at, "a string, number or boolean");
                                continue;
                            }
                        };
                        match key.name.as_str() {
                            "scope" => scope = Some(text),
                            "audience" => audience = Some(text),
                            _ => {
                                request_data.insert(key.name.clone(), text);
                            }
                        }
                    }
                }
            }
        }
        let client_auth = self.client_auth(node, path);
        let default_token_expiration = self.opt_uint(node, path, "default_token_expiration");
        Some(AuthSpec::OAuth2ClientCredentials {
            access_token_url: access_token_url?,
            client_id: client_id?,
            client_secret: client_secret?,
            scope,
            audience,
            client_auth: client_auth?,
            default_token_expiration,
            access_token_request_data: request_data,
        })
    }

    pub(super) fn refresh_token(
        &mut self,
        node: &Node,
        path: &str,
        what: &str,
    ) -> Option<AuthSpec> {
        let access_token_url = self.token_url(node, path, what);
        let client_id = self.client_id(node, path, what);
        // A public client (RFC 6749 §2.1: a desktop or mobile app) has no secret.
        let client_secret = match node.get("client_secret") {
            Some(_) => Some(self.secret_ref(node, path, "client_secret", what)?),
            None => None,
        };
        let refresh_token = self.secret_ref(node, path, "refresh_token", what);
        let scope = self.scope(node, path);
        let client_auth = self.client_auth(node, path);
        let default_token_expiration = self.opt_uint(node, path, "default_token_expiration");
        let token_store = self.opt_string(node, path, "token_store");
        let shape = self.shape(node, path);
        let refresh_token_path = self.opt_string(node, path, "refresh_token_path");
        Some(AuthSpec::OAuth2RefreshToken {
            access_token_url: access_token_url?,
            client_id: client_id?,
            client_secret,
            refresh_token: refresh_token?,
            scope,
            client_auth: client_auth?,
            default_token_expiration,
            token_store,
            token_body: shape.token_body,
            access_token_path: shape.access_token_path,
            expires_in_path: shape.expires_in_path,
            expires_at_path: shape.expires_at_path,
            refresh_token_path,
        })
    }

    pub(super) fn jwt_bearer(&mut self, node: &Node, path: &str, what: &str) -> Option<AuthSpec> {
        let access_token_url = self.token_url(node, path, what);
        // `iss` names the service account (its client email): an identity, so plain or secret.
        let issuer = self
            .required(node, path, "issuer", what)
            .and_then(|n| self.maybe_secret(n, &join(path, "issuer")));
        let private_key = self.secret_ref(node, path, "private_key", what);
        let subject = self.opt_string(node, path, "subject");
        let audience = self.opt_string(node, path, "audience");
        let scope = self.scope(node, path);
        let key_id = self.opt_string(node, path, "key_id");
        let default_token_expiration = self.opt_uint(node, path, "default_token_expiration");
        let shape = self.shape(node, path);
        Some(AuthSpec::OAuth2JwtBearer {
            access_token_url: access_token_url?,
            issuer: issuer?,
            private_key: private_key?,
            subject,
            audience,
            scope,
            key_id,
            default_token_expiration,
            token_body: shape.token_body,
            access_token_path: shape.access_token_path,
            expires_in_path: shape.expires_in_path,
            expires_at_path: shape.expires_at_path,
        })
    }

    fn token_url(&mut self, node: &Node, path: &str, what: &str) -> Option<String> {
        self.required(node, path, "access_token_url", what)
            .and_then(|n| self.url(n, &join(path, "access_token_url")))
    }

    /// The client id identifies (RFC 6749 §2.2 calls it public): plain or secret.
    fn client_id(
        &mut self,
        node: &Node,
        path: &str,
        what: &str,
    ) -> Option<crate::spec::MaybeSecret> {
        self.required(node, path, "client_id", what)
            .and_then(|n| self.maybe_secret(n, &join(path, "client_id")))
    }

    /// dlt writes scopes as a list; the token request sends them space-separated.
    fn scope(&mut self, node: &Node, path: &str) -> Option<String> {
        let n = node.get("scope")?;
        Some(self.strings(n, &join(path, "scope"))?.join(" "))
    }

    fn client_auth(&mut self, node: &Node, path: &str) -> Option<ClientAuth> {
        let Some(n) = node.get("client_auth") else {
            return Some(ClientAuth::default());
        };
        match self.choice(
            n,
            &join(path, "client_auth"),
            "client auth",
            &["body", "basic"],
        )? {
            "basic" => Some(ClientAuth::Basic),
            _ => Some(ClientAuth::Body),
        }
    }

    fn shape(&mut self, node: &Node, path: &str) -> Shape {
        let token_body = node.get("token_body").and_then(|n| {
            let at = join(path, "token_body");
            match self.choice(n, &at, "token request body", &["form", "json"])? {
                "json" => Some(TokenRequestFormat::Json),
                _ => Some(TokenRequestFormat::Form),
            }
        });
        Shape {
            token_body,
            access_token_path: self.opt_string(node, path, "access_token_path"),
            expires_in_path: self.opt_string(node, path, "expires_in_path"),
            expires_at_path: self.opt_string(node, path, "expires_at_path"),
        }
    }
}
