//! The runtime's one error type.
//!
//! Configuration and secret problems ([`Error::Config`], [`Error::Secrets`]) are kept apart from
//! transport and HTTP ones, so callers can tell "fix your setup" from "the API misbehaved".
//! No variant ever carries a secret value: URLs are redacted (see [`crate::redact`]) before they
//! are stored here, and token-endpoint bodies are described, not copied.

use std::time::Duration;

use reqwest::{Method, StatusCode};

use crate::secrets::MissingSecrets;

/// Result with the runtime [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Boxed error source.
pub type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// How many characters of a response body an error keeps in its message.
pub const BODY_EXCERPT_CHARS: usize = 512;

/// Everything that can go wrong in the runtime.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Secrets could not be resolved (missing keys, values that cannot be secrets, or a broken
    /// secrets file); lists every problem and every place tried.
    #[error(transparent)]
    Secrets(#[from] MissingSecrets),

    /// The source or client is configured wrongly (bad URL, bad header, bad option).
    #[error("invalid configuration: {0}")]
    Config(String),

    /// The server answered with a non-success status.
    #[error("{method} {url} returned HTTP {status}{}", excerpt_suffix(body))]
    Status {
        /// Request method.
        method: Method,
        /// Redacted request URL.
        url: String,
        /// Response status.
        status: StatusCode,
        /// The start of the response body (at most [`BODY_EXCERPT_CHARS`] characters).
        body: String,
    },

    /// The request could not be sent or the response not read (connect, timeout, reset).
    #[error("{method} {url} failed: {source}")]
    Transport {
        /// Request method.
        method: Method,
        /// Redacted request URL.
        url: String,
        /// The underlying error (its own URL removed, so it cannot leak query credentials).
        #[source]
        source: BoxError,
    },

    /// A response body could not be decoded into the expected type. Keeps the raw body.
    #[error(
        "could not decode the response from {url} as {target}: {source}{}",
        excerpt_suffix(body)
    )]
    Decode {
        /// Redacted URL of the response.
        url: String,
        /// The Rust type (or shape) that was expected.
        target: String,
        /// The decoder's error.
        #[source]
        source: serde_json::Error,
        /// The raw body (whole; only an excerpt is printed).
        body: String,
    },

    /// An auth strategy could not obtain or apply credentials (for example a token endpoint
    /// returned an error or a response without `access_token`).
    #[error("{scheme} auth failed: {message}")]
    Auth {
        /// The strategy (`bearer`, `oauth2_client_credentials`, ...).
        scheme: &'static str,
        /// What went wrong and how to fix it. Never contains a secret.
        message: String,
        /// The underlying error, if any.
        #[source]
        source: Option<Box<Error>>,
    },

    /// The server asked (with `Retry-After`) to wait longer than
    /// [`crate::RetryPolicy::max_retry_after`]; failing fast instead of stalling the run.
    #[error(
        "{url}: the server asked to wait {retry_after:?} before retrying, more than the {max:?} allowed (RetryPolicy::max_retry_after); last response: {last}"
    )]
    RetryAfterTooLong {
        /// Redacted request URL.
        url: String,
        /// What the server asked for.
        retry_after: Duration,
        /// The configured maximum.
        max: Duration,
        /// The response that carried the header.
        last: Box<Error>,
    },

    /// A redirect was not followed: a downgrade from https to http, too many hops, or no
    /// valid `Location`. See [`crate::RestClient`] for the redirect rules.
    #[error("{from} redirected to {to}; not followed: {reason}")]
    Redirect {
        /// The redacted URL that answered with the redirect.
        from: String,
        /// The redacted target.
        to: String,
        /// Why it was not followed, and what to do.
        reason: String,
    },

    /// A plain `http` URL was requested from a client whose base URL is `https` (for example
    /// a next-page link that downgrades); nothing was sent.
    #[error(
        "refusing to request {url}: it is plain http, but the API's base URL {base} is https; \
         a downgraded link would send the request (and its credentials) in clear text"
    )]
    Downgrade {
        /// The redacted URL that was not requested.
        url: String,
        /// The redacted base URL.
        base: String,
    },

    /// Retries were exhausted (or the overall deadline passed); the last failure is the source.
    #[error("gave up after {attempts} attempts over {elapsed:.1?}: {last}")]
    RetriesExhausted {
        /// Attempts made, the first included.
        attempts: u32,
        /// Time spent from the first attempt.
        elapsed: Duration,
        /// The last failure.
        last: Box<Error>,
    },
}

fn excerpt_suffix(body: &str) -> String {
    let body = body.trim();
    if body.is_empty() {
        return String::new();
    }
    format!("; body: {}", excerpt(body))
}

/// The first [`BODY_EXCERPT_CHARS`] characters of `body`, with `…` if cut.
pub fn excerpt(body: &str) -> String {
    let mut out: String = body.chars().take(BODY_EXCERPT_CHARS).collect();
    if body.chars().nth(BODY_EXCERPT_CHARS).is_some() {
        out.push('…');
    }
    out
}

impl Error {
    /// The HTTP status, when the error is (or wraps) a non-success response.
    pub fn status(&self) -> Option<StatusCode> {
        match self {
            Error::Status { status, .. } => Some(*status),
            Error::RetriesExhausted { last, .. } | Error::RetryAfterTooLong { last, .. } => {
                last.status()
            }
            Error::Auth {
                source: Some(s), ..
            } => s.status(),
            _ => None,
        }
    }

    /// Whether retrying the same request later could succeed (429, 5xx, connect/timeouts,
    /// including those of a token endpoint behind an [`Error::Auth`]).
    pub fn is_retryable(&self) -> bool {
        match self {
            Error::Status { status, .. } => crate::retry::is_retryable_status(*status),
            Error::Transport { .. } => true,
            Error::Auth {
                source: Some(s), ..
            } => s.is_retryable(),
            _ => false,
        }
    }

    /// The raw response body kept by [`Error::Status`] (an excerpt) or [`Error::Decode`]
    /// (the whole body).
    pub fn body(&self) -> Option<&str> {
        match self {
            Error::Status { body, .. } | Error::Decode { body, .. } => Some(body),
            Error::RetriesExhausted { last, .. } => last.body(),
            _ => None,
        }
    }

    /// Shorthand for an [`Error::Auth`] without a source.
    pub fn auth(scheme: &'static str, message: impl Into<String>) -> Self {
        Error::Auth {
            scheme,
            message: message.into(),
            source: None,
        }
    }

    pub(crate) fn transport(method: &Method, url: String, err: reqwest::Error) -> Self {
        Error::Transport {
            method: method.clone(),
            url,
            // reqwest's own message would repeat the unredacted URL.
            source: Box::new(err.without_url()),
        }
    }
}
