//! The client: log in, then send each typed line and print each message
//! the server sends, at once, until the user or the server is done.
//!
//! # Try it
//!
//! ```text
//! cargo run -p chat-room -- server                          # terminal 1
//! cargo run -p chat-room-exercise -- client -u alice        # terminal 2
//! cargo run -p chat-room -- client -u bob                   # terminal 3
//! ```

use std::io::Write;
use std::net::TcpStream;

use chat_room::protocol::Framing;
use crossbeam_channel::Receiver;

/// Logs in as `name` (the bare name in one write, or a line with
/// `--lines`) and reads the answer: `SUCCESS` goes on, `REUSE` is an
/// error (`anyhow::bail!`: the program prints it as one `error:` line and
/// exits 1). Then, at once: every line from `input` is sent in one write
/// (in the room's framing), and every message the server sends is
/// written to `out`, one per line (one read is one message, or a line
/// with `--lines`), until the server says `QUIT` or closes. A typed
/// `quit` is sent; at the end of `input`, leave: send `quit`, or close
/// your sending half (`shutdown(Write)`), and wait for the server.
pub fn run_client(
    stream: TcpStream,
    name: &str,
    framing: Framing,
    input: &Receiver<String>,
    out: impl Write + Send + 'static,
) -> anyhow::Result<()> {
    todo!(
        "stage client-login: send the name, read the answer, then send \
         typed lines and print messages at once (book: chat-room.md, \"The \
         client\")"
    )
}
