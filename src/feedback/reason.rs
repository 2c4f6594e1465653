//! Bounce reason engine.
//!
//! Given the evidence a bounce parser extracted for one failed recipient (status code, reply
//! code, SMTP command, DSN action, diagnostic text, remote host and an optional parser hint),
//! [`decide`] picks the reason word the way Sisimai 5 would.  The decision order, the status
//! code table and the message fragments below are our own re-expression of Sisimai's published
//! behaviour (BSD-2 licensed project); no code is copied.
//!
//! Everything works on one lower-cased, whitespace-squeezed copy of the text; matching is plain
//! substring search ("any of these fragments") plus ordered sequences ("these fragments appear in
//! this order").  No regular expressions, no panics on any input.

/// Sisimai 5's reason vocabulary.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Reason {
    /// Rejected for SPF / DKIM / DMARC / ARC failure.
    AuthFailure,
    /// Rejected because of the sending IP's or domain's reputation.
    BadReputation,
    /// Rejected because of the client IP address / hostname / HELO (block lists, connection level).
    Blocked,
    /// Rejected for header or MIME format of the message.
    ContentError,
    /// Delivered successfully (not a bounce).
    Delivered,
    /// Message size (or header size) too big.
    EmailTooLarge,
    /// Delivery time expired; the sending MTA gave up retrying.
    Expired,
    /// STARTTLS / TLS negotiation problem or TLS required.
    FailedStartTls,
    /// ARF feedback report (not a bounce).
    Feedback,
    /// Rejected after DATA by a recipient-side filter.
    Filtered,
    /// Mailbox has moved, no forwarding address.
    HasMoved,
    /// Recipient domain does not exist or cannot be routed.
    HostUnknown,
    /// Recipient mailbox is full.
    MailboxFull,
    /// Local mailer program (pipe, procmail, ...) failed.
    MailerError,
    /// DNS lookup failure, routing loop, other network problem.
    NetworkError,
    /// Relaying denied.
    NoRelaying,
    /// Destination accepts no mail at all (null MX and similar).
    NotAccept,
    /// Message is not RFC 5322 compliant.
    NotCompliantRfc,
    /// Not enough information to decide.
    OnHold,
    /// Rejected by a policy of the destination.
    PolicyViolation,
    /// Rate limit, too many connections, too fast.
    RateLimited,
    /// Rejected because of the envelope sender.
    Rejected,
    /// Client IP has no or a bad PTR record.
    RequirePtr,
    /// Security violation, authentication required, generic X.7.x.
    SecurityError,
    /// Rejected by a spam filter.
    SpamDetected,
    /// Not sent because the recipient is on a suppression list.
    Suppressed,
    /// Recipient account suspended or disabled.
    Suspend,
    /// SMTP command syntax error.
    SyntaxError,
    /// Error on the remote system.
    SystemError,
    /// Remote system's disk is full.
    SystemFull,
    /// No reason could be detected at all.
    Undefined,
    /// Local part does not exist.
    UserUnknown,
    /// Auto-reply / out of office (not a bounce).
    Vacation,
    /// Rejected by a virus scanner.
    VirusDetected,
}

/// Every reason with its word, so `as_str` and `from_word` stay in step.
const WORDS: [(Reason, &str); 34] = [
    (Reason::AuthFailure, "authfailure"),
    (Reason::BadReputation, "badreputation"),
    (Reason::Blocked, "blocked"),
    (Reason::ContentError, "contenterror"),
    (Reason::Delivered, "delivered"),
    (Reason::EmailTooLarge, "emailtoolarge"),
    (Reason::Expired, "expired"),
    (Reason::FailedStartTls, "failedstarttls"),
    (Reason::Feedback, "feedback"),
    (Reason::Filtered, "filtered"),
    (Reason::HasMoved, "hasmoved"),
    (Reason::HostUnknown, "hostunknown"),
    (Reason::MailboxFull, "mailboxfull"),
    (Reason::MailerError, "mailererror"),
    (Reason::NetworkError, "networkerror"),
    (Reason::NoRelaying, "norelaying"),
    (Reason::NotAccept, "notaccept"),
    (Reason::NotCompliantRfc, "notcompliantrfc"),
    (Reason::OnHold, "onhold"),
    (Reason::PolicyViolation, "policyviolation"),
    (Reason::RateLimited, "ratelimited"),
    (Reason::Rejected, "rejected"),
    (Reason::RequirePtr, "requireptr"),
    (Reason::SecurityError, "securityerror"),
    (Reason::SpamDetected, "spamdetected"),
    (Reason::Suppressed, "suppressed"),
    (Reason::Suspend, "suspend"),
    (Reason::SyntaxError, "syntaxerror"),
    (Reason::SystemError, "systemerror"),
    (Reason::SystemFull, "systemfull"),
    (Reason::Undefined, "undefined"),
    (Reason::UserUnknown, "userunknown"),
    (Reason::Vacation, "vacation"),
    (Reason::VirusDetected, "virusdetected"),
];

impl Reason {
    /// The lower-case reason word Sisimai prints ("userunknown", "emailtoolarge", ...).
    pub fn as_str(self) -> &'static str {
        WORDS
            .iter()
            .find(|(r, _)| *r == self)
            .map(|(_, w)| *w)
            .unwrap_or("undefined")
    }

    /// The reason for a word, case-insensitive.  Sisimai's retired words (`mesgtoobig`,
    /// `exceedlimit`, `speeding`, `toomanyconn`) map to their Sisimai 5 successors so that
    /// older reports read back sensibly.
    pub fn from_word(word: &str) -> Option<Reason> {
        let w = word.trim();
        if let Some((r, _)) = WORDS.iter().find(|(_, s)| s.eq_ignore_ascii_case(w)) {
            return Some(*r);
        }
        const RETIRED: [(&str, Reason); 4] = [
            ("mesgtoobig", Reason::EmailTooLarge),
            ("exceedlimit", Reason::EmailTooLarge),
            ("speeding", Reason::RateLimited),
            ("toomanyconn", Reason::RateLimited),
        ];
        RETIRED
            .iter()
            .find(|(s, _)| s.eq_ignore_ascii_case(w))
            .map(|(_, r)| *r)
    }

    /// Sisimai's hard-bounce rule: userunknown/hostunknown/hasmoved always; notaccept unless the
    /// evidence is temporary (4xx, " temporar", " persistent").
    ///
    /// `status` is the enhanced status (or `None`), `text` the diagnostic text.  For notaccept the
    /// code that decides is the status, else the first status code in the text, else the first
    /// reply code in the text; with no evidence at all a notaccept counts as hard, like Sisimai.
    pub fn is_hard(self, status: Option<&str>, text: &str) -> bool {
        match self {
            Reason::UserUnknown | Reason::HostUnknown | Reason::HasMoved => true,
            Reason::NotAccept => {
                let code: Option<char> = status
                    .filter(|s| !s.is_empty())
                    .and_then(|s| s.chars().next())
                    .or_else(|| find_status(text).and_then(|s| s.chars().next()))
                    .or_else(|| find_reply_code(text).map(|c| if c >= 500 { '5' } else { '4' }));
                match code {
                    Some('5') => true,
                    Some('4') => false,
                    _ => {
                        let lc = text.to_lowercase();
                        !(lc.contains(" temporar") || lc.contains(" persistent"))
                    }
                }
            }
            _ => false,
        }
    }
}

/// The SMTP command the failure answered, when the report says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Command {
    /// The connection phase (greeting); Sisimai's pseudo command CONN.
    Connect,
    /// HELO or EHLO.
    Helo,
    /// STARTTLS.
    StartTls,
    /// AUTH.
    Auth,
    /// MAIL FROM.
    Mail,
    /// RCPT TO.
    Rcpt,
    /// DATA or end of data.
    Data,
    /// Any other command (QUIT, RSET, VRFY, ...).
    Other,
}

impl Command {
    /// Finds the SMTP command a diagnostic text says the error answered: "(in reply to RCPT TO
    /// command)", "after RCPT TO", "SMTP error from remote mail server after end of data",
    /// "RCPT TO:<", "MAIL FROM", "DATA", "HELO/EHLO", "STARTTLS", "initial connection" ...
    /// (case-insensitive for phrases; bare command words must be upper case, because "data" and
    /// "mail" are ordinary English words in bounce prose).
    pub fn from_text(text: &str) -> Option<Command> {
        command_in(&text.to_ascii_lowercase(), text)
    }
}

/// [`Command::from_text`] on a lower-cased copy `lc` (for phrases) and the original `raw` (for
/// upper-case bare words); `decide` passes its normalised text so no extra copy is made.
fn command_in(lc: &str, raw: &str) -> Option<Command> {
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

/// What a parser found for one recipient.
pub struct Evidence<'a> {
    /// Enhanced status code such as "5.1.1" (may be absent; X.0.0 is treated as weak).
    pub status: Option<&'a str>,
    /// SMTP reply code such as 550.
    pub reply_code: Option<u16>,
    /// The SMTP command the error answered.
    pub command: Option<Command>,
    /// DSN Action in lower case: "failed", "delayed", "delivered", "relayed", "expanded".
    pub action: Option<&'a str>,
    /// The diagnostic text in its original case; may be long and may contain any script.
    pub text: &'a str,
    /// Remote-MTA host (or the host in "host X said:"), lower case, for the rhost rules.
    pub remote_host: Option<&'a str>,
    /// A reason the format parser already determined from format-specific markers.
    pub hint: Option<Reason>,
}

// ------------------------------------------------------------------------------------------------
// Status codes
// ------------------------------------------------------------------------------------------------

/// The reason an enhanced status code alone stands for (Sisimai's status table), if any.
///
/// Codes of the retired reasons are mapped to their Sisimai 5 successors (emailtoolarge,
/// ratelimited).  Generic codes (X.0.0, 4.7.0, 4.3.0, 4.4.0, 4.5.0 ...) stand for nothing.
pub fn from_status(status: &str) -> Option<Reason> {
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
fn status_parts(s: &str) -> Option<(u8, &str, &str)> {
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
pub fn find_status(text: &str) -> Option<&str> {
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
pub fn find_reply_code(text: &str) -> Option<u16> {
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
fn effective_status<'a>(given: Option<&'a str>, text: &'a str) -> Option<&'a str> {
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

// ------------------------------------------------------------------------------------------------
// Text patterns
// ------------------------------------------------------------------------------------------------

/// Message fragments for one reason.  `not`: vetoes checked first; `any`: one fragment suffices;
/// `seq`: all fragments of one entry appear in this order.
struct Pat {
    not: &'static [&'static str],
    any: &'static [&'static str],
    seq: &'static [&'static [&'static str]],
}

const NONE: Pat = Pat {
    not: &[],
    any: &[],
    seq: &[],
};

const USERUNKNOWN: Pat = Pat {
    not: &[],
    any: &[
        "#5.1.1 bad address",
        "550 address invalid",
        "5.1.0 address rejected.",
        "address does not exist",
        "address not present in directory",
        "address unknown",
        "can't accept user",
        "does not exist.",
        "destination addresses were unknown",
        "destination server rejected recipients",
        "email address does not exist",
        "email address could not be found",
        "invalid address",
        "invalid mailbox",
        "invalid mailbox path",
        "invalid recipient",
        "is not a known user",
        "is not a valid mailbox",
        "is not an active address at this host",
        "mailbox does not exist",
        "mailbox invalid",
        "mailbox is inactive",
        "mailbox is unavailable",
        "mailbox not present",
        "mailbox not found",
        "mailbox unavaiable",
        "nessun utente simile in questo indirizzo",
        "no account by that name here",
        "no existe dicha persona",
        "no existe ese usuario ",
        "no mail box available for this user",
        "no mailbox by that name is currently available",
        "no mailbox found",
        "no such address here",
        "no such mailbox",
        "no such person at this address",
        "no such recipient",
        "no such user",
        "no thank you rejected: account unavailable",
        "no valid recipients, bye",
        "not a valid recipient",
        "not a valid user here",
        "not a local address",
        "not email addresses",
        "recipient address rejected. (in reply to rcpt to command)",
        "recipient address rejected: access denied",
        "recipient address rejected: invalid user",
        "recipient address rejected: invalid-recipient",
        "recipient address rejected: unknown user",
        "recipient address rejected: userunknown",
        "recipient does not exist",
        "recipient is not accepted",
        "recipient is not local",
        "recipient not exist",
        "recipient not found",
        "recipient not ok",
        "recipient refuses to accept your mail",
        "recipient unknown",
        "requested action not taken: mailbox unavailable",
        "resolver.adr.recipient notfound",
        "resolver.adr.recipnotfound",
        "resolver.adr.recipientnotfound",
        "sorry, user unknown",
        "sorry, badrcptto",
        "sorry, no mailbox here by that name",
        "sorry, your envelope recipient has been denied",
        "that domain or user isn't in my list of allowed rcpthosts",
        "the email account that you tried to reach does not exist",
        "the following recipients was undeliverable",
        "the user's email name is not found",
        "there is no one at this address",
        "this address no longer accepts mail",
        "this email address is wrong or no longer valid",
        "this recipient is in my badrecipientto list",
        "this recipient is not in my validrcptto list",
        "this spectator does not exist",
        "unknown mailbox",
        "unknown recipient",
        "unknown user",
        "user does not exist",
        "user missing home directory",
        "user not active",
        "user not exist",
        "user not found",
        "user not known",
        "user unknown",
        "utilisateur inconnu !",
        "vdeliver: invalid or unknown virtual user",
        "weil die adresse nicht gefunden wurde oder keine e-mails empfangen kann",
        "your envelope recipient is in my badrcptto list",
    ],
    seq: &[
        &["<", "> not found"],
        &["<", ">... blocked by "],
        &["account ", " does not exist at the organization"],
        &[
            "adresse d au moins un destinataire invalide. invalid recipient.",
            "416",
        ],
        &[
            "adresse d au moins un destinataire invalide. invalid recipient.",
            "418",
        ],
        &["bad", "recipient"],
        &["mailbox ", "does not exist"],
        &["mailbox ", "unavailable or access denied"],
        &["no ", " in name directory"],
        &["non", "existent user"],
        &["rcpt <", " does not exist"],
        &["rcpt (", "t exist "],
        &["recipient ", " was not found in"],
        &["recipient address rejected: user ", "  does not exist"],
        &["recipient address rejected: user unknown in ", "  table"],
        &["said: 550", "5.1.1 ", " user unknown "],
        &["this user doesn't have a ", " account"],
        &["unknown e", "mail address"],
        &["unknown local", "part"],
        &["user ", " was not found"],
        &["user ", " does not exist"],
        &["user (", ") unknown"],
    ],
};

const FILTERED: Pat = Pat {
    not: &[],
    any: &[
        "account is protected by",
        "bounced address",
        "has restricted sms e-mail",
        "is not accepting any mail",
        "message filtered",
        "message rejected due to user rules",
        "not found recipient account",
        "recipient id refuse to receive mail",
        "recipient is only accepting mail from specific email addresses",
        "refused due to recipient preferences",
        "user not found",
        "user refuses to receive this mail",
        "user reject",
        "you have been blocked by the recipient",
    ],
    seq: &[],
};

const REJECTED: Pat = Pat {
    not: &[
        "5.1.0 address rejected",
        "recipient address rejected",
        "sender ip address rejected",
    ],
    any: &[
        "access denied (in reply to mail from command)",
        "access denied (sender blacklisted)",
        "address rejected",
        "administrative prohibition",
        "batv failed to verify",
        "batv validation failure",
        "backscatter protection detected an invalid or expired email address",
        "because the sender isn't on the recipient's list of senders to accept mail from",
        "bogus mail from",
        "can't determine purported responsible address",
        "connections not accepted from servers without a valid sender domain",
        "denied [bouncedeny]",
        "denied by secumail valid-address-filter",
        "delivery not authorized, message refused",
        "does not exist e2110",
        "domain of sender address ",
        "email address is on senderfilterconfig list",
        "emetteur invalide",
        "empty envelope senders not allowed",
        "envelope blocked - ",
        "error: no third-party dsns",
        "from: domain is invalid. please provide a valid from:",
        "fully qualified email address required",
        "invalid domain, see <url:",
        "invalid sender",
        "is not a registered gateway user",
        "mail from not owned by user",
        "message rejected: email address is not verified",
        "mx records for ",
        "null sender is not allowed",
        "recipient addresses rejected : access denied",
        "recipient not accepted. (batv: no tag",
        "returned mail not accepted here",
        "rfc 1035 violation: recursive cname records for",
        "rule imposed mailbox access for",
        "sending this from a different address or alias using the ",
        "sender address has been blacklisted",
        "sender email address rejected",
        "sender is in my black list",
        "sender is spammer",
        "sender not pre-approved",
        "sender rejected",
        "sender domain is empty",
        "sender verify failed",
        "sender was rejected",
        "spam reporting address",
        "syntax error: empty email address",
        "the message has been rejected by batv defense",
        "this server does not accept mail from",
        "transaction failed unsigned dsn for",
        "unroutable sender address",
        "you are not allowed to post to this mailing list",
        "you are sending to/from an address that has been blacklisted",
        "your access to submit messages to this e-mail system has been rejected",
        "your email address has been blacklisted",
    ],
    seq: &[],
};

const BLOCKED: Pat = Pat {
    not: &[],
    any: &[
        " said: 550 blocked",
        "//www.spamcop.net/bl.",
        "bad sender ip address",
        "banned sending ip",
        "blacklisted by",
        "blocked using ",
        "blocked - see http",
        "dnsbl:attrbl",
        "client host rejected: abus detecte gu_eib_02",
        "client host rejected: abus detecte gu_eib_04",
        "client host rejected: may not be mail exchanger",
        "client host rejected: was not authenticated",
        "confirm this mail server",
        "connection dropped",
        "connection refused by",
        "connection reset by peer",
        "connection was dropped by remote host",
        "connections not accepted from ip addresses on spamhaus xbl",
        "currently sending spam see: ",
        "domain does not exist:",
        "dynamic/zombied/spam ips blocked",
        "error: no valid recipients from ",
        "esmtp not accepting connections",
        "extreme bad ip profile",
        "go away",
        "helo command rejected:",
        "but my name was rejected",
        "host network not allowed",
        "hosts with dynamic ip",
        "invalid ip for sending mail of domain",
        "is in a black list",
        "is not allowed to send mail from",
        "mailfrom domain is listed in spamhaus",
        "no access from mail server",
        "no matches to nameserver query",
        "not currently accepting mail from your ip",
        "part of their network is on our block list",
        "please use the smtp server of your isp",
        "refused - see http",
        "rejected - multi-blacklist",
        "rejected because the sending mta or the sender has not passed validation",
        "rejecting open proxy",
        "sender ip address rejected",
        "server access forbidden by your ip ",
        "service not available, closing transmission channel",
        "smtp error from remote mail server after initial connection:",
        "sorry, that domain isn't in my list of allowed rcpthosts",
        "sorry, your remotehost looks suspiciously like spammer",
        "temporarily deferred due to unexpected volume or user complaints",
        "to submit messages to this e-mail system has been rejected",
        "too many spams from your ip",
        "too many unwanted messages have been sent from the following ip address above",
        "was blocked by ",
        "we do not accept mail from dynamic ips",
        "you are not allowed to connect",
        "you are sending spam",
        "your ip address is listed in the rbl",
        "your network is temporary blacklisted",
        "your server requires confirmation",
    ],
    seq: &[
        &["(", "@", ":blocked)"],
        &["access from ip address ", " blocked"],
        &["client host ", " blocked using"],
        &[
            "connections will not be accepted from ",
            " because the ip is in spamhaus's list",
        ],
        &["dnsbl:rbl ", ">_is_blocked"],
        &["email blocked by ", ".barracudacentral.org"],
        &["email blocked by ", "spamhaus"],
        &["host ", " refused to talk to me: ", " blocked"],
        &["ip ", " is blocked by earthlink"],
        &["is in an ", "rbl on "],
        &["mail server at ", " is blocked"],
        &["mail from ", " refused:"],
        &["mail from ", " refused, see ", "orbs"],
        &["message from ", " rejected based on blacklist"],
        &[
            "messages from ",
            " temporarily deferred due to user complaints",
        ],
        &["server ip ", " listed as abusive"],
        &["sorry! your ip address", " is blocked by rbl"],
        &["the domain ", " is blacklisted"],
        &["the email ", " is blacklisted"],
        &["the ip", " is blacklisted"],
        &[
            "veuillez essayer plus tard. service refused, please try later. ",
            "103",
        ],
        &[
            "veuillez essayer plus tard. service refused, please try later. ",
            "510",
        ],
        &["your access ip", " has been rejected"],
        &["your sender's ip address is listed at ", ".abuseat.org"],
    ],
};

const POLICYVIOLATION: Pat = Pat {
    not: &[],
    any: &[
        "an illegal attachment on your message",
        "because the recipient is not accepting mail with ",
        "by non-member to a members-only list",
        "closed mailing list",
        "denied by policy",
        "email not accepted for policy reasons",
        "email rejected due to security policies",
        "header are not accepted",
        "local policy violation",
        "message bounced due to organizational settings",
        "message given low priority",
        "message not accepted for policy reasons",
        "message rejected due to local policy",
        "messages with multiple addresses",
        "rejected for policy reasons",
        "protocol violation",
        "the email address used to send your message is not subscribed to this group",
        "the message was rejected by organization policy",
        "we do not accept messages containing images or other attachments",
        "you're using a mass mailer",
    ],
    seq: &[&[
        "you have exceeded the",
        "allowable number of posts without solving a captcha",
    ]],
};

const SPAMDETECTED: Pat = Pat {
    not: &[],
    any: &[
        " - spam",
        "//www.spamhaus.org/help/help_spam_16.htm",
        "//dsbl.org/help/help_spam_16.htm",
        "//mail.163.com/help/help_spam_16.htm",
        "554 5.7.0 reject, id=",
        "appears to be unsolicited",
        "blacklisted url in message",
        "block for spam",
        "blocked by policy: no spam please",
        "blocked by spamassassin",
        "blocked for abuse. see http://att.net/blocks",
        "cannot be forwarded because it was detected as spam",
        "considered unsolicited bulk e-mail (spam) by our mail filters",
        "content filter rejection",
        "cyberoam anti spam engine has identified this email as a bulk email",
        "denied due to spam list",
        "high probability of spam",
        "is classified as spam and is rejected",
        "listed in work.drbl.imedia.ru",
        "the mail server detected your message as spam and has prevented delivery.",
        "mail appears to be unsolicited",
        "mail content denied",
        "may consider spam",
        "message considered as spam or virus",
        "message contains spam or virus",
        "message content rejected",
        "message detected as spam",
        "message filtered",
        "message filtered. please see the faqs section on spam",
        "message filtered. refer to the troubleshooting page at ",
        "message looks like spam",
        "message is being rejected as it seems to be a spam",
        "message refused by mailmarshal spamprofiler",
        "message refused by trustwave seg spamprofiler",
        "message rejected as spam",
        "message rejected because of unacceptable content",
        "message rejected due to suspected spam content",
        "message rejected for policy reasons",
        "message was rejected for possible spam/virus content",
        "our email server thinks this email is spam",
        "our system has detected that this message is ",
        "probable spam",
        "reject bulk.advertising",
        "rejected: spamassassin score ",
        "rejected - bulk email",
        "rejecting banned content",
        "rejecting mail content",
        "related to content with spam-like characteristics",
        "sender domain listed at ",
        "sending address not accepted due to spam filter",
        "spam blocked",
        "spam check",
        "spam content matched",
        "spam detected",
        "spam email",
        "spam email not accepted",
        "spam message rejected.",
        "spam not accepted",
        "spam refused",
        "spam rejection",
        "spam score ",
        "spambouncer identified spam",
        "spamming not allowed",
        "too many spam complaints",
        "too much spam.",
        "the email message was detected as spam",
        "the message has been rejected by spam filtering engine",
        "the message was rejected due to classification as bulk mail",
        "the content of this message looked like spam",
        "this message appears to be spam",
        "this message has been identified as spam",
        "this message has been scored as spam with a probability",
        "this message was classified as spam",
        "this message was rejected by recurrent pattern detection system",
        "transaction failed spam message not queued",
        "we dont accept spam",
        "your email appears similar to spam we have received before",
        "your email breaches local uribl policy",
        "your email had spam-like ",
        "your email is considered spam",
        "your email is probably spam",
        "your email was detected as spam",
        "your message as spam and has prevented delivery",
        "your message has been temporarily blocked by our filter",
        "your message has been rejected because it appears to be spam",
        "your message has triggered a spam block",
        "your message may contain the spam contents",
        "your message failed several antispam checks",
    ],
    seq: &[
        &["greylisted", " please try again in"],
        &["mail score (", " over "],
        &["mail rejete. mail rejected. ", "506"],
        &[
            "our filters rate at and above ",
            " percent probability of being spam",
        ],
        &["rejected by ", " (spam)"],
        &["rejected due to spam ", "classification"],
        &["rejected due to spam ", "content"],
        &["rule imposed as ", " is blacklisted on"],
        &["spam ", " exceeded"],
        &["this message scored ", " spam points"],
    ],
};

const MAILBOXFULL: Pat = Pat {
    not: &[],
    any: &[
        "452 insufficient disk space",
        "account disabled temporarly for exceeding receiving limits",
        "boite du destinataire pleine",
        "exceeded storage allocation",
        "full mailbox",
        "mailbox exceeds allowed size",
        "mailbox size limit exceeded",
        "mailbox would exceed maximum allowed storage",
        "mailfolder is full",
        "no space left on device",
        "not sufficient disk space",
        "quota violation for",
        "too much mail data",
        "user has exceeded quota, bouncing mail",
        "user has too many messages on the server",
        "user's space has been used up",
    ],
    seq: &[
        &["account is ", " quota"],
        &["disk", "quota"],
        &["enough ", " space"],
        &["mailbox ", "exceeded", " limit"],
        &["mailbox ", "full"],
        &["mailbox ", "quota"],
        &["maildir ", "quota"],
        &["over ", "quota"],
        &["quota ", "exceeded"],
    ],
};

const HOSTUNKNOWN: Pat = Pat {
    not: &[],
    any: &[
        "domain does not exist",
        "domain is not reachable",
        "domain must exist",
        "host or domain name not found",
        "host unknown",
        "host unreachable",
        "mail domain mentioned in email address is unknown",
        "name or service not known",
        "no such domain",
        "recipient address rejected: unknown domain name",
        "recipient domain must exist",
        "the account or domain may not exist",
        "unknown host",
        "unroutable address",
        "unrouteable address",
    ],
    seq: &[&["553 ", " does not exist"]],
};

const SUSPEND: Pat = Pat {
    not: &[],
    any: &[
        " is currently suspended",
        " temporary locked",
        "archived recipient",
        "boite du destinataire archivee",
        "email account that you tried to reach is disabled",
        "has been suspended",
        "inactive account",
        "invalid/inactive user",
        "is a deactivated mailbox",
        "is unavailable: user is terminated",
        "mailbox currently suspended",
        "mailbox disabled",
        "mailbox is frozen",
        "mailbox unavailable or access denied",
        "recipient rejected: temporarily inactive",
        "recipient suspend the service",
        "the email account that you tried to reach is inactive",
        "this account has been disabled or discontinued",
        "this account has been temporarily suspended",
        "this address no longer accepts mail",
        "this mailbox is disabled",
        "user or domain is disabled",
        "user suspended",
        "vdelivermail: account is locked email bounced",
    ],
    seq: &[],
};

const HASMOVED: Pat = Pat {
    not: &[],
    any: &[" has been replaced by "],
    seq: &[],
};

const NOTACCEPT: Pat = Pat {
    not: &[],
    any: &[
        "does not accept mail (nullmx)",
        "host/domain does not accept mail",
        "host does not accept mail",
        "mail receiving disabled",
        "name server: .: host not found",
        "no mx record found for domain=",
        "no route for current request",
        "smtp protocol returned a permanent error",
        "returned null mx",
        "an mx or srv record indicated no smtp service",
    ],
    seq: &[],
};

const NORELAYING: Pat = Pat {
    not: &[],
    any: &[
        "as a relay",
        "email address is not verified.",
        "insecure mail relay",
        "is not permitted to relay through this server without authentication",
        "mail server requires authentication when attempting to send to a non-local e-mail address",
        "no relaying",
        "not a gateway",
        "not allowed to relay through this machine",
        "not an open relay, so get lost",
        "not local host",
        "relay access denied",
        "relay denied",
        "relay not permitted",
        "relaying denied",
        "relaying mail to ",
        "specified domain is not allowed",
        "that domain isn't in my list of allowed rcpthost",
        "this system is not configured to relay mail",
        "unable to relay ",
        "we don't handle mail for",
    ],
    seq: &[],
};

const AUTHFAILURE: Pat = Pat {
    not: &[],
    any: &[
        "//spf.pobox.com",
        "bad spf records for",
        "dmarc policy",
        "doesn't meet the required authentication level",
        "please inspect your spf settings",
        "sender policy framework (spf) fail",
        "sender policy framework violation",
        "spf (sender policy framework) domain authentication fail",
        "spf check: fail",
    ],
    seq: &[
        &[" is not allowed to send mail.", "_401"],
        &["is not allowed to send from <", " per it's spf record"],
    ],
};

const BADREPUTATION: Pat = Pat {
    not: &[],
    any: &[
        "a poor email reputation score",
        "has been temporarily rate limited due to ip reputation",
        "ip/domain reputation problems",
        "likely suspicious due to the very low reputation",
        "none/bad reputation",
        "temporarily deferred due to unexpected volume or user complaints",
        "the sending mta's poor reputation",
    ],
    seq: &[],
};

const REQUIREPTR: Pat = Pat {
    not: &[],
    any: &[
        "access denied. ip name lookup failed",
        "all mail servers must have a ptr record with a valid reverse dns entry",
        "bad dns ptr resource record",
        "cannot find your hostname",
        "cannot resolve your address.",
        "client host rejected: cannot find your hostname",
        "fix reverse dns for ",
        "ips with missing ptr records",
        "no ptr record found.",
        "please get a custom reverse dns name from your isp for your host",
        "ptr record setup",
        "reverse dns failed",
        "reverse dns required",
        "sender ip reverse lookup rejected",
        "the ip address sending this message does not have a ptr record setup",
        "the corresponding forward dns entry does not point to the sending ip",
        "this system will not accept messages from servers/devices with no reverse dns",
        "unresolvable relay host name",
        "we do not accept mail from hosts with dynamic ip or generic dns ptr-records",
    ],
    seq: &[
        &["domain ", " mismatches client ip"],
        &["dns lookup failure: ", " try again later"],
        &["reverse dns lookup for host ", " failed permanently"],
        &[
            "server access ",
            " forbidden by invalid rdns record of your mail server",
        ],
        &["service permits ", " unverifyable sending ips"],
    ],
};

const NOTCOMPLIANTRFC: Pat = Pat {
    not: &[],
    any: &[
        "duplicate header",
        "this message is not rfc 5322 compliant",
        "https://support.google.com/mail/?p=rfcmessagenoncompliant",
    ],
    seq: &[&[" multiple ", " header"]],
};

const CONTENTERROR: Pat = Pat {
    not: &[],
    any: &[
        "duplicate header",
        "header error",
        "header size exceeds maximum permitted",
        "this message was blocked because its content presents a potential",
        "improper use of 8-bit data in message header",
        "message header size, or recipient list, exceeds policy limit",
        "message mime complexity exceeds the policy maximum",
        "routing loop detected -- too many received: headers",
        "this message contain invalid mime headers",
        "this message contain improperly-formatted binary content",
        "this message contain text that uses unnecessary base64 encoding",
    ],
    seq: &[],
};

const RATELIMITED: Pat = Pat {
    not: &[],
    any: &[
        "has exceeded the max emails per hour ",
        "please try again slower",
        "receiving mail at a rate that prevents additional messages from being delivered",
        "temporarily deferred due to unexpected volume or user complaints",
        "throttling failure: ",
        "too many errors from your ip",
        "trop de connexions, ",
        "we have already made numerous attempts to deliver this message",
    ],
    seq: &[
        &["connection ", "limit"],
        &[
            "exceeded ",
            "allowable number of posts without solving a captcha",
        ],
        &["temporarily", "rate limited"],
        &["throttled ", "postmaster.comcast.net"],
        &["too many ", "session"],
        &["too many ", "recipients"],
        &["too many con", "s"],
    ],
};

const EMAILTOOLARGE: Pat = Pat {
    not: &[],
    any: &[
        "exceeded maximum inbound message size",
        "exceeded the maximum incoming message size",
        "line limit exceeded",
        "max message size exceeded",
        "message file too big",
        "message header size exceeds limit",
        "message length exceeds administrative limit",
        "message size exceeds fixed limit",
        "message size exceeds fixed maximum message size",
        "message size exceeds maximum value",
        "message too big",
        "message too large",
        "size limit",
        "taille limite du message atteinte",
    ],
    seq: &[],
};

const EXPIRED: Pat = Pat {
    not: &[],
    any: &[
        "connection timed out",
        "could not find a gateway for",
        "delivery attempts will continue to be",
        "delivery expired",
        "delivery time expired",
        "failed to deliver to domain ",
        "giving up on",
        "have been failing for a long time",
        "has been delayed",
        "it has not been collected after",
        "message expired after sitting in queue for",
        "message expired, cannot connect to remote server",
        "message expired, connection refulsed",
        "message timed out",
        "retry time not reached for any host after a long failure period",
        "server did not respond",
        "this message has been in the queue too long",
        "unable to deliver message after multiple retries",
        "was not reachable within the allowed queue period",
        "your message could not be delivered for more than",
        // Phrases of MTAs whose own parsers Sisimai uses to say "expired".
        "retry timeout exceeded",
        "envelope expired",
        "did not accept our requests to connect",
        "could not deliver for the last",
        "queue expired",
        "message expired",
    ],
    seq: &[
        &["could not be delivered for", " days"],
        &["not delivered within ", " days"],
    ],
};

const NETWORKERROR: Pat = Pat {
    not: &[],
    any: &[
        "could not connect and send the mail to",
        "dns records for the destination computer could not be found",
        "hop count exceeded - possible mail loop",
        "host is unreachable",
        "host name lookup failure",
        "host not found, try again",
        "mail forwarding loop for ",
        "malformed name server reply",
        "malformed or unexpected name server reply",
        "maximum forwarding loop count exceeded",
        "message looping",
        "message probably in a routing loop",
        "no route to host",
        "too many hops",
        "unable to resolve route ",
        "unrouteable mail domain",
    ],
    seq: &[],
};

const SYSTEMERROR: Pat = Pat {
    not: &[],
    any: &[
        "aliasing/forwarding loop broken",
        "can't create user output file",
        "could not load drd for domain",
        "internal error reading data",
        "internal server error: operation now in progress",
        "interrupted system call",
        "it encountered an error while being processed",
        "it would create a mail loop",
        "local configuration error",
        "local error in processing",
        "loop was found in the mail exchanger",
        "loops back to myself",
        "mail system configuration error",
        "queue file write error",
        "recipient deferred because there is no mdb",
        "remote server is misconfigured",
        "server configuration error",
        "service currently unavailable",
        "system config error",
        "temporary local problem",
        "timeout waiting for input",
        "transaction failed ",
    ],
    seq: &[&["unable to connect ", "daemon"]],
};

const SYSTEMFULL: Pat = Pat {
    not: &[],
    any: &[
        "mail system full",
        "requested mail action aborted: exceeded storage allocation",
    ],
    seq: &[],
};

const SECURITYERROR: Pat = Pat {
    not: &[],
    any: &[
        "account not subscribed to ses",
        "authentication credentials invalid",
        "authentication failure",
        "authentication required",
        "authentication turned on in your email client",
        "executable files are not allowed in compressed files",
        "insecure mail relay",
        "recipient address rejected: access denied",
        "sorry, you don't authenticate or the domain isn't in my list of allowed rcpthosts",
        "unauthenticated senders not allowed",
        "verification failure",
        "you are not authorized to send mail, authentication is required",
    ],
    seq: &[
        &["authentication failed; server ", " said: "],
        &["authentification invalide", "305"],
        &["authentification requise", "402"],
        &["domain ", " is a dead domain"],
        &[
            "user ",
            " is not authorized to perform ses:sendrawemail on resource",
        ],
    ],
};

const VIRUSDETECTED: Pat = Pat {
    not: &[],
    any: &[
        "it has a potentially executable attachment",
        "the message was rejected because it contains prohibited virus or spam content",
        "this form of attachment has been used by recent viruses or other malware",
        "virus detected",
        "virus phishing/malicious_url detected",
        "your message was infected with a virus",
    ],
    seq: &[],
};

const MAILERERROR: Pat = Pat {
    not: &[],
    any: &[
        " || exit ",
        "procmail: ",
        "bin/procmail",
        "bin/maidrop",
        "command failed: ",
        "command died with status ",
        "command output:",
        "mailer error",
        "pipe to |/",
        "x-unix; ",
    ],
    seq: &[],
};

const FAILEDSTARTTLS: Pat = Pat {
    not: &[],
    any: &[
        "starttls is required to send mail",
        "tls required but not supported",
    ],
    seq: &[],
};

const VACATION: Pat = Pat {
    not: &[],
    any: &[
        "i am away on vacation",
        "i am away until",
        "i am out of the office",
        "i will be traveling for work on",
    ],
    seq: &[],
};

/// The fragment table of a reason (reasons without text evidence get an empty table).
fn pat(r: Reason) -> &'static Pat {
    use Reason::*;
    match r {
        UserUnknown => &USERUNKNOWN,
        Filtered => &FILTERED,
        Rejected => &REJECTED,
        Blocked => &BLOCKED,
        PolicyViolation => &POLICYVIOLATION,
        SpamDetected => &SPAMDETECTED,
        MailboxFull => &MAILBOXFULL,
        HostUnknown => &HOSTUNKNOWN,
        Suspend => &SUSPEND,
        HasMoved => &HASMOVED,
        NotAccept => &NOTACCEPT,
        NoRelaying => &NORELAYING,
        AuthFailure => &AUTHFAILURE,
        BadReputation => &BADREPUTATION,
        RequirePtr => &REQUIREPTR,
        NotCompliantRfc => &NOTCOMPLIANTRFC,
        ContentError => &CONTENTERROR,
        RateLimited => &RATELIMITED,
        EmailTooLarge => &EMAILTOOLARGE,
        Expired => &EXPIRED,
        NetworkError => &NETWORKERROR,
        SystemError => &SYSTEMERROR,
        SystemFull => &SYSTEMFULL,
        SecurityError => &SECURITYERROR,
        VirusDetected => &VIRUSDETECTED,
        MailerError => &MAILERERROR,
        FailedStartTls => &FAILEDSTARTTLS,
        Vacation => &VACATION,
        _ => &NONE,
    }
}

/// True when all `parts` occur in `hay` in this order, each after the end of the previous one.
fn aligned(hay: &str, parts: &[&str]) -> bool {
    let mut from = 0;
    for p in parts {
        match hay.get(from..).and_then(|rest| rest.find(p)) {
            Some(i) => from += i + p.len(),
            None => return false,
        }
    }
    true
}

/// Reasons that have a fragment table, in the order their fragments are numbered.
const PATTERNED: [Reason; 28] = [
    Reason::UserUnknown,
    Reason::Filtered,
    Reason::Rejected,
    Reason::Blocked,
    Reason::PolicyViolation,
    Reason::SpamDetected,
    Reason::MailboxFull,
    Reason::HostUnknown,
    Reason::Suspend,
    Reason::HasMoved,
    Reason::NotAccept,
    Reason::NoRelaying,
    Reason::AuthFailure,
    Reason::BadReputation,
    Reason::RequirePtr,
    Reason::NotCompliantRfc,
    Reason::ContentError,
    Reason::RateLimited,
    Reason::EmailTooLarge,
    Reason::Expired,
    Reason::NetworkError,
    Reason::SystemError,
    Reason::SystemFull,
    Reason::SecurityError,
    Reason::VirusDetected,
    Reason::MailerError,
    Reason::FailedStartTls,
    Reason::Vacation,
];

/// Fragments that fit in the per-call hit bitset; the rest (if tables ever grow past it) are
/// checked with plain substring search instead.
const MAX_INDEXED: usize = 64 * 32;
const BUCKETS: usize = 4096;

/// Fragment numbers of one reason's table.
#[derive(Default)]
struct Ids {
    not: Vec<u16>,
    any: Vec<u16>,
    /// Number of the first part of each ordered sequence.
    seq_first: Vec<u16>,
}

/// Every fragment of every table, bucketed by its first three bytes, so one pass over the text
/// finds all fragments present (instead of one substring search per fragment and reason).
struct Index {
    frags: Vec<&'static str>,
    /// Fragment numbers of bucket `k` are `bucket_ids[bucket_start[k]..bucket_start[k + 1]]`.
    bucket_start: Vec<u32>,
    bucket_ids: Vec<u16>,
    // Fragments shorter than three bytes (or beyond MAX_INDEXED) are not bucketed; `Scan::has`
    // searches them directly.
    /// Per reason (by discriminant).
    ids: Vec<Ids>,
    /// Fragment numbers of the service signatures (`SIGNS`) and of "aup#".
    signs: Vec<u16>,
    aup: u16,
}

fn bucket_of(b: &[u8]) -> usize {
    (usize::from(b[0]) * 961 + usize::from(b[1]) * 31 + usize::from(b[2])) % BUCKETS
}

fn index() -> &'static Index {
    static INDEX: std::sync::OnceLock<Index> = std::sync::OnceLock::new();
    INDEX.get_or_init(|| {
        let mut ix = Index {
            frags: Vec::new(),
            bucket_start: Vec::new(),
            bucket_ids: Vec::new(),
            ids: (0..WORDS.len()).map(|_| Ids::default()).collect(),
            signs: Vec::new(),
            aup: 0,
        };
        let add = |ix: &mut Index, f: &'static str| -> u16 {
            let id = ix.frags.len() as u16;
            ix.frags.push(f);
            id
        };
        for r in PATTERNED {
            let p = pat(r);
            let mut ids = Ids::default();
            for f in p.not {
                ids.not.push(add(&mut ix, f));
            }
            for f in p.any {
                ids.any.push(add(&mut ix, f));
            }
            for s in p.seq {
                ids.seq_first
                    .push(add(&mut ix, s.first().copied().unwrap_or("")));
            }
            ix.ids[r as usize] = ids;
        }
        for (f, _) in SIGNS {
            let id = add(&mut ix, f);
            ix.signs.push(id);
        }
        ix.aup = add(&mut ix, "aup#");
        // Flatten the buckets so a lookup is two loads, not a pointer chase per position.
        let mut lists: Vec<Vec<u16>> = vec![Vec::new(); BUCKETS];
        for (id, f) in ix.frags.iter().enumerate().take(MAX_INDEXED) {
            if f.len() >= 3 {
                lists[bucket_of(f.as_bytes())].push(id as u16);
            }
        }
        for l in &lists {
            ix.bucket_start.push(ix.bucket_ids.len() as u32);
            ix.bucket_ids.extend_from_slice(l);
        }
        ix.bucket_start.push(ix.bucket_ids.len() as u32);
        ix
    })
}

/// The normalised text plus which fragments occur in it.
struct Scan<'a> {
    lc: &'a str,
    hits: [u64; MAX_INDEXED / 64],
}

impl<'a> Scan<'a> {
    fn new(lc: &'a str) -> Scan<'a> {
        let ix = index();
        let mut hits = [0u64; MAX_INDEXED / 64];
        let b = lc.as_bytes();
        for i in 0..b.len().saturating_sub(2) {
            let k = bucket_of(&b[i..]);
            let (from, to) = (ix.bucket_start[k] as usize, ix.bucket_start[k + 1] as usize);
            for &id in &ix.bucket_ids[from..to] {
                let f = ix.frags[id as usize].as_bytes();
                // Buckets mix trigrams; compare the first three bytes inline before memcmp.
                if f[..3] == b[i..i + 3] && b[i..].starts_with(f) {
                    hits[id as usize / 64] |= 1 << (id % 64);
                }
            }
        }
        Scan { lc, hits }
    }

    /// Does fragment `id` occur in the text?
    fn has(&self, id: u16) -> bool {
        let i = id as usize;
        if i < MAX_INDEXED && index().frags[i].len() >= 3 {
            self.hits[i / 64] & (1 << (i % 64)) != 0
        } else {
            self.lc.contains(index().frags[i])
        }
    }
}

/// Does the (normalised, lower-case) text carry this reason's message fragments?
fn says(r: Reason, t: &Scan<'_>) -> bool {
    if t.lc.is_empty() {
        return false;
    }
    let ids = &index().ids[r as usize];
    if ids.not.iter().any(|&id| t.has(id)) {
        return false;
    }
    if ids.any.iter().any(|&id| t.has(id)) {
        return true;
    }
    let p = pat(r);
    ids.seq_first
        .iter()
        .zip(p.seq)
        .any(|(&id, s)| t.has(id) && aligned(t.lc, s))
}

// ------------------------------------------------------------------------------------------------
// Remote-host rules
// ------------------------------------------------------------------------------------------------

/// Mail services whose own error vocabulary Sisimai knows.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Rhost {
    Aol,
    Apple,
    Cox,
    FrancePtt,
    GoDaddy,
    Google,
    Iua,
    Kddi,
    MessageLabs,
    Microsoft,
    Mimecast,
    Docomo,
    Spectrum,
    Tencent,
    Yahoo,
    Zoho,
    Cloudflare,
    Facebook,
}

/// Host-name suffixes identifying each service.
const RHOSTS: [(Rhost, &[&str]); 18] = [
    (Rhost::Aol, &[".mail.aol.com", ".mx.aol.com"]),
    (
        Rhost::Apple,
        &[".mail.icloud.com", ".apple.com", ".me.com", "icloud.com"],
    ),
    (Rhost::Cox, &["cox.net"]),
    (
        Rhost::FrancePtt,
        &[
            ".laposte.net",
            ".orange.fr",
            ".wanadoo.fr",
            "orange.fr",
            "wanadoo.fr",
        ],
    ),
    (Rhost::GoDaddy, &["secureserver.net"]),
    (
        Rhost::Google,
        &[
            "aspmx.l.google.com",
            "gmail-smtp-in.l.google.com",
            ".google.com",
            "googlemail.com",
        ],
    ),
    (Rhost::Iua, &[".email.ua", "i.ua"]),
    (Rhost::Kddi, &[".ezweb.ne.jp", "msmx.au.com", ".au.com"]),
    (Rhost::MessageLabs, &[".messagelabs.com"]),
    (
        Rhost::Microsoft,
        &[
            ".prod.outlook.com",
            ".protection.outlook.com",
            ".onmicrosoft.com",
            ".exchangelabs.com",
            ".hotmail.com",
            ".outlook.com",
        ],
    ),
    (Rhost::Mimecast, &[".mimecast.com"]),
    (Rhost::Docomo, &["mfsmax.docomo.ne.jp", ".docomo.ne.jp"]),
    (Rhost::Spectrum, &["charter.net", "spectrum.net"]),
    (Rhost::Tencent, &[".qq.com"]),
    (
        Rhost::Yahoo,
        &[".yahoodns.net", ".yahoo.com", ".yahoo.co.jp"],
    ),
    (Rhost::Zoho, &["zoho.com", "zohomail.com", "zoho.eu"]),
    (Rhost::Cloudflare, &[".mx.cloudflare.net"]),
    (Rhost::Facebook, &[".facebook.com"]),
];

/// Which service a remote host belongs to.  Hosts may come with a trailing dot or an
/// "[ip]" suffix, so only the first token, without the trailing dot, is compared.
fn rhost_of(host: &str) -> Option<Rhost> {
    let h = host
        .split([' ', '['])
        .next()
        .unwrap_or("")
        .trim_end_matches('.');
    if h.is_empty() {
        return None;
    }
    RHOSTS
        .iter()
        .find(|(_, sfx)| {
            sfx.iter()
                .any(|s| h.ends_with(s) || h == s.trim_start_matches('.'))
        })
        .map(|(r, _)| *r)
}

/// (fragment, reason) lists per service, checked in order; fragments are lower case.
fn rhost_table(r: Rhost) -> &'static [(&'static str, Reason)] {
    use Reason::*;
    match r {
        Rhost::Aol => &[
            ("host or domain name not found", HostUnknown),
            (
                "type=mx: malformed or unexpected name server reply",
                NotAccept,
            ),
        ],
        Rhost::Apple => &[
            ("s dmarc policy", AuthFailure),
            (
                "blocked for failing both spf and dkim autentication checks",
                AuthFailure,
            ),
            (
                "blocked for failing both spf and dkim authentication checks",
                AuthFailure,
            ),
            (
                "rejected due to having a domain present in the spamhaus",
                Blocked,
            ),
            ("rejected due to listing in spamhaus", Blocked),
            (
                "blocked - see https://support.proofpoint.com/dnsbl-lookup",
                Blocked,
            ),
            ("not accepting connections", Blocked),
            ("recipient no longer on server", HasMoved),
            ("user is over quota", MailboxFull),
            ("relay access denied", NoRelaying),
            ("host/domain does not accept mail", NotAccept),
            ("due to local policy", PolicyViolation),
            ("sender address rejected", Rejected),
            ("due to excessive volume", RateLimited),
            ("inactive email address", UserUnknown),
            ("user does not exist", UserUnknown),
            ("unknown or illegal alias", UserUnknown),
        ],
        Rhost::Cox => &[
            ("cox too many bad commands from", Blocked),
            ("too many invalid recipients", Blocked),
            ("dns check failure - try again later", RequirePtr),
            ("rejected - no rdns", RequirePtr),
            ("esmtp no data before greeting", PolicyViolation),
            ("attachment extension is forbidden", PolicyViolation),
            ("sender rejected", Rejected),
            ("esmtp server temporarily not available", SystemError),
            ("too many sessions from", RateLimited),
            ("requested action aborted: try again later", RateLimited),
            ("message threshold exceeded", RateLimited),
            ("recipient rejected", UserUnknown),
        ],
        Rhost::FrancePtt => &[("spf/dns de votre nom de domaine", AuthFailure)],
        Rhost::GoDaddy => &[
            ("ib401", SecurityError),
            ("ib501", NotCompliantRfc),
            ("ib502", NotCompliantRfc),
            ("ib506", Rejected),
            ("ib508", AuthFailure),
            ("ib108", RequirePtr),
            ("ib212", SpamDetected),
            ("ib705", VirusDetected),
            ("ib605", RateLimited),
            ("ib007", RateLimited),
            ("ib101", RateLimited),
            ("ib110", Blocked),
            ("ib111", Blocked),
            ("ib112", Blocked),
            ("ib113", Blocked),
            ("ib504", RateLimited),
            ("ib510", RateLimited),
            ("ib607", RateLimited),
            ("ib103", BadReputation),
            ("ib104", Blocked),
            ("ib105", Blocked),
            ("ib106", Blocked),
            ("rbl reject", Blocked),
            ("www.spamhaus.org/query/bl?ip=", Blocked),
            ("has been in the queue too long", Expired),
            ("delivery timeout", Expired),
            ("account storage limit", MailboxFull),
            ("message rejected for spam or virus content", SpamDetected),
            ("account disabled", Suspend),
            ("message is looping", SystemError),
            ("recipient not found", UserUnknown),
            ("account does not exist", UserUnknown),
        ],
        Rhost::Google => &[
            ("the spf record of the sending domain", AuthFailure),
            (
                "senders to authenticate with either spf or dkim",
                AuthFailure,
            ),
            (
                "fails to pass spf checks for an spf record with a hard fail",
                AuthFailure,
            ),
            ("has an spf record with a hard fail policy", AuthFailure),
            ("is not accepted due to domain's dmarc policy", AuthFailure),
            ("fails to pass authentication checks", AuthFailure),
            ("senders to authenticate with spf", AuthFailure),
            ("senders to authenticate their email with spf", AuthFailure),
            ("senders to authenticate their email with dkim", AuthFailure),
            ("senders to authenticate with dkim", AuthFailure),
            (
                "aligned with either the authenticated spf or dkim",
                AuthFailure,
            ),
            ("to add a dmarc record to ", AuthFailure),
            ("very low reputation of the sending", BadReputation),
            ("ip not in whitelist for rcpt domain", Blocked),
            ("try again later, closing connection.", Blocked),
            ("empty helo/ehlo argument not allowed", Blocked),
            ("helo/ehlo argument is invalid", Blocked),
            ("an unusual rate of unsolicited mail", Blocked),
            ("an unusual rate of mail", Blocked),
            ("exceeded google's message size limits", EmailTooLarge),
            (
                "exceeds google's limit of limit attachments.",
                EmailTooLarge,
            ),
            (
                "exceeded google's message header size limits",
                EmailTooLarge,
            ),
            ("bytes per individual header size", EmailTooLarge),
            ("exceeds google's header name limit of", EmailTooLarge),
            ("exceeds google's message header size limit", EmailTooLarge),
            ("exceeds google's message size limit of", EmailTooLarge),
            ("connection expired", Expired),
            ("timeout - closing connection", Expired),
            ("must issue a starttls command first", FailedStartTls),
            ("starttls may not be repeated", FailedStartTls),
            ("tls required for rcpt domain", FailedStartTls),
            ("senders to use tls/ssl for smtp", FailedStartTls),
            ("inbox is out of storage space", MailboxFull),
            ("is over quota", MailboxFull),
            ("email quota exceeded", MailboxFull),
            ("message exceeded 50 hops", NetworkError),
            ("mail relay denied", NoRelaying),
            ("invalid credentials for relay", NoRelaying),
            (
                "is not authorized to send email directly to our servers",
                NoRelaying,
            ),
            (
                "missing a valid address in the from: header",
                NotCompliantRfc,
            ),
            (
                "multiple addresses in from: header are not accepted",
                NotCompliantRfc,
            ),
            ("is not rfc 5322 compliant", NotCompliantRfc),
            ("missing a valid message-id: header", NotCompliantRfc),
            (
                "contains a unicode character in a disallowed header",
                NotCompliantRfc,
            ),
            ("encoded-word syntax is not permitted", NotCompliantRfc),
            ("mail message is malformed", NotCompliantRfc),
            ("illegal attachment on your message", PolicyViolation),
            (
                "blocked because its content presents a potential security issue",
                ContentError,
            ),
            (
                "you are sending to (or from) has a policy that prohibited",
                PolicyViolation,
            ),
            (
                "sending messages with the same message-id:",
                PolicyViolation,
            ),
            ("mail sending denied", Rejected),
            ("unauthenticated email is not accepted", Rejected),
            ("does not have a ptr record", RequirePtr),
            (" have a ptr record, or the ptr record", RequirePtr),
            (
                "does not meet ipv6 sending guidelines regarding ptr records and authentication",
                RequirePtr,
            ),
            ("does not match the ip address of the hostname", RequirePtr),
            ("too many login attempts", SecurityError),
            ("cannot decode response", SecurityError),
            ("no identity changes permitted", SecurityError),
            ("authentication required.", SecurityError),
            ("application-specific password required", SecurityError),
            ("please log in with your web browser", SecurityError),
            ("please log in through your web browser", SecurityError),
            ("username and password not accepted", SecurityError),
            (
                "due to the nature of the content or the links within",
                SpamDetected,
            ),
            ("likely unsolicited mail", SpamDetected),
            ("is receiving mail too quickly", RateLimited),
            ("peak smtp relay limit exceeded for customer", RateLimited),
            (
                "rate that prevents additional messages from being delivered",
                RateLimited,
            ),
            ("daily sending quota exceeded", RateLimited),
            ("daily user sending limit exceeded", RateLimited),
            ("daily smtp relay limit exceeded for", RateLimited),
            ("daily smtp relay sending limit exceeded for", RateLimited),
            ("this mail has been rate limited", RateLimited),
            ("your message has too many recipients", RateLimited),
            ("too many recipients for this sender", RateLimited),
            ("account that you tried to reach is disabled", Suspend),
            ("account that you tried to reach is inactive", Suspend),
            ("smtp protocol violation", SyntaxError),
            ("optional argument not permitted", SyntaxError),
            ("too many unrecognized commands, goodbye", SyntaxError),
            ("unimplemented command", SyntaxError),
            ("unrecognized command", SyntaxError),
            ("bad sequence of commands", SyntaxError),
            ("ehlo/helo first", SyntaxError),
            ("no data after bdat", SyntaxError),
            ("unrecognized authentication type", SyntaxError),
            ("xoauth is no longer supported", SyntaxError),
            ("too many unauthenticated commands", SyntaxError),
            ("temporary system problem", SystemError),
            ("server busy", SystemError),
            (
                "multiple destination domains per transaction is unsupported",
                SystemError,
            ),
            (
                "mail server has temporarily rejected this message",
                SystemError,
            ),
            ("mail server temporarily rejected message", SystemError),
            ("domain policy size per transaction exceeded", SystemError),
            (
                "the email account that you tried to reach does not exist",
                UserUnknown,
            ),
            ("we weren't able to find the recipient domain", UserUnknown),
            ("is not a valid rfc 5321 address", UserUnknown),
        ],
        Rhost::Iua => &[],
        Rhost::Kddi => &[
            ("550 : user unknown", Filtered),
            (">: user unknown", UserUnknown),
        ],
        Rhost::MessageLabs => &[
            ("domain authentication fail", AuthFailure),
            ("connection rejected by policy", BadReputation),
            ("mail rejected because your ip is in the pbl", Blocked),
            ("your ip address has been ", Blocked),
            ("stray linefeeds in message", ContentError),
            ("tls/sslv3 connection required", FailedStartTls),
            (" as a relay, ", NoRelaying),
            ("550 requested action aborted [4]", NotCompliantRfc),
            (
                "has detected that this message is not rfc 5322",
                NotCompliantRfc,
            ),
            (
                "sender envelope domain not allowed for sender ip address",
                Rejected,
            ),
            ("your domain has been blocked", Rejected),
            ("your email address has been blocked", Rejected),
            ("your envelope sender is in my badmailfrom list", Rejected),
            ("your email address has been blacklisted", Rejected),
            ("your domain has been blacklisted", Rejected),
            (
                "please turn on smtp authentication in your mail client",
                SecurityError,
            ),
            ("message filtered", SpamDetected),
            ("filtered by outbound scanning", SpamDetected),
            ("too many recipients received this hour", RateLimited),
            ("too many messages", RateLimited),
            ("no such user", UserUnknown),
            ("invalid recipient", UserUnknown),
            ("mailbox is not allowed", UserUnknown),
        ],
        Rhost::Microsoft => &[
            (
                "must pass either spf or dkim validation, this message is not signed",
                AuthFailure,
            ),
            (
                "the message was rejected because of sender policy framework violation",
                AuthFailure,
            ),
            ("does not pass dmarc verification", AuthFailure),
            (
                "doesn't meet the required authentication level",
                AuthFailure,
            ),
            (
                "has been temporarily rate limited due to ip reputation",
                BadReputation,
            ),
            ("access denied, please try again later", Blocked),
            ("must have a reverse dns record", Blocked),
            ("access denied, bad helo", Blocked),
            ("access denied, rejected by recipient", Blocked),
            ("does not accept email over ipv6", Blocked),
            ("access denied, banned sending ip ", Blocked),
            ("using customer block list", Blocked),
            (
                "part of their network is on our block list (s3150)",
                Blocked,
            ),
            ("too many related errors", ContentError),
            ("agent generated message depth exceeded", ContentError),
            (
                "resolver.rst.recipsizelimit; message too large for this recipient",
                EmailTooLarge,
            ),
            (
                "message size exceeds fixed maximum message size",
                EmailTooLarge,
            ),
            ("message too big for system", EmailTooLarge),
            ("queue expired; message expired", Expired),
            (" failed mta-sts validation", FailedStartTls),
            ("starttls is required to send mail", FailedStartTls),
            ("starttls-not-supported:", FailedStartTls),
            ("certificate-expired:", FailedStartTls),
            ("tlsa-invalid:", FailedStartTls),
            ("dnssec-invalid:", FailedStartTls),
            ("certificate-host-mismatch:", FailedStartTls),
            (
                "smtpsend.dns.nonexistentdomain; nonexistent domain",
                NetworkError,
            ),
            ("hop count exceeded - possible mail loop", NetworkError),
            ("dns query failed", NetworkError),
            ("routing loop detected", NetworkError),
            ("tenantattribution; relay access denied", NoRelaying),
            ("unable to relay", NoRelaying),
            (
                "hosted tenant which has no mail-enabled subscriptions",
                NotAccept,
            ),
            (
                "storedrv.deliver: missing or bad storedriver mdb properties",
                NotAccept,
            ),
            ("x-dg-ref header is too long", PolicyViolation),
            (
                "requested action not taken: policy violation detected (as345)",
                PolicyViolation,
            ),
            ("access denied, bad outbound sender", Rejected),
            ("sender was not authenticated by organization", Rejected),
            ("sender not in allowed-senders list", Rejected),
            ("sender not authenticated for group", Rejected),
            ("sender was not authenticated for mailbox", Rejected),
            ("sender was not authenticated for public folder", Rejected),
            ("access denied, spam abuse detected", Rejected),
            (
                "access denied, message must be rfc 5322 section 3.6.2 compliant",
                Rejected,
            ),
            (
                "client blocked from sending from unregistered domains",
                Rejected,
            ),
            ("access denied, banned sender", Rejected),
            (
                "cannot achieve exchange server authentication",
                SecurityError,
            ),
            (
                "client was not authenticated to send anonymous mail during mail from",
                SecurityError,
            ),
            (
                "content filter agent quarantined this message",
                SpamDetected,
            ),
            (
                "storedrv.deliver; recipient thread limit exceeded",
                RateLimited,
            ),
            (
                "has exceeded the maximum number of connections",
                RateLimited,
            ),
            (
                "reached your daily limit for message recipients",
                RateLimited,
            ),
            ("submission quota exceeded", RateLimited),
            ("recipient's per hour message receive limit", RateLimited),
            ("the recipient has exceeded their limit for", RateLimited),
            ("has exceeded permitted limits within", RateLimited),
            ("tenant has exceeded threshold", RateLimited),
            ("traffic not accepted from this ip", RateLimited),
            ("access denied, banned recipient", Suspend),
            ("mailbox cannot be accessed", Suspend),
            ("send hello first", SyntaxError),
            ("when journaling archive is disabled", SystemError),
            ("helo / ehlo requires domain address", SystemError),
            ("misconfigured forwarding address", SystemError),
            ("message failed to be replicated:", SystemError),
            ("(suspiciousremoteservererror)", SystemError),
            ("server busy. please try again later from ", SystemError),
            ("pfa agent busy, please try again.", SystemError),
            ("insufficient system resources", SystemFull),
            ("resolver.adr.exrecipnotfound; not found", UserUnknown),
            ("storedrv.submit; invalid recipient address", UserUnknown),
            ("recipient address reserved by rfc 2606", UserUnknown),
            (
                "recipient addresses in single label domains not accepted",
                UserUnknown,
            ),
            ("resolver.adr.recipientnotfound", UserUnknown),
            ("resolver.adr.recipnotfound", UserUnknown),
            (
                "requested action not taken: mailbox unavailable",
                UserUnknown,
            ),
        ],
        Rhost::Mimecast => &[
            ("spf sender invalid - envelope rejected", AuthFailure),
            ("dkim sender invalid - envelope rejected", AuthFailure),
            ("dmarc sender invalid - envelope rejected", AuthFailure),
            (
                "internal resources are temporarily unavailable",
                BadReputation,
            ),
            ("local ct ip reputation - (reject)", BadReputation),
            ("sender address blocked", Blocked),
            ("recipient temporarily unavailable", Blocked),
            ("ip temporarily blacklisted", Blocked),
            ("journal messages past the expiration", Expired),
            ("this route requires encryption (tls)", FailedStartTls),
            (
                "this route requires tls version 1.2 or greater",
                FailedStartTls,
            ),
            ("this route requires high-strength ciphers", FailedStartTls),
            (
                "configuration is invalid for this certificate",
                FailedStartTls,
            ),
            ("maximum email size exceeded", EmailTooLarge),
            ("the incorrect hostname used for inbounds", NetworkError),
            ("mail loop detected", NetworkError),
            ("open relay not allowed", NoRelaying),
            ("open relay is not allowed", NoRelaying),
            ("account inbounds disabled", NotAccept),
            (
                "anti-spoofing policy - inbound not allowed",
                PolicyViolation,
            ),
            (
                "rejected by header-based anti-spoofing policy",
                PolicyViolation,
            ),
            (
                "message bounced due to content examination policy",
                PolicyViolation,
            ),
            ("host network not allowed", PolicyViolation),
            ("host network, not allowed", PolicyViolation),
            ("administrative prohibition envelope blocked", Rejected),
            ("envelope blocked - user entry", Rejected),
            ("envelope blocked - user domain entry", Rejected),
            (
                "rejected by header-based manually blocked senders",
                Rejected,
            ),
            ("rejected by header-based blocked senders", Rejected),
            (
                "envelope rejected - block policy for envelope from address",
                Rejected,
            ),
            ("incorrect authentication data", SecurityError),
            ("submitter failed to authenticate", SecurityError),
            ("unable to process connection at this time", SystemError),
            ("message ended early", SystemError),
            ("unable to process command", SystemError),
            ("unable to process an email at this time", SystemError),
            ("account service is temporarily unavailable", RateLimited),
            ("too many recipients", RateLimited),
            ("exceeding outbound thread limit", RateLimited),
            ("invalid address", UserUnknown),
            ("user unknown", UserUnknown),
            ("invalid recipient", UserUnknown),
            ("message contains virus", VirusDetected),
            ("virus signature detected", VirusDetected),
        ],
        Rhost::Docomo => &[
            ("552 too much mail data", MailboxFull),
            ("503 bad sequence of commands", SyntaxError),
            ("504 command parameter not implemented", SyntaxError),
            ("552 too many recipients", RateLimited),
            ("550 unknown user", UserUnknown),
        ],
        Rhost::Spectrum | Rhost::Facebook => &[],
        Rhost::Zoho => &[
            ("email rejected per dmarc policy", AuthFailure),
            ("greylisted, try again after some time", Blocked),
            (
                "email cannot be delivered. reason: email flagged as spam",
                Rejected,
            ),
            ("mail rejected by destination domain", Rejected),
            ("email policy violation detected", PolicyViolation),
            (
                "mailbox delivery restricted by policy error",
                PolicyViolation,
            ),
            ("temporary system error", SystemError),
            ("user does not exist", UserUnknown),
            (" detected by zoho mail", VirusDetected),
        ],
        Rhost::Cloudflare => &[
            ("found on one or more dnsbls", Blocked),
            ("upstream error", SystemError),
        ],
        Rhost::Tencent => &[
            ("spf check failed", AuthFailure),
            ("dmarc check failed", AuthFailure),
            ("suspected bounce attacks", Blocked),
            ("suspected spam ip", Blocked),
            ("connection denied", Blocked),
            ("message too large", EmailTooLarge),
            ("spam is embedded in the email", SpamDetected),
            ("mail content denied", SpamDetected),
            ("suspected spam", Rejected),
            ("mail is rejected by recipients", Rejected),
            ("mailbox unavailable or access denined", RateLimited),
            ("frequency of receiving messages is limited", RateLimited),
            ("is a deactivated mailbox", Suspend),
            ("bad address syntax", SyntaxError),
            ("ip frequency limited", RateLimited),
            ("domain frequency limited", RateLimited),
            ("sender frequency limited", RateLimited),
            ("connection frequency limited", RateLimited),
            ("mailbox not found", UserUnknown),
        ],
        Rhost::Yahoo => &[
            (
                "yahoo requires all senders to authenticate with either spf or dkim",
                AuthFailure,
            ),
            (" because the ip is in spamhaus's list;", Blocked),
            ("not accepted from ip addresses on spamhaus xbl", Blocked),
            ("relaying denied for ", NoRelaying),
            ("headers are not rfc compliant", NotCompliantRfc),
            ("not accepted for policy reasons", PolicyViolation),
            (
                "temporarily deferred due to unexpected volume or user complaints",
                BadReputation,
            ),
            ("due to unresolvable rfc.5321 domain", Rejected),
            (" will be permanently deferred", Rejected),
            ("user is receiving mail too quickly", RateLimited),
            (" is no longer valid.", Suspend),
            ("this mailbox is disabled", Suspend),
            ("syntax error in parameters or arguments", SyntaxError),
            ("max message per connection reached", RateLimited),
            ("dd this user doesn't have a ", UserUnknown),
            ("mailbox not found", UserUnknown),
        ],
    }
}

/// Local delivery agents: (agent markers, [(fragment, reason)]).  An agent recognised without a
/// known message is a mailer error.
type Lda = (&'static [&'static str], &'static [(&'static str, Reason)]);
const LDAS: [Lda; 6] = [
    (
        &["your message to <", "> was automatically rejected:"],
        &[
            ("not enough disk space", Reason::MailboxFull),
            ("quota exceeded", Reason::MailboxFull),
            ("mailbox doesn't exist: ", Reason::UserUnknown),
        ],
    ),
    (
        &["mail.local: "],
        &[
            ("disc quota exceeded", Reason::MailboxFull),
            ("mailbox full or quota exceeded", Reason::MailboxFull),
            ("temporary file write error", Reason::SystemError),
            (": invalid mailbox path", Reason::UserUnknown),
            (": unknown user:", Reason::UserUnknown),
            (": user missing home directory", Reason::UserUnknown),
            (": user unknown", Reason::UserUnknown),
        ],
    ),
    (
        &["procmail: ", "/procmail "],
        &[
            ("quota exceeded while writing", Reason::MailboxFull),
            ("user over quota", Reason::MailboxFull),
            ("service unavailable", Reason::SystemError),
            ("no space left to finish writing", Reason::SystemFull),
        ],
    ),
    (
        &["maildrop: "],
        &[
            ("maildir over quota.", Reason::MailboxFull),
            ("cannot find system user", Reason::UserUnknown),
            ("invalid user specified.", Reason::UserUnknown),
        ],
    ),
    (
        &["vdelivermail: "],
        &[
            (
                "user does not exist, but will deliver to ",
                Reason::Filtered,
            ),
            ("domain is over quota", Reason::MailboxFull),
            ("user is over quota", Reason::MailboxFull),
            ("account is locked email bounced", Reason::Suspend),
            ("sorry, no mailbox here by that name.", Reason::UserUnknown),
        ],
    ),
    (
        &["vdeliver: "],
        &[
            (
                "delivery failed due to system quota violation",
                Reason::MailboxFull,
            ),
            (
                "invalid or unknown base user or domain",
                Reason::UserUnknown,
            ),
            ("invalid or unknown virtual user", Reason::UserUnknown),
            (
                "user name does not refer to a virtual user",
                Reason::UserUnknown,
            ),
        ],
    ),
];

/// Sisimai's local-delivery-agent rules (tried before the remote-host and text rules, only when
/// the failure was not answered to an SMTP command before DATA).
fn lda_reason(lc: &str, cmd: Option<Command>) -> Option<Reason> {
    if lc.is_empty() || !matches!(cmd, None | Some(Command::Data)) {
        return None;
    }
    let (_, rules) = LDAS
        .iter()
        .find(|(marks, _)| marks.iter().any(|m| lc.contains(m)))?;
    Some(table_hit(rules, lc).unwrap_or(Reason::MailerError))
}

/// Spectrum's "AUP#I-1234" / "AUP#O-1234" four-digit codes.
fn spectrum_reason(lc: &str) -> Option<Reason> {
    use Reason::*;
    let p = lc.find("aup#")?;
    let digits: String = lc
        .get(p + 4..)?
        .chars()
        .skip_while(|c| !c.is_ascii_digit())
        .take_while(|c| c.is_ascii_digit())
        .take(5)
        .collect();
    if digits.len() != 4 {
        return None;
    }
    let n: u16 = digits.parse().ok()?;
    let r = match n {
        1000 => Blocked,
        1010 => Rejected,
        1020..=1080 => Rejected,
        1090 => SystemError,
        1100..=1150 => RequirePtr,
        1160..=1190 => PolicyViolation,
        1200..=1250 => Blocked,
        1260 => NetworkError,
        1300..=1340 => RateLimited,
        1350..=1490 => RateLimited,
        1500 | 1520 => Rejected,
        1530 => EmailTooLarge,
        1540 | 1550 | 1580 => RateLimited,
        1560 => PolicyViolation,
        _ => return None,
    };
    Some(r)
}

/// Facebook's "RCP-P1"-style response codes (three letters, '-', letter, digit).
fn facebook_reason(lc: &str) -> Option<Reason> {
    use Reason::*;
    const CODES: [(&str, Reason); 27] = [
        ("pol-p7", AuthFailure),
        ("pol-p1", Blocked),
        ("pol-p2", Blocked),
        ("pol-p3", Blocked),
        ("pol-p4", Blocked),
        ("pol-t1", Blocked),
        ("pol-t2", Blocked),
        ("pol-t3", Blocked),
        ("msg-p2", ContentError),
        ("rcp-p2", Filtered),
        ("rcp-p3", Filtered),
        ("msg-p1", EmailTooLarge),
        ("int-p2", EmailTooLarge),
        ("msg-p3", NotCompliantRfc),
        ("dns-p1", Rejected),
        ("dns-p2", Rejected),
        ("dns-t1", Rejected),
        ("dns-p3", RequirePtr),
        ("dns-t2", RequirePtr),
        ("pol-p6", SpamDetected),
        ("rcp-t4", Suspend),
        ("rcp-t1", SystemError),
        ("con-t1", RateLimited),
        ("msg-t1", RateLimited),
        ("rcp-p1", UserUnknown),
        ("int-p1", UserUnknown),
        ("pol-p5", VirusDetected),
    ];
    CODES.iter().find(|(c, _)| lc.contains(c)).map(|(_, r)| *r)
}

/// Google's DNS-failure notices ("DNS Error: ... DNS type 'mx' lookup of x responded with code
/// NXDOMAIN", "returned Null MX"): Sisimai reads them the same whichever host reported them.
/// NXDOMAIN is hostunknown only for a permanent (5.x.x) failure, networkerror otherwise.
fn google_dns_reason(lc: &str, status: Option<&str>, reply: Option<u16>) -> Option<Reason> {
    if !(lc.contains("dns type '") || lc.contains("** address not found **")) {
        return None;
    }
    let permanent = status.is_some_and(|s| s.starts_with('5')) || reply.is_some_and(|r| r >= 500);
    if lc.contains("null mx") {
        return Some(Reason::NotAccept);
    }
    if lc.contains(" responded with code nxdomain") || lc.contains("domain name not found") {
        return Some(if permanent {
            Reason::HostUnknown
        } else {
            Reason::NetworkError
        });
    }
    if lc.contains(" had no relevant answers.") && !permanent {
        return Some(Reason::NetworkError);
    }
    if lc.contains("because the address couldn't be found. check for typos or unnecessary spaces and try again.") {
        return Some(Reason::UserUnknown);
    }
    None
}

/// URLs that identify a service in the text.
const SIGNS: [(&str, Rhost); 7] = [
    ("cox.com/", Rhost::Cox),
    ("spectrum.net/support", Rhost::Spectrum),
    (".i.ua/err/", Rhost::Iua),
    ("postmaster.yahooinc.com", Rhost::Yahoo),
    ("postmaster.yahoo.com", Rhost::Yahoo),
    ("support.google.com/mail", Rhost::Google),
    ("support.apple.com/", Rhost::Apple),
];

/// Services whose own URLs or code shapes in the text identify them even when the remote host
/// is unknown or a third-party filter (Sisimai also matches them by recipient domain).
fn rhost_by_text(t: &Scan<'_>) -> Option<Rhost> {
    let lc = t.lc;
    if let Some(p) = t.has(index().aup).then(|| lc.find("aup#")).flatten() {
        let code = lc.get(p + 4..).unwrap_or("");
        // Spectrum: "AUP#I-1310", "AUP#In-1310", "AUP#O-1010"; Cox: "AUP#CDRBL", "AUP#CXSNDR".
        let letters = code.bytes().take_while(u8::is_ascii_alphabetic).count();
        return Some(
            if letters <= 2 && code.as_bytes().get(letters) == Some(&b'-') {
                Rhost::Spectrum
            } else {
                Rhost::Cox
            },
        );
    }
    index()
        .signs
        .iter()
        .zip(SIGNS)
        .find(|(id, _)| t.has(**id))
        .map(|(_, (_, r))| r)
}

/// Cox's "AUP#CODE" labels.
fn cox_reason(lc: &str) -> Option<Reason> {
    use Reason::*;
    let p = lc.find("aup#")?;
    let code: &str = lc
        .get(p + 4..)?
        .split(|c: char| !c.is_ascii_alphanumeric())
        .next()?;
    Some(match code {
        "cxbl" | "cdrbl" => Blocked,
        "cxdns" => RequirePtr,
        "cxsndr" => AuthFailure,
        "cxsmtp" => Rejected,
        "cxcnct" | "cxmxrt" => RateLimited,
        "cxthrt" | "cxmj" => SecurityError,
        c if c.starts_with("ipbl") => Blocked,
        c if c.starts_with("urlbl") => SpamDetected,
        _ => return None,
    })
}

/// Orange / La Poste labels such as "OFR006_103", "LPN007_426", "OUK...": the last label's
/// trailing three digits name the reason.
fn france_reason(lc: &str) -> Option<Reason> {
    use Reason::*;
    let p = ["lpn", "ofr", "ouk"]
        .iter()
        .filter_map(|l| lc.rfind(l))
        .max()?;
    let token = lc.get(p..)?.split_whitespace().next()?;
    let token = token.trim_end_matches(|c: char| !c.is_ascii_alphanumeric());
    let tail = token.get(token.len().checked_sub(3)?..)?;
    Some(match tail {
        "101" | "102" | "103" | "510" | "999" => Blocked,
        "104" => RateLimited,
        "305" | "402" => SecurityError,
        "401" | "517" => AuthFailure,
        "403" | "405" | "415" | "421" => Rejected,
        "416" => UserUnknown,
        "417" => MailboxFull,
        "420" | "426" => Suspend,
        "505" => SystemError,
        "506" => SpamDetected,
        "514" => EmailTooLarge,
        "630" => PolicyViolation,
        _ => return None,
    })
}

/// i.ua's "mail.i.ua/err/N/" links.
fn iua_reason(lc: &str) -> Option<Reason> {
    use Reason::*;
    let p = lc.find(".i.ua/err/")?;
    let rest = lc.get(p + ".i.ua/err/".len()..)?;
    let n: String = rest.chars().take_while(|c| c.is_ascii_digit()).collect();
    Some(match n.as_str() {
        "1" | "6" => NoRelaying,
        "2" => UserUnknown,
        "3" => Suspend,
        "4" => MailboxFull,
        "5" => RateLimited,
        "7" | "9" => Blocked,
        "8" => Rejected,
        "10" => Filtered,
        _ => return None,
    })
}

/// The reason a service-specific rule gives, if the remote host is a known service.
fn rhost_reason(
    host: &str,
    t: &Scan<'_>,
    status: Option<&str>,
    cmd: Option<Command>,
) -> Option<Reason> {
    let lc = t.lc;
    let service = rhost_of(host).or_else(|| rhost_by_text(t))?;
    if lc.is_empty() {
        return None;
    }
    match service {
        Rhost::Cox => return cox_reason(lc).or_else(|| table_hit(rhost_table(service), lc)),
        Rhost::FrancePtt => {
            return france_reason(lc).or_else(|| table_hit(rhost_table(service), lc));
        }
        Rhost::Spectrum => return spectrum_reason(lc),
        Rhost::Iua => return iua_reason(lc),
        Rhost::Facebook => return facebook_reason(lc),
        Rhost::Docomo => {
            // DOCOMO: the status code and command decide before the message does.
            match status {
                Some("5.1.1") => return Some(Reason::UserUnknown),
                Some("5.2.0") => return Some(Reason::Filtered),
                _ => {}
            }
            if let Some(r) = table_hit(rhost_table(service), lc) {
                return Some(r);
            }
            if status == Some("5.0.0") {
                return match cmd {
                    Some(Command::Rcpt) => Some(Reason::UserUnknown),
                    Some(Command::Data) => Some(Reason::Rejected),
                    _ => None,
                };
            }
            return None;
        }
        _ => {}
    }
    table_hit(rhost_table(service), lc)
}

fn table_hit(t: &[(&str, Reason)], lc: &str) -> Option<Reason> {
    t.iter().find(|(f, _)| lc.contains(f)).map(|(_, r)| *r)
}

// ------------------------------------------------------------------------------------------------
// The decision
// ------------------------------------------------------------------------------------------------

/// Reasons Sisimai re-examines even when a format parser already set them: they are often
/// guesses from generic markers.
fn retried(r: Reason) -> bool {
    matches!(
        r,
        Reason::Undefined
            | Reason::OnHold
            | Reason::SystemError
            | Reason::SecurityError
            | Reason::Expired
            | Reason::NetworkError
            | Reason::HostUnknown
            | Reason::UserUnknown
    )
}

/// Commands sent before DATA (Sisimai's "except DATA" list): a filter cannot have judged the
/// content yet.
fn before_data(c: Option<Command>) -> bool {
    matches!(
        c,
        Some(Command::Connect | Command::Helo | Command::Mail | Command::Rcpt)
    )
}

/// Everything the rules look at, computed once per call.
struct Ctx<'a> {
    lc: &'a Scan<'a>,
    status: Option<&'a str>,
    /// Reason of the status code (None for unknown or generic codes).
    sname: Option<Reason>,
    reply: Option<u16>,
    cmd: Option<Command>,
    hint: Option<Reason>,
}

/// First pass, in Sisimai's order: reasons that combine status, command and text.
const FIRST_ORDER: [Reason; 17] = [
    Reason::MailboxFull,
    Reason::EmailTooLarge,
    Reason::Suspend,
    Reason::HasMoved,
    Reason::NoRelaying,
    Reason::AuthFailure,
    Reason::UserUnknown,
    Reason::Filtered,
    Reason::RequirePtr,
    Reason::NotCompliantRfc,
    Reason::BadReputation,
    Reason::ContentError,
    Reason::Rejected,
    Reason::HostUnknown,
    Reason::SpamDetected,
    Reason::RateLimited,
    Reason::Blocked,
];

/// Second pass (text only), tried when the status code is missing or only vaguely meaningful.
const SECOND_ORDER: [Reason; 18] = [
    Reason::MailboxFull,
    Reason::AuthFailure,
    Reason::BadReputation,
    Reason::SpamDetected,
    Reason::VirusDetected,
    Reason::PolicyViolation,
    Reason::NoRelaying,
    Reason::SystemError,
    Reason::NetworkError,
    Reason::Suspend,
    Reason::ContentError,
    Reason::SystemFull,
    Reason::NotAccept,
    Reason::Expired,
    Reason::FailedStartTls,
    Reason::SecurityError,
    Reason::Suppressed,
    Reason::MailerError,
];

/// Does the evidence support `r` in the first pass?
fn probe(r: Reason, c: &Ctx<'_>) -> bool {
    use Reason::*;
    let lc = c.lc;
    match r {
        MailboxFull | EmailTooLarge | AuthFailure | RequirePtr | RateLimited | Blocked => {
            c.sname == Some(r) || says(r, lc)
        }
        Suspend => c.reply == Some(525) || says(Suspend, lc),
        HasMoved | NotCompliantRfc | BadReputation => c.sname == Some(r) || says(r, lc),
        NoRelaying => {
            if matches!(c.hint, Some(SecurityError | SystemError | Undefined)) {
                return false;
            }
            if matches!(c.cmd, Some(Command::Connect | Command::Helo)) {
                return false;
            }
            says(NoRelaying, lc)
        }
        UserUnknown => match c.sname {
            Some(Suspend) => false,
            // Exchange Online reuses RFC 7505's 5.1.10 for "recipient not found".
            Some(NotAccept) if c.status == Some("5.1.10") && says(UserUnknown, lc) => true,
            Some(UserUnknown) => ![
                NoRelaying,
                Blocked,
                MailboxFull,
                HasMoved,
                Rejected,
                NotAccept,
            ]
            .iter()
            .any(|o| says(*o, lc)),
            _ => c.cmd == Some(Command::Rcpt) && says(UserUnknown, lc),
        },
        Filtered => match c.sname {
            Some(Suspend) => false,
            Some(Filtered) => says(UserUnknown, lc) || says(Filtered, lc),
            _ => !before_data(c.cmd) && (says(Filtered, lc) || says(UserUnknown, lc)),
        },
        ContentError => {
            if probe(SpamDetected, c) {
                return false;
            }
            c.sname == Some(ContentError) || says(ContentError, lc)
        }
        Rejected => {
            let s = c.sname.unwrap_or(Undefined);
            if s == Rejected {
                return true;
            }
            if c.cmd == Some(Command::Mail) {
                return says(Rejected, lc);
            }
            if c.cmd == Some(Command::Data) && s != UserUnknown {
                return says(Rejected, lc);
            }
            if matches!(s, Undefined | OnHold | SecurityError | SystemError) {
                return says(Rejected, lc);
            }
            false
        }
        HostUnknown => {
            if c.sname == Some(HostUnknown) {
                !says(NetworkError, lc)
            } else {
                says(HostUnknown, lc)
            }
        }
        SpamDetected => {
            if c.status.is_none() {
                return false;
            }
            if c.sname == Some(SpamDetected) {
                return true;
            }
            if before_data(c.cmd) {
                return false;
            }
            says(SpamDetected, lc)
        }
        _ => false,
    }
}

/// Sisimai's fallback: status table, then text-only patterns, then status classes, reply codes,
/// the DSN action and the command.
fn another(c: &Ctx<'_>, action: Option<&str>) -> Option<Reason> {
    use Reason::*;
    if let Some(h) = c.hint.filter(|h| !matches!(h, Undefined | OnHold)) {
        return Some(h);
    }
    let sname = c.sname;
    if sname.is_some_and(|s| !retried(s)) {
        return sname;
    }
    if let Some(r) = SECOND_ORDER.iter().copied().find(|r| says(*r, c.lc)) {
        return Some(r);
    }
    if sname.is_some() {
        return sname;
    }
    if let Some(s) = c.status {
        if s.starts_with("5.6") || s.starts_with("4.6") {
            return Some(ContentError);
        }
        if s.starts_with("5.7") || s.starts_with("4.7") {
            return Some(SecurityError);
        }
    }
    // Reply codes that name a reason on their own (RFC 7504 null MX, RFC 3207 TLS).
    match c.reply {
        Some(521 | 556) => return Some(NotAccept),
        Some(523 | 524 | 538) => return Some(FailedStartTls),
        _ => {}
    }
    if c.cmd == Some(Command::StartTls) {
        return Some(FailedStartTls);
    }
    if c.reply
        .is_some_and(|r| (401..=407).contains(&r) || (501..=507).contains(&r))
    {
        return Some(SyntaxError);
    }
    if matches!(action, Some("delayed" | "expired")) {
        return Some(Expired);
    }
    if c.cmd == Some(Command::Helo) {
        return Some(Blocked);
    }
    None
}

/// Lower-cases the text, squeezes every whitespace run to one space and drops the repeated
/// "550-5.7.1 " prefixes of continuation lines, so fragments match across line breaks.
fn normalise(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut first_line = true;
    let mut seen_code = false;
    for line in text.lines() {
        let mut l = line.trim();
        if !first_line {
            l = strip_reply_prefix(l);
        }
        first_line = false;
        if l.is_empty() {
            continue;
        }
        for word in l.split_whitespace() {
            // Folded multi-line replies repeat "550-5.2.1" mid-sentence; keep only the first.
            if is_continuation_code(word) {
                if seen_code {
                    continue;
                }
                seen_code = true;
            }
            if !out.is_empty() {
                out.push(' ');
            }
            if word.is_ascii() {
                out.extend(word.bytes().map(|b| char::from(b.to_ascii_lowercase())));
            } else {
                out.extend(word.chars().flat_map(char::to_lowercase));
            }
        }
    }
    out
}

/// "550-5.7.1" (a reply code, a hyphen and an enhanced status code) as one word.
fn is_continuation_code(word: &str) -> bool {
    let b = word.as_bytes();
    b.len() >= 9
        && b[..3].iter().all(u8::is_ascii_digit)
        && b[3] == b'-'
        && word
            .get(4..)
            .is_some_and(|rest| status_parts(rest).is_some())
}

/// "550-5.7.1 rest" or "550 rest" at the start of a continuation line -> "rest".
fn strip_reply_prefix(l: &str) -> &str {
    let b = l.as_bytes();
    if b.len() >= 4
        && b[..3].iter().all(u8::is_ascii_digit)
        && matches!(b[0], b'2' | b'4' | b'5')
        && (b[3] == b'-' || b[3] == b' ')
    {
        // The first four bytes are ASCII, so byte 4 is a char boundary.
        let rest = l.get(4..).unwrap_or("");
        if let Some(after) = find_status(rest).and_then(|code| rest.strip_prefix(code)) {
            return after.trim_start();
        }
        return rest.trim_start();
    }
    l
}

/// The reason for this evidence.
pub fn decide(evidence: &Evidence<'_>) -> Reason {
    use Reason::*;
    let hint = evidence.hint;
    // A parser-determined reason is final unless it is one Sisimai re-examines.
    if let Some(h) = hint
        && !retried(h)
    {
        return h;
    }
    let status = effective_status(evidence.status, evidence.text);
    if status.is_some_and(|s| s.starts_with("2.")) || evidence.action == Some("delivered") {
        return Delivered;
    }
    let lc = normalise(evidence.text);
    let reply = evidence
        .reply_code
        .or_else(|| find_reply_code(evidence.text));
    let cmd = evidence.command.or_else(|| command_in(&lc, evidence.text));
    let sname = status.and_then(from_status);

    let scan = Scan::new(&lc);
    if let Some(r) = lda_reason(&lc, cmd) {
        return r;
    }
    if let Some(r) = rhost_reason(evidence.remote_host.unwrap_or(""), &scan, status, cmd)
        && !matches!(r, Undefined | OnHold)
    {
        return r;
    }

    if let Some(r) = google_dns_reason(&lc, status, reply) {
        return r;
    }

    let c = Ctx {
        lc: &scan,
        status,
        sname,
        reply,
        cmd,
        hint,
    };
    for r in FIRST_ORDER {
        // A retried hint still wins when the walk reaches it first.
        if hint == Some(r) || probe(r, &c) {
            return r;
        }
    }
    if let Some(r) = another(&c, evidence.action) {
        return r;
    }
    if matches!(evidence.action, Some("delayed")) {
        return Expired;
    }
    if says(Vacation, &scan) {
        return Vacation;
    }
    if !lc.is_empty() {
        return OnHold;
    }
    Undefined
}

// ------------------------------------------------------------------------------------------------
// Small string helpers (byte-safe: only ever slice at positions of ASCII matches)
// ------------------------------------------------------------------------------------------------

#[cfg(test)]
mod tests {
    use super::*;
    use Command::*;
    use Reason::*;

    /// (diagnostic text, status, command, remote host, expected reason)
    type Case = (
        &'static str,
        Option<&'static str>,
        Option<Command>,
        Option<&'static str>,
        Reason,
    );

    const CASES: &[Case] = &[
        // userunknown
        (
            "550 5.1.1 <kijitora@example.jp>... User Unknown",
            Some("5.1.1"),
            Some(Rcpt),
            None,
            UserUnknown,
        ),
        (
            "host mx.example.jp[192.0.2.1] said: 550 5.1.1 <neko@example.jp>: Recipient address rejected: User unknown in local recipient table (in reply to RCPT TO command)",
            None,
            None,
            None,
            UserUnknown,
        ),
        (
            "550 5.1.1 The email account that you tried to reach does not exist. Please try double-checking the recipient's email address",
            Some("5.1.1"),
            None,
            Some("gmail-smtp-in.l.google.com"),
            UserUnknown,
        ),
        ("550 No such user here", None, Some(Rcpt), None, UserUnknown),
        (
            "550 Unknown user kijitora@docomo.ne.jp",
            Some("5.0.0"),
            Some(Rcpt),
            Some("mfsmax.docomo.ne.jp"),
            UserUnknown,
        ),
        (
            "550 5.1.10 RESOLVER.ADR.RecipientNotFound; Recipient not found by SMTP address lookup",
            Some("5.1.10"),
            None,
            None,
            UserUnknown,
        ),
        (
            "Remote host said: 550 5.2.1 <kijitora@example.co.jp>... User Unknown [RCPT_TO]",
            Some("5.2.1"),
            None,
            None,
            UserUnknown,
        ),
        (
            "The response was: 550 <neko@ezweb.ne.jp>: User unknown",
            None,
            None,
            Some("lsean.ezweb.ne.jp"),
            UserUnknown,
        ),
        // filtered
        (
            "550 Unknown user kijitora@ntt.example.ne.jp",
            Some("5.2.0"),
            Some(Data),
            None,
            Filtered,
        ),
        (
            "host mfsmax.docomo.ne.jp said: 550 Unknown user ***@docomo.ne.jp (in reply to end of DATA command)",
            Some("5.2.0"),
            None,
            Some("mfsmax.docomo.ne.jp"),
            Filtered,
        ),
        (
            "550 5.2.1 <kijitora@example.jp>... User refuses to receive this mail",
            Some("5.2.1"),
            None,
            None,
            Filtered,
        ),
        (
            "The response was: 550 : User unknown",
            None,
            None,
            Some("lsean.ezweb.ne.jp"),
            Filtered,
        ),
        (
            "550 user unknown (in reply to end of DATA command)",
            None,
            None,
            None,
            Filtered,
        ),
        // rejected
        (
            "550 5.1.8 <root@nijo.example.jp>... Domain of sender address root@nijo.example.jp does not exist",
            Some("5.1.8"),
            Some(Mail),
            None,
            Rejected,
        ),
        (
            "Connected to 192.0.2.225 but sender was rejected. Remote host said: 550 5.7.1 <root@nijo.example.jp>... Access denied (in reply to MAIL FROM command)",
            Some("5.7.1"),
            None,
            None,
            Rejected,
        ),
        (
            "553 5.1.7 Sender address rejected: not owned by user",
            None,
            Some(Mail),
            None,
            Rejected,
        ),
        (
            "550 5.0.0 Sender rejected",
            Some("5.0.0"),
            Some(Mail),
            None,
            Rejected,
        ),
        // blocked
        (
            "554 5.7.1 Service unavailable; Client host [192.0.2.1] blocked using zen.spamhaus.org",
            Some("5.7.1"),
            Some(Rcpt),
            None,
            Blocked,
        ),
        (
            "SMTP error from remote mail server after initial connection: 554 mx.example.jp ESMTP not accepting connections",
            None,
            None,
            None,
            Blocked,
        ),
        (
            "Connected to 192.0.2.112 but my name was rejected. Remote host said: 501 5.0.0 Invalid domain name",
            Some("5.0.0"),
            Some(Helo),
            None,
            Blocked,
        ),
        (
            "451 4.7.1 Temporary blocked",
            Some("4.7.1"),
            Some(Rcpt),
            None,
            Blocked,
        ),
        (
            "553 5.7.1 [BL21] Connections will not be accepted from 192.0.2.25, because the ip is in Spamhaus's list; see http://postmaster.yahoo.com/550-bl23.html",
            Some("5.7.1"),
            Some(Connect),
            Some("mta5.am0.yahoodns.net"),
            Blocked,
        ),
        // mailboxfull
        (
            "552 5.2.2 <kijitora@example.jp>... Mailbox Full",
            Some("5.2.2"),
            Some(Rcpt),
            None,
            MailboxFull,
        ),
        (
            "550 5.0.0 <neko@example.jp>... user's mailbox is over quota",
            Some("5.0.0"),
            None,
            None,
            MailboxFull,
        ),
        (
            "452 4.2.2 The email account that you tried to reach is over quota.",
            Some("4.2.2"),
            None,
            Some("gmail-smtp-in.l.google.com"),
            MailboxFull,
        ),
        ("maildir over quota", None, None, None, MailboxFull),
        // emailtoolarge
        (
            "552 5.3.4 Error: message file too big",
            Some("5.3.4"),
            Some(Data),
            None,
            EmailTooLarge,
        ),
        (
            "552 5.2.3 Message length exceeds administrative limit",
            Some("5.2.3"),
            None,
            None,
            EmailTooLarge,
        ),
        (
            "552 message size exceeds fixed maximum message size (10485760)",
            None,
            Some(Mail),
            None,
            EmailTooLarge,
        ),
        // hostunknown
        (
            "550 5.1.2 Host unknown (Name server: example.invalid: host not found)",
            Some("5.1.2"),
            None,
            None,
            HostUnknown,
        ),
        (
            "Remote host said: 553 5.1.2 ... No such domain",
            None,
            None,
            None,
            HostUnknown,
        ),
        (
            "554 5.4.4 <neko@nyaan.example> ... unrouteable address",
            Some("5.4.4"),
            None,
            None,
            HostUnknown,
        ),
        // suspend
        (
            "550 5.2.1 The email account that you tried to reach is disabled.",
            Some("5.2.1"),
            None,
            Some("gmail-smtp-in.l.google.com"),
            Suspend,
        ),
        (
            "550 5.7.13 User account disabled",
            Some("5.7.13"),
            None,
            None,
            Suspend,
        ),
        (
            "550 5.0.0 <kijitora@example.jp>: Recipient rejected: Temporarily inactive",
            Some("5.0.0"),
            Some(Rcpt),
            None,
            Suspend,
        ),
        (
            "554 delivery error: dd neko@example.jp is no longer valid.",
            None,
            None,
            Some("mta6.am0.yahoodns.net"),
            Suspend,
        ),
        // expired
        ("Connection timed out", None, None, None, Expired),
        ("retry timeout exceeded", None, None, None, Expired),
        (
            "Message expired after sitting in queue for 5 days",
            None,
            None,
            None,
            Expired,
        ),
        (
            "Delivery to the following recipient has been delayed",
            Some("4.4.7"),
            None,
            None,
            Expired,
        ),
        (
            "451 4.4.1 No answer from host",
            Some("4.4.1"),
            None,
            None,
            Expired,
        ),
        // networkerror
        (
            "Network error on destination MXs",
            Some("4.4.2"),
            None,
            None,
            NetworkError,
        ),
        (
            "554 5.4.6 Hop count exceeded - possible mail loop",
            Some("5.4.6"),
            None,
            None,
            NetworkError,
        ),
        (
            "DNS Error: 80335577 DNS type 'mx' lookup of example.jp responded with code NXDOMAIN Domain name not found: example.jp",
            Some("4.0.0"),
            None,
            None,
            NetworkError,
        ),
        ("Host name lookup failure", None, None, None, NetworkError),
        // notaccept
        (
            "DNS Error: 24275403 DNS type 'mx' lookup of libsisimai.org responded with code NOERROR The domain libsisimai.org doesn't receive email according to the administrator: returned Null MX",
            Some("4.0.0"),
            None,
            None,
            NotAccept,
        ),
        (
            "556 5.1.10 Recipient address has null MX",
            Some("5.1.10"),
            None,
            None,
            NotAccept,
        ),
        (
            "550 5.3.2 Service currently unavailable? no: host does not accept mail",
            None,
            None,
            None,
            NotAccept,
        ),
        // norelaying
        (
            "554 5.7.1 <kijitora@example.org>: Relay access denied",
            Some("5.7.1"),
            Some(Rcpt),
            None,
            NoRelaying,
        ),
        ("550 relaying denied", None, Some(Rcpt), None, NoRelaying),
        (
            "550 5.7.1 Unable to relay for neko@example.org",
            Some("5.7.1"),
            None,
            None,
            NoRelaying,
        ),
        // authfailure
        (
            "550 5.7.26 This message does not have authentication information or fails to pass authentication checks (SPF or DKIM).",
            Some("5.7.26"),
            Some(Data),
            Some("gmail-smtp-in.l.google.com"),
            AuthFailure,
        ),
        (
            "550 5.7.1 Email rejected per DMARC policy for example.com",
            Some("5.7.1"),
            None,
            None,
            AuthFailure,
        ),
        (
            "550 5.7.23 The message was rejected because of Sender Policy Framework violation",
            Some("5.7.23"),
            None,
            None,
            AuthFailure,
        ),
        // badreputation
        (
            "421 4.7.0 [TSS04] Messages from 192.0.2.25 temporarily deferred due to unexpected volume or user complaints",
            Some("4.7.0"),
            Some(Mail),
            None,
            BadReputation,
        ),
        (
            "451 4.7.650 The mail server [192.0.2.5] has been temporarily rate limited due to IP reputation.",
            Some("4.7.650"),
            Some(Mail),
            Some("outlook-com.olc.protection.outlook.com"),
            BadReputation,
        ),
        (
            "550 5.7.1 Our system has detected that this message is likely suspicious due to the very low reputation of the sending IP address",
            Some("5.7.1"),
            None,
            None,
            BadReputation,
        ),
        // requireptr
        (
            "550 5.7.25 The IP address sending this message does not have a PTR record setup",
            Some("5.7.25"),
            None,
            None,
            RequirePtr,
        ),
        (
            "450 4.7.1 Client host rejected: cannot find your hostname, [192.0.2.1]",
            Some("4.7.1"),
            Some(Rcpt),
            None,
            RequirePtr,
        ),
        ("550 reverse DNS required", None, None, None, RequirePtr),
        // spamdetected
        (
            "550 5.7.1 Message content rejected, UBE, id=00000-00-000",
            Some("5.7.1"),
            Some(Data),
            None,
            SpamDetected,
        ),
        (
            "554 5.7.1 Message rejected as spam by Content Filtering.",
            Some("5.7.1"),
            Some(Data),
            None,
            SpamDetected,
        ),
        (
            "550 5.7.1 Our system has detected that this message is likely unsolicited mail.",
            Some("5.7.1"),
            Some(Data),
            Some("aspmx.l.google.com"),
            SpamDetected,
        ),
        // ratelimited
        (
            "421 4.7.0 Too many connections, slow down. OFR005_104 [104]",
            None,
            None,
            Some("smtp-in.orange.fr"),
            RateLimited,
        ),
        (
            "450 4.2.1 The user you are trying to contact is receiving mail too quickly.",
            Some("4.2.1"),
            None,
            Some("gmail-smtp-in.l.google.com"),
            RateLimited,
        ),
        (
            "452 4.5.3 Too many recipients",
            Some("4.5.3"),
            None,
            None,
            RateLimited,
        ),
        (
            "421 Too many concurrent SMTP connections; please try again later.",
            None,
            Some(Connect),
            None,
            RateLimited,
        ),
        // securityerror
        (
            "530 5.7.0 Authentication required",
            Some("5.7.0"),
            Some(Mail),
            None,
            SecurityError,
        ),
        (
            "535 5.7.8 Authentication credentials invalid",
            Some("5.7.8"),
            Some(Auth),
            None,
            SecurityError,
        ),
        (
            "550 5.7.1 Delivery not authorized",
            Some("5.7.1"),
            Some(Rcpt),
            None,
            SecurityError,
        ),
        // policyviolation
        (
            "570 5.7.7 Email not accepted for policy reasons",
            Some("5.7.7"),
            None,
            None,
            PolicyViolation,
        ),
        (
            "550 5.7.1 Message rejected due to local policy",
            Some("5.7.1"),
            Some(Data),
            None,
            PolicyViolation,
        ),
        (
            "554 Message not allowed - [PH01] Email not accepted for policy reasons.",
            None,
            None,
            Some("mta7.am0.yahoodns.net"),
            PolicyViolation,
        ),
        // contenterror
        (
            "554 5.6.0 Message contains invalid header",
            Some("5.6.0"),
            Some(Data),
            None,
            ContentError,
        ),
        (
            "550 5.6.9 improper use of 8-bit data in message header",
            Some("5.6.9"),
            Some(Data),
            None,
            ContentError,
        ),
        (
            "554 5.7.0 Header error",
            Some("5.7.0"),
            Some(Data),
            None,
            ContentError,
        ),
        // notcompliantrfc
        (
            "550 5.7.1 This message is not RFC 5322 compliant because it has duplicate headers.",
            Some("5.7.1"),
            Some(Data),
            None,
            NotCompliantRfc,
        ),
        (
            "550 5.7.1 Messages missing a valid Message-ID: header are not accepted.",
            Some("5.7.1"),
            Some(Data),
            Some("gmail-smtp-in.l.google.com"),
            NotCompliantRfc,
        ),
        (
            "554 the message has multiple from header fields",
            None,
            None,
            None,
            NotCompliantRfc,
        ),
        // virusdetected
        (
            "550 5.7.0 Virus detected",
            Some("5.7.0"),
            Some(Data),
            None,
            VirusDetected,
        ),
        (
            "554 Your message was infected with a virus",
            None,
            Some(Data),
            None,
            VirusDetected,
        ),
        (
            "552 5.7.1 virus Eicar detected by Zoho Mail",
            Some("5.7.1"),
            Some(Data),
            Some("mx.zoho.com"),
            VirusDetected,
        ),
        // systemerror
        (
            "451 4.3.0 Local configuration error",
            Some("4.3.0"),
            None,
            None,
            SystemError,
        ),
        (
            "554 5.3.5 System incorrectly configured",
            Some("5.3.5"),
            None,
            None,
            SystemError,
        ),
        (
            "450 Service currently unavailable",
            None,
            None,
            None,
            SystemError,
        ),
        // systemfull
        (
            "452 4.3.1 Mail system full",
            Some("4.3.1"),
            None,
            None,
            SystemFull,
        ),
        (
            "452 4.4.5 Insufficient disk space; try again later",
            Some("4.4.5"),
            None,
            None,
            SystemFull,
        ),
        // hasmoved
        (
            "550 5.1.6 recipient no longer on server: kijitora@icloud.com",
            Some("5.1.6"),
            Some(Rcpt),
            None,
            HasMoved,
        ),
        (
            "550 5.1.6 neko@example.jp has been replaced by neko@example.org",
            None,
            None,
            None,
            HasMoved,
        ),
        // mailererror
        ("X-Unix; 255", None, None, None, MailerError),
        (
            "procmail: Quota exceeded while writing",
            None,
            None,
            None,
            MailboxFull,
        ),
        (
            "Command died with status 1: \"/usr/bin/filter\"",
            None,
            None,
            None,
            MailerError,
        ),
        // failedstarttls
        (
            "530 5.7.0 Must issue a STARTTLS command first",
            Some("5.7.0"),
            None,
            Some("gmail-smtp-in.l.google.com"),
            FailedStartTls,
        ),
        (
            "421 TLS required but not supported",
            None,
            None,
            None,
            FailedStartTls,
        ),
        (
            "554 5.7.30 REQUIRETLS support required",
            Some("5.7.30"),
            None,
            None,
            FailedStartTls,
        ),
        // syntaxerror
        (
            "503 5.5.1 Bad sequence of commands",
            Some("5.5.1"),
            Some(Data),
            None,
            SyntaxError,
        ),
        (
            "501 Syntax error in parameters",
            None,
            Some(Mail),
            None,
            SyntaxError,
        ),
        // delivered
        ("250 2.1.5 OK", Some("2.1.5"), None, None, Delivered),
        (
            "250 2.0.0 Ok: queued as 12345",
            Some("2.0.0"),
            None,
            None,
            Delivered,
        ),
        // onhold / undefined
        ("Something odd happened", None, None, None, OnHold),
        ("", None, None, None, Undefined),
        // vacation
        (
            "I am out of the office until Monday",
            None,
            None,
            None,
            Vacation,
        ),
        // Japanese carriers (text in Japanese, decided by status/command/host)
        (
            "このメールは送信できませんでした。宛先のメールアドレスが見つかりません。 550 Unknown user",
            Some("5.1.1"),
            Some(Rcpt),
            Some("mfsmax.docomo.ne.jp"),
            UserUnknown,
        ),
        (
            "受信拒否設定により送信できませんでした。550 Unknown user",
            Some("5.2.0"),
            Some(Data),
            Some("mfsmax.docomo.ne.jp"),
            Filtered,
        ),
        (
            "メールボックスの容量を超えています 552 Too much mail data",
            None,
            None,
            Some("mfsmax.docomo.ne.jp"),
            MailboxFull,
        ),
        // Since 2025 DOCOMO's "550 Unknown user" means userunknown whatever the command.
        (
            "550 Unknown user ***@docomo.ne.jp (in reply to end of DATA command)",
            Some("5.0.0"),
            Some(Data),
            Some("mfsmax.docomo.ne.jp"),
            UserUnknown,
        ),
        (
            "554 5.0.0 Service unavailable (in reply to end of DATA command)",
            Some("5.0.0"),
            Some(Data),
            Some("mfsmax.docomo.ne.jp"),
            Rejected,
        ),
        (
            "ＵＳＥＲ ＵＮＫＮＯＷＮ 宛先不明",
            Some("5.1.1"),
            Some(Rcpt),
            None,
            UserUnknown,
        ),
        // remote-host codes
        (
            "554 RBL Reject. IB104 Connection refused",
            None,
            None,
            Some("p3plibsmtp01.prod.phx3.secureserver.net"),
            Blocked,
        ),
        (
            "550 5.1.1 <neko@charter.net> AUP#I-1350 too many messages",
            Some("5.1.1"),
            None,
            Some("mx.charter.net"),
            RateLimited,
        ),
        (
            "550 Mailbox not found http://mail.i.ua/err/2/",
            None,
            None,
            Some("mx.email.ua"),
            UserUnknown,
        ),
        (
            "550 5.7.1 RCP-P2 The attempted recipient's preferences prevent messages",
            None,
            None,
            Some("mx.facebook.com"),
            Filtered,
        ),
    ];

    /// Rules that need no remote host: service signatures in the text, local delivery agents,
    /// folded multi-line replies.
    const MORE: &[Case] = &[
        (
            "550 5.1.0 <bounce@example.com> sender rejected. Refer to https://www.cox.com/residential/support/email-error-codes.html AUP#CDRBL",
            Some("5.1.0"),
            Some(Mail),
            Some("cxr.mx.a.cloudfilter.net"),
            Blocked,
        ),
        (
            "550 5.1.0 <x@amazonses.com> sender rejected. Please see https://www.spectrum.net/support/internet/understanding-email-error-codes AUP#In-1310",
            Some("5.1.0"),
            None,
            None,
            RateLimited,
        ),
        (
            "550 5.5.0 Le compte du destinataire est bloque. The recipient account is blocked. LPN007_426",
            Some("5.5.0"),
            Some(Rcpt),
            Some("smtpz4.laposte.net"),
            Suspend,
        ),
        (
            "550 mwinf5c10 ME Adresse d au moins un destinataire invalide. Invalid recipient. OFR_416 [416]",
            None,
            Some(Rcpt),
            Some("smtp-in.orange.fr"),
            UserUnknown,
        ),
        (
            "550-5.2.1 The user you are trying to contact is\n    receiving mail at a rate that 550-5.2.1 prevents additional messages from\n    being delivered.",
            Some("5.2.1"),
            Some(Rcpt),
            Some("alt1.gmail-smtp-in.l.google.com"),
            RateLimited,
        ),
        (
            "maildrop: maildir over quota.",
            None,
            None,
            None,
            MailboxFull,
        ),
        (
            "mail.local: unknown user: neko",
            None,
            None,
            None,
            UserUnknown,
        ),
        (
            "procmail: Error while writing to /var/mail/x",
            None,
            None,
            None,
            MailerError,
        ),
        (
            "Your message to <neko@example.jp> was automatically rejected: Quota exceeded (mailbox for user is full)",
            None,
            None,
            None,
            MailboxFull,
        ),
        (
            "550 5.6.7 Non-ASCII addresses not permitted for that sender",
            Some("5.6.7"),
            Some(Mail),
            None,
            Rejected,
        ),
        (
            "554 5.7.1 Email cannot be delivered. Reason: Email flagged as Spam.",
            Some("5.7.1"),
            Some(Rcpt),
            Some("smtpin.zoho.com"),
            Rejected,
        ),
        (
            "553 5.7.1 Sorry, that domain isn't in my list of allowed rcpthosts.",
            Some("5.7.1"),
            Some(Rcpt),
            None,
            NoRelaying,
        ),
        (
            "550 5.7.606 Access denied, banned sending IP [192.0.2.1]",
            Some("5.7.606"),
            Some(Rcpt),
            Some("mx.prod.outlook.com"),
            Blocked,
        ),
    ];

    #[test]
    fn table_more() {
        for (text, status, command, host, want) in MORE {
            let text = text.replace("\\n", "\n");
            let ev = Evidence {
                status: *status,
                reply_code: None,
                command: *command,
                action: Some("failed"),
                text: &text,
                remote_host: *host,
                hint: None,
            };
            assert_eq!(decide(&ev), *want, "{text:?}");
        }
    }

    #[test]
    fn table() {
        let mut bad = Vec::new();
        for (text, status, command, host, want) in CASES {
            let ev = Evidence {
                status: *status,
                reply_code: None,
                command: *command,
                action: Some("failed"),
                text,
                remote_host: *host,
                hint: None,
            };
            let got = decide(&ev);
            if got != *want {
                bad.push(format!("{text:?}: want {want:?}, got {got:?}"));
            }
        }
        assert!(
            bad.is_empty(),
            "{} mismatches:\n{}",
            bad.len(),
            bad.join("\n")
        );
    }

    #[test]
    fn hints() {
        let ev = |hint, status, text| Evidence {
            status,
            reply_code: None,
            command: None,
            action: Some("failed"),
            text,
            remote_host: None,
            hint: Some(hint),
        };
        // A definite hint is final.
        assert_eq!(
            decide(&ev(Filtered, Some("5.1.1"), "550 user unknown")),
            Filtered
        );
        assert_eq!(
            decide(&ev(Expired, None, "retry timeout exceeded")),
            Expired
        );
        assert_eq!(decide(&ev(Feedback, None, "")), Feedback);
        assert_eq!(decide(&ev(Vacation, None, "I am away")), Vacation);
        assert_eq!(decide(&ev(MailerError, None, "")), MailerError);
        assert_eq!(
            decide(&ev(
                Suppressed,
                None,
                "Amazon SES has suppressed sending to this address"
            )),
            Suppressed
        );
        // A retried hint yields to stronger evidence met earlier in Sisimai's order.
        assert_eq!(
            decide(&ev(UserUnknown, Some("5.2.2"), "552 5.2.2 Mailbox full")),
            MailboxFull
        );
        assert_eq!(
            decide(&ev(UserUnknown, None, "550 5.1.1 <a@b.c>... User unknown")),
            UserUnknown
        );
        assert_eq!(decide(&ev(Expired, None, "Connection refused")), Expired);
        assert_eq!(
            decide(&ev(HostUnknown, Some("5.0.0"), "Host unknown")),
            HostUnknown
        );
    }

    #[test]
    fn delivered_and_delayed() {
        let ev = Evidence {
            status: None,
            reply_code: None,
            command: None,
            action: Some("delivered"),
            text: "",
            remote_host: None,
            hint: None,
        };
        assert_eq!(decide(&ev), Delivered);
        let ev = Evidence {
            status: Some("4.0.0"),
            reply_code: Some(451),
            command: None,
            action: Some("delayed"),
            text: "451 Try again",
            remote_host: None,
            hint: None,
        };
        assert_eq!(decide(&ev), Expired);
    }

    #[test]
    fn words_round_trip() {
        for (r, w) in WORDS {
            assert_eq!(r.as_str(), w);
            assert_eq!(Reason::from_word(w), Some(r));
            assert_eq!(Reason::from_word(&w.to_uppercase()), Some(r));
        }
        assert_eq!(Reason::from_word("MesgTooBig"), Some(EmailTooLarge));
        assert_eq!(Reason::from_word("toomanyconn"), Some(RateLimited));
        assert_eq!(Reason::from_word("nonsense"), None);
    }

    #[test]
    fn hard_bounces() {
        assert!(UserUnknown.is_hard(Some("4.1.1"), "451 4.1.1 try later"));
        assert!(HostUnknown.is_hard(None, ""));
        assert!(HasMoved.is_hard(Some("5.1.6"), ""));
        assert!(NotAccept.is_hard(Some("5.1.10"), "556 null MX"));
        assert!(NotAccept.is_hard(None, ""));
        assert!(NotAccept.is_hard(None, "host does not accept mail"));
        assert!(!NotAccept.is_hard(Some("4.3.2"), "453 not now"));
        assert!(!NotAccept.is_hard(None, "421 4.3.2 System not accepting network messages"));
        assert!(!NotAccept.is_hard(None, "the server is temporarily not accepting mail"));
        assert!(!NotAccept.is_hard(None, "a persistent failure"));
        assert!(!MailboxFull.is_hard(Some("5.2.2"), "552 mailbox full"));
        assert!(!Filtered.is_hard(Some("5.2.0"), ""));
        assert!(!Delivered.is_hard(Some("2.1.5"), ""));
    }

    #[test]
    fn status_finding() {
        assert_eq!(
            find_status("550 5.1.1 <a@b.c>... User unknown"),
            Some("5.1.1")
        );
        assert_eq!(find_status("host 192.168.0.1 said: 550 no"), None);
        assert_eq!(find_status("192.168.0.1"), None);
        assert_eq!(find_status("version 1.2.3"), None);
        assert_eq!(find_status("Exim 4.72 ready"), None);
        assert_eq!(find_status("from 10.5.1.1 port 25"), None);
        assert_eq!(find_status("v5.1.1 build"), None);
        assert_eq!(find_status("550-5.7.1 [192.0.2.1] blocked"), Some("5.7.1"));
        assert_eq!(find_status("(#5.1.1)"), Some("5.1.1"));
        assert_eq!(find_status("Status: 4.4.7 (delayed)"), Some("4.4.7"));
        assert_eq!(find_status("550 5.7.606 Access denied"), Some("5.7.606"));
        assert_eq!(find_status("dsn=5.1.10,"), Some("5.1.10"));
        assert_eq!(find_status("ending with 5.1.1."), Some("5.1.1"));
        assert_eq!(find_status("3.1.1 not a class"), None);
        assert_eq!(find_status("日本語 5.2.2 満杯"), Some("5.2.2"));
        assert_eq!(find_status(""), None);
    }

    #[test]
    fn reply_code_finding() {
        assert_eq!(find_reply_code("550 5.1.1 User unknown"), Some(550));
        assert_eq!(find_reply_code("550-5.7.1 blocked"), Some(550));
        assert_eq!(find_reply_code("host x said: 452 4.2.2 full"), Some(452));
        assert_eq!(find_reply_code("Remote host said: 554 rejected"), Some(554));
        assert_eq!(find_reply_code("id 12550 at 5504"), None);
        assert_eq!(find_reply_code("192.0.2.250 said nothing"), None);
        assert_eq!(find_reply_code("no code here"), None);
        assert_eq!(find_reply_code("日本語 421 混雑"), Some(421));
        assert_eq!(find_reply_code("599 x"), None);
    }

    #[test]
    fn status_table() {
        assert_eq!(from_status("5.1.1"), Some(UserUnknown));
        assert_eq!(from_status("5.3.4"), Some(EmailTooLarge));
        assert_eq!(from_status("5.5.3"), Some(RateLimited));
        assert_eq!(from_status("5.7.26"), Some(AuthFailure));
        assert_eq!(from_status("5.0.0"), None);
        assert_eq!(from_status("4.7.0"), None);
        assert_eq!(from_status("garbage"), None);
    }

    #[test]
    fn commands() {
        assert_eq!(
            Command::from_text("(in reply to RCPT TO command)"),
            Some(Rcpt)
        );
        assert_eq!(
            Command::from_text("host x said: 550 no (in reply to end of DATA command)"),
            Some(Data)
        );
        assert_eq!(
            Command::from_text("SMTP error from remote mail server after end of data:"),
            Some(Data)
        );
        assert_eq!(
            Command::from_text("SMTP error from remote mail server after RCPT TO:<a@b.c>:"),
            Some(Rcpt)
        );
        assert_eq!(
            Command::from_text(
                "SMTP error from remote mail server after MAIL FROM:<a@b.c> SIZE=1:"
            ),
            Some(Mail)
        );
        assert_eq!(
            Command::from_text("SMTP error from remote mail server after initial connection:"),
            Some(Connect)
        );
        assert_eq!(
            Command::from_text("(in reply to MAIL FROM command)"),
            Some(Mail)
        );
        assert_eq!(
            Command::from_text(">>> RCPT To:<a@b.c>\n<<< 550 nope"),
            Some(Rcpt)
        );
        assert_eq!(Command::from_text(">>> DATA\n<<< 554 nope"), Some(Data));
        assert_eq!(Command::from_text("error after HELO"), Some(Helo));
        assert_eq!(
            Command::from_text("in reply to STARTTLS command"),
            Some(StartTls)
        );
        assert_eq!(
            Command::from_text("improper use of 8-bit data in message header"),
            None
        );
        assert_eq!(Command::from_text("DATABASE@EXAMPLE.JP is full"), None);
        assert_eq!(Command::from_text(""), None);
    }

    #[test]
    fn never_panics_on_random_input() {
        // Deterministic pseudo-random texts mixing ASCII, digits, dots and multi-byte characters.
        const ALPHABET: [&str; 16] = [
            "5",
            ".",
            "1",
            "4",
            " ",
            "a",
            "\n",
            "é",
            "日",
            "-",
            ">>> ",
            "aup#",
            "in reply to ",
            "lpn",
            "#",
            ":",
        ];
        let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
        for _ in 0..2000 {
            let mut text = String::new();
            for _ in 0..(seed % 40) {
                seed = seed
                    .wrapping_mul(6_364_136_223_846_793_005)
                    .wrapping_add(1_442_695_040_888_963_407);
                text.push_str(ALPHABET[(seed >> 60) as usize]);
            }
            let ev = Evidence {
                status: find_status(&text),
                reply_code: find_reply_code(&text),
                command: None,
                action: None,
                text: &text,
                remote_host: Some("x.laposte.net"),
                hint: None,
            };
            let _ = decide(&ev);
            let ev = Evidence {
                remote_host: None,
                ..ev
            };
            let _ = decide(&ev);
        }
    }

    #[test]
    fn never_panics_on_odd_input() {
        let odd = [
            "5",
            "5.",
            "5.1",
            "5.1.",
            "550",
            "55",
            "\u{0}\u{ffff}",
            "５.１.１",
            "é5.1.1é",
            ">>> ",
            "in reply to ",
            "aup#",
            ".i.ua/err/",
            "dns type '",
        ];
        for t in odd {
            let ev = Evidence {
                status: Some(t),
                reply_code: Some(999),
                command: None,
                action: Some(t),
                text: t,
                remote_host: Some(t),
                hint: None,
            };
            let _ = decide(&ev);
            let _ = find_status(t);
            let _ = find_reply_code(t);
            let _ = Command::from_text(t);
        }
    }
}
