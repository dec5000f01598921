//! The last resort when a tablet cannot reach the server: export every change
//! not yet synced as a JSON file, and import such a file on another device,
//! which then syncs the changes (they keep their ids, so nothing is counted twice).

use crate::i18n::*;
use crate::{browser, clock, store};
use labblogg_shared::sync::Change;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

pub const FORMAT: &str = "labblogg-unsynced-changes";
pub const VERSION: u32 = 1;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UnsyncedExport {
    pub format: String,
    pub version: u32,
    pub device_id: Uuid,
    pub exported_at_ms: u64,
    pub changes: Vec<Change>,
}

#[derive(Debug)]
pub enum BackupError {
    NotAnExport,
    TooNew,
    Store(store::StoreError),
    Download(String),
}

impl From<store::StoreError> for BackupError {
    fn from(e: store::StoreError) -> Self {
        BackupError::Store(e)
    }
}

impl std::fmt::Display for BackupError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.text(false))
    }
}

impl std::error::Error for BackupError {}

impl BackupError {
    /// What the person at the tablet reads, in the screen's language (`Display` is the Swedish).
    pub fn text(&self, english: bool) -> String {
        let l = crate::labels::locale(english);
        match self {
            BackupError::NotAnExport => td_string!(l, backup_not_an_export).to_string(),
            BackupError::TooNew => td_string!(l, backup_too_new).to_string(),
            BackupError::Store(e) => e.to_string(),
            BackupError::Download(e) => td_string!(l, backup_download_failed, error = e).to_string(),
        }
    }
}

/// Download the unsynced changes; returns how many were exported.
pub async fn export_unsynced() -> Result<usize, BackupError> {
    let changes: Vec<Change> = store::outbox().await?.into_iter().map(|p| p.change).collect();
    let export = UnsyncedExport {
        format: FORMAT.into(),
        version: VERSION,
        device_id: store::device_id().await?,
        exported_at_ms: clock::now_ms(),
        changes,
    };
    let json = serde_json::to_string_pretty(&export).map_err(|e| BackupError::Download(e.to_string()))?;
    let name = format!("labblogg-osynkat-{}.json", clock::today());
    browser::download(&name, "application/json", &json).map_err(BackupError::Download)?;
    Ok(export.changes.len())
}

pub fn parse(text: &str) -> Result<UnsyncedExport, BackupError> {
    let export: UnsyncedExport = serde_json::from_str(text).map_err(|_| BackupError::NotAnExport)?;
    if export.format != FORMAT {
        return Err(BackupError::NotAnExport);
    }
    if export.version > VERSION {
        return Err(BackupError::TooNew);
    }
    Ok(export)
}

/// Import a file's changes into this device's outbox; returns how many were new.
pub async fn import(text: &str) -> Result<usize, BackupError> {
    let export = parse(text)?;
    Ok(store::import_changes(export.changes).await?)
}
