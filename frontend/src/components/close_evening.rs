//! Closing the evening at a meeting place: an optional closing poll (a
//! two-second, three-point question with pictograms, kept only as tallies)
//! and a short reflection, saved as the evening's "open evening" activity
//! with today's visits as its participants. `on_done` is told whether it saved.

use crate::components::privacy_guard::{self, PrivacyWarning};
use crate::components::question_answers::QuestionAnswers;
use crate::components::read_error::{read_failed_text, Reading};
use crate::i18n::*;
use crate::records::{self, Typed};
use crate::sync::SyncEngine;
use crate::write::Write;
use crate::{clock, store};
use labblogg_shared::model::{Activity, ActivityKind, ParticipantCount, PollQuestion, PollTally, Visit};
use labblogg_shared::questions::{answer_given, answer_misfit, Answer, Question};
use labblogg_shared::{AgeBand, Gender, RecordKind};
use leptos::prelude::*;
use leptos::task::spawn_local;
use std::collections::BTreeMap;
use uuid::Uuid;

/// A face pictogram: a smile, a straight mouth or a frown.
fn face(mouth: &'static str) -> impl IntoView {
    view! {
        <svg viewBox="0 0 64 64" aria-hidden="true">
            <circle cx="32" cy="32" r="29" fill="#f2b705" stroke="#1d1d1b" stroke-width="3"/>
            <circle cx="22" cy="26" r="4" fill="#1d1d1b"/>
            <circle cx="42" cy="26" r="4" fill="#1d1d1b"/>
            <path d=mouth fill="none" stroke="#1d1d1b" stroke-width="4" stroke-linecap="round"/>
        </svg>
    }
}

const SMILE: &str = "M20 40 Q32 52 44 40";
const FLAT: &str = "M20 44 L44 44";
const FROWN: &str = "M20 48 Q32 36 44 48";

#[component]
pub fn CloseEvening(place_id: Uuid, lab_id: Uuid, place_name: String, on_done: Callback<bool>) -> impl IntoView {
    let engine = expect_context::<SyncEngine>();
    let i18n = use_i18n();
    let question = RwSignal::new(PollQuestion::FeltSafe);
    let tally = RwSignal::new(None::<PollTally>);
    let reflection = RwSignal::new(String::new());
    let findings = RwSignal::new(Vec::new());
    let error = RwSignal::new(None::<String>);
    let existing = RwSignal::new(None::<Typed<Activity>>);
    let answers = RwSignal::new(Vec::<Answer>::new());
    // The lab's questions: its own asked at this place's closing, and which
    // of the closing poll's two are still asked (before the first sync has
    // brought them, both are).
    let questions = LocalResource::new(move || async move {
        let all = match records::list::<Question>(RecordKind::Question, &[lab_id]).await {
            Ok(all) => all,
            Err(_) => {
                error.set(Some(read_failed_text(i18n, Reading::Records)));
                Vec::new()
            }
        };
        let retired: Vec<PollQuestion> = all.iter().filter(|q| q.data.retired).filter_map(|q| q.data.builtin).collect();
        let mut asked: Vec<Typed<Question>> =
            all.into_iter().filter(|q| q.data.builtin.is_none() && q.data.asked_at_closing(place_id)).collect();
        asked.sort_by_key(|q| q.id);
        let polls: Vec<PollQuestion> = PollQuestion::ALL.into_iter().filter(|q| !retired.contains(q)).collect();
        (asked, polls)
    });
    // Where the first of the poll's questions is retired, start on the other.
    Effect::new(move |_| {
        if let Some((_, polls)) = questions.get() {
            if !polls.contains(&question.get_untracked()) && tally.get_untracked().is_none() {
                if let Some(first) = polls.first() {
                    question.set(*first);
                }
            }
        }
    });
    let today = clock::today();

    // Closing twice the same evening updates the same activity.
    {
        let today = today.clone();
        spawn_local(async move {
            // Without this evening's activity a second closing would make another: say so instead.
            let list = match records::list::<Activity>(RecordKind::Activity, &[lab_id]).await {
                Ok(list) => list,
                Err(_) => return error.set(Some(read_failed_text(i18n, Reading::Activities))),
            };
            let found = list.into_iter().find(|a| {
                a.data.kind == ActivityKind::OpenEvening
                    && a.data.date == today
                    && a.data.meeting_place_id == Some(place_id)
            });
            if let Some(a) = found {
                reflection.set(a.data.notes.clone());
                if let Some(p) = a.data.poll {
                    question.set(p.question);
                    tally.set(Some(p));
                }
                answers.set(a.data.answers.clone());
                existing.set(Some(a));
            }
        });
    }

    let answer = move |which: u8| {
        let q = question.get_untracked();
        tally.update(|t| {
            let t = t.get_or_insert(PollTally::new(q));
            match which {
                0 => t.yes += 1,
                1 => t.maybe += 1,
                _ => t.no += 1,
            }
        });
    };
    let count = move |which: u8| {
        tally.get().map_or(0, |t| match which {
            0 => t.yes,
            1 => t.maybe,
            _ => t.no,
        })
    };

    // Saving the evening is a write through an action; its failure shows as the panel's error.
    // The visits it counts are read first: a failed read says so rather than count none.
    let place_name = StoredValue::new(place_name);
    let save_write = Write::new(move |text: &String| {
        let text = text.clone();
        let today = clock::today();
        async move {
            let visits: Vec<Visit> = store::live_at_place_on(RecordKind::Visit, place_id, &today)
                .await
                .map_err(|_| read_failed_text(i18n, Reading::Visits))?
                .iter()
                .filter_map(records::typed::<Visit>)
                .map(|t| t.data)
                .collect();
            // Per age band, and per gender where the counter noted one.
            let mut per_band: BTreeMap<(AgeBand, Option<u8>), (Option<Gender>, u32)> = BTreeMap::new();
            for v in &visits {
                per_band.entry((v.age_band, v.gender.map(|g| g as u8))).or_insert((v.gender, 0)).1 += 1;
            }
            let prior = existing.get_untracked();
            // Answers to the questions shown, checked against them; any others the evening had stay.
            let shown = questions.get_untracked().map(|(q, _)| q).unwrap_or_default();
            let mut given: Vec<Answer> = answers.get_untracked().into_iter().filter(answer_given).collect();
            for a in &given {
                if let Some(q) = shown.iter().find(|q| q.id == a.question_id) {
                    if let Some(why) = answer_misfit(&q.data, a) {
                        return Err(format!("{}: {why}", q.data.text));
                    }
                }
            }
            given.sort_by_key(|a| a.question_id);
            let activity = Activity {
                meeting_place_id: Some(place_id),
                kind: ActivityKind::OpenEvening,
                // The title is the record's data, written in Swedish whatever the screen's language (as always).
                title: prior.as_ref().map_or_else(
                    || td_string!(Locale::sv, close_evening_activity_title, place = place_name.get_value()).to_string(),
                    |p| p.data.title.clone(),
                ),
                date: today,
                start_time: prior.as_ref().and_then(|p| p.data.start_time.clone()),
                end_time: Some(clock::time_now()),
                participants: per_band
                    .into_iter()
                    .map(|((age_band, _), (gender, count))| ParticipantCount { age_band, gender, count })
                    .collect(),
                first_timers: visits.iter().filter(|v| v.first_visit).count() as u32,
                partner_ids: prior.as_ref().map(|p| p.data.partner_ids.clone()).unwrap_or_default(),
                goal_ids: prior.as_ref().map(|p| p.data.goal_ids.clone()).unwrap_or_default(),
                staff_hours: prior.as_ref().map_or(0.0, |p| p.data.staff_hours),
                volunteer_hours: prior.as_ref().map_or(0.0, |p| p.data.volunteer_hours),
                notes: text,
                lessons_learned: prior.as_ref().map(|p| p.data.lessons_learned.clone()).unwrap_or_default(),
                poll: tally.get_untracked().filter(|t| t.total() > 0),
                flag: None,
                answers: given,
            };
            labblogg_shared::validate::activity(&activity).map_err(|e| e.to_string())?;
            let id = prior.map_or_else(Uuid::now_v7, |p| p.id);
            records::save(RecordKind::Activity, id, lab_id, &activity).await.map_err(|e| e.to_string())?;
            engine.local_write();
            on_done.run(true);
            Ok(())
        }
    });
    let save = move |skip_guard: bool| {
        let text = reflection.get_untracked();
        if !skip_guard {
            let found = privacy_guard::check(&[(t_string!(i18n, evening_reflection).to_string(), text.clone())]);
            if !found.is_empty() {
                return findings.set(found);
            }
        }
        save_write.dispatch(text);
    };
    let save_again = save;

    let question_text = move || match question.get() {
        PollQuestion::FeltSafe => t_string!(i18n, poll_safe),
        PollQuestion::WantToReturn => t_string!(i18n, poll_return),
    };
    let buttons = [(0u8, SMILE, "poll-yes"), (1, FLAT, "poll-maybe"), (2, FROWN, "poll-no")];

    view! {
        <section class="card evening" data-testid="evening-panel" aria-labelledby="evening-title">
            <h2 id="evening-title">{t!(i18n, evening_title)}</h2>
            <Show when=move || questions.get().is_none_or(|(_, polls)| !polls.is_empty())>
            <h3>{t!(i18n, poll_title)}</h3>
            <div class="row">
                {move || questions.get().map_or_else(|| PollQuestion::ALL.to_vec(), |(_, polls)| polls).into_iter().map(|q| view! {
                    <button type="button" class="secondary" aria-pressed=move || (question.get() == q).to_string()
                        data-testid=match q { PollQuestion::FeltSafe => "poll-question-safe", PollQuestion::WantToReturn => "poll-question-return" }
                        // Switching question starts a new tally; one poll per evening.
                        on:click=move |_| { if question.get_untracked() != q { question.set(q); tally.set(None); } }>
                        {move || match q {
                            PollQuestion::FeltSafe => t_string!(i18n, poll_safe),
                            PollQuestion::WantToReturn => t_string!(i18n, poll_return),
                        }}
                    </button>
                }).collect_view()}
            </div>
            <p class="poll-question" lang=move || if i18n.get_locale() == Locale::en { "en" } else { "sv" }>{question_text}</p>
            <div class="poll-buttons">
                {buttons.into_iter().map(|(which, mouth, testid)| view! {
                    <button type="button" class="poll-button" data-testid=testid on:click=move |_| answer(which)>
                        {face(mouth)}
                        <span>{move || match which { 0 => t_string!(i18n, poll_yes), 1 => t_string!(i18n, poll_maybe), _ => t_string!(i18n, poll_no) }}</span>
                        <span class="poll-count" data-testid=format!("{testid}-count")>{move || count(which).to_string()}</span>
                    </button>
                }).collect_view()}
            </div>
            </Show>
            {move || questions.get().map(|(asked, _)| view! { <QuestionAnswers questions=asked answers=answers/> })}
            <label for="evening-reflection">{t!(i18n, evening_reflection)}</label>
            <textarea id="evening-reflection" data-testid="evening-reflection" rows="3" bind:value=reflection></textarea>
            {move || error.get().or_else(|| save_write.error()).map(|e| view! { <p class="error" role="alert">{e}</p> })}
            <PrivacyWarning findings=findings on_confirm=Callback::new(move |_| save_again(true))/>
            <div class="row form-actions">
                <button type="button" class="primary" data-testid="evening-save" on:click=move |_| save(false)>{t!(i18n, save)}</button>
                <button type="button" class="secondary" data-testid="evening-cancel" on:click=move |_| on_done.run(false)>{t!(i18n, cancel)}</button>
            </div>
        </section>
    }
}
