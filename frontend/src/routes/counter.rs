//! The visit counter (besöksräknare): one big button per age band, today's
//! counts always visible, undo of the last tap for a few seconds.

use crate::app::SessionCtx;
use crate::sync::SyncEngine;
use crate::i18n::*;
use crate::{clock, session, store};
use gloo_timers::callback::Timeout;
use labblogg_shared::model::{MeetingPlace, Visit};
use labblogg_shared::{AgeBand, RecordKind, RecordState};
use leptos::prelude::*;
use leptos::task::spawn_local;
use std::collections::BTreeMap;
use uuid::Uuid;

/// How long the undo button stays after a tap.
const UNDO_MS: u32 = 6_000;

#[derive(Debug, Clone, PartialEq)]
struct Place {
    id: Uuid,
    lab_id: Uuid,
    data: MeetingPlace,
}

fn place_of(state: &RecordState) -> Option<Place> {
    let data = serde_json::from_value(serde_json::Value::Object(state.fields.clone())).ok()?;
    Some(Place { id: state.id, lab_id: state.lab_id, data })
}

#[derive(Debug, Clone, Default, PartialEq)]
struct DayCounts {
    total: usize,
    by_band: BTreeMap<AgeBand, usize>,
}

fn day_counts(visits: &[RecordState]) -> DayCounts {
    let mut c = DayCounts::default();
    for v in visits {
        c.total += 1;
        if let Some(band) = v.fields.get("age_band").and_then(|b| serde_json::from_value::<AgeBand>(b.clone()).ok()) {
            *c.by_band.entry(band).or_default() += 1;
        }
    }
    c
}

const WEEKDAYS_SV: [&str; 7] = ["Måndag", "Tisdag", "Onsdag", "Torsdag", "Fredag", "Lördag", "Söndag"];
const WEEKDAYS_EN: [&str; 7] = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"];

/// An age band as a button reads it.
pub fn band_label(band: AgeBand, english: bool) -> String {
    if english {
        match band {
            AgeBand::Age65Plus => "65 and older".into(),
            b => format!("{} years", b.as_str().replace('-', "–")),
        }
    } else {
        band.label_sv().into()
    }
}

#[component]
pub fn Counter() -> impl IntoView {
    let SessionCtx(session) = expect_context::<SessionCtx>();
    let engine = expect_context::<SyncEngine>();
    let i18n = use_i18n();
    let chosen = RwSignal::new(
        session::chosen_place().or_else(|| session.get_untracked().and_then(|s| s.user.home_meeting_place)),
    );

    // Meeting places this user can count for, from the local copy.
    let places = LocalResource::new(move || {
        let _ = engine.data_version.get();
        let labs = session.get().map(|s| s.user.labs).unwrap_or_default();
        async move {
            let mut out = Vec::new();
            for lab in labs {
                out.extend(store::live_in_lab(RecordKind::MeetingPlace, lab).await.unwrap_or_default().iter().filter_map(place_of));
            }
            out.sort_by(|a, b| a.data.name.cmp(&b.data.name));
            out
        }
    });
    // A memo, so the counter is rebuilt only when the place itself changes,
    // not on every local write (which would reset the undo button and focus).
    let place = Memo::new(move |_| {
        let id = chosen.get()?;
        places.get().and_then(|ps| ps.into_iter().find(|p| p.id == id))
    });

    view! {
        {move || match (chosen.get(), place.get()) {
            (_, Some(p)) => view! { <VisitCounter place=p engine=engine/> }.into_any(),
            (None, None) => match places.get() {
                Some(ps) => view! { <PlacePicker places=ps chosen=chosen/> }.into_any(),
                None => view! { <p class="card muted" data-testid="loading">{t!(i18n, loading_place)}</p> }.into_any(),
            },
            (Some(_), None) => view! { <p class="card muted" data-testid="loading">{t!(i18n, loading_place)}</p> }.into_any(),
        }}
    }
}

#[component]
fn PlacePicker(places: Vec<Place>, chosen: RwSignal<Option<Uuid>>) -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <section class="card">
            <h1>{t!(i18n, choose_place)}</h1>
            <p class="muted">{t!(i18n, choose_place_hint)}</p>
            <ul class="place-list">
                {places.into_iter().map(|p| {
                    let id = p.id;
                    view! {
                        <li><button class="secondary" data-testid="choose-place"
                            on:click=move |_| { session::choose_place(id); chosen.set(Some(id)); }>
                            {p.data.name.clone()}
                        </button></li>
                    }
                }).collect_view()}
            </ul>
        </section>
    }
}

#[component]
fn VisitCounter(place: Place, engine: SyncEngine) -> impl IntoView {
    let place_id = place.id;
    let lab_id = place.lab_id;
    let first_visit = RwSignal::new(false);
    let last_tap = RwSignal::new(None::<Uuid>);
    let undo_timer = StoredValue::new_local(None::<Timeout>);
    let failure = RwSignal::new(None::<String>);
    let i18n = use_i18n();
    let closing = RwSignal::new(false);
    let evening_saved = RwSignal::new(false);
    let place_name = place.data.name.clone();

    let counts = LocalResource::new(move || {
        let _ = engine.data_version.get();
        async move {
            let visits = store::live_at_place_on(RecordKind::Visit, place_id, &clock::today()).await.unwrap_or_default();
            day_counts(&visits)
        }
    });
    let total = move || counts.get().map(|c| c.total).unwrap_or(0);
    let band_count = move |b: AgeBand| counts.get().and_then(|c| c.by_band.get(&b).copied()).unwrap_or(0);

    let tap = move |band: AgeBand| {
        let visit = Visit {
            meeting_place_id: place_id,
            at_ms: clock::now_ms() as i64,
            date: clock::today(),
            age_band: band,
            gender: None,
            first_visit: first_visit.get_untracked(),
        };
        let id = Uuid::now_v7();
        spawn_local(async move {
            let fields = match serde_json::to_value(&visit) {
                Ok(serde_json::Value::Object(m)) => m,
                _ => return,
            };
            match store::write(RecordKind::Visit, id, lab_id, fields, false, clock::now_ms()).await {
                Ok(_) => {
                    failure.set(None);
                    first_visit.set(false);
                    last_tap.set(Some(id));
                    let t = Timeout::new(UNDO_MS, move || last_tap.set(None));
                    undo_timer.set_value(Some(t));
                    engine.local_write();
                }
                Err(e) => failure.set(Some(format!("Besöket kunde inte sparas: {e}"))),
            }
        });
    };

    let undo = move |_| {
        let Some(id) = last_tap.get_untracked() else { return };
        last_tap.set(None);
        spawn_local(async move {
            match store::write(RecordKind::Visit, id, lab_id, Default::default(), true, clock::now_ms()).await {
                Ok(_) => engine.local_write(),
                Err(e) => failure.set(Some(format!("Kunde inte ångra: {e}"))),
            }
        });
    };

    let english = move || i18n.get_locale() == Locale::en;
    let opening_hours = place.data.opening_hours.clone();
    let hours = move || {
        let days = if english() { WEEKDAYS_EN } else { WEEKDAYS_SV };
        opening_hours
            .iter()
            .map(|h| format!("{} {}–{}", days.get((h.weekday as usize).wrapping_sub(1)).unwrap_or(&""), h.opens, h.closes))
            .collect::<Vec<_>>()
            .join(" · ")
    };

    view! {
        <section class="counter">
            <div class="counter-head">
                <div>
                    <h1>{place.data.name.clone()}</h1>
                    <p class="muted">{hours}</p>
                </div>
                <div class="today" aria-live="polite">
                    <span class="today-label">{t!(i18n, visits_today)}</span>
                    <span class="today-count" data-testid="visits-today">{move || total().to_string()}</span>
                </div>
            </div>
            <label class="toggle">
                <input type="checkbox" data-testid="first-visit" bind:checked=first_visit/>
                <span>{t!(i18n, first_visit)}</span>
            </label>
            <div class="bands">
                {place.data.age_bands.iter().copied().map(|band| view! {
                    <button
                        class="visit-button"
                        data-testid="visit-button"
                        data-age-band=band.as_str()
                        on:click=move |_| tap(band)
                    >
                        <span class="plus">"+1"</span>
                        <span class="band">{move || band_label(band, english())}</span>
                        <span class="band-count">{move || t_string!(i18n, n_today, n = band_count(band)).to_string()}</span>
                    </button>
                }).collect_view()}
            </div>
            <div class="undo-slot">
                <Show when=move || last_tap.get().is_some()>
                    <button class="secondary" data-testid="undo" on:click=undo>{t!(i18n, undo_last)}</button>
                </Show>
            </div>
            {move || failure.get().map(|f| view! { <p class="error" role="alert">{f}</p> })}
            {move || evening_saved.get().then(|| view! { <p class="notice" role="status" data-testid="evening-saved">{t!(i18n, evening_saved)}</p> })}
            <Show when=move || closing.get() fallback=move || view! {
                <button class="secondary" data-testid="close-evening" on:click=move |_| { evening_saved.set(false); closing.set(true); }>
                    {t!(i18n, close_evening)}
                </button>
            }>
                <crate::routes::evening::CloseEvening place_id=place_id lab_id=lab_id place_name=place_name.clone()
                    on_done=Callback::new(move |saved| { closing.set(false); evening_saved.set(saved); })/>
            </Show>
        </section>
    }
}
