//! What a report carries that points at the message of ours it answers.
//! Only clues that an outsider cannot invent count: an unsubscribe token
//! (HMAC-signed), a Message-ID the store composed (HMAC-derived), or a VERP
//! return path carrying a token. An address named in a report proves nothing.

use mail_parser::Message;

use crate::address::Mailbox;
use crate::token::TOKEN_LEN;

/// Where a candidate token was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenOrigin {
    /// In the returned original's `List-Unsubscribe`, or the subject or
    /// address of a mailed unsubscribe request.
    Message,
    /// In the address a bounce was delivered to (`bounces+TOKEN@…`).
    Verp,
}

/// The clues of one report, most specific first.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Clues {
    /// Message-IDs without angle brackets: the returned original's, or those
    /// a mailed request replies to.
    pub message_ids: Vec<String>,
    /// Candidate unsubscribe tokens and where each was found.
    pub tokens: Vec<(String, TokenOrigin)>,
}

impl Clues {
    /// Adds a Message-ID (brackets and white space are trimmed).
    pub(crate) fn add_message_id(&mut self, id: &str) {
        let id = id
            .trim()
            .trim_start_matches('<')
            .trim_end_matches('>')
            .trim();
        // Our Message-IDs are short; anything long is noise, not a clue.
        if !id.is_empty() && id.len() <= 255 && !self.message_ids.iter().any(|known| known == id) {
            self.message_ids.push(id.to_owned());
        }
    }

    /// Adds `text` as a token if it has a token's shape.
    pub(crate) fn add_token(&mut self, text: &str, origin: TokenOrigin) {
        if looks_like_token(text) && !self.tokens.iter().any(|(known, _)| known == text) {
            self.tokens.push((text.to_owned(), origin));
        }
    }

    /// Collects the clues of a returned original message (or its headers).
    pub(crate) fn add_original(&mut self, original: &Message<'_>) {
        if let Some(id) = original.message_id() {
            self.add_message_id(id);
        }
        for (name, value) in original.headers_raw() {
            if name.eq_ignore_ascii_case("List-Unsubscribe") {
                self.tokens_from_list_unsubscribe(value);
            }
        }
    }

    /// The token in a List-Unsubscribe value: the https URI's last path
    /// segment, and the `unsubscribe TOKEN` subject of its mailto.
    pub(crate) fn tokens_from_list_unsubscribe(&mut self, value: &str) {
        let unfolded: String = value.split(['\r', '\n']).collect();
        for uri in unfolded.split(',') {
            let uri = uri.trim().trim_start_matches('<').trim_end_matches('>');
            if uri.starts_with("https://") || uri.starts_with("http://") {
                let path = uri.split(['?', '#']).next().unwrap_or("");
                if let Some(last) = path.trim_end_matches('/').rsplit('/').next() {
                    self.add_token(last, TokenOrigin::Message);
                }
            } else if let Some(mailto) = uri.strip_prefix("mailto:") {
                for word in mailto
                    .split(['?', '&', '=', ' '])
                    .flat_map(|w| w.split("%20"))
                {
                    self.add_token(word, TokenOrigin::Message);
                }
            }
        }
    }

    /// A VERP address `local+TOKEN@domain`.
    pub(crate) fn tokens_from_address(&mut self, address: &str, origin: TokenOrigin) {
        let Ok(mailbox) = Mailbox::parse(address) else {
            return;
        };
        if let Some((_, detail)) = mailbox.address.local_part().rsplit_once('+') {
            self.add_token(detail, origin);
        }
    }

    /// The addresses a report was delivered to, which name a VERP return
    /// path: `To`, `Delivered-To`, `X-Original-To`, `Envelope-To`.
    pub(crate) fn add_envelope(&mut self, message: &Message<'_>, origin: TokenOrigin) {
        for (name, value) in message.headers_raw() {
            if ["To", "Delivered-To", "X-Original-To", "Envelope-To"]
                .iter()
                .any(|n| name.eq_ignore_ascii_case(n))
            {
                for address in value.split(',') {
                    self.tokens_from_address(address, origin);
                }
            }
        }
    }
}

fn looks_like_token(text: &str) -> bool {
    text.len() == TOKEN_LEN
        && text
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_verp_address_yields_its_token() {
        let mut clues = Clues::default();
        let token = "b".repeat(32);
        clues.tokens_from_address(
            &format!("<bounces+{token}@example.co.jp>"),
            TokenOrigin::Verp,
        );
        clues.tokens_from_address("bounces@example.co.jp", TokenOrigin::Verp);
        assert_eq!(clues.tokens, [(token, TokenOrigin::Verp)]);
    }

    #[test]
    fn list_unsubscribe_yields_the_url_and_mailto_tokens() {
        let mut clues = Clues::default();
        let (url, mail) = ("A".repeat(32), "B".repeat(32));
        clues.tokens_from_list_unsubscribe(&format!(
            "<https://example.co.jp/u/{url}>,\r\n <mailto:u@example.co.jp?subject=unsubscribe%20{mail}>"
        ));
        assert_eq!(
            clues.tokens,
            [(url, TokenOrigin::Message), (mail, TokenOrigin::Message)]
        );
    }
}
