//! Where the body ends, and the chunked body decoded.
//!
//! TCP keeps no message boundaries, so the head says how its body ends
//! (RFC 9112 section 6.3): a `Content-Length`, `Transfer-Encoding:
//! chunked`, or neither, and then the body ends when the server closes.

use std::io::{self, BufRead, Write};

use http_get::body::Framing;
use http_get::head::Head;

/// How the body of the response `head` ends, for a request that was a
/// HEAD (`head_request`) or a GET. In the RFC's order:
///
/// 1. no body after a HEAD, a 1xx, a 204 or a 304, whatever the headers
///    say: [`Framing::Empty`];
/// 2. `Transfer-Encoding: chunked`: [`Framing::Chunked`] (any other
///    coding: an error, we cannot decode it);
/// 3. `Content-Length: N`: [`Framing::Length`] (not a number, or two
///    that differ: an error);
/// 4. neither: [`Framing::UntilClose`].
///
/// `head.get("Content-Length")` finds a header whatever its case.
pub fn framing(head_request: bool, head: &Head) -> anyhow::Result<Framing> {
    todo!(
        "stage content-length: decide how the body ends, HEAD/204/304 \
         first, then chunked, then Content-Length, else the close \
         (book: http-get.md, \"RFC 9112 §6.3, in order\")"
    )
}

/// Decodes the chunked body `conn` is at the start of into `out`, and
/// returns how many body bytes that made:
///
/// ```text
/// 1a;name=value\r\n   the size in hex, maybe `;extensions` (ignore them)
/// ...26 bytes...\r\n  that many bytes of body, then CR LF
/// 0\r\n               the last chunk has size 0
/// Expires: never\r\n  then maybe trailer lines (read and drop them)
/// \r\n                and an empty line: the end
/// ```
///
/// A line or a chunk may arrive in several reads: `read_until(b'\n')`
/// and `read_exact` wait for all of it. A close before the end is an
/// error (`io::ErrorKind::UnexpectedEof`), never a short body; bound the
/// size lines and trailers you read, whatever the server sends.
pub fn read_chunked(
    conn: &mut impl BufRead,
    out: &mut impl Write,
) -> io::Result<u64> {
    todo!(
        "stage chunked: read a size line, that many bytes and their CR LF, \
         until the size 0, then the trailers up to the empty line \
         (book: http-get.md, \"Chunked: pieces with their size in front\")"
    )
}
