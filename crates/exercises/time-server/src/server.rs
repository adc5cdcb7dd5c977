//! The server: on every connection (or datagram), the time, then nothing
//! more. The protocol, with nothing ending in a newline:
//!
//! ```text
//! (a client connects and says nothing)
//! server: 2026-12-06 10:15:03.123456
//! server: (closes the connection)
//! ```
//!
//! # Try it
//!
//! ```text
//! cargo run -p time-server-exercise -- server   # terminal 1
//! cargo run -p time-server -- client            # terminal 2: the lesson's client
//! nc 127.0.0.1 6789                             # or read it raw
//! ```

use std::io;
use std::net::{SocketAddr, TcpListener, TcpStream, UdpSocket};

use jiff::Zoned;
use time_server::Format;

/// Opens a TCP socket listening on `addr`: socket, SO_REUSEADDR, bind,
/// listen, as lesson 1's server did. `netkit::bind_tcp` with
/// `netkit::bind::BACKLOG` is that, written once.
pub fn open_listener(addr: SocketAddr) -> io::Result<TcpListener> {
    todo!(
        "stage listen: open the listening socket, as in lesson 1 \
         (book: time-server.md, \"The server: one client at a time\")"
    )
}

/// Accepts clients on `listener` for as long as the program runs, one at
/// a time: for each, read the clock (`Zoned::now()`), send
/// [`answer`] with [`say_and_close`], and go back to accept(). A
/// client's error (one that reset its connection, say) ends that client
/// only: print it to stderr with the client's address, and go on.
pub fn serve_tcp(listener: TcpListener, format: Format) -> io::Result<()> {
    todo!(
        "stage time: accept clients one at a time; send each the answer \
         and close (book: time-server.md, \"The server: one client at a \
         time\")"
    )
}

/// What the server sends at the instant `now`, in `format`:
///
/// - `Format::Original`: Python's `str(datetime.now())`, which
///   `time_server::clock::python_str` writes for you;
/// - `Format::Daytime` (RFC 867): one line like
///   `Sunday, December 6, 2026 10:15:03 +0000` ending in `\r\n`
///   (`Zoned::strftime` with `%A, %B %-d, %Y %H:%M:%S %z`);
/// - `Format::Time` (RFC 868): 4 bytes, big-endian, the seconds since
///   1900-01-01 UTC (`time_server::clock::RFC868_EPOCH_OFFSET` more than
///   Unix's), kept to 32 bits.
pub fn answer(format: Format, now: &Zoned) -> Vec<u8> {
    match format {
        Format::Original => todo!(
            "stage time: the text of str(datetime.now()) \
             (book: time-server.md, \"The original: `str(datetime.now())`\")"
        ),
        Format::Daytime => todo!(
            "stage rfc867: one line of Daytime, ending in CRLF \
             (book: time-server.md, \"RFC 867: Daytime\")"
        ),
        Format::Time => todo!(
            "stage rfc868: 4 bytes, big-endian seconds since 1900 \
             (book: time-server.md, \"RFC 868: Time\")"
        ),
    }
}

/// Sends `message` and ends the connection so that the client reads all
/// of it and then the end of the stream: write it all, shut down the
/// sending side (the FIN), then read and drop whatever the client sent
/// without waiting for more. A socket closed with unread bytes sends a
/// reset instead of a FIN.
pub fn say_and_close(stream: &TcpStream, message: &[u8]) -> io::Result<()> {
    todo!(
        "stage time: write the message, then shutdown(Write), then drain \
         what the client sent (book: time-server.md, \"Sending without \
         waiting\")"
    )
}

/// Answers every datagram on `socket`, whatever it holds (even nothing),
/// with one datagram of [`answer`], sent back to the address it came
/// from, for as long as the program runs.
pub fn serve_udp(socket: &UdpSocket, format: Format) -> io::Result<()> {
    todo!(
        "stage udp: recv_from, then send_to the sender \
         (book: time-server.md, \"Over UDP\")"
    )
}
