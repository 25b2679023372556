//! Floats and booleans are sent as Python's `str()` writes them, which is what dlt sends
//! (`requests` encodes `str(value)`; dlt formats paths with `str.format`). The expected
//! texts were written by Python 3 itself (`fixtures/python_float_str.txt`).

use proptest::prelude::*;
use rest_source_runtime::spec::python::float_str;

/// `(double, Python's str of it)` for every line of the committed table.
fn python_table() -> Vec<(f64, String)> {
    include_str!("../fixtures/python_float_str.txt")
        .lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
        .map(|line| {
            let (bits, text) = line.split_once(' ').expect("`bits text`");
            let bits = u64::from_str_radix(bits, 16).expect("hex bits");
            (f64::from_bits(bits), text.to_owned())
        })
        .collect()
}

#[test]
fn every_float_in_the_python_table_is_written_as_python_writes_it() {
    let table = python_table();
    assert!(table.len() > 1000, "the table has {} rows", table.len());
    let wrong: Vec<String> = table
        .iter()
        .filter(|(f, text)| float_str(*f) != *text)
        .map(|(f, text)| {
            format!(
                "{:016x}: python {text}, ours {}",
                f.to_bits(),
                float_str(*f)
            )
        })
        .collect();
    assert!(
        wrong.is_empty(),
        "{} differ:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    /// Any double: the text reads back as the same double (shortest round trip, as Python's
    /// repr), and has Python's shape: exponent form exactly outside 1e-4 ..= 1e16, with a
    /// signed exponent of at least two digits; otherwise a decimal point.
    #[test]
    fn any_float_reads_back_and_has_python_shape(bits in any::<u64>()) {
        let f = f64::from_bits(bits);
        let text = float_str(f);
        if f.is_nan() {
            prop_assert_eq!(text, "nan");
        } else if f.is_infinite() {
            prop_assert_eq!(text, if f > 0.0 { "inf" } else { "-inf" });
        } else {
            let back: f64 = text.parse().unwrap();
            prop_assert_eq!(back.to_bits(), f.to_bits(), "{}", text);
            let a = f.abs();
            let exponent_form = a != 0.0 && !(1e-4..1e16).contains(&a);
            prop_assert_eq!(text.contains('e'), exponent_form, "{}", text);
            if let Some((_, exp)) = text.split_once('e') {
                prop_assert!(exp.starts_with('+') || exp.starts_with('-'), "{}", text);
                prop_assert!(exp.len() >= 3, "{}", text);
            } else {
                prop_assert!(text.contains('.'), "{}", text);
            }
        }
    }
}
