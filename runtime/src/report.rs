//! [`RunReport`]: what one run of a resource did, and why its paging stopped.
//!
//! Every run of a [`crate::Resource`] — [`crate::Resource::items`], `pages`, `collect` or
//! [`crate::Resource::run`] — fills a report as it goes. It is complete once the stream has
//! ended (its last item was yielded, or a request failed); read it from the [`crate::Run`]
//! handle, or from [`crate::Resource::last_report`] (one per resource, so a source can list
//! the reports of all its resources after a run). A stream dropped before its end leaves no
//! report: the run did not finish, and a report would suggest it did.
//!
//! ```no_run
//! # async fn demo() -> rest_source_runtime::Result<()> {
//! use rest_source_runtime::spec::{OffsetPaginator, ResourceSpec};
//! use rest_source_runtime::{Resource, RestClient, StopReason, TryStreamExt};
//!
//! let client = RestClient::builder("https://api.example.com/v1").build()?;
//! let events: Resource<serde_json::Value> = Resource::new(
//!     client,
//!     ResourceSpec::new("events", "events")
//!         .paginator(OffsetPaginator::new(100).total_header("X-Total-Count")),
//! )?;
//! let mut run = events.run();
//! while let Some(event) = run.try_next().await? {
//!     let _ = event;
//! }
//! let report = run.report().expect("the stream has ended");
//! assert_eq!(report.stop_reason(), Some(StopReason::TotalReached));
//! println!("{} records in {} pages", report.records, report.pages);
//! # Ok(()) }
//! ```

use std::collections::BTreeMap;
use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use serde::Serialize;

/// Why a page loop stopped requesting pages.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum StopReason {
    /// The response had no next link or cursor (or the paginator is `single_page`).
    NoNextPage,
    /// The records (or pages) the server said it has were all requested.
    TotalReached,
    /// A page without records.
    EmptyPage,
    /// A page shorter than the page size the server serves (offset paging without a total).
    ShortPage,
    /// The response's `has_more` field was `false`.
    HasMoreFalse,
    /// The paginator's `maximum_offset` / `maximum_page` was reached.
    MaximumReached,
    /// The resource's `max_pages`.
    MaxPages,
    /// The resource's `max_items`.
    MaxItems,
    /// The paginator asked for a page already requested (a repeated next link or cursor):
    /// the loop guard ended the stream instead of looping.
    RepeatedPage,
    /// A request or a page failed; the error ended the stream.
    Error,
    /// A response matched an `ignore` response action: it yielded no records and its page
    /// loop ended there (counted in [`RunReport::ignored_responses`]).
    Ignored,
    /// A page held a record past the incremental window on the side the records are sorted
    /// towards (`row_order`), so no later page can hold one inside it (dlt closes the
    /// resource then).
    PastWindow,
    /// A share of a partitioned run requested the last page of its range; the following
    /// pages are other shares' ([`Partition`](crate::Partition)).
    ShareEnd,
    /// A share of a partitioned run read the first page and found the resource cannot be
    /// split by pages: share 0 pages through it whole ([`Partition`](crate::Partition)).
    OtherShare,
}

impl StopReason {
    /// The reason in words, as the CLI prints it.
    pub fn describe(self) -> &'static str {
        match self {
            StopReason::NoNextPage => "no next page",
            StopReason::TotalReached => "total reached",
            StopReason::EmptyPage => "empty page",
            StopReason::ShortPage => "short page",
            StopReason::HasMoreFalse => "has_more is false",
            StopReason::MaximumReached => "maximum offset/page reached",
            StopReason::MaxPages => "max_pages reached",
            StopReason::MaxItems => "max_items reached",
            StopReason::RepeatedPage => "repeated next link or cursor (loop guard)",
            StopReason::Error => "error",
            StopReason::Ignored => "response ignored (response_actions)",
            StopReason::PastWindow => "past the incremental window (row_order)",
            StopReason::ShareEnd => "end of this share's pages",
            StopReason::OtherShare => "not split by pages: share 0 runs it whole",
        }
    }
}

impl fmt::Display for StopReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.describe())
    }
}

/// What one run of a resource did. See the module docs.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[non_exhaustive]
pub struct RunReport {
    /// The resource's name.
    pub resource: String,
    /// Records yielded (after `max_items` and incremental filtering).
    pub records: u64,
    /// Pages received.
    pub pages: u64,
    /// HTTP requests sent for the resource's pages, retries included, and pages requested
    /// ahead that were then not used (a planned page past a short one, a next page whose
    /// link was withdrawn); token requests are counted in `token_fetches`. For a child
    /// resource, its own requests: the parent pages it reads are not counted.
    pub requests: u64,
    /// Retries, by the cause of the failed attempt: an HTTP status (`"429"`, `"503"`), or
    /// `"transport"` (connect errors, timeouts) and `"body"` (a body cut off mid-way).
    pub retries: BTreeMap<String, u64>,
    /// Token requests (OAuth2 grants, session logins) this run's requests triggered.
    pub token_fetches: u64,
    /// The data selector used: the one given, or the path record detection found (`$` for
    /// the whole body).
    pub data_selector: Option<String>,
    /// Whether `data_selector` was detected rather than given.
    pub data_selector_detected: bool,
    /// The paginator that ran (`offset`, `json_link`, …, `auto: json_link` for what `auto`
    /// detected, `custom`); `None` when no page loop ran.
    pub paginator: Option<String>,
    /// Why paging stopped, with how many page loops stopped so (one loop per run, or one per
    /// parent record for a child resource).
    pub stops: BTreeMap<StopReason, u64>,
    /// The number of records the server stated (a `total`, `X-Total-Count`, `Content-Range`),
    /// summed over page loops, where every loop stated one. For a share of a resource split
    /// by pages, the records of this share's pages.
    pub total: Option<u64>,
    /// Problems that did not fail the run (a count that disagrees with the total under
    /// `completeness = "warn"`).
    pub warnings: Vec<String>,
    /// Responses an `ignore` response action dropped, by status (`"404"`): each ended its
    /// page loop without records, so a run that ignored some says so.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub ignored_responses: BTreeMap<String, u64>,
    /// dlt's destination hints of the resource, as written in its config
    /// ([`crate::spec::ResourceSpec::loader_hints`]: `write_disposition`, `columns`,
    /// `table_name`, …) and its `primary_key`, for a loader downstream; absent when there
    /// are none.
    #[serde(skip_serializing_if = "serde_json::Map::is_empty")]
    pub loader_hints: serde_json::Map<String, serde_json::Value>,
    /// For a partitioned run ([`crate::Resource::partition`]): which share ran and how the
    /// resource was split; absent otherwise.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub partition: Option<crate::partition::PartitionReport>,
}

impl RunReport {
    /// Why paging stopped: [`StopReason::Error`] if any page loop failed, else the reason
    /// most loops stopped for (the only one for a resource without a parent). `None` when no
    /// page loop ran (a child resource whose parent had no records).
    pub fn stop_reason(&self) -> Option<StopReason> {
        if self.stops.contains_key(&StopReason::Error) {
            return Some(StopReason::Error);
        }
        self.stops
            .iter()
            .max_by_key(|(_, n)| **n)
            .map(|(reason, _)| *reason)
    }

    /// Retries of every cause.
    pub fn total_retries(&self) -> u64 {
        self.retries.values().sum()
    }

    /// Responses ignored by `ignore` response actions, of every status.
    pub fn total_ignored(&self) -> u64 {
        self.ignored_responses.values().sum()
    }
}

/// Counters a [`crate::RestClient`] increments for one run (see
/// `RestClient::with_stats`): requests sent, retries by cause, token fetches.
#[derive(Debug, Default)]
pub(crate) struct RequestStats {
    requests: AtomicU64,
    token_fetches: AtomicU64,
    retries: Mutex<BTreeMap<String, u64>>,
}

impl RequestStats {
    pub(crate) fn request_sent(&self) {
        self.requests.fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn token_fetched(&self) {
        self.token_fetches.fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn retried(&self, cause: &str) {
        *lock(&self.retries).entry(cause.to_owned()).or_default() += 1;
    }
}

/// The counters of a run in progress, as [`crate::Resource::live_counters`] hands them out:
/// the same counters the run's [`RunReport`] is made from, read while they grow. Cheap to
/// clone; clones read the same run.
#[derive(Clone, Debug)]
pub struct RunCounters(Arc<RequestStats>);

impl RunCounters {
    pub(crate) fn new(stats: Arc<RequestStats>) -> Self {
        RunCounters(stats)
    }

    /// HTTP requests sent so far for the run's pages, retries included.
    pub fn requests(&self) -> u64 {
        self.0.requests.load(Ordering::Relaxed)
    }

    /// Retries so far, of every cause.
    pub fn retries(&self) -> u64 {
        lock(&self.0.retries).values().sum()
    }

    /// Retries so far by cause, as in [`RunReport::retries`].
    pub fn retries_by_cause(&self) -> BTreeMap<String, u64> {
        lock(&self.0.retries).clone()
    }

    /// Token requests (grants, logins) the run's requests triggered so far.
    pub fn token_fetches(&self) -> u64 {
        self.0.token_fetches.load(Ordering::Relaxed)
    }

    /// Whether `other` counts the same run (a resource's counters are replaced when its
    /// next run starts).
    pub fn same_run(&self, other: &RunCounters) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }
}

/// Where a resource keeps the counters of its latest run.
pub(crate) type LiveSlot = Arc<Mutex<Option<RunCounters>>>;

/// The run's report as page loops fill it; turned into a [`RunReport`] when the run ends.
#[derive(Debug, Default)]
pub(crate) struct Tally {
    report: RunReport,
    /// Loops that stated no total (then `report.total` is not a total of the run).
    loops_without_total: u64,
}

impl Tally {
    pub(crate) fn new(resource: &str, data_selector: Option<&str>) -> Self {
        Tally {
            report: RunReport {
                resource: resource.to_owned(),
                data_selector: data_selector.map(str::to_owned),
                ..RunReport::default()
            },
            loops_without_total: 0,
        }
    }

    /// The resource's destination hints, carried into its report, with its `primary_key`
    /// (a name, or a list of them for a compound key).
    pub(crate) fn with_loader_hints(mut self, spec: &crate::spec::ResourceSpec) -> Self {
        let mut hints = spec.loader_hints.clone();
        match spec.primary_key.as_slice() {
            [] => {}
            [one] => {
                hints.insert("primary_key".into(), one.clone().into());
            }
            many => {
                hints.insert("primary_key".into(), many.to_vec().into());
            }
        }
        self.report.loader_hints = hints;
        self
    }

    /// A page: its records (as yielded) and, without a given selector, the detected path.
    pub(crate) fn page(&mut self, records: u64, detected: Option<&str>) {
        self.report.pages += 1;
        self.report.records += records;
        if let (None, Some(path)) = (&self.report.data_selector, detected) {
            // Once per run, at `-v`: which records the run takes is worth seeing.
            tracing::info!(target: "rest_source", resource = %self.report.resource, data_selector = %path, "record detection: no data_selector given; records found at `{path}`");
            self.report.data_selector = Some(path.to_owned());
            self.report.data_selector_detected = true;
        }
    }

    /// A page loop of paginator `kind` ended, for `reason`, with the total the server
    /// stated (if any).
    pub(crate) fn stopped(&mut self, reason: StopReason, total: Option<u64>, kind: &str) {
        *self.report.stops.entry(reason).or_default() += 1;
        if self.report.paginator.is_none() {
            self.report.paginator = Some(kind.to_owned());
        }
        match total {
            Some(t) => *self.report.total.get_or_insert(0) += t,
            None => self.loops_without_total += 1,
        }
    }

    /// How this run's resource is split, and this share's part (see [`crate::partition`]).
    pub(crate) fn partition(&mut self, report: crate::partition::PartitionReport) {
        self.report.partition = Some(report);
    }

    /// A parent record of a child split by parents was read; `kept` if its children are
    /// this share's.
    pub(crate) fn parent_read(&mut self, kept: bool) {
        if let Some(crate::partition::PartitionReport {
            split:
                crate::partition::Split::Parents {
                    parents_kept,
                    parents_seen,
                },
            ..
        }) = &mut self.report.partition
        {
            *parents_seen += 1;
            *parents_kept += u64::from(kept);
        }
    }

    /// A response an `ignore` response action dropped.
    pub(crate) fn ignored(&mut self, status: u16) {
        *self
            .report
            .ignored_responses
            .entry(status.to_string())
            .or_default() += 1;
    }

    pub(crate) fn warn(&mut self, warning: String) {
        self.report.warnings.push(warning);
    }

    /// The finished report, with the client's counters.
    pub(crate) fn finish(&self, stats: &RequestStats) -> RunReport {
        let mut report = self.report.clone();
        if self.loops_without_total > 0 {
            report.total = None;
        }
        report.requests = stats.requests.load(Ordering::Relaxed);
        report.token_fetches = stats.token_fetches.load(Ordering::Relaxed);
        report.retries = lock(&stats.retries).clone();
        report
    }
}

/// Where a run's report goes when the run ends: the run's own handle and the resource's
/// `last_report`.
pub(crate) type ReportSlot = Arc<Mutex<Option<RunReport>>>;

/// Locks `m`, ignoring poisoning (the counters stay meaningful after a panic elsewhere).
pub(crate) fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stop_reason_prefers_errors_then_the_most_common() {
        let mut t = Tally::new("notes", None);
        assert_eq!(t.finish(&RequestStats::default()).stop_reason(), None);
        t.stopped(StopReason::NoNextPage, Some(2), "json_link");
        t.stopped(StopReason::NoNextPage, Some(3), "json_link");
        t.stopped(StopReason::EmptyPage, None, "json_link");
        let r = t.finish(&RequestStats::default());
        assert_eq!(r.stop_reason(), Some(StopReason::NoNextPage));
        assert_eq!(r.total, None, "one loop stated no total");
        t.stopped(StopReason::Error, None, "json_link");
        assert_eq!(
            t.finish(&RequestStats::default()).stop_reason(),
            Some(StopReason::Error)
        );
    }

    #[test]
    fn serialises_stop_reasons_as_names() {
        let mut t = Tally::new("events", Some("items"));
        t.stopped(StopReason::TotalReached, Some(10), "offset");
        let json = serde_json::to_value(t.finish(&RequestStats::default())).unwrap();
        assert_eq!(json["stops"]["total_reached"], 1);
        assert_eq!(json["total"], 10);
        assert_eq!(json["data_selector"], "items");
    }
}
