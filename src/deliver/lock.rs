//! One `send` of a campaign at a time. The lock is an exclusive lock on a file
//! beside the store, taken with the kernel's file locking, so it is released
//! even when the holder is killed with SIGKILL. The file says who holds it.

use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, Write};
use std::os::unix::fs::{MetadataExt, OpenOptionsExt};
use std::path::{Path, PathBuf};

/// A held send lock; released when dropped or when the process ends.
pub(crate) struct SendLock {
    _file: File,
}

/// Why the lock could not be taken.
#[derive(Debug, thiserror::Error)]
pub(crate) enum LockError {
    /// Another process holds it.
    #[error("campaign {campaign} is already being sent by {holder}; wait for it to finish (lock file {})", path.display())]
    Held {
        campaign: String,
        holder: String,
        path: PathBuf,
    },
    /// Something that is not our lock file stands at its path.
    #[error("{}: refusing to use this lock file: {why}; remove it if you know what it is", path.display())]
    NotOurs { path: PathBuf, why: String },
    /// The lock file could not be used.
    #[error("{}: cannot use the lock file: {source}", path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
}

impl SendLock {
    /// Takes the lock of `campaign` in the store at `store`.
    pub(crate) fn acquire(store: &Path, campaign: &str) -> Result<SendLock, LockError> {
        let path = PathBuf::from(format!("{}.{campaign}.send.lock", store.display()));
        let io = |source| LockError::Io {
            path: path.clone(),
            source,
        };
        // Never through a symbolic link, and never a file somebody else
        // planted: the lock file is truncated below, and the store's folder
        // may be shared.
        let mut file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .mode(crate::files::FILE_MODE)
            .custom_flags(libc::O_NOFOLLOW)
            .open(&path)
            .map_err(|source| {
                if source.raw_os_error() == Some(libc::ELOOP) {
                    LockError::NotOurs {
                        path: path.clone(),
                        why: "it is a symbolic link".into(),
                    }
                } else {
                    io(source)
                }
            })?;
        let metadata = file.metadata().map_err(io)?;
        // SAFETY: geteuid has no preconditions and cannot fail.
        let euid = unsafe { libc::geteuid() };
        // A second name for the file (a hard link) could be anything of ours.
        if !metadata.is_file() || metadata.uid() != euid || metadata.nlink() > 1 {
            return Err(LockError::NotOurs {
                path,
                why: format!(
                    "it is not a regular file of this user with one name (owner uid {}, ours {euid}; {} links)",
                    metadata.uid(),
                    metadata.nlink()
                ),
            });
        }
        match file.try_lock() {
            Ok(()) => {}
            Err(std::fs::TryLockError::WouldBlock) => {
                let mut holder = String::new();
                let _ = file.read_to_string(&mut holder);
                return Err(LockError::Held {
                    campaign: campaign.to_owned(),
                    holder: holder.trim().to_owned(),
                    path,
                });
            }
            Err(std::fs::TryLockError::Error(e)) => return Err(io(e)),
        }
        let host = std::fs::read_to_string("/proc/sys/kernel/hostname").unwrap_or_default();
        let started = crate::clock::now().strftime("%Y-%m-%dT%H:%M:%SZ");
        file.set_len(0).map_err(io)?;
        file.rewind().map_err(io)?;
        write!(
            file,
            "process {} on {} since {started}",
            std::process::id(),
            host.trim()
        )
        .map_err(io)?;
        file.flush().map_err(io)?;
        Ok(SendLock { _file: file })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_holder_is_refused_and_told_who_holds_it() {
        let dir = tempfile::tempdir().unwrap();
        let store = dir.path().join("s.db");
        let first = SendLock::acquire(&store, "c1").unwrap();
        let second = SendLock::acquire(&store, "c1");
        let message = second.err().unwrap().to_string();
        assert!(
            message.contains(&format!("process {}", std::process::id())),
            "{message}"
        );
        assert!(
            SendLock::acquire(&store, "c2").is_ok(),
            "other campaigns are independent"
        );
        drop(first);
        assert!(SendLock::acquire(&store, "c1").is_ok());
    }

    #[test]
    fn a_symbolic_link_at_the_lock_path_is_never_followed() {
        let dir = tempfile::tempdir().unwrap();
        let store = dir.path().join("s.db");
        let victim = dir.path().join("precious.txt");
        std::fs::write(&victim, "keep me").unwrap();
        std::os::unix::fs::symlink(&victim, dir.path().join("s.db.c1.send.lock")).unwrap();
        let error = SendLock::acquire(&store, "c1").err().unwrap();
        assert!(error.to_string().contains("symbolic link"), "{error}");
        assert_eq!(std::fs::read_to_string(&victim).unwrap(), "keep me");
    }
}
