//! The contract between the labblogg app (wasm32) and its server.
//!
//! Everything here is pure: serde types, validation, the hybrid logical clock
//! and the merge rules. No I/O, no async runtime, so it builds for wasm32 and
//! natively and both sides run exactly the same rules.

pub mod approval;
pub mod auth;
pub mod calendar;
pub mod checks;
pub mod completeness;
pub mod disclosure;
pub mod error;
pub mod fields;
pub mod history;
pub mod hlc;
pub mod knowledge;
pub mod merge;
pub mod model;
pub mod privacy;
pub mod questions;
pub mod search;
pub mod skew;
pub mod summary;
pub mod sync;
pub mod validate;
pub mod year_report;

pub use hlc::Hlc;
pub use merge::{apply_change, RecordState};
pub use model::{
    Activity, ActivityKind, AgeBand, Gender, Goal, GoalDirection, GoalMeasurement, GoalSource, Lab, MeetingPlace,
    ParticipantCount, Partner, PartnerKind, RecordKind, Visit,
};
pub use sync::{Change, ChangeResult, SyncRequest, SyncResponse};

/// Version of the record schemas. Bumped when a record's serialized shape
/// changes incompatibly; old shapes stay readable (see docs/SYNC.md).
pub const SCHEMA_VERSION: u32 = 1;

/// Version of the sync protocol spoken over `POST /api/v1/sync`.
pub const PROTOCOL_VERSION: u32 = 1;
