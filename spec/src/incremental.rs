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
        }
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
