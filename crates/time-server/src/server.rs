//! The time server: on every connection (or datagram), the time, then
//! nothing more.
//!
//! The original, as our Python port keeps it in its original mode
//! (`serve_original` in `python/server.py`), loops on accept, one `send`
//! of `str(datetime.now())`, and a plain close, all on one thread.
//!
//! One client at a time, on the accepting thread, is the right model here:
//! the whole conversation is one short write, which never blocks (see
//! [`netkit::server::say_and_close`]), so a thread per connection would
//! cost more than the work it runs. What bounds this server is the kernel's
//! work per connection: the handshake, `accept`, the close.
//!
//! The close is the message boundary: the client reads until end-of-stream
//! and knows it has the whole answer. That is why there is no length and
//! no newline on the wire.
//!
//! # Try it
//!
//! ```text
//! cargo run -p time-server -- server              # terminal 1
//! cargo run -p time-server -- client              # terminal 2
//! cargo run -p rawsock -- connect 127.0.0.1:6789  # or read it raw
//! ```

use std::io;
use std::net::{TcpListener, UdpSocket};

use jiff::Zoned;
use netkit::server::say_and_close;
use netkit::udp::{DatagramReport, serve_datagrams};
use netkit::{Log, ServeReport, ServerConfig, Shutdown};

use crate::clock::{Format, answer};

// ANCHOR: serve_tcp
/// Serves the time over TCP, one client at a time, until `shutdown`.
pub fn serve_tcp(
    listener: TcpListener,
    shutdown: &Shutdown,
    format: Format,
    net: &ServerConfig,
) -> io::Result<ServeReport> {
    let config = ServerConfig {
        sequential: true,
        // The handler never waits: `say_and_close` works on a
        // non-blocking socket. Timeouts would be two system calls per
        // connection set for nothing.
        read_timeout: None,
        write_timeout: None,
        ..net.clone()
    };
    netkit::serve(listener, shutdown, &config, move |conn| {
        // The clock is read per connection, as late as possible.
        say_and_close(&conn.stream, &answer(format, &Zoned::now()))
    })
}
// ANCHOR_END: serve_tcp

// ANCHOR: serve_udp
/// Serves the time over UDP until `shutdown`: any datagram gets the time.
/// (RFC 867 says the datagram's content is ignored; RFC 868 expects an
/// empty one. We answer whatever arrives.)
pub fn serve_udp(
    socket: &UdpSocket,
    shutdown: &Shutdown,
    format: Format,
    log: &Log,
) -> io::Result<DatagramReport> {
    serve_datagrams(socket, shutdown, log, |request, from| {
        log.event(format_args!("{from}: {} byte request", request.len()));
        Some(answer(format, &Zoned::now()))
    })
}
// ANCHOR_END: serve_udp
