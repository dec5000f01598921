//! `cargo xtask test`: the one command that runs every test, locally and in CI (`.ci/run`).
//!
//! It installs what is missing first, so a fresh machine needs nothing but Rust, and it stops at
//! the first failing step.

use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use xshell::{cmd, Shell};

use crate::tools::{self, CHROMEDRIVER, CHROMIUM, SOFFICE, WASM_TARGET};
use crate::{frontend, postgres, Workspace};

/// Headless Chromium for wasm-bindgen-test-runner. The --disable-* flags keep the browser from
/// reaching out to the network (updates, sync, QUIC) during tests.
const WEBDRIVER_JSON: &str = r#"{"goog:chromeOptions":{"binary":"/usr/bin/chromium","args":["--headless=new","--no-sandbox","--disable-gpu","--disable-dev-shm-usage","--disable-background-networking","--disable-component-update","--disable-sync","--no-first-run","--disable-quic"]}}
"#;

pub fn test(sh: &Shell, ws: &Workspace) -> Result<()> {
    let mut steps = Steps::default();
    let cargo = &ws.cargo;
    let dist = ws.dist_dir();

    let mut axe = None;
    steps.run("tools", || {
        tools::ensure_frontend_tools(sh, ws)?;
        axe = tools::axe_core(sh, ws)?;
        postgres::ensure_installed(sh)?;
        tools::ensure_libreoffice(sh)?;
        tools::ensure_lint_tools(sh)?;
        tools::ensure_browser(sh)
    })?;

    // Formatting (rustfmt.toml) and clippy on every crate, warnings denied: the frontend for the
    // target it ships to, the rest natively. First, as it is the quickest to fail.
    steps.run("lint", || {
        cmd!(sh, "{cargo} fmt --all --check").run()?;
        cmd!(sh, "{cargo} clippy --workspace --exclude labblogg-frontend --all-targets -- -D warnings").run()?;
        cmd!(sh, "{cargo} clippy -p labblogg-frontend --target {WASM_TARGET} --all-targets -- -D warnings").run()?;
        Ok(())
    })?;

    // The end-to-end tests serve the release build, as users get it.
    steps.run("dist", || frontend::dist(sh, ws))?;

    steps.run("native tests", || {
        // The storage suite and the sync tests run on PostgreSQL too; the server is stopped and
        // its folder deleted when `pg` drops, whatever the tests did.
        let pg = postgres::TestPostgres::start()?;
        let tmp = StepTmp::new(ws, "native")?;
        cmd!(sh, "{cargo} test --workspace --exclude labblogg-frontend")
            .env("TMPDIR", &tmp.0)
            .env(postgres::URL_VAR, pg.as_ref().map_or("", |pg| pg.url.as_str()))
            .env("LABBLOGG_TEST_DIST", &dist)
            .env("LABBLOGG_AXE_JS", axe.as_deref().unwrap_or(Path::new("")))
            .env("CHROMEDRIVER", CHROMEDRIVER)
            .env("CHROMIUM", CHROMIUM)
            .env("LABBLOGG_SOFFICE", SOFFICE)
            .run()?;
        Ok(())
    })?;

    // The API from outside: generated requests against its own OpenAPI document.
    steps.run("schemathesis", || crate::schemathesis::schemathesis(sh, ws))?;

    steps.run("browser tests", || {
        let webdriver_json = ws.root.join("frontend/webdriver.json");
        ensure_webdriver_json(&webdriver_json)?;
        // The sync engine's tests talk to a real server; it lives as long as `server`.
        let server = WasmTestServer::start(sh, ws)?;
        let tmp = StepTmp::new(ws, "browser")?;
        // The runner is set in .cargo/config.toml: wasm-bindgen-test-runner drives Chromium.
        cmd!(sh, "{cargo} test -p labblogg-frontend --target {WASM_TARGET}")
            .env("CHROMEDRIVER", CHROMEDRIVER)
            .env("WASM_BINDGEN_TEST_WEBDRIVER_JSON", &webdriver_json)
            .env("TMPDIR", &tmp.0)
            // The runner's default of 20 s is too short for the whole suite on a busy
            // two-core machine.
            .env("WASM_BINDGEN_TEST_TIMEOUT", "120")
            // Read at compile time by frontend/tests/sync.rs.
            .env("LABBLOGG_WASM_TEST_SERVER", &server.url)
            .run()?;
        drop(server);
        Ok(())
    })?;

    steps.summary();
    Ok(())
}

/// A temporary folder for one step's processes (`TMPDIR`), deleted when the step ends.
///
/// chromedriver puts the profile of every Chromium it starts without `--user-data-dir` in
/// `$TMPDIR/org.chromium.Chromium.scoped_dir.*` and leaves it there when it is killed, as
/// wasm-bindgen-test-runner does; with IndexedDB full of test records these reached 650 MB each.
struct StepTmp(std::path::PathBuf);

impl StepTmp {
    fn new(ws: &Workspace, step: &str) -> Result<Self> {
        let dir = ws.target_dir.join("test-tmp").join(step);
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
        Ok(StepTmp(dir))
    }
}

impl Drop for StepTmp {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// `labblogg serve --demo --allow-cors-for-tests` on a fresh database and a free port, for the
/// sync engine's browser tests (their page is served by wasm-bindgen-test-runner on another
/// origin, hence the test-only CORS flag). Stopped on drop, whatever the tests did.
struct WasmTestServer {
    child: std::process::Child,
    url: String,
}

impl WasmTestServer {
    fn start(sh: &Shell, ws: &Workspace) -> Result<Self> {
        let cargo = &ws.cargo;
        cmd!(sh, "{cargo} build -p labblogg-server --bin labblogg").run()?;
        let dir = ws.target_dir.join("wasm-test-server");
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir)?;
        let port = std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
        let bind = format!("127.0.0.1:{port}");
        let log = std::fs::File::create(dir.join("server.log"))?;
        let child = std::process::Command::new(ws.target_dir.join("debug/labblogg"))
            .args(["serve", "--demo", "--allow-cors-for-tests", "--bind", &bind])
            .arg("--database-url")
            .arg(format!("sqlite://{}", dir.join("labblogg.db").display()))
            .stdout(std::process::Stdio::null())
            .stderr(log)
            .spawn()
            .context("starting the test server")?;
        let server = WasmTestServer { child, url: format!("http://{bind}") };
        let deadline = Instant::now() + Duration::from_secs(30);
        while std::net::TcpStream::connect(&bind).is_err() {
            if Instant::now() > deadline {
                anyhow::bail!("the test server did not listen on {bind} (see {})", dir.join("server.log").display());
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        eprintln!("test server for the sync engine's browser tests: {}", server.url);
        Ok(server)
    }
}

impl Drop for WasmTestServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Written when missing; an edited file is left alone.
pub(crate) fn ensure_webdriver_json(path: &Path) -> Result<()> {
    if !path.exists() {
        std::fs::write(path, WEBDRIVER_JSON).with_context(|| format!("writing {}", path.display()))?;
    }
    Ok(())
}

/// Runs named steps, timing each, and prints a summary at the end or at the first failure.
#[derive(Default)]
struct Steps {
    done: Vec<(&'static str, Duration)>,
    started: Option<Instant>,
}

impl Steps {
    fn run(&mut self, name: &'static str, step: impl FnOnce() -> Result<()>) -> Result<()> {
        self.started.get_or_insert_with(Instant::now);
        eprintln!("\n==> {name}");
        let start = Instant::now();
        let result = step();
        let elapsed = start.elapsed();
        match &result {
            Ok(()) => {
                eprintln!("<== {name}: ok in {}", seconds(elapsed));
                self.done.push((name, elapsed));
            }
            Err(_) => {
                eprintln!("<== {name}: FAILED after {}", seconds(elapsed));
                self.print_steps();
                eprintln!("FAILED at `{name}` after {} in total", seconds(self.total()));
            }
        }
        result.with_context(|| format!("step `{name}` failed"))
    }

    fn summary(&self) {
        self.print_steps();
        eprintln!("all {} steps passed in {}", self.done.len(), seconds(self.total()));
    }

    fn print_steps(&self) {
        eprintln!();
        for (name, elapsed) in &self.done {
            eprintln!("  {name:<15} {:>8}", seconds(*elapsed));
        }
    }

    fn total(&self) -> Duration {
        self.started.map(|start| start.elapsed()).unwrap_or_default()
    }
}

fn seconds(duration: Duration) -> String {
    format!("{:.1} s", duration.as_secs_f64())
}
