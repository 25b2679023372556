//! When and how long to wait before retrying a failed request.
//!
//! 429, 5xx (except 501 and 505) and connect/timeout errors are retried with exponential
//! backoff and full jitter, honouring `Retry-After` (seconds or an HTTP date), bounded by a
//! number of retries and an overall deadline. Only idempotent methods are retried unless the
//! request says otherwise.
//!
//! A positive `Retry-After` is waited for exactly. One that is zero, in the past or below
//! half the first backoff is read as "now" but keeps the backoff floor: the policy's own
//! backoff is used, so a server answering `Retry-After: 0` is not hit in a busy loop (as dlt
//! 1.31 does). Token endpoints and session logins follow the same rules as API requests.

use std::future::Future;
use std::time::{Duration, SystemTime};

use crate::error::{Error, Result};

use reqwest::StatusCode;
use reqwest::header::{DATE, HeaderMap, RETRY_AFTER};

/// Retry settings. The defaults suit most APIs: up to 5 retries, 0.5 s doubling to 30 s, and
/// a 5-minute overall deadline; a `Retry-After` above 5 minutes fails fast instead of
/// stalling a run.
#[derive(Clone, Debug, PartialEq)]
pub struct RetryPolicy {
    /// Retries after the first attempt (0 disables retrying).
    pub max_retries: u32,
    /// The first backoff.
    pub initial_backoff: Duration,
    /// The largest backoff between two attempts.
    pub max_backoff: Duration,
    /// No retry starts later than this after the first attempt.
    pub deadline: Duration,
    /// The longest `Retry-After` that is waited for; a longer one ends the request with the
    /// server's error at once.
    pub max_retry_after: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_retries: 5,
            initial_backoff: Duration::from_millis(500),
            max_backoff: Duration::from_secs(30),
            deadline: Duration::from_secs(300),
            max_retry_after: Duration::from_secs(300),
        }
    }
}

impl RetryPolicy {
    /// Never retry.
    pub fn none() -> Self {
        RetryPolicy {
            max_retries: 0,
            ..RetryPolicy::default()
        }
    }

    /// The backoff before retry number `retry` (1-based): exponential, capped, with full
    /// jitter between half and all of it so that many clients do not retry in lockstep.
    pub fn backoff(&self, retry: u32) -> Duration {
        let exp = self
            .initial_backoff
            .saturating_mul(2u32.saturating_pow(retry.saturating_sub(1)));
        let capped = exp.min(self.max_backoff);
        capped.mul_f64(0.5 + 0.5 * jitter_unit())
    }
}

impl RetryPolicy {
    /// After a retryable failure of attempt `attempts` (1-based) started at `start`: how long
    /// to wait before the next one (the server's `Retry-After`, else the backoff), or the
    /// error to return when the retries are spent, the `Retry-After` is above the cap, or
    /// the wait would pass the deadline. The one place the policy is applied: API requests,
    /// failed signing and token fetches alike.
    pub(crate) fn next_wait(
        &self,
        err: Error,
        server_wait: Option<Duration>,
        url: String,
        attempts: u32,
        start: tokio::time::Instant,
    ) -> Result<(Error, Duration)> {
        if attempts > self.max_retries {
            return Err(exhausted(err, attempts, start));
        }
        let wait = match server_wait {
            Some(w) if w > self.max_retry_after => {
                return Err(Error::RetryAfterTooLong {
                    url,
                    retry_after: w,
                    max: self.max_retry_after,
                    last: Box::new(err),
                });
            }
            // "Now" (zero, a past date): keep the backoff floor instead of a busy loop.
            Some(w) if w < self.initial_backoff / 2 => self.backoff(attempts),
            Some(w) => w,
            None => self.backoff(attempts),
        };
        if start.elapsed() + wait > self.deadline {
            return Err(exhausted(err, attempts, start));
        }
        Ok((err, wait))
    }
}

/// `err` after `attempts` attempts: itself after one, else [`Error::RetriesExhausted`].
pub(crate) fn exhausted(err: Error, attempts: u32, start: tokio::time::Instant) -> Error {
    if attempts <= 1 {
        err
    } else {
        Error::RetriesExhausted {
            attempts,
            elapsed: start.elapsed(),
            last: Box::new(err),
        }
    }
}

/// Runs `fetch` (a token request, a session login) until it succeeds, fails for good, or
/// `policy` says stop, waiting between attempts as for API requests (`Retry-After` first).
/// Called inside the token cache's single flight, so concurrent requests share these
/// attempts instead of each retrying the endpoint.
pub(crate) async fn retrying<T, F, Fut>(policy: &RetryPolicy, what: &str, mut fetch: F) -> Result<T>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T>>,
{
    let start = tokio::time::Instant::now();
    let mut attempts: u32 = 0;
    loop {
        attempts += 1;
        let err = match fetch().await {
            Ok(value) => return Ok(value),
            Err(err) if err.is_retryable() => err,
            Err(err) => return Err(exhausted(err, attempts, start)),
        };
        let server_wait = err.retry_after();
        let url = err.url().unwrap_or(what).to_owned();
        let (err, wait) = policy.next_wait(err, server_wait, url, attempts, start)?;
        tracing::info!(target: "rest_source", what, attempts, wait_ms = wait.as_millis() as u64, error = %err, "retrying");
        tokio::time::sleep(wait).await;
    }
}

/// Whether a status is worth retrying: 408, 425, 429 and 5xx other than 501/505.
pub fn is_retryable_status(status: StatusCode) -> bool {
    matches!(status.as_u16(), 408 | 425 | 429)
        || (status.is_server_error()
            && status != StatusCode::NOT_IMPLEMENTED
            && status != StatusCode::HTTP_VERSION_NOT_SUPPORTED)
}

/// Parses `Retry-After` as delay-seconds or an HTTP date (RFC 9110 §10.2.3). A date in the
/// past means "now". Unparseable values are ignored (`None`).
///
/// A date is measured from the response's own `Date` header when it has one, so a server
/// whose clock differs from ours still gets the wait it asked for; otherwise from our clock.
pub fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let value = headers.get(RETRY_AFTER)?.to_str().ok()?.trim();
    if let Ok(secs) = value.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    if let Ok(secs) = value.parse::<f64>()
        && secs.is_finite()
        && secs >= 0.0
    {
        return Some(Duration::from_secs_f64(secs.min(1e9)));
    }
    let when = httpdate::parse_http_date(value).ok()?;
    let now = headers
        .get(DATE)
        .and_then(|d| d.to_str().ok())
        .and_then(|d| httpdate::parse_http_date(d).ok())
        .unwrap_or_else(SystemTime::now);
    Some(when.duration_since(now).unwrap_or(Duration::ZERO))
}

/// A number in [0, 1) that differs between calls; no RNG dependency needed for jitter.
fn jitter_unit() -> f64 {
    use std::collections::hash_map::RandomState;
    use std::hash::{BuildHasher, Hasher};
    use std::sync::atomic::{AtomicU64, Ordering};
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let mut h = RandomState::new().build_hasher();
    h.write_u64(COUNTER.fetch_add(1, Ordering::Relaxed));
    (h.finish() >> 11) as f64 / (1u64 << 53) as f64
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    fn headers(v: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(RETRY_AFTER, HeaderValue::from_str(v).unwrap());
        h
    }

    #[test]
    fn retry_after_seconds_and_dates() {
        assert_eq!(retry_after(&headers("7")), Some(Duration::from_secs(7)));
        assert_eq!(retry_after(&headers("0")), Some(Duration::ZERO));
        assert_eq!(
            retry_after(&headers("Wed, 21 Oct 2015 07:28:00 GMT")),
            Some(Duration::ZERO)
        );
        let future = SystemTime::now() + Duration::from_secs(120);
        let d = retry_after(&headers(&httpdate::fmt_http_date(future))).unwrap();
        assert!(
            d > Duration::from_secs(110) && d <= Duration::from_secs(120),
            "{d:?}"
        );
        assert_eq!(retry_after(&headers("soon")), None);
        // Measured from the server's `Date`, not our clock.
        let mut h = headers("Wed, 21 Oct 2015 07:28:30 GMT");
        h.insert(
            DATE,
            HeaderValue::from_static("Wed, 21 Oct 2015 07:28:00 GMT"),
        );
        assert_eq!(retry_after(&h), Some(Duration::from_secs(30)));
    }

    #[test]
    fn backoff_grows_is_capped_and_jittered() {
        let p = RetryPolicy::default();
        for retry in 1..=10 {
            let full = p
                .initial_backoff
                .saturating_mul(1 << (retry - 1))
                .min(p.max_backoff);
            let b = p.backoff(retry);
            assert!(
                b >= full / 2 && b <= full,
                "retry {retry}: {b:?} vs {full:?}"
            );
        }
    }

    #[test]
    fn retryable_statuses() {
        for s in [429, 500, 502, 503, 504, 408] {
            assert!(is_retryable_status(StatusCode::from_u16(s).unwrap()), "{s}");
        }
        for s in [400, 401, 403, 404, 501, 505] {
            assert!(
                !is_retryable_status(StatusCode::from_u16(s).unwrap()),
                "{s}"
            );
        }
    }
}

#[cfg(test)]
mod properties;
