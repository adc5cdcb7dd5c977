//! The four pairings: the Python port and the Rust program, as server and
//! as client, in both protocols. Every pairing prints the same transcript,
//! which is what a learner swapping one end for the other relies on.

mod common;

use std::process::Command;
use std::time::Duration;

use common::TRANSCRIPT;
use netkit::testing::{Lang, ServerProcess, run_to_end};

fn command(lang: Lang, role: &str) -> Command {
    lang.command(
        env!("CARGO_MANIFEST_DIR"),
        env!("CARGO_BIN_EXE_hello-echo"),
        role,
    )
}

/// Runs one pairing and returns the client's stdout.
fn pairing(server_lang: Lang, client_lang: Lang, extra: &[&str]) -> String {
    let server = ServerProcess::start(
        command(server_lang, "server")
            .args(["--bind", "127.0.0.1:0"])
            .args(extra),
    );
    let addr = server.addr.to_string();
    let (status, out, err) = run_to_end(
        command(client_lang, "client")
            .args(["--connect", &addr])
            .args(extra),
    );
    assert!(status.success(), "{client_lang:?} client: {err}");
    server.interrupt();
    let exited = server.wait(Duration::from_secs(2));
    assert!(
        exited.status.success(),
        "{server_lang:?} server: {}",
        exited.stderr
    );
    out
}

fn all_four_pairings(extra: &[&str]) {
    for server in Lang::BOTH {
        for client in Lang::BOTH {
            assert_eq!(
                pairing(server, client, extra),
                TRANSCRIPT,
                "{server:?} server, {client:?} client, {extra:?}"
            );
        }
    }
}

/// The original protocol: Python–Python, Python–Rust, Rust–Python and
/// Rust–Rust print the same transcript.
#[test]
fn four_pairings_agree_on_the_original_protocol() {
    all_four_pairings(&[]);
}

/// The same with `--lines` on both ends.
#[test]
fn four_pairings_agree_with_lines() {
    all_four_pairings(&["--lines"]);
}
