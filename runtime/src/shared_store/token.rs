//! [`SharedTokenStore`]: a rotating refresh token in a [`VersionedStore`], spent by one
//! worker at a time through a lease.

use std::fmt;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use futures::future::BoxFuture;
use serde::{Deserialize, Serialize};

use super::{Conflict, Version, VersionedStore};
use crate::auth::token::store::{StoreLock, TokenStore};
use crate::{Error, Result, Secret};

/// A rotating refresh token shared by workers on any number of machines through a
/// [`VersionedStore`] (object storage, for one), spent by **one worker at a time**.
///
/// # The protocol
///
/// A refresh is *read token T → POST T to the token endpoint → the server returns T' (T is
/// now dead) → store T'*. A compare-and-swap on the store alone is not enough: two workers
/// could both read T and both POST it, and the second gets `invalid_grant`. So the whole
/// exchange runs under a **lease**, a second object next to the token (`<key>.lease`,
/// `{"holder": "…", "expires_at_ms": …}`):
///
/// 1. **Claim** ([`TokenStore::lock`]): read the lease. If there is none, create it with a
///    conditional create (`If-None-Match: *`); if it has expired or was released, replace it
///    with a conditional update against the version just read (`If-Match`). Of two workers
///    claiming at once exactly one write succeeds; the other re-reads.
/// 2. **Wait**: a lease held by another worker and not expired is waited for (polling, up
///    to [`lock_timeout`](Self::lock_timeout)).
/// 3. **Read** ([`TokenStore::load`]): the holder reads the token and remembers its version.
///    A worker that lost the claim reads here the token **the winner stored**, T', never the
///    spent T.
/// 4. **Exchange**: the holder POSTs the token; only the holder does.
/// 5. **Store** ([`TokenStore::save`]): T' is written with a conditional update against the
///    version read in step 3, then the lease is released (rewritten as expired, again
///    conditionally, so a lease another worker has taken over is never touched). If the
///    write conflicts, another worker took the lease over while this one held it too long;
///    the save fails with an error naming the store, and the refresh flow keeps T' in memory
///    for the run (see [`OAuth2RefreshToken`](crate::OAuth2RefreshToken)).
///
/// A lease that is not released (a refresh that failed before its save, or returned no new
/// token) is released when the lock is dropped; one whose worker died expires after
/// [`lease_ttl`](Self::lease_ttl) (default 60 s). The TTL must be longer than the longest
/// token exchange (the HTTP client's timeouts bound it) plus the clock difference between
/// the machines: expiry is wall-clock time written by the holder.
///
/// The token object is the same JSON as [`FileTokenStore`](crate::FileTokenStore)'s file,
/// `{"refresh_token": "…"}`. Errors and [`Debug`] name the store and never the token.
///
/// ```
/// use rest_source_runtime::shared_store::{MemoryStore, SharedTokenStore};
/// use rest_source_runtime::{OAuth2RefreshToken, Secret};
///
/// let store = SharedTokenStore::new(MemoryStore::new(), "crm/refresh-token.json");
/// let auth = OAuth2RefreshToken::new(
///     "https://auth.example.com/oauth/token",
///     Secret::new("client id"),
///     Secret::new("client secret"),
///     Secret::new("initial refresh token"),
/// )
/// .token_store(store);
/// # let _ = auth;
/// ```
#[derive(Clone)]
pub struct SharedTokenStore {
    inner: Arc<Inner>,
}

struct Inner {
    backend: Arc<dyn VersionedStore>,
    key: String,
    lease_key: String,
    name: String,
    lease_ttl: Duration,
    lock_timeout: Duration,
    /// The lease this instance holds, if any.
    held: Mutex<Option<Held>>,
}

struct Held {
    holder: String,
    lease_version: Version,
    /// The token's version read under this lease (`Some(None)`: read, and there was none).
    token_version: Option<Option<Version>>,
}

#[derive(Serialize, Deserialize)]
struct Lease {
    holder: String,
    expires_at_ms: u64,
}

#[derive(Serialize, Deserialize)]
struct StoredToken {
    refresh_token: String,
}

impl SharedTokenStore {
    /// The token at `key` in `backend` (the lease at `<key>.lease`).
    pub fn new(backend: impl VersionedStore, key: impl Into<String>) -> Self {
        Self::shared(Arc::new(backend), key)
    }

    /// Like [`new`](Self::new), for a backend shared with other code.
    pub fn shared(backend: Arc<dyn VersionedStore>, key: impl Into<String>) -> Self {
        let key = key.into();
        let name = format!("the token `{key}` in {}", backend.describe());
        Self::build(backend, key, name)
    }

    pub(crate) fn build(backend: Arc<dyn VersionedStore>, key: String, name: String) -> Self {
        SharedTokenStore {
            inner: Arc::new(Inner {
                lease_key: format!("{key}.lease"),
                backend,
                key,
                name,
                lease_ttl: Duration::from_secs(60),
                lock_timeout: Duration::from_secs(120),
                held: Mutex::new(None),
            }),
        }
    }

    fn with(self, f: impl FnOnce(&mut Inner)) -> Self {
        let mut inner = Arc::try_unwrap(self.inner).unwrap_or_else(|shared| Inner {
            backend: shared.backend.clone(),
            key: shared.key.clone(),
            lease_key: shared.lease_key.clone(),
            name: shared.name.clone(),
            lease_ttl: shared.lease_ttl,
            lock_timeout: shared.lock_timeout,
            held: Mutex::new(None),
        });
        f(&mut inner);
        SharedTokenStore {
            inner: Arc::new(inner),
        }
    }

    /// How long a claimed lease lasts if its holder never releases it (default 60 s): longer
    /// than any token exchange, or a second worker may take over a live one.
    pub fn lease_ttl(self, ttl: Duration) -> Self {
        self.with(|i| i.lease_ttl = ttl)
    }

    /// How long a refresh waits for a lease held by another worker (default 120 s).
    pub fn lock_timeout(self, timeout: Duration) -> Self {
        self.with(|i| i.lock_timeout = timeout)
    }

    /// The token's key in the backend.
    pub fn key(&self) -> &str {
        &self.inner.key
    }

    fn held(&self) -> std::sync::MutexGuard<'_, Option<Held>> {
        self.inner
            .held
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    fn encode_lease(&self, lease: &Lease) -> Result<Bytes> {
        serde_json::to_vec(lease).map(Bytes::from).map_err(|e| {
            Error::Config(format!(
                "could not encode the lease of {}: {e}",
                self.inner.name
            ))
        })
    }

    /// Step 1 and 2 of the protocol: the lease, claimed.
    async fn claim(&self) -> Result<StoreLock> {
        let inner = &self.inner;
        let holder = holder_id();
        let start = tokio::time::Instant::now();
        let mut delay = Duration::from_millis(5);
        loop {
            let now = now_ms();
            let current = inner.backend.get(&inner.lease_key).await?;
            let expected = match &current {
                None => None,
                Some((bytes, version)) => match serde_json::from_slice::<Lease>(bytes) {
                    Ok(lease) if lease.expires_at_ms > now => {
                        if start.elapsed() >= inner.lock_timeout {
                            return Err(Error::Config(format!(
                                "another worker has held the refresh lease of {} for more \
                                 than {:?} (it expires in {} s); if no other run is active, \
                                 wait for it to expire or delete the object `{}`",
                                inner.name,
                                inner.lock_timeout,
                                (lease.expires_at_ms - now).div_ceil(1000),
                                inner.lease_key
                            )));
                        }
                        tokio::time::sleep(delay).await;
                        delay = (delay * 2).min(Duration::from_millis(200));
                        continue;
                    }
                    // Expired, released, or unreadable: take it over, conditionally.
                    _ => Some(version.clone()),
                },
            };
            let lease = Lease {
                holder: holder.clone(),
                expires_at_ms: now.saturating_add(inner.lease_ttl.as_millis() as u64),
            };
            let body = self.encode_lease(&lease)?;
            match inner
                .backend
                .put_if(&inner.lease_key, body, expected.as_ref())
                .await?
            {
                Ok(lease_version) => {
                    *self.held() = Some(Held {
                        holder: holder.clone(),
                        lease_version,
                        token_version: None,
                    });
                    return Ok(StoreLock::holding(ReleaseOnDrop {
                        store: self.clone(),
                        holder,
                    }));
                }
                // Another worker claimed it between our read and our write: look again.
                Err(Conflict) => continue,
            }
        }
    }

    /// Rewrites this instance's lease as expired (conditionally: a lease taken over by
    /// another worker is left alone). A no-op if `holder` no longer holds it here.
    async fn release(&self, holder: &str) -> Result<()> {
        let lease_version = match self.held().take_if(|h| h.holder == holder) {
            Some(held) => held.lease_version,
            None => return Ok(()),
        };
        let body = self.encode_lease(&Lease {
            holder: holder.to_owned(),
            expires_at_ms: 0,
        })?;
        if let Err(Conflict) = self
            .inner
            .backend
            .put_if(&self.inner.lease_key, body, Some(&lease_version))
            .await?
        {
            tracing::warn!(
                target: "rest_source",
                "the refresh lease of {} was taken over by another worker before this one released it; raise the lease TTL",
                self.inner.name
            );
        }
        Ok(())
    }
}

/// Releases the lease if the refresh ended without a save (an error, or no new token).
struct ReleaseOnDrop {
    store: SharedTokenStore,
    holder: String,
}

impl Drop for ReleaseOnDrop {
    fn drop(&mut self) {
        let still_held = self
            .store
            .held()
            .as_ref()
            .is_some_and(|h| h.holder == self.holder);
        if !still_held {
            return;
        }
        let store = self.store.clone();
        let holder = std::mem::take(&mut self.holder);
        match tokio::runtime::Handle::try_current() {
            Ok(handle) => {
                handle.spawn(async move {
                    if let Err(e) = store.release(&holder).await {
                        tracing::warn!(target: "rest_source", error = %e, "could not release the refresh lease; it expires on its own");
                    }
                });
            }
            // No runtime to release on: the lease expires after its TTL.
            Err(_) => {
                store.held().take();
            }
        }
    }
}

impl fmt::Debug for SharedTokenStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SharedTokenStore")
            .field("store", &self.inner.name)
            .field("lease_ttl", &self.inner.lease_ttl)
            .field("lock_timeout", &self.inner.lock_timeout)
            .finish()
    }
}

impl TokenStore for SharedTokenStore {
    fn load(&self) -> BoxFuture<'_, Result<Option<Secret>>> {
        Box::pin(async move {
            let inner = &self.inner;
            let current = inner.backend.get(&inner.key).await?;
            let version = current.as_ref().map(|(_, v)| v.clone());
            if let Some(held) = self.held().as_mut() {
                held.token_version = Some(version);
            }
            let Some((bytes, _)) = current else {
                return Ok(None);
            };
            match serde_json::from_slice::<StoredToken>(&bytes) {
                Ok(stored) if !stored.refresh_token.trim().is_empty() => {
                    Ok(Some(Secret::new(stored.refresh_token)))
                }
                // Describe, never quote: the object holds a credential.
                _ => Err(Error::Config(format!(
                    "{} is not valid ({} bytes; expected JSON `{{\"refresh_token\": \"…\"}}`); \
                     delete it to start again from the `refresh_token` secret",
                    inner.name,
                    bytes.len()
                ))),
            }
        })
    }

    fn save<'a>(&'a self, refresh_token: &'a Secret) -> BoxFuture<'a, Result<()>> {
        Box::pin(async move {
            let inner = &self.inner;
            let (read_under_lease, holder) = match self.held().as_ref() {
                Some(h) => (h.token_version.clone(), Some(h.holder.clone())),
                None => (None, None),
            };
            // The version this save replaces: the one read under the lease (the rotation
            // after an exchange), else the current one (a token saved before any read).
            let expected = match &read_under_lease {
                Some(version) => version.clone(),
                None => inner.backend.get(&inner.key).await?.map(|(_, v)| v),
            };
            let body = serde_json::to_vec(&StoredToken {
                refresh_token: refresh_token.expose().to_owned(),
            })
            .map_err(|e| Error::Config(format!("could not encode the refresh token: {e}")))?;
            match inner
                .backend
                .put_if(&inner.key, Bytes::from(body), expected.as_ref())
                .await?
            {
                Ok(version) => {
                    if let Some(held) = self.held().as_mut() {
                        held.token_version = Some(Some(version));
                    }
                }
                Err(Conflict) => {
                    return Err(Error::Config(format!(
                        "{} was changed by another worker while this one held the refresh \
                         lease (the lease expired: the token exchange took longer than the \
                         lease TTL of {:?}); raise it with `SharedTokenStore::lease_ttl`",
                        inner.name, inner.lease_ttl
                    )));
                }
            }
            // The rotated token is stored: the exchange is over, let the next worker in.
            if let (Some(_), Some(holder)) = (read_under_lease, holder) {
                self.release(&holder).await?;
            }
            Ok(())
        })
    }

    fn lock(&self) -> BoxFuture<'_, Result<StoreLock>> {
        Box::pin(self.claim())
    }

    fn describe(&self) -> String {
        self.inner.name.clone()
    }
}

fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}

/// A holder id unique across machines and processes: random bits, the process id and a
/// counter.
fn holder_id() -> String {
    use ring::rand::SecureRandom;
    use std::sync::atomic::{AtomicU64, Ordering};
    static N: AtomicU64 = AtomicU64::new(0);
    let mut random = [0u8; 8];
    let _ = ring::rand::SystemRandom::new().fill(&mut random);
    format!(
        "{:016x}-{}-{}",
        u64::from_le_bytes(random),
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::shared_store::MemoryStore;

    #[tokio::test]
    async fn a_held_lease_excludes_a_second_worker_until_the_save_releases_it() {
        let backend = MemoryStore::new();
        let a = SharedTokenStore::new(backend.clone(), "t");
        let b = SharedTokenStore::new(backend.clone(), "t").lock_timeout(Duration::ZERO);
        let lock = a.lock().await.unwrap();
        assert!(a.load().await.unwrap().is_none());
        let err = b.lock().await.unwrap_err().to_string();
        assert!(
            err.contains("held the refresh lease of the token `t`"),
            "{err}"
        );
        a.save(&Secret::new("r1")).await.unwrap();
        let _b = b.lock().await.expect("the save released the lease");
        assert_eq!(b.load().await.unwrap().unwrap().expose(), "r1");
        drop(lock);
    }

    #[tokio::test]
    async fn an_expired_lease_is_taken_over_and_its_late_save_is_refused() {
        let backend = MemoryStore::new();
        let slow = SharedTokenStore::new(backend.clone(), "t").lease_ttl(Duration::ZERO);
        let next = SharedTokenStore::new(backend.clone(), "t").lock_timeout(Duration::ZERO);
        let _slow = slow.lock().await.unwrap();
        assert!(slow.load().await.unwrap().is_none());
        // The slow holder's lease expired at once: the next worker takes it and rotates.
        let _next = next.lock().await.unwrap();
        next.load().await.unwrap();
        next.save(&Secret::new("from-next")).await.unwrap();
        let err = slow.save(&Secret::new("from-slow")).await.unwrap_err();
        let err = err.to_string();
        assert!(err.contains("changed by another worker"), "{err}");
        assert!(!err.contains("from-"), "no token in errors: {err}");
        assert_eq!(next.load().await.unwrap().unwrap().expose(), "from-next");
    }

    #[tokio::test]
    async fn dropping_the_lock_without_a_save_releases_the_lease() {
        let backend = MemoryStore::new();
        let a = SharedTokenStore::new(backend.clone(), "t");
        let b = SharedTokenStore::new(backend, "t");
        drop(a.lock().await.unwrap());
        let claimed = tokio::time::timeout(Duration::from_secs(10), b.lock()).await;
        let _lock = claimed.expect("released by the drop").unwrap();
    }

    #[tokio::test]
    async fn a_corrupt_token_is_described_not_quoted() {
        let backend = MemoryStore::new();
        backend
            .put_if("t", Bytes::from_static(b"secret-looking garbage"), None)
            .await
            .unwrap()
            .unwrap();
        let store = SharedTokenStore::new(backend, "t");
        let err = store.load().await.unwrap_err().to_string();
        assert!(err.contains("is not valid (22 bytes"), "{err}");
        assert!(!err.contains("garbage"), "{err}");
        assert!(!format!("{store:?}").contains("garbage"));
    }
}
