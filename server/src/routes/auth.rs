//! `POST /api/v1/auth/login` and `GET /api/v1/me`.

use crate::auth::{hash_password, new_token, token_hash, verify_password, AuthUser};
use crate::db::UserRow;
use crate::error::{parse_json, ApiError};
use crate::state::AppState;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::State;
use axum::routing::{get, post};
use axum::{Json, Router};
use labblogg_shared::auth::{LoginRequest, LoginResponse, UserInfo};
use std::sync::LazyLock;

pub fn router() -> Router<AppState> {
    Router::new().route("/auth/login", post(login)).route("/me", get(me))
}

pub fn user_info(u: &UserRow) -> UserInfo {
    UserInfo {
        username: u.username.clone(),
        display_name: u.display_name.clone(),
        role: u.role,
        labs: u.labs.clone(),
        home_meeting_place: u.home_meeting_place,
    }
}

/// Verified against when the user does not exist, so a wrong username takes
/// as long as a wrong password and does not reveal which accounts exist.
static DUMMY_HASH: LazyLock<String> = LazyLock::new(|| hash_password("labblogg-dummy").unwrap_or_default());

async fn login(State(state): State<AppState>, body: Result<Bytes, BytesRejection>) -> Result<Json<LoginResponse>, ApiError> {
    let req: LoginRequest = parse_json(body)?;
    if req.username.len() > 200 || req.password.len() > 1024 {
        return Err(ApiError::BadCredentials);
    }
    let user = state.store.user_by_name(req.username.trim()).await?;
    let hash = user.as_ref().map(|u| u.password_hash.clone()).unwrap_or_else(|| DUMMY_HASH.clone());
    let password = req.password;
    let ok = tokio::task::spawn_blocking(move || verify_password(&password, &hash))
        .await
        .map_err(|e| ApiError::Internal(e.to_string()))?;
    let user = match user {
        Some(u) if ok && !u.disabled => u,
        _ => {
            tracing::info!(username = %req.username.chars().take(64).collect::<String>(), "sign-in refused");
            return Err(ApiError::BadCredentials);
        }
    };
    let token = new_token();
    state.store.insert_token(token_hash(&token), user.id, req.device_id).await?;
    tracing::info!(username = %user.username, "signed in");
    Ok(Json(LoginResponse { token, user: user_info(&user) }))
}

async fn me(AuthUser(user): AuthUser) -> Json<UserInfo> {
    Json(user_info(&user))
}
