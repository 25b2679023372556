//! Building responses: JSON serialised into a reused per-thread buffer, and error shapes.

use std::cell::RefCell;

use bytes::{BufMut, Bytes, BytesMut};
use http_body_util::Full;
use hyper::header::{CONTENT_TYPE, HeaderValue};
use hyper::{Response, StatusCode};
use serde::Serialize;

/// Every response body is one buffer: pages are rendered in full before sending.
pub(crate) type Body = Full<Bytes>;
pub(crate) type Resp = Response<Body>;

thread_local! {
    // `split().freeze()` hands the written bytes to hyper; once hyper drops them,
    // `reserve` reclaims the same allocation, so steady-state serving does not allocate
    // a body buffer per response.
    static BUFFER: RefCell<BytesMut> = RefCell::new(BytesMut::with_capacity(256 * 1024));
}

const JSON: HeaderValue = HeaderValue::from_static("application/json");

/// Serialises `value` as the JSON body of a `status` response.
pub(crate) fn json<T: Serialize + ?Sized>(status: StatusCode, value: &T) -> Resp {
    let body = BUFFER.with(|buffer| {
        let mut buffer = buffer.borrow_mut();
        buffer.clear();
        buffer.reserve(64 * 1024);
        let written = serde_json::to_writer((&mut *buffer).writer(), value);
        let bytes = buffer.split().freeze();
        written.map(|()| bytes)
    });
    match body {
        Ok(bytes) => with_type(status, bytes, JSON),
        Err(e) => error(
            StatusCode::INTERNAL_SERVER_ERROR,
            "server_error",
            &format!("could not render the response: {e}"),
        ),
    }
}

fn with_type(status: StatusCode, body: Bytes, content_type: HeaderValue) -> Resp {
    let mut resp = Response::new(Full::new(body));
    *resp.status_mut() = status;
    resp.headers_mut().insert(CONTENT_TYPE, content_type);
    resp
}

#[derive(Serialize)]
struct ErrorBody<'a> {
    error: &'a str,
    error_description: &'a str,
}

/// `{"error": code, "error_description": description}`, the RFC 6749 / 6750 error shape,
/// used for every JSON error of the demo.
pub(crate) fn error(status: StatusCode, code: &str, description: &str) -> Resp {
    json(
        status,
        &ErrorBody {
            error: code,
            error_description: description,
        },
    )
}

/// A 400 for a bad query parameter.
pub(crate) fn bad_parameter(description: &str) -> Resp {
    error(StatusCode::BAD_REQUEST, "invalid_parameter", description)
}

/// A 404 in JSON.
pub(crate) fn not_found(description: &str) -> Resp {
    error(StatusCode::NOT_FOUND, "not_found", description)
}

/// A 405 naming the allowed method.
pub(crate) fn method_not_allowed(allowed: &'static str) -> Resp {
    let mut resp = error(
        StatusCode::METHOD_NOT_ALLOWED,
        "method_not_allowed",
        &format!("this endpoint only accepts {allowed}"),
    );
    resp.headers_mut()
        .insert(hyper::header::ALLOW, HeaderValue::from_static(allowed));
    resp
}

/// A 429 with `Retry-After`, as an API gateway would send it.
pub(crate) fn rate_limited(retry_after_secs: u64) -> Resp {
    let mut resp = error(
        StatusCode::TOO_MANY_REQUESTS,
        "rate_limited",
        "too many requests; retry after the number of seconds in `Retry-After`",
    );
    resp.headers_mut()
        .insert(hyper::header::RETRY_AFTER, retry_after_secs.into());
    resp
}

/// A 503 with an HTML body, like the maintenance page of a load balancer: clients must not
/// assume every error body is JSON.
pub(crate) fn unavailable(retry_after_secs: u64) -> Resp {
    let mut resp = with_type(
        StatusCode::SERVICE_UNAVAILABLE,
        Bytes::from_static(
            b"<!DOCTYPE html>\n<html><head><title>503 Service Unavailable</title></head>\n\
              <body><h1>Service Unavailable</h1><p>The server is temporarily unable to \
              handle the request. Please try again later.</p></body></html>\n",
        ),
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    resp.headers_mut()
        .insert(hyper::header::RETRY_AFTER, retry_after_secs.into());
    resp
}
