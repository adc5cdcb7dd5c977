//! Lesson 1's round trips: `connections` clients connect and read their
//! `Welcome!`, untimed; then, all together for `duration`, each sends a
//! 16-byte name and waits for its `Hello, NAME!`, over and over. One
//! message is in flight per connection, as the lesson's client does, so
//! the rate is round trips and the latency of each is the server's answer
//! time plus the kernel's two trips through loopback.
//!
//! # Try it
//!
//! ```text
//! cargo build --release -p hello-echo -p netbench
//! target/release/hello-echo server --bind 127.0.0.1:0 -q
//!                            # prints "listening on 127.0.0.1:PORT"
//! target/release/netbench hello-echo --connect 127.0.0.1:PORT \
//!     --connections 16 --duration 3
//! python3 crates/hello-echo/python/server.py --bind 127.0.0.1:0
//! ```
//!
//! 1,000 connections and more need `--max-clients` above that on our
//! server (its default cap is 512), and an open-file limit above it for
//! both processes (`ulimit -n`).

use std::fmt;
use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

use netkit::bind::CONNECT_TIMEOUT;
use serde::{Deserialize, Serialize};

use crate::MAX_SECONDS;
use crate::load::{self, Figures, IO_TIMEOUT, Plan};

/// The most connections one run opens: room above the issue's 10,000.
/// Each is a descriptor here and another in the server, so both need an
/// open-file limit (`ulimit -n`) above the count.
pub const MAX_CONNECTIONS: usize = 12_000;

const WELCOME: &[u8] = b"Welcome!";

/// What to run: the command line's flags.
#[derive(Clone, Debug, clap::Args)]
pub struct Options {
    /// The server, HOST:PORT on this machine (loopback only)
    #[arg(long = "connect", value_name = "HOST:PORT",
          value_parser = crate::loopback_addr)]
    pub addr: SocketAddr,
    /// Connections open at once, each sending a name and waiting for its
    /// answer, over and over
    #[arg(long, value_name = "N", default_value_t = 16,
          value_parser = crate::count(1..=MAX_CONNECTIONS))]
    pub connections: usize,
    /// Seconds to measure, once every connection has its welcome
    #[arg(long, value_name = "SECS", default_value = "3",
          value_parser = crate::duration(1..=MAX_SECONDS, Duration::from_secs))]
    pub duration: Duration,
    /// Frame messages as lines (the servers' --lines)
    #[arg(long)]
    pub lines: bool,
    /// The server's process id, to report its memory (and, in the modes
    /// that measure them, its threads and CPU time) from /proc, Linux
    #[arg(long, value_name = "PID")]
    pub server_pid: Option<u32>,
}

/// What a run measured: `--json` prints it as one line (its fields, then
/// the mode as `"mode":"hello-echo"`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "mode", rename = "hello-echo")]
pub struct Report {
    /// Messages were lines (`--lines`).
    pub lines: bool,
    /// Connections open at once.
    pub connections: usize,
    /// Round trips completed in the window, on every connection.
    pub round_trips: u64,
    /// The window's rate, latencies and server figures.
    #[serde(flatten)]
    pub figures: Figures,
}

/// Connection `index`'s name: 16 bytes, as the issue asks, and different
/// on every connection so that an answer sent to the wrong one would be
/// caught.
fn name(index: usize) -> Vec<u8> {
    format!("bench-{index:010}").into_bytes()
}

/// One connection's state between round trips.
struct Client {
    stream: TcpStream,
    request: Vec<u8>,
    answer: Vec<u8>,
    buf: Vec<u8>,
}

/// Connects, reads the welcome, and readies connection `index`'s request.
fn connect(options: &Options, index: usize) -> io::Result<Client> {
    let mut stream =
        TcpStream::connect_timeout(&options.addr, CONNECT_TIMEOUT)?;
    stream.set_read_timeout(Some(IO_TIMEOUT))?;
    stream.set_write_timeout(Some(IO_TIMEOUT))?;
    // Each name must leave at once: with Nagle's algorithm a small write
    // can wait for the previous segment's acknowledgement, which the
    // server may delay (delayed ACK), adding up to 40 ms to a round trip.
    stream.set_nodelay(true)?;
    let mut buf = Vec::new();
    let newline: &[u8] = if options.lines { b"\n" } else { b"" };
    read_expected(&mut stream, &mut buf, &[WELCOME, newline].concat())?;
    let name = name(index);
    Ok(Client {
        answer: [&b"Hello, "[..], &name, b"!", newline].concat(),
        request: [&name, newline].concat(),
        stream,
        buf,
    })
}

/// One round trip: the name out, the whole answer back.
fn round_trip(client: &mut Client) -> io::Result<()> {
    client.stream.write_all(&client.request)?;
    read_expected(&mut client.stream, &mut client.buf, &client.answer)
}

/// Reads until `expected.len()` bytes have come, and checks they are
/// `expected`. TCP keeps no message boundaries: the answer may come in
/// more than one read, so one read is not one answer.
fn read_expected(
    stream: &mut TcpStream,
    buf: &mut Vec<u8>,
    expected: &[u8],
) -> io::Result<()> {
    buf.resize(expected.len(), 0);
    stream.read_exact(buf).map_err(|err| match err.kind() {
        // A read of 0 bytes before the answer was complete.
        io::ErrorKind::UnexpectedEof => io::Error::new(
            err.kind(),
            "the server closed the connection before answering",
        ),
        _ => err,
    })?;
    if buf != expected {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            format!(
                "expected {}, got {}",
                netkit::text::printable(expected),
                netkit::text::printable(buf)
            ),
        ));
    }
    Ok(())
}

/// Opens the connections and measures.
pub fn run(options: &Options) -> anyhow::Result<Report> {
    let plan = Plan {
        workers: options.connections,
        duration: options.duration,
        server_pid: options.server_pid,
    };
    let outcome = load::run(plan, |index| connect(options, index), round_trip)?;
    Ok(Report {
        lines: options.lines,
        connections: options.connections,
        round_trips: outcome.steps,
        figures: outcome.figures,
    })
}

/// `hello-echo: 16 connections, 3.0 s: 99992 round trips/s; latency …`
impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let lines = if self.lines { " (lines)" } else { "" };
        write!(f, "hello-echo{lines}: {} connections", self.connections)?;
        self.figures.write_summary(f, "round trips", "round trip")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::load::test_server;
    use netkit::testing::{TestServer, any_loopback_port};

    /// Names are 16 bytes and distinct.
    #[test]
    fn names_are_16_bytes() {
        assert_eq!(name(7), b"bench-0000000007");
        assert_eq!(name(9_999_999_999).len(), 16);
    }

    /// The raw protocol, or `wrong` answers to the second message.
    fn server(wrong: bool) -> TestServer<io::Result<netkit::ServeReport>> {
        test_server(move |conn| {
            let mut stream = &*conn.stream;
            stream.write_all(WELCOME)?;
            let mut buf = [0; 1024];
            for count in 1.. {
                let n = stream.read(&mut buf)?;
                if n == 0 {
                    break;
                }
                let name: &[u8] = match (wrong, count) {
                    (true, 2) => b"somebody-else-00",
                    _ => &buf[..n],
                };
                stream.write_all(&[b"Hello, ", name, b"!"].concat())?;
            }
            Ok(())
        })
    }

    fn options(addr: SocketAddr) -> Options {
        Options {
            addr,
            connections: 4,
            duration: Duration::from_millis(200),
            lines: false,
            server_pid: Some(std::process::id()),
        }
    }

    /// Round trips are counted and the server is looked at (here the
    /// server is this process).
    #[test]
    fn measures_round_trips() {
        let server = server(false);
        let report = run(&options(server.addr())).unwrap();
        assert!(report.round_trips > 0);
        assert!(report.figures.server_threads.unwrap() >= 4);
        let json = serde_json::to_string(&report).unwrap();
        assert!(json.contains(r#""mode":"hello-echo""#), "{json}");
        assert!(json.contains(r#""connections":4"#), "{json}");
        server.stop().unwrap();
    }

    /// A wrong answer fails the run, saying what came instead.
    #[test]
    fn a_wrong_answer_is_an_error() {
        let server = server(true);
        let err = run(&options(server.addr())).unwrap_err();
        let text = format!("{err:#}");
        assert!(text.contains("4 of 4 connections failed"), "{text}");
        assert!(text.contains("somebody-else"), "{text}");
        server.stop().unwrap();
    }

    /// No server: the error says the connection was refused.
    #[test]
    fn no_server_is_an_error() {
        let addr = std::net::TcpListener::bind(any_loopback_port())
            .unwrap()
            .local_addr()
            .unwrap();
        let err = run(&options(addr)).unwrap_err();
        assert!(format!("{err:#}").contains("refused"), "{err:#}");
    }
}
