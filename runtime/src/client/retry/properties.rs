//! Property tests of `Retry-After` parsing (crate-private, so tested here rather than from
//! `runtime/tests/`): never panics, and whole seconds parse exactly.

use proptest::prelude::*;
use reqwest::header::{HeaderMap, HeaderValue, RETRY_AFTER};

use super::retry_after;

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
}
