//! # rest-source-demo
//!
//! A small but real REST API for rest-source's quickstart, examples, tests and benchmarks:
//! an HTTP/1.1 server (hyper) on `127.0.0.1` with an OAuth2 token endpoint, bearer- and
//! API-key-protected resources in every common pagination shape, a child resource, and
//! injectable faults. Records are generated from their id on every request (deterministic,
//! nothing pre-rendered), so a collection can hold a million records.
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")] async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! use rest_source_demo::DemoApi;
//!
//! let server = DemoApi::new().records(10).start().await?;
//! println!("demo API at {}", server.base_url()); // http://127.0.0.1:<port>/api/v1
//! # server.shutdown().await;
//! # Ok(()) }
//! ```
//!
//! ## With rest-source
//!
//! ```
//! # use rest_source_runtime as rest_source;
//! use rest_source::{OAuth2ClientCredentials, RestClient};
//! use rest_source_demo::DemoApi;
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let server = DemoApi::new().records(250).start().await?;
//! let auth = OAuth2ClientCredentials::new(server.token_url(), "demo-client", "demo-secret");
//! let client = RestClient::builder(server.base_url()).auth(auth).build()?;
//!
//! let mut next = Some("contacts?limit=100".to_string());
//! let mut contacts = 0;
//! while let Some(page_url) = next {
//!     let page: serde_json::Value = client.get_json(&page_url).await?;
//!     contacts += page["results"].as_array().map_or(0, Vec::len);
//!     next = page["paging"]["next"].as_str().map(str::to_owned);
//! }
//! assert_eq!(contacts, 250);
//! assert_eq!(server.stats().tokens_issued, 1);
//! # server.shutdown().await;
//! # Ok(()) }
//! ```
//!
//! ## Endpoints
//!
//! | Method and path | Auth | Answer |
//! |---|---|---|
//! | `POST /oauth/token` | client id + secret in the form body **or** HTTP Basic | `{"access_token","token_type":"Bearer","expires_in"[,"refresh_token"][,"scope"]}`; errors per RFC 6749: `invalid_client` (401), `invalid_request`, `unsupported_grant_type`, `invalid_grant` (400) |
//! | `GET /api/v1/contacts?limit=&cursor=&updated_since=` | bearer | `{"results":[…],"paging":{"next":"<absolute url>"\|null}}` (`json_link`; opaque cursor; `updated_since` keeps contacts with `updated_at` at or after it) |
//! | `GET /api/v1/contacts/{id}/notes` | bearer | `{"results":[…],"paging":{"next":null}}`, 1–3 notes per contact; 404 for an unknown contact |
//! | `GET /api/v1/reports` | API key: header `X-Report-Key` or query `api_key` | `{"data":[…]}` (single page) |
//! | `GET /api/v1/events?offset=&limit=` | bearer | `{"items":[…],"total":N,"offset":o,"limit":l}` (offset 0-based) |
//! | `GET /api/v1/tickets?page=&per_page=` | bearer | `{"data":[…],"page":p,"total_pages":N}` (page 1-based) |
//! | `GET /api/v1/orders?cursor=&limit=` | bearer | `{"orders":[…],"next_cursor":"…"\|null,"has_more":bool}` |
//! | `GET /api/v1/users?page=&per_page=` | bearer | a top-level JSON array; RFC 8288 `Link` header with `next` (absent on the last page), `prev`, `first`, `last` |
//! | `GET /api/v1/me` | bearer | `{"client_id","scope","token_expires_in"}` (for connection checks) |
//! | `GET /api/v1/status` | none | `{"status":"ok",…}` |
//! | `GET /_admin/stats` | none | [`StatsSnapshot`] as JSON |
//! | `GET` / `POST /_admin/faults` | none | read / replace the [`Faults`] (JSON body) |
//! | `POST /_admin/revoke-tokens[?refresh_tokens=true]` | none | revoke every access token (and refresh token); `{"revoked":n,…}` |
//! | `POST /_admin/reset-stats` | none | zero the counters |
//!
//! Page sizes (`limit`, `per_page`) default to 100 and are clamped to 1000; `0` or a
//! non-number is a 400 `invalid_parameter`. A bad or expired bearer token gets 401 with
//! `WWW-Authenticate: Bearer realm="demo", error="invalid_token", error_description="…"`;
//! a missing one gets the bare `Bearer realm="demo"` challenge (RFC 6750 §3). JSON errors
//! are `{"error","error_description"}`. Admin endpoints need no auth: the server only
//! listens on loopback.
//!
//! **Faults** (see [`Faults`]) apply to every `/api/v1/*` request, counted from when they
//! were set: every Nth request gets `429` with `Retry-After`, every Mth `503` with an HTML
//! body and `Retry-After`, and each response can be delayed. They are checked before
//! authentication, as a gateway would.
//!
//! **Data**: contacts have `id`, `name`, `email`, `company`, `tags`, `created_at`,
//! `updated_at`; timestamps are ISO 8601 UTC and increase with the id (contact `n` was
//! created at `2024-01-01T00:00:00Z` + `n` minutes and updated 30 minutes later).
//!
//! **Credentials**: client id `demo-client`, secret `demo-secret`, report key
//! `demo-report-key` (all configurable on [`DemoApi`]). Tokens live 30 s by default,
//! measured on tokio's clock, so tests with a paused clock can expire them.

#![warn(missing_docs)]

mod builder;
mod faults;
mod pages;
mod records;
mod respond;
mod routes;
mod server;
mod stats;
mod timestamp;
mod tokens;

pub use builder::{Collection, DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, DEMO_REPORT_KEY, DemoApi};
pub use faults::Faults;
pub use server::DemoServer;
pub use stats::{Endpoint, EndpointCounts, StatsSnapshot};
