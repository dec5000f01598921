//! Helpers for the HTTP integration tests: a real server on a loopback port
//! over a throwaway SQLite file (or a fresh PostgreSQL database, for
//! api_postgres.rs), and a small client speaking the sync protocol.

#![allow(dead_code)] // each test binary uses a different subset

use labblogg_server::config::{DbArgs, ServeArgs};
use labblogg_server::demo;
use labblogg_shared::auth::{LoginRequest, LoginResponse};
use labblogg_shared::error::{ApiErrorBody, ApiErrorCode};
use labblogg_shared::hlc::node_of;
use labblogg_shared::sync::{ServerRecord, SyncRequest, SyncResponse};
use labblogg_shared::{AgeBand, Change, Hlc, RecordKind, Visit, PROTOCOL_VERSION};
use reqwest::StatusCode;
use serde_json::{Map, Value};
use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;
use tempfile::TempDir;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use uuid::Uuid;

pub fn now_ms() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).expect("clock before 1970").as_millis() as u64
}

/// The demo labs and their meeting places, as (lab, place).
pub const LABS_AND_PLACES: [(Uuid, Uuid); 4] = [
    (demo::PORTALEN, demo::PLACE_PORTALEN),
    (demo::BODEN, demo::PLACE_BODEN),
    (demo::RANNEBERGEN, demo::PLACE_RANNEBERGEN),
    (demo::LINA_HAGE, demo::PLACE_LINA_HAGE),
];

/// A server running in this process on 127.0.0.1:<random port>.
pub struct TestServer {
    pub addr: SocketAddr,
    pub http: reqwest::Client,
    dir: Arc<TempDir>,
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<std::io::Result<()>>>,
}

impl TestServer {
    /// A fresh server with the demo data in a new temporary database.
    pub async fn start() -> Self {
        Self::start_in(Arc::new(tempfile::tempdir().expect("tempdir"))).await
    }

    /// A server on the database file `t.db` inside `dir` (created if missing);
    /// in the api_postgres tests, on the PostgreSQL database noted in `dir`.
    pub async fn start_in(dir: Arc<TempDir>) -> Self {
        let database_url = match test_database_url(&dir).await {
            Some(url) => url,
            None => format!("sqlite://{}", db_path(&dir).display()),
        };
        let args = ServeArgs {
            bind: "127.0.0.1:0".parse().expect("addr"),
            db: DbArgs { database_url },
            assets: None,
            demo: true,
            demo_year: false,
        };
        let state = labblogg_server::prepare(&args).await.expect("prepare server");
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().expect("local addr");
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(labblogg_server::serve(listener, state, None, async move {
            let _ = stopped.await;
        }));
        let http = reqwest::Client::builder().timeout(Duration::from_secs(60)).build().expect("http client");
        TestServer { addr, http, dir, stop: Some(stop), task: Some(task) }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// The folder holding the database, to start another server on it.
    pub fn dir(&self) -> Arc<TempDir> {
        self.dir.clone()
    }

    /// Graceful shutdown: stop accepting, finish in-flight requests, wait for the end.
    pub async fn stop(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            tokio::time::timeout(Duration::from_secs(30), task)
                .await
                .expect("server did not shut down within 30 s")
                .expect("server task panicked")
                .expect("server failed");
        }
    }

    pub async fn login_response(&self, username: &str, password: &str, device_id: Uuid) -> reqwest::Response {
        self.http
            .post(self.url("/api/v1/auth/login"))
            .json(&LoginRequest {
                username: username.into(),
                password: password.into(),
                device_id: Some(device_id),
                device_name: None,
            })
            .send()
            .await
            .expect("login request")
    }

    /// Sign in a demo account (password = username) on a new device.
    pub async fn client(&self, username: &str) -> Client {
        let device_id = Uuid::now_v7();
        let resp = self.login_response(username, username, device_id).await;
        assert_eq!(resp.status(), StatusCode::OK, "login as {username}");
        let login: LoginResponse = resp.json().await.expect("login body");
        Client::new(self, login.token, device_id)
    }
}

pub fn db_path(dir: &TempDir) -> PathBuf {
    dir.path().join("t.db")
}

/// The PostgreSQL server the tests may use (`LABBLOGG_TEST_POSTGRES_URL`,
/// a role that may create databases; `cargo xtask test` starts one).
pub fn postgres_url() -> Option<String> {
    std::env::var("LABBLOGG_TEST_POSTGRES_URL").ok().filter(|u| !u.trim().is_empty())
}

/// Does this test binary run the HTTP tests on PostgreSQL? Only api_postgres.rs
/// (api.rs compiled a second time) does, and only when a server is given.
fn servers_on_postgres() -> bool {
    env!("CARGO_CRATE_NAME") == "api_postgres" && postgres_url().is_some()
}

/// For api_postgres: the database of the servers started in `dir`, created
/// on first use and noted in the folder so a restarted server finds it.
async fn test_database_url(dir: &TempDir) -> Option<String> {
    if !servers_on_postgres() {
        return None;
    }
    let note = dir.path().join("postgres-url");
    if let Ok(url) = std::fs::read_to_string(&note) {
        return Some(url);
    }
    let url = fresh_postgres_database().await?;
    std::fs::write(&note, &url).expect("note the database url");
    Some(url)
}

/// A new, empty database on the test server, as a URL; `None` without one.
pub async fn fresh_postgres_database() -> Option<String> {
    let base = postgres_url()?;
    let (client, connection) = tokio_postgres::connect(&base, tokio_postgres::NoTls)
        .await
        .unwrap_or_else(|e| panic!("connect to LABBLOGG_TEST_POSTGRES_URL: {e}"));
    let connection = tokio::spawn(connection);
    let name = format!("labblogg_test_{}", Uuid::new_v4().simple());
    client.batch_execute(&format!("CREATE DATABASE {name}")).await.expect("create a test database");
    drop(client);
    let _ = connection.await;
    Some(with_database(&base, &name))
}

/// `url` with its database name replaced by `name`.
pub fn with_database(url: &str, name: &str) -> String {
    let scheme_end = url.find("://").map_or(0, |i| i + 3);
    let (head, rest) = url.split_at(scheme_end);
    let (authority, path_and_query) = match rest.find('/') {
        Some(i) => rest.split_at(i),
        None => (rest, ""),
    };
    let query = path_and_query.find('?').map_or("", |i| &path_and_query[i..]);
    let query = if query.is_empty() && authority.is_empty() { "" } else { query };
    format!("{head}{authority}/{name}{query}")
}

/// A signed-in device: its token, id and hybrid logical clock.
pub struct Client {
    pub http: reqwest::Client,
    pub base: String,
    pub token: String,
    pub device_id: Uuid,
    clock: Hlc,
}

impl Client {
    pub fn new(server: &TestServer, token: String, device_id: Uuid) -> Self {
        Client {
            http: server.http.clone(),
            base: server.url(""),
            token,
            device_id,
            clock: Hlc::new(node_of(device_id)),
        }
    }

    /// A fresh stamp from this device's clock.
    pub fn tick(&mut self) -> Hlc {
        self.clock.tick(now_ms())
    }

    /// A request for `sync` with this device's id.
    pub fn request(&self, cursor: u64, changes: Vec<Change>, pull_limit: Option<u32>) -> SyncRequest {
        SyncRequest { protocol: PROTOCOL_VERSION, device_id: self.device_id, cursor, changes, pull_limit }
    }

    /// POST /api/v1/sync with any JSON body, signed in.
    pub async fn post_sync<B: serde::Serialize + ?Sized>(&self, body: &B) -> reqwest::Response {
        self.http
            .post(format!("{}/api/v1/sync", self.base))
            .bearer_auth(&self.token)
            .json(body)
            .send()
            .await
            .expect("sync request")
    }

    /// POST /api/v1/sync with raw bytes as a JSON body, signed in.
    pub async fn post_sync_raw(&self, body: Vec<u8>) -> reqwest::Response {
        self.http
            .post(format!("{}/api/v1/sync", self.base))
            .bearer_auth(&self.token)
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .body(body)
            .send()
            .await
            .expect("sync request")
    }

    /// One sync round trip that must succeed.
    pub async fn sync(&self, req: &SyncRequest) -> SyncResponse {
        let resp = self.post_sync(req).await;
        let status = resp.status();
        let text = resp.text().await.expect("sync body");
        assert_eq!(status, StatusCode::OK, "sync failed: {text}");
        serde_json::from_str(&text).expect("sync response")
    }

    /// Push `changes` (pulling at most one record back) and return the response.
    pub async fn push(&self, changes: Vec<Change>) -> SyncResponse {
        let resp = self.sync(&self.request(0, changes.clone(), Some(1))).await;
        assert_eq!(resp.results.len(), changes.len(), "one result per change");
        resp
    }

    /// Push `changes` and require every one of them to be accepted.
    pub async fn push_ok(&self, changes: Vec<Change>) {
        let resp = self.push(changes).await;
        for r in &resp.results {
            assert_eq!(r.rejected, None, "change {} rejected", r.change_id);
        }
    }

    /// Pull every page after `cursor`, checking the paging contract on the way.
    pub async fn pull_all(&self, cursor: u64, limit: u32) -> Pulled {
        let mut pulled = Pulled { records: Vec::new(), cursor, pages: 0 };
        loop {
            let resp = self.sync(&self.request(pulled.cursor, Vec::new(), Some(limit))).await;
            pulled.pages += 1;
            assert!(resp.records.len() <= limit as usize, "page larger than pull_limit");
            let mut last = pulled.cursor;
            for r in &resp.records {
                assert!(r.seq > last, "records out of sequence order: {} after {last}", r.seq);
                last = r.seq;
            }
            assert!(resp.cursor >= last, "cursor {} behind the page's last seq {last}", resp.cursor);
            if resp.more {
                assert!(!resp.records.is_empty(), "more=true on an empty page");
                assert!(resp.cursor > pulled.cursor, "cursor did not advance: {}", resp.cursor);
            } else {
                assert!(resp.cursor >= pulled.cursor, "cursor went back");
            }
            pulled.cursor = resp.cursor;
            pulled.records.extend(resp.records);
            if !resp.more {
                return pulled;
            }
            assert!(pulled.pages < 100_000, "pull does not end");
        }
    }
}

pub struct Pulled {
    pub records: Vec<ServerRecord>,
    pub cursor: u64,
    pub pages: usize,
}

impl Pulled {
    pub fn by_id(&self) -> HashMap<Uuid, &ServerRecord> {
        self.records.iter().map(|r| (r.state.id, r)).collect()
    }

    pub fn count_of(&self, id: Uuid) -> usize {
        self.records.iter().filter(|r| r.state.id == id).count()
    }

    pub fn visits(&self) -> impl Iterator<Item = &ServerRecord> {
        self.records.iter().filter(|r| r.state.kind == RecordKind::Visit)
    }
}

/// A visit's fields, as the app serializes them.
pub fn visit_fields(place: Uuid, date: &str, age_band: AgeBand) -> Map<String, Value> {
    let visit = Visit {
        meeting_place_id: place,
        at_ms: now_ms() as i64,
        date: date.into(),
        age_band,
        gender: None,
        first_visit: true,
    };
    match serde_json::to_value(visit).expect("serialize visit") {
        Value::Object(m) => m,
        other => panic!("visit serialized as {other}"),
    }
}

/// A change creating a new visit at `place` of `lab`.
pub fn new_visit(lab: Uuid, place: Uuid, hlc: Hlc) -> Change {
    Change {
        change_id: Uuid::now_v7(),
        kind: RecordKind::Visit,
        id: Uuid::now_v7(),
        lab_id: lab,
        hlc,
        fields: visit_fields(place, "2024-11-19", AgeBand::Age13To15),
        deleted: false,
        restore: false,
    }
}

/// `n` new visits at `place` of `lab`, stamped by one device with `node`, made fast.
pub fn many_visits(lab: Uuid, place: Uuid, node: u64, n: usize) -> Vec<Change> {
    let template = visit_fields(place, "2024-11-19", AgeBand::Age6To12);
    let ms = now_ms();
    (0..n)
        .map(|i| Change {
            change_id: Uuid::now_v7(),
            kind: RecordKind::Visit,
            id: Uuid::now_v7(),
            lab_id: lab,
            hlc: Hlc { ms, counter: i as u32, node },
            fields: template.clone(),
            deleted: false,
            restore: false,
        })
        .collect()
}

/// Read an error answer and check its status and code; returns the message.
pub async fn expect_error(resp: reqwest::Response, status: StatusCode, code: ApiErrorCode) -> String {
    assert_eq!(resp.status(), status);
    assert!(
        resp.headers()
            .get(reqwest::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("application/json")),
        "error body is not JSON: {:?}",
        resp.headers().get(reqwest::header::CONTENT_TYPE)
    );
    let body: ApiErrorBody = resp.json().await.expect("error body");
    assert_eq!(body.code, code, "message: {}", body.message);
    assert!(!body.message.trim().is_empty(), "empty error message");
    body.message
}
