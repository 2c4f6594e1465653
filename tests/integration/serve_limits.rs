//! `serve` facing the internet: slow clients are cut off, more clients than
//! the limit never crash or stall it, and SIGTERM stops it within 10 s
//! whatever the clients connected do.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use crate::support::{Scratch, Serving};

/// `hikyaku serve` on a free port with these extra arguments.
fn serve(scratch: &Scratch, args: &[&str]) -> Serving {
    let mut all = vec!["serve", "--listen", "127.0.0.1:0"];
    all.extend_from_slice(args);
    scratch.command(&all).serve()
}

/// Reads until the server closes the connection; how long that took.
/// Fails the test if it stays open for `limit`.
fn closed_within(mut stream: TcpStream, limit: Duration) -> Duration {
    let started = Instant::now();
    stream.set_read_timeout(Some(limit)).unwrap();
    let mut buffer = [0u8; 1024];
    loop {
        match stream.read(&mut buffer) {
            Ok(0) => return started.elapsed(),
            Ok(_) => continue,
            Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => return started.elapsed(),
            Err(e) => panic!("still open after {:?}: {e}", started.elapsed()),
        }
    }
}

fn health(port: u16) -> String {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(20)))
        .unwrap();
    stream
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
        .unwrap();
    let mut reply = String::new();
    stream.read_to_string(&mut reply).unwrap();
    reply
}

#[test]
fn a_client_that_sends_its_request_too_slowly_is_cut_off() {
    let scratch = Scratch::new();
    let serving = serve(&scratch, &["--read-timeout", "1s"]);
    let port = serving.port;
    // Nothing at all.
    let silent = TcpStream::connect(("127.0.0.1", port)).unwrap();
    // A byte at a time, each well within any idle timeout.
    let trickle = TcpStream::connect(("127.0.0.1", port)).unwrap();
    let mut writer = trickle.try_clone().unwrap();
    let dripping = std::thread::spawn(move || {
        for byte in b"GET /healthz HTTP/1.1\r\nHost: localhost\r\nX-Slow: "
            .iter()
            .cycle()
            .take(200)
        {
            if writer.write_all(&[*byte]).is_err() {
                return;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    });
    assert!(closed_within(silent, Duration::from_secs(8)) < Duration::from_secs(8));
    assert!(closed_within(trickle, Duration::from_secs(8)) < Duration::from_secs(8));
    dripping.join().unwrap();
    // And it still answers.
    assert!(health(port).starts_with("HTTP/1.1 200"));
}

#[test]
fn more_clients_than_the_limit_wait_and_are_served_without_a_crash() {
    let scratch = Scratch::new();
    let mut serving = serve(
        &scratch,
        &["--read-timeout", "1s", "--max-connections", "4"],
    );
    let port = serving.port;
    // Ten idle clients take the four places and queue behind them.
    let idle: Vec<TcpStream> = (0..10)
        .map(|_| TcpStream::connect(("127.0.0.1", port)).unwrap())
        .collect();
    // A real request gets through once the idle ones time out.
    let reply = health(port);
    assert!(reply.starts_with("HTTP/1.1 200"), "{reply}");
    assert!(serving.is_running(), "serve is still running");
    drop(idle);
}

#[test]
fn sigterm_stops_it_within_ten_seconds_with_clients_connected() {
    let scratch = Scratch::new();
    // Clients that would be allowed a minute each.
    let serving = serve(&scratch, &["--read-timeout", "60s"]);
    let port = serving.port;
    let _clients: Vec<TcpStream> = (0..3)
        .map(|_| {
            let mut stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
            stream.write_all(b"GET /healthz HTTP/1.1\r\n").unwrap();
            stream
        })
        .collect();
    assert!(health(port).starts_with("HTTP/1.1 200"), "serving");
    let child = serving.into_child();
    let pid = child.id();
    let (done, ended) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = done.send(crate::support::finish(child));
    });
    let started = Instant::now();
    std::process::Command::new("kill")
        .args(["-s", "TERM", &pid.to_string()])
        .status()
        .unwrap();
    let run = ended
        .recv_timeout(Duration::from_secs(10))
        .expect("serve stopped within 10 s of SIGTERM");
    assert!(started.elapsed() < Duration::from_secs(10));
    assert_eq!(run.code, 0, "{}", run.stderr);
}
