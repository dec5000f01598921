//! The one error type of the HTTP layer. Internal details are logged, never sent.

use crate::accounts::AccountError;
use crate::db::StoreError;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use labblogg_shared::error::{ApiErrorBody, ApiErrorCode};

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("bad request: {0}")]
    BadRequest(String),
    #[error("unauthorized")]
    Unauthorized,
    #[error("wrong username or password")]
    BadCredentials,
    #[error("forbidden")]
    Forbidden,
    #[error("too many failed sign-ins; retry in {retry_after_secs} s")]
    TooManyRequests { retry_after_secs: u64 },
    #[error("username taken")]
    UsernameTaken,
    #[error("protocol {client} != {server}")]
    ProtocolMismatch { client: u32, server: u32 },
    #[error("payload too large")]
    PayloadTooLarge,
    #[error("not found")]
    NotFound,
    #[error("method not allowed")]
    MethodNotAllowed,
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("internal: {0}")]
    Internal(String),
}

impl ApiError {
    fn parts(&self) -> (StatusCode, ApiErrorCode, String) {
        use ApiErrorCode as C;
        match self {
            ApiError::BadRequest(m) => (StatusCode::BAD_REQUEST, C::BadRequest, format!("Felaktig begäran: {m}")),
            ApiError::Unauthorized => (StatusCode::UNAUTHORIZED, C::Unauthorized, "Du behöver logga in igen.".into()),
            ApiError::BadCredentials => {
                (StatusCode::UNAUTHORIZED, C::Unauthorized, "Fel användarnamn eller lösenord.".into())
            }
            ApiError::Forbidden => (StatusCode::FORBIDDEN, C::Forbidden, "Du har inte behörighet till detta.".into()),
            ApiError::TooManyRequests { retry_after_secs } => (
                StatusCode::TOO_MANY_REQUESTS,
                C::TooManyRequests,
                format!("För många misslyckade inloggningar. Vänta {} och försök igen.", wait_sv(*retry_after_secs)),
            ),
            ApiError::UsernameTaken | ApiError::Store(StoreError::UsernameTaken) => {
                (StatusCode::CONFLICT, C::BadRequest, "Användarnamnet är upptaget. Välj ett annat.".into())
            }
            ApiError::Store(StoreError::UnknownUser) => {
                (StatusCode::NOT_FOUND, C::NotFound, "Användaren finns inte.".into())
            }
            ApiError::ProtocolMismatch { .. } => (
                StatusCode::CONFLICT,
                C::ProtocolMismatch,
                "Appen har uppdaterats. Ladda om sidan för att fortsätta synkronisera.".into(),
            ),
            ApiError::PayloadTooLarge => {
                (StatusCode::PAYLOAD_TOO_LARGE, C::PayloadTooLarge, "För mycket data i en och samma begäran.".into())
            }
            ApiError::NotFound => (StatusCode::NOT_FOUND, C::NotFound, "Finns inte.".into()),
            ApiError::MethodNotAllowed => {
                (StatusCode::METHOD_NOT_ALLOWED, C::BadRequest, "Den metoden stöds inte här.".into())
            }
            ApiError::Store(_) | ApiError::Internal(_) => (
                StatusCode::INTERNAL_SERVER_ERROR,
                C::Internal,
                "Något gick fel på servern. Ändringarna finns kvar på enheten och skickas igen.".into(),
            ),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, code, message) = self.parts();
        if status.is_server_error() {
            // Internal errors carry SQL or I/O details, never request data.
            tracing::error!(error = %self, "request failed");
        }
        let mut resp = (status, Json(ApiErrorBody { code, message })).into_response();
        if let ApiError::TooManyRequests { retry_after_secs } = self {
            resp.headers_mut().insert(axum::http::header::RETRY_AFTER, retry_after_secs.into());
        }
        resp
    }
}

/// "en minut", "7 minuter": how long to wait, rounded up to whole minutes.
fn wait_sv(secs: u64) -> String {
    match secs.div_ceil(60) {
        0 | 1 => "en minut".into(),
        n => format!("{n} minuter"),
    }
}

impl From<AccountError> for ApiError {
    fn from(e: AccountError) -> Self {
        match e {
            AccountError::Invalid(m) => ApiError::BadRequest(m),
            AccountError::UsernameTaken => ApiError::UsernameTaken,
            AccountError::UnknownUser => ApiError::NotFound,
            AccountError::Hash(m) => ApiError::Internal(m),
            AccountError::Store(e) => ApiError::Store(e),
        }
    }
}

/// Parse a JSON body into `T`, answering 400 with serde's reason when it does not fit.
pub fn parse_json<T: serde::de::DeserializeOwned>(
    body: Result<axum::body::Bytes, axum::extract::rejection::BytesRejection>,
) -> Result<T, ApiError> {
    let bytes = body.map_err(|r| {
        if r.status() == StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::PayloadTooLarge
        } else {
            ApiError::BadRequest(r.body_text())
        }
    })?;
    serde_json::from_slice(&bytes).map_err(|e| ApiError::BadRequest(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wait_is_rounded_up_to_minutes() {
        assert_eq!(wait_sv(1), "en minut");
        assert_eq!(wait_sv(60), "en minut");
        assert_eq!(wait_sv(61), "2 minuter");
        assert_eq!(wait_sv(15 * 60), "15 minuter");
    }
}
