//! A lab's measurable goals: focus area, title, indicator and unit, the
//! baseline and its date, the target and its date, the direction, and where
//! the values come from — computed by the app (visits, first visits,
//! activities, participants, participant-hours, closing-poll answers) or
//! measured by hand on a schedule. A retired goal keeps its measurements and
//! leaves the reminders and the activity form.

use crate::components::chips::check_chip;
use crate::components::form_error::{invalid, FieldError, FormError, FormErrorLine};
use crate::components::read_error::{ReadError, Reading};
use crate::goal_text::source_sentence_with;
use crate::i18n::*;
use crate::labels::band_label;
use crate::labels::focus_label;
use crate::labels::{from_wire, poll_label};
use crate::labels::{kind_label, wire};
use crate::records::{self, Typed};
use crate::sync::SyncEngine;
use crate::write::Write;
use crate::{clock, format};
use labblogg_shared::model::{
    ActivityKind, ActivityMeasure, AgeBand, FocusArea, Gender, Goal, GoalDirection, GoalPeriod, GoalSource, Lab,
    MeasureSchedule, MeetingPlace, PollQuestion,
};
use labblogg_shared::questions::{AnswerKind, Question, QuestionStat};
use labblogg_shared::RecordKind;
use leptos::prelude::*;
use uuid::Uuid;

const TITLE: &[&str] = &["rubrik"];
const INDICATOR: &[&str] = &["indikator"];
const UNIT: &[&str] = &["enhet"];
const BASELINE: &[&str] = &["utgångsvärde"];
const BASELINE_DATE: &[&str] = &["utgångsvärdets datum"];
const TARGET: &[&str] = &["målvärde"];
const TARGET_DATE: &[&str] = &["måldatum"];
const KINDS: &[&str] = &["aktivitetstyper"];
const ALL: &[&str] = &[
    "rubrik",
    "indikator",
    "enhet",
    "utgångsvärde",
    "utgångsvärdets datum",
    "målvärde",
    "måldatum",
    "aktivitetstyper",
];

/// The unit that goes with a source, offered when the unit is empty. The unit is stored in the
/// goal as typed, and a lab's goals are written in Swedish: the suggestion is the Swedish text
/// whatever the screen's language (as it always was); `locale` is there for the test and a
/// later choice.
fn suggested_unit(source: Option<&GoalSource>, l: Locale) -> &'static str {
    match source {
        None => "",
        Some(GoalSource::VisitsPerWeek { .. }) => td_string!(l, setup_goal_unit_visits_per_week),
        Some(GoalSource::Visits { first_only: true, per: GoalPeriod::Week, .. }) => {
            td_string!(l, setup_goal_unit_first_visits_per_week)
        }
        Some(GoalSource::Visits { first_only: true, per: GoalPeriod::Month, .. }) => {
            td_string!(l, setup_goal_unit_first_visits_per_month)
        }
        Some(GoalSource::Visits { per: GoalPeriod::Week, .. }) => td_string!(l, setup_goal_unit_visits_per_week),
        Some(GoalSource::Visits { per: GoalPeriod::Month, .. }) => td_string!(l, setup_goal_unit_visits_per_month),
        Some(GoalSource::Activities { measure: ActivityMeasure::Activities, .. }) => {
            td_string!(l, setup_goal_unit_activities_per_month)
        }
        Some(GoalSource::Activities { measure: ActivityMeasure::Participants, .. }) => {
            td_string!(l, setup_goal_unit_participants_per_month)
        }
        Some(GoalSource::Activities { measure: ActivityMeasure::ParticipantHours, .. }) => {
            td_string!(l, setup_goal_unit_participant_hours_per_month)
        }
        Some(GoalSource::PollShare { .. }) => td_string!(l, setup_goal_unit_percent),
        Some(GoalSource::Question { stat: QuestionStat::Share, .. }) => td_string!(l, setup_goal_unit_percent),
        Some(GoalSource::Question { stat: QuestionStat::Sum, .. }) => td_string!(l, setup_goal_unit_per_month),
        Some(GoalSource::Question { stat: QuestionStat::Mean, .. }) => td_string!(l, setup_goal_unit_mean_per_month),
    }
}

/// How often a goal measured by hand is measured (`MeasureSchedule::label_sv` in Swedish).
fn schedule_label(s: MeasureSchedule, l: Locale) -> &'static str {
    match s {
        MeasureSchedule::Monthly => td_string!(l, goal_schedule_monthly),
        MeasureSchedule::Quarterly => td_string!(l, goal_schedule_quarterly),
    }
}

/// Which way a goal should go (`GoalDirection::label_sv` in Swedish).
fn direction_label(d: GoalDirection, l: Locale) -> &'static str {
    match d {
        GoalDirection::Up => td_string!(l, direction_up),
        GoalDirection::Down => td_string!(l, direction_down),
    }
}

#[derive(Debug, Clone, PartialEq)]
enum Mode {
    List,
    Edit(Option<Typed<Goal>>),
}

#[component]
pub fn GoalsSetup(lab: Uuid) -> impl IntoView {
    let engine = expect_context::<SyncEngine>();
    let i18n = use_i18n();
    // Records not yet on the server are marked "inte skickad än" (#16).
    let unsynced = crate::components::unsynced::unsynced_ids();
    let english = move || i18n.get_locale() == Locale::en;
    let mode = RwSignal::new(Mode::List);
    let saved = RwSignal::new(None::<String>);
    let data = LocalResource::new(move || {
        let _ = engine.data_version.get();
        async move {
            let mut goals = records::list::<Goal>(RecordKind::Goal, &[lab]).await?;
            goals.sort_by(|a, b| (a.data.retired, &a.data.title).cmp(&(b.data.retired, &b.data.title)));
            let places = records::list::<MeetingPlace>(RecordKind::MeetingPlace, &[lab]).await?;
            let questions = records::list::<Question>(RecordKind::Question, &[lab]).await?;
            let focus = crate::store::record(lab)
                .await?
                .and_then(|s| records::typed::<Lab>(&s))
                .map(|l| l.data.focus_areas)
                .unwrap_or_default();
            Ok::<_, crate::store::StoreError>((goals, places, focus, questions))
        }
    });
    // Retiring or restoring is a write through an action; as before, a failure says nothing.
    let retire_write = Write::new(move |(g, value): &(Typed<Goal>, bool)| {
        let (id, lab_id, value) = (g.id, g.lab_id, *value);
        async move {
            let mut fields = serde_json::Map::new();
            fields.insert("retired".into(), value.into());
            records::set_fields(RecordKind::Goal, id, lab_id, fields).await.map_err(|e| e.to_string())?;
            engine.local_write();
            Ok(())
        }
    });
    let set_retired = move |g: Typed<Goal>, value: bool| retire_write.dispatch((g, value));

    view! {
        <div class="goals-setup" data-testid="goals-setup">
            {move || match (mode.get(), data.get()) {
                (_, None) => view! { <p class="muted">{t!(i18n, loading)}</p> }.into_any(),
                (_, Some(Err(error))) => view! { <ReadError what=Reading::Records error=error/> }.into_any(),
                (Mode::Edit(existing), Some(Ok((_, places, focus, questions)))) => view! {
                    <GoalForm lab=lab existing=existing places=places focus=focus questions=questions saved=saved
                        on_done=Callback::new(move |_| mode.set(Mode::List))/>
                }.into_any(),
                (Mode::List, Some(Ok((goals, places, _, questions)))) => view! {
                    <div class="list-head">
                        <h2>{t!(i18n, setup_tab_goals)}</h2>
                        <button type="button" class="primary" data-testid="goal-new"
                            on:click=move |_| { saved.set(None); mode.set(Mode::Edit(None)); }>{t!(i18n, goal_new)}</button>
                    </div>
                    <p class="muted">{t!(i18n, goals_setup_hint)}</p>
                    <ul class="setup-list">
                        {if goals.is_empty() {
                            view! { <li class="muted" data-testid="goal-none">{t!(i18n, goals_none)}</li> }.into_any()
                        } else {
                            goals.into_iter().map(|g| {
                                let (for_edit, for_retire) = (g.clone(), g.clone());
                                let retired = g.data.retired;
                                let source = source_sentence_with(g.data.source.as_ref(), &places, &questions, english());
                                let en = english();
                                let figures = format!("{} → {} {} ({} {})", format::decimal(g.data.baseline, 2, en),
                                    format::decimal(g.data.target, 2, en), g.data.unit, t_string!(i18n, goal_by), format::date(&g.data.target_date, en));
                                view! {
                                    <li class="setup-item" class:retired=retired data-testid="goal-item" data-goal-id=g.id.to_string()
                                        data-retired=retired.to_string()>
                                        <div>
                                            <strong>{g.data.title.clone()}</strong>
                                            <crate::components::unsynced::UnsyncedMark id=g.id ids=unsynced/>
                                            {retired.then(|| view! { " " <span class="badge off">{t!(i18n, retired_badge)}</span> })}
                                            <div class="muted">{focus_label(g.data.focus_area, en)}</div>
                                            <div class="muted">{figures}</div>
                                            <div class="muted" data-testid="goal-source-text">{source}</div>
                                        </div>
                                        <div class="row">
                                            <button type="button" class="secondary" data-testid="goal-edit"
                                                on:click=move |_| { saved.set(None); mode.set(Mode::Edit(Some(for_edit.clone()))); }>{t!(i18n, edit)}</button>
                                            {if retired {
                                                view! { <button type="button" class="secondary" data-testid="goal-restore"
                                                    on:click=move |_| set_retired(for_retire.clone(), false)>{t!(i18n, restore_retired)}</button> }.into_any()
                                            } else {
                                                view! { <button type="button" class="secondary danger" data-testid="goal-retire"
                                                    on:click=move |_| set_retired(for_retire.clone(), true)>{t!(i18n, retire)}</button> }.into_any()
                                            }}
                                        </div>
                                    </li>
                                }
                            }).collect_view().into_any()
                        }}
                    </ul>
                }.into_any(),
            }}
            <p class="notice" role="status" data-testid="goal-saved" hidden=move || saved.get().is_none()>{move || saved.get().unwrap_or_default()}</p>
        </div>
    }
}

#[component]
fn GoalForm(
    lab: Uuid,
    existing: Option<Typed<Goal>>,
    places: Vec<Typed<MeetingPlace>>,
    focus: Vec<FocusArea>,
    questions: Vec<Typed<Question>>,
    saved: RwSignal<Option<String>>,
    on_done: Callback<()>,
) -> impl IntoView {
    let engine = expect_context::<SyncEngine>();
    let i18n = use_i18n();
    let english = move || i18n.get_locale() == Locale::en;
    let is_new = existing.is_none();
    let id = existing.as_ref().map_or_else(Uuid::now_v7, |g| g.id);
    let base: Option<Goal> = existing.as_ref().map(|g| g.data.clone());
    let b = base.clone();
    let default_focus = focus.first().copied().unwrap_or(FocusArea::Crime);
    let focus_area = RwSignal::new(wire(&b.as_ref().map_or(default_focus, |g| g.focus_area)));
    let title = RwSignal::new(b.as_ref().map(|g| g.title.clone()).unwrap_or_default());
    let indicator = RwSignal::new(b.as_ref().map(|g| g.indicator.clone()).unwrap_or_default());
    let unit = RwSignal::new(b.as_ref().map(|g| g.unit.clone()).unwrap_or_default());
    let baseline = RwSignal::new(b.as_ref().map(|g| format::decimal(g.baseline, 4, false)).unwrap_or_default());
    let baseline_date = RwSignal::new(b.as_ref().and_then(|g| g.baseline_date.clone()).unwrap_or_else(clock::today));
    let target = RwSignal::new(b.as_ref().map(|g| format::decimal(g.target, 4, false)).unwrap_or_default());
    let target_date = RwSignal::new(b.as_ref().map(|g| g.target_date.clone()).unwrap_or_default());
    let direction = RwSignal::new(b.as_ref().map_or(GoalDirection::Up, |g| g.direction));
    let schedule = RwSignal::new(b.as_ref().and_then(|g| g.schedule).map(|s| wire(&s)).unwrap_or_default());
    let retired = b.as_ref().is_some_and(|g| g.retired);
    // The source, as the form's choices.
    let source0 = b.as_ref().and_then(|g| g.source.clone());
    let kind = RwSignal::new(
        match &source0 {
            None => "manual",
            Some(GoalSource::VisitsPerWeek { .. } | GoalSource::Visits { .. }) => "visits",
            Some(GoalSource::Activities { .. }) => "activities",
            Some(GoalSource::PollShare { .. }) => "poll_share",
            Some(GoalSource::Question { .. }) => "question",
        }
        .to_owned(),
    );
    let (place0, per0, first0, band0, gender0) = match &source0 {
        Some(GoalSource::VisitsPerWeek { meeting_place_id }) => {
            (Some(*meeting_place_id), GoalPeriod::Week, false, None, None)
        }
        Some(GoalSource::Visits { meeting_place_id, per, first_only, age_band, gender }) => {
            (*meeting_place_id, *per, *first_only, *age_band, *gender)
        }
        _ => (None, GoalPeriod::Week, false, None, None),
    };
    let gender = RwSignal::new(gender0.map(|g| g.as_str().to_owned()).unwrap_or_default());
    let place = RwSignal::new(place0.map(|p| p.to_string()).unwrap_or_default());
    let per = RwSignal::new(wire(&per0));
    let first_only = RwSignal::new(first0);
    let band = RwSignal::new(band0.map(|b| b.as_str().to_owned()).unwrap_or_default());
    let (kinds0, measure0) = match &source0 {
        Some(GoalSource::Activities { kinds, measure }) => (kinds.clone(), *measure),
        _ => (Vec::new(), ActivityMeasure::Participants),
    };
    let kinds = RwSignal::new(kinds0);
    let measure = RwSignal::new(measure0);
    let (question0, maybe0) = match &source0 {
        Some(GoalSource::PollShare { question, include_maybe }) => (*question, *include_maybe),
        _ => (PollQuestion::FeltSafe, false),
    };
    let question = RwSignal::new(wire(&question0));
    let include_maybe =
        RwSignal::new(maybe0 || matches!(&source0, Some(GoalSource::Question { include_maybe: true, .. })));
    let (lab_question0, stat0, option0) = match &source0 {
        Some(GoalSource::Question { question_id, stat, option, .. }) => (Some(*question_id), *stat, *option),
        _ => (None, QuestionStat::Share, None),
    };
    // The questions a goal can be measured from: the lab's own (the poll's two are the poll source).
    let measurable: Vec<Typed<Question>> = questions
        .iter()
        .filter(|q| q.data.builtin.is_none() && (!q.data.retired || lab_question0 == Some(q.id)))
        .cloned()
        .collect();
    let lab_question = RwSignal::new(
        lab_question0.or_else(|| measurable.first().map(|q| q.id)).map(|q| q.to_string()).unwrap_or_default(),
    );
    let stat = RwSignal::new(stat0.as_str().to_owned());
    let option = RwSignal::new(option0.unwrap_or(0).to_string());
    let measurable = StoredValue::new(measurable);
    let chosen_question = move || {
        let id = Uuid::parse_str(&lab_question.get()).ok();
        measurable.with_value(|m| m.iter().find(|q| Some(q.id) == id).cloned())
    };
    // A measure the chosen question offers.
    Effect::new(move |_| {
        if let Some(q) = chosen_question() {
            let offered = QuestionStat::of_kind(q.data.answer);
            if !offered.iter().any(|s| s.as_str() == stat.get_untracked()) {
                stat.set(offered[0].as_str().to_owned());
            }
        }
    });
    let error = RwSignal::new(None::<FormError>);
    let base = StoredValue::new(base);

    let source = move || -> Option<GoalSource> {
        match kind.get().as_str() {
            "visits" => {
                let built = GoalSource::Visits {
                    meeting_place_id: Uuid::parse_str(&place.get()).ok(),
                    per: from_wire(&per.get()).unwrap_or(GoalPeriod::Week),
                    first_only: first_only.get(),
                    age_band: AgeBand::parse(&band.get()),
                    gender: Gender::parse(&gender.get()),
                };
                // A goal of the first kind stays one while its settings are the same.
                match base.get_value().and_then(|g| g.source) {
                    Some(GoalSource::VisitsPerWeek { meeting_place_id })
                        if built
                            == (GoalSource::Visits {
                                meeting_place_id: Some(meeting_place_id),
                                per: GoalPeriod::Week,
                                first_only: false,
                                age_band: None,
                                gender: None,
                            }) =>
                    {
                        Some(GoalSource::VisitsPerWeek { meeting_place_id })
                    }
                    _ => Some(built),
                }
            }
            "activities" => Some(GoalSource::Activities {
                kinds: ActivityKind::ALL.into_iter().filter(|k| kinds.get().contains(k)).collect(),
                measure: measure.get(),
            }),
            "poll_share" => Some(GoalSource::PollShare {
                question: from_wire(&question.get()).unwrap_or(PollQuestion::FeltSafe),
                include_maybe: include_maybe.get(),
            }),
            "question" => {
                let q = chosen_question()?;
                let stat = QuestionStat::parse(&stat.get()).unwrap_or(QuestionStat::Share);
                Some(GoalSource::Question {
                    question_id: q.id,
                    stat,
                    include_maybe: q.data.answer == AnswerKind::Faces && include_maybe.get(),
                    option: (q.data.answer == AnswerKind::Choice).then(|| option.get().parse().unwrap_or(0)),
                })
            }
            _ => None,
        }
    };
    // Offer the unit that goes with the source while the user has not typed one.
    let offered = StoredValue::new(unit.get_untracked());
    Effect::new(move |_| {
        let suggestion = suggested_unit(source().as_ref(), Locale::sv).to_owned();
        let current = unit.get_untracked();
        if !suggestion.is_empty() && (current.is_empty() || current == offered.get_value()) {
            unit.set(suggestion.clone());
            offered.set_value(suggestion);
        }
    });

    // Saving is a write through an action; its failure shows where the form's own errors do.
    let save_write = Write::new(move |goal: &Goal| {
        let goal = goal.clone();
        async move {
            let changed = records::save_edit(RecordKind::Goal, id, lab, base.get_value().as_ref(), &goal)
                .await
                .map_err(|e| format!("{}: {e}", t_string!(i18n, save_failed)))?;
            if changed {
                engine.local_write();
            }
            saved.set(Some(t_string!(i18n, goal_saved_notice, name = goal.title.clone()).to_string()));
            on_done.run(());
            Ok(())
        }
    });
    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        saved.set(None);
        save_write.clear();
        let number = |s: String, field: &'static str| {
            format::parse_decimal(&s).ok_or_else(|| FormError::at(field, t_string!(i18n, error_value).to_string()))
        };
        let (baseline_v, target_v) =
            match (number(baseline.get_untracked(), "utgångsvärde"), number(target.get_untracked(), "målvärde")) {
                (Ok(a), Ok(b)) => (a, b),
                (Err(e), _) | (_, Err(e)) => return error.set(Some(e)),
            };
        let source = source();
        let goal = Goal {
            focus_area: from_wire(&focus_area.get_untracked()).unwrap_or(default_focus),
            title: title.get_untracked().trim().to_owned(),
            indicator: indicator.get_untracked().trim().to_owned(),
            unit: unit.get_untracked().trim().to_owned(),
            baseline: baseline_v,
            target: target_v,
            target_date: target_date.get_untracked(),
            direction: direction.get_untracked(),
            schedule: if source.is_none() { from_wire(&schedule.get_untracked()) } else { None },
            source,
            baseline_date: Some(baseline_date.get_untracked()).filter(|d| !d.is_empty()),
            retired,
        };
        if let Err(e) = labblogg_shared::validate::goal_form(&goal) {
            return error.set(Some(e.into()));
        }
        error.set(None);
        save_write.dispatch(goal);
    };

    let live_places: Vec<Typed<MeetingPlace>> =
        places.iter().filter(|p| !p.data.retired || place0 == Some(p.id)).cloned().collect();
    view! {
        <form class="activity-form goal-form" data-testid="goal-form" data-goal-id=id.to_string() on:submit=save>
            <h2>{move || if is_new { t_string!(i18n, goal_new).to_string() } else { t_string!(i18n, goal_edit).to_string() }}</h2>
            <div class="row">
                <div class="field"><label for="goal-focus">{t!(i18n, focus_area)}</label>
                    <select id="goal-focus" data-testid="goal-focus" bind:value=focus_area>
                        {FocusArea::ALL.into_iter().map(|f| view! { <option value=wire(&f)>{move || focus_label(f, english())}</option> }).collect_view()}
                    </select></div>
                <div class="field"><label for="goal-title">{t!(i18n, title)}</label>
                    <input id="goal-title" data-testid="goal-title" required maxlength="200" aria-invalid=invalid(error, TITLE)
                        aria-describedby="goal-title-error" bind:value=title/>
                    <FieldError error=error fields=TITLE id="goal-title-error" testid="goal-error"/></div>
            </div>
            <fieldset>
                <legend>{t!(i18n, goal_source)}</legend>
                <p class="muted">{t!(i18n, goal_source_hint)}</p>
                <div class="field"><label for="goal-source">{t!(i18n, goal_source_kind)}</label>
                    <select id="goal-source" data-testid="goal-source" bind:value=kind>
                        <option value="manual">{t!(i18n, goal_source_manual)}</option>
                        <option value="visits">{t!(i18n, goal_source_visits)}</option>
                        <option value="activities">{t!(i18n, goal_source_activities)}</option>
                        <option value="poll_share">{t!(i18n, goal_source_poll)}</option>
                        <option value="question">{t!(i18n, goal_source_question)}</option>
                    </select></div>
                <Show when=move || kind.get() == "manual">
                    <div class="field"><label for="goal-schedule">{t!(i18n, goal_schedule)}</label>
                        <select id="goal-schedule" data-testid="goal-schedule" bind:value=schedule aria-describedby="goal-schedule-hint">
                            <option value="">{t!(i18n, goal_schedule_none)}</option>
                            {MeasureSchedule::ALL.into_iter().map(|s| view! { <option value=wire(&s)>{move || schedule_label(s, i18n.get_locale())}</option> }).collect_view()}
                        </select>
                        <span class="muted" id="goal-schedule-hint">{t!(i18n, goal_schedule_hint)}</span></div>
                </Show>
                <Show when=move || kind.get() == "visits">
                    {
                        let live_places = live_places.clone();
                        view! {
                            <div class="row">
                                <div class="field"><label for="goal-source-place">{t!(i18n, goal_source_place)}</label>
                                    <select id="goal-source-place" data-testid="goal-source-place" bind:value=place>
                                        <option value="">{t!(i18n, goal_source_all_places)}</option>
                                        {live_places.iter().map(|p| view! { <option value=p.id.to_string()>{p.data.name.clone()}</option> }).collect_view()}
                                    </select></div>
                                <div class="field"><label for="goal-source-per">{t!(i18n, goal_source_per)}</label>
                                    <select id="goal-source-per" data-testid="goal-source-per" bind:value=per>
                                        <option value="week">{t!(i18n, per_week)}</option>
                                        <option value="month">{t!(i18n, per_month)}</option>
                                    </select></div>
                                <div class="field"><label for="goal-source-band">{t!(i18n, goal_source_band)}</label>
                                    <select id="goal-source-band" data-testid="goal-source-band" bind:value=band>
                                        <option value="">{t!(i18n, goal_source_all_bands)}</option>
                                        {AgeBand::ALL.into_iter().map(|b| view! { <option value=b.as_str()>{move || band_label(b, english())}</option> }).collect_view()}
                                    </select></div>
                                <div class="field"><label for="goal-source-gender">{t!(i18n, goal_source_gender)}</label>
                                    <select id="goal-source-gender" data-testid="goal-source-gender" bind:value=gender
                                        aria-describedby="goal-source-gender-hint">
                                        <option value="">{t!(i18n, goal_source_all_genders)}</option>
                                        {Gender::ALL.into_iter().map(|g| view! { <option value=g.as_str()>{move || match g {
                                            Gender::Girl => t_string!(i18n, goal_source_gender_girls),
                                            Gender::Boy => t_string!(i18n, goal_source_gender_boys),
                                            Gender::Other => t_string!(i18n, goal_source_gender_other),
                                        }}</option> }).collect_view()}
                                    </select></div>
                            </div>
                            <label class="toggle"><input type="checkbox" data-testid="goal-source-first" bind:checked=first_only/>
                                <span>{t!(i18n, goal_source_first_only)}</span></label>
                            <p class="muted" id="goal-source-gender-hint" data-testid="goal-source-gender-note">{t!(i18n, goal_source_no_gender)}</p>
                        }
                    }
                </Show>
                <Show when=move || kind.get() == "activities">
                    <fieldset>
                        <legend>{t!(i18n, goal_source_kinds)}</legend>
                        <div class="chips">
                            {ActivityKind::ALL.into_iter().map(|k| check_chip("goal-source-kind", wire(&k), kinds, k, move || kind_label(k, english()))).collect_view()}
                        </div>
                        <FieldError error=error fields=KINDS id="goal-kinds-error" testid="goal-error"/>
                    </fieldset>
                    <fieldset class="rule-choice">
                        <legend>{t!(i18n, goal_source_measure)}</legend>
                        {ActivityMeasure::ALL.into_iter().map(|m| view! {
                            <label class="radio"><input type="radio" name="goal-measure" data-testid="goal-source-measure" value=wire(&m)
                                prop:checked=move || measure.get() == m on:change=move |_| measure.set(m)/>
                                <span>{move || match m {
                                    ActivityMeasure::Activities => t_string!(i18n, measure_activities),
                                    ActivityMeasure::Participants => t_string!(i18n, measure_participants),
                                    ActivityMeasure::ParticipantHours => t_string!(i18n, measure_participant_hours),
                                }}</span></label>
                        }).collect_view()}
                    </fieldset>
                </Show>
                <Show when=move || kind.get() == "poll_share">
                    <div class="field"><label for="goal-source-question">{t!(i18n, question)}</label>
                        <select id="goal-source-question" data-testid="goal-source-question" bind:value=question>
                            {PollQuestion::ALL.into_iter().map(|q| view! { <option value=wire(&q)>{move || poll_label(q, english())}</option> }).collect_view()}
                        </select></div>
                    <label class="toggle"><input type="checkbox" data-testid="goal-source-maybe" bind:checked=include_maybe/>
                        <span>{t!(i18n, goal_source_include_maybe)}</span></label>
                </Show>
                <Show when=move || kind.get() == "question">
                    <div class="row">
                        <div class="field"><label for="goal-source-lab-question">{t!(i18n, question)}</label>
                            <select id="goal-source-lab-question" data-testid="goal-source-lab-question" bind:value=lab_question>
                                {measurable.get_value().into_iter().map(|q| view! { <option value=q.id.to_string()>{q.data.text.clone()}</option> }).collect_view()}
                            </select></div>
                        <div class="field"><label for="goal-source-stat">{t!(i18n, goal_source_stat)}</label>
                            <select id="goal-source-stat" data-testid="goal-source-stat" bind:value=stat>
                                {move || chosen_question().map(|q| QuestionStat::of_kind(q.data.answer).iter().map(|s| {
                                    let s = *s;
                                    view! { <option value=s.as_str() selected=move || stat.get() == s.as_str()>{move || match s {
                                        QuestionStat::Share => t_string!(i18n, stat_share),
                                        QuestionStat::Sum => t_string!(i18n, stat_sum),
                                        QuestionStat::Mean => t_string!(i18n, stat_mean),
                                    }}</option> }
                                }).collect_view())}
                            </select></div>
                        {move || chosen_question().filter(|q| q.data.answer == AnswerKind::Choice).map(|q| view! {
                            <div class="field"><label for="goal-source-option">{t!(i18n, goal_source_option)}</label>
                                <select id="goal-source-option" data-testid="goal-source-option" bind:value=option>
                                    {q.data.options.iter().enumerate().map(|(i, o)| view! { <option value=i.to_string()>{o.clone()}</option> }).collect_view()}
                                </select></div>
                        })}
                    </div>
                    {move || chosen_question().filter(|q| q.data.answer == AnswerKind::Faces).map(|_| view! {
                        <label class="toggle"><input type="checkbox" data-testid="goal-source-maybe" bind:checked=include_maybe/>
                            <span>{t!(i18n, goal_source_include_maybe)}</span></label>
                    })}
                    {move || measurable.with_value(Vec::is_empty).then(|| view! { <p class="muted">{t!(i18n, goal_source_no_questions)}</p> })}
                </Show>
                {
                    let places = places.clone();
                    let questions = questions.clone();
                    view! { <p class="notice" data-testid="goal-source-summary">{move || source_sentence_with(source().as_ref(), &places, &questions, english())}</p> }
                }
            </fieldset>
            <div class="row">
                <div class="field"><label for="goal-indicator">{t!(i18n, goal_indicator)}</label>
                    <input id="goal-indicator" data-testid="goal-indicator" required maxlength="200" aria-invalid=invalid(error, INDICATOR)
                        placeholder=move || t_string!(i18n, goal_indicator_hint).to_string() aria-describedby="goal-indicator-error" bind:value=indicator/>
                    <FieldError error=error fields=INDICATOR id="goal-indicator-error" testid="goal-error"/></div>
                <div class="field"><label for="goal-unit">{t!(i18n, goal_unit)}</label>
                    <input id="goal-unit" data-testid="goal-unit" required maxlength="120" aria-invalid=invalid(error, UNIT)
                        aria-describedby="goal-unit-error" bind:value=unit/>
                    <FieldError error=error fields=UNIT id="goal-unit-error" testid="goal-error"/></div>
            </div>
            <fieldset class="rule-choice">
                <legend>{t!(i18n, goal_direction)}</legend>
                {GoalDirection::ALL.into_iter().map(|d| view! {
                    <label class="radio"><input type="radio" name="goal-direction" data-testid="goal-direction" value=wire(&d)
                        prop:checked=move || direction.get() == d on:change=move |_| direction.set(d)/>
                        <span>{move || direction_label(d, i18n.get_locale())}</span></label>
                }).collect_view()}
            </fieldset>
            <div class="row">
                <div class="field"><label for="goal-baseline">{t!(i18n, goal_baseline)}</label>
                    <input id="goal-baseline" data-testid="goal-baseline" required inputmode="decimal" autocomplete="off"
                        aria-invalid=invalid(error, BASELINE) aria-describedby="goal-baseline-error" bind:value=baseline/>
                    <FieldError error=error fields=BASELINE id="goal-baseline-error" testid="goal-error"/></div>
                <div class="field"><label for="goal-baseline-date">{t!(i18n, goal_baseline_date)}</label>
                    <input id="goal-baseline-date" type="date" data-testid="goal-baseline-date" aria-invalid=invalid(error, BASELINE_DATE)
                        aria-describedby="goal-baseline-date-error" bind:value=baseline_date/>
                    <FieldError error=error fields=BASELINE_DATE id="goal-baseline-date-error" testid="goal-error"/></div>
            </div>
            <div class="row">
                <div class="field"><label for="goal-target">{t!(i18n, goal_target_value)}</label>
                    <input id="goal-target" data-testid="goal-target" required inputmode="decimal" autocomplete="off"
                        aria-invalid=invalid(error, TARGET) aria-describedby="goal-target-error" bind:value=target/>
                    <FieldError error=error fields=TARGET id="goal-target-error" testid="goal-error"/></div>
                <div class="field"><label for="goal-target-date">{t!(i18n, goal_target_date)}</label>
                    <input id="goal-target-date" type="date" data-testid="goal-target-date" required aria-invalid=invalid(error, TARGET_DATE)
                        aria-describedby="goal-target-date-error" bind:value=target_date/>
                    <FieldError error=error fields=TARGET_DATE id="goal-target-date-error" testid="goal-error"/></div>
            </div>
            <FormErrorLine error=error fields=ALL testid="goal-error"/>
            {move || save_write.error().map(|e| view! { <p class="error" role="alert" data-testid="goal-error">{e}</p> })}
            <div class="row form-actions">
                <button type="submit" class="primary" data-testid="goal-save">{t!(i18n, save)}</button>
                <button type="button" class="secondary" data-testid="goal-cancel" on:click=move |_| on_done.run(())>{t!(i18n, cancel)}</button>
            </div>
        </form>
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use wasm_bindgen_test::*;

    wasm_bindgen_test_configure!(run_in_browser);

    #[wasm_bindgen_test]
    fn swedish_enum_labels_are_the_shared_ones() {
        for s in MeasureSchedule::ALL {
            assert_eq!(schedule_label(s, Locale::sv), s.label_sv());
        }
        for d in GoalDirection::ALL {
            assert_eq!(direction_label(d, Locale::sv), d.label_sv());
        }
        // A unit offered for a source per week or month ends in the period's Swedish label.
        for per in GoalPeriod::ALL {
            let source =
                GoalSource::Visits { meeting_place_id: None, per, first_only: false, age_band: None, gender: None };
            assert!(suggested_unit(Some(&source), Locale::sv).ends_with(per.label_sv()));
        }
    }
}
