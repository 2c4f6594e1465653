//! `check --dns`: the three records receivers look at before they trust a
//! bulk sender. SPF of the envelope domain, the DKIM key record (its key must
//! be ours), and DMARC of the From domain (or of its organizational domain).
//!
//! The resolver is the system's (/etc/resolv.conf), or the server named by
//! `HIKYAKU_DNS_SERVER` (`IP` or `IP:PORT`), with a short timeout: when DNS
//! cannot be reached the check says so instead of failing obscurely.

use std::io::Write;
use std::net::SocketAddr;
use std::time::Duration;

use mail_auth::hickory_resolver::TokioResolver;
use mail_auth::hickory_resolver::config::{
    ConnectionConfig, NameServerConfig, ProtocolConfig, ResolverConfig, ResolverOpts,
};
use mail_auth::hickory_resolver::net::runtime::TokioRuntimeProvider;
use mail_auth::hickory_resolver::net::{DnsError, NetError};
use mail_auth::hickory_resolver::proto::rr::{Name, RData};
use serde_json::json;

use crate::config::Campaign;
use crate::error::Error;
use crate::sign::Signer;

/// What one TXT lookup found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Lookup {
    /// The TXT records at the name, each with its strings joined.
    Found(Vec<String>),
    /// The name has no TXT records (or does not exist).
    Missing,
    /// DNS did not answer.
    Unreachable(String),
}

/// The verdict on one record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Status {
    Ok(String),
    Missing(String),
    Mismatched(String),
    Unreachable(String),
}

/// The verdicts of `check --dns`.
#[derive(Debug)]
pub(super) struct DnsReport {
    pub checks: Vec<(&'static str, String, Status)>,
}

impl DnsReport {
    /// Whether every record is as it should be.
    pub(super) fn all_ok(&self) -> bool {
        self.checks
            .iter()
            .all(|(_, _, s)| matches!(s, Status::Ok(_)))
    }

    /// The report for scripts.
    pub(super) fn to_json(&self) -> serde_json::Value {
        let checks: Vec<serde_json::Value> = self
            .checks
            .iter()
            .map(|(what, name, status)| {
                let (state, detail) = status.parts();
                json!({"record": what, "name": name, "status": state, "detail": detail})
            })
            .collect();
        json!(checks)
    }

    /// The report for people.
    pub(super) fn write_text(&self, out: &mut impl Write) -> std::io::Result<()> {
        for (what, name, status) in &self.checks {
            let (state, detail) = status.parts();
            let state = if state == "ok" { "ok" } else { state };
            writeln!(out, "{state:<5} {what:<14} {name}: {detail}")?;
        }
        Ok(())
    }

    /// Exit as the worst verdict says: unreachable DNS is temporary (75); a
    /// missing or wrong record is configuration (78).
    pub(super) fn into_result(self) -> Result<(), Error> {
        if self
            .checks
            .iter()
            .any(|(_, _, s)| matches!(s, Status::Unreachable(_)))
        {
            return Err(Error::TryLater(
                "DNS could not be reached, so the records were not checked; try again later or set \
                 HIKYAKU_DNS_SERVER=IP to use another resolver"
                    .into(),
            ));
        }
        if !self.all_ok() {
            return Err(Error::BadDns(
                "some DNS records are missing or do not match; receivers will reject or junk the mail until they are fixed"
                    .into(),
            ));
        }
        Ok(())
    }
}

impl Status {
    fn parts(&self) -> (&'static str, &str) {
        match self {
            Status::Ok(d) => ("ok", d),
            Status::Missing(d) => ("missing", d),
            Status::Mismatched(d) => ("mismatched", d),
            Status::Unreachable(d) => ("unreachable", d),
        }
    }
}

/// Checks the campaign's records with the real resolver.
pub(super) fn check(campaign: &Campaign, signer: Option<&Signer>) -> Result<DnsReport, Error> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(Error::Output)?;
    let resolver = resolver().map_err(Error::TryLater)?;
    let lookup = |name: &str| runtime.block_on(txt(&resolver, name));
    Ok(evaluate(campaign, signer, lookup))
}

/// Checks the campaign's records with `lookup`.
pub(super) fn evaluate(
    campaign: &Campaign,
    signer: Option<&Signer>,
    lookup: impl Fn(&str) -> Lookup,
) -> DnsReport {
    // Once DNS has not answered, asking again only makes the user wait out
    // another timeout.
    let unreachable = std::cell::Cell::new(false);
    let lookup = |name: &str| {
        if unreachable.get() {
            return Lookup::Unreachable("not tried: DNS did not answer the previous query".into());
        }
        let found = lookup(name);
        unreachable.set(matches!(found, Lookup::Unreachable(_)));
        found
    };
    let mut checks = Vec::new();

    let envelope_domain = campaign.envelope_sender().domain().to_owned();
    let spf = match lookup(&envelope_domain) {
        Lookup::Found(records) => match records
            .iter()
            .find(|r| r.to_ascii_lowercase().starts_with("v=spf1"))
        {
            Some(record) => Status::Ok(record.clone()),
            None => Status::Missing(
                "no v=spf1 record; publish one that covers the relay's IP addresses".into(),
            ),
        },
        Lookup::Missing => Status::Missing("no TXT records".into()),
        Lookup::Unreachable(e) => Status::Unreachable(e),
    };
    checks.push(("spf", envelope_domain, spf));

    if let Some(signer) = signer {
        let name = signer.dns_name();
        let dkim = match lookup(&name) {
            Lookup::Found(records) => {
                let published = records.iter().find_map(|r| tag(r, "p"));
                match published {
                    Some(p) if signer.matches_published_key(&p) => {
                        Status::Ok("the published key is ours".into())
                    }
                    Some(_) => Status::Mismatched(format!(
                        "the published key is not the one in [dkim] private_key; publish: {}",
                        signer.dns_record()
                    )),
                    None => Status::Missing(format!("no p= tag; publish: {}", signer.dns_record())),
                }
            }
            Lookup::Missing => Status::Missing(format!("publish: {}", signer.dns_record())),
            Lookup::Unreachable(e) => Status::Unreachable(e),
        };
        checks.push(("dkim", name, dkim));
    }

    let from_domain = campaign.sender.from.address.domain().to_owned();
    let mut candidates = vec![from_domain.clone()];
    if let Some(organizational) = psl::domain_str(&from_domain).filter(|o| *o != from_domain) {
        candidates.push(organizational.to_owned());
    }
    let mut dmarc = Status::Missing(
        "no v=DMARC1 record at the From domain or its organizational domain".into(),
    );
    let mut dmarc_name = format!("_dmarc.{from_domain}");
    for domain in candidates {
        let name = format!("_dmarc.{domain}");
        match lookup(&name) {
            Lookup::Found(records) => {
                if let Some(record) = records
                    .iter()
                    .find(|r| r.to_ascii_lowercase().starts_with("v=dmarc1"))
                {
                    dmarc = Status::Ok(record.clone());
                    dmarc_name = name;
                    break;
                }
            }
            Lookup::Missing => {}
            Lookup::Unreachable(e) => {
                dmarc = Status::Unreachable(e);
                break;
            }
        }
    }
    checks.push(("dmarc", dmarc_name, dmarc));
    DnsReport { checks }
}

/// The value of tag `name` in a `k=v; k=v` record.
fn tag(record: &str, name: &str) -> Option<String> {
    record.split(';').find_map(|part| {
        let (key, value) = part.split_once('=')?;
        (key.trim() == name).then(|| value.trim().to_owned())
    })
}

fn resolver() -> Result<TokioResolver, String> {
    let mut options = ResolverOpts::default();
    options.timeout = Duration::from_secs(3);
    options.attempts = 1;
    let config = match std::env::var("HIKYAKU_DNS_SERVER") {
        Ok(server) => {
            let address: SocketAddr = server
                .parse()
                .or_else(|_| server.parse().map(|ip| SocketAddr::new(ip, 53)))
                .map_err(|_| format!("HIKYAKU_DNS_SERVER={server:?} is not IP or IP:PORT"))?;
            let mut connection = ConnectionConfig::new(ProtocolConfig::Udp);
            connection.port = address.port();
            let server = NameServerConfig::new(address.ip(), true, vec![connection]);
            ResolverConfig::from_parts(None, vec![], vec![server])
        }
        Err(_) => {
            let (config, system_options) =
                mail_auth::hickory_resolver::system_conf::read_system_conf()
                    .map_err(|e| format!("cannot read the system's DNS configuration: {e}"))?;
            options.ndots = system_options.ndots;
            config
        }
    };
    TokioResolver::builder_with_config(config, TokioRuntimeProvider::default())
        .with_options(options)
        .build()
        .map_err(|e| format!("cannot set up DNS: {e}"))
}

async fn txt(resolver: &TokioResolver, name: &str) -> Lookup {
    let fqdn = format!("{}.", name.trim_end_matches('.'));
    let name = match Name::from_str_relaxed(fqdn.as_str()) {
        Ok(name) => name,
        Err(e) => return Lookup::Unreachable(format!("{fqdn} is not a DNS name: {e}")),
    };
    match resolver.txt_lookup(name).await {
        Ok(lookup) => {
            let records: Vec<String> = lookup
                .answers()
                .iter()
                .filter_map(|record| match &record.data {
                    RData::TXT(txt) => Some(
                        txt.txt_data
                            .iter()
                            .map(|part| String::from_utf8_lossy(part).into_owned())
                            .collect::<String>(),
                    ),
                    _ => None,
                })
                .collect();
            if records.is_empty() {
                Lookup::Missing
            } else {
                Lookup::Found(records)
            }
        }
        Err(NetError::Dns(DnsError::NoRecordsFound(_))) => Lookup::Missing,
        Err(e) => Lookup::Unreachable(e.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    const KEYS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/keys");

    fn campaign(dir: &std::path::Path) -> (Campaign, Signer) {
        std::fs::write(dir.join("body.txt"), "x").unwrap();
        std::fs::write(dir.join("list.csv"), "email\n").unwrap();
        let toml = format!(
            "id = \"c\"\nkind = \"notice\"\nlist = \"l\"\n[sender]\nfrom = \"a@mail.example.co.jp\"\n\
             return_path = \"bounce@bounces.example.co.jp\"\n[message]\nsubject = \"s\"\ntext = \"body.txt\"\n\
             [recipients]\npath = \"list.csv\"\n[unsubscribe]\nurl = \"https://example.co.jp/u\"\n\
             [dkim]\ndomain = \"example.co.jp\"\nselector = \"s1\"\nprivate_key = \"{KEYS}/rsa2048.pem\"\n"
        );
        let campaign = Campaign::from_source(&dir.join("c.toml"), &toml).unwrap();
        let signer = Signer::load(campaign.dkim.as_ref().unwrap(), &["To"]).unwrap();
        (campaign, signer)
    }

    fn statuses(report: &DnsReport) -> Vec<(&'static str, String, &'static str)> {
        report
            .checks
            .iter()
            .map(|(what, name, status)| (*what, name.clone(), status.parts().0))
            .collect()
    }

    #[test]
    fn good_records_pass_and_bad_ones_are_named() {
        let dir = tempfile::tempdir().unwrap();
        let (campaign, signer) = campaign(dir.path());
        let published = std::fs::read_to_string(format!("{KEYS}/rsa2048.spki.b64")).unwrap();
        let good: HashMap<&str, Vec<String>> = HashMap::from([
            (
                "bounces.example.co.jp",
                vec![
                    "google-site-verification=x".into(),
                    "v=spf1 ip4:192.0.2.1 -all".into(),
                ],
            ),
            (
                "s1._domainkey.example.co.jp",
                vec![format!("v=DKIM1; k=rsa; p={}", published.trim())],
            ),
            // DMARC only at the organizational domain: found by the fallback.
            (
                "_dmarc.example.co.jp",
                vec!["v=DMARC1; p=quarantine".into()],
            ),
        ]);
        let lookup = |records: &HashMap<&str, Vec<String>>, name: &str| match records.get(name) {
            Some(found) => Lookup::Found(found.clone()),
            None => Lookup::Missing,
        };
        let report = evaluate(&campaign, Some(&signer), |n| lookup(&good, n));
        assert!(report.all_ok(), "{:?}", report.checks);
        assert_eq!(
            statuses(&report),
            [
                ("spf", "bounces.example.co.jp".into(), "ok"),
                ("dkim", "s1._domainkey.example.co.jp".into(), "ok"),
                ("dmarc", "_dmarc.example.co.jp".into(), "ok"),
            ]
        );

        let other_key = std::fs::read_to_string(format!("{KEYS}/ed25519.raw.b64")).unwrap();
        let bad: HashMap<&str, Vec<String>> = HashMap::from([
            ("bounces.example.co.jp", vec!["unrelated".into()]),
            (
                "s1._domainkey.example.co.jp",
                vec![format!("v=DKIM1; k=rsa; p={}", other_key.trim())],
            ),
        ]);
        let report = evaluate(&campaign, Some(&signer), |n| lookup(&bad, n));
        let states: Vec<&str> = statuses(&report).into_iter().map(|s| s.2).collect();
        assert_eq!(states, ["missing", "mismatched", "missing"]);
        assert!(matches!(report.into_result(), Err(Error::BadDns(_))));

        let calls = std::cell::Cell::new(0);
        let report = evaluate(&campaign, Some(&signer), |_| {
            calls.set(calls.get() + 1);
            Lookup::Unreachable("timed out".into())
        });
        assert_eq!(
            calls.get(),
            1,
            "no second timeout once DNS is known to be down"
        );
        assert!(matches!(report.into_result(), Err(Error::TryLater(_))));
    }

    #[test]
    fn reads_tags() {
        assert_eq!(
            tag("v=DKIM1; k=rsa; p=ABC DEF", "p").as_deref(),
            Some("ABC DEF")
        );
        assert_eq!(tag("v=DKIM1; k=rsa", "p"), None);
    }
}
