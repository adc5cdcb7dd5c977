//! The soak's eyes on the server: once a second, its resident memory and
//! threads (`/proc/PID/status`), a count of its open descriptors
//! (`/proc/PID/fd`), and, if its log is a file, whether a panic has been
//! written there since the last look.
//!
//! A sample that cannot be read means the server is gone: a process that
//! has exited (even one its parent has not yet waited for, a zombie) has
//! no `VmRSS` line and no descriptors left. That is recorded, not an
//! error: the soak reports at which second the server died.

use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::thread;
use std::time::{Duration, Instant};

use crate::process::{open_descriptors, snapshot};

/// How often the server is looked at: reading `/proc` once a second
/// costs nothing next to the load.
pub const SAMPLE_PERIOD: Duration = Duration::from_secs(1);

/// What a Rust program writes to stderr when a thread panics
/// (`thread 'main' panicked at src/main.rs:2:5:`).
const PANIC_MARK: &[u8] = b"panicked";

/// The most of the server's log read at one sample, so that none takes
/// long; the rest is read at the next.
const LOG_READ_LIMIT: u64 = 16 * 1024 * 1024;

/// The server at one moment since the soak started: its usage, `None`
/// if it was gone, and whether a panic had appeared in its log by then.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Sample {
    pub at: Duration,
    pub usage: Option<Usage>,
    pub panicked: bool,
}

/// What a live server held: `VmRSS` in KiB, `Threads`, and its open
/// descriptors (sockets, files, pipes).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Usage {
    pub rss_kib: u64,
    pub threads: u64,
    pub descriptors: u64,
}

/// Reads process `pid`'s usage now; `None` if it has gone.
pub fn usage(pid: u32) -> Option<Usage> {
    let snapshot = snapshot(pid).ok()?;
    Some(Usage {
        rss_kib: snapshot.rss_kib,
        threads: snapshot.threads,
        descriptors: open_descriptors(pid).ok()?,
    })
}

/// Samples `pid` every [`SAMPLE_PERIOD`] from `start` until `until`
/// (both ends included), watching `log` for panics if given.
pub fn sample_until(
    pid: u32,
    log: Option<&Path>,
    start: Instant,
    until: Instant,
) -> Vec<Sample> {
    let mut watch = log.map(LogWatch::new);
    let mut samples = Vec::new();
    // The first sample a beat in, not at `start`: the normal clients of
    // the judged part are only then connecting, and a sample without
    // them would set the first window's least far below the rest.
    let mut next = start + SAMPLE_PERIOD;
    while next <= until {
        if let Some(wait) = next.checked_duration_since(Instant::now()) {
            thread::sleep(wait);
        }
        samples.push(Sample {
            at: next.duration_since(start),
            usage: usage(pid),
            panicked: watch.as_mut().is_some_and(LogWatch::look),
        });
        // On a fixed beat from the start, so that a slow sample does not
        // push every later one back.
        next += SAMPLE_PERIOD;
    }
    samples
}

/// The server's log file, read on from where the last look stopped (the
/// file's own offset), with the end of the last read kept, one byte
/// shorter than [`PANIC_MARK`]: the start of a mark the next read may
/// finish.
struct LogWatch {
    path: PathBuf,
    file: Option<File>,
    tail: Vec<u8>,
    panicked: bool,
}

impl LogWatch {
    fn new(path: &Path) -> LogWatch {
        LogWatch {
            path: path.to_owned(),
            file: None,
            tail: Vec::new(),
            panicked: false,
        }
    }

    /// Reads what was written since the last look; whether a panic has
    /// appeared so far. A log that cannot be read yet (not created) is
    /// looked for again next time.
    fn look(&mut self) -> bool {
        if self.file.is_none() {
            self.file = File::open(&self.path).ok();
        }
        let mut new = Vec::new();
        if let Some(file) = self.file.as_mut() {
            let _ = file.take(LOG_READ_LIMIT).read_to_end(&mut new);
        }
        self.feed(&new);
        self.panicked
    }

    /// Looks for the mark in `piece`, and in its join with the last one.
    fn feed(&mut self, piece: &[u8]) {
        if self.panicked || piece.is_empty() {
            return;
        }
        let joined = [&self.tail[..], piece].concat();
        self.panicked =
            joined.windows(PANIC_MARK.len()).any(|w| w == PANIC_MARK);
        let keep = (PANIC_MARK.len() - 1).min(joined.len());
        self.tail = joined[joined.len() - keep..].to_vec();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    /// The mark is found whole, split at every point, or not at all.
    #[test]
    fn the_mark_is_found_across_pieces() {
        let text = b"thread 'main' panicked at src/x.rs:1:1:";
        let watch = || LogWatch::new(Path::new("unused"));
        for cut in 0..=text.len() {
            let mut watch = watch();
            watch.feed(&text[..cut]);
            watch.feed(&text[cut..]);
            assert!(watch.panicked, "cut at {cut}");
        }
        let mut watch = watch();
        for byte in b"pan icked panicke d" {
            watch.feed(&[*byte]);
        }
        assert!(!watch.panicked);
    }

    /// A log that appears late and grows is read as it grows.
    #[test]
    fn the_log_is_watched_as_it_grows() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("server.log");
        let mut watch = LogWatch::new(&path);
        assert!(!watch.look(), "no log yet");
        let mut log = File::create(&path).unwrap();
        log.write_all(b"127.0.0.1:4000: connected\nthread 'x' pan")
            .unwrap();
        assert!(!watch.look());
        log.write_all(b"icked at src/lib.rs:9:9:\n").unwrap();
        assert!(watch.look());
    }

    /// This very process can be sampled, and a process that is not there
    /// is gone, not an error.
    #[test]
    #[cfg(target_os = "linux")]
    fn own_usage_is_read_and_a_missing_process_is_gone() {
        let own = usage(std::process::id()).unwrap();
        assert!(own.rss_kib > 0 && own.threads >= 1 && own.descriptors >= 3);
        assert_eq!(usage(u32::MAX), None);
        let start = Instant::now();
        let samples =
            sample_until(u32::MAX, None, start, start + SAMPLE_PERIOD);
        assert_eq!(samples.len(), 1, "the first a beat after the start");
        assert_eq!(samples[0].at, SAMPLE_PERIOD);
        assert_eq!(samples[0].usage, None);
    }
}
