//! Extraction throughput and memory: (a) a hand-written reqwest loop, (b) the same source
//! through `Resource<T>` and (c) the same source declared with `#[rest_source]`, side by side
//! against the bundled demo API on loopback.
//!
//! ```sh
//! cargo run --release --example bench                       # every scenario, 10k and 1M records
//! cargo run --release --example bench -- --records 100000 --runs 3 --scenarios link,offset
//! ```
//!
//! Variant (c) declares the source with `#[rest_source]` at the demo's default page size, so
//! it runs only with `--page-size 100` (the default).
//!
//! Variant (d), `dlt`, is optional (`--variants hand,resource,macro,dlt`): dlt 1.31's own
//! REST client (`RESTClient.paginate`, its paginators and `OAuth2ClientCredentials`) reading
//! the same pages, by `examples/bench_dlt.py`. The first run makes a venv under
//! `target/bench-dlt-venv` and installs dlt from PyPI into it (needs `python3` with `venv`);
//! `--python PATH` uses another interpreter that already has dlt.
//!
//! The parent process serves the demo API and runs each Rust client once per measurement as
//! its own binary (`bench_hand`, `bench_resource`, `bench_macro`: the package in
//! `bench/clients`), holding that client and nothing else as a user's program
//! would: every figure's peak
//! RSS (`VmHWM`) is that client's alone, without the server's memory, the other clients' code
//! or other configurations' peaks. They are a package of their own, not examples, so that
//! their dependencies' features are those a user's crate would get, not the facade's
//! dev-dependencies' (as examples they carried HTTP/2 code, h2, which wiremock turns on in
//! hyper: 0.4–0.5 MiB more of each binary mapped). Run through `cargo run`, the bench builds them
//! first (with the same profile and target directory); run directly, it needs them built
//! (`cargo build --release -p rest-source-bench-clients`). Runs alternate between variants
//! (a, b, c, a, b, c, …) so load from other processes spreads over all of them; the table
//! shows medians.
//!
//! The last column is the demo server's CPU per record while that client ran (this process's
//! CPU time, 10 ms ticks): on loopback the server shares the two CPUs with the client.
//!
//! `--runtime current` runs the Rust clients on tokio's current-thread runtime (CPU per record
//! without the second core's help); the default is `multi`.
//!
//! `--pages-from-memory` has the demo server render each page once and send it from memory
//! after, byte for byte, as a static file server (the nginx of issue #15's first figures)
//! would: a page then costs the server next to nothing, and what is measured is the
//! clients. Each scenario is run once, untimed, before its measurements.
//!
//! `--latency MS` delays every API response of the demo server by `MS` milliseconds, as a
//! remote API's round trip would: what overlapping requests can hide shows there, where on
//! loopback a page costs only the server's and the client's CPU.
//!
//! Scenarios (all OAuth2 client credentials: one token request, then pages):
//! - `link`: `/contacts`, `json_link` pagination (`paging.next`), 7-field records;
//! - `linkfirst`: the same with `paging=first`, the link before the records in each body: the
//!   next page is requested from the body's first bytes (overlap; off with `--concurrency 1`);
//! - `offset`: `/events`, `offset`/`limit` with `total` (addressable pages);
//! - `pages`: `/tickets`, `page`/`per_page` with `total_pages` (addressable pages);
//! - `header`: `/users`, `header_link` pagination (RFC 8288 `Link: rel="next"`), 5-field
//!   records: the next page is requested when this page's headers arrive (overlap; off with
//!   `--concurrency 1`);
//! - `multi`: the three above at once, one client and one token.

use std::path::PathBuf;
use std::process::Command;
use std::time::Duration;

use rest_source_demo::DemoApi;

#[path = "../bench/clients/src/common.rs"]
mod common;

use common::{BoxError, Flavor, Scenario, Tally, cpu_secs};

// ---------------------------------------------------------------------------------------
// The variants.

#[derive(Debug, Clone, Copy, PartialEq)]
enum Variant {
    Hand,
    Resource,
    Macro,
    Dlt,
}

impl Variant {
    const ALL: [Variant; 3] = [Variant::Hand, Variant::Resource, Variant::Macro];
    fn parse(s: &str) -> Result<Variant, BoxError> {
        Ok(match s {
            "hand" => Variant::Hand,
            "resource" => Variant::Resource,
            "macro" => Variant::Macro,
            "dlt" => Variant::Dlt,
            other => {
                return Err(format!(
                    "unknown variant `{other}`; expected `hand`, `resource`, `macro` or `dlt`"
                )
                .into());
            }
        })
    }
    fn name(self) -> &'static str {
        match self {
            Variant::Hand => "hand",
            Variant::Resource => "resource",
            Variant::Macro => "macro",
            Variant::Dlt => "dlt",
        }
    }
    /// The client binary of a Rust variant (`None` for dlt, which runs in Python).
    fn binary(self) -> Option<&'static str> {
        match self {
            Variant::Hand => Some("bench_hand"),
            Variant::Resource => Some("bench_resource"),
            Variant::Macro => Some("bench_macro"),
            Variant::Dlt => None,
        }
    }
    fn label(self) -> &'static str {
        match self {
            Variant::Hand => "(a) hand-written reqwest loop",
            Variant::Resource => "(b) Resource<T> (runtime API)",
            Variant::Macro => "(c) #[rest_source] macro",
            Variant::Dlt => "(d) dlt 1.31 RESTClient",
        }
    }
}

// ---------------------------------------------------------------------------------------
// The parent: serve the demo API, run the children alternating, print medians.

#[derive(Debug, Clone, Copy)]
struct Measurement {
    tally: Tally,
    secs: f64,
    cpu_secs: f64,
    peak_rss_kib: u64,
    /// CPU the parent (the demo server) spent while this client ran.
    server_cpu_secs: f64,
}

fn measure(
    variant: Variant,
    scenario: Scenario,
    origin: &str,
    opts: &Options,
) -> Result<Measurement, BoxError> {
    let server_cpu = cpu_secs();
    let out = match (variant.binary(), &opts.python) {
        (None, Some(python)) => Command::new(python)
            .arg(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/examples/bench_dlt.py"
            ))
            .args([scenario.name(), origin, &opts.page_size.to_string()])
            .output()?,
        (None, None) => return Err("the dlt variant needs a Python with dlt".into()),
        (Some(binary), _) => Command::new(client_binary(binary)?)
            .args([
                scenario.name(),
                origin,
                &opts.page_size.to_string(),
                &opts.concurrency.to_string(),
                opts.runtime.name(),
            ])
            .output()?,
    };
    let server_cpu_secs = cpu_secs() - server_cpu;
    if !out.status.success() {
        return Err(format!(
            "{} / {} failed: {}",
            variant.name(),
            scenario.name(),
            String::from_utf8_lossy(&out.stderr)
        )
        .into());
    }
    let line = String::from_utf8(out.stdout)?;
    let field = |name: &str| -> Result<&str, BoxError> {
        line.split_whitespace()
            .find_map(|kv| kv.strip_prefix(name)?.strip_prefix('='))
            .ok_or_else(|| format!("child output lacks `{name}`: {line}").into())
    };
    Ok(Measurement {
        tally: Tally {
            records: field("records")?.parse()?,
            id_sum: field("id_sum")?.parse()?,
        },
        secs: field("secs")?.parse()?,
        cpu_secs: field("cpu_secs")?.parse()?,
        peak_rss_kib: field("peak_rss_kib")?.parse()?,
        server_cpu_secs,
    })
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
}

struct Options {
    records: Vec<u64>,
    runs: usize,
    scenarios: Vec<Scenario>,
    variants: Vec<Variant>,
    page_size: u64,
    concurrency: usize,
    /// The clients' tokio runtime.
    runtime: Flavor,
    /// The interpreter for the dlt variant: `--python`, or the venv made by [`dlt_python`].
    python: Option<std::path::PathBuf>,
    /// `--latency`: the demo server's delay before every API response.
    latency: Duration,
    /// `--pages-from-memory`: the demo server sends each page as it rendered it the first
    /// time, as a static file server would; each scenario is run once untimed first.
    pages_from_memory: bool,
}

fn options(args: &[String]) -> Result<Options, BoxError> {
    let mut o = Options {
        records: vec![10_000, 1_000_000],
        runs: 5,
        scenarios: vec![
            Scenario::Link,
            Scenario::LinkFirst,
            Scenario::Offset,
            Scenario::Pages,
            Scenario::Header,
            Scenario::Multi,
        ],
        variants: Variant::ALL.to_vec(),
        page_size: 100,
        concurrency: 4,
        runtime: Flavor::Multi,
        python: None,
        latency: Duration::ZERO,
        pages_from_memory: false,
    };
    let mut it = args.iter();
    while let Some(flag) = it.next() {
        if flag == "--pages-from-memory" {
            o.pages_from_memory = true;
            continue;
        }
        let mut value = || {
            it.next()
                .cloned()
                .ok_or_else(|| BoxError::from(format!("`{flag}` needs a value")))
        };
        match flag.as_str() {
            "--records" => {
                o.records = value()?
                    .split(',')
                    .map(|n| n.trim().replace('_', "").parse())
                    .collect::<Result<_, _>>()?
            }
            "--runs" => o.runs = value()?.parse()?,
            "--scenarios" => {
                o.scenarios = value()?
                    .split(',')
                    .map(Scenario::parse)
                    .collect::<Result<_, _>>()?
            }
            "--variants" => {
                o.variants = value()?
                    .split(',')
                    .map(Variant::parse)
                    .collect::<Result<_, _>>()?
            }
            "--page-size" => o.page_size = value()?.parse()?,
            "--concurrency" => o.concurrency = value()?.parse()?,
            "--python" => o.python = Some(value()?.into()),
            "--runtime" => o.runtime = Flavor::parse(&value()?)?,
            "--latency" => o.latency = Duration::from_millis(value()?.parse()?),
            other => {
                return Err(format!(
                    "unknown option `{other}`; expected `--records`, `--runs`, `--scenarios`, \
                     `--variants`, `--page-size`, `--concurrency`, `--runtime`, `--latency`, \
                     `--pages-from-memory` or `--python`"
                )
                .into());
            }
        }
    }
    Ok(o)
}

/// `target/<profile>/`, where cargo puts the client binaries (this one is in its
/// `examples/`).
fn profile_dir() -> Result<PathBuf, BoxError> {
    let exe = std::env::current_exe()?;
    Ok(exe
        .ancestors()
        .nth(2)
        .ok_or("cannot find the target directory from the bench's path")?
        .to_owned())
}

/// `target/`, above [`profile_dir`]: where the clients are built and the dlt venv is made.
fn target_dir() -> Result<PathBuf, BoxError> {
    Ok(profile_dir()?
        .parent()
        .ok_or("cannot find the target directory from the bench's path")?
        .to_owned())
}

/// The path of a client binary (`bench_hand`, …) of `bench/clients`.
fn client_binary(name: &str) -> Result<PathBuf, BoxError> {
    let path = profile_dir()?.join(format!("{name}{}", std::env::consts::EXE_SUFFIX));
    if path.exists() {
        Ok(path)
    } else {
        Err(format!(
            "{} is not built; run the bench with `cargo run --release --example bench`, which \
             builds the clients, or build them with `cargo build --release -p {CLIENTS}`",
            path.display()
        )
        .into())
    }
}

/// The package of the client binaries (`bench/clients`).
const CLIENTS: &str = "rest-source-bench-clients";

/// Builds the client binaries of `variants` with this binary's profile and target
/// directory, when run through `cargo run` (which says where cargo is in `CARGO`); up to
/// date, that is a no-op. They are built as their own package, so that cargo resolves their
/// dependencies' features as in a user's crate, without this example's dev-dependencies.
fn build_clients(variants: &[Variant]) -> Result<(), BoxError> {
    let Some(cargo) = std::env::var_os("CARGO") else {
        return Ok(()); // run directly: `client_binary` says what to build if one is missing
    };
    let target_dir = target_dir()?;
    let mut build = Command::new(cargo);
    build
        .arg("build")
        .arg("--manifest-path")
        .arg(concat!(env!("CARGO_MANIFEST_DIR"), "/Cargo.toml"))
        .args(["-p", CLIENTS])
        .arg("--target-dir")
        .arg(&target_dir)
        .arg("--quiet");
    if !cfg!(debug_assertions) {
        build.arg("--release");
    }
    for binary in variants.iter().filter_map(|v| v.binary()) {
        build.args(["--bin", binary]);
    }
    let status = build.status()?;
    if !status.success() {
        return Err(format!("building the client binaries failed ({status})").into());
    }
    Ok(())
}

/// dlt's version for the `dlt` variant: the one the compatibility reference was read from.
const DLT_REQUIREMENT: &str = "dlt==1.31.*";

/// A Python with dlt for the `dlt` variant: a venv under the target dir, made (and dlt
/// installed from PyPI) on first use.
fn dlt_python() -> Result<std::path::PathBuf, BoxError> {
    let venv = target_dir()?.join("bench-dlt-venv");
    let python = venv.join("bin").join("python");
    let ready = venv.join(".dlt-installed");
    if !ready.exists() {
        eprintln!("making {} with {DLT_REQUIREMENT} (once)…", venv.display());
        let ok = |status: std::process::ExitStatus, what: &str| -> Result<(), BoxError> {
            if status.success() {
                Ok(())
            } else {
                Err(
                    format!("{what} failed ({status}); or pass `--python` with dlt installed")
                        .into(),
                )
            }
        };
        ok(
            Command::new("python3")
                .args(["-m", "venv"])
                .arg(&venv)
                .status()?,
            "python3 -m venv",
        )?;
        ok(
            Command::new(&python)
                .args(["-m", "pip", "install", "--quiet", DLT_REQUIREMENT])
                .status()?,
            "pip install dlt",
        )?;
        std::fs::write(&ready, DLT_REQUIREMENT)?;
    }
    Ok(python)
}

fn loadavg() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "?".into())
}

fn main() -> Result<(), BoxError> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut opts = options(&args)?;
    if opts.variants.contains(&Variant::Dlt) && opts.python.is_none() {
        opts.python = Some(dlt_python()?);
    }
    build_clients(&opts.variants)?;
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    println!(
        "rest-source bench: {} CPUs, load average {} at start; page size {}, concurrency {}, \
         {}-thread client runtime, server latency {} ms, pages {}, {} runs per \
         configuration, alternating; medians",
        std::thread::available_parallelism().map_or(0, |n| n.get()),
        loadavg(),
        opts.page_size,
        opts.concurrency,
        opts.runtime.name(),
        opts.latency.as_millis(),
        if opts.pages_from_memory {
            "rendered once and sent from memory after (each scenario run once untimed first)"
        } else {
            "rendered for each request"
        },
        opts.runs
    );
    println!();
    println!(
        "| scenario | records | variant | records/s | ratio to (a) | peak RSS | wall | client CPU \
         | CPU µs/record | CPU ratio to (a) | server CPU µs/record |"
    );
    println!("|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|");
    for &records in &opts.records {
        let server = rt.block_on(
            DemoApi::new()
                .records(records)
                .token_ttl(Duration::from_secs(24 * 3600))
                .latency(opts.latency)
                .pages_from_memory(opts.pages_from_memory)
                .start(),
        )?;
        let origin = server.url().trim_end_matches('/').to_owned();
        for &scenario in &opts.scenarios {
            if opts.pages_from_memory {
                // Every page rendered once, so each measured run reads them from memory.
                let warm = *opts
                    .variants
                    .iter()
                    .find(|v| v.binary().is_some())
                    .unwrap_or(&opts.variants[0]);
                measure(warm, scenario, &origin, &opts)?;
            }
            let mut runs: Vec<Vec<Measurement>> = vec![Vec::new(); opts.variants.len()];
            for _ in 0..opts.runs {
                for (i, &variant) in opts.variants.iter().enumerate() {
                    runs[i].push(measure(variant, scenario, &origin, &opts)?);
                }
            }
            let expected = runs[0][0].tally;
            let mut bar = None;
            let mut cpu_bar = None;
            for (i, &variant) in opts.variants.iter().enumerate() {
                if let Some(bad) = runs[i].iter().find(|m| m.tally != expected) {
                    return Err(format!(
                        "{} / {}: extracted {:?}, expected {:?} (as the first run)",
                        variant.name(),
                        scenario.name(),
                        bad.tally,
                        expected
                    )
                    .into());
                }
                let rate = median(
                    runs[i]
                        .iter()
                        .map(|m| m.tally.records as f64 / m.secs)
                        .collect(),
                );
                let rss = median(runs[i].iter().map(|m| m.peak_rss_kib as f64).collect());
                let wall = median(runs[i].iter().map(|m| m.secs).collect());
                let cpu = median(runs[i].iter().map(|m| m.cpu_secs).collect());
                let server = median(runs[i].iter().map(|m| m.server_cpu_secs).collect());
                let bar = *bar.get_or_insert(rate);
                let cpu_bar = *cpu_bar.get_or_insert(cpu);
                println!(
                    "| {} | {} | {} | {:.0} | {:.2} | {:.1} MiB | {:.3} s | {:.2} s | {:.2} | {:.2} \
                     | {:.2} |",
                    scenario.describe(),
                    expected.records,
                    variant.label(),
                    rate,
                    rate / bar,
                    rss / 1024.0,
                    wall,
                    cpu,
                    cpu * 1e6 / expected.records as f64,
                    cpu / cpu_bar,
                    server * 1e6 / expected.records as f64
                );
            }
        }
        rt.block_on(server.shutdown());
    }
    println!();
    println!("load average {} at end", loadavg());
    Ok(())
}
