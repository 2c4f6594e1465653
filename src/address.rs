//! E-mail addresses as the envelope sees them.
//!
//! A campaign's recipients come from spreadsheets, so the parser is strict about
//! what may reach an SMTP `RCPT TO` and forgiving only about surrounding white
//! space. The grammar is RFC 5321 §4.1.2 `Mailbox`, with three decisions of ours:
//!
//! * the domain must contain a dot and its last label may not be all digits
//!   (no `user@localhost`, no `user@192.0.2.1`), and address literals
//!   (`user@[192.0.2.1]`) are refused: no bulk campaign has a reason to use them;
//! * internationalised domains are converted to punycode (UTS #46), so the envelope
//!   stays ASCII and `user@例え.jp` and `user@xn--r8jz45g.jp` are the same address;
//! * the local part must be ASCII (RFC 5321, not SMTPUTF8): full-width `ｔａｒｏ＠…`
//!   typed into Excel is reported as invalid rather than guessed at.

use std::fmt;

/// RFC 5321 §4.5.3.1.1: the longest local part.
const MAX_LOCAL_PART: usize = 64;
/// RFC 5321 §4.5.3.1.2: the longest domain.
const MAX_DOMAIN: usize = 255;
/// RFC 5321 §4.5.3.1.3 allows a 256-octet path including the angle brackets.
const MAX_ADDRESS: usize = 254;
/// RFC 1035: the longest label.
const MAX_LABEL: usize = 63;

/// A syntactically valid mailbox, ready for the envelope.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Address {
    envelope: String,
    at: usize,
}

/// Why a string is not a usable address.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AddressError {
    #[error("the address is empty")]
    Empty,
    #[error("there is no @")]
    NoAt,
    #[error("the part before @ is empty")]
    EmptyLocalPart,
    #[error("the part before @ is longer than 64 characters")]
    LocalPartTooLong,
    #[error("the part before @ contains {0:?}, which an address may not contain unquoted")]
    LocalPartCharacter(char),
    #[error("the part before @ has an empty segment between dots")]
    LocalPartDots,
    #[error("the quoted part before @ is malformed")]
    QuotedLocalPart,
    #[error("the domain is empty")]
    EmptyDomain,
    #[error("the domain {0:?} has no dot")]
    DomainWithoutDot(String),
    #[error("IP address literals are not accepted as recipient domains")]
    AddressLiteral,
    #[error("the domain {0:?} is not a valid host name")]
    InvalidDomain(String),
    #[error("the address is longer than 254 characters")]
    TooLong,
    #[error("the display name is malformed (write it as: Name <user@example.jp>)")]
    DisplayName,
}

impl Address {
    /// Parses `input`, trimming white space around it (including the full-width
    /// space U+3000 that Japanese spreadsheets often carry).
    pub fn parse(input: &str) -> Result<Address, AddressError> {
        let input = input.trim();
        if input.is_empty() {
            return Err(AddressError::Empty);
        }
        // The domain cannot contain '@', so the last one separates the parts even
        // when a quoted local part contains one.
        let at = input.rfind('@').ok_or(AddressError::NoAt)?;
        let (local, domain) = (&input[..at], &input[at + 1..]);
        check_local_part(local)?;
        let domain = normalize_domain(domain)?;
        let envelope = format!("{local}@{domain}");
        if envelope.len() > MAX_ADDRESS {
            return Err(AddressError::TooLong);
        }
        Ok(Address {
            at: local.len(),
            envelope,
        })
    }

    /// The address as it goes into `RCPT TO` and the `To` header: the local part
    /// as written, the domain in lower-case ASCII.
    pub(crate) fn as_str(&self) -> &str {
        &self.envelope
    }

    /// The part before the `@`.
    pub(crate) fn local_part(&self) -> &str {
        &self.envelope[..self.at]
    }

    /// The domain in lower-case ASCII (punycode for internationalised names).
    pub(crate) fn domain(&self) -> &str {
        &self.envelope[self.at + 1..]
    }

    /// The key under which the store and the plan compare addresses: the whole
    /// address in lower case. Local parts are case-sensitive in theory only; every
    /// provider that matters treats them case-insensitively, and two rows that
    /// differ in case are the same person.
    pub(crate) fn key(&self) -> String {
        self.envelope.to_ascii_lowercase()
    }
}

impl fmt::Display for Address {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.envelope)
    }
}

impl<'de> serde::Deserialize<'de> for Address {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        Address::parse(&text)
            .map_err(|e| serde::de::Error::custom(format!("{text:?} is not a usable address: {e}")))
    }
}

/// An address with an optional display name, as in `ASUE株式会社 <news@example.co.jp>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mailbox {
    /// The display name, without quotes.
    pub name: Option<String>,
    /// The address itself.
    pub address: Address,
}

impl Mailbox {
    /// Parses `Name <user@domain>`, `"Name" <user@domain>` or a bare address.
    pub(crate) fn parse(input: &str) -> Result<Mailbox, AddressError> {
        let input = input.trim();
        let Some(open) = input.rfind('<').filter(|_| input.ends_with('>')) else {
            return Ok(Mailbox {
                name: None,
                address: Address::parse(input)?,
            });
        };
        let address = Address::parse(&input[open + 1..input.len() - 1])?;
        let raw_name = input[..open].trim();
        let name = match raw_name.strip_prefix('"') {
            Some(rest) => rest.strip_suffix('"').ok_or(AddressError::DisplayName)?,
            None => raw_name,
        };
        if name.contains(['\r', '\n', '<', '>']) {
            return Err(AddressError::DisplayName);
        }
        Ok(Mailbox {
            name: (!name.is_empty()).then(|| name.to_owned()),
            address,
        })
    }
}

impl<'de> serde::Deserialize<'de> for Mailbox {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        Mailbox::parse(&text)
            .map_err(|e| serde::de::Error::custom(format!("{text:?} is not a usable sender: {e}")))
    }
}

/// RFC 5322 `atext`, which RFC 5321 `Atom` reuses.
fn is_atext(c: char) -> bool {
    c.is_ascii_alphanumeric() || "!#$%&'*+-/=?^_`{|}~".contains(c)
}

fn check_local_part(local: &str) -> Result<(), AddressError> {
    if local.is_empty() {
        return Err(AddressError::EmptyLocalPart);
    }
    if local.len() > MAX_LOCAL_PART {
        return Err(AddressError::LocalPartTooLong);
    }
    if local.starts_with('"') {
        return check_quoted_string(local);
    }
    for atom in local.split('.') {
        if atom.is_empty() {
            return Err(AddressError::LocalPartDots);
        }
        if let Some(bad) = atom.chars().find(|&c| !is_atext(c)) {
            return Err(AddressError::LocalPartCharacter(bad));
        }
    }
    Ok(())
}

/// RFC 5321 `Quoted-string`: printable ASCII, with `"` and `\` escaped.
fn check_quoted_string(local: &str) -> Result<(), AddressError> {
    let inner = local
        .strip_prefix('"')
        .and_then(|rest| rest.strip_suffix('"'))
        .ok_or(AddressError::QuotedLocalPart)?;
    let mut chars = inner.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => match chars.next() {
                Some(' '..='~') => {}
                _ => return Err(AddressError::QuotedLocalPart),
            },
            '"' => return Err(AddressError::QuotedLocalPart),
            ' '..='~' => {}
            _ => return Err(AddressError::QuotedLocalPart),
        }
    }
    Ok(())
}

fn normalize_domain(domain: &str) -> Result<String, AddressError> {
    if domain.is_empty() {
        return Err(AddressError::EmptyDomain);
    }
    if domain.starts_with('[') {
        return Err(AddressError::AddressLiteral);
    }
    let ascii = if domain.is_ascii() {
        domain.to_ascii_lowercase()
    } else {
        idna::domain_to_ascii(domain).map_err(|_| AddressError::InvalidDomain(domain.to_owned()))?
    };
    if ascii.len() > MAX_DOMAIN {
        return Err(AddressError::InvalidDomain(domain.to_owned()));
    }
    let labels: Vec<&str> = ascii.split('.').collect();
    if labels.len() < 2 {
        return Err(AddressError::DomainWithoutDot(domain.to_owned()));
    }
    let valid_label = |label: &&str| {
        !label.is_empty()
            && label.len() <= MAX_LABEL
            && !label.starts_with('-')
            && !label.ends_with('-')
            && label
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-')
    };
    let last_is_numeric = labels
        .last()
        .is_some_and(|tld| tld.bytes().all(|b| b.is_ascii_digit()));
    if !labels.iter().all(valid_label) || last_is_numeric {
        return Err(AddressError::InvalidDomain(domain.to_owned()));
    }
    Ok(ascii)
}

/// Whether a host name or address is this machine (127.0.0.0/8, ::1,
/// localhost): the one place a password may travel unencrypted to.
pub(crate) fn is_loopback_host(host: &str) -> bool {
    let host = host.trim_start_matches('[').trim_end_matches(']');
    host.eq_ignore_ascii_case("localhost")
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|a| a.is_loopback())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_ordinary_addresses_and_trims() {
        let address = Address::parse("  Taro.Yamada+news@Example.CO.JP\u{3000}").unwrap();
        assert_eq!(address.as_str(), "Taro.Yamada+news@example.co.jp");
        assert_eq!(address.local_part(), "Taro.Yamada+news");
        assert_eq!(address.domain(), "example.co.jp");
        assert_eq!(address.key(), "taro.yamada+news@example.co.jp");
    }

    #[test]
    fn converts_internationalised_domains_to_punycode() {
        let address = Address::parse("info@例え.jp").unwrap();
        assert_eq!(address.domain(), "xn--r8jz45g.jp");
        let same = Address::parse("INFO@xn--r8jz45g.jp").unwrap();
        assert_eq!(address.key(), same.key());
    }

    #[test]
    fn accepts_quoted_local_parts() {
        assert!(Address::parse(r#""john doe"@example.com"#).is_ok());
        assert!(Address::parse(r#""a\"b@c"@example.com"#).is_ok());
        assert_eq!(
            Address::parse(r#""unterminated@example.com"#),
            Err(AddressError::QuotedLocalPart)
        );
    }

    #[test]
    fn refuses_what_smtp_would_refuse() {
        use AddressError::*;
        let cases = [
            ("", Empty),
            ("   ", Empty),
            ("no-at-sign", NoAt),
            ("@example.com", EmptyLocalPart),
            ("a..b@example.com", LocalPartDots),
            (".a@example.com", LocalPartDots),
            ("a b@example.com", LocalPartCharacter(' ')),
            ("ｔａｒｏ@example.com", LocalPartCharacter('ｔ')),
            ("a@", EmptyDomain),
            ("a@localhost", DomainWithoutDot("localhost".into())),
            ("a@[192.0.2.1]", AddressLiteral),
            ("a@192.0.2.1", InvalidDomain("192.0.2.1".into())),
            ("a@-bad.example", InvalidDomain("-bad.example".into())),
            ("a@example..com", InvalidDomain("example..com".into())),
            ("a@example.com.", InvalidDomain("example.com.".into())),
            ("a@exa_mple.com", InvalidDomain("exa_mple.com".into())),
        ];
        for (input, expected) in cases {
            assert_eq!(Address::parse(input), Err(expected), "input {input:?}");
        }
    }

    #[test]
    fn parses_mailboxes_with_and_without_names() {
        let mailbox = Mailbox::parse("ASUE株式会社 <news@example.co.jp>").unwrap();
        assert_eq!(mailbox.name.as_deref(), Some("ASUE株式会社"));
        assert_eq!(mailbox.address.as_str(), "news@example.co.jp");
        let quoted = Mailbox::parse("\"Sato, Ltd.\" <a@example.jp>").unwrap();
        assert_eq!(quoted.name.as_deref(), Some("Sato, Ltd."));
        let bare = Mailbox::parse("a@example.jp").unwrap();
        assert_eq!(bare.name, None);
        assert!(Mailbox::parse("Evil\r\nBcc: x <a@example.jp>").is_err());
    }

    #[test]
    fn enforces_length_limits() {
        let local = "a".repeat(65);
        assert_eq!(
            Address::parse(&format!("{local}@example.com")),
            Err(AddressError::LocalPartTooLong)
        );
        let label = "b".repeat(63);
        let domain = [label.as_str(); 4].join(".");
        assert_eq!(
            Address::parse(&format!("a@{domain}")),
            Err(AddressError::TooLong)
        );
        let long_label = "c".repeat(64);
        assert!(Address::parse(&format!("a@{long_label}.com")).is_err());
    }
}
