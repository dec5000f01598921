//! Passwords, device tokens and the request extractors: `AuthUser` (a live
//! token), `AdminUser` (and an administrator) and `ClientAddr`.

use crate::db::{TokenRow, UserRow};
use crate::error::ApiError;
use crate::policy;
use crate::state::AppState;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use base64::Engine;
use rand::RngCore;
use sha2::{Digest, Sha256};
use std::convert::Infallible;
use std::net::{IpAddr, SocketAddr};

/// Shortest password an administrator may set (the demo accounts predate it).
pub const MIN_PASSWORD_CHARS: usize = 8;
/// Longest password read: argon2 over megabytes would be a denial of service.
pub const MAX_PASSWORD_BYTES: usize = 1024;
/// Longest username looked up at sign-in.
pub const MAX_USERNAME_BYTES: usize = 200;
/// A token's last use is written at most this often.
pub const TOUCH_EVERY_MS: u64 = 60_000;
/// A token unused this long stops working (a forgotten tablet in a drawer):
/// far beyond any offline stretch of a device in use.
pub const TOKEN_IDLE_LIMIT_MS: u64 = 90 * 24 * 60 * 60 * 1000;

/// Hash a password with argon2id (the crate's default parameters).
pub fn hash_password(password: &str) -> Result<String, argon2::password_hash::Error> {
    let mut salt = [0u8; 16];
    rand::rng().fill_bytes(&mut salt);
    let salt = SaltString::encode_b64(&salt)?;
    Argon2::default().hash_password(password.as_bytes(), &salt).map(|h| h.to_string())
}

pub fn verify_password(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash).is_ok_and(|h| Argon2::default().verify_password(password.as_bytes(), &h).is_ok())
}

/// A fresh opaque token (256 random bits) for a device.
pub fn new_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// Tokens are stored hashed: a copy of the database does not sign anyone in.
pub fn token_hash(token: &str) -> String {
    let digest = Sha256::digest(token.as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// The signed-in user of a request and the token it came with. A missing,
/// unknown or revoked token, or a disabled user, is 401 — checked against the
/// database on every request, so a revocation holds from the next request on.
#[derive(Debug, Clone)]
pub struct AuthUser {
    pub user: UserRow,
    pub token: TokenRow,
}

impl FromRequestParts<AppState> for AuthUser {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let token = parts
            .headers
            .get(axum::http::header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .filter(|t| !t.is_empty() && t.len() <= 128)
            .ok_or(ApiError::Unauthorized)?;
        let session = state.store.session_by_token(token_hash(token)).await?.ok_or(ApiError::Unauthorized)?;
        if session.user.disabled || session.token.revoked_ms.is_some() {
            return Err(ApiError::Unauthorized);
        }
        let now = crate::routes::sync::now_ms();
        let last_used = session.token.last_used_ms.unwrap_or(session.token.created_ms);
        if now.saturating_sub(last_used) > TOKEN_IDLE_LIMIT_MS {
            return Err(ApiError::Unauthorized);
        }
        if session.token.last_used_ms.is_none_or(|t| now.saturating_sub(t) >= TOUCH_EVERY_MS) {
            state.store.touch_token(session.token.id, now).await?;
        }
        Ok(AuthUser { user: session.user, token: session.token })
    }
}

/// A signed-in administrator; anyone else signed in gets 403.
#[derive(Debug, Clone)]
pub struct AdminUser(pub AuthUser);

impl FromRequestParts<AppState> for AdminUser {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let auth = AuthUser::from_request_parts(parts, state).await?;
        if !policy::may_administer(&auth.user) {
            return Err(ApiError::Forbidden);
        }
        Ok(AdminUser(auth))
    }
}

/// The client's IP address, from the TCP connection (`None` when served
/// without connect info). `X-Forwarded-For` is not trusted: see docs/SECURITY.md.
#[derive(Debug, Clone, Copy)]
pub struct ClientAddr(pub Option<IpAddr>);

impl<S: Send + Sync> FromRequestParts<S> for ClientAddr {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        Ok(ClientAddr(parts.extensions.get::<ConnectInfo<SocketAddr>>().map(|c| c.0.ip().to_canonical())))
    }
}

impl ClientAddr {
    /// As written in the audit log.
    pub fn to_audit(self) -> Option<String> {
        self.0.map(|a| a.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn password_roundtrip() {
        let h = hash_password("hemligt").unwrap();
        assert!(h.starts_with("$argon2id$"));
        assert!(verify_password("hemligt", &h));
        assert!(!verify_password("fel", &h));
        assert!(!verify_password("hemligt", "not a hash"));
    }

    #[test]
    fn tokens_are_random_and_hashed() {
        let (a, b) = (new_token(), new_token());
        assert_ne!(a, b);
        assert_eq!(a.len(), 43);
        assert_eq!(token_hash(&a).len(), 64);
        assert_ne!(token_hash(&a), a);
    }
}
