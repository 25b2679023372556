//! How the client connects: `[client.tls]` (extra root certificates, a client certificate
//! and its key), `client.proxy` and `client.no_proxy`, read into a [`TransportSpec`].
//!
//! Certificate and key files are named by path, relative to the config file's folder; they
//! are read when the source is built, so a missing file is an error naming it then. A proxy
//! URL with a password is a credential: it must come from the secrets.

use std::path::{Path, PathBuf};

use super::Validator;
use crate::config::tree::{Node, NodeValue};
use crate::spec::{MaybeSecret, TransportSpec};

const TLS_KEYS: &[&str] = &["root_certificates", "client_certificate", "client_key"];

impl Validator<'_> {
    /// The connection settings of the `client` table `node` (absent keys: the default).
    pub(super) fn transport(&mut self, node: &Node) -> TransportSpec {
        let mut transport = TransportSpec::default();
        if let Some(tls) = node.get("tls") {
            self.tls(tls, &mut transport);
        }
        if let Some(proxy) = node.get("proxy") {
            transport.proxy = self.proxy(proxy, "client.proxy");
        }
        if let Some(hosts) = node.get("no_proxy") {
            transport.no_proxy = self.no_proxy(hosts, "client.no_proxy");
        }
        transport
    }

    fn tls(&mut self, node: &Node, transport: &mut TransportSpec) {
        if self
            .table(node, "client.tls", TLS_KEYS, "`client.tls`")
            .is_none()
        {
            return;
        }
        if let Some(roots) = node.get("root_certificates") {
            let at = "client.tls.root_certificates";
            if let Some(paths) = self.strings(roots, at) {
                for path in paths {
                    if let Some(path) = self.file_path(roots, at, &path) {
                        transport.root_certificates.push(path);
                    }
                }
            }
        }
        let cert = node.get("client_certificate");
        let key = node.get("client_key");
        match (cert, key) {
            (Some(cert), Some(key)) => {
                let cert = self.path_value(cert, "client.tls.client_certificate");
                let key = self.path_value(key, "client.tls.client_key");
                if let (Some(cert), Some(key)) = (cert, key) {
                    transport.client_certificate =
                        Some(crate::spec::ClientCertificate::new(cert, key));
                }
            }
            (Some(_), None) => self.problem(
                node.span.as_ref(),
                "client.tls",
                "`client_certificate` is given without `client_key`",
                Some(
                    "add `client_key = \"…\"`: the path of the certificate's PEM private key"
                        .into(),
                ),
            ),
            (None, Some(_)) => self.problem(
                node.span.as_ref(),
                "client.tls",
                "`client_key` is given without `client_certificate`",
                Some(
                    "add `client_certificate = \"…\"`: the path of the PEM certificate chain"
                        .into(),
                ),
            ),
            (None, None) => {}
        }
    }

    /// A path string, relative to the config file's folder.
    fn path_value(&mut self, node: &Node, path: &str) -> Option<PathBuf> {
        match &node.value {
            NodeValue::Str(s) => self.file_path(node, path, s),
            NodeValue::Table(_) => {
                // The key file is named by path; its contents never go in the secrets or
                // the config.
                self.problem(
                    node.span.as_ref(),
                    path,
                    "expected the path of a PEM file",
                    Some(
                        "write the file's path (relative to the config file), such as \
                         `\"certs/client.key\"`; keep the file itself readable only by you"
                            .into(),
                    ),
                );
                None
            }
            _ => {
                self.expected(node, path, "the path of a PEM file");
                None
            }
        }
    }

    fn file_path(&mut self, node: &Node, path: &str, value: &str) -> Option<PathBuf> {
        if value.trim().is_empty() {
            self.problem(
                node.span.as_ref(),
                path,
                "empty file path",
                Some("expected the path of a PEM file, such as `\"certs/ca.pem\"`".into()),
            );
            return None;
        }
        if value.contains("-----BEGIN") {
            // Never echoed: it may be a private key.
            self.problem(
                node.span.as_ref(),
                path,
                "expected the path of a PEM file, not its contents",
                Some("save the PEM text in a file and give its path".into()),
            );
            return None;
        }
        let file = Path::new(value);
        if file.is_absolute() {
            return Some(file.to_owned());
        }
        let folder = Path::new(&self.origin).parent().unwrap_or(Path::new(""));
        Some(folder.join(file))
    }

    /// `proxy = "http://proxy:3128"` or `proxy = { secret = "key" }`; a URL with a password
    /// must be the latter.
    fn proxy(&mut self, node: &Node, path: &str) -> Option<MaybeSecret> {
        let proxy = self.maybe_secret(node, path)?;
        let MaybeSecret::Plain(url) = &proxy else {
            return Some(proxy);
        };
        let parsed = url::Url::parse(url)
            .ok()
            .filter(|u| matches!(u.scheme(), "http" | "https") && u.host_str().is_some());
        let Some(parsed) = parsed else {
            // Not echoed: a URL that does not parse cannot be redacted.
            self.problem(
                node.span.as_ref(),
                path,
                "the proxy URL is not an http(s) URL",
                Some("expected something like `\"http://proxy.internal:3128\"`".into()),
            );
            return None;
        };
        if parsed.password().is_some() {
            self.inline_credential(node, path, "proxy");
            return None;
        }
        Some(proxy)
    }

    /// A `NO_PROXY`-style list: a comma-separated string or an array of host names.
    fn no_proxy(&mut self, node: &Node, path: &str) -> Vec<String> {
        let Some(hosts) = self.strings(node, path) else {
            return Vec::new();
        };
        hosts
            .iter()
            .flat_map(|h| h.split(','))
            .map(str::trim)
            .filter(|h| !h.is_empty())
            .map(str::to_owned)
            .collect()
    }
}
