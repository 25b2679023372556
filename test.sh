#!/usr/bin/env bash
# Runs the whole test suite on a fresh machine: `./test.sh`.
# Needs only the Rust toolchain; every server the tests use is started by the tests on 127.0.0.1.
set -euo pipefail
cd "$(dirname "$0")"
cargo fmt --all --check
cargo clippy --workspace --all-targets --all-features --locked -- -D warnings
cargo test --workspace --all-targets --all-features --locked
cargo test --workspace --doc --all-features --locked
# The API docs build without warnings (broken intra-doc links, undocumented public items).
RUSTDOCFLAGS="-D warnings" cargo doc --workspace --no-deps --all-features --locked
