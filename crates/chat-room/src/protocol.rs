//! What travels on the wire, as pure functions: names, commands, the lines
//! the server sends, and how a connection's framing is recognised.
//!
//! The original has no framing at all: a client sends its name in one
//! `send`, then each message in one `send`, and the server takes each
//! `recv(1024)` as one message. TCP keeps no boundaries, so that works only
//! while messages are few and slow. That is the default here too, so that
//! every program of the lesson talks to the original's; with `--lines`, on
//! both ends, every message ends with `\n` instead (see [`Framing`]). The
//! framing is chosen, never guessed: a peer's silence says nothing about
//! how it frames its bytes.

use std::fmt;

use jiff::Zoned;

/// The longest message, in bytes: the original's `recv(1024)`.
pub const MAX_MESSAGE: usize = 1024;

/// The longest user name, in characters.
pub const MAX_NAME_CHARS: usize = 32;

/// The server's answers at login, and to `quit`.
pub const SUCCESS: &[u8] = b"success";
/// The name is taken.
pub const REUSE: &[u8] = b"reuse";
/// Leave, and the server's goodbye.
pub const QUIT: &[u8] = b"quit";

/// How both ends delimit their messages: chosen on the command line
/// (`--lines`), the same on the server and on every client.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Framing {
    /// The original's, and the default: one read is one message, and
    /// nothing is added to what is sent.
    #[default]
    Raw,
    /// `--lines`: every message, name and answer ends with `\n`.
    Lines,
}

impl Framing {
    /// `message` as this framing puts it on the wire.
    pub fn encode(self, message: &[u8]) -> Vec<u8> {
        match self {
            Framing::Raw => message.to_vec(),
            Framing::Lines => [message, b"\n"].concat(),
        }
    }
}

/// Why a name is refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum BadName {
    /// Nothing at all.
    Empty,
    /// Over [`MAX_NAME_CHARS`].
    TooLong,
    /// Not UTF-8.
    NotUtf8,
    /// A space, a tab, a control character: names are one printable word.
    NotPrintable,
    /// Starts with `/` or `*`, which mark commands and notices.
    Reserved,
}

impl fmt::Display for BadName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let rule = "a name is 1 to 32 printable characters, no spaces, \
                    not starting with / or *";
        let what = match self {
            BadName::Empty => "empty name",
            BadName::TooLong => "name too long",
            BadName::NotUtf8 => "name is not UTF-8",
            BadName::NotPrintable => "name has a space or a control character",
            BadName::Reserved => "name starts with / or *",
        };
        write!(f, "{what}: {rule}")
    }
}

impl std::error::Error for BadName {}

// ANCHOR: check_name
/// Checks a user name against the rule in [`BadName`]'s message.
pub fn check_name(raw: &[u8]) -> Result<String, BadName> {
    let name = std::str::from_utf8(raw).map_err(|_| BadName::NotUtf8)?;
    if name.is_empty() {
        return Err(BadName::Empty);
    }
    if name.chars().count() > MAX_NAME_CHARS {
        return Err(BadName::TooLong);
    }
    if name.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(BadName::NotPrintable);
    }
    if name.starts_with(['/', '*']) {
        return Err(BadName::Reserved);
    }
    Ok(name.to_owned())
}
// ANCHOR_END: check_name

/// A name that ends in a newline, refused by a server without `--lines`,
/// most likely comes from a client that frames with lines (`nc`, or ours
/// with `--lines`): the hint to add to the refusal, or nothing.
pub fn wrong_framing_hint(
    framing: Framing,
    name: &[u8],
    bad: &BadName,
) -> &'static str {
    if framing == Framing::Raw
        && *bad == BadName::NotPrintable
        && name.ends_with(b"\n")
    {
        " (the name ends with a newline: for clients that send lines, \
         start the server with --lines)"
    } else {
        ""
    }
}

/// What a user's message asks for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Request<'a> {
    /// Anything else: said to everybody else.
    Say(&'a [u8]),
    /// `quit`: leave.
    Quit,
    /// `/who`: who is online.
    Who,
    /// `/msg NAME text`: to one user only.
    Private {
        /// The user it is for.
        to: &'a [u8],
        /// What to tell them.
        text: &'a [u8],
    },
    /// A `/` command we do not know, or `/msg` without a text.
    Unknown,
}

/// Reads a message as a request. Only `quit` is the original's; the `/`
/// commands are ours, and an original client never sends them unless its
/// user types them.
pub fn parse_request(message: &[u8]) -> Request<'_> {
    if message == QUIT {
        return Request::Quit;
    }
    if message == b"/who" {
        return Request::Who;
    }
    if let Some(rest) = message.strip_prefix(b"/msg ") {
        let mut parts = rest.splitn(2, |&b| b == b' ');
        return match (parts.next(), parts.next()) {
            (Some(to), Some(text)) if !to.is_empty() && !text.is_empty() => {
                Request::Private { to, text }
            }
            _ => Request::Unknown,
        };
    }
    if message.starts_with(b"/") {
        return Request::Unknown;
    }
    Request::Say(message)
}

/// The time as Python's `time.ctime()` writes it, which the original puts
/// before every message: `Sun Nov 22 09:15:03 2026`, the day of the month
/// padded with a space (`Nov  2`), in local time.
pub fn ctime(now: &Zoned) -> String {
    now.strftime("%a %b %e %H:%M:%S %Y").to_string()
}

/// A message as everyone else sees it: `[<ctime>] <name>: <message>`.
pub fn said(now: &Zoned, name: &str, message: &[u8]) -> Vec<u8> {
    [format!("[{}] {name}: ", ctime(now)).as_bytes(), message].concat()
}

/// A private message as its reader sees it.
pub fn whispered(now: &Zoned, name: &str, message: &[u8]) -> Vec<u8> {
    [
        format!("[{}] {name} (to you): ", ctime(now)).as_bytes(),
        message,
    ]
    .concat()
}

/// A notice from the server itself: `* ...`.
pub fn notice(text: &str) -> Vec<u8> {
    format!("* {text}").into_bytes()
}

/// The answer to `/who`: `* online (2): alice, bob`, names sorted.
pub fn online<'a>(names: impl IntoIterator<Item = &'a str>) -> Vec<u8> {
    let mut names: Vec<&str> = names.into_iter().collect();
    names.sort_unstable();
    notice(&format!("online ({}): {}", names.len(), names.join(", ")))
}

/// The answer to `/msg NAME text` when nobody has that name.
pub fn nobody_called(name: &str) -> Vec<u8> {
    notice(&format!("nobody is called {name}"))
}

/// The answer to a command the server does not know.
pub fn commands() -> Vec<u8> {
    notice("commands: /who, /msg NAME text, quit")
}

/// What every `--lines` user is told as the server stops, before `quit`.
pub fn shutting_down() -> Vec<u8> {
    notice("the server is shutting down")
}

/// How the others hear that a user who stopped reading was cut off.
pub const NOT_READING: &str = "was disconnected: not reading its messages";

/// What a `--lines` client has sent so far, before it is logged in.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Login {
    /// A name ended by `\n`. `rest` is what came after the newline in the
    /// same reads: the client's first messages.
    Line {
        /// The name, without its newline (and without a `\r` before it).
        name: Vec<u8>,
        /// Bytes after the newline.
        rest: Vec<u8>,
    },
    /// No newline yet: read more (a name may arrive in pieces).
    Incomplete,
    /// Longer than any name, without a newline.
    TooLong,
}

// ANCHOR: login
/// Looks at what a `--lines` connection has sent so far, before it is
/// logged in.
pub fn read_login(sent: &[u8]) -> Login {
    match sent.iter().position(|&b| b == b'\n') {
        Some(end) => {
            let name = &sent[..end];
            let name = name.strip_suffix(b"\r").unwrap_or(name);
            Login::Line {
                name: name.to_vec(),
                rest: sent[end + 1..].to_vec(),
            }
        }
        // 4 bytes per character at most in UTF-8, plus a `\r`.
        None if sent.len() > MAX_NAME_CHARS * 4 + 1 => Login::TooLong,
        None => Login::Incomplete,
    }
}
// ANCHOR_END: login

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_follow_the_rule() {
        assert_eq!(check_name(b"alice"), Ok("alice".to_owned()));
        assert_eq!(check_name("李雷".as_bytes()), Ok("李雷".to_owned()));
        assert_eq!(check_name(&[b'a'; 32]).map(|n| n.len()), Ok(32));
        assert_eq!(check_name(&[b'a'; 33]), Err(BadName::TooLong));
        assert_eq!(check_name(b""), Err(BadName::Empty));
        assert_eq!(check_name(b"a b"), Err(BadName::NotPrintable));
        assert_eq!(check_name(b"a\tb"), Err(BadName::NotPrintable));
        assert_eq!(check_name(b"a\x1b[31m"), Err(BadName::NotPrintable));
        assert_eq!(check_name(b"\xff"), Err(BadName::NotUtf8));
        assert_eq!(check_name(b"/who"), Err(BadName::Reserved));
        assert_eq!(check_name(b"*server"), Err(BadName::Reserved));
    }

    #[test]
    fn requests_are_parsed() {
        assert_eq!(parse_request(b"quit"), Request::Quit);
        assert_eq!(parse_request(b"quit now"), Request::Say(b"quit now"));
        assert_eq!(parse_request(b"/who"), Request::Who);
        assert_eq!(
            parse_request(b"/msg bob hi there"),
            Request::Private {
                to: b"bob",
                text: b"hi there"
            }
        );
        assert_eq!(parse_request(b"/msg bob"), Request::Unknown);
        assert_eq!(parse_request(b"/msg  hi"), Request::Unknown);
        assert_eq!(parse_request(b"/dance"), Request::Unknown);
        assert_eq!(parse_request(b"hello"), Request::Say(b"hello"));
        assert_eq!(parse_request(b""), Request::Say(b""));
    }

    #[test]
    fn ctime_matches_python() {
        let at = |text: &str| -> Zoned { text.parse().expect("a time") };
        let now = at("2026-11-22T09:15:03[Europe/Paris]");
        assert_eq!(ctime(&now), "Sun Nov 22 09:15:03 2026");
        // The day is padded with a space, as in C's asctime().
        let now = at("2026-11-02T19:05:00[UTC]");
        assert_eq!(ctime(&now), "Mon Nov  2 19:05:00 2026");
        assert_eq!(
            said(&now, "alice", b"hi"),
            b"[Mon Nov  2 19:05:00 2026] alice: hi"
        );
    }

    #[test]
    fn a_login_line_ends_at_its_newline() {
        assert_eq!(
            read_login(b"alice\nhello\n"),
            Login::Line {
                name: b"alice".to_vec(),
                rest: b"hello\n".to_vec()
            }
        );
        assert_eq!(
            read_login(b"alice\r\n"),
            Login::Line {
                name: b"alice".to_vec(),
                rest: Vec::new()
            }
        );
        assert_eq!(read_login(b"alice"), Login::Incomplete);
        assert_eq!(read_login(&[b'a'; 200]), Login::TooLong);
    }

    #[test]
    fn who_is_online_is_sorted_and_counted() {
        assert_eq!(online(["bob", "alice"]), b"* online (2): alice, bob");
        assert_eq!(online([]), b"* online (0): ");
    }

    #[test]
    fn framing_adds_a_newline_or_nothing() {
        assert_eq!(Framing::Raw.encode(b"success"), b"success");
        assert_eq!(Framing::Lines.encode(b"success"), b"success\n");
    }
}
