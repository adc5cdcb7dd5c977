//! `http-get demo`: the original's program, on loopback. It fetches a JSON
//! document that lists image URLs (the original asked a web API for ten
//! pictures), then downloads every URL in it with a pool of workers.
//!
//! The fixture server answers the four ways a body can end: a length,
//! chunks, a redirect first, and a body that ends when the server closes.

use std::io::Read;

use anyhow::Context;
use serde_json::{Value, json};

use crate::client::{Options, fetch};
use crate::download::{Job, Save, Settings, run_all};
use crate::fixture::{Reply, Routes, chunked, ok, redirect, serve};
use crate::target::parse_target;

/// The demo's pictures: name, size and how the server sends it.
const PICTURES: [(&str, usize, &str); 4] = [
    ("1.jpg", 50_000, "Content-Length"),
    ("2.jpg", 120_000, "chunked"),
    ("3.jpg", 8_000, "a 302 redirect first"),
    ("4.jpg", 30_000, "until the server closes"),
];

/// Bytes that look like nothing in particular, the same every run.
fn picture(size: usize, seed: u8) -> Vec<u8> {
    (0..size)
        .map(|i| (i as u8).wrapping_mul(31).wrapping_add(seed))
        .collect()
}

/// The JSON list's path, in the shape of the original's picture API.
pub const API: &str = "/api/meinv?num=4";

/// Adds the demo's routes to `routes`, for a server at `base`
/// (`http://127.0.0.1:PORT`): the JSON list at [`API`] and the four
/// pictures it names, each sent one of the four ways a body can come.
pub fn picture_routes(mut routes: Routes, base: &str) -> Routes {
    let list: Vec<Value> = PICTURES
        .iter()
        .map(|(name, _, _)| json!({ "picUrl": format!("{base}/img/{name}") }))
        .collect();
    // A `Value` built in memory always serialises: its keys are strings.
    let api =
        serde_json::to_vec_pretty(&json!({ "code": 200, "newslist": list }))
            .expect("a JSON value serialises");
    routes = routes.at(API, ok(&api, "application/json"));
    for (n, (name, size, how)) in PICTURES.iter().enumerate() {
        let body = picture(*size, n as u8);
        let path = format!("/img/{name}");
        let reply = match *how {
            "Content-Length" => ok(&body, "image/jpeg"),
            "chunked" => chunked(&body, &[16_384, 1_000]),
            "until the server closes" => Reply::Bytes(
                [
                    &b"HTTP/1.1 200 OK\r\nContent-Type: image/jpeg\r\n\r\n"[..],
                    &body,
                ]
                .concat(),
            ),
            _ => {
                let moved = format!("/img/moved/{name}");
                routes = routes.at(&moved, ok(&body, "image/jpeg"));
                redirect(302, &moved)
            }
        };
        routes = routes.at(&path, reply);
    }
    routes
}

/// Runs the demo; prints what happens on stdout.
pub fn demo() -> anyhow::Result<()> {
    let listener = netkit::listen("127.0.0.1:0")?;
    let base = format!("http://{}", listener.local_addr()?);
    let routes = picture_routes(
        Routes::new().logging(netkit::demo::stdout_log("server: ")),
        &base,
    );
    let shutdown = netkit::Shutdown::new();
    let server = std::thread::spawn({
        let (shutdown, config) = (
            shutdown.clone(),
            netkit::ServerConfig {
                log: netkit::Log::to(|_| {}),
                ..Default::default()
            },
        );
        move || serve(listener, &shutdown, routes, &config)
    });
    let result = run(&base);
    shutdown.trigger();
    let _ = server.join();
    result
}

fn run(base: &str) -> anyhow::Result<()> {
    let api = format!("{base}{API}");
    println!("server: serving 4 pictures and a JSON list of them at {api}");
    let mut response = fetch(parse_target(&api)?, &Options::default())?;
    let mut text = String::new();
    response.read_to_string(&mut text)?;
    println!("client: GET {api} -> {}", response.head.status_line());
    let data: Value = serde_json::from_str(&text).context("the API's JSON")?;
    let urls: Vec<String> = data["newslist"]
        .as_array()
        .context("no newslist in the JSON")?
        .iter()
        .filter_map(|item| item["picUrl"].as_str().map(str::to_owned))
        .collect();
    println!(
        "client: the JSON lists {} URLs; downloading them, 3 at a time",
        urls.len()
    );
    let dir = tempfile::tempdir()?;
    let jobs: Vec<Job> = urls
        .iter()
        .map(|url| Job {
            url: url.clone(),
            save: crate::download::remote_name(url, dir.path()),
        })
        .collect();
    let outcomes = run_all(jobs, 3, &Settings::default());
    for (n, ((job, result), (name, size, how))) in
        outcomes.iter().zip(PICTURES).enumerate()
    {
        let saved = result
            .as_ref()
            .map_err(|err| anyhow::anyhow!("{}: {err:#}", job.url))?;
        let Save::File(path) = &job.save else {
            anyhow::bail!("{name} was not saved to a file");
        };
        let same = std::fs::read(path)? == picture(size, n as u8);
        let verdict = if same {
            "identical to the server's"
        } else {
            "DIFFERENT from the server's"
        };
        println!("client: {name}: {} bytes ({how}), {verdict}", saved.bytes);
    }
    Ok(())
}
