//! Who may read and write what: the one place permissions are decided.
//! docs/SECURITY.md explains the roles; tests/security.rs checks every
//! endpoint against every role.
//!
//! - staff: read their labs; write the kinds in [`STAFF_WRITABLE`] there.
//! - coordinator: read their labs; write every kind there (goals, partners,
//!   meeting places, the lab itself).
//! - researcher: no record-level data at all (pulls return nothing, pushes
//!   are refused); anonymised figures only.
//! - admin: accounts, devices and labs (the lab records of every lab); in a
//!   lab they are also a member of, what that membership allows.
//!
//! A user holds a role per lab (`UserRow::memberships`), so the same person
//! can be staff in one lab and coordinator in another.

use crate::db::{TokenRow, UserRow};
use labblogg_shared::auth::{LabRole, Membership, Role};
use labblogg_shared::RecordKind;
use uuid::Uuid;

/// Record kinds staff may write in their labs, by serialized name: the
/// everyday logging of a meeting place. Kinds not listed need a coordinator,
/// so a new kind is coordinator-only until it is added here. Partners are
/// listed because staff add a new partner inline while logging an activity.
pub const STAFF_WRITABLE: &[&str] = &["visit", "activity", "goal_measurement", "partner"];

/// The role `user` holds in `lab`, if any.
pub fn lab_role(user: &UserRow, lab: Uuid) -> Option<LabRole> {
    if user.disabled || user.role == Role::Researcher {
        return None;
    }
    user.memberships.iter().find(|m| m.lab_id == lab).map(|m| m.role)
}

/// Labs whose records this user's pulls may return.
pub fn readable_labs(user: &UserRow) -> Vec<Uuid> {
    // Researchers read aggregates only, never record-level data.
    if user.disabled || user.role == Role::Researcher {
        return Vec::new();
    }
    user.labs()
}

/// May this user push changes at all? Researchers' pushes are refused whole.
pub fn may_push(user: &UserRow) -> bool {
    !user.disabled && user.role != Role::Researcher
}

/// May this user push a change to a record of `kind` in `lab`?
pub fn may_write(user: &UserRow, kind: RecordKind, lab: Uuid) -> bool {
    if !may_push(user) {
        return false;
    }
    // Administrators keep the register of labs (name, city, organisation…).
    if user.role == Role::Admin && kind == RecordKind::Lab {
        return true;
    }
    match lab_role(user, lab) {
        Some(LabRole::Coordinator) => true,
        Some(LabRole::Staff) => STAFF_WRITABLE.contains(&kind.as_str()),
        None => false,
    }
}

/// May this user use the administration API (`/api/v1/admin/…`)?
pub fn may_administer(user: &UserRow) -> bool {
    !user.disabled && user.role == Role::Admin
}

/// May this user revoke `token` through `DELETE /api/v1/devices/{id}`? Only
/// their own; administrators revoke others' through the admin API.
pub fn may_revoke_own(user: &UserRow, token: &TokenRow) -> bool {
    token.user_id == user.id
}

/// Why an account's roles are not allowed, in Swedish; `None` when they are.
/// Staff and coordinators work in at least one lab; researchers in none
/// (they never see record-level data); administrators may also be members.
pub fn account_refusal(role: Role, memberships: &[Membership]) -> Option<&'static str> {
    match role {
        Role::Staff | Role::Coordinator if memberships.is_empty() => {
            Some("personal och samordnare måste höra till minst ett labb")
        }
        Role::Researcher if !memberships.is_empty() => {
            Some("en forskare kan inte höra till ett labb: forskare ser bara sammanställningar, aldrig enskilda poster")
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user(role: Role, memberships: &[(u128, LabRole)]) -> UserRow {
        let memberships: Vec<Membership> =
            memberships.iter().map(|&(l, role)| Membership { lab_id: Uuid::from_u128(l), role }).collect();
        UserRow {
            id: Uuid::from_u128(1),
            username: "u".into(),
            display_name: "U".into(),
            password_hash: String::new(),
            role: UserRow::highest_role(role, &memberships),
            memberships,
            home_meeting_place: None,
            disabled: false,
        }
    }

    fn kind(name: &str) -> Option<RecordKind> {
        RecordKind::parse(name)
    }

    #[test]
    fn matrix() {
        let own = Uuid::from_u128(10);
        let foreign = Uuid::from_u128(20);
        let staff = user(Role::Staff, &[(10, LabRole::Staff)]);
        assert!(may_write(&staff, RecordKind::Visit, own));
        assert!(!may_write(&staff, RecordKind::Visit, foreign));
        assert!(!may_write(&staff, RecordKind::Lab, own));
        assert!(!may_write(&staff, RecordKind::MeetingPlace, own));
        for name in STAFF_WRITABLE {
            if let Some(k) = kind(name) {
                assert!(may_write(&staff, k, own), "{name}");
                assert!(!may_write(&staff, k, foreign), "{name}");
            }
        }
        for name in ["goal", "lab", "meeting_place"] {
            if let Some(k) = kind(name) {
                assert!(!may_write(&staff, k, own), "{name}");
            }
        }
        let coord = user(Role::Coordinator, &[(10, LabRole::Coordinator)]);
        for k in RecordKind::ALL {
            assert!(may_write(&coord, k, own), "{k:?}");
            assert!(!may_write(&coord, k, foreign), "{k:?}");
        }
        let researcher = user(Role::Researcher, &[(10, LabRole::Coordinator)]);
        assert!(!may_push(&researcher));
        assert!(!may_write(&researcher, RecordKind::Visit, own));
        assert!(readable_labs(&researcher).is_empty());
        assert_eq!(lab_role(&researcher, own), None);

        let admin = user(Role::Admin, &[]);
        assert!(may_administer(&admin));
        assert!(may_write(&admin, RecordKind::Lab, foreign));
        assert!(!may_write(&admin, RecordKind::Visit, foreign));
        assert!(readable_labs(&admin).is_empty());
        assert!(!may_administer(&coord) && !may_administer(&staff) && !may_administer(&researcher));

        let mut disabled = coord.clone();
        disabled.disabled = true;
        assert!(!may_write(&disabled, RecordKind::Visit, own));
        assert!(readable_labs(&disabled).is_empty());
    }

    #[test]
    fn a_role_per_lab() {
        let (a, b) = (Uuid::from_u128(10), Uuid::from_u128(20));
        let mixed = user(Role::Staff, &[(10, LabRole::Staff), (20, LabRole::Coordinator)]);
        assert_eq!(mixed.role, Role::Coordinator, "the highest role is shown");
        assert!(!may_write(&mixed, RecordKind::MeetingPlace, a));
        assert!(may_write(&mixed, RecordKind::MeetingPlace, b));
        assert!(may_write(&mixed, RecordKind::Visit, a));
        assert_eq!(readable_labs(&mixed), vec![a, b]);
    }

    #[test]
    fn account_rules() {
        let m = [Membership { lab_id: Uuid::from_u128(1), role: LabRole::Staff }];
        assert!(account_refusal(Role::Staff, &[]).is_some());
        assert!(account_refusal(Role::Staff, &m).is_none());
        assert!(account_refusal(Role::Researcher, &m).is_some());
        assert!(account_refusal(Role::Researcher, &[]).is_none());
        assert!(account_refusal(Role::Admin, &[]).is_none());
        assert!(account_refusal(Role::Admin, &m).is_none());
    }
}
