//! The signed-in session and the tablet's chosen place, kept in localStorage
//! so the app opens signed in, offline, after a reload.

use gloo_storage::{LocalStorage, Storage};
use labblogg_shared::auth::UserInfo;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

const SESSION_KEY: &str = "labblogg.session";
const PLACE_KEY: &str = "labblogg.place";

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

/// The meeting place this tablet counts visits for.
pub fn chosen_place() -> Option<Uuid> {
    LocalStorage::get(PLACE_KEY).ok()
}

pub fn choose_place(place: Uuid) {
    let _ = LocalStorage::set(PLACE_KEY, place);
}

const LANG_KEY: &str = "labblogg.lang";

/// The language chosen on this device ("sv" or "en"); Swedish when never chosen.
pub fn language() -> String {
    LocalStorage::get(LANG_KEY).unwrap_or_else(|_| "sv".to_owned())
}

pub fn set_language(lang: &str) {
    let _ = LocalStorage::set(LANG_KEY, lang);
}
