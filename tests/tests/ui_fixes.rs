//! The smaller things of issue #16, each through the real app in headless
//! Chromium: nothing of a sync before sign-in (no status, no request), the
//! time of the last sync kept across a reload, records not yet on the server
//! marked in the list, the activity form's age bands of the place, an error
//! at its field (marked, focused), "Sparat" at the top of the list after a
//! save, toggles that look pressed, a lab report that fits a 390 px phone
//! with chart text of at least 11 px, the administration's offline notice
//! only offline, and the example form's activity picker.

use anyhow::{ensure, Result};
use labblogg_e2e::{wait_until, Browser, TestServer};
use labblogg_server::demo::LINA_HAGE;
use labblogg_shared::RecordKind;
use serde_json::json;
use std::time::Duration;
use uuid::Uuid;

const SYNC_WAIT: Duration = Duration::from_secs(60);
const UI_WAIT: Duration = Duration::from_secs(20);

async fn js(b: &Browser, script: &str) -> Result<serde_json::Value> {
    Ok(b.client.execute(script, vec![]).await?)
}

/// Set an input the way a person does (`input` event), e.g. a time.
async fn set_value(b: &Browser, css: &str, value: &str) -> Result<()> {
    b.client
        .execute(
            "const el = document.querySelector(arguments[0]); el.value = arguments[1];
             el.dispatchEvent(new Event('input', { bubbles: true })); return true;",
            vec![json!(css), json!(value)],
        )
        .await?;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn staff_see_sync_state_marks_bands_field_errors_and_saved() -> Result<()> {
    let mut server = TestServer::start().await?;
    let b = Browser::start().await?;

    // A cold load of the sign-in page: no sync status, and no request to the API at all.
    b.client.goto(&server.url("/")).await?;
    b.wait_for("input[name=username]").await?;
    tokio::time::sleep(Duration::from_secs(2)).await;
    ensure!(b.count("[data-testid=sync-status]").await? == 0, "a sync status before anyone signed in");
    let api =
        js(&b, "return performance.getEntriesByType('resource').map(e => e.name).filter(n => n.includes('/api/'));")
            .await?;
    ensure!(api.as_array().is_some_and(Vec::is_empty), "API requests before sign-in: {api}");

    // Signed in: the status says when the last sync was, and still does after a reload.
    b.open_counter_as_staff(&server.url("/")).await?;
    b.wait_synced(SYNC_WAIT).await?;
    b.wait_service_worker().await?;
    b.wait_for("[data-testid=last-synced]").await?;
    let last = b.text("[data-testid=last-synced]").await?;
    ensure!(last.starts_with("Senast synkad ") && last.len() >= "Senast synkad 00:00".len(), "{last}");
    server.stop().await?;
    b.client.refresh().await?;
    b.wait_for("[data-testid=visit-button]").await?;
    let after = b.wait_for("[data-testid=last-synced]").await?.text().await?;
    ensure!(after == last, "kept across a reload offline: {after:?} vs {last:?}");

    // The activity form offers the place's two age bands; the others are a click away.
    b.click("[data-testid=nav-activities]").await?;
    b.wait_for("[data-testid=activity-new]").await?.click().await?;
    b.wait_for("[data-testid=activity-title]").await?;
    let bands = "[data-testid$='-plus'][data-testid^='participants-']";
    wait_until("the place's two bands", UI_WAIT, || async { Ok(b.count(bands).await? == 2) }).await?;
    ensure!(b.count("[data-testid=participants-6-12-plus]").await? == 1);
    ensure!(b.count("[data-testid=participants-13-15-plus]").await? == 1);
    b.click("[data-testid=activity-all-bands]").await?;
    wait_until("all seven bands", UI_WAIT, || async { Ok(b.count(bands).await? == 7) }).await?;

    // An end before the start: the message at the end time, the field marked and focused.
    b.fill("[data-testid=activity-title]", "Pingisturnering").await?;
    b.click("[data-testid=participants-13-15-plus]").await?;
    set_value(&b, "[data-testid=activity-start]", "18:00").await?;
    set_value(&b, "[data-testid=activity-end]", "17:00").await?;
    b.click("[data-testid=activity-save]").await?;
    let error = "[data-testid=activity-error][data-field=sluttid]";
    b.wait_for(error).await?;
    ensure!(b.attr("[data-testid=activity-end]", "aria-invalid").await?.as_deref() == Some("true"));
    ensure!(b.attr("[data-testid=activity-start]", "aria-invalid").await?.is_none(), "only the wrong field marked");
    wait_until("the end time focused", UI_WAIT, || async {
        Ok(js(&b, "return document.activeElement && document.activeElement.id;").await? == json!("activity-end"))
    })
    .await?;
    // The message sits with its field, not at the form's end.
    let next_to = js(
        &b,
        "return document.querySelector('[data-testid=activity-error][data-field=sluttid]').parentElement
            .contains(document.querySelector('[data-testid=activity-end]'));",
    )
    .await?;
    ensure!(next_to == json!(true), "the error is in the end time's field");
    b.assert_accessible("activity form with a field error").await?;

    // Fixed and saved (offline) from the bottom of the form: the list from its top, "Sparat",
    // and the new activity marked as not yet sent.
    set_value(&b, "[data-testid=activity-end]", "20:00").await?;
    js(&b, "document.querySelector('[data-testid=activity-save]').scrollIntoView(); return true;").await?;
    b.click("[data-testid=activity-save]").await?;
    let saved = b.wait_for("[data-testid=activity-saved]").await?;
    wait_until("Sparat shown", UI_WAIT, || async { Ok(saved.is_displayed().await?) }).await?;
    ensure!(saved.attr("role").await?.as_deref() == Some("status"));
    ensure!(saved.text().await?.contains("Sparat"));
    ensure!(js(&b, "return window.scrollY;").await? == json!(0), "the list opens at its top");
    let item = "[data-testid=activity-item].just-saved";
    b.wait_for(item).await?;
    wait_until("the new activity marked as not sent", UI_WAIT, || async {
        Ok(b.count(&format!("{item} [data-testid=unsynced-mark]")).await? == 1)
    })
    .await?;
    ensure!(b.text(&format!("{item} [data-testid=unsynced-mark]")).await? == "inte skickad än");
    b.assert_accessible("activity list with an unsynced activity").await?;
    b.screenshots("activity-saved-unsynced").await?;

    // Online again: sent, the mark goes and the time of the last sync moves on.
    server.resume().await?;
    b.wait_synced(SYNC_WAIT).await?;
    wait_until("no unsynced marks", UI_WAIT, || async { Ok(b.count("[data-testid=unsynced-mark]").await? == 0) })
        .await?;

    // A toggle looks pressed when it is: Svenska pressed, English not.
    b.click("[data-testid=nav-settings]").await?;
    b.wait_for("[data-testid=lang-sv]").await?;
    let look = |id: &str| {
        format!(
            "const s = getComputedStyle(document.querySelector('[data-testid={id}]'));
             return [s.backgroundColor, s.color].join(' ');"
        )
    };
    ensure!(b.attr("[data-testid=lang-sv]", "aria-pressed").await?.as_deref() == Some("true"));
    ensure!(b.attr("[data-testid=lang-en]", "aria-pressed").await?.as_deref() == Some("false"));
    let (pressed, not) = (js(&b, &look("lang-sv")).await?, js(&b, &look("lang-en")).await?);
    ensure!(pressed != not, "pressed and not pressed look the same: {pressed} / {not}");
    b.close().await?;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lab_report_fits_a_phone_and_administration_says_offline_only_offline() -> Result<()> {
    let mut server = TestServer::start_with_demo_year().await?;
    let b = Browser::start().await?;
    b.sign_in(&server.url("/"), "admin", "admin").await?;
    b.wait_synced(Duration::from_secs(180)).await?;

    // Administration online: no word of needing the server.
    b.wait_for("[data-testid=nav-admin]").await?.click().await?;
    b.wait_for("[data-testid=admin-users]").await?;
    ensure!(b.count("[data-testid=admin-offline]").await? == 0, "online, yet it says it needs the server");

    // Lina Hage's report on a 390 px phone: no sideways scrolling, chart text readable.
    b.client.set_window_size(390, 844).await?;
    b.click("[data-testid=nav-overview]").await?;
    let card = b.wait_for(&format!("[data-testid=lab-card][data-lab-id='{LINA_HAGE}']")).await?;
    card.find(fantoccini::Locator::Css("[data-testid=open-lab]")).await?.click().await?;
    b.wait_for("[data-testid=lab-report]").await?;
    wait_until("the report's charts", Duration::from_secs(30), || async {
        Ok(b.count("[data-testid=chart-visits-per-week] rect").await? > 10)
    })
    .await?;
    let widths = js(
        &b,
        "return [document.documentElement.scrollWidth, document.documentElement.clientWidth, document.body.scrollWidth];",
    )
    .await?;
    let w: Vec<u64> = serde_json::from_value(widths.clone())?;
    if w[0] > w[1] || w[2] > w[1] {
        // What sticks out, for the failure message.
        let wide = js(
            &b,
            "const w = document.documentElement.clientWidth; const out = [];
             for (const el of document.querySelectorAll('body *')) {
               const r = el.getBoundingClientRect();
               const clipped = (() => { for (let a = el.parentElement; a; a = a.parentElement) {
                 const o = getComputedStyle(a).overflowX;
                 if (o === 'auto' || o === 'scroll' || (o === 'hidden' && !(a instanceof SVGElement))) return true; } return false; })();
               const placed = ['absolute', 'fixed'].includes(getComputedStyle(el).position);
               if (r.right > w + 0.5 && r.width > 0 && (!clipped || placed)) out.push(el.tagName + '.' + (el.getAttribute('class') || '') + ' ' + (el.dataset.testid || '') + ' ' + Math.round(r.left) + '–' + Math.round(r.right));
             }
             return out.slice(0, 15);",
        )
        .await?;
        anyhow::bail!("the report is wider than the phone: {widths}; sticking out: {wide}");
    }
    // Every chart text drawn at 11 px or more (its font size times the SVG's scale).
    let smallest = js(
        &b,
        "let min = 1000, what = '';
         for (const t of document.querySelectorAll('[data-testid=lab-report] .chart svg text')) {
           if (!t.textContent.trim()) continue;
           const svg = t.ownerSVGElement;
           const scale = svg.getBoundingClientRect().width / svg.viewBox.baseVal.width;
           const px = parseFloat(getComputedStyle(t).fontSize) * scale;
           if (px < min) { min = px; what = t.textContent; }
         }
         return [min, what];",
    )
    .await?;
    let px = smallest[0].as_f64().unwrap_or(0.0);
    ensure!(px >= 11.0 - 0.05, "chart text at {px:.1} px on a phone: {smallest}");
    b.screenshot("lab-report-phone").await?;
    b.client.set_window_size(768, 1024).await?;

    // Offline, administration says it needs the server.
    server.stop().await?;
    b.click("[data-testid=nav-admin]").await?;
    b.wait_for("[data-testid=admin-screen]").await?;
    wait_until("the offline notice", Duration::from_secs(60), || async {
        Ok(b.count("[data-testid=admin-offline]").await? == 1)
    })
    .await?;
    b.close().await?;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_example_form_offers_recent_activities_and_finds_older_ones() -> Result<()> {
    let server = TestServer::start().await?;
    let now = labblogg_server::routes::sync::now_ms();
    let day = labblogg_shared::calendar::local_day(now as i64);
    let mut ids = Vec::new();
    for (title, days_ago) in [("Kväll i dag", 0), ("Sommarkväll förra halvåret", 200)] {
        let id = Uuid::now_v7();
        ids.push(id);
        let fields = json!({"kind": "open_evening", "title": title,
            "date": labblogg_shared::calendar::format_date(day - days_ago)});
        server
            .state
            .store
            .push(vec![labblogg_shared::Change {
                change_id: Uuid::now_v7(),
                kind: RecordKind::Activity,
                id,
                lab_id: LINA_HAGE,
                hlc: labblogg_shared::Hlc { ms: now - 60_000, counter: 0, node: 1 },
                fields: fields.as_object().cloned().unwrap_or_default(),
                deleted: false,
                restore: false,
            }])
            .await?;
    }
    let (recent, old) = (ids[0], ids[1]);
    let b = Browser::start().await?;
    b.open_counter_as_staff(&server.url("/")).await?;
    b.wait_synced(SYNC_WAIT).await?;
    b.wait_for("[data-testid=nav-knowledge]").await?.click().await?;
    b.wait_for("[data-testid=knowledge-new-example]").await?.click().await?;
    b.wait_for("[data-testid=knowledge-form]").await?;
    let option = |id: Uuid| format!("[data-testid=knowledge-activity][value='{id}']");
    b.wait_for(&option(recent)).await?;
    ensure!(b.count(&option(old)).await? == 0, "an activity 200 days old is not offered unasked");
    b.fill("[data-testid=knowledge-activity-search]", "sommar").await?;
    b.wait_for(&option(old)).await?.click().await?;
    ensure!(b.count(&option(recent)).await? == 0, "the search narrows the list");
    // Once linked, it stays in view whatever the search.
    set_value(&b, "[data-testid=knowledge-activity-search]", "").await?;
    wait_until("the linked one and the recent one", UI_WAIT, || async {
        Ok(b.count(&option(recent)).await? == 1 && b.count(&option(old)).await? == 1)
    })
    .await?;
    ensure!(
        b.client.find(fantoccini::Locator::Css(&option(old))).await?.prop("checked").await?.as_deref() == Some("true")
    );
    b.assert_accessible("the example form's activity picker").await?;
    b.close().await?;
    Ok(())
}
