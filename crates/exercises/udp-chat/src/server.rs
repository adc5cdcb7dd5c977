//! The hello echo's server: one socket, every client's datagrams, each
//! answered to the address it came from. Nothing ends in a newline:
//!
//! ```text
//! client: Ada              (one datagram)
//! server: Hello, Ada!      (one datagram, back to where Ada came from)
//! ```
//!
//! # Try it
//!
//! ```text
//! cargo run -p udp-chat-exercise -- server          # terminal 1
//! cargo run -p udp-chat -- client --count 3         # terminal 2
//! ```

use std::io;
use std::net::{SocketAddr, UdpSocket};

/// Opens the server's UDP socket on `addr`. Python's `socket()` and
/// `bind()`; there is no `listen()` and no `accept()` for UDP.
pub fn open_socket(addr: SocketAddr) -> io::Result<UdpSocket> {
    todo!(
        "stage listen: bind a UDP socket to `addr` (book: udp-chat.md, \
         \"No connection: one socket for everyone\")"
    )
}

/// Answers every datagram on `socket`, for as long as the program runs:
/// receive one with its sender's address, send [`answer`] back to that
/// address. Read into a buffer larger than any datagram
/// (`netkit::udp::MAX_DATAGRAM`): a shorter one cuts a long datagram
/// without a word. An error sending one answer is that client's, not the
/// server's: print it to stderr and go on.
pub fn serve(socket: UdpSocket) -> io::Result<()> {
    todo!(
        "stage hello: recv_from, then send_to the sender, in a loop \
         (book: udp-chat.md, \"The hello echo\")"
    )
}

/// The answer to one datagram: `Hello, X!` for the bytes `X`, as they
/// came (bytes, never text, and an empty `X` is a message too). Over
/// `udp_chat::MAX_MESSAGE` bytes, an answer starting `error:` instead.
pub fn answer(request: &[u8]) -> Vec<u8> {
    todo!(
        "stage hello: `Hello, ` + the request + `!`; over MAX_MESSAGE, an \
         `error:` answer (stage too-long) (book: udp-chat.md, \"The hello \
         echo\")"
    )
}
