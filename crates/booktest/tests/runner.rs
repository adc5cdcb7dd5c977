//! The runner on small pages of its own: what a page shows is what is
//! compared, a server's port is the one it really got, `echo $?` shows
//! the command's status.

use std::path::Path;

use booktest::run::Runner;

fn runner() -> Runner {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let exe = std::env::current_exe().expect("the test's path");
    let bins = exe
        .parent()
        .and_then(Path::parent)
        .expect("target/<profile>");
    Runner {
        root: root.canonicalize().expect("the repository's root"),
        bins: bins.to_path_buf(),
    }
}

/// The problems the runner finds on a page made of `text`.
fn problems(text: &str) -> Vec<String> {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let page = dir.path().join("page.md");
    std::fs::write(&page, text).expect("write the page");
    let runner = runner();
    runner.build().expect("the workspace's binaries build");
    runner.run_page(&page)
}

#[test]
fn echo_status_shows_the_commands_status() {
    let page = "# Status\n\n```console\n$ false\n$ echo $?\n1\n$ true\n$ echo $?\n0\n```\n";
    assert_eq!(problems(page), Vec::<String>::new());
}

#[test]
fn a_session_runs_its_server_on_a_free_port_and_stops_it() {
    let page = "\
# Two terminals

```console
$ cargo run -q -p rawsock -- listen 127.0.0.1:9999 --send 'Welcome!\\n' --quiet 3000
listening on 127.0.0.1:9999
connection from 127.0.0.1:51000
> Welcome!\\n
< hi\\n
(reset by the peer)
^C
```

```console
$ cargo run -q -p rawsock -- connect 127.0.0.1:9999 --send 'hi\\n' --pause 300 --quiet 300 --reset
< Welcome!\\n
> hi\\n
(closed)
```
";
    assert_eq!(problems(page), Vec::<String>::new());
    let drifted = page.replace("< Welcome!\\n\n> hi", "< Welcome!!\\n\n> hi");
    let found = problems(&drifted);
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(
        found[0].contains(
            "page.md:14: `$ cargo run -q -p rawsock -- connect 127.0.0.1:9999"
        ),
        "{found:?}"
    );
}
