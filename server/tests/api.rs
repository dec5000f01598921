//! The server over real HTTP: each test starts its own server in this process
//! on 127.0.0.1:<port 0> with a fresh SQLite file and the demo data.

mod common;

use common::{expect_error, many_visits, new_visit, now_ms, visit_fields, Client, TestServer, LABS_AND_PLACES};
use labblogg_server::demo::{self, LINA_HAGE, PLACE_LINA_HAGE, PLACE_PORTALEN, PORTALEN};
use labblogg_shared::auth::{Role, UserInfo};
use labblogg_shared::error::ApiErrorCode;
use labblogg_shared::hlc::MAX_CLOCK_AHEAD_MS;
use labblogg_shared::sync::{RejectCode, MAX_BODY_BYTES, MAX_PUSH_CHANGES};
use labblogg_shared::{AgeBand, Change, Hlc, RecordKind, PROTOCOL_VERSION};
use reqwest::StatusCode;
use serde_json::{json, Map, Value};
use std::collections::{HashMap, HashSet};
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use uuid::Uuid;

fn fields(v: Value) -> Map<String, Value> {
    v.as_object().cloned().expect("an object")
}

/// The demo records a user of `labs` should see: each lab, its meeting place and the closing
/// poll's two questions every lab starts with.
fn demo_ids(labs: &[Uuid]) -> HashSet<Uuid> {
    use labblogg_shared::model::PollQuestion;
    use labblogg_shared::questions::builtin_id;
    LABS_AND_PLACES
        .iter()
        .filter(|(lab, _)| labs.contains(lab))
        .flat_map(|&(lab, place)| {
            [lab, place, builtin_id(lab, PollQuestion::FeltSafe), builtin_id(lab, PollQuestion::WantToReturn)]
        })
        .collect()
}

/// How many demo records there are: [`demo_ids`] of all four labs.
const DEMO_RECORDS: usize = 16;

/// Is a record with this id stored anywhere? (Asked as the coordinator of every lab.)
async fn stored_ids(server: &TestServer) -> HashSet<Uuid> {
    let coordinator = server.client("samordnare").await;
    coordinator.pull_all(0, 1000).await.records.iter().map(|r| r.state.id).collect()
}

// 1. Health and sign-in

#[tokio::test]
async fn healthz_answers_ok() {
    let server = TestServer::start().await;
    let resp = server.http.get(server.url("/healthz")).send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(resp.text().await.unwrap(), "ok");
}

#[tokio::test]
async fn readyz_answers_ready_when_the_database_does() {
    let server = TestServer::start().await;
    let resp = server.http.get(server.url("/readyz")).send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(resp.text().await.unwrap(), "ready");
}

#[tokio::test]
async fn login_returns_token_and_user_with_home_meeting_place() {
    let server = TestServer::start().await;
    let resp = server.login_response("personal", "personal", Uuid::now_v7()).await;
    assert_eq!(resp.status(), StatusCode::OK);
    let body: Value = resp.json().await.unwrap();
    let token = body["token"].as_str().expect("token");
    assert!(token.len() >= 32, "token too short: {token:?}");
    let user: UserInfo = serde_json::from_value(body["user"].clone()).unwrap();
    assert_eq!(user.username, "personal");
    assert_eq!(user.role, Role::Staff);
    assert_eq!(user.labs, vec![LINA_HAGE]);
    assert_eq!(user.home_meeting_place, Some(PLACE_LINA_HAGE));

    // The token signs the device in: /me answers with the same user.
    let me = server.http.get(server.url("/api/v1/me")).bearer_auth(token).send().await.unwrap();
    assert_eq!(me.status(), StatusCode::OK);
    assert_eq!(me.json::<UserInfo>().await.unwrap(), user);

    let coordinator = server.login_response("samordnare", "samordnare", Uuid::now_v7()).await;
    let body: Value = coordinator.json().await.unwrap();
    let user: UserInfo = serde_json::from_value(body["user"].clone()).unwrap();
    assert_eq!(user.role, Role::Coordinator);
    assert_eq!(user.labs.iter().copied().collect::<HashSet<_>>(), demo::ALL_LABS.into_iter().collect());
}

#[tokio::test]
async fn login_with_wrong_password_or_unknown_user_is_401_with_swedish_message() {
    let server = TestServer::start().await;
    for (username, password) in [("personal", "fel"), ("personal", ""), ("ingen-sadan", "personal")] {
        let resp = server.login_response(username, password, Uuid::now_v7()).await;
        let message = expect_error(resp, StatusCode::UNAUTHORIZED, ApiErrorCode::Unauthorized).await;
        assert_eq!(message, "Fel användarnamn eller lösenord.", "for {username}/{password}");
    }
}

#[tokio::test]
async fn api_without_or_with_garbage_token_is_401() {
    let server = TestServer::start().await;
    let device_id = Uuid::now_v7();
    let sync_body = json!({ "protocol": PROTOCOL_VERSION, "device_id": device_id, "cursor": 0 });
    let headers: [Option<&str>; 5] = [
        None,
        Some("Bearer not-a-real-token"),
        Some("Bearer "),
        Some("Basic cGVyc29uYWw6cGVyc29uYWw="),
        Some("garbage"),
    ];
    for auth in headers {
        let mut me = server.http.get(server.url("/api/v1/me"));
        let mut sync = server.http.post(server.url("/api/v1/sync")).json(&sync_body);
        if let Some(value) = auth {
            me = me.header(reqwest::header::AUTHORIZATION, value);
            sync = sync.header(reqwest::header::AUTHORIZATION, value);
        }
        let message =
            expect_error(me.send().await.unwrap(), StatusCode::UNAUTHORIZED, ApiErrorCode::Unauthorized).await;
        assert_eq!(message, "Du behöver logga in igen.");
        expect_error(sync.send().await.unwrap(), StatusCode::UNAUTHORIZED, ApiErrorCode::Unauthorized).await;
    }
    // An overlong token is refused before any lookup, the same way.
    let long = "x".repeat(4096);
    let resp = server.http.get(server.url("/api/v1/me")).bearer_auth(long).send().await.unwrap();
    expect_error(resp, StatusCode::UNAUTHORIZED, ApiErrorCode::Unauthorized).await;
}

// 2. Push and pull

#[tokio::test]
async fn pushed_visit_is_accepted_and_pulled_with_the_demo_records() {
    let server = TestServer::start().await;
    let staff = server.client("personal").await;
    let visit = new_visit(LINA_HAGE, PLACE_LINA_HAGE, Hlc { ms: now_ms(), counter: 0, node: 1 });
    let resp = staff.sync(&staff.request(0, vec![visit.clone()], None)).await;
    assert_eq!(resp.protocol, PROTOCOL_VERSION);
    assert_eq!(resp.results.len(), 1);
    assert_eq!(resp.results[0].change_id, visit.change_id);
    assert_eq!(resp.results[0].rejected, None);
    assert!(!resp.more);
    assert!(resp.server_time_ms.abs_diff(now_ms()) < 60_000);

    // Staff see their own lab: the lab, its meeting place and the new visit.
    let mut expected = demo_ids(&[LINA_HAGE]);
    expected.insert(visit.id);
    let got: HashSet<Uuid> = resp.records.iter().map(|r| r.state.id).collect();
    assert_eq!(got, expected);
    let stored = resp.records.iter().find(|r| r.state.id == visit.id).unwrap();
    assert_eq!(stored.state.kind, RecordKind::Visit);
    assert_eq!(stored.state.lab_id, LINA_HAGE);
    assert_eq!(stored.state.fields, visit.fields);
    assert!(stored.state.clocks.values().all(|&c| c == visit.hlc));
    assert_eq!(stored.state.deleted, None);
    assert_eq!(resp.cursor, resp.records.iter().map(|r| r.seq).max().unwrap());

    // The coordinator of all four labs sees all sixteen demo records and the visit.
    let coordinator = server.client("samordnare").await;
    let all = coordinator.pull_all(0, 1000).await;
    let mut expected = demo_ids(&demo::ALL_LABS);
    assert_eq!(expected.len(), DEMO_RECORDS);
    expected.insert(visit.id);
    assert_eq!(all.records.iter().map(|r| r.state.id).collect::<HashSet<_>>(), expected);
}

#[tokio::test]
async fn duplicate_delivery_of_a_push_is_accepted_and_stored_once() {
    let server = TestServer::start().await;
    let staff = server.client("personal").await;
    let visit = new_visit(LINA_HAGE, PLACE_LINA_HAGE, Hlc { ms: now_ms(), counter: 0, node: 1 });
    let first = staff.sync(&staff.request(0, vec![visit.clone()], None)).await;
    assert_eq!(first.results[0].rejected, None);

    // The answer was lost; the device sends the same change again.
    let again = staff.sync(&staff.request(first.cursor, vec![visit.clone()], None)).await;
    assert_eq!(again.results.len(), 1);
    assert_eq!(again.results[0].change_id, visit.change_id);
    assert_eq!(again.results[0].rejected, None, "a resent change is accepted");
    assert!(again.records.is_empty(), "nothing new after the previous cursor: {:?}", again.records);
    assert_eq!(again.cursor, first.cursor);

    let all = staff.pull_all(0, 1000).await;
    assert_eq!(all.count_of(visit.id), 1);
    assert_eq!(all.visits().count(), 1);
}

// 3. Reordering

#[tokio::test]
async fn lab_edits_arriving_newest_first_converge_to_newest_value_per_field() {
    let server = TestServer::start().await;
    let mut tablet = server.client("samordnare").await;
    let mut laptop = server.client("samordnare").await;
    let older_stamp = tablet.tick();
    tokio::time::sleep(Duration::from_millis(5)).await;
    let newer_stamp = laptop.tick();
    assert!(older_stamp < newer_stamp);

    let edit = |lab: Uuid, hlc: Hlc, f: Value| Change {
        change_id: Uuid::now_v7(),
        kind: RecordKind::Lab,
        id: lab,
        lab_id: lab,
        hlc,
        fields: fields(f),
        deleted: false,
        restore: false,
    };
    let older = |lab| edit(lab, older_stamp, json!({ "name": "Gammalt namn", "city": "Gammal ort" }));
    let newer = |lab| edit(lab, newer_stamp, json!({ "name": "Nytt namn", "question": "Ny fråga?" }));

    // Lina Hage gets the newest edit first, Boden in the order they were made.
    laptop.push_ok(vec![newer(LINA_HAGE)]).await;
    tablet.push_ok(vec![older(LINA_HAGE)]).await;
    tablet.push_ok(vec![older(demo::BODEN)]).await;
    laptop.push_ok(vec![newer(demo::BODEN)]).await;

    let pulled = tablet.pull_all(0, 1000).await;
    let by_id = pulled.by_id();
    let (lina, boden) = (&by_id[&LINA_HAGE].state, &by_id[&demo::BODEN].state);
    for lab in [lina, boden] {
        assert_eq!(lab.fields["name"], "Nytt namn", "the newest edit of a field wins");
        assert_eq!(lab.fields["city"], "Gammal ort", "a field only the older edit set keeps it");
        assert_eq!(lab.fields["question"], "Ny fråga?");
        assert_eq!(lab.clocks["name"], newer_stamp);
        assert_eq!(lab.clocks["city"], older_stamp);
        assert_eq!(lab.clocks["question"], newer_stamp);
    }
    // Fields neither edit touched are the demo values, the same as before.
    assert_eq!(lina.fields["organisation"], "Telge Bostäder");
    assert_eq!(boden.fields["organisation"], "Bodenbo");
    // Both orders end in the same state, field by field.
    let touched = ["name", "city", "question"];
    for f in touched {
        assert_eq!(lina.fields[f], boden.fields[f]);
        assert_eq!(lina.clocks[f], boden.clocks[f]);
    }
}

// 4. Undo and append-only visits

#[tokio::test]
async fn undoing_a_visit_with_a_tombstone_marks_it_deleted() {
    let server = TestServer::start().await;
    let mut staff = server.client("personal").await;
    let visit = new_visit(LINA_HAGE, PLACE_LINA_HAGE, staff.tick());
    staff.push_ok(vec![visit.clone()]).await;
    let before = staff.pull_all(0, 1000).await;

    let undo = Change {
        change_id: Uuid::now_v7(),
        kind: RecordKind::Visit,
        id: visit.id,
        lab_id: LINA_HAGE,
        hlc: staff.tick(),
        fields: Map::new(),
        deleted: true,
        restore: false,
    };
    let resp = staff.sync(&staff.request(before.cursor, vec![undo.clone()], None)).await;
    assert_eq!(resp.results[0].rejected, None);
    assert_eq!(resp.records.len(), 1, "the undone visit is pulled again");
    let record = &resp.records[0];
    assert_eq!(record.state.id, visit.id);
    assert_eq!(record.state.deleted, Some(undo.hlc));
    assert_eq!(record.state.fields, visit.fields, "the tombstone keeps the visit's fields");
    assert!(record.seq > before.cursor);

    let all = staff.pull_all(0, 1000).await;
    assert_eq!(all.count_of(visit.id), 1);
    assert_eq!(all.by_id()[&visit.id].state.deleted, Some(undo.hlc));
}

#[tokio::test]
async fn editing_a_stored_visit_is_rejected_as_conflict() {
    let server = TestServer::start().await;
    let mut staff = server.client("personal").await;
    let visit = new_visit(LINA_HAGE, PLACE_LINA_HAGE, staff.tick());
    staff.push_ok(vec![visit.clone()]).await;
    let before = staff.pull_all(0, 1000).await;

    let edit = Change {
        change_id: Uuid::now_v7(),
        kind: RecordKind::Visit,
        id: visit.id,
        lab_id: LINA_HAGE,
        hlc: staff.tick(),
        fields: fields(json!({ "age_band": AgeBand::Age6To12 })),
        deleted: false,
        restore: false,
    };
    assert_ne!(visit.fields["age_band"], edit.fields["age_band"]);
    let resp = staff.sync(&staff.request(before.cursor, vec![edit.clone()], None)).await;
    let rejected = resp.results[0].rejected.as_ref().expect("an edit of a visit is refused");
    assert_eq!(rejected.code, RejectCode::Conflict);
    assert!(!rejected.message.is_empty());
    assert!(resp.records.is_empty(), "nothing changed");
    let all = staff.pull_all(0, 1000).await;
    assert_eq!(all.by_id()[&visit.id].state.fields, visit.fields);
}

// 5. Rejection reasons

/// Push one change and return its rejection code (`None`: accepted).
async fn push_one(client: &Client, change: Change) -> Option<RejectCode> {
    let resp = client.push(vec![change.clone()]).await;
    assert_eq!(resp.results[0].change_id, change.change_id);
    resp.results[0].rejected.as_ref().map(|r| {
        assert!(!r.message.trim().is_empty());
        r.code
    })
}

#[tokio::test]
async fn staff_pushing_to_a_foreign_lab_is_rejected_for_permission() {
    let server = TestServer::start().await;
    let mut staff = server.client("personal").await;
    let visit = new_visit(PORTALEN, PLACE_PORTALEN, staff.tick());
    assert_eq!(push_one(&staff, visit.clone()).await, Some(RejectCode::Permission));
    assert!(!stored_ids(&server).await.contains(&visit.id), "nothing stored");
}

#[tokio::test]
async fn staff_pushing_a_lab_record_is_rejected_for_permission() {
    let server = TestServer::start().await;
    let mut staff = server.client("personal").await;
    let edit = Change {
        change_id: Uuid::now_v7(),
        kind: RecordKind::Lab,
        id: LINA_HAGE,
        lab_id: LINA_HAGE,
        hlc: staff.tick(),
        fields: fields(json!({ "name": "Kapat namn" })),
        deleted: false,
        restore: false,
    };
    assert_eq!(push_one(&staff, edit).await, Some(RejectCode::Permission));
    let all = staff.pull_all(0, 1000).await;
    assert_eq!(all.by_id()[&LINA_HAGE].state.fields["name"], "Lina Hage");
}

#[tokio::test]
async fn counter_settings_of_a_place_are_the_coordinators_and_validated_on_the_merged_place() {
    let server = TestServer::start().await;
    let settings = |hlc, value: Value| Change {
        change_id: Uuid::now_v7(),
        kind: RecordKind::MeetingPlace,
        id: PLACE_LINA_HAGE,
        lab_id: LINA_HAGE,
        hlc,
        fields: fields(value),
        deleted: false,
        restore: false,
    };
    // Staff count; they do not change how counting works.
    let mut staff = server.client("personal").await;
    let split = settings(staff.tick(), json!({ "gender_split": true }));
    assert_eq!(push_one(&staff, split).await, Some(RejectCode::Permission));

    // The coordinator switches both on: only these two fields change.
    let mut coordinator = server.client("samordnare").await;
    let on = settings(coordinator.tick(), json!({ "gender_split": true, "count_rule": "once_per_session" }));
    assert_eq!(push_one(&coordinator, on).await, None);
    let place = &coordinator.pull_all(0, 1000).await.by_id()[&PLACE_LINA_HAGE].state.fields.clone();
    assert_eq!((place["gender_split"].clone(), place["count_rule"].clone()), (json!(true), json!("once_per_session")));
    assert_eq!(place["name"], "Lina Hage mötesplats");

    // Once per session without opening hours has no sessions: refused, and an unknown rule too.
    let no_hours = settings(coordinator.tick(), json!({ "opening_hours": [] }));
    assert_eq!(push_one(&coordinator, no_hours).await, Some(RejectCode::Validation));
    let unknown = settings(coordinator.tick(), json!({ "count_rule": "sometimes" }));
    assert_eq!(push_one(&coordinator, unknown).await, Some(RejectCode::Validation));
    // Back to every entry, then the hours may go.
    let every = settings(coordinator.tick(), json!({ "count_rule": "every_entry" }));
    assert_eq!(push_one(&coordinator, every).await, None);
    let no_hours = settings(coordinator.tick(), json!({ "opening_hours": [] }));
    assert_eq!(push_one(&coordinator, no_hours).await, None);
}

#[tokio::test]
async fn change_stamped_ten_minutes_ahead_is_rejected_as_clock_ahead() {
    let server = TestServer::start().await;
    let staff = server.client("personal").await;
    let ahead = Hlc { ms: now_ms() + 10 * 60 * 1000, counter: 0, node: 1 };
    let visit = new_visit(LINA_HAGE, PLACE_LINA_HAGE, ahead);
    assert_eq!(push_one(&staff, visit.clone()).await, Some(RejectCode::ClockAhead));
    assert!(!stored_ids(&server).await.contains(&visit.id));
    // A little ahead (within the allowed skew) is fine.
    let slightly = Hlc { ms: now_ms() + MAX_CLOCK_AHEAD_MS / 2, counter: 0, node: 1 };
    assert_eq!(push_one(&staff, new_visit(LINA_HAGE, PLACE_LINA_HAGE, slightly)).await, None);
}

#[tokio::test]
async fn visit_with_impossible_date_is_rejected_for_validation() {
    let server = TestServer::start().await;
    let mut staff = server.client("personal").await;
    let mut visit = new_visit(LINA_HAGE, PLACE_LINA_HAGE, staff.tick());
    visit.fields = visit_fields(PLACE_LINA_HAGE, "2024-02-30", AgeBand::Age13To15);
    assert_eq!(push_one(&staff, visit.clone()).await, Some(RejectCode::Validation));
    assert!(!stored_ids(&server).await.contains(&visit.id));
}

#[tokio::test]
async fn visit_at_another_labs_meeting_place_is_rejected_for_validation() {
    let server = TestServer::start().await;
    let mut staff = server.client("personal").await;
    let mut coordinator = server.client("samordnare").await;
    let foreign_place = new_visit(LINA_HAGE, PLACE_PORTALEN, staff.tick());
    assert_eq!(push_one(&staff, foreign_place.clone()).await, Some(RejectCode::Validation));
    // Writing both labs does not make the place belong to another lab.
    let by_coordinator = new_visit(LINA_HAGE, PLACE_PORTALEN, coordinator.tick());
    assert_eq!(push_one(&coordinator, by_coordinator.clone()).await, Some(RejectCode::Validation));
    // Nor does a place that does not exist, or a lab used as a place.
    let unknown = new_visit(LINA_HAGE, Uuid::now_v7(), staff.tick());
    assert_eq!(push_one(&staff, unknown.clone()).await, Some(RejectCode::Validation));
    let lab_as_place = new_visit(LINA_HAGE, LINA_HAGE, staff.tick());
    assert_eq!(push_one(&staff, lab_as_place.clone()).await, Some(RejectCode::Validation));
    let stored = stored_ids(&server).await;
    for v in [foreign_place, by_coordinator, unknown, lab_as_place] {
        assert!(!stored.contains(&v.id));
    }
}

#[tokio::test]
async fn mixed_batch_stores_good_changes_and_answers_in_request_order() {
    let server = TestServer::start().await;
    let mut staff = server.client("personal").await;
    let good = |staff: &mut Client| new_visit(LINA_HAGE, PLACE_LINA_HAGE, staff.tick());
    let mut bad_date = good(&mut staff);
    bad_date.fields = visit_fields(PLACE_LINA_HAGE, "2024-02-30", AgeBand::Age6To12);
    let lab_edit = Change {
        change_id: Uuid::now_v7(),
        kind: RecordKind::Lab,
        id: LINA_HAGE,
        lab_id: LINA_HAGE,
        hlc: staff.tick(),
        fields: fields(json!({ "name": "X" })),
        deleted: false,
        restore: false,
    };
    let batch: Vec<(Change, Option<RejectCode>)> = vec![
        (good(&mut staff), None),
        (new_visit(PORTALEN, PLACE_PORTALEN, staff.tick()), Some(RejectCode::Permission)),
        (good(&mut staff), None),
        (
            new_visit(LINA_HAGE, PLACE_LINA_HAGE, Hlc { ms: now_ms() + 600_000, counter: 0, node: 9 }),
            Some(RejectCode::ClockAhead),
        ),
        (bad_date, Some(RejectCode::Validation)),
        (new_visit(LINA_HAGE, PLACE_PORTALEN, staff.tick()), Some(RejectCode::Validation)),
        (lab_edit, Some(RejectCode::Permission)),
        (good(&mut staff), None),
    ];
    let resp = staff.push(batch.iter().map(|(c, _)| c.clone()).collect()).await;
    let got: Vec<(Uuid, Option<RejectCode>)> =
        resp.results.iter().map(|r| (r.change_id, r.rejected.as_ref().map(|r| r.code))).collect();
    let want: Vec<(Uuid, Option<RejectCode>)> = batch.iter().map(|(c, code)| (c.change_id, *code)).collect();
    assert_eq!(got, want);

    let stored = stored_ids(&server).await;
    for (change, code) in &batch {
        if change.kind == RecordKind::Visit {
            assert_eq!(stored.contains(&change.id), code.is_none(), "{code:?}");
        }
    }
}

// 6. Malformed and oversized requests

/// A sync body with one good visit, as raw JSON bytes.
fn body_with_visit(client: &mut Client) -> (Vec<u8>, Change) {
    let visit = new_visit(LINA_HAGE, PLACE_LINA_HAGE, client.tick());
    let req = client.request(0, vec![visit.clone()], None);
    (serde_json::to_vec(&req).unwrap(), visit)
}

#[tokio::test]
async fn malformed_json_is_400_bad_request_and_stores_nothing() {
    let server = TestServer::start().await;
    let mut staff = server.client("personal").await;
    let (body, truncated) = body_with_visit(&mut staff);
    let resp = staff.post_sync_raw(body[..body.len() - 1].to_vec()).await;
    let message = expect_error(resp, StatusCode::BAD_REQUEST, ApiErrorCode::BadRequest).await;
    assert!(message.starts_with("Felaktig begäran"), "{message}");

    let (body, wrong_shape) = body_with_visit(&mut staff);
    let mut value: Value = serde_json::from_slice(&body).unwrap();
    value["cursor"] = json!("noll");
    let resp = staff.post_sync(&value).await;
    expect_error(resp, StatusCode::BAD_REQUEST, ApiErrorCode::BadRequest).await;

    let resp = staff.post_sync_raw(b"not json at all".to_vec()).await;
    expect_error(resp, StatusCode::BAD_REQUEST, ApiErrorCode::BadRequest).await;

    let stored = stored_ids(&server).await;
    assert!(!stored.contains(&truncated.id) && !stored.contains(&wrong_shape.id));
}

#[tokio::test]
async fn body_over_two_mib_is_413_and_body_at_the_limit_is_read() {
    let server = TestServer::start().await;
    let mut staff = server.client("personal").await;

    // Valid JSON padded with whitespace to one byte over the limit.
    let (mut body, too_big) = body_with_visit(&mut staff);
    body.resize(MAX_BODY_BYTES + 1, b' ');
    let resp = staff.post_sync_raw(body).await;
    expect_error(resp, StatusCode::PAYLOAD_TOO_LARGE, ApiErrorCode::PayloadTooLarge).await;

    // Exactly at the limit it is read and applied.
    let (mut body, at_limit) = body_with_visit(&mut staff);
    body.resize(MAX_BODY_BYTES, b' ');
    let resp = staff.post_sync_raw(body).await;
    assert_eq!(resp.status(), StatusCode::OK);

    let stored = stored_ids(&server).await;
    assert!(!stored.contains(&too_big.id));
    assert!(stored.contains(&at_limit.id));
}

#[tokio::test]
async fn wrong_protocol_version_is_409_protocol_mismatch() {
    let server = TestServer::start().await;
    let mut staff = server.client("personal").await;
    let visit = new_visit(LINA_HAGE, PLACE_LINA_HAGE, staff.tick());
    for protocol in [0, PROTOCOL_VERSION + 1] {
        let mut req = staff.request(0, vec![visit.clone()], None);
        req.protocol = protocol;
        let resp = staff.post_sync(&req).await;
        let message = expect_error(resp, StatusCode::CONFLICT, ApiErrorCode::ProtocolMismatch).await;
        assert!(message.contains("Ladda om"), "{message}");
    }
    assert!(!stored_ids(&server).await.contains(&visit.id));
}

#[tokio::test]
async fn more_than_500_changes_is_400_and_stores_nothing() {
    let server = TestServer::start().await;
    let staff = server.client("personal").await;
    let changes = many_visits(LINA_HAGE, PLACE_LINA_HAGE, 7, MAX_PUSH_CHANGES + 1);
    let ids: Vec<Uuid> = changes.iter().map(|c| c.id).collect();
    let resp = staff.post_sync(&staff.request(0, changes, None)).await;
    expect_error(resp, StatusCode::BAD_REQUEST, ApiErrorCode::BadRequest).await;
    let stored = stored_ids(&server).await;
    assert!(ids.iter().all(|id| !stored.contains(id)));
}

// 7. Pagination and lab isolation

/// How many visits the pagination test pushes: 200 full batches. Measured in a
/// debug build on two cores: about 23 s to push and 7-10 s to pull (the test
/// prints both). Drop to 20,000 if this ever takes over a minute.
const PAGINATION_VISITS: usize = 100_000;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pull_pages_through_many_visits_exactly_once_with_increasing_cursors() {
    let server = TestServer::start().await;
    let coordinator = server.client("samordnare").await;
    let started = Instant::now();
    let mut pushed: HashSet<Uuid> = HashSet::with_capacity(PAGINATION_VISITS);
    let node = labblogg_shared::hlc::node_of(coordinator.device_id);
    let batches = PAGINATION_VISITS / MAX_PUSH_CHANGES;
    for b in 0..batches {
        let (lab, place) = LABS_AND_PLACES[b % LABS_AND_PLACES.len()];
        let changes = many_visits(lab, place, node, MAX_PUSH_CHANGES);
        pushed.extend(changes.iter().map(|c| c.id));
        coordinator.push_ok(changes).await;
    }
    assert_eq!(pushed.len(), PAGINATION_VISITS);
    let pushed_in = started.elapsed();

    // A fresh device of the same user pulls everything, page by page.
    let fresh = server.client("samordnare").await;
    let started = Instant::now();
    let mut cursor = 0;
    let mut seen: HashMap<Uuid, usize> = HashMap::with_capacity(PAGINATION_VISITS + DEMO_RECORDS);
    let mut pages = 0;
    loop {
        let page = fresh.sync(&fresh.request(cursor, Vec::new(), Some(1000))).await;
        pages += 1;
        assert!(page.records.len() <= 1000);
        assert!(page.cursor > cursor, "cursor must strictly increase: {} after {cursor}", page.cursor);
        for r in &page.records {
            assert!(r.seq > cursor && r.seq <= page.cursor, "seq {} outside ({cursor}, {}]", r.seq, page.cursor);
            *seen.entry(r.state.id).or_default() += 1;
        }
        cursor = page.cursor;
        if !page.more {
            assert!(!page.records.is_empty() || pages == 1);
            break;
        }
        assert_eq!(page.records.len(), 1000, "a page with more after it is full");
    }
    let pulled_in = started.elapsed();
    assert!(seen.values().all(|&n| n == 1), "a record arrived twice");
    assert_eq!(seen.len(), PAGINATION_VISITS + DEMO_RECORDS, "every visit and the demo records");
    assert!(pushed.iter().all(|id| seen.contains_key(id)), "a pushed visit is missing");
    assert_eq!(pages, (PAGINATION_VISITS + DEMO_RECORDS).div_ceil(1000));

    // Past the end, nothing more.
    let after = fresh.sync(&fresh.request(cursor, Vec::new(), Some(1000))).await;
    assert!(after.records.is_empty() && !after.more);
    assert_eq!(after.cursor, cursor);
    eprintln!("pagination: pushed {PAGINATION_VISITS} visits in {pushed_in:?}, pulled {pages} pages in {pulled_in:?}");
}

#[tokio::test]
async fn pull_never_returns_another_labs_records() {
    let server = TestServer::start().await;
    let coordinator = server.client("samordnare").await;
    let staff = server.client("personal").await;
    let node = labblogg_shared::hlc::node_of(coordinator.device_id);
    let mut own = HashSet::new();
    // Interleave the labs so Lina Hage's records lie between everybody else's.
    for round in 0..10 {
        for (lab, place) in LABS_AND_PLACES {
            let changes = many_visits(lab, place, node, 25 + round);
            if lab == LINA_HAGE {
                own.extend(changes.iter().map(|c| c.id));
            }
            coordinator.push_ok(changes).await;
        }
    }
    let top = coordinator.pull_all(0, 1000).await.cursor;

    let pulled = staff.pull_all(0, 50).await;
    assert!(pulled.records.iter().all(|r| r.state.lab_id == LINA_HAGE), "a foreign record leaked");
    let ids: HashSet<Uuid> = pulled.records.iter().map(|r| r.state.id).collect();
    let mut expected = own.clone();
    expected.extend(demo_ids(&[LINA_HAGE]));
    assert_eq!(ids, expected);
    assert_eq!(pulled.records.len(), expected.len());
    assert_eq!(pulled.cursor, top, "staff's cursor moves past other labs' changes too");

    // Changes only in other labs: staff pull nothing, and their cursor still advances.
    coordinator.push_ok(many_visits(PORTALEN, PLACE_PORTALEN, node, 30)).await;
    let after = staff.sync(&staff.request(pulled.cursor, Vec::new(), Some(10))).await;
    assert!(after.records.is_empty() && !after.more);
    assert!(after.cursor > pulled.cursor);
}

// 8. Concurrency

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_clients_lose_no_update() {
    const CLIENTS: usize = 8;
    const BATCHES: usize = 50;
    const PER_BATCH: usize = 20;
    let server = TestServer::start().await;
    let mut clients = Vec::new();
    for _ in 0..CLIENTS {
        clients.push(server.client("samordnare").await);
    }
    let start = std::sync::Arc::new(tokio::sync::Barrier::new(CLIENTS));
    let mut tasks = Vec::new();
    for (i, client) in clients.into_iter().enumerate() {
        let start = start.clone();
        tasks.push(tokio::spawn(async move {
            let (lab, place) = LABS_AND_PLACES[i % LABS_AND_PLACES.len()];
            let node = labblogg_shared::hlc::node_of(client.device_id);
            let mut ids = Vec::with_capacity(BATCHES * PER_BATCH);
            start.wait().await;
            for _ in 0..BATCHES {
                let changes = many_visits(lab, place, node, PER_BATCH);
                ids.extend(changes.iter().map(|c| c.id));
                client.push_ok(changes).await;
            }
            ids
        }));
    }
    let mut pushed = HashSet::new();
    for t in tasks {
        pushed.extend(t.await.expect("client task"));
    }
    assert_eq!(pushed.len(), CLIENTS * BATCHES * PER_BATCH);

    let reader = server.client("samordnare").await;
    let all = reader.pull_all(0, 1000).await;
    let visits: Vec<Uuid> = all.visits().map(|r| r.state.id).collect();
    assert_eq!(visits.len(), 8000);
    assert_eq!(visits.iter().copied().collect::<HashSet<_>>(), pushed);
    let seqs: HashSet<u64> = all.records.iter().map(|r| r.seq).collect();
    assert_eq!(seqs.len(), all.records.len(), "every record has its own seq");
}

// 9. Restart

#[tokio::test]
async fn data_and_tokens_survive_a_restart() {
    let server = TestServer::start().await;
    let mut staff = server.client("personal").await;
    let visit = new_visit(LINA_HAGE, PLACE_LINA_HAGE, staff.tick());
    staff.push_ok(vec![visit.clone()]).await;
    let before = staff.pull_all(0, 1000).await;
    let (token, device_id, dir) = (staff.token.clone(), staff.device_id, server.dir());
    // Graceful shutdown; returns once the server has closed its listener and connections.
    server.stop().await;

    let server = TestServer::start_in(dir).await;
    let mut staff = Client::new(&server, token, device_id);
    let me = server.http.get(server.url("/api/v1/me")).bearer_auth(&staff.token).send().await.unwrap();
    assert_eq!(me.status(), StatusCode::OK, "the old token still works");
    assert_eq!(me.json::<UserInfo>().await.unwrap().username, "personal");

    let after = staff.pull_all(0, 1000).await;
    assert_eq!(after.records, before.records, "the same records, unchanged");
    assert_eq!(after.cursor, before.cursor);
    // Seeding the demo data again changed nothing the device must pull.
    let since = staff.sync(&staff.request(before.cursor, Vec::new(), None)).await;
    assert!(since.records.is_empty());

    // And the restarted server takes new changes.
    let second = new_visit(LINA_HAGE, PLACE_LINA_HAGE, staff.tick());
    staff.push_ok(vec![second.clone()]).await;
    let all = staff.pull_all(before.cursor, 1000).await;
    assert_eq!(all.records.iter().map(|r| r.state.id).collect::<Vec<_>>(), vec![second.id]);
    server.stop().await;
}

// 10. Interrupted push

/// The start of a raw HTTP/1.1 sync request whose body is `body_len` bytes.
fn raw_sync_head(server: &TestServer, token: &str, body_len: usize) -> String {
    format!(
        "POST /api/v1/sync HTTP/1.1\r\nHost: {}\r\nAuthorization: Bearer {token}\r\n\
         Content-Type: application/json\r\nContent-Length: {body_len}\r\n\r\n",
        server.addr
    )
}

#[tokio::test]
async fn interrupted_push_stores_nothing_and_resend_applies_it_once() {
    let server = TestServer::start().await;
    let staff = server.client("personal").await;
    let batch = many_visits(LINA_HAGE, PLACE_LINA_HAGE, labblogg_shared::hlc::node_of(staff.device_id), 200);
    let ids: Vec<Uuid> = batch.iter().map(|c| c.id).collect();
    let body = serde_json::to_vec(&staff.request(0, batch.clone(), None)).unwrap();

    // The connection drops half way through the body.
    let mut conn = tokio::net::TcpStream::connect(server.addr).await.unwrap();
    conn.write_all(raw_sync_head(&server, &staff.token, body.len()).as_bytes()).await.unwrap();
    conn.write_all(&body[..body.len() / 2]).await.unwrap();
    conn.flush().await.unwrap();
    // The server waits for the rest and answers nothing yet.
    let mut buf = [0u8; 256];
    let early = tokio::time::timeout(Duration::from_millis(300), conn.read(&mut buf)).await;
    assert!(early.is_err(), "server answered a half-sent request: {early:?}");
    drop(conn);
    tokio::time::sleep(Duration::from_millis(200)).await;

    let stored = stored_ids(&server).await;
    assert!(ids.iter().all(|id| !stored.contains(id)), "part of an interrupted batch was stored");

    // The device still has the batch in its outbox and sends it again, twice for good measure.
    for _ in 0..2 {
        let resp = staff.push(batch.clone()).await;
        assert!(resp.results.iter().all(|r| r.rejected.is_none()));
    }
    let all = staff.pull_all(0, 1000).await;
    for id in &ids {
        assert_eq!(all.count_of(*id), 1);
    }
    assert_eq!(all.visits().count(), ids.len());
}

#[tokio::test]
async fn push_whose_answer_is_lost_is_applied_once_on_resend() {
    let server = TestServer::start().await;
    let staff = server.client("personal").await;
    let batch = many_visits(LINA_HAGE, PLACE_LINA_HAGE, labblogg_shared::hlc::node_of(staff.device_id), 100);
    let body = serde_json::to_vec(&staff.request(0, batch.clone(), None)).unwrap();

    // The whole request goes out, but the connection drops before the answer is read.
    let mut conn = tokio::net::TcpStream::connect(server.addr).await.unwrap();
    conn.write_all(raw_sync_head(&server, &staff.token, body.len()).as_bytes()).await.unwrap();
    conn.write_all(&body).await.unwrap();
    conn.flush().await.unwrap();
    drop(conn);

    // The device cannot know whether it landed, so it sends the batch again.
    let resp = staff.push(batch.clone()).await;
    assert!(resp.results.iter().all(|r| r.rejected.is_none()));
    let all = staff.pull_all(0, 1000).await;
    for change in &batch {
        assert_eq!(all.count_of(change.id), 1);
    }
    assert_eq!(all.visits().count(), batch.len());
}

fn change_of(client: &mut Client, kind: RecordKind, id: Uuid, lab: Uuid, v: Value) -> Change {
    Change {
        change_id: Uuid::now_v7(),
        kind,
        id,
        lab_id: lab,
        hlc: client.tick(),
        fields: fields(v),
        deleted: false,
        restore: false,
    }
}

#[tokio::test]
async fn references_must_stay_in_the_lab_and_may_be_made_earlier_in_the_same_batch() {
    let server = TestServer::start().await;
    let mut staff = server.client("personal").await;
    let mut coord = server.client("samordnare").await;

    // A partner of another lab (made by the coordinator of both).
    let foreign_partner = Uuid::now_v7();
    let c = change_of(
        &mut coord,
        RecordKind::Partner,
        foreign_partner,
        PORTALEN,
        json!({"name": "Soroptimisterna", "kind": "ngo"}),
    );
    coord.push_ok(vec![c]).await;

    let activity = |partner: Uuid| json!({"kind": "fika", "title": "Fika", "date": "2026-11-19", "meeting_place_id": PLACE_LINA_HAGE.to_string(), "partner_ids": [partner.to_string()]});
    // Naming another lab's partner is refused, and nothing is stored.
    let a = change_of(&mut staff, RecordKind::Activity, Uuid::now_v7(), LINA_HAGE, activity(foreign_partner));
    let resp = staff.push(vec![a.clone()]).await;
    let r = resp.results[0].rejected.as_ref().expect("refused");
    assert_eq!(r.code, RejectCode::Validation);
    assert!(r.message.contains("Samverkanspartnern"), "{}", r.message);
    assert_eq!(staff.pull_all(0, 1000).await.count_of(a.id), 0);

    // A partner added inline and the activity naming it, in one batch: both accepted.
    let own_partner = Uuid::now_v7();
    let p = change_of(
        &mut staff,
        RecordKind::Partner,
        own_partner,
        LINA_HAGE,
        json!({"name": "Södertälje kommun", "kind": "municipality"}),
    );
    let a = change_of(&mut staff, RecordKind::Activity, Uuid::now_v7(), LINA_HAGE, activity(own_partner));
    staff.push_ok(vec![p, a.clone()]).await;

    // A measurement of a goal that does not exist is refused.
    let m = change_of(
        &mut staff,
        RecordKind::GoalMeasurement,
        Uuid::now_v7(),
        LINA_HAGE,
        json!({"goal_id": Uuid::now_v7().to_string(), "date": "2026-11-19", "value": 3}),
    );
    assert_eq!(staff.push(vec![m]).await.results[0].rejected.as_ref().map(|r| r.code), Some(RejectCode::Validation));
}
