//! One sample message as the approver sees it on the report: decoded
//! headers and parts, the unsubscribe token hidden, and its checklist.

use serde::Serialize;

use super::approval::REDACTED_TOKEN;
use crate::config::{Campaign, sender_rules};
use crate::render::visibility::{Document, Seen};

/// One sample message as its recipient will receive it.
#[derive(Debug, Clone)]
pub(crate) struct Sample {
    /// The recipient's unsubscribe token: the page shows a placeholder
    /// instead, so a report mailed around cannot unsubscribe anyone.
    pub token: String,
    /// The CSV line it was rendered from.
    pub line: u64,
    /// The message's bytes, signed.
    pub bytes: Vec<u8>,
    /// What the law requires a reader to see: (what, text).
    pub legal_items: Vec<(&'static str, String)>,
}

#[derive(Serialize)]
pub(super) struct Check {
    item: String,
    text: bool,
    html: Option<bool>,
}

#[derive(Serialize)]
pub(super) struct SampleView {
    line: u64,
    from: String,
    to: String,
    subject: String,
    date: String,
    list_unsubscribe: String,
    size: String,
    dkim: String,
    html: Option<String>,
    text: String,
    checks: Vec<Check>,
    rules: Vec<(String, bool, String)>,
}

fn legal_label(what: &str, ja: bool) -> String {
    if !ja {
        return what.to_owned();
    }
    match what {
        "organization" => "送信者の氏名・名称",
        "postal address" => "住所",
        "contact" => "苦情・問い合わせ先",
        "opt-out statement" => "受信拒否ができる旨の表示",
        "opt-out link" => "配信停止のURL",
        other => other,
    }
    .to_owned()
}

pub(super) fn sample_view(sample: &Sample, campaign: &Campaign, ja: bool) -> SampleView {
    let parsed = mail_parser::MessageParser::default().parse(&sample.bytes);
    let header = |name: &str| {
        parsed
            .as_ref()
            .and_then(|m| m.header_raw(name))
            .map(|v| v.split_whitespace().collect::<Vec<_>>().join(" "))
            .unwrap_or_default()
    };
    // The first mailbox of From or To: (display name, address).
    let first = |list: Option<&mail_parser::Address<'_>>| {
        list.and_then(|a| a.first()).map(|a| {
            (
                a.name().map(str::to_owned),
                a.address().unwrap_or_default().to_owned(),
            )
        })
    };
    let shown = |mailbox: &Option<(Option<String>, String)>| match mailbox {
        Some((Some(name), address)) => format!("{name} <{address}>"),
        Some((None, address)) => address.clone(),
        None => String::new(),
    };
    let from_header = parsed.as_ref().and_then(|m| first(m.from()));
    let to_header = parsed.as_ref().and_then(|m| first(m.to()));
    let text = parsed
        .as_ref()
        .and_then(|m| m.body_text(0))
        .map(|t| t.replace("\r\n", "\n"))
        .unwrap_or_default();
    // Only a real text/html part: mail-parser converts a text-only
    // message's text to HTML for body_html.
    let html = parsed.as_ref().and_then(|m| {
        m.html_part(0)
            .filter(|part| part.is_text_html())
            .and_then(|_| m.body_html(0))
            .map(|h| h.into_owned())
    });
    let dkim = header("DKIM-Signature");
    let tag = |name: &str| {
        dkim.split(';')
            .filter_map(|part| part.trim().split_once('='))
            .find(|(key, _)| key.trim() == name)
            .map(|(_, value)| value.trim().to_owned())
    };
    let dkim = match (tag("d"), tag("s")) {
        (Some(d), Some(s)) => format!("d={d}; s={s}"),
        _ => if ja { "署名なし" } else { "not signed" }.to_owned(),
    };
    let document = html.as_deref().map(Document::parse);
    let checks = sample
        .legal_items
        .iter()
        .map(|(what, needle)| Check {
            item: legal_label(what, ja),
            text: text.contains(needle.as_str()),
            html: document.as_ref().map(|d| d.seen(needle) == Seen::Visible),
        })
        .collect();

    let to_domain = to_header
        .as_ref()
        .and_then(|(_, address)| address.rsplit_once('@'))
        .map(|(_, domain)| domain.to_ascii_lowercase())
        .unwrap_or_default();
    let size = sample.bytes.len() as u64;
    let limit = sender_rules::size_limit_for(&to_domain, &campaign.limits.max_message_size);
    let from = &campaign.sender.from;
    let name_ok = from
        .name
        .as_deref()
        .and_then(sender_rules::display_name_problem)
        .is_none();
    let domain_ok = !sender_rules::is_public_mailbox(from.address.domain(), &[]);
    let agreement = document.as_ref().map(|d| {
        let shared: Vec<&str> = sample.legal_items.iter().map(|(_, t)| t.as_str()).collect();
        crate::render::visibility::alternative_agreement(&text, d, &shared)
    });
    let mut rules = vec![
        (
            if ja {
                "差出人名が返信・転送を装っていない"
            } else {
                "From name does not imitate a reply or forward"
            }
            .to_owned(),
            name_ok,
            from.name.clone().unwrap_or_default(),
        ),
        (
            if ja {
                "差出人ドメインが自社のもの（フリーメール・携帯キャリアでない）"
            } else {
                "From domain is the sender's own (not a public mailbox provider)"
            }
            .to_owned(),
            domain_ok,
            from.address.domain().to_owned(),
        ),
        (
            if ja {
                "サイズが宛先キャリアの上限以内"
            } else {
                "Size within the recipient carrier's limit"
            }
            .to_owned(),
            limit.is_none_or(|limit| size <= limit),
            match limit {
                Some(limit) => format!(
                    "{} / {}",
                    sender_rules::human_size(size),
                    sender_rules::human_size(limit)
                ),
                None => sender_rules::human_size(size),
            },
        ),
    ];
    if let Some(agreement) = agreement {
        rules.push((
            if ja {
                "テキストとHTMLの内容が一致（コンテンツフィルタの MPART_ALT_DIFF 対策）"
            } else {
                "Text and HTML parts say the same (content filters' MPART_ALT_DIFF)"
            }
            .to_owned(),
            agreement >= crate::render::visibility::MIN_AGREEMENT,
            format!("{:.0} %", agreement * 100.0),
        ));
    }
    let redact = |text: String| {
        if sample.token.is_empty() {
            text
        } else {
            text.replace(&sample.token, REDACTED_TOKEN)
        }
    };
    SampleView {
        line: sample.line,
        from: shown(&from_header),
        to: shown(&to_header),
        subject: parsed
            .as_ref()
            .and_then(|m| m.subject())
            .unwrap_or_default()
            .to_owned(),
        date: header("Date"),
        list_unsubscribe: redact(header("List-Unsubscribe")),
        size: sender_rules::human_size(size),
        dkim,
        html: html.map(redact),
        text: redact(text),
        checks,
        rules,
    }
}
