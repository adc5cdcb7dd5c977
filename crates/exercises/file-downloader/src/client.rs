//! The client: send the request, save what comes back, and never leave a
//! file under its final name that is not whole.
//!
//! # Try it
//!
//! ```text
//! cargo run -p file-downloader -- server --root docs                # terminal 1
//! cargo run -p file-downloader-exercise -- client book.toml -o copy # terminal 2
//! ```

use std::net::TcpStream;
use std::path::Path;

/// The original protocol: sends `name`, then saves every byte until the
/// server closes (a read of 0 bytes) to `output`, and returns how many
/// there were. Write to a `.part` file beside `output`
/// (`file_downloader::PART_SUFFIX`) and rename it only when the
/// download ended well: a broken connection (an error from a read) must
/// not leave a file under the final name.
pub fn download_raw(
    stream: &mut TcpStream,
    name: &str,
    output: &Path,
) -> anyhow::Result<u64> {
    todo!(
        "stage client-small: send the name, then save what comes until the \
         close, through a .part file (book: file-downloader.md, \"The \
         client\")"
    )
}

/// `--framed`: sends `FETCH 0 <name>` (`file_downloader::wire::
/// request_line`), reads the header line, then exactly the size it
/// announced. An `ERROR` reason is the server's text: show it escaped
/// (`netkit::text::printable`). Fewer bytes than announced is an error,
/// and no file under `output`.
pub fn download_framed(
    stream: &mut TcpStream,
    name: &str,
    output: &Path,
) -> anyhow::Result<u64> {
    todo!(
        "stage client-framed: send the request line, read the header, then \
         the bytes it announced (book: file-downloader.md, \"The client's \
         side\")"
    )
}
