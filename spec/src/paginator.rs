//! [`PaginatorSpec`]: how a resource's pages follow each other, with dlt's names.

use std::fmt;

use serde::de::{self, MapAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize};

/// Which paginator a resource uses, tagged by `type` exactly like dlt's REST API config:
/// `{"type": "json_link", "next_url_path": "paging.next"}`.
///
/// As in dlt, a bare name (`"header_link"`, `"single_page"`, `"auto"`, …) is accepted for
/// paginators whose parameters all have defaults.
///
/// Build one by hand with the constructors (`PaginatorSpec::json_link("paging.next")`,
/// `PaginatorSpec::offset(100)`, …) or, to set optional fields, from the variant's struct:
///
/// ```
/// use rest_source_spec::{OffsetPaginator, PaginatorSpec};
///
/// let spec: PaginatorSpec = OffsetPaginator::new(100).total_path("meta.total").into();
/// let same: PaginatorSpec = serde_json::from_str(
///     r#"{"type": "offset", "limit": 100, "total_path": "meta.total"}"#,
/// ).unwrap();
/// assert_eq!(spec, same);
/// ```
///
/// Exhaustive on purpose: the runtime matches every variant, so a new one is a compile
/// error where it must be handled.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum PaginatorSpec {
    /// The next page's URL is in the response body (`next_url_path`).
    /// dlt's older name `json_response` is accepted too.
    #[serde(alias = "json_response")]
    JsonLink(JsonLinkPaginator),
    /// The next page's URL is in the `Link` header (RFC 8288), `rel="next"`.
    HeaderLink(HeaderLinkPaginator),
    /// A cursor from a response header sent back as a query parameter (dlt's
    /// `HeaderCursorPaginator`).
    HeaderCursor(HeaderCursorPaginator),
    /// `offset`/`limit` query parameters.
    Offset(OffsetPaginator),
    /// A page number query parameter.
    PageNumber(PageNumberPaginator),
    /// A cursor from the response body sent back as a query parameter.
    Cursor(CursorPaginator),
    /// One request, no pagination.
    SinglePage,
    /// Detect from the first response: a `Link: rel="next"` header, then a next-page URL in
    /// the body (keys containing `next`), else a single page (dlt's `auto`).
    Auto,
}

impl Default for PaginatorSpec {
    /// `auto`, as in dlt when no paginator is configured.
    fn default() -> Self {
        PaginatorSpec::Auto
    }
}

impl PaginatorSpec {
    /// `json_link` with the next URL at `next_url_path` (dotted JSON path).
    pub fn json_link(next_url_path: impl Into<String>) -> Self {
        JsonLinkPaginator::new(next_url_path).into()
    }

    /// `header_link` following `Link: <…>; rel="next"`.
    pub fn header_link() -> Self {
        HeaderLinkPaginator::default().into()
    }

    /// `offset` with `limit` records per page, from offset 0.
    pub fn offset(limit: u64) -> Self {
        OffsetPaginator::new(limit).into()
    }

    /// `page_number` from page 0 (set `base_page` on [`PageNumberPaginator`] for 1-based APIs).
    pub fn page_number() -> Self {
        PageNumberPaginator::default().into()
    }

    /// `cursor`: the cursor at `cursor_path` in each response is sent as `cursor_param`.
    pub fn cursor(cursor_path: impl Into<String>, cursor_param: impl Into<String>) -> Self {
        CursorPaginator::new(cursor_path, cursor_param).into()
    }

    /// `single_page`.
    pub fn single_page() -> Self {
        PaginatorSpec::SinglePage
    }

    /// `auto`: detect the shape from the first response.
    pub fn auto() -> Self {
        PaginatorSpec::Auto
    }

    /// Whether the paginator sends its position in the JSON body (a `*_body_path` key).
    pub fn pages_body(&self) -> bool {
        match self {
            PaginatorSpec::Offset(p) => p.offset_body_path.is_some() || p.limit_body_path.is_some(),
            PaginatorSpec::PageNumber(p) => p.page_body_path.is_some(),
            PaginatorSpec::Cursor(p) => p.cursor_body_path.is_some(),
            _ => false,
        }
    }

    /// The `type` name (`json_link`, `offset`, …).
    pub fn type_name(&self) -> &'static str {
        match self {
            PaginatorSpec::JsonLink(_) => "json_link",
            PaginatorSpec::HeaderLink(_) => "header_link",
            PaginatorSpec::HeaderCursor(_) => "header_cursor",
            PaginatorSpec::Offset(_) => "offset",
            PaginatorSpec::PageNumber(_) => "page_number",
            PaginatorSpec::Cursor(_) => "cursor",
            PaginatorSpec::SinglePage => "single_page",
            PaginatorSpec::Auto => "auto",
        }
    }
}

// The tagged form keeps serde's precise errors; the visitor adds dlt's bare-name shorthand.
#[derive(Deserialize)]
#[serde(remote = "PaginatorSpec", tag = "type", rename_all = "snake_case")]
enum Tagged {
    #[serde(alias = "json_response")]
    JsonLink(JsonLinkPaginator),
    HeaderLink(HeaderLinkPaginator),
    HeaderCursor(HeaderCursorPaginator),
    Offset(OffsetPaginator),
    PageNumber(PageNumberPaginator),
    Cursor(CursorPaginator),
    SinglePage,
    Auto,
}

impl<'de> Deserialize<'de> for PaginatorSpec {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = PaginatorSpec;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a paginator: a table with `type` or a paginator name")
            }
            fn visit_str<E: de::Error>(self, name: &str) -> Result<PaginatorSpec, E> {
                Ok(match name {
                    "json_link" | "json_response" => PaginatorSpec::json_link(default_next()),
                    "header_link" => PaginatorSpec::header_link(),
                    "header_cursor" => HeaderCursorPaginator::default().into(),
                    "page_number" => PaginatorSpec::page_number(),
                    "cursor" => {
                        PaginatorSpec::cursor(default_cursor_path(), default_cursor_param())
                    }
                    "single_page" => PaginatorSpec::SinglePage,
                    "auto" => PaginatorSpec::Auto,
                    "offset" => {
                        return Err(E::custom(
                            "paginator `offset` needs a `limit`; write it as a table, for \
                             example {\"type\": \"offset\", \"limit\": 100}",
                        ));
                    }
                    other => {
                        return Err(E::unknown_variant(
                            other,
                            &[
                                "json_link",
                                "header_link",
                                "header_cursor",
                                "offset",
                                "page_number",
                                "cursor",
                                "single_page",
                                "auto",
                            ],
                        ));
                    }
                })
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<PaginatorSpec, A::Error> {
                Tagged::deserialize(de::value::MapAccessDeserializer::new(map))
            }
        }
        d.deserialize_any(V)
    }
}

fn default_next() -> String {
    "next".to_owned()
}
fn default_true() -> bool {
    true
}
fn default_offset_param() -> String {
    "offset".to_owned()
}
fn default_limit_param() -> String {
    "limit".to_owned()
}
fn default_page_param() -> String {
    "page".to_owned()
}
fn default_cursor_path() -> String {
    "cursors.next".to_owned()
}
fn default_cursor_param() -> String {
    "cursor".to_owned()
}

/// `json_link`: the body holds the next page's URL (absolute or relative to the current page);
/// a missing, null or empty value ends the stream.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct JsonLinkPaginator {
    /// Dotted JSON path of the next URL (default `next`).
    #[serde(default = "default_next")]
    pub next_url_path: String,
    /// A JSON path to a boolean; `false` ends the stream.
    #[serde(default)]
    pub has_more_path: Option<String>,
    /// Stop at the first page without records (default `false`).
    #[serde(default)]
    pub stop_after_empty_page: bool,
}

impl Default for JsonLinkPaginator {
    /// The next URL at `next` (dlt's default).
    fn default() -> Self {
        JsonLinkPaginator::new(default_next())
    }
}

impl JsonLinkPaginator {
    /// The next URL at `next_url_path`.
    pub fn new(next_url_path: impl Into<String>) -> Self {
        JsonLinkPaginator {
            next_url_path: next_url_path.into(),
            has_more_path: None,
            stop_after_empty_page: false,
        }
    }
    /// Stop when the boolean at `path` is `false`.
    pub fn has_more_path(mut self, path: impl Into<String>) -> Self {
        self.has_more_path = Some(path.into());
        self
    }
    /// Stop at the first page without records.
    pub fn stop_after_empty_page(mut self, stop: bool) -> Self {
        self.stop_after_empty_page = stop;
        self
    }
}

impl From<JsonLinkPaginator> for PaginatorSpec {
    fn from(p: JsonLinkPaginator) -> Self {
        PaginatorSpec::JsonLink(p)
    }
}

/// `header_link`: follows the RFC 8288 `Link` header entry whose `rel` is `links_next_key`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HeaderLinkPaginator {
    /// The `rel` value to follow (default `next`).
    #[serde(default = "default_next")]
    pub links_next_key: String,
}

impl Default for HeaderLinkPaginator {
    fn default() -> Self {
        HeaderLinkPaginator {
            links_next_key: default_next(),
        }
    }
}

impl HeaderLinkPaginator {
    /// Follows `rel="<key>"` instead of `rel="next"`.
    pub fn links_next_key(mut self, key: impl Into<String>) -> Self {
        self.links_next_key = key.into();
        self
    }
}

impl From<HeaderLinkPaginator> for PaginatorSpec {
    fn from(p: HeaderLinkPaginator) -> Self {
        PaginatorSpec::HeaderLink(p)
    }
}

/// `header_cursor`: the response header `cursor_key` holds the next page's cursor, sent
/// back as the query parameter `cursor_param`; a missing (or empty) header ends the stream.
///
/// ```
/// use rest_source_spec::{HeaderCursorPaginator, PaginatorSpec};
///
/// let spec: PaginatorSpec = HeaderCursorPaginator::new("NextPageToken", "page_token").into();
/// let same: PaginatorSpec = serde_json::from_str(
///     r#"{"type": "header_cursor", "cursor_key": "NextPageToken", "cursor_param": "page_token"}"#,
/// ).unwrap();
/// assert_eq!(spec, same);
/// ```
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HeaderCursorPaginator {
    /// The response header holding the next cursor (default `next`).
    #[serde(default = "default_next")]
    pub cursor_key: String,
    /// The query parameter the cursor is sent as (default `cursor`).
    #[serde(default = "default_cursor_param")]
    pub cursor_param: String,
}

impl Default for HeaderCursorPaginator {
    /// The cursor in the `next` header, sent as `cursor` (dlt's defaults).
    fn default() -> Self {
        HeaderCursorPaginator::new(default_next(), default_cursor_param())
    }
}

impl HeaderCursorPaginator {
    /// The cursor in header `cursor_key`, sent as `cursor_param`.
    pub fn new(cursor_key: impl Into<String>, cursor_param: impl Into<String>) -> Self {
        HeaderCursorPaginator {
            cursor_key: cursor_key.into(),
            cursor_param: cursor_param.into(),
        }
    }
}

impl From<HeaderCursorPaginator> for PaginatorSpec {
    fn from(p: HeaderCursorPaginator) -> Self {
        PaginatorSpec::HeaderCursor(p)
    }
}

/// `offset`: sends `offset_param=<offset>&limit_param=<limit>` and adds `limit` per page.
///
/// Stops on a page shorter than `limit` or empty, when `offset` reaches the total at
/// `total_path` or `maximum_offset`, or when `has_more_path` is `false`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OffsetPaginator {
    /// Records per page.
    pub limit: u64,
    /// The first offset (default 0).
    #[serde(default)]
    pub offset: u64,
    /// Name of the offset parameter (default `offset`).
    #[serde(default = "default_offset_param")]
    pub offset_param: String,
    /// Name of the limit parameter (default `limit`).
    #[serde(default = "default_limit_param")]
    pub limit_param: String,
    /// JSON path of the total number of records. A missing or null total is ignored (the
    /// other stop conditions apply). dlt defaults this to `total`; here it is opt-in, since a
    /// short page already ends the stream.
    #[serde(default)]
    pub total_path: Option<String>,
    /// A response header holding the total number of records (`X-Total-Count`). Without it,
    /// a `Content-Range: items 0-99/1000` header is read as the total too. Not a dlt key.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub total_header: Option<String>,
    /// Never request an offset at or beyond this.
    #[serde(default)]
    pub maximum_offset: Option<u64>,
    /// Stop at the first page without records (default `true`).
    #[serde(default = "default_true")]
    pub stop_after_empty_page: bool,
    /// A JSON path to a boolean; `false` ends the stream.
    #[serde(default)]
    pub has_more_path: Option<String>,
    /// A dotted path in the JSON body to send the offset at, instead of the `offset_param`
    /// query parameter (dlt's `offset_body_path`, for APIs paged through a `POST` body).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub offset_body_path: Option<String>,
    /// A dotted path in the JSON body to send the limit at, instead of the `limit_param`
    /// query parameter (dlt's `limit_body_path`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit_body_path: Option<String>,
}

impl OffsetPaginator {
    /// `limit` records per page from offset 0, with params `offset` and `limit`.
    pub fn new(limit: u64) -> Self {
        OffsetPaginator {
            limit,
            offset: 0,
            offset_param: default_offset_param(),
            limit_param: default_limit_param(),
            total_path: None,
            total_header: None,
            maximum_offset: None,
            stop_after_empty_page: true,
            has_more_path: None,
            offset_body_path: None,
            limit_body_path: None,
        }
    }
    /// Sends the offset in the JSON body at the dotted `path` instead of the query.
    pub fn offset_body_path(mut self, path: impl Into<String>) -> Self {
        self.offset_body_path = Some(path.into());
        self
    }
    /// Sends the limit in the JSON body at the dotted `path` instead of the query.
    pub fn limit_body_path(mut self, path: impl Into<String>) -> Self {
        self.limit_body_path = Some(path.into());
        self
    }
    /// The first offset.
    pub fn offset(mut self, offset: u64) -> Self {
        self.offset = offset;
        self
    }
    /// Name of the offset parameter.
    pub fn offset_param(mut self, name: impl Into<String>) -> Self {
        self.offset_param = name.into();
        self
    }
    /// Name of the limit parameter.
    pub fn limit_param(mut self, name: impl Into<String>) -> Self {
        self.limit_param = name.into();
        self
    }
    /// JSON path of the total number of records.
    pub fn total_path(mut self, path: impl Into<String>) -> Self {
        self.total_path = Some(path.into());
        self
    }
    /// A response header holding the total number of records, such as `X-Total-Count`.
    pub fn total_header(mut self, name: impl Into<String>) -> Self {
        self.total_header = Some(name.into());
        self
    }
    /// Never request an offset at or beyond `max`.
    pub fn maximum_offset(mut self, max: u64) -> Self {
        self.maximum_offset = Some(max);
        self
    }
    /// Stop when the boolean at `path` is `false`.
    pub fn has_more_path(mut self, path: impl Into<String>) -> Self {
        self.has_more_path = Some(path.into());
        self
    }
    /// Whether an empty page ends the stream.
    pub fn stop_after_empty_page(mut self, stop: bool) -> Self {
        self.stop_after_empty_page = stop;
        self
    }
}

impl From<OffsetPaginator> for PaginatorSpec {
    fn from(p: OffsetPaginator) -> Self {
        PaginatorSpec::Offset(p)
    }
}

/// `page_number`: sends `page_param=<n>` from `base_page` (or `page`) upwards.
///
/// Stops on an empty page, after the total number of pages at `total_path`, after
/// `maximum_page`, or when `has_more_path` is `false`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PageNumberPaginator {
    /// The number of the first page the API knows (0 or 1; default 0).
    #[serde(default)]
    pub base_page: u64,
    /// The page to start from (default `base_page`).
    #[serde(default)]
    pub page: Option<u64>,
    /// Name of the page parameter (default `page`).
    #[serde(default = "default_page_param")]
    pub page_param: String,
    /// JSON path of the total number of pages. A missing or null total is ignored.
    #[serde(default)]
    pub total_path: Option<String>,
    /// A response header holding the total number of *records* (`X-Total-Count`); the page
    /// count follows from the first page's size. Without it, `Content-Range: items 0-99/1000`
    /// and a `Link: <…?page=N>; rel="last"` header give the total too. Not a dlt key.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub total_header: Option<String>,
    /// The last page number to request.
    #[serde(default)]
    pub maximum_page: Option<u64>,
    /// Stop at the first page without records (default `true`).
    #[serde(default = "default_true")]
    pub stop_after_empty_page: bool,
    /// A JSON path to a boolean; `false` ends the stream.
    #[serde(default)]
    pub has_more_path: Option<String>,
    /// A dotted path in the JSON body to send the page number at, instead of the
    /// `page_param` query parameter (dlt's `page_body_path`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub page_body_path: Option<String>,
}

impl Default for PageNumberPaginator {
    fn default() -> Self {
        PageNumberPaginator {
            base_page: 0,
            page: None,
            page_param: default_page_param(),
            total_path: None,
            total_header: None,
            maximum_page: None,
            stop_after_empty_page: true,
            has_more_path: None,
            page_body_path: None,
        }
    }
}

impl PageNumberPaginator {
    /// Sends the page number in the JSON body at the dotted `path` instead of the query.
    pub fn page_body_path(mut self, path: impl Into<String>) -> Self {
        self.page_body_path = Some(path.into());
        self
    }
    /// The number of the API's first page.
    pub fn base_page(mut self, base_page: u64) -> Self {
        self.base_page = base_page;
        self
    }
    /// The page to start from.
    pub fn page(mut self, page: u64) -> Self {
        self.page = Some(page);
        self
    }
    /// Name of the page parameter.
    pub fn page_param(mut self, name: impl Into<String>) -> Self {
        self.page_param = name.into();
        self
    }
    /// JSON path of the total number of pages.
    pub fn total_path(mut self, path: impl Into<String>) -> Self {
        self.total_path = Some(path.into());
        self
    }
    /// A response header holding the total number of records, such as `X-Total-Count`.
    pub fn total_header(mut self, name: impl Into<String>) -> Self {
        self.total_header = Some(name.into());
        self
    }
    /// The last page number to request.
    pub fn maximum_page(mut self, max: u64) -> Self {
        self.maximum_page = Some(max);
        self
    }
    /// Stop when the boolean at `path` is `false`.
    pub fn has_more_path(mut self, path: impl Into<String>) -> Self {
        self.has_more_path = Some(path.into());
        self
    }
    /// Whether an empty page ends the stream.
    pub fn stop_after_empty_page(mut self, stop: bool) -> Self {
        self.stop_after_empty_page = stop;
        self
    }
}

impl From<PageNumberPaginator> for PaginatorSpec {
    fn from(p: PageNumberPaginator) -> Self {
        PaginatorSpec::PageNumber(p)
    }
}

/// `cursor`: the value at `cursor_path` is sent as `cursor_param` on the next request; a
/// missing, null or empty cursor ends the stream.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CursorPaginator {
    /// Dotted JSON path of the next cursor (default `cursors.next`).
    #[serde(default = "default_cursor_path")]
    pub cursor_path: String,
    /// The query parameter the cursor is sent as (default `cursor`).
    #[serde(default = "default_cursor_param")]
    pub cursor_param: String,
    /// A JSON path to a boolean; `false` ends the stream.
    #[serde(default)]
    pub has_more_path: Option<String>,
    /// Stop at the first page without records (default `false`).
    #[serde(default)]
    pub stop_after_empty_page: bool,
    /// A dotted path in the JSON body to send the cursor at, instead of the `cursor_param`
    /// query parameter (dlt's `cursor_body_path`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cursor_body_path: Option<String>,
}

impl Default for CursorPaginator {
    /// The cursor at `cursors.next`, sent as `cursor` (dlt's defaults).
    fn default() -> Self {
        CursorPaginator::new(default_cursor_path(), default_cursor_param())
    }
}

impl CursorPaginator {
    /// The cursor at `cursor_path`, sent as `cursor_param`.
    pub fn new(cursor_path: impl Into<String>, cursor_param: impl Into<String>) -> Self {
        CursorPaginator {
            cursor_path: cursor_path.into(),
            cursor_param: cursor_param.into(),
            has_more_path: None,
            stop_after_empty_page: false,
            cursor_body_path: None,
        }
    }
    /// Stop when the boolean at `path` is `false`.
    pub fn has_more_path(mut self, path: impl Into<String>) -> Self {
        self.has_more_path = Some(path.into());
        self
    }
    /// Stop at the first page without records.
    pub fn stop_after_empty_page(mut self, stop: bool) -> Self {
        self.stop_after_empty_page = stop;
        self
    }
    /// Sends the cursor in the JSON body at the dotted `path` instead of the query.
    pub fn cursor_body_path(mut self, path: impl Into<String>) -> Self {
        self.cursor_body_path = Some(path.into());
        self
    }
}

impl From<CursorPaginator> for PaginatorSpec {
    fn from(p: CursorPaginator) -> Self {
        PaginatorSpec::Cursor(p)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn parse(v: serde_json::Value) -> Result<PaginatorSpec, serde_json::Error> {
        serde_json::from_value(v)
    }

    #[test]
    fn dlt_configs_deserialise_with_defaults() {
        assert_eq!(
            parse(json!({"type": "json_link", "next_url_path": "paging.next"})).unwrap(),
            PaginatorSpec::json_link("paging.next")
        );
        assert_eq!(
            parse(json!({"type": "json_response"})).unwrap(),
            PaginatorSpec::json_link("next")
        );
        assert_eq!(
            parse(json!({"type": "header_link"})).unwrap(),
            PaginatorSpec::header_link()
        );
        assert_eq!(
            parse(json!({"type": "offset", "limit": 50, "maximum_offset": 500})).unwrap(),
            OffsetPaginator::new(50).maximum_offset(500).into()
        );
        assert_eq!(
            parse(json!({"type": "page_number", "base_page": 1, "total_path": "pages"})).unwrap(),
            PageNumberPaginator::default()
                .base_page(1)
                .total_path("pages")
                .into()
        );
        assert_eq!(
            parse(json!({"type": "cursor", "cursor_path": "meta.next", "cursor_param": "after"}))
                .unwrap(),
            PaginatorSpec::cursor("meta.next", "after")
        );
        assert_eq!(
            parse(json!({"type": "single_page"})).unwrap(),
            PaginatorSpec::single_page()
        );
        assert_eq!(
            parse(json!({"type": "auto"})).unwrap(),
            PaginatorSpec::auto()
        );
    }

    #[test]
    fn unknown_fields_and_types_are_named() {
        let err = parse(json!({"type": "offset", "limit": 5, "limt_param": "n"})).unwrap_err();
        assert!(err.to_string().contains("`limt_param`"), "{err}");
        let err = parse(json!({"type": "jsonlink"})).unwrap_err();
        assert!(err.to_string().contains("`jsonlink`"), "{err}");
        let err = parse(json!({"type": "offset"})).unwrap_err();
        assert!(err.to_string().contains("`limit`"), "{err}");
    }

    #[test]
    fn bare_names_like_dlt() {
        assert_eq!(
            parse(json!("header_link")).unwrap(),
            PaginatorSpec::header_link()
        );
        assert_eq!(parse(json!("auto")).unwrap(), PaginatorSpec::auto());
        assert_eq!(
            parse(json!("header_cursor")).unwrap(),
            HeaderCursorPaginator::new("next", "cursor").into()
        );
        assert_eq!(
            parse(json!({"type": "cursor", "cursor_path": "n", "cursor_body_path": "page.token"}))
                .unwrap(),
            CursorPaginator::new("n", "cursor")
                .cursor_body_path("page.token")
                .into()
        );
        assert_eq!(
            parse(json!("json_link")).unwrap(),
            PaginatorSpec::json_link("next")
        );
        let err = parse(json!("offset")).unwrap_err().to_string();
        assert!(err.contains("needs a `limit`"), "{err}");
        let err = parse(json!("headr_link")).unwrap_err().to_string();
        assert!(
            err.contains("`headr_link`") && err.contains("`header_link`"),
            "{err}"
        );
        #[derive(serde::Deserialize)]
        struct Wrapper {
            paginator: PaginatorSpec,
        }
        let w: Wrapper = toml::from_str("paginator = \"single_page\"").unwrap();
        assert_eq!(w.paginator, PaginatorSpec::single_page());
    }

    #[test]
    fn toml_configs_deserialise() {
        let spec: PaginatorSpec =
            toml::from_str("type = \"page_number\"\nbase_page = 1\nmaximum_page = 3\n").unwrap();
        assert_eq!(
            spec,
            PageNumberPaginator::default()
                .base_page(1)
                .maximum_page(3)
                .into()
        );
    }
}
