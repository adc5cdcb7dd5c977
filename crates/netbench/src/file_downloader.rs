//! The file server's download rate (lesson 4): how fast one file comes
//! down one connection, and how much memory the server needed to send it.
//!
//! # What is measured
//!
//! One client connects, asks for the file, and reads until the server
//! closes, throwing the bytes away: the bench measures the server, so the
//! client does as little as it can (one buffer, reused; no file written,
//! no checksum). The time runs from the connect call to the read of 0
//! bytes that says the server closed; the rate is the file's bytes over
//! that time, in MiB/s (MiB = 2^20 bytes). With a server pid, the report
//! adds the server's peak resident memory, which shows whether it
//! streamed the file or held it whole (the original reads it all first).
//!
//! How it asks ([`Request`]):
//!
//! ```text
//! raw (the original's):   > big.bin                (one send, then FIN)
//!                         < ...every byte...       (then the server closes)
//! framed (--framed):      > FETCH 0 big.bin\n      (then FIN)
//!                         < OK 1073741824\n
//!                         < ...exactly that many bytes...  (then close)
//!                     or: < ERROR no such file\n
//! none (socat):           (we send nothing)
//!                         < ...every byte...       (then the server closes)
//! ```
//!
//! Every way a download can go wrong is an error that says so, never a
//! hang or a figure: a server that sends nothing for [`READ_TIMEOUT`]
//! has stalled; a raw server that closes at once has no such file (the
//! original's protocol cannot say it otherwise); a framed body must be
//! exactly the size its header announced; with `expect`, any other byte
//! count is an error. The framed request and header lines are the
//! lesson's own (`file_downloader::wire`): one definition of the syntax
//! for both ends. What keeps this client independent of the server is
//! the count of bytes, checked against the size announced and against
//! `expect`, which `scripts/bench` takes from the file itself.
//!
//! # Try it
//!
//! ```text
//! mkdir -p /tmp/fd && head -c 1G /dev/urandom > /tmp/fd/big.bin
//! cargo build --release -p file-downloader -p netbench
//! target/release/file-downloader server --bind 127.0.0.1:0 \
//!     --root /tmp/fd -q &        # prints "listening on 127.0.0.1:PORT"
//! target/release/netbench file-downloader --connect 127.0.0.1:PORT \
//!     --expect 1073741824 --server-pid $!
//! python3 crates/file-downloader/python/server.py --bind 127.0.0.1:0 \
//!     --root /tmp/fd --framed &
//! target/release/netbench file-downloader --connect 127.0.0.1:PORT \
//!     --request framed --server-pid $!
//! socat -u -b 131072 OPEN:/tmp/fd/big.bin \
//!     TCP-LISTEN:7999,bind=127.0.0.1,reuseaddr &
//! target/release/netbench file-downloader --connect 127.0.0.1:7999 \
//!     --request none
//! rm -r /tmp/fd                  # and stop the servers: kill PID
//! ```

use std::fmt;
use std::io::Write;
use std::net::{Shutdown as Half, SocketAddr, TcpStream};
use std::time::{Duration, Instant};

use anyhow::{Context, anyhow, bail};
use file_downloader::wire;
use netkit::bind::CONNECT_TIMEOUT;
use netkit::text::printable;
use netkit::{NetError, Received, recv_some};

use serde::{Deserialize, Serialize};

use crate::process::peak_rss_kib;

/// One read's buffer, reused for the whole file: larger reads mean fewer
/// system calls per GiB, up to where the differences drown in the noise.
/// Measured on this machine's loopback (2 shared cores), a 1 GiB file from
/// our server with sendfile, MiB/s, median (min-max): 64 KiB 1824
/// (1581-2478, 5 runs), 256 KiB 2139 (1769-2822, 11), 1 MiB 2233
/// (1880-2673, 11), 4 MiB 2241 (1526-2389, 6). 1 MiB is also the lesson's
/// client's (`file_downloader::CLIENT_BUF_SIZE`).
///
/// Copying the bytes out of the kernel is itself the limit: the same
/// reads with `MSG_TRUNC` (Linux drops TCP bytes without copying them)
/// came at a median 4679 MiB/s. A server faster than about 2 GiB/s here
/// looks no faster than that.
pub const READ_SIZE: usize = 1024 * 1024;

/// How long any one read may wait for the server. A stall is an error
/// that says so: a server that stops sending, or one that waits for a
/// request we did not send, never hangs the bench.
pub const READ_TIMEOUT: Duration = Duration::from_secs(10);

/// The longest `--framed` header line we accept: the lesson's client's.
pub use file_downloader::MAX_HEADER_LINE;

/// How much of an answer that is not a header an error shows.
const SHOWN_BYTES: usize = 60;

/// A MiB, the unit of the rate.
const MIB: f64 = (1u64 << 20) as f64;

/// How the bench asks for the file.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum, Serialize, Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum Request {
    /// The original's protocol: the bare name in one send.
    Raw,
    /// The servers' `--framed`: `FETCH 0 NAME\n`, then an `OK SIZE\n` header.
    Framed,
    /// Nothing: the server sends as soon as we connect (socat).
    None,
}

impl Request {
    /// The name the command line and the JSON report use.
    pub fn name(self) -> &'static str {
        match self {
            Request::Raw => "raw",
            Request::Framed => "framed",
            Request::None => "none",
        }
    }
}

/// What to run.
#[derive(Clone, Debug)]
pub struct Options {
    /// The file server, on loopback.
    pub addr: SocketAddr,
    /// The file to ask for (not sent with [`Request::None`]).
    pub name: String,
    /// How to ask for it.
    pub request: Request,
    /// The file's size, if known: any other byte count is an error.
    pub expect: Option<u64>,
    /// The server's process, to read its peak memory.
    pub server_pid: Option<u32>,
}

/// What a run measured: `--json` prints it as one line.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "mode", rename = "file-downloader")]
pub struct Report {
    /// How the file was asked for.
    pub request: Request,
    /// The file's bytes received: everything before the close, or, framed,
    /// the body after the header (the header is not counted).
    pub bytes: u64,
    /// From the connect call to the read of 0 bytes that meant the server
    /// closed, in seconds.
    pub seconds: f64,
    /// The download rate in MiB (2^20 bytes) per second.
    pub mib_per_s: f64,
    /// The server's peak resident memory after the run, in KiB.
    pub server_peak_rss_kib: Option<u64>,
}

impl Report {
    /// The figures of `bytes` received in `elapsed`.
    fn new(request: Request, bytes: u64, elapsed: Duration) -> Report {
        let seconds = elapsed.as_secs_f64();
        Report {
            request,
            bytes,
            seconds,
            // A clock that did not tick counts as a nanosecond, so that
            // the rate stays a finite number (JSON has no infinity).
            mib_per_s: bytes as f64 / MIB / seconds.max(1e-9),
            server_peak_rss_kib: None,
        }
    }
}

/// Downloads the file once and reports how fast it came.
pub fn run(options: &Options) -> anyhow::Result<Report> {
    measure(options, READ_TIMEOUT)
}

/// [`run`], with the timeout of each read given (short in tests).
fn measure(
    options: &Options,
    read_timeout: Duration,
) -> anyhow::Result<Report> {
    if let Some(pid) = options.server_pid {
        peak_rss_kib(pid)?; // fail now, not after the run
    }
    let name = &options.name;
    if options.request == Request::Framed && name.contains(['\n', '\r']) {
        bail!("a framed request cannot carry a line break in the name");
    }
    let mut buf = vec![0; READ_SIZE];
    let start = Instant::now();
    let stream = TcpStream::connect_timeout(&options.addr, CONNECT_TIMEOUT)
        .map_err(|err| NetError::Connect(options.addr, err))?;
    stream.set_read_timeout(Some(read_timeout))?;
    stream.set_write_timeout(Some(read_timeout))?;
    send_request(&stream, options)?;
    let bytes = match options.request {
        Request::Raw | Request::None => {
            receive_raw(&stream, &mut buf, options, read_timeout)?
        }
        Request::Framed => {
            receive_framed(&stream, &mut buf, name, read_timeout)?
        }
    };
    let elapsed = start.elapsed();
    drop(stream);
    if let Some(expect) = options.expect.filter(|&expect| expect != bytes) {
        bail!(
            "got {bytes} bytes of {name:?}, expected {expect} (--expect): \
             is it the right file?"
        );
    }
    let mut report = Report::new(options.request, bytes, elapsed);
    report.server_peak_rss_kib =
        options.server_pid.map(peak_rss_kib).transpose()?;
    Ok(report)
}

/// Sends the request, then half-closes: the server reads end-of-stream
/// (FIN) after it and can finish its close at once, while we still read.
fn send_request(
    mut stream: &TcpStream,
    options: &Options,
) -> anyhow::Result<()> {
    let request = match options.request {
        // The whole name in one write: the original server takes one
        // `recv` as the whole name, as its protocol has no terminator.
        Request::Raw => options.name.as_bytes().to_vec(),
        Request::Framed => wire::request_line(0, &options.name),
        // Nothing at all, not even a FIN. socat -u never reads this side,
        // and a socket closed with bytes it has not read sends a reset
        // (RST) instead of a normal end: a reset can make our kernel drop
        // file bytes that arrived but that we have not read yet.
        Request::None => return Ok(()),
    };
    stream
        .write_all(&request)
        .context("sending the request: the server closed the connection")?;
    // If this fails the server has reset the connection already, and the
    // next read says so.
    let _ = stream.shutdown(Half::Write);
    Ok(())
}

/// Reads until the server closes and counts the bytes: with the original
/// protocol (and socat), the close is the only end of file there is.
fn receive_raw(
    stream: &TcpStream,
    buf: &mut [u8],
    options: &Options,
    read_timeout: Duration,
) -> anyhow::Result<u64> {
    let got = read_to_close(stream, buf, 0, options.request, read_timeout)?;
    if got > 0 {
        return Ok(got);
    }
    match options.request {
        // The original's answer to a missing (or refused) file is a close
        // with nothing before it, and an empty file looks the same.
        Request::Raw => bail!(
            "the server sent nothing for {:?} and closed: it has no such \
             file (the original protocol cannot say so otherwise); check \
             its --root and our --name, or, if it runs with --framed, pass \
             --request framed",
            options.name
        ),
        _ => bail!("the server closed without sending anything"),
    }
}

/// Reads the `OK SIZE` header, then the body until the server closes: the
/// body must be exactly SIZE bytes. Returns SIZE.
fn receive_framed(
    mut stream: &TcpStream,
    buf: &mut [u8],
    name: &str,
    read_timeout: Duration,
) -> anyhow::Result<u64> {
    let mut head = Vec::new();
    let (size, early) = loop {
        // Small reads until the header is in, so `head` stays small.
        let want = buf.len().min(MAX_HEADER_LINE + 1);
        match recv_some(&mut stream, &mut buf[..want]) {
            Ok(Received::Data(bytes)) => head.extend_from_slice(bytes),
            Ok(Received::Closed) => bail!(
                "the server closed before its header was complete (got {}); \
                 is it running with --framed? If not, pass --request raw",
                shown(&head)
            ),
            Err(err) => {
                return Err(cut_short(&err, 0, Request::Framed, read_timeout));
            }
        }
        match parse_header(&head) {
            Header::NeedMore => {}
            // TCP has no message boundaries: the read that ended the
            // header may have brought the body's first bytes too.
            Header::Ok { size, len } => {
                break (size, (head.len() - len) as u64);
            }
            Header::Error(reason) => {
                bail!(
                    "the server refused {name:?}: {}",
                    printable(reason.as_bytes())
                )
            }
            Header::Invalid => bail!(
                "the server's answer is not an OK or ERROR header: {}; is \
                 it running with --framed? If not, pass --request raw",
                shown(&head)
            ),
        }
    };
    let got = read_to_close(stream, buf, early, Request::Framed, read_timeout)?;
    if got < size {
        bail!(
            "the server closed after {got} of the {size} bytes it announced \
             for {name:?}"
        );
    }
    if got > size {
        bail!(
            "the server sent {got} bytes for {name:?}, more than the {size} \
             it announced"
        );
    }
    Ok(size)
}

/// Reads into `buf` and drops the bytes until the server closes; returns
/// `got` plus what was read. `buf` is reused for every read, so the
/// client costs one copy out of the kernel per byte and nothing else.
fn read_to_close(
    mut stream: &TcpStream,
    buf: &mut [u8],
    mut got: u64,
    request: Request,
    read_timeout: Duration,
) -> anyhow::Result<u64> {
    loop {
        match recv_some(&mut stream, buf) {
            Ok(Received::Data(bytes)) => got += bytes.len() as u64,
            // A read of 0 bytes: the server closed, the end of the file.
            Ok(Received::Closed) => return Ok(got),
            Err(err) => {
                return Err(cut_short(&err, got, request, read_timeout));
            }
        }
    }
}

/// The error for a download that ended in a failed read after `got`
/// bytes.
fn cut_short(
    err: &std::io::Error,
    got: u64,
    request: Request,
    read_timeout: Duration,
) -> anyhow::Error {
    if !netkit::is_timeout(err) {
        return anyhow!("the download failed after {got} bytes: {err}");
    }
    let hint = match (got, request) {
        (0, Request::None) => {
            "; does it wait for a request? Pass --request raw or framed"
        }
        (0, _) => "; is it a file server?",
        _ => "",
    };
    anyhow!(
        "the server stalled: nothing for {read_timeout:?} after {got} \
         bytes{hint}"
    )
}

/// The start of what the server sent, escaped, for an error message.
fn shown(bytes: &[u8]) -> String {
    let end = bytes.len().min(SHOWN_BYTES);
    let more = if bytes.len() > end { "..." } else { "" };
    format!("\"{}\"{more}", printable(&bytes[..end]))
}

/// What the first bytes of a `--framed` answer say.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Header {
    /// No newline yet, and the bytes so far could still begin a header.
    NeedMore,
    /// `OK SIZE\n`: SIZE bytes of the file follow the first `len` bytes.
    Ok {
        /// The file's size, as announced.
        size: u64,
        /// The header's length, newline included.
        len: usize,
    },
    /// `ERROR REASON\n`: the server's reason, as sent (not yet safe to
    /// print).
    Error(String),
    /// Not a header: neither answer, or longer than [`MAX_HEADER_LINE`].
    Invalid,
}

/// Reads a header from the start of `got`, all the bytes received so
/// far: call it again with more bytes while it says
/// [`NeedMore`](Header::NeedMore).
pub fn parse_header(got: &[u8]) -> Header {
    let Some(end) = got.iter().position(|&b| b == b'\n') else {
        return if got.len() <= MAX_HEADER_LINE && may_start_header(got) {
            Header::NeedMore
        } else {
            Header::Invalid
        };
    };
    let line = &got[..end];
    if end > MAX_HEADER_LINE {
        return Header::Invalid;
    }
    match wire::parse_header(line) {
        Some(wire::Header::Ok { size }) => Header::Ok { size, len: end + 1 },
        Some(wire::Header::Error(reason)) => Header::Error(reason),
        None => Header::Invalid,
    }
}

/// Whether `got`, with no newline yet, could be the start of a header: so
/// that a server sending something else (file bytes, without --framed)
/// is caught at its first bytes.
fn may_start_header(got: &[u8]) -> bool {
    if let Some(digits) = got.strip_prefix(b"OK ") {
        return digits.iter().all(u8::is_ascii_digit);
    }
    let begins =
        |word: &[u8]| word.starts_with(&got[..got.len().min(word.len())]);
    got.starts_with(b"ERROR ") || begins(b"OK ") || begins(b"ERROR ")
}

/// The one-line summary for a person:
///
/// ```text
/// file-downloader (raw): 1073741824 bytes in 0.412 s, 2485.4 MiB/s;
/// server peak RSS 3.2 MiB
/// ```
impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "file-downloader ({}): {} bytes in {:.3} s, {:.1} MiB/s",
            self.request.name(),
            self.bytes,
            self.seconds,
            self.mib_per_s
        )?;
        if let Some(kib) = self.server_peak_rss_kib {
            write!(f, "; server peak RSS {:.1} MiB", kib as f64 / 1024.0)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use std::io::Read;
    use std::net::TcpListener;
    use std::thread::{self, JoinHandle};

    use super::*;

    /// Every socket in these tests gives up after this long, so that a
    /// bug fails a test instead of hanging it.
    const TEST_TIMEOUT: Duration = Duration::from_secs(5);

    /// The client's read timeout where a test makes the server stall.
    const STALL_TIMEOUT: Duration = Duration::from_millis(200);

    /// A file of `len` bytes, more than one read's worth when `len` is
    /// large.
    fn file_bytes(len: usize) -> Vec<u8> {
        (0..len).map(|i| (i % 251) as u8).collect()
    }

    /// A server for one connection on 127.0.0.1:0, bound before its
    /// thread starts so the client can connect at once. `answer` gets the
    /// accepted socket and returns what the client sent. Every test's
    /// client connects, so the `accept` returns.
    fn serve_once(
        answer: impl FnOnce(&mut TcpStream) -> Vec<u8> + Send + 'static,
    ) -> (SocketAddr, JoinHandle<Vec<u8>>) {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let server = thread::spawn(move || {
            let (mut stream, _) = listener.accept().unwrap();
            stream.set_read_timeout(Some(TEST_TIMEOUT)).unwrap();
            stream.set_write_timeout(Some(TEST_TIMEOUT)).unwrap();
            answer(&mut stream)
        });
        (addr, server)
    }

    /// Reads the request up to the client's FIN (a read of 0 bytes): it
    /// times out, and the test fails, if the client never half-closes.
    fn read_request(stream: &mut TcpStream) -> Vec<u8> {
        let mut request = Vec::new();
        stream.read_to_end(&mut request).unwrap();
        request
    }

    /// A server that reads the request, sends `answer` and closes.
    fn answering(answer: Vec<u8>) -> (SocketAddr, JoinHandle<Vec<u8>>) {
        serve_once(move |stream| {
            let request = read_request(stream);
            stream.write_all(&answer).unwrap();
            request
        })
    }

    fn options(addr: SocketAddr, request: Request) -> Options {
        Options {
            addr,
            name: "big.bin".to_owned(),
            request,
            expect: None,
            server_pid: None,
        }
    }

    /// Runs the client with the test timeout.
    fn fetch(options: &Options) -> anyhow::Result<Report> {
        measure(options, TEST_TIMEOUT)
    }

    /// Raw: the bare name in one send, then every byte until the close,
    /// however many reads that takes.
    #[test]
    fn raw_request_is_the_bare_name_and_the_file_ends_at_the_close() {
        let len = 3 * READ_SIZE + 7;
        let (addr, server) = answering(file_bytes(len));
        let mut options = options(addr, Request::Raw);
        options.expect = Some(len as u64);
        let report = fetch(&options).unwrap();
        assert_eq!(server.join().unwrap(), b"big.bin");
        assert_eq!(report.bytes, len as u64);
        assert_eq!(report.request, Request::Raw);
        assert_eq!(report.server_peak_rss_kib, None);
    }

    /// Raw: a close with nothing before it is the original's only way to
    /// say "no such file".
    #[test]
    fn raw_close_with_nothing_sent_means_no_such_file() {
        let (addr, server) = answering(Vec::new());
        let err = fetch(&options(addr, Request::Raw)).unwrap_err();
        assert_eq!(server.join().unwrap(), b"big.bin");
        assert!(err.to_string().contains("no such file"), "{err}");
    }

    /// A server that closes early sends fewer bytes than expected: an
    /// error that gives both counts, not a fast figure.
    #[test]
    fn early_close_is_fewer_bytes_than_expected() {
        let (addr, server) = answering(file_bytes(500));
        let mut options = options(addr, Request::Raw);
        options.expect = Some(1000);
        let err = fetch(&options).unwrap_err().to_string();
        server.join().unwrap();
        assert!(err.contains("got 500 bytes"), "{err}");
        assert!(err.contains("expected 1000"), "{err}");
    }

    /// Framed: a FETCH line, then the header and exactly the announced
    /// bytes; the header is not counted, and body bytes that came in the
    /// header's read are.
    #[test]
    fn framed_request_is_a_fetch_line_and_the_body_is_the_size() {
        let len = 2 * READ_SIZE + 3;
        let mut answer = format!("OK {len}\n").into_bytes();
        answer.extend(file_bytes(len));
        let (addr, server) = answering(answer);
        let mut options = options(addr, Request::Framed);
        options.expect = Some(len as u64);
        let report = fetch(&options).unwrap();
        assert_eq!(server.join().unwrap(), b"FETCH 0 big.bin\n");
        assert_eq!(report.bytes, len as u64);
        assert_eq!(report.request, Request::Framed);
    }

    /// Framed: an ERROR answer is an error that shows the server's
    /// reason, with its control characters escaped.
    #[test]
    fn framed_error_shows_the_servers_reason_escaped() {
        let (addr, server) = answering(b"ERROR no such file\x1b[2J\n".to_vec());
        let err = fetch(&options(addr, Request::Framed)).unwrap_err();
        server.join().unwrap();
        let err = err.to_string();
        assert!(err.contains("refused \"big.bin\""), "{err}");
        assert!(err.contains("no such file\\u{1b}[2J"), "{err}");
    }

    /// Framed: a body cut short of the announced size is an error, as is
    /// one that runs past it.
    #[test]
    fn framed_body_of_another_size_is_an_error() {
        let mut short = b"OK 1000\n".to_vec();
        short.extend(file_bytes(600));
        let (addr, server) = answering(short);
        let err = fetch(&options(addr, Request::Framed)).unwrap_err();
        server.join().unwrap();
        assert!(err.to_string().contains("after 600 of the 1000"), "{err}");

        let mut long = b"OK 10\n".to_vec();
        long.extend(file_bytes(11));
        let (addr, server) = answering(long);
        let err = fetch(&options(addr, Request::Framed)).unwrap_err();
        server.join().unwrap();
        assert!(err.to_string().contains("more than the 10"), "{err}");
    }

    /// Framed, against a server that sends the file without a header (a
    /// raw server): not a header, said at once, with the way out.
    #[test]
    fn framed_answer_without_a_header_is_an_error() {
        let (addr, server) = answering(b"\x7fELF binary".to_vec());
        let err = fetch(&options(addr, Request::Framed)).unwrap_err();
        server.join().unwrap();
        let err = err.to_string();
        assert!(err.contains("not an OK or ERROR header"), "{err}");
        assert!(err.contains("\\u{7f}ELF"), "{err}");
        assert!(err.contains("--request raw"), "{err}");
    }

    /// None: the client sends nothing, not even a FIN, and reads to the
    /// close. The server sends first and then reads what the client sent
    /// until it closes: nothing.
    #[test]
    fn none_request_sends_nothing_and_reads_to_the_close() {
        let len = READ_SIZE + 1;
        let (addr, server) = serve_once(move |stream| {
            stream.write_all(&file_bytes(len)).unwrap();
            stream.shutdown(Half::Write).unwrap();
            read_request(stream)
        });
        let report = fetch(&options(addr, Request::None)).unwrap();
        assert_eq!(server.join().unwrap(), b"");
        assert_eq!(report.bytes, len as u64);
        assert_eq!(report.request, Request::None);
    }

    /// A server that stops sending without closing is an error once a
    /// read has waited its timeout: the bench never hangs.
    #[test]
    fn a_stalled_server_is_an_error_not_a_hang() {
        let (release, held) = crossbeam_channel::bounded::<()>(0);
        let (addr, server) = serve_once(move |stream| {
            let request = read_request(stream);
            stream.write_all(&file_bytes(1000)).unwrap();
            // Hold the connection open until the test is done with it.
            let _ = held.recv_timeout(TEST_TIMEOUT);
            request
        });
        let options = options(addr, Request::Raw);
        let err = measure(&options, STALL_TIMEOUT).unwrap_err().to_string();
        drop(release);
        server.join().unwrap();
        assert!(err.contains("stalled"), "{err}");
        assert!(err.contains("after 1000 bytes"), "{err}");
    }

    /// With a server pid, the report has its peak memory (this test's own
    /// process stands in for the server); a pid that is not running fails
    /// before anything is sent.
    #[test]
    #[cfg(target_os = "linux")]
    fn server_pid_adds_the_peak_memory() {
        let (addr, server) = answering(file_bytes(10));
        let mut options = options(addr, Request::Raw);
        options.server_pid = Some(std::process::id());
        let report = fetch(&options).unwrap();
        server.join().unwrap();
        assert!(report.server_peak_rss_kib.is_some_and(|kib| kib > 0));

        options.server_pid = Some(u32::MAX);
        assert!(fetch(&options).is_err());
    }

    /// A line break in a framed name would end the request line early.
    #[test]
    fn framed_name_with_a_line_break_is_refused_before_connecting() {
        let mut options = options(([127, 0, 0, 1], 9).into(), Request::Framed);
        options.name = "a\nb".to_owned();
        let err = fetch(&options).unwrap_err().to_string();
        assert!(err.contains("line break"), "{err}");
    }

    /// A header and what follows it, fed in pieces of every size: the
    /// answer is "need more" until the newline is in, then the same.
    #[test]
    fn header_parses_the_same_fed_in_pieces_of_every_size() {
        let cases: [(&[u8], Header); 3] = [
            (
                b"OK 1073741824\nfile",
                Header::Ok {
                    size: 1 << 30,
                    len: 14,
                },
            ),
            (b"OK 0\n", Header::Ok { size: 0, len: 5 }),
            (
                b"ERROR no such file\nx",
                Header::Error("no such file".to_owned()),
            ),
        ];
        for (bytes, want) in cases {
            let newline = bytes.iter().position(|&b| b == b'\n').unwrap();
            for piece in 1..=bytes.len() {
                let mut got = Vec::new();
                for chunk in bytes.chunks(piece) {
                    got.extend_from_slice(chunk);
                    let header = parse_header(&got);
                    if got.len() <= newline {
                        assert_eq!(header, Header::NeedMore, "{got:?}");
                    } else {
                        assert_eq!(header, want, "{got:?}");
                    }
                }
            }
        }
    }

    /// Anything that cannot begin a header is invalid from its first
    /// bytes, without waiting for a newline that may never come.
    #[test]
    fn malformed_headers_are_invalid() {
        for bytes in [
            &b"\n"[..],
            b"O\n",
            b"OK\n",
            b"OK \n",
            b"OK -5\n",
            b"OK 12 bytes\n",
            b"OK 18446744073709551616\n",
            b"ERROR\n",
            b"ok 5\n",
            b"HTTP/1.1 200 OK\r\n",
            b"x",
            b"OK x",
            b"OK 12 ",
            b"ERRORS",
            b"\x7fELF",
        ] {
            assert_eq!(parse_header(bytes), Header::Invalid, "{bytes:?}");
        }
        let long = [b"ERROR ".as_slice(), &[b'x'; MAX_HEADER_LINE]].concat();
        assert_eq!(parse_header(&long), Header::Invalid);
        let digits = [b"OK ".as_slice(), &[b'1'; MAX_HEADER_LINE]].concat();
        assert_eq!(parse_header(&digits), Header::Invalid);
        assert_eq!(parse_header(b""), Header::NeedMore);
        assert_eq!(parse_header(b"ERROR "), Header::NeedMore);
    }

    /// Any bytes at all: no panic, an `Ok` header ends at its newline,
    /// and once the answer is given, more bytes never change it.
    #[test]
    fn header_parsing_never_panics_and_never_changes_its_mind() {
        const ALPHABET: &[u8] = b"OK ERROR0123456789\n\r\xff\x00x";
        let mut state: u64 = 0x9e37_79b9_7f4a_7c15; // xorshift64's seed
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        for _ in 0..20_000 {
            let len = (next() % 24) as usize;
            let bytes: Vec<u8> = (0..len)
                .map(|_| ALPHABET[(next() % ALPHABET.len() as u64) as usize])
                .collect();
            let mut answer = Header::NeedMore;
            for end in 0..=bytes.len() {
                let header = parse_header(&bytes[..end]);
                if let Header::Ok { len, .. } = header {
                    assert_eq!(bytes[len - 1], b'\n', "{bytes:?}");
                }
                if answer != Header::NeedMore {
                    assert_eq!(header, answer, "{bytes:?}");
                }
                answer = header;
            }
        }
    }

    /// The JSON keys the bench reads, in their order, and the summary.
    #[test]
    fn report_has_stable_json_keys_and_a_summary() {
        let mut report =
            Report::new(Request::Framed, 1 << 30, Duration::from_millis(500));
        report.server_peak_rss_kib = Some(3276);
        let json = |report: &Report| serde_json::to_string(report).unwrap();
        assert_eq!(
            json(&report),
            concat!(
                r#"{"mode":"file-downloader","request":"framed","#,
                r#""bytes":1073741824,"seconds":0.5,"mib_per_s":2048.0,"#,
                r#""server_peak_rss_kib":3276}"#
            )
        );
        assert_eq!(
            serde_json::from_str::<Report>(&json(&report)).unwrap(),
            report
        );
        assert_eq!(
            report.to_string(),
            "file-downloader (framed): 1073741824 bytes in 0.500 s, \
             2048.0 MiB/s; server peak RSS 3.2 MiB"
        );
        report.server_peak_rss_kib = None;
        report.request = Request::None;
        assert!(json(&report).contains(r#""request":"none""#));
        assert!(json(&report).ends_with(r#""server_peak_rss_kib":null}"#));
    }
}
