//! One share's range of an addressable resource's pages: a [`Paginator`] around the
//! resource's own `offset` or `page_number` paginator.
//!
//! Every share requests the first page, where the wrapped paginator learns the total and
//! plans every later page ([`Paginator::upcoming`]). The plan numbers the pages `0..P`;
//! this share requests only the pages of its [`Partition::page_range`]. The share that owns
//! page 0 keeps its records; the others drop them (through the [`Discard`] signal the page
//! loop reads), so each record is yielded by exactly one share.
//!
//! The split holds as long as the plan does. For `offset`, where each page starts at a
//! record position, a page other than the last that holds fewer or more records than the
//! first would leave a gap or an overlap between shares, so it is an error (a warning under
//! `completeness = "warn"`). At the end, each share checks the records of its range against
//! the total the first page stated.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use url::Url;

use super::{Partition, PartitionReport, Split};
use crate::error::{Error, Result};
use crate::paginate::{PageResponse, Paginator};
use crate::report::{StopReason, Tally, lock};
use crate::spec::Completeness;

/// Set by [`SharePages`] when the page it was just given belongs to another share: the
/// page loop then drops that page's records.
#[derive(Clone, Debug, Default)]
pub(crate) struct Discard(Arc<AtomicBool>);

impl Discard {
    /// Whether the last page is to be dropped (and clears the signal).
    pub(crate) fn take(&self) -> bool {
        self.0.swap(false, Ordering::AcqRel)
    }

    fn set(&self) {
        self.0.store(true, Ordering::Release);
    }
}

/// More pages than this are not planned: a first page that states such a total is
/// refused rather than skipped through.
const MAX_PLANNED_PAGES: u64 = 100_000_000;

/// The plan, once the first page told it.
#[derive(Clone, Copy, Debug)]
struct Plan {
    /// Pages of the whole resource, and this share's range of them.
    pages: u64,
    first: u64,
    end: u64,
    /// The records of page 0: every page but the last holds as many.
    page_size: u64,
    /// The records of the whole resource, as the first page stated.
    whole: Option<u64>,
}

impl Plan {
    /// The records this share's pages hold when every page but the last holds
    /// `page_size` and the last the rest of `whole`.
    fn expected(&self) -> Option<u64> {
        let whole = self.whole?;
        let at = |page: u64| {
            if page >= self.pages {
                whole
            } else {
                whole.min(page.saturating_mul(self.page_size))
            }
        };
        Some(at(self.end).saturating_sub(at(self.first)))
    }
}

enum State {
    /// Before the first page.
    First,
    /// Not splittable: this share (0) pages on with the wrapped paginator.
    Whole,
    /// In this share's range: the page (full index) returned last, and the URLs after it.
    Split {
        current: u64,
        rest: Box<dyn Iterator<Item = Url> + Send>,
    },
    /// Nothing more for this share.
    Done(StopReason),
}

/// One share's pages. See the [module docs](self).
pub(crate) struct SharePages {
    inner: Box<dyn Paginator>,
    partition: Partition,
    /// `offset`: a page other than the last must hold as many records as the first.
    equal_pages: bool,
    completeness: Completeness,
    resource: String,
    tally: Arc<Mutex<Tally>>,
    discard: Discard,
    state: State,
    plan: Option<Plan>,
    /// Whether `upcoming` may still plan (right after the first page only).
    fresh: bool,
}

impl std::fmt::Debug for SharePages {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SharePages")
            .field("partition", &self.partition)
            .field("kind", &self.inner.kind())
            .field("plan", &self.plan)
            .finish_non_exhaustive()
    }
}

impl SharePages {
    pub(crate) fn new(
        inner: Box<dyn Paginator>,
        partition: Partition,
        equal_pages: bool,
        completeness: Completeness,
        resource: &str,
        tally: Arc<Mutex<Tally>>,
        discard: Discard,
    ) -> Self {
        SharePages {
            inner,
            partition,
            equal_pages,
            completeness,
            resource: resource.to_owned(),
            tally,
            discard,
            state: State::First,
            plan: None,
            fresh: false,
        }
    }

    fn report(&self, split: Split) {
        lock(&self.tally).partition(PartitionReport::new(self.partition, split));
    }

    /// The first page: learn the plan, keep or drop its records, and go on to this share's
    /// next page.
    fn first(&mut self, page: &PageResponse<'_>) -> Result<Option<Url>> {
        let next = self.inner.next_request(page)?;
        let page_size = page.records as u64;
        let whole = self.inner.expected_records();
        let Some(next) = next else {
            // One page is the whole resource.
            return Ok(self.plan(1, page_size, whole, None));
        };
        let planned = self.inner.upcoming(page).and_then(|mut urls| {
            let later = match urls.size_hint() {
                (low, Some(high)) if low == high => low as u64,
                _ => return None,
            };
            // The plan must start where the paginator goes next, or it is not this
            // paginator's sequence of pages.
            (urls.next().as_ref() == Some(&next)).then_some((later, urls))
        });
        let Some((later, urls)) = planned else {
            let reason = format!(
                "the first page stated no total, so its `{}` pages cannot be numbered",
                self.inner.kind()
            );
            if self.partition.index() == 0 {
                self.report(Split::Whole { reason });
                self.state = State::Whole;
                return Ok(Some(next));
            }
            self.report(Split::Skipped { reason });
            self.discard.set();
            self.state = State::Done(StopReason::OtherShare);
            return Ok(None);
        };
        let pages = later.saturating_add(1);
        if pages > MAX_PLANNED_PAGES {
            return Err(Error::Config(format!(
                "resource `{}`: the first page says there are {pages} pages, more than the \
                 {MAX_PLANNED_PAGES} a partitioned run plans; run it unpartitioned, or with \
                 larger pages",
                self.resource
            )));
        }
        self.fresh = true;
        Ok(self.plan(pages, page_size, whole, Some((next, urls))))
    }

    /// Records the plan of `pages` pages; returns this share's first page after page 0
    /// (`page1` and then `rest` are the URLs of pages 1, 2, …).
    fn plan(
        &mut self,
        pages: u64,
        page_size: u64,
        whole: Option<u64>,
        later: Option<(Url, Box<dyn Iterator<Item = Url> + Send>)>,
    ) -> Option<Url> {
        let range = self.partition.page_range(pages);
        self.plan = Some(Plan {
            pages,
            first: range.start,
            end: range.end,
            page_size,
            whole,
        });
        self.report(Split::Pages {
            first_page: range.start,
            end_page: range.end,
            pages,
            page_size,
            total: whole,
        });
        if !range.contains(&0) {
            self.discard.set();
        }
        let target = range.start.max(1);
        let url = later
            .filter(|_| target < range.end)
            .and_then(|(page1, mut rest)| {
                let url = match target {
                    1 => Some(page1),
                    n => rest.nth((n - 2) as usize),
                }?;
                Some((url, rest))
            });
        match url {
            Some((url, rest)) => {
                self.state = State::Split {
                    current: target,
                    rest,
                };
                Some(url)
            }
            None => {
                self.state = State::Done(self.end_reason());
                None
            }
        }
    }

    /// Why this share's pages ended at its range's end.
    fn end_reason(&self) -> StopReason {
        match self.plan {
            Some(p) if p.end < p.pages => StopReason::ShareEnd,
            Some(p) if p.pages == 1 => self.inner.stop_reason(),
            _ => StopReason::TotalReached,
        }
    }

    /// A page of this share's range was received: check it against the plan, then the
    /// next page of the range.
    fn next_in_range(&mut self, page: &PageResponse<'_>) -> Result<Option<Url>> {
        let (State::Split { current, rest }, Some(plan)) = (&mut self.state, self.plan) else {
            return Ok(None);
        };
        let at = *current;
        if self.equal_pages && at + 1 < plan.pages && page.records as u64 != plan.page_size {
            let err = Error::SharesMisaligned {
                resource: self.resource.clone(),
                share: self.partition.to_string(),
                page: at,
                pages: plan.pages,
                expected: plan.page_size,
                received: page.records as u64,
            };
            match self.completeness {
                Completeness::Error => return Err(err),
                Completeness::Warn => {
                    tracing::warn!(target: "rest_source::completeness", resource = %self.resource, error = %err, "the pages of a partitioned run did not line up");
                    lock(&self.tally).warn(err.to_string());
                }
            }
        }
        let next = at + 1;
        if next >= plan.end {
            self.state = State::Done(self.end_reason());
            return Ok(None);
        }
        match rest.next() {
            Some(url) => {
                *current = next;
                Ok(Some(url))
            }
            None => {
                self.state = State::Done(self.end_reason());
                Ok(None)
            }
        }
    }
}

impl Paginator for SharePages {
    fn init_request(&mut self, url: &mut Url) {
        self.inner.init_request(url);
    }

    fn next_request(&mut self, page: &PageResponse<'_>) -> Result<Option<Url>> {
        self.fresh = false;
        match self.state {
            State::First => self.first(page),
            State::Whole => self.inner.next_request(page),
            State::Split { .. } => self.next_in_range(page),
            State::Done(_) => Ok(None),
        }
    }

    /// This share's remaining pages (asked for right after the first page, to fetch them
    /// up to the resource's `concurrency` at a time).
    fn upcoming(&self, page: &PageResponse<'_>) -> Option<Box<dyn Iterator<Item = Url> + Send>> {
        match &self.state {
            State::Whole => self.inner.upcoming(page),
            State::Split { current, .. } if self.fresh => {
                let plan = self.plan?;
                // A fresh plan of the same first page: URLs of pages 1, 2, …
                let urls = self.inner.upcoming(page)?;
                let skip = usize::try_from(current - 1).ok()?;
                let take = usize::try_from(plan.end - current).ok()?;
                Some(Box::new(urls.skip(skip).take(take)))
            }
            _ => None,
        }
    }

    fn kind(&self) -> &'static str {
        self.inner.kind()
    }

    fn stop_reason(&self) -> StopReason {
        match self.state {
            State::Done(reason) => reason,
            _ => self.inner.stop_reason(),
        }
    }

    fn update_body(&self, body: &mut Option<serde_json::Value>) -> bool {
        self.inner.update_body(body)
    }

    /// The records of this share's pages (none when another share has the resource).
    fn expected_records(&self) -> Option<u64> {
        match (&self.state, self.plan) {
            (State::Whole, _) => self.inner.expected_records(),
            (State::Done(StopReason::OtherShare), _) => None,
            (_, Some(plan)) => plan.expected(),
            _ => None,
        }
    }
}
