//! `<Name>Builder`: the type-state builder (`build` exists once every parameter and the
//! secrets are set), its setters and overrides, and `build()`, which writes the source as a
//! `SourceSpec` and hands it to the runtime's one assembly step.

use proc_macro2::{Ident, TokenStream};
use quote::{format_ident, quote, quote_spanned};
use syn::ext::IdentExt;
use syn::spanned::Spanned;

use super::auth::custom_builder;
use super::model::source_spec;
use super::{Names, private, rt};
use crate::ast::{FieldKind, Source};
use crate::valid::Plan;

/// The builder struct, in a hidden module of its own: its state is private to that module,
/// so rustc's hint for a forgotten `.build()` (`no field `contacts` on type `CrmBuilder``)
/// lists no internal fields. The generated impls outside reach the state through the
/// module's `pub(super)` helpers; the struct is re-exported with the source's visibility.
pub fn builder_struct(n: &Names) -> TokenStream {
    let p = private();
    let (vis, ident, builder_ident, m) = (n.vis, n.ident, &n.builder_ident, &n.builder_mod);
    let (generics, param_idents) = (&n.generics, &n.param_idents);
    let doc = format!(
        "Builds [`{ident}`]: set every parameter and the secrets, then call `build`. A missing parameter is a compile error (`build` does not exist yet)."
    );
    quote! {
        #[doc(hidden)]
        #[allow(non_snake_case)]
        mod #m {
            #[doc = #doc]
            #[must_use]
            pub struct #builder_ident<#(#generics,)* __S> {
                __parts: __Parts<#(#generics,)* __S>,
            }

            /// The builder's state, read and written by the generated code only.
            pub struct __Parts<#(#generics,)* __S> {
                #(pub #param_idents: #generics,)*
                pub __secrets: __S,
                pub __base_url: ::core::option::Option<::std::string::String>,
                pub __access_token_url: ::core::option::Option<::std::string::String>,
                pub __login_url: ::core::option::Option<::std::string::String>,
                pub __token_store: ::core::option::Option<::std::string::String>,
                pub __configure: ::std::vec::Vec<#p::Configure>,
            }

            #[automatically_derived]
            impl<#(#generics,)* __S> #builder_ident<#(#generics,)* __S> {
                pub(super) fn __from_parts(__parts: __Parts<#(#generics,)* __S>) -> Self {
                    #builder_ident { __parts }
                }

                pub(super) fn __into_parts(self) -> __Parts<#(#generics,)* __S> {
                    self.__parts
                }

                pub(super) fn __parts_mut(&mut self) -> &mut __Parts<#(#generics,)* __S> {
                    &mut self.__parts
                }
            }
        }
        #vis use #m::#builder_ident;
    }
}

/// The fields every builder state carries besides the parameters, moved from `__parts`.
fn carried() -> TokenStream {
    quote! {
        __base_url: __parts.__base_url,
        __access_token_url: __parts.__access_token_url,
        __login_url: __parts.__login_url,
        __token_store: __parts.__token_store,
        __configure: __parts.__configure,
    }
}

/// One setter per parameter, only while that parameter is unset.
pub fn param_setters(n: &Names) -> TokenStream {
    let p = private();
    let (builder_ident, m) = (&n.builder_ident, &n.builder_mod);
    let carried = carried();
    let setters = n.params.iter().enumerate().map(|(i, (name, ty))| {
        let pick = |set: TokenStream| -> Vec<TokenStream> {
            n.generics
                .iter()
                .enumerate()
                .map(|(j, g)| if i == j { set.clone() } else { quote!(#g) })
                .collect()
        };
        let (before, after) = (pick(quote!(#p::Unset)), pick(quote!(#ty)));
        let others = n
            .generics
            .iter()
            .enumerate()
            .filter(|(j, _)| *j != i)
            .map(|(_, g)| g);
        let moves = n.param_idents.iter().map(|other| {
            if other == name {
                quote!(#other: ::core::convert::Into::into(__value))
            } else {
                quote!(#other: __parts.#other)
            }
        });
        let doc = format!("Sets the source parameter `{name}`.");
        quote! {
            #[automatically_derived]
            impl<#(#others,)* __S> #builder_ident<#(#before,)* __S> {
                #[doc = #doc]
                pub fn #name(self, __value: impl ::core::convert::Into<#ty>) -> #builder_ident<#(#after,)* __S> {
                    let __parts = self.__into_parts();
                    #builder_ident::__from_parts(#m::__Parts {
                        #(#moves,)*
                        __secrets: __parts.__secrets,
                        #carried
                    })
                }
            }
        }
    });
    quote!(#(#setters)*)
}

/// `secrets`, `secrets_from`, `secrets_from_resolver`, `secrets_from_env` (a source without
/// secrets starts with them set).
pub fn secrets_setters(n: &Names) -> TokenStream {
    if n.keys.is_empty() {
        return TokenStream::new();
    }
    let p = private();
    let rt = rt();
    let (builder_ident, secrets_ident) = (&n.builder_ident, &n.secrets_ident);
    let (generics, param_idents, m) = (&n.generics, &n.param_idents, &n.builder_mod);
    let source_name = &n.source_name;
    let carried = carried();
    quote! {
        #[automatically_derived]
        impl<#(#generics),*> #builder_ident<#(#generics,)* #p::Unset> {
            /// Sets the secrets from the typed struct.
            pub fn secrets(self, __secrets: #secrets_ident) -> #builder_ident<#(#generics,)* #secrets_ident> {
                let __parts = self.__into_parts();
                #builder_ident::__from_parts(#m::__Parts {
                    #(#param_idents: __parts.#param_idents,)*
                    __secrets,
                    #carried
                })
            }

            /// Sets the secrets from resolved values; every missing key is named in one
            /// error.
            pub fn secrets_from(
                self,
                __values: &#rt::spec::SecretValues,
            ) -> #rt::Result<#builder_ident<#(#generics,)* #secrets_ident>> {
                ::core::result::Result::Ok(self.secrets(#secrets_ident::from_values(__values)?))
            }

            /// Resolves the secrets with `resolver` (explicit values, then environment,
            /// then dlt-layout `secrets.toml`); every missing key is named in one error.
            pub fn secrets_from_resolver(
                self,
                __resolver: &#rt::SecretResolver,
            ) -> ::core::result::Result<#builder_ident<#(#generics,)* #secrets_ident>, #rt::MissingSecrets> {
                ::core::result::Result::Ok(self.secrets(#secrets_ident::from_resolver(__resolver)?))
            }

            /// Resolves the secrets of this source from the environment and the dlt-layout
            /// `secrets.toml` (`sources.<name>.<key>`); every missing key is named in one
            /// error.
            pub fn secrets_from_env(
                self,
            ) -> ::core::result::Result<#builder_ident<#(#generics,)* #secrets_ident>, #rt::MissingSecrets> {
                self.secrets_from_resolver(&#rt::SecretResolver::for_source(#source_name))
            }
        }
    }
}

/// `base_url`, `access_token_url`, `login_url`, `token_store` and `configure_client`, on
/// every state.
pub fn overrides(n: &Names) -> TokenStream {
    let rt = rt();
    let (builder_ident, generics) = (&n.builder_ident, &n.generics);
    quote! {
        #[automatically_derived]
        impl<#(#generics,)* __S> #builder_ident<#(#generics,)* __S> {
            /// Replaces the base URL (for a test server or another environment).
            pub fn base_url(mut self, __url: impl ::core::convert::Into<::std::string::String>) -> Self {
                self.__parts_mut().__base_url = ::core::option::Option::Some(__url.into());
                self
            }

            /// Replaces the `access_token_url` of every OAuth2 auth of the source
            /// (`oauth2_client_credentials`, `oauth2_refresh_token`, `oauth2_jwt_bearer`;
            /// for a test server or another environment). A `custom(…)` auth receives it
            /// as its `access_token_url` argument.
            pub fn access_token_url(mut self, __url: impl ::core::convert::Into<::std::string::String>) -> Self {
                self.__parts_mut().__access_token_url = ::core::option::Option::Some(__url.into());
                self
            }

            /// Replaces the `login_url` of every `session_token` auth of the source (for a
            /// test server or another environment). A `custom(…)` auth receives it as its
            /// `login_url` argument.
            pub fn login_url(mut self, __url: impl ::core::convert::Into<::std::string::String>) -> Self {
                self.__parts_mut().__login_url = ::core::option::Option::Some(__url.into());
                self
            }

            /// Sets where every `oauth2_refresh_token` auth of the source keeps its rotated
            /// refresh token, replacing a `token_store` the attribute names: a JSON file
            /// path or `file://` URL, or `s3://…`, `gs://…`, `az://…`, `memory://…` (see
            /// `shared_store::token_store_at`). A `custom(…)` auth receives it as its
            /// `token_store` argument. One location for every such auth: two distinct
            /// refresh-token auths in one store are refused at `build()`, since each would
            /// overwrite the other's token.
            pub fn token_store(mut self, __location: impl ::core::convert::Into<::std::string::String>) -> Self {
                self.__parts_mut().__token_store = ::core::option::Option::Some(__location.into());
                self
            }

            /// Adjusts the HTTP client (timeouts, retries, user agent) before it is built.
            pub fn configure_client(
                mut self,
                __f: impl ::core::ops::FnOnce(#rt::RestClientBuilder) -> #rt::RestClientBuilder + 'static,
            ) -> Self {
                self.__parts_mut().__configure.push(::std::boxed::Box::new(__f));
                self
            }
        }
    }
}

/// The traits that bound `build` per parameter (and for the secrets): only the set state
/// implements them, so a missing parameter is a compile error that names it (through
/// `#[diagnostic::on_unimplemented]`) instead of "no method named `build`".
pub fn set_traits(n: &Names) -> TokenStream {
    let ident = n.ident;
    let defs = n.params.iter().zip(&n.set_traits).map(|((name, ty), tr)| {
        let message = format!("the source parameter `{name}` of `{ident}` is not set");
        let label = format!("call `.{name}(…)` before `.build()`");
        quote! {
            #[diagnostic::on_unimplemented(message = #message, label = #label)]
            #[allow(non_camel_case_types)]
            pub trait #tr {
                fn __take(self) -> #ty;
            }
            impl #tr for #ty {
                fn __take(self) -> #ty {
                    self
                }
            }
        }
    });
    let (secrets_trait, secrets_ident) = (&n.secrets_trait, &n.secrets_ident);
    let message = format!("the secrets of `{ident}` are not set");
    let label = "call `.secrets(…)`, `.secrets_from_env()?` or `.secrets_from_resolver(…)?` before `.build()`";
    quote! {
        #(#defs)*

        #[diagnostic::on_unimplemented(message = #message, label = #label)]
        #[allow(non_camel_case_types)]
        pub trait #secrets_trait {
            fn __take(self) -> #secrets_ident;
        }
        impl #secrets_trait for #secrets_ident {
            fn __take(self) -> #secrets_ident {
                self
            }
        }
    }
}

/// `build()`: the source as a `SourceSpec` (builder overrides applied), assembled by the
/// runtime; each resource field takes its resource, typed.
pub fn build_fn(source: &Source, plan: &Plan, n: &Names) -> TokenStream {
    let p = private();
    let rt = rt();
    let (ident, builder_ident, generics) = (n.ident, &n.builder_ident, &n.generics);
    let (set_traits, secrets_trait) = (&n.set_traits, &n.secrets_trait);
    let param_locals = n.param_idents.iter().zip(set_traits).map(|(name, tr)| {
        let local = format_ident!("__param_{}", name);
        quote!(let #local = #tr::__take(__parts.#name);)
    });
    let spec = source_spec(source, plan);
    let customs: Vec<_> = plan.groups.iter().flatten().collect();
    let custom = custom_builder(&customs);
    let resources: Vec<(usize, &Ident, &syn::Type)> = source
        .resources()
        .filter(|(f, _)| plan.resources.contains_key(&f.ident.unraw().to_string()))
        .enumerate()
        .map(|(i, (f, _))| (i, &f.ident, &f.field.ty))
        .collect();
    // Spanned on the field's type, so a field that is not `Resource<…>` is reported there.
    let resource_lets = resources.iter().map(|(i, name, ty)| {
        let local = format_ident!("__res_{}", name);
        quote_spanned! {ty.span()=>
            let #local: #ty = __resources[#i].typed();
        }
    });
    let field_inits = source.fields.iter().map(|f| {
        let name = &f.ident;
        let local = match f.kind {
            FieldKind::Param => format_ident!("__param_{}", name),
            FieldKind::Resource(_) => format_ident!("__res_{}", name),
        };
        quote!(#name: #local)
    });
    quote! {
        #[automatically_derived]
        impl<#(#generics,)* __S> #builder_ident<#(#generics,)* __S> {
            /// Builds the source: one HTTP client, one auth strategy per distinct auth
            /// (shared, so one token cache each), and every resource. Exists once every
            /// parameter and the secrets are set (a compile error names what is missing).
            pub fn build(self) -> #rt::Result<#ident>
            where
                #(#generics: #set_traits,)*
                __S: #secrets_trait,
            {
                let __parts = self.__into_parts();
                let __values = #secrets_trait::__take(__parts.__secrets).to_values();
                let __base_url = __parts.__base_url;
                let __access_token_url = __parts.__access_token_url;
                let __login_url = __parts.__login_url;
                let __token_store = __parts.__token_store;
                #(#param_locals)*
                let __spec: #rt::spec::SourceSpec = #spec;
                let (__resources, __state) =
                    #p::assemble(&__spec, &__values, __parts.__configure, #custom)?;
                #(#resource_lets)*
                ::core::result::Result::Ok(#ident {
                    #(#field_inits,)*
                    __put_rest_source_above_derives: __state,
                })
            }
        }
    }
}
