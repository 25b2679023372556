//! Incremental state in a [`VersionedStore`] ([`SharedStateStore`]), and [`StateStore`],
//! which opens the file store or a shared one from a location.

use std::cmp::Ordering;
use std::collections::BTreeMap;
use std::ffi::OsStr;
use std::fmt;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use serde::{Deserialize, Serialize};

use super::{Conflict, VersionedStore};
use crate::resource::incremental::{FileStateStore, IncrementalState, compare_cursor};
use crate::spec::LastValueFunc;
use crate::{Error, Result};

/// The object's content: the same JSON as [`FileStateStore`]'s file.
#[derive(Default, Serialize, Deserialize)]
struct StateObject {
    #[serde(default)]
    resources: BTreeMap<String, IncrementalState>,
}

/// Incremental states of several resources in one object of a [`VersionedStore`]
/// (`{"resources": {"<key>": {…}}}`, as [`FileStateStore`] writes), updated with
/// compare-and-swap so that **concurrent writers never lose each other's progress**:
///
/// - a save re-reads the object, puts its state in, and writes conditionally on the version
///   it read; when another writer got there first, it reads again and retries;
/// - a save of a key another writer has advanced further keeps the further cursor
///   ([`merge_state`]): per key, the later `last_value` by the cursor's `last_value_func`
///   wins, and on a tie the boundary keys of both are kept.
///
/// ```
/// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
/// use rest_source_runtime::IncrementalState;
/// use rest_source_runtime::shared_store::{MemoryStore, SharedStateStore};
/// use rest_source_runtime::spec::LastValueFunc;
/// use serde_json::json;
///
/// let store = SharedStateStore::new(MemoryStore::new(), "etl/state.json");
/// let at = |v: i64| IncrementalState { last_value: Some(json!(v)), ..Default::default() };
/// store.save("events", &at(20), LastValueFunc::Max).await?;
/// // A slower worker that only got to 10 does not move the cursor back.
/// store.save("events", &at(10), LastValueFunc::Max).await?;
/// assert_eq!(store.load("events").await?, at(20));
/// # Ok::<_, rest_source_runtime::Error>(()) }).unwrap();
/// ```
#[derive(Clone)]
pub struct SharedStateStore {
    backend: Arc<dyn VersionedStore>,
    key: String,
    name: String,
}

impl SharedStateStore {
    /// The states in the object at `key` of `backend`.
    pub fn new(backend: impl VersionedStore, key: impl Into<String>) -> Self {
        Self::shared(Arc::new(backend), key)
    }

    /// Like [`new`](Self::new), for a backend shared with other code.
    pub fn shared(backend: Arc<dyn VersionedStore>, key: impl Into<String>) -> Self {
        let key = key.into();
        let name = format!("the incremental state `{key}` in {}", backend.describe());
        SharedStateStore { backend, key, name }
    }

    pub(crate) fn named(backend: Arc<dyn VersionedStore>, key: String, name: String) -> Self {
        SharedStateStore { backend, key, name }
    }

    /// Names the store in errors and logs.
    pub fn describe(&self) -> String {
        self.name.clone()
    }

    async fn read(&self) -> Result<Option<(StateObject, super::Version)>> {
        let Some((bytes, version)) = self.backend.get(&self.key).await? else {
            return Ok(None);
        };
        let object = serde_json::from_slice(&bytes).map_err(|e| {
            Error::Config(format!(
                "{} is not valid ({e}); expected {{\"resources\": {{\"<name>\": \
                 {{\"last_value\": …}}}}}}",
                self.name
            ))
        })?;
        Ok(Some((object, version)))
    }

    /// The saved state of `key` (the default state if the object or entry is missing).
    pub async fn load(&self, key: &str) -> Result<IncrementalState> {
        Ok(self
            .read()
            .await?
            .and_then(|(mut object, _)| object.resources.remove(key))
            .unwrap_or_default())
    }

    /// Merges `state` into the saved state of `key` ([`merge_state`] in the direction of
    /// `func`), keeping every other key's state, with compare-and-swap retries against
    /// concurrent writers.
    pub async fn save(
        &self,
        key: &str,
        state: &IncrementalState,
        func: LastValueFunc,
    ) -> Result<()> {
        const ATTEMPTS: u32 = 64;
        let mut delay = Duration::from_millis(2);
        for _ in 0..ATTEMPTS {
            let (mut object, version) = match self.read().await? {
                Some((object, version)) => (object, Some(version)),
                None => (StateObject::default(), None),
            };
            let merged = match object.resources.remove(key) {
                Some(stored) => merge_state(stored, state.clone(), func),
                None => state.clone(),
            };
            object.resources.insert(key.to_owned(), merged);
            let body = serde_json::to_vec_pretty(&object).map_err(|e| {
                Error::Config(format!("could not serialise the incremental state: {e}"))
            })?;
            match self
                .backend
                .put_if(&self.key, Bytes::from(body), version.as_ref())
                .await?
            {
                Ok(_) => return Ok(()),
                Err(Conflict) => {
                    tokio::time::sleep(delay).await;
                    delay = (delay * 2).min(Duration::from_millis(100));
                }
            }
        }
        Err(Error::Config(format!(
            "could not save the state of `{key}` to {}: another writer changed it {ATTEMPTS} \
             times in a row; retry the save",
            self.name
        )))
    }
}

impl fmt::Debug for SharedStateStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SharedStateStore")
            .field("store", &self.name)
            .finish()
    }
}

/// Two states of one key merged so neither writer's progress is lost: the later
/// `last_value` in the direction of `func` wins with its boundary keys (on a tie, the keys
/// of both are kept); a missing value loses to any value; values that cannot be compared
/// keep `new`. A child's position in its parent's cursor is merged the same way, in the same
/// direction.
///
/// ```
/// use rest_source_runtime::IncrementalState;
/// use rest_source_runtime::shared_store::merge_state;
/// use rest_source_runtime::spec::LastValueFunc;
/// use serde_json::json;
///
/// let at = |v: &str, key: i64| IncrementalState {
///     last_value: Some(json!(v)),
///     last_value_keys: vec![json!(key)],
///     parent: None,
/// };
/// let merged = merge_state(at("2024-05-02", 1), at("2024-05-01", 2), LastValueFunc::Max);
/// assert_eq!(merged, at("2024-05-02", 1));
/// let tie = merge_state(at("2024-05-02", 1), at("2024-05-02", 2), LastValueFunc::Max);
/// assert_eq!(tie.last_value_keys, vec![json!(1), json!(2)]);
/// ```
pub fn merge_state(
    stored: IncrementalState,
    new: IncrementalState,
    func: LastValueFunc,
) -> IncrementalState {
    let parent = match (stored.parent, new.parent) {
        (Some(s), Some(n)) => Some(Box::new(merge_state(*s, *n, func))),
        (s, n) => n.or(s),
    };
    let order = match (&stored.last_value, &new.last_value) {
        (Some(s), Some(n)) => compare_cursor(s, n).map(|o| match func {
            LastValueFunc::Max => o,
            LastValueFunc::Min => o.reverse(),
        }),
        (Some(_), None) => Some(Ordering::Greater),
        (None, _) => Some(Ordering::Less),
    };
    match order {
        Some(Ordering::Greater) => IncrementalState { parent, ..stored },
        Some(Ordering::Equal) => {
            let mut keys = stored.last_value_keys;
            for k in new.last_value_keys {
                if !keys.contains(&k) {
                    keys.push(k);
                }
            }
            IncrementalState {
                last_value: new.last_value,
                last_value_keys: keys,
                parent,
            }
        }
        _ => IncrementalState { parent, ..new },
    }
}

/// Where the incremental state of a run is kept, opened from a location
/// ([`StateStore::open`]): a path or `file://` URL ([`FileStateStore`], the embedded
/// default), or a shared store (`s3://…`, `gs://…`, `az://…`, `memory://…`:
/// [`SharedStateStore`]). What the CLI's `--state` opens.
///
/// Saves merge with the stored state ([`merge_state`]) in both cases; the file store takes
/// an OS lock on `<path>.lock` around the read-merge-write, so processes on one machine do
/// not lose each other's progress either.
#[derive(Clone, Debug)]
pub struct StateStore {
    kind: Kind,
}

#[derive(Clone, Debug)]
enum Kind {
    File(FileStateStore),
    Shared(SharedStateStore),
}

impl From<FileStateStore> for StateStore {
    fn from(store: FileStateStore) -> Self {
        StateStore {
            kind: Kind::File(store),
        }
    }
}

impl From<SharedStateStore> for StateStore {
    fn from(store: SharedStateStore) -> Self {
        StateStore {
            kind: Kind::Shared(store),
        }
    }
}

impl StateStore {
    /// The store at `location`: a file path, `file:///path`, `s3://bucket/key`,
    /// `gs://bucket/key`, `az://container/key` or `memory://name/key` (see the
    /// [module docs](super)). An object-storage URL without the cargo feature for it is an
    /// error saying which feature to build with.
    ///
    /// Takes a `&str`, a `String`, a `&Path` or a `PathBuf` alike: a location that is not
    /// valid UTF-8 (possible for a path, never for a URL) is a file path.
    ///
    /// ```
    /// use rest_source_runtime::shared_store::StateStore;
    /// let file = StateStore::open(std::path::Path::new("state/crm.json")).unwrap();
    /// assert_eq!(file.describe(), "the incremental state file `state/crm.json`");
    /// let shared = StateStore::open("memory://docs/crm.json").unwrap();
    /// assert_eq!(shared.describe(), "the incremental state store `memory://docs/crm.json`");
    /// ```
    pub fn open(location: impl AsRef<OsStr>) -> Result<StateStore> {
        let location = location.as_ref();
        let Some(location) = location.to_str() else {
            // URLs are text, so a location that is not UTF-8 can only be a path.
            return Ok(FileStateStore::new(Path::new(location)).into());
        };
        Ok(match super::url::parse(location, "state")? {
            super::url::Location::File(path) => FileStateStore::new(path).into(),
            super::url::Location::Shared { backend, key } => SharedStateStore::named(
                backend,
                key,
                format!("the incremental state store `{location}`"),
            )
            .into(),
        })
    }

    /// Names the store in errors and logs.
    pub fn describe(&self) -> String {
        match &self.kind {
            Kind::File(f) => format!("the incremental state file `{}`", f.path().display()),
            Kind::Shared(s) => s.describe(),
        }
    }

    /// The state file's path, for the file store (whose folder a caller may sync after a
    /// save); `None` for a shared store.
    pub fn file_path(&self) -> Option<&std::path::Path> {
        match &self.kind {
            Kind::File(f) => Some(f.path()),
            Kind::Shared(_) => None,
        }
    }

    /// The saved state of `key` (the default state when there is none).
    pub async fn load(&self, key: &str) -> Result<IncrementalState> {
        match &self.kind {
            Kind::File(f) => f.load(key),
            Kind::Shared(s) => s.load(key).await,
        }
    }

    /// Merges `state` into the saved state of `key` (see the type docs).
    pub async fn save(
        &self,
        key: &str,
        state: &IncrementalState,
        func: LastValueFunc,
    ) -> Result<()> {
        match &self.kind {
            Kind::File(f) => {
                let _lock = lock_file(f).await?;
                let merged = merge_state(f.load(key)?, state.clone(), func);
                f.save(key, &merged)
            }
            Kind::Shared(s) => s.save(key, state, func).await,
        }
    }
}

/// An exclusive OS lock on `<path>.lock`, waited for up to two minutes.
async fn lock_file(store: &FileStateStore) -> Result<std::fs::File> {
    let mut name = store.path().as_os_str().to_owned();
    name.push(".lock");
    let path = std::path::PathBuf::from(name);
    let file = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(&path)
        .map_err(|e| Error::io("create the incremental state file", store.path(), e))?;
    let start = tokio::time::Instant::now();
    loop {
        match file.try_lock() {
            Ok(()) => return Ok(file),
            Err(std::fs::TryLockError::WouldBlock) => {}
            Err(std::fs::TryLockError::Error(e)) => {
                return Err(Error::io("lock the incremental state file", &path, e));
            }
        }
        if start.elapsed() >= Duration::from_secs(120) {
            return Err(Error::io(
                "lock the incremental state file",
                &path,
                std::io::Error::new(
                    std::io::ErrorKind::TimedOut,
                    "another process has held the lock for more than 120 s; if no other run is \
                     active, check for a hung process (the lock is released when it exits)",
                ),
            ));
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::shared_store::MemoryStore;
    use serde_json::json;

    fn at(v: i64) -> IncrementalState {
        IncrementalState {
            last_value: Some(json!(v)),
            ..Default::default()
        }
    }

    /// `open` takes paths as well as text: one that is not UTF-8 is a file store there
    /// (no URL is such a text), and text locations still dispatch on their scheme.
    #[cfg(unix)]
    #[tokio::test]
    async fn a_location_that_is_not_utf8_opens_the_file_store_at_that_path() {
        use std::os::unix::ffi::OsStrExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(OsStr::from_bytes(b"state-\xff.json"));
        let store = StateStore::open(&path).unwrap();
        assert_eq!(store.file_path(), Some(path.as_path()));
        store.save("r", &at(7), LastValueFunc::Max).await.unwrap();
        assert!(path.is_file(), "saved in the file the path names");
        assert_eq!(store.load("r").await.unwrap(), at(7));

        let text = dir.path().join("text.json");
        assert_eq!(
            StateStore::open(&text).unwrap().file_path(),
            Some(text.as_path())
        );
        let url = format!("file://{}", text.display());
        assert_eq!(
            StateStore::open(&url).unwrap().file_path(),
            Some(text.as_path())
        );
        assert_eq!(
            StateStore::open("memory://unit/state.json")
                .unwrap()
                .file_path(),
            None
        );
        let err = StateStore::open(Path::new("")).unwrap_err().to_string();
        assert!(err.contains("location is empty"), "{err}");
    }

    #[test]
    fn merging_keeps_the_later_cursor_in_either_direction() {
        assert_eq!(merge_state(at(5), at(3), LastValueFunc::Max), at(5));
        assert_eq!(merge_state(at(3), at(5), LastValueFunc::Max), at(5));
        assert_eq!(merge_state(at(5), at(3), LastValueFunc::Min), at(3));
        assert_eq!(
            merge_state(at(5), IncrementalState::default(), LastValueFunc::Max),
            at(5)
        );
        let child = |own: i64, parent: i64| IncrementalState {
            parent: Some(Box::new(at(parent))),
            ..at(own)
        };
        assert_eq!(
            merge_state(child(5, 1), child(3, 9), LastValueFunc::Max),
            child(5, 9),
            "the parent position is merged on its own"
        );
    }

    /// Yields between a read and the next write, so concurrent writers interleave there.
    #[derive(Clone)]
    struct Yielding(MemoryStore, Arc<std::sync::atomic::AtomicUsize>);

    impl VersionedStore for Yielding {
        fn get<'a>(
            &'a self,
            key: &'a str,
        ) -> futures::future::BoxFuture<'a, Result<Option<(Bytes, super::super::Version)>>>
        {
            Box::pin(async move {
                let got = self.0.get(key).await;
                tokio::task::yield_now().await;
                got
            })
        }
        fn put_if<'a>(
            &'a self,
            key: &'a str,
            value: Bytes,
            expected: Option<&'a super::super::Version>,
        ) -> futures::future::BoxFuture<
            'a,
            Result<std::result::Result<super::super::Version, Conflict>>,
        > {
            Box::pin(async move {
                let put = self.0.put_if(key, value, expected).await;
                if matches!(put, Ok(Err(Conflict))) {
                    self.1.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                }
                put
            })
        }
        fn describe(&self) -> String {
            self.0.describe()
        }
    }

    #[tokio::test(start_paused = true)]
    async fn concurrent_writers_of_one_object_lose_no_progress() {
        let conflicts = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let backend = Yielding(MemoryStore::new(), conflicts.clone());
        // 8 writers, each advancing its own resource and a shared one, interleaved.
        let writers = (0..8i64).map(|w| {
            let store = SharedStateStore::new(backend.clone(), "state.json");
            tokio::spawn(async move {
                for step in 0..20i64 {
                    store
                        .save(&format!("own-{w}"), &at(step), LastValueFunc::Max)
                        .await
                        .unwrap();
                    store
                        .save("shared", &at(w * 100 + step), LastValueFunc::Max)
                        .await
                        .unwrap();
                    tokio::task::yield_now().await;
                }
            })
        });
        for w in writers.collect::<Vec<_>>() {
            w.await.unwrap();
        }
        let store = SharedStateStore::new(backend, "state.json");
        for w in 0..8 {
            assert_eq!(store.load(&format!("own-{w}")).await.unwrap(), at(19));
        }
        assert_eq!(store.load("shared").await.unwrap(), at(719));
        assert!(
            conflicts.load(std::sync::atomic::Ordering::Relaxed) > 0,
            "the writers really raced"
        );
    }

    #[tokio::test]
    async fn a_corrupt_object_names_the_store() {
        let backend = MemoryStore::new();
        backend
            .put_if("s", Bytes::from_static(b"nope"), None)
            .await
            .unwrap()
            .unwrap();
        let err = SharedStateStore::new(backend, "s")
            .load("x")
            .await
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("the incremental state `s` in the in-memory store"),
            "{err}"
        );
    }
}
