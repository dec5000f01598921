//! Deleting and restoring through the real app in headless Chromium (issue
//! #17): staff delete an activity they logged, a second tablet sees it go, the
//! coordinator restores it from the Papperskorg and it comes back on the
//! second tablet; the activity's history names who did what.

use anyhow::{ensure, Result};
use labblogg_e2e::{wait_until, Browser, Profile, TestServer};
use labblogg_server::demo::LINA_HAGE;
use labblogg_shared::RecordKind;
use std::time::Duration;

const SYNC_WAIT: Duration = Duration::from_secs(60);
const TITLE: &str = "Fika med läxhjälp";

/// Is the activity on the server, and deleted?
async fn on_server(server: &TestServer) -> Result<Option<bool>> {
    let page = server.state.store.pull(vec![LINA_HAGE], 0, 1000).await?;
    Ok(page
        .records
        .iter()
        .find(|r| {
            r.state.kind == RecordKind::Activity && r.state.fields.get("title").and_then(|t| t.as_str()) == Some(TITLE)
        })
        .map(|r| r.state.deleted.is_some()))
}

async fn listed(b: &Browser) -> Result<bool> {
    Ok(b.text(".activity-list").await.unwrap_or_default().contains(TITLE))
}

/// Open a tablet again (its profile keeps the session and the local copy) at the activities.
async fn reopen(server: &TestServer, profile: &Profile) -> Result<Browser> {
    let b = Browser::start_with(profile).await?;
    b.client.goto(&server.url("/")).await?;
    b.wait_for("[data-testid=nav-activities]").await?;
    b.click("[data-testid=nav-activities]").await?;
    b.wait_for("[data-testid=activity-new]").await?;
    Ok(b)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_coordinator_restores_a_deleted_activity_and_it_comes_back_on_another_tablet() -> Result<()> {
    let server = TestServer::start().await?;
    // One browser runs at a time (tests/src/lib.rs): the tablets are profiles, opened in turn.
    let (tablet_1, tablet_2) = (Profile::new()?, Profile::new()?);

    // Tablet 1: staff log an activity.
    let staff = Browser::start_with(&tablet_1).await?;
    staff.open_counter_as_staff(&server.url("/")).await?;
    staff.click("[data-testid=nav-activities]").await?;
    staff.wait_for("[data-testid=activity-new]").await?;
    staff.click("[data-testid=activity-new]").await?;
    staff.wait_for("[data-testid=activity-title]").await?;
    staff.select("[data-testid=activity-kind]", "fika").await?;
    staff.fill("[data-testid=activity-title]", TITLE).await?;
    staff.click("[data-testid=participants-13-15-plus]").await?;
    staff.click("[data-testid=activity-save]").await?;
    staff.wait_for("[data-testid=activity-item]").await?;
    staff.wait_synced(SYNC_WAIT).await?;
    ensure!(on_server(&server).await? == Some(false), "the activity reached the server");
    staff.close().await?;

    // Tablet 2 sees it.
    let second = Browser::start_with(&tablet_2).await?;
    second.open_counter_as_staff(&server.url("/")).await?;
    second.click("[data-testid=nav-activities]").await?;
    wait_until("the activity on tablet 2", SYNC_WAIT, || async { listed(&second).await }).await?;
    second.close().await?;

    // Staff delete it on tablet 1 (their own).
    let staff = reopen(&server, &tablet_1).await?;
    wait_until("the activity on tablet 1", SYNC_WAIT, || async { listed(&staff).await }).await?;
    staff.click("[data-testid=activity-delete]").await?;
    staff.click("[data-testid=activity-delete-confirm]").await?;
    wait_until("deleted on tablet 1", Duration::from_secs(10), || async { Ok(!listed(&staff).await?) }).await?;
    staff.wait_synced(SYNC_WAIT).await?;
    ensure!(on_server(&server).await? == Some(true), "the delete reached the server");
    staff.close().await?;

    // Tablet 2 sees it go.
    let second = reopen(&server, &tablet_2).await?;
    second.wait_synced(SYNC_WAIT).await?;
    wait_until("gone from tablet 2", SYNC_WAIT, || async {
        second.click("[data-testid=nav-activities]").await?;
        Ok(!listed(&second).await?)
    })
    .await?;
    second.close().await?;

    // The coordinator restores it from the Papperskorg.
    let coordinator = Browser::start().await?;
    coordinator.sign_in(&server.url("/"), "samordnare", "samordnare").await?;
    coordinator.wait_for("[data-testid=nav-trash]").await?;
    coordinator.wait_synced(SYNC_WAIT).await?;
    coordinator.click("[data-testid=nav-trash]").await?;
    wait_until("the activity in the bin", SYNC_WAIT, || async {
        Ok(coordinator.text("[data-testid=trash]").await?.contains(TITLE))
    })
    .await?;
    coordinator.screenshots("coordinator-trash").await?;
    coordinator.assert_accessible("Papperskorg").await?;
    let items = coordinator.client.find_all(fantoccini::Locator::Css("[data-testid=trash-item]")).await?;
    let mut clicked = false;
    for item in items {
        if item.text().await?.contains(TITLE) {
            item.find(fantoccini::Locator::Css("[data-testid=restore-record]")).await?.click().await?;
            clicked = true;
            break;
        }
    }
    ensure!(clicked, "a restore button for the activity");
    coordinator.wait_for("[data-testid=trash-notice]").await?;
    coordinator.wait_synced(SYNC_WAIT).await?;
    ensure!(on_server(&server).await? == Some(false), "restored on the server");

    // Its history, in names: created and deleted by staff, restored by the coordinator.
    coordinator.click("[data-testid=nav-activities]").await?;
    wait_until("the activity listed for the coordinator", SYNC_WAIT, || async { listed(&coordinator).await }).await?;
    let items = coordinator.client.find_all(fantoccini::Locator::Css("[data-testid=activity-item]")).await?;
    for item in items {
        if item.text().await?.contains(TITLE) {
            item.find(fantoccini::Locator::Css("[data-testid=activity-edit]")).await?.click().await?;
            break;
        }
    }
    coordinator.click("[data-testid=show-history]").await?;
    wait_until("three history entries", Duration::from_secs(20), || async {
        Ok(coordinator.count("[data-testid=history-entry]").await? == 3)
    })
    .await?;
    let text = coordinator.text("[data-testid=history-list]").await?;
    ensure!(text.contains("Skapad av Personal Lina Hage"), "{text}");
    ensure!(text.contains("Raderad av Personal Lina Hage"), "{text}");
    ensure!(text.contains("Återställd av Samordnare"), "{text}");
    ensure!(
        !text.contains(&server.state.store.user_by_name("personal").await?.expect("staff").id.to_string()),
        "no ids: {text}"
    );
    coordinator.screenshots("coordinator-activity-history").await?;
    coordinator.assert_accessible("activity history").await?;
    coordinator.close().await?;

    // Back on tablet 2.
    let second = reopen(&server, &tablet_2).await?;
    wait_until("back on tablet 2", SYNC_WAIT, || async {
        second.click("[data-testid=nav-activities]").await?;
        listed(&second).await
    })
    .await?;
    second.close().await?;
    Ok(())
}
