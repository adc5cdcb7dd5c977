//! The chat, two peers in-process: messages both ways as they arrive,
//! `/peer`, the size limit both ways, the menu, and every way to leave.

mod common;

use std::net::{SocketAddr, UdpSocket};
use std::thread;

use crossbeam_channel::{Receiver, Sender};
use netkit::Shutdown;
use netkit::demo::LineSender;
use netkit::testing::{TEST_TIMEOUT, any_loopback_port};
use udp_chat::MAX_MESSAGE;
use udp_chat::chat::{Mode, chat};

/// A chat peer on its own thread: lines typed in, lines shown out.
struct Peer {
    addr: SocketAddr,
    typed: Sender<String>,
    shown: Receiver<String>,
    shutdown: Shutdown,
    thread: thread::JoinHandle<anyhow::Result<()>>,
}

impl Peer {
    fn start(peer: Option<SocketAddr>, mode: Mode) -> Peer {
        let socket = UdpSocket::bind(any_loopback_port()).expect("bind");
        let addr = socket.local_addr().expect("local address");
        let (typed, input) = crossbeam_channel::unbounded();
        let (shown_tx, shown) = crossbeam_channel::unbounded();
        let shutdown = Shutdown::new();
        let stop = shutdown.clone();
        let thread = thread::spawn(move || {
            chat(
                &socket,
                peer,
                mode,
                &input,
                &mut LineSender::new(shown_tx),
                &stop,
            )
        });
        Peer {
            addr,
            typed,
            shown,
            shutdown,
            thread,
        }
    }

    /// A and B, each talking to the other (A learns B's address by /peer).
    fn pair() -> (Peer, Peer) {
        let a = Peer::start(None, Mode::Live);
        let b = Peer::start(Some(a.addr), Mode::Live);
        a.types(&format!("/peer {}", b.addr));
        assert_eq!(a.next(), format!("talking to {}", b.addr));
        (a, b)
    }

    fn types(&self, line: &str) {
        self.typed
            .send(line.to_owned())
            .expect("the chat is running");
    }

    fn next(&self) -> String {
        self.shown
            .recv_timeout(TEST_TIMEOUT)
            .expect("a line shown in time")
    }

    /// Ends input (EOF) and checks the chat returned cleanly.
    fn leave(self) {
        drop(self.typed);
        let result = self.thread.join().expect("the chat thread panicked");
        result.expect("the chat ended with an error");
    }
}

/// Each peer shows the other's lines as they arrive, with the sender.
#[test]
fn two_peers_talk_both_ways() {
    let (a, b) = Peer::pair();
    a.types("hello B");
    assert_eq!(b.next(), format!(">>> {}: hello B", a.addr));
    b.types("hello A, 你好");
    assert_eq!(a.next(), format!(">>> {}: hello A, 你好", b.addr));
    a.leave();
    b.leave();
}

/// `/peer` changes whom the lines go to.
#[test]
fn peer_command_switches_the_recipient() {
    let (a, b) = Peer::pair();
    let c = Peer::start(None, Mode::Live);
    a.types(&format!("/peer {}", c.addr));
    assert_eq!(a.next(), format!("talking to {}", c.addr));
    a.types("now to C");
    assert_eq!(c.next(), format!(">>> {}: now to C", a.addr));
    a.types("/peer nowhere");
    assert!(a.next().starts_with("error: cannot use \"nowhere\""));
    for peer in [a, b, c] {
        peer.leave();
    }
}

/// A line over the limit is refused before sending, with the reason; an
/// over-long datagram that arrives is reported with its size; a
/// datagram that is not UTF-8 is shown with replacement characters, and
/// control characters escaped.
#[test]
fn size_limit_both_ways_and_odd_bytes() {
    let (a, b) = Peer::pair();
    a.types(&"x".repeat(MAX_MESSAGE + 1));
    assert!(a.next().starts_with("error: not sent: 1025 bytes is over"));
    a.types(&"y".repeat(MAX_MESSAGE));
    assert_eq!(
        b.next().len(),
        format!(">>> {}: ", a.addr).len() + MAX_MESSAGE
    );

    let stranger = UdpSocket::bind(any_loopback_port()).unwrap();
    let from = stranger.local_addr().unwrap();
    stranger.send_to(&vec![b'z'; 65_507], b.addr).unwrap();
    assert!(
        b.next()
            .contains("a 65507-byte datagram, over the 1024-byte limit")
    );
    stranger.send_to(b"\xff\xfeok", b.addr).unwrap();
    assert_eq!(b.next(), format!(">>> {from}: \u{fffd}\u{fffd}ok"));
    stranger.send_to(b"", b.addr).unwrap();
    assert_eq!(b.next(), format!(">>> {from}: "));
    // Escape sequences (retitle, clear the screen), a CR, a NUL: shown,
    // not obeyed.
    stranger
        .send_to(b"\x1b]0;owned\x07\x1b[2J\rback\0\xff", b.addr)
        .unwrap();
    assert_eq!(
        b.next(),
        format!(
            ">>> {from}: \\u{{1b}}]0;owned\\u{{7}}\\u{{1b}}[2J\\rback\\u{{0}}\u{fffd}"
        )
    );
    a.leave();
    b.leave();
}

/// Without a peer, a line is not sent and the chat says how to set one.
#[test]
fn no_peer_yet_says_how_to_set_one() {
    let lonely = Peer::start(None, Mode::Live);
    lonely.types("anyone?");
    assert_eq!(lonely.next(), "error: no peer yet; type /peer HOST:PORT");
    lonely.types("/quit");
    lonely.thread.join().unwrap().unwrap();
}

/// The shutdown handle (Ctrl-C) ends a chat that is waiting for input.
#[test]
fn shutdown_ends_the_chat() {
    let peer = Peer::start(None, Mode::Live);
    peer.shutdown.trigger();
    peer.thread.join().unwrap().unwrap();
}

/// The original's menu: 1 sends after asking message, ip and port; 2
/// shows one waiting datagram.
#[test]
fn menu_mode_sends_and_receives_one_at_a_time() {
    let menu = Peer::start(None, Mode::Menu);
    let live = Peer::start(Some(menu.addr), Mode::Live);
    // The menu is four lines; the prompts have no newline of their own.
    let menu_lines =
        |peer: &Peer| (0..4).map(|_| peer.next()).collect::<Vec<_>>();
    assert_eq!(menu_lines(&menu)[1], "1: send a message");
    for line in ["1", "hi live", "127.0.0.1", &live.addr.port().to_string()] {
        menu.types(line);
    }
    assert_eq!(live.next(), format!(">>> {}: hi live", menu.addr));

    live.types("hi menu");
    menu_lines(&menu);
    // Nothing is shown until the menu is asked to receive.
    assert!(menu.shown.try_recv().is_err());
    menu.types("2");
    let shown = menu.next();
    assert!(
        shown.ends_with(&format!(">>> {}: hi menu", live.addr)),
        "{shown}"
    );
    menu.leave();
    live.leave();
}
