//! SQLite backend: all of its SQL and its migrations live in this file.
//!
//! One connection behind a mutex, used from blocking tasks: SQLite allows one
//! writer at a time anyway, and it makes the sequence numbers behind pull
//! cursors trivially gap-free (a seq is assigned and committed under the lock).

use super::{
    count_visits, AuditEvent, HistoryRow, PageFiller, PullPage, Pusher, ServingClaim, Session, Snapshot, Store,
    StoreError, SummaryInput, TokenExport, TokenRow, UserRow,
};
use crate::push::{self, Stored};
use async_trait::async_trait;
use labblogg_shared::auth::{AuditAction, AuditEntry, LabRole, Membership, Role};
use labblogg_shared::disclosure::CellKey;
use labblogg_shared::model::{AgeBand, Gender};
use labblogg_shared::summary::{TallyDelta, VisitKey, VisitTally};
use labblogg_shared::sync::{Change, Rejection, ServerRecord};
use labblogg_shared::{Hlc, RecordKind, RecordState};
use rusqlite::backup::{Backup, StepResult};
use rusqlite::{params, Connection, OpenFlags, OptionalExtension, Transaction, TransactionBehavior};
use serde_json::{Map, Value};
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use uuid::Uuid;

/// Schema steps, applied in order; `PRAGMA user_version` counts those applied.
const MIGRATIONS: &[&str] = &[
    // 1: records, the sequence counter, users and device tokens
    "CREATE TABLE records (
        id TEXT PRIMARY KEY,
        kind TEXT NOT NULL,
        lab_id TEXT NOT NULL,
        seq INTEGER NOT NULL UNIQUE,
        fields TEXT NOT NULL,
        clocks TEXT NOT NULL,
        deleted TEXT
     );
     CREATE INDEX records_lab_seq ON records(lab_id, seq);
     CREATE TABLE counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL);
     INSERT INTO counters VALUES ('seq', 0);
     CREATE TABLE users (
        id TEXT PRIMARY KEY,
        username TEXT NOT NULL UNIQUE,
        display_name TEXT NOT NULL,
        password_hash TEXT NOT NULL,
        role TEXT NOT NULL,
        home_meeting_place TEXT,
        disabled INTEGER NOT NULL DEFAULT 0
     );
     CREATE TABLE user_labs (
        user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        lab_id TEXT NOT NULL,
        PRIMARY KEY (user_id, lab_id)
     );
     CREATE TABLE tokens (
        token_hash TEXT PRIMARY KEY,
        user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        device_id TEXT,
        created_ms INTEGER NOT NULL,
        revoked_ms INTEGER
     );",
    // 2: a role per lab (memberships replace user_labs), token ids and last
    // use, the audit log. Researchers never had record-level access, so their
    // lab rows are dropped; admins keep theirs as coordinators (what they could do).
    "CREATE TABLE memberships (
        user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        lab_id TEXT NOT NULL,
        role TEXT NOT NULL CHECK (role IN ('staff', 'coordinator')),
        PRIMARY KEY (user_id, lab_id)
     );
     INSERT INTO memberships (user_id, lab_id, role)
        SELECT l.user_id, l.lab_id, CASE u.role WHEN 'staff' THEN 'staff' ELSE 'coordinator' END
        FROM user_labs l JOIN users u ON u.id = l.user_id
        WHERE u.role <> 'researcher';
     DROP TABLE user_labs;
     CREATE TABLE tokens_v2 (
        id TEXT PRIMARY KEY,
        token_hash TEXT NOT NULL UNIQUE,
        user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        device_id TEXT,
        created_ms INTEGER NOT NULL,
        last_used_ms INTEGER,
        revoked_ms INTEGER
     );
     INSERT INTO tokens_v2 (id, token_hash, user_id, device_id, created_ms, revoked_ms)
        SELECT lower(hex(randomblob(4))) || '-' || lower(hex(randomblob(2))) || '-4'
               || substr(lower(hex(randomblob(2))), 2) || '-' || substr('89ab', 1 + abs(random()) % 4, 1)
               || substr(lower(hex(randomblob(2))), 2) || '-' || lower(hex(randomblob(6))),
               token_hash, user_id, device_id, created_ms, revoked_ms
        FROM tokens;
     DROP TABLE tokens;
     ALTER TABLE tokens_v2 RENAME TO tokens;
     CREATE INDEX tokens_user ON tokens(user_id);
     CREATE TABLE audit (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        at_ms INTEGER NOT NULL,
        action TEXT NOT NULL,
        actor TEXT NOT NULL,
        subject TEXT,
        address TEXT
     );",
    // 3: visits counted by what the summaries read of them (`shared::summary::VisitKey`), kept
    // up to date by every push; filled from the stored visits by `fill_visit_tallies`.
    "CREATE TABLE visit_tallies (
        lab_id TEXT NOT NULL,
        place_id TEXT NOT NULL,
        day INTEGER NOT NULL,
        hour INTEGER NOT NULL,
        band TEXT NOT NULL,
        first INTEGER NOT NULL,
        n INTEGER NOT NULL,
        PRIMARY KEY (lab_id, place_id, day, hour, band, first)
     ) WITHOUT ROWID;
     -- A summary reads a lab's records but its visits: the few, not the million.
     CREATE INDEX records_lab_not_visit ON records(lab_id) WHERE kind <> 'visit';",
    // 4: each tally also keeps the sum of its visits' record keys modulo 2^32, the cell key of the
    // Cell Key Method (`shared::disclosure`); refilled from the stored visits by `fill_visit_tallies`.
    "ALTER TABLE visit_tallies ADD COLUMN keys INTEGER NOT NULL DEFAULT 0;",
    // 5: restores (`restored`, the newest restore's stamp), who created each record (from now on;
    // NULL for older records), and the append-only history of accepted changes (`push.rs`).
    // The unknown keys stored before records were closed are dropped after this SQL
    // (`close_stored_records`).
    "ALTER TABLE records ADD COLUMN restored TEXT;
     ALTER TABLE records ADD COLUMN created_by TEXT;
     ALTER TABLE records ADD COLUMN created_device TEXT;
     CREATE TABLE history (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        seq INTEGER NOT NULL,
        change_id TEXT NOT NULL,
        record_id TEXT NOT NULL,
        kind TEXT NOT NULL,
        lab_id TEXT NOT NULL,
        user_id TEXT,
        device_id TEXT,
        at_ms INTEGER NOT NULL,
        hlc TEXT NOT NULL,
        op TEXT NOT NULL,
        -- NULL: the record's own fields (a visit's creation; visits never change)
        fields TEXT
     );
     CREATE INDEX history_record ON history(record_id, id);
     CREATE INDEX history_deletes ON history(op, at_ms) WHERE op = 'delete';",
    // 6: the history keyed by its sequence number (each row is appended at the table's end, with
    // no second counter), and a visit's creation row found from its record (`created_seq`)
    // rather than through the index by record, which keeps every other row: counting a visit
    // writes one index entry fewer (the ingest bench, docs/ARCHITECTURE.md).
    // `created_seq` is set from the history after this SQL (`FILL_CREATED_SEQ`).
    "ALTER TABLE records ADD COLUMN created_seq INTEGER;
     CREATE TABLE history_by_seq (
        seq INTEGER PRIMARY KEY,
        change_id TEXT NOT NULL,
        record_id TEXT NOT NULL,
        -- A visit's creation (fields NULL: the record's own; visits never change) keeps only what
        -- its record does not: kind, lab, user and device NULL are the record's (`HISTORY_COLUMNS`).
        kind TEXT,
        lab_id TEXT,
        user_id TEXT,
        device_id TEXT,
        at_ms INTEGER NOT NULL,
        hlc TEXT NOT NULL,
        op TEXT NOT NULL,
        fields TEXT
     );
     INSERT INTO history_by_seq (seq, change_id, record_id, kind, lab_id, user_id, device_id, at_ms, hlc, op, fields)
        SELECT seq, change_id, record_id, kind, lab_id, user_id, device_id, at_ms, hlc, op, fields FROM history ORDER BY id;
     DROP TABLE history;
     ALTER TABLE history_by_seq RENAME TO history;
     CREATE INDEX history_record ON history(record_id, seq) WHERE fields IS NOT NULL;
     CREATE INDEX history_deletes ON history(op, at_ms) WHERE op = 'delete';",
    // 7: the visits' gender is part of a tally's key ('' where none was noted), so a visit goal may
    // count one gender; refilled from the stored visits by `fill_visit_tallies`.
    "CREATE TABLE visit_tallies_by_gender (
        lab_id TEXT NOT NULL,
        place_id TEXT NOT NULL,
        day INTEGER NOT NULL,
        hour INTEGER NOT NULL,
        band TEXT NOT NULL,
        first INTEGER NOT NULL,
        gender TEXT NOT NULL,
        n INTEGER NOT NULL,
        keys INTEGER NOT NULL DEFAULT 0,
        PRIMARY KEY (lab_id, place_id, day, hour, band, first, gender)
     ) WITHOUT ROWID;
     DROP TABLE visit_tallies;
     ALTER TABLE visit_tallies_by_gender RENAME TO visit_tallies;",
    // 8: a device's name as given at sign-in, on each token signed in on it (issue #23)
    "ALTER TABLE tokens ADD COLUMN device_name TEXT;",
];

/// Sets `records.created_seq` from the history, where a visit's creation row is: after migration
/// 6, and for a restored backup, whose records do not carry it.
const FILL_CREATED_SEQ: &str = "UPDATE records SET created_seq = h.seq
     FROM (SELECT record_id, seq FROM history WHERE fields IS NULL) AS h WHERE h.record_id = records.id";

/// The migration (counted from 1) after whose SQL the stored records are closed (unknown keys
/// dropped, `shared::fields`).
const CLOSED_RECORDS_AT: usize = 5;

/// The migration (counted from 1) after whose SQL each visit's creation row is found
/// (`FILL_CREATED_SEQ`).
const CREATED_SEQ_FILLED_AT: usize = 6;

/// The migration (counted from 1) after whose SQL the visit tallies are counted afresh: 3 creates
/// `visit_tallies`, 4 adds the key sums and 7 the gender; the count reads records with the
/// columns of 5, so it runs after the last of them (a database before 3 runs them all in one
/// start and serves only after; one at 4 to 6 counts once more, which is cheap).
const VISIT_TALLIES_FILLED_AT: usize = 7;

#[derive(Clone)]
pub struct SqliteStore {
    conn: Arc<Mutex<Connection>>,
    path: PathBuf,
}

impl SqliteStore {
    pub fn open(path: &str) -> Result<Self, StoreError> {
        if let Some(dir) = Path::new(path).parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)?;
        }
        let mut conn = Connection::open(path)?;
        conn.execute_batch(
            "PRAGMA journal_mode = WAL;
             PRAGMA synchronous = NORMAL;
             PRAGMA foreign_keys = ON;
             PRAGMA busy_timeout = 5000;",
        )?;
        migrate(&mut conn)?;
        Ok(SqliteStore { conn: Arc::new(Mutex::new(conn)), path: PathBuf::from(path) })
    }

    /// The file a serving process keeps locked: `<database>-serving`.
    fn serving_path(&self) -> PathBuf {
        let mut p = self.path.clone().into_os_string();
        p.push("-serving");
        PathBuf::from(p)
    }

    /// Run `f` with the connection on a blocking thread.
    async fn with<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut Connection) -> Result<T, StoreError> + Send + 'static,
    ) -> Result<T, StoreError> {
        let conn = self.conn.clone();
        tokio::task::spawn_blocking(move || {
            // A panic in another task poisons the lock but leaves SQLite consistent
            // (its transaction rolled back), so the connection is still usable.
            let mut guard = conn.lock().unwrap_or_else(|p| p.into_inner());
            f(&mut guard)
        })
        .await
        .map_err(|e| StoreError::Task(e.to_string()))?
    }
}

fn migrate(conn: &mut Connection) -> Result<(), StoreError> {
    let done: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    for (i, step) in MIGRATIONS.iter().enumerate().skip(done as usize) {
        let tx = conn.transaction()?;
        tx.execute_batch(step)?;
        if i + 1 == CLOSED_RECORDS_AT {
            close_stored_records(&tx)?;
        }
        if i + 1 == CREATED_SEQ_FILLED_AT {
            tx.execute(FILL_CREATED_SEQ, [])?;
        }
        if i + 1 == VISIT_TALLIES_FILLED_AT {
            fill_visit_tallies(&tx)?;
        }
        tx.pragma_update(None, "user_version", i as i64 + 1)?;
        tx.commit()?;
    }
    Ok(())
}

fn corrupt(what: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt(what.to_string())
}

fn uuid(s: &str) -> Result<Uuid, StoreError> {
    Uuid::parse_str(s).map_err(corrupt)
}

/// Drop every key stored before records were closed (`shared::fields`), giving each cleaned
/// record a new sequence number so devices pull it clean. Logs how many keys went.
fn close_stored_records(tx: &Transaction<'_>) -> Result<(), StoreError> {
    let records = tx
        .prepare(&format!("SELECT {RECORD_COLUMNS} FROM records ORDER BY seq"))?
        .query_map([], read_raw)?
        .map(|raw| decode(raw?).map(|r| r.state))
        .collect::<Result<Vec<_>, _>>()?;
    let mut seq = top_seq(tx)?;
    let (mut keys, mut cleaned) = (0, 0);
    for mut state in records {
        let dropped = labblogg_shared::fields::strip_unknown(state.kind, &mut state.fields, &mut state.clocks);
        if dropped > 0 {
            keys += dropped;
            cleaned += 1;
            seq += 1;
            save_record(tx, &state, seq)?;
        }
    }
    tx.execute("UPDATE counters SET value = ?1 WHERE name = 'seq'", [seq as i64])?;
    tracing::info!(keys, records = cleaned, "closed records: dropped the stored keys no schema names");
    Ok(())
}

type RawRecord = (String, String, String, i64, String, String, Option<String>, Option<String>);

fn decode(raw: RawRecord) -> Result<ServerRecord, StoreError> {
    let (id, kind, lab_id, seq, fields, clocks, deleted, restored) = raw;
    let fields: Map<String, Value> = serde_json::from_str(&fields).map_err(corrupt)?;
    Ok(ServerRecord {
        seq: seq as u64,
        state: RecordState {
            kind: RecordKind::parse(&kind).ok_or_else(|| corrupt(&kind))?,
            id: uuid(&id)?,
            lab_id: uuid(&lab_id)?,
            clocks: decode_clocks(&clocks, &fields)?,
            fields,
            deleted: deleted.map(|d| d.parse::<Hlc>()).transpose().map_err(corrupt)?,
            restored: restored.map(|d| d.parse::<Hlc>()).transpose().map_err(corrupt)?,
        },
    })
}

/// A record's `clocks` column: the JSON object of each field's stamp, or, when one change set
/// every field (a visit, and any record edited only as a whole), that one stamp as bare text
/// ([`Hlc`]'s form, which never starts with `{`): a visit's row is about 250 bytes shorter,
/// which the ingest bench sees in every page written (docs/ARCHITECTURE.md).
fn encode_clocks(s: &RecordState, json: &mut Vec<u8>) -> Result<(), StoreError> {
    let mut stamps = s.clocks.values();
    let one = stamps.next().filter(|first| {
        stamps.all(|h| h == *first)
            && s.clocks.len() == s.fields.len()
            && s.clocks.keys().all(|k| s.fields.contains_key(k))
    });
    let mut text = [0u8; 43];
    match one.and_then(|h| h.encode(&mut text)) {
        Some(text) => json.extend_from_slice(text.as_bytes()),
        None => serde_json::to_writer(&mut *json, &s.clocks).map_err(corrupt)?,
    }
    Ok(())
}

/// The stamps [`encode_clocks`] wrote, for the record's `fields`.
fn decode_clocks(text: &str, fields: &Map<String, Value>) -> Result<BTreeMap<String, Hlc>, StoreError> {
    if text.starts_with('{') {
        return serde_json::from_str(text).map_err(corrupt);
    }
    let stamp: Hlc = text.parse().map_err(corrupt)?;
    Ok(fields.keys().map(|k| (k.clone(), stamp)).collect())
}

const RECORD_COLUMNS: &str = "id, kind, lab_id, seq, fields, clocks, deleted, restored";

fn read_raw(r: &rusqlite::Row<'_>) -> rusqlite::Result<RawRecord> {
    Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?, r.get(6)?, r.get(7)?))
}

fn load_record(tx: &Transaction<'_>, id: Uuid) -> Result<Option<RecordState>, StoreError> {
    let raw = tx
        .prepare_cached(&format!("SELECT {RECORD_COLUMNS} FROM records WHERE id = ?1"))?
        .query_row([id.to_string()], read_raw)
        .optional()?;
    raw.map(|r| decode(r).map(|s| s.state)).transpose()
}

/// Who created a record: a user and a device (unknown for records older than the history).
type Creator = (Option<Uuid>, Option<Uuid>);

/// Writes a record; a new row takes its creator, an existing one keeps its own. (One row per
/// statement: a multi-row upsert measured slower in the ingest bench.)
const SAVE_RECORD: &str = "INSERT INTO records (id, kind, lab_id, seq, fields, clocks, deleted, restored, created_by, created_device, created_seq)
     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)
     ON CONFLICT(id) DO UPDATE SET seq = excluded.seq, fields = excluded.fields,
         clocks = excluded.clocks, deleted = excluded.deleted, restored = excluded.restored";

fn save_record(tx: &Transaction<'_>, s: &RecordState, seq: u64) -> Result<(), StoreError> {
    save_records(tx, [(s, seq, (None, None), None)])
}

/// Write `rows` through one prepared statement, each with its number, its creator and, for a new
/// one, the number of its history's first row.
fn save_records<'r>(
    tx: &Transaction<'_>,
    rows: impl IntoIterator<Item = (&'r RecordState, u64, Creator, Option<u64>)>,
) -> Result<(), StoreError> {
    let mut statement = tx.prepare_cached(SAVE_RECORD)?;
    for (state, seq, creator, created_seq) in rows {
        bind_record(&mut statement, 0, state, seq, creator)?;
        statement.raw_bind_parameter(11, created_seq.map(|n| n as i64))?;
        statement.raw_execute()?;
    }
    Ok(())
}

/// Bind one record's ten parameters after the first `at`. Bound in place: ids as text on the
/// stack, the JSON through one reused buffer.
fn bind_record(
    statement: &mut rusqlite::Statement<'_>,
    at: usize,
    s: &RecordState,
    seq: u64,
    creator: Creator,
) -> Result<(), StoreError> {
    let mut ids = [[0u8; 36]; 4];
    let [id, lab, by, device] = &mut ids;
    statement.raw_bind_parameter(at + 1, uuid_text(&s.id, id))?;
    statement.raw_bind_parameter(at + 2, s.kind.as_str())?;
    statement.raw_bind_parameter(at + 3, uuid_text(&s.lab_id, lab))?;
    statement.raw_bind_parameter(at + 4, seq as i64)?;
    JSON.with_borrow_mut(|json| -> Result<(), StoreError> {
        json.clear();
        serde_json::to_writer(&mut *json, &s.fields).map_err(corrupt)?;
        let fields_end = json.len();
        encode_clocks(s, json)?;
        let (fields, clocks) = json.split_at(fields_end);
        // serde_json writes UTF-8.
        statement.raw_bind_parameter(at + 5, std::str::from_utf8(fields).map_err(corrupt)?)?;
        statement.raw_bind_parameter(at + 6, std::str::from_utf8(clocks).map_err(corrupt)?)?;
        Ok(())
    })?;
    statement.raw_bind_parameter(at + 7, s.deleted.map(|h| h.to_string()))?;
    statement.raw_bind_parameter(at + 8, s.restored.map(|h| h.to_string()))?;
    statement.raw_bind_parameter(at + 9, creator.0.as_ref().map(|u| uuid_text(u, by)))?;
    statement.raw_bind_parameter(at + 10, creator.1.as_ref().map(|u| uuid_text(u, device)))?;
    Ok(())
}

thread_local! {
    /// The JSON of the record (or history row) being written: one buffer per thread, reused.
    static JSON: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// A UUID as the text columns hold it (hyphenated, lower case), written on the stack.
fn uuid_text<'b>(id: &Uuid, buf: &'b mut [u8; 36]) -> &'b str {
    id.hyphenated().encode_lower(buf)
}

/// Replace every visit tally with a fresh count of the stored visits.
fn fill_visit_tallies(tx: &Transaction<'_>) -> Result<(), StoreError> {
    tx.execute("DELETE FROM visit_tallies", [])?;
    let visits = tx
        .prepare(&format!("SELECT {RECORD_COLUMNS} FROM records WHERE kind = 'visit' AND deleted IS NULL"))?
        .query_map([], read_raw)?
        .map(|raw| decode(raw?).map(|r| r.state))
        .collect::<Result<Vec<_>, _>>()?;
    let counts: Vec<(VisitKey, TallyDelta)> =
        count_visits(&visits).into_iter().map(|t| (t.key, TallyDelta { n: t.n as i64, keys: t.keys })).collect();
    add_to_tallies(tx, &counts)
}

/// Add `changes` to the stored tallies; a count that reaches 0 goes. Key sums add modulo 2^32
/// (a change's `keys` is already the wrapped difference).
fn add_to_tallies(tx: &Transaction<'_>, changes: &[(VisitKey, TallyDelta)]) -> Result<(), StoreError> {
    let mut add = tx.prepare_cached(
        "INSERT INTO visit_tallies (lab_id, place_id, day, hour, band, first, gender, n, keys)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)
         ON CONFLICT DO UPDATE SET n = n + excluded.n, keys = (keys + excluded.keys) % 4294967296",
    )?;
    let mut drop_empty = tx.prepare_cached(
        "DELETE FROM visit_tallies
         WHERE lab_id = ?1 AND place_id = ?2 AND day = ?3 AND hour = ?4 AND band = ?5 AND first = ?6 AND gender = ?7
           AND n <= 0",
    )?;
    for &(k, d) in changes {
        let (mut lab, mut place) = ([0u8; 36], [0u8; 36]);
        let (lab, place, band) = (uuid_text(&k.lab_id, &mut lab), uuid_text(&k.place_id, &mut place), k.band.as_str());
        let gender = k.gender.map_or("", Gender::as_str);
        add.execute(params![lab, place, k.day, k.hour, band, k.first, gender, d.n, i64::from(d.keys.0)])?;
        if d.n < 0 {
            drop_empty.execute(params![lab, place, k.day, k.hour, band, k.first, gender])?;
        }
    }
    Ok(())
}

/// A `visit_tallies` row: lab, place, day, hour, band, first visit, gender, count, key sum.
type RawTally = (String, String, i64, u8, String, bool, String, i64, i64);

/// The columns [`read_tally`] reads.
const TALLY_COLUMNS: &str = "lab_id, place_id, day, hour, band, first, gender, n, keys";

fn read_tally(r: &rusqlite::Row<'_>) -> rusqlite::Result<RawTally> {
    Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?, r.get(6)?, r.get(7)?, r.get(8)?))
}

fn decode_tally(raw: RawTally) -> Result<VisitTally, StoreError> {
    let (lab, place, day, hour, band, first, gender, n, keys) = raw;
    Ok(VisitTally {
        key: VisitKey {
            lab_id: uuid(&lab)?,
            place_id: uuid(&place)?,
            day,
            hour,
            band: AgeBand::parse(&band).ok_or_else(|| corrupt(&band))?,
            first,
            gender: match gender.as_str() {
                "" => None,
                g => Some(Gender::parse(g).ok_or_else(|| corrupt(g))?),
            },
        },
        n: u64::try_from(n).map_err(corrupt)?,
        keys: CellKey(u32::try_from(keys).map_err(corrupt)?),
    })
}

/// A push in its transaction, which must hold the write lock (BEGIN IMMEDIATE): the counter is
/// read once under it, so the numbers handed out cannot be taken by anyone else. The records the
/// batch touches or names are read in one query, `push::plan` decides, and its writes, numbers,
/// tally changes and history rows are written here.
fn push_batch(
    tx: &Transaction<'_>,
    changes: Vec<Change>,
    by: &Pusher,
    now_ms: u64,
) -> Result<Vec<Result<(), Rejection>>, StoreError> {
    let mut stored = load_stored(tx, &push::ids_to_load(&changes))?;
    // Then the approvals of the months those records are dated in (and their labs).
    let more = push::more_to_load(&changes, &stored);
    if !more.is_empty() {
        stored.extend(load_stored(tx, &more)?);
    }
    let first = top_seq(tx)?;
    let plan = push::plan(changes, by, now_ms, stored);
    if plan.numbers > 0 {
        save_records(
            tx,
            plan.writes.iter().map(|w| {
                (&w.state, first + w.number, (w.created_by, w.created_device), w.created_number.map(|n| first + n))
            }),
        )?;
        tx.prepare_cached("UPDATE counters SET value = ?1 WHERE name = 'seq'")?
            .execute([(first + plan.numbers) as i64])?;
        add_to_tallies(tx, &plan.tallies.into_sorted())?;
        insert_history(tx, &plan.history, first)?;
    }
    Ok(plan.outcomes)
}

/// The stored records with these ids, with their creators, in one query.
fn load_stored(tx: &Transaction<'_>, ids: &[Uuid]) -> Result<HashMap<Uuid, Stored>, StoreError> {
    let ids = serde_json::to_string(&ids.iter().map(Uuid::to_string).collect::<Vec<_>>()).map_err(corrupt)?;
    tx.prepare_cached(&format!(
        "SELECT {RECORD_COLUMNS}, created_by, created_device FROM records WHERE id IN (SELECT value FROM json_each(?1))"
    ))?
    .query_map([ids], |r| Ok((read_raw(r)?, r.get::<_, Option<String>>(8)?, r.get::<_, Option<String>>(9)?)))?
    .map(|row| {
        let (raw, by, device) = row?;
        let state = decode(raw)?.state;
        let created_by = by.as_deref().map(uuid).transpose()?;
        let created_device = device.as_deref().map(uuid).transpose()?;
        Ok((state.id, Stored { state, created_by, created_device }))
    })
    .collect::<Result<_, StoreError>>()
}

/// History rows per INSERT statement: one statement for many rows costs far less than one each.
const HISTORY_ROWS_PER_INSERT: usize = 64;

/// Append history rows; a row's sequence number is `first` plus its number. A visit's creation
/// keeps only what its record does not (its fields, kind, lab, user and device are the record's:
/// visits never change). Parameters are bound in place, as in [`bind_record`].
fn insert_history(tx: &Transaction<'_>, rows: &[HistoryRow], first: u64) -> Result<(), StoreError> {
    const COLUMNS: usize = 11;
    let sql = |rows: usize| {
        let placeholders = vec!["(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"; rows].join(", ");
        format!(
            "INSERT INTO history (seq, change_id, record_id, kind, lab_id, user_id, device_id, at_ms, hlc, op, fields)
             VALUES {placeholders}"
        )
    };
    let mut full = None;
    for chunk in rows.chunks(HISTORY_ROWS_PER_INSERT) {
        let mut partial;
        let statement = if chunk.len() == HISTORY_ROWS_PER_INSERT {
            // The full-size statement is prepared once per push.
            match &mut full {
                Some(s) => s,
                None => full.insert(tx.prepare_cached(&sql(HISTORY_ROWS_PER_INSERT))?),
            }
        } else {
            partial = tx.prepare_cached(&sql(chunk.len()))?;
            &mut partial
        };
        for (i, h) in chunk.iter().enumerate() {
            let at = i * COLUMNS;
            let mut ids = [[0u8; 36]; 5];
            let [change, record, lab, user, device] = &mut ids;
            let own_fields = h.fields.is_empty() && h.op == push::Operation::Create && h.kind.is_event();
            statement.raw_bind_parameter(at + 1, (first + h.number) as i64)?;
            statement.raw_bind_parameter(at + 2, uuid_text(&h.change_id, change))?;
            statement.raw_bind_parameter(at + 3, uuid_text(&h.record_id, record))?;
            statement.raw_bind_parameter(at + 8, h.at_ms as i64)?;
            let mut stamp = [0u8; 43];
            match h.hlc.encode(&mut stamp) {
                Some(text) => statement.raw_bind_parameter(at + 9, text)?,
                None => statement.raw_bind_parameter(at + 9, h.hlc.to_string())?,
            }
            statement.raw_bind_parameter(at + 10, h.op.as_str())?;
            if own_fields {
                for column in [4, 5, 6, 7, 11] {
                    statement.raw_bind_parameter(at + column, rusqlite::types::Null)?;
                }
            } else {
                statement.raw_bind_parameter(at + 4, h.kind.as_str())?;
                statement.raw_bind_parameter(at + 5, uuid_text(&h.lab_id, lab))?;
                statement.raw_bind_parameter(at + 6, h.user_id.as_ref().map(|u| uuid_text(u, user)))?;
                statement.raw_bind_parameter(at + 7, h.device_id.as_ref().map(|u| uuid_text(u, device)))?;
                statement.raw_bind_parameter(at + 11, serde_json::to_string(&h.fields).map_err(corrupt)?)?;
            }
        }
        statement.raw_execute()?;
    }
    Ok(())
}

/// The history's columns, from `history h` joined to its record `r` (for a visit's own fields).
/// A visit's creation row (fields NULL) takes what it does not keep from its record.
const HISTORY_COLUMNS: &str = "h.seq, h.change_id, h.record_id, COALESCE(h.kind, r.kind), COALESCE(h.lab_id, r.lab_id),
     CASE WHEN h.fields IS NULL THEN COALESCE(h.user_id, r.created_by) ELSE h.user_id END,
     CASE WHEN h.fields IS NULL THEN COALESCE(h.device_id, r.created_device) ELSE h.device_id END,
     h.at_ms, h.hlc, h.op, COALESCE(h.fields, r.fields, '{}')";

type RawHistory = (i64, String, String, String, String, Option<String>, Option<String>, i64, String, String, String);

fn read_history(r: &rusqlite::Row<'_>) -> rusqlite::Result<RawHistory> {
    Ok((
        r.get(0)?,
        r.get(1)?,
        r.get(2)?,
        r.get(3)?,
        r.get(4)?,
        r.get(5)?,
        r.get(6)?,
        r.get(7)?,
        r.get(8)?,
        r.get(9)?,
        r.get(10)?,
    ))
}

fn decode_history(raw: RawHistory) -> Result<HistoryRow, StoreError> {
    let (seq, change_id, record_id, kind, lab_id, user_id, device_id, at_ms, hlc, op, fields) = raw;
    Ok(HistoryRow {
        change_id: uuid(&change_id)?,
        record_id: uuid(&record_id)?,
        kind: RecordKind::parse(&kind).ok_or_else(|| corrupt(&kind))?,
        lab_id: uuid(&lab_id)?,
        user_id: user_id.as_deref().map(uuid).transpose()?,
        device_id: device_id.as_deref().map(uuid).transpose()?,
        at_ms: at_ms as u64,
        hlc: hlc.parse().map_err(corrupt)?,
        op: push::Operation::parse(&op).ok_or_else(|| corrupt(&op))?,
        fields: serde_json::from_str(&fields).map_err(corrupt)?,
        number: seq as u64,
    })
}

fn load_memberships(conn: &Connection, user_id: &str) -> Result<Vec<Membership>, StoreError> {
    conn.prepare_cached("SELECT lab_id, role FROM memberships WHERE user_id = ?1 ORDER BY lab_id")?
        .query_map([user_id], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))?
        .map(|row| {
            let (lab, role) = row?;
            Ok(Membership {
                lab_id: uuid(&lab)?,
                role: LabRole::parse(&role).ok_or_else(|| corrupt(format!("lab role {role}")))?,
            })
        })
        .collect()
}

const USER_COLUMNS: &str =
    "u.id, u.username, u.display_name, u.password_hash, u.role, u.home_meeting_place, u.disabled";

type RawUser = (String, String, String, String, String, Option<String>, bool);

fn read_user(r: &rusqlite::Row<'_>) -> rusqlite::Result<RawUser> {
    Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?, r.get(6)?))
}

fn decode_user(conn: &Connection, raw: RawUser) -> Result<UserRow, StoreError> {
    let (id, username, display_name, password_hash, role, home, disabled) = raw;
    let memberships = load_memberships(conn, &id)?;
    let account_role = Role::parse(&role).ok_or_else(|| corrupt(format!("role {role}")))?;
    Ok(UserRow {
        id: uuid(&id)?,
        username,
        display_name,
        password_hash,
        role: UserRow::highest_role(account_role, &memberships),
        memberships,
        home_meeting_place: home.as_deref().map(uuid).transpose()?,
        disabled,
    })
}

fn load_user(conn: &Connection, where_sql: &str, arg: &str) -> Result<Option<UserRow>, StoreError> {
    let raw = conn
        .prepare_cached(&format!("SELECT {USER_COLUMNS} FROM users u {where_sql}"))?
        .query_row([arg], read_user)
        .optional()?;
    raw.map(|r| decode_user(conn, r)).transpose()
}

const TOKEN_COLUMNS: &str = "t.id, t.user_id, t.device_id, t.created_ms, t.last_used_ms, t.revoked_ms, t.device_name";

type RawToken = (String, String, Option<String>, i64, Option<i64>, Option<i64>, Option<String>);

fn read_token(r: &rusqlite::Row<'_>) -> rusqlite::Result<RawToken> {
    Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?, r.get(6)?))
}

fn decode_token(raw: RawToken) -> Result<TokenRow, StoreError> {
    let (id, user_id, device_id, created, last_used, revoked, device_name) = raw;
    Ok(TokenRow {
        id: uuid(&id)?,
        user_id: uuid(&user_id)?,
        device_id: device_id.as_deref().map(uuid).transpose()?,
        created_ms: created as u64,
        last_used_ms: last_used.map(|v| v as u64),
        revoked_ms: revoked.map(|v| v as u64),
        device_name,
    })
}

fn revoke_all_tokens(tx: &Transaction<'_>, user_id: Option<&str>, now: i64) -> Result<(), StoreError> {
    match user_id {
        Some(u) => {
            tx.execute("UPDATE tokens SET revoked_ms = ?2 WHERE user_id = ?1 AND revoked_ms IS NULL", params![u, now])?
        }
        None => tx.execute("UPDATE tokens SET revoked_ms = ?1 WHERE revoked_ms IS NULL", params![now])?,
    };
    Ok(())
}

fn insert_audit(conn: &Connection, e: &AuditEvent, now: i64) -> Result<(), StoreError> {
    conn.prepare_cached("INSERT INTO audit (at_ms, action, actor, subject, address) VALUES (?1, ?2, ?3, ?4, ?5)")?
        .execute(params![now, e.action.as_str(), e.actor, e.subject, e.address])?;
    Ok(())
}

type RawAudit = (i64, i64, String, String, Option<String>, Option<String>);

fn read_audit(r: &rusqlite::Row<'_>) -> rusqlite::Result<RawAudit> {
    Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?))
}

fn decode_audit(raw: RawAudit) -> Result<AuditEntry, StoreError> {
    let (id, at_ms, action, actor, subject, address) = raw;
    Ok(AuditEntry {
        id: id as u64,
        at_ms: at_ms as u64,
        action: AuditAction::parse(&action).ok_or_else(|| corrupt(format!("audit action {action}")))?,
        actor,
        subject,
        address,
    })
}

fn is_busy(e: &rusqlite::Error) -> bool {
    matches!(e.sqlite_error_code(), Some(rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked))
}

fn top_seq(conn: &Connection) -> Result<u64, StoreError> {
    let top: i64 = conn.query_row("SELECT value FROM counters WHERE name = 'seq'", [], |r| r.get(0))?;
    Ok(top as u64)
}

/// Copy the whole `main` database of `from` over that of `to` in one backup
/// step (the destination is written under one lock: readers see the old or
/// the new database, never a mix), retrying for a while if it is locked.
fn copy_database(from: &Connection, to: &mut Connection) -> Result<(), StoreError> {
    let backup = Backup::new(from, to)?;
    for _ in 0..100 {
        match backup.step(-1)? {
            StepResult::Done => return Ok(()),
            StepResult::More => {}
            // Busy or locked: another connection is writing; wait for it.
            _ => std::thread::sleep(Duration::from_millis(100)),
        }
    }
    Err(StoreError::Busy)
}

/// Open a backup file read-only and check it is a sound labblogg database.
fn open_backup(path: &Path) -> Result<Connection, StoreError> {
    let not_db = |why: String| StoreError::NotADatabase(format!("{}: {why}", path.display()));
    if !path.is_file() {
        return Err(not_db("filen finns inte".into()));
    }
    let conn = Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX)
        .map_err(|e| not_db(e.to_string()))?;
    let check: String = conn.query_row("PRAGMA quick_check", [], |r| r.get(0)).map_err(|e| not_db(e.to_string()))?;
    if check != "ok" {
        return Err(not_db(check));
    }
    let version: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    if version < 1 || version as usize > MIGRATIONS.len() {
        return Err(not_db(format!("schemaversion {version}")));
    }
    let has_records: bool = conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'records')",
        [],
        |r| r.get(0),
    )?;
    if !has_records {
        return Err(not_db("saknar tabellen records".into()));
    }
    Ok(conn)
}

fn now_ms() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_millis() as i64).unwrap_or(0)
}

#[async_trait]
impl Store for SqliteStore {
    async fn push_as(
        &self,
        changes: Vec<Change>,
        by: Pusher,
        now_ms: u64,
    ) -> Result<Vec<Result<(), Rejection>>, StoreError> {
        self.with(move |conn| {
            if changes.is_empty() {
                return Ok(Vec::new());
            }
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let outcomes = push_batch(&tx, changes, &by, now_ms)?;
            tx.commit()?;
            Ok(outcomes)
        })
        .await
    }

    async fn pull(&self, labs: Vec<Uuid>, cursor: u64, limit: u32) -> Result<PullPage, StoreError> {
        self.pull_visible(labs, false, cursor, limit).await
    }

    async fn pull_visible(
        &self,
        labs: Vec<Uuid>,
        shared_knowledge: bool,
        cursor: u64,
        limit: u32,
    ) -> Result<PullPage, StoreError> {
        self.with(move |conn| {
            let tx = conn.transaction()?;
            let lab_list =
                serde_json::to_string(&labs.iter().map(Uuid::to_string).collect::<Vec<_>>()).map_err(corrupt)?;
            let mut page = PageFiller::new(limit);
            {
                let mut stmt = tx.prepare_cached(&format!(
                    "SELECT {RECORD_COLUMNS} FROM records
                     WHERE seq > ?1 AND (lab_id IN (SELECT value FROM json_each(?2))
                        OR (?4 AND kind IN ('good_example', 'lesson')
                            AND json_extract(fields, '$.review') IN ('published', 'withdrawn')))
                     ORDER BY seq LIMIT ?3"
                ))?;
                // Row by row, so a page of big records stops at the byte budget
                // without reading the rest.
                let rows =
                    stmt.query_map(params![cursor as i64, lab_list, limit as i64 + 1, shared_knowledge], read_raw)?;
                for raw in rows {
                    if !page.offer(decode(raw?)?) {
                        break;
                    }
                }
            }
            // Nothing visible to this user lies beyond the newest seq: the last page
            // skips past other labs' changes too, read in the same transaction.
            let top = if page.is_full() {
                None
            } else {
                let top: i64 = tx.query_row("SELECT value FROM counters WHERE name = 'seq'", [], |r| r.get(0))?;
                Some(top as u64)
            };
            Ok(page.finish(cursor, top))
        })
        .await
    }

    async fn record(&self, id: Uuid) -> Result<Option<RecordState>, StoreError> {
        self.with(move |conn| {
            let tx = conn.transaction()?;
            load_record(&tx, id)
        })
        .await
    }

    async fn history(&self, record: Uuid) -> Result<Vec<HistoryRow>, StoreError> {
        self.with(move |conn| {
            conn.prepare_cached(&format!(
                // Every row but a visit's creation by the index by record; that one from its record.
                "SELECT {HISTORY_COLUMNS} FROM history h LEFT JOIN records r ON r.id = h.record_id
                 WHERE h.record_id = ?1 AND h.fields IS NOT NULL
                 UNION ALL
                 SELECT {HISTORY_COLUMNS} FROM records r JOIN history h ON h.seq = r.created_seq
                 WHERE r.id = ?1 AND h.fields IS NULL
                 ORDER BY 1"
            ))?
            .query_map([record.to_string()], read_history)?
            .map(|raw| decode_history(raw?))
            .collect()
        })
        .await
    }

    async fn deleted_since(
        &self,
        labs: Option<Vec<Uuid>>,
        device: Option<Uuid>,
        user: Option<Uuid>,
        since_ms: u64,
    ) -> Result<Vec<RecordState>, StoreError> {
        self.with(move |conn| {
            let tx = conn.transaction()?;
            let labs = labs
                .map(|l| serde_json::to_string(&l.iter().map(Uuid::to_string).collect::<Vec<_>>()))
                .transpose()
                .map_err(corrupt)?;
            let raws = tx
                .prepare_cached(&format!(
                    "SELECT {RECORD_COLUMNS} FROM records r JOIN (
                         SELECT record_id, max(seq) AS last FROM history
                         WHERE op = 'delete' AND at_ms >= ?1
                           AND (?2 IS NULL OR device_id = ?2) AND (?3 IS NULL OR user_id = ?3)
                           AND (?4 IS NULL OR lab_id IN (SELECT value FROM json_each(?4)))
                         GROUP BY record_id
                     ) d ON d.record_id = r.id
                     WHERE r.deleted IS NOT NULL ORDER BY d.last DESC"
                ))?
                .query_map(
                    params![since_ms as i64, device.map(|d| d.to_string()), user.map(|u| u.to_string()), labs],
                    read_raw,
                )?
                .collect::<Result<Vec<_>, _>>()?;
            raws.into_iter().map(|r| decode(r).map(|s| s.state)).collect()
        })
        .await
    }

    async fn top_seq(&self) -> Result<u64, StoreError> {
        self.with(|conn| top_seq(conn)).await
    }

    async fn user_by_name(&self, username: &str) -> Result<Option<UserRow>, StoreError> {
        let username = username.to_owned();
        self.with(move |conn| load_user(conn, "WHERE u.username = ?1", &username)).await
    }

    async fn user_by_id(&self, id: Uuid) -> Result<Option<UserRow>, StoreError> {
        self.with(move |conn| load_user(conn, "WHERE u.id = ?1", &id.to_string())).await
    }

    async fn users(&self) -> Result<Vec<UserRow>, StoreError> {
        self.with(|conn| {
            let raws = conn
                .prepare_cached(&format!("SELECT {USER_COLUMNS} FROM users u ORDER BY u.username"))?
                .query_map([], read_user)?
                .collect::<Result<Vec<_>, _>>()?;
            raws.into_iter().map(|r| decode_user(conn, r)).collect()
        })
        .await
    }

    async fn insert_user(&self, user: UserRow) -> Result<(), StoreError> {
        self.with(move |conn| {
            let tx = conn.transaction()?;
            let inserted = tx.execute(
                "INSERT INTO users (id, username, display_name, password_hash, role, home_meeting_place, disabled)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) ON CONFLICT(username) DO NOTHING",
                params![
                    user.id.to_string(),
                    user.username,
                    user.display_name,
                    user.password_hash,
                    user.role.as_str(),
                    user.home_meeting_place.map(|u| u.to_string()),
                    user.disabled
                ],
            )?;
            if inserted == 0 {
                return Err(StoreError::UsernameTaken);
            }
            for m in &user.memberships {
                tx.execute(
                    "INSERT INTO memberships (user_id, lab_id, role) VALUES (?1, ?2, ?3)",
                    params![user.id.to_string(), m.lab_id.to_string(), m.role.as_str()],
                )?;
            }
            tx.commit()?;
            Ok(())
        })
        .await
    }

    async fn disable_user(&self, id: Uuid) -> Result<(), StoreError> {
        self.with(move |conn| {
            let tx = conn.transaction()?;
            let id = id.to_string();
            if tx.execute("UPDATE users SET disabled = 1 WHERE id = ?1", [&id])? == 0 {
                return Err(StoreError::UnknownUser);
            }
            revoke_all_tokens(&tx, Some(&id), now_ms())?;
            tx.commit()?;
            Ok(())
        })
        .await
    }

    async fn set_password(&self, id: Uuid, password_hash: String) -> Result<(), StoreError> {
        self.with(move |conn| {
            let tx = conn.transaction()?;
            let id = id.to_string();
            if tx.execute("UPDATE users SET password_hash = ?2 WHERE id = ?1", params![id, password_hash])? == 0 {
                return Err(StoreError::UnknownUser);
            }
            revoke_all_tokens(&tx, Some(&id), now_ms())?;
            tx.commit()?;
            Ok(())
        })
        .await
    }

    async fn insert_token(
        &self,
        token_hash: String,
        user_id: Uuid,
        device_id: Option<Uuid>,
    ) -> Result<Uuid, StoreError> {
        let id = Uuid::new_v4();
        self.with(move |conn| {
            conn.execute(
                "INSERT INTO tokens (id, token_hash, user_id, device_id, created_ms) VALUES (?1, ?2, ?3, ?4, ?5)",
                params![id.to_string(), token_hash, user_id.to_string(), device_id.map(|d| d.to_string()), now_ms()],
            )?;
            Ok(id)
        })
        .await
    }

    async fn session_by_token(&self, token_hash: String) -> Result<Option<Session>, StoreError> {
        self.with(move |conn| {
            let token = conn
                .prepare_cached(&format!(
                    "SELECT {TOKEN_COLUMNS} FROM tokens t WHERE t.token_hash = ?1 AND t.revoked_ms IS NULL"
                ))?
                .query_row([&token_hash], read_token)
                .optional()?;
            let Some(token) = token.map(decode_token).transpose()? else {
                return Ok(None);
            };
            let user = load_user(conn, "WHERE u.id = ?1", &token.user_id.to_string())?;
            Ok(user.map(|user| Session { user, token }))
        })
        .await
    }

    async fn touch_token(&self, id: Uuid, now_ms: u64) -> Result<(), StoreError> {
        self.with(move |conn| {
            conn.prepare_cached(
                "UPDATE tokens SET last_used_ms = ?2
                 WHERE id = ?1 AND (last_used_ms IS NULL OR last_used_ms <= ?2 - 60000)",
            )?
            .execute(params![id.to_string(), now_ms as i64])?;
            Ok(())
        })
        .await
    }

    async fn token(&self, id: Uuid) -> Result<Option<TokenRow>, StoreError> {
        self.with(move |conn| {
            let raw = conn
                .prepare_cached(&format!("SELECT {TOKEN_COLUMNS} FROM tokens t WHERE t.id = ?1"))?
                .query_row([id.to_string()], read_token)
                .optional()?;
            raw.map(decode_token).transpose()
        })
        .await
    }

    async fn tokens_of(&self, user_id: Uuid, include_revoked: bool) -> Result<Vec<TokenRow>, StoreError> {
        self.with(move |conn| {
            conn.prepare_cached(&format!(
                "SELECT {TOKEN_COLUMNS} FROM tokens t WHERE t.user_id = ?1 AND (?2 OR t.revoked_ms IS NULL)
                 ORDER BY t.created_ms DESC, t.id"
            ))?
            .query_map(params![user_id.to_string(), include_revoked], read_token)?
            .map(|r| decode_token(r?))
            .collect()
        })
        .await
    }

    async fn name_token_device(&self, id: Uuid, name: String) -> Result<(), StoreError> {
        self.with(move |conn| {
            conn.execute("UPDATE tokens SET device_name = ?2 WHERE id = ?1", params![id.to_string(), name])?;
            Ok(())
        })
        .await
    }

    async fn revoke_token(&self, id: Uuid) -> Result<bool, StoreError> {
        self.with(move |conn| {
            let n = conn.execute(
                "UPDATE tokens SET revoked_ms = ?2 WHERE id = ?1 AND revoked_ms IS NULL",
                params![id.to_string(), now_ms()],
            )?;
            Ok(n > 0)
        })
        .await
    }

    fn claim_serving(&self) -> Result<Option<ServingClaim>, StoreError> {
        // A connection in exclusive locking mode keeps its lock on the side
        // file from its first write until it is closed, or its process dies.
        let conn = Connection::open(self.serving_path())?;
        conn.busy_timeout(Duration::ZERO)?;
        let claimed = conn.execute_batch(
            "PRAGMA locking_mode = EXCLUSIVE;
             BEGIN IMMEDIATE;
             CREATE TABLE IF NOT EXISTS serving (since_ms INTEGER NOT NULL);
             DELETE FROM serving;
             COMMIT;",
        );
        match claimed {
            Ok(()) => {
                conn.execute("INSERT INTO serving VALUES (?1)", [now_ms()])?;
                Ok(Some(ServingClaim(Box::new(conn))))
            }
            Err(e) if is_busy(&e) => Ok(None),
            Err(e) => Err(e.into()),
        }
    }

    fn is_served(&self) -> Result<bool, StoreError> {
        let path = self.serving_path();
        if !path.exists() {
            return Ok(false);
        }
        let conn = Connection::open_with_flags(&path, OpenFlags::SQLITE_OPEN_READ_WRITE)?;
        conn.busy_timeout(Duration::ZERO)?;
        match conn.query_row("SELECT count(*) FROM sqlite_master", [], |r| r.get::<_, i64>(0)) {
            Ok(_) => Ok(false),
            Err(e) if is_busy(&e) => Ok(true),
            Err(e) => Err(e.into()),
        }
    }

    async fn audit(&self, event: AuditEvent) -> Result<(), StoreError> {
        self.with(move |conn| insert_audit(conn, &event, now_ms())).await
    }

    async fn audit_log(&self, before: Option<u64>, limit: u32) -> Result<Vec<AuditEntry>, StoreError> {
        let before = before.map_or(i64::MAX, |b| b.min(i64::MAX as u64) as i64);
        self.with(move |conn| {
            conn.prepare_cached(
                "SELECT id, at_ms, action, actor, subject, address FROM audit WHERE id < ?1 ORDER BY id DESC LIMIT ?2",
            )?
            .query_map(params![before, limit as i64], read_audit)?
            .map(|row| decode_audit(row?))
            .collect()
        })
        .await
    }

    async fn backup_to(&self, path: PathBuf) -> Result<(), StoreError> {
        if path.exists() {
            return Err(StoreError::Exists(path));
        }
        // Written beside the target and renamed into place: a backup file
        // that exists is always complete.
        let mut partial = path.clone().into_os_string();
        partial.push(".partial");
        let partial = PathBuf::from(partial);
        self.with(move |conn| {
            let _ = std::fs::remove_file(&partial);
            let result = (|| {
                let mut dest = Connection::open(&partial)?;
                copy_database(conn, &mut dest)?;
                dest.execute_batch("PRAGMA journal_mode = DELETE;")?;
                drop(dest);
                open_backup(&partial)?;
                std::fs::rename(&partial, &path)?;
                Ok(())
            })();
            if result.is_err() {
                let _ = std::fs::remove_file(&partial);
            }
            result
        })
        .await
    }

    async fn restore_from(&self, path: PathBuf, actor: String) -> Result<(), StoreError> {
        self.with(move |conn| {
            // Bring the backup into memory, up to the current schema, and fix
            // it up there; then copy it over the live database in one step.
            let source = open_backup(&path)?;
            let mut staged = Connection::open_in_memory()?;
            copy_database(&source, &mut staged)?;
            drop(source);
            migrate(&mut staged)?;
            let now = now_ms();
            {
                let tx = staged.transaction()?;
                // Sequence numbers never go back: devices whose cursor is past
                // the backup's newest change would otherwise skip new changes.
                let offset = top_seq(conn)?.max(top_seq(&tx)?) as i64;
                tx.execute("UPDATE records SET seq = seq + ?1", [offset])?;
                tx.execute("UPDATE counters SET value = value + ?1 WHERE name = 'seq'", [offset])?;
                revoke_all_tokens(&tx, None, now)?;
                let event = AuditEvent {
                    action: AuditAction::Restored,
                    actor,
                    subject: path.file_name().map(|n| n.to_string_lossy().into_owned()),
                    address: None,
                };
                insert_audit(&tx, &event, now)?;
                tx.commit()?;
            }
            copy_database(&staged, conn)?;
            conn.execute_batch("PRAGMA journal_mode = WAL;")?;
            Ok(())
        })
        .await
    }

    async fn ping(&self) -> Result<(), StoreError> {
        self.with(|conn| Ok(conn.query_row("SELECT 1", [], |r| r.get::<_, i64>(0)).map(drop)?)).await
    }

    async fn export_all(&self) -> Result<Snapshot, StoreError> {
        self.with(|conn| {
            let tx = conn.transaction()?;
            let top_seq = top_seq(&tx)?;
            let records = tx
                .prepare(&format!("SELECT {RECORD_COLUMNS} FROM records ORDER BY id"))?
                .query_map([], read_raw)?
                .map(|r| decode(r?))
                .collect::<Result<Vec<_>, _>>()?;
            let raws = tx
                .prepare(&format!("SELECT {USER_COLUMNS} FROM users u ORDER BY u.username"))?
                .query_map([], read_user)?
                .collect::<Result<Vec<_>, _>>()?;
            let users = raws.into_iter().map(|r| decode_user(&tx, r)).collect::<Result<Vec<_>, _>>()?;
            let tokens = tx
                .prepare(&format!("SELECT {TOKEN_COLUMNS}, t.token_hash FROM tokens t ORDER BY t.id"))?
                .query_map([], |r| Ok((read_token(r)?, r.get::<_, String>(7)?)))?
                .map(|row| {
                    let (raw, token_hash) = row?;
                    Ok(TokenExport { token_hash, token: decode_token(raw)? })
                })
                .collect::<Result<Vec<_>, StoreError>>()?;
            let audit = tx
                .prepare("SELECT id, at_ms, action, actor, subject, address FROM audit ORDER BY id")?
                .query_map([], read_audit)?
                .map(|row| decode_audit(row?))
                .collect::<Result<Vec<_>, _>>()?;
            let creators = tx
                .prepare("SELECT id, created_by, created_device FROM records WHERE created_by IS NOT NULL OR created_device IS NOT NULL ORDER BY id")?
                .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, Option<String>>(1)?, r.get::<_, Option<String>>(2)?)))?
                .map(|row| {
                    let (id, by, device) = row?;
                    Ok((uuid(&id)?, by.as_deref().map(uuid).transpose()?, device.as_deref().map(uuid).transpose()?))
                })
                .collect::<Result<Vec<_>, StoreError>>()?;
            let history = tx
                .prepare(&format!("SELECT {HISTORY_COLUMNS} FROM history h LEFT JOIN records r ON r.id = h.record_id ORDER BY h.seq"))?
                .query_map([], read_history)?
                .map(|raw| decode_history(raw?))
                .collect::<Result<Vec<_>, _>>()?;
            Ok(Snapshot { top_seq, records, creators, history, users, tokens, audit })
        })
        .await
    }

    async fn import_all(&self, snapshot: Snapshot) -> Result<(), StoreError> {
        self.with(move |conn| {
            let tx = conn.transaction()?;
            let (records, users): (i64, i64) =
                tx.query_row("SELECT (SELECT count(*) FROM records), (SELECT count(*) FROM users)", [], |r| {
                    Ok((r.get(0)?, r.get(1)?))
                })?;
            if records > 0 || users > 0 {
                return Err(StoreError::NotEmpty(format!("{records} poster, {users} användare")));
            }
            tx.execute_batch("DELETE FROM tokens; DELETE FROM audit;")?;
            let creators: HashMap<Uuid, Creator> = snapshot.creators.iter().map(|&(id, by, device)| (id, (by, device))).collect();
            save_records(
                &tx,
                snapshot.records.iter().map(|r| (&r.state, r.seq, creators.get(&r.state.id).copied().unwrap_or_default(), None)),
            )?;
            insert_history(&tx, &snapshot.history, 0)?;
            tx.execute(FILL_CREATED_SEQ, [])?;
            fill_visit_tallies(&tx)?;
            let top = snapshot.records.iter().map(|r| r.seq).max().unwrap_or(0).max(snapshot.top_seq);
            tx.execute("UPDATE counters SET value = ?1 WHERE name = 'seq'", [top as i64])?;
            for user in &snapshot.users {
                tx.execute(
                    "INSERT INTO users (id, username, display_name, password_hash, role, home_meeting_place, disabled)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                    params![
                        user.id.to_string(),
                        user.username,
                        user.display_name,
                        user.password_hash,
                        user.role.as_str(),
                        user.home_meeting_place.map(|u| u.to_string()),
                        user.disabled
                    ],
                )?;
                for m in &user.memberships {
                    tx.execute(
                        "INSERT INTO memberships (user_id, lab_id, role) VALUES (?1, ?2, ?3)",
                        params![user.id.to_string(), m.lab_id.to_string(), m.role.as_str()],
                    )?;
                }
            }
            for t in &snapshot.tokens {
                let r = &t.token;
                tx.execute(
                    "INSERT INTO tokens (id, token_hash, user_id, device_id, created_ms, last_used_ms, revoked_ms, device_name)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                    params![
                        r.id.to_string(),
                        t.token_hash,
                        r.user_id.to_string(),
                        r.device_id.map(|d| d.to_string()),
                        r.created_ms as i64,
                        r.last_used_ms.map(|v| v as i64),
                        r.revoked_ms.map(|v| v as i64),
                        r.device_name
                    ],
                )?;
            }
            for a in &snapshot.audit {
                tx.execute(
                    "INSERT INTO audit (id, at_ms, action, actor, subject, address) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                    params![a.id as i64, a.at_ms as i64, a.action.as_str(), a.actor, a.subject, a.address],
                )?;
            }
            tx.commit()?;
            Ok(())
        })
        .await
    }

    async fn records_of_labs(&self, labs: Vec<Uuid>) -> Result<Vec<RecordState>, StoreError> {
        let lab_list = serde_json::to_string(&labs.iter().map(Uuid::to_string).collect::<Vec<_>>()).map_err(corrupt)?;
        let raws = self
            .with(move |conn| {
                let tx = conn.transaction()?;
                let raws = tx
                    .prepare_cached(&format!(
                        "SELECT {RECORD_COLUMNS} FROM records
                         WHERE deleted IS NULL AND lab_id IN (SELECT value FROM json_each(?1))"
                    ))?
                    .query_map([lab_list], read_raw)?
                    .collect::<Result<Vec<_>, _>>()?;
                Ok(raws)
            })
            .await?;
        // Decoded off the connection's lock: a year of visits takes a while.
        tokio::task::spawn_blocking(move || raws.into_iter().map(|r| decode(r).map(|s| s.state)).collect())
            .await
            .map_err(|e| StoreError::Task(e.to_string()))?
    }

    async fn summary_input(&self, labs: Vec<Uuid>) -> Result<SummaryInput, StoreError> {
        let lab_list = serde_json::to_string(&labs.iter().map(Uuid::to_string).collect::<Vec<_>>()).map_err(corrupt)?;
        let (raws, tallies) = self
            .with(move |conn| {
                // One snapshot: the counts and the records agree.
                let tx = conn.transaction()?;
                let raws = tx
                    .prepare_cached(&format!(
                        "SELECT {RECORD_COLUMNS} FROM records
                         WHERE deleted IS NULL AND kind <> 'visit' AND lab_id IN (SELECT value FROM json_each(?1))"
                    ))?
                    .query_map([&lab_list], read_raw)?
                    .collect::<Result<Vec<_>, _>>()?;
                let tallies = tx
                    .prepare_cached(&format!(
                        "SELECT {TALLY_COLUMNS} FROM visit_tallies WHERE lab_id IN (SELECT value FROM json_each(?1))"
                    ))?
                    .query_map([&lab_list], read_tally)?
                    .collect::<Result<Vec<_>, _>>()?;
                Ok((raws, tallies))
            })
            .await?;
        Ok(SummaryInput {
            records: raws.into_iter().map(|r| decode(r).map(|s| s.state)).collect::<Result<_, _>>()?,
            visits: tallies.into_iter().map(decode_tally).collect::<Result<_, _>>()?,
        })
    }

    async fn count_visible_after(
        &self,
        labs: Vec<Uuid>,
        shared_knowledge: bool,
        cursor: u64,
    ) -> Result<u64, StoreError> {
        self.with(move |conn| {
            let lab_list =
                serde_json::to_string(&labs.iter().map(Uuid::to_string).collect::<Vec<_>>()).map_err(corrupt)?;
            // The same rows as `pull_visible`'s, counted.
            let n: i64 = conn
                .prepare_cached(
                    "SELECT count(*) FROM records
                 WHERE seq > ?1 AND (lab_id IN (SELECT value FROM json_each(?2))
                    OR (?3 AND kind IN ('good_example', 'lesson')
                        AND json_extract(fields, '$.review') IN ('published', 'withdrawn')))",
                )?
                .query_row(params![cursor as i64, lab_list, shared_knowledge], |r| r.get(0))?;
            Ok(n as u64)
        })
        .await
    }

    async fn lab_ids(&self) -> Result<Vec<Uuid>, StoreError> {
        self.with(|conn| {
            conn.prepare_cached("SELECT id FROM records WHERE kind = 'lab' AND deleted IS NULL ORDER BY id")?
                .query_map([], |r| r.get::<_, String>(0))?
                .map(|id| uuid(&id?))
                .collect()
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use labblogg_shared::sync::RejectCode;

    /// A database as migration 1 left it, with one user of each role.
    fn v1_database(path: &Path) {
        let conn = Connection::open(path).unwrap();
        conn.execute_batch(MIGRATIONS[0]).unwrap();
        conn.pragma_update(None, "user_version", 1).unwrap();
        for (id, role, labs) in [
            (1u128, "staff", &[10u128][..]),
            (2, "coordinator", &[10, 20]),
            (3, "researcher", &[10]),
            (4, "admin", &[20]),
        ] {
            let id = Uuid::from_u128(id).to_string();
            conn.execute(
                "INSERT INTO users (id, username, display_name, password_hash, role) VALUES (?1, ?2, ?2, 'x', ?3)",
                params![id, role, role],
            )
            .unwrap();
            for lab in labs {
                conn.execute("INSERT INTO user_labs VALUES (?1, ?2)", params![id, Uuid::from_u128(*lab).to_string()])
                    .unwrap();
            }
            conn.execute(
                "INSERT INTO tokens (token_hash, user_id, device_id, created_ms) VALUES (?1, ?2, NULL, 5)",
                params![format!("hash-{role}"), id],
            )
            .unwrap();
        }
    }

    #[tokio::test]
    async fn migration_2_keeps_users_tokens_and_lab_roles() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("v1.db");
        v1_database(&path);
        let store = SqliteStore::open(path.to_str().unwrap()).unwrap();
        let labs = |u: &UserRow| u.memberships.iter().map(|m| (m.lab_id.as_u128(), m.role)).collect::<Vec<_>>();

        let staff = store.session_by_token("hash-staff".into()).await.unwrap().expect("the old token still signs in");
        assert_eq!(staff.user.role, Role::Staff);
        assert_eq!(labs(&staff.user), vec![(10, LabRole::Staff)]);
        assert_eq!(staff.token.created_ms, 5);
        let coordinator = store.user_by_name("coordinator").await.unwrap().unwrap();
        assert_eq!(coordinator.role, Role::Coordinator);
        assert_eq!(labs(&coordinator), vec![(10, LabRole::Coordinator), (20, LabRole::Coordinator)]);
        let researcher = store.user_by_name("researcher").await.unwrap().unwrap();
        assert_eq!(researcher.role, Role::Researcher);
        assert!(researcher.memberships.is_empty(), "researchers never read records");
        let admin = store.user_by_name("admin").await.unwrap().unwrap();
        assert_eq!(admin.role, Role::Admin);
        assert_eq!(labs(&admin), vec![(20, LabRole::Coordinator)]);

        // Every old token got its own id, and can be revoked by it.
        let mut ids = Vec::new();
        for u in store.users().await.unwrap() {
            let tokens = store.tokens_of(u.id, true).await.unwrap();
            assert_eq!(tokens.len(), 1);
            ids.push(tokens[0].id);
        }
        ids.sort();
        ids.dedup();
        assert_eq!(ids.len(), 4);
        assert!(store.revoke_token(staff.token.id).await.unwrap());
        assert!(store.session_by_token("hash-staff".into()).await.unwrap().is_none());
        store
            .audit(AuditEvent { action: AuditAction::SignIn, actor: "a".into(), subject: None, address: None })
            .await
            .unwrap();
        assert_eq!(store.audit_log(None, 10).await.unwrap().len(), 1);
    }

    #[tokio::test]
    async fn touch_writes_at_most_once_a_minute() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.db");
        v1_database(&path);
        let store = SqliteStore::open(path.to_str().unwrap()).unwrap();
        let id = store.session_by_token("hash-staff".into()).await.unwrap().unwrap().token.id;
        store.touch_token(id, 1_000_000).await.unwrap();
        store.touch_token(id, 1_030_000).await.unwrap();
        assert_eq!(store.token(id).await.unwrap().unwrap().last_used_ms, Some(1_000_000));
        store.touch_token(id, 1_060_000).await.unwrap();
        assert_eq!(store.token(id).await.unwrap().unwrap().last_used_ms, Some(1_060_000));
    }

    /// A push reads its records at once and writes each changed record once: the outcome must
    /// be what merging and writing change by change gives — every altering change a number,
    /// the record the number of its last change, refused and idle changes none.
    #[tokio::test]
    async fn a_push_writes_each_record_once_with_the_number_of_its_last_change() {
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::open(dir.path().join("t.db").to_str().unwrap()).unwrap();
        let lab = Uuid::from_u128(10);
        let partner = |id: u128, ms: u64, fields: serde_json::Value| Change {
            change_id: Uuid::now_v7(),
            kind: RecordKind::Partner,
            id: Uuid::from_u128(id),
            lab_id: lab,
            hlc: Hlc { ms, counter: 0, node: 1 },
            fields: fields.as_object().cloned().unwrap(),
            deleted: false,
            restore: false,
        };
        let a = partner(1, 10, serde_json::json!({"name": "Röda korset", "kind": "ngo"}));
        let outcomes = store.push(vec![a.clone()]).await.unwrap();
        assert_eq!(outcomes, vec![Ok(())]);
        let batch = vec![
            partner(1, 20, serde_json::json!({"name": "Röda Korset Södertälje"})), // 2
            a.clone(),                                                             // idle: no number
            partner(2, 30, serde_json::json!({"name": "Kyrkan", "kind": "church"})), // 3
            partner(1, 15, serde_json::json!({"name": "older, loses"})),           // idle
            partner(2, 40, serde_json::json!({"name": ""})),                       // refused: no number
            partner(1, 50, serde_json::json!({"kind": "business"})),               // 4
            Change { lab_id: Uuid::from_u128(20), ..partner(2, 60, serde_json::json!({"name": "X"})) }, // conflict
        ];
        let outcomes = store.push(batch).await.unwrap();
        let codes: Vec<Option<RejectCode>> = outcomes.iter().map(|o| o.as_ref().err().map(|r| r.code)).collect();
        use RejectCode::{Conflict, Validation};
        assert_eq!(codes, vec![None, None, None, None, Some(Validation), None, Some(Conflict)]);
        assert_eq!(store.top_seq().await.unwrap(), 4);
        let page = store.pull(vec![lab], 0, 100).await.unwrap();
        let got: Vec<(u64, Uuid)> = page.records.iter().map(|r| (r.seq, r.state.id)).collect();
        assert_eq!(got, vec![(3, Uuid::from_u128(2)), (4, Uuid::from_u128(1))]);
        let one = &page.records[1].state;
        assert_eq!(one.fields["name"], "Röda Korset Södertälje");
        assert_eq!(one.fields["kind"], "business");
        assert_eq!(one.clocks["name"], Hlc { ms: 20, counter: 0, node: 1 });
        assert_eq!(page.records[0].state.fields["name"], "Kyrkan");
        // An empty push changes nothing and takes no number.
        assert_eq!(store.push(Vec::new()).await.unwrap(), vec![]);
        assert_eq!(store.top_seq().await.unwrap(), 4);
    }

    /// One stamp for every field is stored as that stamp; anything else as the object of stamps;
    /// both read back as the same record.
    #[test]
    fn clocks_are_stored_short_when_one_change_set_every_field() {
        let h = |ms| Hlc { ms, counter: 0, node: 7 };
        let fields: Map<String, Value> =
            serde_json::from_value(serde_json::json!({"name": "Kyrkan", "kind": "church"})).unwrap();
        let state = |clocks: &[(&str, Hlc)]| RecordState {
            kind: RecordKind::Partner,
            id: Uuid::from_u128(1),
            lab_id: Uuid::from_u128(10),
            fields: fields.clone(),
            clocks: clocks.iter().map(|(k, h)| (k.to_string(), *h)).collect(),
            deleted: None,
            restored: None,
        };
        let cases = [
            (state(&[("name", h(30)), ("kind", h(30))]), false),
            (state(&[("name", h(30)), ("kind", h(31))]), true),
            (state(&[("name", h(30))]), true), // a field without a stamp of its own
            (state(&[("name", h(30)), ("kind", h(30)), ("city", h(30))]), true), // a stamp without its field
            (RecordState { fields: Map::new(), ..state(&[]) }, true),
        ];
        for (s, object) in cases {
            let mut text = Vec::new();
            encode_clocks(&s, &mut text).unwrap();
            let text = String::from_utf8(text).unwrap();
            assert_eq!(text.starts_with('{'), object, "{text}");
            assert_eq!(decode_clocks(&text, &s.fields).unwrap(), s.clocks, "{text}");
        }
        let mut short = Vec::new();
        encode_clocks(&cases_first(&fields, h(30)), &mut short).unwrap();
        assert_eq!(String::from_utf8(short).unwrap(), h(30).to_string());
    }

    fn cases_first(fields: &Map<String, Value>, h: Hlc) -> RecordState {
        RecordState {
            kind: RecordKind::Partner,
            id: Uuid::from_u128(1),
            lab_id: Uuid::from_u128(10),
            fields: fields.clone(),
            clocks: fields.keys().map(|k| (k.clone(), h)).collect(),
            deleted: None,
            restored: None,
        }
    }

    /// Migration 6 keys the history by sequence number and finds each visit's creation row from
    /// its record: a record's history reads the same before and after it.
    #[tokio::test]
    async fn migration_6_keeps_every_records_history() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("v5.db");
        let path = path.to_str().unwrap();
        let store = SqliteStore::open(path).unwrap();
        let lab = Uuid::from_u128(10);
        let change = |kind: RecordKind, id: u128, ms: u64, fields: serde_json::Value, deleted: bool| Change {
            change_id: Uuid::now_v7(),
            kind,
            id: Uuid::from_u128(id),
            lab_id: lab,
            hlc: Hlc { ms, counter: 0, node: 1 },
            fields: fields.as_object().cloned().unwrap(),
            deleted,
            restore: false,
        };
        let place = change(
            RecordKind::MeetingPlace,
            1,
            10,
            serde_json::json!({"name": "Gården", "age_bands": ["13-15"]}),
            false,
        );
        let visit = |id: u128| {
            let fields = serde_json::json!({"meeting_place_id": Uuid::from_u128(1), "at_ms": 1_772_445_600_000_i64, "date": "2026-03-02", "age_band": "13-15"});
            change(RecordKind::Visit, id, 20, fields, false)
        };
        let outcomes = store
            .push(vec![place, visit(2), visit(3), change(RecordKind::Visit, 2, 30, serde_json::json!({}), true)])
            .await
            .unwrap();
        assert!(outcomes.iter().all(Result::is_ok), "{outcomes:?}");
        let histories = |store: SqliteStore| async move {
            let mut all = Vec::new();
            for id in [1, 2, 3] {
                all.push(store.history(Uuid::from_u128(id)).await.unwrap());
            }
            all
        };
        let before = histories(store).await;
        assert_eq!(before.iter().map(Vec::len).collect::<Vec<_>>(), [1, 2, 1]);
        // Back to the layout of migration 5.
        let conn = Connection::open(path).unwrap();
        conn.execute_batch(
            "CREATE TABLE history_v5 (id INTEGER PRIMARY KEY AUTOINCREMENT, seq INTEGER NOT NULL, change_id TEXT NOT NULL,
                record_id TEXT NOT NULL, kind TEXT NOT NULL, lab_id TEXT NOT NULL, user_id TEXT, device_id TEXT,
                at_ms INTEGER NOT NULL, hlc TEXT NOT NULL, op TEXT NOT NULL, fields TEXT);
             INSERT INTO history_v5 (seq, change_id, record_id, kind, lab_id, user_id, device_id, at_ms, hlc, op, fields)
                SELECT h.seq, h.change_id, h.record_id, COALESCE(h.kind, r.kind), COALESCE(h.lab_id, r.lab_id),
                    CASE WHEN h.fields IS NULL THEN r.created_by ELSE h.user_id END,
                    CASE WHEN h.fields IS NULL THEN r.created_device ELSE h.device_id END, h.at_ms, h.hlc, h.op, h.fields
                FROM history h JOIN records r ON r.id = h.record_id ORDER BY h.seq;
             DROP TABLE history;
             ALTER TABLE history_v5 RENAME TO history;
             CREATE INDEX history_record ON history(record_id, id);
             CREATE INDEX history_deletes ON history(op, at_ms) WHERE op = 'delete';
             ALTER TABLE records DROP COLUMN created_seq;
             ALTER TABLE tokens DROP COLUMN device_name;
             PRAGMA user_version = 5;",
        )
        .unwrap();
        drop(conn);
        let after = histories(SqliteStore::open(path).unwrap()).await;
        assert_eq!(after, before);
    }
}
