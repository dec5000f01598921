//! The root component: who is signed in decides what shows.

use crate::components::quick_lock::{LockButton, LockScreen, QuickLock};
use crate::components::sync_status::SyncStatus;
use crate::components::update_banner::UpdateBanner;
use crate::i18n::*;
use crate::lazy::{self, LazyScreen};
use crate::routes::{counter::Counter, login::Login};
use crate::session::{self, Session};
use crate::sync::SyncEngine;
use leptos::prelude::*;

/// The signed-in session, shared through context.
#[derive(Clone, Copy)]
pub struct SessionCtx(pub RwSignal<Option<Session>>);

/// Moves to another screen (e.g. from a lab's report to a prefilled example).
#[derive(Clone, Copy)]
pub struct Navigate(pub RwSignal<Screen>);

/// The screen on show once signed in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Screen {
    Counter,
    Activities,
    Goals,
    Overview,
    Compare,
    Settings,
    /// Good examples and lessons from every lab (`routes/knowledge.rs`).
    Knowledge,
    /// Accounts, devices, labs and the audit log: administrators only.
    Admin,
    /// Deleted records of the labs one coordinates (`routes/trash.rs`).
    Trash,
    /// Setting up a lab (profile, places, partners, goals, questions): its coordinators.
    Setup,
    /// The year's report of a lab or of one's labs together (`routes/year_report.rs`).
    YearReport,
}

#[component]
pub fn App() -> impl IntoView {
    let stored = session::load();
    // Every screen reads the signed-in user's own database; nobody's before anyone signs in.
    match &stored {
        Some(s) => {
            crate::device_users::adopt_legacy_session(s);
            crate::store::select_database(&crate::device_users::database_for(&s.user));
        }
        None => crate::store::deselect(),
    }
    // Another tab signed someone in or out, or switched: this one follows
    // (a reload reads who is signed in now, and opens locked if the app is).
    crate::tabs::listen(crate::tabs::Message::Session, || {
        if let Some(w) = web_sys::window() {
            let _ = w.location().reload();
        }
    });
    let session = RwSignal::new(stored);
    let engine = SyncEngine::new();
    provide_context(SessionCtx(session));
    provide_context(engine);
    provide_context(QuickLock::new());
    provide_context(crate::routes::knowledge::KnowledgePrefill(RwSignal::new(None)));
    provide_context(crate::routes::year_report::YearReportLab(RwSignal::new(None)));
    engine.start();

    view! {
        <I18nContextProvider>
            <Shell session=session engine=engine/>
        </I18nContextProvider>
    }
}

#[component]
fn Shell(session: RwSignal<Option<Session>>, engine: SyncEngine) -> impl IntoView {
    let i18n = use_i18n();
    // Swedish unless this device chose English, whatever the browser prefers.
    // Set from an effect: the i18n provider's own effect picks the browser's
    // language first, and effects run in the order they were created.
    let wanted = if session::language() == "en" { Locale::en } else { Locale::sv };
    Effect::new(move |_| i18n.set_locale(wanted));
    // The document's language follows the UI's, for screen readers.
    Effect::new(move |_| {
        let lang = if i18n.get_locale() == Locale::en { "en" } else { "sv" };
        if let Some(html) = web_sys::window().and_then(|w| w.document()).and_then(|d| d.document_element()) {
            let _ = html.set_attribute("lang", lang);
        }
    });
    let screen = RwSignal::new(Screen::Counter);
    provide_context(Navigate(screen));
    // Staff land on the visit counter, everyone else on the overview, at
    // sign-in and after every reload.
    Effect::new(move |prev: Option<Option<String>>| {
        let user = session.with(|s| s.as_ref().map(|s| (s.user.username.clone(), s.user.role)));
        let name = user.as_ref().map(|(n, _)| n.clone());
        if prev.as_ref() != Some(&name) {
            let start = match user.map(|(_, r)| r) {
                Some(labblogg_shared::auth::Role::Staff) | None => Screen::Counter,
                Some(_) => Screen::Overview,
            };
            screen.set(start);
        }
        name
    });
    let signed_in = move || session.with(Option::is_some) && !engine.signed_out.get();
    let is_admin =
        move || session.with(|s| s.as_ref().is_some_and(|s| s.user.role == labblogg_shared::auth::Role::Admin));
    // Coordinators and administrators keep a Papperskorg; staff do not.
    let keeps_bin = move || {
        session.with(|s| {
            s.as_ref().is_some_and(|s| {
                matches!(s.user.role, labblogg_shared::auth::Role::Admin | labblogg_shared::auth::Role::Coordinator)
            })
        })
    };
    let coordinates = move || !crate::routes::setup::coordinated_labs(session).is_empty();
    let quick_lock = expect_context::<QuickLock>();
    // Locked: the app stays mounted (forms keep what was typed) but hidden.
    let hidden = move || quick_lock.locked.get() && quick_lock.armed.get();
    view! {
        <header class="topbar">
            <span class="brand">{t!(i18n, brand)}</span>
            <Show when=signed_in>
                <nav class="nav">
                    {[
                        (Screen::Counter, "nav-counter"),
                        (Screen::Activities, "nav-activities"),
                        (Screen::Goals, "nav-goals"),
                        (Screen::Overview, "nav-overview"),
                        (Screen::Compare, "nav-compare"),
                        (Screen::YearReport, "nav-year-report"),
                        (Screen::Knowledge, "nav-knowledge"),
                        (Screen::Settings, "nav-settings"),
                    ].into_iter().map(|(target, testid)| view! {
                        <button class="nav-link" data-testid=testid
                            aria-current=move || (screen.get() == target).then_some("page")
                            on:click=move |_| screen.set(target)>
                            {move || match target {
                                Screen::Counter => t_string!(i18n, nav_counter),
                                Screen::Activities => t_string!(i18n, nav_activities),
                                Screen::Goals => t_string!(i18n, nav_goals),
                                Screen::Overview => t_string!(i18n, nav_overview),
                                Screen::Compare => t_string!(i18n, nav_compare),
                                Screen::Settings => t_string!(i18n, nav_settings),
                                Screen::Knowledge => t_string!(i18n, nav_knowledge),
                                Screen::Admin => t_string!(i18n, nav_admin),
                                Screen::Trash => t_string!(i18n, nav_trash),
                                Screen::Setup => t_string!(i18n, nav_setup),
                                Screen::YearReport => t_string!(i18n, nav_year_report),
                            }}
                        </button>
                    }).collect_view()}
                    <Show when=coordinates>
                        <button class="nav-link" data-testid="nav-setup"
                            aria-current=move || (screen.get() == Screen::Setup).then_some("page")
                            on:click=move |_| screen.set(Screen::Setup)>{t!(i18n, nav_setup)}</button>
                    </Show>
                    <Show when=keeps_bin>
                        <button class="nav-link" data-testid="nav-trash"
                            aria-current=move || (screen.get() == Screen::Trash).then_some("page")
                            on:click=move |_| screen.set(Screen::Trash)>{t!(i18n, nav_trash)}</button>
                    </Show>
                    <Show when=is_admin>
                        <button class="nav-link" data-testid="nav-admin"
                            aria-current=move || (screen.get() == Screen::Admin).then_some("page")
                            on:click=move |_| screen.set(Screen::Admin)>{t!(i18n, nav_admin)}</button>
                    </Show>
                </nav>
            </Show>
            <LockButton/>
            <SyncStatus/>
        </header>
        <UpdateBanner/>
        <main hidden=hidden>
            <Show when=signed_in fallback=|| view! { <Login/> }>
                {move || match screen.get() {
                    // Every screen but the counter is loaded when first opened (lazy.rs).
                    Screen::Counter => view! { <Counter/> }.into_any(),
                    Screen::Activities => view! { <LazyScreen load=lazy::activities/> }.into_any(),
                    Screen::Goals => view! { <LazyScreen load=lazy::goals/> }.into_any(),
                    Screen::Overview => view! { <LazyScreen load=lazy::overview/> }.into_any(),
                    Screen::Compare => view! { <LazyScreen load=lazy::compare/> }.into_any(),
                    Screen::Settings => view! { <LazyScreen load=lazy::settings/> }.into_any(),
                    Screen::Knowledge => view! { <LazyScreen load=lazy::knowledge/> }.into_any(),
                    Screen::Admin => view! { <LazyScreen load=lazy::admin/> }.into_any(),
                    Screen::Trash => view! { <LazyScreen load=lazy::trash/> }.into_any(),
                    Screen::Setup => view! { <LazyScreen load=lazy::setup/> }.into_any(),
                    Screen::YearReport => view! { <LazyScreen load=lazy::year_report/> }.into_any(),
                }}
            </Show>
        </main>
        <LockScreen/>
    }
}
