//! The unsubscribe endpoint: what answers the `List-Unsubscribe` URL of every
//! message, behind the company's HTTPS reverse proxy.
//!
//! - `POST` with `List-Unsubscribe=One-Click` (RFC 8058; urlencoded or
//!   multipart) unsubscribes at once: 200, no redirect, no cookie.
//! - `GET` shows a confirmation page in Japanese and English whose button
//!   POSTs `confirm=web`. A GET alone changes nothing, because mail scanners
//!   and link previews follow every link.
//! - Any path whose last segment is a token works, so the proxy may mount the
//!   endpoint under whatever prefix `unsubscribe.url` names. `/healthz`
//!   answers 200 while the store does, for the proxy's health checks.
//! - A token that is altered, truncated, unknown or minted by another store
//!   gets the same 404 as any other wrong URL: nothing is written and nothing
//!   tells whether an address exists. Tokens do not expire while the store
//!   keeps its secret.
//!
//! Each unsubscribe suppresses the address for the campaign's list, revokes
//! its consent for that list, and is recorded with its time and source
//! (`one-click` or `web`), all in one transaction: see
//! [`Store::apply_feedback`].

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, FromRequest, Multipart, Path, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use crate::clock::now_unix;
use crate::store::feedback::{Applied, FeedbackEvent, FeedbackKind};
use crate::store::{Store, StoreError};
use crate::token::{Keys, Recipient};

mod pages;
use pages::*;

/// Request bodies above this are refused (413): a one-click body is 26 bytes.
pub(crate) const BODY_LIMIT: usize = 4 * 1024;

/// What the endpoint works with.
pub(crate) struct Endpoint {
    store: Mutex<Store>,
    keys: Keys,
    /// Called with one line per unsubscribe, for the operator's log.
    log: Box<dyn Fn(String) + Send + Sync>,
}

/// Why `serve` could not run.
#[derive(Debug, thiserror::Error)]
pub(crate) enum ServeError {
    /// The address could not be bound.
    #[error(
        "cannot listen on {address}: {source}\n  hint: is another process using the port? pass --listen HOST:PORT"
    )]
    Bind {
        address: SocketAddr,
        source: std::io::Error,
    },
    /// The server stopped on an I/O error.
    #[error("the HTTP server stopped: {0}")]
    Io(std::io::Error),
}

impl Endpoint {
    /// An endpoint answering for the tokens of `store`.
    pub(crate) fn new(
        mut store: Store,
        log: Box<dyn Fn(String) + Send + Sync>,
    ) -> Result<Endpoint, StoreError> {
        let keys = store.keys()?;
        Ok(Endpoint {
            store: Mutex::new(store),
            keys,
            log,
        })
    }

    /// The recipient `token` speaks for, if it is one of ours and intact.
    fn recipient(&self, token: &str) -> Result<Option<Recipient>, StoreError> {
        let Some(id) = Keys::claimed_id(token) else {
            return Ok(None);
        };
        let store = self.store.lock().unwrap_or_else(|p| p.into_inner());
        let Some(recipient) = store.token_recipient(id)? else {
            return Ok(None);
        };
        Ok(self.keys.verify(token, &recipient).then_some(recipient))
    }

    fn unsubscribe(&self, recipient: &Recipient, source: &str) -> Result<Applied, StoreError> {
        let event = FeedbackEvent {
            kind: FeedbackKind::Unsubscribe,
            source: source.to_owned(),
            reason: String::new(),
            trace: "link".into(),
            verified: true,
            campaign: Some(recipient.campaign.to_string()),
            list: Some(recipient.list.to_string()),
            email: recipient.email.clone(),
            detail: String::new(),
            at: now_unix(),
        };
        let applied = self
            .store
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .apply_feedback(&event, None, 0)?;
        (self.log)(format!(
            "{} {source} unsubscribe: {} from list {} (campaign {}){}",
            crate::store::format_unix(event.at),
            recipient.email,
            recipient.list,
            recipient.campaign,
            if applied == Applied::AlreadySuppressed {
                ", already suppressed"
            } else {
                ""
            }
        ));
        Ok(applied)
    }

    /// Who sent the campaign the recipient's message belongs to.
    fn sender(&self, recipient: &Recipient) -> Result<Option<String>, StoreError> {
        self.store
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .campaign_sender(&recipient.campaign)
    }

    fn is_suppressed(&self, recipient: &Recipient) -> Result<bool, StoreError> {
        self.store
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .is_suppressed(&recipient.email, &recipient.list)
    }
}

/// The routes, for [`run`] and for tests.
pub(crate) fn router(endpoint: Arc<Endpoint>) -> Router {
    Router::new()
        .route("/", get(not_found).post(not_found))
        .route("/healthz", get(health))
        .route("/{*path}", get(confirmation_page).post(unsubscribe))
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .with_state(endpoint)
}

/// What a client may take of the endpoint.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Limits {
    /// Connections served at once; more wait in the listen backlog.
    pub max_connections: usize,
    /// The whole time a client has to send a request's head, and again its
    /// body with the store work: not the idle time between bytes, so a
    /// client trickling a byte a second is cut off too. The store's busy
    /// timeout is kept below it, so store work ends first (503).
    pub read_timeout: Duration,
    /// How long open connections may finish after SIGTERM before they are cut.
    pub shutdown_grace: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_connections: 512,
            read_timeout: Duration::from_secs(10),
            shutdown_grace: Duration::from_secs(5),
        }
    }
}

/// Serves until `shutdown` completes: then it accepts nothing more, lets
/// open connections finish within `limits.shutdown_grace`, and cuts the rest.
///
/// axum's own `serve` sets no timer, so hyper's header timeout would be off
/// and a few slow clients could hold every connection: connections are
/// driven here with hyper directly, one request each (no keep-alive: a
/// proxy in front opens as many as it needs), behind a semaphore.
pub(crate) async fn run(
    listener: tokio::net::TcpListener,
    endpoint: Arc<Endpoint>,
    limits: Limits,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> Result<(), ServeError> {
    let read_timeout = limits.read_timeout;
    let app = router(endpoint).layer(axum::middleware::from_fn(
        move |request: Request, next: axum::middleware::Next| async move {
            // The body and the store work of one request, bounded together.
            match tokio::time::timeout(read_timeout, next.run(request)).await {
                Ok(response) => response,
                Err(_) => (
                    StatusCode::REQUEST_TIMEOUT,
                    [(header::CONNECTION, "close")],
                    "request took too long\n",
                )
                    .into_response(),
            }
        },
    ));
    let permits = Arc::new(tokio::sync::Semaphore::new(limits.max_connections.max(1)));
    let (closing, _) = tokio::sync::watch::channel(false);
    let mut connections = tokio::task::JoinSet::new();
    tokio::pin!(shutdown);
    loop {
        let permit = tokio::select! {
            permit = permits.clone().acquire_owned() => match permit {
                Ok(permit) => permit,
                Err(_) => break,
            },
            () = &mut shutdown => break,
        };
        let stream = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => stream,
                // Out of file descriptors and the like: wait, never exit.
                Err(_) => {
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        // Finished connections leave the set as they go.
        while connections.try_join_next().is_some() {}
        let service = hyper_util::service::TowerToHyperService::new(app.clone());
        let mut closing = closing.subscribe();
        connections.spawn(async move {
            let _permit = permit;
            let connection = hyper::server::conn::http1::Builder::new()
                .timer(hyper_util::rt::TokioTimer::new())
                .header_read_timeout(read_timeout)
                .keep_alive(false)
                .serve_connection(hyper_util::rt::TokioIo::new(stream), service);
            tokio::pin!(connection);
            tokio::select! {
                _ = connection.as_mut() => {}
                _ = closing.changed() => {
                    connection.as_mut().graceful_shutdown();
                    let _ = connection.await;
                }
            }
        });
    }
    drop(listener);
    let _ = closing.send(true);
    let drained = tokio::time::timeout(limits.shutdown_grace, async {
        while connections.join_next().await.is_some() {}
    })
    .await;
    if drained.is_err() {
        connections.abort_all();
    }
    Ok(())
}

/// Binds `address`.
pub(crate) async fn bind(address: SocketAddr) -> Result<tokio::net::TcpListener, ServeError> {
    tokio::net::TcpListener::bind(address)
        .await
        .map_err(|source| ServeError::Bind { address, source })
}

/// The token: the last non-empty segment of the path.
fn token_of(path: &str) -> &str {
    path.trim_end_matches('/').rsplit('/').next().unwrap_or("")
}

/// Runs blocking store work off the async workers.
async fn blocking<T: Send + 'static>(
    endpoint: &Arc<Endpoint>,
    work: impl FnOnce(&Endpoint) -> Result<T, StoreError> + Send + 'static,
) -> Result<T, Response> {
    let endpoint = endpoint.clone();
    match tokio::task::spawn_blocking(move || work(&endpoint)).await {
        Ok(Ok(value)) => Ok(value),
        Ok(Err(error)) => {
            // The store is busy past its timeout or broken: the sender's
            // client retries on 503, and the operator sees why.
            eprintln!("error: {error}");
            Err(unavailable())
        }
        Err(_) => Err(unavailable()),
    }
}

async fn confirmation_page(
    State(endpoint): State<Arc<Endpoint>>,
    Path(path): Path<String>,
) -> Response {
    let token = token_of(&path).to_owned();
    let found = blocking(&endpoint, move |e| {
        let Some(recipient) = e.recipient(&token)? else {
            return Ok(None);
        };
        let suppressed = e.is_suppressed(&recipient)?;
        let sender = e.sender(&recipient)?;
        Ok(Some((recipient, sender, suppressed)))
    })
    .await;
    match found {
        Err(response) => response,
        Ok(None) => not_found().await,
        Ok(Some((recipient, sender, true))) => {
            page(StatusCode::OK, &done_page(&recipient, sender.as_deref()))
        }
        Ok(Some((recipient, sender, false))) => {
            page(StatusCode::OK, &confirm_page(&recipient, sender.as_deref()))
        }
    }
}

async fn unsubscribe(
    State(endpoint): State<Arc<Endpoint>>,
    Path(path): Path<String>,
    request: Request,
) -> Response {
    let token = token_of(&path).to_owned();
    let source = match form_source(request).await {
        Ok(Some(source)) => source,
        Ok(None) => {
            return page(
                StatusCode::BAD_REQUEST,
                &message_page(
                    "リクエストを処理できませんでした",
                    "This request could not be processed",
                    "配信停止は、メールの配信停止リンクから開いたページのボタンで行ってください。",
                    "To unsubscribe, use the button on the page the link in the e-mail opens.",
                ),
            );
        }
        Err(response) => return response,
    };
    let result = blocking(&endpoint, move |e| {
        let Some(recipient) = e.recipient(&token)? else {
            return Ok(None);
        };
        // Read first: a failure to name the sender must not turn an opt-out
        // that was recorded into an error page.
        let sender = e.sender(&recipient).unwrap_or(None);
        e.unsubscribe(&recipient, source)?;
        Ok(Some((recipient, sender)))
    })
    .await;
    match result {
        Err(response) => response,
        Ok(None) => not_found().await,
        Ok(Some((recipient, sender))) => {
            page(StatusCode::OK, &done_page(&recipient, sender.as_deref()))
        }
    }
}

/// Reads the POST body: `one-click` for RFC 8058's `List-Unsubscribe=One-Click`,
/// `web` for the confirmation page's `confirm=web`, `None` for anything else.
async fn form_source(request: Request) -> Result<Option<&'static str>, Response> {
    let is_multipart = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.trim_start()
                .to_ascii_lowercase()
                .starts_with("multipart/form-data")
        });
    let mut fields: Vec<(String, String)> = Vec::new();
    if is_multipart {
        let mut multipart = Multipart::from_request(request, &())
            .await
            .map_err(IntoResponse::into_response)?;
        loop {
            match multipart.next_field().await {
                Ok(Some(field)) => {
                    let name = field.name().unwrap_or_default().to_owned();
                    let value = field.text().await.map_err(IntoResponse::into_response)?;
                    fields.push((name, value));
                }
                Ok(None) => break,
                Err(error) => return Err(error.into_response()),
            }
        }
    } else {
        let body = Bytes::from_request(request, &())
            .await
            .map_err(IntoResponse::into_response)?;
        fields.extend(url::form_urlencoded::parse(&body).into_owned());
    }
    let has = |name: &str, value: &str| {
        fields
            .iter()
            .any(|(n, v)| n == name && v.trim().eq_ignore_ascii_case(value))
    };
    Ok(if has("List-Unsubscribe", "One-Click") {
        Some("one-click")
    } else if has("confirm", "web") {
        Some("web")
    } else {
        None
    })
}

/// For the proxy's and the monitoring's health checks: the store answers.
async fn health(State(endpoint): State<Arc<Endpoint>>) -> Response {
    match blocking(&endpoint, |e| {
        e.store
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .schema_version()
    })
    .await
    {
        Ok(_) => (StatusCode::OK, "ok\n").into_response(),
        Err(response) => response,
    }
}

async fn not_found() -> Response {
    page(
        StatusCode::NOT_FOUND,
        &message_page(
            "このリンクは無効です",
            "This link is not valid",
            "リンクが途中で切れていないか確認してください。メールに記載の連絡先からも配信停止を承ります。",
            "Please check that the link was not cut off. You can also ask the contact named in the e-mail to stop sending.",
        ),
    )
}

fn unavailable() -> Response {
    let mut response = page(
        StatusCode::SERVICE_UNAVAILABLE,
        &message_page(
            "ただいま処理できません",
            "Temporarily unavailable",
            "しばらくしてからもう一度お試しください。",
            "Please try again in a few minutes.",
        ),
    );
    response
        .headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from_static("60"));
    response
}

#[cfg(test)]
mod tests;
