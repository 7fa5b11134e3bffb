//! Atomic file writes: the contents go to a temporary file in the destination's directory, are
//! flushed to disk, and the file is renamed over the destination; the directory is then flushed
//! too. A full disk or a crash leaves the old file whole, never a file cut mid-line. An existing
//! symbolic link at the destination is replaced, never followed out of the given path.
//!
//! Every file relman writes goes through [`write_atomic`] (the CLI's `--output`, `--prepend`,
//! `plan --output DIR`, and the manifests and changelogs `relman release` edits).

use std::io::Write;
use std::path::{Path, PathBuf};

/// Returned by [`write_atomic`] and [`write_atomic_with`]: the file at `path` could not be
/// written; it is unchanged.
#[derive(Debug, thiserror::Error)]
#[error("cannot write {}", path.display())]
#[non_exhaustive]
pub struct WriteFileError {
    /// The destination.
    pub path: PathBuf,
    /// The cause.
    #[source]
    pub source: std::io::Error,
}

/// Writes `bytes` to `path` atomically (see the module docs). An existing file keeps its
/// permissions.
///
/// # Errors
///
/// [`WriteFileError`] when the temporary file cannot be created, written, flushed or renamed;
/// the destination is then unchanged.
pub fn write_atomic(path: &Path, bytes: impl AsRef<[u8]>) -> Result<(), WriteFileError> {
    write_atomic_with(path, |file| file.write_all(bytes.as_ref()))
}

/// Like [`write_atomic`], with the contents produced by `fill` into a buffered writer.
///
/// # Errors
///
/// [`WriteFileError`] when `fill` fails or the file cannot be created, flushed or renamed; the
/// destination is then unchanged.
pub fn write_atomic_with(
    path: &Path,
    fill: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
) -> Result<(), WriteFileError> {
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let fail = |source| WriteFileError {
        path: path.to_owned(),
        source,
    };
    let mut tmp = tempfile::Builder::new()
        .prefix(".relman-")
        .suffix(".tmp")
        .tempfile_in(dir)
        .map_err(fail)?;
    {
        let mut writer = std::io::BufWriter::new(tmp.as_file_mut());
        fill(&mut writer)
            .and_then(|()| writer.flush())
            .map_err(fail)?;
    }
    // Keep the permissions of a regular file being replaced (not of a link's target).
    if let Ok(meta) = std::fs::symlink_metadata(path)
        && meta.is_file()
    {
        tmp.as_file()
            .set_permissions(meta.permissions())
            .map_err(fail)?;
    }
    tmp.as_file().sync_all().map_err(fail)?;
    tmp.persist(path).map_err(|e| fail(e.error))?;
    sync_dir(dir);
    Ok(())
}

/// Flushes a directory entry change to disk where the platform allows it.
fn sync_dir(dir: &Path) {
    #[cfg(unix)]
    if let Ok(d) = std::fs::File::open(dir) {
        // The rename is done; a failed directory flush only weakens durability.
        let _ = d.sync_all();
    }
    #[cfg(not(unix))]
    let _ = dir;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replaces_the_file_whole_and_leaves_no_temporary_file() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("CHANGELOG.md");
        std::fs::write(&path, "old\n").expect("seed");
        write_atomic(&path, "new\n").expect("written");
        assert_eq!(std::fs::read_to_string(&path).expect("read"), "new\n");
        let names: Vec<_> = std::fs::read_dir(dir.path())
            .expect("list")
            .map(|e| e.expect("entry").file_name())
            .collect();
        assert_eq!(names, ["CHANGELOG.md"]);
    }

    #[test]
    fn a_failing_writer_leaves_the_old_file() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("out.json");
        std::fs::write(&path, "{\"old\": true}\n").expect("seed");
        let err = write_atomic_with(&path, |w| {
            w.write_all(b"{\"new\":")?;
            Err(std::io::Error::other("disk full"))
        })
        .expect_err("the writer failed");
        assert_eq!(err.source.to_string(), "disk full");
        assert!(err.to_string().contains("out.json"), "{err}");
        assert_eq!(
            std::fs::read_to_string(&path).expect("read"),
            "{\"old\": true}\n"
        );
        assert_eq!(std::fs::read_dir(dir.path()).expect("list").count(), 1);
    }

    #[cfg(unix)]
    #[test]
    fn a_symbolic_link_is_replaced_not_followed() {
        let dir = tempfile::tempdir().expect("tempdir");
        let outside = dir.path().join("outside.txt");
        std::fs::write(&outside, "keep\n").expect("seed");
        let link = dir.path().join("report.md");
        std::os::unix::fs::symlink(&outside, &link).expect("symlink");
        write_atomic(&link, "report\n").expect("written");
        assert_eq!(std::fs::read_to_string(&outside).expect("read"), "keep\n");
        assert!(std::fs::symlink_metadata(&link).expect("meta").is_file());
    }
}
