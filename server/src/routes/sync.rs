//! `POST /api/v1/sync`: push a batch of changes, pull what changed since the cursor.

use crate::auth::AuthUser;
use crate::error::{parse_json, ApiError};
use crate::policy;
use crate::push::Pusher;
use crate::state::AppState;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::State;
use axum::Json;
use labblogg_shared::sync::{
    ChangeResult, Rejection, SyncRequest, SyncResponse, DEFAULT_PULL_RECORDS, MAX_PULL_RECORDS, MAX_PUSH_CHANGES,
};
use labblogg_shared::PROTOCOL_VERSION;
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(sync))
}

pub fn now_ms() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_millis() as u64).unwrap_or(0)
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

    // The answer names the changes by these ids; the changes themselves move to the store, whose
    // push planner (`push.rs`) decides each one in its transaction.
    let change_ids: Vec<Uuid> = req.changes.iter().map(|c| c.change_id).collect();
    let by = Pusher::User { user: user.clone(), device: token.device_id };
    let results: Vec<Option<Rejection>> =
        state.store.push_as(req.changes, by, now).await?.into_iter().map(Result::err).collect();

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
