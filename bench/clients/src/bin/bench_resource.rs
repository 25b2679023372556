//! The benchmark's client (b) the source through `Resource<T>`, alone in its binary as in a
//! user's program, so that its peak RSS is its own. Run by `examples/bench.rs`.

#[path = "../common.rs"]
mod common;
#[path = "../runtime.rs"]
mod runtime;

fn main() -> Result<(), common::BoxError> {
    common::client(|scenario, target| async move { runtime::run(scenario, &target).await })
}
