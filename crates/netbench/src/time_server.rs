//! Lesson 2's connections per second: `clients` workers, each in a loop
//! for `duration`, connect, read the time until the server closes (the
//! end of the answer, in this protocol), and close; nothing is sent.
//! Every connection is one count, and its latency runs from `connect` to
//! the end of the answer.
//!
//! ```text
//!   client ──SYN──> server            (the kernel completes the handshake)
//!          <─time── server            (accept, one write)
//!          <─FIN─── server            (close: the answer is complete)
//!   client ──FIN──>                   (we close too, and connect again)
//! ```
//!
//! Almost all of it is kernel work: a handshake, a connection set up and
//! torn down on both sides, for a few dozen bytes. So the figure is
//! bounded by `connect`/`accept`/`close`, and a server differs from
//! another mostly by what it adds per connection (a thread, a log line).
//! The server closes first, so it is the server's side of each connection
//! that waits in TIME_WAIT, not ours: our ports are free again at once
//! and a long run does not run out of them.
//!
//! # Try it
//!
//! ```text
//! cargo build --release -p time-server -p netbench
//! target/release/time-server server --bind 127.0.0.1:0 -q
//!                            # prints "listening on 127.0.0.1:PORT"
//! target/release/netbench time-server --connect 127.0.0.1:PORT --clients 16
//! python3 crates/time-server/python/server.py --bind 127.0.0.1:0
//! ```

use std::fmt;
use std::io::{self, Read};
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

use netkit::bind::CONNECT_TIMEOUT;
use serde::{Deserialize, Serialize};

use crate::MAX_SECONDS;
use crate::load::{self, Figures, IO_TIMEOUT, Plan};

/// The most clients at once: far above the 16 the issue asks for, low
/// enough that the bench cannot become a flood.
pub const MAX_CLIENTS: usize = 1024;

/// The longest answer accepted: the longest of the lesson's formats is
/// an RFC 867 line of under 60 bytes; more is not a time server.
const MAX_ANSWER: u64 = 256;

/// What to run: the command line's flags.
#[derive(Clone, Debug, clap::Args)]
pub struct Options {
    /// The server, HOST:PORT on this machine (loopback only)
    #[arg(long = "connect", value_name = "HOST:PORT",
          value_parser = crate::loopback_addr)]
    pub addr: SocketAddr,
    /// Clients at once, each connecting, reading to the end and
    /// connecting again
    #[arg(long, value_name = "N", default_value_t = 16,
          value_parser = crate::count(1..=MAX_CLIENTS))]
    pub clients: usize,
    /// Seconds to measure
    #[arg(long, value_name = "SECS", default_value = "3",
          value_parser = crate::duration(1..=MAX_SECONDS, Duration::from_secs))]
    pub duration: Duration,
    /// The server's process id, to report its memory (and, in the modes
    /// that measure them, its threads and CPU time) from /proc, Linux
    #[arg(long, value_name = "PID")]
    pub server_pid: Option<u32>,
}

/// What a run measured: `--json` prints it as one line.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "mode", rename = "time-server")]
pub struct Report {
    /// Clients at once.
    pub clients: usize,
    /// Connections completed in the window: one step each.
    pub connections: u64,
    /// The window's rate, latencies and server figures.
    #[serde(flatten)]
    pub figures: Figures,
}

/// One connection: connect, read the answer to its end, close.
fn ask(addr: SocketAddr, answer: &mut Vec<u8>) -> io::Result<()> {
    let stream = TcpStream::connect_timeout(&addr, CONNECT_TIMEOUT)?;
    stream.set_read_timeout(Some(IO_TIMEOUT))?;
    answer.clear();
    // Read until the server closes (a read of 0 bytes), but never more
    // than an answer can be.
    stream.take(MAX_ANSWER + 1).read_to_end(answer)?;
    // A server that closes without a word, or that streams, is not
    // answering the time.
    if answer.is_empty() {
        return Err(io::Error::new(
            io::ErrorKind::UnexpectedEof,
            "the server closed without sending the time",
        ));
    }
    if answer.len() as u64 > MAX_ANSWER {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            format!(
                "the answer is longer than {MAX_ANSWER} bytes; is it a \
                 time server?"
            ),
        ));
    }
    Ok(())
}

/// Runs the clients and measures.
pub fn run(options: &Options) -> anyhow::Result<Report> {
    let plan = Plan {
        workers: options.clients,
        duration: options.duration,
        server_pid: options.server_pid,
    };
    let outcome = load::run(
        plan,
        |_| Ok(Vec::with_capacity(MAX_ANSWER as usize + 1)),
        |answer| ask(options.addr, answer),
    )?;
    Ok(Report {
        clients: options.clients,
        connections: outcome.steps,
        figures: outcome.figures,
    })
}

/// `time-server: 16 clients, 2.0 s: 25066 connections/s; latency …`
impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "time-server: {} clients", self.clients)?;
        self.figures.write_summary(f, "connections", "connection")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::load::test_server;

    /// Connections are counted, one per answer, up to the longest answer
    /// accepted; a server that closes without a word, or sends more,
    /// fails the run.
    #[test]
    fn counts_connections_and_checks_answers() {
        let longest = &[b'7'; MAX_ANSWER as usize][..];
        let too_long = &[b'7'; MAX_ANSWER as usize + 1][..];
        for (answer, error) in [
            (longest, None),
            (b"", Some("without sending")),
            (too_long, Some("time server?")),
        ] {
            let server = test_server(move |conn| {
                netkit::server::say_and_close(&conn.stream, answer)
            });
            let result = run(&Options {
                addr: server.addr(),
                clients: 3,
                duration: Duration::from_millis(200),
                server_pid: None,
            });
            if let Some(error) = error {
                let err = format!("{:#}", result.unwrap_err());
                assert!(err.contains(error), "{err}");
            } else {
                let report = result.unwrap();
                assert!(report.connections > 0);
                let json = serde_json::to_string(&report).unwrap();
                assert!(json.contains(r#""mode":"time-server""#), "{json}");
                assert!(json.contains(r#""server_threads":null"#), "{json}");
            }
            server.stop().unwrap();
        }
    }
}
