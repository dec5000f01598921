//! Reads: what screens and the sync engine ask of the local copy. Each is one read-only
//! transaction (the first-sync flag excepted) of index or key range reads.

use super::open::open;
use super::rows::{OutboxRow, Pending, RecordRow, TallyRow};
use super::{decode_rows, js_key, meta_get, meta_put, Result};
use super::{META, OUTBOX, RECORDS, TALLIES};
use indexed_db_futures::database::Database;
use indexed_db_futures::prelude::*;
use indexed_db_futures::transaction::TransactionMode;
use labblogg_shared::summary::VisitTally;
use labblogg_shared::{RecordKind, RecordState};
use uuid::Uuid;
use wasm_bindgen::JsValue;

/// Live visits of `kind` at a meeting place on a date (one index range read).
pub async fn live_at_place_on(kind: RecordKind, place: Uuid, date: &str) -> Result<Vec<RecordState>> {
    let db = open().await?;
    let tx = db.transaction(RECORDS).build()?;
    let records = tx.object_store(RECORDS)?;
    let index = records.index("kind_place_date_live")?;
    let key = js_key(&[kind.as_str().into(), place.to_string().into(), date.into(), 1.into()]);
    let rows = decode_rows::<RecordRow>(index.get_all().with_query::<JsValue, _>(key).primitive()?.await?)?;
    rows.iter().map(RecordRow::state).collect()
}

/// Every record of a kind in a lab, deleted ones too (one `kind_lab` index read).
async fn in_lab(kind: RecordKind, lab: Uuid) -> Result<Vec<RecordState>> {
    let db = open().await?;
    let tx = db.transaction(RECORDS).build()?;
    let records = tx.object_store(RECORDS)?;
    let index = records.index("kind_lab")?;
    let key = js_key(&[kind.as_str().into(), lab.to_string().into()]);
    let rows = decode_rows::<RecordRow>(index.get_all().with_query::<JsValue, _>(key).primitive()?.await?)?;
    rows.iter().map(RecordRow::state).collect()
}

/// Every live record of a kind in a lab.
pub async fn live_in_lab(kind: RecordKind, lab: Uuid) -> Result<Vec<RecordState>> {
    Ok(in_lab(kind, lab).await?.into_iter().filter(|s| s.deleted.is_none()).collect())
}

pub async fn record(id: Uuid) -> Result<Option<RecordState>> {
    let db = open().await?;
    let tx = db.transaction(RECORDS).build()?;
    let row: Option<RecordRow> = tx.object_store(RECORDS)?.get(id.to_string()).serde()?.await?;
    row.map(|r| r.state()).transpose()
}

/// The outbox, oldest first (rejected changes included).
pub async fn outbox() -> Result<Vec<Pending>> {
    let db = open().await?;
    let tx = db.transaction(OUTBOX).build()?;
    let rows: Vec<OutboxRow> =
        tx.object_store(OUTBOX)?.get_all().serde()?.await?.collect::<std::result::Result<_, _>>()?;
    rows.into_iter().map(OutboxRow::pending).collect()
}

pub async fn outbox_len() -> Result<u32> {
    let db = open().await?;
    let tx = db.transaction(OUTBOX).build()?;
    let n = tx.object_store(OUTBOX)?.count().await?;
    Ok(n as u32)
}

/// The oldest `limit` outbox changes the server has not refused: one read
/// of the `waiting` index (ordered by `seq` within its one key).
pub async fn next_batch(limit: usize) -> Result<Vec<Pending>> {
    next_batch_in(&open().await?, limit).await
}

pub async fn next_batch_in(db: &Database, limit: usize) -> Result<Vec<Pending>> {
    let tx = db.transaction(OUTBOX).build()?;
    let outbox = tx.object_store(OUTBOX)?;
    let index = outbox.index("waiting")?;
    let rows: Vec<OutboxRow> = decode_rows(index.get_all().with_limit(limit as u32).primitive()?.await?)?;
    rows.into_iter().map(OutboxRow::pending).collect()
}

/// How many changes wait for the server, and how many it refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OutboxCounts {
    pub pending: u32,
    pub rejected: u32,
}

/// The outbox's counts, from two key counts (no row is read or decoded).
pub async fn outbox_counts() -> Result<OutboxCounts> {
    outbox_counts_in(&open().await?).await
}

pub async fn outbox_counts_in(db: &Database) -> Result<OutboxCounts> {
    let tx = db.transaction(OUTBOX).build()?;
    let outbox = tx.object_store(OUTBOX)?;
    let all = outbox.count().primitive()?;
    let waiting = outbox.index("waiting")?.count().primitive()?;
    let (all, waiting) = (all.await? as u32, waiting.await? as u32);
    Ok(OutboxCounts { pending: waiting, rejected: all.saturating_sub(waiting) })
}

/// Has this device pulled everything there was at least once (its first
/// sync complete)? Until then summaries would count half the data, so the
/// screens say they are loading instead.
///
/// A device that synced before this flag existed has a cursor but no flag:
/// it is taken as complete (it showed figures before and should go on doing
/// so offline), and the flag is written.
pub async fn first_sync_done() -> Result<bool> {
    first_sync_done_in(&open().await?).await
}

pub async fn first_sync_done_in(db: &Database) -> Result<bool> {
    let tx = db.transaction(META).with_mode(TransactionMode::Readwrite).build()?;
    let meta = tx.object_store(META)?;
    if meta_get::<bool>(&meta, "first_sync_done").await?.unwrap_or(false) {
        return Ok(true);
    }
    let legacy = meta_get::<u64>(&meta, "cursor").await?.unwrap_or(0) > 0
        && meta_get::<bool>(&meta, "first_sync_started").await?.is_none();
    if legacy {
        meta_put(&meta, "first_sync_done", &true).await?;
    } else {
        meta_put(&meta, "first_sync_started", &true).await?;
    }
    tx.commit().await?;
    Ok(legacy)
}

/// The device has pulled everything there was: its summaries are whole.
pub async fn mark_first_sync_done() -> Result<()> {
    mark_first_sync_done_in(&open().await?).await
}

pub async fn mark_first_sync_done_in(db: &Database) -> Result<()> {
    let tx = db.transaction(META).with_mode(TransactionMode::Readwrite).build()?;
    meta_put(&tx.object_store(META)?, "first_sync_done", &true).await?;
    tx.commit().await?;
    Ok(())
}

pub async fn cursor() -> Result<u64> {
    cursor_in(&open().await?).await
}

pub async fn cursor_in(db: &Database) -> Result<u64> {
    let tx = db.transaction(META).build()?;
    Ok(meta_get::<u64>(&tx.object_store(META)?, "cursor").await?.unwrap_or(0))
}

/// What the summaries of the given labs are computed from: their live
/// records other than visits and the knowledge base (labs, meeting places,
/// goals, measurements, partners, activities, month approvals, questions), and their
/// visit tallies.
///
/// One read-only transaction; every read is an index or key range read of one
/// kind of one lab, all in flight together. A year of a lab's visits is a
/// million rows, read here as a few thousand tallies instead.
pub async fn summary_input(labs: &[Uuid]) -> Result<(Vec<RecordState>, Vec<VisitTally>)> {
    use indexed_db_futures::KeyRange;
    const KINDS: [RecordKind; 8] = [
        RecordKind::Lab,
        RecordKind::MeetingPlace,
        RecordKind::Goal,
        RecordKind::GoalMeasurement,
        RecordKind::Partner,
        RecordKind::Activity,
        RecordKind::MonthApproval,
        RecordKind::Question,
    ];
    let db = open().await?;
    let tx = db.transaction([RECORDS, TALLIES]).build()?;
    let (records, tallies) = (tx.object_store(RECORDS)?, tx.object_store(TALLIES)?);
    let index = records.index("kind_lab")?;
    let mut record_reads = Vec::with_capacity(labs.len() * KINDS.len());
    let mut tally_reads = Vec::with_capacity(labs.len());
    for lab in labs {
        for kind in KINDS {
            let key = js_key(&[kind.as_str().into(), lab.to_string().into()]);
            record_reads.push(index.get_all().with_query::<JsValue, _>(key).primitive()?);
        }
        // [lab] sorts before every [lab, …] key and [lab, []] after (arrays sort above strings).
        let range = KeyRange::Bound(
            js_key(&[lab.to_string().into()]),
            false,
            js_key(&[lab.to_string().into(), js_sys::Array::new().into()]),
            false,
        );
        tally_reads.push(tallies.get_all().with_query::<JsValue, _>(range).primitive()?);
    }
    let mut states = Vec::new();
    for read in record_reads {
        for row in decode_rows::<RecordRow>(read.await?)? {
            let state = row.state()?;
            if state.deleted.is_none() {
                states.push(state);
            }
        }
    }
    let mut visits = Vec::new();
    for read in tally_reads {
        for row in decode_rows::<TallyRow>(read.await?)? {
            visits.push(row.tally()?);
        }
    }
    Ok((states, visits))
}

/// The deleted records of `kind` in `lab` (their fields kept): the Papperskorg.
pub async fn deleted_in_lab(kind: RecordKind, lab: Uuid) -> Result<Vec<RecordState>> {
    Ok(in_lab(kind, lab).await?.into_iter().filter(|s| s.deleted.is_some() && !s.fields.is_empty()).collect())
}

/// Every record of a kind, of every lab on the device (deleted ones
/// included): the knowledge base, whose published records come from labs
/// the user is not in. One range read of `kind_lab`: [kind] sorts before
/// every [kind, lab] and [kind, []] after (arrays sort above strings).
pub async fn all_of_kind(kind: RecordKind) -> Result<Vec<RecordState>> {
    use indexed_db_futures::KeyRange;
    let db = open().await?;
    let tx = db.transaction(RECORDS).build()?;
    let records = tx.object_store(RECORDS)?;
    let index = records.index("kind_lab")?;
    let lower = js_key(&[kind.as_str().into()]);
    let upper = js_key(&[kind.as_str().into(), js_sys::Array::new().into()]);
    let range = KeyRange::Bound(lower, false, upper, false);
    let rows = decode_rows::<RecordRow>(index.get_all().with_query::<JsValue, _>(range).primitive()?.await?)?;
    rows.iter().map(RecordRow::state).collect()
}
