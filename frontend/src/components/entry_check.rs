//! The soft check at entry (`labblogg_shared::checks`): before saving a
//! number that looks wrong for this lab ("412 deltagare" at a fika that
//! usually has 15–25) or a date far ahead or back, staff are asked "Är du
//! säker?". They correct it, or save it anyway; a saved unusual value is
//! flagged for the coordinators' follow-up list.

use crate::i18n::*;
use labblogg_shared::checks::{CheckField, Finding};
use leptos::prelude::*;

/// A checked field's name, as the follow-up list shows it ("personaltimmar").
pub fn field_label(field: CheckField, english: bool) -> &'static str {
    let l = if english { Locale::en } else { Locale::sv };
    match field {
        CheckField::Participants => td_string!(l, entry_check_field_participants),
        CheckField::StaffHours => td_string!(l, entry_check_field_staff_hours),
        CheckField::VolunteerHours => td_string!(l, entry_check_field_volunteer_hours),
        CheckField::Value => td_string!(l, entry_check_field_value),
        CheckField::Date => td_string!(l, entry_check_field_date),
    }
}

/// Shown when `findings` is not empty; `on_confirm` saves anyway. The finding's sentence is
/// shared's (`Finding::message_sv`/`message_en`), made with its numbers as the server's follow-up
/// list makes it.
#[component]
pub fn EntryCheckWarning(findings: RwSignal<Vec<Finding>>, on_confirm: Callback<()>) -> impl IntoView {
    let i18n = use_i18n();
    let english = move || i18n.get_locale() == Locale::en;
    view! {
        <Show when=move || !findings.with(Vec::is_empty)>
            <div class="privacy-warning privacy-soft entry-check" role="alertdialog" aria-labelledby="entry-check-title" data-testid="entry-check">
                <h3 id="entry-check-title">{t!(i18n, check_title)}</h3>
                <ul>
                    {move || findings.get().into_iter().map(|f| {
                        let text = if english() { f.message_en() } else { f.message_sv() };
                        view! { <li data-testid="entry-check-item" data-field=crate::labels::wire(&f.field)>{text}</li> }
                    }).collect_view()}
                </ul>
                <p class="muted">{t!(i18n, check_explain)}</p>
                <div class="row">
                    <button type="button" class="primary" data-testid="entry-check-fix"
                        on:click=move |_| findings.set(Vec::new())>{t!(i18n, check_fix)}</button>
                    <button type="button" class="secondary" data-testid="entry-check-confirm"
                        on:click=move |_| { findings.set(Vec::new()); on_confirm.run(()); }>{t!(i18n, check_confirm)}</button>
                </div>
            </div>
        </Show>
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use wasm_bindgen_test::*;

    wasm_bindgen_test_configure!(run_in_browser);

    #[wasm_bindgen_test]
    fn swedish_labels_are_shareds() {
        for f in CheckField::ALL {
            assert_eq!(field_label(f, false), f.label_sv());
            assert_eq!(field_label(f, true), f.label_en());
        }
    }
}
