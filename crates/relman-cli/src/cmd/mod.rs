//! One module per `relman` subcommand.

pub mod bump;
pub mod change;
pub mod changelog;
pub mod commit;
pub mod commit_range;
pub mod completions;
pub mod deploy;
pub mod env;
pub mod gate;
pub mod graph;
pub mod init;
pub mod plan;
pub mod release;
pub mod report;
pub mod review;
pub mod risk;
pub mod schedule;
pub mod state_store;
pub mod verify;

/// `--manifest-path` as `relman plan` and `relman graph` take it: a file named `Cargo.toml`,
/// absolute or relative to the repository `root`, that exists; returns its full path.
pub(crate) fn manifest_file(
    root: &std::path::Path,
    manifest: &std::path::Path,
) -> anyhow::Result<std::path::PathBuf> {
    if manifest.file_name().and_then(|n| n.to_str()) != Some("Cargo.toml") {
        anyhow::bail!("--manifest-path {} is not a Cargo.toml", manifest.display());
    }
    let full = if manifest.is_absolute() {
        manifest.to_path_buf()
    } else {
        root.join(manifest)
    };
    if !full.is_file() {
        anyhow::bail!("--manifest-path {}: no such file", full.display());
    }
    Ok(full)
}

/// `--no-index`: walks compute every diff instead of using the history index.
static NO_INDEX: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Sets `--no-index` for this process (from `main`).
pub(crate) fn set_no_index(no_index: bool) {
    NO_INDEX.store(no_index, std::sync::atomic::Ordering::Relaxed);
}

/// Applies `--no-index` and one reader thread per core (up to four) to a repository's walks.
pub(crate) fn configure_walks(git: &mut relman_git::GitRepository) {
    let mut options = git.walk_options().clone();
    if NO_INDEX.load(std::sync::atomic::Ordering::Relaxed) {
        options.index(false);
    }
    // Every core reads commits (up to four): a cold walk with diff stats is mostly diffs.
    options.threads(
        std::thread::available_parallelism()
            .map_or(1, std::num::NonZeroUsize::get)
            .min(4),
    );
    git.set_walk_options(options);
}

/// Opens the repository at or above `path` for planning, with `--no-index` applied.
pub(crate) fn open_repository(
    path: &std::path::Path,
) -> Result<relman_plan::repo::Repository, relman_plan::repo::OpenError> {
    let mut repo = relman_plan::repo::Repository::open(path)?;
    configure_walks(repo.git_mut());
    Ok(repo)
}

/// A point in time on the command line: RFC 3339 (`2026-12-01T09:00:00Z`), or a date
/// (`2026-12-01`, midnight UTC), or a date and a time without a zone (`2026-12-01T09:00`, UTC).
pub(crate) fn parse_time(text: &str) -> Result<chrono::DateTime<chrono::Utc>, String> {
    use chrono::{NaiveDate, NaiveDateTime, TimeZone, Utc};
    if let Ok(t) = chrono::DateTime::parse_from_rfc3339(text) {
        return Ok(t.with_timezone(&Utc));
    }
    for format in ["%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"] {
        if let Ok(t) = NaiveDateTime::parse_from_str(text, format) {
            return Ok(Utc.from_utc_datetime(&t));
        }
    }
    if let Ok(d) = NaiveDate::parse_from_str(text, "%Y-%m-%d") {
        return Ok(Utc.from_utc_datetime(&d.and_time(chrono::NaiveTime::MIN)));
    }
    Err(format!(
        "{text:?} is not a time: give RFC 3339 (2026-12-01T09:00:00Z), a date (2026-12-01, \
         midnight UTC) or a UTC date and time (2026-12-01T09:00)"
    ))
}

#[cfg(test)]
mod tests {
    #[test]
    fn times_are_read_in_every_documented_form() {
        let at = |s: &str| super::parse_time(s).map(|t| t.to_rfc3339());
        assert_eq!(at("2026-12-01"), Ok("2026-12-01T00:00:00+00:00".into()));
        assert_eq!(
            at("2026-12-01T09:30"),
            Ok("2026-12-01T09:30:00+00:00".into())
        );
        assert_eq!(
            at("2026-12-01T09:30:00+02:00"),
            Ok("2026-12-01T07:30:00+00:00".into())
        );
        let err = at("tomorrow").expect_err("not a time");
        assert!(err.contains("RFC 3339"), "{err}");
    }
}
