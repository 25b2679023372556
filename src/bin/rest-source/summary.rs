//! The table `run` ends with: one row per resource (records, pages, retries, token fetches,
//! status, why paging stopped), then the totals.

use std::time::Duration;

use crate::args::RunArgs;
use crate::progress;
use crate::run::Outcome;

/// The table: one row per resource with its status, then the totals. On stderr when the
/// records go to stdout.
pub fn print(outcomes: &[Outcome], elapsed: Duration, args: &RunArgs, to_stdout: bool) {
    let mut text = String::new();
    let width = outcomes
        .iter()
        .map(|o| o.name.len())
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
    let records: u64 = outcomes.iter().map(|o| o.records).sum();
    let pages: u64 = outcomes.iter().map(|o| o.pages).sum();
    let retries: u64 = outcomes.iter().map(Outcome::retries).sum();
    let tokens: u64 = outcomes.iter().map(Outcome::token_fetches).sum();
    text.push_str(&format!(
        "{:<width$}  {records:>10}  {pages:>7}  {retries:>7}  {tokens:>6}  in {:.2}s, {}\n",
        "total",
        elapsed.as_secs_f64(),
        progress::rate(records, elapsed)
    ));
    let complete = outcomes.iter().filter(|o| o.output.is_some()).count() as u64;
    if to_stdout {
        text.push_str(&format!(
            "wrote {} to stdout\n",
            progress::count(complete, "resource")
        ));
        eprint!("{text}");
    } else {
        text.push_str(&format!(
            "wrote {} to {}\n",
            progress::count(complete, "file"),
            args.out.display()
        ));
        print!("{text}");
    }
}
