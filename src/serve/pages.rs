//! The pages people see: the confirmation and done pages in Japanese and
//! English, with the sender named and the address masked.

use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use crate::html::Escape;
use crate::token::Recipient;

pub(super) fn page(status: StatusCode, html: &str) -> Response {
    let mut headers = HeaderMap::new();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    // Nothing to cache, index or leak through a Referer: the URL is a credential.
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    headers.insert("x-robots-tag", HeaderValue::from_static("noindex"));
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'",
        ),
    );
    (status, headers, html.to_owned()).into_response()
}

/// `taro@example.jp` → `t***@example.jp`: enough for the person to recognise,
/// too little for someone the mail was forwarded to.
pub(super) fn masked(email: &str) -> String {
    match email.split_once('@') {
        Some((local, domain)) => {
            let first = local.chars().next().unwrap_or('*');
            format!("{first}***@{domain}")
        }
        None => "***".to_owned(),
    }
}

pub(super) fn document(title: &str, body: &str) -> String {
    format!(
        "<!DOCTYPE html>\n<html lang=\"ja\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <meta name=\"robots\" content=\"noindex\">\n<title>{title}</title>\n\
         <style>body{{font-family:sans-serif;max-width:36em;margin:2em auto;padding:0 1em;line-height:1.6}}\
         h1{{line-height:1.25}}button{{font-size:1.1em;padding:.5em 1.5em}}</style>\n</head>\n<body>\n{body}\n</body>\n</html>\n"
    )
}

/// "from ASUE株式会社" in both languages, when the store knows the sender.
pub(super) fn sender_lines(sender: Option<&str>) -> (String, String) {
    match sender {
        Some(sender) => {
            let sender = Escape(sender).to_string();
            (
                format!("<p class=\"sender\">送信者: {sender}</p>\n"),
                format!("<p class=\"sender\" lang=\"en\">Sender: {sender}</p>\n"),
            )
        }
        None => (String::new(), String::new()),
    }
}

pub(super) fn confirm_page(recipient: &Recipient, sender: Option<&str>) -> String {
    let list = Escape(&recipient.list).to_string();
    let who = Escape(&masked(&recipient.email)).to_string();
    let (sender_ja, sender_en) = sender_lines(sender);
    document(
        "配信停止の確認 / Unsubscribe",
        &format!(
            "<h1>配信停止の確認</h1>\n{sender_ja}\
             <p>{who} 宛ての「{list}」の配信を停止します。よろしければ下のボタンを押してください。</p>\n\
             <h1 lang=\"en\">Unsubscribe</h1>\n{sender_en}\
             <p lang=\"en\">Stop sending “{list}” to {who}? Press the button to confirm.</p>\n\
             <form method=\"post\">\n<input type=\"hidden\" name=\"confirm\" value=\"web\">\n\
             <button type=\"submit\">配信を停止する / Unsubscribe</button>\n</form>"
        ),
    )
}

pub(super) fn done_page(recipient: &Recipient, sender: Option<&str>) -> String {
    let list = Escape(&recipient.list).to_string();
    let who = Escape(&masked(&recipient.email)).to_string();
    let (sender_ja, sender_en) = sender_lines(sender);
    document(
        "配信停止 / Unsubscribed",
        &format!(
            "<h1>配信を停止しました</h1>\n{sender_ja}<p>{who} 宛ての「{list}」の配信を停止しました。\
             今後このリストのメールはお送りしません。</p>\n\
             <h1 lang=\"en\">You are unsubscribed</h1>\n{sender_en}\
             <p lang=\"en\">{who} will receive no more mail from “{list}”.</p>"
        ),
    )
}

pub(super) fn message_page(title_ja: &str, title_en: &str, text_ja: &str, text_en: &str) -> String {
    document(
        &format!("{title_ja} / {title_en}"),
        &format!(
            "<h1>{title_ja}</h1>\n<p>{text_ja}</p>\n<h1 lang=\"en\">{title_en}</h1>\n<p lang=\"en\">{text_en}</p>"
        ),
    )
}
