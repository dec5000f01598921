//! The local store in a real browser (headless Chromium): a write saves the
//! record and its outbox entry together, index reads find today's visits,
//! a sync round drops accepted changes while keeping refused ones, and the
//! stored visit tallies stay equal to a fresh count of the visits through
//! every kind of write and the upgrade that first counts them.

use labblogg_frontend::store;
use labblogg_shared::summary::{Dataset, VisitTally};
use labblogg_shared::sync::{RejectCode, Rejection, ServerRecord};
use labblogg_shared::{AgeBand, Change, Hlc, RecordKind, RecordState, Visit};
use uuid::Uuid;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

fn visit_fields(place: Uuid, date: &str, band: AgeBand) -> serde_json::Map<String, serde_json::Value> {
    let v = Visit {
        meeting_place_id: place,
        at_ms: 1_732_000_000_000,
        date: date.into(),
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
async fn a_write_saves_record_and_outbox_entry_together() {
    let place = Uuid::new_v4();
    let lab = Uuid::new_v4();
    let before = store::outbox_len().await.unwrap();
    let id = Uuid::now_v7();
    let change = store::write(
        RecordKind::Visit,
        id,
        lab,
        visit_fields(place, "2026-11-23", AgeBand::Age6To12),
        false,
        1_732_000_000_000,
    )
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
        store::write(RecordKind::Visit, id, lab, visit_fields(place, "2026-11-23", band), false, 1_732_000_000_000)
            .await
            .unwrap();
        ids.push(id);
    }
    store::write(
        RecordKind::Visit,
        Uuid::now_v7(),
        lab,
        visit_fields(place, "2026-11-22", AgeBand::Age6To12),
        false,
        1_732_000_000_000,
    )
    .await
    .unwrap();
    store::write(
        RecordKind::Visit,
        Uuid::now_v7(),
        lab,
        visit_fields(other_place, "2026-11-23", AgeBand::Age6To12),
        false,
        1_732_000_000_000,
    )
    .await
    .unwrap();

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
    let a = store::write(
        RecordKind::Visit,
        Uuid::now_v7(),
        lab,
        visit_fields(place, "2026-11-23", AgeBand::Age6To12),
        false,
        1_732_000_000_000,
    )
    .await
    .unwrap();
    let b = store::write(
        RecordKind::Visit,
        Uuid::now_v7(),
        lab,
        visit_fields(place, "2026-11-23", AgeBand::Age6To12),
        false,
        1_732_000_000_000,
    )
    .await
    .unwrap();
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
            restore: false,
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
    assert!(
        store::next_batch(500).await.unwrap().iter().all(|p| p.change.change_id != b.change_id),
        "refused change not resent"
    );
}

/// A database exactly as release 1 (schema v1) made it: the same stores and
/// indexes, rows in that release's format (outbox rows without `waiting`).
async fn make_v1_database(
    name: &str,
    records: &[RecordState],
    outbox: &[(Change, Option<Rejection>)],
    meta: &[(&str, String)],
) {
    make_old_database(name, 1, records, outbox, meta).await;
}

/// A database exactly as schema `version` (1 or 2) made it: v1's stores and
/// indexes, and from v2 the outbox's `waiting` index, with `waiting: 1` on the
/// rows the server has not refused. Record rows are the same in both.
async fn make_old_database(
    name: &str,
    version: u32,
    records: &[RecordState],
    outbox: &[(Change, Option<Rejection>)],
    meta: &[(&str, String)],
) {
    use indexed_db_futures::database::Database;
    use indexed_db_futures::prelude::*;
    use indexed_db_futures::transaction::TransactionMode;
    use wasm_bindgen::JsValue;
    let db = Database::open(name)
        .with_version(version)
        .with_on_upgrade_needed(move |_, db| {
            let records = db.create_object_store("records").with_key_path("id".into()).build()?;
            records.create_index("kind_lab", ["kind", "lab"].into()).build()?;
            records.create_index("kind_place_date_live", ["kind", "place", "date", "live"].into()).build()?;
            let outbox =
                db.create_object_store("outbox").with_key_path("seq".into()).with_auto_increment(true).build()?;
            if version >= 2 {
                outbox.create_index("waiting", "waiting".into()).build()?;
            }
            if version >= 3 {
                db.create_object_store("visit_tallies")
                    .with_key_path(["lab", "place", "day", "hour", "band", "first"].into())
                    .build()?;
            }
            if version >= 4 {
                outbox.create_index("record_id", "record_id".into()).build()?;
            }
            db.create_object_store("meta").build()?;
            Ok(())
        })
        .await
        .unwrap();
    let tx = db.transaction(["records", "outbox", "meta"]).with_mode(TransactionMode::Readwrite).build().unwrap();
    let (r, o, m) =
        (tx.object_store("records").unwrap(), tx.object_store("outbox").unwrap(), tx.object_store("meta").unwrap());
    for state in records {
        drop(r.put(store::record_to_js(state).unwrap()).primitive().unwrap());
    }
    for (change, rejected) in outbox {
        let row = js_sys::Object::new();
        js_sys::Reflect::set(&row, &"record_id".into(), &change.id.to_string().into()).unwrap();
        js_sys::Reflect::set(&row, &"body".into(), &serde_json::to_string(change).unwrap().into()).unwrap();
        if let Some(reason) = rejected {
            js_sys::Reflect::set(&row, &"rejected".into(), &serde_json::to_string(reason).unwrap().into()).unwrap();
        } else if version >= 2 {
            js_sys::Reflect::set(&row, &"waiting".into(), &1.into()).unwrap();
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
        restore: false,
    }
}

#[wasm_bindgen_test]
async fn a_version_1_database_is_upgraded_with_its_data_and_the_waiting_index() {
    let name = format!("labblogg-upgrade-v1-{}", Uuid::new_v4());
    let (lab, place) = (Uuid::new_v4(), Uuid::new_v4());
    let synced = visit_change(lab, place, 1_732_000_000_000);
    let (a, b, refused) = (
        visit_change(lab, place, 1_732_000_000_001),
        visit_change(lab, place, 1_732_000_000_002),
        visit_change(lab, place, 1_732_000_000_003),
    );
    let states: Vec<_> =
        [&synced, &a, &b, &refused].iter().map(|c| labblogg_shared::apply_change(None, c).unwrap().unwrap()).collect();
    let refusal = Rejection { code: RejectCode::ClockAhead, message: "klockan går före".into() };
    let device = Uuid::new_v4();
    let hlc = labblogg_shared::Hlc { ms: 1_732_000_000_003, counter: 0, node: 7 };
    make_v1_database(
        &name,
        &states,
        &[(a.clone(), None), (refused.clone(), Some(refusal.clone())), (b.clone(), None)],
        &[
            ("device_id", serde_json::to_string(&device).unwrap()),
            ("cursor", "42".into()),
            ("hlc", serde_json::to_string(&hlc).unwrap()),
        ],
    )
    .await;

    store::use_database(&name).await.unwrap();
    // The data survived.
    for state in &states {
        assert_eq!(store::record(state.id).await.unwrap().as_ref(), Some(state));
    }
    assert_eq!(store::live_at_place_on(RecordKind::Visit, place, "2026-11-23").await.unwrap().len(), 4);
    assert_tallies_are_a_fresh_count(lab, 4).await;
    assert_eq!(store::cursor().await.unwrap(), 42);
    assert_eq!(store::device_id().await.unwrap(), device);
    let outbox = store::outbox().await.unwrap();
    assert_eq!(
        outbox.iter().map(|p| p.change.change_id).collect::<Vec<_>>(),
        vec![a.change_id, refused.change_id, b.change_id]
    );
    assert_eq!(outbox[1].rejected.as_ref(), Some(&refusal));
    // The new index holds exactly the changes not refused, oldest first.
    let batch = store::next_batch(500).await.unwrap();
    assert_eq!(batch.iter().map(|p| p.change.change_id).collect::<Vec<_>>(), vec![a.change_id, b.change_id]);
    assert_eq!(store::next_batch(1).await.unwrap()[0].change.change_id, a.change_id);
    assert_eq!(store::outbox_counts().await.unwrap(), store::OutboxCounts { pending: 2, rejected: 1 });
    // New writes join the index; the clock carries on from the stored one.
    let c = store::write(
        RecordKind::Visit,
        Uuid::now_v7(),
        lab,
        visit_fields(place, "2026-11-23", AgeBand::Age13To15),
        false,
        1_732_000_000_000,
    )
    .await
    .unwrap();
    assert!(c.hlc > hlc);
    assert_eq!(store::next_batch(500).await.unwrap().last().unwrap().change.change_id, c.change_id);
    assert_eq!(store::outbox_counts().await.unwrap(), store::OutboxCounts { pending: 3, rejected: 1 });
    // Reopening does not run the steps again.
    store::use_database(&name).await.unwrap();
    assert_eq!(store::outbox_counts().await.unwrap(), store::OutboxCounts { pending: 3, rejected: 1 });
    store::delete_database(&name).await.unwrap();
}

/// Changes queued before the upgrade are found by the v4 `record_id` index: a visit undone
/// offline on the old version stays undone when the server's live copy of it is pulled.
#[wasm_bindgen_test]
async fn pending_changes_from_before_the_upgrade_stay_on_top_of_pulled_records() {
    let name = format!("labblogg-upgrade-pending-{}", Uuid::new_v4());
    let (lab, place) = (Uuid::new_v4(), Uuid::new_v4());
    let created = visit_change(lab, place, 1_732_000_000_000);
    let live = labblogg_shared::apply_change(None, &created).unwrap().unwrap();
    let undo = Change {
        change_id: Uuid::now_v7(),
        hlc: Hlc { ms: 1_732_000_000_100, counter: 0, node: 7 },
        fields: serde_json::Map::new(),
        deleted: true,
        ..created.clone()
    };
    let undone = labblogg_shared::apply_change(Some(&live), &undo).unwrap().unwrap();
    // More queued than pulled: the sync looks the pulled record up by the index.
    let others = [visit_change(lab, place, 1_732_000_000_200), visit_change(lab, place, 1_732_000_000_300)];
    let mut local = vec![undone.clone()];
    local.extend(others.iter().map(|c| labblogg_shared::apply_change(None, c).unwrap().unwrap()));
    let queued = [(undo.clone(), None), (others[0].clone(), None), (others[1].clone(), None)];
    make_v1_database(&name, &local, &queued, &[("cursor", "3".into())]).await;

    store::use_database(&name).await.unwrap();
    store::apply_sync(
        store::SyncOutcome {
            accepted: vec![],
            rejected: vec![],
            records: vec![ServerRecord { seq: 4, state: live.clone() }],
            cursor: 4,
            server_time_ms: 1_732_000_001_000,
            clock_offset_ms: 0,
        },
        1_732_000_000_000,
    )
    .await
    .unwrap();
    assert_eq!(store::record(live.id).await.unwrap(), Some(undone), "the pending undo stays on top");
    assert_tallies_are_a_fresh_count(lab, 2).await;
    assert_eq!(store::outbox().await.unwrap().len(), 3, "and still waits for the server");
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
        changes.push(
            store::write(
                RecordKind::Visit,
                Uuid::now_v7(),
                lab,
                visit_fields(place, "2026-11-23", AgeBand::Age6To12),
                false,
                1_732_000_000_000,
            )
            .await
            .unwrap(),
        );
    }
    assert_eq!(store::outbox_counts().await.unwrap(), store::OutboxCounts { pending: 3, rejected: 0 });
    let batch = store::next_batch(500).await.unwrap();
    let refusal = Rejection { code: RejectCode::Permission, message: "nej".into() };
    store::apply_sync(
        store::SyncOutcome {
            accepted: vec![batch[0].seq],
            rejected: vec![(batch[1].seq, refusal.clone())],
            records: vec![],
            cursor: 9,
            server_time_ms: 1_732_000_000_000,
            clock_offset_ms: 0,
        },
        1_732_000_000_000,
    )
    .await
    .unwrap();
    assert_eq!(store::outbox_counts().await.unwrap(), store::OutboxCounts { pending: 1, rejected: 1 });
    assert_eq!(
        store::next_batch(500).await.unwrap().iter().map(|p| p.change.change_id).collect::<Vec<_>>(),
        vec![changes[2].change_id]
    );
    // Discarding the refused one empties the refused list.
    let refused = store::outbox().await.unwrap().into_iter().find(|p| p.rejected.is_some()).unwrap();
    assert_eq!(refused.rejected, Some(refusal));
    store::discard(refused.seq).await.unwrap();
    assert_eq!(store::outbox_counts().await.unwrap(), store::OutboxCounts { pending: 1, rejected: 0 });
    store::delete_database(&name).await.unwrap();
}

/// A visit's fields with its hour and first-visit flag chosen too.
fn visit_at(
    place: Uuid,
    date: &str,
    band: AgeBand,
    at_ms: u64,
    first_visit: bool,
) -> serde_json::Map<String, serde_json::Value> {
    let mut fields = visit_fields(place, date, band);
    fields.insert("at_ms".into(), at_ms.into());
    fields.insert("first_visit".into(), first_visit.into());
    fields
}

fn object(value: serde_json::Value) -> serde_json::Map<String, serde_json::Value> {
    match value {
        serde_json::Value::Object(m) => m,
        _ => unreachable!("fields are an object"),
    }
}

/// `lab`'s stored tallies are exactly a fresh count of its visits on the
/// device (`Dataset::from_states` over every visit row, deleted ones
/// included, as the summaries counted before tallies were stored), and that
/// count is `visits`.
async fn assert_tallies_are_a_fresh_count(lab: Uuid, visits: u64) {
    let rows: Vec<RecordState> =
        store::all_of_kind(RecordKind::Visit).await.unwrap().into_iter().filter(|s| s.lab_id == lab).collect();
    let mut fresh = Dataset::from_states(&rows).visits;
    let (_, mut stored) = store::summary_input(&[lab]).await.unwrap();
    let by_key = |t: &VisitTally| t.key;
    fresh.sort_by_key(by_key);
    stored.sort_by_key(by_key);
    assert_eq!(stored, fresh, "stored tallies against a fresh count");
    assert_eq!(fresh.iter().map(|t| t.n).sum::<u64>(), visits, "visits counted");
}

#[wasm_bindgen_test]
async fn visit_tallies_follow_taps_undo_and_bulk_writes() {
    let name = format!("labblogg-tallies-writes-{}", Uuid::new_v4());
    store::use_database(&name).await.unwrap();
    let (lab, other_lab, place, place_b) = (Uuid::new_v4(), Uuid::new_v4(), Uuid::new_v4(), Uuid::new_v4());
    let hour = 3_600_000;
    let mut ids = Vec::new();
    for (i, (p, band)) in [
        (place, AgeBand::Age6To12),
        (place, AgeBand::Age6To12),
        (place, AgeBand::Age13To15),
        (place_b, AgeBand::Age6To12),
    ]
    .into_iter()
    .enumerate()
    {
        let id = Uuid::now_v7();
        store::write(
            RecordKind::Visit,
            id,
            lab,
            visit_at(p, "2026-11-23", band, 1_732_000_000_000 + i as u64 * hour, i == 0),
            false,
            1_732_000_000_000,
        )
        .await
        .unwrap();
        ids.push(id);
    }
    store::write(
        RecordKind::Visit,
        Uuid::now_v7(),
        other_lab,
        visit_fields(place, "2026-11-23", AgeBand::Age6To12),
        false,
        1_732_000_000_000,
    )
    .await
    .unwrap();
    assert_tallies_are_a_fresh_count(lab, 4).await;
    assert_tallies_are_a_fresh_count(other_lab, 1).await;

    // Undo: the visit leaves its tally; undoing it again changes nothing.
    store::write(RecordKind::Visit, ids[1], lab, Default::default(), true, 1_732_000_000_001).await.unwrap();
    assert_tallies_are_a_fresh_count(lab, 3).await;
    store::write(RecordKind::Visit, ids[1], lab, Default::default(), true, 1_732_000_000_002).await.unwrap();
    assert_tallies_are_a_fresh_count(lab, 3).await;

    // A visit cannot be edited, only undone: a refused edit leaves every tally as it was, and
    // sending the visit's own fields again changes nothing. (A visit whose band changes comes
    // only from a pull: see the sync test.)
    let refused = store::write(
        RecordKind::Visit,
        ids[2],
        lab,
        object(serde_json::json!({"age_band": "16-19"})),
        false,
        1_732_000_000_003,
    )
    .await;
    assert!(
        matches!(refused, Err(store::StoreError::Merge(labblogg_shared::merge::MergeError::EventEdited))),
        "{refused:?}"
    );
    assert_tallies_are_a_fresh_count(lab, 3).await;
    let same = store::record(ids[2]).await.unwrap().unwrap().fields;
    store::write(RecordKind::Visit, ids[2], lab, same, false, 1_732_000_000_004).await.unwrap();
    assert_tallies_are_a_fresh_count(lab, 3).await;

    // A record of another kind has no tally.
    store::write(
        RecordKind::Partner,
        Uuid::now_v7(),
        lab,
        object(serde_json::json!({"name": "Biblioteket", "kind": "municipality"})),
        false,
        1_732_000_000_005,
    )
    .await
    .unwrap();
    assert_tallies_are_a_fresh_count(lab, 3).await;

    // A bulk write: new visits, one of them sent twice and another undone in the same batch, and an earlier one undone.
    let (x, y) = (Uuid::now_v7(), Uuid::now_v7());
    let edit = |id: Uuid, fields: serde_json::Map<String, serde_json::Value>, deleted: bool| store::Edit {
        kind: RecordKind::Visit,
        id,
        lab_id: lab,
        fields,
        deleted,
        restore: false,
    };
    let mut edits: Vec<store::Edit> = (0..5)
        .map(|i| {
            edit(
                Uuid::now_v7(),
                visit_at(place_b, "2026-11-25", AgeBand::Age0To5, 1_732_000_000_000 + i * hour, false),
                false,
            )
        })
        .collect();
    edits.push(edit(x, visit_fields(place, "2026-11-25", AgeBand::Age6To12), false));
    edits.push(edit(y, visit_fields(place, "2026-11-25", AgeBand::Age6To12), false));
    edits.push(edit(x, visit_fields(place, "2026-11-25", AgeBand::Age6To12), false));
    edits.push(edit(y, Default::default(), true));
    edits.push(edit(ids[3], Default::default(), true));
    store::write_many(edits, 1_732_000_000_006).await.unwrap();
    assert_tallies_are_a_fresh_count(lab, 3 + 5 + 1 - 1).await;
    assert_tallies_are_a_fresh_count(other_lab, 1).await;

    // Down to none: a tally at zero is gone, not kept as 0.
    for id in store::live_in_lab(RecordKind::Visit, other_lab).await.unwrap().iter().map(|s| s.id) {
        store::write(RecordKind::Visit, id, other_lab, Default::default(), true, 1_732_000_000_007).await.unwrap();
    }
    assert_eq!(store::summary_input(&[other_lab]).await.unwrap().1, vec![]);

    // Many keys in one transaction (read by range per place, not key by key): new ones, the
    // same keys again on top of stored counts, and most of the first batch undone at once.
    let many = || -> Vec<store::Edit> {
        (0..24u64)
            .map(|i| {
                let (at, date) = (if i % 2 == 0 { place } else { place_b }, format!("2026-11-{:02}", 20 + i % 6));
                edit(
                    Uuid::now_v7(),
                    visit_at(at, &date, AgeBand::ALL[(i % 7) as usize], 1_732_000_000_000 + i * hour, i % 3 == 0),
                    false,
                )
            })
            .collect()
    };
    let first_batch = many();
    let undo: Vec<store::Edit> = first_batch.iter().take(20).map(|e| edit(e.id, Default::default(), true)).collect();
    store::write_many(first_batch, 1_732_000_000_008).await.unwrap();
    store::write_many(many(), 1_732_000_000_009).await.unwrap();
    assert_tallies_are_a_fresh_count(lab, 8 + 48).await;
    store::write_many(undo, 1_732_000_000_010).await.unwrap();
    assert_tallies_are_a_fresh_count(lab, 8 + 28).await;
    store::delete_database(&name).await.unwrap();
}

#[wasm_bindgen_test]
async fn visit_tallies_follow_visits_pulled_from_another_device() {
    let name = format!("labblogg-tallies-sync-{}", Uuid::new_v4());
    store::use_database(&name).await.unwrap();
    let (lab, place) = (Uuid::new_v4(), Uuid::new_v4());
    let a = store::write(
        RecordKind::Visit,
        Uuid::now_v7(),
        lab,
        visit_fields(place, "2026-11-23", AgeBand::Age6To12),
        false,
        1_732_000_000_000,
    )
    .await
    .unwrap();
    let b = store::write(
        RecordKind::Visit,
        Uuid::now_v7(),
        lab,
        visit_fields(place, "2026-11-23", AgeBand::Age6To12),
        false,
        1_732_000_000_000,
    )
    .await
    .unwrap();
    let local_a = store::record(a.id).await.unwrap().unwrap();
    let local_b = store::record(b.id).await.unwrap().unwrap();
    // This device's undo of `b` still waits in the outbox when the pull comes.
    store::write(RecordKind::Visit, b.id, lab, Default::default(), true, 1_732_000_000_001).await.unwrap();
    assert_tallies_are_a_fresh_count(lab, 1).await;

    let new_visit = |id: Uuid, ms: u64, band: AgeBand| {
        let change = Change {
            change_id: Uuid::now_v7(),
            kind: RecordKind::Visit,
            id,
            lab_id: lab,
            hlc: Hlc { ms, counter: 0, node: 42 },
            fields: visit_fields(place, "2026-11-24", band),
            deleted: false,
            restore: false,
        };
        labblogg_shared::apply_change(None, &change).unwrap().unwrap()
    };
    // The server's state of a visit can differ from this device's: the pulled one replaces it.
    let with_band = |state: &RecordState, band: &str, ms: u64| {
        let mut state = state.clone();
        state.fields.insert("age_band".into(), band.into());
        state.clocks.insert("age_band".into(), Hlc { ms, counter: 0, node: 42 });
        state
    };
    let c_id = Uuid::now_v7();
    let c_first = new_visit(c_id, 1_732_000_000_100, AgeBand::Age13To15);
    let pulled = vec![
        with_band(&local_a, "26-64", 1_732_000_000_300),
        // `b` as the server knows it, still live: the pending undo stays on top of it.
        local_b,
        c_first.clone(),
        new_visit(Uuid::now_v7(), 1_732_000_000_400, AgeBand::Age6To12),
        // The same visit twice in one round: the later state wins.
        with_band(&c_first, "20-25", 1_732_000_000_500),
    ];
    let round = |records: Vec<RecordState>, cursor: u64| store::SyncOutcome {
        accepted: vec![],
        rejected: vec![],
        records: records
            .into_iter()
            .enumerate()
            .map(|(i, state)| ServerRecord { seq: cursor + i as u64, state })
            .collect(),
        cursor,
        server_time_ms: 1_732_000_001_000,
        clock_offset_ms: 0,
    };
    store::apply_sync(round(pulled.clone(), 10), 1_732_000_000_500).await.unwrap();
    assert_eq!(store::record(a.id).await.unwrap().unwrap().fields["age_band"], "26-64");
    assert!(store::record(b.id).await.unwrap().unwrap().deleted.is_some());
    assert_eq!(store::record(c_id).await.unwrap().unwrap().fields["age_band"], "20-25");
    assert_tallies_are_a_fresh_count(lab, 3).await;
    // The same records pulled again (a cursor that did not move) count once.
    store::apply_sync(round(pulled, 20), 1_732_000_000_600).await.unwrap();
    assert_tallies_are_a_fresh_count(lab, 3).await;
    store::delete_database(&name).await.unwrap();
}

#[wasm_bindgen_test]
async fn visit_tallies_follow_imported_changes() {
    let name = format!("labblogg-tallies-import-{}", Uuid::new_v4());
    store::use_database(&name).await.unwrap();
    let (lab, place) = (Uuid::new_v4(), Uuid::new_v4());
    let local = store::write(
        RecordKind::Visit,
        Uuid::now_v7(),
        lab,
        visit_fields(place, "2026-11-23", AgeBand::Age6To12),
        false,
        1_732_000_000_000,
    )
    .await
    .unwrap();
    // Another device's exported outbox: three new visits, one of them sent twice and one undone,
    // and this device's visit undone.
    let (new_a, new_b, new_c) = (
        visit_change(lab, place, 1_732_000_000_010),
        visit_change(lab, place, 1_732_000_000_011),
        visit_change(lab, place, 1_732_000_000_012),
    );
    let again =
        Change { change_id: Uuid::now_v7(), hlc: Hlc { ms: 1_732_000_000_013, counter: 0, node: 7 }, ..new_a.clone() };
    let undo = |id: Uuid, ms: u64| Change {
        change_id: Uuid::now_v7(),
        id,
        hlc: Hlc { ms, counter: 0, node: 7 },
        fields: Default::default(),
        deleted: true,
        ..new_a.clone()
    };
    let (undo_b, undo_local) = (undo(new_b.id, 1_732_000_000_014), undo(local.id, 1_732_000_000_015));
    let changes = vec![new_a, new_b, again, new_c, undo_b, undo_local];
    assert_eq!(store::import_changes(changes.clone()).await.unwrap(), 6);
    assert!(store::record(local.id).await.unwrap().unwrap().deleted.is_some());
    assert_tallies_are_a_fresh_count(lab, 2).await;
    // Importing the same file again adds nothing.
    assert_eq!(store::import_changes(changes).await.unwrap(), 0);
    assert_tallies_are_a_fresh_count(lab, 2).await;
    store::delete_database(&name).await.unwrap();
}

#[wasm_bindgen_test]
async fn a_version_2_database_is_upgraded_with_its_visits_counted_into_tallies() {
    let name = format!("labblogg-upgrade-v2-{}", Uuid::new_v4());
    let (lab, other_lab, place) = (Uuid::new_v4(), Uuid::new_v4(), Uuid::new_v4());
    let bands = [AgeBand::Age6To12, AgeBand::Age13To15, AgeBand::Age16To19];
    // More visits than one read of the upgrade's count, over days, hours, bands and first visits.
    let visits = 20_500;
    let mut states: Vec<RecordState> = (0..visits)
        .map(|i| {
            let day = 1 + i % 28;
            let mut change =
                visit_change(if i % 5 == 0 { other_lab } else { lab }, place, 1_732_000_000_000 + i as u64);
            change.fields = visit_at(
                place,
                &format!("2026-02-{day:02}"),
                bands[i % 3],
                1_769_990_400_000 + (i % 50) as u64 * 3_600_000,
                i % 7 == 0,
            );
            labblogg_shared::apply_change(None, &change).unwrap().unwrap()
        })
        .collect();
    // A deleted visit (a tombstone row, `live: 0`) and a record of another kind.
    let mut tombstone = visit_change(lab, place, 1_732_000_100_000);
    tombstone.id = states[1].id;
    tombstone.deleted = true;
    tombstone.fields = Default::default();
    let deleted = labblogg_shared::apply_change(Some(&states[1]), &tombstone).unwrap().unwrap();
    states[1] = deleted;
    let lab_record = Change {
        change_id: Uuid::now_v7(),
        kind: RecordKind::Lab,
        id: lab,
        lab_id: lab,
        hlc: Hlc { ms: 1_732_000_000_000, counter: 0, node: 7 },
        fields: object(
            serde_json::json!({"name": "Labbet", "city": "Malmö", "organisation": "MKB", "focus_areas": [], "question": "", "description": ""}),
        ),
        deleted: false,
        restore: false,
    };
    states.push(labblogg_shared::apply_change(None, &lab_record).unwrap().unwrap());
    let pending = visit_change(lab, place, 1_732_000_000_001);
    let device = Uuid::new_v4();
    make_old_database(
        &name,
        2,
        &states,
        &[(pending.clone(), None)],
        &[("device_id", serde_json::to_string(&device).unwrap()), ("cursor", "7".into())],
    )
    .await;

    store::use_database(&name).await.unwrap();
    let of_other_lab = visits.div_ceil(5) as u64;
    assert_tallies_are_a_fresh_count(lab, visits as u64 - of_other_lab - 1).await;
    assert_tallies_are_a_fresh_count(other_lab, of_other_lab).await;
    // The rest of the data is as it was.
    assert_eq!(store::cursor().await.unwrap(), 7);
    assert_eq!(store::device_id().await.unwrap(), device);
    assert_eq!(
        store::next_batch(10).await.unwrap().iter().map(|p| p.change.change_id).collect::<Vec<_>>(),
        vec![pending.change_id]
    );
    let (records, _) = store::summary_input(&[lab]).await.unwrap();
    assert_eq!(records.iter().map(|s| s.id).collect::<Vec<_>>(), vec![lab]);
    // Writes after the upgrade keep the tallies; reopening does not count again.
    store::write(
        RecordKind::Visit,
        Uuid::now_v7(),
        lab,
        visit_fields(place, "2026-02-03", AgeBand::Age6To12),
        false,
        1_732_000_000_000,
    )
    .await
    .unwrap();
    store::write(RecordKind::Visit, states[0].id, other_lab, Default::default(), true, 1_732_000_000_000)
        .await
        .unwrap();
    store::use_database(&name).await.unwrap();
    assert_tallies_are_a_fresh_count(lab, visits as u64 - of_other_lab).await;
    assert_tallies_are_a_fresh_count(other_lab, of_other_lab - 1).await;
    store::delete_database(&name).await.unwrap();
}

#[wasm_bindgen_test]
async fn a_version_4_database_is_upgraded_with_its_tallies_counted_again_with_key_sums() {
    use indexed_db_futures::prelude::*;
    use indexed_db_futures::transaction::TransactionMode;
    let name = format!("labblogg-upgrade-v4-{}", Uuid::new_v4());
    let (lab, place) = (Uuid::new_v4(), Uuid::new_v4());
    let states: Vec<RecordState> = (0..40)
        .map(|i| {
            let mut change = visit_change(lab, place, 1_732_000_000_000 + i);
            change.fields = visit_fields(place, &format!("2026-03-{:02}", 1 + i % 20), AgeBand::Age13To15);
            labblogg_shared::apply_change(None, &change).unwrap().unwrap()
        })
        .collect();
    make_old_database(&name, 4, &states, &[], &[]).await;
    // v4's tallies: counts without key sums (and one stale row), as a v4 app kept them.
    let db = indexed_db_futures::database::Database::open(&name).await.unwrap();
    let tx = db.transaction(["visit_tallies"]).with_mode(TransactionMode::Readwrite).build().unwrap();
    let tallies = tx.object_store("visit_tallies").unwrap();
    let row = serde_json::json!({"lab": lab.to_string(), "place": place.to_string(), "day": 20_514, "hour": 18, "band": "13-15", "first": 0, "n": 2});
    // A plain object, as the app's rows are (serde_wasm_bindgen would make a Map, which has no key path).
    tallies.put(js_sys::JSON::parse(&row.to_string()).unwrap()).primitive().unwrap().await.unwrap();
    tx.commit().await.unwrap();
    db.close();

    store::use_database(&name).await.unwrap();
    assert_tallies_are_a_fresh_count(lab, 40).await;
    let (_, stored) = store::summary_input(&[lab]).await.unwrap();
    assert!(
        stored.iter().all(|t| t.keys != labblogg_shared::disclosure::CellKey::default()),
        "every tally has its key sum"
    );
    store::delete_database(&name).await.unwrap();
}

#[wasm_bindgen_test]
async fn a_version_5_database_is_upgraded_with_the_visits_gender_in_its_tallies() {
    use indexed_db_futures::prelude::*;
    use indexed_db_futures::transaction::TransactionMode;
    let name = format!("labblogg-upgrade-v5-{}", Uuid::new_v4());
    let (lab, place) = (Uuid::new_v4(), Uuid::new_v4());
    let states: Vec<RecordState> = (0..30)
        .map(|i| {
            let mut change = visit_change(lab, place, 1_732_000_000_000 + i);
            change.fields = visit_fields(place, &format!("2026-03-{:02}", 1 + i % 20), AgeBand::Age13To15);
            if i % 3 == 0 {
                change.fields.insert("gender".into(), "girl".into());
            }
            labblogg_shared::apply_change(None, &change).unwrap().unwrap()
        })
        .collect();
    make_old_database(&name, 5, &states, &[], &[]).await;
    // v5's tallies: keyed without gender, as a v5 app kept them (one row stands for them all here).
    let db = indexed_db_futures::database::Database::open(&name).await.unwrap();
    let tx = db.transaction(["visit_tallies"]).with_mode(TransactionMode::Readwrite).build().unwrap();
    let row = serde_json::json!({"lab": lab.to_string(), "place": place.to_string(), "day": 20_514, "hour": 18,
        "band": "13-15", "first": 0, "n": 30, "keys": 7});
    tx.object_store("visit_tallies")
        .unwrap()
        .put(js_sys::JSON::parse(&row.to_string()).unwrap())
        .primitive()
        .unwrap()
        .await
        .unwrap();
    tx.commit().await.unwrap();
    db.close();

    store::use_database(&name).await.unwrap();
    assert_tallies_are_a_fresh_count(lab, 30).await;
    let (_, stored) = store::summary_input(&[lab]).await.unwrap();
    let girls: u64 = stored.iter().filter(|t| t.key.gender == Some(labblogg_shared::Gender::Girl)).map(|t| t.n).sum();
    assert_eq!(girls, 10, "the girls' visits have tallies of their own");
    // A tap after the upgrade counts into the new keys.
    let mut tap = visit_change(lab, place, 1_732_100_000_000);
    tap.fields = visit_fields(place, "2026-03-02", AgeBand::Age13To15);
    tap.fields.insert("gender".into(), "girl".into());
    store::write(tap.kind, tap.id, tap.lab_id, tap.fields.clone(), false, 1_732_100_000_000).await.unwrap();
    assert_tallies_are_a_fresh_count(lab, 31).await;
    store::delete_database(&name).await.unwrap();
}

#[wasm_bindgen_test]
async fn summary_input_reads_the_labs_live_records_and_visit_tallies_and_nothing_else() {
    let name = format!("labblogg-summary-input-{}", Uuid::new_v4());
    store::use_database(&name).await.unwrap();
    let (a, b, place) = (Uuid::new_v4(), Uuid::new_v4(), Uuid::new_v4());
    let at = 1_732_000_000_000;
    let lab_fields = |name: &str| {
        object(
            serde_json::json!({"name": name, "city": "Malmö", "organisation": "MKB", "focus_areas": [], "question": "", "description": ""}),
        )
    };
    store::write(RecordKind::Lab, a, a, lab_fields("A"), false, at).await.unwrap();
    store::write(RecordKind::Lab, b, b, lab_fields("B"), false, at).await.unwrap();
    store::write(
        RecordKind::MeetingPlace,
        place,
        a,
        object(serde_json::json!({"name": "Gården", "opening_hours": [], "target_group": "", "age_bands": ["6-12"]})),
        false,
        at,
    )
    .await
    .unwrap();
    let partner = Uuid::now_v7();
    store::write(
        RecordKind::Partner,
        partner,
        a,
        object(serde_json::json!({"name": "Skolan", "kind": "school"})),
        false,
        at,
    )
    .await
    .unwrap();
    store::write(RecordKind::Partner, partner, a, Default::default(), true, at).await.unwrap();
    let example = Uuid::now_v7();
    store::write(RecordKind::GoodExample, example, a, object(serde_json::json!({"title": "Läxhjälp"})), false, at)
        .await
        .unwrap();
    let edits = |lab: Uuid, n: usize| {
        (0..n)
            .map(|_| store::Edit {
                kind: RecordKind::Visit,
                id: Uuid::now_v7(),
                lab_id: lab,
                fields: visit_fields(place, "2026-11-23", AgeBand::Age6To12),
                deleted: false,
                restore: false,
            })
            .collect::<Vec<_>>()
    };
    store::write_many(edits(a, 300), at).await.unwrap();
    store::write_many(edits(b, 20), at).await.unwrap();

    let (records, tallies) = store::summary_input(&[a]).await.unwrap();
    let mut ids: Vec<Uuid> = records.iter().map(|s| s.id).collect();
    ids.sort();
    let mut want = vec![a, place];
    want.sort();
    assert_eq!(ids, want, "the lab and its place; not the deleted partner, the knowledge base, visits or lab b");
    assert_eq!(tallies.iter().map(|t| (t.key.lab_id, t.n)).collect::<Vec<_>>(), vec![(a, 300)]);
    let (records, tallies) = store::summary_input(&[a, b]).await.unwrap();
    assert_eq!(records.len(), 3);
    assert_eq!(tallies.iter().map(|t| t.n).sum::<u64>(), 320);
    // The summaries see what they saw when they read every record of the labs.
    let mut every = Vec::new();
    for kind in
        [RecordKind::Lab, RecordKind::MeetingPlace, RecordKind::Partner, RecordKind::GoodExample, RecordKind::Visit]
    {
        every.extend(store::all_of_kind(kind).await.unwrap());
    }
    let mut before = Dataset::from_states(&every);
    let mut now = Dataset::from_states_and_tallies(records.iter(), tallies);
    assert_eq!((now.labs.len(), now.places.len()), (2, 1));
    assert_eq!((&now.labs, &now.places, &now.partners), (&before.labs, &before.places, &before.partners));
    before.visits.sort_by_key(|t| t.key);
    now.visits.sort_by_key(|t| t.key);
    assert_eq!(now.visits, before.visits);
    store::delete_database(&name).await.unwrap();
}

// The shared write step (`store::write::Step`: merge, put, tally, queue), once per write path.
// Each test checks the step's three outputs together: the record as the merge makes it, the
// visit tallies equal to a fresh count, and the outbox (queued for a local change, untouched by
// a pull); and that a change that does not fit its record saves nothing of its transaction.

/// How many outbox entries there are for record `id`.
async fn queued_for(id: Uuid) -> usize {
    store::outbox().await.unwrap().iter().filter(|p| p.change.id == id).count()
}

#[wasm_bindgen_test]
async fn the_shared_step_through_write_merges_puts_tallies_and_queues() {
    let name = format!("labblogg-step-write-{}", Uuid::new_v4());
    store::use_database(&name).await.unwrap();
    let (lab, place) = (Uuid::new_v4(), Uuid::new_v4());
    let id = Uuid::now_v7();
    store::write(
        RecordKind::Visit,
        id,
        lab,
        visit_fields(place, "2026-11-23", AgeBand::Age6To12),
        false,
        1_732_000_000_000,
    )
    .await
    .unwrap();
    assert_eq!(store::record(id).await.unwrap().unwrap().fields["age_band"], "6-12");
    assert_eq!(queued_for(id).await, 1);
    assert_tallies_are_a_fresh_count(lab, 1).await;
    // A visit cannot be edited, only undone: the step refuses the edit and saves nothing.
    let edit = object(serde_json::json!({ "age_band": "13-15" }));
    let refused = store::write(RecordKind::Visit, id, lab, edit, false, 1_732_000_000_001).await;
    assert!(matches!(refused, Err(store::StoreError::Merge(_))), "{refused:?}");
    assert_eq!(store::record(id).await.unwrap().unwrap().fields["age_band"], "6-12");
    assert_eq!(queued_for(id).await, 1);
    assert_tallies_are_a_fresh_count(lab, 1).await;
    // The undo goes through the same step: deleted, queued, no longer counted.
    store::write(RecordKind::Visit, id, lab, Default::default(), true, 1_732_000_000_002).await.unwrap();
    assert!(store::record(id).await.unwrap().unwrap().deleted.is_some());
    assert_eq!(queued_for(id).await, 2);
    assert_tallies_are_a_fresh_count(lab, 0).await;
    store::delete_database(&name).await.unwrap();
}

#[wasm_bindgen_test]
async fn the_shared_step_through_write_many_merges_edits_of_one_record_in_order() {
    let name = format!("labblogg-step-many-{}", Uuid::new_v4());
    store::use_database(&name).await.unwrap();
    let (lab, place) = (Uuid::new_v4(), Uuid::new_v4());
    let (a, b) = (Uuid::now_v7(), Uuid::now_v7());
    let visit = |id: Uuid, band: AgeBand, deleted: bool| store::Edit {
        kind: RecordKind::Visit,
        id,
        lab_id: lab,
        fields: if deleted { Default::default() } else { visit_fields(place, "2026-11-23", band) },
        deleted,
        restore: false,
    };
    // `a` made and undone in one batch (the undo merges onto the new visit, not onto nothing),
    // `b` made: one visit counted, three changes queued.
    let edits = vec![
        visit(a, AgeBand::Age6To12, false),
        visit(b, AgeBand::Age13To15, false),
        visit(a, AgeBand::Age6To12, true),
    ];
    let changes = store::write_many(edits, 1_732_000_000_000).await.unwrap();
    assert_eq!(changes.len(), 3);
    assert!(store::record(a).await.unwrap().unwrap().deleted.is_some());
    assert_eq!(store::record(b).await.unwrap().unwrap().fields["age_band"], "13-15");
    assert_eq!((queued_for(a).await, queued_for(b).await), (2, 1));
    assert_tallies_are_a_fresh_count(lab, 1).await;
    // One edit that does not fit (an edit of a visit) and the whole batch is refused.
    let c = Uuid::now_v7();
    let bad = store::Edit {
        fields: object(serde_json::json!({ "age_band": "20-25" })),
        ..visit(b, AgeBand::Age6To12, false)
    };
    let refused = store::write_many(vec![visit(c, AgeBand::Age6To12, false), bad], 1_732_000_000_100).await;
    assert!(matches!(refused, Err(store::StoreError::Merge(_))), "{refused:?}");
    assert!(store::record(c).await.unwrap().is_none(), "nothing of a refused batch is saved");
    assert_eq!(queued_for(c).await, 0);
    assert_tallies_are_a_fresh_count(lab, 1).await;
    store::delete_database(&name).await.unwrap();
}

#[wasm_bindgen_test]
async fn the_shared_step_through_import_changes_merges_queues_and_refuses_all_or_nothing() {
    let name = format!("labblogg-step-import-{}", Uuid::new_v4());
    store::use_database(&name).await.unwrap();
    let (lab, place) = (Uuid::new_v4(), Uuid::new_v4());
    let new = visit_change(lab, place, 1_732_000_000_010);
    // The visit and its undo in one file: the undo merges onto the visit made just before it.
    let undo = Change {
        change_id: Uuid::now_v7(),
        hlc: Hlc { ms: 1_732_000_000_011, counter: 0, node: 7 },
        fields: Default::default(),
        deleted: true,
        ..new.clone()
    };
    let kept = visit_change(lab, place, 1_732_000_000_012);
    assert_eq!(store::import_changes(vec![new.clone(), undo, kept.clone()]).await.unwrap(), 3);
    assert!(store::record(new.id).await.unwrap().unwrap().deleted.is_some());
    assert_eq!((queued_for(new.id).await, queued_for(kept.id).await), (2, 1));
    assert_tallies_are_a_fresh_count(lab, 1).await;
    // A change of another lab's record does not fit: nothing of that file is taken.
    let other = visit_change(lab, place, 1_732_000_000_020);
    let moved = Change { change_id: Uuid::now_v7(), lab_id: Uuid::new_v4(), ..kept.clone() };
    let refused = store::import_changes(vec![other.clone(), moved]).await;
    assert!(matches!(refused, Err(store::StoreError::Merge(_))), "{refused:?}");
    assert!(store::record(other.id).await.unwrap().is_none());
    assert_eq!(queued_for(other.id).await, 0);
    assert_tallies_are_a_fresh_count(lab, 1).await;
    store::delete_database(&name).await.unwrap();
}

#[wasm_bindgen_test]
async fn the_shared_step_through_apply_sync_puts_and_tallies_without_queueing() {
    let name = format!("labblogg-step-sync-{}", Uuid::new_v4());
    store::use_database(&name).await.unwrap();
    let (lab, place) = (Uuid::new_v4(), Uuid::new_v4());
    let pulled = labblogg_shared::apply_change(None, &visit_change(lab, place, 1_732_000_000_010)).unwrap().unwrap();
    let round = |records: Vec<RecordState>, cursor: u64| store::SyncOutcome {
        accepted: vec![],
        rejected: vec![],
        records: records.into_iter().map(|state| ServerRecord { seq: cursor, state }).collect(),
        cursor,
        server_time_ms: 1_732_000_001_000,
        clock_offset_ms: 0,
    };
    store::apply_sync(round(vec![pulled.clone()], 1), 1_732_000_000_500).await.unwrap();
    assert_eq!(store::record(pulled.id).await.unwrap(), Some(pulled.clone()));
    assert_eq!(store::outbox_len().await.unwrap(), 0, "a pulled record is not queued");
    assert_tallies_are_a_fresh_count(lab, 1).await;
    // This device undoes it; the same record pulled again keeps the pending undo on top.
    store::write(RecordKind::Visit, pulled.id, lab, Default::default(), true, 1_732_000_000_600).await.unwrap();
    store::apply_sync(round(vec![pulled.clone()], 2), 1_732_000_000_700).await.unwrap();
    assert!(store::record(pulled.id).await.unwrap().unwrap().deleted.is_some());
    assert_eq!(store::outbox_len().await.unwrap(), 1);
    assert_tallies_are_a_fresh_count(lab, 0).await;
    assert_eq!(store::cursor().await.unwrap(), 2);
    store::delete_database(&name).await.unwrap();
}
