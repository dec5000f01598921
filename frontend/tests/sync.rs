//! The sync engine in a real browser (headless Chromium) against a real
//! server: `cargo xtask test` starts `labblogg serve --demo
//! --allow-cors-for-tests` on a temporary database and passes its address at
//! compile time in `LABBLOGG_WASM_TEST_SERVER` (this page is served by the
//! test runner on its own origin, hence CORS for the test server only).
//!
//! Two devices are two local databases of this page, each signed in with its
//! own device id: what one pushes, the other pulls.

use labblogg_frontend::sync::SyncEngine;
use labblogg_frontend::{api, clock, session, store};
use labblogg_shared::auth::LoginRequest;
use labblogg_shared::sync::RejectCode;
use labblogg_shared::{AgeBand, RecordKind, Visit};
use leptos::prelude::GetUntracked;
use uuid::Uuid;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

const SERVER: Option<&str> = option_env!("LABBLOGG_WASM_TEST_SERVER");

/// The test server, or `None` (with a note) when these tests were built without one.
fn server() -> Option<&'static str> {
    if SERVER.is_none() {
        web_sys::console::warn_1(
            &"LABBLOGG_WASM_TEST_SERVER was not set at build time: sync engine tests skipped (run `cargo xtask test`)"
                .into(),
        );
    }
    SERVER
}

/// Use the local database `db` and sign in there as `personal`, bound to its device id.
async fn device(db: &str) -> session::Session {
    store::use_database(db).await.unwrap();
    let device_id = store::device_id().await.unwrap();
    let resp = api::login(&LoginRequest {
        username: "personal".into(),
        password: "personal".into(),
        device_id: Some(device_id),
        device_name: None,
    })
    .await
    .expect("sign-in at the test server");
    let s = session::Session { token: resp.token, user: resp.user };
    session::save(&s);
    s
}

/// Switch back to a device signed in earlier.
async fn resume(db: &str, s: &session::Session) {
    store::use_database(db).await.unwrap();
    session::save(s);
}

fn visit(place: Uuid, band: AgeBand) -> serde_json::Map<String, serde_json::Value> {
    let v = Visit {
        meeting_place_id: place,
        at_ms: clock::now_ms() as i64,
        date: clock::today(),
        age_band: band,
        gender: None,
        first_visit: false,
    };
    match serde_json::to_value(v).unwrap() {
        serde_json::Value::Object(m) => m,
        _ => unreachable!(),
    }
}

#[wasm_bindgen_test]
async fn the_engine_pushes_pulls_and_keeps_a_refused_change_with_its_reason() {
    let Some(url) = server() else { return };
    api::set_base_url(url);
    let (db_a, db_b) = (format!("labblogg-sync-a-{}", Uuid::new_v4()), format!("labblogg-sync-b-{}", Uuid::new_v4()));
    let engine = SyncEngine::new();

    // Device A signs in and takes its first sync: the labs' records arrive.
    let a = device(&db_a).await;
    let lab = a.user.labs[0];
    let place = a.user.home_meeting_place.expect("staff have a meeting place");
    engine.sync_once().await.expect("first sync");
    let first_cursor = store::cursor().await.unwrap();
    assert!(first_cursor > 0, "the first pull moved the cursor");
    assert!(store::record(place).await.unwrap().is_some(), "the meeting place was pulled");

    // Offline-ish: visits are saved locally, then one sync round sends them.
    let mut sent = Vec::new();
    for band in [AgeBand::Age6To12, AgeBand::Age13To15, AgeBand::Age13To15] {
        let id = Uuid::now_v7();
        store::write(RecordKind::Visit, id, lab, visit(place, band), false, clock::now_ms()).await.unwrap();
        sent.push(id);
    }
    // A visit for a lab this user has no part in: the server refuses it, and it is kept.
    let foreign = Uuid::now_v7();
    store::write(RecordKind::Visit, foreign, Uuid::new_v4(), visit(place, AgeBand::Age6To12), false, clock::now_ms())
        .await
        .unwrap();
    // A tap stamped by a clock ten minutes ahead (written last, since it moves this device's
    // clock ahead too): the server refuses it as `clock_ahead`, and the engine brings the clock
    // back, stamps the tap again and sends it in the same sync.
    let ahead = Uuid::now_v7();
    store::write(
        RecordKind::Visit,
        ahead,
        lab,
        visit(place, AgeBand::Age6To12),
        false,
        clock::now_ms() + 10 * 60 * 1000,
    )
    .await
    .unwrap();
    assert_eq!(store::outbox_counts().await.unwrap(), store::OutboxCounts { pending: 5, rejected: 0 });

    engine.sync_once().await.expect("sync of the visits");
    assert_eq!(
        store::outbox_counts().await.unwrap(),
        store::OutboxCounts { pending: 0, rejected: 1 },
        "accepted changes left the outbox"
    );
    assert!(store::cursor().await.unwrap() > first_cursor, "the cursor moved past our own changes");
    let refused = store::outbox().await.unwrap();
    assert_eq!(refused.len(), 1);
    assert_eq!(refused[0].change.id, foreign);
    let reason = refused[0].rejected.as_ref().expect("kept with the server's reason");
    assert_eq!(reason.code, RejectCode::Permission);
    assert!(!reason.message.is_empty());
    assert_eq!(
        (engine.pending.get_untracked(), engine.rejected.get_untracked()),
        (1, 1),
        "the status counts the refused change"
    );
    let restamped = store::record(ahead).await.unwrap().expect("the tap is kept");
    assert!(
        restamped.max_clock().ms < clock::device_now_ms() + 5 * 60 * 1000,
        "stamped again under the server's limit"
    );

    // Device B (a fresh local database) pulls A's visits from the server, the re-stamped one
    // too, not the refused one.
    let b = device(&db_b).await;
    engine.sync_once().await.expect("device B's first sync");
    for id in sent.iter().chain([&ahead]) {
        assert!(store::record(*id).await.unwrap().is_some(), "device B pulled visit {id}");
    }
    assert!(store::record(foreign).await.unwrap().is_none(), "the refused visit never reached the server");
    // B counts one more; A pulls it on its next round.
    let from_b = Uuid::now_v7();
    store::write(RecordKind::Visit, from_b, lab, visit(place, AgeBand::Age16To19), false, clock::now_ms())
        .await
        .unwrap();
    engine.sync_once().await.expect("device B pushes");
    assert_eq!(store::outbox_counts().await.unwrap(), store::OutboxCounts { pending: 0, rejected: 0 });

    resume(&db_a, &a).await;
    let before = store::cursor().await.unwrap();
    engine.sync_once().await.expect("device A pulls");
    assert!(store::record(from_b).await.unwrap().is_some(), "device A pulled B's visit");
    assert!(store::cursor().await.unwrap() > before);
    // Staff discard the refused change: nothing is left to send.
    store::discard(refused[0].seq).await.unwrap();
    engine.sync_once().await.expect("sync after discarding");
    assert_eq!((engine.pending.get_untracked(), engine.rejected.get_untracked()), (0, 0));

    session::clear();
    let _ = b;
    store::delete_database(&db_a).await.unwrap();
    store::delete_database(&db_b).await.unwrap();
}
