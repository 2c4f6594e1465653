//! Classification of one fixture per format family (written for this
//! project: RFC 3464 from Postfix, Sendmail and Google, plain-text Exim,
//! qmail, old Gmail, Exchange 2003, an au/EZweb notice in ISO-2022-JP, an
//! Amazon SES notification, ARF abuse and authentication reports, an
//! auto-reply, a delivery confirmation, a mailed unsubscribe), then the
//! whole real corpus in `../shared/bounces` when it is there: every file is
//! read without a panic, and random damage to real reports never panics.

use hikyaku::feedback::{Kind, classify};

const FAMILIES: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/fixtures/feedback/families"
);
const RECIPIENT: &str = "taro@example.jp";

/// A fixture with its placeholders filled for `RECIPIENT`.
fn fixture(name: &str) -> Vec<u8> {
    let original = format!(
        "From: ASUE株式会社 <news@example.co.jp>\r\nTo: {RECIPIENT}\r\nSubject: test\r\n\
         Message-ID: <original-1@example.co.jp>\r\n\r\nbody\r\n"
    );
    let text = std::fs::read(format!("{FAMILIES}/{name}")).expect("fixture");
    // ISO-2022-JP fixtures stay bytes: the placeholders are ASCII.
    let text = String::from_utf8_lossy(&text).into_owned();
    text.replace("{{RECIPIENT}}", RECIPIENT)
        .replace("{{MESSAGE_ID}}", "original-1@example.co.jp")
        .replace("{{ORIGINAL}}", &original)
        .replace("{{SERIAL}}", "1")
        .into_bytes()
}

#[test]
fn each_format_family_gives_its_kind_reason_and_recipient() {
    let expected = std::fs::read_to_string(format!("{FAMILIES}/expected.tsv")).unwrap();
    let mut failures = Vec::new();
    for line in expected.lines().skip(1) {
        let fields: Vec<&str> = line.split('\t').collect();
        let (file, kind, reason) = (fields[0], fields[1], fields[2]);
        let report = classify(&fixture(file));
        let finding = &report.findings[0];
        let got = (finding.kind.as_str(), finding.reason.as_str());
        if got != (kind, reason) {
            failures.push(format!("{file}: expected {kind} {reason}, got {got:?}"));
        }
        if !matches!(finding.kind, Kind::NotAReport)
            && finding.recipient.as_deref() != Some(RECIPIENT)
        {
            failures.push(format!("{file}: recipient {:?}", finding.recipient));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn a_returned_original_yields_its_message_id_as_a_clue() {
    for file in [
        "sendmail-hostunknown.eml",
        "qmail-userunknown.eml",
        "exim-blocked.eml",
    ] {
        let report = classify(&fixture(file));
        assert_eq!(
            report.clues.message_ids,
            ["original-1@example.co.jp"],
            "{file}"
        );
    }
}

/// The real corpus (`../shared/bounces`), when present: its files are not
/// copied into the repository.
fn corpus() -> Option<Vec<std::path::PathBuf>> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/bounces/sisimai");
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .ok()?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    files.sort();
    Some(files)
}

#[test]
fn every_real_bounce_is_read_without_a_panic_and_names_a_kind() {
    let Some(files) = corpus() else {
        eprintln!("../shared/bounces is not here: skipped");
        return;
    };
    for file in &files {
        let raw = std::fs::read(file).unwrap();
        let report = classify(&raw);
        assert!(!report.findings.is_empty(), "{}", file.display());
        for finding in &report.findings {
            assert!(
                !finding.diagnostic.chars().any(char::is_control),
                "{}: control characters in {:?}",
                file.display(),
                finding.diagnostic
            );
        }
    }
}

/// A deterministic xorshift, so that a failure names a seed that reproduces it.
struct Noise(u64);

impl Noise {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

/// Damages a report: cuts, splices random bytes, flips bytes, duplicates
/// ranges. What real relays do to mail, and worse.
fn mutate(raw: &[u8], noise: &mut Noise) -> Vec<u8> {
    let mut bytes = raw.to_vec();
    for _ in 0..(1 + noise.next() % 4) {
        if bytes.is_empty() {
            break;
        }
        let at = (noise.next() as usize) % bytes.len();
        match noise.next() % 5 {
            0 => bytes.truncate(at),
            1 => {
                let junk: Vec<u8> = (0..noise.next() % 64).map(|_| noise.next() as u8).collect();
                bytes.splice(at..at, junk);
            }
            2 => bytes[at] = noise.next() as u8,
            3 => {
                let end = (at + (noise.next() as usize % 200)).min(bytes.len());
                let copy = bytes[at..end].to_vec();
                bytes.splice(at..at, copy);
            }
            _ => {
                // A multi-byte character cut in half, where text is sliced.
                bytes.splice(at..at, "日本語".as_bytes()[..4].to_vec());
            }
        }
    }
    bytes
}

#[test]
fn damaged_reports_and_random_bytes_never_panic() {
    let mut inputs: Vec<Vec<u8>> = std::fs::read_dir(FAMILIES)
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.path().extension().is_some_and(|x| x == "eml"))
        .map(|e| fixture(&e.file_name().to_string_lossy()))
        .collect();
    if let Some(files) = corpus() {
        inputs.extend(files.iter().filter_map(|f| std::fs::read(f).ok()));
    }
    // Bounded in time, not only in count, so a slow machine stays in budget.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    let mut noise = Noise(0x9e37_79b9_7f4a_7c15);
    let mut rounds = 0;
    while std::time::Instant::now() < deadline && rounds < 20_000 {
        let input = &inputs[rounds % inputs.len()];
        let damaged = mutate(input, &mut noise);
        let report = classify(&damaged);
        assert!(!report.findings.is_empty());
        let random: Vec<u8> = (0..noise.next() % 2048)
            .map(|_| noise.next() as u8)
            .collect();
        classify(&random);
        rounds += 1;
    }
    assert!(rounds >= inputs.len(), "only {rounds} rounds");
}

#[test]
fn ingest_reads_the_whole_real_corpus_and_reports_every_file() {
    let Some(files) = corpus() else {
        eprintln!("../shared/bounces is not here: skipped");
        return;
    };
    let folder = files[0].parent().unwrap().to_str().unwrap().to_owned();
    let scratch = crate::support::Scratch::new();
    let run = scratch.run(&["ingest", "--dry-run", "--format", "json", &folder]);
    run.expect_code(0);
    assert!(!run.stderr.contains("panicked"), "{}", run.stderr);
    let lines: Vec<serde_json::Value> = run
        .stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    for file in &files {
        let name = file.to_str().unwrap();
        assert!(
            lines
                .iter()
                .any(|l| l["message"].as_str().unwrap().split('#').next() == Some(name)),
            "no finding for {name}"
        );
    }
    // Nothing traces to this empty store: nothing may have been acted on.
    assert!(
        lines
            .iter()
            .all(|l| l["action"] == "unverified" || l["action"] == "skipped"),
        "{}",
        run.stdout
    );
}
