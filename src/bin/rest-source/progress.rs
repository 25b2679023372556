//! Progress while `run` works. On a terminal: one live line per running resource (records,
//! pages, rate, and the retries so far, read from the runtime's live counters on every
//! redraw) and a total line, drawn by indicatif. Otherwise (a pipe, a CI log): plain lines,
//! one per finished resource, with no control characters.

use std::io::IsTerminal;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressState, ProgressStyle};
use rest_source::{Resource, RunCounters};
use serde_json::Value;

const TEMPLATE: &str = "{spinner} {prefix:.bold} {wide_msg}";
/// As [`TEMPLATE`], with the retries so far after the message.
const LIVE_TEMPLATE: &str = "{spinner} {prefix:.bold} {msg}{retries}";

/// The one set of live bars of this process; log lines are printed around it
/// (see `logging`), so they never tear a bar.
pub fn bars() -> &'static MultiProgress {
    static BARS: OnceLock<MultiProgress> = OnceLock::new();
    BARS.get_or_init(|| MultiProgress::with_draw_target(ProgressDrawTarget::hidden()))
}

/// Records and pages written for one resource so far.
#[derive(Default)]
pub struct Counters {
    records: AtomicU64,
    pages: AtomicU64,
}

impl Counters {
    pub fn page(&self, records: usize) {
        self.records.fetch_add(records as u64, Ordering::Relaxed);
        self.pages.fetch_add(1, Ordering::Relaxed);
    }
    pub fn records(&self) -> u64 {
        self.records.load(Ordering::Relaxed)
    }
    pub fn pages(&self) -> u64 {
        self.pages.load(Ordering::Relaxed)
    }
}

/// The display of one run.
pub struct Progress {
    pub counters: Vec<Arc<Counters>>,
    lines: Vec<ProgressBar>,
    total: ProgressBar,
    done: AtomicUsize,
    start: Instant,
    live: bool,
    quiet: bool,
}

impl Progress {
    /// Live bars only when stderr is a terminal; nothing at all when `quiet`.
    pub fn new(names: &[&str], quiet: bool) -> Arc<Progress> {
        let live = !quiet && std::io::stderr().is_terminal();
        if live {
            bars().set_draw_target(ProgressDrawTarget::stderr());
        }
        let style = ProgressStyle::with_template(TEMPLATE)
            .unwrap_or_else(|_| ProgressStyle::default_spinner());
        let width = names.iter().map(|n| n.len()).max().unwrap_or(0).max(5);
        let line = |prefix: String| {
            let bar = bars().add(ProgressBar::new_spinner());
            bar.set_style(style.clone());
            bar.set_prefix(format!("{prefix:<width$}"));
            if live {
                bar.enable_steady_tick(Duration::from_millis(120));
            }
            bar
        };
        let lines: Vec<ProgressBar> = names.iter().map(|n| line((*n).to_owned())).collect();
        for bar in &lines {
            bar.set_message("waiting for the first page");
        }
        let total = line("total".to_owned());
        let progress = Arc::new(Progress {
            counters: names.iter().map(|_| Arc::default()).collect(),
            lines,
            total,
            done: AtomicUsize::new(0),
            start: Instant::now(),
            live,
            quiet,
        });
        progress.redraw_total();
        progress
    }

    /// Shows each running resource's retries as they happen (not only once it finished):
    /// every redraw of its line reads the counters of its run in progress
    /// ([`Resource::live_counters`]), and the total line sums them.
    pub fn follow(&self, resources: &[Resource<Value>]) {
        if !self.live {
            return;
        }
        // Until a resource's own run starts, its counters are those of an earlier run (the
        // auth check's probe): those are not this run's retries.
        let live_style = |resources: Vec<Resource<Value>>| {
            let earlier: Vec<Option<RunCounters>> =
                resources.iter().map(Resource::live_counters).collect();
            ProgressStyle::with_template(LIVE_TEMPLATE)
                .unwrap_or_else(|_| ProgressStyle::default_spinner())
                .with_key(
                    "retries",
                    move |_: &ProgressState, w: &mut dyn std::fmt::Write| {
                        let n = resources
                            .iter()
                            .zip(&earlier)
                            .filter_map(|(r, earlier)| {
                                let now = r.live_counters()?;
                                let started = earlier.as_ref().is_none_or(|e| !e.same_run(&now));
                                started.then(|| now.retries())
                            })
                            .sum();
                        let _ = w.write_str(&retries_suffix(n));
                    },
                )
        };
        for (bar, resource) in self.lines.iter().zip(resources) {
            bar.set_style(live_style(vec![resource.clone()]));
        }
        self.total.set_style(live_style(resources.to_vec()));
    }

    pub fn elapsed(&self) -> Duration {
        self.start.elapsed()
    }

    /// A page of resource `index` was written.
    pub fn page(&self, index: usize, records: usize) {
        let c = &self.counters[index];
        c.page(records);
        if self.live {
            self.lines[index].set_message(format!(
                "{}, {}, {}",
                count(c.records(), "record"),
                count(c.pages(), "page"),
                rate(c.records(), self.elapsed())
            ));
            self.redraw_total();
        }
    }

    fn redraw_total(&self) {
        if !self.live {
            return;
        }
        let (records, pages) = self
            .counters
            .iter()
            .fold((0, 0), |(r, p), c| (r + c.records(), p + c.pages()));
        self.total.set_message(format!(
            "[{}/{} resources] {}, {}, {}",
            self.done.load(Ordering::Relaxed),
            self.counters.len(),
            count(records, "record"),
            count(pages, "page"),
            rate(records, self.elapsed())
        ));
    }

    /// Resource `index` finished after `retries` retries: its line says so (a plain line
    /// when not on a terminal).
    pub fn finished(&self, name: &str, index: usize, retries: u64, outcome: Result<(), &str>) {
        self.done.fetch_add(1, Ordering::Relaxed);
        let c = &self.counters[index];
        let retried = retries_suffix(retries);
        let line = match outcome {
            Ok(()) => format!(
                "done, {} in {}{retried}",
                count(c.records(), "record"),
                count(c.pages(), "page")
            ),
            Err(e) => format!(
                "failed after {} in {}{retried}: {e}",
                count(c.records(), "record"),
                count(c.pages(), "page")
            ),
        };
        if self.live {
            // The final line says the retries itself (from the run's report).
            self.lines[index].set_style(
                ProgressStyle::with_template(TEMPLATE)
                    .unwrap_or_else(|_| ProgressStyle::default_spinner()),
            );
            self.lines[index].finish_with_message(line);
            self.redraw_total();
        } else if !self.quiet {
            eprintln!("{name}: {line}");
        }
    }

    /// A problem that did not fail the run, as a `warning:` line above the bars (none when
    /// `quiet`).
    pub fn warn(&self, warning: &str) {
        if !self.quiet {
            bars().suspend(|| eprintln!("warning: {warning}"));
        }
    }

    /// Removes the bars before the summary.
    pub fn clear(&self) {
        for bar in self.lines.iter().chain([&self.total]) {
            bar.finish_and_clear();
        }
        let _ = bars().clear();
        bars().set_draw_target(ProgressDrawTarget::hidden());
    }
}

/// `, 1 retry`, `, 3 retries`; nothing for none.
pub fn retries_suffix(n: u64) -> String {
    match n {
        0 => String::new(),
        1 => ", 1 retry".to_owned(),
        n => format!(", {n} retries"),
    }
}

/// `850 records/s` (whole records; `-` before any time has passed).
pub fn rate(records: u64, elapsed: Duration) -> String {
    let secs = elapsed.as_secs_f64();
    if secs <= 0.0 {
        return "- records/s".into();
    }
    format!("{:.0} records/s", records as f64 / secs)
}

/// `1 page`, `3 pages`.
pub fn count(n: u64, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{n} {noun}s")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retries_are_said_only_when_there_are_some() {
        assert_eq!(retries_suffix(0), "");
        assert_eq!(retries_suffix(1), ", 1 retry");
        assert_eq!(retries_suffix(4), ", 4 retries");
    }
}
