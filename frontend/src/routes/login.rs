//! Sign-in. Needs the network once; afterwards the app works offline.

use crate::app::SessionCtx;
use crate::sync::SyncEngine;
use crate::i18n::*;
use crate::{api, session, store};
use labblogg_shared::auth::LoginRequest;
use leptos::prelude::*;
use leptos::task::spawn_local;

#[component]
pub fn Login() -> impl IntoView {
    let SessionCtx(current) = expect_context::<SessionCtx>();
    let engine = expect_context::<SyncEngine>();
    let username = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let i18n = use_i18n();

    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        busy.set(true);
        error.set(None);
        spawn_local(async move {
            let device_id = store::device_id().await.ok();
            let req = LoginRequest { username: username.get_untracked(), password: password.get_untracked(), device_id };
            match api::login(&req).await {
                Ok(resp) => {
                    let s = session::Session { token: resp.token, user: resp.user };
                    session::save(&s);
                    current.set(Some(s));
                    engine.signed_out.set(false);
                    engine.message.set(None);
                    // Nothing is "all saved" until the first full sync has run.
                    engine.state.set(crate::sync::SyncState::Pending);
                    engine.kick();
                    // Ask once, at sign-in, that the browser keep the local copy.
                    let _ = crate::browser::request_persistence().await;
                }
                Err(api::ApiError::Offline) => error.set(Some(t_string!(i18n, login_offline).to_string())),
                Err(e) => error.set(Some(e.to_string())),
            }
            busy.set(false);
        });
    };

    view! {
        <form class="card login" on:submit=submit>
            <h1>{t!(i18n, login_title)}</h1>
            {move || engine.signed_out.get().then(|| view! {
                <p class="notice" role="status">{t!(i18n, login_expired)}</p>
            })}
            <label for="username">{t!(i18n, username)}</label>
            <input id="username" name="username" autocomplete="username" autocapitalize="none" required
                bind:value=username/>
            <label for="password">{t!(i18n, password)}</label>
            <input id="password" name="password" type="password" autocomplete="current-password" required
                bind:value=password/>
            {move || error.get().map(|e| view! { <p class="error" role="alert">{e}</p> })}
            <button type="submit" class="primary" data-testid="login-submit" disabled=move || busy.get()>
                {move || if busy.get() { t_string!(i18n, login_busy) } else { t_string!(i18n, login_button) }}
            </button>
        </form>
    }
}
