//! `offset`: `offset`/`limit` query parameters.

use url::Url;

use super::totals::{echoed_limit, header_total};
use super::{PageResponse, Paginator, common_stop, set_body_value, set_query_param};
use crate::error::{Error, Result};
use crate::report::StopReason;
use crate::resource::select::JsonPath;
use crate::spec::OffsetPaginator;
use rest_source_spec::validate::paginator;

/// Asks for `limit` records per page and advances the offset by the records each page
/// actually held, so a server that serves fewer than asked (a capped page size) loses
/// nothing.
///
/// Stops on an empty page (`stop_after_empty_page`), when `has_more_path` is `false`, at
/// `maximum_offset`, and when the offset reaches the total the server states (at
/// `total_path`, in the `total_header`, or in a `Content-Range`). Without a total, a page
/// shorter than the page size the server serves ends the stream; what the server serves is
/// the size it echoes back (a `limit` field), else the largest page seen so far — so when
/// the *first* page is short and nothing tells why, one more page is requested to tell a
/// capped page size from the end of the data.
#[derive(Debug)]
pub struct Offset {
    spec: OffsetPaginator,
    offset: u64,
    total_path: Option<JsonPath>,
    has_more: Option<JsonPath>,
    /// The latest total the server stated.
    total: Option<u64>,
    /// The largest page seen.
    largest: u64,
    stop: StopReason,
}

impl Offset {
    /// From the spec; fails on an invalid JSON path.
    pub fn new(spec: &OffsetPaginator) -> Result<Self> {
        // The front ends' rule, for paginators built by hand.
        if let Some(problem) = paginator::first_problem(&spec.clone().into()) {
            return Err(Error::Config(problem));
        }
        Ok(Offset {
            offset: spec.offset,
            total_path: spec
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
            total: None,
            largest: 0,
            stop: StopReason::NoNextPage,
        })
    }

    /// `base` with the offset and limit query parameters (those not sent in the body).
    fn url_at(&self, base: &Url, offset: u64) -> Url {
        let mut url = base.clone();
        if self.spec.offset_body_path.is_none() {
            set_query_param(&mut url, &self.spec.offset_param, &offset.to_string());
        }
        if self.spec.limit_body_path.is_none() {
            set_query_param(
                &mut url,
                &self.spec.limit_param,
                &self.spec.limit.to_string(),
            );
        }
        url
    }

    /// The total this page states: the body's `total_path`, else the headers.
    fn stated_total(&self, page: &PageResponse<'_>) -> Option<u64> {
        self.total_path
            .as_ref()
            .and_then(|p| as_u64(p.get(page.body)?))
            .or_else(|| header_total(page.headers, self.spec.total_header.as_deref()))
    }

    /// Where the data ends: the total, capped by `maximum_offset`.
    fn end(&self) -> Option<u64> {
        match (self.total, self.spec.maximum_offset) {
            (Some(t), Some(m)) => Some(t.min(m)),
            (t, m) => t.or(m),
        }
    }

    fn stop(&mut self, reason: StopReason) -> Result<Option<Url>> {
        self.stop = reason;
        Ok(None)
    }
}

impl Paginator for Offset {
    fn init_request(&mut self, url: &mut Url) {
        *url = self.url_at(url, self.offset);
    }

    fn next_request(&mut self, page: &PageResponse<'_>) -> Result<Option<Url>> {
        if let Some(total) = self.stated_total(page) {
            self.total = Some(total);
        }
        if let Some(reason) = common_stop(
            page,
            self.has_more.as_ref(),
            self.spec.stop_after_empty_page,
        ) {
            return self.stop(reason);
        }
        let n = page.records as u64;
        let largest_before = self.largest;
        self.largest = self.largest.max(n);
        // An empty page (kept going past by `stop_after_empty_page = false`) moves on by the
        // limit, as dlt does; any other by what it held.
        self.offset = self
            .offset
            .saturating_add(if n == 0 { self.spec.limit } else { n });
        if let Some(total) = self.total {
            if self.offset >= total {
                return self.stop(StopReason::TotalReached);
            }
        } else if n < self.spec.limit {
            let serves = echoed_limit(page.body, &self.spec.limit_param)
                .filter(|e| *e > 0 && *e < self.spec.limit);
            let short = match serves {
                Some(page_size) => n < page_size,
                // Short against what the server served before; on the first page, a probe.
                None => n == 0 || (largest_before > 0 && n < largest_before),
            };
            if short {
                return self.stop(if n == 0 {
                    StopReason::EmptyPage
                } else {
                    StopReason::ShortPage
                });
            }
        }
        if self
            .spec
            .maximum_offset
            .is_some_and(|max| self.offset >= max)
        {
            return self.stop(StopReason::MaximumReached);
        }
        Ok(Some(self.url_at(page.url, self.offset)))
    }

    /// With a total: every offset from the next one below the total (and `maximum_offset`),
    /// one page size apart — the page size the server served on this first page, which is
    /// less than `limit` when it caps it. Exactly the URLs `next_request` would return when
    /// every page holds that many records.
    /// (Not when the offset or limit goes in the body: the plan is of URLs.)
    fn upcoming(&self, page: &PageResponse<'_>) -> Option<Box<dyn Iterator<Item = Url> + Send>> {
        if self.spec.offset_body_path.is_some() || self.spec.limit_body_path.is_some() {
            return None;
        }
        let end = self.total.and(self.end())?;
        let step = match page.records as u64 {
            0 => self.spec.limit,
            n => n.min(self.spec.limit),
        };
        let (base, spec) = (page.url.clone(), self.spec.clone());
        let offsets = (self.offset..end).step_by(usize::try_from(step).ok()?);
        Some(Box::new(offsets.map(move |offset| {
            let mut url = base.clone();
            set_query_param(&mut url, &spec.offset_param, &offset.to_string());
            set_query_param(&mut url, &spec.limit_param, &spec.limit.to_string());
            url
        })))
    }

    fn update_body(&self, body: &mut Option<serde_json::Value>) -> bool {
        if let Some(path) = &self.spec.offset_body_path {
            set_body_value(body, path, self.offset.into());
        }
        if let Some(path) = &self.spec.limit_body_path {
            set_body_value(body, path, self.spec.limit.into());
        }
        self.spec.offset_body_path.is_some() || self.spec.limit_body_path.is_some()
    }

    fn kind(&self) -> &'static str {
        "offset"
    }

    fn stop_reason(&self) -> StopReason {
        self.stop
    }

    /// The records from the first offset to the total (or `maximum_offset`).
    fn expected_records(&self) -> Option<u64> {
        self.total?;
        Some(self.end()?.saturating_sub(self.spec.offset))
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
