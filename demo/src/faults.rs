//! Injectable faults: rate limiting, outages and latency, to exercise clients' retries.

use std::sync::RwLock;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::time::Duration;

use serde::{Deserialize, Serialize};

/// Which faults the demo API injects into `/api/v1/*` responses.
///
/// Set with [`DemoApi::faults`](crate::DemoApi::faults) (and its shortcuts), at run time with
/// [`DemoServer::set_faults`](crate::DemoServer::set_faults), or with
/// `POST /_admin/faults` and this struct as a JSON body (missing fields take their defaults,
/// so `{}` switches every fault off). Requests are counted from the moment the faults are
/// set, so `rate_limit_every: 3` answers the 3rd, 6th, 9th… API request with a 429.
///
/// ```
/// use rest_source_demo::Faults;
///
/// let faults: Faults = serde_json::from_str(r#"{"rate_limit_every": 3, "retry_after_secs": 2}"#)?;
/// assert_eq!(faults.rate_limit_every, Some(3));
/// assert_eq!(faults.unavailable_every, None);
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
#[non_exhaustive]
pub struct Faults {
    /// Every Nth API request gets `429 Too Many Requests` with `Retry-After`.
    pub rate_limit_every: Option<u64>,
    /// The `Retry-After` value of injected 429s and 503s, in seconds (default 1).
    pub retry_after_secs: u64,
    /// Every Mth API request gets `503 Service Unavailable` with an HTML body (a 429 wins
    /// when both match).
    pub unavailable_every: Option<u64>,
    /// Extra delay before every API response, in milliseconds (a tokio sleep; default 0).
    pub latency_ms: u64,
}

impl Default for Faults {
    fn default() -> Self {
        Faults {
            rate_limit_every: None,
            retry_after_secs: 1,
            unavailable_every: None,
            latency_ms: 0,
        }
    }
}

impl Faults {
    /// No faults (the default).
    pub fn none() -> Self {
        Faults::default()
    }

    /// Every `n`th API request gets a 429 with `Retry-After: <retry_after_secs>`.
    pub fn rate_limit_every(mut self, n: u64) -> Self {
        self.rate_limit_every = Some(n);
        self
    }

    /// The `Retry-After` of injected 429s and 503s.
    pub fn retry_after_secs(mut self, secs: u64) -> Self {
        self.retry_after_secs = secs;
        self
    }

    /// Every `m`th API request gets a 503 with an HTML body.
    pub fn unavailable_every(mut self, m: u64) -> Self {
        self.unavailable_every = Some(m);
        self
    }

    /// Delay every API response by `latency` (millisecond resolution).
    pub fn latency(mut self, latency: Duration) -> Self {
        self.latency_ms = latency.as_millis().try_into().unwrap_or(u64::MAX);
        self
    }
}

/// What to do with one API request.
pub(crate) enum Fault {
    None,
    RateLimited { retry_after_secs: u64 },
    Unavailable { retry_after_secs: u64 },
}

pub(crate) struct FaultState {
    config: RwLock<Faults>,
    seen: AtomicU64,
}

impl FaultState {
    pub(crate) fn new(faults: Faults) -> Self {
        FaultState {
            config: RwLock::new(faults),
            seen: AtomicU64::new(0),
        }
    }

    pub(crate) fn get(&self) -> Faults {
        self.config
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    pub(crate) fn set(&self, faults: Faults) {
        *self.config.write().unwrap_or_else(|e| e.into_inner()) = faults;
        self.seen.store(0, Relaxed);
    }

    /// Counts one API request and decides its fault, plus the latency to add.
    pub(crate) fn next(&self) -> (Fault, Duration) {
        let n = self.seen.fetch_add(1, Relaxed) + 1;
        let config = self.config.read().unwrap_or_else(|e| e.into_inner());
        let hits = |every: Option<u64>| every.is_some_and(|k| k > 0 && n.is_multiple_of(k));
        let retry_after_secs = config.retry_after_secs;
        let fault = if hits(config.rate_limit_every) {
            Fault::RateLimited { retry_after_secs }
        } else if hits(config.unavailable_every) {
            Fault::Unavailable { retry_after_secs }
        } else {
            Fault::None
        };
        (fault, Duration::from_millis(config.latency_ms))
    }
}
