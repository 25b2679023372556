//! `DemoApi`: the demo server's configuration, as a builder.

use std::time::Duration;

use crate::faults::Faults;
use crate::server::DemoServer;

/// The collections the demo serves, for sizing them with [`DemoApi::records_for`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Collection {
    /// `/api/v1/contacts` (also bounds the contact ids accepted by `/notes`).
    Contacts,
    /// `/api/v1/reports` (one page; default 24).
    Reports,
    /// `/api/v1/events`
    Events,
    /// `/api/v1/tickets`
    Tickets,
    /// `/api/v1/orders`
    Orders,
    /// `/api/v1/users`
    Users,
}

/// Records per collection.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Sizes {
    pub contacts: u64,
    pub reports: u64,
    pub events: u64,
    pub tickets: u64,
    pub orders: u64,
    pub users: u64,
}

impl Sizes {
    pub(crate) fn get(&self, c: Collection) -> u64 {
        match c {
            Collection::Contacts => self.contacts,
            Collection::Reports => self.reports,
            Collection::Events => self.events,
            Collection::Tickets => self.tickets,
            Collection::Orders => self.orders,
            Collection::Users => self.users,
        }
    }

    fn get_mut(&mut self, c: Collection) -> &mut u64 {
        match c {
            Collection::Contacts => &mut self.contacts,
            Collection::Reports => &mut self.reports,
            Collection::Events => &mut self.events,
            Collection::Tickets => &mut self.tickets,
            Collection::Orders => &mut self.orders,
            Collection::Users => &mut self.users,
        }
    }
}

/// The default client id of `POST /oauth/token`.
pub const DEMO_CLIENT_ID: &str = "demo-client";
/// The default client secret of `POST /oauth/token`.
pub const DEMO_CLIENT_SECRET: &str = "demo-secret";
/// The default API key of `/api/v1/reports`.
pub const DEMO_REPORT_KEY: &str = "demo-report-key";

/// Configures and starts a demo API server on `127.0.0.1`.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")] async fn main() -> std::io::Result<()> {
/// use std::time::Duration;
/// use rest_source_demo::DemoApi;
///
/// let server = DemoApi::new()
///     .records(250)
///     .token_ttl(Duration::from_secs(5))
///     .start()
///     .await?;
/// assert!(server.base_url().starts_with("http://127.0.0.1:"));
/// assert!(server.base_url().ends_with("/api/v1"));
/// server.shutdown().await;
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct DemoApi {
    pub(crate) port: u16,
    pub(crate) client_id: String,
    pub(crate) client_secret: String,
    pub(crate) api_key: String,
    pub(crate) token_ttl: Duration,
    pub(crate) refresh_tokens: bool,
    pub(crate) sizes: Sizes,
    pub(crate) faults: Faults,
    pub(crate) pages_from_memory: bool,
}

// By hand so the client secret and API key stay out of test logs, like every secret in
// this workspace (they are demo values by default, but tests may configure real-looking ones).
impl std::fmt::Debug for DemoApi {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DemoApi")
            .field("port", &self.port)
            .field("client_id", &self.client_id)
            .field("client_secret", &"[REDACTED]")
            .field("api_key", &"[REDACTED]")
            .field("token_ttl", &self.token_ttl)
            .field("refresh_tokens", &self.refresh_tokens)
            .field("sizes", &self.sizes)
            .field("faults", &self.faults)
            .field("pages_from_memory", &self.pages_from_memory)
            .finish()
    }
}

impl Default for DemoApi {
    fn default() -> Self {
        DemoApi {
            port: 0,
            client_id: DEMO_CLIENT_ID.into(),
            client_secret: DEMO_CLIENT_SECRET.into(),
            api_key: DEMO_REPORT_KEY.into(),
            token_ttl: Duration::from_secs(30),
            refresh_tokens: false,
            sizes: Sizes {
                contacts: 1000,
                reports: 24,
                events: 1000,
                tickets: 1000,
                orders: 1000,
                users: 1000,
            },
            faults: Faults::default(),
            pages_from_memory: false,
        }
    }
}

impl DemoApi {
    /// The defaults: a free port, the demo credentials, 30 s tokens, 1000 records per
    /// paginated collection, 24 reports, no refresh tokens, no faults.
    pub fn new() -> Self {
        DemoApi::default()
    }

    /// Listen on this port of `127.0.0.1` (default 0: any free port).
    pub fn port(mut self, port: u16) -> Self {
        self.port = port;
        self
    }

    /// The client id and secret `POST /oauth/token` accepts.
    pub fn client_credentials(
        mut self,
        client_id: impl Into<String>,
        client_secret: impl Into<String>,
    ) -> Self {
        self.client_id = client_id.into();
        self.client_secret = client_secret.into();
        self
    }

    /// The API key `/api/v1/reports` accepts.
    pub fn api_key(mut self, key: impl Into<String>) -> Self {
        self.api_key = key.into();
        self
    }

    /// Lifetime of access tokens (`expires_in`; default 30 s, whole seconds). Expiry follows
    /// tokio's clock, so a test with a paused clock expires tokens with `tokio::time::advance`.
    pub fn token_ttl(mut self, ttl: Duration) -> Self {
        self.token_ttl = ttl;
        self
    }

    /// Issue a single-use `refresh_token` with every access token and accept
    /// `grant_type=refresh_token` (rotation: each use returns a new refresh token, and a used
    /// one gets `invalid_grant`). Off by default.
    pub fn refresh_tokens(mut self, enabled: bool) -> Self {
        self.refresh_tokens = enabled;
        self
    }

    /// Records in every paginated collection (contacts, events, tickets, orders, users);
    /// up to millions, since records are generated per request.
    pub fn records(mut self, n: u64) -> Self {
        for c in [
            Collection::Contacts,
            Collection::Events,
            Collection::Tickets,
            Collection::Orders,
            Collection::Users,
        ] {
            *self.sizes.get_mut(c) = n;
        }
        self
    }

    /// Records in one collection.
    pub fn records_for(mut self, collection: Collection, n: u64) -> Self {
        *self.sizes.get_mut(collection) = n;
        self
    }

    /// The faults to inject from the start (replaces any set before).
    pub fn faults(mut self, faults: Faults) -> Self {
        self.faults = faults;
        self
    }

    /// Every `n`th API request gets `429` with `Retry-After` (see [`Faults`]).
    pub fn rate_limit_every(mut self, n: u64) -> Self {
        self.faults.rate_limit_every = Some(n);
        self
    }

    /// The `Retry-After` of injected 429s and 503s, in seconds (default 1).
    pub fn retry_after_secs(mut self, secs: u64) -> Self {
        self.faults.retry_after_secs = secs;
        self
    }

    /// Every `m`th API request gets `503` with an HTML body.
    pub fn unavailable_every(mut self, m: u64) -> Self {
        self.faults.unavailable_every = Some(m);
        self
    }

    /// Delay every API response (a tokio sleep, so a paused clock skips it).
    pub fn latency(mut self, latency: Duration) -> Self {
        self.faults = self.faults.latency(latency);
        self
    }

    /// Render each page of a collection once and serve it from memory after, byte for byte,
    /// as a static file server would (keyed by path and query; the stats still count its
    /// records each time). For benchmarks, where a page should cost the server next to
    /// nothing; it keeps every page it has served, so it is off by default.
    pub fn pages_from_memory(mut self, enabled: bool) -> Self {
        self.pages_from_memory = enabled;
        self
    }

    /// Binds `127.0.0.1:<port>` and serves on the current tokio runtime (`tokio::spawn`),
    /// until [`DemoServer::shutdown`] or the handle is dropped.
    pub async fn start(self) -> std::io::Result<DemoServer> {
        DemoServer::start(self).await
    }
}
