//! `json_link`: the next page's URL is in the response body.

use url::Url;

use super::{BodyStart, PageResponse, Paginator, common_stop, scalar_at_start};
use crate::error::{Error, Result};
use crate::report::StopReason;
use crate::resource::select::JsonPath;
use crate::spec::JsonLinkPaginator;

/// Follows the URL at `next_url_path` (absolute, or relative to the current page); a
/// missing, null or empty value ends the stream.
#[derive(Debug)]
pub struct JsonLink {
    next_url_path: JsonPath,
    has_more: Option<JsonPath>,
    stop_after_empty_page: bool,
    stop: StopReason,
}

impl JsonLink {
    /// From the spec; fails on an invalid JSON path.
    pub fn new(spec: &JsonLinkPaginator) -> Result<Self> {
        Ok(JsonLink {
            next_url_path: JsonPath::parse(&spec.next_url_path)?,
            has_more: spec
                .has_more_path
                .as_deref()
                .map(JsonPath::parse)
                .transpose()?,
            stop_after_empty_page: spec.stop_after_empty_page,
            stop: StopReason::NoNextPage,
        })
    }
}

impl Paginator for JsonLink {
    fn next_request(&mut self, page: &PageResponse<'_>) -> Result<Option<Url>> {
        if let Some(reason) = common_stop(page, self.has_more.as_ref(), self.stop_after_empty_page)
        {
            self.stop = reason;
            return Ok(None);
        }
        match self.next_url_path.get(page.body) {
            None | Some(serde_json::Value::Null) => Ok(None),
            Some(serde_json::Value::String(s)) if s.trim().is_empty() => Ok(None),
            Some(serde_json::Value::String(s)) => resolve_link(page.url, s.trim()).map(Some),
            Some(other) => Err(Error::protocol(
                page.url,
                format!(
                    "the json_link paginator's `next_url_path` `{}` holds {}, expected a URL \
                     string or null; check `next_url_path` (or use the `cursor` paginator for \
                     cursor values)",
                    self.next_url_path,
                    kind(other)
                ),
            )),
        }
    }

    /// The link, when it comes before the records (`{"next": "…", "data": […]}`) and no
    /// `has_more_path` or `stop_after_empty_page` could end the stream first.
    fn next_from_body_start(&self, url: &Url, start: &[u8]) -> BodyStart {
        if self.has_more.is_some() || self.stop_after_empty_page {
            return BodyStart::Unknown;
        }
        match scalar_at_start(start, &self.next_url_path) {
            Ok(link) if !link.trim().is_empty() => match resolve_link(url, link.trim()) {
                Ok(next) => BodyStart::Next(next),
                Err(_) => BodyStart::Unknown,
            },
            Ok(_) => BodyStart::Unknown,
            Err(hint) => hint,
        }
    }

    fn kind(&self) -> &'static str {
        "json_link"
    }

    fn stop_reason(&self) -> StopReason {
        self.stop
    }
}

/// Resolves a next link against the current page URL (RFC 3986), as browsers and dlt do.
pub(crate) fn resolve_link(current: &Url, link: &str) -> Result<Url> {
    current.join(link).map_err(|e| {
        Error::protocol(
            current,
            format!(
                "the next-page link is not a valid URL ({e}); expected an absolute URL or a path"
            ),
        )
    })
}

pub(crate) fn kind(v: &serde_json::Value) -> &'static str {
    match v {
        serde_json::Value::Null => "null",
        serde_json::Value::Bool(_) => "a boolean",
        serde_json::Value::Number(_) => "a number",
        serde_json::Value::String(_) => "a string",
        serde_json::Value::Array(_) => "an array",
        serde_json::Value::Object(_) => "an object",
    }
}
