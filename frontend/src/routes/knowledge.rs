//! The knowledge base (kunskapsbanken): good examples and lessons from every
//! lab, searched offline on the synced copy (`labblogg_shared::search`), a
//! printable page per example, a form to propose one, and coordinators'
//! review queue with the publish step.
//!
//! What a device holds: published and withdrawn records of every lab, and
//! every record of the user's own labs (docs/SYNC.md). Withdrawn ones of
//! other labs are kept hidden. Who may do what mirrors the server's
//! `policy::knowledge_refusal`; the server decides.

use crate::components::chips::check_chip;
use crate::components::privacy_guard::{self, PrivacyWarning};
use crate::components::read_error::{ReadError, Reading};
use crate::context::{KnowledgePrefill, Prefill, SessionCtx};
use crate::i18n::*;
use crate::labels::focus_label;
use crate::labels::from_wire;
use crate::labels::wire;
use crate::records::{self, Typed};
use crate::sync::SyncEngine;
use crate::write::Write;
use crate::{clock, format, store};
use labblogg_shared::auth::{LabRole, Role, UserInfo};
use labblogg_shared::knowledge::{
    ExampleStatus, Figure, GoodExample, Lesson, Premises, Review, SuccessFactor, TargetGroup,
};
use labblogg_shared::model::FocusArea;
use labblogg_shared::search::{self, Indexed};
use labblogg_shared::RecordKind;
use leptos::prelude::*;
use leptos::task::spawn_local;
use uuid::Uuid;

pub fn review_label(r: Review, english: bool) -> &'static str {
    let l = crate::labels::locale(english);
    match r {
        Review::Draft => td_string!(l, knowledge_review_draft),
        Review::Submitted => td_string!(l, knowledge_review_submitted),
        Review::Published => td_string!(l, knowledge_review_published),
        Review::Withdrawn => td_string!(l, knowledge_review_withdrawn),
    }
}

fn status_label(s: ExampleStatus, english: bool) -> &'static str {
    let l = crate::labels::locale(english);
    match s {
        ExampleStatus::Idea => td_string!(l, knowledge_status_idea),
        ExampleStatus::Running => td_string!(l, knowledge_status_running),
        ExampleStatus::Ended => td_string!(l, knowledge_status_ended),
    }
}

fn target_label(t: TargetGroup, english: bool) -> &'static str {
    let l = crate::labels::locale(english);
    match t {
        TargetGroup::Children => td_string!(l, knowledge_target_children),
        TargetGroup::Youth => td_string!(l, knowledge_target_youth),
        TargetGroup::YoungAdults => td_string!(l, knowledge_target_young_adults),
        TargetGroup::Adults => td_string!(l, knowledge_target_adults),
        TargetGroup::Elderly => td_string!(l, knowledge_target_elderly),
        TargetGroup::Newcomers => td_string!(l, knowledge_target_newcomers),
        TargetGroup::Women => td_string!(l, knowledge_target_women),
        TargetGroup::Parents => td_string!(l, knowledge_target_parents),
        TargetGroup::AllResidents => td_string!(l, knowledge_target_all_residents),
    }
}

fn premises_label(p: Premises, english: bool) -> &'static str {
    let l = crate::labels::locale(english);
    match p {
        Premises::None => td_string!(l, knowledge_premises_none),
        Premises::Shared => td_string!(l, knowledge_premises_shared),
        Premises::Own => td_string!(l, knowledge_premises_own),
    }
}

fn factor_label(f: SuccessFactor, english: bool) -> &'static str {
    let l = crate::labels::locale(english);
    match f {
        SuccessFactor::MeetingPlace => td_string!(l, knowledge_factor_meeting_place),
        SuccessFactor::Partnership => td_string!(l, knowledge_factor_partnership),
        SuccessFactor::TargetGroupReach => td_string!(l, knowledge_factor_target_group_reach),
        SuccessFactor::Staffing => td_string!(l, knowledge_factor_staffing),
        SuccessFactor::Funding => td_string!(l, knowledge_factor_funding),
        SuccessFactor::GoalSteering => td_string!(l, knowledge_factor_goal_steering),
    }
}

/// An example or a lesson, as the list shows it.
#[derive(Debug, Clone, PartialEq)]
enum Item {
    Example(Typed<GoodExample>),
    Lesson(Typed<Lesson>),
}

impl Item {
    fn id(&self) -> Uuid {
        match self {
            Item::Example(e) => e.id,
            Item::Lesson(l) => l.id,
        }
    }
    fn lab(&self) -> Uuid {
        match self {
            Item::Example(e) => e.lab_id,
            Item::Lesson(l) => l.lab_id,
        }
    }
    fn review(&self) -> Review {
        match self {
            Item::Example(e) => e.data.review,
            Item::Lesson(l) => l.data.review,
        }
    }
    fn title(&self) -> &str {
        match self {
            Item::Example(e) => &e.data.title,
            Item::Lesson(l) => &l.data.title,
        }
    }
    fn focus(&self) -> &[FocusArea] {
        match self {
            Item::Example(e) => &e.data.focus_areas,
            Item::Lesson(l) => &l.data.focus_areas,
        }
    }
    fn published_on(&self) -> Option<&str> {
        match self {
            Item::Example(e) => e.data.published_on.as_deref(),
            Item::Lesson(l) => l.data.published_on.as_deref(),
        }
    }
    /// Where it comes from, one line: organisation · place.
    fn origin(&self) -> String {
        let (o, p) = match self {
            Item::Example(e) => (&e.data.organisation, &e.data.place),
            Item::Lesson(l) => (&l.data.organisation, &l.data.place),
        };
        [o.as_str(), p.as_str()].into_iter().filter(|s| !s.is_empty()).collect::<Vec<_>>().join(" · ")
    }
    /// A few lines of the text, for the list.
    fn snippet(&self) -> String {
        let text = match self {
            Item::Example(e) => &e.data.what_was_done,
            Item::Lesson(l) => &l.data.text,
        };
        let mut s: String = text.chars().take(180).collect();
        if text.chars().count() > 180 {
            s.push('…');
        }
        s
    }
    /// The text search reads: title; tags in Swedish and English; body. The tags are search
    /// data, not shown text: both languages' names from shared/ (and `focus_label`), whatever
    /// the screen's language.
    fn indexed(&self) -> Indexed {
        let focus: Vec<String> =
            self.focus().iter().flat_map(|f| [focus_label(*f, false), focus_label(*f, true)]).collect();
        match self {
            Item::Example(e) => {
                let d = &e.data;
                let mut tags: Vec<String> = focus;
                tags.extend(d.target_groups.iter().flat_map(|t| [t.label_sv().to_owned(), t.label_en().to_owned()]));
                tags.extend([d.organisation.clone(), d.place.clone(), d.target_group.clone()]);
                let figures: Vec<String> = d.figures.iter().map(|f| f.label.clone()).collect();
                let mut body: Vec<&str> =
                    vec![&d.what_was_done, &d.partners, &d.results, &d.resources_note, &d.contact_role];
                body.extend(figures.iter().map(String::as_str));
                Indexed::new(&d.title, &tags.iter().map(String::as_str).collect::<Vec<_>>(), &body)
            }
            Item::Lesson(l) => {
                let d = &l.data;
                let mut tags: Vec<String> = focus;
                tags.extend(d.factors.iter().flat_map(|f| [f.label_sv().to_owned(), f.label_en().to_owned()]));
                tags.extend([d.organisation.clone(), d.place.clone()]);
                Indexed::new(&d.title, &tags.iter().map(String::as_str).collect::<Vec<_>>(), &[&d.text])
            }
        }
    }
}

/// Is `user` a coordinator of `lab` (or an administrator)? Mirrors policy.rs.
fn coordinates(user: &UserInfo, lab: Uuid) -> bool {
    user.role == Role::Admin || user.memberships.iter().any(|m| m.lab_id == lab && m.role == LabRole::Coordinator)
}

fn member(user: &UserInfo, lab: Uuid) -> bool {
    user.labs.contains(&lab)
}

/// May `user` change this record's text? Drafts and proposals: members of
/// its lab; published or withdrawn: its coordinators only.
fn may_edit(user: &UserInfo, item: &Item) -> bool {
    if item.review().is_public() {
        coordinates(user, item.lab())
    } else {
        member(user, item.lab()) || user.role == Role::Admin
    }
}

/// Every example and lesson on the device this user may see, live ones only.
async fn load(user: Option<UserInfo>) -> crate::store::Result<Vec<Item>> {
    let Some(user) = user else { return Ok(Vec::new()) };
    let mut items = Vec::new();
    for kind in [RecordKind::GoodExample, RecordKind::Lesson] {
        for s in store::all_of_kind(kind).await? {
            if s.deleted.is_some() {
                continue;
            }
            let item = match kind {
                RecordKind::GoodExample => records::typed::<GoodExample>(&s).map(Item::Example),
                _ => records::typed::<Lesson>(&s).map(Item::Lesson),
            };
            let Some(item) = item else { continue };
            let own = member(&user, item.lab());
            // Other labs' withdrawn records stay on the device, hidden.
            if item.review() == Review::Published || own {
                items.push(item);
            }
        }
    }
    // Newest published first, then by title.
    items.sort_by(|a, b| b.published_on().cmp(&a.published_on()).then_with(|| a.title().cmp(b.title())));
    Ok(items)
}

#[derive(Debug, Clone, PartialEq)]
enum Mode {
    List,
    Read(Uuid),
    Example { id: Uuid, lab: Option<Uuid>, data: Option<GoodExample> },
    Lesson { id: Uuid, lab: Option<Uuid>, data: Option<Lesson> },
}

/// The activities the example form offers without a search: those of the last this many days.
const ACTIVITY_PICKER_DAYS: i64 = 90;
/// At most this many activities offered at once (besides those linked already).
const ACTIVITY_PICKER_MAX: usize = 30;

#[component]
pub fn Knowledge() -> impl IntoView {
    let SessionCtx(session) = expect_context::<SessionCtx>();
    let engine = expect_context::<SyncEngine>();
    let KnowledgePrefill(prefill) = expect_context::<KnowledgePrefill>();
    let i18n = use_i18n();
    let user = move || session.get().map(|s| s.user);

    let mode = RwSignal::new(Mode::List);
    let notice = RwSignal::new(None::<String>);
    // A proposal prefilled elsewhere opens in the form, once.
    if let Some(p) = prefill.get_untracked() {
        prefill.set(None);
        mode.set(match p {
            Prefill::Example { lab, data } => Mode::Example { id: Uuid::now_v7(), lab: Some(lab), data: Some(data) },
            Prefill::Lesson { lab, data } => Mode::Lesson { id: Uuid::now_v7(), lab: Some(lab), data: Some(data) },
        });
    }

    let items = LocalResource::new(move || {
        let _ = engine.data_version.get();
        let user = user();
        async move { load(user).await }
    });
    let done = Callback::new(move |msg: Option<String>| {
        notice.set(msg);
        mode.set(Mode::List);
    });

    view! {
        {move || match mode.get() {
            Mode::List => view! { <KnowledgeList items=items mode=mode notice=notice/> }.into_any(),
            Mode::Read(id) => {
                let item = items.get().and_then(Result::ok).unwrap_or_default().into_iter().find(|i| i.id() == id);
                match item {
                    Some(item) => view! { <ItemPage item=item mode=mode on_done=done/> }.into_any(),
                    None => view! { <p class="muted">{t!(i18n, loading)}</p> }.into_any(),
                }
            }
            Mode::Example { id, lab, data } => view! {
                <ExampleForm id=id lab=lab data=data on_done=done on_cancel=Callback::new(move |_| mode.set(Mode::List))/>
            }.into_any(),
            Mode::Lesson { id, lab, data } => view! {
                <LessonForm id=id lab=lab data=data on_done=done on_cancel=Callback::new(move |_| mode.set(Mode::List))/>
            }.into_any(),
        }}
    }
}

#[component]
fn KnowledgeList(
    items: LocalResource<crate::store::Result<Vec<Item>>>,
    mode: RwSignal<Mode>,
    notice: RwSignal<Option<String>>,
) -> impl IntoView {
    let SessionCtx(session) = expect_context::<SessionCtx>();
    let i18n = use_i18n();
    let english = move || i18n.get_locale() == Locale::en;
    let query = RwSignal::new(String::new());
    let kind = RwSignal::new(String::new());
    let focus = RwSignal::new(String::new());
    let target = RwSignal::new(String::new());
    let resources = RwSignal::new(String::new());
    let user = move || session.get().map(|s| s.user);

    // Published records of every lab, searched and filtered.
    let shown = Memo::new(move |_| {
        let all: Vec<Item> = items
            .get()
            .and_then(Result::ok)
            .unwrap_or_default()
            .into_iter()
            .filter(|i| i.review() == Review::Published)
            .collect();
        let (k, f, t, r) = (kind.get(), focus.get(), target.get(), resources.get());
        let f: Option<FocusArea> = from_wire(&f);
        let t: Option<TargetGroup> = from_wire(&t);
        let filtered: Vec<Item> = all
            .into_iter()
            .filter(|i| k.is_empty() || (k == "example") == matches!(i, Item::Example(_)))
            .filter(|i| f.is_none_or(|f| i.focus().contains(&f)))
            .filter(|i| match (t, i) {
                (None, _) => true,
                (Some(t), Item::Example(e)) => e.data.target_groups.contains(&t),
                (Some(_), Item::Lesson(_)) => false,
            })
            .filter(|i| match (r.as_str(), i) {
                ("", _) => true,
                (_, Item::Lesson(_)) => false,
                ("no_premises", Item::Example(e)) => e.data.premises != Premises::Own,
                ("few_hours", Item::Example(e)) => e.data.staff_hours_per_week.is_some_and(|h| h <= 10.0),
                ("low_cost", Item::Example(e)) => e.data.cost_sek_per_year.is_some_and(|c| c < 100_000),
                _ => true,
            })
            .collect();
        let q = query.get();
        if q.trim().is_empty() {
            return filtered;
        }
        let docs: Vec<Indexed> = filtered.iter().map(Item::indexed).collect();
        search::rank(&docs, &q).into_iter().map(|(i, _)| filtered[i].clone()).collect()
    });
    // The user's own labs' drafts, proposals and withdrawn records.
    let own = move || {
        let Some(u) = user() else { return Vec::new() };
        items
            .get()
            .and_then(Result::ok)
            .unwrap_or_default()
            .into_iter()
            .filter(|i| i.review() != Review::Published && member(&u, i.lab()))
            .collect::<Vec<_>>()
    };
    let queue = move || {
        let Some(u) = user() else { return Vec::new() };
        items
            .get()
            .and_then(Result::ok)
            .unwrap_or_default()
            .into_iter()
            .filter(|i| i.review() == Review::Submitted && coordinates(&u, i.lab()))
            .collect::<Vec<_>>()
    };
    let is_coordinator = move || {
        user().is_some_and(|u| u.role == Role::Admin || u.memberships.iter().any(|m| m.role == LabRole::Coordinator))
    };
    let can_propose = move || user().is_some_and(|u| !u.labs.is_empty());

    let row = move |item: Item, testid: &'static str| {
        let id = item.id();
        let review = item.review();
        let focus = item.focus().to_vec();
        let kind_name = if matches!(item, Item::Example(_)) { "example" } else { "lesson" };
        view! {
            <li class="knowledge-item" data-testid=testid data-id=id.to_string() data-kind=kind_name data-review=review.as_str()>
                <div>
                    <button type="button" class="link knowledge-title" data-testid="knowledge-open"
                        on:click=move |_| mode.set(Mode::Read(id))>{item.title().to_owned()}</button>
                    <div class="muted">
                        {move || if kind_name == "example" { t_string!(i18n, kb_example).to_string() } else { t_string!(i18n, kb_lesson).to_string() }}
                        {format!(" · {}", item.origin())}
                        {move || focus.iter().map(|f| format!(" · {}", focus_label(*f, english()))).collect::<String>()}
                    </div>
                    <p class="snippet">{item.snippet()}</p>
                </div>
                {(review != Review::Published).then(|| view! { <span class="badge">{move || review_label(review, english())}</span> })}
            </li>
        }
    };

    view! {
        <section class="card knowledge">
            <div class="list-head">
                <h1>{t!(i18n, kb_title)}</h1>
                <Show when=can_propose>
                    <div class="row">
                        <button class="primary" data-testid="knowledge-new-example"
                            on:click=move |_| mode.set(Mode::Example { id: Uuid::now_v7(), lab: None, data: None })>{t!(i18n, kb_new_example)}</button>
                        <button class="secondary" data-testid="knowledge-new-lesson"
                            on:click=move |_| mode.set(Mode::Lesson { id: Uuid::now_v7(), lab: None, data: None })>{t!(i18n, kb_new_lesson)}</button>
                    </div>
                </Show>
            </div>
            <p class="muted">{t!(i18n, kb_hint)}</p>
            {move || notice.get().map(|n| view! { <p class="notice" role="status" data-testid="knowledge-notice">{n}</p> })}
            // The lists below come in together once the copy is read, so nothing already shown
            // moves down as they fill in (layout shift).
            <Transition fallback=move || view! { <p class="muted">{t!(i18n, loading)}</p> }>
            {move || items.get().and_then(Result::err).map(|error| view! { <ReadError what=Reading::Knowledge error=error/> })}

            <Show when=is_coordinator>
                <h2>{t!(i18n, kb_review_queue)}</h2>
                <ul class="knowledge-list" data-testid="knowledge-review-queue">
                    {move || {
                        let q = queue();
                        if q.is_empty() {
                            return view! { <li class="muted">"–"</li> }.into_any();
                        }
                        q.into_iter().map(|i| row(i, "knowledge-review-item")).collect_view().into_any()
                    }}
                </ul>
            </Show>
            <Show when=move || !own().is_empty()>
                <h2>{t!(i18n, kb_own)}</h2>
                <ul class="knowledge-list">
                    {move || own().into_iter().map(|i| row(i, "knowledge-own-item")).collect_view()}
                </ul>
            </Show>

            <h2>{t!(i18n, kb_published_heading)}</h2>
            <div class="row filters">
                <label class="sr-only" for="knowledge-search">{t!(i18n, kb_search)}</label>
                <input id="knowledge-search" type="search" data-testid="knowledge-search"
                    placeholder=move || t_string!(i18n, kb_search_placeholder).to_string() bind:value=query/>
                <label class="sr-only" for="knowledge-kind">{t!(i18n, kb_kind)}</label>
                <select id="knowledge-kind" data-testid="knowledge-filter-kind" bind:value=kind>
                    <option value="">{t!(i18n, kb_kind_all)}</option>
                    <option value="example">{t!(i18n, kb_examples)}</option>
                    <option value="lesson">{t!(i18n, kb_lessons)}</option>
                </select>
                <label class="sr-only" for="knowledge-focus">{t!(i18n, kb_f_focus)}</label>
                <select id="knowledge-focus" data-testid="knowledge-filter-focus" bind:value=focus>
                    <option value="">{t!(i18n, kb_all_focus)}</option>
                    {FocusArea::ALL.into_iter().map(|f| view! { <option value=wire(&f)>{move || focus_label(f, english())}</option> }).collect_view()}
                </select>
                <label class="sr-only" for="knowledge-target">{t!(i18n, kb_f_target_groups)}</label>
                <select id="knowledge-target" data-testid="knowledge-filter-target" bind:value=target>
                    <option value="">{t!(i18n, kb_all_target_groups)}</option>
                    {TargetGroup::ALL.into_iter().map(|t| view! { <option value=wire(&t)>{move || target_label(t, english())}</option> }).collect_view()}
                </select>
                <label class="sr-only" for="knowledge-resources">{t!(i18n, kb_resources)}</label>
                <select id="knowledge-resources" data-testid="knowledge-filter-resources" bind:value=resources>
                    <option value="">{t!(i18n, kb_all_resources)}</option>
                    <option value="no_premises">{t!(i18n, kb_res_no_premises)}</option>
                    <option value="few_hours">{t!(i18n, kb_res_few_hours)}</option>
                    <option value="low_cost">{t!(i18n, kb_res_low_cost)}</option>
                </select>
            </div>
            <p class="muted" data-testid="knowledge-hits" aria-live="polite">{move || t_string!(i18n, kb_hits, n = shown.get().len()).to_string()}</p>
            <ul class="knowledge-list" data-testid="knowledge-results">
                {move || {
                    let list = shown.get();
                    if list.is_empty() {
                        return view! { <li class="muted">{t!(i18n, kb_none)}</li> }.into_any();
                    }
                    list.into_iter().take(200).map(|i| row(i, "knowledge-item")).collect_view().into_any()
                }}
            </ul>
            </Transition>
        </section>
    }
}

/// One example or lesson as a readable, printable page, with the review
/// actions the user may take.
#[component]
fn ItemPage(item: Item, mode: RwSignal<Mode>, on_done: Callback<Option<String>>) -> impl IntoView {
    let SessionCtx(session) = expect_context::<SessionCtx>();
    let engine = expect_context::<SyncEngine>();
    let i18n = use_i18n();
    let english = move || i18n.get_locale() == Locale::en;
    let error = RwSignal::new(None::<String>);
    let user = session.get_untracked().map(|s| s.user);
    let review = item.review();
    let lab = item.lab();
    let coordinator = user.as_ref().is_some_and(|u| coordinates(u, lab));
    let editable = user.as_ref().is_some_and(|u| may_edit(u, &item));
    let own = user.as_ref().is_some_and(|u| member(u, lab));

    // The review step is a write through an action; its failure shows with the page's errors.
    let review_write =
        Write::new(move |(kind, id, lab_id, value, msg): &(RecordKind, Uuid, Uuid, serde_json::Value, String)| {
            let (kind, id, lab_id, value, msg) = (*kind, *id, *lab_id, value.clone(), msg.clone());
            async move {
                let changed = records::save(kind, id, lab_id, &value).await.map_err(|e| e.to_string())?;
                if changed {
                    engine.local_write();
                }
                on_done.run(Some(msg));
                Ok(())
            }
        });
    // Move the record to another review state, checking it as the server will.
    let set_review = {
        let item = item.clone();
        move |next: Review| {
            let item = item.clone();
            error.set(None);
            review_write.clear();
            let today = clock::today();
            let published_on = |old: Option<String>| if next == Review::Published { Some(today.clone()) } else { old };
            let result: Result<(RecordKind, Uuid, Uuid, serde_json::Value), String> = match item {
                Item::Example(e) => {
                    let d =
                        GoodExample { review: next, published_on: published_on(e.data.published_on.clone()), ..e.data };
                    labblogg_shared::validate::good_example(&d).map_err(|e| e.to_string()).map(|()| {
                        (RecordKind::GoodExample, e.id, e.lab_id, serde_json::to_value(&d).unwrap_or_default())
                    })
                }
                Item::Lesson(l) => {
                    let d = Lesson { review: next, published_on: published_on(l.data.published_on.clone()), ..l.data };
                    labblogg_shared::validate::lesson(&d)
                        .map_err(|e| e.to_string())
                        .map(|()| (RecordKind::Lesson, l.id, l.lab_id, serde_json::to_value(&d).unwrap_or_default()))
                }
            };
            let (kind, id, lab_id, value) = match result {
                Ok(x) => x,
                Err(why) => return error.set(Some(t_string!(i18n, kb_cannot_publish, why = why).to_string())),
            };
            let msg = match next {
                Review::Published => t_string!(i18n, kb_published_notice).to_string(),
                Review::Submitted => t_string!(i18n, kb_submitted_notice).to_string(),
                Review::Withdrawn => t_string!(i18n, kb_withdrawn_notice).to_string(),
                Review::Draft => t_string!(i18n, kb_saved_notice).to_string(),
            };
            review_write.dispatch((kind, id, lab_id, value, msg));
        }
    };
    let act = move |next: Review| {
        let f = set_review.clone();
        move |_| f(next)
    };
    let edit = {
        let item = item.clone();
        move |_| {
            mode.set(match &item {
                Item::Example(e) => Mode::Example { id: e.id, lab: Some(e.lab_id), data: Some(e.data.clone()) },
                Item::Lesson(l) => Mode::Lesson { id: l.id, lab: Some(l.lab_id), data: Some(l.data.clone()) },
            })
        }
    };

    let body = match item.clone() {
        Item::Example(e) => {
            let d = e.data;
            let en = english();
            let hours = d.staff_hours_per_week.map(|h| format::decimal(h, 1, en));
            let cost = d.cost_sek_per_year.map(|c| format::integer(c as i64, en));
            view! {
                <p class="muted">{d.organisation.clone()}{(!d.place.is_empty()).then(|| format!(" · {}", d.place))}</p>
                <p class="tags">
                    {d.focus_areas.iter().map(|f| view! { <span class="badge">{focus_label(*f, en)}</span>" " }).collect_view()}
                    {d.target_groups.iter().map(|t| view! { <span class="badge">{target_label(*t, en)}</span>" " }).collect_view()}
                    <span class="badge">{status_label(d.status, en)}</span>
                </p>
                <h2>{t!(i18n, kb_f_done)}</h2>
                <p class="prose" data-testid="knowledge-detail-done">{d.what_was_done.clone()}</p>
                {(!d.target_group.is_empty()).then(|| view! { <h2>{t!(i18n, kb_f_target_groups)}</h2><p>{d.target_group.clone()}</p> })}
                {(!d.partners.is_empty()).then(|| view! { <h2>{t!(i18n, kb_f_partners)}</h2><p>{d.partners.clone()}</p> })}
                <h2>{t!(i18n, kb_resources)}</h2>
                <ul>
                    {hours.map(|n| view! { <li>{t_string!(i18n, kb_staff_hours_n, n = n.clone()).to_string()}</li> })}
                    {cost.map(|n| view! { <li>{t_string!(i18n, kb_cost_n, n = n.clone()).to_string()}</li> })}
                    <li>{premises_label(d.premises, en)}</li>
                    {(!d.resources_note.is_empty()).then(|| view! { <li>{d.resources_note.clone()}</li> })}
                </ul>
                {(!d.results.is_empty() || !d.figures.is_empty()).then(|| view! {
                    <h2>{t!(i18n, kb_f_results)}</h2>
                    <p class="prose">{d.results.clone()}</p>
                    {(!d.figures.is_empty()).then(|| view! {
                        <table class="data" data-testid="knowledge-figures">
                            <tbody>{d.figures.iter().map(|f| view! { <tr><th scope="row">{f.label.clone()}</th><td>{f.value.clone()}</td></tr> }).collect_view()}</tbody>
                        </table>
                    })}
                })}
                {(!d.contact_role.is_empty()).then(|| view! { <h2>{t!(i18n, kb_contact)}</h2><p>{d.contact_role.clone()}</p> })}
                {(!d.goal_ids.is_empty() || !d.activity_ids.is_empty()).then(|| view! { <Linked goals=d.goal_ids.clone() activities=d.activity_ids.clone()/> })}
            }.into_any()
        }
        Item::Lesson(l) => {
            let d = l.data;
            let en = english();
            view! {
                <p class="muted">{d.organisation.clone()}{(!d.place.is_empty()).then(|| format!(" · {}", d.place))}</p>
                <p class="tags">
                    {d.factors.iter().map(|f| view! { <span class="badge">{factor_label(*f, en)}</span>" " }).collect_view()}
                    {d.focus_areas.iter().map(|f| view! { <span class="badge">{focus_label(*f, en)}</span>" " }).collect_view()}
                </p>
                <p class="prose" data-testid="knowledge-detail-done">{d.text.clone()}</p>
            }.into_any()
        }
    };
    let published = item.published_on().map(|d| format::date(d, english()));
    let is_example = matches!(item, Item::Example(_));
    let record_id = item.id();

    view! {
        <article class="card knowledge-page" data-testid="knowledge-detail" data-id=item.id().to_string() data-review=review.as_str()>
            <div class="list-head no-print">
                <button class="secondary" data-testid="knowledge-back" on:click=move |_| mode.set(Mode::List)>{t!(i18n, back)}</button>
                <button class="secondary" data-testid="knowledge-print"
                    on:click=move |_| { if let Some(w) = web_sys::window() { let _ = w.print(); } }>{t!(i18n, print)}</button>
            </div>
            <p class="muted">
                {move || if is_example { t_string!(i18n, kb_example).to_string() } else { t_string!(i18n, kb_lesson).to_string() }}
                " · "<span data-testid="knowledge-review-state">{move || match (&published, review) {
                    (Some(d), Review::Published) => t_string!(i18n, kb_published_on, date = d.clone()).to_string(),
                    _ => review_label(review, english()).to_owned(),
                }}</span>
            </p>
            <h1>{item.title().to_owned()}</h1>
            {body}
            {move || error.get().or_else(|| review_write.error()).map(|e| view! { <p class="error" role="alert" data-testid="knowledge-error">{e}</p> })}
            <div class="row form-actions no-print">
                {editable.then(|| view! { <button class="secondary" data-testid="knowledge-edit" on:click=edit.clone()>{t!(i18n, edit)}</button> })}
                {(own && review == Review::Draft).then(|| view! {
                    <button class="primary" data-testid="knowledge-submit" on:click=act(Review::Submitted)>{t!(i18n, kb_submit)}</button> })}
                {(coordinator && review != Review::Published).then(|| view! {
                    <button class="primary" data-testid="knowledge-publish" on:click=act(Review::Published)>{t!(i18n, kb_publish)}</button> })}
                {(coordinator && review == Review::Submitted).then(|| view! {
                    <button class="secondary" data-testid="knowledge-return" on:click=act(Review::Draft)>{t!(i18n, kb_return)}</button> })}
                {(coordinator && review == Review::Published).then(|| view! {
                    <button class="secondary danger" data-testid="knowledge-withdraw" on:click=act(Review::Withdrawn)>{t!(i18n, kb_withdraw)}</button> })}
            </div>
            // Its history, for the members of its own lab (others are not shown who changed it).
            {own.then(|| view! { <div class="no-print"><crate::components::record_history::RecordHistory record=record_id/></div> })}
        </article>
    }
}

/// The goals and activities an example comes from, by title where this
/// device holds them (its own lab's), else as a count.
#[component]
fn Linked(goals: Vec<Uuid>, activities: Vec<Uuid>) -> impl IntoView {
    let i18n = use_i18n();
    let english = move || i18n.get_locale() == Locale::en;
    let (n_goals, n_activities) = (goals.len(), activities.len());
    let titles = LocalResource::new(move || {
        let (goals, activities) = (goals.clone(), activities.clone());
        async move {
            let mut out = (Vec::new(), Vec::new());
            // Not on this device (another lab's) is no error: the count says what it links.
            for id in goals {
                if let Some(g) = store::record(id).await?.and_then(|s| records::typed::<labblogg_shared::Goal>(&s)) {
                    out.0.push(g.data.title);
                }
            }
            for id in activities {
                if let Some(a) = store::record(id).await?.and_then(|s| records::typed::<labblogg_shared::Activity>(&s))
                {
                    out.1.push((a.data.title, a.data.date));
                }
            }
            Ok::<_, crate::store::StoreError>(out)
        }
    });
    view! {
        {move || {
            let (goals, activities) = match titles.get() {
                Some(Err(error)) => return view! { <ReadError what=Reading::Records error=error/> }.into_any(),
                Some(Ok(t)) => t,
                None => Default::default(),
            };
            view! {
                {(n_goals > 0).then(|| view! {
                    <h2>{t!(i18n, kb_linked_goals)}</h2>
                    {if goals.is_empty() {
                        view! { <p class="muted">{t_string!(i18n, kb_linked_count, n = n_goals).to_string()}</p> }.into_any()
                    } else {
                        view! { <ul data-testid="knowledge-linked-goals">{goals.into_iter().map(|g| view! { <li>{g}</li> }).collect_view()}</ul> }.into_any()
                    }}
                })}
                {(n_activities > 0).then(|| view! {
                    <h2>{t!(i18n, kb_linked_activities)}</h2>
                    {if activities.is_empty() {
                        view! { <p class="muted">{t_string!(i18n, kb_linked_count, n = n_activities).to_string()}</p> }.into_any()
                    } else {
                        view! { <ul>{activities.into_iter().map(|(t, d)| view! { <li>{format!("{t} · {}", format::date(&d, english()))}</li> }).collect_view()}</ul> }.into_any()
                    }}
                })}
            }.into_any()
        }}
    }
}

/// The labs this user may propose in, by name from the local copy.
#[component]
fn LabChoice(lab: RwSignal<Option<Uuid>>, disabled: bool) -> impl IntoView {
    let SessionCtx(session) = expect_context::<SessionCtx>();
    let i18n = use_i18n();
    let labs = LocalResource::new(move || {
        let ids = session.get().map(|s| s.user.labs).unwrap_or_default();
        async move {
            let mut out = Vec::new();
            for id in ids {
                let name = store::record(id)
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
    view! {
        <label for="knowledge-lab">{t!(i18n, kb_f_lab)}</label>
        <select id="knowledge-lab" data-testid="knowledge-lab" disabled=disabled
            prop:value=move || lab.get().map(|l| l.to_string()).unwrap_or_default()
            on:change=move |ev| lab.set(Uuid::parse_str(&event_target_value(&ev)).ok())>
            {move || labs.get().unwrap_or_default().into_iter().map(|(id, name)| view! {
                <option value=id.to_string() selected=move || lab.get() == Some(id)>{name}</option>
            }).collect_view()}
        </select>
    }
}

/// Checkboxes for a set of enum values.
/// A chip per value of a closed list (focus areas, target groups, success factors), named in
/// the language shown.
fn enum_chips<T: Copy + PartialEq + serde::Serialize + Send + Sync + 'static, L: IntoView + 'static>(
    all: impl IntoIterator<Item = T>,
    testid: &'static str,
    chosen: RwSignal<Vec<T>>,
    label: fn(T, bool) -> L,
    english: impl Fn() -> bool + Copy + Send + Sync + 'static,
) -> impl IntoView {
    all.into_iter().map(|v| check_chip(testid, wire(&v), chosen, v, move || label(v, english()))).collect_view()
}

/// The lab's organisation and town, to prefill a new proposal.
async fn lab_origin(lab: Uuid) -> Option<(String, String)> {
    let s = store::record(lab).await.ok().flatten()?;
    let l = records::typed::<labblogg_shared::Lab>(&s)?;
    Some((l.data.organisation, l.data.city))
}

#[component]
fn ExampleForm(
    id: Uuid,
    lab: Option<Uuid>,
    data: Option<GoodExample>,
    on_done: Callback<Option<String>>,
    on_cancel: Callback<()>,
) -> impl IntoView {
    let SessionCtx(session) = expect_context::<SessionCtx>();
    let engine = expect_context::<SyncEngine>();
    let i18n = use_i18n();
    let english = move || i18n.get_locale() == Locale::en;
    let user_labs = session.get_untracked().map(|s| s.user.labs).unwrap_or_default();
    let is_new = lab.is_none();
    let lab = RwSignal::new(lab.or_else(|| user_labs.first().copied()));
    let d = data.clone();
    let get = |f: fn(&GoodExample) -> String| d.as_ref().map(f).unwrap_or_default();
    let title = RwSignal::new(get(|d| d.title.clone()));
    let organisation = RwSignal::new(get(|d| d.organisation.clone()));
    let place = RwSignal::new(get(|d| d.place.clone()));
    let focus = RwSignal::new(d.as_ref().map(|d| d.focus_areas.clone()).unwrap_or_default());
    let groups = RwSignal::new(d.as_ref().map(|d| d.target_groups.clone()).unwrap_or_default());
    let target_group = RwSignal::new(get(|d| d.target_group.clone()));
    let done = RwSignal::new(get(|d| d.what_was_done.clone()));
    let partners = RwSignal::new(get(|d| d.partners.clone()));
    let hours = RwSignal::new(
        d.as_ref().and_then(|d| d.staff_hours_per_week).map(|h| format::decimal(h, 1, false)).unwrap_or_default(),
    );
    let cost = RwSignal::new(d.as_ref().and_then(|d| d.cost_sek_per_year).map(|c| c.to_string()).unwrap_or_default());
    let premises = RwSignal::new(wire(&d.as_ref().map(|d| d.premises).unwrap_or_default()));
    let resources_note = RwSignal::new(get(|d| d.resources_note.clone()));
    let results = RwSignal::new(get(|d| d.results.clone()));
    let figures = RwSignal::new(
        d.as_ref()
            .map(|d| {
                d.figures
                    .iter()
                    .map(|f| (RwSignal::new(f.label.clone()), RwSignal::new(f.value.clone())))
                    .collect::<Vec<_>>()
            })
            .unwrap_or_default(),
    );
    let contact = RwSignal::new(get(|d| d.contact_role.clone()));
    let status = RwSignal::new(wire(&d.as_ref().map(|d| d.status).unwrap_or_default()));
    let goal_ids = RwSignal::new(d.as_ref().map(|d| d.goal_ids.clone()).unwrap_or_default());
    let activity_ids = RwSignal::new(d.as_ref().map(|d| d.activity_ids.clone()).unwrap_or_default());
    // The lab's goals and its latest activities, to link the example to.
    let lab_goals = LocalResource::new(move || {
        let lab = lab.get();
        async move { records::list::<labblogg_shared::Goal>(RecordKind::Goal, &lab.into_iter().collect::<Vec<_>>()).await }
    });
    let lab_activities = LocalResource::new(move || {
        let lab = lab.get();
        async move {
            let mut list =
                records::list::<labblogg_shared::Activity>(RecordKind::Activity, &lab.into_iter().collect::<Vec<_>>())
                    .await?;
            list.sort_by(|a, b| b.data.date.cmp(&a.data.date));
            Ok::<_, crate::store::StoreError>(list)
        }
    });
    // Not a year of checkboxes: the linked ones, then the last 90 days, or what the search finds (#16).
    let activity_search = RwSignal::new(String::new());
    let recent_from = labblogg_shared::calendar::day_of(&crate::clock::today())
        .map(|d| labblogg_shared::calendar::format_date(d - ACTIVITY_PICKER_DAYS))
        .unwrap_or_default();
    let activity_choices = move || {
        let q = activity_search.get().trim().to_lowercase();
        let chosen = activity_ids.get();
        let list = lab_activities.get().and_then(Result::ok).unwrap_or_default();
        let (linked, rest): (Vec<_>, Vec<_>) = list.into_iter().partition(|a| chosen.contains(&a.id));
        let found = rest
            .into_iter()
            .filter(|a| {
                if q.is_empty() {
                    a.data.date >= recent_from
                } else {
                    a.data.title.to_lowercase().contains(&q) || a.data.date.contains(&q)
                }
            })
            .take(ACTIVITY_PICKER_MAX);
        linked.into_iter().chain(found).collect::<Vec<_>>()
    };
    let kept = StoredValue::new(d.clone());
    let error = RwSignal::new(None::<String>);
    let findings = RwSignal::new(Vec::new());
    let pending_submit = RwSignal::new(false);

    // A new proposal starts with the lab's organisation and town.
    if organisation.get_untracked().is_empty() {
        spawn_local(async move {
            if let Some((org, city)) = match lab.get_untracked() {
                Some(l) => lab_origin(l).await,
                None => None,
            } {
                if organisation.get_untracked().is_empty() {
                    organisation.set(org);
                }
                if place.get_untracked().is_empty() {
                    place.set(city);
                }
            }
        });
    }

    let build = move |submit: bool| -> Result<GoodExample, String> {
        let base = kept.get_value();
        let hours = hours.get_untracked();
        let hours = if hours.trim().is_empty() {
            None
        } else {
            Some(format::parse_decimal(&hours).ok_or_else(|| t_string!(i18n, error_hours).to_string())?)
        };
        let cost = cost.get_untracked().chars().filter(|c| !c.is_whitespace()).collect::<String>();
        let cost = if cost.is_empty() {
            None
        } else {
            Some(cost.parse::<u64>().map_err(|_| format!("{}: {cost}", t_string!(i18n, kb_f_cost)))?)
        };
        let review = match (submit, base.as_ref().map(|b| b.review)) {
            (true, _) => Review::Submitted,
            (false, Some(r)) => r,
            (false, None) => Review::Draft,
        };
        let e = GoodExample {
            title: title.get_untracked().trim().to_owned(),
            organisation: organisation.get_untracked().trim().to_owned(),
            place: place.get_untracked().trim().to_owned(),
            focus_areas: focus.get_untracked(),
            target_groups: groups.get_untracked(),
            target_group: target_group.get_untracked().trim().to_owned(),
            what_was_done: done.get_untracked().trim().to_owned(),
            partners: partners.get_untracked().trim().to_owned(),
            staff_hours_per_week: hours,
            cost_sek_per_year: cost,
            premises: from_wire(&premises.get_untracked()).unwrap_or_default(),
            resources_note: resources_note.get_untracked().trim().to_owned(),
            results: results.get_untracked().trim().to_owned(),
            figures: figures
                .get_untracked()
                .iter()
                .map(|(l, v)| Figure {
                    label: l.get_untracked().trim().to_owned(),
                    value: v.get_untracked().trim().to_owned(),
                })
                .filter(|f| !f.label.is_empty() || !f.value.is_empty())
                .collect(),
            contact_role: contact.get_untracked().trim().to_owned(),
            status: from_wire(&status.get_untracked()).unwrap_or_default(),
            goal_ids: goal_ids.get_untracked(),
            activity_ids: activity_ids.get_untracked(),
            review,
            published_on: base.as_ref().and_then(|b| b.published_on.clone()),
        };
        labblogg_shared::validate::good_example(&e).map_err(|e| e.to_string())?;
        Ok(e)
    };

    // Saving is a write through an action; its failure shows where the form's own errors do.
    let save_write = Write::new(move |(lab_id, example, msg): &(Uuid, GoodExample, String)| {
        let (lab_id, example, msg) = (*lab_id, example.clone(), msg.clone());
        async move {
            let changed =
                records::save(RecordKind::GoodExample, id, lab_id, &example).await.map_err(|e| e.to_string())?;
            if changed {
                engine.local_write();
            }
            on_done.run(Some(msg));
            Ok(())
        }
    });
    let save = move |skip_guard: bool, submit: bool| {
        error.set(None);
        save_write.clear();
        let example = match build(submit) {
            Ok(e) => e,
            Err(e) => return error.set(Some(e)),
        };
        let Some(lab_id) = lab.get_untracked() else { return };
        if !skip_guard {
            let found =
                privacy_guard::check(&example.texts().into_iter().map(|(f, t)| (f.to_owned(), t)).collect::<Vec<_>>());
            if !found.is_empty() {
                pending_submit.set(submit);
                return findings.set(found);
            }
        }
        let msg = if submit {
            t_string!(i18n, kb_submitted_notice).to_string()
        } else {
            t_string!(i18n, kb_saved_notice).to_string()
        };
        save_write.dispatch((lab_id, example, msg));
    };
    let is_published = data.as_ref().is_some_and(|d| d.review.is_public());

    view! {
        <form class="card activity-form knowledge-form" data-testid="knowledge-form" on:submit=move |ev: leptos::ev::SubmitEvent| { ev.prevent_default(); save(false, false); }>
            // The lab's goals or activities could not be read: say so, not "none".
            {move || [lab_goals.get().and_then(Result::err), lab_activities.get().and_then(Result::err)]
                .into_iter().flatten().next().map(|error| view! { <ReadError what=Reading::Records error=error/> })}
            <h1>{t!(i18n, kb_example)}</h1>
            {(user_labs.len() > 1).then(|| view! { <LabChoice lab=lab disabled=!is_new/> })}
            <label for="kb-title">{t!(i18n, kb_f_title)}</label>
            <input id="kb-title" name="title" data-testid="knowledge-title" required maxlength="200" bind:value=title/>
            <div class="row">
                <div class="field"><label for="kb-organisation">{t!(i18n, kb_f_organisation)}</label>
                    <input id="kb-organisation" name="organisation" data-testid="knowledge-organisation" required maxlength="120" bind:value=organisation/></div>
                <div class="field"><label for="kb-place">{t!(i18n, kb_f_place)}</label>
                    <input id="kb-place" name="place" data-testid="knowledge-place" maxlength="120" bind:value=place/></div>
            </div>
            <fieldset>
                <legend>{t!(i18n, kb_f_focus)}</legend>
                <div class="chips">
                    {enum_chips(FocusArea::ALL, "knowledge-focus", focus, focus_label, english)}
                </div>
            </fieldset>
            <fieldset>
                <legend>{t!(i18n, kb_f_target_groups)}</legend>
                <div class="chips">
                    {enum_chips(TargetGroup::ALL, "knowledge-target-group", groups, target_label, english)}
                </div>
                <label for="kb-target">{t!(i18n, kb_f_target_group)}</label>
                <input id="kb-target" name="target_group" data-testid="knowledge-target-text" maxlength="200" bind:value=target_group/>
            </fieldset>
            <label for="kb-done">{t!(i18n, kb_f_done)}</label>
            <textarea id="kb-done" name="what_was_done" data-testid="knowledge-done" rows="5" required bind:value=done></textarea>
            <label for="kb-partners">{t!(i18n, kb_f_partners)}</label>
            <input id="kb-partners" name="partners" data-testid="knowledge-partners" bind:value=partners/>
            <fieldset>
                <legend>{t!(i18n, kb_resources)}</legend>
                <div class="row">
                    <div class="field"><label for="kb-hours">{t!(i18n, kb_f_hours)}</label>
                        <input id="kb-hours" name="staff_hours_per_week" inputmode="decimal" data-testid="knowledge-hours" bind:value=hours/></div>
                    <div class="field"><label for="kb-cost">{t!(i18n, kb_f_cost)}</label>
                        <input id="kb-cost" name="cost_sek_per_year" inputmode="numeric" data-testid="knowledge-cost" bind:value=cost/></div>
                    <div class="field"><label for="kb-premises">{t!(i18n, kb_f_premises)}</label>
                        <select id="kb-premises" name="premises" data-testid="knowledge-premises" bind:value=premises>
                            {Premises::ALL.into_iter().map(|p| view! { <option value=wire(&p)>{move || premises_label(p, english())}</option> }).collect_view()}
                        </select></div>
                </div>
                <label for="kb-resources">{t!(i18n, kb_f_resources_note)}</label>
                <input id="kb-resources" name="resources_note" data-testid="knowledge-resources-note" bind:value=resources_note/>
            </fieldset>
            <label for="kb-results">{t!(i18n, kb_f_results)}</label>
            <textarea id="kb-results" name="results" data-testid="knowledge-results-text" rows="3" bind:value=results></textarea>
            <fieldset>
                <legend>{t!(i18n, kb_f_figures)}</legend>
                {move || figures.get().into_iter().enumerate().map(|(i, (label, value))| view! {
                    <div class="row figure-row" data-testid="knowledge-figure">
                        <input aria-label=move || t_string!(i18n, kb_f_figure_label).to_string() data-testid="knowledge-figure-label" bind:value=label/>
                        <input aria-label=move || t_string!(i18n, kb_f_figure_value).to_string() data-testid="knowledge-figure-value" class="short" bind:value=value/>
                        <button type="button" class="secondary" on:click=move |_| figures.update(|f| { f.remove(i); })>{t!(i18n, kb_remove)}</button>
                    </div>
                }).collect_view()}
                <button type="button" class="secondary" data-testid="knowledge-add-figure"
                    on:click=move |_| figures.update(|f| f.push((RwSignal::new(String::new()), RwSignal::new(String::new()))))>{t!(i18n, kb_add_figure)}</button>
            </fieldset>
            <fieldset>
                <legend>{t!(i18n, kb_linked_goals)}</legend>
                <div class="chips">
                    {move || {
                        let list = lab_goals.get().and_then(Result::ok).unwrap_or_default();
                        if list.is_empty() {
                            return view! { <span class="muted">{t!(i18n, goals_none)}</span> }.into_any();
                        }
                        list.into_iter().map(|g| {
                            let gid = g.id;
                            view! {
                                {check_chip("knowledge-goal", gid.to_string(), goal_ids, gid, g.data.title.clone())}
                            }
                        }).collect_view().into_any()
                    }}
                </div>
            </fieldset>
            <fieldset>
                <legend>{t!(i18n, kb_linked_activities)}</legend>
                <label for="kb-activity-search">{t!(i18n, kb_activity_search)}</label>
                <input id="kb-activity-search" type="search" data-testid="knowledge-activity-search" autocomplete="off"
                    aria-describedby="kb-activity-search-hint" bind:value=activity_search/>
                <p class="muted" id="kb-activity-search-hint">{t!(i18n, kb_activity_search_hint)}</p>
                <div class="chips" data-testid="knowledge-activity-choices">
                    {move || activity_choices().into_iter().map(|a| {
                        let aid = a.id;
                        view! {
                            {check_chip("knowledge-activity", aid.to_string(), activity_ids, aid, format!("{} · {}", a.data.title, format::date(&a.data.date, english())))}
                        }
                    }).collect_view()}
                </div>
            </fieldset>
            <label for="kb-contact">{t!(i18n, kb_f_contact)}</label>
            <input id="kb-contact" name="contact_role" data-testid="knowledge-contact" maxlength="200" aria-describedby="kb-contact-hint" bind:value=contact/>
            <p class="muted" id="kb-contact-hint">{t!(i18n, kb_f_contact_hint)}</p>
            <label for="kb-status">{t!(i18n, kb_f_status)}</label>
            <select id="kb-status" name="status" data-testid="knowledge-status" bind:value=status>
                {ExampleStatus::ALL.into_iter().map(|s| view! { <option value=wire(&s)>{move || status_label(s, english())}</option> }).collect_view()}
            </select>

            {move || error.get().or_else(|| save_write.error()).map(|e| view! { <p class="error" role="alert" data-testid="knowledge-error">{e}</p> })}
            <PrivacyWarning findings=findings on_confirm=Callback::new(move |_| save(true, pending_submit.get_untracked()))/>
            <div class="row form-actions">
                <button type="submit" class="secondary" data-testid="knowledge-save">{t!(i18n, kb_save_draft)}</button>
                {(!is_published).then(|| view! {
                    <button type="button" class="primary" data-testid="knowledge-save-submit" on:click=move |_| save(false, true)>{t!(i18n, kb_save_submit)}</button>
                })}
                <button type="button" class="secondary" data-testid="knowledge-cancel" on:click=move |_| on_cancel.run(())>{t!(i18n, cancel)}</button>
            </div>
        </form>
    }
}

#[component]
fn LessonForm(
    id: Uuid,
    lab: Option<Uuid>,
    data: Option<Lesson>,
    on_done: Callback<Option<String>>,
    on_cancel: Callback<()>,
) -> impl IntoView {
    let SessionCtx(session) = expect_context::<SessionCtx>();
    let engine = expect_context::<SyncEngine>();
    let i18n = use_i18n();
    let english = move || i18n.get_locale() == Locale::en;
    let user_labs = session.get_untracked().map(|s| s.user.labs).unwrap_or_default();
    let is_new = lab.is_none();
    let lab = RwSignal::new(lab.or_else(|| user_labs.first().copied()));
    let title = RwSignal::new(data.as_ref().map(|d| d.title.clone()).unwrap_or_default());
    let text = RwSignal::new(data.as_ref().map(|d| d.text.clone()).unwrap_or_default());
    let factors = RwSignal::new(data.as_ref().map(|d| d.factors.clone()).unwrap_or_default());
    let focus = RwSignal::new(data.as_ref().map(|d| d.focus_areas.clone()).unwrap_or_default());
    let error = RwSignal::new(None::<String>);
    let findings = RwSignal::new(Vec::new());
    let pending_submit = RwSignal::new(false);
    let kept = StoredValue::new(data.clone());
    let is_published = data.as_ref().is_some_and(|d| d.review.is_public());

    // Saving is a write through an action; its failure shows where the form's own errors do.
    let save_write = Write::new(move |(lab_id, lesson, msg): &(Uuid, Lesson, String)| {
        let (lab_id, mut lesson, msg) = (*lab_id, lesson.clone(), msg.clone());
        async move {
            if lesson.organisation.is_empty() {
                if let Some((org, city)) = lab_origin(lab_id).await {
                    lesson.organisation = org;
                    lesson.place = city;
                }
            }
            let changed = records::save(RecordKind::Lesson, id, lab_id, &lesson).await.map_err(|e| e.to_string())?;
            if changed {
                engine.local_write();
            }
            on_done.run(Some(msg));
            Ok(())
        }
    });
    let save = move |skip_guard: bool, submit: bool| {
        error.set(None);
        save_write.clear();
        let Some(lab_id) = lab.get_untracked() else { return };
        let base = kept.get_value();
        let (org, place) = base.as_ref().map(|b| (b.organisation.clone(), b.place.clone())).unwrap_or_default();
        let lesson = Lesson {
            title: title.get_untracked().trim().to_owned(),
            text: text.get_untracked().trim().to_owned(),
            factors: factors.get_untracked(),
            focus_areas: focus.get_untracked(),
            organisation: org,
            place,
            activity_id: base.as_ref().and_then(|b| b.activity_id),
            review: if submit { Review::Submitted } else { base.as_ref().map_or(Review::Draft, |b| b.review) },
            published_on: base.as_ref().and_then(|b| b.published_on.clone()),
        };
        if let Err(e) = labblogg_shared::validate::lesson(&lesson) {
            return error.set(Some(e.to_string()));
        }
        if !skip_guard {
            let found =
                privacy_guard::check(&lesson.texts().into_iter().map(|(f, t)| (f.to_owned(), t)).collect::<Vec<_>>());
            if !found.is_empty() {
                pending_submit.set(submit);
                return findings.set(found);
            }
        }
        let msg = if submit {
            t_string!(i18n, kb_submitted_notice).to_string()
        } else {
            t_string!(i18n, kb_saved_notice).to_string()
        };
        save_write.dispatch((lab_id, lesson, msg));
    };

    view! {
        <form class="card activity-form knowledge-form" data-testid="knowledge-lesson-form" on:submit=move |ev: leptos::ev::SubmitEvent| { ev.prevent_default(); save(false, false); }>
            <h1>{t!(i18n, kb_lesson)}</h1>
            {(user_labs.len() > 1).then(|| view! { <LabChoice lab=lab disabled=!is_new/> })}
            <label for="kb-lesson-title">{t!(i18n, kb_f_title)}</label>
            <input id="kb-lesson-title" name="title" data-testid="knowledge-title" required maxlength="200" bind:value=title/>
            <label for="kb-lesson-text">{t!(i18n, kb_f_text)}</label>
            <textarea id="kb-lesson-text" name="text" data-testid="knowledge-lesson-text" rows="5" required bind:value=text></textarea>
            <fieldset>
                <legend>{t!(i18n, kb_f_factors)}</legend>
                <div class="chips">
                    {enum_chips(SuccessFactor::ALL, "knowledge-factor", factors, factor_label, english)}
                </div>
            </fieldset>
            <fieldset>
                <legend>{t!(i18n, kb_f_focus)}</legend>
                <div class="chips">
                    {enum_chips(FocusArea::ALL, "knowledge-focus", focus, focus_label, english)}
                </div>
            </fieldset>
            {move || error.get().or_else(|| save_write.error()).map(|e| view! { <p class="error" role="alert" data-testid="knowledge-error">{e}</p> })}
            <PrivacyWarning findings=findings on_confirm=Callback::new(move |_| save(true, pending_submit.get_untracked()))/>
            <div class="row form-actions">
                <button type="submit" class="secondary" data-testid="knowledge-save">{t!(i18n, kb_save_draft)}</button>
                {(!is_published).then(|| view! {
                    <button type="button" class="primary" data-testid="knowledge-save-submit" on:click=move |_| save(false, true)>{t!(i18n, kb_save_submit)}</button>
                })}
                <button type="button" class="secondary" data-testid="knowledge-cancel" on:click=move |_| on_cancel.run(())>{t!(i18n, cancel)}</button>
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
    fn swedish_labels_are_shareds() {
        for r in Review::ALL {
            assert_eq!(review_label(r, false), r.label_sv());
        }
        for s in ExampleStatus::ALL {
            assert_eq!(status_label(s, false), s.label_sv());
        }
        for t in TargetGroup::ALL {
            assert_eq!(target_label(t, false), t.label_sv());
            assert_eq!(target_label(t, true), t.label_en());
        }
        for p in Premises::ALL {
            assert_eq!(premises_label(p, false), p.label_sv());
            assert_eq!(premises_label(p, true), p.label_en());
        }
        for f in SuccessFactor::ALL {
            assert_eq!(factor_label(f, false), f.label_sv());
            assert_eq!(factor_label(f, true), f.label_en());
        }
    }
}
