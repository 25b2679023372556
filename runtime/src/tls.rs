//! Installs the rustls `ring` provider once per process, so reqwest's `rustls-no-provider`
//! build can make HTTPS requests without pulling in aws-lc.

pub(crate) fn ensure_provider() {
    #[cfg(feature = "rustls")]
    {
        static ONCE: std::sync::Once = std::sync::Once::new();
        ONCE.call_once(|| {
            // Err means another library installed a provider first; that one is used.
            let _ = rustls::crypto::ring::default_provider().install_default();
        });
    }
}
