//! Render + sign throughput on one core, next to the bare signing cost of the
//! same messages, for RSA-2048 and Ed25519 (issue 3's figures).
//!
//!     cargo bench --bench compose [-- MESSAGES]
//!     cargo bench --bench compose -- 20000 --render-only   # under a profiler;
//!                                                          # prints allocations per message
//!
//! What rendering and building add beyond signing is reported as the time of
//! render+build alone over the time of signing the same messages.

use std::alloc::{GlobalAlloc, Layout, System};
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Instant;

use hikyaku::address::Address;
use hikyaku::compose::Composer;
use hikyaku::config::Campaign;
use hikyaku::token::Keys;

const ROUNDS: usize = 5;
const KEYS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/keys");

/// The system allocator, counting when asked to: allocations are much of what
/// building a message costs, so `--render-only` reports how many each message
/// makes. The timed runs leave counting off; its atomic adds would cost more
/// than a tenth of the render time.
struct Counting;

static COUNTING: AtomicBool = AtomicBool::new(false);
static ALLOCATIONS: AtomicU64 = AtomicU64::new(0);
static ALLOCATED_BYTES: AtomicU64 = AtomicU64::new(0);

// SAFETY: every call is passed on unchanged to the system allocator.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if COUNTING.load(Ordering::Relaxed) {
            count(layout.size());
        }
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        if COUNTING.load(Ordering::Relaxed) {
            count(new_size);
        }
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

fn count(bytes: usize) {
    ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
    ALLOCATED_BYTES.fetch_add(bytes as u64, Ordering::Relaxed);
}

/// Allocations and bytes allocated while counting.
fn allocated() -> (u64, u64) {
    (
        ALLOCATIONS.load(Ordering::Relaxed),
        ALLOCATED_BYTES.load(Ordering::Relaxed),
    )
}

fn campaign(dir: &Path, key: &str) -> Campaign {
    // Seven paragraphs of Japanese in each part: a 5 KB message once encoded.
    let paragraph =
        "いつもお世話になっております。年末年始の営業日と新製品のご案内をお届けします。";
    let text = format!(
        "{{{{ name }}}}様\n\n{}\n",
        (0..7).map(|_| paragraph).collect::<Vec<_>>().join("\n")
    );
    let html = format!(
        "<html><body><p>{{{{ name }}}}様</p>\n{}\n</body></html>\n",
        (0..7)
            .map(|_| format!("<p>{paragraph}</p>"))
            .collect::<Vec<_>>()
            .join("\n")
    );
    std::fs::write(dir.join("body.txt"), text).unwrap();
    std::fs::write(dir.join("body.html"), html).unwrap();
    std::fs::write(dir.join("list.csv"), "email,name\n").unwrap();
    std::fs::copy(format!("{KEYS}/{key}"), dir.join("key.pem")).unwrap();
    let toml = r#"
id = "bench"
kind = "advertisement"
list = "newsletter"
[sender]
from = "ASUE株式会社 <news@example.co.jp>"
organization = "ASUE株式会社"
postal_address = "〒450-0002 愛知県名古屋市中村区名駅1-1-1"
contact = "052-000-0000"
[message]
subject = "{{ name }}様 12月のお知らせ"
text = "body.txt"
html = "body.html"
[recipients]
path = "list.csv"
[unsubscribe]
url = "https://example.co.jp/unsubscribe"
mailto = "unsubscribe@example.co.jp"
[dkim]
domain = "example.co.jp"
selector = "bench"
private_key = "key.pem"
"#;
    Campaign::from_source(&dir.join("campaign.toml"), toml).unwrap()
}

fn main() {
    let count: usize = std::env::args()
        .skip(1)
        .find_map(|a| a.parse().ok())
        .unwrap_or(4000);
    if std::env::args().any(|a| a == "--sign-threads") {
        return sign_on_every_core(count);
    }
    let dir = tempfile::tempdir().unwrap();
    let headers = vec!["email".to_owned(), "name".to_owned()];
    let recipients: Vec<(Address, Vec<String>)> = (0..count)
        .map(|i| {
            let address = Address::parse(&format!("user{i}@example.jp")).unwrap();
            (
                address.clone(),
                vec![address.to_string(), format!("山田太郎{i}")],
            )
        })
        .collect();
    if std::env::args().any(|a| a == "--render-only") {
        // For a profiler: nothing but render + build, Ed25519 campaign.
        let campaign = campaign(dir.path(), "ed25519.pem");
        let composer = Composer::new(&campaign, &headers, Keys::new([7; 32])).unwrap();
        let composer = composer.session().unwrap();
        let render_all = || {
            for (i, (address, fields)) in recipients.iter().enumerate() {
                std::hint::black_box(
                    composer
                        .compose_unsigned(i as u64 + 2, address, fields, 1_800_000_000)
                        .unwrap(),
                );
            }
        };
        // One round counted, the others left to the profiler undisturbed.
        COUNTING.store(true, Ordering::Relaxed);
        render_all();
        COUNTING.store(false, Ordering::Relaxed);
        let (allocations, bytes) = allocated();
        println!(
            "render+build: {:.1} allocations, {:.0} bytes allocated per message",
            allocations as f64 / count as f64,
            bytes as f64 / count as f64
        );
        for _ in 1..ROUNDS {
            render_all();
        }
        return;
    }
    println!("{count} messages per run, one core");
    for (label, key) in [("RSA-2048", "rsa2048.pem"), ("Ed25519", "ed25519.pem")] {
        let campaign = campaign(dir.path(), key);
        let composer = Composer::new(&campaign, &headers, Keys::new([7; 32])).unwrap();
        let signer = composer.signer().unwrap();
        let composer = composer.session().unwrap();

        // Best of several rounds: the machine is shared, and the fastest
        // round is the one least disturbed by others.
        let best = |work: &dyn Fn()| {
            (0..ROUNDS)
                .map(|_| {
                    let started = Instant::now();
                    work();
                    started.elapsed().as_secs_f64()
                })
                .fold(f64::INFINITY, f64::min)
        };
        let compose = best(&|| {
            for (i, (address, fields)) in recipients.iter().enumerate() {
                std::hint::black_box(
                    composer
                        .compose(i as u64 + 2, address, fields, 1_800_000_000)
                        .unwrap(),
                );
            }
        });
        let render = best(&|| {
            for (i, (address, fields)) in recipients.iter().enumerate() {
                std::hint::black_box(
                    composer
                        .compose_unsigned(i as u64 + 2, address, fields, 1_800_000_000)
                        .unwrap(),
                );
            }
        });
        let unsigned: Vec<Vec<u8>> = recipients
            .iter()
            .enumerate()
            .map(|(i, (address, fields))| {
                composer
                    .compose_unsigned(i as u64 + 2, address, fields, 1_800_000_000)
                    .unwrap()
                    .bytes
            })
            .collect();
        let sign = best(&|| {
            for message in &unsigned {
                std::hint::black_box(signer.sign(message).unwrap());
            }
        });
        let size = signer.sign(&unsigned[0]).unwrap().len();
        let rate = |seconds: f64| count as f64 / seconds;
        println!(
            "{label:<8}  render+build+sign {:>7.0} msg/s | bare sign {:>7.0} msg/s | render+build alone {:>7.0} msg/s \
             = {:>5.1} % of the signing time | {size} bytes/message",
            rate(compose),
            rate(sign),
            rate(render),
            render / sign * 100.0,
        );
    }
}

/// Bare RSA-2048 signing of the same 5 KB message on every core at once: the
/// ceiling a signed send can reach on this machine.
fn sign_on_every_core(count: usize) {
    let dir = tempfile::tempdir().unwrap();
    let campaign = campaign(dir.path(), "rsa2048.pem");
    let headers = vec!["email".to_owned(), "name".to_owned()];
    let composer = Composer::new(&campaign, &headers, Keys::new([7; 32])).unwrap();
    let address = Address::parse("user@example.jp").unwrap();
    let message = composer
        .session()
        .unwrap()
        .compose_unsigned(
            2,
            &address,
            &[address.to_string(), "山田".into()],
            1_800_000_000,
        )
        .unwrap()
        .bytes;
    let signer = composer.signer().unwrap();
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let started = Instant::now();
    std::thread::scope(|scope| {
        for _ in 0..threads {
            scope.spawn(|| {
                for _ in 0..count {
                    std::hint::black_box(signer.sign(&message).unwrap());
                }
            });
        }
    });
    let rate = (count * threads) as f64 / started.elapsed().as_secs_f64();
    println!("bare RSA-2048 signing on {threads} threads: {rate:.0} msg/s");
}
