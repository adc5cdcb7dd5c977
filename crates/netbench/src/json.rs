//! One JSON object on one line, built by hand: the bench's reports hold
//! only numbers, booleans and words it chose itself, so a JSON library
//! would add a dependency to escape nothing. Text that could come from
//! outside is escaped anyway.

use std::fmt::Write;

/// A JSON object, written field by field.
#[derive(Debug, Default)]
pub struct JsonLine {
    fields: Vec<String>,
}

impl JsonLine {
    /// An empty object.
    pub fn new() -> JsonLine {
        JsonLine::default()
    }

    /// Adds a field whose value is already valid JSON.
    fn raw(mut self, key: &str, value: String) -> JsonLine {
        self.fields.push(format!("{}:{value}", quoted(key)));
        self
    }

    /// Adds a whole number.
    pub fn int(self, key: &str, value: impl Into<u64>) -> JsonLine {
        self.raw(key, value.into().to_string())
    }

    /// Adds a number with three decimals (milliseconds to the µs).
    pub fn float(self, key: &str, value: f64) -> JsonLine {
        self.raw(key, format!("{value:.3}"))
    }

    /// Adds `true` or `false`.
    pub fn bool(self, key: &str, value: bool) -> JsonLine {
        self.raw(key, value.to_string())
    }

    /// Adds a string.
    pub fn text(self, key: &str, value: &str) -> JsonLine {
        self.raw(key, quoted(value))
    }

    /// Adds `null`, for a figure that was not measured.
    pub fn null(self, key: &str) -> JsonLine {
        self.raw(key, "null".to_owned())
    }

    /// The object, on one line.
    pub fn finish(self) -> String {
        format!("{{{}}}", self.fields.join(","))
    }
}

/// `text` as a JSON string: quotes, backslashes and control characters
/// escaped (RFC 8259 §7).
fn quoted(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if c < ' ' => {
                let _ = write!(out, "\\u{:04x}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Fields come out in order, each kind in its JSON form.
    #[test]
    fn fields_are_written_in_order() {
        let line = JsonLine::new()
            .text("mode", "chat-room")
            .int("clients", 200u32)
            .float("p99_ms", 1.23456)
            .bool("cut", false)
            .null("rss_kib")
            .finish();
        assert_eq!(
            line,
            r#"{"mode":"chat-room","clients":200,"p99_ms":1.235,"cut":false,"rss_kib":null}"#
        );
    }

    /// Text is escaped.
    #[test]
    fn text_is_escaped() {
        assert_eq!(quoted("a\"b\\c\nd"), r#""a\"b\\c\u000ad""#);
    }
}
