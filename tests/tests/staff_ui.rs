//! The staff's tablet app driven through its real UI in headless Chromium:
//! an open evening (taps, undo) and an activity logged, edited and deleted,
//! offline and online. Screenshots of each main screen at tablet size go to
//! target/screenshots/; axe-core checks each screen for serious violations.

use anyhow::Result;
use labblogg_e2e::{wait_until, Browser, TestServer};
use labblogg_server::demo::LINA_HAGE;
use labblogg_shared::model::Activity;
use labblogg_shared::RecordKind;
use std::time::Duration;

const SYNC_WAIT: Duration = Duration::from_secs(60);



async fn band_count(b: &Browser, band: &str) -> Result<String> {
    Ok(b.text(&format!("[data-testid=visit-button][data-age-band='{band}'] .band-count")).await?)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_open_evening_counts_per_band_undoes_a_tap_and_is_accessible() -> Result<()> {
    let server = TestServer::start().await?;
    let b = Browser::start().await?;
    b.open_counter_as_staff(&server.url("/")).await?;

    let younger = "[data-testid=visit-button][data-age-band='6-12']";
    let older = "[data-testid=visit-button][data-age-band='13-15']";
    b.click("[data-testid=first-visit]").await?;
    b.click(younger).await?;
    b.wait_visits_today(1, Duration::from_secs(10)).await?;
    // The first-visit toggle applies to one tap, then resets.
    assert_eq!(b.client.find(fantoccini::Locator::Css("[data-testid=first-visit]")).await?.prop("checked").await?.as_deref(), Some("false"));
    b.click(younger).await?;
    b.click(older).await?;
    b.click(older).await?;
    b.click(older).await?;
    b.wait_visits_today(5, Duration::from_secs(10)).await?;
    wait_until("per-band counts", Duration::from_secs(10), || async {
        Ok(band_count(&b, "6-12").await?.starts_with('2') && band_count(&b, "13-15").await?.starts_with('3'))
    })
    .await?;

    // Undo takes back the last tap only.
    b.click("[data-testid=undo]").await?;
    b.wait_visits_today(4, Duration::from_secs(10)).await?;
    wait_until("13-15 back to 2", Duration::from_secs(10), || async { Ok(band_count(&b, "13-15").await?.starts_with('2')) }).await?;
    b.wait_synced(SYNC_WAIT).await?;
    assert_eq!(server.visits(LINA_HAGE).await?, (4, 4));

    b.assert_accessible("visit counter").await?;
    b.screenshots("staff-counter").await?;

    // Closing the evening: a closing poll and a short reflection.
    b.click("[data-testid=close-evening]").await?;
    b.wait_for("[data-testid=evening-panel]").await?;
    for _ in 0..3 {
        b.click("[data-testid=poll-yes]").await?;
    }
    b.click("[data-testid=poll-maybe]").await?;
    wait_until("poll tallies shown", Duration::from_secs(5), || async {
        Ok(b.text("[data-testid=poll-yes-count]").await? == "3" && b.text("[data-testid=poll-maybe-count]").await? == "1")
    })
    .await?;
    b.fill("[data-testid=evening-reflection]", "Lugn kväll. Mejla sara@example.se om pingisbordet.").await?;
    b.click("[data-testid=evening-save]").await?;
    b.wait_for("[data-testid=privacy-warning]").await?;
    b.click("[data-testid=privacy-rephrase]").await?;
    b.fill("[data-testid=evening-reflection]", "Lugn kväll, många ville spela pingis.").await?;
    b.screenshots("staff-evening-close").await?;
    b.assert_accessible("closing the evening").await?;
    b.click("[data-testid=evening-save]").await?;
    b.wait_for("[data-testid=evening-saved]").await?;
    b.wait_synced(SYNC_WAIT).await?;
    let evenings = server_activities(&server).await?;
    assert_eq!(evenings.len(), 1);
    let (_, evening) = &evenings[0];
    assert_eq!(evening.kind, labblogg_shared::model::ActivityKind::OpenEvening);
    assert_eq!((evening.total_participants(), evening.first_timers), (4, 1));
    let poll = evening.poll.expect("poll tallies stored");
    assert_eq!((poll.yes, poll.maybe, poll.no), (3, 1, 0));
    assert_eq!(evening.notes, "Lugn kväll, många ville spela pingis.");
    b.close().await?;
    Ok(())
}

async fn server_activities(server: &TestServer) -> Result<Vec<(bool, Activity)>> {
    let page = server.state.store.pull(vec![LINA_HAGE], 0, 1000).await?;
    Ok(page
        .records
        .into_iter()
        .filter(|r| r.state.kind == RecordKind::Activity)
        .filter_map(|r| {
            let deleted = r.state.deleted.is_some();
            serde_json::from_value(serde_json::Value::Object(r.state.fields)).ok().map(|a| (deleted, a))
        })
        .collect())
}

async fn log_activity(b: &Browser, title: &str, notes: &str) -> Result<()> {
    b.click("[data-testid=activity-new]").await?;
    b.wait_for("[data-testid=activity-title]").await?;
    b.select("[data-testid=activity-kind]", "fika").await?;
    b.fill("[data-testid=activity-title]", title).await?;
    for _ in 0..3 {
        b.click("[data-testid=participants-13-15-plus]").await?;
    }
    b.click("[data-testid=participants-6-12-plus]").await?;
    b.click("[data-testid=first-timers-plus]").await?;
    b.fill("[data-testid=staff-hours]", "2,5").await?;
    b.fill("[data-testid=activity-notes]", notes).await?;
    b.click("[data-testid=activity-save]").await?;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_activity_is_logged_edited_and_deleted_online_and_offline() -> Result<()> {
    let mut server = TestServer::start().await?;
    let b = Browser::start().await?;
    b.open_counter_as_staff(&server.url("/")).await?;
    b.click("[data-testid=nav-activities]").await?;
    b.wait_for("[data-testid=activity-new]").await?;

    // A personnummer in the notes is caught before saving; staff rephrase.
    log_activity(&b, "Fika med föräldrar", "Amir 811218-9876 hjälpte till").await?;
    b.wait_for("[data-testid=privacy-warning]").await?;
    b.screenshots("staff-activity-form").await?;
    b.assert_accessible("activity form with privacy warning").await?;
    b.click("[data-testid=privacy-rephrase]").await?;
    b.fill("[data-testid=activity-notes]", "En förälder hjälpte till med fikat").await?;
    // A new partner added inline is picked at once.
    b.fill("[data-testid=partner-new-name]", "Röda korset Södertälje").await?;
    b.select("[data-testid=partner-new-kind]", "ngo").await?;
    b.click("[data-testid=partner-add]").await?;
    wait_until("new partner picked", Duration::from_secs(10), || async {
        Ok(b.count("[data-testid=partner-option]:checked").await? == 1)
    })
    .await?;
    b.click("[data-testid=activity-save]").await?;
    b.wait_for("[data-testid=activity-item]").await?;
    b.wait_synced(SYNC_WAIT).await?;
    let on_server = server_activities(&server).await?;
    assert_eq!(on_server.len(), 1);
    let (deleted, a) = &on_server[0];
    assert!(!deleted);
    assert_eq!((a.title.as_str(), a.total_participants(), a.first_timers, a.staff_hours), ("Fika med föräldrar", 4, 1, 2.5));
    assert_eq!(a.partner_ids.len(), 1);

    // Offline: log a second one, edit the first, delete the second.
    server.stop().await?;
    log_activity(&b, "Pingisturnering", "Tolv lag anmälda").await?;
    wait_until("two activities listed", Duration::from_secs(10), || async { Ok(b.count("[data-testid=activity-item]").await? == 2) }).await?;
    let items = b.client.find_all(fantoccini::Locator::Css("[data-testid=activity-item]")).await?;
    let mut first_idx = None;
    for (i, item) in items.iter().enumerate() {
        if item.text().await?.contains("Fika med föräldrar") {
            first_idx = Some(i);
        }
    }
    let first_idx = first_idx.expect("first activity listed");
    items[first_idx].find(fantoccini::Locator::Css("[data-testid=activity-edit]")).await?.click().await?;
    b.fill("[data-testid=activity-title]", "Fika med föräldrar och grannar").await?;
    b.click("[data-testid=activity-save]").await?;
    wait_until("edited title listed", Duration::from_secs(10), || async {
        Ok(b.text(".activity-list").await?.contains("Fika med föräldrar och grannar"))
    })
    .await?;
    let items = b.client.find_all(fantoccini::Locator::Css("[data-testid=activity-item]")).await?;
    for item in &items {
        if item.text().await?.contains("Pingisturnering") {
            item.find(fantoccini::Locator::Css("[data-testid=activity-delete]")).await?.click().await?;
        }
    }
    b.click("[data-testid=activity-delete-confirm]").await?;
    wait_until("one activity left", Duration::from_secs(10), || async { Ok(b.count("[data-testid=activity-item]").await? == 1) }).await?;
    let (state, pending) = b.sync_status().await?;
    assert!(pending >= 3 && state != "synced", "offline edits pending: {state} {pending}");
    b.screenshots("staff-activities-offline").await?;
    b.assert_accessible("activity list").await?;

    // Online again: the server holds the edit and the deletion.
    server.resume().await?;
    b.wait_synced(SYNC_WAIT).await?;
    let mut on_server = server_activities(&server).await?;
    on_server.sort_by_key(|(deleted, _)| *deleted);
    assert_eq!(on_server.len(), 2);
    assert_eq!((on_server[0].0, on_server[0].1.title.as_str()), (false, "Fika med föräldrar och grannar"));
    assert_eq!((on_server[1].0, on_server[1].1.title.as_str()), (true, "Pingisturnering"));
    b.close().await?;
    server.stop().await?;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_app_speaks_swedish_first_and_english_when_chosen() -> Result<()> {
    let server = TestServer::start().await?;
    let b = Browser::start().await?;
    b.open_counter_as_staff(&server.url("/")).await?;
    // Headless Chromium prefers English; the app still starts in Swedish.
    assert_eq!(b.text("[data-testid=nav-activities]").await?, "Aktiviteter");
    assert_eq!(b.attr("html", "lang").await?.as_deref(), Some("sv"));
    b.click("[data-testid=nav-settings]").await?;
    b.click("[data-testid=lang-en]").await?;
    wait_until("English navigation", Duration::from_secs(5), || async {
        Ok(b.text("[data-testid=nav-activities]").await? == "Activities")
    })
    .await?;
    b.screenshots("staff-settings-english").await?;
    b.assert_accessible("settings").await?;
    // The choice is remembered on the device.
    b.client.refresh().await?;
    b.wait_for("[data-testid=nav-activities]").await?;
    wait_until("still English after reload", Duration::from_secs(10), || async {
        Ok(b.text("[data-testid=nav-activities]").await? == "Activities")
    })
    .await?;
    assert_eq!(b.attr("html", "lang").await?.as_deref(), Some("en"));
    b.close().await?;
    Ok(())
}
