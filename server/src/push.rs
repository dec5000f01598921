//! The push planner: what a batch of changes does, decided by one pure
//! function that both backends share (`db/sqlite.rs`, `db/postgres.rs` only
//! load its inputs and write its outputs in their transaction).
//!
//! For each change in order: may this sender write it (`policy.rs`, with the
//! delete and restore rules below), is its clock sane, do the records it names
//! exist in its lab, does it merge (`shared::merge`) and is the result a valid,
//! closed record (`shared::validate`)? An accepted change takes the next
//! number, moves the visit tallies and adds a history row. References resolve
//! against the stored records plus what this batch has already accepted,
//! never against a refused change.
//!
//! Deleting is bounded and recoverable:
//! - a delete keeps the record's fields (the merge never clears them);
//! - staff delete records they created and undo visits on the day they were
//!   counted (a shared tablet: a colleague's tap too); the rest is the lab
//!   coordinator's;
//! - a delete stamped before the record's first edit is refused;
//! - only a coordinator of the lab (or an administrator) restores.
//!
//! Approved months are locked (`shared::approval`): a change to a visit,
//! activity or goal measurement dated in a month its lab has approved, or
//! moving one into such a month, is refused as `locked` (a change already
//! stored, sent again, is still acknowledged). The backends load the
//! approvals a batch needs with [`more_to_load`] once its records are in.
//! An approval's id is its lab and month's; it is never deleted (re-opening
//! is an edit with a reason), and a month is approved only once it is over.
//! Only a coordinator confirms a value flagged at entry (`shared::checks`).

use crate::db::UserRow;
use crate::policy;
use labblogg_shared::approval;
use labblogg_shared::auth::{LabRole, Role};
use labblogg_shared::calendar;
use labblogg_shared::hlc::MAX_CLOCK_AHEAD_MS;
use labblogg_shared::knowledge::review_of;
use labblogg_shared::merge::{apply_change_owned, MergeError, RecordState};
use labblogg_shared::summary::TallyChanges;
use labblogg_shared::sync::{Change, RejectCode, Rejection};
use labblogg_shared::validate::validate_record_reading_visit;
use labblogg_shared::{Hlc, RecordKind};
use serde_json::{Map, Value};
use std::collections::HashMap;
use uuid::Uuid;

/// Who sends a batch.
#[derive(Debug, Clone)]
pub enum Pusher {
    /// This server's own code: demo data, accounts, restores an administrator
    /// asked for. Trusted: no permission or reference checks (the rest holds).
    System,
    /// A signed-in user, from a device.
    User { user: UserRow, device: Option<Uuid> },
}

impl Pusher {
    fn user_id(&self) -> Option<Uuid> {
        match self {
            Pusher::System => None,
            Pusher::User { user, .. } => Some(user.id),
        }
    }

    fn device(&self) -> Option<Uuid> {
        match self {
            Pusher::System => None,
            Pusher::User { device, .. } => *device,
        }
    }
}

/// A stored record with who created it (unknown for records stored before
/// the history began).
#[derive(Debug, Clone, PartialEq)]
pub struct Stored {
    pub state: RecordState,
    pub created_by: Option<Uuid>,
    pub created_device: Option<Uuid>,
}

pub use labblogg_shared::history::HistoryOp as Operation;

/// One accepted change, as the append-only history keeps it.
#[derive(Debug, Clone, PartialEq)]
pub struct HistoryRow {
    pub change_id: Uuid,
    pub record_id: Uuid,
    pub kind: RecordKind,
    pub lab_id: Uuid,
    pub user_id: Option<Uuid>,
    pub device_id: Option<Uuid>,
    /// The server's clock when it was accepted.
    pub at_ms: u64,
    pub hlc: Hlc,
    pub op: Operation,
    /// The fields the change set. Empty for a new visit in a plan: a visit's fields never
    /// change, so the backends keep them once, in the record, and read them back from there.
    pub fields: Map<String, Value>,
    /// Its number among the batch's accepted changes (1-based): its sequence
    /// number is the counter before the batch plus this.
    pub number: u64,
}

/// A record to write: its state, the number of its last change in the batch,
/// and its creator (kept from the stored row, or this sender for a new one).
#[derive(Debug, Clone, PartialEq)]
pub struct Write {
    pub number: u64,
    /// For a record new in this batch, the number of the change that made it (its history's
    /// first row); `None` for a stored one.
    pub created_number: Option<u64>,
    pub state: RecordState,
    pub created_by: Option<Uuid>,
    pub created_device: Option<Uuid>,
}

/// Everything a batch does.
#[derive(Debug, Default)]
pub struct PushPlan {
    /// One per change, in order: accepted (or already known), or refused.
    pub outcomes: Vec<Result<(), Rejection>>,
    /// Each changed record once, by number.
    pub writes: Vec<Write>,
    /// How many sequence numbers the batch takes.
    pub numbers: u64,
    pub tallies: TallyChanges,
    pub history: Vec<HistoryRow>,
}

/// The fields of a kind that name other records: (field, kind referred to,
/// whether the target must still be live). Lists may name deleted records:
/// an old activity keeps naming a partner that was later removed.
fn reference_fields(kind: RecordKind) -> &'static [(&'static str, RecordKind, bool)] {
    match kind {
        RecordKind::Visit => &[("meeting_place_id", RecordKind::MeetingPlace, true)],
        RecordKind::Activity => &[
            ("meeting_place_id", RecordKind::MeetingPlace, false),
            ("partner_ids", RecordKind::Partner, false),
            ("goal_ids", RecordKind::Goal, false),
        ],
        RecordKind::GoalMeasurement => &[("goal_id", RecordKind::Goal, false)],
        RecordKind::GoodExample => {
            &[("goal_ids", RecordKind::Goal, false), ("activity_ids", RecordKind::Activity, false)]
        }
        RecordKind::Lesson => &[("activity_id", RecordKind::Activity, false)],
        RecordKind::Question => {
            &[("meeting_place_id", RecordKind::MeetingPlace, false), ("replaces", RecordKind::Question, false)]
        }
        _ => &[],
    }
}

/// The records `change` names: (id if it is one, kind, must be live).
fn references(change: &Change) -> Vec<(Option<Uuid>, RecordKind, bool)> {
    let mut wanted = Vec::new();
    for &(field, kind, live) in reference_fields(change.kind) {
        match change.fields.get(field) {
            Some(Value::String(s)) => wanted.push((Uuid::parse_str(s).ok(), kind, live)),
            Some(Value::Array(items)) => {
                for item in items {
                    wanted.push((item.as_str().and_then(|s| Uuid::parse_str(s).ok()), kind, live));
                }
            }
            _ => {}
        }
    }
    if change.kind == RecordKind::Goal {
        let place = change.fields.get("source").and_then(|s| s.get("meeting_place_id")).and_then(Value::as_str);
        if let Some(p) = place {
            wanted.push((Uuid::parse_str(p).ok(), RecordKind::MeetingPlace, false));
        }
        let question = change.fields.get("source").and_then(|s| s.get("question_id")).and_then(Value::as_str);
        if let Some(q) = question {
            wanted.push((Uuid::parse_str(q).ok(), RecordKind::Question, false));
        }
    }
    if change.kind == RecordKind::Activity {
        // Each answer names its question; a retired (or deleted) question's answers stay readable.
        for answer in change.fields.get("answers").and_then(Value::as_array).into_iter().flatten() {
            let id = answer.get("question_id").and_then(Value::as_str).and_then(|s| Uuid::parse_str(s).ok());
            wanted.push((id, RecordKind::Question, false));
        }
    }
    wanted
}

/// Every record a backend must load for [`plan`]: those the batch changes and
/// those its changes name.
pub fn ids_to_load(changes: &[Change]) -> Vec<Uuid> {
    let mut ids: Vec<Uuid> = changes.iter().map(|c| c.id).collect();
    ids.extend(changes.iter().flat_map(references).filter_map(|(id, _, _)| id));
    ids.sort_unstable();
    ids.dedup();
    ids
}

/// What a backend loads once the records of [`ids_to_load`] are in
/// (`stored`): the approvals of the months the batch's dated records are in
/// or move to, and their labs (for the lab's name in a refusal). Ids already
/// loaded are left out.
pub fn more_to_load(changes: &[Change], stored: &HashMap<Uuid, Stored>) -> Vec<Uuid> {
    // A batch is mostly a few dates of one lab: each (lab, date) is looked at once, each
    // (lab, month) gets its approval's id once.
    let mut dates: Vec<(Uuid, &str)> = Vec::new();
    for c in changes.iter().filter(|c| approval::is_dated(c.kind)) {
        let current = stored.get(&c.id).and_then(|s| s.state.fields.get("date"));
        for date in [current, c.fields.get("date")].into_iter().flatten().filter_map(Value::as_str) {
            if dates.last() != Some(&(c.lab_id, date)) {
                dates.push((c.lab_id, date));
            }
        }
    }
    dates.sort_unstable();
    dates.dedup();
    let mut months: Vec<(Uuid, String)> =
        dates.into_iter().filter_map(|(lab, date)| Some((lab, approval::month_of_date(date)?))).collect();
    months.dedup();
    let mut ids = Vec::with_capacity(months.len() * 2);
    for (lab, month) in &months {
        ids.push(*lab);
        ids.push(approval::approval_id(*lab, month));
    }
    ids.sort_unstable();
    ids.dedup();
    ids.retain(|id| !stored.contains_key(id));
    ids
}

fn refuse(code: RejectCode, message: impl Into<String>) -> Rejection {
    Rejection { code, message: message.into() }
}

/// What a batch sent by `by` at the server's time `now_ms` does to the
/// `stored` records (at least those of [`ids_to_load`]).
pub fn plan(changes: Vec<Change>, by: &Pusher, now_ms: u64, stored: HashMap<Uuid, Stored>) -> PushPlan {
    let mut records: HashMap<Uuid, Stored> = stored;
    records.reserve(changes.len());
    let mut out = PushPlan {
        outcomes: Vec::with_capacity(changes.len()),
        history: Vec::with_capacity(changes.len()),
        ..PushPlan::default()
    };
    let mut last: HashMap<Uuid, u64> = HashMap::with_capacity(changes.len());
    let mut created: HashMap<Uuid, u64> = HashMap::with_capacity(changes.len());
    // No approval stored for the batch's months, and none accepted in it so far: nothing is locked.
    let mut approvals_in_view = records.values().any(|s| s.state.kind == RecordKind::MonthApproval);
    for change in changes {
        let current = records.get(&change.id);
        if let Some(refusal) = check(by, &change, current, &records, now_ms) {
            out.outcomes.push(Err(refusal));
            continue;
        }
        // The history keeps the fields a change set. A new visit's are the record's own for
        // good (visits are append-only events), so they are not copied: the backends store them
        // once, in the record ([`HistoryRow::fields`]).
        let history_fields = if change.kind.is_event() && current.is_none() && !change.deleted {
            Map::new()
        } else {
            change.fields.clone()
        };
        let (change_id, record_id, kind, lab_id, hlc) =
            (change.change_id, change.id, change.kind, change.lab_id, change.hlc);
        let (deleted, restore) = (change.deleted, change.restore);
        // Decided before the change is merged (which takes it), applied after: a resend of a
        // stored change (no effect) is still acknowledged in a locked month.
        let lock = if approvals_in_view { locked(&change, current, &records) } else { None };
        let merged = match apply_change_owned(current.map(|s| &s.state), change) {
            Ok(Some(state)) => state,
            Ok(None) => {
                out.outcomes.push(Ok(()));
                continue;
            }
            Err(e) => {
                out.outcomes.push(Err(merge_rejection(e)));
                continue;
            }
        };
        if let Some(refusal) = lock {
            out.outcomes.push(Err(refusal));
            continue;
        }
        let visit = match validate_record_reading_visit(&merged) {
            Ok(visit) => visit,
            Err(e) => {
                out.outcomes.push(Err(refuse(RejectCode::Validation, format!("Ändringen nekades: {e}."))));
                continue;
            }
        };
        approvals_in_view |= kind == RecordKind::MonthApproval;
        out.numbers += 1;
        let number = out.numbers;
        last.insert(record_id, number);
        match &visit {
            Some(v) => out.tallies.visit_written(current.map(|s| &s.state), &merged, v),
            None => out.tallies.record_changed(current.map(|s| &s.state), Some(&merged)),
        }
        let op = if restore {
            Operation::Restore
        } else if deleted {
            Operation::Delete
        } else if current.is_none_or(|s| s.state.fields.is_empty()) {
            Operation::Create
        } else {
            Operation::Edit
        };
        out.history.push(HistoryRow {
            change_id,
            record_id,
            kind,
            lab_id,
            user_id: by.user_id(),
            device_id: by.device(),
            at_ms: now_ms,
            hlc,
            op,
            fields: history_fields,
            number,
        });
        let next = match records.remove(&record_id) {
            Some(s) => Stored { state: merged, ..s },
            None => {
                created.insert(record_id, number);
                Stored { state: merged, created_by: by.user_id(), created_device: by.device() }
            }
        };
        records.insert(record_id, next);
        out.outcomes.push(Ok(()));
    }
    // Each changed record moves out of the batch's map (nothing is cloned).
    let mut writes: Vec<Write> = last
        .into_iter()
        .filter_map(|(id, number)| {
            let s = records.remove(&id)?;
            Some(Write {
                number,
                created_number: created.get(&id).copied(),
                state: s.state,
                created_by: s.created_by,
                created_device: s.created_device,
            })
        })
        .collect();
    writes.sort_unstable_by_key(|w| w.number);
    out.writes = writes;
    out
}

fn merge_rejection(e: MergeError) -> Rejection {
    refuse(RejectCode::Conflict, format!("Ändringen nekades: {e}."))
}

/// Why `change` may not be merged at all (permission, clock, lab, references,
/// delete and restore rules); `None` if it may.
fn check(
    by: &Pusher,
    change: &Change,
    current: Option<&Stored>,
    records: &HashMap<Uuid, Stored>,
    now_ms: u64,
) -> Option<Rejection> {
    if let Pusher::User { user, .. } = by {
        if let Some(r) = permission(user, change, current) {
            return Some(r);
        }
    }
    if change.hlc.ms > now_ms + MAX_CLOCK_AHEAD_MS {
        return Some(refuse(
            RejectCode::ClockAhead,
            "Enhetens klocka går före. Ställ in rätt tid och datum på surfplattan, så skickas ändringen igen.",
        ));
    }
    if change.kind == RecordKind::Lab && change.id != change.lab_id {
        return Some(refuse(
            RejectCode::Validation,
            "Ett labb måste höra till sig självt (id och labb-id ska vara lika).",
        ));
    }
    if change.deleted {
        let created = current.and_then(|s| s.state.created());
        // Beyond the clock tolerance only: tablets' clocks may differ by that much (a colleague's
        // record stamped by a clock a few minutes ahead may be undone at once).
        if created.is_some_and(|c| change.hlc.ms.saturating_add(MAX_CLOCK_AHEAD_MS) < c.ms) {
            return Some(refuse(
                RejectCode::Validation,
                "Raderingen är stämplad före posten skapades och sparas inte. Kontrollera surfplattans klocka.",
            ));
        }
    }
    if change.restore && current.is_none() {
        return Some(refuse(RejectCode::Validation, "Posten som ska återställas finns inte."));
    }
    if change.kind == RecordKind::MonthApproval {
        if let Some(r) = approval_refusal(change, current, now_ms) {
            return Some(r);
        }
    }
    if let Some(r) = frozen_refusal(change, current) {
        return Some(r);
    }
    if matches!(by, Pusher::User { .. }) {
        return references_refusal(change, records);
    }
    None
}

/// A change of a record dated in an approved month of its lab (now, or the
/// month the change moves it to) is refused; `None` if no such month.
fn locked(change: &Change, current: Option<&Stored>, records: &HashMap<Uuid, Stored>) -> Option<Rejection> {
    let months = approval::months_touched(change.kind, current.map(|s| &s.state.fields), &change.fields);
    let month = months.into_iter().find(|m| {
        records
            .get(&approval::approval_id(change.lab_id, m))
            .is_some_and(|a| a.state.lab_id == change.lab_id && approval::is_in_force(&a.state))
    })?;
    let lab = records
        .get(&change.lab_id)
        .filter(|l| l.state.kind == RecordKind::Lab)
        .and_then(|l| l.state.fields.get("name").and_then(Value::as_str))
        .unwrap_or("labbet");
    Some(refuse(RejectCode::Locked, approval::locked_message(&month, lab)))
}

/// The rules of a month's approval record: its id is its lab and month's, it
/// is never deleted, and a month is approved only once it is over.
fn approval_refusal(change: &Change, current: Option<&Stored>, now_ms: u64) -> Option<Rejection> {
    if change.deleted {
        return Some(refuse(
            RejectCode::Validation,
            "Ett godkännande tas inte bort. Öppna månaden i stället och skriv varför.",
        ));
    }
    let month = change
        .fields
        .get("month")
        .or_else(|| current.and_then(|s| s.state.fields.get("month")))
        .and_then(Value::as_str)
        .unwrap_or_default();
    if approval::approval_id(change.lab_id, month) != change.id {
        return Some(refuse(RejectCode::Validation, "Godkännandet hör inte till den månaden i det här labbet."));
    }
    let approving = change.fields.get("approved").and_then(Value::as_bool) == Some(true);
    let today = calendar::local_day(now_ms as i64);
    if approving && !approval::has_ended(month, today) {
        return Some(refuse(
            RejectCode::Validation,
            format!("{} är inte slut än och kan godkännas först när den är över.", approval::month_name_sv(month)),
        ));
    }
    None
}

/// A question's meaning is fixed once it exists (`shared::questions`): an edit
/// that changes its wording, type, options, built-in mark or the version it
/// replaces is refused, from anyone; a change that sets them to what they
/// are (a resent creation) passes.
fn frozen_refusal(change: &Change, current: Option<&Stored>) -> Option<Rejection> {
    if change.kind != RecordKind::Question || change.deleted || change.restore {
        return None;
    }
    let stored = current.filter(|s| !s.state.fields.is_empty())?;
    let changed = labblogg_shared::questions::FROZEN_FIELDS
        .iter()
        .any(|f| change.fields.get(*f).is_some_and(|v| stored.state.fields.get(*f).unwrap_or(&Value::Null) != v));
    changed.then(|| {
        refuse(
            RejectCode::Validation,
            "En frågas lydelse, svarstyp och alternativ ändras inte, så att gamla svar behåller sin mening. Gör en ny version av frågan i stället.",
        )
    })
}

/// Each answer an activity carries must fit its question (kind, scale, options).
fn answers_refusal(change: &Change, records: &HashMap<Uuid, Stored>) -> Option<Rejection> {
    use labblogg_shared::questions::{answer_misfit, Answer, Question};
    let answers = change.fields.get("answers")?;
    let answers: Vec<Answer> = serde_json::from_value(answers.clone()).ok()?; // a wrong shape fails validation
    for a in &answers {
        let question = records
            .get(&a.question_id)
            .and_then(|s| serde_json::from_value::<Question>(Value::Object(s.state.fields.clone())).ok());
        let Some(q) = question else {
            return Some(refuse(RejectCode::Validation, "Frågan som svaret gäller finns inte i det här labbet."));
        };
        if let Some(why) = answer_misfit(&q, a) {
            return Some(refuse(RejectCode::Validation, format!("Svaret på ”{}” nekades: {why}", q.text)));
        }
    }
    None
}

/// Every record a change names must exist (stored, or accepted earlier in
/// the batch), be of the right kind and belong to the same lab.
fn references_refusal(change: &Change, records: &HashMap<Uuid, Stored>) -> Option<Rejection> {
    for (id, kind, live) in references(change) {
        let target = id.and_then(|id| records.get(&id)).map(|s| &s.state);
        // A record known only by a tombstone that arrived first has no fields: it is not there.
        let ok = target.is_some_and(|t| {
            t.kind == kind && t.lab_id == change.lab_id && !t.fields.is_empty() && !(live && t.deleted.is_some())
        });
        if !ok {
            let what = match kind {
                RecordKind::MeetingPlace => "Mötesplatsen",
                RecordKind::Partner => "Samverkanspartnern",
                RecordKind::Goal => "Målet",
                RecordKind::Activity => "Aktiviteten",
                RecordKind::Question => "Frågan",
                _ => "Posten",
            };
            return Some(refuse(RejectCode::Validation, format!("{what} finns inte i det här labbet.")));
        }
    }
    if change.kind == RecordKind::Activity {
        return answers_refusal(change, records);
    }
    None
}

fn is_coordinator(user: &UserRow, lab: Uuid) -> bool {
    policy::lab_role(user, lab) == Some(LabRole::Coordinator)
}

/// The user's permission for this change, given the stored record.
fn permission(user: &UserRow, change: &Change, current: Option<&Stored>) -> Option<Rejection> {
    if change.restore {
        // Restoring is for the lab's coordinators and administrators.
        if !(policy::may_push(user) && (user.role == Role::Admin || is_coordinator(user, change.lab_id))) {
            return Some(refuse(RejectCode::Permission, "Bara labbets samordnare kan återställa raderade poster."));
        }
        return None;
    }
    if !policy::may_write(user, change.kind, change.lab_id) {
        return Some(refuse(RejectCode::Permission, "Du har inte behörighet att ändra det här i det här labbet."));
    }
    let confirms_flag =
        change.fields.get("flag").and_then(|f| f.get("confirmed")).and_then(Value::as_bool) == Some(true);
    if confirms_flag && !(user.role == Role::Admin || is_coordinator(user, change.lab_id)) {
        return Some(refuse(RejectCode::Permission, "Bara samordnaren kan bekräfta ett värde att följa upp."));
    }
    if change.kind.is_knowledge() {
        // Who may publish depends on where the record is in review now.
        let now = current.map(|s| review_of(&s.state.fields).unwrap_or_default());
        if let Some(why) = policy::knowledge_refusal(user, change.lab_id, now, review_of(&change.fields)) {
            return Some(refuse(RejectCode::Permission, why));
        }
    }
    if change.deleted && !policy::may_delete_any(user, change.kind, change.lab_id) {
        let Some(stored) = current.filter(|s| !s.state.fields.is_empty()) else {
            // Nothing there to delete yet (a tombstone ahead of its record): it removes nothing.
            return None;
        };
        let own = stored.created_by == Some(user.id);
        let visit_of_the_day = stored.state.kind == RecordKind::Visit
            && stored.state.fields.get("date").and_then(Value::as_str)
                == Some(calendar::local_date(change.hlc.ms as i64).as_str());
        if !own && !visit_of_the_day {
            return Some(refuse(
                RejectCode::Permission,
                "Du kan radera det du själv har lagt in, och ångra dagens besök. Be samordnaren radera det här.",
            ));
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use labblogg_shared::auth::Membership;
    use labblogg_shared::merge::apply_change;
    use serde_json::json;

    const LAB: Uuid = Uuid::from_u128(0x1ab);
    const OTHER_LAB: Uuid = Uuid::from_u128(0x2ab);
    const PLACE: Uuid = Uuid::from_u128(0x91ace);
    const OTHER_PLACE: Uuid = Uuid::from_u128(0x92ace);
    const NOW: u64 = 1_780_000_000_000;

    fn user(role: LabRole) -> Pusher {
        let role_all = if role == LabRole::Coordinator { Role::Coordinator } else { Role::Staff };
        Pusher::User {
            user: UserRow {
                id: Uuid::from_u128(role as u128 + 100),
                username: "u".into(),
                display_name: "U".into(),
                password_hash: String::new(),
                role: role_all,
                memberships: vec![Membership { lab_id: LAB, role }],
                home_meeting_place: None,
                disabled: false,
            },
            device: Some(Uuid::from_u128(7)),
        }
    }

    fn change(kind: RecordKind, id: Uuid, lab: Uuid, ms: u64, fields: Value) -> Change {
        Change {
            change_id: Uuid::now_v7(),
            kind,
            id,
            lab_id: lab,
            hlc: Hlc { ms, counter: 0, node: 1 },
            fields: fields.as_object().cloned().unwrap_or_default(),
            deleted: false,
            restore: false,
        }
    }

    fn place(id: Uuid, lab: Uuid) -> Stored {
        let c =
            change(RecordKind::MeetingPlace, id, lab, NOW - 10_000, json!({"name": "Gården", "age_bands": ["13-15"]}));
        Stored { state: apply_change(None, &c).unwrap().unwrap(), created_by: None, created_device: None }
    }

    fn visit_fields(place: Uuid, date: &str) -> Value {
        json!({"meeting_place_id": place, "at_ms": NOW, "date": date, "age_band": "13-15"})
    }

    fn stored(list: Vec<Stored>) -> HashMap<Uuid, Stored> {
        list.into_iter().map(|s| (s.state.id, s)).collect()
    }

    #[test]
    fn a_refused_decoy_is_never_a_reference() {
        // A meeting place sent with another lab's place id is refused (it exists in that lab)…
        let decoy = change(
            RecordKind::MeetingPlace,
            OTHER_PLACE,
            LAB,
            NOW,
            json!({"name": "Lockbete", "age_bands": ["13-15"]}),
        );
        // …and the visit at that place after it must be refused too.
        let visit = change(RecordKind::Visit, Uuid::now_v7(), LAB, NOW, visit_fields(OTHER_PLACE, "2026-05-28"));
        let p = plan(vec![decoy, visit], &user(LabRole::Coordinator), NOW, stored(vec![place(OTHER_PLACE, OTHER_LAB)]));
        assert!(matches!(&p.outcomes[0], Err(r) if r.code == RejectCode::Conflict), "{:?}", p.outcomes);
        assert!(matches!(&p.outcomes[1], Err(r) if r.code == RejectCode::Validation), "{:?}", p.outcomes);
        assert!(p.writes.is_empty() && p.history.is_empty() && p.tallies.is_empty() && p.numbers == 0);
    }

    #[test]
    fn references_resolve_against_what_the_batch_accepted() {
        let new_place = Uuid::now_v7();
        let p = plan(
            vec![
                change(
                    RecordKind::MeetingPlace,
                    new_place,
                    LAB,
                    NOW,
                    json!({"name": "Nya gården", "age_bands": ["13-15"]}),
                ),
                change(RecordKind::Visit, Uuid::now_v7(), LAB, NOW, visit_fields(new_place, "2026-05-28")),
            ],
            &user(LabRole::Coordinator),
            NOW,
            HashMap::new(),
        );
        assert_eq!(p.outcomes, vec![Ok(()), Ok(())]);
        assert_eq!((p.numbers, p.writes.len(), p.history.len()), (2, 2, 2));
        assert_eq!(p.history[0].op, Operation::Create);
        assert!(!p.tallies.is_empty());
    }

    #[test]
    fn staff_delete_their_own_and_the_days_visits_only() {
        let staff = user(LabRole::Staff);
        let staff_id = staff.user_id();
        let colleague = Uuid::from_u128(999);
        let mk_visit = |date: &str, by: Option<Uuid>| {
            let c = change(RecordKind::Visit, Uuid::now_v7(), LAB, NOW - 5_000, visit_fields(PLACE, date));
            Stored { state: apply_change(None, &c).unwrap().unwrap(), created_by: by, created_device: None }
        };
        let today = calendar::local_date(NOW as i64);
        let old_by_colleague = mk_visit("2026-01-10", Some(colleague));
        let today_by_colleague = mk_visit(&today, Some(colleague));
        let old_own = mk_visit("2026-01-10", staff_id);
        let activity = {
            let c = change(
                RecordKind::Activity,
                Uuid::now_v7(),
                LAB,
                NOW - 5_000,
                json!({"kind": "fika", "title": "Fika", "date": "2026-01-10"}),
            );
            Stored {
                state: apply_change(None, &c).unwrap().unwrap(),
                created_by: Some(colleague),
                created_device: None,
            }
        };
        let del =
            |s: &Stored, ms: u64| Change { deleted: true, ..change(s.state.kind, s.state.id, LAB, ms, json!({})) };
        let batch = vec![
            del(&old_by_colleague, NOW),
            del(&today_by_colleague, NOW),
            del(&old_own, NOW),
            del(&activity, NOW),
            del(&old_own, 0), // stamped in 1970, before the visit existed
        ];
        let all = stored(vec![old_by_colleague, today_by_colleague, old_own, activity, place(PLACE, LAB)]);
        let p = plan(batch.clone(), &staff, NOW, all.clone());
        let codes: Vec<Option<RejectCode>> = p.outcomes.iter().map(|o| o.as_ref().err().map(|r| r.code)).collect();
        assert_eq!(
            codes,
            [Some(RejectCode::Permission), None, None, Some(RejectCode::Permission), Some(RejectCode::Validation)]
        );
        assert!(
            p.writes.iter().all(|w| w.state.deleted.is_some() && !w.state.fields.is_empty()),
            "deletes keep fields"
        );
        assert_eq!(p.history.iter().map(|h| h.op).collect::<Vec<_>>(), [Operation::Delete, Operation::Delete]);
        // The coordinator may delete the rest, and restore.
        let coordinator = user(LabRole::Coordinator);
        let p = plan(batch[..4].to_vec(), &coordinator, NOW, all.clone());
        assert!(p.outcomes.iter().all(Result::is_ok));
        let deleted: HashMap<Uuid, Stored> = p
            .writes
            .iter()
            .map(|w| (w.state.id, Stored { state: w.state.clone(), created_by: w.created_by, created_device: None }))
            .collect();
        let restores: Vec<Change> = deleted
            .values()
            .map(|s| Change { restore: true, ..change(s.state.kind, s.state.id, LAB, NOW + 1, json!({})) })
            .collect();
        assert!(plan(restores.clone(), &staff, NOW, deleted.clone())
            .outcomes
            .iter()
            .all(|o| matches!(o, Err(r) if r.code == RejectCode::Permission)));
        let back = plan(restores, &coordinator, NOW, deleted);
        assert!(back.outcomes.iter().all(Result::is_ok) && back.writes.iter().all(|w| w.state.deleted.is_none()));
        assert!(back.history.iter().all(|h| h.op == Operation::Restore));
    }

    fn lab_record() -> Stored {
        let c = change(
            RecordKind::Lab,
            LAB,
            LAB,
            NOW - 10_000,
            json!({
                "name": "Lina Hage", "city": "Södertälje", "organisation": "Telge Bostäder", "focus_areas": ["crime"], "question": "q"
            }),
        );
        Stored { state: apply_change(None, &c).unwrap().unwrap(), created_by: None, created_device: None }
    }

    fn approval_change(month: &str, fields: Value, ms: u64) -> Change {
        change(RecordKind::MonthApproval, approval::approval_id(LAB, month), LAB, ms, fields)
    }

    fn codes(p: &PushPlan) -> Vec<Option<RejectCode>> {
        p.outcomes.iter().map(|o| o.as_ref().err().map(|r| r.code)).collect()
    }

    #[test]
    fn approved_months_are_locked_until_re_opened() {
        // NOW is 2026-05-28: March and April are over, May is not.
        let coordinator = user(LabRole::Coordinator);
        let goal = {
            let c = change(
                RecordKind::Goal,
                Uuid::now_v7(),
                LAB,
                NOW - 9_000,
                json!({
                    "focus_area": "crime", "title": "Trygghet", "indicator": "Andel", "unit": "procent",
                    "baseline": 70.0, "target": 90.0, "target_date": "2026-12-31", "direction": "up"
                }),
            );
            Stored { state: apply_change(None, &c).unwrap().unwrap(), created_by: None, created_device: None }
        };
        let march_activity = {
            let c = change(
                RecordKind::Activity,
                Uuid::now_v7(),
                LAB,
                NOW - 9_000,
                json!({"kind": "fika", "title": "Fika", "date": "2026-03-10"}),
            );
            Stored { state: apply_change(None, &c).unwrap().unwrap(), created_by: None, created_device: None }
        };
        let april_activity = {
            let c = change(
                RecordKind::Activity,
                Uuid::now_v7(),
                LAB,
                NOW - 9_000,
                json!({"kind": "fika", "title": "Fika", "date": "2026-04-10"}),
            );
            Stored { state: apply_change(None, &c).unwrap().unwrap(), created_by: None, created_device: None }
        };
        let march_visit =
            change(RecordKind::Visit, Uuid::now_v7(), LAB, NOW - 9_000, visit_fields(PLACE, "2026-03-05"));
        let visit_stored = Stored {
            state: apply_change(None, &march_visit).unwrap().unwrap(),
            created_by: None,
            created_device: None,
        };
        let approve =
            approval_change("2026-03", json!({"month": "2026-03", "approved": true, "by": "Samordnare"}), NOW - 8_000);
        let p = plan(vec![approve.clone()], &coordinator, NOW, HashMap::new());
        assert_eq!(codes(&p), [None]);
        let approved = Stored { state: p.writes[0].state.clone(), created_by: None, created_device: None };
        let all = stored(vec![
            lab_record(),
            place(PLACE, LAB),
            goal.clone(),
            march_activity.clone(),
            april_activity.clone(),
            visit_stored,
            approved,
        ]);

        let batch = vec![
            change(RecordKind::Activity, march_activity.state.id, LAB, NOW, json!({"notes": "sent"})),
            change(
                RecordKind::Activity,
                Uuid::now_v7(),
                LAB,
                NOW,
                json!({"kind": "fika", "title": "Ny", "date": "2026-03-15"}),
            ),
            change(RecordKind::Activity, april_activity.state.id, LAB, NOW, json!({"date": "2026-03-31"})),
            Change { deleted: true, ..change(RecordKind::Activity, march_activity.state.id, LAB, NOW, json!({})) },
            change(RecordKind::Visit, Uuid::now_v7(), LAB, NOW, visit_fields(PLACE, "2026-03-06")),
            change(
                RecordKind::GoalMeasurement,
                Uuid::now_v7(),
                LAB,
                NOW,
                json!({"goal_id": goal.state.id, "date": "2026-03-01", "value": 1.0}),
            ),
            // Not locked: April, and what is not dated (a partner).
            change(
                RecordKind::Activity,
                Uuid::now_v7(),
                LAB,
                NOW,
                json!({"kind": "fika", "title": "April", "date": "2026-04-15"}),
            ),
            change(RecordKind::Activity, april_activity.state.id, LAB, NOW, json!({"notes": "april"})),
            change(RecordKind::Partner, Uuid::now_v7(), LAB, NOW, json!({"name": "Skolan", "kind": "school"})),
            // A visit already stored, sent again, is acknowledged.
            march_visit.clone(),
        ];
        let ids = ids_to_load(&batch);
        let loaded: HashMap<Uuid, Stored> =
            all.iter().filter(|(id, _)| ids.contains(id)).map(|(k, v)| (*k, v.clone())).collect();
        let more = more_to_load(&batch, &loaded);
        assert!(
            more.contains(&approval::approval_id(LAB, "2026-03"))
                && more.contains(&approval::approval_id(LAB, "2026-04"))
        );
        assert!(more.contains(&LAB) && !more.iter().any(|id| loaded.contains_key(id)));
        let p = plan(batch.clone(), &coordinator, NOW, all.clone());
        let l = Some(RejectCode::Locked);
        assert_eq!(codes(&p), [l, l, l, l, l, l, None, None, None, None]);
        let Err(r) = &p.outcomes[0] else { unreachable!() };
        assert_eq!(
            r.message,
            "Mars 2026 är godkänd för Lina Hage. Be samordnaren öppna månaden om något behöver ändras."
        );
        assert_eq!(p.history.len(), 3, "the new April activity, the April edit, the partner");

        // Re-opening needs a reason; with one, the same changes go through (in the same batch).
        let no_reason = approval_change("2026-03", json!({"approved": false}), NOW);
        let reopen = approval_change(
            "2026-03",
            json!({"approved": false, "reason": "Ett kvällspass saknades", "by": "Samordnare"}),
            NOW + 1,
        );
        let mut again = vec![no_reason, reopen];
        again.extend(batch[..6].iter().map(|c| Change {
            change_id: Uuid::now_v7(),
            hlc: Hlc { counter: 5, ..c.hlc },
            ..c.clone()
        }));
        let p = plan(again, &coordinator, NOW, all.clone());
        assert_eq!(codes(&p), [Some(RejectCode::Validation), None, None, None, None, None, None, None]);
        assert_eq!(p.history[0].op, Operation::Edit);
        assert_eq!(p.history[0].kind, RecordKind::MonthApproval);
    }

    #[test]
    fn who_approves_what_and_when() {
        let coordinator = user(LabRole::Coordinator);
        let staff = user(LabRole::Staff);
        let ok = json!({"month": "2026-04", "approved": true});
        let p = plan(vec![approval_change("2026-04", ok.clone(), NOW)], &staff, NOW, HashMap::new());
        assert_eq!(codes(&p), [Some(RejectCode::Permission)], "staff do not approve");
        let p = plan(
            vec![
                approval_change("2026-05", json!({"month": "2026-05", "approved": true}), NOW),
                change(RecordKind::MonthApproval, approval::approval_id(LAB, "2026-03"), LAB, NOW, ok.clone()),
                change(RecordKind::MonthApproval, approval::approval_id(OTHER_LAB, "2026-04"), LAB, NOW, ok.clone()),
                approval_change("2026-04", ok.clone(), NOW),
                Change { deleted: true, ..approval_change("2026-04", json!({}), NOW + 1) },
                approval_change("2026-04", json!({"month": "2026-03"}), NOW + 2),
            ],
            &coordinator,
            NOW,
            HashMap::new(),
        );
        let v = Some(RejectCode::Validation);
        assert_eq!(codes(&p), [v, v, v, None, v, v], "{:?}", p.outcomes);
        let Err(r) = &p.outcomes[0] else { unreachable!() };
        assert!(r.message.starts_with("maj 2026 är inte slut än"), "{}", r.message);
        // Only a coordinator confirms a flagged value.
        let flagged = json!({"kind": "fika", "title": "Fika", "date": "2026-05-01", "flag": {"fields": ["participants"], "confirmed": true}});
        let p = plan(
            vec![change(RecordKind::Activity, Uuid::now_v7(), LAB, NOW, flagged.clone())],
            &staff,
            NOW,
            HashMap::new(),
        );
        assert_eq!(codes(&p), [Some(RejectCode::Permission)]);
        let p = plan(
            vec![change(RecordKind::Activity, Uuid::now_v7(), LAB, NOW, flagged)],
            &coordinator,
            NOW,
            HashMap::new(),
        );
        assert_eq!(codes(&p), [None]);
        let open = json!({"kind": "fika", "title": "Fika", "date": "2026-05-01", "flag": {"fields": ["participants"], "confirmed": false}});
        let p = plan(vec![change(RecordKind::Activity, Uuid::now_v7(), LAB, NOW, open)], &staff, NOW, HashMap::new());
        assert_eq!(codes(&p), [None]);
    }

    #[test]
    fn unknown_keys_and_foreign_labs_are_refused() {
        let p = plan(
            vec![
                change(
                    RecordKind::Partner,
                    Uuid::now_v7(),
                    LAB,
                    NOW,
                    json!({"name": "Skolan", "kind": "school", "anteckning": "070-123 45 67"}),
                ),
                change(
                    RecordKind::Partner,
                    Uuid::now_v7(),
                    OTHER_LAB,
                    NOW,
                    json!({"name": "Skolan", "kind": "school"}),
                ),
                change(
                    RecordKind::Partner,
                    Uuid::now_v7(),
                    LAB,
                    NOW + MAX_CLOCK_AHEAD_MS + 1,
                    json!({"name": "Skolan", "kind": "school"}),
                ),
            ],
            &user(LabRole::Staff),
            NOW,
            HashMap::new(),
        );
        let codes: Vec<Option<RejectCode>> = p.outcomes.iter().map(|o| o.as_ref().err().map(|r| r.code)).collect();
        assert_eq!(codes, [Some(RejectCode::Validation), Some(RejectCode::Permission), Some(RejectCode::ClockAhead)]);
        let Err(r) = &p.outcomes[0] else { unreachable!() };
        assert!(r.message.contains("anteckning"), "{}", r.message);
    }
}
