//! Property tests (bounded cases) over what the HTTP layer reads from servers:
//! token responses never panic (`Retry-After`: `runtime/src/client/retry/properties.rs`), and every rejection is an error.

use proptest::prelude::*;
use rest_source_runtime::TokenEndpoint;
use rest_source_runtime::TokenResponse;
use rest_source_runtime::reqwest::StatusCode;
use rest_source_runtime::reqwest::header::HeaderMap;

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

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
