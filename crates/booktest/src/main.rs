//! `booktest [PAGE.md...]`: runs the transcripts of the given pages (all
//! of docs/src by default) and prints where each differs from the page.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use booktest::run::{Runner, pages};

fn main() -> ExitCode {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let root = root.canonicalize().unwrap_or(root);
    let Some(bins) = std::env::current_exe()
        .ok()
        .and_then(|exe| exe.parent().map(Path::to_path_buf))
    else {
        eprintln!("error: cannot tell where the built binaries are");
        return ExitCode::FAILURE;
    };
    let runner = Runner { root, bins };
    if let Err(e) = runner.build() {
        eprintln!("error: {e}");
        return ExitCode::FAILURE;
    }
    let mut chosen: Vec<PathBuf> =
        std::env::args_os().skip(1).map(PathBuf::from).collect();
    if chosen.is_empty() {
        chosen = pages(&runner.root);
    }
    let mut problems = 0;
    for page in &chosen {
        let page = page.canonicalize().unwrap_or_else(|_| page.clone());
        let found = runner.run_page(&page);
        for problem in &found {
            println!("{problem}");
        }
        problems += found.len();
    }
    if problems > 0 {
        println!(
            "{problems} transcript problem(s) in {} page(s)",
            chosen.len()
        );
        return ExitCode::FAILURE;
    }
    println!(
        "every transcript of {} page(s) printed what its page shows",
        chosen.len()
    );
    ExitCode::SUCCESS
}
