//! Property tests (bounded cases) over what the HTTP layer reads from servers:
//! `Retry-After` values and token responses never panic, and every rejection is an error.

use proptest::prelude::*;
use rest_source_runtime::TokenEndpoint;
use rest_source_runtime::auth::TokenResponse;
use rest_source_runtime::reqwest::StatusCode;
use rest_source_runtime::reqwest::header::{HeaderMap, HeaderValue, RETRY_AFTER};
use rest_source_runtime::retry::retry_after;

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn retry_after_never_panics_and_whole_seconds_parse_exactly(raw in any::<u64>(), junk in ".{0,40}") {
        let mut h = HeaderMap::new();
        h.insert(RETRY_AFTER, HeaderValue::from_str(&raw.to_string()).unwrap());
        prop_assert_eq!(retry_after(&h), Some(std::time::Duration::from_secs(raw)));
        if let Ok(v) = HeaderValue::from_str(&junk) {
            h.insert(RETRY_AFTER, v);
            let _ = retry_after(&h);
        }
    }

    #[test]
    fn token_responses_never_panic(body in proptest::collection::vec(any::<u8>(), 0..200), status in 100u16..600) {
        let response = TokenResponse {
            url: "http://127.0.0.1/token".to_owned(),
            status: StatusCode::from_u16(status).unwrap(),
            headers: HeaderMap::new(),
            body: body.into(),
        };
        let _ = TokenEndpoint::standard().response().parse(&response, "oauth2");
    }

    #[test]
    fn token_json_with_any_expires_in_is_a_token_or_an_error(expires in any::<i64>(), token in "[a-zA-Z0-9]{0,20}") {
        let body = serde_json::json!({"access_token": token, "expires_in": expires}).to_string();
        let response = TokenResponse {
            url: "http://127.0.0.1/token".to_owned(),
            status: StatusCode::OK,
            headers: HeaderMap::new(),
            body: body.into(),
        };
        let parsed = TokenEndpoint::standard().response().parse(&response, "oauth2");
        if token.is_empty() {
            prop_assert!(parsed.is_err());
        }
    }
}
