//! Every console transcript in the book prints today what its page shows.

use std::path::Path;

use booktest::run::{Runner, pages};

#[test]
fn every_transcript_in_the_book_matches_its_programs() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let root = root.canonicalize().expect("the repository's root");
    // This test runs from target/<profile>/deps; the binaries are one up.
    let exe = std::env::current_exe().expect("the test's path");
    let bins = exe
        .parent()
        .and_then(Path::parent)
        .expect("target/<profile>")
        .to_path_buf();
    let runner = Runner { root, bins };
    runner.build().expect("the workspace's binaries build");
    let mut problems = Vec::new();
    for page in pages(&runner.root) {
        problems.extend(runner.run_page(&page));
    }
    assert!(problems.is_empty(), "\n{}\n", problems.join("\n\n"));
}
