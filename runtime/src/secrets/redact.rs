//! Removing credentials from URLs before they reach an error, a log line or `Debug` output.

use url::Url;

/// Query parameter names that are redacted from every printed URL, whatever the auth in use:
/// names that hold a credential wherever they appear. Auth strategies add their own names
/// (for example an API key sent as `?key=`). Names that are usually data (`code`, `state`,
/// `id`) are not listed: a client whose auth puts no credential there prints them.
pub const DEFAULT_SENSITIVE_PARAMS: &[&str] = &[
    "access_token",
    "api_key",
    "apikey",
    "api-key",
    "auth",
    "client_secret",
    "key",
    "password",
    "refresh_token",
    "secret",
    "sig",
    "signature",
    "token",
];

/// The text put in place of a redacted value.
pub const REDACTED: &str = "[REDACTED]";

/// Prints `url` with the values of sensitive query parameters (the defaults above plus
/// `extra`, compared case-insensitively) and any userinfo password replaced by `[REDACTED]`.
pub fn redact_url<S: AsRef<str>>(url: &Url, extra: &[S]) -> String {
    let mut out = url.clone();
    if out.password().is_some() {
        let _ = out.set_password(Some("REDACTED"));
    }
    let Some(query) = url.query() else {
        return out.to_string();
    };
    let is_sensitive = |name: &str| {
        DEFAULT_SENSITIVE_PARAMS
            .iter()
            .any(|s| s.eq_ignore_ascii_case(name))
            || extra.iter().any(|s| s.as_ref().eq_ignore_ascii_case(name))
    };
    // Rewrite the raw query pair by pair so untouched pairs keep their exact encoding.
    let redacted: Vec<String> = query
        .split('&')
        .map(|pair| {
            let raw_name = pair.split('=').next().unwrap_or("");
            let name = url::form_urlencoded::parse(raw_name.as_bytes())
                .next()
                .map(|(k, _)| k.into_owned())
                .unwrap_or_default();
            if is_sensitive(&name) {
                format!("{raw_name}={REDACTED}")
            } else {
                pair.to_string()
            }
        })
        .collect();
    out.set_query(None);
    let mut s = out.to_string();
    if let Some(pos) = s.find('#') {
        s.truncate(pos);
    }
    s.push('?');
    s.push_str(&redacted.join("&"));
    if let Some(fragment) = url.fragment() {
        s.push('#');
        s.push_str(fragment);
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redacts_default_and_extra_params_and_passwords() {
        let url = Url::parse("https://u:pw@h.test/p?token=t1&Custom=c1&page=3").unwrap();
        let s = redact_url(&url, &["custom"]);
        assert!(
            !s.contains("t1") && !s.contains("c1") && !s.contains("pw"),
            "{s}"
        );
        assert!(s.contains("page=3"), "{s}");
    }

    #[test]
    fn data_parameters_named_code_or_state_are_kept() {
        let url = Url::parse("https://h.test/countries?code=US&state=CA&api_key=k1").unwrap();
        assert_eq!(
            redact_url::<&str>(&url, &[]),
            "https://h.test/countries?code=US&state=CA&api_key=[REDACTED]"
        );
        // …unless the auth sends its credential under that name.
        assert!(!redact_url(&url, &["code"]).contains("US"));
    }

    #[test]
    fn leaves_urls_without_query_alone() {
        let url = Url::parse("https://h.test/p").unwrap();
        assert_eq!(redact_url::<&str>(&url, &[]), "https://h.test/p");
    }

    #[test]
    fn encoded_param_names_are_recognised() {
        let url = Url::parse("https://h.test/p?api%5Fkey=zz").unwrap();
        assert!(!redact_url::<&str>(&url, &[]).contains("zz"));
    }
}

/// The examples of this module's items (crate-private, so not doc tests).
#[cfg(test)]
mod examples {
    #[test]
    fn sensitive_query_values_are_redacted() {
        use super::redact_url;
        let url = url::Url::parse("https://h.test/x?page=2&api_key=abc&X-Key=def").unwrap();
        assert_eq!(
            redact_url(&url, &["x-key"]),
            "https://h.test/x?page=2&api_key=[REDACTED]&X-Key=[REDACTED]"
        );
    }
}
