//! Helpers shared by this crate's integration tests (each test file
//! includes it with `mod common;`).

#![allow(dead_code)] // each test file uses a different part of it

use std::io::{self, Write};
use std::net::TcpStream;

use chat_room::protocol::Framing;
use chat_room::{Report, ServerOptions, serve};
use netkit::testing::TestServer;
use netkit::{Connections, LineReader, Log, Received, ServerConfig};

/// A chat server running in the test process.
pub type Server = TestServer<io::Result<Report>>;

/// A `--lines` server on 127.0.0.1:0 with netkit's defaults.
pub fn start() -> Server {
    start_with(ServerConfig::default())
}

/// A server in the original's framing (no `--lines`).
pub fn start_original() -> Server {
    start_framed(ServerConfig::default(), Framing::Raw)
}

/// A silent `--lines` server with these accept-loop settings; pass a
/// [`Connections`] in `net` to watch its handlers.
pub fn start_with(net: ServerConfig) -> Server {
    start_framed(net, Framing::Lines)
}

/// A silent server (`CHAT_TEST_LOG=1` lets it log to stderr) with these
/// accept-loop settings and this framing.
pub fn start_framed(net: ServerConfig, framing: Framing) -> Server {
    let options = ServerOptions {
        net: ServerConfig {
            log: if std::env::var_os("CHAT_TEST_LOG").is_some() {
                Log::stderr() // to see what the server did in a failed test
            } else {
                Log::to(|_| {})
            },
            ..net
        },
        framing,
    };
    TestServer::start(move |listener, shutdown| {
        serve(listener, &shutdown, &options)
    })
}

/// A `--lines` server whose open connections the test can count.
pub fn start_watched() -> (Server, Connections) {
    start_watched_framed(Framing::Lines)
}

/// A server in `framing` whose open connections the test can count.
pub fn start_watched_framed(framing: Framing) -> (Server, Connections) {
    let connections = Connections::default();
    let server = start_framed(
        ServerConfig {
            connections: connections.clone(),
            ..ServerConfig::default()
        },
        framing,
    );
    (server, connections)
}

/// A line client (ours), logged in; reads time out after TEST_TIMEOUT.
pub struct Client {
    lines: LineReader<TcpStream>,
}

impl Client {
    /// Connects, sends `name\n`, and checks the answer is `success`.
    pub fn join(server: &Server, name: &str) -> Client {
        let mut client = Client::connect(server);
        client.send(format!("{name}\n").as_bytes());
        assert_eq!(client.line(), "success", "{name}");
        client
    }

    /// Connects without logging in.
    pub fn connect(server: &Server) -> Client {
        Client {
            lines: LineReader::new(server.connect(), 64 * 1024),
        }
    }

    /// Sends `text` and a newline.
    pub fn say(&mut self, text: &str) {
        self.send(format!("{text}\n").as_bytes());
    }

    /// Sends bytes as they are.
    pub fn send(&mut self, bytes: &[u8]) {
        self.lines.get_mut().write_all(bytes).expect("client send");
    }

    /// The next line, as bytes; fails the test at the end of the stream.
    pub fn line_bytes(&mut self) -> Vec<u8> {
        match self.lines.read_line().expect("a line") {
            Received::Data(line) => line,
            Received::Closed => panic!("the server closed the connection"),
        }
    }

    /// The next line.
    pub fn line(&mut self) -> String {
        String::from_utf8(self.line_bytes()).expect("UTF-8 from the server")
    }

    /// The next line that is not a notice (`* ...`).
    pub fn message(&mut self) -> String {
        loop {
            let line = self.line();
            if !line.starts_with("* ") {
                return line;
            }
        }
    }

    /// Reads until the server closes; returns the lines, or the error
    /// that ended the stream (a reset).
    pub fn rest(&mut self) -> Result<Vec<String>, io::Error> {
        let mut lines = Vec::new();
        loop {
            match self.lines.read_line()? {
                Received::Data(line) => {
                    lines.push(String::from_utf8_lossy(&line).into_owned())
                }
                Received::Closed => return Ok(lines),
            }
        }
    }

    /// The socket, for raw writes and shutdowns.
    pub fn stream(&mut self) -> &mut TcpStream {
        self.lines.get_mut()
    }
}

/// Strips `[<ctime>] ` from a broadcast line, checking its shape.
pub fn without_time(line: &str) -> &str {
    let end = line.find("] ").expect("a [ctime] prefix");
    assert!(line.starts_with('[') && end == 25, "{line}");
    &line[end + 2..]
}
