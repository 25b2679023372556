//! `single_page`: one request, no pagination.

use url::Url;

use super::{PageResponse, Paginator};
use crate::error::Result;

/// Ends the stream after the first page.
#[derive(Debug, Default, Clone, Copy)]
pub struct SinglePage;

impl Paginator for SinglePage {
    fn next_request(&mut self, _page: &PageResponse<'_>) -> Result<Option<Url>> {
        Ok(None)
    }

    fn kind(&self) -> &'static str {
        "single_page"
    }
}
