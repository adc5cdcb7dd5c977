//! The bare servers: each lesson's protocol and its threading model, and
//! nothing else. No cap on connections, no timeouts, no logging, no
//! limits on what a peer sends, no shutdown: a few dozen lines each.
//!
//! They exist to be measured, beside the lesson's server and its Python
//! port, with the same netbench clients. The bare one is the limit of the
//! model (a thread per connection, one client at a time, one socket for
//! every datagram); the gap between it and the lesson's server is the
//! cost of doing things properly: the cap, the timeouts, the log lines,
//! the outbox that keeps one slow reader from stalling a chat room.
//! Kept from the lessons, so that the comparison measures the protocol's
//! handling and not a socket option: the listen backlog ([`BACKLOG`]),
//! and `TCP_NODELAY` on the threaded servers' connections.
//!
//! **Never expose a bare server.** They trust every peer: a bare file
//! server sends any file its user can read (`../`, absolute paths), a bare
//! chat room keeps a line without a newline in memory for as long as it
//! grows, and any of them holds a silent client's thread forever. The
//! command line binds them to loopback only
//! ([`loopback_addr`](crate::loopback_addr)); keep it that way.
//!
//! # Try it
//!
//! ```text
//! cargo build --release -p netbench -p hello-echo
//! target/release/netbench bare hello-echo     # "listening on 127.0.0.1:PORT"
//! target/release/netbench hello-echo --connect 127.0.0.1:PORT
//! target/release/netbench bare file-downloader --root /tmp/files
//! printf 'big.bin' | nc 127.0.0.1 PORT | wc -c
//! ```

use std::fs::File;
use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream, UdpSocket};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread;

use jiff::Zoned;
use netkit::NetError;
use netkit::bind::{BACKLOG, bind_tcp, bind_udp};
use netkit::cli::{announce, announce_listener};

/// Which lesson's protocol a bare server speaks.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Lesson {
    /// Lesson 1: `Welcome!`, then `Hello, X!` for every read `X`.
    HelloEcho,
    /// Lesson 2: the time, then close.
    TimeServer,
    /// Lesson 3: `Hello, X!` for every datagram `X`.
    UdpChat,
    /// Lesson 4: a name in, that file's bytes out, close.
    FileDownloader,
    /// Lesson 5: a name line, then every line to every other user.
    ChatRoom,
}

/// One read, as the originals' `recv(1024)`: a message, a name, a
/// datagram (a longer datagram is cut to this, without a word).
const READ_SIZE: usize = 1024;

/// Binds `addr`, prints `listening on IP:PORT`, and serves `lesson`'s
/// protocol until the process is killed. `root` is the file server's
/// directory; the others ignore it.
pub fn serve(
    lesson: Lesson,
    addr: SocketAddr,
    root: &Path,
) -> anyhow::Result<()> {
    let listen = || -> anyhow::Result<TcpListener> {
        let listener =
            bind_tcp(addr, BACKLOG).map_err(|err| NetError::Bind(addr, err))?;
        announce_listener(&listener)?;
        Ok(listener)
    };
    match lesson {
        Lesson::HelloEcho => hello_echo(listen()?),
        Lesson::TimeServer => time_server(listen()?),
        Lesson::UdpChat => {
            let socket =
                bind_udp(addr).map_err(|err| NetError::Bind(addr, err))?;
            announce(socket.local_addr()?);
            udp_chat(socket);
        }
        Lesson::FileDownloader => {
            file_downloader(listen()?, root.to_path_buf());
        }
        Lesson::ChatRoom => chat_room(listen()?),
    }
    Ok(())
}

/// The accept loop of every threaded bare server: accept, start a thread,
/// forget it. A failed accept is skipped and a thread that cannot start
/// drops its connection, silently: no cap, no backoff, no log. Out of
/// file descriptors, this loop spins; that too is the model's limit.
fn thread_per_connection(
    listener: TcpListener,
    handle: impl Fn(TcpStream) -> io::Result<()> + Clone + Send + 'static,
) {
    for stream in listener.incoming() {
        let Ok(stream) = stream else { continue };
        let handle = handle.clone();
        // A handler's error ends its connection, and nothing else.
        let _ = thread::Builder::new().spawn(move || {
            // Small replies leave at once instead of waiting for an ACK.
            let _ = stream.set_nodelay(true);
            let _ = handle(stream);
        });
    }
}

/// Lesson 1's raw protocol: a thread per connection, `Welcome!`, then
/// each read of up to 1024 bytes is one message `X`, answered
/// `Hello, X!`; `exit` ends the connection. Never returns. The lesson's
/// server also has a cap, read and write timeouts, a log, a shutdown,
/// `--lines` and `--delay`.
pub fn hello_echo(listener: TcpListener) {
    thread_per_connection(listener, |mut stream| {
        stream.write_all(b"Welcome!")?;
        let mut buf = [0; READ_SIZE];
        loop {
            // One read is taken as one message, as in the original; a
            // read of 0 bytes is the client's close.
            let message = match stream.read(&mut buf)? {
                0 => return Ok(()),
                n => &buf[..n],
            };
            if message == b"exit" {
                return Ok(());
            }
            stream.write_all(&[b"Hello, ", message, b"!"].concat())?;
        }
    });
}

/// Lesson 2's time server, one client at a time on the accepting thread,
/// as the lesson's: the local time as Python's `str(datetime.now())`
/// (`2026-11-22 09:15:03.123456`, always six digits: Python, and the
/// lesson, write none when they are 0), then close. Never returns. The
/// lesson's server also never blocks on a send, closes without a reset,
/// has a log and a shutdown, and speaks RFC 867, RFC 868 and UDP.
pub fn time_server(listener: TcpListener) {
    for stream in listener.incoming() {
        let Ok(mut stream) = stream else { continue };
        // A fixed, valid format: formatting cannot fail.
        let now = Zoned::now().strftime("%Y-%m-%d %H:%M:%S%.6f").to_string();
        // The close (when `stream` is dropped) ends the message.
        let _ = stream.write_all(now.as_bytes());
    }
}

/// Lesson 3's UDP echo: one socket, one loop; each datagram `X` (cut to
/// 1024 bytes) is answered `Hello, X!`. Never returns. The lesson's
/// server also answers a longer datagram with an error, and has a log
/// and a shutdown.
pub fn udp_chat(socket: UdpSocket) {
    let mut buf = [0; READ_SIZE];
    loop {
        let Ok((len, from)) = socket.recv_from(&mut buf) else {
            continue;
        };
        // One send_to is one datagram: it goes whole or not at all.
        let _ = socket.send_to(&[b"Hello, ", &buf[..len], b"!"].concat(), from);
    }
}

/// Lesson 4's raw protocol: a thread per connection; one read of up to
/// 1024 bytes is the file's name, `root/NAME` is sent with `sendfile(2)`
/// (the lesson's default on Linux, `--copy sendfile`), then close. A
/// name that cannot be opened gets a close and nothing else. Never
/// returns.
///
/// **No confinement:** `../` climbs out of `root` and an absolute name
/// replaces it, so this server sends any file its user can read. The
/// lesson's server opens names only under its root (symlinks included),
/// sends regular files only, closes without a reset, has a cap, timeouts,
/// a log and a shutdown, and speaks `--framed`.
pub fn file_downloader(listener: TcpListener, root: PathBuf) {
    thread_per_connection(listener, move |mut stream| {
        let mut buf = [0; READ_SIZE];
        let n = match stream.read(&mut buf)? {
            0 => return Ok(()), // closed without asking
            n => n,
        };
        // The name as sent, as in the original: not trimmed, and UTF-8
        // (the original's `decode`) or nothing.
        let Ok(name) = std::str::from_utf8(&buf[..n]) else {
            return Ok(());
        };
        // A directory opens too, and then sendfile refuses it: the
        // connection just closes.
        let file = File::open(root.join(name))?;
        send_file(&file, &stream)
    });
}

/// Moves the whole file into the socket inside the kernel, from the
/// file's current position until `sendfile` reports its end.
#[cfg(target_os = "linux")]
fn send_file(file: &File, stream: &TcpStream) -> io::Result<()> {
    // Linux sends at most this much per call; like `write`, it may send
    // less than asked, so loop.
    const MAX_PER_CALL: usize = 0x7fff_f000;
    while rustix::fs::sendfile(stream, file, None, MAX_PER_CALL)? > 0 {}
    Ok(())
}

/// `sendfile(2)` is Linux's: elsewhere, a plain copy.
#[cfg(not(target_os = "linux"))]
fn send_file(mut file: &File, mut stream: &TcpStream) -> io::Result<()> {
    io::copy(&mut file, &mut stream).map(drop)
}

/// The users in a bare chat room: the address of each (to skip the
/// sender) and a handle on its socket to write to.
type Users = Mutex<Vec<(SocketAddr, TcpStream)>>;

/// Lesson 5's line protocol, enough for the bench: a thread per user; the
/// first line is the name, answered `success`; every later line `TEXT`
/// is written as `[ctime] NAME: TEXT` to every other user, by the
/// sender's thread, with the list of users locked. Never returns.
///
/// One user who stops reading fills its socket's buffers, and then the
/// write to it blocks the sender's thread with the lock held: the whole
/// room stops. That is the original's model, and the point of comparing:
/// the lesson's server gives every user an outbox and a writer thread,
/// and cuts a user whose outbox stays full. It also checks names, bounds
/// a line, announces arrivals, has commands, a cap, timeouts, a log and a
/// shutdown.
pub fn chat_room(listener: TcpListener) {
    let users: Arc<Users> = Arc::default();
    thread_per_connection(listener, move |stream| chat_user(stream, &users));
}

/// One user's thread: the login, then each line to every other user.
fn chat_user(stream: TcpStream, users: &Users) -> io::Result<()> {
    let id = stream.peer_addr()?;
    let mut lines = BufReader::new(&stream);
    let mut name = Vec::new();
    // No limit on a line: a peer that never sends `\n` grows it forever.
    lines.read_until(b'\n', &mut name)?;
    if name.pop() != Some(b'\n') {
        return Ok(()); // closed before its name's end
    }
    let name = String::from_utf8_lossy(&name).into_owned();
    {
        let mut users = users.lock().unwrap_or_else(PoisonError::into_inner);
        // Under the lock, so that no message can come before `success`.
        (&stream).write_all(b"success\n")?;
        users.push((id, stream.try_clone()?));
    }
    let mut text = Vec::new();
    // A read of 0 bytes (the user closed) ends the loop, as does an error
    // or a last line cut off by the close.
    while lines.read_until(b'\n', &mut text)? > 0 && text.ends_with(b"\n") {
        let ctime = Zoned::now().strftime("%a %b %e %H:%M:%S %Y");
        let line = [format!("[{ctime}] {name}: ").as_bytes(), &text].concat();
        text.clear();
        let mut users = users.lock().unwrap_or_else(PoisonError::into_inner);
        // A user whose write fails has gone: drop it from the room.
        users.retain(|(other, to)| {
            *other == id || (&mut &*to).write_all(&line).is_ok()
        });
    }
    let mut users = users.lock().unwrap_or_else(PoisonError::into_inner);
    users.retain(|(other, _)| *other != id);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use netkit::testing::{TestServer, connect, read_exactly, read_to_close};

    /// Welcome, then a greeting per message, and `exit` closes.
    #[test]
    fn hello_echo_welcomes_then_greets_until_exit() {
        let server = TestServer::start(|listener, _| hello_echo(listener));
        let mut client = server.connect();
        assert_eq!(read_exactly(&mut client, 8), b"Welcome!");
        client.write_all(b"Ada").unwrap();
        assert_eq!(read_exactly(&mut client, 11), b"Hello, Ada!");
        client.write_all(b"exit").unwrap();
        assert_eq!(read_to_close(&mut client), b"");
    }

    /// The answer is the local time in Python's `str(datetime)` format,
    /// within a minute of ours, and the close ends it.
    #[test]
    fn time_server_sends_the_local_time_then_closes() {
        let server = TestServer::start(|listener, _| time_server(listener));
        let got = String::from_utf8(read_to_close(&mut server.connect()));
        let got = got.unwrap();
        let (_, fraction) = got.split_once('.').unwrap();
        assert_eq!(fraction.len(), 6, "{got:?}");
        let sent =
            jiff::civil::DateTime::strptime("%Y-%m-%d %H:%M:%S%.f", &got)
                .unwrap();
        let off = Zoned::now().datetime().duration_since(sent);
        assert!(off.as_secs().abs() < 60, "{got:?} is {off:?} off");
    }

    /// Every datagram gets its greeting, sent back to where it came from
    /// (the client's socket is connected to the server's address).
    #[test]
    fn udp_chat_greets_each_datagram() {
        let server = TestServer::start_udp(|socket, _| udp_chat(socket));
        let client = server.udp_client();
        let mut buf = [0; 64];
        for name in [&b"Ada"[..], b"Grace"] {
            client.send(name).unwrap();
            let len = client.recv(&mut buf).unwrap();
            assert_eq!(buf[..len], [b"Hello, ", name, b"!"].concat());
        }
    }

    /// A file's exact bytes, larger than a socket buffer; a name that
    /// does not exist gets a close and nothing.
    #[test]
    fn file_downloader_sends_the_named_file_then_closes() {
        let root = tempfile::TempDir::new().unwrap();
        let bytes: Vec<u8> =
            (0..3_000_000u32).map(|i| (i % 251) as u8).collect();
        std::fs::write(root.path().join("big.bin"), &bytes).unwrap();
        let served = root.path().to_path_buf();
        let server = TestServer::start(move |listener, _| {
            file_downloader(listener, served);
        });
        for (name, expected) in [(&b"big.bin"[..], &bytes[..]), (b"nope", b"")]
        {
            let mut client = server.connect();
            client.write_all(name).unwrap();
            let got = read_to_close(&mut client);
            assert!(got == expected, "{name:?}: {} bytes", got.len());
        }
    }

    /// Logs `name` in and returns a reader of its lines.
    fn log_in(addr: SocketAddr, name: &str) -> BufReader<TcpStream> {
        let mut stream = connect(addr);
        stream.write_all(format!("{name}\n").as_bytes()).unwrap();
        let mut lines = BufReader::new(stream);
        assert_eq!(next_line(&mut lines), "success\n");
        lines
    }

    fn next_line(lines: &mut BufReader<TcpStream>) -> String {
        let mut line = String::new();
        lines.read_line(&mut line).unwrap();
        line
    }

    /// A line reaches the other user as `[ctime] NAME: TEXT`, and not its
    /// sender: the next line the sender reads is the other's answer.
    #[test]
    fn chat_room_passes_each_line_to_every_other_user() {
        let server = TestServer::start(|listener, _| chat_room(listener));
        let mut alice = log_in(server.addr(), "alice");
        let mut bob = log_in(server.addr(), "bob");
        alice.get_mut().write_all(b"hi bob\n").unwrap();
        let heard = next_line(&mut bob);
        assert!(heard.starts_with('['), "{heard:?}");
        assert!(heard.ends_with("] alice: hi bob\n"), "{heard:?}");
        bob.get_mut().write_all(b"hi\n").unwrap();
        let heard = next_line(&mut alice);
        assert!(heard.ends_with("] bob: hi\n"), "{heard:?}");
    }

    /// A port in use is an error that says what to do, not a panic.
    #[test]
    fn a_port_in_use_is_refused_with_the_fix() {
        let taken = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = taken.local_addr().unwrap();
        let err = serve(Lesson::HelloEcho, addr, Path::new(".")).unwrap_err();
        assert!(err.to_string().contains("--bind"), "{err}");
    }
}
