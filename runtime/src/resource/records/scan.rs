//! Finding a page's records without building them: a validating JSON scanner.
//!
//! [`super::split_page`] finds each selected record's span by deserialising it as a borrowed
//! `RawValue`, which walks every byte through serde_json's skipping code; decoding the span
//! into `T` then walks it again. [`split_scanned`] finds the same spans with a small scanner
//! that checks exactly the grammar serde_json checks when it skips a value (whitespace,
//! strings with their escapes and no control characters, numbers, `true`/`false`/`null`,
//! nesting), eight bytes of a string at a time. The envelope — the body with the selected
//! array replaced by `null` — is then parsed by serde_json, as `split_page` builds it. So a
//! page read this way has the records, the envelope and, when it is not JSON, the error that
//! `split_page` gives: the scanner never decides alone, it either finds the spans of a valid
//! array at the selected path or hands the body back, and the caller reads it the usual way.
//!
//! What it hands back: a body that is not JSON, a key with escapes on the selector's path
//! (compared as written, it could differ from the unescaped key), a duplicate key on the path,
//! a selection that is not an array or not there, and nesting deeper than [`MAX_DEPTH`]
//! (serde_json's limit is 128). Those are rare, and `split_page` reads them as it always has.
//!
//! Without a `data_selector`, [`scan_detected`] does the same on the path record detection
//! found on an earlier page, when this page would detect it again.
//!
//! The records are decoded one at a time as the consumer reads them ([`super::Records::decode`]),
//! so a page's records are never all alive at once, and the page loop, whose pass over a page
//! is now a scan, requests the next page sooner.

use std::ops::Range;

use serde_json::Value;

use super::seed::detected_again;
use super::{Records, Split};
use crate::resource::select::{Detected, JsonPath, Segment};

/// Deeper than this the scanner gives the body back (serde_json rejects depth over 128).
const MAX_DEPTH: usize = 100;

/// The records of `body` at `selector` as spans, with the envelope; `Err(body)` when the
/// scanner does not take the body (see the module's documentation), for
/// [`super::split_page`] to read.
pub(crate) fn split_scanned<T>(
    body: String,
    selector: &JsonPath,
) -> std::result::Result<Split<T>, String> {
    let (envelope, body, spans) = scan_split(body, selector)?;
    Ok(scanned(envelope, body, spans, false))
}

/// [`split_scanned`] for a resource without a `data_selector`, on the path record detection
/// found on an earlier page: taken under the rule of [`super::seed::split_detected`] (the
/// path holds an array, and detection on this page's envelope would choose it again), so
/// the records are the ones detection on this page would take; `Err(body)` otherwise, and
/// the caller reads the page as before.
pub(crate) fn scan_detected<T>(
    body: String,
    detected: &Detected,
) -> std::result::Result<Split<T>, String> {
    if !detected.by_key {
        return Err(body);
    }
    let (mut envelope, body, spans) = scan_split(body, &detected.path)?;
    if !detected_again(&mut envelope, &detected.path) {
        return Err(body);
    }
    Ok(scanned(envelope, body, spans, true))
}

/// A page read by the scanner: its envelope, and its records as spans of `body`.
fn scanned<T>(envelope: Value, body: String, spans: Vec<Range<usize>>, detected: bool) -> Split<T> {
    #[cfg(test)]
    super::seed::tests::SCANNED_PAGES.set(super::seed::tests::SCANNED_PAGES.get() + 1);
    Split {
        envelope,
        records: Some(Records::Spans {
            body,
            spans,
            detected,
        }),
    }
}

/// The envelope, the body and the spans of the selected array's elements.
type Scanned = (Value, String, Vec<Range<usize>>);

/// The scan of [`split_scanned`], and the envelope parsed.
fn scan_split(body: String, selector: &JsonPath) -> std::result::Result<Scanned, String> {
    let Some((selected, spans)) = scan(body.as_bytes(), selector.segments()) else {
        return Err(body);
    };
    let envelope = if selector.is_root() {
        Value::Null
    } else {
        let mut text = String::with_capacity(body.len() - selected.len() + 4);
        text.push_str(&body[..selected.start]);
        text.push_str("null");
        text.push_str(&body[selected.end..]);
        match serde_json::from_str::<Value>(&text) {
            // The `null` must be where the selector points: with a duplicate key on the
            // path, serde_json keeps the last one, which is not the scanned one.
            Ok(envelope) if selector.get(&envelope) == Some(&Value::Null) => envelope,
            _ => return Err(body),
        }
    };
    Ok((envelope, body, spans))
}

/// Where the selected array is in `b` and the spans of its elements; `None` if `b` is not
/// JSON as far as the scan reads it, or the path does not lead to an array.
fn scan(b: &[u8], path: &[Segment]) -> Option<(Range<usize>, Vec<Range<usize>>)> {
    let mut s = Scanner { b, i: 0 };
    s.ws();
    for (depth, segment) in path.iter().enumerate() {
        if depth >= MAX_DEPTH {
            return None;
        }
        match s.peek()? {
            b'{' => s.find_key(segment, depth + 1)?,
            b'[' => s.find_index(segment, depth + 1)?,
            _ => return None,
        }
    }
    let start = s.i;
    if s.peek()? != b'[' {
        return None;
    }
    let depth = path.len() + 1;
    if depth > MAX_DEPTH {
        return None;
    }
    s.i += 1;
    let mut spans = Vec::new();
    if !s.empty(b']')? {
        loop {
            let from = s.i;
            s.value(depth)?;
            spans.push(from..s.i);
            if s.separator(b']')? {
                break;
            }
        }
    }
    let end = s.i;
    if path.is_empty() {
        // The whole body: nothing but whitespace may follow.
        s.ws();
        if s.i != b.len() {
            return None;
        }
    }
    Some((start..end, spans))
}

/// Where the JSON value at `i` of `b` ends (`i` past leading whitespace), checked as
/// [`scan`] checks the records it finds, inside `depth` levels of nesting (the value's own
/// nesting counts on from there, to the scanner's bound); `None` if it is not one.
pub(super) fn value_end(b: &[u8], i: usize, depth: usize) -> Option<usize> {
    let mut s = Scanner { b, i };
    s.ws();
    s.value(depth)?;
    Some(s.i)
}

/// Where the string whose opening quote is just before `i` ends, and whether it is plain
/// (no escapes and no control characters before its closing quote): `Some(end)`, `i`
/// after the closing quote, for a plain string; `None` otherwise.
#[inline(always)]
pub(super) fn plain_string_end(b: &[u8], i: usize) -> Option<usize> {
    let stop = i + first_stop(b.get(i..)?);
    (b.get(stop) == Some(&b'"')).then_some(stop + 1)
}

struct Scanner<'b> {
    b: &'b [u8],
    i: usize,
}

const ONES: u64 = u64::from_ne_bytes([0x01; 8]);
const HIGHS: u64 = u64::from_ne_bytes([0x80; 8]);

/// The bytes of `v` that are `byte`, as their high bits (exact up to the first such byte).
fn bytes_equal(v: u64, byte: u8) -> u64 {
    let x = v ^ (ONES * u64::from(byte));
    x.wrapping_sub(ONES) & !x
}

impl Scanner<'_> {
    fn peek(&self) -> Option<u8> {
        self.b.get(self.i).copied()
    }

    fn next(&mut self) -> Option<u8> {
        let c = self.peek()?;
        self.i += 1;
        Some(c)
    }

    /// Skips JSON whitespace.
    fn ws(&mut self) {
        while let Some(b' ' | b'\n' | b'\t' | b'\r') = self.peek() {
            self.i += 1;
        }
    }

    /// Just inside a container that ends with `close`: `true` (and `i` after it) when the
    /// container is empty, else `false` with `i` at its first member.
    #[inline]
    fn empty(&mut self, close: u8) -> Option<bool> {
        self.ws();
        let empty = self.peek()? == close;
        self.i += usize::from(empty);
        Some(empty)
    }

    /// After a member of a container that ends with `close`: `true` (and `i` after it) at
    /// the end, `false` (and `i` at the next member) at a comma; `None` at anything else.
    #[inline]
    fn separator(&mut self, close: u8) -> Option<bool> {
        let c = match self.next()? {
            b' ' | b'\n' | b'\t' | b'\r' => {
                self.ws();
                self.next()?
            }
            c => c,
        };
        match c {
            b',' => {
                self.ws();
                Some(false)
            }
            c if c == close => Some(true),
            _ => None,
        }
    }

    /// After a member's key: the `:` and the whitespace around it (none, in compact JSON:
    /// checked first).
    #[inline(always)]
    fn colon(&mut self) -> Option<()> {
        if let Some(b':') = self.peek() {
            self.i += 1;
        } else {
            self.ws();
            if self.next()? != b':' {
                return None;
            }
        }
        self.ws();
        Some(())
    }

    /// Moves into the object at `i` to the value of the key `segment` names (its first
    /// occurrence; a later duplicate is caught by the envelope check).
    fn find_key(&mut self, segment: &Segment, depth: usize) -> Option<()> {
        let Segment::Key(wanted) = segment else {
            return None; // an index never selects in an object
        };
        self.i += 1;
        if self.empty(b'}')? {
            return None;
        }
        loop {
            if self.next()? != b'"' {
                return None;
            }
            let from = self.i;
            let escaped = self.string_rest()?;
            let b = self.b;
            let key = &b[from..self.i - 1];
            self.colon()?;
            if escaped {
                return None; // it might unescape to the wanted key
            }
            if key == wanted.as_bytes() {
                return Some(());
            }
            self.value(depth)?;
            if self.separator(b'}')? {
                return None; // not there
            }
        }
    }

    /// Moves into the array at `i` to the element `segment` indexes.
    fn find_index(&mut self, segment: &Segment, depth: usize) -> Option<()> {
        let wanted = match segment {
            Segment::Index(i) => *i,
            Segment::Key(k) => k.parse::<usize>().ok()?,
        };
        self.i += 1;
        if self.empty(b']')? {
            return None;
        }
        for _ in 0..wanted {
            self.value(depth)?;
            if self.separator(b']')? {
                return None; // not there
            }
        }
        Some(())
    }

    /// Skips one value at `i`, checking it as serde_json does when it skips one. Inlined
    /// where it is called, for the scalars most members are; a container is a call.
    #[inline(always)]
    fn value(&mut self, depth: usize) -> Option<()> {
        match self.next()? {
            b'"' => self.string_rest().map(drop),
            b'{' => self.object_rest(depth),
            b'[' => self.array_rest(depth),
            b't' => self.literal(b"rue"),
            b'f' => self.literal(b"alse"),
            b'n' => self.literal(b"ull"),
            b'-' => match self.next()? {
                c @ b'0'..=b'9' => self.number_rest(c),
                _ => None,
            },
            c @ b'0'..=b'9' => self.number_rest(c),
            _ => None,
        }
    }

    /// The rest of an object whose `{` was just read, at nesting `depth`.
    #[inline(never)]
    fn object_rest(&mut self, depth: usize) -> Option<()> {
        if depth >= MAX_DEPTH {
            return None;
        }
        if self.empty(b'}')? {
            return Some(());
        }
        loop {
            if self.next()? != b'"' {
                return None;
            }
            self.string_rest()?;
            self.colon()?;
            self.value(depth + 1)?;
            if self.separator(b'}')? {
                return Some(());
            }
        }
    }

    /// The rest of an array whose `[` was just read, at nesting `depth`.
    #[inline(never)]
    fn array_rest(&mut self, depth: usize) -> Option<()> {
        if depth >= MAX_DEPTH {
            return None;
        }
        if self.empty(b']')? {
            return Some(());
        }
        loop {
            self.value(depth + 1)?;
            if self.separator(b']')? {
                return Some(());
            }
        }
    }

    fn literal(&mut self, rest: &[u8]) -> Option<()> {
        let end = self.i + rest.len();
        (self.b.get(self.i..end)? == rest).then(|| self.i = end)
    }

    fn digits(&mut self) -> usize {
        let from = self.i;
        while let Some(b'0'..=b'9') = self.peek() {
            self.i += 1;
        }
        self.i - from
    }

    /// The rest of a number whose first digit, `first`, was just read.
    fn number_rest(&mut self, first: u8) -> Option<()> {
        if first == b'0' {
            if let Some(b'0'..=b'9') = self.peek() {
                return None; // a leading zero
            }
        } else {
            self.digits();
        }
        if self.peek() == Some(b'.') {
            self.i += 1;
            if self.digits() == 0 {
                return None;
            }
        }
        if let Some(b'e' | b'E') = self.peek() {
            self.i += 1;
            if let Some(b'+' | b'-') = self.peek() {
                self.i += 1;
            }
            if self.digits() == 0 {
                return None;
            }
        }
        Some(())
    }

    /// The rest of a string whose opening quote was just read: `i` ends after the closing
    /// quote. `Some(true)` when it has escapes. Inlined for the common string, which ends
    /// at its first stop; [`Scanner::string_escapes`] does the rest.
    #[inline(always)]
    fn string_rest(&mut self) -> Option<bool> {
        self.i += first_stop(&self.b[self.i..]);
        if self.peek() == Some(b'"') {
            self.i += 1;
            return Some(false);
        }
        self.string_escapes()
    }

    /// [`Scanner::string_rest`] from a stop that is not the closing quote.
    #[inline(never)]
    fn string_escapes(&mut self) -> Option<bool> {
        loop {
            match self.next()? {
                b'"' => return Some(true),
                b'\\' => match self.next()? {
                    b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't' => {}
                    b'u' => {
                        let hex = self.b.get(self.i..self.i + 4)?;
                        if !hex.iter().all(u8::is_ascii_hexdigit) {
                            return None;
                        }
                        self.i += 4;
                    }
                    _ => return None,
                },
                _ => return None, // a control character, which JSON strings may not hold
            }
            self.i += first_stop(&self.b[self.i..]);
        }
    }
}

/// Where the first quote, backslash or control character (`< 0x20`) of `rest` is, or
/// `rest.len()`: sixteen bytes at a time with SSE2 (part of every x86-64), then eight at a
/// time in a `u64`.
#[inline(always)]
fn first_stop(rest: &[u8]) -> usize {
    #[cfg(target_arch = "x86_64")]
    // SAFETY: SSE2 is part of the x86-64 baseline: every x86-64 CPU has it.
    match unsafe { sse2::first_stop(rest) } {
        Ok(found) => found,
        Err(at) => at + first_stop_in_words(&rest[at..]),
    }
    #[cfg(not(target_arch = "x86_64"))]
    first_stop_in_words(rest)
}

/// [`first_stop`] eight bytes at a time in a `u64`, then byte by byte.
#[inline(never)]
fn first_stop_in_words(rest: &[u8]) -> usize {
    let mut at = 0;
    while let Some(chunk) = rest.get(at..at + 8) {
        let mut word = [0; 8];
        word.copy_from_slice(chunk);
        let v = u64::from_le_bytes(word);
        let stops =
            (bytes_equal(v, b'"') | bytes_equal(v, b'\\') | (v.wrapping_sub(ONES * 0x20) & !v))
                & HIGHS;
        if stops != 0 {
            return at + (stops.trailing_zeros() / 8) as usize;
        }
        at += 8;
    }
    at + rest[at..]
        .iter()
        .position(|&c| c == b'"' || c == b'\\' || c < 0x20)
        .unwrap_or(rest.len() - at)
}

#[cfg(target_arch = "x86_64")]
mod sse2 {
    use std::arch::x86_64::{
        __m128i, _mm_cmpeq_epi8, _mm_loadu_si128, _mm_max_epu8, _mm_movemask_epi8, _mm_or_si128,
        _mm_set1_epi8,
    };

    /// [`super::first_stop`] sixteen bytes at a time: `Ok` with the position of the first
    /// stop (or `rest.len()`), or `Err(0)` when `rest` is shorter than sixteen bytes. The
    /// last step reads the last sixteen bytes, overlapping the step before.
    #[target_feature(enable = "sse2")]
    #[inline]
    pub(super) fn first_stop(rest: &[u8]) -> Result<usize, usize> {
        let quote = _mm_set1_epi8(b'"' as i8);
        let backslash = _mm_set1_epi8(b'\\' as i8);
        let control = _mm_set1_epi8(0x1f);
        // The stops among the sixteen bytes at `chunk`, one bit each.
        let stops = |chunk: &[u8]| {
            // SAFETY: `chunk` is 16 readable bytes, and `loadu` takes any alignment.
            let v = unsafe { _mm_loadu_si128(chunk.as_ptr().cast::<__m128i>()) };
            let stops = _mm_or_si128(
                _mm_or_si128(_mm_cmpeq_epi8(v, quote), _mm_cmpeq_epi8(v, backslash)),
                // `max(v, 0x1f) == 0x1f` (unsigned): `v <= 0x1f`.
                _mm_cmpeq_epi8(_mm_max_epu8(v, control), control),
            );
            _mm_movemask_epi8(stops) as u32
        };
        let mut at = 0;
        while let Some(chunk) = rest.get(at..at + 16) {
            let mask = stops(chunk);
            if mask != 0 {
                return Ok(at + mask.trailing_zeros() as usize);
            }
            at += 16;
        }
        if at == rest.len() {
            return Ok(at);
        }
        let Some(last) = rest.len().checked_sub(16) else {
            return Err(at);
        };
        // The bytes before `at` were read already: their bits are shifted out.
        let mask = stops(&rest[last..]) >> (at - last);
        Ok(if mask != 0 {
            at + mask.trailing_zeros() as usize
        } else {
            rest.len()
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::resource::records::split_page;

    fn spans_of(body: &str, selector: &str) -> Option<Vec<String>> {
        let sel = JsonPath::parse(selector).unwrap();
        let split = split_scanned::<Value>(body.to_owned(), &sel).ok()?;
        let Some(Records::Spans { body, spans, .. }) = split.records else {
            panic!("not spans")
        };
        Some(spans.into_iter().map(|s| body[s].to_owned()).collect())
    }

    #[test]
    fn finds_the_spans_of_the_selected_array() {
        let body = r#" {"meta":{"n":[1,2]},"data":{"items":[ {"id":1,"s":"a, ] \" \\ \u00e9 é"} , [true,false,null], -1.5e+3 ,"x"] }} "#;
        assert_eq!(
            spans_of(body, "data.items").unwrap(),
            [
                r#"{"id":1,"s":"a, ] \" \\ \u00e9 é"}"#,
                "[true,false,null]",
                "-1.5e+3",
                r#""x""#
            ]
        );
        assert_eq!(spans_of(" [ 1 , {} ] ", "$").unwrap(), ["1", "{}"]);
        assert_eq!(
            spans_of(r#"{"a":[[0],[1,2]]}"#, "a[1]").unwrap(),
            ["1", "2"]
        );
        assert_eq!(spans_of(r#"{"a":[]}"#, "a").unwrap(), Vec::<String>::new());
    }

    #[test]
    fn hands_back_what_it_does_not_take() {
        for (body, selector) in [
            (r#"{"data":{"id":1}}"#, "data"),       // not an array
            (r#"{"other":[1]}"#, "data"),           // not there
            (r#"{"d\u0061ta":[1]}"#, "data"),       // an escaped key before it
            (r#"{"data":[1],"data":[2]}"#, "data"), // a duplicate: serde keeps the last
            (r#"{"data":[1,]}"#, "data"),           // a trailing comma
            (r#"{"data":[01]}"#, "data"),           // a leading zero
            (r#"{"data":["a	b"]}"#, "data"),        // a raw tab in a string
            (r#"{"data":["\x"]}"#, "data"),         // an unknown escape
            (r#"{"data":[1] x}"#, "data"),          // trailing junk in the envelope
            ("[1] x", "$"),                         // trailing junk after the root
            (r#"{"data":[tru]}"#, "data"),          // a cut literal
            (r#"{"data":[{"a" 1}]}"#, "data"),      // a missing colon
        ] {
            assert!(spans_of(body, selector).is_none(), "{body}");
        }
        let deep = format!(r#"{{"data":[{}{}]}}"#, "[".repeat(120), "]".repeat(120));
        assert!(spans_of(&deep, "data").is_none());
    }

    /// The spans and envelope of each reading, or `None` when it gave no spans.
    fn both(body: &str, sel: &JsonPath) -> [Option<(Value, Vec<Range<usize>>)>; 2] {
        let spans = |split: Split<Value>| match split.records {
            Some(Records::Spans { spans, .. }) => Some((split.envelope, spans)),
            _ => None,
        };
        [
            split_scanned(body.to_owned(), sel).ok().and_then(spans),
            split_page(body.to_owned(), sel).ok().and_then(spans),
        ]
    }

    use proptest::prelude::*;

    proptest::proptest! {
        /// Every position and every byte value, across the 16- and 8-byte steps and the tail.
        #[test]
        fn first_stop_finds_the_first_quote_backslash_or_control_character(
            bytes in proptest::collection::vec(proptest::prop_oneof![0x20u8..=0xff, Just(b'"'), Just(b'\\'), 0u8..0x20], 0..70),
            plain in proptest::collection::vec(0x20u8..=0xff, 0..40),
        ) {
            let mut text: Vec<u8> = plain.into_iter().filter(|&c| c != b'"' && c != b'\\').collect();
            text.extend(bytes);
            let expected = text.iter().position(|&c| c == b'"' || c == b'\\' || c < 0x20).unwrap_or(text.len());
            prop_assert_eq!(first_stop(&text), expected);
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(3000))]

        /// Any JSON (strings with every kind of escape, numbers of every form), compact or
        /// pretty: the scanner takes exactly the bodies where `split_page` finds an array
        /// at the selector, with the same envelope and spans.
        #[test]
        fn on_json_the_scan_finds_what_split_page_finds(
            body in proptest::prop_oneof![
                crate::resource::select::properties::json(),
                (crate::resource::select::properties::json(), proptest::collection::vec(crate::resource::select::properties::json(), 0..6))
                    .prop_map(|(meta, data)| serde_json::json!({"meta": meta, "data": {"items": data}})),
            ],
            pretty in proptest::bool::ANY,
            selector in "\\$|data|data\\.items|meta|meta\\.data|data\\.0|meta\\.[0-2]",
        ) {
            let text = if pretty { serde_json::to_string_pretty(&body) } else { serde_json::to_string(&body) }.unwrap();
            let sel = JsonPath::parse(&selector).unwrap();
            let [scanned, parsed] = both(&text, &sel);
            prop_assert_eq!(scanned, parsed, "{}", text);
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(4000))]

        /// Whatever the text: when the scanner takes a body, `split_page` reads it with the
        /// same envelope and the same record spans; when `split_page` takes a body with an
        /// array at the selector, so does the scanner (unless a key on the path is escaped or
        /// doubled). Never a panic.
        #[test]
        fn the_scan_agrees_with_split_page(
            body in "[\\[\\]{}:,\"a-c0-9 .eE+\\-\\\\u]{0,40}|\\{\"data\": \\[[0-9, {}\"a:.\\-\\\\tn]{0,30}\\]( ,\"b\":[0-9tn\"]{1,3})?\\}",
            selector in "(data|a|b|0|\\$)(\\.(a|b|0|data)){0,2}",
        ) {
            let sel = JsonPath::parse(&selector).unwrap();
            let scanned = split_scanned::<Value>(body.clone(), &sel);
            let parsed = split_page::<Value>(body.clone(), &sel);
            match (scanned, parsed) {
                (Ok(s), Ok(p)) => {
                    proptest::prop_assert_eq!(s.envelope, p.envelope);
                    let (Some(Records::Spans { spans: a, .. }), Some(Records::Spans { spans: b, .. })) = (s.records, p.records) else {
                        return Err(proptest::test_runner::TestCaseError::fail("spans on both sides"));
                    };
                    proptest::prop_assert_eq!(a, b);
                }
                (Ok(_), Err(_)) => proptest::prop_assert!(false, "scanned what serde rejects: {}", body),
                (Err(_), Ok(p)) => {
                    let escaped_or_doubled = body.contains('\\') || body.matches("\"data\"").count() > 1
                        || body.matches("\"a\"").count() > 1 || body.matches("\"b\"").count() > 1;
                    proptest::prop_assert!(
                        escaped_or_doubled || !matches!(p.records, Some(Records::Spans { .. })),
                        "serde found an array the scan missed: {}", body
                    );
                }
                (Err(_), Err(_)) => {}
            }
        }
    }
}
