//! Decoding JSON faster than serde_json, with serde_json's results.
//!
//! A deserializer for text it checks as it reads: it finds each string's end sixteen bytes
//! at a time and hands a plain string (no escapes) to the visitor borrowed from the text,
//! walks objects and arrays without the position bookkeeping serde_json keeps for its error
//! messages, and reads plain non-negative integers and booleans as serde_json does. Everything
//! else — numbers with a sign, fraction or exponent, strings with escapes, enums, bytes,
//! `RawValue`s — it hands to serde_json itself, on that value's own text, so the visitor sees
//! exactly what serde_json would show it. Nesting is bounded under serde_json's limit, with
//! the values it hands over counted in.
//!
//! It never decides a failure: on any error (text that does not fit the visitor, text that
//! is not JSON, or a request it does not take, such as a map key read as a number) it gives
//! up, and the caller reads the text with serde_json, whose result — the value, or the error
//! with its message and position — is the one that counts. [`from_checked`] does so for a
//! record the scanner found ([`super::scan`]); the one pass over a page ([`super::seed`])
//! falls back to serde_json's one pass. So text decodes to what serde_json gives, and fails
//! with its error; the property tests below hold it to that, on any text.

use serde::de::{self, DeserializeOwned, DeserializeSeed, Error as _, Visitor};
use serde_json::Error;
use serde_json::de::StrRead;

use super::scan::{plain_string_end, value_end};

/// The name serde_json gives `RawValue`'s newtype (`serde_json::raw::TOKEN`). Were it to
/// change, a `RawValue` would fail here and be decoded by serde_json, as before.
const RAW_VALUE: &str = "$serde_json::private::RawValue";

/// Nesting past which a record is left to serde_json (the scanner's own bound, which also
/// bounds a value handed to serde_json with the nesting around it: so no text is read here
/// that serde_json's limit of 128 would reject).
const MAX_DEPTH: usize = 100;

/// `text`, one JSON value the scanner accepted, decoded into `T`: what
/// `serde_json::from_str::<T>(text)` returns (see the module's documentation).
pub(crate) fn from_checked<T: DeserializeOwned>(text: &str) -> serde_json::Result<T> {
    match seed_checked(text, std::marker::PhantomData::<T>) {
        Some(value) => Ok(value),
        None => serde_json::from_str(text),
    }
}

/// `seed` run on `text`, any text, with what it would get from
/// `serde_json::Deserializer::from_str(text)` followed by `end()`; `None` on any failure, which
/// may be one serde_json would not have (a request left to it): the caller then reads `text`
/// with serde_json, for its result and its error.
pub(crate) fn seed_checked<'de, S: DeserializeSeed<'de>>(
    text: &'de str,
    seed: S,
) -> Option<S::Value> {
    let mut de = Checked {
        s: text,
        i: 0,
        depth: 0,
    };
    if let Ok(value) = seed.deserialize(&mut de) {
        de.ws();
        if de.i == text.len() {
            return Some(value);
        }
    }
    #[cfg(test)]
    tests::FALLBACKS.set(tests::FALLBACKS.get() + 1);
    None
}

struct Checked<'de> {
    s: &'de str,
    i: usize,
    depth: usize,
}

/// Why this deserializer stopped: never shown, since serde_json then decodes the record.
fn declined() -> Error {
    Error::custom("left to serde_json")
}

impl<'de> Checked<'de> {
    fn bytes(&self) -> &'de [u8] {
        self.s.as_bytes()
    }

    #[inline]
    fn ws(&mut self) {
        while let Some(b' ' | b'\n' | b'\t' | b'\r') = self.bytes().get(self.i) {
            self.i += 1;
        }
    }

    /// The next byte after whitespace, not taken.
    #[inline]
    fn peek(&mut self) -> Option<u8> {
        self.ws();
        self.bytes().get(self.i).copied()
    }

    /// Takes `byte` if it comes next (after whitespace).
    #[inline]
    fn eat(&mut self, byte: u8) -> bool {
        let next = self.peek() == Some(byte);
        self.i += usize::from(next);
        next
    }

    fn literal(&mut self, word: &[u8]) -> Result<(), Error> {
        let end = self.i + word.len();
        if self.bytes().get(self.i..end) != Some(word) {
            return Err(declined());
        }
        self.i = end;
        Ok(())
    }

    /// The `true` or `false` at `i`, whose first byte is `first`.
    fn boolean(&mut self, first: u8) -> Result<bool, Error> {
        let word: &[u8] = if first == b't' { b"true" } else { b"false" };
        self.literal(word)?;
        Ok(first == b't')
    }

    /// The value at `i` read by serde_json, from that value's own text.
    fn delegate<V>(
        &mut self,
        read: impl FnOnce(&mut serde_json::Deserializer<StrRead<'de>>) -> Result<V, Error>,
    ) -> Result<V, Error> {
        self.ws();
        let from = self.i;
        let end = value_end(self.bytes(), from, self.depth).ok_or_else(declined)?;
        self.i = end;
        let s: &'de str = self.s;
        let mut de = serde_json::Deserializer::from_str(s.get(from..end).ok_or_else(declined)?);
        let value = read(&mut de)?;
        de.end()?;
        Ok(value)
    }

    /// The string at `i` (its opening quote): borrowed from the body when plain, else read
    /// by serde_json (which unescapes it into a copy, as it does within a record).
    #[inline]
    fn string<V: Visitor<'de>>(&mut self, visitor: V) -> Result<V::Value, Error> {
        let from = self.i + 1;
        match plain_string_end(self.bytes(), from) {
            Some(end) => {
                self.i = end;
                let s: &'de str = self.s;
                visitor.visit_borrowed_str(s.get(from..end - 1).ok_or_else(declined)?)
            }
            None => self.delegate(|de| de::Deserializer::deserialize_str(de, visitor)),
        }
    }

    /// The plain non-negative integer at `i`, taken (see `integers!`); `None`, with nothing
    /// taken, for any other value.
    #[inline]
    fn plain_integer(&mut self) -> Option<u64> {
        let first = self.peek()?;
        if !first.is_ascii_digit() {
            return None;
        }
        let b = self.bytes();
        let from = self.i + 1;
        let digits = b[from..].iter().take_while(|c| c.is_ascii_digit()).count();
        let end = from + digits;
        let leading_zero = first == b'0' && digits > 0;
        if digits >= 19 || leading_zero || matches!(b.get(end), Some(b'.' | b'e' | b'E')) {
            return None;
        }
        let n = b[self.i..end]
            .iter()
            .fold(0, |n: u64, c| n * 10 + u64::from(c - b'0'));
        self.i = end;
        Some(n)
    }

    /// Before a member of a container that ends with `close`: `false` at the end (not taken,
    /// for [`Checked::seq`] or [`Checked::map`] to take), `true` at a member, past the comma
    /// before it unless it is the `first`.
    #[inline(always)]
    fn next_member(&mut self, first: &mut bool, close: u8) -> Result<bool, Error> {
        match self.peek() {
            Some(c) if c == close => Ok(false),
            Some(b',') if !*first => {
                self.i += 1;
                Ok(true)
            }
            Some(_) if *first => {
                *first = false;
                Ok(true)
            }
            _ => Err(declined()),
        }
    }

    /// The container at `i` (its opening byte), read by `read` and then to its end at
    /// `close`, as serde_json requires; nested at most [`MAX_DEPTH`] deep.
    #[inline(always)]
    fn container<V>(
        &mut self,
        close: u8,
        read: impl FnOnce(&mut Self) -> Result<V, Error>,
    ) -> Result<V, Error> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(declined());
        }
        self.i += 1;
        let value = read(self)?;
        self.depth -= 1;
        if !self.eat(close) {
            return Err(declined());
        }
        Ok(value)
    }

    /// The array at `i`.
    fn seq<V: Visitor<'de>>(&mut self, visitor: V) -> Result<V::Value, Error> {
        self.container(b']', |de| visitor.visit_seq(Elements { de, first: true }))
    }

    /// The object at `i`.
    fn map<V: Visitor<'de>>(&mut self, visitor: V) -> Result<V::Value, Error> {
        self.container(b'}', |de| visitor.visit_map(Members { de, first: true }))
    }
}

/// Hands the value to serde_json, with the same request.
macro_rules! delegated {
    ($($method:ident)*) => {$(
        fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
            self.delegate(|de| de::Deserializer::$method(de, visitor))
        }
    )*};
}

/// A 64-bit integer type's request: a plain non-negative integer (no sign, fraction or
/// exponent, at most 19 digits, so it fits a `u64`) is what serde_json's `deserialize_number`
/// reads it as, `visit_u64`; any other value goes to serde_json.
macro_rules! integers {
    ($($method:ident)*) => {$(
        #[inline]
        fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
            match self.plain_integer() {
                Some(n) => visitor.visit_u64(n),
                None => self.delegate(|de| de::Deserializer::$method(de, visitor)),
            }
        }
    )*};
}

impl<'de> de::Deserializer<'de> for &mut Checked<'de> {
    type Error = Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.peek() {
            Some(b'"') => self.string(visitor),
            Some(b'{') => self.map(visitor),
            Some(b'[') => self.seq(visitor),
            Some(b'n') => {
                self.literal(b"null")?;
                visitor.visit_unit()
            }
            Some(c @ (b't' | b'f')) => visitor.visit_bool(self.boolean(c)?),
            _ => self.delegate(|de| de::Deserializer::deserialize_any(de, visitor)),
        }
    }

    delegated! {
        deserialize_i128 deserialize_u128 deserialize_f32 deserialize_f64
        deserialize_bytes deserialize_byte_buf
    }

    integers! {
        deserialize_i8 deserialize_i16 deserialize_i32 deserialize_i64
        deserialize_u8 deserialize_u16 deserialize_u32 deserialize_u64
    }

    fn deserialize_bool<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.peek() {
            Some(c @ (b't' | b'f')) => visitor.visit_bool(self.boolean(c)?),
            _ => self.delegate(|de| de::Deserializer::deserialize_bool(de, visitor)),
        }
    }

    fn deserialize_char<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.deserialize_str(visitor)
    }

    #[inline]
    fn deserialize_str<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.peek() {
            Some(b'"') => self.string(visitor),
            _ => self.delegate(|de| de::Deserializer::deserialize_str(de, visitor)),
        }
    }

    fn deserialize_string<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.deserialize_str(visitor)
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        if self.peek() == Some(b'n') {
            self.literal(b"null")?;
            visitor.visit_none()
        } else {
            visitor.visit_some(self)
        }
    }

    fn deserialize_unit<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        if self.peek() == Some(b'n') {
            self.literal(b"null")?;
            visitor.visit_unit()
        } else {
            self.delegate(|de| de::Deserializer::deserialize_unit(de, visitor))
        }
    }

    fn deserialize_unit_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, Error> {
        self.deserialize_unit(visitor)
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        visitor: V,
    ) -> Result<V::Value, Error> {
        if name == RAW_VALUE {
            self.delegate(|de| de::Deserializer::deserialize_newtype_struct(de, name, visitor))
        } else {
            visitor.visit_newtype_struct(self)
        }
    }

    fn deserialize_seq<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.peek() {
            Some(b'[') => self.seq(visitor),
            _ => self.delegate(|de| de::Deserializer::deserialize_seq(de, visitor)),
        }
    }

    fn deserialize_tuple<V: Visitor<'de>>(
        self,
        _len: usize,
        visitor: V,
    ) -> Result<V::Value, Error> {
        self.deserialize_seq(visitor)
    }

    fn deserialize_tuple_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _len: usize,
        visitor: V,
    ) -> Result<V::Value, Error> {
        self.deserialize_seq(visitor)
    }

    fn deserialize_map<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.peek() {
            Some(b'{') => self.map(visitor),
            _ => self.delegate(|de| de::Deserializer::deserialize_map(de, visitor)),
        }
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Error> {
        match self.peek() {
            Some(b'{') => self.map(visitor),
            Some(b'[') => self.seq(visitor),
            _ => {
                self.delegate(|de| de::Deserializer::deserialize_struct(de, name, fields, visitor))
            }
        }
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        name: &'static str,
        variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Error> {
        self.delegate(|de| de::Deserializer::deserialize_enum(de, name, variants, visitor))
    }

    fn deserialize_identifier<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.deserialize_str(visitor)
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.ws();
        self.i = value_end(self.bytes(), self.i, self.depth).ok_or_else(declined)?;
        visitor.visit_unit()
    }
}

/// An array's elements, as serde_json's `SeqAccess` reads them.
struct Elements<'a, 'de> {
    de: &'a mut Checked<'de>,
    first: bool,
}

impl<'de> de::SeqAccess<'de> for Elements<'_, 'de> {
    type Error = Error;

    fn next_element_seed<S: DeserializeSeed<'de>>(
        &mut self,
        seed: S,
    ) -> Result<Option<S::Value>, Error> {
        if !self.de.next_member(&mut self.first, b']')? {
            return Ok(None);
        }
        seed.deserialize(&mut *self.de).map(Some)
    }
}

/// An object's members, as serde_json's `MapAccess` reads them.
struct Members<'a, 'de> {
    de: &'a mut Checked<'de>,
    first: bool,
}

impl<'de> de::MapAccess<'de> for Members<'_, 'de> {
    type Error = Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, Error> {
        if !self.de.next_member(&mut self.first, b'}')? {
            return Ok(None);
        }
        if self.de.peek() != Some(b'"') {
            return Err(declined());
        }
        seed.deserialize(Key { de: self.de }).map(Some)
    }

    fn next_value_seed<S: DeserializeSeed<'de>>(&mut self, seed: S) -> Result<S::Value, Error> {
        if !self.de.eat(b':') {
            return Err(declined());
        }
        seed.deserialize(&mut *self.de)
    }
}

/// An object's key (at its opening quote), as serde_json's `MapKey` reads it; a key read
/// as a number or a `bool` is left to serde_json.
struct Key<'a, 'de> {
    de: &'a mut Checked<'de>,
}

/// Declines a request (the record is then decoded by serde_json).
macro_rules! declined {
    ($($method:ident)*) => {$(
        fn $method<V: Visitor<'de>>(self, _visitor: V) -> Result<V::Value, Error> {
            Err(declined())
        }
    )*};
}

impl<'de> de::Deserializer<'de> for Key<'_, 'de> {
    type Error = Error;

    #[inline]
    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.de.string(visitor)
    }

    declined! {
        deserialize_bool deserialize_i8 deserialize_i16 deserialize_i32 deserialize_i64
        deserialize_i128 deserialize_u8 deserialize_u16 deserialize_u32 deserialize_u64
        deserialize_u128 deserialize_f32 deserialize_f64
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        visitor.visit_some(self)
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        visitor: V,
    ) -> Result<V::Value, Error> {
        if name == RAW_VALUE {
            return Err(declined());
        }
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        name: &'static str,
        variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Error> {
        self.de
            .delegate(|de| de::Deserializer::deserialize_enum(de, name, variants, visitor))
    }

    fn deserialize_bytes<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.de
            .delegate(|de| de::Deserializer::deserialize_bytes(de, visitor))
    }

    fn deserialize_byte_buf<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.deserialize_bytes(visitor)
    }

    serde::forward_to_deserialize_any! {
        char str string unit unit_struct seq tuple tuple_struct map struct
        identifier ignored_any
    }
}

#[cfg(test)]
pub(super) mod tests {
    use std::borrow::Cow;
    use std::collections::BTreeMap;
    use std::fmt::Debug;

    use proptest::prelude::*;
    use serde::Deserialize;
    use serde_json::value::RawValue;
    use serde_json::{Value, json};

    use super::*;

    thread_local! {
        /// Records this thread's [`from_checked`] handed to serde_json.
        pub(crate) static FALLBACKS: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
    }

    /// Both readings of `text` as `T`, each as its `Debug` text (the value, or the error with
    /// its message and position), and how many times `from_checked` fell back.
    fn both<T: DeserializeOwned + Debug>(text: &str) -> (String, String, usize) {
        let before = FALLBACKS.get();
        let checked = format!("{:?}", from_checked::<T>(text));
        let fell_back = FALLBACKS.get() - before;
        (
            checked,
            format!("{:?}", serde_json::from_str::<T>(text)),
            fell_back,
        )
    }

    #[track_caller]
    fn same<T: DeserializeOwned + Debug>(text: &str) -> usize {
        let (checked, serde, fell_back) = both::<T>(text);
        assert_eq!(checked, serde, "{text}");
        fell_back
    }

    #[derive(Debug, Deserialize)]
    #[allow(dead_code)] // read through `Debug`
    enum Kind {
        Unit,
        Newtype(i64),
        Tuple(u8, String),
        Struct { a: Option<bool> },
    }

    #[derive(Debug, Deserialize)]
    #[allow(dead_code)]
    struct Record {
        id: u64,
        name: String,
        #[serde(default)]
        tags: Vec<String>,
        score: Option<f64>,
        kind: Option<Kind>,
        #[serde(default)]
        counts: BTreeMap<String, i32>,
        #[serde(default)]
        by_id: BTreeMap<u32, bool>,
        #[serde(default)]
        pair: Option<(u8, char)>,
        #[serde(flatten)]
        rest: BTreeMap<String, Value>,
    }

    #[derive(Debug, Deserialize)]
    #[allow(dead_code)]
    #[serde(tag = "type", rename_all = "snake_case")]
    enum Tagged {
        Person { name: Cow<'static, str> },
        Robot { serial: i64 },
    }

    #[derive(Debug, Deserialize)]
    #[allow(dead_code)]
    #[serde(untagged)]
    enum Loose {
        Number(f32),
        Text(String),
        List(Vec<Loose>),
    }

    #[derive(Debug, Deserialize)]
    #[allow(dead_code)]
    struct Meters(u16);

    #[derive(Debug, Deserialize)]
    #[allow(dead_code)]
    struct Nothing;

    #[derive(Debug, Deserialize)]
    #[allow(dead_code)]
    #[serde(deny_unknown_fields)]
    struct Strict {
        tagged: Tagged,
        loose: Loose,
        raw: Box<RawValue>,
        meters: Meters,
        #[serde(default)]
        nothing: Option<Nothing>,
        #[serde(default)]
        bytes: Vec<u8>,
        #[serde(default)]
        big: u128,
    }

    #[test]
    fn plain_records_are_read_here_and_the_rest_by_serde_json() {
        let plain = r#"{"id":7,"name":"Ada","tags":["a","b"],"score":-0.5,"kind":"Unit","counts":{"x":-3},"pair":[1,"c"],"extra":[null,true,{"k":"v"}]}"#;
        assert_eq!(same::<Record>(plain), 0);
        let pretty =
            serde_json::to_string_pretty(&serde_json::from_str::<Value>(plain).unwrap()).unwrap();
        assert_eq!(same::<Record>(&pretty), 0);
        assert_eq!(same::<Value>(plain), 0);
        // Escapes, enums with content, numbers of every kind: handed to serde_json per value.
        assert_eq!(
            same::<Record>(
                r#"{"id":1,"name":"A\u00e9\n\"","tags":["\\"],"score":1.5e300,"kind":{"Struct":{"a":null}}}"#
            ),
            0
        );
        assert_eq!(
            same::<Record>(
                r#"{"id":1,"name":"","score":null,"kind":{"Tuple":[255,"x"]},"n\u0061me2":1}"#
            ),
            0
        );
        let strict = r#"{"tagged":{"type":"robot","serial":-9223372036854775808},"loose":[1.5,"x",[]],"raw":{"a": [1, 2]},"meters":65535,"nothing":null,"bytes":[0,255],"big":340282366920938463463374607431768211455}"#;
        assert_eq!(same::<Strict>(strict), 0);

        // What it leaves to serde_json: map keys read as numbers, and failures.
        assert_eq!(
            same::<Record>(r#"{"id":1,"name":"n","score":null,"kind":null,"by_id":{"3":true}}"#),
            1
        );
        for failing in [
            r#"{"id":-1,"name":"n","score":null,"kind":null}"#,
            r#"{"id":1,"name":5,"score":null,"kind":null}"#,
            r#"{"id":1,"name":"n","score":null,"kind":"Other"}"#,
            r#"{"id":1,"name":"n","score":null,"kind":null,"pair":[1,"cc"]}"#,
            r#"{"id":1,"name":"n","score":null,"kind":null,"pair":[1,"c",3]}"#,
            r#"{"id":1,"name":"n","id":2,"score":null,"kind":null}"#,
            r#"{"name":"n","score":null,"kind":null}"#,
            r#"[1,"n",[],null,null]"#,
        ] {
            assert_eq!(same::<Record>(failing), 1, "{failing}");
        }
        for failing in [
            strict.replace(r#""meters":65535"#, r#""meters":65536"#),
            strict.replace(r#""nothing":null"#, r#""nothing":{}"#),
            strict.replace(r#""big":"#, r#""other":1,"big":"#),
            strict.replace(r#""type":"robot""#, r#""type":"cat""#),
        ] {
            assert_eq!(same::<Strict>(&failing), 1, "{failing}");
        }
    }

    #[derive(Debug, Deserialize)]
    #[allow(dead_code)]
    struct Scalars {
        a: u8,
        b: i16,
        c: u32,
        d: i64,
        e: u64,
        f: bool,
    }

    #[test]
    fn integers_and_booleans_are_read_as_serde_json_reads_them() {
        let read_here = r#"{"a":255,"b":0,"c":4294967295,"d":9223372036854775807,"e":1234567890123456789,"f":true}"#;
        assert_eq!(same::<Scalars>(read_here), 0);
        let ints = |a: &str, d: &str, e: &str| {
            format!(r#"{{"a":{a},"b":-32768,"c":0,"d":{d},"e":{e},"f":false}}"#)
        };
        // Signs, 20 digits, fractions and exponents are read by serde_json.
        assert_eq!(
            same::<Scalars>(&ints("0", "-9223372036854775808", "18446744073709551615")),
            0
        );
        for failing in [
            ints("256", "0", "0"),
            ints("-1", "0", "0"),
            ints("1.0", "0", "0"),
            ints("1e2", "0", "0"),
            ints("0", "9223372036854775808", "0"),
            ints("0", "0", "18446744073709551616"),
            ints("0", "0", "-0"),
            ints("0", "0", "\"1\""),
            read_here.replace("true", "tru"),
            read_here.replace("true", "1"),
            read_here.replace("true", "null"),
            read_here.replace("true", "\"true\""),
        ] {
            assert_eq!(same::<Scalars>(&failing), 1, "{failing}");
        }
    }

    #[test]
    fn text_that_is_not_one_json_value_gets_serde_jsons_error() {
        for text in [
            "",
            " ",
            "{",
            r#"{"a":1,}"#,
            "[1,]",
            "[1 2]",
            r#"{"a" 1}"#,
            "nul",
            "truex",
            "01",
            "\"a\tb\"",
            r#""\x""#,
            "[1] [2]",
            "{} x",
            r#"{"a":1}}"#,
            "[[[]]",
        ] {
            assert_eq!(same::<Value>(text), 1, "{text:?}");
        }
        let deep = format!("{}{}", "[".repeat(120), "]".repeat(120));
        assert_eq!(same::<Value>(&deep), 1);
    }

    /// A record-shaped object: the fields of [`Record`], each there or not, mostly of the
    /// types it declares and sometimes not, keys sometimes escaped, compact or pretty.
    fn record_text() -> impl Strategy<Value = String> {
        let text = "[a-c\"\\\\\u{e9}\u{1F600}\n/ ]{0,5}";
        let any_json = crate::resource::select::properties::json;
        let finite = any::<f64>().prop_filter("finite", |f| f.is_finite());
        let kind = prop_oneof![
            Just(json!("Unit")),
            any::<i64>().prop_map(|n| json!({"Newtype": n})),
            (any::<u8>(), text).prop_map(|(n, s)| json!({"Tuple": [n, s]})),
            proptest::option::of(any::<bool>()).prop_map(|a| json!({"Struct": {"a": a}})),
            Just(Value::Null),
        ];
        let fields = (
            prop_oneof![9 => any::<u64>().prop_map(|n| json!(n)), 1 => any_json()],
            prop_oneof![9 => text.prop_map(|s| json!(s)), 1 => any_json()],
            proptest::option::of(proptest::collection::vec(text, 0..3).prop_map(|t| json!(t))),
            proptest::option::of(proptest::option::of(finite).prop_map(|f| json!(f))),
            proptest::option::of(kind),
            proptest::option::of(
                proptest::collection::btree_map(text, any::<i32>(), 0..3).prop_map(|m| json!(m)),
            ),
            proptest::option::of(prop_oneof![
                1 => proptest::collection::btree_map(any::<u32>(), any::<bool>(), 0..2)
                    .prop_map(|m| json!(m)),
                3 => Just(json!({})),
            ]),
            proptest::option::of((any::<u8>(), any::<char>()).prop_map(|p| json!(p))),
            proptest::option::of(any_json()),
        );
        (
            fields,
            any::<bool>(),
            any::<bool>(),
            proptest::bool::weighted(0.1),
        )
            .prop_map(
                |(
                    (id, name, tags, score, kind, counts, by_id, pair, other),
                    pretty,
                    escape,
                    twice,
                )| {
                    let optional = [
                        ("tags", tags),
                        ("score", score),
                        ("kind", kind),
                        ("counts", counts),
                        ("by_id", by_id),
                        ("pair", pair),
                        ("other", other),
                    ];
                    let mut members: Vec<(&str, Value)> = vec![("id", id.clone()), ("name", name)];
                    members.extend(optional.into_iter().filter_map(|(k, v)| Some((k, v?))));
                    if twice {
                        members.push(("id", id)); // serde's "duplicate field"
                    }
                    let gap = if pretty { "\n  " } else { "" };
                    let members: Vec<String> = members
                        .into_iter()
                        .map(|(key, value)| {
                            let value = if pretty {
                                serde_json::to_string_pretty(&value)
                            } else {
                                serde_json::to_string(&value)
                            }
                            .unwrap();
                            let key = if escape {
                                key.replacen('a', "\\u0061", 1)
                            } else {
                                key.to_owned()
                            };
                            format!("{gap}\"{key}\":{gap}{value}")
                        })
                        .collect();
                    format!("{{{}}}", members.join(","))
                },
            )
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(3000))]

        /// Any JSON value, compact or pretty, read as a `Value`: what serde_json reads.
        #[test]
        fn any_json_reads_as_serde_json_reads_it(
            value in crate::resource::select::properties::json(),
            pretty in any::<bool>(),
        ) {
            let text = if pretty { serde_json::to_string_pretty(&value) } else { serde_json::to_string(&value) }.unwrap();
            let (checked, serde, _) = both::<Value>(&text);
            prop_assert_eq!(checked, serde);
        }

        /// Record-shaped objects into a struct with every kind of field: the same record,
        /// or the same error.
        #[test]
        fn records_decode_as_serde_json_decodes_them(text in record_text()) {
            let (checked, serde, _) = both::<Record>(&text);
            prop_assert_eq!(checked, serde, "{}", text);
        }

        /// Any short text: the same value or the same error, never a panic.
        #[test]
        fn any_text_reads_as_serde_json_reads_it(
            text in "[\\[\\]{}:,\"a-c0-9 .eE+\\-\\\\u\t]{0,30}",
        ) {
            let (checked, serde, _) = both::<Value>(&text);
            prop_assert_eq!(checked, serde, "{:?}", text);
        }
    }
}
