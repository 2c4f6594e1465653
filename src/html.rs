//! HTML escaping for everything hikyaku writes as HTML: message parts, the
//! unsubscribe pages and the reports.
//!
//! Only the five characters HTML needs are escaped (`& < > " '`). minijinja's
//! own escaping also turns `/` into `&#x2f;`, which spam filters score as
//! entity obfuscation when it fills every link and URL of a message.

use std::fmt;

/// Displays its text with `& < > " '` escaped, for element content and
/// quoted attribute values alike.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Escape<'a>(pub &'a str);

impl fmt::Display for Escape<'_> {
    fn fmt(&self, out: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_escaped(out, self.0)
    }
}

/// Writes `text` to `out` with `& < > " '` escaped.
pub(crate) fn write_escaped(out: &mut impl fmt::Write, text: &str) -> fmt::Result {
    let bytes = text.as_bytes();
    let mut start = 0;
    // The five are ASCII, so every index found is a character boundary.
    for (at, &byte) in bytes.iter().enumerate() {
        let entity = match byte {
            b'&' => "&amp;",
            b'<' => "&lt;",
            b'>' => "&gt;",
            b'"' => "&quot;",
            b'\'' => "&#39;",
            _ => continue,
        };
        out.write_str(&text[start..at])?;
        out.write_str(entity)?;
        start = at + 1;
    }
    out.write_str(&text[start..])
}

/// `text` escaped, as a new string.
pub(crate) fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + text.len() / 8);
    // Writing to a String cannot fail.
    let _ = write_escaped(&mut out, text);
    out
}

/// The formatter for minijinja environments that render HTML: values are
/// escaped with [`write_escaped`] where minijinja would escape them, and
/// written as minijinja would otherwise.
pub(crate) fn minijinja_formatter(
    out: &mut minijinja::Output<'_>,
    state: &mut minijinja::State<'_, '_>,
    value: &minijinja::Value,
) -> Result<(), minijinja::Error> {
    let escapes = matches!(state.auto_escape(), minijinja::AutoEscape::Html)
        && !value.is_safe()
        && !value.is_undefined()
        && !value.is_none();
    if !escapes {
        return minijinja::escape_formatter(out, state, value);
    }
    match value.as_str() {
        Some(text) => write_escaped(out, text)?,
        None => write!(out, "{}", Escape(&value.to_string()))?,
    }
    Ok(())
}

/// The `escape` (`e`) filter, for environments that use
/// [`minijinja_formatter`]: the same escaping, and safe strings unchanged.
pub(crate) fn minijinja_escape_filter(value: &minijinja::Value) -> minijinja::Value {
    if value.is_safe() {
        return value.clone();
    }
    let escaped = match value.as_str() {
        Some(text) => escape(text),
        None => escape(&value.to_string()),
    };
    minijinja::Value::from_safe_string(escaped)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_what_html_needs_and_leaves_slashes_alone() {
        assert_eq!(
            escape("<a href=\"https://example.jp/u?a=1&b='2'\">"),
            "&lt;a href=&quot;https://example.jp/u?a=1&amp;b=&#39;2&#39;&quot;&gt;"
        );
        assert_eq!(escape("山田 / 花子"), "山田 / 花子");
    }

    #[test]
    fn templates_escape_values_but_not_safe_strings_or_slashes() {
        let mut env = minijinja::Environment::new();
        env.set_formatter(minijinja_formatter);
        env.add_filter("escape", minijinja_escape_filter);
        env.add_template("t.html", "{{ v }} {{ n }} {{ s }} {{ v|escape }}")
            .unwrap();
        let out = env
            .get_template("t.html")
            .unwrap()
            .render(minijinja::context! {
                v => "a/b <i>",
                n => 3,
                s => minijinja::Value::from_safe_string("<b>/</b>".into()),
            })
            .unwrap();
        assert_eq!(out, "a/b &lt;i&gt; 3 <b>/</b> a/b &lt;i&gt;");
    }
}
