//! Coordinators' summaries in headless Chromium: the overview of the four
//! labs and a lab's report, computed on the device from the synced copy (so
//! they open offline too), with screenshots and an accessibility check.

use anyhow::{ensure, Result};
use labblogg_e2e::{wait_until, Browser, TestServer};
use std::time::Duration;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_coordinator_sees_the_overview_and_a_lab_report_even_offline() -> Result<()> {
    let mut server = TestServer::start_with_demo_year().await?;
    let b = Browser::start().await?;
    b.sign_in(&server.url("/"), "samordnare", "samordnare").await?;
    // Coordinators land on the overview; the year of demo data syncs in pages.
    b.wait_for("[data-testid=lab-card]").await?;
    b.wait_synced(Duration::from_secs(120)).await?;
    wait_until("four lab cards with visits", Duration::from_secs(30), || async {
        let cards = b.count("[data-testid=lab-card]").await?;
        Ok(cards == 4)
    })
    .await?;
    let violations = b.accessibility_violations().await?;
    ensure!(violations.is_empty(), "overview: {}", violations.join("\n"));
    b.screenshot("coordinator-overview-tablet-portrait").await?;

    // Lina Hage's report: charts and figures from a year of visits.
    let card = b.client.find(fantoccini::Locator::Css("[data-testid=lab-card][data-lab-id='01900000-0000-7000-8000-000000000004']")).await?;
    card.find(fantoccini::Locator::Css("[data-testid=open-lab]")).await?.click().await?;
    b.wait_for("[data-testid=lab-report]").await?;
    wait_until("the report's charts", Duration::from_secs(30), || async {
        Ok(b.count("[data-testid=chart-visits-per-week] rect").await? > 10 && b.count("[data-testid=chart-heatmap] rect").await? > 10)
    })
    .await?;
    let total: u64 = b.text("[data-testid=report-visits-total]").await?.chars().filter(char::is_ascii_digit).collect::<String>().parse()?;
    ensure!(total > 100, "a year of visits at Lina Hage, got {total}");
    let violations = b.accessibility_violations().await?;
    ensure!(violations.is_empty(), "lab report: {}", violations.join("\n"));
    b.screenshot("coordinator-lab-report-tablet-portrait").await?;
    b.client.set_window_size(1024, 768).await?;
    b.screenshot("coordinator-lab-report-tablet-landscape").await?;
    b.client.set_window_size(768, 1024).await?;

    // Comparison across labs.
    b.click("[data-testid=nav-compare]").await?;
    wait_until("four comparison rows", Duration::from_secs(20), || async { Ok(b.count("[data-testid=compare-row]").await? == 4) }).await?;
    let violations = b.accessibility_violations().await?;
    ensure!(violations.is_empty(), "comparison: {}", violations.join("\n"));
    b.screenshot("coordinator-compare-tablet-portrait").await?;

    // Offline, the overview is computed from the local copy.
    server.stop().await?;
    b.client.refresh().await?;
    b.wait_for("[data-testid=lab-card]").await?;
    wait_until("overview offline", Duration::from_secs(30), || async { Ok(b.count("[data-testid=lab-card]").await? == 4) }).await?;
    b.close().await?;
    Ok(())
}
