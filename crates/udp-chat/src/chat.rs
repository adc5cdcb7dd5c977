//! The two-peer chat of chapter 04, without its blocking menu.
//!
//! The original asks "1: send, 2: receive" and then blocks: while it
//! waits in `recvfrom` you cannot type, and while you type nothing is
//! shown. Here a receive thread owns the socket's reading side and hands
//! each datagram over a channel; the terminal side waits on that channel
//! and on your typed lines at once (`select!`), so messages appear as
//! they arrive. `--menu` keeps the original's way, for comparison.
//!
//! ```text
//!   stdin thread ──lines──┐
//!                         ├──> select! ──> send_to(peer) / print
//!   receive thread ──datagrams──┘
//! ```
//!
//! UDP needs no connection, so there is nothing to accept: a peer is just
//! an address to `send_to`, and anyone may send to us. Each incoming line
//! shows who sent it.
//!
//! # Try it
//!
//! ```text
//! cargo run -p udp-chat -- chat --bind 127.0.0.1:7890 --peer 127.0.0.1:7891
//! cargo run -p udp-chat -- chat --bind 127.0.0.1:7891 --peer 127.0.0.1:7890
//! python3 crates/udp-chat/python/chat.py --bind 127.0.0.1:7891   # or this
//! ```
//!
//! Typed lines go to the peer; `/peer HOST:PORT` changes the peer,
//! `/help` lists the commands, EOF (Ctrl-D) or Ctrl-C leaves.

use std::io::{self, Write};
use std::net::{SocketAddr, UdpSocket};
use std::thread;

use crossbeam_channel::{Receiver, select};
use netkit::text::printable;
use netkit::udp::serve_datagrams;
use netkit::{Log, Shutdown};

use crate::MAX_MESSAGE;

/// How many received datagrams may wait for the terminal side. When it
/// falls behind (in `--menu` mode, nothing is shown until you ask), the
/// receive thread waits, the socket's receive buffer fills, and the
/// kernel drops what does not fit: exactly what happens to the original.
const INCOMING_QUEUE: usize = 64;

/// How the chat runs.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Mode {
    /// Messages are shown as they arrive, while you type.
    #[default]
    Live,
    /// The original's menu: choose to send or to receive, one at a time.
    Menu,
}

/// A datagram from the network, on its way to the terminal side.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Incoming {
    /// Who sent it.
    pub from: SocketAddr,
    /// What it held.
    pub bytes: Vec<u8>,
}

impl Incoming {
    /// The line the chat prints for it. A datagram over the limit is
    /// reported, not shown: the original's 1024-byte buffer would have cut
    /// it without a word. Anyone can send us a datagram, so what it holds
    /// is shown escaped: `ESC [2J` from a stranger must not clear the
    /// screen, nor a CR overwrite the line with someone else's address.
    pub fn display(&self) -> String {
        if self.bytes.len() > MAX_MESSAGE {
            return format!(
                ">>> {}: <a {}-byte datagram, over the {MAX_MESSAGE}-byte \
                 limit; not shown>",
                self.from,
                self.bytes.len()
            );
        }
        format!(">>> {}: {}", self.from, printable(&self.bytes))
    }
}

/// What a typed line asks for.
#[derive(Debug, PartialEq, Eq)]
pub enum Typed<'a> {
    /// Send this text to the peer.
    Say(&'a str),
    /// Talk to someone else from now on.
    Peer(&'a str),
    /// Show the commands.
    Help,
    /// Leave.
    Quit,
    /// A `/` command we do not know.
    Unknown(&'a str),
}

// ANCHOR: parse_typed
/// Reads one typed line. A line starting with `/` is a command; to send
/// text that starts with `/`, start it with `//`.
pub fn parse_typed(line: &str) -> Typed<'_> {
    let Some(command) = line.strip_prefix('/') else {
        return Typed::Say(line);
    };
    if command.starts_with('/') {
        return Typed::Say(command);
    }
    match command.split_once(' ') {
        Some(("peer", addr)) => Typed::Peer(addr.trim()),
        None if command == "help" => Typed::Help,
        None if command == "quit" => Typed::Quit,
        _ => Typed::Unknown(line),
    }
}
// ANCHOR_END: parse_typed

const HELP: &str = "type a line to send it to the peer; /peer HOST:PORT \
                    to talk to someone else; /quit or Ctrl-D to leave";

// ANCHOR: chat
/// Runs a chat on `socket` until `input` ends (EOF), `/quit`, or
/// `shutdown`. Lines typed come in on `input`; everything shown goes to
/// `out`.
pub fn chat(
    socket: &UdpSocket,
    peer: Option<SocketAddr>,
    mode: Mode,
    input: &Receiver<String>,
    out: &mut impl Write,
    shutdown: &Shutdown,
) -> anyhow::Result<()> {
    let (incoming_tx, incoming) = crossbeam_channel::bounded(INCOMING_QUEUE);
    let receiving = socket.try_clone()?;
    // Stops the receive thread when the chat ends for any reason.
    let done = Shutdown::new();
    let receiver = {
        let done = done.clone();
        thread::spawn(move || {
            serve_datagrams(
                &receiving,
                &done,
                &Log::to(|_| {}),
                |bytes, from| {
                    // Blocks while the terminal side is behind; fails once it
                    // has gone, and then the datagram is dropped.
                    let _ = incoming_tx.send(Incoming {
                        from,
                        bytes: bytes.to_vec(),
                    });
                    None
                },
            )
        })
    };
    let result = match mode {
        Mode::Live => live(socket, peer, input, &incoming, out, shutdown),
        Mode::Menu => menu(socket, input, &incoming, out, shutdown),
    };
    done.trigger();
    // The receive thread may be waiting to hand over a datagram: dropping
    // the channel's receiving end makes that send fail at once.
    drop(incoming);
    let _ = receiver.join();
    result
}
// ANCHOR_END: chat

// ANCHOR: live
fn live(
    socket: &UdpSocket,
    mut peer: Option<SocketAddr>,
    input: &Receiver<String>,
    incoming: &Receiver<Incoming>,
    out: &mut impl Write,
    shutdown: &Shutdown,
) -> anyhow::Result<()> {
    loop {
        select! {
            recv(incoming) -> datagram => {
                // Closed only if the receive thread died: without it the
                // chat would go on sending but never show a reply.
                let Ok(datagram) = datagram else {
                    anyhow::bail!("the receive thread stopped");
                };
                writeln!(out, "{}", datagram.display())?;
            }
            recv(input) -> line => {
                // The sender is dropped at end of input: EOF, time to go.
                let Ok(line) = line else { return Ok(()) };
                match parse_typed(&line) {
                    Typed::Say(text) => say(socket, peer, text, out)?,
                    Typed::Peer(addr) => match resolve(addr) {
                        Ok(addr) => {
                            peer = Some(addr);
                            writeln!(out, "talking to {addr}")?;
                        }
                        Err(err) => writeln!(out, "error: {err}")?,
                    },
                    Typed::Help => writeln!(out, "{HELP}")?,
                    Typed::Quit => return Ok(()),
                    Typed::Unknown(line) => {
                        writeln!(out, "error: unknown command {line:?}; {HELP}")?;
                    }
                }
            }
            recv(shutdown.receiver()) -> _ => return Ok(()),
        }
        out.flush()?;
    }
}
// ANCHOR_END: live

// ANCHOR: say
/// Sends one typed line to the peer: one line, one datagram.
fn say(
    socket: &UdpSocket,
    peer: Option<SocketAddr>,
    text: &str,
    out: &mut impl Write,
) -> io::Result<()> {
    let Some(peer) = peer else {
        return writeln!(out, "error: no peer yet; type /peer HOST:PORT");
    };
    if text.len() > MAX_MESSAGE {
        return writeln!(
            out,
            "error: not sent: {} bytes is over the {MAX_MESSAGE}-byte limit \
             (longer datagrams may be cut or fragmented on the way)",
            text.len()
        );
    }
    if let Err(err) = socket.send_to(text.as_bytes(), peer) {
        writeln!(out, "error: not sent to {peer}: {err}")?;
    }
    Ok(())
}
// ANCHOR_END: say

// ANCHOR: menu
/// The original's way: a menu, and one thing at a time.
fn menu(
    socket: &UdpSocket,
    input: &Receiver<String>,
    incoming: &Receiver<Incoming>,
    out: &mut impl Write,
    shutdown: &Shutdown,
) -> anyhow::Result<()> {
    // Each prompt waits for the next line; `None` means EOF or Ctrl-C.
    let ask = |out: &mut dyn Write, prompt: &str| -> Option<String> {
        let _ = write!(out, "{prompt}");
        let _ = out.flush();
        select! {
            recv(input) -> line => line.ok(),
            recv(shutdown.receiver()) -> _ => None,
        }
    };
    let bar = "=".repeat(30);
    loop {
        writeln!(out, "{bar}\n1: send a message\n2: receive a message\n{bar}")?;
        let Some(choice) = ask(out, "choose: ") else {
            return Ok(());
        };
        match choice.trim() {
            "1" => {
                let Some(text) = ask(out, "message: ") else {
                    return Ok(());
                };
                let Some(ip) = ask(out, "peer ip: ") else {
                    return Ok(());
                };
                let Some(port) = ask(out, "peer port: ") else {
                    return Ok(());
                };
                match resolve(&format!("{}:{}", ip.trim(), port.trim())) {
                    Ok(peer) => say(socket, Some(peer), &text, out)?,
                    Err(err) => writeln!(out, "error: {err}")?,
                }
            }
            // Like the original's blocking recvfrom, but Ctrl-C still works.
            "2" => select! {
                recv(incoming) -> datagram => match datagram {
                    Ok(datagram) => writeln!(out, "{}", datagram.display())?,
                    Err(_) => return Ok(()),
                },
                recv(shutdown.receiver()) -> _ => return Ok(()),
            },
            _ => writeln!(out, "wrong choice, try again")?,
        }
    }
}
// ANCHOR_END: menu

/// `HOST:PORT` to one address, with netkit's wording on failure.
fn resolve(spec: &str) -> Result<SocketAddr, netkit::NetError> {
    netkit::bind::resolve(spec).map(|addrs| addrs[0])
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Typed lines are text unless they start with a known command.
    #[test]
    fn typed_lines_parse_into_text_and_commands() {
        assert_eq!(parse_typed("hello"), Typed::Say("hello"));
        assert_eq!(parse_typed(""), Typed::Say(""));
        assert_eq!(parse_typed("//peer"), Typed::Say("/peer"));
        assert_eq!(
            parse_typed("/peer 127.0.0.1:7891"),
            Typed::Peer("127.0.0.1:7891")
        );
        assert_eq!(parse_typed("/help"), Typed::Help);
        assert_eq!(parse_typed("/quit"), Typed::Quit);
        assert_eq!(parse_typed("/bogus"), Typed::Unknown("/bogus"));
    }

    /// An over-long datagram is reported with its size, not printed.
    #[test]
    fn over_long_datagram_is_reported_not_shown() {
        let from = SocketAddr::from(([127, 0, 0, 1], 7891));
        let long = Incoming {
            from,
            bytes: vec![b'x'; MAX_MESSAGE + 1],
        };
        assert_eq!(
            long.display(),
            ">>> 127.0.0.1:7891: <a 1025-byte datagram, over the 1024-byte \
             limit; not shown>"
        );
        let odd = Incoming {
            from,
            bytes: b"\xffhi".to_vec(),
        };
        assert_eq!(odd.display(), ">>> 127.0.0.1:7891: \u{fffd}hi");
    }
}
