//! `rest-source`: check and run declarative REST API sources from the command line.
//!
//! ```text
//! rest-source check crm.toml
//! rest-source run crm.toml --out data --state state.json
//! rest-source run crm.toml --resource contacts --out - | jq .
//! ```
//!
//! `run` first tests every distinct auth (nothing is written if one fails), then writes each
//! resource under a temporary name, moved into place once the resource completed; the
//! incremental state is saved last, once the outputs it covers are on disk.
//!
//! Exit status: 0 success, 1 a request or write failed, 2 bad usage, config or secrets.

mod args;
mod check;
mod logging;
mod output;
mod progress;
mod report;
mod run;
mod state;
mod summary;

use std::process::ExitCode;

use clap::{CommandFactory, Parser};
use rest_source::config::{Source, SourceConfig};
use rest_source::{Error, Resource, SecretResolver};
use serde_json::Value;

use args::{Cli, Command, RunArgs, SourceArgs};
use report::{AuthCheckReport, ResourceReport, RunReport, Status};

const FAILED: u8 = 1;
pub(crate) const BAD_INPUT: u8 = 2;

fn main() -> ExitCode {
    // Usage errors exit 2, `--help` and `--version` 0; non-UTF-8 where text is expected is
    // a usage error too.
    let cli = Cli::parse();
    logging::init(&cli.verbosity);
    let quiet = cli.verbosity.quiet;
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
    match cli.command {
        Command::Completions { shell } => {
            clap_complete::generate(
                shell,
                &mut Cli::command(),
                "rest-source",
                &mut std::io::stdout(),
            );
            ExitCode::SUCCESS
        }
        Command::Check(source) => runtime.block_on(check_command(source)),
        Command::Run(run) => runtime.block_on(run_command(run, quiet)),
    }
}

/// Loads, validates and builds the source (resolving its secrets); prints why not and
/// returns the exit status otherwise.
fn load(args: &SourceArgs) -> Result<(SourceConfig, Source), ExitCode> {
    let mut config = SourceConfig::from_path(&args.config).map_err(|e| {
        eprintln!("{e}");
        ExitCode::from(BAD_INPUT)
    })?;
    for (name, value) in &args.params {
        match config.params.get_mut(name) {
            Some(slot) => *slot = value.clone(),
            None => {
                let declared: Vec<String> =
                    config.params.keys().map(|k| format!("`{k}`")).collect();
                let expected = if declared.is_empty() {
                    format!("`{}` declares no `params`", args.config.display())
                } else {
                    format!("expected one of {}", declared.join(", "))
                };
                eprintln!("error: unknown source parameter `{name}` in `--param`; {expected}");
                return Err(ExitCode::from(BAD_INPUT));
            }
        }
    }
    // dlt's `rest_api_source(config)` without `name=` is the source `rest_api`.
    let name = match &args.source_name {
        Some(name) => name.as_str(),
        None if config.named => &config.name,
        None => rest_source::REST_API_SECTION,
    };
    let mut secrets = SecretResolver::for_source(name).module(&args.section);
    if let Some(pipeline) = &args.pipeline_name {
        secrets = secrets.pipeline(pipeline);
    }
    if let Some(file) = &args.secrets {
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
            // A file the config names (a certificate) that cannot be read is bad input too.
            Error::Secrets(_) | Error::Config(_) | Error::Io { .. } => BAD_INPUT,
            _ => FAILED,
        })
    })?;
    Ok((config, source))
}

async fn check_command(args: SourceArgs) -> ExitCode {
    let (config, source) = match load(&args) {
        Ok(loaded) => loaded,
        Err(code) => return code,
    };
    let checks = source.check().await;
    println!(
        "{}: source `{}` is valid: {}, {}, {} resolved",
        args.config.display(),
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
    for resource in source.resources() {
        println!("{}", check::describe(resource));
    }
    if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(FAILED)
    }
}

/// The resources `--resource` names (every selected one without it), each taking the
/// `--partition` share of its work.
fn choose(source: &Source, args: &RunArgs) -> Result<Vec<Resource<Value>>, ExitCode> {
    let share = |r: &Resource<Value>| match args.partition {
        Some(p) => r.clone().partition(p),
        None => r.clone(),
    };
    if args.resources.is_empty() {
        return Ok(source.selected().map(share).collect());
    }
    let mut chosen = Vec::new();
    for name in &args.resources {
        match source.resource(name) {
            Some(r) => chosen.push(share(r)),
            None => {
                let known: Vec<String> = source
                    .resources()
                    .iter()
                    .map(|r| format!("`{}`", r.name()))
                    .collect();
                eprintln!(
                    "error: no resource `{name}` in `{}`; expected one of {}",
                    args.source.config.display(),
                    known.join(", ")
                );
                return Err(ExitCode::from(BAD_INPUT));
            }
        }
    }
    Ok(chosen)
}

async fn run_command(args: RunArgs, quiet: bool) -> ExitCode {
    let (config, source) = match load(&args.source) {
        Ok(loaded) => loaded,
        Err(code) => return code,
    };
    let mut resources = match choose(&source, &args) {
        Ok(chosen) => chosen,
        Err(code) => return code,
    };
    // Incremental cursors from the last successful run (only when asked for: without a state
    // file every run starts from the configured `initial_value`). Read before any request so
    // a broken state file stops the run early.
    let store = match args.state.as_deref().map(state::open).transpose() {
        Ok(store) => store,
        Err(code) => return code,
    };
    let saved = match state::load(store.as_ref(), &resources).await {
        Ok(saved) => saved,
        Err(code) => return code,
    };
    // Every distinct auth is tested before anything is written: a rejected credential is
    // said once, not once per resource, and leaves no output behind.
    let checks = source.check().await;
    // Read now: running the resources starts new runs.
    let check_counts = summary::CheckCounts::of(&source, &checks);
    let auth_checks: Vec<AuthCheckReport> = checks.iter().map(AuthCheckReport::from).collect();
    if auth_checks.iter().any(|c| !c.ok) {
        for c in auth_checks.iter().filter(|c| !c.ok) {
            eprintln!(
                "error: the `{}` auth (tested through resource `{}`) failed: {}",
                c.auth,
                c.resource,
                c.error.as_deref().unwrap_or_default()
            );
        }
        eprintln!("nothing was written; `rest-source check` tests the credentials again");
        let report = RunReport {
            source: config.name.clone(),
            partition: args.partition.map(|p| p.to_string()),
            status: Status::Failed,
            duration_secs: 0.0,
            auth_checks,
            resources: resources.iter().map(ResourceReport::not_run).collect(),
        };
        report::write(args.report.as_deref(), &report);
        return ExitCode::from(FAILED);
    }
    // A probe through a child resource pages its parent through the child's own parent
    // link, whose incremental state the run cannot reset: run on freshly built resources
    // then (their auths fetch their tokens again).
    let probed_a_child = checks.iter().any(|c| {
        config
            .resources
            .iter()
            .any(|r| r.spec.name == c.resource && r.parent.is_some())
    });
    if probed_a_child {
        resources = match load(&args.source).and_then(|(_, fresh)| choose(&fresh, &args)) {
            Ok(fresh) => fresh,
            Err(code) => return code,
        };
    }
    // The probes read first pages through these same resources: put back the state they
    // start from, so the run covers the whole window.
    for (resource, state) in resources.iter_mut().zip(saved) {
        if resource.incremental_state().is_some() {
            *resource = resource.clone().with_incremental_state(state);
        }
    }

    let to_stdout = args.to_stdout();
    if !to_stdout && let Err(e) = std::fs::create_dir_all(&args.out) {
        eprintln!(
            "error: cannot create the output folder `{}`: {e}",
            args.out.display()
        );
        return ExitCode::from(FAILED);
    }
    let target = if to_stdout {
        run::Target::Stdout
    } else {
        run::Target::Dir(&args.out)
    };
    let (outcomes, elapsed) = run::run(&resources, target, args.format, quiet).await;
    let mut errors: Vec<String> = outcomes
        .iter()
        .filter_map(|o| Some(format!("`{}`: {}", o.name, o.error.as_ref()?)))
        .collect();
    let state_saved = match &store {
        Some(store) => state::save(store, &config, &resources, &outcomes, &mut errors).await,
        None => vec![None; resources.len()],
    };

    summary::print(&outcomes, check_counts, elapsed, &args, to_stdout);
    let report = RunReport {
        source: config.name.clone(),
        partition: args.partition.map(|p| p.to_string()),
        status: if errors.is_empty() {
            Status::Ok
        } else {
            Status::Failed
        },
        duration_secs: elapsed.as_secs_f64(),
        auth_checks,
        resources: outcomes
            .iter()
            .zip(state_saved)
            .map(|(o, state_saved)| ResourceReport::ran(o, state_saved))
            .collect(),
    };
    if !report::write(args.report.as_deref(), &report) {
        errors.push("the run report was not written".into());
    }
    if errors.is_empty() {
        ExitCode::SUCCESS
    } else {
        for error in errors {
            eprintln!("error: {error}");
        }
        ExitCode::from(FAILED)
    }
}
