//! Activities: log one in under a minute, find recent ones, edit or delete.

use crate::components::activity_form::ActivityForm;
use crate::components::read_error::{read_failed_text, ReadError, Reading};
use crate::context::SessionCtx;
use crate::i18n::*;
use crate::labels::{kind_label, wire};
use crate::records::{self, Typed};
use crate::sync::SyncEngine;
use crate::write::Write;
use crate::{clock, format, session};
use labblogg_shared::model::{Activity, ActivityKind, MeetingPlace};
use labblogg_shared::RecordKind;
use leptos::prelude::*;
use uuid::Uuid;

/// What the screen shows, from its URL: the list (`/aktiviteter`), the form for a new
/// activity (`/aktiviteter/ny`) or for an existing one (`/aktiviteter/<id>`), so the back
/// gesture leaves a form for the list and a reload or a link opens the same activity.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Mode {
    List,
    New,
    Existing(Uuid),
    /// An id that is no activity's (a mistyped link).
    Unknown,
}

/// The path segment of a new activity's form.
const NEW: &str = "ny";

impl Mode {
    fn of(segment: Option<&str>) -> Mode {
        match segment {
            None | Some("") => Mode::List,
            Some(NEW) => Mode::New,
            Some(id) => Uuid::parse_str(id).map(Mode::Existing).unwrap_or(Mode::Unknown),
        }
    }
}

/// A new activity like `a` today: what it was, when in the day, with whom
/// and for which goals; who came, notes and lessons are this time's own, and
/// a closing poll's tallies belong to that evening.
pub fn repeat_of(a: &Activity, today: &str) -> Activity {
    Activity {
        date: today.to_owned(),
        participants: Vec::new(),
        first_timers: 0,
        notes: String::new(),
        lessons_learned: String::new(),
        poll: None,
        // A flag is about the values entered that time, which are not repeated.
        flag: None,
        answers: Vec::new(),
        ..a.clone()
    }
}

/// The latest activity of each kind (at `place`, if one is chosen), newest
/// kinds first, at most `n`: what "Upprepa senaste" offers.
pub fn latest_per_kind(list: &[Typed<Activity>], place: Option<Uuid>, n: usize) -> Vec<Typed<Activity>> {
    let mut seen = Vec::new();
    let mut out = Vec::new();
    // `list` is newest first.
    for a in list.iter().filter(|a| place.is_none() || a.data.meeting_place_id == place) {
        if !seen.contains(&a.data.kind) {
            seen.push(a.data.kind);
            out.push(a.clone());
            if out.len() == n {
                break;
            }
        }
    }
    out
}

#[component]
pub fn Activities() -> impl IntoView {
    let SessionCtx(session) = expect_context::<SessionCtx>();
    let engine = expect_context::<SyncEngine>();
    let i18n = use_i18n();
    let english = move || i18n.get_locale() == Locale::en;
    let params = leptos_router::hooks::use_params_map();
    let mode = Memo::new(move |_| params.with(|p| Mode::of(p.get("id").as_deref())));
    // A new activity's form prefilled from another (or from the place's opening hours), and its lab.
    let template = RwSignal::new(None::<(Box<Activity>, Uuid)>);
    // Whether a form was opened from the list in this visit: closing it then goes back in the
    // browser's history (the list stays where it was); opened from a link, it goes to the list.
    let from_list = StoredValue::new(false);
    let navigate = leptos_router::hooks::use_navigate();
    let go = Callback::new({
        let navigate = navigate.clone();
        move |to: String| {
            from_list.set_value(true);
            navigate(&to, Default::default());
        }
    });
    let open_new = Callback::new(move |prefill: Option<(Box<Activity>, Uuid)>| {
        template.set(prefill);
        go.run(format!("/aktiviteter/{NEW}"));
    });
    let close_form = Callback::new(move |_: ()| {
        if from_list.get_value() {
            from_list.set_value(false);
            if let Some(history) = web_sys::window().and_then(|w| w.history().ok()) {
                let _ = history.back();
                return;
            }
        }
        navigate("/aktiviteter", leptos_router::NavigateOptions { replace: true, ..Default::default() });
    });
    let search = RwSignal::new(String::new());
    let kind_filter = RwSignal::new(String::new());
    let confirm_delete = RwSignal::new(None::<Uuid>);
    // The activity just saved: the list says "Sparat" and marks it (#16).
    let saved = RwSignal::new(None::<Uuid>);
    let unsynced = crate::components::unsynced::unsynced_ids();
    // Whichever way the screen turns (form or list), it starts at its top, not where the other one was scrolled.
    Effect::watch(
        move || mode.get(),
        move |_, _, _| {
            if !matches!(mode.get_untracked(), Mode::List) {
                saved.set(None);
            }
            if let Some(w) = web_sys::window() {
                w.scroll_to_with_x_and_y(0.0, 0.0);
            }
        },
        false,
    );
    let on_saved = Callback::new(move |id: Uuid| saved.set(Some(id)));

    let labs = move || session.get().map(|s| s.user.labs).unwrap_or_default();
    let activities = LocalResource::new(move || {
        let _ = engine.data_version.get();
        let labs = labs();
        async move {
            let mut list = records::list::<Activity>(RecordKind::Activity, &labs).await?;
            list.sort_by(|a, b| (b.data.date.as_str(), b.id).cmp(&(a.data.date.as_str(), a.id)));
            Ok::<_, crate::store::StoreError>(list)
        }
    });
    // A failed read shows as such in the list (never as "no activities"); these see none.
    let listed = move || activities.get().and_then(Result::ok).unwrap_or_default();
    let shown = move || {
        let q = search.get().to_lowercase();
        let k = kind_filter.get();
        listed()
            .into_iter()
            .filter(|a| k.is_empty() || wire(&a.data.kind) == k)
            .filter(|a| {
                q.is_empty()
                    || a.data.title.to_lowercase().contains(&q)
                    || a.data.notes.to_lowercase().contains(&q)
                    || a.data.lessons_learned.to_lowercase().contains(&q)
            })
            .take(100)
            .collect::<Vec<_>>()
    };

    // Approved months, so a delete there is stopped here rather than refused by the server.
    let locks = LocalResource::new(move || {
        let _ = engine.data_version.get();
        let labs = labs();
        async move { crate::quality::Locks::of(&labs).await }
    });
    let list_error = RwSignal::new(None::<String>);

    // The tablet's meeting place: the last activities held there, and today's opening hours.
    let place_id = session::chosen_place();
    let place = LocalResource::new(move || async move {
        let id = place_id?;
        crate::store::record(id)
            .await
            .ok()
            .flatten()
            .and_then(|s| records::typed::<MeetingPlace>(&s))
            .filter(|p| !p.data.retired)
    });
    let repeats = move || latest_per_kind(&listed(), place_id, 3);
    // On a day the place is open, its open evening is offered ready to log,
    // unless one is logged for today already.
    let open_evening = move || {
        let place = place.get().flatten()?;
        let today = clock::today();
        let spans = place.data.spans_on(&today);
        let (first, last) = (spans.first()?.0, spans.last()?.1);
        let list = listed();
        let at_place = |a: &&Typed<Activity>| {
            a.data.meeting_place_id == Some(place.id) && a.data.kind == ActivityKind::OpenEvening
        };
        if list.iter().filter(at_place).any(|a| a.data.date == today) {
            return None;
        }
        let hhmm = |m: u32| format!("{:02}:{:02}", m / 60, m % 60);
        let last_one = list.iter().find(at_place).map(|a| repeat_of(&a.data, &today));
        let template = Activity {
            start_time: Some(hhmm(first)),
            end_time: Some(hhmm(last)),
            ..last_one.unwrap_or(Activity {
                meeting_place_id: Some(place.id),
                kind: ActivityKind::OpenEvening,
                title: kind_label(ActivityKind::OpenEvening, false),
                date: today.clone(),
                start_time: None,
                end_time: None,
                participants: Vec::new(),
                first_timers: 0,
                partner_ids: Vec::new(),
                goal_ids: Vec::new(),
                staff_hours: 0.0,
                volunteer_hours: 0.0,
                notes: String::new(),
                lessons_learned: String::new(),
                poll: None,
                flag: None,
                answers: Vec::new(),
            })
        };
        Some((place.data.name.clone(), format!("{}–{}", hhmm(first), hhmm(last)), template, place.lab_id))
    };

    // A delete is a write through an action: its failure is said where a locked month's is.
    let delete_write = Write::new(move |a: &Typed<Activity>| {
        let (id, lab_id) = (a.id, a.lab_id);
        async move {
            records::delete(RecordKind::Activity, id, lab_id).await.map_err(|e| e.to_string())?;
            engine.local_write();
            Ok(())
        }
    });
    let delete = move |a: Typed<Activity>| {
        confirm_delete.set(None);
        let why = match locks.get_untracked() {
            Some(Ok(l)) => l.locked(a.lab_id, &a.data.date),
            Some(Err(_)) => Some(read_failed_text(i18n, Reading::Records)),
            None => None,
        };
        if let Some(why) = why {
            return list_error.set(Some(why));
        }
        list_error.set(None);
        saved.set(None);
        delete_write.dispatch(a);
    };

    // The activity a form at `/aktiviteter/<id>` edits: read once, so a sync that brings a
    // newer version does not take the form out from under what is being typed. `None` while
    // the list is read, `Some(None)` if no activity has that id.
    let editing = Memo::new(move |prev: Option<&Option<Option<Typed<Activity>>>>| {
        let Mode::Existing(id) = mode.get() else { return None };
        if let Some(Some(Some(found))) = prev {
            if found.id == id {
                return Some(Some(found.clone()));
            }
        }
        match activities.get() {
            None => None,
            Some(Err(_)) => Some(None),
            Some(Ok(list)) => Some(list.into_iter().find(|a| a.id == id)),
        }
    });

    view! {
        {move || match mode.get() {
            Mode::New => {
                let (template, lab) = match template.get_untracked() {
                    Some((t, lab)) => (Some(*t), Some(lab)),
                    None => (None, None),
                };
                match (template, lab) {
                    (Some(template), Some(lab)) => view! {
                        <ActivityForm existing=None template=template template_lab=lab on_saved=on_saved on_done=close_form/>
                    }.into_any(),
                    _ => view! { <ActivityForm existing=None on_saved=on_saved on_done=close_form/> }.into_any(),
                }
            }
            Mode::Existing(_) => view! {
                {move || match editing.get() {
                    None => view! { <p class="card muted" data-testid="activity-loading">{t!(i18n, loading)}</p> }.into_any(),
                    Some(Some(existing)) => view! {
                        <ActivityForm existing=Some(existing) on_saved=on_saved on_done=close_form/>
                    }.into_any(),
                    Some(None) => view! { <ActivityMissing/> }.into_any(),
                }}
            }.into_any(),
            Mode::Unknown => view! { <ActivityMissing/> }.into_any(),
            Mode::List => view! {
                <section class="card">
                    <div class="list-head">
                        <h1>{t!(i18n, activities_title)}</h1>
                        <button class="primary" data-testid="activity-new" on:click=move |_| open_new.run(None)>
                            {t!(i18n, activity_new)}
                        </button>
                    </div>
                    // What the lists read comes in together, so nothing already shown moves down
                    // as the offer, the repeat buttons and the list fill in (layout shift).
                    <Transition fallback=move || view! { <p class="muted" data-testid="activity-loading">{t!(i18n, loading)}</p> }>
                    {move || open_evening().map(|(name, span, template, lab)| view! {
                        <div class="notice open-evening" data-testid="activity-open-evening-offer">
                            <span>{t!(i18n, open_evening_offer, place = name, span = span)}</span>
                            <button class="primary" data-testid="activity-open-evening"
                                on:click=move |_| open_new.run(Some((Box::new(template.clone()), lab)))>{t!(i18n, open_evening_log)}</button>
                        </div>
                    })}
                    {move || {
                        let list = repeats();
                        (!list.is_empty()).then(|| view! {
                            <div class="repeat-last" data-testid="activity-repeat">
                                <span class="muted">{t!(i18n, repeat_last)}":"</span>
                                {list.into_iter().map(|a| {
                                    let kind = wire(&a.data.kind);
                                    let template = repeat_of(&a.data, &clock::today());
                                    let lab = a.lab_id;
                                    let label = format!("{} ({})", a.data.title, kind_label(a.data.kind, english()));
                                    view! {
                                        <button class="secondary" data-testid="activity-repeat-last" data-kind=kind
                                            on:click=move |_| open_new.run(Some((Box::new(template.clone()), lab)))>{label}</button>
                                    }
                                }).collect_view()}
                            </div>
                        })
                    }}
                    <div class="row filters">
                        <label class="sr-only" for="activity-search">{t!(i18n, search)}</label>
                        <input id="activity-search" type="search" data-testid="activity-search"
                            placeholder=move || t_string!(i18n, search).to_string() bind:value=search/>
                        <label class="sr-only" for="activity-filter">{t!(i18n, activity_kind)}</label>
                        <select id="activity-filter" data-testid="activity-filter-kind" bind:value=kind_filter>
                            <option value="">{t!(i18n, all_kinds)}</option>
                            {ActivityKind::ALL.into_iter().map(|k| view! {
                                <option value=wire(&k)>{move || kind_label(k, english())}</option>
                            }).collect_view()}
                        </select>
                    </div>
                    <p class="notice" role="status" data-testid="activity-saved" hidden=move || saved.get().is_none()>{t!(i18n, activity_saved)}</p>
                    {move || list_error.get().map(|e| view! { <p class="error" role="alert" data-testid="activity-locked">{e}</p> })}
                    {move || delete_write.error().map(|e| view! { <p class="error" role="alert" data-testid="activity-delete-error">{e}</p> })}
                    <ul class="activity-list">
                        {move || {
                            if let Some(Err(error)) = activities.get() {
                                return view! { <li><ReadError what=Reading::Activities error=error/></li> }.into_any();
                            }
                            let list = shown();
                            if list.is_empty() {
                                return view! { <li class="muted">{t!(i18n, activities_none)}</li> }.into_any();
                            }
                            list.into_iter().map(|a| {
                                let id = a.id;
                                let for_delete = a.clone();
                                let total = a.data.total_participants();
                                let for_lesson = a.clone();
                                view! {
                                    <li class="activity-item" class:just-saved=move || saved.get() == Some(id)
                                        data-testid="activity-item" data-id=id.to_string()>
                                        <div>
                                            <strong>{a.data.title.clone()}</strong>
                                            <crate::components::unsynced::UnsyncedMark id=id ids=unsynced/>
                                            <div class="muted">
                                                {move || format!("{} · {} · {}", kind_label(a.data.kind, english()),
                                                    format::date(&a.data.date, english()),
                                                    t_string!(i18n, participants_n, n = total))}
                                            </div>
                                        </div>
                                        <div class="row">
                                            {(!a.data.lessons_learned.trim().is_empty()).then(|| view! {
                                                <button class="secondary" data-testid="activity-promote-lesson"
                                                    on:click=move |_| crate::nav::open_prefilled(crate::context::Prefill::Lesson {
                                                        lab: for_lesson.lab_id,
                                                        data: crate::prefill::lesson_from_activity(for_lesson.id, &for_lesson.data),
                                                    })>{t!(i18n, kb_promote_lesson)}</button>
                                            })}
                                            <button class="secondary" data-testid="activity-edit"
                                                on:click=move |_| go.run(format!("/aktiviteter/{id}"))>{t!(i18n, edit)}</button>
                                            <Show when=move || confirm_delete.get() == Some(id)
                                                fallback=move || view! {
                                                    <button class="secondary danger" data-testid="activity-delete"
                                                        on:click=move |_| confirm_delete.set(Some(id))>{t!(i18n, delete)}</button>
                                                }>
                                                {
                                                    let for_delete = for_delete.clone();
                                                    view! {
                                                        <span class="confirm">{t!(i18n, delete_confirm_q)}</span>
                                                        <button class="primary danger" data-testid="activity-delete-confirm"
                                                            on:click=move |_| delete(for_delete.clone())>{t!(i18n, delete_yes)}</button>
                                                        <button class="secondary" on:click=move |_| confirm_delete.set(None)>{t!(i18n, cancel)}</button>
                                                    }
                                                }
                                            </Show>
                                        </div>
                                    </li>
                                }
                            }).collect_view().into_any()
                        }}
                    </ul>
                    </Transition>
                </section>
            }.into_any(),
        }}
    }
}

/// `/aktiviteter/<id>` of no activity of the user's labs (deleted, another lab's, mistyped).
#[component]
fn ActivityMissing() -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <section class="card" data-testid="activity-missing">
            <h1>{t!(i18n, activity_missing_title)}</h1>
            <p>{t!(i18n, activity_missing_text)}</p>
            <leptos_router::components::A href="/aktiviteter" attr:class="primary button-link">{t!(i18n, activity_missing_back)}</leptos_router::components::A>
        </section>
    }
}
