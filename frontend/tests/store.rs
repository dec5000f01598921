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
            clock_offset_ms: 0,
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

/// A database exactly as release 1 (schema v1) made it: the same stores and
/// indexes, rows in that release's format (outbox rows without `waiting`).
async fn make_v1_database(name: &str, records: &[labblogg_shared::RecordState], outbox: &[(labblogg_shared::Change, Option<Rejection>)], meta: &[(&str, String)]) {
    use indexed_db_futures::database::Database;
    use indexed_db_futures::prelude::*;
    use indexed_db_futures::transaction::TransactionMode;
    use wasm_bindgen::JsValue;
    let db = Database::open(name)
        .with_version(1u32)
        .with_on_upgrade_needed(|_, db| {
            let records = db.create_object_store("records").with_key_path("id".into()).build()?;
            records.create_index("kind_lab", ["kind", "lab"].into()).build()?;
            records.create_index("kind_place_date_live", ["kind", "place", "date", "live"].into()).build()?;
            db.create_object_store("outbox").with_key_path("seq".into()).with_auto_increment(true).build()?;
            db.create_object_store("meta").build()?;
            Ok(())
        })
        .await
        .unwrap();
    let tx = db.transaction(["records", "outbox", "meta"]).with_mode(TransactionMode::Readwrite).build().unwrap();
    let (r, o, m) = (tx.object_store("records").unwrap(), tx.object_store("outbox").unwrap(), tx.object_store("meta").unwrap());
    for state in records {
        r.put(store::record_to_js(state).unwrap()).primitive().unwrap().await.unwrap();
    }
    for (change, rejected) in outbox {
        let row = js_sys::Object::new();
        js_sys::Reflect::set(&row, &"record_id".into(), &change.id.to_string().into()).unwrap();
        js_sys::Reflect::set(&row, &"body".into(), &serde_json::to_string(change).unwrap().into()).unwrap();
        if let Some(reason) = rejected {
            js_sys::Reflect::set(&row, &"rejected".into(), &serde_json::to_string(reason).unwrap().into()).unwrap();
        }
        o.put(JsValue::from(row)).primitive().unwrap().await.unwrap();
    }
    for (key, value) in meta {
        m.put(value.clone()).with_key(*key).primitive().unwrap().await.unwrap();
    }
    tx.commit().await.unwrap();
    db.close();
}

fn visit_change(lab: Uuid, place: Uuid, ms: u64) -> labblogg_shared::Change {
    labblogg_shared::Change {
        change_id: Uuid::now_v7(),
        kind: RecordKind::Visit,
        id: Uuid::now_v7(),
        lab_id: lab,
        hlc: labblogg_shared::Hlc { ms, counter: 0, node: 7 },
        fields: visit_fields(place, "2026-11-23", AgeBand::Age6To12),
        deleted: false,
    }
}

#[wasm_bindgen_test]
async fn a_version_1_database_is_upgraded_with_its_data_and_the_waiting_index() {
    let name = format!("labblogg-upgrade-v1-{}", Uuid::new_v4());
    let (lab, place) = (Uuid::new_v4(), Uuid::new_v4());
    let synced = visit_change(lab, place, 1_732_000_000_000);
    let (a, b, refused) = (visit_change(lab, place, 1_732_000_000_001), visit_change(lab, place, 1_732_000_000_002), visit_change(lab, place, 1_732_000_000_003));
    let states: Vec<_> = [&synced, &a, &b, &refused].iter().map(|c| labblogg_shared::apply_change(None, c).unwrap().unwrap()).collect();
    let refusal = Rejection { code: RejectCode::ClockAhead, message: "klockan går före".into() };
    let device = Uuid::new_v4();
    let hlc = labblogg_shared::Hlc { ms: 1_732_000_000_003, counter: 0, node: 7 };
    make_v1_database(
        &name,
        &states,
        &[(a.clone(), None), (refused.clone(), Some(refusal.clone())), (b.clone(), None)],
        &[("device_id", serde_json::to_string(&device).unwrap()), ("cursor", "42".into()), ("hlc", serde_json::to_string(&hlc).unwrap())],
    )
    .await;

    store::use_database(&name).await.unwrap();
    // The data survived.
    for state in &states {
        assert_eq!(store::record(state.id).await.unwrap().as_ref(), Some(state));
    }
    assert_eq!(store::live_at_place_on(RecordKind::Visit, place, "2026-11-23").await.unwrap().len(), 4);
    assert_eq!(store::cursor().await.unwrap(), 42);
    assert_eq!(store::device_id().await.unwrap(), device);
    let outbox = store::outbox().await.unwrap();
    assert_eq!(outbox.iter().map(|p| p.change.change_id).collect::<Vec<_>>(), vec![a.change_id, refused.change_id, b.change_id]);
    assert_eq!(outbox[1].rejected.as_ref(), Some(&refusal));
    // The new index holds exactly the changes not refused, oldest first.
    let batch = store::next_batch(500).await.unwrap();
    assert_eq!(batch.iter().map(|p| p.change.change_id).collect::<Vec<_>>(), vec![a.change_id, b.change_id]);
    assert_eq!(store::next_batch(1).await.unwrap()[0].change.change_id, a.change_id);
    assert_eq!(store::outbox_counts().await.unwrap(), store::OutboxCounts { pending: 2, rejected: 1 });
    // New writes join the index; the clock carries on from the stored one.
    let c = store::write(RecordKind::Visit, Uuid::now_v7(), lab, visit_fields(place, "2026-11-23", AgeBand::Age13To15), false, 1_732_000_000_000).await.unwrap();
    assert!(c.hlc > hlc);
    assert_eq!(store::next_batch(500).await.unwrap().last().unwrap().change.change_id, c.change_id);
    assert_eq!(store::outbox_counts().await.unwrap(), store::OutboxCounts { pending: 3, rejected: 1 });
    // Reopening does not run the steps again.
    store::use_database(&name).await.unwrap();
    assert_eq!(store::outbox_counts().await.unwrap(), store::OutboxCounts { pending: 3, rejected: 1 });
    store::delete_database(&name).await.unwrap();
}

#[wasm_bindgen_test]
async fn an_empty_database_gets_every_step_and_refusals_leave_the_waiting_index() {
    let name = format!("labblogg-upgrade-empty-{}", Uuid::new_v4());
    store::use_database(&name).await.unwrap();
    assert_eq!(store::outbox_counts().await.unwrap(), store::OutboxCounts { pending: 0, rejected: 0 });
    assert_eq!(store::cursor().await.unwrap(), 0);
    let (lab, place) = (Uuid::new_v4(), Uuid::new_v4());
    let mut changes = Vec::new();
    for _ in 0..3 {
        changes.push(store::write(RecordKind::Visit, Uuid::now_v7(), lab, visit_fields(place, "2026-11-23", AgeBand::Age6To12), false, 1_732_000_000_000).await.unwrap());
    }
    assert_eq!(store::outbox_counts().await.unwrap(), store::OutboxCounts { pending: 3, rejected: 0 });
    let batch = store::next_batch(500).await.unwrap();
    let refusal = Rejection { code: RejectCode::Permission, message: "nej".into() };
    store::apply_sync(
        store::SyncOutcome { accepted: vec![batch[0].seq], rejected: vec![(batch[1].seq, refusal.clone())], records: vec![], cursor: 9, server_time_ms: 1_732_000_000_000, clock_offset_ms: 0 },
        1_732_000_000_000,
    )
    .await
    .unwrap();
    assert_eq!(store::outbox_counts().await.unwrap(), store::OutboxCounts { pending: 1, rejected: 1 });
    assert_eq!(store::next_batch(500).await.unwrap().iter().map(|p| p.change.change_id).collect::<Vec<_>>(), vec![changes[2].change_id]);
    // Discarding the refused one empties the refused list.
    let refused = store::outbox().await.unwrap().into_iter().find(|p| p.rejected.is_some()).unwrap();
    assert_eq!(refused.rejected, Some(refusal));
    store::discard(refused.seq).await.unwrap();
    assert_eq!(store::outbox_counts().await.unwrap(), store::OutboxCounts { pending: 1, rejected: 0 });
    store::delete_database(&name).await.unwrap();
}

#[wasm_bindgen_test]
async fn records_in_labs_reads_every_record_of_the_labs_asked_for_and_no_other() {
    let name = format!("labblogg-labs-{}", Uuid::new_v4());
    store::use_database(&name).await.unwrap();
    let (a, b, place) = (Uuid::new_v4(), Uuid::new_v4(), Uuid::new_v4());
    let edits = |lab: Uuid, n: usize| {
        (0..n)
            .map(|_| store::Edit { kind: RecordKind::Visit, id: Uuid::now_v7(), lab_id: lab, fields: visit_fields(place, "2026-11-23", AgeBand::Age6To12), deleted: false })
            .collect::<Vec<_>>()
    };
    // Interleaved ids, more than one read's worth in all.
    for _ in 0..3 {
        store::write_many(edits(a, 9_000), 1_732_000_000_000).await.unwrap();
        store::write_many(edits(b, 2_000), 1_732_000_000_000).await.unwrap();
    }
    let undone = store::live_in_lab(RecordKind::Visit, a).await.unwrap()[0].id;
    store::write(RecordKind::Visit, undone, a, Default::default(), true, 1_732_000_000_001).await.unwrap();
    let of_a = store::records_in_labs(&[a]).await.unwrap();
    assert_eq!(of_a.len(), 27_000);
    assert!(of_a.iter().all(|s| s.lab_id == a));
    assert_eq!(of_a.iter().filter(|s| s.deleted.is_some()).count(), 1, "deleted records are included");
    assert_eq!(store::records_in_labs(&[a, b]).await.unwrap().len(), 33_000);
    store::delete_database(&name).await.unwrap();
}
