//! Code generation. Everything generated reaches the runtime through
//! `::rest_source::__private`, so users add no dependencies; impls sit in `const _: () = …`.
//!
//! For `struct Crm` the expansion is: the struct (fields as declared plus a hidden state
//! field), `CrmSecrets` (one `Secret` field per referenced key), the type-state builder
//! `CrmBuilder` (`build` exists only once every parameter and the secrets are set), and
//! `Crm::{builder, check, SOURCE_NAME, SECRET_KEYS}`.

use proc_macro2::{Ident, Span, TokenStream};
use quote::{format_ident, quote, quote_spanned};
use syn::spanned::Spanned;

use crate::ast::{FieldKind, Source};
use crate::attr::{Paginator, Value};
use crate::auth::{AuthDef, AuthForm, TokenShape};
use crate::valid::Plan;
use syn::ext::IdentExt;

fn private() -> TokenStream {
    quote!(::rest_source::__private)
}

fn rt() -> TokenStream {
    quote!(::rest_source::__private::rt)
}

/// A field name for a secret key (raw identifier when the key is a keyword).
fn key_ident(key: &str) -> Ident {
    match syn::parse_str::<Ident>(key) {
        Ok(_) => Ident::new(key, Span::call_site()),
        Err(_) => Ident::new_raw(key, Span::call_site()),
    }
}

pub fn expand(source: &Source, plan: &Plan) -> TokenStream {
    let p = private();
    let rt = rt();
    let ident = &source.ident;
    let vis = &source.vis;
    let attrs = &source.attrs;
    let fields = source.fields.iter().map(|f| &f.field);
    let secrets_ident = format_ident!("{}Secrets", ident);
    let builder_ident = format_ident!("{}Builder", ident);
    let source_name = source.source_name();
    let keys = &plan.secret_keys;
    let key_idents: Vec<Ident> = keys.iter().map(|k| key_ident(k)).collect();
    let key_locals: Vec<Ident> = keys
        .iter()
        .map(|k| format_ident!("__secret_{}", k))
        .collect();

    let params: Vec<(&Ident, &syn::Type)> =
        source.params().map(|f| (&f.ident, &f.field.ty)).collect();
    let generics: Vec<Ident> = (0..params.len())
        .map(|i| format_ident!("__P{}", i))
        .collect();
    let param_idents: Vec<&Ident> = params.iter().map(|(i, _)| *i).collect();
    let secrets_start = if keys.is_empty() {
        quote!(#secrets_ident)
    } else {
        quote!(#p::Unset)
    };
    let secrets_init = if keys.is_empty() {
        quote!(#secrets_ident {})
    } else {
        quote!(#p::Unset)
    };

    let unsets: Vec<TokenStream> = generics.iter().map(|_| quote!(#p::Unset)).collect();
    let schema_tracking = plan.schema.as_ref().map(|path| {
        let path = path.to_string_lossy();
        quote!(
            const _: &[u8] = ::core::include_bytes!(#path);
        )
    });

    // One setter per parameter, only while that parameter is unset.
    let setters = params.iter().enumerate().map(|(i, (name, ty))| {
        let before: Vec<TokenStream> = generics
            .iter()
            .enumerate()
            .map(|(j, g)| if i == j { quote!(#p::Unset) } else { quote!(#g) })
            .collect();
        let after: Vec<TokenStream> = generics
            .iter()
            .enumerate()
            .map(|(j, g)| if i == j { quote!(#ty) } else { quote!(#g) })
            .collect();
        let others: Vec<&Ident> = generics
            .iter()
            .enumerate()
            .filter(|(j, _)| *j != i)
            .map(|(_, g)| g)
            .collect();
        let moves = param_idents.iter().map(|other| {
            if other == name {
                quote!(#other: ::core::convert::Into::into(__value))
            } else {
                quote!(#other: self.#other)
            }
        });
        let doc = format!("Sets the source parameter `{name}`.");
        quote! {
            #[automatically_derived]
            impl<#(#others,)* __S> #builder_ident<#(#before,)* __S> {
                #[doc = #doc]
                pub fn #name(self, __value: impl ::core::convert::Into<#ty>) -> #builder_ident<#(#after,)* __S> {
                    #builder_ident {
                        #(#moves,)*
                        __secrets: self.__secrets,
                        __base_url: self.__base_url,
                        __access_token_url: self.__access_token_url,
                        __login_url: self.__login_url,
                        __configure: self.__configure,
                    }
                }
            }
        }
    });

    let secrets_setters = (!keys.is_empty()).then(|| {
        quote! {
            #[automatically_derived]
            impl<#(#generics),*> #builder_ident<#(#generics,)* #p::Unset> {
                /// Sets the secrets from the typed struct.
                pub fn secrets(self, __secrets: #secrets_ident) -> #builder_ident<#(#generics,)* #secrets_ident> {
                    #builder_ident {
                        #(#param_idents: self.#param_idents,)*
                        __secrets,
                        __base_url: self.__base_url,
                        __access_token_url: self.__access_token_url,
                        __login_url: self.__login_url,
                        __configure: self.__configure,
                    }
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
    });

    // The source-level auth (group 0) as data, for `auth_spec()`.
    let source_auth_spec = auth_spec_expr(plan.groups[0].as_ref(), &source_name);

    // Auth strategies, one per distinct auth.
    let auth_lets = plan.groups.iter().enumerate().map(|(i, def)| {
        let name = format_ident!("__auth_{}", i);
        let expr = auth_expr(def.as_ref(), &source_name);
        quote!(let #name: #rt::SharedAuth = #expr;)
    });
    let client_lets = (1..plan.groups.len()).map(|i| {
        let client = format_ident!("__client_{}", i);
        let auth = format_ident!("__auth_{}", i);
        quote!(let #client = __client_0.with_auth(#auth);)
    });

    let headers = source.config.headers.iter().map(|h| {
        let name = &h.name;
        match &h.value {
            Value::Plain(v) => quote!(__builder = __builder.header(#name, #v);),
            Value::Secret(s) => {
                let key = &s.key;
                quote!(__builder = __builder.secret_header(#name, ::core::clone::Clone::clone(__values.get(#key)?));)
            }
        }
    });

    let base_url = source
        .config
        .base_url
        .as_ref()
        .map(|l| l.value())
        .unwrap_or_default();

    // Resources, parents first.
    let mut resource_lets = Vec::new();
    let mut probes = Vec::new();
    let mut probed = vec![false; plan.groups.len()];
    let declared: Vec<String> = source
        .resources()
        .map(|(f, _)| f.ident.unraw().to_string())
        .collect();
    for name in declared.iter().filter(|n| plan.order.contains(n)) {
        let Some(rp) = plan.resources.get(name) else {
            continue;
        };
        if rp.parent.is_none() && !probed[rp.group] {
            probed[rp.group] = true;
            // The resource's own client and params: its secret headers are part of what is
            // checked, and an API that requires a parameter does not fail the probe.
            let res = format_ident!("__res_{}", name);
            let path = format_ident!("__path_{}", name);
            let def = source
                .resources()
                .find(|(f, _)| f.ident.unraw() == name)
                .map(|(_, d)| d);
            let params: Vec<String> = source
                .params()
                .map(|f| f.ident.unraw().to_string())
                .collect();
            let query = def.into_iter().flat_map(|d| &d.params).filter_map(|q| {
                let key = q.name.value();
                let value = match q.str_value() {
                    Some(v) => {
                        let (fmt, args) = path_format(&v.value(), &params);
                        let args = args.iter().map(|a| format_ident!("__param_{}", a));
                        quote!(::std::format!(#fmt #(, #args)*))
                    }
                    None => {
                        let text = literal_text(&q.value)?;
                        quote!(::std::string::String::from(#text))
                    }
                };
                Some(quote!((#key, #value)))
            });
            probes.push(quote! {
                #p::Probe {
                    resource: #name,
                    client: ::core::clone::Clone::clone(#res.client()),
                    path: ::core::clone::Clone::clone(&#path),
                    query: ::std::vec![#(#query),*],
                }
            });
        }
    }
    if source.resources().next().is_none() {
        probes.push(quote! {
            #p::Probe {
                resource: "",
                client: ::core::clone::Clone::clone(&__client_0),
                path: ::std::string::String::new(),
                query: ::std::vec::Vec::new(),
            }
        });
    }
    for name in &plan.order {
        let Some((field, def)) = source.resources().find(|(f, _)| f.ident.unraw() == name) else {
            continue;
        };
        let Some(rp) = plan.resources.get(name) else {
            continue;
        };
        let local = format_ident!("__res_{}", name);
        let path_local = format_ident!("__path_{}", name);
        let client = format_ident!("__client_{}", rp.group);
        let ty = &field.field.ty;
        let path = def.path.as_ref().map(|l| l.value()).unwrap_or_default();
        let (fmt, args) = path_format(
            &path,
            &rp.placeholders
                .iter()
                .filter(|p| p.field.is_none())
                .map(|p| p.name.clone())
                .collect::<Vec<_>>(),
        );
        let args = args.iter().map(|a| format_ident!("__param_{}", a));
        let mut endpoint = vec![quote!("path": #path_local)];
        if let Some(d) = &def.data_selector {
            endpoint.push(quote!("data_selector": #d));
        }
        if let Some(pg) = def.paginator.as_ref().or(source.config.paginator.as_ref()) {
            let pg = paginator_json(pg);
            endpoint.push(quote!("paginator": #pg));
        }
        if !def.params.is_empty() {
            let entries = def.params.iter().map(|q| {
                let (name, value) = (&q.name, &q.value);
                quote!(#name: #value)
            });
            endpoint.push(quote!("params": { #(#entries),* }));
        }
        let plain_headers: Vec<TokenStream> = def
            .headers
            .iter()
            .filter_map(|h| match &h.value {
                Value::Plain(v) => {
                    let name = &h.name;
                    Some(quote!(#name: #v))
                }
                Value::Secret(_) => None,
            })
            .collect();
        if !plain_headers.is_empty() {
            endpoint.push(quote!("headers": { #(#plain_headers),* }));
        }
        if let Some(m) = &def.method {
            endpoint.push(quote!("method": #m));
        }
        if let Some(inc) = &def.incremental {
            let cursor = &inc.cursor_path;
            let mut fields = vec![quote!("cursor_path": #cursor)];
            if let Some(v) = &inc.start_param {
                fields.push(quote!("start_param": #v));
            }
            if let Some(v) = &inc.end_param {
                fields.push(quote!("end_param": #v));
            }
            if let Some(v) = &inc.initial_value {
                fields.push(quote!("initial_value": #v));
            }
            if let Some(v) = &inc.end_value {
                fields.push(quote!("end_value": #v));
            }
            endpoint.push(quote!("incremental": { #(#fields),* }));
        }
        let mut top = Vec::new();
        if let Some(k) = &def.primary_key {
            top.push(quote!(, "primary_key": #k));
        }
        if let Some((_, fields)) = &def.include_from_parent {
            top.push(quote!(, "include_from_parent": [#(#fields),*]));
        }
        if let Some(n) = &def.max_pages {
            top.push(quote!(, "max_pages": #n));
        }
        if let Some(n) = &def.max_items {
            top.push(quote!(, "max_items": #n));
        }
        if let Some(n) = &def.concurrency {
            top.push(quote!(, "concurrency": #n));
        }
        let primary_key = quote!(#(#top)*);
        // A JSON body was checked at compile time; parsed once, when the source is built.
        let json_body = def.json.as_ref().map(|j| {
            quote! {
                let mut __spec = __spec;
                __spec.endpoint.json = ::core::option::Option::Some(
                    #p::serde_json::from_str(#j).map_err(|__e| #rt::Error::Config(::std::format!("resource `{}`: bad JSON body: {}", #name, __e)))?,
                );
            }
        });
        let secret_headers = def.headers.iter().filter_map(|h| match &h.value {
            Value::Secret(s) => {
                let (name, key) = (&h.name, &s.key);
                Some(quote!(let __client = __client.with_secret_header(#name, __values.get(#key)?)?;))
            }
            Value::Plain(_) => None,
        });
        let path_params = rp.param_placeholders.iter().map(|param| {
            let param_local = format_ident!("__param_{}", param);
            quote!(let #local = #local.path_param(#param, ::std::string::ToString::to_string(&#param_local));)
        });
        let with_parent = rp.parent.as_ref().map(|parent| {
            let parent_local = format_ident!("__res_{}", parent);
            quote!(let #local = #local.with_parent(&#parent_local)?;)
        });
        // Spanned on the field's type, so a field that is not `Resource<…>` is reported there.
        let new = quote_spanned! {ty.span()=>
            let #local: #ty = {
                let __spec = #p::resource_spec(#p::serde_json::json!({
                    "name": #name,
                    "endpoint": { #(#endpoint),* }
                    #primary_key
                }))?;
                #json_body
                let __client = ::core::clone::Clone::clone(&#client);
                #(#secret_headers)*
                #rt::Resource::new(__client, __spec)?
            };
        };
        resource_lets.push(quote! {
            let #path_local: ::std::string::String = ::std::format!(#fmt #(, #args)*);
            #new
            #(#path_params)*
            #with_parent
        });
    }

    let field_inits = source.fields.iter().map(|f| {
        let name = &f.ident;
        match f.kind {
            FieldKind::Param => {
                let local = format_ident!("__param_{}", name);
                quote!(#name: #local)
            }
            FieldKind::Resource(_) => {
                let local = format_ident!("__res_{}", name);
                quote!(#name: #local)
            }
        }
    });
    // `build` exists on every builder state, bounded per parameter by a trait only the set
    // state implements, so a missing parameter is a compile error that names it (through
    // `#[diagnostic::on_unimplemented]`) instead of "no method named `build`".
    let set_traits: Vec<Ident> = params
        .iter()
        .map(|(name, _)| format_ident!("__{}_{}_set", ident, name))
        .collect();
    let secrets_trait = format_ident!("__{}_secrets_set", ident);
    let set_trait_defs = params.iter().zip(&set_traits).map(|((name, ty), tr)| {
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
    let secrets_message = format!("the secrets of `{ident}` are not set");
    let secrets_label = "call `.secrets(…)`, `.secrets_from_env()?` or `.secrets_from_resolver(…)?` before `.build()`";
    let param_locals = param_idents.iter().zip(&set_traits).map(|(name, tr)| {
        let local = format_ident!("__param_{}", name);
        quote!(let #local = #tr::__take(self.#name);)
    });

    let struct_doc = format!(
        "Builds [`{ident}`]: set every parameter and the secrets, then call `build`. A missing parameter is a compile error (`build` does not exist yet)."
    );
    let secrets_doc = format!(
        "The secrets of [`{ident}`]: one field per `secret(\"…\")` key it references. Looked up as `sources.{source_name}.<key>` (dlt layout)."
    );
    let key_docs = keys.iter().map(|k| format!("`secret(\"{k}\")`"));

    quote! {
        #(#attrs)*
        #vis struct #ident {
            #(#fields,)*
            #[doc(hidden)]
            __rest_source: #p::SourceState,
        }

        #[doc = #secrets_doc]
        #[derive(::core::clone::Clone, ::core::fmt::Debug)]
        #vis struct #secrets_ident {
            #(#[doc = #key_docs] pub #key_idents: #rt::Secret,)*
        }

        #[doc = #struct_doc]
        #[must_use]
        #vis struct #builder_ident<#(#generics,)* __S> {
            #(#param_idents: #generics,)*
            __secrets: __S,
            __base_url: ::core::option::Option<::std::string::String>,
            __access_token_url: ::core::option::Option<::std::string::String>,
            __login_url: ::core::option::Option<::std::string::String>,
            __configure: ::std::vec::Vec<::std::boxed::Box<dyn ::core::ops::FnOnce(#rt::RestClientBuilder) -> #rt::RestClientBuilder>>,
        }

        const _: () = {
            #schema_tracking

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

            #[automatically_derived]
            impl #ident {
                /// The source name: the section secrets are looked up in (`sources.<name>`).
                pub const SOURCE_NAME: &'static str = #source_name;
                /// Every secret key the source references.
                pub const SECRET_KEYS: &'static [&'static str] = #secrets_ident::KEYS;

                /// The source-level auth as data: the `AuthSpec` a TOML/JSON config with
                /// the same `auth` loads into (URLs as written in the attribute, before any
                /// builder override). `None` without a source-level auth, or for
                /// `custom(…)` auth, which is code.
                pub fn auth_spec() -> ::core::option::Option<#rt::spec::AuthSpec> {
                    let __access_token_url: ::core::option::Option<::std::string::String> =
                        ::core::option::Option::None;
                    let __login_url: ::core::option::Option<::std::string::String> =
                        ::core::option::Option::None;
                    let _ = (&__access_token_url, &__login_url);
                    #source_auth_spec
                }

                /// Starts building the source.
                pub fn builder() -> #builder_ident<#(#unsets,)* #secrets_start> {
                    #builder_ident {
                        #(#param_idents: #p::Unset,)*
                        __secrets: #secrets_init,
                        __base_url: ::core::option::Option::None,
                        __access_token_url: ::core::option::Option::None,
                        __login_url: ::core::option::Option::None,
                        __configure: ::std::vec::Vec::new(),
                    }
                }

                /// Tests auth first: one authenticated request per distinct auth (to the first
                /// top-level resource that uses it); the first failure is returned.
                pub async fn check(&self) -> #rt::Result<()> {
                    self.__rest_source.check().await
                }
            }

            #(#setters)*

            #secrets_setters

            #[automatically_derived]
            impl<#(#generics,)* __S> #builder_ident<#(#generics,)* __S> {
                /// Replaces the base URL (for a test server or another environment).
                pub fn base_url(mut self, __url: impl ::core::convert::Into<::std::string::String>) -> Self {
                    self.__base_url = ::core::option::Option::Some(__url.into());
                    self
                }

                /// Replaces the `access_token_url` of every OAuth2 auth of the source
                /// (`oauth2_client_credentials`, `oauth2_refresh_token`, `oauth2_jwt_bearer`;
                /// for a test server or another environment).
                pub fn access_token_url(mut self, __url: impl ::core::convert::Into<::std::string::String>) -> Self {
                    self.__access_token_url = ::core::option::Option::Some(__url.into());
                    self
                }

                /// Replaces the `login_url` of every `session_token` auth of the source (for a
                /// test server or another environment).
                pub fn login_url(mut self, __url: impl ::core::convert::Into<::std::string::String>) -> Self {
                    self.__login_url = ::core::option::Option::Some(__url.into());
                    self
                }

                /// Adjusts the HTTP client (timeouts, retries, user agent) before it is built.
                pub fn configure_client(
                    mut self,
                    __f: impl ::core::ops::FnOnce(#rt::RestClientBuilder) -> #rt::RestClientBuilder + 'static,
                ) -> Self {
                    self.__configure.push(::std::boxed::Box::new(__f));
                    self
                }
            }

            #(#set_trait_defs)*

            #[diagnostic::on_unimplemented(message = #secrets_message, label = #secrets_label)]
            #[allow(non_camel_case_types)]
            pub trait #secrets_trait {
                fn __take(self) -> #secrets_ident;
            }
            impl #secrets_trait for #secrets_ident {
                fn __take(self) -> #secrets_ident {
                    self
                }
            }

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
                    let __values = #secrets_trait::__take(self.__secrets).to_values();
                    let __access_token_url = self.__access_token_url;
                    let __login_url = self.__login_url;
                    let mut __builder = #rt::RestClient::builder(
                        self.__base_url.unwrap_or_else(|| ::std::string::String::from(#base_url)),
                    );
                    #(#headers)*
                    for __f in self.__configure {
                        __builder = __f(__builder);
                    }
                    #(#auth_lets)*
                    let __client_0 = __builder.shared_auth(__auth_0).build()?;
                    #(#client_lets)*
                    #(#param_locals)*
                    #(#resource_lets)*
                    let __probes = ::std::vec![#(#probes),*];
                    ::core::result::Result::Ok(#ident {
                        #(#field_inits,)*
                        __rest_source: #p::SourceState::new(__probes),
                    })
                }
            }
        };
    }
}

/// A `format!` string for `path`: `{param}` becomes `{}` (argument order returned), every
/// other brace (child placeholders) is kept literally.
fn path_format(path: &str, params: &[String]) -> (String, Vec<String>) {
    let mut fmt = String::new();
    let mut args = Vec::new();
    let mut rest = path;
    while let Some(open) = rest.find('{') {
        fmt.push_str(&rest[..open].replace('}', "}}"));
        let after = &rest[open + 1..];
        let Some(close) = after.find('}') else {
            fmt.push_str(&rest[open..].replace('{', "{{").replace('}', "}}"));
            return (fmt, args);
        };
        let inner = &after[..close];
        if params.iter().any(|p| p == inner) {
            fmt.push_str("{}");
            args.push(inner.to_owned());
        } else {
            fmt.push_str("{{");
            fmt.push_str(inner);
            fmt.push_str("}}");
        }
        rest = &after[close + 1..];
    }
    fmt.push_str(&rest.replace('}', "}}"));
    (fmt, args)
}

/// A number or bool literal as it is sent in a query string (`50`, `-1.5`, `true`).
fn literal_text(expr: &syn::Expr) -> Option<String> {
    match expr {
        syn::Expr::Lit(l) => match &l.lit {
            syn::Lit::Int(i) => Some(i.base10_digits().to_owned()),
            syn::Lit::Float(f) => Some(f.base10_digits().to_owned()),
            syn::Lit::Bool(b) => Some(b.value.to_string()),
            _ => None,
        },
        syn::Expr::Unary(u) => literal_text(&u.expr).map(|t| format!("-{t}")),
        _ => None,
    }
}

fn paginator_json(pg: &Paginator) -> TokenStream {
    let kind = pg.kind.to_string();
    let args = pg.args.iter().map(|(k, v)| {
        let k = k.to_string();
        quote!(#k: #v)
    });
    quote!({ "type": #kind #(, #args)* })
}

/// The expression building `def`'s strategy (`AuthSpec { … }.build(&__values)?`), or with
/// `build = false` the `AuthSpec` itself (`custom(…)` has none: that arm is never asked).
fn auth_expr(def: Option<&AuthDef>, source_name: &str) -> TokenStream {
    if def.is_some_and(|d| matches!(d.form, AuthForm::Custom { .. })) {
        return auth_form_expr(def, source_name, true);
    }
    let rt = rt();
    let spec = auth_form_expr(def, source_name, false);
    quote!(#rt::spec::BuildAuth::build(&#spec, &__values)?)
}

/// `Option<AuthSpec>` for the source-level auth: `None` when there is none (as a config
/// without `client.auth` loads) or it is `custom(…)`, which is code, not data.
fn auth_spec_expr(def: Option<&AuthDef>, source_name: &str) -> TokenStream {
    if def.is_none_or(|d| matches!(d.form, AuthForm::Custom { .. })) {
        return quote!(::core::option::Option::None);
    }
    let spec = auth_form_expr(def, source_name, false);
    quote!(::core::option::Option::Some(#spec))
}

fn auth_form_expr(def: Option<&AuthDef>, source_name: &str, build: bool) -> TokenStream {
    let build = if build {
        quote!(.build(&__values)?)
    } else {
        TokenStream::new()
    };
    let rt = rt();
    let spec = quote!(#rt::spec);
    let secret_ref =
        |key: &syn::LitStr| quote!(#spec::SecretRef(::std::string::String::from(#key)));
    let maybe = |v: &Value| match v {
        Value::Plain(l) => quote!(#spec::MaybeSecret::Plain(::std::string::String::from(#l))),
        Value::Secret(s) => {
            let key = &s.key;
            quote!(#spec::MaybeSecret::Secret { secret: ::std::string::String::from(#key) })
        }
    };
    let Some(def) = def else {
        return quote!(#spec::AuthSpec::None #build);
    };
    match &def.form {
        AuthForm::None => quote!(#spec::AuthSpec::None #build),
        AuthForm::Bearer { token } => {
            let token = secret_ref(&token.key);
            quote!(#spec::AuthSpec::Bearer { token: #token }#build)
        }
        AuthForm::ApiKey {
            name,
            api_key,
            location,
        } => {
            let name = name
                .as_ref()
                .map(|n| n.value())
                .unwrap_or_else(|| "Authorization".to_owned());
            let api_key = secret_ref(&api_key.key);
            let location = location_variant(
                location
                    .as_ref()
                    .map(|l| l.to_string())
                    .as_deref()
                    .unwrap_or("header"),
            );
            quote!(#spec::AuthSpec::ApiKey {
                name: ::std::string::String::from(#name),
                api_key: #api_key,
                location: #rt::ApiKeyLocation::#location,
            }#build)
        }
        AuthForm::HttpBasic { username, password } => {
            let username = maybe(username);
            let password = secret_ref(&password.key);
            quote!(#spec::AuthSpec::HttpBasic { username: #username, password: #password }#build)
        }
        AuthForm::OAuth2ClientCredentials { .. } => oauth2_expr(def, &build),
        AuthForm::OAuth2RefreshToken {
            access_token_url,
            client_id,
            client_secret,
            refresh_token,
            scope,
            client_auth,
            default_token_expiration,
            token_store,
            shape,
        } => {
            let url = overridable(access_token_url, "__access_token_url");
            let client_id = maybe(client_id);
            let client_secret = match client_secret {
                Some(s) => {
                    let s = secret_ref(&s.key);
                    quote!(::core::option::Option::Some(#s))
                }
                None => quote!(::core::option::Option::None),
            };
            let refresh_token = secret_ref(&refresh_token.key);
            let client_auth = client_auth_expr(client_auth.as_ref());
            let (scope, expiration) = (opt_str(scope), opt_int(default_token_expiration));
            let token_store = opt_str(token_store);
            let TokenShapeExpr {
                token_body,
                access_token_path,
                expires_in_path,
                expires_at_path,
                refresh_token_path,
            } = shape_expr(shape);
            quote!(#spec::AuthSpec::OAuth2RefreshToken {
                access_token_url: #url,
                client_id: #client_id,
                client_secret: #client_secret,
                refresh_token: #refresh_token,
                scope: #scope,
                client_auth: #client_auth,
                default_token_expiration: #expiration,
                token_store: #token_store,
                token_body: #token_body,
                access_token_path: #access_token_path,
                expires_in_path: #expires_in_path,
                expires_at_path: #expires_at_path,
                refresh_token_path: #refresh_token_path,
            }#build)
        }
        AuthForm::OAuth2JwtBearer {
            access_token_url,
            issuer,
            private_key,
            subject,
            audience,
            scope,
            key_id,
            default_token_expiration,
            shape,
        } => {
            let url = overridable(access_token_url, "__access_token_url");
            let issuer = maybe(issuer);
            let private_key = secret_ref(&private_key.key);
            let (subject, audience) = (opt_str(subject), opt_str(audience));
            let (scope, key_id) = (opt_str(scope), opt_str(key_id));
            let expiration = opt_int(default_token_expiration);
            let TokenShapeExpr {
                token_body,
                access_token_path,
                expires_in_path,
                expires_at_path,
                ..
            } = shape_expr(shape);
            quote!(#spec::AuthSpec::OAuth2JwtBearer {
                access_token_url: #url,
                issuer: #issuer,
                private_key: #private_key,
                subject: #subject,
                audience: #audience,
                scope: #scope,
                key_id: #key_id,
                default_token_expiration: #expiration,
                token_body: #token_body,
                access_token_path: #access_token_path,
                expires_in_path: #expires_in_path,
                expires_at_path: #expires_at_path,
            }#build)
        }
        AuthForm::SessionToken {
            login_url,
            credentials,
            body,
            token_path,
            token_header,
            token_cookie,
            location,
            name,
            prefix,
            ttl,
            expires_in_path,
            expires_at_path,
        } => {
            let url = overridable(login_url, "__login_url");
            let fields = credentials.iter().map(|(k, v)| {
                let k = k.unraw().to_string();
                let v = maybe(v);
                quote!(__credentials.insert(::std::string::String::from(#k), #v);)
            });
            let body = format_expr(body.as_ref());
            let location = match location.as_ref().map(|l| l.to_string()).as_deref() {
                Some(l) => {
                    let variant = location_variant(l);
                    quote!(::core::option::Option::Some(#rt::ApiKeyLocation::#variant))
                }
                None => quote!(::core::option::Option::None),
            };
            let (token_path, token_header) = (opt_str(token_path), opt_str(token_header));
            let (token_cookie, name, prefix) =
                (opt_str(token_cookie), opt_str(name), opt_str(prefix));
            let ttl = opt_int(ttl);
            let (expires_in_path, expires_at_path) =
                (opt_str(expires_in_path), opt_str(expires_at_path));
            quote!({
                let mut __credentials = ::std::collections::BTreeMap::new();
                #(#fields)*
                #spec::AuthSpec::SessionToken {
                    login_url: #url,
                    credentials: __credentials,
                    body: #body,
                    token_path: #token_path,
                    token_header: #token_header,
                    token_cookie: #token_cookie,
                    location: #location,
                    name: #name,
                    prefix: #prefix,
                    ttl: #ttl,
                    expires_in_path: #expires_in_path,
                    expires_at_path: #expires_at_path,
                }#build
            })
        }
        AuthForm::Custom { ty, flow, args } => {
            let names = args.iter().map(|(k, _)| k.to_string());
            let keys = args.iter().map(|(_, s)| &s.key);
            // Spanned on the user's type, so "`Auth` is not implemented for `MyAuth`" points there.
            let build = if *flow {
                quote_spanned! {ty.span()=>
                    #rt::auth::shared(#rt::OAuth2::new(<#ty as #spec::FromSecrets>::from_secrets(&__custom)?))
                }
            } else {
                quote_spanned! {ty.span()=>
                    #rt::auth::shared(<#ty as #spec::FromSecrets>::from_secrets(&__custom)?)
                }
            };
            quote!({
                let mut __custom = #spec::SecretValues::new(#source_name);
                #(__custom.insert(#names, ::core::clone::Clone::clone(__values.get(#keys)?));)*
                #build
            })
        }
    }
}

fn location_variant(location: &str) -> Ident {
    match location {
        "query" => format_ident!("Query"),
        "cookie" => format_ident!("Cookie"),
        "body" => format_ident!("Body"),
        _ => format_ident!("Header"),
    }
}

fn opt_str(o: &Option<syn::LitStr>) -> TokenStream {
    match o {
        Some(l) => quote!(::core::option::Option::Some(::std::string::String::from(#l))),
        None => quote!(::core::option::Option::None),
    }
}

fn opt_int(o: &Option<syn::LitInt>) -> TokenStream {
    match o {
        Some(l) => quote!(::core::option::Option::Some(#l)),
        None => quote!(::core::option::Option::None),
    }
}

/// A URL from the attribute, unless the builder replaced it (`access_token_url(…)`,
/// `login_url(…)`: for a test server or another environment).
fn overridable(lit: &syn::LitStr, local: &str) -> TokenStream {
    let local = Ident::new(local, Span::call_site());
    quote!(::core::clone::Clone::clone(&#local).unwrap_or_else(|| ::std::string::String::from(#lit)))
}

fn client_auth_expr(client_auth: Option<&Ident>) -> TokenStream {
    let rt = rt();
    match client_auth.map(|c| c.to_string()).as_deref() {
        Some("basic") => quote!(#rt::ClientAuth::Basic),
        _ => quote!(#rt::ClientAuth::Body),
    }
}

fn format_expr(format: Option<&Ident>) -> TokenStream {
    let rt = rt();
    match format.map(|c| c.to_string()).as_deref() {
        Some("json") => quote!(::core::option::Option::Some(#rt::TokenRequestFormat::Json)),
        Some(_) => quote!(::core::option::Option::Some(#rt::TokenRequestFormat::Form)),
        None => quote!(::core::option::Option::None),
    }
}

struct TokenShapeExpr {
    token_body: TokenStream,
    access_token_path: TokenStream,
    expires_in_path: TokenStream,
    expires_at_path: TokenStream,
    refresh_token_path: TokenStream,
}

fn shape_expr(shape: &TokenShape) -> TokenShapeExpr {
    TokenShapeExpr {
        token_body: format_expr(shape.token_body.as_ref()),
        access_token_path: opt_str(&shape.access_token_path),
        expires_in_path: opt_str(&shape.expires_in_path),
        expires_at_path: opt_str(&shape.expires_at_path),
        refresh_token_path: opt_str(&shape.refresh_token_path),
    }
}

fn oauth2_expr(def: &AuthDef, build: &TokenStream) -> TokenStream {
    let AuthForm::OAuth2ClientCredentials {
        access_token_url,
        client_id,
        client_secret,
        scope,
        audience,
        client_auth,
        default_token_expiration,
    } = &def.form
    else {
        return TokenStream::new();
    };
    let rt = rt();
    let spec = quote!(#rt::spec);
    let client_id = match client_id {
        Value::Plain(l) => quote!(#spec::MaybeSecret::Plain(::std::string::String::from(#l))),
        Value::Secret(s) => {
            let key = &s.key;
            quote!(#spec::MaybeSecret::Secret { secret: ::std::string::String::from(#key) })
        }
    };
    let secret = &client_secret.key;
    let opt_str = |o: &Option<syn::LitStr>| match o {
        Some(l) => quote!(::core::option::Option::Some(::std::string::String::from(#l))),
        None => quote!(::core::option::Option::None),
    };
    let scope = opt_str(scope);
    let audience = opt_str(audience);
    let client_auth = match client_auth.as_ref().map(|c| c.to_string()).as_deref() {
        Some("basic") => quote!(#rt::ClientAuth::Basic),
        _ => quote!(#rt::ClientAuth::Body),
    };
    let expiration = match default_token_expiration {
        Some(secs) => quote!(::core::option::Option::Some(#secs)),
        None => quote!(::core::option::Option::None),
    };
    quote!(#spec::AuthSpec::OAuth2ClientCredentials {
        access_token_url: ::core::clone::Clone::clone(&__access_token_url)
            .unwrap_or_else(|| ::std::string::String::from(#access_token_url)),
        client_id: #client_id,
        client_secret: #spec::SecretRef(::std::string::String::from(#secret)),
        scope: #scope,
        audience: #audience,
        client_auth: #client_auth,
        default_token_expiration: #expiration,
    }#build)
}

/// The struct as declared (our attributes removed), emitted next to the errors so the rest
/// of the crate still type-checks.
pub fn fallback(item: &syn::DeriveInput) -> TokenStream {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn path_format_substitutes_params_and_keeps_child_placeholders() {
        let (fmt, args) = path_format("{region}/contacts/{contacts.id}/notes", &["region".into()]);
        assert_eq!(fmt, "{}/contacts/{{contacts.id}}/notes");
        assert_eq!(args, ["region"]);
    }
}

#[cfg(test)]
mod snapshots {
    use quote::quote;

    use crate::schema::Env;

    fn expand_pretty(args: proc_macro2::TokenStream, item: proc_macro2::TokenStream) -> String {
        let tokens = crate::entry::rest_source(args, item, &Env::default());
        let file: syn::File = syn::parse2(tokens).expect("the expansion parses as items");
        prettyplease::unparse(&file)
    }

    #[test]
    fn a_schema_is_tracked_by_absolute_path() {
        let dir = std::env::temp_dir().join(format!("rest-source-track-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let schema = dir.join("secrets.schema.toml");
        std::fs::write(&schema, "[sources.a]\ntoken = \"\"\n").unwrap();
        let env = Env {
            manifest_dir: Some(dir.clone()),
            source_file: None,
        };
        let tokens = crate::entry::rest_source(
            quote!(
                base_url = "https://a.example",
                auth = bearer(token = secret("token"))
            ),
            quote!(
                struct A {}
            ),
            &env,
        );
        let text = tokens.to_string();
        let expected = format!("include_bytes ! ({:?})", schema.to_string_lossy());
        assert!(text.contains(&expected), "{text}");
        assert!(!text.contains("compile_error"), "{text}");
    }

    /// The representative source of the design: OAuth2 on the source, a parameter, a child
    /// resource and an API-key override.
    #[test]
    fn crm_source() {
        insta::assert_snapshot!(expand_pretty(
            quote!(
                base_url = "https://crm.example.com/api/v1",
                auth = oauth2_client_credentials(
                    access_token_url = "https://crm.example.com/oauth/token",
                    client_id = secret("client_id"),
                    client_secret = secret("client_secret"),
                    scope = "contacts:read reports:read",
                ),
                headers("X-Org" = "acme"),
                paginator = json_link(next_url_path = "paging.next"),
            ),
            quote! {
                pub struct Crm {
                    pub region: String,
                    #[resource(path = "{region}/contacts", data_selector = "results", primary_key = "id")]
                    pub contacts: Resource<Contact>,
                    #[resource(path = "{region}/contacts/{contacts.id}/notes")]
                    pub notes: Resource<Note>,
                    #[resource(path = "reports", paginator = single_page)]
                    #[auth(api_key(name = "X-Report-Key", api_key = secret("reports_key"), location = header))]
                    pub reports: Resource<Report>,
                }
            },
        ));
    }
}
