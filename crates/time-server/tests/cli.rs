//! The built `time-server` binary as users and scripts drive it (the
//! CONTRACT.md command shape), and `rdate`, a client we did not write,
//! against the RFC 868 mode.

mod common;

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use common::{FORMATS, assert_is_the_time, flags};
use jiff::Timestamp;
use jiff::civil::DateTime;
use netkit::testing::{ServerProcess, read_to_close, run_to_end};
use time_server::Format;

/// CONTRACT.md: a server stops within 2 seconds of Ctrl-C or SIGTERM.
const STOP_DEADLINE: Duration = Duration::from_secs(2);

fn time_server() -> Command {
    Command::new(env!("CARGO_BIN_EXE_time-server"))
}

fn server(args: &[&str]) -> ServerProcess {
    ServerProcess::start(
        time_server()
            .args(["server", "--bind", "127.0.0.1:0"])
            .args(args),
    )
}

/// `--help` names the subcommands; `demo` runs every format and exits 0.
#[test]
fn help_and_demo() {
    let (status, out, _) = run_to_end(time_server().arg("--help"));
    assert!(status.success());
    for word in ["server", "client", "demo"] {
        assert!(out.contains(word), "{out}");
    }
    let (status, out, err) = run_to_end(time_server().arg("demo"));
    assert!(status.success(), "{err}");
    assert_eq!(out.matches("client: clock offset: ").count(), 3, "{out}");
}

/// Every format over both transports: `listening on`, the client's two
/// lines, nothing else on stdout, and exit 0 on SIGINT.
#[test]
fn each_mode_serves_the_client_and_stops_on_sigint() {
    for udp in [false, true] {
        for format in FORMATS {
            let server = server(&flags(format, udp));
            let addr = server.addr.to_string();
            let (status, out, err) = run_to_end(
                time_server()
                    .args(["client", "--connect", &addr])
                    .args(flags(format, udp)),
            );
            assert!(status.success(), "{format:?} udp={udp}: {err}");
            let lines: Vec<&str> = out.lines().collect();
            assert_eq!(lines.len(), 2, "{out}");
            assert!(lines[1].starts_with("clock offset: "), "{out}");
            server.interrupt();
            let exited = server.wait(STOP_DEADLINE);
            assert!(exited.status.success(), "{}", exited.stderr);
            assert_eq!(exited.stdout_rest, "");
        }
    }
}

/// SIGTERM stops both kinds of server with exit code 0.
#[test]
fn sigterm_exits_0() {
    for args in [&[][..], &["--udp"][..]] {
        let server = server(args);
        server.terminate();
        assert!(server.wait(STOP_DEADLINE).status.success());
    }
}

/// A port in use, a refused connection, a UDP port nobody listens on:
/// one `error:` line each and exit code 1. Two format flags: usage, 2.
#[test]
fn failures_are_one_error_line() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = taken.local_addr().unwrap().to_string();
    let (status, _, err) =
        run_to_end(time_server().args(["server", "--bind", &addr]));
    assert_eq!(status.code(), Some(1));
    assert!(
        err.starts_with("error: ") && err.contains("in use"),
        "{err}"
    );
    assert_eq!(err.lines().count(), 1, "{err}");

    drop(taken);
    for udp in [&[][..], &["--udp"][..]] {
        let (status, _, err) = run_to_end(
            time_server().args(["client", "--connect", &addr]).args(udp),
        );
        assert_eq!(status.code(), Some(1), "{err}");
        assert!(err.starts_with("error: "), "{err}");
        assert_eq!(err.lines().count(), 1, "{err}");
    }

    let (status, _, _) =
        run_to_end(time_server().args(["client", "--rfc867", "--rfc868"]));
    assert_eq!(status.code(), Some(2));
}

/// Misbehaving clients against the real binary: it keeps answering, exits
/// 0 on SIGINT and never prints a panic.
#[test]
fn bad_clients_never_make_it_panic() {
    let server = server(&[]);
    for _ in 0..50 {
        let mut client = netkit::testing::connect(server.addr);
        std::io::Write::write_all(&mut client, b"\xff\xfe junk").unwrap();
        socket2::SockRef::from(&client)
            .set_linger(Some(Duration::ZERO))
            .unwrap();
    }
    let answer = read_to_close(&mut netkit::testing::connect(server.addr));
    assert_is_the_time(Format::Original, &answer);
    server.interrupt();
    let exited = server.wait(STOP_DEADLINE);
    assert!(exited.status.success());
    assert!(!exited.stderr.contains("panicked"), "{}", exited.stderr);
}

/// Where rdate is, if it is installed (Debian puts it in /usr/sbin).
fn rdate() -> Option<&'static str> {
    ["/usr/sbin/rdate", "/usr/bin/rdate"]
        .into_iter()
        .find(|path| Path::new(path).exists())
}

/// `rdate -p`, the classic RFC 868 client, prints our time, over TCP and
/// UDP. CI installs rdate; elsewhere the test says it is skipped.
#[test]
fn rdate_prints_the_right_date_from_rfc868_mode() {
    let Some(rdate) = rdate() else {
        assert!(
            std::env::var_os("CI").is_none(),
            "rdate is missing on CI: .ci/run installs it"
        );
        eprintln!("skipped: rdate is not installed (apt-get install rdate)");
        return;
    };
    for udp in [false, true] {
        let server = server(&flags(Format::Time, udp));
        let port = server.addr.port().to_string();
        let mut command = Command::new(rdate);
        command.arg("-p");
        if udp {
            command.arg("-u");
        }
        // In UTC, so the date it prints can be read back without a zone.
        command.env("TZ", "UTC").args(["-o", &port, "127.0.0.1"]);
        let (status, out, err) = run_to_end(&mut command);
        assert!(status.success(), "rdate: {err}");
        // rdate prints like `date`: "Sun Nov 22 09:15:03 UTC 2026".
        let fields: Vec<&str> = out.split_whitespace().collect();
        let [_, month, day, time, _, year] = fields[..] else {
            panic!("unexpected rdate output {out:?}");
        };
        let printed = DateTime::strptime(
            "%b %d %H:%M:%S %Y",
            format!("{month} {day} {time} {year}"),
        )
        .unwrap()
        .to_zoned(jiff::tz::TimeZone::UTC)
        .unwrap()
        .timestamp();
        let off = printed.duration_since(Timestamp::now()).as_secs_f64();
        assert!(off.abs() < common::SAME_CLOCK, "rdate printed {out:?}");
        server.interrupt();
        assert!(server.wait(STOP_DEADLINE).status.success());
    }
}
