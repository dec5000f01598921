//! The lab's profile: its name, city and housing company (entered by the
//! administrator who created it), its focus areas, its one question and a
//! description — what the steering group reads first.

use crate::components::chips::check_chip;
use crate::components::form_error::{invalid, FieldError, FormError, FormErrorLine};
use crate::components::read_error::{ReadError, Reading};
use crate::i18n::*;
use crate::labels::focus_label;
use crate::labels::wire;
use crate::records::{self, Typed};
use crate::sync::SyncEngine;
use crate::write::Write;
use labblogg_shared::model::{FocusArea, Lab};
use labblogg_shared::RecordKind;
use leptos::prelude::*;
use uuid::Uuid;

const FIELDS: &[&str] = &["namn", "ort", "bostadsbolag", "fokusområde", "frågeställning", "beskrivning"];

#[component]
pub fn LabProfile(lab: Uuid) -> impl IntoView {
    let i18n = use_i18n();
    let record = LocalResource::new(move || async move {
        // A failed read is said as such, never shown as a lab not synced yet.
        crate::store::record(lab).await.map(|s| s.and_then(|s| records::typed::<Lab>(&s)))
    });
    view! {
        {move || match record.get() {
            None => view! { <p class="muted">{t!(i18n, loading)}</p> }.into_any(),
            Some(Err(error)) => view! { <ReadError what=Reading::Records error=error/> }.into_any(),
            Some(Ok(None)) => view! { <p class="muted" data-testid="lab-not-synced">{t!(i18n, setup_lab_not_synced_hint)}</p> }.into_any(),
            Some(Ok(Some(l))) => view! { <LabForm lab=l/> }.into_any(),
        }}
    }
}

#[component]
fn LabForm(lab: Typed<Lab>) -> impl IntoView {
    let engine = expect_context::<SyncEngine>();
    let i18n = use_i18n();
    let english = move || i18n.get_locale() == Locale::en;
    let base = lab.data.clone();
    let name = RwSignal::new(base.name.clone());
    let city = RwSignal::new(base.city.clone());
    let organisation = RwSignal::new(base.organisation.clone());
    let focus = RwSignal::new(base.focus_areas.clone());
    let question = RwSignal::new(base.question.clone());
    let description = RwSignal::new(base.description.clone());
    let error = RwSignal::new(None::<FormError>);
    let saved = RwSignal::new(false);
    let base = StoredValue::new(base);
    let (id, lab_id) = (lab.id, lab.lab_id);

    // Saving is a write through an action; its failure shows where the form's own errors do.
    let save_write = Write::new(move |edited: &Lab| {
        let edited = edited.clone();
        async move {
            let changed = records::save_edit(RecordKind::Lab, id, lab_id, Some(&base.get_value()), &edited)
                .await
                .map_err(|e| format!("{}: {e}", t_string!(i18n, save_failed)))?;
            if changed {
                base.set_value(edited);
                engine.local_write();
            }
            saved.set(true);
            Ok(())
        }
    });
    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        saved.set(false);
        save_write.clear();
        let edited = Lab {
            name: name.get_untracked().trim().to_owned(),
            city: city.get_untracked().trim().to_owned(),
            organisation: organisation.get_untracked().trim().to_owned(),
            // In the programme's order, whatever order they were ticked in.
            focus_areas: FocusArea::ALL.into_iter().filter(|f| focus.get_untracked().contains(f)).collect(),
            question: question.get_untracked().trim().to_owned(),
            description: description.get_untracked().trim().to_owned(),
        };
        if let Err(e) = labblogg_shared::validate::lab(&edited) {
            return error.set(Some(e.into()));
        }
        error.set(None);
        save_write.dispatch(edited);
    };

    view! {
        <form class="activity-form setup-form" data-testid="lab-profile-form" on:submit=save>
            <h2>{t!(i18n, setup_tab_lab)}</h2>
            <div class="row">
                <div class="field"><label for="lab-name">{t!(i18n, admin_lab_name)}</label>
                    <input id="lab-name" data-testid="lab-name" required maxlength="120" aria-invalid=invalid(error, &["namn"])
                        aria-describedby="lab-name-error" bind:value=name/>
                    <FieldError error=error fields=&["namn"] id="lab-name-error"/></div>
                <div class="field"><label for="lab-city">{t!(i18n, admin_lab_city)}</label>
                    <input id="lab-city" data-testid="lab-city" required maxlength="120" aria-invalid=invalid(error, &["ort"])
                        aria-describedby="lab-city-error" bind:value=city/>
                    <FieldError error=error fields=&["ort"] id="lab-city-error"/></div>
                <div class="field"><label for="lab-organisation">{t!(i18n, admin_lab_organisation)}</label>
                    <input id="lab-organisation" data-testid="lab-organisation" required maxlength="120"
                        aria-invalid=invalid(error, &["bostadsbolag"]) aria-describedby="lab-organisation-error" bind:value=organisation/>
                    <FieldError error=error fields=&["bostadsbolag"] id="lab-organisation-error"/></div>
            </div>
            <fieldset>
                <legend>{t!(i18n, admin_lab_focus)}</legend>
                <div class="chips">
                    {FocusArea::ALL.into_iter().map(|f| {
                        let label = if english() { focus_label(f, true) } else { focus_label(f, false) };
                        check_chip("lab-focus", wire(&f), focus, f, label)
                    }).collect_view()}
                </div>
                <FieldError error=error fields=&["fokusområde"] id="lab-focus-error"/>
            </fieldset>
            <label for="lab-question">{t!(i18n, admin_lab_question)}</label>
            <p class="muted" id="lab-question-hint">{t!(i18n, lab_question_hint)}</p>
            <textarea id="lab-question" data-testid="lab-question" rows="3" maxlength="500"
                aria-invalid=invalid(error, &["frågeställning"]) aria-describedby="lab-question-hint lab-question-error" bind:value=question></textarea>
            <FieldError error=error fields=&["frågeställning"] id="lab-question-error"/>
            <label for="lab-description">{t!(i18n, admin_lab_description)}</label>
            <textarea id="lab-description" data-testid="lab-description" rows="4"
                aria-invalid=invalid(error, &["beskrivning"]) aria-describedby="lab-description-error" bind:value=description></textarea>
            <FieldError error=error fields=&["beskrivning"] id="lab-description-error"/>
            <FormErrorLine error=error fields=FIELDS/>
            {move || save_write.error().map(|e| view! { <p class="error" role="alert" data-testid="form-error">{e}</p> })}
            <p class="notice" role="status" data-testid="lab-saved" hidden=move || !saved.get()>{t!(i18n, saved)}</p>
            <div class="row form-actions">
                <button type="submit" class="primary" data-testid="lab-save">{t!(i18n, save)}</button>
            </div>
        </form>
    }
}
