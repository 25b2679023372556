//! The command line, declared with clap's derive API: per-command `--help`, `--version`,
//! "did you mean" suggestions, `--`, environment-variable defaults and shell completions.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum, ValueHint};
use rest_source::Partition;

const AFTER_HELP: &str = "\
Secrets are looked up as dlt looks up a REST API source's: env first, then the secrets
file(s), each from the most specific section to the least: SOURCES__REST_API__<NAME>__<KEY>,
SOURCES__REST_API__<KEY>, SOURCES__<NAME>__<KEY>, SOURCES__<KEY>, <KEY> ([sources.rest_api.<name>]
... in TOML); with --pipeline-name, first all of them under <PIPELINE_NAME>__. An auth field
left out of the config (`token`, `api_key`, `password`, ...) is the key credentials.<field>.

Exit status: 0 success, 1 a request or write failed, 2 bad usage, config or secrets.";

/// The `rest-source` command line.
#[derive(Debug, Parser)]
#[command(
    name = "rest-source",
    about = "check and run declarative REST API sources (TOML or JSON, dlt's layout)",
    version,
    propagate_version = true,
    help_template = "{name}: {about}\n\n{usage-heading} {usage}\n\n{all-args}{after-help}",
    after_help = AFTER_HELP
)]
pub struct Cli {
    #[command(flatten)]
    pub verbosity: Verbosity,
    #[command(subcommand)]
    pub command: Command,
}

/// How much is logged to stderr (`RUST_LOG`, when set, decides instead).
#[derive(Debug, Args)]
pub struct Verbosity {
    /// Log more: `-v` retries, waits and token fetches; `-vv` every request; `-vvv` all
    #[arg(short, long, action = clap::ArgAction::Count, global = true)]
    pub verbose: u8,
    /// Log errors only and draw no progress
    #[arg(short, long, global = true, conflicts_with = "verbose")]
    pub quiet: bool,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Validate the config, resolve its secrets and make one authenticated request per
    /// distinct auth; say which paginator and data selector each resource uses
    Check(SourceArgs),
    /// Test every auth, then write each selected resource's records to
    /// <OUT>/<resource>.jsonl (or .json), each file moved into place once complete
    Run(RunArgs),
    /// Print a shell completion script (e.g. `rest-source completions bash >
    /// /etc/bash_completion.d/rest-source`)
    Completions {
        /// The shell to complete for
        shell: clap_complete::Shell,
    },
}

/// The source to load: its config, secrets and parameters.
#[derive(Debug, Args)]
pub struct SourceArgs {
    /// The source config (TOML or JSON, by extension)
    #[arg(value_hint = ValueHint::FilePath)]
    pub config: PathBuf,
    /// Read secrets from this TOML file instead of .dlt/secrets.toml and ~/.dlt/secrets.toml
    /// (environment variables still come first)
    #[arg(long, value_name = "FILE", env = "REST_SOURCE_SECRETS", value_hint = ValueHint::FilePath)]
    pub secrets: Option<PathBuf>,
    /// Set a source parameter declared under `params` in the config (repeatable; a later one
    /// wins)
    #[arg(long = "param", value_name = "NAME=VALUE", value_parser = name_value)]
    pub params: Vec<(String, String)>,
    /// Look secrets up under this pipeline's name first, as dlt does for
    /// `dlt.pipeline(pipeline_name=…)`: env <PIPELINE_NAME>__SOURCES__…, TOML
    /// [<pipeline_name>.sources.…]
    #[arg(long, value_name = "NAME")]
    pub pipeline_name: Option<String>,
    /// The config section the source's secrets live in, dlt's `rest_api_source(section=…)`:
    /// [sources.<SECTION>.<name>] (e.g. `rest_api_pipeline` for dlt's GitHub example); an
    /// empty value leaves the section out ([sources.<name>], [sources], top level)
    #[arg(long, value_name = "SECTION", default_value = rest_source::REST_API_SECTION)]
    pub section: String,
    /// The source name secrets are looked up under, dlt's `rest_api_source(name=…)`
    /// [default: the config's `name`, else `rest_api`, dlt's name for an unnamed source]
    #[arg(long, value_name = "NAME")]
    pub source_name: Option<String>,
}

#[derive(Debug, Args)]
pub struct RunArgs {
    #[command(flatten)]
    pub source: SourceArgs,
    /// Output folder, or `-` to stream the records to stdout (one resource after another)
    #[arg(
        long,
        value_name = "DIR",
        value_hint = ValueHint::DirPath,
        default_value = "out",
        env = "REST_SOURCE_OUT"
    )]
    pub out: PathBuf,
    /// How records are written: one JSON object per line, or one JSON array per resource
    #[arg(long, value_enum, default_value_t = Format::Jsonl)]
    pub format: Format,
    /// Keep incremental cursors in this JSON file, or in object storage by URL
    /// (`s3://bucket/key`, `gs://…`, `az://…`, `file:///path`): each run starts where the
    /// last successful one stopped, and concurrent runs merge their progress (default: every
    /// run starts from the configured `initial_value`)
    #[arg(long, value_name = "FILE|URL", env = "REST_SOURCE_STATE", value_hint = ValueHint::FilePath)]
    pub state: Option<PathBuf>,
    /// Run only this resource (repeatable; default: every selected one)
    #[arg(long = "resource", value_name = "NAME")]
    pub resources: Vec<String>,
    /// Write the run report (per resource: status, records, pages, output, duration) as
    /// JSON to this file
    #[arg(long, value_name = "FILE", value_hint = ValueHint::FilePath)]
    pub report: Option<PathBuf>,
    /// Run only share I of N of the work, zero-based as Kubernetes' JOB_COMPLETION_INDEX
    /// (`0/4` ... `3/4`): a child resource's parents by a stable hash of their key,
    /// offset/page_number pages by ranges; a resource that can be neither runs whole in
    /// share 0 and is skipped in the others. Files are named
    /// <resource>.part-<I>-of-<N>.<ext>; a split child's state is kept as <resource>#I/N
    #[arg(long, value_name = "I/N", env = "REST_SOURCE_PARTITION", value_parser = share)]
    pub partition: Option<Partition>,
}

/// The output format of `run`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// JSON Lines: one record per line (`<resource>.jsonl`)
    Jsonl,
    /// One JSON array per resource (`<resource>.json`)
    Json,
}

impl Format {
    /// The file extension.
    pub fn extension(self) -> &'static str {
        match self {
            Format::Jsonl => "jsonl",
            Format::Json => "json",
        }
    }
}

impl RunArgs {
    /// `--out -`: records go to stdout.
    pub fn to_stdout(&self) -> bool {
        self.out.as_os_str() == "-"
    }
}

/// `I/N` → the share, with the runtime's message for anything else.
fn share(text: &str) -> Result<Partition, String> {
    text.parse().map_err(|e| match e {
        rest_source::Error::Config(message) => message,
        other => other.to_string(),
    })
}

/// `NAME=VALUE` → (`NAME`, `VALUE`); the name is trimmed, the value kept as given.
fn name_value(pair: &str) -> Result<(String, String), String> {
    match pair.split_once('=') {
        Some((name, value)) if !name.trim().is_empty() => {
            Ok((name.trim().to_owned(), value.to_owned()))
        }
        _ => Err(format!(
            "`{pair}` is not NAME=VALUE; expected e.g. `--param region=eu`"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    fn parse(line: &str) -> Result<Cli, clap::Error> {
        Cli::try_parse_from(std::iter::once("rest-source").chain(line.split_whitespace()))
    }

    #[test]
    fn the_command_line_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn parses_run_with_options_in_both_spellings() {
        let cli = parse(
            "run crm.toml --out=data --resource contacts --state st.json --resource notes --secrets s.toml --param region=eu --param=since=2024-01-01T00:00:00Z --format json -vv",
        )
        .unwrap();
        assert_eq!(cli.verbosity.verbose, 2);
        let Command::Run(run) = cli.command else {
            panic!("expected `run`, got {:?}", cli.command);
        };
        assert_eq!(run.source.config, PathBuf::from("crm.toml"));
        assert_eq!(run.source.secrets, Some("s.toml".into()));
        assert_eq!(
            run.source.params,
            [
                ("region".to_owned(), "eu".to_owned()),
                ("since".to_owned(), "2024-01-01T00:00:00Z".to_owned())
            ]
        );
        assert_eq!(run.out, PathBuf::from("data"));
        assert_eq!(run.state, Some("st.json".into()));
        assert_eq!(run.resources, ["contacts", "notes"]);
        assert_eq!(run.format, Format::Json);
        assert!(!run.to_stdout());
        assert_eq!(run.partition, None);
        let Command::Run(run) = parse("run crm.toml --partition 2/4").unwrap().command else {
            panic!("expected `run`");
        };
        assert_eq!(run.partition, Some(Partition::new(2, 4).unwrap()));
    }

    #[test]
    fn rejects_what_it_does_not_know() {
        let only_run = parse("check crm.toml --out x").unwrap_err();
        assert_eq!(only_run.kind(), clap::error::ErrorKind::UnknownArgument);
        let no_value = parse("check crm.toml --param region").unwrap_err();
        assert!(
            no_value
                .to_string()
                .contains("`region` is not NAME=VALUE; expected e.g. `--param region=eu`"),
            "{no_value}"
        );
        let typo = parse("chek crm.toml").unwrap_err();
        assert!(
            typo.to_string()
                .contains("similar subcommand exists: 'check'"),
            "{typo}"
        );
        let missing = parse("run").unwrap_err();
        assert_eq!(
            missing.kind(),
            clap::error::ErrorKind::MissingRequiredArgument
        );
    }
}
