//! Files that hold addresses, tokens or the store's secret are readable by
//! their owner only, whatever the umask: the store and its `-wal`/`-shm`,
//! the delivery log, .eml outputs (their unsubscribe links are tokens),
//! skipped-row reports. Folders hikyaku creates for them are 0700.

use std::fs::{DirBuilder, File, OpenOptions};
use std::io;
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};
use std::path::Path;

/// Mode of private files.
pub(crate) const FILE_MODE: u32 = 0o600;
/// Mode of private folders.
pub(crate) const DIR_MODE: u32 = 0o700;

/// Creates (or truncates) `path` for writing, readable by its owner only.
/// A file that already exists keeps its mode: it may be shared on purpose.
pub(crate) fn create(path: &Path) -> io::Result<File> {
    OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(FILE_MODE)
        .open(path)
}

/// Opens `path` for appending, creating it readable by its owner only.
pub(crate) fn append(path: &Path) -> io::Result<File> {
    OpenOptions::new()
        .append(true)
        .create(true)
        .mode(FILE_MODE)
        .open(path)
}

/// Creates `dir` and its missing parents, each readable by its owner only.
pub(crate) fn create_dir_all(dir: &Path) -> io::Result<()> {
    DirBuilder::new().recursive(true).mode(DIR_MODE).create(dir)
}

/// A password kept in a file (`smtp.password_file`, `ingest --password-file`,
/// a systemd credential): its first line, without the line break editors
/// and `echo` add.
pub(crate) fn read_secret(path: &Path) -> io::Result<String> {
    let text = std::fs::read_to_string(path)?;
    Ok(text.lines().next().unwrap_or("").to_owned())
}

/// Whether users other than the owner can read or write `path` (group or
/// others bits set).
pub(crate) fn readable_by_others(path: &Path) -> bool {
    std::fs::metadata(path).is_ok_and(|m| m.permissions().mode() & 0o066 != 0)
}

/// Makes `path` readable by its owner only, when it exists.
pub(crate) fn make_private(path: &Path) -> io::Result<bool> {
    match std::fs::metadata(path) {
        Ok(metadata) => {
            let mut permissions = metadata.permissions();
            permissions.set_mode(FILE_MODE);
            std::fs::set_permissions(path, permissions)?;
            Ok(true)
        }
        Err(error) if error.kind() == io::ErrorKind::NotFound => Ok(false),
        Err(error) => Err(error),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_secret_is_the_first_line_without_its_line_break() {
        let dir = tempfile::tempdir().unwrap();
        for (written, read) in [
            ("pw\n", "pw"),
            ("pw\r\n", "pw"),
            ("pw", "pw"),
            ("p w\nrest\n", "p w"),
        ] {
            let path = dir.path().join("secret");
            std::fs::write(&path, written).unwrap();
            assert_eq!(read_secret(&path).unwrap(), read);
        }
    }

    #[test]
    fn files_and_folders_are_private_whatever_the_umask() {
        let dir = tempfile::tempdir().unwrap();
        let folder = dir.path().join("a/b");
        create_dir_all(&folder).unwrap();
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&folder), 0o700);
        assert_eq!(mode(&dir.path().join("a")), 0o700);
        let file = folder.join("x.eml");
        create(&file).unwrap();
        assert_eq!(mode(&file), 0o600);
        assert!(!readable_by_others(&file));
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o644)).unwrap();
        assert!(readable_by_others(&file));
        assert!(make_private(&file).unwrap());
        assert!(!readable_by_others(&file));
    }
}
