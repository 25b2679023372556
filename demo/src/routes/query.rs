//! Query-string parameters, decoded on demand.

use std::borrow::Cow;

use url::form_urlencoded;

use crate::respond::{self, Resp};

/// The largest page any endpoint serves; larger `limit`s are clamped to it.
pub(super) const MAX_PAGE: u64 = 1000;
/// The page size when none is asked for.
pub(super) const DEFAULT_PAGE: u64 = 100;

pub(super) struct Query<'a>(&'a str);

impl<'a> Query<'a> {
    pub(super) fn new(query: Option<&'a str>) -> Self {
        Query(query.unwrap_or(""))
    }

    pub(super) fn get(&self, name: &str) -> Option<Cow<'a, str>> {
        form_urlencoded::parse(self.0.as_bytes())
            .find(|(k, _)| k == name)
            .map(|(_, v)| v)
    }

    /// A whole number `>= min`, or `default` when absent.
    pub(super) fn number(&self, name: &str, default: u64, min: u64) -> Result<u64, Resp> {
        let Some(raw) = self.get(name) else {
            return Ok(default);
        };
        match raw.parse::<u64>() {
            Ok(n) if n >= min => Ok(n),
            _ => Err(respond::bad_parameter(&format!(
                "`{name}` must be a whole number of at least {min}, got `{raw}`"
            ))),
        }
    }

    /// The page size from `name` (default 100, clamped to 1000).
    pub(super) fn page_size(&self, name: &str) -> Result<u64, Resp> {
        Ok(self.number(name, DEFAULT_PAGE, 1)?.min(MAX_PAGE))
    }
}

/// Percent-encodes a query value.
pub(super) fn encode(value: &str) -> String {
    form_urlencoded::byte_serialize(value.as_bytes()).collect()
}
