//! What a response says about how much data there is: totals in headers
//! (`X-Total-Count`, `Content-Range`), a `Link: rel="last"`, an echoed page size, and the
//! total-like body fields the `auto` paginator treats as a hint that more pages exist.

use reqwest::header::{CONTENT_RANGE, HeaderMap};
use serde_json::Value;
use url::Url;

use super::header_link::find_link;
use super::offset::as_u64;

/// The total number of records a response's headers state: the header `name` (such as
/// `X-Total-Count`) when given and present, else a `Content-Range: items 0-99/1000`.
pub(crate) fn header_total(headers: &HeaderMap, name: Option<&str>) -> Option<u64> {
    if let Some(name) = name
        && let Some(v) = headers.get(name).and_then(|v| v.to_str().ok())
        && let Ok(total) = v.trim().parse::<u64>()
    {
        return Some(total);
    }
    headers
        .get(CONTENT_RANGE)
        .and_then(|v| v.to_str().ok())
        .and_then(parse_content_range)
}

/// The complete length of a `Content-Range` value (`items 0-99/1000`, `0-99/1000`,
/// `*/0`): `None` when it is unknown (`/*`) or the value is not a range.
///
/// ```
/// use rest_source_runtime::paginate::parse_content_range;
/// assert_eq!(parse_content_range("items 0-99/1000"), Some(1000));
/// assert_eq!(parse_content_range("0-24/25"), Some(25));
/// assert_eq!(parse_content_range("items */0"), Some(0));
/// assert_eq!(parse_content_range("items 0-99/*"), None);
/// assert_eq!(parse_content_range("bytes"), None);
/// ```
pub fn parse_content_range(value: &str) -> Option<u64> {
    let value = value.trim();
    // An optional unit (`items`, `bytes`) before the range.
    let range = match value.split_once(char::is_whitespace) {
        Some((unit, range)) if !unit.contains('/') => range.trim(),
        _ => value,
    };
    let (span, total) = range.split_once('/')?;
    let span = span.trim();
    let valid_span = span == "*"
        || span.split_once('-').is_some_and(|(a, b)| {
            let (a, b) = (a.trim().parse::<u64>(), b.trim().parse::<u64>());
            matches!((a, b), (Ok(a), Ok(b)) if a <= b)
        });
    if !valid_span {
        return None;
    }
    total.trim().parse().ok()
}

/// The page number in the `Link: <…>; rel="last"` target's `page_param`, if any.
pub(crate) fn last_page(headers: &HeaderMap, current: &Url, page_param: &str) -> Option<u64> {
    let link = find_link(headers, "last")?;
    let url = current.join(&link).ok()?;
    url.query_pairs()
        .find(|(k, _)| k == page_param)
        .and_then(|(_, v)| v.trim().parse().ok())
}

/// Containers where APIs put paging metadata.
const META_KEYS: &[&str] = &["meta", "metadata", "pagination", "paging", "page_info"];

/// A page size the server echoes back: `limit_param`'s name at the top of the body or in a
/// metadata object (`{"limit": 10}`, `{"meta": {"limit": 10}}`).
pub(crate) fn echoed_limit(body: &Value, limit_param: &str) -> Option<u64> {
    let here = |v: &Value| v.get(limit_param).and_then(as_u64);
    here(body).or_else(|| META_KEYS.iter().find_map(|k| body.get(*k).and_then(here)))
}

/// Body fields that usually state how many records there are.
const TOTAL_KEYS: &[&str] = &[
    "total",
    "count",
    "total_count",
    "totalCount",
    "total_results",
    "totalResults",
    "total_items",
    "totalItems",
    "total_records",
    "totalRecords",
];

/// A total-like field at the top of the body or in a metadata object: its path and value.
pub(crate) fn body_total_hint(body: &Value) -> Option<(String, u64)> {
    let here = |v: &Value, prefix: &str| {
        TOTAL_KEYS.iter().find_map(|k| {
            let n = v.get(*k).and_then(as_u64)?;
            Some((format!("{prefix}{k}"), n))
        })
    };
    here(body, "").or_else(|| {
        META_KEYS
            .iter()
            .find_map(|m| body.get(*m).and_then(|v| here(v, &format!("{m}."))))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;
    use serde_json::json;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.append(*k, HeaderValue::from_static(v));
        }
        h
    }

    #[test]
    fn totals_from_named_headers_and_content_range() {
        let h = headers(&[("x-total-count", "1000")]);
        assert_eq!(header_total(&h, Some("X-Total-Count")), Some(1000));
        assert_eq!(header_total(&h, None), None, "only a named header counts");
        let h = headers(&[("content-range", "items 0-99/250")]);
        assert_eq!(header_total(&h, Some("X-Total-Count")), Some(250));
        assert_eq!(parse_content_range("items 5-2/9"), None);
        assert_eq!(parse_content_range("items 0-1/x"), None);
    }

    #[test]
    fn last_page_from_a_link_header() {
        let h = headers(&[(
            "link",
            "</items?page=2>; rel=\"next\", </items?page=7>; rel=\"last\"",
        )]);
        let url = Url::parse("http://h/items?page=1").unwrap();
        assert_eq!(last_page(&h, &url, "page"), Some(7));
        assert_eq!(last_page(&h, &url, "p"), None);
    }

    #[test]
    fn echoed_limits_and_total_hints() {
        assert_eq!(echoed_limit(&json!({"limit": 10}), "limit"), Some(10));
        assert_eq!(
            echoed_limit(&json!({"meta": {"take": "5"}}), "take"),
            Some(5)
        );
        assert_eq!(echoed_limit(&json!({"x": 1}), "limit"), None);
        assert_eq!(
            body_total_hint(&json!({"pagination": {"totalCount": 90}})),
            Some(("pagination.totalCount".into(), 90))
        );
        assert_eq!(body_total_hint(&json!({"items": []})), None);
    }
}
