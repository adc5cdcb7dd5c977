//! Whether a figure stayed flat over a soak, as pure functions over the
//! samples: which samples make the first and the last window, what each
//! window says (its median, or its least value), and the rule that
//! compares the two.
//!
//! ```text
//!   samples, one a second:  ▁▂▂▂▂▂▂▂▂▂▂▂ ... ▂▂▂▂▂▂▃▂▂▂▂▂
//!                           └─ first ─┘        └─ last ──┘
//!                           a third of the run, at most a minute each
//!   flat: |level(last) - level(first)| <= allowance(first)
//! ```
//!
//! Memory is judged by each window's median, not a mean or a maximum: a
//! sample taken during a burst of connections is higher for that second,
//! and a median ignores such moments while they are a minority, where a
//! leak moves every sample after it.
//!
//! Threads and descriptors are judged by each window's least value: a
//! fault that holds a connection for 12 s out of a 17 s round keeps a
//! thread and a descriptor busy most of the time, so a window's median
//! says which fault was running, not whether anything leaked. What a leak
//! leaves behind is still there when every connection has gone: the
//! floor rises.

use std::fmt;
use std::time::Duration;

/// The longest window: a minute is 60 samples, enough for a median that
/// one busy second cannot move and for several rounds of faults (so a
/// moment when none is running), and short enough that the last minute
/// of a 5-minute run is well clear of the first.
pub const MAX_WINDOW: Duration = Duration::from_secs(60);

/// A window is this fraction of the run, up to [`MAX_WINDOW`]: the first
/// and last third at most (a 5-minute soak has minute windows, three
/// minutes apart; a 1-minute one, 20 s ones, longer than one round of
/// faults).
pub const WINDOW_FRACTION: u32 = 3;

/// How far the last window's median may move from the first's, as a
/// fraction of the first: resident memory wobbles by a few percent as
/// the allocator keeps or returns pages, so 10% is well above that
/// noise, and a leak that adds 10% within minutes adds 100% within an
/// hour.
pub const TOLERANCE: f64 = 0.10;

/// The least a count (threads, descriptors) may move, whatever 10% of it
/// is: 10% of 4 descriptors is less than one. Two is a connection's worth
/// and one more, for a window in which some client was connected at
/// every sample; a leak of one descriptor per connection grows by
/// hundreds over a soak, far past it.
pub const COUNT_SLACK: u64 = 2;

/// What one window's samples are reduced to before the two are compared.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Level {
    /// The middle sample: what the figure mostly was.
    Median,
    /// The lowest sample: what was left when the least was going on.
    Least,
}

/// How a figure is judged: each window's [`Level`], and how far the last
/// may move from the first.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Rule {
    /// What a window's samples are reduced to.
    pub level: Level,
    /// A fraction of the first window's level.
    pub fraction: f64,
    /// The least allowance, in the figure's unit.
    pub at_least: u64,
}

/// Resident memory: medians within 10% (it is thousands of KiB, where
/// 10% means something).
pub const MEMORY_RULE: Rule = Rule {
    level: Level::Median,
    fraction: TOLERANCE,
    at_least: 0,
};

/// Threads and descriptors: the floors within 10% or [`COUNT_SLACK`],
/// whichever is larger.
pub const COUNT_RULE: Rule = Rule {
    level: Level::Least,
    fraction: TOLERANCE,
    at_least: COUNT_SLACK,
};

impl Rule {
    /// How far the last median may be from `first`.
    pub fn allowance(self, first: u64) -> u64 {
        // Rounded down: "within 10%" of 25 allows 2, not 3.
        let share = (first as f64 * self.fraction).floor() as u64;
        share.max(self.at_least)
    }

    /// Whether `last` is within the allowance of `first`, either way.
    pub fn holds(self, first: u64, last: u64) -> bool {
        first.abs_diff(last) <= self.allowance(first)
    }
}

/// The rule in words, for the report and the book page.
impl fmt::Display for Rule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let percent = self.fraction * 100.0;
        let level = match self.level {
            Level::Median => "median",
            Level::Least => "least",
        };
        write!(
            f,
            "the last window's {level} within {percent:.0}% of the first's"
        )?;
        if self.at_least > 0 {
            write!(f, " or {}, whichever is larger", self.at_least)?;
        }
        Ok(())
    }
}

/// How many samples each window holds, for a run of `samples` samples
/// taken `period` apart: a [`WINDOW_FRACTION`] of them, at most
/// [`MAX_WINDOW`]'s worth, and at least one.
pub fn window_len(samples: usize, period: Duration) -> usize {
    let most = (MAX_WINDOW.as_secs_f64() / period.as_secs_f64()) as usize;
    (samples / WINDOW_FRACTION as usize).min(most).max(1)
}

/// The median of `values` (the upper of the two middle ones for an even
/// count, so that it is always a value that was seen); `None` if empty.
pub fn median(values: &[u64]) -> Option<u64> {
    let mut sorted = values.to_vec();
    sorted.sort_unstable();
    sorted.get(sorted.len() / 2).copied()
}

/// One figure over a soak: the levels of its first and last windows,
/// the most it reached, and whether it stayed flat by its rule.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Figure {
    /// The first window's level (its median or least, by the rule).
    pub first: u64,
    /// The last window's level.
    pub last: u64,
    /// The largest sample of the whole run.
    pub peak: u64,
    /// The rule it is judged by.
    pub rule: Rule,
}

impl Figure {
    /// Judges `values` (one per sample, in order) with windows of
    /// `window` samples; `None` if there are none.
    pub fn of(values: &[u64], window: usize, rule: Rule) -> Option<Figure> {
        let window = window.clamp(1, values.len().max(1));
        let level = |samples: &[u64]| match rule.level {
            Level::Median => median(samples),
            Level::Least => samples.iter().copied().min(),
        };
        let first = level(values.get(..window)?)?;
        let last = level(values.get(values.len().checked_sub(window)?..)?)?;
        Some(Figure {
            first,
            last,
            peak: values.iter().copied().max()?,
            rule,
        })
    }

    /// Whether the last window is within the rule of the first.
    pub fn flat(&self) -> bool {
        self.rule.holds(self.first, self.last)
    }

    /// The change from the first window to the last, in percent of the
    /// first (0 for a first of 0 that stayed 0).
    pub fn change_percent(&self) -> f64 {
        let (first, last) = (self.first as f64, self.last as f64);
        if self.first == 0 {
            return if self.last == 0 { 0.0 } else { 100.0 };
        }
        (last - first) / first * 100.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECOND: Duration = Duration::from_secs(1);

    /// A third of the run, capped at a minute of one-second samples.
    #[test]
    fn windows_are_a_third_up_to_a_minute() {
        assert_eq!(window_len(61, SECOND), 20);
        assert_eq!(window_len(301, SECOND), 60);
        assert_eq!(window_len(3601, SECOND), 60);
        assert_eq!(window_len(3, SECOND), 1);
        assert_eq!(window_len(0, SECOND), 1);
    }

    /// The median is a value that was seen, whatever the order.
    #[test]
    fn median_is_the_middle_value() {
        assert_eq!(median(&[5, 1, 3]), Some(3));
        assert_eq!(median(&[4, 1, 3, 2]), Some(3));
        assert_eq!(median(&[7]), Some(7));
        assert_eq!(median(&[]), None);
    }

    /// 10% either way for memory; for counts, 2 where 10% is less.
    #[test]
    fn the_rule_allows_ten_percent_or_the_slack() {
        assert!(MEMORY_RULE.holds(3000, 3300));
        assert!(!MEMORY_RULE.holds(3000, 3301));
        assert!(MEMORY_RULE.holds(3000, 2700));
        assert!(!MEMORY_RULE.holds(3000, 2699));
        assert!(COUNT_RULE.holds(4, 6));
        assert!(!COUNT_RULE.holds(4, 7));
        assert!(COUNT_RULE.holds(100, 110));
        assert!(!COUNT_RULE.holds(100, 111));
        assert_eq!(COUNT_RULE.allowance(25), 2);
    }

    /// The rule reads as the page states it.
    #[test]
    fn the_rule_is_said_in_words() {
        assert_eq!(
            MEMORY_RULE.to_string(),
            "the last window's median within 10% of the first's"
        );
        assert_eq!(
            COUNT_RULE.to_string(),
            "the last window's least within 10% of the first's or 2, \
             whichever is larger"
        );
    }

    /// A busy moment in a window does not move its median; a leak that
    /// moves every later sample does.
    #[test]
    fn a_spike_is_flat_and_a_leak_is_not() {
        let mut spiky = vec![3000; 20];
        spiky[2] = 9000;
        spiky[18] = 9000;
        let figure = Figure::of(&spiky, 4, MEMORY_RULE).unwrap();
        assert_eq!(
            (figure.first, figure.last, figure.peak),
            (3000, 3000, 9000)
        );
        assert!(figure.flat());

        let leak: Vec<u64> = (0..20).map(|i| 3000 + 100 * i).collect();
        let figure = Figure::of(&leak, 4, MEMORY_RULE).unwrap();
        assert_eq!((figure.first, figure.last), (3200, 4800));
        assert!(!figure.flat());
        assert_eq!(figure.change_percent(), 50.0);
        assert_eq!(Figure::of(&[], 4, MEMORY_RULE), None);
    }

    /// A count busy most of the time (a held connection) but back to its
    /// floor once per window is flat whatever its median; a floor that
    /// rises is a leak.
    #[test]
    fn a_count_is_judged_by_its_floor() {
        // 6 at rest, 12 while a fault holds its connection: the first
        // window mostly held, the last mostly at rest.
        let held = [12, 12, 6, 12, 12, 6, 6, 6, 6, 12, 6, 6];
        let figure = Figure::of(&held, 5, COUNT_RULE).unwrap();
        assert_eq!((figure.first, figure.last, figure.peak), (6, 6, 12));
        assert!(figure.flat());

        let leak = [6, 12, 6, 12, 7, 8, 9, 13, 9, 10, 14, 10];
        let figure = Figure::of(&leak, 4, COUNT_RULE).unwrap();
        assert_eq!((figure.first, figure.last), (6, 9));
        assert!(!figure.flat());
    }
}
