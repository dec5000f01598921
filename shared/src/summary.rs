//! Summaries of a lab's records: the overview, a lab's report, the comparison
//! across labs and the anonymised research export, with their CSV forms.
//!
//! Pure functions over records, run by the app on its local copy (offline) and
//! by the server for `GET /api/v1/summary`; the same input gives the same
//! figures on both. Results never depend on the order records arrive in:
//! [`Dataset::from_states`] orders them by id, and counts do not care.
//!
//! Counting rules, once for all functions:
//! - A visit belongs to the day in its `date` (the tablet's local date); its
//!   hour is the Stockholm local hour of `at_ms` (see [`crate::calendar`]).
//! - An activity belongs to its `date`; its participants are all its rows.
//! - Periods are inclusive ranges of local dates; weeks are ISO weeks.
//! - Counts that leave a lab (the comparison, the research export, a good
//!   example's figures) are protected by the Cell Key Method
//!   ([`crate::disclosure`], docs/PRIVACY.md): each carries a small noise fixed
//!   by which records are in it. A lab's own people see exact counts.
//!
//! Visits are read as [`VisitTally`]s: counts of visits that look the same to
//! every summary (lab, place, day, local hour, age band, first visit). A year
//! of a million visits is a few tens of thousands of tallies, which the server
//! and the app keep up to date as visits are written (`server/src/db`,
//! `frontend/src/store.rs`), so a summary never reads the visits themselves.

use crate::calendar::{self, StockholmClock};
use crate::disclosure::{CellKey, Measure, Protected};
use crate::merge::RecordState;
use crate::model::{
    Activity, ActivityKind, ActivityMeasure, AgeBand, FocusArea, Gender, Goal, GoalDirection, GoalMeasurement,
    GoalPeriod, GoalSource, Lab, MeasureSchedule, MeetingPlace, Partner, PollQuestion, RecordKind, Visit,
};
use crate::questions::{answer_misfit, answers_of, builtin_id, AnswerKind, Question, QuestionStat, QuestionTally};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use std::collections::{HashMap, HashSet};
use uuid::Uuid;

/// A record with its id and lab, as the summaries read it.
#[derive(Debug, Clone, PartialEq)]
pub struct Rec<T> {
    pub id: Uuid,
    pub lab_id: Uuid,
    pub data: T,
}

/// What every summary reads of a visit: equal keys are counted together.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct VisitKey {
    pub lab_id: Uuid,
    pub place_id: Uuid,
    /// The visit's `date` as days since 1970-01-01 ([`calendar::day_of`]).
    pub day: i64,
    /// The Stockholm local hour of `at_ms`, 0..=23.
    pub hour: u8,
    pub band: AgeBand,
    pub first: bool,
    /// Noted where the place counts by gender (`MeetingPlace::gender_split`); a visit goal may
    /// narrow to one. A cell is still protected as a whole (`crate::disclosure`).
    #[serde(default)]
    pub gender: Option<Gender>,
}

impl VisitKey {
    /// The key of a visit of `lab_id`; `None` if its date is not a date (such
    /// a visit is in no period, so no summary counts it).
    pub fn of_visit(lab_id: Uuid, visit: &Visit, clock: &mut StockholmClock) -> Option<VisitKey> {
        Some(VisitKey {
            lab_id,
            place_id: visit.meeting_place_id,
            day: calendar::day_of(&visit.date)?,
            hour: clock.hour(visit.at_ms) as u8,
            band: visit.age_band,
            first: visit.first_visit,
            gender: visit.gender,
        })
    }

    /// The key of a live, readable visit record; `None` for anything else
    /// (another kind, deleted, a shape this version cannot read, no date).
    pub fn of_state(s: &RecordState, clock: &mut StockholmClock) -> Option<VisitKey> {
        if s.kind != RecordKind::Visit || s.deleted.is_some() {
            return None;
        }
        let visit = Visit::deserialize(&s.fields).ok()?;
        VisitKey::of_visit(s.lab_id, &visit, clock)
    }
}

/// `n` visits with the same [`VisitKey`], and the sum of their record keys
/// (the cell key that disclosure control reads, [`crate::disclosure`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct VisitTally {
    pub key: VisitKey,
    pub n: u64,
    pub keys: CellKey,
}

/// How a stored tally moves: its count by `n`, its key sum by `keys`
/// (wrapping: a visit taken away subtracts its record key).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TallyDelta {
    pub n: i64,
    pub keys: CellKey,
}

impl TallyDelta {
    pub fn is_zero(&self) -> bool {
        self.n == 0 && self.keys == CellKey::default()
    }
}

/// Visit tallies being counted or changed: `+1` for a visit written, `-1` for
/// one deleted or changed away from its key. The server and the app collect a
/// batch of writes here and apply the sums to their stored tallies at once.
#[derive(Debug, Clone, Default)]
pub struct TallyChanges {
    counts: HashMap<VisitKey, TallyDelta>,
    clock: StockholmClock,
}

impl TallyChanges {
    /// Visit `id` counted in (`in_tally`) or out of the tally `key`.
    pub fn add(&mut self, key: VisitKey, id: Uuid, in_tally: bool) {
        let d = self.counts.entry(key).or_default();
        if in_tally {
            d.n += 1;
            d.keys.add(CellKey::of_record(id));
        } else {
            d.n -= 1;
            d.keys.sub(CellKey::of_record(id));
        }
    }

    /// A record went from `before` to `after` (`None`: absent). Only visits
    /// whose key appears, disappears or changes count; anything else is a no-op.
    pub fn record_changed(&mut self, before: Option<&RecordState>, after: Option<&RecordState>) {
        if before.is_some_and(|s| s.kind != RecordKind::Visit) || after.is_some_and(|s| s.kind != RecordKind::Visit) {
            return;
        }
        let new = after.and_then(|s| VisitKey::of_state(s, &mut self.clock).map(|k| (k, s.id)));
        self.changed_to(before, new);
    }

    /// [`Self::record_changed`] for a live visit record `after` whose fields
    /// the caller has already read as `visit` (the server's push planner
    /// reads each visit once, to validate it, and counts it from that).
    pub fn visit_written(&mut self, before: Option<&RecordState>, after: &RecordState, visit: &Visit) {
        if after.kind != RecordKind::Visit || before.is_some_and(|s| s.kind != RecordKind::Visit) {
            return;
        }
        let new = match after.deleted {
            Some(_) => None,
            None => VisitKey::of_visit(after.lab_id, visit, &mut self.clock).map(|k| (k, after.id)),
        };
        self.changed_to(before, new);
    }

    fn changed_to(&mut self, before: Option<&RecordState>, new: Option<(VisitKey, Uuid)>) {
        let old = before.and_then(|s| VisitKey::of_state(s, &mut self.clock).map(|k| (k, s.id)));
        if old != new {
            if let Some((k, id)) = old {
                self.add(k, id, false);
            }
            if let Some((k, id)) = new {
                self.add(k, id, true);
            }
        }
    }

    pub fn is_empty(&self) -> bool {
        self.counts.values().all(TallyDelta::is_zero)
    }

    /// The non-zero changes, ordered by key (so two writers lock stored rows
    /// in the same order).
    pub fn into_sorted(self) -> Vec<(VisitKey, TallyDelta)> {
        let mut v: Vec<(VisitKey, TallyDelta)> = self.counts.into_iter().filter(|(_, d)| !d.is_zero()).collect();
        v.sort_unstable_by_key(|&(k, _)| k);
        v
    }

    /// Counts as tallies (for a fresh count, where every change is positive).
    pub fn into_tallies(self) -> Vec<VisitTally> {
        self.into_sorted()
            .into_iter()
            .filter(|(_, d)| d.n > 0)
            .map(|(key, d)| VisitTally { key, n: d.n as u64, keys: d.keys })
            .collect()
    }
}

/// Everything the summaries read (only live, i.e. not deleted, records).
#[derive(Debug, Clone, Default)]
pub struct Dataset {
    pub labs: Vec<Rec<Lab>>,
    pub places: Vec<Rec<MeetingPlace>>,
    /// Visits counted by key, in no particular order.
    pub visits: Vec<VisitTally>,
    pub activities: Vec<Rec<Activity>>,
    pub goals: Vec<Rec<Goal>>,
    pub measurements: Vec<Rec<GoalMeasurement>>,
    pub partners: Vec<Rec<Partner>>,
    /// Approved and re-opened months (`approval.rs`).
    pub approvals: Vec<Rec<crate::approval::MonthApproval>>,
    /// The labs' own questions, retired ones included (`questions.rs`).
    pub questions: Vec<Rec<Question>>,
}

fn add<T: DeserializeOwned>(list: &mut Vec<Rec<T>>, s: &RecordState) {
    // A record this version cannot read (a newer shape) is left out rather
    // than failing the whole summary.
    if let Ok(data) = T::deserialize(&s.fields) {
        list.push(Rec { id: s.id, lab_id: s.lab_id, data });
    }
}

impl Dataset {
    /// The live records among `states`; deleted and unreadable ones are
    /// skipped. Visits among them are counted into tallies.
    pub fn from_states<'a>(states: impl IntoIterator<Item = &'a RecordState>) -> Dataset {
        let mut ds = Dataset::default();
        let mut visits = TallyChanges::default();
        for s in states {
            if s.deleted.is_some() {
                continue;
            }
            match s.kind {
                RecordKind::Lab => add(&mut ds.labs, s),
                RecordKind::MeetingPlace => add(&mut ds.places, s),
                RecordKind::Visit => visits.record_changed(None, Some(s)),
                RecordKind::Goal => add(&mut ds.goals, s),
                RecordKind::GoalMeasurement => add(&mut ds.measurements, s),
                RecordKind::Partner => add(&mut ds.partners, s),
                RecordKind::Activity => add(&mut ds.activities, s),
                RecordKind::MonthApproval => add(&mut ds.approvals, s),
                // The knowledge base is not counted in summaries.
                RecordKind::Question => add(&mut ds.questions, s),
                RecordKind::GoodExample | RecordKind::Lesson => {}
            }
        }
        ds.visits = visits.into_tallies();
        ds.sort();
        ds
    }

    /// The records among `states` (visits there are counted too) and visits
    /// already counted elsewhere (stored tallies).
    pub fn from_states_and_tallies<'a>(
        states: impl IntoIterator<Item = &'a RecordState>,
        tallies: impl IntoIterator<Item = VisitTally>,
    ) -> Dataset {
        let mut ds = Dataset::from_states(states);
        ds.visits.extend(tallies.into_iter().filter(|t| t.n > 0));
        ds
    }

    /// Order every list by id (UUIDv7: by creation), so the order of labs,
    /// goals and lessons, and sums of hours, are the same on every device
    /// whatever order the records were stored in. Visits are only counted,
    /// so the order of their tallies does not matter.
    pub fn sort(&mut self) {
        self.labs.sort_by_key(|r| r.id);
        self.places.sort_by_key(|r| r.id);
        self.activities.sort_by_key(|r| r.id);
        self.goals.sort_by_key(|r| r.id);
        self.measurements.sort_by_key(|r| r.id);
        self.partners.sort_by_key(|r| r.id);
        self.approvals.sort_by_key(|r| r.id);
        self.questions.sort_by_key(|r| r.id);
    }

    /// The approvals, by lab and month.
    pub fn approval_index(&self) -> crate::approval::Approvals {
        crate::approval::Approvals::from_records(self.approvals.iter().map(|r| (r.id, r.lab_id, &r.data)))
    }

    pub fn lab(&self, id: Uuid) -> Option<&Rec<Lab>> {
        self.labs.iter().find(|l| l.id == id)
    }
}

/// An inclusive range of local dates "YYYY-MM-DD".
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Period {
    pub from: String,
    pub to: String,
}

impl Period {
    pub fn new(from: impl Into<String>, to: impl Into<String>) -> Self {
        Period { from: from.into(), to: to.into() }
    }

    /// From the first day of `today`'s month a year earlier to `today`: the
    /// default period of reports and comparisons (2025-11-01 … 2026-11-20).
    pub fn last_twelve_months(today: &str) -> Option<Period> {
        let day = calendar::day_of(today)?;
        let first = calendar::first_day_of_month_index(calendar::month_index(day) - 12);
        Some(Period { from: calendar::format_date(first), to: today.to_owned() })
    }

    /// The first and last day numbers, if both are dates and `from <= to`.
    pub fn days(&self) -> Option<(i64, i64)> {
        let (from, to) = (calendar::day_of(&self.from)?, calendar::day_of(&self.to)?);
        (from <= to).then_some((from, to))
    }
}

/// How counts are shown: exact to a lab's own people, protected by the Cell
/// Key Method for everyone else ([`crate::disclosure`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Disclosure {
    Exact,
    Protected,
}

impl Disclosure {
    /// `p` as shown: its true count, or its published (perturbed) count.
    pub fn count(self, p: Protected, measure: Measure) -> u64 {
        match self {
            Disclosure::Exact => p.n,
            Disclosure::Protected => p.published(measure),
        }
    }
}

// ---------------------------------------------------------------------------
// Goals

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GoalProgress {
    pub goal_id: Uuid,
    pub lab_id: Uuid,
    pub title: String,
    pub indicator: String,
    pub unit: String,
    pub focus_area: FocusArea,
    pub direction: GoalDirection,
    pub baseline: f64,
    pub baseline_date: Option<String>,
    pub target: f64,
    pub target_date: String,
    /// Where the values come from (`None`: measured by hand).
    pub source: Option<GoalSource>,
    pub schedule: Option<MeasureSchedule>,
    pub retired: bool,
    /// The last value of a finished period (or the last measurement).
    pub latest: Option<f64>,
    pub latest_date: Option<String>,
    /// The latest measurement was flagged at entry and is not confirmed yet
    /// (`checks::EntryFlag`): the report marks it "att följa upp".
    #[serde(default)]
    pub latest_flagged: bool,
    /// Measurements, or for an automatic source the indicator per finished
    /// period (dated on the period's first day), in date order.
    pub points: Vec<(String, f64)>,
    /// An automatic goal's period under way (its first day, the value so
    /// far): shown, but not part of the trend, as the period is not over.
    pub running: Option<(String, f64)>,
    /// None when fewer than 2 points (on different days); else whether the
    /// linear trend (least squares over days) reaches the target by target_date.
    pub on_track: Option<bool>,
    /// The date the linear trend reaches the target, if it moves toward it.
    pub projected_date: Option<String>,
    /// The trend line from the first point to the target date: (date, value)
    /// at both ends, for the chart's projection.
    pub trend_line: Option<[(String, f64); 2]>,
    /// Share of the way from baseline to target at `latest`, clamped to 0..=1 (1 = reached).
    pub progress: Option<f64>,
    /// A goal measured by hand on a schedule: the first days of the finished
    /// periods (months or quarters) since its baseline without a
    /// measurement, oldest first, at most [`MAX_MISSING`].
    pub missing: Vec<String>,
}

/// Missing measurement periods a goal lists; older ones are long overdue anyway.
pub const MAX_MISSING: usize = 12;

/// The rule that decides a goal's verdict, in one sentence (shown with it).
pub const VERDICT_RULE_SV: &str = "I fas betyder att en rak linje genom mätningarna (minsta kvadratmetoden) når \
     målvärdet senast på måldatumet; med färre än två mätningar ges ingen bedömning.";

/// The straight line y = a + b·(day − x0) fitted by least squares.
struct Trend {
    x0: i64,
    a: f64,
    b: f64,
}

impl Trend {
    fn at(&self, day: i64) -> f64 {
        self.a + self.b * (day - self.x0) as f64
    }
}

fn trend(points: &[(i64, f64)]) -> Option<Trend> {
    let x0 = points.first()?.0;
    if points.iter().all(|p| p.0 == x0) {
        return None;
    }
    let n = points.len() as f64;
    let mx = points.iter().map(|p| (p.0 - x0) as f64).sum::<f64>() / n;
    let my = points.iter().map(|p| p.1).sum::<f64>() / n;
    let (mut sxy, mut sxx) = (0.0, 0.0);
    for &(x, y) in points {
        let dx = (x - x0) as f64 - mx;
        sxy += dx * (y - my);
        sxx += dx * dx;
    }
    let b = sxy / sxx;
    Some(Trend { x0, a: my - b * mx, b })
}

fn reached(direction: GoalDirection, value: f64, target: f64) -> bool {
    // Fitted values carry rounding noise; a hair's breadth is "reached".
    let eps = 1e-9 * (1.0 + target.abs());
    match direction {
        GoalDirection::Up => value >= target - eps,
        GoalDirection::Down => value <= target + eps,
    }
}

/// The first day of the week or month holding `day`.
pub fn period_start(day: i64, per: GoalPeriod) -> i64 {
    match per {
        GoalPeriod::Week => calendar::monday_of(day),
        GoalPeriod::Month => calendar::first_day_of_month_index(calendar::month_index(day)),
    }
}

fn next_period(start: i64, per: GoalPeriod) -> i64 {
    match per {
        GoalPeriod::Week => start + 7,
        GoalPeriod::Month => calendar::first_day_of_month_index(calendar::month_index(start) + 1),
    }
}

/// An automatic goal's values: per finished period, and the period under way.
struct Series {
    finished: Vec<(i64, f64)>,
    running: Option<(i64, f64)>,
}

/// Values per period (`sums`, keyed by the period's first day) as a series:
/// from the period of the first value (or of `from`, the baseline date, when
/// that is later) to the last period that ended before `today` (or the last
/// value, without `today`); the period holding `today` apart. With
/// `zero_fill`, periods without a value count 0 (counts); without, they are
/// left out (a share of no answers is no value).
fn series(sums: &HashMap<i64, f64>, per: GoalPeriod, from: Option<i64>, today: Option<i64>, zero_fill: bool) -> Series {
    let running_start = today.map(|t| period_start(t, per));
    let Some(first_data) = sums.keys().copied().min() else {
        return Series { finished: Vec::new(), running: None };
    };
    let first = from.map_or(first_data, |f| period_start(f, per).max(first_data));
    let end = running_start.unwrap_or_else(|| next_period(sums.keys().copied().max().unwrap_or(first), per));
    let mut finished = Vec::new();
    let mut p = first;
    while p < end {
        match sums.get(&p) {
            Some(&v) => finished.push((p, v)),
            None if zero_fill => finished.push((p, 0.0)),
            None => {}
        }
        p = next_period(p, per);
    }
    let running = running_start.filter(|&r| r >= first).and_then(|r| match sums.get(&r) {
        Some(&v) => Some((r, v)),
        None if zero_fill => Some((r, 0.0)),
        None => None,
    });
    Series { finished, running }
}

/// Which visits a visit goal counts.
#[derive(Debug, Clone, Copy, Default)]
struct VisitFilter {
    place: Option<Uuid>,
    band: Option<AgeBand>,
    gender: Option<Gender>,
    first_only: bool,
}

impl VisitFilter {
    fn admits(&self, k: &VisitKey) -> bool {
        self.place.is_none_or(|p| p == k.place_id)
            && self.band.is_none_or(|b| b == k.band)
            && self.gender.is_none_or(|g| Some(g) == k.gender)
            && (!self.first_only || k.first)
    }
}

/// Visits of `lab` that `filter` admits, summed per period.
fn visit_sums(ds: &Dataset, lab: Uuid, filter: VisitFilter, per: GoalPeriod) -> HashMap<i64, f64> {
    let mut sums: HashMap<i64, f64> = HashMap::new();
    for v in &ds.visits {
        let k = &v.key;
        if k.lab_id != lab || !filter.admits(k) {
            continue;
        }
        *sums.entry(period_start(k.day, per)).or_default() += v.n as f64;
    }
    sums
}

/// An activity's length in hours, from its start and end time; 0 without both.
pub fn activity_hours(a: &Activity) -> f64 {
    match (
        a.start_time.as_deref().and_then(calendar::minutes_of_day),
        a.end_time.as_deref().and_then(calendar::minutes_of_day),
    ) {
        (Some(s), Some(e)) if e > s => f64::from(e - s) / 60.0,
        _ => 0.0,
    }
}

/// The lab's activities of `kinds` (empty: all) counted by `measure`, per month.
fn activity_sums(ds: &Dataset, lab: Uuid, kinds: &[ActivityKind], measure: ActivityMeasure) -> HashMap<i64, f64> {
    let mut sums: HashMap<i64, f64> = HashMap::new();
    for a in ds.activities.iter().filter(|a| a.lab_id == lab) {
        if !kinds.is_empty() && !kinds.contains(&a.data.kind) {
            continue;
        }
        let Some(d) = calendar::day_of(&a.data.date) else { continue };
        let value = match measure {
            ActivityMeasure::Activities => 1.0,
            ActivityMeasure::Participants => a.data.total_participants() as f64,
            ActivityMeasure::ParticipantHours => a.data.total_participants() as f64 * activity_hours(&a.data),
        };
        *sums.entry(period_start(d, GoalPeriod::Month)).or_default() += value;
    }
    sums
}

/// The share (per cent) of "yes" (and "maybe", if asked) among the answers
/// to `question` in the lab's closing polls, per month with any answer.
/// The closing poll's tallies and answers to the lab's built-in question of
/// that wording count alike.
fn poll_share_sums(ds: &Dataset, lab: Uuid, question: PollQuestion, include_maybe: bool) -> HashMap<i64, f64> {
    let id = builtin_id(lab, question);
    let mut answers: HashMap<i64, (u64, u64)> = HashMap::new();
    for a in ds.activities.iter().filter(|a| a.lab_id == lab) {
        let Some(d) = calendar::day_of(&a.data.date) else { continue };
        for p in answers_of(lab, &a.data).filter(|p| p.question_id == id && p.value.is_none() && p.choice.is_none()) {
            let e = answers.entry(period_start(d, GoalPeriod::Month)).or_default();
            e.0 += u64::from(p.yes) + if include_maybe { u64::from(p.maybe) } else { 0 };
            e.1 += u64::from(p.yes) + u64::from(p.maybe) + u64::from(p.no);
        }
    }
    answers
        .into_iter()
        .filter(|(_, (_, all))| *all > 0)
        .map(|(m, (yes, all))| (m, yes as f64 * 100.0 / all as f64))
        .collect()
}

/// The answers to the lab's question `id`, tallied per month (keyed by the
/// month's first day); answers that do not fit the question are left out.
pub fn question_tallies(ds: &Dataset, lab: Uuid, id: Uuid, from: i64, to: i64) -> Vec<(i64, QuestionTally)> {
    let Some(q) = ds.questions.iter().find(|q| q.id == id && q.lab_id == lab) else { return Vec::new() };
    let mut months: std::collections::BTreeMap<i64, QuestionTally> = std::collections::BTreeMap::new();
    for a in ds.activities.iter().filter(|a| a.lab_id == lab) {
        let Some(d) = calendar::day_of(&a.data.date).filter(|d| (from..=to).contains(d)) else { continue };
        for ans in answers_of(lab, &a.data).filter(|x| x.question_id == id && answer_misfit(&q.data, x).is_none()) {
            months
                .entry(period_start(d, GoalPeriod::Month))
                .or_insert_with(|| QuestionTally::for_question(&q.data))
                .add(&q.data, &ans);
        }
    }
    months.into_iter().filter(|(_, t)| t.answered > 0).collect()
}

/// A goal measured from a question: its value per month with an answer.
fn question_sums(
    ds: &Dataset,
    lab: Uuid,
    id: Uuid,
    stat: QuestionStat,
    include_maybe: bool,
    option: Option<u32>,
) -> HashMap<i64, f64> {
    let Some(q) = ds.questions.iter().find(|q| q.id == id && q.lab_id == lab) else { return HashMap::new() };
    question_tallies(ds, lab, id, i64::MIN / 4, i64::MAX / 4)
        .into_iter()
        .filter_map(|(m, t)| Some((m, stat.value(&t, q.data.answer, include_maybe, option)?)))
        .collect()
}

/// An automatic goal's series, by its source.
fn source_series(ds: &Dataset, goal: &Rec<Goal>, source: &GoalSource, today: Option<i64>) -> Series {
    let from = goal.data.baseline_date.as_deref().and_then(calendar::day_of);
    let lab = goal.lab_id;
    match source {
        GoalSource::VisitsPerWeek { meeting_place_id } => {
            // The first source counted from the first visit, whatever the baseline date.
            let sums = visit_sums(
                ds,
                lab,
                VisitFilter { place: Some(*meeting_place_id), ..VisitFilter::default() },
                GoalPeriod::Week,
            );
            series(&sums, GoalPeriod::Week, None, today, true)
        }
        GoalSource::Visits { meeting_place_id, per, first_only, age_band, gender } => {
            let filter =
                VisitFilter { place: *meeting_place_id, band: *age_band, gender: *gender, first_only: *first_only };
            let sums = visit_sums(ds, lab, filter, *per);
            series(&sums, *per, from, today, true)
        }
        GoalSource::Activities { kinds, measure } => {
            series(&activity_sums(ds, lab, kinds, *measure), GoalPeriod::Month, from, today, true)
        }
        GoalSource::PollShare { question, include_maybe } => {
            series(&poll_share_sums(ds, lab, *question, *include_maybe), GoalPeriod::Month, from, today, false)
        }
        GoalSource::Question { question_id, stat, include_maybe, option } => series(
            &question_sums(ds, lab, *question_id, *stat, *include_maybe, *option),
            GoalPeriod::Month,
            from,
            today,
            false,
        ),
    }
}

/// The first day of the schedule's period holding `day`.
fn schedule_start(day: i64, schedule: MeasureSchedule) -> i64 {
    let month = calendar::month_index(day);
    match schedule {
        MeasureSchedule::Monthly => calendar::first_day_of_month_index(month),
        MeasureSchedule::Quarterly => calendar::first_day_of_month_index(month - month.rem_euclid(3)),
    }
}

fn schedule_next(start: i64, schedule: MeasureSchedule) -> i64 {
    let step = match schedule {
        MeasureSchedule::Monthly => 1,
        MeasureSchedule::Quarterly => 3,
    };
    calendar::first_day_of_month_index(calendar::month_index(start) + step)
}

/// The finished periods of a goal measured by hand on `schedule` that have
/// no measurement dated in them: from the period after the baseline's (its
/// own period is the baseline) to the one before `today`'s; without a
/// baseline date only the last finished period is checked.
fn missing_periods(schedule: MeasureSchedule, baseline: Option<i64>, measured: &[i64], today: i64) -> Vec<String> {
    let current = schedule_start(today, schedule);
    let first = match baseline {
        Some(b) => schedule_next(schedule_start(b, schedule), schedule),
        None => schedule_start(current - 1, schedule),
    };
    let mut out = Vec::new();
    let mut p = first;
    while p < current {
        let next = schedule_next(p, schedule);
        if !measured.iter().any(|&d| (p..next).contains(&d)) {
            out.push(p);
        }
        p = next;
    }
    let skip = out.len().saturating_sub(MAX_MISSING);
    out.into_iter().skip(skip).map(calendar::format_date).collect()
}

/// How far a goal has come: its measurements (or its source's values, for an
/// automatic goal), the latest value, the trend and whether it is on track.
/// `today` (local "YYYY-MM-DD") ends an automatic goal's periods.
pub fn goal_progress(ds: &Dataset, goal_id: Uuid, today: &str) -> Option<GoalProgress> {
    let goal = ds.goals.iter().find(|g| g.id == goal_id)?;
    Some(progress_of(ds, goal, calendar::day_of(today)))
}

/// A goal's values as (day, value, the date as shown), and the period under way.
type Values = (Vec<(i64, f64, String)>, Option<(String, f64)>);

fn progress_of(ds: &Dataset, goal: &Rec<Goal>, today: Option<i64>) -> GoalProgress {
    let g = &goal.data;
    let mut missing = Vec::new();
    let mut latest_flagged = false;
    let (points, running): Values = match &g.source {
        Some(source) => {
            let s = source_series(ds, goal, source, today);
            (
                s.finished.into_iter().map(|(d, v)| (d, v, calendar::format_date(d))).collect(),
                s.running.map(|(d, v)| (calendar::format_date(d), v)),
            )
        }
        None => {
            let mut m: Vec<(i64, Uuid, f64, &str)> = ds
                .measurements
                .iter()
                .filter(|m| m.data.goal_id == goal.id)
                .filter_map(|m| Some((calendar::day_of(&m.data.date)?, m.id, m.data.value, m.data.date.as_str())))
                .collect();
            m.sort_by_key(|&(d, id, _, _)| (d, id));
            latest_flagged = m.last().is_some_and(|&(_, id, _, _)| {
                ds.measurements
                    .iter()
                    .any(|x| x.id == id && x.data.flag.as_ref().is_some_and(crate::checks::EntryFlag::is_open))
            });
            if let (Some(schedule), Some(t), false) = (g.schedule, today, g.retired) {
                let days: Vec<i64> = m.iter().map(|x| x.0).collect();
                let baseline = g.baseline_date.as_deref().and_then(calendar::day_of);
                missing = missing_periods(schedule, baseline, &days, t);
            }
            (m.into_iter().map(|(d, _, v, s)| (d, v, s.to_owned())).collect(), None)
        }
    };
    let xy: Vec<(i64, f64)> = points.iter().map(|p| (p.0, p.1)).collect();
    let fit = trend(&xy);
    let target_day = calendar::day_of(&g.target_date);
    let on_track = fit.as_ref().and_then(|t| Some(reached(g.direction, t.at(target_day?), g.target)));
    let trend_line = fit.as_ref().and_then(|t| {
        let (first, last) = (xy.first()?.0, target_day?);
        Some([(calendar::format_date(first), t.at(first)), (g.target_date.clone(), t.at(last))])
    });
    let projected_date = fit.as_ref().and_then(|t| {
        let toward = match g.direction {
            GoalDirection::Up => t.b > 0.0,
            GoalDirection::Down => t.b < 0.0,
        };
        let x = (g.target - t.a) / t.b;
        // Beyond two centuries a projection says nothing; it would not be a date either.
        (toward && x.is_finite() && x.abs() < 73_000.0).then(|| calendar::format_date(t.x0 + (x - 1e-9).ceil() as i64))
    });
    let latest = points.last().map(|p| p.1);
    let progress = latest.map(|l| {
        let span = g.target - g.baseline;
        if span == 0.0 {
            if reached(g.direction, l, g.target) {
                1.0
            } else {
                0.0
            }
        } else {
            ((l - g.baseline) / span).clamp(0.0, 1.0)
        }
    });
    GoalProgress {
        goal_id: goal.id,
        lab_id: goal.lab_id,
        title: g.title.clone(),
        indicator: g.indicator.clone(),
        unit: g.unit.clone(),
        focus_area: g.focus_area,
        direction: g.direction,
        baseline: g.baseline,
        baseline_date: g.baseline_date.clone(),
        target: g.target,
        target_date: g.target_date.clone(),
        source: g.source.clone(),
        schedule: g.schedule,
        retired: g.retired,
        latest,
        latest_date: points.last().map(|p| p.2.clone()),
        latest_flagged,
        points: points.into_iter().map(|(_, v, s)| (s, v)).collect(),
        running,
        on_track,
        projected_date,
        trend_line,
        progress,
        missing,
    }
}

/// The goals of `lab` (retired ones only if asked), in the dataset's order.
fn goals_of(ds: &Dataset, lab: Uuid, today: Option<i64>, with_retired: bool) -> Vec<GoalProgress> {
    ds.goals
        .iter()
        .filter(|g| g.lab_id == lab && (with_retired || !g.data.retired))
        .map(|g| progress_of(ds, g, today))
        .collect()
}

/// Every goal of `labs` (retired ones included), by lab in the dataset's lab
/// order: what the Goals screen shows.
pub fn goals(ds: &Dataset, labs: &[Uuid], today: &str) -> Vec<GoalProgress> {
    let t = calendar::day_of(today);
    ds.labs.iter().filter(|l| labs.contains(&l.id)).flat_map(|l| goals_of(ds, l.id, t, true)).collect()
}

/// Which partner each partner id counts as: a merged duplicate counts as
/// the partner it was merged into (followed through chains, within its lab).
fn partner_aliases(ds: &Dataset) -> HashMap<Uuid, Uuid> {
    let by_id: HashMap<Uuid, &Rec<Partner>> = ds.partners.iter().map(|p| (p.id, p)).collect();
    let mut aliases = HashMap::new();
    for p in &ds.partners {
        let mut at = p;
        // A few steps at most: a chain longer than this is a loop.
        for _ in 0..8 {
            match at.data.merged_into.and_then(|t| by_id.get(&t)).filter(|t| t.lab_id == p.lab_id && t.id != p.id) {
                Some(next) => at = next,
                None => break,
            }
        }
        if at.id != p.id {
            aliases.insert(p.id, at.id);
        }
    }
    aliases
}

/// An activity's partners as counted: merged duplicates as their partner, each once.
fn counted_partners(ids: &[Uuid], aliases: &HashMap<Uuid, Uuid>) -> Vec<Uuid> {
    let mut out: Vec<Uuid> = ids.iter().map(|id| *aliases.get(id).unwrap_or(id)).collect();
    out.sort_unstable();
    out.dedup();
    out
}

// ---------------------------------------------------------------------------
// Overview

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LabOverview {
    pub lab_id: Uuid,
    pub name: String,
    pub city: String,
    pub visits_this_week: u64,
    /// The same ISO week number a year earlier (week 52 when that year had no
    /// week 53); `None` when the lab counted no visit until that week ended
    /// (no data, which is not the same as nobody coming).
    pub visits_same_week_last_year: Option<u64>,
    /// The 4 ISO weeks before this one, oldest first: (week label "2026-W43", visits).
    pub visits_last_4_weeks: Vec<(String, u64)>,
    pub activities_this_month: u64,
    pub participants_this_month: u64,
    /// Distinct partners in this month's activities.
    pub partners_this_month: u64,
    /// The lab's goals in use (not retired).
    pub goals: Vec<GoalProgress>,
}

/// Per lab of `labs` (in the dataset's lab order), relative to the local date
/// `today`; nothing when `today` is not a date.
pub fn overview(ds: &Dataset, labs: &[Uuid], today: &str) -> Vec<LabOverview> {
    let Some(t) = calendar::day_of(today) else {
        return Vec::new();
    };
    let monday = calendar::monday_of(t);
    let (year, week) = calendar::iso_week(t);
    let last_year = calendar::iso_week_monday(year - 1, week.min(calendar::weeks_in_iso_year(year - 1)));
    let month = calendar::month_index(t);
    let (month_from, month_to) =
        (calendar::first_day_of_month_index(month), calendar::first_day_of_month_index(month + 1) - 1);

    let shown_labs: Vec<&Rec<Lab>> = ds.labs.iter().filter(|l| labs.contains(&l.id)).collect();
    let index: HashMap<Uuid, usize> = shown_labs.iter().enumerate().map(|(i, l)| (l.id, i)).collect();
    // [this week, last year's, 4 weeks before this one (oldest first)]
    let mut weeks = vec![[0u64; 6]; shown_labs.len()];
    let mut earliest = vec![i64::MAX; shown_labs.len()];
    for v in &ds.visits {
        let Some(&i) = index.get(&v.key.lab_id) else { continue };
        let d = v.key.day;
        earliest[i] = earliest[i].min(d);
        let w = &mut weeks[i];
        if (monday..monday + 7).contains(&d) {
            w[0] += v.n;
        } else if (last_year..last_year + 7).contains(&d) {
            w[1] += v.n;
        } else if (monday - 28..monday).contains(&d) {
            w[2 + ((d - (monday - 28)) / 7) as usize] += v.n;
        }
    }
    let aliases = partner_aliases(ds);
    shown_labs
        .iter()
        .zip(weeks)
        .zip(earliest)
        .map(|((lab, w), earliest)| {
            let month_activities: Vec<&Activity> = ds
                .activities
                .iter()
                .filter(|a| a.lab_id == lab.id)
                .map(|a| &a.data)
                .filter(|a| calendar::day_of(&a.date).is_some_and(|d| (month_from..=month_to).contains(&d)))
                .collect();
            let partners: HashSet<Uuid> =
                month_activities.iter().flat_map(|a| counted_partners(&a.partner_ids, &aliases)).collect();
            LabOverview {
                lab_id: lab.id,
                name: lab.data.name.clone(),
                city: lab.data.city.clone(),
                visits_this_week: w[0],
                visits_same_week_last_year: (earliest < last_year + 7).then_some(w[1]),
                visits_last_4_weeks: (0..4)
                    .map(|k| (calendar::week_label(monday - 28 + 7 * k), w[2 + k as usize]))
                    .collect(),
                activities_this_month: month_activities.len() as u64,
                participants_this_month: month_activities.iter().map(|a| a.total_participants()).sum(),
                partners_this_month: partners.len() as u64,
                goals: goals_of(ds, lab.id, Some(t), false),
            }
        })
        .collect()
}

// ---------------------------------------------------------------------------
// A lab's report

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LabReport {
    pub lab_id: Uuid,
    pub name: String,
    pub period: Period,
    pub visits_total: u64,
    /// ISO weeks in the period, each with visits per age band (bands in
    /// AgeBand order, missing bands absent). The first and last week count
    /// only their days inside the period.
    pub visits_per_week: Vec<(String, Vec<(AgeBand, u64)>)>,
    /// [weekday 0=Monday..6][local hour 0..24] visit counts.
    pub heatmap: Vec<Vec<u64>>,
    pub first_visits: u64,
    pub returning_visits: u64,
    /// Descending count (ties in ActivityKind order), kinds without activities absent.
    pub activities_by_kind: Vec<(ActivityKind, u64)>,
    /// Activities per focus area of the goals they serve (an activity serving
    /// no goal counts under the lab's first focus area), in FocusArea order,
    /// areas without activities absent. An activity serving goals of two
    /// areas counts once under each.
    pub activities_by_focus_area: Vec<(FocusArea, u64)>,
    /// Participants per month "2026-11" of the period, every month listed.
    pub participants_per_month: Vec<(String, u64)>,
    /// (partner id, name, number of joint activities), descending (ties by
    /// name); a merged duplicate's activities count under its partner.
    pub partners_ranked: Vec<(Uuid, String, u64)>,
    /// Every goal of the lab, retired ones included (marked): a year's report
    /// shows what was steered by during it.
    pub goals: Vec<GoalProgress>,
    /// (date, activity title, lessons learned) for non-empty lessons, newest first.
    pub lessons: Vec<(String, String, String)>,
    /// Visits at places with opening hours divided by those places' opening
    /// hours in the period (from each place's weekly hours); None if no hours.
    pub visits_per_opening_hour: Option<f64>,
    /// Visits in the period per 1,000 residents of the target age group, over
    /// the places that have a catchment population; None if none has one.
    /// Visits, not people: someone who comes every week counts every time.
    pub reach_per_1000: Option<f64>,
    /// First visits (new visitors) in the period per 1,000 residents of the
    /// target group, at the same places: how many of them the places reached.
    pub first_visitors_per_1000: Option<f64>,
    /// Closing-poll tallies per month: (month, question, yes, maybe, no), by
    /// month then question; months without a poll absent.
    pub poll_tallies: Vec<(String, PollQuestion, u64, u64, u64)>,
    /// The period's totals as they may leave the lab (a good example's
    /// figures): protected by the Cell Key Method.
    pub published: PublishedFigures,
    /// Each month of the period: approved or not, and how complete
    /// (`approval.rs`, `completeness.rs`).
    #[serde(default)]
    pub months: Vec<crate::approval::MonthStatus>,
    /// Values flagged at entry and not yet confirmed by a coordinator
    /// (`checks.rs`), newest first: they are in the figures above, marked.
    #[serde(default)]
    pub unconfirmed: Vec<crate::checks::FollowUp>,
    /// The lab's own questions with their answers per month: every question
    /// in use, and retired ones answered in the period.
    #[serde(default)]
    pub questions: Vec<QuestionReport>,
}

/// One of the lab's questions in a report: its answers per month and in all.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QuestionReport {
    pub question_id: Uuid,
    pub text: String,
    pub answer: AnswerKind,
    pub options: Vec<String>,
    /// 1 for an original, 2 for the version replacing it, …
    pub version: u32,
    pub retired: bool,
    /// The meeting place it is asked at; `None`: every place of the lab.
    pub place: Option<String>,
    /// ("2026-03", tally) for the months with an answer, in order.
    pub months: Vec<(String, QuestionTally)>,
    pub total: QuestionTally,
}

/// The lab's questions over the days `from..=to`: built-in ones first, then by id.
pub fn question_reports(ds: &Dataset, lab: Uuid, from: i64, to: i64) -> Vec<QuestionReport> {
    let own: Vec<&Rec<Question>> = ds.questions.iter().filter(|q| q.lab_id == lab).collect();
    let chain: Vec<(Uuid, &Question)> = own.iter().map(|q| (q.id, &q.data)).collect();
    let mut out: Vec<(u8, QuestionReport)> = Vec::new();
    for q in own {
        let months = question_tallies(ds, lab, q.id, from, to);
        if q.data.retired && months.is_empty() {
            continue;
        }
        let mut total = QuestionTally::for_question(&q.data);
        for (_, t) in &months {
            total.answered += t.answered;
            total.yes += t.yes;
            total.maybe += t.maybe;
            total.no += t.no;
            total.sum += t.sum;
            for (a, b) in total.counts.iter_mut().zip(&t.counts) {
                *a += b;
            }
        }
        let order = q.data.builtin.map_or(9, |b| b as u8);
        out.push((
            order,
            QuestionReport {
                question_id: q.id,
                text: q.data.text.clone(),
                answer: q.data.answer,
                options: q.data.options.clone(),
                version: crate::questions::version_of(q.id, &chain),
                retired: q.data.retired,
                place: q
                    .data
                    .meeting_place_id
                    .and_then(|p| ds.places.iter().find(|x| x.id == p))
                    .map(|p| p.data.name.clone()),
                months: months.into_iter().map(|(m, t)| (calendar::month_label(m), t)).collect(),
                total,
            },
        ));
    }
    out.sort_by_key(|(o, r)| (*o, r.question_id));
    out.into_iter().map(|(_, r)| r).collect()
}

/// A lab's totals for a period, protected for publishing beyond the lab
/// ([`crate::disclosure`]): each a cell of its own.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PublishedFigures {
    pub visits: u64,
    pub first_visits: u64,
    pub activities: u64,
    pub participants: u64,
}

/// What the report needs of one of the lab's places while counting visits.
struct PlaceFacts {
    id: Uuid,
    open: bool,
    catchment: Option<u32>,
}

/// The report of `lab` over `period`; None if the lab is unknown or the
/// period is not a range of dates. `today` ends automatic goals' weeks.
///
/// One pass over the visit tallies, one over activities.
pub fn lab_report(ds: &Dataset, lab: Uuid, period: &Period, today: &str) -> Option<LabReport> {
    let lab_rec = ds.lab(lab)?;
    let (from, to) = period.days()?;
    let first_monday = calendar::monday_of(from);
    let n_weeks = ((calendar::monday_of(to) - first_monday) / 7 + 1) as usize;

    let places: Vec<PlaceFacts> = ds
        .places
        .iter()
        .filter(|p| p.lab_id == lab)
        .map(|p| PlaceFacts {
            id: p.id,
            open: p.data.opening_hours.iter().any(|h| opening_minutes(&h.opens, &h.closes) > 0),
            catchment: p.data.catchment_population.filter(|&c| c > 0),
        })
        .collect();

    let mut per_week = vec![[0u64; 7]; n_weeks];
    let mut heat = [[0u64; 24]; 7];
    let (mut total, mut first) = (0u64, 0u64);
    let (mut total_keys, mut first_keys) = (CellKey::default(), CellKey::default());
    let (mut at_open_places, mut at_catchment_places, mut first_at_catchment_places) = (0u64, 0u64, 0u64);
    for v in &ds.visits {
        let (k, n) = (&v.key, v.n);
        if k.lab_id != lab || k.day < from || k.day > to {
            continue;
        }
        total += n;
        total_keys.add(v.keys);
        if k.first {
            first += n;
            first_keys.add(v.keys);
        }
        per_week[((k.day - first_monday) / 7) as usize][k.band as usize] += n;
        heat[(calendar::iso_weekday(k.day) - 1) as usize][usize::from(k.hour)] += n;
        if let Some(p) = places.iter().find(|p| p.id == k.place_id) {
            if p.open {
                at_open_places += n;
            }
            if p.catchment.is_some() {
                at_catchment_places += n;
                if k.first {
                    first_at_catchment_places += n;
                }
            }
        }
    }

    let opening_minutes_total = opening_minutes_in(ds, lab, from, to);
    let catchment: u64 = places.iter().filter_map(|p| p.catchment).map(u64::from).sum();

    // Activities
    let lab_goals: HashMap<Uuid, FocusArea> =
        ds.goals.iter().filter(|g| g.lab_id == lab).map(|g| (g.id, g.data.focus_area)).collect();
    let first_month = calendar::month_index(from);
    let n_months = (calendar::month_index(to) - first_month + 1) as usize;
    let mut by_kind = [0u64; ActivityKind::ALL.len()];
    let mut by_focus = [0u64; FocusArea::ALL.len()];
    let mut participants = vec![0u64; n_months];
    // [month][question] = (polls, yes, maybe, no)
    let mut polls = vec![[(0u64, 0u64, 0u64, 0u64); PollQuestion::ALL.len()]; n_months];
    let mut joint: HashMap<Uuid, u64> = HashMap::new();
    let aliases = partner_aliases(ds);
    let mut lessons: Vec<(i64, Uuid, &Activity)> = Vec::new();
    let (mut activities_published, mut participants_published) = (Protected::default(), Protected::default());
    for a in ds.activities.iter().filter(|a| a.lab_id == lab) {
        let Some(d) = calendar::day_of(&a.data.date) else { continue };
        if d < from || d > to {
            continue;
        }
        activities_published.add_record(a.id, 1);
        let people = a.data.total_participants();
        if people > 0 {
            participants_published.add_record(a.id, people);
        }
        by_kind[a.data.kind as usize] += 1;
        let mut areas = [false; FocusArea::ALL.len()];
        for g in &a.data.goal_ids {
            if let Some(&f) = lab_goals.get(g) {
                areas[f as usize] = true;
            }
        }
        if !areas.contains(&true) {
            if let Some(&f) = lab_rec.data.focus_areas.first() {
                areas[f as usize] = true;
            }
        }
        for (count, hit) in by_focus.iter_mut().zip(areas) {
            *count += u64::from(hit);
        }
        let m = (calendar::month_index(d) - first_month) as usize;
        participants[m] += a.data.total_participants();
        if let Some(p) = &a.data.poll {
            let t = &mut polls[m][p.question as usize];
            *t = (t.0 + 1, t.1 + u64::from(p.yes), t.2 + u64::from(p.maybe), t.3 + u64::from(p.no));
        }
        for p in counted_partners(&a.data.partner_ids, &aliases) {
            *joint.entry(p).or_default() += 1;
        }
        if !a.data.lessons_learned.trim().is_empty() {
            lessons.push((d, a.id, &a.data));
        }
    }

    let mut activities_by_kind: Vec<(ActivityKind, u64)> =
        ActivityKind::ALL.into_iter().zip(by_kind).filter(|&(_, n)| n > 0).collect();
    activities_by_kind.sort_by_key(|&(_, n)| std::cmp::Reverse(n)); // stable: ties keep ActivityKind order
    let mut partners_ranked: Vec<(Uuid, String, u64)> = ds
        .partners
        .iter()
        .filter(|p| p.lab_id == lab && !aliases.contains_key(&p.id))
        .filter_map(|p| joint.get(&p.id).map(|&n| (p.id, p.data.name.clone(), n)))
        .collect();
    partners_ranked.sort_by(|a, b| b.2.cmp(&a.2).then_with(|| a.1.cmp(&b.1)).then_with(|| a.0.cmp(&b.0)));
    lessons.sort_by_key(|&(d, id, _)| std::cmp::Reverse((d, id)));

    Some(LabReport {
        lab_id: lab,
        name: lab_rec.data.name.clone(),
        period: period.clone(),
        visits_total: total,
        visits_per_week: per_week
            .iter()
            .enumerate()
            .map(|(i, bands)| {
                let label = calendar::week_label(first_monday + 7 * i as i64);
                (label, AgeBand::ALL.into_iter().zip(bands.iter().copied()).filter(|&(_, n)| n > 0).collect())
            })
            .collect(),
        heatmap: heat.iter().map(|row| row.to_vec()).collect(),
        first_visits: first,
        returning_visits: total - first,
        activities_by_kind,
        activities_by_focus_area: FocusArea::ALL.into_iter().zip(by_focus).filter(|&(_, n)| n > 0).collect(),
        participants_per_month: participants
            .iter()
            .enumerate()
            .map(|(i, &n)| (calendar::month_label_of_index(first_month + i as i64), n))
            .collect(),
        partners_ranked,
        goals: goals_of(ds, lab, calendar::day_of(today), true),
        lessons: lessons
            .into_iter()
            .map(|(_, _, a)| (a.date.clone(), a.title.clone(), a.lessons_learned.clone()))
            .collect(),
        visits_per_opening_hour: (opening_minutes_total > 0)
            .then(|| at_open_places as f64 / (opening_minutes_total as f64 / 60.0)),
        reach_per_1000: (catchment > 0).then(|| at_catchment_places as f64 * 1000.0 / catchment as f64),
        first_visitors_per_1000: (catchment > 0).then(|| first_at_catchment_places as f64 * 1000.0 / catchment as f64),
        poll_tallies: polls
            .iter()
            .enumerate()
            .flat_map(|(i, qs)| {
                let month = calendar::month_label_of_index(first_month + i as i64);
                PollQuestion::ALL
                    .into_iter()
                    .zip(qs.iter().copied())
                    .filter(|&(_, t)| t.0 > 0)
                    .map(move |(q, t)| (month.clone(), q, t.1, t.2, t.3))
            })
            .collect(),
        published: PublishedFigures {
            visits: Protected { n: total, key: total_keys }.published(Measure::Visits),
            first_visits: Protected { n: first, key: first_keys }.published(Measure::FirstVisits),
            activities: activities_published.published(Measure::Activities),
            participants: participants_published.published(Measure::Participants),
        },
        months: crate::approval::month_statuses(ds, lab, from, to, calendar::day_of(today).unwrap_or(to + 1)),
        unconfirmed: crate::checks::follow_ups(ds, &[lab], from, to, false),
        questions: question_reports(ds, lab, from, to),
    })
}

fn opening_minutes(opens: &str, closes: &str) -> u64 {
    match (calendar::minutes_of_day(opens), calendar::minutes_of_day(closes)) {
        (Some(o), Some(c)) if c > o => u64::from(c - o),
        _ => 0,
    }
}

/// Opening minutes of all of `lab`'s places over the days `from..=to`, with
/// their exceptions (holidays, breaks). A retired place's hours count up to
/// its last visit: after that it was closed.
fn opening_minutes_in(ds: &Dataset, lab: Uuid, from: i64, to: i64) -> u64 {
    let mut minutes = 0u64;
    for p in ds.places.iter().filter(|p| p.lab_id == lab) {
        let last = if p.data.retired {
            ds.visits.iter().filter(|v| v.key.place_id == p.id).map(|v| v.key.day).max().unwrap_or(from - 1)
        } else {
            to
        };
        if p.data.exceptions.is_empty() {
            // Whole weeks at once, then the days left over.
            let mut per_weekday = [0u64; 7];
            for h in &p.data.opening_hours {
                if (1..=7).contains(&h.weekday) {
                    per_weekday[usize::from(h.weekday - 1)] += opening_minutes(&h.opens, &h.closes);
                }
            }
            let end = last.min(to);
            if end < from {
                continue;
            }
            let days = end - from + 1;
            minutes += (days / 7) as u64 * per_weekday.iter().sum::<u64>();
            for d in from + days / 7 * 7..=end {
                minutes += per_weekday[(calendar::iso_weekday(d) - 1) as usize];
            }
        } else {
            for d in from..=last.min(to) {
                minutes +=
                    p.data.spans_on(&calendar::format_date(d)).iter().map(|&(o, c)| u64::from(c - o)).sum::<u64>();
            }
        }
    }
    minutes
}

// ---------------------------------------------------------------------------
// Comparison across labs

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ComparisonRow {
    /// The lab; the nil id on the total row ([`comparison_total`]).
    pub lab_id: Uuid,
    pub name: String,
    pub focus_areas: Vec<FocusArea>,
    pub visits: u64,
    pub first_visits: u64,
    pub activities: u64,
    pub participants: u64,
    /// Distinct partners of the period's activities: organisations, exact.
    pub partners: u64,
    pub staff_hours: f64,
    pub volunteer_hours: f64,
    /// Goals on track / goals with a verdict.
    pub goals_on_track: u64,
    pub goals_assessed: u64,
}

/// The name of [`comparison_total`]'s row.
pub const TOTAL_ROW_NAME: &str = "Alla valda labb";

/// One lab's (or the total's) counts before they are shown.
#[derive(Default)]
struct CompareCell {
    visits: Protected,
    first: Protected,
    activities: Protected,
    participants: Protected,
    partners: HashSet<Uuid>,
    staff_hours: f64,
    volunteer_hours: f64,
    goals: Vec<GoalProgress>,
}

impl CompareCell {
    fn row(self, lab_id: Uuid, name: String, focus_areas: Vec<FocusArea>, d: Disclosure) -> ComparisonRow {
        ComparisonRow {
            lab_id,
            name,
            focus_areas,
            visits: d.count(self.visits, Measure::Visits),
            first_visits: d.count(self.first, Measure::FirstVisits),
            activities: d.count(self.activities, Measure::Activities),
            participants: d.count(self.participants, Measure::Participants),
            partners: self.partners.len() as u64,
            staff_hours: self.staff_hours,
            volunteer_hours: self.volunteer_hours,
            goals_on_track: self.goals.iter().filter(|g| g.on_track == Some(true)).count() as u64,
            goals_assessed: self.goals.iter().filter(|g| g.on_track.is_some()).count() as u64,
        }
    }
}

/// The labs of `labs` that a comparison shows (in the dataset's lab order;
/// only labs having `focus` among their focus areas, if given).
fn compared_labs<'a>(ds: &'a Dataset, labs: &[Uuid], focus: Option<FocusArea>) -> Vec<&'a Rec<Lab>> {
    ds.labs
        .iter()
        .filter(|l| labs.contains(&l.id))
        .filter(|l| focus.is_none_or(|f| l.data.focus_areas.contains(&f)))
        .collect()
}

/// Counts of the labs `rows` over `from..=to`, one cell per lab.
fn compare_cells(ds: &Dataset, rows: &[&Rec<Lab>], from: i64, to: i64, today: Option<i64>) -> Vec<CompareCell> {
    let index: HashMap<Uuid, usize> = rows.iter().enumerate().map(|(i, l)| (l.id, i)).collect();
    let aliases = partner_aliases(ds);
    let mut cells: Vec<CompareCell> = rows.iter().map(|_| CompareCell::default()).collect();
    for v in &ds.visits {
        let Some(&i) = index.get(&v.key.lab_id) else { continue };
        if (from..=to).contains(&v.key.day) {
            cells[i].visits.add(v.n, v.keys);
            if v.key.first {
                cells[i].first.add(v.n, v.keys);
            }
        }
    }
    for a in &ds.activities {
        let Some(&i) = index.get(&a.lab_id) else { continue };
        if !calendar::day_of(&a.data.date).is_some_and(|d| (from..=to).contains(&d)) {
            continue;
        }
        let c = &mut cells[i];
        c.activities.add_record(a.id, 1);
        let people = a.data.total_participants();
        if people > 0 {
            c.participants.add_record(a.id, people);
        }
        c.partners.extend(counted_partners(&a.data.partner_ids, &aliases));
        c.staff_hours += a.data.staff_hours;
        c.volunteer_hours += a.data.volunteer_hours;
    }
    for (cell, lab) in cells.iter_mut().zip(rows) {
        cell.goals = goals_of(ds, lab.id, today, false);
    }
    cells
}

/// One row per lab in `labs` (in the dataset's lab order; optionally only labs
/// having `focus` among their focus areas). Visits, first visits, activities
/// and participants are shown as `disclosure` says; partners, hours and goals
/// describe no one and are exact.
pub fn compare(
    ds: &Dataset,
    labs: &[Uuid],
    period: &Period,
    focus: Option<FocusArea>,
    disclosure: Disclosure,
    today: &str,
) -> Vec<ComparisonRow> {
    let Some((from, to)) = period.days() else {
        return Vec::new();
    };
    let rows = compared_labs(ds, labs, focus);
    let cells = compare_cells(ds, &rows, from, to, calendar::day_of(today));
    rows.iter()
        .zip(cells)
        .map(|(lab, cell)| cell.row(lab.id, lab.data.name.clone(), lab.data.focus_areas.clone(), disclosure))
        .collect()
}

/// The total of [`compare`]'s rows, counted as a cell of its own: protected,
/// its counts need not equal the sum of the rows' (as in Statistics
/// Sweden's tables), and the difference of a total and its parts is noisy.
/// Partners are counted once however many labs share them.
pub fn comparison_total(
    ds: &Dataset,
    labs: &[Uuid],
    period: &Period,
    focus: Option<FocusArea>,
    disclosure: Disclosure,
    today: &str,
) -> ComparisonRow {
    let mut total = CompareCell::default();
    if let Some((from, to)) = period.days() {
        let rows = compared_labs(ds, labs, focus);
        for c in compare_cells(ds, &rows, from, to, calendar::day_of(today)) {
            total.visits.add(c.visits.n, c.visits.key);
            total.first.add(c.first.n, c.first.key);
            total.activities.add(c.activities.n, c.activities.key);
            total.participants.add(c.participants.n, c.participants.key);
            total.partners.extend(c.partners);
            total.staff_hours += c.staff_hours;
            total.volunteer_hours += c.volunteer_hours;
            total.goals.extend(c.goals);
        }
    }
    total.row(Uuid::nil(), TOTAL_ROW_NAME.to_owned(), Vec::new(), disclosure)
}

// ---------------------------------------------------------------------------
// CSV

/// The UTF-8 byte order mark: without it Excel reads the file as Windows-1252.
const BOM: &str = "\u{feff}";

/// Would a spreadsheet run this cell as a formula? OWASP's rule for CSV
/// injection: a cell beginning with `=`, `+`, `-`, `@`, a tab or a carriage
/// return. The one exception is a plain number such as `-1,5` or `-3` (what
/// [`decimal_sv`] writes), which is no formula and must stay a number for
/// researchers; `-1+1+cmd|' /C calc'!A0` is not one. A lab name is typed by
/// people; an export must not run it on a researcher's computer.
pub fn formula_like(field: &str) -> bool {
    let Some(rest) = field.strip_prefix(['=', '+', '-', '@', '\t', '\r']) else {
        return false;
    };
    let plain_number = field.starts_with('-') && {
        let (int, frac) = rest.split_once([',', '.']).unwrap_or((rest, "0"));
        !int.is_empty() && !frac.is_empty() && (int.bytes().chain(frac.bytes())).all(|b| b.is_ascii_digit())
    };
    !plain_number
}

fn csv_field(out: &mut String, field: &str) {
    let field = if formula_like(field) { format!("'{field}") } else { field.to_owned() };
    if field.contains([';', '"', '\n', '\r']) {
        out.push('"');
        out.push_str(&field.replace('"', "\"\""));
        out.push('"');
    } else {
        out.push_str(&field);
    }
}

/// CSV for Swedish Excel: UTF-8 with BOM, ';' separator (the comma is the
/// decimal sign), CRLF line ends, fields quoted when they hold ';', '"' or a
/// line break (quotes doubled). A field Excel would read as a formula gets a
/// leading apostrophe, so it shows as text.
pub fn csv(header: &[&str], rows: &[Vec<String>]) -> String {
    let mut out = String::from(BOM);
    let mut line = |fields: &mut dyn Iterator<Item = &str>| {
        for (i, f) in fields.enumerate() {
            if i > 0 {
                out.push(';');
            }
            csv_field(&mut out, f);
        }
        out.push_str("\r\n");
    };
    line(&mut header.iter().copied());
    for row in rows {
        line(&mut row.iter().map(String::as_str));
    }
    out
}

/// `x` with `decimals` decimals and a decimal comma: 2.5 → "2,5". Not a
/// number gives "".
pub fn decimal_sv(x: f64, decimals: usize) -> String {
    if !x.is_finite() {
        return String::new();
    }
    let s = format!("{x:.decimals$}");
    // -0.04 rounded to one decimal is "-0.0": no sign on zero.
    let s =
        if s.starts_with('-') && s.bytes().all(|b| matches!(b, b'-' | b'0' | b'.')) { s[1..].to_owned() } else { s };
    s.replace('.', ",")
}

/// The note line under a CSV of protected counts.
pub const PROTECTED_NOTE: &str = "Not: Besök, förstagångsbesök, aktiviteter och deltagare är skyddade med \
     cellnyckelmetoden (Cell Key Method, som SCB): varje antal har ett litet brus på högst ±2, \
     1 och 2 visas aldrig och 0 är 0. Samma poster ger alltid samma tal. Delar summerar därför inte alltid \
     till totalen. Samverkanspartner, timmar och mål är exakta.";

/// The note line under a CSV of exact counts (a lab's own people).
pub const EXACT_NOTE: &str = "Not: Exakta antal för labbets egna personal. Dela inte filen utanför labbet.";

/// The comparison as CSV, with Swedish headers, its rows (the total row of
/// [`comparison_total`] among them, if wanted) and a note line saying how the
/// counts are shown.
pub fn comparison_csv(rows: &[ComparisonRow], disclosure: Disclosure) -> String {
    let header = [
        "Labb",
        "Fokusområden",
        "Besök",
        "Förstagångsbesök",
        "Aktiviteter",
        "Deltagare",
        "Samverkanspartner",
        "Personaltimmar",
        "Volontärtimmar",
        "Mål i fas",
        "Mål bedömda",
    ];
    let body: Vec<Vec<String>> = rows
        .iter()
        .map(|r| {
            vec![
                r.name.clone(),
                r.focus_areas.iter().map(|f| f.label_sv()).collect::<Vec<_>>().join(", "),
                r.visits.to_string(),
                r.first_visits.to_string(),
                r.activities.to_string(),
                r.participants.to_string(),
                r.partners.to_string(),
                decimal_sv(r.staff_hours, 1),
                decimal_sv(r.volunteer_hours, 1),
                r.goals_on_track.to_string(),
                r.goals_assessed.to_string(),
            ]
        })
        .chain(std::iter::once(vec![note(disclosure).to_owned()]))
        .collect();
    csv(&header, &body)
}

fn note(disclosure: Disclosure) -> &'static str {
    match disclosure {
        Disclosure::Exact => EXACT_NOTE,
        Disclosure::Protected => PROTECTED_NOTE,
    }
}

// ---------------------------------------------------------------------------
// Research export

/// Anonymised research export across labs: per lab and ISO week, one row per
/// age band with visits (and first visits), and one row per activity kind
/// with activities and participants — no ids of visits or activities, no
/// free text; counts protected by the Cell Key Method. A row is about either an age band
/// (`age_band` set, activity counts 0) or an activity kind (`activity_kind`
/// set, visit counts 0).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ResearchRow {
    pub lab: String,
    pub week: String,
    pub age_band: Option<AgeBand>,
    pub activity_kind: Option<ActivityKind>,
    pub visits: u64,
    pub first_visits: u64,
    pub activities: u64,
    pub participants: u64,
}

/// Per week of one lab: visits and first visits per age band, activities and
/// participants per kind, each with its cell key.
#[derive(Clone, Copy, Default)]
struct WeekCounts {
    visits: [(Protected, Protected); AgeBand::ALL.len()],
    activities: [(Protected, Protected); ActivityKind::ALL.len()],
}

/// Rows by lab (dataset order), week, then age band and activity kind (in
/// their enum orders); weeks and bands without anything are left out.
pub fn research_export(ds: &Dataset, labs: &[Uuid], period: &Period) -> Vec<ResearchRow> {
    let Some((from, to)) = period.days() else {
        return Vec::new();
    };
    let first_monday = calendar::monday_of(from);
    let n_weeks = ((calendar::monday_of(to) - first_monday) / 7 + 1) as usize;
    let shown_labs: Vec<&Rec<Lab>> = ds.labs.iter().filter(|l| labs.contains(&l.id)).collect();
    let index: HashMap<Uuid, usize> = shown_labs.iter().enumerate().map(|(i, l)| (l.id, i)).collect();
    let mut counts = vec![WeekCounts::default(); shown_labs.len() * n_weeks];
    let week_of = |lab: Uuid, d: i64| -> Option<usize> {
        let i = *index.get(&lab)?;
        (from..=to).contains(&d).then(|| i * n_weeks + ((d - first_monday) / 7) as usize)
    };
    for v in &ds.visits {
        if let Some(k) = week_of(v.key.lab_id, v.key.day) {
            let c = &mut counts[k].visits[v.key.band as usize];
            c.0.add(v.n, v.keys);
            if v.key.first {
                c.1.add(v.n, v.keys);
            }
        }
    }
    for a in &ds.activities {
        if let Some(k) = calendar::day_of(&a.data.date).and_then(|d| week_of(a.lab_id, d)) {
            let c = &mut counts[k].activities[a.data.kind as usize];
            c.0.add_record(a.id, 1);
            let people = a.data.total_participants();
            if people > 0 {
                c.1.add_record(a.id, people);
            }
        }
    }
    let s = |p: Protected, m| Disclosure::Protected.count(p, m);
    let mut rows = Vec::new();
    for (i, lab) in shown_labs.iter().enumerate() {
        for w in 0..n_weeks {
            let c = &counts[i * n_weeks + w];
            let week = calendar::week_label(first_monday + 7 * w as i64);
            // A row is listed when one of its published counts is not 0:
            // whether it is there depends on what is published only (a row
            // listed for any true count would tell that 1 or 2 became 0).
            for (band, &(n, f)) in AgeBand::ALL.iter().zip(&c.visits) {
                let (visits, first_visits) = (s(n, Measure::Visits), s(f, Measure::FirstVisits));
                if visits > 0 || first_visits > 0 {
                    rows.push(ResearchRow {
                        lab: lab.data.name.clone(),
                        week: week.clone(),
                        age_band: Some(*band),
                        activity_kind: None,
                        visits,
                        first_visits,
                        activities: 0,
                        participants: 0,
                    });
                }
            }
            for (kind, &(n, p)) in ActivityKind::ALL.iter().zip(&c.activities) {
                let (activities, participants) = (s(n, Measure::Activities), s(p, Measure::Participants));
                if activities > 0 || participants > 0 {
                    rows.push(ResearchRow {
                        lab: lab.data.name.clone(),
                        week: week.clone(),
                        age_band: None,
                        activity_kind: Some(*kind),
                        visits: 0,
                        first_visits: 0,
                        activities,
                        participants,
                    });
                }
            }
        }
    }
    rows
}

/// The research export as CSV, with Swedish headers. Age bands are written
/// as "13–15 år" (Excel would read "13-15" as a date); a row's cells that do
/// not apply to it (visits on an activity row) are left empty.
pub fn research_csv(rows: &[ResearchRow]) -> String {
    let header =
        ["Labb", "Vecka", "Åldersgrupp", "Aktivitetstyp", "Besök", "Förstagångsbesök", "Aktiviteter", "Deltagare"];
    let body: Vec<Vec<String>> = rows
        .iter()
        .map(|r| {
            let visit_row = r.age_band.is_some();
            let cell = |applies: bool, n: u64| if applies { n.to_string() } else { String::new() };
            vec![
                r.lab.clone(),
                r.week.clone(),
                r.age_band.map(|b| b.label_sv().to_owned()).unwrap_or_default(),
                r.activity_kind.map(|k| k.label_sv().to_owned()).unwrap_or_default(),
                cell(visit_row, r.visits),
                cell(visit_row, r.first_visits),
                cell(r.activity_kind.is_some(), r.activities),
                cell(r.activity_kind.is_some(), r.participants),
            ]
        })
        .chain(std::iter::once(vec![PROTECTED_NOTE.to_owned()]))
        .collect();
    csv(&header, &body)
}

// ---------------------------------------------------------------------------
// `GET /api/v1/summary`

/// Which summary `GET /api/v1/summary` computes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SummaryKind {
    /// [`overview`] of the user's labs.
    Overview,
    /// [`lab_report`] of one lab (`lab`).
    Lab,
    /// [`compare`] across labs, protected ([`Disclosure::Protected`]).
    Compare,
    /// [`research_export`] across labs, protected.
    Research,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SummaryFormat {
    #[default]
    Json,
    /// [`comparison_csv`] or [`research_csv`]; only for `compare` and `research`.
    Csv,
}

/// The query string of `GET /api/v1/summary`. `from` and `to` default to
/// [`Period::last_twelve_months`] of `today`, which defaults to the server's
/// local (Stockholm) date.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SummaryQuery {
    pub kind: SummaryKind,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lab: Option<Uuid>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub focus: Option<FocusArea>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub today: Option<String>,
    #[serde(default)]
    pub format: SummaryFormat,
    /// Only the approved months of each lab (`research`; `approval.rs`).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub approved_only: bool,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Gender, OpeningHours, ParticipantCount, PartnerKind, PollTally};
    use crate::Hlc;
    use std::collections::BTreeMap;
    use AgeBand::*;

    const LAB_A: Uuid = Uuid::from_u128(0xA);
    const LAB_B: Uuid = Uuid::from_u128(0xB);
    const LAB_C: Uuid = Uuid::from_u128(0xC);
    const PLACE_A: Uuid = Uuid::from_u128(0xA1);
    const PLACE_A2: Uuid = Uuid::from_u128(0xA2);
    const PLACE_B: Uuid = Uuid::from_u128(0xB1);

    fn lab(id: Uuid, name: &str, focus_areas: &[FocusArea]) -> Rec<Lab> {
        Rec {
            id,
            lab_id: id,
            data: Lab {
                name: name.into(),
                city: "Södertälje".into(),
                organisation: "Telge Bostäder".into(),
                focus_areas: focus_areas.to_vec(),
                question: String::new(),
                description: String::new(),
            },
        }
    }

    fn place(id: Uuid, lab: Uuid, hours: &[(u8, &str, &str)], catchment: Option<u32>) -> Rec<MeetingPlace> {
        Rec {
            id,
            lab_id: lab,
            data: MeetingPlace {
                name: format!("Plats {id}"),
                opening_hours: hours
                    .iter()
                    .map(|&(weekday, o, c)| OpeningHours { weekday, opens: o.into(), closes: c.into() })
                    .collect(),
                target_group: String::new(),
                age_bands: AgeBand::ALL.to_vec(),
                catchment_population: catchment,
                gender_split: false,
                count_rule: Default::default(),
                exceptions: vec![],
                retired: false,
            },
        }
    }

    /// One visit, counted as the summaries read it.
    fn visit_at(n: u128, lab: Uuid, place: Uuid, date: &str, at_ms: i64, band: AgeBand, first: bool) -> VisitTally {
        tally(&visit_rec(n, lab, place, date, at_ms, band, first))
    }

    fn tally(v: &Rec<Visit>) -> VisitTally {
        VisitTally {
            key: VisitKey::of_visit(v.lab_id, &v.data, &mut StockholmClock::default()).unwrap(),
            n: 1,
            keys: CellKey::of_record(v.id),
        }
    }

    fn visit_rec(n: u128, lab: Uuid, place: Uuid, date: &str, at_ms: i64, band: AgeBand, first: bool) -> Rec<Visit> {
        Rec {
            id: Uuid::from_u128(0x1_0000 + n),
            lab_id: lab,
            data: Visit {
                meeting_place_id: place,
                at_ms,
                date: date.into(),
                age_band: band,
                gender: None,
                first_visit: first,
            },
        }
    }

    /// A visit at local (Stockholm) time `hhmm` on `date`.
    fn visit(n: u128, lab: Uuid, place: Uuid, date: &str, hhmm: &str, band: AgeBand, first: bool) -> VisitTally {
        tally(&visit_record(n, lab, place, date, hhmm, band, first))
    }

    fn visit_record(n: u128, lab: Uuid, place: Uuid, date: &str, hhmm: &str, band: AgeBand, first: bool) -> Rec<Visit> {
        let at = calendar::utc_ms_of_local(calendar::day_of(date).unwrap(), calendar::minutes_of_day(hhmm).unwrap());
        visit_rec(n, lab, place, date, at, band, first)
    }

    /// `count` visits of one kind, numbered from `n`.
    fn visits(n: u128, count: u128, lab: Uuid, place: Uuid, date: &str, band: AgeBand, first: bool) -> Vec<VisitTally> {
        (0..count).map(|i| visit(n + i, lab, place, date, "18:00", band, first)).collect()
    }

    fn activity(n: u128, lab: Uuid, kind: ActivityKind, date: &str, participants: &[(AgeBand, u32)]) -> Rec<Activity> {
        Rec {
            id: Uuid::from_u128(0x2_0000 + n),
            lab_id: lab,
            data: Activity {
                meeting_place_id: None,
                kind,
                title: format!("Aktivitet {n}"),
                date: date.into(),
                start_time: None,
                end_time: None,
                participants: participants
                    .iter()
                    .map(|&(age_band, count)| ParticipantCount { age_band, gender: None, count })
                    .collect(),
                first_timers: 0,
                partner_ids: vec![],
                goal_ids: vec![],
                staff_hours: 0.0,
                volunteer_hours: 0.0,
                notes: String::new(),
                lessons_learned: String::new(),
                poll: None,
                flag: None,
                answers: Vec::new(),
            },
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn goal(
        n: u128,
        lab: Uuid,
        focus_area: FocusArea,
        direction: GoalDirection,
        baseline: f64,
        target: f64,
        target_date: &str,
        source: Option<GoalSource>,
    ) -> Rec<Goal> {
        Rec {
            id: Uuid::from_u128(0x3_0000 + n),
            lab_id: lab,
            data: Goal {
                focus_area,
                title: format!("Mål {n}"),
                indicator: "Indikator".into(),
                unit: "st".into(),
                baseline,
                target,
                target_date: target_date.into(),
                direction,
                source,
                baseline_date: None,
                schedule: None,
                retired: false,
            },
        }
    }

    fn measurement(n: u128, goal: &Rec<Goal>, date: &str, value: f64) -> Rec<GoalMeasurement> {
        Rec {
            id: Uuid::from_u128(0x4_0000 + n),
            lab_id: goal.lab_id,
            data: GoalMeasurement { goal_id: goal.id, date: date.into(), value, note: String::new(), flag: None },
        }
    }

    fn partner(n: u128, lab: Uuid, name: &str) -> Rec<Partner> {
        Rec { id: Uuid::from_u128(0x5_0000 + n), lab_id: lab, data: Partner::new(name, PartnerKind::Ngo) }
    }

    fn points(p: &[(&str, f64)]) -> Vec<(String, f64)> {
        p.iter().map(|&(d, v)| (d.to_owned(), v)).collect()
    }

    #[test]
    fn exact_or_protected() {
        let p = Protected { n: 3, key: CellKey::of_record(Uuid::from_u128(1)) };
        assert_eq!(Disclosure::Exact.count(p, Measure::Visits), 3);
        assert_eq!(
            Disclosure::Protected.count(p, Measure::Visits),
            crate::disclosure::perturb(3, p.key, Measure::Visits)
        );
    }

    /// The cell key of the test visits numbered `ns` (see [`visit_rec`]).
    fn visit_keys(ns: impl IntoIterator<Item = u128>) -> CellKey {
        CellKey::of_records(ns.into_iter().map(|n| Uuid::from_u128(0x1_0000 + n)))
    }

    /// The cell key of the test activities numbered `ns` (see [`activity`]).
    fn activity_keys(ns: impl IntoIterator<Item = u128>) -> CellKey {
        CellKey::of_records(ns.into_iter().map(|n| Uuid::from_u128(0x2_0000 + n)))
    }

    #[test]
    fn periods() {
        assert_eq!(Period::last_twelve_months("2026-11-20"), Some(Period::new("2025-11-01", "2026-11-20")));
        assert_eq!(Period::last_twelve_months("2026-01-31"), Some(Period::new("2025-01-01", "2026-01-31")));
        assert_eq!(Period::last_twelve_months("2026-13-01"), None);
        assert_eq!(Period::new("2026-01-01", "2026-01-01").days(), Some((20_454, 20_454)));
        assert_eq!(Period::new("2026-01-02", "2026-01-01").days(), None);
        assert_eq!(Period::new("2026-01-01", "nu").days(), None);
    }

    fn state<T: Serialize>(kind: RecordKind, id: Uuid, lab: Uuid, data: &T, deleted: bool) -> RecordState {
        let serde_json::Value::Object(fields) = serde_json::to_value(data).unwrap() else { panic!() };
        RecordState {
            kind,
            id,
            lab_id: lab,
            fields,
            clocks: BTreeMap::new(),
            deleted: deleted.then_some(Hlc { ms: 1, counter: 0, node: 1 }),
            restored: None,
        }
    }

    #[test]
    fn visits_with_one_key_are_one_tally() {
        let a = visit_record(1, LAB_A, PLACE_A, "2026-01-05", "18:10", Age13To15, true);
        let b = visit_record(2, LAB_A, PLACE_A, "2026-01-05", "18:50", Age13To15, true); // same hour
        let c = visit_record(3, LAB_A, PLACE_A, "2026-01-05", "19:00", Age13To15, true); // next hour
        let states: Vec<RecordState> =
            [&a, &b, &c].iter().map(|v| state(RecordKind::Visit, v.id, LAB_A, &v.data, false)).collect();
        let ds = Dataset::from_states(&states);
        let mut counts: Vec<(u8, u64)> = ds.visits.iter().map(|t| (t.key.hour, t.n)).collect();
        counts.sort();
        assert_eq!(counts, vec![(18, 2), (19, 1)]);
    }

    #[test]
    fn tally_changes_follow_a_visit_through_edits_and_deletion() {
        let v = visit_record(1, LAB_A, PLACE_A, "2026-01-05", "18:10", Age13To15, false);
        let created = state(RecordKind::Visit, v.id, LAB_A, &v.data, false);
        let mut moved = v.data.clone();
        moved.age_band = Age6To12;
        let edited = state(RecordKind::Visit, v.id, LAB_A, &moved, false);
        let deleted = state(RecordKind::Visit, v.id, LAB_A, &moved, true);
        let key = |d: &Visit| VisitKey::of_visit(LAB_A, d, &mut StockholmClock::default()).unwrap();

        let mut t = TallyChanges::default();
        t.record_changed(None, Some(&created));
        let one = TallyDelta { n: 1, keys: CellKey::of_record(v.id) };
        assert_eq!(t.clone().into_sorted(), vec![(key(&v.data), one)]);
        t.record_changed(Some(&created), Some(&edited));
        assert_eq!(t.clone().into_sorted(), vec![(key(&moved), one)], "the old key nets to zero and is left out");
        t.record_changed(Some(&edited), Some(&edited));
        t.record_changed(Some(&edited), Some(&deleted));
        assert!(t.is_empty(), "created, edited and deleted: nothing left to count");

        let mut gender_only = TallyChanges::default();
        let mut girl = v.data.clone();
        girl.gender = Some(Gender::Girl);
        gender_only.record_changed(Some(&created), Some(&state(RecordKind::Visit, v.id, LAB_A, &girl, false)));
        let minus = TallyDelta { n: -1, keys: CellKey(0u32.wrapping_sub(CellKey::of_record(v.id).0)) };
        let mut moved_gender = gender_only.into_sorted();
        moved_gender.sort_by_key(|(k, _)| k.gender);
        assert_eq!(moved_gender, vec![(key(&v.data), minus), (key(&girl), one)], "the gender is part of the key");

        let l = lab(LAB_A, "A", &[FocusArea::Crime]);
        let mut others = TallyChanges::default();
        others.record_changed(None, Some(&state(RecordKind::Lab, LAB_A, LAB_A, &l.data, false)));
        assert!(others.is_empty());
    }

    #[test]
    fn a_visit_read_once_counts_as_its_record_does() {
        let v = visit_record(1, LAB_A, PLACE_A, "2026-01-05", "18:10", Age13To15, false);
        let created = state(RecordKind::Visit, v.id, LAB_A, &v.data, false);
        let mut moved = v.data.clone();
        moved.gender = Some(Gender::Boy);
        let edited = state(RecordKind::Visit, v.id, LAB_A, &moved, false);
        let deleted = state(RecordKind::Visit, v.id, LAB_A, &moved, true);
        for (before, after, read) in
            [(None, &created, &v.data), (Some(&created), &edited, &moved), (Some(&edited), &deleted, &moved)]
        {
            let (mut from_state, mut from_visit) = (TallyChanges::default(), TallyChanges::default());
            from_state.record_changed(before, Some(after));
            from_visit.visit_written(before, after, read);
            assert_eq!(from_state.into_sorted(), from_visit.into_sorted());
        }
    }

    #[test]
    fn dataset_keeps_live_readable_records_in_id_order() {
        let l = lab(LAB_A, "A", &[FocusArea::Crime]);
        let v = visit_record(1, LAB_A, PLACE_A, "2026-01-05", "18:00", Age13To15, true);
        let late = activity(9, LAB_A, ActivityKind::Art, "2026-01-05", &[]);
        let early = activity(1, LAB_A, ActivityKind::Art, "2026-01-05", &[]);
        let mut broken = state(RecordKind::Visit, Uuid::from_u128(77), LAB_A, &v.data, false);
        broken.fields.remove("age_band");
        let states = vec![
            state(RecordKind::Activity, late.id, LAB_A, &late.data, false),
            state(RecordKind::Lab, LAB_A, LAB_A, &l.data, false),
            state(RecordKind::Visit, v.id, LAB_A, &v.data, false),
            state(RecordKind::Visit, Uuid::from_u128(78), LAB_A, &v.data, true),
            broken,
            state(RecordKind::Activity, early.id, LAB_A, &early.data, false),
        ];
        let ds = Dataset::from_states(&states);
        assert_eq!(ds.labs, vec![l]);
        assert_eq!(ds.visits, vec![tally(&v)], "the deleted and the unreadable visit are left out");
        assert_eq!(ds.activities, vec![early, late]);
        assert!(ds.places.is_empty() && ds.goals.is_empty());
    }

    #[test]
    fn manual_goal_trend_and_projection() {
        let g = goal(1, LAB_A, FocusArea::LongTermUnemployment, GoalDirection::Up, 10.0, 20.0, "2026-03-01", None);
        let mut ds = Dataset { goals: vec![g.clone()], ..Dataset::default() };
        // Out of order on purpose: 10, 12, 14 ten days apart, a slope of 0.2 a day.
        ds.measurements = vec![
            measurement(3, &g, "2026-01-21", 14.0),
            measurement(1, &g, "2026-01-01", 10.0),
            measurement(2, &g, "2026-01-11", 12.0),
        ];
        let p = goal_progress(&ds, g.id, "2026-01-25").unwrap();
        assert_eq!(p.points, points(&[("2026-01-01", 10.0), ("2026-01-11", 12.0), ("2026-01-21", 14.0)]));
        assert_eq!((p.latest, p.latest_date.as_deref()), (Some(14.0), Some("2026-01-21")));
        assert!(!p.latest_flagged);
        // The latest flagged at entry and not confirmed: marked; once confirmed, not.
        let mut flagged = ds.clone();
        flagged.measurements[0].data.flag =
            Some(crate::checks::EntryFlag { fields: vec![crate::checks::CheckField::Value], confirmed: false });
        assert!(goal_progress(&flagged, g.id, "2026-01-25").unwrap().latest_flagged);
        flagged.measurements[0].data.flag.as_mut().unwrap().confirmed = true;
        assert!(!goal_progress(&flagged, g.id, "2026-01-25").unwrap().latest_flagged);
        // 10 + 0.2 × 59 = 21.8 on 1 March ≥ 20; 20 is reached 50 days after 1 January.
        assert_eq!(p.on_track, Some(true));
        assert_eq!(p.projected_date.as_deref(), Some("2026-02-20"));
        assert_eq!(p.progress, Some(0.4));
        assert_eq!((p.goal_id, p.lab_id, p.title.as_str(), p.unit.as_str()), (g.id, LAB_A, "Mål 1", "st"));

        // By 10 February the trend only gets to 18.
        ds.goals[0].data.target_date = "2026-02-10".into();
        let p = goal_progress(&ds, g.id, "2026-01-25").unwrap();
        assert_eq!(p.on_track, Some(false));
        assert_eq!(p.projected_date.as_deref(), Some("2026-02-20"));

        // A goal to bring a figure down, moving up: never projected, not on track.
        let down = goal(2, LAB_A, FocusArea::Crime, GoalDirection::Down, 30.0, 20.0, "2026-12-31", None);
        ds.goals.push(down.clone());
        ds.measurements.push(measurement(4, &down, "2026-01-01", 30.0));
        ds.measurements.push(measurement(5, &down, "2026-01-11", 31.0));
        let p = goal_progress(&ds, down.id, "2026-01-25").unwrap();
        assert_eq!((p.on_track, p.projected_date, p.progress), (Some(false), None, Some(0.0)));
        // …then falling 1 a day from 31: 20 is reached 11 days after 11 January.
        ds.measurements.push(measurement(6, &down, "2026-01-12", 30.0));
        ds.measurements.retain(|m| m.id != Uuid::from_u128(0x4_0000 + 4));
        let p = goal_progress(&ds, down.id, "2026-01-25").unwrap();
        assert_eq!(p.on_track, Some(true));
        assert_eq!(p.projected_date.as_deref(), Some("2026-01-22"));
        assert_eq!(p.progress, Some(0.0), "30 is no way from 30 to 20 yet");

        // One measurement: a latest value and progress, but no trend.
        let one = goal(3, LAB_A, FocusArea::Crime, GoalDirection::Down, 30.0, 20.0, "2026-12-31", None);
        ds.goals.push(one.clone());
        ds.measurements.push(measurement(7, &one, "2026-01-05", 25.0));
        let p = goal_progress(&ds, one.id, "2026-01-25").unwrap();
        assert_eq!((p.latest, p.on_track, p.projected_date, p.progress), (Some(25.0), None, None, Some(0.5)));
        // Two on the same day still make no trend.
        ds.measurements.push(measurement(8, &one, "2026-01-05", 15.0));
        let p = goal_progress(&ds, one.id, "2026-01-25").unwrap();
        assert_eq!((p.latest, p.on_track, p.progress), (Some(15.0), None, Some(1.0)));

        let none = goal(4, LAB_A, FocusArea::Crime, GoalDirection::Up, 1.0, 2.0, "2026-12-31", None);
        ds.goals.push(none.clone());
        let p = goal_progress(&ds, none.id, "2026-01-25").unwrap();
        assert_eq!((p.latest, p.latest_date, p.on_track, p.progress), (None, None, None, None));
        assert!(p.points.is_empty());
        assert_eq!(goal_progress(&ds, Uuid::from_u128(999), "2026-01-25"), None);
    }

    #[test]
    fn automatic_goal_counts_finished_weeks_across_new_year() {
        let source = Some(GoalSource::VisitsPerWeek { meeting_place_id: PLACE_A });
        let g = goal(1, LAB_A, FocusArea::Crime, GoalDirection::Up, 2.0, 10.0, "2026-06-30", source);
        let mut ds = Dataset { goals: vec![g.clone()], ..Dataset::default() };
        ds.visits.extend(visits(0, 2, LAB_A, PLACE_A, "2025-12-23", Age13To15, false)); // 2025-W52
        ds.visits.extend(visits(10, 3, LAB_A, PLACE_A, "2025-12-30", Age13To15, false)); // 2026-W01
        ds.visits.extend(visits(20, 1, LAB_A, PLACE_A, "2026-01-02", Age6To12, true)); // 2026-W01
        ds.visits.extend(visits(30, 5, LAB_A, PLACE_A, "2026-01-12", Age6To12, true)); // this week: not over
        ds.visits.extend(visits(40, 7, LAB_A, PLACE_A2, "2026-01-06", Age6To12, true)); // another place
                                                                                        // 2026-W02 had no visits at the place: it counts 0.
        let p = goal_progress(&ds, g.id, "2026-01-14").unwrap();
        assert_eq!(p.points, points(&[("2025-12-22", 2.0), ("2025-12-29", 4.0), ("2026-01-05", 0.0)]));
        assert_eq!((p.latest, p.latest_date.as_deref()), (Some(0.0), Some("2026-01-05")));
        // y = 3 − x/7: moving away from 10.
        assert_eq!((p.on_track, p.projected_date.as_deref(), p.progress), (Some(false), None, Some(0.0)));
        // On the Monday, the week before is complete.
        let p = goal_progress(&ds, g.id, "2026-01-12").unwrap();
        assert_eq!(p.points.len(), 3);
        let p = goal_progress(&ds, g.id, "2026-01-19").unwrap();
        assert_eq!(p.points.last(), Some(&("2026-01-12".to_owned(), 5.0)));
    }

    #[test]
    fn overview_weeks_month_and_last_year() {
        let mut ds = Dataset {
            labs: vec![lab(LAB_A, "Lina Hage", &[FocusArea::Crime]), lab(LAB_B, "Boden", &[FocusArea::Crime])],
            ..Dataset::default()
        };
        // Today is Wednesday 2026-01-14, in 2026-W03 (Monday 12 January).
        for (date, n) in [
            ("2026-01-12", 2),
            ("2026-01-18", 1), // Sunday of this week
            ("2025-01-15", 4), // 2025-W03
            ("2025-12-14", 1), // 2025-W50: too early
            ("2025-12-16", 1), // 2025-W51
            ("2025-12-31", 2), // 2026-W01
            ("2026-01-11", 1), // 2026-W02 (Sunday)
        ] {
            let k = ds.visits.len() as u128;
            ds.visits.extend(visits(k, n, LAB_A, PLACE_A, date, Age13To15, false));
        }
        ds.visits.extend(visits(100, 9, LAB_B, PLACE_B, "2026-01-12", Age13To15, false));
        let (p1, p2) = (Uuid::from_u128(0x5_0001), Uuid::from_u128(0x5_0002));
        let mut a1 = activity(1, LAB_A, ActivityKind::Sport, "2026-01-03", &[(Age13To15, 6), (Age6To12, 2)]);
        a1.data.partner_ids = vec![p1, p2];
        let mut a2 = activity(2, LAB_A, ActivityKind::Art, "2026-01-31", &[(Age13To15, 3)]);
        a2.data.partner_ids = vec![p2];
        let mut a3 = activity(3, LAB_A, ActivityKind::Art, "2025-12-31", &[(Age13To15, 50)]);
        a3.data.partner_ids = vec![Uuid::from_u128(0x5_0003)];
        ds.activities = vec![a1, a2, a3];
        let g = goal(1, LAB_A, FocusArea::Crime, GoalDirection::Up, 1.0, 2.0, "2026-12-31", None);
        ds.goals = vec![g.clone()];

        let o = overview(&ds, &[LAB_A, LAB_C], "2026-01-14");
        assert_eq!(o.len(), 1, "only labs asked for and known");
        let o = &o[0];
        assert_eq!((o.lab_id, o.name.as_str(), o.city.as_str()), (LAB_A, "Lina Hage", "Södertälje"));
        assert_eq!(o.visits_this_week, 3);
        assert_eq!(o.visits_same_week_last_year, Some(4));
        let weeks: Vec<(&str, u64)> = o.visits_last_4_weeks.iter().map(|(w, n)| (w.as_str(), *n)).collect();
        assert_eq!(weeks, [("2025-W51", 1), ("2025-W52", 0), ("2026-W01", 2), ("2026-W02", 1)]);
        assert_eq!((o.activities_this_month, o.participants_this_month, o.partners_this_month), (2, 11, 2));
        assert_eq!(o.goals.len(), 1);
        assert_eq!(o.goals[0].goal_id, g.id);

        // Both labs, in the dataset's order whatever the order asked in.
        let ids: Vec<Uuid> = overview(&ds, &[LAB_B, LAB_A], "2026-01-14").iter().map(|o| o.lab_id).collect();
        assert_eq!(ids, [LAB_A, LAB_B]);
        assert!(overview(&ds, &[LAB_A], "14/1").is_empty());

        // 1 January 2021 lies in 2020-W53; 2019 had 52 weeks, so its last week is compared.
        ds.visits = visits(0, 3, LAB_A, PLACE_A, "2019-12-25", Age13To15, false);
        assert_eq!(overview(&ds, &[LAB_A], "2021-01-01")[0].visits_same_week_last_year, Some(3));
        // A lab that started counting after that week has no figure for it: not 0.
        ds.visits = visits(0, 3, LAB_A, PLACE_A, "2020-03-02", Age13To15, false);
        assert_eq!(overview(&ds, &[LAB_A], "2021-01-01")[0].visits_same_week_last_year, None);
        // Counting had started (a visit in the week's Sunday or before): a quiet week is 0.
        ds.visits = visits(0, 1, LAB_A, PLACE_A, "2019-12-29", Age13To15, false);
        assert_eq!(overview(&ds, &[LAB_A], "2021-01-01")[0].visits_same_week_last_year, Some(1));
        ds.visits = visits(0, 1, LAB_A, PLACE_A, "2019-11-29", Age13To15, false);
        assert_eq!(overview(&ds, &[LAB_A], "2021-01-01")[0].visits_same_week_last_year, Some(0));
    }

    /// A lab across New Year with two places, activities, partners, goals and polls.
    fn report_dataset() -> Dataset {
        let mut ds = Dataset {
            labs: vec![
                lab(LAB_A, "Lina Hage", &[FocusArea::Crime, FocusArea::SchoolResults]),
                lab(LAB_B, "Boden", &[FocusArea::PublicServices]),
            ],
            places: vec![
                place(PLACE_A, LAB_A, &[(2, "17:00", "21:00"), (4, "17:00", "21:00")], Some(500)),
                place(PLACE_A2, LAB_A, &[], None),
                place(PLACE_B, LAB_B, &[(1, "08:00", "20:00")], Some(10)),
            ],
            ..Dataset::default()
        };
        ds.visits = vec![
            visit(1, LAB_A, PLACE_A, "2026-12-22", "17:30", Age13To15, true),
            visit(2, LAB_A, PLACE_A, "2026-12-22", "18:10", Age6To12, false),
            visit(3, LAB_A, PLACE_A, "2026-12-29", "20:59", Age13To15, false),
            visit(4, LAB_A, PLACE_A, "2027-01-07", "17:00", Age13To15, true),
            visit(5, LAB_A, PLACE_A2, "2027-01-05", "10:00", Age26To64, false),
            visit(6, LAB_A, PLACE_A, "2026-12-20", "18:00", Age13To15, false), // before the period
            visit(7, LAB_A, PLACE_A, "2027-01-11", "18:00", Age13To15, false), // after it
            visit(8, LAB_B, PLACE_B, "2026-12-22", "18:00", Age13To15, false), // another lab
        ];
        let crime = goal(1, LAB_A, FocusArea::Crime, GoalDirection::Up, 1.0, 2.0, "2027-12-31", None);
        let school = goal(2, LAB_A, FocusArea::SchoolResults, GoalDirection::Up, 1.0, 2.0, "2027-12-31", None);
        let (pa, pb, pc) =
            (partner(1, LAB_A, "Röda korset"), partner(2, LAB_A, "Svenska kyrkan"), partner(3, LAB_A, "Bodens kommun"));
        let mut a1 = activity(1, LAB_A, ActivityKind::Sport, "2026-12-22", &[(Age13To15, 6), (Age6To12, 2)]);
        a1.data.partner_ids = vec![pa.id, pb.id];
        a1.data.goal_ids = vec![crime.id];
        a1.data.lessons_learned = "Fler tjejer kom när vi hade innebandy.".into();
        let mut a2 = activity(2, LAB_A, ActivityKind::OpenEvening, "2027-01-07", &[(Age13To15, 5)]);
        a2.data.partner_ids = vec![pa.id];
        a2.data.poll = Some(PollTally { question: PollQuestion::FeltSafe, yes: 4, maybe: 1, no: 0 });
        let mut a3 = activity(3, LAB_A, ActivityKind::Sport, "2027-01-08", &[(Age13To15, 3)]);
        a3.data.goal_ids = vec![crime.id, school.id];
        a3.data.lessons_learned = "  ".into();
        a3.data.poll = Some(PollTally { question: PollQuestion::WantToReturn, yes: 2, maybe: 1, no: 0 });
        let mut a4 = activity(4, LAB_A, ActivityKind::OpenEvening, "2027-01-09", &[(Age13To15, 4)]);
        a4.data.goal_ids = vec![Uuid::from_u128(0xdead)]; // a goal since deleted
        a4.data.partner_ids = vec![pc.id];
        a4.data.lessons_learned = "Snabbfrågan tar en minut.".into();
        a4.data.poll = Some(PollTally { question: PollQuestion::FeltSafe, yes: 3, maybe: 0, no: 1 });
        let a5 = activity(5, LAB_A, ActivityKind::Art, "2027-01-11", &[(Age13To15, 40)]); // after the period
        let a6 = activity(6, LAB_B, ActivityKind::Fika, "2027-01-05", &[(Age26To64, 9)]); // another lab
        ds.activities = vec![a1, a2, a3, a4, a5, a6];
        ds.goals = vec![crime, school];
        ds.partners = vec![pa, pb, pc];
        ds
    }

    #[test]
    fn lab_report_across_new_year() {
        let ds = report_dataset();
        // Monday 21 December 2026 to Sunday 10 January 2027: three whole ISO weeks.
        let period = Period::new("2026-12-21", "2027-01-10");
        let r = lab_report(&ds, LAB_A, &period, "2027-01-20").unwrap();
        assert_eq!((r.lab_id, r.name.as_str(), &r.period), (LAB_A, "Lina Hage", &period));
        assert_eq!((r.visits_total, r.first_visits, r.returning_visits), (5, 2, 3));
        assert_eq!(
            r.visits_per_week,
            vec![
                ("2026-W52".to_owned(), vec![(Age6To12, 1), (Age13To15, 1)]),
                ("2026-W53".to_owned(), vec![(Age13To15, 1)]),
                ("2027-W01".to_owned(), vec![(Age13To15, 1), (Age26To64, 1)]),
            ]
        );
        let mut heat = vec![vec![0u64; 24]; 7];
        heat[1][17] = 1; // Tue 22 Dec 17:30
        heat[1][18] = 1; // Tue 22 Dec 18:10
        heat[1][20] = 1; // Tue 29 Dec 20:59
        heat[3][17] = 1; // Thu 7 Jan 17:00
        heat[1][10] = 1; // Tue 5 Jan 10:00
        assert_eq!(r.heatmap, heat);
        assert_eq!(r.activities_by_kind, vec![(ActivityKind::Sport, 2), (ActivityKind::OpenEvening, 2)]);
        // a1 crime; a2 no goal → crime (the lab's first area); a3 both; a4 a deleted goal → crime.
        assert_eq!(r.activities_by_focus_area, vec![(FocusArea::SchoolResults, 1), (FocusArea::Crime, 4)]);
        assert_eq!(r.participants_per_month, vec![("2026-12".to_owned(), 8), ("2027-01".to_owned(), 12)]);
        let ranked: Vec<(&str, u64)> = r.partners_ranked.iter().map(|(_, n, c)| (n.as_str(), *c)).collect();
        assert_eq!(ranked, [("Röda korset", 2), ("Bodens kommun", 1), ("Svenska kyrkan", 1)]);
        assert_eq!(r.partners_ranked[0].0, Uuid::from_u128(0x5_0001));
        assert_eq!(
            r.lessons,
            vec![
                ("2027-01-09".into(), "Aktivitet 4".into(), "Snabbfrågan tar en minut.".into()),
                ("2026-12-22".into(), "Aktivitet 1".into(), "Fler tjejer kom när vi hade innebandy.".into()),
            ]
        );
        // Two 4-hour evenings a week for 3 weeks = 24 hours, with 4 visits at that place.
        assert_eq!(r.visits_per_opening_hour, Some(4.0 / 24.0));
        // 4 visits at the place with 500 residents in its target group.
        assert_eq!(r.reach_per_1000, Some(8.0));
        assert_eq!(
            r.poll_tallies,
            vec![
                ("2027-01".to_owned(), PollQuestion::FeltSafe, 7, 1, 1),
                ("2027-01".to_owned(), PollQuestion::WantToReturn, 2, 1, 0),
            ]
        );
        let goal_ids: Vec<Uuid> = r.goals.iter().map(|g| g.goal_id).collect();
        assert_eq!(goal_ids, [Uuid::from_u128(0x3_0001), Uuid::from_u128(0x3_0002)]);

        // A period of a few days inside a week: the week is listed, opening hours count those days.
        let r = lab_report(&ds, LAB_A, &Period::new("2026-12-22", "2026-12-23"), "2027-01-20").unwrap();
        assert_eq!(r.visits_per_week, vec![("2026-W52".to_owned(), vec![(Age6To12, 1), (Age13To15, 1)])]);
        assert_eq!(r.visits_per_opening_hour, Some(0.5), "2 visits in Tuesday's 4 hours");
        assert_eq!(r.participants_per_month, vec![("2026-12".to_owned(), 8)]);
        assert!(r.poll_tallies.is_empty());

        // The one visit of Tuesday 5 January was at the place without opening hours or catchment.
        let r = lab_report(&ds, LAB_A, &Period::new("2027-01-05", "2027-01-05"), "2027-01-20").unwrap();
        assert_eq!(r.visits_total, 1);
        assert_eq!((r.visits_per_opening_hour, r.reach_per_1000), (Some(0.0), Some(0.0)));
        // No opening hours, no catchment: no rates.
        let mut bare = ds.clone();
        bare.places.retain(|p| p.id == PLACE_A2);
        let r = lab_report(&bare, LAB_A, &period, "2027-01-20").unwrap();
        assert_eq!((r.visits_per_opening_hour, r.reach_per_1000), (None, None));

        assert_eq!(lab_report(&ds, LAB_C, &period, "2027-01-20"), None);
        assert_eq!(lab_report(&ds, LAB_A, &Period::new("2027-01-10", "2026-12-21"), "2027-01-20"), None);
    }

    #[test]
    fn report_does_not_depend_on_record_order() {
        let ds = report_dataset();
        let period = Period::new("2026-12-01", "2027-01-31");
        let mut reversed = ds.clone();
        reversed.visits.reverse();
        reversed.activities.reverse();
        reversed.partners.reverse();
        reversed.goals.reverse();
        reversed.labs.reverse();
        reversed.sort();
        assert_eq!(lab_report(&ds, LAB_A, &period, "2027-02-01"), lab_report(&reversed, LAB_A, &period, "2027-02-01"));
    }

    #[test]
    fn heat_map_hours_follow_summer_time() {
        let mut ds = Dataset { labs: vec![lab(LAB_A, "A", &[FocusArea::Crime])], ..Dataset::default() };
        let h = 3_600_000;
        let utc = |date: &str, minutes: i64| calendar::day_of(date).unwrap() * calendar::DAY_MS + minutes * 60_000;
        ds.visits = vec![
            // Sunday 29 March 2026: clocks go from 02:00 CET to 03:00 CEST at 01:00 UTC.
            visit_at(1, LAB_A, PLACE_A, "2026-03-29", utc("2026-03-29", 30), Age13To15, false), // 01:30 CET
            visit_at(2, LAB_A, PLACE_A, "2026-03-29", utc("2026-03-29", 90), Age13To15, false), // 03:30 CEST
            // Sunday 25 October 2026: 03:00 CEST becomes 02:00 CET at 01:00 UTC; 02:30 happens twice.
            visit_at(3, LAB_A, PLACE_A, "2026-10-25", utc("2026-10-25", 30), Age13To15, false),
            visit_at(4, LAB_A, PLACE_A, "2026-10-25", utc("2026-10-25", 90), Age13To15, false),
            // Tuesday 16 June, 15:30 UTC is 17:30 CEST; Tuesday 15 December, 16:30 UTC is 17:30 CET.
            visit_at(5, LAB_A, PLACE_A, "2026-06-16", utc("2026-06-16", 15 * 60 + 30), Age13To15, false),
            visit_at(6, LAB_A, PLACE_A, "2026-12-15", utc("2026-12-15", 16 * 60 + 30), Age13To15, false),
            // 23:30 UTC on New Year's Eve is 00:30 on Friday 1 January 2027.
            visit_at(7, LAB_A, PLACE_A, "2027-01-01", utc("2026-12-31", 23 * 60 + 30), Age13To15, false),
        ];
        assert_eq!(h, 3_600_000);
        let r = lab_report(&ds, LAB_A, &Period::new("2026-01-01", "2027-01-31"), "2027-02-01").unwrap();
        let mut heat = vec![vec![0u64; 24]; 7];
        heat[6][1] = 1;
        heat[6][3] = 1;
        heat[6][2] = 2;
        heat[1][17] = 2;
        heat[4][0] = 1;
        assert_eq!(r.heatmap, heat);
    }

    fn compare_dataset() -> Dataset {
        let mut ds = Dataset {
            labs: vec![
                lab(LAB_A, "Lina Hage", &[FocusArea::Crime, FocusArea::SchoolResults]),
                lab(LAB_B, "Portalen", &[FocusArea::LongTermUnemployment]),
            ],
            ..Dataset::default()
        };
        ds.visits.extend(visits(0, 5, LAB_A, PLACE_A, "2026-02-03", Age13To15, false));
        ds.visits.extend(visits(10, 2, LAB_A, PLACE_A, "2026-02-05", Age6To12, true));
        ds.visits.extend(visits(20, 6, LAB_A, PLACE_A, "2026-03-01", Age6To12, true)); // after the period
        ds.visits.extend(visits(30, 3, LAB_B, PLACE_B, "2026-02-10", Age26To64, false));
        let p = partner(1, LAB_A, "Röda korset");
        let mut a1 = activity(1, LAB_A, ActivityKind::Sport, "2026-02-03", &[(Age13To15, 3)]);
        a1.data.staff_hours = 2.5;
        a1.data.volunteer_hours = 0.5;
        a1.data.partner_ids = vec![p.id];
        let mut a2 = activity(2, LAB_A, ActivityKind::Art, "2026-02-05", &[(Age13To15, 6), (Age6To12, 4)]);
        a2.data.staff_hours = 1.0;
        a2.data.partner_ids = vec![p.id];
        ds.activities = vec![a1, a2];
        ds.partners = vec![p];
        let on = goal(1, LAB_A, FocusArea::Crime, GoalDirection::Up, 0.0, 10.0, "2026-12-31", None);
        let one = goal(2, LAB_A, FocusArea::Crime, GoalDirection::Up, 0.0, 10.0, "2026-12-31", None);
        ds.measurements = vec![
            measurement(1, &on, "2026-01-01", 1.0),
            measurement(2, &on, "2026-02-01", 4.0),
            measurement(3, &one, "2026-02-01", 4.0),
        ];
        ds.goals = vec![on, one];
        ds
    }

    #[test]
    fn comparison_is_exact_or_protected_by_cell_keys() {
        use crate::disclosure::perturb;
        let ds = compare_dataset();
        let period = Period::new("2026-02-01", "2026-02-28");
        let exact = ComparisonRow {
            lab_id: LAB_A,
            name: "Lina Hage".into(),
            focus_areas: vec![FocusArea::Crime, FocusArea::SchoolResults],
            visits: 7,
            first_visits: 2,
            activities: 2,
            participants: 13,
            partners: 1,
            staff_hours: 3.5,
            volunteer_hours: 0.5,
            goals_on_track: 1,
            goals_assessed: 1,
        };
        let b_exact = ComparisonRow {
            lab_id: LAB_B,
            name: "Portalen".into(),
            focus_areas: vec![FocusArea::LongTermUnemployment],
            visits: 3,
            first_visits: 0,
            activities: 0,
            participants: 0,
            partners: 0,
            staff_hours: 0.0,
            volunteer_hours: 0.0,
            goals_on_track: 0,
            goals_assessed: 0,
        };
        let rows = compare(&ds, &[LAB_A, LAB_B], &period, None, Disclosure::Exact, "2026-03-02");
        assert_eq!(rows, vec![exact.clone(), b_exact.clone()]);

        // Protected: each count is its records' cell key through the table;
        // partners, hours and goals describe no one and stay exact.
        let rows = compare(&ds, &[LAB_A, LAB_B], &period, None, Disclosure::Protected, "2026-03-02");
        let a = ComparisonRow {
            visits: perturb(7, visit_keys((0..5).chain(10..12)), Measure::Visits),
            first_visits: perturb(2, visit_keys(10..12), Measure::FirstVisits),
            activities: perturb(2, activity_keys([1, 2]), Measure::Activities),
            participants: perturb(13, activity_keys([1, 2]), Measure::Participants),
            ..exact.clone()
        };
        let b = ComparisonRow { visits: perturb(3, visit_keys(30..33), Measure::Visits), ..b_exact };
        assert_eq!(rows, vec![a.clone(), b.clone()]);
        for r in &rows {
            for n in [r.visits, r.first_visits, r.activities, r.participants] {
                assert!(n != 1 && n != 2, "{r:?}");
            }
        }
        // The same question twice, the same answer.
        assert_eq!(compare(&ds, &[LAB_A, LAB_B], &period, None, Disclosure::Protected, "2026-03-02"), rows);

        // The total is a cell of its own: all nine visits' keys, partners once.
        let total = comparison_total(&ds, &[LAB_A, LAB_B], &period, None, Disclosure::Protected, "2026-03-02");
        assert_eq!(total.lab_id, Uuid::nil());
        assert_eq!(total.visits, perturb(10, visit_keys((0..5).chain(10..12).chain(30..33)), Measure::Visits));
        assert_eq!((total.partners, total.staff_hours, total.goals_assessed), (1, 3.5, 1));
        let exact_total = comparison_total(&ds, &[LAB_A, LAB_B], &period, None, Disclosure::Exact, "2026-03-02");
        assert_eq!((exact_total.visits, exact_total.first_visits, exact_total.participants), (10, 2, 13));

        let crime = compare(&ds, &[LAB_A, LAB_B], &period, Some(FocusArea::Crime), Disclosure::Exact, "2026-03-02");
        assert_eq!(crime, vec![exact]);
        assert!(compare(&ds, &[LAB_B], &period, Some(FocusArea::Crime), Disclosure::Protected, "2026-03-02").is_empty());
        assert!(compare(&ds, &[LAB_A], &Period::new("x", "y"), None, Disclosure::Protected, "2026-03-02").is_empty());
    }

    #[test]
    fn csv_for_swedish_excel() {
        let out = csv(
            &["Labb", "Not;er"],
            &[vec!["1,5".into(), "säger \"hej\"".into()], vec!["två\nrader".into(), String::new()]],
        );
        assert_eq!(&out.as_bytes()[..3], [0xEF, 0xBB, 0xBF], "UTF-8 byte order mark");
        assert_eq!(out, "\u{feff}Labb;\"Not;er\"\r\n1,5;\"säger \"\"hej\"\"\"\r\n\"två\nrader\";\r\n");
        assert_eq!(csv(&["a"], &[]), "\u{feff}a\r\n");
        // Formulas stay text; negative numbers stay numbers.
        let row = ["=HYPERLINK(\"x\")", "+1", "@SUM(A1)", "-cmd", "-1,5", "-", "Ung=glad"].map(String::from).to_vec();
        assert_eq!(
            csv(&["a"], &[row]),
            "\u{feff}a\r\n\"'=HYPERLINK(\"\"x\"\")\";'+1;'@SUM(A1);'-cmd;-1,5;'-;Ung=glad\r\n"
        );

        assert_eq!(decimal_sv(2.5, 1), "2,5");
        assert_eq!(decimal_sv(2.0, 0), "2");
        assert_eq!(decimal_sv(1234.567, 2), "1234,57");
        assert_eq!(decimal_sv(-1.26, 1), "-1,3");
        assert_eq!(decimal_sv(-0.04, 1), "0,0");
        assert_eq!(decimal_sv(f64::NAN, 1), "");

        let ds = compare_dataset();
        let rows = compare(
            &ds,
            &[LAB_A, LAB_B],
            &Period::new("2026-02-01", "2026-02-28"),
            None,
            Disclosure::Exact,
            "2026-03-02",
        );
        assert_eq!(
            comparison_csv(&rows, Disclosure::Exact),
            format!(
                "\u{feff}Labb;Fokusområden;Besök;Förstagångsbesök;Aktiviteter;Deltagare;Samverkanspartner;Personaltimmar;Volontärtimmar;Mål i fas;Mål bedömda\r\n\
                 Lina Hage;Bekämpa brottsligheten, Lyfta skolorna och elevernas resultat;7;2;2;13;1;3,5;0,5;1;1\r\n\
                 Portalen;Minska långtidsarbetslösheten;3;0;0;0;0;0,0;0,0;0;0\r\n\
                 {EXACT_NOTE}\r\n"
            )
        );
        let protected = comparison_csv(&rows, Disclosure::Protected);
        assert!(
            protected.ends_with(&format!("\r\n\"{PROTECTED_NOTE}\"\r\n"))
                || protected.ends_with(&format!("\r\n{PROTECTED_NOTE}\r\n")),
            "{protected}"
        );
    }

    #[test]
    fn research_export_is_anonymous_and_protected() {
        use crate::disclosure::perturb;
        let mut ds = Dataset {
            labs: vec![lab(LAB_A, "Lina Hage", &[FocusArea::Crime]), lab(LAB_B, "Boden", &[FocusArea::Crime])],
            ..Dataset::default()
        };
        ds.visits.extend(visits(0, 5, LAB_A, PLACE_A, "2026-12-29", Age13To15, false)); // 2026-W53
        ds.visits.extend(visits(10, 1, LAB_A, PLACE_A, "2027-01-02", Age13To15, true)); // 2026-W53
        ds.visits.extend(visits(20, 2, LAB_A, PLACE_A, "2026-12-31", Age6To12, false)); // 2026-W53
        ds.visits.extend(visits(30, 7, LAB_A, PLACE_A, "2027-01-05", Age6To12, true)); // 2027-W01
        ds.visits.extend(visits(40, 9, LAB_B, PLACE_B, "2027-01-05", Age6To12, true)); // not asked for
        let mut a = activity(1, LAB_A, ActivityKind::Sport, "2027-01-01", &[(Age13To15, 8)]);
        a.data.notes = "Ali och Sara kom".into();
        a.data.lessons_learned = "Fritext".into();
        ds.activities = vec![a];
        let rows = research_export(&ds, &[LAB_A], &Period::new("2026-12-28", "2027-01-10"));
        let row = |week: &str, band: Option<AgeBand>, kind: Option<ActivityKind>, v: u64, f: u64, a: u64, p: u64| {
            ResearchRow {
                lab: "Lina Hage".into(),
                week: week.into(),
                age_band: band,
                activity_kind: kind,
                visits: v,
                first_visits: f,
                activities: a,
                participants: p,
            }
        };
        let (v, f) = (Measure::Visits, Measure::FirstVisits);
        let expected: Vec<ResearchRow> = [
            row("2026-W53", Some(Age6To12), None, perturb(2, visit_keys(20..22), v), 0, 0, 0),
            row(
                "2026-W53",
                Some(Age13To15),
                None,
                perturb(6, visit_keys((0..5).chain([10])), v),
                perturb(1, visit_keys([10]), f),
                0,
                0,
            ),
            row(
                "2026-W53",
                None,
                Some(ActivityKind::Sport),
                0,
                0,
                perturb(1, activity_keys([1]), Measure::Activities),
                perturb(8, activity_keys([1]), Measure::Participants),
            ),
            row(
                "2027-W01",
                Some(Age6To12),
                None,
                perturb(7, visit_keys(30..37), v),
                perturb(7, visit_keys(30..37), f),
                0,
                0,
            ),
        ]
        .into_iter()
        // Rows whose published counts are all 0 are left out.
        .filter(|r| r.visits + r.first_visits + r.activities + r.participants > 0)
        .collect();
        assert_eq!(rows, expected);
        assert!(rows
            .iter()
            .all(|r| [r.visits, r.first_visits, r.activities, r.participants].iter().all(|&n| n != 1 && n != 2)));
        // No ids, no free text.
        let json = serde_json::to_string(&rows).unwrap();
        assert!(!json.contains("Ali") && !json.contains("Fritext") && !json.contains("0000-0000"), "{json}");
        let text = research_csv(&rows);
        assert!(text.starts_with(
            "\u{feff}Labb;Vecka;Åldersgrupp;Aktivitetstyp;Besök;Förstagångsbesök;Aktiviteter;Deltagare\r\n"
        ));
        let last = rows.last().unwrap();
        assert!(
            text.contains(&format!("\r\nLina Hage;2027-W01;6–12 år;;{};{};;\r\n", last.visits, last.first_visits)),
            "{text}"
        );
        assert!(text.ends_with(&format!("{PROTECTED_NOTE}\r\n")), "the method stated in a note line: {text}");
        assert!(research_export(&ds, &[LAB_A], &Period::new("2027-01-10", "2026-12-28")).is_empty());
    }

    #[test]
    fn genders_do_not_change_counts() {
        let mut ds = Dataset { labs: vec![lab(LAB_A, "A", &[FocusArea::Crime])], ..Dataset::default() };
        let mut v = visit_record(1, LAB_A, PLACE_A, "2026-05-05", "18:00", Age13To15, true);
        v.data.gender = Some(Gender::Girl);
        ds.visits = vec![tally(&v)];
        let r = lab_report(&ds, LAB_A, &Period::new("2026-05-01", "2026-05-31"), "2026-06-01").unwrap();
        assert_eq!((r.visits_total, r.first_visits), (1, 1));
    }

    #[test]
    fn csv_neutralises_every_formula_start() {
        // OWASP: =, +, -, @, tab and carriage return; each gets a leading apostrophe.
        let cells = ["=1+1", "+1+1", "-1+1+cmd|' /C calc'!A0", "@SUM(A1)", "\tx", "\rx"];
        for cell in cells {
            assert!(formula_like(cell), "{cell:?}");
            let out = csv(&["a"], &[vec![cell.to_owned()]]);
            let body = out.strip_prefix("\u{feff}a\r\n").unwrap();
            assert!(body.starts_with("'") || body.starts_with("\"'"), "{cell:?} was written as {body:?}");
        }
        // Numbers stay numbers; text that merely contains a sign stays as it is.
        for cell in ["-1", "-1,5", "-0.25", "12", "Ung=glad", "", "1-2"] {
            assert!(!formula_like(cell), "{cell:?}");
        }
        for cell in ["-", "-,5", "-1,", "-1,5,5", "-1e5", "+1"] {
            assert!(formula_like(cell), "{cell:?}");
        }
    }

    fn source_goal(n: u128, source: GoalSource, baseline_date: Option<&str>) -> Rec<Goal> {
        let mut g = goal(n, LAB_A, FocusArea::Crime, GoalDirection::Up, 1.0, 3.0, "2026-12-31", Some(source));
        g.data.baseline_date = baseline_date.map(Into::into);
        g
    }

    fn timed(mut a: Rec<Activity>, start: &str, end: &str) -> Rec<Activity> {
        a.data.start_time = Some(start.into());
        a.data.end_time = Some(end.into());
        a
    }

    #[test]
    fn visit_goals_per_week_or_month_place_or_lab_band_and_first_visits() {
        let mut ds = Dataset::default();
        // 2026-01-05 and 2026-01-19 are Mondays; today, 4 February, is in the week of Monday 2 February.
        ds.visits.extend(visits(0, 3, LAB_A, PLACE_A, "2026-01-06", Age13To15, false));
        ds.visits.extend(visits(10, 2, LAB_A, PLACE_A, "2026-01-06", Age13To15, true));
        ds.visits.extend(visits(20, 1, LAB_A, PLACE_A, "2026-01-06", Age6To12, true));
        ds.visits.extend(visits(30, 4, LAB_A, PLACE_A2, "2026-01-07", Age26To64, true));
        ds.visits.extend(visits(40, 5, LAB_A, PLACE_A, "2026-01-20", Age13To15, false));
        ds.visits.extend(visits(50, 2, LAB_A, PLACE_A, "2026-02-03", Age13To15, true));
        ds.visits.extend(visits(60, 7, LAB_B, PLACE_B, "2026-01-06", Age13To15, true)); // another lab
        let at_place = source_goal(
            1,
            GoalSource::Visits {
                meeting_place_id: Some(PLACE_A),
                per: GoalPeriod::Week,
                first_only: false,
                age_band: None,
                gender: None,
            },
            None,
        );
        let new_per_month = source_goal(
            2,
            GoalSource::Visits {
                meeting_place_id: None,
                per: GoalPeriod::Month,
                first_only: true,
                age_band: None,
                gender: None,
            },
            None,
        );
        let band_since = source_goal(
            3,
            GoalSource::Visits {
                meeting_place_id: None,
                per: GoalPeriod::Week,
                first_only: false,
                age_band: Some(Age13To15),
                gender: None,
            },
            Some("2026-01-14"),
        );
        let old_kind = source_goal(4, GoalSource::VisitsPerWeek { meeting_place_id: PLACE_A }, Some("2026-01-14"));
        ds.goals = vec![at_place.clone(), new_per_month.clone(), band_since.clone(), old_kind.clone()];
        let today = "2026-02-04";

        // Place A per week: 6, 0, 5, 0 in the finished weeks; 2 so far this week.
        let p = goal_progress(&ds, at_place.id, today).unwrap();
        assert_eq!(
            p.points,
            points(&[("2026-01-05", 6.0), ("2026-01-12", 0.0), ("2026-01-19", 5.0), ("2026-01-26", 0.0)])
        );
        assert_eq!(p.running, Some(("2026-02-02".to_owned(), 2.0)));
        assert_eq!((p.latest, p.latest_date.as_deref()), (Some(0.0), Some("2026-01-26")));
        // The first source at the same place gives the same weeks (it ignores the baseline date).
        let q = goal_progress(&ds, old_kind.id, today).unwrap();
        assert_eq!((q.points, q.running), (p.points.clone(), p.running.clone()));

        // First visits in the whole lab per month: 2 + 1 + 4 in January, 2 so far in February.
        let p = goal_progress(&ds, new_per_month.id, today).unwrap();
        assert_eq!(p.points, points(&[("2026-01-01", 7.0)]));
        assert_eq!(p.running, Some(("2026-02-01".to_owned(), 2.0)));
        assert_eq!((p.latest, p.on_track, p.trend_line.clone()), (Some(7.0), None, None), "one point: no trend");

        // 13–15 year olds in the whole lab per week, from the baseline's week (12 January).
        let p = goal_progress(&ds, band_since.id, today).unwrap();
        assert_eq!(p.points, points(&[("2026-01-12", 0.0), ("2026-01-19", 5.0), ("2026-01-26", 0.0)]));
        assert_eq!(p.running, Some(("2026-02-02".to_owned(), 2.0)));

        // A goal whose place has no visits yet: nothing, not zeros.
        let empty = source_goal(
            5,
            GoalSource::Visits {
                meeting_place_id: Some(Uuid::from_u128(0xE)),
                per: GoalPeriod::Week,
                first_only: false,
                age_band: None,
                gender: None,
            },
            None,
        );
        ds.goals.push(empty.clone());
        let p = goal_progress(&ds, empty.id, today).unwrap();
        assert_eq!((p.points.len(), p.running, p.latest), (0, None, None));
        // Counted only this week: the running week, no finished one yet.
        let p = goal_progress(&ds, at_place.id, "2026-01-07").unwrap();
        assert_eq!((p.points.len(), p.running), (0, Some(("2026-01-05".to_owned(), 6.0))));
    }

    #[test]
    fn a_visit_goal_may_count_one_gender() {
        let mut ds = Dataset::default();
        let noted = |mut tallies: Vec<VisitTally>, gender: Gender| {
            for t in &mut tallies {
                t.key.gender = Some(gender);
            }
            tallies
        };
        ds.visits.extend(noted(visits(0, 4, LAB_A, PLACE_A, "2026-01-06", Age13To15, false), Gender::Girl));
        ds.visits.extend(noted(visits(10, 3, LAB_A, PLACE_A, "2026-01-07", Age13To15, true), Gender::Boy));
        ds.visits.extend(noted(visits(20, 2, LAB_A, PLACE_A2, "2026-01-20", Age6To12, false), Gender::Girl));
        ds.visits.extend(visits(30, 5, LAB_A, PLACE_A, "2026-01-21", Age13To15, false)); // no gender noted
        ds.visits.extend(noted(visits(40, 1, LAB_A, PLACE_A, "2026-02-03", Age13To15, true), Gender::Girl));
        ds.visits.extend(noted(visits(50, 6, LAB_B, PLACE_B, "2026-01-06", Age13To15, false), Gender::Girl)); // another lab
        let source = |place, band, gender, first_only| GoalSource::Visits {
            meeting_place_id: place,
            per: GoalPeriod::Month,
            first_only,
            age_band: band,
            gender,
        };
        let girls = source_goal(1, source(None, None, Some(Gender::Girl), false), None);
        let girls_13_at_a = source_goal(2, source(Some(PLACE_A), Some(Age13To15), Some(Gender::Girl), false), None);
        let everyone = source_goal(3, source(None, None, None, false), None);
        let boys_first = source_goal(4, source(None, None, Some(Gender::Boy), true), None);
        ds.goals = vec![girls.clone(), girls_13_at_a.clone(), everyone.clone(), boys_first.clone()];
        let today = "2026-02-04";
        let month = |goal: &Rec<Goal>| {
            let p = goal_progress(&ds, goal.id, today).unwrap();
            (p.points.iter().map(|p| p.1).collect::<Vec<_>>(), p.running.map(|r| r.1))
        };
        // Girls in the lab: 4 + 2 in January, 1 so far in February (the other lab's 6 are not counted).
        assert_eq!(month(&girls), (vec![6.0], Some(1.0)));
        // Girls 13–15 at place A: the 4 of 6 January.
        assert_eq!(month(&girls_13_at_a), (vec![4.0], Some(1.0)));
        // Everyone, gender noted or not: 4 + 3 + 2 + 5.
        assert_eq!(month(&everyone), (vec![14.0], Some(1.0)));
        // Boys' first visits: the 3 of 7 January; none in February (a running month of 0).
        assert_eq!(month(&boys_first).0, vec![3.0]);
    }

    #[test]
    fn activity_goals_count_activities_participants_and_participant_hours_per_month() {
        let mut ds = Dataset {
            activities: vec![
                timed(
                    activity(1, LAB_A, ActivityKind::Course, "2026-01-10", &[(Age13To15, 6), (Age6To12, 2)]),
                    "18:00",
                    "20:00",
                ),
                timed(activity(2, LAB_A, ActivityKind::Course, "2026-01-24", &[(Age13To15, 4)]), "17:30", "19:00"),
                activity(3, LAB_A, ActivityKind::Workshop, "2026-01-15", &[(Age26To64, 10)]), // no times: no hours
                timed(activity(4, LAB_A, ActivityKind::Course, "2026-02-02", &[(Age26To64, 3)]), "10:00", "12:00"),
                timed(activity(5, LAB_A, ActivityKind::Course, "2025-11-20", &[(Age26To64, 1)]), "09:00", "10:00"),
                timed(activity(6, LAB_A, ActivityKind::Fika, "2026-01-12", &[(Age26To64, 5)]), "09:00", "10:00"),
                timed(activity(7, LAB_B, ActivityKind::Course, "2026-01-10", &[(Age26To64, 9)]), "09:00", "10:00"), // another lab
            ],
            ..Dataset::default()
        };
        let courses = source_goal(
            1,
            GoalSource::Activities { kinds: vec![ActivityKind::Course], measure: ActivityMeasure::Activities },
            None,
        );
        let people =
            source_goal(2, GoalSource::Activities { kinds: vec![], measure: ActivityMeasure::Participants }, None);
        let hours = source_goal(
            3,
            GoalSource::Activities {
                kinds: vec![ActivityKind::Course, ActivityKind::Workshop],
                measure: ActivityMeasure::ParticipantHours,
            },
            None,
        );
        ds.goals = vec![courses.clone(), people.clone(), hours.clone()];
        let today = "2026-02-04";

        // November 1 course, December none (0), January 2; 1 so far in February.
        let p = goal_progress(&ds, courses.id, today).unwrap();
        assert_eq!(p.points, points(&[("2025-11-01", 1.0), ("2025-12-01", 0.0), ("2026-01-01", 2.0)]));
        assert_eq!(p.running, Some(("2026-02-01".to_owned(), 1.0)));
        // Every kind: January 8 + 4 + 10 + 5.
        let p = goal_progress(&ds, people.id, today).unwrap();
        assert_eq!(p.points, points(&[("2025-11-01", 1.0), ("2025-12-01", 0.0), ("2026-01-01", 27.0)]));
        assert_eq!(p.running, Some(("2026-02-01".to_owned(), 3.0)));
        // Participant-hours: January 8 × 2 h + 4 × 1.5 h + 10 × 0 h (no times); February 3 × 2 h.
        let p = goal_progress(&ds, hours.id, today).unwrap();
        assert_eq!(p.points, points(&[("2025-11-01", 1.0), ("2025-12-01", 0.0), ("2026-01-01", 22.0)]));
        assert_eq!(p.running, Some(("2026-02-01".to_owned(), 6.0)));
        assert_eq!(activity_hours(&ds.activities[1].data), 1.5);
        assert_eq!(activity_hours(&ds.activities[2].data), 0.0);
    }

    #[test]
    fn poll_share_goal_per_month_without_answers_is_no_value() {
        let poll = |n, date: &str, question, yes, maybe, no| {
            let mut a = activity(n, LAB_A, ActivityKind::OpenEvening, date, &[(Age13To15, 10)]);
            a.data.poll = Some(PollTally { question, yes, maybe, no });
            a
        };
        let mut ds = Dataset {
            activities: vec![
                poll(1, "2026-01-08", PollQuestion::FeltSafe, 4, 1, 0),
                poll(2, "2026-01-22", PollQuestion::FeltSafe, 2, 1, 2),
                poll(3, "2026-01-15", PollQuestion::WantToReturn, 5, 0, 0), // another question
                poll(4, "2025-12-10", PollQuestion::FeltSafe, 1, 0, 1),
                poll(5, "2026-02-03", PollQuestion::FeltSafe, 3, 0, 0),
                poll(6, "2025-10-05", PollQuestion::FeltSafe, 0, 0, 0), // nobody answered
            ],
            ..Dataset::default()
        };
        let mut yes =
            source_goal(1, GoalSource::PollShare { question: PollQuestion::FeltSafe, include_maybe: false }, None);
        yes.data.baseline = 50.0;
        yes.data.target = 90.0;
        yes.data.target_date = "2026-06-30".into();
        let mut yes_or_maybe = yes.clone();
        yes_or_maybe.id = Uuid::from_u128(0x3_0002);
        yes_or_maybe.data.source =
            Some(GoalSource::PollShare { question: PollQuestion::FeltSafe, include_maybe: true });
        ds.goals = vec![yes.clone(), yes_or_maybe.clone()];
        let today = "2026-02-04";

        // December 1 of 2 = 50 %; January 6 of 10 = 60 %; November had no poll and is no value.
        let p = goal_progress(&ds, yes.id, today).unwrap();
        assert_eq!(p.points, points(&[("2025-12-01", 50.0), ("2026-01-01", 60.0)]));
        assert_eq!(p.running, Some(("2026-02-01".to_owned(), 100.0)));
        // +10 points in the 31 days from 1 December: 90 % is reached 124 days after it,
        // and 30 June (211 days after) is projected at 50 + 211 × 10/31.
        assert_eq!(p.on_track, Some(true));
        assert_eq!(p.projected_date.as_deref(), Some("2026-04-04"));
        let line = p.trend_line.clone().unwrap();
        assert_eq!(line[0], ("2025-12-01".to_owned(), 50.0));
        assert_eq!(line[1].0, "2026-06-30");
        assert!((line[1].1 - (50.0 + 211.0 * 10.0 / 31.0)).abs() < 1e-9, "{line:?}");
        assert_eq!(p.progress, Some(0.25), "60 is a quarter of the way from 50 to 90");
        // With "maybe": January (6 + 2) of 10.
        let p = goal_progress(&ds, yes_or_maybe.id, today).unwrap();
        assert_eq!(p.points, points(&[("2025-12-01", 50.0), ("2026-01-01", 80.0)]));
    }

    #[test]
    fn manual_goals_on_a_schedule_list_the_periods_without_a_measurement() {
        let mut monthly =
            goal(1, LAB_A, FocusArea::LongTermUnemployment, GoalDirection::Up, 1.0, 5.0, "2026-12-31", None);
        monthly.data.schedule = Some(MeasureSchedule::Monthly);
        monthly.data.baseline_date = Some("2025-10-15".into());
        let mut ds = Dataset { goals: vec![monthly.clone()], ..Dataset::default() };
        ds.measurements =
            vec![measurement(1, &monthly, "2025-11-03", 2.0), measurement(2, &monthly, "2026-01-31", 3.0)];
        let today = "2026-02-04";
        // After October (the baseline's month): November measured, December not, January measured; February is under way.
        assert_eq!(goal_progress(&ds, monthly.id, today).unwrap().missing, ["2025-12-01"]);
        // A measurement on the last day of December covers it.
        ds.measurements.push(measurement(3, &monthly, "2025-12-31", 2.5));
        assert!(goal_progress(&ds, monthly.id, today).unwrap().missing.is_empty());
        // Without a baseline date only the month before this one is owed.
        ds.goals[0].data.baseline_date = None;
        ds.measurements.retain(|m| m.data.date != "2026-01-31");
        assert_eq!(goal_progress(&ds, monthly.id, today).unwrap().missing, ["2026-01-01"]);
        // Retired, or without a schedule: no reminder.
        ds.goals[0].data.retired = true;
        assert!(goal_progress(&ds, monthly.id, today).unwrap().missing.is_empty());
        ds.goals[0].data.retired = false;
        ds.goals[0].data.schedule = None;
        assert!(goal_progress(&ds, monthly.id, today).unwrap().missing.is_empty());
        // A baseline in this month: nothing owed yet.
        ds.goals[0].data.schedule = Some(MeasureSchedule::Monthly);
        ds.goals[0].data.baseline_date = Some("2026-02-01".into());
        assert!(goal_progress(&ds, monthly.id, today).unwrap().missing.is_empty());
        // Two years unmeasured: the last twelve months are listed.
        ds.goals[0].data.baseline_date = Some("2024-01-01".into());
        ds.measurements.clear();
        let missing = goal_progress(&ds, monthly.id, today).unwrap().missing;
        assert_eq!(missing.len(), MAX_MISSING);
        assert_eq!((missing[0].as_str(), missing[11].as_str()), ("2025-02-01", "2026-01-01"));

        // Quarterly from a baseline in the first quarter of 2025: Q2, Q3 and Q4 are owed, Q3 measured.
        let mut quarterly = goal(2, LAB_A, FocusArea::Crime, GoalDirection::Down, 9.0, 5.0, "2026-12-31", None);
        quarterly.data.schedule = Some(MeasureSchedule::Quarterly);
        quarterly.data.baseline_date = Some("2025-03-31".into());
        ds.goals.push(quarterly.clone());
        ds.measurements = vec![measurement(4, &quarterly, "2025-08-15", 8.0)];
        assert_eq!(goal_progress(&ds, quarterly.id, today).unwrap().missing, ["2025-04-01", "2025-10-01"]);
        // Automatic goals never owe a measurement.
        let auto = source_goal(
            3,
            GoalSource::PollShare { question: PollQuestion::FeltSafe, include_maybe: false },
            Some("2025-01-01"),
        );
        ds.goals
            .push(Rec { data: Goal { schedule: Some(MeasureSchedule::Monthly), ..auto.data.clone() }, ..auto.clone() });
        assert!(goal_progress(&ds, auto.id, today).unwrap().missing.is_empty());
    }

    #[test]
    fn retired_goals_are_reported_but_not_steered_by() {
        let mut ds = Dataset {
            labs: vec![lab(LAB_A, "Lina Hage", &[FocusArea::Crime]), lab(LAB_B, "Boden", &[FocusArea::Crime])],
            ..Dataset::default()
        };
        let live = goal(1, LAB_A, FocusArea::Crime, GoalDirection::Up, 1.0, 2.0, "2026-12-31", None);
        let mut old = goal(2, LAB_A, FocusArea::Crime, GoalDirection::Up, 1.0, 2.0, "2026-12-31", None);
        old.data.retired = true;
        let other = goal(3, LAB_B, FocusArea::Crime, GoalDirection::Up, 1.0, 2.0, "2026-12-31", None);
        ds.goals = vec![live.clone(), old.clone(), other.clone()];
        let ids = |g: &[GoalProgress]| g.iter().map(|g| g.goal_id).collect::<Vec<_>>();
        assert_eq!(ids(&overview(&ds, &[LAB_A], "2026-02-04")[0].goals), [live.id]);
        let report = lab_report(&ds, LAB_A, &Period::new("2026-01-01", "2026-02-04"), "2026-02-04").unwrap();
        assert_eq!(ids(&report.goals), [live.id, old.id]);
        assert!(report.goals[1].retired);
        // The Goals screen: every goal, by lab.
        assert_eq!(ids(&goals(&ds, &[LAB_B, LAB_A], "2026-02-04")), [live.id, old.id, other.id]);
        assert_eq!(ids(&goals(&ds, &[LAB_B], "2026-02-04")), [other.id]);
    }

    #[test]
    fn merged_partners_count_once_under_the_partner_kept() {
        let mut ds = report_dataset();
        let period = Period::new("2026-12-21", "2027-01-10");
        // Svenska kyrkan (p2) was a duplicate of Röda korset's (p1) entry… and Bodens kommun (p3) of p2.
        ds.partners[1].data.merged_into = Some(ds.partners[0].id);
        ds.partners[2].data.merged_into = Some(ds.partners[1].id);
        let r = lab_report(&ds, LAB_A, &period, "2027-01-20").unwrap();
        // a1 names p1 and p2 (one partner now), a2 p1, a4 p3: three joint activities.
        let ranked: Vec<(&str, u64)> = r.partners_ranked.iter().map(|(_, n, c)| (n.as_str(), *c)).collect();
        assert_eq!(ranked, [("Röda korset", 3)]);
        // A merge into another lab's partner is not followed.
        let foreign = partner(9, LAB_B, "Annat labbs partner");
        ds.partners[0].data.merged_into = Some(foreign.id);
        ds.partners.push(foreign);
        let r = lab_report(&ds, LAB_A, &period, "2027-01-20").unwrap();
        assert_eq!(
            r.partners_ranked.iter().map(|(_, n, c)| (n.as_str(), *c)).collect::<Vec<_>>(),
            [("Röda korset", 3)]
        );
        let o = overview(&ds, &[LAB_A], "2027-01-08");
        assert_eq!(o[0].partners_this_month, 1, "January: a2 names p1, a4 p3, which counts as p1");
    }

    #[test]
    fn opening_hours_with_exceptions_and_retired_places_and_reach() {
        use crate::model::{OpeningException, TimeSpan};
        let mut ds = report_dataset();
        let period = Period::new("2026-12-21", "2027-01-10");
        // Six 4-hour evenings; closed 29–31 December (two of them); 7 January open 17–19 only.
        ds.places[0].data.exceptions = vec![
            OpeningException {
                from: "2026-12-29".into(),
                to: "2026-12-31".into(),
                spans: vec![],
                note: "Mellandagarna".into(),
            },
            OpeningException {
                from: "2027-01-07".into(),
                to: "2027-01-07".into(),
                spans: vec![TimeSpan { opens: "17:00".into(), closes: "19:00".into() }],
                note: String::new(),
            },
        ];
        let r = lab_report(&ds, LAB_A, &period, "2027-01-20").unwrap();
        assert_eq!(r.visits_per_opening_hour, Some(4.0 / 14.0), "4 visits in 24 − 8 − 2 hours");
        // Two first visits at the place with 500 residents in its target group: 4 per 1,000.
        assert_eq!((r.reach_per_1000, r.first_visitors_per_1000), (Some(8.0), Some(4.0)));
        // Retired after its visit of 29 December: its hours count up to that day (Tue 22, Thu 24, Tue 29).
        ds.places[0].data.exceptions.clear();
        ds.places[0].data.retired = true;
        ds.visits.retain(|v| v.key.place_id != PLACE_A || v.key.day <= calendar::day_of("2026-12-29").unwrap());
        let r = lab_report(&ds, LAB_A, &period, "2027-01-20").unwrap();
        assert_eq!(r.visits_per_opening_hour, Some(3.0 / 12.0));
    }
}
