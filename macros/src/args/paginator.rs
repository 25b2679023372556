//! `paginator = <type>(…)`: one darling list per dlt paginator type, with its arguments'
//! types, translated into the model's [`Paginator`] (the type and its literal arguments).

use std::marker::PhantomData;

use darling::FromMeta;
use syn::{Expr, Ident, Lit, Meta};

use super::values::{self, error_on};
use super::{Args, args, parse_tokens};
use crate::attr::Paginator;
use crate::suggest;

/// How an argument's type is written and checked.
pub trait Kind {
    fn accepts(lit: &Lit) -> bool;
    fn expected(key: &Ident) -> String;
}

pub enum Str {}
pub enum Count {}
pub enum Bool {}

impl Kind for Str {
    fn accepts(lit: &Lit) -> bool {
        matches!(lit, Lit::Str(_))
    }
    fn expected(key: &Ident) -> String {
        format!("a string, e.g. `{key} = \"…\"`")
    }
}

impl Kind for Count {
    fn accepts(lit: &Lit) -> bool {
        matches!(lit, Lit::Int(i) if i.base10_parse::<u64>().is_ok() && i.suffix().is_empty())
    }
    fn expected(key: &Ident) -> String {
        format!("a whole number, e.g. `{key} = 100`")
    }
}

impl Kind for Bool {
    fn accepts(lit: &Lit) -> bool {
        matches!(lit, Lit::Bool(_))
    }
    fn expected(key: &Ident) -> String {
        format!("`true` or `false`, e.g. `{key} = true`")
    }
}

/// One paginator argument: its key and literal, of kind `K`. The error says "`{key}`
/// expects …"; [`PaginatorArg`] adds which paginator.
pub struct Arg<K>(Ident, Lit, PhantomData<K>);

impl<K: Kind> FromMeta for Arg<K> {
    fn from_meta(meta: &Meta) -> darling::Result<Self> {
        let key = values::form_name(meta)?;
        let expr = match meta {
            Meta::NameValue(nv) => &nv.value,
            _ => return Err(error_on(meta, format!("expected `{key} = …`"))),
        };
        match expr {
            Expr::Lit(l) if K::accepts(&l.lit) => Ok(Arg(key, l.lit.clone(), PhantomData)),
            other => {
                let expected = K::expected(&key);
                Err(error_on(other, format!("`{key}` expects {expected}")))
            }
        }
    }
}

/// Appends a read argument (present or optional) to the model's list.
trait Push {
    fn push_into(self, out: &mut Vec<(Ident, Lit)>);
}

impl<K> Push for Arg<K> {
    fn push_into(self, out: &mut Vec<(Ident, Lit)>) {
        out.push((self.0, self.1));
    }
}

impl<K> Push for Option<Arg<K>> {
    fn push_into(self, out: &mut Vec<(Ident, Lit)>) {
        out.extend(self.map(|a| (a.0, a.1)));
    }
}

/// A paginator's list, and its arguments as the model's `(key, literal)` pairs.
macro_rules! paginator_args {
    ($name:ident for $what:literal $(, hint $hint:literal)? { $($req:ident $field:ident : $ty:ty),* $(,)? }) => {
        args! {
            pub struct $name for $what $(, hint $hint)? { $($req $field: $ty),* }
        }
        impl $name {
            fn into_args(self) -> Vec<(Ident, Lit)> {
                let mut out = Vec::new();
                $( Push::push_into(self.$field, &mut out); )*
                out
            }
        }
    };
}

paginator_args!(JsonLink for "`json_link`" {
    optional next_url_path: Arg<Str>,
    optional has_more_path: Arg<Str>,
    optional stop_after_empty_page: Arg<Bool>,
});

paginator_args!(HeaderLink for "`header_link`" {
    optional links_next_key: Arg<Str>,
});

paginator_args!(Offset for "`offset`", hint "records per page, e.g. `offset(limit = 100)`" {
    required limit: Arg<Count>,
    optional offset: Arg<Count>,
    optional offset_param: Arg<Str>,
    optional limit_param: Arg<Str>,
    optional total_path: Arg<Str>,
    optional maximum_offset: Arg<Count>,
    optional stop_after_empty_page: Arg<Bool>,
    optional has_more_path: Arg<Str>,
});

paginator_args!(PageNumber for "`page_number`" {
    optional base_page: Arg<Count>,
    optional page: Arg<Count>,
    optional page_param: Arg<Str>,
    optional total_path: Arg<Str>,
    optional maximum_page: Arg<Count>,
    optional stop_after_empty_page: Arg<Bool>,
    optional has_more_path: Arg<Str>,
});

paginator_args!(Cursor for "`cursor`" {
    optional cursor_path: Arg<Str>,
    optional cursor_param: Arg<Str>,
    optional has_more_path: Arg<Str>,
    optional stop_after_empty_page: Arg<Bool>,
});

/// The paginator types, dlt's names.
pub const PAGINATORS: &[&str] = &[
    "auto",
    "single_page",
    "json_link",
    "header_link",
    "offset",
    "page_number",
    "cursor",
];

/// `paginator = single_page` / `paginator = offset(limit = 100)` as the model's
/// [`Paginator`].
pub struct PaginatorArg(pub Paginator);

impl FromMeta for PaginatorArg {
    fn from_meta(meta: &Meta) -> darling::Result<Self> {
        let form = values::form(meta)?;
        let kind = values::form_name(&form)?;
        let tokens = match &form {
            Meta::List(list) => list.tokens.clone(),
            _ => proc_macro2::TokenStream::new(),
        };
        let args = match kind.to_string().as_str() {
            "auto" | "single_page" => {
                if !tokens.is_empty() {
                    return Err(error_on(
                        &tokens,
                        format!("`{kind}` takes no arguments; write `paginator = {kind}`"),
                    ));
                }
                Vec::new()
            }
            "json_link" => read::<JsonLink>(&kind, tokens, JsonLink::into_args)?,
            "header_link" => read::<HeaderLink>(&kind, tokens, HeaderLink::into_args)?,
            "offset" => read::<Offset>(&kind, tokens, Offset::into_args)?,
            "page_number" => read::<PageNumber>(&kind, tokens, PageNumber::into_args)?,
            "cursor" => read::<Cursor>(&kind, tokens, Cursor::into_args)?,
            other => {
                return Err(error_on(
                    &kind,
                    suggest::unknown("paginator", other, PAGINATORS),
                ));
            }
        };
        // `limit = 0` and a paginator that could never stop: shared rules
        // (`rest_source_spec::validate::paginator`), reported by `shared.rs`.
        Ok(PaginatorArg(Paginator { kind, args }))
    }
}

/// Reads the list of paginator `kind`; a value error names the paginator ("`limit` of
/// `offset` expects …").
fn read<T: Args>(
    kind: &Ident,
    tokens: proc_macro2::TokenStream,
    into_args: fn(T) -> Vec<(Ident, Lit)>,
) -> darling::Result<Vec<(Ident, Lit)>> {
    let parsed = parse_tokens::<T>(tokens, kind.span());
    if parsed.errors.is_empty()
        && let Some(value) = parsed.value
    {
        return Ok(into_args(value));
    }
    let of_kind = format!("` of `{kind}` expects ");
    let errors = super::into_syn(parsed.errors)
        .into_iter()
        .map(|e| {
            let message = e.to_string().replacen("` expects ", &of_kind, 1);
            darling::Error::from(syn::Error::new(e.span(), message))
        })
        .collect();
    Err(super::combine(errors))
}
