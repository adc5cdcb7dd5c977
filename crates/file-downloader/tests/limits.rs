//! The built server under a small open-file limit (`ulimit -n`), as on a
//! desktop or in a container. A connection that is sending holds two
//! descriptors, its socket and the file (`DESCRIPTORS_PER_CLIENT`), and
//! the cap is fitted to the limit with that count: every client gets the
//! first bytes of its file or the protocol's "server busy" at once, never
//! silence, and the cap is lowered (and said to be) where the limit
//! cannot hold it.

mod common;

use std::fs::File;
use std::io::Write;
use std::time::Duration;

use common::Fixture;
use file_downloader::DESCRIPTORS_PER_CLIENT;
use netkit::server::BUSY_MESSAGE;
use netkit::testing::{
    FirstAnswer, ServerProcess, TEST_TIMEOUT, assert_served_again,
    assert_served_then_refused, hold_many, lowered_cap, with_open_file_limit,
};

/// How long a client may wait for its first bytes or its refusal. Without
/// a descriptor to accept it with, a server leaves the client in the
/// backlog until the client gives up; an answer is owed at once.
const ANSWER_WITHIN: Duration = Duration::from_secs(1);

/// Clients beyond the cap in each test.
const OVER: usize = 50;

/// The served file: larger than any socket buffers, so that a client
/// that reads only its first bytes keeps the server sending, its socket
/// and the file open (sparse: it takes no disk space).
const BIG: &str = "big.bin";
const BIG_SIZE: u64 = 1 << 30;

/// How the file starts: a served client's first answer.
const FIRST_BYTES: &[u8] = b"the first bytes of big.bin";

/// The two protocols, as what a client sends, what it gets first when
/// served, and what it gets when refused. In the original protocol any
/// byte would be saved as the file, so the refusal is a close with
/// nothing before it; with `--framed`, an `ERROR` line.
struct Case {
    flags: &'static [&'static str],
    request: &'static [u8],
    served: Vec<u8>,
    refused: Vec<u8>,
}

fn cases() -> [Case; 2] {
    let busy = &BUSY_MESSAGE[..BUSY_MESSAGE.len() - 1];
    [
        Case {
            flags: &[],
            request: BIG.as_bytes(),
            served: FIRST_BYTES.to_vec(),
            refused: Vec::new(),
        },
        Case {
            flags: &["--framed"],
            request: b"FETCH 0 big.bin\n",
            served: format!("OK {BIG_SIZE}\n").into_bytes(),
            refused: [b"ERROR ", busy, b"\n"].concat(),
        },
    ]
}

/// A served folder holding the big file.
fn served_folder() -> Fixture {
    let fixture = Fixture::new();
    let mut file = File::create(fixture.root().join(BIG)).expect("create");
    file.write_all(FIRST_BYTES).expect("write");
    file.set_len(BIG_SIZE).expect("sparse");
    fixture
}

fn server(fixture: &Fixture, limit: u64, args: &[&str]) -> ServerProcess {
    let root = fixture.root();
    let root = root.to_str().expect("a UTF-8 temporary path");
    let mut all = vec!["server", "--bind", "127.0.0.1:0", "--quiet"];
    all.extend(["--root", root]);
    all.extend(args);
    ServerProcess::start(&mut with_open_file_limit(
        limit,
        false,
        env!("CARGO_BIN_EXE_file-downloader"),
        &all,
    ))
}

/// `count` clients held open at once, each with its first answer.
fn flood(
    server: &ServerProcess,
    case: &Case,
    count: usize,
) -> Vec<FirstAnswer> {
    // The test itself holds `count` sockets: lift its own limit first.
    netkit::descriptors::raise_limit();
    let len = case.served.len().max(case.refused.len());
    hold_many(
        server.addr,
        count,
        |_| case.request.to_vec(),
        len,
        ANSWER_WITHIN,
    )
}

/// Checks the answers as [`assert_served_then_refused`] does, and that
/// each refusal is exactly the protocol's: in the original protocol that
/// is nothing at all, which a prefix cannot check.
fn assert_answers(answers: &[FirstAnswer], cap: usize, case: &Case) {
    assert_served_then_refused(answers, cap, &case.served, &case.refused);
    for (i, client) in answers.iter().enumerate().skip(cap) {
        let got = client.answer.as_deref().unwrap_or_default();
        assert!(
            got == case.refused,
            "{:?}: client {i} got {:?}",
            case.flags,
            String::from_utf8_lossy(got)
        );
    }
}

/// The descriptors the process `pid` has open, from `/proc`.
fn open_descriptors(pid: u32) -> usize {
    std::fs::read_dir(format!("/proc/{pid}/fd"))
        .expect("list /proc/PID/fd")
        .count()
}

/// With a cap that fits the limit, the cap's clients get their file's
/// first bytes, each connection holding its socket and the file, and the
/// next ones the protocol's refusal, each within a second; once they have
/// gone, the server serves again.
#[test]
fn under_a_small_limit_every_client_is_served_or_refused() {
    let fixture = served_folder();
    let cap = 100;
    for case in cases() {
        let max = cap.to_string();
        let mut args = vec!["--max-clients", &max];
        args.extend(case.flags);
        let server = server(&fixture, 256, &args);
        let before = open_descriptors(server.id());
        let answers = flood(&server, &case, cap + OVER);
        assert_answers(&answers, cap, &case);
        let held = open_descriptors(server.id()) - before;
        assert!(
            held >= cap * DESCRIPTORS_PER_CLIENT,
            "{:?}: {cap} connections held {held} descriptors",
            case.flags
        );
        drop(answers);
        assert_served_again(
            server.addr,
            case.request,
            &case.served,
            &case.refused,
        );
        server.interrupt();
        let exited = server.wait(TEST_TIMEOUT);
        assert!(exited.status.success(), "{:?}", case.flags);
        assert!(!exited.stderr.contains("Too many open files"), "{exited:?}");
    }
}

/// The default cap (512) cannot fit in 256 descriptors at two each: the
/// server lowers it, says so in one line naming `ulimit -n`, and keeps
/// the lower cap.
#[test]
fn a_cap_over_the_limit_is_lowered_and_said() {
    let fixture = served_folder();
    for case in cases() {
        let server = server(&fixture, 256, case.flags);
        let note = server.next_error_line();
        let cap = lowered_cap(&note);
        assert!(cap > 100 && cap < 128, "{note}");
        assert!(
            note.contains("each connection takes 2 descriptors"),
            "{note}"
        );
        assert!(note.contains("ulimit -n"), "{note}");
        let answers = flood(&server, &case, cap + OVER);
        assert_answers(&answers, cap, &case);
    }
}
