//! `/api/v1/admin/…`: accounts, devices, labs and the audit log. Every route
//! takes `AdminUser`, so anyone else signed in gets 403 before the body is read.

use crate::accounts::{self, Actor};
use crate::auth::{AdminUser, ClientAddr};
use crate::error::{parse_json, ApiError};
use crate::routes::devices::path_id;
use crate::routes::sync::now_ms;
use crate::state::AppState;
use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::Json;
use labblogg_shared::auth::ResetPasswordRequest;
use labblogg_shared::auth::{AdminUser as AdminUserView, AuditEntry, CreateUserRequest, CreatedLab, DeviceInfo};
use labblogg_shared::model::Lab;
use serde::Deserialize;
use utoipa_axum::{router::OpenApiRouter, routes};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(users, create_user))
        .routes(routes!(disable_user))
        .routes(routes!(reset_password))
        .routes(routes!(user_devices))
        .routes(routes!(revoke_token))
        .routes(routes!(create_lab))
        .routes(routes!(audit))
}

fn actor(admin: &AdminUser, addr: ClientAddr) -> Actor {
    Actor { name: admin.0.user.username.clone(), address: addr.to_audit() }
}

/// Every account.
#[utoipa::path(get, path = "/admin/users", tag = "admin",
    responses((status = 200, description = "Every account", body = Vec<AdminUserView>)))]
async fn users(State(state): State<AppState>, _admin: AdminUser) -> Result<Json<Vec<AdminUserView>>, ApiError> {
    let users = state.store.users().await?;
    Ok(Json(users.iter().map(accounts::admin_view).collect()))
}

/// Create an account (password strength and username rules in docs/SECURITY.md).
#[utoipa::path(post, path = "/admin/users", tag = "admin", request_body = CreateUserRequest,
    responses((status = 201, description = "Created", body = AdminUserView)))]
async fn create_user(
    State(state): State<AppState>,
    admin: AdminUser,
    addr: ClientAddr,
    body: Result<Bytes, BytesRejection>,
) -> Result<(StatusCode, Json<AdminUserView>), ApiError> {
    let req: CreateUserRequest = parse_json(body)?;
    let user = accounts::create_user(state.store.as_ref(), &actor(&admin, addr), req).await?;
    Ok((StatusCode::CREATED, Json(accounts::admin_view(&user))))
}

/// Disable an account and sign out all its devices.
#[utoipa::path(post, path = "/admin/users/{id}/disable", tag = "admin",
    params(("id" = Uuid, Path, description = "The account's id")),
    responses((status = 204, description = "Disabled")))]
async fn disable_user(
    State(state): State<AppState>,
    admin: AdminUser,
    addr: ClientAddr,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    let id = path_id(&id)?;
    accounts::disable_user(state.store.as_ref(), &actor(&admin, addr), id, Some(admin.0.user.id)).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Set a new password and sign out all the account's devices.
#[utoipa::path(post, path = "/admin/users/{id}/reset-password", tag = "admin", request_body = ResetPasswordRequest,
    params(("id" = Uuid, Path, description = "The account's id")),
    responses((status = 204, description = "Password set")))]
async fn reset_password(
    State(state): State<AppState>,
    admin: AdminUser,
    addr: ClientAddr,
    Path(id): Path<String>,
    body: Result<Bytes, BytesRejection>,
) -> Result<StatusCode, ApiError> {
    let id = path_id(&id)?;
    let req: ResetPasswordRequest = parse_json(body)?;
    accounts::reset_password(state.store.as_ref(), &actor(&admin, addr), id, req.password).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// All of a user's tokens, revoked ones included.
#[utoipa::path(get, path = "/admin/users/{id}/devices", tag = "admin",
    params(("id" = Uuid, Path, description = "The account's id")),
    responses((status = 200, description = "The account's tokens, revoked ones too", body = Vec<DeviceInfo>)))]
async fn user_devices(
    State(state): State<AppState>,
    admin: AdminUser,
    Path(id): Path<String>,
) -> Result<Json<Vec<DeviceInfo>>, ApiError> {
    let id = path_id(&id)?;
    let user = state.store.user_by_id(id).await?.ok_or(ApiError::NotFound)?;
    let tokens = state.store.tokens_of(user.id, true).await?;
    Ok(Json(tokens.iter().map(|t| accounts::device_view(t, Some(admin.0.token.id))).collect()))
}

/// Revoke any token.
#[utoipa::path(delete, path = "/admin/tokens/{id}", tag = "admin",
    params(("id" = Uuid, Path, description = "The token's id")),
    responses((status = 204, description = "Revoked")))]
async fn revoke_token(
    State(state): State<AppState>,
    admin: AdminUser,
    addr: ClientAddr,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    let id = path_id(&id)?;
    if !accounts::revoke_token(state.store.as_ref(), &actor(&admin, addr), id).await? {
        return Err(ApiError::NotFound);
    }
    Ok(StatusCode::NO_CONTENT)
}

/// Create a lab (a lab record, synced to its future members).
#[utoipa::path(post, path = "/admin/labs", tag = "admin", request_body = Lab,
    responses((status = 201, description = "Created", body = CreatedLab)))]
async fn create_lab(
    State(state): State<AppState>,
    admin: AdminUser,
    addr: ClientAddr,
    body: Result<Bytes, BytesRejection>,
) -> Result<(StatusCode, Json<CreatedLab>), ApiError> {
    let lab: Lab = parse_json(body)?;
    let id = accounts::create_lab(state.store.as_ref(), &actor(&admin, addr), lab, now_ms()).await?;
    Ok((StatusCode::CREATED, Json(CreatedLab { id })))
}

/// Most audit entries one request returns.
const MAX_AUDIT_PAGE: u32 = 1000;

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
struct AuditQuery {
    /// Entries with an id below this (the next page).
    before: Option<u64>,
    limit: Option<u32>,
}

/// The audit log, newest first.
#[utoipa::path(get, path = "/admin/audit", tag = "admin", params(AuditQuery),
    responses((status = 200, description = "Audit entries, newest first", body = Vec<AuditEntry>)))]
async fn audit(
    State(state): State<AppState>,
    _admin: AdminUser,
    query: Result<Query<AuditQuery>, QueryRejection>,
) -> Result<Json<Vec<AuditEntry>>, ApiError> {
    let Query(q) = query.map_err(|e| ApiError::BadRequest(e.body_text()))?;
    let limit = q.limit.unwrap_or(200).clamp(1, MAX_AUDIT_PAGE);
    Ok(Json(state.store.audit_log(q.before, limit).await?))
}
