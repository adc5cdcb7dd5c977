//! The server: open the listening socket, accept clients, and talk to
//! each one. The protocol, with nothing ending in a newline:
//!
//! ```text
//! server: Welcome!
//! client: Ada
//! server: Hello, Ada!
//! client: exit
//! server: (closes the connection)
//! ```
//!
//! # Try it
//!
//! ```text
//! cargo run -p hello-echo-exercise -- server    # terminal 1
//! cargo run -p hello-echo -- client             # terminal 2: the lesson's client
//! ```

use std::io;
use std::net::{SocketAddr, TcpListener, TcpStream};

use hello_echo::Protocol;

/// Opens a TCP socket listening on `addr`, in the four steps of Python's
/// `socket()`, `setsockopt(SO_REUSEADDR)`, `bind()` and `listen()`, with
/// `socket2::Socket`; `netkit::bind::BACKLOG` is a good backlog.
pub fn open_listener(addr: SocketAddr) -> io::Result<TcpListener> {
    todo!(
        "stage listen: create the socket, set SO_REUSEADDR, bind, listen \
         (book: hello-echo.md, \"Opening the listening socket\")"
    )
}

/// Accepts clients on `listener` for as long as the program runs, and
/// serves each with [`handle_client`] (or [`handle_lines`] with
/// `--lines`) on a thread of its own. A client's error ends that client's
/// conversation only: print it (with the client's address) to stderr and
/// go on accepting.
pub fn serve(listener: TcpListener, protocol: Protocol) -> io::Result<()> {
    todo!(
        "stage listen: accept clients in a loop, each on a thread of its \
         own (book: hello-echo.md, \"The accept loop\")"
    )
}

/// One client, the original protocol: send `Welcome!`, then answer each
/// message `X` with `Hello, X!` (`hello_echo::greeting`) until the client
/// sends `exit` or closes. One read of at most `hello_echo::READ_BUF_SIZE`
/// bytes is one message, as in the original. Bytes, never text.
pub fn handle_client(stream: TcpStream) -> io::Result<()> {
    todo!(
        "stage welcome: write WELCOME, then answer each message until \
         `exit` (book: hello-echo.md, \"The handler\")"
    )
}

/// One client with `--lines`: the same conversation, with every message
/// a line ending in `\n`, both ways. Read lines with `netkit::LineReader`,
/// at most `hello_echo::MAX_LINE_NAME` bytes long; over that, write one
/// line starting `error:` and close.
pub fn handle_lines(stream: TcpStream) -> io::Result<()> {
    todo!(
        "stage lines-hello: the same conversation, a line at a time \
         (book: hello-echo.md, \"1. One recv(1024) taken as one whole \
         message\")"
    )
}
