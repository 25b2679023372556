//! Checks a JWT bearer assertion the way a token server would: RS256 signature against the
//! test public key (ring's `UnparsedPublicKey`), then the decoded header and claims. The key
//! pair under `tests/fixtures/` is a test-only key.

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use ring::signature::{RSA_PKCS1_2048_8192_SHA256, UnparsedPublicKey};
use serde_json::Value;

/// The test private key (PKCS#8), the one the verifier's public key matches.
pub const PKCS8: &str = include_str!("../../fixtures/jwt_test_key.pem");
const PUBLIC: &str = include_str!("../../fixtures/jwt_test_public_pkcs1.pem");

fn public_key_der() -> Vec<u8> {
    let b64: String = PUBLIC
        .lines()
        .skip_while(|l| !l.starts_with("-----BEGIN"))
        .skip(1)
        .take_while(|l| !l.starts_with("-----END"))
        .collect();
    STANDARD.decode(b64).unwrap()
}

/// A decoded, signature-checked assertion.
#[derive(Debug)]
pub struct Verified {
    pub header: Value,
    pub claims: Value,
}

/// Verifies `jwt` with the test public key; `Err` says why not.
pub fn verify(jwt: &str) -> Result<Verified, String> {
    let parts: Vec<&str> = jwt.split('.').collect();
    let [header, claims, signature] = parts[..] else {
        return Err(format!("{} parts, expected 3", parts.len()));
    };
    let signature = URL_SAFE_NO_PAD
        .decode(signature)
        .map_err(|e| e.to_string())?;
    let der = public_key_der();
    UnparsedPublicKey::new(&RSA_PKCS1_2048_8192_SHA256, &der)
        .verify(format!("{header}.{claims}").as_bytes(), &signature)
        .map_err(|_| "bad signature".to_owned())?;
    let decode = |part: &str| -> Result<Value, String> {
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(part).map_err(|e| e.to_string())?)
            .map_err(|e| e.to_string())
    };
    Ok(Verified {
        header: decode(header)?,
        claims: decode(claims)?,
    })
}
