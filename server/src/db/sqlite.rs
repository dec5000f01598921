//! SQLite backend: all of its SQL and its migrations live in this file.
//!
//! One connection behind a mutex, used from blocking tasks: SQLite allows one
//! writer at a time anyway, and it makes the sequence numbers behind pull
//! cursors trivially gap-free (a seq is assigned and committed under the lock).

use super::{PullPage, Store, StoreError, UserRow};
use async_trait::async_trait;
use labblogg_shared::auth::Role;
use labblogg_shared::merge::{apply_change, MergeError};
use labblogg_shared::sync::{Change, RejectCode, Rejection, ServerRecord};
use labblogg_shared::validate::validate_record;
use labblogg_shared::{Hlc, RecordKind, RecordState};
use rusqlite::{params, Connection, OptionalExtension, Transaction};
use std::path::Path;
use std::sync::{Arc, Mutex};
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
];

#[derive(Clone)]
pub struct SqliteStore {
    conn: Arc<Mutex<Connection>>,
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
        Ok(SqliteStore { conn: Arc::new(Mutex::new(conn)) })
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

type RawRecord = (String, String, String, i64, String, String, Option<String>);

fn decode(raw: RawRecord) -> Result<ServerRecord, StoreError> {
    let (id, kind, lab_id, seq, fields, clocks, deleted) = raw;
    Ok(ServerRecord {
        seq: seq as u64,
        state: RecordState {
            kind: RecordKind::parse(&kind).ok_or_else(|| corrupt(&kind))?,
            id: uuid(&id)?,
            lab_id: uuid(&lab_id)?,
            fields: serde_json::from_str(&fields).map_err(corrupt)?,
            clocks: serde_json::from_str(&clocks).map_err(corrupt)?,
            deleted: deleted.map(|d| d.parse::<Hlc>()).transpose().map_err(corrupt)?,
        },
    })
}

const RECORD_COLUMNS: &str = "id, kind, lab_id, seq, fields, clocks, deleted";

fn read_raw(r: &rusqlite::Row<'_>) -> rusqlite::Result<RawRecord> {
    Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?, r.get(6)?))
}

fn load_record(tx: &Transaction<'_>, id: Uuid) -> Result<Option<RecordState>, StoreError> {
    let raw = tx
        .prepare_cached(&format!("SELECT {RECORD_COLUMNS} FROM records WHERE id = ?1"))?
        .query_row([id.to_string()], read_raw)
        .optional()?;
    raw.map(|r| decode(r).map(|s| s.state)).transpose()
}

fn next_seq(tx: &Transaction<'_>) -> Result<u64, StoreError> {
    let seq: i64 = tx
        .prepare_cached("UPDATE counters SET value = value + 1 WHERE name = 'seq' RETURNING value")?
        .query_row([], |r| r.get(0))?;
    Ok(seq as u64)
}

fn save_record(tx: &Transaction<'_>, s: &RecordState, seq: u64) -> Result<(), StoreError> {
    tx.prepare_cached(
        "INSERT INTO records (id, kind, lab_id, seq, fields, clocks, deleted) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
         ON CONFLICT(id) DO UPDATE SET seq = excluded.seq, fields = excluded.fields,
             clocks = excluded.clocks, deleted = excluded.deleted",
    )?
    .execute(params![
        s.id.to_string(),
        s.kind.as_str(),
        s.lab_id.to_string(),
        seq as i64,
        serde_json::Value::Object(s.fields.clone()).to_string(),
        serde_json::to_string(&s.clocks).map_err(corrupt)?,
        s.deleted.map(|h| h.to_string()),
    ])?;
    Ok(())
}

fn merge_rejection(e: MergeError) -> Rejection {
    Rejection { code: RejectCode::Conflict, message: format!("Ändringen nekades: {e}.") }
}

fn apply_one(tx: &Transaction<'_>, change: &Change) -> Result<Result<(), Rejection>, StoreError> {
    let current = load_record(tx, change.id)?;
    let merged = match apply_change(current.as_ref(), change) {
        Ok(Some(state)) => state,
        Ok(None) => return Ok(Ok(())),
        Err(e) => return Ok(Err(merge_rejection(e))),
    };
    if let Err(e) = validate_record(&merged) {
        return Ok(Err(Rejection { code: RejectCode::Validation, message: format!("Ändringen nekades: {e}.") }));
    }
    let seq = next_seq(tx)?;
    save_record(tx, &merged, seq)?;
    Ok(Ok(()))
}

fn role_str(r: Role) -> &'static str {
    match r {
        Role::Staff => "staff",
        Role::Coordinator => "coordinator",
        Role::Researcher => "researcher",
        Role::Admin => "admin",
    }
}

fn parse_role(s: &str) -> Result<Role, StoreError> {
    Ok(match s {
        "staff" => Role::Staff,
        "coordinator" => Role::Coordinator,
        "researcher" => Role::Researcher,
        "admin" => Role::Admin,
        other => return Err(corrupt(format!("role {other}"))),
    })
}

fn load_user(conn: &Connection, where_sql: &str, arg: &str) -> Result<Option<UserRow>, StoreError> {
    let row = conn
        .prepare_cached(&format!(
            "SELECT u.id, u.username, u.display_name, u.password_hash, u.role, u.home_meeting_place, u.disabled
             FROM users u {where_sql}"
        ))?
        .query_row([arg], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, String>(3)?,
                r.get::<_, String>(4)?,
                r.get::<_, Option<String>>(5)?,
                r.get::<_, bool>(6)?,
            ))
        })
        .optional()?;
    let Some((id, username, display_name, password_hash, role, home, disabled)) = row else {
        return Ok(None);
    };
    let labs = conn
        .prepare_cached("SELECT lab_id FROM user_labs WHERE user_id = ?1 ORDER BY lab_id")?
        .query_map([&id], |r| r.get::<_, String>(0))?
        .map(|l| uuid(&l?))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Some(UserRow {
        id: uuid(&id)?,
        username,
        display_name,
        password_hash,
        role: parse_role(&role)?,
        labs,
        home_meeting_place: home.as_deref().map(uuid).transpose()?,
        disabled,
    }))
}

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

#[async_trait]
impl Store for SqliteStore {
    async fn push(&self, changes: Vec<Change>) -> Result<Vec<Result<(), Rejection>>, StoreError> {
        self.with(move |conn| {
            let tx = conn.transaction()?;
            let outcomes = changes.iter().map(|c| apply_one(&tx, c)).collect::<Result<Vec<_>, _>>()?;
            tx.commit()?;
            Ok(outcomes)
        })
        .await
    }

    async fn pull(&self, labs: Vec<Uuid>, cursor: u64, limit: u32) -> Result<PullPage, StoreError> {
        self.with(move |conn| {
            let tx = conn.transaction()?;
            let lab_list = serde_json::to_string(&labs.iter().map(Uuid::to_string).collect::<Vec<_>>())
                .map_err(corrupt)?;
            let raws = tx
                .prepare_cached(&format!(
                    "SELECT {RECORD_COLUMNS} FROM records
                     WHERE seq > ?1 AND lab_id IN (SELECT value FROM json_each(?2))
                     ORDER BY seq LIMIT ?3"
                ))?
                .query_map(params![cursor as i64, lab_list, limit as i64 + 1], read_raw)?
                .collect::<Result<Vec<_>, _>>()?;
            let more = raws.len() > limit as usize;
            let records = raws.into_iter().take(limit as usize).map(decode).collect::<Result<Vec<_>, _>>()?;
            let cursor = if more {
                records.last().map_or(cursor, |r| r.seq)
            } else {
                // Nothing visible to this user lies beyond the newest seq: skip past
                // other labs' changes too, read in the same transaction as the page.
                let top: i64 = tx.query_row("SELECT value FROM counters WHERE name = 'seq'", [], |r| r.get(0))?;
                (top as u64).max(cursor)
            };
            Ok(PullPage { records, cursor, more })
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

    async fn user_by_name(&self, username: &str) -> Result<Option<UserRow>, StoreError> {
        let username = username.to_owned();
        self.with(move |conn| load_user(conn, "WHERE u.username = ?1", &username)).await
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
                    role_str(user.role),
                    user.home_meeting_place.map(|u| u.to_string()),
                    user.disabled
                ],
            )?;
            if inserted == 0 {
                return Err(StoreError::UsernameTaken);
            }
            for lab in &user.labs {
                tx.execute("INSERT INTO user_labs (user_id, lab_id) VALUES (?1, ?2)", params![user.id.to_string(), lab.to_string()])?;
            }
            tx.commit()?;
            Ok(())
        })
        .await
    }

    async fn insert_token(&self, token_hash: String, user_id: Uuid, device_id: Option<Uuid>) -> Result<(), StoreError> {
        self.with(move |conn| {
            conn.execute(
                "INSERT INTO tokens (token_hash, user_id, device_id, created_ms) VALUES (?1, ?2, ?3, ?4)",
                params![token_hash, user_id.to_string(), device_id.map(|d| d.to_string()), now_ms()],
            )?;
            Ok(())
        })
        .await
    }

    async fn user_by_token(&self, token_hash: String) -> Result<Option<UserRow>, StoreError> {
        self.with(move |conn| {
            load_user(
                conn,
                "JOIN tokens t ON t.user_id = u.id WHERE t.token_hash = ?1 AND t.revoked_ms IS NULL",
                &token_hash,
            )
        })
        .await
    }
}
