//! Writing the files usagetop makes (reports, exports, its alert state):
//! atomically, through a new temporary file in the same folder that is then
//! renamed over the destination, so a reader never sees half a file and a
//! symlink at the destination is replaced, never followed.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

/// Temporary files made by this process, for unique names.
static COUNTER: AtomicU64 = AtomicU64::new(0);

/// Writes `bytes` to `path` atomically. With `replace` false, an existing
/// `path` (a symlink included) is an error and nothing is written.
/// With `private`, the file is readable by its owner only (mode 0600).
///
/// # Errors
/// The destination exists (without `replace`), or the folder cannot be written.
pub fn write_atomic(
    path: &Path,
    bytes: &[u8],
    replace: bool,
    private: bool,
) -> std::io::Result<()> {
    if !replace && std::fs::symlink_metadata(path).is_ok() {
        return Err(std::io::Error::new(
            std::io::ErrorKind::AlreadyExists,
            format!(
                "{} already exists; usagetop does not overwrite files unless you pass --force",
                path.display()
            ),
        ));
    }
    let folder = match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let name = path
        .file_name()
        .map_or_else(|| "file".into(), |name| name.to_string_lossy().into_owned());
    let temporary = folder.join(format!(
        ".{name}.{}-{}.tmp",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    ));
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        options.mode(if private { 0o600 } else { 0o644 });
    }
    let written = options.open(&temporary).and_then(|mut file| {
        file.write_all(bytes)?;
        file.sync_all()
    });
    let renamed = written.and_then(|()| {
        if !replace && std::fs::symlink_metadata(path).is_ok() {
            return Err(std::io::Error::new(
                std::io::ErrorKind::AlreadyExists,
                format!("{} appeared while it was being written", path.display()),
            ));
        }
        std::fs::rename(&temporary, path)
    });
    if renamed.is_err() {
        let _ = std::fs::remove_file(&temporary);
    }
    renamed
}
