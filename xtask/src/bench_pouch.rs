//! The `sync` bench section: a fresh device pulling 10,000 and 100,000 records and pushing
//! 10,000, with our sync engine against our server and with PouchDB against express-pouchdb,
//! both in the same headless Chromium page and both through one counting proxy.
//!
//! Here: install PouchDB's packages from npm (under `<target>/tools/npm-bench`), start our
//! release server on a fresh database and `xtask/bench/peers.js` (which seeds both servers
//! with the same visits and runs the proxy), then run the browser side,
//! `sync_vs_pouchdb` in `frontend/tests/bench.rs`. Everything listens on loopback only and is
//! stopped when this returns.

use std::io::{BufRead, BufReader};
use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use serde_json::{json, Value};
use xshell::{cmd, Shell};

use crate::{bench, Workspace};

/// The proxy's port. Fixed, because the benchmark page learns it at build time
/// (`LABBLOGG_BENCH_PROXY`) and a changing value would rebuild the wasm every run.
pub const PROXY_PORT: u16 = 47_311;
const POUCHDB: &str = "pouchdb@9.0.0";
const EXPRESS_POUCHDB: &str = "express-pouchdb@4.2.0";
/// Seeding 100,000 visits into both servers takes a minute or two; far more means trouble.
const READY_LIMIT: Duration = Duration::from_secs(20 * 60);

pub fn proxy_url() -> String {
    format!("http://127.0.0.1:{PROXY_PORT}")
}

pub fn run(sh: &Shell, ws: &Workspace) -> Result<Vec<Value>> {
    if cmd!(sh, "node --version").quiet().ignore_stderr().read().is_err() {
        bail!("node is not installed (Debian: apt-get install nodejs npm)");
    }
    let modules = ensure_packages(sh, ws)?;
    let server_bin = bench::server_binary(sh, ws)?;
    if TcpListener::bind(("127.0.0.1", PROXY_PORT)).is_err() {
        bail!("port {PROXY_PORT} (the benchmark's proxy) is in use by another program");
    }

    let scratch = ws.target_dir.join("bench/sync-scratch");
    if scratch.exists() {
        std::fs::remove_dir_all(&scratch).with_context(|| format!("removing {}", scratch.display()))?;
    }
    std::fs::create_dir_all(&scratch)?;

    let port = TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
    let server = Killed(
        Command::new(&server_bin)
            .args(["serve", "--demo", "--bind", &format!("127.0.0.1:{port}")])
            .arg("--database-url")
            .arg(format!("sqlite://{}", scratch.join("ours.db").display()))
            .env("LABBLOGG_LOG", "warn")
            .stdout(Stdio::null())
            .spawn()
            .with_context(|| format!("starting {}", server_bin.display()))?,
    );

    eprintln!("seeding our server and express-pouchdb with the same visits (takes a while)…");
    let mut peers = Killed(
        Command::new("node")
            .arg(ws.root.join("xtask/bench/peers.js"))
            .env("NODE_PATH", &modules)
            .env("BENCH_OURS", format!("http://127.0.0.1:{port}"))
            .env("BENCH_PROXY_PORT", PROXY_PORT.to_string())
            .env("BENCH_DATA_DIR", scratch.join("peers"))
            .stdout(Stdio::piped())
            .spawn()
            .context("starting node")?,
    );
    let ready = wait_ready(&mut peers.0)?;

    let mut values = bench::browser_bench(sh, ws, "bench", "sync_vs_pouchdb")?;
    drop(peers);
    drop(server);
    values.push(json!({
        "name": "sync.setup",
        "seeding": ready,
        "note": "both sides pass through one Node proxy that counts request and response bodies; express-pouchdb \
                 gzips its responses, our server does not compress (see response_identity_bytes and \
                 response_gzip_bytes in results.json). PouchDB uses its default IndexedDB adapter and \
                 batch size; express-pouchdb stores in LevelDB, our server in SQLite.",
    }));
    let _ = std::fs::remove_dir_all(&scratch);
    Ok(values)
}

/// PouchDB for the browser (its dist bundle) and express-pouchdb for Node, in a prefix of their
/// own beside binaryen's `tools/npm` (like axe-core's): an `npm install --no-save` in one prefix
/// removes what another install put there. Returns the `node_modules` folder.
fn ensure_packages(sh: &Shell, ws: &Workspace) -> Result<PathBuf> {
    let prefix = ws.target_dir.join("tools/npm-bench");
    let modules = prefix.join("node_modules");
    let installed = |package: &str| -> bool {
        let (name, version) = package.rsplit_once('@').unwrap_or((package, ""));
        std::fs::read_to_string(modules.join(name).join("package.json"))
            .is_ok_and(|json| json.contains(&format!("\"version\": \"{version}\"")))
    };
    if installed(POUCHDB) && installed(EXPRESS_POUCHDB) {
        return Ok(modules);
    }
    sh.create_dir(&prefix)?;
    cmd!(sh, "npm install --no-save --no-audit --no-fund --prefix {prefix} {POUCHDB} {EXPRESS_POUCHDB}").run()?;
    if !modules.join("pouchdb/dist/pouchdb.min.js").exists() {
        bail!("npm installed {POUCHDB} but its browser bundle is missing");
    }
    Ok(modules)
}

/// Waits for the `READY {json}` line of peers.js, echoing its output meanwhile; later output is
/// echoed from a thread until it exits.
fn wait_ready(child: &mut Child) -> Result<Value> {
    let stdout = child.stdout.take().context("no stdout")?;
    let (tx, rx) = mpsc::channel::<String>();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(std::result::Result::ok) {
            eprintln!("  peers | {line}");
            let _ = tx.send(line);
        }
    });
    let deadline = Instant::now() + READY_LIMIT;
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match rx.recv_timeout(left.max(Duration::from_millis(1))) {
            Ok(line) => {
                if let Some(json) = line.strip_prefix("READY ") {
                    return serde_json::from_str(json).context("peers.js READY line");
                }
            }
            Err(mpsc::RecvTimeoutError::Disconnected) => {
                let status = child.wait()?;
                bail!("peers.js stopped before it was ready ({status})");
            }
            Err(mpsc::RecvTimeoutError::Timeout) => {
                bail!("peers.js was not ready within {READY_LIMIT:?}")
            }
        }
    }
}

/// A child process killed when dropped.
struct Killed(Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}
