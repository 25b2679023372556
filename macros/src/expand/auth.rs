//! The auth of the source and of each resource, as `AuthSpec` values (typed construction),
//! and the builder of `custom(…)` strategies, which are code.

use proc_macro2::{Ident, Span, TokenStream};
use quote::{ToTokens, format_ident, quote, quote_spanned};
use syn::ext::IdentExt;
use syn::spanned::Spanned;

use super::rt;
use crate::attr::Value;
use crate::auth::{AuthDef, AuthForm, TokenShape};

/// `Option<AuthSpec>` for the source-level auth: `None` when there is none (as a config
/// without `client.auth` loads) or it is `custom(…)`, which is code, not data.
pub fn source_auth_spec(def: Option<&AuthDef>) -> TokenStream {
    if def.is_none_or(|d| matches!(d.form, AuthForm::Custom { .. })) {
        return quote!(::core::option::Option::None);
    }
    let spec = auth_spec(def);
    quote!(::core::option::Option::Some(#spec))
}

/// The `AuthSpec` of `def` (`AuthSpec::None` without one), built by typed construction: a
/// model change the expansion does not follow fails to compile here.
pub fn auth_spec(def: Option<&AuthDef>) -> TokenStream {
    let rt = rt();
    let spec = quote!(#rt::spec);
    let Some(def) = def else {
        return quote!(#spec::AuthSpec::None);
    };
    match &def.form {
        AuthForm::None => quote!(#spec::AuthSpec::None),
        AuthForm::Bearer { token } => {
            let token = secret_ref(&token.key);
            quote!(#spec::AuthSpec::Bearer { token: #token })
        }
        AuthForm::ApiKey { .. } => api_key_expr(&def.form),
        AuthForm::HttpBasic { username, password } => {
            let username = maybe(username);
            let password = secret_ref(&password.key);
            quote!(#spec::AuthSpec::HttpBasic { username: #username, password: #password })
        }
        AuthForm::OAuth2ClientCredentials { .. } => oauth2_expr(def),
        AuthForm::OAuth2RefreshToken { .. } => refresh_token_expr(&def.form),
        AuthForm::OAuth2JwtBearer { .. } => jwt_bearer_expr(&def.form),
        AuthForm::SessionToken { .. } => session_token_expr(&def.form),
        AuthForm::Custom { .. } => custom_expr(&def.form),
    }
}

/// `SecretRef("key")`.
fn secret_ref(key: &syn::LitStr) -> TokenStream {
    let rt = rt();
    quote!(#rt::spec::SecretRef(::std::string::String::from(#key)))
}

/// A plain string or a secret reference, as `MaybeSecret`.
fn maybe(v: &Value) -> TokenStream {
    let rt = rt();
    match v {
        Value::Plain(l) => quote!(#rt::spec::MaybeSecret::Plain(::std::string::String::from(#l))),
        Value::Secret(s) => {
            let key = &s.key;
            quote!(#rt::spec::MaybeSecret::Secret { secret: ::std::string::String::from(#key) })
        }
    }
}

/// `api_key(…)`: the name defaults to `Authorization`, the location to the header.
fn api_key_expr(form: &AuthForm) -> TokenStream {
    let AuthForm::ApiKey {
        name,
        api_key,
        location,
    } = form
    else {
        return TokenStream::new();
    };
    let rt = rt();
    let spec = quote!(#rt::spec);
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
    })
}

/// `oauth2_refresh_token(…)`, its token URL and token store overridable by the builder
/// (the builder's `token_store(…)` wins over the attribute's).
fn refresh_token_expr(form: &AuthForm) -> TokenStream {
    let AuthForm::OAuth2RefreshToken {
        access_token_url,
        client_id,
        client_secret,
        refresh_token,
        scope,
        client_auth,
        default_token_expiration,
        token_store,
        shape,
    } = form
    else {
        return TokenStream::new();
    };
    let rt = rt();
    let spec = quote!(#rt::spec);
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
    let token_store = quote!(::core::option::Option::or(
        ::core::clone::Clone::clone(&__token_store),
        #token_store,
    ));
    let shape = shape_fields(shape, true);
    quote!(#spec::AuthSpec::OAuth2RefreshToken {
        access_token_url: #url,
        client_id: #client_id,
        client_secret: #client_secret,
        refresh_token: #refresh_token,
        scope: #scope,
        client_auth: #client_auth,
        default_token_expiration: #expiration,
        token_store: #token_store,
        #shape
    })
}

/// `oauth2_jwt_bearer(…)`, its token URL overridable by the builder.
fn jwt_bearer_expr(form: &AuthForm) -> TokenStream {
    let AuthForm::OAuth2JwtBearer {
        access_token_url,
        issuer,
        private_key,
        subject,
        audience,
        scope,
        key_id,
        default_token_expiration,
        shape,
    } = form
    else {
        return TokenStream::new();
    };
    let rt = rt();
    let spec = quote!(#rt::spec);
    let url = overridable(access_token_url, "__access_token_url");
    let issuer = maybe(issuer);
    let private_key = secret_ref(&private_key.key);
    let (subject, audience) = (opt_str(subject), opt_str(audience));
    let (scope, key_id) = (opt_str(scope), opt_str(key_id));
    let expiration = opt_int(default_token_expiration);
    let shape = shape_fields(shape, false);
    quote!(#spec::AuthSpec::OAuth2JwtBearer {
        access_token_url: #url,
        issuer: #issuer,
        private_key: #private_key,
        subject: #subject,
        audience: #audience,
        scope: #scope,
        key_id: #key_id,
        default_token_expiration: #expiration,
        #shape
    })
}

/// `session_token(…)`, its login URL overridable by the builder.
fn session_token_expr(form: &AuthForm) -> TokenStream {
    let AuthForm::SessionToken {
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
    } = form
    else {
        return TokenStream::new();
    };
    let rt = rt();
    let spec = quote!(#rt::spec);
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
    let (token_cookie, name, prefix) = (opt_str(token_cookie), opt_str(name), opt_str(prefix));
    let ttl = opt_int(ttl);
    let (expires_in_path, expires_at_path) = (opt_str(expires_in_path), opt_str(expires_at_path));
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
        }
    })
}

/// `custom(…)`: every argument under its name, with the builder's overrides (URLs, token
/// store).
fn custom_expr(form: &AuthForm) -> TokenStream {
    let AuthForm::Custom { ty, flow, args } = form else {
        return TokenStream::new();
    };
    let rt = rt();
    let spec = quote!(#rt::spec);
    let type_name = ty.to_token_stream().to_string();
    // Every argument under its name: a secret's key, or the plain string.
    let names = args.iter().map(|(k, _)| k.unraw().to_string());
    let values = args.iter().map(|(_, v)| maybe(v));
    quote!({
        let mut __args: ::std::collections::BTreeMap<::std::string::String, #spec::MaybeSecret> =
            ::std::collections::BTreeMap::from([
                #((::std::string::String::from(#names), #values)),*
            ]);
        // The builder's overrides reach a custom type as they reach the built-in flows:
        // under the builder method's name, replacing an argument of that name.
        for (__name, __value) in [
            ("access_token_url", &__access_token_url),
            ("login_url", &__login_url),
            ("token_store", &__token_store),
        ] {
            if let ::core::option::Option::Some(__value) = __value {
                __args.insert(
                    ::std::string::String::from(__name),
                    #spec::MaybeSecret::Plain(::core::clone::Clone::clone(__value)),
                );
            }
        }
        #spec::AuthSpec::Custom(#spec::CustomAuthSpec {
            type_name: ::std::string::String::from(#type_name),
            flow: #flow,
            args: __args,
        })
    })
}

/// The closure `assemble` calls for `custom(…)` auths: the strategy of the type the spec
/// names, from the arguments' values (under the arguments' names).
pub fn custom_builder(defs: &[&AuthDef]) -> TokenStream {
    let rt = rt();
    let p = super::private();
    let spec = quote!(#rt::spec);
    let arms = defs.iter().filter_map(|def| {
        let AuthForm::Custom { ty, flow, .. } = &def.form else {
            return None;
        };
        let type_name = ty.to_token_stream().to_string();
        // Spanned on the user's type, so "`Auth` is not implemented for `MyAuth`" points there.
        // Through `FromCustomArgs<_>`: a type without `FromSecrets` gets that one error, not
        // a second one for `Auth` (see there).
        let built = quote_spanned! {ty.span()=>
            <#ty as #p::FromCustomArgs<_>>::from_custom_args(__args)?
        };
        let build = if *flow {
            quote_spanned! {ty.span()=> #rt::shared_auth(#rt::OAuth2::new(#built)) }
        } else {
            quote_spanned! {ty.span()=> #rt::shared_auth(#built) }
        };
        Some(quote! {
            if __custom.type_name == #type_name && __custom.flow == #flow {
                return ::core::result::Result::Ok(#build);
            }
        })
    });
    quote! {
        |__custom: &#spec::CustomAuthSpec, __args: &#spec::SecretValues| -> #rt::Result<#rt::SharedAuth> {
            #(#arms)*
            ::core::result::Result::Err(#rt::Error::Config(::std::format!(
                "internal: `#[rest_source]` has no builder for custom auth `{}`; please report this",
                __custom.type_name
            )))
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

/// The token-response fields of an `AuthSpec` (`token_body`, `access_token_path`, …) as
/// field initialisers, the same for every flow that reads a token response;
/// `refresh_token_path` only for the flows that rotate a refresh token.
fn shape_fields(shape: &TokenShape, with_refresh_token: bool) -> TokenStream {
    let token_body = format_expr(shape.token_body.as_ref());
    let access_token_path = opt_str(&shape.access_token_path);
    let expires_in_path = opt_str(&shape.expires_in_path);
    let expires_at_path = opt_str(&shape.expires_at_path);
    let refresh_token_path = with_refresh_token.then(|| {
        let path = opt_str(&shape.refresh_token_path);
        quote!(refresh_token_path: #path,)
    });
    quote! {
        token_body: #token_body,
        access_token_path: #access_token_path,
        expires_in_path: #expires_in_path,
        expires_at_path: #expires_at_path,
        #refresh_token_path
    }
}

fn oauth2_expr(def: &AuthDef) -> TokenStream {
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
    let client_id = maybe(client_id);
    let secret = &client_secret.key;
    let (scope, audience) = (opt_str(scope), opt_str(audience));
    let client_auth = client_auth_expr(client_auth.as_ref());
    let expiration = opt_int(default_token_expiration);
    quote!(#spec::AuthSpec::OAuth2ClientCredentials {
        access_token_url: ::core::clone::Clone::clone(&__access_token_url)
            .unwrap_or_else(|| ::std::string::String::from(#access_token_url)),
        client_id: #client_id,
        client_secret: #spec::SecretRef(::std::string::String::from(#secret)),
        scope: #scope,
        audience: #audience,
        client_auth: #client_auth,
        default_token_expiration: #expiration,
        access_token_request_data: ::core::default::Default::default(),
    })
}
