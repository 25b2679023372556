//! [`Source`]: a validated config made runnable — secrets resolved, one client per distinct
//! auth (so resources that share an auth share its token cache), resources linked to their
//! parents.

use std::fmt;

use serde_json::Value;

use super::SourceConfig;
use crate::spec::{AssemblyOptions, SecretValues, assemble};
use crate::{Resource, RestClientBuilder, Result, SecretResolver};

/// A source built from a [`SourceConfig`]: its resources as `Resource<serde_json::Value>`.
///
/// ```no_run
/// # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
/// use futures::TryStreamExt;
/// use rest_source_runtime::SecretResolver;
/// use rest_source_runtime::config::SourceConfig;
///
/// let config = SourceConfig::from_path("crm.toml")?;
/// let source = config.build(&SecretResolver::for_source(&config.name))?;
/// for check in source.check().await {
///     println!("{check}");
/// }
/// let mut contacts = source.resource("contacts").expect("in the config").items();
/// while let Some(record) = contacts.try_next().await? {
///     println!("{record}");
/// }
/// # Ok(()) }
/// ```
#[derive(Clone, Debug)]
pub struct Source {
    name: String,
    resources: Vec<Resource<Value>>,
    selected: Vec<bool>,
    /// For each distinct auth: its type name and the resource that probes it.
    probes: Vec<(&'static str, usize)>,
}

/// The outcome of [`Source::check`] for one distinct auth.
#[derive(Debug)]
pub struct AuthCheck {
    /// The auth's `type` (`oauth2_client_credentials`, …; `none` for no auth).
    pub auth: &'static str,
    /// The resource whose first page was requested.
    pub resource: String,
    /// The records on that page, or what went wrong.
    pub result: Result<usize>,
}

impl fmt::Display for AuthCheck {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.result {
            Ok(n) => write!(
                f,
                "ok: `{}` auth via resource `{}` ({n} records on the first page)",
                self.auth, self.resource
            ),
            Err(e) => write!(
                f,
                "failed: `{}` auth via resource `{}`: {e}",
                self.auth, self.resource
            ),
        }
    }
}

impl SourceConfig {
    /// Resolves every referenced secret with `secrets` (all missing keys in one
    /// [`Error::Secrets`](crate::Error::Secrets)) and builds the source.
    pub fn build(&self, secrets: &SecretResolver) -> Result<Source> {
        let keys = self.secret_keys();
        let resolved = secrets.resolve(&keys)?;
        let mut values = SecretValues::new(&self.name);
        for (key, value) in keys.iter().zip(resolved) {
            values.insert(*key, value);
        }
        self.build_with_values(&values)
    }

    /// Builds the source from secret values already at hand.
    pub fn build_with_values(&self, secrets: &SecretValues) -> Result<Source> {
        self.build_with_client(secrets, |builder| builder)
    }

    /// Builds the source, letting `configure` adjust the HTTP client first (timeouts,
    /// retries, user agent), as `configure_client` does for a `#[rest_source]` struct.
    pub fn build_with_client(
        &self,
        secrets: &SecretValues,
        configure: impl FnOnce(RestClientBuilder) -> RestClientBuilder,
    ) -> Result<Source> {
        let spec = self.to_spec();
        let assembled = assemble(&spec, secrets, AssemblyOptions::new().configure(configure))?;
        let probes = assembled
            .probes
            .iter()
            .filter_map(|p| Some((p.auth, p.resource?)))
            .collect();
        Ok(Source {
            name: self.name.clone(),
            resources: assembled.resources,
            selected: spec.resources.iter().map(|r| r.selected).collect(),
            probes,
        })
    }
}

impl Source {
    /// The source name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Every resource, in config order.
    pub fn resources(&self) -> &[Resource<Value>] {
        &self.resources
    }

    /// The resources whose records are loaded (`selected`, the default), in config order.
    pub fn selected(&self) -> impl Iterator<Item = &Resource<Value>> {
        self.resources
            .iter()
            .zip(&self.selected)
            .filter_map(|(r, s)| s.then_some(r))
    }

    /// The resource `name`.
    pub fn resource(&self, name: &str) -> Option<&Resource<Value>> {
        self.resources.iter().find(|r| r.name() == name)
    }

    /// The report of each resource's last finished run, in config order (resources that
    /// have not finished a run are left out). See `crate::report`.
    pub fn reports(&self) -> Vec<crate::RunReport> {
        self.resources
            .iter()
            .filter_map(Resource::last_report)
            .collect()
    }

    /// Makes one authenticated request per distinct auth (the first page of a resource that
    /// uses it) and reports each outcome; nothing is cut short by an earlier failure.
    pub async fn check(&self) -> Vec<AuthCheck> {
        let mut out = Vec::with_capacity(self.probes.len());
        for (auth, i) in &self.probes {
            let resource = &self.resources[*i];
            let result = resource
                .first_page()
                .await
                .map(|page| page.map_or(0, |p| p.len()));
            out.push(AuthCheck {
                auth,
                resource: resource.name().to_owned(),
                result,
            });
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unselected_parents_feed_children_and_equal_auths_are_probed_once() {
        let config = SourceConfig::from_toml_str(
            r#"
[client]
base_url = "https://crm.example.com/api/v1"
auth = { type = "bearer", token = { secret = "token" } }

[[resources]]
name = "contacts"
selected = false
endpoint = "contacts"

[[resources]]
name = "notes"
endpoint = "contacts/{contacts.id}/notes"

[[resources]]
name = "reports"
endpoint = { path = "reports", auth = { type = "bearer", token = { secret = "token" } } }
"#,
            "crm.toml",
        )
        .unwrap();
        let source = config
            .build_with_values(&SecretValues::new("crm").with("token", crate::Secret::new("t")))
            .unwrap();
        let all: Vec<&str> = source.resources().iter().map(Resource::name).collect();
        let selected: Vec<&str> = source.selected().map(Resource::name).collect();
        assert_eq!(all, ["contacts", "notes", "reports"]);
        assert_eq!(selected, ["notes", "reports"]);
        // The override equals the source's auth: one strategy, probed through a root resource.
        assert_eq!(source.probes, [("bearer", 0)]);
    }
}
