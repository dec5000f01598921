//! The soft check at entry (`labblogg_shared::checks`): before saving a
//! number that looks wrong for this lab ("412 deltagare" at a fika that
//! usually has 15–25) or a date far ahead or back, staff are asked "Är du
//! säker?". They correct it, or save it anyway; a saved unusual value is
//! flagged for the coordinators' follow-up list.

use crate::i18n::*;
use labblogg_shared::checks::Finding;
use leptos::prelude::*;

/// Shown when `findings` is not empty; `on_confirm` saves anyway.
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
