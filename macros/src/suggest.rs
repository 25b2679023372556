//! "expected one of …" and "did you mean …" wording, with darling's rule: suggest the
//! closest candidate whose Jaro-Winkler similarity exceeds 0.8.

/// The closest candidate to `input`, if close enough to be a plausible typo.
pub fn did_you_mean<'a>(
    input: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    candidates
        .into_iter()
        .map(|c| (strsim::jaro_winkler(input, c), c))
        .filter(|(score, _)| *score > 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, c)| c)
}

/// "expected one of `a`, `b`, `c`".
pub fn expected_one_of(candidates: &[&str]) -> String {
    let list: Vec<String> = candidates.iter().map(|c| format!("`{c}`")).collect();
    format!("expected one of {}", list.join(", "))
}

/// "unknown {what} `{got}`, expected one of …; did you mean `x`?".
pub fn unknown(what: &str, got: &str, candidates: &[&str]) -> String {
    let mut message = format!("unknown {what} `{got}`, {}", expected_one_of(candidates));
    if let Some(best) = did_you_mean(got, candidates.iter().copied()) {
        message.push_str(&format!("; did you mean `{best}`?"));
    }
    message
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_close_typos_only() {
        assert_eq!(did_you_mean("beare", ["bearer", "api_key"]), Some("bearer"));
        assert_eq!(
            did_you_mean("client_secrt", ["client_id", "client_secret"]),
            Some("client_secret")
        );
        assert_eq!(did_you_mean("zzz", ["bearer", "api_key"]), None);
    }

    #[test]
    fn unknown_lists_candidates_and_the_suggestion() {
        assert_eq!(
            unknown("location", "heder", &["header", "query", "cookie"]),
            "unknown location `heder`, expected one of `header`, `query`, `cookie`; did you mean `header`?"
        );
    }
}
