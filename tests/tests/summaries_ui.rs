//! Coordinators' summaries in headless Chromium: the overview of the four
//! labs and a lab's report, computed on the device from the synced copy (so
//! they open offline too), with screenshots and an accessibility check.

use anyhow::{ensure, Result};
use labblogg_e2e::{wait_until, Browser, TestServer};
use labblogg_server::demo::{LINA_HAGE, PLACE_LINA_HAGE};
use labblogg_shared::auth::{CreateUserRequest, Role};
use labblogg_shared::model::{Activity, ActivityKind, ParticipantCount, Visit};
use labblogg_shared::summary::{self, Dataset, Disclosure, Period, ResearchRow};
use labblogg_shared::{calendar, AgeBand, Change, Hlc, RecordKind};
use std::time::Duration;
use uuid::Uuid;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_coordinator_sees_the_overview_and_a_lab_report_even_offline() -> Result<()> {
    let mut server = TestServer::start_with_demo_year().await?;
    let b = Browser::start().await?;
    b.sign_in(&server.url("/"), "samordnare", "samordnare").await?;
    // Coordinators land on the overview; the year of demo data syncs in pages
    // (meanwhile the overview shows the progress, not figures).
    b.wait_synced(Duration::from_secs(120)).await?;
    b.wait_for("[data-testid=lab-card]").await?;
    wait_until("four lab cards with visits", Duration::from_secs(30), || async {
        let cards = b.count("[data-testid=lab-card]").await?;
        Ok(cards == 4)
    })
    .await?;
    let violations = b.accessibility_violations().await?;
    ensure!(violations.is_empty(), "overview: {}", violations.join("\n"));
    b.screenshot("coordinator-overview-tablet-portrait").await?;

    // Lina Hage's report: charts and figures from a year of visits.
    let card = b
        .client
        .find(fantoccini::Locator::Css("[data-testid=lab-card][data-lab-id='01900000-0000-7000-8000-000000000004']"))
        .await?;
    card.find(fantoccini::Locator::Css("[data-testid=open-lab]")).await?.click().await?;
    b.wait_for("[data-testid=lab-report]").await?;
    wait_until("the report's charts", Duration::from_secs(30), || async {
        Ok(b.count("[data-testid=chart-visits-per-week] rect").await? > 10
            && b.count("[data-testid=chart-heatmap] rect").await? > 10)
    })
    .await?;
    let total: u64 = b
        .text("[data-testid=report-visits-total]")
        .await?
        .chars()
        .filter(char::is_ascii_digit)
        .collect::<String>()
        .parse()?;
    ensure!(total > 100, "a year of visits at Lina Hage, got {total}");
    let violations = b.accessibility_violations().await?;
    ensure!(violations.is_empty(), "lab report: {}", violations.join("\n"));
    b.screenshot("coordinator-lab-report-tablet-portrait").await?;
    b.client.set_window_size(1024, 768).await?;
    b.screenshot("coordinator-lab-report-tablet-landscape").await?;
    b.client.set_window_size(768, 1024).await?;

    // Comparison across labs.
    b.click("[data-testid=nav-compare]").await?;
    wait_until("four comparison rows", Duration::from_secs(20), || async {
        Ok(b.count("[data-testid=compare-row]").await? == 4)
    })
    .await?;
    let violations = b.accessibility_violations().await?;
    ensure!(violations.is_empty(), "comparison: {}", violations.join("\n"));
    b.screenshot("coordinator-compare-tablet-portrait").await?;

    // Offline, the overview is computed from the local copy (its URL opened
    // afresh: the service worker answers it with the app shell; a reload
    // would keep the comparison). Offline, the shell and the screens' chunks come from the
    // service worker, once it has cached the build.
    b.wait_service_worker().await?;
    server.stop().await?;
    b.client.goto(&server.url("/oversikt")).await?;
    b.wait_for("[data-testid=lab-card]").await?;
    wait_until("overview offline", Duration::from_secs(30), || async {
        Ok(b.count("[data-testid=lab-card]").await? == 4)
    })
    .await?;
    b.close().await?;
    Ok(())
}

/// Keep every file the page offers for download (`browser::download` makes a
/// Blob URL and clicks a link with a `download` name) instead of saving it.
async fn capture_downloads(b: &Browser) -> Result<()> {
    b.client
        .execute(
            "window.__downloads = [];
             const blobs = new Map();
             const create = URL.createObjectURL.bind(URL);
             URL.createObjectURL = (blob) => { const url = create(blob); blobs.set(url, blob); return url; };
             HTMLAnchorElement.prototype.click = function () {
                 if (this.download) window.__downloads.push({ name: this.download, blob: blobs.get(this.href) });
             };
             return true;",
            vec![],
        )
        .await?;
    Ok(())
}

/// The `i`th captured download: its file name, MIME type and raw bytes.
async fn download(b: &Browser, i: usize) -> Result<(String, String, Vec<u8>)> {
    wait_until(&format!("download {i}"), Duration::from_secs(10), || async {
        Ok(b.client.execute("return window.__downloads.length;", vec![]).await?.as_u64().unwrap_or(0) > i as u64)
    })
    .await?;
    let got = b
        .client
        .execute_async(
            "const done = arguments[arguments.length - 1];
             const d = window.__downloads[arguments[0]];
             d.blob.arrayBuffer().then(buf => done({ name: d.name, type: d.blob.type, bytes: Array.from(new Uint8Array(buf)) }));",
            vec![serde_json::json!(i)],
        )
        .await?;
    let bytes = got["bytes"]
        .as_array()
        .map(|a| a.iter().filter_map(|x| x.as_u64()).map(|x| x as u8).collect())
        .unwrap_or_default();
    Ok((
        got["name"].as_str().unwrap_or_default().to_owned(),
        got["type"].as_str().unwrap_or_default().to_owned(),
        bytes,
    ))
}

/// Store a record on the server as if a tablet of the lab had synced it.
async fn seed(server: &TestServer, kind: RecordKind, lab: Uuid, record: serde_json::Value) -> Result<()> {
    let serde_json::Value::Object(fields) = record else { anyhow::bail!("not an object") };
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH)?.as_millis() as u64;
    let change = Change {
        change_id: Uuid::now_v7(),
        kind,
        id: Uuid::now_v7(),
        lab_id: lab,
        hlc: Hlc { ms: now, counter: 0, node: 9 },
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
async fn a_coordinator_downloads_the_anonymised_research_export_offline() -> Result<()> {
    let started = std::time::Instant::now();
    let mut server = TestServer::start().await?;
    // Today at Lina Hage: 7 visits of 6–12 (2 first visits), 3 of 13–15, one fika for 6 with 2.5 staff hours.
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH)?.as_millis() as i64;
    let today = calendar::local_date(now);
    for (band, first) in [(AgeBand::Age6To12, true); 2]
        .into_iter()
        .chain([(AgeBand::Age6To12, false); 5])
        .chain([(AgeBand::Age13To15, false); 3])
    {
        let v = Visit {
            meeting_place_id: PLACE_LINA_HAGE,
            at_ms: now,
            date: today.clone(),
            age_band: band,
            gender: None,
            first_visit: first,
        };
        seed(&server, RecordKind::Visit, LINA_HAGE, serde_json::to_value(&v)?).await?;
    }
    let fika = Activity {
        meeting_place_id: Some(PLACE_LINA_HAGE),
        kind: ActivityKind::Fika,
        title: "Fika med läxhjälpen".into(),
        date: today.clone(),
        start_time: None,
        end_time: None,
        participants: vec![ParticipantCount { age_band: AgeBand::Age13To15, gender: None, count: 6 }],
        first_timers: 0,
        partner_ids: vec![],
        goal_ids: vec![],
        staff_hours: 2.5,
        volunteer_hours: 0.0,
        notes: "Fritext som aldrig ska lämna labbet".into(),
        lessons_learned: String::new(),
        poll: None,
        flag: None,
        answers: Vec::new(),
    };
    seed(&server, RecordKind::Activity, LINA_HAGE, serde_json::to_value(&fika)?).await?;
    let week = calendar::week_label(calendar::day_of(&today).expect("today is a date"));
    // What the export must say, by the shared code over the server's records: protected counts
    // (the Cell Key Method), which the app computes offline from its copy alike.
    let labs = labblogg_server::demo::ALL_LABS.to_vec();
    let input = server.state.store.summary_input(labs.clone()).await?;
    let ds = Dataset::from_states_and_tallies(&input.records, input.visits);
    let year = Period::last_twelve_months(&today).expect("a year");
    let expected: Vec<ResearchRow> = summary::research_export(&ds, &labs, &year);
    ensure!(expected.len() == 3, "6–12, 13–15 and the fika: {expected:?}");
    let compared = summary::compare(&ds, &labs, &year, None, Disclosure::Protected, &today);
    let lina_compared = compared.iter().find(|r| r.lab_id == LINA_HAGE).expect("Lina Hage compared").clone();

    let b = Browser::start().await?;
    b.sign_in(&server.url("/"), "samordnare", "samordnare").await?;
    b.wait_for("[data-testid=lab-card]").await?;
    b.wait_synced(Duration::from_secs(60)).await?;
    // Offline from here: the export is computed from the copy on the tablet. The comparison is a
    // chunk of its own (frontend/src/lazy.rs): offline it comes from the service worker.
    b.wait_service_worker().await?;
    server.stop().await?;
    b.click("[data-testid=nav-compare]").await?;
    b.wait_for("[data-testid=research-export]").await?;
    wait_until("three export rows", Duration::from_secs(20), || async {
        Ok(b.attr("[data-testid=research-rows]", "data-rows").await?.as_deref() == Some("3"))
    })
    .await?;
    b.assert_accessible("comparison with the research export").await?;
    b.client.execute("document.querySelector('[data-testid=research-export]').scrollIntoView()", vec![]).await?;
    b.screenshots("coordinator-research-export").await?;

    // Leaving Lina Hage out leaves nothing; taking it back restores the rows.
    let lina = format!("[data-testid=research-lab][value='{LINA_HAGE}']");
    b.click(&lina).await?;
    wait_until("no rows without Lina Hage", Duration::from_secs(10), || async {
        Ok(b.attr("[data-testid=research-rows]", "data-rows").await?.as_deref() == Some("0"))
    })
    .await?;
    b.click(&lina).await?;
    wait_until("rows back", Duration::from_secs(10), || async {
        Ok(b.attr("[data-testid=research-rows]", "data-rows").await?.as_deref() == Some("3"))
    })
    .await?;

    capture_downloads(&b).await?;
    b.click("[data-testid=research-csv]").await?;
    let (name, mime, bytes) = download(&b, 0).await?;
    ensure!(name.starts_with("labblogg-forskningsexport-") && name.ends_with(".csv"), "file name {name}");
    ensure!(mime.starts_with("text/csv"), "type {mime}");
    ensure!(bytes.starts_with(&[0xEF, 0xBB, 0xBF]), "UTF-8 byte order mark, for Excel");
    let text = String::from_utf8(bytes[3..].to_vec())?;
    let lines: Vec<&str> = text.split("\r\n").collect();
    assert_eq!(lines[0], "Labb;Vecka;Åldersgrupp;Aktivitetstyp;Besök;Förstagångsbesök;Aktiviteter;Deltagare");
    // 7 visits of 6–12 (2 first), 3 of 13–15, the fika's 1 activity and 6 participants: each
    // published with its noise, never 1 or 2; the method stated in the last line.
    assert_eq!(text, summary::research_csv(&expected).trim_start_matches('\u{feff}'));
    assert_eq!(lines[1], format!("Lina Hage;{week};6–12 år;;{};{};;", expected[0].visits, expected[0].first_visits));
    ensure!(expected[0].visits.abs_diff(7) <= 2 && expected[1].visits.abs_diff(3) <= 2, "{expected:?}");
    assert_eq!(lines[4], summary::PROTECTED_NOTE);
    assert_eq!(lines.len(), 6, "three rows, the note and the final line end: {text:?}");
    ensure!(!text.contains("Fritext") && !text.contains(&PLACE_LINA_HAGE.to_string()), "no free text, no ids");

    b.click("[data-testid=research-json]").await?;
    let (name, mime, bytes) = download(&b, 1).await?;
    ensure!(name.ends_with(".json") && mime == "application/json", "{name} {mime}");
    let rows: serde_json::Value = serde_json::from_slice(&bytes)?;
    assert_eq!(rows, serde_json::to_value(&expected)?, "the app's export equals the shared computation");

    // The comparison's CSV has the decimal comma (2.5 staff hours → "2,5").
    b.click("[data-testid=export-csv]").await?;
    let (name, _, bytes) = download(&b, 2).await?;
    // Named by its period, so two exports of different periods never overwrite each other (#16).
    assert_eq!(name, format!("jamforelse-{}--{}.csv", year.from, year.to));
    ensure!(bytes.starts_with(&[0xEF, 0xBB, 0xBF]), "comparison CSV has the byte order mark");
    let text = String::from_utf8(bytes[3..].to_vec())?;
    let lina_row = text.split("\r\n").find(|l| l.starts_with("Lina Hage;")).expect("Lina Hage's row");
    let c = &lina_compared;
    let cells = format!(";{};{};{};{};0;2,5;0,0;", c.visits, c.first_visits, c.activities, c.participants);
    ensure!(lina_row.contains(&cells), "comparison row {lina_row:?}, expected {cells}");
    ensure!(
        text.contains(summary::TOTAL_ROW_NAME) && text.contains(summary::PROTECTED_NOTE),
        "total row and note: {text:?}"
    );
    b.close().await?;

    // A researcher holds no records on the device: the same export comes from the server, online.
    server.resume().await?;
    let req = CreateUserRequest {
        username: "forskare".into(),
        display_name: "Forskare".into(),
        password: "forskare-losen".into(),
        role: Role::Researcher,
        labs: vec![],
        memberships: vec![],
        home_meeting_place: None,
    };
    labblogg_server::accounts::create_user(server.state.store.as_ref(), &labblogg_server::accounts::Actor::cli(), req)
        .await?;
    let b = Browser::start().await?;
    b.sign_in(&server.url("/"), "forskare", "forskare-losen").await?;
    b.wait_for("[data-testid=nav-compare]").await?;
    b.click("[data-testid=nav-compare]").await?;
    b.wait_for("[data-testid=research-from-server]").await?;
    b.assert_accessible("research export for a researcher").await?;
    capture_downloads(&b).await?;
    b.click("[data-testid=research-csv]").await?;
    let (name, _, bytes) = download(&b, 0).await?;
    ensure!(name.ends_with(".csv") && bytes.starts_with(&[0xEF, 0xBB, 0xBF]), "{name}");
    let text = String::from_utf8(bytes[3..].to_vec())?;
    let teens = &expected[1];
    ensure!(
        text.contains(&format!("Lina Hage;{week};13–15 år;;{};{};;", teens.visits, teens.first_visits)),
        "server export: {text:?}"
    );
    b.close().await?;
    server.stop().await?;
    eprintln!("research export: {:.1} s", started.elapsed().as_secs_f64());
    Ok(())
}
