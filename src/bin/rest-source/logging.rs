//! Logs on stderr through `tracing-subscriber`: `RUST_LOG` when set, else the level from
//! `-q` / `-v` / `-vv` / `-vvv`. The runtime's events carry no secret (URLs are redacted
//! before they are logged), so nothing here needs to filter.

use std::io::{self, IsTerminal, Write};

use tracing_subscriber::EnvFilter;
use tracing_subscriber::fmt::MakeWriter;

use crate::args::Verbosity;
use crate::progress::bars;

/// The filter for a verbosity when `RUST_LOG` is unset. The runtime logs under targets
/// starting with `rest_source`; its dependencies (hyper, reqwest, rustls) only from `-vvv`.
///
/// The runtime's completeness warning (`rest_source::completeness`) is left out: `run`
/// prints it itself, as a `warning:` line, once.
fn default_directives(v: &Verbosity) -> &'static str {
    match (v.quiet, v.verbose) {
        (true, _) => "error",
        (false, 0) => "warn,rest_source::completeness=off",
        // Retries and their waits (Retry-After), token fetches, paginator detection.
        (false, 1) => "warn,rest_source=info,rest_source::completeness=off",
        // Every request and response.
        (false, 2) => "warn,rest_source=debug,rest_source::completeness=off",
        _ => "debug,rest_source=trace,rest_source::completeness=off",
    }
}

/// Installs the subscriber. A `RUST_LOG` that does not parse is reported, not fatal.
pub fn init(verbosity: &Verbosity) {
    let rust_log = std::env::var("RUST_LOG")
        .ok()
        .filter(|d| !d.trim().is_empty());
    let filter = match &rust_log {
        Some(directives) => EnvFilter::try_new(directives).unwrap_or_else(|e| {
            eprintln!("warning: ignoring RUST_LOG `{directives}`: {e}");
            EnvFilter::new(default_directives(verbosity))
        }),
        None => EnvFilter::new(default_directives(verbosity)),
    };
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(AroundBars)
        .with_ansi(io::stderr().is_terminal())
        .with_target(rust_log.is_some() || verbosity.verbose >= 2)
        .try_init();
}

/// Writes each log line to stderr with the progress bars lifted for it.
struct AroundBars;

impl<'a> MakeWriter<'a> for AroundBars {
    type Writer = LineWriter;
    fn make_writer(&'a self) -> LineWriter {
        LineWriter(Vec::new())
    }
}

/// One event, buffered so it is written in one piece when dropped.
struct LineWriter(Vec<u8>);

impl Write for LineWriter {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0.extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl Drop for LineWriter {
    fn drop(&mut self) {
        if !self.0.is_empty() {
            bars().suspend(|| {
                let _ = io::stderr().lock().write_all(&self.0);
            });
        }
    }
}
