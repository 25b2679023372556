//! [`TransportSpec`]: how a source's HTTP client connects — extra trusted root certificates,
//! a client certificate (mutual TLS) and an explicit proxy. Plain data; the runtime applies
//! it with the same `RestClientBuilder` options code would call.

use std::path::PathBuf;

use crate::MaybeSecret;

/// Connection settings of a source (the config's `[client.tls]`, `client.proxy`,
/// `client.no_proxy`). The default changes nothing: the system's roots (and
/// `SSL_CERT_FILE`), no client certificate, the environment's proxies.
///
/// ```
/// use rest_source_spec::{MaybeSecret, TransportSpec};
///
/// let transport = TransportSpec::default()
///     .root_certificates("certs/internal-ca.pem")
///     .client_certificate("certs/client.pem", "certs/client.key")
///     .proxy(MaybeSecret::Plain("http://proxy.internal:3128".into()))
///     .no_proxy("localhost");
/// assert_eq!(transport.secret_keys(), Vec::<&str>::new());
/// assert!(!transport.is_default());
/// ```
#[derive(Clone, Debug, Default, PartialEq)]
#[non_exhaustive]
pub struct TransportSpec {
    /// PEM files of root certificates trusted in addition to the system's.
    pub root_certificates: Vec<PathBuf>,
    /// A client certificate chain and its private key, both PEM files (mTLS). The key is
    /// named by its path only; its contents are read when the client is built and never
    /// printed.
    pub client_certificate: Option<ClientCertificate>,
    /// The proxy every request goes through (replacing `HTTPS_PROXY` & co.), plain or — when
    /// its URL holds a password — from the secrets.
    pub proxy: Option<MaybeSecret>,
    /// Hosts reached without [`TransportSpec::proxy`], as `NO_PROXY` lists them.
    pub no_proxy: Vec<String>,
}

/// A client certificate for mutual TLS: two PEM files.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct ClientCertificate {
    /// The certificate chain.
    pub certificate: PathBuf,
    /// Its private key (PKCS#8, PKCS#1 or SEC1).
    pub key: PathBuf,
}

impl ClientCertificate {
    /// The certificate at `certificate` with its key at `key`.
    pub fn new(certificate: impl Into<PathBuf>, key: impl Into<PathBuf>) -> Self {
        ClientCertificate {
            certificate: certificate.into(),
            key: key.into(),
        }
    }
}

impl TransportSpec {
    /// Trusts the root certificates in the PEM file at `path` too.
    pub fn root_certificates(mut self, path: impl Into<PathBuf>) -> Self {
        self.root_certificates.push(path.into());
        self
    }

    /// Presents the client certificate at `certificate`, with its key at `key`.
    pub fn client_certificate(
        mut self,
        certificate: impl Into<PathBuf>,
        key: impl Into<PathBuf>,
    ) -> Self {
        self.client_certificate = Some(ClientCertificate::new(certificate, key));
        self
    }

    /// Sends every request through the proxy at `url`.
    pub fn proxy(mut self, url: MaybeSecret) -> Self {
        self.proxy = Some(url);
        self
    }

    /// Reaches `host` without the proxy.
    pub fn no_proxy(mut self, host: impl Into<String>) -> Self {
        self.no_proxy.push(host.into());
        self
    }

    /// Whether nothing is set.
    pub fn is_default(&self) -> bool {
        *self == TransportSpec::default()
    }

    /// The secret keys it references (a proxy URL from the secrets).
    pub fn secret_keys(&self) -> Vec<&str> {
        self.proxy
            .iter()
            .filter_map(MaybeSecret::secret_key)
            .collect()
    }
}
