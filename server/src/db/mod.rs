//! The server's storage, behind one trait so handlers never see SQL and a
//! second backend can be added beside SQLite (see docs/ARCHITECTURE.md).

mod sqlite;

pub use sqlite::SqliteStore;

use async_trait::async_trait;
use labblogg_shared::auth::Role;
use labblogg_shared::sync::{Change, Rejection, ServerRecord};
use labblogg_shared::RecordState;
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
    pub role: Role,
    pub labs: Vec<Uuid>,
    pub home_meeting_place: Option<Uuid>,
    pub disabled: bool,
}

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

    async fn user_by_name(&self, username: &str) -> Result<Option<UserRow>, StoreError>;
    async fn insert_user(&self, user: UserRow) -> Result<(), StoreError>;
    async fn insert_token(&self, token_hash: String, user_id: Uuid, device_id: Option<Uuid>) -> Result<(), StoreError>;
    /// The user a live (not revoked) token belongs to.
    async fn user_by_token(&self, token_hash: String) -> Result<Option<UserRow>, StoreError>;
}

/// Open the store a database URL names.
pub fn open(url: &str) -> Result<Arc<dyn Store>, StoreError> {
    match url.strip_prefix("sqlite://") {
        Some(path) => Ok(Arc::new(SqliteStore::open(path)?)),
        None => Err(StoreError::UnsupportedUrl(url.to_owned())),
    }
}
