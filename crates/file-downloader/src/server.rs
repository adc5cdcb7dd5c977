//! The file server: what one connection's thread does.
//!
//! The accept loop, the cap, the timeouts and the shutdown are netkit's
//! ([`netkit::serve`]). This file answers one request: read a name, open
//! that file inside the root, stream it out.
//!
//! The original's loop does all of that on one thread, one client at a
//! time: it takes one `recv` as the name, opens whatever path it names,
//! reads the whole file into memory and hands it to a single `send`. Our
//! Python port keeps the whole-file read and the single thread for
//! comparison (`crates/file-downloader/python/server.py`).
//!
//! What changes here: a thread per client instead of one client at a time;
//! only regular files inside `--root` are served ([`crate::path`] and
//! [`Root::open_file`]); the file is streamed with a fixed amount of memory
//! whatever its size ([`send_range`]); refusals and cut transfers are
//! logged with the client's address; and with `--framed`, a header says
//! whether a file follows and how big it is ([`crate::wire`]).
//!
//! # Try it
//!
//! ```text
//! cargo run -p file-downloader -- server --root .            # terminal 1
//! cargo run -q -p rawsock -- connect 127.0.0.1:7890 --send Cargo.toml
//! cargo run -q -p rawsock -- connect 127.0.0.1:7890 --send ../Cargo.toml
//! cargo run -p file-downloader -- server --root . --framed   # terminal 1
//! cargo run -q -p rawsock -- connect 127.0.0.1:7890 --send 'FETCH 0 Cargo.toml\n'
//! ```

use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use cap_std::ambient_authority;
use cap_std::fs::{Dir, OpenOptions, OpenOptionsExt};
use netkit::server::{BUSY_MESSAGE, describe, lingering_close};
use netkit::{
    Connection, LineReader, Received, ServeReport, ServerConfig, Shutdown,
    recv_some,
};

use crate::path::{Refusal, parse_name, shown};
use crate::wire::{self, Header};
use crate::{MAX_NAME_LEN, MAX_REQUEST_LINE, Protocol};

/// The buffer of [`Streaming::Buffered`], one per connection. Measured on
/// loopback with a 1 GiB file: 64 KiB gave 1.6 GiB/s, 256 KiB 2.0, 1 MiB
/// 2.6 and 4 MiB 2.3 (fewer system calls, until the buffer no longer
/// fits the CPU's caches).
pub const SEND_BUF_SIZE: usize = 1024 * 1024;

/// Everything the server can be told, apart from where to listen and what
/// to serve.
#[derive(Clone, Debug, Default)]
pub struct ServerOptions {
    /// The original protocol, or `--framed`.
    pub protocol: Protocol,
    /// How file bytes get into the socket.
    pub streaming: Streaming,
    /// The accept loop's settings: cap, timeouts, log. Its
    /// `busy_message` is replaced by the protocol's own answer
    /// ([`serve`] decides it, for every caller).
    pub net: ServerConfig,
}

/// How [`send_range`] moves a file's bytes into the socket. Both use a
/// fixed amount of memory whatever the file's size.
///
/// `Sendfile` exists only where we can call Linux's `sendfile(2)`: on
/// Linux and Android (rustix wraps it; macOS and FreeBSD have a sendfile
/// with other arguments, which it does not). Elsewhere `--copy sendfile`
/// is a value the program does not know, rather than one that fails at
/// the first download. Which mode is faster depends on the machine, so
/// measure (the lesson page has this machine's figures, and the
/// commands).
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Streaming {
    /// `read` into a [`SEND_BUF_SIZE`] buffer, `write_all` to the socket,
    /// repeat: every byte is copied into our memory and out again. Works
    /// on every system; the default where there is no `sendfile`.
    #[value(help = "read into a 1 MiB buffer and write it out, repeat")]
    Buffered,
    /// `sendfile(2)`: the kernel moves the bytes from the file's pages to
    /// the socket without passing them through our process. The default
    /// where it exists: no buffer, and never far behind. On loopback it
    /// and `Buffered` trade places from run to run (`scripts/bench`).
    #[cfg(any(target_os = "linux", target_os = "android"))]
    #[value(help = "sendfile(2): the kernel copies from file to socket")]
    Sendfile,
}

// ANCHOR: default_streaming
/// The default is chosen when the program is compiled, so that it works
/// on the system it was compiled for: `sendfile` where the variant
/// exists, the buffered loop everywhere else (macOS, the BSDs, Windows).
impl Default for Streaming {
    #[cfg(any(target_os = "linux", target_os = "android"))]
    fn default() -> Streaming {
        Streaming::Sendfile
    }

    #[cfg(not(any(target_os = "linux", target_os = "android")))]
    fn default() -> Streaming {
        Streaming::Buffered
    }
}
// ANCHOR_END: default_streaming

/// The directory being served, held open.
///
/// Every file is opened relative to this handle, never by a path string
/// built by hand, and the kernel refuses any open whose path resolves to
/// something outside it (on Linux, `openat2` with `RESOLVE_BENEATH`, which
/// cap-std uses). Checking a path first and opening it after would leave a
/// window in which a symlink could be swapped in.
#[derive(Debug)]
pub struct Root {
    dir: Dir,
    path: PathBuf,
}

impl Root {
    /// Opens the directory `path` to serve the files under it.
    pub fn open(path: &Path) -> io::Result<Root> {
        let dir = Dir::open_ambient_dir(path, ambient_authority())?;
        Ok(Root {
            dir,
            path: path.to_owned(),
        })
    }

    /// The directory as it was given.
    pub fn path(&self) -> &Path {
        &self.path
    }

    // ANCHOR: open_file
    /// Opens a regular file at `relative` (from [`parse_name`]) under the
    /// root, and returns it with its size.
    pub fn open_file(&self, relative: &Path) -> Result<(File, u64), Refusal> {
        let mut options = OpenOptions::new();
        // O_NONBLOCK: opening a FIFO for reading would otherwise wait for
        // a writer, holding this thread forever. On a regular file the flag
        // changes nothing.
        options.read(true).custom_flags(libc::O_NONBLOCK);
        let file = self
            .dir
            .open_with(relative, &options)
            .map_err(open_refusal)?
            .into_std();
        // Asked of the open file, not of the path: the path could have
        // changed since.
        let metadata = file
            .metadata()
            .map_err(|err| Refusal::Unreadable(err.to_string()))?;
        if !metadata.is_file() {
            return Err(Refusal::NotAFile);
        }
        Ok((file, metadata.len()))
    }
    // ANCHOR_END: open_file
}

/// Why an open under the root failed, for the log and the client.
fn open_refusal(err: io::Error) -> Refusal {
    match err.kind() {
        io::ErrorKind::NotFound | io::ErrorKind::NotADirectory => {
            Refusal::Missing
        }
        // cap-std's "a path led outside of the filesystem" carries no OS
        // error code; a real EACCES (no permission) does.
        io::ErrorKind::PermissionDenied if err.raw_os_error().is_none() => {
            Refusal::Outside
        }
        _ => Refusal::Unreadable(err.to_string()),
    }
}

// ANCHOR: serve
/// Serves the files under `root` on `listener` until `shutdown` triggers.
pub fn serve(
    listener: TcpListener,
    shutdown: &Shutdown,
    root: Root,
    options: &ServerOptions,
) -> io::Result<ServeReport> {
    // One root shared by every connection's thread.
    let root = Arc::new(root);
    let (protocol, streaming) = (options.protocol, options.streaming);
    let net = ServerConfig {
        busy_message: busy_answer(protocol),
        ..options.net.clone()
    };
    netkit::serve(listener, shutdown, &net, move |conn| match protocol {
        Protocol::Raw => handle_raw(conn, &root, streaming),
        Protocol::Framed => handle_framed(conn, &root, streaming),
    })
}
// ANCHOR_END: serve

// ANCHOR: busy_answer
/// What a client over the cap (or arriving when the server is out of
/// descriptors) is told, in its protocol. In the original, any byte would
/// be saved as the file, so the answer is a close with nothing before it,
/// the protocol's only "no"; with `--framed`, an `ERROR` line with
/// netkit's busy message.
fn busy_answer(protocol: Protocol) -> Vec<u8> {
    match protocol {
        Protocol::Raw => Vec::new(),
        Protocol::Framed => {
            let reason = String::from_utf8_lossy(BUSY_MESSAGE);
            wire::header_line(&Header::Error(reason.trim_end().to_owned()))
        }
    }
}
// ANCHOR_END: busy_answer

// ANCHOR: handle_raw
/// One client, the original protocol: a name in one read; the file's bytes
/// and a close, or just a close.
fn handle_raw(
    conn: &Connection,
    root: &Root,
    streaming: Streaming,
) -> io::Result<()> {
    // One byte more than the longest name, so that a longer one shows up
    // as too long instead of being cut to a name that might exist.
    let mut buf = [0; MAX_NAME_LEN + 1];
    // As in the original, one read is the whole name: the protocol has no
    // terminator to wait for. (A name cut across two TCP segments would be
    // misread; --framed ends the name with a newline.)
    let name = match recv_some(&mut &*conn.stream, &mut buf)? {
        Received::Data(bytes) => bytes.to_vec(),
        Received::Closed => return Ok(()),
    };
    match parse_name(&name).and_then(|path| root.open_file(&path)) {
        Ok((file, size)) => send_file(conn, &name, file, 0, size, streaming),
        // Nothing to send: the close says "no file", the only answer the
        // original protocol has.
        Err(refusal) => log_refusal(conn, &name, &refusal),
    }
    lingering_close(&conn.stream);
    Ok(())
}
// ANCHOR_END: handle_raw

// ANCHOR: handle_framed
/// One client, `--framed`: a request line, then a header and the bytes, or
/// an `ERROR` line.
fn handle_framed(
    conn: &Connection,
    root: &Root,
    streaming: Streaming,
) -> io::Result<()> {
    if !starts_like_a_request(&conn.stream)? {
        // Most likely a client without --framed, waiting for file bytes:
        // any answer would end up in its file. Closing tells it "nothing".
        conn.log.problem(format_args!(
            "{}: not a FETCH request (a client without --framed?)",
            conn.peer
        ));
        lingering_close(&conn.stream);
        return Ok(());
    }
    let mut stream = &*conn.stream;
    let mut lines = LineReader::new(stream, MAX_REQUEST_LINE);
    let line = match lines.read_line() {
        Ok(Received::Data(line)) => line,
        Ok(Received::Closed) => return Ok(()),
        Err(err) if err.kind() == io::ErrorKind::InvalidData => {
            let name = lines.buffered().to_vec();
            refuse_framed(conn, &name, &Refusal::TooLong)?;
            return Ok(());
        }
        Err(err) => return Err(err),
    };
    let request = wire::parse_request(&line);
    let name = request.as_ref().map_or(&line, |request| &request.name);
    let opened = request.clone().and_then(|request| {
        let (file, size) = root.open_file(&parse_name(&request.name)?)?;
        if request.offset > size {
            let offset = request.offset;
            return Err(Refusal::OffsetPastEnd { offset, size });
        }
        Ok((file, size, request.offset))
    });
    match opened {
        Ok((file, size, offset)) => {
            stream.write_all(&wire::header_line(&Header::Ok { size }))?;
            send_file(conn, name, file, offset, size - offset, streaming);
            lingering_close(&conn.stream);
        }
        Err(refusal) => refuse_framed(conn, name, &refusal)?,
    }
    Ok(())
}
// ANCHOR_END: handle_framed

/// Whether the first bytes that arrive could begin `FETCH `. Waits for at
/// least one byte; reads nothing (`peek` leaves the bytes queued).
fn starts_like_a_request(stream: &TcpStream) -> io::Result<bool> {
    const FETCH: &[u8] = b"FETCH ";
    let mut first = [0; FETCH.len()];
    let n = stream.peek(&mut first)?;
    Ok(first[..n] == FETCH[..n])
}

/// Sends `ERROR <reason>` and closes, so the client learns why.
fn refuse_framed(
    conn: &Connection,
    name: &[u8],
    refusal: &Refusal,
) -> io::Result<()> {
    log_refusal(conn, name, refusal);
    let reason = Header::Error(refusal.to_string());
    (&*conn.stream).write_all(&wire::header_line(&reason))?;
    lingering_close(&conn.stream);
    Ok(())
}

fn log_refusal(conn: &Connection, name: &[u8], refusal: &Refusal) {
    conn.log.problem(format_args!(
        "{}: asked for {}: refused: {refusal}",
        conn.peer,
        shown(name)
    ));
}

/// Streams `len` bytes of `file` from `offset` to the client and logs how
/// it went. A client that goes away halfway is logged, not an error: the
/// server goes on serving the others.
fn send_file(
    conn: &Connection,
    name: &[u8],
    file: File,
    offset: u64,
    len: u64,
    streaming: Streaming,
) {
    let (peer, name) = (conn.peer, shown(name));
    let from = if offset > 0 {
        format!(" from byte {offset}")
    } else {
        String::new()
    };
    match send_range(file, &conn.stream, offset, len, streaming) {
        Ok(()) => conn
            .log
            .event(format_args!("{peer}: sent {name}{from} ({len} bytes)")),
        Err(cut) => conn.log.problem(format_args!(
            "{peer}: sending {name}{from}: stopped after {} of {len} bytes: {}",
            cut.sent,
            describe(&cut.error, None)
        )),
    }
}

/// How far a transfer got before it failed.
#[derive(Debug)]
pub struct Cut {
    /// Bytes handed to the socket before the failure.
    pub sent: u64,
    /// What went wrong.
    pub error: io::Error,
}

// ANCHOR: send_range
/// Writes `len` bytes of `file`, starting at `offset`, into `stream`, with
/// a fixed amount of memory however large the file is.
pub fn send_range(
    mut file: File,
    stream: &TcpStream,
    offset: u64,
    len: u64,
    streaming: Streaming,
) -> Result<(), Cut> {
    let cut = |sent, error| Cut { sent, error };
    file.seek(SeekFrom::Start(offset))
        .map_err(|err| cut(0, err))?;
    // `take` stops at `len` even if the file grew since we measured it.
    let mut body = file.take(len);
    let copied = match streaming {
        Streaming::Buffered => copy_buffered(&mut body, stream),
        #[cfg(any(target_os = "linux", target_os = "android"))]
        Streaming::Sendfile => {
            send_with_sendfile(body.get_ref(), stream, offset, len)
        }
    }
    .map_err(|(sent, err)| cut(sent, err))?;
    if copied < len {
        let shrank = io::Error::new(
            io::ErrorKind::UnexpectedEof,
            "the file got shorter while it was being sent",
        );
        return Err(cut(copied, shrank));
    }
    Ok(())
}
// ANCHOR_END: send_range

// ANCHOR: sendfile
/// `sendfile(2)` until `len` bytes from `offset` are in the socket. The
/// kernel may send fewer bytes than asked, like `write`; it advances
/// `position` by what it sent.
#[cfg(any(target_os = "linux", target_os = "android"))]
fn send_with_sendfile(
    file: &File,
    stream: &TcpStream,
    offset: u64,
    len: u64,
) -> Result<u64, (u64, io::Error)> {
    // Linux sends at most this much per call (0x7ffff000 bytes).
    const MAX_PER_CALL: u64 = 0x7fff_f000;
    let (mut position, end) = (offset, offset + len);
    while position < end {
        let count = (end - position).min(MAX_PER_CALL) as usize;
        match rustix::fs::sendfile(stream, file, Some(&mut position), count) {
            // The file ended early: it shrank since we measured it.
            Ok(0) => break,
            Ok(_) => {}
            Err(rustix::io::Errno::INTR) => {}
            Err(err) => return Err((position - offset, err.into())),
        }
    }
    Ok(position - offset)
}
// ANCHOR_END: sendfile

// ANCHOR: copy_buffered
/// The plain loop: read a buffer's worth, write all of it, repeat.
fn copy_buffered(
    reader: &mut impl Read,
    mut stream: &TcpStream,
) -> Result<u64, (u64, io::Error)> {
    let mut buf = vec![0; SEND_BUF_SIZE];
    let mut sent = 0;
    loop {
        let n = match reader.read(&mut buf) {
            Ok(0) => return Ok(sent),
            Ok(n) => n,
            Err(err) if err.kind() == io::ErrorKind::Interrupted => continue,
            Err(err) => return Err((sent, err)),
        };
        stream.write_all(&buf[..n]).map_err(|err| (sent, err))?;
        sent += n as u64;
    }
}
// ANCHOR_END: copy_buffered

#[cfg(test)]
mod tests {
    use clap::ValueEnum;

    use super::*;

    /// The default is a mode this build has, so it works wherever the
    /// program was compiled: `sendfile` on Linux and Android, the
    /// buffered loop elsewhere.
    #[test]
    fn the_default_is_a_mode_this_build_has() {
        assert!(Streaming::value_variants().contains(&Streaming::default()));
        #[cfg(any(target_os = "linux", target_os = "android"))]
        assert_eq!(Streaming::default(), Streaming::Sendfile);
        #[cfg(not(any(target_os = "linux", target_os = "android")))]
        assert_eq!(Streaming::default(), Streaming::Buffered);
    }
}
