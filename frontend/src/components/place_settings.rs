//! The visit counter's settings per meeting place, for the lab's
//! coordinators: the gender split and the counting rule. Saved like any
//! edit (on the device first, synced later), as the changed fields only; the
//! server checks again that the user coordinates the place's lab.

use crate::app::SessionCtx;
use crate::i18n::*;
use crate::records::{self, Typed};
use crate::sync::SyncEngine;
use labblogg_shared::auth::LabRole;
use labblogg_shared::model::{CountRule, MeetingPlace};
use labblogg_shared::RecordKind;
use leptos::prelude::*;
use leptos::task::spawn_local;
use uuid::Uuid;

/// The places of the labs this user coordinates; nothing at all when none.
#[component]
pub fn PlaceSettings() -> impl IntoView {
    let SessionCtx(session) = expect_context::<SessionCtx>();
    let engine = expect_context::<SyncEngine>();
    let i18n = use_i18n();
    let places = LocalResource::new(move || {
        let _ = engine.data_version.get();
        let labs: Vec<Uuid> = session.with(|s| {
            s.as_ref()
                .map(|s| s.user.memberships.iter().filter(|m| m.role == LabRole::Coordinator).map(|m| m.lab_id).collect())
                .unwrap_or_default()
        });
        async move {
            let mut places = records::list::<MeetingPlace>(RecordKind::MeetingPlace, &labs).await;
            places.sort_by(|a, b| a.data.name.cmp(&b.data.name));
            places
        }
    });
    view! {
        {move || {
            let list = places.get().unwrap_or_default();
            (!list.is_empty()).then(|| view! {
                <h2>{t!(i18n, place_settings_title)}</h2>
                <p class="muted">{t!(i18n, place_settings_hint)}</p>
                <div class="place-settings" data-testid="place-settings">
                    {list.into_iter().map(|p| view! { <PlaceForm place=p/> }).collect_view()}
                </div>
            })
        }}
    }
}

#[component]
fn PlaceForm(place: Typed<MeetingPlace>) -> impl IntoView {
    let engine = expect_context::<SyncEngine>();
    let i18n = use_i18n();
    let split = RwSignal::new(place.data.gender_split);
    let rule = RwSignal::new(place.data.count_rule);
    let error = RwSignal::new(None::<String>);
    let saved = RwSignal::new(false);
    let (id, lab_id) = (place.id, place.lab_id);
    let name = place.data.name.clone();
    let base = place.data.clone();

    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let updated = MeetingPlace { gender_split: split.get_untracked(), count_rule: rule.get_untracked(), ..base.clone() };
        if let Err(e) = labblogg_shared::validate::meeting_place(&updated) {
            saved.set(false);
            return error.set(Some(format!("Inställningarna kunde inte sparas: {e}.")));
        }
        error.set(None);
        spawn_local(async move {
            match records::save(RecordKind::MeetingPlace, id, lab_id, &updated).await {
                Ok(_) => {
                    saved.set(true);
                    engine.local_write();
                }
                Err(e) => error.set(Some(format!("Inställningarna kunde inte sparas: {e}"))),
            }
        });
    };

    view! {
        <form class="place-form" data-testid="place-form" data-place-id=id.to_string() on:submit=save>
            <h3>{name.clone()}</h3>
            <label class="toggle">
                <input type="checkbox" data-testid="place-gender-split"
                    prop:checked=move || split.get() on:change=move |_| { saved.set(false); split.update(|s| *s = !*s); }/>
                <span>{t!(i18n, place_gender_split)}</span>
            </label>
            <fieldset class="rule-choice">
                <legend>{t!(i18n, count_rule_title)}</legend>
                {CountRule::ALL.into_iter().map(|r| view! {
                    <label class="radio">
                        <input type="radio" name=format!("count-rule-{id}") value=r.as_str() data-testid="place-count-rule"
                            prop:checked=move || rule.get() == r
                            on:change=move |_| { saved.set(false); rule.set(r); }/>
                        <span>{move || match r {
                            CountRule::EveryEntry => t_string!(i18n, count_rule_every_entry),
                            CountRule::OncePerSession => t_string!(i18n, count_rule_once_per_session),
                        }}</span>
                    </label>
                }).collect_view()}
            </fieldset>
            {move || error.get().map(|e| view! { <p class="error" role="alert" data-testid="place-settings-error">{e}</p> })}
            <div class="row">
                <button type="submit" class="primary" data-testid="place-settings-save">{t!(i18n, place_settings_save)}</button>
                <p class="notice" role="status" data-testid="place-settings-saved" hidden=move || !saved.get()>
                    {t!(i18n, place_settings_saved, name = name.clone())}
                </p>
            </div>
        </form>
    }
}
