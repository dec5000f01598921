//! The visit counter's settings per meeting place, for the lab's
//! coordinators: the gender split and the counting rule. Saved like any
//! edit (on the device first, synced later), as the changed fields only; the
//! server checks again that the user coordinates the place's lab.

use crate::app::SessionCtx;
use crate::i18n::*;
use crate::records::{self, Typed};
use crate::sync::SyncEngine;
use crate::{clock, store};
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
    // Outside the forms: a form is rebuilt when its place's settings change
    // (after saving too), and the notice must outlive that.
    let saved = RwSignal::new(None::<String>);
    let shown = move || places.with(|p| p.as_ref().is_some_and(|p| !p.is_empty()));
    view! {
        <Show when=shown>
            <h2>{t!(i18n, place_settings_title)}</h2>
            <p class="muted">{t!(i18n, place_settings_hint)}</p>
            <div class="place-settings" data-testid="place-settings">
                // Keyed on the settings too: a form keeps what is being chosen
                // while other records sync, and shows a change made elsewhere.
                <For each=move || places.get().unwrap_or_default()
                    key=|p| (p.id, p.data.gender_split, p.data.count_rule)
                    children=move |p| view! { <PlaceForm place=p saved=saved/> }/>
            </div>
            <p class="notice" role="status" data-testid="place-settings-saved" hidden=move || saved.get().is_none()>
                {move || saved.get().unwrap_or_default()}
            </p>
        </Show>
    }
}

#[component]
fn PlaceForm(place: Typed<MeetingPlace>, saved: RwSignal<Option<String>>) -> impl IntoView {
    let engine = expect_context::<SyncEngine>();
    let i18n = use_i18n();
    let split = RwSignal::new(place.data.gender_split);
    let rule = RwSignal::new(place.data.count_rule);
    let error = RwSignal::new(None::<String>);
    let (id, lab_id) = (place.id, place.lab_id);
    let name = place.data.name.clone();

    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        saved.set(None);
        let (gender_split, count_rule) = (split.get_untracked(), rule.get_untracked());
        spawn_local(async move {
            // Checked against the place as stored now, and only the two
            // settings are sent: other fields edited elsewhere stay as they are.
            let current = match store::record(id).await {
                Ok(Some(state)) => records::typed::<MeetingPlace>(&state),
                _ => None,
            };
            let Some(current) = current else {
                return error.set(Some("Mötesplatsen finns inte på enheten ännu. Vänta tills allt är synkat och försök igen.".into()));
            };
            let updated = MeetingPlace { gender_split, count_rule, ..current.data };
            if let Err(e) = labblogg_shared::validate::meeting_place(&updated) {
                return error.set(Some(format!("Inställningarna kunde inte sparas: {e}. Lägg in öppettider, eller välj att varje gång räknas.")));
            }
            let mut fields = serde_json::Map::new();
            fields.insert("gender_split".into(), serde_json::json!(gender_split));
            fields.insert("count_rule".into(), serde_json::json!(count_rule.as_str()));
            match store::write(RecordKind::MeetingPlace, id, lab_id, fields, false, clock::now_ms()).await {
                Ok(_) => {
                    error.set(None);
                    saved.set(Some(t_string!(i18n, place_settings_saved, name = updated.name).to_string()));
                    engine.local_write();
                }
                Err(e) => error.set(Some(format!("Inställningarna kunde inte sparas: {e}"))),
            }
        });
    };

    view! {
        <form class="place-form" data-testid="place-form" data-place-id=id.to_string() on:submit=save>
            <h3>{name}</h3>
            <label class="toggle">
                <input type="checkbox" data-testid="place-gender-split"
                    prop:checked=move || split.get() on:change=move |_| split.update(|s| *s = !*s)/>
                <span>{t!(i18n, place_gender_split)}</span>
            </label>
            <fieldset class="rule-choice">
                <legend>{t!(i18n, count_rule_title)}</legend>
                {CountRule::ALL.into_iter().map(|r| view! {
                    <label class="radio">
                        <input type="radio" name=format!("count-rule-{id}") value=r.as_str() data-testid="place-count-rule"
                            prop:checked=move || rule.get() == r
                            on:change=move |_| rule.set(r)/>
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
            </div>
        </form>
    }
}
