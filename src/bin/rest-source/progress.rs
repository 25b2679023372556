//! Progress while `run` works: a live status line on a terminal (records, pages, rate),
//! plain lines otherwise (one per finished resource), so logs and CI output stay readable.

use std::io::{IsTerminal, Write};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// Records and pages written for one resource so far.
#[derive(Default)]
pub struct Counters {
    pub records: AtomicU64,
    pub pages: AtomicU64,
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

/// The shared state of one run's display.
pub struct Progress {
    pub counters: Vec<Arc<Counters>>,
    done: AtomicUsize,
    start: Instant,
    live: bool,
}

impl Progress {
    /// Live only when stderr is a terminal.
    pub fn new(resources: usize) -> Arc<Progress> {
        Arc::new(Progress {
            counters: (0..resources).map(|_| Arc::default()).collect(),
            done: AtomicUsize::new(0),
            start: Instant::now(),
            live: std::io::stderr().is_terminal(),
        })
    }

    pub fn elapsed(&self) -> Duration {
        self.start.elapsed()
    }

    fn totals(&self) -> (u64, u64) {
        self.counters
            .iter()
            .fold((0, 0), |(r, p), c| (r + c.records(), p + c.pages()))
    }

    /// The status line: `[1/3 resources] 1200 records, 12 pages, 850 records/s`.
    fn line(&self) -> String {
        let (records, pages) = self.totals();
        format!(
            "[{}/{} resources] {}, {}, {}",
            self.done.load(Ordering::Relaxed),
            self.counters.len(),
            count(records, "record"),
            count(pages, "page"),
            rate(records, self.elapsed())
        )
    }

    /// Redraws the status line (terminal only).
    pub fn tick(&self) {
        if self.live {
            let mut err = std::io::stderr().lock();
            let _ = write!(err, "\r\x1b[K{}", self.line());
            let _ = err.flush();
        }
    }

    /// Reports a finished resource on its own line, above the status line.
    pub fn finished(&self, name: &str, index: usize, outcome: Result<(), &str>) {
        self.done.fetch_add(1, Ordering::Relaxed);
        let c = &self.counters[index];
        let clear = if self.live { "\r\x1b[K" } else { "" };
        let mut err = std::io::stderr().lock();
        let _ = match outcome {
            Ok(()) => writeln!(
                err,
                "{clear}{name}: done, {} in {}",
                count(c.records(), "record"),
                count(c.pages(), "page")
            ),
            Err(e) => writeln!(
                err,
                "{clear}{name}: failed after {} in {}: {e}",
                count(c.records(), "record"),
                count(c.pages(), "page")
            ),
        };
        drop(err);
        self.tick();
    }

    /// Clears the status line before the summary.
    pub fn clear(&self) {
        if self.live {
            let _ = write!(std::io::stderr(), "\r\x1b[K");
        }
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
