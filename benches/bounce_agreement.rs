//! How far `ingest`'s classification agrees with Sisimai's on a corpus of
//! real bounces: `scripts/bounce-agreement.sh DIR` runs `ingest --dry-run
//! --format json` over `DIR/` and hands the lines to this program with
//! `DIR/expected.tsv` (file, index, status, replycode, reason, hardbounce,
//! feedback_type, recipient, pseudo_status: one row per recipient that
//! Sisimai reports).
//!
//! Figures:
//! - hard-bounce-and-complaint recall: of the rows Sisimai counts as hard
//!   bounces or as abuse/opt-out complaints, how many ingest classifies as
//!   `hard_bounce` or `complaint` (the kinds that suppress);
//! - keep rate: of every other row, how many ingest does not classify as a
//!   suppressing kind (temporary failures, blocks, auto-replies,
//!   authentication reports must never suppress);
//! - reason agreement: rows whose reason word equals Sisimai's;
//! - the weakest families by reason agreement.
//!
//! Usage: `cargo bench --bench bounce_agreement -- EXPECTED.TSV INGEST.JSONL [--mismatches]`

use std::collections::BTreeMap;

struct Expected {
    file: String,
    reason: String,
    hard: bool,
    feedback_type: String,
    recipient: String,
}

#[derive(Clone)]
struct Got {
    kind: String,
    reason: String,
    recipient: String,
}

fn main() {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| a != "--bench")
        .collect();
    let (Some(expected_path), Some(jsonl_path)) = (args.first(), args.get(1)) else {
        eprintln!("usage: bounce_agreement EXPECTED.TSV INGEST.JSONL [--mismatches]");
        std::process::exit(2);
    };
    let show_mismatches = args.iter().any(|a| a == "--mismatches");
    let expected_text = std::fs::read_to_string(expected_path).expect("read expected.tsv");
    let expected: Vec<Expected> = expected_text
        .lines()
        .skip(1)
        .filter_map(|line| {
            let f: Vec<&str> = line.split('\t').collect();
            (f.len() >= 8).then(|| Expected {
                file: f[0].to_owned(),
                reason: f[4].to_owned(),
                hard: f[5] == "1",
                feedback_type: f[6].to_owned(),
                recipient: f[7].to_ascii_lowercase(),
            })
        })
        .collect();

    // Findings per corpus file: the path's tail after the corpus folder,
    // without a `#N` message number.
    let mut got: BTreeMap<String, Vec<Got>> = BTreeMap::new();
    let jsonl = std::fs::read_to_string(jsonl_path).expect("read ingest output");
    for line in jsonl.lines() {
        let Ok(value) = serde_json::from_str::<serde_json::Value>(line) else {
            continue;
        };
        let message = value["message"].as_str().unwrap_or("");
        let message = message.split('#').next().unwrap_or(message);
        let Some(file) = expected
            .iter()
            .map(|e| e.file.as_str())
            .find(|f| message.ends_with(&format!("/{f}")) || message == *f)
        else {
            continue;
        };
        got.entry(file.to_owned()).or_default().push(Got {
            kind: value["kind"].as_str().unwrap_or("").to_owned(),
            reason: value["reason"].as_str().unwrap_or("").to_owned(),
            recipient: value["recipient"].as_str().unwrap_or("").to_owned(),
        });
    }

    let suppressing = |kind: &str| kind == "hard_bounce" || kind == "complaint";
    let (mut must, mut must_hit, mut keep, mut kept, mut agree, mut recipient_agree) =
        (0, 0, 0, 0, 0, 0);
    let mut families: BTreeMap<String, (u32, u32)> = BTreeMap::new();
    let mut mismatches = Vec::new();
    let mut unused: BTreeMap<String, Vec<Option<Got>>> = got
        .iter()
        .map(|(file, list)| (file.clone(), list.iter().cloned().map(Some).collect()))
        .collect();
    let files: Vec<String> = {
        let mut f: Vec<String> = expected.iter().map(|e| e.file.clone()).collect();
        f.dedup();
        f
    };
    for e in &expected {
        let candidates = unused.entry(e.file.clone()).or_default();
        let at = candidates
            .iter()
            .position(|g| g.as_ref().is_some_and(|g| g.recipient == e.recipient))
            .or_else(|| candidates.iter().position(Option::is_some));
        let got = at.and_then(|i| candidates[i].take());
        let (kind, reason, recipient) = got.as_ref().map_or(("(none)", "(none)", ""), |g| {
            (g.kind.as_str(), g.reason.as_str(), g.recipient.as_str())
        });
        let complaint =
            e.reason == "feedback" && matches!(e.feedback_type.as_str(), "abuse" | "opt-out");
        if e.hard || complaint {
            must += 1;
            if suppressing(kind) {
                must_hit += 1;
            }
        } else {
            keep += 1;
            if !suppressing(kind) {
                kept += 1;
            }
        }
        let same = reason == e.reason;
        agree += u32::from(same);
        recipient_agree += u32::from(recipient == e.recipient);
        let family = family_of(&e.file);
        let entry = families.entry(family).or_default();
        entry.0 += 1;
        entry.1 += u32::from(same);
        if !same || (e.hard || complaint) != suppressing(kind) {
            mismatches.push(format!(
                "{}\texpected {} (hard={}) {}\tgot {} {} {}",
                e.file, e.reason, e.hard, e.recipient, kind, reason, recipient
            ));
        }
    }
    let percent = |part: u32, whole: u32| {
        if whole == 0 {
            100.0
        } else {
            f64::from(part) * 100.0 / f64::from(whole)
        }
    };
    println!(
        "files: {}, rows (recipients Sisimai reports): {}",
        files.len(),
        expected.len()
    );
    println!(
        "hard-bounce-and-complaint recall: {:.1} % ({must_hit} of {must})",
        percent(must_hit, must)
    );
    println!(
        "keep rate (not suppressed when Sisimai says not hard): {:.1} % ({kept} of {keep})",
        percent(kept, keep)
    );
    println!(
        "reason agreement with Sisimai: {:.1} % ({agree} of {})",
        percent(agree, expected.len() as u32),
        expected.len()
    );
    println!(
        "recipient agreement: {:.1} % ({recipient_agree} of {})",
        percent(recipient_agree, expected.len() as u32),
        expected.len()
    );
    let mut weakest: Vec<(&String, &(u32, u32))> =
        families.iter().filter(|(_, (n, a))| a < n).collect();
    weakest.sort_by(|a, b| {
        percent(a.1.1, a.1.0)
            .total_cmp(&percent(b.1.1, b.1.0))
            .then(b.1.0.cmp(&a.1.0))
    });
    println!("weakest families (reason agreement):");
    for (family, (rows, agreed)) in weakest.iter().take(12) {
        println!(
            "  {family:<28} {:>5.1} % ({agreed} of {rows})",
            percent(*agreed, *rows)
        );
    }
    if show_mismatches {
        println!("mismatches:");
        for line in &mismatches {
            println!("  {line}");
        }
    }
}

/// `sisimai/lhost-postfix-05.eml` → `lhost-postfix`.
fn family_of(file: &str) -> String {
    let name = file.rsplit('/').next().unwrap_or(file);
    let stem = name.strip_suffix(".eml").unwrap_or(name);
    match stem.rsplit_once('-') {
        Some((family, number)) if number.bytes().all(|b| b.is_ascii_digit()) => family.to_owned(),
        _ => stem.to_owned(),
    }
}
