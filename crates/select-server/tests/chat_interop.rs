//! The chat room's four pairings: our Python port (selectors) and the Rust
//! server (mio), each with lesson 5's Python and Rust clients, unchanged,
//! in both framings. The Rust client runs in-process (lesson 5's `login`
//! and `chat`), the Python one as lesson 5's `client.py`: what each prints
//! is what it prints against lesson 5's servers. Last, the room's pace,
//! which `tests/room.rs` tests in-process for the Rust server, is tested
//! here for the Python port.

mod common;

use std::net::TcpStream;
use std::process::Command;
use std::thread::{self, JoinHandle};
use std::time::Duration;

use chat_room::client::{ANSWER_WAIT, chat, login};
use chat_room::protocol::Framing;
use crossbeam_channel::{Receiver, Sender};
use netkit::Shutdown;
use netkit::demo::LineSender;
use netkit::testing::{Lang, Process, ServerProcess, TEST_TIMEOUT};

use common::{LineUser, outrun};

fn framing_flags(framing: Framing) -> &'static [&'static str] {
    match framing {
        Framing::Raw => &[],
        Framing::Lines => &["--lines"],
    }
}

fn start_server(lang: Lang, framing: Framing) -> ServerProcess {
    let mut command = lang.command(
        env!("CARGO_MANIFEST_DIR"),
        env!("CARGO_BIN_EXE_select-server"),
        "server",
    );
    ServerProcess::start(
        command
            .args(["--protocol", "chat", "--bind", "127.0.0.1:0"])
            .args(framing_flags(framing)),
    )
}

/// One of lesson 5's clients, logged in.
enum User {
    Python(Process),
    Rust {
        typing: Option<Sender<String>>,
        seen: Receiver<String>,
        session: JoinHandle<anyhow::Result<()>>,
    },
}

impl User {
    fn join(
        lang: Lang,
        server: &ServerProcess,
        name: &str,
        framing: Framing,
    ) -> User {
        let addr = server.addr.to_string();
        match lang {
            Lang::Python => {
                let script = concat!(
                    env!("CARGO_MANIFEST_DIR"),
                    "/../chat-room/python/client.py"
                );
                let client = Process::start_interactive(
                    Command::new("python3")
                        .args([script, "-u", name, "--connect", &addr])
                        .args(framing_flags(framing)),
                );
                let said = client.next_error_line();
                assert_eq!(said, format!("logged in as {name}"));
                User::Python(client)
            }
            Lang::Rust => {
                let stream = netkit::connect(&addr).expect("connect");
                let early = login(&stream, name, framing, ANSWER_WAIT)
                    .expect("logged in");
                let (typing, input) = crossbeam_channel::unbounded();
                let (lines, seen) = crossbeam_channel::unbounded();
                let session = thread::spawn(move || {
                    let output = LineSender::new(lines);
                    let stop = Shutdown::new();
                    chat(&stream, framing, early, &input, output, false, &stop)
                });
                User::Rust {
                    typing: Some(typing),
                    seen,
                    session,
                }
            }
        }
    }

    fn type_line(&mut self, text: &str) {
        match self {
            User::Python(client) => client.type_line(text),
            User::Rust { typing, .. } => typing
                .as_ref()
                .expect("still typing")
                .send(text.to_owned())
                .expect("the session reads its input"),
        }
    }

    /// The next message it prints, with its `[<ctime>] ` checked and cut
    /// off; the notices (`* ...`) of `--lines` are skipped.
    fn next_message(&self) -> String {
        loop {
            let line = match self {
                User::Python(client) => client.next_line(),
                User::Rust { seen, .. } => {
                    seen.recv_timeout(TEST_TIMEOUT).expect("a line")
                }
            };
            if line.starts_with("* ") {
                continue;
            }
            let (time, message) =
                line.split_once("] ").expect("[ctime] prefix");
            assert_eq!(time.len(), 25, "{line}"); // "[Sun Nov 22 09:15:03 2026"
            return message.to_owned();
        }
    }

    /// Ends its input, as Ctrl-D does; it leaves, and ends without an
    /// error.
    fn leave(self) {
        match self {
            User::Python(mut client) => {
                client.close_stdin();
                let exited = client.wait(Duration::from_secs(5));
                assert!(exited.status.success(), "{}", exited.stderr);
            }
            User::Rust {
                typing, session, ..
            } => {
                drop(typing);
                session
                    .join()
                    .expect("the session did not panic")
                    .expect("the session ended cleanly");
            }
        }
    }
}

/// alice and bob talk, bob leaves, and the server stops under alice.
fn chat_session(server_lang: Lang, client_lang: Lang, framing: Framing) {
    let context =
        format!("{server_lang:?} server, {client_lang:?} clients, {framing:?}");
    let server = start_server(server_lang, framing);
    let mut alice = User::join(client_lang, &server, "alice", framing);
    let mut bob = User::join(client_lang, &server, "bob", framing);
    alice.type_line("hello bob");
    assert_eq!(bob.next_message(), "alice: hello bob", "{context}");
    bob.type_line("hi alice, 你好");
    assert_eq!(alice.next_message(), "bob: hi alice, 你好", "{context}");
    bob.leave();
    server.interrupt();
    let stopped = server.wait(Duration::from_secs(2));
    assert!(stopped.status.success(), "{context}: {}", stopped.stderr);
    // Told `quit` (and, with --lines, why), alice's client ends cleanly.
    alice.leave();
}

#[test]
fn four_pairings_chat() {
    for framing in [Framing::Raw, Framing::Lines] {
        for server in Lang::BOTH {
            for client in Lang::BOTH {
                chat_session(server, client, framing);
            }
        }
    }
}

/// A connection to `server` whose kernel holds little for it: on the
/// server's side too, though the server sets no buffer size. Linux sizes
/// a socket's send buffer from its segment size: loopback's 64 KiB
/// segments give the server 4 MB to hold a reader's backlog in, so
/// nothing would wait in the server's own outbox. This reader announces
/// 536-byte segments (TCP_MAXSEG, sent in its SYN), and the server's send
/// buffer for it starts at 138 KB (measured with `ss`); its 4 KiB receive
/// buffer keeps the window small.
fn small_buffered(server: &ServerProcess) -> TcpStream {
    use socket2::{Domain, Socket, Type};
    let socket = Socket::new(Domain::IPV4, Type::STREAM, None).expect("socket");
    socket.set_recv_buffer_size(4096).expect("SO_RCVBUF");
    socket.set_tcp_mss(536).expect("TCP_MAXSEG");
    socket
        .connect_timeout(&server.addr.into(), TEST_TIMEOUT)
        .expect("connect");
    socket
        .set_read_timeout(Some(TEST_TIMEOUT))
        .expect("timeout");
    socket
        .set_write_timeout(Some(TEST_TIMEOUT))
        .expect("timeout");
    socket.into()
}

/// The Python port goes at its slowest reader's pace, as the Rust room
/// does (`tests/room.rs`): a sender writes 1,200 messages of 1 KB flat
/// out, a reader takes one a millisecond. Read at full speed, the sender
/// put the reader more than 256 KiB behind, and the reader was cut off
/// like one that never reads (at message 100 to 400 in 20 runs of the
/// port before the pace). Slowed to the reader's pace instead, the sender
/// is heard in full: the reader gets every message, in order, and nobody
/// is cut off.
#[test]
fn python_room_slows_a_sender_to_its_readers_pace() {
    let server = start_server(Lang::Python, Framing::Lines);
    let mut sender =
        LineUser::join(netkit::testing::connect(server.addr), "sender");
    let mut reader = LineUser::join(small_buffered(&server), "reader");
    assert_eq!(sender.line(), "* reader joined");
    outrun(&mut sender, &mut reader, 1_200, 1);
    server.interrupt();
    let stopped = server.wait(Duration::from_secs(2));
    assert!(stopped.status.success(), "{}", stopped.stderr);
}
