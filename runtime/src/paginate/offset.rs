//! `offset`: `offset`/`limit` query parameters.

use url::Url;

use super::{PageResponse, Paginator, common_stop, set_query_param};
use crate::error::{Error, Result};
use crate::select::JsonPath;
use crate::spec::OffsetPaginator;

/// Adds `limit` to the offset after each page. Stops on a page shorter than `limit`, on an
/// empty page (`stop_after_empty_page`), when `has_more_path` is `false`, at
/// `maximum_offset`, and when the offset reaches the total at `total_path` (a missing or null
/// total is ignored).
#[derive(Debug)]
pub struct Offset {
    spec: OffsetPaginator,
    offset: u64,
    total: Option<JsonPath>,
    has_more: Option<JsonPath>,
}

impl Offset {
    /// From the spec; fails on an invalid JSON path.
    pub fn new(spec: &OffsetPaginator) -> Result<Self> {
        if spec.limit == 0 {
            return Err(Error::Config(
                "the offset paginator's `limit` is 0; expected the page size, for example 100"
                    .into(),
            ));
        }
        Ok(Offset {
            offset: spec.offset,
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

    fn apply(&self, url: &mut Url) {
        set_query_param(url, &self.spec.offset_param, &self.offset.to_string());
        set_query_param(url, &self.spec.limit_param, &self.spec.limit.to_string());
    }
}

impl Paginator for Offset {
    fn init_request(&mut self, url: &mut Url) {
        self.apply(url);
    }

    fn next_request(&mut self, page: &PageResponse<'_>) -> Result<Option<Url>> {
        if common_stop(
            page,
            self.has_more.as_ref(),
            self.spec.stop_after_empty_page,
        ) {
            return Ok(None);
        }
        let total = self.total.as_ref().and_then(|p| as_u64(p.get(page.body)?));
        self.offset += self.spec.limit.max(1);
        if (page.records as u64) < self.spec.limit || total.is_some_and(|t| self.offset >= t) {
            return Ok(None);
        }
        if self
            .spec
            .maximum_offset
            .is_some_and(|max| self.offset >= max)
        {
            return Ok(None);
        }
        let mut next = page.url.clone();
        self.apply(&mut next);
        Ok(Some(next))
    }

    /// With a total: every offset from the next one, `limit` apart, below the total (and
    /// `maximum_offset`). Exactly the URLs `next_request` would return when every page is full.
    fn upcoming(&self, page: &PageResponse<'_>) -> Option<Box<dyn Iterator<Item = Url> + Send>> {
        let total = self
            .total
            .as_ref()
            .and_then(|p| as_u64(p.get(page.body)?))?;
        let end = self.spec.maximum_offset.map_or(total, |max| max.min(total));
        let step = self.spec.limit.max(1);
        let (base, spec) = (page.url.clone(), self.spec.clone());
        let offsets = (self.offset..end).step_by(usize::try_from(step).ok()?);
        Some(Box::new(offsets.map(move |offset| {
            let mut url = base.clone();
            set_query_param(&mut url, &spec.offset_param, &offset.to_string());
            set_query_param(&mut url, &spec.limit_param, &spec.limit.to_string());
            url
        })))
    }
}

/// A count from JSON: a non-negative integer or a string holding one (`null` → `None`).
pub(crate) fn as_u64(v: &serde_json::Value) -> Option<u64> {
    match v {
        serde_json::Value::Number(n) => {
            n.as_u64().or_else(|| n.as_f64().map(|f| f.max(0.0) as u64))
        }
        serde_json::Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}
