//! No credentials at all (public endpoints).

use reqwest::Request;

use super::{Auth, AuthContext};
use crate::Result;

/// Sends requests as they are (dlt: no `auth`). Used for public endpoints, or with
/// `#[auth(none)]` on one resource of an authenticated source.
#[derive(Clone, Copy, Debug, Default)]
pub struct NoAuth;

impl Auth for NoAuth {
    async fn sign(&self, _request: &mut Request, _cx: &AuthContext) -> Result<()> {
        Ok(())
    }

    fn scheme(&self) -> &'static str {
        "none"
    }
}
