//! The lab's own questions (`shared::questions`): what staff or visitors
//! answer when an evening closes, or after an activity of chosen kinds, for
//! the whole lab or one meeting place. A question's wording, type and options
//! never change once saved (old answers would change meaning): the form
//! edits where and when it is asked, and "Ny version" makes a new question
//! that replaces it (the old one is retired, its answers kept). The shared
//! validation refuses wordings with personal data or that ask who someone is.

use crate::components::chips::check_chip;
use crate::components::form_error::{invalid, FieldError, FormError, FormErrorLine};
use crate::components::read_error::{ReadError, Reading};
use crate::i18n::*;
use crate::labels::{kind_label, wire};
use crate::records::{self, Typed};
use crate::sync::SyncEngine;
use crate::write::Write;
use labblogg_shared::model::{ActivityKind, MeetingPlace};
use labblogg_shared::questions::{version_of, AnswerKind, Question};
use labblogg_shared::RecordKind;
use leptos::prelude::*;
use uuid::Uuid;

const TEXT: &[&str] = &["frågan"];
const OPTIONS: &[&str] = &["alternativ"];
const WHEN: &[&str] = &["när frågan ställs", "aktiviteter"];
const ALL: &[&str] = &["frågan", "alternativ", "när frågan ställs", "aktiviteter", "svarstyp"];

/// How a question is answered, in the user's language.
pub fn answer_kind_label(k: AnswerKind, english: bool) -> &'static str {
    let l = crate::labels::locale(english);
    match k {
        AnswerKind::Faces => td_string!(l, setup_question_answer_faces),
        AnswerKind::Number => td_string!(l, setup_question_answer_number),
        AnswerKind::Scale => td_string!(l, setup_question_answer_scale),
        AnswerKind::Choice => td_string!(l, setup_question_answer_choice),
    }
}

#[derive(Debug, Clone, PartialEq)]
enum Mode {
    List,
    /// A new question, an edit of where and when one is asked, or a new
    /// version of one (the question it replaces).
    Edit {
        existing: Option<Typed<Question>>,
        new_version: bool,
    },
}

#[component]
pub fn QuestionsSetup(lab: Uuid) -> impl IntoView {
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
            let mut questions = records::list::<Question>(RecordKind::Question, &[lab]).await?;
            questions.sort_by_key(|q| (q.data.retired, q.data.builtin.map_or(9, |b| b as u8), q.id));
            let places = records::list::<MeetingPlace>(RecordKind::MeetingPlace, &[lab]).await?;
            Ok::<_, crate::store::StoreError>((questions, places))
        }
    });
    // Retiring or restoring is a write through an action; as before, a failure says nothing.
    let retire_write = Write::new(move |(q, value): &(Typed<Question>, bool)| {
        let (id, lab_id, value) = (q.id, q.lab_id, *value);
        async move {
            let mut fields = serde_json::Map::new();
            fields.insert("retired".into(), value.into());
            records::set_fields(RecordKind::Question, id, lab_id, fields).await.map_err(|e| e.to_string())?;
            engine.local_write();
            Ok(())
        }
    });
    let set_retired = move |q: Typed<Question>, value: bool| retire_write.dispatch((q, value));

    view! {
        <div class="questions-setup" data-testid="questions-setup">
            {move || match (mode.get(), data.get()) {
                (_, None) => view! { <p class="muted">{t!(i18n, loading)}</p> }.into_any(),
                (_, Some(Err(error))) => view! { <ReadError what=Reading::Records error=error/> }.into_any(),
                (Mode::Edit { existing, new_version }, Some(Ok((_, places)))) => view! {
                    <QuestionForm lab=lab existing=existing new_version=new_version places=places saved=saved
                        on_done=Callback::new(move |_| mode.set(Mode::List))/>
                }.into_any(),
                (Mode::List, Some(Ok((questions, places)))) => {
                    let chain: Vec<(Uuid, Question)> = questions.iter().map(|q| (q.id, q.data.clone())).collect();
                    view! {
                        <div class="list-head">
                            <h2>{t!(i18n, setup_tab_questions)}</h2>
                            <button type="button" class="primary" data-testid="question-new"
                                on:click=move |_| { saved.set(None); mode.set(Mode::Edit { existing: None, new_version: false }); }>{t!(i18n, question_new)}</button>
                        </div>
                        <p class="muted">{t!(i18n, questions_setup_hint)}</p>
                        <ul class="setup-list">
                            {if questions.is_empty() {
                                view! { <li class="muted" data-testid="question-none">{t!(i18n, questions_none)}</li> }.into_any()
                            } else {
                                questions.into_iter().map(|q| {
                                    let refs: Vec<(Uuid, &Question)> = chain.iter().map(|(i, q)| (*i, q)).collect();
                                    let version = version_of(q.id, &refs);
                                    let en = english();
                                    let retired = q.data.retired;
                                    let place = q.data.meeting_place_id
                                        .and_then(|p| places.iter().find(|x| x.id == p))
                                        .map_or_else(|| t_string!(i18n, goal_source_all_places).to_string(), |p| p.data.name.clone());
                                    let mut when: Vec<String> = Vec::new();
                                    if q.data.at_closing {
                                        when.push(t_string!(i18n, question_at_closing).to_string());
                                    }
                                    if !q.data.activity_kinds.is_empty() {
                                        let kinds = q.data.activity_kinds.iter().map(|k| kind_label(*k, en).to_lowercase()).collect::<Vec<_>>().join(", ");
                                        when.push(format!("{} {kinds}", t_string!(i18n, question_after_kinds)));
                                    }
                                    let (for_edit, for_version, for_retire) = (q.clone(), q.clone(), q.clone());
                                    let options = q.data.options.join(" · ");
                                    view! {
                                        <li class="setup-item" class:retired=retired data-testid="question-item" data-question-id=q.id.to_string()
                                            data-retired=retired.to_string() data-answer-kind=q.data.answer.as_str() data-version=version.to_string()>
                                            <div>
                                                <strong lang="sv">{q.data.text.clone()}</strong>
                                            <crate::components::unsynced::UnsyncedMark id=q.id ids=unsynced/>
                                                {(version > 1).then(|| view! { " " <span class="badge">{format!("v{version}")}</span> })}
                                                {retired.then(|| view! { " " <span class="badge off">{t!(i18n, retired_badge)}</span> })}
                                                <div class="muted">{answer_kind_label(q.data.answer, en)}{(!options.is_empty()).then(|| format!(": {options}"))}</div>
                                                <div class="muted">{place}" · "{when.join("; ")}</div>
                                            </div>
                                            <div class="row">
                                                <button type="button" class="secondary" data-testid="question-edit"
                                                    on:click=move |_| { saved.set(None); mode.set(Mode::Edit { existing: Some(for_edit.clone()), new_version: false }); }>{t!(i18n, edit)}</button>
                                                {(q.data.builtin.is_none()).then(|| view! {
                                                    <button type="button" class="secondary" data-testid="question-new-version"
                                                        on:click=move |_| { saved.set(None); mode.set(Mode::Edit { existing: Some(for_version.clone()), new_version: true }); }>{t!(i18n, question_new_version)}</button>
                                                })}
                                                {if retired {
                                                    view! { <button type="button" class="secondary" data-testid="question-restore"
                                                        on:click=move |_| set_retired(for_retire.clone(), false)>{t!(i18n, restore_retired)}</button> }.into_any()
                                                } else {
                                                    view! { <button type="button" class="secondary danger" data-testid="question-retire"
                                                        on:click=move |_| set_retired(for_retire.clone(), true)>{t!(i18n, retire)}</button> }.into_any()
                                                }}
                                            </div>
                                        </li>
                                    }
                                }).collect_view().into_any()
                            }}
                        </ul>
                    }.into_any()
                }
            }}
            <p class="notice" role="status" data-testid="question-saved" hidden=move || saved.get().is_none()>{move || saved.get().unwrap_or_default()}</p>
        </div>
    }
}

#[component]
fn QuestionForm(
    lab: Uuid,
    existing: Option<Typed<Question>>,
    new_version: bool,
    places: Vec<Typed<MeetingPlace>>,
    saved: RwSignal<Option<String>>,
    on_done: Callback<()>,
) -> impl IntoView {
    let engine = expect_context::<SyncEngine>();
    let i18n = use_i18n();
    let english = move || i18n.get_locale() == Locale::en;
    // Meaning can be written on a new question or a new version only.
    let meaning_open = existing.is_none() || new_version;
    let editing = existing.clone().filter(|_| !new_version);
    let b: Option<Question> =
        existing.as_ref().map(|q| if new_version { q.data.next_version(q.id) } else { q.data.clone() });
    let id = editing.as_ref().map_or_else(Uuid::now_v7, |q| q.id);
    let text = RwSignal::new(b.as_ref().map(|q| q.text.clone()).unwrap_or_default());
    let answer = RwSignal::new(b.as_ref().map_or(AnswerKind::Number, |q| q.answer).as_str().to_owned());
    let options = RwSignal::new(b.as_ref().map(|q| q.options.join("\n")).unwrap_or_default());
    let place = RwSignal::new(b.as_ref().and_then(|q| q.meeting_place_id).map(|p| p.to_string()).unwrap_or_default());
    let at_closing = RwSignal::new(b.as_ref().is_none_or(|q| q.at_closing));
    let kinds = RwSignal::new(b.as_ref().map(|q| q.activity_kinds.clone()).unwrap_or_default());
    let error = RwSignal::new(None::<FormError>);
    let base = StoredValue::new(editing.as_ref().map(|q| q.data.clone()));
    let replaced = existing.as_ref().filter(|_| new_version).map(|q| (q.id, q.lab_id));
    let template = StoredValue::new(b.clone());

    // Saving is a write through an action; its failure shows where the form's own errors do.
    let save_write = Write::new(move |question: &Question| {
        let question = question.clone();
        async move {
            let changed = records::save_edit(RecordKind::Question, id, lab, base.get_value().as_ref(), &question)
                .await
                .map_err(|e| format!("{}: {e}", t_string!(i18n, save_failed)))?;
            // A new version retires the question it replaces.
            if let Some((old, old_lab)) = replaced {
                let mut fields = serde_json::Map::new();
                fields.insert("retired".into(), true.into());
                let _ = records::set_fields(RecordKind::Question, old, old_lab, fields).await;
            }
            if changed || replaced.is_some() {
                engine.local_write();
            }
            saved.set(Some(t_string!(i18n, question_saved_notice, text = question.text.clone()).to_string()));
            on_done.run(());
            Ok(())
        }
    });
    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        saved.set(None);
        save_write.clear();
        let kind = AnswerKind::parse(&answer.get_untracked()).unwrap_or(AnswerKind::Number);
        let t = template.get_value();
        let question = Question {
            text: text.get_untracked().trim().to_owned(),
            answer: kind,
            options: if kind == AnswerKind::Choice {
                options.get_untracked().lines().map(str::trim).filter(|o| !o.is_empty()).map(str::to_owned).collect()
            } else {
                Vec::new()
            },
            meeting_place_id: Uuid::parse_str(&place.get_untracked()).ok(),
            at_closing: at_closing.get_untracked(),
            activity_kinds: ActivityKind::ALL.into_iter().filter(|k| kinds.get_untracked().contains(k)).collect(),
            builtin: t.as_ref().and_then(|q| q.builtin),
            replaces: t.as_ref().and_then(|q| q.replaces),
            retired: t.as_ref().is_some_and(|q| q.retired),
        };
        if let Err(e) = labblogg_shared::validate::question(&question) {
            return error.set(Some(e.into()));
        }
        error.set(None);
        save_write.dispatch(question);
    };

    let live_places: Vec<Typed<MeetingPlace>> = places.into_iter().filter(|p| !p.data.retired).collect();
    view! {
        <form class="activity-form question-form" data-testid="question-form" data-question-id=id.to_string() on:submit=save>
            <h2>{move || if new_version { t_string!(i18n, question_new_version).to_string() }
                else if editing.is_some() { t_string!(i18n, question_edit).to_string() }
                else { t_string!(i18n, question_new).to_string() }}</h2>
            <p class="muted">{move || if meaning_open { t_string!(i18n, question_meaning_hint).to_string() } else { t_string!(i18n, question_frozen_hint).to_string() }}</p>
            <div class="field"><label for="question-text">{t!(i18n, question_text)}</label>
                <input id="question-text" data-testid="question-text" required maxlength="200" disabled=!meaning_open
                    aria-invalid=invalid(error, TEXT) aria-describedby="question-text-error" bind:value=text
                    on:input=move |_| error.update(|e| if e.as_ref().is_some_and(|e| e.field == Some("frågan")) { *e = None })/>
                <FieldError error=error fields=TEXT id="question-text-error" testid="question-error"/></div>
            <div class="field"><label for="question-answer">{t!(i18n, question_answer_kind)}</label>
                <select id="question-answer" data-testid="question-answer" disabled=!meaning_open bind:value=answer>
                    {AnswerKind::ALL.into_iter().map(|k| view! { <option value=k.as_str()>{move || answer_kind_label(k, english())}</option> }).collect_view()}
                </select></div>
            <Show when=move || answer.get() == "choice">
                <div class="field"><label for="question-options">{t!(i18n, question_options)}</label>
                    <textarea id="question-options" data-testid="question-options" rows="4" disabled=!meaning_open
                        aria-invalid=invalid(error, OPTIONS) aria-describedby="question-options-error" bind:value=options></textarea>
                    <FieldError error=error fields=OPTIONS id="question-options-error" testid="question-error"/></div>
            </Show>
            <fieldset>
                <legend>{t!(i18n, question_where_when)}</legend>
                <div class="field"><label for="question-place">{t!(i18n, goal_source_place)}</label>
                    <select id="question-place" data-testid="question-place" bind:value=place>
                        <option value="">{t!(i18n, goal_source_all_places)}</option>
                        {live_places.iter().map(|p| view! { <option value=p.id.to_string()>{p.data.name.clone()}</option> }).collect_view()}
                    </select></div>
                <label class="toggle"><input type="checkbox" data-testid="question-at-closing" bind:checked=at_closing/>
                    <span>{t!(i18n, question_at_closing)}</span></label>
                <fieldset>
                    <legend>{t!(i18n, question_after_kinds_legend)}</legend>
                    <div class="chips">
                        {ActivityKind::ALL.into_iter().map(|k| check_chip("question-kind", wire(&k), kinds, k, move || kind_label(k, english()))).collect_view()}
                    </div>
                </fieldset>
                <FieldError error=error fields=WHEN id="question-when-error" testid="question-error"/>
            </fieldset>
            <FormErrorLine error=error fields=ALL testid="question-error"/>
            {move || save_write.error().map(|e| view! { <p class="error" role="alert" data-testid="question-error">{e}</p> })}
            <div class="row form-actions">
                <button type="submit" class="primary" data-testid="question-save">{t!(i18n, save)}</button>
                <button type="button" class="secondary" data-testid="question-cancel" on:click=move |_| on_done.run(())>{t!(i18n, cancel)}</button>
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
    fn swedish_answer_kinds_are_the_shared_labels() {
        for k in AnswerKind::ALL {
            assert_eq!(answer_kind_label(k, false), k.label_sv());
        }
    }
}
