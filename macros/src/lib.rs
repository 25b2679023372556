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

/// Describes a REST API source on a struct and expands into a typed client (see the
/// `rest-source` crate docs for an example).
///
/// Source arguments: `base_url = "…"` (required, absolute http(s) URL), `auth = <form>`,
/// `headers("Name" = "value", "Other" = secret("key"))`, `paginator = <paginator>` (the
/// default for every resource), `name = "…"` (the secrets section; default: the struct name
/// in snake_case), `secrets_schema = "…"` (a value-free schema, relative to this source file;
/// default `secrets.schema.toml` next to `Cargo.toml` when it exists).
///
/// Auth forms (dlt's names): `bearer(token)`, `api_key(name, api_key, location =
/// header|query|cookie)`, `http_basic(username, password)`, `oauth2_client_credentials(
/// access_token_url, client_id, client_secret, scope, audience, client_auth = body|basic,
/// default_token_expiration)`, `custom(MyAuth, arg = secret("…"), …)` (`MyAuth: Auth +
/// FromSecrets`), `custom(flow = MyGrant, …)` (`MyGrant: OAuth2Flow + FromSecrets`), `none`.
/// Credentials (`token`, `password`, `client_secret`, `api_key`, custom arguments) must be
/// `secret("key")`.
///
/// Fields: `#[resource(path, data_selector, primary_key, paginator, concurrency)]` on a
/// `Resource<Item>` field (`concurrency = N`: requests the resource keeps in flight, default
/// 4); `#[auth(<form>)]` on a resource overrides the source's auth; any other field is a
/// source parameter, usable as `{name}` in paths; `{parent.field}` makes a child resource.
///
/// Generates `<Name>Secrets` (one `Secret` field per key), `<Name>Builder` (type-state:
/// `build` exists once every parameter and the secrets are set), and on the struct
/// `builder()`, `check()`, `SOURCE_NAME` and `SECRET_KEYS`.
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
