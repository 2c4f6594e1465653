//! A campaign file built as data: the default campaign, changed by named
//! setters, written with the files it names.
//!
//! The campaign is a `toml::Table`, so an edit cannot silently miss: `set`
//! panics when the table it sets a key in is not there, `remove` when the
//! key is not there, and a misspelt key is refused by hikyaku itself (every
//! table of the campaign denies unknown fields). The `toml` crate is built
//! without `preserve_order`: keys are written in alphabetical order, nested
//! tables as `[a.b]` headers. Tests never count lines in that text; they ask
//! [`Campaign::line_of`].

use std::collections::BTreeMap;

use toml::toml;

use super::scratch::Scratch;
use crate::smtp_server::SmtpServer;

/// A campaign and the files that go with it.
#[derive(Clone, Debug)]
pub struct Campaign {
    table: toml::Table,
    /// The campaign file's name in the scratch folder.
    file_name: String,
    /// What `recipients.path` holds, when the test sets the list.
    rows: Option<Vec<u8>>,
    /// Other files the campaign names (templates, attachments, keys).
    files: BTreeMap<String, Vec<u8>>,
}

impl Campaign {
    /// An advertisement that passes every check: list `newsletter`, a sender
    /// with the legal identity, subject `{{ name }}様`, the text template
    /// `body.txt` (every [`Scratch`] has one), the list `recipients.csv` and
    /// an unsubscribe URL.
    pub fn new() -> Campaign {
        Campaign {
            table: toml! {
                id = "test-campaign"
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
            },
            file_name: "campaign.toml".to_owned(),
            rows: None,
            files: BTreeMap::new(),
        }
    }

    /// What the delivery tests send: a notice (no consent needed) with a
    /// return path, to `server` ([`Campaign::smtp`]), with no approval
    /// needed and retries 10 ms apart.
    pub fn delivery(server: &SmtpServer) -> Campaign {
        Campaign::new()
            .notice()
            .set("sender.return_path", "bounces@example.co.jp")
            .smtp(server)
            .approval(false)
            .limits(toml! { retry_delay = "10ms" })
    }

    /// `kind = "notice"`: no consent needed.
    pub fn notice(self) -> Campaign {
        self.set("kind", "notice")
    }

    /// `kind = "advertisement"` (the default's), for a preset that is not.
    pub fn advertisement(self) -> Campaign {
        self.set("kind", "advertisement")
    }

    /// The campaign's `id`.
    pub fn id(self, id: &str) -> Campaign {
        self.set("id", id)
    }

    /// The campaign's `list`.
    pub fn list(self, list: &str) -> Campaign {
        self.set("list", list)
    }

    /// `[smtp]`: the test server on 127.0.0.1 in clear text, over two
    /// connections.
    pub fn smtp(mut self, server: &SmtpServer) -> Campaign {
        self.table.insert(
            "smtp".to_owned(),
            toml! {
                host = "127.0.0.1"
                security = "none"
                connections = 2
            }
            .into(),
        );
        self.set("smtp.port", i64::from(server.port()))
    }

    /// `[[smtp]]`: a pool of the test servers, each `(server, name, weight)`.
    pub fn pool(mut self, relays: &[(&SmtpServer, &str, u32)]) -> Campaign {
        let tables: Vec<toml::Value> = relays
            .iter()
            .map(|(server, name, weight)| {
                let mut table = toml! {
                    host = "127.0.0.1"
                    security = "none"
                    connections = 2
                };
                table.insert("name".into(), (*name).into());
                table.insert("weight".into(), i64::from(*weight).into());
                table.insert("port".into(), i64::from(server.port()).into());
                table.into()
            })
            .collect();
        self.table.insert("smtp".to_owned(), tables.into());
        self
    }

    /// Sets `key` in the `index`-th (0-based) relay of `[[smtp]]`; panics
    /// when there is no such relay.
    pub fn relay(mut self, index: usize, key: &str, value: impl Into<toml::Value>) -> Campaign {
        let relay = self
            .table
            .get_mut("smtp")
            .and_then(|smtp| smtp.as_array_mut())
            .and_then(|relays| relays.get_mut(index))
            .and_then(|relay| relay.as_table_mut())
            .unwrap_or_else(|| panic!("no relay {index} in [[smtp]]"));
        relay.insert(key.to_owned(), value.into());
        self
    }

    /// `[approval] required`.
    pub fn approval(mut self, required: bool) -> Campaign {
        self.section("approval")
            .insert("required".to_owned(), required.into());
        self
    }

    /// Approval required, from `count` different people.
    pub fn approvers(self, count: u32) -> Campaign {
        self.approval(true).set("approval.min_approvers", count)
    }

    /// Adds these keys to `[limits]` (which it creates if need be).
    pub fn limits(mut self, limits: toml::Table) -> Campaign {
        self.section("limits").extend(limits);
        self
    }

    /// An HTML template `body.html` with `contents`, named by `message.html`.
    pub fn html(self, contents: &str) -> Campaign {
        self.set("message.html", "body.html")
            .file("body.html", contents)
    }

    /// `message.attachments`; the files themselves come with [`Campaign::file`].
    pub fn attachments(self, names: &[&str]) -> Campaign {
        self.set("message.attachments", names.to_vec())
    }

    /// The recipient list, written where `recipients.path` says.
    pub fn rows(mut self, csv: impl AsRef<[u8]>) -> Campaign {
        self.rows = Some(csv.as_ref().to_vec());
        self
    }

    /// Another file written beside the campaign (a template, an attachment,
    /// a key), replacing any of that name the builder already holds.
    pub fn file(mut self, name: &str, contents: impl AsRef<[u8]>) -> Campaign {
        self.files
            .insert(name.to_owned(), contents.as_ref().to_vec());
        self
    }

    /// Writes the campaign as `name` instead of `campaign.toml`.
    pub fn saved_as(mut self, name: &str) -> Campaign {
        self.file_name = name.to_owned();
        self
    }

    /// Sets the key at `path` (`"limits.rate"`; a key with a dot in it is
    /// quoted: `limits.domain_rates."docomo.ne.jp"`). Panics unless every
    /// table on the way is there.
    pub fn set(mut self, path: &str, value: impl Into<toml::Value>) -> Campaign {
        let keys = keys(path);
        let (last, parents) = keys.split_last().expect("a key");
        self.table_at(parents, path)
            .insert(last.clone(), value.into());
        self
    }

    /// Removes the key (or table) at `path`. Panics unless it is there.
    pub fn remove(mut self, path: &str) -> Campaign {
        let keys = keys(path);
        let (last, parents) = keys.split_last().expect("a key");
        if self.table_at(parents, path).remove(last).is_none() {
            panic!("{path} is not in the campaign, nothing to remove");
        }
        self
    }

    /// The campaign file's text.
    pub fn text(&self) -> String {
        toml::to_string(&self.table).expect("a campaign table renders as TOML")
    }

    /// The 1-based line of the campaign file on which the value at `path`
    /// starts, read back from the written text with `toml`'s own spans.
    #[track_caller]
    pub fn line_of(&self, path: &str) -> usize {
        let text = self.text();
        let document = toml::de::DeTable::parse(&text).expect("the builder writes valid TOML");
        let root = toml::de::DeValue::Table(document.into_inner());
        let keys = keys(path);
        let (first, rest) = keys.split_first().expect("a key");
        let missing = || panic!("{path} is not in the campaign:\n{text}");
        let mut found = root.get(first.as_str()).unwrap_or_else(missing);
        for key in rest {
            found = found.get_ref().get(key.as_str()).unwrap_or_else(missing);
        }
        text[..found.span().start].matches('\n').count() + 1
    }

    /// A new scratch folder with this campaign and its files in it.
    pub fn build(&self) -> Scratch {
        let scratch = Scratch::new();
        self.write_to(&scratch);
        scratch
    }

    /// Writes the campaign file, the list (when set) and the other files
    /// into `scratch`, over whatever is there.
    pub fn write_to(&self, scratch: &Scratch) {
        scratch.write(&self.file_name, self.text());
        if let Some(rows) = &self.rows {
            let path = self.table["recipients"]["path"]
                .as_str()
                .expect("recipients.path is a string");
            scratch.write(path, rows);
        }
        for (name, contents) in &self.files {
            scratch.write(name, contents);
        }
    }

    /// `[name]`, created empty if the campaign has none.
    fn section(&mut self, name: &str) -> &mut toml::Table {
        self.table
            .entry(name)
            .or_insert_with(|| toml::Table::new().into())
            .as_table_mut()
            .unwrap_or_else(|| panic!("{name} is in the campaign but is not a table"))
    }

    /// The table at `keys`, which must be there, for an edit of `path`.
    fn table_at(&mut self, keys: &[String], path: &str) -> &mut toml::Table {
        let mut table = &mut self.table;
        for key in keys {
            table = table
                .get_mut(key)
                .and_then(toml::Value::as_table_mut)
                .unwrap_or_else(|| panic!("cannot edit {path}: there is no table {key}"));
        }
        table
    }
}

/// The keys of a dotted path; a quoted key may hold dots.
fn keys(path: &str) -> Vec<String> {
    let mut keys = Vec::new();
    let mut rest = path;
    loop {
        let (key, after) = match rest.strip_prefix('"') {
            Some(quoted) => {
                let end = quoted
                    .find('"')
                    .unwrap_or_else(|| panic!("unclosed quote in {path:?}"));
                (&quoted[..end], &quoted[end + 1..])
            }
            None => rest.split_at(rest.find('.').unwrap_or(rest.len())),
        };
        assert!(!key.is_empty(), "an empty key in {path:?}");
        keys.push(key.to_owned());
        if after.is_empty() {
            return keys;
        }
        rest = after
            .strip_prefix('.')
            .unwrap_or_else(|| panic!("a dot must follow a key in {path:?}"));
    }
}
