//! One tablet, many staff (issue #23), in headless Chromium against the real
//! server: two people switch on one tablet with no network after their first
//! sign-ins, each sees only their own lab, and each one's visits reach the
//! server under their own name, once; signing out leaves nothing behind, or,
//! with changes not yet synced, asks first; the wrong password offline is
//! refused; the quick lock holds across tabs and reloads.

use anyhow::{ensure, Context, Result};
use labblogg_e2e::{wait_until, Browser, TestServer};
use labblogg_server::demo::{LINA_HAGE, PORTALEN};
use labblogg_shared::RecordKind;
use serde_json::json;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

const SYNC_WAIT: Duration = Duration::from_secs(60);
const UI_WAIT: Duration = Duration::from_secs(20);

/// What A (Lina Hage, Södertälje) must never see, and B (Portalen, Norrköping).
const A_MUST_NOT_SEE: [&str; 2] = ["Portalen", "Norrköping"];
const B_MUST_NOT_SEE: [&str; 2] = ["Lina Hage", "Södertälje"];

async fn fill_login(b: &Browser, username: &str, password: &str, device_name: Option<&str>) -> Result<()> {
    b.wait_for("input[name=username]").await?;
    b.fill("input[name=username]", username).await?;
    b.fill("input[name=password]", password).await?;
    if let Some(name) = device_name {
        b.fill("[data-testid=device-name]", name).await?;
    }
    b.click("[data-testid=login-submit]").await
}

async fn wait_text(b: &Browser, css: &str, needle: &str) -> Result<()> {
    wait_until(&format!("{css} to contain {needle:?}"), UI_WAIT, || async { Ok(b.text(css).await?.contains(needle)) })
        .await
}

/// Everything the page shows (top bar and screen).
async fn page_text(b: &Browser) -> Result<String> {
    let text = b.client.execute("return document.body.innerText", vec![]).await?;
    Ok(text.as_str().unwrap_or_default().to_owned())
}

/// The screens with a lab's data (the counter, the overview, the activities) name none of
/// `forbidden`. (Settings names the device, whose name the first person gave it.)
async fn shows_none_of(b: &Browser, who: &str, forbidden: &[&str]) -> Result<()> {
    for (nav, ready) in
        [("nav-counter", "[data-testid=visit-button]"), ("nav-overview", "main h1"), ("nav-activities", "main h1")]
    {
        b.click(&format!("[data-testid={nav}]")).await?;
        b.wait_for(ready).await?;
        // Let the screen's reads land.
        tokio::time::sleep(Duration::from_millis(500)).await;
        let text = page_text(b).await?;
        for word in forbidden {
            ensure!(!text.contains(word), "{who}'s {nav} screen shows {word:?}:\n{text}");
        }
    }
    b.click("[data-testid=nav-counter]").await?;
    b.wait_for("[data-testid=visit-button]").await?;
    Ok(())
}

/// A sign-in that fails: wait until the form has answered.
async fn refused_login(b: &Browser, username: &str, password: &str, needle: &str) -> Result<()> {
    fill_login(b, username, password, None).await?;
    wait_until("the sign-in answered", UI_WAIT, || async {
        let idle = b.client.find(fantoccini::Locator::Css("[data-testid=login-submit]")).await?.is_enabled().await?;
        Ok(idle && b.count("[data-testid=login-error]").await? == 1)
    })
    .await?;
    wait_text(b, "[data-testid=login-error]", needle).await?;
    assert_eq!(b.count("[data-testid=visit-button]").await?, 0, "not signed in");
    Ok(())
}

async fn switch_user(b: &Browser) -> Result<()> {
    b.click("[data-testid=switch-user]").await?;
    b.wait_for("input[name=username]").await?;
    Ok(())
}

/// The IndexedDB databases of the page's origin.
async fn databases(b: &Browser) -> Result<Vec<String>> {
    let list = b
        .client
        .execute_async(
            "const done = arguments[arguments.length - 1];
             indexedDB.databases().then(l => done(l.map(d => d.name)), () => done(null));",
            vec![],
        )
        .await?;
    let list: Vec<String> = serde_json::from_value(list).context("indexedDB.databases()")?;
    Ok(list)
}

/// localStorage, key → value.
async fn local_storage(b: &Browser) -> Result<HashMap<String, String>> {
    let all = b
        .client
        .execute("return Object.fromEntries(Object.keys(localStorage).map(k => [k, localStorage.getItem(k)]))", vec![])
        .await?;
    Ok(serde_json::from_value(all)?)
}

/// Live visits of `lab` on the server, by the username that created them, and how many distinct ids.
async fn visits_by_user(server: &TestServer, lab: uuid::Uuid) -> Result<(HashMap<String, usize>, usize)> {
    let snapshot = server.state.store.export_all().await?;
    let creators: HashMap<_, _> = snapshot.creators.iter().map(|(record, user, _)| (*record, *user)).collect();
    let names: HashMap<_, _> = snapshot.users.iter().map(|u| (u.id, u.username.clone())).collect();
    let mut by = HashMap::new();
    let mut ids = std::collections::HashSet::new();
    for r in &snapshot.records {
        if r.state.kind == RecordKind::Visit && r.state.lab_id == lab && r.state.deleted.is_none() {
            ids.insert(r.state.id);
            let who =
                creators.get(&r.state.id).copied().flatten().and_then(|u| names.get(&u).cloned()).unwrap_or_default();
            *by.entry(who).or_insert(0) += 1;
        }
    }
    Ok((by, ids.len()))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_staff_switch_offline_on_one_tablet_and_each_ones_visits_reach_the_server_under_their_name() -> Result<()> {
    let mut server = TestServer::start().await?;
    let base = server.url("/");
    let b = Browser::start().await?;

    // The first sign-ins, with the network: A names the tablet.
    b.client.goto(&base).await?;
    fill_login(&b, "personal", "personal", Some("Surfplattan i Lina Hage 1")).await?;
    b.wait_for("[data-testid=visit-button]").await?;
    b.wait_service_worker().await?;
    b.wait_synced(SYNC_WAIT).await?;
    b.click("[data-testid=nav-settings]").await?;
    wait_text(&b, "[data-testid=devices-list]", "Surfplattan i Lina Hage 1").await?;
    b.click("[data-testid=nav-counter]").await?;
    switch_user(&b).await?;
    assert_eq!(b.count("[data-testid=device-name]").await?, 0, "the device is named once");
    fill_login(&b, "norrkoping", "norrkoping", None).await?;
    b.wait_for("[data-testid=visit-button]").await?;
    b.wait_synced(SYNC_WAIT).await?;
    shows_none_of(&b, "B", &B_MUST_NOT_SEE).await?;
    // B's tablet has the name A gave it.
    b.click("[data-testid=nav-settings]").await?;
    wait_text(&b, "[data-testid=devices-list]", "Surfplattan i Lina Hage 1").await?;
    b.click("[data-testid=nav-counter]").await?;
    b.wait_for("[data-testid=visit-button]").await?;

    // From here on, no network (the screens' chunks come from the service worker's copy).
    b.wait_service_worker().await?;
    server.stop().await?;
    switch_user(&b).await?;
    b.screenshots("tablet-switch-user").await?;
    b.assert_accessible("sign-in with the people who used this tablet").await?;
    // The wrong password is refused on the tablet (after the same slow check).
    refused_login(&b, "personal", "fel-lösenord", "Fel användarnamn eller lösenord").await?;
    // Someone who never signed in here cannot sign in offline.
    refused_login(&b, "samordnare", "samordnare", "Fel användarnamn eller lösenord").await?;

    fill_login(&b, "personal", "personal", None).await?;
    b.wait_for("[data-testid=visit-button]").await?;
    b.wait_visits_today(0, UI_WAIT).await?;
    shows_none_of(&b, "A", &A_MUST_NOT_SEE).await?;
    b.tap_times(10).await?;
    b.wait_visits_today(10, UI_WAIT).await?;
    wait_until("A: 10 pending", UI_WAIT, || async { Ok(b.sync_status().await?.1 == 10) }).await?;

    switch_user(&b).await?;
    wait_text(&b, "[data-testid=device-users]", "10").await?;
    fill_login(&b, "norrkoping", "norrkoping", None).await?;
    b.wait_for("[data-testid=visit-button]").await?;
    // B's counter: B's own place, none of A's visits, none of A's pending changes.
    b.wait_visits_today(0, UI_WAIT).await?;
    wait_until("B: nothing pending of B's own", UI_WAIT, || async { Ok(b.sync_status().await?.1 == 0) }).await?;
    shows_none_of(&b, "B", &B_MUST_NOT_SEE).await?;
    b.tap_times(5).await?;
    b.wait_visits_today(5, UI_WAIT).await?;
    wait_until("B: 5 pending", UI_WAIT, || async { Ok(b.sync_status().await?.1 == 5) }).await?;
    b.screenshots("tablet-second-person-offline").await?;

    switch_user(&b).await?;
    fill_login(&b, "personal", "personal", None).await?;
    b.wait_for("[data-testid=visit-button]").await?;
    b.wait_visits_today(10, UI_WAIT).await?;
    shows_none_of(&b, "A", &A_MUST_NOT_SEE).await?;
    assert_eq!(
        server.visits(LINA_HAGE).await?.0 + server.visits(PORTALEN).await?.0,
        0,
        "nothing reached the server yet"
    );

    // The network returns: A's visits go under A's token, B's under B's, each once.
    server.resume().await?;
    wait_until("10 visits by A and 5 by B on the server", SYNC_WAIT, || async {
        Ok(server.visits(LINA_HAGE).await?.0 == 10 && server.visits(PORTALEN).await?.0 == 5)
    })
    .await?;
    b.wait_synced(SYNC_WAIT).await?;
    wait_until("no one else's changes waiting", SYNC_WAIT, || async {
        Ok(b.count("[data-testid=other-waiting]").await? == 0)
    })
    .await?;
    let (lina, lina_ids) = visits_by_user(&server, LINA_HAGE).await?;
    let (portalen, portalen_ids) = visits_by_user(&server, PORTALEN).await?;
    assert_eq!(lina, HashMap::from([("personal".to_owned(), 10)]));
    assert_eq!(portalen, HashMap::from([("norrkoping".to_owned(), 5)]));
    assert_eq!((lina_ids, portalen_ids), (10, 5), "none duplicated");
    assert_eq!(server.visits(LINA_HAGE).await?, (10, 10));
    assert_eq!(server.visits(PORTALEN).await?, (5, 5));
    shows_none_of(&b, "A", &A_MUST_NOT_SEE).await?;
    b.close().await?;
    server.stop().await?;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn signing_out_with_everything_synced_leaves_nothing_of_the_user_in_the_browser() -> Result<()> {
    let mut server = TestServer::start().await?;
    let base = server.url("/");
    let b = Browser::start().await?;
    b.client.goto(&base).await?;
    fill_login(&b, "personal", "personal", Some("Surfplattan i Lina Hage 2")).await?;
    b.wait_for("[data-testid=visit-button]").await?;
    b.tap_times(3).await?;
    b.wait_visits_today(3, UI_WAIT).await?;
    b.wait_synced(SYNC_WAIT).await?;
    let token = local_storage(&b).await?.get("labblogg.session").cloned().context("a session while signed in")?;
    let token: serde_json::Value = serde_json::from_str(&token)?;
    let token = token["token"].as_str().context("token")?.to_owned();
    ensure!(databases(&b).await?.iter().any(|d| d.starts_with("labblogg-user-")), "a database of the user's own");

    b.click("[data-testid=nav-settings]").await?;
    b.click("[data-testid=sign-out]").await?;
    b.wait_for("input[name=username]").await?;
    let staff = server.state.store.user_by_name("personal").await?.context("demo staff")?;
    wait_until("the token revoked on the server", UI_WAIT, || async {
        Ok(server.state.store.tokens_of(staff.id, false).await?.is_empty())
    })
    .await?;
    // Nothing of theirs: no database, no key naming them or holding their token.
    let dbs = databases(&b).await?;
    assert!(dbs.is_empty(), "databases left: {dbs:?}");
    let stored = local_storage(&b).await?;
    assert!(!stored.contains_key("labblogg.session") && !stored.contains_key("labblogg.users"), "{stored:?}");
    for (key, value) in &stored {
        for theirs in ["personal", "Personal Lina Hage", token.as_str(), &staff.id.to_string()] {
            assert!(!value.contains(theirs), "{key} holds {theirs:?}: {value}");
        }
    }
    // The device keeps its own name and id (no one's data).
    assert!(stored.get("labblogg.device").is_some_and(|d| d.contains("Surfplattan i Lina Hage 2")));
    // A reload at the sign-in form creates nothing.
    b.client.refresh().await?;
    b.wait_for("input[name=username]").await?;
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert!(databases(&b).await?.is_empty());
    assert_eq!(server.visits(LINA_HAGE).await?, (3, 3));
    b.close().await?;
    server.stop().await?;
    Ok(())
}

/// Let the page download files into `dir` without asking.
async fn downloads_into(b: &Browser, dir: &Path) -> Result<()> {
    #[derive(Debug, Clone)]
    struct Cdp(&'static str, serde_json::Value);
    impl fantoccini::wd::WebDriverCompatibleCommand for Cdp {
        fn endpoint(&self, base: &url::Url, session: Option<&str>) -> Result<url::Url, url::ParseError> {
            base.join(&format!("session/{}/goog/cdp/execute", session.unwrap_or_default()))
        }
        fn method_and_body(&self, _: &url::Url) -> (http::Method, Option<String>) {
            (http::Method::POST, Some(json!({"cmd": self.0, "params": self.1}).to_string()))
        }
    }
    let params = json!({"behavior": "allow", "downloadPath": dir.display().to_string()});
    if b.client.issue_cmd(Cdp("Browser.setDownloadBehavior", params.clone())).await.is_err() {
        b.client.issue_cmd(Cdp("Page.setDownloadBehavior", params)).await.context("CDP setDownloadBehavior")?;
    }
    Ok(())
}

async fn downloaded_export(dir: &Path) -> Result<PathBuf> {
    let mut found = None;
    wait_until("the export file downloaded", UI_WAIT, || {
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

/// Sign-out with `n` unsynced visits: the dialog says how many.
async fn sign_out_with_unsynced(b: &Browser, n: u32) -> Result<()> {
    b.click("[data-testid=nav-settings]").await?;
    b.click("[data-testid=sign-out]").await?;
    b.wait_for("[data-testid=sign-out-unsynced]").await?;
    assert_eq!(b.attr("[data-testid=sign-out-unsynced]", "data-count").await?, Some(n.to_string()));
    wait_text(b, "[data-testid=sign-out-unsynced]", &format!("{n} ändringar")).await?;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn signing_out_with_unsynced_changes_asks_first_and_each_choice_keeps_them() -> Result<()> {
    let mut server = TestServer::start().await?;
    let base = server.url("/");
    let downloads = tempfile::tempdir()?;
    let b = Browser::start().await?;
    downloads_into(&b, downloads.path()).await?;
    b.client.goto(&base).await?;
    fill_login(&b, "personal", "personal", None).await?;
    b.wait_for("[data-testid=visit-button]").await?;
    b.wait_service_worker().await?;
    b.wait_synced(SYNC_WAIT).await?;

    // 1. Keep them on the device: signed out, the copy stays; the same user signs in
    //    again offline and finds them waiting.
    server.stop().await?;
    b.tap_times(2).await?;
    b.wait_visits_today(2, UI_WAIT).await?;
    sign_out_with_unsynced(&b, 2).await?;
    b.screenshots("sign-out-unsynced").await?;
    b.assert_accessible("sign-out with unsynced changes").await?;
    b.click("[data-testid=sign-out-keep]").await?;
    b.wait_for("input[name=username]").await?;
    ensure!(databases(&b).await?.iter().any(|d| d.starts_with("labblogg-user-")), "the copy is kept");
    assert!(!local_storage(&b).await?.contains_key("labblogg.session"), "signed out");
    fill_login(&b, "personal", "personal", None).await?;
    b.wait_for("[data-testid=visit-button]").await?;
    b.wait_visits_today(2, UI_WAIT).await?;
    wait_until("2 pending after signing in again", UI_WAIT, || async { Ok(b.sync_status().await?.1 == 2) }).await?;

    // 2. Sync now: with the server back, they are sent and the copy goes.
    b.tap_times(1).await?;
    b.wait_visits_today(3, UI_WAIT).await?;
    sign_out_with_unsynced(&b, 3).await?;
    // Still offline: the sync fails, says so, and nothing goes.
    b.click("[data-testid=sign-out-sync]").await?;
    wait_text(&b, "[data-testid=sign-out-message]", "3 ändringar väntar fortfarande").await?;
    ensure!(databases(&b).await?.iter().any(|d| d.starts_with("labblogg-user-")), "kept after a failed sync");
    server.resume().await?;
    b.click("[data-testid=sign-out-sync]").await?;
    b.wait_for("input[name=username]").await?;
    assert_eq!(server.visits(LINA_HAGE).await?, (3, 3));
    wait_until("the copy removed", UI_WAIT, || async { Ok(databases(&b).await?.is_empty()) }).await?;

    // 3. Export first: the file holds them; only then may they be deleted from the device.
    fill_login(&b, "personal", "personal", None).await?;
    b.wait_for("[data-testid=visit-button]").await?;
    b.wait_synced(SYNC_WAIT).await?;
    server.stop().await?;
    b.tap_times(4).await?;
    b.wait_visits_today(7, UI_WAIT).await?;
    sign_out_with_unsynced(&b, 4).await?;
    assert_eq!(b.count("[data-testid=sign-out-delete]").await?, 0, "no deleting before the export");
    b.click("[data-testid=sign-out-export]").await?;
    let file = downloaded_export(downloads.path()).await?;
    let export: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&file)?)?;
    assert_eq!(export["changes"].as_array().map(Vec::len), Some(4));
    wait_text(&b, "[data-testid=sign-out-message]", "4 ändringar är sparade i filen").await?;
    b.click("[data-testid=sign-out-delete]").await?;
    b.wait_for("input[name=username]").await?;
    wait_until("the copy removed", UI_WAIT, || async { Ok(databases(&b).await?.is_empty()) }).await?;

    b.close().await?;

    // The file brings them to the server from another device: none lost.
    server.resume().await?;
    let other = Browser::start().await?;
    other.open_counter_as_staff(&base).await?;
    other.click("[data-testid=nav-settings]").await?;
    let input = other.wait_for("[data-testid=import-unsynced]").await?;
    input.send_keys(&file.display().to_string()).await?;
    other.wait_synced(SYNC_WAIT).await?;
    wait_until("7 visits on the server", SYNC_WAIT, || async { Ok(server.visits(LINA_HAGE).await? == (7, 7)) }).await?;
    other.close().await?;
    server.stop().await?;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_account_disabled_while_offline_is_refused_at_the_next_sync_and_the_changes_stay() -> Result<()> {
    let mut server = TestServer::start().await?;
    let base = server.url("/");
    let b = Browser::start().await?;
    b.client.goto(&base).await?;
    fill_login(&b, "personal", "personal", None).await?;
    b.wait_for("[data-testid=visit-button]").await?;
    b.wait_service_worker().await?;
    b.wait_synced(SYNC_WAIT).await?;
    server.stop().await?;
    switch_user(&b).await?;
    fill_login(&b, "personal", "personal", None).await?;
    b.wait_for("[data-testid=visit-button]").await?;
    b.tap_times(2).await?;
    b.wait_visits_today(2, UI_WAIT).await?;

    // Meanwhile an administrator disables the account.
    let staff = server.state.store.user_by_name("personal").await?.context("demo staff")?;
    server.state.store.disable_user(staff.id).await?;
    server.resume().await?;
    b.wait_for("input[name=username]").await?;
    wait_text(&b, ".login .notice", "kontot stängts av").await?;
    assert_eq!(b.sync_status().await?.1, 2, "the changes are kept");
    assert_eq!(server.visits(LINA_HAGE).await?, (0, 0));
    b.close().await?;
    server.stop().await?;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_quick_lock_holds_across_tabs_and_reloads() -> Result<()> {
    let mut server = TestServer::start().await?;
    let base = server.url("/");
    let b = Browser::start().await?;
    b.open_counter_as_staff(&base).await?;
    b.click("[data-testid=nav-settings]").await?;
    b.wait_for("[data-testid=lock-pin-new]").await?;
    b.fill("[data-testid=lock-pin-new]", "2468").await?;
    b.fill("[data-testid=lock-pin-repeat]", "2468").await?;
    b.click("[data-testid=lock-pin-save]").await?;
    b.wait_for("[data-testid=lock-pin-is-set]").await?;
    b.click("[data-testid=nav-counter]").await?;

    // A second tab of the app.
    let first = b.client.window().await?;
    let second = b.client.new_window(true).await?.handle;
    b.client.switch_to_window(second.clone()).await?;
    b.client.goto(&base).await?;
    b.wait_for("[data-testid=visit-button]").await?;
    b.wait_for("[data-testid=lock-now]").await?;

    // Locked in the first tab: the second is locked too.
    b.client.switch_to_window(first.clone()).await?;
    b.click("[data-testid=lock-now]").await?;
    b.wait_for("[data-testid=lock-screen]").await?;
    b.client.switch_to_window(second.clone()).await?;
    wait_until("the other tab locked", UI_WAIT, || async { b.is_shown("[data-testid=lock-screen]").await }).await?;
    assert!(!b.is_shown("[data-testid=visit-button]").await?);
    // A reload does not open it.
    b.client.refresh().await?;
    b.wait_for("[data-testid=lock-screen]").await?;
    assert!(!b.is_shown("[data-testid=visit-button]").await?, "a reload opens locked");
    // Unlocked in the second: the first opens too.
    b.fill("#lock-pin", "2468").await?;
    b.click("[data-testid=lock-unlock]").await?;
    wait_until("unlocked", UI_WAIT, || async { Ok(!b.is_shown("[data-testid=lock-screen]").await?) }).await?;
    b.client.switch_to_window(first).await?;
    wait_until("the first tab unlocked", UI_WAIT, || async { Ok(!b.is_shown("[data-testid=lock-screen]").await?) })
        .await?;
    assert!(b.is_shown("[data-testid=visit-button]").await?);

    // "Byt användare" on the lock screen: the next person signs in; the first tab follows.
    b.click("[data-testid=lock-now]").await?;
    b.wait_for("[data-testid=lock-switch-user]").await?;
    b.click("[data-testid=lock-switch-user]").await?;
    fill_login(&b, "norrkoping", "norrkoping", None).await?;
    b.wait_for("[data-testid=visit-button]").await?;
    b.client.switch_to_window(second).await?;
    wait_until("the other tab follows the switch", UI_WAIT, || async {
        Ok(b.is_shown("[data-testid=visit-button]").await? && !page_text(&b).await?.contains("Lina Hage"))
    })
    .await?;
    b.close().await?;
    server.stop().await?;
    Ok(())
}
