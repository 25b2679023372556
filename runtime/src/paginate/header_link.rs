//! `header_link`: the next page's URL is in the RFC 8288 `Link` header.

use reqwest::header::LINK;
use url::Url;

use super::json_link::resolve_link;
use super::{PageResponse, Paginator};
use crate::error::Result;
use crate::spec::HeaderLinkPaginator;

/// Follows `Link: <…>; rel="next"` (or the configured `rel`); no such link ends the stream.
#[derive(Debug)]
pub struct HeaderLink {
    rel: String,
}

impl HeaderLink {
    /// From the spec.
    pub fn new(spec: &HeaderLinkPaginator) -> Self {
        HeaderLink {
            rel: spec.links_next_key.clone(),
        }
    }
}

impl Paginator for HeaderLink {
    fn next_request(&mut self, page: &PageResponse<'_>) -> Result<Option<Url>> {
        match find_link(page.headers, &self.rel) {
            Some(link) => resolve_link(page.url, &link).map(Some),
            None => Ok(None),
        }
    }

    fn next_from_headers(&self, url: &Url, headers: &reqwest::header::HeaderMap) -> Option<Url> {
        resolve_link(url, &find_link(headers, &self.rel)?).ok()
    }

    fn kind(&self) -> &'static str {
        "header_link"
    }
}

/// The target of the first `Link` entry whose `rel` includes `rel`, across all `Link` headers.
pub(crate) fn find_link(headers: &reqwest::header::HeaderMap, rel: &str) -> Option<String> {
    headers
        .get_all(LINK)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(parse_link_header)
        .find(|(_, rels)| {
            rels.split_ascii_whitespace()
                .any(|r| r.eq_ignore_ascii_case(rel))
        })
        .map(|(target, _)| target)
}

/// Parses an RFC 8288 `Link` header value into `(target, rel)` pairs. Commas inside `<…>`
/// and inside quoted parameter values are respected.
///
/// ```
/// use rest_source_runtime::paginate::parse_link_header;
/// let links = parse_link_header(
///     r#"<https://api.test/items?page=3&a=1,2>; rel="next", <https://api.test/items?page=1>; rel=first"#,
/// );
/// assert_eq!(links[0], ("https://api.test/items?page=3&a=1,2".to_owned(), "next".to_owned()));
/// assert_eq!(links[1].1, "first");
/// ```
pub fn parse_link_header(value: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut rest = value;
    while let Some(start) = rest.find('<') {
        let Some(end) = rest[start..].find('>') else {
            break;
        };
        let target = rest[start + 1..start + end].trim().to_owned();
        rest = &rest[start + end + 1..];
        // Parameters run to the next comma outside quotes.
        let mut in_quotes = false;
        let mut stop = rest.len();
        for (i, c) in rest.char_indices() {
            match c {
                '"' => in_quotes = !in_quotes,
                ',' if !in_quotes => {
                    stop = i;
                    break;
                }
                _ => {}
            }
        }
        let params = &rest[..stop];
        rest = &rest[stop..];
        let rel = params
            .split(';')
            .filter_map(|p| p.split_once('='))
            .find(|(k, _)| k.trim().eq_ignore_ascii_case("rel"))
            .map(|(_, v)| v.trim().trim_matches('"').to_owned())
            .unwrap_or_default();
        out.push((target, rel));
    }
    out
}
