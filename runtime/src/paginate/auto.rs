//! `auto`: the paginator is detected from the first response, as dlt's `PaginatorFactory`.

use serde_json::Value;
use url::Url;

use super::header_link::find_link;
use super::totals::{body_total_hint, header_total};
use super::{HeaderLink, JsonLink, PageNumber, PageResponse, Paginator, SinglePage};
use crate::error::{Error, Result};
use crate::report::StopReason;
use crate::spec::{HeaderLinkPaginator, JsonLinkPaginator, PageNumberPaginator};

/// Detects, from the first response: a `Link: <…>; rel="next"` header → `header_link`; a
/// body key containing `next` (`next`, `nextPage`, `next_url`, `links.next`,
/// `paging.next.href`, …) holding a URL or null → `json_link` at that path; otherwise a
/// `Link: <…?page=N>; rel="last"` that numbers the pages with one query parameter →
/// `page_number` with it, up to that page; otherwise a
/// single page — but only when nothing in the response says there is more. A total larger
/// than the page (`X-Total-Count`, `Content-Range`, a `total`/`count` field) or a
/// `Link: rel="last"` without a next link is an error naming what was seen and the
/// paginator to configure: guessing the paging parameters could return the first page again
/// and again. The choice is logged at `debug` so it can be pinned in the spec.
#[derive(Default)]
pub struct Auto {
    detected: Option<Box<dyn Paginator>>,
}

impl std::fmt::Debug for Auto {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Auto")
            .field("detected", &self.detected.is_some())
            .finish()
    }
}

impl Auto {
    /// The paginator for a first response.
    fn detect(page: &PageResponse<'_>) -> Result<Box<dyn Paginator>> {
        if find_link(page.headers, "next").is_some() {
            tracing::info!(target: "rest_source", "auto pagination: detected `header_link`");
            return Ok(Box::new(HeaderLink::new(&HeaderLinkPaginator::default())));
        }
        if let Some(path) = find_next_url_path(page.body, &mut Vec::new()) {
            tracing::info!(target: "rest_source", next_url_path = %path, "auto pagination: detected `json_link`");
            return Ok(Box::new(JsonLink::new(&JsonLinkPaginator::new(path))?));
        }
        if let Some(spec) = page_number_from_last_link(page) {
            tracing::info!(target: "rest_source", page_param = %spec.page_param, "auto pagination: a `Link: rel=\"last\"` numbers the pages; using `page_number`");
            // The first page was already requested: it counts on from there to the last.
            return Ok(Box::new(PageNumber::new(&spec)?));
        }
        if let Some(seen) = more_hint(page) {
            tracing::info!(target: "rest_source", %seen, "auto pagination: no next link, but the response says there is more");
            return Err(Error::Config(format!(
                "auto pagination found no next link in the first page, but the response says \
                 there is more: {seen}, and the page held {} records. Set the paginator, for \
                 example `paginator = {{ type = \"offset\", limit = 100, total_header = \
                 \"X-Total-Count\" }}` or `{{ type = \"page_number\", base_page = 1, \
                 total_path = \"total_pages\" }}`",
                page.records
            )));
        }
        tracing::info!(target: "rest_source", "auto pagination: no next link and no sign of more pages; using `single_page`");
        Ok(Box::new(SinglePage))
    }
}

/// A `Link: <…?page=7>; rel="last"` whose query differs from this page's URL in exactly
/// one numeric parameter (the page number, absent or lower here): page-number paging with
/// that parameter, from this page to the last.
fn page_number_from_last_link(page: &PageResponse<'_>) -> Option<PageNumberPaginator> {
    let link = find_link(page.headers, "last")?;
    let last = page.url.join(&link).ok()?;
    if last.origin() != page.url.origin() || last.path() != page.url.path() {
        return None;
    }
    let here: std::collections::HashMap<String, String> =
        page.url.query_pairs().into_owned().collect();
    let mut differing = last
        .query_pairs()
        .into_owned()
        .filter(|(k, v)| here.get(k) != Some(v));
    let (param, value) = differing.next()?;
    if differing.next().is_some() {
        return None;
    }
    let last_page: u64 = value.trim().parse().ok()?;
    let current = match here.get(&param) {
        Some(v) => v.trim().parse().ok()?,
        None => 1,
    };
    (current < last_page).then(|| {
        PageNumberPaginator::default()
            .page_param(param)
            .base_page(current)
    })
}

/// What in a response without a next link says that more records exist.
fn more_hint(page: &PageResponse<'_>) -> Option<String> {
    let records = page.records as u64;
    for name in ["x-total-count", "x-total", "total-count", "x-total-results"] {
        if let Some(total) = page
            .headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok())
            && total > records
        {
            return Some(format!("the header `{name}: {total}`"));
        }
    }
    if let Some(total) = header_total(page.headers, None)
        && total > records
    {
        return Some(format!("a `Content-Range` total of {total}"));
    }
    if find_link(page.headers, "last").is_some() {
        return Some("a `Link` header with `rel=\"last\"`".into());
    }
    match body_total_hint(page.body) {
        Some((path, total)) if total > records => {
            Some(format!("the body field `{path}` = {total}"))
        }
        _ => None,
    }
}

impl Paginator for Auto {
    fn next_request(&mut self, page: &PageResponse<'_>) -> Result<Option<Url>> {
        if self.detected.is_none() {
            self.detected = Some(Self::detect(page)?);
        }
        match &mut self.detected {
            Some(p) => p.next_request(page),
            None => Ok(None),
        }
    }

    /// Once a paginator was detected (from the first page), its hint.
    fn next_from_headers(&self, url: &Url, headers: &reqwest::header::HeaderMap) -> Option<Url> {
        self.detected.as_ref()?.next_from_headers(url, headers)
    }

    /// Once a paginator was detected, its hint.
    fn next_from_body_start(&self, url: &Url, start: &[u8]) -> super::BodyStart {
        match &self.detected {
            Some(p) => p.next_from_body_start(url, start),
            None => super::BodyStart::Unknown,
        }
    }

    fn kind(&self) -> &'static str {
        match self.detected.as_ref().map(|p| p.kind()) {
            Some("header_link") => "auto: header_link",
            Some("json_link") => "auto: json_link",
            Some("single_page") => "auto: single_page",
            Some("page_number") => "auto: page_number",
            _ => "auto",
        }
    }

    fn stop_reason(&self) -> StopReason {
        self.detected
            .as_ref()
            .map_or(StopReason::NoNextPage, |p| p.stop_reason())
    }
}

/// dlt's `find_next_page_path`, restricted to values that can be a link (a string that looks
/// like a URL or path, or null on the last page) so that a `next_cursor` is not mistaken for
/// a link.
fn find_next_url_path(value: &Value, path: &mut Vec<String>) -> Option<String> {
    let Value::Object(map) = value else {
        return None;
    };
    if path.len() > 3 {
        return None;
    }
    let is_next = |k: &str| {
        let k = k.to_ascii_lowercase();
        k.contains("next") && !k.contains("cursor") && !k.contains("token")
    };
    for (k, v) in map {
        if !is_next(k) {
            continue;
        }
        path.push(k.clone());
        let found = match v {
            Value::String(s) if looks_like_link(s) => Some(path.join(".")),
            Value::Null => Some(path.join(".")),
            Value::Object(inner) => inner
                .iter()
                .find(|(ik, iv)| {
                    matches!(ik.to_ascii_lowercase().as_str(), "href" | "url")
                        && (iv.is_null() || iv.as_str().is_some_and(looks_like_link))
                })
                .map(|(ik, _)| format!("{}.{ik}", path.join("."))),
            _ => None,
        };
        path.pop();
        if found.is_some() {
            return found;
        }
    }
    for (k, v) in map {
        if v.is_object() {
            path.push(k.clone());
            let found = find_next_url_path(v, path);
            path.pop();
            if found.is_some() {
                return found;
            }
        }
    }
    None
}

fn looks_like_link(s: &str) -> bool {
    let s = s.trim();
    s.starts_with("http://")
        || s.starts_with("https://")
        || s.starts_with('/')
        || s.starts_with('?')
        || s.starts_with("./")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn finds_next_links_but_not_cursors() {
        let p = |v: Value| find_next_url_path(&v, &mut Vec::new());
        assert_eq!(
            p(json!({"next": "https://h/x?page=2"})),
            Some("next".into())
        );
        assert_eq!(
            p(json!({"paging": {"next": null}})),
            Some("paging.next".into())
        );
        assert_eq!(
            p(json!({"_links": {"next": {"href": "/x?p=2"}}})),
            Some("_links.next.href".into())
        );
        assert_eq!(
            p(json!({"nextPage": "/items?page=2"})),
            Some("nextPage".into())
        );
        assert_eq!(p(json!({"next_cursor": "abc"})), None);
        assert_eq!(p(json!({"meta": {"next": "abc"}})), None);
        assert_eq!(p(json!({"items": []})), None);
    }
}
