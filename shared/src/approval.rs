//! Approved and locked months (DHIS2's "data approval"): a coordinator of a
//! lab approves one of its months, and from then on the server refuses every
//! change to a record dated in that month (visits, activities and so evening
//! closings, goal measurements; not goals, partners or places) until someone
//! re-opens it, with a reason. Both are on record: an approval is a synced
//! record like any other ([`MonthApproval`], kind `month_approval`), so it
//! reaches the tablets (which warn before they even sync), and every approval
//! and re-opening is a row of the server's history.
//!
//! Every device must name the same month's approval the same way, whoever
//! approves it first and offline: its id is derived from the lab and the month
//! ([`approval_id`]), so two coordinators approving at once edit one record,
//! and the push planner (`server/src/push.rs`) finds the approval of a month
//! without a search.

use crate::calendar;
use crate::merge::RecordState;
use crate::model::RecordKind;
use crate::summary::Dataset;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::collections::HashMap;
use uuid::Uuid;

/// A lab's month, approved or re-opened (kind `month_approval`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MonthApproval {
    /// "2026-03".
    pub month: String,
    /// Approved and locked; `false`: re-opened (with a `reason`).
    pub approved: bool,
    /// Why the month was re-opened; required when `approved` is false.
    #[serde(default)]
    pub reason: String,
    /// Who approved or re-opened it, as shown ("Sara Lind"). The history
    /// (`GET /api/v1/history`) keeps who did what for certain.
    #[serde(default)]
    pub by: String,
    /// What the coordinator saw when approving. An editable record: a
    /// missing value serializes as `null`.
    #[serde(default)]
    pub figures: Option<MonthFigures>,
}

/// A month's figures as they were approved.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MonthFigures {
    #[serde(default)]
    pub visits: u64,
    #[serde(default)]
    pub activities: u64,
    #[serde(default)]
    pub participants: u64,
    #[serde(default)]
    pub measurements: u64,
    /// Opening sessions of the month ([`crate::completeness`]).
    #[serde(default)]
    pub sessions: u64,
    /// Of those, with visits logged.
    #[serde(default)]
    pub sessions_logged: u64,
    /// Of those, closed (evening closing saved).
    #[serde(default)]
    pub sessions_closed: u64,
}

/// Record kinds dated in a month (their `date` field): changing one of these
/// in an approved month is refused.
pub fn is_dated(kind: RecordKind) -> bool {
    matches!(kind, RecordKind::Visit | RecordKind::Activity | RecordKind::GoalMeasurement)
}

/// The id of `lab`'s approval of `month` ("2026-03"): the same on every device.
/// A 128-bit FNV-1a hash of the lab and the month, marked as a version 8
/// (custom) UUID, so it never equals a UUIDv7 of an ordinary record.
pub fn approval_id(lab: Uuid, month: &str) -> Uuid {
    let mut h: u128 = 0x6c62_272e_07bb_0142_62b8_2175_6295_c58d;
    const PRIME: u128 = 0x0000_0000_0100_0000_0000_0000_0000_013b;
    for b in b"labblogg/month_approval/".iter().chain(lab.as_bytes()).chain(b"/").chain(month.as_bytes()) {
        h ^= u128::from(*b);
        h = h.wrapping_mul(PRIME);
    }
    let version = (h & !(0xf << 76)) | (0x8 << 76);
    let variant = (version & !(0x3 << 62)) | (0x2 << 62);
    Uuid::from_u128(variant)
}

/// "2026-03" → (2026, 3), checking the month.
pub fn parse_month(month: &str) -> Option<(i32, u32)> {
    let b = month.as_bytes();
    if b.len() != 7 || b[4] != b'-' || !b.iter().enumerate().all(|(i, c)| i == 4 || c.is_ascii_digit()) {
        return None;
    }
    let y: i32 = month[..4].parse().ok()?;
    let m: u32 = month[5..].parse().ok()?;
    (1..=12).contains(&m).then_some((y, m))
}

/// The month "YYYY-MM" of a date "YYYY-MM-DD".
pub fn month_of_date(date: &str) -> Option<String> {
    calendar::parse_date(date).map(|(y, m, _)| format!("{y:04}-{m:02}"))
}

/// The first and last day numbers of a month.
pub fn month_days(month: &str) -> Option<(i64, i64)> {
    let (y, m) = parse_month(month)?;
    let first = calendar::days_from_civil(y, m, 1);
    Some((first, first + i64::from(calendar::days_in_month(y, m)) - 1))
}

/// Has `month` ended by the local day `today` (is `today` after its last day)?
pub fn has_ended(month: &str, today: i64) -> bool {
    month_days(month).is_some_and(|(_, last)| last < today)
}

/// The months "YYYY-MM" that meet the days `from..=to`, in order.
pub fn months_between(from: i64, to: i64) -> Vec<String> {
    if from > to {
        return Vec::new();
    }
    (calendar::month_index(from)..=calendar::month_index(to)).map(calendar::month_label_of_index).collect()
}

const MONTHS_SV: [&str; 12] = [
    "januari",
    "februari",
    "mars",
    "april",
    "maj",
    "juni",
    "juli",
    "augusti",
    "september",
    "oktober",
    "november",
    "december",
];

/// "mars 2026".
pub fn month_name_sv(month: &str) -> String {
    match parse_month(month) {
        Some((y, m)) => format!("{} {y}", MONTHS_SV[(m - 1) as usize]),
        None => month.to_owned(),
    }
}

fn capitalized(s: &str) -> String {
    let mut c = s.chars();
    c.next().map(|f| f.to_uppercase().chain(c).collect()).unwrap_or_default()
}

/// The refusal staff read when a change is dated in an approved month.
pub fn locked_message(month: &str, lab_name: &str) -> String {
    format!(
        "{} är godkänd för {lab_name}. Be samordnaren öppna månaden om något behöver ändras.",
        capitalized(&month_name_sv(month))
    )
}

/// The months a change of a dated record touches: the month its record is
/// dated in now (`stored`) and the month it moves it to (`fields`).
pub fn months_touched(
    kind: RecordKind,
    stored: Option<&Map<String, Value>>,
    fields: &Map<String, Value>,
) -> Vec<String> {
    if !is_dated(kind) {
        return Vec::new();
    }
    let mut months: Vec<String> = [stored.and_then(|s| s.get("date")), fields.get("date")]
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .filter_map(month_of_date)
        .collect();
    months.dedup();
    months
}

/// Is this stored approval record an approval in force (live and approved)?
pub fn is_in_force(state: &RecordState) -> bool {
    state.kind == RecordKind::MonthApproval
        && state.deleted.is_none()
        && state.fields.get("approved").and_then(Value::as_bool) == Some(true)
}

/// The approvals of some labs, by (lab, month), from their live records.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Approvals {
    by_month: HashMap<(Uuid, String), (Uuid, MonthApproval)>,
}

impl Approvals {
    pub fn from_records<'a>(records: impl IntoIterator<Item = (Uuid, Uuid, &'a MonthApproval)>) -> Self {
        let mut by_month = HashMap::new();
        for (id, lab, a) in records {
            by_month.insert((lab, a.month.clone()), (id, a.clone()));
        }
        Approvals { by_month }
    }

    pub fn from_states<'a>(states: impl IntoIterator<Item = &'a RecordState>) -> Self {
        let mut by_month = HashMap::new();
        for s in states {
            if s.kind != RecordKind::MonthApproval || s.deleted.is_some() {
                continue;
            }
            if let Ok(a) = MonthApproval::deserialize(&s.fields) {
                by_month.insert((s.lab_id, a.month.clone()), (s.id, a));
            }
        }
        Approvals { by_month }
    }

    /// The record of `lab`'s `month`, approved or re-opened.
    pub fn get(&self, lab: Uuid, month: &str) -> Option<&MonthApproval> {
        self.by_month.get(&(lab, month.to_owned())).map(|(_, a)| a)
    }

    pub fn is_approved(&self, lab: Uuid, month: &str) -> bool {
        self.get(lab, month).is_some_and(|a| a.approved)
    }

    /// Is the day number `day` in an approved month of `lab`?
    pub fn is_day_approved(&self, lab: Uuid, day: i64) -> bool {
        self.is_approved(lab, &calendar::month_label(day))
    }

    /// `lab`'s approved months, in order.
    pub fn approved_months(&self, lab: Uuid) -> Vec<String> {
        let mut v: Vec<String> = self
            .by_month
            .iter()
            .filter(|((l, _), (_, a))| *l == lab && a.approved)
            .map(|((_, m), _)| m.clone())
            .collect();
        v.sort();
        v
    }
}

/// A month of a lab's report: approved or not, how complete, what waits for
/// follow-up.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MonthStatus {
    /// "2026-03".
    pub month: String,
    pub approved: bool,
    /// Approved once and re-opened since (`reason` says why).
    pub reopened: bool,
    /// Who approved or re-opened it.
    #[serde(default)]
    pub by: String,
    #[serde(default)]
    pub reason: String,
    /// The month is over (only then may it be approved).
    pub ended: bool,
    pub completeness: crate::completeness::Completeness,
    /// Values flagged at entry and not confirmed, dated in the month.
    pub unconfirmed: u64,
}

/// Every month of `lab` meeting the days `from..=to`, in order.
pub fn month_statuses(ds: &Dataset, lab: Uuid, from: i64, to: i64, today: i64) -> Vec<MonthStatus> {
    let approvals = ds.approval_index();
    let completeness = crate::completeness::per_month(ds, lab, from, to, today);
    let flags = crate::checks::follow_ups(ds, &[lab], from, to, false);
    completeness
        .into_iter()
        .map(|c| {
            let a = approvals.get(lab, &c.month);
            MonthStatus {
                approved: a.is_some_and(|a| a.approved),
                reopened: a.is_some_and(|a| !a.approved),
                by: a.map(|a| a.by.clone()).unwrap_or_default(),
                reason: a.filter(|a| !a.approved).map(|a| a.reason.clone()).unwrap_or_default(),
                ended: has_ended(&c.month, today),
                unconfirmed: flags
                    .iter()
                    .filter(|f| month_of_date(&f.date).as_deref() == Some(c.month.as_str()))
                    .count() as u64,
                month: c.month,
                completeness: c.completeness,
            }
        })
        .collect()
}

/// A lab's figures of a whole month, as a coordinator approves them.
pub fn month_figures(ds: &Dataset, lab: Uuid, month: &str, today: i64) -> MonthFigures {
    let Some((from, to)) = month_days(month) else { return MonthFigures::default() };
    let within = |date: &str| calendar::day_of(date).is_some_and(|d| (from..=to).contains(&d));
    let activities: Vec<_> = ds.activities.iter().filter(|a| a.lab_id == lab && within(&a.data.date)).collect();
    let c = crate::completeness::completeness(ds, lab, None, from, to, today);
    MonthFigures {
        visits: ds.visits.iter().filter(|v| v.key.lab_id == lab && (from..=to).contains(&v.key.day)).map(|v| v.n).sum(),
        activities: activities.len() as u64,
        participants: activities.iter().map(|a| a.data.total_participants()).sum(),
        measurements: ds.measurements.iter().filter(|m| m.lab_id == lab && within(&m.data.date)).count() as u64,
        sessions: c.sessions,
        sessions_logged: c.logged,
        sessions_closed: c.closed,
    }
}

/// The dataset with only what is dated in approved months of its lab:
/// visits, activities and measurements of other months are left out (labs,
/// places, goals and partners stay). For the research export limited to
/// approved months.
pub fn only_approved(ds: &Dataset) -> Dataset {
    let approvals = ds.approval_index();
    let dated = |lab: Uuid, date: &str| month_of_date(date).is_some_and(|m| approvals.is_approved(lab, &m));
    let mut out = ds.clone();
    out.visits.retain(|v| approvals.is_day_approved(v.key.lab_id, v.key.day));
    out.activities.retain(|a| dated(a.lab_id, &a.data.date));
    out.measurements.retain(|m| dated(m.lab_id, &m.data.date));
    out
}

/// A lab's completeness and approved months over a period, for the comparison.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LabStatus {
    pub lab_id: Uuid,
    pub completeness: crate::completeness::Completeness,
    /// The period's months that are approved, in order.
    pub approved_months: Vec<String>,
    /// How many of the period's months are over (only those can be approved).
    pub months: u64,
}

/// [`LabStatus`] of each of `labs` over `period` (days before `today` for completeness).
pub fn lab_statuses(ds: &Dataset, labs: &[Uuid], period: &crate::summary::Period, today: i64) -> Vec<LabStatus> {
    let Some((from, to)) = period.days() else { return Vec::new() };
    let approvals = ds.approval_index();
    let months = months_between(from, to);
    labs.iter()
        .map(|&lab| LabStatus {
            lab_id: lab,
            completeness: crate::completeness::completeness(ds, lab, None, from, to, today),
            approved_months: months.iter().filter(|m| approvals.is_approved(lab, m)).cloned().collect(),
            months: months.iter().filter(|m| has_ended(m, today)).count() as u64,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn ids_are_the_same_everywhere_and_differ_by_lab_and_month() {
        let (a, b) = (Uuid::from_u128(1), Uuid::from_u128(2));
        assert_eq!(approval_id(a, "2026-03"), approval_id(a, "2026-03"));
        assert_ne!(approval_id(a, "2026-03"), approval_id(a, "2026-04"));
        assert_ne!(approval_id(a, "2026-03"), approval_id(b, "2026-03"));
        let id = approval_id(a, "2026-03");
        assert_eq!(id.get_version_num(), 8);
        assert_eq!(id.get_variant(), uuid::Variant::RFC4122);
        // Fixed: a change here would split every installation's approvals in two.
        assert_eq!(approval_id(Uuid::nil(), "2026-03").to_string(), "58ddcf36-2174-8f14-bb17-6a92accf39d0");
    }

    #[test]
    fn months() {
        assert_eq!(parse_month("2026-03"), Some((2026, 3)));
        for bad in ["2026-13", "2026-00", "2026-3", "26-03", "2026/03", "2026-03-01"] {
            assert_eq!(parse_month(bad), None, "{bad}");
        }
        assert_eq!(month_of_date("2026-03-31").as_deref(), Some("2026-03"));
        assert_eq!(month_of_date("2026-02-30"), None);
        let (first, last) = month_days("2024-02").unwrap();
        assert_eq!(
            (calendar::format_date(first), calendar::format_date(last)),
            ("2024-02-01".into(), "2024-02-29".into())
        );
        let day = |s| calendar::day_of(s).unwrap();
        assert!(!has_ended("2026-03", day("2026-03-31")));
        assert!(has_ended("2026-03", day("2026-04-01")));
        assert_eq!(months_between(day("2025-12-15"), day("2026-02-01")), ["2025-12", "2026-01", "2026-02"]);
        assert_eq!(month_name_sv("2026-03"), "mars 2026");
        assert_eq!(
            locked_message("2026-03", "Lina Hage"),
            "Mars 2026 är godkänd för Lina Hage. Be samordnaren öppna månaden om något behöver ändras."
        );
    }

    #[test]
    fn statuses_figures_and_the_approved_months_only() {
        use crate::model::{AgeBand, CountRule, MeetingPlace, OpeningHours};
        use crate::summary::{Period, Rec};
        let (lab, other) = (Uuid::from_u128(0xa), Uuid::from_u128(0xb));
        let place = Uuid::from_u128(0x91);
        let activity = |n: u128, lab: Uuid, date: &str| Rec {
            id: Uuid::from_u128(n),
            lab_id: lab,
            data: serde_json::from_value(
                json!({"kind": "fika", "title": "Fika", "date": date, "meeting_place_id": place,
                "participants": [{"age_band": "13-15", "count": 10}]}),
            )
            .unwrap(),
        };
        let approval = |lab: Uuid, month: &str, approved: bool| Rec {
            id: approval_id(lab, month),
            lab_id: lab,
            data: MonthApproval {
                month: month.into(),
                approved,
                reason: if approved { String::new() } else { "Fel".into() },
                by: "Sara".into(),
                figures: None,
            },
        };
        let ds = Dataset {
            places: vec![Rec {
                id: place,
                lab_id: lab,
                data: MeetingPlace {
                    name: "P".into(),
                    opening_hours: vec![OpeningHours { weekday: 2, opens: "17:00".into(), closes: "21:00".into() }],
                    target_group: String::new(),
                    age_bands: vec![AgeBand::Age13To15],
                    catchment_population: None,
                    gender_split: false,
                    count_rule: CountRule::EveryEntry,
                    exceptions: Vec::new(),
                    retired: false,
                },
            }],
            activities: vec![
                activity(1, lab, "2026-02-10"),
                activity(2, lab, "2026-03-10"),
                activity(3, other, "2026-02-11"),
            ],
            approvals: vec![
                approval(lab, "2026-02", true),
                approval(lab, "2026-03", false),
                approval(other, "2026-03", true),
            ],
            ..Dataset::default()
        };
        let day = |s| calendar::day_of(s).unwrap();
        let today = day("2026-04-02");
        let statuses = month_statuses(&ds, lab, day("2026-02-01"), day("2026-04-02"), today);
        let summary: Vec<(&str, bool, bool, bool, u64)> = statuses
            .iter()
            .map(|s| (s.month.as_str(), s.approved, s.reopened, s.ended, s.completeness.sessions))
            .collect();
        // Tuesdays: 4 in February 2026, 5 in March (3, 10, 17, 24, 31), none before the 2nd of April.
        assert_eq!(
            summary,
            [("2026-02", true, false, true, 4), ("2026-03", false, true, true, 5), ("2026-04", false, false, false, 0)]
        );
        assert_eq!((statuses[0].by.as_str(), statuses[1].reason.as_str()), ("Sara", "Fel"));
        let f = month_figures(&ds, lab, "2026-02", today);
        assert_eq!((f.activities, f.participants, f.sessions, f.sessions_logged), (1, 10, 4, 0));
        let only = only_approved(&ds);
        assert_eq!(
            only.activities.iter().map(|a| a.id.as_u128()).collect::<Vec<_>>(),
            [1],
            "February of lab, not its re-opened March, not the other lab's unapproved February"
        );
        let s = lab_statuses(&ds, &[lab, other], &Period::new("2026-01-01", "2026-03-31"), today);
        assert_eq!(
            (s[0].approved_months.clone(), s[0].months, s[0].completeness.sessions),
            (vec!["2026-02".to_string()], 3, 13)
        );
        assert_eq!(s[1].approved_months, ["2026-03"]);
        // A month under way is not counted among those that could be approved.
        let s = lab_statuses(&ds, &[lab], &Period::new("2026-02-01", "2026-04-30"), today);
        assert_eq!((s[0].approved_months.len(), s[0].months), (1, 2));
    }

    #[test]
    fn a_change_touches_the_month_it_leaves_and_the_month_it_moves_to() {
        let stored = json!({"date": "2026-03-31", "title": "Fika"});
        let stored = stored.as_object().unwrap();
        let moved = json!({"date": "2026-04-01"});
        assert_eq!(
            months_touched(RecordKind::Activity, Some(stored), moved.as_object().unwrap()),
            ["2026-03", "2026-04"]
        );
        let notes = json!({"notes": "x"});
        assert_eq!(months_touched(RecordKind::Activity, Some(stored), notes.as_object().unwrap()), ["2026-03"]);
        assert_eq!(months_touched(RecordKind::Activity, None, stored), ["2026-03"]);
        assert!(months_touched(
            RecordKind::Goal,
            None,
            &json!({"target_date": "2026-03-01"}).as_object().unwrap().clone()
        )
        .is_empty());
    }
}
