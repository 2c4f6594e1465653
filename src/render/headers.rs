//! The headers of a message. One list, decided once per campaign, says both
//! what the builder writes and what DKIM signs (`h=`): a header cannot be
//! added to messages without being signed, or signed without being written.

use mail_builder::MessageBuilder;
use mail_builder::headers::address::Address as HeaderAddress;
use mail_builder::headers::raw::Raw;

/// A header hikyaku writes into every message of a campaign.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Header {
    From,
    To,
    Subject,
    Date,
    MessageId,
    ReplyTo,
    ListId,
    ListUnsubscribe,
    ListUnsubscribePost,
    FeedbackId,
}

/// Headers mail-builder writes itself for the body; they are signed too.
const BODY_HEADERS: [&str; 2] = ["MIME-Version", "Content-Type"];

impl Header {
    /// Its name as written.
    pub(super) fn name(self) -> &'static str {
        match self {
            Header::From => "From",
            Header::To => "To",
            Header::Subject => "Subject",
            Header::Date => "Date",
            Header::MessageId => "Message-ID",
            Header::ReplyTo => "Reply-To",
            Header::ListId => "List-Id",
            Header::ListUnsubscribe => "List-Unsubscribe",
            Header::ListUnsubscribePost => "List-Unsubscribe-Post",
            Header::FeedbackId => "Feedback-ID",
        }
    }

    /// The headers of a campaign's messages, in the order they are written.
    pub(super) fn of_campaign(reply_to: bool, feedback_id: bool) -> Vec<Header> {
        let mut headers = vec![
            Header::From,
            Header::To,
            Header::Subject,
            Header::Date,
            Header::MessageId,
        ];
        if reply_to {
            headers.push(Header::ReplyTo);
        }
        headers.extend([
            Header::ListId,
            Header::ListUnsubscribe,
            Header::ListUnsubscribePost,
        ]);
        if feedback_id {
            headers.push(Header::FeedbackId);
        }
        headers
    }
}

/// The names DKIM signs for messages with `headers`.
pub(super) fn signed_names(headers: &[Header]) -> Vec<&'static str> {
    headers
        .iter()
        .map(|header| header.name())
        .chain(BODY_HEADERS)
        .collect()
}

/// The values of one message's headers.
pub(super) struct Values<'a> {
    pub from: (Option<&'a str>, &'a str),
    pub to: (Option<std::borrow::Cow<'a, str>>, &'a str),
    pub subject: &'a str,
    /// The Date header in the campaign's zone, or unix seconds for
    /// mail-builder to write in UTC.
    pub date: Result<String, i64>,
    pub message_id: &'a str,
    pub reply_to: Option<&'a str>,
    pub list_id: &'a str,
    pub list_unsubscribe: String,
    pub feedback_id: Option<&'a str>,
}

/// Writes `headers` with `values` into a new message.
pub(super) fn write<'a>(headers: &[Header], values: Values<'a>) -> MessageBuilder<'a> {
    let mut builder = MessageBuilder::new();
    let Values {
        from,
        to,
        subject,
        date,
        message_id,
        reply_to,
        list_id,
        mut list_unsubscribe,
        feedback_id,
    } = values;
    let mut to = Some(to);
    let mut date = Some(date);
    for header in headers {
        builder = match header {
            Header::From => builder.from(HeaderAddress::new_address(from.0, from.1)),
            Header::To => match to.take() {
                Some((name, address)) => builder.to(HeaderAddress::new_address(name, address)),
                None => builder,
            },
            Header::Subject => builder.subject(subject),
            Header::Date => match date.take() {
                Some(Ok(local)) => builder.header("Date", Raw::new(local)),
                Some(Err(unix)) => builder.date(unix),
                None => builder,
            },
            Header::MessageId => builder.message_id(message_id),
            Header::ReplyTo => match reply_to {
                Some(reply_to) => builder.reply_to(reply_to),
                None => builder,
            },
            Header::ListId => builder.header("List-Id", Raw::new(list_id)),
            Header::ListUnsubscribe => builder.header(
                "List-Unsubscribe",
                Raw::new(std::mem::take(&mut list_unsubscribe)),
            ),
            Header::ListUnsubscribePost => builder.header(
                "List-Unsubscribe-Post",
                Raw::new("List-Unsubscribe=One-Click"),
            ),
            Header::FeedbackId => match feedback_id {
                Some(feedback_id) => builder.header("Feedback-ID", Raw::new(feedback_id)),
                None => builder,
            },
        };
    }
    builder
}
