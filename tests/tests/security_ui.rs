//! Accounts, roles and security through the app's real UI in headless
//! Chromium: an administrator creates and disables an account, a user
//! signs a lost tablet out from another device (and the tablet loses no
//! visit), and the quick lock of a shared tablet. axe-core checks the
//! administration, device list and lock screens; screenshots go to
//! target/screenshots/.

use anyhow::{ensure, Context, Result};
use labblogg_e2e::{wait_until, Browser, Profile, TestServer};
use labblogg_server::demo::{LINA_HAGE, PLACE_LINA_HAGE};
use labblogg_shared::auth::{LabRole, Role};
use std::time::Duration;

const SYNC_WAIT: Duration = Duration::from_secs(60);
const UI_WAIT: Duration = Duration::from_secs(20);

/// Fill the sign-in form already on screen (no reload).
async fn fill_login(b: &Browser, username: &str, password: &str) -> Result<()> {
    b.wait_for("input[name=username]").await?;
    b.fill("input[name=username]", username).await?;
    b.fill("input[name=password]", password).await?;
    b.click("form button[type=submit]").await
}

async fn wait_text(b: &Browser, css: &str, needle: &str) -> Result<()> {
    wait_until(&format!("{css} to contain {needle:?}"), UI_WAIT, || async { Ok(b.text(css).await?.contains(needle)) })
        .await
}

async fn open_admin(b: &Browser, base: &str) -> Result<()> {
    b.sign_in(base, "admin", "admin").await?;
    b.wait_for("[data-testid=nav-admin]").await?.click().await?;
    b.wait_for("[data-testid=admin-user-new]").await?;
    b.wait_for("[data-testid=admin-user-item]").await?;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_admin_creates_an_account_and_disabling_it_signs_its_tablet_out() -> Result<()> {
    let server = TestServer::start().await?;
    let base = server.url("/");
    let tablet = Profile::new()?;

    // On the meeting place's tablet, the administrator creates an account.
    let b = Browser::start_with(&tablet).await?;
    open_admin(&b, &base).await?;
    // Only administrators see the administration.
    b.wait_for("[data-testid=admin-audit-item][data-action=sign_in]").await?;
    b.click("[data-testid=admin-user-new]").await?;
    b.wait_for("[data-testid=admin-user-form]").await?;
    b.fill("[data-testid=admin-user-username]", "personal").await?;
    b.fill("[data-testid=admin-user-display-name]", "Anna Berg").await?;
    b.fill("[data-testid=admin-user-password]", "Lina-Hage-2026").await?;
    b.select("[data-testid=admin-user-role]", "staff").await?;
    b.wait_for(&format!("[data-testid=admin-user-lab][value='{LINA_HAGE}']")).await?.click().await?;
    b.wait_for(&format!("[data-testid=admin-user-home-place] option[value='{PLACE_LINA_HAGE}']")).await?;
    b.select("[data-testid=admin-user-home-place]", &PLACE_LINA_HAGE.to_string()).await?;
    // The server's refusal, in its Swedish words.
    b.click("[data-testid=admin-user-save]").await?;
    wait_text(&b, "[data-testid=admin-error]", "Användarnamnet är upptaget").await?;
    b.fill("[data-testid=admin-user-username]", "anna").await?;
    b.screenshots("admin-new-user").await?;
    b.assert_accessible("administration: new user form").await?;
    b.click("[data-testid=admin-user-save]").await?;
    let item = "[data-testid=admin-user-item][data-username=anna]";
    b.wait_for(item).await?;
    wait_text(&b, item, "Lina Hage").await?;
    wait_text(&b, "[data-testid=admin-notice]", "anna").await?;
    b.wait_for("[data-testid=admin-audit-item][data-action=user_created]").await?;
    let anna = server.state.store.user_by_name("anna").await?.context("anna stored")?;
    assert_eq!(anna.role, Role::Staff);
    assert_eq!(
        anna.memberships.iter().map(|m| (m.lab_id, m.role)).collect::<Vec<_>>(),
        vec![(LINA_HAGE, LabRole::Staff)]
    );
    assert_eq!(anna.home_meeting_place, Some(PLACE_LINA_HAGE));
    b.screenshots("admin-screen").await?;
    b.assert_accessible("administration").await?;
    b.client.execute("document.querySelector('[data-testid=admin-audit]').scrollIntoView()", vec![]).await?;
    b.screenshot("admin-audit-tablet-portrait").await?;

    // The administrator signs out; Anna signs in on the same tablet and lands on her counter.
    b.click("[data-testid=nav-settings]").await?;
    b.wait_for("[data-testid=sign-out]").await?.click().await?;
    let admin_id = server.state.store.user_by_name("admin").await?.context("demo admin")?.id;
    wait_until("signing out revoked the administrator's token", UI_WAIT, || async {
        let tokens = server.state.store.tokens_of(admin_id, false).await?;
        Ok(tokens.is_empty())
    })
    .await?;
    fill_login(&b, "anna", "Lina-Hage-2026").await?;
    b.wait_for("[data-testid=visit-button]").await?;
    assert!(b.count("[data-testid=nav-admin]").await? == 0, "staff see no administration");
    b.tap_times(2).await?;
    b.wait_visits_today(2, Duration::from_secs(10)).await?;
    b.wait_synced(SYNC_WAIT).await?;
    assert_eq!(server.visits(LINA_HAGE).await?, (2, 2));
    b.close().await?;

    // Elsewhere, the administrator disables the account.
    let admin = Browser::start().await?;
    open_admin(&admin, &base).await?;
    admin.click(&format!("{item} [data-testid=admin-user-disable]")).await?;
    admin.click(&format!("{item} [data-testid=admin-user-disable-confirm]")).await?;
    admin.wait_for("[data-testid=admin-user-item][data-username=anna][data-disabled=true]").await?;
    admin.wait_for("[data-testid=admin-audit-item][data-action=user_disabled]").await?;
    // Her devices are signed out with it.
    admin.click(&format!("{item} [data-testid=admin-user-devices]")).await?;
    admin.wait_for(&format!("{item} [data-testid=device-item][data-revoked=true]")).await?;
    assert_eq!(admin.count(&format!("{item} [data-testid=device-item][data-revoked=false]")).await?, 0);
    admin.close().await?;

    // The tablet's next sync is refused: it asks to sign in, and Anna no longer can.
    let b = Browser::start_with(&tablet).await?;
    b.client.goto(&base).await?;
    b.wait_for("input[name=username]").await?;
    wait_text(&b, ".login .notice", "Inloggningen har gått ut").await?;
    fill_login(&b, "anna", "Lina-Hage-2026").await?;
    wait_text(&b, ".login .error", "Fel användarnamn eller lösenord").await?;
    assert_eq!(server.visits(LINA_HAGE).await?, (2, 2));
    b.close().await?;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_device_revoked_from_another_signs_in_again_and_loses_no_visit() -> Result<()> {
    let mut server = TestServer::start().await?;
    let base = server.url("/");
    let tablet = Profile::new()?;

    // The tablet counts three visits while the server is away.
    let b = Browser::start_with(&tablet).await?;
    b.open_counter_as_staff(&base).await?;
    b.wait_service_worker().await?;
    b.wait_synced(SYNC_WAIT).await?;
    server.stop().await?;
    b.tap_times(3).await?;
    b.wait_visits_today(3, Duration::from_secs(10)).await?;
    wait_until("3 pending", UI_WAIT, || async { Ok(b.sync_status().await?.1 == 3) }).await?;
    b.close().await?;
    server.resume().await?;

    // From another device, the same user signs the tablet out.
    let other = Browser::start().await?;
    other.open_counter_as_staff(&base).await?;
    other.click("[data-testid=nav-settings]").await?;
    other.wait_for("[data-testid=devices-list]").await?;
    wait_until("two devices listed", UI_WAIT, || async { Ok(other.count("[data-testid=device-item]").await? == 2) })
        .await?;
    assert_eq!(other.count("[data-testid=device-item][data-current=true]").await?, 1);
    other.wait_for("[data-testid=device-current]").await?;
    other.screenshots("settings-devices").await?;
    other.assert_accessible("settings with the device list").await?;
    let tablet_item = "[data-testid=device-item][data-current=false]";
    other.click(&format!("{tablet_item} [data-testid=device-revoke]")).await?;
    other.click(&format!("{tablet_item} [data-testid=device-revoke-confirm]")).await?;
    wait_until("one device left", UI_WAIT, || async { Ok(other.count("[data-testid=device-item]").await? == 1) })
        .await?;
    other.close().await?;

    // The tablet, opened again, is asked to sign in; its visits stay pending.
    let b = Browser::start_with(&tablet).await?;
    b.client.goto(&base).await?;
    b.wait_for("input[name=username]").await?;
    wait_text(&b, ".login .notice", "Inloggningen har gått ut").await?;
    assert_eq!(b.sync_status().await?.1, 3, "unsynced visits kept");
    assert_eq!(server.visits(LINA_HAGE).await?, (0, 0));
    b.screenshot("revoked-tablet-sign-in").await?;

    // Signed in again, they reach the server, once each.
    fill_login(&b, "personal", "personal").await?;
    b.wait_for("[data-testid=visit-button]").await?;
    b.wait_synced(SYNC_WAIT).await?;
    assert_eq!(server.visits(LINA_HAGE).await?, (3, 3));
    b.wait_visits_today(3, Duration::from_secs(10)).await?;
    b.close().await?;
    server.stop().await?;
    Ok(())
}

async fn try_pin(b: &Browser, pin: &str) -> Result<()> {
    b.fill("input[name=pin]", pin).await?;
    b.click("[data-testid=lock-unlock]").await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_quick_lock_hides_the_app_until_the_code_and_syncing_goes_on() -> Result<()> {
    let mut server = TestServer::start().await?;
    let b = Browser::start().await?;
    b.open_counter_as_staff(&server.url("/")).await?;
    b.wait_synced(SYNC_WAIT).await?;
    assert_eq!(b.count("[data-testid=lock-now]").await?, 0, "no lock without a code");

    // A code and one minute without activity.
    b.click("[data-testid=nav-settings]").await?;
    b.wait_for("[data-testid=lock-pin-new]").await?;
    b.fill("[data-testid=lock-pin-new]", "2468").await?;
    b.fill("[data-testid=lock-pin-repeat]", "2486").await?;
    b.click("[data-testid=lock-pin-save]").await?;
    wait_text(&b, "[data-testid=lock-settings-message]", "inte lika").await?;
    b.fill("[data-testid=lock-pin-new]", "2468").await?;
    b.fill("[data-testid=lock-pin-repeat]", "2468").await?;
    b.click("[data-testid=lock-pin-save]").await?;
    b.wait_for("[data-testid=lock-pin-is-set]").await?;
    b.select("[data-testid=lock-minutes]", "1").await?;
    let stored = b.client.execute("return localStorage.getItem('labblogg.lock')", vec![]).await?;
    let stored = stored.as_str().unwrap_or_default().to_owned();
    assert!(stored.contains("\"hash\"") && !stored.contains("2468"), "only a hash is stored: {stored}");

    // Two visits while the server is away, then nobody touches the tablet.
    b.click("[data-testid=nav-counter]").await?;
    b.wait_for("[data-testid=visit-button]").await?;
    server.stop().await?;
    b.tap_times(2).await?;
    b.wait_visits_today(2, Duration::from_secs(10)).await?;
    wait_until("locked after a minute idle", Duration::from_secs(90), || async {
        b.is_shown("[data-testid=lock-screen]").await
    })
    .await?;
    assert!(!b.is_shown("[data-testid=visit-button]").await?, "the counter is hidden");

    // Syncing goes on underneath.
    server.resume().await?;
    b.wait_synced(SYNC_WAIT).await?;
    assert_eq!(server.visits(LINA_HAGE).await?, (2, 2));
    b.screenshots("lock-screen").await?;
    b.assert_accessible("lock screen").await?;

    // A wrong code is refused, the right one opens.
    try_pin(&b, "1111").await?;
    wait_text(&b, "[data-testid=lock-message]", "Fel kod").await?;
    assert!(b.is_shown("[data-testid=lock-screen]").await?);
    try_pin(&b, "2468").await?;
    wait_until("unlocked", UI_WAIT, || async { Ok(!b.is_shown("[data-testid=lock-screen]").await?) }).await?;
    assert!(b.is_shown("[data-testid=visit-button]").await?);
    b.wait_visits_today(2, Duration::from_secs(10)).await?;

    // "Lås" locks at once; five wrong codes make every further try wait, even after a reload.
    b.click("[data-testid=lock-now]").await?;
    b.wait_for("[data-testid=lock-screen]").await?;
    for _ in 0..5 {
        try_pin(&b, "0000").await?;
    }
    wait_text(&b, "[data-testid=lock-message]", "Vänta").await?;
    ensure!(
        !b.client.find(fantoccini::Locator::Css("[data-testid=lock-unlock]")).await?.is_enabled().await?,
        "tries wait"
    );
    b.client.refresh().await?;
    b.wait_for("[data-testid=lock-screen]").await?;
    wait_text(&b, "[data-testid=lock-message]", "Vänta").await?;
    assert!(!b.is_shown("[data-testid=visit-button]").await?, "a reload opens locked");
    wait_until("the wait is over", Duration::from_secs(40), || async {
        Ok(b.client.find(fantoccini::Locator::Css("[data-testid=lock-unlock]")).await?.is_enabled().await?)
    })
    .await?;
    try_pin(&b, "2468").await?;
    wait_until("unlocked again", UI_WAIT, || async { Ok(!b.is_shown("[data-testid=lock-screen]").await?) }).await?;
    b.wait_for("[data-testid=visit-button]").await?;
    b.close().await?;
    server.stop().await?;
    Ok(())
}
