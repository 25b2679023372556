//! ISO 8601 / RFC 3339 timestamps in UTC, formatted and parsed by hand.
//!
//! The demo only needs whole seconds since the Unix epoch rendered as `2024-01-01T00:00:00Z`
//! and the inverse for `updated_since`; a date-time crate would add more to the dependency
//! graph than these 80 lines.

use std::fmt;

/// Seconds since the Unix epoch, displayed as `YYYY-MM-DDTHH:MM:SSZ`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Timestamp(pub i64);

impl Timestamp {
    /// The 20 ASCII bytes of `YYYY-MM-DDTHH:MM:SSZ`, written digit by digit: this runs twice
    /// per contact, and `write!` with zero-padding is several times slower.
    /// Years outside 0..=9999 are clamped (the demo's data stays within a few years).
    fn to_ascii(self) -> [u8; 20] {
        let days = self.0.div_euclid(86_400);
        let secs = self.0.rem_euclid(86_400);
        let (y, m, d) = civil_from_days(days);
        let y = y.clamp(0, 9999);
        let mut out = *b"0000-00-00T00:00:00Z";
        let mut put = |at: usize, value: i64, width: usize| {
            let mut v = value;
            for i in (at..at + width).rev() {
                out[i] = b'0' + (v % 10) as u8;
                v /= 10;
            }
        };
        put(0, y, 4);
        put(5, m, 2);
        put(8, d, 2);
        put(11, secs / 3600, 2);
        put(14, secs / 60 % 60, 2);
        put(17, secs % 60, 2);
        out
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let ascii = self.to_ascii();
        f.write_str(std::str::from_utf8(&ascii).map_err(|_| fmt::Error)?)
    }
}

impl serde::Serialize for Timestamp {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let ascii = self.to_ascii();
        match std::str::from_utf8(&ascii) {
            Ok(s) => serializer.serialize_str(s),
            Err(e) => Err(serde::ser::Error::custom(e)),
        }
    }
}

impl Timestamp {
    /// Midnight UTC on a calendar date (month and day 1-based, not range-checked).
    pub fn from_date(year: i64, month: i64, day: i64) -> Timestamp {
        Timestamp(days_from_civil(year, month, day) * 86_400)
    }

    /// Parses `YYYY-MM-DD`, `YYYY-MM-DDTHH:MM:SS`, with optional fractional seconds and a
    /// `Z` or `±HH:MM` offset (no offset means UTC). Fractions are truncated.
    pub fn parse(s: &str) -> Option<Timestamp> {
        let b = s.trim().as_bytes();
        let num = |r: std::ops::Range<usize>| -> Option<i64> {
            let part = b.get(r)?;
            if part.is_empty() || !part.iter().all(u8::is_ascii_digit) {
                return None;
            }
            std::str::from_utf8(part).ok()?.parse().ok()
        };
        let (y, mo, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
        if b.get(4) != Some(&b'-') || b.get(7) != Some(&b'-') || !(1..=12).contains(&mo) {
            return None;
        }
        if !(1..=days_in_month(y, mo)).contains(&d) {
            return None;
        }
        let mut secs = days_from_civil(y, mo, d) * 86_400;
        if b.len() == 10 {
            return Some(Timestamp(secs));
        }
        if !matches!(b.get(10), Some(b'T' | b't' | b' ')) || b.get(13) != Some(&b':') {
            return None;
        }
        let (h, mi) = (num(11..13)?, num(14..16)?);
        let (sec, mut rest) = if b.get(16) == Some(&b':') {
            (num(17..19)?, 19)
        } else {
            (0, 16)
        };
        if h > 23 || mi > 59 || sec > 60 {
            return None;
        }
        secs += h * 3600 + mi * 60 + sec;
        if b.get(rest) == Some(&b'.') {
            rest += 1;
            let start = rest;
            while b.get(rest).is_some_and(u8::is_ascii_digit) {
                rest += 1;
            }
            if rest == start {
                return None;
            }
        }
        match b.get(rest) {
            None => Some(Timestamp(secs)),
            Some(b'Z' | b'z') if rest + 1 == b.len() => Some(Timestamp(secs)),
            Some(sign @ (b'+' | b'-')) if rest + 6 == b.len() && b[rest + 3] == b':' => {
                let offset = num(rest + 1..rest + 3)? * 3600 + num(rest + 4..rest + 6)? * 60;
                // `+01:00` is one hour ahead of UTC, so UTC is earlier.
                Some(Timestamp(if *sign == b'+' {
                    secs - offset
                } else {
                    secs + offset
                }))
            }
            _ => None,
        }
    }
}

fn is_leap(y: i64) -> bool {
    (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
}

fn days_in_month(y: i64, m: i64) -> i64 {
    match m {
        2 if is_leap(y) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

// Howard Hinnant's `days_from_civil` / `civil_from_days` (public domain).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (
        if m <= 2 {
            yoe + era * 400 + 1
        } else {
            yoe + era * 400
        },
        m,
        d,
    )
}

#[cfg(test)]
mod tests {
    use super::Timestamp;

    #[test]
    fn formats_known_instants() {
        assert_eq!(Timestamp(0).to_string(), "1970-01-01T00:00:00Z");
        assert_eq!(Timestamp(1_704_067_200).to_string(), "2024-01-01T00:00:00Z");
        assert_eq!(Timestamp(1_709_210_096).to_string(), "2024-02-29T12:34:56Z");
    }

    #[test]
    fn parses_what_it_formats_and_common_variants() {
        for secs in [0, 1_704_067_200, 1_709_210_096, 4_102_444_799] {
            let t = Timestamp(secs);
            assert_eq!(Timestamp::parse(&t.to_string()), Some(t));
        }
        assert_eq!(
            Timestamp::parse("2024-01-01"),
            Some(Timestamp(1_704_067_200))
        );
        assert_eq!(
            Timestamp::parse("2024-01-01T01:00:00.123+01:00"),
            Some(Timestamp(1_704_067_200))
        );
        assert_eq!(
            Timestamp::parse("2024-01-01T00:00"),
            Some(Timestamp(1_704_067_200))
        );
    }

    #[test]
    fn rejects_malformed_input() {
        for bad in [
            "",
            "2024",
            "2024-13-01",
            "2024-02-30",
            "2024-01-01T25:00:00Z",
            "yesterday",
        ] {
            assert_eq!(Timestamp::parse(bad), None, "{bad}");
        }
    }
}
