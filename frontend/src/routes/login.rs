//! Sign-in: with the server when it answers; without it for anyone who has
//! signed in on this device before (checked against the verifier kept here,
//! `device_users.rs`). The device is named at its first sign-in.

use crate::context::SessionCtx;
use crate::device_users;
use crate::i18n::*;
use crate::signin::{self, SignInError, SignedIn};
use crate::sync::SyncEngine;
use crate::write::Write;
use leptos::prelude::*;

#[component]
pub fn Login() -> impl IntoView {
    let SessionCtx(current) = expect_context::<SessionCtx>();
    let engine = expect_context::<SyncEngine>();
    let username = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let device_name = RwSignal::new(String::new());
    // A device name too long, found before anything is sent.
    let error = RwSignal::new(None::<String>);
    let i18n = use_i18n();
    // Asked only until the device has a name.
    let unnamed = device_users::device_name().is_none();
    // Who signed in here before (for a quick pick, and what of theirs waits).
    let known: Vec<_> = device_users::users().into_iter().filter(|u| u.verifier.is_some() || u.pending > 0).collect();

    // Signing in is a write through an action: pending while the server (or the verifier on
    // this device) answers; its error is the sign-in's refusal in words for the tablet.
    let sign_in = Write::new(move |(typed, password_typed, name): &(String, String, Option<String>)| {
        let (typed, password_typed, name) = (typed.clone(), password_typed.clone(), name.clone());
        async move {
            match signin::sign_in(&typed, &password_typed, name).await {
                Ok(signed) => {
                    let offline = matches!(signed, SignedIn::Offline(_));
                    let (SignedIn::Online(s) | SignedIn::Offline(s)) = signed;
                    password.set(String::new());
                    signin::activate(s, current, engine);
                    if offline {
                        engine.message.set(Some(t_string!(i18n, login_offline_done).to_string()));
                    }
                    // Ask once, at sign-in, that the browser keep the local copy.
                    let _ = crate::browser::request_persistence().await;
                    Ok(())
                }
                Err(e) => Err(match e {
                    SignInError::OfflineUnknown => t_string!(i18n, login_offline_unknown).to_string(),
                    SignInError::OfflineWrong => t_string!(i18n, login_offline_wrong).to_string(),
                    SignInError::OfflineNoVerifier => t_string!(i18n, login_offline_no_verifier).to_string(),
                    SignInError::Server(m) | SignInError::Local(m) => m,
                }),
            }
        }
    });
    let busy = move || sign_in.pending().get();

    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if sign_in.pending().get_untracked() {
            return;
        }
        let name = match labblogg_shared::auth::clean_device_name(&device_name.get_untracked()) {
            Ok(n) => n,
            Err(_) => {
                sign_in.clear();
                return error.set(Some(t_string!(i18n, device_name_too_long).to_string()));
            }
        };
        error.set(None);
        // The last try's refusal goes as the next one starts, as before.
        sign_in.clear();
        sign_in.dispatch((username.get_untracked(), password.get_untracked(), name));
    };

    view! {
        <form class="card login" on:submit=submit data-testid="login-form">
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
            {unnamed.then(|| view! {
                <label for="device-name">{t!(i18n, device_name_label)}</label>
                <input id="device-name" name="device_name" data-testid="device-name" maxlength="60"
                    aria-describedby="device-name-hint" bind:value=device_name/>
                <p class="muted" id="device-name-hint">{t!(i18n, device_name_hint)}</p>
            })}
            {move || error.get().or_else(|| sign_in.error()).map(|e| view! { <p class="error" role="alert" data-testid="login-error">{e}</p> })}
            <button type="submit" class="primary" data-testid="login-submit" disabled=busy>
                {move || if busy() { t_string!(i18n, login_busy) } else { t_string!(i18n, login_button) }}
            </button>
            {(!known.is_empty()).then(|| view! {
                <div class="device-users" data-testid="device-users">
                    <h2>{t!(i18n, device_users_title)}</h2>
                    <ul>
                        {known.into_iter().map(|u| {
                            let name = u.username.clone();
                            let pending = u.pending;
                            let refused = u.token_refused;
                            let label = u.display_name.clone();
                            view! {
                                <li>
                                    <button type="button" class="link" data-testid="device-user" data-username=u.username.clone()
                                        on:click=move |_| username.set(name.clone())>{label.clone()}</button>
                                    {(pending > 0).then(|| view! {
                                        " " <span class=if refused { "warning" } else { "muted" } data-testid="device-user-waiting" data-refused=refused.to_string()>
                                            {move || if refused {
                                                t_string!(i18n, device_user_refused, name = u.display_name.clone(), n = pending).to_string()
                                            } else {
                                                t_string!(i18n, device_user_waiting, name = u.display_name.clone(), n = pending).to_string()
                                            }}</span>
                                    })}
                                </li>
                            }
                        }).collect_view()}
                    </ul>
                </div>
            })}
        </form>
    }
}
