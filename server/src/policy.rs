//! Who may read and write what: the one place permissions are decided.

use crate::db::UserRow;
use labblogg_shared::auth::Role;
use labblogg_shared::RecordKind;
use uuid::Uuid;

/// Labs whose records this user's pulls may return.
pub fn readable_labs(user: &UserRow) -> Vec<Uuid> {
    match user.role {
        // Researchers read aggregates only, never record-level data.
        Role::Researcher => Vec::new(),
        Role::Staff | Role::Coordinator | Role::Admin => user.labs.clone(),
    }
}

/// May this user push a change to a record of `kind` in `lab`?
pub fn may_write(user: &UserRow, kind: RecordKind, lab: Uuid) -> bool {
    if !user.labs.contains(&lab) {
        return false;
    }
    match user.role {
        Role::Staff => matches!(kind, RecordKind::Visit),
        Role::Coordinator | Role::Admin => true,
        Role::Researcher => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user(role: Role, labs: &[u128]) -> UserRow {
        UserRow {
            id: Uuid::from_u128(1),
            username: "u".into(),
            display_name: "U".into(),
            password_hash: String::new(),
            role,
            labs: labs.iter().map(|&l| Uuid::from_u128(l)).collect(),
            home_meeting_place: None,
            disabled: false,
        }
    }

    #[test]
    fn matrix() {
        let own = Uuid::from_u128(10);
        let foreign = Uuid::from_u128(20);
        let staff = user(Role::Staff, &[10]);
        assert!(may_write(&staff, RecordKind::Visit, own));
        assert!(!may_write(&staff, RecordKind::Visit, foreign));
        assert!(!may_write(&staff, RecordKind::Lab, own));
        let coord = user(Role::Coordinator, &[10]);
        assert!(may_write(&coord, RecordKind::MeetingPlace, own));
        assert!(!may_write(&coord, RecordKind::MeetingPlace, foreign));
        let researcher = user(Role::Researcher, &[10]);
        assert!(!may_write(&researcher, RecordKind::Visit, own));
        assert!(readable_labs(&researcher).is_empty());
    }
}
