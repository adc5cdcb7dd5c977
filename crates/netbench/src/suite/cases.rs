//! Every lesson's rows, as data: a [`Case`] is one load and the
//! contenders it runs against, in turns; its [`Metric`]s pick one
//! figure each from every run's report, one row of the table apiece,
//! with the targets the Rust figure is held to.
//!
//! The loads are netbench's own modes, run as `netbench MODE --json`:
//! a [`Run::Server`]'s `load` is the mode and its flags.

use std::path::PathBuf;

use super::{Setup, thousands};
use crate::results::{Better, Kind};

/// One load, its contenders and the rows it gives.
pub struct Case {
    pub lesson: &'static str,
    /// The load in words, the table's `row` column.
    pub label: String,
    pub contenders: Vec<Contender>,
    pub metrics: Vec<Metric>,
    /// A file to read through before each run, so that it is in the page
    /// cache: otherwise a run might measure the disk, not the server.
    pub warm: Option<PathBuf>,
}

/// What one cell measures.
pub struct Contender {
    pub who: String,
    pub kind: Kind,
    pub run: Run,
}

/// How one contender runs once.
pub enum Run {
    /// A server that prints `listening on ADDR`, loaded by netbench:
    /// `load` is the mode and its flags.
    Server {
        command: Vec<String>,
        load: Vec<String>,
    },
    /// socat sending one file to the one client it accepts.
    Socat { file: PathBuf, size: u64 },
    /// iperf3's own client and server: the limit of loopback.
    Iperf3 { size: u64 },
    /// A client (`client` + `-o FILE URL`) downloading the big file from
    /// nginx, over https with `tls`.
    Nginx { client: Vec<String>, tls: bool },
}

impl Run {
    /// The reference tools this run needs installed.
    pub fn needs(&self) -> Vec<&'static str> {
        match self {
            Run::Server { .. } => vec![],
            Run::Socat { .. } => vec!["socat"],
            Run::Iperf3 { .. } => vec!["iperf3"],
            Run::Nginx { client, tls } => {
                let mut tools = vec!["nginx"];
                tools.extend(tls.then_some("openssl"));
                tools.extend((client[0] == "curl").then_some("curl"));
                tools
            }
        }
    }
}

/// One row: a figure read from each run's report.
pub struct Metric {
    pub name: &'static str,
    pub key: Key,
    pub better: Better,
    /// (kind of the other contender, the ratio Rust must reach).
    pub targets: Vec<(Kind, f64)>,
}

/// Where a figure is in a run's report.
#[derive(Clone, Copy)]
pub enum Key {
    /// A number, as it is.
    Field(&'static str),
    /// A number of KiB, as MiB.
    Mib(&'static str),
    /// The message a stalled room stopped at, or all sent if it never.
    StalledAt,
}

impl Key {
    pub fn value(self, report: &serde_json::Value) -> Option<f64> {
        match self {
            Key::Field(name) => report[name].as_f64(),
            Key::Mib(name) => report[name].as_f64().map(|kib| kib / 1024.0),
            Key::StalledAt => report["stalled_at_message"]
                .as_f64()
                .filter(|&at| at != 0.0)
                .or_else(|| report["sent"].as_f64()),
        }
    }
}

fn metric(name: &'static str, key: Key, better: Better) -> Metric {
    Metric {
        name,
        key,
        better,
        targets: vec![],
    }
}

fn higher(
    name: &'static str,
    field: &'static str,
    targets: &[(Kind, f64)],
) -> Metric {
    Metric {
        targets: targets.to_vec(),
        ..metric(name, Key::Field(field), Better::Higher)
    }
}

fn lower(name: &'static str, field: &'static str) -> Metric {
    metric(name, Key::Field(field), Better::Lower)
}

fn mib(name: &'static str, field: &'static str) -> Metric {
    metric(name, Key::Mib(field), Better::Lower)
}

fn strings(words: &[&str]) -> Vec<String> {
    words.iter().map(|word| word.to_string()).collect()
}

impl Setup {
    fn binary(&self, name: &str) -> String {
        self.release.join(name).display().to_string()
    }

    /// A lesson's Rust server on a free port of 127.0.0.1.
    pub(super) fn rust(&self, lesson: &str, flags: &[&str]) -> Vec<String> {
        let mut command = vec![self.binary(lesson)];
        command.extend(strings(&["server", "--bind", "127.0.0.1:0"]));
        command.extend(strings(flags));
        command
    }

    /// Its Python port, `crates/LESSON/python/server.py`.
    fn python(&self, lesson: &str, flags: &[&str]) -> Vec<String> {
        let script =
            self.root.join(format!("crates/{lesson}/python/server.py"));
        let mut command =
            vec![self.python.clone(), script.display().to_string()];
        command.extend(strings(&["--bind", "127.0.0.1:0"]));
        command.extend(strings(flags));
        command
    }

    /// netbench's bare server for the lesson.
    fn bare(&self, lesson: &str, flags: &[&str]) -> Vec<String> {
        let mut command = vec![self.netbench.display().to_string()];
        command.extend(strings(&["bare", lesson, "--bind", "127.0.0.1:0"]));
        command.extend(strings(flags));
        command
    }
}

fn server(
    who: &str,
    kind: Kind,
    command: Vec<String>,
    load: &[String],
) -> Contender {
    let load = load.to_vec();
    Contender {
        who: who.into(),
        kind,
        run: Run::Server { command, load },
    }
}

/// Rust, `Rust -q` (for a server that logs every request: the
/// difference is the price of that line), the Python port and bare,
/// as a learner runs each (logging to nowhere here).
fn lesson_contenders(
    s: &Setup,
    lesson: &str,
    load: &[String],
    flags: [&[&str]; 3],
    with_python: bool,
    quiet_too: bool,
) -> Vec<Contender> {
    let mut out =
        vec![server("Rust", Kind::Rust, s.rust(lesson, flags[0]), load)];
    if quiet_too {
        let quiet = [flags[0], &["-q"]].concat();
        out.push(server("Rust -q", Kind::Rust, s.rust(lesson, &quiet), load));
    }
    if with_python {
        let python = s.python(lesson, flags[1]);
        out.push(server("Python port", Kind::Python, python, load));
    }
    out.push(server("bare", Kind::Bare, s.bare(lesson, flags[2]), load));
    out
}

fn plural(n: usize, one: &str) -> String {
    format!(
        "{} {one}{}",
        thousands(n as u64),
        if n > 1 { "s" } else { "" }
    )
}

/// A timed mode's load: `MODE --FLAG N --duration SECS`.
fn timed(s: &Setup, mode: &str, flag: &str, n: usize) -> Vec<String> {
    let seconds = if s.quick { "1" } else { "2" };
    strings(&[mode, flag, &n.to_string(), "--duration", seconds])
}

const HUGE_CAP: &[&str] = &["--max-clients", "20000"];

pub fn hello_echo(s: &Setup) -> Vec<Case> {
    let mut cases = Vec::new();
    // The last is the scale row: the thread-per-connection model at
    // 10,000 connections, or as near as the open-file limit allows.
    for (i, n) in [1, 16, 256, 1000, s.scale].into_iter().enumerate() {
        let load = timed(s, "hello-echo", "--connections", n);
        let scale = i == 4;
        let mut targets = vec![(Kind::Bare, 0.9)];
        if n == 16 || n == 256 {
            targets.insert(0, (Kind::Python, 3.0));
        }
        let mut metrics = vec![higher("round trips/s", "per_s", &targets)];
        if n == 16 {
            metrics.push(lower("p99 latency, ms", "p99_ms"));
            metrics.push(lower(
                "server CPU per round trip, µs",
                "server_cpu_us_per_step",
            ));
        }
        if n == 1000 || scale {
            metrics
                .push(mib("server memory under load, MiB", "server_rss_kib"));
        }
        if scale {
            metrics.push(lower("server threads", "server_threads"));
        }
        let contenders = lesson_contenders(
            s,
            "hello-echo",
            &load,
            [HUGE_CAP, &[], &[]],
            !scale,
            false,
        );
        cases.push(case(
            "hello-echo",
            plural(n, "connection"),
            contenders,
            metrics,
        ));
    }
    cases
}

fn case(
    lesson: &'static str,
    label: String,
    contenders: Vec<Contender>,
    metrics: Vec<Metric>,
) -> Case {
    Case {
        lesson,
        label,
        contenders,
        metrics,
        warm: None,
    }
}

pub fn time_server(s: &Setup) -> Vec<Case> {
    let mut cases = Vec::new();
    for n in [1, 16] {
        let load = timed(s, "time-server", "--clients", n);
        let mut targets = vec![(Kind::Bare, 0.9)];
        if n == 16 {
            targets.insert(0, (Kind::Python, 1.3));
        }
        let metrics = vec![
            higher("connections/s", "per_s", &targets),
            lower("server CPU per connection, µs", "server_cpu_us_per_step"),
        ];
        let contenders =
            lesson_contenders(s, "time-server", &load, [&[]; 3], true, true);
        cases.push(case(
            "time-server",
            plural(n, "client"),
            contenders,
            metrics,
        ));
    }
    cases
}

pub fn udp_chat(s: &Setup) -> Vec<Case> {
    let mut cases = Vec::new();
    for n in [1, 32] {
        let load = timed(s, "udp-chat", "--in-flight", n);
        let mut targets = vec![(Kind::Bare, 0.9)];
        if n == 32 {
            targets.insert(0, (Kind::Python, 2.0));
        }
        let metrics = vec![
            higher("answered datagrams/s", "per_s", &targets),
            lower("lost datagrams", "lost"),
            lower("server CPU per answer, µs", "server_cpu_us_per_step"),
        ];
        let contenders =
            lesson_contenders(s, "udp-chat", &load, [&[]; 3], true, true);
        cases.push(case(
            "udp-chat",
            format!("{n} in flight"),
            contenders,
            metrics,
        ));
    }
    cases
}

/// "64 MiB" with --quick, else "1 GiB": the big file's size in words.
fn size_words(size: u64) -> String {
    if size >= 1 << 30 {
        "1 GiB".into()
    } else {
        format!("{} MiB", size >> 20)
    }
}

pub fn file_downloader(s: &Setup) -> Vec<Case> {
    let root = s.files.display().to_string();
    let at_root: &[&str] = &["--root", &root];
    let size = s.big_size;
    let load = strings(&[
        "file-downloader",
        "--name",
        "big.bin",
        "--expect",
        &size.to_string(),
    ]);
    let mut contenders = lesson_contenders(
        s,
        "file-downloader",
        &load,
        [at_root; 3],
        true,
        false,
    );
    // The server's default is sendfile(2); the issue asks to measure a
    // plain large-buffer loop against it, so the row has both.
    let buffered =
        s.rust("file-downloader", &["--root", &root, "--copy", "buffered"]);
    contenders.insert(
        1,
        server("Rust --copy buffered", Kind::Rust, buffered, &load),
    );
    let file = s.files.join("big.bin");
    contenders.push(Contender {
        who: "socat 128 KiB".into(),
        kind: Kind::Reference,
        run: Run::Socat {
            file: file.clone(),
            size,
        },
    });
    contenders.push(Contender {
        who: "iperf3 (the limit)".into(),
        kind: Kind::Reference,
        run: Run::Iperf3 { size },
    });
    let metrics = vec![
        higher(
            "MiB/s",
            "mib_per_s",
            &[(Kind::Reference, 0.8), (Kind::Bare, 0.9)],
        ),
        mib("server peak memory, MiB", "server_peak_rss_kib"),
    ];
    let label = format!("{} file", size_words(size));
    vec![Case {
        warm: Some(file),
        ..case("file-downloader", label, contenders, metrics)
    }]
}

/// A chat-room load: `clients` users, framed as `framing`, and maybe
/// one more who never reads.
fn chat(
    s: &Setup,
    clients: usize,
    framing: &str,
    stalled: bool,
) -> Vec<String> {
    let messages = match (s.quick, stalled) {
        (true, _) => "300",
        (false, false) => "2000",
        (false, true) => "5000",
    };
    let mut load = strings(&["chat-room", "--clients", &clients.to_string()]);
    load.extend(strings(&["--framing", framing, "--messages", messages]));
    load.extend(stalled.then(|| "--stalled".to_string()));
    load
}

/// The delivery rows, held to `ahead` when there are targets: a
/// compiled port should deliver sooner than the original, at the median
/// and at the 99th percentile, in the same run.
fn delivery(ahead: &[(Kind, f64)], stalled: bool) -> Vec<Metric> {
    let mut metrics = vec![
        Metric {
            targets: ahead.to_vec(),
            ..lower("median delivery, ms", "p50_ms")
        },
        Metric {
            targets: ahead.to_vec(),
            ..lower("p99 delivery, ms", "p99_ms")
        },
        lower("lost deliveries", "lost"),
    ];
    if stalled {
        metrics.push(metric(
            "messages before the room stopped",
            Key::StalledAt,
            Better::Higher,
        ));
    }
    metrics
}

pub fn chat_room(s: &Setup) -> Vec<Case> {
    let rust = s.rust("chat-room", &["--lines"]);
    let python = s.python("chat-room", &[]);
    let ahead = [(Kind::Python, 1.0)];
    let mut cases = Vec::new();
    for (users, stalled) in [(200, false), (200, true), (50, false), (50, true)]
    {
        let mut contenders = vec![server(
            "Rust",
            Kind::Rust,
            rust.clone(),
            &chat(s, users, "lines", stalled),
        )];
        // The stalled room of 200 is Rust's row alone; only the room of
        // 200 has a bare server.
        if users == 50 || !stalled {
            let raw = chat(s, users, "raw", stalled);
            contenders.push(server(
                "Python original",
                Kind::Python,
                python.clone(),
                &raw,
            ));
        }
        if users == 200 && !stalled {
            let bare = s.bare("chat-room", &[]);
            contenders.push(server(
                "bare",
                Kind::Bare,
                bare,
                &chat(s, users, "lines", false),
            ));
        }
        let mut metrics = delivery(if stalled { &[] } else { &ahead }, stalled);
        if stalled {
            metrics.remove(0);
            if users == 200 {
                metrics.pop();
            }
        }
        let label = format!(
            "{users} users{}",
            if stalled { " + 1 that never reads" } else { "" }
        );
        cases.push(case("chat-room", label, contenders, metrics));
    }
    cases
}

/// Lesson 7: one thread against a thread per connection, on the two
/// protocols. The threaded servers of lessons 1 and 5 are the reference
/// column; the Python ports are the selectors one (hello) and the
/// original's room (chat).
pub fn select_server(s: &Setup) -> Vec<Case> {
    let one_thread = s.rust("select-server", &[]);
    let script = s.root.join("crates/select-server/python/server.py");
    let mut selectors = vec![s.python.clone(), script.display().to_string()];
    selectors.extend(strings(&["--bind", "127.0.0.1:0"]));
    selectors.extend(strings(HUGE_CAP));
    let mut cases = Vec::new();
    for n in [1, 16, 256, 1000, s.scale] {
        let load = timed(s, "hello-echo", "--connections", n);
        let mut contenders = vec![server(
            "one thread",
            Kind::Rust,
            [&one_thread[..], &strings(HUGE_CAP)].concat(),
            &load,
        )];
        if n <= 1000 {
            contenders.push(server(
                "Python selectors",
                Kind::Python,
                selectors.clone(),
                &load,
            ));
        }
        let threads = s.rust("hello-echo", HUGE_CAP);
        contenders.push(server(
            "threads (lesson 1)",
            Kind::Reference,
            threads,
            &load,
        ));
        let (speed, memory) = match n {
            _ if n == s.scale => {
                (vec![(Kind::Reference, 1.0)], vec![(Kind::Reference, 4.0)])
            }
            16 => (vec![(Kind::Reference, 0.9)], vec![]),
            _ => (vec![], vec![]),
        };
        let metrics = vec![
            higher("round trips/s", "per_s", &speed),
            lower("p99 latency, ms", "p99_ms"),
            Metric {
                targets: memory,
                ..mib("server memory under load, MiB", "server_rss_kib")
            },
            lower("server threads", "server_threads"),
            lower("server CPU per round trip, µs", "server_cpu_us_per_step"),
        ];
        let label = format!("hello, {}", plural(n, "connection"));
        cases.push(case("select-server", label, contenders, metrics));
    }
    let chat_one = [
        &one_thread[..],
        &strings(&["--protocol", "chat", "--lines"]),
    ]
    .concat();
    let ahead = [(Kind::Reference, 1.0), (Kind::Python, 1.0)];
    for (users, stalled) in [(50, false), (200, false), (50, true), (200, true)]
    {
        let lines = chat(s, users, "lines", stalled);
        let contenders = vec![
            server("one thread", Kind::Rust, chat_one.clone(), &lines),
            server(
                "Python original",
                Kind::Python,
                s.python("chat-room", &[]),
                &chat(s, users, "raw", stalled),
            ),
            server(
                "threads (lesson 5)",
                Kind::Reference,
                s.rust("chat-room", &["--lines"]),
                &lines,
            ),
        ];
        let metrics = delivery(if stalled { &[] } else { &ahead }, stalled);
        let label = format!(
            "chat, {users} users{}",
            if stalled { " + 1 that never reads" } else { "" }
        );
        cases.push(case("select-server", label, contenders, metrics));
    }
    cases
}

pub fn http_get(s: &Setup) -> Vec<Case> {
    let get_py = s
        .root
        .join("crates/http-get/python/get.py")
        .display()
        .to_string();
    let clients = [
        ("Rust", Kind::Rust, vec![s.binary("http-get")]),
        ("Python port", Kind::Python, vec![s.python.clone(), get_py]),
        ("curl", Kind::Reference, strings(&["curl", "-sS"])),
    ];
    let metrics = || {
        vec![
            higher("MiB/s", "mib_per_s", &[(Kind::Reference, 0.9)]),
            mib("client peak memory, MiB", "client_peak_rss_kib"),
        ]
    };
    // The same file over https: TLS's records and ciphers on both sides
    // (each client is given the certificate with --cacert).
    [(false, "from nginx"), (true, "over https from nginx")]
        .into_iter()
        .map(|(tls, words)| {
            let contenders = clients
                .iter()
                .map(|(who, kind, client)| Contender {
                    who: who.to_string(),
                    kind: *kind,
                    run: Run::Nginx {
                        client: client.clone(),
                        tls,
                    },
                })
                .collect();
            let label = format!("{} {words}", size_words(s.big_size));
            Case {
                warm: Some(s.files.join("big.bin")),
                ..case("http-get", label, contenders, metrics())
            }
        })
        .collect()
}
