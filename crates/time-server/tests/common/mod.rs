//! Helpers shared by this crate's integration tests.

#![allow(dead_code)] // each test file uses a different part of it

use std::io;

use jiff::Timestamp;
use jiff::tz::TimeZone;
use netkit::testing::TestServer;
use netkit::udp::DatagramReport;
use netkit::{Connections, Log, ServeReport, ServerConfig};
use time_server::Format;
use time_server::clock::{ServerTime, parse_answer};

/// Every format, for tests that cover them all.
pub const FORMATS: [Format; 3] =
    [Format::Original, Format::Daytime, Format::Time];

/// The clocks of two programs on one machine are the same clock: an answer
/// further off than this was written or read wrongly (a zone, a format).
pub const SAME_CLOCK: f64 = 2.0;

/// A TCP time server in-process on 127.0.0.1:0.
pub fn start_tcp(
    format: Format,
    connections: &Connections,
) -> TestServer<io::Result<ServeReport>> {
    let net = ServerConfig {
        log: Log::to(|_| {}),
        connections: connections.clone(),
        ..ServerConfig::default()
    };
    TestServer::start(move |listener, shutdown| {
        time_server::serve_tcp(listener, &shutdown, format, &net)
    })
}

/// A UDP time server in-process on 127.0.0.1:0.
pub fn start_udp(format: Format) -> TestServer<io::Result<DatagramReport>> {
    TestServer::start_udp(move |socket, shutdown| {
        time_server::serve_udp(&socket, &shutdown, format, &Log::to(|_| {}))
    })
}

/// Reads `answer` as `format` and checks it tells the time of our clock.
pub fn assert_is_the_time(format: Format, answer: &[u8]) -> ServerTime {
    let now = Timestamp::now();
    let time = parse_answer(format, answer, &TimeZone::system(), now)
        .unwrap_or_else(|err| panic!("{format:?}: {err}"));
    let off = time.instant.duration_since(now).as_secs_f64().abs();
    assert!(
        off < SAME_CLOCK,
        "{format:?}: {:?} is {off} s off",
        time.text
    );
    time
}

/// The command-line flags of `format` over TCP or UDP, the same for
/// server and client, Rust and Python.
pub fn flags(format: Format, udp: bool) -> Vec<&'static str> {
    let mut flags = match format {
        Format::Original => vec![],
        Format::Daytime => vec!["--rfc867"],
        Format::Time => vec!["--rfc868"],
    };
    if udp {
        flags.push("--udp");
    }
    flags
}
