//! The activity form (new, repeated, corrected) and the lab picker it shares with the activity
//! list: a component, used by the activities screen and by a month's approval panel.

use crate::components::chips::check_chip;
use crate::components::form_error::{self, invalid, FieldError, FormError, FormErrorLine};
use crate::components::privacy_guard::{self, PrivacyWarning};
use crate::components::read_error::{read_failed_text, ReadError, Reading};
use crate::components::stepper::Stepper;
use crate::context::SessionCtx;
use crate::i18n::*;
use crate::labels::{from_wire, kind_label, partner_kind_label, wire};
use crate::records::{self, Typed};
use crate::sync::SyncEngine;
use crate::write::Write;
use crate::{clock, format, session};
use labblogg_shared::model::{Activity, ActivityKind, Goal, MeetingPlace, ParticipantCount, Partner, PartnerKind};
use labblogg_shared::{AgeBand, Gender, RecordKind};
use leptos::prelude::*;
use uuid::Uuid;

/// The participants counted in the form: per age band (and gender, where the place notes it).
type BandCounts = Vec<(AgeBand, Option<Gender>, RwSignal<u32>)>;

// The activity form's fields, as the shared validation names them (`validate::activity`).
const A_TITLE: &[&str] = &["rubrik"];
const A_DATE: &[&str] = &["datum"];
const A_START: &[&str] = &["starttid"];
const A_END: &[&str] = &["sluttid"];
const A_PARTICIPANTS: &[&str] = &["deltagare", "antal deltagare", "nya deltagare"];
const A_STAFF: &[&str] = &["personaltimmar"];
const A_VOLUNTEER: &[&str] = &["volontärtimmar"];
const A_NOTES: &[&str] = &["anteckningar"];
const A_LESSONS: &[&str] = &["lärdomar"];
const A_FIELDS: &[&str] = &[
    "rubrik",
    "datum",
    "starttid",
    "sluttid",
    "deltagare",
    "antal deltagare",
    "nya deltagare",
    "personaltimmar",
    "volontärtimmar",
    "anteckningar",
    "lärdomar",
];

/// Participants per age band (and gender, when split) as steppers.
#[derive(Clone, Copy)]
struct Counts {
    bands: StoredValue<BandCounts>,
}

impl Counts {
    fn new(existing: &[ParticipantCount]) -> Self {
        let mut rows = Vec::new();
        for band in AgeBand::ALL {
            for gender in [None, Some(Gender::Girl), Some(Gender::Boy), Some(Gender::Other)] {
                let n = existing.iter().filter(|p| p.age_band == band && p.gender == gender).map(|p| p.count).sum();
                rows.push((band, gender, RwSignal::new(n)));
            }
        }
        Counts { bands: StoredValue::new(rows) }
    }

    fn get(&self, band: AgeBand, gender: Option<Gender>) -> RwSignal<u32> {
        self.bands.with_value(|rows| {
            rows.iter()
                .find(|(b, g, _)| *b == band && *g == gender)
                .map(|(_, _, s)| *s)
                .unwrap_or_else(|| RwSignal::new(0))
        })
    }

    fn collect(&self, split: bool) -> Vec<ParticipantCount> {
        self.bands.with_value(|rows| {
            rows.iter()
                .filter(|(_, g, _)| g.is_some() == split)
                .filter(|(_, _, s)| s.get_untracked() > 0)
                .map(|(b, g, s)| ParticipantCount { age_band: *b, gender: *g, count: s.get_untracked() })
                .collect()
        })
    }
}

/// The form of a new activity (`existing` is `None`) or an existing one;
/// also opened from the coordinators' follow-up list to correct a value.
#[component]
pub fn ActivityForm(
    existing: Option<Typed<Activity>>,
    /// A new activity's prefilled fields (from "Upprepa senaste" or the open evening).
    #[prop(optional)]
    template: Option<Activity>,
    /// The lab of a prefilled new activity.
    #[prop(optional)]
    template_lab: Option<Uuid>,
    /// Told the activity's id once it is saved (before `on_done`).
    #[prop(optional)]
    on_saved: Option<Callback<Uuid>>,
    on_done: Callback<()>,
) -> impl IntoView {
    let SessionCtx(session) = expect_context::<SessionCtx>();
    let engine = expect_context::<SyncEngine>();
    let i18n = use_i18n();
    let english = move || i18n.get_locale() == Locale::en;

    let user_labs = session.get_untracked().map(|s| s.user.labs).unwrap_or_default();
    // The tablet's place, as the counter finds it: chosen on this device, else the user's home place.
    let place_id = session::chosen_place().or_else(|| session.get_untracked().and_then(|s| s.user.home_meeting_place));
    let is_new = existing.is_none();
    let id = existing.as_ref().map_or_else(Uuid::now_v7, |e| e.id);
    let base = existing.as_ref().map(|e| e.data.clone()).or(template);
    let lab =
        RwSignal::new(existing.as_ref().map(|e| e.lab_id).or(template_lab).or_else(|| user_labs.first().copied()));

    let kind = RwSignal::new(base.as_ref().map_or_else(|| wire(&ActivityKind::Workshop), |b| wire(&b.kind)));
    let title = RwSignal::new(base.as_ref().map(|b| b.title.clone()).unwrap_or_default());
    let date = RwSignal::new(base.as_ref().map_or_else(clock::today, |b| b.date.clone()));
    let start = RwSignal::new(base.as_ref().and_then(|b| b.start_time.clone()).unwrap_or_else(clock::hour_now));
    let end = RwSignal::new(base.as_ref().and_then(|b| b.end_time.clone()).unwrap_or_default());
    let split = RwSignal::new(base.as_ref().is_some_and(|b| b.participants.iter().any(|p| p.gender.is_some())));
    let counts = Counts::new(base.as_ref().map(|b| b.participants.as_slice()).unwrap_or_default());
    let first_timers = RwSignal::new(base.as_ref().map_or(0, |b| b.first_timers));
    let partners = RwSignal::new(base.as_ref().map(|b| b.partner_ids.clone()).unwrap_or_default());
    let goals = RwSignal::new(base.as_ref().map(|b| b.goal_ids.clone()).unwrap_or_default());
    let staff_hours =
        RwSignal::new(base.as_ref().map(|b| format::decimal(b.staff_hours, 1, false)).unwrap_or_default());
    let volunteer_hours =
        RwSignal::new(base.as_ref().map(|b| format::decimal(b.volunteer_hours, 1, false)).unwrap_or_default());
    let notes = RwSignal::new(base.as_ref().map(|b| b.notes.clone()).unwrap_or_default());
    let lessons = RwSignal::new(base.as_ref().map(|b| b.lessons_learned.clone()).unwrap_or_default());
    let error = RwSignal::new(None::<FormError>);
    let form_ref = NodeRef::<leptos::html::Form>::new();
    // A message shows at its field, the field is marked and gets the focus (#16).
    let fail = move |e: FormError| {
        error.set(Some(e));
        form_error::focus_first_invalid(form_ref);
    };
    let findings = RwSignal::new(Vec::new());
    let unusual = RwSignal::new(Vec::<labblogg_shared::checks::Finding>::new());
    let new_partner = RwSignal::new(String::new());
    let new_partner_kind = RwSignal::new(wire(&PartnerKind::Other));

    // The place's age bands first (its counter's buttons), or those of the lab's places when the
    // activity has no place, and any band the activity counts already; every band is a click away.
    let band_place = base.as_ref().map_or(place_id, |b| b.meeting_place_id);
    let counted: Vec<AgeBand> =
        base.as_ref().map(|b| b.participants.iter().map(|p| p.age_band).collect()).unwrap_or_default();
    let place_bands = LocalResource::new(move || {
        let lab = lab.get();
        let counted = counted.clone();
        async move {
            let places: Vec<MeetingPlace> = match band_place {
                Some(p) => crate::store::record(p)
                    .await
                    .ok()
                    .flatten()
                    .and_then(|s| records::typed::<MeetingPlace>(&s))
                    .map(|t| t.data)
                    .into_iter()
                    .collect(),
                // Unreadable, the lab's places give no bands and the form offers every band.
                None => records::list::<MeetingPlace>(RecordKind::MeetingPlace, &lab.into_iter().collect::<Vec<_>>())
                    .await
                    .unwrap_or_default()
                    .into_iter()
                    .filter(|p| !p.data.retired)
                    .map(|p| p.data)
                    .collect(),
            };
            if places.is_empty() {
                return Vec::new();
            }
            AgeBand::ALL
                .into_iter()
                .filter(|b| counted.contains(b) || places.iter().any(|p| p.age_bands.contains(b)))
                .collect::<Vec<_>>()
        }
    });
    let show_all_bands = RwSignal::new(false);
    let bands = move || {
        let own = place_bands.get().unwrap_or_default();
        if own.is_empty() || show_all_bands.get() {
            AgeBand::ALL.to_vec()
        } else {
            own
        }
    };
    let lab_partners = LocalResource::new(move || {
        let _ = engine.data_version.get();
        let lab = lab.get();
        async move {
            let mut list = records::list::<Partner>(RecordKind::Partner, &lab.into_iter().collect::<Vec<_>>()).await?;
            // Retired partners only where the activity names them already.
            list.retain(|p| !p.data.retired || partners.get_untracked().contains(&p.id));
            list.sort_by_key(|p| p.data.name.to_lowercase());
            Ok::<_, crate::store::StoreError>(list)
        }
    });
    // The lab's questions asked after an activity of the chosen kind (at its place).
    let lab_questions = LocalResource::new(move || {
        let _ = engine.data_version.get();
        let lab = lab.get();
        async move {
            let mut list = records::list::<labblogg_shared::questions::Question>(
                RecordKind::Question,
                &lab.into_iter().collect::<Vec<_>>(),
            )
            .await?;
            list.sort_by_key(|q| q.id);
            Ok::<_, crate::store::StoreError>(list)
        }
    });
    let question_place = base.as_ref().map_or(place_id, |b| b.meeting_place_id);
    let asked_now = move || {
        let k: Option<ActivityKind> = from_wire(&kind.get());
        lab_questions
            .get()
            .and_then(Result::ok)
            .unwrap_or_default()
            .into_iter()
            .filter(|q| k.is_some_and(|k| q.data.asked_after(k, question_place)))
            .collect::<Vec<_>>()
    };
    let lab_goals = LocalResource::new(move || {
        let _ = engine.data_version.get();
        let lab = lab.get();
        async move {
            let mut list = records::list::<Goal>(RecordKind::Goal, &lab.into_iter().collect::<Vec<_>>()).await?;
            list.retain(|g| !g.data.retired || goals.get_untracked().contains(&g.id));
            Ok::<_, crate::store::StoreError>(list)
        }
    });

    // The lab's approvals and history, for the lock and the checks at entry (offline).
    let facts = LocalResource::new(move || {
        let _ = engine.data_version.get();
        let lab = lab.get();
        async move {
            match lab {
                Some(l) => crate::quality::lab_facts(l).await,
                None => Ok(crate::quality::LabFacts::default()),
            }
        }
    });
    // The stored activity's own date and flag (a template's are not stored anywhere).
    let base_date = StoredValue::new(existing.as_ref().map(|e| e.data.date.clone()));
    let base_flag = StoredValue::new(existing.as_ref().and_then(|e| e.data.flag.clone()));
    let meeting_place_id = base.as_ref().map_or(place_id, |b| b.meeting_place_id);
    // The form does not edit a closing poll's tallies; an edit keeps them.
    let poll_kept = base.as_ref().and_then(|b| b.poll);
    let answers = RwSignal::new(base.as_ref().map(|b| b.answers.clone()).unwrap_or_default());
    let build = move || -> Result<Activity, FormError> {
        let hours = |s: String| if s.trim().is_empty() { Some(0.0) } else { format::parse_decimal(&s) };
        let kind: ActivityKind = from_wire(&kind.get_untracked()).ok_or(FormError::general("kind"))?;
        let activity = Activity {
            meeting_place_id,
            kind,
            title: title.get_untracked().trim().to_owned(),
            date: date.get_untracked(),
            start_time: Some(start.get_untracked()).filter(|s| !s.is_empty()),
            end_time: Some(end.get_untracked()).filter(|s| !s.is_empty()),
            participants: counts.collect(split.get_untracked()),
            first_timers: first_timers.get_untracked(),
            partner_ids: partners.get_untracked(),
            goal_ids: goals.get_untracked(),
            staff_hours: hours(staff_hours.get_untracked())
                .ok_or_else(|| FormError::at("personaltimmar", t_string!(i18n, error_hours).to_string()))?,
            volunteer_hours: hours(volunteer_hours.get_untracked())
                .ok_or_else(|| FormError::at("volontärtimmar", t_string!(i18n, error_hours).to_string()))?,
            notes: notes.get_untracked(),
            lessons_learned: lessons.get_untracked(),
            poll: poll_kept,
            flag: None,
            answers: {
                // Answers to the questions asked after this kind, and any the activity had before.
                let mut given: Vec<labblogg_shared::questions::Answer> =
                    answers.get_untracked().into_iter().filter(labblogg_shared::questions::answer_given).collect();
                given.sort_by_key(|a| a.question_id);
                given
            },
        };
        labblogg_shared::validate::activity(&activity).map_err(FormError::from)?;
        Ok(activity)
    };

    // Saving is a write through an action: pending while under way (the button waits), its
    // failure shown with the form's other errors.
    let save_write = Write::new(move |(lab_id, activity): &(Uuid, Activity)| {
        let (lab_id, activity) = (*lab_id, activity.clone());
        async move {
            let changed =
                records::save(RecordKind::Activity, id, lab_id, &activity).await.map_err(|e| e.to_string())?;
            if changed {
                engine.local_write();
            }
            if let Some(saved) = on_saved {
                saved.run(id);
            }
            on_done.run(());
            Ok(())
        }
    });
    let save = move |skip_guard: bool, skip_check: bool| {
        let mut activity = match build() {
            Ok(a) => a,
            Err(e) => return fail(e),
        };
        let Some(lab_id) = lab.get_untracked() else { return };
        // Without the lab's approvals the lock cannot be checked: say so rather than save blind.
        let facts = match facts.get_untracked() {
            Some(Ok(f)) => f,
            Some(Err(_)) => return error.set(Some(FormError::general(read_failed_text(i18n, Reading::Records)))),
            None => crate::quality::LabFacts::default(),
        };
        // A month its coordinator has approved is locked: the server would refuse the change.
        let (base_date, base_flag) = (base_date.get_value(), base_flag.get_value());
        let dates: Vec<&str> = base_date.iter().map(String::as_str).chain([activity.date.as_str()]).collect();
        if let Some(why) = facts.locked(lab_id, &dates) {
            return fail(FormError::at("datum", why));
        }
        let found =
            labblogg_shared::checks::check_activity(&facts.activities, id, &activity, crate::quality::today_day());
        if !skip_check && !found.is_empty() {
            return unusual.set(found);
        }
        let coordinator = session.get_untracked().is_some_and(|s| crate::quality::coordinates(&s.user, lab_id));
        activity.flag = labblogg_shared::checks::flag_of(&found, coordinator).map(|mut f| {
            // The same values a coordinator confirmed stay confirmed.
            f.confirmed |= base_flag.as_ref().is_some_and(|b| b.confirmed && b.fields == f.fields);
            f
        });
        if !skip_guard {
            let found = privacy_guard::check(&[
                (t_string!(i18n, title).to_string(), activity.title.clone()),
                (t_string!(i18n, notes).to_string(), activity.notes.clone()),
                (t_string!(i18n, lessons_learned).to_string(), activity.lessons_learned.clone()),
            ]);
            if !found.is_empty() {
                return findings.set(found);
            }
        }
        error.set(None);
        save_write.dispatch((lab_id, activity));
    };

    // A new partner is a write through an action; its failure shows with the form's (before, a
    // failed save was dropped without a word).
    let partner_write = Write::new(move |(lab_id, partner): &(Uuid, Partner)| {
        let (lab_id, partner) = (*lab_id, partner.clone());
        async move {
            let pid = Uuid::now_v7();
            records::save(RecordKind::Partner, pid, lab_id, &partner).await.map_err(|e| e.to_string())?;
            partners.update(|p| p.push(pid));
            new_partner.set(String::new());
            engine.local_write();
            Ok(())
        }
    });
    let add_partner = move |_| {
        let name = new_partner.get_untracked().trim().to_owned();
        let (Some(lab_id), Some(kind)) =
            (lab.get_untracked(), from_wire::<PartnerKind>(&new_partner_kind.get_untracked()))
        else {
            return;
        };
        if name.is_empty() {
            return;
        }
        let partner = Partner::new(name, kind);
        if let Err(e) = labblogg_shared::validate::partner(&partner) {
            return error.set(Some(FormError::general(e.to_string())));
        }
        partner_write.dispatch((lab_id, partner));
    };

    view! {
        <form class="card activity-form" node_ref=form_ref on:submit=move |ev: leptos::ev::SubmitEvent| { ev.prevent_default(); save(false, false); }>
            // The form's lists (partners, goals, questions) could not be read: say so, not "none".
            {move || [lab_partners.get().and_then(Result::err), lab_goals.get().and_then(Result::err), lab_questions.get().and_then(Result::err)]
                .into_iter().flatten().next().map(|error| view! { <ReadError what=Reading::Records error=error/> })}
            <h1>{move || if is_new { t_string!(i18n, activity_new).to_string() } else { t_string!(i18n, activity_edit).to_string() }}</h1>
            {(user_labs.len() > 1).then(|| view! {
                <label for="activity-lab">{t!(i18n, lab)}</label>
                <LabSelect lab=lab disabled=!is_new/>
            })}
            <label for="activity-kind">{t!(i18n, activity_kind)}</label>
            <select id="activity-kind" name="kind" data-testid="activity-kind" bind:value=kind>
                {ActivityKind::ALL.into_iter().map(|k| view! {
                    <option value=wire(&k)>{move || kind_label(k, english())}</option>
                }).collect_view()}
            </select>
            <label for="activity-title">{t!(i18n, title)}</label>
            <input id="activity-title" name="title" data-testid="activity-title" required maxlength="120" bind:value=title
                aria-invalid=invalid(error, A_TITLE) aria-describedby="activity-title-error"/>
            <FieldError error=error fields=A_TITLE id="activity-title-error" testid="activity-error"/>
            <div class="row">
                <div class="field"><label for="activity-date">{t!(i18n, date)}</label>
                    <input id="activity-date" name="date" type="date" data-testid="activity-date" required bind:value=date
                        aria-invalid=invalid(error, A_DATE) aria-describedby="activity-date-error"/>
                    <FieldError error=error fields=A_DATE id="activity-date-error" testid="activity-error"/></div>
                <div class="field"><label for="activity-start">{t!(i18n, start_time)}</label>
                    <input id="activity-start" name="start_time" type="time" data-testid="activity-start" bind:value=start
                        aria-invalid=invalid(error, A_START) aria-describedby="activity-start-error"/>
                    <FieldError error=error fields=A_START id="activity-start-error" testid="activity-error"/></div>
                <div class="field"><label for="activity-end">{t!(i18n, end_time)}</label>
                    <input id="activity-end" name="end_time" type="time" data-testid="activity-end" bind:value=end
                        aria-invalid=invalid(error, A_END) aria-describedby="activity-end-error"/>
                    <FieldError error=error fields=A_END id="activity-end-error" testid="activity-error"/></div>
            </div>

            <fieldset>
                <legend>{t!(i18n, participants)}</legend>
                <label class="toggle"><input type="checkbox" data-testid="gender-split" bind:checked=split/>
                    <span>{t!(i18n, gender_split)}</span></label>
                <div class="steppers">
                    {move || bands().into_iter().map(|band| {
                        let band_name = band.as_str();
                        if split.get() {
                            view! {
                                <div class="band-group">
                                    <span class="band-title">{move || crate::labels::band_label(band, english())}</span>
                                    <Stepper label=Signal::derive(move || t_string!(i18n, girls).to_string()) value=counts.get(band, Some(Gender::Girl)) testid=format!("participants-{band_name}-girl")/>
                                    <Stepper label=Signal::derive(move || t_string!(i18n, boys).to_string()) value=counts.get(band, Some(Gender::Boy)) testid=format!("participants-{band_name}-boy")/>
                                    <Stepper label=Signal::derive(move || t_string!(i18n, other_gender).to_string()) value=counts.get(band, Some(Gender::Other)) testid=format!("participants-{band_name}-other")/>
                                </div>
                            }.into_any()
                        } else {
                            view! { <Stepper label=Signal::derive(move || crate::labels::band_label(band, english())) value=counts.get(band, None) testid=format!("participants-{band_name}")/> }.into_any()
                        }
                    }).collect_view()}
                </div>
                <Show when=move || !show_all_bands.get() && place_bands.get().is_some_and(|b| !b.is_empty() && b.len() < AgeBand::ALL.len())>
                    <button type="button" class="link" data-testid="activity-all-bands" on:click=move |_| show_all_bands.set(true)>{t!(i18n, all_age_bands)}</button>
                </Show>
                <Stepper label=Signal::derive(move || t_string!(i18n, first_timers).to_string()) value=first_timers testid="first-timers"/>
                <FieldError error=error fields=A_PARTICIPANTS id="activity-participants-error" testid="activity-error"/>
            </fieldset>

            <fieldset>
                <legend>{t!(i18n, partners)}</legend>
                <div class="chips">
                    {move || lab_partners.get().and_then(Result::ok).unwrap_or_default().into_iter().map(|p| {
                        let pid = p.id;
                        check_chip("partner-option", pid.to_string(), partners, pid, p.data.name.clone())
                    }).collect_view()}
                </div>
                <div class="row">
                    <label class="sr-only" for="new-partner">{t!(i18n, partner_new)}</label>
                    <input id="new-partner" data-testid="partner-new-name" placeholder=move || t_string!(i18n, partner_new).to_string() bind:value=new_partner/>
                    <select data-testid="partner-new-kind" aria-label=move || t_string!(i18n, partner_kind).to_string() bind:value=new_partner_kind>
                        {PartnerKind::ALL.into_iter().map(|k| view! { <option value=wire(&k)>{move || partner_kind_label(k, english())}</option> }).collect_view()}
                    </select>
                    <button type="button" class="secondary" data-testid="partner-add" on:click=add_partner>{t!(i18n, add)}</button>
                </div>
            </fieldset>

            <fieldset>
                <legend>{t!(i18n, goals_served)}</legend>
                <div class="chips">
                    {move || {
                        let list = lab_goals.get().and_then(Result::ok).unwrap_or_default();
                        if list.is_empty() {
                            return view! { <span class="muted">{t!(i18n, goals_none)}</span> }.into_any();
                        }
                        list.into_iter().map(|g| {
                            let gid = g.id;
                            check_chip("goal-option", gid.to_string(), goals, gid, g.data.title.clone())
                        }).collect_view().into_any()
                    }}
                </div>
            </fieldset>

            <div class="row">
                <div class="field"><label for="staff-hours">{t!(i18n, staff_hours)}</label>
                    <input id="staff-hours" name="staff_hours" inputmode="decimal" data-testid="staff-hours" bind:value=staff_hours
                        aria-invalid=invalid(error, A_STAFF) aria-describedby="staff-hours-error"/>
                    <FieldError error=error fields=A_STAFF id="staff-hours-error" testid="activity-error"/></div>
                <div class="field"><label for="volunteer-hours">{t!(i18n, volunteer_hours)}</label>
                    <input id="volunteer-hours" name="volunteer_hours" inputmode="decimal" data-testid="volunteer-hours" bind:value=volunteer_hours
                        aria-invalid=invalid(error, A_VOLUNTEER) aria-describedby="volunteer-hours-error"/>
                    <FieldError error=error fields=A_VOLUNTEER id="volunteer-hours-error" testid="activity-error"/></div>
            </div>
            {move || view! { <crate::components::question_answers::QuestionAnswers questions=asked_now() answers=answers/> }}
            <label for="activity-notes">{t!(i18n, notes)}</label>
            <textarea id="activity-notes" name="notes" data-testid="activity-notes" rows="3" bind:value=notes
                aria-invalid=invalid(error, A_NOTES) aria-describedby="activity-notes-error"></textarea>
            <FieldError error=error fields=A_NOTES id="activity-notes-error" testid="activity-error"/>
            <label for="activity-lessons">{t!(i18n, lessons_learned)}</label>
            <textarea id="activity-lessons" name="lessons_learned" data-testid="activity-lessons" rows="3" bind:value=lessons
                aria-invalid=invalid(error, A_LESSONS) aria-describedby="activity-lessons-error"></textarea>
            <FieldError error=error fields=A_LESSONS id="activity-lessons-error" testid="activity-error"/>

            <FormErrorLine error=error fields=A_FIELDS testid="activity-form-error"/>
            {move || save_write.error().or_else(|| partner_write.error()).map(|e| view! { <p class="error" role="alert">{e}</p> })}
            <crate::components::entry_check::EntryCheckWarning findings=unusual on_confirm=Callback::new(move |_| save(false, true))/>
            <PrivacyWarning findings=findings on_confirm=Callback::new(move |_| save(true, true))/>
            <div class="row form-actions">
                <button type="submit" class="primary" data-testid="activity-save" disabled=move || save_write.pending().get()>{t!(i18n, save)}</button>
                <button type="button" class="secondary" data-testid="activity-cancel" on:click=move |_| on_done.run(())>{t!(i18n, cancel)}</button>
            </div>
            {(!is_new).then(|| view! { <crate::components::record_history::RecordHistory record=id/> })}
        </form>
    }
}

/// Pick one of the user's labs (by name, from the local copy).
#[component]
pub fn LabSelect(lab: RwSignal<Option<Uuid>>, #[prop(default = false)] disabled: bool) -> impl IntoView {
    let SessionCtx(session) = expect_context::<SessionCtx>();
    let labs = LocalResource::new(move || {
        let ids = session.get().map(|s| s.user.labs).unwrap_or_default();
        async move {
            let mut out = Vec::new();
            for id in ids {
                let name = crate::store::record(id)
                    .await
                    .ok()
                    .flatten()
                    .and_then(|s| records::typed::<labblogg_shared::Lab>(&s))
                    .map_or_else(|| id.to_string(), |l| l.data.name);
                out.push((id, name));
            }
            out
        }
    });
    let value = move || lab.get().map(|l| l.to_string()).unwrap_or_default();
    view! {
        <select id="activity-lab" data-testid="lab-select" disabled=disabled prop:value=value
            on:change=move |ev| lab.set(Uuid::parse_str(&event_target_value(&ev)).ok())>
            {move || labs.get().unwrap_or_default().into_iter().map(|(id, name)| view! {
                <option value=id.to_string() selected=move || lab.get() == Some(id)>{name}</option>
            }).collect_view()}
        </select>
    }
}
