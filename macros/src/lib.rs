//! Procedural macros for `rest-source`. Use them through the `rest-source` crate, which
//! re-exports them together with the runtime the generated code needs.
//!
//! This file is the proc-macro shim; the logic is plain code (parse → validate → expand)
//! in the modules below, unit-tested on `syn::parse_quote!` input.

mod ast;
mod attr;
mod auth;
mod ctxt;
mod entry;
mod expand;
mod schema;
mod suggest;
mod valid;

use proc_macro::TokenStream;

/// Describes a REST API source on a struct and expands into a typed client. See the
/// `rest-source` crate documentation.
#[proc_macro_attribute]
pub fn rest_source(args: TokenStream, item: TokenStream) -> TokenStream {
    let env = schema::Env {
        manifest_dir: std::env::var_os("CARGO_MANIFEST_DIR").map(Into::into),
        source_file: proc_macro::Span::call_site().local_file(),
    };
    entry::rest_source(args.into(), item.into(), &env).into()
}

/// Only meaningful on a `#[resource]` field inside `#[rest_source]`; anywhere else it is an
/// error that says so.
#[proc_macro_attribute]
pub fn auth(args: TokenStream, item: TokenStream) -> TokenStream {
    entry::misplaced("auth", args.into(), item.into()).into()
}

/// Only meaningful on a field inside `#[rest_source]`; anywhere else it is an error that
/// says so.
#[proc_macro_attribute]
pub fn resource(args: TokenStream, item: TokenStream) -> TokenStream {
    entry::misplaced("resource", args.into(), item.into()).into()
}
