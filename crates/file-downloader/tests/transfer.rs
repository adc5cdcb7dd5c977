//! Files travel whole, in both protocols and every way of streaming; a
//! cut, a lie or an error from the server never leaves a complete-looking
//! file; slow clients do not hold up others; shutdown ends transfers.

mod common;

use std::fs;
use std::io::{Read, Write};
use std::net::Shutdown as Half;
use std::path::Path;

use clap::ValueEnum;
use common::{FILES, Fixture, contents, framed_get, ok, raw_get, start_server};
use file_downloader::client::Saved;
use file_downloader::{DownloadOptions, Output, Protocol, Streaming, download};
use indicatif::ProgressBar;
use netkit::testing::{TestServer, connect, read_exactly};
use netkit::{LineReader, Received};

const BOTH_PROTOCOLS: [Protocol; 2] = [Protocol::Raw, Protocol::Framed];

/// Every way of streaming this build has: on Linux the buffered loop
/// (every other system's default) as well as `sendfile` (the default
/// here), so both paths run wherever the tests do.
fn every_streaming() -> &'static [Streaming] {
    Streaming::value_variants()
}

/// Downloads `name` from `addr` into `path` with the library's client.
fn fetch(
    addr: std::net::SocketAddr,
    name: &str,
    path: &Path,
    protocol: Protocol,
    resume: bool,
) -> anyhow::Result<Saved> {
    let stream = connect(addr);
    let output = Output::new(path.to_owned(), false);
    let options = DownloadOptions {
        protocol,
        resume,
        ..Default::default()
    };
    download(&stream, name, &output, &options, &ProgressBar::hidden())
}

fn part(path: &Path) -> std::path::PathBuf {
    Output::new(path.to_owned(), false).part().to_owned()
}

/// Every fixture size arrives byte for byte, over raw sockets, in both
/// protocols and with every way of streaming.
#[test]
fn every_size_arrives_whole_on_the_wire() {
    let fixture = Fixture::new();
    for &streaming in every_streaming() {
        let (raw, _) = start_server(&fixture.root(), Protocol::Raw, streaming);
        let (framed, _) =
            start_server(&fixture.root(), Protocol::Framed, streaming);
        for (name, size) in FILES {
            let body = contents(size);
            let got = raw_get(raw.addr(), name.as_bytes());
            assert!(got == body, "raw {name}, {streaming:?}: {}", got.len());
            let got = framed_get(framed.addr(), 0, name.as_bytes());
            assert!(got == ok(size, &body), "framed {name}, {streaming:?}");
        }
        raw.stop().expect("server");
        framed.stop().expect("server");
    }
}

/// The client saves every size whole and reports it; the empty file only
/// with `--framed`, since the original protocol cannot tell it from "no
/// such file".
#[test]
fn the_client_saves_every_size() {
    let fixture = Fixture::new();
    for protocol in BOTH_PROTOCOLS {
        let (server, _) =
            start_server(&fixture.root(), protocol, Streaming::default());
        let downloads = fixture.downloads();
        for (name, size) in FILES {
            let path = downloads.join(name);
            let result = fetch(server.addr(), name, &path, protocol, false);
            if size == 0 && protocol == Protocol::Raw {
                let err = result.expect_err("empty in raw mode").to_string();
                assert!(err.contains("sent nothing"), "{err}");
                assert!(!path.exists() && !part(&path).exists());
                continue;
            }
            let saved = result.expect("download");
            assert_eq!(saved.size, size as u64);
            assert!(
                fs::read(&path).expect("saved") == contents(size),
                "{name}"
            );
            assert!(!part(&path).exists(), "{name}: .part left behind");
        }
        server.stop().expect("server");
    }
}

/// `--continue` asks for the rest of a `.part` file and completes it.
#[test]
fn a_partial_download_resumes() {
    let fixture = Fixture::new();
    let (server, log) =
        start_server(&fixture.root(), Protocol::Framed, Streaming::default());
    let (name, size) = FILES[4];
    let body = contents(size);
    let path = fixture.downloads().join(name);
    let have = 1_000_003;
    fs::write(part(&path), &body[..have]).expect("write part");
    let saved = fetch(server.addr(), name, &path, Protocol::Framed, true)
        .expect("resume");
    assert_eq!(saved.resumed_from, have as u64);
    assert!(fs::read(&path).expect("saved") == body);
    log.wait_for(&format!("from byte {have}"));
    server.stop().expect("server");
}

/// A fake server: accepts one client, reads its request, sends `answer`,
/// then closes (or resets, with `reset`).
fn fake_server(answer: Vec<u8>, reset: bool) -> TestServer<()> {
    TestServer::start(move |listener, _shutdown| {
        let (mut stream, _) = listener.accept().expect("accept");
        let mut request = [0; 2048];
        let _ = stream.read(&mut request);
        let _ = stream.write_all(&answer);
        if reset {
            // SO_LINGER 0: close() sends RST instead of FIN, as when a
            // machine or program dies with data in flight.
            socket2::SockRef::from(&stream)
                .set_linger(Some(std::time::Duration::ZERO))
                .expect("linger");
        } else {
            let _ = stream.shutdown(Half::Write);
        }
    })
}

/// The server dies halfway, after 1,000 of 100,000 announced bytes: an
/// error that says so, the `.part` kept for `--continue`, and no file
/// under the final name.
#[test]
fn a_cut_framed_download_is_reported_and_kept_as_part() {
    let fixture = Fixture::new();
    let server = fake_server(ok(100_000, &contents(1000)), false);
    let path = fixture.downloads().join("cut.bin");
    let err = fetch(server.addr(), "cut.bin", &path, Protocol::Framed, false)
        .expect_err("cut")
        .to_string();
    assert!(
        err.contains("incomplete: got 1000 of 100000 bytes"),
        "{err}"
    );
    assert!(err.contains("--continue"), "{err}");
    assert!(!path.exists(), "a complete-looking file was left");
    assert_eq!(fs::read(part(&path)).expect("part"), contents(1000));
    server.stop();
}

/// The same with a reset instead of a close, as when the server's machine
/// fails. A reset may also destroy bytes that had arrived but were not yet
/// read, so how far the download got varies; what must not vary is that
/// it is an error and that no file appears under the final name.
#[test]
fn a_reset_framed_download_is_an_error() {
    let fixture = Fixture::new();
    let server = fake_server(ok(100_000, &contents(1000)), true);
    let path = fixture.downloads().join("cut.bin");
    let err = fetch(server.addr(), "cut.bin", &path, Protocol::Framed, false)
        .expect_err("reset");
    assert!(!path.exists(), "a complete-looking file was left: {err:#}");
    if let Ok(kept) = fs::read(part(&path)) {
        assert!(
            contents(1000).starts_with(&kept),
            "the .part is not a prefix"
        );
    }
    server.stop();
}

/// In the original protocol a reset is an error and nothing is kept (no
/// resume there). A clean close halfway cannot be detected at all: that
/// is the protocol's flaw, shown here, and the reason for `--framed`.
#[test]
fn a_cut_raw_download_is_detected_only_if_reset() {
    let fixture = Fixture::new();
    let server = fake_server(contents(1000), true);
    let path = fixture.downloads().join("cut.bin");
    let err = fetch(server.addr(), "cut.bin", &path, Protocol::Raw, false)
        .expect_err("reset");
    assert!(err.to_string().contains("failed after"), "{err}");
    assert!(!path.exists() && !part(&path).exists());
    server.stop();

    let server = fake_server(contents(1000), false);
    let saved = fetch(server.addr(), "cut.bin", &path, Protocol::Raw, false)
        .expect("a clean close looks complete");
    assert_eq!(saved.size, 1000);
    server.stop();
}

/// A server that sends more than it announced, garbage instead of a
/// header, or nothing at all (a server without `--framed`).
#[test]
fn a_lying_framed_server_is_caught() {
    let fixture = Fixture::new();
    let cases: [(&[u8], &str); 4] = [
        (b"OK 3\nabcdef", "more than the 3 bytes"),
        (b"OK 3\nabc\n", "more than the 3 bytes"),
        (b"HTTP/1.0 200 OK\r\n\r\nhello", "not a header"),
        (b"", "without answering (is it running with --framed?)"),
    ];
    for (answer, expected) in cases {
        let server = fake_server(answer.to_vec(), false);
        let path = fixture.downloads().join("x");
        let err = fetch(server.addr(), "x", &path, Protocol::Framed, false)
            .expect_err("lie");
        assert!(err.to_string().contains(expected), "{err}");
        assert!(!path.exists() && !part(&path).exists(), "{expected}");
        server.stop();
    }
}

/// The original serves one client at a time; here a client that stops
/// reading halfway through a large file does not delay another one.
#[test]
fn a_stalled_client_does_not_block_others() {
    let fixture = Fixture::new();
    for protocol in BOTH_PROTOCOLS {
        let (server, _) =
            start_server(&fixture.root(), protocol, Streaming::default());
        let request = match protocol {
            Protocol::Raw => b"odd-size.bin".to_vec(),
            Protocol::Framed => b"FETCH 0 odd-size.bin\n".to_vec(),
        };
        let mut stalled = connect(server.addr());
        stalled.write_all(&request).expect("request");
        // Read a little, so the transfer has surely begun, then stop.
        read_exactly(&mut stalled, 10);
        let path = fixture.downloads().join("small.txt");
        fetch(server.addr(), "small.txt", &path, protocol, false)
            .expect("second client served meanwhile");
        drop(stalled);
        server.stop().expect("server");
    }
}

/// A client that disconnects mid-transfer is logged with how far it got,
/// and the server goes on serving.
#[test]
fn a_client_leaving_mid_transfer_is_logged() {
    let fixture = Fixture::new();
    // 256 MiB, sparse: more than any socket buffers can hold, so the
    // transfer cannot be over already.
    let size: u64 = 256 << 20;
    fixture.sparse("large", size);
    for &streaming in every_streaming() {
        let (server, log) =
            start_server(&fixture.root(), Protocol::Framed, streaming);
        let mut leaving = connect(server.addr());
        leaving.write_all(b"FETCH 0 large\n").expect("request");
        let mut lines = LineReader::new(&leaving, 64);
        let header = lines.read_line().expect("header");
        assert_eq!(header, Received::Data(format!("OK {size}").into_bytes()));
        read_exactly(&mut leaving, 1000);
        // SO_LINGER 0 makes the close a reset: the server's next write
        // fails at once instead of filling buffers first.
        socket2::SockRef::from(&leaving)
            .set_linger(Some(std::time::Duration::ZERO))
            .expect("linger");
        drop(leaving);
        let line = log.wait_for("stopped after");
        assert!(line.contains(&format!("of {size} bytes")), "{line}");
        assert_eq!(framed_small(&server), ok(14, &contents(14)));
        server.stop().expect("server");
    }
}

fn framed_small(server: &common::Server) -> Vec<u8> {
    framed_get(server.addr(), 0, b"small.txt")
}

/// Shutdown with a client in the middle of a request: the server returns
/// within its grace period and the client sees the connection end, by a
/// close or, when its request bytes were still unread, a reset (closing a
/// socket with unread input sends RST).
#[test]
fn shutdown_ends_waiting_clients() {
    let fixture = Fixture::new();
    let (server, _) =
        start_server(&fixture.root(), Protocol::Framed, Streaming::default());
    let mut waiting = connect(server.addr());
    // Half a request line: the server is waiting for the rest.
    waiting.write_all(b"FETCH 0 sma").expect("partial request");
    let report = server.stop().expect("server");
    assert_eq!(report.unfinished, 0);
    let mut rest = Vec::new();
    match waiting.read_to_end(&mut rest) {
        Ok(_) => assert_eq!(rest, b""),
        Err(err) => {
            assert_eq!(err.kind(), std::io::ErrorKind::ConnectionReset, "{err}")
        }
    }
}
