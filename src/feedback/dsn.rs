//! RFC 3464 delivery status fields, wherever a report put them: in a
//! `message/delivery-status` part, or as plain text inside the notice
//! (Amazon WorkMail, reports whose MIME structure broke on the way).

/// One recipient's fields.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(super) struct DsnRecipient {
    /// `Final-Recipient` (else `Original-Recipient`, `X-Actual-Recipient`),
    /// lower case, without its address type.
    pub recipient: Option<String>,
    /// `Action`, lower case.
    pub action: Option<String>,
    /// `Status` as written (may carry a comment).
    pub status: Option<String>,
    /// `Diagnostic-Code` without its type, unfolded.
    pub diagnostic: Option<String>,
    /// `Remote-MTA` without its type, lower case.
    pub remote_mta: Option<String>,
}

/// Field names that mark a DSN block inside plain text.
const RECIPIENT_FIELDS: &[&str] = &[
    "final-recipient",
    "original-recipient",
    "x-actual-recipient",
];

/// The per-recipient groups of DSN fields in `text`. Groups are separated by
/// blank lines as RFC 3464 says, and a second `Final-Recipient` in one group
/// starts another (some MTAs forget the blank line). Fields of a group that
/// names no recipient (the per-message group) are ignored.
pub(super) fn recipients(text: &str) -> Vec<DsnRecipient> {
    let mut all = Vec::new();
    for group in text.split("\n\n") {
        let mut current = DsnRecipient::default();
        let mut has_final = false;
        let mut any = false;
        for (name, value) in fields(group) {
            let name = name.to_ascii_lowercase();
            match name.as_str() {
                "final-recipient" => {
                    if has_final {
                        all.push(std::mem::take(&mut current));
                    }
                    has_final = true;
                    any = true;
                    current.recipient = address_of(&value).or(current.recipient.take());
                }
                "original-recipient" | "x-actual-recipient" => {
                    any = true;
                    if current.recipient.is_none() {
                        current.recipient = address_of(&value);
                    }
                }
                "action" => current.action = Some(value.trim().to_ascii_lowercase()),
                "status" => current.status = Some(value.trim().to_owned()),
                "diagnostic-code" => {
                    let text = value.split_once(';').map_or(value.as_str(), |(_, t)| t);
                    current.diagnostic = Some(text.trim().to_owned());
                }
                "remote-mta" => {
                    let host = value.split_once(';').map_or(value.as_str(), |(_, h)| h);
                    current.remote_mta = Some(host.trim().to_ascii_lowercase());
                }
                _ => {}
            }
        }
        if any {
            all.push(current);
        }
    }
    all
}

/// Whether `text` holds DSN recipient fields at the start of a line.
pub(super) fn has_fields(text: &str) -> bool {
    text.lines().any(|line| {
        line.split_once(':').is_some_and(|(name, _)| {
            RECIPIENT_FIELDS
                .iter()
                .any(|f| name.trim().eq_ignore_ascii_case(f))
        })
    })
}

/// The `Name: value` fields of a group, continuation lines unfolded.
/// Lines that are not fields (prose between the fields) are skipped.
pub(super) fn fields(group: &str) -> Vec<(String, String)> {
    let mut fields: Vec<(String, String)> = Vec::new();
    for line in group.lines() {
        if line.starts_with([' ', '\t']) {
            if let Some((_, value)) = fields.last_mut() {
                value.push(' ');
                value.push_str(line.trim());
            }
            continue;
        }
        match line.split_once(':') {
            Some((name, value))
                if !name.is_empty()
                    && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') =>
            {
                fields.push((name.to_owned(), value.trim().to_owned()));
            }
            _ => {
                // Prose ends the current field's continuation.
                fields.push((String::new(), String::new()));
            }
        }
    }
    fields.retain(|(name, _)| !name.is_empty());
    fields
}

/// The address in a recipient field: `rfc822; a@b`, `<a@b>`, `a@b`.
pub(super) fn address_of(value: &str) -> Option<String> {
    let value = value.rsplit_once(';').map_or(value, |(_, a)| a);
    first_address(value)
}

/// The first thing in `text` shaped like an address, lower case, without
/// brackets or quotes.
pub(super) fn first_address(text: &str) -> Option<String> {
    addresses(text).next()
}

/// Every thing in `text` shaped like an address, in order, lower case.
pub(super) fn addresses(text: &str) -> impl Iterator<Item = String> + '_ {
    text.split(|c: char| {
        c.is_whitespace()
            || matches!(
                c,
                '<' | '>' | '"' | '\'' | '(' | ')' | '[' | ']' | ',' | ';'
            )
    })
    .filter_map(|word| {
        let word = word
            .trim_start_matches(['.', ':', '`'])
            .trim_end_matches(['.', ':', '`']);
        let word = word.strip_prefix("mailto:").unwrap_or(word);
        let (local, domain) = word.rsplit_once('@')?;
        let plausible = !local.is_empty()
            && local.len() <= 64
            && domain.contains('.')
            && !domain.starts_with('.')
            && domain.len() <= 255
            && domain
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.')
            && local
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"!#$%&*+-/=?^_`{|}~.".contains(&b));
        plausible.then(|| word.to_ascii_lowercase())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_groups_with_folded_fields_and_action_first() {
        let text = "Reporting-MTA: dns; mx.example.jp\n\n\
            Action: failed\nFinal-Recipient: rfc822; Taro@Example.JP\nStatus: 5.1.1\n\
            Diagnostic-Code: smtp; 550 5.1.1 <taro@example.jp>:\n    Recipient address rejected\n\
            Remote-MTA: dns; MX.example.jp\n\
            Final-Recipient: rfc822;hanako@example.jp\nAction: delayed\nStatus: 4.4.1\n";
        let all = recipients(text);
        assert_eq!(all.len(), 2);
        assert_eq!(all[0].recipient.as_deref(), Some("taro@example.jp"));
        assert_eq!(all[0].action.as_deref(), Some("failed"));
        assert_eq!(
            all[0].diagnostic.as_deref(),
            Some("550 5.1.1 <taro@example.jp>: Recipient address rejected")
        );
        assert_eq!(all[0].remote_mta.as_deref(), Some("mx.example.jp"));
        assert_eq!(all[1].recipient.as_deref(), Some("hanako@example.jp"));
        assert_eq!(all[1].action.as_deref(), Some("delayed"));
    }

    #[test]
    fn finds_addresses_in_prose() {
        let found: Vec<String> =
            addresses("<a@b.jp>: host x said: 550 'C@D.example' (mailto:e@f.jp).").collect();
        assert_eq!(found, ["a@b.jp", "c@d.example", "e@f.jp"]);
        assert_eq!(first_address("no address @ here"), None);
    }
}
