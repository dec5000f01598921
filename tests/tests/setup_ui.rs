//! A real lab starting from nothing (issue #18), in headless Chromium: an
//! empty database with only an administrator; the administrator creates the
//! lab, its coordinator and a staff account; the coordinator, offline after
//! signing in, sets up a meeting place with opening hours (several spans a
//! day, a closed holiday), partners (one merged) and two goals (one computed
//! from visits, one measured by hand on a schedule); staff on another tablet
//! count visits at the new place; the coordinator's Goals screen then shows
//! the automatic goal's value from those visits and the manual goal's
//! "mätning saknas". Screenshots of every set-up screen and the Goals screen
//! go to target/screenshots/.
//!
//! And the steering-group report of a demo year, printed by Chromium
//! (`Page.printToPDF`): at most three A4 pages, the header on each.

mod pdf;

use anyhow::{bail, ensure, Context, Result};
use base64::Engine as _;
use fantoccini::wd::WebDriverCompatibleCommand;
use fantoccini::Locator;
use labblogg_e2e::{wait_until, Browser, Fault, Profile, TestServer};
use labblogg_shared::model::{Goal, GoalPeriod, GoalSource, MeasureSchedule, MeetingPlace, Partner};
use labblogg_shared::{calendar, RecordKind};
use serde_json::{json, Value};
use std::time::Duration;
use uuid::Uuid;

const SYNC_WAIT: Duration = Duration::from_secs(60);
const ADMIN_PASSWORD: &str = "Fittja-admin-2026!";
const COORDINATOR_PASSWORD: &str = "Samordna-Fittja-2026";
const STAFF_PASSWORD: &str = "Personal-Fittja-2026";

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

/// Set an input's value the way typing does (date and time inputs take no keys reliably).
async fn set_value(b: &Browser, css: &str, value: &str) -> Result<()> {
    let done = b
        .client
        .execute(
            "const el = document.querySelector(arguments[0]);
             if (!el) return false;
             el.value = arguments[1];
             el.dispatchEvent(new Event('input', { bubbles: true }));
             el.dispatchEvent(new Event('change', { bubbles: true }));
             return true;",
            vec![json!(css), json!(value)],
        )
        .await?;
    ensure!(done == json!(true), "no element {css}");
    Ok(())
}

/// Set the `n`th (0-based) element matching `css`.
async fn set_nth(b: &Browser, css: &str, n: usize, value: &str) -> Result<()> {
    let done = b
        .client
        .execute(
            "const el = document.querySelectorAll(arguments[0])[arguments[1]];
             if (!el) return false;
             el.value = arguments[2];
             el.dispatchEvent(new Event('input', { bubbles: true }));
             el.dispatchEvent(new Event('change', { bubbles: true }));
             return true;",
            vec![json!(css), json!(n), json!(value)],
        )
        .await?;
    ensure!(done == json!(true), "no element {css} #{n}");
    Ok(())
}

async fn wait_text(b: &Browser, css: &str, needle: &str) -> Result<()> {
    wait_until(&format!("{css} to say {needle:?}"), Duration::from_secs(30), || async {
        Ok(b.text(css).await.map(|t| t.contains(needle)).unwrap_or(false))
    })
    .await
}

/// The records of one kind of `lab` on the server, live ones.
async fn on_server(
    server: &TestServer,
    lab: Uuid,
    kind: RecordKind,
) -> Result<Vec<(Uuid, serde_json::Map<String, Value>)>> {
    let mut out = Vec::new();
    let mut cursor = 0;
    loop {
        let page = server.state.store.pull(vec![lab], cursor, 1000).await?;
        for r in page.records {
            if r.state.kind == kind && r.state.deleted.is_none() {
                out.push((r.state.id, r.state.fields));
            }
        }
        cursor = page.cursor;
        if !page.more {
            return Ok(out);
        }
    }
}

/// Today's local date and ISO weekday, as the app in `b` sees them (the
/// browser's time zone, which need not be Stockholm's on a test machine).
async fn today(b: &Browser) -> Result<(String, u32)> {
    let date = b
        .client
        .execute(
            "const d = new Date();
             return d.getFullYear() + '-' + String(d.getMonth() + 1).padStart(2, '0') + '-' + String(d.getDate()).padStart(2, '0');",
            vec![],
        )
        .await?;
    let date = date.as_str().context("a date")?.to_owned();
    let weekday = calendar::iso_weekday(calendar::day_of(&date).context("a date")?);
    Ok((date, weekday))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_new_lab_is_set_up_in_the_app_and_steered_by_its_goals() -> Result<()> {
    let mut server = TestServer::start_empty_with_admin("admin", ADMIN_PASSWORD).await?;
    let base = server.url("/");
    assert!(server.state.store.lab_ids().await?.is_empty(), "an empty installation");

    // The administrator creates the lab and its two accounts.
    let a = Browser::start().await?;
    a.sign_in(&base, "admin", ADMIN_PASSWORD).await?;
    a.wait_for("[data-testid=nav-admin]").await?.click().await?;
    a.wait_for("[data-testid=admin-lab-new]").await?.click().await?;
    a.wait_for("[data-testid=admin-lab-form]").await?;
    a.fill("[data-testid=admin-lab-name]", "Fittja träffpunkt").await?;
    a.fill("[data-testid=admin-lab-city]", "Botkyrka").await?;
    a.fill("[data-testid=admin-lab-organisation]", "Botkyrkabyggen").await?;
    a.click("[data-testid=admin-lab-focus][value=school_results]").await?;
    a.fill("[data-testid=admin-lab-question]", "Hur kan fler unga i Fittja klara skolan?").await?;
    a.click("[data-testid=admin-lab-save]").await?;
    wait_text(&a, "[data-testid=admin-notice]", "Fittja träffpunkt").await?;
    let lab = *server.state.store.lab_ids().await?.first().context("the lab is created")?;
    for (username, name, password, role) in
        [("sara", "Sara Lind", COORDINATOR_PASSWORD, "coordinator"), ("ali", "Ali Hassan", STAFF_PASSWORD, "staff")]
    {
        a.click("[data-testid=admin-user-new]").await?;
        a.wait_for("[data-testid=admin-user-form]").await?;
        a.fill("[data-testid=admin-user-username]", username).await?;
        a.fill("[data-testid=admin-user-display-name]", name).await?;
        a.fill("[data-testid=admin-user-password]", password).await?;
        a.select("[data-testid=admin-user-role]", role).await?;
        a.wait_for(&format!("[data-testid=admin-user-lab][value='{lab}']")).await?.click().await?;
        a.click("[data-testid=admin-user-save]").await?;
        a.wait_for(&format!("[data-testid=admin-user-item][data-username={username}]")).await?;
    }
    a.close().await?;

    // The coordinator signs in; until the first sync is complete the overview says it is loading.
    // (One browser runs at a time: the coordinator's tablet is closed while staff count, and
    // opened again on the same profile.)
    let coordinator_tablet = Profile::new()?;
    let c = Browser::start_with(&coordinator_tablet).await?;
    server.set_fault(Fault::Hang);
    c.sign_in(&base, "sara", COORDINATOR_PASSWORD).await?;
    c.wait_for("[data-testid=loading-progress]").await?;
    // The lab and its two built-in questions (the closing poll's).
    wait_until("the progress counts what there is to fetch", Duration::from_secs(20), || async {
        Ok(c.attr("[data-testid=loading-progress]", "data-total").await?.as_deref() == Some("3"))
    })
    .await?;
    ensure!(c.count("[data-testid=lab-card]").await? == 0, "no figures while loading");
    ensure!(c.text("[data-testid=loading-progress]").await?.contains("Hämtar 0 av 3 poster"));
    c.screenshot("setup-first-sync-loading").await?;
    server.set_fault(Fault::None);
    c.wait_synced(SYNC_WAIT).await?;
    c.wait_for("[data-testid=lab-card]").await?;

    // Offline from here: everything is saved on the tablet. The set-up screen is a chunk of its
    // own (frontend/src/lazy.rs): offline it comes from the service worker, once it has cached the build.
    c.wait_service_worker().await?;
    server.stop().await?;
    c.wait_for("[data-testid=nav-setup]").await?.click().await?;
    c.wait_for("[data-testid=setup-screen]").await?;

    // The lab's profile.
    c.click("[data-testid=setup-tab-lab]").await?;
    c.wait_for("[data-testid=lab-profile-form]").await?;
    c.fill("[data-testid=lab-description]", "Läxhjälp och öppen verksamhet för unga 13–19 år i Fittja centrum.")
        .await?;
    c.click("[data-testid=lab-focus][value=crime]").await?;
    c.click("[data-testid=lab-save]").await?;
    wait_until("profile saved", Duration::from_secs(10), || async { c.is_shown("[data-testid=lab-saved]").await })
        .await?;
    c.assert_accessible("set-up: the lab's profile").await?;
    c.screenshots("setup-lab-profile").await?;

    // A meeting place with opening hours: two evenings, a day with two spans, today open all day.
    let (today, weekday) = today(&c).await?;
    let others: Vec<u32> = (1..=7).filter(|d| *d != weekday).collect();
    c.click("[data-testid=setup-tab-places]").await?;
    c.wait_for("[data-testid=place-none]").await?;
    c.click("[data-testid=place-new]").await?;
    c.wait_for("[data-testid=place-form]").await?;
    c.fill("[data-testid=place-name]", "Fittja träffpunkt").await?;
    c.fill("[data-testid=place-target-group]", "Unga 13–19 år").await?;
    c.click("[data-testid=place-age-band][value='13-15']").await?;
    c.click("[data-testid=place-age-band][value='16-19']").await?;
    c.fill("[data-testid=place-catchment]", "1200").await?;
    // Validation at the field: no name.
    c.fill("[data-testid=place-name]", " ").await?;
    c.click("[data-testid=place-settings-save]").await?;
    c.wait_for("[data-testid=place-settings-error][data-field=namn]").await?;
    c.fill("[data-testid=place-name]", "Fittja träffpunkt").await?;
    for (day, spans) in [
        (others[0], vec![("17:00", "21:00")]),
        (others[1], vec![("17:00", "21:00")]),
        (others[2], vec![("11:00", "14:00"), ("15:00", "18:00")]),
        (weekday, vec![("00:00", "23:59")]),
    ] {
        let day_css = format!("[data-testid=hours-day][data-weekday='{day}']");
        for (opens, closes) in &spans {
            c.click(&format!("{day_css} [data-testid=hours-add]")).await?;
            let n = c.count(&format!("{day_css} [data-testid=hours-opens]")).await? - 1;
            set_nth(&c, &format!("{day_css} [data-testid=hours-opens]"), n, opens).await?;
            set_nth(&c, &format!("{day_css} [data-testid=hours-closes]"), n, closes).await?;
        }
    }
    // Overlapping hours are refused next to the hours.
    let day_css = format!("[data-testid=hours-day][data-weekday='{}']", others[0]);
    c.click(&format!("{day_css} [data-testid=hours-add]")).await?;
    set_nth(&c, &format!("{day_css} [data-testid=hours-opens]"), 1, "18:00").await?;
    set_nth(&c, &format!("{day_css} [data-testid=hours-closes]"), 1, "19:00").await?;
    c.click("[data-testid=place-settings-save]").await?;
    c.wait_for("[data-testid=place-settings-error][data-field=öppettider]").await?;
    ensure!(c.text("[data-testid=place-settings-error][data-field=öppettider]").await?.contains("överlappar"));
    let removes = c.client.find_all(Locator::Css(&format!("{day_css} [data-testid=hours-remove]"))).await?;
    removes.last().context("the second span")?.click().await?;
    // Closed over Christmas.
    c.click("[data-testid=exception-add]").await?;
    let year = &today[..4];
    set_value(&c, "[data-testid=exception-from]", &format!("{year}-12-24")).await?;
    set_value(&c, "[data-testid=exception-to]", &format!("{year}-12-26")).await?;
    c.fill("[data-testid=exception-note]", "Julhelgen").await?;
    c.assert_accessible("set-up: a meeting place's form").await?;
    c.screenshots("setup-place-form").await?;
    c.click("[data-testid=place-settings-save]").await?;
    wait_text(&c, "[data-testid=place-settings-saved]", "Fittja träffpunkt").await?;
    c.wait_for("[data-testid=place-item]").await?;
    let place = Uuid::parse_str(&c.attr("[data-testid=place-item]", "data-place-id").await?.context("place id")?)?;
    c.assert_accessible("set-up: meeting places").await?;
    c.screenshots("setup-places").await?;

    // Partners: two, one a duplicate merged into the other.
    c.click("[data-testid=setup-tab-partners]").await?;
    c.wait_for("[data-testid=partner-add-form]").await?;
    for (name, kind) in
        [("Botkyrka kommun", "municipality"), ("Botkyrka kn", "municipality"), ("Fittjaskolan", "school")]
    {
        c.fill("[data-testid=setup-partner-name]", name).await?;
        c.select("[data-testid=setup-partner-kind]", kind).await?;
        c.click("[data-testid=setup-partner-add]").await?;
        wait_text(&c, "[data-testid=partner-notice]", name).await?;
    }
    // The same name again is refused at the name.
    c.fill("[data-testid=setup-partner-name]", "botkyrka kommun ").await?;
    c.click("[data-testid=setup-partner-add]").await?;
    c.wait_for("[data-testid=partner-error]").await?;
    let kommun = partner_id(&c, "Botkyrka kommun").await?;
    let duplicate = partner_id(&c, "Botkyrka kn").await?;
    let item = format!("[data-testid=partner-item][data-partner-id='{duplicate}']");
    c.click(&format!("{item} [data-testid=partner-merge]")).await?;
    c.select(&format!("{item} [data-testid=partner-merge-target]"), &kommun.to_string()).await?;
    c.click(&format!("{item} [data-testid=partner-merge-confirm]")).await?;
    wait_text(&c, "[data-testid=partner-notice]", "Sammanslaget").await?;
    c.wait_for(&format!("{item}[data-retired=true] [data-testid=partner-merged-into]")).await?;
    c.assert_accessible("set-up: partners").await?;
    c.screenshots("setup-partners").await?;

    // Two goals: visits per week at the new place (computed), and a share measured by hand monthly.
    c.click("[data-testid=setup-tab-goals]").await?;
    c.wait_for("[data-testid=goal-none]").await?;
    c.click("[data-testid=goal-new]").await?;
    c.wait_for("[data-testid=goal-form]").await?;
    c.select("[data-testid=goal-focus]", "crime").await?;
    c.fill("[data-testid=goal-title]", "Fler unga på träffpunkten").await?;
    c.select("[data-testid=goal-source]", "visits").await?;
    c.wait_for(&format!("[data-testid=goal-source-place] option[value='{place}']")).await?;
    c.select("[data-testid=goal-source-place]", &place.to_string()).await?;
    c.select("[data-testid=goal-source-per]", "week").await?;
    c.wait_for("[data-testid=goal-source-gender-note]").await?;
    wait_until("the unit offered", Duration::from_secs(5), || async {
        Ok(c.client.find(Locator::Css("[data-testid=goal-unit]")).await?.prop("value").await?.as_deref()
            == Some("besök per vecka"))
    })
    .await?;
    c.fill("[data-testid=goal-indicator]", "Besök på Fittja träffpunkt per vecka").await?;
    c.fill("[data-testid=goal-baseline]", "10").await?;
    c.fill("[data-testid=goal-target]", "8").await?;
    set_value(&c, "[data-testid=goal-target-date]", "2027-06-30").await?;
    // A target below the baseline of a goal that should increase: said at the target.
    c.click("[data-testid=goal-save]").await?;
    c.wait_for("[data-testid=goal-error][data-field=målvärde]").await?;
    c.fill("[data-testid=goal-target]", "25").await?;
    c.assert_accessible("set-up: a goal's form").await?;
    c.screenshots("setup-goal-form").await?;
    c.click("[data-testid=goal-save]").await?;
    wait_text(&c, "[data-testid=goal-saved]", "Fler unga på träffpunkten").await?;

    let months_ago = calendar::format_date(calendar::day_of(&today).unwrap() - 100);
    c.click("[data-testid=goal-new]").await?;
    c.wait_for("[data-testid=goal-form]").await?;
    c.select("[data-testid=goal-focus]", "school_results").await?;
    c.fill("[data-testid=goal-title]", "Fler i läxhjälpen klarar matematiken").await?;
    c.select("[data-testid=goal-source]", "manual").await?;
    c.select("[data-testid=goal-schedule]", "monthly").await?;
    c.fill("[data-testid=goal-indicator]", "Andel av läxhjälpens elever med godkänt i matematik").await?;
    c.fill("[data-testid=goal-unit]", "procent").await?;
    c.fill("[data-testid=goal-baseline]", "40").await?;
    set_value(&c, "[data-testid=goal-baseline-date]", &months_ago).await?;
    c.fill("[data-testid=goal-target]", "60").await?;
    set_value(&c, "[data-testid=goal-target-date]", "2027-06-30").await?;
    c.click("[data-testid=goal-save]").await?;
    wait_text(&c, "[data-testid=goal-saved]", "matematiken").await?;
    wait_until("two goals listed", Duration::from_secs(10), || async {
        Ok(c.count("[data-testid=goal-item]").await? == 2)
    })
    .await?;
    c.assert_accessible("set-up: goals").await?;
    c.screenshots("setup-goals").await?;
    let (_, pending) = c.sync_status().await?;
    ensure!(pending >= 7, "the set-up waits on the tablet: {pending} changes");

    // Back online: the set-up reaches the server.
    server.resume().await?;
    c.wait_synced(SYNC_WAIT).await?;
    let places: Vec<(Uuid, MeetingPlace)> = on_server(&server, lab, RecordKind::MeetingPlace)
        .await?
        .into_iter()
        .map(|(id, m)| Ok((id, serde_json::from_value(Value::Object(m))?)))
        .collect::<Result<_>>()?;
    ensure!(places.len() == 1 && places[0].0 == place);
    let p = &places[0].1;
    ensure!(p.opening_hours.len() == 5, "{:?}", p.opening_hours);
    ensure!(p.opening_hours.iter().filter(|h| h.weekday == others[2] as u8).count() == 2, "two spans on one day");
    ensure!(p.exceptions.len() == 1 && p.exceptions[0].spans.is_empty() && p.exceptions[0].note == "Julhelgen");
    ensure!(p.catchment_population == Some(1200));
    let partners: Vec<(Uuid, Partner)> = on_server(&server, lab, RecordKind::Partner)
        .await?
        .into_iter()
        .map(|(id, m)| Ok((id, serde_json::from_value(Value::Object(m))?)))
        .collect::<Result<_>>()?;
    ensure!(partners.iter().any(|(id, p)| *id == duplicate && p.merged_into == Some(kommun) && p.retired));
    let goals: Vec<(Uuid, Goal)> = on_server(&server, lab, RecordKind::Goal)
        .await?
        .into_iter()
        .map(|(id, m)| Ok((id, serde_json::from_value(Value::Object(m))?)))
        .collect::<Result<_>>()?;
    let auto = goals.iter().find(|(_, g)| g.source.is_some()).context("the automatic goal")?;
    ensure!(
        auto.1.source
            == Some(GoalSource::Visits {
                meeting_place_id: Some(place),
                per: GoalPeriod::Week,
                first_only: false,
                age_band: None,
                gender: None
            }),
        "{:?}",
        auto.1.source
    );
    let manual = goals.iter().find(|(_, g)| g.source.is_none()).context("the manual goal")?;
    ensure!(
        manual.1.schedule == Some(MeasureSchedule::Monthly)
            && manual.1.baseline_date.as_deref() == Some(months_ago.as_str())
    );
    c.close().await?;

    // Staff on their own tablet: the new place's counter.
    let s = Browser::start().await?;
    s.sign_in(&base, "ali", STAFF_PASSWORD).await?;
    s.wait_for("[data-testid=choose-place]").await?;
    ensure!(s.text("[data-testid=choose-place]").await?.contains("Fittja träffpunkt"));
    s.click("[data-testid=choose-place]").await?;
    s.wait_for("[data-testid=visit-button][data-age-band='13-15']").await?;
    ensure!(s.count("[data-testid=visit-button]").await? == 2, "the place's two age bands");
    for _ in 0..3 {
        s.click("[data-testid=visit-button][data-age-band='13-15']").await?;
    }
    s.click("[data-testid=first-visit]").await?;
    s.click("[data-testid=visit-button][data-age-band='16-19']").await?;
    s.click("[data-testid=visit-button][data-age-band='16-19']").await?;
    s.wait_visits_today(5, Duration::from_secs(10)).await?;
    s.wait_synced(SYNC_WAIT).await?;
    ensure!(server.visits(lab).await? == (5, 5));
    // Today the place is open: its evening is offered as an activity, ready to log.
    s.click("[data-testid=nav-activities]").await?;
    s.wait_for("[data-testid=activity-open-evening]").await?.click().await?;
    s.wait_for("[data-testid=activity-kind]").await?;
    ensure!(
        s.client.find(Locator::Css("[data-testid=activity-kind]")).await?.prop("value").await?.as_deref()
            == Some("open_evening")
    );
    s.click("[data-testid=activity-save]").await?;
    s.wait_for("[data-testid=activity-item]").await?;
    s.wait_for("[data-testid=activity-repeat-last][data-kind=open_evening]").await?;
    s.screenshots("staff-activities-repeat").await?;
    s.wait_synced(SYNC_WAIT).await?;
    s.close().await?;

    // The coordinator's Goals screen: the automatic goal's latest value from the staff's 5 visits
    // (this week, under way), the manual goal's missing measurements.
    let c = Browser::start_with(&coordinator_tablet).await?;
    c.client.goto(&base).await?;
    c.wait_for("[data-testid=nav-goals]").await?;
    c.wait_synced(SYNC_WAIT).await?;
    c.click("[data-testid=nav-goals]").await?;
    let auto_card = format!("[data-testid=goal-card][data-goal-id='{}']", auto.0);
    let manual_card = format!("[data-testid=goal-card][data-goal-id='{}']", manual.0);
    wait_until("the visits counted in the goal", Duration::from_secs(60), || async {
        Ok(c.text(&format!("{auto_card} [data-testid=goal-latest]"))
            .await
            .is_ok_and(|t| t.starts_with("5 besök per vecka")))
    })
    .await?;
    ensure!(c.text(&format!("{auto_card} [data-testid=goal-latest]")).await?.contains("pågår"));
    ensure!(
        c.text(&format!("{auto_card} [data-testid=goal-verdict]")).await? == "För få mätningar",
        "no verdict from one unfinished week"
    );
    ensure!(c.text(&format!("{manual_card} [data-testid=goal-missing]")).await?.starts_with("Mätning saknas"));
    ensure!(c.text(&format!("{manual_card} [data-testid=goal-latest]")).await? == "–");
    c.wait_for(&format!("{auto_card} [data-testid=goal-chart]")).await?;
    ensure!(c.text("[data-testid=goal-group] h2").await?.starts_with("Fittja träffpunkt"), "grouped by lab");
    c.assert_accessible("goals").await?;
    c.screenshots("goals-screen").await?;
    c.client.execute("document.querySelector('[data-testid=goal-chart]').scrollIntoView()", vec![]).await?;
    c.screenshot("goals-screen-chart").await?;
    // And the overview reminds.
    c.click("[data-testid=nav-overview]").await?;
    c.wait_for("[data-testid=lab-missing-measurements]").await?;
    ensure!(c.text("[data-testid=visits-last-year]").await? == "ingen data");
    c.screenshots("overview-new-lab").await?;
    c.close().await?;
    Ok(())
}

/// The id of the partner listed under `name`.
async fn partner_id(b: &Browser, name: &str) -> Result<Uuid> {
    for item in b.client.find_all(Locator::Css("[data-testid=partner-item]")).await? {
        if item.find(Locator::Css("strong")).await?.text().await? == name {
            return Ok(Uuid::parse_str(&item.attr("data-partner-id").await?.context("data-partner-id")?)?);
        }
    }
    bail!("no partner {name}")
}

/// Chromium's PDF of the page on A4, as the browser's own print does it.
async fn print_to_pdf(b: &Browser) -> Result<Vec<u8>> {
    let answer = b
        .client
        .issue_cmd(Cdp(
            "Page.printToPDF",
            json!({"paperWidth": 8.27, "paperHeight": 11.69, "preferCSSPageSize": true, "printBackground": false}),
        ))
        .await
        .context("CDP Page.printToPDF")?;
    let data = answer.get("data").and_then(Value::as_str).context("no PDF data")?;
    Ok(base64::engine::general_purpose::STANDARD.decode(data)?)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_labs_year_prints_on_three_a4_pages_with_the_header_on_each() -> Result<()> {
    let server = TestServer::start_with_demo_year().await?;
    let b = Browser::start().await?;
    b.sign_in(&server.url("/"), "samordnare", "samordnare").await?;
    b.wait_synced(Duration::from_secs(180)).await?;
    b.wait_for("[data-testid=lab-card]").await?;
    let dir = labblogg_e2e::screenshot_dir();
    std::fs::create_dir_all(&dir)?;
    for (lab, name, organisation) in [
        (labblogg_server::demo::LINA_HAGE, "Lina Hage", "Telge Bostäder"),
        (labblogg_server::demo::PORTALEN, "Portalen", "Hyresbostäder i Norrköping"),
        (labblogg_server::demo::BODEN, "Samverkan i Boden", "Bodenbo"),
        (labblogg_server::demo::RANNEBERGEN, "Vårt Rannebergen", "Bostadsbolaget i Rannebergen"),
    ] {
        b.click("[data-testid=nav-overview]").await?;
        let card = format!("[data-testid=lab-card][data-lab-id='{lab}']");
        b.wait_for(&card).await?;
        b.click(&format!("{card} [data-testid=open-lab]")).await?;
        b.wait_for("[data-testid=report-goal-table]").await?;
        wait_until("the charts", Duration::from_secs(30), || async {
            Ok(b.count("[data-testid=chart-visits-per-week] rect").await? > 10)
        })
        .await?;
        let header = b
            .client
            .find(Locator::Css("[data-testid=report-print-header]"))
            .await?
            .prop("textContent")
            .await?
            .unwrap_or_default();
        ensure!(header.contains(organisation) && header.contains(name) && header.contains("utskriven"), "{header}");
        if lab == labblogg_server::demo::LINA_HAGE {
            // For reviewers: the print rules on an A4-wide window (the PDF itself is saved below).
            b.client.issue_cmd(Cdp("Emulation.setEmulatedMedia", json!({"media": "print"}))).await?;
            b.client.set_window_size(794, 1123).await?;
            tokio::time::sleep(Duration::from_millis(300)).await;
            b.screenshot("steering-report-print-preview").await?;
            b.client.issue_cmd(Cdp("Emulation.setEmulatedMedia", json!({"media": ""}))).await?;
            b.client.set_window_size(768, 1024).await?;
        }
        let pdf = print_to_pdf(&b).await?;
        std::fs::write(dir.join(format!("report-{}.pdf", name.replace(' ', "-"))), &pdf)?;
        let pages = pdf::pages(&pdf)?;
        eprintln!("{name}: {} A4 pages", pages.len());
        ensure!((1..=3).contains(&pages.len()), "{name}'s year prints on {} pages", pages.len());
        let squeeze = |s: &str| s.chars().filter(|c| !c.is_whitespace()).collect::<String>();
        let wanted = squeeze(&format!("{organisation} · {name}"));
        for (i, text) in pages.iter().enumerate() {
            ensure!(
                squeeze(text).contains(&wanted),
                "page {} of {name} lacks the header {wanted:?}: {:?}",
                i + 1,
                &text[..text.len().min(300)]
            );
        }
        // Goals first, as numbers: the table comes before the charts on page 1.
        let first = squeeze(&pages[0]);
        let table = first.find("Utgångsläge").context("the goal table on page 1")?;
        let chart = first.find("Besökpervecka").unwrap_or(usize::MAX);
        ensure!(table < chart, "goals before charts");
        b.click("[data-testid=back-to-overview]").await?;
    }
    // With the appendix chosen it grows, and the report says so in the print.
    b.click("[data-testid=nav-overview]").await?;
    b.wait_for(&format!(
        "[data-testid=lab-card][data-lab-id='{}'] [data-testid=open-lab]",
        labblogg_server::demo::LINA_HAGE
    ))
    .await?
    .click()
    .await?;
    b.wait_for("[data-testid=report-appendix]").await?.click().await?;
    let with_appendix = pdf::pages(&print_to_pdf(&b).await?)?;
    ensure!(with_appendix.len() > 3, "the appendix adds pages: {}", with_appendix.len());
    b.assert_accessible("steering-group report").await?;
    b.screenshots("steering-report").await?;
    b.client.execute("document.querySelector('[data-testid=chart-goal]').scrollIntoView()", vec![]).await?;
    b.screenshot("steering-report-goal-chart").await?;
    // The Goals screen of a year: verdicts, projections, charts, a reminder.
    b.click("[data-testid=nav-goals]").await?;
    b.wait_for("[data-testid=goal-chart]").await?;
    ensure!(b.count("[data-testid=goal-group]").await? == 4, "grouped by lab");
    ensure!(
        b.count("[data-testid=goal-card][data-verdict=on-track], [data-testid=goal-card][data-verdict=off-track]")
            .await?
            >= 8
    );
    b.wait_for("[data-testid=goal-missing]").await?;
    b.assert_accessible("goals of a demo year").await?;
    b.screenshots("goals-screen-demo").await?;
    b.client.execute("document.querySelector('[data-testid=goal-chart]').scrollIntoView()", vec![]).await?;
    b.screenshot("goals-screen-demo-chart").await?;
    b.close().await?;
    Ok(())
}
