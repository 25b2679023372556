//! `<Name>Secrets`: one `Secret` field per referenced key, and its conversions.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use super::{Names, rt};

/// The struct (outside the `const _` block: users name it).
pub fn secrets_struct(n: &Names) -> TokenStream {
    let rt = rt();
    let (vis, ident, secrets_ident) = (n.vis, n.ident, &n.secrets_ident);
    let key_idents = &n.key_idents;
    let doc = format!(
        "The secrets of [`{ident}`]: one field per `secret(\"…\")` key it references. Looked up as `sources.{}.<key>` (dlt layout).",
        n.source_name
    );
    let key_docs = n.keys.iter().map(|k| format!("`secret(\"{k}\")`"));
    quote! {
        #[doc = #doc]
        #[derive(::core::clone::Clone, ::core::fmt::Debug)]
        #vis struct #secrets_ident {
            #(#[doc = #key_docs] pub #key_idents: #rt::Secret,)*
        }
    }
}

/// `KEYS`, `from_values`, `from_resolver` and `to_values`.
pub fn secrets_impl(n: &Names) -> TokenStream {
    let rt = rt();
    let (secrets_ident, source_name) = (&n.secrets_ident, &n.source_name);
    let (keys, key_idents) = (&n.keys, &n.key_idents);
    let key_locals: Vec<_> = keys
        .iter()
        .map(|k| format_ident!("__secret_{}", k))
        .collect();
    quote! {
        #[automatically_derived]
        impl #secrets_ident {
            /// The secret keys, in order of first reference.
            pub const KEYS: &'static [&'static str] = &[#(#keys),*];

            /// Reads every key from `values`; all missing keys are named in one error.
            pub fn from_values(__values: &#rt::spec::SecretValues) -> #rt::Result<Self> {
                __values.require(Self::KEYS)?;
                ::core::result::Result::Ok(#secrets_ident {
                    #(#key_idents: ::core::clone::Clone::clone(__values.get(#keys)?),)*
                })
            }

            /// Resolves every key with `resolver`; all missing keys in one error that
            /// names the source and every place tried.
            pub fn from_resolver(
                __resolver: &#rt::SecretResolver,
            ) -> ::core::result::Result<Self, #rt::MissingSecrets> {
                let [#(#key_locals),*] = __resolver.resolve_array([#(#keys),*])?;
                ::core::result::Result::Ok(#secrets_ident { #(#key_idents: #key_locals),* })
            }

            /// The secrets as key/value pairs for the runtime.
            pub fn to_values(&self) -> #rt::spec::SecretValues {
                let mut __values = #rt::spec::SecretValues::new(#source_name);
                #(__values.insert(#keys, ::core::clone::Clone::clone(&self.#key_idents));)*
                __values
            }
        }
    }
}
