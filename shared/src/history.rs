//! The history of records and restoring what was deleted: the wire types of
//! `GET /api/v1/history` and `POST /api/v1/restore` (docs/SYNC.md, "Delete
//! and restore"). The server keeps every accepted change (an append-only
//! table, `server/src/push.rs`); these answer "who changed what, when, from
//! which tablet", with names, never ids.

use crate::model::RecordKind;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use uuid::Uuid;

/// What a change did to its record.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HistoryOp {
    Create,
    Edit,
    Delete,
    Restore,
}

impl HistoryOp {
    pub const ALL: [HistoryOp; 4] = [HistoryOp::Create, HistoryOp::Edit, HistoryOp::Delete, HistoryOp::Restore];

    pub fn as_str(self) -> &'static str {
        match self {
            HistoryOp::Create => "create",
            HistoryOp::Edit => "edit",
            HistoryOp::Delete => "delete",
            HistoryOp::Restore => "restore",
        }
    }

    pub fn parse(s: &str) -> Option<HistoryOp> {
        Self::ALL.into_iter().find(|o| o.as_str() == s)
    }
}

/// `GET /api/v1/history?record=ID`.
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HistoryQuery {
    pub record: Uuid,
}

/// One field a change set: what it was before (`None`: not set) and after.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FieldChange {
    pub field: String,
    #[serde(default)]
    pub before: Option<Value>,
    pub after: Value,
}

/// One accepted change of a record, as people read it.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HistoryEntry {
    /// When the server accepted it (ms since the epoch).
    pub at_ms: u64,
    /// When it was made on the device (its stamp's wall time).
    pub made_ms: u64,
    pub op: HistoryOp,
    /// The person's name ("Anna Berg"), or "labblogg" for the server's own changes.
    pub by: String,
    /// The device's name, or a description without ids ("en enhet som Anna Berg använder").
    pub device: String,
    /// The fields it set that changed something, with their values before.
    pub changes: Vec<FieldChange>,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HistoryResponse {
    pub record_id: Uuid,
    pub kind: RecordKind,
    /// The lab's name.
    pub lab: String,
    /// Oldest first.
    pub entries: Vec<HistoryEntry>,
}

/// `POST /api/v1/restore`: bring back every record deleted from a device (or
/// by a person) since a time, in one action. A coordinator names one of
/// their labs; an administrator may leave it out (every lab).
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RestoreRequest {
    #[serde(default)]
    pub lab_id: Option<Uuid>,
    /// The device whose deletions to undo (`DeviceInfo::device_id`).
    #[serde(default)]
    pub device_id: Option<Uuid>,
    /// The person whose deletions to undo.
    #[serde(default)]
    pub user_id: Option<Uuid>,
    /// Deletions accepted at or after this time (ms since the epoch).
    pub since_ms: u64,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct RestoreResponse {
    /// Records live again.
    pub restored: u64,
    /// Records the push refused to restore (the reason is in the server's log).
    pub refused: u64,
}

/// The changes of a record's history in order, each with the values its
/// fields had before: `entries` are (op, fields set) oldest first.
pub fn field_changes<'a>(entries: impl IntoIterator<Item = &'a Map<String, Value>>) -> Vec<Vec<FieldChange>> {
    let mut now: Map<String, Value> = Map::new();
    entries
        .into_iter()
        .map(|fields| {
            let mut changes = Vec::new();
            for (k, v) in fields {
                let before = now.get(k).cloned();
                if before.as_ref() != Some(v) {
                    changes.push(FieldChange { field: k.clone(), before, after: v.clone() });
                }
                now.insert(k.clone(), v.clone());
            }
            changes
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn each_change_knows_what_its_fields_were() {
        let create = json!({"title": "Fika", "participants": 14}).as_object().cloned().unwrap();
        let edit = json!({"participants": 16, "title": "Fika"}).as_object().cloned().unwrap();
        let changes = field_changes([&create, &edit]);
        assert_eq!(changes[0].len(), 2);
        assert_eq!(
            changes[1],
            vec![FieldChange { field: "participants".into(), before: Some(json!(14)), after: json!(16) }]
        );
        assert_eq!(HistoryOp::parse("restore"), Some(HistoryOp::Restore));
    }
}
