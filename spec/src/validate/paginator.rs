//! Paginator rules: what a paginator needs to request its pages and to stop. Public so the
//! runtime's paginators (for sources built by hand with the runtime API) refuse exactly what
//! the front ends refuse, with the same words.

use super::{Fix, Problem};
use crate::{OffsetPaginator, PageNumberPaginator, PaginatorSpec};

/// Every problem of `paginator`, written at `at` (`paginator`,
/// `resources.<name>.endpoint.paginator`); a problem about one argument is at
/// `<at>.<argument>`.
///
/// ```
/// use rest_source_spec::{OffsetPaginator, PaginatorSpec};
/// use rest_source_spec::validate::paginator;
///
/// let problems = paginator::problems(&PaginatorSpec::Offset(OffsetPaginator::new(0)), "paginator");
/// assert_eq!(problems[0].path, "paginator.limit");
/// ```
pub fn problems(paginator: &PaginatorSpec, at: &str) -> Vec<Problem> {
    let mut out = Vec::new();
    match paginator {
        PaginatorSpec::Offset(p) => offset(p, at, &mut out),
        PaginatorSpec::PageNumber(p) => page_number(p, at, &mut out),
        PaginatorSpec::JsonLink(p) => {
            non_empty("json_link", "next_url_path", &p.next_url_path, at, &mut out)
        }
        PaginatorSpec::Cursor(p) => {
            non_empty("cursor", "cursor_path", &p.cursor_path, at, &mut out);
            non_empty("cursor", "cursor_param", &p.cursor_param, at, &mut out);
        }
        PaginatorSpec::HeaderLink(p) => non_empty(
            "header_link",
            "links_next_key",
            &p.links_next_key,
            at,
            &mut out,
        ),
        PaginatorSpec::HeaderCursor(p) => {
            non_empty("header_cursor", "cursor_key", &p.cursor_key, at, &mut out);
            non_empty(
                "header_cursor",
                "cursor_param",
                &p.cursor_param,
                at,
                &mut out,
            );
        }
        PaginatorSpec::SinglePage | PaginatorSpec::Auto => {}
    }
    out
}

/// The first problem of `paginator`, as a message (for the runtime's `Error::Config`).
pub fn first_problem(paginator: &PaginatorSpec) -> Option<String> {
    problems(paginator, "paginator")
        .into_iter()
        .next()
        .map(|p| match p.fix {
            Some(Fix::Text(fix)) => format!("{}; {fix}", p.message),
            _ => p.message,
        })
}

fn offset(p: &OffsetPaginator, at: &str, out: &mut Vec<Problem>) {
    if p.limit == 0 {
        out.push(Problem {
            path: format!("{at}.limit"),
            message: "the `offset` paginator's `limit` is the page size and cannot be 0".into(),
            fix: Some(Fix::Text(
                "set the records per page, e.g. `limit = 100`".into(),
            )),
        });
    }
    non_empty("offset", "offset_param", &p.offset_param, at, out);
    non_empty("offset", "limit_param", &p.limit_param, at, out);
}

/// dlt's `RangePaginator` needs a way to stop. (Only `page_number` is held to it here: dlt's
/// `offset` defaults `total_path` to `total`, which this model leaves unset, so an `offset`
/// paginator that dlt accepts would be refused.)
fn page_number(p: &PageNumberPaginator, at: &str, out: &mut Vec<Problem>) {
    non_empty("page_number", "page_param", &p.page_param, at, out);
    let stops = p.stop_after_empty_page
        || p.total_path.is_some()
        || p.total_header.is_some()
        || p.maximum_page.is_some()
        || p.has_more_path.is_some();
    if !stops {
        out.push(never_stops("page_number", "maximum_page", at));
    }
}

fn never_stops(kind: &str, maximum: &str, at: &str) -> Problem {
    Problem {
        path: at.to_owned(),
        message: format!(
            "this `{kind}` paginator could never stop: `stop_after_empty_page` is false and \
             there is no `total_path`, `total_header`, `{maximum}` or `has_more_path`"
        ),
        fix: Some(Fix::Text(
            "set one of them, or leave `stop_after_empty_page` at its default (`true`)".into(),
        )),
    }
}

/// A parameter name or JSON path the paginator needs: an empty one sends `?=…` or reads
/// nothing.
fn non_empty(kind: &str, key: &str, value: &str, at: &str, out: &mut Vec<Problem>) {
    if value.trim().is_empty() {
        out.push(Problem {
            path: format!("{at}.{key}"),
            message: format!("the `{kind}` paginator's `{key}` is empty"),
            fix: Some(Fix::Text(format!(
                "leave `{key}` out for its default, or name it"
            ))),
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::CursorPaginator;

    #[test]
    fn an_offset_paginator_needs_a_page_size() {
        let mut p = OffsetPaginator::new(0);
        p.limit_param = String::new();
        let paths: Vec<String> = problems(&PaginatorSpec::Offset(p), "paginator")
            .into_iter()
            .map(|p| p.path)
            .collect();
        assert_eq!(paths, ["paginator.limit", "paginator.limit_param"]);
        assert_eq!(problems(&OffsetPaginator::new(10).into(), "p"), []);
    }

    #[test]
    fn a_page_number_paginator_without_a_stop_never_ends() {
        let p = PageNumberPaginator::default().stop_after_empty_page(false);
        let found = problems(&p.clone().into(), "resources.r.endpoint.paginator");
        assert_eq!(found[0].path, "resources.r.endpoint.paginator");
        assert!(found[0].message.contains("could never stop"));
        assert_eq!(problems(&p.maximum_page(3).into(), "p"), []);
    }

    #[test]
    fn empty_parameter_names_are_named() {
        let p = CursorPaginator::new("next", "");
        let found = problems(&p.into(), "paginator");
        assert_eq!(found[0].path, "paginator.cursor_param");
        assert_eq!(
            first_problem(&PaginatorSpec::Offset(OffsetPaginator::new(0))).unwrap(),
            "the `offset` paginator's `limit` is the page size and cannot be 0; set the records per page, e.g. `limit = 100`"
        );
    }
}
