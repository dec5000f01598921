//! `POST /api/v1/sync`: push a batch of changes, pull what changed since the cursor.

use crate::auth::AuthUser;
use crate::error::{parse_json, ApiError};
use crate::policy;
use crate::state::AppState;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::State;
use axum::routing::post;
use axum::{Json, Router};
use labblogg_shared::hlc::MAX_CLOCK_AHEAD_MS;
use labblogg_shared::sync::{
    Change, ChangeResult, RejectCode, Rejection, SyncRequest, SyncResponse, DEFAULT_PULL_RECORDS, MAX_PULL_RECORDS,
    MAX_PUSH_CHANGES,
};
use labblogg_shared::{RecordKind, PROTOCOL_VERSION};

pub fn router() -> Router<AppState> {
    Router::new().route("/sync", post(sync))
}

pub fn now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}

async fn sync(
    State(state): State<AppState>,
    AuthUser { user, token }: AuthUser,
    body: Result<Bytes, BytesRejection>,
) -> Result<Json<SyncResponse>, ApiError> {
    let req: SyncRequest = parse_json(body)?;
    if req.protocol != PROTOCOL_VERSION {
        return Err(ApiError::ProtocolMismatch { client: req.protocol, server: PROTOCOL_VERSION });
    }
    // A token signed in for one device does not sync as another.
    if token.device_id.is_some_and(|d| d != req.device_id) {
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
    for (i, change) in req.changes.iter().enumerate() {
        let refusal = precheck(&state, &user, change, now).await?;
        if refusal.is_none() {
            admitted.push(change.clone());
            admitted_at.push(i);
        }
        results.push(refusal);
    }
    let outcomes = state.store.push(admitted).await?;
    for (i, outcome) in admitted_at.into_iter().zip(outcomes) {
        results[i] = outcome.err();
    }

    let limit = req.pull_limit.unwrap_or(DEFAULT_PULL_RECORDS).clamp(1, MAX_PULL_RECORDS);
    let page = state.store.pull(policy::readable_labs(&user), req.cursor, limit).await?;
    Ok(Json(SyncResponse {
        protocol: PROTOCOL_VERSION,
        server_time_ms: now,
        results: req
            .changes
            .iter()
            .zip(results)
            .map(|(c, rejected)| ChangeResult { change_id: c.change_id, rejected })
            .collect(),
        records: page.records,
        cursor: page.cursor,
        more: page.more,
    }))
}

/// Permission, clock and reference checks that need no transaction.
async fn precheck(
    state: &AppState,
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
    if change.kind == RecordKind::Visit {
        if let Some(place) = change.fields.get("meeting_place_id").and_then(|v| v.as_str()) {
            let place = uuid::Uuid::parse_str(place).ok();
            let known = match place {
                Some(p) => state.store.record(p).await?,
                None => None,
            };
            if !known.is_some_and(|p| p.kind == RecordKind::MeetingPlace && p.lab_id == change.lab_id && p.deleted.is_none()) {
                return Ok(Some(Rejection {
                    code: RejectCode::Validation,
                    message: "Mötesplatsen finns inte i det här labbet.".into(),
                }));
            }
        }
    }
    Ok(None)
}
