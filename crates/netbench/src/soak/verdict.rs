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

use std::fmt;

use super::sampler::SAMPLE_PERIOD;
use crate::stats::thousands;

/// How a figure is judged. Both allow 10% of the first window's level
/// either way: resident memory wobbles by a few percent as the allocator
/// keeps or returns pages, and a leak that adds 10% within minutes adds
/// 100% within an hour.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Rule {
    /// Resident memory: each window's median, not a mean or a maximum: a
    /// sample during a burst of connections is higher for that second,
    /// and a median ignores such moments while they are a minority, where
    /// a leak moves every sample after it.
    Memory,
    /// Threads and descriptors: each window's least value, since a fault
    /// that holds a connection for 12 s of a 17 s round keeps a thread
    /// busy most of the time; what a leak leaves behind is still there
    /// when every connection has gone. At least 2 either way (10% of 4 is
    /// less than one): a connection's worth and one more, for a window in
    /// which some client was connected at every sample.
    Count,
}

impl Rule {
    /// How far the last window's level may be from `first`: 10% rounded
    /// down ("within 10%" of 25 allows 2, not 3).
    pub fn allowance(self, first: u64) -> u64 {
        match self {
            Rule::Memory => first / 10,
            Rule::Count => (first / 10).max(2),
        }
    }

    fn level(self, window: &[u64]) -> Option<u64> {
        match self {
            Rule::Memory => median(window),
            Rule::Count => window.iter().copied().min(),
        }
    }
}

impl fmt::Display for Rule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Rule::Memory => {
                "the last window's median within 10% of the first's"
            }
            Rule::Count => {
                "the last window's least within 10% of the first's or 2, \
                 whichever is larger"
            }
        })
    }
}

/// How many samples each window holds, for a run of `samples`: a third
/// of them, at least one, and at most a minute's worth (enough for a
/// median that one busy second cannot move, and clear of the other
/// window in a 5-minute run).
pub fn window_len(samples: usize) -> usize {
    let minute = (60 / SAMPLE_PERIOD.as_secs()) as usize;
    (samples / 3).clamp(1, minute)
}

/// The median of `values` (the upper of the two middle ones for an even
/// count, so that it is always a value that was seen); `None` if empty.
pub fn median(values: &[u64]) -> Option<u64> {
    let mut sorted = values.to_vec();
    sorted.sort_unstable();
    sorted.get(sorted.len() / 2).copied()
}

/// One figure over a soak: the levels of its first and last windows,
/// the most it reached, and the rule it is judged by.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Figure {
    pub first: u64,
    pub last: u64,
    pub peak: u64,
    pub rule: Rule,
}

impl Figure {
    /// Judges `values` (one per sample, in order) with windows of
    /// [`window_len`]; `None` if there are none.
    pub fn of(values: &[u64], rule: Rule) -> Option<Figure> {
        let window = window_len(values.len());
        Some(Figure {
            first: rule.level(values.get(..window)?)?,
            last: rule.level(&values[values.len().checked_sub(window)?..])?,
            peak: values.iter().copied().max()?,
            rule,
        })
    }

    pub fn flat(&self) -> bool {
        self.first.abs_diff(self.last) <= self.rule.allowance(self.first)
    }

    /// The change from the first window to the last, in percent of the
    /// first (0 for a first of 0 that stayed 0).
    pub fn change_percent(&self) -> f64 {
        if self.first == 0 {
            return if self.last == 0 { 0.0 } else { 100.0 };
        }
        (self.last as f64 - self.first as f64) / self.first as f64 * 100.0
    }

    /// `first → last (change)`, as the book's table shows it.
    pub fn cell(&self) -> String {
        format!(
            "{} → {} ({:+.1}%)",
            thousands(self.first),
            thousands(self.last),
            self.change_percent()
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_are_a_third_up_to_a_minute() {
        assert_eq!(window_len(61), 20);
        assert_eq!(window_len(301), 60);
        assert_eq!(window_len(3601), 60);
        assert_eq!(window_len(3), 1);
        assert_eq!(window_len(0), 1);
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
    fn the_rule_allows_ten_percent_or_two() {
        let flat = |first, last, rule| {
            let figure = Figure::of(&[first, last], rule).unwrap();
            assert_eq!((figure.first, figure.last), (first, last));
            figure.flat()
        };
        assert!(flat(3000, 3300, Rule::Memory));
        assert!(!flat(3000, 3301, Rule::Memory));
        assert!(flat(3000, 2700, Rule::Memory));
        assert!(!flat(3000, 2699, Rule::Memory));
        assert!(flat(4, 6, Rule::Count));
        assert!(!flat(4, 7, Rule::Count));
        assert!(flat(100, 110, Rule::Count));
        assert!(!flat(100, 111, Rule::Count));
        assert_eq!(Rule::Count.allowance(25), 2);
    }

    /// A busy moment in a window does not move its median; a leak that
    /// moves every later sample does.
    #[test]
    fn a_spike_is_flat_and_a_leak_is_not() {
        let mut spiky = vec![3000; 20];
        spiky[2] = 9000;
        spiky[18] = 9000;
        let figure = Figure::of(&spiky, Rule::Memory).unwrap();
        assert_eq!(
            (figure.first, figure.last, figure.peak),
            (3000, 3000, 9000)
        );
        assert!(figure.flat());

        let leak: Vec<u64> = (0..20).map(|i| 3000 + 100 * i).collect();
        let figure = Figure::of(&leak, Rule::Memory).unwrap();
        assert_eq!((figure.first, figure.last), (3300, 4700));
        assert!(!figure.flat());
        assert!((figure.change_percent() - 42.42).abs() < 0.01);
        assert_eq!(Figure::of(&[], Rule::Memory), None);
    }

    /// A count busy most of the time (a held connection) but back to its
    /// floor once per window is flat whatever its median; a floor that
    /// rises is a leak.
    #[test]
    fn a_count_is_judged_by_its_floor() {
        // 6 at rest, 12 while a fault holds its connection: the first
        // window mostly held, the last mostly at rest.
        let held = [12, 12, 6, 12, 12, 6, 6, 6, 6, 12, 6, 6];
        let figure = Figure::of(&held, Rule::Count).unwrap();
        assert_eq!((figure.first, figure.last, figure.peak), (6, 6, 12));
        assert!(figure.flat());

        let leak = [6, 12, 6, 12, 7, 8, 9, 13, 9, 10, 14, 10];
        let figure = Figure::of(&leak, Rule::Count).unwrap();
        assert_eq!((figure.first, figure.last), (6, 9));
        assert!(!figure.flat());
    }
}
