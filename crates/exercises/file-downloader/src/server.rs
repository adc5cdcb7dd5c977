//! The server: accept clients, and answer each one's request with a file
//! from under the root, or with nothing. The protocol, with nothing
//! ending in a newline:
//!
//! ```text
//! client: notes.txt
//! server: ...the file's bytes...
//! server: (closes the connection: the end of the file)
//! ```
//!
//! With `--framed`, a line each way first ([`file_downloader::wire`]):
//!
//! ```text
//! client: FETCH 4096 notes.txt\n
//! server: OK 5103\n
//! server: ...the bytes from 4096 on...
//!   or:   ERROR no such file\n
//! ```
//!
//! # Try it
//!
//! ```text
//! cargo run -p file-downloader-exercise -- server --root docs  # terminal 1
//! printf 'book.toml' | nc 127.0.0.1 7890                       # terminal 2
//! ```

use std::fs::File;
use std::io;
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};

use file_downloader::{Protocol, Refusal};

/// How much of the file [`send_file`] holds in memory at once: one
/// buffer, whatever the file's size.
pub const SEND_BUF_SIZE: usize = 1024 * 1024;

/// Accepts clients on `listener` for as long as the program runs, each
/// on a thread of its own that calls [`handle_client`]: a client that
/// takes an hour to download must not keep the others waiting. An error
/// with one client is that client's: log it on stderr and go on.
pub fn serve(
    listener: TcpListener,
    root: PathBuf,
    protocol: Protocol,
) -> io::Result<()> {
    todo!(
        "stage listen: accept clients in a loop, each on a thread of its \
         own that calls handle_client (book: file-downloader.md, \"The \
         server: a thread per client\")"
    )
}

/// One client's request, in the protocol the server runs. Returning (or
/// dropping `stream`) closes the connection: in the original protocol
/// that close is the end of the file.
pub fn handle_client(
    mut stream: TcpStream,
    root: &Path,
    protocol: Protocol,
) -> io::Result<()> {
    match protocol {
        Protocol::Raw => handle_raw(&mut stream, root),
        Protocol::Framed => handle_framed(&mut stream, root),
    }
}

/// The original protocol: the name in one read (it has no terminator),
/// then the file's bytes with [`send_file`], or nothing at all when
/// [`open_under_root`] refuses: any byte sent would be saved as the file.
pub fn handle_raw(stream: &mut TcpStream, root: &Path) -> io::Result<()> {
    todo!(
        "stage small-file: read the name in one read, open it with \
         open_under_root, send it with send_file; a refusal sends nothing \
         (book: file-downloader.md, \"The original protocol\")"
    )
}

/// Opens the regular file that `name`, as a client sent it, names under
/// `root`, and returns it with its size; or says why not. The name is
/// hostile input: `file_downloader::parse_name` refuses the names that
/// climb out, and whatever opens the file must not follow a symlink out
/// of the root either.
pub fn open_under_root(
    root: &Path,
    name: &[u8],
) -> Result<(File, u64), Refusal> {
    todo!(
        "stage small-file: open the file the name gives, under root; then \
         stage traversal asks that no name leads out of root \
         (book: file-downloader.md, \"Path confinement: the name is \
         hostile input\")"
    )
}

/// Sends `len` bytes of `file` from `offset` into `stream`, a buffer of
/// [`SEND_BUF_SIZE`] at a time: the memory stays the same whatever the
/// file's size.
pub fn send_file(
    file: &mut File,
    stream: &mut TcpStream,
    offset: u64,
    len: u64,
) -> io::Result<()> {
    todo!(
        "stage small-file: seek to offset, then read a buffer and write it \
         all, until len bytes are sent (stage big-file watches your \
         memory) (book: file-downloader.md, \"Streaming the file: \
         send_range\")"
    )
}

/// `--framed`: a request line (`file_downloader::wire::parse_request`),
/// then `OK <size>` and the bytes from the offset on, or `ERROR
/// <reason>` (`file_downloader::wire::header_line`).
pub fn handle_framed(stream: &mut TcpStream, root: &Path) -> io::Result<()> {
    todo!(
        "stage framed-size: read the request line, answer with a header \
         and the bytes from the offset, or an ERROR line \
         (book: file-downloader.md, \"The server's side\")"
    )
}
