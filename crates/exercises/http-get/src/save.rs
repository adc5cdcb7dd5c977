//! The body, copied where it goes: stdout, or a file that appears only
//! when complete. Written for you.

use std::io::{self, Read, Write};
use std::path::Path;

use anyhow::{Context, bail};
use http_get::body::{Framing, LengthReader};
use http_get::request::Method;

use crate::body::{framing, read_chunked};
use crate::client::{Connection, Options, fetch};

/// Fetches `url` and writes its body to `output`, or to stdout. Only a
/// 2xx answer is a success; any other is an error, and nothing is saved.
pub fn get(
    url: &str,
    options: &Options,
    output: Option<&Path>,
) -> anyhow::Result<()> {
    let (head, mut conn) = fetch(url, options)?;
    let head_request = options.method == Method::Head;
    if head_request {
        let mut out = io::stdout().lock();
        writeln!(out, "{}", head.status_line())?;
        for (name, value) in &head.headers {
            writeln!(out, "{name}: {value}")?;
        }
        writeln!(out)?;
    }
    if !(200..300).contains(&head.status) {
        bail!("the server answered {}", head.status_line());
    }
    let how = framing(head_request, &head)?;
    match output {
        None => {
            let mut out = io::stdout().lock();
            copy_body(how, &mut conn, &mut out)?;
            out.flush()?;
        }
        Some(path) => {
            // A hidden temporary file next to `path`, renamed onto it when
            // the body is complete; dropped (and removed) on any error, so
            // a broken download leaves nothing under the name.
            let dir = match path.parent() {
                Some(dir) if !dir.as_os_str().is_empty() => dir,
                _ => Path::new("."),
            };
            let mut part = tempfile::Builder::new()
                .prefix(".http-get-")
                .suffix(".part")
                .tempfile_in(dir)?;
            copy_body(how, &mut conn, part.as_file_mut())
                .context("downloading the body")?;
            part.persist(path).map_err(|err| err.error)?;
        }
    }
    Ok(())
}

/// Copies the body, ended as `how` says, from `conn` to `out`.
fn copy_body(
    how: Framing,
    conn: &mut Connection,
    out: &mut impl Write,
) -> io::Result<u64> {
    match how {
        Framing::Empty => Ok(0),
        Framing::Length(length) => {
            io::copy(&mut LengthReader::new(conn.by_ref(), length), out)
        }
        Framing::Chunked => read_chunked(conn, out),
        // A read of 0 bytes is the end: the server closed.
        Framing::UntilClose => io::copy(conn, out),
    }
}
