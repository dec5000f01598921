//! `GET /api/v1/devices` and `DELETE /api/v1/devices/{id}`: the caller's
//! signed-in devices (one per token), and signing one of them out — a lost
//! tablet can be signed out from another device.

use crate::accounts::{self, Actor};
use crate::auth::{AuthUser, ClientAddr};
use crate::error::ApiError;
use crate::policy;
use crate::state::AppState;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use labblogg_shared::auth::DeviceInfo;
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(list)).routes(routes!(revoke))
}

/// An id in a path; anything that is not a UUID names nothing.
pub fn path_id(raw: &str) -> Result<Uuid, ApiError> {
    Uuid::parse_str(raw).map_err(|_| ApiError::NotFound)
}

/// The caller's signed-in devices (one per token).
#[utoipa::path(get, path = "/devices", tag = "devices",
    responses((status = 200, description = "The caller's live tokens", body = Vec<DeviceInfo>)))]
async fn list(State(state): State<AppState>, auth: AuthUser) -> Result<Json<Vec<DeviceInfo>>, ApiError> {
    let tokens = state.store.tokens_of(auth.user.id, false).await?;
    Ok(Json(tokens.iter().map(|t| accounts::device_view(t, Some(auth.token.id))).collect()))
}

/// Revoke one of the caller's own tokens (the current one too: signing out).
/// Another user's token is 404, the same as one that does not exist.
#[utoipa::path(delete, path = "/devices/{id}", tag = "devices",
    params(("id" = Uuid, Path, description = "The token's id (`DeviceInfo.id`)")),
    responses((status = 204, description = "Signed out")))]
async fn revoke(
    State(state): State<AppState>,
    auth: AuthUser,
    addr: ClientAddr,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    let id = path_id(&id)?;
    let token = state.store.token(id).await?.filter(|t| t.revoked_ms.is_none());
    if !token.is_some_and(|t| policy::may_revoke_own(&auth.user, &t)) {
        return Err(ApiError::NotFound);
    }
    let actor = Actor { name: auth.user.username.clone(), address: addr.to_audit() };
    if !accounts::revoke_token(state.store.as_ref(), &actor, id).await? {
        return Err(ApiError::NotFound);
    }
    Ok(StatusCode::NO_CONTENT)
}
