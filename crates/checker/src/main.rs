//! The `checker` command: parses arguments, picks the program to check,
//! runs the stages. Exit 0 when every stage passed, 1 when one failed (or
//! the program does not build), 2 on a usage error.

use std::io;
use std::process::ExitCode;
use std::time::{SystemTime, UNIX_EPOCH};

use anyhow::Context;
use checker::lessons::Lesson;
use checker::program::Program;
use checker::progress::{HINT_AFTER, Progress};
use checker::stage::{Outcome, RunOptions};
use checker::target::{Target, workspace_root};
use clap::Parser;
use clap::builder::PossibleValuesParser;

/// Checks a lesson's exercise stage by stage: starts your program, talks
/// to it over loopback, and tells you what it got wrong.
#[derive(Parser, Debug)]
#[command(
    version,
    after_help = "Any program that keeps CONTRACT.md can be checked: a \
                  server that takes --bind HOST:PORT and prints `listening \
                  on IP:PORT`, a client that takes --connect HOST:PORT."
)]
struct Cli {
    /// The lesson to check, or `all`: every lesson, a line each
    #[arg(value_parser = PossibleValuesParser::new(lesson_names()))]
    lesson: String,

    /// List the stages, what each checks and where the book explains it
    #[arg(long)]
    list: bool,

    /// Check again every time a file of the exercise is saved
    #[arg(long, conflicts_with_all = ["reference", "python", "cmd", "client_cmd", "peer_cmd"])]
    watch: bool,

    /// Check the lesson's own crate (every stage passes)
    #[arg(long, conflicts_with_all = ["python", "cmd", "client_cmd", "peer_cmd"])]
    reference: bool,

    /// Check our Python port of the original (see where it breaks)
    #[arg(long, conflicts_with_all = ["cmd", "client_cmd", "peer_cmd"])]
    python: bool,

    /// Check this server instead: it is run as COMMAND --bind 127.0.0.1:0
    #[arg(long, value_name = "COMMAND")]
    cmd: Option<String>,

    /// Check this client: it is run as COMMAND --connect 127.0.0.1:PORT
    #[arg(long, value_name = "COMMAND")]
    client_cmd: Option<String>,

    /// Check this peer (udp-chat's chat): run as COMMAND --bind
    /// 127.0.0.1:0 --peer 127.0.0.1:PORT
    #[arg(long, value_name = "COMMAND")]
    peer_cmd: Option<String>,

    /// Run the stages up to this one (a number or a name)
    #[arg(long, value_name = "N|NAME")]
    stage: Option<String>,

    /// Go on after a failed stage, to see every stage's result
    #[arg(long)]
    keep_going: bool,

    /// Use this seed for the random names and pauses (repeats a run)
    #[arg(long, value_name = "N")]
    seed: Option<u64>,

    /// Show a hint for the stage that fails
    #[arg(long)]
    hint: bool,

    /// Put the exercise back as it was shipped (your version is kept in
    /// `git stash`)
    #[arg(long, conflicts_with_all = ["reference", "python", "cmd", "client_cmd", "peer_cmd", "watch"])]
    reset: bool,
}

fn lesson_names() -> Vec<&'static str> {
    let lessons = checker::lessons::LESSONS.iter().map(|l| l.name);
    lessons.chain([ALL]).collect()
}

/// The lesson argument that stands for every lesson.
const ALL: &str = "all";

fn main() -> ExitCode {
    let cli = Cli::parse();
    // The programs under test are in process groups of their own, so the
    // terminal's Ctrl-C does not reach them: stop them here, then leave.
    let _ = ctrlc::set_handler(|| {
        checker::program::kill_all();
        std::process::exit(130);
    });
    match run(cli) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(err) => {
            eprintln!("error: {err:#}");
            ExitCode::FAILURE
        }
    }
}

/// Does what the command line asks; returns whether every stage passed.
fn run(cli: Cli) -> anyhow::Result<bool> {
    if cli.lesson == ALL {
        return run_all(&cli);
    }
    let lesson = checker::lesson(&cli.lesson).context("unknown lesson")?;
    let mut out = io::stdout();
    if cli.list {
        checker::list(lesson, &mut out)?;
        return Ok(true);
    }
    if cli.reset {
        println!("{}", checker::reset(lesson)?);
        return Ok(true);
    }
    let up_to = match &cli.stage {
        None => None,
        Some(stage) => match lesson.find(stage) {
            Some((number, _)) => Some(number),
            None => usage(&format!(
                "{} has no stage {stage:?}; --list shows them",
                lesson.name
            )),
        },
    };
    let options = RunOptions {
        seed: cli.seed.unwrap_or_else(seed_from_clock),
        up_to,
        keep_going: cli.keep_going,
    };
    if cli.watch {
        let dir = workspace_root().join(lesson.exercise_dir);
        checker::watch::watch(&dir, lesson.exercise_dir, || {
            if let Err(err) = check_exercise(lesson, &cli, options) {
                println!("error: {err:#}");
            }
        });
    }
    if cli.reference
        || cli.python
        || cli.cmd.is_some()
        || cli.client_cmd.is_some()
        || cli.peer_cmd.is_some()
    {
        let target = other_target(lesson, &cli)?;
        let outcome =
            checker::check(lesson, &target, options, &repeat(&cli), &mut out)?;
        if cli.hint {
            print_hint(lesson, &outcome);
        }
        return Ok(outcome.success());
    }
    check_exercise(lesson, &cli, options)
}

/// `all`: every lesson's stages against its exercise (or its crate, or
/// its Python port), one line each.
fn run_all(cli: &Cli) -> anyhow::Result<bool> {
    let only_one = [
        (cli.cmd.is_some(), "--cmd"),
        (cli.client_cmd.is_some(), "--client-cmd"),
        (cli.peer_cmd.is_some(), "--peer-cmd"),
        (cli.watch, "--watch"),
        (cli.reset, "--reset"),
        (cli.stage.is_some(), "--stage"),
        (cli.hint, "--hint"),
    ];
    if let Some((_, flag)) = only_one.iter().find(|(given, _)| *given) {
        usage(&format!("{flag} takes one lesson, not `all`"));
    }
    let mut out = io::stdout();
    if cli.list {
        for lesson in checker::lessons::LESSONS {
            checker::list(lesson, &mut out)?;
        }
        return Ok(true);
    }
    let options = RunOptions {
        seed: cli.seed.unwrap_or_else(seed_from_clock),
        up_to: None,
        keep_going: cli.keep_going,
    };
    let mut every_one_passed = true;
    for lesson in checker::lessons::LESSONS {
        let target = if cli.reference {
            Target::reference(lesson)?
        } else if cli.python {
            Target::python(lesson)
        } else {
            Target::exercise(lesson)?
        };
        let outcome = checker::check_quietly(lesson, &target, options)?;
        println!("{}", checker::one_line(lesson, &outcome));
        every_one_passed &= outcome.success();
    }
    println!(
        "(seed {}; `cargo run -p checker -- LESSON` for the details)",
        options.seed
    );
    Ok(every_one_passed)
}

/// Builds and checks the learner's exercise, counts its failures, and
/// shows a hint when asked or after [`HINT_AFTER`] failures in a row.
fn check_exercise(
    lesson: &Lesson,
    cli: &Cli,
    options: RunOptions,
) -> anyhow::Result<bool> {
    let target = Target::exercise(lesson)?;
    let outcome = checker::check(
        lesson,
        &target,
        options,
        &repeat(cli),
        &mut io::stdout(),
    )?;
    let failures = Progress::load(lesson.name).record(&outcome);
    if cli.hint || failures >= HINT_AFTER {
        print_hint(lesson, &outcome);
    } else if !outcome.success() {
        println!("stuck? add --hint to see where the lesson's crate does it");
    }
    Ok(outcome.success())
}

/// The target for `--reference`, `--python`, `--cmd` and `--client-cmd`.
fn other_target(lesson: &Lesson, cli: &Cli) -> anyhow::Result<Target> {
    if cli.reference {
        return Target::reference(lesson);
    }
    if cli.python {
        return Ok(Target::python(lesson));
    }
    let parse = |flag: &str, command: &Option<String>| {
        command.as_ref().map(|text| {
            Program::parse(text).unwrap_or_else(|| {
                usage(&format!("{flag} {text:?} is not a command line"))
            })
        })
    };
    let server = parse("--cmd", &cli.cmd);
    let client = parse("--client-cmd", &cli.client_cmd);
    let peer = parse("--peer-cmd", &cli.peer_cmd);
    Ok(Target::commands(server, client, peer))
}

/// The command that repeats this run, for the report's last line.
fn repeat(cli: &Cli) -> String {
    let mut command = format!("cargo run -p checker -- {}", cli.lesson);
    for (flag, on) in [
        ("--reference", cli.reference),
        ("--python", cli.python),
        ("--keep-going", cli.keep_going),
    ] {
        if on {
            command.push(' ');
            command.push_str(flag);
        }
    }
    for (flag, value) in [
        ("--cmd", &cli.cmd),
        ("--client-cmd", &cli.client_cmd),
        ("--peer-cmd", &cli.peer_cmd),
        ("--stage", &cli.stage),
    ] {
        if let Some(value) = value {
            let value = shlex::try_quote(value)
                .map(|quoted| quoted.into_owned())
                .unwrap_or_else(|_| value.clone());
            command.push_str(&format!(" {flag} {value}"));
        }
    }
    command
}

/// Prints the hint of the stage that failed, if one did.
fn print_hint(lesson: &Lesson, outcome: &Outcome) {
    if let Some(hint) = checker::hint(lesson, outcome) {
        println!("{hint}");
    }
}

/// A seed from the clock, printed with the results so a run can be
/// repeated.
fn seed_from_clock() -> u64 {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    // Small enough to type: the milliseconds within a day, plus a bit.
    (now.as_millis() % 100_000_000) as u64
}

/// A usage error: one line and exit code 2, as clap does for its own.
fn usage(message: &str) -> ! {
    eprintln!("error: {message}");
    std::process::exit(2);
}
