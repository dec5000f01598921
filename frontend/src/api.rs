//! Every HTTP call of the app: sign-in and sync against the same origin.

use gloo_net::http::{Request, Response};
use labblogg_shared::auth::{LoginRequest, LoginResponse};
use labblogg_shared::error::{ApiErrorBody, ApiErrorCode};
use labblogg_shared::sync::{SyncRequest, SyncResponse};

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ApiError {
    /// No answer: no network, or the server is down. Worth retrying.
    #[error("Ingen kontakt med servern just nu.")]
    Offline,
    /// The token is no longer valid: sign in again (unsynced changes are kept).
    #[error("{0}")]
    Unauthorized(String),
    /// The app is older than the server's protocol: reload it.
    #[error("{0}")]
    ReloadNeeded(String),
    /// The server answered with an error; its message is shown as is.
    #[error("{message}")]
    Server { status: u16, message: String },
}

impl ApiError {
    pub fn is_retryable(&self) -> bool {
        matches!(self, ApiError::Offline | ApiError::Server { status: 500.., .. } | ApiError::Server { status: 429, .. })
    }
}

async fn error_of(resp: Response) -> ApiError {
    let status = resp.status();
    let body = resp.json::<ApiErrorBody>().await.ok();
    let message = body.as_ref().map(|b| b.message.clone()).unwrap_or_else(|| format!("Servern svarade med fel {status}."));
    match body.map(|b| b.code) {
        Some(ApiErrorCode::Unauthorized) => ApiError::Unauthorized(message),
        Some(ApiErrorCode::ProtocolMismatch) => ApiError::ReloadNeeded(message),
        _ => ApiError::Server { status, message },
    }
}

/// A request the server has not answered in this time is abandoned and
/// retried later: a hung connection must not stall syncing for good.
const REQUEST_TIMEOUT_MS: u32 = 15_000;

async fn post_json<Req: serde::Serialize, Resp: serde::de::DeserializeOwned>(
    path: &str,
    token: Option<&str>,
    body: &Req,
) -> Result<Resp, ApiError> {
    let abort = web_sys::AbortController::new().ok();
    let _deadline = abort.clone().map(|a| gloo_timers::callback::Timeout::new(REQUEST_TIMEOUT_MS, move || a.abort()));
    let mut req = Request::post(path).abort_signal(abort.as_ref().map(|a| a.signal()).as_ref());
    if let Some(t) = token {
        req = req.header("Authorization", &format!("Bearer {t}"));
    }
    let req = req.json(body).map_err(|e| ApiError::Server { status: 0, message: e.to_string() })?;
    let resp = req.send().await.map_err(|_| ApiError::Offline)?;
    if !resp.ok() {
        return Err(error_of(resp).await);
    }
    // A body cut off mid-way is a network failure: the round is retried.
    resp.json::<Resp>().await.map_err(|_| ApiError::Offline)
}

pub async fn login(req: &LoginRequest) -> Result<LoginResponse, ApiError> {
    post_json("/api/v1/auth/login", None, req).await
}

pub async fn sync(token: &str, req: &SyncRequest) -> Result<SyncResponse, ApiError> {
    post_json("/api/v1/sync", Some(token), req).await
}
