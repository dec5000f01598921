//! Signing in (online, or offline against the verifier kept on this device),
//! switching to another person, and signing out: who is signed in decides
//! which local database every screen reads (`device_users.rs`).

use crate::components::quick_lock::QuickLock;
use crate::session::{self, Session};
use crate::sync::SyncEngine;
use crate::{api, device_users, store, tabs};
use labblogg_shared::auth::LoginRequest;
use leptos::prelude::*;
use leptos::task::spawn_local;

/// How a sign-in went.
#[derive(Debug, Clone, PartialEq)]
pub enum SignedIn {
    Online(Session),
    /// Without the server, against the verifier on this device; the session
    /// carries the token of this user's last online sign-in here.
    Offline(Session),
}

/// Why a sign-in failed, in words for the person at the tablet.
#[derive(Debug, Clone, PartialEq)]
pub enum SignInError {
    /// No server, and no sign-in before on this device to check against.
    OfflineUnknown,
    /// No server, and this user has not signed in online here since offline sign-in came.
    OfflineNoVerifier,
    /// No server, wrong password (or unknown name).
    OfflineWrong,
    /// The server's answer (wrong password, disabled account, throttled …).
    Server(String),
    /// The local database or the browser's crypto failed.
    Local(String),
}

/// Sign in as `username`: with the server when it answers, else against
/// this device's verifier. `device_name`: given at the device's first sign-in.
pub async fn sign_in(username: &str, password: &str, device_name: Option<String>) -> Result<SignedIn, SignInError> {
    let device_id = device_users::ensure_device_id().await.map_err(|e| SignInError::Local(e.to_string()))?;
    let req = LoginRequest {
        username: username.to_owned(),
        password: password.to_owned(),
        device_id: Some(device_id),
        device_name: device_name.clone().or_else(device_users::device_name),
    };
    match api::login(&req).await {
        Ok(resp) => {
            let s = Session { token: resp.token, user: resp.user };
            if device_name.is_some() {
                device_users::set_device_name(device_name);
            }
            let old_token = device_users::find(&s.user.username).map(|u| u.session.token).filter(|t| *t != s.token);
            // A fresh verifier of the password just accepted (a fresh salt, the cost of today).
            let verifier = device_users::make_verifier(password).await.ok();
            device_users::signed_in_online(&s, verifier);
            if let Some(old) = old_token {
                // The token of the previous sign-in here is no longer needed.
                spawn_local(revoke_own(old));
            }
            Ok(SignedIn::Online(s))
        }
        Err(api::ApiError::Offline) => match device_users::sign_in_offline(username, password).await {
            Ok(s) => Ok(SignedIn::Offline(s)),
            Err(device_users::OfflineRefusal::NoVerifier) => Err(SignInError::OfflineNoVerifier),
            Err(device_users::OfflineRefusal::Wrong) if device_users::users().is_empty() => {
                Err(SignInError::OfflineUnknown)
            }
            Err(device_users::OfflineRefusal::Wrong) => Err(SignInError::OfflineWrong),
        },
        Err(e) => Err(SignInError::Server(e.to_string())),
    }
}

/// Revoke `token` on the server (the device it signed in on), best effort.
async fn revoke_own(token: String) {
    if let Ok(devices) = api::devices(&token).await {
        if let Some(this) = devices.iter().find(|d| d.current) {
            let _ = api::revoke_device(&token, this.id).await;
        }
    }
}

/// Make `s` the signed-in user: their database, their screens, their sync.
pub fn activate(s: Session, current: RwSignal<Option<Session>>, engine: SyncEngine) {
    store::select_database(&device_users::database_for(&s.user));
    session::save(&s);
    current.set(Some(s));
    engine.switched();
    tabs::announce(tabs::Message::Session);
}

/// Nobody signed in now: the sign-in form shows, and every screen of the
/// previous user goes with their session.
fn leave(current: RwSignal<Option<Session>>, engine: SyncEngine, quick_lock: QuickLock) {
    // The code belongs to whoever signed in: the next person sets their own.
    quick_lock.clear_pin();
    session::clear();
    // No one's database until someone signs in (nothing reads or creates one meanwhile).
    store::deselect();
    current.set(None);
    engine.switched();
    tabs::announce(tabs::Message::Session);
}

/// Unsynced changes (waiting or refused) of the signed-in user. A failed read is an error, never
/// "none": signing out on a 0 that was a failed read would delete changes not yet sent.
pub async fn unsynced() -> Result<u32, store::StoreError> {
    store::outbox_counts().await.map(|c| c.pending + c.rejected)
}

/// "Byt användare": the signed-in user steps aside without signing out.
/// Their copy, token and unsynced changes stay; their changes go on
/// syncing under their own token in the background.
pub async fn switch_user(current: RwSignal<Option<Session>>, engine: SyncEngine, quick_lock: QuickLock) {
    if let Some(s) = current.get_untracked() {
        // Unreadable, the count kept from before stays (it only says what waits, nothing goes).
        if let Ok(pending) = unsynced().await {
            device_users::update(&s.user.username, |u| u.pending = pending);
        }
    }
    leave(current, engine, quick_lock);
}

/// Sign out, keeping the unsynced changes on the device for this user's next
/// sign-in (they are sent under their token as soon as the server answers,
/// and then the copy goes).
pub async fn sign_out_keeping(current: RwSignal<Option<Session>>, engine: SyncEngine, quick_lock: QuickLock) {
    if let Some(s) = current.get_untracked() {
        let pending = unsynced().await.ok();
        device_users::update(&s.user.username, |u| {
            if let Some(pending) = pending {
                u.pending = pending;
            }
            u.signed_out = true;
        });
    }
    leave(current, engine, quick_lock);
}

/// Sign out and remove everything of this user from the device: their
/// database, their entry (token, verifier, place), their session; the token
/// is revoked on the server when it answers. Only after the changes are
/// synced, or exported and the user said so.
pub async fn sign_out_removing(
    current: RwSignal<Option<Session>>,
    engine: SyncEngine,
    quick_lock: QuickLock,
) -> Result<(), String> {
    let Some(s) = current.get_untracked() else { return Ok(()) };
    // The token is revoked on the server too, when it answers: a signed-out
    // tablet should not hold a working token. Offline, it expires unused.
    spawn_local(revoke_own(s.token.clone()));
    let database = device_users::find(&s.user.username).map(|u| u.database);
    // Out of the registry before anything else: no background sync opens the database again.
    device_users::remove(&s.user.username);
    leave(current, engine, quick_lock);
    if let Some(database) = database {
        store::delete_database(&database).await.map_err(|e| e.to_string())?;
    }
    device_users::forget(&s.user.username).await.map_err(|e| e.to_string())
}
