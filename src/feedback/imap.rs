//! A bounce mailbox on an IMAP server: `imaps://USER@HOST[:PORT]/MAILBOX`.

/// A mailbox named by an `imaps://` (or, for a loopback host, `imap://`) URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct MailboxUrl {
    /// Whether the connection is TLS from the start (imaps).
    pub tls: bool,
    /// The login name (percent-decoded).
    pub user: String,
    /// The server's host name or address.
    pub host: String,
    /// The port (993 for imaps, 143 for imap by default).
    pub port: u16,
    /// The mailbox (percent-decoded), INBOX when the URL names none.
    pub mailbox: String,
}

impl MailboxUrl {
    /// Reads an `imaps://USER@HOST[:PORT]/MAILBOX` URL. Plain `imap://` is
    /// accepted only for a loopback host: a bounce mailbox's password must
    /// never cross a network in clear text.
    pub(crate) fn parse(text: &str) -> Result<MailboxUrl, String> {
        let url =
            url::Url::parse(text).map_err(|e| format!("{text}: not a usable IMAP URL: {e}"))?;
        let tls = match url.scheme() {
            "imaps" => true,
            "imap" => false,
            other => return Err(format!("{text}: unknown scheme {other}: use imaps://")),
        };
        if url.password().is_some() {
            return Err(format!(
                "{text}: a password may not be written into the URL (it would show in the process list \
                 and shell history): set HIKYAKU_IMAP_PASSWORD or pass --password-file FILE"
            ));
        }
        let decode = |s: &str| {
            percent_encoding::percent_decode_str(s)
                .decode_utf8()
                .map(|c| c.into_owned())
                .map_err(|_| format!("{text}: the URL is not UTF-8 after percent-decoding"))
        };
        let user = decode(url.username())?;
        if user.is_empty() {
            return Err(format!(
                "{text}: the URL names no user: write imaps://USER@HOST/MAILBOX"
            ));
        }
        let host = match url.host() {
            Some(url::Host::Domain(d)) => d.to_owned(),
            Some(url::Host::Ipv4(a)) => a.to_string(),
            Some(url::Host::Ipv6(a)) => a.to_string(),
            None => return Err(format!("{text}: the URL names no host")),
        };
        if !tls && !crate::address::is_loopback_host(&host) {
            return Err(format!(
                "{text}: imap:// sends the password in clear text; it is allowed only to a loopback \
                 host (127.0.0.1, ::1, localhost): use imaps://"
            ));
        }
        let port = url.port().unwrap_or(if tls { 993 } else { 143 });
        let path = url.path().trim_start_matches('/');
        let mailbox = if path.is_empty() {
            "INBOX".to_owned()
        } else {
            decode(path)?
        };
        Ok(MailboxUrl {
            tls,
            user,
            host,
            port,
            mailbox,
        })
    }

    /// The label of one message: `imaps://USER@HOST/MAILBOX;UID=N`.
    pub(crate) fn label(&self, uid: u32) -> String {
        format!(
            "{}://{}@{}:{}/{};UID={uid}",
            if self.tls { "imaps" } else { "imap" },
            self.user,
            self.host,
            self.port,
            self.mailbox
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_imap_urls_and_refuses_clear_text_to_other_hosts() {
        let url = MailboxUrl::parse("imaps://bounces%40example.co.jp@mail.example.co.jp/Bounces")
            .unwrap();
        assert_eq!(url.user, "bounces@example.co.jp");
        assert_eq!(
            (url.host.as_str(), url.port, url.tls),
            ("mail.example.co.jp", 993, true)
        );
        assert_eq!(url.mailbox, "Bounces");
        assert_eq!(
            MailboxUrl::parse("imaps://u@h.example").unwrap().mailbox,
            "INBOX"
        );
        assert_eq!(
            MailboxUrl::parse("imap://u@127.0.0.1:1143/INBOX")
                .unwrap()
                .port,
            1143
        );
        assert!(MailboxUrl::parse("imap://u@mail.example.co.jp/INBOX").is_err());
        assert!(MailboxUrl::parse("imaps://u:secret@mail.example.co.jp/INBOX").is_err());
        assert!(MailboxUrl::parse("imaps://mail.example.co.jp/INBOX").is_err());
    }
}

/// Why an IMAP mailbox could not be read.
#[derive(Debug, thiserror::Error)]
pub(crate) enum ImapError {
    /// The server cannot be reached, or broke off.
    #[error("{0}")]
    Unavailable(String),
    /// The server refused the login, or the password cannot be had.
    #[error("{0}")]
    Login(String),
}

/// How to log in and what to do with ingested messages.
pub(crate) struct Login<'a> {
    /// The password.
    pub password: &'a str,
    /// A CA certificate to trust besides the system's.
    pub ca_file: Option<&'a std::path::Path>,
    /// Move ingested messages here instead of flagging them \Seen.
    pub move_to: Option<&'a str>,
    /// Read only: flag and move nothing.
    pub dry_run: bool,
}

/// The IMAP password: `--password-file`, else `HIKYAKU_IMAP_PASSWORD`.
pub(crate) fn password(file: Option<&std::path::Path>) -> Result<String, ImapError> {
    if let Some(file) = file {
        return crate::files::read_secret(file).map_err(|e| {
            ImapError::Login(format!(
                "{}: cannot read the IMAP password: {e}",
                file.display()
            ))
        });
    }
    std::env::var(PASSWORD_ENV).map_err(|_| {
        ImapError::Login(format!(
            "no IMAP password: set {PASSWORD_ENV} or pass --password-file FILE"
        ))
    })
}

/// The environment variable holding the IMAP password.
pub(crate) const PASSWORD_ENV: &str = "HIKYAKU_IMAP_PASSWORD";

/// How long one step (connect, handshake, a command) may take: a server
/// that stops answering must not hang a cron job forever.
const STEP_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(60);

/// Reads the unseen messages of the mailbox (every message with
/// `--move-to`) and hands each to `each`; each one it handled is then
/// flagged \Seen (or moved), one at a time, so an interrupted run re-reads
/// only what it had not finished. Messages are never deleted. In a dry run
/// nothing is flagged or moved.
pub(crate) fn ingest<E: From<ImapError>>(
    url: &MailboxUrl,
    login: &Login<'_>,
    each: &mut dyn FnMut(String, super::source::Content) -> Result<(), E>,
) -> Result<(), E> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| ImapError::Unavailable(format!("cannot start the IMAP client: {e}")))?;
    runtime.block_on(async {
        let where_ = format!("{}:{}", url.host, url.port);
        let unavailable = |what: &str, e: &dyn std::fmt::Display| {
            ImapError::Unavailable(format!(
                "IMAP server {where_}: {what}: {e}\n  hint: check the host and port (imaps is usually 993), and that the server is up"
            ))
        };
        let tcp = step(tokio::net::TcpStream::connect((url.host.as_str(), url.port)))
            .await
            .map_err(|e| unavailable("cannot connect", &e))?;
        if url.tls {
            let ca = match login.ca_file {
                Some(path) => Some(std::fs::read(path).map_err(|e| {
                    ImapError::Login(format!("{}: cannot read the CA file: {e}", path.display()))
                })?),
                None => None,
            };
            let config = crate::tls::client_config(ca.as_deref())
                .map_err(|e| ImapError::Login(format!("TLS set-up: {e}")))?;
            let name = rustls_pki_types::ServerName::try_from(url.host.clone())
                .map_err(|e| unavailable("not a usable server name", &e))?;
            let stream = step(tokio_rustls::TlsConnector::from(config).connect(name, tcp))
                .await
                .map_err(|e| unavailable("TLS handshake failed", &e))?;
            session(url, login, async_imap::Client::new(stream), each).await
        } else {
            session(url, login, async_imap::Client::new(tcp), each).await
        }
    })
}

async fn step<T, E: std::fmt::Display>(
    future: impl std::future::Future<Output = Result<T, E>>,
) -> Result<T, String> {
    match tokio::time::timeout(STEP_TIMEOUT, future).await {
        Ok(result) => result.map_err(|e| e.to_string()),
        Err(_) => Err(format!("no answer within {} s", STEP_TIMEOUT.as_secs())),
    }
}

/// One item of one message: `take` picks it from the FETCH response. The
/// response stream is read to its end, so the session is ready for the next
/// command (async-imap leaves unread responses in its buffer otherwise).
async fn fetch_one<S, T>(
    session: &mut async_imap::Session<S>,
    uid: u32,
    query: &str,
    take: impl Fn(&async_imap::types::Fetch) -> Option<T>,
) -> Result<Option<T>, String>
where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + std::fmt::Debug + Send,
{
    use futures_util::TryStreamExt;

    let mut found = None;
    let mut fetches = tokio::time::timeout(STEP_TIMEOUT, session.uid_fetch(uid.to_string(), query))
        .await
        .map_err(|_| "no answer to FETCH".to_owned())?
        .map_err(|e| e.to_string())?;
    while let Some(fetch) = tokio::time::timeout(STEP_TIMEOUT, fetches.try_next())
        .await
        .map_err(|_| "no answer to FETCH".to_owned())?
        .map_err(|e| e.to_string())?
    {
        if fetch.uid == Some(uid) {
            found = take(&fetch);
        }
    }
    Ok(found)
}

async fn session<S, E: From<ImapError>>(
    url: &MailboxUrl,
    login: &Login<'_>,
    mut client: async_imap::Client<S>,
    each: &mut dyn FnMut(String, super::source::Content) -> Result<(), E>,
) -> Result<(), E>
where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + std::fmt::Debug + Send,
{
    let server = format!("IMAP server {}:{}", url.host, url.port);
    let broken = |e: &dyn std::fmt::Display| ImapError::Unavailable(format!("{server}: {e}"));
    match tokio::time::timeout(STEP_TIMEOUT, client.read_response()).await {
        Ok(Ok(Some(_))) => {}
        Ok(Ok(None)) => return Err(broken(&"closed the connection before greeting").into()),
        Ok(Err(e)) => return Err(broken(&e).into()),
        Err(_) => return Err(broken(&"sent no greeting").into()),
    }
    let (mut session, capabilities) = match tokio::time::timeout(
        STEP_TIMEOUT,
        client.login_with_capabilities(&url.user, login.password),
    )
    .await
    {
        Err(_) => return Err(broken(&"no answer to LOGIN").into()),
        Ok(Ok(logged_in)) => logged_in,
        Ok(Err((async_imap::error::Error::No(text) | async_imap::error::Error::Bad(text), _)))
            if !text.contains("[UNAVAILABLE]") =>
        {
            return Err(ImapError::Login(format!(
                    "{server} refused the login of {}: {}\n  hint: check the password in {PASSWORD_ENV} or --password-file",
                    url.user,
                    crate::feedback::mail::clean_text(&text, 200)
                ))
                .into());
        }
        Ok(Err((e, _))) => return Err(broken(&e).into()),
    };
    let can_move = match capabilities {
        Some(capabilities) => capabilities.has_str("MOVE"),
        None => session
            .capabilities()
            .await
            .map(|c| c.has_str("MOVE"))
            .map_err(|e| broken(&e))?,
    };
    if let Some(folder) = login.move_to
        && !can_move
    {
        return Err(ImapError::Unavailable(format!(
            "{server} does not support MOVE, so messages cannot be moved to {folder} without deleting \
             them, which hikyaku never does: run without --move-to (messages are then flagged \\Seen)"
        ))
        .into());
    }
    tokio::time::timeout(STEP_TIMEOUT, session.select(&url.mailbox))
        .await
        .map_err(|_| broken(&"no answer to SELECT"))?
        .map_err(|e| {
            ImapError::Unavailable(format!(
                "{server}: cannot open mailbox {}: {e}",
                url.mailbox
            ))
        })?;
    let query = if login.move_to.is_some() {
        "ALL"
    } else {
        "UNSEEN"
    };
    let mut uids: Vec<u32> = tokio::time::timeout(STEP_TIMEOUT, session.uid_search(query))
        .await
        .map_err(|_| broken(&"no answer to SEARCH"))?
        .map_err(|e| broken(&e))?
        .into_iter()
        .collect();
    uids.sort_unstable();
    for uid in uids {
        // The size first: a message over the limit is never fetched.
        let size = fetch_one(&mut session, uid, "RFC822.SIZE", |f| f.size)
            .await
            .map_err(|e| broken(&e))?;
        let content = match size {
            Some(size) if u64::from(size) > super::source::MAX_MESSAGE_BYTES => {
                super::source::Content::TooLarge(u64::from(size))
            }
            _ => {
                let body = fetch_one(&mut session, uid, "BODY.PEEK[]", |f| {
                    f.body().map(<[u8]>::to_vec)
                })
                .await
                .map_err(|e| broken(&e))?;
                match body {
                    // A server that did not say the size is held to the limit too.
                    Some(raw) if raw.len() as u64 > super::source::MAX_MESSAGE_BYTES => {
                        super::source::Content::TooLarge(raw.len() as u64)
                    }
                    Some(raw) => super::source::Content::Bytes(raw),
                    // Expunged by someone else meanwhile: nothing to read.
                    None => continue,
                }
            }
        };
        each(url.label(uid), content)?;
        if login.dry_run {
            continue;
        }
        let done = match login.move_to {
            Some(folder) => {
                tokio::time::timeout(STEP_TIMEOUT, session.uid_mv(uid.to_string(), folder)).await
            }
            None => {
                tokio::time::timeout(
                    STEP_TIMEOUT,
                    session.run_command_and_check_ok(format!(
                        "UID STORE {uid} +FLAGS.SILENT (\\Seen)"
                    )),
                )
                .await
            }
        };
        done.map_err(|_| broken(&"no answer to STORE/MOVE"))?
            .map_err(|e| broken(&format!("cannot flag or move UID {uid}: {e}")))?;
    }
    // The work is done and recorded; a failing LOGOUT changes nothing.
    let _ = tokio::time::timeout(STEP_TIMEOUT, session.logout()).await;
    Ok(())
}
