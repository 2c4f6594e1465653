//! A real Dovecot IMAP server on 127.0.0.1 for the tests: its own config,
//! users, Maildir and TLS certificate in a temporary folder, killed with its
//! whole process group when dropped. Debian's `dovecot-imapd` provides it
//! (`.ci/run` installs it when missing).

use std::io::{BufRead, BufReader, Write};
use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A running Dovecot.
pub struct Dovecot {
    child: Child,
    dir: tempfile::TempDir,
    /// The plain IMAP port (loopback only).
    pub imap_port: u16,
    /// The IMAP-over-TLS port.
    pub imaps_port: u16,
    /// The CA that signed the server's certificate, PEM.
    pub ca_pem: String,
    owner: Option<(u32, u32)>,
    serial: std::cell::Cell<u32>,
}

/// Whether Dovecot is installed. Without it the IMAP tests are skipped
/// (except in CI, where `.ci/run` installs it and a missing one fails).
pub fn available() -> bool {
    let found = Path::new("/usr/sbin/dovecot").exists();
    if !found && std::env::var_os("CI").is_some() {
        panic!("dovecot is not installed: .ci/run installs dovecot-imapd");
    }
    found
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn id(flag: &str, user: Option<&str>) -> String {
    let mut command = Command::new("id");
    command.arg(flag);
    if let Some(user) = user {
        command.arg(user);
    }
    String::from_utf8(command.output().unwrap().stdout)
        .unwrap()
        .trim()
        .to_owned()
}

impl Dovecot {
    /// Starts Dovecot with one user and password.
    pub fn start(user: &str, password: &str) -> Dovecot {
        let mut last_log = String::new();
        // A port taken between choosing and binding makes Dovecot exit:
        // choose again.
        for _ in 0..5 {
            match Dovecot::try_start(user, password) {
                Ok(dovecot) => return dovecot,
                Err(log) => last_log = log,
            }
        }
        panic!("dovecot did not start:\n{last_log}");
    }

    fn try_start(user: &str, password: &str) -> Result<Dovecot, String> {
        let dir = tempfile::Builder::new()
            .prefix("dovecot-")
            .tempdir()
            .unwrap();
        let root = dir.path();
        // Dovecot's unprivileged processes must reach the folder.
        std::fs::set_permissions(root, std::fs::Permissions::from_mode(0o755)).unwrap();
        let as_root = id("-u", None) == "0";
        let (system_user, system_group) = if as_root {
            ("nobody".to_owned(), id("-gn", Some("nobody")))
        } else {
            (id("-un", None), id("-gn", None))
        };
        for sub in ["run", "state", "Maildir/cur", "Maildir/new", "Maildir/tmp"] {
            std::fs::create_dir_all(root.join(sub)).unwrap();
        }
        let owner = as_root.then(|| {
            let uid: u32 = id("-u", Some("nobody")).parse().unwrap();
            let gid: u32 = id("-g", Some("nobody")).parse().unwrap();
            (uid, gid)
        });
        if let Some((uid, gid)) = owner {
            for sub in ["Maildir", "Maildir/cur", "Maildir/new", "Maildir/tmp"] {
                std::os::unix::fs::chown(root.join(sub), Some(uid), Some(gid)).unwrap();
            }
        }
        std::fs::write(root.join("passwd"), format!("{user}:{{PLAIN}}{password}\n")).unwrap();
        std::fs::set_permissions(root.join("passwd"), std::fs::Permissions::from_mode(0o644))
            .unwrap();
        let (ca_pem, cert_pem, key_pem) = certificates();
        std::fs::write(root.join("server.crt"), cert_pem).unwrap();
        std::fs::write(root.join("server.key"), key_pem).unwrap();
        let (imap_port, imaps_port) = (free_port(), free_port());
        let t = root.display();
        let config = format!(
            "base_dir = {t}/run\nstate_dir = {t}/state\nlog_path = {t}/dovecot.log\n\
             protocols = imap\nlisten = 127.0.0.1\nssl = yes\n\
             ssl_cert = <{t}/server.crt\nssl_key = <{t}/server.key\n\
             disable_plaintext_auth = no\nauth_mechanisms = plain login\nauth_failure_delay = 0\n\
             default_internal_user = {system_user}\ndefault_internal_group = {system_group}\n\
             default_login_user = {system_user}\nmail_uid = {system_user}\nmail_gid = {system_group}\n\
             mail_location = maildir:{t}/Maildir\n\
             passdb {{\n  driver = passwd-file\n  args = scheme=PLAIN username_format=%u {t}/passwd\n}}\n\
             userdb {{\n  driver = static\n  args = allow_all_users=yes\n}}\n\
             service imap-login {{\n  chroot =\n\
               inet_listener imap {{\n    address = 127.0.0.1\n    port = {imap_port}\n  }}\n\
               inet_listener imaps {{\n    address = 127.0.0.1\n    port = {imaps_port}\n    ssl = yes\n  }}\n}}\n\
             # The penalty for failed logins would slow every later login from\n\
             # 127.0.0.1 by seconds: point it where nothing looks.\n\
             service anvil {{\n  chroot =\n  unix_listener anvil-auth-penalty {{\n    path = anvil-auth-penalty-unused\n  }}\n}}\n\
             namespace inbox {{\n  inbox = yes\n  mailbox Processed {{\n    auto = create\n  }}\n}}\n"
        );
        std::fs::write(root.join("dovecot.conf"), config).unwrap();
        let log = std::fs::File::create(root.join("stdout.log")).unwrap();
        let mut child = Command::new("/usr/sbin/dovecot")
            .arg("-F")
            .arg("-c")
            .arg(root.join("dovecot.conf"))
            .stdin(Stdio::null())
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .process_group(0)
            .spawn()
            .expect("start dovecot");
        let dovecot_log = |root: &Path| {
            format!(
                "{}\n{}",
                std::fs::read_to_string(root.join("stdout.log")).unwrap_or_default(),
                std::fs::read_to_string(root.join("dovecot.log")).unwrap_or_default()
            )
        };
        // Ready when it greets; a TCP accept alone is not enough.
        let deadline = Instant::now() + Duration::from_secs(15);
        loop {
            if let Ok(Some(_)) = child.try_wait() {
                return Err(dovecot_log(root));
            }
            if Instant::now() > deadline {
                let _ = child.kill();
                return Err(format!("no greeting within 15 s\n{}", dovecot_log(root)));
            }
            if let Ok(stream) = std::net::TcpStream::connect(("127.0.0.1", imap_port)) {
                stream
                    .set_read_timeout(Some(Duration::from_secs(2)))
                    .unwrap();
                let mut line = String::new();
                if BufReader::new(&stream).read_line(&mut line).is_ok()
                    && line.starts_with("* OK")
                    && !line.contains("Waiting for authentication")
                {
                    break;
                }
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        Ok(Dovecot {
            child,
            dir,
            imap_port,
            imaps_port,
            ca_pem,
            owner,
            serial: std::cell::Cell::new(0),
        })
    }

    /// The Maildir behind the INBOX.
    pub fn maildir(&self) -> PathBuf {
        self.dir.path().join("Maildir")
    }

    /// Delivers a message to the INBOX, as an MDA would (tmp, then new).
    pub fn deliver(&self, message: &[u8]) {
        let serial = self.serial.get() + 1;
        self.serial.set(serial);
        let name = format!("1764000000.P{}Q{serial}.test", std::process::id());
        let tmp = self.maildir().join("tmp").join(&name);
        let mut file = std::fs::File::create(&tmp).unwrap();
        file.write_all(message).unwrap();
        drop(file);
        if let Some((uid, gid)) = self.owner {
            std::os::unix::fs::chown(&tmp, Some(uid), Some(gid)).unwrap();
        }
        std::fs::rename(tmp, self.maildir().join("new").join(name)).unwrap();
    }

    /// Names of the messages Dovecot has flagged \Seen in the INBOX.
    pub fn seen(&self) -> usize {
        std::fs::read_dir(self.maildir().join("cur"))
            .map(|entries| {
                entries
                    .filter_map(|e| e.ok())
                    .filter(|e| {
                        e.file_name()
                            .to_string_lossy()
                            .rsplit_once(":2,")
                            .is_some_and(|(_, flags)| flags.contains('S'))
                    })
                    .count()
            })
            .unwrap_or(0)
    }

    /// Messages in the Processed folder (moved there by `--move-to`).
    pub fn processed(&self) -> usize {
        ["cur", "new"]
            .iter()
            .map(|sub| {
                std::fs::read_dir(self.maildir().join(".Processed").join(sub))
                    .map(|entries| entries.count())
                    .unwrap_or(0)
            })
            .sum()
    }
}

impl Drop for Dovecot {
    fn drop(&mut self) {
        // The whole group: the master and every process it started.
        let _ = Command::new("kill")
            .args(["-s", "KILL", "--", &format!("-{}", self.child.id())])
            .status();
        // The master at least, should the group kill have failed.
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A CA and a certificate for 127.0.0.1 signed by it: (CA, certificate, key), PEM.
fn certificates() -> (String, String, String) {
    let certificates = crate::certificates::Certificates::for_names(&["127.0.0.1", "localhost"]);
    (
        certificates.ca_pem,
        certificates.cert_pem,
        certificates.key_pem,
    )
}
