//! The variables a template sees: every CSV column by its header name, plus
//! `email`, `campaign`, `list`, `unsubscribe_url` and `footer`. The built-in
//! names win over CSV columns of the same name, so a column called `email`
//! cannot change the address the message goes to.
//!
//! `unsubscribe_url` and `footer` are built when a template asks for them:
//! most templates never do, and the footer is the largest value of all.

use std::sync::Arc;

use minijinja::Value;
use minijinja::value::{Enumerator, Object};

use super::footer::FooterText;

/// What the templates of every message of a campaign share.
#[derive(Debug)]
pub(super) struct Campaign {
    pub headers: Arc<[String]>,
    pub campaign: String,
    pub list: String,
    /// The unsubscribe URL before and after the token.
    pub unsubscribe_around: (String, String),
    pub footer: FooterText,
}

impl Campaign {
    /// The unsubscribe URL of the message whose token is `token`: the
    /// configured URL with the token appended as a path segment (tokens are
    /// base64url, which a path segment carries unencoded).
    pub(super) fn unsubscribe_url(&self, token: &str) -> String {
        let (head, tail) = &self.unsubscribe_around;
        [head.as_str(), token, tail].concat()
    }
}

/// What every template of one message shares.
#[derive(Debug)]
pub(super) struct Shared {
    pub campaign: Arc<Campaign>,
    pub fields: Vec<String>,
    pub email: String,
    pub token: String,
}

/// Which footer a template gets for `{{ footer }}`.
#[derive(Debug, Clone, Copy)]
pub(super) enum FooterKind {
    /// None: the subject is one line.
    Empty,
    Text,
    Html,
}

/// The variables of one template: the shared ones and that template's footer.
#[derive(Debug)]
pub(super) struct Vars {
    pub shared: Arc<Shared>,
    pub footer: FooterKind,
}

const BUILT_IN: [&str; 5] = ["email", "campaign", "list", "unsubscribe_url", "footer"];

impl Object for Vars {
    fn get_value(self: &Arc<Self>, key: &Value) -> Option<Value> {
        let shared = &self.shared;
        let campaign = &shared.campaign;
        match key.as_str()? {
            "email" => Some(Value::from(shared.email.as_str())),
            "campaign" => Some(Value::from(campaign.campaign.as_str())),
            "list" => Some(Value::from(campaign.list.as_str())),
            "unsubscribe_url" => Some(Value::from(campaign.unsubscribe_url(&shared.token))),
            "footer" => Some(match self.footer {
                FooterKind::Empty => Value::from(""),
                FooterKind::Text => Value::from(campaign.footer.text_parts(&shared.token).concat()),
                FooterKind::Html => {
                    Value::from_safe_string(campaign.footer.html_parts(&shared.token).concat())
                }
            }),
            column => campaign
                .headers
                .iter()
                .position(|h| h == column)
                .and_then(|i| shared.fields.get(i))
                .map(|v| Value::from(v.as_str())),
        }
    }

    fn enumerate(self: &Arc<Self>) -> Enumerator {
        let mut keys: Vec<Value> = BUILT_IN.iter().map(|k| Value::from(*k)).collect();
        keys.extend(
            self.shared
                .campaign
                .headers
                .iter()
                .filter(|h| !BUILT_IN.contains(&h.as_str()))
                .map(|h| Value::from(h.as_str())),
        );
        Enumerator::Values(keys)
    }
}
