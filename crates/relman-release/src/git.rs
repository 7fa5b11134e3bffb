//! The git operations of a release, through the `git` command (arguments, never a shell
//! line): the release commit, annotated tags, the push, and the checks a rerun needs (is the
//! commit there, does the tag exist and where does it point).

use std::path::{Path, PathBuf};

use crate::workspace::{CommandEnv, WorkspaceError, run};

/// A git working tree, driven through the `git` command.
#[derive(Debug, Clone)]
pub struct Git {
    dir: PathBuf,
    env: Vec<(String, String)>,
}

/// Returned by [`Git`]'s operations.
pub type GitError = WorkspaceError;

impl Git {
    /// The working tree at `dir`.
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        Self {
            dir: dir.into(),
            env: Vec::new(),
        }
    }

    /// The same working tree, with `env` set on every git command.
    #[must_use]
    pub fn with_env(mut self, env: &CommandEnv) -> Self {
        self.env = env.to_vec();
        self
    }

    /// The working tree's directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    fn git(&self, args: &[&str]) -> Result<String, GitError> {
        run(&self.dir, &self.env, "git", args).map(|s| s.trim().to_owned())
    }

    /// The commit id of `HEAD`.
    ///
    /// # Errors
    ///
    /// [`GitError`] when git fails (no commit yet, not a repository).
    pub fn head(&self) -> Result<String, GitError> {
        self.git(&["rev-parse", "HEAD"])
    }

    /// The current branch, `None` on a detached `HEAD`.
    ///
    /// # Errors
    ///
    /// [`GitError`] when git cannot run.
    pub fn branch(&self) -> Result<Option<String>, GitError> {
        match self.git(&["symbolic-ref", "-q", "--short", "HEAD"]) {
            Ok(b) if !b.is_empty() => Ok(Some(b)),
            Ok(_) | Err(WorkspaceError::Command { .. }) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// The newest commit reachable from `HEAD` whose message contains `needle` as a line.
    ///
    /// # Errors
    ///
    /// [`GitError`] when git fails.
    pub fn find_commit(&self, needle: &str) -> Result<Option<String>, GitError> {
        let pattern = format!("--grep=^{}$", regex_escape(needle));
        let found = self.git(&["log", "-n", "1", "--format=%H", &pattern])?;
        Ok((!found.is_empty()).then_some(found))
    }

    /// Stages `paths` and commits them with `message` (hooks and signing as git config says).
    /// Returns the new commit id.
    ///
    /// # Errors
    ///
    /// [`GitError`] when git fails.
    pub fn commit(&self, paths: &[PathBuf], message: &str) -> Result<String, GitError> {
        let mut args = vec!["add", "--"];
        let texts: Vec<String> = paths.iter().map(|p| p.display().to_string()).collect();
        args.extend(texts.iter().map(String::as_str));
        self.git(&args)?;
        self.git(&["commit", "-q", "-m", message])?;
        self.head()
    }

    /// The commit `tag` points to, `None` when there is no such tag.
    ///
    /// # Errors
    ///
    /// [`GitError`] when git cannot run.
    pub fn tag_target(&self, tag: &str) -> Result<Option<String>, GitError> {
        let spec = format!("refs/tags/{tag}^{{commit}}");
        match self.git(&["rev-parse", "-q", "--verify", &spec]) {
            Ok(id) => Ok(Some(id)),
            Err(WorkspaceError::Command { .. }) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Creates the annotated tag `tag` on `commit` with `message` (signed when git config's
    /// `tag.gpgSign` says so).
    ///
    /// # Errors
    ///
    /// [`GitError`] when git fails (the tag exists).
    pub fn tag(&self, tag: &str, commit: &str, message: &str) -> Result<(), GitError> {
        self.git(&["tag", "-a", tag, "-m", message, commit])
            .map(|_| ())
    }

    /// Pushes `commit` to `branch` of `remote` and the `tags`, atomically where the remote
    /// allows it. Pushing what the remote already has is a no-op.
    ///
    /// # Errors
    ///
    /// [`GitError`] when the push fails (rejected, unreachable).
    pub fn push(
        &self,
        remote: &str,
        commit: &str,
        branch: &str,
        tags: &[String],
    ) -> Result<(), GitError> {
        let mut refspecs = vec![format!("{commit}:refs/heads/{branch}")];
        refspecs.extend(tags.iter().map(|t| format!("refs/tags/{t}:refs/tags/{t}")));
        let mut args = vec!["push", "-q", "--atomic", remote];
        args.extend(refspecs.iter().map(String::as_str));
        self.git(&args).map(|_| ())
    }

    /// Whether the working tree has changes to tracked files.
    ///
    /// # Errors
    ///
    /// [`GitError`] when git fails.
    pub fn is_dirty(&self) -> Result<bool, GitError> {
        Ok(!self
            .git(&["status", "--porcelain", "--untracked-files=no"])?
            .is_empty())
    }
}

/// `text` with the basic regular expression metacharacters escaped.
fn regex_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(c, '.' | '[' | ']' | '\\' | '*' | '^' | '$') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}
