//! Which program is checked, and how each of its ends is started: the
//! learner's exercise and the lesson's own crate are built with cargo and
//! run as `<binary> server` / `<binary> client`; our Python ports and any
//! `--cmd` are run as given, with CONTRACT.md's flags after them.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use anyhow::{Context, bail};

use crate::lessons::{Launch, Lesson};
use crate::program::Program;

/// What a server is told to bind: loopback, any free port.
pub const BIND_ANY: &str = "127.0.0.1:0";

/// The program under test.
#[derive(Clone, Debug)]
pub struct Target {
    /// How the report names it: "the exercise (crates/exercises/...)".
    pub what: String,
    /// How to start it as a server, before CONTRACT.md's flags.
    pub server: Option<Program>,
    /// How to start it as a client, before CONTRACT.md's flags.
    pub client: Option<Program>,
    /// How to start it as a peer (udp-chat's `chat`), before its flags.
    pub peer: Option<Program>,
}

impl Target {
    /// A lesson's binary: each end is a subcommand of it (`server`,
    /// `client`), as the lesson says.
    pub fn binary(what: String, path: &Path, lesson: &Lesson) -> Target {
        let program = Program::new(vec![path.display().to_string()]);
        let end = |launch: Option<Launch>| {
            let launch = launch?;
            Some(program.with_args(launch.subcommand.as_slice()))
        };
        Target {
            what,
            server: end(lesson.server),
            client: end(lesson.client),
            peer: end(lesson.peer),
        }
    }

    /// The learner's exercise, built.
    pub fn exercise(lesson: &Lesson) -> anyhow::Result<Target> {
        let binary = build(lesson.exercise)?;
        let what = format!("your exercise ({})", lesson.exercise_dir);
        Ok(Target::binary(what, &binary, lesson))
    }

    /// The lesson's own crate, built: the solution.
    pub fn reference(lesson: &Lesson) -> anyhow::Result<Target> {
        let binary = build(lesson.name)?;
        let what = format!("the lesson's own crate (crates/{})", lesson.name);
        Ok(Target::binary(what, &binary, lesson))
    }

    /// Our Python port of the original: `server.py` and `client.py`, or
    /// whichever scripts the lesson names.
    pub fn python(lesson: &Lesson) -> Target {
        let dir = workspace_root().join(lesson.python_dir());
        let script = |launch: Option<Launch>| {
            Some(Program::new(vec![
                "python3".into(),
                dir.join(launch?.script).display().to_string(),
            ]))
        };
        Target {
            what: format!("our Python port ({}/)", lesson.python_dir()),
            server: script(lesson.server),
            client: script(lesson.client),
            peer: script(lesson.peer),
        }
    }

    /// Command lines given by the learner (`--cmd`, `--client-cmd`,
    /// `--peer-cmd`).
    pub fn commands(
        server: Option<Program>,
        client: Option<Program>,
        peer: Option<Program>,
    ) -> Target {
        let what = [&server, &client, &peer]
            .into_iter()
            .flatten()
            .map(|program| format!("`{}`", program.shown()))
            .collect::<Vec<_>>()
            .join(" and ");
        Target {
            what,
            server,
            client,
            peer,
        }
    }

    /// The server's command line for a stage: `<server> [flags] [args]
    /// --bind 127.0.0.1:0`, where `args` are the stage's own (a root
    /// directory). `None` when only a client was given.
    pub fn server_command(
        &self,
        flags: &[&str],
        args: &[String],
    ) -> Option<Program> {
        let server = self.server.as_ref()?;
        Some(
            server
                .with_args(flags)
                .with_args(args)
                .with_args(&["--bind", BIND_ANY]),
        )
    }

    /// The peer's command line for a stage: `<peer> [flags] args`. `None`
    /// when no peer was given.
    pub fn peer_command(
        &self,
        flags: &[&str],
        args: &[String],
    ) -> Option<Program> {
        let peer = self.peer.as_ref()?;
        Some(peer.with_args(flags).with_args(args))
    }

    /// The client's command line for a stage: `<client> [flags] args`,
    /// where `args` is usually `--connect ADDR` and the lesson's own.
    /// `None` when only a server was given.
    pub fn client_command(
        &self,
        flags: &[&str],
        args: &[String],
    ) -> Option<Program> {
        let client = self.client.as_ref()?;
        Some(client.with_args(flags).with_args(args))
    }
}

/// The workspace's root: the checker runs from a clone of it, so the
/// place it was built from is where the lessons are.
pub fn workspace_root() -> PathBuf {
    let manifest_dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    // crates/checker -> the root.
    manifest_dir
        .ancestors()
        .nth(2)
        .unwrap_or(manifest_dir)
        .to_path_buf()
}

/// Builds `package`'s binary with cargo and returns its path. Cargo's own
/// messages, compiler errors among them, go to the learner's terminal.
pub fn build(package: &str) -> anyhow::Result<PathBuf> {
    // Under `cargo run`, CARGO names the cargo that runs us.
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut child = Command::new(cargo)
        .args(["build", "--quiet", "--package", package])
        .arg("--message-format=json-render-diagnostics")
        .current_dir(workspace_root())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .spawn()
        .context("cannot run cargo")?;
    let stdout = child.stdout.take().context("cargo's stdout")?;
    let mut binary = None;
    for line in BufReader::new(stdout).lines() {
        let line = line.context("reading cargo's messages")?;
        if let Some(path) = executable(&line, package) {
            binary = Some(path);
        }
    }
    let status = child.wait().context("waiting for cargo")?;
    if !status.success() {
        bail!("{package} does not build: cargo's errors are above");
    }
    binary.with_context(|| format!("cargo built no binary for {package}"))
}

/// The binary's path, if `message` (one line of cargo's JSON messages)
/// says it built `package`'s executable.
fn executable(message: &str, package: &str) -> Option<PathBuf> {
    let message: serde_json::Value = serde_json::from_str(message).ok()?;
    if message["reason"] != "compiler-artifact"
        || message["target"]["name"] != package
    {
        return None;
    }
    message["executable"].as_str().map(PathBuf::from)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Cargo's artifact message for a binary gives its path; other
    /// messages and other packages give none.
    #[test]
    fn the_executable_comes_from_cargos_artifact_message() {
        let bin = r#"{"reason":"compiler-artifact","target":{"name":"hello-echo","kind":["bin"]},"executable":"/t/debug/hello-echo"}"#;
        let lib = r#"{"reason":"compiler-artifact","target":{"name":"netkit","kind":["lib"]},"executable":null}"#;
        assert_eq!(
            executable(bin, "hello-echo"),
            Some(PathBuf::from("/t/debug/hello-echo"))
        );
        assert_eq!(executable(lib, "netkit"), None);
        assert_eq!(executable(bin, "time-server"), None);
        assert_eq!(executable("not json", "hello-echo"), None);
    }

    /// The flags of CONTRACT.md come after the program's own arguments.
    #[test]
    fn commands_follow_the_contract() {
        let target = Target {
            what: "t".into(),
            server: Program::parse("python3 'my server.py'"),
            client: None,
            peer: None,
        };
        let server =
            target.server_command(&["--lines"], &[]).map(|p| p.shown());
        assert_eq!(
            server.as_deref(),
            Some("python3 'my server.py' --lines --bind 127.0.0.1:0")
        );
        assert!(target.client_command(&[], &[]).is_none());
    }
}
