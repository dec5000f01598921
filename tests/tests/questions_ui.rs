//! The lab's own questions and the year's report (issue #22), in headless
//! Chromium: a coordinator adds a number question for Lina Hage's open
//! evenings (a wording that asks for a name is refused first) and a goal
//! measured from it; staff answer it when closing the evening, offline;
//! after sync the lab report shows the answer and the goal its value. The
//! year's report is printed to the screen and downloaded as .xlsx, which
//! LibreOffice (`libreoffice-calc-nogui`, installed by `cargo xtask test`)
//! converts headlessly to CSV, one file per sheet: every figure, date and
//! heading of every table must equal the screen's.
//!
//! Screenshots: the question editor, the closing with a lab question, the
//! year's report (target/screenshots/).

mod pdf;

use anyhow::{bail, ensure, Context, Result};
use base64::Engine as _;
use fantoccini::wd::WebDriverCompatibleCommand;
use labblogg_e2e::{wait_until, Browser, Profile, TestServer};
use labblogg_server::demo::{LINA_HAGE, PLACE_LINA_HAGE};
use labblogg_shared::model::Activity;
use labblogg_shared::questions::Question;
use labblogg_shared::RecordKind;
use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::time::Duration;
use uuid::Uuid;

const SYNC_WAIT: Duration = Duration::from_secs(60);
const QUESTION: &str = "Hur många gjorde läxorna klart?";

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

async fn set_value(b: &Browser, css: &str, value: &str) -> Result<()> {
    let done = b
        .client
        .execute(
            "const el = document.querySelector(arguments[0]);
             if (!el) return false;
             el.value = arguments[1];
             el.dispatchEvent(new Event('input', { bubbles: true }));
             el.dispatchEvent(new Event('change', { bubbles: true }));
             return true;",
            vec![json!(css), json!(value)],
        )
        .await?;
    ensure!(done == json!(true), "no element {css}");
    Ok(())
}

async fn wait_text(b: &Browser, css: &str, needle: &str) -> Result<()> {
    wait_until(&format!("{css} to say {needle:?}"), Duration::from_secs(30), || async {
        Ok(b.text(css).await.map(|t| t.contains(needle)).unwrap_or(false))
    })
    .await
}

/// The live records of one kind of `lab` on the server.
async fn on_server(server: &TestServer, lab: Uuid, kind: RecordKind) -> Result<Vec<(Uuid, Value)>> {
    let mut out = Vec::new();
    let mut cursor = 0;
    loop {
        let page = server.state.store.pull(vec![lab], cursor, 1000).await?;
        for r in page.records {
            if r.state.kind == kind && r.state.deleted.is_none() {
                out.push((r.state.id, Value::Object(r.state.fields)));
            }
        }
        cursor = page.cursor;
        if !page.more {
            return Ok(out);
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lab_question_answered_offline_in_the_report_a_goal_and_the_years_workbook() -> Result<()> {
    let mut server = TestServer::start().await?;
    let base = server.url("/");
    let coordinator_tablet = Profile::new()?;

    // The coordinator adds a number question for Lina Hage's open evenings.
    let c = Browser::start_with(&coordinator_tablet).await?;
    c.sign_in(&base, "samordnare", "samordnare").await?;
    c.wait_for("[data-testid=nav-setup]").await?;
    c.wait_synced(SYNC_WAIT).await?;
    c.click("[data-testid=nav-setup]").await?;
    c.wait_for("[data-testid=setup-lab]").await?;
    c.select("[data-testid=setup-lab]", &LINA_HAGE.to_string()).await?;
    c.click("[data-testid=setup-tab-questions]").await?;
    // Every lab starts with the closing poll's two questions.
    wait_until("the two built-in questions", Duration::from_secs(20), || async {
        Ok(c.count("[data-testid=question-item][data-answer-kind=faces]").await? == 2)
    })
    .await?;
    c.click("[data-testid=question-new]").await?;
    c.wait_for("[data-testid=question-form]").await?;
    c.fill("[data-testid=question-text]", "Vad heter den som gjorde läxorna?").await?;
    c.select("[data-testid=question-answer]", "number").await?;
    c.select("[data-testid=question-place]", &PLACE_LINA_HAGE.to_string()).await?;
    c.click("[data-testid=question-save]").await?;
    c.wait_for("[data-testid=question-error][data-field=frågan]").await?;
    c.screenshot("question-editor-guard").await?;
    c.fill("[data-testid=question-text]", QUESTION).await?;
    wait_until("the guard's message gone once reworded", Duration::from_secs(5), || async {
        Ok(c.count("[data-testid=question-error]").await? == 0)
    })
    .await?;
    c.assert_accessible("the question editor").await?;
    c.screenshots("question-editor").await?;
    c.click("[data-testid=question-save]").await?;
    wait_text(&c, "[data-testid=question-saved]", QUESTION).await?;
    let item = "[data-testid=question-item][data-answer-kind=number]";
    c.wait_for(item).await?;
    let question = Uuid::parse_str(&c.attr(item, "data-question-id").await?.context("question id")?)?;
    c.screenshots("question-list").await?;

    // A goal measured from it: the sum of the answers per month.
    c.click("[data-testid=setup-tab-goals]").await?;
    c.click("[data-testid=goal-new]").await?;
    c.wait_for("[data-testid=goal-form]").await?;
    c.select("[data-testid=goal-focus]", "school_results").await?;
    c.fill("[data-testid=goal-title]", "Fler gör läxorna klart").await?;
    c.select("[data-testid=goal-source]", "question").await?;
    c.wait_for(&format!("[data-testid=goal-source-lab-question] option[value='{question}']")).await?;
    c.select("[data-testid=goal-source-lab-question]", &question.to_string()).await?;
    c.wait_for("[data-testid=goal-source-stat] option[value=sum]").await?;
    c.select("[data-testid=goal-source-stat]", "sum").await?;
    wait_text(&c, "[data-testid=goal-source-summary]", QUESTION).await?;
    c.fill("[data-testid=goal-indicator]", "Ungdomar som gjort läxorna klart per månad").await?;
    c.fill("[data-testid=goal-unit]", "ungdomar per månad").await?;
    c.fill("[data-testid=goal-baseline]", "0").await?;
    c.fill("[data-testid=goal-target]", "40").await?;
    set_value(&c, "[data-testid=goal-target-date]", "2027-06-30").await?;
    c.screenshots("setup-goal-from-question").await?;
    c.click("[data-testid=goal-save]").await?;
    wait_text(&c, "[data-testid=goal-saved]", "Fler gör läxorna klart").await?;
    c.wait_synced(SYNC_WAIT).await?;
    c.close().await?;
    let questions: Vec<(Uuid, Question)> = on_server(&server, LINA_HAGE, RecordKind::Question)
        .await?
        .into_iter()
        .map(|(id, v)| Ok((id, serde_json::from_value(v)?)))
        .collect::<Result<_>>()?;
    ensure!(questions
        .iter()
        .any(|(id, q)| *id == question && q.text == QUESTION && q.meeting_place_id == Some(PLACE_LINA_HAGE)));

    // Staff close the evening offline and answer it.
    let s = Browser::start().await?;
    s.open_counter_as_staff(&base).await?;
    s.wait_synced(SYNC_WAIT).await?;
    server.stop().await?;
    for _ in 0..3 {
        s.click("[data-testid=visit-button][data-age-band='13-15']").await?;
    }
    s.wait_visits_today(3, Duration::from_secs(10)).await?;
    s.click("[data-testid=close-evening]").await?;
    s.wait_for("[data-testid=evening-panel]").await?;
    let block = format!("[data-testid=lab-question][data-question-id='{question}']");
    s.wait_for(&block).await?;
    s.click("[data-testid=poll-yes]").await?;
    s.fill(&format!("{block} [data-testid=question-number]"), "7").await?;
    s.fill("[data-testid=evening-reflection]", "Läxhjälpen var full.").await?;
    s.assert_accessible("closing with a lab question").await?;
    s.screenshots("evening-close-lab-question").await?;
    s.click("[data-testid=evening-save]").await?;
    s.wait_for("[data-testid=evening-saved]").await?;
    let (state, pending) = s.sync_status().await?;
    ensure!(pending > 0 && state != "synced", "answered offline: {state} {pending}");
    server.resume().await?;
    s.wait_synced(SYNC_WAIT).await?;
    s.close().await?;
    let evenings: Vec<(Uuid, Activity)> = on_server(&server, LINA_HAGE, RecordKind::Activity)
        .await?
        .into_iter()
        .map(|(id, v)| Ok((id, serde_json::from_value(v)?)))
        .collect::<Result<_>>()?;
    let answer = evenings
        .iter()
        .flat_map(|(_, a)| a.answers.iter())
        .find(|a| a.question_id == question)
        .context("the answer on the server")?;
    ensure!(answer.value == Some(7.0), "{answer:?}");

    // After sync: the lab report shows the answer, the goal its value.
    let c = Browser::start_with(&coordinator_tablet).await?;
    c.client.goto(&base).await?;
    c.wait_for("[data-testid=nav-overview]").await?;
    c.wait_synced(SYNC_WAIT).await?;
    c.click("[data-testid=nav-overview]").await?;
    c.wait_for(&format!("[data-testid=lab-card][data-lab-id='{LINA_HAGE}'] [data-testid=open-lab]")).await?;
    c.click(&format!("[data-testid=lab-card][data-lab-id='{LINA_HAGE}'] [data-testid=open-lab]")).await?;
    let row = format!("[data-testid=report-question][data-question-id='{question}']");
    c.wait_for(&row).await?;
    ensure!(c.attr(&row, "data-answered").await?.as_deref() == Some("1"));
    ensure!(c.attr(&row, "data-sum").await?.as_deref() == Some("7"));
    c.client.execute("document.querySelector('[data-testid=report-questions]').scrollIntoView()", vec![]).await?;
    c.screenshot("lab-report-questions").await?;

    c.click("[data-testid=nav-goals]").await?;
    let goals: Vec<(Uuid, labblogg_shared::Goal)> = on_server(&server, LINA_HAGE, RecordKind::Goal)
        .await?
        .into_iter()
        .map(|(id, v)| Ok((id, serde_json::from_value(v)?)))
        .collect::<Result<_>>()?;
    let goal = goals.iter().find(|(_, g)| g.title == "Fler gör läxorna klart").context("the goal")?.0;
    let card = format!("[data-testid=goal-card][data-goal-id='{goal}']");
    wait_until("the goal's value from the answer", Duration::from_secs(30), || async {
        Ok(c.text(&format!("{card} [data-testid=goal-latest]"))
            .await
            .is_ok_and(|t| t.starts_with("7 ungdomar per månad")))
    })
    .await?;
    ensure!(
        c.text(&format!("{card} [data-testid=goal-source-text]")).await?.contains(QUESTION),
        "the goal names its question"
    );
    c.client.execute(&format!("document.querySelector(\"{card}\").scrollIntoView()"), vec![]).await?;
    c.screenshot("goal-from-question").await?;

    // The year's report: on screen, and as a workbook LibreOffice reads back with the same figures.
    c.click("[data-testid=nav-year-report]").await?;
    c.wait_for("[data-testid=year-report]").await?;
    c.select("[data-testid=year-report-scope]", &LINA_HAGE.to_string()).await?;
    wait_text(&c, "[data-testid=year-report-heading]", "Lina Hage").await?;
    let screen = screen_tables(&c).await?;
    let questions_table = screen.iter().find(|t| t.sheet == "Frågor").context("the questions' sheet")?;
    ensure!(
        questions_table.rows.iter().any(|r| r.iter().any(|(_, t)| t == QUESTION) && r.iter().any(|(v, _)| v == "7")),
        "the answer in the year's questions: {:?}",
        questions_table.rows
    );
    c.assert_accessible("the year's report").await?;
    c.screenshots("year-report").await?;

    workbook_equals_screen(&c, &screen).await?;

    // The labs together: protected, and says so.
    c.select("[data-testid=year-report-scope]", "all").await?;
    c.wait_for("[data-testid=year-report-protected]").await?;
    c.close().await?;
    Ok(())
}

/// A demo year (four labs, a year of visits, activities, goals and the labs' questions): each lab's
/// year's report and the four together, protected, downloaded and read back by LibreOffice.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_demo_years_workbooks_hold_the_screens_figures() -> Result<()> {
    let server = TestServer::start_with_demo_year().await?;
    let c = Browser::start().await?;
    c.sign_in(&server.url("/"), "samordnare", "samordnare").await?;
    c.wait_for("[data-testid=nav-year-report]").await?;
    c.wait_synced(Duration::from_secs(180)).await?;
    c.click("[data-testid=nav-year-report]").await?;
    c.wait_for("[data-testid=year-report]").await?;
    // The year under way and the year before it: a whole demo year spans both.
    let this_year: i32 = labblogg_shared::calendar::local_date(labblogg_e2e_now_ms())[..4].parse()?;
    for (scope, year) in [("all", this_year), (LINA_HAGE.to_string().as_str(), this_year), ("all", this_year - 1)] {
        c.select("[data-testid=year-report-scope]", scope).await?;
        c.select("[data-testid=year-report-year]", &year.to_string()).await?;
        let title = if scope == "all" {
            format!("Årsrapport {year} – 4 labb")
        } else {
            format!("Årsrapport {year} – Lina Hage")
        };
        wait_text(&c, "[data-testid=year-report-heading]", &title).await?;
        ensure!(c.is_shown("[data-testid=year-report-protected]").await? == (scope == "all"));
        let screen = screen_tables(&c).await?;
        if scope != "all" {
            let q = screen.iter().find(|t| t.sheet == "Frågor").context("questions")?;
            ensure!(
                q.rows.iter().any(|r| r[1].1.starts_with("Hur många gjorde läxorna klart")),
                "Lina Hage's question over the year"
            );
            // Printed on A4 by Chromium: the header on every page, every table in it.
            c.client.issue_cmd(Cdp("Emulation.setEmulatedMedia", json!({"media": "print"}))).await?;
            c.client.set_window_size(794, 1123).await?;
            tokio::time::sleep(Duration::from_millis(300)).await;
            c.screenshot("year-report-print-preview").await?;
            c.client.issue_cmd(Cdp("Emulation.setEmulatedMedia", json!({"media": ""}))).await?;
            c.client.set_window_size(768, 1024).await?;
            let answer = c
                .client
                .issue_cmd(Cdp(
                    "Page.printToPDF",
                    json!({"paperWidth": 8.27, "paperHeight": 11.69, "preferCSSPageSize": true}),
                ))
                .await?;
            let bytes = base64::engine::general_purpose::STANDARD.decode(answer["data"].as_str().context("no PDF")?)?;
            let dir = labblogg_e2e::screenshot_dir();
            std::fs::create_dir_all(&dir)?;
            std::fs::write(dir.join("year-report-lina-hage.pdf"), &bytes)?;
            let pages = pdf::pages(&bytes)?;
            let squeeze = |s: &str| s.chars().filter(|c| !c.is_whitespace()).collect::<String>();
            let wanted = squeeze(&format!("Telge Bostäder · Årsrapport {year} – Lina Hage"));
            eprintln!("the year's report of Lina Hage: {} A4 pages", pages.len());
            ensure!((1..=8).contains(&pages.len()), "{} pages", pages.len());
            for (i, text) in pages.iter().enumerate() {
                ensure!(squeeze(text).contains(&wanted), "page {} lacks the header {wanted:?}", i + 1);
            }
            let all = squeeze(&pages.concat());
            for t in &screen {
                ensure!(all.contains(&squeeze(&t.headings[0])), "the printed report lacks the table {}", t.sheet);
            }
        }
        workbook_equals_screen(&c, &screen).await?;
        if scope == "all" && year == this_year {
            c.screenshots("year-report-all-labs").await?;
        }
    }
    c.close().await?;
    Ok(())
}

fn labblogg_e2e_now_ms() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_millis() as i64).unwrap_or(0)
}

/// Download the report on screen as .xlsx, open it in LibreOffice, and compare every sheet with
/// the screen's table.
async fn workbook_equals_screen(c: &Browser, screen: &[ScreenTable]) -> Result<()> {
    let downloads = tempfile::tempdir()?;
    let params = json!({"behavior": "allow", "downloadPath": downloads.path().display().to_string()});
    if c.client.issue_cmd(Cdp("Browser.setDownloadBehavior", params.clone())).await.is_err() {
        c.client.issue_cmd(Cdp("Page.setDownloadBehavior", params)).await.context("CDP setDownloadBehavior")?;
    }
    c.client.execute("document.querySelector('[data-testid=year-report-notice]').hidden = true", vec![]).await?;
    c.click("[data-testid=year-report-xlsx]").await?;
    wait_until("the workbook downloaded", Duration::from_secs(30), || async {
        c.is_shown("[data-testid=year-report-notice]").await
    })
    .await?;
    let workbook = wait_for_file(downloads.path(), ".xlsx").await?;
    let sheets = libreoffice_csv(&workbook)?;
    for table in screen {
        let csv = sheets.iter().find(|(name, _)| name == &table.sheet).map(|(_, rows)| rows).with_context(|| {
            format!(
                "sheet {} in the workbook (sheets: {:?})",
                table.sheet,
                sheets.iter().map(|s| &s.0).collect::<Vec<_>>()
            )
        })?;
        compare(table, csv)?;
    }
    eprintln!(
        "workbook {}: {} sheets compared with the screen, {} rows",
        workbook.file_name().and_then(|n| n.to_str()).unwrap_or_default(),
        screen.len(),
        screen.iter().map(|t| t.rows.len()).sum::<usize>()
    );
    Ok(())
}

/// A table as the screen shows it: headings, and per cell (data-value, text).
#[derive(Debug)]
struct ScreenTable {
    sheet: String,
    headings: Vec<String>,
    rows: Vec<Vec<(String, String)>>,
}

async fn screen_tables(b: &Browser) -> Result<Vec<ScreenTable>> {
    let v = b
        .client
        .execute(
            "return [...document.querySelectorAll('[data-testid=year-table]')].map(t => ({
                sheet: t.dataset.sheet,
                headings: [...t.querySelectorAll('thead th')].map(h => h.textContent),
                rows: [...t.querySelectorAll('tbody tr')].map(r => [...r.querySelectorAll('td')].map(c => [c.dataset.value || '', c.textContent]))
             }))",
            vec![],
        )
        .await?;
    let mut out = Vec::new();
    for t in v.as_array().context("tables")? {
        out.push(ScreenTable {
            sheet: t["sheet"].as_str().unwrap_or_default().to_owned(),
            headings: serde_json::from_value(t["headings"].clone())?,
            rows: serde_json::from_value(t["rows"].clone())?,
        });
    }
    ensure!(out.len() >= 9, "the year's tables on screen: {}", out.len());
    Ok(out)
}

async fn wait_for_file(dir: &Path, suffix: &str) -> Result<PathBuf> {
    for _ in 0..200 {
        if let Some(f) = std::fs::read_dir(dir)?
            .filter_map(|e| e.ok())
            .map(|e| e.path())
            .find(|p| p.to_string_lossy().ends_with(suffix))
        {
            return Ok(f);
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    bail!("no {suffix} downloaded to {}", dir.display())
}

/// Every sheet of `workbook` as CSV rows, through LibreOffice run headlessly.
fn libreoffice_csv(workbook: &Path) -> Result<Vec<(String, Vec<Vec<String>>)>> {
    let soffice = std::env::var("LABBLOGG_SOFFICE").unwrap_or_else(|_| "/usr/bin/soffice".into());
    ensure!(
        Path::new(&soffice).exists(),
        "{soffice} missing: `cargo xtask test` installs Debian's libreoffice-calc-nogui"
    );
    let out = tempfile::tempdir()?;
    let home = tempfile::tempdir()?;
    // Comma-separated, quoted text, UTF-8, every sheet to a file of its own (-1), values as shown.
    let filter = "csv:Text - txt - csv (StarCalc):44,34,76,1,,1033,false,true,true,false,false,-1";
    let status = std::process::Command::new(&soffice)
        .args(["--headless", "--norestore", "--convert-to", filter, "--outdir"])
        .arg(out.path())
        .arg(workbook)
        .env("HOME", home.path())
        .stdout(std::process::Stdio::null())
        .status()
        .with_context(|| format!("running {soffice}"))?;
    ensure!(status.success(), "LibreOffice failed: {status}");
    let stem = workbook.file_stem().and_then(|s| s.to_str()).context("name")?.to_owned();
    let mut sheets = Vec::new();
    for e in std::fs::read_dir(out.path())? {
        let path = e?.path();
        let name = path.file_stem().and_then(|s| s.to_str()).unwrap_or_default().to_owned();
        let Some(sheet) = name.strip_prefix(&format!("{stem}-")) else { continue };
        sheets.push((sheet.to_owned(), parse_csv(&std::fs::read_to_string(&path)?)));
    }
    ensure!(!sheets.is_empty(), "LibreOffice wrote no CSV");
    Ok(sheets)
}

fn parse_csv(text: &str) -> Vec<Vec<String>> {
    let mut rows = Vec::new();
    let (mut row, mut field, mut quoted) = (Vec::new(), String::new(), false);
    let mut chars = text.chars().peekable();
    while let Some(ch) = chars.next() {
        match (ch, quoted) {
            ('"', true) if chars.peek() == Some(&'"') => {
                field.push('"');
                chars.next();
            }
            ('"', _) => quoted = !quoted,
            (',', false) => row.push(std::mem::take(&mut field)),
            ('\n', false) => {
                row.push(std::mem::take(&mut field));
                rows.push(std::mem::take(&mut row));
            }
            ('\r', false) => {}
            (c, _) => field.push(c),
        }
    }
    if !field.is_empty() || !row.is_empty() {
        row.push(field);
        rows.push(row);
    }
    rows
}

/// The sheet holds the screen's table: its headings, then each row, figure by figure.
fn compare(table: &ScreenTable, csv: &[Vec<String>]) -> Result<()> {
    let head =
        csv.iter().position(|r| r.iter().take(table.headings.len()).eq(table.headings.iter())).with_context(|| {
            format!(
                "{}: no heading row {:?} in {:?}",
                table.sheet,
                table.headings,
                csv.iter().take(5).collect::<Vec<_>>()
            )
        })?;
    let data = &csv[head + 1..];
    let data: Vec<&Vec<String>> = data.iter().filter(|r| r.iter().any(|c| !c.is_empty())).collect();
    ensure!(
        data.len() == table.rows.len(),
        "{}: {} rows on screen, {} in the workbook",
        table.sheet,
        table.rows.len(),
        data.len()
    );
    for (i, (screen, sheet)) in table.rows.iter().zip(data).enumerate() {
        for (j, (value, text)) in screen.iter().enumerate() {
            let cell = sheet.get(j).map(String::as_str).unwrap_or_default();
            let same = if value.is_empty() {
                // Text as shown; an empty cell shows as "–".
                (text == "–" && cell.is_empty()) || cell == text
            } else if let Ok(expected) = value.parse::<f64>() {
                let got: f64 = cell.replace([',', '\u{a0}', ' '], "").parse().unwrap_or(f64::NAN);
                (got - expected).abs() < 1e-9
            } else {
                // A date or a month, as the sheet formats it.
                cell == value
            };
            ensure!(same, "{} row {i} column {j}: screen {value:?}/{text:?}, workbook {cell:?}", table.sheet);
        }
    }
    Ok(())
}
