//! The unsubscribe flow in a real browser: headless Chromium, driven over the
//! DevTools protocol (headless_chrome), opens the `List-Unsubscribe` URL of a
//! message the test SMTP server received, as a phone with JavaScript off,
//! presses the button and lands on the done page; the store has the opt-out.
//!
//! As in production, `serve` sits behind a TLS-terminating proxy: the URL is
//! the campaign's `https://example.co.jp/unsubscribe/…`, which Chromium is
//! told to resolve to a small TLS front on 127.0.0.1 that forwards to `serve`.
//! Screenshots of both pages are kept in `target/tmp/browser/`.
//!
//! Needs Debian's `chromium` (`.ci/run` installs it). Without it the test is
//! skipped, except in CI, where a missing browser fails it.

use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use headless_chrome::protocol::cdp::{Emulation, Page};
use headless_chrome::{Browser, LaunchOptions, Tab};

use crate::certificates::Certificates;
use crate::smtp_server::SmtpServer;
use crate::support::{Campaign, Scratch, every_skip_reason};

/// The phone the pages are checked on: an iPhone 12–15 sized viewport.
const PHONE_WIDTH: u32 = 390;
const PHONE_HEIGHT: u32 = 844;

/// Where Debian installs Chromium.
const CHROMIUM: &str = "/usr/bin/chromium";

/// Whether Chromium is installed; in CI its absence is a failure.
fn chromium() -> Option<PathBuf> {
    let path = PathBuf::from(CHROMIUM);
    if path.exists() {
        return Some(path);
    }
    if std::env::var_os("CI").is_some() {
        panic!("{CHROMIUM} is not installed: .ci/run installs Debian's chromium");
    }
    eprintln!("{CHROMIUM} is not installed: browser test skipped");
    None
}

/// A TLS front on 127.0.0.1 that forwards every connection to a backend
/// port, as Caddy does for `serve` in production.
struct TlsFront {
    port: u16,
    // Dropping the runtime stops the proxy.
    _runtime: tokio::runtime::Runtime,
}

impl TlsFront {
    fn start(config: Arc<rustls::ServerConfig>, backend: u16) -> TlsFront {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .expect("proxy runtime");
        let listener = runtime
            .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
            .expect("bind the TLS front");
        let port = listener.local_addr().expect("its address").port();
        let acceptor = tokio_rustls::TlsAcceptor::from(config);
        runtime.spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                let acceptor = acceptor.clone();
                tokio::spawn(async move {
                    let Ok(mut client) = acceptor.accept(client).await else {
                        return;
                    };
                    let Ok(mut server) =
                        tokio::net::TcpStream::connect(("127.0.0.1", backend)).await
                    else {
                        return;
                    };
                    let _ = tokio::io::copy_bidirectional(&mut client, &mut server).await;
                });
            }
        });
        TlsFront {
            port,
            _runtime: runtime,
        }
    }
}

/// Headless Chromium that resolves `host` to the TLS front.
fn launch(chromium: PathBuf, host: &str, front: &TlsFront, profile: &Path) -> Browser {
    let rules = format!("--host-resolver-rules=MAP {host} 127.0.0.1:{}", front.port);
    launch_with(chromium, profile, Some(&rules))
}

/// Headless Chromium with its own profile folder, and an extra argument.
fn launch_with(chromium: PathBuf, profile: &Path, extra: Option<&str>) -> Browser {
    let args: Vec<&OsStr> = extra
        .into_iter()
        .chain([
            "--disable-gpu",
            "--disable-quic",
            "--disable-component-update",
            "--lang=ja",
        ])
        .map(OsStr::new)
        .collect();
    let options = LaunchOptions {
        headless: true,
        // Running as root (CI), Chromium refuses to start sandboxed.
        sandbox: false,
        path: Some(chromium),
        user_data_dir: Some(profile.to_owned()),
        // The front's certificate comes from a throwaway authority.
        ignore_certificate_errors: true,
        // Generous for a loaded machine: Chromium may start slowly.
        idle_browser_timeout: Duration::from_secs(180),
        args,
        ..LaunchOptions::default()
    };
    Browser::new(options).expect("start headless Chromium")
}

/// A tab that looks like a phone and runs no JavaScript.
fn phone_tab(browser: &Browser) -> Arc<Tab> {
    let tab = browser.new_tab().expect("a tab");
    tab.set_default_timeout(Duration::from_secs(60));
    let metrics: Emulation::SetDeviceMetricsOverride = serde_json::from_value(serde_json::json!({
        "width": PHONE_WIDTH,
        "height": PHONE_HEIGHT,
        "deviceScaleFactor": 2,
        "mobile": true,
    }))
    .expect("device metrics");
    tab.call_method(metrics).expect("emulate a phone");
    tab.call_method(Emulation::SetScriptExecutionDisabled { value: true })
        .expect("turn JavaScript off");
    tab
}

/// Saves a PNG of what the tab shows, and returns its width in pixels.
fn screenshot(tab: &Tab, name: &str) -> u32 {
    let png = tab
        .capture_screenshot(Page::CaptureScreenshotFormatOption::Png, None, None, true)
        .expect("screenshot");
    save_png(name, &png).0
}

/// Saves a PNG of the whole page, `width` wide: (width, height, bytes). The
/// viewport is made as tall as the page first (captureBeyondViewport leaves
/// iframes below the fold unpainted).
fn full_page_screenshot(tab: &Tab, name: &str, width: u32) -> (u32, u32, usize) {
    let height = tab
        .wait_for_element("html")
        .and_then(|html| html.get_box_model())
        .expect("the page's box")
        .height
        .ceil() as u32;
    let metrics: Emulation::SetDeviceMetricsOverride = serde_json::from_value(serde_json::json!({
        "width": width, "height": height, "deviceScaleFactor": 1, "mobile": false,
    }))
    .expect("device metrics");
    tab.call_method(metrics)
        .expect("a window as tall as the page");
    let png = tab
        .capture_screenshot(Page::CaptureScreenshotFormatOption::Png, None, None, true)
        .expect("full-page screenshot");
    let (width, height) = save_png(name, &png);
    (width, height, png.len())
}

/// Writes a PNG into `target/tmp/browser/`; its (width, height).
fn save_png(name: &str, png: &[u8]) -> (u32, u32) {
    let folder = Path::new(env!("CARGO_TARGET_TMPDIR")).join("browser");
    std::fs::create_dir_all(&folder).expect("artifact folder");
    std::fs::write(folder.join(name), png).expect("save screenshot");
    assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n", "a PNG");
    // The IHDR chunk follows the signature: length, type, width, height.
    let number = |at: usize| u32::from_be_bytes(png[at..at + 4].try_into().expect("four bytes"));
    (number(16), number(20))
}

/// The visible text of the page's body.
fn text_of(tab: &Tab) -> String {
    tab.wait_for_element("body")
        .and_then(|body| body.get_inner_text())
        .expect("the page's text")
}

/// The width the page's content was laid out at, in CSS pixels.
fn layout_width(tab: &Tab) -> f64 {
    tab.wait_for_element("html")
        .and_then(|html| html.get_box_model())
        .expect("the page's box")
        .width
}

/// The `https://…` URL of the message's List-Unsubscribe header.
fn unsubscribe_url(message: &[u8]) -> String {
    let parsed = mail_parser::MessageParser::new()
        .parse(message)
        .expect("a message");
    let header = parsed
        .header_raw("List-Unsubscribe")
        .expect("List-Unsubscribe");
    header
        .split(['<', '>'])
        .find(|part| part.starts_with("https://"))
        .unwrap_or_else(|| panic!("no https URL in {header:?}"))
        .to_owned()
}

fn opt_outs(scratch: &Scratch) -> Vec<(String, String, String)> {
    let mut all = Vec::new();
    scratch
        .store()
        .for_each_suppression::<hikyaku::store::StoreError>(None, |s| {
            all.push((s.email, s.list, s.source));
            Ok(())
        })
        .expect("read suppressions");
    all
}

#[test]
fn a_phone_without_javascript_unsubscribes_through_the_link_in_a_sent_message() {
    let Some(chromium) = chromium() else {
        return;
    };

    // A message sent for real, as the recipient's mailbox would have it.
    let server = SmtpServer::start();
    let scratch = Campaign::delivery(&server)
        .rows("email,name\nhanako@example.jp,山田花子\n")
        .build();
    scratch.run(&["send", "campaign.toml"]).expect_code(0);
    let received = server.received();
    assert_eq!(received.len(), 1);
    let url = unsubscribe_url(&received[0].data);
    let host = url::Url::parse(&url)
        .expect("a URL")
        .host_str()
        .expect("a host")
        .to_owned();
    assert_eq!(host, "example.co.jp", "the campaign's own URL, unchanged");

    // serve on the same store, behind TLS for the campaign's host.
    let serving = scratch
        .command(&["serve", "--listen", "127.0.0.1:0"])
        .serve();
    let certificates = Certificates::for_names(&[&host]);
    let front = TlsFront::start(certificates.server_config(), serving.port);
    let profile = tempfile::tempdir().expect("browser profile folder");
    let browser = launch(chromium, &host, &front, profile.path());
    let tab = phone_tab(&browser);

    // The link opens a confirmation page naming the sender; nothing is
    // recorded by opening it.
    tab.navigate_to(&url)
        .and_then(|tab| tab.wait_until_navigated())
        .expect("open the unsubscribe link");
    assert_eq!(tab.get_url(), url);
    let confirmation = text_of(&tab);
    for expected in ["配信停止の確認", "送信者: ASUE株式会社", "Unsubscribe"] {
        assert!(
            confirmation.contains(expected),
            "{expected:?} in {confirmation}"
        );
    }
    assert!(
        !confirmation.contains("hanako@example.jp"),
        "the page masks the address: {confirmation}"
    );
    assert_eq!(opt_outs(&scratch), []);
    // Laid out for the phone's width (the viewport meta tag), not for a
    // desktop page shrunk to fit.
    assert_eq!(layout_width(&tab), f64::from(PHONE_WIDTH));
    assert_eq!(screenshot(&tab, "confirmation.png"), 2 * PHONE_WIDTH);

    // A real click on the button, as a thumb would: mouse events at its
    // middle (headless_chrome's Element::click scrolls with JavaScript, which
    // is off here; the button is on the first screen anyway).
    let button = tab.wait_for_element("button").expect("the button");
    let button_box = button.get_box_model().expect("the button's box").border;
    assert!(
        button_box.most_right() <= f64::from(PHONE_WIDTH)
            && button_box.most_top() + button_box.height() <= f64::from(PHONE_HEIGHT),
        "the button is on the first screen: {button_box:?}"
    );
    tab.click_point(button.get_midpoint().expect("the button's middle"))
        .expect("press the button");
    let done = tab
        .wait_for_xpath("//h1[text()='配信を停止しました']")
        .expect("the done page");
    drop(done);
    let text = text_of(&tab);
    for expected in [
        "送信者: ASUE株式会社",
        "「newsletter」の配信を停止しました",
        "You are unsubscribed",
    ] {
        assert!(text.contains(expected), "{expected:?} in {text}");
    }
    screenshot(&tab, "done.png");
    assert_eq!(
        opt_outs(&scratch),
        [(
            "hanako@example.jp".to_owned(),
            "newsletter".to_owned(),
            "web".to_owned()
        )]
    );

    // Opening the link again says it is done, and records nothing new.
    tab.navigate_to(&url)
        .and_then(|tab| tab.wait_until_navigated())
        .expect("open the link again");
    tab.wait_for_xpath("//h1[text()='配信を停止しました']")
        .expect("the done page again");
    assert!(tab.find_element("button").is_err(), "no second button");
    assert_eq!(opt_outs(&scratch).len(), 1);
}

#[test]
fn the_approver_pages_render_in_chromium_with_their_charts_and_samples() {
    let Some(chromium) = chromium() else {
        return;
    };
    let server = SmtpServer::start();
    let (campaign, scratch) = every_skip_reason(&server);
    campaign
        .html(
            "<html><body style=\"font-family:sans-serif\"><h1 style=\"color:#1f3a5f\">{{ name }}様</h1>\
             <p>12月のお知らせです。年末年始の営業日をご案内します。</p></body></html>\n",
        )
        .write_to(&scratch);
    scratch
        .run(&["preview", "campaign.toml", "--report", "approval.html"])
        .expect_code(0);
    scratch.run(&["send", "campaign.toml"]).expect_code(0);
    scratch
        .run(&["status", "campaign.toml", "--report", "delivery.html"])
        .expect_code(0);

    let profile = tempfile::tempdir().expect("browser profile folder");
    let browser = launch_with(chromium, profile.path(), None);
    let tab = browser.new_tab().expect("a tab");
    tab.set_default_timeout(Duration::from_secs(60));
    tab.call_method(Emulation::SetScriptExecutionDisabled { value: true })
        .expect("turn JavaScript off");

    for (page, png, heading) in [
        ("approval.html", "approval-report.png", "配信承認レポート"),
        ("delivery.html", "delivery-report.png", "配信結果レポート"),
    ] {
        let url = format!("file://{}", scratch.path(page).display());
        tab.navigate_to(&url)
            .and_then(|tab| tab.wait_until_navigated())
            .expect("open the report");
        let text = text_of(&tab);
        assert!(text.contains(heading), "{heading} in {text}");
        // Charts are drawn: the SVG bars have a size on the page.
        let bar = tab.wait_for_element("svg rect.bar").expect("a chart bar");
        assert!(bar.get_box_model().expect("its box").width > 0.0);
        let (width, height, bytes) = full_page_screenshot(&tab, png, 1000);
        assert!((960..=1000).contains(&width), "{page}: {width}px wide");
        assert!(height > 900, "{page}: the whole page, {height}px tall");
        // A blank page of that size compresses to a few kilobytes.
        assert!(bytes > 60_000, "{page}: {bytes} bytes looks blank");
    }
    // The sample's HTML is laid out in its sandboxed frame.
    tab.navigate_to(&format!(
        "file://{}",
        scratch.path("approval.html").display()
    ))
    .and_then(|tab| tab.wait_until_navigated())
    .expect("open the approval report");
    let frames = tab.wait_for_elements("iframe.html").expect("sample frames");
    assert_eq!(frames.len(), 2);
    for frame in frames {
        assert!(frame.get_box_model().expect("frame box").height > 300.0);
    }
}
