//! A DNS server on 127.0.0.1 (UDP) that answers TXT queries from a table the
//! test fills, for `check --dns` through the real resolver
//! (`HIKYAKU_DNS_SERVER`). Messages are read and written with hickory-proto,
//! the library the resolver itself uses.

use std::collections::HashMap;
use std::net::{SocketAddr, UdpSocket};
use std::sync::{Arc, Mutex};

use mail_auth::hickory_resolver::proto::op::{Message, MessageType, ResponseCode};
use mail_auth::hickory_resolver::proto::rr::rdata::TXT;
use mail_auth::hickory_resolver::proto::rr::{RData, Record, RecordType};

/// TXT records by lowercase name without the final dot; each record is its
/// character-strings.
type Zone = HashMap<String, Vec<Vec<String>>>;

/// The server; it stops answering when dropped (its thread ends with the test).
pub struct DnsServer {
    address: SocketAddr,
    zone: Arc<Mutex<Zone>>,
}

impl DnsServer {
    /// Starts answering on a free UDP port of 127.0.0.1.
    pub fn start() -> DnsServer {
        let socket = UdpSocket::bind("127.0.0.1:0").expect("bind a test port");
        let address = socket.local_addr().unwrap();
        let zone: Arc<Mutex<Zone>> = Arc::default();
        let answering = Arc::downgrade(&zone);
        std::thread::spawn(move || {
            let mut buffer = [0u8; 4096];
            while let Ok((len, peer)) = socket.recv_from(&mut buffer) {
                let Some(zone) = answering.upgrade() else {
                    break;
                };
                if let Some(reply) = answer(&buffer[..len], &zone.lock().unwrap()) {
                    let _ = socket.send_to(&reply, peer);
                }
            }
        });
        DnsServer { address, zone }
    }

    /// The value for `HIKYAKU_DNS_SERVER`.
    pub fn address(&self) -> String {
        self.address.to_string()
    }

    /// Publishes a TXT record at `name` made of `strings`.
    pub fn txt(&self, name: &str, strings: &[&str]) {
        self.zone
            .lock()
            .unwrap()
            .entry(name.to_ascii_lowercase())
            .or_default()
            .push(strings.iter().map(|s| (*s).to_owned()).collect());
    }

    /// Removes every record at `name`.
    pub fn remove(&self, name: &str) {
        self.zone.lock().unwrap().remove(&name.to_ascii_lowercase());
    }
}

/// The reply to one query: its TXT records, NOERROR with no answers when the
/// name exists with other data only, NXDOMAIN when it does not exist.
fn answer(query: &[u8], zone: &Zone) -> Option<Vec<u8>> {
    let query = Message::from_vec(query).ok()?;
    let question = query.queries.first()?.clone();
    let mut reply = Message::new(
        query.metadata.id,
        MessageType::Response,
        query.metadata.op_code,
    );
    reply.metadata.recursion_desired = query.metadata.recursion_desired;
    reply.metadata.recursion_available = true;
    reply.metadata.authoritative = true;
    let name = question.name().to_ascii();
    let name = name.trim_end_matches('.').to_ascii_lowercase();
    match zone.get(&name) {
        Some(records) => {
            if question.query_type() == RecordType::TXT {
                for strings in records {
                    reply.add_answer(Record::from_rdata(
                        question.name().clone(),
                        60,
                        RData::TXT(TXT::new(strings.clone())),
                    ));
                }
            }
        }
        None => reply.metadata.response_code = ResponseCode::NXDomain,
    }
    reply.add_query(question);
    if let Some(edns) = &query.edns {
        reply.set_edns(edns.clone());
    }
    reply.to_vec().ok()
}
