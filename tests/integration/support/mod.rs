//! Test support: a scratch folder with a campaign in it, and a way to run the
//! built binary there and look at what it did.

mod run;
mod scratch;

pub use run::{Run, Serving, finish};
pub use scratch::Scratch;

/// A campaign file that passes every check, pointing at `recipients.csv`.
pub const CAMPAIGN: &str = r#"id = "test-campaign"
kind = "advertisement"
list = "newsletter"

[sender]
from = "ASUE株式会社 <news@example.co.jp>"
organization = "ASUE株式会社"
postal_address = "〒450-0002 愛知県名古屋市中村区名駅1-1-1"
contact = "052-000-0000"

[message]
subject = "{{ name }}様"
text = "body.txt"

[recipients]
path = "recipients.csv"

[unsubscribe]
url = "https://example.co.jp/unsubscribe"
"#;
