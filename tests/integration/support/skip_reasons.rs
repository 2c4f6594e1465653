//! An advertisement whose list has a row for every skip reason: where the
//! approver's pages are tested, as HTML and in a browser.

use toml::toml;

use super::{Campaign, Scratch};
use crate::smtp_server::SmtpServer;

/// An advertisement to `server` with a row for every skip reason, one
/// message already sent (so a row is `already_sent`): the campaign, to
/// change further, and the folder it was sent from.
pub fn every_skip_reason(server: &SmtpServer) -> (Campaign, Scratch) {
    let campaign = Campaign::delivery(server)
        .advertisement()
        .limits(toml! {
            rate = "10/s"
            domain_rates = { "docomo.ne.jp" = "30/min" }
        })
        .rows(
            "email,name\n\
             sent@example.jp,送信済\n\
             a@example.jp,山田\n\
             b@docomo.ne.jp,髙橋\n\
             gone@example.jp,停止\n\
             noconsent@example.jp,同意なし\n\
             not-an-address,不正\n\
             A@example.jp,重複\n",
        );
    let scratch = campaign.build();
    let consent: String = ["sent", "a", "gone"]
        .iter()
        .map(|who| {
            format!("{who}@example.jp,newsletter,opt-in,2025-04-01T10:00:00+09:00,web form,log\n")
        })
        .chain(std::iter::once(
            "b@docomo.ne.jp,newsletter,opt-in,2025-04-01T10:00:00+09:00,web form,log\n".to_owned(),
        ))
        .collect();
    scratch.write(
        "consent.csv",
        format!("email,list,basis,obtained_at,method,evidence\n{consent}"),
    );
    scratch
        .run(&["consent", "import", "consent.csv"])
        .expect_code(0);
    scratch
        .run(&["send", "campaign.toml", "--limit", "1"])
        .expect_code(75);
    scratch
        .run(&["suppress", "add", "gone@example.jp"])
        .expect_code(0);
    (campaign, scratch)
}
