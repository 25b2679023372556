use rest_source::rest_source;

#[rest_source(auth = none)]
struct Api {}

fn main() {}
