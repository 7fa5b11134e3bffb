//! `--state postgres://…` and `relman env migrate` end to end, against a real throwaway
//! PostgreSQL cluster (`relman_test_support::postgres`; fails when the binaries are missing).

use std::path::Path;
use std::process::{Command, Output};

use relman_test_support::postgres::{PASSWORD, PgServer};

mod common;
use common::ok;

fn relman(args: &[&str], state: Option<&str>) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_relman"));
    command.args(args).env_remove("RELMAN_STATE");
    if let Some(state) = state {
        command.env("RELMAN_STATE", state);
    }
    command.output().expect("run relman")
}

fn deploy(version: &str) -> Vec<String> {
    [
        "env",
        "deploy",
        "--env",
        "staging",
        "--component",
        "api",
        "--version",
        version,
        "--by",
        "ana",
    ]
    .map(String::from)
    .to_vec()
}

fn args(v: &[String]) -> Vec<&str> {
    v.iter().map(String::as_str).collect()
}

fn no_password(out: &Output) {
    let all = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(!all.contains(PASSWORD), "the password was printed: {all}");
}

#[test]
fn every_state_command_works_on_a_database_and_migrate_copies_both_ways() {
    let server = PgServer::start();
    let db = server.database("cli");
    let url = db.url();

    // --state URL.
    let out = relman(
        &[
            "env",
            "init",
            "--environments",
            "staging,production",
            "--state",
            &url,
        ],
        None,
    );
    no_password(&out);
    assert!(ok(&out).contains("postgres://postgres@127.0.0.1:"));
    let mut deploy_args = deploy("1.0.0");
    deploy_args.extend(["--state".to_string(), url.clone()]);
    ok(&relman(&args(&deploy_args), None));
    // RELMAN_STATE, and the help never shows its value.
    ok(&relman(
        &[
            "env",
            "succeed",
            "--env",
            "staging",
            "--component",
            "api",
            "--version",
            "1.0.0",
        ],
        Some(&url),
    ));
    let help = relman(&["env", "status", "--help"], Some(&url));
    no_password(&help);
    assert!(ok(&help).contains("RELMAN_STATE"));
    ok(&relman(
        &[
            "env",
            "lock",
            "--env",
            "production",
            "--by",
            "bo",
            "--ttl-minutes",
            "30",
        ],
        Some(&url),
    ));
    let status = ok(&relman(&["env", "status"], Some(&url)));
    assert!(status.contains("1.0.0"), "{status}");
    let history: serde_json::Value = serde_json::from_str(&ok(&relman(
        &["env", "history", "--format", "json"],
        Some(&url),
    )))
    .unwrap();
    assert_eq!(history.as_array().unwrap().len(), 5);
    // A second init is refused; verify and compact work on a database.
    let again = relman(
        &["env", "init", "--environments", "staging", "--state", &url],
        None,
    );
    assert_eq!(again.status.code(), Some(2));
    no_password(&again);
    assert!(ok(&relman(&["env", "verify"], Some(&url))).starts_with("ok:"));
    ok(&relman(&["env", "compact"], Some(&url)));
    let mut more = deploy("1.1.0");
    more.extend(["--state".to_string(), url.clone()]);
    ok(&relman(&args(&more), None));
    let status_db = ok(&relman(&["env", "status", "--format", "json"], Some(&url)));

    // Database -> journal -> another database, each copy checked by relman itself.
    let dir = tempfile::tempdir().unwrap();
    let journal = dir.path().join("state");
    let journal = journal.to_str().unwrap();
    let out = relman(
        &[
            "env", "migrate", "--from", &url, "--to", journal, "--format", "json",
        ],
        None,
    );
    no_password(&out);
    let copied: serde_json::Value = serde_json::from_str(&ok(&out)).unwrap();
    assert_eq!(copied["revision"], 6);
    assert_eq!(copied["snapshot_revision"], 5);
    assert_eq!(copied["events"], 1);
    let status_journal = ok(&relman(
        &["env", "status", "--format", "json", "--state", journal],
        None,
    ));
    assert_eq!(status_journal, status_db);
    let back = server.database("back");
    let out = relman(
        &["env", "migrate", "--from", journal, "--to", &back.url()],
        None,
    );
    no_password(&out);
    assert!(ok(&out).contains("copied 1 events (up to revision 6)"));
    assert_eq!(
        ok(&relman(
            &["env", "status", "--format", "json"],
            Some(&back.url())
        )),
        status_db
    );
    // Copying onto an existing ledger is refused.
    let out = relman(&["env", "migrate", "--from", journal, "--to", &url], None);
    assert_eq!(out.status.code(), Some(2));
    no_password(&out);
    assert!(Path::new(journal).join("journal").is_file());
}

#[test]
fn an_unreachable_server_is_a_clear_error_without_the_password() {
    let out = relman(
        &["env", "status"],
        Some(&format!(
            "postgres://someone:{PASSWORD}@127.0.0.1:1/nothing?connect_timeout=2"
        )),
    );
    assert_eq!(out.status.code(), Some(2));
    no_password(&out);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("cannot connect to postgres://someone@127.0.0.1:1/nothing"),
        "{err}"
    );
}

/// `--state postgres://…?sslmode=require` reaches a server that accepts only TLS when
/// `PGSSLROOTCERT` names the CA that signed its certificate, and refuses it otherwise.
#[test]
fn a_tls_only_server_is_reached_with_sslmode_require_and_pgsslrootcert() {
    let server = PgServer::start_tls();
    let db = server.database("cli_tls");
    let ca = tempfile::NamedTempFile::new().expect("temp file");
    std::fs::write(ca.path(), server.ca_pem()).expect("write the CA");
    let url = format!("{}?sslmode=require", db.url());
    let run = |args: &[&str], root: Option<&Path>| {
        let mut command = Command::new(env!("CARGO_BIN_EXE_relman"));
        command
            .args(args)
            .env("RELMAN_STATE", &url)
            .env_remove("PGSSLROOTCERT");
        if let Some(root) = root {
            command.env("PGSSLROOTCERT", root);
        }
        command.output().expect("run relman")
    };
    let init = ["env", "init", "--environments", "staging,production"];
    let refused = run(&init, None);
    assert_eq!(refused.status.code(), Some(2));
    no_password(&refused);
    let err = String::from_utf8_lossy(&refused.stderr).to_lowercase();
    assert!(err.contains("certificate"), "{err}");

    ok(&run(&init, Some(ca.path())));
    ok(&run(&args(&deploy("1.0.0")), Some(ca.path())));
    let status = run(&["env", "status", "--format", "json"], Some(ca.path()));
    ok(&status);
    assert!(
        String::from_utf8_lossy(&status.stdout).contains("1.0.0"),
        "{}",
        String::from_utf8_lossy(&status.stdout)
    );
}
