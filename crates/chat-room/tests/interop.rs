//! Python and Rust against each other. Each server (our Python port of
//! the original, and the Rust one) gets two clients, alice and bob, in
//! every mix: both Python, both Rust (the four pairings), and one of each;
//! in the original's framing and with `--lines` on every end.

use std::time::Duration;

use chat_room::protocol::Framing;
use netkit::testing::{Lang, Process, ServerProcess, read_exactly};

/// The flags that choose `framing`, the same on every program.
fn framing_flags(framing: Framing) -> &'static [&'static str] {
    match framing {
        Framing::Raw => &[],
        Framing::Lines => &["--lines"],
    }
}

/// One program of the lesson: `python3 python/<role>.py`, or the binary
/// with `<role>` as its subcommand.
fn command(lang: Lang, role: &str) -> std::process::Command {
    lang.command(
        env!("CARGO_MANIFEST_DIR"),
        env!("CARGO_BIN_EXE_chat-room"),
        role,
    )
}

/// A client process, logged in (both clients say so on stderr).
fn join(
    lang: Lang,
    server: &ServerProcess,
    name: &str,
    framing: Framing,
) -> Process {
    let addr = server.addr.to_string();
    let client = Process::start_interactive(
        command(lang, "client")
            .args(["-u", name, "--connect", &addr])
            .args(framing_flags(framing)),
    );
    assert_eq!(client.next_error_line(), format!("logged in as {name}"));
    client
}

/// The next line a client prints that is a message, with its `[<ctime>] `
/// checked and cut off. Our server's notices (`* ...`) are skipped: the
/// original's server has none.
fn next_message(client: &Process) -> String {
    loop {
        let line = client.next_line();
        if line.starts_with("* ") {
            continue;
        }
        let (time, message) = line.split_once("] ").expect("[ctime] prefix");
        assert_eq!(time.len(), 25, "{line}"); // "[Sun Nov 22 09:15:03 2026"
        return message.to_owned();
    }
}

fn start_server(lang: Lang, framing: Framing) -> ServerProcess {
    ServerProcess::start(
        command(lang, "server")
            .args(["--bind", "127.0.0.1:0"])
            .args(framing_flags(framing)),
    )
}

/// alice and bob talk, bob leaves, and the server stops under alice.
fn chat(server_lang: Lang, alice_lang: Lang, bob_lang: Lang, framing: Framing) {
    let context = format!(
        "{server_lang:?} server, {alice_lang:?} alice, {bob_lang:?} bob, \
         {framing:?}"
    );
    let server = start_server(server_lang, framing);
    let mut alice = join(alice_lang, &server, "alice", framing);
    let mut bob = join(bob_lang, &server, "bob", framing);
    // Our server tells who comes and goes, with --lines only: the
    // original's clients have no notices.
    let notices = server_lang == Lang::Rust && framing == Framing::Lines;
    if notices {
        assert_eq!(alice.next_line(), "* bob joined", "{context}");
    }

    alice.type_line("hello bob");
    assert_eq!(next_message(&bob), "alice: hello bob", "{context}");
    bob.type_line("hi alice, 你好");
    assert_eq!(next_message(&alice), "bob: hi alice, 你好", "{context}");
    if framing == Framing::Lines {
        // Back to back: lines keep them apart.
        alice.type_line("one");
        alice.type_line("two");
        assert_eq!(next_message(&bob), "alice: one", "{context}");
    } else {
        // The original framing cannot keep two quick messages apart, so
        // the second waits until the first has arrived, as a person typing
        // would.
        alice.type_line("one");
        assert_eq!(next_message(&bob), "alice: one", "{context}");
        alice.type_line("two");
    }
    assert_eq!(next_message(&bob), "alice: two", "{context}");

    // The end of bob's input: his client leaves and exits.
    bob.close_stdin();
    let exited = bob.wait(Duration::from_secs(5));
    assert!(exited.status.success(), "{context}: {}", exited.stderr);
    if notices {
        assert_eq!(alice.next_line(), "* bob left", "{context}");
    }

    // Ctrl-C on the server: it exits 0, and alice's client ends cleanly
    // (told by ours, by the end of the stream from the original).
    server.interrupt();
    let stopped = server.wait(Duration::from_secs(2));
    assert!(stopped.status.success(), "{context}: {}", stopped.stderr);
    let exited = alice.wait(Duration::from_secs(5));
    assert!(exited.status.success(), "{context}: {}", exited.stderr);
    assert!(
        !exited.stderr.contains("error"),
        "{context}: {}",
        exited.stderr
    );
}

#[test]
fn four_pairings_chat() {
    for framing in [Framing::Raw, Framing::Lines] {
        for server in Lang::BOTH {
            for client in Lang::BOTH {
                chat(server, client, client, framing);
            }
        }
    }
}

/// One room, a Python client and a Rust one, on either server and in
/// either framing.
#[test]
fn a_python_client_and_a_rust_one_share_a_room() {
    for framing in [Framing::Raw, Framing::Lines] {
        for server in Lang::BOTH {
            chat(server, Lang::Python, Lang::Rust, framing);
            chat(server, Lang::Rust, Lang::Python, framing);
        }
    }
}

/// Our client, on the original's server (our Python port, which keeps the
/// name as sent, newline and all), sends what the original's client sends:
/// the bare name. So another original client reads `erin: hi` on one line,
/// where a name sent with a newline reads `dave` and `: yo` on two.
#[test]
fn our_client_sends_the_original_server_its_bare_name() {
    let server = start_server(Lang::Python, Framing::Raw);
    let mut bob = join(Lang::Python, &server, "bob", Framing::Raw);
    let mut erin = join(Lang::Rust, &server, "erin", Framing::Raw);
    erin.type_line("hi");
    let line = bob.next_line();
    assert!(line.ends_with("] erin: hi"), "{line:?}");
    // The server logs the name escaped: `erin`, not `erin\n`.
    let log: Vec<String> = (0..4).map(|_| server.next_error_line()).collect();
    assert!(
        log.iter().any(|l| l.starts_with("erin joined from")),
        "{log:?}"
    );

    // What a newline in the name does to the original server's room.
    let mut dave = std::net::TcpStream::connect(server.addr).unwrap();
    dave.set_read_timeout(Some(netkit::testing::TEST_TIMEOUT))
        .unwrap();
    std::io::Write::write_all(&mut dave, b"dave\n").unwrap();
    assert_eq!(read_exactly(&mut dave, 7), b"success");
    std::io::Write::write_all(&mut dave, b"yo").unwrap();
    let first = bob.next_line();
    assert!(first.ends_with("] dave"), "{first:?}");
    assert_eq!(bob.next_line(), ": yo");
    bob.close_stdin();
    erin.close_stdin();
    assert!(bob.wait(Duration::from_secs(5)).status.success());
    assert!(erin.wait(Duration::from_secs(5)).status.success());
}

/// What another user sends reaches the screen escaped, in both clients
/// with `--lines`: terminal sequences (a title, a clear screen), CR, NUL
/// and bytes that are not UTF-8 are shown, never obeyed.
#[test]
fn peer_bytes_are_shown_escaped() {
    let server = start_server(Lang::Rust, Framing::Lines);
    let readers: Vec<Process> = Lang::BOTH
        .into_iter()
        .enumerate()
        .map(|(i, lang)| {
            join(lang, &server, &format!("reader{i}"), Framing::Lines)
        })
        .collect();
    let mut mallory = std::net::TcpStream::connect(server.addr).unwrap();
    mallory
        .set_read_timeout(Some(netkit::testing::TEST_TIMEOUT))
        .unwrap();
    std::io::Write::write_all(&mut mallory, b"mallory\n").unwrap();
    assert_eq!(read_exactly(&mut mallory, 8), b"success\n");
    let payload = b"\x1b]0;owned\x07\x1b[2Jgone\rover\0\xff!\n";
    std::io::Write::write_all(&mut mallory, payload).unwrap();
    // Each language escapes as its own string literals do.
    let expected = [
        "mallory: \\x1b]0;owned\\x07\\x1b[2Jgone\\rover\\x00\u{fffd}!",
        "mallory: \\u{1b}]0;owned\\u{7}\\u{1b}[2Jgone\\rover\\u{0}\u{fffd}!",
    ];
    for (lang, reader) in Lang::BOTH.into_iter().zip(&readers) {
        let shown = match lang {
            Lang::Python => expected[0],
            Lang::Rust => expected[1],
        };
        assert_eq!(next_message(reader), shown, "{lang:?}");
    }
}
