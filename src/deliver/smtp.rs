//! SMTP through lettre's async connection, over a socket we open ourselves so
//! that TCP_NODELAY is set (lettre 0.11 does not set it and stalls about 40 ms
//! per message on Nagle and delayed ACK).
//!
//! A transaction is walked command by command instead of with lettre's
//! `send`, for two reasons: a reply of 4xx or 5xx must leave the connection
//! usable (RSET and go on), and a failure must say whether the message body was
//! already on its way: before that the message was certainly not delivered and
//! may be tried again; after it, the outcome is unknown and the message is
//! never resent without the operator asking.

use std::sync::Arc;
use std::time::Duration;

use lettre::address::Address as LettreAddress;
use lettre::transport::smtp::authentication::{Credentials, Mechanism};
use lettre::transport::smtp::client::{AsyncSmtpConnection, Certificate, TlsParameters};
use lettre::transport::smtp::commands::{Data, Mail, Quit, Rcpt, Rset};
use lettre::transport::smtp::extension::{ClientId, Extension, MailBodyParameter, MailParameter};
use tokio::net::TcpStream;
use tokio::time::timeout;

use super::transport::{Connection, Envelope, Outcome, Step, Transport};
use crate::config::{PasswordSource, Security, Smtp};

/// How long to wait for the TCP connection and the greeting.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(30);
/// How long to wait for the reply to a command.
const COMMAND_TIMEOUT: Duration = Duration::from_secs(60);
/// How long to wait for the reply to the message (RFC 5321 §4.5.3.2.6: 10 min).
const DATA_TIMEOUT: Duration = Duration::from_secs(600);

/// A relay that cannot be used at all.
#[derive(Debug, thiserror::Error)]
pub(crate) enum SmtpError {
    /// The password could not be read.
    #[error("{0}")]
    Password(String),
    /// The relay could not be reached or refused us.
    #[error("SMTP relay {host}:{port}: {message}")]
    Unavailable {
        host: String,
        port: u16,
        message: String,
    },
    /// STARTTLS or implicit TLS was configured but could not be set up.
    #[error("SMTP relay {host}:{port}: TLS: {message}")]
    Tls {
        host: String,
        port: u16,
        message: String,
    },
}

/// Where and how to connect.
pub(crate) struct Relay {
    host: String,
    port: u16,
    security: Security,
    credentials: Option<Credentials>,
    hello: ClientId,
    /// An extra root certificate (PEM) from `smtp.ca_file`.
    ca: Option<Vec<u8>>,
}

impl Relay {
    /// The relay of `[smtp]`, with its password read from the environment or
    /// the file named there. The password is never printed.
    pub(crate) fn from_config(smtp: &Smtp) -> Result<Relay, SmtpError> {
        let password = match &smtp.password {
            PasswordSource::None => None,
            PasswordSource::Env(name) => Some(std::env::var(name).map_err(|_| {
                SmtpError::Password(format!(
                    "smtp.password_env names {name}, which is not set in the environment"
                ))
            })?),
            PasswordSource::File(path) => Some(crate::files::read_secret(path).map_err(|e| {
                SmtpError::Password(format!(
                    "{}: cannot read the password file: {e}",
                    path.display()
                ))
            })?),
        };
        let credentials = match (&smtp.username, password) {
            (Some(user), Some(password)) => Some(Credentials::new(user.clone(), password)),
            _ => None,
        };
        let ca = smtp
            .ca_file
            .as_ref()
            .map(|path| {
                std::fs::read(path).map_err(|e| SmtpError::Tls {
                    host: smtp.host.clone(),
                    port: smtp.port,
                    message: format!("{}: cannot read smtp.ca_file: {e}", path.display()),
                })
            })
            .transpose()?;
        Ok(Relay {
            ca,
            host: smtp.host.clone(),
            port: smtp.port,
            security: smtp.security,
            credentials,
            hello: ClientId::default(),
        })
    }

    fn unavailable(&self, message: impl ToString) -> SmtpError {
        SmtpError::Unavailable {
            host: self.host.clone(),
            port: self.port,
            message: message.to_string(),
        }
    }

    fn tls_error(&self, error: impl ToString) -> SmtpError {
        SmtpError::Tls {
            host: self.host.clone(),
            port: self.port,
            message: error.to_string(),
        }
    }

    /// The client configuration for implicit TLS: what lettre's
    /// `TlsParameters` builds for STARTTLS (aws-lc, the platform verifier
    /// with `ca_file` as an extra root), for a handshake on our own socket.
    fn implicit_tls_config(&self) -> Result<Arc<rustls::ClientConfig>, SmtpError> {
        crate::tls::client_config(self.ca.as_deref())
            .map_err(|e| self.tls_error(format!("smtp.ca_file: {e}")))
    }

    fn tls(&self) -> Result<TlsParameters, SmtpError> {
        let error = |e: lettre::transport::smtp::Error| SmtpError::Tls {
            host: self.host.clone(),
            port: self.port,
            message: e.to_string(),
        };
        let mut builder = TlsParameters::builder(self.host.clone());
        if let Some(pem) = &self.ca {
            builder = builder.add_root_certificate(Certificate::from_pem(pem).map_err(error)?);
        }
        builder.build_rustls().map_err(error)
    }

    /// Opens a connection: TCP with TCP_NODELAY, greeting, EHLO, TLS and AUTH
    /// as configured.
    pub(crate) async fn open(&self) -> Result<SmtpConnection, SmtpError> {
        let stream = timeout(CONNECT_TIMEOUT, open_socket(&self.host, self.port))
            .await
            .map_err(|_| self.unavailable("timed out connecting"))?
            .map_err(|e| self.unavailable(e))?;
        let mut connection = match self.security {
            Security::Tls => {
                // lettre can open an implicit-TLS connection only on a socket
                // of its own, without TCP_NODELAY (40 ms per message). So the
                // handshake runs here, on our socket, with the same verifier
                // lettre uses (the platform's roots plus smtp.ca_file), and
                // lettre gets the encrypted stream.
                let connector = tokio_rustls::TlsConnector::from(self.implicit_tls_config()?);
                let name = rustls_pki_types::ServerName::try_from(self.host.clone())
                    .map_err(|e| self.tls_error(e))?;
                let stream = timeout(CONNECT_TIMEOUT, connector.connect(name, stream))
                    .await
                    .map_err(|_| self.unavailable("timed out in the TLS handshake"))?
                    .map_err(|e| self.tls_error(e))?;
                timeout(
                    CONNECT_TIMEOUT,
                    AsyncSmtpConnection::connect_with_transport(
                        Box::new(ImplicitTls(stream)),
                        &self.hello,
                    ),
                )
                .await
                .map_err(|_| self.unavailable("timed out waiting for the greeting"))?
                .map_err(|e| self.unavailable(e))?
            }
            _ => timeout(
                CONNECT_TIMEOUT,
                AsyncSmtpConnection::connect_with_transport(Box::new(stream), &self.hello),
            )
            .await
            .map_err(|_| self.unavailable("timed out waiting for the greeting"))?
            .map_err(|e| self.unavailable(e))?,
        };
        if self.security == Security::Starttls {
            if !connection.can_starttls() {
                return Err(SmtpError::Tls {
                    host: self.host.clone(),
                    port: self.port,
                    message: "the relay does not offer STARTTLS (set security = \"none\" only for a relay on this host)"
                        .into(),
                });
            }
            let tls = self.tls()?;
            timeout(COMMAND_TIMEOUT, connection.starttls(tls, &self.hello))
                .await
                .map_err(|_| self.unavailable("timed out in STARTTLS"))?
                .map_err(|e| SmtpError::Tls {
                    host: self.host.clone(),
                    port: self.port,
                    message: e.to_string(),
                })?;
        }
        if let Some(credentials) = &self.credentials {
            timeout(
                COMMAND_TIMEOUT,
                connection.auth(&[Mechanism::Plain, Mechanism::Login], credentials),
            )
            .await
            .map_err(|_| self.unavailable("timed out authenticating"))?
            .map_err(|e| self.unavailable(format!("authentication failed: {e}")))?;
        }
        Ok(SmtpConnection { inner: connection })
    }
}

/// The socket every connection starts from: TCP_NODELAY set, because lettre
/// writes a command and waits for its reply, and Nagle's algorithm with the
/// relay's delayed ACK would hold each message back about 40 ms.
async fn open_socket(host: &str, port: u16) -> std::io::Result<TcpStream> {
    let stream = TcpStream::connect((host, port)).await?;
    stream.set_nodelay(true)?;
    Ok(stream)
}

impl Transport for Relay {
    type Connection = SmtpConnection;

    async fn connect(&self) -> Result<SmtpConnection, String> {
        self.open().await.map_err(|e| e.to_string())
    }

    fn describe(&self) -> String {
        format!("{}:{}", self.host, self.port)
    }
}

/// An open SMTP connection, reused across messages.
pub(crate) struct SmtpConnection {
    inner: AsyncSmtpConnection,
}

impl Connection for SmtpConnection {
    async fn send(&mut self, envelope: Envelope<'_>, message: &[u8]) -> Outcome {
        self.transmit(envelope.sender, envelope.recipient, message)
            .await
    }

    fn is_usable(&self) -> bool {
        !self.inner.has_broken()
    }

    async fn close(mut self) {
        let _ = timeout(Duration::from_secs(5), self.inner.command(Quit)).await;
    }
}

impl SmtpConnection {
    /// Sends `message` from `sender` to `recipient`. `message` goes out byte
    /// for byte (lettre dot-stuffs and adds the final `.` line).
    async fn transmit(&mut self, sender: &str, recipient: &str, message: &[u8]) -> Outcome {
        let (Ok(sender), Ok(recipient)) = (
            sender.parse::<LettreAddress>(),
            recipient.parse::<LettreAddress>(),
        ) else {
            return Outcome::Failed(
                "the SMTP client cannot express this address".into(),
                Step::Local,
            );
        };
        let mut parameters = Vec::new();
        if !message.is_ascii()
            && self
                .inner
                .server_info()
                .supports_feature(Extension::EightBitMime)
        {
            parameters.push(MailParameter::Body(MailBodyParameter::EightBitMime));
        }
        if let Err(refusal) = self.command(Mail::new(Some(sender), parameters)).await {
            return self.refused(refusal, Step::Mail).await;
        }
        if let Err(refusal) = self.command(Rcpt::new(recipient, vec![])).await {
            return self.refused(refusal, Step::Rcpt).await;
        }
        if let Err(refusal) = self.command(Data).await {
            return self.refused(refusal, Step::Data).await;
        }
        // lettre writes the message and then CRLF.CRLF; without our final
        // CRLF the relay receives exactly the bytes we signed.
        let body = message.strip_suffix(b"\r\n").unwrap_or(message);
        match timeout(DATA_TIMEOUT, self.inner.message(body)).await {
            Ok(Ok(response)) => Outcome::Accepted(reply_text(&response)),
            Ok(Err(error)) => match error.status() {
                Some(_) if error.is_transient() => Outcome::Deferred(error_text(&error)),
                Some(_) => Outcome::Failed(error_text(&error), Step::Data),
                None => Outcome::Unknown(format!(
                    "connection lost after the message was sent: {error}"
                )),
            },
            Err(_) => Outcome::Unknown("no reply to the message within 10 minutes".into()),
        }
    }

    async fn command<C: std::fmt::Display>(&mut self, command: C) -> Result<(), Refusal> {
        match timeout(COMMAND_TIMEOUT, self.inner.command(command)).await {
            Ok(Ok(_)) => Ok(()),
            Ok(Err(error)) if error.status().is_some() => Err(Refusal::Reply(error)),
            Ok(Err(error)) => Err(Refusal::Broken(error.to_string())),
            Err(_) => Err(Refusal::Broken("no reply within 60 seconds".into())),
        }
    }

    /// A refusal before DATA: the message was not sent.
    async fn refused(&mut self, refusal: Refusal, step: Step) -> Outcome {
        match refusal {
            Refusal::Reply(error) => {
                // Clear the transaction so the connection can carry the next one.
                let _ = timeout(COMMAND_TIMEOUT, self.inner.command(Rset)).await;
                if error.is_transient() {
                    Outcome::Deferred(error_text(&error))
                } else {
                    Outcome::Failed(error_text(&error), step)
                }
            }
            Refusal::Broken(message) => Outcome::NotSent(message),
        }
    }
}

enum Refusal {
    Reply(lettre::transport::smtp::Error),
    Broken(String),
}

fn reply_text(response: &lettre::transport::smtp::response::Response) -> String {
    let text: Vec<&str> = response.message().collect();
    format!("{} {}", response.code(), text.join(" "))
}

fn error_text(error: &lettre::transport::smtp::Error) -> String {
    let code = error.status().map(|c| c.to_string()).unwrap_or_default();
    let detail = std::error::Error::source(error)
        .map(|s| s.to_string())
        .unwrap_or_default();
    format!("{code} {detail}").trim().to_owned()
}

/// A TLS stream lettre can drive: the stream it takes must name its peer.
#[derive(Debug)]
struct ImplicitTls(tokio_rustls::client::TlsStream<TcpStream>);

impl lettre::transport::smtp::client::AsyncTokioStream for ImplicitTls {
    fn peer_addr(&self) -> std::io::Result<std::net::SocketAddr> {
        self.0.get_ref().0.peer_addr()
    }
}

impl tokio::io::AsyncRead for ImplicitTls {
    fn poll_read(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
        buf: &mut tokio::io::ReadBuf<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        std::pin::Pin::new(&mut self.0).poll_read(cx, buf)
    }
}

impl tokio::io::AsyncWrite for ImplicitTls {
    fn poll_write(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
        buf: &[u8],
    ) -> std::task::Poll<std::io::Result<usize>> {
        std::pin::Pin::new(&mut self.0).poll_write(cx, buf)
    }

    fn poll_flush(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        std::pin::Pin::new(&mut self.0).poll_flush(cx)
    }

    fn poll_shutdown(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        std::pin::Pin::new(&mut self.0).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn the_socket_sends_without_waiting_for_acknowledgements() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let stream = open_socket("127.0.0.1", port).await.unwrap();
        // Without TCP_NODELAY each message stalls about 40 ms on Nagle's
        // algorithm and the relay's delayed ACK.
        assert!(stream.nodelay().unwrap());
    }
}
