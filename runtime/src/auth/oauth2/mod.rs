//! OAuth2: the client credentials grant, and the [`OAuth2Flow`] extension trait for the
//! grants providers invent.
//!
//! - [`flow`]: [`OAuth2Flow`] (how to get a token, step by step, each step overridable) and
//!   [`OAuth2`] (any flow + a [`TokenCache`](crate::auth::token::cache::TokenCache): caching,
//!   refresh before expiry, single flight, 401 handling).
//! - [`client_credentials`]: [`ClientCredentialsFlow`] and [`OAuth2ClientCredentials`].
//! - [`jwt_bearer`]: [`JwtBearerFlow`] and [`OAuth2JwtBearer`] (RFC 7523, service accounts).
//! - [`refresh_token`]: [`RefreshTokenFlow`] and [`OAuth2RefreshToken`] (rotation, token store).
//! - [`shape`]: [`TokenEndpoint`], for token endpoints with renamed fields, absolute expiry,
//!   extra headers or JSON bodies.
//! - [`token`]: [`AccessToken`] and reading token responses without ever echoing them.

/// The public OAuth2 strategies are newtypes over [`OAuth2<F>`] (so each can have its own
/// `new` without clashing with the generic one); this writes their shared delegation once:
/// `from_flow()`, `max_refresh_leeway()`, `flow()`, `access_token()`, `invalidate()`, the
/// private `map_flow()` their builder methods go through, a redacting `Debug`, and `Auth`.
macro_rules! delegate_to_oauth2 {
    ($ty:ident, $flow:ty) => {
        impl $ty {
            /// From a configured flow.
            pub fn from_flow(flow: $flow) -> Self {
                $ty {
                    inner: crate::auth::oauth2::OAuth2::new(flow),
                }
            }

            /// See [`OAuth2::max_refresh_leeway`](crate::auth::oauth2::OAuth2::max_refresh_leeway).
            pub fn max_refresh_leeway(self, leeway: ::std::time::Duration) -> Self {
                $ty {
                    inner: self.inner.max_refresh_leeway(leeway),
                }
            }

            // Builder methods rebuild the auth around the changed flow, so a cache can never
            // hold a token obtained with other settings.
            fn map_flow(self, f: impl FnOnce($flow) -> $flow) -> Self {
                $ty {
                    inner: self.inner.map_flow(f),
                }
            }

            /// The flow's settings.
            pub fn flow(&self) -> &$flow {
                self.inner.flow()
            }

            /// The current access token, fetched or refreshed if needed (see
            /// [`OAuth2::access_token`](crate::auth::oauth2::OAuth2::access_token)).
            pub async fn access_token(
                &self,
                cx: &crate::auth::AuthContext,
            ) -> crate::Result<crate::auth::oauth2::AccessToken> {
                self.inner.access_token(cx).await
            }

            /// Drops the cached access token (a refresh token, if any, stays in its store).
            pub fn invalidate(&self) {
                self.inner.invalidate();
            }
        }

        impl ::std::fmt::Debug for $ty {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.debug_tuple(stringify!($ty)).field(&self.inner).finish()
            }
        }

        impl crate::auth::Auth for $ty {
            async fn sign(
                &self,
                request: &mut ::reqwest::Request,
                cx: &crate::auth::AuthContext,
            ) -> crate::Result<()> {
                crate::auth::Auth::sign(&self.inner, request, cx).await
            }

            async fn unauthorized(&self, rejected: &::reqwest::Request) -> bool {
                crate::auth::Auth::unauthorized(&self.inner, rejected).await
            }

            fn scheme(&self) -> &'static str {
                crate::auth::Auth::scheme(&self.inner)
            }

            fn sensitive_query_params(&self) -> Vec<String> {
                crate::auth::Auth::sensitive_query_params(&self.inner)
            }
        }
    };
}
pub(crate) use delegate_to_oauth2;

pub mod client_credentials;
pub mod flow;
pub mod jwt_bearer;
pub mod refresh_token;
pub mod shape;
pub mod token;

pub use client_credentials::{ClientCredentialsFlow, OAuth2ClientCredentials};
pub use flow::{
    ClientAuth, ClientCredentials, OAuth2, OAuth2Flow, build_token_request, send_token_request,
};
pub use jwt_bearer::{JWT_BEARER_GRANT_TYPE, JwtBearerFlow, OAuth2JwtBearer};
pub use refresh_token::{OAuth2RefreshToken, RefreshTokenFlow};
pub use shape::{TokenEndpoint, TokenRequestFormat, TokenResponseShape};
pub use token::{AccessToken, TokenResponse};
