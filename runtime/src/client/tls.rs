//! TLS set-up: extra root certificates and a client certificate for
//! [`RestClientBuilder`](crate::RestClientBuilder), and the rustls `ring` crypto provider,
//! installed once per process.
//!
//! Server certificates are checked against the system's roots (on Linux, the files
//! `SSL_CERT_FILE` / `SSL_CERT_DIR` name, else the distribution's bundle) plus the extra
//! roots given with [`RestClientBuilder::root_certificates_pem`](crate::RestClientBuilder::root_certificates_pem).
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

/// TLS options of a [`crate::RestClientBuilder`]: files read when the client is built.
#[derive(Clone, Debug, Default)]
pub(crate) struct TlsFiles {
    /// PEM files of extra root certificates (each may hold several).
    pub(crate) roots: Vec<std::path::PathBuf>,
    /// A client certificate chain and its private key, both PEM (mTLS).
    pub(crate) identity: Option<(std::path::PathBuf, std::path::PathBuf)>,
}

impl TlsFiles {
    /// Without a TLS backend there is nothing to configure: an error if anything was asked.
    #[cfg(not(feature = "rustls"))]
    pub(crate) fn apply(
        &self,
        builder: reqwest::ClientBuilder,
    ) -> crate::Result<reqwest::ClientBuilder> {
        if self.roots.is_empty() && self.identity.is_none() {
            return Ok(builder);
        }
        Err(crate::Error::Config(
            "root certificates and client certificates need the `rustls` feature of \
             rest-source; enable it (it is on by default)"
                .to_owned(),
        ))
    }

    /// Adds the roots and the identity to `builder`; errors name the file and the fix.
    #[cfg(feature = "rustls")]
    pub(crate) fn apply(
        &self,
        mut builder: reqwest::ClientBuilder,
    ) -> crate::Result<reqwest::ClientBuilder> {
        for path in &self.roots {
            let pem = read(path, "root certificate")?;
            let certs = reqwest::Certificate::from_pem_bundle(&pem).map_err(|e| {
                invalid(
                    path,
                    "root certificate",
                    &e.to_string(),
                    "a PEM `CERTIFICATE`",
                )
            })?;
            if certs.is_empty() {
                return Err(invalid(
                    path,
                    "root certificate",
                    "it holds no certificate",
                    "a PEM `CERTIFICATE`",
                ));
            }
            for cert in certs {
                builder = builder.add_root_certificate(cert);
            }
        }
        if let Some((cert, key)) = &self.identity {
            let mut pem = read(cert, "client certificate")?;
            pem.push(b'\n');
            pem.extend_from_slice(&read(key, "client key")?);
            let identity = identity(&pem).map_err(|e| {
                invalid(
                    cert,
                    "client certificate",
                    &e,
                    "a PEM `CERTIFICATE` chain, with its PEM private key in the key file",
                )
            })?;
            builder = builder.identity(identity);
        }
        Ok(builder)
    }
}

#[cfg(feature = "rustls")]
fn identity(pem: &[u8]) -> Result<reqwest::Identity, String> {
    reqwest::Identity::from_pem(pem).map_err(|e| e.to_string())
}

#[cfg(feature = "rustls")]
fn read(path: &std::path::Path, what: &str) -> crate::Result<Vec<u8>> {
    std::fs::read(path).map_err(|e| crate::Error::io(format!("read the {what} file"), path, e))
}

#[cfg(feature = "rustls")]
fn invalid(path: &std::path::Path, what: &str, why: &str, expected: &str) -> crate::Error {
    crate::Error::Config(format!(
        "the {what} file `{}` is not usable ({why}); expected {expected}",
        path.display()
    ))
}
