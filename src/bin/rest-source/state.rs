//! The incremental state around a run: read before any request, saved after the outputs it
//! covers are durable.

use std::collections::HashSet;
use std::path::Path;
use std::process::ExitCode;

use rest_source::IncrementalState;
use rest_source::Resource;
use rest_source::config::SourceConfig;
use rest_source::shared_store::StateStore;
use rest_source::spec::LastValueFunc;
use serde_json::Value;

use crate::BAD_INPUT;
use crate::output::sync_dir;
use crate::run::Outcome;

/// The saved state of each incremental resource (the default without a store, or for a
/// resource the store has not seen). A state file that cannot be read stops the run here,
/// before any request.
pub async fn load(
    store: Option<&StateStore>,
    resources: &[Resource<Value>],
) -> Result<Vec<IncrementalState>, ExitCode> {
    let mut states = Vec::with_capacity(resources.len());
    for resource in resources {
        states.push(match (store, resource.incremental_state()) {
            (Some(store), Some(_)) => store.load(&resource.state_key()).await.map_err(|e| {
                eprintln!("error: {e}");
                ExitCode::from(BAD_INPUT)
            })?,
            _ => IncrementalState::default(),
        });
    }
    Ok(states)
}

/// The store `--state` names: a file path (the state file), or a URL (`file://`, `s3://`,
/// `gs://`, `az://`, `memory://`; see `rest_source::shared_store`). The runtime decides
/// which (a path that is not UTF-8 is a file).
pub fn open(location: &Path) -> Result<StateStore, ExitCode> {
    StateStore::open(location).map_err(|e| {
        eprintln!("error: --state: {e}");
        ExitCode::from(BAD_INPUT)
    })
}

/// Saves the cursor of each incremental resource whose output is complete and on disk, and
/// none of whose children in this run failed (their records depend on the parent's window,
/// so the next run must see it again). `Some(saved)` per incremental resource.
pub async fn save(
    store: &StateStore,
    config: &SourceConfig,
    resources: &[Resource<Value>],
    outcomes: &[Outcome],
    errors: &mut Vec<String>,
) -> Vec<Option<bool>> {
    let failed: HashSet<&str> = outcomes
        .iter()
        .filter(|o| o.error.is_some())
        .map(|o| o.name.as_str())
        .collect();
    let mut wrote = false;
    let mut saved = Vec::with_capacity(resources.len());
    for (resource, outcome) in resources.iter().zip(outcomes) {
        saved.push(
            save_one(
                store, config, &failed, resource, outcome, &mut wrote, errors,
            )
            .await,
        );
    }
    // The store renames its file into place; the rename lasts once the folder is synced.
    if let Some(path) = store.file_path().filter(|_| wrote) {
        let dir = path.parent().unwrap_or(Path::new("."));
        if let Err(e) = sync_dir(dir) {
            errors.push(format!(
                "cannot sync the folder of the state file `{}`: {e}",
                path.display()
            ));
        }
    }
    saved
}

/// Saves one resource's cursor (see [`save`]): `Some(saved)` if it is incremental.
async fn save_one(
    store: &StateStore,
    config: &SourceConfig,
    failed: &HashSet<&str>,
    resource: &Resource<Value>,
    outcome: &Outcome,
    wrote: &mut bool,
    errors: &mut Vec<String>,
) -> Option<bool> {
    let state = resource.incremental_state()?;
    if outcome.error.is_some() {
        return Some(false);
    }
    if outcome.skipped.is_some() {
        // Share 0 runs it, and saves its state.
        return None;
    }
    if let Some(child) = failed
        .iter()
        .find(|f| descends_from(config, f, resource.name()))
    {
        eprintln!(
            "warning: `{}`: incremental state not saved because its child `{child}` \
                     failed; the next run loads this window again",
            resource.name()
        );
        return Some(false);
    }
    let func = resource
        .spec()
        .endpoint
        .incremental
        .as_ref()
        .map_or(LastValueFunc::Max, |i| i.last_value_func);
    match store.save(&resource.state_key(), &state, func).await {
        Ok(()) => {
            *wrote = true;
            Some(true)
        }
        Err(e) => {
            errors.push(format!(
                "`{}`: its records are complete in {}, but {e}; the next run loads \
                         the same window again",
                resource.name(),
                outcome
                    .output
                    .as_deref()
                    .map_or_else(String::new, |p| format!("`{}`", p.display()))
            ));
            Some(false)
        }
    }
}

/// Whether `resource` is `ancestor` or has it among its parents (by the config's links).
fn descends_from(config: &SourceConfig, resource: &str, ancestor: &str) -> bool {
    let mut current = Some(resource);
    // Bounded: the config was validated, but a loop must not hang the CLI.
    for _ in 0..=config.resources.len() {
        let Some(name) = current else { return false };
        if name == ancestor {
            return true;
        }
        current = config
            .resources
            .iter()
            .find(|r| r.spec.name == name)
            .and_then(|r| r.parent.as_deref());
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_resource_descends_from_itself_and_its_parents_only() {
        let config = SourceConfig::from_toml_str(
            r#"
[client]
base_url = "http://127.0.0.1:9/api"

[[resources]]
name = "contacts"
endpoint = { path = "contacts" }

[[resources]]
name = "notes"
endpoint = { path = "contacts/{resources.contacts.id}/notes" }

[[resources]]
name = "replies"
endpoint = { path = "notes/{resources.notes.id}/replies" }

[[resources]]
name = "reports"
endpoint = { path = "reports" }
"#,
            "t.toml",
        )
        .unwrap();
        assert!(descends_from(&config, "replies", "contacts"));
        assert!(descends_from(&config, "replies", "notes"));
        assert!(descends_from(&config, "notes", "notes"));
        assert!(!descends_from(&config, "contacts", "notes"));
        assert!(!descends_from(&config, "reports", "contacts"));
    }
}
