//! Names a file server must refuse, in both protocols: no byte from outside
//! the root ever leaves, each refusal is logged with a reason, and the
//! server goes on serving.

mod common;

use common::{
    Fixture, SECRET, contains, contents, framed_get, raw_get, start_server,
};
use file_downloader::{MAX_NAME_LEN, Protocol, Streaming};

/// Every way of asking for something that is not a regular file inside
/// the root, with the reason the server gives.
fn hostile_names(fixture: &Fixture) -> Vec<(Vec<u8>, &'static str)> {
    let secret = fixture.secret_path().to_string_lossy().into_owned();
    let up = "'..' is refused";
    let absolute = "absolute paths are refused";
    let outside = "the path leads outside the served directory";
    vec![
        (b"..".to_vec(), up),
        (b"../secret".to_vec(), up),
        (b"../../../../../../etc/passwd".to_vec(), up),
        (b"sub/../../secret".to_vec(), up),
        (b"sub-link/../../secret".to_vec(), up),
        (b"./../secret".to_vec(), up),
        (b"/etc/passwd".to_vec(), absolute),
        (secret.into_bytes(), absolute),
        (b"//etc/passwd".to_vec(), absolute),
        (b"/dev/zero".to_vec(), absolute),
        // Symlinks: the name is harmless, where it leads is not.
        (b"outside-link".to_vec(), outside),
        (b"absolute-link".to_vec(), outside),
        // Not regular files.
        (b"sub".to_vec(), "not a regular file"),
        (b"sub-link".to_vec(), "not a regular file"),
        (b"fifo".to_vec(), "not a regular file"),
        (b"missing.txt".to_vec(), "no such file"),
        (b"small.txt/x".to_vec(), "no such file"),
        // Bytes no file name should hold.
        (b"small.txt\0../secret".to_vec(), "contains a NUL byte"),
        (b"\xff\xfe.txt".to_vec(), "not UTF-8"),
        (b"".to_vec(), "empty file name"),
        (b".".to_vec(), "empty file name"),
        (vec![b'a'; 10 * 1024], "longer than 1024 bytes"),
        (vec![b'a'; MAX_NAME_LEN + 1], "longer than 1024 bytes"),
    ]
}

/// The original protocol: each hostile name gets nothing at all (a close),
/// and the log says why.
#[test]
fn raw_refusals_send_nothing_and_are_logged() {
    let fixture = Fixture::new();
    let (server, log) =
        start_server(&fixture.root(), Protocol::Raw, Streaming::default());
    for (name, reason) in hostile_names(&fixture) {
        if name.is_empty() {
            continue; // sending nothing is not a request in this protocol
        }
        let answer = raw_get(server.addr(), &name);
        assert!(answer.is_empty(), "{name:?} got {} bytes", answer.len());
        let line = log.wait_for("refused");
        assert!(line.contains(reason), "{name:?}: {line}");
    }
    // Still serving.
    assert_eq!(raw_get(server.addr(), b"small.txt"), contents(14));
    server.stop().expect("server");
}

/// `--framed`: each hostile name gets `ERROR <reason>\n` and nothing else.
#[test]
fn framed_refusals_say_why() {
    let fixture = Fixture::new();
    let (server, log) =
        start_server(&fixture.root(), Protocol::Framed, Streaming::default());
    for (name, reason) in hostile_names(&fixture) {
        let answer = framed_get(server.addr(), 0, &name);
        assert!(!contains(&answer, SECRET), "{name:?} leaked the secret");
        let text = String::from_utf8_lossy(&answer);
        assert!(
            text.starts_with("ERROR ") && text.ends_with('\n'),
            "{name:?}: {text:?}"
        );
        assert_eq!(text.lines().count(), 1, "{name:?}: {text:?}");
        assert!(text.contains(reason), "{name:?}: {text:?}");
        log.wait_for("refused");
    }
    assert_eq!(
        framed_get(server.addr(), 0, b"small.txt"),
        common::ok(14, &contents(14))
    );
    server.stop().expect("server");
}

/// A symlink that stays inside the root is followed, as a user expects.
#[test]
fn symlinks_inside_the_root_are_served() {
    let fixture = Fixture::new();
    let (server, _log) =
        start_server(&fixture.root(), Protocol::Raw, Streaming::default());
    assert_eq!(raw_get(server.addr(), b"inside-link"), contents(14));
    assert_eq!(raw_get(server.addr(), b"sub-link/inner.txt"), b"inner\n");
    assert_eq!(raw_get(server.addr(), b"./sub//inner.txt"), b"inner\n");
    server.stop().expect("server");
}

/// Malformed `--framed` requests: refused with a reason, not a hang.
#[test]
fn malformed_framed_requests_are_refused() {
    let fixture = Fixture::new();
    let (server, _log) =
        start_server(&fixture.root(), Protocol::Framed, Streaming::default());
    for request in [
        &b"FETCH small.txt\n"[..],
        b"FETCH -1 small.txt\n",
        b"FETCH 99999999999999999999999 small.txt\n",
    ] {
        let answer = common::exchange(server.addr(), request);
        assert_eq!(answer, b"ERROR malformed request\n", "{request:?}");
    }
    // A request line over the limit, then no newline at all: refused as
    // too long once the limit is passed, without waiting for the rest.
    let long = [&b"FETCH 0 "[..], &[b'a'; 4096]].concat();
    let answer = common::exchange(server.addr(), &long);
    assert_eq!(answer, b"ERROR file name longer than 1024 bytes\n");
    server.stop().expect("server");
}

/// A client without `--framed` talking to a framed server gets a plain
/// close, not an `ERROR` line that it would save as the file.
#[test]
fn a_raw_client_gets_nothing_from_a_framed_server() {
    let fixture = Fixture::new();
    let (server, log) =
        start_server(&fixture.root(), Protocol::Framed, Streaming::default());
    assert_eq!(raw_get(server.addr(), b"small.txt"), b"");
    log.wait_for("not a FETCH request");
    server.stop().expect("server");
}

/// Offsets: at the end is an empty body, past the end is refused, and
/// offsets past 4 GiB parse (the file is small, so they are past its end).
#[test]
fn resume_offsets_are_checked() {
    let fixture = Fixture::new();
    let (server, _log) =
        start_server(&fixture.root(), Protocol::Framed, Streaming::default());
    let addr = server.addr();
    assert_eq!(framed_get(addr, 14, b"small.txt"), common::ok(14, b""));
    assert_eq!(
        framed_get(addr, 10, b"small.txt"),
        common::ok(14, &contents(14)[10..])
    );
    assert_eq!(
        framed_get(addr, 15, b"small.txt"),
        b"ERROR offset 15 is past the end of the file (14 bytes)\n"
    );
    let five_gib = 5u64 << 30;
    assert_eq!(
        framed_get(addr, five_gib, b"small.txt"),
        format!(
            "ERROR offset {five_gib} is past the end of the file (14 bytes)\n"
        )
        .into_bytes()
    );
    server.stop().expect("server");
}
