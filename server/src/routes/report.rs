//! `POST /api/v1/report/xlsx`: the year's report the app shows, as an .xlsx
//! workbook (`xlsx.rs`).
//!
//! The app computes the report from its own copy (`shared::year_report`, the
//! same code the server would run) and posts it here to be written as a
//! workbook. Why the server writes it rather than the app: the workbook
//! writer and its zip code stay out of the wasm bundle every tablet loads;
//! and why from the posted report rather than the server's records: the
//! workbook then holds exactly the figures on the screen, changes not yet
//! synced included. The screen and the printed A4 report work offline; only
//! this download needs the network, and the app says so.
//!
//! Nothing is stored or read: the caller gets back the figures it sent, in
//! another format. Signed-in users only; researchers, who never see a lab's
//! records, too (a report they post is theirs).

use crate::auth::AuthUser;
use crate::error::{parse_json, ApiError};
use crate::state::AppState;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use labblogg_shared::year_report::YearReport;
use utoipa_axum::{router::OpenApiRouter, routes};

pub const XLSX_MIME: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(report_xlsx))
}

/// The posted year's report (`shared::year_report::YearReport`) as an .xlsx
/// workbook: one sheet per table, Swedish headings, numbers and dates as such.
#[utoipa::path(post, path = "/report/xlsx", tag = "summary",
    request_body(content = serde_json::Value, description = "A year's report as the app computed it (YearReport)", content_type = "application/json"),
    responses(
        (status = 200, description = "The workbook", content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", body = Vec<u8>),
        (status = 400, description = "Not a year's report, or beyond its limits")))]
async fn report_xlsx(_user: AuthUser, body: Result<Bytes, BytesRejection>) -> Result<Response, ApiError> {
    let report: YearReport = parse_json(body)?;
    report.check().map_err(ApiError::BadRequest)?;
    let bytes = tokio::task::spawn_blocking(move || crate::xlsx::workbook(&report).map(|b| (b, report.file_name())))
        .await
        .map_err(|e| ApiError::Internal(e.to_string()))?
        .map_err(|e| ApiError::BadRequest(format!("arbetsboken kunde inte skrivas: {e}")))?;
    let (bytes, name) = bytes;
    Ok((
        [
            (header::CONTENT_TYPE, XLSX_MIME.to_owned()),
            (header::CONTENT_DISPOSITION, format!("attachment; filename=\"{name}\"")),
        ],
        bytes,
    )
        .into_response())
}
