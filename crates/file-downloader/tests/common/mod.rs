//! Helpers shared by this crate's integration tests: a served folder with
//! awkward files in it, a secret outside it, servers in-process, and
//! requests written byte by byte.

#![allow(dead_code)] // each test file uses a different part of it

use std::fs;
use std::io::{self, Write};
use std::net::{Shutdown, SocketAddr};
use std::os::unix::fs::symlink;
use std::path::{Path, PathBuf};
use std::process::Command;

use crossbeam_channel::Receiver;
use file_downloader::server::SEND_BUF_SIZE;
use file_downloader::{Protocol, Root, ServerOptions, Streaming, serve};
use netkit::testing::{TEST_TIMEOUT, TestServer, connect, read_to_close};
use netkit::{Log, ServeReport, ServerConfig};
use tempfile::TempDir;

/// What the file outside the root holds: no response may contain it.
pub const SECRET: &[u8] = b"SECRET: this file is outside the served folder";

/// The served files: (name, size). Sizes around the edges: nothing, the
/// original's 1024-byte read, two server buffers exactly, and an odd size
/// over 1 MiB that no buffer divides.
pub const FILES: [(&str, usize); 5] = [
    ("empty", 0),
    ("small.txt", 14),
    ("exactly-1024", 1024),
    ("two-buffers", 2 * SEND_BUF_SIZE),
    ("odd-size.bin", 3 * 1024 * 1024 + 17),
];

/// A file's contents: a pattern that differs at every offset modulo 251
/// (a prime), so a shifted or repeated block shows up.
pub fn contents(size: usize) -> Vec<u8> {
    (0..size).map(|i| (i % 251) as u8).collect()
}

/// A folder to serve and a secret beside it.
///
/// ```text
/// <top>/secret              outside the root
/// <top>/root/<FILES>        served
/// <top>/root/sub/inner.txt
/// <top>/root/inside-link -> small.txt
/// <top>/root/outside-link -> ../secret
/// <top>/root/absolute-link -> <top>/secret
/// <top>/root/sub-link -> sub
/// <top>/root/fifo           a named pipe
/// ```
pub struct Fixture {
    top: TempDir,
}

impl Fixture {
    pub fn new() -> Fixture {
        let top = tempfile::tempdir().expect("temp dir");
        let root = top.path().join("root");
        fs::create_dir_all(root.join("sub")).expect("mkdir");
        fs::write(top.path().join("secret"), SECRET).expect("secret");
        for (name, size) in FILES {
            fs::write(root.join(name), contents(size)).expect("write");
        }
        fs::write(root.join("sub/inner.txt"), b"inner\n").expect("write");
        symlink("small.txt", root.join("inside-link")).expect("symlink");
        symlink("../secret", root.join("outside-link")).expect("symlink");
        symlink(top.path().join("secret"), root.join("absolute-link"))
            .expect("symlink");
        symlink("sub", root.join("sub-link")).expect("symlink");
        let made = Command::new("mkfifo")
            .arg(root.join("fifo"))
            .status()
            .expect("run mkfifo");
        assert!(made.success(), "mkfifo failed");
        Fixture { top }
    }

    pub fn root(&self) -> PathBuf {
        self.top.path().join("root")
    }

    pub fn secret_path(&self) -> PathBuf {
        self.top.path().join("secret")
    }

    /// Adds a sparse file of `size` zero bytes to the root: as large as a
    /// test needs, but it takes no disk space to serve.
    pub fn sparse(&self, name: &str, size: u64) {
        fs::File::create(self.root().join(name))
            .and_then(|file| file.set_len(size))
            .expect("sparse file");
    }

    /// A fresh empty folder to download into.
    pub fn downloads(&self) -> PathBuf {
        // Kept: the whole tree goes when `top` is dropped.
        tempfile::tempdir_in(self.top.path())
            .expect("temp dir")
            .keep()
    }
}

/// The server's log, line by line.
pub struct Logbook {
    lines: Receiver<String>,
}

impl Logbook {
    /// Waits for a line containing `text` and returns it; fails the test
    /// after TEST_TIMEOUT.
    pub fn wait_for(&self, text: &str) -> String {
        loop {
            let line =
                self.lines.recv_timeout(TEST_TIMEOUT).unwrap_or_else(|_| {
                    panic!("no log line containing {text:?} in time")
                });
            if line.contains(text) {
                return line;
            }
        }
    }
}

/// A log that goes to a [`Logbook`].
pub fn logbook() -> (Log, Logbook) {
    let (sender, lines) = crossbeam_channel::unbounded();
    let log = Log::to(move |line| {
        let _ = sender.send(line.to_owned());
    });
    (log, Logbook { lines })
}

pub type Server = TestServer<io::Result<ServeReport>>;

/// A server for `root` in-process on 127.0.0.1:0.
pub fn start_server(
    root: &Path,
    protocol: Protocol,
    streaming: Streaming,
) -> (Server, Logbook) {
    let (log, logbook) = logbook();
    let root = Root::open(root).expect("open root");
    let options = ServerOptions {
        protocol,
        streaming,
        net: ServerConfig {
            log,
            ..Default::default()
        },
    };
    let server = TestServer::start(move |listener, shutdown| {
        serve(listener, &shutdown, root, &options)
    });
    (server, logbook)
}

/// Sends `request` as one write, half-closes, and returns every byte the
/// server sent until it closed.
pub fn exchange(addr: SocketAddr, request: &[u8]) -> Vec<u8> {
    let mut stream = connect(addr);
    stream.write_all(request).expect("send request");
    stream.shutdown(Shutdown::Write).expect("half-close");
    read_to_close(&mut stream)
}

/// The original protocol's request: the name, nothing else.
pub fn raw_get(addr: SocketAddr, name: &[u8]) -> Vec<u8> {
    exchange(addr, name)
}

/// A `--framed` request for `name` from `offset`.
pub fn framed_get(addr: SocketAddr, offset: u64, name: &[u8]) -> Vec<u8> {
    let request = [format!("FETCH {offset} ").as_bytes(), name, b"\n"].concat();
    exchange(addr, &request)
}

/// `OK <size>\n` followed by `body`.
pub fn ok(size: usize, body: &[u8]) -> Vec<u8> {
    [format!("OK {size}\n").as_bytes(), body].concat()
}

/// Whether `haystack` contains `needle` anywhere.
pub fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack
        .windows(needle.len())
        .any(|window| window == needle)
}
