//! The personal-data guard before saving free text: lists what looks like a
//! personnummer, phone number or e-mail address, and lets staff rephrase or
//! save anyway. Softer, it also asks about what may name a person (a name
//! next to an age, a street address): "stämmer det?", and saves either way.

use crate::i18n::*;
use labblogg_shared::privacy::{find_person_hints, find_personal_data, Finding, Hint, HintKind, PersonalDataKind};
use leptos::prelude::*;

/// What the guard found in a field: personal data, or a hint that only asks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Found {
    Data(Finding),
    Hint(Hint),
}

/// Findings and hints in the given (field label, text) pairs.
pub fn check(fields: &[(String, String)]) -> Vec<(String, Found)> {
    fields
        .iter()
        .flat_map(|(label, text)| {
            find_personal_data(text)
                .into_iter()
                .map(Found::Data)
                .chain(find_person_hints(text).into_iter().map(Found::Hint))
                .map(move |f| (label.clone(), f))
        })
        .collect()
}

/// What kind of personal data was found ("ett personnummer").
pub fn data_label(kind: PersonalDataKind, english: bool) -> &'static str {
    let l = crate::labels::locale(english);
    match kind {
        PersonalDataKind::PersonalIdentityNumber => td_string!(l, privacy_kind_personal_identity_number),
        PersonalDataKind::PhoneNumber => td_string!(l, privacy_kind_phone_number),
        PersonalDataKind::Email => td_string!(l, privacy_kind_email),
    }
}

/// What may name a person ("en gatuadress").
pub fn hint_label(kind: HintKind, english: bool) -> &'static str {
    let l = crate::labels::locale(english);
    match kind {
        HintKind::NameWithAge => td_string!(l, privacy_kind_name_with_age),
        HintKind::StreetAddress => td_string!(l, privacy_kind_street_address),
    }
}

/// Shown when `findings` is not empty; `on_confirm` saves anyway. With personal data it is the
/// warning (`privacy-warning`); with hints only, the softer question (`privacy-hint`).
#[component]
pub fn PrivacyWarning(findings: RwSignal<Vec<(String, Found)>>, on_confirm: Callback<()>) -> impl IntoView {
    let i18n = use_i18n();
    let english = move || i18n.get_locale() == Locale::en;
    let has_data = move || findings.with(|f| f.iter().any(|(_, x)| matches!(x, Found::Data(_))));
    let has_hints = move || findings.with(|f| f.iter().any(|(_, x)| matches!(x, Found::Hint(_))));
    view! {
        <Show when=move || !findings.get().is_empty()>
            <div class=move || if has_data() { "privacy-warning" } else { "privacy-warning privacy-soft" }
                role="alertdialog" aria-labelledby="privacy-title"
                data-testid=move || if has_data() { "privacy-warning" } else { "privacy-hint" }>
                <h3 id="privacy-title">{move || if has_data() {
                    t_string!(i18n, privacy_title).to_string()
                } else {
                    t_string!(i18n, privacy_hint_title).to_string()
                }}</h3>
                <Show when=has_data>
                    <p>{t!(i18n, privacy_explain)}</p>
                    <ul>
                        {move || findings.get().into_iter().filter_map(|(field, f)| match f {
                            Found::Data(f) => Some((field, f)),
                            Found::Hint(_) => None,
                        }).map(|(field, f)| {
                            let what = data_label(f.kind, english());
                            view! { <li><strong>{field}</strong>": "{what}" ("{f.text}")"</li> }
                        }).collect_view()}
                    </ul>
                </Show>
                <Show when=has_hints>
                    <p>{t!(i18n, privacy_hint_explain)}</p>
                    <ul data-testid="privacy-hint-list">
                        {move || findings.get().into_iter().filter_map(|(field, f)| match f {
                            Found::Hint(h) => Some((field, h)),
                            Found::Data(_) => None,
                        }).map(|(field, h)| {
                            let what = hint_label(h.kind, english());
                            view! { <li><strong>{field}</strong>": "{what}" ("{h.text}")"</li> }
                        }).collect_view()}
                    </ul>
                </Show>
                <div class="row">
                    <button type="button" class="primary" data-testid="privacy-rephrase"
                        on:click=move |_| findings.set(Vec::new())>{t!(i18n, privacy_rephrase)}</button>
                    <button type="button" class="secondary" data-testid="privacy-confirm"
                        on:click=move |_| { findings.set(Vec::new()); on_confirm.run(()); }>{t!(i18n, privacy_confirm)}</button>
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
        for k in [PersonalDataKind::PersonalIdentityNumber, PersonalDataKind::PhoneNumber, PersonalDataKind::Email] {
            assert_eq!(data_label(k, false), k.label_sv());
            assert_eq!(data_label(k, true), k.label_en());
        }
        for k in [HintKind::NameWithAge, HintKind::StreetAddress] {
            assert_eq!(hint_label(k, false), k.label_sv());
            assert_eq!(hint_label(k, true), k.label_en());
        }
    }
}
