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
//! The parent process serves the demo API and re-executes this binary once per measurement
//! (`--child …`), so every figure's peak RSS (`VmHWM`) is that client's alone: the server's
//! memory and other configurations' peaks never mix in. Runs alternate between variants
//! (a, b, c, a, b, c, …) so load from other processes spreads over all of them; the table
//! shows medians.
//!
//! `--runtime current` runs the Rust clients on tokio's current-thread runtime (CPU per record
//! without the second core's help); the default is `multi`.
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

use std::process::Command;
use std::time::{Duration, Instant};

use futures::TryStreamExt;
use rest_source::spec::{OffsetPaginator, PageNumberPaginator, PaginatorSpec, ResourceSpec};
use rest_source::{OAuth2ClientCredentials, Resource, RestClient};
use rest_source_demo::DemoApi;
use serde::Deserialize;
use serde::de::DeserializeOwned;

type BoxError = Box<dyn std::error::Error + Send + Sync>;

// ---------------------------------------------------------------------------------------
// Records: typed, with owned strings, as a user would write them.

#[derive(Debug, Deserialize)]
#[allow(dead_code)] // fields are decoded for the cost of it, then only counted
struct Contact {
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
struct Event {
    id: u64,
    #[serde(rename = "type")]
    kind: String,
    contact_id: u64,
    occurred_at: String,
}

#[derive(Debug, Deserialize)]
#[allow(dead_code)]
struct User {
    id: u64,
    login: String,
    name: String,
    role: String,
    active: bool,
}

#[derive(Debug, Deserialize)]
#[allow(dead_code)]
struct Ticket {
    id: u64,
    subject: String,
    status: String,
    priority: String,
    contact_id: u64,
    created_at: String,
}

trait Id {
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
struct Tally {
    records: u64,
    id_sum: u64,
}

impl Tally {
    fn add(&mut self, record: &impl Id) {
        std::hint::black_box(record);
        self.records += 1;
        self.id_sum = self.id_sum.wrapping_add(record.id());
    }
    fn merge(self, other: Tally) -> Tally {
        Tally {
            records: self.records + other.records,
            id_sum: self.id_sum.wrapping_add(other.id_sum),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Scenario {
    Link,
    LinkFirst,
    Offset,
    Pages,
    Header,
    Multi,
}

impl Scenario {
    fn parse(s: &str) -> Result<Scenario, BoxError> {
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
    fn name(self) -> &'static str {
        match self {
            Scenario::Link => "link",
            Scenario::LinkFirst => "linkfirst",
            Scenario::Offset => "offset",
            Scenario::Pages => "pages",
            Scenario::Header => "header",
            Scenario::Multi => "multi",
        }
    }
    fn describe(self) -> &'static str {
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
    fn label(self) -> &'static str {
        match self {
            Variant::Hand => "(a) hand-written reqwest loop",
            Variant::Resource => "(b) Resource<T> (runtime API)",
            Variant::Macro => "(c) #[rest_source] macro",
            Variant::Dlt => "(d) dlt 1.31 RESTClient",
        }
    }
}

/// The clients' tokio runtime (`--runtime`): `current` (one thread: CPU per record shows
/// directly) or `multi` (the default, a worker per CPU).
#[derive(Debug, Clone, Copy, PartialEq)]
enum Flavor {
    Current,
    Multi,
}

impl Flavor {
    fn parse(s: &str) -> Result<Flavor, BoxError> {
        match s {
            "current" => Ok(Flavor::Current),
            "multi" => Ok(Flavor::Multi),
            other => {
                Err(format!("unknown runtime `{other}`; expected `current` or `multi`").into())
            }
        }
    }
    fn name(self) -> &'static str {
        match self {
            Flavor::Current => "current",
            Flavor::Multi => "multi",
        }
    }
}

/// Where the demo API is and how to page it.
#[derive(Debug, Clone)]
struct Target {
    origin: String,
    page_size: u64,
    concurrency: usize,
}

impl Target {
    fn base(&self) -> String {
        format!("{}/api/v1", self.origin)
    }
    fn token_url(&self) -> String {
        format!("{}/oauth/token", self.origin)
    }
}

// ---------------------------------------------------------------------------------------
// (a) The bar: a hand-written reqwest loop. Token, then pages one after another, each
// decoded straight into typed structs.

mod hand {
    use super::*;
    use rest_source::reqwest;

    #[derive(Deserialize)]
    struct Token {
        access_token: String,
    }

    #[derive(Deserialize)]
    struct LinkPage<T> {
        results: Vec<T>,
        paging: Paging,
    }
    #[derive(Deserialize)]
    struct Paging {
        next: Option<String>,
    }
    #[derive(Deserialize)]
    struct OffsetPage<T> {
        items: Vec<T>,
        total: u64,
    }
    #[derive(Deserialize)]
    struct NumberedPage<T> {
        data: Vec<T>,
        total_pages: u64,
    }

    async fn get<P: DeserializeOwned>(
        http: &reqwest::Client,
        url: &str,
        token: &str,
    ) -> Result<P, BoxError> {
        Ok(http
            .get(url)
            .bearer_auth(token)
            .send()
            .await?
            .error_for_status()?
            .json()
            .await?)
    }

    pub async fn run(scenario: Scenario, t: &Target) -> Result<Tally, BoxError> {
        // reqwest is built without a default TLS provider in this workspace; building any
        // `RestClient` installs rustls' `ring` provider, after which a plain reqwest client
        // builds (the loop itself uses nothing else of ours).
        RestClient::builder(t.base()).build()?;
        let http = reqwest::Client::new();
        let token = http
            .post(t.token_url())
            .basic_auth("demo-client", Some("demo-secret"))
            .form(&[("grant_type", "client_credentials")])
            .send()
            .await?
            .error_for_status()?
            .json::<Token>()
            .await?
            .access_token;
        Ok(match scenario {
            Scenario::Link => link(&http, t, &token, "").await?,
            Scenario::LinkFirst => link(&http, t, &token, "&paging=first").await?,
            Scenario::Offset => offset(&http, t, &token).await?,
            Scenario::Pages => pages(&http, t, &token).await?,
            Scenario::Header => header(&http, t, &token).await?,
            Scenario::Multi => {
                let (a, b, c) = tokio::try_join!(
                    link(&http, t, &token, ""),
                    offset(&http, t, &token),
                    pages(&http, t, &token)
                )?;
                a.merge(b).merge(c)
            }
        })
    }

    async fn link(
        http: &reqwest::Client,
        t: &Target,
        token: &str,
        query: &str,
    ) -> Result<Tally, BoxError> {
        let mut tally = Tally::default();
        let mut next = Some(format!(
            "{}/contacts?limit={}{query}",
            t.base(),
            t.page_size
        ));
        while let Some(url) = next {
            let page: LinkPage<Contact> = get(http, &url, token).await?;
            page.results.iter().for_each(|r| tally.add(r));
            next = page.paging.next;
        }
        Ok(tally)
    }

    async fn offset(http: &reqwest::Client, t: &Target, token: &str) -> Result<Tally, BoxError> {
        let mut tally = Tally::default();
        let mut offset = 0;
        loop {
            let url = format!("{}/events?offset={offset}&limit={}", t.base(), t.page_size);
            let page: OffsetPage<Event> = get(http, &url, token).await?;
            page.items.iter().for_each(|r| tally.add(r));
            offset += t.page_size;
            if page.items.is_empty() || offset >= page.total {
                return Ok(tally);
            }
        }
    }

    /// Follows `Link: <…>; rel="next"`, reading each page after the one before.
    async fn header(http: &reqwest::Client, t: &Target, token: &str) -> Result<Tally, BoxError> {
        let mut tally = Tally::default();
        let mut next = Some(format!("{}/users?per_page={}", t.base(), t.page_size));
        while let Some(url) = next {
            let response = http
                .get(&url)
                .bearer_auth(token)
                .send()
                .await?
                .error_for_status()?;
            next = response
                .headers()
                .get_all(reqwest::header::LINK)
                .iter()
                .filter_map(|v| v.to_str().ok())
                .flat_map(|v| v.split(','))
                .find(|link| link.contains("rel=\"next\""))
                .and_then(|link| Some(link.split_once('<')?.1.split_once('>')?.0.to_owned()));
            let page: Vec<User> = response.json().await?;
            page.iter().for_each(|r| tally.add(r));
        }
        Ok(tally)
    }

    async fn pages(http: &reqwest::Client, t: &Target, token: &str) -> Result<Tally, BoxError> {
        let mut tally = Tally::default();
        let mut page_no = 1;
        loop {
            let url = format!(
                "{}/tickets?page={page_no}&per_page={}",
                t.base(),
                t.page_size
            );
            let page: NumberedPage<Ticket> = get(http, &url, token).await?;
            page.data.iter().for_each(|r| tally.add(r));
            if page.data.is_empty() || page_no >= page.total_pages {
                return Ok(tally);
            }
            page_no += 1;
        }
    }
}

// ---------------------------------------------------------------------------------------
// (b) The same source through the runtime API: one client (OAuth2), one spec per resource.

mod runtime {
    use super::*;

    pub struct Source {
        pub contacts: Resource<Contact>,
        pub contacts_first: Resource<Contact>,
        pub events: Resource<Event>,
        pub tickets: Resource<Ticket>,
        pub users: Resource<User>,
    }

    pub fn source(t: &Target) -> Result<Source, BoxError> {
        let auth = OAuth2ClientCredentials::new(t.token_url(), "demo-client", "demo-secret");
        let client = RestClient::builder(t.base()).auth(auth).build()?;
        let c = t.concurrency;
        Ok(Source {
            contacts: Resource::new(
                client.clone(),
                ResourceSpec::new("contacts", "contacts")
                    .param("limit", t.page_size)
                    .data_selector("results")
                    .paginator(PaginatorSpec::json_link("paging.next"))
                    .concurrency(c),
            )?,
            contacts_first: Resource::new(
                client.clone(),
                ResourceSpec::new("contacts", "contacts")
                    .param("limit", t.page_size)
                    .param("paging", "first")
                    .data_selector("results")
                    .paginator(PaginatorSpec::json_link("paging.next"))
                    .concurrency(c),
            )?,
            events: Resource::new(
                client.clone(),
                ResourceSpec::new("events", "events")
                    .data_selector("items")
                    .paginator(OffsetPaginator::new(t.page_size).total_path("total"))
                    .concurrency(c),
            )?,
            users: Resource::new(
                client.clone(),
                ResourceSpec::new("users", "users")
                    .param("per_page", t.page_size)
                    .paginator(PaginatorSpec::header_link())
                    .concurrency(c),
            )?,
            tickets: Resource::new(
                client,
                ResourceSpec::new("tickets", "tickets")
                    .param("per_page", t.page_size)
                    .data_selector("data")
                    .paginator(
                        PageNumberPaginator::default()
                            .base_page(1)
                            .total_path("total_pages"),
                    )
                    .concurrency(c),
            )?,
        })
    }

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

    pub async fn run(scenario: Scenario, t: &Target) -> Result<Tally, BoxError> {
        let s = source(t)?;
        Ok(match scenario {
            Scenario::Link => drain(&s.contacts).await?,
            Scenario::LinkFirst => drain(&s.contacts_first).await?,
            Scenario::Offset => drain(&s.events).await?,
            Scenario::Pages => drain(&s.tickets).await?,
            Scenario::Header => drain(&s.users).await?,
            Scenario::Multi => {
                let (a, b, c) =
                    tokio::try_join!(drain(&s.contacts), drain(&s.events), drain(&s.tickets))?;
                a.merge(b).merge(c)
            }
        })
    }
}

// ---------------------------------------------------------------------------------------
// (c) The same source declared with the macro. Its URLs are placeholders: the builder points
// the source at the demo server's port. Page sizes are the demo's default (100).

mod declared {
    use super::*;
    use rest_source::{Secret, rest_source};

    #[rest_source(
        base_url = "http://127.0.0.1/api/v1",
        auth = oauth2_client_credentials(
            access_token_url = "http://127.0.0.1/oauth/token",
            client_id = secret("client_id"),
            client_secret = secret("client_secret"),
        ),
    )]
    pub struct Demo {
        #[resource(
            path = "contacts",
            data_selector = "results",
            paginator = json_link(next_url_path = "paging.next")
        )]
        pub contacts: Resource<Contact>,

        #[resource(
            path = "contacts",
            params("paging" = "first"),
            data_selector = "results",
            paginator = json_link(next_url_path = "paging.next")
        )]
        pub contacts_first: Resource<Contact>,

        #[resource(
            path = "events",
            data_selector = "items",
            paginator = offset(limit = 100, total_path = "total")
        )]
        pub events: Resource<Event>,

        #[resource(
            path = "tickets",
            data_selector = "data",
            paginator = page_number(base_page = 1, total_path = "total_pages")
        )]
        pub tickets: Resource<Ticket>,

        #[resource(path = "users", params("per_page" = 100), paginator = header_link)]
        pub users: Resource<User>,
    }

    pub async fn run(scenario: Scenario, t: &Target) -> Result<Tally, BoxError> {
        if t.page_size != 100 {
            return Err(
                "the macro-defined source pages by 100; run it with `--page-size 100`".into(),
            );
        }
        let s = Demo::builder()
            .secrets(DemoSecrets {
                client_id: Secret::new("demo-client"),
                client_secret: Secret::new("demo-secret"),
            })
            .base_url(t.base())
            .access_token_url(t.token_url())
            .build()?;
        use runtime::drain;
        Ok(match scenario {
            Scenario::Link => drain(&s.contacts).await?,
            Scenario::LinkFirst => drain(&s.contacts_first).await?,
            Scenario::Offset => drain(&s.events).await?,
            Scenario::Pages => drain(&s.tickets).await?,
            Scenario::Header => drain(&s.users).await?,
            Scenario::Multi => {
                let (a, b, c) =
                    tokio::try_join!(drain(&s.contacts), drain(&s.events), drain(&s.tickets))?;
                a.merge(b).merge(c)
            }
        })
    }
}

// ---------------------------------------------------------------------------------------
// The child: one measurement, printed as one line for the parent.

/// CPU time (user + system) this process has used, in seconds (`/proc/self/stat`).
fn cpu_secs() -> f64 {
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
fn peak_rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        })
        .unwrap_or(0)
}

fn child(args: &[String]) -> Result<(), BoxError> {
    let [variant, scenario, origin, page_size, concurrency, flavor] = args else {
        return Err(
            "usage: bench --child <variant> <scenario> <origin> <page size> \
                    <concurrency> <current|multi>"
                .into(),
        );
    };
    let variant = Variant::parse(variant)?;
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
    let tally = rt.block_on(async {
        match variant {
            Variant::Hand => hand::run(scenario, &target).await,
            Variant::Resource => runtime::run(scenario, &target).await,
            Variant::Macro => declared::run(scenario, &target).await,
            Variant::Dlt => Err("the dlt variant runs in Python, not as a child".into()),
        }
    })?;
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

// ---------------------------------------------------------------------------------------
// The parent: serve the demo API, run the children alternating, print medians.

#[derive(Debug, Clone, Copy)]
struct Measurement {
    tally: Tally,
    secs: f64,
    cpu_secs: f64,
    peak_rss_kib: u64,
}

fn measure(
    variant: Variant,
    scenario: Scenario,
    origin: &str,
    opts: &Options,
) -> Result<Measurement, BoxError> {
    let out = match (variant, &opts.python) {
        (Variant::Dlt, Some(python)) => Command::new(python)
            .arg(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/examples/bench_dlt.py"
            ))
            .args([scenario.name(), origin, &opts.page_size.to_string()])
            .output()?,
        (Variant::Dlt, None) => return Err("the dlt variant needs a Python with dlt".into()),
        _ => Command::new(std::env::current_exe()?)
            .args([
                "--child",
                variant.name(),
                scenario.name(),
                origin,
                &opts.page_size.to_string(),
                &opts.concurrency.to_string(),
                opts.runtime.name(),
            ])
            .output()?,
    };
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
    };
    let mut it = args.iter();
    while let Some(flag) = it.next() {
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
                     `--variants`, `--page-size`, `--concurrency`, `--runtime`, `--latency` \
                     or `--python`"
                )
                .into());
            }
        }
    }
    Ok(o)
}

/// dlt's version for the `dlt` variant: the one the compatibility reference was read from.
const DLT_REQUIREMENT: &str = "dlt==1.31.*";

/// A Python with dlt for the `dlt` variant: a venv under the target dir, made (and dlt
/// installed from PyPI) on first use.
fn dlt_python() -> Result<std::path::PathBuf, BoxError> {
    let exe = std::env::current_exe()?;
    // target/<profile>/examples/bench → target/
    let target = exe
        .ancestors()
        .nth(3)
        .ok_or("cannot find the target directory from the bench's path")?;
    let venv = target.join("bench-dlt-venv");
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
    if args.first().map(String::as_str) == Some("--child") {
        return child(&args[1..]);
    }
    let mut opts = options(&args)?;
    if opts.variants.contains(&Variant::Dlt) && opts.python.is_none() {
        opts.python = Some(dlt_python()?);
    }
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    println!(
        "rest-source bench: {} CPUs, load average {} at start; page size {}, concurrency {}, \
         {}-thread client runtime, server latency {} ms, {} runs per configuration, \
         alternating; medians",
        std::thread::available_parallelism().map_or(0, |n| n.get()),
        loadavg(),
        opts.page_size,
        opts.concurrency,
        opts.runtime.name(),
        opts.latency.as_millis(),
        opts.runs
    );
    println!();
    println!(
        "| scenario | records | variant | records/s | ratio to (a) | peak RSS | wall | client CPU \
         | CPU µs/record | CPU ratio to (a) |"
    );
    println!("|---|---:|---|---:|---:|---:|---:|---:|---:|---:|");
    for &records in &opts.records {
        let server = rt.block_on(
            DemoApi::new()
                .records(records)
                .token_ttl(Duration::from_secs(24 * 3600))
                .latency(opts.latency)
                .start(),
        )?;
        let origin = server.url().trim_end_matches('/').to_owned();
        for &scenario in &opts.scenarios {
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
                let bar = *bar.get_or_insert(rate);
                let cpu_bar = *cpu_bar.get_or_insert(cpu);
                println!(
                    "| {} | {} | {} | {:.0} | {:.2} | {:.1} MiB | {:.3} s | {:.2} s | {:.2} | {:.2} |",
                    scenario.describe(),
                    expected.records,
                    variant.label(),
                    rate,
                    rate / bar,
                    rss / 1024.0,
                    wall,
                    cpu,
                    cpu * 1e6 / expected.records as f64,
                    cpu / cpu_bar
                );
            }
        }
        rt.block_on(server.shutdown());
    }
    println!();
    println!("load average {} at end", loadavg());
    Ok(())
}
