//! `GET /api/v1/summary` over real HTTP: the server's figures equal what the
//! app computes from the same records with `labblogg_shared::summary`; who may
//! see which summary; the CSV downloads.

mod common;

use common::{expect_error, visit_fields, Client, TestServer};
use labblogg_server::auth::hash_password;
use labblogg_server::db::{self, Store, UserRow};
use labblogg_server::demo::{self, LINA_HAGE, PLACE_LINA_HAGE, PLACE_PORTALEN, PORTALEN};
use labblogg_server::demo_year;
use labblogg_shared::auth::Role;
use labblogg_shared::error::ApiErrorCode;
use labblogg_shared::model::{Activity, ActivityKind, AgeBand, FocusArea, ParticipantCount, Partner, PartnerKind};
use labblogg_shared::summary::{self, ComparisonRow, Dataset, Disclosure, Period, ResearchRow};
use labblogg_shared::{Change, RecordKind};
use reqwest::StatusCode;
use serde::Serialize;
use serde_json::Value;
use std::sync::Arc;
use std::time::Instant;
use uuid::Uuid;

/// The demo year ends the day before this.
const TODAY: &str = "2026-11-20";

/// A server on the demo labs (and, if `year`, the demo year) with a researcher account.
async fn server_with(year: bool) -> TestServer {
    let dir = Arc::new(tempfile::tempdir().expect("tempdir"));
    let store = db::open(&format!("sqlite://{}", common::db_path(&dir).display())).await.expect("open");
    demo::seed(store.as_ref()).await.expect("demo");
    if year {
        let start = Instant::now();
        demo_year::seed_year(store.as_ref(), TODAY).await.expect("demo year");
        eprintln!("seeded the demo year in {:?}", start.elapsed());
    }
    add_researcher(store.as_ref()).await;
    drop(store);
    TestServer::start_in(dir).await
}

async fn add_researcher(store: &dyn Store) {
    store
        .insert_user(UserRow {
            id: Uuid::now_v7(),
            username: "forskare".into(),
            display_name: "Forskare".into(),
            password_hash: hash_password("forskare").expect("hash"),
            role: Role::Researcher,
            memberships: vec![],
            home_meeting_place: None,
            disabled: false,
        })
        .await
        .expect("researcher");
}

async fn get(c: &Client, query: &str) -> reqwest::Response {
    c.http
        .get(format!("{}/api/v1/summary?{query}", c.base))
        .bearer_auth(&c.token)
        .send()
        .await
        .expect("summary request")
}

/// GET a summary that must succeed; its body as text.
async fn get_ok(c: &Client, query: &str) -> String {
    let resp = get(c, query).await;
    let status = resp.status();
    let body = resp.text().await.expect("body");
    assert_eq!(status, StatusCode::OK, "{query}: {body}");
    body
}

/// The server's JSON must be exactly what the app would compute.
fn assert_same<T: Serialize>(what: &str, server: &str, local: &T) {
    let local_text = serde_json::to_string(local).expect("serialize");
    if server != local_text {
        let (a, b): (Value, Value) =
            (serde_json::from_str(server).unwrap(), serde_json::from_str(&local_text).unwrap());
        assert_eq!(a, b, "{what}: server (left) and app (right) differ");
        panic!("{what}: same values, different text:\n{server}\n{local_text}");
    }
}

fn change<T: Serialize>(c: &mut Client, kind: RecordKind, lab: Uuid, data: &T) -> Change {
    let Value::Object(fields) = serde_json::to_value(data).expect("serialize") else { panic!("not an object") };
    Change {
        change_id: Uuid::now_v7(),
        kind,
        id: Uuid::now_v7(),
        lab_id: lab,
        hlc: c.tick(),
        fields,
        deleted: false,
        restore: false,
    }
}

/// Some records of this week, pushed through the sync API like a tablet
/// would: visits (one undone), a new partner and an activity naming it.
async fn push_this_week(c: &mut Client, goal_ids: Vec<Uuid>) {
    let mut changes = Vec::new();
    for (date, band) in
        [("2026-11-16", AgeBand::Age13To15), ("2026-11-17", AgeBand::Age6To12), (TODAY, AgeBand::Age13To15)]
    {
        let hlc = c.tick();
        changes.push(Change {
            change_id: Uuid::now_v7(),
            kind: RecordKind::Visit,
            id: Uuid::now_v7(),
            lab_id: LINA_HAGE,
            hlc,
            fields: visit_fields(PLACE_LINA_HAGE, date, band),
            deleted: false,
            restore: false,
        });
    }
    let undone = Change {
        change_id: Uuid::now_v7(),
        hlc: c.tick(),
        fields: Default::default(),
        deleted: true,
        ..changes[0].clone()
    };
    changes.push(undone);
    let partner = change(c, RecordKind::Partner, PORTALEN, &Partner::new("Stadsbiblioteket", PartnerKind::Other));
    let activity = Activity {
        meeting_place_id: Some(PLACE_PORTALEN),
        kind: ActivityKind::Lecture,
        title: "Föreläsning; \"Hur söker man jobb?\"".into(),
        date: "2026-11-18".into(),
        start_time: Some("10:00".into()),
        end_time: Some("11:30".into()),
        participants: vec![ParticipantCount { age_band: AgeBand::Age26To64, gender: None, count: 3 }],
        first_timers: 1,
        partner_ids: vec![partner.id],
        goal_ids,
        staff_hours: 1.5,
        volunteer_hours: 0.5,
        notes: String::new(),
        lessons_learned: "Biblioteket vill komma tillbaka i vår.".into(),
        poll: None,
        flag: None,
        answers: Vec::new(),
    };
    let activity = change(c, RecordKind::Activity, PORTALEN, &activity);
    changes.push(partner);
    changes.push(activity);
    c.push_ok(changes).await;
}

#[tokio::test]
async fn client_and_server_figures_match() {
    let server = server_with(true).await;
    let mut coordinator = server.client("samordnare").await;
    push_this_week(&mut coordinator, vec![demo_year::GOAL_PORTALEN_WORK]).await;

    // What the app holds after syncing: every record of its labs.
    let pulled = coordinator.pull_all(0, 1000).await;
    let ds = Dataset::from_states(pulled.records.iter().map(|r| &r.state));
    let visits: u64 = ds.visits.iter().map(|t| t.n).sum();
    assert!(visits > 10_000, "a year of visits: {visits}");
    let labs = demo::ALL_LABS.to_vec();
    let today = format!("today={TODAY}");

    let start = Instant::now();
    let body = get_ok(&coordinator, &format!("kind=overview&{today}")).await;
    eprintln!("overview over HTTP in {:?}", start.elapsed());
    let overview = summary::overview(&ds, &labs, TODAY);
    assert_same("overview", &body, &overview);
    let lina = overview.iter().find(|o| o.lab_id == LINA_HAGE).expect("Lina Hage");
    assert!(lina.visits_this_week >= 2, "the pushed visits count: {}", lina.visits_this_week);
    assert!(lina.goals.iter().any(|g| g.on_track.is_some()), "a year gives every goal a trend");

    let year = Period::last_twelve_months(TODAY).expect("date");
    for lab in labs.iter().copied() {
        let body = get_ok(&coordinator, &format!("kind=lab&lab={lab}&{today}")).await;
        let report = summary::lab_report(&ds, lab, &year, TODAY).expect("report");
        assert_same(&format!("report of {lab}"), &body, &report);
        assert!(report.visits_total > 1000 && !report.lessons.is_empty() && report.reach_per_1000.is_some());
        if lab == LINA_HAGE {
            // A goal counting one gender, from the tallies on the server and from the visits in the app.
            let girls =
                report.goals.iter().find(|g| g.goal_id == demo_year::GOAL_LINA_HAGE_GIRL_VISITS).expect("girls' goal");
            let all_visits =
                report.goals.iter().find(|g| g.goal_id == demo_year::GOAL_LINA_HAGE_VISITS).expect("visits' goal");
            assert!(girls.latest.is_some_and(|n| n > 10.0), "{girls:?}");
            assert!(girls.points.len() >= 10, "a year of months: {:?}", girls.points);
            assert!(girls.points.iter().all(|p| p.1 < 400.0) && all_visits.latest.is_some());
        }
    }
    // Across New Year, one week.
    let body = get_ok(&coordinator, &format!("kind=lab&lab={LINA_HAGE}&from=2025-12-22&to=2026-01-04&{today}")).await;
    let report = summary::lab_report(&ds, LINA_HAGE, &Period::new("2025-12-22", "2026-01-04"), TODAY).unwrap();
    assert_same("report over New Year", &body, &report);
    let weeks: Vec<&str> = report.visits_per_week.iter().map(|(w, _)| w.as_str()).collect();
    assert_eq!(weeks, ["2025-W52", "2026-W01"]);

    for focus in [None, Some(FocusArea::Crime), Some(FocusArea::LongTermUnemployment)] {
        let param = focus.map(|f| format!("&focus={}", serde_json::to_value(f).unwrap().as_str().unwrap()));
        let q = format!("kind=compare&from=2026-11-01&to=2026-11-20{}&{today}", param.unwrap_or_default());
        let body = get_ok(&coordinator, &q).await;
        let period = Period::new("2026-11-01", "2026-11-20");
        assert_same(&q, &body, &summary::compare(&ds, &labs, &period, focus, Disclosure::Protected, TODAY));
    }
    let body = get_ok(&coordinator, &format!("kind=research&from=2026-10-01&to=2026-11-20&{today}")).await;
    let rows = summary::research_export(&ds, &labs, &Period::new("2026-10-01", "2026-11-20"));
    assert_same("research", &body, &rows);
    server.stop().await;
}

/// No published count is 1 or 2 (the Cell Key Method's table never gives them).
fn protected(counts: impl IntoIterator<Item = u64>) -> bool {
    counts.into_iter().all(|n| n != 1 && n != 2)
}

#[tokio::test]
async fn who_sees_which_summary() {
    let server = server_with(false).await;
    let mut coordinator = server.client("samordnare").await;
    push_this_week(&mut coordinator, vec![]).await;
    let staff = server.client("personal").await;
    let researcher = server.client("forskare").await;
    let today = format!("today={TODAY}");

    // Researchers never see per-lab details (lessons are free text).
    for q in [format!("kind=lab&lab={LINA_HAGE}&{today}"), format!("kind=overview&{today}")] {
        expect_error(get(&researcher, &q).await, StatusCode::FORBIDDEN, ApiErrorCode::Forbidden).await;
    }
    // …but compare every lab, protected: Lina Hage's 2 visits show as 0 or 3.
    let q = format!("kind=compare&from=2026-11-01&to=2026-11-30&{today}");
    let rows: Vec<ComparisonRow> = serde_json::from_str(&get_ok(&researcher, &q).await).unwrap();
    let names: Vec<&str> = rows.iter().map(|r| r.name.as_str()).collect();
    assert_eq!(names, ["Portalen", "Samverkan i Boden", "Vårt Rannebergen", "Lina Hage"]);
    let lina = rows.iter().find(|r| r.lab_id == LINA_HAGE).unwrap();
    // Whatever the noise, the figures admit the true 2 (docs/PRIVACY.md's table) and are never 1 or 2.
    let admits = |published: u64, n: u64| labblogg_shared::disclosure::possible_true_counts(published).contains(&n);
    assert!(admits(lina.visits, 2) && admits(lina.first_visits, 2), "{lina:?}");
    let portalen = rows.iter().find(|r| r.lab_id == PORTALEN).unwrap();
    // One lecture with 3 participants: 0 or 3 activities, 3 to 5 participants; the partner (an
    // organisation) and the hours are exact.
    assert!(admits(portalen.activities, 1) && admits(portalen.participants, 3), "{portalen:?}");
    assert_eq!((portalen.partners, portalen.staff_hours, portalen.volunteer_hours), (1, 1.5, 0.5));
    assert!(rows.iter().all(|r| protected([r.visits, r.first_visits, r.activities, r.participants])));
    let q = format!("kind=research&from=2026-11-01&to=2026-11-30&{today}");
    let rows: Vec<ResearchRow> = serde_json::from_str(&get_ok(&researcher, &q).await).unwrap();
    assert!(!rows.is_empty());
    assert!(rows.iter().all(|r| protected([r.visits, r.first_visits, r.activities, r.participants])));

    // Coordinators see their own labs' exact counts in a report and the overview…
    let body = get_ok(&coordinator, &format!("kind=lab&lab={LINA_HAGE}&from=2026-11-01&to=2026-11-30&{today}")).await;
    let report: summary::LabReport = serde_json::from_str(&body).unwrap();
    assert_eq!((report.visits_total, report.first_visits), (2, 2));
    // …and protected counts when comparing (the comparison is what leaves the lab).
    let rows: Vec<ComparisonRow> = serde_json::from_str(
        &get_ok(&coordinator, &format!("kind=compare&from=2026-11-01&to=2026-11-30&{today}")).await,
    )
    .unwrap();
    assert_eq!(rows.len(), 4);
    assert!(rows.iter().all(|r| protected([r.visits, r.first_visits, r.activities, r.participants])));

    // Staff of Lina Hage: their lab only.
    expect_error(
        get(&staff, &format!("kind=lab&lab={PORTALEN}&{today}")).await,
        StatusCode::FORBIDDEN,
        ApiErrorCode::Forbidden,
    )
    .await;
    let overview: Vec<summary::LabOverview> =
        serde_json::from_str(&get_ok(&staff, &format!("kind=overview&{today}")).await).unwrap();
    assert_eq!(overview.iter().map(|o| o.lab_id).collect::<Vec<_>>(), [LINA_HAGE]);
    assert_eq!(overview[0].visits_this_week, 2);
    let rows: Vec<ComparisonRow> =
        serde_json::from_str(&get_ok(&staff, &format!("kind=compare&{today}")).await).unwrap();
    assert_eq!(rows.iter().map(|r| r.lab_id).collect::<Vec<_>>(), [LINA_HAGE]);

    // Signed out: 401. Nonsense: 400 with a reason.
    let anonymous = server.http.get(server.url("/api/v1/summary?kind=overview")).send().await.unwrap();
    expect_error(anonymous, StatusCode::UNAUTHORIZED, ApiErrorCode::Unauthorized).await;
    for q in [
        "kind=everything".to_owned(),
        "from=2026-01-01".to_owned(),
        format!("kind=lab&{today}"),
        format!("kind=lab&lab=not-a-uuid&{today}"),
        format!("kind=compare&from=2026-12-01&to=2026-11-01&{today}"),
        format!("kind=compare&from=2000-01-01&to=2026-11-01&{today}"),
        format!("kind=compare&focus=weather&{today}"),
        "kind=compare&today=2026-02-30".to_owned(),
        format!("kind=lab&lab={LINA_HAGE}&format=csv&{today}"),
        format!("kind=compare&format=xlsx&{today}"),
    ] {
        expect_error(get(&coordinator, &q).await, StatusCode::BAD_REQUEST, ApiErrorCode::BadRequest).await;
    }
    // Defaults: today's date in Stockholm and the twelve months before.
    get_ok(&coordinator, "kind=overview").await;
    get_ok(&researcher, "kind=compare").await;
    server.stop().await;
}

#[tokio::test]
async fn csv_downloads_for_excel() {
    let server = server_with(false).await;
    let mut coordinator = server.client("samordnare").await;
    push_this_week(&mut coordinator, vec![]).await;
    let researcher = server.client("forskare").await;
    let pulled = coordinator.pull_all(0, 1000).await;
    let ds = Dataset::from_states(pulled.records.iter().map(|r| &r.state));
    let period = Period::new("2026-11-01", "2026-11-30");

    let resp = get(&coordinator, &format!("kind=compare&from=2026-11-01&to=2026-11-30&today={TODAY}&format=csv")).await;
    assert_eq!(resp.status(), StatusCode::OK);
    let header = |name: &str| resp.headers().get(name).and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
    assert_eq!(header("content-type"), "text/csv; charset=utf-8");
    assert_eq!(header("content-disposition"), "attachment; filename=\"labblogg-jamforelse-2026-11-01-2026-11-30.csv\"");
    let bytes = resp.bytes().await.unwrap();
    assert_eq!(&bytes[..3], [0xEF, 0xBB, 0xBF], "a byte order mark, for Excel");
    let text = std::str::from_utf8(&bytes).unwrap();
    let p = Disclosure::Protected;
    let rows = summary::compare(&ds, &demo::ALL_LABS, &period, None, p, TODAY);
    let total = summary::comparison_total(&ds, &demo::ALL_LABS, &period, None, p, TODAY);
    let expected = summary::comparison_csv(&[rows.clone(), vec![total.clone()]].concat(), p);
    assert_eq!(text, expected);
    let lines: Vec<&str> = text.trim_start_matches('\u{feff}').split("\r\n").collect();
    assert_eq!(lines.len(), 8, "a header, four labs, the total, the note and the final line end: {lines:?}");
    assert!(lines[0].starts_with("Labb;Fokusområden;Besök;"));
    let portalen = &rows[0];
    assert_eq!(
        lines[1],
        format!(
            "Portalen;Minska långtidsarbetslösheten;0;0;{};{};1;1,5;0,5;0;0",
            portalen.activities, portalen.participants
        )
    );
    assert!(lines[5].starts_with(&format!("{};;{};", summary::TOTAL_ROW_NAME, total.visits)), "{}", lines[5]);
    assert!(lines[6].starts_with("\"Not: Besök") || lines[6].starts_with("Not: Besök"), "{}", lines[6]);

    let resp = get(&researcher, &format!("kind=research&from=2026-11-01&to=2026-11-30&today={TODAY}&format=csv")).await;
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(
        resp.headers().get("content-disposition").unwrap(),
        "attachment; filename=\"labblogg-forskningsexport-2026-11-01-2026-11-30.csv\""
    );
    let text = resp.text().await.unwrap();
    assert!(text
        .starts_with("\u{feff}Labb;Vecka;Åldersgrupp;Aktivitetstyp;Besök;Förstagångsbesök;Aktiviteter;Deltagare\r\n"));
    let all_labs = researcher_labs(&ds);
    assert_eq!(text, summary::research_csv(&summary::research_export(&ds, &all_labs, &period)));
    assert!(text.contains(summary::PROTECTED_NOTE), "the method in a note line: {text}");
    assert!(!text.contains("Hur söker man jobb") && !text.contains("Biblioteket"), "no free text");
    server.stop().await;
}

/// The labs a researcher's export covers: every lab, in the dataset's order.
fn researcher_labs(ds: &Dataset) -> Vec<Uuid> {
    ds.labs.iter().map(|l| l.id).collect()
}
