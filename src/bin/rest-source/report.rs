//! `--report FILE`: what `run` did, as JSON, for schedulers and dashboards.
//!
//! ```json
//! {"source": "crm", "status": "ok", "duration_secs": 0.42,
//!  "auth_checks": [{"auth": "api_key", "resource": "reports", "ok": true}],
//!  "resources": [{"resource": "reports", "records": 24, "pages": 1, "requests": 1,
//!                 "retries": {}, "token_fetches": 0, "data_selector": "data",
//!                 "data_selector_detected": false, "paginator": "single_page",
//!                 "stops": {"no_next_page": 1}, "total": null, "warnings": [],
//!                 "status": "ok", "stop_reason": "no_next_page",
//!                 "output": "out/reports.jsonl", "duration_secs": 0.01}]}
//! ```
//!
//! A resource's fields up to `warnings` are the runtime's [`rest_source::RunReport`] as it
//! serialises; `stop_reason` is [`rest_source::RunReport::stop_reason`]. With
//! `--partition`, the run has `"partition": "I/N"` and each resource the runtime's
//! `partition` object: `{"share": "1/4", "index": 1, "count": 4, "split": "parents",
//! "parents_kept": 37, "parents_seen": 150}` (or `"pages"` with `first_page`, `end_page`,
//! `pages`, `page_size`, `total`; `"whole"` / `"skipped"` with a `reason`).

use std::path::Path;

use rest_source::config::AuthCheck;
use rest_source::{RunReport as ResourceRun, StopReason};
use serde::Serialize;

use crate::output::write_atomically;
use crate::run::Outcome;

/// The whole run.
#[derive(Debug, Serialize)]
pub struct RunReport {
    pub source: String,
    /// The share `--partition` ran (`I/N`, zero-based); absent for a whole run.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub partition: Option<String>,
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

/// One resource: the runtime's report of its run, and what the CLI did with it.
#[derive(Debug, Serialize)]
pub struct ResourceReport {
    /// Name, records, pages, requests, retries, token fetches, data selector, paginator,
    /// stops, stated total, warnings. For a resource whose stream did not end (its output
    /// failed first, or it never started), only the name, records and pages written.
    #[serde(flatten)]
    pub run: ResourceRun,
    pub status: Status,
    /// Why paging stopped; `null` when no page loop ended.
    pub stop_reason: Option<StopReason>,
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
    /// Another share of a partitioned run (share 0) runs it whole.
    Skipped,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Ok => "ok",
            Status::Failed => "failed",
            Status::NotRun => "not run",
            Status::Skipped => "skipped",
        }
    }
}

impl From<&AuthCheck> for AuthCheckReport {
    fn from(check: &AuthCheck) -> Self {
        AuthCheckReport {
            auth: check.auth.to_owned(),
            resource: check.resource.clone(),
            ok: check.result.is_ok(),
            error: check.result.as_ref().err().map(ToString::to_string),
        }
    }
}

impl ResourceReport {
    /// A resource that ran.
    pub fn ran(outcome: &Outcome, state_saved: Option<bool>) -> Self {
        let run = outcome.report.clone().unwrap_or_else(|| {
            let mut run = ResourceRun::default();
            run.resource = outcome.name.clone();
            run.records = outcome.records;
            run.pages = outcome.pages;
            run
        });
        ResourceReport {
            stop_reason: run.stop_reason(),
            run,
            status: outcome.status(),
            output: outcome.output.as_ref().map(|p| p.display().to_string()),
            duration_secs: outcome.duration.as_secs_f64(),
            state_saved,
            error: outcome.error.clone(),
        }
    }

    /// A resource that was not started (its destination hints still reported).
    pub fn not_run(resource: &rest_source::Resource<serde_json::Value>) -> Self {
        let mut run = ResourceRun::default();
        run.resource = resource.name().to_owned();
        run.loader_hints = resource.spec().loader_hints.clone();
        ResourceReport {
            run,
            status: Status::NotRun,
            stop_reason: None,
            output: None,
            duration_secs: 0.0,
            state_saved: None,
            error: None,
        }
    }
}

/// Writes the report if `--report` asked for it; `false` (after saying why) if that failed.
pub fn write(path: Option<&Path>, report: &RunReport) -> bool {
    let Some(path) = path else { return true };
    let written = serde_json::to_vec_pretty(report)
        .map_err(std::io::Error::from)
        .and_then(|mut json| {
            json.push(b'\n');
            write_atomically(path, &json)
        });
    match written {
        Ok(()) => true,
        Err(e) => {
            eprintln!("error: cannot write the report `{}`: {e}", path.display());
            false
        }
    }
}
