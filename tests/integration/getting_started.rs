//! A newcomer's first minute: init, consent import, preview; and the
//! completions and manual page generated from the command line definitions.

use crate::support::Scratch;

#[test]
fn init_writes_a_campaign_that_previews_and_never_overwrites() {
    let scratch = Scratch::new();
    std::fs::remove_file(scratch.path("body.txt")).unwrap();
    scratch
        .run(&["init", "demo"])
        .expect_code(0)
        .stderr_has(&["hikyaku preview campaign.toml"]);
    scratch
        .run_in(
            "demo",
            &["--store", "example.db", "consent", "import", "consent.csv"],
        )
        .expect_code(0);
    let preview = scratch.run_in(
        "demo",
        &[
            "preview",
            "campaign.toml",
            "--format",
            "json",
            "--out",
            "preview",
        ],
    );
    preview.expect_code(0);
    let report: serde_json::Value = serde_json::from_str(&preview.stdout).unwrap();
    assert_eq!(report["eligible"], 3, "{report}");
    assert_eq!(report["messages_written"], 3);
    scratch
        .run_in("demo", &["check", "campaign.toml"])
        .expect_code(0);
    scratch
        .run(&["init", "demo"])
        .expect_code(2)
        .stderr_has(&["never overwrites", "campaign.toml"]);
}

#[test]
fn completions_and_the_manual_come_from_the_command_line() {
    let scratch = Scratch::new();
    let bash = scratch.run(&["completions", "bash"]);
    bash.expect_code(0);
    assert!(
        bash.stdout.contains("hikyaku") && bash.stdout.contains("approve"),
        "bash completion names the commands"
    );
    let man = scratch.run(&["man"]);
    man.expect_code(0);
    assert!(
        man.stdout.starts_with(".ie") || man.stdout.contains(".TH hikyaku"),
        "{}",
        &man.stdout[..200.min(man.stdout.len())]
    );
    // Every subcommand's help teaches with an example.
    for command in [
        "init",
        "check",
        "preview",
        "approve",
        "send",
        "status",
        "report",
        "suppress add",
        "consent import",
    ] {
        let mut args: Vec<&str> = command.split(' ').collect();
        args.push("--help");
        let help = scratch.run(&args);
        help.expect_code(0);
        assert!(
            help.stdout.contains("Example"),
            "{command} --help has no example"
        );
    }
}
