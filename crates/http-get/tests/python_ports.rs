//! Our Python ports of the originals (`python/get.py`, `python/download.py`)
//! against the crate's own fixture server, in-process on `127.0.0.1:0`,
//! and side by side with the Rust client: the same bytes where both are
//! right, and the one difference the lesson is about (get.py reads to the
//! close, so it keeps a chunked body's framing).

mod common;

use std::fs;
use std::io::Read;
use std::path::Path;
use std::process::Command;
use std::time::Duration;

use common::{data, http_get, names_in, start_at as start, url};
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
/// file: https:// is refused before any connection, and a 404's head is
/// shown but its body (an error page) is not saved.
#[test]
fn get_py_refuses_https_and_saves_no_error_page() {
    let dir = tempfile::tempdir().unwrap();
    let (status, stdout, stderr) =
        run_to_end(python(GET_PY, dir.path()).args([
            "https://127.0.0.1:1/",
            "-o",
            "x",
        ]));
    assert_eq!(status.code(), Some(1));
    assert_eq!(stdout, "");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.starts_with("error: https:// needs TLS"), "{stderr}");
    assert!(stderr.contains("plain HTTP only"), "{stderr}");

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
