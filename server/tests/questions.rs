//! The labs' own questions over the real HTTP API (issue #22): a coordinator
//! adds a question, staff answer it in an activity, and the question and its
//! answers reach only that lab's devices; a question's meaning never changes
//! (a new version instead); answers must fit their question; every lab has
//! its two built-in questions; the year's report comes back as a workbook.

mod common;

use common::{Client, TestServer};
use labblogg_server::demo::{LINA_HAGE, PLACE_LINA_HAGE, PORTALEN};
use labblogg_shared::auth::{CreateUserRequest, LabRole, LoginRequest, LoginResponse, Membership, Role};
use labblogg_shared::model::PollQuestion;
use labblogg_shared::questions::builtin_id;
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

async fn push(client: &Client, change: Change) -> Option<(RejectCode, String)> {
    let resp = client.push(vec![change]).await;
    resp.results[0].rejected.clone().map(|r| (r.code, r.message))
}

/// A coordinator of Portalen only, made through the administration API.
async fn portalen_coordinator(server: &TestServer) -> Client {
    let admin = server.client("admin").await;
    let user = CreateUserRequest {
        username: "portalen".into(),
        display_name: "Samordnare Portalen".into(),
        password: "Portalen-samordnare-2026".into(),
        role: Role::Coordinator,
        labs: vec![],
        memberships: vec![Membership { lab_id: PORTALEN, role: LabRole::Coordinator }],
        home_meeting_place: None,
    };
    let resp =
        server.http.post(server.url("/api/v1/admin/users")).bearer_auth(&admin.token).json(&user).send().await.unwrap();
    assert!(resp.status().is_success(), "{}", resp.text().await.unwrap());
    let device = Uuid::now_v7();
    let login = LoginRequest {
        username: "portalen".into(),
        password: "Portalen-samordnare-2026".into(),
        device_id: Some(device),
        device_name: None,
    };
    let login: LoginResponse =
        server.http.post(server.url("/api/v1/auth/login")).json(&login).send().await.unwrap().json().await.unwrap();
    Client::new(server, login.token, device)
}

fn number_question(text: &str) -> Value {
    json!({"text": text, "answer": "number", "options": [], "meeting_place_id": PLACE_LINA_HAGE, "at_closing": true,
           "activity_kinds": [], "builtin": null, "replaces": null, "retired": false})
}

fn evening(answers: Value) -> Value {
    json!({"meeting_place_id": PLACE_LINA_HAGE, "kind": "open_evening", "title": "Öppen kväll", "date": "2026-03-03",
           "participants": [{"age_band": "13-15", "count": 12}], "answers": answers})
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_labs_questions_and_answers_reach_only_its_devices() {
    let server = TestServer::start().await;
    let mut coordinator = server.client("samordnare").await;
    let mut staff = server.client("personal").await;
    let mut portalen = portalen_coordinator(&server).await;

    // Every lab starts with the closing poll's two questions.
    let before = staff.pull_all(0, 1000).await;
    let lina_builtin = builtin_id(LINA_HAGE, PollQuestion::FeltSafe);
    assert_eq!(before.count_of(lina_builtin), 1);
    assert_eq!(before.count_of(builtin_id(LINA_HAGE, PollQuestion::WantToReturn)), 1);
    assert_eq!(before.count_of(builtin_id(PORTALEN, PollQuestion::FeltSafe)), 0, "another lab's question");

    // Staff may not add questions; the coordinator may, and not one asking who someone is.
    let homework = Uuid::now_v7();
    let c = change(
        &mut staff,
        RecordKind::Question,
        homework,
        LINA_HAGE,
        number_question("Hur många gjorde läxorna klart?"),
    );
    assert_eq!(push(&staff, c).await.map(|r| r.0), Some(RejectCode::Permission));
    let c = change(
        &mut coordinator,
        RecordKind::Question,
        Uuid::now_v7(),
        LINA_HAGE,
        number_question("Vad heter den som kom först?"),
    );
    let (code, message) = push(&coordinator, c).await.expect("asks for a name");
    assert_eq!(code, RejectCode::Validation);
    assert!(message.contains("peka ut en person"), "{message}");
    let c = change(
        &mut coordinator,
        RecordKind::Question,
        homework,
        LINA_HAGE,
        number_question("Hur många gjorde läxorna klart?"),
    );
    assert_eq!(push(&coordinator, c).await, None);
    let secret = Uuid::now_v7();
    let c = change(
        &mut portalen,
        RecordKind::Question,
        secret,
        PORTALEN,
        json!({"text": "Vad ville deltagarna helst göra?", "answer": "choice", "options": ["Söka jobb", "Träna svenska"],
               "at_closing": false, "activity_kinds": ["course"]}),
    );
    assert_eq!(push(&portalen, c).await, None);

    // Staff answer at the evening's closing; an answer must fit its question and its lab.
    let c = change(
        &mut staff,
        RecordKind::Activity,
        Uuid::now_v7(),
        LINA_HAGE,
        evening(json!([{"question_id": homework, "choice": 1}])),
    );
    assert_eq!(push(&staff, c).await.map(|r| r.0), Some(RejectCode::Validation), "a choice to a number question");
    let c = change(
        &mut staff,
        RecordKind::Activity,
        Uuid::now_v7(),
        LINA_HAGE,
        evening(json!([{"question_id": secret, "choice": 1}])),
    );
    let (code, message) = push(&staff, c).await.expect("another lab's question");
    assert_eq!(code, RejectCode::Validation);
    assert!(message.contains("Frågan finns inte"), "{message}");
    let answered = Uuid::now_v7();
    let c = change(
        &mut staff,
        RecordKind::Activity,
        answered,
        LINA_HAGE,
        evening(
            json!([{"question_id": homework, "value": 7.0}, {"question_id": lina_builtin, "yes": 9, "maybe": 2, "no": 1}]),
        ),
    );
    assert_eq!(push(&staff, c).await, None);

    // The question's meaning is fixed: rewording is refused, retiring is not, a new version is.
    let c = change(&mut coordinator, RecordKind::Question, homework, LINA_HAGE, json!({"text": "Hur många kom?"}));
    let (code, message) = push(&coordinator, c).await.expect("reworded");
    assert_eq!(code, RejectCode::Validation);
    assert!(message.contains("ny version"), "{message}");
    let c = change(
        &mut coordinator,
        RecordKind::Question,
        homework,
        LINA_HAGE,
        json!({"retired": true, "at_closing": true}),
    );
    assert_eq!(push(&coordinator, c).await, None);
    let v2 = Uuid::now_v7();
    let mut next = number_question("Hur många gjorde alla läxor klart?");
    next["replaces"] = json!(homework);
    let c = change(&mut coordinator, RecordKind::Question, v2, LINA_HAGE, next);
    assert_eq!(push(&coordinator, c).await, None);

    // Lina Hage's devices get its questions and answers; Portalen's never, and the other way round.
    let lina = staff.pull_all(0, 1000).await;
    for id in [homework, v2, answered, lina_builtin] {
        assert_eq!(lina.count_of(id), 1, "{id} reaches Lina Hage's tablet");
    }
    assert_eq!(lina.count_of(secret), 0, "Portalen's question stays in Portalen");
    let p = portalen.pull_all(0, 1000).await;
    assert_eq!(p.count_of(secret), 1);
    for id in [homework, v2, answered, lina_builtin] {
        assert_eq!(p.count_of(id), 0, "{id} does not reach Portalen's devices");
    }
    assert!(p.records.iter().all(|r| r.state.lab_id == PORTALEN || r.state.kind.is_knowledge()));
    let both = coordinator.pull_all(0, 1000).await;
    assert_eq!((both.count_of(secret), both.count_of(v2)), (1, 1), "a coordinator of both labs gets both");

    // The lab report counts the answers.
    let resp =
        server
            .http
            .get(server.url(&format!(
                "/api/v1/summary?kind=lab&lab={LINA_HAGE}&from=2026-01-01&to=2026-12-31&today=2026-12-07"
            )))
            .bearer_auth(&staff.token)
            .send()
            .await
            .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    let report: Value = resp.json().await.unwrap();
    let questions = report["questions"].as_array().unwrap();
    let hw = questions
        .iter()
        .find(|q| q["question_id"] == json!(homework))
        .expect("the retired version answered in the period");
    assert_eq!(
        (hw["total"]["answered"].as_u64(), hw["total"]["sum"].as_f64(), hw["retired"].as_bool()),
        (Some(1), Some(7.0), Some(true))
    );
    let safe = questions.iter().find(|q| q["question_id"] == json!(lina_builtin)).unwrap();
    assert_eq!((safe["total"]["yes"].as_u64(), safe["version"].as_u64()), (Some(9), Some(1)));
    let v = questions.iter().find(|q| q["question_id"] == json!(v2)).expect("the new version, unanswered yet");
    assert_eq!(v["version"].as_u64(), Some(2));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_years_report_as_a_workbook() {
    let server = TestServer::start().await;
    let staff = server.client("personal").await;
    let report = json!({
        "title": "Årsrapport 2026 – Lina Hage", "organisation": "Telge Bostäder", "labs": ["Lina Hage"], "year": 2026,
        "period": {"from": "2026-01-01", "to": "2026-12-31"}, "made_on": "2026-12-07", "protected": false,
        "tables": [{"sheet": "Besök per månad", "title": "Besök", "columns": [{"heading": "Månad", "width": 10.0}, {"heading": "Besök", "width": 10.0}],
                    "rows": [[{"t": "month", "v": "2026-01"}, {"t": "int", "v": 412}]]}]
    });
    let url = server.url("/api/v1/report/xlsx");
    let resp = server.http.post(&url).json(&report).send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
    let resp = server.http.post(&url).bearer_auth(&staff.token).json(&report).send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(resp.headers()["content-type"], labblogg_server::routes::report::XLSX_MIME);
    assert!(resp.headers()["content-disposition"].to_str().unwrap().contains("arsrapport-2026-lina-hage.xlsx"));
    let bytes = resp.bytes().await.unwrap();
    assert_eq!(&bytes[..2], b"PK");
    let mut bad = report.clone();
    bad["tables"][0]["sheet"] = json!("Besök/månad");
    let resp = server.http.post(&url).bearer_auth(&staff.token).json(&bad).send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::BAD_REQUEST);
}
