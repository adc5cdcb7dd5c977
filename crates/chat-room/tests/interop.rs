//! Python and Rust against each other. Each server (our Python port of
//! the original, and the Rust one) gets two clients, alice and bob, in
//! every mix: both Python, both Rust (the four pairings), and one of each
//! (a room where an original client meets one of ours).

use std::time::Duration;

use netkit::testing::{Lang, Process, ServerProcess};

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
fn join(lang: Lang, server: &ServerProcess, name: &str) -> Process {
    let addr = server.addr.to_string();
    let client = Process::start_interactive(command(lang, "client").args([
        "-u",
        name,
        "--connect",
        &addr,
    ]));
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

/// alice and bob talk, bob leaves, and the server stops under alice.
fn chat(server_lang: Lang, alice_lang: Lang, bob_lang: Lang) {
    let context = format!(
        "{server_lang:?} server, {alice_lang:?} alice, {bob_lang:?} bob"
    );
    let server = ServerProcess::start(
        command(server_lang, "server").args(["--bind", "127.0.0.1:0"]),
    );
    let mut alice = join(alice_lang, &server, "alice");
    let mut bob = join(bob_lang, &server, "bob");
    // Our server tells its own clients (not the original's) who comes
    // and goes.
    let notices = server_lang == Lang::Rust && alice_lang == Lang::Rust;
    if notices {
        assert_eq!(alice.next_line(), "* bob joined", "{context}");
    }

    alice.type_line("hello bob");
    assert_eq!(next_message(&bob), "alice: hello bob", "{context}");
    bob.type_line("hi alice, 你好");
    assert_eq!(next_message(&alice), "bob: hi alice, 你好", "{context}");
    alice.type_line("one");
    alice.type_line("two");
    assert_eq!(next_message(&bob), "alice: one", "{context}");
    assert_eq!(next_message(&bob), "alice: two", "{context}");

    // The end of bob's input: his client says quit and exits.
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
    for server in Lang::BOTH {
        for client in Lang::BOTH {
            chat(server, client, client);
        }
    }
}

/// One room, two framings: the original's client (bare bytes) and ours
/// (lines) in the same room, on either server.
#[test]
fn an_original_client_and_ours_share_a_room() {
    for server in Lang::BOTH {
        chat(server, Lang::Python, Lang::Rust);
        chat(server, Lang::Rust, Lang::Python);
    }
}
