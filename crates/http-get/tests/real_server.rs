//! Against a server we did not write: Python's `http.server` (its
//! SimpleHTTPRequestHandler, on a port the kernel picks), serving a
//! directory, over http and, wrapped in Python's `ssl`, over https.
//! Every download must be byte-identical to the file served.

mod common;

use std::fs;
use std::path::Path;
use std::process::Command;

use common::{Ca, data, http_get, names_in};
use netkit::testing::{ServerProcess, run_to_end};

const GET_PY: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/python/get.py");

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

/// The same server inside TLS: the listening socket wrapped by an
/// `ssl.SSLContext` holding the certificate chain and key named by
/// `argv[2]` and `argv[3]`, so that each accepted connection does the
/// handshake (in `accept`, on the serving thread) before its request.
const HTTPS_SERVER: &str = "\
import functools, http.server, ssl, sys
root, chain, key = sys.argv[1:4]
handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=root)
server = http.server.ThreadingHTTPServer(('127.0.0.1', 0), handler)
context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
context.load_cert_chain(chain, key)
server.socket = context.wrap_socket(server.socket, server_side=True)
print(f'listening on 127.0.0.1:{server.server_address[1]}', flush=True)
server.serve_forever()
";

/// [`HTTPS_SERVER`] serving `root`, with a certificate for 127.0.0.1
/// signed by `ca`, its chain and key written as PEM into `keys`.
fn https_server(root: &Path, ca: &Ca, keys: &Path) -> ServerProcess {
    let (chain, key) = ca.server_pem(&["127.0.0.1"]);
    fs::write(keys.join("chain.pem"), chain).expect("write chain.pem");
    fs::write(keys.join("key.pem"), key).expect("write key.pem");
    ServerProcess::start(
        Command::new("python3")
            .args(["-c", HTTPS_SERVER])
            .arg(root)
            .arg(keys.join("chain.pem"))
            .arg(keys.join("key.pem")),
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

/// Over https, with the test CA trusted through `--cacert`: a file of
/// 3 MiB and a few small ones arrive byte-identical, with `-o` and with
/// `-O --jobs`. http.server closes without TLS's close_notify
/// (socketserver's `shutdown_request` calls `shutdown(SHUT_WR)`, which on
/// an `SSLSocket` drops TLS and shuts TCP), which does not matter here:
/// every body it sends has a Content-Length.
#[test]
fn downloads_from_python_https_server_are_byte_identical() {
    let served = tempfile::tempdir().unwrap();
    let files: [(&str, Vec<u8>); 3] = [
        ("big.bin", data(3 * 1024 * 1024 + 17, 3)),
        ("with space.txt", b"a name with a space\n".to_vec()),
        ("empty.txt", Vec::new()),
    ];
    for (name, bytes) in &files {
        fs::write(served.path().join(name), bytes).unwrap();
    }
    let ca = Ca::new();
    let keys = tempfile::tempdir().unwrap();
    let server = https_server(served.path(), &ca, keys.path());
    let base = format!("https://{}", server.addr);
    let out = tempfile::tempdir().unwrap();
    let cacert = ca.pem();

    let (status, stdout, stderr) =
        run_to_end(http_get(out.path()).arg("--cacert").arg(&cacert).args([
            &format!("{base}/big.bin"),
            "-o",
            "out.bin",
        ]));
    assert!(status.success(), "{stderr}");
    assert_eq!(stdout, "");
    let got = fs::read(out.path().join("out.bin")).unwrap();
    assert!(got == files[0].1, "{} bytes", got.len());

    let urls = [
        format!("{base}/big.bin"),
        format!("{base}/with%20space.txt"),
        format!("{base}/empty.txt"),
    ];
    let (status, _, stderr) = run_to_end(
        http_get(out.path())
            .arg("--cacert")
            .arg(&cacert)
            .args(["-O", "--jobs", "3"])
            .args(&urls),
    );
    assert!(status.success(), "{stderr}");
    assert!(stderr.contains("3 of 3 downloads succeeded"), "{stderr}");
    for (name, bytes) in &files {
        let got = fs::read(out.path().join(name)).unwrap();
        assert!(got == *bytes, "{name}: {} bytes", got.len());
    }
    assert_eq!(names_in(out.path()).len(), files.len() + 1, "a .part left");
}

/// get.py against the same server fails, and that is the close_notify
/// rule at work: get.py ends every body at the close, and http.server
/// closes without close_notify, so get.py cannot know the body is whole.
/// Without `--cacert`, both clients refuse the certificate.
#[test]
fn get_py_cannot_end_a_body_from_python_https_server() {
    let served = tempfile::tempdir().unwrap();
    fs::write(served.path().join("data.bin"), data(10_000, 4)).unwrap();
    let ca = Ca::new();
    let keys = tempfile::tempdir().unwrap();
    let server = https_server(served.path(), &ca, keys.path());
    let url = format!("https://{}/data.bin", server.addr);
    let out = tempfile::tempdir().unwrap();

    let (status, stdout, stderr) = run_to_end(
        Command::new("python3")
            .arg(GET_PY)
            .arg("--cacert")
            .arg(ca.pem())
            .args([&url, "-o", "out.bin"])
            .current_dir(out.path()),
    );
    assert_eq!(status.code(), Some(1), "{stderr}");
    assert!(stdout.contains("Content-Length: 10000"), "{stdout}");
    assert!(
        stderr.starts_with(
            "error: the server closed the connection without TLS's \
             close_notify, after 10000 bytes"
        ),
        "{stderr}"
    );
    assert_eq!(names_in(out.path()), Vec::<String>::new());

    let mut get_py = Command::new("python3");
    get_py.arg(GET_PY);
    for mut client in [get_py, http_get(out.path())] {
        let (status, _, stderr) =
            run_to_end(client.arg(&url).current_dir(out.path()));
        assert_eq!(status.code(), Some(1), "{stderr}");
        assert!(stderr.contains("--cacert"), "{stderr}");
    }
}
