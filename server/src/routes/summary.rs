//! `GET /api/v1/summary`: the overview, a lab's report, the comparison across
//! labs and the research export, computed by the same functions the app runs
//! offline (`labblogg_shared::summary`), so both show the same figures.
//!
//! Who sees what (the roles are in `policy.rs`):
//! - staff and coordinators: their labs (`policy::readable_labs`). The
//!   overview and a lab's report show exact counts (their own labs); the
//!   comparison and the research export are what leaves a lab, and are always
//!   protected by the Cell Key Method (`shared::disclosure`, docs/PRIVACY.md).
//! - researchers: no record-level data, so never the overview or a lab's
//!   report (lessons learned are free text); the comparison and the research
//!   export across all labs, always protected.
//!
//! `approved_only=true` limits the comparison and the research export to what
//! is dated in each lab's approved months (`shared::approval`); a lab's report
//! lists every month of its period with its approval, completeness and the
//! values flagged at entry and not yet confirmed.

use crate::auth::AuthUser;
use crate::db::UserRow;
use crate::error::ApiError;
use crate::policy;
use crate::state::AppState;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use labblogg_shared::auth::Role;
use labblogg_shared::calendar;
use labblogg_shared::model::FocusArea;
use labblogg_shared::summary::{self, Dataset, Period, SummaryFormat, SummaryKind, SummaryQuery};
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

/// Longest period a summary covers: ten years of weeks is plenty for a chart.
pub const MAX_PERIOD_DAYS: i64 = 3660;

pub fn router() -> OpenApiRouter<AppState> {
    let mut router = OpenApiRouter::new().routes(routes!(summary));
    // Query parameters' schemas are referenced, not collected: add them.
    let components = router.get_openapi_mut().components.get_or_insert_with(Default::default);
    components.schemas.insert("SummaryKind".into(), <Kind as utoipa::PartialSchema>::schema());
    components.schemas.insert("SummaryFormat".into(), <Format as utoipa::PartialSchema>::schema());
    router
}

/// Researchers see aggregates across every lab and nothing per record.
fn is_researcher(user: &UserRow) -> bool {
    user.role == Role::Researcher
}

fn bad(message: &str) -> ApiError {
    ApiError::BadRequest(message.to_owned())
}

/// `SummaryKind` and `SummaryFormat` as the document shows them (the types
/// themselves stay free of OpenAPI in `labblogg_shared::summary`).
#[derive(utoipa::ToSchema)]
#[schema(as = SummaryKind, rename_all = "snake_case")]
#[allow(dead_code)] // only described, never built
enum Kind {
    Overview,
    Lab,
    Compare,
    Research,
}

#[derive(utoipa::ToSchema)]
#[schema(as = SummaryFormat, rename_all = "snake_case")]
#[allow(dead_code)] // only described, never built
enum Format {
    Json,
    Csv,
}

/// A summary computed from the caller's labs (see the module's header).
#[utoipa::path(get, path = "/summary", tag = "summary",
    params(
        ("kind" = Kind, Query, description = "Which summary"),
        ("lab" = Option<Uuid>, Query, description = "The lab of `kind=lab`"),
        ("from" = Option<String>, Query, description = "First day, YYYY-MM-DD", pattern = r"^\d{4}-\d{2}-\d{2}$"),
        ("to" = Option<String>, Query, description = "Last day, YYYY-MM-DD", pattern = r"^\d{4}-\d{2}-\d{2}$"),
        ("focus" = Option<FocusArea>, Query, description = "Only goals of this focus area (compare)"),
        ("today" = Option<String>, Query, description = "The date the summary is for, YYYY-MM-DD", pattern = r"^\d{4}-\d{2}-\d{2}$"),
        ("format" = Option<Format>, Query, description = "json (default) or csv (compare and research)"),
        ("approved_only" = Option<bool>, Query, description = "Only what is dated in each lab's approved months (compare and research)"),
    ),
    responses((status = 200, description = "The summary as JSON, or CSV for Excel",
        content((serde_json::Value = "application/json"), (String = "text/csv")))))]
async fn summary(
    State(state): State<AppState>,
    AuthUser { user, .. }: AuthUser,
    query: Result<Query<SummaryQuery>, QueryRejection>,
) -> Result<Response, ApiError> {
    let Query(q) = query.map_err(|e| ApiError::BadRequest(e.body_text()))?;
    let today = match q.today {
        Some(t) => t,
        None => calendar::local_date(crate::routes::sync::now_ms() as i64),
    };
    if calendar::day_of(&today).is_none() {
        return Err(bad("today ska vara ett datum, ÅÅÅÅ-MM-DD"));
    }
    let default = Period::last_twelve_months(&today).ok_or_else(|| bad("today ska vara ett datum"))?;
    let period = Period { from: q.from.unwrap_or(default.from), to: q.to.unwrap_or(default.to) };
    match period.days() {
        None => return Err(bad("from och to ska vara datum, ÅÅÅÅ-MM-DD, och from får inte vara efter to")),
        Some((from, to)) if to - from >= MAX_PERIOD_DAYS => return Err(bad("perioden får vara högst tio år")),
        Some(_) => {}
    }
    if q.format == SummaryFormat::Csv && matches!(q.kind, SummaryKind::Overview | SummaryKind::Lab) {
        return Err(bad("CSV finns för jämförelsen (compare) och forskningsexporten (research)"));
    }

    let researcher = is_researcher(&user);
    let labs: Vec<Uuid> = match q.kind {
        SummaryKind::Overview | SummaryKind::Lab if researcher => return Err(ApiError::Forbidden),
        SummaryKind::Compare | SummaryKind::Research if researcher => state.store.lab_ids().await?,
        SummaryKind::Lab => {
            let lab = q.lab.ok_or_else(|| bad("lab behövs för en labbrapport"))?;
            if !policy::readable_labs(&user).contains(&lab) {
                return Err(ApiError::Forbidden);
            }
            vec![lab]
        }
        SummaryKind::Overview | SummaryKind::Compare | SummaryKind::Research => policy::readable_labs(&user),
    };
    // Visits come counted (`visit_tallies`): a year of a million is a few tens of thousands of rows.
    let input = state.store.summary_input(labs.clone()).await?;

    // Building the dataset is CPU work: off the async threads.
    let (kind, lab, focus, format, approved_only) = (q.kind, q.lab, q.focus, q.format, q.approved_only);
    let answer = tokio::task::spawn_blocking(move || {
        let ds = Dataset::from_states_and_tallies(&input.records, input.visits);
        // A researcher may ask for approved months only: figures a coordinator has signed off.
        let ds = if approved_only && matches!(kind, SummaryKind::Compare | SummaryKind::Research) {
            labblogg_shared::approval::only_approved(&ds)
        } else {
            ds
        };
        let json = |v: serde_json::Result<String>| v.map(Answer::Json).map_err(|e| ApiError::Internal(e.to_string()));
        match (kind, format) {
            (SummaryKind::Overview, _) => json(serde_json::to_string(&summary::overview(&ds, &labs, &today))),
            (SummaryKind::Lab, _) => {
                let lab = lab.unwrap_or_default();
                let report = summary::lab_report(&ds, lab, &period, &today).ok_or(ApiError::NotFound)?;
                json(serde_json::to_string(&report))
            }
            (SummaryKind::Compare, f) => {
                let protected = summary::Disclosure::Protected;
                let rows = summary::compare(&ds, &labs, &period, focus, protected, &today);
                match f {
                    SummaryFormat::Json => json(serde_json::to_string(&rows)),
                    SummaryFormat::Csv => Ok(Answer::Csv(
                        summary::comparison_csv(
                            &[rows, vec![summary::comparison_total(&ds, &labs, &period, focus, protected, &today)]]
                                .concat(),
                            protected,
                        ),
                        format!("labblogg-jamforelse-{}-{}.csv", period.from, period.to),
                    )),
                }
            }
            (SummaryKind::Research, f) => {
                let rows = summary::research_export(&ds, &labs, &period);
                match f {
                    SummaryFormat::Json => json(serde_json::to_string(&rows)),
                    SummaryFormat::Csv => Ok(Answer::Csv(
                        summary::research_csv(&rows),
                        format!("labblogg-forskningsexport-{}-{}.csv", period.from, period.to),
                    )),
                }
            }
        }
    })
    .await
    .map_err(|e| ApiError::Internal(e.to_string()))??;
    Ok(answer.into_response())
}

enum Answer {
    /// Serialized JSON.
    Json(String),
    /// CSV text and its file name.
    Csv(String, String),
}

impl IntoResponse for Answer {
    fn into_response(self) -> Response {
        match self {
            Answer::Json(body) => ([(header::CONTENT_TYPE, "application/json")], body).into_response(),
            Answer::Csv(body, file) => (
                [
                    (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
                    // The name is made of dates and ASCII letters only: no quoting issues.
                    (header::CONTENT_DISPOSITION, format!("attachment; filename=\"{file}\"")),
                ],
                body,
            )
                .into_response(),
        }
    }
}
