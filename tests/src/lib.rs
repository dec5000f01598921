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
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::{Arc, LazyLock};
use std::time::{Duration, Instant};
use tempfile::TempDir;
use tokio::sync::oneshot;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
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

/// How the test server misbehaves on `/api/v1/sync` (fault injection).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum Fault {
    /// Answer normally.
    None = 0,
    /// Answer 500 without doing anything.
    Error500 = 1,
    /// Hold the request unanswered until the fault is lifted, then answer 503.
    Hang = 2,
    /// Process the request (its changes are committed) but hold the answer
    /// until the fault is lifted: the client never learns of the commit.
    CommitThenHang = 3,
}

async fn until_lifted(mode: &AtomicU8, fault: Fault) {
    while mode.load(Ordering::SeqCst) == fault as u8 {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn inject(
    mode: Arc<AtomicU8>,
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    use axum::http::StatusCode;
    use axum::response::IntoResponse;
    if req.uri().path() != "/api/v1/sync" {
        return next.run(req).await;
    }
    match mode.load(Ordering::SeqCst) {
        1 => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
        2 => {
            until_lifted(&mode, Fault::Hang).await;
            StatusCode::SERVICE_UNAVAILABLE.into_response()
        }
        3 => {
            let resp = next.run(req).await;
            until_lifted(&mode, Fault::CommitThenHang).await;
            resp
        }
        _ => next.run(req).await,
    }
}

/// The server with demo data on a temporary database.
pub struct TestServer {
    pub addr: SocketAddr,
    pub state: AppState,
    fault: Arc<AtomicU8>,
    args: ServeArgs,
    dist: PathBuf,
    running: Option<(oneshot::Sender<()>, JoinHandle<std::io::Result<()>>)>,
    /// The port, bound from the start until the first `resume` serves on it: picked free and
    /// released, it lay unbound while `prepare` seeded the database (seconds with a demo year),
    /// and another test's free port could be the same one.
    reserved: Option<tokio::net::TcpListener>,
    _dir: TempDir,
}

impl TestServer {
    pub async fn start() -> Result<Self> {
        Self::start_with(false).await
    }

    /// With a year of generated demo visits and activities (`--demo-year`).
    pub async fn start_with_demo_year() -> Result<Self> {
        Self::start_with(true).await
    }

    async fn start_with(demo_year: bool) -> Result<Self> {
        Self::start_on(true, demo_year, None).await
    }

    /// An installation as a new housing company gets it: an empty database
    /// (no demo labs, places or accounts) with one administrator, created as
    /// `labblogg user add` would.
    pub async fn start_empty_with_admin(username: &str, password: &str) -> Result<Self> {
        Self::start_on(false, false, Some((username, password))).await
    }

    async fn start_on(demo: bool, demo_year: bool, admin: Option<(&str, &str)>) -> Result<Self> {
        let dir = tempfile::tempdir()?;
        // SO_REUSEADDR as tokio's own bind sets it: the connections it accepts, left in
        // TIME_WAIT by a stop, must not keep `resume` from binding the port again.
        let socket = tokio::net::TcpSocket::new_v4()?;
        socket.set_reuseaddr(true)?;
        socket.bind("127.0.0.1:0".parse()?)?;
        let reserved = socket.listen(1024)?;
        let addr = reserved.local_addr()?;
        let args = ServeArgs {
            bind: addr,
            db: DbArgs { database_url: format!("sqlite://{}", dir.path().join("labblogg.db").display()) },
            assets: Some(dist_dir()?),
            demo,
            demo_year,
        };
        let state = labblogg_server::prepare(&args).await?;
        if let Some((username, password)) = admin {
            state
                .store
                .insert_user(labblogg_server::db::UserRow {
                    id: uuid::Uuid::now_v7(),
                    username: username.to_owned(),
                    display_name: "Administratör".to_owned(),
                    password_hash: labblogg_server::auth::hash_password(password)
                        .map_err(|e| anyhow::anyhow!("{e}"))?,
                    role: labblogg_shared::auth::Role::Admin,
                    memberships: Vec::new(),
                    home_meeting_place: None,
                    disabled: false,
                })
                .await?;
        }
        let mut server = TestServer {
            addr,
            state,
            fault: Arc::default(),
            dist: dist_dir()?,
            args,
            running: None,
            reserved: Some(reserved),
            _dir: dir,
        };
        server.resume().await?;
        Ok(server)
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{}", self.addr, path)
    }

    /// Make `/api/v1/sync` misbehave (or behave again with `Fault::None`).
    pub fn set_fault(&self, fault: Fault) {
        self.fault.store(fault as u8, Ordering::SeqCst);
    }

    /// Live (not undone) visits the server holds for a lab, and the number of
    /// distinct ids among them (equal unless something was stored twice).
    pub async fn visits(&self, lab: uuid::Uuid) -> Result<(usize, usize)> {
        let mut cursor = 0;
        let mut ids = std::collections::HashSet::new();
        let mut count = 0;
        loop {
            let page = self.state.store.pull(vec![lab], cursor, 1000).await?;
            for r in &page.records {
                if r.state.kind == labblogg_shared::RecordKind::Visit && r.state.deleted.is_none() {
                    count += 1;
                    ids.insert(r.state.id);
                }
            }
            cursor = page.cursor;
            if !page.more {
                return Ok((count, ids.len()));
            }
        }
    }

    /// The latest field stamp (wall ms) of any record of `lab` on the server.
    pub async fn max_clock_ms(&self, lab: uuid::Uuid) -> Result<u64> {
        let (mut cursor, mut max) = (0, 0);
        loop {
            let page = self.state.store.pull(vec![lab], cursor, 1000).await?;
            max = page.records.iter().map(|r| r.state.max_clock().ms).fold(max, u64::max);
            cursor = page.cursor;
            if !page.more {
                return Ok(max);
            }
        }
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
        // The first time on the port held since `start`; later on the port just released by
        // the stopped server, retrying briefly.
        let deadline = Instant::now() + Duration::from_secs(10);
        let listener = match self.reserved.take() {
            Some(l) => l,
            None => loop {
                match tokio::net::TcpListener::bind(self.addr).await {
                    Ok(l) => break l,
                    Err(e) if Instant::now() < deadline => {
                        let _ = e;
                        tokio::time::sleep(Duration::from_millis(100)).await
                    }
                    Err(e) => return Err(e.into()),
                }
            },
        };
        let (tx, rx) = oneshot::channel::<()>();
        let fault = self.fault.clone();
        let app = labblogg_server::app(state, Some(&self.dist))
            .layer(axum::middleware::from_fn(move |req, next| inject(fault.clone(), req, next)));
        let handle = tokio::spawn(async move {
            axum::serve(listener, app.into_make_service_with_connect_info::<SocketAddr>())
                .with_graceful_shutdown(async {
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
    /// A fresh profile, deleted with the browser (`None` with [`Profile`]).
    _profile: Option<TempDir>,
    _slot: OwnedSemaphorePermit,
}

/// A browser profile (localStorage, IndexedDB, the service worker) that
/// outlives one [`Browser`]: the same tablet, closed and opened again later.
pub struct Profile(TempDir);

impl Profile {
    pub fn new() -> Result<Self> {
        Ok(Profile(tempfile::tempdir()?))
    }
}

/// One browser at a time: on two cores, parallel Chromiums make timing flaky.
static BROWSER_SLOT: LazyLock<Arc<Semaphore>> = LazyLock::new(|| Arc::new(Semaphore::new(1)));

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
    /// A browser with a fresh profile of its own.
    pub async fn start() -> Result<Self> {
        let profile = tempfile::tempdir()?;
        let path = profile.path().to_path_buf();
        let mut b = Self::start_in(&path).await?;
        b._profile = Some(profile);
        Ok(b)
    }

    /// A browser on `profile`, which keeps its data after [`Browser::close`].
    pub async fn start_with(profile: &Profile) -> Result<Self> {
        Self::start_in(profile.0.path()).await
    }

    async fn start_in(profile: &std::path::Path) -> Result<Self> {
        let slot = BROWSER_SLOT.clone().acquire_owned().await?;
        let chromedriver = std::env::var("CHROMEDRIVER").unwrap_or_else(|_| "/usr/bin/chromedriver".into());
        let chromium = std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into());
        let port = free_port()?;
        let mut cmd = Command::new(&chromedriver);
        cmd.arg(format!("--port={port}")).stdout(Stdio::null()).stderr(Stdio::null());
        // The labs are in Sweden and the app dates by the tablet's own clock: the browser keeps
        // Stockholm's time whatever the machine's zone (between 23:00 and 24:00 UTC a test that
        // dated by Stockholm saw the app's "today" a day behind).
        cmd.env("TZ", "Europe/Stockholm");
        #[cfg(unix)]
        std::os::unix::process::CommandExt::process_group(&mut cmd, 0);
        let driver = DriverGuard(cmd.spawn().with_context(|| format!("starting {chromedriver}"))?);
        let caps: serde_json::Map<String, serde_json::Value> = serde_json::from_value(serde_json::json!({
            "goog:chromeOptions": {
                "binary": chromium,
                "args": [
                    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                    "--disable-background-networking", "--disable-component-update", "--disable-sync",
                    "--no-first-run", "--disable-quic", "--window-size=768,1024",
                    format!("--user-data-dir={}", profile.display()),
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
        Ok(Browser { client, _driver: driver, _profile: None, _slot: slot })
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

    /// `[data-testid=sync-status]`'s `data-state` and `data-pending`.
    pub async fn sync_status(&self) -> Result<(String, u32)> {
        let el = self.client.find(Locator::Css("[data-testid=sync-status]")).await?;
        let state = el.attr("data-state").await?.unwrap_or_default();
        let pending = el.attr("data-pending").await?.unwrap_or_default().parse().unwrap_or(u32::MAX);
        Ok((state, pending))
    }

    /// Wait until the status says everything is on the server.
    pub async fn wait_synced(&self, timeout: Duration) -> Result<()> {
        wait_until("sync-status synced with 0 pending", timeout, || async {
            Ok(self.sync_status().await? == ("synced".to_string(), 0))
        })
        .await
    }

    /// Today's visit count as shown.
    pub async fn visits_today(&self) -> Result<u32> {
        Ok(self.text("[data-testid=visits-today]").await?.trim().parse()?)
    }

    pub async fn wait_visits_today(&self, n: u32, timeout: Duration) -> Result<()> {
        wait_until(&format!("visits-today = {n}"), timeout, || async { Ok(self.visits_today().await? == n) }).await
    }

    /// Tap the first visit button `n` times as fast as the page takes clicks.
    pub async fn tap_times(&self, n: u32) -> Result<()> {
        self.client
            .execute(
                "const b = document.querySelector('[data-testid=visit-button]');
                 for (let i = 0; i < arguments[0]; i++) b.click();",
                vec![serde_json::json!(n)],
            )
            .await?;
        Ok(())
    }

    /// Sign in as `personal` and wait for the visit counter.
    pub async fn open_counter_as_staff(&self, base: &str) -> Result<()> {
        self.sign_in(base, "personal", "personal").await?;
        self.client
            .wait()
            .at_most(Duration::from_secs(20))
            .for_element(Locator::Css("[data-testid=visit-button]"))
            .await?;
        Ok(())
    }

    /// Wait until the service worker is active (the app shell is cached).
    pub async fn wait_service_worker(&self) -> Result<()> {
        let ready = self
            .client
            .execute_async(
                "const done = arguments[arguments.length - 1];
                 navigator.serviceWorker.ready.then(() => done(true), () => done(false));",
                vec![],
            )
            .await?;
        if ready != serde_json::json!(true) {
            bail!("service worker never became ready");
        }
        Ok(())
    }

    /// Run axe-core (from `LABBLOGG_AXE_JS`, installed by `cargo xtask test`) on the
    /// current page and return its serious and critical WCAG 2.1 A/AA violations.
    pub async fn accessibility_violations(&self) -> Result<Vec<String>> {
        let path = std::env::var("LABBLOGG_AXE_JS").unwrap_or_default();
        if path.is_empty() {
            bail!("LABBLOGG_AXE_JS is not set: run the end-to-end tests with `cargo xtask test`");
        }
        let axe = std::fs::read_to_string(&path).with_context(|| format!("reading {path}"))?;
        self.client.execute(&format!("{axe}\nreturn true;"), vec![]).await?;
        let result = self
            .client
            .execute_async(
                "const done = arguments[arguments.length - 1];
                 axe.run(document, { runOnly: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] })
                   .then(r => done(r.violations
                       .filter(v => v.impact === 'serious' || v.impact === 'critical')
                       .map(v => v.id + ' (' + v.impact + '): ' + v.help + ' — ' +
                            v.nodes.slice(0, 3).map(n => n.target.join(' ')).join(', '))))
                   .catch(e => done(['axe failed: ' + e]));",
                vec![],
            )
            .await?;
        Ok(serde_json::from_value(result)?)
    }

    /// Fail with the list of serious accessibility violations on the current screen.
    pub async fn assert_accessible(&self, screen: &str) -> Result<()> {
        let violations = self.accessibility_violations().await?;
        if !violations.is_empty() {
            bail!("accessibility violations on {screen}:\n{}", violations.join("\n"));
        }
        Ok(())
    }

    /// Screenshots in portrait and landscape tablet sizes and on a phone.
    pub async fn screenshots(&self, name: &str) -> Result<()> {
        for (suffix, w, h) in [("tablet-portrait", 768, 1024), ("tablet-landscape", 1024, 768), ("phone", 390, 844)] {
            self.client.set_window_size(w, h).await?;
            tokio::time::sleep(Duration::from_millis(200)).await;
            self.screenshot(&format!("{name}-{suffix}")).await?;
        }
        self.client.set_window_size(768, 1024).await?;
        Ok(())
    }

    /// Type into a field (clearing it first), by CSS selector.
    pub async fn fill(&self, css: &str, text: &str) -> Result<()> {
        let el = self.client.find(Locator::Css(css)).await?;
        el.clear().await?;
        el.send_keys(text).await?;
        Ok(())
    }

    pub async fn select(&self, css: &str, value: &str) -> Result<()> {
        self.client.find(Locator::Css(css)).await?.select_by_value(value).await?;
        Ok(())
    }

    pub async fn wait_for(&self, css: &str) -> Result<fantoccini::elements::Element> {
        Ok(self.client.wait().at_most(Duration::from_secs(20)).for_element(Locator::Css(css)).await?)
    }

    pub async fn count(&self, css: &str) -> Result<usize> {
        Ok(self.client.find_all(Locator::Css(css)).await?.len())
    }

    /// Is the first element matching `css` there and shown (not hidden by an ancestor)?
    pub async fn is_shown(&self, css: &str) -> Result<bool> {
        match self.client.find(Locator::Css(css)).await {
            Ok(el) => Ok(el.is_displayed().await?),
            Err(e) if e.is_no_such_element() => Ok(false),
            Err(e) => Err(e.into()),
        }
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
        let user = self
            .client
            .wait()
            .at_most(Duration::from_secs(20))
            .for_element(Locator::Css("input[name=username]"))
            .await?;
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
