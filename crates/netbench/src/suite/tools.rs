//! The reference tools' runs (socat, iperf3, nginx with curl or our
//! clients), and the big file they serve. None of them can be told to
//! pick a port and say which, so each gets one that was free a moment
//! ago, and the suite waits until it listens there.

use std::fs::{self, File};
use std::io::{Read, Write};
use std::net::TcpListener;
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use netkit::testing::{Process, try_finish_within, try_spawn_piped};
use serde_json::{Value, json};

use super::{RUN_TIMEOUT, Running, STARTUP_TIMEOUT, STOP_TIMEOUT, Setup};

/// nginx serving the files directory over http or https, as one
/// process, everything under its own directory.
const NGINX_CONF: &str = "daemon off;
master_process off;
worker_processes 1;
pid DIR/nginx.pid;
error_log DIR/error.log;
events { worker_connections 64; }
http {
    access_log off;
    sendfile on;
    client_body_temp_path DIR/body;
    proxy_temp_path DIR/proxy;
    fastcgi_temp_path DIR/fastcgi;
    uwsgi_temp_path DIR/uwsgi;
    scgi_temp_path DIR/scgi;
    server {
        listen 127.0.0.1:PORT;
        root ROOT;
TLS    }
}
";

/// The https server's certificate: self-signed, made at start, for
/// 127.0.0.1; not a CA, so that it can be its own trust anchor (--cacert).
const OPENSSL_REQ: &str = "req -x509 -newkey ec -pkeyopt \
    ec_paramgen_curve:P-256 -nodes -days 2 -addext \
    subjectAltName=IP:127.0.0.1 -addext basicConstraints=critical,CA:FALSE";

/// Writes `size` bytes of random blocks to `path`, unless it is there
/// at that size already.
pub fn write_random(path: &Path, size: u64) -> anyhow::Result<()> {
    if fs::metadata(path).is_ok_and(|meta| meta.len() == size) {
        return Ok(());
    }
    fs::create_dir_all(path.parent().context("a file in a directory")?)?;
    let mut block = vec![0; 1 << 20];
    File::open("/dev/urandom")?.read_exact(&mut block)?;
    let mut out = File::create(path)?;
    (0..size >> 20).try_for_each(|_| out.write_all(&block))?;
    Ok(())
}

/// Reads a file through, so that its pages are in memory: a file left
/// alone for a minute can be dropped from the page cache, and the next
/// run would measure the disk instead of the server.
pub fn warm(path: &Path) {
    if let Ok(mut file) = File::open(path) {
        let _ = std::io::copy(&mut file, &mut std::io::sink());
    }
}

/// A port that was free a moment ago.
fn free_port() -> anyhow::Result<u16> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

/// Whether something listens on 127.0.0.1:`port`, from /proc/net/tcp
/// (its fields: slot, local address, remote address, state; 0A is
/// LISTEN), without connecting: socat serves one connection, iperf3
/// one test, and a probe would use it up.
fn listening(port: u16) -> bool {
    let table = fs::read_to_string("/proc/net/tcp").unwrap_or_default();
    let local = format!("0100007F:{port:04X}");
    let rows = table.lines().map(|line| line.split_whitespace().collect());
    rows.skip(1)
        .any(|f: Vec<&str>| f.len() > 3 && f[1] == local && f[3] == "0A")
}

/// Starts `program` (told to listen on `port`), waits until it listens,
/// runs `then`, and stops it.
fn with_tool<T>(
    port: u16,
    program: &str,
    args: &[&str],
    then: impl FnOnce() -> anyhow::Result<T>,
) -> anyhow::Result<T> {
    let mut command = Command::new(program);
    command.args(args).stdin(Stdio::null());
    command.stdout(Stdio::null()).stderr(Stdio::null());
    let mut tool = Process::try_start(&mut command)
        .with_context(|| format!("start {program}"))?;
    let _running = Running::new(tool.id());
    let deadline = Instant::now() + STARTUP_TIMEOUT;
    while !listening(port) {
        if Instant::now() > deadline || tool.has_exited() {
            // Dropping it kills it.
            bail!("{program} did not start listening on {port}");
        }
        thread::sleep(Duration::from_millis(20));
    }
    let result = then();
    tool.stop(STOP_TIMEOUT);
    result
}

/// socat sending the big file to the one client it accepts, with a
/// 128 KiB buffer; netbench reads it without asking.
pub fn socat(setup: &Setup) -> anyhow::Result<Value> {
    let port = free_port()?;
    let open = format!("OPEN:{}", setup.files.join("big.bin").display());
    let listen = format!("TCP-LISTEN:{port},bind=127.0.0.1,reuseaddr");
    let args = ["-u", "-b", "131072", &open, &listen];
    let n = setup.big_size.to_string();
    let load = ["file-downloader", "--request", "none", "--expect", &n];
    let load = load.map(String::from);
    let addr = format!("127.0.0.1:{port}");
    with_tool(port, "socat", &args, || {
        super::netbench(setup, &load, &addr, None)
    })
}

/// iperf3's client against its server, `size` bytes: the most loopback
/// carries. (Its server buffers its "Server listening" line when its
/// output is a pipe.)
pub fn iperf3(size: u64) -> anyhow::Result<Value> {
    let port = free_port()?.to_string();
    let server = ["-s", "-1", "-B", "127.0.0.1", "-p", &port];
    with_tool(port.parse()?, "iperf3", &server, || {
        let mut client = Command::new("iperf3");
        let n = size.to_string();
        client.args(["-c", "127.0.0.1", "-p", &port, "-n", &n, "-J"]);
        let (status, stdout, _) = run_to_end(&mut client)?;
        if !status.success() {
            bail!("iperf3 -c failed: {}", tail(&stdout));
        }
        let report: Value = serde_json::from_str(&stdout)?;
        let end = &report["end"]["sum_received"]["bits_per_second"];
        let bits = end.as_f64().context("no sum_received in iperf3's end")?;
        let mib_per_s = bits / 8.0 / (1u64 << 20) as f64;
        Ok(json!({"mib_per_s": mib_per_s, "server_peak_rss_kib": null}))
    })
}

/// nginx serving the big file; `client` downloads it (`-o FILE URL`
/// appended, and `--cacert` over https) into memory (/dev/shm) where
/// there is some, so that the figure is the client's, not the disk's.
pub fn nginx(
    setup: &Setup,
    client: &[String],
    tls: bool,
) -> anyhow::Result<Value> {
    let port = free_port()?;
    let mut temp = tempfile::Builder::new();
    let conf_dir = temp.prefix("bench-nginx-").tempdir_in(&setup.workdir)?;
    let dir = conf_dir.path();
    let (cert, key) = (dir.join("cert.pem"), dir.join("key.pem"));
    let mut tls_files = String::new();
    if tls {
        let mut req = Command::new("openssl");
        req.args(OPENSSL_REQ.split(' '))
            .args(["-subj", "/CN=bench nginx"]);
        req.arg("-keyout").arg(&key).arg("-out").arg(&cert);
        if !run_to_end(&mut req)?.0.success() {
            bail!("openssl req failed");
        }
        let (cert, key) = (cert.display(), key.display());
        tls_files = format!(
            "        ssl_certificate {cert};\n        ssl_certificate_key {key};\n"
        );
    }
    let conf = NGINX_CONF
        .replace("DIR", &dir.display().to_string())
        .replace("PORT", &format!("{port}{}", if tls { " ssl" } else { "" }))
        .replace("ROOT", &setup.files.display().to_string())
        .replace("TLS", &tls_files);
    let conf_file = dir.join("nginx.conf");
    fs::write(&conf_file, conf)?;
    let (dir, conf_file) =
        (dir.display().to_string(), conf_file.display().to_string());
    let shm = Path::new("/dev/shm");
    let in_memory =
        fs::metadata(shm).is_ok_and(|m| !m.permissions().readonly());
    let sink_dir = if in_memory { shm } else { &setup.workdir };
    let sink = tempfile::Builder::new()
        .prefix("bench-http-")
        .tempdir_in(sink_dir)?;
    let out = sink.path().join("big.bin");
    with_tool(port, "nginx", &["-p", &dir, "-c", &conf_file], || {
        warm(&setup.files.join("big.bin"));
        let scheme = if tls { "https" } else { "http" };
        let mut command = Command::new(&client[0]);
        command.args(&client[1..]).arg("-o").arg(&out);
        command.arg(format!("{scheme}://127.0.0.1:{port}/big.bin"));
        if tls {
            command.arg("--cacert").arg(&cert);
        }
        let (seconds, peak) = timed_with_memory(&mut command)?;
        let got = fs::metadata(&out)?.len();
        if got != setup.big_size {
            bail!("downloaded {got} bytes of {}", setup.big_size);
        }
        let mib = setup.big_size as f64 / (1u64 << 20) as f64;
        Ok(json!({"mib_per_s": mib / seconds, "client_peak_rss_kib": peak}))
    })
}

/// Runs a client; returns its seconds and its peak RSS in KiB, VmHWM
/// read from /proc every few milliseconds while it runs (the last
/// reading before it exits). `spawn` returns once the child has exec'd,
/// so every reading is the client's own, never a copy of this process.
fn timed_with_memory(
    command: &mut Command,
) -> anyhow::Result<(f64, Option<u64>)> {
    let began = Instant::now();
    let child = try_spawn_piped(command)?;
    let (pid, done) = (child.id(), AtomicBool::new(false));
    let _running = Running::new(pid);
    let (finished, peak) = thread::scope(|scope| {
        let sampler = scope.spawn(|| {
            let mut peak = None;
            while !done.load(Ordering::Relaxed) {
                peak = crate::process::peak_rss_kib(pid).ok().or(peak);
                thread::sleep(Duration::from_millis(5));
            }
            peak
        });
        let finished = try_finish_within(child, RUN_TIMEOUT);
        done.store(true, Ordering::Relaxed);
        (finished, sampler.join().ok().flatten())
    });
    let seconds = began.elapsed().as_secs_f64();
    let Some((status, _, stderr)) = finished else {
        bail!("{command:?} ran over {RUN_TIMEOUT:?}");
    };
    if !status.success() {
        bail!("{command:?} exited {status}: {}", tail(&stderr));
    }
    Ok((seconds, peak))
}

/// Runs a command to its end within [`RUN_TIMEOUT`]: status, stdout,
/// stderr.
pub fn run_to_end(
    command: &mut Command,
) -> anyhow::Result<(std::process::ExitStatus, String, String)> {
    let child = try_spawn_piped(command)
        .with_context(|| format!("start {command:?}"))?;
    let _running = Running::new(child.id());
    try_finish_within(child, RUN_TIMEOUT)
        .with_context(|| format!("{command:?} ran over {RUN_TIMEOUT:?}"))
}

/// The last 300 characters of a tool's output, for an error.
fn tail(text: &str) -> &str {
    text.char_indices()
        .rev()
        .nth(299)
        .map_or(text, |(at, _)| &text[at..])
}
