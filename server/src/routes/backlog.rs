//! `GET /api/v1/sync/backlog?cursor=N`: how many records a pull from the
//! cursor would bring, so a device on its first sync shows its progress
//! ("Hämtar 12 400 av 48 000 poster") instead of summaries of half its data.
//! Beside `POST /api/v1/sync`, not in its answer: the push path is not touched.

use crate::auth::AuthUser;
use crate::error::ApiError;
use crate::policy;
use crate::state::AppState;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::Json;
use labblogg_shared::sync::PullBacklog;
use serde::Deserialize;
use utoipa_axum::{router::OpenApiRouter, routes};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(backlog))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
struct BacklogQuery {
    /// The device's pull cursor (0 before its first sync).
    cursor: u64,
}

/// How many records the caller's pull from `cursor` would bring now: the
/// same records `POST /api/v1/sync` pulls (researchers: none).
#[utoipa::path(get, path = "/sync/backlog", tag = "sync", params(BacklogQuery),
    responses((status = 200, description = "Records waiting after the cursor", body = PullBacklog)))]
async fn backlog(
    State(state): State<AppState>,
    AuthUser { user, .. }: AuthUser,
    query: Result<Query<BacklogQuery>, QueryRejection>,
) -> Result<Json<PullBacklog>, ApiError> {
    let Query(q) = query.map_err(|e| ApiError::BadRequest(e.body_text()))?;
    let labs = policy::readable_labs(&user);
    let shared = policy::reads_shared_knowledge(&user);
    if labs.is_empty() && !shared {
        return Ok(Json(PullBacklog { records: 0 }));
    }
    let records = state.store.count_visible_after(labs, shared, q.cursor).await?;
    Ok(Json(PullBacklog { records }))
}
