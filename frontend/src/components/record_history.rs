//! "Visa historik" on a record: who changed what, when and from which device,
//! in plain Swedish ("Ändrad av Anna Berg på enheten där …, 12 mars 2026
//! 18:42: deltagare 14 → 16"). The history lives on the server
//! (`GET /api/v1/history`), so it is read when asked for, online.

use crate::components::device_list::api_failed;
use crate::context::SessionCtx;
use crate::i18n::*;
use crate::sync::SyncEngine;
use crate::{api, format};
use labblogg_shared::history::{FieldChange, HistoryOp};
use labblogg_shared::RecordKind;
use leptos::prelude::*;
use serde_json::Value;
use uuid::Uuid;

/// A field's name as people say it; an unknown one as it is written.
fn field_label(field: &str, english: bool) -> String {
    let l = crate::labels::locale(english);
    let text = match field {
        "title" => td_string!(l, history_field_title),
        "name" => td_string!(l, history_field_name),
        "kind" => td_string!(l, history_field_kind),
        "date" => td_string!(l, history_field_date),
        "start_time" => td_string!(l, history_field_start_time),
        "end_time" => td_string!(l, history_field_end_time),
        "participants" => td_string!(l, history_field_participants),
        "first_timers" => td_string!(l, history_field_first_timers),
        "staff_hours" => td_string!(l, history_field_staff_hours),
        "volunteer_hours" => td_string!(l, history_field_volunteer_hours),
        "notes" => td_string!(l, history_field_notes),
        "lessons_learned" => td_string!(l, history_field_lessons_learned),
        "partner_ids" => td_string!(l, history_field_partner_ids),
        "goal_ids" => td_string!(l, history_field_goal_ids),
        "meeting_place_id" => td_string!(l, history_field_meeting_place_id),
        "poll" => td_string!(l, history_field_poll),
        "review" => td_string!(l, history_field_review),
        "what_was_done" => td_string!(l, history_field_what_was_done),
        "target" => td_string!(l, history_field_target),
        "baseline" => td_string!(l, history_field_baseline),
        "value" => td_string!(l, history_field_value),
        "opening_hours" => td_string!(l, history_field_opening_hours),
        "age_bands" => td_string!(l, history_field_age_bands),
        "text" => td_string!(l, history_field_text),
        "approved" => td_string!(l, history_field_approved),
        "reason" => td_string!(l, history_field_reason),
        "month" => td_string!(l, history_field_month),
        "by" => td_string!(l, history_field_by),
        "figures" => td_string!(l, history_field_figures),
        "flag" => td_string!(l, history_field_flag),
        other => return other.to_owned(),
    };
    text.to_owned()
}

/// A kind of record as people say it.
pub fn kind_label(kind: RecordKind, english: bool) -> String {
    let l = crate::labels::locale(english);
    match kind {
        RecordKind::Lab => td_string!(l, history_kind_lab),
        RecordKind::MeetingPlace => td_string!(l, history_kind_meeting_place),
        RecordKind::Visit => td_string!(l, history_kind_visit),
        RecordKind::Goal => td_string!(l, history_kind_goal),
        RecordKind::GoalMeasurement => td_string!(l, history_kind_goal_measurement),
        RecordKind::Partner => td_string!(l, history_kind_partner),
        RecordKind::Activity => td_string!(l, history_kind_activity),
        RecordKind::GoodExample => td_string!(l, history_kind_good_example),
        RecordKind::Lesson => td_string!(l, history_kind_lesson),
        RecordKind::MonthApproval => td_string!(l, history_kind_month_approval),
        RecordKind::Question => td_string!(l, history_kind_question),
    }
    .to_owned()
}

/// A value as a short text: participant lists as their total.
fn value_text(field: &str, v: &Value, english: bool) -> String {
    let l = crate::labels::locale(english);
    match (field, v) {
        ("flag", Value::Object(f)) => {
            if f.get("confirmed").and_then(Value::as_bool) == Some(true) {
                td_string!(l, history_value_confirmed).into()
            } else {
                td_string!(l, history_value_open).into()
            }
        }
        ("figures", Value::Object(_)) => "…".into(),
        (_, Value::Bool(true)) => td_string!(l, history_value_yes).into(),
        (_, Value::Bool(false)) => td_string!(l, history_value_no).into(),
        ("participants", Value::Array(rows)) => {
            rows.iter().filter_map(|r| r.get("count").and_then(Value::as_u64)).sum::<u64>().to_string()
        }
        (_, Value::String(s)) if s.chars().count() > 60 => format!("{}…", s.chars().take(60).collect::<String>()),
        (_, Value::String(s)) => s.clone(),
        (_, Value::Null) => "–".into(),
        (_, Value::Array(items)) => items.len().to_string(),
        (_, other) => other.to_string(),
    }
}

fn change_text(c: &FieldChange, english: bool) -> String {
    let label = field_label(&c.field, english);
    match &c.before {
        Some(before) => {
            format!("{label} {} → {}", value_text(&c.field, before, english), value_text(&c.field, &c.after, english))
        }
        None => format!("{label} {}", value_text(&c.field, &c.after, english)),
    }
}

#[component]
pub fn RecordHistory(record: Uuid) -> impl IntoView {
    let SessionCtx(session) = expect_context::<SessionCtx>();
    let engine = expect_context::<SyncEngine>();
    let i18n = use_i18n();
    let english = move || i18n.get_locale() == Locale::en;
    let open = RwSignal::new(false);
    let history = LocalResource::new(move || {
        let wanted = open.get();
        let token = session.with_untracked(|s| s.as_ref().map(|s| s.token.clone()));
        async move {
            match (wanted, token) {
                (true, Some(token)) => api::history(&token, record).await.map(Some).map_err(|e| api_failed(engine, e)),
                _ => Ok(None),
            }
        }
    });
    view! {
        <div class="record-history">
            <button type="button" class="secondary" data-testid="show-history" aria-expanded=move || open.get().to_string()
                on:click=move |_| open.update(|o| *o = !*o)>
                {move || if open.get() { t_string!(i18n, history_hide) } else { t_string!(i18n, history_show) }}
            </button>
            <Show when=move || open.get()>
                {move || match history.get() {
                    None | Some(Ok(None)) => view! { <p class="muted">{t!(i18n, loading)}</p> }.into_any(),
                    Some(Err(e)) => view! {
                        <p class="warning" role="status" data-testid="history-error">{t_string!(i18n, history_failed, error = e).to_string()}</p>
                    }.into_any(),
                    Some(Ok(Some(h))) if h.entries.is_empty() => view! { <p class="muted">{t!(i18n, history_empty)}</p> }.into_any(),
                    Some(Ok(Some(h))) => view! {
                        <ol class="history" data-testid="history-list" aria-label=move || t_string!(i18n, history_title).to_string()>
                            {h.entries.into_iter().map(|e| {
                                let when = format::moment(e.at_ms, english());
                                let (by, device) = (e.by.clone(), e.device.clone());
                                // A month's approval reads as what it did: approved, or re-opened and why.
                                if h.kind == RecordKind::MonthApproval {
                                    let set = |name: &str| e.changes.iter().find(|c| c.field == name).map(|c| c.after.clone());
                                    let line = match set("approved") {
                                        Some(Value::Bool(true)) => Some(("approved", t_string!(i18n, history_approved, by = by.clone(), device = device.clone(), when = when.clone()).to_string())),
                                        Some(Value::Bool(false)) => {
                                            let reason = set("reason").and_then(|r| r.as_str().map(str::to_owned)).unwrap_or_default();
                                            Some(("reopened", t_string!(i18n, history_reopened, by = by.clone(), device = device.clone(), when = when.clone(), reason = reason).to_string()))
                                        }
                                        _ => None,
                                    };
                                    if let Some((what, line)) = line {
                                        return view! { <li data-testid="history-entry" data-op=e.op.as_str() data-approval=what>{line}</li> }.into_any();
                                    }
                                }
                                let head = match e.op {
                                    HistoryOp::Create => t_string!(i18n, history_create, by = by, device = device, when = when),
                                    HistoryOp::Edit => t_string!(i18n, history_edit, by = by, device = device, when = when),
                                    HistoryOp::Delete => t_string!(i18n, history_delete, by = by, device = device, when = when),
                                    HistoryOp::Restore => t_string!(i18n, history_restore, by = by, device = device, when = when),
                                }.to_string();
                                // A creation lists no fields (all of them are new); an edit what it changed.
                                let details: Vec<String> = if e.op == HistoryOp::Edit {
                                    e.changes.iter().map(|c| change_text(c, english())).collect()
                                } else {
                                    Vec::new()
                                };
                                let line = if details.is_empty() { head } else { format!("{head}: {}", details.join(", ")) };
                                view! { <li data-testid="history-entry" data-op=e.op.as_str()>{line}</li> }.into_any()
                            }).collect_view()}
                        </ol>
                    }.into_any(),
                }}
            </Show>
        </div>
    }
}
