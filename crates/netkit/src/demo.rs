//! Helpers for each lesson's `demo` subcommand, which runs a server and its
//! clients in one process and shows both sides on stdout.

use std::io::{self, Write};

use crossbeam_channel::Sender;

use crate::log::Log;

/// A server log that prints each event on stdout behind `prefix`.
pub fn stdout_log(prefix: &'static str) -> Log {
    Log::to(move |line| println!("{prefix}{line}"))
}

/// A writer that puts `prefix` at the start of every line written to it,
/// so a client's output can be told from the server's.
#[derive(Debug)]
pub struct Prefixed<W> {
    inner: W,
    prefix: &'static str,
    at_line_start: bool,
}

impl<W: Write> Prefixed<W> {
    /// Wraps `inner`.
    pub fn new(inner: W, prefix: &'static str) -> Prefixed<W> {
        Prefixed {
            inner,
            prefix,
            at_line_start: true,
        }
    }
}

impl<W: Write> Write for Prefixed<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        for line in buf.split_inclusive(|&b| b == b'\n') {
            if self.at_line_start {
                self.inner.write_all(self.prefix.as_bytes())?;
            }
            self.inner.write_all(line)?;
            self.at_line_start = line.ends_with(b"\n");
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

/// A writer that sends each complete line written to it (without its
/// newline) to a channel: a program that prints can be watched line by
/// line by a demo or a test.
#[derive(Debug)]
pub struct LineSender {
    line: Vec<u8>,
    to: Sender<String>,
}

impl LineSender {
    /// Sends lines to `to`.
    pub fn new(to: Sender<String>) -> LineSender {
        LineSender {
            line: Vec::new(),
            to,
        }
    }
}

impl Write for LineSender {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        for &byte in buf {
            if byte == b'\n' {
                let line = String::from_utf8_lossy(&self.line).into_owned();
                self.line.clear();
                // Nobody listening any more is not the writer's problem.
                let _ = self.to.send(line);
            } else {
                self.line.push(byte);
            }
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The prefix goes before each line, however the writes are cut.
    #[test]
    fn prefix_starts_every_line() {
        let mut out = Prefixed::new(Vec::new(), "c: ");
        out.write_all(b"one\ntw").expect("write");
        out.write_all(b"o\nthree\n").expect("write");
        assert_eq!(out.inner, b"c: one\nc: two\nc: three\n");
    }
}
