//! Against a server we did not write: Python's `http.server` (its
//! SimpleHTTPRequestHandler, on a port the kernel picks), serving a
//! directory. Every download must be byte-identical to the file served.

mod common;

use std::fs;
use std::path::Path;
use std::process::Command;

use common::{data, http_get, names_in};
use netkit::testing::{ServerProcess, run_to_end};

/// Python's file server on 127.0.0.1:0, announcing its port the way our
/// servers do, so that the test helpers can wait for it.
const HTTP_SERVER: &str = "\
import functools, http.server, sys
handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=sys.argv[1])
server = http.server.ThreadingHTTPServer(('127.0.0.1', 0), handler)
print(f'listening on 127.0.0.1:{server.server_address[1]}', flush=True)
server.serve_forever()
";

fn http_server(root: &Path) -> ServerProcess {
    ServerProcess::start(
        Command::new("python3").args(["-c", HTTP_SERVER]).arg(root),
    )
}

#[test]
fn downloads_from_python_http_server_are_byte_identical() {
    let served = tempfile::tempdir().unwrap();
    let files: [(&str, Vec<u8>); 4] = [
        ("big.bin", data(3 * 1024 * 1024 + 17, 1)),
        ("with space.txt", b"a name with a space\n".to_vec()),
        ("empty.txt", Vec::new()),
        ("caf\u{e9}.txt", data(1000, 2)),
    ];
    for (name, bytes) in &files {
        fs::write(served.path().join(name), bytes).unwrap();
    }
    let server = http_server(served.path());
    let base = format!("http://{}", server.addr);
    let out = tempfile::tempdir().unwrap();
    let urls = [
        format!("{base}/big.bin"),
        format!("{base}/with%20space.txt"),
        format!("{base}/empty.txt"),
        format!("{base}/caf%C3%A9.txt"),
    ];
    let (status, stdout, stderr) = run_to_end(
        http_get(out.path()).args(["-O", "--jobs", "3"]).args(&urls),
    );
    assert!(status.success(), "{stderr}");
    assert_eq!(stdout, "");
    assert!(stderr.contains("4 of 4 downloads succeeded"), "{stderr}");
    for (name, bytes) in &files {
        let got = fs::read(out.path().join(name)).unwrap();
        assert!(
            got == *bytes,
            "{name}: {} bytes, not {}",
            got.len(),
            bytes.len()
        );
    }
    // Nothing else: no temporary file left behind.
    assert_eq!(names_in(out.path()).len(), files.len());

    // To stdout, and with -o.
    let (status, stdout, _) = run_to_end(http_get(out.path()).arg(&urls[1]));
    assert!(status.success());
    assert_eq!(stdout, "a name with a space\n");
    let (status, _, stderr) =
        run_to_end(http_get(out.path()).args([&urls[0], "-o", "copy.bin"]));
    assert!(status.success(), "{stderr}");
    assert!(fs::read(out.path().join("copy.bin")).unwrap() == files[0].1);
}

/// A missing file: http.server's 404 is an error naming the URL; the
/// others still download, and no file is left for the failed one.
#[test]
fn a_404_fails_alone_and_leaves_no_file() {
    let served = tempfile::tempdir().unwrap();
    fs::write(served.path().join("here.txt"), "here\n").unwrap();
    fs::create_dir(served.path().join("dir")).unwrap();
    let server = http_server(served.path());
    let base = format!("http://{}", server.addr);
    let out = tempfile::tempdir().unwrap();
    let (status, _, stderr) = run_to_end(
        http_get(out.path())
            .arg("-O")
            .args([format!("{base}/missing.txt"), format!("{base}/here.txt")]),
    );
    assert_eq!(status.code(), Some(1));
    assert!(
        stderr.contains(&format!(
            "error: {base}/missing.txt: the server answered HTTP/1.0 404 File not found"
        )),
        "{stderr}"
    );
    assert!(stderr.contains("1 of 2 downloads succeeded"), "{stderr}");
    assert_eq!(names_in(out.path()), ["here.txt"]);
    // http.server redirects a directory without its slash (301): followed.
    let (status, stdout, stderr) =
        run_to_end(http_get(out.path()).args(["-i", &format!("{base}/dir")]));
    assert!(status.success(), "{stderr}");
    assert!(stdout.starts_with("HTTP/1.0 200 OK\n"), "{stdout}");
    assert!(stdout.contains("Directory listing for /dir/"), "{stdout}");
}
