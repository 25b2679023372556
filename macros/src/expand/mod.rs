//! Code generation, one file per generated item: `secrets.rs` (`<Name>Secrets`),
//! `builder.rs` (the type-state `<Name>Builder` and `build()`), `model.rs` (the source as a
//! `SourceSpec`, by typed construction), `auth.rs` (auths as `AuthSpec`, custom strategies).
//! Everything generated reaches the runtime through `::rest_source::__private` (or the
//! `crate = "…"` path's `__private`), so users add no dependencies; impls sit in `const _: () = …`.
//!
//! For `struct Crm` the expansion is: the struct (fields as declared plus a hidden state
//! field), `CrmSecrets` (one `Secret` field per referenced key), the type-state builder
//! `CrmBuilder` (`build` exists only once every parameter and the secrets are set), and
//! `Crm::{builder, check, auth_spec, source_spec, SOURCE_NAME, SECRET_KEYS}`. `build()` writes the source
//! as a `SourceSpec` and calls the runtime's `assemble`, the step a TOML/JSON config goes
//! through too.

mod auth;
mod builder;
mod model;
mod secrets;

use proc_macro2::{Ident, Span, TokenStream};
use quote::{format_ident, quote};

use crate::ast::Source;
use crate::valid::Plan;

thread_local! {
    /// The path to the facade for the expansion under way (`crate = "…"`); `None` is
    /// `::rest_source`. Every generator reaches the facade through [`facade`], so the path is
    /// set once per invocation ([`with_crate_path`]) instead of being passed to each.
    static CRATE_PATH: std::cell::RefCell<Option<TokenStream>> = const { std::cell::RefCell::new(None) };
}

/// Runs `f` (an expansion, or the stand-ins on error) with `path` as the facade's path.
pub fn with_crate_path<R>(path: Option<&syn::Path>, f: impl FnOnce() -> R) -> R {
    let path = path.map(|p| quote!(#p));
    let previous = CRATE_PATH.with(|c| c.replace(path));
    let out = f();
    CRATE_PATH.with(|c| *c.borrow_mut() = previous);
    out
}

/// The facade: `::rest_source`, or the `crate = "…"` path.
pub fn facade() -> TokenStream {
    CRATE_PATH
        .with(|c| c.borrow().clone())
        .unwrap_or_else(|| quote!(::rest_source))
}

fn private() -> TokenStream {
    let facade = facade();
    quote!(#facade::__private)
}

pub fn rt() -> TokenStream {
    let facade = facade();
    quote!(#facade::__private::rt)
}

/// A field name for a secret key (raw identifier when the key is a keyword).
fn key_ident(key: &str) -> Ident {
    match syn::parse_str::<Ident>(key) {
        Ok(_) => Ident::new(key, Span::call_site()),
        Err(_) => Ident::new_raw(key, Span::call_site()),
    }
}

/// The names every generated item shares.
struct Names<'a> {
    vis: &'a syn::Visibility,
    ident: &'a Ident,
    secrets_ident: Ident,
    builder_ident: Ident,
    /// The hidden module the builder struct lives in (`builder.rs`).
    builder_mod: Ident,
    source_name: String,
    keys: &'a [String],
    key_idents: Vec<Ident>,
    /// Source parameters: field name and type.
    params: Vec<(&'a Ident, &'a syn::Type)>,
    param_idents: Vec<&'a Ident>,
    /// One type parameter of the builder per source parameter.
    generics: Vec<Ident>,
    /// Per parameter, the trait only its set state implements.
    set_traits: Vec<Ident>,
    secrets_trait: Ident,
}

impl<'a> Names<'a> {
    fn new(source: &'a Source, plan: &'a Plan) -> Self {
        let ident = &source.ident;
        let params: Vec<(&Ident, &syn::Type)> =
            source.params().map(|f| (&f.ident, &f.field.ty)).collect();
        Names {
            vis: &source.vis,
            ident,
            secrets_ident: format_ident!("{}Secrets", ident),
            builder_ident: format_ident!("{}Builder", ident),
            builder_mod: format_ident!("__rest_source_{}", ident),
            source_name: source.source_name(),
            keys: &plan.secret_keys,
            key_idents: plan.secret_keys.iter().map(|k| key_ident(k)).collect(),
            param_idents: params.iter().map(|(i, _)| *i).collect(),
            generics: (0..params.len())
                .map(|i| format_ident!("__P{}", i))
                .collect(),
            set_traits: params
                .iter()
                .map(|(name, _)| format_ident!("__{}_{}_set", ident, name))
                .collect(),
            secrets_trait: format_ident!("__{}_secrets_set", ident),
            params,
        }
    }
}

pub fn expand(source: &Source, plan: &Plan) -> TokenStream {
    let n = Names::new(source, plan);
    let p = private();
    let (vis, ident, attrs) = (n.vis, n.ident, &source.attrs);
    let fields = source.fields.iter().map(|f| &f.field);
    let secrets_struct = secrets::secrets_struct(&n);
    let builder_struct = builder::builder_struct(&n);
    let source_impl = source_impl(plan, &n);
    let secrets_impl = secrets::secrets_impl(&n);
    let param_setters = builder::param_setters(&n);
    let secrets_setters = builder::secrets_setters(&n);
    let overrides = builder::overrides(&n);
    let set_traits = builder::set_traits(&n);
    let build_fn = builder::build_fn(source, plan, &n);
    let schema_tracking = plan.schema.as_ref().map(|path| {
        let path = path.to_string_lossy();
        quote!(
            const _: &[u8] = ::core::include_bytes!(#path);
        )
    });
    quote! {
        #(#attrs)*
        #vis struct #ident {
            #(#fields,)*
            // A derive written above `#[rest_source]` runs first, on the struct without this
            // field, and its error names the field: the name is the fix.
            #[doc(hidden)]
            __put_rest_source_above_derives: #p::SourceState,
        }

        #secrets_struct

        #builder_struct

        const _: () = {
            #schema_tracking
            #secrets_impl
            #source_impl
            #param_setters
            #secrets_setters
            #overrides
            #set_traits
            #build_fn
        };
    }
}

/// `SOURCE_NAME`, `SECRET_KEYS`, `auth_spec()`, `builder()` and `check()` on the struct.
fn source_impl(plan: &Plan, n: &Names) -> TokenStream {
    let p = private();
    let rt = rt();
    let (ident, secrets_ident, builder_ident) = (n.ident, &n.secrets_ident, &n.builder_ident);
    let builder_mod = &n.builder_mod;
    let (source_name, param_idents) = (&n.source_name, &n.param_idents);
    let source_auth_spec = auth::source_auth_spec(plan.groups[0].as_ref());
    let unsets = n.generics.iter().map(|_| quote!(#p::Unset));
    let (secrets_start, secrets_init) = if n.keys.is_empty() {
        (quote!(#secrets_ident), quote!(#secrets_ident {}))
    } else {
        (quote!(#p::Unset), quote!(#p::Unset))
    };
    quote! {
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
                let __token_store: ::core::option::Option<::std::string::String> =
                    ::core::option::Option::None;
                let _ = (&__access_token_url, &__login_url, &__token_store);
                #source_auth_spec
            }

            /// Starts building the source.
            pub fn builder() -> #builder_ident<#(#unsets,)* #secrets_start> {
                #builder_ident::__from_parts(#builder_mod::__Parts {
                    #(#param_idents: #p::Unset,)*
                    __secrets: #secrets_init,
                    __base_url: ::core::option::Option::None,
                    __access_token_url: ::core::option::Option::None,
                    __login_url: ::core::option::Option::None,
                    __token_store: ::core::option::Option::None,
                    __configure: ::std::vec::Vec::new(),
                })
            }

            /// The source as data: the `SourceSpec` it was assembled from (builder
            /// overrides applied), what a TOML/JSON config of the same source loads into.
            pub fn source_spec(&self) -> &#rt::spec::SourceSpec {
                self.__put_rest_source_above_derives.spec()
            }

            /// Tests auth first: one authenticated request per distinct auth (the first page
            /// of a resource that uses it, a top-level one where there is one); the first
            /// failure is returned.
            pub async fn check(&self) -> #rt::Result<()> {
                self.__put_rest_source_above_derives.check().await
            }
        }
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
        let tmp = tempfile::Builder::new()
            .prefix("rest-source-track-")
            .tempdir()
            .unwrap();
        let dir = tmp.path().to_path_buf();
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

    /// `crate = "…"`: every path of the expansion (and of the stand-ins generated on error)
    /// goes through the given facade path, none through `::rest_source`.
    #[test]
    fn crate_path_is_used_for_every_generated_path() {
        let item = quote!(
            struct A {
                #[resource(path = "a")]
                a: Resource<u8>,
            }
        );
        for args in [
            quote!(
                crate = "my_facade::rest_source",
                base_url = "https://a.example",
                auth = custom(Tenant, key = secret("key"))
            ),
            // An error elsewhere: the stand-ins use the path too.
            quote!(crate = "my_facade::rest_source", base_url = "not a url"),
        ] {
            let text = crate::entry::rest_source(args, item.clone(), &Env::default()).to_string();
            assert!(
                text.contains("my_facade :: rest_source :: __private"),
                "{text}"
            );
            let ours = text
                .matches("my_facade :: rest_source :: __private")
                .count();
            assert_eq!(
                text.matches(":: rest_source :: __private").count(),
                ours,
                "{text}"
            );
        }
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
