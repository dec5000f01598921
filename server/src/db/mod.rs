//! The server's storage, behind one trait so handlers never see SQL and a
//! second backend can be added beside SQLite (see docs/ARCHITECTURE.md).

mod postgres;
mod sqlite;

pub use postgres::PostgresStore;
pub use sqlite::SqliteStore;

pub use crate::push::{HistoryRow, Pusher};
use async_trait::async_trait;
use labblogg_shared::auth::{AuditAction, AuditEntry, LabRole, Membership, Role};
use labblogg_shared::summary::{TallyChanges, VisitTally};
use labblogg_shared::sync::{Change, Rejection, ServerRecord};
use labblogg_shared::RecordState;
use std::path::PathBuf;
use std::sync::Arc;
use uuid::Uuid;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("unsupported database url {0:?} (expected sqlite://PATH or postgres://…)")]
    UnsupportedUrl(String),
    #[error("sqlite: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("postgres: {0}")]
    Postgres(#[from] tokio_postgres::Error),
    #[error("postgres pool: {0}")]
    Pool(String),
    #[error("io: {0}")]
    Io(#[from] std::io::Error),
    #[error("corrupt row: {0}")]
    Corrupt(String),
    #[error("username already taken")]
    UsernameTaken,
    #[error("no such user")]
    UnknownUser,
    // The three below reach the operator through the command line: Swedish.
    #[error("{0} finns redan; välj ett annat filnamn")]
    Exists(PathBuf),
    #[error("inte en labblogg-databas: {0}")]
    NotADatabase(String),
    #[error("databasen är låst av en annan anslutning; försök igen")]
    Busy,
    #[error("storage task failed: {0}")]
    Task(String),
    // These two reach the operator through the command line too: Swedish.
    #[error("{0}")]
    Unsupported(String),
    #[error("måldatabasen är inte tom ({0}); flytta bara till en ny, tom databas")]
    NotEmpty(String),
}

/// A user as stored, password hash included (never sent to clients).
#[derive(Debug, Clone, PartialEq)]
pub struct UserRow {
    pub id: Uuid,
    pub username: String,
    pub display_name: String,
    pub password_hash: String,
    /// The user's highest role (see [`UserRow::highest_role`]). Permission
    /// decisions are made from it and `memberships` in `policy.rs` only.
    pub role: Role,
    /// The labs this user works in and the role in each, ordered by lab id.
    pub memberships: Vec<Membership>,
    pub home_meeting_place: Option<Uuid>,
    pub disabled: bool,
}

impl UserRow {
    /// The labs of `memberships`, in order.
    pub fn labs(&self) -> Vec<Uuid> {
        self.memberships.iter().map(|m| m.lab_id).collect()
    }

    /// The account-wide role if it is `Admin` or `Researcher`, else the
    /// highest role held in a lab. Stores derive `role` with this on load,
    /// so it never disagrees with the memberships.
    pub fn highest_role(account_role: Role, memberships: &[Membership]) -> Role {
        match account_role {
            Role::Admin | Role::Researcher => account_role,
            Role::Staff | Role::Coordinator => {
                if memberships.iter().any(|m| m.role == LabRole::Coordinator) {
                    Role::Coordinator
                } else {
                    Role::Staff
                }
            }
        }
    }
}

/// A device token as stored: its hash only, never the token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenRow {
    pub id: Uuid,
    pub user_id: Uuid,
    pub device_id: Option<Uuid>,
    pub created_ms: u64,
    pub last_used_ms: Option<u64>,
    pub revoked_ms: Option<u64>,
    /// The device's name as given when signing in ("Surfplattan i Lina Hage 1").
    pub device_name: Option<String>,
}

/// A live token and the user it signs in.
#[derive(Debug, Clone, PartialEq)]
pub struct Session {
    pub user: UserRow,
    pub token: TokenRow,
}

/// An audit log line to write; the store adds its id and time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditEvent {
    pub action: AuditAction,
    pub actor: String,
    pub subject: Option<String>,
    pub address: Option<String>,
}

/// Held while a server serves the database; dropping it releases the claim.
pub struct ServingClaim(pub Box<dyn std::any::Any + Send>);

/// A device token with its hash, as moved between databases.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenExport {
    pub token_hash: String,
    pub token: TokenRow,
}

/// Every row of an installation, for `labblogg migrate-data`: records with
/// their sequence numbers and clocks (ordered by id), the counter, users with
/// their memberships, device tokens (by hash) and the audit log (by id).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Snapshot {
    pub top_seq: u64,
    pub records: Vec<ServerRecord>,
    /// Who created each record, where known: (record, user, device).
    pub creators: Vec<(Uuid, Option<Uuid>, Option<Uuid>)>,
    /// The history, in order (`HistoryRow::number` is the sequence number).
    pub history: Vec<HistoryRow>,
    pub users: Vec<UserRow>,
    pub tokens: Vec<TokenExport>,
    pub audit: Vec<AuditEntry>,
}

impl Snapshot {
    /// SHA-256 (hex) over every record ordered by id: id, seq, kind, lab,
    /// fields, clocks and tombstone. Equal on two stores when they hold the
    /// same records; computed from decoded rows, so independent of how a
    /// backend keeps them.
    pub fn records_hash(&self) -> String {
        use sha2::{Digest, Sha256};
        let mut records: Vec<&ServerRecord> = self.records.iter().collect();
        records.sort_by_key(|r| r.state.id);
        let mut hash = Sha256::new();
        for r in records {
            let s = &r.state;
            let line = format!(
                "{}\t{}\t{}\t{}\t{}\t{}\t{}\n",
                s.id,
                r.seq,
                s.kind.as_str(),
                s.lab_id,
                serde_json::Value::Object(s.fields.clone()),
                serde_json::to_string(&s.clocks).unwrap_or_default(),
                s.deleted.map(|h| h.to_string()).unwrap_or_default(),
            );
            hash.update(line.as_bytes());
        }
        hash.finalize().iter().map(|b| format!("{b:02x}")).collect()
    }
}

/// What `GET /api/v1/summary` reads: the live records of some labs except
/// visits, which come counted ([`VisitTally`], kept up to date by every push).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SummaryInput {
    pub records: Vec<RecordState>,
    pub visits: Vec<VisitTally>,
}

/// Counts the live visits among `records` afresh: how a backend fills its
/// tallies when they are created (a migration) or replaced (an import).
pub fn count_visits<'a>(records: impl IntoIterator<Item = &'a RecordState>) -> Vec<VisitTally> {
    let mut counts = TallyChanges::default();
    for r in records {
        counts.record_changed(None, Some(r));
    }
    counts.into_tallies()
}

/// A page of a pull.
#[derive(Debug, Clone, PartialEq)]
pub struct PullPage {
    pub records: Vec<ServerRecord>,
    pub cursor: u64,
    pub more: bool,
}

/// Fills a pull page from records read in sequence order, for both backends:
/// at most `limit` records and at most `budget` bytes of them as JSON
/// ([`labblogg_shared::sync::MAX_PULL_BYTES`]), but never an empty page while
/// records wait, so one record larger than the budget still travels alone.
/// The backends read rows one at a time (or in small batches) and stop at the
/// first refused one, so a page of big records never sits whole in memory.
#[derive(Debug)]
pub struct PageFiller {
    records: Vec<ServerRecord>,
    bytes: usize,
    limit: usize,
    budget: usize,
    full: bool,
}

impl PageFiller {
    pub fn new(limit: u32) -> Self {
        Self::with_budget(limit, labblogg_shared::sync::MAX_PULL_BYTES)
    }

    pub fn with_budget(limit: u32, budget: usize) -> Self {
        PageFiller { records: Vec::new(), bytes: 0, limit: limit.max(1) as usize, budget, full: false }
    }

    /// Take the next record, or `false` (and the page is full) if it does not fit.
    pub fn offer(&mut self, record: ServerRecord) -> bool {
        if self.full || self.records.len() >= self.limit {
            self.full = true;
            return false;
        }
        let size = labblogg_shared::validate::json_size(&record) + 1; // and its comma
        if !self.records.is_empty() && self.bytes + size > self.budget {
            self.full = true;
            return false;
        }
        self.bytes += size;
        self.records.push(record);
        true
    }

    /// Did a record wait that did not fit (so the pull has `more`)?
    pub fn is_full(&self) -> bool {
        self.full
    }

    /// The page: its records, and `more` if one did not fit. `top_seq` (the
    /// store's newest sequence number, read in the page's transaction) is
    /// the cursor after the last page; it is not read when the page is full.
    pub fn finish(self, cursor: u64, top_seq: Option<u64>) -> PullPage {
        let more = self.full;
        let cursor = match (more, top_seq) {
            (false, Some(top)) => top.max(cursor),
            _ => self.records.last().map_or(cursor, |r| r.seq),
        };
        PullPage { records: self.records, cursor, more }
    }
}

#[async_trait]
pub trait Store: Send + Sync + 'static {
    /// A batch of changes sent by `by`, decided by `push::plan` and written in
    /// one transaction: every accepted change is durable, with its history
    /// row, when this returns, or (on `Err`) none is. One outcome per change,
    /// in order: `Ok` accepted (or already known), `Err` refused.
    async fn push_as(
        &self,
        changes: Vec<Change>,
        by: Pusher,
        now_ms: u64,
    ) -> Result<Vec<Result<(), Rejection>>, StoreError>;

    /// [`Store::push_as`] by this server's own code (demo data, accounts, tests).
    async fn push(&self, changes: Vec<Change>) -> Result<Vec<Result<(), Rejection>>, StoreError> {
        self.push_as(changes, Pusher::System, crate::routes::sync::now_ms()).await
    }

    /// The history of a record, oldest first.
    async fn history(&self, record: Uuid) -> Result<Vec<HistoryRow>, StoreError>;

    /// The records (of `labs`, or any lab when `None`) that are deleted now and whose
    /// deletion was accepted at or after `since_ms` from `device` (or by `user`): what a
    /// lost tablet or a wrong hand may have deleted. Newest deletion first.
    async fn deleted_since(
        &self,
        labs: Option<Vec<Uuid>>,
        device: Option<Uuid>,
        user: Option<Uuid>,
        since_ms: u64,
    ) -> Result<Vec<RecordState>, StoreError>;

    /// Records of `labs` changed after `cursor`, in sequence order, at most `limit`.
    async fn pull(&self, labs: Vec<Uuid>, cursor: u64, limit: u32) -> Result<PullPage, StoreError>;

    /// What a device pulls: like [`Store::pull`], and with `shared_knowledge`
    /// also the published and withdrawn good examples and lessons of every
    /// lab (`knowledge::Review::is_public`), deleted ones included so their
    /// tombstones travel (docs/SYNC.md, "The knowledge base").
    async fn pull_visible(
        &self,
        labs: Vec<Uuid>,
        shared_knowledge: bool,
        cursor: u64,
        limit: u32,
    ) -> Result<PullPage, StoreError>;

    async fn record(&self, id: Uuid) -> Result<Option<RecordState>, StoreError>;

    /// The newest sequence number handed out (0 in an empty store).
    async fn top_seq(&self) -> Result<u64, StoreError>;

    // Users

    async fn user_by_name(&self, username: &str) -> Result<Option<UserRow>, StoreError>;
    async fn user_by_id(&self, id: Uuid) -> Result<Option<UserRow>, StoreError>;
    /// Every user, by username.
    async fn users(&self) -> Result<Vec<UserRow>, StoreError>;
    /// Create a user with its memberships; `UsernameTaken` if the name is in use.
    async fn insert_user(&self, user: UserRow) -> Result<(), StoreError>;
    /// Disable a user and revoke all its tokens at once, in one transaction.
    async fn disable_user(&self, id: Uuid) -> Result<(), StoreError>;
    /// Set a new password hash and revoke all the user's tokens, in one transaction.
    async fn set_password(&self, id: Uuid, password_hash: String) -> Result<(), StoreError>;

    // Device tokens

    /// Store a new token (by its hash) for `user_id`; returns its id.
    async fn insert_token(
        &self,
        token_hash: String,
        user_id: Uuid,
        device_id: Option<Uuid>,
    ) -> Result<Uuid, StoreError>;
    /// The live (not revoked) token with this hash and its user.
    async fn session_by_token(&self, token_hash: String) -> Result<Option<Session>, StoreError>;
    /// Record a use of the token at `now_ms` unless one was recorded in the
    /// minute before: at most one write per token and minute.
    async fn touch_token(&self, id: Uuid, now_ms: u64) -> Result<(), StoreError>;
    async fn token(&self, id: Uuid) -> Result<Option<TokenRow>, StoreError>;
    /// The user's tokens, newest first; revoked ones only if asked.
    async fn tokens_of(&self, user_id: Uuid, include_revoked: bool) -> Result<Vec<TokenRow>, StoreError>;
    /// Revoke a token; `false` if it does not exist or was already revoked.
    async fn revoke_token(&self, id: Uuid) -> Result<bool, StoreError>;
    /// Name the device of token `id` (`shared::auth::clean_device_name` checked it).
    async fn name_token_device(&self, id: Uuid, name: String) -> Result<(), StoreError>;

    /// Mark the database as served by this process until the claim is
    /// dropped (or the process dies); `None` if another one serves it already.
    fn claim_serving(&self) -> Result<Option<ServingClaim>, StoreError>;
    /// Does a process (this one included) hold a serving claim right now?
    fn is_served(&self) -> Result<bool, StoreError>;

    // Audit log

    async fn audit(&self, event: AuditEvent) -> Result<(), StoreError>;
    /// Audit entries with id below `before` (all if `None`), newest first, at most `limit`.
    async fn audit_log(&self, before: Option<u64>, limit: u32) -> Result<Vec<AuditEntry>, StoreError>;

    // Backup and restore

    /// Write a consistent copy of the whole database to `path` (which must not
    /// exist), through SQLite's online backup: the server may keep running.
    async fn backup_to(&self, path: PathBuf) -> Result<(), StoreError>;
    /// Replace the whole database with the backup at `path`, atomically. The
    /// restored records get sequence numbers above every one handed out before,
    /// so devices pull them all again, and every device token is revoked, so a
    /// token revoked after the backup was taken does not come back. `actor`
    /// is written to the restored audit log.
    async fn restore_from(&self, path: PathBuf, actor: String) -> Result<(), StoreError>;

    // Operations

    /// Can the database answer right now? (`GET /readyz`)
    async fn ping(&self) -> Result<(), StoreError>;
    /// Every row, read in one consistent snapshot (`labblogg migrate-data`).
    async fn export_all(&self) -> Result<Snapshot, StoreError>;
    /// Write `snapshot` into this store, which must hold no records and no
    /// users (`NotEmpty` otherwise), in one transaction, keeping every id,
    /// sequence number and clock.
    async fn import_all(&self, snapshot: Snapshot) -> Result<(), StoreError>;

    // Summaries (`GET /api/v1/summary`)

    /// The live (not deleted) records of `labs`, in no particular order. The
    /// default pages through [`Store::pull`]; a backend may read them at once.
    async fn records_of_labs(&self, labs: Vec<Uuid>) -> Result<Vec<RecordState>, StoreError> {
        let mut records = Vec::new();
        let mut cursor = 0;
        loop {
            let page = self.pull(labs.clone(), cursor, labblogg_shared::sync::MAX_PULL_RECORDS).await?;
            records.extend(page.records.into_iter().map(|r| r.state).filter(|s| s.deleted.is_none()));
            if !page.more {
                return Ok(records);
            }
            cursor = page.cursor;
        }
    }

    /// The live records of `labs` but their visits, and their visits counted.
    /// The default counts the visits of [`Store::records_of_labs`]; the
    /// backends read the counts they keep (`visit_tallies`).
    async fn summary_input(&self, labs: Vec<Uuid>) -> Result<SummaryInput, StoreError> {
        let all = self.records_of_labs(labs).await?;
        let visits = count_visits(&all);
        let records = all.into_iter().filter(|r| r.kind != labblogg_shared::RecordKind::Visit).collect();
        Ok(SummaryInput { records, visits })
    }

    /// How many records [`Store::pull_visible`] would bring from `cursor`
    /// on (`GET /api/v1/sync/backlog`, a new device's progress). The default
    /// pages through the pull; the backends count in SQL.
    async fn count_visible_after(
        &self,
        labs: Vec<Uuid>,
        shared_knowledge: bool,
        cursor: u64,
    ) -> Result<u64, StoreError> {
        let (mut cursor, mut count) = (cursor, 0u64);
        loop {
            let page = self
                .pull_visible(labs.clone(), shared_knowledge, cursor, labblogg_shared::sync::MAX_PULL_RECORDS)
                .await?;
            count += page.records.len() as u64;
            if !page.more {
                return Ok(count);
            }
            cursor = page.cursor;
        }
    }

    /// The ids of every live lab, ordered (researchers' summaries span all
    /// labs). The default reads a whole export; backends should override it.
    async fn lab_ids(&self) -> Result<Vec<Uuid>, StoreError> {
        let mut ids: Vec<Uuid> = self
            .export_all()
            .await?
            .records
            .into_iter()
            .filter(|r| r.state.kind == labblogg_shared::RecordKind::Lab && r.state.deleted.is_none())
            .map(|r| r.state.id)
            .collect();
        ids.sort();
        Ok(ids)
    }
}

/// Open the store a database URL names (`sqlite://PATH` or
/// `postgres://…`), running its migrations.
pub async fn open(url: &str) -> Result<Arc<dyn Store>, StoreError> {
    if let Some(path) = url.strip_prefix("sqlite://") {
        return Ok(Arc::new(SqliteStore::open(path)?));
    }
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        return Ok(Arc::new(PostgresStore::connect(url).await?));
    }
    Err(StoreError::UnsupportedUrl(url.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use labblogg_shared::{Hlc, RecordKind};
    use serde_json::{Map, Value};

    fn record(seq: u64, pad: usize) -> ServerRecord {
        let mut fields = Map::new();
        fields.insert("pad".into(), Value::String("x".repeat(pad)));
        ServerRecord {
            seq,
            state: RecordState {
                kind: RecordKind::Partner,
                id: Uuid::from_u128(seq as u128),
                lab_id: Uuid::from_u128(1),
                fields,
                clocks: [("pad".to_owned(), Hlc::ZERO)].into(),
                deleted: None,
                restored: None,
            },
        }
    }

    #[test]
    fn a_page_stops_at_the_budget_but_never_empty() {
        // Three records of about 500 bytes in a budget of 1,200: two fit.
        let mut page = PageFiller::with_budget(100, 1200);
        assert!(page.offer(record(1, 300)) && page.offer(record(2, 300)));
        assert!(!page.offer(record(3, 300)));
        let p = page.finish(0, Some(99));
        assert_eq!((p.records.len(), p.cursor, p.more), (2, 2, true));
        // One record beyond the budget still travels, alone.
        let mut page = PageFiller::with_budget(100, 1000);
        assert!(page.offer(record(5, 5000)));
        assert!(!page.offer(record(6, 10)));
        assert_eq!(page.finish(2, None).records.len(), 1);
        // The count still limits; the last page's cursor is the store's top.
        let mut page = PageFiller::with_budget(2, 1_000_000);
        assert!(page.offer(record(7, 1)) && page.offer(record(8, 1)) && !page.offer(record(9, 1)));
        let mut last = PageFiller::with_budget(10, 1_000_000);
        assert!(last.offer(record(7, 1)));
        let p = last.finish(6, Some(42));
        assert_eq!((p.cursor, p.more), (42, false));
    }
}
