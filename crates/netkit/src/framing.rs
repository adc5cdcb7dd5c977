//! Reading messages from a byte stream, with bounds.
//!
//! TCP delivers a stream of bytes, not messages: one `send` of `Michael`
//! may arrive as `Mic` + `hael`, and two quick sends may arrive in one
//! `recv`. The originals treat each `recv(1024)` as one message, which works
//! on a quiet loopback and nowhere else. Two ways to read are here:
//!
//! - [`recv_some`]: one read of at most the buffer's size, exactly what
//!   Python's `sock.recv(1024)` does. Lessons use it where the original's
//!   protocol has no boundaries to find, to stay wire-compatible.
//! - [`LineReader`]: newline-delimited messages with a maximum length, the
//!   usual fix. Its parsing half, [`LineDecoder`], does no I/O, so it can be
//!   tested on byte literals split at every point.
//!
//! Both say [`Received::Closed`] when the peer closed its side (a read of 0
//! bytes), which is an ordinary ending, apart from errors.

use std::io::{self, Read};

/// What a read produced: data, or the news that the peer closed.
#[derive(Debug, PartialEq, Eq)]
pub enum Received<T> {
    /// Bytes from the peer.
    Data(T),
    /// The peer closed its sending side: a read returned 0 bytes.
    Closed,
}

// ANCHOR: recv_some
/// One read of at most `buf.len()` bytes, like Python's `sock.recv(n)`.
pub fn recv_some<'b>(
    reader: &mut impl Read,
    buf: &'b mut [u8],
) -> io::Result<Received<&'b [u8]>> {
    loop {
        match reader.read(buf) {
            // 0 bytes from a non-empty buffer: the peer closed its side.
            Ok(0) => return Ok(Received::Closed),
            Ok(n) => return Ok(Received::Data(&buf[..n])),
            // A signal arrived during the system call; nothing was read.
            Err(err) if err.kind() == io::ErrorKind::Interrupted => {}
            Err(err) => return Err(err),
        }
    }
}
// ANCHOR_END: recv_some

/// A line longer than the limit arrived; the connection cannot be trusted
/// to resynchronise, so callers report it and close.
#[derive(Debug, PartialEq, Eq)]
pub struct LineTooLong {
    /// The limit that was exceeded, in bytes, not counting the newline.
    pub max_len: usize,
}

/// Said to the peer before closing, by every server that reads lines.
impl std::fmt::Display for LineTooLong {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "line longer than {} bytes", self.max_len)
    }
}

// ANCHOR: line_decoder
/// Splits bytes into lines ending in `\n`, none longer than `max_len`.
///
/// Feed it whatever the socket produced with [`push`](Self::push), then
/// take complete lines with [`next_line`](Self::next_line) until it says it
/// needs more bytes (`Ok(None)`).
#[derive(Debug)]
pub struct LineDecoder {
    /// Bytes received but not yet returned as a line.
    buf: Vec<u8>,
    /// How many bytes at the front of `buf` are known to hold no `\n`, so a
    /// line arriving byte by byte is not rescanned from its start each time.
    scanned: usize,
    max_len: usize,
}

impl LineDecoder {
    /// A decoder for lines of at most `max_len` bytes (newline excluded).
    pub fn new(max_len: usize) -> LineDecoder {
        LineDecoder {
            buf: Vec::new(),
            scanned: 0,
            max_len,
        }
    }

    /// Appends bytes as they came off the socket.
    pub fn push(&mut self, bytes: &[u8]) {
        self.buf.extend_from_slice(bytes);
    }

    /// The next complete line without its `\n` (and without a `\r` before
    /// it, so `nc` and telnet users with CRLF line ends are understood).
    /// `Ok(None)` means "need more bytes"; an error means the line is over
    /// the limit, whether or not its end has arrived yet.
    pub fn next_line(&mut self) -> Result<Option<Vec<u8>>, LineTooLong> {
        let newline = self.buf[self.scanned..]
            .iter()
            .position(|&b| b == b'\n')
            .map(|i| self.scanned + i);
        let Some(end) = newline else {
            self.scanned = self.buf.len();
            // `\r` may still be followed by `\n`, so it does not count yet.
            let content = self.buf.strip_suffix(b"\r").unwrap_or(&self.buf);
            if content.len() > self.max_len {
                return Err(LineTooLong {
                    max_len: self.max_len,
                });
            }
            return Ok(None);
        };
        let mut line: Vec<u8> = self.buf.drain(..=end).collect();
        self.scanned = 0;
        line.pop(); // the '\n'
        if line.last() == Some(&b'\r') {
            line.pop();
        }
        if line.len() > self.max_len {
            return Err(LineTooLong {
                max_len: self.max_len,
            });
        }
        Ok(Some(line))
    }

    /// Bytes of a line whose newline has not arrived yet.
    pub fn pending(&self) -> &[u8] {
        &self.buf
    }
}
// ANCHOR_END: line_decoder

/// How many bytes [`LineReader`] asks the socket for at a time.
const CHUNK_SIZE: usize = 4096;

// ANCHOR: line_reader
/// Reads newline-delimited messages from a socket (or any reader).
#[derive(Debug)]
pub struct LineReader<R> {
    reader: R,
    decoder: LineDecoder,
}

impl<R: Read> LineReader<R> {
    /// Reads lines of at most `max_len` bytes from `reader`.
    pub fn new(reader: R, max_len: usize) -> LineReader<R> {
        LineReader {
            reader,
            decoder: LineDecoder::new(max_len),
        }
    }

    /// The next line, or `Closed` if the peer closed between lines.
    ///
    /// Errors: `InvalidData` for a line over the limit, `UnexpectedEof` when
    /// the peer closed in the middle of a line, and the socket's own errors
    /// (a read timeout shows up as `WouldBlock` or `TimedOut`).
    pub fn read_line(&mut self) -> io::Result<Received<Vec<u8>>> {
        let mut chunk = [0; CHUNK_SIZE];
        loop {
            match self.decoder.next_line() {
                Ok(Some(line)) => return Ok(Received::Data(line)),
                Ok(None) => {}
                Err(too_long) => {
                    return Err(io::Error::new(
                        io::ErrorKind::InvalidData,
                        too_long.to_string(),
                    ));
                }
            }
            match recv_some(&mut self.reader, &mut chunk)? {
                Received::Data(bytes) => self.decoder.push(bytes),
                Received::Closed if self.decoder.pending().is_empty() => {
                    return Ok(Received::Closed);
                }
                Received::Closed => {
                    return Err(io::Error::new(
                        io::ErrorKind::UnexpectedEof,
                        format!(
                            "peer closed in the middle of a line \
                             ({} bytes without a newline)",
                            self.decoder.pending().len()
                        ),
                    ));
                }
            }
        }
    }

    /// The reader underneath, e.g. to write a reply on the same socket.
    pub fn get_mut(&mut self) -> &mut R {
        &mut self.reader
    }

    /// Bytes already read from the socket that are not part of a line
    /// returned so far. After a header line, these are the first bytes of
    /// whatever follows it (a file's, say): one read took both.
    pub fn buffered(&self) -> &[u8] {
        self.decoder.pending()
    }
}
// ANCHOR_END: line_reader

#[cfg(test)]
mod tests {
    use super::*;

    /// Decodes `input` pushed in the given pieces and collects the lines.
    fn decode_in_pieces(
        pieces: &[&[u8]],
        max_len: usize,
    ) -> Result<Vec<Vec<u8>>, LineTooLong> {
        let mut decoder = LineDecoder::new(max_len);
        let mut lines = Vec::new();
        for piece in pieces {
            decoder.push(piece);
            while let Some(line) = decoder.next_line()? {
                lines.push(line);
            }
        }
        Ok(lines)
    }

    /// Every way of cutting `input` in two or three pieces.
    fn every_split(input: &[u8]) -> Vec<Vec<&[u8]>> {
        let mut splits = vec![vec![input]];
        for i in 0..=input.len() {
            for j in i..=input.len() {
                splits.push(vec![&input[..i], &input[i..j], &input[j..]]);
            }
        }
        splits
    }

    /// The same lines come out however the stream was cut.
    #[test]
    fn lines_survive_every_split() {
        let input = b"Michael\nTracy\r\n\nSarah\n";
        let expected: Vec<Vec<u8>> = vec![
            b"Michael".to_vec(),
            b"Tracy".to_vec(),
            vec![],
            b"Sarah".to_vec(),
        ];
        for pieces in every_split(input) {
            assert_eq!(decode_in_pieces(&pieces, 16), Ok(expected.clone()));
        }
    }

    /// Fed one byte at a time, the decoder returns each line once, whole.
    #[test]
    fn lines_survive_byte_by_byte() {
        let input = b"one\ntwo\r\nthree\n";
        let pieces: Vec<&[u8]> = input.chunks(1).collect();
        assert_eq!(
            decode_in_pieces(&pieces, 8),
            Ok(vec![b"one".to_vec(), b"two".to_vec(), b"three".to_vec()])
        );
    }

    /// A line exactly at the limit passes; one byte more fails in every
    /// split, even before its newline arrives.
    #[test]
    fn limit_is_inclusive_and_checked_before_the_newline() {
        for pieces in every_split(b"abcd\n") {
            assert_eq!(
                decode_in_pieces(&pieces, 4),
                Ok(vec![b"abcd".to_vec()])
            );
        }
        for pieces in every_split(b"abcde\n") {
            assert_eq!(
                decode_in_pieces(&pieces, 4),
                Err(LineTooLong { max_len: 4 })
            );
        }
        let mut decoder = LineDecoder::new(4);
        decoder.push(b"abcde");
        assert_eq!(decoder.next_line(), Err(LineTooLong { max_len: 4 }));
    }

    /// A `\r` at the end of what has arrived is not counted against the
    /// limit, since the `\n` may follow.
    #[test]
    fn trailing_cr_waits_for_its_newline() {
        let mut decoder = LineDecoder::new(4);
        decoder.push(b"abcd\r");
        assert_eq!(decoder.next_line(), Ok(None));
        decoder.push(b"\n");
        assert_eq!(decoder.next_line(), Ok(Some(b"abcd".to_vec())));
    }

    /// Bytes that are not UTF-8 are framed like any others.
    #[test]
    fn non_utf8_bytes_are_just_bytes() {
        let pieces: &[&[u8]] = &[b"\xff\xfe", b"\x00\n"];
        assert_eq!(
            decode_in_pieces(pieces, 8),
            Ok(vec![b"\xff\xfe\x00".to_vec()])
        );
    }

    /// A reader that hands out its data in fixed-size pieces, then EOF.
    struct Trickle<'a> {
        data: &'a [u8],
        step: usize,
    }

    impl Read for Trickle<'_> {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            let n = self.step.min(buf.len()).min(self.data.len());
            buf[..n].copy_from_slice(&self.data[..n]);
            self.data = &self.data[n..];
            Ok(n)
        }
    }

    /// `LineReader` tells a close between lines from a close mid-line.
    #[test]
    fn line_reader_tells_clean_close_from_cut_line() {
        for step in 1..=6 {
            let mut clean = LineReader::new(
                Trickle {
                    data: b"hi\n",
                    step,
                },
                8,
            );
            assert_eq!(
                clean.read_line().expect("line"),
                Received::Data(b"hi".to_vec())
            );
            assert_eq!(clean.read_line().expect("close"), Received::Closed);

            let mut cut = LineReader::new(
                Trickle {
                    data: b"hi\nhal",
                    step,
                },
                8,
            );
            assert_eq!(
                cut.read_line().expect("line"),
                Received::Data(b"hi".to_vec())
            );
            let err = cut.read_line().expect_err("cut line");
            assert_eq!(err.kind(), io::ErrorKind::UnexpectedEof);
        }
    }

    /// What one read took beyond a header line is kept, not lost: the
    /// bytes after the line plus the rest of the stream are the body.
    #[test]
    fn line_reader_keeps_the_bytes_after_a_line() {
        for step in 1..=12 {
            let mut reader = LineReader::new(
                Trickle {
                    data: b"OK 5\nhello",
                    step,
                },
                8,
            );
            assert_eq!(
                reader.read_line().expect("header"),
                Received::Data(b"OK 5".to_vec())
            );
            let mut body = reader.buffered().to_vec();
            reader.get_mut().read_to_end(&mut body).expect("rest");
            assert_eq!(body, b"hello", "step {step}");
        }
    }

    /// An over-long line is an `InvalidData` error, not a hang or a panic.
    #[test]
    fn line_reader_reports_too_long_as_invalid_data() {
        let data = vec![b'x'; 10_000];
        let mut reader = LineReader::new(
            Trickle {
                data: &data,
                step: 3000,
            },
            1024,
        );
        let err = reader.read_line().expect_err("too long");
        assert_eq!(err.kind(), io::ErrorKind::InvalidData);
        assert!(err.to_string().contains("1024"), "{err}");
    }

    /// `recv_some` returns at most the buffer's size and reports EOF as
    /// `Closed`.
    #[test]
    fn recv_some_is_bounded_and_reports_close() {
        let mut reader = Trickle {
            data: b"abcdef",
            step: 100,
        };
        let mut buf = [0; 4];
        assert_eq!(
            recv_some(&mut reader, &mut buf).expect("read"),
            Received::Data(&b"abcd"[..])
        );
        assert_eq!(
            recv_some(&mut reader, &mut buf).expect("read"),
            Received::Data(&b"ef"[..])
        );
        assert_eq!(
            recv_some(&mut reader, &mut buf).expect("read"),
            Received::Closed
        );
    }
}
