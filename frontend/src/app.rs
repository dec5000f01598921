//! The root component: who is signed in decides what shows.

use crate::components::sync_status::SyncStatus;
use crate::routes::{counter::Counter, login::Login};
use crate::session::{self, Session};
use crate::sync::SyncEngine;
use leptos::prelude::*;

/// The signed-in session, shared through context.
#[derive(Clone, Copy)]
pub struct SessionCtx(pub RwSignal<Option<Session>>);

#[component]
pub fn App() -> impl IntoView {
    let session = RwSignal::new(session::load());
    let engine = SyncEngine::new();
    provide_context(SessionCtx(session));
    provide_context(engine);
    engine.start();

    view! {
        <header class="topbar">
            <span class="brand">"Labblogg"</span>
            <SyncStatus/>
        </header>
        <main>
            <Show
                when=move || session.with(Option::is_some)
                fallback=|| view! { <Login/> }
            >
                <Counter/>
            </Show>
        </main>
    }
}
