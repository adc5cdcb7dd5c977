//! The `http-get` binary as a user meets it: output to stdout and to
//! files, -i and --head, many URLs with --jobs and --urls-from, the demo,
//! and one `error:` line per failure with the right exit code.

mod common;

use std::fs;
use std::io::Write;
use std::process::{Command, Stdio};
use std::time::Duration;

use common::{Server, http_get, names_in, start, url};
use http_get::fixture::{Reply, Routes, chunked, ok, redirect, trickle};
use netkit::testing::{ServerProcess, finish, run_to_end, spawn_piped};

/// The routes most tests use.
fn site() -> Server {
    start(
        Routes::new()
            .at("/hello.txt", ok(b"hello\n", "text/plain"))
            .at("/data/chunks.bin", chunked(&[7; 70_000], &[4096]))
            .at("/old", redirect(301, "/hello.txt"))
            .at(
                "/cut.bin",
                Reply::Bytes(
                    b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nhalf"
                        .to_vec(),
                ),
            ),
    )
}

/// stderr's lines that start with `error:`.
fn errors(stderr: &str) -> Vec<&str> {
    stderr
        .lines()
        .filter(|line| line.starts_with("error: "))
        .collect()
}

#[test]
fn a_body_goes_to_stdout_and_include_shows_the_head() {
    let server = site();
    let dir = tempfile::tempdir().unwrap();
    let (status, out, err) =
        run_to_end(http_get(dir.path()).arg(url(&server, "/old")));
    assert!(status.success(), "{err}");
    assert_eq!(out, "hello\n");
    assert_eq!(err, "");
    let (status, out, _) = run_to_end(
        http_get(dir.path()).args(["-i", &url(&server, "/hello.txt")]),
    );
    assert!(status.success());
    assert_eq!(
        out,
        "HTTP/1.1 200 OK\nContent-Type: text/plain\nContent-Length: 6\n\
         Connection: close\n\nhello\n"
    );
    let (status, out, _) = run_to_end(
        http_get(dir.path()).args(["--head", &url(&server, "/hello.txt")]),
    );
    assert!(status.success());
    assert!(
        out.starts_with("HTTP/1.1 200 OK\n") && out.ends_with("\n\n"),
        "{out}"
    );
}

/// -o and -O write complete files only; a cut download leaves nothing.
#[test]
fn files_appear_only_complete() {
    let server = site();
    let dir = tempfile::tempdir().unwrap();
    let (status, _, err) = run_to_end(http_get(dir.path()).args([
        "-o",
        "mine.bin",
        &url(&server, "/data/chunks.bin"),
    ]));
    assert!(status.success(), "{err}");
    assert_eq!(
        fs::read(dir.path().join("mine.bin")).unwrap(),
        vec![7; 70_000]
    );
    let (status, _, err) = run_to_end(
        http_get(dir.path()).args(["-O", &url(&server, "/cut.bin")]),
    );
    assert_eq!(status.code(), Some(1));
    assert_eq!(
        errors(&err),
        [format!(
            "error: {}: downloading the body: the connection closed after 4 of 10 bytes (Content-Length)",
            url(&server, "/cut.bin")
        )]
    );
    let names: Vec<_> = fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names, ["mine.bin"]);
}

/// Many URLs: each is reported, one failure does not stop the others,
/// and a summary says how it went.
#[test]
fn many_urls_with_jobs_and_a_list() {
    let server = site();
    let dir = tempfile::tempdir().unwrap();
    let list = dir.path().join("urls.txt");
    fs::write(
        &list,
        format!(
            "# what to fetch\n{}\n\n{}\n",
            url(&server, "/data/chunks.bin"),
            url(&server, "/missing.txt")
        ),
    )
    .unwrap();
    let (status, out, err) = run_to_end(http_get(dir.path()).args([
        "-O",
        "--jobs",
        "2",
        "--urls-from",
        "urls.txt",
        &url(&server, "/hello.txt"),
        "ftp://example.com/x",
    ]));
    assert_eq!(status.code(), Some(1));
    assert_eq!(out, "");
    assert_eq!(
        errors(&err),
        [
            "error: ftp://example.com/x: ftp: URLs are not HTTP; use http:// or https://".to_owned(),
            format!("error: {}: the server answered HTTP/1.1 404 Not Found", url(&server, "/missing.txt")),
        ]
    );
    assert!(err.contains("2 of 4 downloads succeeded"), "{err}");
    assert_eq!(fs::read(dir.path().join("hello.txt")).unwrap(), b"hello\n");
    assert_eq!(
        fs::read(dir.path().join("chunks.bin")).unwrap().len(),
        70_000
    );

    // The list from stdin, bodies to stdout one after the other.
    let mut child = http_get(dir.path())
        .args(["--urls-from", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let urls =
        format!("{}\n{}\n", url(&server, "/hello.txt"), url(&server, "/old"));
    stdin.write_all(urls.as_bytes()).unwrap();
    drop(stdin);
    let (status, out, err) = finish(child);
    assert!(status.success(), "{err}");
    assert_eq!(out, "hello\nhello\n");
}

#[test]
fn usage_errors_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    for args in [
        &[][..],
        &["-o", "x", "http://h/a", "http://h/b"][..],
        &["-O", "http://h/a/same.txt", "http://h/b/same.txt"][..],
        &["-H", "no colon", "http://h/"][..],
        &["--jobs", "0", "http://h/"][..],
        &["--timeout", "0s", "http://h/"][..],
        // A duration needs its unit: 30 could be seconds or milliseconds.
        &["--timeout", "30", "http://h/"][..],
        &["--max-time", "0s", "http://h/"][..],
        &["--max-time", "10", "http://h/"][..],
    ] {
        let (status, _, err) = run_to_end(http_get(dir.path()).args(args));
        assert_eq!(status.code(), Some(2), "{args:?}: {err}");
        assert!(err.starts_with("error: "), "{args:?}: {err}");
    }
}

/// Nothing listening, a bad URL, a name -O cannot use: one error line
/// each, exit 1.
#[test]
fn errors_name_the_url_and_the_cause() {
    let nobody = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let refused = format!("http://{nobody}/");
    for (url, cause) in [
        (
            refused.as_str(),
            "connection refused (no server listens on that port)",
        ),
        ("http://h/a b", "the URL holds ' '"),
        ("ftp://h/x", "ftp: URLs are not HTTP"),
    ] {
        let (status, out, err) = run_to_end(http_get(dir.path()).arg(url));
        assert_eq!(status.code(), Some(1), "{url}");
        assert_eq!(out, "");
        let lines = errors(&err);
        assert!(
            lines.len() == 1
                && lines[0].starts_with(&format!("error: {url}: ")),
            "{err}"
        );
        assert!(lines[0].contains(cause), "{err}");
    }
    let (status, _, err) =
        run_to_end(http_get(dir.path()).args(["-O", "http://h/dir/"]));
    assert_eq!(status.code(), Some(1));
    assert!(
        err.contains("no file name at the end of the URL's path; fetch it on its own with -o FILE"),
        "{err}"
    );
}

#[test]
fn the_demo_downloads_every_url_in_the_json() {
    let dir = tempfile::tempdir().unwrap();
    let (status, out, err) = run_to_end(http_get(dir.path()).arg("demo"));
    assert!(status.success(), "{err}");
    assert!(out.contains("the JSON lists 4 URLs"), "{out}");
    assert_eq!(out.matches("identical to the server's").count(), 4, "{out}");
}

/// `http-get serve`, the book's server, announces its port, answers the
/// paths the pages fetch, logs one line per request, and stops at Ctrl-C.
#[test]
fn serve_answers_the_books_paths_and_stops_at_ctrl_c() {
    let dir = tempfile::tempdir().unwrap();
    let server = ServerProcess::start(http_get(dir.path()).args([
        "serve",
        "--bind",
        "127.0.0.1:0",
    ]));
    let base = format!("http://{}", server.addr);
    let fetch = |path: &str| {
        run_to_end(http_get(dir.path()).arg(format!("{base}{path}")))
    };
    assert_eq!(fetch("/hello.txt").1, "Hello, HTTP!\n");
    assert_eq!(fetch("/chunked").1, "Hello, chunked world!\n");
    let (_, echo, _) = fetch("/echo?x=1#top");
    assert!(echo.starts_with("GET /echo?x=1 HTTP/1.1\\r\\n\n"), "{echo}");
    let (status, _, err) = fetch("/short");
    assert!(!status.success());
    assert!(err.contains("closed after 10 of 1000 bytes"), "{err}");
    assert_eq!(
        server.next_error_line().split_once(": ").unwrap().1,
        "GET /hello.txt HTTP/1.1 -> HTTP/1.1 200 OK"
    );
    server.interrupt();
    let exited = server.wait(Duration::from_secs(5));
    assert!(exited.status.success(), "{}", exited.stderr);
    assert_eq!(exited.stderr.lines().count(), 3, "{}", exited.stderr);
}

/// An error names the URL on one line, whatever the URL holds.
#[test]
fn an_error_line_stays_one_line() {
    let dir = tempfile::tempdir().unwrap();
    let (status, _, err) =
        run_to_end(http_get(dir.path()).arg("http://h/a\r\nX-Injected: 1"));
    assert_eq!(status.code(), Some(1));
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.starts_with(
            "error: http://h/a\\r\\nX-Injected: 1: the URL holds '\\r'"
        ),
        "{err}"
    );
}

/// `-o` onto a pipe or a device writes into it (as `-o /dev/null` must:
/// renaming a file onto it would replace the device for everyone), and
/// onto a symbolic link writes the file it points to.
#[test]
fn output_onto_a_pipe_or_a_link_writes_through() {
    let server = site();
    let dir = tempfile::tempdir().unwrap();
    let status = Command::new("mkfifo")
        .arg(dir.path().join("pipe"))
        .status()
        .unwrap();
    assert!(status.success());
    // The reader: `cat` ends when http-get closes the pipe (and the test
    // fails after TEST_TIMEOUT if nobody ever opens it).
    let reader = spawn_piped(Command::new("cat").arg(dir.path().join("pipe")));
    let (status, _, err) = run_to_end(http_get(dir.path()).args([
        "-o",
        "pipe",
        &url(&server, "/hello.txt"),
    ]));
    assert!(status.success(), "{err}");
    let (_, piped, _) = finish(reader);
    assert_eq!(piped, "hello\n");
    let kind = fs::symlink_metadata(dir.path().join("pipe"))
        .unwrap()
        .file_type();
    assert!(std::os::unix::fs::FileTypeExt::is_fifo(&kind));

    std::os::unix::fs::symlink("real.txt", dir.path().join("link.txt"))
        .unwrap();
    let (status, _, err) = run_to_end(http_get(dir.path()).args([
        "-o",
        "link.txt",
        &url(&server, "/old"),
    ]));
    assert!(status.success(), "{err}");
    assert!(
        fs::symlink_metadata(dir.path().join("link.txt"))
            .unwrap()
            .is_symlink()
    );
    assert_eq!(fs::read(dir.path().join("real.txt")).unwrap(), b"hello\n");
}

/// What a server says reaches the terminal escaped, never as control
/// characters: an error line quoting a hostile status line stays one
/// harmless line.
#[test]
fn a_hostile_status_line_is_shown_escaped() {
    let server = start(Routes::new().at(
        "/evil",
        Reply::Bytes(b"HTTP/1.1 404 Not Found\x1b[2J\rgotcha\r\n\r\n".to_vec()),
    ));
    let dir = tempfile::tempdir().unwrap();
    let (status, _, err) =
        run_to_end(http_get(dir.path()).arg(url(&server, "/evil")));
    assert_eq!(status.code(), Some(1));
    assert_eq!(err.lines().count(), 1, "{err:?}");
    assert!(
        err.trim_end().ends_with("404 Not Found\\u{1b}[2J\\rgotcha"),
        "{err:?}"
    );
}

/// An IPv6 literal: connected over ::1, with `Host: [::1]:PORT`.
#[test]
fn an_ipv6_literal_url() {
    use std::io::{BufRead, BufReader};
    let Ok(listener) = std::net::TcpListener::bind("[::1]:0") else {
        eprintln!("skipped: this machine has no IPv6 loopback");
        return;
    };
    let port = listener.local_addr().unwrap().port();
    let server = std::thread::spawn(move || {
        let (stream, _) = listener.accept().unwrap();
        stream
            .set_read_timeout(Some(netkit::testing::TEST_TIMEOUT))
            .unwrap();
        let mut head = Vec::new();
        let mut reader = BufReader::new(&stream);
        while !head.ends_with(b"\r\n\r\n") {
            if reader.read_until(b'\n', &mut head).unwrap() == 0 {
                break;
            }
        }
        (&stream)
            .write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nv6\n")
            .unwrap();
        String::from_utf8(head).unwrap()
    });
    let dir = tempfile::tempdir().unwrap();
    let (status, out, err) = run_to_end(
        http_get(dir.path()).arg(format!("http://[::1]:{port}/six")),
    );
    assert!(status.success(), "{err}");
    assert_eq!(out, "v6\n");
    let request = server.join().unwrap();
    assert!(request.starts_with("GET /six HTTP/1.1\r\n"), "{request}");
    assert!(
        request.contains(&format!("\r\nHost: [::1]:{port}\r\n")),
        "{request}"
    );
}

/// Slow on purpose: 20 bytes, one every 200 ms, 4 s in all, so that a
/// --max-time of 1 s stops it whatever the machine's speed.
fn slow_body() -> Reply {
    trickle(&[b's'; 20], Duration::from_millis(200))
}

/// A server that answers with `100 Continue` heads for ever (here 1,000,
/// 10 ms apart) gets one clear error line, and exit 1, once the client
/// has read the most it allows.
#[test]
fn a_flood_of_interim_heads_is_one_error_line() {
    let flood = vec![b"HTTP/1.1 100 Continue\r\n\r\n".to_vec(); 1000];
    let server = start(
        Routes::new()
            .at("/flood", Reply::Paced(flood, Duration::from_millis(10))),
    );
    let dir = tempfile::tempdir().unwrap();
    let (status, out, err) =
        run_to_end(http_get(dir.path()).arg(url(&server, "/flood")));
    assert_eq!(status.code(), Some(1));
    assert_eq!(out, "");
    assert_eq!(
        err,
        format!(
            "error: {}: the server sent over 5 interim (1xx) responses and \
             no final one\n",
            url(&server, "/flood")
        )
    );
}

/// --max-time stops a body that keeps trickling in, says so, and leaves
/// neither the file nor its hidden `.part`.
#[test]
fn max_time_stops_a_trickle_and_leaves_no_file() {
    let server = start(Routes::new().at("/slow.bin", slow_body()));
    let dir = tempfile::tempdir().unwrap();
    let (status, _, err) = run_to_end(http_get(dir.path()).args([
        "--max-time",
        "1s",
        "-o",
        "slow.bin",
        &url(&server, "/slow.bin"),
    ]));
    assert_eq!(status.code(), Some(1));
    assert_eq!(
        errors(&err),
        [format!(
            "error: {}: downloading the body: not finished within \
             --max-time 1s",
            url(&server, "/slow.bin")
        )]
    );
    assert_eq!(names_in(dir.path()), Vec::<String>::new());
}

/// With --jobs, each URL has its own --max-time, counted from when its
/// download starts: two slow URLs take both workers and are each stopped
/// after 1 s, and the fast one, whose turn comes only then, still has its
/// whole second and arrives.
#[test]
fn max_time_is_per_url_with_jobs() {
    let server = start(
        Routes::new()
            .at("/slow1.bin", slow_body())
            .at("/slow2.bin", slow_body())
            .at("/fast.txt", ok(b"fast\n", "text/plain")),
    );
    let dir = tempfile::tempdir().unwrap();
    let (status, _, err) = run_to_end(
        http_get(dir.path())
            .args(["-O", "--jobs", "2", "--max-time", "1s"])
            .args(
                ["/slow1.bin", "/slow2.bin", "/fast.txt"]
                    .map(|target| url(&server, target)),
            ),
    );
    assert_eq!(status.code(), Some(1));
    assert_eq!(
        errors(&err),
        ["/slow1.bin", "/slow2.bin"].map(|target| format!(
            "error: {}: downloading the body: not finished within \
             --max-time 1s",
            url(&server, target)
        ))
    );
    assert!(err.contains("1 of 3 downloads succeeded"), "{err}");
    assert_eq!(names_in(dir.path()), ["fast.txt"]);
    assert_eq!(fs::read(dir.path().join("fast.txt")).unwrap(), b"fast\n");
}
