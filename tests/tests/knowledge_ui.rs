//! The knowledge base through the real app in headless Chromium: staff at
//! Lina Hage propose a good example (the personal-data guard catches a phone
//! number; they rephrase), the coordinator reviews and publishes it, and a
//! staff member of another housing company finds it after a sync, by an
//! inflected word and without diacritics, while drafts never reach that
//! device. Screenshots go to target/screenshots/, axe-core checks each screen.

use anyhow::{ensure, Context, Result};
use labblogg_e2e::{wait_until, Browser, Profile, TestServer};
use labblogg_server::accounts::{self, Actor};
use labblogg_server::demo::LINA_HAGE;
use labblogg_server::demo_knowledge::{self, DRAFT_EXAMPLE, EXAMPLE_LINA_HAGE};
use labblogg_shared::auth::{CreateUserRequest, LabRole, Membership, Role};
use labblogg_shared::knowledge::{GoodExample, Review};
use labblogg_shared::model::{FocusArea, Lab};
use labblogg_shared::RecordKind;
use std::time::Duration;
use uuid::Uuid;

const SYNC_WAIT: Duration = Duration::from_secs(60);
const UI_WAIT: Duration = Duration::from_secs(20);
const TITLE: &str = "Kvällsöppet på mötesplatsen för unga";

/// The good examples of Lina Hage the server holds, by title.
async fn examples_of(server: &TestServer, lab: Uuid) -> Result<Vec<(Uuid, GoodExample)>> {
    let page = server.state.store.pull(vec![lab], 0, 1000).await?;
    Ok(page
        .records
        .into_iter()
        .filter(|r| r.state.kind == RecordKind::GoodExample && r.state.deleted.is_none())
        .filter_map(|r| Some((r.state.id, serde_json::from_value(serde_json::Value::Object(r.state.fields)).ok()?)))
        .collect())
}

async fn example_titled(server: &TestServer, title: &str) -> Result<Option<(Uuid, GoodExample)>> {
    Ok(examples_of(server, LINA_HAGE).await?.into_iter().find(|(_, e)| e.title == title))
}

async fn open_knowledge(b: &Browser) -> Result<()> {
    b.wait_for("[data-testid=nav-knowledge]").await?.click().await?;
    b.wait_for("[data-testid=knowledge-results]").await?;
    Ok(())
}

/// Search and return the ids listed, in order.
async fn search(b: &Browser, query: &str) -> Result<Vec<String>> {
    b.fill("[data-testid=knowledge-search]", query).await?;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let mut ids = Vec::new();
    for el in b.client.find_all(fantoccini::Locator::Css("[data-testid=knowledge-item]")).await? {
        ids.push(el.attr("data-id").await?.unwrap_or_default());
    }
    Ok(ids)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn staff_propose_a_coordinator_publishes_and_another_organisation_finds_it() -> Result<()> {
    let mut server = TestServer::start().await?;
    let base = server.url("/");
    let store = server.state.store.clone();
    // The demo knowledge base: twelve published examples, lessons, one draft.
    demo_knowledge::seed(store.as_ref()).await?;
    // Another housing company, with a member of staff of its own.
    let lab = Lab {
        name: "Husby träffpunkt".into(),
        city: "Stockholm".into(),
        organisation: "Familjebostäder".into(),
        focus_areas: vec![FocusArea::SchoolResults],
        question: "Hur når vi fler föräldrar?".into(),
        description: String::new(),
    };
    let husby =
        accounts::create_lab(store.as_ref(), &Actor::cli(), lab, labblogg_server::routes::sync::now_ms()).await?;
    accounts::create_user(
        store.as_ref(),
        &Actor::cli(),
        CreateUserRequest {
            username: "kerstin".into(),
            display_name: "Kerstin".into(),
            password: "Husby-traffpunkt-2026".into(),
            role: Role::Staff,
            labs: vec![],
            memberships: vec![Membership { lab_id: husby, role: LabRole::Staff }],
            home_meeting_place: None,
        },
    )
    .await?;
    let elsewhere = Profile::new()?;
    // An evening at Lina Hage whose lessons learned are worth sharing.
    let evening = Uuid::now_v7();
    let now = labblogg_server::routes::sync::now_ms();
    let fields = serde_json::json!({"kind": "open_evening", "title": "Öppen kväll med fika", "date": labblogg_shared::calendar::local_date(now as i64),
        "lessons_learned": "Ungdomarna kom när kvällen började med fika och samtal."});
    store
        .push(vec![labblogg_shared::Change {
            change_id: Uuid::now_v7(),
            kind: RecordKind::Activity,
            id: evening,
            lab_id: LINA_HAGE,
            hlc: labblogg_shared::Hlc { ms: now - 60_000, counter: 0, node: 1 },
            fields: fields.as_object().cloned().unwrap_or_default(),
            deleted: false,
            restore: false,
        }])
        .await?;

    // 1. Staff at Lina Hage propose an example; the guard catches a phone number.
    let b = Browser::start().await?;
    b.open_counter_as_staff(&base).await?;
    open_knowledge(&b).await?;
    wait_until("the published demo examples", UI_WAIT, || async {
        Ok(b.count("[data-testid=knowledge-item]").await? >= 12)
    })
    .await?;
    ensure!(b.count(&format!("[data-id='{DRAFT_EXAMPLE}']")).await? == 0, "another lab's draft is not on this device");
    b.screenshots("knowledge-list").await?;
    b.assert_accessible("knowledge base").await?;

    b.click("[data-testid=knowledge-new-example]").await?;
    b.wait_for("[data-testid=knowledge-form]").await?;
    b.fill("[data-testid=knowledge-title]", TITLE).await?;
    b.fill("[data-testid=knowledge-organisation]", "Telge Bostäder").await?;
    b.fill("[data-testid=knowledge-place]", "Södertälje, Lina Hage").await?;
    b.click("[data-testid=knowledge-focus][value=crime]").await?;
    b.click("[data-testid=knowledge-target-group][value=youth]").await?;
    b.fill(
        "[data-testid=knowledge-done]",
        "Mötesplatsen har öppet två kvällar i veckan med fritidsledare. Ring 070-123 45 67 för att boka.",
    )
    .await?;
    b.fill("[data-testid=knowledge-hours]", "8").await?;
    b.select("[data-testid=knowledge-premises]", "own").await?;
    b.click("[data-testid=knowledge-add-figure]").await?;
    b.fill("[data-testid=knowledge-figure-label]", "Besök per kväll").await?;
    b.fill("[data-testid=knowledge-figure-value]", "38").await?;
    b.fill("[data-testid=knowledge-contact]", "Fritidsledare, Lina Hage mötesplats").await?;
    // Where it comes from: one of the lab's evenings.
    b.wait_for(&format!("[data-testid=knowledge-activity][value='{evening}']")).await?.click().await?;
    b.click("[data-testid=knowledge-save-submit]").await?;
    b.wait_for("[data-testid=privacy-warning]").await?;
    ensure!(b.text("[data-testid=privacy-warning]").await?.contains("070-123 45 67"));
    b.screenshots("knowledge-propose-privacy-guard").await?;
    b.assert_accessible("proposing a good example").await?;
    b.click("[data-testid=privacy-rephrase]").await?;
    b.fill(
        "[data-testid=knowledge-done]",
        "Mötesplatsen har öppet två kvällar i veckan med fritidsledare. Boka via områdesutvecklaren.",
    )
    .await?;
    b.click("[data-testid=knowledge-save-submit]").await?;
    b.wait_for("[data-testid=knowledge-notice]").await?;
    b.wait_for("[data-testid=knowledge-own-item][data-review=submitted]").await?;
    // And a second idea, kept as a draft.
    b.click("[data-testid=knowledge-new-example]").await?;
    b.wait_for("[data-testid=knowledge-form]").await?;
    b.fill("[data-testid=knowledge-title]", "Pingisturnering mellan gårdarna").await?;
    b.fill("[data-testid=knowledge-organisation]", "Telge Bostäder").await?;
    b.click("[data-testid=knowledge-focus][value=crime]").await?;
    b.fill("[data-testid=knowledge-done]", "En idé: turnering mellan mötesplatserna.").await?;
    b.click("[data-testid=knowledge-save]").await?;
    b.wait_for("[data-testid=knowledge-own-item][data-review=draft]").await?;
    // An evening's lessons learned, promoted to the knowledge base as a lesson.
    b.click("[data-testid=nav-activities]").await?;
    b.wait_for("[data-testid=activity-promote-lesson]").await?.click().await?;
    b.wait_for("[data-testid=knowledge-lesson-form]").await?;
    let text =
        b.client.find(fantoccini::Locator::Css("[data-testid=knowledge-lesson-text]")).await?.prop("value").await?;
    ensure!(text.as_deref().is_some_and(|t| t.contains("fika")), "{text:?}");
    b.click("[data-testid=knowledge-factor][value=meeting_place]").await?;
    b.click("[data-testid=knowledge-factor][value=target_group_reach]").await?;
    b.assert_accessible("promoting a lesson").await?;
    b.click("[data-testid=knowledge-save-submit]").await?;
    b.wait_for("[data-testid=knowledge-own-item][data-kind=lesson][data-review=submitted]").await?;
    b.wait_synced(SYNC_WAIT).await?;
    let lessons = server.state.store.pull(vec![LINA_HAGE], 0, 1000).await?.records;
    let lesson = lessons
        .iter()
        .find(|r| r.state.kind == RecordKind::Lesson && r.state.fields["activity_id"] == evening.to_string())
        .context("the lesson reached the server")?;
    ensure!(lesson.state.fields["review"] == "submitted", "{:?}", lesson.state.fields);
    ensure!(lesson.state.fields["organisation"] == "Telge Bostäder", "{:?}", lesson.state.fields);
    let (id, proposed) = example_titled(&server, TITLE).await?.context("the proposal reached the server")?;
    ensure!(proposed.review == Review::Submitted && !proposed.what_was_done.contains("070"), "{proposed:?}");
    ensure!(proposed.activity_ids == [evening], "{proposed:?}");
    let (draft_id, _) =
        example_titled(&server, "Pingisturnering mellan gårdarna").await?.context("the draft reached the server")?;
    b.close().await?;

    // 2. The coordinator reviews and publishes it.
    let b = Browser::start().await?;
    b.sign_in(&base, "samordnare", "samordnare").await?;
    open_knowledge(&b).await?;
    let queued = format!("[data-testid=knowledge-review-item][data-id='{id}']");
    b.wait_for(&queued).await?;
    b.screenshots("knowledge-review-queue").await?;
    b.click(&format!("{queued} [data-testid=knowledge-open]")).await?;
    b.wait_for("[data-testid=knowledge-detail][data-review=submitted]").await?;
    wait_until("the linked evening by title", UI_WAIT, || async {
        Ok(b.text("[data-testid=knowledge-detail]").await?.contains("Öppen kväll med fika"))
    })
    .await?;
    b.assert_accessible("reviewing a proposal").await?;
    b.screenshots("knowledge-review").await?;
    b.click("[data-testid=knowledge-publish]").await?;
    b.wait_for("[data-testid=knowledge-notice]").await?;
    b.wait_for(&format!("[data-testid=knowledge-item][data-id='{id}']")).await?;
    b.wait_synced(SYNC_WAIT).await?;
    wait_until("published on the server", SYNC_WAIT, || async {
        Ok(example_titled(&server, TITLE)
            .await?
            .is_some_and(|(_, e)| e.review == Review::Published && e.published_on.is_some()))
    })
    .await?;

    // From a lab's report: "share as a good example" opens a prefilled form.
    b.click("[data-testid=nav-overview]").await?;
    b.wait_for(&format!("[data-testid=lab-card][data-lab-id='{LINA_HAGE}'] [data-testid=open-lab]"))
        .await?
        .click()
        .await?;
    b.wait_for("[data-testid=share-as-example]").await?.click().await?;
    b.wait_for("[data-testid=knowledge-form]").await?;
    wait_until("figures prefilled", UI_WAIT, || async { Ok(b.count("[data-testid=knowledge-figure]").await? >= 5) })
        .await?;
    let organisation =
        b.client.find(fantoccini::Locator::Css("[data-testid=knowledge-organisation]")).await?.prop("value").await?;
    ensure!(organisation.as_deref() == Some("Telge Bostäder"), "{organisation:?}");
    b.screenshot("knowledge-share-from-report-tablet-portrait").await?;
    b.click("[data-testid=knowledge-cancel]").await?;
    b.close().await?;

    // 3. Another organisation's tablet: the published example after a sync, never a draft.
    let b = Browser::start_with(&elsewhere).await?;
    b.sign_in(&base, "kerstin", "Husby-traffpunkt-2026").await?;
    b.wait_synced(SYNC_WAIT).await?;
    open_knowledge(&b).await?;
    let item = format!("[data-testid=knowledge-item][data-id='{id}']");
    b.wait_for(&item).await?;
    for hidden in [draft_id, DRAFT_EXAMPLE] {
        ensure!(b.count(&format!("[data-id='{hidden}']")).await? == 0, "draft {hidden} reached another organisation");
    }
    ensure!(b.count("[data-testid=knowledge-new-example]").await? == 1, "any signed-in member may propose");
    // Swedish-aware search: inflected, without diacritics, and ranked.
    for query in ["mötesplatser", "motesplatsen", "Mötesplatserna kvällar", "kvällsöppen"] {
        let ids = search(&b, query).await?;
        let at = ids.iter().position(|x| *x == id.to_string());
        ensure!(at.is_some_and(|i| i < 3), "{query}: a title match ranks near the top, got {at:?} in {ids:?}");
    }
    let ids = search(&b, "ungdomarna").await?;
    ensure!(ids.contains(&EXAMPLE_LINA_HAGE.to_string()), "ungdomarna finds the demo's ungdomar: {ids:?}");
    let ids = search(&b, "pingisturnering").await?;
    ensure!(ids.is_empty(), "{ids:?}");
    // Filters: focus area, target group, resources.
    // A space: clearing alone fires no input event; a blank query lists everything.
    b.fill("[data-testid=knowledge-search]", " ").await?;
    b.select("[data-testid=knowledge-filter-focus]", "crime").await?;
    b.select("[data-testid=knowledge-filter-target]", "youth").await?;
    wait_until("filtered list", UI_WAIT, || async {
        Ok(b.count(&item).await? == 1 && b.count("[data-testid=knowledge-item]").await? >= 2)
    })
    .await?;
    b.select("[data-testid=knowledge-filter-resources]", "no_premises").await?;
    wait_until("own premises filtered out", UI_WAIT, || async { Ok(b.count(&item).await? == 0) }).await?;
    b.select("[data-testid=knowledge-filter-resources]", "").await?;
    b.wait_for(&item).await?;
    b.click(&format!("{item} [data-testid=knowledge-open]")).await?;
    b.wait_for("[data-testid=knowledge-detail][data-review=published]").await?;
    ensure!(b.text("[data-testid=knowledge-detail]").await?.contains("Besök per kväll"));
    ensure!(
        b.count("[data-testid=knowledge-publish]").await? == 0 && b.count("[data-testid=knowledge-edit]").await? == 0
    );
    b.assert_accessible("an example's page").await?;
    b.screenshots("knowledge-example-page").await?;
    // As printed: the page's own print rules applied on screen (no navigation, no buttons).
    b.client
        .execute(
            // Through the CSSOM, into the app's own sheet: the CSP allows no <style> element
            // (docs/SECURITY.md).
            "const css = [];
             for (const sheet of document.styleSheets) for (const rule of sheet.cssRules)
               if (rule instanceof CSSMediaRule && rule.media.mediaText.includes('print'))
                 for (const r of rule.cssRules) css.push(r.cssText);
             const sheet = [...document.styleSheets].find(s => s.href && s.href.endsWith('.css'));
             const start = sheet.cssRules.length;
             for (const r of css) sheet.insertRule(r, sheet.cssRules.length);
             window.__printPreview = [sheet, start];",
            vec![],
        )
        .await?;
    ensure!(
        !b.is_shown("[data-testid=knowledge-print]").await? && !b.is_shown("[data-testid=nav-knowledge]").await?,
        "print hides the controls"
    );
    ensure!(b.is_shown("[data-testid=knowledge-figures]").await?, "print keeps the figures");
    b.screenshot("knowledge-example-print-preview").await?;
    b.client
        .execute(
            "const [sheet, start] = window.__printPreview;
             while (sheet.cssRules.length > start) sheet.deleteRule(sheet.cssRules.length - 1);",
            vec![],
        )
        .await?;

    // Offline, the synced copy is still searched.
    b.wait_service_worker().await?;
    server.stop().await?;
    b.client.refresh().await?;
    open_knowledge(&b).await?;
    b.wait_for(&item).await?;
    let ids = search(&b, "motesplats").await?;
    ensure!(ids.contains(&id.to_string()), "offline search: {ids:?}");
    b.screenshot("knowledge-search-offline-tablet-portrait").await?;
    b.close().await?;
    Ok(())
}
