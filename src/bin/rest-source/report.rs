//! `--report FILE`: what `run` did, as JSON, for schedulers and dashboards.
//!
//! ```json
//! {"source": "crm", "status": "ok", "duration_secs": 0.42,
//!  "auth_checks": [{"auth": "api_key", "resource": "reports", "ok": true}],
//!  "resources": [{"resource": "reports", "status": "ok", "records": 24, "pages": 1,
//!                 "output": "out/reports.jsonl", "duration_secs": 0.01}]}
//! ```

use serde::Serialize;

/// The whole run.
#[derive(Debug, Serialize)]
pub struct RunReport {
    pub source: String,
    pub status: Status,
    pub duration_secs: f64,
    /// The auth probes made before anything was written (one per distinct auth).
    pub auth_checks: Vec<AuthCheckReport>,
    pub resources: Vec<ResourceReport>,
}

/// One auth probe.
#[derive(Debug, Serialize)]
pub struct AuthCheckReport {
    pub auth: String,
    pub resource: String,
    pub ok: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// One resource. The runtime's per-resource report (requests, retries, token fetches,
/// data selector, stop reason) belongs here too, as more fields.
#[derive(Debug, Serialize)]
pub struct ResourceReport {
    pub resource: String,
    pub status: Status,
    pub records: u64,
    pub pages: u64,
    /// The file written (`-` for stdout); absent when nothing was written.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub output: Option<String>,
    pub duration_secs: f64,
    /// With `--state`, for an incremental resource: whether its cursor was saved.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub state_saved: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Ok,
    Failed,
    /// Not started: an auth check failed first.
    NotRun,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Ok => "ok",
            Status::Failed => "failed",
            Status::NotRun => "not run",
        }
    }
}
