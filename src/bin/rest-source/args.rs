//! The command line, parsed by hand from `std::env::args` (clap would double this binary's
//! build time on a small machine for four options).

use std::path::PathBuf;

pub const USAGE: &str = "\
rest-source: check and run declarative REST API sources (TOML or JSON, dlt's layout)

USAGE:
    rest-source check <CONFIG> [--secrets <FILE>] [--param <NAME=VALUE>]...
    rest-source run <CONFIG> [--out <DIR>] [--state <FILE>] [--secrets <FILE>]
                             [--param <NAME=VALUE>]... [--resource <NAME>]...
    rest-source --help | --version

COMMANDS:
    check    validate the config, resolve its secrets and make one authenticated
             request per distinct auth
    run      write each selected resource's records to <DIR>/<resource>.jsonl

OPTIONS:
    --out <DIR>         output folder for `run` (default: out)
    --param <NAME=VALUE>
                        set a source parameter declared under `params` in the config
                        (repeatable)
    --secrets <FILE>    read secrets from this TOML file instead of .dlt/secrets.toml and
                        ~/.dlt/secrets.toml (environment variables still come first)
    --state <FILE>      keep incremental cursors in this JSON file: each run starts where
                        the last successful one stopped (default: every run starts from
                        the configured `initial_value`)
    --resource <NAME>   run only this resource (repeatable; default: every selected one)
    -h, --help          print this help
    -V, --version       print the version

SECRETS:
    looked up for source <name> as env SOURCES__<NAME>__<KEY>, then [sources.<name>] in the
    secrets file(s), as dlt does

EXIT STATUS:
    0 success, 1 a request or write failed, 2 bad usage, config or secrets
";

/// What to do.
#[derive(Debug, PartialEq, Eq)]
pub enum Command {
    Help,
    Version,
    Check(Common),
    Run {
        common: Common,
        out: PathBuf,
        state: Option<PathBuf>,
        resources: Vec<String>,
    },
}

/// Options both commands take.
#[derive(Debug, PartialEq, Eq)]
pub struct Common {
    pub config: PathBuf,
    pub secrets: Option<PathBuf>,
    /// `--param NAME=VALUE`, in order (a later one wins).
    pub params: Vec<(String, String)>,
}

/// Parses the arguments after the program name. The error is a one-line message for stderr.
pub fn parse(args: impl IntoIterator<Item = String>) -> Result<Command, String> {
    let mut args = args.into_iter();
    let command = match args.next() {
        None => return Err("missing command; expected `check` or `run`".into()),
        Some(c) => c,
    };
    match command.as_str() {
        "-h" | "--help" | "help" => return Ok(Command::Help),
        "-V" | "--version" => return Ok(Command::Version),
        "check" | "run" => {}
        other => {
            let hint = if other.starts_with('-') {
                "options come after the command".to_owned()
            } else {
                "expected `check` or `run`".to_owned()
            };
            return Err(format!("unknown command `{other}`; {hint}"));
        }
    }
    let mut config = None;
    let mut secrets = None;
    let mut params = Vec::new();
    let mut out = None;
    let mut state = None;
    let mut resources = Vec::new();
    while let Some(arg) = args.next() {
        // `--out=dir` and `--out dir` alike.
        let (flag, inline) = match arg.split_once('=') {
            Some((f, v)) if f.starts_with("--") => (f.to_owned(), Some(v.to_owned())),
            _ => (arg.clone(), None),
        };
        let mut value = |name: &str| -> Result<String, String> {
            inline
                .clone()
                .or_else(|| args.next())
                .ok_or_else(|| format!("`{name}` needs a value"))
        };
        match flag.as_str() {
            "-h" | "--help" => return Ok(Command::Help),
            "--secrets" => secrets = Some(PathBuf::from(value("--secrets")?)),
            "--param" => {
                let pair = value("--param")?;
                let Some((name, v)) = pair.split_once('=') else {
                    return Err(format!(
                        "`--param {pair}` has no value; expected `--param NAME=VALUE`"
                    ));
                };
                params.push((name.trim().to_owned(), v.to_owned()));
            }
            "--out" if command == "run" => out = Some(PathBuf::from(value("--out")?)),
            "--resource" if command == "run" => resources.push(value("--resource")?),
            "--state" if command == "run" => state = Some(PathBuf::from(value("--state")?)),
            "--out" | "--resource" | "--state" => {
                return Err(format!("`{flag}` only applies to `run`"));
            }
            f if f.starts_with('-') => {
                return Err(format!(
                    "unknown option `{f}`; expected `--secrets`, `--param`{}",
                    if command == "run" {
                        ", `--out`, `--state` or `--resource`"
                    } else {
                        ""
                    }
                ));
            }
            _ if config.is_none() => config = Some(PathBuf::from(arg)),
            _ => return Err(format!("unexpected argument `{arg}`; give one config file")),
        }
    }
    let config = config.ok_or_else(|| {
        format!("missing the config file; expected `rest-source {command} <CONFIG>`")
    })?;
    let common = Common {
        config,
        secrets,
        params,
    };
    Ok(if command == "check" {
        Command::Check(common)
    } else {
        Command::Run {
            common,
            out: out.unwrap_or_else(|| PathBuf::from("out")),
            state,
            resources,
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_str(line: &str) -> Result<Command, String> {
        parse(line.split_whitespace().map(str::to_owned))
    }

    #[test]
    fn parses_run_with_options_in_both_spellings() {
        assert_eq!(
            parse_str(
                "run crm.toml --out=data --resource contacts --state st.json --resource notes --secrets s.toml --param region=eu --param=since=2024-01-01T00:00:00Z"
            ),
            Ok(Command::Run {
                common: Common {
                    config: "crm.toml".into(),
                    secrets: Some("s.toml".into()),
                    params: vec![
                        ("region".into(), "eu".into()),
                        ("since".into(), "2024-01-01T00:00:00Z".into()),
                    ],
                },
                out: "data".into(),
                state: Some("st.json".into()),
                resources: vec!["contacts".into(), "notes".into()],
            })
        );
    }

    #[test]
    fn rejects_what_it_does_not_know() {
        assert_eq!(
            parse_str("check crm.toml --out x"),
            Err("`--out` only applies to `run`".into())
        );
        assert_eq!(
            parse_str("check crm.toml --param region"),
            Err("`--param region` has no value; expected `--param NAME=VALUE`".into())
        );
        assert_eq!(
            parse_str("fetch crm.toml"),
            Err("unknown command `fetch`; expected `check` or `run`".into())
        );
        assert_eq!(
            parse_str("run"),
            Err("missing the config file; expected `rest-source run <CONFIG>`".into())
        );
        assert_eq!(
            parse_str("run a.toml --secret x"),
            Err(
                "unknown option `--secret`; expected `--secrets`, `--param`, `--out`, `--state` or `--resource`"
                    .into()
            )
        );
    }
}
