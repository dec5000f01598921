//! Time to interactive offline, from the service worker's cache, with Chromium's CPU slowed
//! 4× — the app against a Leptos hello world served the same way. Run by
//! `cargo xtask bench size` (a `harness = false` bench: plain `main`), which builds both and
//! passes their folders in `LABBLOGG_BENCH_APP_DIST` and `LABBLOGG_BENCH_HELLO_DIST`.
//!
//! Time to interactive: from navigation start to the first interactive element in the page
//! (the app's login field or visit button, the hello world's button), recorded in the page by
//! a MutationObserver installed before any script runs (`Page.addScriptToEvaluateOnNewDocument`),
//! so WebDriver's own overhead is not in it. Each build is served once by the release server
//! binary (`LABBLOGG_BENCH_SERVER`) so its service worker installs; then the servers stop, the
//! network is cut, and the two are loaded alternately.

use anyhow::{bail, Context, Result};
use fantoccini::wd::WebDriverCompatibleCommand;
use labblogg_e2e::Browser;
use serde_json::{json, Value};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const TRIALS: usize = 15;
const WARMUP: usize = 2;
const CPU_SLOWDOWN: u32 = 4;
const INTERACTIVE: &str = "input[name=username], [data-testid=visit-button], [data-testid=hello-button]";

/// A Chrome DevTools Protocol command through chromedriver's `goog/cdp/execute`.
#[derive(Debug)]
struct Cdp(&'static str, Value);

impl WebDriverCompatibleCommand for Cdp {
    fn endpoint(&self, base: &url::Url, session: Option<&str>) -> Result<url::Url, url::ParseError> {
        base.join(&format!("session/{}/goog/cdp/execute", session.unwrap_or_default()))
    }

    fn method_and_body(&self, _: &url::Url) -> (http::Method, Option<String>) {
        (http::Method::POST, Some(json!({"cmd": self.0, "params": self.1}).to_string()))
    }
}

async fn cdp(browser: &Browser, cmd: &'static str, params: Value) -> Result<Value> {
    browser.client.issue_cmd(Cdp(cmd, params)).await.with_context(|| format!("CDP {cmd}"))
}

/// One build served by the real server binary (`LABBLOGG_BENCH_SERVER`), until stopped.
struct Served {
    url: String,
    child: Child,
    _db: tempfile::TempDir,
}

async fn serve(dist: PathBuf) -> Result<Served> {
    let bin = PathBuf::from(
        std::env::var_os("LABBLOGG_BENCH_SERVER")
            .context("LABBLOGG_BENCH_SERVER is not set: run `cargo xtask bench size`")?,
    );
    let db = tempfile::tempdir()?;
    let port = std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
    let child = Command::new(&bin)
        .args(["serve", "--bind", &format!("127.0.0.1:{port}")])
        .arg("--database-url")
        .arg(format!("sqlite://{}", db.path().join("tti.db").display()))
        .arg("--assets")
        .arg(&dist)
        .env("LABBLOGG_LOG", "warn")
        .stdout(Stdio::null())
        .spawn()
        .with_context(|| format!("starting {}", bin.display()))?;
    let served = Served { url: format!("http://127.0.0.1:{port}/"), child, _db: db };
    let deadline = Instant::now() + Duration::from_secs(60);
    while tokio::net::TcpStream::connect(("127.0.0.1", port)).await.is_err() {
        if Instant::now() > deadline {
            bail!("the server for {} did not start", dist.display());
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    Ok(served)
}

impl Served {
    fn stop(mut self) -> Result<()> {
        self.child.kill()?;
        self.child.wait()?;
        Ok(())
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Loads `url` online and waits until its service worker controls the page (the shell is cached).
async fn install(browser: &Browser, url: &str) -> Result<()> {
    browser.client.goto(url).await?;
    browser.wait_service_worker().await?;
    // `clients.claim()` in the worker's activate step makes this page controlled.
    let deadline = Instant::now() + Duration::from_secs(30);
    while browser.client.execute("return !!navigator.serviceWorker.controller", vec![]).await? != json!(true) {
        if Instant::now() > deadline {
            bail!("{url}: the service worker never took control");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    Ok(())
}

/// One offline load of `url`: milliseconds from navigation start to the first interactive element.
async fn load(browser: &Browser, url: &str) -> Result<f64> {
    browser.client.goto(url).await?;
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let v = browser
            .client
            .execute("return [window.__tti ?? null, !!navigator.serviceWorker.controller]", vec![])
            .await?;
        if let Some(ms) = v[0].as_f64() {
            if v[1] != json!(true) {
                bail!("{url} was not served by its service worker");
            }
            return Ok(ms);
        }
        if Instant::now() > deadline {
            bail!("{url}: no interactive element within 60 s offline");
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Milliseconds a fixed JavaScript loop takes in the current page (median of 5).
async fn spin(browser: &Browser) -> Result<f64> {
    let mut runs = Vec::new();
    for _ in 0..5 {
        let v = browser
            .client
            .execute("const t = performance.now(); let x = 0; for (let i = 0; i < 5e6; i++) x = (x + i) % 977; return [performance.now() - t, x];", vec![])
            .await?;
        runs.push(v[0].as_f64().context("spin time")?);
    }
    runs.sort_by(f64::total_cmp);
    Ok(runs[2])
}

fn summary(name: &str, mut samples: Vec<f64>) -> Value {
    let all = samples.clone();
    samples.sort_by(f64::total_cmp);
    let pick = |p: f64| samples[(((p / 100.0) * samples.len() as f64).ceil() as usize).clamp(1, samples.len()) - 1];
    json!({"name": name, "unit": "ms", "n": samples.len(), "p50": pick(50.0), "p90": pick(90.0),
           "min": samples.first(), "max": samples.last(), "samples": all, "cpu_slowdown": CPU_SLOWDOWN})
}

async fn run() -> Result<()> {
    let dist = |var: &str| -> Result<PathBuf> {
        let dir = PathBuf::from(
            std::env::var_os(var).with_context(|| format!("{var} is not set: run `cargo xtask bench size`"))?,
        );
        if !dir.join("index.html").exists() {
            bail!("{} has no index.html", dir.display());
        }
        Ok(dir)
    };
    let (app, hello) =
        (serve(dist("LABBLOGG_BENCH_APP_DIST")?).await?, serve(dist("LABBLOGG_BENCH_HELLO_DIST")?).await?);
    let browser = Browser::start().await?;
    let result = async {
        install(&browser, &app.url).await?;
        install(&browser, &hello.url).await?;
        let urls = (app.url.clone(), hello.url.clone());
        app.stop()?;
        hello.stop()?;

        let observer = format!(
            "(() => {{ const sel = {INTERACTIVE:?}; const seen = () => {{
                 if (window.__tti === undefined && document.querySelector(sel)) window.__tti = performance.now(); }};
               new MutationObserver(seen).observe(document, {{ childList: true, subtree: true }}); }})();"
        );
        let unthrottled = spin(&browser).await?;
        cdp(&browser, "Page.enable", json!({})).await?;
        cdp(&browser, "Page.addScriptToEvaluateOnNewDocument", json!({"source": observer})).await?;
        cdp(&browser, "Network.enable", json!({})).await?;
        cdp(
            &browser,
            "Network.emulateNetworkConditions",
            json!({"offline": true, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1}),
        )
        .await?;
        cdp(&browser, "Emulation.setCPUThrottlingRate", json!({"rate": CPU_SLOWDOWN})).await?;
        let throttled = spin(&browser).await?;

        let (mut ours, mut theirs) = (Vec::new(), Vec::new());
        for i in 0..WARMUP + TRIALS {
            let a = load(&browser, &urls.0).await?;
            let b = load(&browser, &urls.1).await?;
            if i >= WARMUP {
                ours.push(a);
                theirs.push(b);
            }
        }
        // Is the CPU slowed, and still after all those navigations? A fixed loop, timed before
        // throttling, right after, and now (ratios are rough on a busy machine).
        let at_end = spin(&browser).await?;
        cdp(&browser, "Emulation.setCPUThrottlingRate", json!({"rate": 1})).await?;
        for (name, samples) in [("tti.app", ours), ("tti.hello", theirs)] {
            let mut v = summary(name, samples);
            v["cpu_slowdown_observed"] = json!(throttled / unthrottled);
            v["cpu_slowdown_observed_at_end"] = json!(at_end / unthrottled);
            println!("BENCH {v}");
        }
        anyhow::Ok(())
    }
    .await;
    browser.close().await?;
    result
}

fn main() -> Result<()> {
    tokio::runtime::Builder::new_multi_thread().enable_all().build()?.block_on(run())
}
