//! Approved and locked months over the real HTTP API (issue #21): a change
//! dated in an approved month is refused with the `locked` reason and a
//! Swedish message, others pass; re-opening (with a reason) lets the same
//! changes through; the history shows the approval and the re-opening; the
//! lab report marks approved months and unconfirmed flagged values; the
//! research export can be limited to approved months. Run on SQLite here and
//! on PostgreSQL by api_postgres.rs.

mod common;

use common::{Client, TestServer};
use labblogg_server::demo::{LINA_HAGE, PLACE_LINA_HAGE};
use labblogg_shared::approval::{approval_id, month_name_sv};
use labblogg_shared::calendar;
use labblogg_shared::history::{HistoryOp, HistoryResponse};
use labblogg_shared::summary::{LabReport, ResearchRow};
use labblogg_shared::sync::RejectCode;
use labblogg_shared::{AgeBand, Change, RecordKind};
use reqwest::StatusCode;
use serde_json::{json, Value};
use uuid::Uuid;

fn change(client: &mut Client, kind: RecordKind, id: Uuid, fields: Value) -> Change {
    Change {
        change_id: Uuid::now_v7(),
        kind,
        id,
        lab_id: LINA_HAGE,
        hlc: client.tick(),
        fields: fields.as_object().cloned().unwrap_or_default(),
        deleted: false,
        restore: false,
    }
}

/// Today's local day, and the last month and the day it started (its 10th is a date in it).
fn months() -> (i64, String, String) {
    let today = calendar::local_day(common::now_ms() as i64);
    let last = calendar::month_label_of_index(calendar::month_index(today) - 1);
    let this = calendar::month_label(today);
    (today, last, this)
}

fn activity(client: &mut Client, date: &str, title: &str) -> Change {
    let fields = json!({
        "meeting_place_id": PLACE_LINA_HAGE, "kind": "fika", "title": title, "date": date,
        "participants": [{"age_band": "13-15", "count": 14}], "staff_hours": 2.0,
    });
    change(client, RecordKind::Activity, Uuid::now_v7(), fields)
}

fn approve(client: &mut Client, month: &str) -> Change {
    change(
        client,
        RecordKind::MonthApproval,
        approval_id(LINA_HAGE, month),
        json!({"month": month, "approved": true, "by": "Samordnare"}),
    )
}

fn codes(resp: &labblogg_shared::SyncResponse) -> Vec<Option<RejectCode>> {
    resp.results.iter().map(|r| r.rejected.as_ref().map(|r| r.code)).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_change_dated_in_an_approved_month_is_refused_until_it_is_re_opened_and_the_history_shows_both() {
    let server = TestServer::start().await;
    let mut staff = server.client("personal").await;
    let mut coordinator = server.client("samordnare").await;
    let (today, last, this) = months();
    let in_last = format!("{last}-10");
    let today_date = calendar::format_date(today);

    // Before the approval: an activity and a goal with a measurement in last month.
    let fika = activity(&mut staff, &in_last, "Fika");
    let goal_id = Uuid::now_v7();
    let goal = change(
        &mut coordinator,
        RecordKind::Goal,
        goal_id,
        json!({
            "focus_area": "crime", "title": "Trygghet", "indicator": "Andel trygga", "unit": "procent",
            "baseline": 70.0, "target": 90.0, "target_date": "2099-12-31", "direction": "up", "source": null,
        }),
    );
    coordinator.push_ok(vec![goal]).await;
    staff.push_ok(vec![fika.clone()]).await;

    // Staff may not approve; the coordinator approves last month (not this one, not yet over).
    let by_staff = approve(&mut staff, &last);
    assert_eq!(codes(&staff.push(vec![by_staff]).await), [Some(RejectCode::Permission)]);
    let early = approve(&mut coordinator, &this);
    let resp = coordinator.push(vec![early]).await;
    assert_eq!(codes(&resp), [Some(RejectCode::Validation)]);
    assert!(resp.results[0].rejected.as_ref().unwrap().message.contains("är inte slut än"));
    let c = approve(&mut coordinator, &last);
    coordinator.push_ok(vec![c]).await;

    // A late tablet's changes dated in last month: refused, each on its own; the rest pass.
    let visit = Change {
        fields: common::visit_fields(PLACE_LINA_HAGE, &in_last, AgeBand::Age13To15),
        ..change(&mut staff, RecordKind::Visit, Uuid::now_v7(), json!({}))
    };
    let late = vec![
        change(&mut staff, RecordKind::Activity, fika.id, json!({"notes": "Vi glömde fikat"})),
        activity(&mut staff, &in_last, "Läxhjälp"),
        visit,
        change(
            &mut staff,
            RecordKind::GoalMeasurement,
            Uuid::now_v7(),
            json!({"goal_id": goal_id, "date": in_last, "value": 80.0}),
        ),
        Change {
            deleted: true,
            fields: Default::default(),
            ..change(&mut staff, RecordKind::Activity, fika.id, json!({}))
        },
    ];
    let others = vec![
        activity(&mut staff, &today_date, "Fika i dag"),
        change(&mut staff, RecordKind::Partner, Uuid::now_v7(), json!({"name": "Biblioteket", "kind": "other"})),
    ];
    let resp = staff.push(late.iter().chain(&others).cloned().collect()).await;
    let l = Some(RejectCode::Locked);
    assert_eq!(codes(&resp), [l, l, l, l, l, None, None]);
    let message = resp.results[0].rejected.as_ref().unwrap().message.clone();
    let month = month_name_sv(&last);
    let expected = format!(
        "{}{} är godkänd för Lina Hage. Be samordnaren öppna månaden om något behöver ändras.",
        month[..1].to_uppercase(),
        &month[1..]
    );
    assert_eq!(message, expected);
    // The tablet learns of the approval from its pull.
    let pulled = staff.pull_all(0, 1000).await;
    let approval = pulled.by_id()[&approval_id(LINA_HAGE, &last)].state.clone();
    assert_eq!((approval.kind, approval.fields["approved"].clone()), (RecordKind::MonthApproval, json!(true)));
    assert!(pulled.by_id()[&fika.id].state.fields.get("notes").is_none_or(|n| n != "Vi glömde fikat"));

    // Staff may not re-open; a coordinator must give a reason.
    let reopen = |c: &mut Client, reason: &str| {
        change(
            c,
            RecordKind::MonthApproval,
            approval_id(LINA_HAGE, &last),
            json!({"approved": false, "reason": reason, "by": "Samordnare"}),
        )
    };
    let c = reopen(&mut staff, "Fel");
    assert_eq!(codes(&staff.push(vec![c]).await), [Some(RejectCode::Permission)]);
    let c = reopen(&mut coordinator, " ");
    assert_eq!(codes(&coordinator.push(vec![c]).await), [Some(RejectCode::Validation)]);
    let c = reopen(&mut coordinator, "En kväll saknades i rapporten");
    coordinator.push_ok(vec![c]).await;

    // The same changes, sent again as the tablet keeps them, go through now.
    staff.push_ok(late.clone()).await;
    let pulled = staff.pull_all(0, 1000).await;
    let by_id = pulled.by_id();
    assert_eq!(by_id[&fika.id].state.fields["notes"], "Vi glömde fikat");
    assert!(by_id[&fika.id].state.deleted.is_some());
    assert!(late[1..4].iter().all(|c| by_id.contains_key(&c.id)));

    // Approved again, it is locked again.
    let c = approve(&mut coordinator, &last);
    coordinator.push_ok(vec![c]).await;
    let again = activity(&mut staff, &in_last, "För sent");
    assert_eq!(codes(&staff.push(vec![again]).await), [l]);

    // The history: approved, re-opened with its reason, approved again, each by name.
    let url = server.url(&format!("/api/v1/history?record={}", approval_id(LINA_HAGE, &last)));
    let resp = server.http.get(&url).bearer_auth(&staff.token).send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    let history: HistoryResponse = resp.json().await.unwrap();
    assert_eq!(history.kind, RecordKind::MonthApproval);
    let ops: Vec<HistoryOp> = history.entries.iter().map(|e| e.op).collect();
    assert_eq!(ops, [HistoryOp::Create, HistoryOp::Edit, HistoryOp::Edit]);
    assert!(history.entries.iter().all(|e| e.by == "Samordnare"));
    let reopened = &history.entries[1];
    let field =
        |name: &str| reopened.changes.iter().find(|c| c.field == name).map(|c| (c.before.clone(), c.after.clone()));
    assert_eq!(field("approved"), Some((Some(json!(true)), json!(false))));
    assert_eq!(field("reason").map(|f| f.1), Some(json!("En kväll saknades i rapporten")));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_approval_is_never_deleted_and_belongs_to_its_month() {
    let server = TestServer::start().await;
    let mut coordinator = server.client("samordnare").await;
    let mut admin = server.client("admin").await;
    let (_, last, _) = months();
    let c = approve(&mut admin, &last);
    admin.push_ok(vec![c]).await;
    let delete = Change { deleted: true, fields: Default::default(), ..approve(&mut coordinator, &last) };
    let wrong_id = Change { id: Uuid::now_v7(), ..approve(&mut coordinator, &last) };
    let other_month = Change { id: approval_id(LINA_HAGE, "2020-01"), ..approve(&mut coordinator, &last) };
    let resp = coordinator.push(vec![delete, wrong_id, other_month]).await;
    let v = Some(RejectCode::Validation);
    assert_eq!(codes(&resp), [v, v, v]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_lab_report_marks_approved_months_and_unconfirmed_values_and_research_can_keep_to_approved_months() {
    let server = TestServer::start().await;
    let mut staff = server.client("personal").await;
    let mut coordinator = server.client("samordnare").await;
    let (today, last, this) = months();
    let before_last = calendar::month_label_of_index(calendar::month_index(today) - 2);
    // Six fikas in each of the two months (enough to be published: the export is protected).
    let mut batch: Vec<Change> =
        (0..6).map(|i| activity(&mut staff, &format!("{last}-10"), &format!("Fika {i}"))).collect();
    batch.extend((0..6).map(|i| activity(&mut staff, &format!("{before_last}-10"), &format!("Fika {i}"))));
    let mut typo = activity(&mut staff, &format!("{last}-12"), "Fika med 412");
    typo.fields.insert("participants".into(), json!([{"age_band": "13-15", "count": 412}]));
    typo.fields.insert("flag".into(), json!({"fields": ["participants"], "confirmed": false}));
    batch.push(typo.clone());
    staff.push_ok(batch).await;
    let c = approve(&mut coordinator, &last);
    coordinator.push_ok(vec![c]).await;

    let from = format!("{before_last}-01");
    let to = calendar::format_date(today);
    let token = coordinator.token.clone();
    let get = |query: String| {
        let (http, url, token) = (server.http.clone(), server.url(&format!("/api/v1/summary?{query}")), token.clone());
        async move {
            let resp = http.get(url).bearer_auth(token).send().await.unwrap();
            assert_eq!(resp.status(), StatusCode::OK);
            resp.text().await.unwrap()
        }
    };
    let report: LabReport =
        serde_json::from_str(&get(format!("kind=lab&lab={LINA_HAGE}&from={from}&to={to}")).await).unwrap();
    let months: Vec<(&str, bool)> = report.months.iter().map(|m| (m.month.as_str(), m.approved)).collect();
    assert_eq!(months, [(before_last.as_str(), false), (last.as_str(), true), (this.as_str(), false)]);
    // Lina Hage is open Tuesdays and Thursdays: last month had 8 or 9 sessions, none logged.
    let c = report.months[1].completeness;
    assert!((8..=10).contains(&c.sessions) && c.logged == 0 && c.closed == 0, "{c:?}");
    assert_eq!(report.unconfirmed.len(), 1);
    assert_eq!((report.unconfirmed[0].id, report.months[1].unconfirmed), (typo.id, 1));

    // The research export of approved months only: last month's activities, not the month before.
    let all: Vec<ResearchRow> = serde_json::from_str(&get(format!("kind=research&from={from}&to={to}")).await).unwrap();
    let approved: Vec<ResearchRow> =
        serde_json::from_str(&get(format!("kind=research&from={from}&to={to}&approved_only=true")).await).unwrap();
    let week_of = |date: String| calendar::week_label(calendar::day_of(&date).unwrap());
    let activities_in =
        |rows: &[ResearchRow], week: &str| rows.iter().filter(|r| r.week == week).map(|r| r.activities).sum::<u64>();
    let (last_week, earlier_week) = (week_of(format!("{last}-10")), week_of(format!("{before_last}-10")));
    assert!(activities_in(&all, &earlier_week) >= 3 && activities_in(&all, &last_week) >= 3, "{all:?}");
    assert!(activities_in(&approved, &last_week) >= 3, "{approved:?}");
    assert_eq!(activities_in(&approved, &earlier_week), 0, "{approved:?}");

    // A coordinator confirms the flagged value: no longer marked.
    let confirm = change(
        &mut coordinator,
        RecordKind::Activity,
        typo.id,
        json!({"flag": {"fields": ["participants"], "confirmed": true}}),
    );
    let resp = coordinator.push(vec![confirm]).await;
    // Last month is approved: even confirming waits for a re-opening.
    assert_eq!(codes(&resp), [Some(RejectCode::Locked)]);
    let reopen = change(
        &mut coordinator,
        RecordKind::MonthApproval,
        approval_id(LINA_HAGE, &last),
        json!({"approved": false, "reason": "Följa upp 412"}),
    );
    let confirm = change(
        &mut coordinator,
        RecordKind::Activity,
        typo.id,
        json!({"flag": {"fields": ["participants"], "confirmed": true}}),
    );
    coordinator.push_ok(vec![reopen, confirm]).await;
    let report: LabReport =
        serde_json::from_str(&get(format!("kind=lab&lab={LINA_HAGE}&from={from}&to={to}")).await).unwrap();
    assert!(report.unconfirmed.is_empty());
    assert!(report.months[1].reopened && report.months[1].reason == "Följa upp 412");
}
