//! What the big mailbox providers and the carriers refuse, checked before
//! anything is sent: a From that pretends to be a reply, a From at a public
//! mailbox provider's domain, and messages larger than a carrier accepts.

/// Public mailbox providers and carriers whose domains a bulk sender cannot
/// put in From: the sender controls neither their SPF nor their DKIM keys, so
/// DMARC fails at every receiver ("the domain in the sender's From: header
/// must be aligned with either the SPF domain or the DKIM domain", Gmail's
/// sender guidelines, support.google.com/a/answer/81126). yahoo.com and
/// aol.com publish p=reject; icloud.com, me.com and mac.com p=quarantine
/// (Apple, support.apple.com/102322); Google says it enforces quarantine on
/// gmail.com. A campaign adds its own with `sender.public_mailbox_domains`.
pub(crate) const PUBLIC_MAILBOX_DOMAINS: &[&str] = &[
    "gmail.com",
    "googlemail.com",
    "yahoo.com",
    "yahoo.co.jp",
    "ymail.com",
    "rocketmail.com",
    "ymail.ne.jp",
    "aol.com",
    "aol.jp",
    "outlook.com",
    "outlook.jp",
    "hotmail.com",
    "hotmail.co.jp",
    "live.com",
    "live.jp",
    "msn.com",
    "icloud.com",
    "me.com",
    "mac.com",
    "proton.me",
    "protonmail.com",
    "docomo.ne.jp",
    "ezweb.ne.jp",
    "au.com",
    "biz.au.com",
    "softbank.ne.jp",
    "i.softbank.jp",
    "ymobile.ne.jp",
    "uqmobile.jp",
    "rakumail.jp",
];

/// Whether `domain` (lower-case) is, or is under, one of the built-in public
/// mailbox domains or `more`.
pub(crate) fn is_public_mailbox(domain: &str, more: &[String]) -> bool {
    let matches = |listed: &str| {
        domain == listed
            || domain
                .strip_suffix(listed)
                .is_some_and(|head| head.ends_with('.'))
    };
    PUBLIC_MAILBOX_DOMAINS.iter().any(|listed| matches(listed))
        || more
            .iter()
            .any(|listed| matches(&listed.to_ascii_lowercase()))
}

/// Why a From display name would be refused, if it would: Gmail's guidelines
/// say a display name "should not imply a message reply or threaded
/// conversation" (a name starting `Re:` or `Fwd:`), and a template
/// expression in it is never rendered (From is the same in every message).
pub(crate) fn display_name_problem(name: &str) -> Option<String> {
    // Full-width letters and colons (as Japanese input methods type them)
    // read as their ASCII forms; spaces before the colon do not count.
    let folded: String = name
        .trim_start()
        .chars()
        .map(|c| match c {
            '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
            '\u{3000}' => ' ',
            c => c,
        })
        .collect::<String>()
        .to_lowercase();
    let head = folded.split(':').next().unwrap_or_default().trim();
    let replies = ["re", "fwd", "fw", "aw", "wg", "sv", "tr", "転送", "返信"];
    let bracketed = ["【転送】", "【返信】", "[fwd]", "[fw]"];
    if (folded.contains(':') && replies.contains(&head))
        || bracketed.iter().any(|b| folded.starts_with(b))
    {
        return Some(format!(
            "the display name {name:?} starts like a reply or a forward: Gmail's sender \
             guidelines forbid names that imply a reply; use the company's or the \
             newsletter's name"
        ));
    }
    if ["{{", "}}", "{%", "%}"]
        .iter()
        .any(|mark| name.contains(mark))
    {
        return Some(format!(
            "the display name {name:?} holds a template expression: From is the same in every \
             message and is not a template; put personal words in the subject or the body"
        ));
    }
    None
}

/// The largest message (bytes, as sent) Japanese carriers accept, by domain.
/// au (KDDI) publishes 3 MB for au.com and ezweb.ne.jp in its technical
/// specification (au.com/mobile/service/attention/specification); UQ mobile
/// runs on it. docomo accepts at most 10 MB, and each user may lower it to
/// 1 MB. SoftBank's notice to senders gives 1 MB for softbank.ne.jp and its
/// iPhone address i.softbank.jp. Megabytes are decimal, the smaller reading.
/// A campaign overrides or adds with `limits.max_message_size`.
pub(crate) const CARRIER_SIZE_LIMITS: &[(&str, u64)] = &[
    ("au.com", 3_000_000),
    ("ezweb.ne.jp", 3_000_000),
    ("biz.au.com", 3_000_000),
    ("uqmobile.jp", 3_000_000),
    ("docomo.ne.jp", 10_000_000),
    ("softbank.ne.jp", 1_000_000),
    ("i.softbank.jp", 1_000_000),
];

/// Parses a size such as `3MB`, `500 KB` or `1048576` (bytes): KB and MB
/// are decimal, KiB and MiB binary.
pub(crate) fn parse_size(text: &str) -> Result<u64, String> {
    let text = text.trim();
    let split = text
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let number: f64 = number
        .parse()
        .map_err(|_| format!("{text:?} is not a size such as \"3MB\" or \"500KB\""))?;
    let factor = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1.0,
        "kb" => 1e3,
        "mb" => 1e6,
        "kib" => 1024.0,
        "mib" => 1024.0 * 1024.0,
        other => {
            return Err(format!(
                "{text:?}: unknown unit {other:?}; use B, KB, MB, KiB or MiB"
            ));
        }
    };
    let bytes = number * factor;
    if !(1.0..=1e12).contains(&bytes) {
        return Err(format!("{text:?} is not a sensible message size"));
    }
    Ok(bytes as u64)
}

/// The size limit that applies to mail for `domain` (lower-case): the
/// campaign's own entries first, then the carriers'.
pub(crate) fn size_limit_for(domain: &str, campaign: &[(String, u64)]) -> Option<u64> {
    let under = |listed: &str| {
        domain == listed
            || domain
                .strip_suffix(listed)
                .is_some_and(|head| head.ends_with('.'))
    };
    campaign
        .iter()
        .find(|(listed, _)| under(listed))
        .map(|(_, limit)| *limit)
        .or_else(|| {
            CARRIER_SIZE_LIMITS
                .iter()
                .find(|(listed, _)| under(listed))
                .map(|(_, limit)| *limit)
        })
}

/// `bytes` for people: `3.2 MB`, `850 KB`.
pub(crate) fn human_size(bytes: u64) -> String {
    if bytes >= 1_000_000 {
        format!("{:.1} MB", bytes as f64 / 1e6)
    } else if bytes >= 1_000 {
        format!("{} KB", bytes / 1_000)
    } else {
        format!("{bytes} B")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn public_mailbox_domains_and_their_subdomains_are_recognised() {
        assert!(is_public_mailbox("gmail.com", &[]));
        assert!(is_public_mailbox("mail.yahoo.co.jp", &[]));
        assert!(!is_public_mailbox("notgmail.com", &[]));
        assert!(!is_public_mailbox("example.co.jp", &[]));
        assert!(is_public_mailbox("free.example", &["Free.Example".into()]));
    }

    #[test]
    fn names_that_imply_a_reply_or_hold_templates_are_refused() {
        for name in [
            "Re: ご案内",
            "RE:ご案内",
            "Fwd: news",
            "FW: x",
            "転送: お知らせ",
            "ＲＥ：ご案内",
            "Re : x",
            "【転送】お知らせ",
            "AW: x",
        ] {
            assert!(display_name_problem(name).is_some(), "{name}");
        }
        assert!(display_name_problem("{{ name }}様へ ASUE").is_some());
        for name in ["ASUE株式会社", "Recruit news", "Forward Inc.", "Sato: news"] {
            assert!(display_name_problem(name).is_none(), "{name}");
        }
    }

    #[test]
    fn sizes_parse_and_limits_apply_to_subdomains() {
        assert_eq!(parse_size("3MB"), Ok(3_000_000));
        assert_eq!(parse_size("500 KB"), Ok(500_000));
        assert_eq!(parse_size("1MiB"), Ok(1_048_576));
        assert_eq!(parse_size("2048"), Ok(2048));
        assert!(parse_size("3 furlongs").is_err());
        assert!(parse_size("0").is_err());
        assert_eq!(size_limit_for("au.com", &[]), Some(3_000_000));
        assert_eq!(size_limit_for("example.jp", &[]), None);
        let own = [("au.com".to_owned(), 2_000_000)];
        assert_eq!(size_limit_for("au.com", &own), Some(2_000_000));
        assert_eq!(human_size(3_400_000), "3.4 MB");
    }
}
