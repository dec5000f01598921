//! `GET /api/v1/history?record=ID`: who changed a record, what and when, from
//! which device, in names (the append-only history `push.rs` writes).
//! `POST /api/v1/restore`: bring back in one action what a lost tablet (or a
//! wrong hand) deleted since a time. Both read the history; a restore is a
//! push like any other, by the coordinator or administrator who asks.

use crate::auth::{AuthUser, ClientAddr};
use crate::db::{AuditEvent, UserRow};
use crate::error::{parse_json, ApiError};
use crate::policy;
use crate::push::Pusher;
use crate::state::AppState;
use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, QueryRejection};
use axum::extract::{Query, State};
use axum::Json;
use labblogg_shared::auth::{AuditAction, LabRole, Role};
use labblogg_shared::history::{
    field_changes, HistoryEntry, HistoryQuery, HistoryResponse, RestoreRequest, RestoreResponse,
};
use labblogg_shared::sync::{Change, MAX_PUSH_CHANGES};
use labblogg_shared::{calendar, Hlc};
use std::collections::HashMap;
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(history)).routes(routes!(restore))
}

/// The node of the stamps the server gives the changes it makes (restores).
const SERVER_NODE: u64 = 0x6c61_6262;

const MONTHS: [&str; 12] = [
    "januari",
    "februari",
    "mars",
    "april",
    "maj",
    "juni",
    "juli",
    "augusti",
    "september",
    "oktober",
    "november",
    "december",
];

/// "3 mars 2026" for a time in Stockholm.
fn date_sv(ms: u64) -> String {
    let date = calendar::local_date(ms as i64);
    let mut parts = date.split('-').map(|p| p.parse::<usize>().unwrap_or(0));
    let (y, m, d) = (parts.next().unwrap_or(0), parts.next().unwrap_or(1), parts.next().unwrap_or(1));
    format!("{d} {} {y}", MONTHS[m.clamp(1, 12) - 1])
}

/// The history of one record, oldest first, with names. Members of the
/// record's lab and administrators may read it.
#[utoipa::path(get, path = "/history", tag = "history", params(HistoryQuery),
    responses((status = 200, description = "The record's accepted changes, oldest first", body = HistoryResponse)))]
async fn history(
    State(state): State<AppState>,
    AuthUser { user, .. }: AuthUser,
    query: Result<Query<HistoryQuery>, QueryRejection>,
) -> Result<Json<HistoryResponse>, ApiError> {
    let Query(q) = query.map_err(|e| ApiError::BadRequest(format!("record ska vara ett id: {}", e.body_text())))?;
    let Some(record) = state.store.record(q.record).await? else { return Err(ApiError::NotFound) };
    let readable =
        policy::readable_labs(&user).contains(&record.lab_id) || (user.role == Role::Admin && !user.disabled);
    if !readable {
        // Another lab's record is no more there than one that does not exist.
        return Err(ApiError::NotFound);
    }
    let rows = state.store.history(q.record).await?;
    let lab = state
        .store
        .record(record.lab_id)
        .await?
        .and_then(|l| l.fields.get("name").and_then(|n| n.as_str()).map(str::to_owned))
        .unwrap_or_else(|| "labbet".into());
    let mut people: HashMap<Uuid, Option<UserRow>> = HashMap::new();
    let mut devices: HashMap<(Uuid, Uuid), String> = HashMap::new();
    let changes = field_changes(rows.iter().map(|r| &r.fields));
    let mut entries = Vec::with_capacity(rows.len());
    for (row, changes) in rows.iter().zip(changes) {
        let person = match row.user_id {
            Some(id) => {
                if let std::collections::hash_map::Entry::Vacant(e) = people.entry(id) {
                    e.insert(state.store.user_by_id(id).await?);
                }
                people[&id].clone()
            }
            None => None,
        };
        let by = match (&person, row.user_id) {
            (Some(p), _) => p.display_name.clone(),
            (None, Some(_)) => "ett konto som har tagits bort".into(),
            (None, None) => "labblogg".into(),
        };
        let device = match (row.device_id, &person) {
            (Some(device), Some(p)) => {
                if let std::collections::hash_map::Entry::Vacant(e) = devices.entry((p.id, device)) {
                    let tokens = state.store.tokens_of(p.id, true).await?;
                    let first = tokens.iter().filter(|t| t.device_id == Some(device)).map(|t| t.created_ms).min();
                    // The device's name, from the newest sign-in on it that gave one.
                    let named = tokens
                        .iter()
                        .filter(|t| t.device_id == Some(device))
                        .filter_map(|t| t.device_name.as_ref().map(|n| (t.created_ms, n)))
                        .max_by_key(|(ms, _)| *ms)
                        .map(|(_, n)| n.clone());
                    let label = match (named, first) {
                        (Some(name), _) => name,
                        (None, Some(ms)) => format!("enheten där {} loggade in {}", p.display_name, date_sv(ms)),
                        (None, None) => format!("en enhet som {} använder", p.display_name),
                    };
                    e.insert(label);
                }
                devices[&(p.id, device)].clone()
            }
            (Some(_), None) => "en enhet".into(),
            (None, _) => "servern".into(),
        };
        entries.push(HistoryEntry { at_ms: row.at_ms, made_ms: row.hlc.ms, op: row.op, by, device, changes });
    }
    Ok(Json(HistoryResponse { record_id: record.id, kind: record.kind, lab, entries }))
}

/// Restore, in one action, every record deleted from a device (or by a
/// person) since a time: a coordinator in one of their labs, an
/// administrator in any. Each restore is a change in the history, made by
/// the one who asked.
#[utoipa::path(post, path = "/restore", tag = "history", request_body = RestoreRequest,
    responses((status = 200, description = "How many records are live again", body = RestoreResponse)))]
async fn restore(
    State(state): State<AppState>,
    AuthUser { user, token }: AuthUser,
    addr: ClientAddr,
    body: Result<Bytes, BytesRejection>,
) -> Result<Json<RestoreResponse>, ApiError> {
    let req: RestoreRequest = parse_json(body)?;
    if req.since_ms > crate::routes::sync::now_ms() {
        return Err(ApiError::BadRequest("since_ms ligger i framtiden: ange när raderingarna började.".into()));
    }
    if req.device_id.is_none() && req.user_id.is_none() {
        return Err(ApiError::BadRequest(
            "Ange enheten (device_id) eller personen (user_id) vars raderingar ska återställas.".into(),
        ));
    }
    let admin = user.role == Role::Admin && policy::may_push(&user);
    let labs = match req.lab_id {
        Some(lab) if admin || policy::lab_role(&user, lab) == Some(LabRole::Coordinator) => Some(vec![lab]),
        None if admin => None,
        _ => return Err(ApiError::Forbidden),
    };
    let deleted = state.store.deleted_since(labs, req.device_id, req.user_id, req.since_ms).await?;
    let now = crate::routes::sync::now_ms();
    let changes: Vec<Change> = deleted
        .iter()
        .map(|r| {
            let d = r.deleted.unwrap_or(Hlc::ZERO);
            let hlc = if now > d.ms {
                Hlc { ms: now, counter: 0, node: SERVER_NODE }
            } else {
                Hlc { ms: d.ms, counter: d.counter.saturating_add(1), node: SERVER_NODE }
            };
            Change {
                change_id: Uuid::now_v7(),
                kind: r.kind,
                id: r.id,
                lab_id: r.lab_id,
                hlc,
                fields: Default::default(),
                deleted: false,
                restore: true,
            }
        })
        .collect();
    let (mut restored, mut refused) = (0, 0);
    for batch in changes.chunks(MAX_PUSH_CHANGES) {
        let by = Pusher::User { user: user.clone(), device: token.device_id };
        for outcome in state.store.push_as(batch.to_vec(), by, now).await? {
            match outcome {
                Ok(()) => restored += 1,
                Err(r) => {
                    tracing::warn!(reason = %r.message, "a restore was refused");
                    refused += 1;
                }
            }
        }
    }
    state
        .store
        .audit(AuditEvent {
            action: AuditAction::RecordsRestored,
            actor: user.username.clone(),
            subject: Some(format!("{restored} poster återställda, raderade sedan {}", date_sv(req.since_ms))),
            address: addr.to_audit(),
        })
        .await?;
    Ok(Json(RestoreResponse { restored, refused }))
}
