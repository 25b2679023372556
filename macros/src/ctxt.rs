//! [`Ctxt`]: collects every error of one expansion so the user sees them all in one compile
//! (serde's `internals/ctxt.rs`).

use std::cell::RefCell;
use std::fmt::Display;

use proc_macro2::Span;
use quote::ToTokens;

/// The errors found so far. Consumed by [`Ctxt::finish`], which combines them.
#[derive(Default)]
pub struct Ctxt {
    errors: RefCell<Vec<syn::Error>>,
}

impl Ctxt {
    pub fn new() -> Self {
        Ctxt::default()
    }

    /// An error spanning `tokens` (the narrowest thing at fault).
    pub fn error_spanned_by(&self, tokens: impl ToTokens, message: impl Display) {
        self.push(syn::Error::new_spanned(tokens.into_token_stream(), message));
    }

    /// An error at `span`.
    pub fn error_at(&self, span: Span, message: impl Display) {
        self.push(syn::Error::new(span, message));
    }

    pub fn push(&self, error: syn::Error) {
        self.errors.borrow_mut().push(error);
    }

    /// All errors combined into one (each keeps its span), or `None`.
    #[must_use]
    pub fn finish(self) -> Option<syn::Error> {
        let mut errors = self.errors.into_inner().into_iter();
        let mut first = errors.next()?;
        for error in errors {
            first.combine(error);
        }
        Some(first)
    }

    #[cfg(test)]
    pub fn messages(self) -> Vec<String> {
        self.errors
            .into_inner()
            .into_iter()
            .map(|e| e.to_string())
            .collect()
    }
}
