//! The staff's tablet app driven through its real UI in headless Chromium:
//! an open evening (taps, undo) and an activity logged, edited and deleted,
//! offline and online. Screenshots of each main screen at tablet size go to
//! target/screenshots/; axe-core checks each screen for serious violations.

use anyhow::{ensure, Result};
use labblogg_e2e::{wait_until, Browser, TestServer};
use labblogg_server::demo::{BODEN, LINA_HAGE, PLACE_BODEN, PLACE_LINA_HAGE};
use labblogg_shared::model::{
    Activity, CountRule, FocusArea, Goal, GoalDirection, GoalMeasurement, MeetingPlace, Visit,
};
use labblogg_shared::{AgeBand, Gender, RecordKind};
use std::time::Duration;

const SYNC_WAIT: Duration = Duration::from_secs(60);

async fn band_count(b: &Browser, band: &str) -> Result<String> {
    b.text(&format!("[data-testid=visit-button][data-age-band='{band}'] .band-count")).await
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
    assert_eq!(
        b.client.find(fantoccini::Locator::Css("[data-testid=first-visit]")).await?.prop("checked").await?.as_deref(),
        Some("false")
    );
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
    wait_until("13-15 back to 2", Duration::from_secs(10), || async {
        Ok(band_count(&b, "13-15").await?.starts_with('2'))
    })
    .await?;
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
        Ok(b.text("[data-testid=poll-yes-count]").await? == "3"
            && b.text("[data-testid=poll-maybe-count]").await? == "1")
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
    assert_eq!(
        (a.title.as_str(), a.total_participants(), a.first_timers, a.staff_hours),
        ("Fika med föräldrar", 4, 1, 2.5)
    );
    assert_eq!(a.partner_ids.len(), 1);

    // Offline: log a second one, edit the first, delete the second.
    server.stop().await?;
    log_activity(&b, "Pingisturnering", "Tolv lag anmälda").await?;
    wait_until("two activities listed", Duration::from_secs(10), || async {
        Ok(b.count("[data-testid=activity-item]").await? == 2)
    })
    .await?;
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
    wait_until("one activity left", Duration::from_secs(10), || async {
        Ok(b.count("[data-testid=activity-item]").await? == 1)
    })
    .await?;
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

/// Every record of `kind` the server holds for `lab`, with whether it is deleted.
async fn server_records(
    server: &TestServer,
    lab: uuid::Uuid,
    kind: RecordKind,
) -> Result<Vec<(bool, serde_json::Map<String, serde_json::Value>)>> {
    let page = server.state.store.pull(vec![lab], 0, 5000).await?;
    Ok(page
        .records
        .into_iter()
        .filter(|r| r.state.kind == kind)
        .map(|r| (r.state.deleted.is_some(), r.state.fields))
        .collect())
}

/// Store records on the server as if a coordinator's tablet had synced them.
async fn seed(
    server: &TestServer,
    kind: RecordKind,
    lab: uuid::Uuid,
    id: uuid::Uuid,
    record: serde_json::Value,
) -> Result<()> {
    let serde_json::Value::Object(fields) = record else { anyhow::bail!("not an object") };
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH)?.as_millis() as u64;
    let change = labblogg_shared::sync::Change {
        change_id: uuid::Uuid::now_v7(),
        kind,
        id,
        lab_id: lab,
        hlc: labblogg_shared::Hlc { ms: now, counter: 0, node: 7 },
        fields,
        deleted: false,
        restore: false,
    };
    for outcome in server.state.store.push(vec![change]).await? {
        if let Err(r) = outcome {
            anyhow::bail!("seed refused: {}", r.message);
        }
    }
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_coordinator_switches_on_the_gender_split_and_once_per_session_and_staff_count_with_them() -> Result<()> {
    let started = std::time::Instant::now();
    let server = TestServer::start().await?;
    // Boden's opening hours are not entered (yet).
    seed(&server, RecordKind::MeetingPlace, BODEN, PLACE_BODEN, serde_json::json!({ "opening_hours": [] })).await?;

    // The coordinator sets Lina Hage's counter where the lab is set up (Labbet → Mötesplatser).
    let b = Browser::start().await?;
    b.sign_in(&server.url("/"), "samordnare", "samordnare").await?;
    b.wait_for("[data-testid=nav-setup]").await?;
    b.wait_synced(SYNC_WAIT).await?;
    b.click("[data-testid=nav-setup]").await?;
    b.wait_for("[data-testid=setup-lab]").await?;
    let open_place = |lab: uuid::Uuid, place: uuid::Uuid| {
        let b = &b;
        async move {
            b.select("[data-testid=setup-lab]", &lab.to_string()).await?;
            b.click("[data-testid=setup-tab-places]").await?;
            let item = format!("[data-testid=place-item][data-place-id='{place}']");
            b.wait_for(&item).await?;
            b.click(&format!("{item} [data-testid=place-edit]")).await?;
            b.wait_for(&format!("[data-testid=place-form][data-place-id='{place}']")).await?;
            anyhow::Ok(())
        }
    };
    // Without opening hours there are no sessions: refused, in plain Swedish, nothing saved.
    open_place(BODEN, PLACE_BODEN).await?;
    let boden = format!("[data-testid=place-form][data-place-id='{PLACE_BODEN}']");
    b.click(&format!("{boden} [data-testid=place-count-rule][value=once_per_session]")).await?;
    b.click(&format!("{boden} [data-testid=place-settings-save]")).await?;
    b.wait_for(&format!("{boden} [data-testid=place-settings-error]")).await?;
    assert!(b.text(&format!("{boden} [data-testid=place-settings-error]")).await?.contains("öppettider"));
    assert_eq!(b.sync_status().await?.1, 0, "nothing queued");
    b.click(&format!("{boden} [data-testid=place-cancel]")).await?;
    open_place(LINA_HAGE, PLACE_LINA_HAGE).await?;
    let form = format!("[data-testid=place-form][data-place-id='{PLACE_LINA_HAGE}']");
    b.click(&format!("{form} [data-testid=place-gender-split]")).await?;
    b.click(&format!("{form} [data-testid=place-count-rule][value=once_per_session]")).await?;
    b.click(&format!("{form} [data-testid=place-settings-save]")).await?;
    wait_until("settings saved", Duration::from_secs(10), || async {
        b.is_shown("[data-testid=place-settings-saved]").await
    })
    .await?;
    assert!(b.text("[data-testid=place-settings-saved]").await?.contains("Lina Hage mötesplats"));
    b.assert_accessible("the lab's meeting places after saving the visit counter's settings").await?;
    b.screenshots("coordinator-place-settings").await?;
    b.wait_synced(SYNC_WAIT).await?;
    let places = server_records(&server, LINA_HAGE, RecordKind::MeetingPlace).await?;
    let place: MeetingPlace = serde_json::from_value(serde_json::Value::Object(places[0].1.clone()))?;
    assert_eq!((place.gender_split, place.count_rule), (true, CountRule::OncePerSession));
    assert_eq!(place.name, "Lina Hage mötesplats", "only the two settings changed");
    // The lab's report says how its visits were counted.
    b.click("[data-testid=nav-overview]").await?;
    let open_lab = format!("[data-testid=lab-card][data-lab-id='{LINA_HAGE}'] [data-testid=open-lab]");
    b.wait_for(&open_lab).await?.click().await?;
    b.wait_for("[data-testid=report-count-rule]").await?;
    assert!(b
        .text("[data-testid=report-count-rule]")
        .await?
        .contains("Vid Lina Hage mötesplats räknas varje besökare en gång"));
    b.close().await?;

    // Staff at Lina Hage: per band, four gender buttons; the rule and the session are shown.
    let b = Browser::start().await?;
    b.open_counter_as_staff(&server.url("/")).await?;
    b.wait_for("[data-testid=band-group]").await?;
    assert_eq!(b.count("[data-testid=band-group]").await?, 2);
    assert_eq!(b.count("[data-testid=visit-button]").await?, 8, "2 bands × girl, boy, other, not stated");
    assert_eq!(b.attr("[data-testid=count-rule]", "data-rule").await?.as_deref(), Some("once_per_session"));
    assert!(b.text("[data-testid=count-rule]").await?.contains("en gång per öppettillfälle"));
    let cell =
        |band: &str, gender: &str| format!("[data-testid=visit-button][data-age-band='{band}'][data-gender={gender}]");
    b.click(&cell("6-12", "girl")).await?;
    b.click(&cell("6-12", "girl")).await?;
    b.click(&cell("6-12", "other")).await?;
    b.click(&cell("13-15", "boy")).await?;
    b.click(&cell("13-15", "unstated")).await?;
    b.wait_visits_today(5, Duration::from_secs(10)).await?;
    wait_until("counts per band and per button", Duration::from_secs(10), || async {
        Ok(b.text("[data-testid=band-group][data-age-band='6-12'] [data-testid=band-count]").await?.starts_with('3')
            && b.text("[data-testid=band-group][data-age-band='13-15'] [data-testid=band-count]")
                .await?
                .starts_with('2')
            && b.text(&format!("{} [data-testid=gender-count]", cell("6-12", "girl"))).await? == "2")
    })
    .await?;
    // Adults' bands read woman/man; the youth bands here read girl/boy.
    assert!(b.text(&cell("6-12", "girl")).await?.contains("Flicka"));
    assert!(b.text(&cell("13-15", "unstated")).await?.contains("Ej angivet"));

    // Someone comes back the same session: not counted, nothing stored.
    b.click("[data-testid=reentry]").await?;
    b.click("[data-testid=reentry]").await?;
    wait_until("two re-entries noted", Duration::from_secs(5), || async {
        Ok(b.attr("[data-testid=reentry-count]", "data-count").await?.as_deref() == Some("2"))
    })
    .await?;
    assert_eq!(b.visits_today().await?, 5, "re-entries are not visits");
    // The tally stays on this tablet while staff switch screens.
    b.click("[data-testid=nav-activities]").await?;
    b.wait_for("[data-testid=activity-new]").await?;
    b.click("[data-testid=nav-counter]").await?;
    wait_until("re-entries still shown", Duration::from_secs(10), || async {
        Ok(b.attr("[data-testid=reentry-count]", "data-count").await?.as_deref() == Some("2"))
    })
    .await?;
    // The session's figure: the visits under way if the place is open now, "–" if not.
    let open = b.attr("[data-testid=session-now]", "data-open").await?;
    let session = b.text("[data-testid=visits-session]").await?;
    match open.as_deref() {
        Some("true") => assert_eq!(session, "5"),
        _ => assert_eq!(session, "–"),
    }
    // Undo still takes back the last tap.
    b.click(&cell("13-15", "boy")).await?;
    b.wait_visits_today(6, Duration::from_secs(10)).await?;
    b.click("[data-testid=undo]").await?;
    b.wait_visits_today(5, Duration::from_secs(10)).await?;
    b.wait_synced(SYNC_WAIT).await?;
    b.assert_accessible("visit counter with gender split and the once-per-session rule").await?;
    b.screenshots("staff-counter-gender-split-per-session").await?;

    let visits: Vec<Visit> = server_records(&server, LINA_HAGE, RecordKind::Visit)
        .await?
        .into_iter()
        .filter(|(deleted, _)| !deleted)
        .map(|(_, f)| serde_json::from_value(serde_json::Value::Object(f)))
        .collect::<Result<_, _>>()?;
    assert_eq!(visits.len(), 5);
    let n = |band: AgeBand, gender: Option<Gender>| {
        visits.iter().filter(|v| v.age_band == band && v.gender == gender).count()
    };
    assert_eq!(
        (
            n(AgeBand::Age6To12, Some(Gender::Girl)),
            n(AgeBand::Age6To12, Some(Gender::Other)),
            n(AgeBand::Age13To15, Some(Gender::Boy)),
            n(AgeBand::Age13To15, None)
        ),
        (2, 1, 1, 1)
    );

    // Closing the evening keeps the gender rows as the open evening's participants.
    b.click("[data-testid=close-evening]").await?;
    b.wait_for("[data-testid=evening-panel]").await?;
    b.click("[data-testid=evening-save]").await?;
    b.wait_for("[data-testid=evening-saved]").await?;
    b.wait_synced(SYNC_WAIT).await?;
    let evenings = server_activities(&server).await?;
    let rows = &evenings[0].1.participants;
    assert!(
        rows.iter().any(|p| p.age_band == AgeBand::Age6To12 && p.gender == Some(Gender::Girl) && p.count == 2),
        "{rows:?}"
    );
    assert!(rows.iter().any(|p| p.age_band == AgeBand::Age13To15 && p.gender.is_none() && p.count == 1), "{rows:?}");
    assert_eq!(evenings[0].1.total_participants(), 5);
    b.close().await?;
    eprintln!("counter modes: {:.1} s", started.elapsed().as_secs_f64());
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_goal_measurement_entered_offline_syncs_and_shows_in_the_lab_view() -> Result<()> {
    let started = std::time::Instant::now();
    let mut server = TestServer::start().await?;
    // A goal Lina Hage measures by hand.
    let goal_id = uuid::Uuid::now_v7();
    let goal = Goal {
        focus_area: FocusArea::SchoolResults,
        title: "Fler unga på läxhjälpen".into(),
        indicator: "Unga som kommer till läxhjälpen en vanlig vecka".into(),
        unit: "deltagare".into(),
        baseline: 4.0,
        target: 20.0,
        target_date: "2027-06-30".into(),
        direction: GoalDirection::Up,
        source: None,
        baseline_date: None,
        schedule: None,
        retired: false,
    };
    seed(&server, RecordKind::Goal, LINA_HAGE, goal_id, serde_json::to_value(&goal)?).await?;

    let b = Browser::start().await?;
    b.open_counter_as_staff(&server.url("/")).await?;
    b.wait_synced(SYNC_WAIT).await?;
    b.click("[data-testid=nav-goals]").await?;
    let card = format!("[data-testid=goal-card][data-goal-id='{goal_id}']");
    b.wait_for(&format!("{card} [data-testid=measurement-value]")).await?;
    assert_eq!(b.text(&format!("{card} [data-testid=goal-latest]")).await?, "–");

    // Offline: a value that is not a number is refused in plain Swedish, then a real one saved.
    server.stop().await?;
    b.fill(&format!("{card} [data-testid=measurement-value]"), "sju").await?;
    b.click(&format!("{card} [data-testid=measurement-save]")).await?;
    b.wait_for(&format!("{card} .error[role=alert]")).await?;
    // The message is at the value, which is marked and has the focus (#16).
    let value_field = format!("{card} [data-testid=measurement-value]");
    ensure!(b.attr(&value_field, "aria-invalid").await?.as_deref() == Some("true"), "the value field is marked");
    ensure!(b.count(&format!("{card} [data-testid=measurement-error][data-field=värde]")).await? == 1);
    wait_until("the value field focused", Duration::from_secs(10), || async {
        let focused = b.client.execute("return document.activeElement.getAttribute('data-testid');", vec![]).await?;
        Ok(focused == serde_json::json!("measurement-value"))
    })
    .await?;
    b.fill(&format!("{card} [data-testid=measurement-value]"), "7,5").await?;
    // A valid value takes the message away, before saving.
    wait_until("the error gone once the value is valid", Duration::from_secs(10), || async {
        Ok(b.count(&format!("{card} .error[role=alert]")).await? == 0
            && b.attr(&value_field, "aria-invalid").await?.is_none())
    })
    .await?;
    b.fill(&format!("{card} [data-testid=measurement-note]"), "Vecka med nationella prov").await?;
    b.click(&format!("{card} [data-testid=measurement-save]")).await?;
    wait_until("latest value shown offline", Duration::from_secs(10), || async {
        Ok(b.text(&format!("{card} [data-testid=goal-latest]")).await?.starts_with("7,5"))
    })
    .await?;
    wait_until("saved, and listed on the card", Duration::from_secs(10), || async {
        Ok(b.is_shown(&format!("{card} [data-testid=measurement-saved]")).await?
            && b.count(&format!("{card} [data-testid=measurement-item]")).await? == 1)
    })
    .await?;
    b.click(&format!("{card} .recent-measurements summary")).await?;
    assert!(b.text(&format!("{card} [data-testid=measurement-item]")).await?.contains("Vecka med nationella prov"));
    let (state, pending) = b.sync_status().await?;
    assert!(pending >= 1 && state != "synced", "the measurement waits: {state} {pending}");
    b.assert_accessible("goal measurement entry").await?;
    b.screenshots("staff-goal-measurement-offline").await?;

    // Online again: the server has it.
    server.resume().await?;
    b.wait_synced(SYNC_WAIT).await?;
    let on_server: Vec<GoalMeasurement> = server_records(&server, LINA_HAGE, RecordKind::GoalMeasurement)
        .await?
        .into_iter()
        .map(|(_, f)| serde_json::from_value(serde_json::Value::Object(f)))
        .collect::<Result<_, _>>()?;
    assert_eq!(on_server.len(), 1);
    assert_eq!(
        (on_server[0].goal_id, on_server[0].value, on_server[0].note.as_str()),
        (goal_id, 7.5, "Vecka med nationella prov")
    );
    b.close().await?;

    // The coordinator's tablet: the overview's goal line and the lab view's goal chart.
    let b = Browser::start().await?;
    b.sign_in(&server.url("/"), "samordnare", "samordnare").await?;
    let lab_card = format!("[data-testid=lab-card][data-lab-id='{LINA_HAGE}']");
    b.wait_for(&lab_card).await?;
    b.wait_synced(SYNC_WAIT).await?;
    let shown = wait_until("the goal's latest value on the overview", Duration::from_secs(20), || async {
        Ok(b.text(&lab_card).await?.contains("4 → 7,5 → 20 deltagare"))
    })
    .await;
    if shown.is_err() {
        eprintln!("lab card: {:?}", b.text(&lab_card).await?);
    }
    shown?;
    b.click(&format!("{lab_card} [data-testid=open-lab]")).await?;
    b.wait_for("[data-testid=lab-report]").await?;
    wait_until("the goal chart with the measurement", Duration::from_secs(20), || async {
        let charts = b.client.find_all(fantoccini::Locator::Css("[data-testid=chart-goal] svg")).await?;
        for c in charts {
            if c.attr("aria-label").await?.unwrap_or_default().contains("Fler unga på läxhjälpen")
                && !c.find_all(fantoccini::Locator::Css("circle.point")).await?.is_empty()
            {
                return Ok(true);
            }
        }
        Ok(false)
    })
    .await?;
    b.assert_accessible("lab view with a hand-measured goal").await?;
    b.screenshots("coordinator-lab-goal-chart").await?;
    b.close().await?;
    server.stop().await?;
    eprintln!("goal measurement: {:.1} s", started.elapsed().as_secs_f64());
    Ok(())
}
