//! The fault-injection suite (issue 8), browser half: the real app in headless Chromium, a tab
//! closed while its taps are being written to IndexedDB and synced. The native half (simulated
//! tablets, a faulty network, a server killed with SIGKILL) is `server/tests/fault_suite.rs`.
//!
//! Each round taps "+1 visit" in a tight loop, reads the count on screen, and closes the tab at
//! once, with writes still in flight; by the round's seeded choice the server is up, down, or
//! committing the sync while never answering it. A new tab of the same profile opens, syncs,
//! and then every tap whose count was shown must be on the server exactly once, and the new
//! tab must show what the server holds. `LABBLOGG_FAULT_SEED` picks the schedule,
//! `LABBLOGG_FAULT_TAB_ROUNDS` the number of rounds (default 3).

use anyhow::{bail, Context, Result};
use labblogg_e2e::{Browser, Fault, TestServer};
use labblogg_server::demo::LINA_HAGE;
use std::time::{Duration, Instant};

const DEFAULT_SEED: u64 = 0x1ab_b1066;
const SYNC_WAIT: Duration = Duration::from_secs(90);

/// splitmix64: a seeded generator small enough not to need a dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

fn env_number(name: &str, default: u64) -> Result<u64> {
    match std::env::var(name) {
        Ok(v) if !v.trim().is_empty() => {
            let v = v.trim();
            match v.strip_prefix("0x") {
                Some(hex) => u64::from_str_radix(hex, 16),
                None => v.parse(),
            }
            .with_context(|| format!("{name}={v} is not a number"))
        }
        _ => Ok(default),
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum ServerWhileClosing {
    Up,
    Down,
    CommitsButNeverAnswers,
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tab_closed_mid_transaction_loses_no_shown_tap_and_duplicates_none() -> Result<()> {
    let seed = env_number("LABBLOGG_FAULT_SEED", DEFAULT_SEED)?;
    let rounds = env_number("LABBLOGG_FAULT_TAB_ROUNDS", 3)?.max(1);
    println!("fault suite (browser): seed {seed:#x}, {rounds} rounds");
    let mut rng = Rng(seed ^ 0x7ab5);
    let started = Instant::now();

    let mut server = TestServer::start().await?;
    let b = Browser::start().await?;
    let url = server.url("/");
    b.open_counter_as_staff(&url).await?;
    b.wait_service_worker().await?;
    b.wait_synced(SYNC_WAIT).await?;

    let (mut issued, mut shown_total, mut lost, mut duplicated) = (0u64, 0u64, 0u64, 0u64);
    let mut faults: Vec<ServerWhileClosing> = Vec::new();
    let mut on_server = 0usize;
    // Every kind of round comes up, in a seeded order.
    let offset = rng.below(3);
    for round in 0..rounds {
        let what = match (offset + round) % 3 {
            0 => ServerWhileClosing::Up,
            1 => ServerWhileClosing::Down,
            _ => ServerWhileClosing::CommitsButNeverAnswers,
        };
        faults.push(what);
        match what {
            ServerWhileClosing::Up => {}
            ServerWhileClosing::Down => server.stop().await?,
            ServerWhileClosing::CommitsButNeverAnswers => server.set_fault(Fault::CommitThenHang),
        }
        // Tap every few milliseconds, faster than a write commits: writes queue up in flight.
        let every_ms = 2 + rng.below(6);
        b.client
            .execute(
                "const b = document.querySelector('[data-testid=visit-button]');
                 window.__taps = 0;
                 window.__tapper = setInterval(() => { b.click(); window.__taps++; }, arguments[0]);",
                vec![serde_json::json!(every_ms)],
            )
            .await?;
        tokio::time::sleep(Duration::from_millis(300 + rng.below(1200))).await;
        // What the user saw, then the tab is gone at once: no goodbye, writes in flight.
        let seen = b
            .client
            .execute(
                "return [window.__taps, document.querySelector('[data-testid=visits-today]').textContent.trim()];",
                vec![],
            )
            .await?;
        let first = b.client.window().await?;
        b.client.new_window(true).await?;
        b.client.close_window().await?;
        let handles = b.client.windows().await?;
        if handles.contains(&first) {
            bail!("round {round}: the tapping tab is still open");
        }
        b.client.switch_to_window(handles[0].clone()).await?;
        let taps = seen[0].as_u64().context("tap count")?;
        let shown: u64 = seen[1].as_str().context("shown count")?.parse().context("shown count")?;
        issued += taps;

        // Back to normal; a new tab of the same tablet opens the app and syncs.
        server.set_fault(Fault::None);
        if what == ServerWhileClosing::Down {
            server.resume().await?;
        }
        b.client.goto(&url).await?;
        b.wait_for("[data-testid=visit-button]").await?;
        b.wait_synced(SYNC_WAIT).await?;
        let (count, distinct) = server.visits(LINA_HAGE).await?;
        on_server = count;
        lost += shown.saturating_sub(count as u64);
        duplicated += (count - distinct) as u64;
        b.wait_visits_today(count as u32, Duration::from_secs(20))
            .await
            .with_context(|| format!("round {round}: the new tab does not show the server's {count} visits"))?;
        println!(
            "round {}: server {what:?}, {taps} taps sent, {shown} shown when the tab closed, {count} on the server in all",
            round + 1
        );
        shown_total = shown;
    }
    println!(
        "\n| fault suite (browser), seed {seed:#x} | count |\n| --- | --- |\n\
         | operations | {issued} taps in {rounds} rounds, each ended by closing its tab mid-write |\n\
         | faults injected | {} (tab closed mid-transaction {rounds}: server up {}, down {}, committing but never answering {}) |\n\
         | records checked | {on_server} visits on the server ({shown_total} shown before the last close) |\n\
         | lost (must be 0) | {lost} |\n\
         | duplicated (must be 0) | {duplicated} |\n\
         | time | {:.1} s |",
        rounds + faults.iter().filter(|f| **f != ServerWhileClosing::Up).count() as u64,
        faults.iter().filter(|f| **f == ServerWhileClosing::Up).count(),
        faults.iter().filter(|f| **f == ServerWhileClosing::Down).count(),
        faults.iter().filter(|f| **f == ServerWhileClosing::CommitsButNeverAnswers).count(),
        started.elapsed().as_secs_f64(),
    );
    assert_eq!((lost, duplicated), (0, 0), "seed {seed:#x}: shown taps lost or stored twice");
    b.close().await?;
    server.stop().await?;
    Ok(())
}
