//! The JWT bearer grant (RFC 7523 §2.1), as used by Google service accounts, Salesforce's
//! JWT flow, DocuSign, Box and others: `type = "oauth2_jwt_bearer"`.
//!
//! A JWT assertion — `iss`, optional `sub`, `aud`, `iat`, `exp`, optional `scope`, extra
//! claims — is signed with RS256 using the service account's RSA private key and exchanged
//! at the token endpoint (`grant_type=urn:ietf:params:oauth:grant-type:jwt-bearer`,
//! `assertion=<jwt>`) for an access token, which is cached and refreshed like every OAuth2
//! token.
//!
//! The key is a PEM secret: PKCS#8 (`-----BEGIN PRIVATE KEY-----`) or PKCS#1
//! (`-----BEGIN RSA PRIVATE KEY-----`). A key pasted with literal `\n` escapes (as it appears
//! inside a service-account JSON file) is accepted too. A key that cannot be used is a clear
//! error that never echoes key material. The key is parsed once, on first use.
//!
//! Timestamps come from the system clock (the server compares them with its own), so `iat`
//! is backdated a little ([`JwtBearerFlow::clock_skew`]) to tolerate clocks that disagree.

use std::fmt;
use std::sync::{Arc, OnceLock};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use reqwest::Request;
use ring::rand::{SecureRandom, SystemRandom};
use ring::signature::{RSA_PKCS1_SHA256, RsaKeyPair};
use rustls_pki_types::PrivateKeyDer;
use rustls_pki_types::pem::PemObject;
use serde_json::{Map, Value};

use super::flow::{DEFAULT_TOKEN_EXPIRATION, OAuth2, OAuth2Flow, build_token_request};
use super::shape::TokenEndpoint;
use crate::{Error, Result, Secret};

/// The RFC 7523 grant type.
pub const JWT_BEARER_GRANT_TYPE: &str = "urn:ietf:params:oauth:grant-type:jwt-bearer";

const SCHEME: &str = "oauth2_jwt_bearer";

/// The JWT bearer grant as an [`OAuth2Flow`]. Use it through [`OAuth2JwtBearer`].
#[derive(Clone)]
pub struct JwtBearerFlow {
    access_token_url: String,
    issuer: String,
    private_key: Secret,
    subject: Option<String>,
    audience: Option<String>,
    scope: Option<String>,
    claims: Map<String, Value>,
    key_id: Option<String>,
    assertion_lifetime: Duration,
    clock_skew: Duration,
    jti: bool,
    extra: Vec<(String, String)>,
    default_token_expiration: Duration,
    token_endpoint: TokenEndpoint,
    /// The parsed key, or why it cannot be used (a message without key material).
    key: Arc<OnceLock<std::result::Result<Arc<RsaKeyPair>, String>>>,
}

impl JwtBearerFlow {
    /// A flow for `access_token_url`, with the assertion issued by `issuer` (a service
    /// account's client email, an app's client id) and signed with `private_key_pem`.
    pub fn new(
        access_token_url: impl Into<String>,
        issuer: impl Into<String>,
        private_key_pem: impl Into<Secret>,
    ) -> Self {
        JwtBearerFlow {
            access_token_url: access_token_url.into(),
            issuer: issuer.into(),
            private_key: private_key_pem.into(),
            subject: None,
            audience: None,
            scope: None,
            claims: Map::new(),
            key_id: None,
            assertion_lifetime: Duration::from_secs(3600),
            clock_skew: Duration::from_secs(30),
            jti: false,
            extra: Vec::new(),
            default_token_expiration: DEFAULT_TOKEN_EXPIRATION,
            token_endpoint: TokenEndpoint::new(),
            key: Arc::default(),
        }
    }

    /// A flow from a Google-style service-account key file (the whole JSON as a secret):
    /// `client_email` is the issuer, `private_key` the key, `private_key_id` the `kid`,
    /// `token_uri` the token endpoint (default `https://oauth2.googleapis.com/token`). Add the
    /// scope with [`scope`](Self::scope). Errors name missing fields, never values.
    ///
    /// ```
    /// use rest_source_runtime::JwtBearerFlow;
    /// use rest_source_runtime::Secret;
    /// let err = JwtBearerFlow::from_service_account_json(&Secret::new(r#"{"type": "x"}"#))
    ///     .unwrap_err();
    /// assert!(err.to_string().contains("no `client_email`"));
    /// ```
    pub fn from_service_account_json(json: &Secret) -> Result<Self> {
        let bad = |what: &str| {
            Error::Config(format!(
                "oauth2_jwt_bearer: the service account key {what}; expected the JSON key file \
                 as downloaded (with `client_email` and `private_key`)"
            ))
        };
        let value: Value =
            serde_json::from_str(json.expose()).map_err(|_| bad("is not valid JSON"))?;
        let field = |name: &str| value.get(name).and_then(Value::as_str).map(str::to_owned);
        let issuer = field("client_email").ok_or_else(|| bad("has no `client_email`"))?;
        let key = field("private_key").ok_or_else(|| bad("has no `private_key`"))?;
        let url =
            field("token_uri").unwrap_or_else(|| "https://oauth2.googleapis.com/token".into());
        let mut flow = JwtBearerFlow::new(url, issuer, Secret::new(key));
        if let Some(kid) = field("private_key_id") {
            flow = flow.key_id(kid);
        }
        Ok(flow)
    }

    /// `sub`: the user to act as (domain-wide delegation, Salesforce's username).
    pub fn subject(mut self, subject: impl Into<String>) -> Self {
        self.subject = Some(subject.into());
        self
    }

    /// `aud` (default: the token URL, as Google and RFC 7523 expect).
    pub fn audience(mut self, audience: impl Into<String>) -> Self {
        self.audience = Some(audience.into());
        self
    }

    /// The `scope` claim (space-separated).
    pub fn scope(mut self, scope: impl Into<String>) -> Self {
        self.scope = Some(scope.into());
        self
    }

    /// Adds a claim (or replaces a standard one).
    pub fn claim(mut self, name: impl Into<String>, value: impl Into<Value>) -> Self {
        self.claims.insert(name.into(), value.into());
        self
    }

    /// The `kid` header (Google wants the service account's `private_key_id`).
    pub fn key_id(mut self, key_id: impl Into<String>) -> Self {
        self.key_id = Some(key_id.into());
        self
    }

    /// How long each assertion is valid, `exp - iat` without the skew (default 3600 s; Google
    /// allows at most one hour, Salesforce a few minutes).
    pub fn assertion_lifetime(mut self, lifetime: Duration) -> Self {
        self.assertion_lifetime = lifetime;
        self
    }

    /// How far `iat` is backdated to tolerate clock differences (default 30 s).
    pub fn clock_skew(mut self, skew: Duration) -> Self {
        self.clock_skew = skew;
        self
    }

    /// Adds a random `jti` (unique id) to every assertion, for servers that reject replays.
    pub fn with_jti(mut self) -> Self {
        self.jti = true;
        self
    }

    /// Adds a form field to the token request (not a claim).
    pub fn extra_param(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.extra.push((name.into(), value.into()));
        self
    }

    /// The lifetime assumed when the response states none (default 3600 s).
    pub fn default_token_expiration(mut self, expiration: Duration) -> Self {
        self.default_token_expiration = expiration;
        self
    }

    /// Shapes the token request and response (see [`TokenEndpoint`]).
    pub fn token_endpoint(mut self, endpoint: TokenEndpoint) -> Self {
        self.token_endpoint = endpoint;
        self
    }

    /// Parses the private key now, so a bad key fails at startup rather than at the first
    /// request. Never echoes key material.
    pub fn check_key(&self) -> Result<()> {
        self.key_pair().map(|_| ())
    }

    fn key_pair(&self) -> Result<Arc<RsaKeyPair>> {
        self.key
            .get_or_init(|| parse_private_key(self.private_key.expose()).map(Arc::new))
            .clone()
            .map_err(|why| {
                Error::auth(
                    SCHEME,
                    format!(
                        "the private key cannot be used: {why}; check the `private_key` secret \
                         (the PEM text of the service account's RSA key, including the BEGIN \
                         and END lines)"
                    ),
                )
            })
    }

    /// The claims of an assertion issued at `now` (unix seconds).
    pub fn claims_at(&self, now: u64) -> Map<String, Value> {
        let iat = now.saturating_sub(self.clock_skew.as_secs());
        let exp = iat + self.assertion_lifetime.as_secs();
        let mut claims = Map::new();
        claims.insert("iss".into(), self.issuer.clone().into());
        if let Some(sub) = &self.subject {
            claims.insert("sub".into(), sub.clone().into());
        }
        let aud = self
            .audience
            .clone()
            .unwrap_or_else(|| self.access_token_url.clone());
        claims.insert("aud".into(), aud.into());
        claims.insert("iat".into(), iat.into());
        claims.insert("exp".into(), exp.into());
        if let Some(scope) = &self.scope {
            claims.insert("scope".into(), scope.clone().into());
        }
        for (name, value) in &self.claims {
            claims.insert(name.clone(), value.clone());
        }
        claims
    }

    /// A freshly signed assertion (`header.claims.signature`, RS256).
    pub fn assertion(&self) -> Result<Secret> {
        let key = self.key_pair()?;
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default()
            .as_secs();
        let mut claims = self.claims_at(now);
        let rng = SystemRandom::new();
        if self.jti {
            let mut id = [0u8; 16];
            rng.fill(&mut id)
                .map_err(|_| Error::auth(SCHEME, "the system random generator failed"))?;
            claims.insert("jti".into(), URL_SAFE_NO_PAD.encode(id).into());
        }
        let mut header = Map::new();
        header.insert("alg".into(), "RS256".into());
        header.insert("typ".into(), "JWT".into());
        if let Some(kid) = &self.key_id {
            header.insert("kid".into(), kid.clone().into());
        }
        let encode = |v: &Map<String, Value>| {
            URL_SAFE_NO_PAD.encode(serde_json::to_vec(v).expect("JSON maps serialise"))
        };
        let signing_input = format!("{}.{}", encode(&header), encode(&claims));
        let mut signature = vec![0u8; key.public().modulus_len()];
        key.sign(
            &RSA_PKCS1_SHA256,
            &rng,
            signing_input.as_bytes(),
            &mut signature,
        )
        .map_err(|_| Error::auth(SCHEME, "signing the JWT assertion failed"))?;
        Ok(Secret::new(format!(
            "{signing_input}.{}",
            URL_SAFE_NO_PAD.encode(signature)
        )))
    }
}

/// Parses a PEM RSA private key. The error says what is wrong in words; it never contains
/// any part of the input.
fn parse_private_key(pem: &str) -> std::result::Result<RsaKeyPair, String> {
    // A key copied out of a JSON file keeps its `\n` escapes.
    let unescaped;
    let pem = if !pem.contains('\n') && pem.contains("\\n") {
        unescaped = pem.replace("\\n", "\n");
        unescaped.as_str()
    } else {
        pem
    };
    let der = PrivateKeyDer::from_pem_slice(pem.as_bytes()).map_err(|e| match e {
        rustls_pki_types::pem::Error::NoItemsFound => {
            "no PEM private key found (expected a `-----BEGIN PRIVATE KEY-----` (PKCS#8) or \
             `-----BEGIN RSA PRIVATE KEY-----` (PKCS#1) block)"
                .to_owned()
        }
        _ => "the PEM block is malformed (bad base64 or a missing END line)".to_owned(),
    })?;
    let parsed = match &der {
        PrivateKeyDer::Pkcs8(key) => RsaKeyPair::from_pkcs8(key.secret_pkcs8_der()),
        PrivateKeyDer::Pkcs1(key) => RsaKeyPair::from_der(key.secret_pkcs1_der()),
        PrivateKeyDer::Sec1(_) => {
            return Err("it is an EC key (`BEGIN EC PRIVATE KEY`); RS256 needs an RSA key".into());
        }
        _ => return Err("unsupported key type; RS256 needs an RSA key".into()),
    };
    // `KeyRejected` describes the problem with a fixed word (`InvalidEncoding`,
    // `WrongAlgorithm`, `TooSmall`), never with key bytes.
    parsed.map_err(|e| format!("it is not a usable RSA key ({e})"))
}

impl fmt::Debug for JwtBearerFlow {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let extra: Vec<&str> = self.extra.iter().map(|(k, _)| k.as_str()).collect();
        let claims: Vec<&str> = self.claims.keys().map(String::as_str).collect();
        f.debug_struct("JwtBearerFlow")
            .field("access_token_url", &self.access_token_url)
            .field("issuer", &self.issuer)
            .field("private_key", &self.private_key)
            .field("subject", &self.subject)
            .field("audience", &self.audience)
            .field("scope", &self.scope)
            .field("extra_claims", &claims)
            .field("key_id", &self.key_id)
            .field("assertion_lifetime", &self.assertion_lifetime)
            .field("extra_params", &extra)
            .field("token_endpoint", &self.token_endpoint)
            .finish()
    }
}

impl OAuth2Flow for JwtBearerFlow {
    fn access_token_url(&self) -> &str {
        &self.access_token_url
    }

    /// `grant_type` and the extra parameters; the `assertion` is added by
    /// [`build_access_token_request`](Self::build_access_token_request), because signing can
    /// fail.
    fn access_token_request_data(&self) -> Vec<(String, String)> {
        let mut data = vec![("grant_type".to_owned(), JWT_BEARER_GRANT_TYPE.to_owned())];
        for (name, value) in &self.extra {
            match data.iter_mut().find(|(n, _)| n == name) {
                Some(existing) => existing.1 = value.clone(),
                None => data.push((name.clone(), value.clone())),
            }
        }
        data
    }

    fn build_access_token_request(&self, http: &reqwest::Client) -> Result<Request> {
        let mut data = self.access_token_request_data();
        data.push(("assertion".into(), self.assertion()?.expose().to_owned()));
        build_token_request(self, http, data)
    }

    fn default_token_expiration(&self) -> Duration {
        self.default_token_expiration
    }

    fn scheme(&self) -> &'static str {
        SCHEME
    }

    fn token_endpoint(&self) -> &TokenEndpoint {
        &self.token_endpoint
    }
}

/// OAuth2 JWT bearer grant (`type = "oauth2_jwt_bearer"`, service accounts): an RS256-signed
/// assertion exchanged for an access token, cached, refreshed before expiry, single-flight,
/// renewed once on a 401. See the module docs.
///
/// ```
/// use rest_source_runtime::{OAuth2JwtBearer, RestClient, Secret};
///
/// // A Google service account: the issuer is its `client_email`.
/// let auth = OAuth2JwtBearer::new(
///     "https://oauth2.googleapis.com/token",
///     "etl@my-project.iam.gserviceaccount.com",
///     Secret::new("-----BEGIN PRIVATE KEY-----\n…from your secrets…"),
/// )
/// .scope("https://www.googleapis.com/auth/analytics.readonly")
/// .subject("analyst@example.com") // domain-wide delegation, if used
/// .key_id("private key id from your secrets");
/// let client = RestClient::builder("https://analyticsdata.googleapis.com/v1beta")
///     .auth(auth)
///     .build()?;
/// # let _ = client; Ok::<(), rest_source_runtime::Error>(())
/// ```
pub struct OAuth2JwtBearer {
    inner: OAuth2<JwtBearerFlow>,
}

impl OAuth2JwtBearer {
    /// See [`JwtBearerFlow::new`].
    pub fn new(
        access_token_url: impl Into<String>,
        issuer: impl Into<String>,
        private_key_pem: impl Into<Secret>,
    ) -> Self {
        Self::from_flow(JwtBearerFlow::new(
            access_token_url,
            issuer,
            private_key_pem,
        ))
    }

    /// See [`JwtBearerFlow::from_service_account_json`].
    pub fn from_service_account_json(json: &Secret) -> Result<Self> {
        JwtBearerFlow::from_service_account_json(json).map(Self::from_flow)
    }

    /// See [`JwtBearerFlow::subject`].
    pub fn subject(self, subject: impl Into<String>) -> Self {
        self.map_flow(|f| f.subject(subject))
    }

    /// See [`JwtBearerFlow::audience`].
    pub fn audience(self, audience: impl Into<String>) -> Self {
        self.map_flow(|f| f.audience(audience))
    }

    /// See [`JwtBearerFlow::scope`].
    pub fn scope(self, scope: impl Into<String>) -> Self {
        self.map_flow(|f| f.scope(scope))
    }

    /// See [`JwtBearerFlow::claim`].
    pub fn claim(self, name: impl Into<String>, value: impl Into<Value>) -> Self {
        self.map_flow(|f| f.claim(name, value))
    }

    /// See [`JwtBearerFlow::key_id`].
    pub fn key_id(self, key_id: impl Into<String>) -> Self {
        self.map_flow(|f| f.key_id(key_id))
    }

    /// See [`JwtBearerFlow::assertion_lifetime`].
    pub fn assertion_lifetime(self, lifetime: Duration) -> Self {
        self.map_flow(|f| f.assertion_lifetime(lifetime))
    }

    /// See [`JwtBearerFlow::clock_skew`].
    pub fn clock_skew(self, skew: Duration) -> Self {
        self.map_flow(|f| f.clock_skew(skew))
    }

    /// See [`JwtBearerFlow::with_jti`].
    pub fn with_jti(self) -> Self {
        self.map_flow(JwtBearerFlow::with_jti)
    }

    /// See [`JwtBearerFlow::extra_param`].
    pub fn extra_param(self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.map_flow(|f| f.extra_param(name, value))
    }

    /// See [`JwtBearerFlow::default_token_expiration`].
    pub fn default_token_expiration(self, expiration: Duration) -> Self {
        self.map_flow(|f| f.default_token_expiration(expiration))
    }

    /// See [`JwtBearerFlow::token_endpoint`].
    pub fn token_endpoint(self, endpoint: TokenEndpoint) -> Self {
        self.map_flow(|f| f.token_endpoint(endpoint))
    }

    /// See [`JwtBearerFlow::check_key`].
    pub fn check_key(&self) -> Result<()> {
        self.inner.flow().check_key()
    }
}

super::delegate_to_oauth2!(OAuth2JwtBearer, JwtBearerFlow);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bad_keys_are_described_without_key_material() {
        let cases = [
            (
                "not a key at all: SECRETMATERIAL",
                "no PEM private key found",
            ),
            (
                "-----BEGIN PRIVATE KEY-----\nSECRETMATERIAL!!\n-----END PRIVATE KEY-----\n",
                "",
            ),
            (
                "-----BEGIN PRIVATE KEY-----\nU0VDUkVUTUFURVJJQUw=\n-----END PRIVATE KEY-----\n",
                "not a usable RSA key",
            ),
        ];
        for (pem, expected) in cases {
            let flow = JwtBearerFlow::new("https://a.test/token", "iss", Secret::new(pem));
            let msg = flow.check_key().unwrap_err().to_string();
            assert!(msg.contains(expected), "{msg}");
            assert!(msg.contains("check the `private_key` secret"), "{msg}");
            assert!(!msg.contains("SECRETMATERIAL"), "{msg}");
            assert!(!msg.contains("U0VDUkVU"), "{msg}");
        }
    }

    #[test]
    fn claims_have_the_configured_values_and_lifetime() {
        let flow = JwtBearerFlow::new("https://a.test/token", "me@sa", Secret::new(""))
            .subject("user@x")
            .scope("s1 s2")
            .claim("tenant", "acme")
            .assertion_lifetime(Duration::from_secs(300));
        let c = flow.claims_at(1_000_000);
        assert_eq!(c["iss"], "me@sa");
        assert_eq!(c["sub"], "user@x");
        assert_eq!(c["aud"], "https://a.test/token");
        assert_eq!(c["scope"], "s1 s2");
        assert_eq!(c["tenant"], "acme");
        assert_eq!(c["iat"], 1_000_000 - 30);
        assert_eq!(c["exp"], 1_000_000 - 30 + 300);
    }
}
