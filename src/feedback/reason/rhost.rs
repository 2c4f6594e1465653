//! Remote-host rules: recognising a mail service by host name or by signatures in the text,
//! and its service-specific codes and messages.

use super::rhost_table::rhost_table;
use super::scan::{Scan, index};
use super::{Command, Reason};

/// Mail services whose own error vocabulary Sisimai knows.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Rhost {
    Aol,
    Apple,
    Cox,
    FrancePtt,
    GoDaddy,
    Google,
    Iua,
    Kddi,
    MessageLabs,
    Microsoft,
    Mimecast,
    Docomo,
    Spectrum,
    Tencent,
    Yahoo,
    Zoho,
    Cloudflare,
    Facebook,
}

/// Host-name suffixes identifying each service.
const RHOSTS: [(Rhost, &[&str]); 18] = [
    (Rhost::Aol, &[".mail.aol.com", ".mx.aol.com"]),
    (
        Rhost::Apple,
        &[".mail.icloud.com", ".apple.com", ".me.com", "icloud.com"],
    ),
    (Rhost::Cox, &["cox.net"]),
    (
        Rhost::FrancePtt,
        &[
            ".laposte.net",
            ".orange.fr",
            ".wanadoo.fr",
            "orange.fr",
            "wanadoo.fr",
        ],
    ),
    (Rhost::GoDaddy, &["secureserver.net"]),
    (
        Rhost::Google,
        &[
            "aspmx.l.google.com",
            "gmail-smtp-in.l.google.com",
            ".google.com",
            "googlemail.com",
        ],
    ),
    (Rhost::Iua, &[".email.ua", "i.ua"]),
    (Rhost::Kddi, &[".ezweb.ne.jp", "msmx.au.com", ".au.com"]),
    (Rhost::MessageLabs, &[".messagelabs.com"]),
    (
        Rhost::Microsoft,
        &[
            ".prod.outlook.com",
            ".protection.outlook.com",
            ".onmicrosoft.com",
            ".exchangelabs.com",
            ".hotmail.com",
            ".outlook.com",
        ],
    ),
    (Rhost::Mimecast, &[".mimecast.com"]),
    (Rhost::Docomo, &["mfsmax.docomo.ne.jp", ".docomo.ne.jp"]),
    (Rhost::Spectrum, &["charter.net", "spectrum.net"]),
    (Rhost::Tencent, &[".qq.com"]),
    (
        Rhost::Yahoo,
        &[".yahoodns.net", ".yahoo.com", ".yahoo.co.jp"],
    ),
    (Rhost::Zoho, &["zoho.com", "zohomail.com", "zoho.eu"]),
    (Rhost::Cloudflare, &[".mx.cloudflare.net"]),
    (Rhost::Facebook, &[".facebook.com"]),
];

/// Which service a remote host belongs to.  Hosts may come with a trailing dot or an
/// "[ip]" suffix, so only the first token, without the trailing dot, is compared.
fn rhost_of(host: &str) -> Option<Rhost> {
    let h = host
        .split([' ', '['])
        .next()
        .unwrap_or("")
        .trim_end_matches('.');
    if h.is_empty() {
        return None;
    }
    RHOSTS
        .iter()
        .find(|(_, sfx)| {
            sfx.iter()
                .any(|s| h.ends_with(s) || h == s.trim_start_matches('.'))
        })
        .map(|(r, _)| *r)
}

/// Spectrum's "AUP#I-1234" / "AUP#O-1234" four-digit codes.
fn spectrum_reason(lc: &str) -> Option<Reason> {
    use Reason::*;
    let p = lc.find("aup#")?;
    let digits: String = lc
        .get(p + 4..)?
        .chars()
        .skip_while(|c| !c.is_ascii_digit())
        .take_while(|c| c.is_ascii_digit())
        .take(5)
        .collect();
    if digits.len() != 4 {
        return None;
    }
    let n: u16 = digits.parse().ok()?;
    let r = match n {
        1000 => Blocked,
        1010 => Rejected,
        1020..=1080 => Rejected,
        1090 => SystemError,
        1100..=1150 => RequirePtr,
        1160..=1190 => PolicyViolation,
        1200..=1250 => Blocked,
        1260 => NetworkError,
        1300..=1340 => RateLimited,
        1350..=1490 => RateLimited,
        1500 | 1520 => Rejected,
        1530 => EmailTooLarge,
        1540 | 1550 | 1580 => RateLimited,
        1560 => PolicyViolation,
        _ => return None,
    };
    Some(r)
}

/// Facebook's "RCP-P1"-style response codes (three letters, '-', letter, digit).
fn facebook_reason(lc: &str) -> Option<Reason> {
    use Reason::*;
    const CODES: [(&str, Reason); 27] = [
        ("pol-p7", AuthFailure),
        ("pol-p1", Blocked),
        ("pol-p2", Blocked),
        ("pol-p3", Blocked),
        ("pol-p4", Blocked),
        ("pol-t1", Blocked),
        ("pol-t2", Blocked),
        ("pol-t3", Blocked),
        ("msg-p2", ContentError),
        ("rcp-p2", Filtered),
        ("rcp-p3", Filtered),
        ("msg-p1", EmailTooLarge),
        ("int-p2", EmailTooLarge),
        ("msg-p3", NotCompliantRfc),
        ("dns-p1", Rejected),
        ("dns-p2", Rejected),
        ("dns-t1", Rejected),
        ("dns-p3", RequirePtr),
        ("dns-t2", RequirePtr),
        ("pol-p6", SpamDetected),
        ("rcp-t4", Suspend),
        ("rcp-t1", SystemError),
        ("con-t1", RateLimited),
        ("msg-t1", RateLimited),
        ("rcp-p1", UserUnknown),
        ("int-p1", UserUnknown),
        ("pol-p5", VirusDetected),
    ];
    CODES.iter().find(|(c, _)| lc.contains(c)).map(|(_, r)| *r)
}

/// Google's DNS-failure notices ("DNS Error: ... DNS type 'mx' lookup of x responded with code
/// NXDOMAIN", "returned Null MX"): Sisimai reads them the same whichever host reported them.
/// NXDOMAIN is hostunknown only for a permanent (5.x.x) failure, networkerror otherwise.
pub(super) fn google_dns_reason(
    lc: &str,
    status: Option<&str>,
    reply: Option<u16>,
) -> Option<Reason> {
    if !(lc.contains("dns type '") || lc.contains("** address not found **")) {
        return None;
    }
    let permanent = status.is_some_and(|s| s.starts_with('5')) || reply.is_some_and(|r| r >= 500);
    if lc.contains("null mx") {
        return Some(Reason::NotAccept);
    }
    if lc.contains(" responded with code nxdomain") || lc.contains("domain name not found") {
        return Some(if permanent {
            Reason::HostUnknown
        } else {
            Reason::NetworkError
        });
    }
    if lc.contains(" had no relevant answers.") && !permanent {
        return Some(Reason::NetworkError);
    }
    if lc.contains("because the address couldn't be found. check for typos or unnecessary spaces and try again.") {
        return Some(Reason::UserUnknown);
    }
    None
}

/// URLs that identify a service in the text.
pub(super) const SIGNS: [(&str, Rhost); 7] = [
    ("cox.com/", Rhost::Cox),
    ("spectrum.net/support", Rhost::Spectrum),
    (".i.ua/err/", Rhost::Iua),
    ("postmaster.yahooinc.com", Rhost::Yahoo),
    ("postmaster.yahoo.com", Rhost::Yahoo),
    ("support.google.com/mail", Rhost::Google),
    ("support.apple.com/", Rhost::Apple),
];

/// Services whose own URLs or code shapes in the text identify them even when the remote host
/// is unknown or a third-party filter (Sisimai also matches them by recipient domain).
fn rhost_by_text(t: &Scan<'_>) -> Option<Rhost> {
    let lc = t.lc;
    if let Some(p) = t.has(index().aup).then(|| lc.find("aup#")).flatten() {
        let code = lc.get(p + 4..).unwrap_or("");
        // Spectrum: "AUP#I-1310", "AUP#In-1310", "AUP#O-1010"; Cox: "AUP#CDRBL", "AUP#CXSNDR".
        let letters = code.bytes().take_while(u8::is_ascii_alphabetic).count();
        return Some(
            if letters <= 2 && code.as_bytes().get(letters) == Some(&b'-') {
                Rhost::Spectrum
            } else {
                Rhost::Cox
            },
        );
    }
    index()
        .signs
        .iter()
        .zip(SIGNS)
        .find(|(id, _)| t.has(**id))
        .map(|(_, (_, r))| r)
}

/// Cox's "AUP#CODE" labels.
fn cox_reason(lc: &str) -> Option<Reason> {
    use Reason::*;
    let p = lc.find("aup#")?;
    let code: &str = lc
        .get(p + 4..)?
        .split(|c: char| !c.is_ascii_alphanumeric())
        .next()?;
    Some(match code {
        "cxbl" | "cdrbl" => Blocked,
        "cxdns" => RequirePtr,
        "cxsndr" => AuthFailure,
        "cxsmtp" => Rejected,
        "cxcnct" | "cxmxrt" => RateLimited,
        "cxthrt" | "cxmj" => SecurityError,
        c if c.starts_with("ipbl") => Blocked,
        c if c.starts_with("urlbl") => SpamDetected,
        _ => return None,
    })
}

/// Orange / La Poste labels such as "OFR006_103", "LPN007_426", "OUK...": the last label's
/// trailing three digits name the reason.
fn france_reason(lc: &str) -> Option<Reason> {
    use Reason::*;
    // The first code shaped like LPN007_416, OFR_506 or OFR004_104: a
    // host name such as lpn-prd-vrin012 is no code.
    let tail = lc
        .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .find_map(|word| {
            let rest = ["lpn", "ofr", "ouk"]
                .iter()
                .find_map(|prefix| word.strip_prefix(prefix))?;
            let (digits, code) = rest.split_once('_')?;
            let well_formed = digits.bytes().all(|b| b.is_ascii_digit())
                && code.len() == 3
                && code.bytes().all(|b| b.is_ascii_digit());
            well_formed.then_some(code)
        })?;
    Some(match tail {
        "101" | "102" | "103" | "510" | "999" => Blocked,
        "104" => RateLimited,
        "305" | "402" => SecurityError,
        "401" | "517" => AuthFailure,
        "403" | "405" | "415" | "421" => Rejected,
        "416" => UserUnknown,
        "417" => MailboxFull,
        "420" | "426" => Suspend,
        "505" => SystemError,
        "506" => SpamDetected,
        "514" => EmailTooLarge,
        "630" => PolicyViolation,
        _ => return None,
    })
}

/// i.ua's "mail.i.ua/err/N/" links.
fn iua_reason(lc: &str) -> Option<Reason> {
    use Reason::*;
    let p = lc.find(".i.ua/err/")?;
    let rest = lc.get(p + ".i.ua/err/".len()..)?;
    let n: String = rest.chars().take_while(|c| c.is_ascii_digit()).collect();
    Some(match n.as_str() {
        "1" | "6" => NoRelaying,
        "2" => UserUnknown,
        "3" => Suspend,
        "4" => MailboxFull,
        "5" => RateLimited,
        "7" | "9" => Blocked,
        "8" => Rejected,
        "10" => Filtered,
        _ => return None,
    })
}

/// The reason a service-specific rule gives, if the remote host is a known service.
pub(super) fn rhost_reason(
    host: &str,
    t: &Scan<'_>,
    status: Option<&str>,
    cmd: Option<Command>,
) -> Option<Reason> {
    let lc = t.lc;
    let service = rhost_of(host).or_else(|| rhost_by_text(t))?;
    if lc.is_empty() {
        return None;
    }
    match service {
        Rhost::Cox => return cox_reason(lc).or_else(|| table_hit(rhost_table(service), lc)),
        Rhost::FrancePtt => {
            return france_reason(lc).or_else(|| table_hit(rhost_table(service), lc));
        }
        Rhost::Spectrum => return spectrum_reason(lc),
        Rhost::Iua => return iua_reason(lc),
        Rhost::Facebook => return facebook_reason(lc),
        Rhost::Docomo => {
            // DOCOMO: the status code and command decide before the message does.
            match status {
                Some("5.1.1") => return Some(Reason::UserUnknown),
                Some("5.2.0") => return Some(Reason::Filtered),
                _ => {}
            }
            if let Some(r) = table_hit(rhost_table(service), lc) {
                return Some(r);
            }
            if status == Some("5.0.0") {
                return match cmd {
                    Some(Command::Rcpt) => Some(Reason::UserUnknown),
                    Some(Command::Data) => Some(Reason::Rejected),
                    _ => None,
                };
            }
            return None;
        }
        _ => {}
    }
    table_hit(rhost_table(service), lc)
}

pub(super) fn table_hit(t: &[(&str, Reason)], lc: &str) -> Option<Reason> {
    t.iter().find(|(f, _)| lc.contains(f)).map(|(_, r)| *r)
}
