//! The three ways the server can say what time it is, and how the client
//! reads them back. Pure functions: no sockets, no clock reads, so each can
//! be tested with a fixed instant.
//!
//! | format | bytes on the wire | resolution |
//! |---|---|---|
//! | original (05) | `2026-11-22 09:15:03.123456`, local time, no zone | 1 µs |
//! | RFC 867 Daytime | `Sunday, November 22, 2026 09:15:03 +0100\r\n` | 1 s |
//! | RFC 868 Time | 4 bytes, big-endian seconds since 1900-01-01 UTC | 1 s |

use jiff::civil::DateTime;
use jiff::tz::TimeZone;
use jiff::{Timestamp, Zoned, fmt::strtime};

// ANCHOR: epoch
/// Seconds from 1900-01-01 00:00 UTC (RFC 868's epoch) to 1970-01-01 00:00
/// UTC (Unix's): 70 years, 17 of them leap years.
pub const RFC868_EPOCH_OFFSET: i64 = 2_208_988_800;

/// An RFC 868 number counts 2^32 seconds, about 136 years, before it wraps.
const RFC868_ERA: i64 = 1 << 32;
// ANCHOR_END: epoch

/// The format a server speaks and a client expects. Both ends must agree.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Format {
    /// The original's: Python's `str(datetime.now())`.
    #[default]
    Original,
    /// RFC 867 Daytime: one line of human-readable time.
    Daytime,
    /// RFC 868 Time: four bytes, seconds since 1900.
    Time,
}

impl Format {
    /// The precision of the time the format carries, in seconds.
    pub fn resolution(self) -> f64 {
        match self {
            Format::Original => 1e-6,
            Format::Daytime | Format::Time => 1.0,
        }
    }
}

// ANCHOR: answer
/// What the server sends at the instant `now` (in the server's zone).
pub fn answer(format: Format, now: &Zoned) -> Vec<u8> {
    match format {
        Format::Original => python_str(now.datetime()).into_bytes(),
        // RFC 867 fixes no syntax; this follows its suggestion (weekday,
        // month day, year, time, zone), with a numeric zone a client can
        // parse, and CRLF as the RFC's era ended lines.
        Format::Daytime => {
            format!("{}\r\n", now.strftime("%A, %B %-d, %Y %H:%M:%S %z"))
                .into_bytes()
        }
        Format::Time => rfc868_seconds(now.timestamp()).to_be_bytes().to_vec(),
    }
}
// ANCHOR_END: answer

// ANCHOR: python_str
/// The text of Python's `str(datetime)`: microseconds after a dot, but no
/// fraction at all when they are zero.
pub fn python_str(datetime: DateTime) -> String {
    let seconds = datetime.strftime("%Y-%m-%d %H:%M:%S");
    // Python's datetime holds microseconds; finer digits are cut, not
    // rounded, as `datetime.now()` does with the system clock.
    match datetime.subsec_nanosecond() / 1000 {
        0 => seconds.to_string(),
        micros => format!("{seconds}.{micros:06}"),
    }
}
// ANCHOR_END: python_str

// ANCHOR: rfc868
/// RFC 868's number for `instant`: seconds since 1900, kept to 32 bits.
/// It wrapped once already in theory and will for real on 2036-02-07 at
/// 06:28:16 UTC, when 2^32 seconds since 1900 have passed.
pub fn rfc868_seconds(instant: Timestamp) -> u32 {
    let since_1900 = instant.as_second() + RFC868_EPOCH_OFFSET;
    // rem_euclid keeps the result in 0..2^32 for any instant, so the
    // conversion below cannot fail.
    u32::try_from(since_1900.rem_euclid(RFC868_ERA)).unwrap_or(u32::MAX)
}

/// The instant an RFC 868 number stands for. The number alone cannot say
/// which 136-year era it is in, so take the era that puts it closest to
/// `reference` (our own clock): right for any server within 68 years of it.
pub fn from_rfc868(seconds: u32, reference: Timestamp) -> Timestamp {
    let base = i64::from(seconds) - RFC868_EPOCH_OFFSET;
    let era =
        (reference.as_second() - base + RFC868_ERA / 2).div_euclid(RFC868_ERA);
    let unix = base + era * RFC868_ERA;
    // In range for any reference jiff can represent plus or minus one era.
    Timestamp::from_second(unix).unwrap_or(reference)
}
// ANCHOR_END: rfc868

/// Why an answer could not be read as a time.
#[derive(Debug)]
pub struct NotATime {
    /// What the server sent, for the error message.
    pub got: Vec<u8>,
    /// What the format says it should look like.
    pub expected: &'static str,
}

impl std::fmt::Display for NotATime {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Text is quoted; anything else (an RFC 868 answer, say) in hex.
        let got = match std::str::from_utf8(&self.got) {
            Ok(text) => format!("{text:?}"),
            Err(_) => {
                let hex: Vec<String> =
                    self.got.iter().map(|b| format!("{b:02x}")).collect();
                format!("the bytes {}", hex.join(" "))
            }
        };
        write!(
            f,
            "the server sent {got}, which is not {}; do both ends use the \
             same format flag?",
            self.expected
        )
    }
}

impl std::error::Error for NotATime {}

/// What a client makes of an answer: how to print it, and the instant it
/// stands for.
#[derive(Clone, Debug, PartialEq)]
pub struct ServerTime {
    /// The answer as a person reads it.
    pub text: String,
    /// The instant the server meant.
    pub instant: Timestamp,
}

// ANCHOR: parse_answer
/// Reads an answer of `format`. The original's text has no zone, so it is
/// read in `zone`, ours: right when both ends share a time zone, and the
/// reason the RFCs carry a zone or UTC.
pub fn parse_answer(
    format: Format,
    bytes: &[u8],
    zone: &TimeZone,
    reference: Timestamp,
) -> Result<ServerTime, NotATime> {
    let wrong = |expected| NotATime {
        got: bytes.to_vec(),
        expected,
    };
    match format {
        Format::Original => {
            let text = std::str::from_utf8(bytes)
                .map_err(|_| wrong("UTF-8 text"))?
                .trim_end();
            // `str()` writes six digits of fraction or none; anything else
            // is a cut or foreign answer.
            if text.split_once('.').is_some_and(|(_, f)| f.len() != 6) {
                return Err(wrong(
                    "a date and time like 2026-11-22 09:15:03.123456",
                ));
            }
            // `%.f`: an optional dot and fraction, as `str()` writes it.
            let instant = DateTime::strptime("%Y-%m-%d %H:%M:%S%.f", text)
                .and_then(|dt| zone.to_timestamp(dt))
                .map_err(|_| {
                    wrong("a date and time like 2026-11-22 09:15:03.123456")
                })?;
            Ok(ServerTime {
                text: text.to_owned(),
                instant,
            })
        }
        Format::Daytime => {
            let text = std::str::from_utf8(bytes)
                .map_err(|_| wrong("UTF-8 text"))?
                .trim_end();
            let instant = strtime::parse("%A, %B %d, %Y %H:%M:%S %z", text)
                .and_then(|parsed| parsed.to_timestamp())
                .map_err(|_| {
                    wrong("an RFC 867 line like Sunday, November 22, 2026 09:15:03 +0100")
                })?;
            Ok(ServerTime {
                text: text.to_owned(),
                instant,
            })
        }
        Format::Time => {
            let four: [u8; 4] = bytes
                .try_into()
                .map_err(|_| wrong("exactly 4 bytes (RFC 868)"))?;
            let seconds = u32::from_be_bytes(four);
            let instant = from_rfc868(seconds, reference);
            let utc = instant.strftime("%Y-%m-%d %H:%M:%S UTC");
            Ok(ServerTime {
                text: format!("{seconds} ({utc})"),
                instant,
            })
        }
    }
}
// ANCHOR_END: parse_answer

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    fn at(zone: &str, nanos: i32) -> Zoned {
        date(2026, 11, 22)
            .at(9, 15, 3, nanos)
            .in_tz(zone)
            .expect("valid zone")
    }

    /// The original format is Python's `str(datetime)`, fraction included
    /// only when it is not zero.
    #[test]
    fn original_format_matches_python_str() {
        let now = at("Europe/Paris", 123_456_789);
        assert_eq!(
            answer(Format::Original, &now),
            b"2026-11-22 09:15:03.123456"
        );
        let whole = at("Europe/Paris", 0);
        assert_eq!(answer(Format::Original, &whole), b"2026-11-22 09:15:03");
        let tiny = at("Europe/Paris", 1_000);
        assert_eq!(
            answer(Format::Original, &tiny),
            b"2026-11-22 09:15:03.000001"
        );
    }

    /// RFC 867: English names, day without padding, numeric zone, CRLF.
    #[test]
    fn daytime_line_follows_rfc_867_suggestion() {
        let now = at("Europe/Paris", 0);
        assert_eq!(
            answer(Format::Daytime, &now),
            b"Sunday, November 22, 2026 09:15:03 +0100\r\n"
        );
        let march = date(2026, 3, 2).at(0, 0, 0, 0).in_tz("UTC").unwrap();
        assert_eq!(
            answer(Format::Daytime, &march),
            b"Monday, March 2, 2026 00:00:00 +0000\r\n"
        );
    }

    /// RFC 868 is big-endian seconds since 1900: the RFC's own examples.
    #[test]
    fn rfc_868_matches_the_rfc_examples() {
        let instant = |s: &str| s.parse::<Timestamp>().unwrap();
        // RFC 868: 2,208,988,800 corresponds to 00:00 1 Jan 1970 GMT, and
        // 2,629,584,000 to 00:00 1 May 1983 GMT.
        assert_eq!(
            rfc868_seconds(instant("1970-01-01T00:00:00Z")),
            2_208_988_800
        );
        assert_eq!(
            rfc868_seconds(instant("1983-05-01T00:00:00Z")),
            2_629_584_000
        );
        let now = instant("1983-05-01T00:00:00Z").to_zoned(TimeZone::UTC);
        assert_eq!(answer(Format::Time, &now), 2_629_584_000u32.to_be_bytes());
    }

    /// The number wraps to 0 on 2036-02-07 06:28:16 UTC, and a client
    /// whose clock is near then still reads the right instant.
    #[test]
    fn rfc_868_wraps_in_2036_and_the_client_picks_the_era() {
        let wrap: Timestamp = "2036-02-07T06:28:16Z".parse().unwrap();
        assert_eq!(rfc868_seconds(wrap), 0);
        let just_before =
            rfc868_seconds(wrap - jiff::SignedDuration::from_secs(1));
        assert_eq!(just_before, u32::MAX);
        // A client on either side of the wrap reads both numbers right.
        for reference in [wrap - jiff::SignedDuration::from_hours(1), wrap] {
            assert_eq!(from_rfc868(0, reference), wrap);
            assert_eq!(
                from_rfc868(u32::MAX, reference),
                wrap - jiff::SignedDuration::from_secs(1)
            );
        }
    }

    /// What the server writes, the client reads back to the same instant,
    /// in every format.
    #[test]
    fn every_format_round_trips() {
        let zone = TimeZone::get("Asia/Shanghai").unwrap();
        let now = date(2026, 11, 22)
            .at(9, 15, 3, 500_000_000)
            .to_zoned(zone.clone())
            .unwrap();
        for format in [Format::Original, Format::Daytime, Format::Time] {
            let parsed = parse_answer(
                format,
                &answer(format, &now),
                &zone,
                now.timestamp(),
            )
            .unwrap();
            let error = parsed
                .instant
                .duration_since(now.timestamp())
                .as_secs_f64()
                .abs();
            assert!(error < format.resolution(), "{format:?}: off by {error}");
        }
    }

    /// Garbage, cut answers and answers of the wrong format are errors that
    /// say what was expected.
    #[test]
    fn wrong_answers_are_errors() {
        let zone = TimeZone::UTC;
        let now = Timestamp::UNIX_EPOCH;
        for (format, bytes) in [
            (Format::Original, &b"hello"[..]),
            (Format::Original, b"\xff\xfe"),
            (Format::Daytime, b"2026-11-22 09:15:03"),
            (Format::Time, b"abc"),
            (Format::Time, b"2026-11-22"),
            // A cut answer: `str()` never writes one digit of fraction.
            (Format::Original, b"2026-11-22 09:15:03.1"),
        ] {
            let err = parse_answer(format, bytes, &zone, now).unwrap_err();
            assert!(err.to_string().contains("same format flag"), "{err}");
        }
    }

    /// Bytes that are not text are shown in hex, not as replacement
    /// characters.
    #[test]
    fn binary_answers_are_shown_in_hex() {
        let err = parse_answer(
            Format::Original,
            b"\xec\xa9\xff",
            &TimeZone::UTC,
            Timestamp::UNIX_EPOCH,
        )
        .unwrap_err();
        assert!(err.to_string().contains("the bytes ec a9 ff"), "{err}");
    }
}
