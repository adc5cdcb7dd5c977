//! From a URL to what goes on the socket: where to connect, the `Host`
//! header, and the request target (path and query).
//!
//! The `url` crate parses (the WHATWG rules browsers follow, IPv6 literals
//! and percent-encoding included) and resolves relative redirects. What is
//! ours is what this client accepts: `http://` or `https://`, a host, no
//! user name or password, and no space or control character anywhere,
//! since a space
//! in a request line would end the target early and a CR LF would start a
//! header of the URL's choosing.

use percent_encoding::percent_decode_str;
use std::fmt;
use url::Url;

/// A URL this client can fetch.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Target {
    /// The URL, normalised by the parser, without its fragment.
    pub url: Url,
    /// The port: the URL's, or the scheme's (80, or 443 for https).
    pub port: u16,
    /// `https://`: TLS over the connection (see [`crate::tls`]).
    pub tls: bool,
    /// The `Host` header's value: the host as written in URLs (`[::1]`
    /// for IPv6), with `:port` unless it is the scheme's.
    pub host_header: String,
    /// What the request line asks for: the path, and `?query` if any.
    pub request_target: String,
}

/// Why a URL cannot be fetched.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum UrlError {
    /// Not a URL at all.
    Parse(String),
    /// A space or control character: it would break the request line.
    BadCharacter(char),
    /// Another scheme (`ftp:`, `file:`, ...).
    Scheme(String),
    /// No host (`http:///path`).
    NoHost,
    /// `http://user:pass@host/`: credentials in URLs are not supported.
    Credentials,
}

impl fmt::Display for UrlError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            UrlError::Parse(why) => write!(f, "not a valid URL: {why}"),
            UrlError::BadCharacter(c) => write!(
                f,
                "the URL holds {c:?}; spaces and control characters must be \
                 percent-encoded (a space is %20)"
            ),
            UrlError::Scheme(scheme) => {
                write!(
                    f,
                    "{scheme}: URLs are not HTTP; use http:// or https://"
                )
            }
            UrlError::NoHost => write!(f, "the URL has no host"),
            UrlError::Credentials => {
                write!(f, "user names and passwords in URLs are not supported")
            }
        }
    }
}

impl std::error::Error for UrlError {}

// ANCHOR: parse_target
/// Parses a URL given by the user.
pub fn parse_target(text: &str) -> Result<Target, UrlError> {
    check_characters(text)?;
    // What people type for a URL without its scheme, which the parser
    // would take for something else (`localhost:8080` has the scheme
    // `localhost`).
    if !text.contains("://") {
        let hint = match text.strip_prefix("//") {
            Some(_) => format!("http:{text}"),
            None if text.starts_with('/') => format!("http://HOST{text}"),
            None => format!("http://{text}"),
        };
        return Err(UrlError::Parse(format!(
            "no scheme; did you mean {hint}?"
        )));
    }
    let url =
        Url::parse(text).map_err(|err| UrlError::Parse(err.to_string()))?;
    Target::new(url)
}

/// Resolves a redirect's `Location` against the URL it came from: it may
/// be absolute (`http://b/x`), absolute-path (`/x`) or relative (`x`).
pub fn resolve(base: &Url, location: &str) -> Result<Target, UrlError> {
    check_characters(location)?;
    let url = base
        .join(location)
        .map_err(|err| UrlError::Parse(err.to_string()))?;
    Target::new(url)
}
// ANCHOR_END: parse_target

// ANCHOR: check_characters
/// Refuses what the parser would quietly fix: it percent-encodes a space
/// and drops a tab or newline, so `/a b` would fetch `/a%20b` unasked.
fn check_characters(text: &str) -> Result<(), UrlError> {
    match text.chars().find(|c| c.is_whitespace() || c.is_control()) {
        Some(c) => Err(UrlError::BadCharacter(c)),
        None => Ok(()),
    }
}
// ANCHOR_END: check_characters

impl Target {
    // ANCHOR: target_new
    fn new(mut url: Url) -> Result<Target, UrlError> {
        let tls = match url.scheme() {
            "http" => false,
            "https" => true,
            other => return Err(UrlError::Scheme(other.to_owned())),
        };
        if !url.username().is_empty() || url.password().is_some() {
            return Err(UrlError::Credentials);
        }
        let host = url.host_str().ok_or(UrlError::NoHost)?.to_owned();
        if host.is_empty() {
            return Err(UrlError::NoHost);
        }
        // The fragment (#part) is for the browser; it is never sent.
        url.set_fragment(None);
        // The parser drops a port that is the scheme's (`:443` for
        // https), so `url.port()` is only ever another one.
        let port = url.port_or_known_default().unwrap_or(80);
        let host_header = match url.port() {
            Some(port) => format!("{host}:{port}"),
            None => host,
        };
        let request_target = match url.query() {
            Some(query) => format!("{}?{query}", url.path()),
            None => url.path().to_owned(),
        };
        Ok(Target {
            url,
            port,
            tls,
            host_header,
            request_target,
        })
    }
    // ANCHOR_END: target_new

    /// The last part of the path, for `-O`: `http://h/a/b.txt` is `b.txt`.
    /// `None` when the path ends in `/` or the name would not be a safe
    /// file name.
    pub fn file_name(&self) -> Option<String> {
        let last = self.url.path_segments()?.next_back()?;
        let name = percent_decode_str(last).decode_utf8().ok()?;
        let unsafe_name = name.is_empty()
            || name == "."
            || name == ".."
            || name.contains(['/', '\\', '\0']);
        (!unsafe_name).then(|| name.into_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn target(text: &str) -> Target {
        parse_target(text).expect("a valid URL")
    }

    #[test]
    fn host_header_and_request_target() {
        let t = target("http://example.com/a/b?x=1#top");
        assert_eq!(t.host_header, "example.com");
        assert_eq!(t.port, 80);
        assert_eq!(t.request_target, "/a/b?x=1");
        let t = target("http://127.0.0.1:8080");
        assert_eq!(t.host_header, "127.0.0.1:8080");
        assert_eq!(t.request_target, "/");
        let t = target("http://[::1]:8080/x");
        assert_eq!(t.host_header, "[::1]:8080");
        // An explicit :80 is the default, and the parser drops it.
        assert_eq!(target("http://h:80/").host_header, "h");
        let t = target("https://example.com/x");
        assert!(t.tls);
        assert_eq!((t.port, t.host_header.as_str()), (443, "example.com"));
        assert_eq!(target("https://h:443/").host_header, "h");
        let t = target("https://h:80/");
        assert_eq!((t.port, t.host_header.as_str()), (80, "h:80"));
        assert!(!target("http://h/").tls);
    }

    #[test]
    fn refusals_say_why() {
        assert_eq!(
            parse_target("ftp://h/"),
            Err(UrlError::Scheme("ftp".into()))
        );
        assert_eq!(
            parse_target("http://h/a b"),
            Err(UrlError::BadCharacter(' '))
        );
        assert_eq!(
            parse_target("http://h/a\r\nX-Evil: 1"),
            Err(UrlError::BadCharacter('\r'))
        );
        assert_eq!(parse_target("http://u:p@h/"), Err(UrlError::Credentials));
        assert!(matches!(parse_target("nonsense"), Err(UrlError::Parse(_))));
        let hint = |text: &str| parse_target(text).unwrap_err().to_string();
        assert_eq!(
            hint("example.com/x"),
            "not a valid URL: no scheme; did you mean http://example.com/x?"
        );
        assert!(hint("localhost:8080/x").ends_with("http://localhost:8080/x?"));
        assert!(hint("//h/x").ends_with("did you mean http://h/x?"));
        assert!(hint("/x").ends_with("did you mean http://HOST/x?"));
        assert!(parse_target("http://:80/").is_err());
        // The WHATWG parser reads http:///x as http://x/, as browsers do.
        assert_eq!(target("http:///x").host_header, "x");
    }

    #[test]
    fn redirects_resolve_against_the_page() {
        let base = target("http://h:8080/dir/page?q").url;
        let go = |loc: &str| resolve(&base, loc).map(|t| t.url.to_string());
        assert_eq!(go("/top").unwrap(), "http://h:8080/top");
        assert_eq!(go("next").unwrap(), "http://h:8080/dir/next");
        assert_eq!(go("//other/x").unwrap(), "http://other/x");
        assert_eq!(go("http://b/y").unwrap(), "http://b/y");
        assert_eq!(go("https://b/y").unwrap(), "https://b/y");
        let back = resolve(&target("https://s/a").url, "http://h/").unwrap();
        assert!(!back.tls, "a redirect may leave TLS, and says so");
    }

    #[test]
    fn file_names_come_from_the_last_segment() {
        let name = |text: &str| target(text).file_name();
        assert_eq!(name("http://h/a/b.txt?x=1").as_deref(), Some("b.txt"));
        assert_eq!(
            name("http://h/a/caf%C3%A9.txt").as_deref(),
            Some("café.txt")
        );
        assert_eq!(name("http://h/a/"), None);
        assert_eq!(name("http://h"), None);
        assert_eq!(name("http://h/a/..%2F..%2Fetc"), None);
        assert_eq!(name("http://h/%2e%2e"), None);
    }
}
