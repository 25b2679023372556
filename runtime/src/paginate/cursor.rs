//! `cursor`: a cursor from the body is sent back as a query parameter.

use serde_json::Value;
use url::Url;

use super::json_link::kind;
use super::{
    BodyStart, PageResponse, Paginator, common_stop, scalar_at_start, set_body_value,
    set_query_param,
};
use crate::error::{Error, Result};
use crate::report::StopReason;
use crate::resource::select::JsonPath;
use crate::spec::CursorPaginator;

/// Sends the value at `cursor_path` as `cursor_param`; a missing, null or empty cursor ends
/// the stream (a repeated one is caught by the page loop's guard).
#[derive(Debug)]
pub struct Cursor {
    cursor_path: JsonPath,
    cursor_param: String,
    has_more: Option<JsonPath>,
    stop_after_empty_page: bool,
    /// `cursor_body_path`, and the cursor to write there.
    body_path: Option<String>,
    current: Option<Value>,
    stop: StopReason,
}

impl Cursor {
    /// From the spec; fails on an invalid JSON path.
    pub fn new(spec: &CursorPaginator) -> Result<Self> {
        Ok(Cursor {
            cursor_path: JsonPath::parse(&spec.cursor_path)?,
            cursor_param: spec.cursor_param.clone(),
            has_more: spec
                .has_more_path
                .as_deref()
                .map(JsonPath::parse)
                .transpose()?,
            stop_after_empty_page: spec.stop_after_empty_page,
            body_path: spec.cursor_body_path.clone(),
            current: None,
            stop: StopReason::NoNextPage,
        })
    }
}

impl Paginator for Cursor {
    fn next_request(&mut self, page: &PageResponse<'_>) -> Result<Option<Url>> {
        if let Some(reason) = common_stop(page, self.has_more.as_ref(), self.stop_after_empty_page)
        {
            self.stop = reason;
            return Ok(None);
        }
        let found = self.cursor_path.get(page.body);
        let cursor = match found {
            None | Some(Value::Null) => return Ok(None),
            Some(Value::String(s)) if s.is_empty() => return Ok(None),
            Some(Value::String(s)) => s.clone(),
            Some(n @ Value::Number(_)) => n.to_string(),
            Some(other) => {
                return Err(Error::protocol(
                    page.url,
                    format!(
                        "the cursor paginator's `cursor_path` `{}` holds {}, expected a string \
                         or number cursor (or null at the end)",
                        self.cursor_path,
                        kind(other)
                    ),
                ));
            }
        };
        let mut next = page.url.clone();
        if self.body_path.is_some() {
            // Sent in the body as the response gave it (a number stays a number).
            self.current = found.cloned();
        } else {
            set_query_param(&mut next, &self.cursor_param, &cursor);
        }
        Ok(Some(next))
    }

    /// With `cursor_body_path`: the cursor goes into the JSON body (none on the first
    /// request, as in dlt).
    fn update_body(&self, body: &mut Option<Value>) -> bool {
        let Some(path) = &self.body_path else {
            return false;
        };
        if let Some(cursor) = &self.current {
            set_body_value(body, path, cursor.clone());
        }
        true
    }

    /// The next URL, when the cursor comes before the records and is sent as a query
    /// parameter (not with `cursor_body_path`, `has_more_path` or `stop_after_empty_page`).
    fn next_from_body_start(&self, url: &Url, start: &[u8]) -> BodyStart {
        if self.body_path.is_some() || self.has_more.is_some() || self.stop_after_empty_page {
            return BodyStart::Unknown;
        }
        match scalar_at_start(start, &self.cursor_path) {
            Ok(cursor) if !cursor.is_empty() => {
                let mut next = url.clone();
                set_query_param(&mut next, &self.cursor_param, &cursor);
                BodyStart::Next(next)
            }
            Ok(_) => BodyStart::Unknown,
            Err(hint) => hint,
        }
    }

    fn kind(&self) -> &'static str {
        "cursor"
    }

    fn stop_reason(&self) -> StopReason {
        self.stop
    }
}
