//! [`ObjectStoreBackend`]: a [`VersionedStore`] over the `object_store` crate.

use std::fmt;
use std::sync::Arc;

use bytes::Bytes;
use futures::future::BoxFuture;
use object_store::path::Path;
use object_store::{ObjectStore, ObjectStoreExt, PutMode, PutOptions, UpdateVersion};

use super::{Conflict, Version, VersionedStore};
use crate::{Error, Result};

/// A [`VersionedStore`] over any [`ObjectStore`] that supports conditional puts: S3 and
/// S3-compatible servers (`If-None-Match: *` and `If-Match: <ETag>` on `PutObject`), Google
/// Cloud Storage, Azure Blob Storage, and `object_store`'s `InMemory`. Writes use
/// [`PutMode::Create`] (no object expected) and [`PutMode::Update`] with the ETag and version
/// read; a lost race (`Precondition` / `AlreadyExists`) is a [`Conflict`].
///
/// `object_store`'s `LocalFileSystem` cannot update conditionally; for files use the
/// embedded file stores (a plain path or `file://` location).
///
/// ```
/// use std::sync::Arc;
/// use object_store::memory::InMemory;
/// use rest_source_runtime::shared_store::{ObjectStoreBackend, SharedTokenStore};
///
/// let backend = ObjectStoreBackend::new(Arc::new(InMemory::new()), "memory://");
/// let tokens = SharedTokenStore::new(backend, "crm/refresh-token.json");
/// # let _ = tokens;
/// ```
#[derive(Clone)]
pub struct ObjectStoreBackend {
    store: Arc<dyn ObjectStore>,
    name: String,
}

impl ObjectStoreBackend {
    /// Objects of `store`; `name` says which in errors, e.g. `s3://etl-state`.
    pub fn new(store: Arc<dyn ObjectStore>, name: impl Into<String>) -> Self {
        ObjectStoreBackend {
            store,
            name: name.into(),
        }
    }

    fn path(&self, key: &str) -> Result<Path> {
        Path::parse(key).map_err(|e| {
            Error::Config(format!(
                "`{key}` is not a valid object path in {}: {e}",
                self.describe()
            ))
        })
    }

    fn failed(&self, action: &str, key: &str, err: object_store::Error) -> Error {
        Error::Store {
            action: format!("{action} `{key}`"),
            store: self.describe(),
            source: Box::new(err),
        }
    }
}

impl fmt::Debug for ObjectStoreBackend {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ObjectStoreBackend")
            .field("store", &self.name)
            .finish()
    }
}

impl VersionedStore for ObjectStoreBackend {
    fn get<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Result<Option<(Bytes, Version)>>> {
        Box::pin(async move {
            let path = self.path(key)?;
            let got = match self.store.get(&path).await {
                Ok(got) => got,
                Err(object_store::Error::NotFound { .. }) => return Ok(None),
                Err(e) => return Err(self.failed("read", key, e)),
            };
            let version = Version {
                e_tag: got.meta.e_tag.clone(),
                version: got.meta.version.clone(),
            };
            let bytes = got.bytes().await.map_err(|e| self.failed("read", key, e))?;
            Ok(Some((bytes, version)))
        })
    }

    fn put_if<'a>(
        &'a self,
        key: &'a str,
        value: Bytes,
        expected: Option<&'a Version>,
    ) -> BoxFuture<'a, Result<std::result::Result<Version, Conflict>>> {
        Box::pin(async move {
            let path = self.path(key)?;
            let mode = match expected {
                None => PutMode::Create,
                Some(v) => PutMode::Update(UpdateVersion {
                    e_tag: v.e_tag.clone(),
                    version: v.version.clone(),
                }),
            };
            let options = PutOptions {
                mode,
                ..PutOptions::default()
            };
            match self.store.put_opts(&path, value.into(), options).await {
                Ok(put) => Ok(Ok(Version {
                    e_tag: put.e_tag,
                    version: put.version,
                })),
                Err(
                    object_store::Error::Precondition { .. }
                    | object_store::Error::AlreadyExists { .. },
                ) => Ok(Err(Conflict)),
                // An update of an object deleted meanwhile also lost its race.
                Err(object_store::Error::NotFound { .. }) if expected.is_some() => {
                    Ok(Err(Conflict))
                }
                Err(e @ object_store::Error::NotImplemented { .. }) => Err(Error::Config(format!(
                    "{} cannot write conditionally ({e}); use a store with conditional puts \
                     (S3, GCS, Azure, or a file path)",
                    self.describe()
                ))),
                Err(e) => Err(self.failed("write", key, e)),
            }
        })
    }

    fn describe(&self) -> String {
        format!("the object store `{}`", self.name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use object_store::memory::InMemory;

    #[tokio::test]
    async fn in_memory_object_store_puts_conditionally() {
        let store = ObjectStoreBackend::new(Arc::new(InMemory::new()), "memory://");
        assert!(store.get("a/b").await.unwrap().is_none());
        let v1 = store
            .put_if("a/b", Bytes::from_static(b"1"), None)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            store
                .put_if("a/b", Bytes::from_static(b"x"), None)
                .await
                .unwrap(),
            Err(Conflict)
        );
        let v2 = store
            .put_if("a/b", Bytes::from_static(b"2"), Some(&v1))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            store
                .put_if("a/b", Bytes::from_static(b"y"), Some(&v1))
                .await
                .unwrap(),
            Err(Conflict)
        );
        let (bytes, version) = store.get("a/b").await.unwrap().unwrap();
        assert_eq!((&bytes[..], version), (&b"2"[..], v2));
    }
}
