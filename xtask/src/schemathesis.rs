//! `cargo xtask schemathesis`: the API fuzzed from outside against its own OpenAPI document.
//!
//! Schemathesis (from PyPI, pinned, installed into a venv under `<target>/tools/`) reads
//! `/api/v1/openapi.json` from a fresh demo server on a free port and sends generated requests,
//! valid and invalid, to every operation, as a staff member and as an administrator. The run
//! fails on any 5xx and on any answer the document does not allow (status, content type,
//! headers, body schema). It is bounded in time: `LABBLOGG_SCHEMATHESIS_SECONDS` (default 40)
//! for the main run of each role, half that for its stateful run and its signing-out
//! operations: 160 s in all by default. Also a step of `cargo xtask test`.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use xshell::{cmd, Shell};

use crate::Workspace;

/// The Schemathesis release the run is written against (its CLI flags and output).
const VERSION: &str = "4.32.5";

/// What the answers are checked for: no server error, and nothing the document does not allow.
/// Not `positive_data_acceptance`: data valid by the schema is still refused when it breaks a
/// rule the schema cannot state (a lab that does not exist, a weak password).
const CHECKS: &str = "not_a_server_error,status_code_conformance,content_type_conformance,\
                      response_headers_conformance,response_schema_conformance";

/// Operations that, given an id taken from an earlier answer (Schemathesis reuses them, `GET
/// /devices` lists the caller's own token), sign out the token the run itself uses. They are
/// fuzzed last, each role with a token of its own, so the other operations keep a live token.
const SELF_DESTRUCTIVE: [&str; 4] = [
    "DELETE /devices/{id}",
    "DELETE /admin/tokens/{id}",
    "POST /admin/users/{id}/disable",
    "POST /admin/users/{id}/reset-password",
];

pub fn schemathesis(sh: &Shell, ws: &Workspace) -> Result<()> {
    let seconds: u64 = std::env::var("LABBLOGG_SCHEMATHESIS_SECONDS").ok().and_then(|s| s.parse().ok()).unwrap_or(40);
    let st = ensure_installed(sh, ws)?;
    let cargo = &ws.cargo;
    cmd!(sh, "{cargo} build -p labblogg-server --bin labblogg").run()?;
    let server = DemoServer::start(ws)?;
    let schema = format!("http://{}/api/v1/openapi.json", server.addr);
    // Every token first: fuzzing the sign-in soon trips the per-address throttle.
    let mut tokens = Vec::new();
    for (i, who) in ["personal", "personal", "admin", "admin"].into_iter().enumerate() {
        tokens.push((who, login(&server.addr, who, &format!("0190a000-0000-7000-8000-00000000a00{i}"))?));
    }
    let exclude: Vec<String> =
        SELF_DESTRUCTIVE.iter().flat_map(|op| ["--exclude-name".to_owned(), (*op).to_owned()]).collect();
    let include: Vec<String> =
        SELF_DESTRUCTIVE.iter().flat_map(|op| ["--include-name".to_owned(), (*op).to_owned()]).collect();
    let mut runs: Vec<(&str, &str, &str, u64, &[String])> = Vec::new();
    for pair in tokens.chunks(2) {
        let [(who, main), (_, spare)] = pair else { unreachable!("tokens come in pairs") };
        runs.push((who, main, "examples,coverage,fuzzing", seconds, &exclude));
        runs.push((who, main, "stateful", seconds / 2, &exclude));
        runs.push((who, spare, "coverage,fuzzing", seconds / 2, &include));
    }
    let mut generated = 0;
    let mut failed = Vec::new();
    for (who, token, phases, secs, filter) in runs {
        let what = if filter == include.as_slice() { "signing-out operations" } else { "the other operations" };
        eprintln!("schemathesis as {who}, {what}: {phases}, {secs} s");
        // One worker: with two, Hypothesis's lambda descriptions (`ast.parse` in threads) failed
        // under Python 3.11 with "AST constructor recursion depth mismatch", a tool error.
        let out = Command::new(&st)
            .arg("run")
            .arg(&schema)
            .args(["--header", &format!("Authorization: Bearer {token}"), "--checks", CHECKS, "--phases", phases])
            .args(["--max-time", &secs.max(1).to_string(), "--workers", "1", "--request-timeout", "20"])
            .args(["--no-color", "--output-truncate", "true"])
            .args(filter)
            .stdin(Stdio::null())
            .output()
            .context("running schemathesis")?;
        let text = String::from_utf8_lossy(&out.stdout);
        generated += generated_count(&text);
        if out.status.success() {
            let lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
            eprintln!("{}", lines[lines.len().saturating_sub(6)..].join("\n"));
        } else {
            eprintln!("{text}\n{}", String::from_utf8_lossy(&out.stderr));
            failed.push(format!("{who} ({what}, {phases})"));
        }
    }
    println!("schemathesis {VERSION}: {generated} generated requests, failing runs: {}", failed.len());
    if !failed.is_empty() {
        bail!(
            "schemathesis found failures as {} (see above; the server log is {})",
            failed.join(", "),
            server.log.display()
        );
    }
    Ok(())
}

/// The venv's `schemathesis`, installed at [`VERSION`] when missing or another version.
fn ensure_installed(sh: &Shell, ws: &Workspace) -> Result<PathBuf> {
    let venv = ws.target_dir.join("tools").join(format!("schemathesis-{VERSION}"));
    let st = venv.join("bin/schemathesis");
    let found = cmd!(sh, "{st} --version").quiet().ignore_stderr().read().unwrap_or_default();
    if found.contains(VERSION) {
        return Ok(st);
    }
    eprintln!("installing schemathesis {VERSION} into {}", venv.display());
    let _ = std::fs::remove_dir_all(&venv);
    cmd!(sh, "python3 -m venv {venv}").run().context("python3 -m venv (install python3-venv)")?;
    let pip = venv.join("bin/pip");
    cmd!(sh, "{pip} install --quiet --disable-pip-version-check schemathesis=={VERSION}").run()?;
    Ok(st)
}

/// "Test cases:\n  17650 generated, …": how many requests a run generated.
fn generated_count(output: &str) -> u64 {
    output
        .lines()
        .filter_map(|l| l.trim().split_once(" generated"))
        .filter_map(|(n, _)| n.trim().parse::<u64>().ok())
        .next_back()
        .unwrap_or(0)
}

/// A throwaway `labblogg serve --demo` on a fresh database and a free port; killed on drop.
struct DemoServer {
    child: std::process::Child,
    addr: String,
    log: PathBuf,
}

impl DemoServer {
    fn start(ws: &Workspace) -> Result<Self> {
        let dir = ws.target_dir.join("schemathesis");
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir)?;
        let port = std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
        let addr = format!("127.0.0.1:{port}");
        let log = dir.join("server.log");
        let child = Command::new(ws.target_dir.join("debug/labblogg"))
            .args(["serve", "--demo", "--bind", &addr])
            .arg("--database-url")
            .arg(format!("sqlite://{}", dir.join("labblogg.db").display()))
            .env("LABBLOGG_LOG", "warn")
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&log)?)
            .spawn()
            .context("starting the server")?;
        let server = DemoServer { child, addr, log };
        let deadline = Instant::now() + Duration::from_secs(60);
        while request(&server.addr, "GET", "/healthz", None).is_err() {
            if Instant::now() > deadline {
                bail!("the server did not answer on {} (see {})", server.addr, server.log.display());
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        Ok(server)
    }
}

impl Drop for DemoServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Sign a demo account in (password = username) on `device`; its token.
fn login(addr: &str, username: &str, device: &str) -> Result<String> {
    let body = serde_json::json!({ "username": username, "password": username, "device_id": device }).to_string();
    let answer = request(addr, "POST", "/api/v1/auth/login", Some(&body))?;
    let v: serde_json::Value = serde_json::from_str(&answer).with_context(|| format!("login answer: {answer}"))?;
    v["token"].as_str().map(str::to_owned).with_context(|| format!("no token for {username}: {answer}"))
}

/// One HTTP/1.1 request over loopback (`Connection: close`); the body of a 2xx answer.
fn request(addr: &str, method: &str, path: &str, json: Option<&str>) -> Result<String> {
    let mut stream = TcpStream::connect(addr)?;
    stream.set_read_timeout(Some(Duration::from_secs(10)))?;
    let body = json.unwrap_or("");
    write!(
        stream,
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )?;
    let mut answer = String::new();
    stream.read_to_string(&mut answer)?;
    let (head, body) = answer.split_once("\r\n\r\n").context("no HTTP answer")?;
    if !head.starts_with("HTTP/1.1 2") {
        bail!("{method} {path}: {}", head.lines().next().unwrap_or(""));
    }
    Ok(body.to_owned())
}
