//! The merge rules (docs/SYNC.md), one pure function shared by server and app.
//!
//! - Every field is last-writer-wins by the hybrid logical clock of the edit.
//! - A delete is a tombstone and keeps the record's fields. A record is
//!   deleted when its newest tombstone is newer than its newest restore:
//!   only an explicit restore brings it back, never an edit (a stale
//!   tablet's late edit is merged into the fields of a record that stays
//!   deleted).
//! - Visits are append-only events: their fields never change once set.
//!
//! Applying a change is idempotent and changes commute, so every replica that
//! has seen the same set of changes holds the same state.

use crate::{hlc::Hlc, model::RecordKind, sync::Change};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::collections::BTreeMap;
use uuid::Uuid;

/// A record merged from all the changes seen so far.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RecordState {
    pub kind: RecordKind,
    pub id: Uuid,
    pub lab_id: Uuid,
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub fields: Map<String, Value>,
    /// The stamp of the edit that set each field.
    pub clocks: BTreeMap<String, Hlc>,
    /// The stamp of the newest tombstone, if the record is deleted (that
    /// tombstone is newer than every restore).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deleted: Option<Hlc>,
    /// The stamp of the newest restore, if the record was ever restored. A
    /// tombstone older than it changes nothing.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub restored: Option<Hlc>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MergeError {
    #[error("posten hör till ett annat labb; ett labb kan inte bytas")]
    LabChanged,
    #[error("posten är av en annan sort")]
    KindChanged,
    #[error("ett registrerat besök kan inte ändras, bara ångras")]
    EventEdited,
    #[error("en ändring kan inte både radera och återställa")]
    DeleteAndRestore,
}

impl RecordState {
    /// The newest stamp anywhere in the record.
    pub fn max_clock(&self) -> Hlc {
        self.clocks.values().copied().chain(self.deleted).chain(self.restored).max().unwrap_or(Hlc::ZERO)
    }

    /// The stamp of the record's first edit: no delete may be older.
    pub fn created(&self) -> Option<Hlc> {
        self.clocks.values().copied().min()
    }
}

/// Apply `change` to the record as currently known (`None`: never seen).
///
/// Returns `Ok(Some(new_state))` when the record changed, `Ok(None)` when the
/// change adds nothing (already applied, or older than what is stored).
pub fn apply_change(current: Option<&RecordState>, change: &Change) -> Result<Option<RecordState>, MergeError> {
    if change.deleted && change.restore {
        return Err(MergeError::DeleteAndRestore);
    }
    let mut state = match current {
        Some(cur) => {
            if cur.lab_id != change.lab_id {
                return Err(MergeError::LabChanged);
            }
            if cur.kind != change.kind || cur.id != change.id {
                return Err(MergeError::KindChanged);
            }
            if change.kind.is_event() {
                let edits_existing = change.fields.iter().any(|(k, v)| cur.fields.get(k).is_some_and(|old| old != v));
                if edits_existing {
                    return Err(MergeError::EventEdited);
                }
            }
            cur.clone()
        }
        None => RecordState {
            kind: change.kind,
            id: change.id,
            lab_id: change.lab_id,
            fields: Map::new(),
            clocks: BTreeMap::new(),
            deleted: None,
            restored: None,
        },
    };
    let mut changed = current.is_none();
    for (name, value) in &change.fields {
        let newer = state.clocks.get(name).is_none_or(|&at| change.hlc > at);
        if newer {
            if state.fields.get(name) != Some(value) || state.clocks.get(name) != Some(&change.hlc) {
                changed = true;
            }
            state.fields.insert(name.clone(), value.clone());
            state.clocks.insert(name.clone(), change.hlc);
        }
    }
    changed |= delete_or_restore(&mut state, change);
    Ok(changed.then_some(state))
}

/// A tombstone or a restore: the newer of the newest of each decides, so the
/// outcome is the same in any order. A tombstone older than the newest
/// restore is forgotten (the restore has decided against it); a restore
/// older than the newest tombstone only raises `restored`.
fn delete_or_restore(state: &mut RecordState, change: &Change) -> bool {
    let mut changed = false;
    if change.deleted && state.restored.is_none_or(|r| change.hlc > r) && state.deleted.is_none_or(|at| change.hlc > at)
    {
        state.deleted = Some(change.hlc);
        changed = true;
    }
    if change.restore && state.restored.is_none_or(|r| change.hlc > r) {
        state.restored = Some(change.hlc);
        if state.deleted.is_some_and(|d| change.hlc > d) {
            state.deleted = None;
        }
        changed = true;
    }
    changed
}

/// [`apply_change`] taking the change by value: a record seen for the first time takes the
/// change's fields as they are instead of copying them (the server's ingest of new visits).
pub fn apply_change_owned(current: Option<&RecordState>, change: Change) -> Result<Option<RecordState>, MergeError> {
    if current.is_some() || change.deleted && change.restore {
        return apply_change(current, &change);
    }
    let clocks = change.fields.keys().map(|name| (name.clone(), change.hlc)).collect();
    Ok(Some(RecordState {
        kind: change.kind,
        id: change.id,
        lab_id: change.lab_id,
        fields: change.fields,
        clocks,
        deleted: change.deleted.then_some(change.hlc),
        restored: change.restore.then_some(change.hlc),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::json;

    fn change(kind: RecordKind, id: u128, hlc: (u64, u64), fields: Value, deleted: bool) -> Change {
        Change {
            change_id: Uuid::from_u128(hlc.0 as u128 * 1000 + hlc.1 as u128),
            kind,
            id: Uuid::from_u128(id),
            lab_id: Uuid::from_u128(99),
            hlc: Hlc { ms: hlc.0, counter: 0, node: hlc.1 },
            fields: fields.as_object().cloned().unwrap_or_default(),
            deleted,
            restore: false,
        }
    }

    #[test]
    fn newer_field_wins_older_is_ignored() {
        let a = change(RecordKind::Lab, 1, (10, 1), json!({"name": "A", "city": "X"}), false);
        let b = change(RecordKind::Lab, 1, (20, 2), json!({"name": "B"}), false);
        let s1 = apply_change(None, &a).unwrap().unwrap();
        let s2 = apply_change(Some(&s1), &b).unwrap().unwrap();
        assert_eq!(s2.fields["name"], "B");
        assert_eq!(s2.fields["city"], "X");
        // the older edit arriving late changes nothing
        assert_eq!(apply_change(Some(&s2), &a).unwrap(), None);
    }

    #[test]
    fn applying_twice_changes_nothing() {
        let a = change(RecordKind::Visit, 1, (10, 1), json!({"age_band": "6-12"}), false);
        let s = apply_change(None, &a).unwrap().unwrap();
        assert_eq!(apply_change(Some(&s), &a).unwrap(), None);
    }

    #[test]
    fn tombstone_stays() {
        let create = change(RecordKind::Lab, 1, (10, 1), json!({"name": "A"}), false);
        let del = change(RecordKind::Lab, 1, (20, 1), json!({}), true);
        let later_edit = change(RecordKind::Lab, 1, (30, 2), json!({"name": "C"}), false);
        let mut s = apply_change(None, &create).unwrap().unwrap();
        s = apply_change(Some(&s), &del).unwrap().unwrap();
        s = apply_change(Some(&s), &later_edit).unwrap().unwrap();
        assert!(s.deleted.is_some());
    }

    fn restore(id: u128, hlc: (u64, u64)) -> Change {
        Change { restore: true, ..change(RecordKind::Lab, id, hlc, json!({}), false) }
    }

    #[test]
    fn a_delete_keeps_the_fields_and_a_restore_brings_the_record_back() {
        let create = change(RecordKind::Lab, 1, (10, 1), json!({"name": "A"}), false);
        let del = change(RecordKind::Lab, 1, (20, 1), json!({}), true);
        let s = apply_change(None, &create).unwrap().unwrap();
        let deleted = apply_change(Some(&s), &del).unwrap().unwrap();
        assert_eq!((deleted.deleted, &deleted.fields["name"]), (Some(del.hlc), &json!("A")));
        let back = apply_change(Some(&deleted), &restore(1, (30, 2))).unwrap().unwrap();
        assert_eq!(
            (back.deleted, back.restored, &back.fields["name"]),
            (None, Some(Hlc { ms: 30, counter: 0, node: 2 }), &json!("A"))
        );
        // A tombstone older than the restore (a late tablet) changes nothing…
        assert_eq!(apply_change(Some(&back), &change(RecordKind::Lab, 1, (25, 3), json!({}), true)).unwrap(), None);
        // …a newer one deletes again, and a stale edit never restores.
        let again = apply_change(Some(&back), &change(RecordKind::Lab, 1, (40, 3), json!({}), true)).unwrap().unwrap();
        assert!(again.deleted.is_some());
        let edited = apply_change(Some(&again), &change(RecordKind::Lab, 1, (50, 4), json!({"name": "B"}), false))
            .unwrap()
            .unwrap();
        assert!(edited.deleted.is_some(), "an edit never brings a record back");
        // A restore older than the newest tombstone only raises `restored`.
        let late_restore = apply_change(Some(&again), &restore(1, (35, 5))).unwrap().unwrap();
        assert_eq!((late_restore.deleted, late_restore.restored.map(|h| h.ms)), (again.deleted, Some(35)));
        let both = Change { restore: true, ..change(RecordKind::Lab, 1, (60, 1), json!({}), true) };
        assert_eq!(apply_change(Some(&again), &both), Err(MergeError::DeleteAndRestore));
        assert_eq!(apply_change_owned(None, both), Err(MergeError::DeleteAndRestore));
    }

    #[test]
    fn visits_cannot_be_edited_only_undone() {
        let v = change(RecordKind::Visit, 1, (10, 1), json!({"age_band": "6-12"}), false);
        let edit = change(RecordKind::Visit, 1, (20, 1), json!({"age_band": "65+"}), false);
        let undo = change(RecordKind::Visit, 1, (20, 1), json!({}), true);
        let s = apply_change(None, &v).unwrap().unwrap();
        assert_eq!(apply_change(Some(&s), &edit), Err(MergeError::EventEdited));
        assert!(apply_change(Some(&s), &undo).unwrap().unwrap().deleted.is_some());
    }

    #[test]
    fn lab_never_changes() {
        let a = change(RecordKind::Lab, 1, (10, 1), json!({"name": "A"}), false);
        let mut b = change(RecordKind::Lab, 1, (20, 1), json!({"name": "B"}), false);
        b.lab_id = Uuid::from_u128(7);
        let s = apply_change(None, &a).unwrap().unwrap();
        assert_eq!(apply_change(Some(&s), &b), Err(MergeError::LabChanged));
    }

    fn arb_change() -> impl Strategy<Value = Change> {
        // 0..7: an edit, 8: a tombstone, 9: a restore (random deletes and restores among edits).
        (0u128..3, 1u64..50, 0u64..4, prop::collection::btree_map("[abc]", 0i64..5, 0..3), 0u8..10).prop_map(
            |(id, ms, node, fields, op)| {
                let fields: Map<String, Value> = fields.into_iter().map(|(k, v)| (k, json!(v))).collect();
                Change {
                    change_id: Uuid::from_u128(ms as u128 * 10 + node as u128),
                    kind: RecordKind::Lab,
                    id: Uuid::from_u128(id),
                    lab_id: Uuid::from_u128(99),
                    // a device never stamps two edits alike: (ms, node) is unique per edit here
                    hlc: Hlc { ms, counter: 0, node },
                    fields,
                    deleted: op == 8,
                    restore: op == 9,
                }
            },
        )
    }

    fn replay(changes: &[Change]) -> BTreeMap<Uuid, RecordState> {
        let mut db: BTreeMap<Uuid, RecordState> = BTreeMap::new();
        for c in changes {
            if let Some(s) = apply_change(db.get(&c.id), c).unwrap() {
                db.insert(c.id, s);
            }
        }
        db
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]
        /// Any order, any duplication: the same set of changes (edits, deletes and restores)
        /// gives the same state.
        #[test]
        fn order_and_duplicates_do_not_matter(
            changes in prop::collection::vec(arb_change(), 0..30)
                .prop_map(|cs| {
                    // edits with the same stamp are the same edit
                    let mut seen = std::collections::BTreeMap::new();
                    for c in cs { seen.entry((c.hlc, c.id)).or_insert(c); }
                    seen.into_values().collect::<Vec<_>>()
                }),
            perm_seed in any::<u64>(),
            dup in prop::collection::vec(any::<prop::sample::Index>(), 0..10),
        ) {
            let mut shuffled = changes.clone();
            for i in &dup { if !changes.is_empty() { shuffled.push(changes[i.index(changes.len())].clone()); } }
            // deterministic Fisher-Yates from the seed
            let mut x = perm_seed | 1;
            for i in (1..shuffled.len()).rev() {
                x ^= x << 13; x ^= x >> 7; x ^= x << 17;
                shuffled.swap(i, (x % (i as u64 + 1)) as usize);
            }
            prop_assert_eq!(replay(&changes), replay(&shuffled));
        }

        /// Taking the change by value merges exactly as borrowing it.
        #[test]
        fn owned_and_borrowed_merges_agree(first in arb_change(), second in arb_change()) {
            let current = apply_change(None, &first).ok().flatten();
            prop_assert_eq!(apply_change_owned(None, second.clone()), apply_change(None, &second));
            prop_assert_eq!(apply_change_owned(current.as_ref(), second.clone()), apply_change(current.as_ref(), &second));
        }
    }
}
