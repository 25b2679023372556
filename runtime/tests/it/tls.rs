//! TLS against a loopback server with certificates made here (rcgen): an extra root
//! certificate reaches it and nothing else does (an unknown issuer is a clear, unretried
//! error); a server that requires a client certificate gets one (mTLS); an https page
//! that redirects to http is not followed. The same through a config's `[client.tls]`
//! (paths relative to the config file). Real clock: TLS handshakes are real I/O.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair};
use rest_source_runtime::TransportKind;
use rest_source_runtime::config::SourceConfig;
use rest_source_runtime::spec::SecretValues;
use rest_source_runtime::{Error, RestClient, RetryPolicy};
use rustls_pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use tokio_rustls::TlsAcceptor;
use tokio_rustls::rustls;

/// A CA, a server certificate for `localhost` and a client certificate it signed, as DER
/// (for the server) and as PEM files (for the client).
struct Pki {
    /// The folder of the PEM files (configs are written here too), removed on drop.
    dir: tempfile::TempDir,
    ca: CertificateDer<'static>,
    server_chain: Vec<CertificateDer<'static>>,
    server_key: PrivateKeyDer<'static>,
    ca_pem: PathBuf,
    client_pem: PathBuf,
    client_key_pem: PathBuf,
}

fn pki() -> Pki {
    let dir = crate::common::temp_dir("tls");

    let ca_key = KeyPair::generate().unwrap();
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca_params
        .distinguished_name
        .push(DnType::CommonName, "rest-source test CA");
    let ca = ca_params.self_signed(&ca_key).unwrap();
    let issuer = Issuer::new(ca_params, ca_key);

    let server_key = KeyPair::generate().unwrap();
    let server = CertificateParams::new(vec!["localhost".to_owned()])
        .unwrap()
        .signed_by(&server_key, &issuer)
        .unwrap();
    let client_key = KeyPair::generate().unwrap();
    let client = CertificateParams::new(vec!["client.test".to_owned()])
        .unwrap()
        .signed_by(&client_key, &issuer)
        .unwrap();

    let write = |name: &str, text: String| {
        let path = dir.path().join(name);
        std::fs::write(&path, text).unwrap();
        path
    };
    let (ca_pem, client_pem) = (write("ca.pem", ca.pem()), write("client.pem", client.pem()));
    let client_key_pem = write("client.key", client_key.serialize_pem());
    Pki {
        dir,
        ca: ca.der().clone(),
        server_chain: vec![server.der().clone()],
        server_key: PrivatePkcs8KeyDer::from(server_key.serialize_der()).into(),
        ca_pem,
        client_pem,
        client_key_pem,
    }
}

/// An https server on 127.0.0.1:0 answering every request with `response` (a whole raw
/// HTTP/1.1 response); `require_client_cert` turns on mTLS. Returns its port and how many
/// connections it accepted.
async fn tls_server(
    pki: &Pki,
    require_client_cert: bool,
    response: String,
) -> (u16, Arc<AtomicUsize>) {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let builder = rustls::ServerConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .unwrap();
    let builder = if require_client_cert {
        let mut roots = rustls::RootCertStore::empty();
        roots.add(pki.ca.clone()).unwrap();
        let verifier =
            rustls::server::WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider)
                .build()
                .unwrap();
        builder.with_client_cert_verifier(verifier)
    } else {
        builder.with_no_client_auth()
    };
    let config = builder
        .with_single_cert(pki.server_chain.clone(), pki.server_key.clone_key())
        .unwrap();
    let acceptor = TlsAcceptor::from(Arc::new(config));
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let connections = Arc::new(AtomicUsize::new(0));
    let count = connections.clone();
    tokio::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                return;
            };
            count.fetch_add(1, Ordering::SeqCst);
            let (acceptor, response) = (acceptor.clone(), response.clone());
            tokio::spawn(async move {
                let Ok(mut tls) = acceptor.accept(stream).await else {
                    return;
                };
                let mut buf = [0u8; 4096];
                let _ = tls.read(&mut buf).await;
                let _ = tls.write_all(response.as_bytes()).await;
                let _ = tls.shutdown().await;
            });
        }
    });
    (port, connections)
}

fn ok_response() -> String {
    let body = r#"{"ok":true}"#;
    format!(
        "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
        body.len()
    )
}

#[tokio::test]
async fn a_self_signed_server_is_reached_with_the_extra_root_certificate() {
    let pki = pki();
    let (port, _) = tls_server(&pki, false, ok_response()).await;
    let c = RestClient::builder(format!("https://localhost:{port}/"))
        .root_certificates_pem(&pki.ca_pem)
        .retry(RetryPolicy::none())
        .build()
        .unwrap();
    let body: serde_json::Value = c.get_json("x").await.unwrap();
    assert_eq!(body, serde_json::json!({"ok": true}));
}

#[tokio::test]
async fn an_unknown_issuer_is_a_tls_error_and_is_not_retried() {
    let pki = pki();
    let (port, connections) = tls_server(&pki, false, ok_response()).await;
    let c = RestClient::builder(format!("https://localhost:{port}/"))
        .retry(RetryPolicy::default())
        .build()
        .unwrap();
    let err = c.get("x").await.unwrap_err();
    let text = err.to_string();
    assert_eq!(err.transport_kind(), Some(TransportKind::Tls), "{text}");
    assert!(
        text.contains("TLS: invalid peer certificate: UnknownIssuer"),
        "{text}"
    );
    assert!(!err.is_retryable());
    assert!(matches!(err, Error::Transport { .. }), "{err:?}");
    assert_eq!(connections.load(Ordering::SeqCst), 1);
    // The `source()` chain leads to the certificate failure itself.
    let chain: Vec<String> =
        std::iter::successors(std::error::Error::source(&err), |e| (*e).source())
            .map(ToString::to_string)
            .collect();
    assert!(
        chain.iter().any(|e| e.contains("UnknownIssuer")),
        "{chain:?}"
    );
}

#[tokio::test]
async fn mtls_presents_the_client_certificate() {
    let pki = pki();
    let (port, _) = tls_server(&pki, true, ok_response()).await;
    let url = format!("https://localhost:{port}/");
    let with_cert = RestClient::builder(&url)
        .root_certificates_pem(&pki.ca_pem)
        .client_certificate_pem(&pki.client_pem, &pki.client_key_pem)
        .retry(RetryPolicy::none())
        .build()
        .unwrap();
    with_cert.get("x").await.unwrap();
    let without = RestClient::builder(&url)
        .root_certificates_pem(&pki.ca_pem)
        .retry(RetryPolicy::none())
        .build()
        .unwrap();
    assert!(without.get("x").await.is_err());
}

#[tokio::test]
async fn an_https_redirect_to_http_is_not_followed() {
    let pki = pki();
    let plain = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let plain_port = plain.local_addr().unwrap().port();
    let response = format!(
        "HTTP/1.1 302 Found\r\nlocation: http://127.0.0.1:{plain_port}/landing?page=2\r\ncontent-length: 0\r\nconnection: close\r\n\r\n"
    );
    let (port, _) = tls_server(&pki, false, response).await;
    let c = RestClient::builder(format!("https://localhost:{port}/"))
        .root_certificates_pem(&pki.ca_pem)
        .retry(RetryPolicy::none())
        .build()
        .unwrap();
    let err = c.get("x").await.unwrap_err();
    assert!(matches!(err, Error::Redirect { .. }), "{err:?}");
    assert!(
        err.to_string().contains("downgrade from https to http"),
        "{err}"
    );
    // Nothing connected to the plain-http port.
    let accepted = tokio::time::timeout(std::time::Duration::from_millis(50), plain.accept()).await;
    assert!(accepted.is_err(), "the http target was contacted");
}

#[test]
fn unreadable_and_invalid_certificate_files_are_errors_naming_the_file() {
    let missing = RestClient::builder("https://api.test/")
        .root_certificates_pem("/nonexistent/ca.pem")
        .build()
        .unwrap_err();
    assert!(matches!(missing, Error::Io { .. }), "{missing:?}");
    assert!(
        missing.to_string().contains("/nonexistent/ca.pem"),
        "{missing}"
    );
    let pki = pki();
    let empty = RestClient::builder("https://api.test/")
        .root_certificates_pem(&pki.client_key_pem)
        .build()
        .unwrap_err();
    assert!(
        empty.to_string().contains("holds no certificate"),
        "{empty}"
    );
}

/// A one-resource source at `port` with `tls` as its `[client.tls]` table, written next to
/// the PEM files and loaded from there.
fn tls_config(pki: &Pki, port: u16, tls: &str) -> SourceConfig {
    let path = pki.dir.path().join("api.toml");
    std::fs::write(
        &path,
        format!(
            r#"[client]
base_url = "https://localhost:{port}/"
tls = {{ {tls} }}

[[resources]]
name = "status"
endpoint = {{ path = "status", paginator = "single_page" }}
"#
        ),
    )
    .unwrap();
    SourceConfig::from_path(&path).unwrap()
}

/// The first page of the config's resource.
async fn first_page(config: &SourceConfig) -> rest_source_runtime::Result<usize> {
    let source = config.build_with_values(&SecretValues::new(&config.name))?;
    let page = source.resources()[0].first_page().await?;
    Ok(page.map_or(0, |p| p.len()))
}

#[tokio::test]
async fn a_config_trusts_its_root_certificates_relative_to_the_config_file() {
    let pki = pki();
    let (port, _) = tls_server(&pki, false, ok_response()).await;
    let config = tls_config(&pki, port, r#"root_certificates = "ca.pem""#);
    assert_eq!(
        config.client.transport.root_certificates,
        [pki.dir.path().join("ca.pem")]
    );
    assert_eq!(first_page(&config).await.unwrap(), 1);
    // Without it, the same server is an unknown issuer.
    let without = tls_config(&pki, port, "");
    let err = first_page(&without).await.unwrap_err();
    assert_eq!(err.transport_kind(), Some(TransportKind::Tls), "{err}");
    assert!(err.to_string().contains("UnknownIssuer"), "{err}");
}

#[tokio::test]
async fn a_config_presents_its_client_certificate() {
    let pki = pki();
    let (port, _) = tls_server(&pki, true, ok_response()).await;
    let config = tls_config(
        &pki,
        port,
        r#"root_certificates = ["ca.pem"], client_certificate = "client.pem", client_key = "client.key""#,
    );
    assert_eq!(first_page(&config).await.unwrap(), 1);
    let without = tls_config(&pki, port, r#"root_certificates = "ca.pem""#);
    assert!(first_page(&without).await.is_err());
}

#[test]
fn a_missing_key_file_is_an_error_naming_it_and_key_contents_are_never_printed() {
    let pki = pki();
    let config = tls_config(
        &pki,
        1,
        r#"client_certificate = "client.pem", client_key = "missing.key""#,
    );
    let err = config
        .build_with_values(&SecretValues::new(&config.name))
        .unwrap_err();
    assert!(matches!(err, Error::Io { .. }), "{err:?}");
    assert!(err.to_string().contains("missing.key"), "{err}");
    // A key pasted into the config instead of its path is refused without being echoed.
    let key = std::fs::read_to_string(&pki.client_key_pem).unwrap();
    let text = format!(
        "[client]\nbase_url = \"https://localhost/\"\ntls = {{ client_certificate = \"client.pem\", client_key = {key:?} }}\n\n[[resources]]\nname = \"status\"\n"
    );
    let err = SourceConfig::from_toml_str(&text, "api.toml").unwrap_err();
    let shown = format!("{err}\n{err:?}");
    assert!(shown.contains("not its contents"), "{shown}");
    assert!(!shown.contains("PRIVATE KEY"), "{shown}");
    let secret_line = key.lines().nth(1).unwrap();
    assert!(!shown.contains(secret_line), "{shown}");
}

#[test]
fn tls_config_mistakes_are_reported_together() {
    let text = r#"[client]
base_url = "https://localhost/"
tls = { root_certificate = "ca.pem", client_certificate = "client.pem" }

[[resources]]
name = "status"
"#;
    let err = SourceConfig::from_toml_str(text, "api.toml")
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("unknown key `root_certificate`") && err.contains("root_certificates"),
        "{err}"
    );
    assert!(
        err.contains("`client_certificate` is given without `client_key`"),
        "{err}"
    );
}
