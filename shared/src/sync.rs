//! The sync protocol: `POST /api/v1/sync` (see docs/SYNC.md).
//!
//! One round trip pushes a batch of the client's outbox and pulls the
//! records that changed on the server after the client's cursor.

use crate::{hlc::Hlc, merge::RecordState, model::RecordKind};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use uuid::Uuid;

/// Most changes one request may push; the client sends its outbox in batches.
pub const MAX_PUSH_CHANGES: usize = 500;
/// Most records one response pulls; `more` says whether to ask again.
pub const MAX_PULL_RECORDS: u32 = 1000;
/// Most bytes of records (as JSON) one response pulls, whatever the count: a
/// page stops before the record that would pass it, but always carries at
/// least one record, so a page is at most this or one record (itself bounded
/// by `validate::max_fields_bytes`). `more` says whether to ask again.
pub const MAX_PULL_BYTES: usize = 1024 * 1024;
/// Default page size when the client does not ask for one.
pub const DEFAULT_PULL_RECORDS: u32 = 500;
/// Largest request body the server reads.
pub const MAX_BODY_BYTES: usize = 2 * 1024 * 1024;

/// One edit of one record, made on one device.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Change {
    /// Names this change in the outbox and in the server's answer.
    pub change_id: Uuid,
    pub kind: RecordKind,
    /// The record's id (client-generated UUIDv7).
    pub id: Uuid,
    /// The one lab the record belongs to; it never changes.
    pub lab_id: Uuid,
    /// When the edit was made, by the device's hybrid logical clock.
    pub hlc: Hlc,
    /// The fields this edit sets (all of them when the record is created).
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub fields: Map<String, Value>,
    /// A tombstone: the record is deleted (a visit: undone) from `hlc` on.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub deleted: bool,
    /// A restore: a deleted record is live again from `hlc` on, unless a
    /// newer tombstone says otherwise (docs/SYNC.md, "Delete and restore").
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub restore: bool,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SyncRequest {
    pub protocol: u32,
    pub device_id: Uuid,
    /// The last server sequence number this device has pulled (0 at first).
    pub cursor: u64,
    #[serde(default)]
    pub changes: Vec<Change>,
    /// Page size for the pull, at most [`MAX_PULL_RECORDS`].
    #[serde(default)]
    pub pull_limit: Option<u32>,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SyncResponse {
    pub protocol: u32,
    /// The server's clock, so devices advance theirs and notice when it is off.
    pub server_time_ms: u64,
    /// One result per pushed change, in the order they were sent.
    pub results: Vec<ChangeResult>,
    /// Records changed after the request's cursor, in sequence order.
    pub records: Vec<ServerRecord>,
    /// Where the next pull starts.
    pub cursor: u64,
    /// More records wait after `cursor`: sync again.
    pub more: bool,
}

/// A record as the server holds it, with the sequence number of its last change.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ServerRecord {
    pub seq: u64,
    #[serde(flatten)]
    pub state: RecordState,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChangeResult {
    pub change_id: Uuid,
    /// `None`: accepted and durable (or already known). `Some`: refused, kept by the client.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rejected: Option<Rejection>,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rejection {
    pub code: RejectCode,
    /// Plain Swedish, shown to staff as is.
    pub message: String,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RejectCode {
    /// The record's fields break a rule (see `message`).
    Validation,
    /// The user may not write this lab.
    Permission,
    /// Stamped too far ahead of the server's clock: the device's clock is wrong.
    ClockAhead,
    /// The change contradicts the stored record (another lab, another kind,
    /// or an edit of an append-only event).
    Conflict,
    /// The record is dated in a month its lab's coordinator has approved
    /// (`approval.rs`): kept on the device until the month is re-opened.
    Locked,
}

/// The answer of `GET /api/v1/sync/backlog`: how many records a pull from
/// the cursor would bring now, so a new device can say how far its first
/// sync has come ("Hämtar 12 400 av 48 000 poster"). A count at one moment:
/// records keep changing while a device pulls. Asked beside the sync, not
/// in its answer, so the push path stays as it is.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct PullBacklog {
    pub records: u64,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::RecordKind;

    #[test]
    fn change_wire_format_is_fixed() {
        // Regenerate only when the format is intentionally migrated.
        let mut fields = Map::new();
        fields.insert("age_band".into(), "6-12".into());
        let c = Change {
            change_id: Uuid::from_u128(1),
            kind: RecordKind::Visit,
            id: Uuid::from_u128(2),
            lab_id: Uuid::from_u128(3),
            hlc: Hlc { ms: 1, counter: 2, node: 3 },
            fields,
            deleted: false,
            restore: false,
        };
        assert_eq!(
            serde_json::to_string(&c).unwrap(),
            r#"{"change_id":"00000000-0000-0000-0000-000000000001","kind":"visit","id":"00000000-0000-0000-0000-000000000002","lab_id":"00000000-0000-0000-0000-000000000003","hlc":"000000000000001-0000000002-0000000000000003","fields":{"age_band":"6-12"}}"#
        );
    }

    #[test]
    fn change_readers_ignore_keys_they_do_not_know() {
        // A later app may add envelope keys (a `schema` number, see docs/SYNC.md);
        // this version must still read its changes, so unknown keys are never refused.
        let json = r#"{"change_id":"00000000-0000-0000-0000-000000000001","kind":"partner","id":"00000000-0000-0000-0000-000000000002","lab_id":"00000000-0000-0000-0000-000000000003","hlc":"000000000000001-0000000002-0000000000000003","schema":2,"fields":{"name":"Röda korset"}}"#;
        let c: Change = serde_json::from_str(json).unwrap();
        assert_eq!((c.kind, c.deleted), (RecordKind::Partner, false));
        assert_eq!(c.fields["name"], "Röda korset");
    }
}
