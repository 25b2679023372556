//! What `#[rest_source]` expansions call. Not a public API: it may change in any release.

pub use rest_source_runtime as rt;
pub use serde_json;

use rest_source_runtime::{Error, RestClient, Result};

/// Type-state marker of the generated builders: this parameter (or the secrets) is not set
/// yet, so `build` does not exist.
#[derive(Clone, Copy, Debug)]
pub struct Unset;

/// The resource spec the macro wrote in dlt's names. The macro only writes what it has
/// validated, so a failure here means the macro and the runtime disagree: reported, not
/// panicked.
pub fn resource_spec(value: serde_json::Value) -> Result<rt::spec::ResourceSpec> {
    serde_json::from_value(value).map_err(|e| {
        Error::Config(format!(
            "internal: `#[rest_source]` produced a resource spec the runtime rejects ({e}); please report this"
        ))
    })
}

/// One request `check()` makes: the first top-level resource of one distinct auth.
#[derive(Clone, Debug)]
pub struct Probe {
    /// The resource (empty for a source without resources: its base URL is probed).
    pub resource: &'static str,
    /// The client with that auth.
    pub client: RestClient,
    /// The resource's path, parameters filled in.
    pub path: String,
    /// The resource's query parameters (an API may reject a request without them).
    pub query: Vec<(&'static str, String)>,
}

/// The hidden state of a generated source (`Clone`/`Debug` so users can derive those on
/// their source struct).
#[derive(Clone, Debug)]
pub struct SourceState {
    probes: Vec<Probe>,
}

impl SourceState {
    /// The probes `check()` runs.
    pub fn new(probes: Vec<Probe>) -> Self {
        SourceState { probes }
    }

    /// One authenticated GET per distinct auth; the first failure, as an auth error naming
    /// the resource, with the underlying error as its source.
    pub async fn check(&self) -> Result<()> {
        for probe in &self.probes {
            if let Err(err) = probe
                .client
                .get(&probe.path)
                .query(&probe.query)
                .send()
                .await
            {
                let what = if probe.resource.is_empty() {
                    "the base URL".to_owned()
                } else {
                    format!("resource `{}`", probe.resource)
                };
                return Err(Error::Auth {
                    scheme: probe.client.auth().scheme_dyn(),
                    message: format!("checking {what} failed"),
                    source: Some(Box::new(err)),
                });
            }
        }
        Ok(())
    }
}
