//! Joining a base URL and a resource path the way users expect, whatever the slashes.

use url::Url;

use crate::error::Error;

/// Joins `path` onto `base`: `https://h/v1` + `me`, `/me`, or `https://h/v1/` + `me` all give
/// `https://h/v1/me` (unlike [`Url::join`], the base's last segment is never dropped).
/// An absolute `http(s)://` path (such as a next-page link) is returned as it is.
pub(crate) fn join(base: &Url, path: &str) -> Result<Url, Error> {
    if path.starts_with("http://") || path.starts_with("https://") {
        return Url::parse(path)
            .map_err(|e| Error::Config(format!("`{path}` is not a valid URL: {e}")));
    }
    let (path_part, query) = match path.split_once('?') {
        Some((p, q)) => (p, Some(q)),
        None => (path, None),
    };
    let mut url = base.clone();
    let joined = format!(
        "{}/{}",
        base.path().trim_end_matches('/'),
        path_part.trim_start_matches('/')
    );
    let joined = if path_part.is_empty() {
        base.path().to_string()
    } else {
        joined
    };
    url.set_path(&joined);
    if let Some(q) = query {
        let existing = url.query().map(str::to_owned);
        match existing {
            Some(e) if !e.is_empty() => url.set_query(Some(&format!("{e}&{q}"))),
            _ => url.set_query(Some(q)),
        }
    }
    Ok(url)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn j(base: &str, path: &str) -> String {
        join(&Url::parse(base).unwrap(), path).unwrap().to_string()
    }

    #[test]
    fn joins_with_and_without_slashes() {
        for base in ["https://h.test/v1", "https://h.test/v1/"] {
            for path in ["me", "/me"] {
                assert_eq!(j(base, path), "https://h.test/v1/me", "{base} + {path}");
            }
        }
        assert_eq!(j("https://h.test", "me"), "https://h.test/me");
        assert_eq!(j("https://h.test/", "/a/b"), "https://h.test/a/b");
        assert_eq!(j("https://h.test/v1", ""), "https://h.test/v1");
    }

    #[test]
    fn keeps_query_strings_from_base_and_path() {
        assert_eq!(
            j("https://h.test/v1?a=1", "x?b=2"),
            "https://h.test/v1/x?a=1&b=2"
        );
        assert_eq!(j("https://h.test/v1", "x?b=2"), "https://h.test/v1/x?b=2");
    }

    #[test]
    fn absolute_links_are_used_as_they_are() {
        assert_eq!(
            j("https://h.test/v1", "http://other.test/p?page=2"),
            "http://other.test/p?page=2"
        );
    }
}
