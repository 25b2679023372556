//! Issued access and refresh tokens: expiry on tokio's clock, revocation, rotation.

use std::collections::HashMap;
use std::hash::{BuildHasher, RandomState};
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::time::Duration;

use tokio::time::Instant;

struct Grant {
    expires_at: Instant,
    scope: Option<String>,
    revoked: bool,
}

#[derive(Default)]
struct Issued {
    access: HashMap<String, Grant>,
    /// Live refresh tokens and the scope they were granted with; each is removed on use.
    refresh: HashMap<String, Option<String>>,
}

/// A fresh token pair for a token response.
pub(crate) struct Issue {
    pub access_token: String,
    pub refresh_token: Option<String>,
    pub expires_in: u64,
    pub scope: Option<String>,
}

/// Why an access token was refused.
pub(crate) enum Refused {
    Unknown,
    Expired,
    Revoked,
}

impl Refused {
    pub(crate) fn description(&self) -> &'static str {
        match self {
            Refused::Unknown => "the access token is not one this server issued",
            Refused::Expired => "the access token expired",
            Refused::Revoked => "the access token was revoked",
        }
    }
}

/// What a valid access token grants.
pub(crate) struct Granted {
    pub scope: Option<String>,
    pub expires_in: Duration,
}

pub(crate) struct TokenStore {
    issued: Mutex<Issued>,
    ttl: Duration,
    rotate_refresh: bool,
    seq: AtomicU64,
    // Tokens must not be guessable from their sequence number, even in a demo: a test that
    // forges `at_2_…` should fail like it would against a real server.
    random: RandomState,
}

impl TokenStore {
    pub(crate) fn new(ttl: Duration, refresh_tokens: bool) -> Self {
        TokenStore {
            issued: Mutex::new(Issued::default()),
            ttl,
            rotate_refresh: refresh_tokens,
            seq: AtomicU64::new(0),
            random: RandomState::new(),
        }
    }

    fn mint(&self, prefix: &str) -> String {
        let n = self.seq.fetch_add(1, Relaxed) + 1;
        let a = self.random.hash_one((n, prefix));
        let b = self.random.hash_one((a, n));
        format!("{prefix}_{n}_{a:016x}{b:016x}")
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Issued> {
        self.issued.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub(crate) fn issue(&self, scope: Option<String>) -> Issue {
        let access_token = self.mint("at");
        let refresh_token = self.rotate_refresh.then(|| self.mint("rt"));
        let now = Instant::now();
        let mut issued = self.lock();
        // Forget expired tokens now and then so a long benchmark does not grow the map.
        if issued.access.len() >= 1024 {
            issued.access.retain(|_, g| g.expires_at > now);
        }
        issued.access.insert(
            access_token.clone(),
            Grant {
                expires_at: now + self.ttl,
                scope: scope.clone(),
                revoked: false,
            },
        );
        if let Some(rt) = &refresh_token {
            issued.refresh.insert(rt.clone(), scope.clone());
        }
        Issue {
            access_token,
            refresh_token,
            expires_in: self.ttl.as_secs(),
            scope,
        }
    }

    /// Redeems a refresh token (single use) for a new pair; `None` if unknown or used.
    pub(crate) fn refresh(&self, refresh_token: &str) -> Option<Issue> {
        let scope = self.lock().refresh.remove(refresh_token)?;
        Some(self.issue(scope))
    }

    pub(crate) fn check(&self, access_token: &str) -> Result<Granted, Refused> {
        let issued = self.lock();
        let grant = issued.access.get(access_token).ok_or(Refused::Unknown)?;
        if grant.revoked {
            return Err(Refused::Revoked);
        }
        let now = Instant::now();
        if grant.expires_at <= now {
            return Err(Refused::Expired);
        }
        Ok(Granted {
            scope: grant.scope.clone(),
            expires_in: grant.expires_at - now,
        })
    }

    /// Revokes every access token issued so far (and the refresh tokens too, if asked);
    /// returns how many access tokens were still live.
    pub(crate) fn revoke_all(&self, refresh_tokens: bool) -> usize {
        let now = Instant::now();
        let mut issued = self.lock();
        let mut live = 0;
        for grant in issued.access.values_mut() {
            if !grant.revoked && grant.expires_at > now {
                live += 1;
            }
            grant.revoked = true;
        }
        if refresh_tokens {
            issued.refresh.clear();
        }
        live
    }
}
