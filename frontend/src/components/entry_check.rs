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
    let l = crate::labels::locale(english);
    match field {
        CheckField::Participants => td_string!(l, entry_check_field_participants),
        CheckField::StaffHours => td_string!(l, entry_check_field_staff_hours),
        CheckField::VolunteerHours => td_string!(l, entry_check_field_volunteer_hours),
        CheckField::Value => td_string!(l, entry_check_field_value),
        CheckField::Date => td_string!(l, entry_check_field_date),
    }
}

/// A number as the question shows it: a count whole; hours and values with one decimal where
/// they have one (Swedish with a decimal comma).
fn number(x: f64, whole: bool, english: bool) -> String {
    if whole || (!english && x.fract().abs() < 1e-9) {
        format!("{}", x.round() as i64)
    } else if english {
        format!("{x:.1}")
    } else {
        format!("{x:.1}").replace('.', ",")
    }
}

fn capitalize(s: &str) -> String {
    let mut c = s.chars();
    c.next().map(|f| f.to_uppercase().chain(c).collect()).unwrap_or_default()
}

/// The question about one unusual value: "Deltagare 13–15 år: 140. Är du säker? Vanligtvis
/// 10–20 här." The same words as shared's `Finding::message_sv` (and `message_en`).
pub fn finding_text(f: &Finding, english: bool) -> String {
    let l = crate::labels::locale(english);
    if let Some(days) = f.days {
        return if days > 0 {
            td_string!(l, entry_check_date_ahead, days = days).to_string()
        } else {
            td_string!(l, entry_check_date_back, days = -days).to_string()
        };
    }
    let whole = f.field == CheckField::Participants;
    let n = |x: f64| number(x, whole, english);
    let what = match (f.field, f.band) {
        (CheckField::Participants, Some(b)) => {
            let band = if english { b.as_str().to_owned() } else { crate::labels::band_label(b, false) };
            td_string!(l, entry_check_participants_band, band = band).to_string()
        }
        (CheckField::Participants, None) => td_string!(l, entry_check_participants).to_string(),
        (field, _) => capitalize(field_label(field, english)),
    };
    let usual = match f.usual {
        Some((lo, hi)) if n(lo) == n(hi) => td_string!(l, entry_check_usual_one, n = n(lo)).to_string(),
        Some((lo, hi)) => td_string!(l, entry_check_usual_range, lo = n(lo), hi = n(hi)).to_string(),
        None => td_string!(l, entry_check_unusually_high).to_string(),
    };
    td_string!(l, entry_check_message, what = what, value = n(f.value), usual = usual).to_string()
}

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
                        let text = finding_text(&f, english());
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

    #[wasm_bindgen_test]
    fn questions_read_as_shareds() {
        use labblogg_shared::AgeBand;
        let finding = |field, band, value, usual, days| Finding { field, band, value, usual, days };
        let cases = [
            finding(CheckField::Date, None, 61.0, None, Some(61)),
            finding(CheckField::Date, None, -400.0, None, Some(-400)),
            finding(CheckField::Participants, Some(AgeBand::ALL[2]), 140.0, Some((10.0, 20.0)), None),
            finding(CheckField::Participants, None, 412.0, Some((15.0, 15.0)), None),
            finding(CheckField::Participants, None, 412.0, None, None),
            finding(CheckField::StaffHours, None, 3.5, Some((2.0, 2.0)), None),
            finding(CheckField::VolunteerHours, None, 3.0, Some((1.5, 4.25)), None),
            finding(CheckField::Value, None, 12.0, None, None),
        ];
        for f in cases {
            assert_eq!(finding_text(&f, false), f.message_sv(), "{f:?}");
            assert_eq!(finding_text(&f, true), f.message_en(), "{f:?}");
        }
    }
}
