//! Latency figures from a sample: percentiles by the nearest-rank method
//! over the sorted sample, with no interpolation, so every figure printed
//! is one that was measured.

use std::fmt;
use std::time::Duration;

use crate::json::JsonLine;

/// The figures a latency sample is reported by.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Summary {
    /// How many latencies were measured.
    pub count: usize,
    /// Half were at most this.
    pub p50: Duration,
    /// 99 in 100 were at most this.
    pub p99: Duration,
    /// The slowest.
    pub max: Duration,
}

impl Summary {
    /// Summarises `sample` (sorting it); `None` if it is empty.
    pub fn of(sample: &mut [Duration]) -> Option<Summary> {
        sample.sort_unstable();
        Some(Summary {
            count: sample.len(),
            p50: percentile(sample, 50)?,
            p99: percentile(sample, 99)?,
            max: *sample.last()?,
        })
    }
}

/// The `pct`-th percentile of a sorted sample: the smallest value that at
/// least `pct` percent of the sample is less than or equal to (the
/// nearest-rank method). `None` for an empty sample.
pub fn percentile(sorted: &[Duration], pct: usize) -> Option<Duration> {
    // rank = ceil(pct / 100 * n), counted from 1.
    let rank = (pct * sorted.len()).div_ceil(100);
    sorted.get(rank.max(1) - 1).copied()
}

/// `latency p50 1.234 ms, p99 5.678 ms, max 9.012 ms`, as every
/// report's summary line says it.
impl fmt::Display for Summary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "latency p50 {:.3} ms, p99 {:.3} ms, max {:.3} ms",
            millis(self.p50),
            millis(self.p99),
            millis(self.max)
        )
    }
}

/// Adds `p50_ms`, `p99_ms` and `max_ms` to a report's JSON line, `null`
/// for a sample that was empty.
pub fn latency_json(line: JsonLine, summary: Option<&Summary>) -> JsonLine {
    match summary {
        Some(l) => line
            .float("p50_ms", millis(l.p50))
            .float("p99_ms", millis(l.p99))
            .float("max_ms", millis(l.max)),
        None => line.null("p50_ms").null("p99_ms").null("max_ms"),
    }
}

/// A duration in milliseconds, as the reports print it.
pub fn millis(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1000.0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    /// 1 to 100 ms: the percentile is the value of that rank.
    #[test]
    fn percentiles_are_values_of_the_sample() {
        let sample: Vec<Duration> = (1..=100).map(ms).collect();
        assert_eq!(percentile(&sample, 50), Some(ms(50)));
        assert_eq!(percentile(&sample, 99), Some(ms(99)));
        assert_eq!(percentile(&sample, 100), Some(ms(100)));
        assert_eq!(percentile(&sample, 0), Some(ms(1)));
    }

    /// Small samples round up to the next value, never past the end.
    #[test]
    fn small_samples_round_up() {
        assert_eq!(percentile(&[ms(7)], 99), Some(ms(7)));
        assert_eq!(percentile(&[ms(1), ms(2)], 50), Some(ms(1)));
        assert_eq!(percentile(&[ms(1), ms(2)], 51), Some(ms(2)));
        assert_eq!(percentile(&[ms(1), ms(2), ms(3)], 99), Some(ms(3)));
        assert_eq!(percentile(&[], 50), None);
    }

    /// The summary sorts first: the order of arrival does not matter.
    #[test]
    fn summary_sorts_the_sample() {
        let mut sample: Vec<Duration> = (1..=200).rev().map(ms).collect();
        let summary = Summary::of(&mut sample).unwrap();
        assert_eq!(summary.count, 200);
        assert_eq!(summary.p50, ms(100));
        assert_eq!(summary.p99, ms(198));
        assert_eq!(summary.max, ms(200));
        assert_eq!(Summary::of(&mut []), None);
    }
}
