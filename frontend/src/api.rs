//! Every HTTP call of the app against the same origin: sign-in, sync, the
//! user's own devices and the administration API. (The sync engine's browser
//! tests point it at a test server with [`set_base_url`]; the app never does.)

use gloo_net::http::{Request, RequestBuilder, Response};
use labblogg_shared::auth::{
    AdminUser, AuditEntry, CreateUserRequest, CreatedLab, DeviceInfo, LoginRequest, LoginResponse, ResetPasswordRequest,
};
use labblogg_shared::error::{ApiErrorBody, ApiErrorCode};
use labblogg_shared::history::{HistoryResponse, RestoreRequest, RestoreResponse};
use labblogg_shared::model::Lab;
use labblogg_shared::sync::{SyncRequest, SyncResponse};
use std::cell::RefCell;
use uuid::Uuid;

thread_local! {
    /// Prefix of every path: empty, i.e. the page's own origin.
    static BASE_URL: RefCell<String> = const { RefCell::new(String::new()) };
}

/// Send every later call to the server at `url` (e.g. `http://127.0.0.1:8123`)
/// instead of the page's own origin. For tests, whose page runs elsewhere.
pub fn set_base_url(url: &str) {
    BASE_URL.with(|b| *b.borrow_mut() = url.trim_end_matches('/').to_owned());
}

fn url(path: &str) -> String {
    BASE_URL.with(|b| format!("{}{path}", b.borrow()))
}

/// Shown as its `Display`: the server's own message as it came (the API speaks Swedish), the
/// app's own two in the device's language from `i18n.rs`.
#[derive(Debug, Clone, PartialEq)]
pub enum ApiError {
    /// No answer: no network, or the server is down. Worth retrying.
    Offline,
    /// The token is no longer valid: sign in again (unsynced changes are kept).
    Unauthorized(String),
    /// The app is older than the server's protocol: reload it.
    ReloadNeeded(String),
    /// The server answered with an error; its message is shown as is.
    Server { status: u16, message: String },
    /// The device's own database failed during a sync (not the server): nothing sent or saved
    /// is lost, and a reload opens the database again.
    Local(String),
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        use crate::i18n::*;
        let l = crate::labels::device_locale();
        match self {
            ApiError::Offline => write!(f, "{}", td_string!(l, api_offline)),
            ApiError::Unauthorized(m) | ApiError::ReloadNeeded(m) | ApiError::Server { message: m, .. } => {
                f.write_str(m)
            }
            ApiError::Local(e) => write!(f, "{}", td_string!(l, api_local, error = e)),
        }
    }
}

impl std::error::Error for ApiError {}

impl From<crate::store::StoreError> for ApiError {
    fn from(e: crate::store::StoreError) -> Self {
        ApiError::Local(e.to_string())
    }
}

impl ApiError {
    pub fn is_retryable(&self) -> bool {
        matches!(
            self,
            ApiError::Offline | ApiError::Server { status: 500.., .. } | ApiError::Server { status: 429, .. }
        )
    }
}

async fn error_of(resp: Response) -> ApiError {
    let status = resp.status();
    let body = resp.json::<ApiErrorBody>().await.ok();
    let message =
        body.as_ref().map(|b| b.message.clone()).unwrap_or_else(|| format!("Servern svarade med fel {status}."));
    match body.map(|b| b.code) {
        Some(ApiErrorCode::Unauthorized) => ApiError::Unauthorized(message),
        Some(ApiErrorCode::ProtocolMismatch) => ApiError::ReloadNeeded(message),
        _ => ApiError::Server { status, message },
    }
}

/// A request the server has not answered in this time is abandoned and
/// retried later: a hung connection must not stall syncing for good.
const REQUEST_TIMEOUT_MS: u32 = 15_000;

/// Send `req` with the token (if any), a JSON body (if any) and a deadline;
/// a non-2xx answer becomes the server's error, with its Swedish message.
async fn send(req: RequestBuilder, token: Option<&str>, body: Option<String>) -> Result<Response, ApiError> {
    let abort = web_sys::AbortController::new().ok();
    let _deadline = abort.clone().map(|a| gloo_timers::callback::Timeout::new(REQUEST_TIMEOUT_MS, move || a.abort()));
    let mut req = req.abort_signal(abort.as_ref().map(|a| a.signal()).as_ref());
    if let Some(t) = token {
        req = req.header("Authorization", &format!("Bearer {t}"));
    }
    let req = match body {
        Some(b) => req.header("Content-Type", "application/json").body(b),
        None => req.build(),
    }
    .map_err(|e| ApiError::Server { status: 0, message: e.to_string() })?;
    let resp = req.send().await.map_err(|_| ApiError::Offline)?;
    if !resp.ok() {
        return Err(error_of(resp).await);
    }
    Ok(resp)
}

fn to_json<T: serde::Serialize>(body: &T) -> Result<String, ApiError> {
    serde_json::to_string(body).map_err(|e| ApiError::Server { status: 0, message: e.to_string() })
}

async fn json_of<Resp: serde::de::DeserializeOwned>(resp: Response) -> Result<Resp, ApiError> {
    // A body cut off mid-way is a network failure: the round is retried.
    resp.json::<Resp>().await.map_err(|_| ApiError::Offline)
}

async fn post_json<Req: serde::Serialize, Resp: serde::de::DeserializeOwned>(
    path: &str,
    token: Option<&str>,
    body: &Req,
) -> Result<Resp, ApiError> {
    json_of(send(Request::post(&url(path)), token, Some(to_json(body)?)).await?).await
}

/// A POST answered with no body (204).
async fn post_no_content(path: &str, token: &str, body: Option<String>) -> Result<(), ApiError> {
    send(Request::post(&url(path)), Some(token), body).await.map(drop)
}

async fn get_json<Resp: serde::de::DeserializeOwned>(path: &str, token: &str) -> Result<Resp, ApiError> {
    json_of(send(Request::get(&url(path)), Some(token), None).await?).await
}

async fn delete(path: &str, token: &str) -> Result<(), ApiError> {
    send(Request::delete(&url(path)), Some(token), None).await.map(drop)
}

pub async fn login(req: &LoginRequest) -> Result<LoginResponse, ApiError> {
    post_json("/api/v1/auth/login", None, req).await
}

pub async fn sync(token: &str, req: &SyncRequest) -> Result<SyncResponse, ApiError> {
    post_json("/api/v1/sync", Some(token), req).await
}

/// How many records a pull from `cursor` would bring now (a first sync's progress).
pub async fn sync_backlog(token: &str, cursor: u64) -> Result<labblogg_shared::sync::PullBacklog, ApiError> {
    get_json(&format!("/api/v1/sync/backlog?cursor={cursor}"), token).await
}

/// The caller's signed-in devices (one per token); `current` marks this one.
pub async fn devices(token: &str) -> Result<Vec<DeviceInfo>, ApiError> {
    get_json("/api/v1/devices", token).await
}

/// Sign one of the caller's devices out (revoke its token).
pub async fn revoke_device(token: &str, id: Uuid) -> Result<(), ApiError> {
    delete(&format!("/api/v1/devices/{id}"), token).await
}

pub async fn admin_users(token: &str) -> Result<Vec<AdminUser>, ApiError> {
    get_json("/api/v1/admin/users", token).await
}

pub async fn admin_create_user(token: &str, req: &CreateUserRequest) -> Result<AdminUser, ApiError> {
    post_json("/api/v1/admin/users", Some(token), req).await
}

/// Disable an account; the server signs out every device of it at once.
pub async fn admin_disable_user(token: &str, id: Uuid) -> Result<(), ApiError> {
    post_no_content(&format!("/api/v1/admin/users/{id}/disable"), token, None).await
}

/// Set a new password; the server signs out every device of the user at once.
pub async fn admin_reset_password(token: &str, id: Uuid, req: &ResetPasswordRequest) -> Result<(), ApiError> {
    post_no_content(&format!("/api/v1/admin/users/{id}/reset-password"), token, Some(to_json(req)?)).await
}

/// Every token of a user, revoked ones included.
pub async fn admin_user_devices(token: &str, id: Uuid) -> Result<Vec<DeviceInfo>, ApiError> {
    get_json(&format!("/api/v1/admin/users/{id}/devices"), token).await
}

pub async fn admin_revoke_token(token: &str, id: Uuid) -> Result<(), ApiError> {
    delete(&format!("/api/v1/admin/tokens/{id}"), token).await
}

pub async fn admin_create_lab(token: &str, lab: &Lab) -> Result<CreatedLab, ApiError> {
    post_json("/api/v1/admin/labs", Some(token), lab).await
}

/// One page of the audit log, newest first: entries with an id below
/// `before` (all when `None`), at most `limit`.
pub async fn admin_audit(token: &str, before: Option<u64>, limit: u32) -> Result<Vec<AuditEntry>, ApiError> {
    let path = match before {
        Some(b) => format!("/api/v1/admin/audit?before={b}&limit={limit}"),
        None => format!("/api/v1/admin/audit?limit={limit}"),
    };
    get_json(&path, token).await
}

/// The research export across every lab from `GET /api/v1/summary`, as the
/// server's CSV or JSON text: for researchers, who hold no records on the
/// device. `from` and `to` are "YYYY-MM-DD".
pub async fn research_export(
    token: &str,
    from: &str,
    to: &str,
    csv: bool,
    approved_only: bool,
) -> Result<String, ApiError> {
    let format = if csv { "csv" } else { "json" };
    let mut path = format!("/api/v1/summary?kind=research&from={from}&to={to}&format={format}");
    if approved_only {
        path.push_str("&approved_only=true");
    }
    let resp = send(Request::get(&url(&path)), Some(token), None).await?;
    // As bytes: `Response.text()` would drop the CSV's byte order mark,
    // which Excel needs. A body cut off mid-way is a network failure.
    let bytes = resp.binary().await.map_err(|_| ApiError::Offline)?;
    String::from_utf8(bytes).map_err(|e| ApiError::Server { status: 0, message: format!("Svaret var inte UTF-8: {e}") })
}

/// The year's report on screen as an .xlsx workbook, written by the server
/// (`POST /api/v1/report/xlsx`): online only; the screen and print work offline.
pub async fn report_xlsx(token: &str, report: &labblogg_shared::year_report::YearReport) -> Result<Vec<u8>, ApiError> {
    let resp = send(Request::post(&url("/api/v1/report/xlsx")), Some(token), Some(to_json(report)?)).await?;
    resp.binary().await.map_err(|_| ApiError::Offline)
}

/// Who changed a record, what and when (`GET /api/v1/history`): online only,
/// the history lives on the server.
pub async fn history(token: &str, record: Uuid) -> Result<HistoryResponse, ApiError> {
    get_json(&format!("/api/v1/history?record={record}"), token).await
}

/// Restore in one action what a device (or person) deleted since a time.
pub async fn restore(token: &str, req: &RestoreRequest) -> Result<RestoreResponse, ApiError> {
    post_json("/api/v1/restore", Some(token), req).await
}
