//! Account and lab administration, shared by the admin API
//! (`routes/admin.rs`) and the command line (`cli.rs`): input checks, the
//! store calls and the audit log line, so both paths behave the same.
//! Who may call these is decided before, in `policy.rs`.

use crate::auth::{hash_password, MAX_PASSWORD_BYTES, MIN_PASSWORD_CHARS};
use crate::db::{AuditEvent, Store, StoreError, TokenRow, UserRow};
use labblogg_shared::auth::{AdminUser, AuditAction, CreateUserRequest, DeviceInfo, LabRole, Membership, Role};
use labblogg_shared::model::Lab;
use labblogg_shared::sync::Change;
use labblogg_shared::{Hlc, RecordKind};
use std::collections::BTreeMap;
use uuid::Uuid;

/// Longest username, in characters.
pub const MAX_USERNAME_CHARS: usize = 64;
/// Longest display name, in characters.
pub const MAX_DISPLAY_NAME_CHARS: usize = 120;
/// The clock node of edits the server makes itself (demo data, admin's new labs).
pub const SERVER_NODE: u64 = 0;

#[derive(Debug, thiserror::Error)]
pub enum AccountError {
    /// The input breaks a rule; the message says which, in Swedish.
    #[error("{0}")]
    Invalid(String),
    #[error("användarnamnet är upptaget")]
    UsernameTaken,
    #[error("användaren finns inte")]
    UnknownUser,
    #[error("lösenordet kunde inte hashas: {0}")]
    Hash(String),
    #[error(transparent)]
    Store(StoreError),
}

impl From<StoreError> for AccountError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::UsernameTaken => AccountError::UsernameTaken,
            StoreError::UnknownUser => AccountError::UnknownUser,
            other => AccountError::Store(other),
        }
    }
}

/// Who did it, for the audit log: an administrator's username and address,
/// or `cli`.
#[derive(Debug, Clone)]
pub struct Actor {
    pub name: String,
    pub address: Option<String>,
}

impl Actor {
    pub fn cli() -> Self {
        Actor { name: "cli".into(), address: None }
    }

    async fn audit(&self, store: &dyn Store, action: AuditAction, subject: String) -> Result<(), StoreError> {
        store
            .audit(AuditEvent {
                action,
                actor: self.name.clone(),
                subject: Some(subject),
                address: self.address.clone(),
            })
            .await
    }
}

fn invalid(message: impl Into<String>) -> AccountError {
    AccountError::Invalid(message.into())
}

/// A username as stored and looked up: NFKC-normalised (full-width and
/// compatibility forms folded), lower case, trimmed. `PERSONAL`, `ｐｅｒｓｏｎａｌ`
/// and ` personal ` all name the account `personal`. The demo accounts'
/// names are already in this form.
pub fn normalise_username(name: &str) -> String {
    use unicode_normalization::UnicodeNormalization;
    name.trim().nfkc().collect::<String>().to_lowercase()
}

/// The account a typed username names: its normalised form, or (for
/// accounts made before names were normalised) the name as typed.
pub async fn user_by_typed_name(store: &dyn Store, typed: &str) -> Result<Option<UserRow>, StoreError> {
    let normal = normalise_username(typed);
    if let Some(user) = store.user_by_name(&normal).await? {
        return Ok(Some(user));
    }
    if typed.trim() != normal {
        return store.user_by_name(typed.trim()).await;
    }
    Ok(None)
}

/// What a username looks like (UTS #39 confusable skeleton): `personаl` with
/// a Cyrillic а has the same skeleton as `personal`.
fn skeleton(name: &str) -> String {
    unicode_security::skeleton(&normalise_username(name)).collect::<String>().to_lowercase()
}

/// Refuse a new username that looks like an existing account's.
async fn check_not_confusable(store: &dyn Store, name: &str) -> Result<(), AccountError> {
    let wanted = skeleton(name);
    for user in store.users().await? {
        if user.username == name {
            return Err(AccountError::UsernameTaken);
        }
        if skeleton(&user.username) == wanted {
            return Err(invalid(format!(
                "användarnamnet går inte att skilja från det befintliga kontot \"{}\"; välj ett annat",
                user.username
            )));
        }
    }
    Ok(())
}

fn check_username(name: &str) -> Result<(), AccountError> {
    let n = name.chars().count();
    if n == 0 || n > MAX_USERNAME_CHARS {
        return Err(invalid(format!("användarnamnet ska vara 1–{MAX_USERNAME_CHARS} tecken")));
    }
    if !name.chars().all(|c| c.is_alphanumeric() || matches!(c, '.' | '-' | '_' | '@')) {
        return Err(invalid("användarnamnet får bara innehålla bokstäver, siffror och . - _ @"));
    }
    Ok(())
}

fn check_display_name(name: &str) -> Result<(), AccountError> {
    let n = name.chars().count();
    if n == 0 || n > MAX_DISPLAY_NAME_CHARS || name.chars().any(char::is_control) {
        return Err(invalid(format!("namnet ska vara 1–{MAX_DISPLAY_NAME_CHARS} tecken, utan styrtecken")));
    }
    Ok(())
}

/// Lowest zxcvbn score a new password needs: 3 is "safely unguessable"
/// (over 10^8 guesses), beyond what the sign-in throttle lets anyone try and
/// slow to search offline under argon2id.
pub const MIN_PASSWORD_SCORE: u8 = 3;

/// A password an administrator sets (admin API or CLI): long enough and hard
/// to guess, judged by zxcvbn (common passwords, words, keyboard rows,
/// repeats, dates, and the account's own names in `user_inputs`). The demo
/// accounts (`demo.rs`) are created directly and never pass through here.
pub fn check_password(password: &str, user_inputs: &[&str]) -> Result<(), AccountError> {
    if password.chars().count() < MIN_PASSWORD_CHARS || password.len() > MAX_PASSWORD_BYTES {
        return Err(invalid(format!(
            "lösenordet ska vara minst {MIN_PASSWORD_CHARS} tecken (och högst {MAX_PASSWORD_BYTES} byte)"
        )));
    }
    if password.trim().is_empty() {
        return Err(invalid("lösenordet får inte bara vara mellanslag"));
    }
    if u8::from(zxcvbn::zxcvbn(password, user_inputs).score()) < MIN_PASSWORD_SCORE {
        return Err(invalid(
            "lösenordet är för lätt att gissa; välj ett längre, till exempel tre eller fyra ord som inte hör ihop \
             (inte användarnamnet, namnet eller vanliga lösenord)",
        ));
    }
    Ok(())
}

async fn hash(password: String) -> Result<String, AccountError> {
    tokio::task::spawn_blocking(move || hash_password(&password))
        .await
        .map_err(|e| AccountError::Hash(e.to_string()))?
        .map_err(|e| AccountError::Hash(e.to_string()))
}

/// The lab roles a request asks for: `role` in each of `labs` (for staff and
/// coordinators) plus `memberships`, one per lab, the higher role winning.
fn memberships_of(req: &CreateUserRequest) -> Result<Vec<Membership>, AccountError> {
    let lab_role = match req.role {
        Role::Staff => Some(LabRole::Staff),
        Role::Coordinator => Some(LabRole::Coordinator),
        Role::Researcher | Role::Admin => None,
    };
    let mut by_lab: BTreeMap<Uuid, LabRole> = BTreeMap::new();
    if !req.labs.is_empty() {
        let Some(role) = lab_role else {
            return Err(invalid(format!(
                "labb med rollen {} anges som medlemskap med roll (staff eller coordinator)",
                req.role.as_str()
            )));
        };
        for &lab in &req.labs {
            by_lab.insert(lab, role);
        }
    }
    for m in &req.memberships {
        let e = by_lab.entry(m.lab_id).or_insert(m.role);
        *e = (*e).max(m.role);
    }
    Ok(by_lab.into_iter().map(|(lab_id, role)| Membership { lab_id, role }).collect())
}

/// Create an account after checking every rule; audited.
pub async fn create_user(store: &dyn Store, actor: &Actor, req: CreateUserRequest) -> Result<UserRow, AccountError> {
    let username = normalise_username(&req.username);
    let display_name = req.display_name.trim().to_owned();
    check_username(&username)?;
    check_display_name(&display_name)?;
    check_password(&req.password, &[&username, &display_name])?;
    let memberships = memberships_of(&req)?;
    if let Some(why) = crate::policy::account_refusal(req.role, &memberships) {
        return Err(invalid(why));
    }
    for m in &memberships {
        let lab = store.record(m.lab_id).await?;
        if !lab.is_some_and(|l| l.kind == RecordKind::Lab && l.deleted.is_none()) {
            return Err(invalid(format!("labbet {} finns inte", m.lab_id)));
        }
    }
    if let Some(place) = req.home_meeting_place {
        let found = store.record(place).await?;
        let ok = found.is_some_and(|p| {
            p.kind == RecordKind::MeetingPlace
                && p.deleted.is_none()
                && memberships.iter().any(|m| m.lab_id == p.lab_id)
        });
        if !ok {
            return Err(invalid("mötesplatsen finns inte i något av användarens labb"));
        }
    }
    check_not_confusable(store, &username).await?;
    let password_hash = hash(req.password).await?;
    let user = UserRow {
        id: Uuid::now_v7(),
        username,
        display_name,
        password_hash,
        role: UserRow::highest_role(req.role, &memberships),
        memberships,
        home_meeting_place: req.home_meeting_place,
        disabled: false,
    };
    // The account role is stored as asked (admin, researcher) or derived.
    let stored = UserRow { role: req.role, ..user.clone() };
    store.insert_user(stored).await?;
    actor.audit(store, AuditAction::UserCreated, user.username.clone()).await?;
    Ok(user)
}

/// Disable an account and revoke its tokens; audited. Refused for oneself,
/// so the last administrator cannot lock everyone out by mistake.
pub async fn disable_user(store: &dyn Store, actor: &Actor, id: Uuid, by: Option<Uuid>) -> Result<(), AccountError> {
    if by == Some(id) {
        return Err(invalid("du kan inte stänga av ditt eget konto"));
    }
    let user = store.user_by_id(id).await?.ok_or(AccountError::UnknownUser)?;
    store.disable_user(id).await?;
    actor.audit(store, AuditAction::UserDisabled, user.username).await?;
    Ok(())
}

/// Set a new password and revoke the user's tokens (every device signs in
/// again with it); audited.
pub async fn reset_password(store: &dyn Store, actor: &Actor, id: Uuid, password: String) -> Result<(), AccountError> {
    let user = store.user_by_id(id).await?.ok_or(AccountError::UnknownUser)?;
    check_password(&password, &[&user.username, &user.display_name])?;
    let password_hash = hash(password).await?;
    store.set_password(id, password_hash).await?;
    actor.audit(store, AuditAction::PasswordReset, user.username).await?;
    Ok(())
}

/// Revoke any token; `false` if unknown or already revoked. Audited when revoked.
pub async fn revoke_token(store: &dyn Store, actor: &Actor, id: Uuid) -> Result<bool, AccountError> {
    let token = store.token(id).await?;
    let revoked = store.revoke_token(id).await?;
    if revoked {
        // Names, not ids: whose device, signed in when.
        let owner = match &token {
            Some(t) => store.user_by_id(t.user_id).await?.map(|u| u.display_name),
            None => None,
        };
        let signed_in = token.map(|t| labblogg_shared::calendar::local_date(t.created_ms as i64)).unwrap_or_default();
        let subject = match owner {
            Some(name) => format!("enheten där {name} loggade in {signed_in}"),
            None => "en enhet".to_owned(),
        };
        actor.audit(store, AuditAction::TokenRevoked, subject).await?;
    }
    Ok(revoked)
}

/// Create a lab as a record through the same push path as every change, so
/// it syncs to the devices of its future members; audited.
pub async fn create_lab(store: &dyn Store, actor: &Actor, lab: Lab, now_ms: u64) -> Result<Uuid, AccountError> {
    labblogg_shared::validate::lab(&lab).map_err(|e| invalid(format!("labbet nekades: {e}")))?;
    let id = Uuid::now_v7();
    let fields = match serde_json::to_value(&lab) {
        Ok(serde_json::Value::Object(m)) => m,
        _ => return Err(invalid("labbet kunde inte läsas")),
    };
    let change = Change {
        change_id: Uuid::now_v7(),
        kind: RecordKind::Lab,
        id,
        lab_id: id,
        hlc: Hlc { ms: now_ms, counter: 0, node: SERVER_NODE },
        fields,
        deleted: false,
        restore: false,
    };
    let mut changes = vec![change];
    changes.extend(builtin_questions(id, now_ms));
    let outcome = store.push(changes).await?;
    if let Some(Err(rejection)) = outcome.into_iter().find(Result::is_err) {
        return Err(invalid(rejection.message));
    }
    actor.audit(store, AuditAction::LabCreated, format!("{} ({})", lab.name, lab.organisation)).await?;
    Ok(id)
}

/// The closing poll's two questions as `lab`'s first two questions
/// (`shared::questions`), with their fixed ids.
pub fn builtin_questions(lab: Uuid, now_ms: u64) -> Vec<Change> {
    use labblogg_shared::model::PollQuestion;
    use labblogg_shared::questions::{builtin_id, Question};
    PollQuestion::ALL
        .into_iter()
        .enumerate()
        .map(|(i, q)| Change {
            change_id: Uuid::now_v7(),
            kind: RecordKind::Question,
            id: builtin_id(lab, q),
            lab_id: lab,
            hlc: Hlc { ms: now_ms, counter: 1 + i as u32, node: SERVER_NODE },
            fields: match serde_json::to_value(Question::builtin(q)) {
                Ok(serde_json::Value::Object(m)) => m,
                _ => serde_json::Map::new(),
            },
            deleted: false,
            restore: false,
        })
        .collect()
}

/// Give every lab without them its two built-in questions (labs made before
/// questions existed); run when the server starts. A question a coordinator
/// retired or deleted is there, and stays as it is.
pub async fn ensure_builtin_questions(store: &dyn Store, now_ms: u64) -> Result<usize, StoreError> {
    let mut missing = Vec::new();
    for lab in store.lab_ids().await? {
        for change in builtin_questions(lab, now_ms) {
            if store.record(change.id).await?.is_none() {
                missing.push(change);
            }
        }
    }
    let n = missing.len();
    if n > 0 {
        store.push(missing).await?;
    }
    Ok(n)
}

/// A user as the admin API shows it.
pub fn admin_view(u: &UserRow) -> AdminUser {
    AdminUser {
        id: u.id,
        username: u.username.clone(),
        display_name: u.display_name.clone(),
        role: u.role,
        memberships: u.memberships.clone(),
        home_meeting_place: u.home_meeting_place,
        disabled: u.disabled,
    }
}

/// A token as its owner or an administrator sees it: never the hash.
pub fn device_view(t: &TokenRow, current: Option<Uuid>) -> DeviceInfo {
    DeviceInfo {
        id: t.id,
        device_id: t.device_id,
        created_ms: t.created_ms,
        last_used_ms: t.last_used_ms,
        revoked_ms: t.revoked_ms,
        current: current == Some(t.id),
        name: t.device_name.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req(role: Role, labs: &[u128], memberships: &[(u128, LabRole)]) -> CreateUserRequest {
        CreateUserRequest {
            username: "anna".into(),
            display_name: "Anna".into(),
            password: "långt-lösenord".into(),
            role,
            labs: labs.iter().map(|&l| Uuid::from_u128(l)).collect(),
            memberships: memberships.iter().map(|&(l, role)| Membership { lab_id: Uuid::from_u128(l), role }).collect(),
            home_meeting_place: None,
        }
    }

    #[test]
    fn memberships_merge_labs_and_explicit_roles() {
        let m = memberships_of(&req(Role::Staff, &[1, 2], &[(2, LabRole::Coordinator), (3, LabRole::Staff)])).unwrap();
        assert_eq!(
            m.iter().map(|m| (m.lab_id.as_u128(), m.role)).collect::<Vec<_>>(),
            vec![(1, LabRole::Staff), (2, LabRole::Coordinator), (3, LabRole::Staff)]
        );
        assert!(memberships_of(&req(Role::Admin, &[1], &[])).is_err(), "admin's labs need an explicit role");
        assert_eq!(memberships_of(&req(Role::Admin, &[], &[(1, LabRole::Coordinator)])).unwrap().len(), 1);
    }

    #[test]
    fn names_and_passwords() {
        assert!(check_username("anna.öberg").is_ok());
        assert!(check_username("").is_err());
        assert!(check_username("anna berg").is_err());
        assert!(check_username("anna\u{0}").is_err());
        assert!(check_username(&"a".repeat(65)).is_err());
        assert!(check_display_name("Anna Öberg").is_ok());
        assert!(check_display_name("Anna\nÖberg").is_err());
        assert!(check_password("kort", &[]).is_err());
        assert!(check_password(&"x".repeat(1025), &[]).is_err());
    }

    #[test]
    fn weak_passwords_are_refused_in_swedish() {
        // The two: a common password and eight spaces.
        for weak in ["password", "        ", "12345678", "qwertyuiop", "lösenord", "anna.berg2026", "aaaaaaaaaaaa"] {
            let err = check_password(weak, &["anna.berg", "Anna Berg"]).unwrap_err().to_string();
            assert!(err.starts_with("lösenordet"), "{weak:?}: {err}");
        }
        for strong in ["Husby-traffpunkt-2026", "korvbröd-tält-mango-47", "vågbrytare kanel fjällräv"] {
            assert!(check_password(strong, &["anna.berg"]).is_ok(), "{strong:?}");
        }
    }

    #[test]
    fn usernames_are_normalised_and_compared_by_their_look() {
        assert_eq!(normalise_username(" PERSONAL "), "personal");
        assert_eq!(normalise_username("ｐｅｒｓｏｎａｌ"), "personal");
        assert_eq!(normalise_username("Anna.Öberg"), "anna.öberg");
        // A Cyrillic а (U+0430) looks like a Latin a.
        assert_eq!(skeleton("person\u{430}l"), skeleton("personal"));
        assert_eq!(skeleton("PERSONAL"), skeleton("personal"));
        assert_ne!(skeleton("personal2"), skeleton("personal"));
        for demo in ["personal", "samordnare", "admin", "kerstin"] {
            assert_eq!(normalise_username(demo), demo);
        }
    }
}
