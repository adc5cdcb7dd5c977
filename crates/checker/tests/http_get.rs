//! http-get's stages, tested from outside: the lesson's own crate passes
//! every stage; our Python port of the original fails exactly where the
//! original is broken (it ends every body at the close, and follows no
//! redirect); and a small client with one defect at a time
//! (tests/mutants/http-get/client.py, each defect documented there) fails
//! the stage that checks what it breaks, and only that one, while the
//! correct one, and one that sends its request in slow pieces, fail none.

mod common;

use common::{assert_reference_passes, client_fails, python_run};

const LESSON: &str = "http-get";

/// `--reference` builds crates/http-get and passes all its stages.
#[test]
fn the_lesson_crate_passes_every_stage() {
    assert_reference_passes(LESSON, 15);
}

/// The original takes the server's close for the end of every body: it
/// saves a chunked body with its framing, waits for a close after a
/// HEAD or a 204, and cannot tell a body cut short from a whole one. It
/// takes the first empty line for the end of the head, so a `100
/// Continue` is its answer; and it follows no redirect.
#[test]
fn the_python_port_fails_where_the_original_is_broken() {
    let run = python_run(LESSON);
    assert_eq!(run.code, Some(1), "{run:?}");
    assert_eq!(
        run.failed(),
        [
            "chunked",
            "head",
            "no-body",
            "short-body",
            "interim",
            "redirect",
            "relative-location",
            "redirect-limit"
        ],
        "{run:?}"
    );
    assert!(run.stdout.contains("follows no redirects"), "{run:?}");
}

/// The mutant's base program, with no defect, passes every stage.
#[test]
fn a_correct_client_passes_everything() {
    assert_eq!(client_fails(LESSON, "''", None), Vec::<String>::new());
}

/// A request written in three pieces a quarter of a second apart is
/// correct: a checker that took one read for a whole request would fail
/// it.
#[test]
fn a_request_in_slow_pieces_passes_everything() {
    assert_eq!(client_fails(LESSON, "pieces", None), Vec::<String>::new());
}

#[test]
fn no_host_header_fails_request() {
    assert_eq!(client_fails(LESSON, "no-host", None), ["request"]);
}

#[test]
fn an_unasked_header_fails_request_headers() {
    assert_eq!(
        client_fails(LESSON, "accept-encoding", None),
        ["request-headers"]
    );
}

#[test]
fn a_body_decoded_as_text_fails_content_length() {
    assert_eq!(client_fails(LESSON, "text-body", None), ["content-length"]);
}

#[test]
fn chunks_saved_undecoded_fail_chunked() {
    assert_eq!(client_fails(LESSON, "raw-chunks", None), ["chunked"]);
}

#[test]
fn needing_a_length_fails_until_close() {
    assert_eq!(client_fails(LESSON, "needs-length", None), ["until-close"]);
}

#[test]
fn reading_a_body_after_head_fails_head() {
    assert_eq!(client_fails(LESSON, "head-reads-body", None), ["head"]);
}

#[test]
fn waiting_for_a_204_body_fails_no_body() {
    assert_eq!(client_fails(LESSON, "body-after-204", None), ["no-body"]);
}

#[test]
fn saving_an_error_page_fails_status_error() {
    assert_eq!(
        client_fails(LESSON, "saves-error-pages", None),
        ["status-error"]
    );
}

#[test]
fn any_first_line_taken_for_a_200_fails_bad_status() {
    assert_eq!(client_fails(LESSON, "lax-status", None), ["bad-status"]);
}

#[test]
fn a_cut_body_saved_as_whole_fails_short_body() {
    assert_eq!(client_fails(LESSON, "saves-short", None), ["short-body"]);
}

#[test]
fn no_timeout_fails_stall() {
    assert_eq!(client_fails(LESSON, "no-timeout", None), ["stall"]);
}

#[test]
fn a_100_taken_for_the_answer_fails_interim() {
    assert_eq!(client_fails(LESSON, "interim-as-final", None), ["interim"]);
}

#[test]
fn not_following_a_303_fails_redirect() {
    assert_eq!(client_fails(LESSON, "no-303", None), ["redirect"]);
}

#[test]
fn a_location_resolved_from_the_root_fails_relative_location() {
    assert_eq!(
        client_fails(LESSON, "location-from-root", None),
        ["relative-location"]
    );
}

#[test]
fn one_redirect_too_many_fails_redirect_limit() {
    assert_eq!(
        client_fails(LESSON, "one-more-redirect", None),
        ["redirect-limit"]
    );
}
