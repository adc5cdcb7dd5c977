//! Saving bodies, and many downloads at once with a bounded pool.
//!
//! The original starts one thread per URL, however many URLs the JSON
//! lists. Here `--jobs N` worker threads take URLs from one channel, so a
//! list of 10,000 URLs means N connections at a time, not 10,000; one
//! failure is reported and the others go on.

use std::fs;
use std::io::{self, Read, Write};
use std::os::unix::fs::{FileTypeExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::thread;

use anyhow::{Context, bail};
use indicatif::{MultiProgress, ProgressBar, ProgressStyle};

use crate::client::{Options, Response, fetch};
use crate::target::parse_target;

/// The copy buffer: large enough that a fast local transfer takes few
/// system calls (lesson 4 measured 64 KiB to 1 MiB on loopback).
const COPY_BUFFER: usize = 256 * 1024;

/// Where one body goes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Save {
    /// To standard output.
    Stdout,
    /// To this file, written under a temporary name and renamed only when
    /// complete.
    File(PathBuf),
    /// `-O` for a URL whose path ends without a file name: an error when
    /// its turn comes.
    Unnamed,
}

/// One URL and where its body goes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Job {
    /// The URL as given.
    pub url: String,
    /// Where the body goes.
    pub save: Save,
}

/// What a finished download got.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Saved {
    /// The final status (2xx).
    pub status: u16,
    /// Body bytes written.
    pub bytes: u64,
}

/// How each download went, in the order of the jobs.
pub type Outcome = (Job, anyhow::Result<Saved>);

/// Settings shared by every download of a run.
#[derive(Clone, Debug, Default)]
pub struct Settings {
    /// The request options.
    pub options: Options,
    /// Print the status line and headers before the body (`-i`).
    pub show_head: bool,
    /// Draw progress bars (saving to files, stderr on a terminal).
    pub progress: bool,
}

// ANCHOR: download
/// Fetches `job.url` and saves its body. Only a 2xx final response is a
/// success; any other is an error naming its status, and its body is not
/// saved.
pub fn download(
    job: &Job,
    settings: &Settings,
    bars: &MultiProgress,
) -> anyhow::Result<Saved> {
    let target = parse_target(&job.url)?;
    let file = match &job.save {
        Save::Stdout => None,
        Save::File(path) => Some(path),
        Save::Unnamed => {
            bail!(
                "no file name at the end of the URL's path; fetch it on its \
                 own with -o FILE"
            )
        }
    };
    let mut response = fetch(target, &settings.options)?;
    if settings.show_head {
        print_head(&response)?;
    }
    if !response.is_success() {
        bail!("the server answered {}", response.head.status_line());
    }
    let bytes = match file {
        None => copy(&mut response, &mut io::stdout().lock(), None),
        Some(path) => save_file(&mut response, path, settings, bars),
    }
    .context("downloading the body")?;
    Ok(Saved {
        status: response.head.status,
        bytes,
    })
}
// ANCHOR_END: download

fn print_head(response: &Response) -> io::Result<()> {
    let mut out = io::stdout().lock();
    writeln!(out, "{}", response.head.status_line())?;
    for (name, value) in &response.head.headers {
        writeln!(out, "{name}: {value}")?;
    }
    writeln!(out)?;
    out.flush()
}

// ANCHOR: save_file
/// Writes the body next to `path` under a temporary name, then renames
/// it: `path` appears only complete, and a failed download leaves
/// nothing behind (the temporary file is removed when dropped). A process
/// killed halfway (Ctrl-C included) runs no drop, and leaves its hidden
/// `.http-get-*.part`.
fn save_file(
    response: &mut Response,
    path: &Path,
    settings: &Settings,
    bars: &MultiProgress,
) -> io::Result<u64> {
    // A device or a pipe (-o /dev/null, -o /dev/stdout, a FIFO) is written
    // to as it is: renaming a file onto it would replace the device node
    // itself, for every program on the machine.
    if fs::metadata(path).is_ok_and(|meta| is_special(&meta)) {
        let mut special = fs::OpenOptions::new().write(true).open(path)?;
        return copy(response, &mut special, None);
    }
    // A symbolic link: the file it points to gets the body (created if it
    // does not exist yet), and the link stays a link.
    let target = fs::read_link(path).ok().map(|points_to| {
        // Relative to the link's directory; join keeps an absolute one.
        path.parent().unwrap_or(Path::new("")).join(points_to)
    });
    let path = target.as_deref().unwrap_or(path);
    let dir = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    };
    let mut part = tempfile::Builder::new()
        .prefix(".http-get-")
        .suffix(".part")
        // tempfile makes private files (0600); a download gets the mode of
        // any new file, 0666 less the umask.
        .permissions(fs::Permissions::from_mode(0o666))
        .tempfile_in(dir)?;
    let bar = settings
        .progress
        .then(|| progress_bar(response, path, bars));
    let bytes = copy(response, part.as_file_mut(), bar.as_ref())?;
    part.persist(path).map_err(|err| err.error)?;
    if let Some(bar) = bar {
        bar.finish();
    }
    Ok(bytes)
}
// ANCHOR_END: save_file

/// A character or block device, a FIFO or a socket: not a file to
/// replace.
fn is_special(meta: &fs::Metadata) -> bool {
    let kind = meta.file_type();
    kind.is_char_device()
        || kind.is_block_device()
        || kind.is_fifo()
        || kind.is_socket()
}

fn progress_bar(
    response: &Response,
    path: &Path,
    bars: &MultiProgress,
) -> ProgressBar {
    let name = path.display().to_string();
    let bar = match response.length() {
        Some(length) => ProgressBar::new(length).with_style(
            ProgressStyle::with_template(
                "{msg} {wide_bar} {bytes}/{total_bytes} {bytes_per_sec} {eta}",
            )
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
        ),
        // Chunked or until close: the size is unknown until the end.
        None => ProgressBar::no_length().with_style(
            ProgressStyle::with_template(
                "{msg} {spinner} {bytes} {bytes_per_sec}",
            )
            .unwrap_or_else(|_| ProgressStyle::default_spinner()),
        ),
    };
    bars.add(bar.with_message(name))
}

/// Copies everything `from` gives into `to`; returns the byte count.
fn copy(
    from: &mut impl Read,
    to: &mut impl Write,
    bar: Option<&ProgressBar>,
) -> io::Result<u64> {
    let mut buf = vec![0; COPY_BUFFER];
    let mut total = 0;
    loop {
        let n = match from.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(err) if err.kind() == io::ErrorKind::Interrupted => continue,
            Err(err) => return Err(err),
        };
        to.write_all(&buf[..n])?;
        total += n as u64;
        if let Some(bar) = bar {
            bar.inc(n as u64);
        }
    }
    to.flush()?;
    Ok(total)
}

// ANCHOR: run_all
/// Runs every job with at most `workers` at a time, and returns how each
/// went, in the jobs' order.
pub fn run_all(
    jobs: Vec<Job>,
    workers: usize,
    settings: &Settings,
) -> Vec<Outcome> {
    let bars = MultiProgress::new();
    if !settings.progress {
        bars.set_draw_target(indicatif::ProgressDrawTarget::hidden());
    }
    let count = jobs.len();
    let (todo, queue) =
        crossbeam_channel::bounded::<(usize, Job)>(count.max(1));
    let (done, results) = crossbeam_channel::bounded(count.max(1));
    for numbered in jobs.into_iter().enumerate() {
        // Room for every job: this never blocks.
        let _ = todo.send(numbered);
    }
    drop(todo); // workers stop when the queue is empty
    thread::scope(|scope| {
        for _ in 0..workers.clamp(1, count.max(1)) {
            let (queue, done, bars) = (queue.clone(), done.clone(), &bars);
            scope.spawn(move || {
                for (n, job) in queue {
                    let result = download(&job, settings, bars);
                    let _ = done.send((n, (job, result)));
                }
            });
        }
    });
    drop(done);
    let mut outcomes: Vec<(usize, Outcome)> = results.iter().collect();
    outcomes.sort_by_key(|(n, _)| *n);
    outcomes.into_iter().map(|(_, outcome)| outcome).collect()
}
// ANCHOR_END: run_all

/// Where `-O` saves a URL's body: the last part of its path, in `dir`.
pub fn remote_name(url: &str, dir: &Path) -> Save {
    let name = parse_target(url).ok().and_then(|target| target.file_name());
    match name {
        Some(name) => Save::File(dir.join(name)),
        None => Save::Unnamed,
    }
}

/// The URLs in a `--urls-from` file: one per line; blank lines and lines
/// starting with `#` are skipped.
pub fn urls_in(text: &str) -> Vec<String> {
    text.lines()
        .map(str::trim)
        .filter(|line| !line.is_empty() && !line.starts_with('#'))
        .map(str::to_owned)
        .collect()
}

/// Reads a `--urls-from` argument: a file, or `-` for standard input.
pub fn read_url_list(from: &Path) -> anyhow::Result<Vec<String>> {
    let text = if from == Path::new("-") {
        io::read_to_string(io::stdin()).context("reading URLs from stdin")?
    } else {
        fs::read_to_string(from)
            .with_context(|| format!("reading URLs from {}", from.display()))?
    };
    Ok(urls_in(&text))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn url_lists_skip_blanks_and_comments() {
        let text = "# images\nhttp://h/a\n\n  http://h/b  \r\n#http://h/c\n";
        assert_eq!(urls_in(text), ["http://h/a", "http://h/b"]);
    }

    #[test]
    fn remote_names() {
        let dir = Path::new("out");
        assert_eq!(
            remote_name("http://h/x/y.bin?v=2", dir),
            Save::File("out/y.bin".into())
        );
        assert_eq!(remote_name("http://h/x/", dir), Save::Unnamed);
    }
}
