//! Forge links from a git remote URL.
//!
//! [`Remote::parse`] normalises the URL forms git accepts — `https://host/owner/repo.git`,
//! `git@host:owner/repo.git`, `ssh://git@host:22/owner/repo.git`, with or without `.git`,
//! credentials or a trailing slash — into a web base URL `https://host/owner/repo` and detects
//! the [`Forge`] from the host (`github`, `gitlab`, `bitbucket`, `gitea`/`codeberg`/`forgejo`);
//! [`Remote::with_forge`] names the forge for self-hosted instances with other host names.
//!
//! | forge | commit | compare | issue | tag |
//! |---|---|---|---|---|
//! | GitHub | `/commit/{id}` | `/compare/{a}...{b}` | `/issues/{n}` | `/releases/tag/{t}` |
//! | GitLab | `/-/commit/{id}` | `/-/compare/{a}...{b}` | `/-/issues/{n}` | `/-/tags/{t}` |
//! | Gitea, Forgejo | `/commit/{id}` | `/compare/{a}...{b}` | `/issues/{n}` | `/releases/tag/{t}` |
//! | Bitbucket | `/commits/{id}` | `/branches/compare/{b}%0D{a}` | `/issues/{n}` | `/src/{t}` |
//!
//! ```
//! use relman_changelog::remote::{Forge, Remote};
//!
//! let remote = Remote::parse("git@gitlab.com:group/sub/app.git")?;
//! assert_eq!(remote.forge(), Forge::GitLab);
//! assert_eq!(remote.base(), "https://gitlab.com/group/sub/app");
//! assert_eq!(remote.compare_url("v1.0.0", "v1.1.0"),
//!            "https://gitlab.com/group/sub/app/-/compare/v1.0.0...v1.1.0");
//! # Ok::<(), relman_changelog::remote::ParseRemoteError>(())
//! ```

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// A code-hosting service whose URL layout relman knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Forge {
    /// github.com and GitHub Enterprise.
    #[serde(rename = "github")]
    GitHub,
    /// gitlab.com and self-hosted GitLab.
    #[serde(rename = "gitlab")]
    GitLab,
    /// Gitea, Forgejo, Codeberg.
    Gitea,
    /// bitbucket.org.
    Bitbucket,
}

impl Forge {
    /// The lowercase name: `github`, `gitlab`, `gitea`, `bitbucket`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::GitHub => "github",
            Self::GitLab => "gitlab",
            Self::Gitea => "gitea",
            Self::Bitbucket => "bitbucket",
        }
    }

    fn from_host(host: &str) -> Option<Self> {
        let host = host.to_ascii_lowercase();
        if host.contains("github") {
            Some(Self::GitHub)
        } else if host.contains("gitlab") {
            Some(Self::GitLab)
        } else if host.contains("bitbucket") {
            Some(Self::Bitbucket)
        } else if ["gitea", "codeberg", "forgejo"]
            .iter()
            .any(|n| host.contains(n))
        {
            Some(Self::Gitea)
        } else {
            None
        }
    }
}

impl fmt::Display for Forge {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.as_str())
    }
}

impl FromStr for Forge {
    type Err = ParseRemoteError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "github" => Ok(Self::GitHub),
            "gitlab" => Ok(Self::GitLab),
            "gitea" | "forgejo" | "codeberg" => Ok(Self::Gitea),
            "bitbucket" => Ok(Self::Bitbucket),
            _ => Err(ParseRemoteError {
                url: s.to_owned(),
                reason: RemoteRejection::UnknownForge,
            }),
        }
    }
}

/// Returned by [`Remote::parse`] and [`Forge::from_str`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("cannot use remote `{url}`: {reason}")]
pub struct ParseRemoteError {
    /// The URL as given.
    pub url: String,
    /// Why it was refused.
    pub reason: RemoteRejection,
}

/// Why a remote URL was refused; part of [`ParseRemoteError`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum RemoteRejection {
    /// Not a URL form git accepts for a remote repository (e.g. a local path).
    NotAUrl,
    /// The URL has no `owner/repo` path.
    MissingPath,
    /// The host is not one of the known forges; name the forge explicitly.
    UnknownForge,
}

impl fmt::Display for RemoteRejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::NotAUrl => "not a remote url",
            Self::MissingPath => "the url has no owner/repository path",
            Self::UnknownForge => {
                "unknown forge (expected github, gitlab, gitea or bitbucket; set it explicitly)"
            }
        })
    }
}

/// A repository on a forge: its web base URL and the forge's link layout.
///
/// JSON: `{"forge": "github", "base": "https://github.com/owner/repo"}`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Remote {
    forge: Forge,
    base: String,
}

impl Remote {
    /// Parses a remote URL and detects its forge from the host name.
    ///
    /// # Errors
    ///
    /// [`ParseRemoteError`] when `url` is not a remote URL, has no path, or its host is not a
    /// known forge (use [`Remote::with_forge`]).
    pub fn parse(url: &str) -> Result<Self, ParseRemoteError> {
        let (host, base) = normalise(url)?;
        let forge = Forge::from_host(&host).ok_or_else(|| ParseRemoteError {
            url: url.to_owned(),
            reason: RemoteRejection::UnknownForge,
        })?;
        Ok(Self { forge, base })
    }

    /// Parses a remote URL hosted on `forge` (for self-hosted instances).
    ///
    /// # Errors
    ///
    /// [`ParseRemoteError`] when `url` is not a remote URL or has no path.
    pub fn with_forge(url: &str, forge: Forge) -> Result<Self, ParseRemoteError> {
        let (_, base) = normalise(url)?;
        Ok(Self { forge, base })
    }

    /// The forge.
    pub fn forge(&self) -> Forge {
        self.forge
    }

    /// The web base URL, `https://host/owner/repo`.
    pub fn base(&self) -> &str {
        &self.base
    }

    /// The web page of commit `id`.
    pub fn commit_url(&self, id: &str) -> String {
        let mut out = String::with_capacity(self.base.len() + 12 + id.len());
        self.write_commit_url(&mut out, id);
        out
    }

    /// Appends the web page of commit `id` to `out` (no allocation beyond `out`'s growth).
    pub fn write_commit_url(&self, out: &mut String, id: &str) {
        out.push_str(&self.base);
        out.push_str(match self.forge {
            Forge::GitHub | Forge::Gitea => "/commit/",
            Forge::GitLab => "/-/commit/",
            Forge::Bitbucket => "/commits/",
        });
        out.push_str(id);
    }

    /// The comparison of `from` and `to` (tags, or `HEAD`).
    pub fn compare_url(&self, from: &str, to: &str) -> String {
        match self.forge {
            Forge::GitHub | Forge::Gitea => format!("{}/compare/{from}...{to}", self.base),
            Forge::GitLab => format!("{}/-/compare/{from}...{to}", self.base),
            Forge::Bitbucket => format!("{}/branches/compare/{to}%0D{from}", self.base),
        }
    }

    /// The page of tag `tag` (used for a first release, which has nothing to compare with).
    pub fn tag_url(&self, tag: &str) -> String {
        match self.forge {
            Forge::GitHub | Forge::Gitea => format!("{}/releases/tag/{tag}", self.base),
            Forge::GitLab => format!("{}/-/tags/{tag}", self.base),
            Forge::Bitbucket => format!("{}/src/{tag}", self.base),
        }
    }

    /// The page of issue `number` (the digits, without `#`).
    pub fn issue_url(&self, number: &str) -> String {
        match self.forge {
            Forge::GitLab => format!("{}/-/issues/{number}", self.base),
            Forge::GitHub | Forge::Gitea | Forge::Bitbucket => {
                format!("{}/issues/{number}", self.base)
            }
        }
    }
}

/// Returns (host, `https://host[:port]/path`).
fn normalise(url: &str) -> Result<(String, String), ParseRemoteError> {
    let fail = |reason| ParseRemoteError {
        url: url.to_owned(),
        reason,
    };
    let trimmed = url.trim();
    let (scheme, rest) = match trimmed.split_once("://") {
        Some((scheme, rest)) => (Some(scheme.to_ascii_lowercase()), rest),
        None => (None, trimmed),
    };
    let (authority, path, keep_port) = match scheme.as_deref() {
        Some("https" | "http") => {
            let (auth, path) = rest.split_once('/').unwrap_or((rest, ""));
            (auth, path, true)
        }
        Some("ssh" | "git+ssh" | "ssh+git" | "git") => {
            let (auth, path) = rest.split_once('/').unwrap_or((rest, ""));
            (auth, path, false)
        }
        Some(_) => return Err(fail(RemoteRejection::NotAUrl)),
        None => {
            // scp-like: [user@]host:path (a local path has no ':' before the first '/').
            let colon = rest
                .find(':')
                .ok_or_else(|| fail(RemoteRejection::NotAUrl))?;
            if rest[..colon].contains('/') || colon == 0 {
                return Err(fail(RemoteRejection::NotAUrl));
            }
            (
                &rest[..colon],
                rest[colon + 1..].trim_start_matches('/'),
                false,
            )
        }
    };
    let host_port = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    let host = host_port.split(':').next().unwrap_or(host_port);
    if host.is_empty() || host.contains(char::is_whitespace) {
        return Err(fail(RemoteRejection::NotAUrl));
    }
    let path = path.trim_end_matches('/');
    let path = path.strip_suffix(".git").unwrap_or(path).trim_matches('/');
    if !path.contains('/') || path.split('/').any(str::is_empty) {
        return Err(fail(RemoteRejection::MissingPath));
    }
    let authority = if keep_port { host_port } else { host };
    Ok((host.to_owned(), format!("https://{authority}/{path}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalises_every_form() {
        for url in [
            "https://github.com/o/r",
            "https://github.com/o/r.git",
            "https://github.com/o/r/",
            "https://user:token@github.com/o/r.git",
            "http://github.com/o/r",
            "git@github.com:o/r.git",
            "github.com:o/r",
            "ssh://git@github.com/o/r.git",
            "ssh://git@github.com:22/o/r.git",
            "git+ssh://git@github.com/o/r",
        ] {
            let remote = Remote::parse(url).expect(url);
            assert_eq!(remote.base(), "https://github.com/o/r", "{url}");
            assert_eq!(remote.forge(), Forge::GitHub);
        }
        assert!(matches!(
            Remote::parse("/srv/repo.git").map_err(|e| e.reason),
            Err(RemoteRejection::NotAUrl)
        ));
        let e = Remote::parse("https://github.com/").expect_err("no path");
        assert_eq!(e.reason, RemoteRejection::MissingPath);
        let e = Remote::parse("https://git.example.com/o/r").expect_err("unknown");
        assert_eq!(e.reason, RemoteRejection::UnknownForge);
        let r = Remote::with_forge("https://git.example.com:8443/o/r", Forge::Gitea).expect("ok");
        assert_eq!(r.base(), "https://git.example.com:8443/o/r");
    }

    #[test]
    fn links_per_forge() {
        let gh = Remote::parse("git@github.com:o/r.git").expect("gh");
        assert_eq!(gh.commit_url("abc"), "https://github.com/o/r/commit/abc");
        assert_eq!(gh.issue_url("4"), "https://github.com/o/r/issues/4");
        assert_eq!(gh.tag_url("v1"), "https://github.com/o/r/releases/tag/v1");
        let gl = Remote::parse("https://gitlab.example.org/g/s/r.git").expect("gl");
        assert_eq!(
            gl.commit_url("abc"),
            "https://gitlab.example.org/g/s/r/-/commit/abc"
        );
        assert_eq!(
            gl.issue_url("4"),
            "https://gitlab.example.org/g/s/r/-/issues/4"
        );
        assert_eq!(
            gl.tag_url("v1"),
            "https://gitlab.example.org/g/s/r/-/tags/v1"
        );
        let gt = Remote::parse("https://codeberg.org/o/r").expect("gitea");
        assert_eq!(gt.forge(), Forge::Gitea);
        assert_eq!(
            gt.compare_url("a", "b"),
            "https://codeberg.org/o/r/compare/a...b"
        );
        let bb = Remote::parse("git@bitbucket.org:o/r.git").expect("bb");
        assert_eq!(
            bb.commit_url("abc"),
            "https://bitbucket.org/o/r/commits/abc"
        );
        assert_eq!(
            bb.compare_url("v1", "v2"),
            "https://bitbucket.org/o/r/branches/compare/v2%0Dv1"
        );
        assert_eq!("GitLab".parse::<Forge>(), Ok(Forge::GitLab));
        assert!("svn".parse::<Forge>().is_err());
    }
}
