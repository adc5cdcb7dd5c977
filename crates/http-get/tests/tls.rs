//! `https://` against the fixture inside TLS: a test CA and its server
//! certificates are made here, when the tests run (rcgen), and the
//! client trusts the CA through `--cacert`, as a learner trusts their
//! own test server. Every way a body ends, the close_notify rule, and
//! each way the handshake fails, with the line that says what to do.

mod common;

use std::fs;
use std::io;
use std::net::TcpListener;
use std::path::Path;

use common::{
    Ca, Server, answer_as_plain_http, data, http_get, https, names_in, start,
    start_tls,
};
use http_get::fixture::{Reply, Routes, chunked, ok, redirect};
use netkit::testing::ServerProcess;

/// A head with neither Content-Length nor chunked: the body ends at the
/// close.
const UNTIL_CLOSE: &[u8] = b"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n";

fn routes() -> Routes {
    let body = data(100_000, 3);
    Routes::new()
        .at("/hello.txt", ok(b"hello\n", "text/plain"))
        .at("/data.bin", ok(&body, "application/octet-stream"))
        .at("/chunks.bin", chunked(&body, &[1000, 4096]))
        .at("/close.bin", Reply::Bytes([UNTIL_CLOSE, &body].concat()))
        .at(
            "/dropped.bin",
            Reply::Dropped([UNTIL_CLOSE, &body[..5000]].concat()),
        )
        .at(
            // Whole by its length: the missing close_notify does not
            // matter.
            "/length-dropped.bin",
            match ok(&body, "application/octet-stream") {
                Reply::Bytes(bytes) => Reply::Dropped(bytes),
                other => other,
            },
        )
}

/// Runs http-get in `dir` with `args`; returns the exit code, stdout
/// and stderr.
fn run(dir: &Path, args: &[&str]) -> (Option<i32>, Vec<u8>, String) {
    let output = http_get(dir).args(args).output().expect("http-get runs");
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    (output.status.code(), output.stdout, stderr)
}

/// The TLS fixture with [`routes`], the CA that signed its certificate,
/// and a directory to run the client in.
struct Site {
    ca: Ca,
    server: Server,
    dir: tempfile::TempDir,
}

impl Site {
    /// A certificate for `names`, valid from `valid.0` to `valid.1`
    /// (years) if given.
    fn new(names: &[&str], valid: Option<(i32, i32)>) -> Site {
        let ca = Ca::new();
        let server = start_tls(routes(), ca.server(names, valid));
        let dir = tempfile::tempdir().expect("a directory");
        Site { ca, server, dir }
    }

    fn url(&self, target: &str) -> String {
        https(&self.server, target)
    }

    /// http-get `args`, trusting the site's CA (`--cacert`).
    fn trusted(&self, args: &[&str]) -> (Option<i32>, Vec<u8>, String) {
        let cacert = self.ca.pem();
        let cacert = cacert.to_str().expect("a UTF-8 path");
        run(self.dir.path(), &[&["--cacert", cacert], args].concat())
    }

    /// http-get `args`, with Mozilla's roots only.
    fn untrusted(&self, args: &[&str]) -> (Option<i32>, Vec<u8>, String) {
        run(self.dir.path(), args)
    }
}

#[test]
fn every_framing_arrives_whole_over_tls() {
    let site = Site::new(&["127.0.0.1"], None);
    let (code, out, err) = site.trusted(&[&site.url("/hello.txt")]);
    assert_eq!(
        (code, out.as_slice(), err.as_str()),
        (Some(0), &b"hello\n"[..], "")
    );
    let body = data(100_000, 3);
    for target in [
        "/data.bin",
        "/chunks.bin",
        "/close.bin",
        "/length-dropped.bin",
    ] {
        let (code, _, err) =
            site.trusted(&["-o", "out.bin", &site.url(target)]);
        assert_eq!(code, Some(0), "{target}: {err}");
        let saved = fs::read(site.dir.path().join("out.bin")).unwrap();
        assert!(saved == body, "{target}: {} bytes", saved.len());
    }
}

/// -v tells what the handshake agreed and whom the server says it is.
#[test]
fn verbose_shows_the_version_the_cipher_and_the_chain() {
    let site = Site::new(&["127.0.0.1"], None);
    let (code, out, err) = site.trusted(&["-v", &site.url("/hello.txt")]);
    assert_eq!((code, out.as_slice()), (Some(0), &b"hello\n"[..]), "{err}");
    let lines: Vec<&str> = err.lines().collect();
    assert_eq!(lines.len(), 4, "{err}");
    assert_eq!(lines[0], format!("* connected to {}", site.server.addr()));
    assert!(lines[1].starts_with("* TLS 1.3, TLS13_"), "{err}");
    assert!(lines[2].starts_with("* certificate 0: "), "{err}");
    assert!(
        lines[2].ends_with("(issued by CN=socket lessons test CA)"),
        "{err}"
    );
    assert_eq!(
        lines[3],
        "* certificate 1: CN=socket lessons test CA (issued by CN=socket \
         lessons test CA)"
    );
}

/// The one place TLS changes HTTP's framing: a body that ends at the
/// close is whole only after the server's close_notify. The same bytes
/// over plain TCP are taken as complete, since TCP cannot tell.
#[test]
fn a_body_cut_without_close_notify_is_an_error_and_leaves_no_file() {
    let site = Site::new(&["127.0.0.1"], None);
    let (code, _, err) =
        site.trusted(&["-o", "out.bin", &site.url("/dropped.bin")]);
    assert_eq!(code, Some(1), "{err}");
    assert!(err.contains("without TLS's close_notify"), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
    assert_eq!(
        names_in(site.dir.path()),
        Vec::<String>::new(),
        "no file left"
    );

    let plain = start(routes());
    let dropped = common::url(&plain, "/dropped.bin");
    let (code, _, err) = site.untrusted(&["-o", "out.bin", &dropped]);
    assert_eq!(code, Some(0), "{err}");
    let saved = fs::read(site.dir.path().join("out.bin")).unwrap();
    assert_eq!(saved.len(), 5000);
}

/// A redirect may cross between http and https either way; each hop is
/// its own connection, TLS or not as its URL says, and a TLS hop checks
/// the certificate for its own host.
#[test]
fn redirects_cross_between_http_and_https() {
    let ca = Ca::new();
    let plain = start(routes());
    let to_plain = redirect(302, &common::url(&plain, "/hello.txt"));
    let tls = start_tls(
        routes().at("/to-plain", to_plain),
        ca.server(&["127.0.0.1"], None),
    );
    let to_tls = redirect(301, &https(&tls, "/data.bin"));
    let plain_again = start(Routes::new().at("/to-tls", to_tls));
    let dir = tempfile::tempdir().unwrap();
    let cacert = ca.pem();
    let cacert = cacert.to_str().unwrap();
    let (code, out, err) =
        run(dir.path(), &["--cacert", cacert, &https(&tls, "/to-plain")]);
    assert_eq!((code, out.as_slice()), (Some(0), &b"hello\n"[..]), "{err}");
    let (code, out, err) = run(
        dir.path(),
        &["--cacert", cacert, &common::url(&plain_again, "/to-tls")],
    );
    assert_eq!(code, Some(0), "{err}");
    assert!(out == data(100_000, 3), "{} bytes", out.len());
    // Without --cacert, the https hop is refused, not skipped.
    let (code, _, err) =
        run(dir.path(), &[&common::url(&plain_again, "/to-tls")]);
    assert_eq!(code, Some(1));
    assert!(err.contains("--cacert"), "{err}");
}

#[test]
fn an_unknown_authority_is_refused_and_the_error_names_cacert() {
    let site = Site::new(&["127.0.0.1"], None);
    let (code, out, err) =
        site.untrusted(&["-o", "out", &site.url("/hello.txt")]);
    assert_eq!(code, Some(1));
    assert!(out.is_empty());
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.contains("signed by an authority this client does not trust"),
        "{err}"
    );
    assert!(err.contains("--cacert"), "{err}");
    assert_eq!(names_in(site.dir.path()), Vec::<String>::new());
}

#[test]
fn a_certificate_for_another_name_is_refused_naming_both() {
    let site = Site::new(&["files.example"], None);
    let (code, _, err) = site.trusted(&[&site.url("/hello.txt")]);
    assert_eq!(code, Some(1));
    assert!(
        err.contains("the certificate is for files.example, not for 127.0.0.1"),
        "{err}"
    );
}

/// rustls reports addresses as `IpAddress(0::1)`: the message writes
/// them in their usual text form.
#[test]
fn a_certificate_for_other_addresses_is_refused_naming_them() {
    let site = Site::new(&["127.0.0.2", "::1"], None);
    let (code, _, err) = site.trusted(&[&site.url("/hello.txt")]);
    assert_eq!(code, Some(1));
    assert!(
        err.contains(
            "the certificate is for 127.0.0.2, ::1, not for 127.0.0.1"
        ),
        "{err}"
    );
}

#[test]
fn an_expired_certificate_is_refused() {
    let site = Site::new(&["127.0.0.1"], Some((2000, 2001)));
    let (code, _, err) = site.trusted(&[&site.url("/hello.txt")]);
    assert_eq!(code, Some(1));
    assert!(err.contains("has expired"), "{err}");
}

/// A plain HTTP server takes the ClientHello for a bad request and
/// answers 400 in clear text, as nginx or Python's http.server do.
#[test]
fn plain_http_on_the_tls_port_is_named() -> io::Result<()> {
    let listener = TcpListener::bind("127.0.0.1:0")?;
    let addr = listener.local_addr()?;
    let plain = std::thread::spawn(move || answer_as_plain_http(&listener));
    let dir = tempfile::tempdir().unwrap();
    let (code, _, err) =
        run(dir.path(), &[&format!("https://{addr}/hello.txt")]);
    plain.join().expect("the plain server")?;
    assert_eq!(code, Some(1));
    assert!(err.contains("does not speak TLS"), "{err}");
    Ok(())
}

/// A server that accepts and never answers the ClientHello: the
/// handshake is on the same clock as every read.
#[test]
fn a_stalled_handshake_times_out() -> io::Result<()> {
    let listener = TcpListener::bind("127.0.0.1:0")?;
    let addr = listener.local_addr()?;
    let dir = tempfile::tempdir().unwrap();
    let (code, _, err) = run(
        dir.path(),
        &["--timeout", "300ms", &format!("https://{addr}/")],
    );
    drop(listener);
    assert_eq!(code, Some(1));
    assert!(err.contains("sent nothing for 0.3 s"), "{err}");
    Ok(())
}

#[test]
fn cacert_must_be_a_pem_file_of_certificates() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("empty.pem"), "not a certificate\n").unwrap();
    let (code, _, err) = run(
        dir.path(),
        &["--cacert", "empty.pem", "https://127.0.0.1:9/"],
    );
    assert_eq!(code, Some(1), "{err}");
    assert!(
        err.contains("--cacert empty.pem: no certificate in it"),
        "{err}"
    );
}

/// `http-get serve --tls CA_FILE`, the book's https server: the same
/// paths inside TLS, with a certificate for the loopback names from a
/// CA made at start, whose certificate it writes for --cacert.
#[test]
fn serve_tls_writes_its_ca_and_answers_over_https() {
    let dir = tempfile::tempdir().unwrap();
    let server = ServerProcess::start(http_get(dir.path()).args([
        "serve",
        "--tls",
        "ca.pem",
        "--bind",
        "127.0.0.1:0",
    ]));
    let port = server.addr.port();
    for host in ["127.0.0.1", "localhost"] {
        let url = format!("https://{host}:{port}/hello.txt");
        let (code, out, err) = run(dir.path(), &["--cacert", "ca.pem", &url]);
        assert_eq!(
            (code, out.as_slice()),
            (Some(0), &b"Hello, HTTP!\n"[..]),
            "{err}"
        );
    }
    let (code, _, err) = run(
        dir.path(),
        &[&format!("https://127.0.0.1:{port}/hello.txt")],
    );
    assert_eq!(code, Some(1));
    assert!(err.contains("--cacert"), "{err}");
    server.interrupt();
    let exited = server.wait(std::time::Duration::from_secs(5));
    assert!(exited.status.success(), "{}", exited.stderr);
}
