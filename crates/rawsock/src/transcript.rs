//! What the tool prints: one event per line, in the order the events
//! happened, every byte escaped ([`netkit::text::escaped`]).
//!
//! ```text
//! listening on 127.0.0.1:9999         listen mode, the real port
//! connection from 127.0.0.1:40112     listen mode, TCP
//! < Welcome!                          received
//! > Michael                           sent: one write, or one datagram
//! < from 127.0.0.1:40112: hi\n        a datagram, in UDP listen mode
//! (closed by the peer)                the closing line
//! ```
//!
//! TCP is a byte stream with no message boundaries: how the bytes were
//! cut into reads says nothing about the peer, and differs from run to
//! run. So received bytes are printed as lines, cut after each `\n`,
//! which any run cuts the same way. A piece with no `\n` (hello-echo's
//! protocol has none) is printed once it is complete: when nothing more
//! has come for [`PARTIAL_GAP`](crate::PARTIAL_GAP), before anything we
//! send, and when the connection ends. A UDP datagram is a message, so
//! each is one line, its `\n`s shown escaped inside it.

use std::io::{self, Write};
use std::net::SocketAddr;
use std::time::Duration;

use netkit::text::escaped;

/// The longest `<` line, in bytes: a peer that sends megabytes with no
/// newline gets them printed in pieces of this size, cut at the same
/// places in every run, rather than held in memory to the end.
pub const MAX_LINE: usize = 4096;

/// Bytes per row of `--hex` output, as `xxd` and `hexdump -C` show them.
pub const HEX_ROW: usize = 16;

/// How a conversation ended: the last line the tool prints.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Closing {
    /// A TCP read returned 0 bytes: the peer sent FIN, it will send no
    /// more.
    ByPeer,
    /// A read or write failed with ECONNRESET (or EPIPE, a write after
    /// the reset): the peer's kernel answered with RST, because the peer
    /// closed with unread data or with SO_LINGER 0, or the program died.
    ResetByPeer,
    /// UDP: the peer's machine answered a datagram with ICMP "port
    /// unreachable", which the kernel reports on a connected socket's
    /// next call as ECONNREFUSED.
    Refused,
    /// Nothing arrived for this long after the last send.
    Quiet(Duration),
    /// We closed first (`--reset`).
    ByUs,
}

impl Closing {
    /// The closing line, with its parentheses: not bytes from the wire.
    pub fn line(self) -> String {
        match self {
            Closing::ByPeer => "(closed by the peer)".into(),
            Closing::ResetByPeer => "(reset by the peer)".into(),
            Closing::Refused => {
                "(refused: nothing listens on that port)".into()
            }
            Closing::Quiet(quiet) => {
                format!("(nothing for {} ms; closing)", quiet.as_millis())
            }
            Closing::ByUs => "(closed)".into(),
        }
    }
}

/// The lines printed so far, and received bytes waiting for their `\n`.
#[derive(Debug)]
pub struct Transcript<W: Write> {
    out: W,
    /// `--hex`: each `<` line is followed by its bytes in hex.
    hex: bool,
    /// Received bytes after the last `\n`, not printed yet.
    partial: Vec<u8>,
}

impl<W: Write> Transcript<W> {
    /// A transcript written to `out` (stdout, or a `Vec` in tests).
    pub fn new(out: W, hex: bool) -> Transcript<W> {
        Transcript {
            out,
            hex,
            partial: Vec::new(),
        }
    }

    /// The writer, for tests to read what was printed.
    pub fn into_inner(self) -> W {
        self.out
    }

    /// Whether received bytes are waiting for their `\n`.
    pub fn has_partial(&self) -> bool {
        !self.partial.is_empty()
    }

    /// Bytes from a TCP read: each complete line is printed now, the rest
    /// waits for more.
    pub fn received(&mut self, mut bytes: &[u8]) -> io::Result<()> {
        while !bytes.is_empty() {
            let room = MAX_LINE - self.partial.len();
            let take = match bytes[..bytes.len().min(room)]
                .iter()
                .position(|&b| b == b'\n')
            {
                Some(newline) => newline + 1,
                None => bytes.len().min(room),
            };
            self.partial.extend_from_slice(&bytes[..take]);
            bytes = &bytes[take..];
            if self.partial.ends_with(b"\n") || self.partial.len() == MAX_LINE {
                self.flush_partial()?;
            }
        }
        Ok(())
    }

    /// Prints the received bytes that are waiting, if any, as a line:
    /// they are complete, for nothing more came in time.
    pub fn flush_partial(&mut self) -> io::Result<()> {
        if self.partial.is_empty() {
            return Ok(());
        }
        let line = std::mem::take(&mut self.partial);
        self.print_received("< ", &line)
    }

    /// One datagram, from `from` when there is no single peer to assume.
    pub fn datagram(
        &mut self,
        from: Option<SocketAddr>,
        bytes: &[u8],
    ) -> io::Result<()> {
        match from {
            Some(from) => {
                self.print_received(&format!("< from {from}: "), bytes)
            }
            None => self.print_received("< ", bytes),
        }
    }

    /// What we are about to send, after any waiting received bytes, which
    /// came first. Printed before the write, so that a write the peer's
    /// reset makes fail still shows what we tried to send.
    pub fn sent(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.flush_partial()?;
        self.line("> ", &escaped(bytes))
    }

    /// A line that is not bytes (`listening on`, a closing line), after
    /// any waiting received bytes.
    pub fn note(&mut self, text: &str) -> io::Result<()> {
        self.flush_partial()?;
        self.line("", text)
    }

    fn print_received(&mut self, prefix: &str, bytes: &[u8]) -> io::Result<()> {
        self.line(prefix, &escaped(bytes))?;
        if self.hex {
            for row in bytes.chunks(HEX_ROW) {
                let hex: Vec<String> =
                    row.iter().map(|byte| format!("{byte:02x}")).collect();
                self.line("  ", &hex.join(" "))?;
            }
        }
        Ok(())
    }

    /// One line, flushed at once: a reader of a pipe sees each event as
    /// it happens. An empty message prints as `>` or `<`, with no
    /// trailing space to get lost in an editor.
    fn line(&mut self, prefix: &str, text: &str) -> io::Result<()> {
        if text.is_empty() {
            writeln!(self.out, "{}", prefix.trim_end())?;
        } else {
            writeln!(self.out, "{prefix}{text}")?;
        }
        self.out.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn printed(
        hex: bool,
        steps: impl FnOnce(&mut Transcript<Vec<u8>>),
    ) -> String {
        let mut transcript = Transcript::new(Vec::new(), hex);
        steps(&mut transcript);
        String::from_utf8(transcript.into_inner()).unwrap()
    }

    /// However the bytes were cut into reads, the lines are the same.
    #[test]
    fn received_bytes_are_printed_line_by_line() {
        let bytes = b"one\ntwo\r\n\nthree";
        for cut in 0..=bytes.len() {
            let out = printed(false, |t| {
                t.received(&bytes[..cut]).unwrap();
                t.received(&bytes[cut..]).unwrap();
                t.flush_partial().unwrap();
            });
            assert_eq!(out, "< one\\n\n< two\\r\\n\n< \\n\n< three\n", "{cut}");
        }
    }

    /// A piece with no newline waits, then goes out before what we send
    /// and before a closing line.
    #[test]
    fn a_partial_line_is_printed_before_the_next_event() {
        let out = printed(false, |t| {
            t.received(b"Welcome!").unwrap();
            assert!(t.has_partial());
            t.sent(b"Michael").unwrap();
            t.received(b"Hello, Michael!").unwrap();
            t.note(&Closing::ByPeer.line()).unwrap();
        });
        assert_eq!(
            out,
            "< Welcome!\n> Michael\n< Hello, Michael!\n(closed by the peer)\n"
        );
    }

    /// Bytes that are not UTF-8 or that a terminal would obey are escaped.
    #[test]
    fn received_bytes_are_escaped() {
        let out = printed(false, |t| {
            t.received(b"\xff\xfe\x1b[2J\\ok\n").unwrap();
            t.sent(b"\0\t").unwrap();
        });
        assert_eq!(out, "< \\xff\\xfe\\x1b[2J\\\\ok\\n\n> \\0\\t\n");
    }

    /// A line with no newline in sight is cut at MAX_LINE, at the same
    /// byte offsets whatever the reads were.
    #[test]
    fn a_very_long_line_is_cut_at_max_line() {
        let bytes = vec![b'a'; MAX_LINE * 2 + 10];
        let out = printed(false, |t| {
            for piece in bytes.chunks(1000) {
                t.received(piece).unwrap();
            }
            t.flush_partial().unwrap();
        });
        let lengths: Vec<usize> = out.lines().map(str::len).collect();
        assert_eq!(lengths, [MAX_LINE + 2, MAX_LINE + 2, 12]);
    }

    /// A datagram is a message: one line, its newlines shown inside it,
    /// an empty one printed with no trailing space.
    #[test]
    fn datagrams_are_one_line_each_with_their_sender() {
        let from: SocketAddr = "127.0.0.1:5000".parse().unwrap();
        let out = printed(false, |t| {
            t.datagram(Some(from), b"hi\nthere\n").unwrap();
            t.datagram(None, b"").unwrap();
            t.sent(b"").unwrap();
        });
        assert_eq!(out, "< from 127.0.0.1:5000: hi\\nthere\\n\n<\n>\n");
    }

    /// `--hex`: each received line is followed by its bytes, 16 a row.
    #[test]
    fn hex_rows_follow_each_received_line() {
        let out = printed(true, |t| {
            t.received(b"0123456789abcdefXY\n").unwrap();
            t.sent(b"x").unwrap();
        });
        assert_eq!(
            out,
            "< 0123456789abcdefXY\\n\n  \
             30 31 32 33 34 35 36 37 38 39 61 62 63 64 65 66\n  \
             58 59 0a\n> x\n"
        );
    }

    /// The closing lines, word for word: the book's transcripts show them.
    #[test]
    fn closing_lines() {
        assert_eq!(Closing::ByPeer.line(), "(closed by the peer)");
        assert_eq!(Closing::ResetByPeer.line(), "(reset by the peer)");
        assert_eq!(
            Closing::Quiet(Duration::from_millis(1000)).line(),
            "(nothing for 1000 ms; closing)"
        );
        assert_eq!(Closing::ByUs.line(), "(closed)");
        assert_eq!(
            Closing::Refused.line(),
            "(refused: nothing listens on that port)"
        );
    }
}
