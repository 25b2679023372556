//! HTTP Basic (RFC 7617).

use std::fmt;

use base64::Engine;
use reqwest::Request;
use reqwest::header::AUTHORIZATION;

use super::{Auth, AuthContext, sensitive_header};
use crate::{Result, Secret};

/// HTTP Basic auth (dlt `type = "http_basic"`):
/// `Authorization: Basic base64(username:password)`.
#[derive(Clone)]
pub struct HttpBasic {
    username: Secret,
    password: Secret,
}

impl HttpBasic {
    /// Basic auth with `username` and `password` (the username may be a plain string).
    pub fn new(username: impl Into<Secret>, password: impl Into<Secret>) -> Self {
        HttpBasic {
            username: username.into(),
            password: password.into(),
        }
    }

    /// The `Basic …` header value for a username and password.
    pub(crate) fn header_value(username: &str, password: &str) -> String {
        let raw = format!("{username}:{password}");
        format!(
            "Basic {}",
            base64::engine::general_purpose::STANDARD.encode(raw)
        )
    }
}

impl fmt::Debug for HttpBasic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HttpBasic")
            .field("username", &self.username)
            .field("password", &self.password)
            .finish()
    }
}

impl Auth for HttpBasic {
    async fn sign(&self, request: &mut Request, _cx: &AuthContext) -> Result<()> {
        let value = sensitive_header(
            "http_basic",
            &Self::header_value(self.username.expose(), self.password.expose()),
        )?;
        request.headers_mut().insert(AUTHORIZATION, value);
        Ok(())
    }

    fn scheme(&self) -> &'static str {
        "http_basic"
    }
}
