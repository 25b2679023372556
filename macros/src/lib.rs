//! Procedural macros for `rest-source`. Use them through the `rest-source` crate, which
//! re-exports them together with the runtime the generated code needs.
