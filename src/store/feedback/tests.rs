use super::*;

fn event(kind: FeedbackKind, email: &str, at: i64) -> FeedbackEvent {
    FeedbackEvent {
        kind,
        source: "dsn".into(),
        reason: String::new(),
        trace: "message_id".into(),
        verified: true,
        campaign: Some("c1".into()),
        list: Some("news".into()),
        email: email.into(),
        detail: String::new(),
        at,
    }
}

#[test]
fn an_unsubscribe_suppresses_the_list_and_revokes_consent() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(&dir.path().join("f.db")).unwrap();
    let consent = crate::store::consent::Consent {
        email: "taro@example.jp".into(),
        list: "*".into(),
        basis: crate::store::consent::Basis::OptIn,
        obtained_at: "2026-01-01T00:00:00Z".into(),
        obtained_at_unix: 1_767_225_600,
        method: "form".into(),
        evidence: String::new(),
        expires_at_unix: None,
    };
    store.add_consent(&consent, 1_767_225_600).unwrap();
    let mut click = event(FeedbackKind::Unsubscribe, "taro@example.jp", 1_780_000_000);
    click.source = "one-click".into();
    assert_eq!(
        store.apply_feedback(&click, None, 3).unwrap(),
        Applied::Suppressed
    );
    assert_eq!(
        store.apply_feedback(&click, None, 3).unwrap(),
        Applied::AlreadySuppressed
    );
    assert!(store.is_suppressed("taro@example.jp", "news").unwrap());
    assert!(!store.is_suppressed("taro@example.jp", "other").unwrap());
    assert!(!store.is_consented("taro@example.jp", "news").unwrap());
    assert!(store.is_consented("taro@example.jp", "other").unwrap());
    assert_eq!(store.feedback_for("taro@example.jp").unwrap().len(), 1);
    // Once lifted (the person subscribed again), a new opt-out counts anew.
    store.unsuppress("taro@example.jp", "news").unwrap();
    click.at += 10;
    assert_eq!(
        store.apply_feedback(&click, None, 3).unwrap(),
        Applied::Suppressed
    );
    assert_eq!(store.feedback_for("taro@example.jp").unwrap().len(), 2);
}

#[test]
fn an_untraced_complaint_from_before_the_upgrade_stops_counting() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("old.db");
    // A store at schema 4 holding what the old ingest recorded: a
    // complaint that traced to no campaign, and a traced one.
    let conn = rusqlite::Connection::open(&path).unwrap();
    for sql in &super::super::schema::MIGRATIONS[..4] {
        conn.execute_batch(sql).unwrap();
    }
    conn.pragma_update(None, "user_version", 4).unwrap();
    conn.execute_batch(
        "INSERT INTO feedback_event (fingerprint, kind, source, campaign, list, email, detail, at)
         VALUES ('f1', 'complaint', 'arf', NULL, NULL, 'forged@example.jp', 'abuse', 100),
                ('f2', 'complaint', 'arf', 'c1', 'news', 'real@example.jp', 'abuse', 100),
                ('f3', 'unsubscribe', 'one-click', 'c1', 'news', 'click@example.jp', '', 100);",
    )
    .unwrap();
    drop(conn);
    let store = Store::open(&path).unwrap();
    assert_eq!(store.complaint_window(0).unwrap().complaints, 1);
    let forged = store.feedback_for("forged@example.jp").unwrap();
    assert!(!forged[0].verified);
    assert_eq!(forged[0].trace, "legacy");
    assert_eq!(
        store.feedback_for("click@example.jp").unwrap()[0].trace,
        "link"
    );
}

#[test]
fn soft_bounces_suppress_at_the_limit_and_fingerprints_deduplicate() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(&dir.path().join("f.db")).unwrap();
    let soft = |at| event(FeedbackKind::SoftBounce, "full@example.jp", at);
    assert_eq!(
        store.apply_feedback(&soft(100), Some("a"), 2).unwrap(),
        Applied::Counted { soft_bounces: 1 }
    );
    assert_eq!(
        store.apply_feedback(&soft(100), Some("a"), 2).unwrap(),
        Applied::Duplicate
    );
    // One far outside the period does not count toward the limit.
    let old = soft(100 - SOFT_BOUNCE_PERIOD - 10);
    store.apply_feedback(&old, Some("old"), 2).unwrap();
    assert!(!store.is_suppressed("full@example.jp", "news").unwrap());
    assert_eq!(
        store.apply_feedback(&soft(200), Some("b"), 2).unwrap(),
        Applied::Suppressed
    );
    assert!(store.is_suppressed("full@example.jp", "anything").unwrap());
}
