//! Goal steering: each lab's measurable goals, grouped by lab, with the
//! baseline, the latest value and the target as numbers, the verdict and the
//! rule that decides it, the projection to the deadline, a chart, the
//! measurements a schedule still owes, and entry of a new measurement for
//! the goals measured by hand. Computed on the device by the same code as
//! the server's summaries (`labblogg_shared::summary::goals`).

use crate::components::charts::{GoalChart, GoalChartText};
use crate::components::form_error::{self, invalid, FieldError, FormError, FormErrorLine};
use crate::components::loading::FirstSyncProgress;
use crate::components::privacy_guard::{self, PrivacyWarning};
use crate::components::read_error::{read_failed_text, ReadError, Reading};
use crate::context::SessionCtx;
use crate::data::dataset;
use crate::goal_text::{latest_text, missing_label, source_sentence_with, value_label, verdict, verdict_rule};
use crate::i18n::*;
use crate::records::{self, Typed};
use crate::sync::SyncEngine;
use crate::write::Write;
use crate::{clock, format};
use labblogg_shared::model::{GoalMeasurement, MeetingPlace};
use labblogg_shared::summary::{self, GoalProgress};
use labblogg_shared::RecordKind;
use leptos::prelude::*;
use uuid::Uuid;

// The measurement form's fields, as the shared validation names them.
const M_DATE: &[&str] = &["datum"];
const M_VALUE: &[&str] = &["värde"];
const M_NOTE: &[&str] = &["anteckning"];
const M_FIELDS: &[&str] = &["datum", "värde", "anteckning"];

/// Measurements listed on a goal's card.
const RECENT: usize = 5;

#[component]
pub fn Goals() -> impl IntoView {
    let SessionCtx(session) = expect_context::<SessionCtx>();
    let engine = expect_context::<SyncEngine>();
    let i18n = use_i18n();
    let english = move || i18n.get_locale() == Locale::en;
    let (ds, ds_failed) = dataset();
    // Which goal got a measurement last: the cards are rebuilt when the
    // saved measurement comes back from the store, and the notice stays.
    let saved = RwSignal::new(None::<Uuid>);
    let groups = Memo::new(move |_| {
        let labs = session.get().map(|s| s.user.labs).unwrap_or_default();
        ds.with(|d| {
            d.as_ref().map(|d| {
                let all = summary::goals(d, &labs, &clock::today());
                d.labs
                    .iter()
                    .filter(|l| labs.contains(&l.id))
                    .map(|l| {
                        let goals: Vec<GoalProgress> = all.iter().filter(|g| g.lab_id == l.id).cloned().collect();
                        let places: Vec<Typed<MeetingPlace>> = d
                            .places
                            .iter()
                            .filter(|p| p.lab_id == l.id)
                            .map(|p| Typed { id: p.id, lab_id: p.lab_id, data: p.data.clone() })
                            .collect();
                        let measurements: Vec<Typed<GoalMeasurement>> = d
                            .measurements
                            .iter()
                            .filter(|m| m.lab_id == l.id)
                            .map(|m| Typed { id: m.id, lab_id: m.lab_id, data: m.data.clone() })
                            .collect();
                        let questions: Vec<Typed<labblogg_shared::questions::Question>> = d
                            .questions
                            .iter()
                            .filter(|q| q.lab_id == l.id)
                            .map(|q| Typed { id: q.id, lab_id: q.lab_id, data: q.data.clone() })
                            .collect();
                        (l.id, format!("{} · {}", l.data.name, l.data.city), goals, (places, questions), measurements)
                    })
                    .collect::<Vec<_>>()
            })
        })
    });

    view! {
        <section class="card goals-screen" data-testid="goals-screen">
            <h1>{t!(i18n, goals_title)}</h1>
            {move || ds_failed.get().map(|error| view! { <ReadError what=Reading::Figures error=error/> })}
            <p class="muted" data-testid="verdict-rule">{move || verdict_rule(english())}</p>
            {move || {
                if !engine.data_complete() {
                    return view! { <FirstSyncProgress/> }.into_any();
                }
                let Some(groups) = groups.get() else {
                    return view! { <p class="muted">{t!(i18n, loading)}</p> }.into_any();
                };
                if groups.iter().all(|g| g.2.is_empty()) {
                    return view! { <p class="muted">{t!(i18n, goals_none)}</p> }.into_any();
                }
                groups.into_iter().filter(|g| !g.2.is_empty()).map(|(lab, name, goals, (places, questions), measurements)| {
                    let (live, retired): (Vec<_>, Vec<_>) = goals.into_iter().partition(|g| !g.retired);
                    let card = {
                        let places = places.clone();
                        let questions = questions.clone();
                        let measurements = measurements.clone();
                        move |g: GoalProgress| {
                            let mut own: Vec<Typed<GoalMeasurement>> =
                                measurements.iter().filter(|m| m.data.goal_id == g.goal_id).cloned().collect();
                            own.sort_by(|a, b| (a.data.date.as_str(), a.id).cmp(&(b.data.date.as_str(), b.id)));
                            view! { <GoalCard goal=g places=places.clone() questions=questions.clone() measurements=own saved=saved/> }
                        }
                    };
                    let retired_cards = retired.into_iter().map(card.clone()).collect_view();
                    let has_retired = !retired_cards.is_empty();
                    view! {
                        <section class="goal-group" data-testid="goal-group" data-lab-id=lab.to_string()>
                            <h2>{name}</h2>
                            {live.into_iter().map(card).collect_view()}
                            {has_retired.then(|| view! {
                                <details class="retired-goals">
                                    <summary>{t!(i18n, goals_retired)}</summary>
                                    {retired_cards}
                                </details>
                            })}
                        </section>
                    }
                }).collect_view().into_any()
            }}
        </section>
    }
}

#[component]
fn GoalCard(
    goal: GoalProgress,
    places: Vec<Typed<MeetingPlace>>,
    questions: Vec<Typed<labblogg_shared::questions::Question>>,
    measurements: Vec<Typed<GoalMeasurement>>,
    saved: RwSignal<Option<Uuid>>,
) -> impl IntoView {
    let engine = expect_context::<SyncEngine>();
    let i18n = use_i18n();
    let en = i18n.get_locale_untracked() == Locale::en;
    let g = goal.clone();
    let manual = g.source.is_none();
    // A missing measurement is entered for its period: the form starts on the oldest one owed.
    let date = RwSignal::new(g.missing.first().cloned().unwrap_or_else(clock::today));
    let value = RwSignal::new(String::new());
    let note = RwSignal::new(String::new());
    let error = RwSignal::new(None::<FormError>);
    // A message about a value goes once the value is edited (#16).
    Effect::watch(move || (value.get(), date.get(), note.get()), move |_, _, _| error.set(None), false);
    let findings = RwSignal::new(Vec::new());
    let unusual = RwSignal::new(Vec::<labblogg_shared::checks::Finding>::new());
    let (goal_id, lab_id) = (g.goal_id, g.lab_id);
    let form_ref = NodeRef::<leptos::html::Form>::new();
    let fail = move |e: FormError| {
        error.set(Some(e));
        form_error::focus_first_invalid(form_ref);
    };
    let SessionCtx(session) = expect_context::<SessionCtx>();
    // The lab's approvals, goals and earlier measurements, for the lock and the check (offline).
    let facts = LocalResource::new(move || {
        let _ = engine.data_version.get();
        crate::quality::lab_facts(lab_id)
    });

    // Saving is a write through an action. The form's messages live in one `FormError` (a
    // field's at its field, the rest on the form's line); a failed save is one of the rest, so
    // the write puts its error there, where it always showed (`measurement-form-error`).
    let save_write = Write::new(move |m: &GoalMeasurement| {
        let m = m.clone();
        async move {
            match records::save(RecordKind::GoalMeasurement, Uuid::now_v7(), lab_id, &m).await {
                Ok(_) => {
                    value.set(String::new());
                    note.set(String::new());
                    saved.set(Some(goal_id));
                    engine.local_write();
                    Ok(())
                }
                Err(e) => {
                    error.set(Some(FormError::general(e.to_string())));
                    Err(e.to_string())
                }
            }
        }
    });
    let save = move |skip_guard: bool, skip_check: bool| {
        saved.set(None);
        let Some(v) = format::parse_decimal(&value.get_untracked()) else {
            return fail(FormError::at("värde", t_string!(i18n, error_value).to_string()));
        };
        let mut m =
            GoalMeasurement { goal_id, date: date.get_untracked(), value: v, note: note.get_untracked(), flag: None };
        if let Err(e) = labblogg_shared::validate::goal_measurement(&m) {
            return fail(e.into());
        }
        // Without the lab's approvals the lock cannot be checked: say so rather than save blind.
        let facts = match facts.get_untracked() {
            Some(Ok(f)) => f,
            Some(Err(_)) => return error.set(Some(FormError::general(read_failed_text(i18n, Reading::Records)))),
            None => crate::quality::LabFacts::default(),
        };
        if let Some(why) = facts.locked(lab_id, &[m.date.as_str()]) {
            return fail(FormError::at("datum", why));
        }
        let today = crate::quality::today_day();
        let found = match facts.goals.iter().find(|r| r.id == goal_id) {
            Some(g) => labblogg_shared::checks::check_measurement(&facts.measurements, &g.data, Uuid::nil(), &m, today),
            None => labblogg_shared::checks::check_date(&m.date, today).into_iter().collect(),
        };
        if !skip_check && !found.is_empty() {
            return unusual.set(found);
        }
        let coordinator = session.get_untracked().is_some_and(|s| crate::quality::coordinates(&s.user, lab_id));
        m.flag = labblogg_shared::checks::flag_of(&found, coordinator);
        if !skip_guard {
            let found = privacy_guard::check(&[(t_string!(i18n, note).to_string(), m.note.clone())]);
            if !found.is_empty() {
                return findings.set(found);
            }
        }
        error.set(None);
        save_write.dispatch(m);
    };

    let num = |x: f64| format!("{} {}", format::decimal(x, 1, en), g.unit);
    let (class, verdict_text) = verdict(&g, en);
    let baseline_text = match &g.baseline_date {
        Some(d) => format!("{} ({})", num(g.baseline), format::date(d, en)),
        None => num(g.baseline),
    };
    let running_word = t_string!(i18n, goal_running).to_string();
    let latest = latest_text(&g, en, &running_word);
    let target_text = format!("{} ({} {})", num(g.target), t_string!(i18n, goal_by), format::date(&g.target_date, en));
    let projection = match (&g.projected_date, &g.trend_line) {
        _ if g.retired => None,
        (Some(d), _) => Some(t_string!(i18n, goal_projected_date, date = format::date(d, en)).to_string()),
        (None, Some(line)) => Some(
            t_string!(i18n, goal_projected_value, value = num(line[1].1), date = format::date(&g.target_date, en))
                .to_string(),
        ),
        _ => None,
    };
    let running = (g.latest.is_some()).then(|| g.running.clone()).flatten().map(|(d, v)| {
        t_string!(i18n, goal_running_value, period = value_label(&g, &d, en), value = num(v)).to_string()
    });
    let missing: Vec<String> = g.missing.iter().map(|d| missing_label(&g, d, en)).collect();
    let recent: Vec<GoalMeasurement> = measurements.iter().rev().take(RECENT).map(|m| m.data.clone()).collect();
    let ids = [format!("m-date-{goal_id}"), format!("m-value-{goal_id}"), format!("m-note-{goal_id}")];
    let text = GoalChartText {
        values: if manual {
            t_string!(i18n, chart_measurements).to_string()
        } else {
            t_string!(i18n, chart_values).to_string()
        },
        running: running_word.clone(),
        trend: t_string!(i18n, chart_trend).to_string(),
        baseline: t_string!(i18n, goal_baseline).to_string(),
        target: t_string!(i18n, goal_target).to_string(),
        deadline: t_string!(i18n, goal_deadline).to_string(),
        date: t_string!(i18n, date).to_string(),
    };
    let unit = g.unit.clone();
    view! {
        <article class=format!("goal goal-card {class}") data-testid="goal-card" data-goal-id=goal_id.to_string()
            data-verdict=class data-retired=g.retired.to_string()>
            <div class="goal-head">
                <h3>{g.title.clone()}</h3>
                <span class="verdict" data-testid="goal-verdict">{verdict_text}</span>
            </div>
            <p class="muted">{g.indicator.clone()}" · "<span data-testid="goal-source-text">{source_sentence_with(g.source.as_ref(), &places, &questions, en)}</span></p>
            <dl class="goal-figures">
                <div><dt>{t!(i18n, goal_baseline)}</dt><dd data-testid="goal-baseline-value">{baseline_text}</dd></div>
                <div><dt>{t!(i18n, goal_latest)}</dt><dd data-testid="goal-latest">{latest}{g.latest_flagged.then(|| view! {
                    <span class="flag-mark" data-testid="goal-latest-flagged">" ("{t!(i18n, latest_flagged)}")"</span>
                })}</dd></div>
                <div><dt>{t!(i18n, goal_target)}</dt><dd data-testid="goal-target-value">{target_text}</dd></div>
            </dl>
            {running.map(|r| view! { <p class="muted" data-testid="goal-running">{r}</p> })}
            {projection.map(|p| view! { <p data-testid="goal-projection">{p}</p> })}
            {(!missing.is_empty()).then(|| view! {
                <p class="warning" role="status" data-testid="goal-missing">{t!(i18n, measurement_missing)}": "{missing.join(", ")}</p>
            })}
            {(!g.points.is_empty() || g.running.is_some()).then(|| view! {
                <GoalChart caption=format!("{} ({})", g.title, g.unit) points=g.points.clone() running=g.running.clone()
                    baseline=g.baseline baseline_date=g.baseline_date.clone() target=g.target target_date=g.target_date.clone()
                    trend_line=g.trend_line.clone() unit=unit text=text english=en testid="goal-chart"/>
            })}
            {(!recent.is_empty()).then(|| view! {
                <details class="recent-measurements">
                    <summary>{t!(i18n, measurements_recent)}</summary>
                    <ul data-testid="measurement-list">
                        {recent.into_iter().map(|m| view! {
                            <li data-testid="measurement-item">
                                <span>{format::date(&m.date, en)}</span>": "
                                <strong>{num(m.value)}</strong>
                                {(!m.note.is_empty()).then(|| view! { <span class="muted">" — "{m.note.clone()}</span> })}
                            </li>
                        }).collect_view()}
                    </ul>
                </details>
            })}
            {if manual && !g.retired {
                view! {
                    <form class="measurement-form no-print" node_ref=form_ref on:submit=move |ev: leptos::ev::SubmitEvent| { ev.prevent_default(); save(false, false); }>
                        <h4>{t!(i18n, measurement_new)}</h4>
                        <div class="row">
                            <div class="field"><label for=ids[0].clone()>{t!(i18n, date)}</label>
                                <input id=ids[0].clone() type="date" name="date" data-testid="measurement-date" required bind:value=date
                                    aria-invalid=invalid(error, M_DATE) aria-describedby=format!("{}-error", ids[0])/>
                                <FieldError error=error fields=M_DATE id=format!("{}-error", ids[0]) testid="measurement-error"/></div>
                            <div class="field"><label for=ids[1].clone()>{t!(i18n, value)}" ("{g.unit.clone()}")"</label>
                                <input id=ids[1].clone() name="value" inputmode="decimal" autocomplete="off" data-testid="measurement-value" required bind:value=value
                                    aria-invalid=invalid(error, M_VALUE) aria-describedby=format!("{}-error", ids[1])/>
                                <FieldError error=error fields=M_VALUE id=format!("{}-error", ids[1]) testid="measurement-error"/></div>
                        </div>
                        <div class="field"><label for=ids[2].clone()>{t!(i18n, note)}</label>
                            <input id=ids[2].clone() name="note" autocomplete="off" data-testid="measurement-note" bind:value=note
                                aria-invalid=invalid(error, M_NOTE) aria-describedby=format!("{}-error", ids[2])/>
                            <FieldError error=error fields=M_NOTE id=format!("{}-error", ids[2]) testid="measurement-error"/></div>
                        <FormErrorLine error=error fields=M_FIELDS testid="measurement-form-error"/>
                        <p class="notice" role="status" data-testid="measurement-saved" hidden=move || saved.get() != Some(goal_id)>{t!(i18n, saved)}</p>
                        <crate::components::entry_check::EntryCheckWarning findings=unusual on_confirm=Callback::new(move |_| save(false, true))/>
                        <PrivacyWarning findings=findings on_confirm=Callback::new(move |_| save(true, true))/>
                        <button type="submit" class="primary" data-testid="measurement-save">{t!(i18n, save)}</button>
                    </form>
                }.into_any()
            } else if manual {
                view! { <span></span> }.into_any()
            } else {
                view! { <p class="muted">{t!(i18n, measured_auto)}</p> }.into_any()
            }}
            <crate::components::record_history::RecordHistory record=goal_id/>
        </article>
    }
}
