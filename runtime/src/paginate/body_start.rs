//! Finding a paging value (a next link, a cursor) at the start of a JSON body while the rest
//! of it streams in, without parsing the body: a scan over the object keys on the value's
//! path that skips the scalars and small objects or arrays (up to [`SMALL`] bytes) before
//! it, and gives up at the first larger one (the records) or past [`LIMIT`] bytes. A link
//! that comes after the records is then read from the whole body as before, and costs only
//! the scan of the bytes up to the records.

use std::borrow::Cow;

use crate::resource::select::Segment;

/// How far into a body the scan looks before giving up.
pub(crate) const LIMIT: usize = 8 * 1024;

/// The largest object or array skipped on the way to the value: a larger one is taken for
/// the records, and the value for one that comes after them.
pub(crate) const SMALL: usize = 256;

/// What the start of a body holds at a path.
#[derive(Debug, PartialEq)]
pub(crate) enum Found<'a> {
    /// A string (unescaped).
    Str(Cow<'a, str>),
    /// A number, as written.
    Number(&'a str),
    /// Not decided by these bytes: more of the body is needed.
    NeedMore,
    /// The start of the body does not tell: the path is absent, `null`, another kind of
    /// value, comes after a large value, or is past [`LIMIT`].
    No,
}

enum Stop {
    More,
    No,
}

struct Scan<'a> {
    b: &'a [u8],
    i: usize,
}

type Step<T> = Result<T, Stop>;

impl<'a> Scan<'a> {
    fn peek(&mut self) -> Step<u8> {
        while let Some(b' ' | b'\t' | b'\r' | b'\n') = self.b.get(self.i) {
            self.i += 1;
        }
        if self.i > LIMIT {
            return Err(Stop::No);
        }
        self.b.get(self.i).copied().ok_or(Stop::More)
    }

    fn expect(&mut self, c: u8) -> Step<()> {
        if self.peek()? != c {
            return Err(Stop::No);
        }
        self.i += 1;
        Ok(())
    }

    /// A string at `i` (which is `"`), quotes included.
    fn string(&mut self) -> Step<&'a [u8]> {
        let start = self.i;
        let mut j = start + 1;
        loop {
            match self.b.get(j) {
                None => return Err(if j > LIMIT { Stop::No } else { Stop::More }),
                Some(b'\\') => j += 2,
                Some(b'"') => break,
                Some(_) => j += 1,
            }
        }
        self.i = j + 1;
        Ok(&self.b[start..=j])
    }

    /// A number, `true`, `false` or `null` at `i`: its bytes.
    fn scalar(&mut self) -> Step<&'a [u8]> {
        let start = self.i;
        let mut j = start;
        while let Some(c) = self.b.get(j) {
            if matches!(c, b',' | b'}' | b']' | b' ' | b'\t' | b'\r' | b'\n') {
                self.i = j;
                return Ok(&self.b[start..j]);
            }
            j += 1;
        }
        Err(if j > LIMIT { Stop::No } else { Stop::More })
    }

    /// Skips the value at `i`; an object or array only when it ends within [`SMALL`] bytes.
    fn skip(&mut self) -> Step<()> {
        match self.peek()? {
            b'"' => self.string().map(drop),
            b'{' | b'[' => {
                let start = self.i;
                let mut depth = 0usize;
                loop {
                    if self.i - start > SMALL || self.i > LIMIT {
                        return Err(Stop::No);
                    }
                    match self.b.get(self.i) {
                        None => return Err(Stop::More),
                        Some(b'"') => {
                            self.string()?;
                        }
                        Some(b'{' | b'[') => {
                            depth += 1;
                            self.i += 1;
                        }
                        Some(b'}' | b']') => {
                            depth -= 1;
                            self.i += 1;
                            if depth == 0 {
                                return Ok(());
                            }
                        }
                        Some(_) => self.i += 1,
                    }
                }
            }
            _ => self.scalar().map(drop),
        }
    }

    fn find(&mut self, path: &[Segment]) -> Step<Found<'a>> {
        for segment in path {
            let Segment::Key(key) = segment else {
                return Err(Stop::No);
            };
            self.expect(b'{')?;
            loop {
                match self.peek()? {
                    b'"' => {}
                    _ => return Err(Stop::No), // `}`: the key is absent
                }
                let raw = self.string()?;
                self.expect(b':')?;
                if unescape(raw).as_deref() == Some(key.as_str()) {
                    break;
                }
                self.skip()?;
                match self.peek()? {
                    b',' => self.i += 1,
                    _ => return Err(Stop::No),
                }
            }
        }
        Ok(match self.peek()? {
            b'"' => match unescape(self.string()?) {
                Some(s) => Found::Str(s),
                None => Found::No,
            },
            b'-' | b'0'..=b'9' => {
                let raw = self.scalar()?;
                match std::str::from_utf8(raw) {
                    Ok(n) if serde_json::from_str::<serde_json::Number>(n).is_ok() => {
                        Found::Number(n)
                    }
                    _ => Found::No,
                }
            }
            _ => Found::No,
        })
    }
}

/// A JSON string's text (`raw` has its quotes); `None` when it is not valid JSON.
fn unescape(raw: &[u8]) -> Option<Cow<'_, str>> {
    let inner = &raw[1..raw.len() - 1];
    if !inner.contains(&b'\\') {
        return std::str::from_utf8(inner).ok().map(Cow::Borrowed);
    }
    serde_json::from_slice::<String>(raw).ok().map(Cow::Owned)
}

/// The value at `path` (object keys only) in `start`, the first bytes of a JSON body.
pub(crate) fn find<'a>(start: &'a [u8], path: &[Segment]) -> Found<'a> {
    match (Scan { b: start, i: 0 }).find(path) {
        Ok(found) => found,
        Err(Stop::More) if start.len() <= LIMIT => Found::NeedMore,
        Err(_) => Found::No,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::resource::select::JsonPath;

    fn at<'a>(body: &'a str, path: &str) -> Found<'a> {
        find(body.as_bytes(), JsonPath::parse(path).unwrap().segments())
    }

    #[test]
    fn a_link_before_the_records_is_found_from_the_first_bytes() {
        let body = r#"{"next": "https://api.test/items?page=2", "data": [{"id": 1}"#;
        assert_eq!(
            at(body, "next"),
            Found::Str("https://api.test/items?page=2".into())
        );
        let nested = r#" { "count": 3, "ok": true, "meta": {"x": [1, "]"]},
            "paging" : {"prev": null, "next": "/items?c=a\"b"}, "results": ["#;
        assert_eq!(
            at(nested, "paging.next"),
            Found::Str("/items?c=a\"b".into())
        );
        assert_eq!(
            at(r#"{"cursor": 42, "data": []}"#, "cursor"),
            Found::Number("42")
        );
    }

    #[test]
    fn a_link_after_the_records_or_absent_is_not_guessed() {
        // The records come first: the scan gives up on them within `SMALL` bytes, whether
        // they have all arrived or not.
        let body = format!(
            r#"{{"data": [{}], "next": "/p2"}}"#,
            "1,".repeat(10_000) + "1"
        );
        assert_eq!(at(&body, "next"), Found::No);
        assert_eq!(at(&body[..SMALL + 20], "next"), Found::No);
        assert_eq!(
            at(r#"{"data": [], "next": "/p2"}"#, "next"),
            Found::Str("/p2".into())
        );
        assert_eq!(at(r#"{"other": 1}"#, "next"), Found::No);
        assert_eq!(at(r#"{"next": null, "data": []}"#, "next"), Found::No);
        assert_eq!(at(r#"[{"next": "/x"}]"#, "next"), Found::No);
        assert_eq!(at(r#"{"next": {"href": "/x"}}"#, "next"), Found::No);
    }

    #[test]
    fn a_cut_start_asks_for_more() {
        for cut in [
            r#"{"nex"#,
            r#"{"next": "/ite"#,
            r#"{"a": 1"#,
            r#"{"a": [1, 2"#,
            "",
            "  ",
        ] {
            assert_eq!(at(cut, "next"), Found::NeedMore, "{cut}");
        }
        assert_eq!(at(r#"{"cursor": 12"#, "cursor"), Found::NeedMore);
    }
}
