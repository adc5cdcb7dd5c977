//! Opening sockets the way Python's `socket` module does, one call per step,
//! with errors that tell the user what to do.
//!
//! Python:
//!
//! ```python
//! s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
//! s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
//! s.bind(("127.0.0.1", 9999))
//! s.listen(128)
//! ```
//!
//! `std::net::TcpListener::bind` does all four in one call and hides the
//! backlog; [`bind_tcp`] spells them out with socket2 so a lesson can put the
//! two side by side. [`listen`] and [`connect`] wrap them for the command
//! line: they resolve `HOST:PORT` and turn the common failures into one
//! sentence with the fix.

use std::fmt;
use std::io;
use std::net::{SocketAddr, TcpListener, TcpStream, ToSocketAddrs, UdpSocket};
use std::time::Duration;

use socket2::{Domain, Protocol, Socket, Type};

/// How many finished handshakes the kernel queues for us before `accept`
/// takes them. Linux silently caps it at `net.core.somaxconn` (4096 on
/// current kernels). The originals use 5, 128 and 512; 1024 absorbs a burst
/// of connections without refusing any while the accept loop catches up.
pub const BACKLOG: i32 = 1024;

/// How long a client waits for the TCP handshake before giving up.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

// ANCHOR: bind_tcp
/// Creates a listening TCP socket in the same four steps as Python.
pub fn bind_tcp(addr: SocketAddr, backlog: i32) -> io::Result<TcpListener> {
    // socket(AF_INET or AF_INET6, SOCK_STREAM)
    let socket = Socket::new(
        Domain::for_address(addr),
        Type::STREAM,
        Some(Protocol::TCP),
    )?;
    // SO_REUSEADDR: after a restart, bind even though connections of the
    // previous run still sit in TIME_WAIT on this port. (On Windows the
    // option means something else, letting two servers share a port.)
    #[cfg(unix)]
    socket.set_reuse_address(true)?;
    // bind: claim the address and port. Port 0 asks the kernel for any free
    // port; `local_addr()` tells which one it chose.
    socket.bind(&addr.into())?;
    // listen: from now on the kernel completes handshakes on its own and
    // queues up to `backlog` of them for accept().
    socket.listen(backlog)?;
    Ok(socket.into())
}
// ANCHOR_END: bind_tcp

// ANCHOR: bind_udp
/// Creates a UDP socket bound to `addr`. There is no `listen`: a datagram
/// socket has no connections to queue, it receives from anyone at once.
pub fn bind_udp(addr: SocketAddr) -> io::Result<UdpSocket> {
    // socket(AF_INET or AF_INET6, SOCK_DGRAM)
    let socket = Socket::new(
        Domain::for_address(addr),
        Type::DGRAM,
        Some(Protocol::UDP),
    )?;
    socket.bind(&addr.into())?;
    Ok(socket.into())
}
// ANCHOR_END: bind_udp

/// Resolves `HOST:PORT` (an IPv4 or `[IPv6]` literal, or a host name) to
/// the addresses it names, in the resolver's order.
pub fn resolve(spec: &str) -> Result<Vec<SocketAddr>, NetError> {
    let addrs: Vec<SocketAddr> = spec
        .to_socket_addrs()
        .map_err(|source| NetError::Resolve {
            spec: spec.to_owned(),
            source,
        })?
        .collect();
    if addrs.is_empty() {
        return Err(NetError::Resolve {
            spec: spec.to_owned(),
            source: io::Error::new(io::ErrorKind::NotFound, "no addresses"),
        });
    }
    Ok(addrs)
}

/// Resolves `spec` and listens on the first address that binds, with the
/// default backlog. This is what a lesson's `server --bind` calls.
pub fn listen(spec: &str) -> Result<TcpListener, NetError> {
    first_that_works(spec, |addr| bind_tcp(addr, BACKLOG), NetError::Bind)
}

/// Resolves `spec` and binds a UDP socket on the first address that works.
pub fn listen_udp(spec: &str) -> Result<UdpSocket, NetError> {
    first_that_works(spec, bind_udp, NetError::Bind)
}

/// Resolves `spec` and connects to the first address that answers, each
/// attempt bounded by [`CONNECT_TIMEOUT`]. What a lesson's `client` calls.
pub fn connect(spec: &str) -> Result<TcpStream, NetError> {
    connect_within(spec, CONNECT_TIMEOUT)
}

/// [`connect`], each attempt bounded by `timeout` (a client's
/// `--timeout`).
pub fn connect_within(
    spec: &str,
    timeout: Duration,
) -> Result<TcpStream, NetError> {
    first_that_works(
        spec,
        |addr| TcpStream::connect_timeout(&addr, timeout),
        |addr, err| {
            if crate::is_timeout(&err) {
                NetError::ConnectTimedOut {
                    addr,
                    timeout,
                    source: err,
                }
            } else {
                NetError::Connect(addr, err)
            }
        },
    )
}

/// Tries each resolved address in turn (a name like `localhost` may give
/// `::1` and `127.0.0.1`) and reports the last failure.
fn first_that_works<T>(
    spec: &str,
    mut attempt: impl FnMut(SocketAddr) -> io::Result<T>,
    wrap: impl Fn(SocketAddr, io::Error) -> NetError,
) -> Result<T, NetError> {
    let mut last = None;
    for addr in resolve(spec)? {
        match attempt(addr) {
            Ok(value) => return Ok(value),
            Err(err) => last = Some(wrap(addr, err)),
        }
    }
    // `resolve` never returns an empty list, so the loop ran at least once.
    Err(last.unwrap_or_else(|| NetError::Resolve {
        spec: spec.to_owned(),
        source: io::Error::new(io::ErrorKind::NotFound, "no addresses"),
    }))
}

/// Why a socket could not be opened, worded for the person at the keyboard.
#[derive(Debug)]
pub enum NetError {
    /// `HOST:PORT` did not parse or the host name did not resolve.
    Resolve {
        /// What the user typed.
        spec: String,
        /// What the resolver said.
        source: io::Error,
    },
    /// `bind` (or `listen`) failed.
    Bind(SocketAddr, io::Error),
    /// `connect` failed.
    Connect(SocketAddr, io::Error),
    /// Nobody answered within `timeout`, the limit the caller set: the
    /// message names that one, not a default.
    ConnectTimedOut {
        /// Where we tried.
        addr: SocketAddr,
        /// How long we waited.
        timeout: Duration,
        /// What `connect` said.
        source: io::Error,
    },
}

impl NetError {
    /// The underlying I/O error, whose `kind()` tests can match on.
    pub fn io_error(&self) -> &io::Error {
        match self {
            NetError::Resolve { source, .. }
            | NetError::ConnectTimedOut { source, .. } => source,
            NetError::Bind(_, err) | NetError::Connect(_, err) => err,
        }
    }
}

impl fmt::Display for NetError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use io::ErrorKind::*;
        match self {
            NetError::Resolve { spec, source } => write!(
                f,
                "cannot use {spec:?} as an address ({source}); \
                 write HOST:PORT, e.g. 127.0.0.1:9999 or [::1]:9999"
            ),
            NetError::Bind(addr, err) => match err.kind() {
                AddrInUse => write!(
                    f,
                    "{addr} is already in use; pass --bind with another \
                     port, or stop the program that holds it"
                ),
                PermissionDenied if addr.port() < 1024 => write!(
                    f,
                    "no permission to bind {addr}: ports below 1024 are \
                     reserved for the administrator; pass --bind with a \
                     port of 1024 or above"
                ),
                AddrNotAvailable => write!(
                    f,
                    "cannot bind {addr}: that IP address is not one of this \
                     machine's; use 127.0.0.1 or 0.0.0.0 in --bind"
                ),
                _ => write!(f, "cannot listen on {addr}: {err}"),
            },
            NetError::Connect(addr, err) => match err.kind() {
                ConnectionRefused => write!(
                    f,
                    "could not connect to {addr}: connection refused \
                     (nothing is listening there); start the server first \
                     or pass --connect with its address"
                ),
                TimedOut | WouldBlock => write!(
                    f,
                    "could not connect to {addr}: no answer in time; check \
                     the address and port"
                ),
                _ => write!(f, "could not connect to {addr}: {err}"),
            },
            NetError::ConnectTimedOut { addr, timeout, .. } => write!(
                f,
                "could not connect to {addr}: no answer within {}; check \
                 the address and port",
                humantime::format_duration(*timeout)
            ),
        }
    }
}

impl std::error::Error for NetError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        // The message above already includes the cause; returning it here
        // too would print it twice in an error chain.
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn loopback() -> SocketAddr {
        SocketAddr::from(([127, 0, 0, 1], 0))
    }

    /// Port 0 gets a real port from the kernel, and the socket accepts.
    #[test]
    fn bind_tcp_port_zero_gets_a_real_port() {
        let listener = bind_tcp(loopback(), BACKLOG).expect("bind");
        let addr = listener.local_addr().expect("local_addr");
        assert_ne!(addr.port(), 0);
        let _client = TcpStream::connect(addr).expect("connect");
        listener.accept().expect("accept");
    }

    /// A second bind of a listening port says which port and what to do.
    #[test]
    fn port_in_use_names_the_port_and_the_flag() {
        let first = bind_tcp(loopback(), BACKLOG).expect("bind");
        let spec = first.local_addr().expect("local_addr").to_string();
        let err = listen(&spec).expect_err("second bind must fail");
        assert_eq!(err.io_error().kind(), io::ErrorKind::AddrInUse);
        let message = err.to_string();
        assert!(message.contains(&spec), "{message}");
        assert!(message.contains("--bind"), "{message}");
    }

    /// Connecting where nobody listens explains the refusal.
    #[test]
    fn refused_connection_says_start_the_server() {
        // Bind then drop: the port was free a moment ago and nobody listens.
        let spec = bind_tcp(loopback(), BACKLOG)
            .and_then(|l| l.local_addr())
            .expect("bind")
            .to_string();
        let err = connect(&spec).expect_err("nobody listens");
        assert_eq!(err.io_error().kind(), io::ErrorKind::ConnectionRefused);
        assert!(err.to_string().contains("start the server"), "{err}");
    }

    /// A connect nobody answers names the timeout the caller gave, not a
    /// default. On Linux, once a listener's accept queue is full, a new
    /// SYN is dropped unanswered, so the connect waits until its timeout.
    #[cfg(target_os = "linux")]
    #[test]
    fn a_connect_timeout_names_the_timeout_used() {
        let listener = bind_tcp(loopback(), 0).expect("bind");
        let spec = listener.local_addr().expect("local_addr").to_string();
        let wait = Duration::from_millis(300);
        let mut queued = Vec::new();
        let err = loop {
            match connect_within(&spec, wait) {
                Ok(stream) if queued.len() < 64 => queued.push(stream),
                Ok(_) => panic!("the accept queue never filled"),
                Err(err) => break err,
            }
        };
        assert!(matches!(err, NetError::ConnectTimedOut { .. }), "{err:?}");
        assert!(err.to_string().contains("within 300ms"), "{err}");
    }

    /// A malformed address is a resolve error that shows the expected form.
    #[test]
    fn malformed_address_shows_the_expected_form() {
        let err = listen("127.0.0.1").expect_err("no port");
        assert!(matches!(err, NetError::Resolve { .. }));
        assert!(err.to_string().contains("HOST:PORT"), "{err}");
    }

    /// IPv6 literals in brackets resolve and bind, where the host has IPv6.
    #[test]
    fn ipv6_literal_binds_when_available() {
        match listen("[::1]:0") {
            Ok(listener) => {
                assert!(listener.local_addr().expect("addr").is_ipv6());
            }
            // Some CI sandboxes have no IPv6 at all; that is not our bug.
            Err(NetError::Bind(_, err))
                if err.kind() == io::ErrorKind::AddrNotAvailable => {}
            Err(err) => panic!("unexpected error: {err}"),
        }
    }

    /// A UDP socket bound to port 0 can receive a datagram straight away.
    #[test]
    fn bind_udp_receives_without_listen() {
        let server = bind_udp(loopback()).expect("bind");
        server
            .set_read_timeout(Some(Duration::from_secs(5)))
            .expect("timeout");
        let client = UdpSocket::bind(loopback()).expect("client");
        let addr = server.local_addr().expect("addr");
        client.send_to(b"ping", addr).expect("send");
        let mut buf = [0; 16];
        let (n, from) = server.recv_from(&mut buf).expect("recv");
        assert_eq!(&buf[..n], b"ping");
        assert_eq!(from, client.local_addr().expect("addr"));
    }
}
