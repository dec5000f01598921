//! Who has signed in on this device, and what of theirs is kept here.
//!
//! One tablet, many staff. Each account's local copy is an IndexedDB
//! database of its own, named from the account's id (`labblogg-user-<id>`):
//! what one person's pulls brought is never on another's screens, and two
//! people's outboxes never mix. A small registry in localStorage
//! (`labblogg.users`) lists the accounts with something on the device: their
//! database, their device token (bound to this device), the labs they read,
//! their chosen meeting place and the verifier of their password for signing
//! in without the network. `labblogg.device` holds what belongs to the device
//! itself: its id (the same for everyone who signs in on it) and its name.
//! See "One tablet, many staff" in docs/ARCHITECTURE.md and the threat model
//! in docs/SECURITY.md.

use crate::session::Session;
use crate::store;
use gloo_storage::{LocalStorage, Storage};
use js_sys::{Object, Reflect, Uint8Array};
use labblogg_shared::auth::{UserInfo, OFFLINE_VERIFIER_ITERATIONS};
use serde::{Deserialize, Serialize};
use uuid::Uuid;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

const DEVICE_KEY: &str = "labblogg.device";
const USERS_KEY: &str = "labblogg.users";
/// The place chosen on the counter before places were kept per user.
const LEGACY_PLACE_KEY: &str = "labblogg.place";

/// What belongs to the device, whoever uses it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct DeviceIdentity {
    /// The device's id: every user's database on it carries it, and every
    /// token signed in on it is bound to it.
    pub id: Option<Uuid>,
    /// "Surfplattan i Lina Hage 1", given at the first sign-in.
    pub name: Option<String>,
}

/// A slow, salted hash of a password: PBKDF2-HMAC-SHA256 through the
/// browser's WebCrypto, `iterations` rounds, 16 random bytes of salt, 32
/// bytes of output. Never the password itself.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Verifier {
    pub salt: String,
    pub iterations: u32,
    pub hash: String,
}

/// One account with something on this device.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DeviceUser {
    /// As the server spells it (its normalised form).
    pub username: String,
    pub display_name: String,
    /// The IndexedDB database of this account's local copy.
    pub database: String,
    /// The token and the user of the latest sign-in. The token is bound to
    /// this device and works until revoked or unused for 90 days.
    pub session: Session,
    /// For signing in again without the network; `None` until an online
    /// sign-in typed the password on this device.
    #[serde(default)]
    pub verifier: Option<Verifier>,
    /// The server refused the token: the changes wait, kept, until this user
    /// signs in online again.
    #[serde(default)]
    pub token_refused: bool,
    /// Signed out, keeping unsynced changes for the next sign-in: once they
    /// are synced the local copy goes.
    #[serde(default)]
    pub signed_out: bool,
    /// Changes waiting for the server, as last counted.
    #[serde(default)]
    pub pending: u32,
    /// The meeting place this user's counter shows.
    #[serde(default)]
    pub place: Option<Uuid>,
}

pub fn identity() -> DeviceIdentity {
    LocalStorage::get(DEVICE_KEY).unwrap_or_default()
}

fn save_identity(identity: &DeviceIdentity) {
    let _ = LocalStorage::set(DEVICE_KEY, identity);
}

/// The device's id if it has one, else a fresh one (kept once a database takes it).
pub fn device_id_or_new() -> Uuid {
    identity().id.unwrap_or_else(Uuid::new_v4)
}

/// Keep `id` as the device's id unless it has one.
pub fn adopt_device_id(id: Uuid) {
    let mut me = identity();
    if me.id.is_none() {
        me.id = Some(id);
        save_identity(&me);
    }
}

/// The device's id for a sign-in: kept, or the one of the copy an earlier
/// version of the app kept in the single database `labblogg`, or new.
pub async fn ensure_device_id() -> Result<Uuid, store::StoreError> {
    if let Some(id) = identity().id {
        return Ok(id);
    }
    if store::database_names().await?.iter().any(|n| n == store::DB_NAME) {
        let (db, own) = store::open_for(store::DB_NAME).await?;
        let id = store::device_id_in(&db).await;
        if own {
            db.close();
        }
        return id;
    }
    let id = Uuid::new_v4();
    adopt_device_id(id);
    Ok(id)
}

pub fn device_name() -> Option<String> {
    identity().name
}

pub fn set_device_name(name: Option<String>) {
    let mut me = identity();
    me.name = name;
    save_identity(&me);
}

/// The database of `user`'s local copy on this device.
pub fn database_for(user: &UserInfo) -> String {
    if let Some(known) = find(&user.username) {
        return known.database;
    }
    match user.user_id {
        Some(id) => format!("{USER_DATABASE_PREFIX}{id}"),
        // A server from before user ids: the one database of old.
        None => store::DB_NAME.to_owned(),
    }
}

/// Is `name` one of the app's databases of a user (not a test's or a benchmark's)?
pub fn is_user_database(name: &str) -> bool {
    name == store::DB_NAME || name.starts_with(USER_DATABASE_PREFIX)
}

const USER_DATABASE_PREFIX: &str = "labblogg-user-";

/// As the server compares usernames: trimmed and lower case.
pub fn normalise(username: &str) -> String {
    username.trim().to_lowercase()
}

pub fn users() -> Vec<DeviceUser> {
    LocalStorage::get(USERS_KEY).unwrap_or_default()
}

fn save_users(users: &[DeviceUser]) {
    if users.is_empty() {
        LocalStorage::delete(USERS_KEY);
    } else {
        let _ = LocalStorage::set(USERS_KEY, users);
    }
}

pub fn find(username: &str) -> Option<DeviceUser> {
    let wanted = normalise(username);
    users().into_iter().find(|u| normalise(&u.username) == wanted)
}

/// Add or replace the entry of `user.username`.
pub fn upsert(user: DeviceUser) {
    let mut all = users();
    let wanted = normalise(&user.username);
    match all.iter_mut().find(|u| normalise(&u.username) == wanted) {
        Some(u) => *u = user,
        None => all.push(user),
    }
    save_users(&all);
}

/// Change the entry of `username`, if there is one.
pub fn update(username: &str, f: impl FnOnce(&mut DeviceUser)) {
    let mut all = users();
    let wanted = normalise(username);
    if let Some(u) = all.iter_mut().find(|u| normalise(&u.username) == wanted) {
        f(u);
        save_users(&all);
    }
}

pub fn remove(username: &str) {
    let wanted = normalise(username);
    let all: Vec<_> = users().into_iter().filter(|u| normalise(&u.username) != wanted).collect();
    save_users(&all);
}

/// Remove everything of `username` from this device: their database, their
/// entry (token, verifier, chosen place). The caller has made sure nothing
/// unsynced is lost (or the user chose so, after exporting it).
pub async fn forget(username: &str) -> Result<(), store::StoreError> {
    if let Some(user) = find(username) {
        // Out of the registry first: no background sync opens the database again meanwhile.
        remove(username);
        store::delete_database(&user.database).await?;
    }
    // A place chosen before places were kept per user was this user's.
    LocalStorage::delete(LEGACY_PLACE_KEY);
    Ok(())
}

/// The place the current user chose on the counter (per user: another
/// person's lab's place is not even named on the next person's screens).
pub fn chosen_place(username: &str) -> Option<Uuid> {
    find(username).and_then(|u| u.place).or_else(|| LocalStorage::get(LEGACY_PLACE_KEY).ok())
}

pub fn choose_place(username: &str, place: Uuid) {
    update(username, |u| u.place = Some(place));
}

/// Take in a session kept by an earlier version of the app (one database
/// for everyone): its user's entry names the database `labblogg`.
pub fn adopt_legacy_session(session: &Session) {
    if find(&session.user.username).is_none() {
        upsert(DeviceUser {
            username: session.user.username.clone(),
            display_name: session.user.display_name.clone(),
            database: store::DB_NAME.to_owned(),
            session: session.clone(),
            verifier: None,
            token_refused: false,
            signed_out: false,
            pending: 0,
            place: LocalStorage::get(LEGACY_PLACE_KEY).ok(),
        });
    }
}

/// After an online sign-in: keep the fresh token, the user and a fresh
/// verifier of the password typed; returns the database to use.
pub fn signed_in_online(session: &Session, verifier: Option<Verifier>) -> String {
    let database = database_for(&session.user);
    let previous = find(&session.user.username);
    upsert(DeviceUser {
        username: session.user.username.clone(),
        display_name: session.user.display_name.clone(),
        database: database.clone(),
        session: session.clone(),
        verifier: verifier.or_else(|| previous.as_ref().and_then(|p| p.verifier.clone())),
        token_refused: false,
        signed_out: false,
        pending: previous.as_ref().map_or(0, |p| p.pending),
        place: previous.and_then(|p| p.place),
    });
    database
}

// --- The verifier -----------------------------------------------------------

fn js_err(e: JsValue) -> String {
    e.dyn_ref::<js_sys::Error>()
        .map(|e| String::from(e.message()))
        .or_else(|| e.as_string())
        .unwrap_or_else(|| format!("{e:?}"))
}

fn crypto() -> Result<web_sys::Crypto, String> {
    web_sys::window().ok_or("no window")?.crypto().map_err(js_err)
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn unhex(s: &str) -> Option<Vec<u8>> {
    (0..s.len()).step_by(2).map(|i| s.get(i..i + 2).and_then(|b| u8::from_str_radix(b, 16).ok())).collect()
}

/// PBKDF2-HMAC-SHA256 of `password` with `salt`, `iterations` rounds, 256 bits.
pub async fn pbkdf2(password: &str, salt: &[u8], iterations: u32) -> Result<Vec<u8>, String> {
    let subtle = crypto()?.subtle();
    let usages = js_sys::Array::of1(&"deriveBits".into());
    let raw = Uint8Array::from(password.as_bytes());
    let key = subtle.import_key_with_str("raw", &raw, "PBKDF2", false, &usages).map_err(js_err)?;
    let key: web_sys::CryptoKey = JsFuture::from(key).await.map_err(js_err)?.unchecked_into();
    let params = Object::new();
    let set = |k: &str, v: &JsValue| Reflect::set(&params, &k.into(), v).map_err(js_err);
    set("name", &"PBKDF2".into())?;
    set("hash", &"SHA-256".into())?;
    set("salt", &Uint8Array::from(salt).into())?;
    set("iterations", &JsValue::from(iterations))?;
    let bits = subtle.derive_bits_with_object(&params, &key, 256).map_err(js_err)?;
    let bits = JsFuture::from(bits).await.map_err(js_err)?;
    Ok(Uint8Array::new(&bits).to_vec())
}

/// A verifier of `password` with a fresh random salt.
pub async fn make_verifier(password: &str) -> Result<Verifier, String> {
    let mut salt = [0u8; 16];
    crypto()?.get_random_values_with_u8_array(&mut salt).map_err(js_err)?;
    let hash = pbkdf2(password, &salt, OFFLINE_VERIFIER_ITERATIONS).await?;
    Ok(Verifier { salt: hex(&salt), iterations: OFFLINE_VERIFIER_ITERATIONS, hash: hex(&hash) })
}

/// Does `password` match? Always the full slow derivation, then a
/// comparison that looks at every byte: a wrong password is refused after
/// the same check as a right one is accepted.
pub async fn check(verifier: &Verifier, password: &str) -> bool {
    let salt = unhex(&verifier.salt).unwrap_or_default();
    let Ok(hash) = pbkdf2(password, &salt, verifier.iterations.max(1)).await else { return false };
    let stored = unhex(&verifier.hash).unwrap_or_default();
    stored.len() == hash.len() && stored.iter().zip(&hash).fold(0u8, |acc, (a, b)| acc | (a ^ b)) == 0
}

/// The same work for a username with no verifier on this device, so the
/// answer takes as long whoever was typed.
pub async fn dummy_check(password: &str) {
    let _ = pbkdf2(password, b"labblogg-no-user", OFFLINE_VERIFIER_ITERATIONS).await;
}

/// Why an offline sign-in failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OfflineRefusal {
    /// Unknown here, or the password does not match: one answer for both.
    Wrong,
    /// Known, but never signed in with a password on this device by this version.
    NoVerifier,
}

/// Sign `username` in without the server, against the verifier kept on this
/// device. Returns their kept session (the token of their last sign-in).
pub async fn sign_in_offline(username: &str, password: &str) -> Result<Session, OfflineRefusal> {
    let user = find(username);
    let Some(verifier) = user.as_ref().and_then(|u| u.verifier.clone()) else {
        dummy_check(password).await;
        return Err(if user.is_some() { OfflineRefusal::NoVerifier } else { OfflineRefusal::Wrong });
    };
    if !check(&verifier, password).await {
        return Err(OfflineRefusal::Wrong);
    }
    let user = user.expect("checked above");
    update(username, |u| u.signed_out = false);
    Ok(user.session)
}

#[cfg(test)]
mod tests {
    use super::*;
    use wasm_bindgen_test::*;

    wasm_bindgen_test_configure!(run_in_browser);

    #[wasm_bindgen_test]
    async fn pbkdf2_matches_the_rfc_7914_vector() {
        // RFC 7914 §11: PBKDF2-HMAC-SHA256, P="passwd", S="salt", c=1, dkLen=64 (first 32 bytes).
        let out = pbkdf2("passwd", b"salt", 1).await.unwrap();
        assert_eq!(hex(&out), "55ac046e56e3089fec1691c22544b605f94185216dde0465e68b9d57c20dacbc");
    }

    #[wasm_bindgen_test]
    async fn the_verifier_keeps_no_password_and_refuses_a_wrong_one() {
        let v = make_verifier("rätt lösenord").await.unwrap();
        let stored = serde_json::to_string(&v).unwrap();
        assert!(!stored.contains("rätt"), "{stored}");
        assert_eq!(v.iterations, OFFLINE_VERIFIER_ITERATIONS);
        assert_ne!(v.salt, make_verifier("rätt lösenord").await.unwrap().salt, "a fresh salt each time");
        assert!(check(&v, "rätt lösenord").await);
        assert!(!check(&v, "fel lösenord").await);
        assert!(!check(&v, "").await);
    }
}
