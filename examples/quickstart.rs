//! Quickstart: a whole extraction against the bundled demo API, in one command.
//!
//! ```sh
//! cargo run --example quickstart
//! ```
//!
//! What it does, in the order a data engineer coming from dlt would:
//!
//! 1. starts the demo API on `127.0.0.1:<free port>` (OAuth2 client credentials, 30 s tokens)
//!    with faults switched on: every 100th API request gets a `429` with `Retry-After: 1` and
//!    every 150th a `503`, so the run shows retries at work;
//! 2. writes a dlt-style `.dlt/secrets.toml` (`[sources.crm]`) into a fresh temporary project
//!    directory (removed at the end) and resolves the source's secrets from it;
//! 3. defines the source with `#[rest_source]`: OAuth2 for the source, an API key for
//!    `reports` only, `json_link` pagination, and `notes` as a child of `contacts`;
//! 4. tests auth first (`check()`), then streams every resource page by page;
//! 5. prints the run report of each resource (records, pages, requests, retries and why
//!    paging stopped, from `Resource::last_report()`), then the server's own counts of token
//!    requests and faults, and the time.
//!
//! It exits with 0 only if every resource returned records.
//!
//! The extraction itself is [`run`], which `tests/it/quickstart.rs` calls in-process.

use std::error::Error;
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use futures::TryStreamExt;
use rest_source::{Resource, RestClientBuilder, RunReport, SecretResolver, rest_source};
use rest_source_demo::{Collection, DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, DEMO_REPORT_KEY};
use rest_source_demo::{DemoApi, Faults};
use serde::Deserialize;

/// A contact, as `GET /api/v1/contacts` returns it (fields we don't name are ignored).
#[derive(Debug, Deserialize)]
pub struct Contact {
    pub id: u64,
    pub name: String,
    pub email: String,
    pub company: String,
    pub updated_at: String,
}

/// A note of one contact (`GET /api/v1/contacts/{id}/notes`).
#[derive(Debug, Deserialize)]
pub struct Note {
    pub contact_id: u64,
    pub body: String,
}

/// A monthly report (`GET /api/v1/reports`, API-key protected).
#[derive(Debug, Deserialize)]
pub struct Report {
    pub period: String,
    pub revenue_cents: u64,
    pub currency: String,
}

/// The source. The URLs are the demo's documented defaults (`--port 8080`); the run below
/// points the builder at the port the demo actually got, with `.base_url(..)` and
/// `.access_token_url(..)`, as you would for a staging environment.
#[rest_source(
    base_url = "http://127.0.0.1:8080/api/v1",
    auth = oauth2_client_credentials(
        access_token_url = "http://127.0.0.1:8080/oauth/token",
        client_id = secret("client_id"),
        client_secret = secret("client_secret"),
    ),
    paginator = json_link(next_url_path = "paging.next"),
)]
pub struct Crm {
    #[resource(path = "contacts", data_selector = "results", primary_key = "id")]
    pub contacts: Resource<Contact>,

    /// A child resource: one request per contact, `{contacts.id}` taken from each record.
    #[resource(path = "contacts/{contacts.id}/notes", data_selector = "results")]
    pub notes: Resource<Note>,

    /// Its own credentials: an API key replaces the source's OAuth2 for this resource only.
    #[resource(path = "reports", data_selector = "data", paginator = single_page)]
    #[auth(api_key(name = "X-Report-Key", api_key = secret("report_key"), location = header))]
    pub reports: Resource<Report>,
}

/// Contacts the demo holds: 2 pages of 100, and 200 child requests for the notes.
pub const CONTACTS: u64 = 200;

/// What one resource yielded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResourceCount {
    /// The resource's name.
    pub name: &'static str,
    /// Records decoded into the typed struct.
    pub records: u64,
    /// Pages requested (for a child resource, pages summed over every parent record).
    pub pages: u64,
}

/// What the whole run did.
#[derive(Debug, Clone)]
pub struct Summary {
    /// Per resource, in extraction order.
    pub resources: Vec<ResourceCount>,
    /// The runtime's report of each resource's run, in extraction order.
    pub reports: Vec<RunReport>,
    /// Requests to the demo's token endpoint (from the server's counters, not the client's).
    pub token_requests: u64,
    /// `429 Too Many Requests` the server sent (each one retried by the client).
    pub rate_limited: u64,
    /// `503 Service Unavailable` the server sent (each one retried by the client).
    pub unavailable: u64,
    /// `401 Unauthorized` the server sent.
    pub unauthorized: u64,
    /// Wall time from the first request to the last record.
    pub elapsed: Duration,
}

impl Summary {
    /// The resources that returned no records (the run failed if any did).
    pub fn empty_resources(&self) -> Vec<&'static str> {
        self.resources
            .iter()
            .filter(|r| r.records == 0)
            .map(|r| r.name)
            .collect()
    }
}

/// Starts the demo API, extracts every resource of [`Crm`] and returns what happened,
/// narrating to `out`. `configure` adjusts the HTTP client (the test uses it to drop the
/// timers a paused clock would jump to); the example passes it through unchanged.
pub async fn run(
    out: &mut dyn Write,
    configure: impl FnOnce(RestClientBuilder) -> RestClientBuilder + 'static,
) -> Result<Summary, Box<dyn Error>> {
    // 1. The demo API: a real HTTP server on loopback, with faults.
    let demo = DemoApi::new()
        .records_for(Collection::Contacts, CONTACTS)
        .token_ttl(Duration::from_secs(30))
        .faults(
            Faults::none()
                .rate_limit_every(100)
                .unavailable_every(150)
                .retry_after_secs(1),
        )
        .start()
        .await?;
    writeln!(out, "demo API      {}", demo.base_url())?;
    writeln!(
        out,
        "faults        429 (Retry-After: 1) every 100th request, 503 every 150th"
    )?;

    // 2. Secrets: a dlt-layout `.dlt/secrets.toml` in a fresh project directory.
    let project = TempProject::new()?;
    let secrets_file = project.write_secrets(&format!(
        "[sources.crm]\n\
         client_id = \"{DEMO_CLIENT_ID}\"\n\
         client_secret = \"{DEMO_CLIENT_SECRET}\"\n\
         report_key = \"{DEMO_REPORT_KEY}\"\n"
    ))?;
    // In your own pipeline `Crm::builder().secrets_from_env()?` looks in env vars
    // (`SOURCES__CRM__CLIENT_ID`, …), `./.dlt/secrets.toml` and `~/.dlt/secrets.toml`. The
    // quickstart reads only the file it wrote, so stray variables in your shell can't change it.
    let resolver = SecretResolver::for_source(Crm::SOURCE_NAME)
        .without_env()
        .with_file(&secrets_file);
    writeln!(
        out,
        "secrets       [sources.{}] {} from {}",
        Crm::SOURCE_NAME,
        Crm::SECRET_KEYS.join(", "),
        secrets_file.display()
    )?;

    // 3. The source, pointed at the demo's real port.
    let crm = Crm::builder()
        .secrets_from_resolver(&resolver)?
        .base_url(demo.base_url())
        .access_token_url(demo.token_url())
        .configure_client(configure)
        .build()?;

    let started = Instant::now();

    // 4. Test auth first: one authenticated request per distinct auth (OAuth2, API key).
    crm.check().await?;
    writeln!(
        out,
        "check         ok (oauth2_client_credentials for contacts + notes, api_key for reports)"
    )?;
    writeln!(out)?;

    // 5. Extract. `pages()` is the lazy stream `items()` flattens; the summary counts
    // pages too, so it is used here. Records are typed as they arrive, one page in memory.
    let mut resources = Vec::new();

    let (mut contacts, mut newest) = (ResourceCount::new("contacts"), String::new());
    let mut pages = crm.contacts.pages();
    while let Some(page) = pages.try_next().await? {
        contacts.pages += 1;
        for contact in page.into_items() {
            contacts.records += 1;
            if contact.updated_at > newest {
                newest = contact.updated_at.clone();
            }
            if contacts.records == 1 {
                writeln!(
                    out,
                    "first contact #{} {} <{}> at {}",
                    contact.id, contact.name, contact.email, contact.company
                )?;
            }
        }
    }
    writeln!(out, "contacts      updated up to {newest}")?;
    resources.push(contacts);
    // The stream has ended, so the resource holds the report of this run.
    let mut run_reports = vec![finished(&crm.contacts)?];

    let mut notes = ResourceCount::new("notes");
    let mut contacts_with_notes = std::collections::BTreeSet::new();
    let mut pages = crm.notes.pages();
    while let Some(page) = pages.try_next().await? {
        notes.pages += 1;
        for note in page.into_items() {
            notes.records += 1;
            if contacts_with_notes.insert(note.contact_id) && contacts_with_notes.len() == 1 {
                writeln!(
                    out,
                    "first note    \"{}\" (contact #{})",
                    note.body, note.contact_id
                )?;
            }
        }
    }
    writeln!(
        out,
        "notes         for {} contacts",
        contacts_with_notes.len()
    )?;
    resources.push(notes);
    run_reports.push(finished(&crm.notes)?);

    let (mut reports, mut revenue) = (ResourceCount::new("reports"), 0u64);
    let mut periods = Vec::new();
    let mut pages = crm.reports.pages();
    while let Some(page) = pages.try_next().await? {
        reports.pages += 1;
        for report in page.into_items() {
            reports.records += 1;
            revenue += report.revenue_cents;
            periods.push((report.period, report.currency));
        }
    }
    if let (Some(first), Some(last)) = (periods.first(), periods.last()) {
        writeln!(
            out,
            "reports       {} to {}, revenue {}.{:02} {}",
            first.0,
            last.0,
            revenue / 100,
            revenue % 100,
            last.1
        )?;
    }
    resources.push(reports);
    run_reports.push(finished(&crm.reports)?);

    let elapsed = started.elapsed();
    let stats = demo.stats();
    demo.shutdown().await;
    let summary = Summary {
        resources,
        reports: run_reports,
        token_requests: stats.token_requests,
        rate_limited: stats.rate_limited,
        unavailable: stats.unavailable,
        unauthorized: stats.unauthorized,
        elapsed,
    };
    print_summary(out, &summary)?;
    Ok(summary)
}

/// The report of the run of `resource` that just ended.
fn finished<T>(resource: &Resource<T>) -> Result<RunReport, Box<dyn Error>> {
    resource
        .last_report()
        .ok_or_else(|| format!("resource `{}` has no run report", resource.name()).into())
}

/// The run report of each resource, as a table.
fn print_reports(out: &mut dyn Write, reports: &[RunReport]) -> std::io::Result<()> {
    writeln!(
        out,
        "{:<10} {:>8} {:>6} {:>9} {:>8}  stopped",
        "resource", "records", "pages", "requests", "retries"
    )?;
    for r in reports {
        let stopped = r
            .stop_reason()
            .map_or_else(|| "-".to_owned(), |reason| reason.to_string());
        writeln!(
            out,
            "{:<10} {:>8} {:>6} {:>9} {:>8}  {stopped}",
            r.resource,
            r.records,
            r.pages,
            r.requests,
            r.total_retries()
        )?;
    }
    Ok(())
}

fn print_summary(out: &mut dyn Write, s: &Summary) -> std::io::Result<()> {
    writeln!(out)?;
    print_reports(out, &s.reports)?;
    writeln!(out)?;
    writeln!(
        out,
        "token requests  {} (tokens live 30 s; the source's resources share one token cache)",
        s.token_requests
    )?;
    writeln!(
        out,
        "retries         {} ({} x 429 honouring Retry-After, {} x 503), {} x 401",
        s.rate_limited + s.unavailable,
        s.rate_limited,
        s.unavailable,
        s.unauthorized
    )?;
    writeln!(out, "elapsed         {:.2} s", s.elapsed.as_secs_f64())?;
    Ok(())
}

impl ResourceCount {
    fn new(name: &'static str) -> Self {
        ResourceCount {
            name,
            records: 0,
            pages: 0,
        }
    }
}

/// A fresh project directory under the system temp dir, removed on drop (also on error).
struct TempProject(PathBuf);

impl TempProject {
    fn new() -> std::io::Result<Self> {
        use std::sync::atomic::{AtomicU32, Ordering};
        static NEXT: AtomicU32 = AtomicU32::new(0);
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos());
        let dir = std::env::temp_dir().join(format!(
            "rest-source-quickstart-{}-{nanos}-{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        ));
        // `create_dir` (not `_all`) fails if the name is taken: never reuse someone's dir.
        std::fs::create_dir(&dir)?;
        Ok(TempProject(dir))
    }

    /// Writes `.dlt/secrets.toml` (owner-only on Unix, as a secrets file should be).
    fn write_secrets(&self, toml: &str) -> std::io::Result<PathBuf> {
        let dlt = self.0.join(".dlt");
        std::fs::create_dir(&dlt)?;
        let path = dlt.join("secrets.toml");
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        options.open(&path)?.write_all(toml.as_bytes())?;
        Ok(path)
    }
}

impl Drop for TempProject {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    let mut out = std::io::stdout();
    match run(&mut out, |client| client).await {
        Ok(summary) => {
            let empty = summary.empty_resources();
            if empty.is_empty() {
                ExitCode::SUCCESS
            } else {
                eprintln!(
                    "error: no records from {}: the demo API served nothing for them",
                    empty.join(", ")
                );
                ExitCode::FAILURE
            }
        }
        Err(err) => {
            eprintln!("error: {err}");
            let mut source = err.source();
            while let Some(cause) = source {
                eprintln!("  caused by: {cause}");
                source = cause.source();
            }
            ExitCode::FAILURE
        }
    }
}
