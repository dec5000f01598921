//! Checks at entry (DHIS2's min–max and outlier rules, ODK's soft
//! constraints): before staff save the numbers they type — participants
//! (in all and per age band), staff and volunteer hours, a goal's
//! measurement — and the date of an activity or a measurement, the app
//! compares them with the lab's own history and asks "Är du säker?
//! Vanligtvis 15–25 här." when one looks wrong. Staff save on confirmation;
//! the record then carries an [`EntryFlag`] naming what was unusual, so it
//! lands in the coordinators' "Att följa upp" list ([`follow_ups`]) and is
//! marked in the lab report until a coordinator confirms or corrects it.
//! Hard limits (a value that can never be right) stay in `validate.rs`.
//!
//! **The rule** ([`expected`]): over the lab's own values of the same field
//! in the last 12 months (same activity kind, at the same meeting place when
//! it has at least [`MIN_HISTORY`] of them; the same goal for a measurement),
//! a value is unusual when it lies further than `k` robust standard
//! deviations from the median: |x − median| > k · max(1.4826 · MAD, floor),
//! MAD the median absolute deviation. With at least [`MIN_HISTORY`] values
//! `k` is [`K`] = 3.5 (Iglewicz and Hoaglin's modified z-score); with 3 to 7
//! values the wider [`K_FEW`] = 6; with fewer, a fixed range per field
//! ([`fallback`]: at most 150 participants in all, 24 hours; a
//! measurement within twice the goal's span around its baseline and target).
//! A measurement of a goal whose baseline, target and usual value are all
//! above 0 also asks when it is more than [`RATIO`] = 4 times smaller than
//! the least of them or larger than the greatest: a slipped digit or decimal
//! comma, which the span misses on a small scale (19 typed as 1,9).
//! The floor (2 people, 2 hours, 10 % of the median, 10 % of a goal's span)
//! keeps a history of identical values from flagging the next small step.
//! The median and MAD ignore a few wild values, unlike a mean and standard
//! deviation, so one earlier typo does not widen what counts as usual;
//! values still flagged and unconfirmed are left out of the history.
//! What staff are shown as usual is the 10th to 90th percentile.
//!
//! Pure: the app runs it offline before saving; the server's summaries read
//! the flags the records carry.

use crate::calendar;
use crate::model::{Activity, AgeBand, Goal, GoalMeasurement, RecordKind};
use crate::summary::{Dataset, Rec};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// Values needed for the full rule; with fewer, [`K_FEW`] or [`fallback`].
pub const MIN_HISTORY: usize = 8;
/// Robust standard deviations from the median that still count as usual.
pub const K: f64 = 3.5;
/// The same with 3 to 7 values: a short history says less.
pub const K_FEW: f64 = 6.0;
/// How far back the history reaches.
pub const HISTORY_DAYS: i64 = 365;
/// A goal measurement further than this factor from its baseline, target
/// and usual value asks (all above 0): a slipped digit is a factor of 10.
pub const RATIO: f64 = 4.0;
/// A date further back than this asks too (ahead of today always asks).
pub const DATE_BACK_DAYS: i64 = 60;

/// A value that was checked at entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CheckField {
    /// An activity's participants: in all or in one age band.
    Participants,
    StaffHours,
    VolunteerHours,
    /// A goal measurement's value.
    Value,
    /// The date of an activity or a measurement.
    Date,
}

impl CheckField {
    pub const ALL: [CheckField; 5] = [
        CheckField::Participants,
        CheckField::StaffHours,
        CheckField::VolunteerHours,
        CheckField::Value,
        CheckField::Date,
    ];

    pub fn label_sv(self) -> &'static str {
        match self {
            CheckField::Participants => "deltagare",
            CheckField::StaffHours => "personaltimmar",
            CheckField::VolunteerHours => "volontärtimmar",
            CheckField::Value => "värde",
            CheckField::Date => "datum",
        }
    }

    pub fn label_en(self) -> &'static str {
        match self {
            CheckField::Participants => "participants",
            CheckField::StaffHours => "staff hours",
            CheckField::VolunteerHours => "volunteer hours",
            CheckField::Value => "value",
            CheckField::Date => "date",
        }
    }
}

/// Saved on a record whose values looked unusual when entered and were saved
/// anyway: what to follow up. An editable field, left out when there is none.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EntryFlag {
    /// What looked unusual, each once.
    pub fields: Vec<CheckField>,
    /// A coordinator of the lab has confirmed the values (only they may set it).
    #[serde(default)]
    pub confirmed: bool,
}

impl EntryFlag {
    pub fn is_open(&self) -> bool {
        !self.confirmed
    }
}

/// What a field's history says is expected.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Expected {
    /// Values outside `low..=high` are unusual.
    pub low: f64,
    pub high: f64,
    /// The 10th and 90th percentile of the history, shown to staff; `None`
    /// when the range is a fixed fallback.
    pub usual: Option<(f64, f64)>,
}

impl Expected {
    pub fn is_unusual(&self, value: f64) -> bool {
        value < self.low || value > self.high
    }
}

fn sorted(values: &[f64]) -> Vec<f64> {
    let mut v: Vec<f64> = values.iter().copied().filter(|x| x.is_finite()).collect();
    v.sort_by(f64::total_cmp);
    v
}

/// The median of sorted values.
fn median_of(sorted: &[f64]) -> f64 {
    let n = sorted.len();
    if n % 2 == 1 {
        sorted[n / 2]
    } else {
        (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0
    }
}

/// The `p`-th quantile (0..=1) of sorted values, by linear interpolation.
fn quantile(sorted: &[f64], p: f64) -> f64 {
    let pos = p * (sorted.len() - 1) as f64;
    let (i, frac) = (pos.floor() as usize, pos - pos.floor());
    match sorted.get(i + 1) {
        Some(next) => sorted[i] + (next - sorted[i]) * frac,
        None => sorted[i],
    }
}

/// The expected range of a field from its `history`: the rule of the
/// module's header. `floor` is the least robust standard deviation;
/// `fallback` the fixed range for fewer than 3 values (`None`: no check).
pub fn expected(history: &[f64], floor: f64, fallback: Option<(f64, f64)>) -> Option<Expected> {
    let v = sorted(history);
    if v.len() < 3 {
        return fallback.map(|(low, high)| Expected { low, high, usual: None });
    }
    let m = median_of(&v);
    let deviations = sorted(&v.iter().map(|x| (x - m).abs()).collect::<Vec<_>>());
    let mad = median_of(&deviations);
    let s = (1.4826 * mad).max(floor).max(0.1 * m.abs());
    let k = if v.len() >= MIN_HISTORY { K } else { K_FEW };
    Some(Expected { low: m - k * s, high: m + k * s, usual: Some((quantile(&v, 0.1), quantile(&v, 0.9))) })
}

/// The fixed range of a field when its history is too short.
pub fn fallback(field: CheckField, band: bool) -> Option<(f64, f64)> {
    match field {
        // One band without history is not checked: a fika of 140 in one band is a fika of 140.
        CheckField::Participants if band => None,
        CheckField::Participants => Some((0.0, 150.0)),
        CheckField::StaffHours | CheckField::VolunteerHours => Some((0.0, 24.0)),
        CheckField::Value | CheckField::Date => None,
    }
}

/// One unusual value, as staff are asked about it.
#[derive(Debug, Clone, PartialEq)]
pub struct Finding {
    pub field: CheckField,
    /// The age band, for participants in one band.
    pub band: Option<AgeBand>,
    pub value: f64,
    /// What is usual here (see [`Expected::usual`]).
    pub usual: Option<(f64, f64)>,
    /// For a date: days ahead of today (positive) or back (negative).
    pub days: Option<i64>,
}

fn number_sv(x: f64, whole: bool) -> String {
    if whole || x.fract().abs() < 1e-9 {
        format!("{}", x.round() as i64)
    } else {
        format!("{x:.1}").replace('.', ",")
    }
}

impl Finding {
    fn whole(&self) -> bool {
        self.field == CheckField::Participants
    }

    /// "Deltagare 13–15 år: 140. Är du säker? Vanligtvis 10–20 här."
    pub fn message_sv(&self) -> String {
        if let Some(days) = self.days {
            return if days > 0 {
                format!("Datumet ligger {days} dagar fram i tiden. Är du säker?")
            } else {
                format!("Datumet är {} dagar sedan. Är du säker?", -days)
            };
        }
        let what = self.what_sv();
        let usual = match self.usual {
            Some((lo, hi)) if number_sv(lo, self.whole()) == number_sv(hi, self.whole()) => {
                format!("Vanligtvis {} här.", number_sv(lo, self.whole()))
            }
            Some((lo, hi)) => {
                format!("Vanligtvis {}–{} här.", number_sv(lo, self.whole()), number_sv(hi, self.whole()))
            }
            None => "Det är ovanligt mycket.".to_owned(),
        };
        format!("{what}: {}. Är du säker? {usual}", number_sv(self.value, self.whole()))
    }

    /// What was asked about, as the follow-up list shows it: "Deltagare: 412
    /// (vanligtvis 15–25 här)", "Datumet ligger 61 dagar fram i tiden".
    pub fn summary_sv(&self) -> String {
        if let Some(days) = self.days {
            return if days > 0 {
                format!("Datumet ligger {days} dagar fram i tiden")
            } else {
                format!("Datumet är {} dagar sedan", -days)
            };
        }
        let whole = self.whole();
        let usual = match self.usual {
            Some((lo, hi)) if number_sv(lo, whole) == number_sv(hi, whole) => {
                format!("vanligtvis {} här", number_sv(lo, whole))
            }
            Some((lo, hi)) => format!("vanligtvis {}–{} här", number_sv(lo, whole), number_sv(hi, whole)),
            None => "ovanligt mycket".to_owned(),
        };
        format!("{}: {} ({usual})", self.what_sv(), number_sv(self.value, whole))
    }

    fn what_sv(&self) -> String {
        match (self.field, self.band) {
            (CheckField::Participants, Some(b)) => format!("Deltagare {}", b.label_sv()),
            (CheckField::Participants, None) => "Deltagare".to_owned(),
            (f, _) => capitalize(f.label_sv()),
        }
    }

    pub fn message_en(&self) -> String {
        if let Some(days) = self.days {
            return if days > 0 {
                format!("The date is {days} days ahead. Are you sure?")
            } else {
                format!("The date is {} days ago. Are you sure?", -days)
            };
        }
        let what = match (self.field, self.band) {
            (CheckField::Participants, Some(b)) => format!("Participants {}", b.as_str()),
            (f, _) => capitalize(f.label_en()),
        };
        let n = |x: f64| if self.whole() { format!("{}", x.round() as i64) } else { format!("{x:.1}") };
        let usual = match self.usual {
            Some((lo, hi)) if n(lo) == n(hi) => format!("Usually {} here.", n(lo)),
            Some((lo, hi)) => format!("Usually {}–{} here.", n(lo), n(hi)),
            None => "That is unusually high.".to_owned(),
        };
        format!("{what}: {}. Are you sure? {usual}", n(self.value))
    }
}

fn capitalize(s: &str) -> String {
    let mut c = s.chars();
    c.next().map(|f| f.to_uppercase().chain(c).collect()).unwrap_or_default()
}

/// A date ahead of `today` or more than [`DATE_BACK_DAYS`] back.
pub fn check_date(date: &str, today: i64) -> Option<Finding> {
    let d = calendar::day_of(date)?;
    let days = d - today;
    (!(-DATE_BACK_DAYS..=0).contains(&days)).then_some(Finding {
        field: CheckField::Date,
        band: None,
        value: days as f64,
        usual: None,
        days: Some(days),
    })
}

fn flagged_open(flag: &Option<EntryFlag>) -> bool {
    flag.as_ref().is_some_and(EntryFlag::is_open)
}

/// The history an activity is compared with: the lab's activities of the
/// same kind in the 12 months before `today` (not `id` itself, not values
/// still flagged), at the same place when there are enough of those.
fn activity_history<'a>(lab_activities: &'a [Rec<Activity>], id: Uuid, a: &Activity, today: i64) -> Vec<&'a Activity> {
    let same_kind: Vec<&Activity> = lab_activities
        .iter()
        .filter(|r| r.id != id && r.data.kind == a.kind && !flagged_open(&r.data.flag))
        .filter(|r| calendar::day_of(&r.data.date).is_some_and(|d| (today - HISTORY_DAYS..=today).contains(&d)))
        .map(|r| &r.data)
        .collect();
    let here: Vec<&Activity> = same_kind
        .iter()
        .copied()
        .filter(|r| a.meeting_place_id.is_some() && r.meeting_place_id == a.meeting_place_id)
        .collect();
    if here.len() >= MIN_HISTORY {
        here
    } else {
        same_kind
    }
}

/// The unusual values of activity `id` as it is about to be saved, compared
/// with `lab_activities` (the lab's activities, any order), on local day `today`.
pub fn check_activity(lab_activities: &[Rec<Activity>], id: Uuid, a: &Activity, today: i64) -> Vec<Finding> {
    let history = activity_history(lab_activities, id, a, today);
    let one = |field: CheckField, band: Option<AgeBand>, value: f64, past: Vec<f64>, high_only: bool| {
        let e = expected(&past, 2.0, fallback(field, band.is_some()))?;
        (e.is_unusual(value) && (!high_only || value > e.high)).then_some(Finding {
            field,
            band,
            value,
            usual: e.usual,
            days: None,
        })
    };
    let mut out = Vec::new();
    let total = a.total_participants() as f64;
    out.extend(one(
        CheckField::Participants,
        None,
        total,
        history.iter().map(|h| h.total_participants() as f64).collect(),
        false,
    ));
    if out.is_empty() {
        // Per band, only a band too high is asked about (a low band is a
        // question of who came, not of typing), and only once the total is fine.
        for band in AgeBand::ALL {
            let n: u32 = a.participants.iter().filter(|p| p.age_band == band).map(|p| p.count).sum();
            if n == 0 {
                continue;
            }
            let past: Vec<f64> = history
                .iter()
                .map(|h| f64::from(h.participants.iter().filter(|p| p.age_band == band).map(|p| p.count).sum::<u32>()))
                .collect();
            out.extend(one(CheckField::Participants, Some(band), f64::from(n), past, true));
        }
    }
    out.extend(one(
        CheckField::StaffHours,
        None,
        a.staff_hours,
        history.iter().map(|h| h.staff_hours).collect(),
        false,
    ));
    out.extend(one(
        CheckField::VolunteerHours,
        None,
        a.volunteer_hours,
        history.iter().map(|h| h.volunteer_hours).collect(),
        false,
    ));
    out.extend(check_date(&a.date, today));
    out
}

/// The unusual values of measurement `id` of `goal`, compared with the goal's
/// other measurements (`all`: any measurements, any order) of the last 12 months.
pub fn check_measurement(
    all: &[Rec<GoalMeasurement>],
    goal: &Goal,
    id: Uuid,
    m: &GoalMeasurement,
    today: i64,
) -> Vec<Finding> {
    let past: Vec<f64> = all
        .iter()
        .filter(|r| r.id != id && r.data.goal_id == m.goal_id && !flagged_open(&r.data.flag))
        .filter(|r| calendar::day_of(&r.data.date).is_some_and(|d| (today - HISTORY_DAYS..=today).contains(&d)))
        .map(|r| r.data.value)
        .collect();
    let span = (goal.target - goal.baseline).abs();
    let (lo, hi) = (goal.baseline.min(goal.target), goal.baseline.max(goal.target));
    let margin = 2.0 * span.max(0.1 * hi.abs()).max(1.0);
    let mut out = Vec::new();
    if let Some(e) = expected(&past, (0.1 * span).max(1e-9), Some((lo - margin, hi + margin))) {
        // A slipped digit or decimal comma (a tenth or ten times the value) of a goal whose
        // values are all above 0: further than a factor RATIO from the baseline, the target
        // and the usual value asks too (the span above is too wide for that on a small scale).
        let median = (past.len() >= 3).then(|| median_of(&sorted(&past)));
        let known = [goal.baseline, goal.target].into_iter().chain(median);
        let (least, most) = known.fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), x| (a.min(x), b.max(x)));
        let slipped = least > 0.0 && (m.value < least / RATIO || m.value > most * RATIO);
        if e.is_unusual(m.value) || slipped {
            // Without a history, what is usual is the way from the baseline to the target.
            let usual = e.usual.or(Some((lo, hi)));
            out.push(Finding { field: CheckField::Value, band: None, value: m.value, usual, days: None });
        }
    }
    out.extend(check_date(&m.date, today));
    out
}

/// The flag to save with a record after staff confirmed `findings` (`None`
/// when there are none). A coordinator's own confirmation confirms it.
pub fn flag_of(findings: &[Finding], by_coordinator: bool) -> Option<EntryFlag> {
    let mut fields: Vec<CheckField> = findings.iter().map(|f| f.field).collect();
    fields.sort();
    fields.dedup();
    (!fields.is_empty()).then_some(EntryFlag { fields, confirmed: by_coordinator })
}

/// A flagged value to follow up, as the "Att följa upp" list and the lab
/// report show it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FollowUp {
    pub kind: RecordKind,
    pub id: Uuid,
    pub lab_id: Uuid,
    /// The record's date.
    pub date: String,
    /// The activity's title, or the measured goal's.
    pub title: String,
    pub fields: Vec<CheckField>,
    pub confirmed: bool,
}

/// The flagged activities and measurements of `labs` dated in `from..=to`
/// (day numbers), open ones only unless `confirmed_too`; newest first.
pub fn follow_ups(ds: &Dataset, labs: &[Uuid], from: i64, to: i64, confirmed_too: bool) -> Vec<FollowUp> {
    let within = |date: &str| calendar::day_of(date).is_some_and(|d| (from..=to).contains(&d));
    let wanted = |f: &Option<EntryFlag>| f.as_ref().filter(|f| confirmed_too || f.is_open()).cloned();
    let mut out: Vec<FollowUp> = Vec::new();
    for a in ds.activities.iter().filter(|a| labs.contains(&a.lab_id) && within(&a.data.date)) {
        if let Some(f) = wanted(&a.data.flag) {
            out.push(FollowUp {
                kind: RecordKind::Activity,
                id: a.id,
                lab_id: a.lab_id,
                date: a.data.date.clone(),
                title: a.data.title.clone(),
                fields: f.fields,
                confirmed: f.confirmed,
            });
        }
    }
    for m in ds.measurements.iter().filter(|m| labs.contains(&m.lab_id) && within(&m.data.date)) {
        if let Some(f) = wanted(&m.data.flag) {
            let title =
                ds.goals.iter().find(|g| g.id == m.data.goal_id).map(|g| g.data.title.clone()).unwrap_or_default();
            out.push(FollowUp {
                kind: RecordKind::GoalMeasurement,
                id: m.id,
                lab_id: m.lab_id,
                date: m.data.date.clone(),
                title,
                fields: f.fields,
                confirmed: f.confirmed,
            });
        }
    }
    out.sort_by(|a, b| (b.date.as_str(), b.id).cmp(&(a.date.as_str(), a.id)));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{ActivityKind, GoalDirection, ParticipantCount};

    const LAB: Uuid = Uuid::from_u128(0x1ab);
    const PLACE: Uuid = Uuid::from_u128(0x91);

    fn day(s: &str) -> i64 {
        calendar::day_of(s).unwrap()
    }

    fn fika(n: u128, date: &str, people: u32, staff_hours: f64) -> Rec<Activity> {
        let mut a: Activity =
            serde_json::from_value(serde_json::json!({"kind": "fika", "title": "Fika", "date": date})).unwrap();
        a.meeting_place_id = Some(PLACE);
        a.participants = vec![ParticipantCount { age_band: AgeBand::Age13To15, gender: None, count: people }];
        a.staff_hours = staff_hours;
        Rec { id: Uuid::from_u128(n), lab_id: LAB, data: a }
    }

    #[test]
    fn the_rule_median_and_mad() {
        // Median 20, deviations 0,1,1,2,2,3,3,5,5 → MAD 2, robust sd 2.9652 (floor 2): 20 ± 10.4.
        let h = [15.0, 17.0, 18.0, 19.0, 20.0, 21.0, 22.0, 23.0, 25.0];
        let e = expected(&h, 2.0, None).unwrap();
        assert!((e.low - (20.0 - 3.5 * 2.9652)).abs() < 1e-9 && (e.high - (20.0 + 3.5 * 2.9652)).abs() < 1e-9, "{e:?}");
        assert!(!e.is_unusual(30.0) && e.is_unusual(31.0) && e.is_unusual(412.0) && e.is_unusual(9.0));
        // The usual range shown is the 10th to the 90th percentile.
        let (lo, hi) = e.usual.unwrap();
        assert!((lo - 16.6).abs() < 1e-9 && (hi - 23.4).abs() < 1e-9, "{lo} {hi}");
        // One wild value in the history moves little (a mean and standard deviation would
        // accept 400 afterwards).
        let with_typo = [15.0, 17.0, 18.0, 19.0, 20.0, 21.0, 22.0, 23.0, 412.0];
        let e = expected(&with_typo, 2.0, None).unwrap();
        assert!(e.is_unusual(400.0) && !e.is_unusual(25.0), "{e:?}");
        // Identical values: the floor keeps the next small step usual.
        let same = [10.0; 12];
        let e = expected(&same, 2.0, None).unwrap();
        assert!(!e.is_unusual(16.0) && e.is_unusual(18.0), "{e:?}");
        // A short history (3 to 7) is read more widely; under 3 the fallback holds.
        let short = [20.0, 22.0, 24.0];
        let e = expected(&short, 2.0, None).unwrap();
        assert!(!e.is_unusual(39.0) && e.is_unusual(60.0), "{e:?}");
        assert_eq!(
            expected(&[20.0, 21.0], 2.0, Some((0.0, 150.0))).map(|e| (e.low, e.high, e.usual)),
            Some((0.0, 150.0, None))
        );
        assert_eq!(expected(&[], 2.0, None), None);
    }

    #[test]
    fn a_fika_of_412_asks_and_the_usual_is_told() {
        let history: Vec<Rec<Activity>> =
            (0..12).map(|i| fika(i, &format!("2026-02-{:02}", i + 1), 15 + (i as u32 % 11), 2.0)).collect();
        let today = day("2026-03-10");
        let typo = fika(100, "2026-03-09", 412, 2.0);
        let found = check_activity(&history, typo.id, &typo.data, today);
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].field, CheckField::Participants);
        assert_eq!(found[0].message_sv(), "Deltagare: 412. Är du säker? Vanligtvis 15–24 här.");
        assert!(found[0].message_en().starts_with("Participants: 412. Are you sure? Usually"));
        assert_eq!(found[0].summary_sv(), "Deltagare: 412 (vanligtvis 15–24 här)");
        // A usual one passes; an edit of a record is not compared with itself.
        let fine = fika(101, "2026-03-09", 21, 2.5);
        assert!(check_activity(&history, fine.id, &fine.data, today).is_empty());
        assert!(check_activity(&history, history[3].id, &history[3].data, today).is_empty());
        // Flagged values still open are not part of the history.
        let mut with_open_typo = history.clone();
        let mut t = typo.clone();
        t.data.flag = flag_of(&found, false);
        with_open_typo.push(t);
        assert_eq!(check_activity(&with_open_typo, Uuid::from_u128(102), &typo.data, today).len(), 1);
        // Hours: 2 usually; 40 asks.
        let long = fika(103, "2026-03-09", 20, 40.0);
        let f = check_activity(&history, long.id, &long.data, today);
        assert_eq!(f.iter().map(|f| f.field).collect::<Vec<_>>(), [CheckField::StaffHours]);
        assert_eq!(f[0].message_sv(), "Personaltimmar: 40. Är du säker? Vanligtvis 2 här.");
        // Another kind of activity has no history yet: the fallback (at most 150).
        let mut party = fika(104, "2026-03-09", 140, 3.0);
        party.data.kind = ActivityKind::Party;
        assert!(check_activity(&history, party.id, &party.data, today).is_empty());
        party.data.participants[0].count = 151;
        let f = check_activity(&history, party.id, &party.data, today);
        assert_eq!(f[0].message_sv(), "Deltagare: 151. Är du säker? Det är ovanligt mycket.");
    }

    #[test]
    fn one_band_too_high_asks() {
        // 20 in the 13–15 band and 2 in 16–19 every time; then 2 and 20.
        let history: Vec<Rec<Activity>> = (0..10)
            .map(|i| {
                let mut a = fika(i, "2026-02-10", 20, 2.0);
                a.data.participants.push(ParticipantCount { age_band: AgeBand::Age16To19, gender: None, count: 2 });
                a
            })
            .collect();
        let mut swapped = fika(50, "2026-03-01", 2, 2.0);
        swapped.data.participants.push(ParticipantCount { age_band: AgeBand::Age16To19, gender: None, count: 20 });
        let f = check_activity(&history, swapped.id, &swapped.data, day("2026-03-02"));
        assert_eq!(f.len(), 1, "{f:?}");
        assert_eq!((f[0].band, f[0].value), (Some(AgeBand::Age16To19), 20.0));
        assert_eq!(f[0].message_sv(), "Deltagare 16–19 år: 20. Är du säker? Vanligtvis 2 här.");
    }

    #[test]
    fn dates_ahead_or_far_back_ask() {
        let today = day("2026-03-10");
        assert_eq!(check_date("2026-03-10", today), None);
        assert_eq!(check_date("2026-01-09", today), None, "60 days back is fine");
        let ahead = check_date("2026-05-09", today).unwrap();
        assert_eq!(ahead.message_sv(), "Datumet ligger 60 dagar fram i tiden. Är du säker?");
        assert_eq!(check_date("2026-01-08", today).unwrap().message_sv(), "Datumet är 61 dagar sedan. Är du säker?");
        let mut a = fika(1, "2026-05-09", 20, 2.0).data;
        a.participants.clear();
        // No history: zero participants pass the fallback, the date asks.
        let f = check_activity(&[], Uuid::from_u128(9), &a, today);
        assert_eq!(f.iter().map(|f| f.field).collect::<Vec<_>>(), [CheckField::Date]);
    }

    #[test]
    fn goal_measurements() {
        let goal = Goal {
            focus_area: crate::model::FocusArea::Crime,
            title: "Trygghet".into(),
            indicator: "Andel trygga".into(),
            unit: "procent".into(),
            baseline: 74.0,
            target: 90.0,
            target_date: "2026-12-31".into(),
            direction: GoalDirection::Up,
            source: None,
            baseline_date: None,
            schedule: None,
            retired: false,
        };
        let g = Uuid::from_u128(0x60a1);
        let m = |n: u128, date: &str, value: f64| Rec {
            id: Uuid::from_u128(n),
            lab_id: LAB,
            data: GoalMeasurement { goal_id: g, date: date.into(), value, note: String::new(), flag: None },
        };
        let today = day("2026-03-10");
        // No history: within twice the span of 74..90 (42..122) is fine; 740 asks.
        assert!(check_measurement(&[], &goal, Uuid::nil(), &m(1, "2026-03-01", 80.0).data, today).is_empty());
        let f = check_measurement(&[], &goal, Uuid::nil(), &m(1, "2026-03-01", 740.0).data, today);
        assert_eq!(f[0].message_sv(), "Värde: 740. Är du säker? Vanligtvis 74–90 här.");
        // A goal on a small scale: 1,9 for 19 (a decimal comma slip) asks though within the span.
        let small = Goal { baseline: 18.0, target: 35.0, ..goal.clone() };
        let f = check_measurement(&[], &small, Uuid::nil(), &m(1, "2026-03-01", 1.9).data, today);
        assert_eq!(f.len(), 1, "{f:?}");
        assert!(check_measurement(&[], &small, Uuid::nil(), &m(1, "2026-03-01", 5.0).data, today).is_empty());
        // A goal to reach 0 has no lower factor.
        let down = Goal { baseline: 12.0, target: 0.0, direction: GoalDirection::Down, ..goal.clone() };
        assert!(check_measurement(&[], &down, Uuid::nil(), &m(1, "2026-03-01", 0.5).data, today).is_empty());
        // With a year of monthly values around 78–84, 8,2 (a decimal comma slip) asks.
        let past: Vec<_> =
            (0..10).map(|i| m(i, &format!("2025-{:02}-01", i + 3), 78.0 + (i % 4) as f64 * 2.0)).collect();
        let f = check_measurement(&past, &goal, Uuid::nil(), &m(99, "2026-03-01", 8.2).data, today);
        assert_eq!(f.len(), 1);
        assert!(f[0].message_sv().starts_with("Värde: 8,2. Är du säker? Vanligtvis 78–84"), "{}", f[0].message_sv());
        assert!(check_measurement(&past, &goal, Uuid::nil(), &m(99, "2026-03-01", 85.0).data, today).is_empty());
    }

    #[test]
    fn flags_and_the_follow_up_list() {
        let f = [
            Finding { field: CheckField::StaffHours, band: None, value: 40.0, usual: None, days: None },
            Finding {
                field: CheckField::Participants,
                band: Some(AgeBand::Age13To15),
                value: 1.0,
                usual: None,
                days: None,
            },
            Finding { field: CheckField::Participants, band: None, value: 1.0, usual: None, days: None },
        ];
        let flag = flag_of(&f, false).unwrap();
        assert_eq!(
            flag,
            EntryFlag { fields: vec![CheckField::Participants, CheckField::StaffHours], confirmed: false }
        );
        assert_eq!(
            serde_json::to_string(&flag).unwrap(),
            r#"{"fields":["participants","staff_hours"],"confirmed":false}"#
        );
        assert_eq!(flag_of(&[], false), None);
        let mut ds = Dataset::default();
        let mut open = fika(1, "2026-03-01", 412, 2.0);
        open.data.flag = Some(flag.clone());
        let mut confirmed = fika(2, "2026-03-02", 300, 2.0);
        confirmed.data.flag = Some(EntryFlag { confirmed: true, ..flag });
        ds.activities = vec![open, confirmed, fika(3, "2026-03-03", 20, 2.0)];
        let (from, to) = (day("2026-03-01"), day("2026-03-31"));
        let list = follow_ups(&ds, &[LAB], from, to, false);
        assert_eq!(list.iter().map(|f| f.id).collect::<Vec<_>>(), [Uuid::from_u128(1)]);
        let all = follow_ups(&ds, &[LAB], from, to, true);
        assert_eq!(
            all.iter().map(|f| f.id).collect::<Vec<_>>(),
            [Uuid::from_u128(2), Uuid::from_u128(1)],
            "newest first"
        );
        assert!(follow_ups(&ds, &[Uuid::from_u128(7)], from, to, true).is_empty());
    }
}
