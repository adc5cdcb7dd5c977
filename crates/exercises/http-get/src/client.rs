//! One request on a new connection, and the redirects after it.

use std::io::{BufReader, Write};
use std::time::Duration;

use anyhow::Context;
use http_get::head::{Head, read_final_head};
use http_get::request::Method;
use http_get::target::{Target, parse_target};

use crate::request::encode;

/// What to ask, and how patiently.
#[derive(Clone, Debug)]
pub struct Options {
    /// GET or HEAD.
    pub method: Method,
    /// Redirects to follow before giving up (`--max-redirects`).
    pub max_redirects: u32,
    /// Bound on the connect and on each read and write (`--timeout`).
    pub timeout: Duration,
}

/// The connection, buffered: the head parser and the body read from it.
pub type Connection = BufReader<std::net::TcpStream>;

/// Where a response sends the client next, if anywhere: `None` when
/// `head` is not a redirect to follow (its body is then the answer).
///
/// A 301, 302, 303, 307 or 308 with a `Location` is one. The `Location`
/// may be relative (`next`, `../up`, `/top`): resolve it against
/// `from.url` with `http_get::target::resolve`. `followed` redirects came
/// before this one; with `max_redirects` already followed, following one
/// more is an error, not a loop without end.
pub fn redirect_to(
    head: &Head,
    from: &Target,
    followed: u32,
    max_redirects: u32,
) -> anyhow::Result<Option<Target>> {
    todo!(
        "stage redirect: for a 3xx with a Location, resolve it against the \
         URL and return it; past max_redirects, an error \
         (book: http-get.md, \"Redirects\")"
    )
}

/// Fetches `url`, following redirects; returns the final head and the
/// connection at the start of its body.
pub fn fetch(
    url: &str,
    options: &Options,
) -> anyhow::Result<(Head, Connection)> {
    let mut target = parse_target(url)?;
    let mut followed = 0;
    loop {
        let (head, conn) = exchange(&target, options)?;
        match redirect_to(&head, &target, followed, options.max_redirects)? {
            // Connection: close, so this connection is done: dropped.
            Some(next) => {
                followed += 1;
                target = next;
            }
            None => return Ok((head, conn)),
        }
    }
}

/// One request on a new connection: connect, send, read the head (the
/// lesson's parser, which skips interim 1xx heads).
fn exchange(
    target: &Target,
    options: &Options,
) -> anyhow::Result<(Head, Connection)> {
    let host = target.url.host_str().unwrap_or_default();
    let spec = format!("{host}:{}", target.port);
    let stream = netkit::connect_within(&spec, options.timeout)
        .with_context(|| format!("could not connect to {spec}"))?;
    // Every read and write is bounded: a server that stalls is an error
    // after this long, not a hang.
    stream.set_read_timeout(Some(options.timeout))?;
    stream.set_write_timeout(Some(options.timeout))?;
    (&stream)
        .write_all(&encode(options.method, target))
        .context("sending the request")?;
    let mut conn = BufReader::new(stream);
    let head = read_final_head(&mut conn)?;
    Ok((head, conn))
}
