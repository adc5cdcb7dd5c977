//! The reference tools' runs (socat, iperf3, nginx with curl or our
//! clients), and the big file they serve. None of them can be told to
//! pick a port and say which, so each gets one that was free a moment
//! ago, and the suite waits until it listens.

use std::fs::{self, File};
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use netkit::testing::Process;
use serde_json::{Value, json};

use super::{
    RUN_TIMEOUT, STARTUP_TIMEOUT, STOP_TIMEOUT, Setup, netbench, run_to_end,
};

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
const OPENSSL_REQ: &[&str] = &[
    "req",
    "-x509",
    "-newkey",
    "ec",
    "-pkeyopt",
    "ec_paramgen_curve:P-256",
    "-nodes",
    "-days",
    "2",
    "-subj",
    "/CN=bench nginx",
    "-addext",
    "subjectAltName=IP:127.0.0.1",
    "-addext",
    "basicConstraints=critical,CA:FALSE",
];

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
    for _ in 0..size >> 20 {
        out.write_all(&block)?;
    }
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

/// Starts a tool that prints nothing useful, all its streams closed.
fn start_quiet(program: &str, args: &[String]) -> anyhow::Result<Process> {
    let mut command = Command::new(program);
    command
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    Process::try_start(&mut command).with_context(|| format!("start {program}"))
}

/// Waits until `process` listens on `port`, without connecting (socat
/// serves exactly one connection; iperf3 one test): from /proc/net/tcp,
/// where state 0A is LISTEN.
fn wait_listening(
    port: u16,
    process: &mut Process,
    name: &str,
) -> anyhow::Result<()> {
    let deadline = Instant::now() + STARTUP_TIMEOUT;
    let wanted = format!(":{port:04X} ");
    loop {
        let table = fs::read_to_string("/proc/net/tcp").unwrap_or_default();
        let listens = table.lines().skip(1).any(|line| {
            let fields: Vec<&str> = line.split_whitespace().collect();
            fields.len() > 3
                && format!("{} ", fields[1]).ends_with(&wanted)
                && fields[3] == "0A"
        });
        if listens {
            return Ok(());
        }
        if Instant::now() > deadline || process.has_exited() {
            bail!("{name} did not start listening on {port}");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// socat sending the big file to the one client it accepts, with a
/// 128 KiB buffer; netbench reads it without asking.
pub fn socat(setup: &Setup, file: &Path, size: u64) -> anyhow::Result<Value> {
    let port = free_port()?;
    let listen = format!("TCP-LISTEN:{port},bind=127.0.0.1,reuseaddr");
    let args = [
        "-u",
        "-b",
        "131072",
        &format!("OPEN:{}", file.display()),
        &listen,
    ];
    let mut process = start_quiet("socat", &args.map(String::from))?;
    let report = wait_listening(port, &mut process, "socat").and_then(|()| {
        let load = [
            "file-downloader",
            "--request",
            "none",
            "--expect",
            &size.to_string(),
        ];
        netbench(
            setup,
            &load.map(String::from),
            &format!("127.0.0.1:{port}"),
            None,
        )
    });
    process.stop(STOP_TIMEOUT);
    report
}

/// iperf3's client against its server, `size` bytes: the most loopback
/// carries. Its server buffers its "Server listening" line when its
/// output is a pipe, and a probe would use up its one test (-1).
pub fn iperf3(size: u64) -> anyhow::Result<Value> {
    let port = free_port()?.to_string();
    let args = ["-s", "-1", "-B", "127.0.0.1", "-p", &port];
    let mut process = start_quiet("iperf3", &args.map(String::from))?;
    let report = wait_listening(port.parse()?, &mut process, "iperf3").and_then(|()| {
        let mut client = Command::new("iperf3");
        client.args(["-c", "127.0.0.1", "-p", &port, "-n", &size.to_string(), "-J"]);
        let (status, stdout, _) = run_to_end(&mut client)?;
        if !status.success() {
            bail!("iperf3 -c failed: {}", tail(&stdout));
        }
        let report: Value = serde_json::from_str(&stdout)?;
        let bits = report["end"]["sum_received"]["bits_per_second"].as_f64();
        let bits = bits.context("no end.sum_received.bits_per_second in iperf3's report")?;
        Ok(json!({"mib_per_s": bits / 8.0 / (1u64 << 20) as f64, "server_peak_rss_kib": null}))
    });
    process.stop(STOP_TIMEOUT);
    report
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
    let conf_dir = tempfile::Builder::new()
        .prefix("bench-nginx-")
        .tempdir_in(&setup.workdir)?;
    let dir = conf_dir.path();
    let cert = dir.join("cert.pem");
    let mut tls_files = String::new();
    if tls {
        let mut req = Command::new("openssl");
        req.args(OPENSSL_REQ)
            .arg("-keyout")
            .arg(dir.join("key.pem"))
            .arg("-out")
            .arg(&cert);
        if !run_to_end(&mut req)?.0.success() {
            bail!("openssl req failed");
        }
        tls_files = format!(
            "        ssl_certificate {};\n        ssl_certificate_key {};\n",
            cert.display(),
            dir.join("key.pem").display()
        );
    }
    let listen = format!("{port}{}", if tls { " ssl" } else { "" });
    let conf = NGINX_CONF
        .replace("DIR", &dir.display().to_string())
        .replace("PORT", &listen)
        .replace("ROOT", &setup.files.display().to_string())
        .replace("TLS", &tls_files);
    fs::write(dir.join("nginx.conf"), conf)?;
    let args = [
        "-p".into(),
        dir.display().to_string(),
        "-c".into(),
        dir.join("nginx.conf").display().to_string(),
    ];
    let mut nginx = start_quiet("nginx", &args)?;
    let shm = Path::new("/dev/shm");
    let writable = fs::metadata(shm)
        .is_ok_and(|meta| meta.is_dir() && !meta.permissions().readonly());
    let sink = tempfile::Builder::new()
        .prefix("bench-http-")
        .tempdir_in(if writable { shm } else { &setup.workdir })?;
    let report = wait_accepting(port, &mut nginx).and_then(|()| {
        warm(&setup.files.join("big.bin"));
        let scheme = if tls { "https" } else { "http" };
        let out = sink.path().join("big.bin");
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
    });
    nginx.stop(STOP_TIMEOUT);
    report
}

/// Waits until something accepts connections on the port.
fn wait_accepting(port: u16, process: &mut Process) -> anyhow::Result<()> {
    let deadline = Instant::now() + STARTUP_TIMEOUT;
    while Instant::now() < deadline {
        if process.has_exited() {
            bail!("the server exited before it listened on {port}");
        }
        let addr = ([127, 0, 0, 1], port).into();
        if TcpStream::connect_timeout(&addr, Duration::from_secs(1)).is_ok() {
            return Ok(());
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    bail!("nothing accepts on port {port}")
}

/// Runs a client; returns its seconds and its peak RSS in KiB, VmHWM
/// read from /proc every few milliseconds while it runs (the last
/// reading before it exits). `spawn` returns once the child has exec'd,
/// so every reading is the client's own, never a copy of this process.
fn timed_with_memory(
    command: &mut Command,
) -> anyhow::Result<(f64, Option<u64>)> {
    let began = Instant::now();
    let child = netkit::testing::try_spawn_piped(command)?;
    let pid = child.id();
    let done = AtomicBool::new(false);
    let (finished, peak) = std::thread::scope(|scope| {
        let sampler = scope.spawn(|| {
            let mut peak = None;
            while !done.load(Ordering::Relaxed) {
                peak = crate::process::peak_rss_kib(pid).ok().or(peak);
                std::thread::sleep(Duration::from_millis(5));
            }
            peak
        });
        let finished = netkit::testing::try_finish_within(child, RUN_TIMEOUT);
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

/// The last 300 characters of a tool's output, for an error.
fn tail(text: &str) -> &str {
    text.char_indices()
        .rev()
        .nth(299)
        .map_or(text, |(at, _)| &text[at..])
}
