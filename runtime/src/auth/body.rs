//! Credentials placed in the **request body**, for APIs that want the key or session token as
//! a field of the JSON object or form they are sent (some RPC-style and legacy APIs).
//!
//! The rules, by the request's `Content-Type`:
//!
//! - **JSON** (`application/json`, `…+json`): the field is inserted into the top-level
//!   object, replacing a field of the same name. An empty body counts as `{}`. A body that is
//!   JSON but not an object (an array, a string) is an error: there is nowhere to put the
//!   field without changing the payload's meaning.
//! - **Form** (`application/x-www-form-urlencoded`): `name=value` is appended.
//! - **No body and no content type** (a plain GET): a JSON object holding only the field is
//!   created and `Content-Type: application/json` set — the APIs that take credentials in the
//!   body are overwhelmingly JSON ones. To get a form instead, set
//!   `Content-Type: application/x-www-form-urlencoded` on the request (or a client default
//!   header) and the field becomes the form.
//! - Anything else (text, multipart, a streaming body) is an error naming the content type.
//!
//! The client signs a fresh clone of the unsigned request on every attempt, so a retried
//! request carries the field exactly once, with the newest credential.

use reqwest::Request;
use reqwest::header::{CONTENT_TYPE, HeaderValue};
use serde_json::Value;

use crate::{Error, Result};

/// How a request body is encoded, as far as body placement cares.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum BodyKind {
    Json,
    Form,
    /// No body and no content type.
    Empty,
    Other,
}

fn kind(request: &Request) -> BodyKind {
    let content_type = request
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(|v| {
            v.split(';')
                .next()
                .unwrap_or("")
                .trim()
                .to_ascii_lowercase()
        });
    match content_type.as_deref() {
        Some("application/json") => BodyKind::Json,
        Some(t) if t.ends_with("+json") => BodyKind::Json,
        Some("application/x-www-form-urlencoded") => BodyKind::Form,
        Some(_) => BodyKind::Other,
        None if body_bytes(request).is_some_and(|b| b.is_empty()) => BodyKind::Empty,
        None => BodyKind::Other,
    }
}

/// The body's bytes; `Some(&[])` when there is no body, `None` for a streaming body.
fn body_bytes(request: &Request) -> Option<&[u8]> {
    match request.body() {
        None => Some(&[]),
        Some(body) => body.as_bytes(),
    }
}

fn content_type_name(request: &Request) -> String {
    request
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("no content type")
        .to_owned()
}

/// Puts `name = value` into the body of `request` (see the [module docs](self) for the
/// rules). `value` is only ever put on the wire; errors name the field, never the value.
pub fn insert_body_field(
    request: &mut Request,
    name: &str,
    value: &str,
    scheme: &'static str,
) -> Result<()> {
    let Some(bytes) = body_bytes(request) else {
        return Err(Error::auth(
            scheme,
            format!(
                "cannot put `{name}` in the request body: the body is a stream; body placement \
                 needs a JSON object or a form built in memory"
            ),
        ));
    };
    let new_body = match kind(request) {
        BodyKind::Json | BodyKind::Empty => {
            let mut object = if bytes.iter().all(u8::is_ascii_whitespace) {
                serde_json::Map::new()
            } else {
                match serde_json::from_slice::<Value>(bytes) {
                    Ok(Value::Object(map)) => map,
                    Ok(other) => {
                        return Err(Error::auth(
                            scheme,
                            format!(
                                "cannot put `{name}` in the request body: the JSON body is {}, \
                                 expected an object (`{{…}}`) to add the field to",
                                json_article(&other)
                            ),
                        ));
                    }
                    Err(_) => {
                        return Err(Error::auth(
                            scheme,
                            format!(
                                "cannot put `{name}` in the request body: the body is declared \
                                 JSON but does not parse ({} bytes)",
                                bytes.len()
                            ),
                        ));
                    }
                }
            };
            object.insert(name.to_owned(), Value::String(value.to_owned()));
            if kind(request) == BodyKind::Empty {
                request
                    .headers_mut()
                    .insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
            }
            serde_json::to_vec(&object).expect("a JSON object always serialises")
        }
        BodyKind::Form => {
            let mut out = bytes.to_vec();
            let pair = url::form_urlencoded::Serializer::new(String::new())
                .append_pair(name, value)
                .finish();
            if !out.is_empty() {
                out.push(b'&');
            }
            out.extend_from_slice(pair.as_bytes());
            out
        }
        BodyKind::Other => {
            return Err(Error::auth(
                scheme,
                format!(
                    "cannot put `{name}` in a request body of type `{}`; body placement supports \
                     JSON objects (`application/json`) and forms \
                     (`application/x-www-form-urlencoded`)",
                    content_type_name(request)
                ),
            ));
        }
    };
    *request.body_mut() = Some(new_body.into());
    Ok(())
}

/// Whether the body of `request` holds `name = value` (how a 401 is matched to the
/// credential that was rejected).
pub fn body_field_equals(request: &Request, name: &str, value: &str) -> bool {
    let Some(bytes) = body_bytes(request) else {
        return false;
    };
    match kind(request) {
        BodyKind::Json => serde_json::from_slice::<Value>(bytes)
            .ok()
            .and_then(|v| v.get(name).and_then(Value::as_str).map(|s| s == value))
            .unwrap_or(false),
        BodyKind::Form => url::form_urlencoded::parse(bytes).any(|(k, v)| k == name && v == value),
        BodyKind::Empty | BodyKind::Other => false,
    }
}

fn json_article(v: &Value) -> &'static str {
    match v {
        Value::Null => "`null`",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::Method;

    fn request(content_type: Option<&str>, body: Option<&str>) -> Request {
        let mut r = Request::new(Method::POST, "http://h.test/x".parse().unwrap());
        if let Some(ct) = content_type {
            r.headers_mut()
                .insert(CONTENT_TYPE, HeaderValue::from_str(ct).unwrap());
        }
        if let Some(b) = body {
            *r.body_mut() = Some(b.to_owned().into());
        }
        r
    }

    fn body(r: &Request) -> String {
        String::from_utf8(r.body().unwrap().as_bytes().unwrap().to_vec()).unwrap()
    }

    #[test]
    fn json_objects_get_the_field_and_keep_the_rest() {
        let mut r = request(Some("application/json"), Some(r#"{"q":"x","key":"old"}"#));
        insert_body_field(&mut r, "key", "k1", "t").unwrap();
        let v: Value = serde_json::from_str(&body(&r)).unwrap();
        assert_eq!(v, serde_json::json!({"q": "x", "key": "k1"}));
        assert!(body_field_equals(&r, "key", "k1"));
        assert!(!body_field_equals(&r, "key", "k2"));
    }

    #[test]
    fn a_bodyless_request_becomes_a_json_object() {
        let mut r = request(None, None);
        insert_body_field(&mut r, "token", "t1", "t").unwrap();
        assert_eq!(body(&r), r#"{"token":"t1"}"#);
        assert_eq!(r.headers()[CONTENT_TYPE], "application/json");
    }

    #[test]
    fn forms_get_the_pair_appended_and_encoded() {
        let mut r = request(Some("application/x-www-form-urlencoded"), Some("a=1"));
        insert_body_field(&mut r, "api key", "v&=", "t").unwrap();
        assert_eq!(body(&r), "a=1&api+key=v%26%3D");
        assert!(body_field_equals(&r, "api key", "v&="));
        let mut empty = request(Some("application/x-www-form-urlencoded"), None);
        insert_body_field(&mut empty, "k", "v", "t").unwrap();
        assert_eq!(body(&empty), "k=v");
    }

    #[test]
    fn non_object_json_and_other_types_are_clear_errors() {
        let mut r = request(Some("application/json"), Some("[1,2]"));
        let err = insert_body_field(&mut r, "key", "secret-v", "t")
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("the JSON body is an array, expected an object"),
            "{err}"
        );
        assert!(!err.contains("secret-v"));
        let mut r = request(Some("text/plain"), Some("hi"));
        let err = insert_body_field(&mut r, "key", "v", "t")
            .unwrap_err()
            .to_string();
        assert!(err.contains("a request body of type `text/plain`"), "{err}");
    }
}
