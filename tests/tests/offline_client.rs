//! The offline-first client under stress, in headless Chromium against the
//! real server: a long offline stretch, a tab closed mid-sync, two tabs at
//! once, and a server that fails or hangs for a while. Every visit counted
//! must reach the server exactly once.

use anyhow::Result;
use labblogg_e2e::{wait_until, Browser, Fault, TestServer};
use labblogg_server::demo::LINA_HAGE;
use std::time::Duration;

const SYNC_WAIT: Duration = Duration::from_secs(60);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_thousand_visits_counted_offline_reach_the_server_once_in_one_sync() -> Result<()> {
    let mut server = TestServer::start().await?;
    let b = Browser::start().await?;
    b.open_counter_as_staff(&server.url("/")).await?;
    b.wait_service_worker().await?;
    b.wait_synced(SYNC_WAIT).await?;

    server.stop().await?;
    b.client.refresh().await?;
    b.wait_visits_today(0, Duration::from_secs(20)).await?;
    b.tap_times(2000).await?;
    b.wait_visits_today(2000, Duration::from_secs(60)).await?;
    wait_until("2000 pending", Duration::from_secs(20), || async { Ok(b.sync_status().await?.1 == 2000) }).await?;

    server.resume().await?;
    // The next retry is at most 8 s away; 2,000 changes are four round trips.
    // (This once took up to 80 s: every tap's BroadcastChannel news reached the
    // tab itself, which re-read the whole outbox 2,000 times and the sync
    // engine's reads queued behind those in IndexedDB.)
    b.wait_synced(Duration::from_secs(30)).await?;
    assert_eq!(server.visits(LINA_HAGE).await?, (2000, 2000));
    b.close().await?;
    server.stop().await?;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tab_closed_mid_sync_loses_nothing_and_duplicates_nothing() -> Result<()> {
    let mut server = TestServer::start().await?;
    let b = Browser::start().await?;
    let url = server.url("/");
    b.open_counter_as_staff(&url).await?;
    b.wait_service_worker().await?;
    b.wait_synced(SYNC_WAIT).await?;

    server.stop().await?;
    b.tap_times(700).await?;
    b.wait_visits_today(700, Duration::from_secs(30)).await?;

    // The server commits the first batch but the tab never hears back: it is closed.
    server.set_fault(Fault::CommitThenHang);
    server.resume().await?;
    wait_until("first batch committed on the server", Duration::from_secs(30), || async {
        Ok(server.visits(LINA_HAGE).await?.0 >= 500)
    })
    .await?;
    let first = b.client.window().await?;
    b.client.new_window(true).await?;
    b.client.close_window().await?; // closes the current tab: the counter, mid-sync
    let handles = b.client.windows().await?;
    assert!(!handles.contains(&first));
    b.client.switch_to_window(handles[0].clone()).await?;
    server.set_fault(Fault::None);

    // Reopened, the app resends what it never saw acknowledged: stored once.
    b.client.goto(&url).await?;
    b.client
        .wait()
        .at_most(Duration::from_secs(20))
        .for_element(fantoccini::Locator::Css("[data-testid=visit-button]"))
        .await?;
    b.wait_synced(SYNC_WAIT).await?;
    assert_eq!(server.visits(LINA_HAGE).await?, (700, 700));
    b.wait_visits_today(700, Duration::from_secs(10)).await?;
    b.close().await?;
    server.stop().await?;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_tabs_counting_at_once_both_see_every_visit() -> Result<()> {
    let mut server = TestServer::start().await?;
    let b = Browser::start().await?;
    let url = server.url("/");
    b.open_counter_as_staff(&url).await?;
    let tab_a = b.client.window().await?;
    let tab_b = b.client.new_window(true).await?.handle;
    b.client.switch_to_window(tab_b.clone()).await?;
    b.client.goto(&url).await?; // already signed in: straight to the counter
    b.client
        .wait()
        .at_most(Duration::from_secs(20))
        .for_element(fantoccini::Locator::Css("[data-testid=visit-button]"))
        .await?;

    for _ in 0..10 {
        b.client.switch_to_window(tab_a.clone()).await?;
        b.tap_times(3).await?;
        b.client.switch_to_window(tab_b.clone()).await?;
        b.tap_times(2).await?;
    }
    for tab in [&tab_a, &tab_b] {
        b.client.switch_to_window(tab.clone()).await?;
        b.wait_visits_today(50, Duration::from_secs(20)).await?;
        b.wait_synced(SYNC_WAIT).await?;
    }
    assert_eq!(server.visits(LINA_HAGE).await?, (50, 50));
    b.close().await?;
    server.stop().await?;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_failing_then_hanging_for_a_while_delays_but_loses_nothing() -> Result<()> {
    let mut server = TestServer::start().await?;
    let b = Browser::start().await?;
    b.open_counter_as_staff(&server.url("/")).await?;
    b.wait_synced(SYNC_WAIT).await?;

    server.set_fault(Fault::Error500);
    b.tap_times(5).await?;
    b.wait_visits_today(5, Duration::from_secs(10)).await?;
    wait_until("error shown while the server fails", Duration::from_secs(20), || async {
        Ok(b.sync_status().await? == ("error".to_string(), 5))
    })
    .await?;
    b.screenshot("client-server-error").await?;

    // Now it hangs: the app gives up on the request and keeps retrying.
    server.set_fault(Fault::Hang);
    b.tap_times(5).await?;
    tokio::time::sleep(Duration::from_secs(20)).await;
    let (state, pending) = b.sync_status().await?;
    assert_eq!(pending, 10, "nothing is lost while the server hangs ({state})");
    assert_eq!(server.visits(LINA_HAGE).await?, (0, 0));

    server.set_fault(Fault::None);
    b.wait_synced(SYNC_WAIT).await?;
    assert_eq!(server.visits(LINA_HAGE).await?, (10, 10));
    b.close().await?;
    server.stop().await?;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tablet_whose_clock_is_ahead_is_warned_and_its_visits_still_reach_the_server() -> Result<()> {
    let server = TestServer::start().await?;
    let b = Browser::start().await?;
    b.open_counter_as_staff(&server.url("/")).await?;
    b.wait_synced(SYNC_WAIT).await?;
    // The tablet's clock jumps ten minutes ahead: the next tap is stamped beyond what the
    // server accepts, and the server refuses it as `clock_ahead`.
    b.client
        .execute("const real = Date.now.bind(Date); Date.now = () => real() + 10 * 60 * 1000; return true;", vec![])
        .await?;
    b.tap_times(1).await?;
    // The app follows the server's time from then on, stamps the refused tap again and sends it:
    // staff are warned about the clock, and nothing waits for them to act.
    wait_until("the refused tap is stamped again and saved on the server", Duration::from_secs(20), || async {
        Ok(server.visits(LINA_HAGE).await?.0 == 1)
    })
    .await?;
    b.wait_synced(SYNC_WAIT).await?;
    assert_eq!(b.count("[data-testid=clock-warning]").await?, 1, "staff are told to set the clock right");
    // Later taps carry the corrected time and are taken at once, while the clock is still wrong.
    b.tap_times(2).await?;
    b.wait_synced(SYNC_WAIT).await?;
    assert_eq!(server.visits(LINA_HAGE).await?, (3, 3));
    let ahead_ms = server.max_clock_ms(LINA_HAGE).await?;
    let server_now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH)?.as_millis() as u64;
    assert!(ahead_ms <= server_now + labblogg_shared::hlc::MAX_CLOCK_AHEAD_MS, "no stamp beyond the server's limit");
    b.click("[data-testid=nav-settings]").await?;
    wait_until("nothing listed as refused", Duration::from_secs(10), || async {
        Ok(b.count("[data-testid=refused-changes] li").await? == 0)
    })
    .await?;
    b.screenshot("client-clock-ahead").await?;
    b.close().await?;
    Ok(())
}

/// A Chrome DevTools Protocol command through chromedriver's `goog/cdp/execute`.
#[derive(Debug)]
struct Cdp(&'static str, serde_json::Value);

impl fantoccini::wd::WebDriverCompatibleCommand for Cdp {
    fn endpoint(&self, base: &url::Url, session: Option<&str>) -> Result<url::Url, url::ParseError> {
        base.join(&format!("session/{}/goog/cdp/execute", session.unwrap_or_default()))
    }

    fn method_and_body(&self, _: &url::Url) -> (http::Method, Option<String>) {
        (http::Method::POST, Some(serde_json::json!({"cmd": self.0, "params": self.1}).to_string()))
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn chromium_finds_the_app_installable() -> Result<()> {
    let server = TestServer::start().await?;
    let b = Browser::start().await?;
    b.open_counter_as_staff(&server.url("/")).await?;
    b.wait_service_worker().await?;
    // Chromium's own verdict: the manifest (name, start URL, display, PNG icons of
    // 192 and 512 pixels, a maskable one) and the page together.
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    loop {
        let answer = b.client.issue_cmd(Cdp("Page.getInstallabilityErrors", serde_json::json!({}))).await?;
        if answer["installabilityErrors"].as_array().is_some_and(Vec::is_empty) {
            break;
        }
        anyhow::ensure!(std::time::Instant::now() < deadline, "Chromium says the app is not installable: {answer}");
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    // Chromium accepts the SVG icon alone too, so the PNGs are checked here: 192 and 512
    // pixels and a maskable one (what Android and older browsers need), each served as the
    // type it claims and decoding to the size it claims.
    let manifest: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(labblogg_e2e::dist_dir()?.join("manifest.webmanifest"))?)?;
    let icons = manifest["icons"].as_array().cloned().unwrap_or_default();
    let png = |size: &str, purpose: &str| {
        icons.iter().any(|i| {
            i["type"] == "image/png"
                && i["sizes"] == size
                && i["purpose"].as_str().unwrap_or("any").split(' ').any(|p| p == purpose)
        })
    };
    assert!(
        png("192x192", "any") && png("512x512", "any") && png("512x512", "maskable"),
        "PNG icons in the manifest: {icons:?}"
    );
    for icon in &icons {
        let src = icon["src"].as_str().unwrap_or_default();
        let served = b
            .client
            .execute_async(
                "const done = arguments[arguments.length - 1];
                 fetch(arguments[0]).then(async r => {
                   if (!r.ok) return done('HTTP ' + r.status);
                   const type = r.headers.get('content-type');
                   if (!type.startsWith('image/png')) return done(type);
                   const img = await createImageBitmap(await r.blob());
                   done(type + ' ' + img.width + 'x' + img.height);
                 }, e => done(String(e)));",
                vec![serde_json::json!(src)],
            )
            .await?;
        let expected = match icon["type"].as_str() {
            Some("image/png") => format!("image/png {}", icon["sizes"].as_str().unwrap_or_default()),
            other => other.unwrap_or_default().to_owned(),
        };
        assert_eq!(served.as_str(), Some(expected.as_str()), "{src}");
    }
    b.close().await?;
    Ok(())
}
