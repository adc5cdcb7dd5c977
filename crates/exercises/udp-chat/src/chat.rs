//! The chat peer: lines typed go to the peer, one datagram each, and
//! datagrams that come are shown as they arrive, even while you type.
//!
//! # Try it
//!
//! ```text
//! cargo run -p udp-chat-exercise -- chat --bind 127.0.0.1:7890 --peer 127.0.0.1:7891
//! cargo run -p udp-chat -- chat --bind 127.0.0.1:7891 --peer 127.0.0.1:7890
//! ```

use std::io::Write;
use std::net::{SocketAddr, UdpSocket};

use crossbeam_channel::Receiver;

/// Runs the chat on `socket` until `input` ends (its sender is dropped
/// at the end of input). Each line from `input` goes to `peer` as one
/// datagram, without its newline, from this same socket. Each datagram
/// that comes is printed to `out` at once, as one line with its sender:
/// `>>> 127.0.0.1:7891: hi`. Receiving blocks, and so does waiting for
/// a line: give the socket's reading side a thread of its own
/// (`socket.try_clone()`), hand each datagram over a channel, and wait
/// on both channels at once (`crossbeam_channel::select!`). Escape what
/// you show (`netkit::text::printable`): anyone can send you anything.
pub fn chat(
    socket: &UdpSocket,
    peer: SocketAddr,
    input: &Receiver<String>,
    out: &mut impl Write,
) -> anyhow::Result<()> {
    todo!(
        "stage chat-send: send each typed line to the peer; show each \
         datagram as it comes (book: udp-chat.md, \"The chat: receiving \
         while you type\")"
    )
}
