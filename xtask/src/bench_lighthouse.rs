//! The `lighthouse` bench section: the app's first load in headless Chromium with Lighthouse's
//! mobile profile (issue 16), and the size of the wasm the staff counter needs before it
//! responds.
//!
//! Here: install Lighthouse from npm (pinned, under `<target>/tools/npm-lighthouse`; it brings
//! the puppeteer-core it drives Chromium with), build the app like `cargo xtask dist` into
//! `<target>/bench/lighthouse/dist`, serve it with the release server on a fresh demo database
//! (`--demo --demo-year`), and run `xtask/bench/lighthouse.mjs` (copied next to its
//! node_modules), which prints the figures as `BENCH` lines. The files that script saw the
//! counter fetch before its first visit button appeared are then sized here, raw, gzip and
//! brotli (quality 11, as `dist` precompresses them).

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use serde_json::{json, Value};
use xshell::{cmd, Shell};

use crate::tools::{self, CHROMIUM};
use crate::{bench, bench_size, frontend, Workspace};

/// Lighthouse 13 needs Node 22; Debian's Node is 20. 12.2.3 is the last 12 release whose
/// package installs cleanly here (and the figures were taken with Lighthouse 12).
const LIGHTHOUSE: &str = "lighthouse@12.2.3";
const SCRIPT: &str = "xtask/bench/lighthouse.mjs";

pub fn run(sh: &Shell, ws: &Workspace) -> Result<Vec<Value>> {
    if cmd!(sh, "node --version").quiet().ignore_stderr().read().is_err() {
        bail!("node is not installed (Debian: apt-get install nodejs npm)");
    }
    tools::ensure_browser(sh)?;
    let prefix = ensure_lighthouse(sh, ws)?;
    let script = prefix.join("lighthouse.mjs");
    std::fs::copy(ws.root.join(SCRIPT), &script).with_context(|| format!("copying {SCRIPT}"))?;

    let dist = ws.target_dir.join("bench/lighthouse/dist");
    frontend::build_dist(sh, ws, frontend::PACKAGE, None, &dist)?;
    let server_bin = bench::server_binary(sh, ws)?;

    let scratch = ws.target_dir.join("bench/lighthouse/scratch");
    if scratch.exists() {
        std::fs::remove_dir_all(&scratch).with_context(|| format!("removing {}", scratch.display()))?;
    }
    std::fs::create_dir_all(&scratch)?;
    let port = TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
    let server = Killed(
        Command::new(&server_bin)
            .args(["serve", "--demo", "--demo-year", "--bind", &format!("127.0.0.1:{port}")])
            .arg("--database-url")
            .arg(format!("sqlite://{}", scratch.join("lighthouse.db").display()))
            .arg("--assets")
            .arg(&dist)
            .env("LABBLOGG_LOG", "warn")
            .stdout(Stdio::null())
            .spawn()
            .with_context(|| format!("starting {}", server_bin.display()))?,
    );
    wait_listening(port, Duration::from_secs(300))?;

    let mut node = Command::new("node");
    node.arg(&script)
        .env("LH_BASE", format!("http://127.0.0.1:{port}/"))
        .env("CHROMIUM", CHROMIUM)
        .env("TZ", "Europe/Stockholm");
    let mut values = bench::collect(node)?;
    drop(server);

    // The first screen's wasm and JS, sized from dist.
    let files: Vec<String> = values
        .iter()
        .find(|v| v.get("name").and_then(Value::as_str) == Some("lighthouse.first_screen"))
        .and_then(|v| v.get("files"))
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(Value::as_str).map(str::to_owned).collect())
        .unwrap_or_default();
    values.push(first_screen_sizes(sh, &dist, &files)?);
    let _ = std::fs::remove_dir_all(&scratch);
    Ok(values)
}

/// `size.first_screen`: raw, gzip and brotli bytes of the wasm the counter fetched before it
/// responded (`wasm`), and of that plus its JS (`all`).
fn first_screen_sizes(sh: &Shell, dist: &Path, files: &[String]) -> Result<Value> {
    if !files.iter().any(|f| f.ends_with(".wasm")) {
        return Ok(json!({"name": "size.first_screen", "not_measured": "the counter fetched no .wasm file"}));
    }
    let mut wasm = [0u64; 3];
    let mut all = [0u64; 3];
    let mut each = serde_json::Map::new();
    for file in files {
        let path = dist.join(file.trim_start_matches('/'));
        let (raw, gzip, brotli) = bench_size::compressed_sizes(sh, &path)?;
        each.insert(file.clone(), json!({"raw": raw, "gzip": gzip, "brotli": brotli}));
        for (t, x) in all.iter_mut().zip([raw, gzip, brotli]) {
            *t += x;
        }
        if file.ends_with(".wasm") {
            for (t, x) in wasm.iter_mut().zip([raw, gzip, brotli]) {
                *t += x;
            }
        }
    }
    // Every wasm file of the build, for comparison.
    let mut app = [0u64; 3];
    for entry in std::fs::read_dir(dist)? {
        let path = entry?.path();
        if path.extension().is_some_and(|e| e == "wasm") {
            let (raw, gzip, brotli) = bench_size::compressed_sizes(sh, &path)?;
            for (t, x) in app.iter_mut().zip([raw, gzip, brotli]) {
                *t += x;
            }
        }
    }
    Ok(json!({
        "name": "size.first_screen", "unit": "bytes",
        "raw": wasm[0], "gzip": wasm[1], "brotli": wasm[2],
        "app_raw": app[0], "app_gzip": app[1], "app_brotli": app[2],
        "with_js": {"raw": all[0], "gzip": all[1], "brotli": all[2]},
        "files": each,
    }))
}

/// Lighthouse in its own npm prefix (an `npm install --no-save` in a shared prefix removes what
/// another install put there). Returns the prefix.
fn ensure_lighthouse(sh: &Shell, ws: &Workspace) -> Result<PathBuf> {
    let prefix = ws.target_dir.join("tools/npm-lighthouse");
    let (name, version) = LIGHTHOUSE.rsplit_once('@').unwrap_or((LIGHTHOUSE, ""));
    let installed = std::fs::read_to_string(prefix.join("node_modules").join(name).join("package.json"))
        .is_ok_and(|json| json.contains(&format!("\"version\": \"{version}\"")));
    if !installed {
        sh.create_dir(&prefix)?;
        cmd!(sh, "npm install --no-save --no-audit --no-fund --prefix {prefix} {LIGHTHOUSE}").run()?;
    }
    if !prefix.join("node_modules/puppeteer-core/package.json").exists() {
        bail!("npm installed {LIGHTHOUSE} but not the puppeteer-core it depends on");
    }
    Ok(prefix)
}

fn wait_listening(port: u16, limit: Duration) -> Result<()> {
    let deadline = Instant::now() + limit;
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        if Instant::now() > deadline {
            bail!("the server on port {port} did not start within {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    Ok(())
}

/// A child process killed when dropped.
struct Killed(Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}
