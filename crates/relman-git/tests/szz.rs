//! SZZ on small fixture repositories built with the `git` command in temp dirs, with pinned
//! dates and an isolated configuration.

use std::path::{Path, PathBuf};
use std::process::Command;

use relman_git::GitRepository;
use relman_git::szz::{FindBugIntroducingError, LineFilter, RootCommits, SzzOptions};
use relman_model::ChangeId;

struct Fixture {
    _dir: tempfile::TempDir,
    path: PathBuf,
    clock: u64,
}

fn git_in(path: &Path, args: &[&str], date: u64) -> String {
    let out = Command::new("git")
        .current_dir(path)
        .args(args)
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_AUTHOR_NAME", "Ada Park")
        .env("GIT_AUTHOR_EMAIL", "ada@example.org")
        .env("GIT_COMMITTER_NAME", "Ada Park")
        .env("GIT_COMMITTER_EMAIL", "ada@example.org")
        .env("GIT_AUTHOR_DATE", format!("{date} +0000"))
        .env("GIT_COMMITTER_DATE", format!("{date} +0000"))
        .output()
        .expect("git runs");
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_owned()
}

impl Fixture {
    fn new() -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("repo");
        std::fs::create_dir(&path).expect("mkdir");
        git_in(&path, &["init", "-q", "-b", "main"], 0);
        Self {
            _dir: dir,
            path,
            clock: 1_700_000_000,
        }
    }

    fn git(&mut self, args: &[&str]) -> String {
        self.clock += 60;
        git_in(&self.path, args, self.clock)
    }

    /// Writes the files and commits them; returns the commit id.
    fn commit(&mut self, message: &str, files: &[(&str, &str)]) -> ChangeId {
        for (file, text) in files {
            let p = self.path.join(file);
            std::fs::create_dir_all(p.parent().expect("a parent")).expect("mkdir");
            std::fs::write(p, text).expect("write");
        }
        self.git(&["add", "-A"]);
        self.git(&["commit", "-q", "--allow-empty", "-m", message]);
        id(&self.git(&["rev-parse", "HEAD"]))
    }

    fn open(&self) -> GitRepository {
        GitRepository::open(&self.path).expect("opens")
    }
}

fn id(text: &str) -> ChangeId {
    ChangeId::new(text.to_owned()).expect("a commit id")
}

const GOOD: &str = "fn main() {\n    let a = 1;\n    let b = 2;\n    println!(\"{}\", a + b);\n}\n";
const BUGGY: &str =
    "fn main() {\n    let a = 1;\n    let b = 2;\n    println!(\"{}\", a - b);\n}\n";

#[test]
fn fix_blames_the_commit_that_introduced_the_line_not_an_unrelated_one() {
    let mut f = Fixture::new();
    let init = f.commit("feat: start", &[("src/main.rs", GOOD)]);
    let a = f.commit("feat: change the sum", &[("src/main.rs", BUGGY)]);
    let b = f.commit("docs: readme", &[("README.md", "hello\n")]);
    let c = f.commit("fix: add again", &[("src/main.rs", GOOD)]);
    let found = f
        .open()
        .bug_introducing(std::slice::from_ref(&c), &SzzOptions::new())
        .expect("szz runs");
    assert!(found.contains(&a), "{found:?}");
    assert!(!found.contains(&b));
    assert!(!found.contains(&init));
    assert_eq!(found.introducers.len(), 1);
    assert_eq!(
        found.introducers[&a].iter().collect::<Vec<_>>(),
        vec![&c],
        "a is implicated by c"
    );
    assert_eq!((found.fixes_traced, found.fixes_untraced), (1, 0));
    assert_eq!(found.lines_blamed, 1);
}

#[test]
fn whitespace_only_change_is_not_blamed() {
    let mut f = Fixture::new();
    f.commit("feat: start", &[("src/main.rs", GOOD)]);
    let a = f.commit("feat: change the sum", &[("src/main.rs", BUGGY)]);
    let reindented = BUGGY.replace("    println", "        println");
    let b = f.commit("style: reindent", &[("src/main.rs", &reindented)]);
    let fixed = GOOD.replace("    println", "        println");
    let c = f.commit("fix: add again", &[("src/main.rs", &fixed)]);
    let found = f
        .open()
        .bug_introducing(&[c], &SzzOptions::new())
        .expect("szz runs");
    assert!(found.contains(&a), "{found:?}");
    assert!(
        !found.contains(&b),
        "whitespace-only change blamed: {found:?}"
    );
}

#[test]
fn comment_and_blank_lines_are_skipped_unless_asked() {
    let mut f = Fixture::new();
    let old = "// says hello\nfn f() {}\n\n";
    let init = f.commit("feat: start", &[("lib.rs", old)]);
    let fix = f.commit("fix: reword", &[("lib.rs", "// says hi\nfn f() {}\n")]);
    let repo = f.open();
    let trivial = repo
        .bug_introducing(std::slice::from_ref(&fix), &SzzOptions::new())
        .expect("szz runs");
    assert!(trivial.introducers.is_empty(), "{trivial:?}");
    assert_eq!(trivial.fixes_untraced, 1);
    let mut all = SzzOptions::new();
    all.lines(LineFilter::All);
    let every = repo.bug_introducing(&[fix], &all).expect("szz runs");
    assert!(every.contains(&init));
    assert_eq!(every.lines_blamed, 2);
}

#[test]
fn renamed_file_is_followed() {
    let mut f = Fixture::new();
    f.commit("feat: start", &[("src/old.rs", GOOD)]);
    let a = f.commit("feat: change the sum", &[("src/old.rs", BUGGY)]);
    f.git(&["mv", "src/old.rs", "src/new.rs"]);
    let moved = f.commit("refactor: rename", &[]);
    // The fix renames the file again while fixing it: its old side is `src/new.rs`.
    std::fs::remove_file(f.path.join("src/new.rs")).expect("rm");
    let c = f.commit("fix: add again", &[("src/newer.rs", GOOD)]);
    let found = f
        .open()
        .bug_introducing(&[c], &SzzOptions::new())
        .expect("szz runs");
    assert!(found.contains(&a), "{found:?}");
    assert!(!found.contains(&moved), "the rename is blamed: {found:?}");
}

#[test]
fn root_commits_can_be_excluded() {
    let mut f = Fixture::new();
    let init = f.commit("feat: start", &[("src/main.rs", BUGGY)]);
    let fix = f.commit("fix: add", &[("src/main.rs", GOOD)]);
    let repo = f.open();
    let kept = repo
        .bug_introducing(std::slice::from_ref(&fix), &SzzOptions::new())
        .expect("szz runs");
    assert!(kept.contains(&init));
    let mut options = SzzOptions::new();
    options.roots(RootCommits::Exclude);
    let excluded = repo.bug_introducing(&[fix], &options).expect("szz runs");
    assert!(excluded.introducers.is_empty());
    // A root fix has no parent to blame.
    let root = repo
        .bug_introducing(&[init], &SzzOptions::new())
        .expect("szz runs");
    assert!(root.introducers.is_empty());
    assert_eq!(root.fixes_untraced, 1);
}

#[test]
fn unknown_fix_is_reported() {
    let mut f = Fixture::new();
    f.commit("feat: start", &[("a.txt", "a\n")]);
    let missing = id("0123456789abcdef0123456789abcdef01234567");
    let err = f
        .open()
        .bug_introducing(std::slice::from_ref(&missing), &SzzOptions::new())
        .expect_err("no such commit");
    assert!(matches!(
        err,
        FindBugIntroducingError::FixNotFound { ref fix, .. } if *fix == missing
    ));
    assert_eq!(
        err.to_string(),
        "fix commit 0123456789abcdef0123456789abcdef01234567 not found"
    );
}

/// A history of several files, each broken and fixed in turn, with one fix touching two files.
fn several_fixes() -> (Fixture, Vec<ChangeId>) {
    let mut f = Fixture::new();
    let files = ["a.rs", "b.rs", "c.rs", "d.rs", "e.rs"];
    for file in files {
        f.commit("feat: add", &[(file, GOOD)]);
    }
    let mut fixes = Vec::new();
    for (round, file) in files.iter().enumerate() {
        f.commit(&format!("feat: change {file}"), &[(file, BUGGY)]);
        if round % 2 == 1 {
            f.commit("docs: note", &[("NOTES.md", &format!("round {round}\n"))]);
        }
        fixes.push(f.commit(&format!("fix: repair {file}"), &[(file, GOOD)]));
    }
    f.commit("feat: break two", &[("a.rs", BUGGY), ("b.rs", BUGGY)]);
    fixes.push(f.commit("fix: repair two", &[("a.rs", GOOD), ("b.rs", GOOD)]));
    (f, fixes)
}

#[test]
fn the_result_does_not_depend_on_the_number_of_threads() {
    let (f, fixes) = several_fixes();
    let repo = f.open();
    let one = repo
        .bug_introducing(&fixes, &SzzOptions::new())
        .expect("szz runs");
    assert_eq!(one.fixes_traced, fixes.len());
    assert_eq!(one.introducers.len(), fixes.len(), "{one:?}");
    for threads in [0, 2, 3, 16] {
        let mut options = SzzOptions::new();
        options.threads(threads);
        let many = repo.bug_introducing(&fixes, &options).expect("szz runs");
        assert_eq!(many, one, "{threads} threads");
    }
}

#[test]
fn with_threads_the_first_bad_fix_in_input_order_is_reported() {
    let (f, mut fixes) = several_fixes();
    let first = id("1111111111111111111111111111111111111111");
    let second = id("2222222222222222222222222222222222222222");
    fixes.insert(4, first.clone());
    fixes.push(second);
    let mut options = SzzOptions::new();
    options.threads(3);
    let err = f
        .open()
        .bug_introducing(&fixes, &options)
        .expect_err("no such commit");
    assert!(
        matches!(err, FindBugIntroducingError::FixNotFound { ref fix, .. } if *fix == first),
        "{err}"
    );
}
