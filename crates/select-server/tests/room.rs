//! The one-thread chat room: the original's bytes, a user who never
//! reads cut off at the bound while everyone else gets every message,
//! and the goodbye on shutdown. (Everything else the room does is graded
//! from outside by the checker's chat-room stages: see the checker's
//! tests.)

mod common;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::sync::mpsc;
use std::thread;

use chat_room::protocol::Framing;
use netkit::ServerConfig;
use netkit::testing::{TestServer, read_exactly, read_to_close};
use select_server::room::MAX_BEHIND;
use select_server::{Report, Room, serve};
use socket2::SockRef;

use common::{LineUser as User, outrun};

fn start(framing: Framing) -> TestServer<std::io::Result<Report>> {
    start_with_buffers(framing, None)
}

/// A room whose connections have kernel buffers of `buffers` bytes each
/// way (accepted sockets take the listener's sizes), so that a user who
/// stops reading fills them after a few kilobytes, not megabytes.
fn start_with_buffers(
    framing: Framing,
    buffers: Option<usize>,
) -> TestServer<std::io::Result<Report>> {
    start_with(framing, buffers, buffers)
}

/// A room whose connections have send buffers of `send` bytes and
/// receive buffers of `receive`, when given.
fn start_with(
    framing: Framing,
    send: Option<usize>,
    receive: Option<usize>,
) -> TestServer<std::io::Result<Report>> {
    TestServer::start(move |listener, shutdown| {
        let socket = SockRef::from(&listener);
        if let Some(size) = send {
            socket.set_send_buffer_size(size).expect("SO_SNDBUF");
        }
        if let Some(size) = receive {
            socket.set_recv_buffer_size(size).expect("SO_RCVBUF");
        }
        let default = ServerConfig::default();
        let config = ServerConfig {
            log: default.log.clone().quiet(),
            ..default
        };
        let room = Room::new(framing, config.log.clone());
        serve(listener, &shutdown, room, &config)
    })
}

/// Logs `name` in to `server`'s room.
fn join(server: &TestServer<std::io::Result<Report>>, name: &str) -> User {
    User::join(server.connect(), name)
}

#[test]
fn the_original_chat_byte_for_byte() {
    let server = start(Framing::Raw);
    let mut alice = server.connect();
    alice.write_all(b"alice").expect("name");
    assert_eq!(read_exactly(&mut alice, 7), b"success");
    let mut bob = server.connect();
    bob.write_all(b"bob").expect("name");
    assert_eq!(read_exactly(&mut bob, 7), b"success");
    // No notice that bob joined: the original sends none.
    alice.write_all(b"hi bob").expect("say");
    let heard = read_exactly(
        &mut bob,
        "[Sun Nov 22 09:15:03 2026] alice: hi bob".len(),
    );
    let heard = String::from_utf8(heard).expect("UTF-8");
    assert!(
        heard.starts_with('[') && heard.ends_with("] alice: hi bob"),
        "{heard}"
    );
    bob.write_all(b"quit").expect("quit");
    assert_eq!(read_to_close(&mut bob), b"quit");
    assert_eq!(server.stop().expect("serve").connections, 2);
}

/// One user never reads while another receives 2,000 messages of 1 KB.
/// The reader gets every one, in order; the stuck one is cut off once
/// it is more than `MAX_BEHIND` bytes behind, and everyone is told.
#[test]
fn a_user_who_never_reads_is_cut_off_and_the_others_get_everything() {
    const MESSAGES: usize = 2_000;
    const BATCH: usize = 100;
    let server = start_with_buffers(Framing::Lines, Some(8 * 1024));
    let mut sender = join(&server, "sender");
    let stuck = {
        // Its own receive buffer is small too: it holds little.
        let socket = socket2::Socket::new(
            socket2::Domain::IPV4,
            socket2::Type::STREAM,
            None,
        )
        .expect("socket");
        socket.set_recv_buffer_size(4096).expect("SO_RCVBUF");
        socket.connect(&server.addr().into()).expect("connect");
        let mut stream = TcpStream::from(socket);
        stream.write_all(b"stuck\n").expect("name");
        stream
    };
    let mut reader = join(&server, "reader");
    assert_eq!(sender.line(), "* stuck joined");
    assert_eq!(sender.line(), "* reader joined");
    let filler = "x".repeat(1000);
    // The reader reads in its own thread and says how far it got, so the
    // sender is never more than a batch ahead of it: only the stuck user
    // falls behind.
    let (progress, got) = mpsc::channel();
    let reading = thread::spawn(move || {
        let mut notices = Vec::new();
        let mut heard = 0;
        while heard < MESSAGES {
            let line = reader.line();
            if line.starts_with('*') {
                notices.push(line);
                continue;
            }
            let want = format!("] sender: {heard} {filler}");
            assert!(line.ends_with(&want), "message {heard}: {line:.60}");
            heard += 1;
            if heard % BATCH == 0 {
                let _ = progress.send(heard);
            }
        }
        (reader, notices)
    });
    let filler = "x".repeat(1000);
    for batch in 0..MESSAGES / BATCH {
        let lines: String = (batch * BATCH..(batch + 1) * BATCH)
            .map(|i| format!("{i} {filler}\n"))
            .collect();
        sender.stream().write_all(lines.as_bytes()).expect("send");
        got.recv().expect("the reader goes on");
    }
    let (_reader, notices) =
        reading.join().expect("the reader got every message");
    assert_eq!(
        notices,
        ["* stuck was disconnected: not reading its messages"]
    );
    assert!(
        MESSAGES * filler.len() > 4 * MAX_BEHIND,
        "enough to overflow the stuck user's outbox and buffers"
    );
    // The stuck user's connection ends, somewhere in what it was sent.
    let mut stuck = stuck;
    let mut sink = Vec::new();
    let _ = stuck.read_to_end(&mut sink);
    assert!(sink.len() < MESSAGES * filler.len(), "cut off, not served");
    assert_eq!(
        sender.line(),
        "* stuck was disconnected: not reading its messages"
    );
    sender.say("/who");
    assert_eq!(sender.line(), "* online (2): reader, sender");
    server.stop().expect("serve");
}

/// A sender faster than its reader: it writes 600 messages of 1 KB as
/// fast as TCP lets it, while the reader takes one a millisecond. Read
/// at full speed, the sender would put the reader more than
/// [`MAX_BEHIND`] behind, and the reader would be cut off like one that
/// never reads. The room goes at the reader's pace instead: the reader
/// gets every message, in order, and nobody is cut off.
#[test]
fn a_sender_faster_than_its_reader_is_slowed_and_the_reader_kept() {
    const MESSAGES: usize = 600;
    // Enough to cut the reader off if the sender were read at full speed.
    const { assert!(MESSAGES * 1000 > 2 * MAX_BEHIND) };
    // Small send buffers, so that a reader falls behind after a few
    // kilobytes; the receive buffers are left alone, because a receive
    // window smaller than loopback's 64 KiB segments stalls TCP itself
    // (the sender waits for its persist timer, 200 ms and more).
    let server = start_with(Framing::Lines, Some(8 * 1024), None);
    let mut sender = join(&server, "sender");
    let mut reader = join(&server, "reader");
    assert_eq!(sender.line(), "* reader joined");
    outrun(&mut sender, &mut reader, MESSAGES, 1);
    server.stop().expect("serve");
}

/// The same with the kernel's own buffers, megabytes on loopback. A
/// socket whose send buffer is full says it is writable again only once
/// a good part of it is free, which a reader taking 4 KB a millisecond
/// needs longer than the room's 250 ms to free: the room must ask, with
/// a write, before it calls that reader stopped.
#[test]
fn a_slow_reader_behind_megabytes_of_buffers_is_kept() {
    let server = start(Framing::Lines);
    let mut sender = join(&server, "sender");
    let mut reader = join(&server, "reader");
    assert_eq!(sender.line(), "* reader joined");
    outrun(&mut sender, &mut reader, 6_000, 4);
    server.stop().expect("serve");
}

#[test]
fn stopping_tells_every_user_as_the_threaded_room_does() {
    let server = start(Framing::Lines);
    let mut alice = join(&server, "alice");
    let mut bob = join(&server, "bob");
    assert_eq!(alice.line(), "* bob joined");
    server.stop().expect("serve");
    for user in [&mut alice, &mut bob] {
        assert_eq!(user.line(), "* the server is shutting down");
        assert_eq!(user.line(), "quit");
        assert_eq!(user.line(), "", "then the end of the stream");
    }

    let server = start(Framing::Raw);
    let mut carol = server.connect();
    carol.write_all(b"carol").expect("name");
    assert_eq!(read_exactly(&mut carol, 7), b"success");
    server.stop().expect("serve");
    assert_eq!(read_to_close(&mut carol), b"quit");
}
