//! The file client: ask for a name, save what comes back, and never leave
//! a file that looks complete when it is not.
//!
//! The original client sends the name, makes one `recv(1024)` and writes
//! what it got under "[接收]" and the name, over whatever was there.
//!
//! One `recv(1024)` returns whatever has arrived, up to 1024 bytes: the
//! first KiB of a larger file, or less. A stream has no end marker but its
//! end, so the client here reads until the server closes (a read of 0
//! bytes), or with `--framed` until it has the size the header announced.
//!
//! Bytes go into `NAME.part`, which is renamed to `NAME` only once the
//! download is complete, so a cut download never leaves a file that looks
//! whole. An existing `NAME` is not overwritten unless `--force`.
//!
//! # Try it
//!
//! ```text
//! cargo run -p file-downloader -- server --root .            # terminal 1
//! cargo run -p file-downloader -- client Cargo.toml          # terminal 2
//! cargo run -p file-downloader -- client Cargo.toml -o copy.toml --force
//! ```

use std::fs::{self, File, OpenOptions};
use std::io::{self, BufRead, Seek, SeekFrom, Write};
use std::net::{self as stdnet, TcpStream};
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context, anyhow, bail};
use indicatif::{ProgressBar, ProgressStyle};
use netkit::text::printable;
use netkit::{LineReader, Received, recv_some};

use crate::path::shown;
use crate::wire::{self, Header};
use crate::{
    CLIENT_BUF_SIZE, CLIENT_TIMEOUT, MAX_HEADER_LINE, MAX_NAME_LEN,
    PART_SUFFIX, Protocol, RECEIVED_PREFIX,
};

/// How to download, apart from what and where to.
#[derive(Clone, Debug)]
pub struct DownloadOptions {
    /// The original protocol, or `--framed`.
    pub protocol: Protocol,
    /// `--continue`: ask only for the bytes after those already in the
    /// `.part` file (framed only).
    pub resume: bool,
    /// How long to wait for the server to send more.
    pub timeout: Duration,
}

impl Default for DownloadOptions {
    fn default() -> DownloadOptions {
        DownloadOptions {
            protocol: Protocol::Raw,
            resume: false,
            timeout: CLIENT_TIMEOUT,
        }
    }
}

/// What a finished download did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Saved {
    /// The file's size.
    pub size: u64,
    /// How many of those bytes were already in the `.part` file.
    pub resumed_from: u64,
    /// Where the file is now.
    pub path: PathBuf,
}

// ANCHOR: default_output
/// The original's output name: "[接收]" and the name. Only the last part
/// of a path is kept: the original's "[接收]docs/a.txt" needs a directory
/// called "[接收]docs", and fails without one.
pub fn default_output(name: &str) -> anyhow::Result<PathBuf> {
    let last = Path::new(name).file_name().ok_or_else(|| {
        anyhow!(
            "{name:?} does not end in a file name; pass -o to name the copy"
        )
    })?;
    Ok(format!("{RECEIVED_PREFIX}{}", last.to_string_lossy()).into())
}
// ANCHOR_END: default_output

/// Refuses names no server could serve, before connecting.
pub fn check_name(name: &str, protocol: Protocol) -> anyhow::Result<()> {
    if name.is_empty() {
        bail!("the file name is empty");
    }
    if name.len() > MAX_NAME_LEN {
        bail!("the file name is over {MAX_NAME_LEN} bytes long");
    }
    if name.contains('\0') {
        bail!("the file name contains a NUL byte");
    }
    if protocol == Protocol::Framed && name.contains(['\n', '\r']) {
        bail!("with --framed a file name cannot contain a line break");
    }
    Ok(())
}

/// Where a download goes: the final path, and the `.part` file beside it
/// that holds the bytes until the download is complete.
#[derive(Clone, Debug)]
pub struct Output {
    path: PathBuf,
    part: PathBuf,
    force: bool,
}

impl Output {
    /// Saves to `path`; `force` allows replacing an existing file.
    pub fn new(path: PathBuf, force: bool) -> Output {
        let mut part = path.clone().into_os_string();
        part.push(PART_SUFFIX);
        Output {
            path,
            part: part.into(),
            force,
        }
    }

    /// The final path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The `.part` file.
    pub fn part(&self) -> &Path {
        &self.part
    }

    /// Fails if the download would overwrite a file without `--force`:
    /// checked before connecting, so nothing is downloaded in vain.
    pub fn check_free(&self) -> anyhow::Result<()> {
        if !self.force && self.path.exists() {
            bail!(
                "{} already exists; pass --force to overwrite it, or -o to \
                 choose another name",
                self.path.display()
            );
        }
        Ok(())
    }

    /// How many bytes the `.part` file holds (0 if there is none).
    pub fn part_len(&self) -> io::Result<u64> {
        match fs::metadata(&self.part) {
            Ok(metadata) => Ok(metadata.len()),
            Err(err) if err.kind() == io::ErrorKind::NotFound => Ok(0),
            Err(err) => Err(err),
        }
    }

    /// Opens the `.part` file to write from `offset` on: empty for a new
    /// download, cut to `offset` bytes for a resumed one.
    fn open_part(&self, offset: u64) -> io::Result<File> {
        let mut file = OpenOptions::new()
            .create(true)
            .write(true)
            .truncate(offset == 0)
            .open(&self.part)?;
        file.set_len(offset)?;
        file.seek(SeekFrom::Start(offset))?;
        Ok(file)
    }

    // ANCHOR: finish
    /// Gives the complete file its real name.
    fn finish(&self) -> io::Result<()> {
        if self.force {
            // rename() replaces the target in one step: a reader sees the
            // old file or the new one, never half of either.
            return fs::rename(&self.part, &self.path);
        }
        // A second link fails if the name is taken, in one step: checking
        // for the file first and renaming after would let a file appear in
        // between and be overwritten.
        match fs::hard_link(&self.part, &self.path) {
            Ok(()) => fs::remove_file(&self.part),
            Err(err) if err.kind() == io::ErrorKind::AlreadyExists => Err(err),
            // A file system without hard links (FAT, some network mounts).
            Err(_) if !self.path.exists() => fs::rename(&self.part, &self.path),
            Err(err) => Err(err),
        }
    }
    // ANCHOR_END: finish

    /// Removes the `.part` file of a download that cannot be resumed.
    fn discard(&self) {
        let _ = fs::remove_file(&self.part);
    }
}

/// Downloads `name` over `stream` (connected) into `output`.
pub fn download(
    stream: &TcpStream,
    name: &str,
    output: &Output,
    options: &DownloadOptions,
    progress: &ProgressBar,
) -> anyhow::Result<Saved> {
    stream.set_read_timeout(Some(options.timeout))?;
    match options.protocol {
        Protocol::Raw => download_raw(stream, name, output, progress),
        Protocol::Framed => {
            download_framed(stream, name, output, options.resume, progress)
        }
    }
}

// ANCHOR: download_raw
/// The original protocol: send the name, save everything until the close.
fn download_raw(
    mut stream: &TcpStream,
    name: &str,
    output: &Output,
    progress: &ProgressBar,
) -> anyhow::Result<Saved> {
    stream.write_all(name.as_bytes())?;
    half_close(stream);
    let mut file = output.open_part(0)?;
    // Here a read of 0 bytes is the only "end of file" there is. It is
    // also what a server that crashed halfway sends: we cannot tell.
    let received = receive(stream, &mut file, None, progress);
    drop(file);
    let size = match received {
        Ok(0) => {
            output.discard();
            bail!(
                "the server sent nothing for {name:?}: no such file, a \
                 refusal, or an empty file (this protocol cannot tell them \
                 apart; --framed on both ends can)"
            );
        }
        Ok(size) => size,
        Err((got, err)) => {
            output.discard();
            bail!("download of {name:?} failed after {got} bytes: {err}");
        }
    };
    output.finish().with_context(|| saving(output))?;
    Ok(Saved {
        size,
        resumed_from: 0,
        path: output.path.clone(),
    })
}
// ANCHOR_END: download_raw

// ANCHOR: download_framed
/// `--framed`: send a request line, read the header, then exactly the
/// bytes it announced.
fn download_framed(
    mut stream: &TcpStream,
    name: &str,
    output: &Output,
    resume: bool,
    progress: &ProgressBar,
) -> anyhow::Result<Saved> {
    let offset = if resume { output.part_len()? } else { 0 };
    stream.write_all(&wire::request_line(offset, name))?;
    half_close(stream);

    let mut lines = LineReader::new(stream, MAX_HEADER_LINE);
    let header = match lines.read_line() {
        Ok(Received::Data(line)) => {
            wire::parse_header(&line).ok_or_else(|| {
                anyhow!("the server's answer is not a header: {}", shown(&line))
            })?
        }
        Ok(Received::Closed) => bail!(
            "the server closed without answering (is it running with \
             --framed?)"
        ),
        Err(err) => return Err(err).context("reading the server's header"),
    };
    let size = match header {
        Header::Ok { size } if size >= offset => size,
        Header::Ok { size } => {
            bail!("the server announced {size} bytes, fewer than our {offset}")
        }
        // The reason is the server's text: escaped, so that a hostile
        // server cannot send the user's terminal escape sequences.
        Header::Error(reason) => {
            bail!(
                "the server refused {name:?}: {}",
                printable(reason.as_bytes())
            )
        }
    };
    show_total(progress, size, offset);

    let mut file = output.open_part(offset)?;
    let expected = size - offset;
    // One read may have taken the first bytes of the file together with
    // the header: they are the start of the body.
    let early = lines.buffered();
    if early.len() as u64 > expected {
        output.discard();
        bail!("the server sent more than the {size} bytes it announced");
    }
    file.write_all(early)?;
    progress.inc(early.len() as u64);
    let rest = expected - early.len() as u64;
    let received = receive(stream, &mut file, Some(rest), progress)
        .map(|n| n + early.len() as u64)
        .map_err(|(n, err)| (n + early.len() as u64, err));
    drop(file);
    match received {
        Ok(got) if got == expected => {}
        Ok(got) if got > expected => {
            output.discard();
            bail!("the server sent more than the {size} bytes it announced");
        }
        // Short: keep what we have, it is correct as far as it goes.
        Ok(got) => bail!(incomplete(name, output, offset + got, size, None)),
        Err((got, err)) => {
            bail!(incomplete(name, output, offset + got, size, Some(err)))
        }
    }
    output.finish().with_context(|| saving(output))?;
    Ok(Saved {
        size,
        resumed_from: offset,
        path: output.path.clone(),
    })
}
// ANCHOR_END: download_framed

/// Tells the server we will send nothing more: it reads end-of-stream
/// after our request (FIN), while our side can still read. If this fails,
/// the server has already reset the connection, and the reads that follow
/// report that.
fn half_close(stream: &TcpStream) {
    let _ = stream.shutdown(stdnet::Shutdown::Write);
}

fn incomplete(
    name: &str,
    output: &Output,
    got: u64,
    size: u64,
    err: Option<io::Error>,
) -> String {
    let why = err.map_or_else(
        || "the connection closed early".to_owned(),
        |err| err.to_string(),
    );
    format!(
        "download of {name:?} incomplete: got {got} of {size} bytes ({why}); \
         the partial file is kept in {}; run again with --continue to resume",
        output.part.display()
    )
}

fn saving(output: &Output) -> String {
    format!(
        "cannot rename {} to {}",
        output.part.display(),
        output.path.display()
    )
}

// ANCHOR: receive
/// Copies from `stream` to `file` until the stream ends, or, with a
/// `limit`, until `limit` bytes have come and then checks that the stream
/// ends there. Returns how many bytes were written (more than `limit` if
/// the server sent more), or the error with the count so far.
fn receive(
    mut stream: &TcpStream,
    file: &mut File,
    limit: Option<u64>,
    progress: &ProgressBar,
) -> Result<u64, (u64, io::Error)> {
    let mut buf = vec![0; CLIENT_BUF_SIZE];
    let mut got: u64 = 0;
    loop {
        let want = match limit {
            // Once everything announced is here, one byte is enough to
            // tell "end of stream" from "the server sent too much".
            Some(limit) => (limit - got.min(limit)).clamp(1, buf.len() as u64),
            None => buf.len() as u64,
        } as usize;
        match recv_some(&mut stream, &mut buf[..want]) {
            Ok(Received::Data(bytes)) => {
                file.write_all(bytes).map_err(|err| (got, err))?;
                got += bytes.len() as u64;
                progress.inc(bytes.len() as u64);
                if limit.is_some_and(|limit| got > limit) {
                    return Ok(got);
                }
            }
            Ok(Received::Closed) => return Ok(got),
            Err(err) => return Err((got, err)),
        }
    }
}
// ANCHOR_END: receive

/// A progress bar on stderr, or a hidden one: `visible` when stdout is a
/// terminal (someone is watching), hidden in pipes, scripts and tests.
pub fn progress_bar(visible: bool) -> ProgressBar {
    if !visible {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new_spinner();
    if let Ok(style) = ProgressStyle::with_template(
        "{spinner} {bytes} received, {binary_bytes_per_sec}",
    ) {
        bar.set_style(style);
    }
    bar
}

/// Switches the bar to a gauge once the size is known.
fn show_total(progress: &ProgressBar, size: u64, done: u64) {
    if let Ok(style) = ProgressStyle::with_template(
        "{bar:30} {bytes}/{total_bytes} {binary_bytes_per_sec}, {eta} left",
    ) {
        progress.set_style(style);
    }
    progress.set_length(size);
    progress.set_position(done);
}

/// Asks a question on `output` and reads the answer from `input`; an
/// empty answer takes `default`. The original asks for the server's IP,
/// its port and the file name this way.
pub fn ask(
    input: &mut impl BufRead,
    output: &mut impl Write,
    question: &str,
    default: Option<&str>,
) -> anyhow::Result<String> {
    match default {
        Some(default) => write!(output, "{question} [{default}]: ")?,
        None => write!(output, "{question}: ")?,
    }
    output.flush()?;
    let mut answer = String::new();
    if input.read_line(&mut answer)? == 0 {
        bail!("no answer to {question:?} (end of input)");
    }
    let answer = answer.trim();
    match (answer.is_empty(), default) {
        (true, Some(default)) => Ok(default.to_owned()),
        (true, None) => bail!("no answer to {question:?}"),
        (false, _) => Ok(answer.to_owned()),
    }
}

/// Joins an IP (or host name) and a port into `HOST:PORT`, with brackets
/// around an IPv6 address.
pub fn host_port(host: &str, port: &str) -> String {
    if host.contains(':') && !host.starts_with('[') {
        format!("[{host}]:{port}")
    } else {
        format!("{host}:{port}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_output_keeps_the_original_prefix_and_the_last_part() {
        let named = |name| default_output(name).expect("a name");
        assert_eq!(named("a.txt"), PathBuf::from("[接收]a.txt"));
        assert_eq!(named("docs/a.txt"), PathBuf::from("[接收]a.txt"));
        assert_eq!(named("docs/a.txt/"), PathBuf::from("[接收]a.txt"));
        assert!(default_output("..").is_err());
        assert!(default_output("a/..").is_err());
        assert!(default_output("/").is_err());
    }

    #[test]
    fn names_no_server_serves_are_refused_before_connecting() {
        assert!(check_name("", Protocol::Raw).is_err());
        assert!(check_name("a\0b", Protocol::Raw).is_err());
        assert!(
            check_name(&"x".repeat(MAX_NAME_LEN + 1), Protocol::Raw).is_err()
        );
        assert!(check_name("a\nb", Protocol::Framed).is_err());
        assert!(check_name("a b.txt", Protocol::Framed).is_ok());
    }

    #[test]
    fn ask_takes_the_default_on_an_empty_answer() {
        let mut shown = Vec::new();
        let answer =
            ask(&mut &b"\n"[..], &mut shown, "server ip", Some("127.0.0.1"));
        assert_eq!(answer.expect("answer"), "127.0.0.1");
        assert_eq!(shown, b"server ip [127.0.0.1]: ");
        let answer =
            ask(&mut &b" 10.0.0.7 \n"[..], &mut Vec::new(), "ip", Some("x"));
        assert_eq!(answer.expect("answer"), "10.0.0.7");
        assert!(
            ask(&mut &b"\n"[..], &mut Vec::new(), "file name", None).is_err()
        );
        assert!(
            ask(&mut &b""[..], &mut Vec::new(), "file name", None).is_err()
        );
    }

    #[test]
    fn ipv6_hosts_get_brackets() {
        assert_eq!(host_port("127.0.0.1", "7890"), "127.0.0.1:7890");
        assert_eq!(host_port("::1", "7890"), "[::1]:7890");
        assert_eq!(host_port("[::1]", "7890"), "[::1]:7890");
        assert_eq!(host_port("localhost", "7890"), "localhost:7890");
    }
}
