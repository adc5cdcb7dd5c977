//! Which file names a client may ask for.
//!
//! The original opens whatever name arrives: `../../etc/passwd`,
//! `/home/you/.ssh/id_ed25519`, anything the server's user can read. A
//! file server must first treat the name as hostile input. This module is
//! the first of two checks, and pure: it turns the bytes a client sent into
//! a relative path with no `..` in it, or says why not. The second check
//! is in [`crate::server::Root::open_file`], where the kernel refuses to
//! follow a symlink out of the served directory while it opens the file.
//!
//! Two checks, because each catches what the other cannot: this one can
//! give a clear reason without touching the disk, and only the open itself
//! can see where symlinks lead at the moment it follows them.

use std::fmt;
use std::path::{Component, Path, PathBuf};

use netkit::text::printable;

use crate::MAX_NAME_LEN;

/// Why a request gets no file. Its `Display` is what the server logs and,
/// with `--framed`, sends the client after `ERROR `.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Refusal {
    /// Nothing, or only `.` and `/`, was asked for.
    Empty,
    /// Over [`MAX_NAME_LEN`] bytes.
    TooLong,
    /// File names travel as UTF-8, as in the original.
    NotUtf8,
    /// A NUL byte ends a path for the C functions underneath: what comes
    /// after it would be silently ignored.
    Nul,
    /// `/etc/passwd`: a path from the root of the server's file system.
    Absolute,
    /// `..` anywhere in the name.
    ParentDir,
    /// The name is fine, but a symlink on the way leads out of the root.
    Outside,
    /// A directory, a device, a FIFO, a socket: not a regular file.
    NotAFile,
    /// Nothing by that name under the root.
    Missing,
    /// A resume offset past the end of the file.
    OffsetPastEnd {
        /// The offset asked for.
        offset: u64,
        /// The file's size.
        size: u64,
    },
    /// A `--framed` request that is not `FETCH <offset> <name>`.
    Malformed,
    /// The file exists but could not be opened or read.
    Unreadable(String),
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Refusal::Empty => write!(f, "empty file name"),
            Refusal::TooLong => {
                write!(f, "file name longer than {MAX_NAME_LEN} bytes")
            }
            Refusal::NotUtf8 => write!(f, "file name is not UTF-8"),
            Refusal::Nul => write!(f, "file name contains a NUL byte"),
            Refusal::Absolute => write!(f, "absolute paths are refused"),
            Refusal::ParentDir => write!(
                f,
                "'..' is refused: only files under the served directory"
            ),
            Refusal::Outside => {
                write!(f, "the path leads outside the served directory")
            }
            Refusal::NotAFile => write!(f, "not a regular file"),
            Refusal::Missing => write!(f, "no such file"),
            Refusal::OffsetPastEnd { offset, size } => write!(
                f,
                "offset {offset} is past the end of the file ({size} bytes)"
            ),
            Refusal::Malformed => write!(f, "malformed request"),
            Refusal::Unreadable(why) => {
                write!(f, "cannot read the file: {why}")
            }
        }
    }
}

// ANCHOR: parse_name
/// Turns the name a client sent into a path relative to the served
/// directory, refusing anything that could climb out of it.
pub fn parse_name(raw: &[u8]) -> Result<PathBuf, Refusal> {
    if raw.len() > MAX_NAME_LEN {
        return Err(Refusal::TooLong);
    }
    if raw.contains(&0) {
        return Err(Refusal::Nul);
    }
    let name = std::str::from_utf8(raw).map_err(|_| Refusal::NotUtf8)?;
    let mut relative = PathBuf::new();
    // `components()` splits at `/` and drops empty parts and `.`, so
    // `a//./b` is `a/b`; `..` and a leading `/` stay visible as their own
    // components, which is what we refuse.
    for component in Path::new(name).components() {
        match component {
            Component::Normal(part) => relative.push(part),
            Component::CurDir => {}
            Component::ParentDir => return Err(Refusal::ParentDir),
            Component::RootDir | Component::Prefix(_) => {
                return Err(Refusal::Absolute);
            }
        }
    }
    if relative.as_os_str().is_empty() {
        return Err(Refusal::Empty);
    }
    Ok(relative)
}
// ANCHOR_END: parse_name

/// A name (or any bytes a peer sent) as a log line or a message shows it:
/// quoted, escaped by [`printable`] so that no control character reaches
/// the terminal of whoever reads it, and cut after 80 characters (a client
/// may send 1 KiB of anything).
pub fn shown(raw: &[u8]) -> String {
    const SHOWN_CHARS: usize = 80;
    let mut text = printable(raw);
    if let Some((cut, _)) = text.char_indices().nth(SHOWN_CHARS) {
        text.truncate(cut);
        text.push_str("...");
    }
    format!("\"{text}\"")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_names_become_relative_paths() {
        assert_eq!(parse_name(b"a.txt"), Ok(PathBuf::from("a.txt")));
        assert_eq!(parse_name(b"docs/a.txt"), Ok(PathBuf::from("docs/a.txt")));
        assert_eq!(parse_name(b"./a//b/./c"), Ok(PathBuf::from("a/b/c")));
        assert_eq!(parse_name("文件.txt".as_bytes()), Ok("文件.txt".into()));
        assert_eq!(parse_name(b"with space"), Ok("with space".into()));
        // `..` inside a name is not a component: just an odd file name.
        assert_eq!(parse_name(b"a..b"), Ok(PathBuf::from("a..b")));
    }

    /// Every spelling of "go up" is refused, wherever it appears.
    #[test]
    fn parent_components_are_refused() {
        for name in [
            &b".."[..],
            b"../x",
            b"../../etc/passwd",
            b"a/../../x",
            b"a/../b",
            b"a/..",
            b"./../x",
            b"a//..//x",
        ] {
            assert_eq!(parse_name(name), Err(Refusal::ParentDir), "{name:?}");
        }
    }

    #[test]
    fn absolute_paths_are_refused() {
        for name in [&b"/etc/passwd"[..], b"//etc/passwd", b"/"] {
            assert_eq!(parse_name(name), Err(Refusal::Absolute), "{name:?}");
        }
    }

    #[test]
    fn empty_names_are_refused() {
        for name in [&b""[..], b".", b"./", b"././"] {
            assert_eq!(parse_name(name), Err(Refusal::Empty), "{name:?}");
        }
    }

    /// A NUL would end the path early for the C library underneath.
    #[test]
    fn nul_bytes_are_refused() {
        assert_eq!(parse_name(b"a.txt\0.jpg"), Err(Refusal::Nul));
        assert_eq!(parse_name(b"\0"), Err(Refusal::Nul));
    }

    #[test]
    fn non_utf8_names_are_refused() {
        assert_eq!(parse_name(b"caf\xe9.txt"), Err(Refusal::NotUtf8));
        assert_eq!(parse_name(b"\xff\xfe"), Err(Refusal::NotUtf8));
    }

    /// The limit is exact: 1024 bytes pass, 1025 do not, 10 KiB do not.
    #[test]
    fn long_names_are_refused_not_cut() {
        let longest = vec![b'a'; MAX_NAME_LEN];
        assert!(parse_name(&longest).is_ok());
        let over = vec![b'a'; MAX_NAME_LEN + 1];
        assert_eq!(parse_name(&over), Err(Refusal::TooLong));
        assert_eq!(parse_name(&[b'a'; 10 * 1024]), Err(Refusal::TooLong));
    }

    #[test]
    fn shown_names_are_quoted_and_cut() {
        assert_eq!(shown(b"a.txt"), "\"a.txt\"");
        assert_eq!(shown(b"a\nb"), "\"a\\nb\"");
        assert_eq!(shown(b"\x1b[2J\0\xff"), "\"\\u{1b}[2J\\u{0}\u{fffd}\"");
        assert!(shown(&[b'x'; 500]).ends_with("...\""));
        assert!(shown(&[b'x'; 500]).len() < 100);
    }
}
