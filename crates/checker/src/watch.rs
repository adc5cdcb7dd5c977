//! `--watch`: run the check again each time a file of the exercise
//! changes.
//!
//! It looks at the files' sizes and modification times twice a second.
//! An exercise is a handful of files, so this costs nothing, and it sees
//! every way an editor saves (in place, or a new file renamed over the
//! old one) on every system, which is where file-event watchers differ.

use std::fs;
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::thread;
use std::time::{Duration, SystemTime};

/// How often the files are looked at.
const POLL: Duration = Duration::from_millis(500);

/// Every file under `dir` with its size and modification time.
type Snapshot = Vec<(PathBuf, u64, Option<SystemTime>)>;

/// Calls `check` now and after every change under `dir` (named `shown`
/// to the learner), until the checker is stopped (Ctrl-C).
pub fn watch(dir: &Path, shown: &str, mut check: impl FnMut()) -> ! {
    let mut seen = snapshot(dir);
    loop {
        if std::io::stdout().is_terminal() {
            // Clear the screen and go home: each run starts on a clean page.
            print!("\x1b[2J\x1b[H");
        }
        check();
        println!("\nwatching {shown} for changes; Ctrl-C to stop");
        let _ = std::io::stdout().flush();
        loop {
            thread::sleep(POLL);
            let now = snapshot(dir);
            if now != seen {
                seen = now;
                break;
            }
        }
    }
}

fn snapshot(dir: &Path) -> Snapshot {
    let mut files = Vec::new();
    let mut dirs = vec![dir.to_path_buf()];
    while let Some(dir) = dirs.pop() {
        let Ok(entries) = fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            let Ok(meta) = entry.metadata() else { continue };
            if meta.is_dir() {
                dirs.push(path);
            } else {
                files.push((path, meta.len(), meta.modified().ok()));
            }
        }
    }
    files.sort();
    files
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A new file, and a change of size, both change the snapshot.
    #[test]
    fn a_save_changes_the_snapshot() {
        let dir = tempfile::tempdir().unwrap();
        let before = snapshot(dir.path());
        fs::write(dir.path().join("lib.rs"), "fn main() {}").unwrap();
        let written = snapshot(dir.path());
        assert_ne!(before, written);
        fs::write(dir.path().join("lib.rs"), "fn main() { }").unwrap();
        assert_ne!(written, snapshot(dir.path()));
    }
}
