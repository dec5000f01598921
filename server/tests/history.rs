//! Deleting, restoring and the history over the real HTTP API (issue #17): a
//! stolen staff token deletes nothing it may not, a coordinator restores in
//! one action what it could delete, unknown keys never reach anyone, and a
//! record's history names who changed what. Run on SQLite here and on
//! PostgreSQL by api_postgres.rs.

mod common;

use common::{Client, TestServer};
use labblogg_server::demo::{LINA_HAGE, PLACE_LINA_HAGE, PORTALEN};
use labblogg_shared::history::{HistoryOp, HistoryResponse, RestoreRequest, RestoreResponse};
use labblogg_shared::sync::RejectCode;
use labblogg_shared::{AgeBand, Change, Hlc, RecordKind};
use reqwest::StatusCode;
use serde_json::{json, Value};
use uuid::Uuid;

fn change(client: &mut Client, kind: RecordKind, id: Uuid, lab: Uuid, fields: Value) -> Change {
    Change {
        change_id: Uuid::now_v7(),
        kind,
        id,
        lab_id: lab,
        hlc: client.tick(),
        fields: fields.as_object().cloned().unwrap_or_default(),
        deleted: false,
        restore: false,
    }
}

fn activity(client: &mut Client, title: &str) -> Change {
    let fields = json!({
        "meeting_place_id": PLACE_LINA_HAGE, "kind": "fika", "title": title, "date": "2026-11-19",
        "participants": [{"age_band": "13-15", "count": 14}], "staff_hours": 2.0,
    });
    change(client, RecordKind::Activity, Uuid::now_v7(), LINA_HAGE, fields)
}

fn visit(client: &mut Client) -> Change {
    let fields = common::visit_fields(PLACE_LINA_HAGE, "2026-11-19", AgeBand::Age13To15);
    Change { fields, ..change(client, RecordKind::Visit, Uuid::now_v7(), LINA_HAGE, json!({})) }
}

/// A tombstone for `c`'s record, stamped `hlc`.
fn tombstone(c: &Change, hlc: Hlc) -> Change {
    Change { change_id: Uuid::now_v7(), hlc, fields: Default::default(), deleted: true, ..c.clone() }
}

/// Push in batches of 500; the refusals' codes, in order.
async fn push_all(client: &Client, changes: Vec<Change>) -> Vec<Option<RejectCode>> {
    let mut codes = Vec::new();
    for batch in changes.chunks(500) {
        let resp = client.push(batch.to_vec()).await;
        codes.extend(resp.results.into_iter().map(|r| r.rejected.map(|r| r.code)));
    }
    codes
}

fn count(codes: &[Option<RejectCode>], code: Option<RejectCode>) -> usize {
    codes.iter().filter(|c| **c == code).count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stolen_staff_token_deletes_only_what_it_may_and_a_coordinator_restores_it_in_one_action() {
    let server = TestServer::start().await;
    let mut coordinator = server.client("samordnare").await;
    let mut stolen = server.client("personal").await;
    let mut theirs: Vec<Change> = (0..500).map(|_| visit(&mut coordinator)).collect();
    theirs.extend((0..100).map(|i| activity(&mut coordinator, &format!("Fika {i}"))));
    assert_eq!(count(&push_all(&coordinator, theirs.clone()).await, None), 600);
    let mut own: Vec<Change> = (0..20).map(|_| visit(&mut stolen)).collect();
    own.extend((0..5).map(|i| activity(&mut stolen, &format!("Läxhjälp {i}"))));
    assert_eq!(count(&push_all(&stolen, own.clone()).await, None), 25);
    let started = common::now_ms();

    // The attack of the issue: tombstones stamped in 1970 for everything.
    let in_1970 = Hlc { ms: 1_000, counter: 0, node: 1 };
    let codes = push_all(&stolen, theirs.iter().chain(&own).map(|c| tombstone(c, in_1970)).collect()).await;
    assert_eq!(count(&codes, None), 0, "a delete stamped before its record is refused");
    // The same with today's stamps: only the token's own records go.
    let now: Vec<Change> = theirs.iter().chain(&own).map(|c| tombstone(c, stolen.tick())).collect();
    let codes = push_all(&stolen, now).await;
    assert_eq!(count(&codes[..600], Some(RejectCode::Permission)), 600, "others' records stay");
    assert_eq!(count(&codes[600..], None), 25, "its own it may delete");

    let all = coordinator.pull_all(0, 1000).await;
    let by_id = all.by_id();
    let deleted = |changes: &[Change]| changes.iter().filter(|c| by_id[&c.id].state.deleted.is_some()).count();
    assert_eq!((deleted(&theirs), deleted(&own)), (0, 25));
    assert!(own.iter().all(|c| !by_id[&c.id].state.fields.is_empty()), "a delete keeps the fields");

    // Staff may not restore; the lab's coordinator restores all of it in one action.
    let ask =
        RestoreRequest { lab_id: Some(LINA_HAGE), device_id: Some(stolen.device_id), user_id: None, since_ms: started };
    let resp =
        server.http.post(server.url("/api/v1/restore")).bearer_auth(&stolen.token).json(&ask).send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::FORBIDDEN);
    let other_lab = RestoreRequest { lab_id: Some(Uuid::now_v7()), ..ask.clone() };
    let resp = server
        .http
        .post(server.url("/api/v1/restore"))
        .bearer_auth(&coordinator.token)
        .json(&other_lab)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::FORBIDDEN);
    let resp = server
        .http
        .post(server.url("/api/v1/restore"))
        .bearer_auth(&coordinator.token)
        .json(&ask)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    let restored: RestoreResponse = resp.json().await.unwrap();
    assert_eq!((restored.restored, restored.refused), (25, 0));

    // Back on every device: a fresh pull holds all 625 live, with their fields: 0 lost.
    let fresh = server.client("samordnare").await;
    let pulled = fresh.pull_all(0, 1000).await;
    let by_id = pulled.by_id();
    let lost = theirs
        .iter()
        .chain(&own)
        .filter(|c| by_id.get(&c.id).is_none_or(|r| r.state.deleted.is_some() || r.state.fields.is_empty()))
        .count();
    println!("mass delete with a staff token: 1,250 tombstones sent, 25 accepted (its own), 25 restored in one action, {lost} lost");
    assert_eq!(lost, 0);
    // A stale tablet's late tombstone (older than the restore) changes nothing.
    let late = tombstone(&own[0], Hlc { ms: started, counter: 0, node: 77 });
    assert_eq!(push_all(&stolen, vec![late]).await, vec![None], "an old delete is merged, not refused");
    assert!(stolen.pull_all(0, 1000).await.by_id()[&own[0].id].state.deleted.is_none());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_keys_are_refused_and_never_reach_anyone() {
    let server = TestServer::start().await;
    let mut staff = server.client("personal").await;
    let mut coordinator = server.client("samordnare").await;
    let draft = Uuid::now_v7();
    let body = json!({
        "title": "Läxhjälp", "organisation": "Telge Bostäder", "focus_areas": ["school_results"],
        "what_was_done": "Fika först, sedan läxor.", "review": "draft",
        "anteckning": "Ring Ali 070-123 45 67, pnr 811218-9876",
    });
    let c = change(&mut staff, RecordKind::GoodExample, draft, LINA_HAGE, body);
    let resp = staff.push(vec![c]).await;
    let refusal = resp.results[0].rejected.clone().expect("an unknown key is refused");
    assert_eq!(refusal.code, RejectCode::Validation);
    assert!(refusal.message.contains("anteckning") && refusal.message.contains("okänt fält"), "{}", refusal.message);
    // Nested too, and on every kind.
    let mut a = activity(&mut staff, "Fika");
    a.fields.insert("participants".into(), json!([{"age_band": "13-15", "count": 3, "namn": "Sara"}]));
    let resp = staff.push(vec![a.clone()]).await;
    assert!(resp.results[0].rejected.as_ref().is_some_and(|r| r.message.contains("participants[0].namn")));
    // Nothing of either was stored, so nothing is pulled or published.
    let pulled = coordinator.pull_all(0, 1000).await;
    assert_eq!((pulled.count_of(draft), pulled.count_of(a.id)), (0, 0));
    let publish = change(
        &mut coordinator,
        RecordKind::GoodExample,
        draft,
        LINA_HAGE,
        json!({"review": "published", "published_on": "2026-11-23"}),
    );
    let resp = coordinator.push(vec![publish]).await;
    assert!(resp.results[0].rejected.is_some(), "nothing to publish: the draft was never stored");
    assert_eq!(coordinator.pull_all(0, 1000).await.count_of(draft), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_records_history_names_who_changed_what() {
    let server = TestServer::start().await;
    let mut staff = server.client("personal").await;
    let mut coordinator = server.client("samordnare").await;
    let fika = activity(&mut staff, "Fika med läxhjälp");
    staff.push_ok(vec![fika.clone()]).await;
    let edit = change(
        &mut coordinator,
        RecordKind::Activity,
        fika.id,
        LINA_HAGE,
        json!({"participants": [{"age_band": "13-15", "count": 16}]}),
    );
    coordinator.push_ok(vec![edit]).await;
    let delete = tombstone(&fika, staff.tick());
    staff.push_ok(vec![delete]).await;
    // Restoring is the coordinator's: by a restore change, as the app's Papperskorg sends it.
    let restore = Change { restore: true, ..change(&mut staff, RecordKind::Activity, fika.id, LINA_HAGE, json!({})) };
    assert_eq!(
        staff.push(vec![restore.clone()]).await.results[0].rejected.as_ref().map(|r| r.code),
        Some(RejectCode::Permission)
    );
    let restore = Change { hlc: coordinator.tick(), change_id: Uuid::now_v7(), ..restore };
    coordinator.push_ok(vec![restore]).await;

    let url = server.url(&format!("/api/v1/history?record={}", fika.id));
    let resp = server.http.get(&url).bearer_auth(&coordinator.token).send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    let text = resp.text().await.unwrap();
    let history: HistoryResponse = serde_json::from_str(&text).unwrap();
    assert_eq!(history.lab, "Lina Hage");
    let ops: Vec<HistoryOp> = history.entries.iter().map(|e| e.op).collect();
    assert_eq!(ops, [HistoryOp::Create, HistoryOp::Edit, HistoryOp::Delete, HistoryOp::Restore]);
    let by: Vec<&str> = history.entries.iter().map(|e| e.by.as_str()).collect();
    assert_eq!(by, ["Personal Lina Hage", "Samordnare", "Personal Lina Hage", "Samordnare"]);
    let edit = &history.entries[1];
    assert_eq!(edit.changes.len(), 1);
    assert_eq!(edit.changes[0].field, "participants");
    assert_eq!(edit.changes[0].before, Some(json!([{"age_band": "13-15", "count": 14}])));
    assert!(edit.device.contains("Samordnare") && edit.device.contains("loggade in"), "{}", edit.device);
    // Names, never ids: the only id in the answer is the record's own.
    for id in [staff.device_id, coordinator.device_id] {
        assert!(!text.contains(&id.to_string()), "{text}");
    }

    // Another lab's record is not there for someone outside it.
    let mut portalen_coordinator = coordinator;
    let partner = change(
        &mut portalen_coordinator,
        RecordKind::Partner,
        Uuid::now_v7(),
        PORTALEN,
        json!({"name": "Biblioteket", "kind": "other"}),
    );
    portalen_coordinator.push_ok(vec![partner.clone()]).await;
    let url = server.url(&format!("/api/v1/history?record={}", partner.id));
    let resp = server.http.get(&url).bearer_auth(&staff.token).send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::NOT_FOUND);
}

/// A device is named when it is first signed in on (issue #23): the name is
/// in the device list and the history instead of "the device where …", a
/// name too long is refused in Swedish before the password is checked, and
/// two people on one tablet are one device.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_named_device_shows_its_name_in_the_device_list_and_the_history() {
    use labblogg_shared::auth::{DeviceInfo, LoginRequest, LoginResponse};
    let server = TestServer::start().await;
    let tablet = Uuid::now_v7();
    let login = |username: &str, name: Option<String>| {
        let req = LoginRequest {
            username: username.into(),
            password: username.into(),
            device_id: Some(tablet),
            device_name: name,
        };
        server.http.post(server.url("/api/v1/auth/login")).json(&req).send()
    };
    let too_long = login("personal", Some("x".repeat(61))).await.unwrap();
    assert_eq!(too_long.status(), StatusCode::BAD_REQUEST);
    assert!(too_long.text().await.unwrap().contains("högst 60 tecken"));

    let resp = login("personal", Some("  Surfplattan i  Lina Hage 1 ".into())).await.unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    let staff: LoginResponse = resp.json().await.unwrap();
    assert!(staff.user.user_id.is_some(), "the app names its database from the user id");
    let devices: Vec<DeviceInfo> = server
        .http
        .get(server.url("/api/v1/devices"))
        .bearer_auth(&staff.token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(devices.len(), 1);
    assert_eq!(devices[0].name.as_deref(), Some("Surfplattan i Lina Hage 1"));

    // The next person on the same tablet: the app sends the device's name again.
    let resp = login("samordnare", Some("Surfplattan i Lina Hage 1".into())).await.unwrap();
    let coordinator: LoginResponse = resp.json().await.unwrap();
    let mut staff_client = Client::new(&server, staff.token.clone(), tablet);
    let fika = activity(&mut staff_client, "Fika på surfplattan");
    staff_client.push_ok(vec![fika.clone()]).await;
    let url = server.url(&format!("/api/v1/history?record={}", fika.id));
    let history: HistoryResponse =
        server.http.get(&url).bearer_auth(&coordinator.token).send().await.unwrap().json().await.unwrap();
    assert_eq!(history.entries[0].device, "Surfplattan i Lina Hage 1");
    assert_eq!(history.entries[0].by, "Personal Lina Hage");
}
