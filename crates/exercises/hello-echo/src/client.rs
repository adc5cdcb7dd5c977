//! The client: read the welcome, send each name and print its reply,
//! then say `exit`. Everything but the reading of a reply is written:
//! [`read_reply`] is yours.
//!
//! # Try it
//!
//! ```text
//! cargo run -p hello-echo -- server                           # terminal 1
//! cargo run -p hello-echo-exercise -- client Ada 'Bob Smith'  # terminal 2
//! ```

use std::io::{self, Write};
use std::net::TcpStream;
use std::time::Duration;

use anyhow::bail;
use hello_echo::{EXIT, MAX_LINE_LEN, Protocol, WELCOME, greeting};
use netkit::text::printable;
use netkit::{LineReader, Received};

/// How long the client waits for any one reply before it gives up.
pub const REPLY_TIMEOUT: Duration = Duration::from_secs(10);

/// Reads one reply of the original protocol, which the caller knows to
/// be `len` bytes long: keep reading until you have `len` bytes, or the
/// server closes (a read of 0 bytes), and return what you got. One read
/// is not one reply: TCP may cut the reply anywhere.
pub fn read_reply(stream: &mut TcpStream, len: usize) -> io::Result<Vec<u8>> {
    todo!(
        "stage client-welcome: read until you have `len` bytes or the \
         server closes (book: hello-echo.md, \"The client\")"
    )
}

/// Greets the server with each name in turn and prints every reply, one
/// per line.
pub fn run_client(
    stream: &mut TcpStream,
    names: &[String],
    protocol: Protocol,
    out: &mut impl Write,
) -> anyhow::Result<()> {
    stream.set_read_timeout(Some(REPLY_TIMEOUT))?;
    match protocol {
        Protocol::Raw => {
            let reply = read_reply(stream, WELCOME.len())?;
            print_reply(&reply, WELCOME, out)?;
            for name in names {
                stream.write_all(name.as_bytes())?;
                let expected = greeting(name.as_bytes());
                let reply = read_reply(stream, expected.len())?;
                print_reply(&reply, &expected, out)?;
            }
            stream.write_all(EXIT)?;
        }
        Protocol::Lines => {
            let mut lines = LineReader::new(&*stream, MAX_LINE_LEN);
            let mut next_line = || match lines.read_line()? {
                Received::Data(line) => Ok::<_, io::Error>(line),
                Received::Closed => Ok(Vec::new()),
            };
            print_reply(&next_line()?, WELCOME, out)?;
            for name in names {
                (&*stream).write_all(format!("{name}\n").as_bytes())?;
                let expected = greeting(name.as_bytes());
                print_reply(&next_line()?, &expected, out)?;
            }
            (&*stream).write_all(b"exit\n")?;
        }
    }
    Ok(())
}

/// Prints a reply, or fails with what the server said instead.
fn print_reply(
    reply: &[u8],
    expected: &[u8],
    out: &mut impl Write,
) -> anyhow::Result<()> {
    if reply.is_empty() {
        bail!(
            "the server closed the connection where \"{}\" was expected",
            printable(expected)
        );
    }
    if reply != expected {
        // Escaped: what a peer sends may hold terminal control sequences.
        bail!(
            "the server answered \"{}\" where \"{}\" was expected",
            printable(reply),
            printable(expected)
        );
    }
    writeln!(out, "{}", String::from_utf8_lossy(reply))?;
    Ok(())
}
