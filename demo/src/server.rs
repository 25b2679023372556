//! The running server: the accept loop, shared state, and the handle tests hold.

use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;

use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::builder::{DemoApi, Sizes};
use crate::faults::{FaultState, Faults};
use crate::pages::Pages;
use crate::stats::{Stats, StatsSnapshot};
use crate::tokens::TokenStore;

/// Everything the handlers share.
pub(crate) struct State {
    pub origin: String,
    pub client_id: String,
    pub client_secret: String,
    pub api_key: String,
    pub refresh_tokens: bool,
    pub sizes: Sizes,
    pub tokens: TokenStore,
    pub faults: FaultState,
    pub stats: Stats,
    /// Pages served from memory ([`DemoApi::pages_from_memory`]).
    pub pages: Option<Pages>,
}

/// A running demo API; from [`DemoApi::start`].
///
/// Dropping the handle stops accepting connections, like [`shutdown`](Self::shutdown)
/// without waiting.
pub struct DemoServer {
    state: Arc<State>,
    addr: SocketAddr,
    base_url: String,
    stop: watch::Sender<bool>,
    accept: Option<JoinHandle<()>>,
}

impl std::fmt::Debug for DemoServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DemoServer")
            .field("url", &self.state.origin)
            .finish_non_exhaustive()
    }
}

impl DemoServer {
    pub(crate) async fn start(config: DemoApi) -> std::io::Result<DemoServer> {
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, config.port)).await?;
        let addr = listener.local_addr()?;
        let origin = format!("http://{addr}");
        let state = Arc::new(State {
            origin: origin.clone(),
            client_id: config.client_id,
            client_secret: config.client_secret,
            api_key: config.api_key,
            refresh_tokens: config.refresh_tokens,
            sizes: config.sizes,
            tokens: TokenStore::new(config.token_ttl, config.refresh_tokens),
            faults: FaultState::new(config.faults),
            stats: Stats::default(),
            pages: config.pages_from_memory.then(Pages::default),
        });
        let (stop, stopped) = watch::channel(false);
        let accept = tokio::spawn(accept_loop(listener, state.clone(), stopped));
        Ok(DemoServer {
            base_url: format!("{origin}/api/v1"),
            state,
            addr,
            stop,
            accept: Some(accept),
        })
    }

    /// The server's origin, `http://127.0.0.1:<port>`.
    pub fn url(&self) -> &str {
        &self.state.origin
    }

    /// The API's base URL, `http://127.0.0.1:<port>/api/v1`: what a `RestClient` wants.
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// The token endpoint, `http://127.0.0.1:<port>/oauth/token`.
    pub fn token_url(&self) -> String {
        format!("{}/oauth/token", self.state.origin)
    }

    /// An absolute URL for a path on the server (`"/api/v1/status"`, `"_admin/stats"`).
    pub fn url_for(&self, path: &str) -> String {
        format!("{}/{}", self.state.origin, path.trim_start_matches('/'))
    }

    /// The bound socket address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The client id the token endpoint accepts.
    pub fn client_id(&self) -> &str {
        &self.state.client_id
    }

    /// The client secret the token endpoint accepts (a demo value, not a real secret).
    pub fn client_secret(&self) -> &str {
        &self.state.client_secret
    }

    /// The API key `/api/v1/reports` accepts.
    pub fn api_key(&self) -> &str {
        &self.state.api_key
    }

    /// The counters now.
    pub fn stats(&self) -> StatsSnapshot {
        self.state.stats.snapshot()
    }

    /// Zeroes every counter.
    pub fn reset_stats(&self) {
        self.state.stats.reset();
    }

    /// The faults being injected.
    pub fn faults(&self) -> Faults {
        self.state.faults.get()
    }

    /// Replaces the faults (and restarts the request count they apply to).
    pub fn set_faults(&self, faults: Faults) {
        self.state.faults.set(faults);
    }

    /// Revokes every access token issued so far: the next request with one gets 401.
    /// Refresh tokens stay valid, as after a server-side session purge. Returns how many
    /// unexpired tokens were revoked.
    pub fn revoke_tokens(&self) -> usize {
        self.state.tokens.revoke_all(false)
    }

    /// Revokes every access *and* refresh token.
    pub fn revoke_all_tokens(&self) -> usize {
        self.state.tokens.revoke_all(true)
    }

    /// Stops accepting connections, closes idle ones after their current response, and
    /// waits for the accept loop to end.
    pub async fn shutdown(mut self) {
        let _ = self.stop.send(true);
        if let Some(accept) = self.accept.take() {
            let _ = accept.await;
        }
    }
}

impl Drop for DemoServer {
    fn drop(&mut self) {
        let _ = self.stop.send(true);
    }
}

async fn accept_loop(listener: TcpListener, state: Arc<State>, mut stopped: watch::Receiver<bool>) {
    loop {
        let stream = tokio::select! {
            _ = stopped.changed() => return,
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => stream,
                // Out of file descriptors and the like: keep serving the connections we have.
                Err(_) => continue,
            },
        };
        // Small responses on keep-alive connections must not wait for Nagle.
        let _ = stream.set_nodelay(true);
        let state = state.clone();
        let mut stopped = stopped.clone();
        tokio::spawn(async move {
            let service = service_fn(move |req| crate::routes::handle(state.clone(), req));
            let conn = http1::Builder::new()
                .keep_alive(true)
                .serve_connection(TokioIo::new(stream), service);
            tokio::pin!(conn);
            tokio::select! {
                _ = conn.as_mut() => {}
                _ = stopped.changed() => {
                    conn.as_mut().graceful_shutdown();
                    let _ = conn.await;
                }
            }
        });
    }
}
