//! Papperskorg: what was deleted in the labs a coordinator (or administrator)
//! keeps, in the last 90 days, with "Återställ" per record and for everything
//! listed in one action. Read from the local copy (a delete keeps a record's
//! fields), so it works offline; a restore is a change like any other
//! (`store::write_many` with `restore`), synced and merged on every device
//! (docs/SYNC.md, "Delete and restore"). Visits, many and alike, are listed
//! per day.

use crate::context::SessionCtx;
use crate::i18n::*;
use crate::sync::SyncEngine;
use crate::write::Write;
use crate::{clock, format, store};
use labblogg_shared::auth::{LabRole, Role};
use labblogg_shared::{RecordKind, RecordState};
use leptos::prelude::*;
use std::collections::BTreeMap;
use uuid::Uuid;

/// How far back the bin reaches.
const DAYS: u64 = 90;

/// The kinds listed, in this order.
const KINDS: [RecordKind; 9] = [
    RecordKind::Activity,
    RecordKind::Goal,
    RecordKind::GoalMeasurement,
    RecordKind::MeetingPlace,
    RecordKind::Partner,
    RecordKind::GoodExample,
    RecordKind::Lesson,
    RecordKind::Question,
    RecordKind::Visit,
];

/// One line of the bin: a record, or a day's visits of one lab.
#[derive(Clone, PartialEq)]
struct Line {
    kind: RecordKind,
    /// What the record is called (its title or name); for visits, their date.
    name: String,
    lab: String,
    deleted_ms: u64,
    records: Vec<(Uuid, Uuid)>,
}

fn kind_label(kind: RecordKind, i18n: leptos_i18n::I18nContext<Locale>) -> String {
    match kind {
        RecordKind::Activity => t_string!(i18n, rk_activity),
        RecordKind::Goal => t_string!(i18n, rk_goal),
        RecordKind::GoalMeasurement => t_string!(i18n, rk_goal_measurement),
        RecordKind::MeetingPlace => t_string!(i18n, rk_meeting_place),
        RecordKind::Partner => t_string!(i18n, rk_partner),
        RecordKind::GoodExample => t_string!(i18n, rk_good_example),
        RecordKind::Lesson => t_string!(i18n, rk_lesson),
        RecordKind::Lab => t_string!(i18n, rk_lab),
        RecordKind::Visit => t_string!(i18n, rk_visit),
        RecordKind::MonthApproval => t_string!(i18n, rk_month_approval),
        RecordKind::Question => t_string!(i18n, rk_question),
    }
    .to_string()
}

fn name_of(s: &RecordState) -> String {
    ["title", "name", "text", "date"]
        .iter()
        .find_map(|f| s.fields.get(*f).and_then(|v| v.as_str()).filter(|t| !t.is_empty()))
        .unwrap_or("–")
        .to_owned()
}

/// The deleted records of `labs` (id, name) within the last [`DAYS`], newest first.
async fn read(labs: Vec<(Uuid, String)>, now_ms: u64) -> Result<Vec<Line>, store::StoreError> {
    let since = now_ms.saturating_sub(DAYS * 24 * 3_600_000);
    let mut lines = Vec::new();
    for (lab, lab_name) in &labs {
        let mut visits: BTreeMap<String, Line> = BTreeMap::new();
        for kind in KINDS {
            for s in store::deleted_in_lab(kind, *lab).await? {
                let deleted_ms = s.deleted.map_or(0, |h| h.ms);
                if deleted_ms < since {
                    continue;
                }
                if kind == RecordKind::Visit {
                    let day = s.fields.get("date").and_then(|d| d.as_str()).unwrap_or_default().to_owned();
                    let line = visits.entry(day.clone()).or_insert_with(|| Line {
                        kind,
                        name: day,
                        lab: lab_name.clone(),
                        deleted_ms,
                        records: Vec::new(),
                    });
                    line.deleted_ms = line.deleted_ms.max(deleted_ms);
                    line.records.push((s.id, s.lab_id));
                } else {
                    lines.push(Line {
                        kind,
                        name: name_of(&s),
                        lab: lab_name.clone(),
                        deleted_ms,
                        records: vec![(s.id, s.lab_id)],
                    });
                }
            }
        }
        lines.extend(visits.into_values());
    }
    lines.sort_by_key(|l| std::cmp::Reverse(l.deleted_ms));
    Ok(lines)
}

#[component]
pub fn Trash() -> impl IntoView {
    let SessionCtx(session) = expect_context::<SessionCtx>();
    let engine = expect_context::<SyncEngine>();
    let i18n = use_i18n();
    let english = move || i18n.get_locale() == Locale::en;
    let notice = RwSignal::new(None::<String>);
    // The labs this user coordinates (every lab of an administrator), with their names.
    let labs = move || {
        session.with(|s| {
            s.as_ref()
                .map(|s| {
                    let admin = s.user.role == Role::Admin;
                    s.user
                        .labs
                        .iter()
                        .copied()
                        .filter(|l| {
                            admin || s.user.memberships.iter().any(|m| m.lab_id == *l && m.role == LabRole::Coordinator)
                        })
                        .collect::<Vec<Uuid>>()
                })
                .unwrap_or_default()
        })
    };
    let lines = LocalResource::new(move || {
        let _ = engine.data_version.get();
        let labs = labs();
        async move {
            let mut named = Vec::new();
            for lab in labs {
                // A lab whose record cannot be read fails the list, rather than show it unnamed.
                let name = store::record(lab)
                    .await?
                    .and_then(|s| s.fields.get("name").and_then(|n| n.as_str()).map(str::to_owned))
                    .unwrap_or_default();
                named.push((lab, name));
            }
            read(named, clock::now_ms()).await
        }
    });
    // Restoring is a write through an action: the buttons wait while it is under way, and its
    // failure shows where its notice would.
    let restore_write = Write::new(move |edits: &Vec<store::Edit>| {
        let edits = edits.clone();
        let n = edits.len();
        async move {
            store::write_many(edits, clock::now_ms()).await.map_err(|e| e.to_string())?;
            notice.set(Some(t_string!(i18n, trash_restored, n = n).to_string()));
            engine.local_write();
            Ok(())
        }
    });
    let busy = move || restore_write.pending().get();
    let restore = move |records: Vec<(Uuid, Uuid)>, kinds: Vec<RecordKind>| {
        if restore_write.pending().get_untracked() || records.is_empty() {
            return;
        }
        notice.set(None);
        restore_write.clear();
        let edits: Vec<store::Edit> = records
            .iter()
            .zip(kinds)
            .map(|(&(id, lab_id), kind)| store::Edit {
                kind,
                id,
                lab_id,
                fields: Default::default(),
                deleted: false,
                restore: true,
            })
            .collect();
        restore_write.dispatch(edits);
    };
    view! {
        <section class="card" data-testid="trash">
            <h1>{t!(i18n, trash_title)}</h1>
            <p class="muted">{t!(i18n, trash_hint)}</p>
            {move || notice.get().or_else(|| restore_write.error()).map(|n| view! { <p class="notice" role="status" data-testid="trash-notice">{n}</p> })}
            {move || match lines.get() {
                None => view! { <p class="muted">{t!(i18n, loading)}</p> }.into_any(),
                Some(Err(e)) => view! { <p class="warning" role="alert">{t_string!(i18n, trash_failed, error = e.to_string()).to_string()}</p> }.into_any(),
                Some(Ok(list)) if list.is_empty() => view! { <p class="muted" data-testid="trash-empty">{t!(i18n, trash_empty)}</p> }.into_any(),
                Some(Ok(list)) => {
                    let everything: Vec<((Uuid, Uuid), RecordKind)> =
                        list.iter().flat_map(|l| l.records.iter().map(move |r| (*r, l.kind))).collect();
                    view! {
                        <div class="list-head">
                            <span></span>
                            <button class="primary" data-testid="restore-all" disabled=busy
                                on:click=move |_| {
                                    let (records, kinds) = everything.iter().cloned().unzip();
                                    restore(records, kinds);
                                }>{t!(i18n, trash_restore_all)}</button>
                        </div>
                        <ul class="trash-list" data-testid="trash-list">
                            {list.into_iter().map(|l| {
                                let kind = kind_label(l.kind, i18n);
                                let name = if l.kind == RecordKind::Visit {
                                    t_string!(i18n, trash_visits, n = l.records.len(), date = format::date(&l.name, english())).to_string()
                                } else {
                                    l.name.clone()
                                };
                                let when = t_string!(i18n, trash_deleted_on, when = format::moment(l.deleted_ms, english())).to_string();
                                let records = l.records.clone();
                                let kinds = vec![l.kind; records.len()];
                                view! {
                                    <li class="trash-item" data-testid="trash-item" data-kind=l.kind.as_str()>
                                        <div>
                                            <strong>{format!("{kind}: {name}")}</strong>
                                            <div class="muted">{format!("{} · {when}", l.lab)}</div>
                                        </div>
                                        <button class="secondary" data-testid="restore-record" disabled=busy
                                            on:click=move |_| restore(records.clone(), kinds.clone())>{t!(i18n, trash_restore)}</button>
                                    </li>
                                }
                            }).collect_view()}
                        </ul>
                    }.into_any()
                }
            }}
        </section>
    }
}
