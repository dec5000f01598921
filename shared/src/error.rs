//! The error body every `/api/v1` endpoint answers with on failure.

use serde::{Deserialize, Serialize};

/// Machine-readable code plus a Swedish message the app can show as is.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiErrorBody {
    pub code: ApiErrorCode,
    pub message: String,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ApiErrorCode {
    BadRequest,
    Unauthorized,
    Forbidden,
    NotFound,
    /// The client speaks another protocol version: it must reload the app.
    ProtocolMismatch,
    PayloadTooLarge,
    TooManyRequests,
    Internal,
}
