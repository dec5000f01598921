//! A throwaway PostgreSQL server for the storage and sync tests: a data directory in a temporary
//! folder, listening on a free port on 127.0.0.1 (and a socket in that folder, never the system's),
//! stopped and deleted when dropped, also when a step fails.
//!
//! `initdb` refuses to run as root, so as root the server runs as Debian's `postgres` user
//! (`runuser -u postgres --`); as anyone else it runs as that user.

use std::net::TcpListener;
use std::path::PathBuf;

use anyhow::{bail, Context, Result};
use xshell::{cmd, Shell};

use crate::tools;

/// The variable the server's tests read (server/tests/common/mod.rs).
pub const URL_VAR: &str = "LABBLOGG_TEST_POSTGRES_URL";

pub struct TestPostgres {
    /// Works from the temporary folder: the postgres user cannot enter root's working directory.
    sh: Shell,
    bin: PathBuf,
    dir: PathBuf,
    run_as: Option<&'static str>,
    pub url: String,
}

/// `initdb`'s folder: Debian's newest /usr/lib/postgresql/<version>/bin, else PATH.
pub fn server_bin() -> Option<PathBuf> {
    let mut versions: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| Some((e.file_name().to_str()?.parse().ok()?, e.path().join("bin"))))
        .filter(|(_, bin)| bin.join("initdb").is_file() && bin.join("pg_ctl").is_file())
        .collect();
    versions.sort();
    if let Some((_, bin)) = versions.pop() {
        return Some(bin);
    }
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path).find(|dir| dir.join("initdb").is_file() && dir.join("pg_ctl").is_file())
}

/// Debian's `postgresql` when no server binaries are found, so CI runs both backends.
pub fn ensure_installed(sh: &Shell) -> Result<()> {
    if server_bin().is_some() {
        return Ok(());
    }
    eprintln!("PostgreSQL's initdb/pg_ctl missing; installing Debian's postgresql with apt-get");
    tools::apt_get(sh)?.arg("update").run()?;
    tools::apt_get(sh)?.args(["install", "-y", "--no-install-recommends", "postgresql"]).run()?;
    Ok(())
}

/// For tests: nothing is ever flushed to disk.
const TEST_SETTINGS: &str = "-c fsync=off -c synchronous_commit=off -c full_page_writes=off";
/// For benchmarks: the durability of the server's SQLite (WAL, `synchronous=NORMAL`): a crash
/// may lose the last commits but never corrupts; commits do not wait for the disk.
pub const BENCH_SETTINGS: &str = "-c fsync=on -c synchronous_commit=off -c full_page_writes=on";

impl TestPostgres {
    /// Start a server; `None` (with a warning) when PostgreSQL is not installed.
    pub fn start() -> Result<Option<Self>> {
        Self::start_with(TEST_SETTINGS)
    }

    /// Start a server with these `postgres -c …` settings (durability); `None` (with a
    /// warning) when PostgreSQL is not installed.
    pub fn start_with(settings: &str) -> Result<Option<Self>> {
        let Some(bin) = server_bin() else {
            eprintln!("warning: PostgreSQL not found; the storage tests run on SQLite only");
            return Ok(None);
        };
        let sh = Shell::new()?;
        let root = cmd!(sh, "id -u").quiet().read()?.trim() == "0";
        let run_as = root.then_some("postgres");
        let dir = std::env::temp_dir().join(format!("labblogg-pg-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
        if let Some(user) = run_as {
            cmd!(sh, "chown {user} {dir}").quiet().run()?;
        }
        sh.change_dir(&dir);
        let mut pg = TestPostgres { sh, bin, dir, run_as, url: String::new() };
        let data = pg.dir.join("data");
        // Trust on loopback only, no fsync: a test server whose data is thrown away.
        pg.as_owner("initdb")
            .args(["-D"])
            .arg(&data)
            .args(["-A", "trust", "-U", "postgres", "-E", "UTF8", "--locale=C.UTF-8", "--no-sync"])
            .quiet()
            .ignore_stdout()
            .run()
            .context("initdb")?;
        let port = free_port()?;
        let options = format!(
            "-p {port} -k {} -c listen_addresses=127.0.0.1 {settings} -c max_connections=200",
            pg.dir.display()
        );
        let log = pg.dir.join("server.log");
        let started = pg
            .as_owner("pg_ctl")
            .args(["-D"])
            .arg(&data)
            .args(["-l"])
            .arg(&log)
            .args(["-o", &options, "-w", "-t", "60", "start"])
            .quiet()
            .ignore_stdout()
            .run();
        if started.is_err() {
            let tail = std::fs::read_to_string(&log).unwrap_or_default();
            bail!("PostgreSQL did not start:\n{tail}");
        }
        let url = format!("postgres://postgres@127.0.0.1:{port}/postgres");
        eprintln!("PostgreSQL {} for the tests at {url}", pg.bin.display());
        pg.url = url;
        Ok(Some(pg))
    }

    /// A PostgreSQL program run as the data directory's owner.
    fn as_owner(&self, program: &str) -> xshell::Cmd<'_> {
        let program = self.bin.join(program);
        match self.run_as {
            Some(user) => cmd!(self.sh, "runuser -u {user} -- {program}"),
            None => cmd!(self.sh, "{program}"),
        }
    }
}

impl Drop for TestPostgres {
    fn drop(&mut self) {
        let data = self.dir.join("data");
        // Also after a failed start, which may have left a server running.
        if data.join("postmaster.pid").exists() {
            let stop = self.as_owner("pg_ctl").arg("-D").arg(&data).args(["-m", "immediate", "-w", "stop"]);
            let _ = stop.quiet().ignore_stdout().run();
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn free_port() -> Result<u16> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Where PostgreSQL is installed: starts, answers on its port, and is gone after the drop.
    #[test]
    fn starts_answers_and_cleans_up() {
        let Some(pg) = TestPostgres::start().unwrap() else {
            eprintln!("skipped: PostgreSQL is not installed");
            return;
        };
        let port: u16 = pg.url.rsplit(':').next().unwrap().split('/').next().unwrap().parse().unwrap();
        std::net::TcpStream::connect(("127.0.0.1", port)).expect("the server listens");
        let dir = pg.dir.clone();
        drop(pg);
        assert!(!dir.exists(), "{} left behind", dir.display());
        assert!(std::net::TcpStream::connect(("127.0.0.1", port)).is_err(), "the server still runs");
    }
}
