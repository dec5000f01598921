//! The cost of the offline sign-in's check (issue #23): PBKDF2-HMAC-SHA256 through WebCrypto,
//! with the rounds the app uses (`labblogg_shared::auth::OFFLINE_VERIFIER_ITERATIONS`), in
//! headless Chromium, with the CPU slowed 4× (`Emulation.setCPUThrottlingRate`) as for a
//! tablet, and without. Run by `cargo xtask bench verifier` (a `harness = false` bench: plain
//! `main`); prints `BENCH {json}` lines.
//!
//! The page is a blank one served on loopback (a secure context: WebCrypto needs one). The app's
//! check (`frontend/src/device_users.rs::check`) is this derivation plus a 32-byte comparison;
//! a wrong password costs the same derivation.

use anyhow::{bail, Context, Result};
use fantoccini::wd::WebDriverCompatibleCommand;
use labblogg_e2e::Browser;
use labblogg_shared::auth::OFFLINE_VERIFIER_ITERATIONS;
use serde_json::{json, Value};

const TRIALS: usize = 9;
const CPU_SLOWDOWN: u32 = 4;

/// A Chrome DevTools Protocol command through chromedriver's `goog/cdp/execute`.
#[derive(Debug)]
struct Cdp(&'static str, Value);

impl WebDriverCompatibleCommand for Cdp {
    fn endpoint(&self, base: &url::Url, session: Option<&str>) -> Result<url::Url, url::ParseError> {
        base.join(&format!("session/{}/goog/cdp/execute", session.unwrap_or_default()))
    }

    fn method_and_body(&self, _: &url::Url) -> (http::Method, Option<String>) {
        (http::Method::POST, Some(json!({"cmd": self.0, "params": self.1}).to_string()))
    }
}

/// A blank page on 127.0.0.1 (any path), for as long as the process runs.
fn blank_page() -> Result<String> {
    use std::io::{Read, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
    let port = listener.local_addr()?.port();
    std::thread::spawn(move || {
        for mut socket in listener.incoming().flatten() {
            let mut buf = [0u8; 4096];
            let _ = socket.read(&mut buf);
            let body = "<!doctype html><title>verifier</title><p>verifier</p>";
            let head = format!(
                "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                body.len()
            );
            let _ = socket.write_all(head.as_bytes());
            let _ = socket.write_all(body.as_bytes());
        }
    });
    Ok(format!("http://127.0.0.1:{port}/"))
}

/// One check's milliseconds, measured in the page.
async fn derive_once(b: &Browser, iterations: u32, password: &str) -> Result<f64> {
    let v = b
        .client
        .execute_async(
            "const [iterations, password, done] = arguments;
             const salt = crypto.getRandomValues(new Uint8Array(16));
             const t0 = performance.now();
             crypto.subtle.importKey('raw', new TextEncoder().encode(password), 'PBKDF2', false, ['deriveBits'])
               .then(key => crypto.subtle.deriveBits({name: 'PBKDF2', hash: 'SHA-256', salt, iterations}, key, 256))
               .then(() => done(performance.now() - t0), e => done('failed: ' + e));",
            vec![json!(iterations), json!(password)],
        )
        .await?;
    v.as_f64().with_context(|| format!("derivation: {v}"))
}

fn stats(mut xs: Vec<f64>) -> Value {
    xs.sort_by(f64::total_cmp);
    let p50 = xs[xs.len() / 2];
    json!({"p50": p50, "min": xs[0], "max": xs[xs.len() - 1], "trials": xs.len(), "iterations": OFFLINE_VERIFIER_ITERATIONS})
}

#[tokio::main]
async fn main() -> Result<()> {
    let url = blank_page()?;
    let b = Browser::start().await?;
    b.client.goto(&url).await?;
    if b.client.execute("return !!(window.isSecureContext && crypto.subtle)", vec![]).await? != json!(true) {
        bail!("no WebCrypto in the bench page");
    }
    // Warm up, then alternate right and wrong passwords (the same work either way).
    derive_once(&b, OFFLINE_VERIFIER_ITERATIONS, "personal").await?;
    for (name, rate) in [("verifier.plain", 1), ("verifier.throttled", CPU_SLOWDOWN)] {
        b.client
            .issue_cmd(Cdp("Emulation.setCPUThrottlingRate", json!({"rate": rate})))
            .await
            .context("CDP throttling")?;
        let (mut right, mut wrong) = (Vec::new(), Vec::new());
        for _ in 0..TRIALS {
            right.push(derive_once(&b, OFFLINE_VERIFIER_ITERATIONS, "personal").await?);
            wrong.push(derive_once(&b, OFFLINE_VERIFIER_ITERATIONS, "fel-lösenord").await?);
        }
        let mut all = right.clone();
        all.extend(&wrong);
        let mut line = stats(all);
        line["name"] = json!(name);
        line["cpu_slowdown"] = json!(rate);
        line["right_p50"] = stats(right)["p50"].clone();
        line["wrong_p50"] = stats(wrong)["p50"].clone();
        println!("BENCH {line}");
    }
    b.close().await?;
    Ok(())
}
