//! `--send TEXT`: the bytes a command-line argument stands for.
//!
//! A shell argument cannot hold a NUL byte and makes a CR or a byte that
//! is not UTF-8 awkward to type, yet those are exactly the bytes a lesson
//! needs to send (a `\r\n` line end, a broken UTF-8 sequence, a name with
//! a NUL in it). So `--send` reads the escapes that
//! [`netkit::text::escaped`] writes: a `<` line's text, given back to
//! `--send`, sends the same bytes.

use std::fmt;

/// The escapes `--send` understands, for messages and `--help`.
pub const ESCAPES: &str = r"\n \r \t \0 \\ \xHH";

/// Why a `--send` argument was refused.
#[derive(Debug, PartialEq, Eq)]
pub struct BadEscape {
    /// The offending escape as typed (`\q`, `\x4`, or a lone `\`).
    pub escape: String,
}

impl fmt::Display for BadEscape {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "unknown escape `{}`; use {ESCAPES} (write \\\\ for a backslash)",
            self.escape
        )
    }
}

impl std::error::Error for BadEscape {}

/// The bytes `text` stands for, its escapes decoded. Anything after a
/// backslash other than [`ESCAPES`] is refused rather than guessed at: a
/// typo must not quietly send different bytes.
pub fn unescape(text: &str) -> Result<Vec<u8>, BadEscape> {
    let mut bytes = Vec::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find('\\') {
        bytes.extend_from_slice(&rest.as_bytes()[..at]);
        let after = &rest[at + 1..];
        let (byte, used) = match after.chars().next() {
            Some('n') => (b'\n', 1),
            Some('r') => (b'\r', 1),
            Some('t') => (b'\t', 1),
            Some('0') => (b'\0', 1),
            Some('\\') => (b'\\', 1),
            Some('x') => match after.get(1..3).map(hex_byte) {
                Some(Some(byte)) => (byte, 3),
                _ => return Err(bad(after.chars().take(3))),
            },
            Some(other) => return Err(bad(Some(other))),
            None => return Err(bad(None)),
        };
        bytes.push(byte);
        rest = &after[used..];
    }
    bytes.extend_from_slice(rest.as_bytes());
    Ok(bytes)
}

/// `HH`, two hex digits, as a byte. (`u8::from_str_radix` alone would
/// also take `+F`.)
fn hex_byte(digits: &str) -> Option<u8> {
    if digits.bytes().all(|d| d.is_ascii_hexdigit()) {
        u8::from_str_radix(digits, 16).ok()
    } else {
        None
    }
}

fn bad(after: impl IntoIterator<Item = char>) -> BadEscape {
    BadEscape {
        escape: std::iter::once('\\').chain(after).collect(),
    }
}

#[cfg(test)]
mod tests {
    use netkit::text::escaped;

    use super::*;

    /// Text without a backslash is sent as its UTF-8 bytes, any script.
    #[test]
    fn plain_text_is_its_utf8_bytes() {
        assert_eq!(unescape("Michael").unwrap(), b"Michael");
        assert_eq!(unescape("李雷").unwrap(), "李雷".as_bytes());
        assert_eq!(unescape("").unwrap(), b"");
    }

    /// Each escape is one byte; `\\n` is a backslash and an `n`.
    #[test]
    fn escapes_stand_for_their_bytes() {
        assert_eq!(
            unescape(r"GET / HTTP/1.0\r\n\r\n").unwrap(),
            b"GET / HTTP/1.0\r\n\r\n"
        );
        assert_eq!(unescape(r"a\tb\0c\\d").unwrap(), b"a\tb\0c\\d");
        assert_eq!(unescape(r"\xff\xC3\x28").unwrap(), b"\xff\xc3\x28");
        assert_eq!(unescape(r"\\n").unwrap(), b"\\n");
    }

    /// A typo is refused with the escape named, never sent as something
    /// else.
    #[test]
    fn unknown_or_cut_escapes_are_refused() {
        for (text, escape) in [
            (r"a\qb", r"\q"),
            (r"ends in \", r"\"),
            (r"\x4", r"\x4"),
            (r"\xg0", r"\xg0"),
            (r"\x+f", r"\x+f"),
            ("\\\u{e9}", "\\\u{e9}"),
            ("\\x\u{e9}", "\\x\u{e9}"),
        ] {
            assert_eq!(
                unescape(text),
                Err(BadEscape {
                    escape: escape.into()
                }),
                "{text}"
            );
        }
        let message = unescape(r"\q").unwrap_err().to_string();
        assert!(message.contains(ESCAPES), "{message}");
    }

    /// What a `<` line shows, sent back, is the same bytes.
    #[test]
    fn escaped_text_unescapes_to_the_same_bytes() {
        let samples: [&[u8]; 5] = [
            b"Hello, Ada!\n",
            b"\r\n\t\0\\",
            b"\x1b[2J\x7f\xff\xfe",
            "李雷\u{85}".as_bytes(),
            &[0, 1, 2, 0x80, 0xc3, 0x28, b'\\', b'x', b'4', b'1'],
        ];
        for bytes in samples {
            assert_eq!(unescape(&escaped(bytes)).unwrap(), bytes);
        }
    }
}
