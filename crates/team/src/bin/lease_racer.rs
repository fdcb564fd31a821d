//! Test helper.
fn main() {}
