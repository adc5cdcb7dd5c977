//! Every lesson's rows, as data: a [`Case`] is one load and the
//! contenders it runs against, in turns, one line each; each row picks
//! one figure from every run's report (a key of netbench's `--json`),
//! with the targets the Rust figure is held to.

use std::path::PathBuf;

use super::Setup;
use crate::results::Better::{self, Higher, Lower};
use crate::results::Kind::{self, Bare, Python, Reference, Rust};

/// A row's name, or the key of its figure in a report.
type Name = &'static str;
const HUGE_CAP: &[&str] = &["--max-clients", "20000"];
/// The key of the server's CPU time per step of the load.
const CPU: &str = "server_cpu_us_per_step";
const STOPPED: &str = "messages before the room stopped";

/// One load, its contenders and the rows it gives.
#[derive(Default)]
pub struct Case {
    pub lesson: Name,
    /// The load in words, the table's `row` column.
    pub label: String,
    pub contenders: Vec<Contender>,
    pub metrics: Vec<Metric>,
    /// A file to read through before each run, so that it is in the page
    /// cache: otherwise a run might measure the disk, not the server.
    pub warm: Option<PathBuf>,
    /// The netbench load (mode and flags) of the servers added next.
    load: Vec<String>,
}

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
    /// socat sending the big file to the one client it accepts.
    Socat,
    /// iperf3's own client and server, the big file's size: the limit of
    /// loopback.
    Iperf3,
    /// A client (`client` + `-o FILE URL`) downloading the big file from
    /// nginx, over https with `tls`.
    Nginx { client: Vec<String>, tls: bool },
}

impl Run {
    /// Why it cannot run here: the reference tools it needs that are
    /// `missing`, and how to install them.
    pub fn skipped(&self, missing: &[&str]) -> Option<String> {
        let needs = match self {
            Run::Server { .. } => vec![],
            Run::Socat => vec!["socat"],
            Run::Iperf3 => vec!["iperf3"],
            Run::Nginx { client, tls } => {
                let curl = client[0] == "curl";
                let optional = [(*tls, "openssl"), (curl, "curl")];
                let more = optional.into_iter().filter(|(needed, _)| *needed);
                ["nginx"].into_iter().chain(more.map(|(_, t)| t)).collect()
            }
        };
        let absent: Vec<&str> =
            needs.into_iter().filter(|t| missing.contains(t)).collect();
        let how: Vec<_> =
            absent.iter().map(|t| format!("apt install {t}")).collect();
        let (absent, how) = (absent.join(", "), how.join("; "));
        (!how.is_empty()).then(|| format!("{absent} not installed ({how})"))
    }
}

/// One row: a figure read from each run's report.
pub struct Metric {
    pub name: Name,
    /// Its key in the report. One ending in `_kib` is shown in MiB;
    /// `stalled_at_message` is `sent` when the room never stopped.
    pub key: Name,
    pub better: Better,
    /// (kind of the other contender, the ratio Rust must reach).
    pub targets: Vec<(Kind, f64)>,
}

impl Metric {
    /// The figure in one run's report, if it has one.
    pub fn value(&self, report: &serde_json::Value) -> Option<f64> {
        let value = report[self.key].as_f64();
        match self.key {
            "stalled_at_message" => value
                .filter(|&at| at != 0.0)
                .or_else(|| report["sent"].as_f64()),
            key if key.ends_with("_kib") => value.map(|kib| kib / 1024.0),
            _ => value,
        }
    }
}

impl Case {
    fn new(lesson: Name, label: String, load: Vec<String>) -> Case {
        Case {
            lesson,
            label,
            load,
            ..Case::default()
        }
    }

    /// Adds a server, loaded by the case's load.
    fn server(self, who: &str, kind: Kind, command: Vec<String>) -> Case {
        let load = self.load.clone();
        self.tool(who, kind, Run::Server { command, load })
    }

    /// Adds a run that is not a server loaded by netbench.
    fn tool(mut self, who: &str, kind: Kind, run: Run) -> Case {
        let who = who.into();
        self.contenders.push(Contender { who, kind, run });
        self
    }

    /// The load of the servers added after this.
    fn load(mut self, load: Vec<String>) -> Case {
        self.load = load;
        self
    }

    /// Adds a row held to `targets`.
    fn row(
        mut self,
        better: Better,
        name: Name,
        key: Name,
        targets: &[(Kind, f64)],
    ) -> Case {
        self.metrics.push(Metric {
            name,
            key,
            better,
            targets: targets.to_vec(),
        });
        self
    }

    fn up(self, name: Name, key: Name, targets: &[(Kind, f64)]) -> Case {
        self.row(Higher, name, key, targets)
    }

    fn down(self, name: Name, key: Name) -> Case {
        self.row(Lower, name, key, &[])
    }

    /// `then(self)` if `when`, else the case as it is.
    fn when(self, when: bool, then: impl FnOnce(Case) -> Case) -> Case {
        if when { then(self) } else { self }
    }
}

fn strings(words: &[&str]) -> Vec<String> {
    words.iter().map(|word| word.to_string()).collect()
}

/// "1 connection", "1,000 connections".
fn plural(n: usize, one: &str) -> String {
    let s = if n > 1 { "s" } else { "" };
    format!("{} {one}{s}", super::thousands(n as u64))
}

impl Setup {
    /// A lesson's Rust server on a free port of 127.0.0.1.
    pub(super) fn rust(&self, lesson: &str, flags: &[&str]) -> Vec<String> {
        let binary = self.release.join(lesson).display().to_string();
        let bind = ["server", "--bind", "127.0.0.1:0"];
        [vec![binary], strings(&bind), strings(flags)].concat()
    }

    /// A Python program of the lesson's (`crates/LESSON/python/FILE`).
    fn python(&self, lesson: &str, file: &str) -> Vec<String> {
        let path = self.root.join(format!("crates/{lesson}/python/{file}"));
        vec!["python3".into(), path.display().to_string()]
    }

    /// A Python port's server on a free port of 127.0.0.1.
    fn py(&self, lesson: &str, flags: &[&str]) -> Vec<String> {
        let bind = strings(&["--bind", "127.0.0.1:0"]);
        [self.python(lesson, "server.py"), bind, strings(flags)].concat()
    }

    /// netbench's bare server for the lesson.
    fn bare(&self, lesson: &str, flags: &[&str]) -> Vec<String> {
        let me = self.netbench.display().to_string();
        let bare = ["bare", lesson, "--bind", "127.0.0.1:0"];
        [vec![me], strings(&bare), strings(flags)].concat()
    }

    /// A timed mode's load: `MODE --FLAG N --duration SECS`.
    fn timed(&self, mode: &str, flag: &str, n: usize) -> Vec<String> {
        let seconds = if self.quick { "1" } else { "2" };
        strings(&[mode, flag, &n.to_string(), "--duration", seconds])
    }

    /// A chat-room load: `users` users, framed as `framing` (`lines`,
    /// or `raw` for the original), and maybe one who never reads.
    fn chat(&self, users: usize, framing: &str, stall: bool) -> Vec<String> {
        let messages = match (self.quick, stall) {
            (true, _) => "300",
            (false, false) => "2000",
            (false, true) => "5000",
        };
        let n = users.to_string();
        let load = ["chat-room", "--clients", &n, "--framing", framing];
        let mut load =
            strings(&[&load[..], &["--messages", messages]].concat());
        load.extend(stall.then(|| "--stalled".to_string()));
        load
    }

    /// The big file's size in words.
    fn size_words(&self) -> &'static str {
        if self.quick { "64 MiB" } else { "1 GiB" }
    }

    /// The Rust server, `Rust -q` (for a server that logs every request:
    /// the difference is the price of that line), the Python port and
    /// bare, each as a learner runs it (logging to nowhere here).
    fn four(&self, case: Case) -> Case {
        let lesson = case.lesson;
        case.server("Rust", Rust, self.rust(lesson, &[]))
            .server("Rust -q", Rust, self.rust(lesson, &["-q"]))
            .server("Python port", Python, self.py(lesson, &[]))
            .server("bare", Bare, self.bare(lesson, &[]))
    }
}

/// The cases of one of [`super::LESSONS`].
pub fn of(lesson: &str, setup: &Setup) -> Vec<Case> {
    match lesson {
        "hello-echo" => hello_echo(setup),
        "time-server" => time_server(setup),
        "udp-chat" => udp_chat(setup),
        "file-downloader" => file_downloader(setup),
        "chat-room" => chat_room(setup),
        "http-get" => http_get(setup),
        _ => select_server(setup),
    }
}

fn hello_echo(s: &Setup) -> Vec<Case> {
    // The last is the scale row: the thread-per-connection model at
    // 10,000 connections, or as near as the open-file limit allows.
    let sizes = [1, 16, 256, 1000, s.scale].into_iter().enumerate();
    let cases = sizes.map(|(i, n)| {
        let load = s.timed("hello-echo", "--connections", n);
        let case = Case::new("hello-echo", plural(n, "connection"), load);
        let ahead: &[_] = match n {
            16 | 256 => &[(Python, 3.0), (Bare, 0.9)],
            _ => &[(Bare, 0.9)],
        };
        let scale = i == 4;
        let cpu = "server CPU per round trip, µs";
        let memory = "server memory under load, MiB";
        case.server("Rust", Rust, s.rust("hello-echo", HUGE_CAP))
            .when(!scale, |c| {
                let python = s.py("hello-echo", &[]);
                c.server("Python port", Python, python)
            })
            .server("bare", Bare, s.bare("hello-echo", &[]))
            .up("round trips/s", "per_s", ahead)
            .when(n == 16, |c| {
                c.down("p99 latency, ms", "p99_ms").down(cpu, CPU)
            })
            .when(n == 1000 || scale, |c| c.down(memory, "server_rss_kib"))
            .when(scale, |c| c.down("server threads", "server_threads"))
    });
    cases.collect()
}

fn time_server(s: &Setup) -> Vec<Case> {
    let cases = [1, 16].map(|n| {
        let load = s.timed("time-server", "--clients", n);
        let case = Case::new("time-server", plural(n, "client"), load);
        let ahead: &[_] = match n {
            16 => &[(Python, 1.3), (Bare, 0.9)],
            _ => &[(Bare, 0.9)],
        };
        let cpu = "server CPU per connection, µs";
        s.four(case)
            .up("connections/s", "per_s", ahead)
            .down(cpu, CPU)
    });
    cases.into()
}

fn udp_chat(s: &Setup) -> Vec<Case> {
    let cases = [1, 32].map(|n| {
        let load = s.timed("udp-chat", "--in-flight", n);
        let case = Case::new("udp-chat", format!("{n} in flight"), load);
        let ahead: &[_] = match n {
            32 => &[(Python, 2.0), (Bare, 0.9)],
            _ => &[(Bare, 0.9)],
        };
        s.four(case)
            .up("answered datagrams/s", "per_s", ahead)
            .down("lost datagrams", "lost")
            .down("server CPU per answer, µs", CPU)
    });
    cases.into()
}

fn file_downloader(s: &Setup) -> Vec<Case> {
    let root = s.files.display().to_string();
    let n = s.big_size.to_string();
    let load = ["file-downloader", "--name", "big.bin", "--expect", &n];
    let label = format!("{} file", s.size_words());
    let at_root = ["--root", root.as_str()];
    let buffered = ["--root", &root, "--copy", "buffered"];
    let ahead = [(Reference, 0.8), (Bare, 0.9)];
    let fd = "file-downloader";
    let mut case = Case::new(fd, label, strings(&load))
        .server("Rust", Rust, s.rust(fd, &at_root))
        // The server's default is sendfile(2); the issue asks to measure
        // a plain large-buffer loop against it, so the row has both.
        .server("Rust --copy buffered", Rust, s.rust(fd, &buffered))
        .server("Python port", Python, s.py(fd, &at_root))
        .server("bare", Bare, s.bare(fd, &at_root))
        .tool("socat 128 KiB", Reference, Run::Socat)
        .tool("iperf3 (the limit)", Reference, Run::Iperf3)
        .up("MiB/s", "mib_per_s", &ahead)
        .down("server peak memory, MiB", "server_peak_rss_kib");
    case.warm = Some(s.files.join("big.bin"));
    vec![case]
}

/// The delivery rows of a room, held to `ahead` unless a user stalls
/// it: a compiled port should deliver sooner than the original, at the
/// median and at the 99th percentile, in the same run.
fn delivery(case: Case, ahead: &[(Kind, f64)], stalled: bool) -> Case {
    let ahead = if stalled { &[] } else { ahead };
    case.row(Lower, "median delivery, ms", "p50_ms", ahead)
        .row(Lower, "p99 delivery, ms", "p99_ms", ahead)
        .down("lost deliveries", "lost")
        .when(stalled, |c| c.up(STOPPED, "stalled_at_message", &[]))
}

fn stalled_words(stalled: bool) -> &'static str {
    if stalled { " + 1 that never reads" } else { "" }
}

fn chat_room(s: &Setup) -> Vec<Case> {
    let rust = s.rust("chat-room", &["--lines"]);
    let rooms = [(200, false), (200, true), (50, false), (50, true)];
    let cases = rooms.map(|(users, stalled)| {
        let label = format!("{users} users{}", stalled_words(stalled));
        let lines = s.chat(users, "lines", stalled);
        let raw = s.chat(users, "raw", stalled);
        let python = s.py("chat-room", &[]);
        // The stalled room of 200 is Rust's row alone; only the room of
        // 200 has a bare server.
        let case = Case::new("chat-room", label, lines.clone())
            .server("Rust", Rust, rust.clone())
            .when(users == 50 || !stalled, |c| {
                c.load(raw).server("Python original", Python, python)
            })
            .when(users == 200 && !stalled, |c| {
                c.load(lines).server("bare", Bare, s.bare("chat-room", &[]))
            });
        match stalled {
            false => delivery(case, &[(Python, 1.0)], false),
            true => case
                .down("p99 delivery, ms", "p99_ms")
                .down("lost deliveries", "lost")
                .when(users == 50, |c| {
                    c.up(STOPPED, "stalled_at_message", &[])
                }),
        }
    });
    cases.into()
}

/// Lesson 7: one thread against a thread per connection, on the two
/// protocols. The threaded servers of lessons 1 and 5 are the reference
/// column; the Python ports are the selectors one (hello) and the
/// original's room (chat).
fn select_server(s: &Setup) -> Vec<Case> {
    let (lesson, mut cases) = ("select-server", Vec::new());
    let chat_flags = ["--protocol", "chat", "--lines"];
    let selectors = s.py(lesson, HUGE_CAP);
    for n in [1, 16, 256, 1000, s.scale] {
        let load = s.timed("hello-echo", "--connections", n);
        let label = format!("hello, {}", plural(n, "connection"));
        let (speed, memory): (&[_], &[_]) = match n {
            _ if n == s.scale => (&[(Reference, 1.0)], &[(Reference, 4.0)]),
            16 => (&[(Reference, 0.9)], &[]),
            _ => (&[], &[]),
        };
        let threads = s.rust("hello-echo", HUGE_CAP);
        let cpu = "server CPU per round trip, µs";
        let rss = "server memory under load, MiB";
        cases.push(
            Case::new(lesson, label, load)
                .server("one thread", Rust, s.rust(lesson, HUGE_CAP))
                .when(n <= 1000, |c| {
                    let python = selectors.clone();
                    c.server("Python selectors", Python, python)
                })
                .server("threads (lesson 1)", Reference, threads)
                .up("round trips/s", "per_s", speed)
                .down("p99 latency, ms", "p99_ms")
                .row(Lower, rss, "server_rss_kib", memory)
                .down("server threads", "server_threads")
                .down(cpu, CPU),
        );
    }
    let rooms = [(50, false), (200, false), (50, true), (200, true)];
    for (users, stalled) in rooms {
        let label = format!("chat, {users} users{}", stalled_words(stalled));
        let lines = s.chat(users, "lines", stalled);
        let python = s.py("chat-room", &[]);
        let threads = s.rust("chat-room", &["--lines"]);
        let case = Case::new(lesson, label, lines.clone())
            .server("one thread", Rust, s.rust(lesson, &chat_flags))
            .load(s.chat(users, "raw", stalled))
            .server("Python original", Python, python)
            .load(lines)
            .server("threads (lesson 5)", Reference, threads);
        let ahead = [(Reference, 1.0), (Python, 1.0)];
        cases.push(delivery(case, &ahead, stalled));
    }
    cases
}

fn http_get(s: &Setup) -> Vec<Case> {
    let rust = vec![s.release.join("http-get").display().to_string()];
    let python = s.python("http-get", "get.py");
    let curl = strings(&["curl", "-sS"]);
    // The same file over https: TLS's records and ciphers on both sides
    // (each client is given the certificate with --cacert).
    let ways = [(false, "from nginx"), (true, "over https from nginx")];
    let cases = ways.map(|(tls, words)| {
        let label = format!("{} {words}", s.size_words());
        let nginx = |client: &[String]| {
            let client = client.to_vec();
            Run::Nginx { client, tls }
        };
        let mut case = Case::new("http-get", label, vec![])
            .tool("Rust", Rust, nginx(&rust))
            .tool("Python port", Python, nginx(&python))
            .tool("curl", Reference, nginx(&curl))
            .up("MiB/s", "mib_per_s", &[(Reference, 0.9)])
            .down("client peak memory, MiB", "client_peak_rss_kib");
        case.warm = Some(s.files.join("big.bin"));
        case
    });
    cases.into()
}
