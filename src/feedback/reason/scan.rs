//! Text normalisation and matching: one pass over the normalised text finds every fragment of
//! the `patterns` tables (and the service signatures) at once.

use super::patterns::{PATTERNED, pat};
use super::rhost::SIGNS;
use super::status::{find_status, status_parts};
use super::{Reason, WORDS};

/// True when all `parts` occur in `hay` in this order, each after the end of the previous one.
fn aligned(hay: &str, parts: &[&str]) -> bool {
    let mut from = 0;
    for p in parts {
        match hay.get(from..).and_then(|rest| rest.find(p)) {
            Some(i) => from += i + p.len(),
            None => return false,
        }
    }
    true
}

/// Fragments that fit in the per-call hit bitset; the rest (if tables ever grow past it) are
/// checked with plain substring search instead.
const MAX_INDEXED: usize = 64 * 32;
const BUCKETS: usize = 4096;

/// Fragment numbers of one reason's table.
#[derive(Default)]
struct Ids {
    not: Vec<u16>,
    any: Vec<u16>,
    /// Number of the first part of each ordered sequence.
    seq_first: Vec<u16>,
}

/// Every fragment of every table, bucketed by its first three bytes, so one pass over the text
/// finds all fragments present (instead of one substring search per fragment and reason).
pub(super) struct Index {
    frags: Vec<&'static str>,
    /// Fragment numbers of bucket `k` are `bucket_ids[bucket_start[k]..bucket_start[k + 1]]`.
    bucket_start: Vec<u32>,
    bucket_ids: Vec<u16>,
    // Fragments shorter than three bytes (or beyond MAX_INDEXED) are not bucketed; `Scan::has`
    // searches them directly.
    /// Per reason (by discriminant).
    ids: Vec<Ids>,
    /// Fragment numbers of the service signatures (`SIGNS`) and of "aup#".
    pub(super) signs: Vec<u16>,
    pub(super) aup: u16,
}

fn bucket_of(b: &[u8]) -> usize {
    (usize::from(b[0]) * 961 + usize::from(b[1]) * 31 + usize::from(b[2])) % BUCKETS
}

pub(super) fn index() -> &'static Index {
    static INDEX: std::sync::OnceLock<Index> = std::sync::OnceLock::new();
    INDEX.get_or_init(|| {
        let mut ix = Index {
            frags: Vec::new(),
            bucket_start: Vec::new(),
            bucket_ids: Vec::new(),
            ids: (0..WORDS.len()).map(|_| Ids::default()).collect(),
            signs: Vec::new(),
            aup: 0,
        };
        let add = |ix: &mut Index, f: &'static str| -> u16 {
            let id = ix.frags.len() as u16;
            ix.frags.push(f);
            id
        };
        for r in PATTERNED {
            let p = pat(r);
            let mut ids = Ids::default();
            for f in p.not {
                ids.not.push(add(&mut ix, f));
            }
            for f in p.any {
                ids.any.push(add(&mut ix, f));
            }
            for s in p.seq {
                ids.seq_first
                    .push(add(&mut ix, s.first().copied().unwrap_or("")));
            }
            ix.ids[r as usize] = ids;
        }
        for (f, _) in SIGNS {
            let id = add(&mut ix, f);
            ix.signs.push(id);
        }
        ix.aup = add(&mut ix, "aup#");
        // Flatten the buckets so a lookup is two loads, not a pointer chase per position.
        let mut lists: Vec<Vec<u16>> = vec![Vec::new(); BUCKETS];
        for (id, f) in ix.frags.iter().enumerate().take(MAX_INDEXED) {
            if f.len() >= 3 {
                lists[bucket_of(f.as_bytes())].push(id as u16);
            }
        }
        for l in &lists {
            ix.bucket_start.push(ix.bucket_ids.len() as u32);
            ix.bucket_ids.extend_from_slice(l);
        }
        ix.bucket_start.push(ix.bucket_ids.len() as u32);
        ix
    })
}

/// The normalised text plus which fragments occur in it.
pub(super) struct Scan<'a> {
    pub(super) lc: &'a str,
    hits: [u64; MAX_INDEXED / 64],
}

impl<'a> Scan<'a> {
    pub(super) fn new(lc: &'a str) -> Scan<'a> {
        let ix = index();
        let mut hits = [0u64; MAX_INDEXED / 64];
        let b = lc.as_bytes();
        for i in 0..b.len().saturating_sub(2) {
            let k = bucket_of(&b[i..]);
            let (from, to) = (ix.bucket_start[k] as usize, ix.bucket_start[k + 1] as usize);
            for &id in &ix.bucket_ids[from..to] {
                let f = ix.frags[id as usize].as_bytes();
                // Buckets mix trigrams; compare the first three bytes inline before memcmp.
                if f[..3] == b[i..i + 3] && b[i..].starts_with(f) {
                    hits[id as usize / 64] |= 1 << (id % 64);
                }
            }
        }
        Scan { lc, hits }
    }

    /// Does fragment `id` occur in the text?
    pub(super) fn has(&self, id: u16) -> bool {
        let i = id as usize;
        if i < MAX_INDEXED && index().frags[i].len() >= 3 {
            self.hits[i / 64] & (1 << (i % 64)) != 0
        } else {
            self.lc.contains(index().frags[i])
        }
    }
}

/// Does the (normalised, lower-case) text carry this reason's message fragments?
pub(super) fn says(r: Reason, t: &Scan<'_>) -> bool {
    if t.lc.is_empty() {
        return false;
    }
    let ids = &index().ids[r as usize];
    if ids.not.iter().any(|&id| t.has(id)) {
        return false;
    }
    if ids.any.iter().any(|&id| t.has(id)) {
        return true;
    }
    let p = pat(r);
    ids.seq_first
        .iter()
        .zip(p.seq)
        .any(|(&id, s)| t.has(id) && aligned(t.lc, s))
}

// ------------------------------------------------------------------------------------------------
// Small string helpers (byte-safe: only ever slice at positions of ASCII matches)
// ------------------------------------------------------------------------------------------------

/// Lower-cases the text, squeezes every whitespace run to one space and drops the repeated
/// "550-5.7.1 " prefixes of continuation lines, so fragments match across line breaks.
pub(super) fn normalise(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut first_line = true;
    let mut seen_code = false;
    for line in text.lines() {
        let mut l = line.trim();
        if !first_line {
            l = strip_reply_prefix(l);
        }
        first_line = false;
        if l.is_empty() {
            continue;
        }
        for word in l.split_whitespace() {
            // Folded multi-line replies repeat "550-5.2.1" mid-sentence; keep only the first.
            if is_continuation_code(word) {
                if seen_code {
                    continue;
                }
                seen_code = true;
            }
            if !out.is_empty() {
                out.push(' ');
            }
            if word.is_ascii() {
                out.extend(word.bytes().map(|b| char::from(b.to_ascii_lowercase())));
            } else {
                out.extend(word.chars().flat_map(char::to_lowercase));
            }
        }
    }
    out
}

/// "550-5.7.1" (a reply code, a hyphen and an enhanced status code) as one word.
fn is_continuation_code(word: &str) -> bool {
    let b = word.as_bytes();
    b.len() >= 9
        && b[..3].iter().all(u8::is_ascii_digit)
        && b[3] == b'-'
        && word
            .get(4..)
            .is_some_and(|rest| status_parts(rest).is_some())
}

/// "550-5.7.1 rest" or "550 rest" at the start of a continuation line -> "rest".
fn strip_reply_prefix(l: &str) -> &str {
    let b = l.as_bytes();
    if b.len() >= 4
        && b[..3].iter().all(u8::is_ascii_digit)
        && matches!(b[0], b'2' | b'4' | b'5')
        && (b[3] == b'-' || b[3] == b' ')
    {
        // The first four bytes are ASCII, so byte 4 is a char boundary.
        let rest = l.get(4..).unwrap_or("");
        if let Some(after) = find_status(rest).and_then(|code| rest.strip_prefix(code)) {
            return after.trim_start();
        }
        return rest.trim_start();
    }
    l
}
