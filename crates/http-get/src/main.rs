//! The `http-get` command (work in progress).

fn main() {}
