//! `rest-source`: check and run declarative REST API sources from the command line.
//!
//! ```text
//! rest-source check crm.toml
//! rest-source run crm.toml --out data
//! ```
//!
//! Exit status: 0 success, 1 a request or write failed, 2 bad usage, config or secrets.

mod args;
mod progress;
mod run;

use std::process::ExitCode;

use rest_source::config::SourceConfig;
use rest_source::{Error, FileStateStore, SecretResolver};

use args::{Command, Common};

const FAILED: u8 = 1;
const BAD_INPUT: u8 = 2;

fn main() -> ExitCode {
    let command = match args::parse(std::env::args().skip(1)) {
        Ok(command) => command,
        Err(message) => {
            eprintln!("error: {message}\n\nrun `rest-source --help` for usage");
            return ExitCode::from(BAD_INPUT);
        }
    };
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::from(FAILED);
        }
    };
    match command {
        Command::Help => {
            print!("{}", args::USAGE);
            ExitCode::SUCCESS
        }
        Command::Version => {
            println!("rest-source {}", env!("CARGO_PKG_VERSION"));
            ExitCode::SUCCESS
        }
        Command::Check(common) => runtime.block_on(check(common)),
        Command::Run {
            common,
            out,
            state,
            resources,
        } => runtime.block_on(run_command(common, out, state, resources)),
    }
}

/// Loads, validates and builds the source (resolving its secrets); prints why not and
/// returns the exit status otherwise.
fn load(common: &Common) -> Result<(SourceConfig, rest_source::config::Source), ExitCode> {
    let mut config = SourceConfig::from_path(&common.config).map_err(|e| {
        eprintln!("{e}");
        ExitCode::from(BAD_INPUT)
    })?;
    for (name, value) in &common.params {
        match config.params.get_mut(name) {
            Some(slot) => *slot = value.clone(),
            None => {
                let declared: Vec<String> =
                    config.params.keys().map(|k| format!("`{k}`")).collect();
                let expected = if declared.is_empty() {
                    format!("`{}` declares no `params`", common.config.display())
                } else {
                    format!("expected one of {}", declared.join(", "))
                };
                eprintln!("error: unknown source parameter `{name}` in `--param`; {expected}");
                return Err(ExitCode::from(BAD_INPUT));
            }
        }
    }
    let mut secrets = SecretResolver::for_source(&config.name);
    if let Some(file) = &common.secrets {
        if !file.is_file() {
            eprintln!(
                "error: the secrets file `{}` does not exist",
                file.display()
            );
            return Err(ExitCode::from(BAD_INPUT));
        }
        secrets = secrets.with_file(file);
    }
    let source = config.build(&secrets).map_err(|e| {
        eprintln!("error: {e}");
        ExitCode::from(match e {
            Error::Secrets(_) | Error::Config(_) => BAD_INPUT,
            _ => FAILED,
        })
    })?;
    Ok((config, source))
}

async fn check(common: Common) -> ExitCode {
    let (config, source) = match load(&common) {
        Ok(loaded) => loaded,
        Err(code) => return code,
    };
    let checks = source.check().await;
    println!(
        "{}: source `{}` is valid: {}, {}, {} resolved",
        common.config.display(),
        config.name,
        progress::count(config.resources.len() as u64, "resource"),
        progress::count(checks.len() as u64, "distinct auth"),
        progress::count(config.secret_keys().len() as u64, "secret"),
    );
    let mut ok = true;
    for check in &checks {
        ok &= check.result.is_ok();
        println!("{check}");
    }
    if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(FAILED)
    }
}

async fn run_command(
    common: Common,
    out: std::path::PathBuf,
    state: Option<std::path::PathBuf>,
    names: Vec<String>,
) -> ExitCode {
    let (_, source) = match load(&common) {
        Ok(loaded) => loaded,
        Err(code) => return code,
    };
    let resources: Vec<_> = if names.is_empty() {
        source.selected().cloned().collect()
    } else {
        let mut chosen = Vec::new();
        for name in &names {
            match source.resource(name) {
                Some(r) => chosen.push(r.clone()),
                None => {
                    let known: Vec<String> = source
                        .resources()
                        .iter()
                        .map(|r| format!("`{}`", r.name()))
                        .collect();
                    eprintln!(
                        "error: no resource `{name}` in `{}`; expected one of {}",
                        common.config.display(),
                        known.join(", ")
                    );
                    return ExitCode::from(BAD_INPUT);
                }
            }
        }
        chosen
    };
    // Incremental cursors from the last successful run (only when asked for: without a state
    // file every run starts from the configured `initial_value`).
    let store = state.map(FileStateStore::new);
    let mut resources = resources;
    if let Some(store) = &store {
        for resource in &mut resources {
            // A child of an incremental parent has a state too: its place in the parent's cursor.
            if resource.incremental_state().is_some() {
                match store.load(resource.name()) {
                    Ok(saved) => *resource = resource.clone().with_incremental_state(saved),
                    Err(e) => {
                        eprintln!("error: {e}");
                        return ExitCode::from(BAD_INPUT);
                    }
                }
            }
        }
    }
    if let Err(e) = std::fs::create_dir_all(&out) {
        eprintln!(
            "error: cannot create the output folder `{}`: {e}",
            out.display()
        );
        return ExitCode::from(FAILED);
    }
    let (outcomes, elapsed) = run::run(&resources, &out).await;

    let width = outcomes
        .iter()
        .map(|o| o.name.len())
        .max()
        .unwrap_or(0)
        .max(8);
    println!("{:<width$}  {:>10}  {:>7}", "resource", "records", "pages");
    for o in &outcomes {
        let status = if o.error.is_some() { "  failed" } else { "" };
        println!(
            "{:<width$}  {:>10}  {:>7}{status}",
            o.name, o.records, o.pages
        );
    }
    let records: u64 = outcomes.iter().map(|o| o.records).sum();
    let pages: u64 = outcomes.iter().map(|o| o.pages).sum();
    println!(
        "{:<width$}  {records:>10}  {pages:>7}  in {:.2}s, {}",
        "total",
        elapsed.as_secs_f64(),
        progress::rate(records, elapsed)
    );
    let mut failed: Vec<(String, String)> = outcomes
        .iter()
        .filter_map(|o| Some((o.name.clone(), o.error.clone()?)))
        .collect();
    // A cursor is saved only after its resource completed, so a failed run is retried
    // from where the last good one stopped instead of skipping records.
    if let Some(store) = &store {
        for (resource, outcome) in resources.iter().zip(&outcomes) {
            if let (None, Some(state)) = (&outcome.error, resource.incremental_state())
                && let Err(e) = store.save(resource.name(), &state)
            {
                failed.push((resource.name().to_owned(), e.to_string()));
            }
        }
    }
    println!(
        "wrote {} to {}",
        progress::count(outcomes.len() as u64, "file"),
        out.display()
    );
    if failed.is_empty() {
        ExitCode::SUCCESS
    } else {
        for (name, error) in failed {
            eprintln!("error: `{name}`: {error}");
        }
        ExitCode::from(FAILED)
    }
}
