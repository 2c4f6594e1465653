//! Enhanced status codes: the status table and finding status / reply codes in text.

use super::Reason;

/// The reason an enhanced status code alone stands for (Sisimai's status table), if any.
///
/// Codes of the retired reasons are mapped to their Sisimai 5 successors (emailtoolarge,
/// ratelimited).  Generic codes (X.0.0, 4.7.0, 4.3.0, 4.4.0, 4.5.0 ...) stand for nothing.
pub(crate) fn from_status(status: &str) -> Option<Reason> {
    use Reason::*;
    let r = match status.trim() {
        "2.1.5" => Delivered,
        "4.1.6" | "5.1.6" | "5.7.17" | "5.7.18" => HasMoved,
        "4.1.7" | "4.1.8" | "5.1.7" | "5.1.8" | "4.7.2" => Rejected,
        "4.1.9" | "5.1.9" => SystemError,
        "4.2.1" | "5.7.13" => Suspend,
        "4.2.2" | "5.2.2" => MailboxFull,
        "4.2.3" | "5.2.3" | "5.3.4" | "4.7.16" | "5.7.16" => EmailTooLarge,
        "5.1.4" | "5.2.0" | "5.2.1" => Filtered,
        "4.3.1" | "5.3.1" | "4.4.5" => SystemFull,
        "4.3.2" | "5.3.2" | "5.1.10" | "5.7.27" => NotAccept,
        "4.2.4" | "5.2.4" | "4.3.3" | "4.3.5" | "4.4.3" | "5.3.0" | "5.3.3" | "5.3.5" | "5.4.3"
        | "4.5.5" | "5.5.2" | "5.5.4" | "5.5.5" | "5.7.19" => SystemError,
        "4.4.1" | "4.4.7" => Expired,
        "4.4.2" | "4.4.4" | "4.4.6" | "4.4.8" | "5.4.0" => NetworkError,
        "4.5.3" | "5.5.3" => RateLimited,
        "4.6.0" | "4.6.2" | "4.6.5" | "5.6.0" | "5.6.1" | "5.6.2" | "5.6.3" | "5.6.5" | "5.6.6"
        | "5.6.8" | "5.6.9" => ContentError,
        "5.6.7" => Rejected,
        "4.7.1" => Blocked,
        "4.7.5" | "4.7.6" | "4.7.7" | "4.7.12" | "4.7.15" => SecurityError,
        "4.7.24" | "4.7.26" | "5.7.20" | "5.7.21" | "5.7.22" | "5.7.23" | "5.7.24" | "5.7.26"
        | "5.7.29" => AuthFailure,
        "4.7.25" | "5.7.25" => RequirePtr,
        "5.1.0" | "5.1.1" | "5.1.3" => UserUnknown,
        "5.1.2" | "5.4.4" => HostUnknown,
        "5.5.6" => SyntaxError,
        "5.7.0" | "5.7.1" | "5.7.2" | "5.7.3" | "5.7.4" | "5.7.5" | "5.7.6" | "5.7.7" | "5.7.8"
        | "5.7.9" | "5.7.10" | "5.7.11" | "5.7.14" | "5.7.15" => SecurityError,
        "5.7.28" => SpamDetected,
        "5.7.30" => FailedStartTls,
        _ => return None,
    };
    Some(r)
}

/// Splits "5.1.1" into its three numeric parts when it is a well-formed enhanced status code
/// (class 2, 4 or 5; subject and detail of 1-3 digits).
pub(super) fn status_parts(s: &str) -> Option<(u8, &str, &str)> {
    let mut it = s.split('.');
    let (a, b, c) = (it.next()?, it.next()?, it.next()?);
    if it.next().is_some() {
        return None;
    }
    let class = match a {
        "2" => 2,
        "4" => 4,
        "5" => 5,
        _ => return None,
    };
    let ok = |p: &str| !p.is_empty() && p.len() <= 3 && p.bytes().all(|b| b.is_ascii_digit());
    if ok(b) && ok(c) {
        Some((class, b, c))
    } else {
        None
    }
}

/// The first enhanced status code (X.Y.Z with X in 2,4,5) in text, not part of a longer dotted
/// number (IP addresses, versions).
pub(crate) fn find_status(text: &str) -> Option<&str> {
    let b = text.as_bytes();
    let n = b.len();
    let mut i = 0;
    while i < n {
        let c = b[i];
        if !(c == b'2' || c == b'4' || c == b'5') {
            i += 1;
            continue;
        }
        // Not glued to a preceding digit, dot or letter ("1.2.3", "v5.1.1", "10.5.1.1").
        if i > 0 {
            let p = b[i - 1];
            if p.is_ascii_alphanumeric() || p == b'.' {
                i += 1;
                continue;
            }
        }
        // X '.' 1-3 digits '.' 1-3 digits
        let mut j = i + 1;
        let mut parts_ok = true;
        for _ in 0..2 {
            if j >= n || b[j] != b'.' {
                parts_ok = false;
                break;
            }
            j += 1;
            let start = j;
            while j < n && b[j].is_ascii_digit() && j - start < 4 {
                j += 1;
            }
            let len = j - start;
            if len == 0 || len > 3 {
                parts_ok = false;
                break;
            }
        }
        if parts_ok {
            // Not followed by another digit or a ".digit" (IPv4 addresses, versions).
            let next = b.get(j).copied();
            let after = b.get(j + 1).copied();
            let glued = match next {
                Some(d) if d.is_ascii_digit() || d.is_ascii_alphabetic() => true,
                Some(b'.') => after.is_some_and(|a| a.is_ascii_digit()),
                _ => false,
            };
            if !glued {
                // All bytes i..j are ASCII, so these are char boundaries.
                return text.get(i..j);
            }
        }
        i += 1;
    }
    None
}

/// The first SMTP reply code (2xx/4xx/5xx three digits at a word boundary, e.g. "550 ",
/// "550-", "said: 550") in text.
pub(crate) fn find_reply_code(text: &str) -> Option<u16> {
    let b = text.as_bytes();
    let mut i = 0;
    while i + 3 <= b.len() {
        let c = b[i];
        // A code starts a word: nothing glued before it ("id 12550", "192.0.2.250", "AUP#I-1350").
        let starts_word = i == 0
            || !(b[i - 1].is_ascii_alphanumeric()
                || matches!(b[i - 1], b'.' | b'-' | b'/' | b'#' | b'+' | b'='));
        // ... and ends one: "550 ", "550-", "550:", "550)" or the end of the text.
        let ends_word = matches!(
            b.get(i + 3),
            None | Some(b' ' | b'-' | b':' | b'\t' | b'\r' | b'\n' | b')' | b']' | b',' | b';')
        );
        if starts_word
            && ends_word
            && matches!(c, b'2' | b'4' | b'5')
            && matches!(b[i + 1], b'0'..=b'5')
            && b[i + 2].is_ascii_digit()
        {
            return Some(
                u16::from(c - b'0') * 100
                    + u16::from(b[i + 1] - b'0') * 10
                    + u16::from(b[i + 2] - b'0'),
            );
        }
        i += 1;
    }
    None
}

/// The status code the decision should use: the parser's, unless it is missing or only says
/// "X.0.0" while the text carries a more specific code of the same class (Sisimai prefers the
/// specific one).
pub(super) fn effective_status<'a>(given: Option<&'a str>, text: &'a str) -> Option<&'a str> {
    match given.map(str::trim).filter(|s| !s.is_empty()) {
        None => find_status(text),
        Some(g) => {
            let weak = status_parts(g).is_some_and(|(_, s, d)| s == "0" && d == "0");
            if !weak {
                return Some(g);
            }
            match find_status(text) {
                Some(t) if t.as_bytes().first() == g.as_bytes().first() && !t.ends_with(".0.0") => {
                    Some(t)
                }
                _ => Some(g),
            }
        }
    }
}
