//! Taking in what came from elsewhere: a sync round's outcome ([`apply_sync`]) and changes
//! exported from another device ([`import_changes`]), both through the shared write
//! [`Step`]; and the refused changes staff try again or discard.

use super::open::{device_id_in, open};
use super::rows::{OutboxRow, RecordRow};
use super::write::Step;
use super::{decode_rows, Result, CLOCK_OFFSET, META, OUTBOX, RECORDS, TALLIES};
use indexed_db_futures::database::Database;
use indexed_db_futures::object_store::ObjectStore;
use indexed_db_futures::prelude::*;
use indexed_db_futures::transaction::TransactionMode;
use labblogg_shared::hlc::node_of;
use labblogg_shared::merge::apply_change;
use labblogg_shared::skew;
use labblogg_shared::sync::{Change, RejectCode, Rejection, ServerRecord};
use labblogg_shared::{Hlc, RecordKind};
use std::collections::HashMap;
use uuid::Uuid;
use wasm_bindgen::JsValue;

/// What one sync round brought back, to be saved in one transaction.
pub struct SyncOutcome {
    /// Outbox entries the server accepted: removed.
    pub accepted: Vec<u64>,
    /// Outbox entries the server refused: kept, with the reason.
    pub rejected: Vec<(u64, Rejection)>,
    pub records: Vec<ServerRecord>,
    pub cursor: u64,
    pub server_time_ms: u64,
    /// What to add to this device's wall clock from now on (`labblogg_shared::skew::offset_ms`).
    pub clock_offset_ms: i64,
}

/// Apply a sync round: drop accepted changes, mark refused ones, take the
/// server's records with this device's still-pending edits merged on top,
/// move the cursor and the clock. One transaction.
///
/// When the device's clock runs beyond what the server accepts, the clock is
/// brought back and every pending change the server would refuse as ahead —
/// refused already or not sent yet — is stamped again and waits to be sent
/// (`labblogg_shared::skew::repair`). When a pulled month approval is no
/// longer in force (the month was re-opened), every change refused as
/// `locked` waits to be sent again. Returns how many were stamped or queued
/// again: the engine sends them in the same sync.
pub async fn apply_sync(outcome: SyncOutcome, now_ms: u64) -> Result<usize> {
    apply_sync_in(&open().await?, outcome, now_ms).await
}

/// [`apply_sync`] into database `db` (a sync keeps to the database it began on).
pub async fn apply_sync_in(db: &Database, outcome: SyncOutcome, now_ms: u64) -> Result<usize> {
    let device = device_id_in(db).await?;
    let tx = db.transaction([RECORDS, OUTBOX, META, TALLIES]).with_mode(TransactionMode::Readwrite).build()?;
    let (records, outbox, meta, tallies) =
        (tx.object_store(RECORDS)?, tx.object_store(OUTBOX)?, tx.object_store(META)?, tx.object_store(TALLIES)?);

    // Every request below is issued without waiting for the one before: the
    // transaction orders them, and a failed one aborts it (the commit says so).
    let clock_read = meta.get("hlc").primitive()?;
    // How much there is to look at decides how to look: a device pulling for
    // the first time has no local rows where the pulled ones go and an empty
    // outbox, and one request each says so instead of two per pulled record.
    let ids: Vec<String> = outcome.records.iter().map(|r| r.state.id.to_string()).collect();
    let (local_rows, queued) = match (ids.iter().min(), ids.iter().max()) {
        (Some(lo), Some(hi)) => {
            use indexed_db_futures::KeyRange;
            let range = KeyRange::Bound(JsValue::from(lo.as_str()), false, JsValue::from(hi.as_str()), false);
            let local = records.count().with_query::<JsValue, _>(range).primitive()?;
            let queued = outbox.count().primitive()?;
            (local.await?, queued.await?)
        }
        _ => (0, 0),
    };
    // A pulled record replaces the local row: a visit's tallies move from what
    // that row counted to what the new one counts, and a row that is already
    // what was pulled (this device's own changes coming back) is not written again.
    let replaced_reads = ids
        .iter()
        .map(|id| (local_rows > 0).then(|| records.get::<RecordRow, _, _>(id.as_str()).serde()).transpose())
        .collect::<std::result::Result<Vec<_>, _>>()?;
    for seq in &outcome.accepted {
        drop(outbox.delete(*seq as f64).primitive()?);
    }
    let refused_reads = outcome
        .rejected
        .iter()
        .map(|(seq, _)| outbox.get::<OutboxRow, _, _>(*seq as f64).serde())
        .collect::<std::result::Result<Vec<_>, _>>()?;
    // Pulled records get this device's pending edits on top: a short outbox
    // is read whole, a long one only for the pulled records (`record_id` index).
    let pending_reads = if queued == 0 {
        Vec::new()
    } else if (queued as usize) <= ids.len() {
        vec![outbox.get_all().primitive()?]
    } else {
        let by_record = outbox.index("record_id")?;
        ids.iter()
            .map(|id| by_record.get_all().with_query::<JsValue, _>(JsValue::from(id.as_str())).primitive())
            .collect::<std::result::Result<Vec<_>, _>>()?
    };

    for ((_, reason), read) in outcome.rejected.iter().zip(refused_reads) {
        if let Some(mut row) = read.await? {
            row.rejected = Some(serde_json::to_string(reason)?);
            row.waiting = None;
            drop(outbox.put(row).serde()?);
        }
    }
    let accepted: std::collections::HashSet<u64> = outcome.accepted.iter().copied().collect();
    let mut pending_by_record: HashMap<String, Vec<Change>> = HashMap::new();
    for read in pending_reads {
        for row in decode_rows::<OutboxRow>(read.await?)? {
            // The read was queued after the deletes, but say it plainly.
            if row.seq.is_some_and(|s| accepted.contains(&s)) {
                continue;
            }
            let change: Change = serde_json::from_str(&row.body)?;
            // One index key's rows come in primary-key order: outbox order.
            let changes = pending_by_record.entry(row.record_id).or_default();
            // A record pulled twice in one round reads its pending changes twice.
            if !changes.iter().any(|c| c.change_id == change.change_id) {
                changes.push(change);
            }
        }
    }

    let raw_clock: Option<String> = clock_read.await?;
    let mut clock =
        raw_clock.map(|s| serde_json::from_str::<Hlc>(&s)).transpose()?.unwrap_or_else(|| Hlc::new(node_of(device)));
    let mut step = Step::new(&records, &outbox, &tallies);
    for (rec, replaced_read) in outcome.records.into_iter().zip(replaced_reads) {
        let mut state = rec.state;
        clock.observe(state.max_clock(), now_ms);
        for change in pending_by_record.get(&state.id.to_string()).into_iter().flatten() {
            // A pending edit the server would refuse stays in the outbox as is.
            if let Ok(Some(next)) = apply_change(Some(&state), change) {
                state = next;
            }
        }
        // A record pulled twice in one round replaces what the first one wrote.
        let replaced = match (step.take_written(state.id), replaced_read) {
            (Some(earlier), _) => Some(earlier),
            // A row this version cannot read was never counted (see `count_stored_visits`).
            (None, Some(read)) => read.await?.and_then(|row| row.state().ok()),
            (None, None) => None,
        };
        step.put(replaced.as_ref(), state)?;
    }
    let written = step.finish(Vec::new()).await?;
    clock.observe(Hlc { ms: outcome.server_time_ms, counter: 0, node: 0 }, now_ms);
    let restamped = if skew::needs_repair(&clock, outcome.server_time_ms) {
        repair_clock(&outbox, &records, &mut clock, outcome.server_time_ms).await?
    } else {
        0
    };
    // A month was re-opened: changes refused because it was approved wait to be sent again
    // (if another month still holds them, the server says so again).
    let reopened =
        written.values().any(|s| s.kind == RecordKind::MonthApproval && !labblogg_shared::approval::is_in_force(s));
    let requeued = if reopened { requeue(&outbox, |why| why.code == RejectCode::Locked, None).await? } else { 0 };
    drop(meta.put(serde_json::to_string(&clock)?).with_key("hlc").primitive()?);
    drop(meta.put(serde_json::to_string(&outcome.cursor)?).with_key("cursor").primitive()?);
    drop(meta.put(serde_json::to_string(&outcome.clock_offset_ms)?).with_key(CLOCK_OFFSET).primitive()?);
    tx.commit().await?;
    crate::clock::set_offset_ms(outcome.clock_offset_ms);
    Ok(restamped + requeued)
}

/// Part of a transaction: the refused outbox changes (all, or the one `only`)
/// whose refusal `again` accepts wait to be sent again. Returns how many.
async fn requeue(outbox: &ObjectStore<'_>, again: impl Fn(&Rejection) -> bool, only: Option<u64>) -> Result<usize> {
    let rows: Vec<OutboxRow> = match only {
        Some(seq) => outbox.get::<OutboxRow, _, _>(seq as f64).serde()?.await?.into_iter().collect(),
        None => decode_rows(outbox.get_all().primitive()?.await?)?,
    };
    let mut n = 0;
    for mut row in rows {
        let refused = row.rejected.as_deref().and_then(|raw| serde_json::from_str::<Rejection>(raw).ok());
        if refused.as_ref().is_some_and(&again) {
            row.rejected = None;
            row.waiting = Some(1);
            drop(outbox.put(row).serde()?);
            n += 1;
        }
    }
    Ok(n)
}

/// Send a refused change again (staff chose "try again": the month was
/// re-opened, or what was wrong has been put right elsewhere).
pub async fn retry(seq: u64) -> Result<bool> {
    let db = open().await?;
    let tx = db.transaction(OUTBOX).with_mode(TransactionMode::Readwrite).build()?;
    let n = requeue(&tx.object_store(OUTBOX)?, |_| true, Some(seq)).await?;
    tx.commit().await?;
    Ok(n > 0)
}

/// Part of [`apply_sync`]'s transaction: stamp again, in outbox order, every pending change
/// stamped beyond the server's limit, clear a `clock_ahead` refusal so it is sent again, and
/// move the stamps of the local records those changes touched.
async fn repair_clock(
    outbox: &ObjectStore<'_>,
    records: &ObjectStore<'_>,
    clock: &mut Hlc,
    server_time_ms: u64,
) -> Result<usize> {
    let mut rows: Vec<OutboxRow> = decode_rows(outbox.get_all().primitive()?.await?)?;
    rows.sort_by_key(|r| r.seq);
    let mut changes =
        rows.iter().map(|r| serde_json::from_str::<Change>(&r.body)).collect::<std::result::Result<Vec<_>, _>>()?;
    let done = skew::repair(clock, server_time_ms, &mut changes);
    for r in &done {
        let (row, change) = (&mut rows[r.index], &changes[r.index]);
        // A refusal for another reason stays: only the clock was the matter here.
        let clock_refusal = row.rejected.as_deref().is_some_and(|raw| {
            serde_json::from_str::<Rejection>(raw).is_ok_and(|why| why.code == RejectCode::ClockAhead)
        });
        if row.rejected.is_none() || clock_refusal {
            row.rejected = None;
            row.waiting = Some(1);
        }
        row.body = serde_json::to_string(change)?;
        drop(outbox.put(row.clone()).serde()?);
        if let Some(raw) = records.get::<RecordRow, _, _>(change.id.to_string()).serde()?.await? {
            let mut state = raw.state()?;
            // Only stamps move: the record's fields, so its visit tally, stay.
            skew::restamp_record(&mut state, r.old, r.new);
            drop(records.put(RecordRow::of(&state)?).serde()?);
        }
    }
    Ok(done.len())
}

/// Forget a refused change for good (staff chose to discard it).
pub async fn discard(seq: u64) -> Result<()> {
    let db = open().await?;
    let tx = db.transaction(OUTBOX).with_mode(TransactionMode::Readwrite).build()?;
    tx.object_store(OUTBOX)?.delete(seq as f64).primitive()?.await?;
    tx.commit().await?;
    Ok(())
}

/// Take changes exported from another device's outbox: merge each into its
/// record and queue it for the server, unless this outbox already holds it.
/// Returns how many were new. One transaction: all or nothing.
pub async fn import_changes(changes: Vec<Change>) -> Result<usize> {
    let db = open().await?;
    let tx = db.transaction([RECORDS, OUTBOX, TALLIES]).with_mode(TransactionMode::Readwrite).build()?;
    let (records, outbox, tallies) = (tx.object_store(RECORDS)?, tx.object_store(OUTBOX)?, tx.object_store(TALLIES)?);
    let existing: Vec<OutboxRow> = decode_rows(outbox.get_all().primitive()?.await?)?;
    let mut known: std::collections::HashSet<Uuid> =
        existing.iter().filter_map(|r| serde_json::from_str::<Change>(&r.body).ok()).map(|c| c.change_id).collect();
    let new: Vec<Change> = changes.into_iter().filter(|c| known.insert(c.change_id)).collect();
    // All reads first, in flight together; then every write, in the order given.
    let reads = new
        .iter()
        .map(|c| records.get::<RecordRow, _, _>(c.id.to_string()).serde())
        .collect::<std::result::Result<Vec<_>, _>>()?;
    let mut step = Step::new(&records, &outbox, &tallies);
    for (change, read) in new.iter().zip(reads) {
        let before = step.before(change.id, read.await?)?;
        step.local(before, change)?;
    }
    step.finish(Vec::new()).await?;
    tx.commit().await?;
    Ok(new.len())
}
