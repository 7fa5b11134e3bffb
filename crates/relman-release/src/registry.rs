//! The registry side of a release: what the registry's index lists ([`RegistryIndex`], with
//! [`SparseIndex`] for a sparse HTTP index), and the publish command run with retries
//! ([`run_publish`]).
//!
//! Transient failures (a 5xx reply, a timeout, a reset connection, HTTP 429) are retried with
//! exponential backoff (the first wait is [`PublishRetry::first_backoff`], doubling, at most
//! [`PublishRetry::max_backoff`]). On HTTP 429 crates.io's reply says when to try again
//! (`Please try again after Tue, 05 Dec 2026 12:00:00 GMT`); cargo prints that reply, so the
//! retry waits until that time (plus one second) when the output reveals it, and the backoff
//! otherwise. A reply saying the version already exists counts as published.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::Command;
use std::time::Duration;

use chrono::{DateTime, Utc};
use semver::Version;

use crate::Clock;
use crate::workspace::{CommandEnv, tail};

/// What a registry's index says about crates: the small port that the release engine reads
/// to skip versions already published and to wait until a new version shows.
pub trait RegistryIndex {
    /// The versions of crate `name` the index lists (yanked ones included), `None` when it
    /// does not know the crate.
    ///
    /// # Errors
    ///
    /// [`ReadIndexError`] when the index cannot be read.
    fn versions(&self, name: &str) -> Result<Option<Vec<Version>>, ReadIndexError>;

    /// Whether the index lists `version` of `name`.
    ///
    /// # Errors
    ///
    /// [`ReadIndexError`] when the index cannot be read.
    fn has(&self, name: &str, version: &Version) -> Result<bool, ReadIndexError> {
        Ok(self
            .versions(name)?
            .is_some_and(|v| v.iter().any(|x| x == version)))
    }
}

/// Returned by [`RegistryIndex::versions`].
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ReadIndexError {
    /// The index could not be reached.
    #[error("cannot read the index file {url}")]
    Unreachable {
        /// The URL.
        url: String,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// The index answered with an unexpected status.
    #[error("the index file {url} answered HTTP {status}")]
    Status {
        /// The URL.
        url: String,
        /// The HTTP status.
        status: u16,
    },
    /// The URL is not one the index reader understands.
    #[error("unsupported index URL {url} (expected http:// or https://)")]
    Url {
        /// The URL.
        url: String,
    },
}

/// A sparse registry index read over HTTP: `GET {base}/{prefix}/{name}` as Cargo's sparse
/// protocol lays it out (`1/a`, `2/ab`, `3/a/abc`, `ab/cd/abcd...`), one JSON line per version.
/// `http://` is read with a plain HTTP/1.1 request; `https://` through the `curl` command. A
/// missing file (HTTP 403, 404, 405, 410 or 451) means the registry does not know the crate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SparseIndex {
    base: String,
}

impl SparseIndex {
    /// The index at `base` (e.g. `https://index.crates.io`, with or without a `sparse+`
    /// prefix or a trailing slash).
    pub fn new(base: impl Into<String>) -> Self {
        let base = base.into();
        let base = base.strip_prefix("sparse+").unwrap_or(&base);
        Self {
            base: base.trim_end_matches('/').to_owned(),
        }
    }

    /// The URL of the index file of `name`.
    pub fn url(&self, name: &str) -> String {
        format!("{}/{}", self.base, index_path(name))
    }
}

/// The path of a crate's file in a registry index.
pub fn index_path(name: &str) -> String {
    let name = name.to_ascii_lowercase();
    // Cargo package names are ASCII; count characters so another name cannot split one.
    let chars: Vec<char> = name.chars().collect();
    let part = |range: std::ops::Range<usize>| chars[range].iter().collect::<String>();
    match chars.len() {
        0..=2 => format!("{}/{name}", chars.len()),
        3 => format!("3/{}/{name}", part(0..1)),
        _ => format!("{}/{}/{name}", part(0..2), part(2..4)),
    }
}

impl RegistryIndex for SparseIndex {
    fn versions(&self, name: &str) -> Result<Option<Vec<Version>>, ReadIndexError> {
        let url = self.url(name);
        let (status, body) = if let Some(rest) = url.strip_prefix("http://") {
            http_get(rest).map_err(|source| ReadIndexError::Unreachable {
                url: url.clone(),
                source,
            })?
        } else if url.starts_with("https://") {
            curl_get(&url).map_err(|source| ReadIndexError::Unreachable {
                url: url.clone(),
                source,
            })?
        } else {
            return Err(ReadIndexError::Url { url });
        };
        match status {
            200 => Ok(Some(parse_index_file(&body))),
            // A missing index file: 404 or 410 by the protocol; 403 from registries served
            // by object stores; 405 from cargo-http-registry (its routes answer so).
            403..=405 | 410 | 451 => Ok(None),
            status => Err(ReadIndexError::Status { url, status }),
        }
    }
}

/// The versions of an index file (one JSON object per line with a `vers` key); lines that are
/// not such objects are skipped.
pub fn parse_index_file(text: &str) -> Vec<Version> {
    text.lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter_map(|v| v.get("vers")?.as_str()?.parse().ok())
        .collect()
}

/// A plain HTTP/1.1 GET of `host[:port]/path`; returns the status and the body.
fn http_get(rest: &str) -> std::io::Result<(u16, String)> {
    let (host, path) = rest.split_once('/').unwrap_or((rest, ""));
    let address = if host.contains(':') {
        host.to_owned()
    } else {
        format!("{host}:80")
    };
    let mut stream = TcpStream::connect(&address)?;
    stream.set_read_timeout(Some(Duration::from_secs(30)))?;
    stream.set_write_timeout(Some(Duration::from_secs(30)))?;
    write!(
        stream,
        "GET /{path} HTTP/1.1\r\nHost: {host}\r\nUser-Agent: relman\r\nAccept: */*\r\nConnection: close\r\n\r\n"
    )?;
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw)?;
    let text = String::from_utf8_lossy(&raw);
    let (head, body) = text
        .split_once("\r\n\r\n")
        .ok_or_else(|| std::io::Error::other("truncated HTTP reply"))?;
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| std::io::Error::other("no HTTP status line"))?;
    let chunked = head.lines().any(|l| {
        let l = l.to_ascii_lowercase();
        l.starts_with("transfer-encoding:") && l.contains("chunked")
    });
    let body = if chunked {
        dechunk(body)
    } else {
        body.to_owned()
    };
    Ok((status, body))
}

/// The body of a chunked HTTP reply.
fn dechunk(mut body: &str) -> String {
    let mut out = String::new();
    while let Some((size, rest)) = body.split_once("\r\n") {
        let Ok(size) = usize::from_str_radix(size.trim(), 16) else {
            break;
        };
        if size == 0 || rest.len() < size {
            break;
        }
        out.push_str(&rest[..size]);
        body = rest[size..].strip_prefix("\r\n").unwrap_or(&rest[size..]);
    }
    out
}

/// An HTTPS GET through `curl`; returns the status and the body.
fn curl_get(url: &str) -> std::io::Result<(u16, String)> {
    let out = Command::new("curl")
        .args(["-sS", "--max-time", "30", "-w", "\n%{http_code}", url])
        .output()?;
    if !out.status.success() {
        return Err(std::io::Error::other(tail(
            &String::from_utf8_lossy(&out.stderr),
            500,
        )));
    }
    let text = String::from_utf8_lossy(&out.stdout);
    let (body, status) = text.rsplit_once('\n').unwrap_or(("", &text));
    let status = status
        .trim()
        .parse()
        .map_err(|_| std::io::Error::other("curl printed no HTTP status"))?;
    Ok((status, body.to_owned()))
}

/// How a failed publish is retried.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct PublishRetry {
    /// Attempts in all (at least 1).
    pub attempts: u32,
    /// The first backoff; each next one doubles.
    pub first_backoff: Duration,
    /// The longest backoff.
    pub max_backoff: Duration,
    /// The longest wait for a 429 reset time.
    pub max_rate_limit_wait: Duration,
}

impl Default for PublishRetry {
    /// 5 attempts, backoff 2 s doubling up to 60 s, at most 1 hour for a 429 reset.
    fn default() -> Self {
        Self {
            attempts: 5,
            first_backoff: Duration::from_secs(2),
            max_backoff: Duration::from_secs(60),
            max_rate_limit_wait: Duration::from_secs(3600),
        }
    }
}

/// How a publish ended.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Published {
    /// The command succeeded, after `attempts` tries.
    Done {
        /// Tries, from 1.
        attempts: u32,
    },
    /// The registry said the version already exists.
    AlreadyThere,
}

/// Returned by [`run_publish`].
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PublishError {
    /// The command could not be started.
    #[error("cannot run the publish command `{command}`")]
    Spawn {
        /// The command line.
        command: String,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// The command failed for a reason that retrying does not fix, or failed every attempt.
    #[error(
        "the publish command `{command}` failed after {attempts} attempt(s) ({status}): {output}"
    )]
    Failed {
        /// The command line.
        command: String,
        /// Attempts made.
        attempts: u32,
        /// The last exit status.
        status: String,
        /// The end of its output.
        output: String,
    },
    /// The publish command is empty.
    #[error("the publish command is empty")]
    EmptyCommand,
}

/// What a failed publish's output says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Failure {
    /// Already published.
    AlreadyThere,
    /// Rate-limited, with the reset time when the reply gave it.
    RateLimited(Option<DateTime<Utc>>),
    /// Worth retrying.
    Transient,
    /// Not worth retrying.
    Permanent,
}

fn classify(output: &str) -> Failure {
    let lower = output.to_ascii_lowercase();
    if lower.contains("already exists") || lower.contains("already uploaded") {
        return Failure::AlreadyThere;
    }
    if lower.contains("429") || lower.contains("too many requests") {
        return Failure::RateLimited(reset_time(output));
    }
    const TRANSIENT: [&str; 10] = [
        "500 internal server error",
        "502",
        "503",
        "504",
        "timed out",
        "timeout",
        "connection reset",
        "connection refused",
        "failed to get a 200 ok",
        "spurious",
    ];
    if TRANSIENT.iter().any(|t| lower.contains(t)) {
        Failure::Transient
    } else {
        Failure::Permanent
    }
}

/// The reset time of a crates.io 429 reply: `try again after <RFC 2822 date>`.
fn reset_time(output: &str) -> Option<DateTime<Utc>> {
    let lower = output.to_ascii_lowercase();
    let at = lower.find("try again after ")? + "try again after ".len();
    let rest = &output[at..];
    // The date runs to " or " / a newline; try the longest prefix that parses.
    let end = rest
        .find(" or ")
        .or_else(|| rest.find('\n'))
        .unwrap_or(rest.len());
    let candidate = rest[..end].trim().trim_end_matches(['.', ',']);
    DateTime::parse_from_rfc2822(candidate)
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

/// Runs the publish command `argv` in `dir` with `env` added, retrying transient failures as the module docs
/// say, waiting with `clock`.
///
/// # Errors
///
/// [`PublishError`] when the command cannot start, fails permanently, or fails every attempt.
pub fn run_publish(
    argv: &[String],
    dir: &Path,
    env: &CommandEnv,
    retry: &PublishRetry,
    clock: &dyn Clock,
) -> Result<Published, PublishError> {
    let (program, args) = argv.split_first().ok_or(PublishError::EmptyCommand)?;
    let command = argv.join(" ");
    let attempts = retry.attempts.max(1);
    let mut backoff = retry.first_backoff;
    for attempt in 1..=attempts {
        let out = Command::new(program)
            .args(args)
            .current_dir(dir)
            .envs(env.iter().map(|(k, v)| (k, v)))
            .output()
            .map_err(|source| PublishError::Spawn {
                command: command.clone(),
                source,
            })?;
        if out.status.success() {
            return Ok(Published::Done { attempts: attempt });
        }
        let output = format!(
            "{}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        let wait = match classify(&output) {
            Failure::AlreadyThere => return Ok(Published::AlreadyThere),
            Failure::Permanent => None,
            Failure::Transient => Some(backoff),
            Failure::RateLimited(reset) => Some(
                reset
                    .and_then(|at| (at - clock.now()).to_std().ok())
                    .map_or(backoff, |d| {
                        (d + Duration::from_secs(1)).min(retry.max_rate_limit_wait)
                    }),
            ),
        };
        match wait {
            Some(wait) if attempt < attempts => {
                clock.sleep(wait);
                backoff = (backoff * 2).min(retry.max_backoff);
            }
            _ => {
                return Err(PublishError::Failed {
                    command,
                    attempts: attempt,
                    status: out.status.to_string(),
                    output: tail(&output, 2000),
                });
            }
        }
    }
    unreachable_failed(command, attempts)
}

fn unreachable_failed(command: String, attempts: u32) -> Result<Published, PublishError> {
    Err(PublishError::Failed {
        command,
        attempts,
        status: "not run".to_owned(),
        output: String::new(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn index_paths_follow_cargo() {
        assert_eq!(index_path("a"), "1/a");
        assert_eq!(index_path("ab"), "2/ab");
        assert_eq!(index_path("abc"), "3/a/abc");
        assert_eq!(index_path("Serde"), "se/rd/serde");
        assert_eq!(
            index_path("\u{e9}t\u{e9}s"),
            "\u{e9}t/\u{e9}s/\u{e9}t\u{e9}s"
        );
    }

    #[test]
    fn a_429_reply_gives_its_reset_time() {
        let out = "error: failed to publish to registry at https://crates.io\n\nCaused by:\n  \
                   the remote server responded with an error (status 429 Too Many Requests): \
                   You have published too many new crates in a short period of time. Please try \
                   again after Sat, 05 Dec 2026 12:10:00 GMT or email help@crates.io to have your \
                   limit increased.";
        assert_eq!(
            classify(out),
            Failure::RateLimited(Some("2026-12-05T12:10:00Z".parse().expect("time")))
        );
        assert_eq!(
            classify("error: 503 Service Unavailable"),
            Failure::Transient
        );
        assert_eq!(
            classify("error: crate version `a@0.1.0` already exists"),
            Failure::AlreadyThere
        );
        assert_eq!(
            classify("error: failed to verify package"),
            Failure::Permanent
        );
    }

    /// A clock that records the waits instead of sleeping.
    struct FakeClock {
        now: DateTime<Utc>,
        slept: std::cell::RefCell<Vec<Duration>>,
    }

    impl Clock for FakeClock {
        fn now(&self) -> DateTime<Utc> {
            self.now
        }
        fn sleep(&self, duration: Duration) {
            self.slept.borrow_mut().push(duration);
        }
    }

    /// A publish command (a shell script) that prints `replies` one per call, failing until
    /// the last, which succeeds.
    #[cfg(unix)]
    fn flaky(dir: &Path, replies: &[&str]) -> Vec<String> {
        use std::os::unix::fs::PermissionsExt;
        let mut script = String::from(
            "#!/bin/sh\nn=$(cat count 2>/dev/null || echo 0)\necho $((n + 1)) > count\ncase $n in\n",
        );
        for (i, reply) in replies.iter().enumerate() {
            let code = if i + 1 == replies.len() { 0 } else { 1 };
            script.push_str(&format!("{i}) echo '{reply}' >&2; exit {code};;\n"));
        }
        script.push_str("esac\nexit 3\n");
        let path = dir.join("publish.sh");
        std::fs::write(&path, script).expect("script");
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).expect("chmod");
        vec![path.display().to_string()]
    }

    #[cfg(unix)]
    #[test]
    fn transient_failures_back_off_and_a_429_waits_for_its_reset_time() {
        let dir = tempfile::tempdir().expect("tempdir");
        let argv = flaky(
            dir.path(),
            &[
                "error: 503 Service Unavailable",
                "error: 429 Too Many Requests: Please try again after Sat, 05 Dec 2026 12:10:00 GMT or email help@crates.io",
                "Uploaded",
            ],
        );
        let clock = FakeClock {
            now: "2026-12-05T12:00:00Z".parse().expect("time"),
            slept: Default::default(),
        };
        let published = run_publish(&argv, dir.path(), &[], &PublishRetry::default(), &clock)
            .expect("published");
        assert_eq!(published, Published::Done { attempts: 3 });
        assert_eq!(
            *clock.slept.borrow(),
            [Duration::from_secs(2), Duration::from_secs(601)]
        );
    }

    #[cfg(unix)]
    #[test]
    fn a_permanent_failure_stops_at_once_and_already_exists_counts_as_published() {
        let dir = tempfile::tempdir().expect("tempdir");
        let argv = flaky(
            dir.path(),
            &["error: failed to verify package tarball", "Uploaded"],
        );
        let clock = FakeClock {
            now: "2026-12-05T12:00:00Z".parse().expect("time"),
            slept: Default::default(),
        };
        let err = run_publish(&argv, dir.path(), &[], &PublishRetry::default(), &clock)
            .expect_err("permanent");
        assert!(
            matches!(err, PublishError::Failed { attempts: 1, .. }),
            "{err}"
        );
        assert!(clock.slept.borrow().is_empty());

        let dir = tempfile::tempdir().expect("tempdir");
        let argv = flaky(
            dir.path(),
            &["error: crate version `a@1.0.0` already exists", "x"],
        );
        let published =
            run_publish(&argv, dir.path(), &[], &PublishRetry::default(), &clock).expect("ok");
        assert_eq!(published, Published::AlreadyThere);
    }

    #[test]
    fn index_files_list_their_versions() {
        let text = "{\"name\":\"a\",\"vers\":\"0.1.0\"}\n{\"name\":\"a\",\"vers\":\"0.2.0\"}\n";
        assert_eq!(
            parse_index_file(text),
            [Version::new(0, 1, 0), Version::new(0, 2, 0)]
        );
    }
}
