//! The request side of `#[resource(…)]` beyond the path, as the model holds it: query
//! parameters and `incremental(…)`. Values are literals checked where they are read
//! (`args/values.rs`); placeholders in `params` are checked in `valid.rs`, which sees the
//! whole source.

use syn::{Expr, Lit, LitStr};

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
