//! The chat client: one thread reads the terminal and sends, another
//! receives and prints, as in the original.
//!
//! It logs in with `NAME\n`. Our server answers `success\n` and frames
//! everything with newlines from then on; the original server (and our
//! Python port of it) strips the newline, answers a bare `success`, and
//! sends each message unframed. The answer tells the client which kind of
//! server it is talking to ([`read_answer`]); to an original server it
//! then sends the original's bytes: bare messages, [`RAW_MESSAGE_GAP`]
//! apart.
//!
//! # Try it
//!
//! ```text
//! cargo run -p chat-room -- server                   # terminal 1
//! cargo run -p chat-room -- client -u alice          # terminal 2
//! cargo run -p chat-room -- client -u bob            # terminal 3
//! ```

use std::io::{self, Write};
use std::net::TcpStream;
use std::thread;
use std::time::Duration;

use anyhow::{Context, bail};
use crossbeam_channel::{Receiver, select};
use netkit::framing::LineDecoder;
use netkit::server::BUSY_MESSAGE;
use netkit::text::printable;
use netkit::{Received, Shutdown, is_timeout, recv_some};

use crate::protocol::{
    Framing, LOGIN_PAUSE, MAX_MESSAGE, QUIT, REUSE, SUCCESS,
};

/// How long the client waits for the answer to its login.
pub const ANSWER_WAIT: Duration = Duration::from_secs(10);

/// How long the client waits for the server to confirm `quit` (or to
/// close) before it closes anyway.
pub const GOODBYE_WAIT: Duration = Duration::from_secs(2);

/// The pause after each message sent to an original server, which takes
/// one read as one message: without it, lines piped in quickly would reach
/// it glued together ("hi" + "quit" = "hiquit"). A person types slower than
/// this; only framing makes the gluing impossible rather than unlikely.
pub const RAW_MESSAGE_GAP: Duration = Duration::from_millis(50);

/// The server's answer to a login, as far as it has arrived.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Answer {
    /// Logged in; `framing` is the server's, `rest` the bytes after the
    /// answer (messages that came in the same read).
    Success {
        /// How the server frames messages.
        framing: Framing,
        /// What came after the answer.
        rest: Vec<u8>,
    },
    /// Exactly `success` and nothing more yet: an original server, or
    /// ours with its newline still on the way. Wait a little.
    Undecided,
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
/// Reads the server's answer to a login from the bytes received so far.
pub fn read_answer(got: &[u8]) -> Answer {
    if let Some(rest) = got.strip_prefix(SUCCESS) {
        return match rest {
            [] => Answer::Undecided,
            [b'\n', rest @ ..] => Answer::Success {
                framing: Framing::Lines,
                rest: rest.to_vec(),
            },
            // Bytes right after a bare "success": the original server's
            // first message, glued on (it has no framing).
            rest => Answer::Success {
                framing: Framing::Raw,
                rest: rest.to_vec(),
            },
        };
    }
    if got.starts_with(REUSE) {
        return Answer::Taken;
    }
    if got.starts_with(BUSY_MESSAGE) {
        return Answer::Busy;
    }
    if got.starts_with(b"error: ") {
        return match got.iter().position(|&b| b == b'\n') {
            Some(end) => Answer::Refused(text(&got[7..end])),
            None => Answer::NeedMore,
        };
    }
    let could_still_be = |answer: &[u8]| answer.starts_with(got);
    let answers = [SUCCESS, REUSE, b"error: ", BUSY_MESSAGE];
    if answers.into_iter().any(could_still_be) {
        return Answer::NeedMore;
    }
    Answer::Unexpected(text(got))
}
// ANCHOR_END: read_answer

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

// ANCHOR: login
/// Logs in as `name` and returns the server's framing and any bytes that
/// came after its answer, which must come within `answer_wait`
/// ([`ANSWER_WAIT`] in the program).
pub fn login(
    stream: &TcpStream,
    name: &str,
    answer_wait: Duration,
) -> anyhow::Result<(Framing, Vec<u8>)> {
    let mut writer = stream;
    writer.write_all(format!("{name}\n").as_bytes())?;
    // A server that accepts and never answers must not hold us forever.
    stream.set_read_timeout(Some(answer_wait))?;
    let mut got = Vec::new();
    let mut buf = [0; 256];
    loop {
        match recv_some(&mut &*stream, &mut buf) {
            Ok(Received::Data(bytes)) => got.extend_from_slice(bytes),
            Ok(Received::Closed) => {
                bail!("the server closed the connection without answering")
            }
            // A bare "success" and then silence: the original server.
            Err(err) if is_timeout(&err) && got == SUCCESS => {
                stream.set_read_timeout(None)?;
                return Ok((Framing::Raw, Vec::new()));
            }
            Err(err) if is_timeout(&err) => bail!(
                "no answer to the login within {:?}; is it a chat-room server?",
                answer_wait
            ),
            Err(err) => {
                return Err(err).context("waiting for the server's answer");
            }
        }
        match read_answer(&got) {
            Answer::Success { framing, rest } => {
                stream.set_read_timeout(None)?;
                return Ok((framing, rest));
            }
            Answer::Undecided => stream.set_read_timeout(Some(LOGIN_PAUSE))?,
            Answer::NeedMore => {}
            Answer::Taken => {
                bail!("the name {name} is taken; pick another with -u")
            }
            Answer::Busy => {
                bail!("the chat room is full (too many connections); try later")
            }
            Answer::Refused(why) => bail!("the server refused the name: {why}"),
            Answer::Unexpected(what) => {
                bail!("not a chat server? it answered {what:?}")
            }
        }
    }
}
// ANCHOR_END: login

// ANCHOR: chat
/// Chats until the server closes: lines from `input` are sent, messages
/// from the server are written to `output` by a thread of their own.
/// The end of `input` (Ctrl-D) or `shutdown` (Ctrl-C) sends `quit`.
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
    let writer = stream;
    loop {
        select! {
            recv(input) -> line => match line {
                Ok(line) if line.as_bytes() == QUIT => break,
                Ok(line) if line.is_empty() => {}
                Ok(line) => send(writer, framing, line.as_bytes())?,
                // End of input: leave as if the user typed quit.
                Err(_) => break,
            },
            recv(shutdown.receiver()) -> _ => break,
            recv(server_closed) -> _ => return Ok(()),
        }
    }
    // Ask to leave, then wait (bounded) for the server to confirm and
    // close, so its last messages are printed.
    let _ = send(writer, framing, QUIT);
    let _ = server_closed.recv_timeout(GOODBYE_WAIT);
    Ok(())
}
// ANCHOR_END: chat

/// Sends one message in the server's framing: a line to ours, the bare
/// bytes and then a pause to an original server.
fn send(
    mut writer: &TcpStream,
    framing: Framing,
    message: &[u8],
) -> io::Result<()> {
    writer.write_all(&framing.encode(message))?;
    if framing == Framing::Raw {
        thread::sleep(RAW_MESSAGE_GAP);
    }
    Ok(())
}

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
    fn answers_tell_the_servers_apart() {
        let lines = |rest: &[u8]| Answer::Success {
            framing: Framing::Lines,
            rest: rest.to_vec(),
        };
        assert_eq!(read_answer(b"success\n"), lines(b""));
        assert_eq!(
            read_answer(b"success\n* bob joined\n"),
            lines(b"* bob joined\n")
        );
        assert_eq!(read_answer(b"success"), Answer::Undecided);
        assert_eq!(
            read_answer(b"success[Sun Nov 22 09:15:03 2026] bob: hi"),
            Answer::Success {
                framing: Framing::Raw,
                rest: b"[Sun Nov 22 09:15:03 2026] bob: hi".to_vec()
            }
        );
        assert_eq!(read_answer(b"succ"), Answer::NeedMore);
        assert_eq!(read_answer(b"reuse"), Answer::Taken);
        assert_eq!(read_answer(b"reuse\n"), Answer::Taken);
        assert_eq!(read_answer(BUSY_MESSAGE), Answer::Busy);
        assert_eq!(read_answer(b"server bu"), Answer::NeedMore);
        assert_eq!(read_answer(b"error: empty nam"), Answer::NeedMore);
        assert_eq!(
            read_answer(b"error: empty name\n"),
            Answer::Refused("empty name".into())
        );
        assert_eq!(
            read_answer(b"HTTP/1.1 400"),
            Answer::Unexpected("HTTP/1.1 400".into())
        );
    }
}
