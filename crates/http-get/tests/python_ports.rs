//! Our Python ports of the originals (`python/get.py`, `python/download.py`)
//! against the crate's own fixture server, in-process on `127.0.0.1:0`,
//! and side by side with the Rust client: the same bytes where both are
//! right, and the one difference the lesson is about (get.py reads to the
//! close, so it keeps a chunked body's framing). Over https too: the
//! fixture inside TLS, with a CA made when the tests run (`common::Ca`).

mod common;

use std::fs;
use std::io::{self, Read};
use std::net::TcpListener;
use std::path::Path;
use std::process::Command;
use std::thread;
use std::time::Duration;

use common::{
    Ca, answer_as_plain_http, data, http_get, https, names_in,
    start_at as start, start_tls, url,
};
use http_get::body::chunk_encode;
use http_get::client::{Options, fetch};
use http_get::fixture::{Reply, Routes, chunked, ok, redirect};
use http_get::target::parse_target;
use netkit::testing::run_to_end;
use serde_json::{Value, json};

const GET_PY: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/python/get.py");
const DOWNLOAD_PY: &str =
    concat!(env!("CARGO_MANIFEST_DIR"), "/python/download.py");

/// `python3 <script>`, in `dir`.
fn python(script: &str, dir: &Path) -> Command {
    let mut command = Command::new("python3");
    command.arg(script).current_dir(dir);
    command
}

/// The Rust client's body for `url`: status, bytes.
fn rust_get(url: &str) -> (u16, Vec<u8>) {
    let target = parse_target(url).expect("a valid URL");
    let mut response =
        fetch(target, &Options::default()).expect("the Rust client's fetch");
    let mut body = Vec::new();
    response
        .read_to_end(&mut body)
        .expect("the Rust client reads the body");
    (response.head.status, body)
}

/// The files the JSON lists: name, body, and how the server sends it.
fn files() -> [(&'static str, Vec<u8>, &'static str); 3] {
    [
        ("a.bin", data(100_000, 1), "Content-Length"),
        ("b.bin", data(70_000, 2), "chunked"),
        ("c.bin", data(5_000, 3), "a 302 redirect first"),
    ]
}

/// Chunk sizes for the chunked files: small and odd, so chunks cut across
/// reads.
const CHUNKS: [usize; 3] = [1_000, 7, 4_096];

/// The original's API and its pictures: `/api/list` lists the three
/// [`files`]; `/api/list-with-404` lists them and one more that is not
/// there.
fn site(base: &str) -> Routes {
    let listed = |names: &[&str]| {
        let list: Vec<Value> = names
            .iter()
            .map(|name| json!({ "picUrl": format!("{base}/files/{name}") }))
            .collect();
        let api = json!({ "code": 200, "newslist": list }).to_string();
        ok(api.as_bytes(), "application/json")
    };
    let mut routes = Routes::new()
        .at("/api/list", listed(&["a.bin", "b.bin", "c.bin"]))
        .at(
            "/api/list-with-404",
            listed(&["a.bin", "missing.bin", "b.bin", "c.bin"]),
        );
    for (name, body, how) in files() {
        let reply = match how {
            "Content-Length" => ok(&body, "application/octet-stream"),
            "chunked" => chunked(&body, &CHUNKS),
            _ => {
                let moved = format!("/moved/{name}");
                routes = routes.at(&moved, ok(&body, "image/jpeg"));
                redirect(302, &moved)
            }
        };
        routes = routes.at(&format!("/files/{name}"), reply);
    }
    routes
}

/// Checks that `dir` holds the three [`files`], byte-identical, and
/// nothing else: no `.part` left behind.
fn assert_all_saved(dir: &Path) {
    assert_eq!(names_in(dir), ["a.bin", "b.bin", "c.bin"]);
    for (name, body, how) in files() {
        let saved = fs::read(dir.join(name)).expect("read a saved file");
        assert!(saved == body, "{name} ({how}) differs from the server's");
    }
}

// ---- get.py: the raw-socket GET of chapters 01 and 02 ----

/// A Content-Length body arrives byte for byte, non-UTF-8 bytes included;
/// the head is on stdout, and the request on the wire is the original's
/// three lines, with the port in Host.
#[test]
fn get_py_saves_a_body_byte_identical() {
    let body = data(200_000, 0);
    let routes = Routes::new().at("/data.bin?v=1", ok(&body, "image/jpeg"));
    let seen = routes.clone();
    let server = start(move |_| routes);
    let dir = tempfile::tempdir().unwrap();
    let (status, stdout, stderr) = run_to_end(
        python(GET_PY, dir.path())
            .arg(url(&server, "/data.bin?v=1"))
            .args(["-o", "out.bin"]),
    );
    assert!(status.success(), "{status}: {stderr}");
    assert!(fs::read(dir.path().join("out.bin")).unwrap() == body);
    assert_eq!(names_in(dir.path()), ["out.bin"], "a .part left behind");
    let head: Vec<&str> = stdout.lines().collect();
    assert_eq!(head[0], "HTTP/1.1 200 OK");
    assert!(head.contains(&"Content-Length: 200000"), "{stdout}");
    assert_eq!(stderr, "saved 200000 bytes to out.bin\n");
    assert_eq!(
        seen.requests(),
        [format!(
            "GET /data.bin?v=1 HTTP/1.1\r\nHost: {}\r\n\
             Connection: close\r\n\r\n",
            server.addr()
        )]
    );
}

/// The original's framing, kept on purpose: get.py reads until the close
/// and decodes nothing, so a chunked body is saved with its chunk sizes,
/// extensions and trailer in it. The Rust client reads the head, sees
/// `Transfer-Encoding: chunked`, and gets the body itself.
#[test]
fn get_py_keeps_chunk_framing_that_the_rust_client_decodes() {
    let body = data(50_000, 4);
    let server = start({
        let body = body.clone();
        move |_| Routes::new().at("/chunked", chunked(&body, &CHUNKS))
    });
    let dir = tempfile::tempdir().unwrap();
    let (status, stdout, stderr) = run_to_end(
        python(GET_PY, dir.path())
            .arg(url(&server, "/chunked"))
            .args(["-o", "saved"]),
    );
    assert!(status.success(), "{status}: {stderr}");
    assert!(stdout.contains("Transfer-Encoding: chunked"), "{stdout}");
    let saved = fs::read(dir.path().join("saved")).unwrap();
    assert!(
        saved == chunk_encode(&body, &CHUNKS),
        "not the chunked bytes"
    );
    assert!(saved.starts_with(b"3e8;piece=\"a b\"\r\n"));
    assert!(saved.ends_with(b"\r\n0\r\nX-Trailer: yes\r\n\r\n"));

    assert!(rust_get(&url(&server, "/chunked")) == (200, body));
}

/// A failure is one `error:` line on stderr and exit 1, and leaves no
/// file: a scheme other than http and https is refused before any
/// connection, and a 404's head is shown but its body (an error page) is
/// not saved.
#[test]
fn get_py_refuses_other_schemes_and_saves_no_error_page() {
    let dir = tempfile::tempdir().unwrap();
    let (status, stdout, stderr) =
        run_to_end(python(GET_PY, dir.path()).args([
            "ftp://127.0.0.1:1/",
            "-o",
            "x",
        ]));
    assert_eq!(status.code(), Some(1));
    assert_eq!(stdout, "");
    assert_eq!(
        stderr,
        "error: 'ftp://127.0.0.1:1/' is not an http:// or https:// URL; \
         write e.g. http://127.0.0.1:8000/\n"
    );

    let server = start(|_| Routes::new());
    let (status, stdout, stderr) = run_to_end(
        python(GET_PY, dir.path())
            .arg(url(&server, "/nothing-here"))
            .args(["-o", "x"]),
    );
    assert_eq!(status.code(), Some(1));
    assert!(stdout.starts_with("HTTP/1.1 404 Not Found\n"), "{stdout}");
    assert_eq!(
        stderr,
        "error: the server answered 404 Not Found; the body was not saved\n"
    );
    assert!(
        names_in(dir.path()).is_empty(),
        "{:?}",
        names_in(dir.path())
    );
}

/// get.py takes the first empty line for the end of the head, as the
/// original does, so a flood of `100 Continue` heads cannot hold it: the
/// first is its answer, which is not a 2xx.
#[test]
fn get_py_stops_at_the_first_interim_head() {
    let flood = vec![b"HTTP/1.1 100 Continue\r\n\r\n".to_vec(); 1000];
    let server = start(move |_| {
        Routes::new()
            .at("/flood", Reply::Paced(flood, Duration::from_millis(10)))
    });
    let dir = tempfile::tempdir().unwrap();
    let (status, stdout, stderr) =
        run_to_end(python(GET_PY, dir.path()).arg(url(&server, "/flood")));
    assert_eq!(status.code(), Some(1));
    assert_eq!(stdout, "HTTP/1.1 100 Continue\n");
    assert_eq!(
        stderr,
        "error: the server answered 100 Continue; the body was not saved\n"
    );
}

// ---- get.py over https: Python's ssl module ----

/// A head with neither Content-Length nor chunked: the body ends at the
/// close, the only end get.py knows.
const UNTIL_CLOSE: &[u8] = b"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n";

/// Over TLS, with the test CA trusted through `--cacert`: a body of
/// non-UTF-8 bytes arrives byte for byte, whether the head gives its
/// length or it ends at the close (after the server's close_notify), and
/// the Rust client gets the same bytes. The request inside TLS is the
/// same three lines as over TCP.
#[test]
fn get_py_over_tls_saves_a_body_byte_identical() {
    let body = data(200_000, 5);
    let routes = Routes::new()
        .at("/data.bin", ok(&body, "application/octet-stream"))
        .at("/close.bin", Reply::Bytes([UNTIL_CLOSE, &body].concat()));
    let seen = routes.clone();
    let ca = Ca::new();
    let server = start_tls(routes, ca.server(&["127.0.0.1"], None));
    let dir = tempfile::tempdir().unwrap();
    for target in ["/data.bin", "/close.bin"] {
        let (status, stdout, stderr) = run_to_end(
            python(GET_PY, dir.path())
                .arg("--cacert")
                .arg(ca.pem())
                .args([&https(&server, target), "-o", "out.bin"]),
        );
        assert!(status.success(), "{target}: {status}: {stderr}");
        assert!(stdout.starts_with("HTTP/1.1 200 OK\n"), "{stdout}");
        let saved = fs::read(dir.path().join("out.bin")).unwrap();
        assert!(saved == body, "{target}: {} bytes", saved.len());

        let (status, by_rust, stderr) = run_to_end(
            http_get(dir.path()).arg("--cacert").arg(ca.pem()).args([
                &https(&server, target),
                "-o",
                "rust.bin",
            ]),
        );
        assert!(status.success(), "{target}: {status}: {stderr}");
        assert_eq!(by_rust, "");
        assert!(fs::read(dir.path().join("rust.bin")).unwrap() == saved);
    }
    assert_eq!(
        names_in(dir.path()),
        ["out.bin", "rust.bin"],
        "a .part left behind"
    );
    assert_eq!(
        seen.requests()[0],
        format!(
            "GET /data.bin HTTP/1.1\r\nHost: {}\r\n\
             Connection: close\r\n\r\n",
            server.addr()
        )
    );
}

/// Prints get.py's Host header for each URL on the command line.
const PRINT_HOST_HEADERS: &str = "\
import sys, get
for url in sys.argv[1:]:
    scheme, host, port, host_header, target = get.parse_url(url)
    print(host_header)
";

/// The Host header leaves out the port the scheme implies: 80 for http,
/// 443 for https; any other port is kept.
#[test]
fn get_py_leaves_the_default_port_out_of_host() {
    let dir = tempfile::tempdir().unwrap();
    let python_dir = Path::new(GET_PY).parent().unwrap();
    let (status, stdout, stderr) = run_to_end(
        Command::new("python3")
            .args(["-c", PRINT_HOST_HEADERS])
            .args([
                "http://files.example/",
                "https://files.example/",
                "https://files.example:80/",
                "http://files.example:443/",
            ])
            .env("PYTHONPATH", python_dir)
            .env("PYTHONDONTWRITEBYTECODE", "1")
            .current_dir(dir.path()),
    );
    assert!(status.success(), "{stderr}");
    assert_eq!(
        stdout,
        "files.example\nfiles.example\nfiles.example:80\n\
         files.example:443\n"
    );
}

/// The one place TLS changes the framing: a body that ends at the close
/// is whole only after the server's close_notify. Without it, get.py's
/// read raises `ssl.SSLEOFError`: one `error:` line, exit 1, no file.
/// As get.py ends every body at the close, a body whose Content-Length
/// says it is whole fails the same way; the Rust client reads the
/// length, and saves it.
#[test]
fn get_py_over_tls_refuses_a_body_cut_without_close_notify() {
    let body = data(100_000, 6);
    let whole_but_dropped = match ok(&body, "application/octet-stream") {
        Reply::Bytes(bytes) => Reply::Dropped(bytes),
        other => panic!("ok() gives bytes, not {other:?}"),
    };
    let routes = Routes::new()
        .at(
            "/dropped.bin",
            Reply::Dropped([UNTIL_CLOSE, &body[..5000]].concat()),
        )
        .at("/length-dropped.bin", whole_but_dropped);
    let ca = Ca::new();
    let server = start_tls(routes, ca.server(&["127.0.0.1"], None));
    let dir = tempfile::tempdir().unwrap();
    for target in ["/dropped.bin", "/length-dropped.bin"] {
        let (status, stdout, stderr) = run_to_end(
            python(GET_PY, dir.path())
                .arg("--cacert")
                .arg(ca.pem())
                .args([&https(&server, target), "-o", "out.bin"]),
        );
        assert_eq!(status.code(), Some(1), "{target}: {stderr}");
        assert!(stdout.starts_with("HTTP/1.1 200 OK\n"), "{stdout}");
        assert_eq!(stderr.lines().count(), 1, "{stderr}");
        assert!(
            stderr.starts_with(
                "error: the server closed the connection without TLS's \
                 close_notify, after "
            ),
            "{target}: {stderr}"
        );
        assert!(stderr.contains("may be cut short"), "{stderr}");
        assert_eq!(names_in(dir.path()), Vec::<String>::new(), "{target}");
    }

    let (status, _, stderr) =
        run_to_end(http_get(dir.path()).arg("--cacert").arg(ca.pem()).args([
            &https(&server, "/length-dropped.bin"),
            "-o",
            "out.bin",
        ]));
    assert!(status.success(), "{status}: {stderr}");
    assert!(fs::read(dir.path().join("out.bin")).unwrap() == body);
}

/// Without `--cacert`, the test CA is unknown: the handshake fails
/// before the request, in one line that names `--cacert`, and no file
/// is left.
#[test]
fn get_py_refuses_an_unknown_authority_naming_cacert() {
    let routes = Routes::new().at("/hello.txt", ok(b"hello\n", "text/plain"));
    let seen = routes.clone();
    let ca = Ca::new();
    let server = start_tls(routes, ca.server(&["127.0.0.1"], None));
    let dir = tempfile::tempdir().unwrap();
    let (status, stdout, stderr) =
        run_to_end(python(GET_PY, dir.path()).args([
            &https(&server, "/hello.txt"),
            "-o",
            "out",
        ]));
    assert_eq!(status.code(), Some(1), "{stderr}");
    assert_eq!(stdout, "");
    assert_eq!(
        stderr,
        "error: the certificate of 127.0.0.1 is signed by an authority this \
         program does not trust; to trust your own CA, pass --cacert CA.pem\n"
    );
    assert_eq!(names_in(dir.path()), Vec::<String>::new());
    assert!(seen.requests().is_empty(), "a request was sent");
}

/// Every other way the handshake fails is one `error:` line that says
/// what is wrong, as the Rust client's: a certificate for another name,
/// one expired or not valid yet, a plain HTTP server on the port, a
/// server that never answers (the `--timeout`), and a `--cacert` file
/// with no certificate in it.
#[test]
fn get_py_names_each_tls_failure_in_one_line() -> io::Result<()> {
    let ca = Ca::new();
    let cacert = ca.pem();
    let routes = || Routes::new().at("/", ok(b"hello\n", "text/plain"));
    let other_name = start_tls(routes(), ca.server(&["files.example"], None));
    let expired =
        start_tls(routes(), ca.server(&["127.0.0.1"], Some((2000, 2001))));
    let not_yet =
        start_tls(routes(), ca.server(&["127.0.0.1"], Some((2090, 2091))));
    let plain = TcpListener::bind("127.0.0.1:0")?;
    let plain_url = format!("https://{}/", plain.local_addr()?);
    let plain = thread::spawn(move || answer_as_plain_http(&plain));
    let silent = TcpListener::bind("127.0.0.1:0")?;
    let silent_url = format!("https://{}/", silent.local_addr()?);
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("not.pem"), "not a certificate\n")?;

    let get_py = |args: &[&str]| {
        let (status, stdout, stderr) = run_to_end(
            python(GET_PY, dir.path())
                .arg("--cacert")
                .arg(&cacert)
                .args(args),
        );
        assert_eq!(status.code(), Some(1), "{args:?}: {stderr}");
        assert_eq!(stdout, "", "{args:?}");
        assert_eq!(stderr.lines().count(), 1, "{stderr}");
        stderr
    };
    assert_eq!(
        get_py(&[&https(&other_name, "/")]),
        "error: the certificate is not for 127.0.0.1 (Python's ssl does \
         not say which names it is for)\n"
    );
    let said = get_py(&[&https(&expired, "/")]);
    assert!(said.contains("of 127.0.0.1 has expired"), "{said}");
    let said = get_py(&[&https(&not_yet, "/")]);
    assert!(said.contains("of 127.0.0.1 is not valid yet"), "{said}");
    let said = get_py(&[&plain_url]);
    plain.join().expect("the plain server")?;
    assert!(
        said.starts_with(
            "error: the server does not speak TLS (a plain http:// server \
             on this port?)"
        ),
        "{said}"
    );
    // The listener is never accepted from: the kernel completes the TCP
    // handshake, and the ClientHello waits unread.
    let said = get_py(&["--timeout", "300ms", &silent_url]);
    drop(silent);
    assert_eq!(
        said,
        "error: the server sent nothing for 0.3 s during the TLS \
         handshake; gave up\n"
    );
    assert_eq!(
        get_py(&["--cacert", "not.pem", &https(&expired, "/")]),
        "error: --cacert not.pem: no certificate in it (a PEM file holds \
         -----BEGIN CERTIFICATE----- blocks)\n"
    );
    Ok(())
}

// ---- download.py: the threaded downloader of chapter 05 ----

/// Every way a body can arrive (a length, chunks, a redirect first) is
/// saved byte for byte under its URL's last name, with one line each in
/// the JSON's order, and nothing else is left in the directory.
#[test]
fn download_py_saves_every_file_in_the_list() {
    let server = start(site);
    let dir = tempfile::tempdir().unwrap();
    let (status, stdout, stderr) = run_to_end(
        python(DOWNLOAD_PY, dir.path())
            .arg(url(&server, "/api/list"))
            .args(["--dir", "out"]),
    );
    assert!(status.success(), "{status}: {stderr}");
    assert_eq!(
        stdout,
        "a.bin: 100000 bytes\nb.bin: 70000 bytes\nc.bin: 5000 bytes\n"
    );
    assert_eq!(stderr, "");
    assert_all_saved(&dir.path().join("out"));
}

/// download.py gets https from urllib, not from get.py: no `--cacert`
/// (OpenSSL reads the CA file `SSL_CERT_FILE` names instead), and
/// http.client takes a body that ends at the close for whole even when
/// the server's close_notify never came, where get.py and the Rust
/// client refuse it.
#[test]
fn download_py_over_tls_takes_a_body_cut_without_close_notify() {
    let body = data(100_000, 7);
    let ca = Ca::new();
    let files = start_tls(
        Routes::new()
            .at("/a.bin", ok(&body, "application/octet-stream"))
            .at(
                "/cut.bin",
                Reply::Dropped([UNTIL_CLOSE, &body[..5000]].concat()),
            ),
        ca.server(&["127.0.0.1"], None),
    );
    let list = json!({ "code": 200, "newslist": [
        { "picUrl": https(&files, "/a.bin") },
        { "picUrl": https(&files, "/cut.bin") },
    ] })
    .to_string();
    let api = start(move |_| {
        Routes::new().at("/api/list", ok(list.as_bytes(), "application/json"))
    });
    let dir = tempfile::tempdir().unwrap();
    let (status, stdout, stderr) = run_to_end(
        python(DOWNLOAD_PY, dir.path())
            .arg(url(&api, "/api/list"))
            .env("SSL_CERT_FILE", ca.pem()),
    );
    assert!(status.success(), "{status}: {stderr}");
    assert_eq!(stdout, "a.bin: 100000 bytes\ncut.bin: 5000 bytes\n");
    assert!(fs::read(dir.path().join("a.bin")).unwrap() == body);
    assert!(fs::read(dir.path().join("cut.bin")).unwrap() == body[..5000]);

    let (status, _, stderr) =
        run_to_end(http_get(dir.path()).arg("--cacert").arg(ca.pem()).args([
            &https(&files, "/cut.bin"),
            "-o",
            "rust.bin",
        ]));
    assert_eq!(status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("without TLS's close_notify"), "{stderr}");
}

/// One URL that answers 404 fails alone: exit 1, an `error:` line in its
/// place, no file of its name, and every other file saved.
#[test]
fn download_py_reports_a_404_and_saves_the_rest() {
    let server = start(site);
    let dir = tempfile::tempdir().unwrap();
    let (status, stdout, stderr) = run_to_end(
        python(DOWNLOAD_PY, dir.path()).arg(url(&server, "/api/list-with-404")),
    );
    assert_eq!(status.code(), Some(1), "{stderr}");
    assert_eq!(
        stdout,
        "a.bin: 100000 bytes\n\
         missing.bin: error: the server answered 404 Not Found\n\
         b.bin: 70000 bytes\n\
         c.bin: 5000 bytes\n"
    );
    assert_all_saved(dir.path());
}

/// The Rust port of the same program: fetch the JSON with the binary,
/// take the URLs out of it, and download them with `-O --jobs 3`. The
/// files are the ones download.py saves, byte for byte.
#[test]
fn rust_binary_saves_what_download_py_saves() {
    let server = start(site);
    let rust = tempfile::tempdir().unwrap();
    let (status, api, stderr) =
        run_to_end(http_get(rust.path()).arg(url(&server, "/api/list")));
    assert!(status.success(), "{status}: {stderr}");
    let api: Value = serde_json::from_str(&api).unwrap();
    let urls: Vec<&str> = api["newslist"]
        .as_array()
        .unwrap()
        .iter()
        .map(|item| item["picUrl"].as_str().unwrap())
        .collect();
    assert_eq!(urls.len(), 3);
    let (status, stdout, stderr) = run_to_end(
        http_get(rust.path())
            .args(["-O", "--jobs", "3"])
            .args(&urls),
    );
    assert!(status.success(), "{status}: {stderr}");
    assert_eq!(stdout, "");

    let python_dir = tempfile::tempdir().unwrap();
    let (status, _, stderr) = run_to_end(
        python(DOWNLOAD_PY, python_dir.path()).arg(url(&server, "/api/list")),
    );
    assert!(status.success(), "{status}: {stderr}");

    assert_all_saved(rust.path());
    assert_all_saved(python_dir.path());
    for (name, _, how) in files() {
        let by_rust = fs::read(rust.path().join(name)).unwrap();
        let by_python = fs::read(python_dir.path().join(name)).unwrap();
        assert!(by_rust == by_python, "{name} ({how}) differs");
    }
}

/// A picture URL that answers with `100 Continue` heads for ever (1,000,
/// 10 ms apart) fails alone, once download.py has read the five it
/// allows, with the Rust client's words; the other file is saved. Each
/// head restarts the read timeout, so without the bound this run would
/// wait for the whole flood.
#[test]
fn download_py_bounds_interim_heads_as_the_rust_client_does() {
    let flood = vec![b"HTTP/1.1 100 Continue\r\n\r\n".to_vec(); 1000];
    let server = start(move |base| {
        let list = json!({ "code": 200, "newslist": [
            { "picUrl": format!("{base}/files/a.bin") },
            { "picUrl": format!("{base}/flood.bin") },
        ] });
        site(base)
            .at(
                "/api/with-flood",
                ok(list.to_string().as_bytes(), "application/json"),
            )
            .at("/flood.bin", Reply::Paced(flood, Duration::from_millis(10)))
    });
    let said =
        "the server sent over 5 interim (1xx) responses and no final one";
    let dir = tempfile::tempdir().unwrap();
    let (status, stdout, stderr) = run_to_end(
        python(DOWNLOAD_PY, dir.path()).arg(url(&server, "/api/with-flood")),
    );
    assert_eq!(status.code(), Some(1), "{stderr}");
    assert_eq!(
        stdout,
        format!("a.bin: 100000 bytes\nflood.bin: error: {said}\n")
    );
    assert_eq!(names_in(dir.path()), ["a.bin"]);

    let (status, _, stderr) = run_to_end(
        http_get(dir.path()).args(["-O", &url(&server, "/flood.bin")]),
    );
    assert_eq!(status.code(), Some(1));
    assert_eq!(
        stderr,
        format!("error: {}: {said}\n", url(&server, "/flood.bin"))
    );
}
