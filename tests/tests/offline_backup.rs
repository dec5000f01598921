//! The last resort, end to end in headless Chromium: a tablet that cannot
//! reach the server exports its unsynced visits as a file (Chromium's real
//! download, into a folder set through the DevTools protocol), and a second
//! tablet imports the file and syncs. Every visit reaches the server exactly
//! once, even when the file is imported twice.

use anyhow::{bail, Context, Result};
use fantoccini::wd::WebDriverCompatibleCommand;
use labblogg_e2e::{wait_until, Browser, TestServer};
use labblogg_server::demo::LINA_HAGE;
use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::time::Duration;

const SYNC_WAIT: Duration = Duration::from_secs(60);

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

/// Let the page download files into `dir` without asking.
async fn downloads_into(b: &Browser, dir: &Path) -> Result<()> {
    let params = json!({"behavior": "allow", "downloadPath": dir.display().to_string()});
    if b.client.issue_cmd(Cdp("Browser.setDownloadBehavior", params.clone())).await.is_err() {
        b.client.issue_cmd(Cdp("Page.setDownloadBehavior", params)).await.context("CDP setDownloadBehavior")?;
    }
    Ok(())
}

/// The one finished export file in `dir`, once Chromium has written it.
async fn downloaded_export(dir: &Path) -> Result<PathBuf> {
    let mut found = None;
    wait_until("the export file downloaded", Duration::from_secs(20), || {
        let files: Vec<PathBuf> =
            std::fs::read_dir(dir).map(|d| d.filter_map(|e| e.ok().map(|e| e.path())).collect()).unwrap_or_default();
        let done: Vec<PathBuf> = files
            .iter()
            .filter(|p| p.file_name().is_some_and(|n| n.to_string_lossy().starts_with("labblogg-osynkat-")))
            .filter(|p| p.extension().is_some_and(|e| e == "json"))
            .cloned()
            .collect();
        let partial = files.iter().any(|p| p.extension().is_some_and(|e| e == "crdownload"));
        let ok = done.len() == 1 && !partial;
        if ok {
            found = done.into_iter().next();
        }
        async move { Ok(ok) }
    })
    .await?;
    found.context("export file")
}

async fn notice(b: &Browser) -> Result<String> {
    b.text("main .notice").await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unsynced_visits_exported_on_one_tablet_and_imported_on_another_reach_the_server_once() -> Result<()> {
    let mut server = TestServer::start().await?;
    let url = server.url("/");
    let downloads = tempfile::tempdir()?;

    // Tablet A counts 25 visits while the server is out of reach, then exports them.
    let a = Browser::start().await?;
    a.open_counter_as_staff(&url).await?;
    a.wait_service_worker().await?;
    a.wait_synced(SYNC_WAIT).await?;
    downloads_into(&a, downloads.path()).await?;
    server.stop().await?;
    a.tap_times(25).await?;
    a.wait_visits_today(25, Duration::from_secs(20)).await?;
    wait_until("25 pending on tablet A", Duration::from_secs(20), || async { Ok(a.sync_status().await?.1 == 25) })
        .await?;
    a.click("[data-testid=nav-settings]").await?;
    a.wait_for("[data-testid=export-unsynced]").await?;
    a.click("[data-testid=export-unsynced]").await?;
    wait_until("export notice", Duration::from_secs(10), || async { Ok(notice(&a).await?.contains("25")) }).await?;
    let file = downloaded_export(downloads.path()).await?;
    let export: Value = serde_json::from_str(&std::fs::read_to_string(&file)?)?;
    assert_eq!(export["format"], "labblogg-unsynced-changes");
    assert_eq!(export["changes"].as_array().map(Vec::len), Some(25));
    // Tablet A is lost for good: its visits never reach the server from it.
    a.close().await?;

    // Tablet B, signed in elsewhere, imports the file and syncs.
    server.resume().await?;
    assert_eq!(server.visits(LINA_HAGE).await?, (0, 0));
    let b = Browser::start().await?;
    b.open_counter_as_staff(&url).await?;
    b.wait_synced(SYNC_WAIT).await?;
    b.click("[data-testid=nav-settings]").await?;
    let path = file.canonicalize()?.display().to_string();
    for round in 1..=2 {
        let input = b.wait_for("[data-testid=import-unsynced]").await?;
        input.send_keys(&path).await?;
        wait_until(&format!("import {round} read"), Duration::from_secs(20), || async {
            Ok(notice(&b).await?.contains("lästes in"))
        })
        .await?;
        b.wait_synced(SYNC_WAIT).await?;
        let stored = server.visits(LINA_HAGE).await?;
        if stored != (25, 25) {
            bail!("after import {round} the server holds {stored:?} visits (count, distinct), not 25 once");
        }
        b.click("[data-testid=nav-counter]").await?;
        b.wait_visits_today(25, Duration::from_secs(20)).await?;
        b.click("[data-testid=nav-settings]").await?;
    }
    b.close().await?;
    server.stop().await?;
    Ok(())
}
