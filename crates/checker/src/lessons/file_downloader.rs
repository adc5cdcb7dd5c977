//! file-downloader's stages: the server in the original protocol (a
//! small file, a missing one, names that climb out of the root, a file
//! of 256 MiB that must be streamed, clients that vanish, Ctrl-C), then
//! with `--framed`, then the client with the checker as its server.
//!
//! The protocol (`program`/`checker` as in the reports):
//!
//! ```text
//! checker: notes.txt                (one write, no newline)
//! program: ...the file's bytes...
//! program: (closes: the end of the file)
//!
//! checker: FETCH 4096 notes.txt\n   (--framed; 4096: resume from there)
//! program: OK 5103\n
//! program: ...the bytes from 4096 on...
//! ```
//!
//! Every stage serves files it writes into a directory of its own
//! (`--root`), with random names and contents from the run's seed, and
//! deletes them at its end.

use std::fs;
use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::thread;
use std::time::{Duration, Instant};

use file_downloader::wire::{self, Header};
use file_downloader::{MAX_NAME_LEN, MAX_REQUEST_LINE};
use tempfile::TempDir;

use crate::lessons::shared::{
    LIVES, exit_code, group_members, still_running, stops_on_ctrl_c,
};
use crate::lessons::{CLIENT, Lesson, SERVER};
use crate::report::{Failure, shown};
use crate::stage::{Ctx, End, Stage};
use crate::wire::{Peer, REPLY_TIMEOUT};

/// The file of `big-file`: "several hundred MiB", far more than a
/// server needs in memory to send it, written in blocks of
/// [`BLOCK`] bytes that each start with their number, so that a block
/// sent twice, or skipped, shows.
const BIG_SIZE: u64 = 256 * MIB;
const BLOCK: usize = 1024 * 1024;
const MIB: u64 = 1024 * 1024;

/// How much a server's memory (the resident set of its process group)
/// may grow while it sends the big file: room for buffers, an
/// interpreter's heap and a thread or two, a quarter of the file.
const RSS_GROWTH: u64 = 64 * MIB;

/// How often the server's memory is sampled during the big transfer.
const RSS_EVERY: Duration = Duration::from_millis(10);

/// How long the whole big transfer may take: loopback carries GiB/s,
/// so this is for a slow, loaded machine.
const BIG_WITHIN: Duration = Duration::from_secs(60);

/// The file of `vanish`: larger than the socket buffers of both ends
/// together (a few MiB on Linux), so the server is still sending when
/// its client goes.
const VANISH_SIZE: u64 = 32 * MIB;

/// How much a checker's read asks for when it takes a big file: large
/// reads, so that the checker is never what slows a transfer down.
const BIG_READ: usize = 1024 * 1024;

/// The pauses between the pieces of a file the checker sends in pieces:
/// long enough that each piece usually arrives in a read of its own.
const PIECE_PAUSE: Duration = Duration::from_millis(30);

const FRAMED: &[&str] = &["--framed"];

/// The name the client is told to save to (`-o`), in a directory of its
/// own.
const OUTPUT: &str = "saved";

/// file-downloader: lesson 4.
pub const LESSON: Lesson = Lesson {
    name: "file-downloader",
    exercise: "file-downloader-exercise",
    exercise_dir: "crates/exercises/file-downloader",
    server: Some(SERVER),
    client: Some(CLIENT),
    peer: None,
    stages: &[
        Stage {
            slug: "listen",
            checks: "prints `listening on ADDR`, keeps running, accepts a connection there",
            why: "A server's socket goes through socket(), bind() and listen() before a client can connect; only then does the server print where it listens. From then on it accepts clients for as long as it runs.",
            book: "file-downloader.md#the-server-a-thread-per-client",
            hint: "Read `serve` in crates/file-downloader/src/server.rs: netkit opens the listener and runs the accept loop, a thread per client.",
            end: End::Server,
            flags: &[],
            run: listen,
        },
        Stage {
            slug: "small-file",
            checks: "answers a file name with the file's bytes, then closes",
            why: "The original protocol has no header and no terminator: the name arrives in one read, the file's bytes follow, and the server's close (a read of 0 bytes at the client) is the only end of file there is.",
            book: "file-downloader.md#the-original-protocol",
            hint: "Read `handle_raw` in crates/file-downloader/src/server.rs: one read for the name, `parse_name` (crates/file-downloader/src/path.rs), `open_file`, then `send_file` and the close.",
            end: End::Server,
            flags: &[],
            run: small_file,
        },
        Stage {
            slug: "missing",
            checks: "answers a missing file with a close and no bytes, and goes on serving",
            why: "The original protocol has one way to say no: close without sending anything. Any byte sent instead (an error message) would be saved by the client as the file.",
            book: "file-downloader.md#the-original-protocol",
            hint: "Read `handle_raw` in crates/file-downloader/src/server.rs: a Refusal is logged, and the connection closes with nothing sent.",
            end: End::Server,
            flags: &[],
            run: missing,
        },
        Stage {
            slug: "traversal",
            checks: "sends nothing for 15 names that lead out of the root",
            why: "The name is hostile input: `..`, an absolute path, a symlink or /proc/self can each reach a file outside the served directory. Refuse names that climb, and let the open itself refuse a path that leads out.",
            book: "file-downloader.md#path-confinement-the-name-is-hostile-input",
            hint: "Read `parse_name` in crates/file-downloader/src/path.rs (the name itself) and `open_file` in crates/file-downloader/src/server.rs (the open, beneath the root).",
            end: End::Server,
            flags: &[],
            run: traversal,
        },
        Stage {
            slug: "big-file",
            checks: "streams a 256 MiB file whole, its memory growing by less than 64 MiB",
            why: "A file can be larger than the server's memory. Read a buffer, write it, repeat (or let sendfile() move the bytes): the memory stays the same whatever the file's size.",
            book: "file-downloader.md#streaming-the-file-send_range",
            hint: "Read `send_range` and `copy_buffered` in crates/file-downloader/src/server.rs: a fixed buffer, or sendfile(2).",
            end: End::Server,
            flags: &[],
            run: big_file,
        },
        Stage {
            slug: "vanish",
            checks: "keeps serving after clients vanish in the middle of a transfer",
            why: "A client can go at any moment; its reset makes the server's next write fail (ECONNRESET, EPIPE). That error belongs to one connection: log it, close it, serve the next.",
            book: "file-downloader.md#streaming-the-file-send_range",
            hint: "Read `send_file` in crates/file-downloader/src/server.rs: a transfer cut by the client is logged with how far it got, and the server goes on.",
            end: End::Server,
            flags: &[],
            run: vanish,
        },
        Stage {
            slug: "stop",
            checks: "exits 0 within 2 s of Ctrl-C, with a client connected",
            why: "Ctrl-C sends SIGINT. Without a handler a Rust program dies at once, killed by the signal; a server catches it, stops accepting, closes its connections and exits 0.",
            book: "file-downloader.md#the-server-a-thread-per-client",
            hint: "Read `trigger_on_signals` in crates/netkit/src/shutdown.rs, and `run` in crates/file-downloader/src/main.rs: the server's loop returns when the shutdown handle triggers.",
            end: End::Server,
            flags: &[],
            run: stop,
        },
        Stage {
            slug: "framed-size",
            checks: "with --framed: answers `FETCH 0 NAME` with `OK SIZE`, the bytes, a close",
            why: "A header that gives the size lets the client tell a whole file from one cut short: a TCP stream ends the same way (FIN) whether the server finished or crashed.",
            book: "file-downloader.md#--framed-a-header-before-the-bytes",
            hint: "Read `handle_framed` in crates/file-downloader/src/server.rs and `header_line` in crates/file-downloader/src/wire.rs.",
            end: End::Server,
            flags: FRAMED,
            run: framed_size,
        },
        Stage {
            slug: "framed-refusal",
            checks: "with --framed: answers a missing file and a name out of the root with `ERROR REASON`",
            why: "With a header, no longer means nothing: the server says why in one line, and closes. The client can tell a missing file from an empty one.",
            book: "file-downloader.md#the-servers-side",
            hint: "Read `refuse_framed` in crates/file-downloader/src/server.rs: the Refusal's text after `ERROR `, one line.",
            end: End::Server,
            flags: FRAMED,
            run: framed_refusal,
        },
        Stage {
            slug: "framed-resume",
            checks: "with --framed: answers `FETCH OFFSET NAME` with the whole size and the bytes from OFFSET",
            why: "A download cut halfway need not start again: the client asks for the bytes after those it has, and the header still gives the whole file's size.",
            book: "file-downloader.md#resuming-with---continue",
            hint: "Read `handle_framed` and `send_range` in crates/file-downloader/src/server.rs: seek to the offset, send the rest.",
            end: End::Server,
            flags: FRAMED,
            run: framed_resume,
        },
        Stage {
            slug: "client-small",
            checks: "the client sends the name, saves the bytes until the close, exits 0",
            why: "In the original protocol the client sends the name and reads until the server closes: a read of 0 bytes is the end of the file.",
            book: "file-downloader.md#the-client",
            hint: "Read `download_raw` and `receive` in crates/file-downloader/src/client.rs.",
            end: End::Client,
            flags: &[],
            run: client_small,
        },
        Stage {
            slug: "client-pieces",
            checks: "the client saves a file that arrives in many small pieces, whole",
            why: "TCP keeps no message boundaries: one recv() returns whatever has arrived, a piece of any size. Only a read of 0 bytes is the end.",
            book: "file-downloader.md#the-client",
            hint: "Read `receive` in crates/file-downloader/src/client.rs: it reads until the stream ends, whatever each read brings.",
            end: End::Client,
            flags: &[],
            run: client_pieces,
        },
        Stage {
            slug: "client-cut",
            checks: "when the server resets mid-file, the client exits 1 and leaves no file under the name",
            why: "A reset (ECONNRESET) says the transfer broke. A file saved under its final name must be whole: write to a .part file, and rename it only when the download is complete.",
            book: "file-downloader.md#the-part-file-and-the-rename",
            hint: "Read `download_raw` and `finish` in crates/file-downloader/src/client.rs: an error discards the .part file.",
            end: End::Client,
            flags: &[],
            run: client_cut,
        },
        Stage {
            slug: "client-framed",
            checks: "with --framed: the client sends `FETCH 0 NAME`, reads `OK SIZE`, saves SIZE bytes",
            why: "The header and the file's first bytes may arrive in one read: the bytes after the header's newline are the start of the file.",
            book: "file-downloader.md#the-clients-side",
            hint: "Read `download_framed` in crates/file-downloader/src/client.rs: what the LineReader read past the header is written first.",
            end: End::Client,
            flags: FRAMED,
            run: client_framed,
        },
        Stage {
            slug: "client-framed-cut",
            checks: "with --framed: when the server closes before SIZE bytes, the client exits 1 and leaves no file under the name",
            why: "A close (FIN) after fewer bytes than the header announced is a cut transfer, not a shorter file: only the size can tell.",
            book: "file-downloader.md#the-part-file-and-the-rename",
            hint: "Read `download_framed` and `incomplete` in crates/file-downloader/src/client.rs: short is an error, and the .part file is kept for --continue.",
            end: End::Client,
            flags: FRAMED,
            run: client_framed_cut,
        },
        Stage {
            slug: "client-refusal",
            checks: "with --framed: the client shows an `ERROR` reason escaped, exits 1, saves nothing",
            why: "The reason is the server's text: a hostile server can put terminal escape sequences in it. Show it escaped, so the user sees the bytes and the terminal runs none.",
            book: "file-downloader.md#the-clients-side",
            hint: "Read `download_framed` in crates/file-downloader/src/client.rs: the reason goes through printable() (crates/netkit/src/text.rs) before it is shown.",
            end: End::Client,
            flags: FRAMED,
            run: client_refusal,
        },
    ],
};

/// A random file name: lower-case letters and an extension.
fn random_name(rng: &mut fastrand::Rng) -> String {
    let len = rng.usize(4..=12);
    let stem: String = (0..len).map(|_| rng.lowercase()).collect();
    let ext = ["txt", "bin", "dat", "log"][rng.usize(..4)];
    format!("{stem}.{ext}")
}

/// `len` random bytes.
fn random_bytes(rng: &mut fastrand::Rng, len: usize) -> Vec<u8> {
    let mut bytes = vec![0; len];
    rng.fill(&mut bytes);
    bytes
}

/// A stage's directory: `root/` is what the server serves; anything
/// else in it is outside the root.
struct Files {
    dir: TempDir,
}

impl Files {
    fn new() -> Result<Files, Failure> {
        let dir = tempfile::Builder::new()
            .prefix("checker-files-")
            .tempdir()
            .map_err(|err| cannot("make a directory", &err))?;
        fs::create_dir(dir.path().join("root"))
            .map_err(|err| cannot("make a directory", &err))?;
        Ok(Files { dir })
    }

    fn root(&self) -> PathBuf {
        self.dir.path().join("root")
    }

    /// `--root DIR`, the server's arguments.
    fn server_args(&self) -> Vec<String> {
        vec!["--root".into(), self.root().display().to_string()]
    }

    /// Writes `bytes` as `name` under the root.
    fn serve(&self, name: &str, bytes: &[u8]) -> Result<(), Failure> {
        fs::write(self.root().join(name), bytes)
            .map_err(|err| cannot("write a file to serve", &err))
    }
}

fn cannot(what: &str, err: &io::Error) -> Failure {
    Failure::new(format!("the checker could not {what}: {err}"))
}

/// Starts the server on a fresh root with one small random file in it.
fn server_with_a_file(
    ctx: &mut Ctx,
) -> Result<(Files, SocketAddr, String, Vec<u8>), Failure> {
    let files = Files::new()?;
    let name = random_name(&mut ctx.rng);
    let len = ctx.rng.usize(1..=64 * 1024);
    let bytes = random_bytes(&mut ctx.rng, len);
    files.serve(&name, &bytes)?;
    let addr = ctx.start_server_with(&files.server_args())?;
    Ok((files, addr, name, bytes))
}

/// Asks for `name` in the original protocol and expects `bytes`, then
/// the close.
fn fetch(addr: SocketAddr, name: &str, bytes: &[u8]) -> Result<(), Failure> {
    let mut peer = Peer::connect(addr, "the connection")?;
    peer.send(name.as_bytes())?;
    peer.expect(bytes, "the file's bytes")?;
    // The server read everything the checker sent, so a reset here would
    // be a server that lost track of its socket; still, the bytes came.
    peer.expect_close("the file's last byte", true)
}

fn listen(ctx: &mut Ctx) -> Result<(), Failure> {
    let files = Files::new()?;
    let addr = ctx.start_server_with(&files.server_args())?;
    let peer = Peer::connect(addr, "the connection")?;
    still_running(ctx, "printing `listening on`")?;
    drop(peer);
    Ok(())
}

fn small_file(ctx: &mut Ctx) -> Result<(), Failure> {
    let (_files, addr, name, bytes) = server_with_a_file(ctx)?;
    fetch(addr, &name, &bytes)
}

fn missing(ctx: &mut Ctx) -> Result<(), Failure> {
    let (_files, addr, name, bytes) = server_with_a_file(ctx)?;
    let absent = loop {
        let absent = random_name(&mut ctx.rng);
        if absent != name {
            break absent;
        }
    };
    let mut peer = Peer::connect(addr, "the request for a missing file")?;
    peer.send(absent.as_bytes())?;
    peer.expect_close("the name of a missing file", true)?;
    fetch(addr, &name, &bytes).map_err(|failure| {
        failure.because("after the missing file, the next request failed")
    })
}

/// The names of `traversal`, each with what it tries, for a root at
/// `root` whose parent holds `secret_name`. None of them names a file
/// under the root.
fn climbing_names(
    root: &Path,
    secret_name: &str,
) -> Vec<(&'static str, Vec<u8>)> {
    let secret = root.with_file_name(secret_name);
    let absolute = secret.display().to_string();
    let text = |s: String| s.into_bytes();
    vec![
        ("a parent directory", text(format!("../{secret_name}"))),
        (
            "parents past the file system's root",
            text(format!("../../../../../../../../..{absolute}")),
        ),
        ("an absolute path", text(absolute.clone())),
        (
            "an absolute path, doubled slash",
            text(format!("/{absolute}")),
        ),
        (
            "`..` in the middle",
            text(format!("sub/../../{secret_name}")),
        ),
        (
            "`..` between dots",
            text(format!("./sub/./../.././{secret_name}")),
        ),
        ("`..` URL-encoded", text(format!("%2e%2e%2f{secret_name}"))),
        (
            "`..` URL-encoded twice",
            text(format!("%252e%252e%252f{secret_name}")),
        ),
        (
            "`../` doubled, for a filter that strips it once",
            text(format!("....//{secret_name}")),
        ),
        (
            "`/` as an overlong UTF-8 sequence",
            [b"..\xc0\xaf".as_slice(), secret_name.as_bytes()].concat(),
        ),
        (
            "a NUL byte, for code that stops reading the name there",
            text(format!("../{secret_name}\0.txt")),
        ),
        ("a symlink to a file outside", text("out-link".into())),
        (
            "a symlink to a directory outside",
            text(format!("out-dir/{secret_name}")),
        ),
        (
            "/proc/self/root, the server's view of /",
            text(format!("/proc/self/root{absolute}")),
        ),
        (
            "/proc/self/environ, the server's environment",
            text("/proc/self/environ".into()),
        ),
    ]
}

fn traversal(ctx: &mut Ctx) -> Result<(), Failure> {
    let files = Files::new()?;
    let root = files.root();
    let secret_name = format!("secret-{}", random_name(&mut ctx.rng));
    // Text, so that a report that shows it leaking reads as what it is.
    let word = random_name(&mut ctx.rng);
    let secret = format!("the secret {word}, outside the root\n").repeat(64);
    let secret_path = files.dir.path().join(&secret_name);
    let made = (|| -> io::Result<()> {
        fs::write(&secret_path, &secret)?;
        fs::create_dir(root.join("sub"))?;
        fs::write(root.join("sub").join("inside.txt"), b"inside the root")?;
        std::os::unix::fs::symlink(&secret_path, root.join("out-link"))?;
        std::os::unix::fs::symlink(files.dir.path(), root.join("out-dir"))
    })();
    made.map_err(|err| cannot("set up the files", &err))?;
    let addr = ctx.start_server_with(&files.server_args())?;
    let names = climbing_names(&root, &secret_name);
    let count = names.len();
    for (i, (tries, name)) in names.into_iter().enumerate() {
        let label = format!("request {} of {count}", i + 1);
        let mut peer = Peer::connect(addr, &label)?;
        peer.send(&name)?;
        peer.expect_close("a name that leads out of the root", true)
            .map_err(|failure| {
                failure
                    .because(format!(
                        "{}, {tries}, was not refused with a close and no \
                         bytes",
                        shown(&name)
                    ))
                    .note(format!(
                        "The root is {}; the file outside it is {}.",
                        root.display(),
                        secret_path.display()
                    ))
            })?;
    }
    still_running(ctx, "15 names that lead out of the root")
}

/// The byte at `offset` of the big file: each block starts with its
/// number (8 bytes, little-endian), then `pattern`.
fn big_block(pattern: &[u8], number: u64) -> Vec<u8> {
    let mut block = pattern.to_vec();
    block[..8].copy_from_slice(&number.to_le_bytes());
    block
}

/// Writes the big file under the root and returns its pattern.
fn write_big(
    files: &Files,
    name: &str,
    size: u64,
    rng: &mut fastrand::Rng,
) -> Result<Vec<u8>, Failure> {
    let pattern = random_bytes(rng, BLOCK);
    let write = || -> io::Result<()> {
        let mut file = fs::File::create(files.root().join(name))?;
        for number in 0..size.div_ceil(BLOCK as u64) {
            let left = size - number * BLOCK as u64;
            let block = big_block(&pattern, number);
            file.write_all(&block[..left.min(BLOCK as u64) as usize])?;
        }
        Ok(())
    };
    write().map_err(|err| cannot("write the big file", &err))?;
    Ok(pattern)
}

/// The resident memory (VmRSS) of the processes `pids`, in bytes; a
/// process that has gone counts 0.
fn rss_of(pids: &[u32]) -> u64 {
    pids.iter()
        .map(|pid| {
            let status = fs::read_to_string(format!("/proc/{pid}/status"))
                .unwrap_or_default();
            let kib: u64 = status
                .lines()
                .find_map(|line| line.strip_prefix("VmRSS:"))
                .and_then(|rest| {
                    rest.trim().trim_end_matches("kB").trim().parse().ok()
                })
                .unwrap_or(0);
            kib * 1024
        })
        .sum()
}

/// How many samples of [`RssWatch`] go by between two looks at which
/// processes are in the group: reading every process's stat file every
/// 10 ms would cost a busy machine more than the watch is worth.
const MEMBERS_EVERY: u32 = 20;

/// Samples a process group's memory on a thread until dropped, keeping
/// the largest value seen.
struct RssWatch {
    peak: Arc<AtomicU64>,
    stop: Arc<AtomicBool>,
    thread: Option<thread::JoinHandle<()>>,
}

impl RssWatch {
    fn start(group: u32) -> RssWatch {
        let peak = Arc::new(AtomicU64::new(0));
        let stop = Arc::new(AtomicBool::new(false));
        let thread = {
            let (peak, stop) = (Arc::clone(&peak), Arc::clone(&stop));
            thread::spawn(move || {
                let mut members = Vec::new();
                let mut tick = 0;
                while !stop.load(Ordering::Relaxed) {
                    if tick % MEMBERS_EVERY == 0 {
                        members = group_members(group);
                    }
                    tick += 1;
                    peak.fetch_max(rss_of(&members), Ordering::Relaxed);
                    thread::sleep(RSS_EVERY);
                }
            })
        };
        RssWatch {
            peak,
            stop,
            thread: Some(thread),
        }
    }

    fn peak(&self) -> u64 {
        self.peak.load(Ordering::Relaxed)
    }
}

impl Drop for RssWatch {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

fn mib(bytes: u64) -> String {
    format!("{:.1} MiB", bytes as f64 / MIB as f64)
}

/// How a big transfer went wrong.
enum BigEnd {
    /// Memory grew past the bound (the peak, in bytes).
    Memory(u64),
    /// The bytes differ at this offset.
    Differs(u64),
    /// The stream ended early, with this many bytes.
    Short(u64, &'static str),
    /// More than the file came.
    Long,
    /// Too slow overall.
    Slow(u64),
}

/// Reads the big file from `stream`, checking every byte against the
/// pattern without keeping it, and the memory of the server as it goes.
fn take_big(
    stream: &mut TcpStream,
    pattern: &[u8],
    size: u64,
    watch: &RssWatch,
    baseline: u64,
) -> Result<(), BigEnd> {
    let start = Instant::now();
    let mut buf = vec![0; BIG_READ];
    let mut got: u64 = 0;
    let mut expected = Vec::new();
    loop {
        if watch.peak() > baseline + RSS_GROWTH {
            return Err(BigEnd::Memory(watch.peak()));
        }
        if start.elapsed() > BIG_WITHIN {
            return Err(BigEnd::Slow(got));
        }
        let n = match stream.read(&mut buf) {
            // A read of 0 bytes: the server closed.
            Ok(0) if got == size => return Ok(()),
            Ok(0) => return Err(BigEnd::Short(got, "the connection closed")),
            Ok(n) => n,
            Err(err) if err.kind() == io::ErrorKind::Interrupted => continue,
            Err(err) if netkit::is_timeout(&err) => {
                return Err(BigEnd::Short(got, "nothing came for 3 s"));
            }
            Err(_) => return Err(BigEnd::Short(got, "a reset")),
        };
        if got + n as u64 > size {
            return Err(BigEnd::Long);
        }
        // Compare block by block: each received piece may cross blocks.
        let mut at = 0;
        while at < n {
            let offset = got + at as u64;
            let number = offset / BLOCK as u64;
            let within = (offset % BLOCK as u64) as usize;
            let take = (BLOCK - within).min(n - at);
            if expected.is_empty() || within == 0 || at == 0 {
                expected = big_block(pattern, number);
            }
            if buf[at..at + take] != expected[within..within + take] {
                let first = (0..take)
                    .find(|&i| buf[at + i] != expected[within + i])
                    .unwrap_or(0);
                return Err(BigEnd::Differs(offset + first as u64));
            }
            at += take;
        }
        got += n as u64;
    }
}

fn big_file(ctx: &mut Ctx) -> Result<(), Failure> {
    let files = Files::new()?;
    let name = random_name(&mut ctx.rng);
    let pattern = write_big(&files, &name, BIG_SIZE, &mut ctx.rng)?;
    let addr = ctx.start_server_with(&files.server_args())?;
    let group = ctx.program()?.pid();
    let members = group_members(group);
    if members.is_empty() {
        // No /proc (not Linux): the bytes are still checked.
        return stream_big(addr, &name, &pattern, None);
    }
    let baseline = rss_of(&members);
    stream_big(addr, &name, &pattern, Some((group, baseline)))
}

fn stream_big(
    addr: SocketAddr,
    name: &str,
    pattern: &[u8],
    memory: Option<(u32, u64)>,
) -> Result<(), Failure> {
    let mut stream = TcpStream::connect_timeout(&addr, REPLY_TIMEOUT)
        .map_err(|err| Failure::new(format!("could not connect: {err}")))?;
    let setup = stream
        .set_read_timeout(Some(REPLY_TIMEOUT))
        .and_then(|()| stream.write_all(name.as_bytes()));
    setup.map_err(|err| Failure::new(format!("could not ask: {err}")))?;
    let (group, baseline) = memory.unwrap_or((0, 0));
    let watch = match memory {
        Some(_) => RssWatch::start(group),
        None => RssWatch {
            peak: Arc::new(AtomicU64::new(0)),
            stop: Arc::new(AtomicBool::new(true)),
            thread: None,
        },
    };
    let result = take_big(&mut stream, pattern, BIG_SIZE, &watch, baseline);
    let peak = watch.peak();
    drop(watch);
    let asked = format!("asked for {name:?}, a file of {}", mib(BIG_SIZE));
    match result {
        Ok(()) if memory.is_some() && peak > baseline + RSS_GROWTH => {
            Err(memory_failure(&asked, baseline, peak))
        }
        Ok(()) => Ok(()),
        Err(BigEnd::Memory(peak)) => {
            Err(memory_failure(&asked, baseline, peak))
        }
        Err(BigEnd::Differs(offset)) => Err(Failure::new(format!(
            "{asked}: the bytes differ from the file's at byte {offset}"
        ))),
        Err(BigEnd::Short(got, how)) => {
            Err(Failure::new(format!("{asked}: the transfer ended early"))
                .expected(
                    format!("{BIG_SIZE} bytes, then the close"),
                    format!("{got} bytes, then {how}"),
                ))
        }
        Err(BigEnd::Long) => Err(Failure::new(format!(
            "{asked}: more bytes came than the file has"
        ))),
        Err(BigEnd::Slow(got)) => Err(Failure::new(format!(
            "{asked}: only {} had come after {BIG_WITHIN:?}",
            mib(got)
        ))),
    }
}

fn memory_failure(asked: &str, baseline: u64, peak: u64) -> Failure {
    Failure::new(format!(
        "{asked}: the server's memory grew from {} to {} while it sent it",
        mib(baseline),
        mib(peak)
    ))
    .expected(
        format!("growth under {}", mib(RSS_GROWTH)),
        format!("growth of {}", mib(peak.saturating_sub(baseline))),
    )
    .note(
        "The resident memory of the server's processes, from \
         /proc/PID/status (VmRSS), sampled every 10 ms. Reading the whole \
         file before sending it needs as much memory as the file is big.",
    )
}

fn vanish(ctx: &mut Ctx) -> Result<(), Failure> {
    let files = Files::new()?;
    let big = random_name(&mut ctx.rng);
    write_big(&files, &big, VANISH_SIZE, &mut ctx.rng)?;
    let small = format!("small-{}", random_name(&mut ctx.rng));
    let len = ctx.rng.usize(1..=4096);
    let bytes = random_bytes(&mut ctx.rng, len);
    files.serve(&small, &bytes)?;
    let addr = ctx.start_server_with(&files.server_args())?;
    // Gone with a reset, a few KiB into the file.
    let mut a = Peer::connect(addr, "client A")?;
    a.send(big.as_bytes())?;
    a.expect(&0u64.to_le_bytes(), "the file's first bytes")?;
    a.reset();
    // Gone with a close, having read nothing: the kernel answers the
    // server's next bytes with a reset.
    let mut b = Peer::connect(addr, "client B")?;
    b.send(big.as_bytes())?;
    drop(b);
    fetch(addr, &small, &bytes).map_err(|failure| {
        failure.because(
            "after two clients left in the middle of a transfer, the next \
             request was not served",
        )
    })?;
    still_running(ctx, "two clients left in the middle of a transfer")
}

fn stop(ctx: &mut Ctx) -> Result<(), Failure> {
    let files = Files::new()?;
    let addr = ctx.start_server_with(&files.server_args())?;
    let mut idle = Peer::connect(addr, "an idle client")?;
    stops_on_ctrl_c(ctx, ", with a client connected", "accept() or read()")?;
    idle.expect_close("the server stopped", true)
}

fn framed_size(ctx: &mut Ctx) -> Result<(), Failure> {
    let (_files, addr, name, bytes) = server_with_a_file(ctx)?;
    let mut peer = Peer::connect(addr, "the connection")?;
    peer.send(&wire::request_line(0, &name))?;
    let size = bytes.len() as u64;
    peer.expect(&wire::header_line(&Header::Ok { size }), "the header")?;
    peer.expect(&bytes, "the file's bytes")?;
    peer.expect_close("the file's last byte", true)
}

fn framed_refusal(ctx: &mut Ctx) -> Result<(), Failure> {
    let (files, addr, name, _) = server_with_a_file(ctx)?;
    let secret = format!("secret-{}", random_name(&mut ctx.rng));
    fs::write(files.dir.path().join(&secret), b"outside the root")
        .map_err(|err| cannot("write a file", &err))?;
    let absent = format!("{}-{name}", random_name(&mut ctx.rng));
    for (what, asked) in [
        ("a missing file", absent),
        ("a name out of the root", format!("../{secret}")),
    ] {
        let mut peer = Peer::connect(addr, &format!("the request for {what}"))?;
        peer.send(&wire::request_line(0, &asked))?;
        let line = peer.read_line(MAX_NAME_LEN + 64);
        let header = line.strip_suffix(b"\n").and_then(wire::parse_header);
        match header {
            Some(Header::Error(reason)) if !reason.trim().is_empty() => {}
            _ => {
                return Err(peer
                    .fail(format!(
                        "{what} was not answered with `ERROR` and a reason"
                    ))
                    .expected("ERROR <reason>\\n", shown(&line)));
            }
        }
        peer.expect_close("the ERROR line", true)?;
    }
    Ok(())
}

fn framed_resume(ctx: &mut Ctx) -> Result<(), Failure> {
    let (_files, addr, name, bytes) = server_with_a_file(ctx)?;
    let offset = ctx.rng.usize(1..=bytes.len());
    let mut peer = Peer::connect(addr, "the connection")?;
    peer.send(&wire::request_line(offset as u64, &name))?;
    let size = bytes.len() as u64;
    peer.expect(&wire::header_line(&Header::Ok { size }), "the header")?;
    peer.expect(&bytes[offset..], "the bytes from the offset on")?;
    peer.expect_close("the file's last byte", true)
}

/// A client started to download a random name into a fresh directory.
struct Download {
    dir: TempDir,
    name: String,
    peer: Peer,
}

fn start_download(ctx: &mut Ctx) -> Result<Download, Failure> {
    let dir = tempfile::Builder::new()
        .prefix("checker-download-")
        .tempdir()
        .map_err(|err| cannot("make a directory", &err))?;
    let name = random_name(&mut ctx.rng);
    let output = dir.path().join(OUTPUT).display().to_string();
    let peer = ctx.start_client(&[name.clone(), "-o".into(), output])?;
    Ok(Download { dir, name, peer })
}

/// Reads the client's request in the original protocol: its name.
fn raw_request(download: &mut Download) -> Result<(), Failure> {
    let name = download.name.clone();
    download.peer.expect(name.as_bytes(), "the file name")
}

/// Reads the client's `--framed` request line: `FETCH 0 NAME`.
fn framed_request(download: &mut Download) -> Result<(), Failure> {
    let line = download.peer.read_line(MAX_REQUEST_LINE + 1);
    let request = line.strip_suffix(b"\n").map(wire::parse_request);
    let wanted = wire::request_line(0, &download.name);
    match request {
        Some(Ok(request))
            if request.offset == 0
                && request.name == download.name.as_bytes() =>
        {
            Ok(())
        }
        _ => Err(download
            .peer
            .fail("the client's request is not `FETCH 0 NAME`")
            .expected(shown(&wanted), shown(&line))),
    }
}

/// The checker's side is done: the client exited 0 and saved `bytes`
/// under the output name.
fn saved(
    ctx: &mut Ctx,
    download: Download,
    bytes: &[u8],
) -> Result<(), Failure> {
    let Download { dir, peer, .. } = download;
    drop(peer);
    let (code, _) = ctx.client_finished()?;
    if code != Some(0) {
        return Err(Failure::new(
            "the client did not exit 0 after a complete download",
        )
        .expected("exit code 0", exit_code(code)));
    }
    let path = dir.path().join(OUTPUT);
    let got = fs::read(&path).map_err(|err| {
        Failure::new(format!(
            "the client saved nothing under the -o name: {err}"
        ))
    })?;
    if got != bytes {
        let at = got
            .iter()
            .zip(bytes)
            .position(|(a, b)| a != b)
            .unwrap_or(got.len().min(bytes.len()));
        return Err(Failure::new(
            "the file the client saved is not the one it was sent",
        )
        .expected(
            format!("{} bytes", bytes.len()),
            format!("{} bytes, the first difference at byte {at}", got.len()),
        ));
    }
    Ok(())
}

/// The checker's side is done (its connection closed or reset): the
/// client exited 1 and left nothing under the output name in `dir`.
fn refused(ctx: &mut Ctx, dir: &TempDir, after: &str) -> Result<(), Failure> {
    let output = dir.path().join(OUTPUT);
    let (code, _) = ctx.client_finished()?;
    if output.exists() {
        let len = fs::metadata(&output).map(|m| m.len()).unwrap_or(0);
        return Err(Failure::new(format!(
            "after {after}, the client left a file under the name it was \
             asked to save to"
        ))
        .expected(
            "no file there (a .part file beside it is fine)",
            format!("a file of {len} bytes"),
        )
        .note(
            "Whoever finds that file cannot tell it from a whole one: the \
             name says it is the download.",
        ));
    }
    if code != Some(1) {
        return Err(Failure::new(format!(
            "after {after}, the client did not exit 1"
        ))
        .expected("exit code 1", exit_code(code)));
    }
    Ok(())
}

fn client_small(ctx: &mut Ctx) -> Result<(), Failure> {
    let mut download = start_download(ctx)?;
    let len = ctx.rng.usize(1..=4000);
    let bytes = random_bytes(&mut ctx.rng, len);
    raw_request(&mut download)?;
    download.peer.send(&bytes)?;
    saved(ctx, download, &bytes)
}

fn client_pieces(ctx: &mut Ctx) -> Result<(), Failure> {
    let mut download = start_download(ctx)?;
    let len = ctx.rng.usize(16 * 1024..=48 * 1024);
    let bytes = random_bytes(&mut ctx.rng, len);
    let pieces = ctx.rng.usize(24..=40);
    let mut cuts: Vec<usize> =
        (1..pieces).map(|_| ctx.rng.usize(1..len)).collect();
    cuts.sort_unstable();
    cuts.dedup();
    raw_request(&mut download)?;
    download.peer.send_in_pieces(&bytes, &cuts, PIECE_PAUSE)?;
    saved(ctx, download, &bytes)
}

fn client_cut(ctx: &mut Ctx) -> Result<(), Failure> {
    let mut download = start_download(ctx)?;
    let len = ctx.rng.usize(4096..=64 * 1024);
    let bytes = random_bytes(&mut ctx.rng, len);
    raw_request(&mut download)?;
    download.peer.send(&bytes)?;
    // Let the bytes reach the client before the reset, so that it has
    // begun its file when the connection breaks.
    thread::sleep(LIVES);
    let Download { dir, peer, .. } = download;
    peer.reset();
    refused(ctx, &dir, "a reset in the middle of the file")
}

fn client_framed(ctx: &mut Ctx) -> Result<(), Failure> {
    let mut download = start_download(ctx)?;
    let len = ctx.rng.usize(1..=64 * 1024);
    let bytes = random_bytes(&mut ctx.rng, len);
    framed_request(&mut download)?;
    let size = bytes.len() as u64;
    // The header and the file in one write: they may well arrive in one
    // read.
    let answer = [wire::header_line(&Header::Ok { size }), bytes.clone()];
    download.peer.send(&answer.concat())?;
    saved(ctx, download, &bytes)
}

fn client_framed_cut(ctx: &mut Ctx) -> Result<(), Failure> {
    let mut download = start_download(ctx)?;
    let len = ctx.rng.usize(4096..=64 * 1024);
    let bytes = random_bytes(&mut ctx.rng, len);
    let sent = ctx.rng.usize(1..len);
    framed_request(&mut download)?;
    let size = bytes.len() as u64;
    let answer = [
        wire::header_line(&Header::Ok { size }),
        bytes[..sent].to_vec(),
    ];
    download.peer.send(&answer.concat())?;
    let Download { dir, mut peer, .. } = download;
    peer.close_write();
    drop(peer);
    refused(ctx, &dir, &format!("{sent} of the {len} bytes announced"))
}

fn client_refusal(ctx: &mut Ctx) -> Result<(), Failure> {
    let mut download = start_download(ctx)?;
    let word = random_name(&mut ctx.rng);
    // Clear the screen, retitle the window, ring the bell: what a
    // terminal would do with these bytes if they reached it raw.
    let reason = format!("no file {word} \x1b[2J\x1b]0;pwned\x07 here");
    framed_request(&mut download)?;
    download
        .peer
        .send(&wire::header_line(&Header::Error(reason.clone())))?;
    let shown_reason = shown(reason.as_bytes());
    let Download { dir, peer, .. } = download;
    drop(peer);
    refused(ctx, &dir, "an ERROR answer")?;
    let stderr = ctx.program()?.stderr().join("\n");
    if stderr.contains(['\u{1b}', '\u{7}']) {
        return Err(Failure::new(
            "the client printed the server's reason with its control \
             characters raw",
        )
        .expected("the reason escaped", shown(stderr.as_bytes()))
        .note(format!("The reason was {shown_reason}.")));
    }
    if !stderr.contains(&word) {
        return Err(Failure::new(
            "the client did not show the server's reason on stderr",
        )
        .expected(
            format!("the reason, {shown_reason}"),
            shown(stderr.as_bytes()),
        ));
    }
    Ok(())
}
