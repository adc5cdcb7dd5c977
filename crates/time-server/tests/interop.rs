//! The four pairings, Python port and Rust program as server and client,
//! in every format over TCP and UDP. The time differs from run to run, so
//! each transcript is checked for what it must say rather than compared
//! byte for byte: the server's time in the format's shape, near our clock,
//! and a small clock offset.

mod common;

use std::process::Command;
use std::time::Duration;

use common::{FORMATS, SAME_CLOCK, assert_is_the_time, flags};
use jiff::Timestamp;
use netkit::testing::{Lang, ServerProcess, run_to_end};
use time_server::Format;
use time_server::clock::from_rfc868;

fn command(lang: Lang, role: &str) -> Command {
    lang.command(
        env!("CARGO_MANIFEST_DIR"),
        env!("CARGO_BIN_EXE_time-server"),
        role,
    )
}

/// Checks the client's two lines: the server's time as the format writes
/// it, and the clock offset line.
fn assert_transcript(format: Format, out: &str, context: &str) {
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 2, "{context}: {out:?}");
    match format {
        // The first line is the server's own text.
        Format::Original | Format::Daytime => {
            assert_is_the_time(format, lines[0].as_bytes());
        }
        // The first line is `N (YYYY-MM-DD HH:MM:SS UTC)`.
        Format::Time => {
            let (number, utc) =
                lines[0].split_once(' ').expect("`N (date UTC)`");
            let number: u32 = number.parse().expect("a 32-bit number");
            let instant = from_rfc868(number, Timestamp::now());
            let expected = instant.strftime("(%Y-%m-%d %H:%M:%S UTC)");
            assert_eq!(utc, expected.to_string(), "{context}");
        }
    }
    let offset: f64 = lines[1]
        .strip_prefix("clock offset: ")
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|number| number.parse().ok())
        .unwrap_or_else(|| panic!("{context}: {:?}", lines[1]));
    assert!(offset.abs() < SAME_CLOCK, "{context}: {out}");
}

fn pairing(server_lang: Lang, client_lang: Lang, format: Format, udp: bool) {
    let context = format!(
        "{server_lang:?} server, {client_lang:?} client, {format:?}, udp={udp}"
    );
    let server = ServerProcess::start(
        command(server_lang, "server")
            .args(["--bind", "127.0.0.1:0"])
            .args(flags(format, udp)),
    );
    let addr = server.addr.to_string();
    let (status, out, err) = run_to_end(
        command(client_lang, "client")
            .args(["--connect", &addr])
            .args(flags(format, udp)),
    );
    assert!(status.success(), "{context}: {err}");
    assert_transcript(format, &out, &context);
    server.interrupt();
    let exited = server.wait(Duration::from_secs(2));
    assert!(exited.status.success(), "{context}: {}", exited.stderr);
}

fn all_four_pairings(udp: bool) {
    for format in FORMATS {
        for server in Lang::BOTH {
            for client in Lang::BOTH {
                pairing(server, client, format, udp);
            }
        }
    }
}

/// Over TCP, in every format, every pairing tells the right time.
#[test]
fn four_pairings_agree_over_tcp() {
    all_four_pairings(false);
}

/// Over UDP, in every format, every pairing tells the right time.
#[test]
fn four_pairings_agree_over_udp() {
    all_four_pairings(true);
}
