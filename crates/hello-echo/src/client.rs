//! The hello-echo client: send each name, print each reply, say `exit`.
//!
//! Our Python port of the original client (`talk_original` in
//! `python/client.py`) prints whatever one `recv(1024)` returns after the
//! welcome and after each name, and assumes that is one whole reply. This
//! client knows how long each reply must be (`Welcome!`, `Hello, <name>!`)
//! and reads until it has that many bytes, however the stream was cut. It
//! also refuses names the protocol cannot carry, instead of hanging on
//! them.
//!
//! # Try it
//!
//! ```text
//! cargo run -p hello-echo -- server                       # terminal 1
//! cargo run -p hello-echo -- client Alice 'Bob Smith'     # terminal 2
//! ```

use std::io::{self, Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use anyhow::{bail, ensure};
use netkit::text::printable;
use netkit::{LineReader, Received};

use crate::{
    EXIT, MAX_LINE_LEN, MAX_LINE_NAME, Protocol, READ_BUF_SIZE, WELCOME,
    greeting,
};

/// How long the client waits for any one reply. Long enough for a server
/// started with `--delay`.
pub const REPLY_TIMEOUT: Duration = Duration::from_secs(10);

/// When a reply is not what the protocol says, how long to wait for the
/// rest of it so the error can show the server's whole message.
const MISMATCH_GRACE: Duration = Duration::from_millis(200);

/// Checks that every name can be sent as one message of `protocol`.
pub fn check_names(names: &[String], protocol: Protocol) -> anyhow::Result<()> {
    for name in names {
        // A zero-byte send puts nothing on the wire: the server would never
        // see the message and the client would wait for its reply forever.
        ensure!(!name.is_empty(), "a name cannot be empty");
        ensure!(
            name.as_bytes() != EXIT,
            "\"exit\" cannot be a name: it ends the session"
        );
        match protocol {
            Protocol::Raw => ensure!(
                name.len() <= READ_BUF_SIZE,
                "a name can be at most {READ_BUF_SIZE} bytes (this one is \
                 {}): the server reads at most {READ_BUF_SIZE} bytes as one \
                 message",
                name.len()
            ),
            Protocol::Lines => ensure!(
                name.len() <= MAX_LINE_NAME,
                "with --lines a name can be at most {MAX_LINE_NAME} bytes \
                 (this one is {}): its reply, \"Hello, <name>!\", must fit \
                 in a line of {MAX_LINE_LEN}",
                name.len()
            ),
        }
        ensure!(
            protocol == Protocol::Raw || !name.contains(['\n', '\r']),
            "with --lines a name cannot contain a line break"
        );
    }
    Ok(())
}

// ANCHOR: run_client
/// Greets the server with each name in turn and writes every reply to
/// `out`, one per line, as the original client prints them.
pub fn run_client(
    stream: &mut TcpStream,
    names: &[String],
    protocol: Protocol,
    out: &mut impl Write,
) -> anyhow::Result<()> {
    check_names(names, protocol)?;
    stream.set_read_timeout(Some(REPLY_TIMEOUT))?;
    match protocol {
        Protocol::Raw => {
            expect_reply(stream, WELCOME, out)?;
            for name in names {
                stream.write_all(name.as_bytes())?;
                expect_reply(stream, &greeting(name.as_bytes()), out)?;
            }
            stream.write_all(EXIT)?;
        }
        Protocol::Lines => {
            let mut lines = LineReader::new(&*stream, MAX_LINE_LEN);
            expect_line(&mut lines, WELCOME, out)?;
            for name in names {
                (&*stream).write_all(format!("{name}\n").as_bytes())?;
                expect_line(&mut lines, &greeting(name.as_bytes()), out)?;
            }
            (&*stream).write_all(&[EXIT, b"\n"].concat())?;
        }
    }
    Ok(())
}
// ANCHOR_END: run_client

// ANCHOR: expect_reply
/// Reads one reply of the original protocol and prints it.
fn expect_reply(
    stream: &mut TcpStream,
    expected: &[u8],
    out: &mut impl Write,
) -> anyhow::Result<()> {
    // One read may return part of the reply: keep reading until we have as
    // many bytes as the reply must have, or the server closes.
    let mut reply = Vec::with_capacity(expected.len());
    stream
        .take(expected.len() as u64)
        .read_to_end(&mut reply)
        .map_err(reply_error)?;
    if reply != expected {
        return Err(unexpected(stream, reply, expected));
    }
    writeln!(out, "{}", String::from_utf8_lossy(&reply))?;
    Ok(())
}
// ANCHOR_END: expect_reply

/// Reads one reply line (`--lines`) and prints it.
fn expect_line(
    lines: &mut LineReader<&TcpStream>,
    expected: &[u8],
    out: &mut impl Write,
) -> anyhow::Result<()> {
    let line = match lines.read_line().map_err(reply_error)? {
        Received::Data(line) => line,
        Received::Closed => Vec::new(),
    };
    if line != expected {
        // What the server said is shown escaped: it could hold terminal
        // control sequences.
        bail!(
            "the server answered \"{}\" where \"{}\" was expected",
            printable(&line),
            printable(expected)
        );
    }
    writeln!(out, "{}", String::from_utf8_lossy(&line))?;
    Ok(())
}

/// Builds the error for a reply the protocol does not allow, with whatever
/// else the server sends right after it (a busy server explains itself,
/// then closes).
fn unexpected(
    stream: &mut TcpStream,
    mut reply: Vec<u8>,
    expected: &[u8],
) -> anyhow::Error {
    if stream.set_read_timeout(Some(MISMATCH_GRACE)).is_ok() {
        // Best effort: whatever arrives before the close or the timeout.
        let _ = stream.take(READ_BUF_SIZE as u64).read_to_end(&mut reply);
    }
    let expected = printable(expected);
    if reply.is_empty() {
        return anyhow::anyhow!(
            "the server closed the connection where \"{expected}\" was \
             expected"
        );
    }
    // Escaped, as everything a peer says before it reaches the terminal.
    let reply = reply.trim_ascii_end();
    anyhow::anyhow!(
        "the server answered \"{}\" where \"{expected}\" was expected",
        printable(reply)
    )
}

/// Words a failed read for the user.
fn reply_error(err: io::Error) -> anyhow::Error {
    if netkit::is_timeout(&err) {
        return anyhow::anyhow!(
            "no reply from the server within {REPLY_TIMEOUT:?}"
        );
    }
    anyhow::Error::new(err).context("reading the server's reply")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    /// Names the protocol cannot carry are refused before anything is sent.
    #[test]
    fn names_the_protocol_cannot_carry_are_refused() {
        for bad in ["", "exit", &"x".repeat(READ_BUF_SIZE + 1)] {
            assert!(check_names(&names(&[bad]), Protocol::Raw).is_err());
        }
        assert!(check_names(&names(&["a\nb"]), Protocol::Lines).is_err());
        assert!(check_names(&names(&["a\nb"]), Protocol::Raw).is_ok());
        let longest = "x".repeat(READ_BUF_SIZE);
        assert!(check_names(&names(&[&longest]), Protocol::Raw).is_ok());
        // With --lines, the name's greeting must fit in a line as well.
        let longest = "x".repeat(MAX_LINE_NAME);
        assert!(check_names(&names(&[&longest]), Protocol::Lines).is_ok());
        let over = "x".repeat(MAX_LINE_NAME + 1);
        assert!(check_names(&names(&[&over]), Protocol::Lines).is_err());
    }
}
