//! The macro entry points as plain functions: parse → validate → expand, and on any error
//! every error together plus the struct as declared and stand-ins for what it would generate.

use proc_macro2::TokenStream;
use quote::quote;

use crate::ast::Source;
use crate::ctxt::Ctxt;
use crate::schema::Env;
use crate::{expand, fallback, valid};

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
    let output = Source::from_syn(&cx, args.clone(), &item).map(|source| {
        let plan = valid::validate(&cx, &source, env);
        (source, plan)
    });
    match (cx.finish(), output) {
        (None, Some((source, plan))) => {
            expand::with_crate_path(source.config.crate_path.as_ref(), || {
                expand::expand(&source, &plan)
            })
        }
        (error, _) => {
            let error = error.map(|e| e.to_compile_error());
            let krate = crate::args::source::crate_path(&args);
            let item = expand::with_crate_path(krate.as_ref(), || fallback::expand(&item, &args));
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

#[cfg(test)]
mod tests {
    use quote::quote;
    use syn::parse_quote;

    use super::*;

    /// Every error message the macro reports for `args` on `item`, in order.
    fn errors(args: TokenStream, item: syn::DeriveInput) -> Vec<String> {
        let cx = Ctxt::new();
        if let Some(source) = Source::from_syn(&cx, args, &item) {
            let _ = valid::validate(&cx, &source, &Env::default());
        }
        cx.finish()
            .map(|e| e.into_iter().map(|e| e.to_string()).collect())
            .unwrap_or_default()
    }

    #[test]
    fn a_valid_source_has_no_errors() {
        let errs = errors(
            quote!(
                base_url = "https://a.example/v1",
                auth = bearer(token = secret("t"))
            ),
            parse_quote! {
                struct A {
                    region: String,
                    #[resource(path = "{region}/x")]
                    x: Resource<u8>,
                    #[resource(path = "x/{x.id}/y")]
                    #[auth(none)]
                    y: Resource<u8>,
                }
            },
        );
        assert_eq!(errs, Vec::<String>::new());
    }

    #[test]
    fn every_mistake_is_reported_in_one_pass() {
        let errs = errors(
            quote!(
                base_url = "not a url",
                auth = bearer(token = "literal"),
                paginatr = single_page
            ),
            parse_quote! {
                struct A {
                    #[auth(none)]
                    region: String,
                    #[resource(path = "{regon}/{missing.id}")]
                    x: Resource<u8>,
                }
            },
        );
        assert_eq!(errs.len(), 6, "{errs:#?}");
        assert!(
            errs[0].starts_with("`token` is a credential"),
            "{}",
            errs[0]
        );
        assert!(errs[1].contains("did you mean `paginator`?"), "{}", errs[1]);
        assert!(
            errs[2].starts_with("`#[auth]` only applies to `#[resource]` fields"),
            "{}",
            errs[2]
        );
        assert!(
            errs[3].starts_with("`base_url` must be an absolute URL"),
            "{}",
            errs[3]
        );
        assert!(errs[4].contains("did you mean `{region}`?"), "{}", errs[4]);
        assert!(
            errs[5].contains("names an unknown parent resource `missing`"),
            "{}",
            errs[5]
        );
    }

    #[test]
    fn a_child_reads_one_parent_and_parents_exist() {
        let errs = errors(
            quote!(base_url = "https://a.example"),
            parse_quote! {
                struct A {
                    region: String,
                    #[resource(path = "a")]
                    a: Resource<u8>,
                    #[resource(path = "b")]
                    b: Resource<u8>,
                    #[resource(path = "{a.id}/{b.id}")]
                    both: Resource<u8>,
                    #[resource(path = "{region.id}/{a}")]
                    wrong_kinds: Resource<u8>,
                    #[resource(path = "{nope.id}")]
                    orphan: Resource<u8>,
                }
            },
        );
        assert_eq!(
            errs,
            [
                "placeholders name more than one parent resource: `a`, `b`; a child resource reads the fields of one parent",
                "placeholder `{region.id}`: `region` is a source parameter, not a resource; write `{region}`",
                "placeholder `{a}` names a resource, not a source parameter; a child resource reads a field of its parent's records: `{a.id}`",
                "placeholder `{nope.id}` names an unknown parent resource `nope`; declare that resource, or fix the name",
            ]
        );
    }

    #[test]
    fn raw_identifiers_and_keyword_keys_expand_without_panicking() {
        let out = rest_source(
            quote!(
                base_url = "https://a.example",
                auth = bearer(token = secret("type"))
            ),
            quote! {
                struct A {
                    r#type: String,
                    #[resource(path = "{type}/x")]
                    r#match: Resource<u8>,
                    #[resource(path = "{match.id}")]
                    child: Resource<u8>,
                }
            },
            &Env::default(),
        );
        let text = out.to_string();
        assert!(!text.contains("compile_error"), "{text}");
        assert!(text.contains("pub r#type"), "{text}");
        let file: syn::File = syn::parse2(out).expect("the expansion parses");
        assert!(!file.items.is_empty());
    }

    #[test]
    fn a_parent_placeholder_in_params_makes_a_child() {
        let cx = Ctxt::new();
        let item: syn::DeriveInput = parse_quote! {
            struct A {
                since: String,
                #[resource(path = "a")]
                a: Resource<u8>,
                #[resource(path = "b", params("a_id" = "{a.id}", "since" = "{since}"), include_from_parent("id"))]
                b: Resource<u8>,
            }
        };
        let source = Source::from_syn(&cx, quote!(base_url = "https://a.example"), &item).unwrap();
        let plan = valid::validate(&cx, &source, &Env::default());
        // No "`include_from_parent` needs a parent": the param names it.
        assert!(cx.finish().is_none());
        assert_eq!(plan.resources["b"].param_placeholders, ["since"]);
    }

    #[test]
    fn start_param_and_its_dlt_alias_conflict() {
        let errs = errors(
            quote!(base_url = "https://a.example"),
            parse_quote! {
                struct A {
                    #[resource(path = "a", incremental(cursor_path = "t", start_param = "s", param = "p"))]
                    a: Resource<u8>,
                }
            },
        );
        assert_eq!(
            errs,
            [
                "`param` and `start_param` are the same setting (`param` is dlt's older name); keep one"
            ]
        );
    }

    #[test]
    fn a_resource_cannot_be_its_own_parent() {
        let errs = errors(
            quote!(base_url = "https://a.example"),
            parse_quote! {
                struct A {
                    #[resource(path = "a/{a.id}")]
                    a: Resource<u8>,
                }
            },
        );
        assert_eq!(
            errs,
            [
                "placeholder `{a.id}` names the resource itself as its parent; a child reads the records of another resource; name that one"
            ]
        );
    }

    #[test]
    fn a_misspelt_required_argument_is_reported_once() {
        let errs = errors(
            quote!(
                base_url = "https://a.example",
                auth = http_basic(usrname = "me", password = secret("pw"))
            ),
            parse_quote!(
                struct A {}
            ),
        );
        assert_eq!(errs.len(), 1, "{errs:#?}");
        assert!(errs[0].contains("did you mean `username`?"));
    }

    #[test]
    fn equal_auths_share_one_group() {
        let cx = Ctxt::new();
        let item: syn::DeriveInput = parse_quote! {
            struct A {
                #[resource(path = "a")]
                a: Resource<u8>,
                #[resource(path = "b")]
                #[auth(bearer(token = secret("t")))]
                b: Resource<u8>,
                #[resource(path = "c")]
                #[auth(bearer(token = secret("other")))]
                c: Resource<u8>,
            }
        };
        let source = Source::from_syn(
            &cx,
            quote!(
                base_url = "https://a.example",
                auth = bearer(token = secret("t"))
            ),
            &item,
        )
        .unwrap();
        let plan = valid::validate(&cx, &source, &Env::default());
        assert!(cx.finish().is_none());
        let group = |r: &str| plan.resources[r].group;
        assert_eq!((group("a"), group("b"), group("c")), (0, 0, 1));
        assert_eq!(plan.secret_keys, ["t", "other"]);
    }

    #[test]
    fn a_resource_field_without_its_attribute_is_one_error_naming_the_fix() {
        let errs = errors(
            quote!(base_url = "https://a.example"),
            parse_quote! {
                struct A {
                    #[resource(path = "a")]
                    a: Resource<u8>,
                    #[resource(path = "a/{notes.id}")]
                    child: Resource<u8>,
                    notes: rest_source::Resource<u8>,
                }
            },
        );
        assert_eq!(errs.len(), 2, "{errs:#?}");
        assert!(
            errs[0].starts_with(
                "`notes` is a `Resource` but has no `#[resource]`: add `#[resource(path = \"…\")]`"
            ),
            "{}",
            errs[0]
        );
        // The child's parent is reported as missing, not as "a source parameter".
        assert!(
            errs[1].contains("names an unknown parent resource `notes`"),
            "{}",
            errs[1]
        );
    }

    #[test]
    fn a_resource_of_the_wrong_type_is_reported_once_per_field() {
        let errs = errors(
            quote!(base_url = "https://a.example"),
            parse_quote! {
                struct A {
                    #[resource(path = "a")]
                    a: Vec<u8>,
                    #[resource(path = "b")]
                    b: Option<Resource<u8>>,
                    #[resource(path = "c")]
                    c: Resource<u8>,
                }
            },
        );
        assert_eq!(errs.len(), 2, "{errs:#?}");
        assert!(errs[0].starts_with("a resource field has type `Resource<T>`"));
        assert!(
            errs[0].contains("`.collect().await` gives the `Vec`"),
            "{}",
            errs[0]
        );
        assert!(errs[1].contains("never an `Option`"), "{}", errs[1]);
    }

    #[test]
    fn a_secret_key_that_is_not_a_literal_is_one_error() {
        let errs = errors(
            quote!(
                base_url = "https://a.example",
                auth = http_basic(username = secret(USER), password = secret(PASSWORD_KEY))
            ),
            parse_quote!(
                struct A {}
            ),
        );
        assert_eq!(
            errs,
            ["`secret(…)` takes the key as a string literal, e.g. `secret(\"token\")`: the macro reads the key at compile time (the value, never)";
                2]
        );
    }

    #[test]
    fn on_error_the_struct_is_emitted_without_our_attributes() {
        let out = rest_source(
            quote!(base_url = "nope"),
            quote! {
                struct A {
                    #[resource(path = "x")]
                    #[auth(none)]
                    x: Resource<u8>,
                }
            },
            &Env::default(),
        );
        let text = out.to_string();
        assert!(text.contains("compile_error"), "{text}");
        assert!(text.contains("struct A"), "{text}");
        assert!(!text.contains("resource (path"), "{text}");
        assert!(!text.contains("# [auth"), "{text}");
    }
}
