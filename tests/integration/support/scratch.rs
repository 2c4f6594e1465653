//! A scratch folder: the files of one test, and the store its commands use.

use std::path::{Path, PathBuf};
use std::process::Command;

use super::run::{Invocation, Run};

/// A scratch folder that holds a campaign, its files and a store.
pub struct Scratch {
    dir: tempfile::TempDir,
}

impl Scratch {
    /// A folder with the template the default campaign needs, and nothing else.
    pub fn new() -> Scratch {
        let scratch = Scratch {
            dir: tempfile::tempdir().expect("temporary folder"),
        };
        scratch.write("body.txt", "{{ name }}様\n本文\n");
        scratch
    }

    /// Writes a file relative to the folder.
    pub fn write(&self, name: &str, contents: impl AsRef<[u8]>) -> &Scratch {
        std::fs::write(self.path(name), contents).expect("write test file");
        self
    }

    /// Reads a file relative to the folder.
    pub fn read(&self, name: &str) -> String {
        std::fs::read_to_string(self.path(name)).expect("read test file")
    }

    /// A path inside the folder.
    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// The folder.
    pub fn root(&self) -> &Path {
        self.dir.path()
    }

    /// Runs `hikyaku ARGS` in the folder, with the store `store.db` there.
    pub fn run(&self, args: &[&str]) -> Run {
        self.command(args).run()
    }

    /// A command to adjust before running.
    pub fn command(&self, args: &[&str]) -> Invocation {
        let mut command = Command::new(env!("CARGO_BIN_EXE_hikyaku"));
        command
            .current_dir(self.root())
            .args(args)
            .env_remove("HIKYAKU_STORE")
            .env("HIKYAKU_STORE", self.path("store.db"));
        Invocation::new(command)
    }

    /// Runs `hikyaku ARGS` in the subfolder `folder`, with no store set
    /// (as a newcomer runs it in a folder `init` wrote).
    pub fn run_in(&self, folder: &str, args: &[&str]) -> Run {
        let mut command = Command::new(env!("CARGO_BIN_EXE_hikyaku"));
        command
            .current_dir(self.path(folder))
            .args(args)
            .env_remove("HIKYAKU_STORE");
        Invocation::new(command).run()
    }

    /// `preview campaign.toml --format json`, parsed.
    pub fn preview_json(&self) -> serde_json::Value {
        let run = self.run(&["preview", "campaign.toml", "--format", "json"]);
        run.expect_code(0);
        serde_json::from_str(&run.stdout).expect("preview prints JSON")
    }

    /// Opens the store the commands use, to set up what no command writes yet.
    pub fn store(&self) -> hikyaku::store::Store {
        hikyaku::store::Store::open(&self.path("store.db")).expect("open store")
    }
}
