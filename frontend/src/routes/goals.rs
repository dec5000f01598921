//! Goal progress: each of the lab's measurable goals with baseline, latest
//! measurement and target, and entry of a new measurement for the goals the
//! lab measures by hand.

use crate::app::SessionCtx;
use crate::components::privacy_guard::{self, PrivacyWarning};
use crate::i18n::*;
use crate::records::{self, Typed};
use crate::sync::SyncEngine;
use crate::{clock, format};
use labblogg_shared::model::{Goal, GoalMeasurement};
use labblogg_shared::RecordKind;
use leptos::prelude::*;
use leptos::task::spawn_local;
use uuid::Uuid;

/// Measurements listed on a goal's card.
const RECENT: usize = 5;

#[component]
pub fn Goals() -> impl IntoView {
    let SessionCtx(session) = expect_context::<SessionCtx>();
    let engine = expect_context::<SyncEngine>();
    let i18n = use_i18n();

    let data = LocalResource::new(move || {
        let _ = engine.data_version.get();
        let labs = session.get().map(|s| s.user.labs).unwrap_or_default();
        async move {
            let mut goals = records::list::<Goal>(RecordKind::Goal, &labs).await;
            goals.sort_by(|a, b| a.data.title.cmp(&b.data.title));
            let measurements = records::list::<GoalMeasurement>(RecordKind::GoalMeasurement, &labs).await;
            (goals, measurements)
        }
    });

    // Which goal got a measurement last: the cards are rebuilt when the
    // saved measurement comes back from the store, and the notice stays.
    let saved = RwSignal::new(None::<Uuid>);

    view! {
        <section class="card">
            <h1>{t!(i18n, goals_title)}</h1>
            {move || {
                let (goals, measurements) = data.get().unwrap_or_default();
                if goals.is_empty() {
                    return view! { <p class="muted">{t!(i18n, goals_none)}</p> }.into_any();
                }
                goals.into_iter().map(|g| {
                    let mut own: Vec<Typed<GoalMeasurement>> =
                        measurements.iter().filter(|m| m.data.goal_id == g.id).cloned().collect();
                    own.sort_by(|a, b| (a.data.date.as_str(), a.id).cmp(&(b.data.date.as_str(), b.id)));
                    view! { <GoalCard goal=g measurements=own saved=saved/> }
                }).collect_view().into_any()
            }}
        </section>
    }
}

#[component]
fn GoalCard(goal: Typed<Goal>, measurements: Vec<Typed<GoalMeasurement>>, saved: RwSignal<Option<Uuid>>) -> impl IntoView {
    let engine = expect_context::<SyncEngine>();
    let i18n = use_i18n();
    let english = move || i18n.get_locale() == Locale::en;
    let g = goal.data.clone();
    let latest = measurements.last().map(|m| m.data.value);
    let manual = g.source.is_none();
    let date = RwSignal::new(clock::today());
    let value = RwSignal::new(String::new());
    let note = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let findings = RwSignal::new(Vec::new());
    let (goal_id, lab_id) = (goal.id, goal.lab_id);

    let save = move |skip_guard: bool| {
        saved.set(None);
        let Some(v) = format::parse_decimal(&value.get_untracked()) else {
            return error.set(Some(t_string!(i18n, error_value).to_string()));
        };
        let m = GoalMeasurement { goal_id, date: date.get_untracked(), value: v, note: note.get_untracked() };
        if let Err(e) = labblogg_shared::validate::goal_measurement(&m) {
            return error.set(Some(e.to_string()));
        }
        if !skip_guard {
            let found = privacy_guard::check(&[(t_string!(i18n, note).to_string(), m.note.clone())]);
            if !found.is_empty() {
                return findings.set(found);
            }
        }
        error.set(None);
        spawn_local(async move {
            match records::save(RecordKind::GoalMeasurement, Uuid::now_v7(), lab_id, &m).await {
                Ok(_) => {
                    value.set(String::new());
                    note.set(String::new());
                    saved.set(Some(goal_id));
                    engine.local_write();
                }
                Err(e) => error.set(Some(e.to_string())),
            }
        });
    };

    let unit = g.unit.clone();
    let fmt = move |x: f64| format!("{} {}", format::decimal(x, 2, english()), unit);
    let fmt2 = fmt.clone();
    let fmt3 = fmt.clone();
    let target_date = g.target_date.clone();
    // The latest few, newest first: what was entered, so nothing is entered twice.
    let recent: Vec<GoalMeasurement> = measurements.iter().rev().take(RECENT).map(|m| m.data.clone()).collect();
    let fmt4 = fmt.clone();
    let ids = [format!("m-date-{goal_id}"), format!("m-value-{goal_id}"), format!("m-note-{goal_id}")];
    view! {
        <article class="goal" data-testid="goal-card" data-goal-id=goal_id.to_string()>
            <h2>{g.title.clone()}</h2>
            <p class="muted">{g.indicator.clone()}</p>
            <dl class="goal-figures">
                <div><dt>{t!(i18n, goal_baseline)}</dt><dd>{move || fmt(g.baseline)}</dd></div>
                <div><dt>{t!(i18n, goal_latest)}</dt><dd data-testid="goal-latest">{move || latest.map(fmt2.clone()).unwrap_or_else(|| "–".into())}</dd></div>
                <div><dt>{t!(i18n, goal_target)}</dt><dd>{move || format!("{} ({} {})", fmt3(g.target), t_string!(i18n, goal_by), format::date(&target_date, english()))}</dd></div>
            </dl>
            {(!recent.is_empty()).then(|| view! {
                <details class="recent-measurements">
                    <summary>{t!(i18n, measurements_recent)}</summary>
                    <ul data-testid="measurement-list">
                        {recent.into_iter().map(|m| {
                            let fmt = fmt4.clone();
                            view! {
                                <li data-testid="measurement-item">
                                    <span>{move || format::date(&m.date, english())}</span>": "
                                    <strong>{move || fmt(m.value)}</strong>
                                    {(!m.note.is_empty()).then(|| view! { <span class="muted">" — "{m.note.clone()}</span> })}
                                </li>
                            }
                        }).collect_view()}
                    </ul>
                </details>
            })}
            {if manual {
                view! {
                    <form class="measurement-form" on:submit=move |ev: leptos::ev::SubmitEvent| { ev.prevent_default(); save(false); }>
                        <h3>{t!(i18n, measurement_new)}</h3>
                        <div class="row">
                            <div class="field"><label for=ids[0].clone()>{t!(i18n, date)}</label>
                                <input id=ids[0].clone() type="date" name="date" data-testid="measurement-date" required bind:value=date/></div>
                            <div class="field"><label for=ids[1].clone()>{t!(i18n, value)}" ("{g.unit.clone()}")"</label>
                                <input id=ids[1].clone() name="value" inputmode="decimal" autocomplete="off" data-testid="measurement-value" required bind:value=value/></div>
                        </div>
                        <div class="field"><label for=ids[2].clone()>{t!(i18n, note)}</label>
                            <input id=ids[2].clone() name="note" autocomplete="off" data-testid="measurement-note" bind:value=note/></div>
                        {move || error.get().map(|e| view! { <p class="error" role="alert">{e}</p> })}
                        <p class="notice" role="status" data-testid="measurement-saved" hidden=move || saved.get() != Some(goal_id)>{t!(i18n, saved)}</p>
                        <PrivacyWarning findings=findings on_confirm=Callback::new(move |_| save(true))/>
                        <button type="submit" class="primary" data-testid="measurement-save">{t!(i18n, save)}</button>
                    </form>
                }.into_any()
            } else {
                view! { <p class="muted">{t!(i18n, measured_auto)}</p> }.into_any()
            }}
            <crate::components::record_history::RecordHistory record=goal_id/>
        </article>
    }
}
