//! `page_number`: a page number query parameter.

use url::Url;

use super::offset::as_u64;
use super::totals::{header_total, last_page};
use super::{PageResponse, Paginator, common_stop, set_body_value, set_query_param};
use crate::error::{Error, Result};
use crate::report::StopReason;
use crate::resource::select::JsonPath;
use crate::spec::PageNumberPaginator;
use rest_source_spec::validate::paginator;

/// Counts pages up from `page` (default `base_page`). Stops on an empty page
/// (`stop_after_empty_page`), when `has_more_path` is `false`, after the last page — given by
/// the total page count at `total_path` (pages `base_page ..= base_page + total - 1`), by the
/// total number of *records* in the `total_header` or a `Content-Range` (pages of the first
/// page's size), or by a `Link: <…>; rel="last"` — and, as dlt does, before requesting page
/// `maximum_page`.
#[derive(Debug)]
pub struct PageNumber {
    spec: PageNumberPaginator,
    page: u64,
    total: Option<JsonPath>,
    has_more: Option<JsonPath>,
    /// Records the server stated (from headers), and the first page's size.
    records_total: Option<u64>,
    page_size: Option<u64>,
    received: u64,
    stop: StopReason,
}

impl PageNumber {
    /// From the spec; fails on an invalid JSON path.
    pub fn new(spec: &PageNumberPaginator) -> Result<Self> {
        // The front ends' rule, for paginators built by hand.
        if let Some(problem) = paginator::first_problem(&spec.clone().into()) {
            return Err(Error::Config(problem));
        }
        Ok(PageNumber {
            page: spec.page.unwrap_or(spec.base_page),
            total: spec
                .total_path
                .as_deref()
                .map(JsonPath::parse)
                .transpose()?,
            has_more: spec
                .has_more_path
                .as_deref()
                .map(JsonPath::parse)
                .transpose()?,
            spec: spec.clone(),
            records_total: None,
            page_size: None,
            received: 0,
            stop: StopReason::NoNextPage,
        })
    }

    /// The number one past the last page, from what `page` states.
    fn end(&self, page: &PageResponse<'_>) -> Option<u64> {
        if let Some(pages) = self.total.as_ref().and_then(|p| as_u64(p.get(page.body)?)) {
            return Some(self.spec.base_page.saturating_add(pages));
        }
        if let (Some(records), Some(size)) = (self.records_total, self.page_size) {
            return Some(self.spec.base_page.saturating_add(records.div_ceil(size)));
        }
        last_page(page.headers, page.url, &self.spec.page_param).map(|last| last.saturating_add(1))
    }

    fn stop(&mut self, reason: StopReason) -> Result<Option<Url>> {
        self.stop = reason;
        Ok(None)
    }
}

impl Paginator for PageNumber {
    fn init_request(&mut self, url: &mut Url) {
        if self.spec.page_body_path.is_none() {
            set_query_param(url, &self.spec.page_param, &self.page.to_string());
        }
    }

    fn update_body(&self, body: &mut Option<serde_json::Value>) -> bool {
        let Some(path) = &self.spec.page_body_path else {
            return false;
        };
        set_body_value(body, path, self.page.into());
        true
    }

    fn next_request(&mut self, page: &PageResponse<'_>) -> Result<Option<Url>> {
        self.received += page.records as u64;
        if let Some(t) = header_total(page.headers, self.spec.total_header.as_deref()) {
            self.records_total = Some(t);
        }
        if self.page_size.is_none() && page.records > 0 {
            self.page_size = Some(page.records as u64);
        }
        if let Some(reason) = common_stop(
            page,
            self.has_more.as_ref(),
            self.spec.stop_after_empty_page,
        ) {
            return self.stop(reason);
        }
        self.page = self.page.saturating_add(1);
        if self.records_total.is_some_and(|t| self.received >= t)
            || self.end(page).is_some_and(|end| self.page >= end)
        {
            return self.stop(StopReason::TotalReached);
        }
        if self.spec.maximum_page.is_some_and(|max| self.page >= max) {
            return self.stop(StopReason::MaximumReached);
        }
        let mut next = page.url.clone();
        if self.spec.page_body_path.is_none() {
            set_query_param(&mut next, &self.spec.page_param, &self.page.to_string());
        }
        Ok(Some(next))
    }

    /// With a total: every page number from the next one to the last (and below
    /// `maximum_page`). Exactly the URLs `next_request` would return page after page.
    /// (Not when the page number goes in the body: the plan is of URLs.)
    fn upcoming(&self, page: &PageResponse<'_>) -> Option<Box<dyn Iterator<Item = Url> + Send>> {
        if self.spec.page_body_path.is_some() {
            return None;
        }
        let last = self.end(page)?;
        let end = self.spec.maximum_page.map_or(last, |max| max.min(last));
        let (base, param) = (page.url.clone(), self.spec.page_param.clone());
        Some(Box::new((self.page..end).map(move |n| {
            let mut url = base.clone();
            set_query_param(&mut url, &param, &n.to_string());
            url
        })))
    }

    fn kind(&self) -> &'static str {
        "page_number"
    }

    fn stop_reason(&self) -> StopReason {
        self.stop
    }

    /// The records stated in the headers, when paging started at the first page and no
    /// `maximum_page` cuts it short.
    fn expected_records(&self) -> Option<u64> {
        let from_start = self.spec.page.unwrap_or(self.spec.base_page) == self.spec.base_page;
        (from_start && self.stop != StopReason::MaximumReached)
            .then_some(self.records_total)
            .flatten()
    }
}
