//! The visit counter (besöksräknare): one big button per age band (or, when
//! the lab has switched on the gender split, one per band and gender),
//! today's counts always visible, undo of the last tap for a few seconds.
//! A place that counts once per opening session shows the session under way,
//! its visitor count, and a "coming back" action that stores nothing.

use crate::components::read_error::{ReadError, Reading};
use crate::context::SessionCtx;
use crate::i18n::*;
use crate::labels::band_label;
use crate::sync::SyncEngine;
use crate::write::Write;
use crate::{clock, session, store};
use gloo_storage::{SessionStorage, Storage};
use gloo_timers::callback::Interval;
use gloo_timers::callback::Timeout;
use labblogg_shared::model::{CountRule, MeetingPlace, OpeningHours, Visit};
use labblogg_shared::validate::minutes_of_day;
use labblogg_shared::{AgeBand, Gender, RecordKind, RecordState};
use leptos::prelude::*;
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

/// One of today's visits, as the counter counts it.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Tap {
    band: AgeBand,
    gender: Option<Gender>,
    /// Local minutes after midnight, to place the visit in an opening session.
    minute: u32,
}

fn taps_of(visits: &[RecordState]) -> Vec<Tap> {
    visits
        .iter()
        .filter_map(|v| {
            let visit: Visit = serde_json::from_value(serde_json::Value::Object(v.fields.clone())).ok()?;
            let (_, hhmm) = clock::local(visit.at_ms.max(0) as u64);
            Some(Tap { band: visit.age_band, gender: visit.gender, minute: minutes_of_day(&hhmm).unwrap_or(0) })
        })
        .collect()
}

/// The gender buttons of a split counter, in order; `None` is "not stated".
const GENDERS: [Option<Gender>; 4] = [Some(Gender::Girl), Some(Gender::Boy), Some(Gender::Other), None];

/// A gender as a counter button reads it: girl/boy for children and youth,
/// woman/man for adults.
fn gender_label(i18n: leptos_i18n::I18nContext<Locale>, band: AgeBand, gender: Option<Gender>) -> String {
    let adult = band >= AgeBand::Age20To25;
    match gender {
        Some(Gender::Girl) if adult => t_string!(i18n, gender_woman).to_string(),
        Some(Gender::Girl) => t_string!(i18n, gender_girl).to_string(),
        Some(Gender::Boy) if adult => t_string!(i18n, gender_man).to_string(),
        Some(Gender::Boy) => t_string!(i18n, gender_boy).to_string(),
        Some(Gender::Other) => t_string!(i18n, gender_other).to_string(),
        None => t_string!(i18n, gender_unstated).to_string(),
    }
}

/// Today's ISO weekday (1 = Monday) and local minute.
fn now_local() -> (u8, u32) {
    let d = js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(clock::now_ms() as f64));
    let weekday = match d.get_day() {
        0 => 7,
        n => n as u8,
    };
    (weekday, d.get_hours() * 60 + d.get_minutes())
}

/// Where this tab keeps the re-entry tally of a place's session (or of the
/// day, outside opening hours).
fn reentry_key(place: Uuid, session: Option<&OpeningHours>) -> String {
    format!("labblogg.reentries.{place}.{}.{}", clock::today(), session.map_or("day", |s| s.opens.as_str()))
}

fn in_session(session: &OpeningHours, minute: u32) -> bool {
    matches!((minutes_of_day(&session.opens), minutes_of_day(&session.closes)), (Some(o), Some(c)) if o <= minute && minute < c)
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
                out.extend(store::live_in_lab(RecordKind::MeetingPlace, lab).await?.iter().filter_map(place_of));
            }
            out.sort_by(|a, b| a.data.name.cmp(&b.data.name));
            Ok::<_, store::StoreError>(out)
        }
    });
    // A memo, so the counter is rebuilt only when the place itself changes,
    // not on every local write (which would reset the undo button and focus).
    // A retired place has no counter (its visits stay in the reports).
    let place = Memo::new(move |_| {
        let id = chosen.get()?;
        places.get().and_then(Result::ok).and_then(|ps| ps.into_iter().find(|p| p.id == id && !p.data.retired))
    });
    // The tablet's place was retired: choose again among those in use.
    Effect::new(move |_| {
        if let (Some(id), Some(Ok(ps))) = (chosen.get(), places.get()) {
            if ps.iter().any(|p| p.id == id && p.data.retired) {
                chosen.set(None);
            }
        }
    });

    view! {
        {move || match (chosen.get(), place.get()) {
            (_, Some(p)) => view! { <VisitCounter place=p engine=engine/> }.into_any(),
            (picked, None) => match places.get() {
                Some(Err(error)) => view! { <section class="card"><ReadError what=Reading::Places error=error/></section> }.into_any(),
                Some(Ok(ps)) if picked.is_none() => view! { <PlacePicker places=ps.into_iter().filter(|p| !p.data.retired).collect() chosen=chosen/> }.into_any(),
                _ => view! { <p class="card muted" data-testid="loading">{t!(i18n, loading_place)}</p> }.into_any(),
            },
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
            {places.is_empty().then(|| view! { <p class="notice" data-testid="counter-no-places">{t!(i18n, counter_no_places)}</p> })}
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
    let i18n = use_i18n();
    let closing = RwSignal::new(false);
    let evening_saved = RwSignal::new(false);
    let place_name = place.data.name.clone();
    let split = place.data.gender_split;
    let rule = place.data.count_rule;
    let per_session = rule == CountRule::OncePerSession;
    // Re-entries are never logged: a tally for this tab and session only
    // (sessionStorage, so switching screens keeps it), so staff see the
    // button did something.
    let reentries = RwSignal::new(0u32);

    // The wall clock, to the minute: which opening session is under way.
    let now = RwSignal::new(now_local());
    let ticker = StoredValue::new_local(None::<Interval>);
    if per_session {
        ticker.set_value(Some(Interval::new(30_000, move || now.set(now_local()))));
    }
    let hours_for_session = place.data.clone();
    // Today's spans, the days that differ included (a holiday's hours, a closed day).
    let session = Memo::new(move |_| {
        let (_, minute) = now.get();
        hours_for_session.session_on(&clock::today(), minute).map(|(o, c)| OpeningHours {
            weekday: now_local().0,
            opens: format!("{:02}:{:02}", o / 60, o % 60),
            closes: format!("{:02}:{:02}", c / 60, c % 60),
        })
    });
    if per_session {
        Effect::new(move |_| {
            let key = reentry_key(place_id, session.get().as_ref());
            reentries.set(SessionStorage::get(&key).unwrap_or(0));
        });
    }
    let reentry = move |_| {
        let n = reentries.get_untracked() + 1;
        reentries.set(n);
        let _ = SessionStorage::set(reentry_key(place_id, session.get_untracked().as_ref()), n);
    };

    let taps = LocalResource::new(move || {
        let _ = engine.data_version.get();
        async move { store::live_at_place_on(RecordKind::Visit, place_id, &clock::today()).await.map(|v| taps_of(&v)) }
    });
    let total = move || taps.with(|t| t.as_ref().and_then(|r| r.as_ref().ok()).map_or(0, |t| t.len()));
    let band_count = move |b: AgeBand| {
        taps.with(|t| t.as_ref().and_then(|r| r.as_ref().ok()).map_or(0, |t| t.iter().filter(|x| x.band == b).count()))
    };
    let cell_count = move |b: AgeBand, g: Option<Gender>| {
        taps.with(|t| {
            t.as_ref()
                .and_then(|r| r.as_ref().ok())
                .map_or(0, |t| t.iter().filter(|x| x.band == b && x.gender == g).count())
        })
    };
    let session_count = move || {
        let Some(s) = session.get() else { return 0 };
        taps.with(|t| {
            t.as_ref()
                .and_then(|r| r.as_ref().ok())
                .map_or(0, |t| t.iter().filter(|x| in_session(&s, x.minute)).count())
        })
    };

    let undo_write = Write::new(move |&id: &Uuid| async move {
        store::write(RecordKind::Visit, id, lab_id, Default::default(), true, clock::now_ms())
            .await
            .map_err(|e| t_string!(i18n, counter_undo_failed, error = e.to_string()).to_string())?;
        engine.local_write();
        Ok(())
    });
    // Each tap is one run of the action (taps in quick succession run side by side); the last
    // run's failure is shown until a tap succeeds.
    let tap_write = Write::new(move |&(band, gender): &(AgeBand, Option<Gender>)| {
        let visit = Visit {
            meeting_place_id: place_id,
            at_ms: clock::now_ms() as i64,
            date: clock::today(),
            age_band: band,
            gender,
            first_visit: first_visit.get_untracked(),
        };
        let id = Uuid::now_v7();
        async move {
            let failed = |e: String| t_string!(i18n, counter_save_failed, error = e).to_string();
            let fields = match serde_json::to_value(&visit) {
                Ok(serde_json::Value::Object(m)) => m,
                Ok(_) => return Err(failed("?".into())),
                Err(e) => return Err(failed(e.to_string())),
            };
            store::write(RecordKind::Visit, id, lab_id, fields, false, clock::now_ms())
                .await
                .map_err(|e| failed(e.to_string()))?;
            undo_write.clear();
            first_visit.set(false);
            last_tap.set(Some(id));
            let t = Timeout::new(UNDO_MS, move || last_tap.set(None));
            undo_timer.set_value(Some(t));
            engine.local_write();
            Ok(())
        }
    });
    let tap = move |band: AgeBand, gender: Option<Gender>| tap_write.dispatch((band, gender));

    let undo = move |_| {
        let Some(id) = last_tap.get_untracked() else { return };
        last_tap.set(None);
        undo_write.dispatch(id);
    };
    let failure = move || tap_write.error().or_else(|| undo_write.error());

    let english = move || i18n.get_locale() == Locale::en;
    let weekday_name = move |weekday: u8| crate::labels::weekday_name(u32::from(weekday), english());
    let opening_hours = place.data.opening_hours.clone();
    let today_exception = place.data.exception_on(&clock::today()).cloned();
    let hours = move || {
        let weekly = opening_hours
            .iter()
            .map(|h| format!("{} {}–{}", weekday_name(h.weekday), h.opens, h.closes))
            .collect::<Vec<_>>()
            .join(" · ");
        match &today_exception {
            Some(e) if e.spans.is_empty() => format!("{weekly} — {} {}", t_string!(i18n, closed_today), e.note),
            Some(e) => format!(
                "{weekly} — {} {} {}",
                t_string!(i18n, today_hours),
                e.spans.iter().map(|s| format!("{}–{}", s.opens, s.closes)).collect::<Vec<_>>().join(", "),
                e.note
            ),
            None => weekly,
        }
    };
    let session_text = move || match session.get() {
        Some(s) => {
            let span = format!("{} {}–{}", weekday_name(s.weekday).to_lowercase(), s.opens, s.closes);
            t_string!(i18n, session_now, span = span).to_string()
        }
        None => t_string!(i18n, session_none).to_string(),
    };

    let bands = place.data.age_bands.clone();
    let buttons = if split {
        view! {
            <div class="bands split">
                {bands.into_iter().enumerate().map(|(i, band)| {
                    let head = format!("band-head-{i}");
                    view! {
                        <div class="band-group" role="group" data-testid="band-group" data-age-band=band.as_str()
                            aria-labelledby=head.clone()
                            aria-describedby=format!("{head}-hint")>
                            <div class="band-head">
                                <span class="band" id=head.clone()>{move || band_label(band, english())}</span>
                                <span class="band-count" data-testid="band-count">{move || t_string!(i18n, n_today, n = band_count(band)).to_string()}</span>
                                <span class="sr-only" id=format!("{head}-hint")>{move || t_string!(i18n, gender_group, band = band_label(band, english())).to_string()}</span>
                            </div>
                            <div class="gender-buttons">
                                {GENDERS.into_iter().map(|gender| view! {
                                    <button
                                        class=if gender.is_some() { "visit-button gender" } else { "visit-button gender unstated" }
                                        data-testid="visit-button"
                                        data-age-band=band.as_str()
                                        data-gender=gender.map_or("unstated", Gender::as_str)
                                        on:click=move |_| tap(band, gender)
                                    >
                                        <span class="plus" aria-hidden="true">"+1"</span>
                                        <span class="gender-name">{move || { let _ = english(); gender_label(i18n, band, gender) }}</span>
                                        <span class="gender-count" data-testid="gender-count">{move || cell_count(band, gender).to_string()}</span>
                                    </button>
                                }).collect_view()}
                            </div>
                        </div>
                    }
                }).collect_view()}
            </div>
        }
        .into_any()
    } else {
        view! {
            <div class="bands">
                {bands.into_iter().map(|band| view! {
                    <button
                        class="visit-button"
                        data-testid="visit-button"
                        data-age-band=band.as_str()
                        on:click=move |_| tap(band, None)
                    >
                        <span class="plus">"+1"</span>
                        <span class="band">{move || band_label(band, english())}</span>
                        <span class="band-count">{move || t_string!(i18n, n_today, n = band_count(band)).to_string()}</span>
                    </button>
                }).collect_view()}
            </div>
        }
        .into_any()
    };

    view! {
        <section class="counter" data-count-rule=rule.as_str() data-gender-split=split.to_string()>
            <div class="counter-head">
                <div>
                    <h1>{place.data.name.clone()}</h1>
                    <p class="muted">{hours}</p>
                </div>
                <div class="today" aria-live="polite">
                    <span class="today-label">{t!(i18n, visits_today)}</span>
                    <span class="today-count" data-testid="visits-today">
                        {move || if taps.with(|t| matches!(t, Some(Err(_)))) { "–".to_owned() } else { total().to_string() }}
                    </span>
                </div>
            </div>
            // Today's visits could not be read: say so rather than count from zero.
            {move || taps.get().and_then(Result::err).map(|error| view! { <ReadError what=Reading::Visits error=error/> })}
            {per_session.then(|| view! {
                <div class="count-rule" data-testid="count-rule" data-rule=rule.as_str()>
                    <div>
                        <p><strong>{t!(i18n, count_rule_title)}": "</strong>{t!(i18n, count_rule_once_per_session)}"."</p>
                        <p class="muted">{t!(i18n, rule_once_hint)}</p>
                        <p data-testid="session-now" data-open=move || session.get().is_some().to_string()>{session_text}</p>
                    </div>
                    <div class="session-figure" aria-live="polite">
                        <span class="today-label">{t!(i18n, session_visitors)}</span>
                        <span class="session-count" data-testid="visits-session">
                            {move || if session.get().is_some() { session_count().to_string() } else { "–".to_owned() }}
                        </span>
                    </div>
                </div>
            })}
            <label class="toggle">
                <input type="checkbox" data-testid="first-visit" bind:checked=first_visit/>
                <span>{t!(i18n, first_visit)}</span>
            </label>
            {buttons}
            {per_session.then(|| view! {
                <div class="reentry-row">
                    <button class="secondary reentry" data-testid="reentry" on:click=reentry>
                        {t!(i18n, reentry)}
                    </button>
                    <p class="muted" role="status" data-testid="reentry-count" data-count=move || reentries.get().to_string()>
                        {move || if reentries.get() > 0 {
                            format!("{} {}", t_string!(i18n, reentry_done), t_string!(i18n, reentry_count, n = reentries.get()))
                        } else {
                            String::new()
                        }}
                    </p>
                </div>
            })}
            <div class="undo-slot">
                <Show when=move || last_tap.get().is_some()>
                    <button class="secondary" data-testid="undo" on:click=undo>{t!(i18n, undo_last)}</button>
                </Show>
            </div>
            {move || failure().map(|f| view! { <p class="error" role="alert" data-testid="counter-error">{f}</p> })}
            {move || evening_saved.get().then(|| view! { <p class="notice" role="status" data-testid="evening-saved">{t!(i18n, evening_saved)}</p> })}
            <Show when=move || closing.get() fallback=move || view! {
                <button class="secondary" data-testid="close-evening" on:click=move |_| { evening_saved.set(false); closing.set(true); }>
                    {t!(i18n, close_evening)}
                </button>
            }>
                <crate::components::close_evening::CloseEvening place_id=place_id lab_id=lab_id place_name=place_name.clone()
                    on_done=Callback::new(move |saved| { closing.set(false); evening_saved.set(saved); })/>
            </Show>
            <CounterCompleteness place=place.clone() refresh=evening_saved/>
        </section>
    }
}

/// This month's (and an unapproved last month's) opening sessions at the
/// place that have no evening closing: "3 kvällar i mars saknar avslut".
#[derive(Debug, Clone, PartialEq)]
struct Unclosed {
    month: String,
    sessions: u64,
    /// The dates without a closing, oldest first.
    dates: Vec<String>,
}

/// How long (ms) a busy counter waits before reading the lab's records again.
const COMPLETENESS_EVERY_MS: u64 = 15_000;

#[component]
fn CounterCompleteness(place: Place, refresh: RwSignal<bool>) -> impl IntoView {
    let engine = expect_context::<SyncEngine>();
    let i18n = use_i18n();
    let english = move || i18n.get_locale() == Locale::en;
    let (place_id, lab_id) = (place.id, place.lab_id);
    // Evening places say "kvällar"; a place open in the day says "öppettillfällen".
    let evenings = !place.data.opening_hours.is_empty()
        && place.data.opening_hours.iter().all(|h| minutes_of_day(&h.opens).is_some_and(|m| m >= 15 * 60));
    let cached = StoredValue::new_local((0u64, Vec::<Unclosed>::new()));
    let months = LocalResource::new(move || {
        let _ = engine.data_version.get();
        let _ = refresh.get();
        async move {
            // Every tap moves the data version: read the lab again at most every few seconds.
            let (at, last) = cached.get_value();
            let now = clock::now_ms();
            if at > 0 && now.saturating_sub(at) < COMPLETENESS_EVERY_MS && !refresh.get_untracked() {
                return last;
            }
            // Unread, nothing is said about closings (rather than "all closed" from no data); the
            // counter above says the local copy could not be read.
            let Ok((states, tallies)) = store::summary_input(&[lab_id]).await else { return Vec::new() };
            let ds = labblogg_shared::summary::Dataset::from_states_and_tallies(states.iter(), tallies);
            let today = crate::quality::today_day();
            let this = labblogg_shared::calendar::month_index(today);
            let approvals = ds.approval_index();
            let mut out = Vec::new();
            for index in [this - 1, this] {
                let month = labblogg_shared::calendar::month_label_of_index(index);
                if approvals.is_approved(lab_id, &month) {
                    continue;
                }
                let Some((from, to)) = labblogg_shared::approval::month_days(&month) else { continue };
                let list = labblogg_shared::completeness::sessions(&ds, lab_id, Some(place_id), from, to, today);
                let dates: Vec<String> = list.iter().filter(|s| !s.closed).map(|s| s.date.clone()).collect();
                // Last month only when something is missing there.
                if index == this || !dates.is_empty() {
                    out.push(Unclosed { month, sessions: list.len() as u64, dates });
                }
            }
            cached.set_value((now, out.clone()));
            out
        }
    });
    view! {
        <div class="completeness" data-testid="counter-completeness">
            {move || months.get().unwrap_or_default().into_iter().filter(|u| u.sessions > 0).map(|u| {
                let en = english();
                let month = crate::labels::month_label(&u.month, en);
                let month = if en { month } else { month.to_lowercase() };
                let n = u.dates.len();
                let text = match (n, evenings) {
                    (0, true) => t_string!(i18n, counter_all_closed_evenings, n = u.sessions, month = month.clone()).to_string(),
                    (0, false) => t_string!(i18n, counter_all_closed_sessions, n = u.sessions, month = month.clone()).to_string(),
                    (1, true) => t_string!(i18n, counter_unclosed_evening_one, month = month.clone()).to_string(),
                    (1, false) => t_string!(i18n, counter_unclosed_session_one, month = month.clone()).to_string(),
                    (_, true) => t_string!(i18n, counter_unclosed_evenings, n = n, month = month.clone()).to_string(),
                    (_, false) => t_string!(i18n, counter_unclosed_sessions, n = n, month = month.clone()).to_string(),
                };
                let class = if n > 0 { "unclosed warning" } else { "unclosed" };
                view! {
                    <details class=class data-testid="counter-unclosed" data-month=u.month.clone() data-unclosed=n.to_string()
                        data-sessions=u.sessions.to_string()>
                        <summary>{text}</summary>
                        <p class="muted">{t!(i18n, counter_unclosed_hint)}</p>
                        <ul data-testid="counter-unclosed-list">
                            {u.dates.iter().map(|d| view! { <li>{crate::format::date(d, en)}</li> }).collect_view()}
                        </ul>
                    </details>
                }
            }).collect_view()}
        </div>
    }
}
