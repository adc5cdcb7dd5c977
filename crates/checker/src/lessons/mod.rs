//! The lessons the checker knows, each with its stages in the order a
//! learner meets them.

pub mod chat_room;
pub mod file_downloader;
pub mod hello_echo;
pub mod http_get;
pub mod select_server;
pub mod shared;
pub mod time_server;
pub mod udp_chat;

use crate::stage::Stage;

/// How one end of a lesson is started: a subcommand of the lesson's
/// binary (and of its exercise), and a script of our Python port.
#[derive(Clone, Copy, Debug)]
pub struct Launch {
    /// The binary's subcommand (`server`); `None` for a binary that is
    /// only a client (http-get).
    pub subcommand: Option<&'static str>,
    /// The script in `crates/<lesson>/python/` (`server.py`).
    pub script: &'static str,
}

/// `<binary> server`, `python3 server.py`: most lessons' server.
pub const SERVER: Launch = Launch {
    subcommand: Some("server"),
    script: "server.py",
};

/// `<binary> client`, `python3 client.py`: most lessons' client.
pub const CLIENT: Launch = Launch {
    subcommand: Some("client"),
    script: "client.py",
};

/// A lesson: its crate, its exercise and its stages.
#[derive(Clone, Copy, Debug)]
pub struct Lesson {
    /// The lesson's crate, which is also the reference solution.
    pub name: &'static str,
    /// The exercise's package: what `cargo run -p` builds.
    pub exercise: &'static str,
    /// The exercise's directory, from the workspace's root.
    pub exercise_dir: &'static str,
    /// How its server is started; `None` for a lesson with no server.
    pub server: Option<Launch>,
    /// How its client is started; `None` for a lesson with no client.
    pub client: Option<Launch>,
    /// How a peer is started, for a lesson whose program is both ends at
    /// once (udp-chat's `chat`); `None` for most.
    pub peer: Option<Launch>,
    /// Its stages, in order.
    pub stages: &'static [Stage],
}

impl Lesson {
    /// The directory of our Python port, from the workspace's root.
    pub fn python_dir(&self) -> String {
        format!("crates/{}/python", self.name)
    }

    /// The stage named `slug`, or numbered `slug` (1-based), with its
    /// number.
    pub fn find(&self, slug: &str) -> Option<(usize, &'static Stage)> {
        let by_number = slug
            .parse::<usize>()
            .ok()
            .filter(|n| (1..=self.stages.len()).contains(n));
        let index = match by_number {
            Some(number) => number - 1,
            None => self.stages.iter().position(|s| s.slug == slug)?,
        };
        Some((index + 1, &self.stages[index]))
    }
}

/// Every lesson with stages.
pub const LESSONS: &[Lesson] = &[
    hello_echo::LESSON,
    time_server::LESSON,
    udp_chat::LESSON,
    file_downloader::LESSON,
    chat_room::LESSON,
    http_get::LESSON,
    select_server::LESSON,
];
