//! Sources described as data. The `#[rest_source]` macro and the declarative config build
//! the same spec values, and the runtime executes them, so both front ends behave alike.

pub mod auth;

pub use auth::{AuthSpec, FromSecrets, MaybeSecret, SecretRef, SecretValues};
