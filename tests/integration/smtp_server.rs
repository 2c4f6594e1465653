//! A small SMTP server for the tests, listening on 127.0.0.1. Per recipient it
//! can accept, answer 4xx or 5xx at RCPT or after DATA, drop the connection
//! before or after DATA, answer slowly, or hold a transaction open until the
//! test lets it go (to kill the client at a known moment). It records every
//! message byte-exact (after dot-unstuffing) with the time it was accepted.

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

/// What the server does with one recipient.
#[derive(Debug, Clone)]
pub enum Behaviour {
    /// Reply to RCPT TO with this code and text.
    RcptReply(u16, &'static str),
    /// Take the message, then reply with this code and text.
    DataReply(u16, &'static str),
    /// Close the connection when DATA is sent.
    DropBeforeData,
    /// Read the whole message, then close without a reply.
    DropAfterData,
    /// Read the whole message and wait before accepting it.
    Slow(Duration),
    /// Read the whole message, tell the test, and reply only when released.
    Hold,
}

/// A message the server accepted.
#[derive(Debug, Clone)]
pub struct Received {
    pub from: String,
    pub to: Vec<String>,
    pub data: Vec<u8>,
    pub at: Instant,
    /// Whether it came over TLS (after STARTTLS).
    pub tls: bool,
}

#[derive(Default)]
struct State {
    rules: HashMap<String, Behaviour>,
    received: Vec<Received>,
    connections: usize,
    holding: usize,
    /// The recipients of the held transactions.
    held: Vec<String>,
    released: bool,
    /// Once this many messages were accepted, every further one is held.
    hold_after: Option<usize>,
    /// Messages whose body arrived but that got no reply (dropped after DATA).
    unacknowledged: Vec<String>,
    /// "user:password" of each AUTH PLAIN.
    logins: Vec<String>,
    /// Stopped: every connection is closed before the greeting, and the
    /// open ones were cut.
    down: bool,
    /// Each open session's socket, to cut it when the server stops.
    open: Vec<TcpStream>,
    /// A greeting other than 220 (say, 421 busy), after which it hangs up.
    greeting: Option<String>,
}

/// The server; it stops accepting when dropped (its threads end with the test).
pub struct SmtpServer {
    address: SocketAddr,
    shared: Arc<(Mutex<State>, Condvar)>,
}

impl SmtpServer {
    /// Starts listening on a free port of 127.0.0.1.
    pub fn start() -> SmtpServer {
        SmtpServer::start_with(None)
    }

    /// Starts a server that requires STARTTLS with `tls` before any mail.
    pub fn start_with(tls: Option<Arc<rustls::ServerConfig>>) -> SmtpServer {
        SmtpServer::start_mode(tls.map(Tls::Starttls))
    }

    /// Starts a server that speaks TLS from the first byte (port 465 style).
    pub fn start_implicit_tls(tls: Arc<rustls::ServerConfig>) -> SmtpServer {
        SmtpServer::start_mode(Some(Tls::Implicit(tls)))
    }

    fn start_mode(tls: Option<Tls>) -> SmtpServer {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind a test port");
        let address = listener.local_addr().unwrap();
        let shared: Arc<(Mutex<State>, Condvar)> = Arc::default();
        let accepting = shared.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(stream) = stream else { break };
                let shared = accepting.clone();
                {
                    let mut state = shared.0.lock().unwrap();
                    state.connections += 1;
                    shared.1.notify_all();
                    if state.down {
                        // Closed before the greeting: to a client, a relay
                        // that does not answer.
                        continue;
                    }
                    if let Some(greeting) = state.greeting.clone() {
                        drop(state);
                        let mut stream = stream;
                        let _ = send(&mut stream, &greeting);
                        continue;
                    }
                    if let Ok(clone) = stream.try_clone() {
                        state.open.push(clone);
                    }
                }
                // The copy kept for `stop` holds the socket open: the session
                // shuts it down itself when it ends, so the client sees it.
                let own = stream.try_clone();
                let tls = tls.clone();
                std::thread::spawn(move || {
                    let _ = serve(stream, &shared, tls);
                    if let Ok(own) = own {
                        let _ = own.shutdown(std::net::Shutdown::Both);
                    }
                });
            }
        });
        SmtpServer { address, shared }
    }

    /// Stops: the open connections are cut (a transaction waiting for its
    /// reply is neither accepted nor answered) and new ones are closed
    /// before the greeting, until [`SmtpServer::restart`].
    pub fn stop(&self) {
        let (lock, condvar) = &*self.shared;
        let mut state = lock.lock().unwrap();
        state.down = true;
        for stream in state.open.drain(..) {
            let _ = stream.shutdown(std::net::Shutdown::Both);
        }
        // Held transactions wake, see the server down and drop their message.
        state.released = true;
        condvar.notify_all();
    }

    /// Answers again after [`SmtpServer::stop`].
    pub fn restart(&self) {
        let mut state = self.shared.0.lock().unwrap();
        state.down = false;
        state.released = false;
        state.hold_after = None;
    }

    /// Greets every connection with `reply` (say, "421 4.3.2 busy") and hangs up.
    pub fn greet_with(&self, reply: &str) {
        self.shared.0.lock().unwrap().greeting = Some(reply.to_owned());
    }

    /// Waits until `count` connections were opened; false after `timeout`.
    pub fn wait_for_connections(&self, count: usize, timeout: Duration) -> bool {
        let (lock, condvar) = &*self.shared;
        let state = lock.lock().unwrap();
        let (state, _) = condvar
            .wait_timeout_while(state, timeout, |s| s.connections < count)
            .unwrap();
        state.connections >= count
    }

    /// The port to configure.
    pub fn port(&self) -> u16 {
        self.address.port()
    }

    /// Sets what happens to `recipient`.
    pub fn rule(&self, recipient: &str, behaviour: Behaviour) {
        self.shared
            .0
            .lock()
            .unwrap()
            .rules
            .insert(recipient.to_owned(), behaviour);
    }

    /// Removes the rule of `recipient`.
    pub fn clear_rule(&self, recipient: &str) {
        self.shared.0.lock().unwrap().rules.remove(recipient);
    }

    /// Holds every transaction that ends after `count` messages were
    /// accepted, whoever it is for, until [`SmtpServer::release`]. A test can
    /// then change the store while the sender is provably mid-run.
    pub fn hold_after(&self, count: usize) {
        self.shared.0.lock().unwrap().hold_after = Some(count);
    }

    /// Every accepted message so far.
    pub fn received(&self) -> Vec<Received> {
        self.shared.0.lock().unwrap().received.clone()
    }

    /// The recipients of the accepted messages, sorted, with repeats.
    pub fn recipients(&self) -> Vec<String> {
        let mut all: Vec<String> = self.received().into_iter().flat_map(|m| m.to).collect();
        all.sort();
        all
    }

    /// The credentials of every AUTH PLAIN, as "user:password".
    pub fn logins(&self) -> Vec<String> {
        self.shared.0.lock().unwrap().logins.clone()
    }

    /// Recipients whose message arrived in full but got no reply.
    pub fn unacknowledged(&self) -> Vec<String> {
        self.shared.0.lock().unwrap().unacknowledged.clone()
    }

    /// How many connections were opened.
    pub fn connections(&self) -> usize {
        self.shared.0.lock().unwrap().connections
    }

    /// Waits until a held transaction is waiting; false after `timeout`.
    pub fn wait_until_holding(&self, timeout: Duration) -> bool {
        self.wait_until_holding_count(1, timeout)
    }

    /// Waits until `count` held transactions are waiting; false after `timeout`.
    pub fn wait_until_holding_count(&self, count: usize, timeout: Duration) -> bool {
        let (lock, condvar) = &*self.shared;
        let state = lock.lock().unwrap();
        let (state, _) = condvar
            .wait_timeout_while(state, timeout, |s| s.holding < count)
            .unwrap();
        state.holding >= count
    }

    /// Releases the held transactions and waits until each was accepted;
    /// false after `timeout`.
    pub fn release_and_wait(&self, timeout: Duration) -> bool {
        self.release();
        let (lock, condvar) = &*self.shared;
        let state = lock.lock().unwrap();
        let (state, _) = condvar
            .wait_timeout_while(state, timeout, |s| s.holding > 0)
            .unwrap();
        state.holding == 0
    }

    /// The recipients of the transactions held so far, sorted.
    pub fn held(&self) -> Vec<String> {
        let mut held = self.shared.0.lock().unwrap().held.clone();
        held.sort();
        held
    }

    /// Waits until `count` messages were accepted; false after `timeout`.
    pub fn wait_for_messages(&self, count: usize, timeout: Duration) -> bool {
        let (lock, condvar) = &*self.shared;
        let state = lock.lock().unwrap();
        let (state, _) = condvar
            .wait_timeout_while(state, timeout, |s| s.received.len() < count)
            .unwrap();
        state.received.len() >= count
    }

    /// Lets held transactions go on (they are then accepted).
    pub fn release(&self) {
        let (lock, condvar) = &*self.shared;
        lock.lock().unwrap().released = true;
        condvar.notify_all();
    }
}

fn send(stream: &mut impl Write, text: &str) -> std::io::Result<()> {
    stream.write_all(format!("{text}\r\n").as_bytes())?;
    stream.flush()
}

/// How a server uses TLS.
#[derive(Clone)]
enum Tls {
    Starttls(Arc<rustls::ServerConfig>),
    Implicit(Arc<rustls::ServerConfig>),
}

fn serve(
    mut stream: TcpStream,
    shared: &(Mutex<State>, Condvar),
    tls: Option<Tls>,
) -> std::io::Result<()> {
    let config = match tls {
        Some(Tls::Implicit(config)) => {
            let connection =
                rustls::ServerConnection::new(config).map_err(std::io::Error::other)?;
            let mut stream = rustls::StreamOwned::new(connection, stream);
            send(&mut stream, "220 test.invalid ESMTP hikyaku-test")?;
            return session(stream, shared, true);
        }
        Some(Tls::Starttls(config)) => config,
        None => {
            send(&mut stream, "220 test.invalid ESMTP hikyaku-test")?;
            return session(stream, shared, false);
        }
    };
    send(&mut stream, "220 test.invalid ESMTP hikyaku-test")?;
    // Before STARTTLS only EHLO and STARTTLS are accepted.
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut line = String::new();
    loop {
        line.clear();
        if reader.read_line(&mut line)? == 0 {
            return Ok(());
        }
        let upper = line.trim_end().to_ascii_uppercase();
        if upper.starts_with("EHLO") {
            send(
                &mut stream,
                "250-test.invalid\r\n250-STARTTLS\r\n250 8BITMIME",
            )?;
        } else if upper == "STARTTLS" {
            send(&mut stream, "220 2.0.0 ready to start TLS")?;
            break;
        } else if upper == "QUIT" {
            return send(&mut stream, "221 2.0.0 bye");
        } else {
            send(&mut stream, "530 5.7.0 must issue a STARTTLS command first")?;
        }
    }
    drop(reader);
    let connection = rustls::ServerConnection::new(config).map_err(std::io::Error::other)?;
    session(rustls::StreamOwned::new(connection, stream), shared, true)
}

fn session(
    stream: impl Read + Write,
    shared: &(Mutex<State>, Condvar),
    tls: bool,
) -> std::io::Result<()> {
    let (lock, condvar) = shared;
    let mut reader = BufReader::new(stream);
    let (mut from, mut to) = (String::new(), Vec::<String>::new());
    let mut line = String::new();
    loop {
        line.clear();
        if reader.read_line(&mut line)? == 0 {
            return Ok(());
        }
        let command = line.trim_end().to_owned();
        let upper = command.to_ascii_uppercase();
        let out = reader.get_mut();
        if upper.starts_with("EHLO") || upper.starts_with("HELO") {
            send(
                out,
                "250-test.invalid\r\n250-8BITMIME\r\n250-ENHANCEDSTATUSCODES\r\n250 AUTH PLAIN LOGIN",
            )?;
        } else if upper.starts_with("AUTH PLAIN ") {
            use base64::Engine as _;
            let decoded = base64::engine::general_purpose::STANDARD
                .decode(command[11..].trim())
                .unwrap_or_default();
            let parts: Vec<String> = decoded
                .split(|b| *b == 0)
                .map(|p| String::from_utf8_lossy(p).into_owned())
                .collect();
            lock.lock().unwrap().logins.push(parts[1..].join(":"));
            send(out, "235 2.7.0 accepted")?;
        } else if upper.starts_with("MAIL FROM:") {
            from = angle(&command);
            to.clear();
            send(out, "250 2.1.0 ok")?;
        } else if upper.starts_with("RCPT TO:") {
            let recipient = angle(&command);
            let rule = lock.lock().unwrap().rules.get(&recipient).cloned();
            match rule {
                Some(Behaviour::RcptReply(code, text)) => send(out, &format!("{code} {text}"))?,
                _ => {
                    to.push(recipient);
                    send(out, "250 2.1.5 ok")?;
                }
            }
        } else if upper == "DATA" {
            let rule = to
                .first()
                .and_then(|r| lock.lock().unwrap().rules.get(r).cloned());
            if matches!(rule, Some(Behaviour::DropBeforeData)) {
                return Ok(());
            }
            if to.is_empty() {
                send(out, "554 5.5.1 no valid recipients")?;
                continue;
            }
            send(out, "354 go ahead")?;
            let data = read_data(&mut reader)?;
            let out = reader.get_mut();
            let rule = rule.or_else(|| {
                let state = lock.lock().unwrap();
                let full = state.hold_after.is_some_and(|n| state.received.len() >= n);
                (full && !state.released).then_some(Behaviour::Hold)
            });
            match rule {
                Some(Behaviour::DataReply(code, text)) => {
                    send(out, &format!("{code} {text}"))?;
                    continue;
                }
                Some(Behaviour::DropAfterData) => {
                    lock.lock().unwrap().unacknowledged.extend(to.clone());
                    return Ok(());
                }
                Some(Behaviour::Slow(delay)) => std::thread::sleep(delay),
                Some(Behaviour::Hold) => {
                    let mut state = lock.lock().unwrap();
                    state.holding += 1;
                    state.held.extend(to.clone());
                    condvar.notify_all();
                    let _state = condvar.wait_while(state, |s| !s.released).unwrap();
                }
                _ => {}
            }
            let mut state = lock.lock().unwrap();
            if matches!(rule, Some(Behaviour::Hold)) {
                // Accepted in the same step, so a test that waits for the
                // holds to end then sees the message among the received.
                state.holding -= 1;
            }
            if state.down {
                // Stopped while the message waited for its reply: it was
                // never accepted, and the client's outcome is unknown.
                state.unacknowledged.extend(to.clone());
                condvar.notify_all();
                return Ok(());
            }
            state.received.push(Received {
                from: from.clone(),
                to: std::mem::take(&mut to),
                data,
                at: Instant::now(),
                tls,
            });
            let id = state.received.len();
            condvar.notify_all();
            drop(state);
            send(out, &format!("250 2.0.0 queued as {id}"))?;
        } else if upper == "RSET" || upper == "NOOP" {
            to.clear();
            send(out, "250 2.0.0 ok")?;
        } else if upper == "QUIT" {
            send(out, "221 2.0.0 bye")?;
            return Ok(());
        } else {
            send(out, "502 5.5.2 not implemented")?;
        }
    }
}

/// The address between angle brackets.
fn angle(command: &str) -> String {
    let start = command.find('<').map_or(0, |i| i + 1);
    let end = command[start..]
        .find('>')
        .map_or(command.len(), |i| start + i);
    command[start..end].to_owned()
}

/// Reads message data up to the lone dot, undoing dot-stuffing.
fn read_data(reader: &mut impl BufRead) -> std::io::Result<Vec<u8>> {
    let mut data = Vec::new();
    let mut line = Vec::new();
    loop {
        line.clear();
        if reader.read_until(b'\n', &mut line)? == 0 {
            return Err(std::io::ErrorKind::UnexpectedEof.into());
        }
        if line == b".\r\n" {
            return Ok(data);
        }
        let unstuffed = if line.starts_with(b"..") {
            &line[1..]
        } else {
            &line[..]
        };
        data.extend_from_slice(unstuffed);
    }
}
