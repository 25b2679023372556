//! What the macro emits when it reports an error: the struct as declared plus a stand-in for
//! everything a successful expansion generates (`builder()`, the builder's setters and
//! `build()`, `secrets…`, `<Name>Secrets`, `check()`, `source_spec()`, `SOURCE_NAME`, `SECRET_KEYS`), so the
//! user's own code still type-checks and only the real error shows (thiserror's
//! `fallback.rs`, clap's `dummies.rs`).
//!
//! The stand-ins never run: the crate does not compile while the macro reports an error. The
//! builder is an empty struct whose methods hand it on, and what would need real values (a
//! built source, resolved secrets) diverges with `loop {}`. Every return type is inhabited,
//! so rustc sees nothing unreachable in the user's code and warns about nothing. The
//! stand-ins are read from the tokens as written, not from what parsing understood, so a
//! mistake the parser stopped at does not take a stand-in with it.

use proc_macro2::{Delimiter, Ident, Span, TokenStream, TokenTree};
use quote::{format_ident, quote};
use syn::ext::IdentExt;

use crate::ast::is_resource_type;
use crate::attr::is_secret_key;

/// The item as declared (our attributes removed) and the stand-ins.
pub fn expand(item: &syn::DeriveInput, args: &TokenStream) -> TokenStream {
    let declared = declared(item);
    // A generic struct is itself an error; its stand-ins would need the generics threaded
    // through every one of them, for a case the user has to change anyway.
    if !item.generics.params.is_empty() {
        return declared;
    }
    let stand_ins = stand_ins(item, args);
    quote!(#declared #stand_ins)
}

/// The struct as declared, without `#[resource]` / `#[auth]` (they are not real attributes
/// outside the macro and would each report a second error).
fn declared(item: &syn::DeriveInput) -> TokenStream {
    let mut item = item.clone();
    let ours = |a: &syn::Attribute| a.path().is_ident("resource") || a.path().is_ident("auth");
    item.attrs.retain(|a| !ours(a));
    if let syn::Data::Struct(data) = &mut item.data {
        for f in data.fields.iter_mut() {
            f.attrs.retain(|a| !ours(a));
        }
    }
    // `DeriveInput` prints as the item it was parsed from.
    quote!(#item)
}

fn stand_ins(item: &syn::DeriveInput, args: &TokenStream) -> TokenStream {
    let rt = crate::expand::rt();
    let ident = &item.ident;
    let vis = &item.vis;
    let secrets_ident = format_ident!("{}Secrets", ident);
    let builder_ident = format_ident!("{}Builder", ident);
    let source_name = source_name(item, args);
    let keys = secret_keys(item, args);
    let key_idents = keys.iter().map(|k| key_ident(k));

    let builder_impl = builder_impl(item, &builder_ident, &secrets_ident);

    quote! {
        // Hidden: a crate with `#![warn(missing_docs)]` gets no warnings about stand-ins.
        #[doc(hidden)]
        #[allow(dead_code)]
        #[derive(::core::clone::Clone, ::core::fmt::Debug)]
        #vis struct #secrets_ident {
            #(pub #key_idents: #rt::Secret,)*
        }

        #[doc(hidden)]
        #[allow(dead_code)]
        #[must_use]
        #vis struct #builder_ident {}

        const _: () = {
            #[automatically_derived]
            #[doc(hidden)]
            #[allow(dead_code)]
            impl #ident {
                pub const SOURCE_NAME: &'static str = #source_name;
                pub const SECRET_KEYS: &'static [&'static str] = &[#(#keys),*];

                pub fn auth_spec() -> ::core::option::Option<#rt::spec::AuthSpec> {
                    ::core::option::Option::None
                }

                pub fn builder() -> #builder_ident {
                    #builder_ident {}
                }

                pub fn source_spec(&self) -> &#rt::spec::SourceSpec {
                    loop {}
                }

                pub async fn check(&self) -> #rt::Result<()> {
                    loop {}
                }
            }

            #[automatically_derived]
            #[doc(hidden)]
            #[allow(dead_code)]
            impl #secrets_ident {
                pub const KEYS: &'static [&'static str] = &[#(#keys),*];

                pub fn from_values(__values: &#rt::spec::SecretValues) -> #rt::Result<Self> {
                    loop {}
                }

                pub fn from_resolver(
                    __resolver: &#rt::SecretResolver,
                ) -> ::core::result::Result<Self, #rt::MissingSecrets> {
                    loop {}
                }

                pub fn to_values(&self) -> #rt::spec::SecretValues {
                    loop {}
                }
            }

            #builder_impl
        };
    }
}

/// The stand-in builder's methods: every setter and override hands the builder on; `build`
/// diverges.
fn builder_impl(
    item: &syn::DeriveInput,
    builder_ident: &Ident,
    secrets_ident: &Ident,
) -> TokenStream {
    let rt = crate::expand::rt();
    let ident = &item.ident;
    let setters = parameters(item).into_iter().map(|(name, ty)| {
        quote! {
            pub fn #name(self, __value: impl ::core::convert::Into<#ty>) -> Self {
                self
            }
        }
    });
    quote! {
    #[automatically_derived]
    #[doc(hidden)]
    #[allow(dead_code)]
    impl #builder_ident {
        #(#setters)*

        pub fn secrets(self, __secrets: #secrets_ident) -> Self {
            self
        }

        pub fn secrets_from(
            self,
            __values: &#rt::spec::SecretValues,
        ) -> #rt::Result<Self> {
            ::core::result::Result::Ok(self)
        }

        pub fn secrets_from_resolver(
            self,
            __resolver: &#rt::SecretResolver,
        ) -> ::core::result::Result<Self, #rt::MissingSecrets> {
            ::core::result::Result::Ok(self)
        }

        pub fn secrets_from_env(
            self,
        ) -> ::core::result::Result<Self, #rt::MissingSecrets> {
            ::core::result::Result::Ok(self)
        }

        pub fn base_url(self, __url: impl ::core::convert::Into<::std::string::String>) -> Self {
            self
        }

        pub fn access_token_url(self, __url: impl ::core::convert::Into<::std::string::String>) -> Self {
            self
        }

        pub fn login_url(self, __url: impl ::core::convert::Into<::std::string::String>) -> Self {
            self
        }

        pub fn token_store(self, __location: impl ::core::convert::Into<::std::string::String>) -> Self {
            self
        }

        pub fn configure_client(
            self,
            __f: impl ::core::ops::FnOnce(#rt::RestClientBuilder) -> #rt::RestClientBuilder + 'static,
        ) -> Self {
            self
        }

        pub fn build(self) -> #rt::Result<#ident> {
            loop {}
        }
    }
    }
}

/// The fields that would be source parameters: neither `#[resource]` nor a `Resource<…>`
/// (one without `#[resource]` is an error of its own, not a parameter to set).
fn parameters(item: &syn::DeriveInput) -> Vec<(&Ident, &syn::Type)> {
    let syn::Data::Struct(data) = &item.data else {
        return Vec::new();
    };
    data.fields
        .iter()
        .filter(|f| !f.attrs.iter().any(|a| a.path().is_ident("resource")))
        .filter(|f| !is_resource_type(&f.ty))
        .filter_map(|f| Some((f.ident.as_ref()?, &f.ty)))
        .collect()
}

/// `name = "…"` among the source's arguments, else the struct name in snake_case.
fn source_name(item: &syn::DeriveInput, args: &TokenStream) -> String {
    let tokens: Vec<TokenTree> = args.clone().into_iter().collect();
    let named = tokens.windows(3).find_map(|w| match w {
        [
            TokenTree::Ident(key),
            TokenTree::Punct(eq),
            TokenTree::Literal(lit),
        ] if key == "name" && eq.as_char() == '=' => match syn::Lit::new(lit.clone()) {
            syn::Lit::Str(s) => Some(s.value()),
            _ => None,
        },
        _ => None,
    });
    named.unwrap_or_else(|| crate::ast::snake_case(&item.ident.unraw().to_string()))
}

/// Every well-formed `secret("key")` in the source's arguments and the fields' `#[resource]`
/// / `#[auth]` attributes, in order of first appearance: the fields `<Name>Secrets` would
/// have, so code that fills them keeps compiling.
fn secret_keys(item: &syn::DeriveInput, args: &TokenStream) -> Vec<String> {
    let mut keys = Vec::new();
    collect_secret_keys(args.clone(), &mut keys);
    if let syn::Data::Struct(data) = &item.data {
        for a in data.fields.iter().flat_map(|f| &f.attrs) {
            if a.path().is_ident("resource") || a.path().is_ident("auth") {
                collect_secret_keys(quote!(#a), &mut keys);
            }
        }
    }
    keys
}

fn collect_secret_keys(tokens: TokenStream, keys: &mut Vec<String>) {
    let tokens: Vec<TokenTree> = tokens.into_iter().collect();
    for (i, tree) in tokens.iter().enumerate() {
        let TokenTree::Group(group) = tree else {
            continue;
        };
        let after_secret = matches!(
            i.checked_sub(1).map(|j| &tokens[j]),
            Some(TokenTree::Ident(name)) if name == "secret"
        );
        if after_secret
            && group.delimiter() == Delimiter::Parenthesis
            && let Ok(syn::Lit::Str(key)) = syn::parse2::<syn::Lit>(group.stream())
            && is_secret_key(&key.value())
            && !keys.contains(&key.value())
        {
            keys.push(key.value());
        }
        collect_secret_keys(group.stream(), keys);
    }
}

/// A field name for a secret key (raw when the key is a keyword).
fn key_ident(key: &str) -> Ident {
    match syn::parse_str::<Ident>(key) {
        Ok(_) => Ident::new(key, Span::call_site()),
        Err(_) => Ident::new_raw(key, Span::call_site()),
    }
}

#[cfg(test)]
mod tests {
    use quote::quote;
    use syn::parse_quote;

    use super::*;

    #[test]
    fn secret_keys_are_read_from_every_attribute_in_order() {
        let item: syn::DeriveInput = parse_quote! {
            struct Api {
                region: String,
                #[resource(path = "a", headers("X-Key" = secret("header_key")))]
                #[auth(bearer(token = secret("token")))]
                a: Resource<u8>,
            }
        };
        let args = quote!(
            base_url = "https://a.example",
            auth = http_basic(username = secret("user"), password = secret("token")),
            headers("X" = secret("Not-A-Key"))
        );
        assert_eq!(secret_keys(&item, &args), ["user", "token", "header_key"]);
    }

    #[test]
    fn the_source_name_is_the_name_argument_or_the_snake_case_struct_name() {
        let item: syn::DeriveInput = parse_quote!(
            struct MyCrm {}
        );
        assert_eq!(source_name(&item, &quote!(base_url = "x")), "my_crm");
        assert_eq!(
            source_name(&item, &quote!(base_url = "x", name = "crm")),
            "crm"
        );
    }

    #[test]
    fn parameters_are_the_fields_that_are_not_resources() {
        let item: syn::DeriveInput = parse_quote! {
            struct Api {
                region: String,
                #[resource(path = "a")]
                a: Vec<u8>,
                forgot_the_attribute: rest_source::Resource<u8>,
            }
        };
        let names: Vec<String> = parameters(&item)
            .iter()
            .map(|(i, _)| i.to_string())
            .collect();
        assert_eq!(names, ["region"]);
    }

    #[test]
    fn stand_ins_parse_as_items_and_carry_the_generated_names() {
        let item: syn::DeriveInput = parse_quote! {
            pub struct Api {
                pub r#type: String,
                #[resource(path = "a")]
                pub a: Resource<u8>,
            }
        };
        let out = expand(&item, &quote!(auth = bearer(token = secret("type"))));
        let file: syn::File = syn::parse2(out.clone()).expect("the stand-ins parse");
        assert_eq!(file.items.len(), 4, "struct, secrets, builder, impls");
        let text = out.to_string();
        for expected in [
            "pub struct ApiSecrets",
            "pub r#type : :: rest_source :: __private :: rt :: Secret",
            "pub struct ApiBuilder",
            "pub fn r#type",
            "pub fn builder",
            "pub fn build",
            "pub fn token_store",
            "pub async fn check",
            "pub fn source_spec",
            "SOURCE_NAME : & 'static str = \"api\"",
        ] {
            assert!(text.contains(expected), "{expected} in {text}");
        }
        assert!(!text.contains("# [resource"), "{text}");
    }
}
