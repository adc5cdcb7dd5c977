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
use std::io::{Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};
use std::thread;
use std::time::{Duration, Instant};

use crate::process::{open_descriptors, snapshot};

/// How often the server is looked at: often enough that a minute's
/// window holds 60 samples, rarely enough that reading `/proc` costs
/// nothing next to the load.
pub const SAMPLE_PERIOD: Duration = Duration::from_secs(1);

/// What a Rust program writes to stderr when a thread panics
/// (`thread 'main' panicked at src/main.rs:2:5:`).
pub const PANIC_MARK: &[u8] = b"panicked";

/// The most of the server's log read at one sample. A server that logs
/// faster than this is read on at the next sample, so nothing is missed;
/// the bound keeps one sample from taking long.
const LOG_READ_LIMIT: u64 = 16 * 1024 * 1024;

/// The server at one moment.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Sample {
    /// Since the soak started.
    pub at: Duration,
    /// What was read, or `None` if the server was gone.
    pub usage: Option<Usage>,
    /// Whether a panic had appeared in its log by then.
    pub panicked: bool,
}

/// What a live server held.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Usage {
    /// Resident memory (`VmRSS`), in KiB.
    pub rss_kib: u64,
    /// Threads (`Threads`).
    pub threads: u64,
    /// Open descriptors: sockets, files, pipes.
    pub descriptors: u64,
}

/// Reads process `pid`'s usage now; `None` if it has gone.
pub fn usage(pid: u32) -> Option<Usage> {
    let snapshot = snapshot(pid).ok()?;
    let descriptors = open_descriptors(pid).ok()?;
    Some(Usage {
        rss_kib: snapshot.rss_kib,
        threads: snapshot.threads,
        descriptors,
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
    let mut panicked = false;
    // The first sample a beat in, not at `start`: the normal clients of
    // the judged part are only then connecting, and a sample without
    // them would set the first window's least far below the rest.
    let mut next = start + SAMPLE_PERIOD;
    while next <= until {
        if let Some(wait) = next.checked_duration_since(Instant::now()) {
            thread::sleep(wait);
        }
        let usage = usage(pid);
        if let Some(watch) = watch.as_mut() {
            panicked |= watch.look();
        }
        samples.push(Sample {
            at: next.duration_since(start),
            usage,
            panicked,
        });
        // On a fixed beat from the start, so that a slow sample does not
        // push every later one back.
        next += SAMPLE_PERIOD;
    }
    samples
}

/// The server's log file, read a little further at each look.
struct LogWatch {
    path: PathBuf,
    file: Option<File>,
    offset: u64,
    finder: MarkFinder,
}

impl LogWatch {
    fn new(path: &Path) -> LogWatch {
        LogWatch {
            path: path.to_owned(),
            file: None,
            offset: 0,
            finder: MarkFinder::new(PANIC_MARK),
        }
    }

    /// Reads what was written since the last look; whether a panic has
    /// appeared so far. A log that cannot be read yet (not created) is
    /// looked for again next time.
    fn look(&mut self) -> bool {
        if self.finder.found {
            return true;
        }
        if self.file.is_none() {
            self.file = File::open(&self.path).ok();
        }
        if let Some(file) = self.file.as_mut() {
            let mut new = Vec::new();
            let read = file
                .seek(SeekFrom::Start(self.offset))
                .and_then(|_| file.take(LOG_READ_LIMIT).read_to_end(&mut new));
            if let Ok(n) = read {
                self.offset += n as u64;
                self.finder.feed(&new);
            }
        }
        self.finder.found
    }
}

/// Finds a mark in a byte stream that arrives in pieces: a mark split
/// over two pieces is found too.
#[derive(Debug)]
pub struct MarkFinder {
    mark: &'static [u8],
    /// The end of the last piece, one byte shorter than the mark: the
    /// start of a mark the next piece may finish.
    tail: Vec<u8>,
    /// Whether the mark has been seen.
    pub found: bool,
}

impl MarkFinder {
    /// A finder for `mark`, which must not be empty.
    pub fn new(mark: &'static [u8]) -> MarkFinder {
        MarkFinder {
            mark,
            tail: Vec::new(),
            found: false,
        }
    }

    /// Looks for the mark in `piece`, and in its join with the last one.
    pub fn feed(&mut self, piece: &[u8]) {
        if self.found || piece.is_empty() {
            return;
        }
        let joined = [&self.tail[..], piece].concat();
        self.found = joined.windows(self.mark.len()).any(|w| w == self.mark);
        let keep = self.mark.len().saturating_sub(1).min(joined.len());
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
        for cut in 0..=text.len() {
            let mut finder = MarkFinder::new(PANIC_MARK);
            finder.feed(&text[..cut]);
            finder.feed(&text[cut..]);
            assert!(finder.found, "cut at {cut}");
        }
        let mut finder = MarkFinder::new(PANIC_MARK);
        for byte in b"pan icked panicke d" {
            finder.feed(&[*byte]);
        }
        assert!(!finder.found);
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
