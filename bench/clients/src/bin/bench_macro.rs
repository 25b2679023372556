//! The benchmark's client (c) the source declared with `#[rest_source]`, alone in its binary as in a
//! user's program, so that its peak RSS is its own. Run by `examples/bench.rs`.

#[path = "../common.rs"]
mod common;
#[path = "../declared.rs"]
mod declared;

fn main() -> Result<(), common::BoxError> {
    common::client(|scenario, target| async move { declared::run(scenario, &target).await })
}
