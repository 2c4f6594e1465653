//! Load on the unsubscribe endpoint: one-click POSTs for distinct tokens
//! from many concurrent clients, as `scripts/bench.sh serve` runs it beside
//! a send on the same store.
//!
//! Usage: `cargo bench --bench serve_load -- PORT TOKENS CLIENTS ANSWERS`
//! where TOKENS has `email token` per line; ANSWERS is written with
//! `email unix_seconds_answered status` per line for the checks that follow.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

fn main() {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| a != "--bench")
        .collect();
    let [port, tokens, clients, answers] = args.as_slice() else {
        eprintln!("usage: serve_load PORT TOKENS CLIENTS ANSWERS");
        std::process::exit(2);
    };
    let port: u16 = port.parse().expect("port");
    let clients: usize = clients.parse().expect("clients");
    let tokens: Vec<(String, String)> = std::fs::read_to_string(tokens)
        .expect("tokens")
        .lines()
        .filter_map(|l| l.split_once(' ').map(|(e, t)| (e.to_owned(), t.to_owned())))
        .collect();
    let next = AtomicUsize::new(0);
    let results = Mutex::new(Vec::with_capacity(tokens.len()));
    let started = Instant::now();
    std::thread::scope(|scope| {
        for _ in 0..clients {
            scope.spawn(|| {
                loop {
                    let index = next.fetch_add(1, Ordering::Relaxed);
                    let Some((email, token)) = tokens.get(index) else {
                        return;
                    };
                    let sent = Instant::now();
                    let status = post(port, token);
                    let latency = sent.elapsed();
                    let answered = SystemTime::now()
                        .duration_since(UNIX_EPOCH)
                        .map(|d| d.as_secs_f64())
                        .unwrap_or(0.0);
                    results
                        .lock()
                        .unwrap()
                        .push((email.clone(), answered, status, latency));
                }
            });
        }
    });
    let wall = started.elapsed();
    let mut results = results.into_inner().unwrap();
    let mut latencies: Vec<Duration> = results.iter().map(|r| r.3).collect();
    latencies.sort();
    let percentile = |p: f64| latencies[((latencies.len() as f64 - 1.0) * p).round() as usize];
    let ok = results.iter().filter(|r| r.2 == 200).count();
    println!(
        "{} one-click POSTs from {clients} clients: {:.0} requests/s, p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms, {} answered 200",
        results.len(),
        results.len() as f64 / wall.as_secs_f64(),
        percentile(0.50).as_secs_f64() * 1000.0,
        percentile(0.99).as_secs_f64() * 1000.0,
        latencies.last().copied().unwrap_or_default().as_secs_f64() * 1000.0,
        ok
    );
    results.sort_by(|a, b| a.0.cmp(&b.0));
    let lines: String = results
        .iter()
        .map(|(email, answered, status, _)| format!("{email} {answered:.3} {status}\n"))
        .collect();
    std::fs::write(answers, lines).expect("write answers");
}

/// One POST, as Gmail and Yahoo send it; the status code (0 when the
/// connection failed).
fn post(port: u16, token: &str) -> u16 {
    let Ok(mut stream) = TcpStream::connect(("127.0.0.1", port)) else {
        return 0;
    };
    let _ = stream.set_read_timeout(Some(Duration::from_secs(30)));
    let body = "List-Unsubscribe=One-Click";
    let request = format!(
        "POST /unsubscribe/{token} HTTP/1.1\r\nHost: localhost\r\n\
         Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n\
         Connection: close\r\n\r\n{body}",
        body.len()
    );
    if stream.write_all(request.as_bytes()).is_err() {
        return 0;
    }
    let mut reply = Vec::new();
    let _ = stream.read_to_end(&mut reply);
    std::str::from_utf8(&reply)
        .ok()
        .and_then(|r| r.split_whitespace().nth(1))
        .and_then(|code| code.parse().ok())
        .unwrap_or(0)
}
