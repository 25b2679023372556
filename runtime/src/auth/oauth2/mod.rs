//! OAuth2: the client credentials grant, and the [`OAuth2Flow`] extension trait for the
//! grants providers invent.
//!
//! - [`flow`]: [`OAuth2Flow`] (how to get a token, step by step, each step overridable) and
//!   [`OAuth2`] (any flow + a [`TokenCache`](crate::token_cache::TokenCache): caching,
//!   refresh before expiry, single flight, 401 handling).
//! - [`client_credentials`]: [`ClientCredentialsFlow`] and [`OAuth2ClientCredentials`].
//! - [`jwt_bearer`]: [`JwtBearerFlow`] and [`OAuth2JwtBearer`] (RFC 7523, service accounts).
//! - [`refresh_token`]: [`RefreshTokenFlow`] and [`OAuth2RefreshToken`] (rotation, token store).
//! - [`shape`]: [`TokenEndpoint`], for token endpoints with renamed fields, absolute expiry,
//!   extra headers or JSON bodies.
//! - [`token`]: [`AccessToken`] and reading token responses without ever echoing them.

pub mod client_credentials;
pub mod flow;
pub mod jwt_bearer;
pub mod refresh_token;
pub mod shape;
pub mod token;

pub use client_credentials::{ClientCredentialsFlow, OAuth2ClientCredentials};
pub use flow::{
    ClientAuth, ClientCredentials, DEFAULT_TOKEN_EXPIRATION, OAuth2, OAuth2Flow,
    build_token_request, send_token_request,
};
pub use jwt_bearer::{JWT_BEARER_GRANT_TYPE, JwtBearerFlow, OAuth2JwtBearer};
pub use refresh_token::{OAuth2RefreshToken, RefreshTokenFlow};
pub use shape::{TokenEndpoint, TokenRequestFormat, TokenResponseShape, json_path, parse_rfc3339};
pub use token::{AccessToken, TokenResponse, parse_standard_response};
