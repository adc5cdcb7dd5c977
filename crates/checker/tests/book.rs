//! What the stages point a learner to exists: every `book` reference is a
//! page with that section, and every function a hint names is in the
//! file the hint names. A stage that sends the learner nowhere fails here.

use std::fs;
use std::path::Path;

use checker::lessons::LESSONS;

fn root() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."))
}

/// A heading's anchor as mdBook makes it: lower case, spaces to `-`,
/// only letters, digits, `-` and `_` kept.
fn anchor(heading: &str) -> String {
    heading
        .chars()
        .filter_map(|c| {
            if c.is_alphanumeric() || c == '-' || c == '_' {
                Some(c.to_ascii_lowercase())
            } else if c.is_whitespace() {
                Some('-')
            } else {
                None
            }
        })
        .collect()
}

#[test]
fn every_book_reference_is_a_section_of_a_page() {
    for lesson in LESSONS {
        for stage in lesson.stages {
            let (page, section) = stage.book.split_once('#').unwrap();
            let text = fs::read_to_string(root().join("docs/src").join(page))
                .unwrap_or_else(|err| panic!("{}: {page}: {err}", stage.slug));
            let anchors: Vec<String> = text
                .lines()
                .filter_map(|line| {
                    line.trim_start_matches('#')
                        .strip_prefix(' ')
                        .filter(|_| line.starts_with('#'))
                })
                .map(anchor)
                .collect();
            assert!(
                anchors.iter().any(|a| a == section),
                "{}: {page} has no section #{section}",
                stage.slug
            );
        }
    }
}

#[test]
fn every_function_a_hint_names_is_in_the_file_it_names() {
    for lesson in LESSONS {
        for stage in lesson.stages {
            let files: Vec<String> = stage
                .hint
                .split(|c: char| c.is_whitespace() || "(),:".contains(c))
                .map(|word| word.trim_end_matches('.'))
                .filter(|word| {
                    word.starts_with("crates/") && word.ends_with(".rs")
                })
                .map(|path| fs::read_to_string(root().join(path)).unwrap())
                .collect();
            assert!(
                !files.is_empty(),
                "{}: the hint names no file",
                stage.slug
            );
            for name in stage.hint.split('`').skip(1).step_by(2) {
                if !name.chars().all(|c| c.is_alphanumeric() || c == '_') {
                    continue; // an expression, not a name
                }
                let defined = files.iter().any(|file| {
                    ["fn", "struct", "enum", "const"]
                        .iter()
                        .any(|kind| file.contains(&format!("{kind} {name}")))
                });
                assert!(
                    defined,
                    "{}: `{name}` is in none of its files",
                    stage.slug
                );
            }
        }
    }
}
