//! The attribute argument lists, read with darling: one `#[derive(FromMeta)]` struct per list
//! (the source, a resource, `incremental(…)`, each paginator and each auth form), declared
//! through [`args!`], and custom `FromMeta` values only where the syntax needs them
//! (`values.rs`: `secret("key")`, string-keyed `params(…)` / `headers(…)`, `custom(…)`).
//!
//! **Adding an argument is a one-field change**: add `optional name: Type,` (or `required …`)
//! to the list's `args!` block (`optional field as "key": Type,` when the argument's name is a
//! keyword, as `crate` is), then read the field where the list becomes the macro's model
//! (`source.rs`, `auth.rs`, `paginator.rs`). The field's name is the argument's name; unknown,
//! duplicate and missing arguments are reported from the same declaration, with "did you
//! mean" (darling's Jaro-Winkler rule, `suggest.rs`), and every field's own mistake is
//! reported too: each field is parsed as a `darling::Result`, so one bad value neither hides
//! the others nor drops the list.

pub mod auth;
pub mod paginator;
pub mod source;
pub mod values;

use darling::ast::NestedMeta;
use proc_macro2::{Span, TokenStream};

use crate::suggest;

/// An argument list declared with [`args!`].
pub trait Args: Sized {
    /// The list in messages: "unknown `{WHAT}` argument …", "`{WHAT}` is missing …".
    const WHAT: &'static str;
    /// Every argument name, in declaration order.
    const KEYS: &'static [&'static str];
    /// Appended to "missing required argument `x`" when one argument is missing.
    const MISSING_HINT: &'static str = "";

    /// Reads known, distinct arguments: `None` when a required one is missing or invalid.
    /// Each error comes with the argument it is about, so they can be put in written order.
    fn from_known(
        items: &[NestedMeta],
        missing: &mut Vec<&'static str>,
        errors: &mut Vec<(&'static str, darling::Error)>,
    ) -> Option<Self>;
}

/// Declares an argument list: the struct the model is built from (`required` fields as
/// `T`, `optional` ones as `Option<T>`) and, hidden, the darling struct it is read with.
macro_rules! args {
    (
        $(#[$meta:meta])*
        pub struct $name:ident for $what:literal $(, hint $hint:literal)? {
            $(
                $(#[$fmeta:meta])*
                $req:ident $field:ident $(as $key:literal)? : $ty:ty
            ),* $(,)?
        }
    ) => {
        $(#[$meta])*
        pub struct $name {
            $( $(#[$fmeta])* pub $field: args!(@field $req $ty), )*
        }

        const _: () = {
            /// Every field as a `Result`, so each mistake is reported and none drops the
            /// list; unknown keys are reported (in our wording) before darling sees them.
            #[derive(::darling::FromMeta)]
            #[darling(allow_unknown_fields)]
            struct Raw {
                $( $(#[darling(rename = $key)])? $field: ::core::option::Option<::darling::Result<$ty>>, )*
            }

            impl $crate::args::Args for $name {
                const WHAT: &'static str = $what;
                const KEYS: &'static [&'static str] = &[$(args!(@key $field $($key)?)),*];
                $(const MISSING_HINT: &'static str = $hint;)?

                fn from_known(
                    items: &[::darling::ast::NestedMeta],
                    missing: &mut ::std::vec::Vec<&'static str>,
                    errors: &mut ::std::vec::Vec<(&'static str, ::darling::Error)>,
                ) -> ::core::option::Option<Self> {
                    let raw = match <Raw as ::darling::FromMeta>::from_list(items) {
                        ::core::result::Result::Ok(raw) => raw,
                        ::core::result::Result::Err(e) => {
                            errors.push(("", e));
                            return ::core::option::Option::None;
                        }
                    };
                    // Lists without a required argument never add to `missing`.
                    let _ = &missing;
                    $(
                        let $field = $crate::args::take(raw.$field, args!(@key $field $($key)?), errors);
                        args!(@missing $req $field missing $($key)?);
                    )*
// Every field was read (and every mistake collected) above; now the value, if
                    // each required argument is there.
                    $( let $field = args!(@unwrap $req $field); )*
                    ::core::option::Option::Some($name { $($field),* })
                }
            }
        };
    };
    (@field required $ty:ty) => { $ty };
    (@field optional $ty:ty) => { ::core::option::Option<$ty> };
    (@missing required $field:ident $missing:ident $($key:literal)?) => {
        if matches!($field, $crate::args::Taken::Absent) {
            $missing.push(args!(@key $field $($key)?));
        }
    };
    (@missing optional $field:ident $missing:ident $($key:literal)?) => {};
    // The argument's name: the field's, or the `as "…"` one (for keywords such as `crate`).
    (@key $field:ident) => { ::core::stringify!($field) };
    (@key $field:ident $key:literal) => { $key };
    (@unwrap required $field:ident) => { $field.ok()? };
    (@unwrap optional $field:ident) => { $field.ok() };
}
pub(crate) use args;

/// One field after darling: absent, invalid (reported) or read.
pub enum Taken<T> {
    Absent,
    Invalid,
    Ok(T),
}

impl<T> Taken<T> {
    pub fn ok(self) -> Option<T> {
        match self {
            Taken::Ok(v) => Some(v),
            Taken::Absent | Taken::Invalid => None,
        }
    }
}

pub fn take<T>(
    field: Option<darling::Result<T>>,
    key: &'static str,
    errors: &mut Vec<(&'static str, darling::Error)>,
) -> Taken<T> {
    match field {
        None => Taken::Absent,
        Some(Ok(v)) => Taken::Ok(v),
        Some(Err(e)) => {
            errors.push((key, e));
            Taken::Invalid
        }
    }
}

/// A list read as `T`: the value (`None` if a required argument is missing or invalid) and
/// every mistake, in the order written (missing arguments last).
pub struct Parsed<T> {
    pub value: Option<T>,
    pub errors: Vec<darling::Error>,
}

impl<T> Parsed<T> {
    /// The value, or all errors as one.
    pub fn into_result(self) -> darling::Result<T> {
        match self.value {
            Some(v) if self.errors.is_empty() => Ok(v),
            _ => Err(combine(self.errors)),
        }
    }

    /// Whether an "unknown argument" error suggests `key` (so `key` is not also missing).
    pub fn suggests(&self, key: &str) -> bool {
        let suggestion = format!("did you mean `{key}`?");
        self.errors
            .iter()
            .any(|e| e.to_string().contains(&suggestion))
    }
}

/// `errors` as one error. Empty only if a list was dropped without a reported reason, which
/// parsing never does; it stays an error rather than inventing a value.
pub fn combine(errors: Vec<darling::Error>) -> darling::Error {
    if errors.is_empty() {
        darling::Error::custom(
            "internal: an argument list was dropped without an error; please report this",
        )
    } else {
        darling::Error::multiple(errors)
    }
}

/// Reads the argument list `tokens` (inside `kind(…)`) as `T`. `at` is where "missing
/// required argument" points: the list's name.
pub fn parse_tokens<T: Args>(tokens: TokenStream, at: Span) -> Parsed<T> {
    match NestedMeta::parse_meta_list(tokens) {
        Ok(items) => parse_items(&items, at),
        Err(e) => Parsed {
            value: None,
            errors: vec![e.into()],
        },
    }
}

/// Reads `items` as `T`: each key must be one of `T::KEYS`, once; everything wrong is
/// reported, each mistake once (a misspelt required argument is not also "missing").
pub fn parse_items<T: Args>(items: &[NestedMeta], at: Span) -> Parsed<T> {
    // Each error with the position of the argument it is about, to report in written order.
    let mut errors: Vec<(usize, darling::Error)> = Vec::new();
    let mut known: Vec<NestedMeta> = Vec::new();
    let mut seen: Vec<(String, usize)> = Vec::new();
    let mut suggested: Vec<&str> = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let meta = match item {
            NestedMeta::Meta(meta) => meta,
            other => {
                let message = format!(
                    "expected `name = value` in {}, e.g. `{} = …`",
                    T::WHAT,
                    T::KEYS.first().copied().unwrap_or("name")
                );
                errors.push((i, values::error_on(other, message)));
                continue;
            }
        };
        let Some(key) = meta.path().get_ident() else {
            let error = values::error_on(meta.path(), "expected a single identifier");
            errors.push((i, error));
            continue;
        };
        let name = key.to_string();
        if !T::KEYS.contains(&name.as_str()) {
            let what = format!("{} argument", T::WHAT);
            let message = suggest::unknown(&what, &name, T::KEYS);
            errors.push((i, values::error_on(key, message)));
            suggested.extend(suggest::did_you_mean(&name, T::KEYS.iter().copied()));
            continue;
        }
        if seen.iter().any(|(s, _)| *s == name) {
            errors.push((i, values::error_on(key, format!("duplicate `{name}`"))));
            continue;
        }
        seen.push((name, i));
        known.push(item.clone());
    }
    let mut missing = Vec::new();
    let mut field_errors = Vec::new();
    let value = T::from_known(&known, &mut missing, &mut field_errors);
    for (key, error) in field_errors {
        let at = seen
            .iter()
            .find(|(s, _)| s == key)
            .map_or(usize::MAX, |(_, i)| *i);
        errors.push((at, error));
    }
    errors.sort_by_key(|(i, _)| *i);
    let mut errors: Vec<darling::Error> = errors.into_iter().map(|(_, e)| e).collect();
    missing.retain(|m| !suggested.contains(m));
    if !missing.is_empty() {
        errors.push(missing_error::<T>(&missing, at));
    }
    Parsed { value, errors }
}

fn missing_error<T: Args>(missing: &[&str], at: Span) -> darling::Error {
    let list: Vec<String> = missing.iter().map(|m| format!("`{m}`")).collect();
    let mut message = format!(
        "{} is missing required argument{} {}",
        T::WHAT,
        if missing.len() == 1 { "" } else { "s" },
        list.join(", ")
    );
    if missing.len() == 1 && !T::MISSING_HINT.is_empty() {
        message.push_str(&format!(" ({})", T::MISSING_HINT));
    }
    values::error_at(at, message)
}

/// Every darling error as `syn::Error`s, in order, each with its span.
pub fn into_syn(errors: Vec<darling::Error>) -> Vec<syn::Error> {
    errors
        .into_iter()
        .flat_map(|e| e.flatten())
        .map(syn::Error::from)
        .collect()
}

#[cfg(test)]
mod tests {
    use quote::quote;

    use super::source::source_config;

    fn messages(errors: Vec<darling::Error>) -> Vec<String> {
        super::into_syn(errors)
            .into_iter()
            .map(|e| e.to_string())
            .collect()
    }

    #[test]
    fn every_bad_value_of_one_list_is_reported_in_written_order() {
        let parsed = source_config(quote!(
            base_url = "https://a.example",
            auth = oauth2_refresh_token(
                client_id = 5,
                access_token_url = "not a url",
                refresh_token = "literal",
            ),
        ));
        let errors = messages(parsed.errors);
        assert_eq!(errors.len(), 3, "{errors:#?}");
        assert_eq!(errors[0], "expected a string literal or `secret(\"key\")`");
        assert!(
            errors[1].starts_with("`access_token_url` must be an absolute URL"),
            "{}",
            errors[1]
        );
        assert!(
            errors[2].starts_with("`refresh_token` is a credential"),
            "{}",
            errors[2]
        );
        // The bad auth does not drop the rest of the list.
        let config = parsed.value.unwrap();
        assert_eq!(config.base_url.unwrap().value(), "https://a.example");
        assert!(config.auth.is_none());
    }

    #[test]
    fn a_duplicate_argument_is_reported_and_the_first_is_kept() {
        let parsed = source_config(quote!(
            base_url = "https://a.example",
            base_url = "https://b.example"
        ));
        assert_eq!(messages(parsed.errors), ["duplicate `base_url`"]);
        let config = parsed.value.unwrap();
        assert_eq!(config.base_url.unwrap().value(), "https://a.example");
    }

    #[test]
    fn an_unknown_argument_names_every_known_one_and_the_closest() {
        let parsed = source_config(quote!(
            base_url = "https://a.example",
            paginator = offset(limt = 10, total_path = 5),
        ));
        assert_eq!(
            messages(parsed.errors),
            [
                "unknown `offset` argument `limt`, expected one of `limit`, `offset`, `offset_param`, `limit_param`, `total_path`, `maximum_offset`, `stop_after_empty_page`, `has_more_path`; did you mean `limit`?",
                "`total_path` of `offset` expects a string, e.g. `total_path = \"…\"`",
            ]
        );
    }

    #[test]
    fn missing_required_arguments_are_one_error() {
        let parsed = source_config(quote!(
            base_url = "https://a.example",
            auth = oauth2_jwt_bearer(scope = "x"),
        ));
        assert_eq!(
            messages(parsed.errors),
            [
                "`oauth2_jwt_bearer` is missing required arguments `access_token_url`, `issuer`, `private_key`"
            ]
        );
    }
}
