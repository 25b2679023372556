//! [`TokenStore`]: where a refresh token that the server **rotates** is kept, so the newest
//! one survives a restart and is never spent twice.
//!
//! Many providers (Xero, Zoho, QuickBooks, Salesforce with rotation on, Microsoft for SPAs)
//! issue a new refresh token with every access token and invalidate the old one. A tool that
//! forgets the new one — because it only lives in memory, or two runs raced — is locked out
//! until a human re-authorises. The refresh-token grant
//! ([`OAuth2RefreshToken`](crate::OAuth2RefreshToken)) writes each rotated token here.
//!
//! Provided stores:
//! - [`MemoryTokenStore`]: process memory (the default; rotation works for one run only).
//! - [`FileTokenStore`]: a JSON file written atomically, `0600` on unix, with a lock file for
//!   runs on the same machine.
//!
//! Implement [`TokenStore`] for anything else (a database row, a secret manager).
//!
//! # What is guaranteed
//!
//! - **Within a process**, concurrent requests make one refresh between them (the token
//!   cache is single-flight), so a refresh token is spent once.
//! - **Across processes on one machine** sharing one [`FileTokenStore`] path, a refresh holds
//!   an exclusive OS lock on `<path>.lock` from reading the stored token until the rotated one
//!   is saved; the second process then reads the rotated token instead of re-spending the old
//!   one. The lock is advisory (`flock` on unix, `LockFileEx` on Windows), released by the OS
//!   if the process dies, so a crash never leaves a stale lock. Network file systems may not
//!   honour it; processes on different machines need a shared store with its own locking.
//! - **Crash safety**: [`FileTokenStore`] replaces the file by renaming a fully written and
//!   fsynced temporary file in the same directory, so the file always holds either the old or
//!   the new token, never a torn write. What no store can prevent: a crash after the server
//!   rotated the token but before the response arrived loses the new token at the server's
//!   side (re-authorisation is then needed).

use std::fmt;
use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use futures::future::BoxFuture;

use crate::{Error, Result, Secret};

/// Keeps the current refresh token. See the module docs.
///
/// Methods return boxed futures so stores can be shared as `Arc<dyn TokenStore>` and may do
/// network I/O.
///
/// ```
/// use futures::future::BoxFuture;
/// use rest_source_runtime::TokenStore;
/// use rest_source_runtime::{Result, Secret};
///
/// /// A store that keeps the token in some database.
/// struct DbStore;
///
/// impl TokenStore for DbStore {
///     fn load(&self) -> BoxFuture<'_, Result<Option<Secret>>> {
///         Box::pin(async { Ok(None) /* SELECT refresh_token FROM … */ })
///     }
///     fn save<'a>(&'a self, token: &'a Secret) -> BoxFuture<'a, Result<()>> {
///         Box::pin(async move { let _ = token.expose(); Ok(()) /* UPDATE … */ })
///     }
///     fn describe(&self) -> String {
///         "the `oauth_tokens` table".into()
///     }
/// }
/// ```
pub trait TokenStore: Send + Sync + 'static {
    /// The stored refresh token, or `None` if nothing was stored yet.
    fn load(&self) -> BoxFuture<'_, Result<Option<Secret>>>;

    /// Replaces the stored refresh token.
    fn save<'a>(&'a self, refresh_token: &'a Secret) -> BoxFuture<'a, Result<()>>;

    /// Takes an exclusive lock held while a refresh runs (from [`load`](Self::load) to
    /// [`save`](Self::save)), for stores shared between processes. Default: no lock (enough
    /// within one process, where refreshes are already single-flight).
    fn lock(&self) -> BoxFuture<'_, Result<StoreLock>> {
        Box::pin(async { Ok(StoreLock::none()) })
    }

    /// Names the store in errors and logs (never its content), e.g. "the token store file
    /// `/var/lib/etl/crm.json`".
    fn describe(&self) -> String {
        "the token store".to_owned()
    }
}

/// A lock taken by [`TokenStore::lock`]; released when dropped.
#[must_use = "the lock is released when this is dropped"]
pub struct StoreLock {
    _held: Option<Box<dyn Send + Sync>>,
}

impl StoreLock {
    /// No lock.
    pub fn none() -> Self {
        StoreLock { _held: None }
    }

    /// Holds `guard` until the lock is dropped.
    pub fn holding(guard: impl Send + Sync + 'static) -> Self {
        StoreLock {
            _held: Some(Box::new(guard)),
        }
    }
}

impl fmt::Debug for StoreLock {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StoreLock")
            .field("held", &self._held.is_some())
            .finish()
    }
}

/// A refresh token in process memory. Clones share the value, so a test or the caller can
/// read the rotated token ([`MemoryTokenStore::get`]).
#[derive(Clone, Default)]
pub struct MemoryTokenStore {
    token: Arc<Mutex<Option<Secret>>>,
}

impl MemoryTokenStore {
    /// An empty store.
    pub fn new() -> Self {
        MemoryTokenStore::default()
    }

    /// A store that already holds `token`.
    pub fn with_token(token: impl Into<Secret>) -> Self {
        let store = MemoryTokenStore::new();
        store.set(token.into());
        store
    }

    /// The stored token.
    pub fn get(&self) -> Option<Secret> {
        self.token
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    fn set(&self, token: Secret) {
        *self.token.lock().unwrap_or_else(PoisonError::into_inner) = Some(token);
    }
}

impl fmt::Debug for MemoryTokenStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MemoryTokenStore")
            .field("holds_token", &self.get().is_some())
            .finish()
    }
}

impl TokenStore for MemoryTokenStore {
    fn load(&self) -> BoxFuture<'_, Result<Option<Secret>>> {
        Box::pin(async { Ok(self.get()) })
    }

    fn save<'a>(&'a self, refresh_token: &'a Secret) -> BoxFuture<'a, Result<()>> {
        Box::pin(async move {
            self.set(refresh_token.clone());
            Ok(())
        })
    }

    fn describe(&self) -> String {
        "the in-memory token store".to_owned()
    }
}

/// A refresh token in a JSON file (`{"refresh_token": "…"}`), written atomically with
/// permissions `0600` on unix, locked across processes through `<path>.lock`. See the
/// module docs for the guarantees.
///
/// The parent directory is created on first save. The lock file is left in place (removing
/// it would let two processes lock different files).
///
/// ```no_run
/// use rest_source_runtime::{OAuth2RefreshToken, Secret};
/// use rest_source_runtime::FileTokenStore;
///
/// let auth = OAuth2RefreshToken::new(
///     "https://auth.example.com/oauth/token",
///     Secret::new("client id"),
///     Secret::new("client secret"),
///     Secret::new("initial refresh token"),
/// )
/// .token_store(FileTokenStore::new("/var/lib/etl/crm-refresh-token.json"));
/// # let _ = auth;
/// ```
#[derive(Clone, Debug)]
pub struct FileTokenStore {
    path: PathBuf,
    lock_timeout: Duration,
}

#[derive(serde::Serialize, serde::Deserialize)]
struct StoredToken {
    refresh_token: String,
}

/// Distinguishes temporary files of concurrent saves within one process.
static TEMP_COUNTER: AtomicU64 = AtomicU64::new(0);

impl FileTokenStore {
    /// A store at `path`.
    pub fn new(path: impl Into<PathBuf>) -> Self {
        FileTokenStore {
            path: path.into(),
            lock_timeout: Duration::from_secs(120),
        }
    }

    /// How long a refresh waits for another process holding the lock (default 120 s).
    pub fn lock_timeout(mut self, timeout: Duration) -> Self {
        self.lock_timeout = timeout;
        self
    }

    /// The file's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The lock file's path: `<path>.lock`.
    pub fn lock_path(&self) -> PathBuf {
        let mut name = self.path.as_os_str().to_owned();
        name.push(".lock");
        PathBuf::from(name)
    }

    fn io_error(&self, action: &str, err: io::Error) -> Error {
        Error::io(format!("{action} the token store file"), &self.path, err)
    }

    fn load_sync(&self) -> Result<Option<Secret>> {
        let bytes = match fs::read(&self.path) {
            Ok(bytes) => bytes,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(self.io_error("read", e)),
        };
        match serde_json::from_slice::<StoredToken>(&bytes) {
            Ok(stored) if !stored.refresh_token.trim().is_empty() => {
                Ok(Some(Secret::new(stored.refresh_token)))
            }
            // Describe, never quote: the file holds a credential.
            _ => Err(self.io_error(
                "read",
                io::Error::new(
                    io::ErrorKind::InvalidData,
                    format!(
                        "it is not valid ({} bytes; expected JSON `{{\"refresh_token\": \
                         \"…\"}}`); delete it to start again from the `refresh_token` secret",
                        bytes.len()
                    ),
                ),
            )),
        }
    }

    /// Temp file in the same directory (so the rename is atomic) → write → fsync → rename →
    /// fsync the directory (so the rename itself survives a power loss).
    fn save_sync(&self, token: &Secret) -> Result<()> {
        let dir = match self.path.parent() {
            Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
            _ => PathBuf::from("."),
        };
        fs::create_dir_all(&dir).map_err(|e| self.io_error("create the directory of", e))?;
        let file_name = self
            .path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "token".to_owned());
        let tmp = dir.join(format!(
            ".{file_name}.tmp.{}.{}",
            std::process::id(),
            TEMP_COUNTER.fetch_add(1, Ordering::Relaxed)
        ));
        let body = serde_json::to_vec(&StoredToken {
            refresh_token: token.expose().to_owned(),
        })
        .map_err(|e| self.io_error("encode the refresh token for", io::Error::other(e)))?;
        let written = (|| -> io::Result<()> {
            let mut file = create_private(&tmp)?;
            file.write_all(&body)?;
            file.sync_all()?;
            drop(file);
            fs::rename(&tmp, &self.path)?;
            sync_dir(&dir)
        })();
        if let Err(e) = written {
            let _ = fs::remove_file(&tmp);
            return Err(self.io_error("write", e));
        }
        Ok(())
    }
}

/// Creates a new file readable and writable by the owner only (on unix).
fn create_private(path: &Path) -> io::Result<File> {
    let mut options = OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options.open(path)
}

#[cfg(unix)]
fn sync_dir(dir: &Path) -> io::Result<()> {
    File::open(dir)?.sync_all()
}

#[cfg(not(unix))]
fn sync_dir(_dir: &Path) -> io::Result<()> {
    // Windows cannot open a directory as a file; `rename` (MoveFileEx) is already durable
    // enough there.
    Ok(())
}

impl TokenStore for FileTokenStore {
    fn load(&self) -> BoxFuture<'_, Result<Option<Secret>>> {
        // A few bytes of local I/O once per refresh: not worth a blocking-pool hop.
        Box::pin(async { self.load_sync() })
    }

    fn save<'a>(&'a self, refresh_token: &'a Secret) -> BoxFuture<'a, Result<()>> {
        Box::pin(async move { self.save_sync(refresh_token) })
    }

    fn lock(&self) -> BoxFuture<'_, Result<StoreLock>> {
        Box::pin(async move {
            let path = self.lock_path();
            if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                fs::create_dir_all(dir).map_err(|e| self.io_error("create the directory of", e))?;
            }
            let mut options = OpenOptions::new();
            options.read(true).write(true).create(true).truncate(false);
            #[cfg(unix)]
            {
                use std::os::unix::fs::OpenOptionsExt;
                options.mode(0o600);
            }
            let file = options
                .open(&path)
                .map_err(|e| Error::io("open the token store lock", &path, e))?;
            let start = tokio::time::Instant::now();
            loop {
                match file.try_lock() {
                    Ok(()) => return Ok(StoreLock::holding(file)),
                    Err(std::fs::TryLockError::WouldBlock) => {}
                    Err(std::fs::TryLockError::Error(e)) => {
                        return Err(Error::io("lock the token store lock", &path, e));
                    }
                }
                if start.elapsed() >= self.lock_timeout {
                    return Err(Error::io(
                        "take the token store lock",
                        &path,
                        io::Error::new(
                            io::ErrorKind::TimedOut,
                            format!(
                                "another process has held it for more than {:?} while \
                                 refreshing; if no other run is active, check for a hung \
                                 process (the lock is released when it exits)",
                                self.lock_timeout
                            ),
                        ),
                    ));
                }
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        })
    }

    fn describe(&self) -> String {
        format!("the token store file `{}`", self.path.display())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A fresh directory, removed on drop (also when the test fails).
    fn temp_dir(name: &str) -> tempfile::TempDir {
        tempfile::Builder::new()
            .prefix(&format!("rest-source-store-{name}-"))
            .tempdir()
            .unwrap()
    }

    #[tokio::test]
    async fn file_store_round_trips_and_replaces() {
        let dir = temp_dir("roundtrip");
        let dir = dir.path();
        let store = FileTokenStore::new(dir.join("nested/token.json"));
        assert!(store.load().await.unwrap().is_none());
        store.save(&Secret::new("r1")).await.unwrap();
        store.save(&Secret::new("r2")).await.unwrap();
        assert_eq!(store.load().await.unwrap().unwrap().expose(), "r2");
        let leftovers: Vec<_> = fs::read_dir(dir.join("nested"))
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert_eq!(leftovers, ["token.json"], "no temporary files are left");
    }

    #[cfg(unix)]
    #[tokio::test]
    async fn file_store_is_private_to_the_owner() {
        use std::os::unix::fs::PermissionsExt;
        let dir = temp_dir("perms");
        let dir = dir.path();
        let store = FileTokenStore::new(dir.join("token.json"));
        store.save(&Secret::new("r1")).await.unwrap();
        let mode = fs::metadata(store.path()).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }

    #[tokio::test]
    async fn a_crash_before_the_rename_keeps_the_current_token() {
        let dir = temp_dir("crash");
        let dir = dir.path();
        let store = FileTokenStore::new(dir.join("token.json"));
        store.save(&Secret::new("current")).await.unwrap();
        // What a crash after writing (part of) the temp file but before the rename leaves.
        fs::write(dir.join(".token.json.tmp.99999.0"), b"{\"refresh_tok").unwrap();
        assert_eq!(store.load().await.unwrap().unwrap().expose(), "current");
        store.save(&Secret::new("next")).await.unwrap();
        assert_eq!(store.load().await.unwrap().unwrap().expose(), "next");
    }

    #[tokio::test]
    async fn a_corrupt_file_is_described_not_quoted() {
        let dir = temp_dir("corrupt");
        let dir = dir.path();
        fs::create_dir_all(dir).unwrap();
        let path = dir.join("token.json");
        fs::write(&path, b"secret-looking garbage").unwrap();
        let err = FileTokenStore::new(&path)
            .load()
            .await
            .unwrap_err()
            .to_string();
        assert!(err.contains("is not valid (22 bytes"), "{err}");
        assert!(err.contains("delete it"), "{err}");
        assert!(!err.contains("garbage"), "{err}");
    }

    #[tokio::test(start_paused = true)]
    async fn the_lock_excludes_a_second_holder_until_released() {
        let dir = temp_dir("lock");
        let dir = dir.path();
        let store =
            FileTokenStore::new(dir.join("token.json")).lock_timeout(Duration::from_secs(1));
        let held = store.lock().await.unwrap();
        let err = store.lock().await.unwrap_err();
        assert!(
            matches!(&err, Error::Io { source, .. } if source.kind() == io::ErrorKind::TimedOut),
            "{err:?}"
        );
        let err = err.to_string();
        assert!(err.contains("could not take the token store lock"), "{err}");
        assert!(err.contains("another process has held it"), "{err}");
        drop(held);
        let _again = store.lock().await.unwrap();
    }

    #[tokio::test]
    async fn memory_store_clones_share_the_token() {
        let store = MemoryTokenStore::new();
        let view = store.clone();
        store.save(&Secret::new("r9")).await.unwrap();
        assert_eq!(view.get().unwrap().expose(), "r9");
        assert!(!format!("{store:?}").contains("r9"));
    }
}
