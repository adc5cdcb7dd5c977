//! The request: a request line, header lines, an empty line.
//!
//! ```text
//! GET /a/b?x=1 HTTP/1.1\r\n
//! Host: example.com:8080\r\n         (mandatory in HTTP/1.1)
//! User-Agent: http-get/0.1\r\n
//! Accept: */*\r\n
//! Connection: close\r\n              (one request per connection)
//! \r\n
//! ```

use std::fmt;

use crate::head::is_token_char;
use crate::target::Target;

/// What the request asks for.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Method {
    /// The resource.
    #[default]
    Get,
    /// Only its head: status and headers.
    Head,
}

impl Method {
    /// As on the request line.
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Head => "HEAD",
        }
    }
}

/// Our `User-Agent`.
pub const USER_AGENT: &str = concat!("http-get/", env!("CARGO_PKG_VERSION"));

/// A header field given with `-H 'Name: value'`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Header {
    /// The name, a token.
    pub name: String,
    /// The value, without CR, LF or NUL.
    pub value: String,
}

/// Why a `-H` argument is refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BadHeader(String);

impl fmt::Display for BadHeader {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}; write a header as 'Name: value' (the name: letters, digits \
             and !#$%&'*+-.^_`|~; no line breaks in the value)",
            self.0
        )
    }
}

impl std::error::Error for BadHeader {}

/// Parses `Name: value`, as `-H` takes it.
pub fn parse_header(text: &str) -> Result<Header, BadHeader> {
    let (name, value) = text
        .split_once(':')
        .ok_or_else(|| BadHeader(format!("no colon in {text:?}")))?;
    if name.is_empty() || !name.bytes().all(is_token_char) {
        return Err(BadHeader(format!("{name:?} is not a header name")));
    }
    if value.contains(['\r', '\n', '\0']) {
        return Err(BadHeader(format!("the value of {name} has a line break")));
    }
    Ok(Header {
        name: name.to_owned(),
        value: value.trim().to_owned(),
    })
}

// ANCHOR: encode
/// The bytes of a request for `target`. A header in `extra` replaces ours
/// of the same name (`-H 'User-Agent: x'`), or is added.
pub fn encode(method: Method, target: &Target, extra: &[Header]) -> Vec<u8> {
    let ours = [
        ("Host", target.host_header.as_str()),
        ("User-Agent", USER_AGENT),
        ("Accept", "*/*"),
        // One request per connection: the server closes after the
        // response, and a body without a length ends there.
        ("Connection", "close"),
    ];
    let replaced =
        |name: &str| extra.iter().any(|h| h.name.eq_ignore_ascii_case(name));
    let mut request =
        format!("{} {} HTTP/1.1\r\n", method.as_str(), target.request_target);
    for (name, value) in ours.into_iter().filter(|(name, _)| !replaced(name)) {
        request.push_str(&format!("{name}: {value}\r\n"));
    }
    for header in extra {
        request.push_str(&format!("{}: {}\r\n", header.name, header.value));
    }
    request.push_str("\r\n");
    request.into_bytes()
}
// ANCHOR_END: encode

#[cfg(test)]
mod tests {
    use super::*;
    use crate::target::parse_target;

    #[test]
    fn a_get_request_on_the_wire() {
        let target = parse_target("http://[::1]:8080/a%20b?x=1").unwrap();
        let request =
            String::from_utf8(encode(Method::Get, &target, &[])).unwrap();
        assert_eq!(
            request,
            format!(
                "GET /a%20b?x=1 HTTP/1.1\r\nHost: [::1]:8080\r\n\
                 User-Agent: {USER_AGENT}\r\nAccept: */*\r\n\
                 Connection: close\r\n\r\n"
            )
        );
    }

    #[test]
    fn extra_headers_add_or_replace() {
        let target = parse_target("http://h/").unwrap();
        let extra = [
            parse_header("user-agent: test").unwrap(),
            parse_header("X-Token:abc ").unwrap(),
        ];
        let request =
            String::from_utf8(encode(Method::Head, &target, &extra)).unwrap();
        assert!(
            request.starts_with("HEAD / HTTP/1.1\r\nHost: h\r\n"),
            "{request}"
        );
        assert!(!request.contains("http-get/"), "{request}");
        assert!(request.ends_with("user-agent: test\r\nX-Token: abc\r\n\r\n"));
    }

    #[test]
    fn bad_headers_are_refused() {
        assert!(parse_header("NoColon").is_err());
        assert!(parse_header(": v").is_err());
        assert!(parse_header("Bad Name: v").is_err());
        assert!(parse_header("X: a\r\nInjected: 1").is_err());
        assert!(parse_header("X:").is_ok());
    }
}
