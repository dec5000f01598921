//! The root component: it provides the shared context (`context.rs`), and
//! who is signed in and the URL decide what shows: one route per screen
//! (paths and who may open them in `nav.rs`).

use crate::components::quick_lock::{LockButton, LockScreen, QuickLock};
use crate::components::sync_status::SyncStatus;
use crate::components::update_banner::UpdateBanner;
use crate::context::{KnowledgePrefill, SessionCtx};
use crate::i18n::*;
use crate::lazy::{self, LazyScreen};
use crate::nav::{self, Page};
use crate::routes::{counter::Counter, login::Login};
use crate::session::{self, Session};
use crate::sync::SyncEngine;
use leptos::prelude::*;
use leptos_router::components::{FlatRoutes, Route, Router, A};
use leptos_router::hooks::{use_location, use_navigate};
use leptos_router::{path, NavigateOptions};

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
    provide_context(KnowledgePrefill(RwSignal::new(None)));
    provide_context(crate::context::SharedDataset::at_root());
    engine.start();

    view! {
        <I18nContextProvider>
            <Router>
                <Shell session=session engine=engine/>
            </Router>
        </I18nContextProvider>
    }
}

#[component]
fn Shell(session: RwSignal<Option<Session>>, engine: SyncEngine) -> impl IntoView {
    let i18n = use_i18n();
    // Swedish unless this device chose English, whatever the browser prefers.
    // Set from an effect: the i18n provider's own effect picks the browser's
    // language first, and effects run in the order they were created.
    let wanted = crate::labels::device_locale();
    Effect::new(move |_| i18n.set_locale(wanted));
    // The document's language follows the UI's, for screen readers.
    Effect::new(move |_| {
        let lang = if i18n.get_locale() == Locale::en { "en" } else { "sv" };
        if let Some(html) = web_sys::window().and_then(|w| w.document()).and_then(|d| d.document_element()) {
            let _ = html.set_attribute("lang", lang);
        }
    });
    let signed_in = move || session.with(Option::is_some) && !engine.signed_out.get();
    // Signed in, the other screens' code comes in the background (lazy.rs).
    Effect::new(move |_| {
        if signed_in() {
            lazy::prefetch_later();
        }
    });
    // Signed out, any URL shows the sign-in and remembers where it was
    // (`/logga-in?till=…`); signed in, `/` and the sign-in lead on to that
    // screen or the user's first one (staff: the counter). Whoever signs out
    // or steps aside leaves no screen for the next person.
    let location = use_location();
    let navigate = use_navigate();
    Effect::new(move |prev: Option<Option<String>>| {
        let user = session.with(|s| s.as_ref().map(|s| s.user.clone())).filter(|_| signed_in());
        let name = session.with(|s| s.as_ref().map(|s| s.user.username.clone()));
        let left = matches!(prev, Some(Some(_))) && name.is_none();
        // Someone else now (without a sign-in form between): their own first screen.
        let switched = matches!(&prev, Some(Some(p)) if name.as_ref().is_some_and(|n| n != p));
        let path = location.pathname.get();
        let search = location.search.get();
        let till = location.query.with(|q| q.get("till"));
        let to = match &user {
            Some(u) if switched => Some(nav::start(u).path().to_owned()),
            _ => nav::redirect(user.as_ref(), left, &path, &search, till.as_deref()),
        };
        if let Some(to) = to {
            navigate(&to, NavigateOptions { replace: true, ..Default::default() });
        }
        name
    });
    // The current screen's entry in sight when the row scrolls sideways (after a reload too).
    Effect::new(move |_| {
        let _ = location.pathname.get();
        request_animation_frame(show_current_entry);
    });
    let quick_lock = expect_context::<QuickLock>();
    // Locked: the app stays mounted (forms keep what was typed) but hidden.
    let hidden = move || quick_lock.locked.get() && quick_lock.armed.get();
    let menu = Memo::new(move |_| session.with(|s| s.as_ref().map(|s| nav::menu(&s.user)).unwrap_or_default()));
    let link = move |page: Page| {
        let current = move || (Page::of_path(&location.pathname.get()) == Some(page)).then_some("page");
        view! {
            <a class="nav-link" href=page.path() data-testid=page.testid() aria-current=current>
                {move || match page {
                    Page::Counter => t_string!(i18n, nav_counter),
                    Page::Activities => t_string!(i18n, nav_activities),
                    Page::Goals => t_string!(i18n, nav_goals),
                    Page::Overview => t_string!(i18n, nav_overview),
                    Page::Compare => t_string!(i18n, nav_compare),
                    Page::YearReport => t_string!(i18n, nav_year_report),
                    Page::Knowledge => t_string!(i18n, nav_knowledge),
                    Page::Settings => t_string!(i18n, nav_settings),
                    Page::Setup => t_string!(i18n, nav_setup),
                    Page::Trash => t_string!(i18n, nav_trash),
                    Page::Admin => t_string!(i18n, nav_admin),
                }}
            </a>
        }
    };
    view! {
        <header class="topbar">
            <span class="brand">{t!(i18n, brand)}</span>
            <Show when=signed_in>
                // One row: what the role uses daily first, then the rest, scrolled sideways when narrow.
                <nav class="nav" aria-label=move || t_string!(i18n, nav_label) data-testid="nav">
                    {move || {
                        let (daily, rest) = menu.get();
                        let more = !rest.is_empty() && !daily.is_empty();
                        view! {
                            {daily.into_iter().map(link).collect_view()}
                            {more.then(|| view! { <span class="nav-sep" aria-hidden="true"></span> })}
                            {rest.into_iter().map(link).collect_view()}
                        }
                    }}
                </nav>
            </Show>
            <LockButton/>
            <SyncStatus/>
        </header>
        <UpdateBanner/>
        <main hidden=hidden>
            <Show when=signed_in fallback=|| view! { <Login/> }>
                // No nested routes: the flat router, lighter than the nested one. Every screen
                // but the counter is loaded when first opened (lazy.rs).
                <FlatRoutes fallback=NotFound>
                    <Route path=path!("/") view=Nothing/>
                    <Route path=path!("/logga-in") view=Nothing/>
                    <Route path=path!("/besok") view=Counter/>
                    <Route path=path!("/aktiviteter/:id?") view=|| view! { <LazyScreen load=lazy::activities/> }/>
                    <Route path=path!("/mal") view=|| view! { <LazyScreen load=lazy::goals/> }/>
                    <Route path=path!("/oversikt") view=|| view! { <LazyScreen load=lazy::overview/> }/>
                    <Route path=path!("/labb/:id/rapport") view=|| view! { <LazyScreen load=lazy::lab_report/> }/>
                    <Route path=path!("/jamfor") view=|| view! { <LazyScreen load=lazy::compare/> }/>
                    <Route path=path!("/arsrapport") view=|| view! { <LazyScreen load=lazy::year_report/> }/>
                    <Route path=path!("/kunskap") view=|| view! { <LazyScreen load=lazy::knowledge/> }/>
                    <Route path=path!("/installningar") view=|| view! { <LazyScreen load=lazy::settings/> }/>
                    <Route path=path!("/labbet") view=|| view! { <Only page=Page::Setup><LazyScreen load=lazy::setup/></Only> }/>
                    <Route path=path!("/papperskorg") view=|| view! { <Only page=Page::Trash><LazyScreen load=lazy::trash/></Only> }/>
                    <Route path=path!("/admin") view=|| view! { <Only page=Page::Admin><LazyScreen load=lazy::admin/></Only> }/>
                </FlatRoutes>
            </Show>
        </main>
        <LockScreen/>
    }
}

/// Scroll the header's row so that the current screen's entry shows.
fn show_current_entry() {
    use wasm_bindgen::JsCast;
    let Some(doc) = web_sys::window().and_then(|w| w.document()) else { return };
    let find =
        |css: &str| doc.query_selector(css).ok().flatten().and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok());
    let (Some(nav), Some(current)) = (find("header .nav"), find("header .nav [aria-current=page]")) else { return };
    // The row is the entries' offset parent (`position: relative` in style.css).
    let (left, width) = (current.offset_left(), current.offset_width());
    let (shown, room) = (nav.scroll_left(), nav.client_width());
    if left < shown {
        nav.set_scroll_left(left);
    } else if left + width > shown + room {
        nav.set_scroll_left(left + width - room);
    }
}

/// `/` and the sign-in while signed in: shown only until the app moves on.
#[component]
fn Nothing() -> impl IntoView {}

/// A screen only some roles use: the others are told so, with a way home.
#[component]
fn Only(page: Page, children: ChildrenFn) -> impl IntoView {
    let SessionCtx(session) = expect_context::<SessionCtx>();
    // A memo: the screen is built again only when the answer changes.
    let allowed = Memo::new(move |_| session.with(|s| s.as_ref().is_some_and(|s| nav::may_open(page, &s.user))));
    move || if allowed.get() { children().into_any() } else { view! { <NotFound/> }.into_any() }
}

/// Any path that is no screen of this app (or none of this user's).
#[component]
fn NotFound() -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <section class="card" data-testid="not-found">
            <h1>{t!(i18n, not_found_title)}</h1>
            <p>{t!(i18n, not_found_text)}</p>
            <A href="/" attr:class="primary button-link" attr:data-testid="not-found-home">{t!(i18n, not_found_home)}</A>
        </section>
    }
}
