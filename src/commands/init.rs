//! `init`: a runnable example campaign, the one this repository's README
//! runs, written into a folder of the user's.

use std::path::Path;

use super::Context;
use crate::error::Error;

/// The files `init` writes: path in the new folder, and contents.
const FILES: &[(&str, &str)] = &[
    (
        "templates/newsletter.txt",
        include_str!("../../examples/templates/newsletter.txt"),
    ),
    (
        "templates/newsletter.html",
        include_str!("../../examples/templates/newsletter.html"),
    ),
    (
        "templates/newsletter.en.txt",
        include_str!("../../examples/templates/newsletter.en.txt"),
    ),
    (
        "recipients.csv",
        include_str!("../../examples/recipients.csv"),
    ),
    ("consent.csv", include_str!("../../examples/consent.csv")),
    (
        "keys/dkim-example.pem",
        include_str!("../../examples/keys/dkim-example.pem"),
    ),
];

/// The example campaign, with its paths made relative to the new folder.
fn campaign_file() -> String {
    include_str!("../../campaign.example.toml").replace("\"examples/", "\"")
}

/// `hikyaku init [DIR]`.
pub(super) fn init(context: &Context, dir: &Path) -> Result<(), Error> {
    let campaign = campaign_file();
    let mut files: Vec<(&str, &str)> = vec![("campaign.toml", campaign.as_str())];
    files.extend_from_slice(FILES);
    let existing: Vec<String> = files
        .iter()
        .map(|(name, _)| dir.join(name))
        .filter(|path| path.exists())
        .map(|path| path.display().to_string())
        .collect();
    if !existing.is_empty() {
        return Err(Error::Usage(format!(
            "init never overwrites: these files exist already: {}\n  hint: choose an empty folder, as in `hikyaku init my-campaign`",
            existing.join(", ")
        )));
    }
    for (name, contents) in &files {
        let path = dir.join(name);
        let write = || -> std::io::Result<()> {
            if let Some(parent) = path.parent() {
                std::fs::create_dir_all(parent)?;
            }
            std::fs::write(&path, contents)
        };
        write().map_err(|source| Error::Write {
            path: path.clone(),
            source,
        })?;
        context.ui.detail(format_args!("wrote {}", path.display()));
    }
    let shown = dir.display();
    context.ui.info(format!(
        "wrote an example campaign into {shown}. Next:\n  \
         cd {shown}\n  \
         hikyaku --store example.db consent import consent.csv   # the example's consent evidence\n  \
         hikyaku preview campaign.toml --out preview/            # who receives it, and the messages\n  \
         hikyaku send campaign.toml --dry-run --out outbox/      # everything but SMTP\n\
         Then fill in [smtp] in campaign.toml, approve, and send. The DKIM key in keys/ is public: make your own."
    ));
    Ok(())
}
