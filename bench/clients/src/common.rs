//! What the benchmark's client binaries (`bench_hand`, `bench_resource`, `bench_macro`) and
//! its parent (`bench`) share: the records, the scenarios, the target and the one-line report
//! of a measurement. Included by each with `#[path]`; see `examples/bench.rs`.

#![allow(dead_code)] // each binary uses a part

use std::time::Instant;

use futures::TryStreamExt;
use rest_source::Resource;
use serde::Deserialize;
use serde::de::DeserializeOwned;

pub type BoxError = Box<dyn std::error::Error + Send + Sync>;

// ---------------------------------------------------------------------------------------
// Records: typed, with owned strings, as a user would write them.

#[derive(Debug, Deserialize)]
#[allow(dead_code)] // fields are decoded for the cost of it, then only counted
pub struct Contact {
    id: u64,
    name: String,
    email: String,
    company: String,
    tags: Vec<String>,
    created_at: String,
    updated_at: String,
}

#[derive(Debug, Deserialize)]
#[allow(dead_code)]
pub struct Event {
    id: u64,
    #[serde(rename = "type")]
    kind: String,
    contact_id: u64,
    occurred_at: String,
}

#[derive(Debug, Deserialize)]
#[allow(dead_code)]
pub struct User {
    id: u64,
    login: String,
    name: String,
    role: String,
    active: bool,
}

#[derive(Debug, Deserialize)]
#[allow(dead_code)]
pub struct Ticket {
    id: u64,
    subject: String,
    status: String,
    priority: String,
    contact_id: u64,
    created_at: String,
}

pub trait Id {
    fn id(&self) -> u64;
}
impl Id for Contact {
    fn id(&self) -> u64 {
        self.id
    }
}
impl Id for Event {
    fn id(&self) -> u64 {
        self.id
    }
}
impl Id for User {
    fn id(&self) -> u64 {
        self.id
    }
}
impl Id for Ticket {
    fn id(&self) -> u64 {
        self.id
    }
}

/// What a run saw: the record count and a checksum over ids, so every variant is checked to
/// have extracted exactly the same records.
#[derive(Debug, Default, Clone, Copy, PartialEq)]
pub struct Tally {
    pub records: u64,
    pub id_sum: u64,
}

impl Tally {
    pub fn add(&mut self, record: &impl Id) {
        std::hint::black_box(record);
        self.records += 1;
        self.id_sum = self.id_sum.wrapping_add(record.id());
    }
    pub fn merge(self, other: Tally) -> Tally {
        Tally {
            records: self.records + other.records,
            id_sum: self.id_sum.wrapping_add(other.id_sum),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Scenario {
    Link,
    LinkFirst,
    Offset,
    Pages,
    Header,
    Multi,
}

impl Scenario {
    pub fn parse(s: &str) -> Result<Scenario, BoxError> {
        Ok(match s {
            "link" => Scenario::Link,
            "linkfirst" => Scenario::LinkFirst,
            "offset" => Scenario::Offset,
            "pages" => Scenario::Pages,
            "header" => Scenario::Header,
            "multi" => Scenario::Multi,
            other => {
                return Err(format!(
                    "unknown scenario `{other}`; expected `link`, `linkfirst`, `offset`, `pages`, \
                     `header` or `multi`"
                )
                .into());
            }
        })
    }
    pub fn name(self) -> &'static str {
        match self {
            Scenario::Link => "link",
            Scenario::LinkFirst => "linkfirst",
            Scenario::Offset => "offset",
            Scenario::Pages => "pages",
            Scenario::Header => "header",
            Scenario::Multi => "multi",
        }
    }
    pub fn describe(self) -> &'static str {
        match self {
            Scenario::Link => "json_link (follow `next`)",
            Scenario::LinkFirst => "json_link, link before the records",
            Scenario::Offset => "offset + total",
            Scenario::Pages => "page_number + total_pages",
            Scenario::Header => "header_link (`Link: rel=next`)",
            Scenario::Multi => "3 resources at once",
        }
    }
}

/// The clients' tokio runtime (`--runtime`): `current` (one thread: CPU per record shows
/// directly) or `multi` (the default, a worker per CPU).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Flavor {
    Current,
    Multi,
}

impl Flavor {
    pub fn parse(s: &str) -> Result<Flavor, BoxError> {
        match s {
            "current" => Ok(Flavor::Current),
            "multi" => Ok(Flavor::Multi),
            other => {
                Err(format!("unknown runtime `{other}`; expected `current` or `multi`").into())
            }
        }
    }
    pub fn name(self) -> &'static str {
        match self {
            Flavor::Current => "current",
            Flavor::Multi => "multi",
        }
    }
}

/// Where the demo API is and how to page it.
#[derive(Debug, Clone)]
pub struct Target {
    pub origin: String,
    pub page_size: u64,
    pub concurrency: usize,
}

impl Target {
    pub fn base(&self) -> String {
        format!("{}/api/v1", self.origin)
    }
    pub fn token_url(&self) -> String {
        format!("{}/oauth/token", self.origin)
    }
}

/// Reads every record of `resource` through [`Resource::items`], as variants (b) and (c) do.
pub async fn drain<T: Id + DeserializeOwned + Send + 'static>(
    resource: &Resource<T>,
) -> Result<Tally, BoxError> {
    let mut tally = Tally::default();
    let mut items = resource.items();
    while let Some(record) = items.try_next().await? {
        tally.add(&record);
    }
    Ok(tally)
}

/// The demo source's resources, however declared: what variants (b) and (c) run.
pub struct Resources<'s> {
    pub contacts: &'s Resource<Contact>,
    pub contacts_first: &'s Resource<Contact>,
    pub events: &'s Resource<Event>,
    pub tickets: &'s Resource<Ticket>,
    pub users: &'s Resource<User>,
}

impl Resources<'_> {
    /// Reads every record of the scenario's resources ([`drain`]).
    pub async fn drain(&self, scenario: Scenario) -> Result<Tally, BoxError> {
        Ok(match scenario {
            Scenario::Link => drain(self.contacts).await?,
            Scenario::LinkFirst => drain(self.contacts_first).await?,
            Scenario::Offset => drain(self.events).await?,
            Scenario::Pages => drain(self.tickets).await?,
            Scenario::Header => drain(self.users).await?,
            Scenario::Multi => {
                let (a, b, c) = tokio::try_join!(
                    drain(self.contacts),
                    drain(self.events),
                    drain(self.tickets)
                )?;
                a.merge(b).merge(c)
            }
        })
    }
}

// ---------------------------------------------------------------------------------------
// Measuring this process.

/// CPU time (user + system) this process has used, in seconds (`/proc/self/stat`).
pub fn cpu_secs() -> f64 {
    let ticks = std::fs::read_to_string("/proc/self/stat")
        .ok()
        .and_then(|s| {
            // Fields after the parenthesised command name; utime and stime are 14th and 15th.
            let rest = s.rsplit_once(')')?.1;
            let f: Vec<&str> = rest.split_whitespace().collect();
            Some(f.get(11)?.parse::<u64>().ok()? + f.get(12)?.parse::<u64>().ok()?)
        })
        .unwrap_or(0);
    ticks as f64 / 100.0 // USER_HZ is 100 on Linux
}

/// Peak resident set size of this process, in KiB (`VmHWM` from `/proc/self/status`).
pub fn peak_rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        })
        .unwrap_or(0)
}

// ---------------------------------------------------------------------------------------
// A client binary: one measurement, printed as one line for the parent.

/// The `main` of a client binary: `<scenario> <origin> <page size> <concurrency>
/// <current|multi>` from the command line, `run` on that runtime, then one line with the
/// records, the id checksum, the wall and CPU time and the peak RSS.
pub fn client<F>(run: impl FnOnce(Scenario, Target) -> F) -> Result<(), BoxError>
where
    F: std::future::Future<Output = Result<Tally, BoxError>>,
{
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [scenario, origin, page_size, concurrency, flavor] = &args[..] else {
        return Err(format!(
            "usage: {} <scenario> <origin> <page size> <concurrency> <current|multi> \
             (run by `cargo run --release --example bench`)",
            std::env::args().next().unwrap_or_default()
        )
        .into());
    };
    let scenario = Scenario::parse(scenario)?;
    let target = Target {
        origin: origin.clone(),
        page_size: page_size.parse()?,
        concurrency: concurrency.parse()?,
    };
    let rt = match Flavor::parse(flavor)? {
        Flavor::Current => tokio::runtime::Builder::new_current_thread(),
        Flavor::Multi => tokio::runtime::Builder::new_multi_thread(),
    }
    .enable_all()
    .build()?;
    let start = Instant::now();
    let tally = rt.block_on(run(scenario, target))?;
    let secs = start.elapsed().as_secs_f64();
    println!(
        "records={} id_sum={} secs={secs:.6} cpu_secs={:.2} peak_rss_kib={}",
        tally.records,
        tally.id_sum,
        cpu_secs(),
        peak_rss_kib()
    );
    Ok(())
}
