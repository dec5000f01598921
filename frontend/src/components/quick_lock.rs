//! The quick lock on screen: the "Lås" button in the top bar, the idle
//! watch, and the lock screen that hides the app until the code is typed.
//! Only the view is hidden: the sync engine keeps running, and a half-filled
//! form is still there after unlocking. Every tab of the app locks and
//! unlocks together (`tabs::Message::Lock`), and "Byt användare" lets the
//! next person sign in while the previous one's changes keep syncing.

use crate::context::SessionCtx;
use crate::i18n::*;
use crate::lock::{self, Attempt, LockState};
use crate::signin::{self, SignInError, SignedIn};
use crate::sync::SyncEngine;
use crate::write::Write;
use crate::{clock, tabs};
use leptos::prelude::*;
use leptos::task::spawn_local;
use std::cell::Cell;
use std::time::Duration;

/// How often the idle watch looks at the clock.
const CHECK_EVERY: Duration = Duration::from_secs(5);
/// Last activity is written to localStorage at most this often (it survives a reload).
const PERSIST_EVERY_MS: u64 = 15_000;

thread_local! {
    static LAST_ACTIVE: Cell<u64> = const { Cell::new(0) };
    static LAST_PERSISTED: Cell<u64> = const { Cell::new(0) };
}

/// The lock's reactive state, shared through context.
#[derive(Clone, Copy)]
pub struct QuickLock {
    /// The app is hidden behind the lock screen.
    pub locked: RwSignal<bool>,
    /// A code is set on this device (without one there is no lock).
    pub armed: RwSignal<bool>,
    /// Minutes without interaction before locking.
    pub minutes: RwSignal<u32>,
}

impl QuickLock {
    /// Read the stored state: a reload of a locked (or long idle) app opens locked.
    pub fn new() -> Self {
        let stored = LockState::load();
        let now = clock::now_ms();
        let locked = stored.due(now);
        LAST_ACTIVE.with(|l| l.set(now));
        let me = QuickLock {
            locked: RwSignal::new(locked),
            armed: RwSignal::new(stored.has_pin()),
            minutes: RwSignal::new(stored.minutes()),
        };
        // Locked, unlocked, or a code set or removed in another tab: this one follows.
        tabs::listen_with(tabs::Message::Lock, move |state| {
            let state = serde_json::from_str(state).unwrap_or_else(|_| LockState::load());
            me.follow(state)
        });
        me
    }

    /// Take the state another tab announced (and stored).
    fn follow(self, stored: LockState) {
        self.armed.set(stored.has_pin());
        self.minutes.set(stored.minutes());
        let locked = stored.has_pin() && stored.locked;
        if !locked {
            LAST_ACTIVE.with(|l| l.set(clock::now_ms()));
        }
        self.locked.set(locked);
    }

    /// Lock now (when a code is set), in every tab.
    pub fn lock(self) {
        if !self.armed.get_untracked() {
            return;
        }
        lock::update(|s| s.locked = true);
        self.locked.set(true);
        announce_lock();
    }

    fn unlocked(self) {
        LAST_ACTIVE.with(|l| l.set(clock::now_ms()));
        self.locked.set(false);
        announce_lock();
    }

    /// Set a new code (already checked with [`lock::valid_pin`]).
    pub fn set_pin(self, pin: &str) {
        let salt = uuid::Uuid::new_v4().simple().to_string();
        lock::update(|s| {
            *s = std::mem::take(s).with_pin(pin, &salt);
            s.last_active_ms = clock::now_ms();
        });
        self.armed.set(true);
        announce_lock();
    }

    /// Remove the code: no lock any more on this device.
    pub fn clear_pin(self) {
        lock::update(|s| *s = std::mem::take(s).without_pin());
        self.armed.set(false);
        self.locked.set(false);
        announce_lock();
    }

    pub fn set_minutes(self, minutes: u32) {
        let m = minutes.clamp(lock::MIN_MINUTES, lock::MAX_MINUTES);
        lock::update(|s| s.minutes = m);
        self.minutes.set(m);
    }
}

/// Tell the other tabs the lock's state as stored now.
fn announce_lock() {
    let state = serde_json::to_string(&LockState::load()).unwrap_or_default();
    tabs::announce_with(tabs::Message::Lock, &state);
}

impl Default for QuickLock {
    fn default() -> Self {
        Self::new()
    }
}

fn signed_in() -> impl Fn() -> bool + Copy {
    let SessionCtx(session) = expect_context::<SessionCtx>();
    let engine = expect_context::<SyncEngine>();
    move || session.with(Option::is_some) && !engine.signed_out.get()
}

/// "Lås" in the top bar, while signed in with a code set.
#[component]
pub fn LockButton() -> impl IntoView {
    let quick_lock = expect_context::<QuickLock>();
    let signed_in = signed_in();
    let i18n = use_i18n();
    let SessionCtx(session) = expect_context::<SessionCtx>();
    let engine = expect_context::<SyncEngine>();
    view! {
        <Show when=move || signed_in() && quick_lock.armed.get() && !quick_lock.locked.get()>
            <button class="lock-button" data-testid="lock-now" on:click=move |_| quick_lock.lock()>
                <span aria-hidden="true">"🔒 "</span>{t!(i18n, lock_now)}
            </button>
        </Show>
        <Show when=move || signed_in() && !(quick_lock.armed.get() && quick_lock.locked.get())>
            <button class="lock-button" data-testid="switch-user"
                on:click=move |_| spawn_local(signin::switch_user(session, engine, quick_lock))>
                {t!(i18n, switch_user)}
            </button>
        </Show>
    }
}

/// The idle watch and, while locked, the lock screen over the whole app.
#[component]
pub fn LockScreen() -> impl IntoView {
    let quick_lock = expect_context::<QuickLock>();
    let SessionCtx(session) = expect_context::<SessionCtx>();
    let engine = expect_context::<SyncEngine>();
    let signed_in = signed_in();

    // Any interaction counts as activity; written down now and then, so a
    // reload of a long idle app still opens locked.
    let touch = move || {
        if quick_lock.locked.get_untracked() {
            return;
        }
        let now = clock::now_ms();
        LAST_ACTIVE.with(|l| l.set(now));
        if now.saturating_sub(LAST_PERSISTED.with(Cell::get)) >= PERSIST_EVERY_MS {
            LAST_PERSISTED.with(|l| l.set(now));
            if quick_lock.armed.get_untracked() {
                lock::update(|s| s.last_active_ms = now);
            }
        }
    };
    let listeners = [
        window_event_listener(leptos::ev::pointerdown, move |_| touch()),
        window_event_listener(leptos::ev::pointermove, move |_| touch()),
        window_event_listener(leptos::ev::keydown, move |_| touch()),
    ];
    let idle_watch = set_interval_with_handle(
        move || {
            let minutes = u64::from(quick_lock.minutes.get_untracked());
            // Activity in another tab counts too (it writes it down now and then): a
            // tab in the background must not lock the one in use.
            let last = LAST_ACTIVE.with(Cell::get).max(LockState::load().last_active_ms);
            let idle = clock::now_ms().saturating_sub(last);
            let signed_in = session.with_untracked(Option::is_some) && !engine.signed_out.get_untracked();
            if signed_in && !quick_lock.locked.get_untracked() && idle >= minutes * 60_000 {
                quick_lock.lock();
            }
        },
        CHECK_EVERY,
    )
    .ok();
    on_cleanup(move || {
        for l in listeners {
            l.remove();
        }
        if let Some(h) = idle_watch {
            h.clear();
        }
    });
    // Signed out (the server refused the token): the sign-in form is the
    // stronger lock, and signing in again opens the app.
    Effect::new(move |_| {
        if !signed_in() && quick_lock.locked.get_untracked() {
            lock::update(|s| s.locked = false);
            quick_lock.locked.set(false);
        }
    });

    view! {
        <Show when=move || signed_in() && quick_lock.armed.get() && quick_lock.locked.get()>
            <LockForm quick_lock=quick_lock/>
        </Show>
    }
}

#[component]
fn LockForm(quick_lock: QuickLock) -> impl IntoView {
    let SessionCtx(session) = expect_context::<SessionCtx>();
    let engine = expect_context::<SyncEngine>();
    let i18n = use_i18n();
    let pin = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    // Seconds left before the next try is checked (after too many wrong ones).
    let wait_secs = RwSignal::new(0u64);
    let forgot = RwSignal::new(false);
    let password = RwSignal::new(String::new());
    let input = NodeRef::<leptos::html::Input>::new();

    // Focus the code field as the lock screen appears.
    Effect::new(move |_| {
        if let Some(el) = input.get() {
            let _ = el.focus();
        }
    });
    // A running countdown, also right after a reload during the wait.
    let countdown = move || {
        let left = LockState::load().wait_until_ms.saturating_sub(clock::now_ms());
        wait_secs.set(left.div_ceil(1000));
    };
    countdown();
    let ticker = set_interval_with_handle(countdown, Duration::from_millis(500)).ok();
    on_cleanup(move || {
        if let Some(t) = ticker {
            t.clear();
        }
    });

    // A forgotten code: the account's password opens the app and removes the code. A write
    // through an action: pending while it is checked; its error shows where a wrong code does.
    let sign_in_write = Write::new(move |(username, typed): &(String, String)| {
        let (username, typed) = (username.clone(), typed.clone());
        async move {
            // With the server, or without it against this device's verifier.
            match signin::sign_in(&username, &typed, None).await {
                Ok(SignedIn::Online(s) | SignedIn::Offline(s)) => {
                    password.set(String::new());
                    quick_lock.clear_pin();
                    signin::activate(s, session, engine);
                    Ok(())
                }
                Err(SignInError::Server(m) | SignInError::Local(m)) => Err(m),
                Err(SignInError::OfflineWrong | SignInError::OfflineUnknown) => {
                    Err(t_string!(i18n, login_offline_wrong).to_string())
                }
                Err(SignInError::OfflineNoVerifier) => Err(t_string!(i18n, login_offline).to_string()),
            }
        }
    });
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let typed = pin.get_untracked();
        pin.set(String::new());
        sign_in_write.clear();
        match lock::update(|s| s.attempt(&typed, clock::now_ms())) {
            Attempt::Unlocked => {
                error.set(None);
                quick_lock.unlocked();
            }
            Attempt::Wrong => {
                countdown();
                error.set(Some(t_string!(i18n, lock_wrong).to_string()));
            }
            Attempt::Wait(_) => countdown(),
        }
        if let Some(el) = input.get_untracked() {
            let _ = el.focus();
        }
    };

    let sign_in = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let Some(current) = session.get_untracked() else { return };
        if sign_in_write.pending().get_untracked() {
            return;
        }
        error.set(None);
        sign_in_write.clear();
        sign_in_write.dispatch((current.user.username, password.get_untracked()));
    };
    let user_name = move || session.with(|s| s.as_ref().map(|s| s.user.display_name.clone()).unwrap_or_default());

    view! {
        <div class="lock-screen" data-testid="lock-screen" role="dialog" aria-modal="true" aria-labelledby="lock-title">
            <div class="card lock-card">
                <h1 id="lock-title">{t!(i18n, lock_screen_title)}</h1>
                <p>{t!(i18n, lock_screen_hint)}</p>
                <form class="lock-form" on:submit=submit>
                    <label for="lock-pin">{t!(i18n, lock_pin)}</label>
                    <input id="lock-pin" name="pin" type="password" inputmode="numeric" autocomplete="off"
                        pattern="[0-9]{4,6}" maxlength="6" required node_ref=input bind:value=pin/>
                    <button type="submit" class="primary" data-testid="lock-unlock" disabled=move || { wait_secs.get() > 0 }>
                        {t!(i18n, lock_unlock)}
                    </button>
                </form>
                <div aria-live="assertive" data-testid="lock-message">
                    {move || {
                        let secs = wait_secs.get();
                        if secs > 0 {
                            Some(view! { <p class="error">{t_string!(i18n, lock_wait, n = secs).to_string()}</p> }.into_any())
                        } else {
                            error.get().or_else(|| sign_in_write.error()).map(|e| view! { <p class="error">{e}</p> }.into_any())
                        }
                    }}
                </div>
                <Show when=move || !forgot.get()
                    fallback=move || view! {
                        <form class="lock-form" on:submit=sign_in>
                            <p>{move || t_string!(i18n, lock_forgot_hint, name = user_name()).to_string()}</p>
                            <label for="lock-password">{t!(i18n, password)}</label>
                            <input id="lock-password" name="lock-password" type="password" autocomplete="current-password" required
                                bind:value=password/>
                            <button type="submit" class="secondary" data-testid="lock-forgot-submit" disabled=move || sign_in_write.pending().get()>
                                {t!(i18n, lock_forgot_submit)}
                            </button>
                        </form>
                    }>
                    <button type="button" class="link" data-testid="lock-forgot" on:click=move |_| forgot.set(true)>
                        {t!(i18n, lock_forgot)}
                    </button>
                </Show>
                // The next person signs in; this one's changes keep syncing under their own token.
                <button type="button" class="secondary" data-testid="lock-switch-user"
                    on:click=move |_| spawn_local(signin::switch_user(session, engine, quick_lock))>
                    {t!(i18n, switch_user)}
                </button>
            </div>
        </div>
    }
}

/// The quick lock's part of Settings: set, change or remove the code, and the minutes.
#[component]
pub fn QuickLockSettings() -> impl IntoView {
    let quick_lock = expect_context::<QuickLock>();
    let i18n = use_i18n();
    let new_pin = RwSignal::new(String::new());
    let repeat = RwSignal::new(String::new());
    let message = RwSignal::new(None::<(bool, String)>);

    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let (pin, again) = (new_pin.get_untracked(), repeat.get_untracked());
        if !lock::valid_pin(&pin) {
            return message.set(Some((false, t_string!(i18n, lock_pin_invalid).to_string())));
        }
        if pin != again {
            return message.set(Some((false, t_string!(i18n, lock_pin_mismatch).to_string())));
        }
        quick_lock.set_pin(&pin);
        new_pin.set(String::new());
        repeat.set(String::new());
        message.set(Some((true, t_string!(i18n, lock_pin_saved).to_string())));
    };
    let remove = move |_| {
        quick_lock.clear_pin();
        message.set(Some((true, t_string!(i18n, lock_pin_removed).to_string())));
    };
    let set_minutes = move |ev: leptos::ev::Event| {
        if let Ok(m) = event_target_value(&ev).parse::<u32>() {
            quick_lock.set_minutes(m);
        }
    };

    view! {
        <div class="quick-lock" data-testid="quick-lock-settings">
            <p class="muted">{t!(i18n, lock_hint)}</p>
            <Show when=move || quick_lock.armed.get()>
                <p data-testid="lock-pin-is-set">{t!(i18n, lock_pin_set)}</p>
            </Show>
            <form class="row lock-pin-form" on:submit=save>
                <div class="field">
                    <label for="lock-pin-new">{t!(i18n, lock_pin_new)}</label>
                    <input id="lock-pin-new" name="new-pin" type="password" inputmode="numeric" autocomplete="off"
                        pattern="[0-9]{4,6}" maxlength="6" required data-testid="lock-pin-new" bind:value=new_pin/>
                </div>
                <div class="field">
                    <label for="lock-pin-repeat">{t!(i18n, lock_pin_repeat)}</label>
                    <input id="lock-pin-repeat" name="repeat-pin" type="password" inputmode="numeric" autocomplete="off"
                        pattern="[0-9]{4,6}" maxlength="6" required data-testid="lock-pin-repeat" bind:value=repeat/>
                </div>
                <button type="submit" class="primary" data-testid="lock-pin-save">{t!(i18n, lock_pin_save)}</button>
            </form>
            <div class="row">
                <div class="field">
                    <label for="lock-minutes">{t!(i18n, lock_minutes)}</label>
                    <select id="lock-minutes" data-testid="lock-minutes" on:change=set_minutes>
                        {(lock::MIN_MINUTES..=lock::MAX_MINUTES).map(|m| view! {
                            <option value=m.to_string() prop:selected=move || quick_lock.minutes.get() == m>{m.to_string()}</option>
                        }).collect_view()}
                    </select>
                </div>
                <Show when=move || quick_lock.armed.get()>
                    <button class="secondary danger" data-testid="lock-pin-remove" on:click=remove>{t!(i18n, lock_pin_remove)}</button>
                </Show>
            </div>
            {move || message.get().map(|(ok, m)| if ok {
                view! { <p class="notice" role="status" data-testid="lock-settings-message">{m}</p> }.into_any()
            } else {
                view! { <p class="error" role="alert" data-testid="lock-settings-message">{m}</p> }.into_any()
            })}
        </div>
    }
}
