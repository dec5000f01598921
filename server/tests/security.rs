//! Accounts, roles and the server's defences over real HTTP (see
//! docs/SECURITY.md): the authorization matrix of every endpoint and role,
//! token revocation, sign-in throttling, headers and CORS, the audit log, the
//! command line, backup and restore, and a bounded fuzz run against the sync
//! endpoint. Each test starts its own server on 127.0.0.1:<port 0>.

mod common;

use common::{db_path, expect_error, new_visit, now_ms, visit_fields, Client, TestServer};
use labblogg_server::accounts::{self, Actor};
use labblogg_server::config::Cli;
use labblogg_server::db::{self, Store, UserRow};
use labblogg_server::demo::{LINA_HAGE, PLACE_LINA_HAGE, PLACE_PORTALEN, PORTALEN};
use labblogg_shared::auth::{AdminUser, AuditAction, AuditEntry, CreateUserRequest, DeviceInfo, Role, UserInfo};
use labblogg_shared::error::{ApiErrorBody, ApiErrorCode};
use labblogg_shared::sync::{RejectCode, SyncResponse, MAX_BODY_BYTES, MAX_PUSH_CHANGES};
use labblogg_shared::{AgeBand, Change, Hlc, RecordKind, PROTOCOL_VERSION};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use reqwest::{Method, StatusCode};
use serde_json::{json, Map, Value};
use std::collections::HashSet;
use std::fmt::Write as _;
use std::io::Cursor;
use std::sync::Arc;
use std::time::{Duration, Instant};
use uuid::Uuid;

// Helpers

/// A second handle on the server's database, as the command line would open it.
fn store_of(server: &TestServer) -> Arc<dyn Store> {
    Arc::new(db::SqliteStore::open(&db_path(&server.dir()).display().to_string()).expect("open the store"))
}

/// Create an account whose password is its username, as the demo accounts'
/// are: made with a strong one (the rule), then set directly in the store.
async fn add_user(store: &dyn Store, username: &str, role: Role, labs: &[Uuid]) -> UserRow {
    let req = CreateUserRequest {
        username: username.into(),
        display_name: format!("Test {username}"),
        password: "kanel-fjällräv-vågbrytare".into(),
        role,
        labs: labs.to_vec(),
        memberships: Vec::new(),
        home_meeting_place: None,
    };
    let user = accounts::create_user(store, &Actor::cli(), req).await.expect("create user");
    let hash = labblogg_server::auth::hash_password(username).expect("hash");
    store.set_password(user.id, hash).await.expect("set the password");
    user
}

/// Any request, with the token if given.
async fn call(
    server: &TestServer,
    token: Option<&str>,
    method: Method,
    path: &str,
    body: Option<&Value>,
) -> reqwest::Response {
    let mut req = server.http.request(method, server.url(path));
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    if let Some(b) = body {
        req = req.json(b);
    }
    req.send().await.expect("request")
}

/// The id of the token `client` signs in with (the `current` one of its devices).
async fn token_id(server: &TestServer, client: &Client) -> Uuid {
    let resp = call(server, Some(&client.token), Method::GET, "/api/v1/devices", None).await;
    assert_eq!(resp.status(), StatusCode::OK);
    let devices: Vec<DeviceInfo> = resp.json().await.expect("devices");
    devices.iter().find(|d| d.current).expect("the current token is listed").id
}

fn object(v: Value) -> Map<String, Value> {
    v.as_object().cloned().expect("an object")
}

fn edit(kind: RecordKind, id: Uuid, lab: Uuid, fields: Value) -> Change {
    Change {
        change_id: Uuid::now_v7(),
        kind,
        id,
        lab_id: lab,
        hlc: Hlc { ms: now_ms(), counter: 0, node: rand::random() },
        fields: object(fields),
        deleted: false,
        restore: false,
    }
}

/// Did `change` land: does the stored record hold every field it sets?
async fn landed(store: &dyn Store, change: &Change) -> bool {
    let record = store.record(change.id).await.expect("read record");
    record.is_some_and(|r| change.fields.iter().all(|(k, v)| r.fields.get(k) == Some(v)))
}

// 1. The authorization matrix

/// Who makes the request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Who {
    /// Staff at Lina Hage (the demo `personal`).
    Staff,
    /// Coordinator of Lina Hage only.
    Coordinator,
    Researcher,
    /// An administrator with no lab.
    Admin,
    NoToken,
    /// A token signed out through `DELETE /api/v1/devices/{id}`.
    Revoked,
    /// A token of an account disabled afterwards.
    Disabled,
}

const EVERYONE: [Who; 7] =
    [Who::Staff, Who::Coordinator, Who::Researcher, Who::Admin, Who::NoToken, Who::Revoked, Who::Disabled];

/// Every endpoint, with "own" meaning Lina Hage and "foreign" Portalen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Case {
    Me,
    Pull,
    PushVisitOwn,
    PushVisitForeign,
    PushPlaceOwn,
    PushPlaceForeign,
    PushLabOwn,
    PushLabForeign,
    Devices,
    RevokeOwnDevice,
    RevokeOthersDevice,
    AdminUsers,
    AdminCreateUser,
    AdminDisable,
    AdminResetPassword,
    AdminUserDevices,
    AdminRevokeToken,
    AdminCreateLab,
    AdminAudit,
    SummaryLabOwn,
    SummaryLabForeign,
    SummaryCompare,
    SyncBacklog,
    ProposeExampleOwn,
    PublishExampleOwn,
    PublishExampleForeign,
    PushQuestionOwn,
    PushQuestionForeign,
    ReportXlsx,
}

/// A new number question of `lab`.
fn question(lab: Uuid, n: u32) -> Change {
    edit(
        RecordKind::Question,
        Uuid::now_v7(),
        lab,
        json!({ "text": format!("Hur många gjorde läxorna klart? ({n})"), "answer": "number", "at_closing": true }),
    )
}

/// A new good example of `lab` in review state `review`.
fn example(lab: Uuid, review: &str, n: u32) -> Change {
    edit(
        RecordKind::GoodExample,
        Uuid::now_v7(),
        lab,
        json!({ "title": format!("Läxhjälp {n}"), "organisation": "Telge Bostäder", "focus_areas": ["school_results"],
                "what_was_done": "Fika först, sedan läxor.", "review": review }),
    )
}

#[derive(Debug, Clone, PartialEq)]
enum Outcome {
    /// The HTTP status of a non-sync endpoint, or of a sync request refused whole.
    Status(u16),
    /// A pushed change was accepted (and is stored).
    Accepted,
    /// A pushed change was refused on its own (and is not stored).
    Refused(RejectCode),
    /// A pull answered: did it hold records of the own lab, of a foreign lab?
    Pulled { own: bool, foreign: bool },
    /// The answer and the database disagree: refused but done, or allowed but not done.
    Inconsistent(String),
}

struct Matrix {
    server: TestServer,
    store: Arc<dyn Store>,
    clients: Vec<(Who, Option<Client>)>,
    /// A second token of each signed-in role, to sign out through /devices.
    spare: Vec<(Who, Client)>,
    /// A token of the demo coordinator: nobody else may revoke it through /devices.
    others_token: Uuid,
}

impl Matrix {
    async fn new() -> Self {
        let server = TestServer::start().await;
        let store = store_of(&server);
        add_user(store.as_ref(), "samordnare-lh", Role::Coordinator, &[LINA_HAGE]).await;
        add_user(store.as_ref(), "forskare", Role::Researcher, &[]).await;
        add_user(store.as_ref(), "administrator", Role::Admin, &[]).await;
        let disabled = add_user(store.as_ref(), "avstangd-personal", Role::Staff, &[LINA_HAGE]).await;

        let mut clients = Vec::new();
        let mut spare = Vec::new();
        for (who, name) in [
            (Who::Staff, "personal"),
            (Who::Coordinator, "samordnare-lh"),
            (Who::Researcher, "forskare"),
            (Who::Admin, "administrator"),
        ] {
            clients.push((who, Some(server.client(name).await)));
            spare.push((who, server.client(name).await));
        }
        clients.push((Who::NoToken, None));
        let revoked = server.client("personal").await;
        let id = token_id(&server, &revoked).await;
        let resp = call(&server, Some(&revoked.token), Method::DELETE, &format!("/api/v1/devices/{id}"), None).await;
        assert_eq!(resp.status(), StatusCode::NO_CONTENT);
        clients.push((Who::Revoked, Some(revoked)));
        let off = server.client("avstangd-personal").await;
        accounts::disable_user(store.as_ref(), &Actor::cli(), disabled.id, None).await.expect("disable");
        clients.push((Who::Disabled, Some(off)));

        let other = server.client("samordnare").await;
        let others_token = token_id(&server, &other).await;
        Matrix { server, store, clients, spare, others_token }
    }

    fn client(&self, who: Who) -> Option<&Client> {
        self.clients.iter().find(|(w, _)| *w == who).and_then(|(_, c)| c.as_ref())
    }

    /// A fresh staff account with a signed-in device, to act on: (user, token id).
    async fn victim(&self, who: Who, case: Case) -> (UserRow, Uuid) {
        let name = format!("offer-{who:?}-{case:?}").to_lowercase();
        let user = add_user(self.store.as_ref(), &name, Role::Staff, &[LINA_HAGE]).await;
        let client = self.server.client(&name).await;
        (user, token_id(&self.server, &client).await)
    }

    async fn token_revoked(&self, id: Uuid) -> bool {
        self.store.token(id).await.expect("token").is_some_and(|t| t.revoked_ms.is_some())
    }

    /// Send one push as `who` and read the change's fate, checked against the database.
    async fn push(&self, who: Who, change: Change) -> Outcome {
        let resp = match self.client(who) {
            Some(c) => c.post_sync(&c.request(0, vec![change.clone()], Some(1))).await,
            None => {
                let body = json!({ "protocol": PROTOCOL_VERSION, "device_id": Uuid::now_v7(), "cursor": 0, "changes": [change] });
                call(&self.server, None, Method::POST, "/api/v1/sync", Some(&body)).await
            }
        };
        let status = resp.status();
        let stored = landed(self.store.as_ref(), &change).await;
        if status != StatusCode::OK {
            return if stored {
                Outcome::Inconsistent(format!("{status} but stored"))
            } else {
                Outcome::Status(status.as_u16())
            };
        }
        let body: SyncResponse = resp.json().await.expect("sync response");
        match &body.results[0].rejected {
            None if stored => Outcome::Accepted,
            None => Outcome::Inconsistent("accepted but not stored".into()),
            Some(r) if !stored => Outcome::Refused(r.code),
            Some(r) => Outcome::Inconsistent(format!("refused {:?} but stored", r.code)),
        }
    }

    async fn pull(&self, who: Who) -> Outcome {
        let Some(c) = self.client(who) else {
            let body = json!({ "protocol": PROTOCOL_VERSION, "device_id": Uuid::now_v7(), "cursor": 0 });
            let resp = call(&self.server, None, Method::POST, "/api/v1/sync", Some(&body)).await;
            return Outcome::Status(resp.status().as_u16());
        };
        let resp = c.post_sync(&c.request(0, Vec::new(), Some(1000))).await;
        if resp.status() != StatusCode::OK {
            return Outcome::Status(resp.status().as_u16());
        }
        let body: SyncResponse = resp.json().await.expect("sync response");
        Outcome::Pulled {
            own: body.records.iter().any(|r| r.state.lab_id == LINA_HAGE),
            foreign: body.records.iter().any(|r| r.state.lab_id != LINA_HAGE),
        }
    }

    /// A plain request; `effect` says whether it changed what it would change
    /// when allowed (`None`: a read). It must have done so exactly when it succeeded.
    fn judged(status: StatusCode, effect: Option<bool>) -> Outcome {
        match effect {
            Some(done) if done != status.is_success() => Outcome::Inconsistent(format!("{status}, done: {done}")),
            _ => Outcome::Status(status.as_u16()),
        }
    }

    async fn run(&self, case: Case, who: Who) -> Outcome {
        let token = self.client(who).map(|c| c.token.clone());
        let token = token.as_deref();
        let n = rand::random::<u32>();
        match case {
            Case::Me => Self::judged(call(&self.server, token, Method::GET, "/api/v1/me", None).await.status(), None),
            Case::Pull => self.pull(who).await,
            Case::PushVisitOwn => {
                self.push(who, new_visit(LINA_HAGE, PLACE_LINA_HAGE, Hlc { ms: now_ms(), counter: 0, node: n.into() }))
                    .await
            }
            Case::PushVisitForeign => {
                self.push(who, new_visit(PORTALEN, PLACE_PORTALEN, Hlc { ms: now_ms(), counter: 0, node: n.into() }))
                    .await
            }
            Case::PushPlaceOwn => {
                self.push(
                    who,
                    edit(
                        RecordKind::MeetingPlace,
                        PLACE_LINA_HAGE,
                        LINA_HAGE,
                        json!({ "target_group": format!("Unga {n}") }),
                    ),
                )
                .await
            }
            Case::PushPlaceForeign => {
                self.push(
                    who,
                    edit(
                        RecordKind::MeetingPlace,
                        PLACE_PORTALEN,
                        PORTALEN,
                        json!({ "target_group": format!("Vuxna {n}") }),
                    ),
                )
                .await
            }
            Case::PushLabOwn => {
                self.push(
                    who,
                    edit(RecordKind::Lab, LINA_HAGE, LINA_HAGE, json!({ "description": format!("Ändrad {n}") })),
                )
                .await
            }
            Case::PushLabForeign => {
                self.push(
                    who,
                    edit(RecordKind::Lab, PORTALEN, PORTALEN, json!({ "description": format!("Ändrad {n}") })),
                )
                .await
            }
            Case::Devices => {
                Self::judged(call(&self.server, token, Method::GET, "/api/v1/devices", None).await.status(), None)
            }
            Case::RevokeOwnDevice => {
                let spare = match self.spare.iter().find(|(w, _)| *w == who) {
                    Some((_, c)) => Some(token_id(&self.server, c).await),
                    None => None,
                };
                let id = spare.unwrap_or_else(Uuid::now_v7);
                let resp = call(&self.server, token, Method::DELETE, &format!("/api/v1/devices/{id}"), None).await;
                let effect = match spare {
                    Some(id) => Some(self.token_revoked(id).await),
                    None => None,
                };
                Self::judged(resp.status(), effect)
            }
            Case::RevokeOthersDevice => {
                let resp =
                    call(&self.server, token, Method::DELETE, &format!("/api/v1/devices/{}", self.others_token), None)
                        .await;
                Self::judged(resp.status(), Some(self.token_revoked(self.others_token).await))
            }
            Case::AdminUsers => {
                Self::judged(call(&self.server, token, Method::GET, "/api/v1/admin/users", None).await.status(), None)
            }
            Case::AdminCreateUser => {
                let name = format!("ny-{who:?}").to_lowercase();
                let body = json!({ "username": name, "display_name": "Ny", "password": "ett långt lösenord", "role": "staff", "labs": [LINA_HAGE] });
                let resp = call(&self.server, token, Method::POST, "/api/v1/admin/users", Some(&body)).await;
                let created = self.store.user_by_name(&name).await.expect("user").is_some();
                Self::judged(resp.status(), Some(created))
            }
            Case::AdminDisable => {
                let (victim, _) = self.victim(who, case).await;
                let resp = call(
                    &self.server,
                    token,
                    Method::POST,
                    &format!("/api/v1/admin/users/{}/disable", victim.id),
                    None,
                )
                .await;
                let disabled = self.store.user_by_id(victim.id).await.expect("user").expect("victim").disabled;
                Self::judged(resp.status(), Some(disabled))
            }
            Case::AdminResetPassword => {
                let (victim, victim_token) = self.victim(who, case).await;
                let body = json!({ "password": "ett nytt lösenord" });
                let path = format!("/api/v1/admin/users/{}/reset-password", victim.id);
                let resp = call(&self.server, token, Method::POST, &path, Some(&body)).await;
                Self::judged(resp.status(), Some(self.token_revoked(victim_token).await))
            }
            Case::AdminUserDevices => {
                let (victim, _) = self.victim(who, case).await;
                let path = format!("/api/v1/admin/users/{}/devices", victim.id);
                Self::judged(call(&self.server, token, Method::GET, &path, None).await.status(), None)
            }
            Case::AdminRevokeToken => {
                let (_, victim_token) = self.victim(who, case).await;
                let resp =
                    call(&self.server, token, Method::DELETE, &format!("/api/v1/admin/tokens/{victim_token}"), None)
                        .await;
                Self::judged(resp.status(), Some(self.token_revoked(victim_token).await))
            }
            Case::AdminCreateLab => {
                let before = self.store.top_seq().await.expect("seq");
                let body = json!({ "name": format!("Nytt labb {n}"), "city": "Malmö", "organisation": "MKB",
                                   "focus_areas": ["crime"], "question": "Hur?" });
                let resp = call(&self.server, token, Method::POST, "/api/v1/admin/labs", Some(&body)).await;
                let after = self.store.top_seq().await.expect("seq");
                Self::judged(resp.status(), Some(after > before))
            }
            Case::AdminAudit => {
                Self::judged(call(&self.server, token, Method::GET, "/api/v1/admin/audit", None).await.status(), None)
            }
            Case::SummaryLabOwn => {
                let path = format!("/api/v1/summary?kind=lab&lab={LINA_HAGE}");
                Self::judged(call(&self.server, token, Method::GET, &path, None).await.status(), None)
            }
            Case::SummaryLabForeign => {
                let path = format!("/api/v1/summary?kind=lab&lab={PORTALEN}");
                Self::judged(call(&self.server, token, Method::GET, &path, None).await.status(), None)
            }
            Case::SummaryCompare => {
                let path = "/api/v1/summary?kind=compare";
                Self::judged(call(&self.server, token, Method::GET, path, None).await.status(), None)
            }
            Case::SyncBacklog => Self::judged(
                call(&self.server, token, Method::GET, "/api/v1/sync/backlog?cursor=0", None).await.status(),
                None,
            ),
            Case::ProposeExampleOwn => self.push(who, example(LINA_HAGE, "submitted", n)).await,
            Case::PublishExampleOwn => self.push(who, example(LINA_HAGE, "published", n)).await,
            Case::PublishExampleForeign => self.push(who, example(PORTALEN, "published", n)).await,
            Case::PushQuestionOwn => self.push(who, question(LINA_HAGE, n)).await,
            Case::PushQuestionForeign => self.push(who, question(PORTALEN, n)).await,
            Case::ReportXlsx => {
                // The workbook of a year's report the caller posts: any signed-in user, nothing stored.
                let body = json!({ "title": "Årsrapport", "organisation": "", "labs": [], "year": 2026,
                                   "period": { "from": "2026-01-01", "to": "2026-12-31" }, "made_on": "2026-12-07",
                                   "protected": false, "tables": [] });
                Self::judged(
                    call(&self.server, token, Method::POST, "/api/v1/report/xlsx", Some(&body)).await.status(),
                    None,
                )
            }
        }
    }
}

#[tokio::test]
async fn authorization_matrix_every_endpoint_as_every_role() {
    use Outcome::{Accepted, Pulled, Refused, Status};
    let perm = || Refused(RejectCode::Permission);
    let s = Status;
    let nobody = || [s(401), s(401), s(401)];
    let admin_only = |ok: u16| {
        let [a, b, c] = nobody();
        [s(403), s(403), s(403), s(ok), a, b, c]
    };
    let signed_in = |ok: u16| {
        let [a, b, c] = nobody();
        [s(ok), s(ok), s(ok), s(ok), a, b, c]
    };
    let push = |staff: Outcome, coordinator: Outcome, admin: Outcome| {
        let [a, b, c] = nobody();
        [staff, coordinator, s(403), admin, a, b, c]
    };
    let none = Pulled { own: false, foreign: false };
    let own = Pulled { own: true, foreign: false };
    // Columns: staff, coordinator, researcher, admin, no token, revoked, disabled.
    let table: Vec<(Case, [Outcome; 7])> = vec![
        (Case::Me, signed_in(200)),
        (Case::Pull, [own.clone(), own, none.clone(), none, s(401), s(401), s(401)]),
        (Case::PushVisitOwn, push(Accepted, Accepted, perm())),
        (Case::PushVisitForeign, push(perm(), perm(), perm())),
        (Case::PushPlaceOwn, push(perm(), Accepted, perm())),
        (Case::PushPlaceForeign, push(perm(), perm(), perm())),
        (Case::PushLabOwn, push(perm(), Accepted, Accepted)),
        (Case::PushLabForeign, push(perm(), perm(), Accepted)),
        (Case::Devices, signed_in(200)),
        (Case::RevokeOwnDevice, signed_in(204)),
        (Case::RevokeOthersDevice, signed_in(404)),
        (Case::AdminUsers, admin_only(200)),
        (Case::AdminCreateUser, admin_only(201)),
        (Case::AdminDisable, admin_only(204)),
        (Case::AdminResetPassword, admin_only(204)),
        (Case::AdminUserDevices, admin_only(200)),
        (Case::AdminRevokeToken, admin_only(204)),
        (Case::AdminCreateLab, admin_only(201)),
        (Case::AdminAudit, admin_only(200)),
        // A lab's report: members of the lab only; researchers get aggregates, never a lab's details.
        (Case::SummaryLabOwn, [s(200), s(200), s(403), s(403), s(401), s(401), s(401)]),
        (Case::SummaryLabForeign, [s(403), s(403), s(403), s(403), s(401), s(401), s(401)]),
        (Case::SummaryCompare, signed_in(200)),
        (Case::SyncBacklog, signed_in(200)),
        // The knowledge base: members propose, a coordinator of the lab (or an administrator) publishes.
        (Case::ProposeExampleOwn, push(Accepted, Accepted, Accepted)),
        (Case::PublishExampleOwn, push(perm(), Accepted, Accepted)),
        (Case::PublishExampleForeign, push(perm(), perm(), Accepted)),
        // The lab's questions are set up by its coordinators, like its places and goals.
        (Case::PushQuestionOwn, push(perm(), Accepted, perm())),
        (Case::PushQuestionForeign, push(perm(), perm(), perm())),
        (Case::ReportXlsx, signed_in(200)),
    ];
    let m = Matrix::new().await;
    let mut report = format!("{:<20}", "case");
    for who in EVERYONE {
        let _ = write!(report, " {:<13}", format!("{who:?}"));
    }
    report.push('\n');
    let mut failures = 0;
    for (case, expected) in &table {
        let _ = write!(report, "{:<20}", format!("{case:?}"));
        for (who, want) in EVERYONE.iter().zip(expected) {
            let got = m.run(*case, *who).await;
            if &got == want {
                let _ = write!(report, " {:<13}", "ok");
            } else {
                failures += 1;
                let _ = write!(report, " WANT {want:?} GOT {got:?};");
            }
        }
        report.push('\n');
    }
    assert_eq!(failures, 0, "authorization matrix:\n{report}");
    eprintln!("authorization matrix ({} cells):\n{report}", table.len() * EVERYONE.len());
}

// 2. Tokens

#[tokio::test]
async fn revoked_token_is_refused_at_once_everywhere() {
    let server = TestServer::start().await;
    let store = store_of(&server);
    let admin = {
        add_user(store.as_ref(), "administrator", Role::Admin, &[]).await;
        server.client("administrator").await
    };
    let tablet = server.client("personal").await;
    let phone = server.client("personal").await;
    let (tablet_id, phone_id) = (token_id(&server, &tablet).await, token_id(&server, &phone).await);
    assert_ne!(tablet_id, phone_id);

    // The tablet is lost: signed out from the phone.
    let resp = call(&server, Some(&phone.token), Method::DELETE, &format!("/api/v1/devices/{tablet_id}"), None).await;
    assert_eq!(resp.status(), StatusCode::NO_CONTENT);
    for (method, path) in [(Method::GET, "/api/v1/me"), (Method::GET, "/api/v1/devices")] {
        let resp = call(&server, Some(&tablet.token), method, path, None).await;
        expect_error(resp, StatusCode::UNAUTHORIZED, ApiErrorCode::Unauthorized).await;
    }
    let resp = tablet.post_sync(&tablet.request(0, Vec::new(), None)).await;
    expect_error(resp, StatusCode::UNAUTHORIZED, ApiErrorCode::Unauthorized).await;
    // Revoking it again finds nothing; the phone still works.
    let resp = call(&server, Some(&phone.token), Method::DELETE, &format!("/api/v1/devices/{tablet_id}"), None).await;
    assert_eq!(resp.status(), StatusCode::NOT_FOUND);
    assert_eq!(call(&server, Some(&phone.token), Method::GET, "/api/v1/me", None).await.status(), StatusCode::OK);

    // An administrator revokes the phone.
    let resp =
        call(&server, Some(&admin.token), Method::DELETE, &format!("/api/v1/admin/tokens/{phone_id}"), None).await;
    assert_eq!(resp.status(), StatusCode::NO_CONTENT);
    let resp = call(&server, Some(&phone.token), Method::GET, "/api/v1/me", None).await;
    expect_error(resp, StatusCode::UNAUTHORIZED, ApiErrorCode::Unauthorized).await;

    // A password reset signs out every device; the new password signs in, the old one not.
    let user = store.user_by_name("personal").await.unwrap().unwrap();
    let third = server.client("personal").await;
    let body = json!({ "password": "nytt-lösenord" });
    let resp = call(
        &server,
        Some(&admin.token),
        Method::POST,
        &format!("/api/v1/admin/users/{}/reset-password", user.id),
        Some(&body),
    )
    .await;
    assert_eq!(resp.status(), StatusCode::NO_CONTENT);
    let resp = call(&server, Some(&third.token), Method::GET, "/api/v1/me", None).await;
    expect_error(resp, StatusCode::UNAUTHORIZED, ApiErrorCode::Unauthorized).await;
    let old = server.login_response("personal", "personal", Uuid::now_v7()).await;
    expect_error(old, StatusCode::UNAUTHORIZED, ApiErrorCode::Unauthorized).await;
    let new = server.login_response("personal", "nytt-lösenord", Uuid::now_v7()).await;
    assert_eq!(new.status(), StatusCode::OK);

    // Disabling the account: its live token is refused, and it cannot sign in.
    let token = new.json::<Value>().await.unwrap()["token"].as_str().unwrap().to_owned();
    let resp =
        call(&server, Some(&admin.token), Method::POST, &format!("/api/v1/admin/users/{}/disable", user.id), None)
            .await;
    assert_eq!(resp.status(), StatusCode::NO_CONTENT);
    let resp = call(&server, Some(&token), Method::GET, "/api/v1/me", None).await;
    expect_error(resp, StatusCode::UNAUTHORIZED, ApiErrorCode::Unauthorized).await;
    let again = server.login_response("personal", "nytt-lösenord", Uuid::now_v7()).await;
    expect_error(again, StatusCode::UNAUTHORIZED, ApiErrorCode::Unauthorized).await;

    // An administrator cannot disable their own account.
    let me = store.user_by_name("administrator").await.unwrap().unwrap();
    let resp =
        call(&server, Some(&admin.token), Method::POST, &format!("/api/v1/admin/users/{}/disable", me.id), None).await;
    expect_error(resp, StatusCode::BAD_REQUEST, ApiErrorCode::BadRequest).await;
}

#[tokio::test]
async fn a_token_unused_for_90_days_stops_working() {
    let server = TestServer::start().await;
    let staff = server.client("personal").await;
    let fresh = server.client("personal").await;
    let id = token_id(&server, &staff).await;
    let day = 24 * 60 * 60 * 1000;
    let conn = rusqlite::Connection::open(db_path(&server.dir())).unwrap();
    let set = |ago: u64| {
        let at = (now_ms() - ago) as i64;
        conn.execute(
            "UPDATE tokens SET created_ms = ?2, last_used_ms = ?2 WHERE id = ?1",
            rusqlite::params![id.to_string(), at],
        )
        .unwrap();
    };
    set(89 * day);
    assert_eq!(call(&server, Some(&staff.token), Method::GET, "/api/v1/me", None).await.status(), StatusCode::OK);
    set(91 * day);
    let resp = call(&server, Some(&staff.token), Method::GET, "/api/v1/me", None).await;
    expect_error(resp, StatusCode::UNAUTHORIZED, ApiErrorCode::Unauthorized).await;
    assert_eq!(call(&server, Some(&fresh.token), Method::GET, "/api/v1/me", None).await.status(), StatusCode::OK);
}

#[tokio::test]
async fn devices_list_shows_own_tokens_without_secrets() {
    let server = TestServer::start().await;
    let tablet = server.client("personal").await;
    let phone = server.client("personal").await;
    let _other = server.client("samordnare").await;
    let resp = call(&server, Some(&tablet.token), Method::GET, "/api/v1/devices", None).await;
    assert_eq!(resp.status(), StatusCode::OK);
    let text = resp.text().await.unwrap();
    for secret in [&tablet.token, &phone.token] {
        assert!(!text.contains(secret.as_str()), "a token leaked: {text}");
    }
    assert!(!text.contains("hash"), "{text}");
    let devices: Vec<DeviceInfo> = serde_json::from_str(&text).unwrap();
    assert_eq!(devices.len(), 2, "only this user's tokens: {devices:?}");
    let current: Vec<_> = devices.iter().filter(|d| d.current).collect();
    assert_eq!(current.len(), 1);
    assert_eq!(current[0].device_id, Some(tablet.device_id));
    assert!(current[0].last_used_ms.is_some_and(|t| t.abs_diff(now_ms()) < 60_000), "{current:?}");
    assert!(devices.iter().any(|d| d.device_id == Some(phone.device_id) && !d.current));
    assert!(devices.iter().all(|d| d.created_ms.abs_diff(now_ms()) < 60_000 && d.revoked_ms.is_none()));
    // Junk ids name nothing.
    let resp = call(&server, Some(&tablet.token), Method::DELETE, "/api/v1/devices/not-a-uuid", None).await;
    expect_error(resp, StatusCode::NOT_FOUND, ApiErrorCode::NotFound).await;
}

#[tokio::test]
async fn a_token_syncs_only_as_the_device_it_was_issued_to() {
    let server = TestServer::start().await;
    let mut staff = server.client("personal").await;
    let visit = new_visit(LINA_HAGE, PLACE_LINA_HAGE, staff.tick());
    let mut req = staff.request(0, vec![visit.clone()], None);
    req.device_id = Uuid::now_v7();
    let resp = staff.post_sync(&req).await;
    expect_error(resp, StatusCode::UNAUTHORIZED, ApiErrorCode::Unauthorized).await;
    assert!(!landed(store_of(&server).as_ref(), &visit).await);
    staff.push_ok(vec![visit]).await;
}

#[tokio::test]
async fn researcher_gets_no_records_and_cannot_push() {
    let server = TestServer::start().await;
    let store = store_of(&server);
    add_user(store.as_ref(), "forskare", Role::Researcher, &[]).await;
    let mut researcher = server.client("forskare").await;
    let me: UserInfo =
        call(&server, Some(&researcher.token), Method::GET, "/api/v1/me", None).await.json().await.unwrap();
    assert_eq!(me.role, Role::Researcher);
    assert!(me.labs.is_empty());
    let pulled = researcher.pull_all(0, 1000).await;
    assert!(pulled.records.is_empty(), "record-level data reached a researcher");
    let visit = new_visit(LINA_HAGE, PLACE_LINA_HAGE, researcher.tick());
    let resp = researcher.post_sync(&researcher.request(0, vec![visit.clone()], None)).await;
    expect_error(resp, StatusCode::FORBIDDEN, ApiErrorCode::Forbidden).await;
    assert!(!landed(store.as_ref(), &visit).await);
    // A researcher account cannot be given a lab.
    let admin = {
        add_user(store.as_ref(), "administrator", Role::Admin, &[]).await;
        server.client("administrator").await
    };
    let body = json!({ "username": "forskare2", "display_name": "F", "password": "ett långt lösenord",
                       "role": "researcher", "memberships": [{ "lab_id": LINA_HAGE, "role": "staff" }] });
    let resp = call(&server, Some(&admin.token), Method::POST, "/api/v1/admin/users", Some(&body)).await;
    expect_error(resp, StatusCode::BAD_REQUEST, ApiErrorCode::BadRequest).await;
}

#[tokio::test]
async fn a_user_can_hold_different_roles_in_different_labs() {
    let server = TestServer::start().await;
    let store = store_of(&server);
    add_user(store.as_ref(), "administrator", Role::Admin, &[]).await;
    let admin = server.client("administrator").await;
    let body = json!({ "username": "blandad-roll", "display_name": "Blandad", "password": "kanel-fjällräv-vågbrytare", "role": "staff",
                       "labs": [LINA_HAGE], "memberships": [{ "lab_id": PORTALEN, "role": "coordinator" }],
                       "home_meeting_place": PLACE_LINA_HAGE });
    let resp = call(&server, Some(&admin.token), Method::POST, "/api/v1/admin/users", Some(&body)).await;
    assert_eq!(resp.status(), StatusCode::CREATED);
    let created: AdminUser = resp.json().await.unwrap();
    assert_eq!(created.role, Role::Coordinator, "the highest role");
    let user = {
        let device = Uuid::now_v7();
        let resp = server.login_response("blandad-roll", "kanel-fjällräv-vågbrytare", device).await;
        let login: labblogg_shared::auth::LoginResponse = resp.json().await.unwrap();
        Client::new(&server, login.token, device)
    };
    let place = |id, lab| edit(RecordKind::MeetingPlace, id, lab, json!({ "target_group": "Alla" }));
    let resp = user.push(vec![place(PLACE_LINA_HAGE, LINA_HAGE), place(PLACE_PORTALEN, PORTALEN)]).await;
    let codes: Vec<_> = resp.results.iter().map(|r| r.rejected.as_ref().map(|r| r.code)).collect();
    assert_eq!(codes, vec![Some(RejectCode::Permission), None], "staff in Lina Hage, coordinator in Portalen");
    // The same username again is a conflict.
    let resp = call(&server, Some(&admin.token), Method::POST, "/api/v1/admin/users", Some(&body)).await;
    assert_eq!(resp.status(), StatusCode::CONFLICT);
}

// 3. Sign-in throttling

async fn throttled(resp: reqwest::Response) -> String {
    let retry_after: u64 = resp
        .headers()
        .get(reqwest::header::RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok())
        .expect("a Retry-After header in seconds");
    assert!((1..=15 * 60).contains(&retry_after), "{retry_after}");
    let message = expect_error(resp, StatusCode::TOO_MANY_REQUESTS, ApiErrorCode::TooManyRequests).await;
    assert!(message.contains("minut"), "says when to retry: {message}");
    message
}

#[tokio::test]
async fn five_failures_lock_the_account_but_not_others() {
    let server = TestServer::start().await;
    for _ in 0..5 {
        let resp = server.login_response("personal", "fel lösenord", Uuid::now_v7()).await;
        expect_error(resp, StatusCode::UNAUTHORIZED, ApiErrorCode::Unauthorized).await;
    }
    // Even the right password is refused now, without being checked.
    let message = throttled(server.login_response("personal", "personal", Uuid::now_v7()).await).await;
    assert!(message.starts_with("För många misslyckade inloggningar"), "{message}");
    throttled(server.login_response(" PERSONAL ", "personal", Uuid::now_v7()).await).await;
    // Another account from the same address still signs in.
    let resp = server.login_response("samordnare", "samordnare", Uuid::now_v7()).await;
    assert_eq!(resp.status(), StatusCode::OK);
}

#[tokio::test]
async fn twenty_failures_from_one_address_lock_every_account_from_it() {
    let server = TestServer::start().await;
    for i in 0..20 {
        let resp = server.login_response(&format!("gissning-{i}"), "fel", Uuid::now_v7()).await;
        expect_error(resp, StatusCode::UNAUTHORIZED, ApiErrorCode::Unauthorized).await;
    }
    throttled(server.login_response("samordnare", "samordnare", Uuid::now_v7()).await).await;
    // Signed-in devices go on working.
    let resp = server.http.get(server.url("/healthz")).send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
}

// 4. Audit log

#[tokio::test]
async fn sign_ins_and_admin_actions_are_audited_with_address() {
    let server = TestServer::start().await;
    let store = store_of(&server);
    add_user(store.as_ref(), "administrator", Role::Admin, &[]).await;
    let bad = server.login_response("personal", "hemligt-fel", Uuid::now_v7()).await;
    assert_eq!(bad.status(), StatusCode::UNAUTHORIZED);
    let staff = server.client("personal").await;
    let admin = server.client("administrator").await;
    let lab = json!({ "name": "Nytt labb", "city": "Malmö", "organisation": "MKB", "focus_areas": ["crime"], "question": "Hur?" });
    let resp = call(&server, Some(&admin.token), Method::POST, "/api/v1/admin/labs", Some(&lab)).await;
    assert_eq!(resp.status(), StatusCode::CREATED);
    let staff_token = token_id(&server, &staff).await;
    let resp =
        call(&server, Some(&admin.token), Method::DELETE, &format!("/api/v1/admin/tokens/{staff_token}"), None).await;
    assert_eq!(resp.status(), StatusCode::NO_CONTENT);

    let resp = call(&server, Some(&admin.token), Method::GET, "/api/v1/admin/audit?limit=50", None).await;
    assert_eq!(resp.status(), StatusCode::OK);
    let text = resp.text().await.unwrap();
    assert!(!text.contains("hemligt-fel"), "a password reached the audit log");
    assert!(!text.contains(&staff.token) && !text.contains(&admin.token), "a token reached the audit log");
    let log: Vec<AuditEntry> = serde_json::from_str(&text).unwrap();
    assert!(log.windows(2).all(|w| w[0].id > w[1].id), "newest first");
    let find = |action: AuditAction, actor: &str| {
        log.iter()
            .find(|e| e.action == action && e.actor == actor)
            .unwrap_or_else(|| panic!("no {action:?} by {actor}: {log:?}"))
    };
    let failed = find(AuditAction::SignInFailed, "personal");
    assert_eq!(failed.address.as_deref(), Some("127.0.0.1"));
    assert!(failed.at_ms.abs_diff(now_ms()) < 60_000);
    // Names, never ids (issue #17).
    assert_eq!(find(AuditAction::SignIn, "personal").subject.as_deref(), Some("Personal Lina Hage på en enhet"));
    assert!(
        log.iter().all(|e| e
            .subject
            .as_deref()
            .is_none_or(|s| uuid::Uuid::parse_str(s).is_err() && !s.contains(&staff_token.to_string()))),
        "an id in the audit log: {log:?}"
    );
    find(AuditAction::SignIn, "administrator");
    assert_eq!(find(AuditAction::LabCreated, "administrator").address.as_deref(), Some("127.0.0.1"));
    let revoked = find(AuditAction::TokenRevoked, "administrator").subject.clone().unwrap_or_default();
    assert!(revoked.starts_with("enheten där Personal Lina Hage loggade in "), "{revoked}");
    find(AuditAction::UserCreated, "cli");
    // Paging: `before` the second newest gives the rest.
    let resp =
        call(&server, Some(&admin.token), Method::GET, &format!("/api/v1/admin/audit?before={}", log[1].id), None)
            .await;
    let rest: Vec<AuditEntry> = resp.json().await.unwrap();
    assert_eq!(rest, log[2..].to_vec());
    let resp = call(&server, Some(&admin.token), Method::GET, "/api/v1/admin/audit?limit=lots", None).await;
    expect_error(resp, StatusCode::BAD_REQUEST, ApiErrorCode::BadRequest).await;
}

#[tokio::test]
async fn lab_created_by_an_admin_syncs_to_its_members() {
    let server = TestServer::start().await;
    let store = store_of(&server);
    add_user(store.as_ref(), "administrator", Role::Admin, &[]).await;
    let admin = server.client("administrator").await;
    let lab = json!({ "name": "Rosengård", "city": "Malmö", "organisation": "MKB", "focus_areas": ["school_results"],
                      "question": "Hur lyfter vi skolresultaten?" });
    let resp = call(&server, Some(&admin.token), Method::POST, "/api/v1/admin/labs", Some(&lab)).await;
    assert_eq!(resp.status(), StatusCode::CREATED);
    let id = resp.json::<Value>().await.unwrap()["id"].as_str().unwrap().parse::<Uuid>().unwrap();
    let bad = json!({ "name": "", "city": "Malmö", "organisation": "MKB", "focus_areas": [], "question": "?" });
    let resp = call(&server, Some(&admin.token), Method::POST, "/api/v1/admin/labs", Some(&bad)).await;
    expect_error(resp, StatusCode::BAD_REQUEST, ApiErrorCode::BadRequest).await;

    add_user(store.as_ref(), "samordnare-malmo", Role::Coordinator, &[id]).await;
    let coordinator = server.client("samordnare-malmo").await;
    let pulled = coordinator.pull_all(0, 1000).await;
    // The lab, and the closing poll's two questions every lab starts with.
    assert_eq!(pulled.records.len(), 3);
    let lab = pulled.records.iter().find(|r| r.state.kind == RecordKind::Lab).expect("the lab");
    assert_eq!(lab.state.fields["name"], "Rosengård");
    assert_eq!(
        pulled.records.iter().filter(|r| r.state.kind == RecordKind::Question && r.state.lab_id == id).count(),
        2
    );
}

// 5. Headers and CORS

#[tokio::test]
async fn every_answer_carries_the_security_headers() {
    let server = TestServer::start().await;
    let staff = server.client("personal").await;
    let answers = [
        server.http.get(server.url("/healthz")).send().await.unwrap(),
        call(&server, None, Method::GET, "/api/v1/me", None).await,
        call(&server, Some(&staff.token), Method::GET, "/api/v1/me", None).await,
        call(&server, None, Method::GET, "/api/v1/nothing-here", None).await,
        server.login_response("personal", "fel", Uuid::now_v7()).await,
    ];
    for resp in answers {
        let h = resp.headers();
        let get = |name: &str| h.get(name).and_then(|v| v.to_str().ok()).unwrap_or("").to_owned();
        let csp = get("content-security-policy");
        for directive in [
            "default-src 'self'",
            "script-src 'self' 'wasm-unsafe-eval'",
            "frame-ancestors 'none'",
            "connect-src 'self'",
            "base-uri 'self'",
        ] {
            assert!(csp.contains(directive), "{} {}: CSP {csp:?} lacks {directive}", resp.status(), resp.url());
        }
        assert!(!csp.contains("'unsafe-eval'"), "{csp}");
        let script_src = csp.split(';').find(|d| d.trim().starts_with("script-src")).unwrap_or("");
        assert!(!script_src.contains("unsafe-inline"), "inline scripts must stay blocked: {csp}");
        assert_eq!(get("x-content-type-options"), "nosniff");
        assert_eq!(get("referrer-policy"), "no-referrer");
        assert_eq!(get("x-frame-options"), "DENY");
        if resp.url().path().starts_with("/api/") {
            assert_eq!(get("cache-control"), "no-store", "API answers are never cached");
        }
    }
}

#[tokio::test]
async fn cross_origin_requests_get_no_cors_headers() {
    let server = TestServer::start().await;
    let staff = server.client("personal").await;
    for path in ["/api/v1/sync", "/api/v1/auth/login", "/api/v1/me", "/api/v1/admin/users"] {
        let preflight = server
            .http
            .request(Method::OPTIONS, server.url(path))
            .header("Origin", "https://evil.example")
            .header("Access-Control-Request-Method", "POST")
            .header("Access-Control-Request-Headers", "authorization, content-type")
            .send()
            .await
            .unwrap();
        assert!(!preflight.status().is_success(), "{path}: preflight answered {}", preflight.status());
        for h in preflight.headers().keys() {
            assert!(!h.as_str().starts_with("access-control-"), "{path}: preflight got {h}");
        }
    }
    // A simple cross-origin request is answered (the token is its protection), but
    // without Access-Control-Allow-Origin the browser never lets the page read it.
    let resp = server
        .http
        .get(server.url("/api/v1/me"))
        .header("Origin", "https://evil.example")
        .bearer_auth(&staff.token)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    assert!(resp.headers().keys().all(|h| !h.as_str().starts_with("access-control-")));
}

// 6. The command line

/// Run `labblogg ARGS…` in this process with `stdin` as standard input.
async fn labblogg(args: &[&str], stdin: &str) -> Result<String, String> {
    let cli = <Cli as clap::Parser>::try_parse_from(std::iter::once("labblogg").chain(args.iter().copied()))
        .map_err(|e| e.to_string())?;
    let mut out = Vec::new();
    labblogg_server::cli::run(cli.command, &mut Cursor::new(stdin.as_bytes().to_vec()), &mut out)
        .await
        .map_err(|e| e.to_string())?;
    Ok(String::from_utf8(out).expect("utf-8 output"))
}

#[tokio::test]
async fn cli_manages_users_tokens_and_labs() {
    let server = TestServer::start().await;
    let url = format!("sqlite://{}", db_path(&server.dir()).display());
    let db = ["--database-url", url.as_str()];
    let lab = LINA_HAGE.to_string();
    let place = PLACE_LINA_HAGE.to_string();

    // A password is never a flag value.
    let with_flag = labblogg(
        &["user", "add", "--username", "x", "--display-name", "X", "--role", "staff", "--password", "hemligt"],
        "",
    )
    .await;
    assert!(with_flag.is_err());

    let add = [
        "user",
        "add",
        "--username",
        "anna",
        "--display-name",
        "Anna Berg",
        "--role",
        "staff",
        "--lab",
        &lab,
        "--home-meeting-place",
        &place,
        "--password-stdin",
    ];
    let out = labblogg(&[&add[..], &db[..]].concat(), "annas-lösenord\n").await.expect("user add");
    assert!(out.contains("anna") && !out.contains("annas-lösenord"), "{out}");
    let resp = server.login_response("anna", "annas-lösenord", Uuid::now_v7()).await;
    assert_eq!(resp.status(), StatusCode::OK);
    let me: Value = resp.json().await.unwrap();
    assert_eq!(me["user"]["home_meeting_place"], json!(PLACE_LINA_HAGE));
    let token = me["token"].as_str().unwrap().to_owned();
    // Refusals say why: a taken name, a short password, an unknown lab.
    let again = labblogg(&[&add[..], &db[..]].concat(), "annas-lösenord\n").await.unwrap_err();
    assert!(again.contains("upptaget"), "{again}");
    let short = labblogg(
        &[
            &[
                "user",
                "add",
                "--username",
                "bo",
                "--display-name",
                "Bo",
                "--role",
                "staff",
                "--lab",
                &lab,
                "--password-stdin",
            ][..],
            &db[..],
        ]
        .concat(),
        "kort\n",
    )
    .await
    .unwrap_err();
    assert!(short.contains("minst 8"), "{short}");
    let nolab = Uuid::now_v7().to_string();
    let unknown = labblogg(
        &[
            &[
                "user",
                "add",
                "--username",
                "bo",
                "--display-name",
                "Bo",
                "--role",
                "staff",
                "--lab",
                &nolab,
                "--password-stdin",
            ][..],
            &db[..],
        ]
        .concat(),
        "ett långt lösenord\n",
    )
    .await
    .unwrap_err();
    assert!(unknown.contains("finns inte"), "{unknown}");

    let list = labblogg(&[&["user", "list"][..], &db[..]].concat(), "").await.unwrap();
    for name in ["anna", "personal", "samordnare"] {
        assert!(list.contains(name), "{list}");
    }
    assert!(!list.contains("argon2"), "no hashes in the list: {list}");

    // Revoke anna's token by id, then reset her password, then disable her.
    let id = token_id(&server, &Client::new(&server, token.clone(), Uuid::now_v7())).await;
    labblogg(&[&["token", "revoke", &id.to_string()][..], &db[..]].concat(), "").await.expect("token revoke");
    let resp = call(&server, Some(&token), Method::GET, "/api/v1/me", None).await;
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
    assert!(
        labblogg(&[&["token", "revoke", &id.to_string()][..], &db[..]].concat(), "").await.is_err(),
        "already revoked"
    );

    labblogg(
        &[&["user", "reset-password", "anna", "--password-stdin"][..], &db[..]].concat(),
        "annas-nya-lösenord\r\n",
    )
    .await
    .expect("reset");
    let old = server.login_response("anna", "annas-lösenord", Uuid::now_v7()).await;
    assert_eq!(old.status(), StatusCode::UNAUTHORIZED);
    let new = server.login_response("anna", "annas-nya-lösenord", Uuid::now_v7()).await;
    assert_eq!(new.status(), StatusCode::OK);
    let token = new.json::<Value>().await.unwrap()["token"].as_str().unwrap().to_owned();

    labblogg(&[&["user", "disable", "anna"][..], &db[..]].concat(), "").await.expect("disable");
    assert_eq!(call(&server, Some(&token), Method::GET, "/api/v1/me", None).await.status(), StatusCode::UNAUTHORIZED);
    let resp = server.login_response("anna", "annas-nya-lösenord", Uuid::now_v7()).await;
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
    assert!(labblogg(&[&["user", "disable", "ingen"][..], &db[..]].concat(), "").await.is_err());

    // A new lab, and an admin created from the command line who sees it audited.
    let out = labblogg(
        &[
            &[
                "lab",
                "add",
                "--name",
                "Rosengård",
                "--city",
                "Malmö",
                "--organisation",
                "MKB",
                "--focus-area",
                "crime",
                "school_results",
                "--question",
                "Hur?",
            ][..],
            &db[..],
        ]
        .concat(),
        "",
    )
    .await
    .expect("lab add");
    let lab_id: Uuid = out.trim().parse().expect("the new lab's id");
    let bad_area = labblogg(
        &[
            &[
                "lab",
                "add",
                "--name",
                "X",
                "--city",
                "Y",
                "--organisation",
                "Z",
                "--focus-area",
                "fika",
                "--question",
                "?",
            ][..],
            &db[..],
        ]
        .concat(),
        "",
    )
    .await;
    assert!(bad_area.is_err());
    let add_admin = [
        "user",
        "add",
        "--username",
        "administrator",
        "--display-name",
        "Admin",
        "--role",
        "admin",
        "--password-stdin",
    ];
    labblogg(&[&add_admin[..], &db[..]].concat(), "kanel-fjällräv-vågbrytare\n").await.expect("add admin");
    let admin = {
        let device = Uuid::now_v7();
        let resp = server.login_response("administrator", "kanel-fjällräv-vågbrytare", device).await;
        let login: labblogg_shared::auth::LoginResponse = resp.json().await.expect("admin signs in");
        Client::new(&server, login.token, device)
    };
    let log: Vec<AuditEntry> =
        call(&server, Some(&admin.token), Method::GET, "/api/v1/admin/audit", None).await.json().await.unwrap();
    for action in [
        AuditAction::UserCreated,
        AuditAction::TokenRevoked,
        AuditAction::PasswordReset,
        AuditAction::UserDisabled,
        AuditAction::LabCreated,
    ] {
        assert!(log.iter().any(|e| e.action == action && e.actor == "cli"), "{action:?} not audited: {log:?}");
    }
    // The lab by its name, not its id (issue #17).
    let created =
        log.iter().find(|e| e.action == AuditAction::LabCreated).and_then(|e| e.subject.clone()).unwrap_or_default();
    assert!(!created.contains(&lab_id.to_string()) && !created.is_empty(), "{created}");
}

#[tokio::test]
async fn the_binary_reads_the_password_from_stdin_and_never_prints_it() {
    use std::io::Write;
    use std::process::{Command, Stdio};
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("cli.db").display());
    let run = |args: &[&str], stdin: &str| {
        let mut child = Command::new(env!("CARGO_BIN_EXE_labblogg"))
            .args(args)
            .args(["--database-url", &url])
            .env_remove("LABBLOGG_DATABASE_URL")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start labblogg");
        child.stdin.take().unwrap().write_all(stdin.as_bytes()).unwrap();
        child.wait_with_output().expect("labblogg output")
    };
    let out = run(
        &[
            "lab",
            "add",
            "--name",
            "Lab",
            "--city",
            "Ort",
            "--organisation",
            "Bolag",
            "--focus-area",
            "crime",
            "--question",
            "?",
        ],
        "",
    );
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let lab = String::from_utf8(out.stdout).unwrap().trim().to_owned();
    let out = run(
        &[
            "user",
            "add",
            "--username",
            "eva",
            "--display-name",
            "Eva",
            "--role",
            "coordinator",
            "--lab",
            &lab,
            "--password-stdin",
        ],
        "evas-hemliga-ord\n",
    );
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let out2 = run(&["user", "list"], "");
    assert!(out2.status.success());
    let printed = [out.stdout, out.stderr, out2.stdout.clone(), out2.stderr].concat();
    assert!(!String::from_utf8_lossy(&printed).contains("evas-hemliga-ord"), "the password was printed");
    assert!(String::from_utf8_lossy(&out2.stdout).contains("eva"));
    // Without --password-stdin and no terminal, it refuses instead of waiting.
    let out = run(
        &["user", "add", "--username", "olle", "--display-name", "Olle", "--role", "coordinator", "--lab", &lab],
        "x\n",
    );
    assert!(!out.status.success());
}

// 7. Backup and restore

#[tokio::test]
async fn backup_and_restore_round_trip() {
    let server = TestServer::start().await;
    let dir = server.dir();
    let url = format!("sqlite://{}", db_path(&dir).display());
    let db = ["--database-url", url.as_str()];
    let mut staff = server.client("personal").await;
    let kept = new_visit(LINA_HAGE, PLACE_LINA_HAGE, staff.tick());
    staff.push_ok(vec![kept.clone()]).await;

    // Backed up while the server runs.
    let backups = tempfile::tempdir().unwrap();
    let file = backups.path().join("labblogg-backup.db");
    let file_arg = file.to_str().unwrap();
    labblogg(&[&["backup", file_arg][..], &db[..]].concat(), "").await.expect("backup");
    assert!(file.is_file());
    let again = labblogg(&[&["backup", file_arg][..], &db[..]].concat(), "").await.unwrap_err();
    assert!(again.contains("finns redan"), "never overwrites: {again}");

    // Later changes, which the restore will undo.
    let lost = new_visit(LINA_HAGE, PLACE_LINA_HAGE, staff.tick());
    staff.push_ok(vec![lost.clone()]).await;
    add_user(store_of(&server).as_ref(), "efter-backup", Role::Staff, &[LINA_HAGE]).await;
    let before = staff.pull_all(0, 1000).await;

    // Refused while the server runs.
    let refused = labblogg(&[&["restore", file_arg][..], &db[..]].concat(), "").await.unwrap_err();
    assert!(refused.contains("stoppa den först"), "{refused}");
    server.stop().await;

    // Not a database: refused, nothing changed.
    let junk = backups.path().join("junk.db");
    std::fs::write(&junk, b"not a database at all").unwrap();
    assert!(labblogg(&[&["restore", junk.to_str().unwrap()][..], &db[..]].concat(), "").await.is_err());
    assert!(labblogg(&[&["restore", "/nonexistent/backup.db"][..], &db[..]].concat(), "").await.is_err());

    let out = labblogg(&[&["restore", file_arg][..], &db[..]].concat(), "").await.expect("restore");
    assert!(out.contains("logga in igen"), "{out}");

    let server = TestServer::start_in(dir).await;
    // Every token was revoked: devices sign in again.
    let resp = call(&server, Some(&staff.token), Method::GET, "/api/v1/me", None).await;
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
    let resp = server.login_response("efter-backup", "efter-backup", Uuid::now_v7()).await;
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED, "the account made after the backup is gone");
    let staff2 = server.client("personal").await;
    let after = staff2.pull_all(0, 1000).await;
    let ids: HashSet<Uuid> = after.records.iter().map(|r| r.state.id).collect();
    assert!(ids.contains(&kept.id) && !ids.contains(&lost.id));
    assert_eq!(after.records.len(), before.records.len() - 1);
    // Sequence numbers never went back: a device with the pre-restore cursor pulls everything again.
    assert!(after.records.iter().all(|r| r.seq > before.cursor), "restored records must be renumbered");
    let old_device = staff2.pull_all(before.cursor, 1000).await;
    assert_eq!(old_device.records.len(), after.records.len());
    // The restore itself is audited.
    let store = store_of(&server);
    let log = store.audit_log(None, 10).await.unwrap();
    assert!(log
        .iter()
        .any(|e| e.action == AuditAction::Restored && e.subject.as_deref() == Some("labblogg-backup.db")));
    server.stop().await;
}

// 8. Fuzzing the sync endpoint over HTTP

/// How many hostile requests the fuzz run sends (about 10 s in a debug build).
const FUZZ_REQUESTS: usize = 3000;

/// A change no server may store, poisoned twice over so that no single
/// mutation can make it valid: another lab (permission) and an impossible date
/// at a meeting place of yet another lab (validation).
fn poisoned(rng: &mut StdRng) -> Value {
    let mut fields = visit_fields(PLACE_LINA_HAGE, "2024-02-30", AgeBand::Age6To12);
    fields.insert("at_ms".into(), json!(now_ms()));
    json!({
        "change_id": Uuid::now_v7(),
        "kind": "visit",
        "id": Uuid::now_v7(),
        "lab_id": PORTALEN,
        "hlc": Hlc { ms: now_ms(), counter: rng.random_range(0..1000), node: rng.random() },
        "fields": fields,
    })
}

fn hostile_string(rng: &mut StdRng) -> Value {
    match rng.random_range(0..8) {
        0 => json!(""),
        1 => json!("x".repeat(rng.random_range(1000..100_000))),
        2 => json!("\u{0}\u{1}\u{7f}\u{202e}\u{feff}"),
        3 => json!("'; DROP TABLE records; --"),
        4 => json!("00000000-0000-0000-0000-000000000000"),
        5 => json!("NaN"),
        6 => json!("1e999"),
        _ => json!("åäö💥".repeat(rng.random_range(1..500))),
    }
}

fn hostile_value(rng: &mut StdRng) -> Value {
    match rng.random_range(0..10) {
        0 => Value::Null,
        1 => json!(-1),
        2 => json!(u64::MAX),
        3 => json!(1.5e300),
        4 => json!(-0.0),
        5 => json!([]),
        6 => json!({}),
        7 => json!(true),
        8 => json!(i64::MIN),
        _ => hostile_string(rng),
    }
}

/// One hostile request body.
fn hostile_body(rng: &mut StdRng, device_id: Uuid) -> Vec<u8> {
    let base = |rng: &mut StdRng, changes: Vec<Value>| json!({ "protocol": PROTOCOL_VERSION, "device_id": device_id, "cursor": rng.random_range(0..100u64), "changes": changes });
    let one = |rng: &mut StdRng| {
        let c = poisoned(rng);
        base(rng, vec![c])
    };
    let text = |v: &Value| serde_json::to_vec(v).expect("serialize");
    match rng.random_range(0..22) {
        // Malformed JSON: cut off, or bytes flipped.
        0 => {
            let b = text(&one(rng));
            b[..rng.random_range(0..b.len())].to_vec()
        }
        1 => {
            let mut b = text(&one(rng));
            for _ in 0..rng.random_range(1..8) {
                let i = rng.random_range(0..b.len());
                b[i] = rng.random();
            }
            b
        }
        // Deep nesting, at the top and inside fields.
        2 => {
            let depth = rng.random_range(100..50_000);
            [vec![b'['; depth], vec![b']'; depth]].concat()
        }
        3 => {
            let depth = rng.random_range(100..20_000);
            let mut b = text(&one(rng));
            let at = b.windows(9).position(|w| w == b"\"fields\":").expect("fields") + 9;
            let nest = format!("{{\"x\":{}1{},", "[".repeat(depth), "]".repeat(depth));
            b.splice(at..at + 1, nest.bytes());
            b
        }
        // Huge strings, up to just under the body limit.
        4 => {
            let mut v = one(rng);
            v["changes"][0]["fields"]["note"] = json!("A".repeat(rng.random_range(100_000..MAX_BODY_BYTES - 2000)));
            text(&v)
        }
        5 => {
            let mut v = one(rng);
            v["changes"][0]["fields"]["date"] = hostile_string(rng);
            text(&v)
        }
        // Wrong types anywhere in the envelope.
        6 => {
            let mut v = one(rng);
            let key = ["protocol", "device_id", "cursor", "changes", "pull_limit"][rng.random_range(0..5)];
            v[key] = hostile_value(rng);
            text(&v)
        }
        7 => {
            let mut v = one(rng);
            let key = ["change_id", "kind", "id", "lab_id", "hlc", "fields", "deleted"][rng.random_range(0..7)];
            v["changes"][0][key] = hostile_value(rng);
            text(&v)
        }
        8 => {
            let mut v = one(rng);
            let key =
                ["meeting_place_id", "at_ms", "date", "age_band", "gender", "first_visit"][rng.random_range(0..6)];
            v["changes"][0]["fields"][key] = hostile_value(rng);
            text(&v)
        }
        // Giant and NaN-ish numbers as raw JSON text.
        9 => {
            let n = [
                "18446744073709551616",
                "1e400",
                "-1e400",
                "NaN",
                "Infinity",
                "-Infinity",
                "0x10",
                "1_000",
                "-0",
                "00",
            ][rng.random_range(0..10)];
            format!(r#"{{"protocol":1,"device_id":"{device_id}","cursor":{n},"changes":[]}}"#).into_bytes()
        }
        10 => {
            let n = ["18446744073709551616", "1e400", "NaN", "99999999999999999999999999", "-9223372036854775809"]
                [rng.random_range(0..5)];
            let mut b = text(&one(rng));
            let at = b.windows(8).position(|w| w == b"\"at_ms\":").expect("at_ms") + 8;
            let end = at + b[at..].iter().position(|&c| c == b',' || c == b'}').expect("end");
            b.splice(at..end, n.bytes());
            b
        }
        // Duplicate keys: in the envelope they are refused; in fields the last wins,
        // and the change stays poisoned.
        11 => {
            format!(r#"{{"protocol":1,"protocol":1,"device_id":"{device_id}","cursor":0,"changes":[]}}"#).into_bytes()
        }
        12 => {
            let mut b = text(&one(rng));
            let at = b.windows(10).position(|w| w == b"\"fields\":{").expect("fields") + 10;
            b.splice(at..at, br#""date":"2024-01-01","age_band":"6-12","age_band":"65+","#.iter().copied());
            b
        }
        // Unknown kinds and invalid UUIDs.
        13 => {
            let mut v = one(rng);
            v["changes"][0]["kind"] =
                json!(["user", "admin", "token", "Visit", "visit ", "", "records"][rng.random_range(0..7)]);
            text(&v)
        }
        14 => {
            let mut v = one(rng);
            let key = ["change_id", "id", "lab_id"][rng.random_range(0..3)];
            v["changes"][0][key] = json!(
                [
                    "not-a-uuid",
                    "",
                    "{00000000-0000-0000-0000-000000000000}",
                    "g0000000-0000-0000-0000-000000000000",
                    "123"
                ][rng.random_range(0..5)]
            );
            text(&v)
        }
        // Oversized batches, and full ones.
        15 => {
            let n = if rng.random_bool(0.5) { MAX_PUSH_CHANGES + rng.random_range(1..50) } else { MAX_PUSH_CHANGES };
            let changes = (0..n).map(|_| poisoned(rng)).collect();
            text(&base(rng, changes))
        }
        // Not an object at all, or nothing.
        16 => [
            &b""[..],
            b"null",
            b"[]",
            b"\"sync\"",
            b"1",
            b"{}",
            b"\xef\xbb\xbf{}",
            b"\xff\xfe\x00",
            b"{\"protocol\":1}",
        ][rng.random_range(0..9)]
        .to_vec(),
        // Tombstones and edits aimed at records of other labs.
        17 => {
            let mut v = one(rng);
            v["changes"][0]["id"] =
                json!([PLACE_PORTALEN, PORTALEN, LINA_HAGE, PLACE_LINA_HAGE][rng.random_range(0..4)]);
            v["changes"][0]["deleted"] = json!(true);
            text(&v)
        }
        18 => {
            let mut v = one(rng);
            v["changes"][0]["kind"] = json!(["lab", "meeting_place"][rng.random_range(0..2)]);
            v["changes"][0]["id"] = json!(PORTALEN);
            text(&v)
        }
        // Clocks far ahead, or malformed.
        19 => {
            let mut v = one(rng);
            v["changes"][0]["hlc"] = json!(
                [
                    "999999999999999-0000000000-0000000000000000",
                    "1-2-3",
                    "-1-0-0",
                    "000000000000001-0000000002-zzzzzzzzzzzzzzzz"
                ][rng.random_range(0..4)]
            );
            text(&v)
        }
        // Random bytes.
        20 => (0..rng.random_range(0..4096)).map(|_| rng.random()).collect(),
        // Many small poisoned changes with hostile extra keys.
        _ => {
            let changes = (0..rng.random_range(1..50))
                .map(|_| {
                    let mut c = poisoned(rng);
                    c["fields"][format!("k{}", rng.random::<u16>())] = hostile_value(rng);
                    c["extra"] = hostile_value(rng);
                    c
                })
                .collect();
            text(&base(rng, changes))
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fuzzed_sync_requests_never_fail_the_server_nor_store_anything() {
    let server = TestServer::start().await;
    let store = store_of(&server);
    let staff = server.client("personal").await;
    let top = store.top_seq().await.unwrap();
    let seed: u64 = std::env::var("LABBLOGG_FUZZ_SEED").ok().and_then(|s| s.parse().ok()).unwrap_or(0x1abb_1066);
    let mut rng = StdRng::seed_from_u64(seed);
    let started = Instant::now();
    let mut statuses = std::collections::BTreeMap::<u16, usize>::new();
    for i in 0..FUZZ_REQUESTS {
        let body = hostile_body(&mut rng, staff.device_id);
        let head = String::from_utf8_lossy(&body[..body.len().min(200)]).into_owned();
        let resp = staff.post_sync_raw(body).await;
        let status = resp.status();
        *statuses.entry(status.as_u16()).or_default() += 1;
        let text = resp.text().await.expect("a complete answer");
        assert!(
            status.is_success() || status.is_client_error(),
            "request {i} (seed {seed}) got {status}: {text}\nbody began: {head}"
        );
        if status.is_success() {
            let answer: SyncResponse = serde_json::from_str(&text).expect("a sync response");
            assert!(
                answer.results.iter().all(|r| r.rejected.is_some()),
                "request {i} (seed {seed}): a change was accepted\n{head}"
            );
        } else {
            let error: ApiErrorBody =
                serde_json::from_str(&text).unwrap_or_else(|e| panic!("request {i}: not a JSON error ({e}): {text}"));
            assert!(!error.message.is_empty());
        }
        assert!(started.elapsed() < Duration::from_secs(300), "fuzz run too slow: {i} requests");
    }
    assert_eq!(store.top_seq().await.unwrap(), top, "nothing was stored");
    let resp = server.http.get(server.url("/healthz")).send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::OK, "the server still answers");
    staff.push_ok(vec![new_visit(LINA_HAGE, PLACE_LINA_HAGE, Hlc { ms: now_ms(), counter: 0, node: 1 })]).await;
    eprintln!("fuzz: {FUZZ_REQUESTS} requests (seed {seed:#x}) in {:?}, statuses {statuses:?}", started.elapsed());
}
