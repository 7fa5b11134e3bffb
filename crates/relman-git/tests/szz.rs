//! SZZ on small fixture repositories built with the `git` command in temp dirs, with pinned
//! dates and an isolated configuration.

use relman_git::GitRepository;
use relman_git::szz::{FindBugIntroducingError, LineFilter, RootCommits, SzzOptions};
use relman_model::ChangeId;
use relman_test_support::GitHistory;

/// Writes the files and commits them; returns the commit id.
fn commit(history: &mut GitHistory, message: &str, files: &[(&str, &str)]) -> ChangeId {
    id(&history.commit(message, files))
}

/// The repository without the history index: every fix is traced.
fn open(history: &GitHistory) -> GitRepository {
    let mut repo = GitRepository::open(history.path()).expect("opens");
    let mut options = repo.walk_options().clone();
    options.index(false);
    repo.set_walk_options(options);
    repo
}

fn id(text: &str) -> ChangeId {
    ChangeId::new(text.to_owned()).expect("a commit id")
}

const GOOD: &str = "fn main() {\n    let a = 1;\n    let b = 2;\n    println!(\"{}\", a + b);\n}\n";
const BUGGY: &str =
    "fn main() {\n    let a = 1;\n    let b = 2;\n    println!(\"{}\", a - b);\n}\n";

#[test]
fn fix_blames_the_commit_that_introduced_the_line_not_an_unrelated_one() {
    let mut f = GitHistory::new();
    let init = commit(&mut f, "feat: start", &[("src/main.rs", GOOD)]);
    let a = commit(&mut f, "feat: change the sum", &[("src/main.rs", BUGGY)]);
    let b = commit(&mut f, "docs: readme", &[("README.md", "hello\n")]);
    let c = commit(&mut f, "fix: add again", &[("src/main.rs", GOOD)]);
    let found = open(&f)
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
    let mut f = GitHistory::new();
    commit(&mut f, "feat: start", &[("src/main.rs", GOOD)]);
    let a = commit(&mut f, "feat: change the sum", &[("src/main.rs", BUGGY)]);
    let reindented = BUGGY.replace("    println", "        println");
    let b = commit(&mut f, "style: reindent", &[("src/main.rs", &reindented)]);
    let fixed = GOOD.replace("    println", "        println");
    let c = commit(&mut f, "fix: add again", &[("src/main.rs", &fixed)]);
    let found = open(&f)
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
    let mut f = GitHistory::new();
    let old = "// says hello\nfn f() {}\n\n";
    let init = commit(&mut f, "feat: start", &[("lib.rs", old)]);
    let fix = commit(
        &mut f,
        "fix: reword",
        &[("lib.rs", "// says hi\nfn f() {}\n")],
    );
    let repo = open(&f);
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
    let mut f = GitHistory::new();
    commit(&mut f, "feat: start", &[("src/old.rs", GOOD)]);
    let a = commit(&mut f, "feat: change the sum", &[("src/old.rs", BUGGY)]);
    f.git(&["mv", "src/old.rs", "src/new.rs"]);
    let moved = commit(&mut f, "refactor: rename", &[]);
    // The fix renames the file again while fixing it: its old side is `src/new.rs`.
    f.remove("src/new.rs");
    let c = commit(&mut f, "fix: add again", &[("src/newer.rs", GOOD)]);
    let found = open(&f)
        .bug_introducing(&[c], &SzzOptions::new())
        .expect("szz runs");
    assert!(found.contains(&a), "{found:?}");
    assert!(!found.contains(&moved), "the rename is blamed: {found:?}");
}

#[test]
fn root_commits_can_be_excluded() {
    let mut f = GitHistory::new();
    let init = commit(&mut f, "feat: start", &[("src/main.rs", BUGGY)]);
    let fix = commit(&mut f, "fix: add", &[("src/main.rs", GOOD)]);
    let repo = open(&f);
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
    let mut f = GitHistory::new();
    commit(&mut f, "feat: start", &[("a.txt", "a\n")]);
    let missing = id("0123456789abcdef0123456789abcdef01234567");
    let err = open(&f)
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
fn several_fixes() -> (GitHistory, Vec<ChangeId>) {
    let mut f = GitHistory::new();
    let files = ["a.rs", "b.rs", "c.rs", "d.rs", "e.rs"];
    for file in files {
        commit(&mut f, "feat: add", &[(file, GOOD)]);
    }
    let mut fixes = Vec::new();
    for (round, file) in files.iter().enumerate() {
        commit(&mut f, &format!("feat: change {file}"), &[(file, BUGGY)]);
        if round % 2 == 1 {
            commit(
                &mut f,
                "docs: note",
                &[("NOTES.md", &format!("round {round}\n"))],
            );
        }
        fixes.push(commit(
            &mut f,
            &format!("fix: repair {file}"),
            &[(file, GOOD)],
        ));
    }
    commit(
        &mut f,
        "feat: break two",
        &[("a.rs", BUGGY), ("b.rs", BUGGY)],
    );
    fixes.push(commit(
        &mut f,
        "fix: repair two",
        &[("a.rs", GOOD), ("b.rs", GOOD)],
    ));
    (f, fixes)
}

#[test]
fn the_result_does_not_depend_on_the_number_of_threads() {
    let (f, fixes) = several_fixes();
    let repo = open(&f);
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
    let err = open(&f)
        .bug_introducing(&fixes, &options)
        .expect_err("no such commit");
    assert!(
        matches!(err, FindBugIntroducingError::FixNotFound { ref fix, .. } if *fix == first),
        "{err}"
    );
}

#[test]
fn traces_are_kept_in_the_history_index_per_line_filter() {
    let (f, fixes) = several_fixes();
    let expected = open(&f)
        .bug_introducing(&fixes, &SzzOptions::new())
        .expect("szz runs");
    let indexed = GitRepository::open(f.path()).expect("opens");
    let kept =
        relman_git::index::index_dir(indexed.git_dir()).join("szz-v1-skip_trivial-keep.jsonl");
    assert!(!kept.exists());
    let cold = indexed
        .bug_introducing(&fixes, &SzzOptions::new())
        .expect("szz runs");
    assert_eq!(cold, expected);
    let text = std::fs::read_to_string(&kept).expect("the traces are kept");
    assert_eq!(text.lines().count(), fixes.len() + 1, "{text}");
    let mut two = SzzOptions::new();
    two.threads(2);
    assert_eq!(
        indexed.bug_introducing(&fixes, &two).expect("szz runs"),
        expected
    );

    // The warm run reads the kept traces: one doctored to implicate nothing shows.
    let first = fixes[0].as_str();
    let doctored: String = text
        .lines()
        .map(|l| {
            if l.contains(first) {
                format!(r#"{{"c":"{first}","d":{{"implicated":[],"lines_blamed":0}}}}"#)
            } else {
                l.to_owned()
            }
        })
        .map(|l| l + "\n")
        .collect();
    std::fs::write(&kept, doctored).expect("doctors");
    let read = GitRepository::open(f.path())
        .expect("opens")
        .bug_introducing(&fixes, &SzzOptions::new())
        .expect("szz runs");
    assert_eq!(read.fixes_untraced, expected.fixes_untraced + 1);

    // Another line filter is another file, traced afresh.
    let mut all = SzzOptions::new();
    all.lines(LineFilter::All);
    let other = GitRepository::open(f.path())
        .expect("opens")
        .bug_introducing(&fixes, &all)
        .expect("szz runs");
    assert_eq!(
        other,
        open(&f).bug_introducing(&fixes, &all).expect("szz runs")
    );
    assert!(kept.with_file_name("szz-v1-all-keep.jsonl").exists());
}
