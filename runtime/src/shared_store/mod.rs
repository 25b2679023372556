//! Shared state: one store abstraction, [`VersionedStore`], for incremental state and for
//! rotating refresh tokens, with versioned reads and conditional writes (compare-and-swap),
//! so workers on different machines can share both safely.
//!
//! - [`VersionedStore`]: `get(key) → (bytes, Version)`, `put_if(key, bytes, expected)` that
//!   writes only if the object is still at `expected` (`None`: only if it does not exist).
//! - [`MemoryStore`]: process memory (tests, one process).
//! - `ObjectStoreBackend` (feature `object-store`): any `object_store` crate store — S3
//!   (feature `object-store`), Google Cloud Storage (`object-store-gcp`), Azure
//!   (`object-store-azure`), in-memory — writing with conditional puts (`PutMode::Create`,
//!   `PutMode::Update` with the ETag/version read).
//! - [`SharedTokenStore`]: a [`TokenStore`](crate::TokenStore) over a versioned store, with a
//!   lease so two workers never spend one single-use refresh token (the protocol is in its
//!   docs).
//! - [`SharedStateStore`]: incremental state over a versioned store; concurrent writers
//!   merge instead of overwriting each other.
//! - [`token_store_at`] and [`StateStore::open`]: a store from a location, as the macro's and
//!   the config's `token_store = "…"` and the CLI's `--state` give it: a plain path or
//!   `file://…` (the embedded file stores, [`FileTokenStore`](crate::FileTokenStore) and
//!   [`FileStateStore`](crate::FileStateStore)), `s3://bucket/key`, `gs://bucket/key`,
//!   `az://container/key` (object storage, credentials from the environment as
//!   `object_store` reads it: `AWS_ACCESS_KEY_ID`, `AWS_ENDPOINT`, `AWS_ALLOW_HTTP`, …), or
//!   `memory://name` (a store shared within the process).

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex, OnceLock, PoisonError};

use bytes::Bytes;
use futures::future::BoxFuture;

use crate::Result;

#[cfg(feature = "object-store")]
mod object;
mod state;
mod token;
mod url;

#[cfg(feature = "object-store")]
pub use object::ObjectStoreBackend;
pub use state::{SharedStateStore, StateStore, merge_state};
pub use token::SharedTokenStore;
pub use url::{token_store_at, versioned_store_at};

/// The version of a stored object, as a [`VersionedStore`] reports it: an ETag and/or an
/// object version (object storage), or a counter ([`MemoryStore`]). Opaque: only compared
/// by the store that issued it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Version {
    /// The ETag (`None` if the store has none).
    pub e_tag: Option<String>,
    /// The object version (`None` if the store has none).
    pub version: Option<String>,
}

/// A conditional write lost: the object is no longer at the expected version (or exists when
/// it was expected not to). Re-read and try again.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Conflict;

impl fmt::Display for Conflict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("the object changed since it was read")
    }
}

/// Objects by key, read with their [`Version`] and written with compare-and-swap. The one
/// abstraction under [`SharedTokenStore`] and [`SharedStateStore`]. See the
/// [module docs](self).
///
/// Errors name the store ([`describe`](Self::describe)), never an object's content.
pub trait VersionedStore: Send + Sync + 'static {
    /// The object at `key` and its version, or `None` if there is none.
    fn get<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Result<Option<(Bytes, Version)>>>;

    /// Writes `value` at `key` if the object is still at `expected` (`None`: if there is no
    /// object yet). `Ok(Err(Conflict))` when another writer got there first.
    fn put_if<'a>(
        &'a self,
        key: &'a str,
        value: Bytes,
        expected: Option<&'a Version>,
    ) -> BoxFuture<'a, Result<std::result::Result<Version, Conflict>>>;

    /// Names the store in errors and logs, e.g. "the object store `s3://etl-state`".
    fn describe(&self) -> String;
}

impl<S: VersionedStore + ?Sized> VersionedStore for Arc<S> {
    fn get<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Result<Option<(Bytes, Version)>>> {
        (**self).get(key)
    }

    fn put_if<'a>(
        &'a self,
        key: &'a str,
        value: Bytes,
        expected: Option<&'a Version>,
    ) -> BoxFuture<'a, Result<std::result::Result<Version, Conflict>>> {
        (**self).put_if(key, value, expected)
    }

    fn describe(&self) -> String {
        (**self).describe()
    }
}

/// Objects in process memory with compare-and-swap. Clones share the objects.
#[derive(Clone, Default)]
pub struct MemoryStore {
    name: String,
    objects: Arc<Mutex<HashMap<String, (Bytes, u64)>>>,
}

impl MemoryStore {
    /// An empty store.
    pub fn new() -> Self {
        MemoryStore::default()
    }

    /// The process-wide store named `name` (what `memory://name` opens): every call with
    /// the same name returns a store sharing the same objects.
    pub fn named(name: &str) -> Self {
        static NAMED: OnceLock<Mutex<HashMap<String, MemoryStore>>> = OnceLock::new();
        let mut named = NAMED
            .get_or_init(Default::default)
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        named
            .entry(name.to_owned())
            .or_insert_with(|| MemoryStore {
                name: name.to_owned(),
                objects: Arc::default(),
            })
            .clone()
    }
}

impl fmt::Debug for MemoryStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let objects = self
            .objects
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .len();
        f.debug_struct("MemoryStore")
            .field("name", &self.name)
            .field("objects", &objects)
            .finish()
    }
}

fn counter_version(n: u64) -> Version {
    Version {
        e_tag: Some(n.to_string()),
        version: None,
    }
}

impl VersionedStore for MemoryStore {
    fn get<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Result<Option<(Bytes, Version)>>> {
        Box::pin(async move {
            let objects = self.objects.lock().unwrap_or_else(PoisonError::into_inner);
            Ok(objects
                .get(key)
                .map(|(bytes, n)| (bytes.clone(), counter_version(*n))))
        })
    }

    fn put_if<'a>(
        &'a self,
        key: &'a str,
        value: Bytes,
        expected: Option<&'a Version>,
    ) -> BoxFuture<'a, Result<std::result::Result<Version, Conflict>>> {
        Box::pin(async move {
            static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);
            let mut objects = self.objects.lock().unwrap_or_else(PoisonError::into_inner);
            let current = objects.get(key).map(|(_, n)| counter_version(*n));
            if current.as_ref() != expected {
                return Ok(Err(Conflict));
            }
            let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            objects.insert(key.to_owned(), (value, n));
            Ok(Ok(counter_version(n)))
        })
    }

    fn describe(&self) -> String {
        if self.name.is_empty() {
            "the in-memory store".to_owned()
        } else {
            format!("the in-memory store `memory://{}`", self.name)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn memory_store_writes_only_at_the_expected_version() {
        let store = MemoryStore::new();
        assert!(store.get("k").await.unwrap().is_none());
        let v1 = store
            .put_if("k", Bytes::from_static(b"a"), None)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            store
                .put_if("k", Bytes::from_static(b"x"), None)
                .await
                .unwrap(),
            Err(Conflict),
            "create fails when the object exists"
        );
        let v2 = store
            .put_if("k", Bytes::from_static(b"b"), Some(&v1))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            store
                .put_if("k", Bytes::from_static(b"c"), Some(&v1))
                .await
                .unwrap(),
            Err(Conflict),
            "a stale version loses"
        );
        let (bytes, version) = store.get("k").await.unwrap().unwrap();
        assert_eq!((&bytes[..], version), (&b"b"[..], v2));
    }

    #[tokio::test]
    async fn named_memory_stores_share_objects() {
        let a = MemoryStore::named("shared-store-test");
        let b = MemoryStore::named("shared-store-test");
        a.put_if("k", Bytes::from_static(b"v"), None)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(&b.get("k").await.unwrap().unwrap().0[..], b"v");
        assert!(
            MemoryStore::named("another")
                .get("k")
                .await
                .unwrap()
                .is_none()
        );
    }
}
