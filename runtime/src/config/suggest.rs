//! "Did you mean …?" for misspelt keys and type names (darling's rule: Jaro-Winkler > 0.8).

/// The candidate closest to `got`, if it is close enough to be what the user meant.
pub(crate) fn did_you_mean<'a>(got: &str, candidates: &[&'a str]) -> Option<&'a str> {
    candidates
        .iter()
        .map(|c| (strsim::jaro_winkler(got, c), *c))
        .filter(|(score, _)| *score > 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, c)| c)
}

/// "expected one of `a`, `b`, `c`".
pub(crate) fn one_of(candidates: &[&str]) -> String {
    let list: Vec<String> = candidates.iter().map(|c| format!("`{c}`")).collect();
    match list.len() {
        1 => format!("expected {}", list[0]),
        _ => format!("expected one of {}", list.join(", ")),
    }
}

/// The help for an unrecognised `got`: a suggestion when one is close, else the list.
pub(crate) fn help(got: &str, candidates: &[&str]) -> String {
    match did_you_mean(got, candidates) {
        Some(close) => format!("did you mean `{close}`?"),
        None => one_of(candidates),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_close_names_only() {
        let types = [
            "bearer",
            "api_key",
            "http_basic",
            "oauth2_client_credentials",
        ];
        assert_eq!(
            did_you_mean("oauth2_client_credential", &types),
            Some("oauth2_client_credentials")
        );
        assert_eq!(did_you_mean("apikey", &types), Some("api_key"));
        assert_eq!(did_you_mean("saml", &types), None);
        assert_eq!(
            help("saml", &types[..2]),
            "expected one of `bearer`, `api_key`"
        );
    }
}
