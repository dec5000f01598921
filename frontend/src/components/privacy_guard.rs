//! The personal-data guard before saving free text: lists what looks like a
//! personnummer, phone number or e-mail address, and lets staff rephrase or
//! save anyway.

use crate::i18n::*;
use labblogg_shared::privacy::{find_personal_data, Finding};
use leptos::prelude::*;

/// Findings in the given (field label, text) pairs.
pub fn check(fields: &[(String, String)]) -> Vec<(String, Finding)> {
    fields
        .iter()
        .flat_map(|(label, text)| find_personal_data(text).into_iter().map(move |f| (label.clone(), f)))
        .collect()
}

/// Shown when `findings` is not empty; `on_confirm` saves anyway.
#[component]
pub fn PrivacyWarning(findings: RwSignal<Vec<(String, Finding)>>, on_confirm: Callback<()>) -> impl IntoView {
    let i18n = use_i18n();
    let english = move || i18n.get_locale() == Locale::en;
    view! {
        <Show when=move || !findings.get().is_empty()>
            <div class="privacy-warning" role="alertdialog" aria-labelledby="privacy-title" data-testid="privacy-warning">
                <h3 id="privacy-title">{t!(i18n, privacy_title)}</h3>
                <p>{t!(i18n, privacy_explain)}</p>
                <ul>
                    {move || findings.get().into_iter().map(|(field, f)| {
                        let what = if english() { f.kind.label_en() } else { f.kind.label_sv() };
                        view! { <li><strong>{field}</strong>": "{what}" ("{f.text}")"</li> }
                    }).collect_view()}
                </ul>
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
