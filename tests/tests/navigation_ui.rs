//! One URL per screen (frontend/src/nav.rs), in headless Chromium: the
//! browser's back and forward move between screens, a reload keeps every
//! screen, a deep link to a lab's report opened signed out leads there after
//! signing in, an unknown path says so with a way home, and the header is one
//! row on a portrait tablet for staff and coordinators.

use anyhow::{ensure, Context, Result};
use fantoccini::Locator;
use labblogg_e2e::{wait_until, Browser, TestServer};
use labblogg_server::demo::LINA_HAGE;
use std::time::Duration;

/// Each screen: its header link, its path, and something only it shows.
const SCREENS: [(&str, &str, &str); 11] = [
    ("nav-counter", "/besok", "section.counter, [data-testid=choose-place], [data-testid=counter-no-places]"),
    ("nav-activities", "/aktiviteter", "[data-testid=activity-new]"),
    ("nav-goals", "/mal", "[data-testid=goals-screen]"),
    ("nav-overview", "/oversikt", ".overview-grid"),
    ("nav-compare", "/jamfor", "[data-testid=export-csv]"),
    ("nav-year-report", "/arsrapport", "[data-testid=year-report]"),
    ("nav-knowledge", "/kunskap", "section.knowledge"),
    ("nav-settings", "/installningar", "section.settings"),
    ("nav-setup", "/labbet", "[data-testid=setup-screen]"),
    ("nav-trash", "/papperskorg", "[data-testid=trash]"),
    ("nav-admin", "/admin", "[data-testid=admin-screen]"),
];

async fn path(b: &Browser) -> Result<String> {
    let url = b.client.current_url().await?;
    Ok(match url.query() {
        Some(q) => format!("{}?{q}", url.path()),
        None => url.path().to_owned(),
    })
}

async fn wait_path(b: &Browser, want: &str) -> Result<()> {
    let r =
        wait_until(&format!("the URL {want}"), Duration::from_secs(20), || async { Ok(path(b).await? == want) }).await;
    match r {
        Ok(()) => Ok(()),
        Err(e) => {
            let now = path(b).await.unwrap_or_default();
            Err(e).with_context(|| format!("the URL is {now}"))
        }
    }
}

/// The screen at `want` shows (`marker`), and its header link is the current one.
async fn on_screen(b: &Browser, want: &str, marker: &str, testid: Option<&str>) -> Result<()> {
    wait_path(b, want).await?;
    b.wait_for(marker).await.with_context(|| format!("{want}: {marker}"))?;
    if let Some(testid) = testid {
        let current = b.attr(&format!("[data-testid={testid}]"), "aria-current").await?;
        ensure!(current.as_deref() == Some("page"), "{want}: {testid} is not marked current ({current:?})");
        ensure!(b.count("nav [aria-current=page]").await? == 1, "{want}: one current entry in the header");
    }
    Ok(())
}

/// The year's report shows `lab`'s year.
async fn scope_is(b: &Browser, lab: &str) -> Result<()> {
    let shown = wait_until("the year report's lab", Duration::from_secs(10), || async {
        let select = b.client.find(Locator::Css("[data-testid=year-report-scope]")).await?;
        Ok(select.prop("value").await?.as_deref() == Some(lab))
    })
    .await;
    if shown.is_err() {
        let html = b.client.execute("return document.querySelector('[data-testid=year-report-scope]').outerHTML + ' value=' + document.querySelector('[data-testid=year-report-scope]').value;", vec![]).await?;
        anyhow::bail!("the year report's scope is not {lab}: {html}");
    }
    Ok(())
}

async fn header_height(b: &Browser) -> Result<f64> {
    let h = b
        .client
        .execute("return document.querySelector('header.topbar').getBoundingClientRect().height;", vec![])
        .await?;
    h.as_f64().context("header height")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn back_forward_and_a_reload_keep_every_screen() -> Result<()> {
    let server = TestServer::start().await?;
    let b = Browser::start().await?;
    // The administrator may open every screen (and coordinates the demo labs).
    b.sign_in(&server.url("/"), "admin", "admin").await?;
    on_screen(&b, "/oversikt", ".overview-grid", Some("nav-overview")).await?;
    b.wait_synced(Duration::from_secs(60)).await?;

    for (testid, want, marker) in SCREENS {
        b.click(&format!("[data-testid={testid}]")).await?;
        on_screen(&b, want, marker, Some(testid)).await?;
        b.client.refresh().await?;
        on_screen(&b, want, marker, Some(testid)).await.with_context(|| format!("after a reload of {want}"))?;
    }

    // A lab's report has its own URL, kept by a reload; the overview's entry stays current.
    b.click("[data-testid=nav-overview]").await?;
    on_screen(&b, "/oversikt", "[data-testid=lab-card]", Some("nav-overview")).await?;
    let card = b.client.find(Locator::Css(&format!("[data-testid=lab-card][data-lab-id='{LINA_HAGE}']"))).await?;
    card.find(Locator::Css("[data-testid=open-lab]")).await?.click().await?;
    let report = format!("/labb/{LINA_HAGE}/rapport");
    on_screen(&b, &report, "[data-testid=lab-report]", Some("nav-overview")).await?;
    b.client.refresh().await?;
    on_screen(&b, &report, "[data-testid=report-visits-total]", Some("nav-overview")).await?;
    // Its "Årsrapport" opens that lab's year (`?labb=`), kept by a reload too.
    b.click("[data-testid=year-report-open]").await?;
    let year = format!("/arsrapport?labb={LINA_HAGE}");
    on_screen(&b, &year, "[data-testid=year-report]", Some("nav-year-report")).await?;
    scope_is(&b, &LINA_HAGE.to_string()).await?;
    b.client.refresh().await?;
    on_screen(&b, &year, "[data-testid=year-report]", Some("nav-year-report")).await?;
    scope_is(&b, &LINA_HAGE.to_string()).await?;

    // Back and forward: year report → lab report → overview, then forward again.
    b.client.back().await?;
    on_screen(&b, &report, "[data-testid=lab-report]", Some("nav-overview")).await?;
    b.client.back().await?;
    on_screen(&b, "/oversikt", "[data-testid=lab-card]", Some("nav-overview")).await?;
    b.client.forward().await?;
    on_screen(&b, &report, "[data-testid=lab-report]", Some("nav-overview")).await?;
    b.click("[data-testid=back-to-overview]").await?;
    on_screen(&b, "/oversikt", ".overview-grid", Some("nav-overview")).await?;
    b.click("[data-testid=nav-goals]").await?;
    on_screen(&b, "/mal", "[data-testid=goals-screen]", Some("nav-goals")).await?;
    b.click("[data-testid=nav-settings]").await?;
    on_screen(&b, "/installningar", "section.settings", Some("nav-settings")).await?;
    b.client.back().await?;
    on_screen(&b, "/mal", "[data-testid=goals-screen]", Some("nav-goals")).await?;
    b.client.back().await?;
    on_screen(&b, "/oversikt", ".overview-grid", Some("nav-overview")).await?;
    b.client.forward().await?;
    on_screen(&b, "/mal", "[data-testid=goals-screen]", Some("nav-goals")).await?;
    b.client.forward().await?;
    on_screen(&b, "/installningar", "section.settings", Some("nav-settings")).await?;

    // An address that is no screen: said so in Swedish, with a way home.
    b.client.goto(&server.url("/finns-inte")).await?;
    b.wait_for("[data-testid=not-found]").await?;
    ensure!(b.text("[data-testid=not-found] h1").await? == "Sidan finns inte");
    b.assert_accessible("Sidan finns inte").await?;
    b.click("[data-testid=not-found-home]").await?;
    on_screen(&b, "/oversikt", ".overview-grid", Some("nav-overview")).await?;
    b.close().await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_deep_link_to_a_lab_report_opened_signed_out_leads_there_after_signing_in() -> Result<()> {
    let server = TestServer::start().await?;
    let b = Browser::start().await?;
    let report = format!("/labb/{LINA_HAGE}/rapport");
    b.client.goto(&server.url(&report)).await?;
    let user = b.wait_for("input[name=username]").await?;
    // The sign-in keeps where the link led.
    wait_path(&b, &format!("/logga-in?till={report}")).await?;
    user.send_keys("samordnare").await?;
    b.client.find(Locator::Css("input[name=password]")).await?.send_keys("samordnare").await?;
    b.click("form button[type=submit]").await?;
    on_screen(&b, &report, "[data-testid=report-visits-total]", Some("nav-overview")).await?;
    ensure!(b.text("[data-testid=lab-report] h1").await?.contains("Lina Hage"), "Lina Hage's report");
    // Back from the report does not return to the sign-in.
    b.click("[data-testid=nav-activities]").await?;
    on_screen(&b, "/aktiviteter", "[data-testid=activity-new]", Some("nav-activities")).await?;
    b.client.back().await?;
    on_screen(&b, &report, "[data-testid=lab-report]", Some("nav-overview")).await?;

    // Stepping aside: the next person starts on their own first screen, not the last one's.
    b.click("[data-testid=switch-user]").await?;
    b.wait_for("input[name=username]").await?;
    wait_path(&b, "/logga-in").await?;
    b.fill("input[name=username]", "personal").await?;
    b.fill("input[name=password]", "personal").await?;
    b.click("form button[type=submit]").await?;
    on_screen(&b, "/besok", "[data-testid=visit-button]", Some("nav-counter")).await?;
    // A screen staff do not use: not in their header, and its address says it is no page of theirs.
    for testid in ["nav-admin", "nav-trash", "nav-setup"] {
        ensure!(b.count(&format!("[data-testid={testid}]")).await? == 0, "staff see no {testid}");
    }
    b.client.goto(&server.url("/admin")).await?;
    b.wait_for("[data-testid=not-found]").await?;
    ensure!(b.count("[data-testid=admin-screen]").await? == 0);
    b.close().await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_header_is_one_row_on_a_portrait_tablet_for_staff_and_coordinators() -> Result<()> {
    let server = TestServer::start().await?;
    for (user, start, marker, testids) in [
        (
            "personal",
            "/besok",
            "[data-testid=visit-button]",
            &[
                "nav-counter",
                "nav-activities",
                "nav-goals",
                "nav-knowledge",
                "nav-overview",
                "nav-compare",
                "nav-year-report",
                "nav-settings",
            ][..],
        ),
        (
            "samordnare",
            "/oversikt",
            ".overview-grid",
            &[
                "nav-overview",
                "nav-activities",
                "nav-goals",
                "nav-setup",
                "nav-counter",
                "nav-compare",
                "nav-year-report",
                "nav-knowledge",
                "nav-trash",
                "nav-settings",
            ][..],
        ),
    ] {
        let b = Browser::start().await?;
        b.client.set_window_size(768, 1024).await?;
        b.sign_in(&server.url("/"), user, user).await?;
        on_screen(&b, start, marker, None).await?;
        b.wait_synced(Duration::from_secs(60)).await?;
        let height = header_height(&b).await?;
        ensure!(height <= 64.0, "{user}: the header is {height} px high at 768×1024 (one row is ≤ 64)");
        let order: Vec<String> = {
            let mut v = Vec::new();
            for el in b.client.find_all(Locator::Css("nav a.nav-link")).await? {
                v.push(el.attr("data-testid").await?.unwrap_or_default());
            }
            v
        };
        ensure!(order == testids, "{user}: the header offers {order:?}");
        // Every entry works, also those scrolled out of sight at the row's end.
        for testid in testids.iter().rev() {
            b.click(&format!("[data-testid={testid}]")).await?;
            wait_until(&format!("{user}: {testid} current"), Duration::from_secs(20), || async {
                Ok(b.attr(&format!("[data-testid={testid}]"), "aria-current").await?.as_deref() == Some("page"))
            })
            .await?;
        }
        b.screenshot(&format!("navigation-{user}-tablet-portrait")).await?;
        b.assert_accessible(&format!("{user}'s header")).await?;
        b.close().await?;
    }
    Ok(())
}

/// The value of a form field.
async fn value_of(b: &Browser, css: &str) -> Result<String> {
    let field = b.client.find(Locator::Css(css)).await?;
    Ok(field.prop("value").await?.unwrap_or_default())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_activity_has_its_own_url_kept_by_a_reload_and_back_returns_to_the_list() -> Result<()> {
    let server = TestServer::start().await?;
    let b = Browser::start().await?;
    b.sign_in(&server.url("/"), "personal", "personal").await?;
    b.wait_synced(Duration::from_secs(60)).await?;
    b.click("[data-testid=nav-activities]").await?;
    on_screen(&b, "/aktiviteter", "[data-testid=activity-new]", Some("nav-activities")).await?;

    // A new activity's form is /aktiviteter/ny; saved, it goes back to the list.
    b.click("[data-testid=activity-new]").await?;
    on_screen(&b, "/aktiviteter/ny", "[data-testid=activity-title]", Some("nav-activities")).await?;
    ensure!(value_of(&b, "[data-testid=activity-title]").await?.is_empty(), "a new activity's form starts empty");
    b.select("[data-testid=activity-kind]", "fika").await?;
    b.fill("[data-testid=activity-title]", "Fika med grannarna").await?;
    b.click("[data-testid=participants-13-15-plus]").await?;
    b.click("[data-testid=activity-save]").await?;
    on_screen(&b, "/aktiviteter", "[data-testid=activity-item]", Some("nav-activities")).await?;
    b.wait_for("[data-testid=activity-saved]:not([hidden])").await?;

    // Editing an activity opens its own URL; a reload keeps the form on the same activity.
    let item = b.wait_for("[data-testid=activity-item]").await?;
    let id = item.attr("data-id").await?.context("the item's id")?;
    let title = item.find(Locator::Css("strong")).await?.text().await?;
    item.find(Locator::Css("[data-testid=activity-edit]")).await?.click().await?;
    let url = format!("/aktiviteter/{id}");
    on_screen(&b, &url, "[data-testid=activity-title]", Some("nav-activities")).await?;
    wait_until("the form holds the activity", Duration::from_secs(10), || async {
        Ok(value_of(&b, "[data-testid=activity-title]").await? == title)
    })
    .await?;
    b.client.refresh().await?;
    on_screen(&b, &url, "[data-testid=activity-title]", Some("nav-activities")).await?;
    wait_until("the form holds the activity after a reload", Duration::from_secs(10), || async {
        Ok(value_of(&b, "[data-testid=activity-title]").await? == title)
    })
    .await?;

    // Back leaves the form for the list; forward opens it again.
    b.client.back().await?;
    on_screen(&b, "/aktiviteter", "[data-testid=activity-new]", Some("nav-activities")).await?;
    b.client.forward().await?;
    on_screen(&b, &url, "[data-testid=activity-title]", Some("nav-activities")).await?;
    // Opened by its link (the reload above), cancelling leads to the list.
    b.click("[data-testid=activity-cancel]").await?;
    on_screen(&b, "/aktiviteter", "[data-testid=activity-new]", Some("nav-activities")).await?;

    // Opened from the list, cancel goes back to it.
    b.click("[data-testid=activity-new]").await?;
    on_screen(&b, "/aktiviteter/ny", "[data-testid=activity-title]", Some("nav-activities")).await?;
    b.click("[data-testid=activity-cancel]").await?;
    on_screen(&b, "/aktiviteter", "[data-testid=activity-new]", Some("nav-activities")).await?;

    // An id that is no activity: said so, with a way to the list.
    b.client.goto(&server.url(&format!("/aktiviteter/{}", uuid::Uuid::new_v4()))).await?;
    b.wait_for("[data-testid=activity-missing]").await?;
    ensure!(b.text("[data-testid=activity-missing] h1").await? == "Aktiviteten finns inte");
    b.assert_accessible("Aktiviteten finns inte").await?;
    b.close().await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_screen_opens_offline_once_the_code_has_come_in_the_background() -> Result<()> {
    let mut server = TestServer::start().await?;
    let b = Browser::start().await?;
    b.sign_in(&server.url("/"), "admin", "admin").await?;
    on_screen(&b, "/oversikt", ".overview-grid", Some("nav-overview")).await?;
    b.wait_synced(Duration::from_secs(60)).await?;
    // The app says when every screen's code is in (a few seconds after the sign-in); no
    // screen has been opened but the first, and the service worker is not waited for.
    b.wait_for("html[data-screens-loaded]").await?;
    server.stop().await?;
    for (testid, want, marker) in SCREENS {
        b.click(&format!("[data-testid={testid}]")).await?;
        on_screen(&b, want, marker, Some(testid)).await.with_context(|| format!("offline: {want}"))?;
        ensure!(b.count("[data-testid=screen-not-loaded]").await? == 0, "offline: {want} could not be fetched");
    }
    b.close().await
}
