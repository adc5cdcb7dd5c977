//! The client against a server that sends exactly the bytes each test
//! chooses: every way a body can end, every redirect, and the ways a
//! server can get a response wrong.

mod common;

use std::io::Read;
use std::time::{Duration, Instant};

use common::Server;
use http_get::body::Framing;
use http_get::client::{Options, Response, fetch};
use http_get::download::{Job, Save, Settings, run_all};
use http_get::fixture::{Reply, Routes, chunked, ok, redirect, trickle};
use http_get::head::MAX_INTERIM_RESPONSES;
use http_get::request::Method;
use http_get::target::parse_target;
use netkit::testing::TEST_TIMEOUT;

struct Fixture {
    server: Server,
    routes: Routes,
}

impl Fixture {
    fn start(routes: Routes) -> Fixture {
        // The server's copy shares the record of requests with ours.
        let server = common::start(routes.clone());
        Fixture { server, routes }
    }

    fn url(&self, target: &str) -> String {
        common::url(&self.server, target)
    }

    fn fetch(
        &self,
        target: &str,
        options: &Options,
    ) -> anyhow::Result<Response> {
        fetch(parse_target(&self.url(target))?, options)
    }

    /// GETs `target`; the final status and the whole body.
    fn get(&self, target: &str) -> anyhow::Result<(u16, Vec<u8>)> {
        let mut response = self.fetch(target, &Options::default())?;
        let mut body = Vec::new();
        response.read_to_end(&mut body)?;
        Ok((response.head.status, body))
    }

    /// What went wrong, as the user would read it.
    fn error(&self, target: &str) -> String {
        match self.get(target) {
            Ok((status, body)) => {
                panic!("{target}: {status}, {} bytes", body.len())
            }
            Err(err) => format!("{err:#}"),
        }
    }
}

fn head_then(head: &str, body: &[u8]) -> Reply {
    Reply::Bytes([head.as_bytes(), body].concat())
}

#[test]
fn the_three_ways_a_body_ends() {
    let data = common::data(300_000, 0);
    let fixture = Fixture::start(
        Routes::new()
            .at("/length", ok(&data, "application/octet-stream"))
            .at("/chunked", chunked(&data, &[1, 4096, 65_536, 17]))
            .at("/close", head_then("HTTP/1.1 200 OK\r\n\r\n", &data))
            .at("/http10", head_then("HTTP/1.0 200 OK\r\n\r\n", &data)),
    );
    for target in ["/length", "/chunked", "/close", "/http10"] {
        assert_eq!(
            fixture.get(target).unwrap(),
            (200, data.clone()),
            "{target}"
        );
    }
    let framing =
        |t: &str| fixture.fetch(t, &Options::default()).unwrap().framing;
    assert_eq!(framing("/length"), Framing::Length(300_000));
    assert_eq!(framing("/chunked"), Framing::Chunked);
    assert_eq!(framing("/close"), Framing::UntilClose);
}

/// Chunk sizes, data and trailers cut across reads at awkward places.
#[test]
fn chunks_split_across_reads() {
    let pieces: Vec<Vec<u8>> = [
        "HTTP/1.1 200 OK\r\nTransfer-Enc",
        "oding: chunked\r\n\r\n1",
        "0;ext=\"a;b\"\r\n0123456789",
        "abcdef\r",
        "\n5\r\nhello\r\n0\r\nTrailer",
        ": yes\r\n",
        "\r\n",
    ]
    .iter()
    .map(|piece| piece.as_bytes().to_vec())
    .collect();
    let fixture = Fixture::start(Routes::new().at("/", Reply::Pieces(pieces)));
    assert_eq!(
        fixture.get("/").unwrap(),
        (200, b"0123456789abcdefhello".to_vec())
    );
}

#[test]
fn no_body_for_head_204_304_and_after_1xx() {
    let fixture = Fixture::start(
        Routes::new()
            .at("/", ok(b"the body", "text/plain"))
            // A length, but a 204 has no body, and neither does a 304.
            .at(
                "/204",
                head_then(
                    "HTTP/1.1 204 No Content\r\nContent-Length: 5\r\n\r\n",
                    b"",
                ),
            )
            .at(
                "/304",
                head_then(
                    "HTTP/1.1 304 Not Modified\r\nContent-Length: 5\r\n\r\n",
                    b"",
                ),
            )
            .at(
                "/103",
                head_then(
                    "HTTP/1.1 103 Early Hints\r\nLink: </s.css>\r\n\r\n\
                     HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n",
                    b"ok",
                ),
            ),
    );
    let head = Options {
        method: Method::Head,
        ..Options::default()
    };
    let mut response = fixture.fetch("/", &head).unwrap();
    assert_eq!(response.framing, Framing::Empty);
    assert_eq!(response.head.get("Content-Length"), Some("8"));
    assert_eq!(response.read(&mut [0; 16]).unwrap(), 0);
    assert!(fixture.routes.requests()[0].starts_with("HEAD / HTTP/1.1\r\n"));
    assert_eq!(fixture.get("/204").unwrap(), (204, Vec::new()));
    assert_eq!(fixture.get("/304").unwrap(), (304, Vec::new()));
    assert_eq!(fixture.get("/103").unwrap(), (200, b"ok".to_vec()));
}

/// 301, 302, 303, 307 and 308 are followed, with the Location resolved
/// against the URL that sent it.
#[test]
fn every_redirect_code_is_followed() {
    let mut routes = Routes::new().at("/end", ok(b"arrived", "text/plain"));
    for code in [301, 302, 303, 307, 308] {
        routes = routes.at(&format!("/dir/{code}"), redirect(code, "../end"));
    }
    let fixture = Fixture::start(routes.at("/abs", redirect(302, "/dir/301")));
    for code in [301, 302, 303, 307, 308] {
        let response = fixture
            .fetch(&format!("/dir/{code}"), &Options::default())
            .unwrap();
        assert_eq!(response.head.status, 200);
        assert_eq!(response.url.path(), "/end");
        assert_eq!(response.redirects.len(), 1);
        assert_eq!(response.redirects[0].0, code);
    }
    let response = fixture.fetch("/abs", &Options::default()).unwrap();
    assert_eq!(response.redirects.len(), 2);
    // A 3xx without Location is a response like any other.
    let fixture = Fixture::start(Routes::new().at(
        "/",
        head_then(
            "HTTP/1.1 300 Multiple Choices\r\nContent-Length: 2\r\n\r\n",
            b"hi",
        ),
    ));
    assert_eq!(fixture.get("/").unwrap(), (300, b"hi".to_vec()));
}

#[test]
fn loops_and_long_chains_are_reported() {
    let mut routes = Routes::new()
        .at("/a", redirect(302, "/b"))
        .at("/b", redirect(301, "/a"));
    for n in 0..10 {
        routes = routes.at(
            &format!("/hop{n}"),
            redirect(302, &format!("/hop{}", n + 1)),
        );
    }
    let fixture = Fixture::start(routes);
    let err = fixture.error("/a");
    assert!(err.contains("redirect loop"), "{err}");
    assert!(err.contains("/b (301)") && err.ends_with("/a"), "{err}");
    let err = fixture.error("/hop0");
    assert!(err.contains("more than 5 redirects"), "{err}");
    let fewer = Options {
        max_redirects: 9,
        ..Options::default()
    };
    assert!(fixture.fetch("/hop0", &fewer).is_err());
    let enough = Options {
        max_redirects: 10,
        ..Options::default()
    };
    assert_eq!(fixture.fetch("/hop0", &enough).unwrap().head.status, 404);
}

/// A body cut short is an error, never a short body.
#[test]
fn an_early_close_is_an_error() {
    let fixture = Fixture::start(
        Routes::new()
            .at("/length", head_then("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n", &[b'x'; 60]))
            .at("/chunk", head_then("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n64\r\n", &[b'x'; 60]))
            .at("/last", head_then("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n", b""))
            .at("/head", Reply::Bytes(b"HTTP/1.1 200 OK\r\nContent-Le".to_vec()))
            .at("/nothing", Reply::Bytes(Vec::new())),
    );
    assert!(fixture.error("/length").contains("after 60 of 100 bytes"));
    assert!(fixture.error("/chunk").contains("in the middle of a chunk"));
    assert!(
        fixture
            .error("/last")
            .contains("in the middle of the chunked body")
    );
    assert!(fixture.error("/head").contains("after 27 bytes of head"));
    assert!(fixture.error("/nothing").contains("without a response"));
}

#[test]
fn untrustworthy_responses_are_refused() {
    let fixture = Fixture::start(
        Routes::new()
            .at("/lengths", head_then("HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n", b"hello!"))
            .at("/nan", head_then("HTTP/1.1 200 OK\r\nContent-Length: five\r\n\r\n", b"hello"))
            .at("/gzip", head_then("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n", b"\x1f\x8b"))
            .at("/status", Reply::Bytes(b"HTTP/1.1 2OO OK\r\n\r\n".to_vec()))
            .at("/h2", Reply::Bytes(b"HTTP/2 200\r\n\r\n".to_vec()))
            .at("/ssh", Reply::Bytes(b"SSH-2.0-OpenSSH_9.2\r\n".to_vec()))
            .at("/header", Reply::Bytes(b"HTTP/1.1 200 OK\r\nBad header\r\n\r\n".to_vec()))
            .at("/size", head_then("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n", b"xyz\r\n"))
            .at("/negative", head_then("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n", b"-1\r\n"))
            .at("/overflow", head_then("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n", b"10000000000000000\r\n"))
            .at("/switch", Reply::Bytes(b"HTTP/1.1 101 Switching Protocols\r\n\r\n".to_vec())),
    );
    for (target, expected) in [
        ("/lengths", "conflicting Content-Length (5, 6)"),
        ("/nan", "invalid or conflicting Content-Length (five)"),
        ("/gzip", "unsupported Transfer-Encoding \"gzip\""),
        (
            "/status",
            "not an HTTP/1.x status line: \"HTTP/1.1 2OO OK\"",
        ),
        ("/h2", "not an HTTP/1.x status line"),
        ("/ssh", "not an HTTP/1.x status line"),
        ("/header", "malformed header line: \"Bad header\""),
        ("/size", "invalid chunk size \"xyz\""),
        ("/negative", "invalid chunk size \"-1\""),
        ("/overflow", "invalid chunk size"),
        ("/switch", "switched protocols"),
    ] {
        let err = fixture.error(target);
        assert!(err.contains(expected), "{target}: {err}");
    }
}

/// A megabyte of headers is refused after the first 64 KiB, without
/// reading (or keeping) the rest.
#[test]
fn a_megabyte_of_headers_is_refused() {
    let line = format!("X-Filler: {}\r\n", "y".repeat(1000));
    let head = format!("HTTP/1.1 200 OK\r\n{}\r\n", line.repeat(1024));
    let many = format!("HTTP/1.1 200 OK\r\n{}\r\n", "A: b\r\n".repeat(101));
    let fixture = Fixture::start(
        Routes::new()
            .at("/big", Reply::Bytes(head.into_bytes()))
            .at("/many", Reply::Bytes(many.into_bytes())),
    );
    assert!(fixture.error("/big").contains("head is over 65536 bytes"));
    assert!(fixture.error("/many").contains("over 100 headers"));
}

/// A server that stops halfway: the read timeout ends the wait, with an
/// error that says so.
#[test]
fn a_stalled_server_times_out() {
    let fixture = Fixture::start(
        Routes::new()
            .at("/head", Reply::Stall(b"HTTP/1.1 200 OK\r\n".to_vec()))
            .at("/banner", Reply::Stall(b"SSH-2.0-OpenSSH_9.2\r\n".to_vec()))
            .at(
                "/body",
                Reply::Stall(
                    b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nhalf"
                        .to_vec(),
                ),
            ),
    );
    let quick = Options {
        timeout: Duration::from_millis(300),
        ..Options::default()
    };
    let err = fixture.fetch("/head", &quick).unwrap_err();
    assert!(
        format!("{err:#}").contains("the server sent nothing for 0.3 s"),
        "{err:#}"
    );
    // Not HTTP: an SSH server sends its banner, then waits for us. The
    // status line is checked as soon as it arrives, not after a timeout.
    let err = fixture.fetch("/banner", &Options::default()).unwrap_err();
    assert!(format!("{err:#}").contains("not an HTTP/1.x status line"));
    let mut response = fixture.fetch("/body", &quick).unwrap();
    let err = response.read_to_end(&mut Vec::new()).unwrap_err();
    assert!(netkit::is_timeout(&err), "{err}");
}

/// What goes on the wire: the request line, Host (with the port, and
/// brackets for IPv6), our headers, and the user's.
#[test]
fn the_request_on_the_wire() {
    let fixture =
        Fixture::start(Routes::new().at("/p?q=1", ok(b"", "text/plain")));
    let options = Options {
        headers: vec![http_get::request::parse_header("X-Lesson: 6").unwrap()],
        ..Options::default()
    };
    fixture.fetch("/p?q=1#frag", &options).unwrap();
    let request = &fixture.routes.requests()[0];
    let port = fixture.server.addr().port();
    assert_eq!(
        request,
        &format!(
            "GET /p?q=1 HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\
             User-Agent: {}\r\nAccept: */*\r\nConnection: close\r\n\
             X-Lesson: 6\r\n\r\n",
            http_get::request::USER_AGENT
        )
    );
}

/// Credentials stay with the site they were given for: a redirect to
/// another origin drops them, and keeps the other headers.
#[test]
fn credentials_do_not_follow_a_redirect_elsewhere() {
    let other =
        Fixture::start(Routes::new().at("/there", ok(b"x", "text/plain")));
    let there = other.url("/there");
    let fixture = Fixture::start(
        Routes::new()
            .at("/away", redirect(302, &there))
            .at("/near", redirect(302, "/here"))
            .at("/here", ok(b"x", "text/plain")),
    );
    let options = Options {
        headers: ["Authorization: Bearer s3cret", "Cookie: a=1", "X-Keep: yes"]
            .map(|h| http_get::request::parse_header(h).unwrap())
            .to_vec(),
        ..Options::default()
    };
    fixture.fetch("/away", &options).unwrap();
    let sent = &other.routes.requests()[0];
    assert!(
        !sent.contains("s3cret") && !sent.contains("Cookie"),
        "{sent}"
    );
    assert!(sent.contains("X-Keep: yes"), "{sent}");
    fixture.fetch("/near", &options).unwrap();
    let sent = fixture.routes.requests().pop().unwrap();
    assert!(
        sent.starts_with("GET /here ") && sent.contains("s3cret"),
        "{sent}"
    );
}

/// --max-redirects 0: the redirect is the answer, Location and all.
#[test]
fn no_redirects_followed_shows_the_redirect() {
    let fixture =
        Fixture::start(Routes::new().at("/old", redirect(301, "/new")));
    let options = Options {
        max_redirects: 0,
        ..Options::default()
    };
    let response = fixture.fetch("/old", &options).unwrap();
    assert_eq!(response.head.status, 301);
    assert_eq!(response.head.get("Location"), Some("/new"));
    assert!(response.redirects.is_empty());
}

/// A Host header given with -H stays with its site too.
#[test]
fn a_given_host_header_does_not_follow_a_redirect_elsewhere() {
    let other =
        Fixture::start(Routes::new().at("/there", ok(b"x", "text/plain")));
    let there = other.url("/there");
    let fixture =
        Fixture::start(Routes::new().at("/away", redirect(302, &there)));
    let options = Options {
        headers: vec![
            http_get::request::parse_header("Host: first.example").unwrap(),
        ],
        ..Options::default()
    };
    fixture.fetch("/away", &options).unwrap();
    assert!(fixture.routes.requests()[0].contains("Host: first.example\r\n"));
    let sent = &other.routes.requests()[0];
    assert!(
        sent.contains(&format!("Host: {}\r\n", other.server.addr())),
        "{sent}"
    );
}

/// One interim head: what a 1xx flood repeats.
const CONTINUE: &[u8] = b"HTTP/1.1 100 Continue\r\n\r\n";

/// Waits for a read at most this long: a client that kept reading past
/// the bound would fail with "the server sent nothing", not pass.
fn patient() -> Options {
    Options {
        timeout: TEST_TIMEOUT,
        ..Options::default()
    }
}

/// Five interim heads are skipped. A sixth is refused as soon as it is
/// read: the server sends exactly six and then waits, so a client that
/// read on would time out instead, with another error.
#[test]
fn interim_heads_are_skipped_up_to_the_bound_and_no_further() {
    let five = CONTINUE.repeat(MAX_INTERIM_RESPONSES);
    let six = CONTINUE.repeat(MAX_INTERIM_RESPONSES + 1);
    let final_head = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
    let fixture = Fixture::start(
        Routes::new()
            .at("/five", Reply::Bytes([&five[..], final_head].concat()))
            .at("/six", Reply::Stall(six)),
    );
    let mut response = fixture.fetch("/five", &patient()).unwrap();
    let mut body = Vec::new();
    response.read_to_end(&mut body).unwrap();
    assert_eq!((response.head.status, body), (200, b"ok".to_vec()));
    let err = fixture.fetch("/six", &patient()).unwrap_err();
    assert_eq!(
        format!("{err:#}"),
        "the server sent over 5 interim (1xx) responses and no final one"
    );
}

/// A server that sends `100 Continue` every 10 ms for as long as the
/// client listens (1,000 of them: 10 s) no longer holds it: the client
/// stops at the bound, and the server, writing to a closed connection,
/// stops too.
#[test]
fn a_flood_of_interim_heads_ends_at_the_bound() {
    let flood = vec![CONTINUE.to_vec(); 1000];
    let fixture = Fixture::start(
        Routes::new()
            .at("/flood", Reply::Paced(flood, Duration::from_millis(10))),
    );
    let started = Instant::now();
    let err = fixture.fetch("/flood", &patient()).unwrap_err();
    assert_eq!(
        format!("{err:#}"),
        "the server sent over 5 interim (1xx) responses and no final one"
    );
    assert!(started.elapsed() < TEST_TIMEOUT, "not bounded");
    assert_eq!(fixture.routes.requests().len(), 1);
}

/// A body that keeps coming, a byte every 200 ms, never trips the
/// 30-second timeout; --max-time ends it, with an error of its own, and
/// the file it was saved to is not left behind, complete or partial.
#[test]
fn max_time_stops_a_trickled_body_and_saves_nothing() {
    let fixture = Fixture::start(Routes::new().at(
        "/slow.bin",
        trickle(&[b'x'; 20], Duration::from_millis(200)),
    ));
    let dir = tempfile::tempdir().unwrap();
    let job = Job {
        url: fixture.url("/slow.bin"),
        save: Save::File(dir.path().join("slow.bin")),
    };
    let settings = Settings {
        options: Options {
            max_time: Some(Duration::from_secs(1)),
            ..Options::default()
        },
        ..Settings::default()
    };
    let started = Instant::now();
    let outcomes = run_all(vec![job], 1, &settings);
    assert!(started.elapsed() < TEST_TIMEOUT, "not bounded");
    let err = outcomes[0].1.as_ref().unwrap_err();
    assert_eq!(
        format!("{err:#}"),
        "downloading the body: not finished within --max-time 1s"
    );
    assert_eq!(common::names_in(dir.path()), Vec::<String>::new());
}

/// Each redirect takes 300 ms, well within a 1 s --max-time, but five in
/// a row do not: the deadline covers the chain, not each hop, and the
/// chain stops before its end. With time enough, the same chain
/// arrives.
#[test]
fn max_time_spans_a_redirect_chain() {
    let gap = Duration::from_millis(300);
    let mut routes = Routes::new().at("/end", ok(b"arrived", "text/plain"));
    for n in 0..5 {
        let next = if n == 4 {
            "/end".to_owned()
        } else {
            format!("/hop{}", n + 1)
        };
        // The status line, then the rest of the head `gap` later.
        let status_line = b"HTTP/1.1 302 Found\r\n".to_vec();
        let rest = format!("Location: {next}\r\nContent-Length: 0\r\n\r\n");
        let pieces = vec![status_line, rest.into_bytes()];
        routes = routes.at(&format!("/hop{n}"), Reply::Paced(pieces, gap));
    }
    let fixture = Fixture::start(routes);
    let within = |max_time: u64| Options {
        max_time: Some(Duration::from_secs(max_time)),
        ..Options::default()
    };
    let err = fixture.fetch("/hop0", &within(1)).unwrap_err();
    assert_eq!(format!("{err:#}"), "not finished within --max-time 1s");
    let asked = fixture.routes.requests();
    assert!(asked.len() < 5, "{} hops", asked.len());
    assert!(!asked.iter().any(|request| request.starts_with("GET /end ")));

    let response = fixture.fetch("/hop0", &within(4)).unwrap();
    assert_eq!(response.url.path(), "/end");
    assert_eq!(response.redirects.len(), 5);
}

/// The connect draws on the deadline too. On Linux, once a listener's
/// accept queue is full, a new SYN is dropped unanswered, so a connect
/// waits; here it waits for what is left of --max-time, not for the
/// 30-second timeout.
#[cfg(target_os = "linux")]
#[test]
fn max_time_bounds_the_connect() {
    let listener = netkit::bind_tcp("127.0.0.1:0".parse().unwrap(), 0)
        .expect("bind with the smallest backlog");
    let spec = listener.local_addr().unwrap().to_string();
    // Fill the queue: the first connect that times out found it full.
    let mut queued = Vec::new();
    let full = loop {
        match netkit::connect_within(&spec, Duration::from_millis(300)) {
            Ok(stream) if queued.len() < 64 => queued.push(stream),
            Ok(_) => panic!("the accept queue never filled"),
            Err(err) => break err,
        }
    };
    assert!(netkit::is_timeout(full.io_error()), "{full}");
    let options = Options {
        max_time: Some(Duration::from_millis(500)),
        ..Options::default()
    };
    let started = Instant::now();
    let err =
        fetch(parse_target(&format!("http://{spec}/")).unwrap(), &options)
            .unwrap_err();
    assert!(started.elapsed() < TEST_TIMEOUT, "not bounded");
    assert_eq!(
        format!("{err:#}"),
        format!(
            "could not connect to {spec}: not finished within --max-time \
             500ms"
        )
    );
}
