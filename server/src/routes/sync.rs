//! `POST /api/v1/sync`: push a batch of changes, pull what changed since the cursor.

use crate::auth::AuthUser;
use crate::error::{parse_json, ApiError};
use crate::policy;
use crate::state::AppState;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::State;
use axum::Json;
use utoipa_axum::{router::OpenApiRouter, routes};
use labblogg_shared::hlc::MAX_CLOCK_AHEAD_MS;
use labblogg_shared::sync::{
    Change, ChangeResult, RejectCode, Rejection, SyncRequest, SyncResponse, DEFAULT_PULL_RECORDS, MAX_PULL_RECORDS,
    MAX_PUSH_CHANGES,
};
use labblogg_shared::knowledge::review_of;
use labblogg_shared::{RecordKind, PROTOCOL_VERSION};
use std::collections::HashMap;
use uuid::Uuid;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(sync))
}

pub fn now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}

/// Push a batch of changes and pull what changed after the cursor (docs/SYNC.md).
#[utoipa::path(post, path = "/sync", tag = "sync", request_body = SyncRequest,
    responses((status = 200, description = "Each pushed change's result and a page of records", body = SyncResponse)))]
async fn sync(
    State(state): State<AppState>,
    AuthUser { user, token }: AuthUser,
    body: Result<Bytes, BytesRejection>,
) -> Result<Json<SyncResponse>, ApiError> {
    let req: SyncRequest = parse_json(body)?;
    if req.protocol != PROTOCOL_VERSION {
        return Err(ApiError::ProtocolMismatch { client: req.protocol, server: PROTOCOL_VERSION });
    }
    // A token signed in for one device does not sync as another; a token
    // issued before sign-in required a device syncs as none (sign in again).
    if token.device_id != Some(req.device_id) {
        return Err(ApiError::Unauthorized);
    }
    if !req.changes.is_empty() && !policy::may_push(&user) {
        return Err(ApiError::Forbidden);
    }
    if req.changes.len() > MAX_PUSH_CHANGES {
        return Err(ApiError::BadRequest(format!("högst {MAX_PUSH_CHANGES} ändringar per begäran")));
    }
    let now = now_ms();

    // Decide what may reach the store; the store then merges and validates.
    let mut results: Vec<Option<Rejection>> = Vec::with_capacity(req.changes.len());
    let mut admitted: Vec<Change> = Vec::new();
    let mut admitted_at: Vec<usize> = Vec::new();
    let mut refs = References::new(&state);
    // The changes move to the store (no copies); the answer names them by these ids.
    let change_ids: Vec<Uuid> = req.changes.iter().map(|c| c.change_id).collect();
    for (i, change) in req.changes.into_iter().enumerate() {
        let refusal = precheck(&mut refs, &user, &change, now).await?;
        if refusal.is_none() {
            // Later changes of the batch may refer to this record (a partner
            // added inline, then the activity naming it).
            refs.admitted(&change);
            admitted.push(change);
            admitted_at.push(i);
        }
        results.push(refusal);
    }
    let outcomes = state.store.push(admitted).await?;
    for (i, outcome) in admitted_at.into_iter().zip(outcomes) {
        results[i] = outcome.err();
    }

    let limit = req.pull_limit.unwrap_or(DEFAULT_PULL_RECORDS).clamp(1, MAX_PULL_RECORDS);
    let page = state
        .store
        .pull_visible(policy::readable_labs(&user), policy::reads_shared_knowledge(&user), req.cursor, limit)
        .await?;
    Ok(Json(SyncResponse {
        protocol: PROTOCOL_VERSION,
        server_time_ms: now,
        results: change_ids
            .into_iter()
            .zip(results)
            .map(|(change_id, rejected)| ChangeResult { change_id, rejected })
            .collect(),
        records: page.records,
        cursor: page.cursor,
        more: page.more,
    }))
}

/// What a referenced record is: its kind, its lab, and whether it is deleted.
type RefTarget = Option<(RecordKind, Uuid, bool)>;

/// Looks up records that changes refer to, once per request.
struct References<'a> {
    state: &'a AppState,
    known: HashMap<Uuid, RefTarget>,
}

impl<'a> References<'a> {
    fn new(state: &'a AppState) -> Self {
        References { state, known: HashMap::new() }
    }

    async fn get(&mut self, id: Uuid) -> Result<RefTarget, ApiError> {
        if let Some(t) = self.known.get(&id) {
            return Ok(*t);
        }
        let target = self.state.store.record(id).await?.map(|r| (r.kind, r.lab_id, r.deleted.is_some()));
        self.known.insert(id, target);
        Ok(target)
    }

    fn admitted(&mut self, change: &Change) {
        let deleted = change.deleted || self.known.get(&change.id).is_some_and(|t| t.is_some_and(|(_, _, d)| d));
        self.known.insert(change.id, Some((change.kind, change.lab_id, deleted)));
    }
}

/// The fields of a kind that name other records: (field, kind referred to,
/// whether the target must still be live). Lists may name deleted records:
/// an old activity keeps naming a partner that was later removed.
fn reference_fields(kind: RecordKind) -> &'static [(&'static str, RecordKind, bool)] {
    match kind {
        RecordKind::Visit => &[("meeting_place_id", RecordKind::MeetingPlace, true)],
        RecordKind::Activity => &[
            ("meeting_place_id", RecordKind::MeetingPlace, false),
            ("partner_ids", RecordKind::Partner, false),
            ("goal_ids", RecordKind::Goal, false),
        ],
        RecordKind::GoalMeasurement => &[("goal_id", RecordKind::Goal, false)],
        RecordKind::GoodExample => &[("goal_ids", RecordKind::Goal, false), ("activity_ids", RecordKind::Activity, false)],
        RecordKind::Lesson => &[("activity_id", RecordKind::Activity, false)],
        _ => &[],
    }
}

/// Every record a change's fields refer to must exist, be of the right kind
/// and belong to the same lab: no change may point into another lab.
async fn check_references(refs: &mut References<'_>, change: &Change) -> Result<Option<Rejection>, ApiError> {
    let mut wanted: Vec<(Option<Uuid>, RecordKind, bool)> = Vec::new();
    for &(field, kind, live) in reference_fields(change.kind) {
        match change.fields.get(field) {
            Some(serde_json::Value::String(s)) => wanted.push((Uuid::parse_str(s).ok(), kind, live)),
            Some(serde_json::Value::Array(items)) => {
                for item in items {
                    wanted.push((item.as_str().and_then(|s| Uuid::parse_str(s).ok()), kind, live));
                }
            }
            _ => {}
        }
    }
    if change.kind == RecordKind::Goal {
        let place = change.fields.get("source").and_then(|s| s.get("meeting_place_id")).and_then(|v| v.as_str());
        if let Some(p) = place {
            wanted.push((Uuid::parse_str(p).ok(), RecordKind::MeetingPlace, false));
        }
    }
    for (id, kind, live) in wanted {
        let target = match id {
            Some(id) => refs.get(id).await?,
            None => None,
        };
        let ok = target.is_some_and(|(k, lab, deleted)| k == kind && lab == change.lab_id && !(live && deleted));
        if !ok {
            let what = match kind {
                RecordKind::MeetingPlace => "Mötesplatsen",
                RecordKind::Partner => "Samverkanspartnern",
                RecordKind::Goal => "Målet",
                RecordKind::Activity => "Aktiviteten",
                _ => "Posten",
            };
            return Ok(Some(Rejection {
                code: RejectCode::Validation,
                message: format!("{what} finns inte i det här labbet."),
            }));
        }
    }
    Ok(None)
}

/// Permission, clock and reference checks that need no transaction.
async fn precheck(
    refs: &mut References<'_>,
    user: &crate::db::UserRow,
    change: &Change,
    now: u64,
) -> Result<Option<Rejection>, ApiError> {
    if !policy::may_write(user, change.kind, change.lab_id) {
        return Ok(Some(Rejection {
            code: RejectCode::Permission,
            message: "Du har inte behörighet att ändra det här i det här labbet.".into(),
        }));
    }
    if change.kind.is_knowledge() {
        // Who may publish depends on where the record is in review now.
        let current = refs.state.store.record(change.id).await?.map(|r| review_of(&r.fields).unwrap_or_default());
        if let Some(why) = policy::knowledge_refusal(user, change.lab_id, current, review_of(&change.fields)) {
            return Ok(Some(Rejection { code: RejectCode::Permission, message: why.into() }));
        }
    }
    if change.hlc.ms > now + MAX_CLOCK_AHEAD_MS {
        return Ok(Some(Rejection {
            code: RejectCode::ClockAhead,
            message: "Enhetens klocka går före. Ställ in rätt tid och datum på surfplattan, så skickas ändringen igen."
                .into(),
        }));
    }
    if change.kind == RecordKind::Lab && change.id != change.lab_id {
        return Ok(Some(Rejection {
            code: RejectCode::Validation,
            message: "Ett labb måste höra till sig självt (id och labb-id ska vara lika).".into(),
        }));
    }
    check_references(refs, change).await
}
