//! [`ResponseAction`]: dlt's declarative `response_actions`, what to do with a response that
//! matches a status code and/or a text.

use serde::de::{self, Deserializer};
use serde::{Deserialize, Serialize};

/// One entry of an endpoint's `response_actions` (dlt's `ResponseActionDict`):
/// `{status_code = 404, action = "ignore"}`, `{content = "Not found", action = "ignore"}`,
/// `{status_code = 200, content = "rate limited", action = "retry"}`.
///
/// It matches as dlt's does: with both `status_code` and `content`, the status must be equal
/// and the body must contain the text; with one of them, that one; with neither, nothing.
/// The actions are tried in order and the first that matches applies. The final response is
/// matched (after the client's own retries of 429 and 5xx); the text is looked for in the
/// whole body, as dlt's `content in response.text` (up to the default page limit for an
/// error status, the resource's page limit for a success).
///
/// ```
/// use rest_source_spec::{ResponseAction, ResponseActionKind};
///
/// let actions: Vec<ResponseAction> = serde_json::from_str(
///     r#"[{"status_code": 404, "action": "ignore"},
///         {"status_code": 200, "content": "try again", "action": "retry"}]"#,
/// ).unwrap();
/// assert_eq!(actions[0], ResponseAction::status(404, ResponseActionKind::Ignore));
/// assert!(actions[1].matches(200, "{\"error\": \"try again\"}"));
/// assert!(!actions[1].matches(200, "{\"data\": []}"));
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ResponseAction {
    /// The status the response must have (dlt also takes it as a string of digits).
    #[serde(
        default,
        deserialize_with = "status_code",
        skip_serializing_if = "Option::is_none"
    )]
    pub status_code: Option<u16>,
    /// A text the response body must contain.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content: Option<String>,
    /// What to do with a matching response.
    pub action: ResponseActionKind,
}

/// [`ResponseAction::action`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ResponseActionKind {
    /// The response yields no records and its page loop ends there, without an error (dlt's
    /// `IgnoreResponseException`): for a child resource, the other parents' children are
    /// still fetched. Counted in the run report (`ignored_responses`), never silent.
    Ignore,
    /// The request is sent again, on the client's retry policy (backoff, attempts,
    /// deadline); when the attempts run out the run fails. dlt has no such action yet
    /// (issue #1786 asks for it); it is the declarative form of dlt's `retry_condition`.
    Retry,
}

impl ResponseAction {
    /// An action for every response with `status`.
    pub fn status(status: u16, action: ResponseActionKind) -> Self {
        ResponseAction {
            status_code: Some(status),
            content: None,
            action,
        }
    }

    /// An action for every response whose body contains `text`.
    pub fn content(text: impl Into<String>, action: ResponseActionKind) -> Self {
        ResponseAction {
            status_code: None,
            content: Some(text.into()),
            action,
        }
    }

    /// Also requires the body to contain `text` (or the status to be `status`).
    pub fn and_content(mut self, text: impl Into<String>) -> Self {
        self.content = Some(text.into());
        self
    }

    /// Whether a response with `status` and `body` matches (dlt's rule; see the type docs).
    pub fn matches(&self, status: u16, body: &str) -> bool {
        match (self.status_code, &self.content) {
            (Some(code), Some(text)) => code == status && body.contains(text.as_str()),
            (Some(code), None) => code == status,
            (None, Some(text)) => body.contains(text.as_str()),
            (None, None) => false,
        }
    }

    /// Whether matching needs the body (it has a `content`).
    pub fn needs_body(&self) -> bool {
        self.content.is_some()
    }
}

/// The first action of `actions` that matches the response, if any.
pub fn response_action_for<'a>(
    actions: &'a [ResponseAction],
    status: u16,
    body: &str,
) -> Option<&'a ResponseAction> {
    actions.iter().find(|a| a.matches(status, body))
}

fn status_code<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u16>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Code {
        Number(u16),
        Text(String),
    }
    Ok(match Option::<Code>::deserialize(d)? {
        None => None,
        Some(Code::Number(n)) => Some(n),
        Some(Code::Text(s)) => Some(s.trim().parse().map_err(|_| {
            de::Error::custom(format!(
                "`status_code` `{s}` is not an HTTP status; expected a number such as 404"
            ))
        })?),
    })
}
