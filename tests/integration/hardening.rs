//! What a serious deployment needs from the files hikyaku leaves behind:
//! the store, its -wal and -shm, the delivery log, .eml outputs and
//! skipped-row reports readable by their owner only, whatever the umask.

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::time::Duration;

use crate::smtp_server::{Behaviour, SmtpServer};
use crate::support::{Campaign, finish, recipients};

fn mode(path: &Path) -> u32 {
    std::fs::metadata(path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .permissions()
        .mode()
        & 0o777
}

#[test]
fn the_store_and_every_output_are_readable_by_their_owner_only() {
    let server = SmtpServer::start();
    let scratch = Campaign::delivery(&server)
        .rows(recipients(3, "example.jp"))
        .build();
    let preview = scratch
        .command(&[
            "preview",
            "campaign.toml",
            "--out",
            "out/samples",
            "--all",
            "--skipped",
            "skipped.csv",
        ])
        .umask(0o022)
        .run();
    preview.expect_code(0);
    assert_eq!(mode(&scratch.path("out")), 0o700);
    assert_eq!(mode(&scratch.path("out/samples")), 0o700);
    let samples: Vec<_> = std::fs::read_dir(scratch.path("out/samples"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert!(!samples.is_empty());
    for sample in samples {
        assert_eq!(mode(&sample), 0o600, "{}", sample.display());
    }
    assert_eq!(mode(&scratch.path("skipped.csv")), 0o600);
    // A umask that would leave everything world-readable; the send is held
    // mid-transaction, while the -wal and -shm files exist.
    server.rule("user001@example.jp", Behaviour::Hold);
    let send = scratch
        .command(&["send", "campaign.toml"])
        .umask(0o022)
        .spawn();
    assert!(server.wait_until_holding(Duration::from_secs(30)));
    for file in [
        "store.db",
        "store.db-wal",
        "store.db-shm",
        "store.test-campaign.jsonl",
    ] {
        assert_eq!(mode(&scratch.path(file)), 0o600, "{file}");
    }
    server.release();
    finish(send).expect_code(0);
}

#[test]
fn a_store_others_can_read_is_reported_on_every_command_until_secured() {
    let scratch = Campaign::new().rows(recipients(1, "example.jp")).build();
    scratch.run(&["suppress", "list"]).expect_code(0);
    for file in ["store.db", "store.db-wal", "store.db-shm"] {
        let path = scratch.path(file);
        if path.exists() {
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        }
    }
    scratch
        .run(&["suppress", "list"])
        .expect_code(0)
        .stderr_has(&["readable by other users", "store secure"]);
    scratch.run(&["store", "secure"]).expect_code(0);
    assert_eq!(mode(&scratch.path("store.db")), 0o600);
    let quiet = scratch.run(&["suppress", "list"]);
    quiet.expect_code(0);
    assert!(
        !quiet.stderr.contains("readable by other users"),
        "{}",
        quiet.stderr
    );
}

#[test]
fn a_symbolic_link_planted_at_the_lock_path_is_not_followed() {
    let server = SmtpServer::start();
    let scratch = Campaign::delivery(&server)
        .rows(recipients(1, "example.jp"))
        .build();
    scratch.write("precious.txt", "keep me");
    std::os::unix::fs::symlink(
        scratch.path("precious.txt"),
        scratch.path("store.db.test-campaign.send.lock"),
    )
    .unwrap();
    scratch
        .run(&["send", "campaign.toml"])
        .expect_code(78)
        .stderr_has(&["symbolic link"]);
    assert_eq!(scratch.read("precious.txt"), "keep me");
    assert!(server.received().is_empty());
}

#[test]
fn a_backup_taken_during_a_send_is_a_consistent_private_copy_with_the_secret() {
    let server = SmtpServer::start();
    let scratch = Campaign::delivery(&server)
        .rows(recipients(3, "example.jp"))
        .build();
    server.rule("user001@example.jp", Behaviour::Hold);
    let send = scratch.command(&["send", "campaign.toml"]).spawn();
    assert!(server.wait_until_holding(Duration::from_secs(30)));
    scratch
        .command(&["store", "backup", "copy.db"])
        .umask(0o022)
        .run()
        .expect_code(0);
    server.release();
    finish(send).expect_code(0);
    assert_eq!(mode(&scratch.path("copy.db")), 0o600);
    // The copy holds the same secret: a token of the original verifies.
    let original = scratch.store().keys().unwrap();
    let copy = hikyaku::store::Store::open(&scratch.path("copy.db"))
        .unwrap()
        .keys()
        .unwrap();
    let recipient = hikyaku::token::Recipient {
        campaign: "test-campaign".into(),
        list: "newsletter".into(),
        email: "user000@example.jp".into(),
    };
    let (_, token) = original.token(&recipient);
    assert!(copy.verify(&token, &recipient));
    // A second backup to the same file is refused, never overwrites.
    scratch.run(&["store", "backup", "copy.db"]).expect_code(78);
}
