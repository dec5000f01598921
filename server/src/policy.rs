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
use labblogg_shared::knowledge::Review;
use labblogg_shared::RecordKind;
use uuid::Uuid;

/// Record kinds staff may write in their labs, by serialized name: the
/// everyday logging of a meeting place. Kinds not listed need a coordinator,
/// so a new kind is coordinator-only until it is added here. Partners are
/// listed because staff add a new partner inline while logging an activity.
/// Good examples and lessons are listed because any member proposes one;
/// publishing is a coordinator's ([`knowledge_refusal`]).
pub const STAFF_WRITABLE: &[&str] = &["visit", "activity", "goal_measurement", "partner", "good_example", "lesson"];

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
    // Administrators keep the register of labs (name, city, organisation…)
    // and may curate the knowledge base of any lab, as its coordinator would.
    if user.role == Role::Admin && (kind == RecordKind::Lab || kind.is_knowledge()) {
        return true;
    }
    // Administrators approve and re-open any lab's months, as its coordinator would.
    if user.role == Role::Admin && kind == RecordKind::MonthApproval {
        return true;
    }
    match lab_role(user, lab) {
        Some(LabRole::Coordinator) => true,
        Some(LabRole::Staff) => STAFF_WRITABLE.contains(&kind.as_str()),
        None => false,
    }
}

/// May this user delete any record of `kind` in `lab` (not only what they
/// created, `push.rs`)? The lab's coordinators; administrators for what they
/// keep (labs, the knowledge base).
pub fn may_delete_any(user: &UserRow, kind: RecordKind, lab: Uuid) -> bool {
    if !may_push(user) {
        return false;
    }
    if user.role == Role::Admin && (kind == RecordKind::Lab || kind.is_knowledge()) {
        return true;
    }
    lab_role(user, lab) == Some(LabRole::Coordinator)
}

/// Does this user's pull include the published knowledge base of every
/// lab? Everyone who may sync: staff, coordinators and administrators.
/// Researchers read anonymised figures only, so not them either.
pub fn reads_shared_knowledge(user: &UserRow) -> bool {
    !user.disabled && user.role != Role::Researcher
}

/// Why `user` may not push this change to a good example or lesson in
/// `lab` (already allowed by [`may_write`]), in Swedish; `None` if they may.
/// `current` is the stored record's review state (`None`: new), `next` the
/// state the change sets (`None`: unchanged).
///
/// - Staff write drafts and proposals (draft, submitted) and delete them.
/// - Only a coordinator of the lab (or an administrator) publishes,
///   withdraws, or touches what is published or withdrawn.
/// - Published goes only to withdrawn (or a deletion): a device in another
///   organisation never sees a draft, so an example it holds can only
///   disappear by being withdrawn (docs/SYNC.md).
pub fn knowledge_refusal(
    user: &UserRow,
    lab: Uuid,
    current: Option<Review>,
    next: Option<Review>,
) -> Option<&'static str> {
    let coordinator = user.role == Role::Admin || lab_role(user, lab) == Some(LabRole::Coordinator);
    let public_now = current.is_some_and(Review::is_public);
    let public_next = next.is_some_and(Review::is_public);
    if !coordinator && (public_now || public_next) {
        return Some("Bara en samordnare kan publicera, dra tillbaka eller ändra det som är publicerat.");
    }
    if current == Some(Review::Published) && next.is_some_and(|n| !n.is_public()) {
        return Some("Ett publicerat exempel kan inte bli utkast igen. Dra tillbaka det först.");
    }
    None
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
    fn knowledge_review() {
        use Review::*;
        let (own, other) = (Uuid::from_u128(10), Uuid::from_u128(20));
        let staff = user(Role::Staff, &[(10, LabRole::Staff)]);
        let coord = user(Role::Coordinator, &[(10, LabRole::Coordinator), (20, LabRole::Staff)]);
        let admin = user(Role::Admin, &[]);
        for k in [RecordKind::GoodExample, RecordKind::Lesson] {
            assert!(may_write(&staff, k, own) && !may_write(&staff, k, other));
            assert!(may_write(&admin, k, other), "administrators curate every lab's");
        }
        // Staff propose; they never publish or touch what is public.
        assert_eq!(knowledge_refusal(&staff, own, None, Some(Draft)), None);
        assert_eq!(knowledge_refusal(&staff, own, Some(Draft), Some(Submitted)), None);
        assert_eq!(knowledge_refusal(&staff, own, Some(Submitted), None), None);
        assert!(knowledge_refusal(&staff, own, Some(Submitted), Some(Published)).is_some());
        assert!(knowledge_refusal(&staff, own, None, Some(Published)).is_some());
        assert!(knowledge_refusal(&staff, own, Some(Published), None).is_some());
        assert!(knowledge_refusal(&staff, own, Some(Withdrawn), Some(Draft)).is_some());
        // A coordinator publishes in their lab, not where they are staff.
        assert_eq!(knowledge_refusal(&coord, own, Some(Submitted), Some(Published)), None);
        assert!(knowledge_refusal(&coord, other, Some(Submitted), Some(Published)).is_some());
        assert_eq!(knowledge_refusal(&coord, own, Some(Published), Some(Withdrawn)), None);
        assert_eq!(knowledge_refusal(&coord, own, Some(Published), None), None);
        assert_eq!(knowledge_refusal(&coord, own, Some(Withdrawn), Some(Draft)), None);
        // Published never goes back to a draft directly.
        assert!(knowledge_refusal(&coord, own, Some(Published), Some(Draft)).is_some());
        assert!(knowledge_refusal(&coord, own, Some(Published), Some(Submitted)).is_some());
        assert_eq!(knowledge_refusal(&admin, other, Some(Submitted), Some(Published)), None);
        let researcher = user(Role::Researcher, &[]);
        assert!(!reads_shared_knowledge(&researcher) && reads_shared_knowledge(&staff));
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
