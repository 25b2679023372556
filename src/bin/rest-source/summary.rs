//! The table `run` ends with: one row per resource (records, pages, retries, token fetches,
//! status, why paging stopped), a row for the auth check that ran before them (its token
//! fetches are usually the run's only ones: the resources then use the cached tokens), then
//! the totals; for a partitioned run, then the share and how each resource was split.

use std::time::Duration;

use rest_source::config::{AuthCheck, Source};

use crate::args::RunArgs;
use crate::progress;
use crate::run::Outcome;

/// The name of the auth check's row.
const CHECK_ROW: &str = "(auth check)";

/// What the auth check before the run cost: its retries and token fetches.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CheckCounts {
    pub retries: u64,
    pub token_fetches: u64,
}

impl CheckCounts {
    /// Read from the runs the probes made (each resource's latest run is its probe's, until
    /// the resources run).
    pub fn of(source: &Source, checks: &[AuthCheck]) -> CheckCounts {
        let mut probed: Vec<&str> = checks.iter().map(|c| c.resource.as_str()).collect();
        probed.dedup();
        let mut counts = CheckCounts::default();
        for counters in probed
            .iter()
            .filter_map(|name| source.resource(name)?.live_counters())
        {
            counts.retries += counters.retries();
            counts.token_fetches += counters.token_fetches();
        }
        counts
    }
}

/// The table: one row per resource with its status, then the totals. On stderr when the
/// records go to stdout.
pub fn print(
    outcomes: &[Outcome],
    check: CheckCounts,
    elapsed: Duration,
    args: &RunArgs,
    to_stdout: bool,
) {
    let text = table(outcomes, check, elapsed);
    let complete = outcomes.iter().filter(|o| o.output.is_some()).count() as u64;
    if to_stdout {
        eprintln!(
            "{text}wrote {} to stdout",
            progress::count(complete, "resource")
        );
    } else {
        println!(
            "{text}wrote {} to {}",
            progress::count(complete, "file"),
            args.out.display()
        );
    }
}

/// The rows and the total line.
fn table(outcomes: &[Outcome], check: CheckCounts, elapsed: Duration) -> String {
    let mut text = String::new();
    let checked = check != CheckCounts::default();
    let width = outcomes
        .iter()
        .map(|o| o.name.len())
        .chain(checked.then_some(CHECK_ROW.len()))
        .max()
        .unwrap_or(0)
        .max(8);
    text.push_str(&format!(
        "{:<width$}  {:>10}  {:>7}  {:>7}  {:>6}  {:<7}  stopped\n",
        "resource", "records", "pages", "retries", "tokens", "status"
    ));
    for o in outcomes {
        text.push_str(&format!(
            "{:<width$}  {:>10}  {:>7}  {:>7}  {:>6}  {:<7}  {}\n",
            o.name,
            o.records,
            o.pages,
            o.retries(),
            o.token_fetches(),
            o.status().as_str(),
            o.stopped()
        ));
    }
    if checked {
        text.push_str(&format!(
            "{:<width$}  {:>10}  {:>7}  {:>7}  {:>6}  {:<7}  -\n",
            CHECK_ROW, "-", "-", check.retries, check.token_fetches, "ok"
        ));
    }
    let records: u64 = outcomes.iter().map(|o| o.records).sum();
    let pages: u64 = outcomes.iter().map(|o| o.pages).sum();
    let retries: u64 = outcomes.iter().map(Outcome::retries).sum::<u64>() + check.retries;
    let tokens: u64 =
        outcomes.iter().map(Outcome::token_fetches).sum::<u64>() + check.token_fetches;
    text.push_str(&format!(
        "{:<width$}  {records:>10}  {pages:>7}  {retries:>7}  {tokens:>6}  in {:.2}s, {}\n",
        "total",
        elapsed.as_secs_f64(),
        progress::rate(records, elapsed)
    ));
    for o in outcomes {
        if let Some(split) = o.split() {
            text.push_str(&format!("{:<width$}  {}\n", o.name, split.describe()));
        }
    }
    text
}
