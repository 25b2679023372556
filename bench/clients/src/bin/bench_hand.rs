//! The benchmark's client (a) the hand-written reqwest loop, alone in its binary as in a
//! user's program, so that its peak RSS is its own. Run by `examples/bench.rs`.

#[path = "../common.rs"]
mod common;
#[path = "../hand.rs"]
mod hand;

fn main() -> Result<(), common::BoxError> {
    common::client(|scenario, target| async move { hand::run(scenario, &target).await })
}
