//! Compile-time checks of `#[rest_source]`: every `tests/ui/fail/*.rs` must fail with exactly
//! the `.stderr` beside it, every `tests/ui/pass/*.rs` must compile and run. One test, so
//! trybuild compiles the dependencies once. Regenerate with `TRYBUILD=overwrite` and read
//! every changed `.stderr` as a user would.

#[test]
fn ui() {
    let cases = trybuild::TestCases::new();
    cases.compile_fail("tests/ui/fail/*.rs");
    cases.pass("tests/ui/pass/*.rs");
}
