//! The signed-in session and the chosen place, kept in localStorage so the
//! app opens signed in, offline, after a reload. `labblogg.session` names who
//! is signed in now; what else each user keeps on the device is in
//! `device_users.rs`.

use gloo_storage::{LocalStorage, Storage};
use labblogg_shared::auth::{LabRole, UserInfo};
use leptos::prelude::*;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

const SESSION_KEY: &str = "labblogg.session";

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Session {
    pub token: String,
    pub user: UserInfo,
}

pub fn load() -> Option<Session> {
    LocalStorage::get(SESSION_KEY).ok()
}

pub fn save(session: &Session) {
    // Storage full or disabled: the session then lasts until reload.
    let _ = LocalStorage::set(SESSION_KEY, session);
}

pub fn clear() {
    LocalStorage::delete(SESSION_KEY);
}

/// The meeting place this tablet counts visits for, as the signed-in user chose it.
pub fn chosen_place() -> Option<Uuid> {
    crate::device_users::chosen_place(&load()?.user.username)
}

pub fn choose_place(place: Uuid) {
    if let Some(s) = load() {
        crate::device_users::choose_place(&s.user.username, place);
    }
}

const LANG_KEY: &str = "labblogg.lang";

/// The language chosen on this device ("sv" or "en"); Swedish when never chosen.
pub fn language() -> String {
    LocalStorage::get(LANG_KEY).unwrap_or_else(|_| "sv".to_owned())
}

pub fn set_language(lang: &str) {
    let _ = LocalStorage::set(LANG_KEY, lang);
}

/// The labs the signed-in user coordinates, in membership order.
pub fn coordinated_labs(session: RwSignal<Option<Session>>) -> Vec<Uuid> {
    session.with(|s| {
        s.as_ref()
            .map(|s| s.user.memberships.iter().filter(|m| m.role == LabRole::Coordinator).map(|m| m.lab_id).collect())
            .unwrap_or_default()
    })
}
