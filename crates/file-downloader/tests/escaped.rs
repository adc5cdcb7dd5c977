//! Bytes from a peer reach a terminal escaped, never obeyed: a hostile
//! server's refusal or garbage header, shown by either client, and a
//! hostile file name, logged by either server. The payload holds what
//! would retitle the terminal (`ESC ] 0 ; … BEL`), clear it (`ESC [ 2 J`),
//! overwrite the line (CR), a NUL and a byte that is not UTF-8.

mod common;

use std::io::{Read, Write};
use std::net::Shutdown;
use std::process::Command;
use std::time::Duration;

use common::Fixture;
use netkit::testing::{
    Lang, ServerProcess, TEST_TIMEOUT, TestServer, connect, read_to_close,
    run_to_end,
};

/// The hostile bytes, without a newline: they fit in a header line and in
/// a name of the original protocol.
const HOSTILE: &[u8] = b"\x1b]0;pwned\x07\x1b[2J\rback\0\xff!";

/// `HOSTILE` as each implementation escapes it: the Rust programs with
/// `netkit::text::printable`, the Python ports with `repr`, and a byte
/// that is not UTF-8 as U+FFFD in the clients.
fn escaped(lang: Lang) -> &'static str {
    match lang {
        Lang::Rust => "\\u{1b}]0;pwned\\u{7}\\u{1b}[2J\\rback\\u{0}\u{fffd}!",
        Lang::Python => "\\x1b]0;pwned\\x07\\x1b[2J\\rback\\x00\u{fffd}!",
    }
}

fn command(lang: Lang, role: &str) -> Command {
    lang.command(
        env!("CARGO_MANIFEST_DIR"),
        env!("CARGO_BIN_EXE_file-downloader"),
        role,
    )
}

/// Fails the test if `text` holds a control character other than the
/// newlines that end its lines: one that reached the terminal raw.
fn assert_no_control_characters(text: &str, what: &str) {
    let raw: Vec<char> = text
        .chars()
        .filter(|&c| c.is_control() && c != '\n')
        .collect();
    assert!(raw.is_empty(), "{what}: raw {raw:?} in {text:?}");
}

/// A fake `--framed` server, bound before its thread starts: it reads one
/// client's request line, answers `answer`, and closes.
fn fake_server(answer: Vec<u8>) -> TestServer<()> {
    TestServer::start(move |listener, _shutdown| {
        let (mut stream, _) = listener.accept().expect("accept");
        stream
            .set_read_timeout(Some(TEST_TIMEOUT))
            .expect("timeout");
        // The request is one line; the Python client sends it and waits
        // for the answer without closing its side, so read to the newline.
        let mut request = Vec::new();
        let mut byte = [0];
        while !request.ends_with(b"\n") {
            match stream.read(&mut byte) {
                Ok(1) => request.push(byte[0]),
                _ => break,
            }
        }
        stream.write_all(&answer).expect("answer");
        let _ = stream.shutdown(Shutdown::Write);
        // Until the client has gone, so that our close is no reset.
        let _ = stream.read_to_end(&mut Vec::new());
    })
}

/// Runs `lang`'s `--framed` client for `x.txt` against a server that
/// answers `answer`; returns its stderr once it has failed.
fn stderr_of_client(lang: Lang, answer: &[u8]) -> String {
    let fixture = Fixture::new();
    let server = fake_server(answer.to_vec());
    let addr = server.addr().to_string();
    let (status, out, err) = run_to_end(
        command(lang, "client")
            .current_dir(fixture.downloads())
            .args(["--framed", "--connect", &addr, "x.txt"]),
    );
    server.stop();
    assert_eq!(status.code(), Some(1), "{lang:?}: {err}");
    assert_eq!(out, "", "{lang:?}");
    err
}

/// A refusal's reason is the server's text: each client shows it after
/// `the server refused`, escaped.
#[test]
fn a_hostile_refusal_is_shown_escaped() {
    for lang in Lang::BOTH {
        let answer = [b"ERROR ", HOSTILE, b"\n"].concat();
        let err = stderr_of_client(lang, &answer);
        assert!(err.contains("the server refused"), "{lang:?}: {err}");
        assert!(err.contains(escaped(lang)), "{lang:?}: {err}");
        assert_no_control_characters(&err, &format!("{lang:?} client"));
    }
}

/// An answer that is no header at all is quoted in the error, escaped.
#[test]
fn a_hostile_header_is_shown_escaped() {
    for lang in Lang::BOTH {
        let answer = [HOSTILE, b"\n"].concat();
        let err = stderr_of_client(lang, &answer);
        assert!(err.contains(escaped(lang)), "{lang:?}: {err}");
        assert_no_control_characters(&err, &format!("{lang:?} client"));
    }
}

/// Each server logs a hostile name escaped, in both protocols: whoever
/// reads the log sees the bytes, and their terminal obeys none of them.
/// (The Python server shows a byte that is not UTF-8 as `\xff`.)
#[test]
fn a_hostile_name_is_logged_escaped() {
    let fixture = Fixture::new();
    for framed in [false, true] {
        for lang in Lang::BOTH {
            let mut args = vec!["--bind", "127.0.0.1:0", "--root"];
            if framed {
                args.push("--framed");
            }
            let server = ServerProcess::start(
                command(lang, "server")
                    .args(&args[..3])
                    .arg(fixture.root())
                    .args(&args[3..]),
            );
            let mut client = connect(server.addr);
            let request = match framed {
                false => HOSTILE.to_vec(),
                true => [b"FETCH 0 ", HOSTILE, b"\n"].concat(),
            };
            client.write_all(&request).expect("request");
            client.shutdown(Shutdown::Write).expect("half-close");
            let _ = read_to_close(&mut client);
            let logged = loop {
                let line = server.next_error_line();
                if line.contains("asked for") {
                    break line;
                }
            };
            let (what, expected) =
                (format!("{lang:?} {framed}"), escaped(lang));
            let expected = match lang {
                Lang::Rust => expected.to_owned(),
                Lang::Python => expected.replace('\u{fffd}', "\\xff"),
            };
            assert!(logged.contains(&expected), "{what}: {logged}");
            assert_no_control_characters(&logged, &what);
            server.interrupt();
            let exited = server.wait(Duration::from_secs(2));
            assert!(exited.status.success(), "{what}: {}", exited.stderr);
            assert_no_control_characters(&exited.stderr, &what);
        }
    }
}
