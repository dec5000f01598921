//! The server's perimeter (issue #19, docs/SECURITY.md): every answer bounded
//! (pull pages by bytes, records by size per kind), time limits on every
//! connection and on shutdown, sign-in bound to a device, account names and
//! passwords, and no redirect off the site. Each test starts its own server.

mod common;

use common::{db_path, expect_error, new_visit, Client, TestServer};
use labblogg_server::db::{self, Store};
use labblogg_server::demo::{LINA_HAGE, PLACE_LINA_HAGE};
use labblogg_server::{BODY_TIMEOUT, HEADER_TIMEOUT, SHUTDOWN_GRACE};
use labblogg_shared::auth::{AuditEntry, LoginResponse};
use labblogg_shared::error::ApiErrorCode;
use labblogg_shared::sync::{RejectCode, SyncResponse, MAX_PULL_BYTES};
use labblogg_shared::{Change, RecordKind};
use reqwest::StatusCode;
use serde_json::{json, Map, Value};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use uuid::Uuid;

fn store_of(server: &TestServer) -> Arc<dyn Store> {
    Arc::new(db::SqliteStore::open(&db_path(&server.dir()).display().to_string()).expect("open the store"))
}

fn object(v: Value) -> Map<String, Value> {
    match v {
        Value::Object(m) => m,
        other => panic!("not an object: {other}"),
    }
}

/// The largest valid activity at Lina Hage: notes and lessons of 4,000 four-byte characters
/// each, about 32 kB (records are closed, so no key validation does not know can pad it).
fn large_activity(client: &mut Client) -> Change {
    let text = "😀".repeat(4000);
    Change {
        change_id: Uuid::now_v7(),
        kind: RecordKind::Activity,
        id: Uuid::now_v7(),
        lab_id: LINA_HAGE,
        hlc: client.tick(),
        fields: object(json!({
            "meeting_place_id": PLACE_LINA_HAGE, "kind": "workshop", "title": "Workshop", "date": "2024-11-19",
            "notes": text, "lessons_learned": text,
        })),
        deleted: false,
        restore: false,
    }
}

/// An activity at Lina Hage carrying `pad` bytes in a key no schema names: refused, by its size
/// first when it is too large.
fn padded_activity(client: &mut Client, pad: usize) -> Change {
    Change {
        change_id: Uuid::now_v7(),
        kind: RecordKind::Activity,
        id: Uuid::now_v7(),
        lab_id: LINA_HAGE,
        hlc: client.tick(),
        fields: object(json!({
            "meeting_place_id": PLACE_LINA_HAGE, "kind": "workshop", "title": "Workshop", "date": "2024-11-19",
            "bilaga": "x".repeat(pad),
        })),
        deleted: false,
        restore: false,
    }
}

// 1. Every answer bounded

#[tokio::test]
async fn a_record_too_large_for_its_kind_is_refused_with_a_reason() {
    let server = TestServer::start().await;
    let mut staff = server.client("personal").await;
    // The visit: 1.9 MB in a key the validation does not read.
    let mut visit = new_visit(LINA_HAGE, PLACE_LINA_HAGE, staff.tick());
    visit.fields.insert("extra".into(), "x".repeat(1_900_000).into());
    let resp = staff.push(vec![visit.clone()]).await;
    let rejection = resp.results[0].rejected.as_ref().expect("a 1.9 MB visit was accepted");
    assert_eq!(rejection.code, RejectCode::Validation);
    assert!(rejection.message.contains("posten är för stor"), "{}", rejection.message);
    assert!(store_of(&server).record(visit.id).await.unwrap().is_none());
    // An activity may be larger than a visit, up to its own limit.
    let ok = large_activity(&mut staff);
    let too_big = padded_activity(&mut staff, 120_000);
    let resp = staff.push(vec![ok, too_big]).await;
    assert_eq!(resp.results[0].rejected, None);
    assert!(resp.results[1].rejected.as_ref().is_some_and(|r| r.message.contains("högst 98304 byte")));
}

#[tokio::test]
async fn a_pull_page_stops_at_the_byte_budget_and_every_record_still_arrives() {
    let server = TestServer::start().await;
    let mut staff = server.client("personal").await;
    // 64 activities of about 32 kB: about 2 MB, more than any page may carry.
    let mut ids = Vec::new();
    for _ in 0..8 {
        let batch: Vec<Change> = (0..8).map(|_| large_activity(&mut staff)).collect();
        ids.extend(batch.iter().map(|c| c.id));
        staff.push_ok(batch).await;
    }
    let mut cursor = 0;
    let (mut pages, mut largest, mut got) = (0, 0, Vec::new());
    loop {
        let resp = staff.post_sync(&staff.request(cursor, Vec::new(), Some(1000))).await;
        assert_eq!(resp.status(), StatusCode::OK);
        let body = resp.bytes().await.unwrap();
        largest = largest.max(body.len());
        // The page's records within the budget; the envelope is a few hundred bytes.
        assert!(body.len() <= MAX_PULL_BYTES + 4096, "page of {} bytes", body.len());
        let page: SyncResponse = serde_json::from_slice(&body).unwrap();
        assert!(!page.records.is_empty() || !page.more, "an empty page with more");
        pages += 1;
        got.extend(page.records.iter().map(|r| r.state.id));
        cursor = page.cursor;
        if !page.more {
            break;
        }
    }
    println!("pulled in {pages} pages, the largest {largest} bytes");
    assert!(pages >= 2, "1.9 MB came in one page");
    for id in ids {
        assert!(got.contains(&id), "activity {id} never arrived");
    }
}

// 2. Sign-in bound to a device

#[tokio::test]
async fn sign_in_needs_a_device_and_a_token_syncs_only_as_its_device() {
    let server = TestServer::start().await;
    let resp = server
        .http
        .post(server.url("/api/v1/auth/login"))
        .json(&json!({ "username": "personal", "password": "personal" }))
        .send()
        .await
        .unwrap();
    let message = expect_error(resp, StatusCode::BAD_REQUEST, ApiErrorCode::BadRequest).await;
    assert!(message.contains("device_id saknas"), "{message}");
    // A token issued before the rule (no device) syncs as no device at all.
    let store = store_of(&server);
    let user = store.user_by_name("personal").await.unwrap().unwrap();
    let token = "gammal-token-utan-enhet-0123456789abcdefghijk";
    store.insert_token(labblogg_server::auth::token_hash(token), user.id, None).await.unwrap();
    let old = Client::new(&server, token.into(), Uuid::now_v7());
    let resp = old.post_sync(&old.request(0, Vec::new(), None)).await;
    expect_error(resp, StatusCode::UNAUTHORIZED, ApiErrorCode::Unauthorized).await;
    // A bound token syncs as its device and no other.
    let staff = server.client("personal").await;
    staff.sync(&staff.request(0, Vec::new(), Some(1))).await;
    let mut other = staff.request(0, Vec::new(), Some(1));
    other.device_id = Uuid::now_v7();
    expect_error(staff.post_sync(&other).await, StatusCode::UNAUTHORIZED, ApiErrorCode::Unauthorized).await;
}

// 3. Time limits

/// Read until the server closes the connection; how long that took.
async fn closed_after(mut stream: TcpStream, limit: Duration) -> Duration {
    let start = Instant::now();
    let mut buf = [0u8; 4096];
    loop {
        match tokio::time::timeout(limit.saturating_sub(start.elapsed()), stream.read(&mut buf)).await {
            Ok(Ok(0)) | Ok(Err(_)) => return start.elapsed(),
            Ok(Ok(_)) => continue, // an answer (408, 400) before the close
            Err(_) => panic!("connection still open after {limit:?}"),
        }
    }
}

#[tokio::test]
async fn idle_half_header_and_half_body_connections_are_closed_in_time() {
    let server = TestServer::start().await;
    let connect = || TcpStream::connect(server.addr);
    let idle = connect().await.unwrap();
    let mut half_header = connect().await.unwrap();
    half_header.write_all(b"POST /api/v1/auth/login HTTP/1.1\r\nHost: x\r\nContent-Ty").await.unwrap();
    let mut half_body = connect().await.unwrap();
    half_body
        .write_all(b"POST /api/v1/auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{\"username\":")
        .await
        .unwrap();
    // A keep-alive connection left idle after one answer.
    let mut kept = connect().await.unwrap();
    kept.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n").await.unwrap();
    let mut buf = [0u8; 1024];
    let n = kept.read(&mut buf).await.unwrap();
    assert!(buf[..n].starts_with(b"HTTP/1.1 200"), "{}", String::from_utf8_lossy(&buf[..n]));

    let slack = Duration::from_secs(3);
    let (idle, half_header, half_body, kept) = tokio::join!(
        closed_after(idle, HEADER_TIMEOUT + slack),
        closed_after(half_header, HEADER_TIMEOUT + slack),
        closed_after(half_body, BODY_TIMEOUT + slack),
        closed_after(kept, HEADER_TIMEOUT + slack),
    );
    println!("closed after: idle {idle:?}, half header {half_header:?}, half body {half_body:?}, kept alive {kept:?}");
    // And the server still answers.
    let resp = server.http.get(server.url("/healthz")).send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
}

#[tokio::test]
async fn sigterm_with_a_half_sent_request_exits_within_the_grace_period() {
    let dir = tempfile::tempdir().unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let addr = format!("127.0.0.1:{port}");
    let mut child = Command::new(env!("CARGO_BIN_EXE_labblogg"))
        .args(["serve", "--demo", "--bind", &addr, "--database-url"])
        .arg(format!("sqlite://{}", dir.path().join("t.db").display()))
        .env("LABBLOGG_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start labblogg");
    let http = reqwest::Client::new();
    let deadline = Instant::now() + Duration::from_secs(60);
    while !http.get(format!("http://{addr}/healthz")).send().await.is_ok_and(|r| r.status().is_success()) {
        assert!(Instant::now() < deadline, "the server did not start");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // A request whose headers are in and whose body never comes, and one half a header.
    let mut half_body = TcpStream::connect(&addr).await.unwrap();
    half_body
        .write_all(b"POST /api/v1/sync HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n{")
        .await
        .unwrap();
    let mut half_header = TcpStream::connect(&addr).await.unwrap();
    half_header.write_all(b"GET /healthz HTTP/1.1\r\nHo").await.unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;

    let start = Instant::now();
    let status = Command::new("kill").args(["-TERM", &child.id().to_string()]).status().unwrap();
    assert!(status.success());
    let limit = SHUTDOWN_GRACE + Duration::from_secs(3);
    let exit = loop {
        if let Some(exit) = child.try_wait().unwrap() {
            break exit;
        }
        if start.elapsed() > limit {
            let _ = child.kill();
            panic!("still running {limit:?} after SIGTERM");
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    println!("exited {exit} {:?} after SIGTERM", start.elapsed());
    assert!(exit.success(), "{exit}");
    drop((half_body, half_header));
}

// 4. Accounts

#[tokio::test]
async fn weak_passwords_and_lookalike_usernames_are_refused() {
    let server = TestServer::start().await;
    let store = store_of(&server);
    let admin = {
        let req = labblogg_shared::auth::CreateUserRequest {
            username: "administrator".into(),
            display_name: "Admin".into(),
            password: "kanel-fjällräv-vågbrytare".into(),
            role: labblogg_shared::auth::Role::Admin,
            labs: Vec::new(),
            memberships: Vec::new(),
            home_meeting_place: None,
        };
        labblogg_server::accounts::create_user(store.as_ref(), &labblogg_server::accounts::Actor::cli(), req)
            .await
            .unwrap();
        let device = Uuid::now_v7();
        let resp = server.login_response("administrator", "kanel-fjällräv-vågbrytare", device).await;
        resp.json::<LoginResponse>().await.unwrap().token
    };
    let create = |username: &str, password: &str| {
        let body = json!({ "username": username, "display_name": "Ny Person", "password": password,
                           "role": "staff", "labs": [LINA_HAGE] });
        server.http.post(server.url("/api/v1/admin/users")).bearer_auth(&admin).json(&body).send()
    };
    for weak in ["password", "        ", "12345678", "ny.person1"] {
        let resp = create("ny.person", weak).await.unwrap();
        assert_eq!(resp.status(), StatusCode::BAD_REQUEST, "{weak:?} was accepted");
        let message = expect_error(resp, StatusCode::BAD_REQUEST, ApiErrorCode::BadRequest).await;
        assert!(message.contains("lösenordet"), "{weak:?}: {message}");
    }
    // `PERSONAL` is `personal`; `personаl` (Cyrillic а) looks like it.
    let resp = create("PERSONAL", "kanel-fjällräv-vågbrytare").await.unwrap();
    assert_eq!(resp.status(), StatusCode::CONFLICT);
    let message = expect_error(
        create("person\u{430}l", "kanel-fjällräv-vågbrytare").await.unwrap(),
        StatusCode::BAD_REQUEST,
        ApiErrorCode::BadRequest,
    )
    .await;
    assert!(message.contains("går inte att skilja från"), "{message}");
    // A new name is stored normalised and signs in however it is typed.
    let resp = create("Ｎy.Person", "kanel-fjällräv-vågbrytare").await.unwrap();
    assert_eq!(resp.status(), StatusCode::CREATED);
    assert!(store.user_by_name("ny.person").await.unwrap().is_some());
    let resp = server.login_response("NY.PERSON", "kanel-fjällräv-vågbrytare", Uuid::now_v7()).await;
    assert_eq!(resp.status(), StatusCode::OK);
    // A reset to a weak password is refused too.
    let id = store.user_by_name("ny.person").await.unwrap().unwrap().id;
    let resp = server
        .http
        .post(server.url(&format!("/api/v1/admin/users/{id}/reset-password")))
        .bearer_auth(&admin)
        .json(&json!({ "password": "ny.person" }))
        .send()
        .await
        .unwrap();
    expect_error(resp, StatusCode::BAD_REQUEST, ApiErrorCode::BadRequest).await;

    // A password typed into the username field never reaches the audit log.
    let secret = "Hemligt-Lösen-4711";
    let resp = server.login_response(secret, "", Uuid::now_v7()).await;
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
    let resp = server.http.get(server.url("/api/v1/admin/audit")).bearer_auth(&admin).send().await.unwrap();
    let text = resp.text().await.unwrap();
    assert!(!text.contains(secret) && !text.to_lowercase().contains(&secret.to_lowercase()), "{text}");
    let log: Vec<AuditEntry> = serde_json::from_str(&text).unwrap();
    assert!(log.iter().any(|e| e.actor.starts_with("okänt konto #")), "{log:?}");
}

// 5. No redirect off the site; the CSP

#[tokio::test]
async fn double_slash_paths_are_not_redirected_and_styles_are_not_inline() {
    use tower::ServiceExt;
    let assets = tempfile::tempdir().unwrap();
    std::fs::write(assets.path().join("index.html"), "<!doctype html><title>labblogg</title>").unwrap();
    std::fs::create_dir(assets.path().join("icons")).unwrap();
    std::fs::write(assets.path().join("icons").join("a.svg"), "<svg/>").unwrap();
    let db = tempfile::tempdir().unwrap();
    let args = labblogg_server::config::ServeArgs {
        bind: "127.0.0.1:0".parse().unwrap(),
        db: labblogg_server::config::DbArgs { database_url: format!("sqlite://{}", db.path().join("t.db").display()) },
        assets: None,
        demo: false,
        demo_year: false,
    };
    let state = labblogg_server::prepare(&args).await.unwrap();
    let app = labblogg_server::app(state, Some(assets.path()));
    for path in ["//icons", "//icons/", "/icons", "//evil.example/", "///evil.example", "/icons/a.svg"] {
        let req = axum::http::Request::get(path).body(axum::body::Body::empty()).unwrap();
        let resp = app.clone().oneshot(req).await.unwrap();
        assert!(!resp.status().is_redirection(), "{path}: {}", resp.status());
        assert!(resp.headers().get("location").is_none(), "{path}: {:?}", resp.headers().get("location"));
        let csp = resp.headers()["content-security-policy"].to_str().unwrap();
        assert!(!csp.contains("unsafe-inline"), "{csp}");
        assert!(csp.contains("style-src 'self'"), "{csp}");
    }
}

#[tokio::test]
async fn every_app_url_gets_the_app_shell_and_missing_files_a_404() {
    use tower::ServiceExt;
    let assets = tempfile::tempdir().unwrap();
    std::fs::write(assets.path().join("index.html"), "<!doctype html><title>labblogg</title>").unwrap();
    std::fs::write(assets.path().join("labblogg.js"), "export default 1;").unwrap();
    let db = tempfile::tempdir().unwrap();
    let args = labblogg_server::config::ServeArgs {
        bind: "127.0.0.1:0".parse().unwrap(),
        db: labblogg_server::config::DbArgs { database_url: format!("sqlite://{}", db.path().join("t.db").display()) },
        assets: None,
        demo: false,
        demo_year: false,
    };
    let state = labblogg_server::prepare(&args).await.unwrap();
    let app = labblogg_server::app(state, Some(assets.path()));
    let get = |path: &str| {
        let app = app.clone();
        let req = axum::http::Request::get(path).body(axum::body::Body::empty()).unwrap();
        async move {
            let resp = app.oneshot(req).await.unwrap();
            let status = resp.status();
            let body = axum::body::to_bytes(resp.into_body(), 1 << 20).await.unwrap();
            (status, String::from_utf8_lossy(&body).into_owned())
        }
    };
    for path in [
        "/",
        "/besok",
        "/labb/0195f0c2-0000-7000-8000-000000000000/rapport",
        "/arsrapport?labb=x",
        "/logga-in?till=%2Fmal",
        "/finns-inte",
    ] {
        let (status, body) = get(path).await;
        assert_eq!(status, StatusCode::OK, "{path}");
        assert!(body.contains("<title>labblogg</title>"), "{path}: {body}");
    }
    let (status, body) = get("/labblogg.js").await;
    assert_eq!((status, body.as_str()), (StatusCode::OK, "export default 1;"));
    for path in ["/saknas.js", "/icons/saknas.png", "/api/v2/sync", "/api", "/api/v1/finns-inte"] {
        let (status, body) = get(path).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
        assert!(!body.contains("<title>"), "{path}: {body}");
    }
}

#[tokio::test]
async fn a_failed_sign_in_never_writes_the_typed_name_to_the_server_log() {
    let dir = tempfile::tempdir().unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let addr = format!("127.0.0.1:{port}");
    let log = dir.path().join("server.log");
    let mut child = Command::new(env!("CARGO_BIN_EXE_labblogg"))
        .args(["serve", "--demo", "--bind", &addr, "--database-url"])
        .arg(format!("sqlite://{}", dir.path().join("t.db").display()))
        .env("LABBLOGG_LOG", "debug")
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(&log).unwrap())
        .spawn()
        .expect("start labblogg");
    let http = reqwest::Client::new();
    let deadline = Instant::now() + Duration::from_secs(60);
    while !http.get(format!("http://{addr}/healthz")).send().await.is_ok_and(|r| r.status().is_success()) {
        assert!(Instant::now() < deadline, "the server did not start");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // A password typed into the username field, then enough tries to be throttled.
    let secret = "Hemligt-Lösen-4711";
    for _ in 0..7 {
        let body = json!({ "username": secret, "password": "x", "device_id": Uuid::now_v7() });
        let resp = http.post(format!("http://{addr}/api/v1/auth/login")).json(&body).send().await.unwrap();
        assert!(matches!(resp.status().as_u16(), 401 | 429), "{}", resp.status());
    }
    // An existing account's name is logged as it is.
    let body = json!({ "username": "personal", "password": "fel", "device_id": Uuid::now_v7() });
    http.post(format!("http://{addr}/api/v1/auth/login")).json(&body).send().await.unwrap();
    let _ = child.kill();
    let _ = child.wait();
    let raw = std::fs::read_to_string(&log).unwrap();
    // Without the terminal colours tracing adds.
    let mut text = String::new();
    let mut rest = raw.as_str();
    while let Some(at) = rest.find('\u{1b}') {
        text.push_str(&rest[..at]);
        rest = rest[at..].split_once('m').map_or("", |(_, after)| after);
    }
    text.push_str(rest);
    assert!(!text.to_lowercase().contains(&secret.to_lowercase()), "the typed name reached the log:\n{text}");
    assert!(text.contains("okänt konto #"), "{text}");
    assert!(text.contains("username=personal"), "{text}");
}
