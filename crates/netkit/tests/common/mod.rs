//! What netkit's test files share (each includes it with `mod common;`).

use std::io::{self, Write};

use netkit::{Connection, LineReader, Received};

/// Echoes lines back with a `>` in front until the client closes.
pub fn echo_lines(conn: &Connection) -> io::Result<()> {
    let mut stream = &*conn.stream;
    let mut lines = LineReader::new(stream, 64);
    while let Received::Data(line) = lines.read_line()? {
        stream.write_all(&[b">", &line[..], b"\n"].concat())?;
    }
    Ok(())
}
