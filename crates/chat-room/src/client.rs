//! The chat client: one thread reads the terminal and sends, another
//! receives and prints, as in the original.
//!
//! By default it sends what the original client sends: the bare name in
//! one `send`, then each message in one `send`, and it takes each read as
//! one message, so it can join the original's server (or our Python port
//! of it). With `--lines` (the server needs `--lines` too) the name, every
//! message and every answer end with `\n`, and two quick messages can no
//! longer reach the other end as one.
//!
//! # Try it
//!
//! ```text
//! cargo run -p chat-room -- server                   # terminal 1
//! cargo run -p chat-room -- client -u alice          # terminal 2
//! cargo run -p chat-room -- client -u bob            # terminal 3
//! python3 crates/chat-room/python/client.py -u carol # the Python port
//! ```

use std::io::{self, Write};
use std::net::{Shutdown as Half, TcpStream};
use std::thread;
use std::time::Duration;

use anyhow::{Context, bail};
use crossbeam_channel::{Receiver, select};
use netkit::framing::LineDecoder;
use netkit::server::BUSY_MESSAGE;
use netkit::text::printable;
use netkit::{Received, Shutdown, is_timeout, recv_some};

use crate::protocol::{Framing, MAX_MESSAGE, QUIT, REUSE, SUCCESS};

/// How long the client waits for the answer to its login.
pub const ANSWER_WAIT: Duration = Duration::from_secs(10);

/// How long the client waits for the server to confirm `quit` (or to
/// close) before it closes anyway.
pub const GOODBYE_WAIT: Duration = Duration::from_secs(2);

/// The server's answer to a login, as far as it has arrived.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Answer {
    /// Logged in; `rest` holds the bytes after the answer (messages that
    /// came in the same read).
    Success {
        /// What came after the answer.
        rest: Vec<u8>,
    },
    /// The name is taken.
    Taken,
    /// The server has as many clients as it takes (netkit's cap).
    Busy,
    /// Our server refused the name (the rule is in the text).
    Refused(String),
    /// Not an answer yet: read more.
    NeedMore,
    /// Not a chat server's answer.
    Unexpected(String),
}

// ANCHOR: read_answer
/// Reads the server's answer to a login from the bytes received so far,
/// in the framing both ends were started with. `closed` says the server
/// has closed after them: a refusal without a newline is complete then.
pub fn read_answer(got: &[u8], framing: Framing, closed: bool) -> Answer {
    if let Some(rest) = got.strip_prefix(SUCCESS) {
        return match (framing, rest) {
            // The original server's answer has no end mark; what follows
            // it in the same read is its first message, glued on.
            (Framing::Raw, rest) => Answer::Success {
                rest: rest.to_vec(),
            },
            (Framing::Lines, [b'\n', rest @ ..]) => Answer::Success {
                rest: rest.to_vec(),
            },
            (Framing::Lines, []) if !closed => Answer::NeedMore,
            // A bare "success" and more, or then the close: a server that
            // does not frame with lines.
            (Framing::Lines, _) => Answer::Unexpected(printable(got)),
        };
    }
    if got.starts_with(REUSE) {
        return Answer::Taken;
    }
    if got.starts_with(BUSY_MESSAGE) {
        return Answer::Busy;
    }
    if let Some(why) = got.strip_prefix(b"error: ") {
        return match why.iter().position(|&b| b == b'\n') {
            Some(end) => Answer::Refused(printable(&why[..end])),
            None if closed => Answer::Refused(printable(why)),
            None => Answer::NeedMore,
        };
    }
    let could_still_be = |answer: &[u8]| answer.starts_with(got);
    let answers = [SUCCESS, REUSE, b"error: ", BUSY_MESSAGE];
    if !closed && answers.into_iter().any(could_still_be) {
        return Answer::NeedMore;
    }
    Answer::Unexpected(printable(got))
}
// ANCHOR_END: read_answer

// ANCHOR: login
/// Logs in as `name` in `framing` and returns any bytes that came after
/// the server's answer, which must come within `answer_wait`
/// ([`ANSWER_WAIT`] in the program).
pub fn login(
    stream: &TcpStream,
    name: &str,
    framing: Framing,
    answer_wait: Duration,
) -> anyhow::Result<Vec<u8>> {
    let mut writer = stream;
    // One write: the original server takes its first read as the name.
    writer.write_all(&framing.encode(name.as_bytes()))?;
    // A server that accepts and never answers must not hold us forever.
    stream.set_read_timeout(Some(answer_wait))?;
    let mut got = Vec::new();
    let mut buf = [0; 256];
    loop {
        let closed = match recv_some(&mut &*stream, &mut buf) {
            Ok(Received::Data(bytes)) => {
                got.extend_from_slice(bytes);
                false
            }
            Ok(Received::Closed) if got.is_empty() => {
                bail!("the server closed the connection without answering")
            }
            Ok(Received::Closed) => true,
            Err(err) if is_timeout(&err) => bail!(
                "no answer to the login within {}; is it a chat-room server, \
                 and {}?",
                netkit::cli::DurationArg::from(answer_wait),
                other_end(framing),
            ),
            Err(err) => {
                return Err(err).context("waiting for the server's answer");
            }
        };
        match read_answer(&got, framing, closed) {
            Answer::Success { rest } => {
                stream.set_read_timeout(None)?;
                return Ok(rest);
            }
            Answer::NeedMore => {}
            Answer::Taken => {
                bail!("the name {name} is taken; pick another with -u")
            }
            Answer::Busy => {
                bail!("the chat room is full (too many connections); try later")
            }
            Answer::Refused(why) => bail!("the server refused the name: {why}"),
            Answer::Unexpected(what) => {
                bail!(
                    "not a chat server, or {}? it answered \"{what}\"",
                    other_end(framing)
                )
            }
        }
    }
}

/// What the server must be started with for `framing`: the one mistake
/// a login cannot tell apart from silence.
fn other_end(framing: Framing) -> &'static str {
    match framing {
        Framing::Raw => "does it run without --lines, like this client",
        Framing::Lines => "does it run with --lines too",
    }
}
// ANCHOR_END: login

// ANCHOR: chat
/// Chats until the server closes: lines from `input` are sent, messages
/// from the server are written to `output` by a thread of their own.
/// `quit` typed, the end of `input` (Ctrl-D) or `shutdown` (Ctrl-C) leave.
pub fn chat(
    stream: &TcpStream,
    framing: Framing,
    early: Vec<u8>,
    input: &Receiver<String>,
    output: impl Write + Send + 'static,
    terminal: bool,
    shutdown: &Shutdown,
) -> anyhow::Result<()> {
    let (done, server_closed) = crossbeam_channel::bounded::<()>(1);
    let reader = stream.try_clone()?;
    thread::spawn(move || {
        let _ = print_messages(&reader, framing, early, output, terminal);
        // Dropping `done` tells the sending side the server is gone.
        drop(done);
    });
    let mut writer = stream;
    let typed_quit = loop {
        select! {
            recv(input) -> line => match line {
                Ok(line) if line.as_bytes() == QUIT => break true,
                Ok(line) if line.is_empty() => {}
                // One write per message: without --lines, the message is
                // whatever the server's read returns, and two messages
                // written back to back may reach it as one (the
                // original's protocol has no way to prevent it).
                Ok(line) => writer.write_all(&framing.encode(line.as_bytes()))?,
                Err(_) => break false, // the end of input
            },
            recv(shutdown.receiver()) -> _ => break false,
            recv(server_closed) -> _ => return Ok(()),
        }
    };
    // Ask to leave. With lines, "quit" is always a message of its own.
    // Without, it could merge with the message just before it, so only a
    // typed "quit" sends it (as the original client does); and FIN, which
    // cannot merge with anything, always follows: the server reads the
    // end of the stream and lets us go.
    if typed_quit || framing == Framing::Lines {
        let _ = writer.write_all(&framing.encode(QUIT));
    }
    if framing == Framing::Raw {
        let _ = stream.shutdown(Half::Write);
    }
    // Wait (bounded) for the server to confirm and close, so its last
    // messages are printed.
    let _ = server_closed.recv_timeout(GOODBYE_WAIT);
    Ok(())
}
// ANCHOR_END: chat

/// The receiving thread: prints each message on a line of its own until
/// the server closes or says `quit`.
fn print_messages(
    stream: &TcpStream,
    framing: Framing,
    early: Vec<u8>,
    mut output: impl Write,
    terminal: bool,
) -> io::Result<()> {
    // A server line is a message plus "[<ctime>] <name>: ": bounded, so a
    // server that never sends a newline cannot fill our memory.
    let mut lines = LineDecoder::new(MAX_MESSAGE + 256);
    let mut buf = vec![0; 64 * 1024];
    let mut pending = early;
    loop {
        let messages: Vec<Vec<u8>> = match framing {
            Framing::Lines => {
                lines.push(&pending);
                let mut complete = Vec::new();
                while let Some(line) =
                    lines.next_line().map_err(|too_long| {
                        io::Error::new(
                            io::ErrorKind::InvalidData,
                            format!("a line over {} bytes", too_long.max_len),
                        )
                    })?
                {
                    complete.push(line);
                }
                complete
            }
            // The original server: whatever one read brings is one
            // message (two quick ones may arrive glued together).
            Framing::Raw if pending.is_empty() => Vec::new(),
            Framing::Raw => vec![pending.clone()],
        };
        for message in messages {
            if message == QUIT {
                return Ok(());
            }
            show(&mut output, &message, terminal)?;
        }
        pending = match recv_some(&mut &*stream, &mut buf)? {
            Received::Data(bytes) => bytes.to_vec(),
            Received::Closed => return Ok(()),
        };
    }
}

/// Prints one message. On a terminal, the line being typed is cleared
/// first and the prompt drawn again after, so a message arriving while
/// the user types does not end up in the middle of their line (what they
/// typed is still there, in the terminal's input buffer). Control
/// characters in a message are shown escaped, never obeyed.
fn show(
    output: &mut impl Write,
    message: &[u8],
    terminal: bool,
) -> io::Result<()> {
    let message = printable(message);
    if terminal {
        write!(output, "\r\x1b[K{message}\n> ")?;
    } else {
        writeln!(output, "{message}")?;
    }
    output.flush()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_are_read_in_the_chosen_framing() {
        let success = |rest: &[u8]| Answer::Success {
            rest: rest.to_vec(),
        };
        let lines = |got: &[u8]| read_answer(got, Framing::Lines, false);
        let raw = |got: &[u8]| read_answer(got, Framing::Raw, false);
        assert_eq!(lines(b"success\n"), success(b""));
        assert_eq!(
            lines(b"success\n* bob joined\n"),
            success(b"* bob joined\n")
        );
        assert_eq!(lines(b"success"), Answer::NeedMore);
        assert_eq!(
            read_answer(b"success", Framing::Lines, true),
            Answer::Unexpected("success".into())
        );
        assert_eq!(raw(b"success"), success(b""));
        assert_eq!(
            raw(b"success[Sun Nov 22 09:15:03 2026] bob: hi"),
            success(b"[Sun Nov 22 09:15:03 2026] bob: hi")
        );
        assert_eq!(lines(b"succ"), Answer::NeedMore);
        assert_eq!(raw(b"succ"), Answer::NeedMore);
        assert_eq!(raw(b"reuse"), Answer::Taken);
        assert_eq!(lines(b"reuse\n"), Answer::Taken);
        assert_eq!(lines(BUSY_MESSAGE), Answer::Busy);
        assert_eq!(lines(b"server bu"), Answer::NeedMore);
        assert_eq!(lines(b"error: empty nam"), Answer::NeedMore);
        assert_eq!(
            lines(b"error: empty name\n"),
            Answer::Refused("empty name".into())
        );
        // The original framing has no newline: the close ends a refusal.
        assert_eq!(raw(b"error: empty name"), Answer::NeedMore);
        assert_eq!(
            read_answer(b"error: empty name", Framing::Raw, true),
            Answer::Refused("empty name".into())
        );
        assert_eq!(
            raw(b"HTTP/1.1 400"),
            Answer::Unexpected("HTTP/1.1 400".into())
        );
    }

    /// What a server says is shown escaped: a refusal holding terminal
    /// sequences, CR, NUL or bytes that are not UTF-8 cannot drive the
    /// user's terminal.
    #[test]
    fn a_refusal_is_shown_escaped() {
        let answer = read_answer(
            b"error: \x1b]0;owned\x07\x1b[2J\r\0\xff\n",
            Framing::Lines,
            false,
        );
        assert_eq!(
            answer,
            Answer::Refused(
                "\\u{1b}]0;owned\\u{7}\\u{1b}[2J\\r\\u{0}\u{fffd}".into()
            )
        );
        let unexpected = read_answer(b"\x1b[2J", Framing::Raw, false);
        assert_eq!(unexpected, Answer::Unexpected("\\u{1b}[2J".into()));
    }
}
