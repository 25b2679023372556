#!/usr/bin/env bash
# Runs the whole test suite on a fresh machine: `./test.sh`.
# Needs only the Rust toolchain; every server the tests use is started by the tests on 127.0.0.1.
set -euo pipefail
cd "$(dirname "$0")"
cargo fmt --all --check
cargo clippy --workspace --all-targets --all-features --locked -- -D warnings
# Users build the default features, or none: both compile too (everything else here uses
# --all-features, which would hide a `cfg` that only one feature set breaks). Checks only.
cargo check --workspace --all-targets --locked
cargo check -p rest-source --no-default-features --locked
cargo test --workspace --all-targets --all-features --locked
cargo test --workspace --doc --all-features --locked
# The API docs build without warnings (broken intra-doc links, undocumented public items).
RUSTDOCFLAGS="-D warnings" cargo doc --workspace --no-deps --all-features --locked
