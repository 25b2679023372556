//! `header_cursor`: a cursor from a response header is sent back as a query parameter.

use url::Url;

use super::{PageResponse, Paginator, set_query_param};
use crate::error::Result;
use crate::spec::HeaderCursorPaginator;

/// Sends the value of the response header `cursor_key` as the query parameter
/// `cursor_param` (dlt's `HeaderCursorPaginator`); a missing header ends the stream. An empty
/// one ends it too (dlt would send `cursor=` and, on most APIs, start over), and a repeated
/// cursor is caught by the page loop's guard.
#[derive(Debug)]
pub struct HeaderCursor {
    cursor_key: String,
    cursor_param: String,
}

impl HeaderCursor {
    /// From the spec.
    pub fn new(spec: &HeaderCursorPaginator) -> Self {
        HeaderCursor {
            cursor_key: spec.cursor_key.clone(),
            cursor_param: spec.cursor_param.clone(),
        }
    }
}

impl Paginator for HeaderCursor {
    fn next_request(&mut self, page: &PageResponse<'_>) -> Result<Option<Url>> {
        let cursor = page
            .headers
            .get(self.cursor_key.as_str())
            .map(|v| String::from_utf8_lossy(v.as_bytes()).trim().to_owned())
            .filter(|c| !c.is_empty());
        Ok(cursor.map(|cursor| {
            let mut next = page.url.clone();
            set_query_param(&mut next, &self.cursor_param, &cursor);
            next
        }))
    }

    fn kind(&self) -> &'static str {
        "header_cursor"
    }
}
