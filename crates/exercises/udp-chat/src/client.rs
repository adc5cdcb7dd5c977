//! The hello echo's client: it sends `0`, `1`, ... one datagram each,
//! and prints each reply. Datagrams get lost; nothing resends them but
//! the client. Everything but [`ask`] is written.
//!
//! # Try it
//!
//! ```text
//! cargo run -p udp-chat -- server                             # terminal 1
//! cargo run -p udp-chat-exercise -- client --count 5          # terminal 2
//! ```

use std::io::{self, Write};
use std::net::UdpSocket;
use std::time::Duration;

/// How the client behaves when datagrams go missing.
#[derive(Clone, Copy, Debug)]
pub struct Options {
    /// Requests to send: `0` to `count - 1`.
    pub count: u32,
    /// How long to wait for each reply.
    pub timeout: Duration,
    /// How many times to ask again before giving a request up.
    pub retries: u32,
}

/// Sends `request` on `socket` (connected to the server) and returns its
/// reply, `Hello, <request>!`, or `None` when none came after
/// `options.retries` more tries. Each try waits at most
/// `options.timeout` (`set_read_timeout`; `netkit::is_timeout` tells a
/// timeout from other errors). A datagram that is not the expected reply
/// (a late one to an earlier try, a duplicate) is skipped, and the wait
/// goes on.
pub fn ask(
    socket: &UdpSocket,
    request: &[u8],
    options: Options,
) -> io::Result<Option<Vec<u8>>> {
    todo!(
        "stage client-hello: send, wait for the expected reply with a \
         timeout, ask again up to `retries` times (book: udp-chat.md, \
         \"The client: wait, ask again, give up\")"
    )
}

/// Asks `0` to `count - 1` in turn, prints each reply on `out`, names
/// each request given up on stderr, and returns how many were lost.
pub fn run_client(
    socket: &UdpSocket,
    options: Options,
    out: &mut impl Write,
) -> io::Result<u32> {
    let mut lost = 0;
    for n in 0..options.count {
        let request = n.to_string();
        match ask(socket, request.as_bytes(), options)? {
            Some(reply) => {
                writeln!(out, "{}", String::from_utf8_lossy(&reply))?;
            }
            None => {
                lost += 1;
                eprintln!("no reply to {request}");
            }
        }
    }
    Ok(lost)
}
