//! Real parts for the release tests: a bare git remote, a generated Cargo workspace with path
//! dependencies, a crate registry served on localhost by `cargo-http-registry`, an approved
//! and scheduled change request in a journal store, and the release plan bound to it.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use chrono::{DateTime, Utc};
use relman_env::store::{JournalStore, LineageId, Revision, Store};
use relman_env::{EnvState, Event, EventKind, OpenChangeRequest};
use relman_plan::{ReleaseConfig, ReleasePlan};
use relman_release::registry::SparseIndex;
use relman_release::{Clock, Mode, Release, ReleaseOutcome};

/// The wall clock (tests may read it; the library does not).
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
    fn sleep(&self, duration: Duration) {
        std::thread::sleep(duration);
    }
}

/// Runs `program args` in `dir` with `env`; fails with its stderr.
pub fn run(dir: &Path, env: &[(String, String)], program: &str, args: &[&str]) -> Result<String> {
    let out = Command::new(program)
        .args(args)
        .current_dir(dir)
        .envs(env.iter().map(|(k, v)| (k, v)))
        .output()
        .with_context(|| format!("cannot run {program}"))?;
    if !out.status.success() {
        bail!(
            "{program} {args:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    Ok(String::from_utf8_lossy(&out.stdout).trim().to_owned())
}

/// A crate registry served by `cargo-http-registry` on a free 127.0.0.1 port; stopped on drop.
pub struct Registry {
    child: Child,
    /// The registry's root (its git index and crate files).
    pub root: PathBuf,
    /// The HTTP API, e.g. `http://127.0.0.1:35503`.
    pub api: String,
}

impl Registry {
    /// Starts the registry in `root`. Fails with how to install it when the binary is missing.
    pub fn start(root: &Path, env: &[(String, String)]) -> Result<Self> {
        let child = Command::new("cargo-http-registry")
            .args(["--addr", "127.0.0.1:0"])
            .arg(root)
            .envs(env.iter().map(|(k, v)| (k, v)))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn();
        let child = match child {
            Ok(c) => c,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => bail!(
                "the release tests need a real crate registry: `cargo-http-registry` is not on \
                 PATH; install it with `cargo install --locked cargo-http-registry` (as .ci/run does)"
            ),
            Err(e) => return Err(e).context("cannot start cargo-http-registry"),
        };
        let mut registry = Self {
            child,
            root: root.to_owned(),
            api: String::new(),
        };
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let Ok(text) = std::fs::read_to_string(root.join("config.json"))
                && let Ok(json) = serde_json::from_str::<serde_json::Value>(&text)
                && let Some(api) = json.get("api").and_then(|a| a.as_str())
                && std::net::TcpStream::connect(api.trim_start_matches("http://")).is_ok()
            {
                registry.api = api.trim_end_matches('/').to_owned();
                return Ok(registry);
            }
            if Instant::now() > deadline {
                bail!("cargo-http-registry did not start within 30 s");
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// The registry's index read over HTTP (its files are served under `/crates`).
    pub fn index(&self) -> SparseIndex {
        SparseIndex::new(format!("{}/crates", self.api))
    }

    /// The versions the index file of `name` lists, read from disk, one per published version.
    pub fn published(&self, name: &str) -> Vec<String> {
        let path = self.root.join(relman_release::registry::index_path(name));
        std::fs::read_to_string(path)
            .map(|t| {
                relman_release::registry::parse_index_file(&t)
                    .iter()
                    .map(ToString::to_string)
                    .collect()
            })
            .unwrap_or_default()
    }
}

impl Drop for Registry {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The generated workspace: `c1` (no dependencies, a hand-written changelog), `c2` depends on
/// `c1` (inline table with a comment), `c3` on `c1` and `c2` (`[dependencies.c2]` table, `=`
/// requirement), `c4` on `c3` through `[workspace.dependencies]`, `c5` dev-depends on `c1`,
/// `c6` is not released.
pub const CRATES: [&str; 6] = ["c1", "c2", "c3", "c4", "c5", "c6"];

/// One test's world: remote, workspace, registry, ledger, plan.
pub struct World {
    /// Keeps everything alive.
    pub dir: tempfile::TempDir,
    /// The workspace (a clone of the remote).
    pub repo: PathBuf,
    /// The bare remote.
    pub remote: PathBuf,
    /// The ledger directory.
    pub state: PathBuf,
    /// The saved plan.
    pub plan_file: PathBuf,
    /// The plan.
    pub plan: ReleasePlan,
    /// The registry.
    pub registry: Registry,
    /// Environment for every command (isolated CARGO_HOME, git identity and config).
    pub env: Vec<(String, String)>,
    /// The `[release]` configuration.
    pub config: ReleaseConfig,
}

fn write(path: &Path, text: &str) -> Result<()> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    std::fs::write(path, text).with_context(|| format!("cannot write {}", path.display()))
}

const ROOT_MANIFEST: &str = r#"# The generated workspace of the release tests.
[workspace]
members = ["crates/*"]
resolver = "2"

[workspace.package]
edition = "2021"
license = "MIT"

[workspace.dependencies]
# c4 takes c3 from here
c3 = { path = "crates/c3", version = "0.1.0", registry = "local" }
"#;

fn member_manifest(name: &str) -> String {
    let deps = match name {
        "c2" => {
            "[dependencies]\nc1 = { path = \"../c1\", version = \"0.1.0\", registry = \"local\" } # the base\n"
        }
        "c3" => {
            "[dependencies]\nc1 = { version = \"^0.1\", path = \"../c1\", registry = \"local\" }\n\n[dependencies.c2]\npath = \"../c2\"\nversion = \"=0.1.0\"\nregistry = \"local\"\n"
        }
        "c4" => "[dependencies]\nc3.workspace = true\n",
        "c5" => {
            "[dev-dependencies]\nc1 = { path = \"../c1\", version = \"0.1.0\", registry = \"local\" }\n"
        }
        _ => "",
    };
    format!(
        "[package]\nname = \"{name}\"\nversion = \"0.1.0\" # bumped by relman release\ndescription = \"generated crate {name}\"\nedition.workspace = true\nlicense.workspace = true\n\n{deps}"
    )
}

fn member_source(name: &str) -> String {
    let body = match name {
        "c2" => "c1::name().len() + 1",
        "c3" => "c1::name().len() + c2::value()",
        "c4" => "c3::value() * 2",
        _ => "1",
    };
    format!(
        "//! Generated crate {name}.\n\n/// The crate's name.\npub fn name() -> &'static str {{\n    \"{name}\"\n}}\n\n/// A value from the dependencies.\npub fn value() -> usize {{\n    {body}\n}}\n"
    )
}

fn component(name: &str, next: &str, release: bool, date: &str) -> serde_json::Value {
    let changelog = if release {
        format!("## [{next}] - {date}\n\n### Added\n\n- A feature of {name}.\n")
    } else {
        String::new()
    };
    serde_json::json!({
        "name": name,
        "current": "0.1.0",
        "next": next,
        "bump": if release { "minor" } else { "none" },
        "release": release,
        "first_release": false,
        "last_tag": format!("{name}-v0.1.0"),
        "tag": format!("{name}-v{next}"),
        "changes": 1,
        "evidence": [],
        "reasons": [],
        "propagated": [],
        "changelog": changelog,
    })
}

/// The plan releasing c1..c5 at 0.2.0 in waves (c1, c5), (c2), (c3), (c4); c6 stays, or with
/// `all` is released in the first wave too.
fn make_plan(head: &str, start: DateTime<Utc>, all: bool) -> Result<ReleasePlan> {
    let date = start.format("%Y-%m-%d").to_string();
    let mut components: Vec<_> = CRATES[..5]
        .iter()
        .map(|n| component(n, "0.2.0", true, &date))
        .collect();
    components.push(if all {
        component("c6", "0.2.0", true, &date)
    } else {
        component("c6", "0.1.0", false, &date)
    });
    let waves = if all {
        serde_json::json!([["c1", "c5", "c6"], ["c2"], ["c3"], ["c4"]])
    } else {
        serde_json::json!([["c1", "c5"], ["c2"], ["c3"], ["c4"]])
    };
    let json = serde_json::json!({
        "schema_version": relman_plan::plan::SCHEMA_VERSION,
        "repository": ".",
        "head": head,
        "config": "defaults",
        "start": start.to_rfc3339(),
        "propagation": "always_patch",
        "components": components,
        "waves": waves,
        "risk": {"score": 10, "level": "low", "method": "test", "reasons": [], "mitigations": [], "riskiest_changes": []},
        "schedule": {"unit": "hour", "makespan_hours": 0, "finish": null, "tasks": [], "critical_path": []},
        "digest": "",
        "change_request": {
            "id": "CR-00000000", "kind": "normal", "title": "Release c1..c5 0.2.0",
            "requester": "ana", "state": "draft", "digest": "", "approvals_required": 1,
            "created": start.to_rfc3339()
        }
    });
    let mut plan: ReleasePlan = serde_json::from_value(json)?;
    let digest = plan.content_digest();
    plan.digest.clone_from(&digest);
    plan.change_request.digest.clone_from(&digest);
    plan.change_request.id = format!("CR-{}", &digest[..8]);
    plan.verify()?;
    Ok(plan)
}

/// What governance should see.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Governance {
    /// Opened, assessed, submitted, approved by bob, scheduled around now.
    Approved,
    /// Opened and submitted only; a freeze in force.
    UnapprovedAndFrozen,
    /// As `Approved`, with a plan that releases all six crates.
    ApprovedAll,
}

impl World {
    /// Builds a fresh world in a temporary directory.
    pub fn new(governance: Governance) -> Result<Self> {
        let dir = tempfile::tempdir()?;
        let base = dir.path().to_owned();
        let cargo_home = base.join("cargo-home");
        let registry_root = base.join("registry");
        let git_config = base.join("gitconfig");
        write(&git_config, "[init]\n\tdefaultBranch = main\n")?;
        let env: Vec<(String, String)> = [
            ("CARGO_HOME", cargo_home.display().to_string()),
            ("CARGO_REGISTRIES_LOCAL_TOKEN", "relman-test".to_owned()),
            ("CARGO_TERM_COLOR", "never".to_owned()),
            (
                "CARGO_TARGET_DIR",
                base.join("target").display().to_string(),
            ),
            ("GIT_CONFIG_GLOBAL", git_config.display().to_string()),
            ("GIT_CONFIG_NOSYSTEM", "1".to_owned()),
            ("GIT_AUTHOR_NAME", "Relman Test".to_owned()),
            ("GIT_AUTHOR_EMAIL", "test@relman.invalid".to_owned()),
            ("GIT_COMMITTER_NAME", "Relman Test".to_owned()),
            ("GIT_COMMITTER_EMAIL", "test@relman.invalid".to_owned()),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v))
        .collect();
        let registry = Registry::start(&registry_root, &env)?;
        write(
            &cargo_home.join("config.toml"),
            &format!(
                "[registries.local]\nindex = \"file://{}\"\n\n[net]\ngit-fetch-with-cli = true\n",
                registry_root.display()
            ),
        )?;

        let remote = base.join("remote.git");
        std::fs::create_dir_all(&remote)?;
        run(
            &remote,
            &env,
            "git",
            &["init", "-q", "--bare", "-b", "main"],
        )?;
        let repo = base.join("work");
        write(&repo.join("Cargo.toml"), ROOT_MANIFEST)?;
        write(&repo.join(".gitignore"), "/target\n")?;
        for name in CRATES {
            let dir = repo.join("crates").join(name);
            write(&dir.join("Cargo.toml"), &member_manifest(name))?;
            write(&dir.join("src/lib.rs"), &member_source(name))?;
        }
        write(
            &repo.join("crates/c1/CHANGELOG.md"),
            "# Changelog\n\nHand-written notes stay.\n\n## [Unreleased]\n\n## [0.1.0] - 2026-01-01\n\n### Added\n\n- First release.\n",
        )?;
        run(&repo, &env, "cargo", &["generate-lockfile", "--offline"])?;
        run(&repo, &env, "git", &["init", "-q", "-b", "main"])?;
        run(&repo, &env, "git", &["add", "-A"])?;
        run(
            &repo,
            &env,
            "git",
            &["commit", "-q", "-m", "feat: the generated workspace"],
        )?;
        run(
            &repo,
            &env,
            "git",
            &["remote", "add", "origin", &remote.display().to_string()],
        )?;
        run(&repo, &env, "git", &["push", "-q", "origin", "main"])?;
        let head = run(&repo, &env, "git", &["rev-parse", "HEAD"])?;

        let now = Utc::now();
        let plan = make_plan(&head, now, governance == Governance::ApprovedAll)?;
        let plan_file = base.join("plan/release-plan.json");
        write(&plan_file, &serde_json::to_string_pretty(&plan)?)?;

        let state = base.join("state");
        let mut store =
            JournalStore::<Event>::create(&state, LineageId::new("release-test")?)?.store;
        let draft = plan.draft()?;
        let id = draft.id.clone();
        let digest = draft.digest.clone();
        let at = now - chrono::Duration::hours(2);
        let mut events = vec![OpenChangeRequest::default().into_event(Some(&draft), at)?];
        let kinds = match governance {
            Governance::Approved | Governance::ApprovedAll => vec![
                EventKind::ChangeRequestAssessed {
                    change_request: id.clone(),
                    score: 10,
                    level: relman_model::RiskLevel::Low,
                },
                EventKind::ChangeRequestSubmitted {
                    change_request: id.clone(),
                },
                EventKind::ChangeRequestApproved {
                    change_request: id.clone(),
                    digest,
                },
                EventKind::ChangeRequestScheduled {
                    change_request: id.clone(),
                    start: now - chrono::Duration::hours(1),
                    finish: now + chrono::Duration::hours(6),
                },
            ],
            Governance::UnapprovedAndFrozen => vec![
                EventKind::ChangeRequestAssessed {
                    change_request: id.clone(),
                    score: 10,
                    level: relman_model::RiskLevel::Low,
                },
                EventKind::ChangeRequestSubmitted {
                    change_request: id.clone(),
                },
                EventKind::WindowDeclared {
                    window: relman_model::Window::new(
                        "year-end",
                        relman_model::WindowKind::Freeze,
                        now - chrono::Duration::hours(1),
                        now + chrono::Duration::hours(1),
                    )?,
                },
            ],
        };
        for (i, kind) in kinds.into_iter().enumerate() {
            let by = if i == 2 { "bob" } else { "ana" };
            events.push(Event::new(at, Some(by.parse()?), kind));
        }
        store.append(Revision::ZERO, &events)?;
        let state_now = EnvState::fold(&store.load()?);
        assert!(state_now.rejected.is_empty(), "{:?}", state_now.rejected);

        let config = config_for(&registry.api);
        Ok(Self {
            dir,
            repo,
            remote,
            state,
            plan_file,
            plan,
            registry,
            env,
            config,
        })
    }

    /// A release of the world's plan with its environment and generous rate limits.
    pub fn release(&self) -> Release<'_> {
        release_of(&self.plan, &self.config, &self.repo, &self.env)
    }

    /// Runs the release to its end in this process.
    pub fn run(&self, mode: Mode) -> Result<(ReleaseOutcome, Vec<String>)> {
        let mut store = JournalStore::<Event>::open(&self.state)?.store;
        let mut lines = Vec::new();
        let outcome = self.release().run(
            &mut store,
            &self.registry.index(),
            &SystemClock,
            mode,
            &mut |r| lines.push(format!("{:?} {}", r.status, r.step)),
        )?;
        Ok((outcome, lines))
    }

    /// `git` in the workspace.
    pub fn git(&self, args: &[&str]) -> Result<String> {
        run(&self.repo, &self.env, "git", args)
    }

    /// `git` in the bare remote.
    pub fn remote_git(&self, args: &[&str]) -> Result<String> {
        run(&self.remote, &self.env, "git", args)
    }

    /// The text of a workspace file.
    pub fn read(&self, path: &str) -> String {
        std::fs::read_to_string(self.repo.join(path)).unwrap_or_default()
    }

    /// The release steps recorded in the ledger for the plan.
    pub fn recorded_steps(&self) -> Result<Vec<String>> {
        let mut store = JournalStore::<Event>::open_read_only(&self.state)?.store;
        let state = EnvState::fold(&store.load()?);
        Ok(state
            .release_steps
            .get(&self.plan.digest.parse()?)
            .cloned()
            .unwrap_or_default())
    }

    /// What the end of a release is judged on: every manifest and changelog, the tree of
    /// each tag, the remote's tags and branch tree, and the registry's versions per crate.
    pub fn fingerprint(&self) -> Result<Vec<String>> {
        let mut out = Vec::new();
        out.push(format!("root {}", self.read("Cargo.toml")));
        out.push(format!("lock {}", self.read("Cargo.lock")));
        for name in CRATES {
            out.push(format!(
                "{name} manifest {}",
                self.read(&format!("crates/{name}/Cargo.toml"))
            ));
            out.push(format!(
                "{name} changelog {}",
                self.read(&format!("crates/{name}/CHANGELOG.md"))
            ));
            out.push(format!(
                "{name} registry {:?}",
                self.registry.published(name)
            ));
        }
        out.push(format!("status {}", self.git(&["status", "--porcelain"])?));
        out.push(format!("local tags {}", self.git(&["tag", "--list"])?));
        for tag in self.git(&["tag", "--list"])?.lines() {
            let tree = self.git(&["rev-parse", &format!("{tag}^{{tree}}")])?;
            out.push(format!("tag {tag} tree {tree}"));
        }
        let remote_tags: Vec<String> = self
            .remote_git(&["for-each-ref", "--format=%(refname)", "refs/tags"])?
            .lines()
            .map(str::to_owned)
            .collect();
        out.push(format!("remote tags {remote_tags:?}"));
        out.push(format!(
            "remote main tree {}",
            self.remote_git(&["rev-parse", "main^{tree}"])?
        ));
        out.push(format!(
            "release commits {}",
            self.git(&["log", "--format=%s", "--grep=^chore(release)"])?
        ));
        Ok(out)
    }
}

/// The `[release]` configuration of a world whose registry serves its API at `api`.
pub fn config_for(api: &str) -> ReleaseConfig {
    ReleaseConfig {
        registry: Some("local".to_owned()),
        index: Some(format!("{api}/crates")),
        index_timeout_secs: 60,
        ..ReleaseConfig::default()
    }
}

/// A release of `plan` in `repo` with the test settings: `env` on every command, quick
/// retries and index polls, rate limits that never wait.
pub fn release_of<'a>(
    plan: &'a ReleasePlan,
    config: &'a ReleaseConfig,
    repo: &Path,
    env: &[(String, String)],
) -> Release<'a> {
    let mut release = Release::new(plan, config, repo);
    let options = release.options_mut();
    options.env = env.to_vec();
    options.by = Some("ana".parse().expect("a person id"));
    options.index_poll = Duration::from_millis(100);
    options.retry.first_backoff = Duration::from_millis(200);
    let bucket = relman_graph::TokenBucket {
        burst: 100,
        period_secs: 1,
    };
    options.rate_limits = relman_graph::RateLimits {
        new_versions: bucket,
        new_crates: bucket,
    };
    release
}
