//! The lessons the checker knows, each with its stages in the order a
//! learner meets them.

pub mod hello_echo;

use crate::stage::Stage;

/// A lesson: its crate, its exercise and its stages.
#[derive(Clone, Copy, Debug)]
pub struct Lesson {
    /// The lesson's crate, which is also the reference solution.
    pub name: &'static str,
    /// The exercise's package: what `cargo run -p` builds.
    pub exercise: &'static str,
    /// The exercise's directory, from the workspace's root.
    pub exercise_dir: &'static str,
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
pub const LESSONS: &[Lesson] = &[hello_echo::LESSON];
