//! Which SMTP command a diagnostic text says the error answered.

use super::Command;

/// [`Command::from_text`] on a lower-cased copy `lc` (for phrases) and the original `raw` (for
/// upper-case bare words); `decide` passes its normalised text so no extra copy is made.
pub(super) fn command_in(lc: &str, raw: &str) -> Option<Command> {
    // 1. Explicit "in reply to X" / "after X" phrases name the answered command directly.
    //    The earliest such phrase wins: it belongs to the reply quoted first.
    const LEADS: [&str; 4] = [
        "in reply to ",
        "after ",
        "while sending ",
        "in response to ",
    ];
    let mut best: Option<(usize, Command)> = None;
    for lead in LEADS {
        for (p, _) in lc.match_indices(lead) {
            if best.is_some_and(|(bp, _)| bp < p) {
                break;
            }
            if let Some(c) = lc.get(p + lead.len()..).and_then(command_word_at) {
                best = Some((p, c));
                break;
            }
        }
    }
    if let Some((_, c)) = best {
        return Some(c);
    }
    // 2. A transcript ">>> CMD" line: the last one sent is the one that failed.
    let last = lc
        .match_indices(">>> ")
        .filter_map(|(p, _)| lc.get(p + 4..).and_then(command_word_at))
        .last();
    if last.is_some() {
        return last;
    }
    // 3. Argument-bearing forms are safe case-insensitively.
    if lc.contains("rcpt to:") || lc.contains("rcpt to <") || lc.contains("[rcpt_to]") {
        return Some(Command::Rcpt);
    }
    if lc.contains("mail from:") {
        return Some(Command::Mail);
    }
    if lc.contains("initial connection") {
        return Some(Command::Connect);
    }
    // 4. Bare upper-case command words (like Sisimai): the latest stage mentioned wins.
    const BARE: [(&str, Command); 7] = [
        ("DATA", Command::Data),
        ("RCPT", Command::Rcpt),
        ("MAIL FROM", Command::Mail),
        ("AUTH", Command::Auth),
        ("STARTTLS", Command::StartTls),
        ("EHLO", Command::Helo),
        ("HELO", Command::Helo),
    ];
    // One pass over the raw bytes, remembering the latest-stage word (the table is in stage
    // order, so the smallest table position wins).
    let b = raw.as_bytes();
    let glued = |x: u8| x.is_ascii_alphanumeric() || matches!(x, b'@' | b'.' | b'_');
    let mut best: Option<usize> = None;
    for i in 0..b.len() {
        if !matches!(b[i], b'D' | b'R' | b'M' | b'A' | b'S' | b'E' | b'H')
            || (i > 0 && glued(b[i - 1]))
        {
            continue;
        }
        for (k, (word, _)) in BARE.iter().enumerate() {
            let end = i + word.len();
            if b[i..].starts_with(word.as_bytes()) && b.get(end).is_none_or(|&x| !glued(x)) {
                if best.is_none_or(|bk| k < bk) {
                    best = Some(k);
                }
                break;
            }
        }
        if best == Some(0) {
            break;
        }
    }
    best.map(|k| BARE[k].1)
}

/// The command named at the start of `rest` (after "in reply to " etc.), case-insensitive.
fn command_word_at(rest: &str) -> Option<Command> {
    const HEADS: [(&str, Command); 16] = [
        ("end of data", Command::Data),
        ("data", Command::Data),
        ("rcpt", Command::Rcpt),
        ("mail from", Command::Mail),
        ("mail", Command::Mail),
        ("helo", Command::Helo),
        ("ehlo", Command::Helo),
        ("starttls", Command::StartTls),
        ("auth", Command::Auth),
        ("initial connection", Command::Connect),
        ("connection", Command::Connect),
        ("connect", Command::Connect),
        ("greeting", Command::Connect),
        ("banner", Command::Connect),
        ("quit", Command::Other),
        ("rset", Command::Other),
    ];
    let b = rest.as_bytes();
    for (head, cmd) in HEADS {
        let h = head.as_bytes();
        if b.len() >= h.len() && b[..h.len()].eq_ignore_ascii_case(h) {
            // The word must end there ("data" but not "database", "mail" but not "mailbox").
            let next = b.get(h.len()).copied().unwrap_or(b' ');
            if !next.is_ascii_alphanumeric() {
                return Some(cmd);
            }
        }
    }
    None
}
