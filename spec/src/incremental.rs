//! [`IncrementalSpec`]: loading only what changed since the last run, with dlt's names.

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// An incremental cursor: the largest value seen at `cursor_path` (numbers compared
/// numerically, strings lexicographically, which orders ISO 8601 timestamps) is sent as
/// `start_param` on the next run; the first run sends `initial_value`.
///
/// Records older than the start value, or newer than `end_value`, are dropped client-side
/// too (as dlt does), so an API that ignores the parameter still yields only new records.
///
/// ```
/// use rest_source_spec::IncrementalSpec;
///
/// let spec = IncrementalSpec::new("updated_at")
///     .start_param("since")
///     .initial_value("2024-01-01T00:00:00Z");
/// let same: IncrementalSpec = serde_json::from_str(r#"{
///     "cursor_path": "updated_at",
///     "start_param": "since",
///     "initial_value": "2024-01-01T00:00:00Z"
/// }"#).unwrap();
/// assert_eq!(spec, same);
/// ```
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IncrementalSpec {
    /// Dotted JSON path of the cursor field in each record (`updated_at`, `meta.modified`).
    pub cursor_path: String,
    /// The query parameter the start value is sent as (`param` is accepted too). Without it,
    /// records are only filtered client-side.
    #[serde(default, alias = "param")]
    pub start_param: Option<String>,
    /// The query parameter `end_value` is sent as.
    #[serde(default)]
    pub end_param: Option<String>,
    /// The start value of the first run (when no state was restored).
    #[serde(default)]
    pub initial_value: Option<Value>,
    /// Records with a cursor above this are dropped (a fixed window, for backfills).
    #[serde(default)]
    pub end_value: Option<Value>,
    /// Whether a record whose cursor equals the start value is kept (`closed`, the default)
    /// or dropped (`open`). An open start turns boundary deduplication off, as in dlt.
    #[serde(default, skip_serializing_if = "IncrementalRange::is_closed")]
    pub range_start: IncrementalRange,
    /// Whether a record whose cursor equals `end_value` is kept (`closed`) or dropped
    /// (`open`, the default).
    #[serde(
        default = "IncrementalRange::open",
        skip_serializing_if = "IncrementalRange::is_open"
    )]
    pub range_end: IncrementalRange,
    /// Moves the start value back (for `max`; forward for `min`) by this much, so records
    /// updated late are read again: a number for numeric cursors, seconds for timestamps,
    /// days for dates. Not below `initial_value`; off when `end_value` is set (dlt's rules).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lag: Option<f64>,
    /// What to do with a record that has no cursor value (missing or null): fail the run
    /// (`raise`, dlt's default), keep it (`include`) or drop it (`exclude`).
    #[serde(default, skip_serializing_if = "OnCursorValueMissing::is_raise")]
    pub on_cursor_value_missing: OnCursorValueMissing,
    /// The order the API returns records in, by the cursor (`asc`/`desc` as `last_value_func`
    /// orders them). When set, paging stops after the first page with a record past the
    /// window (`asc`: beyond `end_value`; `desc`: before the start value), as dlt closes
    /// the resource then. Not for child resources (dlt does not stop those either).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub row_order: Option<RowOrder>,
    /// Whether the cursor moves up (`max`, the default) or down (`min`).
    #[serde(default, skip_serializing_if = "LastValueFunc::is_max")]
    pub last_value_func: LastValueFunc,
    /// The fields that identify a record for deduplication at the window's start (a record
    /// whose cursor equals the start value and whose key was loaded by the previous run is
    /// dropped). Absent: the resource's `primary_key`, and without one a hash of the whole record
    /// (as dlt); `[]` turns deduplication off.
    #[serde(
        default,
        deserialize_with = "one_or_many",
        skip_serializing_if = "Option::is_none"
    )]
    pub primary_key: Option<Vec<String>>,
}

/// [`IncrementalSpec::range_start`] and [`IncrementalSpec::range_end`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IncrementalRange {
    /// The bound itself is inside the window.
    #[default]
    Closed,
    /// The bound itself is outside the window.
    Open,
}

impl IncrementalRange {
    fn open() -> Self {
        IncrementalRange::Open
    }
    fn is_open(&self) -> bool {
        *self == IncrementalRange::Open
    }
    fn is_closed(&self) -> bool {
        *self == IncrementalRange::Closed
    }
}

/// [`IncrementalSpec::on_cursor_value_missing`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OnCursorValueMissing {
    /// The run fails, naming the record's page (dlt's default).
    #[default]
    Raise,
    /// The record is kept (it does not move the cursor).
    Include,
    /// The record is dropped.
    Exclude,
}

impl OnCursorValueMissing {
    fn is_raise(&self) -> bool {
        *self == OnCursorValueMissing::Raise
    }
}

/// [`IncrementalSpec::row_order`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RowOrder {
    /// Ascending by the cursor (as `last_value_func` orders it).
    Asc,
    /// Descending by the cursor.
    Desc,
}

/// [`IncrementalSpec::last_value_func`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LastValueFunc {
    /// The cursor is the largest value seen; the window is at or above the start value.
    #[default]
    Max,
    /// The cursor is the smallest value seen; the window is at or below the start value.
    Min,
}

impl LastValueFunc {
    fn is_max(&self) -> bool {
        *self == LastValueFunc::Max
    }
}

fn one_or_many<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Vec<String>>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum OneOrMany {
        One(String),
        Many(Vec<String>),
    }
    Ok(Option::<OneOrMany>::deserialize(d)?.map(|v| match v {
        OneOrMany::One(s) => vec![s],
        OneOrMany::Many(v) => v,
    }))
}

impl IncrementalSpec {
    /// A cursor at `cursor_path`.
    pub fn new(cursor_path: impl Into<String>) -> Self {
        IncrementalSpec {
            cursor_path: cursor_path.into(),
            start_param: None,
            end_param: None,
            initial_value: None,
            end_value: None,
            range_start: IncrementalRange::Closed,
            range_end: IncrementalRange::Open,
            lag: None,
            on_cursor_value_missing: OnCursorValueMissing::Raise,
            row_order: None,
            last_value_func: LastValueFunc::Max,
            primary_key: None,
        }
    }
    /// Whether a record at the start value is in the window (default closed).
    pub fn range_start(mut self, range: IncrementalRange) -> Self {
        self.range_start = range;
        self
    }
    /// Whether a record at `end_value` is in the window (default open).
    pub fn range_end(mut self, range: IncrementalRange) -> Self {
        self.range_end = range;
        self
    }
    /// Reads this much before the last value again (see [`IncrementalSpec::lag`]).
    pub fn lag(mut self, lag: f64) -> Self {
        self.lag = Some(lag);
        self
    }
    /// What to do with a record without a cursor value.
    pub fn on_cursor_value_missing(mut self, what: OnCursorValueMissing) -> Self {
        self.on_cursor_value_missing = what;
        self
    }
    /// The order the API returns records in (lets paging stop early).
    pub fn row_order(mut self, order: RowOrder) -> Self {
        self.row_order = Some(order);
        self
    }
    /// Whether the cursor moves up (`max`) or down (`min`).
    pub fn last_value_func(mut self, func: LastValueFunc) -> Self {
        self.last_value_func = func;
        self
    }
    /// The fields that identify a record at the window's start (`[]`: no deduplication).
    pub fn primary_key<S: Into<String>>(mut self, fields: impl IntoIterator<Item = S>) -> Self {
        self.primary_key = Some(fields.into_iter().map(Into::into).collect());
        self
    }
    /// Sends the start value as the query parameter `name`.
    pub fn start_param(mut self, name: impl Into<String>) -> Self {
        self.start_param = Some(name.into());
        self
    }
    /// Sends `end_value` as the query parameter `name`.
    pub fn end_param(mut self, name: impl Into<String>) -> Self {
        self.end_param = Some(name.into());
        self
    }
    /// The start value of the first run.
    pub fn initial_value(mut self, value: impl Into<Value>) -> Self {
        self.initial_value = Some(value.into());
        self
    }
    /// The upper bound of the window.
    pub fn end_value(mut self, value: impl Into<Value>) -> Self {
        self.end_value = Some(value.into());
        self
    }
}
