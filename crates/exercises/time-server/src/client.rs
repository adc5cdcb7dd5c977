//! The client: connect, say nothing, read the answer to the close, and
//! print the time the server sent.
//!
//! # Try it
//!
//! ```text
//! cargo run -p time-server -- server                    # terminal 1
//! cargo run -p time-server-exercise -- client           # terminal 2
//! cargo run -p time-server -- server --rfc868 --bind 127.0.0.1:3737
//! cargo run -p time-server-exercise -- client --rfc868 --connect 127.0.0.1:3737
//! ```

use std::io::{self, Write};
use std::net::TcpStream;

use anyhow::Context;
use jiff::Timestamp;
use jiff::tz::TimeZone;
use time_server::Format;
use time_server::clock::parse_answer;

/// Reads the whole answer: everything until the server closes (a read of
/// 0 bytes), at most `time_server::client::MAX_ANSWER` bytes, and with a
/// deadline (`time_server::client::READ_TIMEOUT`), so that a server that
/// never answers cannot keep the client waiting forever.
pub fn read_answer(stream: &TcpStream) -> io::Result<Vec<u8>> {
    todo!(
        "stage client-time: set a read timeout, then read until the \
         close (book: time-server.md, \"Closing is the end of the \
         message\")"
    )
}

/// The instant an RFC 868 answer stands for: the 4 bytes are a
/// big-endian count of seconds since 1900-01-01 UTC, which wraps to 0 on
/// 2036-02-07 06:28:16 UTC; take the 136-year era that puts it nearest
/// to `now`.
pub fn rfc868_instant(four: [u8; 4], now: Timestamp) -> Timestamp {
    todo!(
        "stage client-rfc868: u32 from big-endian bytes, then the era \
         nearest `now` (book: time-server.md, \"RFC 868: Time\")"
    )
}

/// Asks the server at `stream` and prints the time it sent, as it sent
/// it (RFC 868: the number and its UTC date and time).
pub fn run_client(
    stream: &TcpStream,
    format: Format,
    out: &mut impl Write,
) -> anyhow::Result<()> {
    let answer = read_answer(stream).context("reading the answer")?;
    let now = Timestamp::now();
    if format == Format::Time {
        let four: [u8; 4] =
            answer.as_slice().try_into().with_context(|| {
                format!(
                    "the server sent {} bytes, not RFC 868's 4",
                    answer.len()
                )
            })?;
        let instant = rfc868_instant(four, now);
        let utc = instant.strftime("%Y-%m-%d %H:%M:%S UTC");
        writeln!(out, "{} ({utc})", u32::from_be_bytes(four))?;
        return Ok(());
    }
    let time = parse_answer(format, &answer, &TimeZone::system(), now)?;
    writeln!(out, "{}", time.text)?;
    Ok(())
}
