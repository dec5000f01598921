//! Disclosure control for figures that leave a lab: the Cell Key Method, as
//! Statistics Sweden (SCB) uses it for its population statistics from
//! reference year 2025 (and the ABS and Eurostat before it).
//!
//! Blanking small cells ("<5") is defeated by differencing: two periods one
//! day apart, or a total against its parts, give the small cell exactly. Here
//! every published count instead carries a small noise that is a fixed
//! function of *which* records are in the cell:
//!
//! - every visit and activity has a **record key**, a 32-bit number derived
//!   from its id ([`record_key`]), so every replica derives the same one;
//! - a cell's **cell key** is the sum of its records' keys modulo 2³²
//!   ([`CellKey`]); sums can be kept with the visit tallies, so a summary
//!   still never reads the visits themselves;
//! - the **perturbation table** ([`noise_table`]) maps (count, cell key) to
//!   the published count: bounded noise of at most ±2, never 1 or 2, 0 stays 0.
//!
//! The same records always give the same published count (asking again does
//! not average the noise away); two overlapping cells that differ by a few
//! records have different cell keys, so their difference is noisy too. The
//! parameters are public and explained in docs/PRIVACY.md: the protection
//! does not rest on keeping them secret.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// A record's key: uniform over `u32`, a fixed function of its id.
///
/// The id's 128 bits are folded and mixed with SplitMix64's finaliser, so
/// ids that differ in one bit (UUIDv7s made in the same millisecond) get
/// unrelated keys.
pub fn record_key(id: Uuid) -> u32 {
    let v = id.as_u128();
    let folded = (v as u64) ^ ((v >> 64) as u64).rotate_left(29);
    (mix64(folded) >> 32) as u32
}

fn mix64(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// The sum of a cell's record keys, modulo 2³². Adding a record adds its key,
/// removing it subtracts it, in any order: a kept sum stays exact.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct CellKey(pub u32);

impl CellKey {
    pub fn add(&mut self, other: CellKey) {
        self.0 = self.0.wrapping_add(other.0);
    }

    pub fn sub(&mut self, other: CellKey) {
        self.0 = self.0.wrapping_sub(other.0);
    }

    pub fn of_record(id: Uuid) -> CellKey {
        CellKey(record_key(id))
    }

    /// The cell key of `ids`.
    pub fn of_records(ids: impl IntoIterator<Item = Uuid>) -> CellKey {
        let mut k = CellKey::default();
        for id in ids {
            k.add(CellKey::of_record(id));
        }
        k
    }

    pub fn plus(mut self, other: CellKey) -> CellKey {
        self.add(other);
        self
    }
}

/// What a count describes: each measure reads the table at its own position,
/// so two measures of the same records (an activity count and its
/// participants) get independent noise.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Measure {
    Visits,
    FirstVisits,
    Activities,
    Participants,
    PollAnswers,
    ParticipantHours,
}

impl Measure {
    fn salt(self) -> u32 {
        match self {
            Measure::Visits => 0x5a17_0001,
            Measure::FirstVisits => 0x5a17_0002,
            Measure::Activities => 0x5a17_0003,
            Measure::Participants => 0x5a17_0004,
            Measure::PollAnswers => 0x5a17_0005,
            Measure::ParticipantHours => 0x5a17_0006,
        }
    }
}

/// Largest noise added to or taken from a count (the table's `D`).
pub const MAX_NOISE: i64 = 2;

/// Probabilities are in thousandths: the cell key picks one of 1,000 slots.
pub const SLOTS: u32 = 1000;

/// The perturbation table: for a true count `n`, the published counts and
/// how many of the [`SLOTS`] each takes. Public on purpose (docs/PRIVACY.md).
///
/// - 0 stays 0: that nothing happened identifies no one.
/// - 1 and 2 are never published; no count moves more than 2.
/// - The common moves keep a count *inside* the range of counts that can
///   give the published figure ([`possible_true_counts`]); the moves to a
///   range's edge (1 → 3, 2 → 0, 2 → 4, 3 → 5, 4 → 6, and ±2 from 5 up) are
///   rare but possible. They keep the ranges wide, so that an attacker who
///   adds and subtracts figures is left with several possible counts, and
///   they are rare, so that several figures are seldom at an edge together
///   (which is what would pin a count down).
/// - The price is a bias for the smallest counts: 1 is published as 0.45 on
///   average, 2 as 2.88, 3 as 3.45, 4 as 4.05; from 5 up the noise has mean
///   0 and variance 0.78.
pub fn noise_table(n: u64) -> &'static [(i64, u32)] {
    match n {
        0 => &[(0, 1000)],
        1 => &[(-1, 850), (2, 150)],
        2 => &[(-2, 60), (1, 880), (2, 60)],
        3 => &[(0, 600), (1, 350), (2, 50)],
        4 => &[(-1, 300), (0, 400), (1, 250), (2, 50)],
        _ => &[(-2, 40), (-1, 230), (0, 460), (1, 230), (2, 40)],
    }
}

/// The slot (0..1000) a cell key picks for `measure`.
fn slot(key: CellKey, measure: Measure) -> u32 {
    let mixed = (mix64(u64::from(key.0 ^ measure.salt()) | (u64::from(measure.salt()) << 32)) >> 32) as u32;
    ((u64::from(mixed) * u64::from(SLOTS)) >> 32) as u32
}

/// The count `n` of a cell with key `key`, as published beyond the lab.
pub fn perturb(n: u64, key: CellKey, measure: Measure) -> u64 {
    let mut s = slot(key, measure);
    for &(noise, width) in noise_table(n) {
        if s < width {
            return (n as i64 + noise) as u64;
        }
        s -= width;
    }
    unreachable!("every row of the noise table covers all {SLOTS} slots")
}

/// Every true count that can be published as `published`: what someone who
/// knows the table, but not the cell key, can conclude from one figure.
/// Empty for a figure never published (1, 2). Read off [`noise_table`].
pub fn possible_true_counts(published: u64) -> std::ops::RangeInclusive<u64> {
    let can_give = |n: u64| noise_table(n).iter().any(|&(d, _)| n as i64 + d == published as i64);
    let lowest = published.saturating_sub(MAX_NOISE as u64);
    let mut counts = (lowest..=published + MAX_NOISE as u64).filter(|&n| can_give(n));
    match counts.next() {
        Some(first) => first..=counts.next_back().unwrap_or(first),
        #[allow(clippy::reversed_empty_ranges)] // the empty range: nothing leads to this figure
        None => 1..=0,
    }
}

/// A count that leaves the lab: the true count and its cell key, turned into
/// the published figure by [`Protected::published`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Protected {
    pub n: u64,
    pub key: CellKey,
}

impl Protected {
    pub fn add_record(&mut self, id: Uuid, n: u64) {
        self.n += n;
        self.key.add(CellKey::of_record(id));
    }

    pub fn add(&mut self, n: u64, key: CellKey) {
        self.n += n;
        self.key.add(key);
    }

    pub fn published(self, measure: Measure) -> u64 {
        perturb(self.n, self.key, measure)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_row_of_the_table_covers_every_slot_within_bounds() {
        for n in 0..50u64 {
            let row = noise_table(n);
            assert_eq!(row.iter().map(|&(_, w)| w).sum::<u32>(), SLOTS, "n = {n}");
            for &(noise, _) in row {
                let published = n as i64 + noise;
                assert!(noise.abs() <= MAX_NOISE, "n = {n}, noise {noise}");
                assert!(published >= 0 && published != 1 && published != 2, "n = {n} may publish {published}");
                assert!(possible_true_counts(published as u64).contains(&n), "{published} must admit {n}");
            }
        }
        assert_eq!(noise_table(0), &[(0, 1000)]);
    }

    #[test]
    fn the_table_is_unbiased_from_4_up() {
        let mean = |n: u64| -> f64 { noise_table(n).iter().map(|&(d, w)| d as f64 * f64::from(w) / 1000.0).sum() };
        for n in [4u64, 5, 9, 100] {
            assert!(mean(n).abs() < 0.06, "n = {n}: mean noise {}", mean(n));
        }
        // The documented bias of the smallest counts.
        assert!((mean(1) - -0.55).abs() < 1e-9 && (mean(2) - 0.88).abs() < 1e-9 && (mean(3) - 0.45).abs() < 1e-9);
        let var: f64 = noise_table(10).iter().map(|&(d, w)| (d * d) as f64 * f64::from(w) / 1000.0).sum();
        assert!((var - 0.78).abs() < 1e-9);
    }

    #[test]
    fn common_moves_stay_inside_the_possible_range() {
        // A move is "at an edge" when the count is the least or the greatest one that can give
        // the published figure; such moves are rare (at most 15 %, and 4 % from 5 up).
        for n in 1..40u64 {
            for &(d, w) in noise_table(n) {
                let p = (n as i64 + d) as u64;
                let r = possible_true_counts(p);
                let at_edge = (n == *r.start() && p != 0) || n == *r.end();
                if at_edge {
                    assert!(w <= if n < 5 { 150 } else { 40 }, "n = {n} → {p}: {w}‰ at an edge of {r:?}");
                }
            }
        }
    }

    #[test]
    fn zero_stays_zero_and_one_and_two_never_show() {
        for i in 0..20_000u128 {
            let key = CellKey::of_records([Uuid::from_u128(i), Uuid::from_u128(i * 7 + 1)]);
            for m in [Measure::Visits, Measure::Participants] {
                assert_eq!(perturb(0, key, m), 0);
                for n in 1..30 {
                    let p = perturb(n, key, m);
                    assert!(p != 1 && p != 2 && (p as i64 - n as i64).abs() <= MAX_NOISE, "{n} → {p}");
                }
            }
        }
    }

    #[test]
    fn possible_counts_of_each_figure() {
        assert_eq!(possible_true_counts(0), 0..=2);
        assert!(possible_true_counts(1).is_empty() && possible_true_counts(2).is_empty());
        assert_eq!(possible_true_counts(3), 1..=5);
        assert_eq!(possible_true_counts(4), 2..=6);
        assert_eq!(possible_true_counts(5), 3..=7);
        assert_eq!(possible_true_counts(40), 38..=42);
    }

    #[test]
    fn same_records_same_answer_in_any_order() {
        let ids: Vec<Uuid> = (1..=7).map(|i| Uuid::from_u128(i * 0x1234_5678_9abc)).collect();
        let forward = CellKey::of_records(ids.iter().copied());
        let backward = CellKey::of_records(ids.iter().rev().copied());
        assert_eq!(forward, backward);
        // A kept sum: add an eighth, take it away again.
        let mut kept = forward;
        kept.add(CellKey::of_record(Uuid::from_u128(99)));
        kept.sub(CellKey::of_record(Uuid::from_u128(99)));
        assert_eq!(kept, forward);
        assert_eq!(perturb(7, forward, Measure::Visits), perturb(7, backward, Measure::Visits));
    }

    #[test]
    fn slots_are_spread_evenly() {
        // The cell key of one record picks each noise about as often as the table says.
        let mut hits = [0u32; 5];
        let trials = 100_000u128;
        for i in 0..trials {
            let p = perturb(
                10,
                CellKey::of_record(Uuid::from_u128(0x0190_0000_0000_7000_8000_0000_0000_0000 + i)),
                Measure::Visits,
            );
            hits[(p - 8) as usize] += 1;
        }
        for (got, &(_, want)) in hits.iter().zip(noise_table(10)) {
            let share = f64::from(*got) / trials as f64;
            assert!((share - f64::from(want) / 1000.0).abs() < 0.01, "{hits:?}");
        }
    }

    #[test]
    fn measures_of_the_same_records_get_their_own_noise() {
        let same = (0..10_000u128)
            .filter(|&i| {
                let key = CellKey::of_record(Uuid::from_u128(i));
                perturb(20, key, Measure::Activities) == perturb(20, key, Measure::Participants)
            })
            .count();
        // Independent draws agree with probability 0.04² · 2 + 0.23² · 2 + 0.46² ≈ 0.32.
        assert!((2_800..3_600).contains(&same), "{same}");
    }
}
