//! The records labblogg keeps. Visitors are never named: a visit is an
//! anonymous event with an age band, an optional gender and a first-visit flag.
//!
//! Each record travels inside a [`crate::sync::Change`] envelope that carries
//! its id (client-generated UUIDv7) and the one lab it belongs to; the structs
//! here are the record's fields. Serialized names are stable: renaming one is
//! a schema migration (see docs/SYNC.md).

use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// Which kind of record a change is about.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RecordKind {
    Lab,
    MeetingPlace,
    Visit,
    Goal,
    GoalMeasurement,
    Partner,
    Activity,
    /// A good example in the shared knowledge base (`knowledge.rs`).
    GoodExample,
    /// A lesson learned, promoted to the knowledge base.
    Lesson,
    /// A lab's month approved (and so locked) or re-opened (`approval.rs`).
    MonthApproval,
    /// A question the lab asks when closing an evening or after an activity
    /// (`questions.rs`); its answers are tallies in the activity.
    Question,
}

impl RecordKind {
    pub const ALL: [RecordKind; 11] = [
        RecordKind::Lab,
        RecordKind::MeetingPlace,
        RecordKind::Visit,
        RecordKind::Goal,
        RecordKind::GoalMeasurement,
        RecordKind::Partner,
        RecordKind::Activity,
        RecordKind::GoodExample,
        RecordKind::Lesson,
        RecordKind::MonthApproval,
        RecordKind::Question,
    ];

    /// The serialized name, as stored in databases.
    pub fn as_str(self) -> &'static str {
        match self {
            RecordKind::Lab => "lab",
            RecordKind::MeetingPlace => "meeting_place",
            RecordKind::Visit => "visit",
            RecordKind::Goal => "goal",
            RecordKind::GoalMeasurement => "goal_measurement",
            RecordKind::Partner => "partner",
            RecordKind::Activity => "activity",
            RecordKind::GoodExample => "good_example",
            RecordKind::Lesson => "lesson",
            RecordKind::MonthApproval => "month_approval",
            RecordKind::Question => "question",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// Visits are append-only events: once stored, only a tombstone may follow.
    pub fn is_event(self) -> bool {
        matches!(self, RecordKind::Visit)
    }

    /// Good examples and lessons: published ones reach every organisation.
    pub fn is_knowledge(self) -> bool {
        matches!(self, RecordKind::GoodExample | RecordKind::Lesson)
    }
}

/// The four focus areas (fokusområden) of the programme.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FocusArea {
    /// Minska långtidsarbetslösheten.
    LongTermUnemployment,
    /// Lyfta skolorna och elevernas resultat.
    SchoolResults,
    /// Stärka samhällsservicen.
    PublicServices,
    /// Bekämpa brottsligheten.
    Crime,
}

impl FocusArea {
    pub const ALL: [FocusArea; 4] =
        [FocusArea::LongTermUnemployment, FocusArea::SchoolResults, FocusArea::PublicServices, FocusArea::Crime];

    pub fn label_sv(self) -> &'static str {
        match self {
            FocusArea::LongTermUnemployment => "Minska långtidsarbetslösheten",
            FocusArea::SchoolResults => "Lyfta skolorna och elevernas resultat",
            FocusArea::PublicServices => "Stärka samhällsservicen",
            FocusArea::Crime => "Bekämpa brottsligheten",
        }
    }
}

/// Age bands visitors and participants are counted in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum AgeBand {
    #[serde(rename = "0-5")]
    Age0To5,
    #[serde(rename = "6-12")]
    Age6To12,
    #[serde(rename = "13-15")]
    Age13To15,
    #[serde(rename = "16-19")]
    Age16To19,
    #[serde(rename = "20-25")]
    Age20To25,
    #[serde(rename = "26-64")]
    Age26To64,
    #[serde(rename = "65+")]
    Age65Plus,
}

impl AgeBand {
    pub const ALL: [AgeBand; 7] = [
        AgeBand::Age0To5,
        AgeBand::Age6To12,
        AgeBand::Age13To15,
        AgeBand::Age16To19,
        AgeBand::Age20To25,
        AgeBand::Age26To64,
        AgeBand::Age65Plus,
    ];

    /// The band with this serialized name.
    pub fn parse(s: &str) -> Option<AgeBand> {
        AgeBand::ALL.into_iter().find(|b| b.as_str() == s)
    }

    /// The serialized name (also used in `data-age-band`).
    pub fn as_str(self) -> &'static str {
        match self {
            AgeBand::Age0To5 => "0-5",
            AgeBand::Age6To12 => "6-12",
            AgeBand::Age13To15 => "13-15",
            AgeBand::Age16To19 => "16-19",
            AgeBand::Age20To25 => "20-25",
            AgeBand::Age26To64 => "26-64",
            AgeBand::Age65Plus => "65+",
        }
    }

    /// How the band reads on a button, in Swedish.
    pub fn label_sv(self) -> &'static str {
        match self {
            AgeBand::Age0To5 => "0–5 år",
            AgeBand::Age6To12 => "6–12 år",
            AgeBand::Age13To15 => "13–15 år",
            AgeBand::Age16To19 => "16–19 år",
            AgeBand::Age20To25 => "20–25 år",
            AgeBand::Age26To64 => "26–64 år",
            AgeBand::Age65Plus => "65 år och äldre",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Gender {
    Girl,
    Boy,
    Other,
}

impl Gender {
    pub const ALL: [Gender; 3] = [Gender::Girl, Gender::Boy, Gender::Other];

    /// The serialized name (also used in `data-gender`).
    pub fn as_str(self) -> &'static str {
        match self {
            Gender::Girl => "girl",
            Gender::Boy => "boy",
            Gender::Other => "other",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|g| g.as_str() == s)
    }
}

/// How the visit counter counts at a meeting place. Either way a visit is an
/// anonymous tap: the rule tells staff when to tap, and readers of the
/// figures what one visit means.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CountRule {
    /// Every time someone comes in is one visit.
    #[default]
    EveryEntry,
    /// A visitor counts once per opening session (one span of the place's
    /// opening hours): someone who steps out and comes back the same session
    /// is not counted again. Staff judge this by sight; nothing about the
    /// visitor is stored, and re-entries are not stored at all, so a
    /// session's visits are its distinct visitors.
    OncePerSession,
}

impl CountRule {
    pub const ALL: [CountRule; 2] = [CountRule::EveryEntry, CountRule::OncePerSession];

    pub fn as_str(self) -> &'static str {
        match self {
            CountRule::EveryEntry => "every_entry",
            CountRule::OncePerSession => "once_per_session",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.as_str() == s)
    }

    pub fn label_sv(self) -> &'static str {
        match self {
            CountRule::EveryEntry => "Varje gång någon kommer in räknas",
            CountRule::OncePerSession => "Varje besökare räknas en gång per öppettillfälle",
        }
    }
}

/// An innovation lab (innovationslabb). Its id is also its `lab_id`.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Lab {
    pub name: String,
    pub city: String,
    /// The housing company (bostadsbolag) running the lab.
    pub organisation: String,
    pub focus_areas: Vec<FocusArea>,
    /// The lab's one specific question.
    pub question: String,
    #[serde(default)]
    pub description: String,
}

/// Opening hours for one weekday, local time.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OpeningHours {
    /// ISO weekday: 1 = Monday … 7 = Sunday.
    pub weekday: u8,
    /// "HH:MM"
    pub opens: String,
    /// "HH:MM"
    pub closes: String,
}

/// A meeting place (mötesplats) run by a lab.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MeetingPlace {
    pub name: String,
    #[serde(default)]
    pub opening_hours: Vec<OpeningHours>,
    #[serde(default)]
    pub target_group: String,
    /// The age bands offered on the visit counter, youngest first.
    pub age_bands: Vec<AgeBand>,
    /// How many people of the target group live in the place's catchment
    /// area, if known: the denominator of the reach figure in reports. An
    /// editable field, so an unknown value serializes as `null`.
    #[serde(default)]
    pub catchment_population: Option<u32>,
    /// The lab has switched on a gender split on the visit counter: per age
    /// band, girl / boy / other / not stated instead of one button.
    #[serde(default)]
    pub gender_split: bool,
    /// When a visitor is counted at this place (see [`CountRule`]).
    #[serde(default)]
    pub count_rule: CountRule,
    /// Days whose hours differ from the weekly ones: holidays, a summer
    /// break, an extra evening. Where two cover the same day the later in
    /// the list wins.
    #[serde(default)]
    pub exceptions: Vec<OpeningException>,
    /// No longer in use: hidden from the counter and the pickers, still in
    /// every report of the time it was open (its visits stay its visits).
    #[serde(default)]
    pub retired: bool,
}

/// One span of opening hours on a day, local time "HH:MM".
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TimeSpan {
    pub opens: String,
    pub closes: String,
}

/// Dates `from..=to` (local "YYYY-MM-DD") when a place keeps other hours
/// than its weekly ones: closed (no spans) or open only in `spans`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OpeningException {
    pub from: String,
    pub to: String,
    #[serde(default)]
    pub spans: Vec<TimeSpan>,
    /// Why, e.g. "Julledigt" or "Sommarstängt".
    #[serde(default)]
    pub note: String,
}

impl MeetingPlace {
    /// The opening session under way at `minute` (minutes after local
    /// midnight) on ISO `weekday`, if the place is open then: the first of
    /// that day's opening hours with `opens <= minute < closes`.
    pub fn session_at(&self, weekday: u8, minute: u32) -> Option<&OpeningHours> {
        self.opening_hours.iter().find(|h| {
            h.weekday == weekday
                && matches!(
                    (crate::validate::minutes_of_day(&h.opens), crate::validate::minutes_of_day(&h.closes)),
                    (Some(o), Some(c)) if o <= minute && minute < c
                )
        })
    }

    /// The exception covering `date` ("YYYY-MM-DD"), if any: the last one
    /// in the list whose range holds it (dates compare as text).
    pub fn exception_on(&self, date: &str) -> Option<&OpeningException> {
        self.exceptions.iter().rev().find(|e| e.from.as_str() <= date && date <= e.to.as_str())
    }

    /// The place's opening spans on `date` as (opens, closes) in minutes
    /// after midnight, in time order: an exception's spans where one covers
    /// the day (none: closed), else the weekly hours of its weekday.
    pub fn spans_on(&self, date: &str) -> Vec<(u32, u32)> {
        let minutes = |o: &str, c: &str| match (crate::validate::minutes_of_day(o), crate::validate::minutes_of_day(c))
        {
            (Some(o), Some(c)) if o < c => Some((o, c)),
            _ => None,
        };
        let mut spans: Vec<(u32, u32)> = match self.exception_on(date) {
            Some(e) => e.spans.iter().filter_map(|s| minutes(&s.opens, &s.closes)).collect(),
            None => {
                let Some(day) = crate::calendar::day_of(date) else { return Vec::new() };
                let weekday = crate::calendar::iso_weekday(day) as u8;
                self.opening_hours
                    .iter()
                    .filter(|h| h.weekday == weekday)
                    .filter_map(|h| minutes(&h.opens, &h.closes))
                    .collect()
            }
        };
        spans.sort_unstable();
        spans
    }

    /// The span of `date` under way at `minute`, if the place is open then
    /// (exceptions included): the session a once-per-session count belongs to.
    pub fn session_on(&self, date: &str, minute: u32) -> Option<(u32, u32)> {
        self.spans_on(date).into_iter().find(|&(o, c)| o <= minute && minute < c)
    }
}

/// One anonymous visit (besök) at a meeting place.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Visit {
    pub meeting_place_id: Uuid,
    /// When the visit was counted, milliseconds since the Unix epoch.
    pub at_ms: i64,
    /// The local calendar date of the visit, "YYYY-MM-DD", as the tablet saw it.
    pub date: String,
    pub age_band: AgeBand,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gender: Option<Gender>,
    #[serde(default)]
    pub first_visit: bool,
}

// Records that can be edited after creation (goals, measurements, partners,
// activities) serialize an empty optional field as `null` rather than leaving
// it out: an edit travels as the top-level fields it sets, so clearing a value
// must be sent as a value, or the old one would survive the merge.

/// Which way a goal's indicator should move.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GoalDirection {
    Up,
    Down,
}

impl GoalDirection {
    pub const ALL: [GoalDirection; 2] = [GoalDirection::Up, GoalDirection::Down];

    pub fn label_sv(self) -> &'static str {
        match self {
            GoalDirection::Up => "Öka",
            GoalDirection::Down => "Minska",
        }
    }
}

/// Where a goal's measurements come from when the app can compute them from
/// records it already holds, instead of staff entering them. Each is counted
/// by `summary.rs` the same way on every device and on the server.
///
/// Visits are counted from the visit tallies, which keep place, day, hour,
/// age band, first visit and gender (docs/ARCHITECTURE.md): a visit goal can
/// narrow to one place, one age band and one gender.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum GoalSource {
    /// Counted visits at one meeting place, per ISO week (the first source;
    /// the same as `Visits` at that place per week, kept for stored goals).
    VisitsPerWeek { meeting_place_id: Uuid },
    /// Visits, or first visits (a first visit is a new visitor), per week or
    /// month, at one place (`None`: every place of the lab), optionally of
    /// one age band and of one gender (counted where the place notes it).
    Visits {
        #[serde(default)]
        meeting_place_id: Option<Uuid>,
        per: GoalPeriod,
        #[serde(default)]
        first_only: bool,
        #[serde(default)]
        age_band: Option<AgeBand>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        gender: Option<Gender>,
    },
    /// Activities of the given kinds (none: every kind) per month, counted
    /// as activities, participants or participant-hours.
    Activities {
        #[serde(default)]
        kinds: Vec<ActivityKind>,
        measure: ActivityMeasure,
    },
    /// The share (per cent) of "yes" answers (with `include_maybe`, "yes" and
    /// "maybe") to one closing-poll question, per month.
    PollShare {
        question: PollQuestion,
        #[serde(default)]
        include_maybe: bool,
    },
    /// One of the lab's own questions (`questions.rs`), per month: the share
    /// answering yes (faces, with `include_maybe` yes or maybe) or choosing
    /// `option` (one choice), or the sum or mean of the numbers (a number,
    /// the 1–5 scale).
    Question {
        question_id: Uuid,
        stat: crate::questions::QuestionStat,
        #[serde(default)]
        include_maybe: bool,
        #[serde(default)]
        option: Option<u32>,
    },
}

impl GoalSource {
    pub fn label_sv(&self) -> &'static str {
        match self {
            GoalSource::VisitsPerWeek { .. } => "Besök per vecka på mötesplatsen",
            GoalSource::Visits { first_only: false, .. } => "Besök",
            GoalSource::Visits { first_only: true, .. } => "Förstagångsbesök (nya besökare)",
            GoalSource::Activities { measure: ActivityMeasure::Activities, .. } => "Aktiviteter",
            GoalSource::Activities { measure: ActivityMeasure::Participants, .. } => "Deltagare i aktiviteter",
            GoalSource::Activities { measure: ActivityMeasure::ParticipantHours, .. } => "Deltagartimmar",
            GoalSource::PollShare { .. } => "Andel ja på snabbfrågan",
            GoalSource::Question { .. } => "Svar på labbets fråga",
        }
    }

    /// The period one value of the indicator covers.
    pub fn period(&self) -> GoalPeriod {
        match self {
            GoalSource::VisitsPerWeek { .. } => GoalPeriod::Week,
            GoalSource::Visits { per, .. } => *per,
            GoalSource::Activities { .. } | GoalSource::PollShare { .. } | GoalSource::Question { .. } => {
                GoalPeriod::Month
            }
        }
    }

    /// The meeting place the source counts at, if one.
    pub fn place(&self) -> Option<Uuid> {
        match self {
            GoalSource::VisitsPerWeek { meeting_place_id } => Some(*meeting_place_id),
            GoalSource::Visits { meeting_place_id, .. } => *meeting_place_id,
            _ => None,
        }
    }
}

/// The period an automatic goal's value is counted over.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GoalPeriod {
    /// ISO weeks, Monday to Sunday.
    Week,
    /// Calendar months.
    Month,
}

impl GoalPeriod {
    pub const ALL: [GoalPeriod; 2] = [GoalPeriod::Week, GoalPeriod::Month];

    pub fn label_sv(self) -> &'static str {
        match self {
            GoalPeriod::Week => "per vecka",
            GoalPeriod::Month => "per månad",
        }
    }
}

/// What an activity goal counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ActivityMeasure {
    /// How many activities were held.
    Activities,
    /// Everyone counted in them.
    Participants,
    /// Participants times the activity's length in hours (from its start and
    /// end time; an activity without both counts no hours).
    ParticipantHours,
}

impl ActivityMeasure {
    pub const ALL: [ActivityMeasure; 3] =
        [ActivityMeasure::Activities, ActivityMeasure::Participants, ActivityMeasure::ParticipantHours];
}

/// How often a goal measured by hand should get a measurement; the
/// coordinator's overview says when one is missing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MeasureSchedule {
    Monthly,
    Quarterly,
}

impl MeasureSchedule {
    pub const ALL: [MeasureSchedule; 2] = [MeasureSchedule::Monthly, MeasureSchedule::Quarterly];

    pub fn label_sv(self) -> &'static str {
        match self {
            MeasureSchedule::Monthly => "Varje månad",
            MeasureSchedule::Quarterly => "Varje kvartal",
        }
    }
}

/// A measurable goal (mätbart mål) of a lab, within one focus area.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Goal {
    pub focus_area: FocusArea,
    pub title: String,
    /// What is measured, e.g. "Antal besökare i åldern 13–15 år".
    pub indicator: String,
    /// The indicator's unit, e.g. "besök per vecka" or "procent".
    pub unit: String,
    /// The indicator's value when the goal was set.
    pub baseline: f64,
    pub target: f64,
    /// "YYYY-MM-DD": when the target should be reached.
    pub target_date: String,
    pub direction: GoalDirection,
    /// `None`: measurements are entered by hand.
    #[serde(default)]
    pub source: Option<GoalSource>,
    /// "YYYY-MM-DD": when the baseline was measured. An automatic goal's
    /// series starts there; a goal measured by hand owes measurements from
    /// the period after it.
    #[serde(default)]
    pub baseline_date: Option<String>,
    /// How often a goal measured by hand is measured (`None`: no reminder).
    #[serde(default)]
    pub schedule: Option<MeasureSchedule>,
    /// No longer steered by: kept with its measurements, out of the
    /// reminders and the activity form.
    #[serde(default)]
    pub retired: bool,
}

/// One measurement (mätning) of a goal's indicator.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GoalMeasurement {
    pub goal_id: Uuid,
    /// "YYYY-MM-DD": the day (or the start of the period) measured.
    pub date: String,
    pub value: f64,
    #[serde(default)]
    pub note: String,
    /// The value looked unusual when entered and was saved anyway (`checks.rs`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub flag: Option<crate::checks::EntryFlag>,
}

/// What kind of organisation a partner (samverkanspartner) is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PartnerKind {
    Municipality,
    School,
    Church,
    Ngo,
    SportsClub,
    Business,
    TenantsAssociation,
    PublicAgency,
    Other,
}

impl PartnerKind {
    pub const ALL: [PartnerKind; 9] = [
        PartnerKind::Municipality,
        PartnerKind::School,
        PartnerKind::Church,
        PartnerKind::Ngo,
        PartnerKind::SportsClub,
        PartnerKind::Business,
        PartnerKind::TenantsAssociation,
        PartnerKind::PublicAgency,
        PartnerKind::Other,
    ];

    pub fn label_sv(self) -> &'static str {
        match self {
            PartnerKind::Municipality => "Kommun",
            PartnerKind::School => "Skola",
            PartnerKind::Church => "Kyrka eller samfund",
            PartnerKind::Ngo => "Ideell förening",
            PartnerKind::SportsClub => "Idrottsförening",
            PartnerKind::Business => "Företag",
            PartnerKind::TenantsAssociation => "Hyresgästförening",
            PartnerKind::PublicAgency => "Myndighet",
            PartnerKind::Other => "Annan",
        }
    }
}

/// A local actor a lab works with (samverkanspartner). An organisation, never
/// a person: no contact names or numbers here.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Partner {
    pub name: String,
    pub kind: PartnerKind,
    /// No longer worked with: hidden from the activity form, still in the
    /// reports of the activities it took part in.
    #[serde(default)]
    pub retired: bool,
    /// A duplicate merged into this partner of the same lab: its activities
    /// were moved there, and the summaries count any it is still named in
    /// (an offline tablet's) under that partner.
    #[serde(default)]
    pub merged_into: Option<Uuid>,
}

impl Partner {
    /// A partner in use, not merged.
    pub fn new(name: impl Into<String>, kind: PartnerKind) -> Self {
        Partner { name: name.into(), kind, retired: false, merged_into: None }
    }
}

/// The kinds of activity labs log.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ActivityKind {
    Workshop,
    Meeting,
    Gathering,
    Lecture,
    Course,
    Fika,
    Party,
    Sport,
    Art,
    ConversationEvening,
    StudyTrip,
    FoodMarket,
    OpenEvening,
    Other,
}

impl ActivityKind {
    pub const ALL: [ActivityKind; 14] = [
        ActivityKind::Workshop,
        ActivityKind::Meeting,
        ActivityKind::Gathering,
        ActivityKind::Lecture,
        ActivityKind::Course,
        ActivityKind::Fika,
        ActivityKind::Party,
        ActivityKind::Sport,
        ActivityKind::Art,
        ActivityKind::ConversationEvening,
        ActivityKind::StudyTrip,
        ActivityKind::FoodMarket,
        ActivityKind::OpenEvening,
        ActivityKind::Other,
    ];

    pub fn label_sv(self) -> &'static str {
        match self {
            ActivityKind::Workshop => "Workshop",
            ActivityKind::Meeting => "Möte",
            ActivityKind::Gathering => "Träff",
            ActivityKind::Lecture => "Föreläsning",
            ActivityKind::Course => "Kurs",
            ActivityKind::Fika => "Fika",
            ActivityKind::Party => "Fest",
            ActivityKind::Sport => "Idrott",
            ActivityKind::Art => "Konst",
            ActivityKind::ConversationEvening => "Samtalskväll",
            ActivityKind::StudyTrip => "Studieresa",
            ActivityKind::FoodMarket => "Matmarknad",
            ActivityKind::OpenEvening => "Öppen kväll",
            ActivityKind::Other => "Annat",
        }
    }
}

/// How many took part in an activity from one age band (and gender, if noted).
/// Counts only: participants are never named.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ParticipantCount {
    pub age_band: AgeBand,
    /// Left out when not noted: the whole participant list is one field, so
    /// an edit always sends every row in full.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gender: Option<Gender>,
    pub count: u32,
}

/// An activity (aktivitet) a lab held: what, when, who came, with whom, and
/// what was learned.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Activity {
    /// Where it was held, if at one of the lab's meeting places.
    #[serde(default)]
    pub meeting_place_id: Option<Uuid>,
    pub kind: ActivityKind,
    pub title: String,
    /// "YYYY-MM-DD"
    pub date: String,
    /// "HH:MM"
    #[serde(default)]
    pub start_time: Option<String>,
    /// "HH:MM"
    #[serde(default)]
    pub end_time: Option<String>,
    #[serde(default)]
    pub participants: Vec<ParticipantCount>,
    /// Of the participants, how many came for the first time.
    #[serde(default)]
    pub first_timers: u32,
    #[serde(default)]
    pub partner_ids: Vec<Uuid>,
    /// The goals this activity works towards.
    #[serde(default)]
    pub goal_ids: Vec<Uuid>,
    #[serde(default)]
    pub staff_hours: f64,
    #[serde(default)]
    pub volunteer_hours: f64,
    #[serde(default)]
    pub notes: String,
    #[serde(default)]
    pub lessons_learned: String,
    /// The closing poll (snabbfråga), if one was held: tallies only. Counted
    /// as answers to the lab's built-in question of the same wording.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub poll: Option<PollTally>,
    /// Values that looked unusual when entered and were saved anyway (`checks.rs`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub flag: Option<crate::checks::EntryFlag>,
    /// Answers to the lab's own questions (`questions.rs`): tallies and
    /// numbers, never text. Left out when none, as `poll` is, so an activity
    /// without answers has the shape it always had.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub answers: Vec<crate::questions::Answer>,
}

/// The question of a closing poll, asked in easy Swedish with pictograms.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PollQuestion {
    /// "Kände du dig trygg i dag?"
    FeltSafe,
    /// "Vill du komma tillbaka?"
    WantToReturn,
}

impl PollQuestion {
    pub const ALL: [PollQuestion; 2] = [PollQuestion::FeltSafe, PollQuestion::WantToReturn];

    pub fn label_sv(self) -> &'static str {
        match self {
            PollQuestion::FeltSafe => "Kände du dig trygg i dag?",
            PollQuestion::WantToReturn => "Vill du komma tillbaka?",
        }
    }
}

/// Answers to a three-point closing poll, counted; no answer is tied to anyone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct PollTally {
    pub question: PollQuestion,
    #[serde(default)]
    pub yes: u32,
    #[serde(default)]
    pub maybe: u32,
    #[serde(default)]
    pub no: u32,
}

impl PollTally {
    pub fn new(question: PollQuestion) -> Self {
        PollTally { question, yes: 0, maybe: 0, no: 0 }
    }

    pub fn total(&self) -> u64 {
        u64::from(self.yes) + u64::from(self.maybe) + u64::from(self.no)
    }
}

impl Activity {
    /// Everyone counted, over all rows.
    pub fn total_participants(&self) -> u64 {
        self.participants.iter().map(|p| u64::from(p.count)).sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn enum_wire_names_are_fixed() {
        // Regenerate only when the format is intentionally migrated.
        let bands: Vec<String> = AgeBand::ALL.iter().map(|b| serde_json::to_string(b).unwrap()).collect();
        assert_eq!(bands, ["\"0-5\"", "\"6-12\"", "\"13-15\"", "\"16-19\"", "\"20-25\"", "\"26-64\"", "\"65+\""]);
        for b in AgeBand::ALL {
            assert_eq!(serde_json::to_string(&b).unwrap(), format!("\"{}\"", b.as_str()));
        }
        for k in RecordKind::ALL {
            assert_eq!(serde_json::to_string(&k).unwrap(), format!("\"{}\"", k.as_str()));
            assert_eq!(RecordKind::parse(k.as_str()), Some(k));
        }
        assert_eq!(serde_json::to_string(&FocusArea::LongTermUnemployment).unwrap(), "\"long_term_unemployment\"");
        assert_eq!(serde_json::to_string(&Gender::Girl).unwrap(), "\"girl\"");
    }

    fn wire_names<T: Serialize>(items: &[T]) -> Vec<String> {
        items.iter().map(|i| serde_json::to_value(i).unwrap().as_str().unwrap().to_owned()).collect()
    }

    #[test]
    fn new_enum_wire_names_are_fixed() {
        // Regenerate only when the format is intentionally migrated.
        let kinds: Vec<&str> = RecordKind::ALL.iter().map(|k| k.as_str()).collect();
        assert_eq!(
            kinds,
            [
                "lab",
                "meeting_place",
                "visit",
                "goal",
                "goal_measurement",
                "partner",
                "activity",
                "good_example",
                "lesson",
                "month_approval",
                "question"
            ]
        );
        assert_eq!(
            wire_names(&FocusArea::ALL),
            ["long_term_unemployment", "school_results", "public_services", "crime"]
        );
        assert_eq!(wire_names(&GoalDirection::ALL), ["up", "down"]);
        assert_eq!(
            wire_names(&PartnerKind::ALL),
            [
                "municipality",
                "school",
                "church",
                "ngo",
                "sports_club",
                "business",
                "tenants_association",
                "public_agency",
                "other"
            ]
        );
        assert_eq!(
            wire_names(&ActivityKind::ALL),
            [
                "workshop",
                "meeting",
                "gathering",
                "lecture",
                "course",
                "fika",
                "party",
                "sport",
                "art",
                "conversation_evening",
                "study_trip",
                "food_market",
                "open_evening",
                "other"
            ]
        );
    }

    #[test]
    fn swedish_labels() {
        assert_eq!(ActivityKind::Fika.label_sv(), "Fika");
        assert_eq!(ActivityKind::ConversationEvening.label_sv(), "Samtalskväll");
        assert_eq!(ActivityKind::StudyTrip.label_sv(), "Studieresa");
        assert_eq!(ActivityKind::FoodMarket.label_sv(), "Matmarknad");
        assert_eq!(ActivityKind::OpenEvening.label_sv(), "Öppen kväll");
        assert_eq!(PartnerKind::Ngo.label_sv(), "Ideell förening");
        assert_eq!(PartnerKind::TenantsAssociation.label_sv(), "Hyresgästförening");
        assert_eq!(PartnerKind::PublicAgency.label_sv(), "Myndighet");
        assert_eq!(GoalDirection::Down.label_sv(), "Minska");
        // Every choice a form offers reads differently.
        let activity: std::collections::HashSet<_> = ActivityKind::ALL.iter().map(|k| k.label_sv()).collect();
        assert_eq!(activity.len(), ActivityKind::ALL.len());
        let partner: std::collections::HashSet<_> = PartnerKind::ALL.iter().map(|k| k.label_sv()).collect();
        assert_eq!(partner.len(), PartnerKind::ALL.len());
    }

    fn a_goal() -> Goal {
        Goal {
            focus_area: FocusArea::Crime,
            title: "Fler unga på mötesplatsen".into(),
            indicator: "Besök av unga 13–15 år".into(),
            unit: "besök per vecka".into(),
            baseline: 12.0,
            target: 30.5,
            target_date: "2025-06-30".into(),
            direction: GoalDirection::Up,
            source: Some(GoalSource::VisitsPerWeek { meeting_place_id: Uuid::from_u128(4) }),
            baseline_date: Some("2024-09-01".into()),
            schedule: None,
            retired: false,
        }
    }

    fn an_activity() -> Activity {
        Activity {
            meeting_place_id: Some(Uuid::from_u128(4)),
            kind: ActivityKind::ConversationEvening,
            title: "Samtalskväll om jobb".into(),
            date: "2024-11-19".into(),
            start_time: Some("18:00".into()),
            end_time: None,
            participants: vec![
                ParticipantCount { age_band: AgeBand::Age26To64, gender: Some(Gender::Girl), count: 9 },
                ParticipantCount { age_band: AgeBand::Age65Plus, gender: None, count: 2 },
            ],
            first_timers: 3,
            partner_ids: vec![Uuid::from_u128(7)],
            goal_ids: vec![],
            staff_hours: 4.5,
            volunteer_hours: 0.0,
            notes: "Soroptimisterna ledde samtalen.".into(),
            lessons_learned: String::new(),
            poll: None,
            flag: None,
            answers: Vec::new(),
        }
    }

    #[test]
    fn goal_wire_format_is_fixed() {
        // Regenerate only when the format is intentionally migrated.
        assert_eq!(
            serde_json::to_string(&a_goal()).unwrap(),
            r#"{"focus_area":"crime","title":"Fler unga på mötesplatsen","indicator":"Besök av unga 13–15 år","unit":"besök per vecka","baseline":12.0,"target":30.5,"target_date":"2025-06-30","direction":"up","source":{"kind":"visits_per_week","meeting_place_id":"00000000-0000-0000-0000-000000000004"},"baseline_date":"2024-09-01","schedule":null,"retired":false}"#
        );
        let manual = Goal { source: None, schedule: Some(MeasureSchedule::Quarterly), ..a_goal() };
        assert!(serde_json::to_string(&manual).unwrap().ends_with(
            r#""direction":"up","source":null,"baseline_date":"2024-09-01","schedule":"quarterly","retired":false}"#
        ));
    }

    #[test]
    fn goal_source_wire_format_is_fixed() {
        // Regenerate only when the format is intentionally migrated.
        let place = Uuid::from_u128(4);
        let cases = [
            (
                GoalSource::Visits {
                    meeting_place_id: Some(place),
                    per: GoalPeriod::Month,
                    first_only: true,
                    age_band: Some(AgeBand::Age13To15),
                    gender: None,
                },
                r#"{"kind":"visits","meeting_place_id":"00000000-0000-0000-0000-000000000004","per":"month","first_only":true,"age_band":"13-15"}"#,
            ),
            (
                GoalSource::Visits {
                    meeting_place_id: None,
                    per: GoalPeriod::Week,
                    first_only: false,
                    age_band: None,
                    gender: None,
                },
                r#"{"kind":"visits","meeting_place_id":null,"per":"week","first_only":false,"age_band":null}"#,
            ),
            (
                GoalSource::Activities {
                    kinds: vec![ActivityKind::Course],
                    measure: ActivityMeasure::ParticipantHours,
                },
                r#"{"kind":"activities","kinds":["course"],"measure":"participant_hours"}"#,
            ),
            (
                GoalSource::PollShare { question: PollQuestion::FeltSafe, include_maybe: false },
                r#"{"kind":"poll_share","question":"felt_safe","include_maybe":false}"#,
            ),
        ];
        for (source, json) in cases {
            assert_eq!(serde_json::to_string(&source).unwrap(), json);
            assert_eq!(serde_json::from_str::<GoalSource>(json).unwrap(), source);
        }
        // The optional keys may be left out.
        let short: GoalSource = serde_json::from_str(r#"{"kind":"visits","per":"week"}"#).unwrap();
        assert_eq!(
            short,
            GoalSource::Visits {
                meeting_place_id: None,
                per: GoalPeriod::Week,
                first_only: false,
                age_band: None,
                gender: None
            }
        );
        assert_eq!(wire_names(&GoalPeriod::ALL), ["week", "month"]);
        assert_eq!(wire_names(&ActivityMeasure::ALL), ["activities", "participants", "participant_hours"]);
        assert_eq!(wire_names(&MeasureSchedule::ALL), ["monthly", "quarterly"]);
    }

    #[test]
    fn goal_measurement_wire_format_is_fixed() {
        // Regenerate only when the format is intentionally migrated.
        let m = GoalMeasurement {
            goal_id: Uuid::from_u128(5),
            date: "2024-11-18".into(),
            value: 17.0,
            note: "Vecka 47".into(),
            flag: None,
        };
        assert_eq!(
            serde_json::to_string(&m).unwrap(),
            r#"{"goal_id":"00000000-0000-0000-0000-000000000005","date":"2024-11-18","value":17.0,"note":"Vecka 47"}"#
        );
    }

    #[test]
    fn partner_wire_format_is_fixed() {
        // Regenerate only when the format is intentionally migrated.
        let p = Partner::new("Röda korset", PartnerKind::Ngo);
        assert_eq!(
            serde_json::to_string(&p).unwrap(),
            r#"{"name":"Röda korset","kind":"ngo","retired":false,"merged_into":null}"#
        );
        // Partners saved before retiring and merging existed still read.
        let old: Partner = serde_json::from_str(r#"{"name":"Röda korset","kind":"ngo"}"#).unwrap();
        assert_eq!(old, p);
    }

    #[test]
    fn activity_wire_format_is_fixed() {
        // Regenerate only when the format is intentionally migrated.
        assert_eq!(
            serde_json::to_string(&an_activity()).unwrap(),
            r#"{"meeting_place_id":"00000000-0000-0000-0000-000000000004","kind":"conversation_evening","title":"Samtalskväll om jobb","date":"2024-11-19","start_time":"18:00","end_time":null,"participants":[{"age_band":"26-64","gender":"girl","count":9},{"age_band":"65+","count":2}],"first_timers":3,"partner_ids":["00000000-0000-0000-0000-000000000007"],"goal_ids":[],"staff_hours":4.5,"volunteer_hours":0.0,"notes":"Soroptimisterna ledde samtalen.","lessons_learned":""}"#
        );
    }

    #[test]
    fn minimal_shapes_stay_readable() {
        // Only the required fields: what an older app, or a quick entry, sends.
        let a: Activity = serde_json::from_str(r#"{"kind":"fika","title":"Fika","date":"2024-11-19"}"#).unwrap();
        assert_eq!((a.meeting_place_id, a.start_time, a.first_timers, a.staff_hours), (None, None, 0, 0.0));
        assert!(a.participants.is_empty() && a.partner_ids.is_empty() && a.notes.is_empty());
        let g: Goal = serde_json::from_str(
            r#"{"focus_area":"crime","title":"T","indicator":"I","unit":"st","baseline":1,"target":2,"target_date":"2025-01-01","direction":"down"}"#,
        )
        .unwrap();
        assert_eq!((g.source, g.baseline), (None, 1.0));
        let m: GoalMeasurement =
            serde_json::from_str(r#"{"goal_id":"00000000-0000-0000-0000-000000000005","date":"2024-11-18","value":3}"#)
                .unwrap();
        assert_eq!(m.note, "");
    }

    #[test]
    fn meeting_place_wire_format_is_fixed() {
        // Regenerate only when the format is intentionally migrated.
        let p = MeetingPlace {
            name: "Lina Hage mötesplats".into(),
            opening_hours: vec![OpeningHours { weekday: 2, opens: "17:00".into(), closes: "21:00".into() }],
            target_group: "Ungdomar under 16 år".into(),
            age_bands: vec![AgeBand::Age6To12, AgeBand::Age13To15],
            catchment_population: None,
            gender_split: false,
            count_rule: CountRule::EveryEntry,
            exceptions: vec![],
            retired: false,
        };
        // The counter settings are always written (a switched-off split must
        // travel as `false`, or an edit would leave the old `true` standing).
        assert_eq!(
            serde_json::to_string(&p).unwrap(),
            r#"{"name":"Lina Hage mötesplats","opening_hours":[{"weekday":2,"opens":"17:00","closes":"21:00"}],"target_group":"Ungdomar under 16 år","age_bands":["6-12","13-15"],"catchment_population":null,"gender_split":false,"count_rule":"every_entry","exceptions":[],"retired":false}"#
        );
        // Places saved before the fields existed still read, with the defaults.
        let old: MeetingPlace = serde_json::from_str(r#"{"name":"P","age_bands":["65+"]}"#).unwrap();
        assert_eq!((old.catchment_population, old.gender_split, old.count_rule), (None, false, CountRule::EveryEntry));
        let known = MeetingPlace {
            catchment_population: Some(900),
            gender_split: true,
            count_rule: CountRule::OncePerSession,
            ..p
        };
        assert!(serde_json::to_string(&known)
            .unwrap()
            .ends_with(r#""catchment_population":900,"gender_split":true,"count_rule":"once_per_session","exceptions":[],"retired":false}"#));
        let christmas = OpeningException {
            from: "2026-12-24".into(),
            to: "2026-12-26".into(),
            spans: vec![TimeSpan { opens: "12:00".into(), closes: "15:00".into() }],
            note: "Jul".into(),
        };
        assert_eq!(
            serde_json::to_string(&christmas).unwrap(),
            r#"{"from":"2026-12-24","to":"2026-12-26","spans":[{"opens":"12:00","closes":"15:00"}],"note":"Jul"}"#
        );
    }

    #[test]
    fn counter_setting_wire_names_are_fixed() {
        // Regenerate only when the format is intentionally migrated.
        assert_eq!(wire_names(&CountRule::ALL), ["every_entry", "once_per_session"]);
        assert_eq!(wire_names(&Gender::ALL), ["girl", "boy", "other"]);
        for r in CountRule::ALL {
            assert_eq!(CountRule::parse(r.as_str()), Some(r));
        }
        for g in Gender::ALL {
            assert_eq!(serde_json::to_value(g).unwrap(), g.as_str());
        }
    }

    #[test]
    fn the_opening_session_under_way() {
        let p = MeetingPlace {
            name: "P".into(),
            opening_hours: vec![
                OpeningHours { weekday: 2, opens: "13:00".into(), closes: "15:00".into() },
                OpeningHours { weekday: 2, opens: "17:00".into(), closes: "21:00".into() },
                OpeningHours { weekday: 4, opens: "17:00".into(), closes: "21:00".into() },
            ],
            target_group: String::new(),
            age_bands: vec![AgeBand::Age13To15],
            catchment_population: None,
            gender_split: false,
            count_rule: CountRule::OncePerSession,
            exceptions: vec![],
            retired: false,
        };
        let at = |weekday, hhmm: &str| {
            p.session_at(weekday, crate::validate::minutes_of_day(hhmm).unwrap()).map(|h| h.opens.clone())
        };
        assert_eq!(at(2, "13:00").as_deref(), Some("13:00"), "opening minute belongs to the session");
        assert_eq!(at(2, "14:59").as_deref(), Some("13:00"));
        assert_eq!(at(2, "15:00"), None, "closing minute does not");
        assert_eq!(at(2, "16:00"), None, "between two sessions");
        assert_eq!(at(2, "20:30").as_deref(), Some("17:00"));
        assert_eq!(at(3, "18:00"), None, "closed that weekday");
        assert_eq!(at(4, "17:00").as_deref(), Some("17:00"));
    }

    #[test]
    fn opening_spans_of_a_date_with_exceptions() {
        let span = |o: &str, c: &str| TimeSpan { opens: o.into(), closes: c.into() };
        let p = MeetingPlace {
            name: "P".into(),
            opening_hours: vec![
                // Tuesdays two spans, given out of order; Thursdays one.
                OpeningHours { weekday: 2, opens: "17:00".into(), closes: "21:00".into() },
                OpeningHours { weekday: 2, opens: "13:00".into(), closes: "15:00".into() },
                OpeningHours { weekday: 4, opens: "17:00".into(), closes: "21:00".into() },
            ],
            target_group: String::new(),
            age_bands: vec![AgeBand::Age13To15],
            catchment_population: None,
            gender_split: false,
            count_rule: CountRule::EveryEntry,
            exceptions: vec![
                OpeningException {
                    from: "2026-12-21".into(),
                    to: "2027-01-06".into(),
                    spans: vec![],
                    note: "Jullov".into(),
                },
                OpeningException {
                    from: "2026-12-29".into(),
                    to: "2026-12-29".into(),
                    spans: vec![span("12:00", "16:00")],
                    note: "Extra".into(),
                },
            ],
            retired: false,
        };
        // 2026-12-01 is a Tuesday, 2026-12-03 a Thursday.
        assert_eq!(p.spans_on("2026-12-01"), [(780, 900), (1020, 1260)]);
        assert_eq!(p.spans_on("2026-12-03"), [(1020, 1260)]);
        assert_eq!(p.spans_on("2026-12-02"), [], "closed on Wednesdays");
        assert_eq!(p.spans_on("2026-12-22"), [], "Christmas break, a Tuesday");
        assert_eq!(p.spans_on("2026-12-29"), [(720, 960)], "the later exception wins");
        assert_eq!(p.spans_on("2027-01-05"), [], "the break spans New Year");
        assert_eq!(p.spans_on("2027-01-12"), [(780, 900), (1020, 1260)]);
        assert_eq!(p.session_on("2026-12-01", 14 * 60), Some((780, 900)));
        assert_eq!(p.session_on("2026-12-01", 16 * 60), None);
        assert_eq!(p.session_on("2026-12-22", 18 * 60), None);
        assert_eq!(p.spans_on("not a date"), []);
    }

    #[test]
    fn visit_wire_format_is_fixed() {
        let v = Visit {
            meeting_place_id: Uuid::from_u128(1),
            at_ms: 1_732_000_000_000,
            date: "2024-11-19".into(),
            age_band: AgeBand::Age13To15,
            gender: None,
            first_visit: true,
        };
        assert_eq!(
            serde_json::to_string(&v).unwrap(),
            r#"{"meeting_place_id":"00000000-0000-0000-0000-000000000001","at_ms":1732000000000,"date":"2024-11-19","age_band":"13-15","first_visit":true}"#
        );
    }
}
