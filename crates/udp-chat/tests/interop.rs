//! Python and Rust against each other: the four pairings of the echo,
//! and a Rust chat peer talking with the Python port of the original's
//! menu chat, both ways.

mod common;

use std::process::Command;
use std::time::Duration;

use common::transcript;
use netkit::testing::{Lang, ServerProcess, run_to_end};

/// One end of the lesson: `python3 python/<program>.py`, or the binary
/// with `<program>` as its subcommand.
fn command(lang: Lang, program: &str) -> Command {
    lang.command(
        env!("CARGO_MANIFEST_DIR"),
        env!("CARGO_BIN_EXE_udp-chat"),
        program,
    )
}

/// Python–Python, Python–Rust, Rust–Python, Rust–Rust: the same 100-line
/// transcript (loopback loses nothing in practice; the Rust client would
/// say so if it did).
#[test]
fn four_pairings_of_the_echo_agree() {
    for server_lang in Lang::BOTH {
        for client_lang in Lang::BOTH {
            let server = ServerProcess::start(
                command(server_lang, "server").args(["--bind", "127.0.0.1:0"]),
            );
            let addr = server.addr.to_string();
            let (status, out, err) = run_to_end(
                command(client_lang, "client").args(["--connect", &addr]),
            );
            let context =
                format!("{server_lang:?} server, {client_lang:?} client");
            assert!(status.success(), "{context}: {err}");
            assert_eq!(out, transcript(100), "{context}");
            server.interrupt();
            let exited = server.wait(Duration::from_secs(2));
            assert!(exited.status.success(), "{context}: {}", exited.stderr);
        }
    }
}

/// A Rust peer and a Python peer (the original's menu) talk both ways.
#[test]
fn rust_and_python_chat_peers_talk_both_ways() {
    let mut python = ServerProcess::start_interactive(
        command(Lang::Python, "chat").args(["--bind", "127.0.0.1:0"]),
    );
    let mut rust =
        ServerProcess::start_interactive(command(Lang::Rust, "chat").args([
            "--bind",
            "127.0.0.1:0",
            "--peer",
            &python.addr.to_string(),
        ]));

    // Rust to Python: typed in Rust, then "2" (receive) in Python's menu.
    rust.type_line("hello from Rust");
    python.type_line("2");
    let shown = wait_for(&python, ">>>");
    let port = rust.addr.port();
    assert!(
        shown.ends_with(&format!("('127.0.0.1', {port}):hello from Rust")),
        "{shown}"
    );

    // Python to Rust: "1", the message, the peer's ip and port.
    for line in ["1", "hello from Python", "127.0.0.1", &port.to_string()] {
        python.type_line(line);
    }
    assert_eq!(
        rust.next_line(),
        format!(">>> {}: hello from Python", python.addr)
    );

    for mut peer in [python, rust] {
        peer.close_stdin();
        let exited = peer.wait(Duration::from_secs(2));
        assert!(exited.status.success(), "{}", exited.stderr);
    }
}

/// Reads stdout lines (the menu, prompts) until one contains `marker`.
fn wait_for(process: &ServerProcess, marker: &str) -> String {
    loop {
        let line = process.next_line();
        if line.contains(marker) {
            return line;
        }
    }
}
