//! A real, throwaway PostgreSQL cluster for tests: `initdb` into a temp dir, `postgres` on a
//! free 127.0.0.1 port (password authentication over TCP, no Unix socket), as the unprivileged
//! user `nobody` (uid 65534, through `setpriv`) when the test runs as root, since PostgreSQL
//! refuses to run as root. [`PgServer::database`] creates a database per test and drops it with
//! the returned [`PgDatabase`]; dropping the [`PgServer`] stops the server and removes its data.
//!
//! The binaries are looked for beside `initdb` on `PATH`, then in the newest
//! `/usr/lib/postgresql/*/bin` (Debian's layout). When they are missing, [`PgServer::start`]
//! panics saying how to install them (`apt-get install postgresql`, which `.ci/run` does): a
//! test that needs the server fails, it never passes without it.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use crate::process::{free_port, is_root, run, unprivileged};

/// The superuser's name in the test cluster.
pub const SUPERUSER: &str = "postgres";
/// The superuser's password in the test cluster (tests check that it is never printed).
pub const PASSWORD: &str = "relman-test-Pa55word";

/// A running throwaway cluster; stopped (and its data removed) when dropped.
#[derive(Debug)]
pub struct PgServer {
    bin: PathBuf,
    data: PathBuf,
    log: PathBuf,
    port: u16,
    root: bool,
    /// With TLS: the CA certificate (PEM) that signed the server's certificate.
    ca: Option<PathBuf>,
    child: Option<Child>,
    _dir: tempfile::TempDir,
}

/// A database of a [`PgServer`], dropped (with `FORCE`) when this is dropped. It does not
/// borrow the server, so that a test can restart the server while it holds a database.
#[derive(Debug)]
pub struct PgDatabase {
    bin: PathBuf,
    port: u16,
    name: String,
}

/// Runs `sql` with `psql` in database `db` on `port`; its unaligned output or its error.
fn psql_at(bin: &Path, port: u16, db: &str, sql: &str) -> Result<String, String> {
    let psql = if bin.join("psql").is_file() {
        bin.join("psql")
    } else {
        PathBuf::from("psql")
    };
    let out = Command::new(psql)
        .args(["-h", "127.0.0.1", "-p", &port.to_string()])
        .args([
            "-U",
            SUPERUSER,
            "-d",
            db,
            "-X",
            "-A",
            "-t",
            "-v",
            "ON_ERROR_STOP=1",
        ])
        .args(["-c", sql])
        .env("PGPASSWORD", PASSWORD)
        .env("PGCONNECT_TIMEOUT", "10")
        .output()
        .map_err(|e| format!("cannot run psql: {e}"))?;
    if out.status.success() {
        Ok(String::from_utf8_lossy(&out.stdout).trim().to_string())
    } else {
        Err(format!(
            "psql -c {sql:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        ))
    }
}

fn bin_dir() -> PathBuf {
    let on_path = std::env::var_os("PATH")
        .map(|p| std::env::split_paths(&p).collect::<Vec<_>>())
        .unwrap_or_default()
        .into_iter()
        .map(|d| d.join("initdb"))
        .find(|p| p.is_file())
        .and_then(|p| std::fs::canonicalize(p).ok())
        .and_then(|p| p.parent().map(Path::to_path_buf));
    let debian = || {
        let mut dirs: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
            .into_iter()
            .flatten()
            .flatten()
            .map(|e| e.path().join("bin"))
            .filter(|d| d.join("initdb").is_file())
            .collect();
        dirs.sort_by_key(|d| {
            d.parent()
                .and_then(|v| v.file_name())
                .and_then(|v| v.to_str())
                .and_then(|v| v.parse::<u32>().ok())
                .unwrap_or(0)
        });
        dirs.pop()
    };
    let dir = on_path
        .filter(|d| d.join("postgres").is_file())
        .or_else(debian);
    match dir {
        Some(dir)
            if ["initdb", "postgres", "pg_isready"]
                .iter()
                .all(|b| dir.join(b).is_file()) =>
        {
            dir
        }
        _ => panic!(
            "PostgreSQL server binaries (initdb, postgres, pg_isready) were not found on PATH or \
             in /usr/lib/postgresql/*/bin: this test needs a real PostgreSQL server \
             (Debian: `apt-get install postgresql`, which `.ci/run` does)"
        ),
    }
}

impl PgServer {
    /// Creates a cluster in a temp dir and starts it.
    ///
    /// # Panics
    ///
    /// When the binaries are missing, or `initdb` or the server fails (with its log).
    pub fn start() -> Self {
        Self::start_with(false)
    }

    /// [`start`](Self::start) a cluster that accepts only TLS connections from 127.0.0.1
    /// (`hostssl` in `pg_hba.conf`), with a certificate for `IP:127.0.0.1` signed by a fresh
    /// test CA ([`ca_pem`](Self::ca_pem)), made with the `openssl` command.
    ///
    /// # Panics
    ///
    /// As [`start`](Self::start), and when `openssl` is missing or fails.
    pub fn start_tls() -> Self {
        Self::start_with(true)
    }

    /// The PEM of the CA that signed the server's certificate (with [`start_tls`](Self::start_tls)).
    ///
    /// # Panics
    ///
    /// On a server started without TLS.
    pub fn ca_pem(&self) -> Vec<u8> {
        let ca = self.ca.as_ref().expect("a server started with start_tls");
        std::fs::read(ca).expect("the CA certificate")
    }

    fn start_with(tls: bool) -> Self {
        let bin = bin_dir();
        let dir = tempfile::tempdir().expect("temp dir");
        let root = is_root();
        let data = dir.path().join("data");
        let pwfile = dir.path().join("pwfile");
        std::fs::write(&pwfile, format!("{PASSWORD}\n")).expect("write the password file");
        std::fs::create_dir(&data).expect("create the data dir");
        if root {
            run(Command::new("chmod").args(["755"]).arg(dir.path()), "chmod");
            run(
                Command::new("chown")
                    .args(["-R", "65534:65534"])
                    .arg(&data)
                    .arg(&pwfile),
                "chown",
            );
        }
        let log = dir.path().join("postgres.log");
        let mut server = PgServer {
            bin,
            data,
            log,
            port: 0,
            root,
            ca: None,
            child: None,
            _dir: dir,
        };
        let mut initdb = server.command("initdb");
        initdb
            .arg("-D")
            .arg(&server.data)
            .args(["-U", SUPERUSER, "-E", "UTF8", "--locale=C"])
            .args(["--auth-host=scram-sha-256", "--auth-local=trust"])
            .arg(format!("--pwfile={}", pwfile.display()));
        run(&mut initdb, "initdb");
        if tls {
            server.make_certificates();
        }
        for _ in 0..5 {
            server.port = free_port();
            if server.spawn() {
                return server;
            }
        }
        panic!(
            "the PostgreSQL server did not start; its log:\n{}",
            std::fs::read_to_string(&server.log).unwrap_or_default()
        );
    }

    /// A test CA and a server certificate for 127.0.0.1 in the data directory, and a
    /// `pg_hba.conf` that accepts only TLS over TCP.
    fn make_certificates(&mut self) {
        let dir = self._dir.path().to_path_buf();
        let openssl = |args: &[&str]| {
            run(
                Command::new("openssl").current_dir(&dir).args(args),
                "openssl (needed for the TLS tests)",
            );
        };
        let ec = [
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:prime256v1",
            "-nodes",
        ];
        let mut ca = vec!["req", "-x509", "-days", "2", "-subj", "/CN=relman test CA"];
        ca.extend(ec);
        ca.extend(["-keyout", "ca.key", "-out", "ca.crt"]);
        openssl(&ca);
        let mut csr = vec!["req", "-subj", "/CN=127.0.0.1"];
        csr.extend(ec);
        csr.extend(["-keyout", "server.key", "-out", "server.csr"]);
        openssl(&csr);
        std::fs::write(
            dir.join("ext.cnf"),
            "subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n",
        )
        .expect("write the extensions");
        openssl(&[
            "x509",
            "-req",
            "-in",
            "server.csr",
            "-CA",
            "ca.crt",
            "-CAkey",
            "ca.key",
            "-CAcreateserial",
            "-days",
            "2",
            "-extfile",
            "ext.cnf",
            "-out",
            "server.crt",
        ]);
        for file in ["server.crt", "server.key"] {
            std::fs::copy(dir.join(file), self.data.join(file)).expect("copy into the data dir");
        }
        std::fs::write(
            self.data.join("pg_hba.conf"),
            "local all all trust\nhostssl all all 127.0.0.1/32 scram-sha-256\n",
        )
        .expect("write pg_hba.conf");
        run(
            Command::new("chmod")
                .arg("600")
                .arg(self.data.join("server.key")),
            "chmod",
        );
        if self.root {
            run(
                Command::new("chown")
                    .arg("65534:65534")
                    .arg(self.data.join("server.crt"))
                    .arg(self.data.join("server.key"))
                    .arg(self.data.join("pg_hba.conf")),
                "chown",
            );
        }
        self.ca = Some(dir.join("ca.crt"));
    }

    fn command(&self, binary: &str) -> Command {
        unprivileged(self.bin.join(binary), self.root)
    }

    /// Starts the server on `self.port`; whether it became ready.
    fn spawn(&mut self) -> bool {
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.log)
            .expect("log file");
        if self.root {
            // The log is written by `nobody`.
            let _ = Command::new("chown")
                .arg("65534:65534")
                .arg(&self.log)
                .status();
        }
        let child = self
            .command("postgres")
            .arg("-D")
            .arg(&self.data)
            .args(["-p", &self.port.to_string()])
            .args(["-c", "listen_addresses=127.0.0.1"])
            .args(["-c", "unix_socket_directories="])
            .args(["-c", "max_connections=300"])
            .args(["-c", "shared_buffers=16MB"])
            .args(if self.ca.is_some() {
                &["-c", "ssl=on"][..]
            } else {
                &[][..]
            })
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .expect("start postgres");
        self.child = Some(child);
        let deadline = Instant::now() + Duration::from_secs(60);
        while Instant::now() < deadline {
            if let Some(child) = self.child.as_mut()
                && child.try_wait().ok().flatten().is_some()
            {
                self.child = None;
                return false;
            }
            let ready = Command::new(self.bin.join("pg_isready"))
                .args(["-h", "127.0.0.1", "-p", &self.port.to_string(), "-q"])
                .status()
                .is_ok_and(|s| s.success());
            if ready {
                return true;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        false
    }

    /// The port the server listens on.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The URL of database `db` as the superuser, with the password in it.
    pub fn url(&self, db: &str) -> String {
        format!(
            "postgres://{SUPERUSER}:{PASSWORD}@127.0.0.1:{}/{db}",
            self.port
        )
    }

    /// Runs `sql` in database `db` with `psql` and returns its unaligned output.
    ///
    /// # Panics
    ///
    /// When `psql` fails.
    pub fn psql(&self, db: &str, sql: &str) -> String {
        psql_at(&self.bin, self.port, db, sql).unwrap_or_else(|e| panic!("{e}"))
    }

    /// Creates a fresh database (a unique name starting with `prefix`), dropped when the
    /// returned value is dropped.
    pub fn database(&self, prefix: &str) -> PgDatabase {
        static NEXT: AtomicU64 = AtomicU64::new(0);
        let clean: String = prefix
            .chars()
            .filter(|c| c.is_ascii_alphanumeric() || *c == '_')
            .take(40)
            .collect::<String>()
            .to_ascii_lowercase();
        let name = format!(
            "t_{clean}_{}_{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        );
        self.psql("postgres", &format!("CREATE DATABASE {name}"));
        PgDatabase {
            bin: self.bin.clone(),
            port: self.port,
            name,
        }
    }

    /// Stops the server at once (`SIGQUIT`, PostgreSQL's immediate shutdown: no checkpoint,
    /// crash recovery on the next start), as a crash would, and waits for it to exit.
    pub fn stop_immediately(&mut self) {
        self.signal("QUIT");
    }

    /// Starts the server again on the same port after [`stop_immediately`](Self::stop_immediately).
    ///
    /// # Panics
    ///
    /// When it does not come back.
    pub fn start_again(&mut self) {
        assert!(
            self.spawn(),
            "the PostgreSQL server did not restart; its log:\n{}",
            std::fs::read_to_string(&self.log).unwrap_or_default()
        );
    }

    fn signal(&mut self, signal: &str) {
        if let Some(mut child) = self.child.take() {
            let _ = Command::new("kill")
                .arg(format!("-{signal}"))
                .arg(child.id().to_string())
                .status();
            let deadline = Instant::now() + Duration::from_secs(30);
            while Instant::now() < deadline {
                if child.try_wait().ok().flatten().is_some() {
                    return;
                }
                std::thread::sleep(Duration::from_millis(20));
            }
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

impl Drop for PgServer {
    fn drop(&mut self) {
        // Fast shutdown: disconnects the clients, then exits.
        self.signal("INT");
    }
}

impl PgDatabase {
    /// The database's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Its URL as the superuser, with the password.
    pub fn url(&self) -> String {
        format!(
            "postgres://{SUPERUSER}:{PASSWORD}@127.0.0.1:{}/{}",
            self.port, self.name
        )
    }

    /// Runs `sql` in this database with `psql`.
    ///
    /// # Panics
    ///
    /// When `psql` fails.
    pub fn psql(&self, sql: &str) -> String {
        psql_at(&self.bin, self.port, &self.name, sql).unwrap_or_else(|e| panic!("{e}"))
    }
}

impl Drop for PgDatabase {
    fn drop(&mut self) {
        // Best effort: the server may already be gone.
        let _ = psql_at(
            &self.bin,
            self.port,
            "postgres",
            &format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name),
        );
    }
}
