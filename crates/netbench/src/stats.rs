//! Latency figures in constant memory: every latency is counted in an
//! HDR histogram, in whole microseconds (one counter per bucket, so its
//! size depends on the range of the latencies, not on how many there
//! were), and the percentiles are read from its counts by the
//! nearest-rank method, with no interpolation.

use std::fmt;
use std::time::Duration;

use hdrhistogram::Histogram;
use serde::{Deserialize, Serialize};

/// Significant digits the histogram keeps. With 5, every value below
/// 2^18 µs (262 ms) has a bucket of its own, so the figures printed to
/// the µs are the sample's own; above that a bucket spans at most
/// 1/131,072 of its value (32 µs at 5 s). 3 digits, the usual choice,
/// would give exact buckets only below 2 ms, and a p99 of 6 ms would be
/// off by up to 4 µs. The price is memory: 2 MiB for latencies up to
/// 262 ms, 10 MiB up to a minute, once per run.
const SIGNIFICANT_DIGITS: u8 = 5;

/// Latencies counted so far.
#[derive(Clone, Debug)]
pub struct Latencies(Histogram<u64>);

impl Default for Latencies {
    fn default() -> Latencies {
        // `new` fails only for more than 5 significant digits, and the
        // histogram grows to fit whatever is recorded.
        let histogram = Histogram::new(SIGNIFICANT_DIGITS)
            .expect("5 significant digits is within hdrhistogram's range");
        Latencies(histogram)
    }
}

impl Latencies {
    /// Counts one latency, rounded to the µs.
    pub fn record(&mut self, latency: Duration) {
        let micros = (latency.as_nanos() + 500) / 1000;
        self.0
            .saturating_record(u64::try_from(micros).unwrap_or(u64::MAX));
    }

    /// How many latencies were counted.
    pub fn count(&self) -> u64 {
        self.0.len()
    }

    /// The `pct`-th percentile: the smallest latency that at least
    /// `pct` percent of them are less than or equal to (the nearest-rank
    /// method). `None` if nothing was counted.
    pub fn percentile(&self, pct: u64) -> Option<Duration> {
        let n = self.count();
        if n == 0 {
            return None;
        }
        // rank = ceil(pct / 100 * n), counted from 1.
        let rank = (pct * n).div_ceil(100).max(1);
        // hdrhistogram takes a fraction and rounds `fraction * n` up to
        // a rank: half a rank below ours rounds up to ours, whatever
        // the floating-point error.
        let fraction = (rank as f64 - 0.5) / n as f64;
        Some(Duration::from_micros(self.0.value_at_quantile(fraction)))
    }

    /// The figures reported; `None` if nothing was counted.
    pub fn summary(&self) -> Option<Summary> {
        let ms = |pct| Some(millis(self.percentile(pct)?));
        Some(Summary {
            p50_ms: ms(50)?,
            p99_ms: ms(99)?,
            max_ms: ms(100)?,
        })
    }
}

/// The figures a latency sample is reported by, in milliseconds (to the
/// µs). A report flattens them into its own fields, and leaves them out
/// when nothing was measured.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    /// The median.
    pub p50_ms: f64,
    /// The 99th percentile.
    pub p99_ms: f64,
    /// The slowest.
    pub max_ms: f64,
}

/// `latency p50 1.234 ms, p99 5.678 ms, max 9.012 ms`.
impl fmt::Display for Summary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "latency p50 {:.3} ms, p99 {:.3} ms, max {:.3} ms",
            self.p50_ms, self.p99_ms, self.max_ms
        )
    }
}

/// A duration in milliseconds, as the reports print it.
pub fn millis(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1000.0
}

/// `n` with its thousands grouped, as the book writes figures: 41,099.
pub fn thousands(n: u64) -> String {
    match n {
        0..1000 => n.to_string(),
        _ => format!("{},{:03}", thousands(n / 1000), n % 1000),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn figures_are_grouped_by_thousands() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1000), "1,000");
        assert_eq!(thousands(10_005), "10,005");
        assert_eq!(thousands(41_099), "41,099");
        assert_eq!(thousands(1_234_567), "1,234,567");
    }

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    fn latencies(sample: impl IntoIterator<Item = Duration>) -> Latencies {
        let mut latencies = Latencies::default();
        sample.into_iter().for_each(|l| latencies.record(l));
        latencies
    }

    /// The percentile is the value of its rank, rounded up to the next
    /// value in small samples, never past the end.
    #[test]
    fn percentiles_are_values_of_the_sample() {
        let sample = latencies((1..=100).map(ms));
        assert_eq!(sample.percentile(50), Some(ms(50)));
        assert_eq!(sample.percentile(99), Some(ms(99)));
        assert_eq!(sample.percentile(100), Some(ms(100)));
        assert_eq!(sample.percentile(0), Some(ms(1)));
        let p = |sample: &[u64], pct| {
            latencies(sample.iter().copied().map(ms)).percentile(pct)
        };
        assert_eq!(p(&[7], 99), Some(ms(7)));
        assert_eq!(p(&[1, 2], 50), Some(ms(1)));
        assert_eq!(p(&[1, 2], 51), Some(ms(2)));
        assert_eq!(p(&[1, 2, 3], 99), Some(ms(3)));
        assert_eq!(p(&[], 50), None);
        // A latency is rounded to the nearest µs, as `{:.3}` of its
        // milliseconds would print it.
        let p = |nanos| latencies([Duration::from_nanos(nanos)]).percentile(50);
        assert_eq!(p(142_499), Some(Duration::from_micros(142)));
        assert_eq!(p(142_500), Some(Duration::from_micros(143)));
    }

    /// The order of arrival does not matter, and the figures are the
    /// sample's own to the µs, the same as sorting the sample: 1,000
    /// latencies from 1.262 ms to 262.006 ms, odd microseconds included.
    #[test]
    fn figures_match_the_sorted_sample_to_the_microsecond() {
        let sample: Vec<Duration> = (1..=1000u64)
            .rev()
            .map(|i| Duration::from_micros(1000 + i * 261 + i % 7))
            .collect();
        let mut sorted = sample.clone();
        sorted.sort_unstable();
        let summary = latencies(sample).summary().unwrap();
        assert_eq!(summary.p50_ms, millis(sorted[499]));
        assert_eq!(summary.p99_ms, millis(sorted[989]));
        assert_eq!(summary.max_ms, millis(sorted[999]));
        assert_eq!(
            summary.to_string(),
            "latency p50 131.503 ms, p99 259.393 ms, max 262.006 ms"
        );
        assert_eq!(latencies([]).summary(), None);
    }
}
