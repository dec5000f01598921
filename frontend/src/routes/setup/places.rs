//! A lab's meeting places: name, target group, the age bands on the visit
//! counter, the catchment population (the denominator of reach in reports),
//! opening hours (several spans a day) and the days that differ, the gender
//! split and the counting rule. A retired place leaves the counter and the
//! pickers; its visits stay in every report.

use crate::components::form_error::{invalid, FieldError, FormError, FormErrorLine};
use crate::components::opening_hours::{Exceptions, ExceptionsEditor, WeeklyHours, WeeklyHoursEditor};
use crate::components::read_error::{ReadError, Reading};
use crate::i18n::*;
use crate::labels::band_label;
use crate::records::{self, Typed};
use crate::sync::SyncEngine;
use crate::write::Write;
use labblogg_shared::model::{AgeBand, CountRule, MeetingPlace};
use labblogg_shared::RecordKind;
use leptos::prelude::*;
use uuid::Uuid;

/// The field names (as the shared validation names them) the form shows errors at.
const NAME: &[&str] = &["namn"];
const TARGET: &[&str] = &["målgrupp"];
const BANDS: &[&str] = &["åldersgrupper"];
const CATCHMENT: &[&str] = &["invånare i upptagningsområdet"];
const HOURS: &[&str] = &["öppettider", "veckodag"];
const EXCEPTIONS: &[&str] = &["avvikande dagar"];
const ALL: &[&str] = &[
    "namn",
    "målgrupp",
    "åldersgrupper",
    "invånare i upptagningsområdet",
    "öppettider",
    "veckodag",
    "avvikande dagar",
];

/// The weekly hours in one line: "tis 17:00–21:00 · tor 17:00–21:00".
pub fn hours_summary(place: &MeetingPlace, english: bool) -> String {
    let mut parts: Vec<String> = Vec::new();
    for weekday in 1..=7u8 {
        let spans: Vec<String> = place
            .opening_hours
            .iter()
            .filter(|h| h.weekday == weekday)
            .map(|h| format!("{}–{}", h.opens, h.closes))
            .collect();
        if !spans.is_empty() {
            parts.push(format!(
                "{} {}",
                &crate::labels::weekday_name(u32::from(weekday), english)[..3].to_lowercase(),
                spans.join(", ")
            ));
        }
    }
    parts.join(" · ")
}

/// How a place counts its visits, in words (`CountRule::label_sv` in Swedish).
fn count_rule_label(r: CountRule, l: Locale) -> &'static str {
    match r {
        CountRule::EveryEntry => td_string!(l, count_rule_every_entry),
        CountRule::OncePerSession => td_string!(l, count_rule_once_per_session),
    }
}

#[derive(Debug, Clone, PartialEq)]
enum Mode {
    List,
    Edit(Option<Typed<MeetingPlace>>),
}

#[component]
pub fn PlacesSetup(lab: Uuid) -> impl IntoView {
    let engine = expect_context::<SyncEngine>();
    let i18n = use_i18n();
    // Records not yet on the server are marked "inte skickad än" (#16).
    let unsynced = crate::components::unsynced::unsynced_ids();
    let english = move || i18n.get_locale() == Locale::en;
    let mode = RwSignal::new(Mode::List);
    // Outside the form: the notice outlives it.
    let saved = RwSignal::new(None::<String>);
    let places = LocalResource::new(move || {
        let _ = engine.data_version.get();
        async move {
            let mut list = records::list::<MeetingPlace>(RecordKind::MeetingPlace, &[lab]).await?;
            list.sort_by(|a, b| (a.data.retired, &a.data.name).cmp(&(b.data.retired, &b.data.name)));
            Ok::<_, crate::store::StoreError>(list)
        }
    });
    // Retiring or restoring is a write through an action; as before, only a success says so.
    let retire_write = Write::new(move |(p, retired): &(Typed<MeetingPlace>, bool)| {
        let (p, retired) = (p.clone(), *retired);
        async move {
            let mut fields = serde_json::Map::new();
            fields.insert("retired".into(), retired.into());
            records::set_fields(RecordKind::MeetingPlace, p.id, p.lab_id, fields).await.map_err(|e| e.to_string())?;
            saved.set(Some(if retired {
                t_string!(i18n, place_retired_notice, name = p.data.name.clone()).to_string()
            } else {
                t_string!(i18n, place_restored_notice, name = p.data.name.clone()).to_string()
            }));
            engine.local_write();
            Ok(())
        }
    });
    let retire = move |p: Typed<MeetingPlace>, retired: bool| retire_write.dispatch((p, retired));

    view! {
        <div class="place-settings" data-testid="place-settings">
            {move || match mode.get() {
                Mode::Edit(existing) => view! {
                    <PlaceForm lab=lab existing=existing saved=saved on_done=Callback::new(move |_| mode.set(Mode::List))/>
                }.into_any(),
                Mode::List => view! {
                    <div class="list-head">
                        <h2>{t!(i18n, setup_tab_places)}</h2>
                        <button type="button" class="primary" data-testid="place-new"
                            on:click=move |_| { saved.set(None); mode.set(Mode::Edit(None)); }>{t!(i18n, place_new)}</button>
                    </div>
                    <p class="muted">{t!(i18n, place_settings_hint)}</p>
                    <ul class="setup-list">
                        {move || {
                            let list = match places.get() {
                                Some(Ok(list)) => list,
                                Some(Err(error)) => return view! { <li><ReadError what=Reading::Places error=error/></li> }.into_any(),
                                None => Vec::new(),
                            };
                            if list.is_empty() {
                                return view! { <li class="muted" data-testid="place-none">{t!(i18n, place_none)}</li> }.into_any();
                            }
                            list.into_iter().map(|p| {
                                let for_edit = p.clone();
                                let for_retire = p.clone();
                                let retired = p.data.retired;
                                let summary = hours_summary(&p.data, english());
                                let bands = p.data.age_bands.iter().map(|b| band_label(*b, english())).collect::<Vec<_>>().join(", ");
                                view! {
                                    <li class="setup-item" class:retired=retired data-testid="place-item" data-place-id=p.id.to_string()
                                        data-retired=retired.to_string()>
                                        <div>
                                            <strong>{p.data.name.clone()}</strong>
                                            <crate::components::unsynced::UnsyncedMark id=p.id ids=unsynced/>
                                            {retired.then(|| view! { " " <span class="badge off">{t!(i18n, retired_badge)}</span> })}
                                            <div class="muted">{p.data.target_group.clone()}</div>
                                            <div class="muted">{if summary.is_empty() { t_string!(i18n, hours_none).to_string() } else { summary }}</div>
                                            <div class="muted">{bands}</div>
                                        </div>
                                        <div class="row">
                                            <button type="button" class="secondary" data-testid="place-edit"
                                                on:click=move |_| { saved.set(None); mode.set(Mode::Edit(Some(for_edit.clone()))); }>{t!(i18n, edit)}</button>
                                            {if retired {
                                                view! { <button type="button" class="secondary" data-testid="place-restore"
                                                    on:click=move |_| retire(for_retire.clone(), false)>{t!(i18n, restore_retired)}</button> }.into_any()
                                            } else {
                                                view! { <button type="button" class="secondary danger" data-testid="place-retire"
                                                    on:click=move |_| retire(for_retire.clone(), true)>{t!(i18n, retire)}</button> }.into_any()
                                            }}
                                        </div>
                                    </li>
                                }
                            }).collect_view().into_any()
                        }}
                    </ul>
                }.into_any(),
            }}
            <p class="notice" role="status" data-testid="place-settings-saved" hidden=move || saved.get().is_none()>
                {move || saved.get().unwrap_or_default()}
            </p>
        </div>
    }
}

#[component]
fn PlaceForm(
    lab: Uuid,
    existing: Option<Typed<MeetingPlace>>,
    saved: RwSignal<Option<String>>,
    on_done: Callback<()>,
) -> impl IntoView {
    let engine = expect_context::<SyncEngine>();
    let i18n = use_i18n();
    let english = move || i18n.get_locale() == Locale::en;
    let is_new = existing.is_none();
    let id = existing.as_ref().map_or_else(Uuid::now_v7, |p| p.id);
    let base: Option<MeetingPlace> = existing.as_ref().map(|p| p.data.clone());
    let b = base.clone().unwrap_or(MeetingPlace {
        name: String::new(),
        opening_hours: Vec::new(),
        target_group: String::new(),
        age_bands: Vec::new(),
        catchment_population: None,
        gender_split: false,
        count_rule: CountRule::EveryEntry,
        exceptions: Vec::new(),
        retired: false,
    });
    let name = RwSignal::new(b.name.clone());
    let target_group = RwSignal::new(b.target_group.clone());
    let bands = RwSignal::new(b.age_bands.clone());
    let catchment = RwSignal::new(b.catchment_population.map(|c| c.to_string()).unwrap_or_default());
    let hours = WeeklyHours::new(&b.opening_hours);
    let exceptions = Exceptions::new(&b.exceptions);
    let split = RwSignal::new(b.gender_split);
    let rule = RwSignal::new(b.count_rule);
    let retired = b.retired;
    let error = RwSignal::new(None::<FormError>);
    let base = StoredValue::new(base);

    // Saving is a write through an action; its failure shows where the form's own errors do.
    let save_write = Write::new(move |place: &MeetingPlace| {
        let place = place.clone();
        async move {
            let changed = records::save_edit(RecordKind::MeetingPlace, id, lab, base.get_value().as_ref(), &place)
                .await
                .map_err(|e| format!("{}: {e}", t_string!(i18n, save_failed)))?;
            if changed {
                engine.local_write();
            }
            saved.set(Some(t_string!(i18n, place_settings_saved, name = place.name.clone()).to_string()));
            on_done.run(());
            Ok(())
        }
    });
    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        saved.set(None);
        save_write.clear();
        let catchment_population = match catchment.get_untracked().trim() {
            "" => None,
            s => match s.replace([' ', '\u{202f}'], "").parse::<u32>() {
                Ok(n) => Some(n),
                Err(_) => {
                    return error.set(Some(FormError::at(
                        "invånare i upptagningsområdet",
                        t_string!(i18n, error_whole_number).to_string(),
                    )))
                }
            },
        };
        let place = MeetingPlace {
            name: name.get_untracked().trim().to_owned(),
            opening_hours: hours.value(),
            target_group: target_group.get_untracked().trim().to_owned(),
            // Youngest first, as the counter shows them.
            age_bands: AgeBand::ALL.into_iter().filter(|b| bands.get_untracked().contains(b)).collect(),
            catchment_population,
            gender_split: split.get_untracked(),
            count_rule: rule.get_untracked(),
            exceptions: exceptions.value(),
            retired,
        };
        if let Err(e) = labblogg_shared::validate::meeting_place(&place) {
            let mut e: FormError = e.into();
            if e.field.is_some_and(|f| f.starts_with("öppettider (")) {
                e.message = t_string!(i18n, place_rule_needs_hours).to_string();
            }
            return error.set(Some(e));
        }
        error.set(None);
        save_write.dispatch(place);
    };

    view! {
        <form class="activity-form place-form" data-testid="place-form" data-place-id=id.to_string() on:submit=save>
            <h2>{move || if is_new { t_string!(i18n, place_new).to_string() } else { t_string!(i18n, place_edit).to_string() }}</h2>
            <div class="row">
                <div class="field"><label for="place-name">{t!(i18n, place_name)}</label>
                    <input id="place-name" data-testid="place-name" required maxlength="120" aria-invalid=invalid(error, NAME)
                        aria-describedby="place-name-error" bind:value=name/>
                    <FieldError error=error fields=NAME id="place-name-error" testid="place-settings-error"/></div>
                <div class="field"><label for="place-target-group">{t!(i18n, place_target_group)}</label>
                    <input id="place-target-group" data-testid="place-target-group" maxlength="200" aria-invalid=invalid(error, TARGET)
                        placeholder=move || t_string!(i18n, place_target_group_hint).to_string()
                        aria-describedby="place-target-error" bind:value=target_group/>
                    <FieldError error=error fields=TARGET id="place-target-error" testid="place-settings-error"/></div>
            </div>
            <fieldset>
                <legend>{t!(i18n, place_age_bands)}</legend>
                <p class="muted">{t!(i18n, place_age_bands_hint)}</p>
                <div class="chips">
                    {AgeBand::ALL.into_iter().map(|band| view! {
                        <label class="chip"><input type="checkbox" data-testid="place-age-band" value=band.as_str()
                            prop:checked=move || bands.get().contains(&band)
                            on:change=crate::components::chips::toggle_set(bands, band)/>
                            <span>{move || band_label(band, english())}</span></label>
                    }).collect_view()}
                </div>
                <FieldError error=error fields=BANDS id="place-bands-error" testid="place-settings-error"/>
            </fieldset>
            <div class="field narrow"><label for="place-catchment">{t!(i18n, place_catchment)}</label>
                <input id="place-catchment" data-testid="place-catchment" inputmode="numeric" autocomplete="off"
                    aria-invalid=invalid(error, CATCHMENT) aria-describedby="place-catchment-hint place-catchment-error" bind:value=catchment/>
                <span class="muted" id="place-catchment-hint">{t!(i18n, place_catchment_hint)}</span>
                <FieldError error=error fields=CATCHMENT id="place-catchment-error" testid="place-settings-error"/></div>
            <fieldset>
                <legend>{t!(i18n, place_hours)}</legend>
                <p class="muted">{t!(i18n, place_hours_hint)}</p>
                <WeeklyHoursEditor hours=hours/>
                <FieldError error=error fields=HOURS id="place-hours-error" testid="place-settings-error"/>
            </fieldset>
            <fieldset>
                <legend>{t!(i18n, place_exceptions)}</legend>
                <p class="muted">{t!(i18n, place_exceptions_hint)}</p>
                <ExceptionsEditor exceptions=exceptions/>
                <FieldError error=error fields=EXCEPTIONS id="place-exceptions-error" testid="place-settings-error"/>
            </fieldset>
            <fieldset>
                <legend>{t!(i18n, place_settings_title)}</legend>
                <label class="toggle">
                    <input type="checkbox" data-testid="place-gender-split" bind:checked=split/>
                    <span>{t!(i18n, place_gender_split)}</span>
                </label>
                <fieldset class="rule-choice">
                    <legend>{t!(i18n, count_rule_title)}</legend>
                    {CountRule::ALL.into_iter().map(|r| view! {
                        <label class="radio">
                            <input type="radio" name=format!("count-rule-{id}") value=r.as_str() data-testid="place-count-rule"
                                prop:checked=move || rule.get() == r
                                on:change=move |_| rule.set(r)/>
                            <span>{move || count_rule_label(r, i18n.get_locale())}</span>
                        </label>
                    }).collect_view()}
                </fieldset>
            </fieldset>
            <FormErrorLine error=error fields=ALL testid="place-settings-error"/>
            {move || save_write.error().map(|e| view! { <p class="error" role="alert" data-testid="place-settings-error">{e}</p> })}
            <div class="row form-actions">
                <button type="submit" class="primary" data-testid="place-settings-save">{t!(i18n, place_settings_save)}</button>
                <button type="button" class="secondary" data-testid="place-cancel" on:click=move |_| on_done.run(())>{t!(i18n, cancel)}</button>
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
    fn swedish_count_rules_are_the_shared_labels() {
        for r in CountRule::ALL {
            assert_eq!(count_rule_label(r, Locale::sv), r.label_sv());
        }
    }
}
