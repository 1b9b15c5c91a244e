//! Writing the files usagetop makes (reports, exports, the dashboard's
//! exports, its alert state): atomically, through a new temporary file in the
//! same folder that is then renamed over the destination, so a reader never
//! sees half a file and a symlink at the destination is replaced, never
//! followed. The one place that writes files for people; what goes in them
//! is the `output` modules' job.

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

/// Writes each `(extension, bytes)` of `files` into `folder` under one new
/// base name, `{base}.{extension}` or else `{base}-N.{extension}`: the first
/// N for which none of the names exists. Never replaces a file (each is
/// written with [`write_atomic`] without `replace`). Returns the paths
/// written, in order, made absolute when possible.
///
/// # Errors
/// The folder cannot be written, or 100 names are taken.
pub fn write_new(
    folder: &Path,
    base: &str,
    files: &[(&str, &[u8])],
) -> std::io::Result<Vec<PathBuf>> {
    for attempt in 0..100 {
        let stem = if attempt == 0 {
            base.to_owned()
        } else {
            format!("{base}-{attempt}")
        };
        let paths: Vec<PathBuf> = files
            .iter()
            .map(|(extension, _)| folder.join(format!("{stem}.{extension}")))
            .collect();
        if paths
            .iter()
            .any(|path| std::fs::symlink_metadata(path).is_ok())
        {
            continue;
        }
        let mut written = Vec::with_capacity(paths.len());
        for (path, (_, bytes)) in paths.into_iter().zip(files) {
            match write_atomic(&path, bytes, false, false) {
                Ok(()) => written.push(path),
                // Another writer took a name meanwhile: this set's files
                // written so far are taken back, and the next name tried.
                Err(error) if error.kind() == std::io::ErrorKind::AlreadyExists => {
                    for path in &written {
                        let _ = std::fs::remove_file(path);
                    }
                    break;
                }
                Err(error) => return Err(error),
            }
        }
        if written.len() == files.len() {
            return Ok(written
                .into_iter()
                .map(|path| std::fs::canonicalize(&path).unwrap_or(path))
                .collect());
        }
    }
    Err(std::io::Error::other(format!(
        "too many files named {base} in {}",
        folder.display()
    )))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn new_names_never_replace_a_file() {
        let folder = tempfile::tempdir().unwrap();
        let first = write_new(folder.path(), "report", &[("pdf", b"1"), ("html", b"1")]).unwrap();
        // Only the HTML of the second base is taken: the pair moves on.
        std::fs::write(folder.path().join("report-1.html"), "mine").unwrap();
        let second = write_new(folder.path(), "report", &[("pdf", b"2"), ("html", b"2")]).unwrap();
        assert!(first[0].ends_with("report.pdf") && first[1].ends_with("report.html"));
        assert!(second[0].ends_with("report-2.pdf") && second[1].ends_with("report-2.html"));
        assert_eq!(
            std::fs::read_to_string(folder.path().join("report-1.html")).unwrap(),
            "mine"
        );
        assert_eq!(std::fs::read(&second[1]).unwrap(), b"2");
    }
}
