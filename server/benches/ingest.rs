//! Server benchmarks, run by `cargo xtask bench server` (a `harness = false` bench: plain `main`).
//!
//! The real server binary runs as a child process on loopback (its path in
//! `LABBLOGG_BENCH_SERVER`, built by the xtask with the release profile), so its memory can be
//! read from `/proc/<pid>/status` apart from this load generator's. Prints its measurements as
//! lines `BENCH {"name": …}`; the goals are the xtask's.
//!
//! 1. Ingest: 100 batches of 500 visits through `POST /api/v1/sync`, one request at a time,
//!    against a plain rusqlite prepared insert of the same rows (WAL, synchronous=NORMAL, one
//!    transaction per 500 rows, like one request).
//! 2. 200 devices syncing at once: each pushes 10 batches of 50 visits, every request also
//!    pulling (as the app does), on a fresh server.
//! 3. Propagation: a visit pushed by device A, seen in a pull by device B polling back to back.
//! 4. With the argument `summary` (and only then): a lab's yearly report
//!    (`GET /api/v1/summary?kind=lab`) over 1,000,000 visits.
//! 5. With the argument `backends` (and only then): SQLite and PostgreSQL side by side — ingest
//!    as in 1, and a fresh device pulling 100,000 records — on a fresh server each; PostgreSQL
//!    at `LABBLOGG_BENCH_POSTGRES_URL` (a role that may create databases), else not measured.
//!
//! With the argument `ingest`, phases 1 and 3 only (to compare before and after a change).
//!
//! Every loop is bounded in count and in time, and only loopback is contacted.

use anyhow::{bail, Context, Result};
use labblogg_server::demo;
use labblogg_shared::auth::{LoginRequest, LoginResponse};
use labblogg_shared::hlc::node_of;
use labblogg_shared::sync::{SyncRequest, SyncResponse, MAX_PULL_RECORDS};
use labblogg_shared::{AgeBand, Change, Hlc, RecordKind, Visit, PROTOCOL_VERSION};
use serde_json::{json, Map, Value};
use std::collections::HashMap;
use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use uuid::Uuid;

const INGEST_BATCHES: usize = 100;
const INGEST_BATCH: usize = 500;
const WARMUP_BATCHES: usize = 4;
const DEVICES: usize = 200;
const DEVICE_BATCHES: usize = 10;
const DEVICE_BATCH: usize = 50;
const PROPAGATION_TRIALS: usize = 100;
/// Hard bounds: a phase that takes longer than this stops and fails.
const PHASE_LIMIT: Duration = Duration::from_secs(600);
const REQUEST_TIMEOUT: Duration = Duration::from_secs(120);

const LABS_AND_PLACES: [(Uuid, Uuid); 4] = [
    (demo::PORTALEN, demo::PLACE_PORTALEN),
    (demo::BODEN, demo::PLACE_BODEN),
    (demo::RANNEBERGEN, demo::PLACE_RANNEBERGEN),
    (demo::LINA_HAGE, demo::PLACE_LINA_HAGE),
];

fn report(value: Value) {
    println!("BENCH {value}");
}

fn now_ms() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_millis() as u64).unwrap_or(0)
}

/// Nearest-rank percentile of sorted samples.
fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

// ---------------------------------------------------------------------------------------------
// The server as a child process

struct Server {
    child: Child,
    base: String,
    _dir: tempfile::TempDir,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Server {
    async fn start(http: &reqwest::Client) -> Result<Server> {
        Self::start_on(http, None).await
    }

    /// On `database_url`, or a fresh SQLite file when `None`.
    async fn start_on(http: &reqwest::Client, database_url: Option<String>) -> Result<Server> {
        let bin = PathBuf::from(
            std::env::var_os("LABBLOGG_BENCH_SERVER")
                .context("LABBLOGG_BENCH_SERVER is not set: run this through `cargo xtask bench server`")?,
        );
        let dir = tempfile::tempdir()?;
        let port = TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
        let child = Command::new(&bin)
            .args(["serve", "--demo", "--bind", &format!("127.0.0.1:{port}")])
            .arg("--database-url")
            .arg(database_url.unwrap_or_else(|| format!("sqlite://{}", dir.path().join("bench.db").display())))
            .env("LABBLOGG_LOG", "warn")
            .stdout(Stdio::null())
            .spawn()
            .with_context(|| format!("starting {}", bin.display()))?;
        let server = Server { child, base: format!("http://127.0.0.1:{port}"), _dir: dir };
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            if let Ok(r) = http.get(format!("{}/healthz", server.base)).send().await {
                if r.status().is_success() {
                    return Ok(server);
                }
            }
            if Instant::now() > deadline {
                bail!("the server did not answer /healthz within 60 s");
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    fn pid(&self) -> u32 {
        self.child.id()
    }
}

/// CPU time (user + system) a process has used so far, in seconds, from `/proc/<pid>/stat`
/// (assuming the usual 100 clock ticks per second). Less disturbed by other load on the machine
/// than wall time: what a change costs the server.
fn cpu_seconds_of(pid: u32) -> Option<f64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // After the command name in parentheses: state is field 3, utime 14, stime 15.
    let rest = &stat[stat.rfind(')')? + 2..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks: u64 = fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?;
    Some(ticks as f64 / 100.0)
}

/// (VmRSS, VmHWM) of a process in bytes.
fn memory_of(pid: u32) -> Option<(u64, u64)> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let field = |name: &str| -> Option<u64> {
        let line = status.lines().find(|l| l.starts_with(name))?;
        let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
        Some(kb * 1024)
    };
    Some((field("VmRSS:")?, field("VmHWM:")?))
}

// ---------------------------------------------------------------------------------------------
// A device speaking the sync protocol

#[derive(Clone)]
struct Device {
    http: reqwest::Client,
    base: String,
    token: String,
    id: Uuid,
    clock: Arc<Mutex<Hlc>>,
}

impl Device {
    async fn sign_in(http: &reqwest::Client, base: &str, username: &str) -> Result<Device> {
        let id = Uuid::now_v7();
        let resp = http
            .post(format!("{base}/api/v1/auth/login"))
            .json(&LoginRequest {
                username: username.into(),
                password: username.into(),
                device_id: Some(id),
                device_name: None,
            })
            .send()
            .await?;
        if !resp.status().is_success() {
            bail!("login as {username}: {}", resp.status());
        }
        let login: LoginResponse = resp.json().await?;
        Ok(Device {
            http: http.clone(),
            base: base.into(),
            token: login.token,
            id,
            clock: Arc::new(Mutex::new(Hlc::new(node_of(id)))),
        })
    }

    fn visits(&self, n: usize, offset: usize) -> Vec<Change> {
        let mut clock = self.clock.lock().unwrap_or_else(|p| p.into_inner());
        (0..n)
            .map(|i| {
                let (lab, place) = LABS_AND_PLACES[(offset + i) % LABS_AND_PLACES.len()];
                visit(lab, place, offset + i, clock.tick(now_ms()))
            })
            .collect()
    }

    async fn sync(&self, cursor: u64, changes: Vec<Change>) -> Result<SyncResponse> {
        let req = SyncRequest {
            protocol: PROTOCOL_VERSION,
            device_id: self.id,
            cursor,
            changes,
            pull_limit: Some(MAX_PULL_RECORDS),
        };
        let resp =
            self.http.post(format!("{}/api/v1/sync", self.base)).bearer_auth(&self.token).json(&req).send().await?;
        let status = resp.status();
        if !status.is_success() {
            bail!("sync: {status}: {}", resp.text().await.unwrap_or_default());
        }
        Ok(resp.json().await?)
    }

    /// Push `changes`, requiring every one accepted.
    async fn push(&self, cursor: u64, changes: Vec<Change>) -> Result<SyncResponse> {
        let n = changes.len();
        let resp = self.sync(cursor, changes).await?;
        if resp.results.len() != n {
            bail!("{} results for {n} changes", resp.results.len());
        }
        if let Some(refused) = resp.results.iter().find_map(|r| r.rejected.as_ref()) {
            bail!("a change was refused: {refused:?}");
        }
        Ok(resp)
    }

    /// Pull until nothing more waits; the new cursor.
    async fn catch_up(&self, mut cursor: u64) -> Result<u64> {
        for _ in 0..100_000 {
            let resp = self.sync(cursor, Vec::new()).await?;
            cursor = resp.cursor;
            if !resp.more {
                return Ok(cursor);
            }
        }
        bail!("pull does not end")
    }
}

fn visit_fields(place: Uuid, i: usize) -> Map<String, Value> {
    let day = (i / 40) % 365;
    let v = Visit {
        meeting_place_id: place,
        at_ms: now_ms() as i64,
        date: format!("2026-{:02}-{:02}", 1 + day / 31, 1 + day % 28),
        age_band: AgeBand::ALL[i % AgeBand::ALL.len()],
        gender: None,
        first_visit: i.is_multiple_of(7),
    };
    match serde_json::to_value(v) {
        Ok(Value::Object(m)) => m,
        _ => unreachable!("a visit serialises to an object"),
    }
}

fn visit(lab: Uuid, place: Uuid, i: usize, hlc: Hlc) -> Change {
    Change {
        change_id: Uuid::now_v7(),
        kind: RecordKind::Visit,
        id: Uuid::now_v7(),
        lab_id: lab,
        hlc,
        fields: visit_fields(place, i),
        deleted: false,
        restore: false,
    }
}

// ---------------------------------------------------------------------------------------------
// 1. Ingest

async fn ingest(http: &reqwest::Client) -> Result<()> {
    let server = Server::start(http).await?;
    let device = Device::sign_in(http, &server.base, "samordnare").await?;
    let batches: Vec<Vec<Change>> =
        (0..WARMUP_BATCHES + INGEST_BATCHES).map(|b| device.visits(INGEST_BATCH, b * INGEST_BATCH)).collect();
    let measured: Vec<Vec<Change>> = batches[WARMUP_BATCHES..].to_vec();
    for batch in &batches[..WARMUP_BATCHES] {
        device.push(u64::MAX / 2, batch.clone()).await?;
    }
    let mut latencies = Vec::new();
    let cpu_before = cpu_seconds_of(server.pid());
    let started = Instant::now();
    for batch in batches.into_iter().skip(WARMUP_BATCHES) {
        let t0 = Instant::now();
        // A cursor past everything: the response pulls nothing, so this times the push alone.
        device.push(u64::MAX / 2, batch).await?;
        latencies.push(ms(t0.elapsed()));
        if started.elapsed() > PHASE_LIMIT {
            bail!("ingest took over {PHASE_LIMIT:?}");
        }
    }
    let elapsed = started.elapsed();
    let changes = INGEST_BATCHES * INGEST_BATCH;
    let server_cpu_s = cpu_before.zip(cpu_seconds_of(server.pid())).map(|(a, b)| b - a);
    latencies.sort_by(f64::total_cmp);
    let (rss, hwm) = memory_of(server.pid()).unwrap_or_default();
    report(json!({
        "name": "server.ingest", "changes": changes, "batch": INGEST_BATCH, "seconds": elapsed.as_secs_f64(),
        "changes_per_s": changes as f64 / elapsed.as_secs_f64(),
        "server_cpu_s": server_cpu_s, "server_cpu_us_per_change": server_cpu_s.map(|s| s * 1e6 / changes as f64),
        "request_p50_ms": percentile(&latencies, 50.0), "request_p99_ms": percentile(&latencies, 99.0),
        "rss_bytes": rss, "rss_peak_bytes": hwm,
    }));

    // Propagation on the same, now well-filled server.
    propagation(http, &server).await?;
    drop(server);

    // The baseline: the same rows straight into SQLite.
    let (per_s, cpu_us) = sqlite_baseline(&measured)?;
    report(json!({
        "name": "server.ingest.sqlite", "changes": changes, "batch": INGEST_BATCH, "changes_per_s": per_s,
        "cpu_us_per_change": cpu_us,
        "note_how": "rusqlite prepared INSERT into a table of the server's shape (primary key + lab/seq index), WAL, synchronous=NORMAL, one transaction per batch",
    }));
    Ok(())
}

/// id, kind, lab, fields (JSON), clocks (JSON).
type Row = (String, String, String, String, String);

/// Inserts the rows the server would store for these changes into a fresh SQLite file with
/// the server's pragmas and the same table and index; changes per second.
fn sqlite_baseline(batches: &[Vec<Change>]) -> Result<(f64, Option<f64>)> {
    let dir = tempfile::tempdir()?;
    let mut conn = rusqlite::Connection::open(dir.path().join("plain.db"))?;
    conn.execute_batch(
        "PRAGMA journal_mode = WAL;
         PRAGMA synchronous = NORMAL;
         CREATE TABLE records (
            id TEXT PRIMARY KEY, kind TEXT NOT NULL, lab_id TEXT NOT NULL, seq INTEGER NOT NULL UNIQUE,
            fields TEXT NOT NULL, clocks TEXT NOT NULL, deleted TEXT);
         CREATE INDEX records_lab_seq ON records(lab_id, seq);",
    )?;
    // The rows as the server stores them: merged state, fields and clocks as JSON text.
    let rows: Vec<Vec<Row>> = batches
        .iter()
        .map(|batch| {
            batch
                .iter()
                .map(|c| {
                    let state = labblogg_shared::apply_change(None, c).ok().flatten().expect("a new visit");
                    (
                        state.id.to_string(),
                        state.kind.as_str().to_owned(),
                        state.lab_id.to_string(),
                        Value::Object(state.fields).to_string(),
                        serde_json::to_string(&state.clocks).expect("clocks"),
                    )
                })
                .collect()
        })
        .collect();
    let cpu_before = cpu_seconds_of(std::process::id());
    let started = Instant::now();
    let mut seq = 0i64;
    for batch in &rows {
        let tx = conn.transaction()?;
        {
            let mut insert = tx.prepare_cached(
                "INSERT INTO records (id, kind, lab_id, seq, fields, clocks, deleted) VALUES (?1, ?2, ?3, ?4, ?5, ?6, NULL)",
            )?;
            for (id, kind, lab, fields, clocks) in batch {
                seq += 1;
                insert.execute(rusqlite::params![id, kind, lab, seq, fields, clocks])?;
            }
        }
        tx.commit()?;
    }
    let n: usize = rows.iter().map(Vec::len).sum();
    let per_s = n as f64 / started.elapsed().as_secs_f64();
    // The bench process does nothing else meanwhile.
    let cpu_us = cpu_before.zip(cpu_seconds_of(std::process::id())).map(|(a, b)| (b - a) * 1e6 / n as f64);
    Ok((per_s, cpu_us))
}

// ---------------------------------------------------------------------------------------------
// 3. Propagation from device A to device B

async fn propagation(http: &reqwest::Client, server: &Server) -> Result<()> {
    let a = Device::sign_in(http, &server.base, "samordnare").await?;
    // B is staff at Lina Hage and reads that lab only.
    let b = Device::sign_in(http, &server.base, "personal").await?;
    let start_cursor = b.catch_up(0).await?;

    let sent: Arc<Mutex<HashMap<Uuid, Instant>>> = Arc::default();
    let (seen_tx, mut seen_rx) = tokio::sync::mpsc::unbounded_channel::<(Uuid, Duration)>();
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let poller = {
        let (sent, stop) = (sent.clone(), stop.clone());
        tokio::spawn(async move {
            let mut cursor = start_cursor;
            let mut polls = 0u64;
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                let resp = b.sync(cursor, Vec::new()).await?;
                polls += 1;
                let now = Instant::now();
                cursor = resp.cursor;
                let sent = sent.lock().unwrap_or_else(|p| p.into_inner());
                for r in &resp.records {
                    if let Some(t0) = sent.get(&r.state.id) {
                        let _ = seen_tx.send((r.state.id, now - *t0));
                    }
                }
            }
            anyhow::Ok(polls)
        })
    };

    let started = Instant::now();
    let mut delays = Vec::new();
    for i in 0..PROPAGATION_TRIALS {
        let change = {
            let mut clock = a.clock.lock().unwrap_or_else(|p| p.into_inner());
            visit(demo::LINA_HAGE, demo::PLACE_LINA_HAGE, i, clock.tick(now_ms()))
        };
        let id = change.id;
        sent.lock().unwrap_or_else(|p| p.into_inner()).insert(id, Instant::now());
        a.push(u64::MAX / 2, vec![change]).await?;
        let (seen, delay) = tokio::time::timeout(Duration::from_secs(30), seen_rx.recv())
            .await
            .context("device B did not see a pushed visit within 30 s")?
            .context("the poller stopped")?;
        if seen != id {
            bail!("device B saw {seen}, expected {id}");
        }
        delays.push(ms(delay));
        // Pushes land at random points of B's polling cycle.
        tokio::time::sleep(Duration::from_millis(1 + (i as u64 * 7) % 13)).await;
        if started.elapsed() > PHASE_LIMIT {
            bail!("propagation took over {PHASE_LIMIT:?}");
        }
    }
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let polls = poller.await??;
    delays.sort_by(f64::total_cmp);
    report(json!({
        "name": "server.propagation", "unit": "ms", "trials": delays.len(),
        "p50": percentile(&delays, 50.0), "p95": percentile(&delays, 95.0), "max": delays.last(),
        "b_polls": polls, "b_polls_per_s": polls as f64 / started.elapsed().as_secs_f64(),
        "how": "A pushes one visit; B pulls back to back; time from A's send to B's response that holds it",
    }));
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// 2. Many devices at once

async fn devices(http_for_setup: &reqwest::Client) -> Result<()> {
    let server = Server::start(http_for_setup).await?;
    // One HTTP client (so one connection pool) per device, as 200 tablets would have.
    let mut devices = Vec::with_capacity(DEVICES);
    for _ in 0..DEVICES {
        let http = reqwest::Client::builder().timeout(REQUEST_TIMEOUT).build()?;
        devices.push(Device::sign_in(&http, &server.base, "samordnare").await?);
    }
    let (rss_before, _) = memory_of(server.pid()).unwrap_or_default();

    // Sample the server's memory while the devices run.
    let pid = server.pid();
    let sampling = Arc::new(std::sync::atomic::AtomicBool::new(true));
    let sampler = {
        let sampling = sampling.clone();
        tokio::spawn(async move {
            let mut peak = 0u64;
            while sampling.load(std::sync::atomic::Ordering::Relaxed) {
                if let Some((rss, _)) = memory_of(pid) {
                    peak = peak.max(rss);
                }
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
            peak
        })
    };

    let started = Instant::now();
    let mut tasks = tokio::task::JoinSet::new();
    for (n, device) in devices.into_iter().enumerate() {
        tasks.spawn(async move {
            let mut latencies = Vec::with_capacity(DEVICE_BATCHES);
            let mut cursor = 0;
            let mut pulled = 0usize;
            for b in 0..DEVICE_BATCHES {
                let batch = device.visits(DEVICE_BATCH, (n * DEVICE_BATCHES + b) * DEVICE_BATCH);
                let t0 = Instant::now();
                let resp = device.push(cursor, batch).await?;
                latencies.push(ms(t0.elapsed()));
                cursor = resp.cursor;
                pulled += resp.records.len();
            }
            anyhow::Ok((latencies, pulled))
        });
    }
    let mut latencies = Vec::new();
    let mut pulled = 0;
    let joined = tokio::time::timeout(PHASE_LIMIT, async {
        while let Some(done) = tasks.join_next().await {
            let (l, p) = done??;
            latencies.extend(l);
            pulled += p;
        }
        anyhow::Ok(())
    })
    .await;
    let elapsed = started.elapsed();
    sampling.store(false, std::sync::atomic::Ordering::Relaxed);
    let peak_sampled = sampler.await?;
    joined.context("200 devices took too long")??;
    let (rss_after, hwm) = memory_of(server.pid()).unwrap_or_default();
    latencies.sort_by(f64::total_cmp);
    let changes = DEVICES * DEVICE_BATCHES * DEVICE_BATCH;
    report(json!({
        "name": "server.devices", "devices": DEVICES, "requests": latencies.len(), "changes": changes,
        "seconds": elapsed.as_secs_f64(), "changes_per_s": changes as f64 / elapsed.as_secs_f64(),
        "records_pulled": pulled,
        "p50_ms": percentile(&latencies, 50.0), "p99_ms": percentile(&latencies, 99.0), "max_ms": latencies.last(),
        "rss_before_bytes": rss_before, "rss_after_bytes": rss_after,
        "rss_peak_bytes": hwm.max(peak_sampled), "rss_peak_sampled_bytes": peak_sampled, "vm_hwm_bytes": hwm,
    }));
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// 4. The summary of 1,000,000 visits

const SUMMARY_VISITS: usize = 1_000_000;
const SUMMARY_RUNS: usize = 5;

async fn summary(http: &reqwest::Client) -> Result<()> {
    let server = Server::start(http).await?;
    let device = Device::sign_in(http, &server.base, "samordnare").await?;
    let url = format!(
        "{}/api/v1/summary?kind=lab&lab={}&from=2026-01-01&to=2026-12-31&today=2026-12-31",
        server.base,
        demo::LINA_HAGE
    );
    let probe = http.get(&url).bearer_auth(&device.token).send().await?;
    if !probe.status().is_success() {
        report(
            json!({"name": "summary.server", "not_measured": format!("GET /api/v1/summary answers {}", probe.status())}),
        );
        return Ok(());
    }
    // Every visit in one lab, over the year the report covers.
    let started = Instant::now();
    for from in (0..SUMMARY_VISITS).step_by(INGEST_BATCH) {
        let batch = {
            let mut clock = device.clock.lock().unwrap_or_else(|p| p.into_inner());
            (from..from + INGEST_BATCH)
                .map(|i| visit(demo::LINA_HAGE, demo::PLACE_LINA_HAGE, i * 3 / 8, clock.tick(now_ms())))
                .collect()
        };
        device.push(u64::MAX / 2, batch).await?;
        if started.elapsed() > PHASE_LIMIT {
            bail!("seeding {SUMMARY_VISITS} visits took over {PHASE_LIMIT:?}");
        }
    }
    let seeded_s = started.elapsed().as_secs_f64();
    let mut runs = Vec::new();
    let mut bytes = 0;
    for _ in 0..SUMMARY_RUNS {
        let t0 = Instant::now();
        let resp = http.get(&url).bearer_auth(&device.token).send().await?;
        if !resp.status().is_success() {
            bail!("summary: {}", resp.status());
        }
        bytes = resp.bytes().await?.len();
        runs.push(ms(t0.elapsed()));
    }
    let (rss, hwm) = memory_of(server.pid()).unwrap_or_default();
    runs.sort_by(f64::total_cmp);
    report(json!({
        "name": "summary.server", "unit": "ms", "visits": SUMMARY_VISITS, "runs": runs, "ms": percentile(&runs, 50.0),
        "response_bytes": bytes, "seed_seconds": seeded_s, "rss_bytes": rss, "rss_peak_bytes": hwm,
        "how": "GET /api/v1/summary?kind=lab for one lab's year, 1,000,000 visits stored, median of 5",
    }));
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// 5. SQLite and PostgreSQL side by side

const PULL_RECORDS: usize = 100_000;
const PULL_RUNS: usize = 3;

/// A new, empty database on the PostgreSQL server of `LABBLOGG_BENCH_POSTGRES_URL` (a role that
/// may create databases; `cargo xtask bench server` starts a throwaway one).
async fn fresh_postgres_database(base: &str) -> Result<String> {
    let (client, connection) = tokio_postgres::connect(base, tokio_postgres::NoTls)
        .await
        .context("connecting to LABBLOGG_BENCH_POSTGRES_URL")?;
    let connection = tokio::spawn(connection);
    let name = format!("labblogg_bench_{}", Uuid::new_v4().simple());
    client.batch_execute(&format!("CREATE DATABASE {name}")).await?;
    drop(client);
    let _ = connection.await;
    // `base` with its database name replaced.
    let scheme_end = base.find("://").map_or(0, |i| i + 3);
    let (head, rest) = base.split_at(scheme_end);
    let (authority, tail) = rest.find('/').map_or((rest, ""), |i| rest.split_at(i));
    let query = tail.find('?').map_or("", |i| &tail[i..]);
    Ok(format!("{head}{authority}/{name}{query}"))
}

/// On one backend: ingest through the sync endpoint as in phase 1, fill up to 100,000 visits,
/// then a fresh device (a coordinator reading all four labs) pulls everything from cursor 0
/// in pages of 1,000, as the app's first sync does.
async fn backend(http: &reqwest::Client, backend: &str, database_url: Option<String>) -> Result<()> {
    let server = Server::start_on(http, database_url.clone()).await?;
    let device = Device::sign_in(http, &server.base, "samordnare").await?;
    for b in 0..WARMUP_BATCHES {
        device.push(u64::MAX / 2, device.visits(INGEST_BATCH, b * INGEST_BATCH)).await?;
    }
    let batches: Vec<Vec<Change>> =
        (0..INGEST_BATCHES).map(|b| device.visits(INGEST_BATCH, (WARMUP_BATCHES + b) * INGEST_BATCH)).collect();
    let mut latencies = Vec::new();
    let started = Instant::now();
    for batch in batches {
        let t0 = Instant::now();
        device.push(u64::MAX / 2, batch).await?;
        latencies.push(ms(t0.elapsed()));
        if started.elapsed() > PHASE_LIMIT {
            bail!("{backend}: ingest took over {PHASE_LIMIT:?}");
        }
    }
    let elapsed = started.elapsed();
    latencies.sort_by(f64::total_cmp);
    let changes = INGEST_BATCHES * INGEST_BATCH;
    report(json!({
        "name": format!("backend.{backend}.ingest"), "backend": backend, "changes": changes, "batch": INGEST_BATCH,
        "seconds": elapsed.as_secs_f64(), "changes_per_s": changes as f64 / elapsed.as_secs_f64(),
        "request_p50_ms": percentile(&latencies, 50.0), "request_p99_ms": percentile(&latencies, 99.0),
    }));

    // Fill up to the pull's size (not timed).
    let mut stored = (WARMUP_BATCHES + INGEST_BATCHES) * INGEST_BATCH;
    let fill_started = Instant::now();
    while stored < PULL_RECORDS {
        let n = INGEST_BATCH.min(PULL_RECORDS - stored);
        device.push(u64::MAX / 2, device.visits(n, stored)).await?;
        stored += n;
        if fill_started.elapsed() > PHASE_LIMIT {
            bail!("{backend}: filling to {PULL_RECORDS} records took over {PHASE_LIMIT:?}");
        }
    }

    // PostgreSQL has no statistics on the rows just loaded until autovacuum analyses the table
    // (within a minute or so); until then it plans each page as a scan of every later row and a
    // sort. Timed both ways: as loaded, and after `ANALYZE` (what autovacuum leaves).
    let mut fresh_statistics = None;
    if let Some(url) = database_url.as_deref().filter(|u| u.starts_with("postgres")) {
        let (runs, ..) = pull_runs(http, &server, backend, 1).await?;
        fresh_statistics = runs.first().copied();
        let (client, connection) = tokio_postgres::connect(url, tokio_postgres::NoTls).await?;
        let connection = tokio::spawn(connection);
        client.batch_execute("ANALYZE records").await?;
        drop(client);
        let _ = connection.await;
    }
    let (mut runs, records, requests, bytes) = pull_runs(http, &server, backend, PULL_RUNS).await?;
    if records < PULL_RECORDS {
        bail!("{backend}: pulled {records} records, expected at least {PULL_RECORDS}");
    }
    runs.sort_by(f64::total_cmp);
    let (rss, hwm) = memory_of(server.pid()).unwrap_or_default();
    let note = fresh_statistics.map(|ms| {
        format!("right after loading, before PostgreSQL had statistics on the table, the same pull took {ms:.0} ms (each page planned as a scan and sort of every later row); the row gives it after ANALYZE")
    });
    report(json!({
        "name": format!("backend.{backend}.pull100k"), "backend": backend, "unit": "ms",
        "ms": percentile(&runs, 50.0), "runs": runs, "records": records, "requests": requests, "bytes": bytes,
        "ms_before_analyze": fresh_statistics, "note": note,
        "rss_bytes": rss, "rss_peak_bytes": hwm,
        "how": "a fresh device's first sync: POST /api/v1/sync from cursor 0, pages of 1,000, until more=false; native client, JSON parsed; median of 3",
    }));
    Ok(())
}

/// `times` fresh devices, one after another, each pulling everything from cursor 0: their times (ms), and the last
/// one's records, requests and body bytes.
async fn pull_runs(
    http: &reqwest::Client,
    server: &Server,
    backend: &str,
    times: usize,
) -> Result<(Vec<f64>, usize, usize, usize)> {
    let mut runs = Vec::new();
    let (mut records, mut requests, mut bytes) = (0usize, 0usize, 0usize);
    for _ in 0..times {
        let fresh = Device::sign_in(http, &server.base, "samordnare").await?;
        let t0 = Instant::now();
        let (mut cursor, mut n, mut r, mut b) = (0u64, 0usize, 0usize, 0usize);
        loop {
            let req = SyncRequest {
                protocol: PROTOCOL_VERSION,
                device_id: fresh.id,
                cursor,
                changes: Vec::new(),
                pull_limit: Some(MAX_PULL_RECORDS),
            };
            let resp =
                http.post(format!("{}/api/v1/sync", server.base)).bearer_auth(&fresh.token).json(&req).send().await?;
            if !resp.status().is_success() {
                bail!("{backend}: pull: {}", resp.status());
            }
            let body = resp.bytes().await?;
            let page: SyncResponse = serde_json::from_slice(&body)?;
            b += body.len();
            r += 1;
            n += page.records.len();
            cursor = page.cursor;
            if !page.more {
                break;
            }
            if t0.elapsed() > PHASE_LIMIT {
                bail!("{backend}: the pull took over {PHASE_LIMIT:?}");
            }
        }
        runs.push(ms(t0.elapsed()));
        (records, requests, bytes) = (n, r, b);
    }
    Ok((runs, records, requests, bytes))
}

/// Both backends, one after the other on the same machine. Without
/// `LABBLOGG_BENCH_POSTGRES_URL` PostgreSQL is reported as not measured.
async fn backends(http: &reqwest::Client) -> Result<()> {
    backend(http, "sqlite", None).await?;
    match std::env::var("LABBLOGG_BENCH_POSTGRES_URL").ok().filter(|u| !u.trim().is_empty()) {
        Some(base) => {
            let url = fresh_postgres_database(&base).await?;
            backend(http, "postgres", Some(url)).await?;
        }
        None => {
            let why = "PostgreSQL not available (LABBLOGG_BENCH_POSTGRES_URL is not set)";
            report(json!({"name": "backend.postgres.ingest", "not_measured": why}));
            report(json!({"name": "backend.postgres.pull100k", "not_measured": why}));
        }
    }
    Ok(())
}

fn main() -> Result<()> {
    // `cargo bench` passes `--bench`; our own argument picks the phase.
    let only_summary = std::env::args().skip(1).any(|a| a == "summary");
    let only_backends = std::env::args().skip(1).any(|a| a == "backends");
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    runtime.block_on(async {
        let http = reqwest::Client::builder().timeout(REQUEST_TIMEOUT).build()?;
        if only_summary {
            return summary(&http).await;
        }
        if only_backends {
            return backends(&http).await;
        }
        if std::env::args().skip(1).any(|a| a == "ingest") {
            // Phase 1 alone (with propagation and the baseline), to compare before and after a change.
            return ingest(&http).await;
        }
        ingest(&http).await?;
        devices(&http).await?;
        anyhow::Ok(())
    })
}
