//! The one step every write path takes — merge, put, tally, queue — and the local edits
//! ([`write`], [`write_many`]) that take it.

use super::open::{device_id, open};
use super::rows::{tally_key, OutboxRow, RecordRow, TallyRow};
use super::tallies::{add_to_tallies, new_visit_key, TallyRead};
use super::{meta_get, meta_put, Result, META, OUTBOX, RECORDS, TALLIES};
use indexed_db_futures::object_store::ObjectStore;
use indexed_db_futures::prelude::*;
use indexed_db_futures::transaction::TransactionMode;
use labblogg_shared::hlc::node_of;
use labblogg_shared::merge::apply_change;
use labblogg_shared::summary::{TallyChanges, VisitKey};
use labblogg_shared::sync::Change;
use labblogg_shared::{Hlc, RecordKind, RecordState};
use std::collections::HashMap;
use uuid::Uuid;

/// The "merge, put, tally, queue" step, shared by every path that writes records: a local
/// edit ([`write`]), many at once ([`write_many`]), changes imported from another device
/// ([`import_changes`](super::import_changes)) and a sync round's pulled records
/// ([`apply_sync`](super::apply_sync)). It lives for one readwrite transaction over
/// `records`, `outbox` and `visit_tallies`:
/// - [`Step::local`] merges a change onto its record, puts the result, counts the record's
///   move in the visit tallies and queues the change for the server;
/// - [`Step::put`] puts a record state worked out elsewhere (a pulled record with this
///   device's pending edits on top) and counts its move, without queueing anything;
/// - [`Step::finish`] writes the tallies' new counts, once for the whole transaction.
///
/// Requests are issued without waiting for each other: the transaction orders them, and a
/// failed one aborts it, which the commit reports. All is saved, or nothing.
pub(super) struct Step<'a, 'tx> {
    records: &'a ObjectStore<'tx>,
    outbox: &'a ObjectStore<'tx>,
    tallies: &'a ObjectStore<'tx>,
    tally_changes: TallyChanges,
    /// Each record as this transaction last left it: a second change of one record in the
    /// same transaction merges onto the first (its row is not read back), and its tally
    /// moves from there.
    written: HashMap<Uuid, RecordState>,
}

impl<'a, 'tx> Step<'a, 'tx> {
    pub(super) fn new(
        records: &'a ObjectStore<'tx>,
        outbox: &'a ObjectStore<'tx>,
        tallies: &'a ObjectStore<'tx>,
    ) -> Self {
        Step { records, outbox, tallies, tally_changes: TallyChanges::default(), written: HashMap::new() }
    }

    /// What this transaction has already made of record `id`, if anything (taken: the step
    /// that follows puts it back).
    pub(super) fn take_written(&mut self, id: Uuid) -> Option<RecordState> {
        self.written.remove(&id)
    }

    /// What a change of record `id` merges onto: what this transaction made of it, else the
    /// row as stored.
    pub(super) fn before(&mut self, id: Uuid, stored: Option<RecordRow>) -> Result<Option<RecordState>> {
        match self.take_written(id) {
            Some(state) => Ok(Some(state)),
            None => stored.map(|r| r.state()).transpose(),
        }
    }

    /// Put `after` in place of `before`, and move the visit tallies from what `before`
    /// counted to what `after` counts. Nothing is written when they are equal (a pulled
    /// record that is this device's own change coming back).
    pub(super) fn put(&mut self, before: Option<&RecordState>, after: RecordState) -> Result<()> {
        if before != Some(&after) {
            drop(self.records.put(RecordRow::of(&after)?).serde()?);
            self.tally_changes.record_changed(before, Some(&after));
        }
        self.written.insert(after.id, after);
        Ok(())
    }

    /// A change made on this device (or on another, and imported): merge it onto `before`,
    /// put the result, move the tallies, and queue the change for the server. A change that
    /// does not fit its record is an error, and the transaction saves nothing.
    pub(super) fn local(&mut self, before: Option<RecordState>, change: &Change) -> Result<()> {
        match apply_change(before.as_ref(), change)? {
            Some(after) => self.put(before.as_ref(), after)?,
            None => {
                if let Some(before) = before {
                    self.written.insert(before.id, before);
                }
            }
        }
        drop(self.outbox.put(OutboxRow::new(change)?).serde()?);
        Ok(())
    }

    /// Write the tallies' new counts, using the tally reads already in flight (a tap's own,
    /// issued with its record read), and hand back every record the transaction wrote or
    /// found already as it should be.
    pub(super) async fn finish(self, in_flight: Vec<(VisitKey, TallyRead)>) -> Result<HashMap<Uuid, RecordState>> {
        add_to_tallies(self.tallies, self.tally_changes, in_flight).await?;
        Ok(self.written)
    }
}

/// Save a local edit: stamp it with the device clock, merge it into the
/// record and queue it for the server, all in one transaction ([`Step::local`]).
///
/// The tap's latency is this function, so it waits as little as it can: the
/// reads (clock, record, and for a new visit its tally) are in flight
/// together, and the writes are issued without waiting for each other. A
/// failed write aborts the transaction, which the commit reports: still all
/// or nothing.
pub async fn write(
    kind: RecordKind,
    id: Uuid,
    lab_id: Uuid,
    fields: serde_json::Map<String, serde_json::Value>,
    deleted: bool,
    now_ms: u64,
) -> Result<Change> {
    let device = device_id().await?;
    let db = open().await?;
    let tx = db.transaction([RECORDS, OUTBOX, META, TALLIES]).with_mode(TransactionMode::Readwrite).build()?;
    let (records, outbox, meta, tallies) =
        (tx.object_store(RECORDS)?, tx.object_store(OUTBOX)?, tx.object_store(META)?, tx.object_store(TALLIES)?);

    let clock_read = meta.get("hlc").primitive()?;
    let record_read = records.get::<RecordRow, _, _>(id.to_string()).serde()?;
    // A tap makes a new visit: its tally is read now, not after the record.
    let mut tally_reads = Vec::new();
    if let Some(key) = new_visit_key(kind, lab_id, &fields, deleted) {
        tally_reads
            .push((key, tallies.get::<TallyRow, _, _>(indexed_db_futures::KeyRange::Only(tally_key(&key))).serde()?));
    }
    let raw_clock: Option<String> = clock_read.await?;
    let stored: Option<RecordRow> = record_read.await?;

    let mut clock =
        raw_clock.map(|s| serde_json::from_str::<Hlc>(&s)).transpose()?.unwrap_or_else(|| Hlc::new(node_of(device)));
    let hlc = clock.tick(now_ms);
    let change = Change { change_id: Uuid::now_v7(), kind, id, lab_id, hlc, fields, deleted, restore: false };

    let mut step = Step::new(&records, &outbox, &tallies);
    let before = step.before(id, stored)?;
    step.local(before, &change)?;
    drop(meta.put(serde_json::to_string(&clock)?).with_key("hlc").primitive()?);
    step.finish(tally_reads).await?;
    tx.commit().await?;
    Ok(change)
}

/// One local edit, as [`write`] takes it.
#[derive(Debug, Clone)]
pub struct Edit {
    pub kind: RecordKind,
    pub id: Uuid,
    pub lab_id: Uuid,
    pub fields: serde_json::Map<String, serde_json::Value>,
    pub deleted: bool,
    /// Bring a deleted record back (a coordinator's Papperskorg, docs/SYNC.md).
    pub restore: bool,
}

/// Save many local edits at once (an import, a bulk entry): each is stamped,
/// merged and queued exactly as [`write`] does, all in one transaction, so
/// either every edit is saved or none is. Two edits of one record merge in
/// order, the second onto the first.
pub async fn write_many(edits: Vec<Edit>, now_ms: u64) -> Result<Vec<Change>> {
    let device = device_id().await?;
    let db = open().await?;
    let tx = db.transaction([RECORDS, OUTBOX, META, TALLIES]).with_mode(TransactionMode::Readwrite).build()?;
    let (records, outbox, meta, tallies) =
        (tx.object_store(RECORDS)?, tx.object_store(OUTBOX)?, tx.object_store(META)?, tx.object_store(TALLIES)?);

    let mut clock = meta_get::<Hlc>(&meta, "hlc").await?.unwrap_or_else(|| Hlc::new(node_of(device)));
    let changes: Vec<Change> = edits
        .into_iter()
        .map(|e| Change {
            change_id: Uuid::now_v7(),
            kind: e.kind,
            id: e.id,
            lab_id: e.lab_id,
            hlc: clock.tick(now_ms),
            fields: e.fields,
            deleted: e.deleted,
            restore: e.restore,
        })
        .collect();
    meta_put(&meta, "hlc", &clock).await?;

    // All reads first, in flight together; then every write.
    let reads = changes
        .iter()
        .map(|c| records.get::<RecordRow, _, _>(c.id.to_string()).serde())
        .collect::<std::result::Result<Vec<_>, _>>()?;
    let mut step = Step::new(&records, &outbox, &tallies);
    for (change, read) in changes.iter().zip(reads) {
        let before = step.before(change.id, read.await?)?;
        step.local(before, change)?;
    }
    step.finish(Vec::new()).await?;
    tx.commit().await?;
    Ok(changes)
}
