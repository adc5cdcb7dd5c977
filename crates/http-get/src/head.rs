//! The response head: a status line, header lines, an empty line.
//!
//! ```text
//! HTTP/1.1 200 OK\r\n
//! Content-Type: text/plain\r\n
//! Content-Length: 12\r\n
//! \r\n
//! hello world\n           (the body: how long it is, the headers say)
//! ```
//!
//! Parsed from bytes with limits (RFC 9110 section 5.4 leaves them to us):
//! a server that sends a megabyte of headers, or never an empty line, gets
//! an error, not our memory. Lines may end in CR LF or a bare LF (section
//! 2.2 allows a recipient to accept LF), and an obsolete folded header
//! line is joined to the one before with a space (section 5.2).
//!
//! Before the final head may come interim ones, 1xx heads without a body
//! (RFC 9110 section 15.2); [`read_final_head`] skips a few and no more:
//!
//! ```text
//! HTTP/1.1 103 Early Hints\r\n     (interim: skipped)
//! Link: </style.css>; rel=preload\r\n
//! \r\n
//! HTTP/1.1 200 OK\r\n              (the final head: returned)
//! ...
//! ```

use std::fmt;
use std::io::{self, BufRead, Read};

// ANCHOR: limits
/// The most bytes a head may take, status line to empty line.
pub const MAX_HEAD: usize = 64 * 1024;

/// The most header lines a head may have.
pub const MAX_HEADERS: usize = 100;
// ANCHOR_END: limits

/// A response's status line and headers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Head {
    /// The minor version: 1 for HTTP/1.1, 0 for HTTP/1.0.
    pub minor_version: u8,
    /// The status code, 100 to 999.
    pub status: u16,
    /// The reason phrase, maybe empty ("OK", "Not Found").
    pub reason: String,
    /// Header fields in order, names as sent.
    pub headers: Vec<(String, String)>,
}

impl Head {
    /// The values of every header field called `name` (any case), in
    /// order.
    pub fn all<'a>(
        &'a self,
        name: &'a str,
    ) -> impl Iterator<Item = &'a str> + 'a {
        self.headers
            .iter()
            .filter(move |(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, value)| value.as_str())
    }

    /// The value of the first header field called `name`.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, value)| value.as_str())
    }

    /// The status line as it would be sent, without its line end.
    pub fn status_line(&self) -> String {
        format!(
            "HTTP/1.{} {} {}",
            self.minor_version, self.status, self.reason
        )
    }
}

/// What is wrong with a head.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum HeadError {
    /// Not an HTTP/1.x status line (the text, shortened).
    BadStatusLine(String),
    /// A header line without a colon, or with space before it.
    BadHeader(String),
    /// More than [`MAX_HEAD`] bytes before the empty line.
    TooLarge,
    /// More than [`MAX_HEADERS`] header lines.
    TooManyHeaders,
    /// The connection closed before the empty line (`got` bytes in).
    Incomplete {
        /// Bytes of head received.
        got: usize,
    },
    /// A 101: the server switched to another protocol, which we never
    /// asked for.
    SwitchedProtocols,
    /// More than [`MAX_INTERIM_RESPONSES`] interim heads in a row.
    TooManyInterim,
}

impl fmt::Display for HeadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            HeadError::BadStatusLine(line) => {
                write!(f, "not an HTTP/1.x status line: {line:?}")
            }
            HeadError::BadHeader(line) => {
                write!(f, "malformed header line: {line:?}")
            }
            HeadError::TooLarge => {
                write!(f, "the response head is over {MAX_HEAD} bytes")
            }
            HeadError::TooManyHeaders => {
                write!(f, "the response has over {MAX_HEADERS} headers")
            }
            HeadError::Incomplete { got: 0 } => {
                write!(f, "the server closed the connection without a response")
            }
            HeadError::Incomplete { got } => write!(
                f,
                "the server closed the connection after {got} bytes of head"
            ),
            HeadError::SwitchedProtocols => {
                write!(f, "the server switched protocols (101), unasked")
            }
            HeadError::TooManyInterim => write!(
                f,
                "the server sent over {MAX_INTERIM_RESPONSES} interim (1xx) \
                 responses and no final one"
            ),
        }
    }
}

impl std::error::Error for HeadError {}

impl From<HeadError> for io::Error {
    fn from(err: HeadError) -> io::Error {
        io::Error::new(io::ErrorKind::InvalidData, err)
    }
}

/// At most this much of a bad line goes into an error message.
const SHOWN: usize = 60;

fn shown(line: &[u8]) -> String {
    let text = String::from_utf8_lossy(line);
    match text.char_indices().nth(SHOWN) {
        Some((cut, _)) => format!("{}...", &text[..cut]),
        None => text.into_owned(),
    }
}

// ANCHOR: read_head
/// Reads one head from `reader`, leaving the body unread behind it.
pub fn read_head(reader: &mut impl BufRead) -> io::Result<Head> {
    let mut lines = Vec::new();
    let mut total = 0;
    loop {
        // take(): a line can never be longer than what is left of the
        // head's budget, whatever the server sends.
        let budget = (MAX_HEAD - total) as u64;
        let mut line = Vec::new();
        reader.by_ref().take(budget).read_until(b'\n', &mut line)?;
        total += line.len();
        if !line.ends_with(b"\n") {
            return Err(if total >= MAX_HEAD {
                HeadError::TooLarge
            } else {
                HeadError::Incomplete { got: total }
            }
            .into());
        }
        let line = trim_line_end(&line);
        if lines.is_empty() {
            // Checked at once: a server that is not HTTP (an SSH server's
            // banner, say) may send one line and then wait for us.
            parse_status_line(line)?;
        } else if line.is_empty() {
            return Ok(parse_head(&lines)?);
        }
        // One more than the status line plus MAX_HEADERS: refuse early.
        if lines.len() > MAX_HEADERS {
            return Err(HeadError::TooManyHeaders.into());
        }
        lines.push(line.to_vec());
    }
}
// ANCHOR_END: read_head

// ANCHOR: read_final_head
/// The most interim (1xx) heads skipped before the final one. RFC 9110
/// section 15.2 asks a client to accept "one or more" and sets no limit,
/// and each head resets the read timeout, so without one a server could
/// hold us for ever with a `100 Continue` every few seconds. A server has
/// reason to send one or two at most: a 100 answers an `Expect:
/// 100-continue`, which we never send, and a 103 Early Hints comes before
/// the answer, not instead of it. 5 is Go's net/http bound
/// (`max1xxResponses`); curl counts bytes instead, 300 KiB of heads for
/// one response, which curl 7.88.1 reached after 12,290 bare `100
/// Continue` heads.
pub const MAX_INTERIM_RESPONSES: usize = 5;

/// Reads heads until the final one (200 to 999) and returns it, leaving
/// its body unread behind it. Interim heads carry no body, so the next
/// head follows each at once.
pub fn read_final_head(reader: &mut impl BufRead) -> io::Result<Head> {
    // At most the allowed interim heads, and one more that must be final.
    for _ in 0..=MAX_INTERIM_RESPONSES {
        let head = read_head(reader)?;
        match head.status {
            // 101 answers an Upgrade request (RFC 9110 section 7.8); we
            // send none, so what follows would not be HTTP/1.1.
            101 => return Err(HeadError::SwitchedProtocols.into()),
            // 100 Continue, 102 Processing, 103 Early Hints: informational
            // only, and the real answer follows.
            100..=199 => continue,
            _ => return Ok(head),
        }
    }
    Err(HeadError::TooManyInterim.into())
}
// ANCHOR_END: read_final_head

/// Drops a line's `\n`, and the `\r` before it if there is one.
pub fn trim_line_end(line: &[u8]) -> &[u8] {
    let line = line.strip_suffix(b"\n").unwrap_or(line);
    line.strip_suffix(b"\r").unwrap_or(line)
}

/// Parses the lines of a head (without their line ends, without the
/// empty line): a status line, then header fields.
pub fn parse_head(lines: &[Vec<u8>]) -> Result<Head, HeadError> {
    let (status_line, header_lines) = lines
        .split_first()
        .ok_or_else(|| HeadError::BadStatusLine(String::new()))?;
    let (minor_version, status, reason) = parse_status_line(status_line)?;
    let mut headers: Vec<(String, String)> = Vec::new();
    for line in header_lines {
        if let [b' ' | b'\t', folded @ ..] = line.as_slice() {
            // obs-fold: a continuation of the previous field's value.
            let (_, value) = headers
                .last_mut()
                .ok_or_else(|| HeadError::BadHeader(shown(line)))?;
            value.push(' ');
            value.push_str(String::from_utf8_lossy(folded).trim());
            continue;
        }
        headers.push(parse_header(line)?);
    }
    if headers.len() > MAX_HEADERS {
        return Err(HeadError::TooManyHeaders);
    }
    Ok(Head {
        minor_version,
        status,
        reason,
        headers,
    })
}

/// `HTTP/1.1 404 Not Found` to (1, 404, "Not Found").
fn parse_status_line(line: &[u8]) -> Result<(u8, u16, String), HeadError> {
    let bad = || HeadError::BadStatusLine(shown(line));
    let rest = line.strip_prefix(b"HTTP/1.").ok_or_else(bad)?;
    let (&minor, rest) = rest.split_first().ok_or_else(bad)?;
    if !minor.is_ascii_digit() {
        return Err(bad());
    }
    let rest = rest.strip_prefix(b" ").ok_or_else(bad)?;
    let (code, reason) = match rest.get(3) {
        None if rest.len() == 3 => (rest, &b""[..]), // no reason at all
        Some(b' ') => (&rest[..3], &rest[4..]),
        _ => return Err(bad()),
    };
    if !code.iter().all(u8::is_ascii_digit) || code[0] == b'0' {
        return Err(bad());
    }
    let status = code
        .iter()
        .fold(0u16, |n, digit| n * 10 + u16::from(digit - b'0'));
    let reason = String::from_utf8_lossy(reason).trim().to_owned();
    Ok((minor - b'0', status, reason))
}

/// `Name: value` (RFC 9110 section 5: the name is a token, and no space
/// may come before the colon; the value is trimmed).
fn parse_header(line: &[u8]) -> Result<(String, String), HeadError> {
    let bad = || HeadError::BadHeader(shown(line));
    let colon = line.iter().position(|&b| b == b':').ok_or_else(bad)?;
    let (name, value) = (&line[..colon], &line[colon + 1..]);
    if name.is_empty() || !name.iter().all(|&b| is_token_char(b)) {
        return Err(bad());
    }
    let value = String::from_utf8_lossy(value).trim().to_owned();
    // ASCII only, so this never splits a character.
    let name = String::from_utf8_lossy(name).into_owned();
    Ok((name, value))
}

/// A `tchar` (RFC 9110 section 5.6.2): what header names are made of.
pub fn is_token_char(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn head(text: &str) -> io::Result<Head> {
        read_head(&mut text.as_bytes())
    }

    #[test]
    fn a_plain_head() {
        let h = head(
            "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nX-A:  b \r\n\r\nhello",
        )
        .unwrap();
        assert_eq!(
            (h.minor_version, h.status, h.reason.as_str()),
            (1, 200, "OK")
        );
        assert_eq!(h.get("content-length"), Some("5"));
        assert_eq!(h.get("x-a"), Some("b"));
        assert_eq!(h.status_line(), "HTTP/1.1 200 OK");
    }

    #[test]
    fn lenient_where_the_rfc_allows() {
        // Bare LF line ends, no reason phrase, a folded header.
        let h = head("HTTP/1.0 204\nX-Long: one\n  two\n\n").unwrap();
        assert_eq!(
            (h.minor_version, h.status, h.reason.as_str()),
            (0, 204, "")
        );
        assert_eq!(h.get("X-Long"), Some("one two"));
        let h = head("HTTP/1.1 404 \r\n\r\n").unwrap();
        assert_eq!(h.reason, "");
    }

    #[test]
    fn malformed_heads_are_errors() {
        let err = |text: &str| head(text).unwrap_err().to_string();
        assert!(err("HTTP/2 200 OK\r\n\r\n").contains("status line"));
        assert!(err("HTTP/1.1 20 OK\r\n\r\n").contains("status line"));
        assert!(err("HTTP/1.1 2000 OK\r\n\r\n").contains("status line"));
        assert!(err("HTTP/1.1 099 OK\r\n\r\n").contains("status line"));
        assert!(err("SSH-2.0-OpenSSH\r\n\r\n").contains("status line"));
        assert!(err("HTTP/1.1 200 OK\r\nNo colon\r\n\r\n").contains("header"));
        assert!(err("HTTP/1.1 200 OK\r\nA : b\r\n\r\n").contains("header"));
        assert!(
            err("HTTP/1.1 200 OK\r\n folded first\r\n\r\n").contains("header")
        );
        assert!(err("").contains("without a response"));
        assert!(err("HTTP/1.1 200 OK\r\nA: b\r\n").contains("after 23 bytes"));
    }

    const CONTINUE: &[u8] = b"HTTP/1.1 100 Continue\r\n\r\n";

    /// Five interim heads are skipped; the final head comes back with its
    /// body unread behind it.
    #[test]
    fn interim_heads_are_skipped_up_to_the_bound() {
        let hints = b"HTTP/1.1 103 Early Hints\r\nLink: </a.css>\r\n\r\n";
        let interim = [CONTINUE, hints, CONTINUE, hints, CONTINUE].concat();
        let input = [&interim[..], b"HTTP/1.1 200 OK\r\n\r\nbody"].concat();
        let mut rest = input.as_slice();
        let head = read_final_head(&mut rest).unwrap();
        assert_eq!(head.status, 200);
        assert_eq!(rest, b"body");
    }

    /// An endless run of 100 Continue heads: refused once the sixth has
    /// been read, and not a byte further.
    #[test]
    fn a_flood_of_interim_heads_is_refused_after_the_bound() {
        let flood = CONTINUE.repeat(1000);
        let mut rest = flood.as_slice();
        let err = read_final_head(&mut rest).unwrap_err();
        assert_eq!(
            err.to_string(),
            "the server sent over 5 interim (1xx) responses and no final one"
        );
        let read = flood.len() - rest.len();
        assert_eq!(read, (MAX_INTERIM_RESPONSES + 1) * CONTINUE.len());
    }

    #[test]
    fn a_101_is_refused() {
        let err = read_final_head(
            &mut &b"HTTP/1.1 101 Switching Protocols\r\n\r\n"[..],
        )
        .unwrap_err();
        assert!(err.to_string().contains("switched protocols"), "{err}");
    }

    #[test]
    fn limits_hold() {
        let many: String =
            (0..=MAX_HEADERS).map(|i| format!("H{i}: v\r\n")).collect();
        let text = format!("HTTP/1.1 200 OK\r\n{many}\r\n");
        assert!(head(&text).unwrap_err().to_string().contains("headers"));
        let huge =
            format!("HTTP/1.1 200 OK\r\nA: {}\r\n\r\n", "x".repeat(MAX_HEAD));
        assert!(
            head(&huge)
                .unwrap_err()
                .to_string()
                .contains("over 65536 bytes")
        );
        // Exactly MAX_HEADERS is fine.
        let ok: String =
            (0..MAX_HEADERS).map(|i| format!("H{i}: v\r\n")).collect();
        assert_eq!(
            head(&format!("HTTP/1.1 200 OK\r\n{ok}\r\n"))
                .unwrap()
                .headers
                .len(),
            100
        );
    }
}
