//! TLS set-up: the rustls `ring` crypto provider, installed once per process.
//!
//! reqwest is built with `rustls-no-provider` so that the default build needs no C toolchain
//! or system packages and skips aws-lc (about 40 s of build time). rustls then needs a
//! process-wide provider, which [`crate::RestClient::builder`] installs. Code that builds its
//! own `reqwest::Client` in the same binary (before any `RestClient`) must call
//! [`install_crypto_provider`] first, or reqwest panics with "No rustls crypto provider".

/// Installs the rustls `ring` provider as the process default, once. Idempotent; if another
/// library installed a provider first, that one is kept. A no-op without the `rustls` feature.
pub fn install_crypto_provider() {
    #[cfg(feature = "rustls")]
    {
        static ONCE: std::sync::Once = std::sync::Once::new();
        ONCE.call_once(|| {
            // Err means another provider is already installed; it is used instead.
            let _ = rustls::crypto::ring::default_provider().install_default();
        });
    }
}

pub(crate) fn ensure_provider() {
    install_crypto_provider();
}
