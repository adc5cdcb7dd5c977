//! The request: a request line, header lines, an empty line.
//!
//! ```text
//! GET /a/b?x=1 HTTP/1.1\r\n
//! Host: 127.0.0.1:8080\r\n        (mandatory in HTTP/1.1; the port unless 80)
//! Connection: close\r\n           (one request per connection)
//! \r\n
//! ```

use http_get::request::Method;
use http_get::target::Target;

/// The bytes of a `method` request for `target`: the request line (the
/// method's `as_str()`, `target.request_target`, `HTTP/1.1`), a `Host`
/// header with `target.host_header`, `Connection: close`, and the empty
/// line. Every line ends in CR LF. Send no other header unless you mean
/// it (`http_get::request::USER_AGENT` is there for a `User-Agent`).
pub fn encode(method: Method, target: &Target) -> Vec<u8> {
    todo!(
        "stage request: the request line, `Host`, `Connection: close`, each \
         line ending in \\r\\n, then an empty line (book: http-get.md, \
         \"The request\")"
    )
}
