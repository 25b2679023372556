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
use crate::resource::select::{JsonPath, value_to_param};
use crate::spec::{
    IncrementalRange, IncrementalSpec, LastValueFunc, OnCursorValueMissing, RowOrder,
};

/// What an incremental resource remembers between runs. Serialisable, so it can live in
/// any store; [`FileStateStore`] is a simple one.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct IncrementalState {
    /// The largest cursor value seen so far (`None` before the first run).
    pub last_value: Option<Value>,
    /// What identifies the records whose cursor equals `last_value`: their primary keys
    /// (with a `primary_key`), else a hash of each whole record (as dlt, which keeps
    /// `digest128(json.dumps(row, sort_keys=True))`; a SHA-256 of the key-sorted JSON). An API that treats
    /// the start parameter as inclusive sends them again, and they are dropped instead of
    /// loaded twice (dlt's boundary deduplication; `primary_key = []` turns it off).
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

/// Where a record stands against a run's window.
enum Window {
    In,
    /// No cursor value (missing or null).
    Missing,
    /// Before the start value (or at it, and outside: an open start, or a key the previous
    /// run loaded).
    BeforeStart,
    /// Past `end_value` (or at it, with an open end).
    AfterEnd,
}

/// What [`IncrementalCursor::process`] did to a page.
#[derive(Debug, Default)]
pub(crate) struct Processed {
    /// `max_items` cut records.
    pub cut: bool,
    /// The page had a record past the window on the side `row_order` says the rest lies
    /// (so paging can stop, as dlt closes the resource).
    pub out_of_range: bool,
}

/// One run's view of an incremental cursor: the start value fixed when the run began (so
/// every page and every parent item of a child resource uses the same one), the largest
/// value this run has seen, and the shared state [`IncrementalCursor::commit`] advances once
/// the run has completed.
///
/// The window follows dlt's `JsonIncremental`: `last_value_func` orients it (`max`: at or
/// above the start value and below `end_value`; `min`: the mirror), `range_start` /
/// `range_end` say whether a bound is inside, `lag` moves the start back, and records at
/// the start value whose key the previous run loaded are dropped (boundary deduplication,
/// off with an open start, an `end_value`, a `lag` or an empty `primary_key`).
#[derive(Debug)]
pub(crate) struct IncrementalCursor {
    spec: IncrementalSpec,
    path: JsonPath,
    start: Option<Value>,
    /// Keys already loaded at `start` (from the restored state).
    start_keys: Vec<Value>,
    /// `None`: no primary key, records are told apart by a hash of the whole record.
    primary_key: Option<Vec<JsonPath>>,
    /// Whether boundary deduplication is on.
    dedup: bool,
    /// Whether `row_order` may end paging (not for a child resource, as in dlt).
    stop_early: bool,
    /// Why `lag` could not be applied to the restored value (reported on the first page).
    lag_error: Option<String>,
    /// The run's largest cursor value and the keys of the records holding it.
    seen: Mutex<Option<(Value, Vec<Value>)>>,
    state: Arc<Mutex<IncrementalState>>,
    resource: String,
}

impl IncrementalCursor {
    pub(crate) fn start(
        spec: &IncrementalSpec,
        path: JsonPath,
        primary_key: Option<Vec<JsonPath>>,
        state: Arc<Mutex<IncrementalState>>,
        resource: &str,
        has_parent: bool,
    ) -> Self {
        let lagged = spec.lag.filter(|l| *l != 0.0 && spec.end_value.is_none());
        let mut lag_error = None;
        let (start, start_keys) = {
            let s = lock(&state);
            match &s.last_value {
                Some(v) => match lagged {
                    None => (Some(v.clone()), s.last_value_keys.clone()),
                    Some(lag) => match apply_lag(lag, v, spec) {
                        Ok(v) => (Some(v), Vec::new()),
                        Err(e) => {
                            lag_error = Some(format!(
                                "resource `{resource}`: `lag` {lag} cannot be applied to the \
                                 saved cursor value {v}: {e}"
                            ));
                            (Some(v.clone()), Vec::new())
                        }
                    },
                },
                None => (spec.initial_value.clone(), Vec::new()),
            }
        };
        let dedup = spec.range_start == IncrementalRange::Closed
            && spec.end_value.is_none()
            && lagged.is_none()
            && primary_key.as_ref().is_none_or(|k| !k.is_empty());
        IncrementalCursor {
            spec: spec.clone(),
            path,
            start,
            start_keys,
            primary_key,
            dedup,
            stop_early: spec.row_order.is_some() && !has_parent,
            lag_error,
            seen: Mutex::new(None),
            state,
            resource: resource.to_owned(),
        }
    }

    /// The value fixed for this run: the restored `last_value` (moved back by `lag`), else
    /// the `initial_value`.
    pub(crate) fn start_value(&self) -> Option<&Value> {
        self.start.as_ref()
    }

    /// Whether `row_order` may end paging before the paginator does (then pages are not
    /// fetched ahead: they would be requests dlt does not send).
    pub(crate) fn may_stop_early(&self) -> bool {
        self.stop_early
    }

    /// The spec's `initial_value`.
    pub(crate) fn initial_value(&self) -> Option<&Value> {
        self.spec.initial_value.as_ref()
    }

    /// The spec's `end_value`.
    pub(crate) fn end_value(&self) -> Option<&Value> {
        self.spec.end_value.as_ref()
    }

    /// `a` against `b` in the cursor's direction: for `min`, a smaller value is "later".
    fn order(&self, a: &Value, b: &Value) -> Option<Ordering> {
        oriented(self.spec.last_value_func, a, b)
    }

    /// The record's primary key (one value, or an array for a composite key), or without a
    /// primary key the hash of the whole record.
    fn key(&self, record: &Value) -> Option<Value> {
        let Some(primary_key) = &self.primary_key else {
            return Some(Value::String(record_hash(record)));
        };
        match primary_key.as_slice() {
            [] => None,
            [one] => one.get(record).cloned(),
            many => Some(Value::Array(
                many.iter()
                    .map(|p| p.get(record).cloned().unwrap_or(Value::Null))
                    .collect(),
            )),
        }
    }

    /// What this run assigns to query param `name`, if it is the `start_param` or the
    /// `end_param`: `Some(None)` when it has no value (dlt assigns `None`, which `requests`
    /// leaves out, dropping a value the config gave the same key).
    pub(crate) fn assigns(&self, name: &str) -> Option<Option<String>> {
        if self.spec.start_param.as_deref() == Some(name) {
            return Some(self.start.as_ref().map(value_to_param));
        }
        if self.spec.end_param.as_deref() == Some(name) {
            return Some(self.spec.end_value.as_ref().map(value_to_param));
        }
        None
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

    /// Drops records outside the window (see the type docs; dlt's closed start and open
    /// end by default), keeps at most `limit` of the rest (a resource's `max_items`), and
    /// records the largest cursor value among the records kept: a record cut by `limit` is
    /// never yielded, so it must not move the state past it (the next run would skip it).
    /// A record without a cursor value fails the run (`on_cursor_value_missing = "raise"`,
    /// naming `page`), is kept (`include`) or dropped (`exclude`).
    pub(crate) fn process(
        &self,
        records: &mut Vec<Value>,
        limit: Option<u64>,
        page: &str,
    ) -> Result<Processed> {
        if let Some(e) = &self.lag_error {
            return Err(Error::Config(e.clone()));
        }
        let (mut before_start, mut after_end, mut missing) = (false, false, false);
        records.retain(|record| match self.window(record) {
            Window::In => true,
            Window::Missing => match self.spec.on_cursor_value_missing {
                OnCursorValueMissing::Include => true,
                OnCursorValueMissing::Exclude => false,
                OnCursorValueMissing::Raise => {
                    missing = true;
                    true
                }
            },
            Window::BeforeStart => {
                before_start = true;
                false
            }
            Window::AfterEnd => {
                after_end = true;
                false
            }
        });
        if missing {
            return Err(Error::Protocol {
                url: page.to_owned(),
                message: format!(
                    "resource `{}`: a record has no incremental cursor value at `{}` (missing \
                     or null); fix `cursor_path`, or set `on_cursor_value_missing` to \
                     `\"include\"` (keep such records) or `\"exclude\"` (drop them)",
                    self.resource, self.path
                ),
            });
        }
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
            let order = max.as_ref().map(|m| self.order(v, m));
            match order {
                None | Some(Some(Ordering::Greater)) => {
                    max = Some(v.clone());
                    max_keys = self
                        .key(record)
                        .filter(|_| self.dedup)
                        .into_iter()
                        .collect();
                }
                Some(Some(Ordering::Equal)) if self.dedup => max_keys.extend(self.key(record)),
                _ => {}
            }
        }
        if let Some(max) = max {
            let mut seen = self.seen.lock().unwrap_or_else(|e| e.into_inner());
            merge_max(self.spec.last_value_func, &mut seen, max, max_keys);
        }
        let out_of_range = self.stop_early
            && match self.spec.row_order {
                Some(RowOrder::Asc) => after_end,
                Some(RowOrder::Desc) => before_start,
                None => false,
            };
        Ok(Processed { cut, out_of_range })
    }

    /// Where a record stands against this run's window.
    fn window(&self, record: &Value) -> Window {
        let Some(v) = self.path.get(record).filter(|v| !v.is_null()) else {
            tracing::debug!(target: "rest_source", resource = %self.resource, cursor_path = %self.path, "record without an incremental cursor value");
            return Window::Missing;
        };
        if let Some(end) = &self.spec.end_value {
            match self.order(v, end) {
                Some(Ordering::Greater) => return Window::AfterEnd,
                Some(Ordering::Equal) if self.spec.range_end == IncrementalRange::Open => {
                    return Window::AfterEnd;
                }
                _ => {}
            }
        }
        if let Some(start) = &self.start {
            match self.order(v, start) {
                Some(Ordering::Less) => return Window::BeforeStart,
                Some(Ordering::Equal)
                    if self.spec.range_start == IncrementalRange::Open
                        || (self.dedup
                            && self
                                .key(record)
                                .is_some_and(|k| self.start_keys.contains(&k))) =>
                {
                    return Window::BeforeStart;
                }
                _ => {}
            }
        }
        Window::In
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
        merge_max(self.spec.last_value_func, &mut last, max, keys);
        if let Some((value, keys)) = last {
            state.last_value = Some(value);
            state.last_value_keys = if self.dedup { keys } else { Vec::new() };
        }
    }
}

/// A stable hash of a whole record, for boundary deduplication without a primary key:
/// SHA-256 of its canonical JSON text (object keys sorted at every level, no spaces),
/// truncated to 15 bytes and base64-encoded without padding (20 characters, the shape of
/// dlt's `digest128`). The same record gives the same hash in every run and build.
pub fn record_hash(record: &Value) -> String {
    use base64::Engine as _;
    let mut text = String::new();
    canonical_json(record, &mut text);
    let digest = ring::digest::digest(&ring::digest::SHA256, text.as_bytes());
    base64::engine::general_purpose::STANDARD_NO_PAD.encode(&digest.as_ref()[..15])
}

/// `value` as JSON with object keys sorted (whatever order the map keeps them in).
fn canonical_json(value: &Value, out: &mut String) {
    match value {
        Value::Object(map) => {
            let mut entries: Vec<(&String, &Value)> = map.iter().collect();
            entries.sort_by(|a, b| a.0.cmp(b.0));
            out.push('{');
            for (n, (key, value)) in entries.into_iter().enumerate() {
                if n > 0 {
                    out.push(',');
                }
                out.push_str(&Value::String(key.clone()).to_string());
                out.push(':');
                canonical_json(value, out);
            }
            out.push('}');
        }
        Value::Array(items) => {
            out.push('[');
            for (n, item) in items.iter().enumerate() {
                if n > 0 {
                    out.push(',');
                }
                canonical_json(item, out);
            }
            out.push(']');
        }
        scalar => out.push_str(&scalar.to_string()),
    }
}

/// `a` against `b` in the direction of `func`.
fn oriented(func: LastValueFunc, a: &Value, b: &Value) -> Option<Ordering> {
    let order = compare_cursor(a, b)?;
    Some(match func {
        LastValueFunc::Max => order,
        LastValueFunc::Min => order.reverse(),
    })
}

/// Keeps the later (by `func`) of `current` and `value` (with the keys of the records
/// holding it; on a tie, the keys of both). Incomparable values leave `current` as it is.
fn merge_max(
    func: LastValueFunc,
    current: &mut Option<(Value, Vec<Value>)>,
    value: Value,
    keys: Vec<Value>,
) {
    match current {
        None => *current = Some((value, keys)),
        Some((last, last_keys)) => match oriented(func, &value, last) {
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

/// dlt's `apply_lag`: `value` moved back by `lag` (forward for `min`) — a number by `lag`,
/// an ISO 8601 timestamp by `lag` seconds, a date (`2024-05-01`, `20240501`) by `lag` days,
/// keeping its text format — but never past `initial_value`.
fn apply_lag(
    lag: f64,
    value: &Value,
    spec: &IncrementalSpec,
) -> std::result::Result<Value, String> {
    let lag = match spec.last_value_func {
        LastValueFunc::Max => -lag,
        LastValueFunc::Min => lag,
    };
    let lagged = match value {
        Value::Number(n) => match n.as_i64() {
            Some(i) => Value::from((i as f64 + lag) as i64),
            None => n
                .as_f64()
                .and_then(|f| serde_json::Number::from_f64(f + lag))
                .map(Value::Number)
                .ok_or("the number is out of range")?,
        },
        Value::String(s) => Value::String(lag_text(s, lag).ok_or(
            "lag needs a number, an ISO 8601 timestamp (`2024-05-01T12:00:00Z`) or a date \
             (`2024-05-01`)",
        )?),
        _ => return Err("lag needs a number, a timestamp or a date".into()),
    };
    // Do not cross the initial value.
    Ok(match &spec.initial_value {
        Some(initial)
            if oriented(spec.last_value_func, initial, &lagged) == Some(Ordering::Greater) =>
        {
            initial.clone()
        }
        _ => lagged,
    })
}

/// A date or timestamp in text moved by `lag` (days for a date, seconds for a timestamp),
/// in the same format; `None` when `text` is neither.
fn lag_text(text: &str, lag: f64) -> Option<String> {
    let b = text.as_bytes();
    let digits = |r: std::ops::Range<usize>| -> Option<i64> {
        let s = text.get(r)?;
        s.bytes()
            .all(|c| c.is_ascii_digit())
            .then(|| s.parse().ok())?
    };
    // `YYYYMMDD`
    if b.len() == 8 && b.iter().all(u8::is_ascii_digit) {
        let days = days_from_civil(digits(0..4)?, digits(4..6)?, digits(6..8)?)?;
        let (y, m, d) = civil_from_days(days + lag.round() as i64);
        return Some(format!("{y:04}{m:02}{d:02}"));
    }
    if b.len() < 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let days = days_from_civil(digits(0..4)?, digits(5..7)?, digits(8..10)?)?;
    if b.len() == 10 {
        let (y, m, d) = civil_from_days(days + lag.round() as i64);
        return Some(format!("{y:04}-{m:02}-{d:02}"));
    }
    // `YYYY-MM-DD(T| )HH:MM:SS[.frac][zone]`
    if b.len() < 19 || !matches!(b[10], b'T' | b't' | b' ') || b[13] != b':' || b[16] != b':' {
        return None;
    }
    let (h, mi, sec) = (digits(11..13)?, digits(14..16)?, digits(17..19)?);
    if h > 23 || mi > 59 || sec > 60 {
        return None;
    }
    let mut rest = &text[19..];
    let mut frac_digits = 0usize;
    let mut micros: i64 = 0;
    // Digits below a microsecond are kept as they are (a lag moves whole microseconds).
    let mut sub_micro = "";
    if let Some(f) = rest.strip_prefix('.') {
        frac_digits = f.bytes().take_while(u8::is_ascii_digit).count();
        if frac_digits == 0 {
            return None;
        }
        let six: String = f[..frac_digits]
            .chars()
            .chain("000000".chars())
            .take(6)
            .collect();
        micros = six.parse().ok()?;
        sub_micro = f.get(6..frac_digits).unwrap_or("");
        rest = &f[frac_digits..];
    }
    let zone_ok = rest.is_empty()
        || rest.eq_ignore_ascii_case("z")
        || (rest.len() == 6
            && matches!(rest.as_bytes()[0], b'+' | b'-')
            && rest.as_bytes()[3] == b':'
            && rest.bytes().filter(u8::is_ascii_digit).count() == 4);
    if !zone_ok {
        return None;
    }
    let total = ((days * 86_400 + h * 3_600 + mi * 60 + sec) * 1_000_000 + micros)
        .checked_add((lag * 1_000_000.0).round() as i64)?;
    let (secs, micros) = (total.div_euclid(1_000_000), total.rem_euclid(1_000_000));
    let (days, day_secs) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    let (y, m, d) = civil_from_days(days);
    let mut out = format!(
        "{y:04}-{m:02}-{d:02}{}{:02}:{:02}:{:02}",
        b[10] as char,
        day_secs / 3_600,
        day_secs % 3_600 / 60,
        day_secs % 60
    );
    let frac_digits = if frac_digits == 0 && micros != 0 {
        6
    } else {
        frac_digits
    };
    if frac_digits > 0 {
        let six = format!("{micros:06}");
        out.push('.');
        out.push_str(&six[..frac_digits.min(6)]);
        out.push_str(sub_micro);
    }
    out.push_str(rest);
    Some(out)
}

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm).
fn days_from_civil(y: i64, m: i64, d: i64) -> Option<i64> {
    if !(1..=12).contains(&m) || !(1..=31).contains(&d) {
        return None;
    }
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    Some(era * 146_097 + doe - 719_468)
}

/// The date `days` after 1970-01-01.
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + i64::from(m <= 2), m, d)
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
/// use rest_source_runtime::{FileStateStore, IncrementalState};
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
            Error::io(
                "serialise the incremental state for",
                &self.path,
                std::io::Error::other(e),
            )
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
            Error::io(format!("{what} the incremental state file"), &self.path, e)
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
                Error::io(
                    "read the incremental state file",
                    &self.path,
                    std::io::Error::new(
                        std::io::ErrorKind::InvalidData,
                        format!(
                            "it is not valid ({e}); expected {{\"resources\": {{\"<name>\": \
                             {{\"last_value\": …}}}}}}; fix it, or delete it to start from \
                             `initial_value`"
                        ),
                    ),
                )
            }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(StateFile::default()),
            Err(e) => Err(Error::io("read the incremental state file", &self.path, e)),
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
            Some(vec![JsonPath::parse("id").unwrap()]),
            state,
            "r",
            false,
        )
    }

    #[test]
    fn keeps_the_window_and_tracks_the_max() {
        let c = cursor(
            IncrementalSpec::new("n")
                .start_param("since")
                .initial_value(5)
                .on_cursor_value_missing(OnCursorValueMissing::Include),
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
        c.process(&mut records, None, "p").unwrap();
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
        assert!(c.process(&mut records, Some(2), "p").unwrap().cut);
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
            json!({"t": "2023-12-31", "id": 6}),
            json!({"t": "2024-01-01", "id": 7}),
            json!({"t": "2024-01-01", "id": 8}),
            json!({"t": "2024-02-01", "id": 9}),
            json!({"t": "2024-03-01", "id": 10}),
        ];
        c.process(&mut records, None, "p").unwrap();
        // With an `end_value` dlt deduplicates nothing: id 7 is kept too.
        assert_eq!(
            records,
            vec![
                json!({"t": "2024-01-01", "id": 7}),
                json!({"t": "2024-01-01", "id": 8}),
                json!({"t": "2024-02-01", "id": 9})
            ]
        );
        c.commit();
        assert_eq!(lock(&c.state).last_value, Some(json!("2024-01-01")));
    }

    #[test]
    fn a_restored_key_at_the_start_value_is_dropped() {
        let c = cursor(IncrementalSpec::new("t"), Some(json!("2024-01-01")));
        let mut records = vec![
            json!({"t": "2024-01-01", "id": 7}),
            json!({"t": "2024-01-01", "id": 8}),
        ];
        c.process(&mut records, None, "p").unwrap();
        // id 7 was loaded at the start value by the previous run; 8 was not.
        assert_eq!(records, vec![json!({"t": "2024-01-01", "id": 8})]);
        c.commit();
        assert_eq!(lock(&c.state).last_value_keys, vec![json!(7), json!(8)]);
    }

    #[test]
    fn lag_moves_dates_timestamps_and_numbers_in_their_format() {
        assert_eq!(lag_text("2024-03-01", -1.0).as_deref(), Some("2024-02-29"));
        assert_eq!(lag_text("20240101", -1.0).as_deref(), Some("20231231"));
        assert_eq!(
            lag_text("2024-01-01T00:00:30Z", -3600.0).as_deref(),
            Some("2023-12-31T23:00:30Z")
        );
        assert_eq!(
            lag_text("2024-05-01 10:00:00.250+02:00", -0.5).as_deref(),
            Some("2024-05-01 09:59:59.750+02:00")
        );
        assert_eq!(lag_text("yesterday", -1.0), None);
        let spec = IncrementalSpec::new("n").initial_value(95).lag(10.0);
        assert_eq!(
            apply_lag(10.0, &json!(100), &spec),
            Ok(json!(95)),
            "not below initial_value"
        );
        assert_eq!(apply_lag(10.0, &json!(200), &spec), Ok(json!(190)));
        let min = IncrementalSpec::new("n").last_value_func(LastValueFunc::Min);
        assert_eq!(apply_lag(2.5, &json!(10.0), &min), Ok(json!(12.5)));
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(500))]

        /// A saved cursor value is outside input: lag never panics on it, and a
        /// well-formed timestamp moved by whole seconds keeps its shape.
        #[test]
        fn lag_text_never_panics(
            text in "\\PC{0,40}",
            stamp in "[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9])[T ][01][0-9]:[0-5][0-9]:[0-5][0-9](\\.[0-9]{1,9})?(Z|[+-][01][0-9]:[0-5][0-9])?",
            lag in -1.0e9f64..1.0e9,
        ) {
            let _ = lag_text(&text, lag);
            let moved = lag_text(&stamp, lag.round());
            proptest::prop_assert!(moved.is_some(), "{stamp}");
            let moved = moved.unwrap_or_default();
            proptest::prop_assert_eq!(moved.len() - moved.trim_start_matches('-').len() <= 1, true);
            proptest::prop_assert_eq!(&moved[moved.len().saturating_sub(stamp.len() - 19)..], &stamp[19..]);
        }
    }
}

/// The examples of this module's items (crate-private, so not doc tests).
#[cfg(test)]
mod examples {
    #[test]
    fn cursors_compare_numbers_and_strings_only() {
        use super::compare_cursor;
        use serde_json::json;
        use std::cmp::Ordering;
        assert_eq!(
            compare_cursor(&json!(10), &json!(9.5)),
            Some(Ordering::Greater)
        );
        assert_eq!(
            compare_cursor(
                &json!("2024-02-01T00:00:00Z"),
                &json!("2024-01-31T23:59:59Z")
            ),
            Some(Ordering::Greater)
        );
        assert_eq!(compare_cursor(&json!("10"), &json!(9)), None);
    }
}

#[cfg(test)]
mod doc_examples {
    use super::*;

    #[test]
    fn record_hash_examples() {
        use serde_json::json;
        assert_eq!(
            record_hash(&json!({"a": 1, "b": [true, null]})),
            record_hash(&json!({"b": [true, null], "a": 1}))
        );
        assert_ne!(record_hash(&json!({"a": 1})), record_hash(&json!({"a": 2})));
        assert_eq!(record_hash(&json!({"a": 1})).len(), 20);
    }
}
