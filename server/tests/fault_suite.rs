//! The fault-injection suite (issue 8), native half: simulated tablets against the real server
//! binary on loopback, under a seeded random schedule of faults. The browser half, a tab closed
//! while taps are being written, is `tests/tests/fault_suite.rs`.
//!
//! - The server is the `labblogg` binary as a child process on a SQLite file, so it can be
//!   killed with SIGKILL mid-request and started again on the same database.
//! - Every request goes through a loopback proxy that, as each request asks (the device's
//!   seeded generator decides), cuts the connection after a random number of bytes of the
//!   request or of the response, delivers the request twice at once, delivers it again
//!   later (after newer requests: a reordered duplicate), or holds it back a while.
//! - The devices are the app's store and sync engine in miniature (`frontend/src/store.rs`
//!   `write`/`next_batch`/`apply_sync`, `frontend/src/sync.rs` `run`), running the real shared
//!   code: `apply_change`, `Hlc`, the wire types. They tap visits, undo some, create activities
//!   and edit each other's, and sync now and then. Each has a clock of its own, off by up to
//!   four minutes either way; one is set beyond the server's five-minute tolerance for a
//!   stretch of its run and then set right. What the app does about a change refused as
//!   `clock_ahead` is what these devices do (`shared::skew`): follow the server's time, bring
//!   the hybrid clock back under the server's limit, stamp the refused and pending changes
//!   again and send them. `LABBLOGG_FAULT_CLIENT=keep` models the app before it did that
//!   (refused changes kept for staff and never resent), to show what it cost.
//!
//! "Acknowledged to the user" is a local write committed to the device's store (the count on
//! screen moves). After the schedule every fault is lifted, every device syncs until nothing
//! moves, and the test checks that
//! - every acknowledged change the server did not refuse is contained in the server's record
//!   (applying it again changes nothing) — none lost;
//! - every record is on the server once, and the server holds nothing no device wrote —
//!   none duplicated; the server's state of each record is exactly the merge of the changes
//!   acknowledged for it (last writer wins per field, tombstones stay);
//! - every device holds exactly the server's records of its labs, with its refused changes
//!   merged on top (as the app shows them), and nothing else waits in its outbox.
//!
//! Runs in `cargo test` (and so `cargo xtask test`) at a size fit for CI. Bigger runs:
//! `cargo xtask faults --seed S --devices N --ops M`, or the variables `LABBLOGG_FAULT_SEED`,
//! `LABBLOGG_FAULT_DEVICES`, `LABBLOGG_FAULT_OPS` (operations per device) with
//! `cargo test -p labblogg-server --test fault_suite -- --nocapture`.

use labblogg_shared::auth::{LoginRequest, LoginResponse};
use labblogg_shared::hlc::{node_of, MAX_CLOCK_AHEAD_MS};
use labblogg_shared::merge::apply_change;
use labblogg_shared::sync::{
    RejectCode, Rejection, ServerRecord, SyncRequest, SyncResponse, MAX_PULL_RECORDS, MAX_PUSH_CHANGES,
};
use labblogg_shared::{skew, Change, Hlc, RecordKind, RecordState, PROTOCOL_VERSION};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::{json, Map, Value};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use uuid::Uuid;

use labblogg_server::demo;

/// The default schedule: fixed, so a CI failure replays exactly (as far as thread timing allows).
const DEFAULT_SEED: u64 = 0x1ab_b1066;
const DEFAULT_DEVICES: usize = 6;
const DEFAULT_OPS: usize = 300;
/// The header through which a device tells the proxy what to do with its request.
const FAULT_HEADER: &str = "x-labblogg-fault";
/// How long a device waits for an answer, as the app's request timeout does.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);
/// Healing must end within this; a sync loop that does not is a failure, not a hang.
const HEAL_LIMIT: Duration = Duration::from_secs(120);

fn env_or<T: std::str::FromStr>(name: &str, default: T) -> T {
    match std::env::var(name) {
        Ok(v) if !v.trim().is_empty() => {
            let v = v.trim();
            let parsed = match v.strip_prefix("0x") {
                Some(hex) => u64::from_str_radix(hex, 16).ok().and_then(|n| n.to_string().parse().ok()),
                None => v.parse().ok(),
            };
            parsed.unwrap_or_else(|| panic!("{name}={v} is not a number"))
        }
        _ => default,
    }
}

fn now_ms() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).expect("clock after 1970").as_millis() as u64
}

// ---------------------------------------------------------------------------------------------
// The server as a child process that can be killed

struct ServerProcess {
    bin: PathBuf,
    /// `sqlite://<file in the folder>` or a PostgreSQL database.
    database_url: String,
    log: PathBuf,
    addr: SocketAddr,
    child: Option<Child>,
    _dir: tempfile::TempDir,
}

impl ServerProcess {
    async fn start(database_url: Option<String>) -> ServerProcess {
        let dir = tempfile::tempdir().expect("tempdir");
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let mut server = ServerProcess {
            bin: PathBuf::from(env!("CARGO_BIN_EXE_labblogg")),
            database_url: database_url
                .unwrap_or_else(|| format!("sqlite://{}", dir.path().join("faults.db").display())),
            log: dir.path().join("server.log"),
            addr: format!("127.0.0.1:{port}").parse().unwrap(),
            child: None,
            _dir: dir,
        };
        server.spawn().await;
        server
    }

    /// Start the binary on the same address and database, and wait until it answers.
    async fn spawn(&mut self) {
        let deadline = Instant::now() + Duration::from_secs(60);
        let log = std::fs::OpenOptions::new().create(true).append(true).open(&self.log).expect("server log");
        let child = Command::new(&self.bin)
            .args(["serve", "--demo", "--bind", &self.addr.to_string()])
            .arg("--database-url")
            .arg(&self.database_url)
            .env("LABBLOGG_LOG", "warn")
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .expect("starting the labblogg binary");
        self.child = Some(child);
        let http = reqwest::Client::builder().timeout(Duration::from_secs(2)).build().unwrap();
        loop {
            if let Ok(r) = http.get(format!("http://{}/healthz", self.addr)).send().await {
                if r.status().is_success() {
                    return;
                }
            }
            if let Some(status) = self.child.as_mut().and_then(|c| c.try_wait().ok().flatten()) {
                // The port may still be held by the killed process's last connections: retry.
                if Instant::now() > deadline {
                    panic!("the server exited with {status}:\n{}", self.log_tail());
                }
                let log = std::fs::OpenOptions::new().append(true).open(&self.log).expect("server log");
                self.child = Some(
                    Command::new(&self.bin)
                        .args(["serve", "--demo", "--bind", &self.addr.to_string()])
                        .arg("--database-url")
                        .arg(&self.database_url)
                        .env("LABBLOGG_LOG", "warn")
                        .stdout(Stdio::null())
                        .stderr(log)
                        .spawn()
                        .expect("starting the labblogg binary"),
                );
            }
            if Instant::now() > deadline {
                panic!("the server did not answer /healthz within 60 s:\n{}", self.log_tail());
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// SIGKILL: no graceful shutdown, transactions in flight die with it.
    fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    fn log_tail(&self) -> String {
        let text = std::fs::read_to_string(&self.log).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        lines[lines.len().saturating_sub(30)..].join("\n")
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        self.kill();
    }
}

// ---------------------------------------------------------------------------------------------
// The faulty network: a loopback proxy in front of the server

/// What the proxy does with one request.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Fault {
    None,
    /// Forward only this share (‰) of the request's bytes, then close both sides.
    CutRequest(u32),
    /// Forward the request, then only this share (‰) of the answer, then close.
    CutResponse(u32),
    /// Deliver the request twice at once; answer with one of the two.
    Duplicate,
    /// Deliver it, and once more this many ms later, after newer requests.
    ReplayLater(u64),
    /// Hold the request back this many ms, so other devices' requests overtake it.
    Delay(u64),
}

impl Fault {
    fn header(self) -> String {
        match self {
            Fault::None => "none".into(),
            Fault::CutRequest(p) => format!("cut-request:{p}"),
            Fault::CutResponse(p) => format!("cut-response:{p}"),
            Fault::Duplicate => "duplicate".into(),
            Fault::ReplayLater(ms) => format!("replay:{ms}"),
            Fault::Delay(ms) => format!("delay:{ms}"),
        }
    }

    fn parse(s: &str) -> Fault {
        let (name, arg) = s.split_once(':').unwrap_or((s, "0"));
        let n: u64 = arg.trim().parse().unwrap_or(0);
        match name.trim() {
            "cut-request" => Fault::CutRequest(n as u32),
            "cut-response" => Fault::CutResponse(n as u32),
            "duplicate" => Fault::Duplicate,
            "replay" => Fault::ReplayLater(n),
            "delay" => Fault::Delay(n),
            _ => Fault::None,
        }
    }

    fn pick(rng: &mut StdRng) -> Fault {
        match rng.random_range(0..100) {
            0..10 => Fault::CutRequest(rng.random_range(1..1000)),
            10..20 => Fault::CutResponse(rng.random_range(1..1000)),
            20..27 => Fault::Duplicate,
            27..34 => Fault::ReplayLater(rng.random_range(100..2000)),
            34..40 => Fault::Delay(rng.random_range(50..800)),
            _ => Fault::None,
        }
    }
}

#[derive(Default)]
struct ProxyStats {
    cut_request: AtomicU64,
    cut_response: AtomicU64,
    duplicated: AtomicU64,
    replayed_late: AtomicU64,
    delayed: AtomicU64,
    /// Requests that found the server down (killed, not yet restarted).
    refused_by_dead_server: AtomicU64,
}

struct Proxy {
    addr: SocketAddr,
    stats: Arc<ProxyStats>,
    /// Late replays still to be delivered.
    replays: Arc<tokio::sync::Mutex<tokio::task::JoinSet<()>>>,
    accept: tokio::task::JoinHandle<()>,
}

impl Proxy {
    async fn start(upstream: SocketAddr) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("proxy port");
        let addr = listener.local_addr().unwrap();
        let stats = Arc::new(ProxyStats::default());
        let replays: Arc<tokio::sync::Mutex<tokio::task::JoinSet<()>>> = Arc::default();
        let accept = {
            let (stats, replays) = (stats.clone(), replays.clone());
            tokio::spawn(async move {
                loop {
                    let Ok((conn, _)) = listener.accept().await else { continue };
                    let (stats, replays) = (stats.clone(), replays.clone());
                    tokio::spawn(async move {
                        let _ = relay(conn, upstream, stats, replays).await;
                    });
                }
            })
        };
        Proxy { addr, stats, replays, accept }
    }

    /// Wait until every late replay has been delivered (or found the server down).
    async fn drain(&self) {
        let mut replays = self.replays.lock().await;
        while replays.join_next().await.is_some() {}
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.accept.abort();
    }
}

/// Reads one HTTP/1.1 request (head and Content-Length body).
async fn read_request(conn: &mut TcpStream) -> std::io::Result<(Vec<u8>, Fault)> {
    let mut buf = Vec::with_capacity(8192);
    let mut chunk = [0u8; 8192];
    let head_end = loop {
        if let Some(at) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break at + 4;
        }
        let n = conn.read(&mut chunk).await?;
        if n == 0 || buf.len() > 64 * 1024 {
            return Err(std::io::ErrorKind::UnexpectedEof.into());
        }
        buf.extend_from_slice(&chunk[..n]);
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).to_string();
    let mut length = 0usize;
    let mut fault = Fault::None;
    let mut kept = Vec::new();
    for line in head.split("\r\n").filter(|l| !l.is_empty()) {
        let lower = line.to_ascii_lowercase();
        if let Some(v) = lower.strip_prefix("content-length:") {
            length = v.trim().parse().unwrap_or(0);
        }
        if let Some(v) = lower.strip_prefix(&format!("{FAULT_HEADER}:")) {
            fault = Fault::parse(v);
        }
        // One request per upstream connection: the server closes after answering, so the
        // answer's end is the connection's end.
        if !lower.starts_with("connection:") {
            kept.push(line.to_string());
        }
    }
    while buf.len() < head_end + length {
        let n = conn.read(&mut chunk).await?;
        if n == 0 {
            return Err(std::io::ErrorKind::UnexpectedEof.into());
        }
        buf.extend_from_slice(&chunk[..n]);
    }
    let mut request = (kept.join("\r\n") + "\r\nconnection: close\r\n\r\n").into_bytes();
    request.extend_from_slice(&buf[head_end..head_end + length]);
    Ok((request, fault))
}

/// Sends `request` on a new connection to the server and reads the whole answer.
async fn deliver(upstream: SocketAddr, request: &[u8]) -> std::io::Result<Vec<u8>> {
    let mut conn = TcpStream::connect(upstream).await?;
    conn.write_all(request).await?;
    let mut answer = Vec::new();
    conn.read_to_end(&mut answer).await?;
    if answer.is_empty() {
        return Err(std::io::ErrorKind::UnexpectedEof.into());
    }
    Ok(answer)
}

async fn relay(
    mut client: TcpStream,
    upstream: SocketAddr,
    stats: Arc<ProxyStats>,
    replays: Arc<tokio::sync::Mutex<tokio::task::JoinSet<()>>>,
) -> std::io::Result<()> {
    let (request, fault) = read_request(&mut client).await?;
    let dead = |e: std::io::Error| {
        if e.kind() == std::io::ErrorKind::ConnectionRefused {
            stats.refused_by_dead_server.fetch_add(1, Ordering::Relaxed);
        }
        e
    };
    let answer = match fault {
        Fault::None => deliver(upstream, &request).await.map_err(dead)?,
        Fault::CutRequest(permille) => {
            let n = (request.len() * permille as usize / 1000).clamp(1, request.len() - 1);
            let mut conn = TcpStream::connect(upstream).await.map_err(dead)?;
            conn.write_all(&request[..n]).await?;
            conn.flush().await?;
            stats.cut_request.fetch_add(1, Ordering::Relaxed);
            // Both sides simply see the connection end.
            return Ok(());
        }
        Fault::CutResponse(permille) => {
            let answer = deliver(upstream, &request).await.map_err(dead)?;
            let n = (answer.len() * permille as usize / 1000).clamp(1, answer.len() - 1);
            client.write_all(&answer[..n]).await?;
            client.flush().await?;
            stats.cut_response.fetch_add(1, Ordering::Relaxed);
            return Ok(());
        }
        Fault::Duplicate => {
            let (a, b) = tokio::join!(deliver(upstream, &request), deliver(upstream, &request));
            // Counted when both copies reached the server (it answered both).
            if a.is_ok() && b.is_ok() {
                stats.duplicated.fetch_add(1, Ordering::Relaxed);
            }
            match (a, b) {
                (Ok(a), _) => a,
                (Err(_), Ok(b)) => b,
                (Err(e), Err(_)) => return Err(dead(e)),
            }
        }
        Fault::ReplayLater(ms) => {
            let answer = deliver(upstream, &request).await.map_err(dead)?;
            let stats2 = stats.clone();
            replays.lock().await.spawn(async move {
                tokio::time::sleep(Duration::from_millis(ms)).await;
                if deliver(upstream, &request).await.is_ok() {
                    stats2.replayed_late.fetch_add(1, Ordering::Relaxed);
                }
            });
            answer
        }
        Fault::Delay(ms) => {
            tokio::time::sleep(Duration::from_millis(ms)).await;
            let answer = deliver(upstream, &request).await.map_err(dead)?;
            stats.delayed.fetch_add(1, Ordering::Relaxed);
            answer
        }
    };
    client.write_all(&answer).await?;
    client.flush().await?;
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// A simulated tablet: the app's store and sync engine in miniature

struct OutboxEntry {
    seq: u64,
    change: Change,
    rejected: Option<Rejection>,
}

#[derive(Default, Debug, Clone, Copy)]
struct DeviceCounts {
    visits: u64,
    undos: u64,
    restores: u64,
    activities: u64,
    edits: u64,
    syncs: u64,
    failed_syncs: u64,
}

struct Device {
    name: String,
    /// Signed in as the coordinator (may delete any activity and restore); else as staff.
    coordinator: bool,
    id: Uuid,
    labs: Vec<(Uuid, Uuid)>,
    http: reqwest::Client,
    base: String,
    token: String,
    /// The `records` store.
    records: BTreeMap<Uuid, RecordState>,
    /// The `outbox` store, oldest first.
    outbox: Vec<OutboxEntry>,
    next_seq: u64,
    cursor: u64,
    clock: Hlc,
    /// How far this tablet's wall clock is off (ms, positive: ahead).
    skew_ms: i64,
    rng: StdRng,
    /// Every write committed locally: what the user was told is saved.
    acknowledged: Vec<Change>,
    counts: DeviceCounts,
    /// How far ahead its clock was set, if it was (ms).
    wrong_by_ms: i64,
    /// How many changes it had acknowledged when its clock was set right again.
    fixed_at: Option<usize>,
    model: ClientModel,
    /// What the client adds to its wall clock to follow the server's (`RepairsClock`).
    offset_ms: i64,
    acknowledged_at: HashMap<Uuid, usize>,
    /// Pending changes stamped again by the clock repair.
    restamped: u64,
}

/// What the app does about a wall clock beyond the server's tolerance.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ClientModel {
    /// The app before `shared::skew` (`LABBLOGG_FAULT_CLIENT=keep`): a change refused as
    /// `clock_ahead` stays in the outbox, marked and listed for staff, and is not sent again.
    KeepsRefused,
    /// The app (`frontend/src/store.rs` `apply_sync`, `frontend/src/clock.rs`): offset to the
    /// server's time, clock repair and re-stamping of pending changes (`shared::skew`).
    RepairsClock,
}

/// Changes a device made of its own visits, so it can undo one.
fn own_live_visits(d: &Device) -> Vec<Uuid> {
    d.acknowledged
        .iter()
        .filter(|c| c.kind == RecordKind::Visit && !c.deleted)
        .map(|c| c.id)
        .filter(|id| d.records.get(id).is_some_and(|r| r.deleted.is_none()))
        .collect()
}

fn visit_fields(place: Uuid, rng: &mut StdRng) -> Map<String, Value> {
    let bands = ["0-5", "6-12", "13-15", "16-19", "20-25", "26-64", "65+"];
    let band = bands[rng.random_range(0..bands.len())];
    let value = json!({
        "meeting_place_id": place,
        "at_ms": now_ms(),
        "date": "2026-11-20",
        "age_band": band,
        "gender": null,
        "first_visit": rng.random_bool(0.2),
    });
    value.as_object().cloned().unwrap()
}

const WORDS: [&str; 8] =
    ["fika", "läxhjälp", "pingis", "matlagning", "sömnad", "filmkväll", "cykelverkstad", "språkcafé"];

impl Device {
    /// The tablet's own wall clock, wrong by its skew.
    fn local_ms(&self) -> u64 {
        (now_ms() as i64 + self.skew_ms).max(0) as u64
    }

    /// The wall time its stamps use: its own clock, or corrected by the server's time where the
    /// client does that (`ClientModel::RepairsClock`).
    fn wall_ms(&self) -> u64 {
        match self.model {
            ClientModel::KeepsRefused => self.local_ms(),
            ClientModel::RepairsClock => skew::corrected(self.local_ms(), self.offset_ms),
        }
    }

    /// `store::write`: tick the clock, merge into the record, queue in the outbox — one
    /// transaction, so either all of it or nothing.
    fn write(&mut self, kind: RecordKind, id: Uuid, lab_id: Uuid, fields: Map<String, Value>, deleted: bool) -> bool {
        self.write_op(kind, id, lab_id, fields, deleted, false)
    }

    fn write_op(
        &mut self,
        kind: RecordKind,
        id: Uuid,
        lab_id: Uuid,
        fields: Map<String, Value>,
        deleted: bool,
        restore: bool,
    ) -> bool {
        let mut clock = self.clock;
        let hlc = clock.tick(self.wall_ms());
        let change = Change { change_id: Uuid::now_v7(), kind, id, lab_id, hlc, fields, deleted, restore };
        let next = match apply_change(self.records.get(&id), &change) {
            Ok(next) => next,
            // The app's write fails and nothing is saved; the user is told.
            Err(_) => return false,
        };
        self.clock = clock;
        if let Some(next) = next {
            self.records.insert(id, next);
        }
        self.next_seq += 1;
        self.outbox.push(OutboxEntry { seq: self.next_seq, change: change.clone(), rejected: None });
        self.acknowledged_at.insert(change.change_id, self.acknowledged.len());
        self.acknowledged.push(change);
        true
    }

    fn tap_visit(&mut self) {
        let (lab, place) = self.labs[self.rng.random_range(0..self.labs.len())];
        let fields = visit_fields(place, &mut self.rng);
        if self.write(RecordKind::Visit, Uuid::now_v7(), lab, fields, false) {
            self.counts.visits += 1;
        }
    }

    fn undo_visit(&mut self) -> bool {
        let mine = own_live_visits(self);
        if mine.is_empty() {
            return false;
        }
        let id = mine[self.rng.random_range(0..mine.len())];
        let lab = self.records[&id].lab_id;
        if self.write(RecordKind::Visit, id, lab, Map::new(), true) {
            self.counts.undos += 1;
        }
        true
    }

    fn create_activity(&mut self) {
        let (lab, _) = self.labs[self.rng.random_range(0..self.labs.len())];
        let word = WORDS[self.rng.random_range(0..WORDS.len())];
        let fields = json!({
            "meeting_place_id": null, "kind": "fika", "title": format!("Öppen {word}"), "date": "2026-11-20",
            "start_time": null, "end_time": null, "participants": [], "first_timers": 0,
            "partner_ids": [], "goal_ids": [], "staff_hours": 2.0, "volunteer_hours": 0.0,
            "notes": "", "lessons_learned": "",
        });
        if self.write(RecordKind::Activity, Uuid::now_v7(), lab, fields.as_object().cloned().unwrap(), false) {
            self.counts.activities += 1;
        }
    }

    /// Edit one field of an activity this device knows (its own or another's) in its labs.
    fn edit_activity(&mut self) -> bool {
        let labs: HashSet<Uuid> = self.labs.iter().map(|(l, _)| *l).collect();
        let known: Vec<(Uuid, Uuid)> = self
            .records
            .values()
            .filter(|r| r.kind == RecordKind::Activity && labs.contains(&r.lab_id))
            .map(|r| (r.id, r.lab_id))
            .collect();
        if known.is_empty() {
            return false;
        }
        let (id, lab) = known[self.rng.random_range(0..known.len())];
        let word = WORDS[self.rng.random_range(0..WORDS.len())];
        let mut fields = Map::new();
        match self.rng.random_range(0..4) {
            0 => fields.insert("title".into(), json!(format!("{} med {word}", self.name))),
            1 => fields.insert("notes".into(), json!(format!("Anteckning om {word} från {}", self.name))),
            2 => fields.insert("staff_hours".into(), json!(self.rng.random_range(0..16) as f64 * 0.5)),
            _ => fields.insert("volunteer_hours".into(), json!(self.rng.random_range(0..8) as f64 * 0.5)),
        };
        // An edit now and then deletes the activity instead (a tombstone stays): a coordinator's
        // tablet any, a staff tablet the ones it created (the server refuses the rest, push.rs).
        // (A change with every field, "kind" among them, is the one that created it.)
        let created_here = self.acknowledged.iter().any(|c| c.id == id && c.fields.contains_key("kind"));
        let may_delete = self.coordinator || created_here;
        let deleted = may_delete && self.rng.random_bool(0.03);
        if deleted {
            fields.clear();
        }
        if self.write(RecordKind::Activity, id, lab, fields, deleted) {
            self.counts.edits += 1;
        }
        true
    }

    /// A coordinator restores a deleted activity it knows (the Papperskorg).
    fn restore_activity(&mut self) -> bool {
        if !self.coordinator {
            return false;
        }
        let deleted: Vec<(Uuid, Uuid)> = self
            .records
            .values()
            .filter(|r| r.kind == RecordKind::Activity && r.deleted.is_some() && !r.fields.is_empty())
            .map(|r| (r.id, r.lab_id))
            .collect();
        if deleted.is_empty() {
            return false;
        }
        let (id, lab) = deleted[self.rng.random_range(0..deleted.len())];
        if self.write_op(RecordKind::Activity, id, lab, Map::new(), false, true) {
            self.counts.restores += 1;
        }
        true
    }

    /// `sync.rs` `run`: push the outbox in batches, pull until the server has nothing more.
    /// Any failure ends the round; the outbox keeps what was not acknowledged.
    async fn sync(&mut self, faults: Option<&mut StdRng>, injected: &mut u64) -> Result<(), String> {
        self.counts.syncs += 1;
        let mut faults = faults;
        loop {
            let batch: Vec<(u64, Change)> = self
                .outbox
                .iter()
                .filter(|e| e.rejected.is_none())
                .take(MAX_PUSH_CHANGES)
                .map(|e| (e.seq, e.change.clone()))
                .collect();
            let request = SyncRequest {
                protocol: PROTOCOL_VERSION,
                device_id: self.id,
                cursor: self.cursor,
                changes: batch.iter().map(|(_, c)| c.clone()).collect(),
                pull_limit: Some(MAX_PULL_RECORDS),
            };
            let fault = faults.as_deref_mut().map_or(Fault::None, Fault::pick);
            if fault != Fault::None {
                *injected += 1;
            }
            let response = match self.post(&request, fault).await {
                Ok(r) => r,
                Err(e) => {
                    self.counts.failed_syncs += 1;
                    return Err(e);
                }
            };
            self.apply_sync(&batch, response.clone());
            if !response.more && batch.len() < MAX_PUSH_CHANGES {
                return Ok(());
            }
        }
    }

    async fn post(&self, request: &SyncRequest, fault: Fault) -> Result<SyncResponse, String> {
        let resp = self
            .http
            .post(format!("{}/api/v1/sync", self.base))
            .bearer_auth(&self.token)
            .header(FAULT_HEADER, fault.header())
            .json(request)
            .send()
            .await
            .map_err(|e| format!("send: {e}"))?;
        let status = resp.status();
        let body = resp.bytes().await.map_err(|e| format!("read: {e}"))?;
        if !status.is_success() {
            return Err(format!("{status}: {}", String::from_utf8_lossy(&body)));
        }
        serde_json::from_slice(&body).map_err(|e| format!("answer: {e}"))
    }

    /// `store::apply_sync`: drop accepted changes, mark refused ones, take the pulled
    /// records with still-pending edits merged on top, move the cursor and the clock.
    fn apply_sync(&mut self, batch: &[(u64, Change)], response: SyncResponse) {
        let seq_of: HashMap<Uuid, u64> = batch.iter().map(|(s, c)| (c.change_id, *s)).collect();
        let mut accepted = HashSet::new();
        let mut rejected = HashMap::new();
        for r in response.results {
            let Some(&seq) = seq_of.get(&r.change_id) else { continue };
            match r.rejected {
                None => {
                    accepted.insert(seq);
                }
                Some(reason) => {
                    rejected.insert(seq, reason);
                }
            }
        }
        self.outbox.retain(|e| !accepted.contains(&e.seq));
        let mut pending: HashMap<Uuid, Vec<Change>> = HashMap::new();
        for e in &mut self.outbox {
            if let Some(r) = rejected.remove(&e.seq) {
                e.rejected = Some(r);
            }
            pending.entry(e.change.id).or_default().push(e.change.clone());
        }
        let now = self.wall_ms();
        for rec in response.records {
            let mut state = rec.state;
            self.clock.observe(state.max_clock(), now);
            for change in pending.get(&state.id).into_iter().flatten() {
                if let Ok(Some(next)) = apply_change(Some(&state), change) {
                    state = next;
                }
            }
            self.records.insert(state.id, state);
        }
        self.clock.observe(Hlc { ms: response.server_time_ms, counter: 0, node: 0 }, now);
        self.cursor = response.cursor;
        if self.model == ClientModel::RepairsClock {
            self.repair_clock(response.server_time_ms);
        }
    }

    /// `shared::skew` as a client uses it: follow the server's time, bring the hybrid clock
    /// back under the server's limit and stamp again the pending changes it would refuse (and
    /// the local records they touched), which are then sent again.
    fn repair_clock(&mut self, server_time_ms: u64) {
        self.offset_ms = skew::offset_ms(self.local_ms(), server_time_ms);
        let mut pending: Vec<Change> = self.outbox.iter().map(|e| e.change.clone()).collect();
        for r in skew::repair(&mut self.clock, server_time_ms, &mut pending) {
            let entry = &mut self.outbox[r.index];
            entry.change.hlc = r.new;
            entry.rejected = None;
            if let Some(record) = self.records.get_mut(&entry.change.id) {
                skew::restamp_record(record, r.old, r.new);
            }
            // The user's edit is the same; it now travels with the new stamp.
            if let Some(&i) = self.acknowledged_at.get(&entry.change.change_id) {
                self.acknowledged[i].hlc = r.new;
            }
            self.restamped += 1;
        }
    }
}

async fn sign_in(http: &reqwest::Client, server: SocketAddr, username: &str) -> (Uuid, String) {
    let id = Uuid::now_v7();
    let resp = http
        .post(format!("http://{server}/api/v1/auth/login"))
        .json(&LoginRequest {
            username: username.into(),
            password: username.into(),
            device_id: Some(id),
            device_name: None,
        })
        .send()
        .await
        .expect("login");
    assert!(resp.status().is_success(), "login as {username}: {}", resp.status());
    let login: LoginResponse = resp.json().await.expect("login answer");
    (id, login.token)
}

/// Every record the user of `token` may read, pulled from 0 without faults.
async fn pull_everything(http: &reqwest::Client, server: SocketAddr, id: Uuid, token: &str) -> Vec<ServerRecord> {
    let mut cursor = 0;
    let mut all = Vec::new();
    for _ in 0..100_000 {
        let req = SyncRequest {
            protocol: PROTOCOL_VERSION,
            device_id: id,
            cursor,
            changes: vec![],
            pull_limit: Some(MAX_PULL_RECORDS),
        };
        let resp =
            http.post(format!("http://{server}/api/v1/sync")).bearer_auth(token).json(&req).send().await.expect("pull");
        assert!(resp.status().is_success(), "pull: {}", resp.status());
        let page: SyncResponse = resp.json().await.expect("pull answer");
        all.extend(page.records);
        cursor = page.cursor;
        if !page.more {
            return all;
        }
    }
    panic!("the pull does not end");
}

// ---------------------------------------------------------------------------------------------
// The schedule

#[derive(Default)]
struct Totals {
    counts: DeviceCounts,
    request_faults: u64,
    kills: u64,
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn seeded_faults_lose_nothing_and_duplicate_nothing() {
    suite("SQLite", None).await;
}

/// The same schedule on PostgreSQL, whose sequence numbers are handed out under a row lock
/// by many connections (docs/SYNC.md): a cursor that skipped a change would show here as a
/// device unequal to the server. Runs where `LABBLOGG_TEST_POSTGRES_URL` names a server
/// (`cargo xtask test` and `cargo xtask faults` start one).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn seeded_faults_lose_nothing_and_duplicate_nothing_on_postgres() {
    let Some(base) = std::env::var("LABBLOGG_TEST_POSTGRES_URL").ok().filter(|u| !u.trim().is_empty()) else {
        eprintln!("skipped: LABBLOGG_TEST_POSTGRES_URL is not set");
        return;
    };
    suite("PostgreSQL", Some(fresh_postgres_database(&base).await)).await;
}

/// A new, empty database on the PostgreSQL server at `base`, as a URL.
async fn fresh_postgres_database(base: &str) -> String {
    let (client, connection) = tokio_postgres::connect(base, tokio_postgres::NoTls)
        .await
        .unwrap_or_else(|e| panic!("connect to LABBLOGG_TEST_POSTGRES_URL: {e}"));
    let connection = tokio::spawn(connection);
    let name = format!("labblogg_faults_{}", Uuid::new_v4().simple());
    client.batch_execute(&format!("CREATE DATABASE {name}")).await.expect("create a database");
    drop(client);
    let _ = connection.await;
    let scheme_end = base.find("://").map_or(0, |i| i + 3);
    let (head, rest) = base.split_at(scheme_end);
    let (authority, tail) = rest.find('/').map_or((rest, ""), |i| rest.split_at(i));
    let query = tail.find('?').map_or("", |i| &tail[i..]);
    format!("{head}{authority}/{name}{query}")
}

async fn suite(backend: &str, database_url: Option<String>) {
    let seed: u64 = env_or("LABBLOGG_FAULT_SEED", DEFAULT_SEED);
    let devices_n: usize = env_or("LABBLOGG_FAULT_DEVICES", DEFAULT_DEVICES).max(2);
    let ops: usize = env_or("LABBLOGG_FAULT_OPS", DEFAULT_OPS).max(1);
    println!(
        "fault suite on {backend}: seed {seed:#x} ({devices_n} devices × {ops} operations); replay with LABBLOGG_FAULT_SEED={seed:#x}"
    );
    let model = match std::env::var("LABBLOGG_FAULT_CLIENT").as_deref() {
        Ok("" | "repair") | Err(_) => ClientModel::RepairsClock,
        Ok("keep") => ClientModel::KeepsRefused,
        Ok(other) => panic!("LABBLOGG_FAULT_CLIENT={other}: expected keep or repair"),
    };
    println!("client model: {model:?}");
    let started = Instant::now();
    let mut master = StdRng::seed_from_u64(seed);

    let server = Arc::new(tokio::sync::Mutex::new(ServerProcess::start(database_url).await));
    let server_addr = server.lock().await.addr;
    let proxy = Proxy::start(server_addr).await;
    let direct = reqwest::Client::builder().timeout(Duration::from_secs(30)).build().unwrap();

    // The tablets: staff at Lina Hage and coordinators of all four labs.
    let all_labs: Vec<(Uuid, Uuid)> = vec![
        (demo::PORTALEN, demo::PLACE_PORTALEN),
        (demo::BODEN, demo::PLACE_BODEN),
        (demo::RANNEBERGEN, demo::PLACE_RANNEBERGEN),
        (demo::LINA_HAGE, demo::PLACE_LINA_HAGE),
    ];
    // One tablet gets a clock beyond the tolerance for the last part of its run.
    let wrong_clock = master.random_range(0..devices_n);
    let mut devices = Vec::new();
    for n in 0..devices_n {
        let user = if n % 2 == 0 { "personal" } else { "samordnare" };
        let (id, token) = sign_in(&direct, server_addr, user).await;
        let labs = if user == "personal" { vec![(demo::LINA_HAGE, demo::PLACE_LINA_HAGE)] } else { all_labs.clone() };
        let mut rng = StdRng::seed_from_u64(master.random());
        // Within the tolerance: up to four minutes either way.
        let skew_ms = rng.random_range(-240_000..=240_000);
        devices.push(Device {
            name: format!("enhet {}", n + 1),
            coordinator: user == "samordnare",
            id,
            labs,
            http: reqwest::Client::builder().timeout(REQUEST_TIMEOUT).pool_max_idle_per_host(0).build().unwrap(),
            base: format!("http://{}", proxy.addr),
            token,
            records: BTreeMap::new(),
            outbox: Vec::new(),
            next_seq: 0,
            cursor: 0,
            clock: Hlc::new(node_of(id)),
            skew_ms,
            rng,
            acknowledged: Vec::new(),
            counts: DeviceCounts::default(),
            wrong_by_ms: 0,
            fixed_at: None,
            model,
            offset_ms: 0,
            acknowledged_at: HashMap::new(),
            restamped: 0,
        });
    }
    let skews: Vec<i64> = devices.iter().map(|d| d.skew_ms).collect();

    // The server is killed at random moments and started again.
    let stop = Arc::new(AtomicBool::new(false));
    let chaos = {
        let (server, stop) = (server.clone(), stop.clone());
        let mut rng = StdRng::seed_from_u64(master.random());
        tokio::spawn(async move {
            let mut kills = 0u64;
            loop {
                let wait = rng.random_range(800..2500);
                let t = Instant::now();
                while t.elapsed() < Duration::from_millis(wait) {
                    if stop.load(Ordering::SeqCst) {
                        return kills;
                    }
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
                let mut s = server.lock().await;
                s.kill();
                kills += 1;
                tokio::time::sleep(Duration::from_millis(rng.random_range(50..700))).await;
                s.spawn().await;
            }
        })
    };

    // Each tablet runs its own seeded sequence of operations.
    let mut tasks = tokio::task::JoinSet::new();
    for (n, mut device) in devices.into_iter().enumerate() {
        let mut faults = StdRng::seed_from_u64(device.rng.random());
        tasks.spawn(async move {
            let mut injected = 0u64;
            for op in 0..ops {
                if n == wrong_clock && op == ops * 6 / 10 {
                    // Someone sets the tablet's clock six to nine minutes ahead.
                    device.skew_ms = MAX_CLOCK_AHEAD_MS as i64 + device.rng.random_range(60_000..240_000);
                    device.wrong_by_ms = device.skew_ms;
                }
                if n == wrong_clock && op == ops * 8 / 10 {
                    // Staff notice the warning and set the clock right.
                    device.skew_ms = 0;
                    device.fixed_at = Some(device.acknowledged.len());
                }
                let wrote = match device.rng.random_range(0..100) {
                    0..45 => {
                        device.tap_visit();
                        true
                    }
                    45..50 => device.undo_visit(),
                    50..58 => {
                        device.create_activity();
                        true
                    }
                    58..61 => device.restore_activity() || device.edit_activity(),
                    61..80 => device.edit_activity(),
                    _ => {
                        let _ = device.sync(Some(&mut faults), &mut injected).await;
                        false
                    }
                };
                // The app syncs soon after a write, unless another write comes first.
                if wrote && device.rng.random_bool(0.3) {
                    let _ = device.sync(Some(&mut faults), &mut injected).await;
                }
                tokio::time::sleep(Duration::from_millis(device.rng.random_range(0..25))).await;
            }
            (n, device, injected)
        });
    }
    let mut devices: Vec<Option<Device>> = (0..devices_n).map(|_| None).collect();
    let mut totals = Totals::default();
    while let Some(done) = tasks.join_next().await {
        let (n, device, injected) = done.expect("a device task panicked");
        totals.request_faults += injected;
        devices[n] = Some(device);
    }
    let mut devices: Vec<Device> = devices.into_iter().map(|d| d.expect("every device finished")).collect();
    let schedule_s = started.elapsed().as_secs_f64();

    // Heal: the server stays up, late replays land, the network behaves.
    stop.store(true, Ordering::SeqCst);
    totals.kills = chaos.await.expect("the chaos task");
    proxy.drain().await;
    let heal_started = Instant::now();
    // Staff fix the wrong clock (see the module doc for what the app did meanwhile).
    let beyond_min = devices[wrong_clock].wrong_by_ms as f64 / 60_000.0;
    devices[wrong_clock].skew_ms = 0;
    // Rounds until one in which no device had anything to send, so every device has pulled
    // what the others sent (a repaired clock sends its changes again in a later round).
    for round in 0..8 {
        let mut sent = 0;
        for d in &mut devices {
            let mut none = 0;
            sent += d.outbox.iter().filter(|e| e.rejected.is_none()).count();
            loop {
                match d.sync(None, &mut none).await {
                    Ok(()) => break,
                    Err(e) => {
                        assert!(heal_started.elapsed() < HEAL_LIMIT, "{} cannot sync in round {round}: {e}", d.name);
                        tokio::time::sleep(Duration::from_millis(200)).await;
                    }
                }
            }
        }
        if sent == 0 {
            break;
        }
        assert!(round < 7, "devices still had changes to send after {round} rounds");
    }

    // The server's truth, read directly.
    let (checker_id, checker_token) = sign_in(&direct, server_addr, "samordnare").await;
    let server_records = pull_everything(&direct, server_addr, checker_id, &checker_token).await;
    let mut times_on_server: HashMap<Uuid, usize> = HashMap::new();
    for r in &server_records {
        *times_on_server.entry(r.state.id).or_default() += 1;
    }
    let on_server: HashMap<Uuid, &RecordState> = server_records.iter().map(|r| (r.state.id, &r.state)).collect();
    let seqs: HashSet<u64> = server_records.iter().map(|r| r.seq).collect();
    assert_eq!(seqs.len(), server_records.len(), "two records share a sequence number");

    // What every device was told is saved, and what the server refused of it.
    let mut problems: Vec<String> = Vec::new();
    let mut acknowledged = 0u64;
    let mut refused: BTreeMap<String, u64> = BTreeMap::new();
    // Refused although made after the clock was set right: the clock still runs ahead.
    let mut refused_after_fix = 0u64;
    let mut lost = 0u64;
    let mut expected: BTreeMap<Uuid, Option<RecordState>> = BTreeMap::new();
    for d in &devices {
        let still_waiting = d.outbox.iter().filter(|e| e.rejected.is_none()).count();
        if still_waiting > 0 {
            problems.push(format!("{} still has {still_waiting} changes waiting after healing", d.name));
        }
        let refused_here: HashMap<Uuid, &Rejection> =
            d.outbox.iter().filter_map(|e| Some((e.change.change_id, e.rejected.as_ref()?))).collect();
        for (i, change) in d.acknowledged.iter().enumerate() {
            acknowledged += 1;
            if let Some(r) = refused_here.get(&change.change_id) {
                *refused.entry(format!("{:?}", r.code)).or_default() += 1;
                if d.fixed_at.is_some_and(|at| i >= at) {
                    refused_after_fix += 1;
                }
                // Only the app's old way (`keep`) leaves changes refused for the clock; the app
                // stamps them again and nothing acknowledged may stay refused.
                if r.code != RejectCode::ClockAhead || d.model == ClientModel::RepairsClock {
                    problems.push(format!("{}: change {} refused: {:?}", d.name, change.change_id, r));
                }
                continue;
            }
            // The merge of everything accepted, record by record.
            let slot = expected.entry(change.id).or_insert(None);
            match apply_change(slot.as_ref(), change) {
                Ok(Some(next)) => *slot = Some(next),
                Ok(None) => {}
                Err(e) => problems.push(format!("acknowledged changes of {} do not merge: {e}", change.id)),
            }
            let contained =
                on_server.get(&change.id).is_some_and(|state| matches!(apply_change(Some(state), change), Ok(None)));
            if !contained {
                lost += 1;
                if lost <= 5 {
                    problems
                        .push(format!("lost: {} of {} by {} ({:?})", change.change_id, change.id, d.name, change.kind));
                }
            }
        }
    }
    // The demo's labs and places, and the closing poll's two questions every lab starts with.
    let demo_ids: HashSet<Uuid> = server_records
        .iter()
        .filter(|r| {
            matches!(r.state.kind, RecordKind::Lab | RecordKind::MeetingPlace)
                || r.state.kind == RecordKind::Question
                    && labblogg_shared::model::PollQuestion::ALL
                        .into_iter()
                        .any(|q| labblogg_shared::questions::builtin_id(r.state.lab_id, q) == r.state.id)
        })
        .map(|r| r.state.id)
        .collect();
    let mut duplicated = times_on_server.values().filter(|&&n| n > 1).count() as u64;
    // A record no acknowledged change made is a duplicate too (say, one stored under a new id).
    let strays = server_records
        .iter()
        .filter(|r| !expected.contains_key(&r.state.id) && !demo_ids.contains(&r.state.id))
        .count();
    duplicated += strays as u64;
    if duplicated > 0 {
        problems.push(format!("{duplicated} records duplicated or unaccounted for on the server ({strays} strays)"));
    }
    let mut wrong_state = 0u64;
    for (id, want) in &expected {
        let (Some(want), Some(got)) = (want, on_server.get(id)) else { continue };
        if want != *got {
            wrong_state += 1;
            if wrong_state <= 3 {
                problems.push(format!(
                    "record {id}: server holds {got:?}, the merge of the acknowledged changes is {want:?}"
                ));
            }
        }
    }

    // Every tablet equals the server, with its refused changes shown on top as the app does.
    let mut devices_equal = 0;
    for d in &devices {
        let labs: HashSet<Uuid> = d.labs.iter().map(|(l, _)| *l).collect();
        let mut want: BTreeMap<Uuid, RecordState> = server_records
            .iter()
            .filter(|r| labs.contains(&r.state.lab_id))
            .map(|r| (r.state.id, r.state.clone()))
            .collect();
        for e in &d.outbox {
            match want.get(&e.change.id) {
                Some(state) => {
                    if let Ok(Some(next)) = apply_change(Some(state), &e.change) {
                        want.insert(e.change.id, next);
                    }
                }
                None => {
                    if let Ok(Some(next)) = apply_change(None, &e.change) {
                        want.insert(e.change.id, next);
                    }
                }
            }
        }
        if want == d.records {
            devices_equal += 1;
        } else {
            let differ = want
                .keys()
                .chain(d.records.keys())
                .collect::<HashSet<_>>()
                .into_iter()
                .filter(|id| want.get(id) != d.records.get(id))
                .count();
            problems.push(format!("{} differs from the server in {differ} records", d.name));
        }
    }

    for d in &devices {
        let c = d.counts;
        totals.counts.visits += c.visits;
        totals.counts.undos += c.undos;
        totals.counts.restores += c.restores;
        totals.counts.activities += c.activities;
        totals.counts.edits += c.edits;
        totals.counts.syncs += c.syncs;
        totals.counts.failed_syncs += c.failed_syncs;
    }
    let s = &proxy.stats;
    let load = |a: &AtomicU64| a.load(Ordering::Relaxed);
    let network_faults =
        load(&s.cut_request) + load(&s.cut_response) + load(&s.duplicated) + load(&s.replayed_late) + load(&s.delayed);
    let c = totals.counts;
    let operations = c.visits + c.undos + c.restores + c.activities + c.edits + c.syncs;
    let beyond = devices[wrong_clock].name.clone();
    let restamped: u64 = devices.iter().map(|d| d.restamped).sum();
    let refused_text = if refused.is_empty() {
        "0".to_string()
    } else {
        refused.iter().map(|(k, v)| format!("{v} {k}")).collect::<Vec<_>>().join(", ")
    };
    println!(
        "\n| fault suite (native, {backend}), seed {seed:#x} | count |\n| --- | --- |\n\
         | operations | {operations} ({} visits tapped, {} undone, {} deleted activities restored, {} activities created, {} edits (some of them deletes), {} syncs) |\n\
         | faults injected | {} ({} requests cut, {} answers cut, {} delivered twice, {} delivered again later, {} held back, {} server kills (SIGKILL), {} requests to a dead server; {} clock skews within ±4 min, {beyond} set {beyond_min:.1} min ahead) |\n\
         | sync rounds that failed and were retried | {} |\n\
         | changes acknowledged to the user | {acknowledged} (client model {model:?}: {restamped} stamped again by its clock repair) |\n\
         | of those refused by the server, kept on the device for staff | {refused_text} ({refused_after_fix} of them made after the clock was set right) |\n\
         | records checked | {} |\n\
         | records whose server state is not the merge of their changes | {wrong_state} |\n\
         | lost (must be 0) | {lost} |\n\
         | duplicated (must be 0) | {duplicated} |\n\
         | devices equal to the server | {devices_equal} of {} |\n\
         | time | schedule {schedule_s:.1} s, healing and checks {:.1} s |",
        c.visits,
        c.undos,
        c.restores,
        c.activities,
        c.edits,
        c.syncs,
        network_faults + totals.kills + 1,
        load(&s.cut_request),
        load(&s.cut_response),
        load(&s.duplicated),
        load(&s.replayed_late),
        load(&s.delayed),
        totals.kills,
        load(&s.refused_by_dead_server),
        skews.iter().filter(|s| **s != 0).count(),
        c.failed_syncs,
        expected.len(),
        devices.len(),
        heal_started.elapsed().as_secs_f64(),
    );
    let _ = totals.request_faults;
    assert!(problems.is_empty(), "seed {seed:#x}:\n{}", problems.join("\n"));
    assert_eq!((lost, duplicated, wrong_state), (0, 0, 0));
    assert_eq!(devices_equal, devices.len());
}
