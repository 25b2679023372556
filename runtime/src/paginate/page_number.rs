//! `page_number`: a page number query parameter.

use url::Url;

use super::offset::as_u64;
use super::{PageResponse, Paginator, common_stop, set_query_param};
use crate::error::{Error, Result};
use crate::select::JsonPath;
use crate::spec::PageNumberPaginator;

/// Counts pages up from `page` (default `base_page`). Stops on an empty page
/// (`stop_after_empty_page`), when `has_more_path` is `false`, after the last page given by
/// the total page count at `total_path` (pages `base_page ..= base_page + total - 1`), and —
/// as dlt does — before requesting page `maximum_page`.
#[derive(Debug)]
pub struct PageNumber {
    spec: PageNumberPaginator,
    page: u64,
    total: Option<JsonPath>,
    has_more: Option<JsonPath>,
}

impl PageNumber {
    /// From the spec; fails on an invalid JSON path.
    pub fn new(spec: &PageNumberPaginator) -> Result<Self> {
        if !spec.stop_after_empty_page
            && spec.total_path.is_none()
            && spec.maximum_page.is_none()
            && spec.has_more_path.is_none()
        {
            return Err(Error::Config(
                "the page_number paginator has no way to stop: with `stop_after_empty_page = \
                 false`, set `total_path`, `maximum_page` or `has_more_path`"
                    .into(),
            ));
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
        })
    }
}

impl Paginator for PageNumber {
    fn init_request(&mut self, url: &mut Url) {
        set_query_param(url, &self.spec.page_param, &self.page.to_string());
    }

    fn next_request(&mut self, page: &PageResponse<'_>) -> Result<Option<Url>> {
        if common_stop(
            page,
            self.has_more.as_ref(),
            self.spec.stop_after_empty_page,
        ) {
            return Ok(None);
        }
        self.page += 1;
        if let Some(total) = self.total.as_ref().and_then(|p| as_u64(p.get(page.body)?))
            && self.page >= self.spec.base_page + total
        {
            return Ok(None);
        }
        if self.spec.maximum_page.is_some_and(|max| self.page >= max) {
            return Ok(None);
        }
        let mut next = page.url.clone();
        set_query_param(&mut next, &self.spec.page_param, &self.page.to_string());
        Ok(Some(next))
    }

    /// With a total page count: every page number from the next one to the last (and below
    /// `maximum_page`). Exactly the URLs `next_request` would return page after page.
    fn upcoming(&self, page: &PageResponse<'_>) -> Option<Box<dyn Iterator<Item = Url> + Send>> {
        let total = self
            .total
            .as_ref()
            .and_then(|p| as_u64(p.get(page.body)?))?;
        let last = self.spec.base_page.saturating_add(total);
        let end = self.spec.maximum_page.map_or(last, |max| max.min(last));
        let (base, param) = (page.url.clone(), self.spec.page_param.clone());
        Some(Box::new((self.page..end).map(move |n| {
            let mut url = base.clone();
            set_query_param(&mut url, &param, &n.to_string());
            url
        })))
    }
}
