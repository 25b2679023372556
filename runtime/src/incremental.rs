//! Incremental loading at run time: the cursor's last value, its state, and a file store.
//!
//! A run sends the start value (the restored state's `last_value`, else the spec's
//! `initial_value`) as `start_param`, drops records older than it, and tracks the largest
//! cursor value seen. After a successful run, save [`crate::Resource::incremental_state`];
//! restore it with [`crate::Resource::with_incremental_state`] before the next run.
//!
//! # One run, one window, one state change
//!
//! - The start value is fixed when a stream is created: every page, and every parent record
//!   of a child resource, uses the same one.
//! - The state advances **once**, when the stream has yielded its last item without an
//!   error. A stream that fails, or is dropped before its end (such as
//!   [`crate::Resource::first_page`]), leaves the state as it was, so the next run repeats
//!   that window instead of skipping it.
//! - A child of an incremental parent is fetched for exactly the parent records that the
//!   run's parent window yields. The child keeps **its own** position in its parent's
//!   cursor ([`IncrementalState::parent`]): reading the parent resource does not move the
//!   child's window, and reading the child does not move the parent's. Saved and restored
//!   with the child's state, it makes the next run fetch the children of new or updated
//!   parent records only — none skipped, none repeated — whichever resources a run reads,
//!   in whatever order. (dlt feeds one parent pass to both; with both resources read in
//!   every run, the windows are the same.)

use std::cmp::Ordering;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::error::{Error, Result};
use crate::select::{JsonPath, value_to_param};
use crate::spec::IncrementalSpec;

/// What an incremental resource remembers between runs. Serialisable, so it can live in
/// any store; [`FileStateStore`] is a simple one.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct IncrementalState {
    /// The largest cursor value seen so far (`None` before the first run).
    pub last_value: Option<Value>,
    /// Primary keys of the records whose cursor equals `last_value` (when the resource has a
    /// `primary_key`): an API that treats the start parameter as inclusive sends them again,
    /// and they are dropped instead of loaded twice (dlt's boundary deduplication).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub last_value_keys: Vec<Value>,
    /// For a child resource: its own position in its parent's cursor (and so on up the
    /// chain), so the next run requests children of new parent records only. `None` for a
    /// resource without a parent, or whose parents are not incremental.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent: Option<Box<IncrementalState>>,
}

/// Orders two cursor values: numbers numerically, strings lexicographically (which orders
/// ISO 8601 timestamps of one format and zone). Other combinations are not comparable.
///
/// ```
/// use rest_source_runtime::incremental::compare_cursor;
/// use serde_json::json;
/// use std::cmp::Ordering;
/// assert_eq!(compare_cursor(&json!(10), &json!(9.5)), Some(Ordering::Greater));
/// assert_eq!(compare_cursor(&json!("2024-02-01T00:00:00Z"), &json!("2024-01-31T23:59:59Z")), Some(Ordering::Greater));
/// assert_eq!(compare_cursor(&json!("10"), &json!(9)), None);
/// ```
pub fn compare_cursor(a: &Value, b: &Value) -> Option<Ordering> {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => match (x.as_i64(), y.as_i64()) {
            (Some(x), Some(y)) => Some(x.cmp(&y)),
            _ => match (x.as_u64(), y.as_u64()) {
                (Some(x), Some(y)) => Some(x.cmp(&y)),
                _ => x.as_f64()?.partial_cmp(&y.as_f64()?),
            },
        },
        (Value::String(x), Value::String(y)) => Some(x.cmp(y)),
        _ => None,
    }
}

/// One run's view of an incremental cursor: the start value fixed when the run began (so
/// every page and every parent item of a child resource uses the same one), the largest
/// value this run has seen, and the shared state [`IncrementalCursor::commit`] advances once
/// the run has completed.
#[derive(Debug)]
pub(crate) struct IncrementalCursor {
    spec: IncrementalSpec,
    path: JsonPath,
    start: Option<Value>,
    /// Keys already loaded at `start` (from the restored state).
    start_keys: Vec<Value>,
    primary_key: Vec<JsonPath>,
    /// The run's largest cursor value and the keys of the records holding it.
    seen: Mutex<Option<(Value, Vec<Value>)>>,
    state: Arc<Mutex<IncrementalState>>,
    resource: String,
}

impl IncrementalCursor {
    pub(crate) fn start(
        spec: &IncrementalSpec,
        path: JsonPath,
        primary_key: Vec<JsonPath>,
        state: Arc<Mutex<IncrementalState>>,
        resource: &str,
    ) -> Self {
        let (start, start_keys) = {
            let s = lock(&state);
            match &s.last_value {
                Some(v) => (Some(v.clone()), s.last_value_keys.clone()),
                None => (spec.initial_value.clone(), Vec::new()),
            }
        };
        IncrementalCursor {
            spec: spec.clone(),
            path,
            start,
            start_keys,
            primary_key,
            seen: Mutex::new(None),
            state,
            resource: resource.to_owned(),
        }
    }

    /// The value fixed for this run: the restored `last_value`, else the `initial_value`.
    pub(crate) fn start_value(&self) -> Option<&Value> {
        self.start.as_ref()
    }

    /// The spec's `initial_value`.
    pub(crate) fn initial_value(&self) -> Option<&Value> {
        self.spec.initial_value.as_ref()
    }

    /// The spec's `end_value`.
    pub(crate) fn end_value(&self) -> Option<&Value> {
        self.spec.end_value.as_ref()
    }

    /// The record's primary key (one value, or an array for a composite key).
    fn key(&self, record: &Value) -> Option<Value> {
        match self.primary_key.as_slice() {
            [] => None,
            [one] => one.get(record).cloned(),
            many => Some(Value::Array(
                many.iter()
                    .map(|p| p.get(record).cloned().unwrap_or(Value::Null))
                    .collect(),
            )),
        }
    }

    /// The query parameters this run sends: `start_param` and `end_param`.
    pub(crate) fn request_params(&self) -> Vec<(String, String)> {
        let mut out = Vec::new();
        if let (Some(p), Some(v)) = (&self.spec.start_param, &self.start) {
            out.push((p.clone(), value_to_param(v)));
        }
        if let (Some(p), Some(v)) = (&self.spec.end_param, &self.spec.end_value) {
            out.push((p.clone(), value_to_param(v)));
        }
        out
    }

    /// Drops records outside `[start, end_value)` (dlt's closed start, open end), keeps at most
    /// `limit` of the rest (a resource's `max_items`), and records the largest cursor value
    /// among the records kept: a record cut by `limit` is never yielded, so it must not move
    /// the state past it (the next run would skip it). Records without a cursor value are
    /// kept. Returns whether `limit` cut records.
    pub(crate) fn process(&self, records: &mut Vec<Value>, limit: Option<u64>) -> bool {
        records.retain(|record| self.in_window(record));
        let cut = limit.is_some_and(|limit| records.len() as u64 > limit);
        if let Some(limit) = limit.filter(|_| cut) {
            records.truncate(limit as usize);
        }
        let mut max: Option<Value> = None;
        let mut max_keys: Vec<Value> = Vec::new();
        for record in records.iter() {
            let Some(v) = self.path.get(record).filter(|v| !v.is_null()) else {
                continue;
            };
            let order = max.as_ref().map(|m| compare_cursor(v, m));
            match order {
                None | Some(Some(Ordering::Greater)) => {
                    max = Some(v.clone());
                    max_keys = self.key(record).into_iter().collect();
                }
                Some(Some(Ordering::Equal)) => max_keys.extend(self.key(record)),
                _ => {}
            }
        }
        if let Some(max) = max {
            let mut seen = self.seen.lock().unwrap_or_else(|e| e.into_inner());
            merge_max(&mut seen, max, max_keys);
        }
        cut
    }

    /// Whether a record is inside this run's window (no cursor value: kept).
    fn in_window(&self, record: &Value) -> bool {
        let Some(v) = self.path.get(record).filter(|v| !v.is_null()) else {
            tracing::debug!(target: "rest_source", resource = %self.resource, cursor_path = %self.path, "record without an incremental cursor value");
            return true;
        };
        if let Some(start) = &self.start {
            match compare_cursor(v, start) {
                Some(Ordering::Less) => return false,
                Some(Ordering::Equal)
                    if self
                        .key(record)
                        .is_some_and(|k| self.start_keys.contains(&k)) =>
                {
                    return false;
                }
                _ => {}
            }
        }
        !self.spec.end_value.as_ref().is_some_and(|end| {
            matches!(
                compare_cursor(v, end),
                Some(Ordering::Greater | Ordering::Equal)
            )
        })
    }

    /// Advances the shared state to the largest value this run kept. Called once, after the
    /// run's stream ended without an error; a fixed window (`end_value`) is a backfill and,
    /// as in dlt, leaves the state alone.
    pub(crate) fn commit(&self) {
        if self.spec.end_value.is_some() {
            return;
        }
        let Some((max, keys)) = self.seen.lock().unwrap_or_else(|e| e.into_inner()).take() else {
            return;
        };
        let mut state = lock(&self.state);
        let mut last = state
            .last_value
            .take()
            .map(|v| (v, std::mem::take(&mut state.last_value_keys)));
        merge_max(&mut last, max, keys);
        if let Some((value, keys)) = last {
            state.last_value = Some(value);
            state.last_value_keys = keys;
        }
    }
}

/// Keeps the larger of `current` and `value` (with the keys of the records holding it; on a
/// tie, the keys of both). Incomparable values leave `current` as it is.
fn merge_max(current: &mut Option<(Value, Vec<Value>)>, value: Value, keys: Vec<Value>) {
    match current {
        None => *current = Some((value, keys)),
        Some((last, last_keys)) => match compare_cursor(&value, last) {
            Some(Ordering::Greater) => *current = Some((value, keys)),
            Some(Ordering::Equal) => {
                for k in keys {
                    if !last_keys.contains(&k) {
                        last_keys.push(k);
                    }
                }
            }
            _ => {}
        },
    }
}

pub(crate) fn lock(state: &Mutex<IncrementalState>) -> std::sync::MutexGuard<'_, IncrementalState> {
    // The state is a plain value; a panic elsewhere cannot leave it half-written.
    state.lock().unwrap_or_else(|e| e.into_inner())
}

/// Incremental states of several resources in one JSON file, written atomically (a
/// temporary file in the same directory, then a rename), so a crash never leaves a
/// half-written state. One writer at a time: the store does not lock across processes.
///
/// ```
/// use rest_source_runtime::incremental::{FileStateStore, IncrementalState};
/// # let dir = std::env::temp_dir().join(format!("rs-doc-{}", std::process::id()));
/// # std::fs::create_dir_all(&dir).unwrap();
/// let store = FileStateStore::new(dir.join("state.json"));
/// assert_eq!(store.load("contacts").unwrap(), IncrementalState::default());
/// let state = IncrementalState {
///     last_value: Some(serde_json::json!("2024-05-01")),
///     last_value_keys: vec![serde_json::json!(42)],
///     parent: None,
/// };
/// store.save("contacts", &state).unwrap();
/// assert_eq!(store.load("contacts").unwrap(), state);
/// # std::fs::remove_dir_all(&dir).unwrap();
/// ```
#[derive(Clone, Debug)]
pub struct FileStateStore {
    path: PathBuf,
}

#[derive(Default, Serialize, Deserialize)]
struct StateFile {
    #[serde(default)]
    resources: BTreeMap<String, IncrementalState>,
}

impl FileStateStore {
    /// A store in the file at `path` (created on the first save).
    pub fn new(path: impl Into<PathBuf>) -> Self {
        FileStateStore { path: path.into() }
    }

    /// The file's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The saved state of `resource` (the default state if the file or entry is missing).
    pub fn load(&self, resource: &str) -> Result<IncrementalState> {
        Ok(self.read()?.resources.remove(resource).unwrap_or_default())
    }

    /// Saves the state of `resource`, keeping the other resources' states.
    pub fn save(&self, resource: &str, state: &IncrementalState) -> Result<()> {
        let mut file = self.read()?;
        file.resources.insert(resource.to_owned(), state.clone());
        let json = serde_json::to_vec_pretty(&file).map_err(|e| {
            Error::Config(format!("could not serialise the incremental state: {e}"))
        })?;
        let dir = self
            .path
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        let name = self
            .path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "state".into());
        let tmp = dir.join(format!(".{name}.{}.tmp", std::process::id()));
        let io = |what: &str, e: std::io::Error| {
            Error::Config(format!(
                "could not {what} the incremental state file `{}`: {e}; check that the directory \
                 exists and is writable",
                self.path.display()
            ))
        };
        {
            use std::io::Write;
            let mut f = std::fs::File::create(&tmp).map_err(|e| io("create", e))?;
            f.write_all(&json).map_err(|e| io("write", e))?;
            f.sync_all().map_err(|e| io("sync", e))?;
        }
        std::fs::rename(&tmp, &self.path).map_err(|e| {
            let _ = std::fs::remove_file(&tmp);
            io("replace", e)
        })
    }

    fn read(&self) -> Result<StateFile> {
        match std::fs::read(&self.path) {
            Ok(bytes) => serde_json::from_slice(&bytes).map_err(|e| {
                Error::Config(format!(
                    "the incremental state file `{}` is not valid ({e}); expected \
                     {{\"resources\": {{\"<name>\": {{\"last_value\": …}}}}}}",
                    self.path.display()
                ))
            }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(StateFile::default()),
            Err(e) => Err(Error::Config(format!(
                "could not read the incremental state file `{}`: {e}",
                self.path.display()
            ))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn cursor(spec: IncrementalSpec, last: Option<Value>) -> IncrementalCursor {
        let path = JsonPath::parse(&spec.cursor_path).unwrap();
        let state = Arc::new(Mutex::new(IncrementalState {
            last_value: last,
            last_value_keys: vec![json!(7)],
            parent: None,
        }));
        IncrementalCursor::start(
            &spec,
            path,
            vec![JsonPath::parse("id").unwrap()],
            state,
            "r",
        )
    }

    #[test]
    fn keeps_the_window_and_tracks_the_max() {
        let c = cursor(
            IncrementalSpec::new("n")
                .start_param("since")
                .initial_value(5),
            None,
        );
        assert_eq!(c.request_params(), vec![("since".into(), "5".into())]);
        let mut records = vec![
            json!({"n": 4}),
            json!({"n": 5}),
            json!({"n": 12}),
            json!({"x": 1}),
            json!({"n": 9}),
        ];
        c.process(&mut records, None);
        // Nothing moves until the run has completed.
        assert_eq!(lock(&c.state).last_value, None);
        c.commit();
        assert_eq!(
            records,
            vec![
                json!({"n": 5}),
                json!({"n": 12}),
                json!({"x": 1}),
                json!({"n": 9})
            ]
        );
        assert_eq!(lock(&c.state).last_value, Some(json!(12)));
    }

    #[test]
    fn records_cut_by_max_items_do_not_advance_the_state() {
        let c = cursor(
            IncrementalSpec::new("n")
                .start_param("since")
                .initial_value(5),
            None,
        );
        let mut records = vec![
            json!({"n": 4}),
            json!({"n": 6}),
            json!({"n": 7}),
            json!({"n": 30}),
        ];
        // The window keeps 6, 7 and 30; a limit of 2 keeps 6 and 7, so 30 (never yielded)
        // must be read again by the next run.
        assert!(c.process(&mut records, Some(2)));
        c.commit();
        assert_eq!(records, vec![json!({"n": 6}), json!({"n": 7})]);
        assert_eq!(lock(&c.state).last_value, Some(json!(7)));
    }

    #[test]
    fn restored_state_beats_initial_value_and_end_value_leaves_state() {
        let c = cursor(
            IncrementalSpec::new("t")
                .start_param("since")
                .initial_value("2020-01-01")
                .end_param("until")
                .end_value("2024-03-01"),
            Some(json!("2024-01-01")),
        );
        assert_eq!(
            c.request_params(),
            vec![
                ("since".into(), "2024-01-01".into()),
                ("until".into(), "2024-03-01".into())
            ]
        );
        let mut records = vec![
            json!({"t": "2023-12-31"}),
            json!({"t": "2024-01-01", "id": 7}),
            json!({"t": "2024-01-01", "id": 8}),
            json!({"t": "2024-02-01"}),
            json!({"t": "2024-03-01"}),
        ];
        c.process(&mut records, None);
        // id 7 was loaded at the start value by the previous run; 8 was not.
        assert_eq!(
            records,
            vec![
                json!({"t": "2024-01-01", "id": 8}),
                json!({"t": "2024-02-01"})
            ]
        );
        c.commit();
        assert_eq!(lock(&c.state).last_value, Some(json!("2024-01-01")));
    }
}
