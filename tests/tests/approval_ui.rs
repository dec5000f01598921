//! Data a researcher can trust (issue #21) through the real app in headless
//! Chromium: a tablet offline while its coordinator approves last month logs
//! an activity dated in it; back online, the tablet shows the refusal in
//! plain Swedish; once the coordinator re-opens the month with a reason, the
//! same change syncs. With the demo year: the follow-up list, the months of a
//! lab's report with their completeness, the approval step, the check at
//! entry and the counter's completeness, with screenshots.

use anyhow::{ensure, Context, Result};
use fantoccini::wd::WebDriverCompatibleCommand;
use fantoccini::Locator;
use labblogg_e2e::{wait_until, Browser, Profile, TestServer};
use labblogg_server::demo::LINA_HAGE;
use labblogg_shared::approval::{approval_id, is_in_force, month_name_sv};
use labblogg_shared::calendar;
use labblogg_shared::RecordKind;
use serde_json::{json, Value};
use std::time::Duration;

const SYNC_WAIT: Duration = Duration::from_secs(60);
const TITLE: &str = "Fika i efterhand";
const LAB_CARD: &str = "[data-testid=lab-card][data-lab-id='01900000-0000-7000-8000-000000000004']";

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

/// This browser only (the tablet) loses the network, or gets it back.
async fn set_offline(b: &Browser, offline: bool) -> Result<()> {
    b.client.issue_cmd(Cdp("Network.enable", json!({}))).await.context("CDP Network.enable")?;
    b.client
        .issue_cmd(Cdp(
            "Network.emulateNetworkConditions",
            json!({"offline": offline, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1}),
        ))
        .await
        .context("CDP Network.emulateNetworkConditions")?;
    Ok(())
}

/// Last month ("2026-11") by the server's clock, in Stockholm.
fn last_month() -> String {
    let today = calendar::local_day(
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_millis() as i64,
    );
    calendar::month_label_of_index(calendar::month_index(today) - 1)
}

/// Set a date input the way a person picking a date does (`input` event).
async fn set_date(b: &Browser, css: &str, date: &str) -> Result<()> {
    b.client
        .execute(
            "const el = document.querySelector(arguments[0]); el.value = arguments[1];
             el.dispatchEvent(new Event('input', { bubbles: true })); return true;",
            vec![json!(css), json!(date)],
        )
        .await?;
    Ok(())
}

/// Scroll the first element matching `css` to the top of the window (for a screenshot).
async fn scroll_to(b: &Browser, css: &str) -> Result<()> {
    b.client.execute("document.querySelector(arguments[0]).scrollIntoView(); return true;", vec![json!(css)]).await?;
    Ok(())
}

/// The activity on the server: `None` absent, `Some(deleted)`.
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

/// Open Lina Hage's report from the overview.
async fn open_lina_hage_report(b: &Browser) -> Result<()> {
    b.click("[data-testid=nav-overview]").await?;
    let card = b.wait_for(LAB_CARD).await?;
    card.find(Locator::Css("[data-testid=open-lab]")).await?.click().await?;
    b.wait_for("[data-testid=report-months]").await?;
    Ok(())
}

/// Open a browser again on `profile` (it keeps the session, the local copy and the outbox).
async fn reopen(server: &TestServer, profile: &Profile) -> Result<Browser> {
    let b = Browser::start_with(profile).await?;
    b.client.goto(&server.url("/")).await?;
    b.wait_for("[data-testid=sync-status]").await?;
    Ok(b)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tablet_offline_while_the_month_is_approved_is_refused_in_swedish_and_syncs_once_it_is_re_opened(
) -> Result<()> {
    let server = TestServer::start().await?;
    let month = last_month();
    let date = format!("{month}-15");
    // One browser runs at a time (tests/src/lib.rs): the tablet and the coordinator's laptop
    // are profiles, opened in turn; the tablet is closed while offline and comes back online.
    let (tablet_profile, laptop) = (Profile::new()?, Profile::new()?);

    // The tablet: signed in, synced, then the network goes.
    let tablet = Browser::start_with(&tablet_profile).await?;
    tablet.open_counter_as_staff(&server.url("/")).await?;
    tablet.wait_service_worker().await?;
    tablet.wait_synced(SYNC_WAIT).await?;
    set_offline(&tablet, true).await?;

    // Offline, staff log an activity dated last month.
    tablet.click("[data-testid=nav-activities]").await?;
    tablet.wait_for("[data-testid=activity-new]").await?;
    tablet.click("[data-testid=activity-new]").await?;
    tablet.wait_for("[data-testid=activity-title]").await?;
    tablet.select("[data-testid=activity-kind]", "fika").await?;
    tablet.fill("[data-testid=activity-title]", TITLE).await?;
    set_date(&tablet, "[data-testid=activity-date]", &date).await?;
    tablet.click("[data-testid=participants-13-15-plus]").await?;
    tablet.click("[data-testid=activity-save]").await?;
    tablet.wait_for("[data-testid=activity-item]").await?;
    wait_until("the activity waiting on the tablet", Duration::from_secs(20), || async {
        let (state, pending) = tablet.sync_status().await?;
        Ok(pending == 1 && (state == "offline" || state == "error"))
    })
    .await?;
    ensure!(on_server(&server).await?.is_none(), "offline: nothing reached the server");
    tablet.close().await?;

    // Meanwhile the coordinator approves last month from Lina Hage's report.
    let coordinator = Browser::start_with(&laptop).await?;
    coordinator.sign_in(&server.url("/"), "samordnare", "samordnare").await?;
    coordinator.wait_for(LAB_CARD).await?;
    coordinator.wait_synced(SYNC_WAIT).await?;
    open_lina_hage_report(&coordinator).await?;
    coordinator.click(&format!("[data-testid=month-review][data-month='{month}']")).await?;
    coordinator.wait_for(&format!("[data-testid=approval-panel][data-month='{month}']")).await?;
    scroll_to(&coordinator, "[data-testid=approval-panel]").await?;
    let sessions: u32 = coordinator.text("[data-testid=approval-sessions]").await?.trim().parse()?;
    ensure!((8..=10).contains(&sessions), "Lina Hage opens Tuesdays and Thursdays: {sessions} sessions");
    coordinator.screenshots("coordinator-approval-step").await?;
    coordinator.assert_accessible("the approval step").await?;
    coordinator.click("[data-testid=approve-month]").await?;
    coordinator.wait_for("[data-testid=approval-notice]").await?;
    coordinator.wait_for("[data-testid=reopen-month]").await?;
    coordinator.wait_synced(SYNC_WAIT).await?;
    let approval =
        server.state.store.record(approval_id(LINA_HAGE, &month)).await?.context("the approval on the server")?;
    ensure!(is_in_force(&approval), "approved on the server: {:?}", approval.fields);
    coordinator.close().await?;

    // The tablet comes back online: its change is refused, in plain Swedish, and kept.
    let tablet = reopen(&server, &tablet_profile).await?;
    wait_until("the refusal on the tablet", SYNC_WAIT, || async {
        let (state, pending) = tablet.sync_status().await?;
        Ok(state == "error" && pending == 1)
    })
    .await?;
    let status = tablet.text("[data-testid=sync-status]").await?;
    ensure!(status.contains("kunde inte sparas på servern"), "{status}");
    tablet.click("[data-testid=nav-settings]").await?;
    tablet.wait_for("[data-testid=refused-change]").await?;
    scroll_to(&tablet, "[data-testid=refused-changes]").await?;
    let name = month_name_sv(&month);
    let expected = format!(
        "{}{} är godkänd för Lina Hage. Be samordnaren öppna månaden om något behöver ändras.",
        name[..1].to_uppercase(),
        &name[1..]
    );
    let reason = tablet.text("[data-testid=refused-reason]").await?;
    ensure!(reason == expected, "{reason:?} ≠ {expected:?}");
    ensure!(tablet.attr("[data-testid=refused-change]", "data-code").await?.as_deref() == Some("locked"));
    tablet.screenshots("staff-refused-locked").await?;
    tablet.assert_accessible("a refused change").await?;
    ensure!(on_server(&server).await?.is_none(), "refused: not on the server");
    tablet.close().await?;

    // The coordinator re-opens the month, with a reason.
    let coordinator = reopen(&server, &laptop).await?;
    coordinator.wait_for(LAB_CARD).await?;
    coordinator.wait_synced(SYNC_WAIT).await?;
    open_lina_hage_report(&coordinator).await?;
    coordinator.click(&format!("[data-testid=month-review][data-month='{month}']")).await?;
    coordinator.wait_for(&format!("[data-testid=approval-panel][data-month='{month}']")).await?;
    coordinator.fill("[data-testid=reopen-reason]", "En fika loggades i efterhand").await?;
    coordinator.click("[data-testid=reopen-month]").await?;
    coordinator.wait_for("[data-testid=approve-month]").await?;
    coordinator.wait_synced(SYNC_WAIT).await?;

    // The history: approved, then re-opened with its reason, by name.
    let rows = server.state.store.history(approval_id(LINA_HAGE, &month)).await?;
    ensure!(rows.len() == 2, "{rows:?}");
    ensure!(rows[1].fields.get("reason").and_then(|r| r.as_str()) == Some("En fika loggades i efterhand"));
    coordinator.click("[data-testid=show-history]").await?;
    scroll_to(&coordinator, "[data-testid=approval-panel]").await?;
    wait_until("two history entries", Duration::from_secs(20), || async {
        Ok(coordinator.count("[data-testid=history-entry]").await? == 2)
    })
    .await?;
    let text = coordinator.text("[data-testid=history-list]").await?;
    ensure!(text.contains("Godkänd av Samordnare") && text.contains("Öppnad igen av Samordnare"), "{text}");
    ensure!(text.contains("En fika loggades i efterhand"), "{text}");
    coordinator.screenshots("coordinator-approval-history").await?;
    coordinator.close().await?;

    // The same change syncs: the tablet sends it again when it hears of the re-opening.
    let tablet = reopen(&server, &tablet_profile).await?;
    tablet.wait_synced(SYNC_WAIT).await?;
    wait_until("the activity on the server", SYNC_WAIT, || async { Ok(on_server(&server).await? == Some(false)) })
        .await?;
    tablet.wait_synced(SYNC_WAIT).await?;
    tablet.click("[data-testid=nav-settings]").await?;
    wait_until("no refused change left", Duration::from_secs(10), || async {
        Ok(tablet.count("[data-testid=refused-change]").await? == 0)
    })
    .await?;
    tablet.close().await?;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_follow_up_list_the_months_completeness_and_the_check_at_entry() -> Result<()> {
    let server = TestServer::start_with_demo_year().await?;
    let today = calendar::local_day(
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_millis() as i64,
    );
    let this = calendar::month_index(today);
    let last = calendar::month_label_of_index(this - 1);
    let open = calendar::month_label_of_index(this - 3);

    // The coordinator's follow-up list on the overview: the demo's fika of 412 and a measurement.
    let b = Browser::start().await?;
    b.sign_in(&server.url("/"), "samordnare", "samordnare").await?;
    b.wait_for("[data-testid=followup-list]").await?;
    b.wait_synced(Duration::from_secs(180)).await?;
    wait_until("two values to follow up", Duration::from_secs(30), || async {
        Ok(b.count("[data-testid=followup] [data-testid=followup-item]").await? == 2)
    })
    .await?;
    let list = b.text("[data-testid=followup]").await?;
    ensure!(list.contains("Fika efter fotbollen") && list.contains("412"), "{list}");
    b.screenshots("coordinator-followup-list").await?;
    b.assert_accessible("the follow-up list").await?;
    // Confirming the fika takes it off the list.
    let item =
        b.client.find(Locator::Css("[data-testid=followup] [data-testid=followup-item][data-kind=activity]")).await?;
    item.find(Locator::Css("[data-testid=followup-confirm]")).await?.click().await?;
    wait_until("one value left", Duration::from_secs(20), || async {
        Ok(b.count("[data-testid=followup] [data-testid=followup-item]").await? == 1)
    })
    .await?;

    // Lina Hage's report: last month approved, each month's completeness.
    open_lina_hage_report(&b).await?;
    let row = format!("[data-testid=month-row][data-month='{last}']");
    b.wait_for(&row).await?;
    scroll_to(&b, "[data-testid=report-months]").await?;
    ensure!(b.attr(&row, "data-approved").await?.as_deref() == Some("true"), "last month is approved in the demo");
    let logged: u32 = b.attr(&row, "data-logged").await?.unwrap_or_default().parse()?;
    let sessions: u32 = b.attr(&row, "data-sessions").await?.unwrap_or_default().parse()?;
    ensure!(sessions >= 8 && logged > 0 && logged <= sessions, "{logged} of {sessions}");
    b.screenshots("lab-report-months-completeness").await?;
    b.assert_accessible("the months of a lab report").await?;
    // The approval step of a month not approved: its figures and completeness first.
    b.click(&format!("[data-testid=month-review][data-month='{open}']")).await?;
    b.wait_for(&format!("[data-testid=approval-panel][data-month='{open}']")).await?;
    scroll_to(&b, "[data-testid=approval-panel]").await?;
    let visits: u64 = b
        .text("[data-testid=approval-visits]")
        .await?
        .chars()
        .filter(char::is_ascii_digit)
        .collect::<String>()
        .parse()?;
    ensure!(visits > 50, "{visits} visits");
    b.screenshots("coordinator-approval-step-demo-year").await?;

    // The comparison shows completeness and approved months per lab.
    b.click("[data-testid=nav-compare]").await?;
    wait_until("four comparison rows", Duration::from_secs(20), || async {
        Ok(b.count("[data-testid=compare-row]").await? == 4)
    })
    .await?;
    let approved = b.client.find_all(Locator::Css("[data-testid=compare-approved]")).await?;
    let mut months_listed = Vec::new();
    for cell in approved {
        months_listed.push(cell.attr("data-months").await?.unwrap_or_default());
    }
    ensure!(months_listed.iter().filter(|m| m.contains(&last)).count() == 3, "{months_listed:?}");
    scroll_to(&b, "[data-testid=compare-approved]").await?;
    b.screenshots("coordinator-compare-completeness").await?;
    b.close().await?;

    // Staff: the counter's completeness, and the check at entry.
    let staff = Browser::start().await?;
    staff.open_counter_as_staff(&server.url("/")).await?;
    staff.wait_synced(Duration::from_secs(180)).await?;
    staff.wait_for("[data-testid=counter-completeness]").await?;
    scroll_to(&staff, "[data-testid=counter-completeness]").await?;
    // This month's sessions so far (none on the first days of a month).
    wait_until("the counter's completeness", Duration::from_secs(20), || async {
        Ok(today - calendar::first_day_of_month_index(this) < 3
            || staff.count("[data-testid=counter-unclosed]").await? > 0)
    })
    .await?;
    staff.screenshots("counter-completeness").await?;
    staff.click("[data-testid=nav-activities]").await?;
    staff.click("[data-testid=activity-new]").await?;
    staff.wait_for("[data-testid=activity-title]").await?;
    staff.select("[data-testid=activity-kind]", "fika").await?;
    staff.fill("[data-testid=activity-title]", "Fika med läxhjälp").await?;
    staff.client
        .execute(
            "const b = document.querySelector('[data-testid=participants-13-15-plus]'); for (let i = 0; i < 412; i++) b.click(); return true;",
            vec![],
        )
        .await?;
    staff.click("[data-testid=activity-save]").await?;
    let check = staff.wait_for("[data-testid=entry-check]").await?;
    scroll_to(&staff, "[data-testid=entry-check]").await?;
    let text = check.text().await?;
    ensure!(text.contains("Är du säker?") && text.contains("412"), "{text}");
    staff.screenshots("staff-entry-check").await?;
    staff.assert_accessible("the check at entry").await?;
    staff.click("[data-testid=entry-check-confirm]").await?;
    staff.wait_for("[data-testid=activity-item]").await?;
    staff.wait_synced(SYNC_WAIT).await?;
    // Saved, flagged for the coordinator's list.
    let records = server.state.store.records_of_labs(vec![LINA_HAGE]).await?;
    let saved = records
        .iter()
        .find(|r| r.fields.get("title").and_then(|t| t.as_str()) == Some("Fika med läxhjälp"))
        .context("the fika on the server")?;
    ensure!(saved.fields["flag"] == json!({"fields": ["participants"], "confirmed": false}), "{:?}", saved.fields);
    staff.close().await?;
    Ok(())
}
