//! The local store in a real browser (headless Chromium): a write saves the
//! record and its outbox entry together, index reads find today's visits,
//! and a sync round drops accepted changes while keeping refused ones.

use labblogg_frontend::store;
use labblogg_shared::sync::{RejectCode, Rejection, ServerRecord};
use labblogg_shared::{AgeBand, RecordKind, Visit};
use uuid::Uuid;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

fn visit_fields(place: Uuid, date: &str, band: AgeBand) -> serde_json::Map<String, serde_json::Value> {
    let v = Visit { meeting_place_id: place, at_ms: 1_732_000_000_000, date: date.into(), age_band: band, gender: None, first_visit: false };
    match serde_json::to_value(v).unwrap() {
        serde_json::Value::Object(m) => m,
        _ => unreachable!(),
    }
}

#[wasm_bindgen_test]
async fn a_write_saves_record_and_outbox_entry_together() {
    let place = Uuid::new_v4();
    let lab = Uuid::new_v4();
    let before = store::outbox_len().await.unwrap();
    let id = Uuid::now_v7();
    let change = store::write(RecordKind::Visit, id, lab, visit_fields(place, "2026-11-23", AgeBand::Age6To12), false, 1_732_000_000_000)
        .await
        .unwrap();
    assert_eq!(store::outbox_len().await.unwrap(), before + 1);
    let rec = store::record(id).await.unwrap().expect("record saved");
    assert_eq!(rec.lab_id, lab);
    assert!(store::outbox().await.unwrap().iter().any(|p| p.change == change));
}

#[wasm_bindgen_test]
async fn todays_visits_are_an_index_read_and_undo_removes_one() {
    let place = Uuid::new_v4();
    let other_place = Uuid::new_v4();
    let lab = Uuid::new_v4();
    let mut ids = Vec::new();
    for band in [AgeBand::Age6To12, AgeBand::Age13To15, AgeBand::Age13To15] {
        let id = Uuid::now_v7();
        store::write(RecordKind::Visit, id, lab, visit_fields(place, "2026-11-23", band), false, 1_732_000_000_000).await.unwrap();
        ids.push(id);
    }
    store::write(RecordKind::Visit, Uuid::now_v7(), lab, visit_fields(place, "2026-11-22", AgeBand::Age6To12), false, 1_732_000_000_000).await.unwrap();
    store::write(RecordKind::Visit, Uuid::now_v7(), lab, visit_fields(other_place, "2026-11-23", AgeBand::Age6To12), false, 1_732_000_000_000).await.unwrap();

    let today = store::live_at_place_on(RecordKind::Visit, place, "2026-11-23").await.unwrap();
    assert_eq!(today.len(), 3);

    // Undo is a tombstone: the visit leaves today's count, the tombstone waits in the outbox.
    store::write(RecordKind::Visit, ids[0], lab, Default::default(), true, 1_732_000_000_001).await.unwrap();
    let today = store::live_at_place_on(RecordKind::Visit, place, "2026-11-23").await.unwrap();
    assert_eq!(today.len(), 2);
}

#[wasm_bindgen_test]
async fn a_sync_round_drops_accepted_keeps_refused_and_applies_pulled_records() {
    let lab = Uuid::new_v4();
    let place = Uuid::new_v4();
    let a = store::write(RecordKind::Visit, Uuid::now_v7(), lab, visit_fields(place, "2026-11-23", AgeBand::Age6To12), false, 1_732_000_000_000).await.unwrap();
    let b = store::write(RecordKind::Visit, Uuid::now_v7(), lab, visit_fields(place, "2026-11-23", AgeBand::Age6To12), false, 1_732_000_000_000).await.unwrap();
    let outbox = store::outbox().await.unwrap();
    let seq_of = |id| outbox.iter().find(|p| p.change.change_id == id).unwrap().seq;
    let refusal = Rejection { code: RejectCode::Permission, message: "nej".into() };

    // A record from another device arrives in the same round.
    let remote = labblogg_shared::apply_change(
        None,
        &labblogg_shared::Change {
            change_id: Uuid::now_v7(),
            kind: RecordKind::Visit,
            id: Uuid::now_v7(),
            lab_id: lab,
            hlc: labblogg_shared::Hlc { ms: 1_732_000_000_500, counter: 0, node: 42 },
            fields: visit_fields(place, "2026-11-23", AgeBand::Age13To15),
            deleted: false,
        },
    )
    .unwrap()
    .unwrap();
    store::apply_sync(
        store::SyncOutcome {
            accepted: vec![seq_of(a.change_id)],
            rejected: vec![(seq_of(b.change_id), refusal.clone())],
            records: vec![ServerRecord { seq: 77, state: remote.clone() }],
            cursor: 77,
            server_time_ms: 1_732_000_001_000,
        },
        1_732_000_000_000,
    )
    .await
    .unwrap();

    let outbox = store::outbox().await.unwrap();
    assert!(!outbox.iter().any(|p| p.change.change_id == a.change_id), "accepted change left the outbox");
    let kept = outbox.iter().find(|p| p.change.change_id == b.change_id).expect("refused change kept");
    assert_eq!(kept.rejected.as_ref(), Some(&refusal));
    assert_eq!(store::cursor().await.unwrap(), 77);
    assert_eq!(store::record(remote.id).await.unwrap(), Some(remote));
    assert!(store::next_batch(500).await.unwrap().iter().all(|p| p.change.change_id != b.change_id), "refused change not resent");
}
