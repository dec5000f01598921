//! The server's storage, behind one trait so handlers never see SQL and a
//! second backend can be added beside SQLite (see docs/ARCHITECTURE.md).

mod sqlite;

pub use sqlite::SqliteStore;

use async_trait::async_trait;
use labblogg_shared::auth::{AuditAction, AuditEntry, LabRole, Membership, Role};
use labblogg_shared::sync::{Change, Rejection, ServerRecord};
use labblogg_shared::RecordState;
use std::path::PathBuf;
use std::sync::Arc;
use uuid::Uuid;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("unsupported database url {0:?} (expected sqlite://PATH)")]
    UnsupportedUrl(String),
    #[error("sqlite: {0}")]
    Sqlite(#[from] rusqlite::Error),
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

/// A page of a pull.
#[derive(Debug, Clone, PartialEq)]
pub struct PullPage {
    pub records: Vec<ServerRecord>,
    pub cursor: u64,
    pub more: bool,
}

#[async_trait]
pub trait Store: Send + Sync + 'static {
    /// Merge a batch of changes in one transaction: every accepted change is
    /// durable when this returns, or (on `Err`) none is. One outcome per
    /// change, in order: `Ok` accepted (or already known), `Err` refused.
    async fn push(&self, changes: Vec<Change>) -> Result<Vec<Result<(), Rejection>>, StoreError>;

    /// Records of `labs` changed after `cursor`, in sequence order, at most `limit`.
    async fn pull(&self, labs: Vec<Uuid>, cursor: u64, limit: u32) -> Result<PullPage, StoreError>;

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
    async fn insert_token(&self, token_hash: String, user_id: Uuid, device_id: Option<Uuid>) -> Result<Uuid, StoreError>;
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
}

/// Open the store a database URL names.
pub fn open(url: &str) -> Result<Arc<dyn Store>, StoreError> {
    match url.strip_prefix("sqlite://") {
        Some(path) => Ok(Arc::new(SqliteStore::open(path)?)),
        None => Err(StoreError::UnsupportedUrl(url.to_owned())),
    }
}
