//! The deployment kit in `deploy/`: its systemd units parse, and the proxy
//! forwards exactly the paths `serve` answers, to where the unit listens.

use std::path::Path;

const DEPLOY: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/deploy");

#[test]
fn the_systemd_units_parse() {
    if !Path::new("/usr/bin/systemd-analyze").exists() {
        eprintln!("systemd-analyze is not installed: skipped");
        return;
    }
    // The units name /usr/local/bin/hikyaku; verify them against this build.
    let dir = tempfile::tempdir().unwrap();
    let mut names = Vec::new();
    for entry in std::fs::read_dir(DEPLOY).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_str().unwrap().to_owned();
        if !(name.ends_with(".service") || name.ends_with(".timer")) {
            continue;
        }
        let name = name.replace("@.", "@test.");
        let text = std::fs::read_to_string(&path)
            .unwrap()
            .replace("/usr/local/bin/hikyaku", env!("CARGO_BIN_EXE_hikyaku"));
        std::fs::write(dir.path().join(&name), text).unwrap();
        names.push(name);
    }
    assert!(names.len() >= 6, "{names:?}");
    let output = std::process::Command::new("systemd-analyze")
        .arg("verify")
        .arg("--man=no")
        .args(names.iter().map(|n| dir.path().join(n)))
        .output()
        .unwrap();
    // Warnings about the host's own units are not ours to judge.
    let stderr = String::from_utf8_lossy(&output.stderr);
    let ours: Vec<&str> = stderr
        .lines()
        .filter(|line| line.contains("hikyaku") || line.contains(&*dir.path().to_string_lossy()))
        .collect();
    assert!(output.status.success() && ours.is_empty(), "{stderr}");
}

#[test]
fn the_proxy_forwards_exactly_what_serve_answers_to_where_it_listens() {
    let caddyfile = std::fs::read_to_string(format!("{DEPLOY}/Caddyfile")).unwrap();
    let mut forwarded = Vec::new();
    let mut current = None;
    for line in caddyfile.lines().map(str::trim) {
        if let Some(path) = line
            .strip_prefix("handle ")
            .and_then(|l| l.strip_suffix(" {"))
        {
            current = Some(path.to_owned());
        } else if let Some(upstream) = line.strip_prefix("reverse_proxy ") {
            forwarded.push((
                current.clone().expect("reverse_proxy inside handle"),
                upstream.to_owned(),
            ));
        }
    }
    let example = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/campaign.example.toml"
    ))
    .unwrap();
    let url = example
        .lines()
        .find_map(|l| l.trim().strip_prefix("url = \""))
        .and_then(|rest| rest.split('"').next())
        .unwrap();
    let unsubscribe_path = url
        .trim_start_matches("https://")
        .split_once('/')
        .unwrap()
        .1;
    let unit = std::fs::read_to_string(format!("{DEPLOY}/hikyaku-serve.service")).unwrap();
    let listen = unit
        .split("--listen ")
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .unwrap();
    assert_eq!(
        forwarded,
        [
            (format!("/{unsubscribe_path}/*"), listen.to_owned()),
            ("/healthz".to_owned(), listen.to_owned()),
        ]
    );

    // And serve answers both: the health check, and a token-shaped last
    // segment under that prefix (unknown here, so the refusal every wrong
    // token gets, from serve itself).
    let scratch = crate::support::Scratch::new();
    let serving = scratch
        .command(&["serve", "--listen", "127.0.0.1:0"])
        .serve();
    let base = &serving.base;
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into();
    let status = |path: &str| {
        agent
            .get(&format!("{base}{path}"))
            .call()
            .unwrap()
            .status()
            .as_u16()
    };
    assert_eq!(status("/healthz"), 200);
    assert_eq!(
        status(&format!("/{unsubscribe_path}/{}", "A".repeat(32))),
        404
    );
}
