//! The request side of `#[resource(…)]` beyond the path, as the model holds it: query
//! parameters and `incremental(…)`. Values are literals checked where they are read
//! (`args/values.rs`); placeholders in `params` are checked in `valid.rs`, which sees the
//! whole source.

use syn::{Expr, Lit, LitStr};

/// `data(…)` or `data = "…"`: dlt's `data`, a form body (sent
/// `application/x-www-form-urlencoded`) or a raw body.
pub enum DataBody {
    /// `data("grant" = "all", "contact" = "{contacts.id}")`: form fields (literal strings,
    /// numbers, bools; strings may hold placeholders).
    Form(Vec<QueryParam>),
    /// `data = "raw text"`: sent as it is.
    Raw(LitStr),
}

impl DataBody {
    /// The span to point at for the whole body.
    pub fn span(&self) -> proc_macro2::Span {
        match self {
            DataBody::Form(fields) => fields
                .first()
                .map_or_else(proc_macro2::Span::call_site, |f| f.name.span()),
            DataBody::Raw(lit) => lit.span(),
        }
    }
}

/// One `"name" = value` of `params(…)`: a string (may hold `{param}` / `{parent.field}`
/// placeholders), a number or a bool.
pub struct QueryParam {
    pub name: LitStr,
    pub value: Expr,
}

impl QueryParam {
    /// The string value, when it is one (placeholders live there).
    pub fn str_value(&self) -> Option<&LitStr> {
        match &self.value {
            Expr::Lit(syn::ExprLit {
                lit: Lit::Str(s), ..
            }) => Some(s),
            _ => None,
        }
    }
}

/// `incremental(cursor_path = …, start_param = …, …)`, dlt's names.
pub struct Incremental {
    pub cursor_path: LitStr,
    pub start_param: Option<LitStr>,
    pub end_param: Option<LitStr>,
    pub initial_value: Option<Expr>,
    pub end_value: Option<Expr>,
}
