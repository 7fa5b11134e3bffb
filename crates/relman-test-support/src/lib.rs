//! Test support for the relman workspace: git histories built in temp dirs, for tests, benches
//! and examples only (`publish = false`, used as a dev-dependency).
//!
//! It is not a git library: it shells out to the `git` binary, panics (with the failing command
//! and git's stderr) when a command fails, and depends on no relman crate, so relman-git is tested
//! against repositories it did not write.
//!
//! # Main items
//!
//! - [`GitHistory`]: a fresh repository in a temp dir with an isolated configuration
//!   (`GIT_CONFIG_NOSYSTEM`, `HOME`, `XDG_CONFIG_HOME` and `GIT_CONFIG_GLOBAL` point into the
//!   temp dir), one author and pinned author/committer dates that start at
//!   [`GitHistory::START`] (or [`GitHistory::at`]) and advance by [`GitHistory::DEFAULT_STEP`]
//!   (or [`GitHistory::step`]) after every commit, merge and annotated tag. Builders:
//!   [`commit`](GitHistory::commit), [`tag`](GitHistory::tag),
//!   [`annotated_tag`](GitHistory::annotated_tag), [`branch`](GitHistory::branch),
//!   [`checkout`](GitHistory::checkout), [`merge`](GitHistory::merge), and
//!   [`write`](GitHistory::write), [`remove`](GitHistory::remove),
//!   [`rev_parse`](GitHistory::rev_parse), and [`git`](GitHistory::git) for anything else.
//! - [`make_history`]: a large synthetic history from `shared/scripts/make-history.py` (it
//!   panics, naming the script, when `shared/` is not next to an ancestor: a test must not pass
//!   without its data); [`make_history_script`] finds the script; [`git`] reads such a
//!   repository.
//!
//! - [`postgres::PgServer`]: a throwaway PostgreSQL cluster (`initdb` + `postgres` on a free
//!   localhost port, as `nobody` when run as root) with a database per test
//!   ([`postgres::PgDatabase`]); [`prometheus::Prometheus`]: a Prometheus server over samples.
//!
//! # Example
//!
//! ```
//! use relman_test_support::GitHistory;
//!
//! let mut history = GitHistory::new();
//! let first = history.commit("feat: first", &[("src/lib.rs", "pub fn a() {}\n")]);
//! history.tag("v0.1.0");
//! history.at("2026-02-01T12:00:00Z");
//! history.commit("fix: second", &[("src/lib.rs", "pub fn a() { }\n")]);
//! assert_eq!(history.rev_parse("v0.1.0"), first);
//! assert_eq!(history.git(&["log", "-1", "--format=%cI"]), "2026-02-01T12:00:00Z");
//! assert!(history.path().join(".git").is_dir());
//! ```
#![forbid(unsafe_code)]

pub mod fuzz;
pub mod markdown;
pub mod postgres;
mod process;
pub mod prometheus;
pub mod steps;

use std::path::{Path, PathBuf};
use std::process::Command;

use chrono::DateTime;

/// Environment variables that would point git at another repository (set, for example, while a
/// git hook runs the tests); they are removed from every command.
const REPOSITORY_VARIABLES: [&str; 7] = [
    "GIT_DIR",
    "GIT_WORK_TREE",
    "GIT_INDEX_FILE",
    "GIT_OBJECT_DIRECTORY",
    "GIT_ALTERNATE_OBJECT_DIRECTORIES",
    "GIT_COMMON_DIR",
    "GIT_NAMESPACE",
];

/// The isolated global configuration every repository is built with.
const GLOBAL_CONFIG: &str = "[init]\n\tdefaultBranch = main\n[commit]\n\tgpgsign = false\n\
[tag]\n\tgpgsign = false\n[core]\n\tautocrlf = false\n";

/// A git repository in a temp dir, built commit by commit with pinned dates and an isolated
/// configuration; the temp dir is removed when the value is dropped.
///
/// Every commit, merge and annotated tag is dated (author and committer) at the current date,
/// which then advances by [`DEFAULT_STEP`](Self::DEFAULT_STEP) seconds: the n-th commit of a
/// fresh history is dated `START + (n - 1) * DEFAULT_STEP`. [`at`](Self::at) moves the current
/// date and [`step`](Self::step) changes the advance. The author is
/// `Ada Park <ada@example.org>` unless [`author`](Self::author) says otherwise. Methods panic
/// when git fails, with the command and git's stderr: this is test code.
#[derive(Debug)]
pub struct GitHistory {
    dir: tempfile::TempDir,
    repo: PathBuf,
    home: PathBuf,
    date: i64,
    step: i64,
    author: (String, String),
}

impl Default for GitHistory {
    fn default() -> Self {
        Self::new()
    }
}

impl GitHistory {
    /// The date of the first commit of a fresh history: 2026-01-01T00:00:00Z, in unix seconds.
    pub const START: i64 = 1_767_225_600;
    /// Seconds the date advances after each commit, merge and annotated tag, unless
    /// [`step`](Self::step) says otherwise.
    pub const DEFAULT_STEP: i64 = 60;

    /// An empty repository on branch `main` in a new temp dir (the work tree is `<temp>/repo`, the
    /// isolated `HOME` is `<temp>/home`).
    pub fn new() -> Self {
        let dir = tempfile::tempdir().expect("a temp dir can be created");
        let repo = dir.path().join("repo");
        let home = dir.path().join("home");
        std::fs::create_dir_all(&repo).expect("the work tree can be created");
        std::fs::create_dir_all(home.join(".config")).expect("the home dir can be created");
        std::fs::write(home.join(".gitconfig"), GLOBAL_CONFIG)
            .expect("the isolated git config can be written");
        let history = Self {
            dir,
            repo,
            home,
            date: Self::START,
            step: Self::DEFAULT_STEP,
            author: ("Ada Park".to_owned(), "ada@example.org".to_owned()),
        };
        history.git(&["init", "-q", "-b", "main"]);
        history
    }

    /// The work tree (its `.git` directory is inside).
    pub fn path(&self) -> &Path {
        &self.repo
    }

    /// The temp dir holding the work tree: a place for files that must not be in the repository
    /// (state directories, outputs); removed with the history.
    pub fn temp_dir(&self) -> &Path {
        self.dir.path()
    }

    /// Sets the author and committer of the next commits, merges and annotated tags.
    pub fn author(&mut self, name: &str, email: &str) -> &mut Self {
        self.author = (name.to_owned(), email.to_owned());
        self
    }

    /// Sets the current date, an RFC 3339 date-time (`2026-01-05T12:00:00Z`): the next commit,
    /// merge or annotated tag is dated there, and the date advances from there.
    ///
    /// # Panics
    ///
    /// When `date` is not RFC 3339.
    pub fn at(&mut self, date: &str) -> &mut Self {
        self.date = DateTime::parse_from_rfc3339(date)
            .unwrap_or_else(|e| panic!("{date:?} is not an RFC 3339 date-time: {e}"))
            .timestamp();
        self
    }

    /// Sets the seconds the date advances after each commit, merge and annotated tag (`86_400`
    /// for a commit a day; `0` to date them all alike).
    pub fn step(&mut self, seconds: i64) -> &mut Self {
        self.step = seconds;
        self
    }

    /// The current date in unix seconds: the date of the next commit, merge or annotated tag.
    pub fn date(&self) -> i64 {
        self.date
    }

    /// Writes `contents` to `file` (relative to the work tree, parent directories created)
    /// without staging it.
    pub fn write(&self, file: &str, contents: &str) -> &Self {
        let path = self.repo.join(file);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).expect("parent directories can be created");
        }
        std::fs::write(&path, contents)
            .unwrap_or_else(|e| panic!("{} cannot be written: {e}", path.display()));
        self
    }

    /// Removes `file` (relative to the work tree) without staging the removal.
    pub fn remove(&self, file: &str) -> &Self {
        let path = self.repo.join(file);
        std::fs::remove_file(&path)
            .unwrap_or_else(|e| panic!("{} cannot be removed: {e}", path.display()));
        self
    }

    /// Writes `files` (path relative to the work tree, contents), stages every change of the work
    /// tree (`git add -A`) and commits it with `message` at the current date; returns the commit
    /// id (40 hex digits). With no change the commit is empty.
    pub fn commit(&mut self, message: &str, files: &[(&str, &str)]) -> String {
        for (file, contents) in files {
            self.write(file, contents);
        }
        self.git(&["add", "-A"]);
        self.dated(&["commit", "-q", "--allow-empty", "-m", message]);
        self.rev_parse("HEAD")
    }

    /// Tags `HEAD` with a lightweight tag `name`.
    pub fn tag(&mut self, name: &str) -> &mut Self {
        self.git(&["tag", name]);
        self
    }

    /// Tags `HEAD` with an annotated tag `name` carrying `message`, dated at the current date.
    pub fn annotated_tag(&mut self, name: &str, message: &str) -> &mut Self {
        self.dated(&["tag", "-a", name, "-m", message]);
        self
    }

    /// Creates branch `name` at `HEAD` and switches to it.
    pub fn branch(&mut self, name: &str) -> &mut Self {
        self.git(&["checkout", "-q", "-b", name]);
        self
    }

    /// Switches to `revision` (a branch, or a commit for a detached `HEAD`).
    pub fn checkout(&mut self, revision: &str) -> &mut Self {
        self.git(&["checkout", "-q", revision]);
        self
    }

    /// Merges `branch` into the current branch with a merge commit (`--no-ff`) carrying
    /// `message`, at the current date; returns the merge commit id.
    pub fn merge(&mut self, branch: &str, message: &str) -> String {
        self.dated(&["merge", "-q", "--no-ff", "-m", message, branch]);
        self.rev_parse("HEAD")
    }

    /// The object id `revision` names (`git rev-parse`).
    pub fn rev_parse(&self, revision: &str) -> String {
        self.run(&["rev-parse", revision], self.date)
    }

    /// Runs `git args` in the work tree with the isolated configuration, the author and the
    /// current date (which does not advance); returns stdout without surrounding whitespace.
    pub fn git(&self, args: &[&str]) -> String {
        self.run(args, self.date)
    }

    /// Runs a command that records a date, then advances the date.
    fn dated(&mut self, args: &[&str]) -> String {
        let out = self.run(args, self.date);
        self.date += self.step;
        out
    }

    fn run(&self, args: &[&str], date: i64) -> String {
        let date = format!("{date} +0000");
        let (name, email) = &self.author;
        let mut command = isolated_git(&self.repo);
        command
            .env("GIT_CONFIG_GLOBAL", self.home.join(".gitconfig"))
            .env("HOME", &self.home)
            .env("XDG_CONFIG_HOME", self.home.join(".config"))
            .env("GIT_AUTHOR_NAME", name)
            .env("GIT_AUTHOR_EMAIL", email)
            .env("GIT_COMMITTER_NAME", name)
            .env("GIT_COMMITTER_EMAIL", email)
            .env("GIT_AUTHOR_DATE", &date)
            .env("GIT_COMMITTER_DATE", &date);
        stdout_of(command, args, &self.repo)
    }
}

/// Runs `git args` in `repo`, an existing repository (one from [`make_history`], say), without
/// system or global configuration; returns stdout without surrounding whitespace. For reading a
/// repository; [`GitHistory`] builds one.
///
/// # Panics
///
/// When git fails, with the command and git's stderr.
pub fn git(repo: &Path, args: &[&str]) -> String {
    let mut command = isolated_git(repo);
    command.env("GIT_CONFIG_GLOBAL", "/dev/null");
    stdout_of(command, args, repo)
}

/// `git` in `dir`, without the system configuration and without the variables that would point
/// it at another repository.
fn isolated_git(dir: &Path) -> Command {
    let mut command = Command::new("git");
    command.current_dir(dir).env("GIT_CONFIG_NOSYSTEM", "1");
    for variable in REPOSITORY_VARIABLES {
        command.env_remove(variable);
    }
    command
}

/// Runs `command` with `args`; panics when it fails.
fn stdout_of(mut command: Command, args: &[&str], dir: &Path) -> String {
    let out = command.args(args).output().expect("the git binary runs");
    assert!(
        out.status.success(),
        "git {args:?} failed in {}: {}",
        dir.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_owned()
}

/// `shared/scripts/make-history.py` next to an ancestor of this crate (the worktree layout and
/// CI's checkout with `../shared` beside the repository), if there is one.
pub fn make_history_script() -> Option<PathBuf> {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .ancestors()
        .map(|a| a.join("shared/scripts/make-history.py"))
        .find(|p| p.is_file())
}

/// Generates a synthetic history into `dest` (which must not exist) with
/// `make-history.py DEST args...`, in an isolated git configuration.
///
/// # Panics
///
/// When the script is not found next to an ancestor of this crate (CI always has `../shared`;
/// a test that needs the history must not pass without it), or when it fails.
pub fn make_history(dest: &Path, args: &[&str]) {
    let script = make_history_script().expect(
        "shared/scripts/make-history.py is next to an ancestor of the workspace \
         (check out `shared/` beside the repository)",
    );
    let out = Command::new("python3")
        .arg(&script)
        .arg(dest)
        .args(args)
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .output()
        .expect("python3 runs");
    assert!(
        out.status.success(),
        "make-history.py {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_advance_per_commit_and_at_moves_them() {
        let mut h = GitHistory::new();
        h.commit("feat: one", &[("a.txt", "1\n")]);
        h.commit("fix: two", &[("a.txt", "2\n")]);
        let log = h.git(&["log", "--format=%at %ct %an <%ae>"]);
        let first = GitHistory::START;
        let second = first + GitHistory::DEFAULT_STEP;
        assert_eq!(
            log,
            format!(
                "{second} {second} Ada Park <ada@example.org>\n{first} {first} Ada Park <ada@example.org>"
            )
        );
        h.at("2026-03-04T05:06:07Z")
            .author("Bo Chen", "bo@example.org");
        h.commit("docs: three", &[]);
        assert_eq!(
            h.git(&["log", "-1", "--format=%aI %cI %an %ce"]),
            "2026-03-04T05:06:07Z 2026-03-04T05:06:07Z Bo Chen bo@example.org"
        );
        assert_eq!(h.date(), 1_772_600_767 + GitHistory::DEFAULT_STEP);
        h.at("2026-01-01T10:00:00Z").step(86_400);
        h.commit("docs: four", &[]);
        h.annotated_tag("v4", "four");
        h.commit("docs: five", &[]);
        assert_eq!(
            h.git(&["log", "-2", "--format=%cI"]),
            "2026-01-03T10:00:00Z\n2026-01-01T10:00:00Z"
        );
        assert_eq!(
            h.git(&[
                "for-each-ref",
                "--format=%(taggerdate:iso-strict)",
                "refs/tags/v4"
            ]),
            "2026-01-02T10:00:00Z"
        );
    }

    #[test]
    fn tags_branches_and_merges() {
        let mut h = GitHistory::new();
        let base = h.commit("feat: base", &[("a.txt", "1\n")]);
        h.tag("v0.1.0").annotated_tag("v0.1.1", "release 0.1.1");
        assert_eq!(h.git(&["cat-file", "-t", "v0.1.0"]), "commit");
        assert_eq!(h.git(&["cat-file", "-t", "v0.1.1"]), "tag");
        assert_eq!(h.rev_parse("v0.1.1^{commit}"), base);
        h.branch("topic");
        let topic = h.commit("feat: topic", &[("b.txt", "1\n")]);
        h.checkout("main");
        assert!(!h.path().join("b.txt").exists());
        let main = h.commit("fix: main", &[("a.txt", "2\n")]);
        let merge = h.merge("topic", "Merge branch 'topic'");
        assert_eq!(
            h.git(&["log", "-1", "--format=%P %s", &merge]),
            format!("{main} {topic} Merge branch 'topic'")
        );
        assert_eq!(h.git(&["symbolic-ref", "HEAD"]), "refs/heads/main");
    }

    #[test]
    fn git_reads_an_existing_repository() {
        let mut h = GitHistory::new();
        let id = h.commit("feat: one", &[("a.txt", "1\n")]);
        h.tag("v1.0.0");
        assert_eq!(git(h.path(), &["rev-parse", "v1.0.0"]), id);
        assert_eq!(git(h.path(), &["tag", "--list"]), "v1.0.0");
    }

    #[test]
    fn the_configuration_is_isolated() {
        let h = GitHistory::new();
        assert_eq!(
            h.git(&["config", "--show-origin", "init.defaultBranch"])
                .split_whitespace()
                .last(),
            Some("main")
        );
        let origin = h.git(&["config", "--show-origin", "commit.gpgsign"]);
        assert!(
            origin.contains(&h.temp_dir().display().to_string()),
            "{origin}"
        );
        h.write("dir/x.txt", "x\n").remove("dir/x.txt");
        assert_eq!(h.git(&["status", "--porcelain"]), "");
    }
}
