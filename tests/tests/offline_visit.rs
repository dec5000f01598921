//! The foundation scenario: staff sign in, count a visit, lose the server,
//! reload (the service worker serves the app, IndexedDB keeps the data),
//! count offline, and see everything sync when the server is back.

use anyhow::Result;
use fantoccini::Locator;
use labblogg_e2e::{wait_until, Browser, TestServer};
use labblogg_server::demo::LINA_HAGE;
use labblogg_shared::RecordKind;
use std::time::Duration;

const VISITS_TODAY: &str = "[data-testid=visits-today]";
const STATUS: &str = "[data-testid=sync-status]";
const FIRST_BUTTON: &str = "[data-testid=visit-button]";

async fn visits_today_is(b: &Browser, n: u32) -> Result<()> {
    wait_until(&format!("visits-today = {n}"), Duration::from_secs(15), || async {
        Ok(b.text(VISITS_TODAY).await?.trim() == n.to_string())
    })
    .await
}

async fn server_visits(server: &TestServer) -> Result<usize> {
    let page = server.state.store.pull(vec![LINA_HAGE], 0, 1000).await?;
    Ok(page.records.iter().filter(|r| r.state.kind == RecordKind::Visit && r.state.deleted.is_none()).count())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_visit_counted_offline_survives_a_reload_and_syncs_when_the_server_returns() -> Result<()> {
    let mut server = TestServer::start().await?;
    let browser = Browser::start().await?;
    let b = &browser;

    // Sign in as staff: land on the visit counter of Lina Hage's meeting place.
    b.sign_in(&server.url("/"), "personal", "personal").await?;
    b.client.wait().at_most(Duration::from_secs(20)).for_element(Locator::Css(FIRST_BUTTON)).await?;
    let bands: Vec<String> = {
        let mut v = Vec::new();
        for e in b.client.find_all(Locator::Css(FIRST_BUTTON)).await? {
            v.push(e.attr("data-age-band").await?.unwrap_or_default());
        }
        v
    };
    assert_eq!(bands, ["6-12", "13-15"], "Lina Hage counts youth under 16");
    visits_today_is(b, 0).await?;

    // The service worker has the app shell before the network goes away.
    let sw = b
        .client
        .execute_async(
            "const done = arguments[arguments.length - 1];
             navigator.serviceWorker.ready.then(() => done(true), () => done(false));",
            vec![],
        )
        .await?;
    assert_eq!(sw, serde_json::json!(true), "service worker never became ready");

    // +1 online: counted at once, synced within seconds.
    b.click(FIRST_BUTTON).await?;
    visits_today_is(b, 1).await?;
    wait_until("synced after the first tap", Duration::from_secs(20), || async {
        Ok(b.attr(STATUS, "data-state").await?.as_deref() == Some("synced"))
    })
    .await?;
    assert_eq!(server_visits(&server).await?, 1);
    b.screenshot("foundation-counter-synced").await?;

    // The server goes away; the page reloads from the service worker with its data.
    server.stop().await?;
    b.client.refresh().await?;
    b.client.wait().at_most(Duration::from_secs(20)).for_element(Locator::Css(FIRST_BUTTON)).await?;
    visits_today_is(b, 1).await?;

    // Taps offline are saved locally and shown as pending.
    b.click(FIRST_BUTTON).await?;
    visits_today_is(b, 2).await?;
    wait_until("one pending change while offline", Duration::from_secs(15), || async {
        let state = b.attr(STATUS, "data-state").await?;
        let pending = b.attr(STATUS, "data-pending").await?;
        Ok(pending.as_deref() == Some("1") && matches!(state.as_deref(), Some("pending" | "offline")))
    })
    .await?;
    b.screenshot("foundation-counter-offline").await?;
    assert_eq!(server_visits(&server).await?, 1, "nothing reached the stopped server");

    // The server returns: within seconds everything is synced, and stored once.
    server.resume().await?;
    wait_until("synced after the server returned", Duration::from_secs(30), || async {
        Ok(b.attr(STATUS, "data-state").await?.as_deref() == Some("synced")
            && b.attr(STATUS, "data-pending").await?.as_deref() == Some("0"))
    })
    .await?;
    assert_eq!(server_visits(&server).await?, 2);
    visits_today_is(b, 2).await?;

    browser.close().await?;
    server.stop().await?;
    Ok(())
}
