//! The knowledge base over the real HTTP API: staff propose a good example,
//! only a coordinator publishes it (and not with a phone number in it), a
//! device of another organisation pulls it once published and never the
//! drafts, and learns when it is withdrawn.

mod common;

use common::{Client, TestServer};
use labblogg_server::demo::{self, LINA_HAGE};
use labblogg_shared::auth::{CreateUserRequest, CreatedLab, LabRole, LoginRequest, LoginResponse, Membership, Role};
use labblogg_shared::model::{FocusArea, Lab};
use labblogg_shared::sync::RejectCode;
use labblogg_shared::{Change, RecordKind};
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

/// Push one change: `None` if accepted, else the refusal's code and message.
async fn push(client: &Client, change: Change) -> Option<(RejectCode, String)> {
    let resp = client.push(vec![change]).await;
    resp.results[0].rejected.clone().map(|r| (r.code, r.message))
}

/// A new lab of another housing company, and a staff account in it, made
/// through the administration API.
async fn second_organisation(server: &TestServer) -> Client {
    let admin = server.client("admin").await;
    let lab = Lab {
        name: "Husby träffpunkt".into(),
        city: "Stockholm".into(),
        organisation: "Familjebostäder".into(),
        focus_areas: vec![FocusArea::SchoolResults],
        question: "Hur når vi fler föräldrar?".into(),
        description: String::new(),
    };
    let resp =
        server.http.post(server.url("/api/v1/admin/labs")).bearer_auth(&admin.token).json(&lab).send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::CREATED);
    let lab: CreatedLab = resp.json().await.unwrap();
    let user = CreateUserRequest {
        username: "kerstin".into(),
        display_name: "Kerstin (Familjebostäder)".into(),
        password: "Husby-traffpunkt-2026".into(),
        role: Role::Staff,
        labs: vec![],
        memberships: vec![Membership { lab_id: lab.id, role: LabRole::Staff }],
        home_meeting_place: None,
    };
    let resp =
        server.http.post(server.url("/api/v1/admin/users")).bearer_auth(&admin.token).json(&user).send().await.unwrap();
    assert!(resp.status().is_success(), "{}", resp.text().await.unwrap());
    let device = Uuid::now_v7();
    let login = LoginRequest {
        username: "kerstin".into(),
        password: "Husby-traffpunkt-2026".into(),
        device_id: Some(device),
        device_name: None,
    };
    let resp = server.http.post(server.url("/api/v1/auth/login")).json(&login).send().await.unwrap();
    let login: LoginResponse = resp.json().await.unwrap();
    Client::new(server, login.token, device)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn proposed_reviewed_published_and_withdrawn_across_organisations() {
    let server = TestServer::start().await;
    let mut staff = server.client("personal").await;
    let mut coordinator = server.client("samordnare").await;
    let mut elsewhere = second_organisation(&server).await;
    let start = elsewhere.pull_all(0, 1000).await;
    assert!(start.records.iter().all(|r| !r.state.kind.is_knowledge()), "no knowledge base in the plain demo");

    // Staff propose an example and a lesson; they may not publish.
    let (example, lesson) = (Uuid::now_v7(), Uuid::now_v7());
    let body = json!({
        "title": "Läxhjälp på mötesplatsen", "organisation": "Telge Bostäder", "place": "Södertälje",
        "focus_areas": ["school_results"], "target_groups": ["youth"],
        "what_was_done": "Fika först, sedan läxor. Frågor: ring 070-123 45 67.", "review": "draft"
    });
    let c = change(&mut staff, RecordKind::GoodExample, example, LINA_HAGE, body);
    assert_eq!(push(&staff, c).await, None);
    let c = change(
        &mut staff,
        RecordKind::Lesson,
        lesson,
        LINA_HAGE,
        json!({"title": "Börja med fika", "text": "Ungdomarna kom när kvällen började med fika.", "factors": ["meeting_place"], "review": "submitted"}),
    );
    assert_eq!(push(&staff, c).await, None);
    let c = change(&mut staff, RecordKind::GoodExample, example, LINA_HAGE, json!({"review": "published"}));
    let (code, message) = push(&staff, c).await.expect("staff may not publish");
    assert_eq!(code, RejectCode::Permission);
    assert!(message.contains("samordnare"), "{message}");
    let c = change(&mut staff, RecordKind::GoodExample, example, LINA_HAGE, json!({"review": "submitted"}));
    assert_eq!(push(&staff, c).await, None);

    // Nothing of it reaches the other organisation yet; the staff's own lab sees both.
    let pulled = elsewhere.pull_all(start.cursor, 1000).await;
    assert!(pulled.records.is_empty(), "a proposal leaked: {:?}", pulled.records);
    let own = staff.pull_all(0, 1000).await;
    assert_eq!((own.count_of(example), own.count_of(lesson)), (1, 1));

    // The coordinator publishes: refused while the text holds a phone number.
    let c = change(
        &mut coordinator,
        RecordKind::GoodExample,
        example,
        LINA_HAGE,
        json!({"review": "published", "published_on": "2026-11-23"}),
    );
    let (code, message) = push(&coordinator, c).await.expect("the guard refuses");
    assert_eq!(code, RejectCode::Validation);
    assert!(message.contains("telefonnummer") && message.contains("vad som gjordes"), "{message}");
    let c = change(
        &mut coordinator,
        RecordKind::GoodExample,
        example,
        LINA_HAGE,
        json!({
            "what_was_done": "Fika först, sedan läxor. Frågor till områdesutvecklaren.",
            "review": "published", "published_on": "2026-11-23"
        }),
    );
    assert_eq!(push(&coordinator, c).await, None);
    let c = change(&mut coordinator, RecordKind::Lesson, lesson, LINA_HAGE, json!({"review": "published"}));
    assert_eq!(push(&coordinator, c).await, None);

    // The other organisation's device pulls both, and may not edit them.
    let pulled = elsewhere.pull_all(start.cursor, 1000).await;
    let by_id = pulled.by_id();
    assert_eq!(by_id.len(), 2);
    assert_eq!(by_id[&example].state.fields["review"], "published");
    assert_eq!(by_id[&example].state.fields["title"], "Läxhjälp på mötesplatsen");
    assert_eq!(by_id[&lesson].state.kind, RecordKind::Lesson);
    let c = change(&mut elsewhere, RecordKind::GoodExample, example, LINA_HAGE, json!({"title": "Kapat"}));
    assert_eq!(push(&elsewhere, c).await.map(|r| r.0), Some(RejectCode::Permission));
    let c = change(&mut staff, RecordKind::GoodExample, example, LINA_HAGE, json!({"title": "Ändrat utan granskning"}));
    assert_eq!(push(&staff, c).await.map(|r| r.0), Some(RejectCode::Permission), "staff do not edit what is published");

    // Published never becomes a draft again; withdrawing reaches the other device.
    let c = change(&mut coordinator, RecordKind::GoodExample, example, LINA_HAGE, json!({"review": "draft"}));
    let (code, message) = push(&coordinator, c).await.expect("back to draft is refused");
    assert_eq!(code, RejectCode::Permission);
    assert!(message.contains("Dra tillbaka"), "{message}");
    let c = change(&mut coordinator, RecordKind::GoodExample, example, LINA_HAGE, json!({"review": "withdrawn"}));
    assert_eq!(push(&coordinator, c).await, None);
    let later = elsewhere.pull_all(pulled.cursor, 1000).await;
    assert_eq!(later.records.len(), 1);
    assert_eq!(later.records[0].state.fields["review"], "withdrawn");

    // A foreign lab's demo data never comes along.
    let all = elsewhere.pull_all(0, 1000).await;
    assert!(all.records.iter().all(|r| r.state.kind.is_knowledge() || !demo::ALL_LABS.contains(&r.state.lab_id)));
}
