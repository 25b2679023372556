//! Request counters, kept in atomics so counting never contends with serving.

use std::sync::atomic::{AtomicU64, Ordering::Relaxed};

use serde::Serialize;

/// The demo's API endpoints, for per-endpoint request counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Endpoint {
    /// `GET /api/v1/contacts`
    Contacts,
    /// `GET /api/v1/contacts/{id}/notes`
    Notes,
    /// `GET /api/v1/reports`
    Reports,
    /// `GET /api/v1/events`
    Events,
    /// `GET /api/v1/tickets`
    Tickets,
    /// `GET /api/v1/orders`
    Orders,
    /// `GET /api/v1/users`
    Users,
    /// `GET /api/v1/me`
    Me,
    /// `GET /api/v1/status`
    Status,
}

impl Endpoint {
    const ALL: [Endpoint; 9] = [
        Endpoint::Contacts,
        Endpoint::Notes,
        Endpoint::Reports,
        Endpoint::Events,
        Endpoint::Tickets,
        Endpoint::Orders,
        Endpoint::Users,
        Endpoint::Me,
        Endpoint::Status,
    ];

    /// The endpoint's short name, as used in `GET /_admin/stats`.
    pub fn name(self) -> &'static str {
        match self {
            Endpoint::Contacts => "contacts",
            Endpoint::Notes => "notes",
            Endpoint::Reports => "reports",
            Endpoint::Events => "events",
            Endpoint::Tickets => "tickets",
            Endpoint::Orders => "orders",
            Endpoint::Users => "users",
            Endpoint::Me => "me",
            Endpoint::Status => "status",
        }
    }
}

#[derive(Default)]
pub(crate) struct Stats {
    token_requests: AtomicU64,
    tokens_issued: AtomicU64,
    refresh_grants: AtomicU64,
    api_requests: [AtomicU64; Endpoint::ALL.len()],
    not_found: AtomicU64,
    records_served: AtomicU64,
    pages_from_memory: AtomicU64,
    unauthorized: AtomicU64,
    rate_limited: AtomicU64,
    unavailable: AtomicU64,
}

impl Stats {
    pub(crate) fn token_request(&self) {
        self.token_requests.fetch_add(1, Relaxed);
    }
    pub(crate) fn token_issued(&self, by_refresh: bool) {
        self.tokens_issued.fetch_add(1, Relaxed);
        if by_refresh {
            self.refresh_grants.fetch_add(1, Relaxed);
        }
    }
    pub(crate) fn api_request(&self, endpoint: Endpoint) {
        self.api_requests[endpoint as usize].fetch_add(1, Relaxed);
    }
    pub(crate) fn not_found(&self) {
        self.not_found.fetch_add(1, Relaxed);
    }
    pub(crate) fn records(&self, n: u64) {
        self.records_served.fetch_add(n, Relaxed);
    }
    pub(crate) fn page_from_memory(&self) {
        self.pages_from_memory.fetch_add(1, Relaxed);
    }
    pub(crate) fn unauthorized(&self) {
        self.unauthorized.fetch_add(1, Relaxed);
    }
    pub(crate) fn rate_limited(&self) {
        self.rate_limited.fetch_add(1, Relaxed);
    }
    pub(crate) fn unavailable(&self) {
        self.unavailable.fetch_add(1, Relaxed);
    }

    pub(crate) fn reset(&self) {
        let all = [
            &self.token_requests,
            &self.tokens_issued,
            &self.refresh_grants,
            &self.not_found,
            &self.records_served,
            &self.pages_from_memory,
            &self.unauthorized,
            &self.rate_limited,
            &self.unavailable,
        ];
        for c in all.into_iter().chain(&self.api_requests) {
            c.store(0, Relaxed);
        }
    }

    pub(crate) fn snapshot(&self) -> StatsSnapshot {
        let api = |e: Endpoint| self.api_requests[e as usize].load(Relaxed);
        StatsSnapshot {
            token_requests: self.token_requests.load(Relaxed),
            tokens_issued: self.tokens_issued.load(Relaxed),
            refresh_grants: self.refresh_grants.load(Relaxed),
            api_requests: Endpoint::ALL.iter().map(|&e| api(e)).sum(),
            endpoints: EndpointCounts {
                contacts: api(Endpoint::Contacts),
                notes: api(Endpoint::Notes),
                reports: api(Endpoint::Reports),
                events: api(Endpoint::Events),
                tickets: api(Endpoint::Tickets),
                orders: api(Endpoint::Orders),
                users: api(Endpoint::Users),
                me: api(Endpoint::Me),
                status: api(Endpoint::Status),
            },
            not_found: self.not_found.load(Relaxed),
            records_served: self.records_served.load(Relaxed),
            pages_from_memory: self.pages_from_memory.load(Relaxed),
            unauthorized: self.unauthorized.load(Relaxed),
            rate_limited: self.rate_limited.load(Relaxed),
            unavailable: self.unavailable.load(Relaxed),
        }
    }
}

/// A copy of the server's counters at one moment (`DemoServer::stats`, `GET /_admin/stats`).
///
/// Every request is counted when it arrives, including the ones answered with an injected
/// fault or a 401, so `api_requests` is what a client sent, not what succeeded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct StatsSnapshot {
    /// Requests to `POST /oauth/token`, successful or not.
    pub token_requests: u64,
    /// Access tokens issued (by either grant).
    pub tokens_issued: u64,
    /// Access tokens issued by `grant_type=refresh_token`.
    pub refresh_grants: u64,
    /// Requests to any `/api/v1/*` endpoint.
    pub api_requests: u64,
    /// The same, per endpoint.
    pub endpoints: EndpointCounts,
    /// Requests for unknown paths or records.
    pub not_found: u64,
    /// Records in successful API responses.
    pub records_served: u64,
    /// Responses sent from memory, as rendered before (`DemoApi::pages_from_memory`).
    pub pages_from_memory: u64,
    /// `401 Unauthorized` responses (API and token endpoint).
    pub unauthorized: u64,
    /// Injected `429 Too Many Requests` responses.
    pub rate_limited: u64,
    /// Injected `503 Service Unavailable` responses.
    pub unavailable: u64,
}

impl StatsSnapshot {
    /// Requests that reached one endpoint.
    pub fn endpoint(&self, endpoint: Endpoint) -> u64 {
        let e = &self.endpoints;
        match endpoint {
            Endpoint::Contacts => e.contacts,
            Endpoint::Notes => e.notes,
            Endpoint::Reports => e.reports,
            Endpoint::Events => e.events,
            Endpoint::Tickets => e.tickets,
            Endpoint::Orders => e.orders,
            Endpoint::Users => e.users,
            Endpoint::Me => e.me,
            Endpoint::Status => e.status,
        }
    }
}

/// Requests per API endpoint (see [`Endpoint`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[allow(missing_docs)] // one field per `Endpoint` variant, documented there
#[non_exhaustive]
pub struct EndpointCounts {
    pub contacts: u64,
    pub notes: u64,
    pub reports: u64,
    pub events: u64,
    pub tickets: u64,
    pub orders: u64,
    pub users: u64,
    pub me: u64,
    pub status: u64,
}
