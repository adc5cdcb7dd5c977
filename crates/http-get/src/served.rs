//! `http-get serve`: the fixture server on an address of your choice,
//! answering every path the lesson's pages fetch. Each response is one the
//! client must handle, right or wrong on purpose, so that a learner can
//! run what the book shows without writing a misbehaving server first.
//!
//! # Try it
//!
//! ```text
//! cargo run -q -p http-get -- serve --bind 127.0.0.1:8080   # one terminal
//! cargo run -q -p http-get -- http://127.0.0.1:8080/        # another: the paths
//! ```

use std::time::Duration;

use crate::demo::picture_routes;
use crate::fixture::{Reply, Routes, ok, redirect, trickle};

/// Where `http-get serve` listens unless told otherwise.
pub const DEFAULT_ADDR: &str = "127.0.0.1:8080";

/// How far the never-ending chain `/hop/1`, `/hop/2`, ... goes before it
/// ends in a 404: far past any client's redirect limit.
const HOPS: u32 = 100;

/// The pause between the bytes of `/slow.txt`: each read waits no longer,
/// the whole body takes 8 of them.
const TRICKLE_GAP: Duration = Duration::from_millis(250);

/// The pause between the interim heads of `/flood`, and how many it sends.
const FLOOD_GAP: Duration = Duration::from_millis(10);
const FLOOD_HEADS: usize = 500;

/// What `http://HOST:PORT/` answers: the paths, and what each shows.
const INDEX: &str = "\
/hello.txt          a body with Content-Length
/chunked            a chunked body, with an extension and a trailer
/close              a body that ends when the server closes
/dropped            the same, but over TLS without close_notify
/echo               the request you sent, as the body
/img/1.jpg ...      the demo's pictures; /api/meinv?num=4 lists them
                    (and ?num=5 one more, which is missing)
/old /docs/start /other-host /temp /perm    redirects
/loop-a /hop/1      a redirect loop, and a chain that never ends
/away               a redirect to another origin (localhost), to /echo
/short              a Content-Length of 1000, and 10 bytes
/conflict /both /gzip          lengths that disagree, both kinds, gzip
/huge-head /many-headers       heads over the client's limits
/ssh /silent /stall.bin        a banner, nothing at all, half a body
/interim /flood     1xx heads before the answer, or for ever
/slow.txt           8 bytes, one every 250 ms
";

/// A response with `head` (its lines, CR LF added) and `body`.
fn raw(head: &[&str], body: &[u8]) -> Reply {
    Reply::Bytes(response(head, body))
}

fn response(head: &[&str], body: &[u8]) -> Vec<u8> {
    let head: String = head.iter().map(|line| format!("{line}\r\n")).collect();
    [head.as_bytes(), b"\r\n", body].concat()
}

/// Every route, for a server whose URL is `base` (`http://127.0.0.1:PORT`)
/// and which `other` (`http://localhost:PORT`) reaches as another origin.
pub fn lesson_routes(base: &str, other: &str) -> Routes {
    let text = |body: &str| ok(body.as_bytes(), "text/plain");
    let mut routes = picture_routes(Routes::new(), base)
        .at("/", text(INDEX))
        .at("/hello.txt", text("Hello, HTTP!\n"))
        .at(
            "/chunked",
            raw(
                &[
                    "HTTP/1.1 200 OK",
                    "Content-Type: text/plain",
                    "Transfer-Encoding: chunked",
                ],
                b"7\r\nHello, \r\n8;note=middle\r\nchunked \r\n\
                  7\r\nworld!\n\r\n0\r\nExpires: never\r\n\r\n",
            ),
        )
        .at(
            "/close",
            raw(
                &["HTTP/1.1 200 OK", "Content-Type: text/plain"],
                b"no length, no chunks: this body ends at the close\n",
            ),
        )
        .at(
            "/dropped",
            Reply::Dropped(response(
                &["HTTP/1.1 200 OK", "Content-Type: text/plain"],
                b"this body ends at the close: whole, or cut short?\n",
            )),
        )
        .at("/echo", Reply::Echo)
        .at("/echo?x=1", Reply::Echo)
        // Redirects, each kind of Location.
        .at("/old", redirect(301, "/new"))
        .at("/new", text("you are at /new\n"))
        .at("/docs/start", redirect(302, "next"))
        .at("/docs/next", text("you are at /docs/next\n"))
        // Scheme-relative: //localhost:PORT/new.
        .at("/other-host", redirect(303, &format!("{}/new", other.split_once(':').map_or(other, |(_, rest)| rest))))
        .at("/temp", redirect(307, &format!("{base}/new")))
        .at("/perm", redirect(308, "/new"))
        .at("/loop-a", redirect(308, "/loop-b"))
        .at("/loop-b", redirect(308, "/loop-a"))
        .at("/away", redirect(302, &format!("{other}/echo")))
        // Bodies whose end is wrong, or cannot be known.
        .at(
            "/short",
            raw(&["HTTP/1.1 200 OK", "Content-Length: 1000"], b"only ten.\n"),
        )
        .at(
            "/conflict",
            raw(
                &["HTTP/1.1 200 OK", "Content-Length: 5", "Content-Length: 6"],
                b"hello!",
            ),
        )
        .at(
            "/both",
            raw(
                &[
                    "HTTP/1.1 200 OK",
                    "Content-Length: 3",
                    "Transfer-Encoding: chunked",
                ],
                b"c\r\nhello world\n\r\n0\r\n\r\n",
            ),
        )
        .at(
            "/gzip",
            raw(
                &["HTTP/1.1 200 OK", "Transfer-Encoding: gzip"],
                b"not really gzip",
            ),
        )
        // Heads past the client's limits.
        .at(
            "/huge-head",
            raw(
                &["HTTP/1.1 200 OK", &format!("X-Big: {}", "a".repeat(70_000))],
                b"",
            ),
        )
        .at("/many-headers", {
            let headers: Vec<String> =
                (0..=100).map(|n| format!("X-Header-{n}: {n}")).collect();
            let mut head = vec!["HTTP/1.1 200 OK"];
            head.extend(headers.iter().map(String::as_str));
            raw(&head, b"")
        })
        // Servers that are slow, silent or not HTTP at all.
        .at(
            "/ssh",
            Reply::Stall(b"SSH-2.0-OpenSSH_9.6p1 Ubuntu-3ubuntu13\r\n".to_vec()),
        )
        .at("/silent", Reply::Stall(Vec::new()))
        .at(
            "/stall.bin",
            Reply::Stall(
                [
                    &b"HTTP/1.1 200 OK\r\nContent-Length: 1000000\r\n\r\n"[..],
                    &[0; 300_000],
                ]
                .concat(),
            ),
        )
        .at(
            "/interim",
            Reply::Pieces(vec![
                b"HTTP/1.1 100 Continue\r\n\r\n".to_vec(),
                b"HTTP/1.1 103 Early Hints\r\nLink: </style.css>; rel=preload\r\n\r\n"
                    .to_vec(),
                b"HTTP/1.1 200 OK\r\nContent-Length: 17\r\n\r\nthe final answer\n"
                    .to_vec(),
            ]),
        )
        .at(
            "/flood",
            Reply::Paced(
                vec![b"HTTP/1.1 100 Continue\r\n\r\n".to_vec(); FLOOD_HEADS],
                FLOOD_GAP,
            ),
        )
        .at("/slow.txt", trickle(b"trickle\n", TRICKLE_GAP))
        .at("/api/meinv?num=5", {
            // Five pictures asked for, four there: the fifth is a 404.
            let list: Vec<serde_json::Value> = (1..=5)
                .map(|n| serde_json::json!({ "picUrl": format!("{base}/img/{n}.jpg") }))
                .collect();
            let json = serde_json::json!({ "code": 200, "newslist": list });
            ok(json.to_string().as_bytes(), "application/json")
        });
    for hop in 1..=HOPS {
        routes = routes.at(
            &format!("/hop/{hop}"),
            redirect(302, &format!("/hop/{}", hop + 1)),
        );
    }
    routes
}
