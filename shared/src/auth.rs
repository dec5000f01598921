//! Accounts: sign-in (`POST /api/v1/auth/login`), the signed-in user, the
//! caller's devices (`/api/v1/devices`) and the administration API
//! (`/api/v1/admin/…`). See docs/SECURITY.md for who may do what.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LoginRequest {
    pub username: String,
    pub password: String,
    /// The signing-in device; the token is bound to it. Required: the server
    /// refuses a sign-in without it (optional here only so that answer is a
    /// Swedish 400 rather than a parse error).
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(required = true, value_type = Uuid))]
    pub device_id: Option<Uuid>,
    /// The device's name ("Surfplattan i Lina Hage 1"), given when it is
    /// first signed in on; shown in the device lists and the history instead
    /// of its id. At most [`MAX_DEVICE_NAME_CHARS`] characters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device_name: Option<String>,
}

/// The longest device name the server keeps.
pub const MAX_DEVICE_NAME_CHARS: usize = 60;

/// A device name as kept: trimmed, inner whitespace collapsed; `None` when
/// empty. Err with a Swedish message when too long or holding control characters.
pub fn clean_device_name(name: &str) -> Result<Option<String>, String> {
    let cleaned = name.split_whitespace().collect::<Vec<_>>().join(" ");
    if cleaned.is_empty() {
        return Ok(None);
    }
    if cleaned.chars().count() > MAX_DEVICE_NAME_CHARS {
        return Err(format!("Enhetens namn får vara högst {MAX_DEVICE_NAME_CHARS} tecken."));
    }
    if cleaned.chars().any(char::is_control) {
        return Err("Enhetens namn får bara innehålla vanliga tecken.".into());
    }
    Ok(Some(cleaned))
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LoginResponse {
    /// Opaque bearer token for every other `/api/v1` call.
    pub token: String,
    pub user: UserInfo,
}

/// A user's role. `Staff` and `Coordinator` are held per lab (see
/// [`Membership`]); `Researcher` and `Admin` hold for the whole account.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Meeting-place staff: count visits, log activities and measurements in their labs.
    Staff,
    /// Lab coordinator: everything in their labs, also goals, partners and meeting places.
    Coordinator,
    /// Follow-up research: anonymised figures across labs, never record-level data.
    Researcher,
    /// Administers accounts, devices and labs.
    Admin,
}

impl Role {
    pub const ALL: [Role; 4] = [Role::Staff, Role::Coordinator, Role::Researcher, Role::Admin];

    /// The serialized name (also the command line's `--role` value).
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Staff => "staff",
            Role::Coordinator => "coordinator",
            Role::Researcher => "researcher",
            Role::Admin => "admin",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.as_str() == s)
    }

    pub fn label_sv(self) -> &'static str {
        match self {
            Role::Staff => "Personal",
            Role::Coordinator => "Samordnare",
            Role::Researcher => "Forskare",
            Role::Admin => "Administratör",
        }
    }
}

/// The role a user holds in one lab.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LabRole {
    Staff,
    Coordinator,
}

impl LabRole {
    pub fn as_str(self) -> &'static str {
        match self {
            LabRole::Staff => "staff",
            LabRole::Coordinator => "coordinator",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [LabRole::Staff, LabRole::Coordinator].into_iter().find(|r| r.as_str() == s)
    }
}

impl From<LabRole> for Role {
    fn from(r: LabRole) -> Role {
        match r {
            LabRole::Staff => Role::Staff,
            LabRole::Coordinator => Role::Coordinator,
        }
    }
}

/// One lab a user works in, and as what.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Membership {
    pub lab_id: Uuid,
    pub role: LabRole,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UserInfo {
    pub username: String,
    pub display_name: String,
    /// The user's highest role: `Admin` or `Researcher` when the account has
    /// it, else `Coordinator` if the user coordinates any lab, else `Staff`.
    pub role: Role,
    /// Labs this user may read (and, for staff and coordinators, write).
    pub labs: Vec<Uuid>,
    /// Where staff land after signing in: their meeting place's visit counter.
    pub home_meeting_place: Option<Uuid>,
    /// The role in each lab of `labs`.
    #[serde(default)]
    pub memberships: Vec<Membership>,
    /// The account's id: a shared tablet keeps each account's local copy in
    /// a database named from it (absent from servers before it was added).
    #[serde(default)]
    pub user_id: Option<Uuid>,
}

/// PBKDF2-HMAC-SHA256 rounds of the offline sign-in's verifier on a device
/// (`frontend/src/device_users.rs`; the cost measured by `cargo xtask bench
/// verifier`, see docs/SECURITY.md). Stored with each verifier, so raising it
/// takes effect at each user's next online sign-in.
pub const OFFLINE_VERIFIER_ITERATIONS: u32 = 600_000;

/// One signed-in device (one token) of a user. The token itself is never shown.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeviceInfo {
    /// The token's id: what `DELETE /api/v1/devices/{id}` revokes.
    pub id: Uuid,
    /// The device the token is bound to (the app's IndexedDB device id).
    pub device_id: Option<Uuid>,
    pub created_ms: u64,
    /// Last request with this token, to the minute.
    pub last_used_ms: Option<u64>,
    /// Set when the token was revoked (only in the administrators' view).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revoked_ms: Option<u64>,
    /// The token of the request that asked.
    #[serde(default)]
    pub current: bool,
    /// The device's name as given when signing in on it ("Surfplattan i Lina Hage 1").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

/// A user as administrators see it (never the password hash).
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AdminUser {
    pub id: Uuid,
    pub username: String,
    pub display_name: String,
    pub role: Role,
    pub memberships: Vec<Membership>,
    pub home_meeting_place: Option<Uuid>,
    pub disabled: bool,
}

/// `POST /api/v1/admin/users`. Either `role` plus `labs` (the same role in
/// each lab), or per-lab `memberships`, or both.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CreateUserRequest {
    pub username: String,
    pub display_name: String,
    pub password: String,
    pub role: Role,
    #[serde(default)]
    pub labs: Vec<Uuid>,
    #[serde(default)]
    pub memberships: Vec<Membership>,
    #[serde(default)]
    pub home_meeting_place: Option<Uuid>,
}

/// `POST /api/v1/admin/users/{id}/reset-password`.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ResetPasswordRequest {
    pub password: String,
}

/// Answer of `POST /api/v1/admin/labs` (the body is a `model::Lab`).
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreatedLab {
    pub id: Uuid,
}

/// What the audit log records.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AuditAction {
    SignIn,
    SignInFailed,
    UserCreated,
    UserDisabled,
    PasswordReset,
    TokenRevoked,
    LabCreated,
    Restored,
    /// Deleted records restored in one action (`POST /api/v1/restore`).
    RecordsRestored,
}

impl AuditAction {
    pub const ALL: [AuditAction; 9] = [
        AuditAction::SignIn,
        AuditAction::SignInFailed,
        AuditAction::UserCreated,
        AuditAction::UserDisabled,
        AuditAction::PasswordReset,
        AuditAction::TokenRevoked,
        AuditAction::LabCreated,
        AuditAction::Restored,
        AuditAction::RecordsRestored,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            AuditAction::SignIn => "sign_in",
            AuditAction::SignInFailed => "sign_in_failed",
            AuditAction::UserCreated => "user_created",
            AuditAction::UserDisabled => "user_disabled",
            AuditAction::PasswordReset => "password_reset",
            AuditAction::TokenRevoked => "token_revoked",
            AuditAction::LabCreated => "lab_created",
            AuditAction::Restored => "restored",
            AuditAction::RecordsRestored => "records_restored",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|a| a.as_str() == s)
    }
}

/// One line of `GET /api/v1/admin/audit`, newest first.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEntry {
    /// Increasing; pass the smallest seen as `before` for the next page.
    pub id: u64,
    pub at_ms: u64,
    pub action: AuditAction,
    /// Who acted: the signed-in administrator, `cli` for the command line,
    /// or the username given at sign-in.
    pub actor: String,
    /// What it acted on: a username, a token id, a lab id.
    #[serde(default)]
    pub subject: Option<String>,
    /// The client's IP address, for requests over HTTP.
    #[serde(default)]
    pub address: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wire_names_are_fixed() {
        // Regenerate only when the format is intentionally migrated.
        for r in Role::ALL {
            assert_eq!(serde_json::to_string(&r).unwrap(), format!("\"{}\"", r.as_str()));
            assert_eq!(Role::parse(r.as_str()), Some(r));
        }
        for a in AuditAction::ALL {
            assert_eq!(serde_json::to_string(&a).unwrap(), format!("\"{}\"", a.as_str()));
            assert_eq!(AuditAction::parse(a.as_str()), Some(a));
        }
        assert_eq!(serde_json::to_string(&LabRole::Coordinator).unwrap(), "\"coordinator\"");
    }

    #[test]
    fn user_info_without_memberships_still_reads() {
        // Sessions saved by an older app have no `memberships`.
        let old = r#"{"username":"personal","display_name":"P","role":"staff","labs":[],"home_meeting_place":null}"#;
        let u: UserInfo = serde_json::from_str(old).unwrap();
        assert!(u.memberships.is_empty());
    }
}
