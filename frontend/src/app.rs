//! The root component: who is signed in decides what shows.

use crate::components::sync_status::SyncStatus;
use crate::components::update_banner::UpdateBanner;
use crate::routes::{activities::Activities, counter::Counter, goals::Goals, login::Login, settings::Settings};
use crate::i18n::*;
use crate::session::{self, Session};
use crate::sync::SyncEngine;
use leptos::prelude::*;

/// The signed-in session, shared through context.
#[derive(Clone, Copy)]
pub struct SessionCtx(pub RwSignal<Option<Session>>);

/// The screen on show once signed in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Screen {
    Counter,
    Activities,
    Goals,
    Settings,
}

#[component]
pub fn App() -> impl IntoView {
    let session = RwSignal::new(session::load());
    let engine = SyncEngine::new();
    provide_context(SessionCtx(session));
    provide_context(engine);
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
    let signed_in = move || session.with(Option::is_some) && !engine.signed_out.get();
    view! {
        <header class="topbar">
            <span class="brand">{t!(i18n, brand)}</span>
            <Show when=signed_in>
                <nav class="nav">
                    {[
                        (Screen::Counter, "nav-counter"),
                        (Screen::Activities, "nav-activities"),
                        (Screen::Goals, "nav-goals"),
                        (Screen::Settings, "nav-settings"),
                    ].into_iter().map(|(target, testid)| view! {
                        <button class="nav-link" data-testid=testid
                            aria-current=move || (screen.get() == target).then_some("page")
                            on:click=move |_| screen.set(target)>
                            {move || match target {
                                Screen::Counter => t_string!(i18n, nav_counter),
                                Screen::Activities => t_string!(i18n, nav_activities),
                                Screen::Goals => t_string!(i18n, nav_goals),
                                Screen::Settings => t_string!(i18n, nav_settings),
                            }}
                        </button>
                    }).collect_view()}
                </nav>
            </Show>
            <SyncStatus/>
        </header>
        <UpdateBanner/>
        <main>
            <Show when=signed_in fallback=|| view! { <Login/> }>
                {move || match screen.get() {
                    Screen::Counter => view! { <Counter/> }.into_any(),
                    Screen::Activities => view! { <Activities/> }.into_any(),
                    Screen::Goals => view! { <Goals/> }.into_any(),
                    Screen::Settings => view! { <Settings/> }.into_any(),
                }}
            </Show>
        </main>
    }
}
