//! The schema, as the migrations that build it: the store creates and
//! migrates itself, and keeps its version in SQLite's `user_version`.

/// Each entry moves the schema from version `index` to `index + 1`. Never edit
/// an entry that has shipped: add a new one.
pub(super) const MIGRATIONS: &[&str] = &[
    // 1: the first schema.
    r#"
    CREATE TABLE suppression (
        email      TEXT NOT NULL,               -- address key (lower case, punycode)
        list       TEXT NOT NULL DEFAULT '',    -- '*' suppresses for every list (schema 7)
        reason     TEXT NOT NULL,
        source     TEXT NOT NULL,
        created_at INTEGER NOT NULL,            -- unix seconds
        PRIMARY KEY (email, list)
    ) WITHOUT ROWID;

    CREATE TABLE consent (
        id               INTEGER PRIMARY KEY,
        email            TEXT NOT NULL,
        list             TEXT NOT NULL,         -- '*' covers every list
        basis            TEXT NOT NULL CHECK (basis IN ('opt-in', 'business-card', 'transaction', 'published')),
        obtained_at      TEXT NOT NULL,         -- RFC 3339 as given, offset kept
        obtained_at_unix INTEGER NOT NULL,
        method           TEXT NOT NULL,
        evidence         TEXT NOT NULL DEFAULT '',
        recorded_at      INTEGER NOT NULL,
        UNIQUE (email, list, obtained_at_unix)
    );
    CREATE INDEX consent_by_list ON consent (list, email);

    -- Revocations are events, not a column: an opt-out covers every consent for its
    -- scope obtained before it, including consents imported after it (an old record
    -- must never revive an address), while a fresh opt-in after it counts again.
    CREATE TABLE consent_revocation (
        email      TEXT NOT NULL,
        list       TEXT NOT NULL,               -- '*' revokes every list
        revoked_at INTEGER NOT NULL,
        reason     TEXT NOT NULL DEFAULT '',
        PRIMARY KEY (email, list, revoked_at)
    ) WITHOUT ROWID;

    CREATE TABLE journal (
        campaign    TEXT NOT NULL,
        email       TEXT NOT NULL,
        state       TEXT NOT NULL CHECK (state IN ('pending', 'sending', 'sent', 'deferred', 'failed', 'unknown')),
        reason      TEXT,
        smtp_reply  TEXT,
        message_id  TEXT,
        attempts    INTEGER NOT NULL DEFAULT 0,
        updated_at  INTEGER NOT NULL,
        PRIMARY KEY (campaign, email)
    ) WITHOUT ROWID;

    CREATE TABLE approval (
        id          INTEGER PRIMARY KEY,
        campaign    TEXT NOT NULL,
        digest      TEXT NOT NULL,
        approver    TEXT NOT NULL,
        os_user     TEXT,
        host        TEXT,
        approved_at INTEGER NOT NULL,
        note        TEXT
    );
    CREATE INDEX approval_by_campaign ON approval (campaign, digest);
    "#,
    // 2: the secret behind unsubscribe tokens and Message-IDs, and the token ids
    // the unsubscribe endpoint resolves.
    r#"
    CREATE TABLE secret (
        name  TEXT PRIMARY KEY,
        value BLOB NOT NULL
    ) WITHOUT ROWID;

    CREATE TABLE unsubscribe_token (
        id       INTEGER PRIMARY KEY,           -- token::Keys::token_id
        campaign TEXT NOT NULL,
        list     TEXT NOT NULL,
        email    TEXT NOT NULL
    );
    "#,
    // 3: what was previewed (nobody can approve what nobody looked at), and
    // the per-file hashes an approval covered (to name what changed since).
    r#"
    CREATE TABLE preview_record (
        campaign     TEXT NOT NULL,
        digest       TEXT NOT NULL,
        previewed_at INTEGER NOT NULL,
        PRIMARY KEY (campaign, digest)
    ) WITHOUT ROWID;
    ALTER TABLE approval ADD COLUMN files TEXT NOT NULL DEFAULT '[]';
    "#,
    // 4: the feedback loop. Every opt-out, bounce and complaint as an event
    // (the evidence of when and how someone refused, and the complaint rate);
    // the kind of each campaign that sent (retention counts advertisements
    // only); addresses under a legal hold; consent expiry.
    r#"
    CREATE TABLE feedback_event (
        id          INTEGER PRIMARY KEY,
        fingerprint TEXT UNIQUE,                -- what makes a re-ingest a no-op; NULL for clicks
        kind        TEXT NOT NULL CHECK (kind IN ('unsubscribe', 'hard_bounce', 'soft_bounce', 'complaint')),
        source      TEXT NOT NULL,              -- one-click, web, mailto, dsn, arf, bounce-text
        campaign    TEXT,                       -- NULL when the message could not be traced
        list        TEXT,
        email       TEXT NOT NULL,
        detail      TEXT NOT NULL DEFAULT '',   -- status code, diagnostic, feedback type
        at          INTEGER NOT NULL
    );
    CREATE INDEX feedback_by_email ON feedback_event (email, kind);
    CREATE INDEX feedback_by_campaign ON feedback_event (campaign, kind);
    CREATE INDEX feedback_by_time ON feedback_event (kind, at);

    CREATE TABLE campaign (
        id            TEXT PRIMARY KEY,
        kind          TEXT NOT NULL CHECK (kind IN ('advertisement', 'notice')),
        list          TEXT NOT NULL,
        first_sent_at INTEGER NOT NULL
    ) WITHOUT ROWID;

    CREATE TABLE legal_hold (
        email TEXT PRIMARY KEY,
        since INTEGER NOT NULL,
        note  TEXT NOT NULL DEFAULT ''
    ) WITHOUT ROWID;

    ALTER TABLE consent ADD COLUMN expires_at_unix INTEGER;
    -- Bounces are traced by Message-ID, histories and retention by address,
    -- through the token table: it is written in batches as messages are
    -- composed, while the journal is written per transaction on the send's
    -- critical path, where two more indexes cost 15 % of the throughput.
    ALTER TABLE unsubscribe_token ADD COLUMN message_id TEXT;
    CREATE INDEX token_by_message_id ON unsubscribe_token (message_id);
    CREATE INDEX token_by_email ON unsubscribe_token (email);
    "#,
    // 5: feedback you can trust. Reports that trace to no message of ours are
    // kept for review (`verified = 0`) but count nowhere; a receiver that
    // refused *us* (`block`) is counted per recipient domain, never suppresses;
    // every event keeps its reason word and how it was traced. SQLite cannot
    // widen a CHECK constraint in place, so the table is rebuilt.
    r#"
    CREATE TABLE feedback_event_v5 (
        id          INTEGER PRIMARY KEY,
        fingerprint TEXT UNIQUE,                -- what makes a re-ingest a no-op; NULL for clicks
        kind        TEXT NOT NULL CHECK (kind IN ('unsubscribe', 'hard_bounce', 'soft_bounce', 'complaint', 'block')),
        reason      TEXT NOT NULL DEFAULT '',   -- Sisimai's reason word: userunknown, blocked, …
        source      TEXT NOT NULL,              -- one-click, web, mailto, dsn, arf, bounce-text, smtp
        trace       TEXT NOT NULL DEFAULT 'none', -- token, message_id, verp, link, smtp, operator, legacy, none
        verified    INTEGER NOT NULL DEFAULT 1, -- 0: traced to nothing of ours, kept for review only
        campaign    TEXT,                       -- NULL when the message could not be traced
        list        TEXT,
        email       TEXT NOT NULL,              -- '' when an untraced report names nobody
        domain      TEXT NOT NULL DEFAULT '',   -- the recipient's domain, for blocks per domain
        detail      TEXT NOT NULL DEFAULT '',   -- status code, diagnostic, feedback type
        at          INTEGER NOT NULL
    );
    -- Events from before: clicks traced by their link; the rest was traced
    -- by rules this version no longer trusts (an address alone), so it is
    -- marked 'legacy', and what traced to no campaign at all (a complaint
    -- or mailed request anyone could have forged) stops counting.
    INSERT INTO feedback_event_v5 (id, fingerprint, kind, source, trace, verified, campaign, list, email, domain, detail, at)
        SELECT id, fingerprint, kind, source,
               CASE WHEN source IN ('one-click', 'web') THEN 'link' ELSE 'legacy' END,
               CASE WHEN campaign IS NULL AND source NOT IN ('one-click', 'web') THEN 0 ELSE 1 END,
               campaign, list, email,
               CASE WHEN instr(email, '@') > 0 THEN substr(email, instr(email, '@') + 1) ELSE '' END,
               detail, at
          FROM feedback_event;
    DROP TABLE feedback_event;
    ALTER TABLE feedback_event_v5 RENAME TO feedback_event;
    CREATE INDEX feedback_by_email ON feedback_event (email, kind);
    CREATE INDEX feedback_by_campaign ON feedback_event (campaign, kind);
    CREATE INDEX feedback_by_time ON feedback_event (kind, at);
    "#,
    // 6: who sent a campaign, so the unsubscribe page can say what the
    // recipient leaves.
    r#"
    ALTER TABLE campaign ADD COLUMN sender TEXT NOT NULL DEFAULT '';
    "#,
    // 7: every list is written '*' in every table, as consents always had it
    // (see `crate::list`); suppressions had ''.
    r#"
    UPDATE suppression SET list = '*' WHERE list = '';
    "#,
    // 8: the relay of every attempt, and when relays of a pool were set aside.
    r#"
    ALTER TABLE journal ADD COLUMN relay TEXT NOT NULL DEFAULT '';
    -- The part of a sharded list this store sends ('' = the whole list);
    -- NULL until the campaign's first send records it.
    ALTER TABLE campaign ADD COLUMN shard TEXT;
    CREATE TABLE relay_set_aside (
        campaign TEXT NOT NULL,
        relay    TEXT NOT NULL,
        at       INTEGER NOT NULL,          -- unix seconds
        seconds  INTEGER NOT NULL,          -- the back-off
        reason   TEXT NOT NULL DEFAULT ''
    );
    CREATE INDEX relay_set_aside_by_campaign ON relay_set_aside (campaign, at);
    "#,
];
