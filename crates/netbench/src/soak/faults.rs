//! The faults a soak mixes into a server's load, as small blocking
//! clients on loopback. Each opens its own sockets, does one thing a
//! careless or hostile peer does, and closes them, within seconds: every
//! read and write has a timeout, every loop a bound in bytes.
//!
//! ```text
//!   reset           > half a message          then RST (SO_LINGER 0)
//!   never reads     > request, request, ...   until our write stalls:
//!                                             both sides' buffers are
//!                                             full; hold; then go
//!   bad bytes       > \xff\xfe, 64 KiB, ""    read what comes, close
//!   burst           cap + 50 connections at once, hold, close them all
//!   datagrams       empty, 65,507 bytes, 1,000 that are never read
//! ```
//!
//! What the server answers is mostly not checked: a fault's point is the
//! state it leaves behind in the server, which the sampler sees.

use std::io::{self, BufRead, Read, Write};
use std::net::{SocketAddr, TcpStream, UdpSocket};
use std::thread;
use std::time::{Duration, Instant};

use netkit::bind::CONNECT_TIMEOUT;
use socket2::{Domain, Protocol, SockAddr, SockRef, Socket, Type};

/// Every fault socket's read and write timeout: the servers answer
/// within milliseconds on loopback, so after two seconds of silence the
/// fault moves on.
pub const IO_WAIT: Duration = Duration::from_secs(2);

/// The most of an answer a fault reads: enough for any error line or
/// greeting; a file server's file is cut off here, which is itself a
/// disconnect mid-transfer.
pub const ANSWER_LIMIT: usize = 64 * 1024;

/// A never-reading client's holds: a short one, so that it vanishes
/// with the server's buffers full, and one past the server's write
/// timeout, so that the server cuts it first.
pub const SHORT_HOLD: Duration = Duration::from_secs(2);
pub const LONG_HOLD: Duration =
    netkit::server::WRITE_TIMEOUT.saturating_add(Duration::from_secs(2));

/// The most a never-reading client sends: far more than both sides'
/// socket buffers (a few MiB each on Linux), so it stops at a stall, not
/// here, unless the server keeps reading without answering.
const FILL_LIMIT: u64 = 64 * 1024 * 1024;

/// A never-reading client's receive buffer (SO_RCVBUF; Linux doubles
/// it): small, so the server's side fills sooner.
pub const NEVER_READ_BUFFER: usize = 4096;

/// The largest UDP payload over IPv4: 65,535 bytes of IP datagram, less
/// 20 of IP header and 8 of UDP header.
pub const MAX_UDP_PAYLOAD: usize = 65_507;

/// [`connect_with_recv_buffer`], with the faults' timeouts.
pub fn connect(
    addr: SocketAddr,
    recv_buffer: Option<usize>,
) -> io::Result<TcpStream> {
    let stream = connect_with_recv_buffer(addr, recv_buffer)?;
    stream.set_read_timeout(Some(IO_WAIT))?;
    stream.set_write_timeout(Some(IO_WAIT))?;
    Ok(stream)
}

/// Connects to `addr` with a receive buffer of `recv_buffer` bytes if
/// given: set before `connect`, since the window scale is agreed in the
/// handshake. The chat-room load's stalled reader uses it too.
pub fn connect_with_recv_buffer(
    addr: SocketAddr,
    recv_buffer: Option<usize>,
) -> io::Result<TcpStream> {
    let socket = Socket::new(
        Domain::for_address(addr),
        Type::STREAM,
        Some(Protocol::TCP),
    )?;
    if let Some(size) = recv_buffer {
        socket.set_recv_buffer_size(size)?;
    }
    socket.connect_timeout(&SockAddr::from(addr), CONNECT_TIMEOUT)?;
    Ok(TcpStream::from(socket))
}

/// Closes with a reset instead of a FIN: with SO_LINGER on and a time of
/// zero, `close` drops whatever is unsent and sends RST, so the server's
/// next read or write fails with "connection reset", as from a crashed
/// client.
pub fn reset(stream: TcpStream) {
    let _ = SockRef::from(&stream).set_linger(Some(Duration::ZERO));
}

/// Connects, sends `first` (a login, half a message), and resets.
pub fn reset_after(
    addr: SocketAddr,
    first: &[u8],
) -> io::Result<Option<String>> {
    let mut stream = connect(addr, None)?;
    // A write that fails means the server cut us first: a reset then
    // finds nothing to reset, and that is fine.
    let _ = stream.write_all(first);
    reset(stream);
    Ok(None)
}

/// Reads until `limit` bytes have come, the server closes, or a read
/// times out or fails (a reset): what came is the answer.
pub fn read_up_to(stream: &mut TcpStream, limit: usize) -> Vec<u8> {
    let mut got = Vec::new();
    let _ = stream.take(limit as u64).read_to_end(&mut got);
    got
}

/// Reads one line (up to `\n`, or [`ANSWER_LIMIT`] bytes), without its
/// `\n`. Through a buffer, as a real client reads: one `read` per byte
/// made the soak's chat clients slower readers than any the rooms are
/// written for, and a room that fills their kernel buffers with a flood
/// (megabytes, on loopback) kept them reading it for seconds.
pub fn read_line(reader: &mut impl BufRead) -> Vec<u8> {
    let mut got = Vec::new();
    // An error ends the line as the end of the stream does: what came is
    // the answer, and the caller judges it.
    let _ = reader.take(ANSWER_LIMIT as u64).read_until(b'\n', &mut got);
    if got.last() == Some(&b'\n') {
        got.pop();
    }
    got
}

/// Connects, sends `bytes`, closes our sending side (the end of input,
/// for servers that read until it) and reads what comes back, up to
/// [`ANSWER_LIMIT`].
pub fn send_and_read(addr: SocketAddr, bytes: &[u8]) -> io::Result<Vec<u8>> {
    let mut stream = connect(addr, None)?;
    // The server may refuse in the middle of a long write and close: a
    // failed write is an answer too, and we read what it said.
    let _ = stream.write_all(bytes);
    let _ = stream.shutdown(std::net::Shutdown::Write);
    Ok(read_up_to(&mut stream, ANSWER_LIMIT))
}

/// Sends `request` over and over on `stream` without reading, until a
/// write stalls (the server has stopped reading: its answers to us fill
/// its send buffer and our receive buffer), or [`FILL_LIMIT`] bytes are
/// sent, or a second has passed; then holds the connection for `hold`
/// and closes it (a reset, with bytes unread). Returns the bytes sent.
///
/// The second bounds a chat flooder, whose writes never stall: while it
/// floods, every normal chat client reads the flood before its answer
/// and stays connected, and a longer flood filled whole sampling windows
/// with them, hiding a leak from the least counts.
pub fn fill_and_hold(
    mut stream: TcpStream,
    request: &[u8],
    hold: Duration,
) -> io::Result<u64> {
    // No progress for half a second: the buffers are full.
    stream.set_write_timeout(Some(Duration::from_millis(500)))?;
    let mut sent = 0;
    let until = Instant::now() + Duration::from_secs(1);
    while sent < FILL_LIMIT && Instant::now() < until {
        match stream.write(request) {
            Ok(0) => break,
            Ok(n) => sent += n as u64,
            Err(err) if err.kind() == io::ErrorKind::Interrupted => {}
            // A stall (the buffers are full), or the server cut us.
            Err(_) => break,
        }
    }
    thread::sleep(hold);
    Ok(sent)
}

/// Opens the server's `cap` and 50 more connections, as fast as they are
/// accepted (enough that most are refused whatever else is connected),
/// holds them for a second, for the server to accept every one and
/// answer those over the cap, and closes them.
pub fn burst(addr: SocketAddr, cap: usize) -> io::Result<()> {
    let mut open = Vec::with_capacity(cap + 50);
    for _ in 0..cap + 50 {
        open.push(connect(addr, None)?);
    }
    thread::sleep(Duration::from_secs(1));
    for stream in &mut open {
        // Each answer ("server busy", a greeting) read without waiting,
        // so that the close is a FIN: with bytes unread it is a reset.
        stream.set_nonblocking(true)?;
        let _ = stream.read(&mut [0; 64]);
    }
    Ok(())
}

/// A UDP socket on the server's (loopback) address connected to it, so
/// that the kernel hands us only its datagrams, with the faults' timeouts.
fn udp(addr: SocketAddr) -> io::Result<UdpSocket> {
    let socket = UdpSocket::bind(SocketAddr::new(addr.ip(), 0))?;
    socket.connect(addr)?;
    socket.set_read_timeout(Some(IO_WAIT))?;
    socket.set_write_timeout(Some(IO_WAIT))?;
    Ok(socket)
}

/// Sends one datagram and waits [`IO_WAIT`] for an answer; the answer,
/// if one came (UDP promises none).
pub fn datagram(addr: SocketAddr, bytes: &[u8]) -> io::Result<Option<Vec<u8>>> {
    let socket = udp(addr)?;
    socket.send(bytes)?;
    let mut buf = vec![0; MAX_UDP_PAYLOAD + 1];
    match socket.recv(&mut buf) {
        Ok(n) => Ok(Some(buf[..n].to_vec())),
        Err(err) if netkit::is_timeout(&err) => Ok(None),
        Err(err) => Err(err),
    }
}

/// Sends 1,000 requests as fast as the socket takes them and never reads
/// the answers, then closes: several times what a default receive buffer
/// (208 KiB) holds of small datagrams' bookkeeping, so the server's
/// answers fill it and the rest are dropped, or, once we are gone, meet
/// "port unreachable".
pub fn flood(addr: SocketAddr) -> io::Result<()> {
    let socket = udp(addr)?;
    for seq in 0..1000 {
        socket.send(seq.to_string().as_bytes())?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::TcpListener;

    /// A reset is seen by the server as one: its read fails with
    /// "connection reset", not a read of 0 bytes.
    #[test]
    fn a_reset_is_not_a_close() {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        reset_after(addr, b"half a mess").unwrap();
        let (mut server, _) = listener.accept().unwrap();
        server.set_read_timeout(Some(IO_WAIT)).unwrap();
        let mut buf = [0; 64];
        let mut outcome = server.read(&mut buf);
        if let Ok(n @ 1..) = outcome {
            assert_eq!(&buf[..n], b"half a mess");
            outcome = server.read(&mut buf);
        }
        let err = outcome.unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::ConnectionReset, "{err}");
    }

    /// A client that never reads stops sending once a server that only
    /// answers (and so stops reading when we do not) is full, well
    /// below the limit.
    #[test]
    fn a_never_reading_client_stops_at_a_stall() {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let server = thread::spawn(move || {
            let (mut stream, _) = listener.accept().unwrap();
            stream.set_write_timeout(Some(IO_WAIT)).unwrap();
            let mut buf = [0; 1024];
            // Echo until a write cannot go on: then we stop reading.
            while let Ok(n @ 1..) = stream.read(&mut buf) {
                if stream.write_all(&buf[..n]).is_err() {
                    break;
                }
            }
        });
        let stream = connect(addr, Some(NEVER_READ_BUFFER)).unwrap();
        let sent =
            fill_and_hold(stream, &[b'x'; 1000], Duration::ZERO).unwrap();
        assert!(sent > 0 && sent < FILL_LIMIT, "{sent}");
        server.join().unwrap();
    }

    /// A datagram's answer comes back; no answer is `None`, not an
    /// error.
    #[test]
    fn a_datagram_is_answered_or_not() {
        let server = UdpSocket::bind("127.0.0.1:0").unwrap();
        let addr = server.local_addr().unwrap();
        let echo = thread::spawn(move || {
            let mut buf = vec![0; MAX_UDP_PAYLOAD];
            let (n, from) = server.recv_from(&mut buf).unwrap();
            server.send_to(&buf[..n], from).unwrap();
            server
        });
        assert_eq!(datagram(addr, b"").unwrap(), Some(Vec::new()));
        let server = echo.join().unwrap();
        let silent = server.local_addr().unwrap();
        let started = std::time::Instant::now();
        assert_eq!(datagram(silent, b"x").unwrap(), None);
        assert!(started.elapsed() >= IO_WAIT);
    }
}
