//! Bytes from the network (or a user's argument) as text that is safe to
//! print on a terminal: [`printable`] for reading a message, [`escaped`]
//! for showing every byte that was on the wire.

use std::fmt::Write as _;

// ANCHOR: printable
/// `bytes` as text we can print. Control characters are shown escaped,
/// not sent to the terminal: `ESC [2J` in a peer's message would
/// otherwise clear the reader's screen, and a CR LF would start a line of
/// its own in what should be one. Bytes that are not UTF-8 become U+FFFD.
pub fn printable(bytes: &[u8]) -> String {
    let mut text = String::with_capacity(bytes.len());
    for c in String::from_utf8_lossy(bytes).chars() {
        if c.is_control() && c != '\t' {
            text.extend(c.escape_default());
        } else {
            text.push(c);
        }
    }
    text
}
// ANCHOR_END: printable

/// `bytes` with every byte accounted for, on one line: `\n`, `\r`, `\t`,
/// `\0` and `\\` for themselves, `\xHH` for any other control byte and
/// for each byte that is not valid UTF-8; the rest (text in any script)
/// as it is. Where [`printable`] is for reading a message, this is for
/// seeing exactly what was sent: whether a line ended in `\r\n`, which
/// byte broke the UTF-8. It is also the escape syntax rawsock's `--send`
/// reads, so a shown message can be sent back byte for byte.
pub fn escaped(bytes: &[u8]) -> String {
    let mut text = String::with_capacity(bytes.len());
    for chunk in bytes.utf8_chunks() {
        for c in chunk.valid().chars() {
            match c {
                '\n' => text.push_str("\\n"),
                '\r' => text.push_str("\\r"),
                '\t' => text.push_str("\\t"),
                '\0' => text.push_str("\\0"),
                '\\' => text.push_str("\\\\"),
                // C0, DEL and C1 controls: shown as their UTF-8 bytes.
                c if c.is_control() => {
                    let mut utf8 = [0; 4];
                    hex_escapes(&mut text, c.encode_utf8(&mut utf8).as_bytes());
                }
                c => text.push(c),
            }
        }
        hex_escapes(&mut text, chunk.invalid());
    }
    text
}

/// Appends `\xHH` for each byte.
fn hex_escapes(text: &mut String, bytes: &[u8]) {
    for byte in bytes {
        // Writing to a String cannot fail.
        let _ = write!(text, "\\x{byte:02x}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_are_shown_not_obeyed() {
        assert_eq!(printable(b"hi\tthere"), "hi\tthere");
        assert_eq!(printable(b"\x1b[2Jgone"), "\\u{1b}[2Jgone");
        assert_eq!(printable(b"a\r\nb\x07"), "a\\r\\nb\\u{7}");
        assert_eq!(printable("李雷".as_bytes()), "李雷");
        assert_eq!(printable(b"\xff!"), "\u{fffd}!");
    }

    /// Every byte shows: line ends, backslashes, controls, bytes that are
    /// not UTF-8; text in any script stays readable.
    #[test]
    fn escaped_shows_every_byte() {
        assert_eq!(escaped(b"Hello, Ada!"), "Hello, Ada!");
        assert_eq!(escaped(b"a\r\n\tb\0"), "a\\r\\n\\tb\\0");
        assert_eq!(escaped(b"C:\\dir"), "C:\\\\dir");
        assert_eq!(escaped(b"\x1b[2J\x7f"), "\\x1b[2J\\x7f");
        assert_eq!(escaped("李雷".as_bytes()), "李雷");
        assert_eq!(escaped(b"\xc3\x28\xff"), "\\xc3(\\xff");
        // A C1 control is two bytes in UTF-8; both are shown.
        assert_eq!(escaped("\u{85}".as_bytes()), "\\xc2\\x85");
        assert_eq!(escaped(b""), "");
    }
}
