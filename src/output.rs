//! Writing results: messages for people on stderr, records for scripts on stdout.

use std::io::{self, Write};

use crate::cli::ListFormat;
use crate::error::Error;

/// How chatty the command is on stderr.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Ui {
    /// Only errors and the final result.
    pub quiet: bool,
    /// Extra detail.
    pub verbose: bool,
}

impl Ui {
    /// A progress or status message, unless quiet.
    pub(crate) fn info(&self, message: impl std::fmt::Display) {
        if !self.quiet {
            eprintln!("{message}");
        }
    }

    /// A message only shown with --verbose.
    pub(crate) fn detail(&self, message: impl std::fmt::Display) {
        if self.verbose {
            eprintln!("{message}");
        }
    }

    /// A warning; shown even when quiet, since it changes what happened.
    pub(crate) fn warn(&self, message: impl std::fmt::Display) {
        eprintln!("warning: {message}");
    }
}

impl Ui {
    /// Asks `question` on the terminal and reads a yes or no (default no).
    /// Without a terminal on both ends, or with --quiet, nobody can answer:
    /// the answer is yes, so cron jobs never wait for input.
    pub(crate) fn confirm(&self, question: impl std::fmt::Display) -> std::io::Result<bool> {
        use std::io::IsTerminal as _;
        if self.quiet || !std::io::stdin().is_terminal() || !std::io::stderr().is_terminal() {
            return Ok(true);
        }
        eprint!("{question} [y/N] ");
        let mut answer = String::new();
        std::io::stdin().read_line(&mut answer)?;
        Ok(matches!(answer.trim(), "y" | "Y" | "yes" | "Yes"))
    }

    /// A progress bar over `total` bytes of `what`, on stderr. indicatif hides
    /// it when stderr is not a terminal (cron), and so does --quiet.
    pub(crate) fn byte_progress(&self, total: u64, what: &str) -> indicatif::ProgressBar {
        if self.quiet {
            return indicatif::ProgressBar::hidden();
        }
        let bar = indicatif::ProgressBar::new(total);
        let style = indicatif::ProgressStyle::with_template(
            "{msg} [{bar:30}] {percent:>3}% {binary_bytes_per_sec} eta {eta}",
        )
        .map(|s| s.progress_chars("=> "))
        .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar());
        bar.set_style(style);
        bar.set_message(what.to_owned());
        bar
    }
}

impl Ui {
    /// The progress of a run of `total` messages: a bar on a terminal, a
    /// line every 10 s for cron's mail, nothing when quiet.
    pub(crate) fn delivery_progress(&self, total: u64) -> Option<DeliveryProgress> {
        use std::io::IsTerminal as _;
        if self.quiet {
            return None;
        }
        let bar = std::io::stderr().is_terminal().then(|| {
            let bar = indicatif::ProgressBar::new(total);
            if let Ok(style) = indicatif::ProgressStyle::with_template(
                "sending [{bar:30}] {pos}/{len} {rate} eta {eta} {msg}",
            ) {
                bar.set_style(
                    style
                        .with_key("rate", whole_per_second)
                        .progress_chars("=> "),
                );
            }
            bar
        });
        Some(DeliveryProgress {
            bar,
            total,
            started: std::time::Instant::now(),
        })
    }
}

/// indicatif's `{per_sec}` prints `191.8812/s`; whole messages read better.
fn whole_per_second(state: &indicatif::ProgressState, out: &mut dyn std::fmt::Write) {
    let _ = write!(out, "{}", per_second(state.per_sec()));
}

/// A rate as the progress bar shows it: `192/s`.
fn per_second(rate: f64) -> String {
    format!("{rate:.0}/s")
}

/// The progress of a send (see [`Ui::delivery_progress`]).
pub(crate) struct DeliveryProgress {
    bar: Option<indicatif::ProgressBar>,
    total: u64,
    started: std::time::Instant,
}

impl crate::deliver::pipeline::Watch for DeliveryProgress {
    fn interval(&self) -> std::time::Duration {
        match self.bar {
            Some(_) => std::time::Duration::from_millis(250),
            None => std::time::Duration::from_secs(10),
        }
    }

    /// Above the bar, or on its own line for cron.
    fn warn(&self, notice: &str) {
        match &self.bar {
            Some(bar) => bar.suspend(|| eprintln!("warning: {notice}")),
            None => eprintln!("warning: {notice}"),
        }
    }

    fn show(&self, counts: &crate::deliver::run::RunCounts) {
        let done = counts.sent + counts.failed + counts.unknown + counts.deferred + counts.skipped;
        let mut message = format!(
            "sent {} deferred {} failed {}",
            group(counts.sent),
            group(counts.deferred + counts.retried),
            group(counts.failed)
        );
        let (up, relays) = counts.relays_up;
        if relays > 1 {
            message.push_str(&format!("  relays {up}/{relays} up"));
        }
        let seconds = self.started.elapsed().as_secs_f64();
        match &self.bar {
            Some(bar) => {
                bar.set_position(done);
                bar.set_message(message);
            }
            None => eprintln!(
                "{seconds:>6.0}s  {message}  of {}  ({:.0} msg/s)",
                group(self.total),
                counts.sent as f64 / seconds.max(1.0)
            ),
        }
    }
}

impl Drop for DeliveryProgress {
    fn drop(&mut self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}

/// Formats `n` with thousands separators: 1,234,567.
pub(crate) fn group(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// Streams records with fixed columns as an aligned table, CSV or a JSON array.
/// CSV and JSON are written as the records come; the table, which needs the
/// column widths, is held until [`RecordSink::finish`].
pub(crate) struct RecordSink<W: Write> {
    columns: &'static [&'static str],
    target: Target<W>,
    count: u64,
}

enum Target<W: Write> {
    Csv(Box<csv::Writer<W>>),
    Json(W),
    Text(W, Vec<Vec<String>>),
}

impl<W: Write> RecordSink<W> {
    /// A sink writing records with `columns` to `out`.
    pub(crate) fn new(
        format: ListFormat,
        columns: &'static [&'static str],
        mut out: W,
    ) -> Result<Self, Error> {
        let target = match format {
            ListFormat::Csv => {
                let mut writer = csv::Writer::from_writer(out);
                writer.write_record(columns)?;
                Target::Csv(Box::new(writer))
            }
            ListFormat::Json => {
                out.write_all(b"[")?;
                Target::Json(out)
            }
            ListFormat::Text => Target::Text(out, Vec::new()),
        };
        Ok(RecordSink {
            columns,
            target,
            count: 0,
        })
    }

    /// Writes one record; `fields` are in column order.
    pub(crate) fn write(&mut self, fields: &[&str]) -> Result<(), Error> {
        debug_assert_eq!(fields.len(), self.columns.len());
        match &mut self.target {
            Target::Csv(writer) => writer.write_record(fields)?,
            Target::Json(out) => {
                let object: serde_json::Map<String, serde_json::Value> = self
                    .columns
                    .iter()
                    .zip(fields)
                    .map(|(k, v)| ((*k).to_owned(), serde_json::Value::from(*v)))
                    .collect();
                out.write_all(if self.count == 0 { b"\n  " } else { b",\n  " })?;
                serde_json::to_writer(&mut *out, &object)?;
            }
            Target::Text(_, rows) => rows.push(fields.iter().map(|f| (*f).to_owned()).collect()),
        }
        self.count += 1;
        Ok(())
    }

    /// Ends the output; returns how many records were written.
    pub(crate) fn finish(self) -> Result<u64, Error> {
        match self.target {
            Target::Csv(mut writer) => writer.flush()?,
            Target::Json(mut out) => {
                out.write_all(if self.count == 0 { b"]\n" } else { b"\n]\n" })?;
                out.flush()?;
            }
            Target::Text(mut out, rows) => {
                write_table(&mut out, self.columns, &rows)?;
                out.flush()?;
            }
        }
        Ok(self.count)
    }
}

fn write_table(out: &mut impl Write, columns: &[&str], rows: &[Vec<String>]) -> io::Result<()> {
    let width = |i: usize| {
        rows.iter()
            .map(|r| r[i].chars().count())
            .chain([columns[i].len()])
            .max()
            .unwrap_or(0)
    };
    let widths: Vec<usize> = (0..columns.len()).map(width).collect();
    let line = |cells: Vec<&str>| {
        let padded: Vec<String> = cells
            .iter()
            .zip(&widths)
            .map(|(c, w)| format!("{c:<w$}"))
            .collect();
        padded.join("  ").trim_end().to_owned()
    };
    writeln!(out, "{}", line(columns.to_vec()))?;
    for row in rows {
        writeln!(out, "{}", line(row.iter().map(String::as_str).collect()))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sending_rate_is_shown_in_whole_messages() {
        assert_eq!(per_second(191.8812), "192/s");
        assert_eq!(per_second(0.2), "0/s");
    }

    #[test]
    fn groups_thousands() {
        assert_eq!(group(0), "0");
        assert_eq!(group(999), "999");
        assert_eq!(group(1000), "1,000");
        assert_eq!(group(1_234_567), "1,234,567");
    }

    fn render(format: ListFormat, rows: &[[&str; 2]]) -> String {
        let mut out = Vec::new();
        let mut sink = RecordSink::new(format, &["email", "list"], &mut out).unwrap();
        for row in rows {
            sink.write(row).unwrap();
        }
        sink.finish().unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn writes_each_format() {
        let rows = [["a@example.jp", ""], ["b@example.jp", "news, letter"]];
        assert_eq!(
            render(ListFormat::Csv, &rows),
            "email,list\na@example.jp,\nb@example.jp,\"news, letter\"\n"
        );
        let json: serde_json::Value =
            serde_json::from_str(&render(ListFormat::Json, &rows)).unwrap();
        assert_eq!(json[1]["list"], "news, letter");
        let empty: serde_json::Value =
            serde_json::from_str(&render(ListFormat::Json, &[])).unwrap();
        assert_eq!(empty, serde_json::json!([]));
        let text = render(ListFormat::Text, &rows);
        assert!(text.starts_with("email         list\n"), "{text}");
    }
}
