//! What a device does about a wrong wall clock (see docs/SYNC.md, "The clock").
//!
//! The server refuses a change stamped more than [`MAX_CLOCK_AHEAD_MS`] ahead of its own clock,
//! so one tablet with a wrong clock cannot win every conflict. Refusing must not lose the visits
//! staff logged on such a tablet, and staff cannot re-stamp a change by hand. So a device that
//! hears the server's time
//!
//! 1. keeps an **offset** to its wall clock once it is off by more than [`TRUSTED_SKEW_MS`]
//!    ([`offset_ms`], [`corrected`]): its later stamps, dates and times follow the server;
//! 2. **repairs** its hybrid clock and its pending changes ([`repair`]): the clock comes back to
//!    the highest stamp the server accepts, and every pending change stamped beyond it is
//!    stamped again, in outbox order, so the device's own edits keep their order and are sent
//!    again without anyone having to act. The records they touched get the new stamps too
//!    ([`restamp_record`]), so the device's later edits of the same fields win locally as well.
//!
//! Staff still see the clock warning until the tablet's clock is set right.

use crate::hlc::{Hlc, MAX_CLOCK_AHEAD_MS};
use crate::merge::RecordState;
use crate::sync::Change;

/// A wall clock this close to the server's is used as is.
pub const TRUSTED_SKEW_MS: u64 = 60 * 1000;

/// Margin kept below the server's limit, for the time between hearing the server and the next push.
const LIMIT_MARGIN_MS: u64 = 1000;

/// The offset to add to this device's wall clock, from the server's time and the local time of the
/// same moment: zero while the two agree within [`TRUSTED_SKEW_MS`].
pub fn offset_ms(local_now_ms: u64, server_time_ms: u64) -> i64 {
    let skew = server_time_ms as i64 - local_now_ms as i64;
    if skew.unsigned_abs() <= TRUSTED_SKEW_MS {
        0
    } else {
        skew
    }
}

/// The device's wall time corrected by its offset.
pub fn corrected(local_now_ms: u64, offset_ms: i64) -> u64 {
    (local_now_ms as i64).saturating_add(offset_ms).max(0) as u64
}

/// The highest wall time in a stamp the server accepts a moment from now (a margin below its limit).
fn limit(server_time_ms: u64) -> u64 {
    server_time_ms + MAX_CLOCK_AHEAD_MS - LIMIT_MARGIN_MS
}

/// Whether a device's clock runs beyond what the server accepts, so [`repair`] has work to do
/// (a device's pending changes are never stamped later than its clock).
pub fn needs_repair(clock: &Hlc, server_time_ms: u64) -> bool {
    clock.ms > limit(server_time_ms)
}

/// One pending change that [`repair`] stamped again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Restamped {
    /// Index into the changes given to [`repair`].
    pub index: usize,
    pub old: Hlc,
    pub new: Hlc,
}

/// Brings `clock` back under the server's limit when it runs beyond it, and stamps again every
/// pending change (given in outbox order) that the server would refuse as ahead. Changes stamped
/// below the limit keep their stamps. Returns what was stamped again; empty when the clock was
/// within the limit.
pub fn repair(clock: &mut Hlc, server_time_ms: u64, pending: &mut [Change]) -> Vec<Restamped> {
    let limit = limit(server_time_ms);
    // Stamps from `floor` on are beyond what the server accepts.
    let floor = Hlc { ms: limit + 1, counter: 0, node: 0 };
    if !needs_repair(clock, server_time_ms) && pending.iter().all(|c| c.hlc < floor) {
        return Vec::new();
    }
    // The new stamps come after every stamp this device keeps (those below `floor`), so its
    // own edits stay in order.
    let kept = pending.iter().map(|c| c.hlc).filter(|h| *h < floor).max();
    let counter = kept.filter(|h| h.ms == limit).map_or(0, |h| h.counter);
    *clock = Hlc { ms: limit, counter, node: clock.node };
    let mut done = Vec::new();
    for (index, change) in pending.iter_mut().enumerate() {
        if change.hlc >= floor {
            let old = change.hlc;
            let new = clock.tick(limit);
            change.hlc = new;
            done.push(Restamped { index, old, new });
        }
    }
    done
}

/// Moves a record's field and tombstone stamps from a change's old stamp to its new one, so the
/// local copy agrees with the change that will be sent.
pub fn restamp_record(state: &mut RecordState, old: Hlc, new: Hlc) {
    for stamp in state.clocks.values_mut() {
        if *stamp == old {
            *stamp = new;
        }
    }
    if state.deleted == Some(old) {
        state.deleted = Some(new);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::merge::apply_change;
    use crate::model::RecordKind;
    use serde_json::{json, Map, Value};
    use uuid::Uuid;

    const SERVER_NOW: u64 = 1_800_000_000_000;
    const DAY: u64 = 24 * 3600 * 1000;

    fn change(id: u128, hlc: Hlc, title: &str) -> Change {
        let mut fields = Map::new();
        fields.insert("title".into(), Value::String(title.into()));
        Change {
            change_id: Uuid::from_u128(id + 1000),
            kind: RecordKind::Partner,
            id: Uuid::from_u128(id),
            lab_id: Uuid::from_u128(1),
            hlc,
            fields,
            deleted: false,
            restore: false,
        }
    }

    fn stamp(ms: u64, counter: u32) -> Hlc {
        Hlc { ms, counter, node: 7 }
    }

    #[test]
    fn offset_is_zero_within_a_minute_and_the_skew_beyond() {
        assert_eq!(offset_ms(SERVER_NOW + 59_000, SERVER_NOW), 0);
        assert_eq!(offset_ms(SERVER_NOW - 59_000, SERVER_NOW), 0);
        assert_eq!(offset_ms(SERVER_NOW + DAY, SERVER_NOW), -(DAY as i64));
        assert_eq!(offset_ms(SERVER_NOW - DAY, SERVER_NOW), DAY as i64);
        assert_eq!(corrected(SERVER_NOW + DAY, -(DAY as i64)), SERVER_NOW);
        assert_eq!(corrected(5, -10), 0);
    }

    #[test]
    fn a_clock_within_the_limit_changes_nothing() {
        let mut clock = stamp(SERVER_NOW + 60_000, 3);
        let mut pending = vec![change(1, stamp(SERVER_NOW + 50_000, 0), "a")];
        let before = pending.clone();
        assert!(repair(&mut clock, SERVER_NOW, &mut pending).is_empty());
        assert_eq!(clock, stamp(SERVER_NOW + 60_000, 3));
        assert_eq!(pending, before);
    }

    #[test]
    fn a_day_ahead_is_brought_back_and_pending_changes_keep_their_order() {
        let mut clock = stamp(SERVER_NOW + DAY + 10, 0);
        let early = stamp(SERVER_NOW - 3000, 0);
        let mut pending = vec![
            change(1, early, "before the clock went wrong"),
            change(2, stamp(SERVER_NOW + DAY, 0), "first"),
            change(2, stamp(SERVER_NOW + DAY, 1), "second"),
            change(3, stamp(SERVER_NOW + DAY + 10, 0), "third"),
        ];
        let done = repair(&mut clock, SERVER_NOW, &mut pending);
        assert_eq!(done.iter().map(|r| r.index).collect::<Vec<_>>(), vec![1, 2, 3]);
        assert_eq!(pending[0].hlc, early, "a change within the limit keeps its stamp");
        for window in pending.windows(2) {
            assert!(window[0].hlc < window[1].hlc, "outbox order is stamp order");
        }
        for c in &pending {
            assert!(c.hlc.ms <= SERVER_NOW + MAX_CLOCK_AHEAD_MS, "the server accepts it");
            assert_eq!(c.hlc.node, 7);
        }
        assert_eq!(pending[3].hlc, clock);
        assert_eq!(clock.ms, limit(SERVER_NOW));
        assert!(!needs_repair(&clock, SERVER_NOW), "a second repair finds nothing to do");
        assert!(repair(&mut clock.clone(), SERVER_NOW, &mut pending.clone()).is_empty());
        // The next local edit is stamped after the repaired ones.
        let next = clock.tick(corrected(SERVER_NOW + DAY + 20, offset_ms(SERVER_NOW + DAY + 20, SERVER_NOW + 10)));
        assert!(next > pending[3].hlc);
    }

    #[test]
    fn the_local_record_follows_its_restamped_change() {
        let ahead = stamp(SERVER_NOW + DAY, 0);
        let mut pending = vec![change(2, ahead, "first")];
        let mut state = apply_change(None, &pending[0]).unwrap().unwrap();
        let mut clock = ahead;
        let done = repair(&mut clock, SERVER_NOW, &mut pending);
        restamp_record(&mut state, done[0].old, done[0].new);
        assert_eq!(state.clocks["title"], done[0].new);
        // Without the repair this later edit would lose locally to the day-ahead stamp.
        let later = change(2, clock.tick(SERVER_NOW + 1), "rättad");
        let merged = apply_change(Some(&state), &later).unwrap().unwrap();
        assert_eq!(merged.fields["title"], json!("rättad"));
    }
}
