//! Running the built binary: a command to adjust, a `serve` left running,
//! and what a finished run did.

use std::process::{Command, Output};

/// A command not yet run.
pub struct Invocation {
    command: Command,
}

impl Invocation {
    pub(super) fn new(command: Command) -> Invocation {
        Invocation { command }
    }

    /// Sets an environment variable.
    pub fn env(mut self, key: &str, value: impl AsRef<std::ffi::OsStr>) -> Self {
        self.command.env(key, value);
        self
    }

    /// Removes an environment variable.
    pub fn env_remove(mut self, key: &str) -> Self {
        self.command.env_remove(key);
        self
    }

    /// Runs it under this umask (through `sh`, which sets it and then
    /// becomes the command).
    pub fn umask(self, mask: u32) -> Self {
        let inner = &self.command;
        let mut command = Command::new("sh");
        command
            .arg("-c")
            .arg(format!("umask {mask:03o} && exec \"$0\" \"$@\""))
            .arg(inner.get_program())
            .args(inner.get_args());
        if let Some(dir) = inner.get_current_dir() {
            command.current_dir(dir);
        }
        for (key, value) in inner.get_envs() {
            match value {
                Some(value) => command.env(key, value),
                None => command.env_remove(key),
            };
        }
        Invocation { command }
    }

    /// Starts it without waiting, with its output captured.
    pub fn spawn(mut self) -> std::process::Child {
        self.command
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("start hikyaku")
    }

    /// Starts `hikyaku serve` (the command must be one) and waits for the
    /// line that says where it listens.
    pub fn serve(self) -> Serving {
        let mut child = self.spawn();
        let mut first = String::new();
        let stdout = child.stdout.as_mut().expect("stdout is piped");
        std::io::BufRead::read_line(&mut std::io::BufReader::new(stdout), &mut first)
            .expect("serve prints where it listens");
        let base = first
            .split_whitespace()
            .find(|word| word.starts_with("http://"))
            .unwrap_or_else(|| panic!("no URL in {first:?}"))
            .trim_end_matches('/')
            .to_owned();
        let port = base
            .rsplit(':')
            .next()
            .and_then(|port| port.parse().ok())
            .unwrap_or_else(|| panic!("no port in {base:?}"));
        Serving {
            child: Some(child),
            base,
            port,
        }
    }

    /// Runs it to the end.
    pub fn run(mut self) -> Run {
        let Output {
            status,
            stdout,
            stderr,
        } = self.command.output().expect("run hikyaku");
        Run {
            code: status.code().expect("exited normally"),
            stdout: String::from_utf8_lossy(&stdout).into_owned(),
            stderr: String::from_utf8_lossy(&stderr).into_owned(),
        }
    }
}

/// A running `hikyaku serve`; killed when dropped.
pub struct Serving {
    child: Option<std::process::Child>,
    /// `http://127.0.0.1:PORT`, without a trailing slash.
    pub base: String,
    pub port: u16,
}

impl Serving {
    /// The process, for a test that stops it itself.
    pub fn into_child(mut self) -> std::process::Child {
        self.child.take().expect("still running")
    }

    /// Whether the process is still running.
    pub fn is_running(&mut self) -> bool {
        let child = self.child.as_mut().expect("still running");
        matches!(child.try_wait(), Ok(None))
    }
}

impl Drop for Serving {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// Waits for a spawned run to end, at most `limit`; a run still going then
/// is killed and the test fails: it hung.
#[track_caller]
pub fn finish_within(child: std::process::Child, limit: std::time::Duration) -> Run {
    let pid = child.id();
    let (done, finished) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = done.send(finish(child));
    });
    match finished.recv_timeout(limit) {
        Ok(run) => run,
        Err(_) => {
            let _ = Command::new("kill").arg("-9").arg(pid.to_string()).status();
            panic!("still running after {limit:?}: it hung");
        }
    }
}

/// Waits for a spawned run to end.
pub fn finish(child: std::process::Child) -> Run {
    let Output {
        status,
        stdout,
        stderr,
    } = child.wait_with_output().expect("wait for hikyaku");
    Run {
        // A process killed by a signal has no code; -1 stands for that.
        code: status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&stdout).into_owned(),
        stderr: String::from_utf8_lossy(&stderr).into_owned(),
    }
}

/// What a run did.
#[derive(Debug)]
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    /// Asserts the exit code, showing the output when it differs.
    #[track_caller]
    pub fn expect_code(&self, code: i32) -> &Run {
        assert_eq!(
            self.code, code,
            "exit code\n--- stdout\n{}\n--- stderr\n{}",
            self.stdout, self.stderr
        );
        self
    }

    /// Asserts that stderr contains each of `parts`.
    #[track_caller]
    pub fn stderr_has(&self, parts: &[&str]) -> &Run {
        for part in parts {
            assert!(
                self.stderr.contains(part),
                "stderr lacks {part:?}:\n{}",
                self.stderr
            );
        }
        self
    }
}
