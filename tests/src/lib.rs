//! Harness for the end-to-end tests: the real server in-process on a fixed
//! loopback port (so it can be stopped and started again at the same origin,
//! which the service worker is bound to) and headless Chromium through
//! chromedriver, driven with fantoccini.
//!
//! The built app comes from `LABBLOGG_TEST_DIST` (set by `cargo xtask test`).

use anyhow::{bail, Context, Result};
use fantoccini::{Client, ClientBuilder, Locator};
use labblogg_server::config::{DbArgs, ServeArgs};
use labblogg_server::state::AppState;
use std::future::Future;
use std::net::{SocketAddr, TcpListener as StdListener};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use tempfile::TempDir;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// The built app, or a clear failure telling how to build it.
pub fn dist_dir() -> Result<PathBuf> {
    let dir = std::env::var_os("LABBLOGG_TEST_DIST")
        .map(PathBuf::from)
        .context("LABBLOGG_TEST_DIST is not set: run the end-to-end tests with `cargo xtask test`")?;
    if !dir.join("index.html").exists() {
        bail!("{} has no index.html: build the app with `cargo xtask dist`", dir.display());
    }
    Ok(dir)
}

fn free_port() -> Result<u16> {
    Ok(StdListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

/// The server with demo data on a temporary database.
pub struct TestServer {
    pub addr: SocketAddr,
    pub state: AppState,
    args: ServeArgs,
    dist: PathBuf,
    running: Option<(oneshot::Sender<()>, JoinHandle<std::io::Result<()>>)>,
    _dir: TempDir,
}

impl TestServer {
    pub async fn start() -> Result<Self> {
        let dir = tempfile::tempdir()?;
        let addr: SocketAddr = format!("127.0.0.1:{}", free_port()?).parse()?;
        let args = ServeArgs {
            bind: addr,
            db: DbArgs { database_url: format!("sqlite://{}", dir.path().join("labblogg.db").display()) },
            assets: Some(dist_dir()?),
            demo: true,
        };
        let state = labblogg_server::prepare(&args).await?;
        let mut server = TestServer { addr, state, dist: dist_dir()?, args, running: None, _dir: dir };
        server.resume().await?;
        Ok(server)
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{}", self.addr, path)
    }

    /// Stop answering: finish in-flight requests, close every connection.
    pub async fn stop(&mut self) -> Result<()> {
        if let Some((tx, handle)) = self.running.take() {
            let _ = tx.send(());
            tokio::time::timeout(Duration::from_secs(10), handle).await.context("server did not stop")???;
        }
        Ok(())
    }

    /// Start again on the same address and database.
    pub async fn resume(&mut self) -> Result<()> {
        let state = labblogg_server::prepare(&self.args).await?;
        self.state = state.clone();
        // The port was just released by the stopped server; retry briefly.
        let deadline = Instant::now() + Duration::from_secs(10);
        let listener = loop {
            match tokio::net::TcpListener::bind(self.addr).await {
                Ok(l) => break l,
                Err(e) if Instant::now() < deadline => {
                    let _ = e;
                    tokio::time::sleep(Duration::from_millis(100)).await
                }
                Err(e) => return Err(e.into()),
            }
        };
        let (tx, rx) = oneshot::channel::<()>();
        let dist = self.dist.clone();
        let handle = tokio::spawn(async move {
            labblogg_server::serve(listener, state, Some(&dist), async {
                let _ = rx.await;
            })
            .await
        });
        self.running = Some((tx, handle));
        Ok(())
    }
}

/// chromedriver and the headless Chromium it starts, killed together on drop.
pub struct Browser {
    pub client: Client,
    _driver: DriverGuard,
    _profile: TempDir,
}

/// Kills chromedriver's process group (it and the Chromium it started) on drop,
/// so a failed test leaves no browser behind.
struct DriverGuard(Child);

impl Drop for DriverGuard {
    fn drop(&mut self) {
        let _ = Command::new("kill").arg("-KILL").arg("--").arg(format!("-{}", self.0.id())).status();
        let _ = self.0.wait();
    }
}

impl Browser {
    pub async fn start() -> Result<Self> {
        let chromedriver = std::env::var("CHROMEDRIVER").unwrap_or_else(|_| "/usr/bin/chromedriver".into());
        let chromium = std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into());
        let port = free_port()?;
        let mut cmd = Command::new(&chromedriver);
        cmd.arg(format!("--port={port}")).stdout(Stdio::null()).stderr(Stdio::null());
        #[cfg(unix)]
        std::os::unix::process::CommandExt::process_group(&mut cmd, 0);
        let driver = DriverGuard(cmd.spawn().with_context(|| format!("starting {chromedriver}"))?);
        let profile = tempfile::tempdir()?;
        let caps: serde_json::Map<String, serde_json::Value> = serde_json::from_value(serde_json::json!({
            "goog:chromeOptions": {
                "binary": chromium,
                "args": [
                    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                    "--disable-background-networking", "--disable-component-update", "--disable-sync",
                    "--no-first-run", "--disable-quic", "--window-size=768,1024",
                    format!("--user-data-dir={}", profile.path().display()),
                ]
            }
        }))?;
        let url = format!("http://127.0.0.1:{port}");
        let deadline = Instant::now() + Duration::from_secs(20);
        let client = loop {
            let mut builder = ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new());
            builder.capabilities(caps.clone());
            match builder.connect(&url).await {
                Ok(c) => break c,
                Err(e) if Instant::now() < deadline => {
                    let _ = e;
                    tokio::time::sleep(Duration::from_millis(200)).await
                }
                Err(e) => return Err(e).context("connecting to chromedriver"),
            }
        };
        Ok(Browser { client, _driver: driver, _profile: profile })
    }

    /// Close the browser session (call at the end of a test; drop kills what is left).
    pub async fn close(self) -> Result<()> {
        let _ = self.client.clone().close().await;
        Ok(())
    }

    pub async fn attr(&self, css: &str, name: &str) -> Result<Option<String>> {
        Ok(self.client.find(Locator::Css(css)).await?.attr(name).await?)
    }

    pub async fn text(&self, css: &str) -> Result<String> {
        Ok(self.client.find(Locator::Css(css)).await?.text().await?)
    }

    pub async fn click(&self, css: &str) -> Result<()> {
        self.client.find(Locator::Css(css)).await?.click().await?;
        Ok(())
    }

    /// Save a screenshot under `target/screenshots/` for reviewers.
    pub async fn screenshot(&self, name: &str) -> Result<PathBuf> {
        let dir = screenshot_dir();
        std::fs::create_dir_all(&dir)?;
        let path = dir.join(format!("{name}.png"));
        std::fs::write(&path, self.client.screenshot().await?)?;
        Ok(path)
    }

    /// Sign in through the login form (the automation contract's field names).
    pub async fn sign_in(&self, base: &str, username: &str, password: &str) -> Result<()> {
        self.client.goto(base).await?;
        let user = self.client.wait().at_most(Duration::from_secs(20)).for_element(Locator::Css("input[name=username]")).await?;
        user.send_keys(username).await?;
        self.client.find(Locator::Css("input[name=password]")).await?.send_keys(password).await?;
        self.click("form button[type=submit]").await
    }
}

pub fn screenshot_dir() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target"));
    target.join("screenshots")
}

/// Poll `check` until it holds, failing with `what` after `timeout`.
pub async fn wait_until<F, Fut>(what: &str, timeout: Duration, mut check: F) -> Result<()>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<bool>>,
{
    let deadline = Instant::now() + timeout;
    let mut last_err = None;
    loop {
        match check().await {
            Ok(true) => return Ok(()),
            Ok(false) => {}
            Err(e) => last_err = Some(e),
        }
        if Instant::now() > deadline {
            bail!("timed out after {timeout:?} waiting for {what} (last error: {last_err:?})");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}
