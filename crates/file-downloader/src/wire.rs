//! The `--framed` protocol: one request line, one header line, then bytes.
//!
//! The original protocol has one signal, the close, and has to use it for
//! everything: "here is the end of the file", "no such file", and "the
//! server crashed" all look the same to the client. A header sent before
//! the bytes tells them apart:
//!
//! ```text
//! request:  FETCH <offset> <name>\n     offset: decimal, 0 for the whole file
//! answer:   OK <size>\n                 size: the whole file's, decimal
//!           <the bytes from offset to size>
//!   or:     ERROR <reason>\n
//! ```
//!
//! With the size known, the client can check that it got every byte, so a
//! cut connection is an error and not a short file; with the offset, it can
//! resume a download that was cut. Decimal text rather than binary
//! integers: a person can type the request (with the raw-socket tool,
//! `rawsock`), and sizes past 4 GiB need no thought (a `u64` is up to 20
//! digits).
//!
//! The name is the rest of the line, so it may contain spaces but no
//! newline. Everything here is pure: lines in, values out.

use crate::path::Refusal;

/// The word that starts a request line.
const FETCH: &[u8] = b"FETCH ";

/// A parsed request line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Request {
    /// Where in the file to start: the bytes the client already has.
    pub offset: u64,
    /// The file name, as sent (checked later by [`crate::parse_name`]).
    pub name: Vec<u8>,
}

/// The server's answer, before the bytes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Header {
    /// The file follows; `size` is the whole file's size, and the bytes
    /// sent are those from the request's offset to `size`.
    Ok {
        /// The whole file's size in bytes.
        size: u64,
    },
    /// No file, and why.
    Error(String),
}

/// The request line for `name` from `offset`, newline included.
pub fn request_line(offset: u64, name: &str) -> Vec<u8> {
    format!("FETCH {offset} {name}\n").into_bytes()
}

/// Parses a request line (without its newline).
pub fn parse_request(line: &[u8]) -> Result<Request, Refusal> {
    let rest = line.strip_prefix(FETCH).ok_or(Refusal::Malformed)?;
    let space = rest
        .iter()
        .position(|&b| b == b' ')
        .ok_or(Refusal::Malformed)?;
    let offset = parse_decimal(&rest[..space]).ok_or(Refusal::Malformed)?;
    Ok(Request {
        offset,
        name: rest[space + 1..].to_vec(),
    })
}

/// The header line for `header`, newline included.
pub fn header_line(header: &Header) -> Vec<u8> {
    match header {
        Header::Ok { size } => format!("OK {size}\n").into_bytes(),
        Header::Error(reason) => {
            // A reason is one line: a newline in it would end the header
            // early and turn the rest into "file bytes".
            let reason = reason.replace(['\r', '\n'], " ");
            format!("ERROR {reason}\n").into_bytes()
        }
    }
}

/// Parses a header line (without its newline); `None` if it is neither
/// `OK <size>` nor `ERROR <reason>`.
pub fn parse_header(line: &[u8]) -> Option<Header> {
    if let Some(size) = line.strip_prefix(b"OK ") {
        return parse_decimal(size).map(|size| Header::Ok { size });
    }
    let reason = line.strip_prefix(b"ERROR ")?;
    Some(Header::Error(String::from_utf8_lossy(reason).into_owned()))
}

/// A decimal `u64`: digits only (no sign, no spaces), and no overflow.
fn parse_decimal(digits: &[u8]) -> Option<u64> {
    if digits.is_empty() || !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    // All ASCII digits, so valid UTF-8; `parse` catches overflow.
    std::str::from_utf8(digits).ok()?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Past 4 GiB (2^32) and up to the largest u64.
    const FIVE_GIB: u64 = 5 * 1024 * 1024 * 1024;

    #[test]
    fn request_lines_round_trip() {
        for (offset, name) in [
            (0, "a.txt"),
            (4096, "docs/notes with spaces.txt"),
            (FIVE_GIB, "big.iso"),
            (u64::MAX, "x"),
        ] {
            let line = request_line(offset, name);
            assert_eq!(line.last(), Some(&b'\n'));
            let parsed = parse_request(&line[..line.len() - 1]);
            let name = name.as_bytes().to_vec();
            assert_eq!(parsed, Ok(Request { offset, name }));
        }
    }

    #[test]
    fn the_name_is_the_rest_of_the_line() {
        let parsed = parse_request(b"FETCH 0  two  spaces ");
        let name = b" two  spaces ".to_vec();
        assert_eq!(parsed, Ok(Request { offset: 0, name }));
        // An empty name parses; parse_name refuses it later.
        let empty = parse_request(b"FETCH 7 ");
        let name = Vec::new();
        assert_eq!(empty, Ok(Request { offset: 7, name }));
    }

    #[test]
    fn malformed_requests_are_refused() {
        for line in [
            &b""[..],
            b"FETCH",
            b"FETCH ",
            b"FETCH 0",
            b"fetch 0 a",
            b"GET / HTTP/1.1",
            b"FETCH -1 a",
            b"FETCH +1 a",
            b"FETCH 0x10 a",
            b"FETCH 1.5 a",
            b"FETCH  a",
            // One past u64::MAX.
            b"FETCH 18446744073709551616 a",
            b"a.txt",
        ] {
            assert_eq!(
                parse_request(line),
                Err(Refusal::Malformed),
                "{line:?}"
            );
        }
    }

    #[test]
    fn headers_round_trip() {
        for header in [
            Header::Ok { size: 0 },
            Header::Ok { size: 1024 },
            Header::Ok { size: FIVE_GIB },
            Header::Ok { size: u64::MAX },
            Header::Error("no such file".into()),
        ] {
            let line = header_line(&header);
            assert_eq!(parse_header(&line[..line.len() - 1]), Some(header));
        }
    }

    /// A newline in a reason would end the header early.
    #[test]
    fn an_error_reason_stays_on_one_line() {
        let line = header_line(&Header::Error("two\nlines\r".into()));
        assert_eq!(line, b"ERROR two lines \n");
    }

    #[test]
    fn malformed_headers_are_none() {
        for line in [
            &b""[..],
            b"OK",
            b"OK ",
            b"OK -5",
            b"OK 12 bytes",
            b"OK 18446744073709551616",
            b"ok 5",
            b"HTTP/1.1 200 OK",
            b"ERROR",
        ] {
            assert_eq!(parse_header(line), None, "{line:?}");
        }
    }
}
