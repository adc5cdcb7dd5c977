//! The file server's download rate (lesson 4): how fast one file comes
//! down one connection, and how much memory the server needed to send it.
//!
//! One client connects, asks for the file, and reads until the server
//! closes, throwing the bytes away: the bench measures the server, so the
//! client does as little as it can (one buffer, reused; no file written,
//! no checksum: the bytes are the lesson's tests' to check). The time
//! runs from the connect call to the read of 0 bytes that says the server
//! closed; the rate is the file's bytes over that time, in MiB/s. With a
//! server pid, the report adds the server's peak resident memory, which
//! shows whether it streamed the file or held it whole (the original
//! reads it all first). It asks in the original's protocol, which every
//! contender on the benchmark page speaks:
//!
//! ```text
//! raw (the original's):   > big.bin                (one send, then FIN)
//!                         < ...every byte...       (then the server closes)
//! none (socat):           (we send nothing)
//!                         < ...every byte...       (then the server closes)
//! ```
//!
//! Every way a download can go wrong is an error that says so, never a
//! hang or a figure: a server silent for [`READ_TIMEOUT`] has stalled; a
//! server that closes at once has no such file (the original's protocol
//! cannot say it otherwise); with `expect`, any other byte count is an
//! error (`scripts/bench` takes `expect` from the file itself).
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

use anyhow::{Context, bail};
use netkit::bind::CONNECT_TIMEOUT;
use netkit::{NetError, Received, recv_some};
use serde::{Deserialize, Serialize};

use crate::process::peak_rss_kib;

/// One read's buffer, reused for the whole file: larger reads mean fewer
/// system calls per GiB, up to where the differences drown in the noise.
/// Measured here, a 1 GiB file from our server with sendfile, median
/// MiB/s: 64 KiB 1824, 256 KiB 2139, 1 MiB 2233, 4 MiB 2241. Copying the
/// bytes out of the kernel is itself the limit: the same reads with
/// `MSG_TRUNC` (Linux drops TCP bytes without copying them) came at 4679
/// MiB/s, so a server faster than about 2 GiB/s here looks no faster.
pub const READ_SIZE: usize = 1024 * 1024;

/// How long any one read may wait for the server: a server that stops
/// sending, or one that waits for a request we did not send, is an error
/// that says so, never a hang.
pub const READ_TIMEOUT: Duration = Duration::from_secs(10);

/// How the bench asks for the file.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum, Serialize, Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum Request {
    /// The original's protocol: the bare name in one send.
    Raw,
    /// Nothing: the server sends as soon as we connect (socat).
    None,
}

/// What to run: the command line's flags.
#[derive(Clone, Debug, clap::Args)]
pub struct Options {
    /// The server, HOST:PORT on this machine (loopback only)
    #[arg(long = "connect", value_name = "HOST:PORT",
          value_parser = crate::loopback_addr)]
    pub addr: SocketAddr,
    /// The file to ask for
    #[arg(long, value_name = "NAME", default_value = "big.bin")]
    pub name: String,
    /// How to ask: raw (the original's bare name), or none (a server
    /// that sends without being asked, such as socat)
    #[arg(long, value_enum, default_value_t = Request::Raw)]
    pub request: Request,
    /// The file's size: fewer or more bytes is an error
    #[arg(long, value_name = "BYTES")]
    pub expect: Option<u64>,
    /// The server's process id, to report its memory (and, in the modes
    /// that measure them, its threads and CPU time) from /proc, Linux
    #[arg(long, value_name = "PID")]
    pub server_pid: Option<u32>,
}

/// What a run measured: `--json` prints it as one line.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "mode", rename = "file-downloader")]
pub struct Report {
    /// How the file was asked for.
    pub request: Request,
    /// The file's bytes received: everything before the close.
    pub bytes: u64,
    /// From the connect call to the server's close, in seconds.
    pub seconds: f64,
    /// The download rate in MiB (2^20 bytes) per second.
    pub mib_per_s: f64,
    /// The server's peak resident memory after the run, in KiB.
    pub server_peak_rss_kib: Option<u64>,
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
    let mut buf = vec![0; READ_SIZE];
    let start = Instant::now();
    let mut stream = TcpStream::connect_timeout(&options.addr, CONNECT_TIMEOUT)
        .map_err(|err| NetError::Connect(options.addr, err))?;
    stream.set_read_timeout(Some(read_timeout))?;
    stream.set_write_timeout(Some(read_timeout))?;
    // Nothing at all for `None`, not even a FIN. socat -u never reads
    // this side, and a socket closed with bytes it has not read sends a
    // reset (RST) instead of a normal end: a reset can make our kernel
    // drop file bytes that arrived but that we have not read yet.
    if options.request == Request::Raw {
        // The whole name in one write: the original server takes one
        // `recv` as the whole name, as its protocol has no terminator.
        stream
            .write_all(name.as_bytes())
            .context("sending the request: the server closed the connection")?;
        // Half-closed, the server reads end-of-stream (FIN) after the
        // name and can finish its close at once, while we still read. If
        // this fails the server has reset the connection already, and
        // the next read says so.
        let _ = stream.shutdown(Half::Write);
    }
    // Every byte is read into `buf` and dropped, until the server closes,
    // the only end of file the original protocol (and socat) has.
    let mut bytes = 0;
    loop {
        match recv_some(&mut stream, &mut buf) {
            Ok(Received::Data(got)) => bytes += got.len() as u64,
            Ok(Received::Closed) => break,
            Err(err) if netkit::is_timeout(&err) => {
                let hint = match (bytes, options.request) {
                    (0, Request::None) => {
                        "; does it wait for a request? Pass --request raw"
                    }
                    (0, Request::Raw) => "; is it a file server?",
                    _ => "",
                };
                bail!(
                    "the server stalled: nothing for {read_timeout:?} after \
                     {bytes} bytes{hint}"
                );
            }
            Err(err) => {
                bail!("the download failed after {bytes} bytes: {err}")
            }
        }
    }
    let seconds = start.elapsed().as_secs_f64();
    if bytes == 0 {
        match options.request {
            // The original's answer to a missing (or refused) file is a
            // close with nothing before it, and an empty file looks the
            // same.
            Request::Raw => bail!(
                "the server sent nothing for {name:?} and closed: it has no \
                 such file (the original protocol cannot say so otherwise); \
                 check its --root and our --name, and run it without --framed"
            ),
            Request::None => {
                bail!("the server closed without sending anything")
            }
        }
    }
    if let Some(expect) = options.expect.filter(|&expect| expect != bytes) {
        bail!(
            "got {bytes} bytes of {name:?}, expected {expect} (--expect): \
             is it the right file?"
        );
    }
    Ok(Report {
        request: options.request,
        bytes,
        seconds,
        // A clock that did not tick counts as a nanosecond, so that the
        // rate stays a finite number (JSON has no infinity).
        mib_per_s: bytes as f64 / f64::from(1 << 20) / seconds.max(1e-9),
        server_peak_rss_kib: options
            .server_pid
            .map(peak_rss_kib)
            .transpose()?,
    })
}

/// The summary for a person (`--json` prints the figures for a script):
/// `file-downloader: 1073741824 bytes in 0.412 s, 2485.4 MiB/s; server
/// peak RSS 3.2 MiB`.
impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "file-downloader: {} bytes in {:.3} s, {:.1} MiB/s",
            self.bytes, self.seconds, self.mib_per_s
        )?;
        if let Some(kib) = self.server_peak_rss_kib {
            write!(f, "; server peak RSS {:.1} MiB", kib as f64 / 1024.0)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use netkit::testing::{TEST_TIMEOUT, TestServer, read_to_close};

    use super::*;

    /// A file of `len` bytes, more than one read's worth when `len` is
    /// large.
    fn file_bytes(len: usize) -> Vec<u8> {
        (0..len).map(|i| (i % 251) as u8).collect()
    }

    /// A server for one connection: `answer` gets the accepted socket and
    /// returns what the client sent, which `stop` returns. Every test's
    /// client connects, so the `accept` returns.
    fn serve_once(
        answer: impl FnOnce(&mut TcpStream) -> Vec<u8> + Send + 'static,
    ) -> TestServer<Vec<u8>> {
        TestServer::start(|listener, _| {
            let (mut stream, _) = listener.accept().unwrap();
            stream.set_read_timeout(Some(TEST_TIMEOUT)).unwrap();
            stream.set_write_timeout(Some(TEST_TIMEOUT)).unwrap();
            answer(&mut stream)
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

    /// The file is every byte until the close, however many reads that
    /// takes, asked for raw (the bare name in one send) or not at all
    /// (not even a FIN: the server reads nothing until our close). A
    /// close with nothing before it is the original's only way to say "no
    /// such file"; an early close is fewer bytes than expected, an error
    /// that gives both counts, not a fast figure.
    #[test]
    fn the_file_is_every_byte_until_the_close() {
        let len = 3 * READ_SIZE + 7;
        for (request, sent, error) in [
            (Request::Raw, len, None),
            (Request::None, len, None),
            (Request::Raw, 0, Some("no such file")),
            (Request::Raw, 500, Some("got 500 bytes")),
        ] {
            let server = serve_once(move |stream| {
                stream.write_all(&file_bytes(sent)).unwrap();
                stream.shutdown(Half::Write).unwrap();
                read_to_close(stream)
            });
            let mut options = options(server.addr(), request);
            options.expect = Some(len as u64);
            let result = measure(&options, TEST_TIMEOUT);
            let name: &[u8] = match request {
                Request::Raw => b"big.bin",
                Request::None => b"",
            };
            assert_eq!(server.stop(), name);
            match error {
                None => assert_eq!(result.unwrap().bytes, len as u64),
                Some(error) => {
                    let err = result.unwrap_err().to_string();
                    assert!(err.contains(error), "{err}");
                }
            }
        }
    }

    /// With a server pid (this very process) the report has its peak
    /// memory; a pid that is not running fails before anything is sent.
    #[test]
    #[cfg(target_os = "linux")]
    fn server_pid_adds_the_peak_memory() {
        let server = serve_once(|stream| {
            stream.write_all(b"0123456789").unwrap();
            read_to_close(stream)
        });
        let mut options = options(server.addr(), Request::Raw);
        options.server_pid = Some(std::process::id());
        let report = measure(&options, TEST_TIMEOUT).unwrap();
        server.stop();
        assert!(report.server_peak_rss_kib.is_some_and(|kib| kib > 0));
        options.server_pid = Some(u32::MAX);
        assert!(measure(&options, TEST_TIMEOUT).is_err());
    }

    /// A server that stops sending without closing is an error once a
    /// read has waited its timeout: the bench never hangs.
    #[test]
    fn a_stalled_server_is_an_error_not_a_hang() {
        let (release, held) = crossbeam_channel::bounded::<()>(0);
        let server = serve_once(move |stream| {
            let request = read_to_close(stream);
            stream.write_all(&file_bytes(1000)).unwrap();
            // Hold the connection open until the test is done with it.
            let _ = held.recv_timeout(TEST_TIMEOUT);
            request
        });
        let options = options(server.addr(), Request::Raw);
        let stall = Duration::from_millis(200);
        let err = measure(&options, stall).unwrap_err().to_string();
        drop(release);
        server.stop();
        assert!(err.contains("stalled"), "{err}");
        assert!(err.contains("after 1000 bytes"), "{err}");
    }

    /// The JSON keys `scripts/bench` reads, in their order, and the
    /// summary.
    #[test]
    fn report_has_stable_json_keys_and_a_summary() {
        let mut report = Report {
            request: Request::Raw,
            bytes: 1 << 30,
            seconds: 0.5,
            mib_per_s: 2048.0,
            server_peak_rss_kib: Some(3276),
        };
        let json = |report: &Report| serde_json::to_string(report).unwrap();
        assert_eq!(
            json(&report),
            concat!(
                r#"{"mode":"file-downloader","request":"raw","#,
                r#""bytes":1073741824,"seconds":0.5,"mib_per_s":2048.0,"#,
                r#""server_peak_rss_kib":3276}"#
            )
        );
        assert_eq!(
            report.to_string(),
            "file-downloader: 1073741824 bytes in 0.500 s, 2048.0 MiB/s; \
             server peak RSS 3.2 MiB"
        );
        report.server_peak_rss_kib = None;
        report.request = Request::None;
        assert!(json(&report).contains(r#""request":"none""#));
        assert!(json(&report).ends_with(r#""server_peak_rss_kib":null}"#));
    }
}
