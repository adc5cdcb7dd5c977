//! Bytes from the network (or a user's argument) as text that is safe to
//! print on a terminal.

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
}
