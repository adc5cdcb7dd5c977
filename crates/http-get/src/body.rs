//! Where the body ends: the framing problem again, as HTTP/1.1 solves it.
//!
//! TCP delivers a stream with no boundaries (lessons 4 and 5), so the
//! response says how its body ends, in one of three ways: a
//! `Content-Length`, `Transfer-Encoding: chunked` (pieces, each with its
//! size in front, and a zero-size piece last), or neither, and then the
//! body ends when the server closes. [`framing`] is RFC 9112 section 6.3
//! in one function; each way is a small `Read` adapter over the
//! connection, so the code that saves a body never knows which it got.

use std::fmt;
use std::io::{self, BufRead, Read};

use crate::head::{Head, trim_line_end};

/// How a response's body ends.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Framing {
    /// There is no body (HEAD, 1xx, 204, 304).
    Empty,
    /// `Transfer-Encoding: chunked`.
    Chunked,
    /// `Content-Length`: exactly this many bytes.
    Length(u64),
    /// Neither: everything until the server closes.
    UntilClose,
}

/// A head whose framing cannot be trusted.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FramingError {
    /// `Content-Length` values that disagree, or one that is not a number.
    BadLength(String),
    /// A transfer coding other than chunked (we asked for none).
    Coding(String),
}

impl fmt::Display for FramingError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FramingError::BadLength(values) => write!(
                f,
                "invalid or conflicting Content-Length ({values}); the body's \
                 end cannot be known"
            ),
            FramingError::Coding(coding) => write!(
                f,
                "unsupported Transfer-Encoding {coding:?} (only chunked is \
                 decoded)"
            ),
        }
    }
}

impl std::error::Error for FramingError {}

// ANCHOR: framing
/// How the body of a response to `head_request` (HEAD or not) with this
/// head ends: RFC 9112 section 6.3, in its order.
pub fn framing(
    head_request: bool,
    head: &Head,
) -> Result<Framing, FramingError> {
    // 1. No body after a HEAD, a 1xx, a 204 or a 304, whatever the
    //    headers say (a HEAD's Content-Length is the GET's).
    if head_request
        || head.status < 200
        || head.status == 204
        || head.status == 304
    {
        return Ok(Framing::Empty);
    }
    // 3, 4. Transfer-Encoding wins over Content-Length. The codings are
    //    listed in the order they were applied; chunked must be the last.
    //    We send no TE header, so a server may apply no other coding.
    let codings: Vec<String> = head
        .all("Transfer-Encoding")
        .flat_map(|value| value.split(','))
        .map(|coding| coding.trim().to_ascii_lowercase())
        .filter(|coding| !coding.is_empty())
        .collect();
    if let Some(other) = codings.iter().find(|c| *c != "chunked") {
        return Err(FramingError::Coding(other.clone()));
    }
    if !codings.is_empty() {
        return Ok(Framing::Chunked);
    }
    // 5, 6. Content-Length: every value (in one field or several) must be
    //    the same number, else the end of the body is unknowable.
    let values: Vec<&str> = head
        .all("Content-Length")
        .flat_map(|value| value.split(','))
        .map(str::trim)
        .collect();
    if let Some(first) = values.first() {
        let bad = || FramingError::BadLength(values.join(", "));
        let digits =
            |v: &str| !v.is_empty() && v.bytes().all(|b| b.is_ascii_digit());
        if !values.iter().all(|v| digits(v) && v == first) {
            return Err(bad());
        }
        return first.parse().map(Framing::Length).map_err(|_| bad());
    }
    // 8. Neither: the body is whatever comes until the server closes.
    Ok(Framing::UntilClose)
}
// ANCHOR_END: framing

/// An error for a connection that closed too early.
fn closed_early(what: String) -> io::Error {
    io::Error::new(io::ErrorKind::UnexpectedEof, what)
}

// ANCHOR: length_reader
/// The body of a `Content-Length` response: exactly `length` bytes. The
/// connection closing before that is an error, not a short body: a
/// truncated file must never be saved as if complete.
#[derive(Debug)]
pub struct LengthReader<R> {
    inner: R,
    length: u64,
    left: u64,
}

impl<R: Read> LengthReader<R> {
    /// Reads `length` bytes of `inner`.
    pub fn new(inner: R, length: u64) -> LengthReader<R> {
        LengthReader {
            inner,
            length,
            left: length,
        }
    }
}

impl<R: Read> Read for LengthReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.left == 0 || buf.is_empty() {
            return Ok(0);
        }
        let most = buf
            .len()
            .min(usize::try_from(self.left).unwrap_or(usize::MAX));
        let n = self.inner.read(&mut buf[..most])?;
        if n == 0 {
            return Err(closed_early(format!(
                "the connection closed after {} of {} bytes (Content-Length)",
                self.length - self.left,
                self.length
            )));
        }
        self.left -= n as u64;
        Ok(n)
    }
}
// ANCHOR_END: length_reader

/// The longest chunk-size line (size and extensions) we accept.
pub const MAX_CHUNK_LINE: usize = 4096;

/// The most bytes of trailer fields we read (and drop).
pub const MAX_TRAILERS: usize = 64 * 1024;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Chunk {
    /// Next: a chunk-size line.
    Size,
    /// In a chunk's data, this many bytes left.
    Data(u64),
    /// After a chunk's data: its CR LF.
    DataEnd,
    /// After the last (zero) chunk: trailer fields, then an empty line.
    Trailers,
    /// The body is over.
    Done,
}

// ANCHOR: chunked_reader
/// The body of a `Transfer-Encoding: chunked` response (RFC 9112 section
/// 7.1), decoded:
///
/// ```text
/// 5;name=value\r\n     size in hex, then optional extensions (ignored)
/// hello\r\n            that many bytes, then CR LF
/// 0\r\n                the last chunk: size 0
/// Expires: never\r\n   optional trailer fields (read and dropped)
/// \r\n                 the end
/// ```
#[derive(Debug)]
pub struct ChunkedReader<R> {
    inner: R,
    state: Chunk,
    decoded: u64,
}

impl<R: BufRead> ChunkedReader<R> {
    /// Decodes the chunked body that `inner` is at the start of.
    pub fn new(inner: R) -> ChunkedReader<R> {
        ChunkedReader {
            inner,
            state: Chunk::Size,
            decoded: 0,
        }
    }

    /// Reads one line of at most `limit` bytes, without its line end.
    fn line(&mut self, limit: usize, what: &str) -> io::Result<Vec<u8>> {
        let mut line = Vec::new();
        // take(): the line can never outgrow the limit, whatever is sent.
        let mut reader = self.inner.by_ref().take(limit as u64 + 1);
        reader.read_until(b'\n', &mut line)?;
        if !line.ends_with(b"\n") {
            if line.len() > limit {
                return Err(invalid(format!("{what} over {limit} bytes")));
            }
            return Err(closed_early(format!(
                "the connection closed in the middle of the chunked body, \
                 after {} bytes",
                self.decoded
            )));
        }
        Ok(trim_line_end(&line).to_vec())
    }
}

fn invalid(what: String) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, what)
}

/// `1a;ext=1` to 26: hex digits, then nothing or `;` and extensions (or
/// whitespace before them, which some servers send).
pub fn parse_chunk_size(line: &[u8]) -> Option<u64> {
    let end = line
        .iter()
        .position(|&b| b == b';' || b == b' ' || b == b'\t')
        .unwrap_or(line.len());
    let digits = std::str::from_utf8(&line[..end]).ok()?;
    // from_str_radix takes a sign; a chunk size has none.
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    u64::from_str_radix(digits, 16).ok()
}

impl<R: BufRead> Read for ChunkedReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        loop {
            match self.state {
                Chunk::Size => {
                    let line =
                        self.line(MAX_CHUNK_LINE, "a chunk-size line")?;
                    let size = parse_chunk_size(&line).ok_or_else(|| {
                        invalid(format!(
                            "invalid chunk size {:?}",
                            String::from_utf8_lossy(&line)
                        ))
                    })?;
                    self.state = match size {
                        0 => Chunk::Trailers,
                        size => Chunk::Data(size),
                    };
                }
                Chunk::Data(left) => {
                    if buf.is_empty() {
                        return Ok(0);
                    }
                    let most = buf
                        .len()
                        .min(usize::try_from(left).unwrap_or(usize::MAX));
                    let n = self.inner.read(&mut buf[..most])?;
                    if n == 0 {
                        return Err(closed_early(format!(
                            "the connection closed in the middle of a chunk, \
                             after {} bytes of body",
                            self.decoded
                        )));
                    }
                    self.decoded += n as u64;
                    self.state = match left - n as u64 {
                        0 => Chunk::DataEnd,
                        left => Chunk::Data(left),
                    };
                    return Ok(n);
                }
                Chunk::DataEnd => {
                    let mut end = Vec::new();
                    self.inner.by_ref().take(2).read_until(b'\n', &mut end)?;
                    match end.as_slice() {
                        b"\r\n" | b"\n" => self.state = Chunk::Size,
                        [] | [b'\r'] => {
                            return Err(closed_early(format!(
                                "the connection closed in the middle of the \
                                 chunked body, after {} bytes",
                                self.decoded
                            )));
                        }
                        _ => {
                            return Err(invalid(
                                "a chunk longer than its size".into(),
                            ));
                        }
                    }
                }
                Chunk::Trailers => {
                    let mut total = 0;
                    loop {
                        let left = MAX_TRAILERS.saturating_sub(total);
                        let line = self.line(left, "trailers")?;
                        total += line.len() + 1;
                        if line.is_empty() {
                            break;
                        }
                    }
                    self.state = Chunk::Done;
                }
                Chunk::Done => return Ok(0),
            }
        }
    }
}
// ANCHOR_END: chunked_reader

// ANCHOR: chunk_encode
/// Chunk-encodes `body` in pieces of the given sizes (cycled; 0s are
/// skipped), with an extension on every chunk and a trailer: what a test
/// server sends. The inverse of [`ChunkedReader`].
pub fn chunk_encode(body: &[u8], sizes: &[usize]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut rest = body;
    let mut sizes = sizes.iter().copied().filter(|&s| s > 0).cycle();
    while !rest.is_empty() {
        let size = sizes.next().unwrap_or(rest.len()).min(rest.len());
        out.extend_from_slice(format!("{size:x};piece=\"a b\"\r\n").as_bytes());
        out.extend_from_slice(&rest[..size]);
        out.extend_from_slice(b"\r\n");
        rest = &rest[size..];
    }
    out.extend_from_slice(b"0\r\nX-Trailer: yes\r\n\r\n");
    out
}
// ANCHOR_END: chunk_encode

#[cfg(test)]
mod tests {
    use super::*;
    use crate::head::read_head;

    fn framing_of(text: &str) -> Result<Framing, FramingError> {
        let head = read_head(&mut format!("{text}\r\n\r\n").as_bytes())
            .expect("a valid head");
        framing(false, &head)
    }

    #[test]
    fn rfc_9112_section_6_3_in_order() {
        let ok = "HTTP/1.1 200 OK";
        assert_eq!(framing_of(ok), Ok(Framing::UntilClose));
        assert_eq!(
            framing_of(&format!("{ok}\r\nContent-Length: 5")),
            Ok(Framing::Length(5))
        );
        assert_eq!(
            framing_of(&format!(
                "{ok}\r\nContent-Length: 5\r\nContent-Length: 5"
            )),
            Ok(Framing::Length(5))
        );
        assert_eq!(
            framing_of(&format!("{ok}\r\nContent-Length: 5, 5")),
            Ok(Framing::Length(5))
        );
        assert_eq!(
            framing_of(&format!(
                "{ok}\r\nContent-Length: 5\r\nTransfer-Encoding: chunked"
            )),
            Ok(Framing::Chunked)
        );
        for status in ["204 No Content", "304 Not Modified", "103 Early Hints"]
        {
            assert_eq!(
                framing_of(&format!("HTTP/1.1 {status}\r\nContent-Length: 9")),
                Ok(Framing::Empty)
            );
        }
        let head = read_head(
            &mut &b"HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\n"[..],
        )
        .expect("a valid head");
        assert_eq!(framing(true, &head), Ok(Framing::Empty));
    }

    #[test]
    fn untrustworthy_framing_is_refused() {
        let ok = "HTTP/1.1 200 OK";
        for bad in [
            "5\r\nContent-Length: 6",
            "5, 6",
            "-1",
            "+5",
            "0x10",
            "",
            "99999999999999999999",
        ] {
            let text = format!("{ok}\r\nContent-Length: {bad}");
            assert!(
                matches!(framing_of(&text), Err(FramingError::BadLength(_))),
                "{bad:?}"
            );
        }
        assert_eq!(
            framing_of(&format!("{ok}\r\nTransfer-Encoding: gzip, chunked")),
            Err(FramingError::Coding("gzip".into()))
        );
    }

    #[test]
    fn a_length_body_ends_or_fails() {
        let mut body = String::new();
        LengthReader::new(&b"hello, and more"[..], 5)
            .read_to_string(&mut body)
            .unwrap();
        assert_eq!(body, "hello");
        let err = LengthReader::new(&b"hel"[..], 5)
            .read_to_end(&mut Vec::new())
            .unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::UnexpectedEof);
        assert!(err.to_string().contains("after 3 of 5 bytes"), "{err}");
    }

    fn decode(encoded: &[u8]) -> io::Result<Vec<u8>> {
        let mut body = Vec::new();
        ChunkedReader::new(encoded).read_to_end(&mut body)?;
        Ok(body)
    }

    #[test]
    fn chunks_with_extensions_and_trailers() {
        let encoded = b"5;a=1\r\nhello\r\n1 ; b\r\n,\r\n6\r\n world\r\n0\r\nT: 1\r\n\r\nNEXT";
        assert_eq!(decode(encoded).unwrap(), b"hello, world");
        assert_eq!(decode(b"0\r\n\r\n").unwrap(), b"");
        assert_eq!(decode(b"A\nhellohello\n0\n\n").unwrap(), b"hellohello");
        let body = b"some body that is long enough to cut";
        assert_eq!(decode(&chunk_encode(body, &[3, 7, 1])).unwrap(), body);
    }

    #[test]
    fn broken_chunks_are_errors() {
        let err = |encoded: &[u8]| decode(encoded).unwrap_err().to_string();
        assert!(err(b"zz\r\n").contains("invalid chunk size"));
        assert!(
            err(b"-5\r\nhello\r\n0\r\n\r\n").contains("invalid chunk size")
        );
        assert!(err(b"\r\n").contains("invalid chunk size"));
        assert!(err(b"fffffffffffffffff\r\n").contains("invalid chunk size"));
        assert!(err(b"5\r\nhello world\r\n").contains("longer than its size"));
        assert!(err(b"5\r\nhel").contains("middle of a chunk"));
        assert!(err(b"5\r\nhello\r\n").contains("closed in the middle"));
        assert!(err(b"0\r\nT: 1\r\n").contains("closed in the middle"));
        let long = [b"1;".as_slice(), &[b'x'; MAX_CHUNK_LINE]].concat();
        assert!(err(&long).contains("over 4096 bytes"));
    }
}
