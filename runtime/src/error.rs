//! The runtime's one error type.
//!
//! Configuration and secret problems ([`Error::Config`], [`Error::Secrets`]) are kept apart from
//! transport and HTTP ones, so callers can tell "fix your setup" from "the API misbehaved":
//!
//! | Variant | Means | Found |
//! |---|---|---|
//! | [`Error::Config`], [`Error::Secrets`] | the source's setup is wrong | before a request is sent |
//! | [`Error::Io`] | a local file (incremental state, token store, its lock) failed | reading or writing it |
//! | [`Error::Store`] | a shared store (object storage) failed to read or write state or a token | reading or writing it |
//! | [`Error::Protocol`] | a response did not fit what the source expects (a malformed next link, a selector that matches nothing) | in a response |
//! | [`Error::Status`], [`Error::Transport`], [`Error::Decode`], … | the API or the network failed | sending or reading |
//!
//! No variant ever carries a secret value: URLs are redacted (see [`crate::secrets::redact`]) before they
//! are stored here, and token-endpoint bodies are described, not copied.
//!
//! `Debug` prints what `Display` prints, then the `source()` chain (as anyhow does), so an
//! error returned from `main` reads as the message, not as nested structs:
//!
//! ```text
//! Error: GET http://127.0.0.1:9/items?api_key=[REDACTED] failed: connection refused
//!
//! Caused by:
//!     0: error sending request
//!     1: client error (Connect)
//!     …
//! ```

use std::path::PathBuf;
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
///
/// `Debug` prints the message and then the chain of its sources, never a struct dump, so
/// `fn main() -> Result<()>` prints readable text.
#[derive(thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Secrets could not be resolved (missing keys, values that cannot be secrets, or a broken
    /// secrets file); lists every problem and every place tried.
    #[error(transparent)]
    Secrets(#[from] MissingSecrets),

    /// The source or client is configured wrongly (bad URL, bad header, bad option). Found
    /// before a request is sent; fix the setup the message names.
    #[error("invalid configuration: {0}")]
    Config(String),

    /// A local file could not be read or written: the incremental state file, the token
    /// store file or its lock. `source` keeps the operating system's error (its
    /// [`std::io::ErrorKind`] says which: `NotFound`, `PermissionDenied`, `InvalidData` for
    /// a file that is not what it should be, `TimedOut` for a lock held too long).
    #[error("could not {action} `{}`: {source}{}", path.display(), io_fix(source))]
    Io {
        /// What was being done, e.g. `write the incremental state file`.
        action: String,
        /// The file (or directory) involved.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },

    /// A shared store (object storage: S3, GCS, Azure) failed to read or write the incremental
    /// state or a rotating refresh token: the store's error is kept as `source` (its own
    /// retries are already spent). The message names the store, never its content.
    #[error(
        "could not {action} in {store}: {source}; check the store's credentials and endpoint \
         in the environment (`AWS_ACCESS_KEY_ID`, `AWS_ENDPOINT`, …)"
    )]
    Store {
        /// What was being done, with the object key, e.g. ``write `tokens/crm.json` ``.
        action: String,
        /// The store, as its `describe()` names it.
        store: String,
        /// The store's error.
        #[source]
        source: BoxError,
    },

    /// A response did not have the shape the source expects: a next-page link that is not a
    /// URL or points to another origin, a cursor or `data_selector` that does not fit the
    /// page, a record without its incremental cursor. Either the API changed or the setup
    /// describes it wrongly; the message names the setting to check.
    #[error("unexpected response from {url}: {message}")]
    Protocol {
        /// Redacted URL of the response.
        url: String,
        /// What did not fit, and what to check.
        message: String,
    },

    /// The server answered with a non-success status.
    #[error("{method} {url} returned HTTP {status}{}", excerpt_suffix(body))]
    Status {
        /// Request method.
        method: Method,
        /// Redacted request URL.
        url: String,
        /// Response status.
        status: StatusCode,
        /// The response body's text (read up to the default page limit; the message shows
        /// its first 512 characters), or a description of it when it is
        /// not text.
        body: String,
        /// The server's `Retry-After`, if it sent one (honoured by every retry, token
        /// requests included).
        retry_after: Option<Duration>,
    },

    /// The request could not be sent or the response not read (connect, timeout, reset).
    /// The message names the cause ("connection refused", "timed out after 30 s",
    /// "TLS: invalid peer certificate: UnknownIssuer"); [`TransportKind`] classifies it.
    #[error("{method} {url} failed: {cause}")]
    Transport {
        /// Request method.
        method: Method,
        /// Redacted request URL.
        url: String,
        /// What kind of failure it was.
        kind: TransportKind,
        /// The cause in a few words, from the innermost error that says it.
        cause: String,
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
        #[source]
        last: Box<Error>,
    },

    /// The server stated a total and the run received another number of records (see
    /// [`crate::spec::ResourceSpec::completeness`]).
    #[error(
        "resource `{resource}` is incomplete: the server stated {expected} records but {received} were received (paging stopped: {stop}); check the paginator settings, or set `completeness = \"warn\"` to accept this"
    )]
    Incomplete {
        /// The resource's name.
        resource: String,
        /// The records the server stated.
        expected: u64,
        /// The records received.
        received: u64,
        /// Why paging stopped.
        stop: crate::report::StopReason,
    },

    /// A share of a partitioned run ([`Partition`](crate::Partition)) received a page that did not
    /// hold as many records as the first page: the pages no longer line up with the plan
    /// every share made, so the shares would leave a gap or an overlap.
    #[error(
        "resource `{resource}`, share {share}: page {page} of {pages} held {received} records where the first page held {expected}, so the shares' pages no longer line up (records were added or removed while the shares ran, or the server's pages differ in size); run every share again, or run `{resource}` unpartitioned"
    )]
    SharesMisaligned {
        /// The resource's name.
        resource: String,
        /// The share, `I/N`.
        share: String,
        /// The page (from 0) of the resource's pages.
        page: u64,
        /// The resource's pages, as the first page told.
        pages: u64,
        /// The records of the first page.
        expected: u64,
        /// The records of this page.
        received: u64,
    },

    /// A page body was larger than the resource's `max_page_bytes`.
    #[error(
        "the page {url} is larger than max_page_bytes ({limit} bytes); request smaller pages or raise `max_page_bytes`"
    )]
    PageTooLarge {
        /// Redacted URL of the page.
        url: String,
        /// The limit.
        limit: u64,
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
        /// The last failure (also the error's `source()`).
        #[source]
        last: Box<Error>,
    },
}

/// The usual fix for an I/O failure of `kind` (kinds whose message says the fix get none).
fn io_fix(source: &std::io::Error) -> &'static str {
    use std::io::ErrorKind;
    match source.kind() {
        ErrorKind::InvalidData | ErrorKind::TimedOut => "",
        ErrorKind::NotFound => "; check that the directory exists",
        ErrorKind::PermissionDenied | ErrorKind::ReadOnlyFilesystem => {
            "; check that this user may read and write the file and its directory"
        }
        _ => "; check that the directory exists and is writable",
    }
}

/// `Display`, then every `source()` whose text the message does not already say, as anyhow
/// prints an error: what `fn main() -> Result<()>` shows after `Error: `.
impl std::fmt::Debug for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut shown = self.to_string();
        f.write_str(&shown)?;
        let mut causes = Vec::new();
        let mut next = std::error::Error::source(self);
        while let Some(cause) = next {
            let text = cause.to_string();
            if !shown.contains(&text) {
                shown.push_str(&text);
                causes.push(text);
            }
            next = cause.source();
        }
        match causes.as_slice() {
            [] => Ok(()),
            [one] => write!(f, "\n\nCaused by:\n    {one}"),
            many => {
                f.write_str("\n\nCaused by:")?;
                for (i, cause) in many.iter().enumerate() {
                    write!(f, "\n    {i}: {cause}")?;
                }
                Ok(())
            }
        }
    }
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

/// What an error keeps of a response body: an excerpt of text, or a description of a body
/// that is not text (binary, or still compressed because its encoding was not decoded), so
/// no error prints raw bytes.
pub fn describe_body(body: &[u8], headers: &reqwest::header::HeaderMap) -> String {
    match body_text(body, headers) {
        Ok(text) => excerpt(text),
        Err(description) => description,
    }
}

/// What [`Error::Status`] keeps of a response body: all of its text (its `Display` shows an
/// excerpt), so `response_actions` find their `content` anywhere in the body, as dlt's
/// `content in response.text` does; a description when the body is not text.
pub(crate) fn status_body(body: &[u8], headers: &reqwest::header::HeaderMap) -> String {
    match body_text(body, headers) {
        Ok(text) => text.to_owned(),
        Err(description) => description,
    }
}

/// The body as text, or a description of a body that is not text.
fn body_text<'b>(
    body: &'b [u8],
    headers: &reqwest::header::HeaderMap,
) -> std::result::Result<&'b str, String> {
    let header = |name: reqwest::header::HeaderName| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::trim)
            .filter(|v| !v.is_empty() && !v.eq_ignore_ascii_case("identity"))
    };
    if let Some(encoding) = header(reqwest::header::CONTENT_ENCODING) {
        return Err(format!(
            "[{} bytes, {encoding}-encoded, not decoded; not shown]",
            body.len()
        ));
    }
    match std::str::from_utf8(body) {
        Ok(text) if !text.chars().any(|c| c.is_control() && !c.is_whitespace()) => Ok(text),
        _ => Err(format!(
            "[{} bytes of binary data ({}); not shown]",
            body.len(),
            header(reqwest::header::CONTENT_TYPE).unwrap_or("no content type")
        )),
    }
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
    /// including those of a token endpoint behind an [`Error::Auth`]). A TLS certificate
    /// failure is not: it fails the same way every time. Neither are [`Error::Config`] and
    /// [`Error::Secrets`] (the setup stays wrong), [`Error::Io`] (re-sending a request does
    /// not repair a local file; a held lock was already waited for), [`Error::Store`] (the
    /// store's client has retried already) nor [`Error::Protocol`] (the same page answers the
    /// same way).
    pub fn is_retryable(&self) -> bool {
        match self {
            Error::Status { status, .. } => crate::client::retry::is_retryable_status(*status),
            Error::Transport { kind, .. } => *kind != TransportKind::Tls,
            Error::Auth {
                source: Some(s), ..
            } => s.is_retryable(),
            _ => false,
        }
    }

    /// The server's `Retry-After` on the response behind this error, if any.
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            Error::Status { retry_after, .. } => *retry_after,
            Error::Auth {
                source: Some(s), ..
            } => s.retry_after(),
            _ => None,
        }
    }

    /// The kind of transport failure behind this error (through retries and auth errors).
    pub fn transport_kind(&self) -> Option<TransportKind> {
        match self {
            Error::Transport { kind, .. } => Some(*kind),
            Error::Auth {
                source: Some(s), ..
            }
            | Error::RetriesExhausted { last: s, .. } => s.transport_kind(),
            _ => None,
        }
    }

    /// The redacted URL the error is about, if it names one.
    pub(crate) fn url(&self) -> Option<&str> {
        match self {
            Error::Status { url, .. }
            | Error::Transport { url, .. }
            | Error::Decode { url, .. }
            | Error::RetryAfterTooLong { url, .. }
            | Error::Protocol { url, .. } => Some(url),
            Error::Auth {
                source: Some(s), ..
            }
            | Error::RetriesExhausted { last: s, .. } => s.url(),
            _ => None,
        }
    }

    /// A copy of this error for every task that waited on the same failed token fetch (see
    /// [`crate::auth::token::cache`]): the same variant, message, status, `Retry-After` and
    /// transport kind; underlying errors that cannot be cloned are copied as their messages.
    pub(crate) fn duplicate(&self) -> Error {
        match self {
            Error::Secrets(m) => Error::Secrets(m.clone()),
            Error::Config(m) => Error::Config(m.clone()),
            Error::Io {
                action,
                path,
                source,
            } => Error::Io {
                action: action.clone(),
                path: path.clone(),
                source: std::io::Error::new(source.kind(), source.to_string()),
            },
            Error::Protocol { url, message } => Error::Protocol {
                url: url.clone(),
                message: message.clone(),
            },
            Error::Store {
                action,
                store,
                source,
            } => Error::Store {
                action: action.clone(),
                store: store.clone(),
                source: source.to_string().into(),
            },
            Error::Status {
                method,
                url,
                status,
                body,
                retry_after,
            } => Error::Status {
                method: method.clone(),
                url: url.clone(),
                status: *status,
                body: body.clone(),
                retry_after: *retry_after,
            },
            Error::Transport {
                method,
                url,
                kind,
                cause,
                source,
            } => Error::Transport {
                method: method.clone(),
                url: url.clone(),
                kind: *kind,
                cause: cause.clone(),
                source: Box::new(Copied::of(source.as_ref())),
            },
            Error::Decode {
                url,
                target,
                source,
                body,
            } => Error::Decode {
                url: url.clone(),
                target: target.clone(),
                source: <serde_json::Error as serde::de::Error>::custom(source),
                body: body.clone(),
            },
            Error::Auth {
                scheme,
                message,
                source,
            } => Error::Auth {
                scheme,
                message: message.clone(),
                source: source.as_ref().map(|s| Box::new(s.duplicate())),
            },
            Error::RetryAfterTooLong {
                url,
                retry_after,
                max,
                last,
            } => Error::RetryAfterTooLong {
                url: url.clone(),
                retry_after: *retry_after,
                max: *max,
                last: Box::new(last.duplicate()),
            },
            Error::Redirect { from, to, reason } => Error::Redirect {
                from: from.clone(),
                to: to.clone(),
                reason: reason.clone(),
            },
            Error::Downgrade { url, base } => Error::Downgrade {
                url: url.clone(),
                base: base.clone(),
            },
            Error::Incomplete {
                resource,
                expected,
                received,
                stop,
            } => Error::Incomplete {
                resource: resource.clone(),
                expected: *expected,
                received: *received,
                stop: *stop,
            },
            Error::SharesMisaligned {
                resource,
                share,
                page,
                pages,
                expected,
                received,
            } => Error::SharesMisaligned {
                resource: resource.clone(),
                share: share.clone(),
                page: *page,
                pages: *pages,
                expected: *expected,
                received: *received,
            },
            Error::PageTooLarge { url, limit } => Error::PageTooLarge {
                url: url.clone(),
                limit: *limit,
            },
            Error::RetriesExhausted {
                attempts,
                elapsed,
                last,
            } => Error::RetriesExhausted {
                attempts: *attempts,
                elapsed: *elapsed,
                last: Box::new(last.duplicate()),
            },
        }
    }

    /// The raw response body kept by [`Error::Status`] or [`Error::Decode`] (the whole
    /// body; see each variant).
    pub fn body(&self) -> Option<&str> {
        match self {
            Error::Status { body, .. } | Error::Decode { body, .. } => Some(body),
            Error::RetriesExhausted { last, .. } => last.body(),
            _ => None,
        }
    }

    /// An [`Error::Io`]: could not `action` `path`.
    pub fn io(action: impl Into<String>, path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io {
            action: action.into(),
            path: path.into(),
            source,
        }
    }

    /// An [`Error::Protocol`] about the response from `url`, redacted with the default
    /// sensitive names (the page loop redacts it again with the client's own).
    pub(crate) fn protocol(url: &url::Url, message: impl Into<String>) -> Self {
        Error::Protocol {
            url: crate::secrets::redact::redact_url::<&str>(url, &[]),
            message: message.into(),
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
        Error::transport_after(method, url, err, None)
    }

    /// A transport error; `timeout` is the timeout that applied, for "timed out after 30 s".
    pub(crate) fn transport_after(
        method: &Method,
        url: String,
        err: reqwest::Error,
        timeout: Option<Duration>,
    ) -> Self {
        // reqwest's own message would repeat the unredacted URL.
        let err = err.without_url();
        let (kind, cause) = classify(&err, timeout, &url);
        Error::Transport {
            method: method.clone(),
            url,
            kind,
            cause,
            source: Box::new(err),
        }
    }
}

/// What kind of transport failure an [`Error::Transport`] is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum TransportKind {
    /// The connection was refused, reset or could not be made (retried, even for a POST).
    Connect,
    /// The host name could not be resolved.
    Dns,
    /// The TLS handshake failed (an unknown issuer, an expired or mismatched certificate);
    /// never retried.
    Tls,
    /// The request or the body took longer than the timeout.
    Timeout,
    /// The connection failed while the response body was being read.
    Body,
    /// Anything else (a malformed response, a protocol error).
    Other,
}

/// The kind of `err` and its cause in a few words, from the innermost error that says it.
fn classify(err: &reqwest::Error, timeout: Option<Duration>, url: &str) -> (TransportKind, String) {
    let chain = || sources(err);
    if let Some(tls) = chain().find_map(tls_error) {
        return (TransportKind::Tls, format!("TLS: {tls}"));
    }
    if err.is_timeout() {
        let cause = match timeout {
            Some(t) => format!("timed out after {}", seconds(t)),
            None => "timed out".to_owned(),
        };
        let cause = if err.is_body() || err.is_decode() {
            format!("{cause} while reading the response body")
        } else {
            cause
        };
        return (TransportKind::Timeout, cause);
    }
    let innermost = chain()
        .last()
        .map(ToString::to_string)
        .unwrap_or_else(|| err.to_string());
    // hyper-util's connector wraps every resolver failure as "dns error" (reqwest's own
    // resolver, a custom `dns_resolver`), whatever the resolver's message.
    if chain().any(|e| e.to_string().starts_with("dns error")) {
        let host = url::Url::parse(url)
            .ok()
            .and_then(|u| u.host_str().map(|h| format!(" `{h}`")))
            .unwrap_or_default();
        return (
            TransportKind::Dns,
            format!("DNS: could not resolve host{host} ({innermost})"),
        );
    }
    let io_kind = chain()
        .filter_map(|e| e.downcast_ref::<std::io::Error>())
        .map(std::io::Error::kind)
        .next();
    if err.is_connect() {
        let cause = match io_kind {
            Some(std::io::ErrorKind::ConnectionRefused) => "connection refused".to_owned(),
            Some(std::io::ErrorKind::ConnectionReset) => "connection reset".to_owned(),
            _ => format!("could not connect ({innermost})"),
        };
        return (TransportKind::Connect, cause);
    }
    if err.is_body() || err.is_decode() {
        return (
            TransportKind::Body,
            format!("the connection failed while reading the response body ({innermost})"),
        );
    }
    (TransportKind::Other, format!("{err} ({innermost})"))
}

/// The errors below `err`, outermost first.
fn sources<'a>(
    err: &'a (dyn std::error::Error + 'static),
) -> impl Iterator<Item = &'a (dyn std::error::Error + 'static)> {
    std::iter::successors(err.source(), |e| (*e).source())
}

/// A TLS error in the chain: rustls' own, or wrapped in `io::Error`s (tokio-rustls wraps it
/// twice), whose `source()` skips the error they wrap, so they are opened with `get_ref`.
fn tls_error(e: &(dyn std::error::Error + 'static)) -> Option<String> {
    #[cfg(feature = "rustls")]
    {
        let mut e: &(dyn std::error::Error + 'static) = e;
        loop {
            if let Some(tls) = e.downcast_ref::<rustls::Error>() {
                return Some(tls.to_string());
            }
            match e
                .downcast_ref::<std::io::Error>()
                .and_then(|io| io.get_ref())
            {
                Some(inner) => e = inner,
                None => return None,
            }
        }
    }
    #[cfg(not(feature = "rustls"))]
    {
        let _ = e;
        None
    }
}

/// `30 s`, `1.5 s`, `250 ms`.
fn seconds(d: Duration) -> String {
    if d < Duration::from_secs(1) {
        format!("{} ms", d.as_millis())
    } else if d.subsec_millis() == 0 {
        format!("{} s", d.as_secs())
    } else {
        format!("{:.1} s", d.as_secs_f64())
    }
}

/// An error copied as its messages (see [`Error::duplicate`]).
#[derive(Debug)]
struct Copied {
    message: String,
    source: Option<Box<Copied>>,
}

impl Copied {
    fn of(e: &(dyn std::error::Error + 'static)) -> Copied {
        Copied {
            message: e.to_string(),
            source: e.source().map(|s| Box::new(Copied::of(s))),
        }
    }
}

impl std::fmt::Display for Copied {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Copied {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.source
            .as_deref()
            .map(|s| s as &(dyn std::error::Error + 'static))
    }
}

/// The examples of this module's items (crate-private, so not doc tests).
#[cfg(test)]
mod examples {
    #[test]
    fn bodies_are_excerpted_or_described() {
        use super::describe_body;
        use reqwest::header::{HeaderMap, HeaderValue};
        let mut headers = HeaderMap::new();
        headers.insert("content-encoding", HeaderValue::from_static("gzip"));
        assert_eq!(
            describe_body(&[0x1f, 0x8b, 0x08, 0x00], &headers),
            "[4 bytes, gzip-encoded, not decoded; not shown]"
        );
        assert_eq!(
            describe_body(b"{\"error\": \"nope\"}", &HeaderMap::new()),
            "{\"error\": \"nope\"}"
        );
    }
}
