//! `cargo xtask bench`: labblogg side by side with its peers (issue 8) and issue 4's tap figure.
//!
//! Each section runs a benchmark program that prints its raw measurements as lines
//! `BENCH {"name": …, …}` on stdout; this module collects them, turns them into one table
//! (figure | ours | baseline | ratio | goal | met?), prints it as Markdown and writes everything
//! to `<target>/bench/results.json` and `<target>/bench/results.md`. The goals live here and
//! only here: no timed test anywhere else asserts a speed.
//!
//! Sections, in the order they run:
//! - `write`: local writes in headless Chromium (`frontend/tests/bench.rs`, wasm-bindgen-test);
//! - `server`: sync ingest, 200 concurrent devices and propagation (`server/benches/ingest.rs`);
//! - `sync`: a fresh device pulling and pushing against PouchDB (see `bench_pouch.rs`);
//! - `size`: app size and offline time to interactive against a Leptos hello world
//!   (`bench_size.rs`);
//! - `summary`: a lab's yearly summary over 1,000,000 visits on the server
//!   (`server/benches/ingest.rs summary`) and in the browser (`frontend/tests/bench_summary.rs`);
//! - `verifier`: the offline sign-in's password check (PBKDF2-HMAC-SHA256 through WebCrypto) in
//!   headless Chromium at 4× CPU throttling (`tests/benches/verifier.rs`);
//! - `lighthouse`: the first load with Lighthouse's mobile profile (sign-in page, staff counter,
//!   layout shift on every main screen) and the wasm the counter needs before it responds
//!   (`bench_lighthouse.rs`, `xtask/bench/lighthouse.mjs`).
//!
//! A section that fails is reported as "not measured: <reason>" and the others still run; the
//! command then exits non-zero. A missed goal is a result, not a failure.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use anyhow::{bail, Context, Result};
use serde_json::{json, Value};
use xshell::{cmd, Shell};

use crate::tools::{self, CHROMEDRIVER, WASM_TARGET};
use crate::{bench_lighthouse, bench_pouch, bench_size, postgres, test, Workspace};

/// The wasm of the browser benchmarks is built like the shipped app (`opt-level = "z"`, LTO):
/// the figures are what a tablet runs. (Not passed through wasm-opt, which the app is.)
pub const WASM_PROFILE: &str = "wasm-release";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Section {
    Write,
    Server,
    Sync,
    Size,
    Summary,
    Verifier,
    Lighthouse,
}

impl Section {
    const ALL: [Section; 7] = [
        Section::Write,
        Section::Server,
        Section::Sync,
        Section::Size,
        Section::Summary,
        Section::Verifier,
        Section::Lighthouse,
    ];

    fn name(self) -> &'static str {
        match self {
            Section::Write => "write",
            Section::Server => "server",
            Section::Sync => "sync",
            Section::Size => "size",
            Section::Summary => "summary",
            Section::Verifier => "verifier",
            Section::Lighthouse => "lighthouse",
        }
    }

    fn parse(name: &str) -> Option<Section> {
        Section::ALL.into_iter().find(|s| s.name() == name)
    }
}

/// Raw measurements by name, as the benchmark programs printed them.
pub type Measurements = BTreeMap<String, Value>;

pub fn bench(sh: &Shell, ws: &Workspace, args: Vec<String>) -> Result<()> {
    let sections = parse_args(&args)?;
    let out_dir = ws.target_dir.join("bench");
    sh.create_dir(&out_dir)?;
    let started = Instant::now();
    let load_before = load_average();

    let mut measured = Measurements::new();
    // Why a section produced nothing: failed, or not asked for.
    let mut missing: BTreeMap<&'static str, String> = BTreeMap::new();
    // Sections that ran but had a part fail (reported in their rows).
    let mut partly_failed: Vec<String> = Vec::new();
    for section in Section::ALL {
        if !sections.contains(&section) {
            missing.insert(section.name(), "not run (not asked for)".into());
            continue;
        }
        eprintln!("\n==> bench {}", section.name());
        let start = Instant::now();
        let result = match section {
            Section::Write => browser_bench(sh, ws, "bench", "local_write"),
            Section::Server => server_bench(sh, ws),
            Section::Sync => bench_pouch::run(sh, ws),
            Section::Size => bench_size::run(sh, ws),
            Section::Summary => summary_bench(sh, ws),
            Section::Verifier => verifier_bench(sh, ws),
            Section::Lighthouse => bench_lighthouse::run(sh, ws),
        };
        match result {
            Ok(values) => {
                if let Some(v) = values.iter().find(|v| v.get("failed").and_then(Value::as_bool) == Some(true)) {
                    let why = v.get("not_measured").and_then(Value::as_str).unwrap_or("failed");
                    partly_failed.push(format!("{} ({why})", section.name()));
                }
                eprintln!(
                    "<== bench {}: {} measurements in {:.0} s",
                    section.name(),
                    values.len(),
                    start.elapsed().as_secs_f64()
                );
                for v in values {
                    if let Some(name) = v.get("name").and_then(Value::as_str) {
                        measured.insert(name.to_owned(), v.clone());
                    }
                }
            }
            Err(e) => {
                eprintln!("<== bench {}: FAILED: {e:#}", section.name());
                missing.insert(
                    section.name(),
                    format!("the `{}` section failed: {}", section.name(), one_line(&format!("{e:#}"))),
                );
            }
        }
    }

    derive(&mut measured);
    let rows = rows(&measured, &missing);
    let load_after = load_average();
    let header = format!(
        "labblogg bench, {} cores, load average {} before and {} after; {} s in all",
        std::thread::available_parallelism().map(|n| n.get()).unwrap_or(0),
        load_before.as_deref().unwrap_or("?"),
        load_after.as_deref().unwrap_or("?"),
        started.elapsed().as_secs()
    );
    let table = markdown(&rows);
    println!("\n{header}\n\n{table}");
    let notes = notes(&measured);
    for note in &notes {
        println!("- {note}");
    }

    let results = json!({
        "created_unix_s": SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0),
        "cores": std::thread::available_parallelism().map(|n| n.get()).unwrap_or(0),
        "load_average_before": load_before,
        "load_average_after": load_after,
        "seconds": started.elapsed().as_secs(),
        "sections": sections.iter().map(|s| s.name()).collect::<Vec<_>>(),
        "rows": rows.iter().map(Row::to_json).collect::<Vec<_>>(),
        "notes": notes,
        "not_measured": missing,
        "measurements": measured,
    });
    let json_path = out_dir.join("results.json");
    std::fs::write(&json_path, serde_json::to_string_pretty(&results)? + "\n")
        .with_context(|| format!("writing {}", json_path.display()))?;
    std::fs::write(out_dir.join("results.md"), format!("{header}\n\n{table}\n"))?;
    println!("\nresults: {}", json_path.display());

    let mut failed: Vec<String> =
        missing.iter().filter(|(_, why)| !why.starts_with("not run")).map(|(s, _)| s.to_string()).collect();
    failed.extend(partly_failed);
    if !failed.is_empty() {
        bail!("bench sections failed: {}", failed.join(", "));
    }
    Ok(())
}

fn parse_args(args: &[String]) -> Result<Vec<Section>> {
    if args.is_empty() {
        return Ok(Section::ALL.to_vec());
    }
    args.iter()
        .map(|a| {
            Section::parse(a).with_context(|| {
                let names: Vec<_> = Section::ALL.iter().map(|s| s.name()).collect();
                format!("unknown bench section `{a}` (sections: {})", names.join(", "))
            })
        })
        .collect()
}

fn one_line(text: &str) -> String {
    let line = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if line.chars().count() > 300 {
        format!("{}…", line.chars().take(300).collect::<String>())
    } else {
        line
    }
}

fn load_average() -> Option<String> {
    let text = std::fs::read_to_string("/proc/loadavg").ok()?;
    Some(text.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
}

// -------------------------------------------------------------------------------------------
// Running benchmark programs

/// Runs `command`, echoing its output to stderr, and returns the `BENCH {json}` lines of its
/// stdout. Fails when it exits unsuccessfully.
pub fn collect(command: impl Into<Command>) -> Result<Vec<Value>> {
    let mut command = command.into();
    let program = format!("{:?}", command.get_program());
    let mut child = command.stdout(Stdio::piped()).spawn().with_context(|| format!("starting {program}"))?;
    let stdout = child.stdout.take().context("no stdout")?;
    let mut found = Vec::new();
    // The first panic message, to say why a run failed.
    let mut panic: Option<String> = None;
    let mut after_panic = false;
    for line in BufReader::new(stdout).lines() {
        let line = line?;
        if after_panic {
            panic = panic.map(|p| format!("{p} {}", line.trim()));
            after_panic = false;
        }
        if panic.is_none() && line.contains("panicked at") {
            panic = Some(line.trim().to_owned());
            after_panic = true;
        }
        // The browser page may prefix console lines; the marker can sit anywhere.
        if let Some(at) = line.find("BENCH {") {
            let text = &line[at + "BENCH ".len()..];
            match serde_json::from_str::<Value>(text) {
                Ok(value) => found.push(value),
                Err(e) => eprintln!("warning: unreadable BENCH line ({e}): {text}"),
            }
        }
        eprintln!("  | {line}");
    }
    let status = child.wait()?;
    if !status.success() {
        match panic {
            Some(panic) => bail!("{program} exited with {status}: {panic}"),
            None => bail!("{program} exited with {status}"),
        }
    }
    Ok(found)
}

/// Runs the ignored benchmark tests of `frontend/tests/<test>.rs` whose names contain
/// `filter`, in headless Chromium through wasm-bindgen-test-runner.
pub fn browser_bench(sh: &Shell, ws: &Workspace, test: &str, filter: &str) -> Result<Vec<Value>> {
    tools::ensure_frontend_tools(sh, ws)?;
    tools::ensure_browser(sh)?;
    let webdriver_json = ws.root.join("frontend/webdriver.json");
    test::ensure_webdriver_json(&webdriver_json)?;
    let cargo = &ws.cargo;
    let command = cmd!(
        sh,
        "{cargo} test -p labblogg-frontend --target {WASM_TARGET} --profile {WASM_PROFILE} --test {test} -- --include-ignored --nocapture {filter}"
    )
    .env("CHROMEDRIVER", CHROMEDRIVER)
    .env("WASM_BINDGEN_TEST_WEBDRIVER_JSON", &webdriver_json)
    // The whole page's run; the 100,000-record syncs take minutes on two busy cores.
    .env("WASM_BINDGEN_TEST_TIMEOUT", "3600")
    // Where the sync section's page finds its peers, fixed at build time. Set for every
    // section alike, so they share one build.
    .env("LABBLOGG_BENCH_PROXY", bench_pouch::proxy_url());
    let values = collect(command)?;
    if values.is_empty() {
        bail!("the browser benchmark `{filter}` printed no BENCH lines");
    }
    Ok(values)
}

/// The server's release binary, built if needed.
pub fn server_binary(sh: &Shell, ws: &Workspace) -> Result<std::path::PathBuf> {
    let cargo = &ws.cargo;
    cmd!(sh, "{cargo} build --release -p labblogg-server --bin labblogg").run()?;
    let path = ws.target_dir.join("release/labblogg");
    if !path.exists() {
        bail!("{} missing after the build", path.display());
    }
    Ok(path)
}

fn server_bench(sh: &Shell, ws: &Workspace) -> Result<Vec<Value>> {
    let server = server_binary(sh, ws)?;
    let cargo = &ws.cargo;
    // `cargo bench` builds with the release profile, like the server binary.
    let command = cmd!(sh, "{cargo} bench -p labblogg-server --bench ingest").env("LABBLOGG_BENCH_SERVER", &server);
    let mut values = collect(command)?;
    // SQLite and PostgreSQL side by side; a failure here still keeps the figures above.
    match backends_bench(sh, ws, &server) {
        Ok(v) => values.extend(v),
        Err(e) => {
            let why = format!("failed: {}", one_line(&format!("{e:#}")));
            for name in [
                "backend.sqlite.ingest",
                "backend.postgres.ingest",
                "backend.sqlite.pull100k",
                "backend.postgres.pull100k",
            ] {
                values.push(json!({"name": name, "failed": true, "not_measured": why}));
            }
        }
    }
    Ok(values)
}

/// `server/benches/ingest.rs backends` with a throwaway PostgreSQL (stopped and deleted when
/// done) as durable as the server's SQLite; PostgreSQL is installed from Debian when missing.
fn backends_bench(sh: &Shell, ws: &Workspace, server: &std::path::Path) -> Result<Vec<Value>> {
    let cargo = &ws.cargo;
    if let Err(e) = postgres::ensure_installed(sh) {
        eprintln!("warning: PostgreSQL could not be installed: {e:#}");
    }
    let pg = postgres::TestPostgres::start_with(postgres::BENCH_SETTINGS)?;
    let command = cmd!(sh, "{cargo} bench -p labblogg-server --bench ingest -- backends")
        .env("LABBLOGG_BENCH_SERVER", server)
        .env("LABBLOGG_BENCH_POSTGRES_URL", pg.as_ref().map_or("", |pg| pg.url.as_str()));
    let mut values = collect(command)?;
    drop(pg);
    for v in &mut values {
        if v.get("name").and_then(Value::as_str) == Some("backend.postgres.ingest") && v.get("changes_per_s").is_some()
        {
            v["note"] = json!(format!(
                "PostgreSQL {} on loopback, one server process, started with `{}`: as durable as the SQLite backend (WAL, synchronous=NORMAL)",
                postgres::server_bin().map_or("?".into(), |b| b.display().to_string()),
                postgres::BENCH_SETTINGS
            ));
        }
    }
    Ok(values)
}

fn summary_bench(sh: &Shell, ws: &Workspace) -> Result<Vec<Value>> {
    // Another engineer is writing `shared::summary`; until it exists there is nothing to time.
    let exists = ws.root.join("shared/src/summary.rs").exists() || ws.root.join("shared/src/summary/mod.rs").exists();
    if !exists {
        let why = "not yet measured: shared::summary does not exist yet";
        return Ok(vec![
            json!({"name": "summary.server", "not_measured": why}),
            json!({"name": "summary.browser", "not_measured": why}),
        ]);
    }
    // Two independent halves: one failing still lets the other report.
    let mut values = Vec::new();
    let server = server_binary(sh, ws).and_then(|server| {
        let cargo = &ws.cargo;
        let command = cmd!(sh, "{cargo} bench -p labblogg-server --bench ingest -- summary")
            .env("LABBLOGG_BENCH_SERVER", &server);
        collect(command)
    });
    let browser = browser_bench(sh, ws, "bench_summary", "summary_of_a_million_visits");
    for (name, result) in [("summary.server", server), ("summary.browser", browser)] {
        match result {
            Ok(v) => values.extend(v),
            Err(e) => values.push(json!({
                "name": name, "failed": true,
                "not_measured": format!("failed: {}", one_line(&format!("{e:#}"))),
            })),
        }
    }
    Ok(values)
}

/// The offline sign-in's check in headless Chromium (`tests/benches/verifier.rs`).
fn verifier_bench(sh: &Shell, ws: &Workspace) -> Result<Vec<Value>> {
    tools::ensure_browser(sh)?;
    let cargo = &ws.cargo;
    let command = cmd!(sh, "{cargo} bench -p labblogg-e2e --bench verifier")
        .env("CHROMEDRIVER", CHROMEDRIVER)
        .env("CHROMIUM", tools::CHROMIUM);
    collect(command)
}

// -------------------------------------------------------------------------------------------
// The table

#[derive(Debug, Clone, PartialEq)]
enum Met {
    Yes,
    No,
    /// A figure reported for information, without a goal.
    Info,
    NotMeasured(String),
}

#[derive(Debug, Clone)]
struct Row {
    figure: String,
    ours: String,
    baseline: String,
    ratio: Option<f64>,
    goal: String,
    met: Met,
}

impl Row {
    fn not_measured(figure: &str, baseline: &str, goal: &str, why: String) -> Row {
        Row {
            figure: figure.into(),
            ours: "—".into(),
            baseline: baseline.into(),
            ratio: None,
            goal: goal.into(),
            met: Met::NotMeasured(why),
        }
    }

    fn to_json(&self) -> Value {
        json!({
            "figure": self.figure, "ours": self.ours, "baseline": self.baseline, "ratio": self.ratio,
            "goal": self.goal,
            "met": match &self.met { Met::Yes => json!(true), Met::No => json!(false), Met::Info => Value::Null,
                                     Met::NotMeasured(why) => json!(format!("not measured: {why}")) },
        })
    }
}

fn markdown(rows: &[Row]) -> String {
    let mut out =
        String::from("| figure | ours | baseline | ratio | goal | met? |\n| --- | --- | --- | --- | --- | --- |\n");
    for r in rows {
        let ratio = r.ratio.map_or("—".to_string(), |x| format!("{x:.2}×"));
        let met = match &r.met {
            Met::Yes => "yes".to_string(),
            Met::No => "**no**".to_string(),
            Met::Info => "—".to_string(),
            Met::NotMeasured(why) => format!("not measured: {why}"),
        };
        let cells = [&r.figure, &r.ours, &r.baseline, &ratio, &r.goal, &met].map(|c| c.replace('|', "\\|"));
        out.push_str(&format!("| {} |\n", cells.join(" | ")));
    }
    out
}

/// A number from a measurement: `field` of `name`.
fn num(m: &Measurements, name: &str, field: &str) -> Option<f64> {
    m.get(name)?.get(field)?.as_f64()
}

fn ms(x: f64) -> String {
    if x >= 10_000.0 {
        format!("{:.1} s", x / 1000.0)
    } else if x >= 100.0 {
        format!("{x:.0} ms")
    } else {
        format!("{x:.2} ms")
    }
}

fn cls(x: f64) -> String {
    format!("{x:.3}")
}

fn per_s(x: f64) -> String {
    format!("{x:.0}/s")
}

fn kib(bytes: f64) -> String {
    if bytes >= 10.0 * 1024.0 * 1024.0 {
        format!("{:.1} MiB", bytes / 1024.0 / 1024.0)
    } else {
        format!("{:.1} KiB", bytes / 1024.0)
    }
}

/// How to compare ours with the baseline.
#[derive(Clone, Copy)]
enum Goal {
    /// ours ÷ baseline at most this.
    RatioAtMost(f64),
    /// ours ÷ baseline at least this.
    RatioAtLeast(f64),
    /// ours below this many of its own unit.
    Below(f64),
    /// ours at most this many of its own unit.
    AtMost(f64),
    /// ours at least this many of its own unit.
    AtLeast(f64),
    /// ours between these two, inclusive (a cost that should be neither too small nor too big).
    Within(f64, f64),
    Info,
}

struct Spec<'a> {
    figure: &'a str,
    /// Where ours and the baseline come from: (measurement, field).
    ours: (&'a str, &'a str),
    baseline: Option<(&'a str, &'a str)>,
    /// What names the baseline in the table when it is missing or has no number.
    baseline_label: &'a str,
    format: fn(f64) -> String,
    goal: Goal,
    goal_text: &'a str,
    /// The section that produces it, to explain a missing figure.
    section: &'static str,
}

fn row(m: &Measurements, missing: &BTreeMap<&'static str, String>, s: Spec<'_>) -> Row {
    let why_missing = |name: &str| -> String {
        if let Some(reason) = m.get(name).and_then(|v| v.get("not_measured")).and_then(Value::as_str) {
            return reason.to_owned();
        }
        missing.get(s.section).cloned().unwrap_or_else(|| format!("no `{name}` measurement"))
    };
    let ours = num(m, s.ours.0, s.ours.1);
    let base = s.baseline.and_then(|(n, f)| num(m, n, f));
    let Some(ours) = ours else {
        let baseline =
            base.map_or_else(|| s.baseline_label.to_string(), |b| format!("{} ({})", (s.format)(b), s.baseline_label));
        return Row::not_measured(s.figure, &baseline, s.goal_text, why_missing(s.ours.0));
    };
    let baseline_text = match (s.baseline, base) {
        (None, _) => s.baseline_label.to_string(),
        (Some(_), Some(b)) => format!("{} ({})", (s.format)(b), s.baseline_label),
        (Some((name, _)), None) => {
            format!("{}: not measured: {}", s.baseline_label, why_missing(name))
        }
    };
    let ratio = base.filter(|b| *b > 0.0).map(|b| ours / b);
    let met = match s.goal {
        Goal::Info => Met::Info,
        Goal::Below(limit) => {
            if ours < limit {
                Met::Yes
            } else {
                Met::No
            }
        }
        Goal::AtMost(limit) => {
            if ours <= limit {
                Met::Yes
            } else {
                Met::No
            }
        }
        Goal::AtLeast(limit) => {
            if ours >= limit {
                Met::Yes
            } else {
                Met::No
            }
        }
        Goal::Within(low, high) => {
            if (low..=high).contains(&ours) {
                Met::Yes
            } else {
                Met::No
            }
        }
        Goal::RatioAtMost(limit) => match ratio {
            Some(r) if r <= limit => Met::Yes,
            Some(_) => Met::No,
            None => Met::NotMeasured(format!("no baseline: {baseline_text}")),
        },
        Goal::RatioAtLeast(limit) => match ratio {
            Some(r) if r >= limit => Met::Yes,
            Some(_) => Met::No,
            None => Met::NotMeasured(format!("no baseline: {baseline_text}")),
        },
    };
    Row {
        figure: s.figure.into(),
        ours: (s.format)(ours),
        baseline: baseline_text,
        ratio,
        goal: s.goal_text.into(),
        met,
    }
}

fn rows(m: &Measurements, missing: &BTreeMap<&'static str, String>) -> Vec<Row> {
    let mut rows = Vec::new();
    {
        let mut add = |s: Spec<'_>| rows.push(row(m, missing, s));

        // 1. Local writes.
        let js = "raw JS IndexedDB";
        add(Spec {
            figure: "Tap \"+1 visit\" (record + outbox, 1 tx), 50,000 stored: p50",
            ours: ("write.tap.ours", "p50"),
            baseline: Some(("write.tap.js", "p50")),
            baseline_label: js,
            format: ms,
            goal: Goal::RatioAtMost(1.5),
            goal_text: "≤ 1.5×",
            section: "write",
        });
        add(Spec {
            figure: "Tap \"+1 visit\", 50,000 stored: p95",
            ours: ("write.tap.ours", "p95"),
            baseline: Some(("write.tap.js", "p95")),
            baseline_label: js,
            format: ms,
            goal: Goal::Below(16.0),
            goal_text: "< 16 ms",
            section: "write",
        });
        add(Spec {
            figure: "10,000 visits in one transaction (`store::write_many`), median of 3",
            ours: ("write.bulk.ours", "median"),
            baseline: Some(("write.bulk.js", "median")),
            baseline_label: "raw JS put loop",
            format: ms,
            goal: Goal::RatioAtMost(1.3),
            goal_text: "≤ 1.3×",
            section: "write",
        });
        add(Spec {
            figure: "Rust↔JS conversion per tap (record row + outbox row), share of tap p50",
            ours: ("write.tap.conversion", "per_tap_us"),
            baseline: Some(("write.tap.ours", "p50_us")),
            baseline_label: "tap p50",
            format: |us| format!("{us:.1} µs"),
            goal: Goal::Info,
            goal_text: "—",
            section: "write",
        });
        add(Spec {
            figure: "Row encoding, Rust↔JS conversion (encode + decode) of 10,000 visits: all serde-wasm-bindgen",
            ours: ("codec.swb_nested", "convert_ms"),
            baseline: Some(("codec.envelope_json_body", "convert_ms")),
            baseline_label: "today: swb envelope, record as JSON string",
            format: ms,
            goal: Goal::Info,
            goal_text: "—",
            section: "write",
        });
        add(Spec {
            figure: "Row encoding, Rust↔JS conversion (encode + decode) of 10,000 visits: all JSON + JSON.parse",
            ours: ("codec.json_parse", "convert_ms"),
            baseline: Some(("codec.envelope_json_body", "convert_ms")),
            baseline_label: "today: swb envelope, record as JSON string",
            format: ms,
            goal: Goal::Info,
            goal_text: "—",
            section: "write",
        });

        // 2. Server.
        add(Spec {
            figure: "Server ingest over POST /api/v1/sync, batches of 500 visits",
            ours: ("server.ingest", "changes_per_s"),
            baseline: Some(("server.ingest.sqlite", "changes_per_s")),
            baseline_label: "plain rusqlite insert, 1 tx per 500",
            format: per_s,
            goal: Goal::RatioAtLeast(0.5),
            goal_text: "≥ 0.5×",
            section: "server",
        });
        add(Spec {
            figure:
                "Server ingest: CPU per change (server process, user + system), against the plain insert's CPU per row",
            ours: ("server.ingest", "server_cpu_us_per_change"),
            baseline: Some(("server.ingest.sqlite", "cpu_us_per_change")),
            baseline_label: "plain rusqlite insert",
            format: |us| format!("{us:.1} µs"),
            goal: Goal::Info,
            goal_text: "— (steadier than the wall-time ratio on a busy machine)",
            section: "server",
        });
        add(Spec {
            figure: "Ingest over POST /api/v1/sync, batches of 500: SQLite backend",
            ours: ("backend.sqlite.ingest", "changes_per_s"),
            baseline: None,
            baseline_label: "—",
            format: per_s,
            goal: Goal::Info,
            goal_text: "—",
            section: "server",
        });
        add(Spec {
            figure: "Ingest over POST /api/v1/sync, batches of 500: PostgreSQL backend",
            ours: ("backend.postgres.ingest", "changes_per_s"),
            baseline: Some(("backend.sqlite.ingest", "changes_per_s")),
            baseline_label: "SQLite backend",
            format: per_s,
            goal: Goal::Info,
            goal_text: "—",
            section: "server",
        });
        add(Spec {
            figure:
                "Fresh device pulls 100,000 records from the server (native client, pages of 1,000): SQLite backend",
            ours: ("backend.sqlite.pull100k", "ms"),
            baseline: None,
            baseline_label: "—",
            format: ms,
            goal: Goal::Info,
            goal_text: "—",
            section: "server",
        });
        add(Spec {
            figure:
                "Fresh device pulls 100,000 records from the server (native client, pages of 1,000): PostgreSQL backend",
            ours: ("backend.postgres.pull100k", "ms"),
            baseline: Some(("backend.sqlite.pull100k", "ms")),
            baseline_label: "SQLite backend",
            format: ms,
            goal: Goal::Info,
            goal_text: "—",
            section: "server",
        });
        add(Spec {
            figure: "200 devices syncing at once (10 × 50 each): changes/s",
            ours: ("server.devices", "changes_per_s"),
            baseline: None,
            baseline_label: "—",
            format: per_s,
            goal: Goal::Info,
            goal_text: "—",
            section: "server",
        });
        add(Spec {
            figure: "200 devices: p99 request latency",
            ours: ("server.devices", "p99_ms"),
            baseline: None,
            baseline_label: "—",
            format: ms,
            goal: Goal::Info,
            goal_text: "—",
            section: "server",
        });
        add(Spec {
            figure: "200 devices: server RSS, peak",
            ours: ("server.devices", "rss_peak_bytes"),
            baseline: None,
            baseline_label: "—",
            format: kib,
            goal: Goal::Info,
            goal_text: "—",
            section: "server",
        });
        add(Spec {
            figure: "Change pushed by device A visible in a pull by device B: p50",
            ours: ("server.propagation", "p50"),
            baseline: None,
            baseline_label: "—",
            format: ms,
            goal: Goal::Info,
            goal_text: "—",
            section: "server",
        });

        // 3. Sync against PouchDB.
        for (figure, key, format, goal, goal_text) in [
            (
                "Fresh device pulls 10,000 records into IndexedDB: time",
                "pull10k",
                ms as fn(f64) -> String,
                Goal::RatioAtMost(0.2),
                "≤ 0.2× (5× faster)",
            ),
            (
                "Fresh device pulls 10,000 records: bytes on the wire",
                "pull10k",
                kib as fn(f64) -> String,
                Goal::RatioAtMost(1.0),
                "fewer",
            ),
            (
                "Fresh device pulls 100,000 records into IndexedDB: time",
                "pull100k",
                ms,
                Goal::RatioAtMost(0.2),
                "≤ 0.2× (5× faster)",
            ),
            ("Fresh device pulls 100,000 records: bytes on the wire", "pull100k", kib, Goal::RatioAtMost(1.0), "fewer"),
            ("Device pushes 10,000 records: time", "push10k", ms, Goal::RatioAtMost(0.2), "≤ 0.2× (5× faster)"),
            ("Device pushes 10,000 records: bytes on the wire", "push10k", kib, Goal::RatioAtMost(1.0), "fewer"),
        ] {
            let field = if figure.ends_with("time") { "ms" } else { "bytes" };
            let (ours, pouch) = (format!("sync.{key}.ours"), format!("sync.{key}.pouchdb"));
            add(Spec {
                figure,
                ours: (&ours, field),
                baseline: Some((&pouch, field)),
                baseline_label: "PouchDB ↔ express-pouchdb",
                format,
                goal,
                goal_text,
                section: "sync",
            });
        }

        // 4. Size and start-up.
        for (figure, field) in [
            ("App size, wasm + JS: raw", "raw"),
            ("App size, wasm + JS: gzip", "gzip"),
            ("App size, wasm + JS: brotli", "brotli"),
        ] {
            add(Spec {
                figure,
                ours: ("size.app", field),
                baseline: Some(("size.hello", field)),
                baseline_label: "Leptos hello world",
                format: kib,
                goal: Goal::RatioAtMost(3.0),
                goal_text: "≤ 3×",
                section: "size",
            });
        }
        add(Spec {
            figure: "Time to interactive, offline from the service worker, 4× CPU throttling",
            ours: ("tti.app", "p50"),
            baseline: Some(("tti.hello", "p50")),
            baseline_label: "Leptos hello world",
            format: ms,
            goal: Goal::RatioAtMost(1.3),
            goal_text: "≤ 1.3×",
            section: "size",
        });

        // 5. Summary.
        for (figure, name, below_ms, goal_text) in [
            ("Summary of 1,000,000 visits (a lab's year): in the browser", "summary.browser", 1000.0, "< 1 s"),
            (
                "Summary of 1,000,000 visits (a lab's year): on the server, GET /api/v1/summary",
                "summary.server",
                200.0,
                "< 200 ms",
            ),
        ] {
            add(Spec {
                figure,
                ours: (name, "ms"),
                baseline: None,
                baseline_label: "—",
                format: ms,
                goal: Goal::Below(below_ms),
                goal_text,
                section: "summary",
            });
        }

        // 6. The offline sign-in's check: slow enough against guessing from a copy of the
        //    device's storage, quick enough for staff switching at a tablet.
        add(Spec {
            figure: "Offline sign-in check (PBKDF2-HMAC-SHA256, WebCrypto), 4× CPU throttling: p50",
            ours: ("verifier.throttled", "p50"),
            baseline: Some(("verifier.plain", "p50")),
            baseline_label: "same, no throttling",
            format: ms,
            goal: Goal::Within(100.0, 300.0),
            goal_text: "100–300 ms",
            section: "verifier",
        });

        // 7. First load (issue 16): Lighthouse's mobile profile (simulated slow 4G, 4× CPU).
        for (page, name) in
            [("sign-in page, cold", "lighthouse.signin"), ("staff counter, signed in", "lighthouse.counter")]
        {
            let figure = |what: &str| format!("Lighthouse mobile, {page}: {what}");
            add(Spec {
                figure: &figure("performance score (median of 3)"),
                ours: (name, "score"),
                baseline: None,
                baseline_label: "—",
                format: |x| format!("{x:.0}"),
                goal: Goal::AtLeast(90.0),
                goal_text: "≥ 90",
                section: "lighthouse",
            });
            for (what, field) in [
                ("largest contentful paint", "lcp_ms"),
                ("total blocking time", "tbt_ms"),
                ("first contentful paint", "fcp_ms"),
            ] {
                add(Spec {
                    figure: &figure(what),
                    ours: (name, field),
                    baseline: None,
                    baseline_label: "—",
                    format: ms,
                    goal: Goal::Info,
                    goal_text: "—",
                    section: "lighthouse",
                });
            }
            add(Spec {
                figure: &figure("cumulative layout shift"),
                ours: (name, "cls"),
                baseline: None,
                baseline_label: "—",
                format: cls,
                goal: Goal::Below(0.1),
                goal_text: "< 0.1",
                section: "lighthouse",
            });
        }
        for (screen, label) in [
            ("coordinator_load", "coordinator's signed-in load (overview)"),
            ("counter", "counter"),
            ("activities", "activities"),
            ("goals", "goals"),
            ("overview", "overview"),
            ("compare", "compare"),
            ("year_report", "year report"),
            ("knowledge", "knowledge"),
            ("settings", "settings"),
            ("setup", "set-up"),
        ] {
            let name = format!("lighthouse.cls.{screen}");
            add(Spec {
                figure: &format!("Layout shift opening the {label} screen (coordinator, mobile)"),
                ours: (&name, "cls"),
                baseline: None,
                baseline_label: "—",
                format: cls,
                goal: Goal::Below(0.1),
                goal_text: "< 0.1",
                section: "lighthouse",
            });
        }
        add(Spec {
            figure: "First-screen wasm: what the counter fetches before it responds, brotli",
            ours: ("size.first_screen", "brotli"),
            baseline: Some(("size.first_screen", "app_brotli")),
            baseline_label: "every wasm file of the app",
            format: kib,
            goal: Goal::AtMost(350.0 * 1024.0),
            goal_text: "≤ 350 KiB",
            section: "lighthouse",
        });
    }
    // A share reads better as a percentage than as a ratio.
    if let Some(r) = rows.iter_mut().find(|r| r.figure.starts_with("Rust↔JS conversion")) {
        if let Some(share) = r.ratio.take() {
            r.ours = format!("{} ({:.1} % of the tap)", r.ours, share * 100.0);
        }
    }
    rows
}

/// Findings that do not fit a row.
fn notes(m: &Measurements) -> Vec<String> {
    let mut notes = Vec::new();
    if let (Some(conv), Some(p50)) = (num(m, "write.tap.conversion", "per_tap_us"), num(m, "write.tap.ours", "p50")) {
        notes.push(format!(
            "Rust↔JS conversion is {conv:.1} µs of a {:.2} ms tap ({:.1} %): the tap's time is IndexedDB round trips, not serialisation.",
            p50,
            conv / (p50 * 1000.0) * 100.0
        ));
    }
    let codecs = ["envelope_json_body", "swb_nested", "json_parse"];
    let labels = [
        "today's serde-wasm-bindgen envelope with the record as a JSON string",
        "all serde-wasm-bindgen",
        "all JSON through JSON.parse",
    ];
    let convert = |v: &str| -> Option<(f64, f64, f64)> {
        let name = format!("codec.{v}");
        Some((
            num(m, &name, "encode_ms")?,
            num(m, &name, "decode_ms")?,
            num(m, &name, "put_ms")? + num(m, &name, "get_ms")?,
        ))
    };
    let measured: Vec<_> = codecs.iter().zip(labels).filter_map(|(v, l)| Some((l, convert(v)?))).collect();
    if measured.len() == codecs.len() {
        let parts: Vec<String> = measured
            .iter()
            .map(|(label, (enc, dec, store))| {
                format!("{label} {enc:.0} + {dec:.0} ms (IndexedDB itself {store:.0} ms)")
            })
            .collect();
        let best = measured
            .iter()
            .min_by(|a, b| (a.1 .0 + a.1 .1).total_cmp(&(b.1 .0 + b.1 .1)))
            .map(|(label, _)| *label)
            .unwrap_or("?");
        notes.push(format!(
            "Row encodings, 10,000 visits, Rust↔JS conversion (encode + decode): {}. Least conversion: {best}.",
            parts.join("; ")
        ));
    }
    for key in ["pull10k", "pull100k", "push10k"] {
        let ours = format!("sync.{key}.ours");
        let (Some(sent), Some(gzip), Some(wire), Some(pouch)) = (
            num(m, &ours, "request_bytes"),
            num(m, &ours, "response_gzip_bytes"),
            num(m, &ours, "bytes"),
            num(m, &format!("sync.{key}.pouchdb"), "bytes"),
        ) else {
            continue;
        };
        notes.push(format!(
            "{key}: our server sends its JSON uncompressed ({} in all); with gzip responses it would be {} against PouchDB's {} ({:.2}×).",
            kib(wire),
            kib(sent + gzip),
            kib(pouch),
            (sent + gzip) / pouch
        ));
    }
    if let (Some(before), Some(peak)) =
        (num(m, "server.devices", "rss_before_bytes"), num(m, "server.devices", "rss_peak_bytes"))
    {
        notes.push(format!(
            "200 devices: the server held {} after the 200 sign-ins, before any sync, and {} at its peak while they synced.",
            kib(before),
            kib(peak)
        ));
    }
    if let (Some(read), Some(dataset), Some(summary)) = (
        num(m, "summary.browser", "read_ms"),
        num(m, "summary.browser", "dataset_ms"),
        num(m, "summary.browser", "summary_ms"),
    ) {
        let wasm = m
            .get("summary.browser")
            .and_then(|v| v.pointer("/memory_at_end/wasm_memory_bytes"))
            .and_then(Value::as_f64);
        // Older runs (before the app stored visit tallies) have no one-time count.
        let count = match (num(m, "summary.browser", "count_ms"), num(m, "summary.browser", "tallies")) {
            (Some(count), Some(tallies)) => format!(
                "; once, when the database is upgraded, counting the stored visits into {tallies:.0} tallies took {}",
                ms(count)
            ),
            _ => String::new(),
        };
        notes.push(format!(
            "Summary in the browser: reading the lab's records and visit tallies from IndexedDB {}, building the dataset {}, the report {}; wasm memory {}{count}.",
            ms(read),
            ms(dataset),
            ms(summary),
            wasm.map_or("?".into(), kib)
        ));
    }
    if let Some(peak) = num(m, "summary.server", "rss_peak_bytes") {
        notes.push(format!(
            "Summary on the server: it loads every record of the lab per request; server RSS peaked at {}.",
            kib(peak)
        ));
    }
    for (name, v) in m {
        if let Some(note) = v.get("note").and_then(Value::as_str) {
            notes.push(format!("{name}: {note}"));
        }
    }
    notes
}

/// Derived fields the table needs, added after collection.
pub fn derive(m: &mut Measurements) {
    if let Some(p50) = num(m, "write.tap.ours", "p50") {
        if let Some(Value::Object(o)) = m.get_mut("write.tap.ours") {
            o.insert("p50_us".into(), json!(p50 * 1000.0));
        }
    }
    for variant in ["envelope_json_body", "swb_nested", "json_parse"] {
        let name = format!("codec.{variant}");
        if let (Some(e), Some(d)) = (num(m, &name, "encode_ms"), num(m, &name, "decode_ms")) {
            if let Some(Value::Object(o)) = m.get_mut(&name) {
                o.insert("convert_ms".into(), json!(e + d));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn measured() -> Measurements {
        let mut m = Measurements::new();
        m.insert("write.tap.ours".into(), json!({"p50": 3.0, "p95": 20.0}));
        m.insert("write.tap.js".into(), json!({"p50": 1.5, "p95": 4.0}));
        m.insert("sync.pull10k.pouchdb".into(), json!({"not_measured": "no node"}));
        derive(&mut m);
        m
    }

    #[test]
    fn rows_compare_with_goals_and_explain_gaps() {
        let mut missing = BTreeMap::new();
        missing.insert("server", "the `server` section failed: boom".to_string());
        let rows = rows(&measured(), &missing);
        let tap = &rows[0];
        assert_eq!(tap.ratio, Some(2.0));
        assert_eq!(tap.met, Met::No);
        assert_eq!(rows[1].met, Met::No, "p95 of 20 ms misses < 16 ms");
        let ingest = rows.iter().find(|r| r.figure.starts_with("Server ingest")).unwrap();
        assert_eq!(ingest.met, Met::NotMeasured("the `server` section failed: boom".into()));
        let summary = rows.iter().find(|r| r.figure.starts_with("Summary")).unwrap();
        assert!(matches!(&summary.met, Met::NotMeasured(_)));
        let table = markdown(&rows);
        assert!(table.starts_with("| figure | ours | baseline | ratio | goal | met? |"));
        assert!(table.contains("| 2.00× |"), "{table}");
    }

    #[test]
    fn a_baseline_that_was_not_measured_says_why() {
        let mut m = measured();
        m.insert("sync.pull10k.ours".into(), json!({"ms": 1000.0, "bytes": 5000.0}));
        let rows = rows(&m, &BTreeMap::new());
        let pull = rows.iter().find(|r| r.figure.starts_with("Fresh device pulls 10,000 records into")).unwrap();
        assert!(pull.baseline.contains("not measured: no node"), "{}", pull.baseline);
        assert!(matches!(pull.met, Met::NotMeasured(_)));
    }

    #[test]
    fn sections_parse() {
        assert_eq!(parse_args(&[]).unwrap().len(), Section::ALL.len());
        assert_eq!(parse_args(&["write".into(), "size".into()]).unwrap(), vec![Section::Write, Section::Size]);
        assert!(parse_args(&["nope".into()]).is_err());
    }
}
