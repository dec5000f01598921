//! `POST /api/v1/auth/login` and `GET /api/v1/me`.

use crate::accounts;
use crate::auth::{hash_password, new_token, token_hash, verify_password, AuthUser, ClientAddr};
use crate::auth::{MAX_PASSWORD_BYTES, MAX_USERNAME_BYTES};
use crate::db::{AuditEvent, UserRow};
use crate::error::{parse_json, ApiError};
use crate::state::AppState;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::State;
use axum::Json;
use labblogg_shared::auth::{AuditAction, LoginRequest, LoginResponse, UserInfo};
use std::sync::LazyLock;
use utoipa_axum::{router::OpenApiRouter, routes};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(login)).routes(routes!(me))
}

pub fn user_info(u: &UserRow) -> UserInfo {
    UserInfo {
        username: u.username.clone(),
        display_name: u.display_name.clone(),
        role: u.role,
        labs: u.labs(),
        home_meeting_place: u.home_meeting_place,
        memberships: u.memberships.clone(),
        user_id: Some(u.id),
    }
}

/// Verified against when the user does not exist, so a wrong username takes
/// as long as a wrong password and does not reveal which accounts exist.
static DUMMY_HASH: LazyLock<String> = LazyLock::new(|| hash_password("labblogg-dummy").unwrap_or_default());

/// A typed username as written to logs and the audit log when it names no
/// account: never in clear (people type their password into the username
/// field), but as a short keyed hash, so repeated attempts with the same
/// name can be told apart within a run of the server without revealing it.
/// The key is random per process: the hashes cannot be searched offline.
fn pseudonym(typed: &str) -> String {
    use sha2::{Digest, Sha256};
    static KEY: LazyLock<[u8; 32]> = LazyLock::new(|| {
        let mut key = [0u8; 32];
        rand::RngCore::fill_bytes(&mut rand::rng(), &mut key);
        key
    });
    let digest = Sha256::new().chain_update(*KEY).chain_update(typed.as_bytes()).finalize();
    let hex: String = digest.iter().take(4).map(|b| format!("{b:02x}")).collect();
    format!("okänt konto #{hex}")
}

/// Sign in on a device: a bearer token bound to `device_id`.
#[utoipa::path(post, path = "/auth/login", tag = "auth", request_body = LoginRequest, security(()),
    responses((status = 200, description = "Signed in", body = LoginResponse)))]
async fn login(
    State(state): State<AppState>,
    addr: ClientAddr,
    body: Result<Bytes, BytesRejection>,
) -> Result<Json<LoginResponse>, ApiError> {
    let req: LoginRequest = parse_json(body)?;
    // A token is bound to the device that signs in (checked at every sync); a
    // token for no device in particular would sync as any device.
    if req.device_id.is_none() {
        return Err(ApiError::BadRequest(
            "device_id saknas: appen måste ange vilken enhet som loggar in. Ladda om sidan och försök igen.".into(),
        ));
    }
    // A bad device name is refused before the password is checked: nothing is half done.
    let device_name = labblogg_shared::auth::clean_device_name(req.device_name.as_deref().unwrap_or(""))
        .map_err(ApiError::BadRequest)?;
    let typed = req.username.trim();
    // Refused before the password is even hashed: throttled guesses cost nothing.
    if let Err(wait) = state.throttle.check(typed, addr.0) {
        tracing::debug!(username = %pseudonym(typed), address = ?addr.0, "sign-in throttled");
        let secs = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
        return Err(ApiError::TooManyRequests { retry_after_secs: secs });
    }
    let (known, user) = if typed.len() > MAX_USERNAME_BYTES || req.password.len() > MAX_PASSWORD_BYTES {
        (None, None)
    } else {
        let user = accounts::user_by_typed_name(state.store.as_ref(), typed).await?;
        let hash = user.as_ref().map(|u| u.password_hash.clone()).unwrap_or_else(|| DUMMY_HASH.clone());
        let password = req.password;
        let ok = tokio::task::spawn_blocking(move || verify_password(&password, &hash))
            .await
            .map_err(|e| ApiError::Internal(e.to_string()))?;
        let known = user.as_ref().map(|u| u.username.clone());
        (known, user.filter(|u| ok && !u.disabled))
    };
    let Some(user) = user else {
        state.throttle.failed(typed, addr.0);
        // An existing account's name is logged as it is; anything else typed is not.
        let who = known.unwrap_or_else(|| pseudonym(typed));
        tracing::info!(username = %who, address = ?addr.0, "sign-in refused");
        let event =
            AuditEvent { action: AuditAction::SignInFailed, actor: who, subject: None, address: addr.to_audit() };
        state.store.audit(event).await?;
        return Err(ApiError::BadCredentials);
    };
    state.throttle.succeeded(typed);
    let token = new_token();
    let token_id = state.store.insert_token(token_hash(&token), user.id, req.device_id).await?;
    if let Some(name) = device_name.clone() {
        state.store.name_token_device(token_id, name).await?;
    }
    let event = AuditEvent {
        action: AuditAction::SignIn,
        actor: user.username.clone(),
        // Names, not ids (the token's id is in the server log below).
        subject: Some(match &device_name {
            Some(name) => format!("{} på enheten {name}", user.display_name),
            None => format!("{} på en enhet", user.display_name),
        }),
        address: addr.to_audit(),
    };
    state.store.audit(event).await?;
    tracing::info!(username = %user.username, token_id = %token_id, "signed in");
    Ok(Json(LoginResponse { token, user: user_info(&user) }))
}

/// The signed-in user.
#[utoipa::path(get, path = "/me", tag = "auth", responses((status = 200, description = "The signed-in user", body = UserInfo)))]
async fn me(auth: AuthUser) -> Json<UserInfo> {
    Json(user_info(&auth.user))
}
