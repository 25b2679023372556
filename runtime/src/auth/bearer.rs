//! `Authorization: Bearer <token>`.

use std::fmt;

use reqwest::Request;
use reqwest::header::AUTHORIZATION;

use super::{Auth, AuthContext, sensitive_header};
use crate::{Result, Secret};

/// A static bearer token (dlt `type = "bearer"`): `Authorization: Bearer <token>` on every
/// request.
///
/// ```
/// use rest_source_runtime::{BearerToken, Secret};
/// let auth = BearerToken::new(Secret::new("t0ken"));
/// assert_eq!(format!("{auth:?}"), "BearerToken { token: Secret([REDACTED]) }");
/// ```
#[derive(Clone)]
pub struct BearerToken {
    token: Secret,
}

impl BearerToken {
    /// A bearer strategy sending `token`.
    pub fn new(token: impl Into<Secret>) -> Self {
        BearerToken {
            token: token.into(),
        }
    }
}

impl fmt::Debug for BearerToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BearerToken")
            .field("token", &self.token)
            .finish()
    }
}

impl Auth for BearerToken {
    async fn sign(&self, request: &mut Request, _cx: &AuthContext) -> Result<()> {
        let value = sensitive_header("bearer", &format!("Bearer {}", self.token.expose()))?;
        request.headers_mut().insert(AUTHORIZATION, value);
        Ok(())
    }

    fn scheme(&self) -> &'static str {
        "bearer"
    }
}
