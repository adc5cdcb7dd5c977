//! The four pairings: the Python port and the Rust program, as server and
//! as client, in both protocols. Every pairing prints the same transcript,
//! which is what a learner swapping one end for the other relies on.

mod common;

use std::process::Command;
use std::time::Duration;

use std::io::Write;

use common::TRANSCRIPT;
use hello_echo::{MAX_LINE_LEN, MAX_LINE_NAME};
use netkit::testing::{
    Lang, ServerProcess, connect, read_to_close, run_to_end,
};

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

/// With `--lines`, the longest name either client accepts is greeted by
/// either server in a line of exactly `MAX_LINE_LEN` bytes, and one byte
/// more is refused by both clients before anything is sent.
#[test]
fn the_longest_name_passes_every_pairing_and_one_byte_more_no_client() {
    let longest = "x".repeat(MAX_LINE_NAME);
    let reply = format!("Hello, {longest}!");
    assert_eq!(reply.len(), MAX_LINE_LEN);
    let too_long = "x".repeat(MAX_LINE_NAME + 1);
    for server_lang in Lang::BOTH {
        let server =
            ServerProcess::start(command(server_lang, "server").args([
                "--bind",
                "127.0.0.1:0",
                "--lines",
            ]));
        let addr = server.addr.to_string();
        for client_lang in Lang::BOTH {
            let client = |name: &str| {
                run_to_end(command(client_lang, "client").args([
                    "--connect",
                    &addr,
                    "--lines",
                    name,
                ]))
            };
            let (status, out, err) = client(&longest);
            let pair =
                format!("{server_lang:?} server, {client_lang:?} client");
            assert!(status.success(), "{pair}: {err}");
            assert_eq!(out, format!("Welcome!\n{reply}\n"), "{pair}");
            let (status, out, err) = client(&too_long);
            assert_eq!(status.code(), Some(1), "{pair}: {err}");
            assert_eq!(out, "", "{pair}");
            assert!(
                err.starts_with("error: ") && err.contains("at most 1016"),
                "{pair}: {err}"
            );
        }
        server.interrupt();
        assert!(server.wait(Duration::from_secs(2)).status.success());
    }
}

/// With `--lines`, a server reading a name one byte over `MAX_LINE_NAME`
/// ends the conversation instead of answering a line too long to read:
/// ours with an error line, the Python port with a close.
#[test]
fn a_name_line_one_byte_too_long_is_refused_by_both_servers() {
    for (lang, refusal) in [
        (Lang::Rust, &b"error: line longer than 1016 bytes\n"[..]),
        (Lang::Python, &b""[..]),
    ] {
        let server = ServerProcess::start(command(lang, "server").args([
            "--bind",
            "127.0.0.1:0",
            "--lines",
        ]));
        let mut client = connect(server.addr);
        let line = [&b"x".repeat(MAX_LINE_NAME + 1)[..], b"\n"].concat();
        client.write_all(&line).expect("send");
        let said = read_to_close(&mut client);
        assert_eq!(said, [&b"Welcome!\n"[..], refusal].concat(), "{lang:?}");
        server.interrupt();
        assert!(server.wait(Duration::from_secs(2)).status.success());
    }
}

/// The Python client's `--lines` mode, the fixed one, prints what the
/// server says escaped: the escape sequences, CR, NUL and bytes that are
/// not UTF-8 of a hostile server never reach the terminal as they are.
#[test]
fn the_python_client_with_lines_prints_a_hostile_reply_escaped() {
    let server = netkit::testing::TestServer::start(|listener, _shutdown| {
        let (mut conn, _) = listener.accept().expect("accept");
        let hostile = b"\x1b]0;owned\x07\x1b[2J\rback\0\xff\n";
        conn.write_all(&[&hostile[..], b"Hello, Ada!\n"].concat())
            .expect("send");
        // Until the client has finished, so that it reads everything.
        let _ = read_to_close(&mut conn);
    });
    let addr = server.addr().to_string();
    let (_, out, _) = run_to_end(command(Lang::Python, "client").args([
        "--connect",
        &addr,
        "--lines",
        "Ada",
    ]));
    assert_eq!(
        out,
        "\\x1b]0;owned\\x07\\x1b[2J\\rback\\x00\u{fffd}\nHello, Ada!\n"
    );
    server.stop();
}
