//! [`TokenCache`]: an expiring value (an access token, a session cookie, a signed assertion)
//! fetched once, shared by every request, and replaced shortly **before** it expires.
//!
//! It is independent of OAuth2 so any flow that trades credentials for a short-lived value
//! (refresh-token grants, JWT assertions, session logins) reuses the same concurrency and
//! expiry logic.
//!
//! # How it behaves
//!
//! - **Fast read path**: a valid value is read under a `std::sync::RwLock` held for the length
//!   of one clone, never across an `.await`.
//! - **Single flight**: fetches run under one async mutex. A task that finds no valid value
//!   waits for the mutex, then looks again: if another task stored a value while it waited, it
//!   uses that value (even a zero-lifetime one) instead of fetching again. So N concurrent
//!   callers make exactly one fetch.
//! - **Refresh before expiry**: a value with lifetime `L` is refreshed from
//!   `fetched_at + L - leeway(L)` on, where `leeway(L) = min(max_leeway, L / 10)` (`max_leeway`
//!   defaults to 60 s). A 1-hour token is refreshed 60 s early, a 60 s token 6 s early, a 5 s
//!   token 0.5 s early: short-lived tokens are not refreshed on every request.
//!   `fetched_at` is taken when the fetch *starts*, so network time only makes the cache
//!   more conservative.
//! - **Stale while refreshing**: inside the leeway window the old value is still valid, so
//!   while one task refreshes, the others keep using it instead of queueing behind the fetch.
//! - **Invalidation** ([`TokenCache::invalidate_if`]) removes the value only if it is the one
//!   the caller saw rejected, so a 401 on an old token does not throw away a newer one.
//! - **A failure is shared too**: the tasks that waited for a fetch that failed get a copy of
//!   its error ([`SharedFailure`]) instead of each fetching again in turn, so a failing token
//!   endpoint sees one request (and its retries) per refresh, not one per waiting request.
//!   Nothing is stored for later callers: a task that arrives after the failure fetches anew.
//!
//! Time is `tokio::time::Instant`, so tests drive expiry with tokio's paused clock.
//!
//! Modelled on object_store's `client/token.rs` (`TokenCache`: refresh under one lock,
//! re-check after taking it) and smithy-rs's `expiring_cache.rs` (buffer before expiry).

use std::fmt;
use std::future::Future;
use std::sync::{PoisonError, RwLock};
use std::time::Duration;

use tokio::time::Instant;

/// The largest refresh leeway by default: a token is never refreshed more than 60 s early.
pub const DEFAULT_MAX_LEEWAY: Duration = Duration::from_secs(60);

/// How early a value with `lifetime` is refreshed: `min(max_leeway, lifetime / 10)`.
pub fn refresh_leeway(lifetime: Duration, max_leeway: Duration) -> Duration {
    (lifetime / 10).min(max_leeway)
}

/// A freshly fetched value and how long it is valid (`None`: until invalidated).
#[derive(Clone)]
pub struct Expiring<T> {
    /// The value.
    pub value: T,
    /// Its lifetime from the moment the fetch started; `None` never expires.
    pub lifetime: Option<Duration>,
}

impl<T> Expiring<T> {
    /// A value valid for `lifetime`.
    pub fn new(value: T, lifetime: Duration) -> Self {
        Expiring {
            value,
            lifetime: Some(lifetime),
        }
    }

    /// A value valid until it is invalidated.
    pub fn forever(value: T) -> Self {
        Expiring {
            value,
            lifetime: None,
        }
    }
}

impl<T> fmt::Debug for Expiring<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The value is usually a credential: never print it.
        f.debug_struct("Expiring")
            .field("lifetime", &self.lifetime)
            .finish_non_exhaustive()
    }
}

struct Entry<T> {
    value: T,
    /// From this instant on the value is due for refresh (but still usable).
    refresh_at: Option<Instant>,
    /// From this instant on the value must not be used.
    expires_at: Option<Instant>,
}

impl<T> Entry<T> {
    fn is_fresh(&self, now: Instant) -> bool {
        self.refresh_at.is_none_or(|at| now < at)
    }
    fn is_usable(&self, now: Instant) -> bool {
        self.expires_at.is_none_or(|at| now < at)
    }
}

struct Slot<T> {
    entry: Option<Entry<T>>,
    /// Incremented by every completed fetch, so a waiter can tell that a fetch finished
    /// while it waited for the fetch lock.
    generation: u64,
    /// The error of the last fetch, if it failed (an `E` of the caller's `get_or_fetch`).
    failure: Option<Box<dyn std::any::Any + Send + Sync>>,
}

/// An error that each task waiting on a failed fetch receives a copy of (see the
/// [module docs](self)). Implemented for the crate's [`Error`](crate::Error), `String`,
/// `&'static str` and `std::io::Error`.
pub trait SharedFailure: Send + Sync + 'static {
    /// A copy for one more waiting task.
    fn share(&self) -> Self;
}

impl SharedFailure for crate::Error {
    fn share(&self) -> Self {
        self.duplicate()
    }
}

impl SharedFailure for String {
    fn share(&self) -> Self {
        self.clone()
    }
}

impl SharedFailure for &'static str {
    fn share(&self) -> Self {
        self
    }
}

impl SharedFailure for std::io::Error {
    fn share(&self) -> Self {
        std::io::Error::new(self.kind(), self.to_string())
    }
}

/// A cached expiring value with single-flight refresh. See the [module docs](self).
pub struct TokenCache<T> {
    slot: RwLock<Slot<T>>,
    fetch_lock: tokio::sync::Mutex<()>,
    max_leeway: Duration,
}

impl<T> fmt::Debug for TokenCache<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let slot = self.slot.read().unwrap_or_else(PoisonError::into_inner);
        let state = match &slot.entry {
            None => "empty".to_owned(),
            Some(e) => match e.expires_at {
                None => "cached (no expiry)".to_owned(),
                Some(at) => format!(
                    "cached (expires in {:?})",
                    at.saturating_duration_since(Instant::now())
                ),
            },
        };
        f.debug_struct("TokenCache")
            .field("state", &state)
            .field("max_leeway", &self.max_leeway)
            .finish()
    }
}

impl<T> Default for TokenCache<T> {
    fn default() -> Self {
        TokenCache::new()
    }
}

impl<T> TokenCache<T> {
    /// An empty cache with the default leeway rule (see the [module docs](self)).
    pub fn new() -> Self {
        TokenCache {
            slot: RwLock::new(Slot {
                entry: None,
                generation: 0,
                failure: None,
            }),
            fetch_lock: tokio::sync::Mutex::new(()),
            max_leeway: DEFAULT_MAX_LEEWAY,
        }
    }

    /// Caps how early values are refreshed (default 60 s); `Duration::ZERO` refreshes only
    /// once a value has expired.
    pub fn with_max_leeway(mut self, max_leeway: Duration) -> Self {
        self.max_leeway = max_leeway;
        self
    }

    /// The configured cap on the refresh leeway.
    pub fn max_leeway(&self) -> Duration {
        self.max_leeway
    }

    /// Removes the cached value if `is_rejected` says it is the one that was rejected, and
    /// returns whether it did. A value stored meanwhile by another task is kept.
    pub fn invalidate_if(&self, is_rejected: impl FnOnce(&T) -> bool) -> bool {
        let mut slot = self.slot.write().unwrap_or_else(PoisonError::into_inner);
        match &slot.entry {
            Some(entry) if is_rejected(&entry.value) => {
                slot.entry = None;
                true
            }
            _ => false,
        }
    }

    /// Removes the cached value unconditionally.
    pub fn invalidate(&self) {
        self.slot
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .entry = None;
    }
}

impl<T: Clone> TokenCache<T> {
    /// The cached value if it has not expired (it may be inside the refresh window).
    pub fn current(&self) -> Option<T> {
        let slot = self.slot.read().unwrap_or_else(PoisonError::into_inner);
        slot.entry
            .as_ref()
            .filter(|e| e.is_usable(Instant::now()))
            .map(|e| e.value.clone())
    }

    /// The cached value, or a new one from `fetch` if there is none or it is due for refresh.
    /// At most one `fetch` runs at a time; concurrent callers share its result, an error
    /// included.
    pub async fn get_or_fetch<E, F, Fut>(&self, fetch: F) -> Result<T, E>
    where
        E: SharedFailure,
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<Expiring<T>, E>>,
    {
        // Fast path: a fresh value under a short read lock.
        let seen_generation = {
            let slot = self.slot.read().unwrap_or_else(PoisonError::into_inner);
            match &slot.entry {
                Some(e) if e.is_fresh(Instant::now()) => return Ok(e.value.clone()),
                _ => slot.generation,
            }
        };

        let _guard = match self.fetch_lock.try_lock() {
            Ok(guard) => guard,
            Err(_) => {
                // Someone is already fetching. If the old value is still usable (we are in
                // the leeway window), use it rather than wait.
                if let Some(value) = self.current() {
                    return Ok(value);
                }
                self.fetch_lock.lock().await
            }
        };

        // Re-check under the fetch lock: a value stored while we waited is as fresh as
        // anything we could fetch now, and a fetch that failed while we waited would fail
        // again for us.
        {
            let slot = self.slot.read().unwrap_or_else(PoisonError::into_inner);
            if slot.generation != seen_generation
                && let Some(err) = slot.failure.as_ref().and_then(|f| f.downcast_ref::<E>())
            {
                return Err(err.share());
            }
            if let Some(e) = &slot.entry
                && (e.is_fresh(Instant::now()) || slot.generation != seen_generation)
            {
                return Ok(e.value.clone());
            }
        }

        let started = Instant::now();
        let fetched = match fetch().await {
            Ok(fetched) => fetched,
            Err(err) => {
                let mut slot = self.slot.write().unwrap_or_else(PoisonError::into_inner);
                slot.generation = slot.generation.wrapping_add(1);
                slot.failure = Some(Box::new(err.share()));
                return Err(err);
            }
        };
        let (refresh_at, expires_at) = match fetched.lifetime {
            None => (None, None),
            Some(lifetime) => (
                Some(started + lifetime.saturating_sub(refresh_leeway(lifetime, self.max_leeway))),
                Some(started + lifetime),
            ),
        };
        let mut slot = self.slot.write().unwrap_or_else(PoisonError::into_inner);
        slot.generation = slot.generation.wrapping_add(1);
        slot.failure = None;
        slot.entry = Some(Entry {
            value: fetched.value.clone(),
            refresh_at,
            expires_at,
        });
        Ok(fetched.value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};

    /// A fetcher that counts calls and hands out `t1`, `t2`, ... valid for `lifetime`.
    #[derive(Clone)]
    struct Counter {
        calls: Arc<AtomicUsize>,
        lifetime: Duration,
    }

    impl Counter {
        fn new(lifetime: Duration) -> Self {
            Counter {
                calls: Arc::new(AtomicUsize::new(0)),
                lifetime,
            }
        }
        fn calls(&self) -> usize {
            self.calls.load(Ordering::SeqCst)
        }
        async fn fetch(&self) -> Result<Expiring<String>, String> {
            let n = self.calls.fetch_add(1, Ordering::SeqCst) + 1;
            // Yield across a timer so concurrent callers really pile up behind the lock.
            tokio::time::sleep(Duration::from_millis(10)).await;
            Ok(Expiring::new(format!("t{n}"), self.lifetime))
        }
    }

    #[tokio::test(start_paused = true)]
    async fn concurrent_callers_share_one_fetch() {
        let cache = Arc::new(TokenCache::new());
        let counter = Counter::new(Duration::from_secs(3600));
        let tasks: Vec<_> = (0..50)
            .map(|_| {
                let (cache, counter) = (cache.clone(), counter.clone());
                tokio::spawn(async move { cache.get_or_fetch(|| counter.fetch()).await })
            })
            .collect();
        for t in tasks {
            assert_eq!(t.await.unwrap().unwrap(), "t1");
        }
        assert_eq!(counter.calls(), 1);
    }

    #[tokio::test(start_paused = true)]
    async fn zero_lifetime_values_are_still_single_flight() {
        let cache = Arc::new(TokenCache::new());
        let counter = Counter::new(Duration::ZERO);
        let tasks: Vec<_> = (0..20)
            .map(|_| {
                let (cache, counter) = (cache.clone(), counter.clone());
                tokio::spawn(async move { cache.get_or_fetch(|| counter.fetch()).await })
            })
            .collect();
        for t in tasks {
            t.await.unwrap().unwrap();
        }
        assert_eq!(counter.calls(), 1);
    }

    #[tokio::test(start_paused = true)]
    async fn refreshes_at_the_leeway_point_not_before() {
        let cache = TokenCache::new();
        let counter = Counter::new(Duration::from_secs(60));
        // Leeway for 60 s is 6 s; the fetch started at t=0, so refresh is due at t=54 s.
        assert_eq!(cache.get_or_fetch(|| counter.fetch()).await.unwrap(), "t1");
        tokio::time::advance(Duration::from_millis(53_900)).await;
        assert_eq!(cache.get_or_fetch(|| counter.fetch()).await.unwrap(), "t1");
        assert_eq!(counter.calls(), 1);
        tokio::time::advance(Duration::from_millis(200)).await;
        assert_eq!(cache.get_or_fetch(|| counter.fetch()).await.unwrap(), "t2");
        assert_eq!(counter.calls(), 2);
    }

    #[tokio::test(start_paused = true)]
    async fn max_leeway_caps_how_early_long_tokens_refresh() {
        let cache = TokenCache::new().with_max_leeway(Duration::from_secs(5));
        let counter = Counter::new(Duration::from_secs(3600));
        cache.get_or_fetch(|| counter.fetch()).await.unwrap();
        tokio::time::advance(Duration::from_secs(3594)).await;
        cache.get_or_fetch(|| counter.fetch()).await.unwrap();
        assert_eq!(counter.calls(), 1);
        tokio::time::advance(Duration::from_secs(2)).await;
        cache.get_or_fetch(|| counter.fetch()).await.unwrap();
        assert_eq!(counter.calls(), 2);
    }

    #[tokio::test(start_paused = true)]
    async fn invalidate_if_keeps_a_newer_value() {
        let cache = TokenCache::new();
        let counter = Counter::new(Duration::from_secs(3600));
        cache.get_or_fetch(|| counter.fetch()).await.unwrap();
        // A request rejected with an older token must not evict `t1`.
        assert!(!cache.invalidate_if(|v: &String| v == "t0"));
        assert_eq!(cache.current().as_deref(), Some("t1"));
        assert!(cache.invalidate_if(|v: &String| v == "t1"));
        assert_eq!(cache.current(), None);
        assert_eq!(cache.get_or_fetch(|| counter.fetch()).await.unwrap(), "t2");
    }

    #[tokio::test(start_paused = true)]
    async fn failed_fetch_stores_nothing_and_the_next_call_retries() {
        let cache: TokenCache<String> = TokenCache::new();
        let err = cache
            .get_or_fetch(|| async { Err::<Expiring<String>, _>("down") })
            .await;
        assert_eq!(err.unwrap_err(), "down");
        assert_eq!(cache.current(), None);
        let ok: Result<_, &str> = cache
            .get_or_fetch(|| async { Ok(Expiring::forever("t".to_owned())) })
            .await;
        assert_eq!(ok.unwrap(), "t");
    }

    #[tokio::test(start_paused = true)]
    async fn callers_waiting_on_a_failing_fetch_share_its_error() {
        let cache: Arc<TokenCache<String>> = Arc::new(TokenCache::new());
        let calls = Arc::new(AtomicUsize::new(0));
        let tasks: Vec<_> = (0..30)
            .map(|_| {
                let (cache, calls) = (cache.clone(), calls.clone());
                tokio::spawn(async move {
                    cache
                        .get_or_fetch(|| async move {
                            calls.fetch_add(1, Ordering::SeqCst);
                            tokio::time::sleep(Duration::from_millis(10)).await;
                            Err::<Expiring<String>, _>("down".to_owned())
                        })
                        .await
                })
            })
            .collect();
        for t in tasks {
            assert_eq!(t.await.unwrap().unwrap_err(), "down");
        }
        assert_eq!(calls.load(Ordering::SeqCst), 1);
        // A caller that arrives after the failure tries again.
        let ok: Result<_, String> = cache
            .get_or_fetch(|| async { Ok(Expiring::forever("t".to_owned())) })
            .await;
        assert_eq!(ok.unwrap(), "t");
    }

    #[tokio::test(start_paused = true)]
    async fn callers_in_the_leeway_window_use_the_old_value_while_one_refreshes() {
        let cache = Arc::new(TokenCache::new());
        let counter = Counter::new(Duration::from_secs(60));
        cache.get_or_fetch(|| counter.fetch()).await.unwrap();
        tokio::time::advance(Duration::from_secs(55)).await; // inside the 6 s window
        let gate = Arc::new(tokio::sync::Notify::new());
        let refresher = {
            let (cache, gate) = (cache.clone(), gate.clone());
            tokio::spawn(async move {
                cache
                    .get_or_fetch(|| async move {
                        gate.notified().await;
                        Ok::<_, String>(Expiring::new("slow".to_owned(), Duration::from_secs(60)))
                    })
                    .await
            })
        };
        tokio::task::yield_now().await; // the refresher now holds the fetch lock
        let other = cache.get_or_fetch(|| counter.fetch()).await.unwrap();
        assert_eq!(
            other, "t1",
            "a still-valid value is used while a refresh runs"
        );
        gate.notify_one();
        assert_eq!(refresher.await.unwrap().unwrap(), "slow");
        assert_eq!(cache.current().as_deref(), Some("slow"));
        assert_eq!(counter.calls(), 1);
    }

    #[test]
    fn debug_never_prints_the_value() {
        let e = Expiring::new("canary-value".to_owned(), Duration::from_secs(1));
        assert!(!format!("{e:?}").contains("canary"));
        let cache: TokenCache<String> = TokenCache::new();
        assert!(format!("{cache:?}").contains("empty"));
    }
}

/// The examples of this module's items (crate-private, so not doc tests).
#[cfg(test)]
mod examples {
    #[test]
    fn refresh_leeway_is_a_tenth_capped_by_the_maximum() {
        use super::{DEFAULT_MAX_LEEWAY, refresh_leeway};
        use std::time::Duration;
        let s = Duration::from_secs;
        assert_eq!(refresh_leeway(s(3600), DEFAULT_MAX_LEEWAY), s(60));
        assert_eq!(refresh_leeway(s(60), DEFAULT_MAX_LEEWAY), s(6));
        assert_eq!(refresh_leeway(s(0), DEFAULT_MAX_LEEWAY), s(0));
    }

    #[tokio::test]
    async fn get_or_fetch_fetches_on_first_use() {
        use super::{Expiring, TokenCache};
        use std::time::Duration;

        let cache = TokenCache::new();
        let token: Result<String, std::io::Error> = cache
            .get_or_fetch(|| async {
                Ok(Expiring::new("t1".to_owned(), Duration::from_secs(3600)))
            })
            .await;
        assert_eq!(token.unwrap(), "t1");
    }
}
