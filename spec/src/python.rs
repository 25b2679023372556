//! Scalars as Python's `str()` writes them, which is what dlt sends: `requests` puts
//! `str(value)` in a query string or a form body, and dlt formats path placeholders with
//! `str.format`, which also calls `str()`.

/// Python's `str(bool)`: `True` or `False`.
///
/// ```
/// assert_eq!(rest_source_spec::python::bool_str(true), "True");
/// ```
pub fn bool_str(value: bool) -> &'static str {
    if value { "True" } else { "False" }
}

/// Python's `str(float)` (the same as its `repr`): the shortest digits that read back as the
/// same double; fixed notation with at least one decimal (`2.0`, `0.0001`) when the decimal
/// exponent is from -4 to 15, otherwise exponent notation with a sign and at least two
/// digits (`1e+16`, `1e-05`, `1.5e+300`); `inf`, `-inf`, `nan`, `-0.0`.
///
/// ```
/// use rest_source_spec::python::float_str;
/// assert_eq!(float_str(2.0), "2.0");
/// assert_eq!(float_str(1e16), "1e+16");
/// assert_eq!(float_str(0.00001), "1e-05");
/// assert_eq!(float_str(1e15), "1000000000000000.0");
/// assert_eq!(float_str(f64::NEG_INFINITY), "-inf");
/// ```
pub fn float_str(value: f64) -> String {
    if value.is_nan() {
        return "nan".to_owned();
    }
    let sign = if value.is_sign_negative() { "-" } else { "" };
    if value.is_infinite() {
        return format!("{sign}inf");
    }
    // Rust's `{:e}` finds how many digits the shortest round trip needs; of the texts with
    // that many digits Python's repr takes the one nearest the double, a tie to even
    // (`1160488999583453.25` → `…453.2`), which is exact rounding to that many digits.
    let shortest = format!("{:e}", value.abs());
    let precision = shortest
        .split('e')
        .next()
        .map_or(0, |m| m.chars().filter(char::is_ascii_digit).count())
        .saturating_sub(1);
    let sci = format!("{:.precision$e}", value.abs());
    let (mantissa, exp) = sci.split_once('e').unwrap_or((sci.as_str(), "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let digits: String = mantissa.chars().filter(|c| *c != '.').collect();
    if !(-4..16).contains(&exp) {
        let exp_sign = if exp < 0 { '-' } else { '+' };
        return format!("{sign}{mantissa}e{exp_sign}{:02}", exp.unsigned_abs());
    }
    let body = if exp < 0 {
        format!("0.{}{digits}", "0".repeat((-exp - 1) as usize))
    } else {
        let int_len = exp as usize + 1;
        if digits.len() <= int_len {
            format!("{digits}{}.0", "0".repeat(int_len - digits.len()))
        } else {
            format!("{}.{}", &digits[..int_len], &digits[int_len..])
        }
    };
    format!("{sign}{body}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn floats_read_as_python_writes_them() {
        for (value, python) in [
            (0.0, "0.0"),
            (-0.0, "-0.0"),
            (0.1, "0.1"),
            (1.5e16, "1.5e+16"),
            (9999999999999998.0, "9999999999999998.0"),
            (0.0001, "0.0001"),
            (1.2345e-5, "1.2345e-05"),
            (5e-324, "5e-324"),
            (1e100, "1e+100"),
            (1160488999583453.2, "1160488999583453.2"),
            (f64::NAN, "nan"),
            (f64::INFINITY, "inf"),
        ] {
            assert_eq!(float_str(value), python, "{value:?}");
        }
    }
}
