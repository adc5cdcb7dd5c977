//! The checker's reports are part of the course: their wording is
//! reviewed like the book's. These snapshots (tests/snapshots/) show a
//! failing run as a learner sees it; a change of wording shows up as a
//! diff to review. `INSTA_UPDATE=always cargo test -p checker --test
//! reports` rewrites them (or `cargo insta review`, with cargo-insta).

mod common;

use common::{SEED, checker, mutant};

/// The parts of a report that differ from run to run (ports, and where
/// the workspace is) replaced by placeholders.
fn snapshot(name: &str, report: &str) {
    let root =
        std::fs::canonicalize(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."))
            .expect("the workspace's root");
    let root = regex_escape(&root.display().to_string());
    insta::with_settings!({
        filters => vec![
            (r"127\.0\.0\.1:\d+", "127.0.0.1:[PORT]"),
            (root.as_str(), "[ROOT]"),
        ],
    }, {
        insta::assert_snapshot!(name, report);
    });
}

fn regex_escape(text: &str) -> String {
    text.chars()
        .flat_map(|c| {
            let escape = "\\.+*?()|[]{}^$".contains(c).then_some('\\');
            escape.into_iter().chain([c])
        })
        .collect()
}

/// A server that answers the sample session's names whatever it is sent.
#[test]
fn report_of_a_wrong_reply() {
    let server = mutant("hello-echo", "server", "hard-coded");
    let run = checker(&[
        "hello-echo",
        "--cmd",
        &server,
        "--stage",
        "hello",
        "--seed",
        SEED,
    ]);
    assert_eq!(run.code, Some(1));
    snapshot("wrong_reply", &run.stdout);
}

/// A client that prints whatever one recv() returned.
#[test]
fn report_of_a_client_that_trusts_one_read() {
    let client = mutant("hello-echo", "client", "one-recv");
    let run = checker(&[
        "hello-echo",
        "--client-cmd",
        &client,
        "--stage",
        "client-split-reply",
        "--seed",
        SEED,
    ]);
    assert_eq!(run.code, Some(1));
    snapshot("split_reply", &run.stdout);
}
