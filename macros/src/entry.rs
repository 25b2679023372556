//! The macro entry points as plain functions: parse → validate → expand, and on any error
//! every error together plus the struct as declared.

use proc_macro2::TokenStream;
use quote::quote;

use crate::ast::Source;
use crate::ctxt::Ctxt;
use crate::schema::Env;
use crate::{expand, valid};

pub fn rest_source(args: TokenStream, input: TokenStream, env: &Env) -> TokenStream {
    let item: syn::DeriveInput = match syn::parse2(input.clone()) {
        Ok(item) => item,
        Err(_) => {
            let error = syn::Error::new(
                proc_macro2::Span::call_site(),
                "`#[rest_source]` goes on a struct with named fields (resources and parameters)",
            )
            .to_compile_error();
            return quote!(#error #input);
        }
    };
    let cx = Ctxt::new();
    let output = Source::from_syn(&cx, args, &item).map(|source| {
        let plan = valid::validate(&cx, &source, env);
        (source, plan)
    });
    match (cx.finish(), output) {
        (None, Some((source, plan))) => expand::expand(&source, &plan),
        (error, _) => {
            let error = error.map(|e| e.to_compile_error());
            let item = expand::fallback(&item);
            quote!(#error #item)
        }
    }
}

/// `#[auth]` / `#[resource]` used outside a `#[rest_source]` struct.
pub fn misplaced(name: &str, _args: TokenStream, item: TokenStream) -> TokenStream {
    let message = format!(
        "`#[{name}]` only works on a field of a `#[rest_source(…)]` struct: put `#[rest_source(base_url = …)]` on the struct, or move this attribute onto one of its `#[resource]` fields"
    );
    let error = syn::Error::new(proc_macro2::Span::call_site(), message).to_compile_error();
    quote!(#error #item)
}
