//! The four pairings: the Python port and the Rust program, as server and
//! as client, in both protocols. Every pairing prints the same transcript,
//! which is what a learner swapping one end for the other relies on.

mod common;

use std::process::Command;
use std::time::Duration;

use common::{TRANSCRIPT, python};
use netkit::testing::{ServerProcess, run_to_end};

#[derive(Clone, Copy, Debug)]
enum Lang {
    Python,
    Rust,
}

fn command(lang: Lang, role: &str) -> Command {
    match lang {
        Lang::Python => {
            let mut command = Command::new("python3");
            command.arg(python(&format!("{role}.py")));
            command
        }
        Lang::Rust => {
            let mut command = Command::new(env!("CARGO_BIN_EXE_hello-echo"));
            command.arg(role);
            command
        }
    }
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
    for server in [Lang::Python, Lang::Rust] {
        for client in [Lang::Python, Lang::Rust] {
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
