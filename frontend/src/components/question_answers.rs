//! Answering the lab's own questions (`shared::questions`): at the evening's
//! closing and after an activity of the kinds a question names. Faces are
//! tapped by visitors and counted; a number, the 1–5 scale and one choice are
//! staff's. Nothing here is free text.

use crate::format;
use crate::i18n::*;
use crate::records::Typed;
use labblogg_shared::questions::{Answer, AnswerKind, Question};
use leptos::prelude::*;
use uuid::Uuid;

/// The answer to `id` in `answers`, if one was given.
fn find(answers: &[Answer], id: Uuid) -> Option<Answer> {
    answers.iter().find(|a| a.question_id == id).copied()
}

/// Put `answer` in place of any earlier answer to its question (`None`: take it away).
fn set(answers: RwSignal<Vec<Answer>>, id: Uuid, answer: Option<Answer>) {
    answers.update(|list| {
        list.retain(|a| a.question_id != id);
        list.extend(answer);
    });
}

/// The questions and the answers being given to them.
#[component]
pub fn QuestionAnswers(questions: Vec<Typed<Question>>, answers: RwSignal<Vec<Answer>>) -> impl IntoView {
    let i18n = use_i18n();
    (!questions.is_empty()).then(|| view! {
        <div class="lab-questions" data-testid="lab-questions">
            <h3>{t!(i18n, questions_lab_title)}</h3>
            {questions.into_iter().map(|q| {
                let id = q.id;
                let kind = q.data.answer;
                let label_id = format!("question-{id}");
                let input = match kind {
                    AnswerKind::Faces => {
                        let tap = move |which: u8| {
                            let mut a = find(&answers.get_untracked(), id).unwrap_or(Answer::faces(id, 0, 0, 0));
                            match which {
                                0 => a.yes += 1,
                                1 => a.maybe += 1,
                                _ => a.no += 1,
                            }
                            set(answers, id, Some(a));
                        };
                        let count = move |which: u8| {
                            find(&answers.get(), id).map_or(0, |a| match which { 0 => a.yes, 1 => a.maybe, _ => a.no })
                        };
                        view! {
                            <div class="poll-buttons small">
                                {[(0u8, "question-yes"), (1, "question-maybe"), (2, "question-no")].into_iter().map(|(which, testid)| view! {
                                    <button type="button" class="poll-button" data-testid=testid on:click=move |_| tap(which)>
                                        <span>{move || match which { 0 => t_string!(i18n, poll_yes), 1 => t_string!(i18n, poll_maybe), _ => t_string!(i18n, poll_no) }}</span>
                                        <span class="poll-count" data-testid=format!("{testid}-count")>{move || count(which).to_string()}</span>
                                    </button>
                                }).collect_view()}
                            </div>
                        }.into_any()
                    }
                    AnswerKind::Number => {
                        let text = RwSignal::new(find(&answers.get_untracked(), id).and_then(|a| a.value).map(|v| format::decimal(v, 2, false)).unwrap_or_default());
                        let input_id = format!("question-number-{id}");
                        view! {
                            <input id=input_id type="text" inputmode="decimal" autocomplete="off" class="question-number" data-testid="question-number"
                                aria-labelledby=label_id.clone() bind:value=text
                                on:input=move |ev| {
                                    let v = event_target_value(&ev);
                                    let parsed = if v.trim().is_empty() { None } else { format::parse_decimal(&v) };
                                    set(answers, id, parsed.map(|x| Answer::number(id, x)));
                                }/>
                        }.into_any()
                    }
                    AnswerKind::Scale => view! {
                        <div class="row scale" role="group" aria-labelledby=label_id.clone()>
                            {(1..=5u8).map(|step| view! {
                                <button type="button" class="secondary scale-step" data-testid="question-scale" data-value=step.to_string()
                                    aria-pressed=move || (find(&answers.get(), id).and_then(|a| a.value) == Some(f64::from(step))).to_string()
                                    on:click=move |_| set(answers, id, Some(Answer::number(id, f64::from(step))))>{step.to_string()}</button>
                            }).collect_view()}
                            <span class="muted small">{t!(i18n, question_scale_hint)}</span>
                        </div>
                    }.into_any(),
                    AnswerKind::Choice => view! {
                        <div class="row choices" role="radiogroup" aria-labelledby=label_id.clone()>
                            {q.data.options.iter().enumerate().map(|(i, o)| {
                                let i = i as u32;
                                view! {
                                    <label class="radio"><input type="radio" name=format!("choice-{id}") data-testid="question-choice" value=i.to_string()
                                        prop:checked=move || find(&answers.get(), id).and_then(|a| a.choice) == Some(i)
                                        on:change=move |_| set(answers, id, Some(Answer::choice(id, i)))/>
                                        <span>{o.clone()}</span></label>
                                }
                            }).collect_view()}
                        </div>
                    }.into_any(),
                };
                view! {
                    <div class="lab-question" data-testid="lab-question" data-question-id=id.to_string() data-answer-kind=kind.as_str()>
                        <p class="question-text" id=label_id.clone() lang="sv">{q.data.text.clone()}</p>
                        {input}
                    </div>
                }
            }).collect_view()}
        </div>
    })
}
