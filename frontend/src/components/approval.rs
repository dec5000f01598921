//! Data a researcher can trust (issue #21), on a lab's report: each month
//! of the period with its approval and completeness (`report-months`); a
//! month's approval step (`approval-panel`), where a coordinator sees the
//! month's figures, how complete it is and what still waits for follow-up
//! before approving it, or re-opens it with a reason; and the coordinators'
//! "Att följa upp" list (`followup-list`) of values flagged at entry, to
//! confirm or correct. All from the local copy, offline; an approval is a
//! record like any other (`labblogg_shared::approval`), saved and synced.

use crate::components::activity_form::ActivityForm;
use crate::components::record_history::RecordHistory;
use crate::context::SessionCtx;
use crate::i18n::*;
use crate::labels::month_label;
use crate::records::{self, Typed};
use crate::sync::SyncEngine;
use crate::write::Write;
use crate::{format, quality};
use labblogg_shared::approval::{self, MonthApproval, MonthStatus};
use labblogg_shared::checks::{self, FollowUp};
use labblogg_shared::completeness::{self, Completeness};
use labblogg_shared::model::{Activity, GoalMeasurement};
use labblogg_shared::summary::Dataset;
use labblogg_shared::RecordKind;
use leptos::prelude::*;
use uuid::Uuid;

/// A checked field in words, lower case (`CheckField::label_sv` in Swedish).
pub fn check_field_label(f: checks::CheckField, l: Locale) -> &'static str {
    match f {
        checks::CheckField::Participants => td_string!(l, approval_field_participants),
        checks::CheckField::StaffHours => td_string!(l, approval_field_staff_hours),
        checks::CheckField::VolunteerHours => td_string!(l, approval_field_volunteer_hours),
        checks::CheckField::Value => td_string!(l, approval_field_value),
        checks::CheckField::Date => td_string!(l, approval_field_date),
    }
}

/// "12 av 14" (sv) or "12 of 14" (en).
pub fn of(n: u64, total: u64, english: bool) -> String {
    td_string!(crate::labels::locale(english), approval_n_of_total, n = n, total = total).to_string()
}

/// "12 av 14 med besök · 9 av 14 avslutade".
pub fn completeness_text(c: &Completeness, english: bool) -> String {
    let l = crate::labels::locale(english);
    if c.sessions == 0 {
        return td_string!(l, approval_no_sessions).to_owned();
    }
    td_string!(
        l,
        approval_completeness,
        logged = of(c.logged, c.sessions, english),
        closed = of(c.closed, c.sessions, english)
    )
    .to_string()
}

/// The period's approvals and completeness in one line, as the printed report
/// gives them: "Godkända månader: 9 av 11 · Öppettillfällen: 170 av 180 med
/// besök · 160 av 180 avslutade".
pub fn months_summary(months: &[MonthStatus], english: bool) -> String {
    let ended = months.iter().filter(|m| m.ended).count() as u64;
    let approved = months.iter().filter(|m| m.approved).count() as u64;
    let total = months.iter().fold(Completeness::default(), |t, m| Completeness {
        sessions: t.sessions + m.completeness.sessions,
        logged: t.logged + m.completeness.logged,
        closed: t.closed + m.completeness.closed,
    });
    let l = crate::labels::locale(english);
    let approved = of(approved, ended, english);
    if total.sessions == 0 {
        td_string!(l, approval_months_summary_no_sessions, approved = approved).to_string()
    } else {
        td_string!(l, approval_months_summary, approved = approved, sessions = completeness_text(&total, english))
            .to_string()
    }
}

/// Each month of a lab's report; "Granska och godkänn" sets `chosen`, whose
/// approval step ([`ApprovalPanel`]) the report shows.
#[component]
pub fn ReportMonths(lab: Uuid, months: Vec<MonthStatus>, chosen: RwSignal<Option<String>>) -> impl IntoView {
    let i18n = use_i18n();
    let english = move || i18n.get_locale() == Locale::en;
    let SessionCtx(session) = expect_context::<SessionCtx>();
    let coordinator = move || session.with(|s| s.as_ref().is_some_and(|s| quality::coordinates(&s.user, lab)));
    view! {
        <h2 id="report-months-title">{t!(i18n, months_title)}</h2>
        <div class="table-wrap" tabindex="0" role="region" aria-labelledby="report-months-title">
            <table class="data" data-testid="report-months">
                <thead><tr>
                    <th scope="col">{t!(i18n, month)}</th><th scope="col">{t!(i18n, month_status)}</th>
                    <th scope="col">{t!(i18n, completeness_title)}</th><th scope="col">{t!(i18n, followup_title)}</th>
                    <th scope="col"><span class="sr-only">{t!(i18n, month_review)}</span></th>
                </tr></thead>
                <tbody>
                    {months.into_iter().rev().map(|m| {
                        let month = m.month.clone();
                        let status = if m.approved {
                            t_string!(i18n, month_approved, by = m.by.clone()).to_string()
                        } else if m.reopened {
                            t_string!(i18n, month_reopened, reason = m.reason.clone()).to_string()
                        } else if m.ended {
                            t_string!(i18n, month_not_approved).to_string()
                        } else {
                            t_string!(i18n, month_running).to_string()
                        };
                        let class = if m.approved { "approved" } else if m.reopened { "reopened" } else { "" };
                        view! {
                            <tr data-testid="month-row" data-month=m.month.clone() data-approved=m.approved.to_string()
                                data-sessions=m.completeness.sessions.to_string() data-logged=m.completeness.logged.to_string()
                                data-closed=m.completeness.closed.to_string() class=class>
                                <th scope="row">{month_label(&m.month, english())}</th>
                                <td>{status}</td>
                                <td data-testid="month-completeness">{completeness_text(&m.completeness, english())}</td>
                                <td>{if m.unconfirmed > 0 { m.unconfirmed.to_string() } else { "–".into() }}</td>
                                <td>
                                    <Show when=move || coordinator() && m.ended>
                                        {
                                            let month = month.clone();
                                            view! {
                                                <button class="secondary" data-testid="month-review" data-month=month.clone()
                                                    on:click=move |_| { chosen.set(Some(month.clone())); show_panel(); }>
                                                    {if m.approved { t_string!(i18n, month_review_approved) } else { t_string!(i18n, month_review) }}
                                                </button>
                                            }
                                        }
                                    </Show>
                                </td>
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table>
        </div>
    }
}

/// Bring the approval step into view once it is drawn (it opens above the report).
fn show_panel() {
    request_animation_frame(|| {
        if let Ok(Some(panel)) = document().query_selector("[data-testid=approval-panel]") {
            panel.scroll_into_view();
        }
    });
}

/// "Mars 2026": a month label at the start of a sentence.
fn sentence(label: String) -> String {
    let mut c = label.chars();
    c.next().map(|f| f.to_uppercase().chain(c).collect()).unwrap_or_default()
}

/// The approval step of one month: its figures and completeness first, what
/// waits for follow-up, then approve (or re-open with a reason).
#[component]
pub fn ApprovalPanel(lab: Uuid, month: String, ds: LocalResource<Dataset>, on_close: Callback<()>) -> impl IntoView {
    let i18n = use_i18n();
    let english = move || i18n.get_locale() == Locale::en;
    let SessionCtx(session) = expect_context::<SessionCtx>();
    let engine = expect_context::<SyncEngine>();
    let id = approval::approval_id(lab, &month);
    let reason = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let notice = RwSignal::new(None::<String>);
    let month_v = StoredValue::new(month.clone());
    let today = quality::today_day();
    let (from, to) = approval::month_days(&month).unwrap_or((today, today));

    let current = Memo::new(move |_| {
        let m = month_v.get_value();
        ds.with(|d| d.as_ref().and_then(|d| d.approval_index().get(lab, &m).cloned()))
    });
    let figures = Memo::new(move |_| {
        let m = month_v.get_value();
        ds.with(|d| d.as_ref().map(|d| approval::month_figures(d, lab, &m, today)).unwrap_or_default())
    });
    let gaps = Memo::new(move |_| {
        ds.with(|d| {
            d.as_ref()
                .map(|d| {
                    completeness::sessions(d, lab, None, from, to, today)
                        .into_iter()
                        .filter(|s| !s.logged || !s.closed)
                        .collect::<Vec<_>>()
                })
                .unwrap_or_default()
        })
    });
    let open_flags = Memo::new(move |_| {
        ds.with(|d| d.as_ref().map(|d| checks::follow_ups(d, &[lab], from, to, false).len()).unwrap_or(0))
    });
    let approved = move || current.get().is_some_and(|a| a.approved);

    // Approving or re-opening is a write through an action; its failure shows as the panel's error.
    let save_write = Write::new(move |record: &MonthApproval| {
        let record = record.clone();
        async move {
            records::save(RecordKind::MonthApproval, id, lab, &record).await.map_err(|e| e.to_string())?;
            reason.set(String::new());
            let label = sentence(month_label(&record.month, english()));
            notice.set(Some(if record.approved {
                t_string!(i18n, month_approved_notice, month = label).to_string()
            } else {
                t_string!(i18n, month_reopened_notice, month = label).to_string()
            }));
            engine.local_write();
            Ok(())
        }
    });
    let save = move |approve: bool| {
        save_write.clear();
        let by = session.get_untracked().map(|s| s.user.display_name).unwrap_or_default();
        let text = reason.get_untracked().trim().to_owned();
        if !approve && text.is_empty() {
            return error.set(Some(t_string!(i18n, reopen_reason_needed).to_string()));
        }
        let record = MonthApproval {
            month: month_v.get_value(),
            approved: approve,
            reason: if approve { String::new() } else { text },
            by,
            figures: if approve {
                Some(figures.get_untracked())
            } else {
                current.get_untracked().and_then(|a| a.figures)
            },
        };
        if let Err(e) = labblogg_shared::validate::month_approval(&record) {
            return error.set(Some(e.to_string()));
        }
        error.set(None);
        save_write.dispatch(record);
    };

    let title = {
        let month = month.clone();
        move || t_string!(i18n, approval_title, month = month_label(&month, english())).to_string()
    };
    view! {
        <section class="card approval" data-testid="approval-panel" data-month=month.clone()
            data-approved=move || approved().to_string() aria-labelledby="approval-title">
            <div class="list-head">
                <h2 id="approval-title">{title}</h2>
                <button type="button" class="secondary" data-testid="approval-close" on:click=move |_| on_close.run(())>{t!(i18n, close)}</button>
            </div>
            <p class="muted">{t!(i18n, approval_hint)}</p>
            <h3>{t!(i18n, approval_figures)}</h3>
            <dl class="figures" data-testid="approval-figures">
                {move || {
                    let f = figures.get();
                    let en = english();
                    view! {
                        <div><dt>{t!(i18n, visits_total)}</dt><dd data-testid="approval-visits">{format::integer(f.visits as i64, en)}</dd></div>
                        <div><dt>{t!(i18n, nav_activities)}</dt><dd>{format::integer(f.activities as i64, en)}</dd></div>
                        <div><dt>{t!(i18n, participants)}</dt><dd>{format::integer(f.participants as i64, en)}</dd></div>
                        <div><dt>{t!(i18n, measurements_title)}</dt><dd>{format::integer(f.measurements as i64, en)}</dd></div>
                    }
                }}
            </dl>
            <h3>{t!(i18n, completeness_title)}</h3>
            <dl class="figures" data-testid="approval-completeness">
                {move || {
                    let f = figures.get();
                    let en = english();
                    let pct = |n: u64| if f.sessions > 0 { format!(" ({} %)", format::decimal(n as f64 * 100.0 / f.sessions as f64, 0, en)) } else { String::new() };
                    view! {
                        <div><dt>{t!(i18n, completeness_sessions)}</dt><dd data-testid="approval-sessions">{f.sessions.to_string()}</dd></div>
                        <div><dt>{t!(i18n, completeness_logged)}</dt><dd data-testid="approval-logged">{format!("{}{}", f.sessions_logged, pct(f.sessions_logged))}</dd></div>
                        <div><dt>{t!(i18n, completeness_closed)}</dt><dd data-testid="approval-closed">{format!("{}{}", f.sessions_closed, pct(f.sessions_closed))}</dd></div>
                    }
                }}
            </dl>
            <Show when=move || !gaps.get().is_empty()>
                <details class="gaps">
                    <summary>{move || t_string!(i18n, completeness_gaps, n = gaps.get().len()).to_string()}</summary>
                    <ul data-testid="approval-gaps">
                        {move || gaps.get().into_iter().map(|s| {
                            let en = english();
                            let what = match (s.logged, s.closed) {
                                (false, false) => t_string!(i18n, gap_nothing).to_string(),
                                (false, true) => t_string!(i18n, gap_no_visits).to_string(),
                                _ => t_string!(i18n, gap_not_closed).to_string(),
                            };
                            view! { <li>{format!("{} {}–{}: {what}", format::date(&s.date, en), s.opens, s.closes)}</li> }
                        }).collect_view()}
                    </ul>
                </details>
            </Show>
            <h3>{t!(i18n, followup_title)}</h3>
            <FollowUpList labs=vec![lab] ds=ds from=from to=to/>
            {move || error.get().or_else(|| save_write.error()).map(|e| view! { <p class="error" role="alert" data-testid="approval-error">{e}</p> })}
            {move || notice.get().map(|n| view! { <p class="notice" role="status" data-testid="approval-notice">{n}</p> })}
            {move || if approved() {
                let a = current.get().unwrap_or_else(|| MonthApproval { month: String::new(), approved: true, reason: String::new(), by: String::new(), figures: None });
                view! {
                    <p class="approved-note" data-testid="approval-status">{t_string!(i18n, month_approved, by = a.by).to_string()}</p>
                    <label for="reopen-reason">{t!(i18n, reopen_reason)}</label>
                    <textarea id="reopen-reason" data-testid="reopen-reason" rows="2" bind:value=reason></textarea>
                    <div class="row form-actions">
                        <button type="button" class="secondary" data-testid="reopen-month" on:click=move |_| save(false)>{t!(i18n, reopen_month)}</button>
                    </div>
                }.into_any()
            } else {
                let blocked = move || open_flags.get() > 0;
                view! {
                    <Show when=blocked>
                        <p class="warning" data-testid="approval-blocked">{move || t_string!(i18n, approval_blocked, n = open_flags.get()).to_string()}</p>
                    </Show>
                    <div class="row form-actions">
                        <button type="button" class="primary" data-testid="approve-month" disabled=blocked on:click=move |_| save(true)>
                            {move || t_string!(i18n, approve_month, month = month_label(&month_v.get_value(), english())).to_string()}
                        </button>
                    </div>
                }.into_any()
            }}
            {move || current.get().is_some().then(|| view! { <RecordHistory record=id/> })}
        </section>
    }
}

/// Values flagged at entry in `labs` dated `from..=to` (day numbers), to
/// confirm or correct (coordinators of the lab), newest first.
#[component]
pub fn FollowUpList(labs: Vec<Uuid>, ds: LocalResource<Dataset>, from: i64, to: i64) -> impl IntoView {
    let i18n = use_i18n();
    let english = move || i18n.get_locale() == Locale::en;
    let labs = StoredValue::new(labs);
    let items = Memo::new(move |_| {
        let labs = labs.get_value();
        ds.with(|d| d.as_ref().map(|d| checks::follow_ups(d, &labs, from, to, false)).unwrap_or_default())
    });
    view! {
        <div data-testid="followup-list">
            {move || {
                let list = items.get();
                if list.is_empty() {
                    return view! { <p class="muted" data-testid="followup-empty">{t!(i18n, followup_none)}</p> }.into_any();
                }
                view! {
                    <ul class="followups">
                        {list.into_iter().map(|f| view! { <FollowUpItem item=f ds=ds english=Signal::derive(english)/> }).collect_view()}
                    </ul>
                }.into_any()
            }}
        </div>
    }
}

#[component]
fn FollowUpItem(item: FollowUp, ds: LocalResource<Dataset>, english: Signal<bool>) -> impl IntoView {
    let i18n = use_i18n();
    let SessionCtx(session) = expect_context::<SessionCtx>();
    let engine = expect_context::<SyncEngine>();
    let correcting = RwSignal::new(false);
    let value = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let (id, lab, kind) = (item.id, item.lab_id, item.kind);
    let coordinator = move || session.with(|s| s.as_ref().is_some_and(|s| quality::coordinates(&s.user, lab)));
    let activity = move || -> Option<Typed<Activity>> {
        ds.with_untracked(|d| {
            d.as_ref()?.activities.iter().find(|a| a.id == id).map(|a| Typed {
                id: a.id,
                lab_id: a.lab_id,
                data: a.data.clone(),
            })
        })
    };
    let measurement = move || -> Option<Typed<GoalMeasurement>> {
        ds.with_untracked(|d| {
            d.as_ref()?.measurements.iter().find(|m| m.id == id).map(|m| Typed {
                id: m.id,
                lab_id: m.lab_id,
                data: m.data.clone(),
            })
        })
    };
    // In an approved month nothing changes until it is re-opened.
    let locked = move || {
        let date = item_date(ds, id);
        ds.with(|d| {
            d.as_ref().is_some_and(|d| {
                approval::month_of_date(&date).is_some_and(|m| d.approval_index().is_approved(lab, &m))
            })
        })
    };

    // Confirming and correcting are writes through actions; a failure shows as the item's error.
    let confirm_write = Write::new(move |_: &()| async move {
        let saved = match kind {
            RecordKind::Activity => match activity() {
                Some(mut a) => {
                    if let Some(f) = a.data.flag.as_mut() {
                        f.confirmed = true;
                    }
                    records::save(RecordKind::Activity, a.id, a.lab_id, &a.data).await
                }
                None => Ok(false),
            },
            _ => match measurement() {
                Some(mut m) => {
                    if let Some(f) = m.data.flag.as_mut() {
                        f.confirmed = true;
                    }
                    records::save(RecordKind::GoalMeasurement, m.id, m.lab_id, &m.data).await
                }
                None => Ok(false),
            },
        };
        saved.map_err(|e| e.to_string())?;
        engine.local_write();
        Ok(())
    });
    let value_write = Write::new(move |m: &Typed<GoalMeasurement>| {
        let m = m.clone();
        async move {
            records::save(RecordKind::GoalMeasurement, m.id, m.lab_id, &m.data).await.map_err(|e| e.to_string())?;
            correcting.set(false);
            engine.local_write();
            Ok(())
        }
    });
    let confirm = move |_| {
        error.set(None);
        value_write.clear();
        confirm_write.dispatch(());
    };
    // A measurement's value is corrected here: a coordinator's value is checked again, and
    // confirmed by saving it (only a value that is still unusual keeps a flag).
    let save_value = move |_| {
        value_write.clear();
        let Some(v) = format::parse_decimal(&value.get_untracked()) else {
            return error.set(Some(t_string!(i18n, error_value).to_string()));
        };
        let Some(mut m) = measurement() else { return };
        m.data.value = v;
        let found = ds.with_untracked(|d| {
            d.as_ref()
                .and_then(|d| {
                    let goal = d.goals.iter().find(|g| g.id == m.data.goal_id)?;
                    Some(checks::check_measurement(&d.measurements, &goal.data, m.id, &m.data, quality::today_day()))
                })
                .unwrap_or_default()
        });
        m.data.flag = checks::flag_of(&found, true);
        error.set(None);
        confirm_write.clear();
        value_write.dispatch(m);
    };

    // What looked unusual, checked again against the lab's history now: "Deltagare: 412
    // (vanligtvis 15–25 här)"; a value that is no longer unusual is shown as it is.
    let what = {
        let en = english.get_untracked();
        let today = quality::today_day();
        let found = ds.with_untracked(|d| {
            let d = d.as_ref()?;
            Some(match kind {
                RecordKind::Activity => {
                    let a = d.activities.iter().find(|a| a.id == id)?;
                    let lab_activities: Vec<_> =
                        d.activities.iter().filter(|x| x.lab_id == a.lab_id).cloned().collect();
                    checks::check_activity(&lab_activities, a.id, &a.data, today)
                }
                _ => {
                    let m = d.measurements.iter().find(|m| m.id == id)?;
                    let goal = d.goals.iter().find(|g| g.id == m.data.goal_id)?;
                    checks::check_measurement(&d.measurements, &goal.data, m.id, &m.data, today)
                }
            })
        });
        let found: Vec<String> = found
            .unwrap_or_default()
            .iter()
            .filter(|f| item.fields.contains(&f.field))
            .map(|f| if en { f.message_en().replace(" Are you sure?", "") } else { f.summary_sv() })
            .collect();
        if !found.is_empty() {
            found.join(" · ")
        } else {
            let fields: Vec<&str> =
                item.fields.iter().map(|f| check_field_label(*f, crate::labels::locale(en))).collect();
            let current = match kind {
                RecordKind::Activity => activity().map(|a| {
                    let d = a.data;
                    item.fields
                        .iter()
                        .map(|f| match f {
                            checks::CheckField::Participants => d.total_participants().to_string(),
                            checks::CheckField::StaffHours => format::decimal(d.staff_hours, 1, en),
                            checks::CheckField::VolunteerHours => format::decimal(d.volunteer_hours, 1, en),
                            checks::CheckField::Date => format::date(&d.date, en),
                            checks::CheckField::Value => String::new(),
                        })
                        .collect::<Vec<_>>()
                        .join(", ")
                }),
                _ => measurement().map(|m| format::decimal(m.data.value, 2, en)),
            }
            .unwrap_or_default();
            format!("{}: {current}", fields.join(", "))
        }
    };
    let kind_name = crate::components::record_history::kind_label(kind, english.get_untracked());
    view! {
        <li class="followup" data-testid="followup-item" data-kind=kind.as_str() data-id=id.to_string() data-confirmed=item.confirmed.to_string()>
            <div>
                <strong>{item.title.clone()}</strong>
                <div class="muted">{format!("{kind_name} · {} · ", format::date(&item.date, english.get_untracked()))}<span data-testid="followup-what">{what}</span></div>
            </div>
            <Show when=move || coordinator() && !locked()
                fallback=move || view! { <p class="muted" data-testid="followup-locked">{move || if locked() { t_string!(i18n, followup_locked).to_string() } else { String::new() }}</p> }>
                <div class="row">
                    <button type="button" class="secondary" data-testid="followup-confirm" on:click=confirm>{t!(i18n, followup_confirm)}</button>
                    <button type="button" class="secondary" data-testid="followup-correct" on:click=move |_| correcting.update(|c| *c = !*c)>{t!(i18n, followup_correct)}</button>
                </div>
            </Show>
            {move || error.get().or_else(|| confirm_write.error()).or_else(|| value_write.error()).map(|e| view! { <p class="error" role="alert">{e}</p> })}
            <Show when=move || correcting.get()>
                {move || match kind {
                    RecordKind::Activity => view! {
                        <ActivityForm existing=activity() on_done=Callback::new(move |_| correcting.set(false))/>
                    }.into_any(),
                    _ => view! {
                        <div class="row">
                            <label for=format!("followup-value-{id}")>{t!(i18n, value)}</label>
                            <input id=format!("followup-value-{id}") inputmode="decimal" data-testid="followup-value" bind:value=value/>
                            <button type="button" class="primary" data-testid="followup-save" on:click=save_value>{t!(i18n, save)}</button>
                        </div>
                    }.into_any(),
                }}
            </Show>
        </li>
    }
}

fn item_date(ds: LocalResource<Dataset>, id: Uuid) -> String {
    ds.with(|d| {
        d.as_ref()
            .and_then(|d| {
                d.activities
                    .iter()
                    .find(|a| a.id == id)
                    .map(|a| a.data.date.clone())
                    .or_else(|| d.measurements.iter().find(|m| m.id == id).map(|m| m.data.date.clone()))
            })
            .unwrap_or_default()
    })
}

/// The follow-up card on the overview: every lab the user coordinates.
#[component]
pub fn FollowUpCard(ds: LocalResource<Dataset>) -> impl IntoView {
    let i18n = use_i18n();
    let SessionCtx(session) = expect_context::<SessionCtx>();
    let labs = session.with_untracked(|s| s.as_ref().map(|s| quality::coordinated_labs(&s.user)).unwrap_or_default());
    let today = quality::today_day();
    (!labs.is_empty()).then(|| {
        view! {
            <section class="card" data-testid="followup" aria-labelledby="followup-title">
                <h2 id="followup-title">{t!(i18n, followup_title)}</h2>
                <p class="muted">{t!(i18n, followup_hint)}</p>
                // Two years back, and whatever was dated ahead by mistake.
                <FollowUpList labs=labs ds=ds from=today - 730 to=today + 3660/>
            </section>
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use wasm_bindgen_test::*;

    wasm_bindgen_test_configure!(run_in_browser);

    #[wasm_bindgen_test]
    fn swedish_check_fields_are_the_shared_labels() {
        for f in checks::CheckField::ALL {
            assert_eq!(check_field_label(f, Locale::sv), f.label_sv());
            assert_eq!(check_field_label(f, Locale::en), f.label_en());
        }
    }
}
