//! Validation of records, run by the app before saving and by the server
//! before accepting. Messages are plain Swedish for staff.

use crate::merge::RecordState;
use crate::model::{Activity, Goal, GoalMeasurement, Lab, MeetingPlace, Partner, RecordKind, Visit};
use serde::de::DeserializeOwned;
use std::collections::HashSet;

pub const MAX_NAME_CHARS: usize = 120;
pub const MAX_SHORT_TEXT_CHARS: usize = 200;
pub const MAX_QUESTION_CHARS: usize = 500;
pub const MAX_LONG_TEXT_CHARS: usize = 4000;
/// Visits before 2000 or after 2100 are typing or clock errors.
pub const MIN_YEAR: i32 = 2000;
pub const MAX_YEAR: i32 = 2100;
/// Answers per option in one closing poll: more is a typing or counting error.
pub const MAX_POLL_ANSWERS: u32 = 10_000;
/// Rows of an activity's participant table: age bands × genders is far less.
pub const MAX_PARTICIPANT_ROWS: usize = 50;
/// People in one participant row: more is a typing error, not an activity.
pub const MAX_PARTICIPANTS_PER_ROW: u32 = 10_000;
/// Staff or volunteer hours on one activity (a long study trip fits).
pub const MAX_HOURS: f64 = 1000.0;
/// Partners or goals one activity links to.
pub const MAX_LINKS: usize = 100;
/// Keys one record's `fields` may hold. Every kind has far fewer; keys the
/// validation does not know are kept (docs/SYNC.md), so this and
/// [`max_fields_bytes`] bound what a client can store beside them.
pub const MAX_FIELDS: usize = 40;

/// Largest `fields` of a record of `kind`, in bytes of compact JSON: the kind's
/// texts at their limits at 4 bytes a character (the most UTF-8 needs), with
/// room to spare. A record is pulled by every device of its lab, so one
/// oversized record costs every tablet; a pull page is bounded by bytes too
/// (`sync::MAX_PULL_BYTES`).
pub const fn max_fields_bytes(kind: RecordKind) -> usize {
    const KIB: usize = 1024;
    match kind {
        RecordKind::Visit => 2 * KIB,
        RecordKind::Partner | RecordKind::MonthApproval => 4 * KIB,
        RecordKind::Question => 4 * KIB,
        RecordKind::MeetingPlace | RecordKind::Goal => 16 * KIB,
        RecordKind::GoalMeasurement => 24 * KIB,
        RecordKind::Lab => 32 * KIB,
        RecordKind::Lesson => 64 * KIB,
        RecordKind::Activity => 96 * KIB,
        RecordKind::GoodExample => 128 * KIB,
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ValidationError {
    #[error("uppgifterna har fel form: {0}")]
    Shape(String),
    #[error("{field} måste fyllas i")]
    Required { field: &'static str },
    #[error("{field} får vara högst {max} tecken")]
    TooLong { field: &'static str, max: usize },
    #[error("{field} har ett ogiltigt datum (ÅÅÅÅ-MM-DD mellan {MIN_YEAR} och {MAX_YEAR})")]
    Date { field: &'static str },
    #[error("{field} har en ogiltig tid (TT:MM)")]
    Time { field: &'static str },
    #[error("{field} är utanför det tillåtna intervallet")]
    OutOfRange { field: &'static str },
    #[error("{field} innehåller dubbletter")]
    Duplicate { field: &'static str },
    #[error("{field} överlappar varandra")]
    Overlap { field: &'static str },
    #[error("fältet ”{0}” finns inte i den här sortens post (okänt fält); uppdatera appen eller ta bort fältet")]
    UnknownField(String),
    #[error("{field} innehåller något som liknar {what}; ta bort det innan det publiceras")]
    PersonalData { field: &'static str, what: &'static str },
    #[error("posten är för stor ({size} byte); en post av den här sorten får vara högst {max} byte. Korta texterna.")]
    TooLarge { size: usize, max: usize },
    #[error("posten har för många fält ({count}); högst {max} är tillåtna")]
    TooManyFields { count: usize, max: usize },
    #[error("{field} ska vara en roll, t.ex. ”Områdesutvecklare, Telge Bostäder”, inte ett namn (”{name}”)")]
    NotARole { field: &'static str, name: String },
    /// A rule between fields, said in full (`message`), shown at `field`.
    #[error("{message}")]
    Rule { field: &'static str, message: &'static str },
}

impl ValidationError {
    /// The field the error is about, as named in the message (a form shows
    /// the message next to it); `None` for errors about the whole record.
    pub fn field(&self) -> Option<&'static str> {
        match self {
            ValidationError::Required { field }
            | ValidationError::TooLong { field, .. }
            | ValidationError::Date { field }
            | ValidationError::Time { field }
            | ValidationError::OutOfRange { field }
            | ValidationError::Duplicate { field }
            | ValidationError::Overlap { field }
            | ValidationError::PersonalData { field, .. }
            | ValidationError::NotARole { field, .. }
            | ValidationError::Rule { field, .. } => Some(field),
            _ => None,
        }
    }
}

/// Exceptions to a place's opening hours (holidays, breaks) one place may list.
pub const MAX_EXCEPTIONS: usize = 100;
/// Opening spans on one day (weekly or in an exception).
pub const MAX_SPANS_PER_DAY: usize = 6;
/// A catchment population above this is a typing error (Stockholm has under a million).
pub const MAX_CATCHMENT: u32 = 5_000_000;

/// Check a merged record: its fields must form a valid record of its kind.
/// A tombstone that arrived before its record (no fields yet) is valid.
pub fn validate_record(state: &RecordState) -> Result<(), ValidationError> {
    if state.fields.is_empty() && state.deleted.is_some() {
        return Ok(());
    }
    size(state)?;
    // Closed records: a key no schema names is refused, at any depth.
    if let Some(key) = crate::fields::unknown_keys(state.kind, &state.fields).into_iter().next() {
        return Err(ValidationError::UnknownField(key));
    }
    match state.kind {
        RecordKind::Lab => lab(&parse(state)?),
        RecordKind::MeetingPlace => meeting_place(&parse(state)?),
        RecordKind::Visit => visit(&parse(state)?),
        RecordKind::Goal => goal(&parse(state)?),
        RecordKind::GoalMeasurement => goal_measurement(&parse(state)?),
        RecordKind::Partner => partner(&parse(state)?),
        RecordKind::Activity => activity(&parse(state)?),
        RecordKind::GoodExample => good_example(&parse(state)?),
        RecordKind::Lesson => lesson(&parse(state)?),
        RecordKind::MonthApproval => month_approval(&parse(state)?),
        RecordKind::Question => question(&parse(state)?),
    }
}

/// [`validate_record`], handing back the visit it read when the record is a
/// live visit (the server's push planner counts it in the tallies from this,
/// rather than reading the fields a second time).
pub fn validate_record_reading_visit(state: &RecordState) -> Result<Option<Visit>, ValidationError> {
    if state.kind != RecordKind::Visit || (state.fields.is_empty() && state.deleted.is_some()) {
        return validate_record(state).map(|()| None);
    }
    size(state)?;
    if let Some(key) = crate::fields::unknown_keys(state.kind, &state.fields).into_iter().next() {
        return Err(ValidationError::UnknownField(key));
    }
    let v = parse(state)?;
    visit(&v)?;
    Ok(Some(v))
}

/// The record's fields within [`MAX_FIELDS`] and [`max_fields_bytes`].
fn size(state: &RecordState) -> Result<(), ValidationError> {
    if state.fields.len() > MAX_FIELDS {
        return Err(ValidationError::TooManyFields { count: state.fields.len(), max: MAX_FIELDS });
    }
    let max = max_fields_bytes(state.kind);
    // Most records are far below their limit: a bound that writes nothing settles those.
    if map_size_bound(&state.fields) <= max {
        return Ok(());
    }
    let size = json_size(&state.fields);
    if size > max {
        return Err(ValidationError::TooLarge { size, max });
    }
    Ok(())
}

/// At least [`json_size`] of `fields`, found without writing them: escaped, a string takes at
/// most six bytes per byte of it (`\u001f`), and a number at most 24.
fn map_size_bound(fields: &serde_json::Map<String, serde_json::Value>) -> usize {
    fn string(s: &str) -> usize {
        2 + 6 * s.len()
    }
    fn value(v: &serde_json::Value) -> usize {
        use serde_json::Value;
        match v {
            Value::Null | Value::Bool(_) => 5,
            Value::Number(_) => 24,
            Value::String(s) => string(s),
            Value::Array(items) => 2 + items.iter().map(|i| value(i) + 1).sum::<usize>(),
            Value::Object(map) => map_size_bound(map),
        }
    }
    2 + fields.iter().map(|(k, v)| string(k) + 1 + value(v) + 1).sum::<usize>()
}

/// Bytes of `value` as compact JSON, counted without building the text.
pub fn json_size<T: serde::Serialize + ?Sized>(value: &T) -> usize {
    struct Count(usize);
    impl std::io::Write for Count {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0 += buf.len();
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let mut count = Count(0);
    // Writing to a counter fails only for values JSON cannot hold (a map with
    // non-string keys), which no record has; count what was written so far.
    let _ = serde_json::to_writer(&mut count, value);
    count.0
}

fn parse<T: DeserializeOwned>(state: &RecordState) -> Result<T, ValidationError> {
    // Read from the map in place: the server validates every change it merges, and copying
    // the fields first was a good part of that.
    T::deserialize(&state.fields).map_err(|e| ValidationError::Shape(e.to_string()))
}

pub fn lab(l: &Lab) -> Result<(), ValidationError> {
    required_text("namn", &l.name, MAX_NAME_CHARS)?;
    required_text("ort", &l.city, MAX_NAME_CHARS)?;
    required_text("bostadsbolag", &l.organisation, MAX_NAME_CHARS)?;
    text("frågeställning", &l.question, MAX_QUESTION_CHARS)?;
    text("beskrivning", &l.description, MAX_LONG_TEXT_CHARS)?;
    if l.focus_areas.is_empty() {
        return Err(ValidationError::Required { field: "fokusområde" });
    }
    unique("fokusområde", &l.focus_areas)
}

pub fn meeting_place(m: &MeetingPlace) -> Result<(), ValidationError> {
    required_text("namn", &m.name, MAX_NAME_CHARS)?;
    text("målgrupp", &m.target_group, MAX_SHORT_TEXT_CHARS)?;
    if m.age_bands.is_empty() {
        return Err(ValidationError::Required { field: "åldersgrupper" });
    }
    unique("åldersgrupper", &m.age_bands)?;
    if m.catchment_population.is_some_and(|c| c > MAX_CATCHMENT) {
        return Err(ValidationError::OutOfRange { field: "invånare i upptagningsområdet" });
    }
    if m.opening_hours.len() > 21 {
        return Err(ValidationError::OutOfRange { field: "öppettider" });
    }
    let mut weekly: Vec<(u8, u32, u32)> = Vec::with_capacity(m.opening_hours.len());
    for h in &m.opening_hours {
        if !(1..=7).contains(&h.weekday) {
            return Err(ValidationError::OutOfRange { field: "veckodag" });
        }
        let (o, c) = span("öppettider", &h.opens, &h.closes)?;
        weekly.push((h.weekday, o, c));
    }
    // Every moment belongs to at most one span: counting once per opening
    // session needs it, and hours that overlap are a typing error anyway.
    for (i, a) in weekly.iter().enumerate() {
        if weekly[i + 1..].iter().any(|b| a.0 == b.0 && a.1 < b.2 && b.1 < a.2) {
            return Err(ValidationError::Overlap { field: "öppettider" });
        }
    }
    if m.exceptions.len() > MAX_EXCEPTIONS {
        return Err(ValidationError::OutOfRange { field: "avvikande dagar" });
    }
    for e in &m.exceptions {
        date("avvikande dagar", &e.from)?;
        date("avvikande dagar", &e.to)?;
        if e.to < e.from {
            return Err(ValidationError::Rule {
                field: "avvikande dagar",
                message: "avvikande dagar: slutdatumet är före startdatumet",
            });
        }
        if e.spans.len() > MAX_SPANS_PER_DAY {
            return Err(ValidationError::OutOfRange { field: "avvikande dagar" });
        }
        let spans =
            e.spans.iter().map(|s| span("avvikande dagar", &s.opens, &s.closes)).collect::<Result<Vec<_>, _>>()?;
        for (i, a) in spans.iter().enumerate() {
            if spans[i + 1..].iter().any(|b| a.0 < b.1 && b.0 < a.1) {
                return Err(ValidationError::Overlap { field: "avvikande dagar" });
            }
        }
        text("avvikande dagar", &e.note, MAX_SHORT_TEXT_CHARS)?;
    }
    if m.count_rule == crate::model::CountRule::OncePerSession && m.opening_hours.is_empty() {
        return Err(ValidationError::Required { field: "öppettider (för att räkna en gång per öppettillfälle)" });
    }
    Ok(())
}

/// An opening span "HH:MM"–"HH:MM" that ends after it begins, in minutes.
fn span(field: &'static str, opens: &str, closes: &str) -> Result<(u32, u32), ValidationError> {
    match (minutes_of_day(opens), minutes_of_day(closes)) {
        (Some(o), Some(c)) if o < c => Ok((o, c)),
        (Some(_), Some(_)) => Err(ValidationError::Rule {
            field,
            message: "öppettider: stängningstiden måste vara efter öppningstiden",
        }),
        _ => Err(ValidationError::Time { field }),
    }
}

pub fn visit(v: &Visit) -> Result<(), ValidationError> {
    date("datum", &v.date)?;
    // 2000-01-01 .. 2101-01-01 in ms
    if !(946_684_800_000..4_133_980_800_000).contains(&v.at_ms) {
        return Err(ValidationError::OutOfRange { field: "tidpunkt" });
    }
    Ok(())
}

pub fn goal(g: &Goal) -> Result<(), ValidationError> {
    required_text("rubrik", &g.title, MAX_SHORT_TEXT_CHARS)?;
    required_text("indikator", &g.indicator, MAX_SHORT_TEXT_CHARS)?;
    required_text("enhet", &g.unit, MAX_NAME_CHARS)?;
    finite("utgångsvärde", g.baseline)?;
    finite("målvärde", g.target)?;
    date("måldatum", &g.target_date)?;
    if let Some(d) = &g.baseline_date {
        date("utgångsvärdets datum", d)?;
    }
    match &g.source {
        Some(crate::model::GoalSource::Activities { kinds, .. }) => unique("aktivitetstyper", kinds),
        _ => Ok(()),
    }
}

/// What the goal form checks besides [`goal`]: rules between fields. They
/// are not record rules because fields merge one by one: two coordinators
/// may each make a valid edit (one raises the baseline, the other lowers the
/// target) that together break such a rule, and the server would then
/// refuse the second edit although it was fine where it was made.
pub fn goal_form(g: &Goal) -> Result<(), ValidationError> {
    goal(g)?;
    if let Some(d) = &g.baseline_date {
        if d.as_str() >= g.target_date.as_str() {
            return Err(ValidationError::Rule {
                field: "måldatum",
                message: "måldatumet måste vara efter utgångsvärdets datum",
            });
        }
    }
    // A target the wrong way from the baseline can never be "i fas" as the
    // app computes it.
    match g.direction {
        crate::model::GoalDirection::Up if g.target <= g.baseline => {
            return Err(ValidationError::Rule {
                field: "målvärde",
                message: "målvärdet måste vara högre än utgångsvärdet när indikatorn ska öka",
            })
        }
        crate::model::GoalDirection::Down if g.target >= g.baseline => {
            return Err(ValidationError::Rule {
                field: "målvärde",
                message: "målvärdet måste vara lägre än utgångsvärdet när indikatorn ska minska",
            })
        }
        _ => {}
    }
    if matches!(g.source, Some(crate::model::GoalSource::PollShare { .. })) && !(0.0..=100.0).contains(&g.target) {
        return Err(ValidationError::Rule { field: "målvärde", message: "en andel är mellan 0 och 100 procent" });
    }
    Ok(())
}

pub fn goal_measurement(m: &GoalMeasurement) -> Result<(), ValidationError> {
    date("datum", &m.date)?;
    finite("värde", m.value)?;
    text("anteckning", &m.note, MAX_LONG_TEXT_CHARS)?;
    entry_flag(m.flag.as_ref())
}

/// A flag names at least one field, each once.
fn entry_flag(flag: Option<&crate::checks::EntryFlag>) -> Result<(), ValidationError> {
    if let Some(f) = flag {
        if f.fields.is_empty() {
            return Err(ValidationError::Required { field: "uppföljningens fält" });
        }
        unique("uppföljningens fält", &f.fields)?;
    }
    Ok(())
}

/// A month's approval: a real month; re-opening says why.
pub fn month_approval(a: &crate::approval::MonthApproval) -> Result<(), ValidationError> {
    match crate::approval::parse_month(&a.month) {
        Some((y, _)) if (MIN_YEAR..=MAX_YEAR).contains(&y) => {}
        _ => return Err(ValidationError::OutOfRange { field: "månad (ÅÅÅÅ-MM)" }),
    }
    if !a.approved {
        required_text("skäl att öppna månaden", &a.reason, MAX_QUESTION_CHARS)?;
    }
    text("skäl", &a.reason, MAX_QUESTION_CHARS)?;
    text("av", &a.by, MAX_NAME_CHARS)
}

pub fn partner(p: &Partner) -> Result<(), ValidationError> {
    required_text("namn", &p.name, MAX_NAME_CHARS)
}

pub fn activity(a: &Activity) -> Result<(), ValidationError> {
    required_text("rubrik", &a.title, MAX_SHORT_TEXT_CHARS)?;
    date("datum", &a.date)?;
    let start = optional_time("starttid", a.start_time.as_deref())?;
    let end = optional_time("sluttid", a.end_time.as_deref())?;
    // "24:00" ends a day; nothing starts then.
    if start == Some(24 * 60) {
        return Err(ValidationError::Time { field: "starttid" });
    }
    if let (Some(s), Some(e)) = (start, end) {
        if s >= e {
            return Err(ValidationError::OutOfRange { field: "sluttid" });
        }
    }

    if a.participants.len() > MAX_PARTICIPANT_ROWS {
        return Err(ValidationError::OutOfRange { field: "deltagare" });
    }
    if a.participants.iter().any(|p| p.count > MAX_PARTICIPANTS_PER_ROW) {
        return Err(ValidationError::OutOfRange { field: "antal deltagare" });
    }
    // One row per age band and gender, or the table would count people twice.
    let rows: Vec<_> = a.participants.iter().map(|p| (p.age_band, p.gender)).collect();
    unique("deltagare", &rows)?;
    if u64::from(a.first_timers) > a.total_participants() {
        return Err(ValidationError::OutOfRange { field: "nya deltagare" });
    }

    links("samverkanspartner", &a.partner_ids)?;
    links("mål", &a.goal_ids)?;
    hours("personaltimmar", a.staff_hours)?;
    hours("volontärtimmar", a.volunteer_hours)?;
    text("anteckningar", &a.notes, MAX_LONG_TEXT_CHARS)?;
    text("lärdomar", &a.lessons_learned, MAX_LONG_TEXT_CHARS)?;
    if let Some(p) = &a.poll {
        if [p.yes, p.maybe, p.no].iter().any(|&n| n > MAX_POLL_ANSWERS) {
            return Err(ValidationError::OutOfRange { field: "snabbfrågans svar" });
        }
    }
    entry_flag(a.flag.as_ref())?;
    answers(&a.answers)
}

/// The answers an activity carries, on their own (whether each fits its
/// question is checked where the question is known: `questions::answer_misfit`).
fn answers(list: &[crate::questions::Answer]) -> Result<(), ValidationError> {
    use crate::questions::{MAX_ANSWERS, MAX_NUMBER_ANSWER};
    if list.len() > MAX_ANSWERS {
        return Err(ValidationError::OutOfRange { field: "svar" });
    }
    let ids: Vec<_> = list.iter().map(|a| a.question_id).collect();
    unique("svar", &ids)?;
    for a in list {
        if [a.yes, a.maybe, a.no].iter().any(|&n| n > MAX_POLL_ANSWERS) {
            return Err(ValidationError::OutOfRange { field: "svar" });
        }
        let faces = a.yes > 0 || a.maybe > 0 || a.no > 0;
        if u8::from(faces) + u8::from(a.value.is_some()) + u8::from(a.choice.is_some()) > 1 {
            return Err(ValidationError::Rule {
                field: "svar",
                message: "Ett svar är ansikten, ett tal eller ett val, inte flera.",
            });
        }
        if a.value.is_some_and(|v| !v.is_finite() || !(0.0..=MAX_NUMBER_ANSWER).contains(&v)) {
            return Err(ValidationError::OutOfRange { field: "svar" });
        }
        if a.choice.is_some_and(|c| c as usize >= crate::questions::MAX_OPTIONS) {
            return Err(ValidationError::OutOfRange { field: "svar" });
        }
    }
    Ok(())
}

/// A lab's question: a wording without personal data that asks for none,
/// options only for a choice (2–8, short, different), and somewhere to be
/// asked.
pub fn question(q: &crate::questions::Question) -> Result<(), ValidationError> {
    use crate::questions::{AnswerKind, MAX_OPTIONS, MAX_OPTION_CHARS, MIN_OPTIONS};
    required_text("frågan", &q.text, MAX_SHORT_TEXT_CHARS)?;
    no_personal_data(&[("frågan", q.text.clone())])?;
    if let Some(what) = crate::privacy::asks_for_personal_data(&q.text) {
        return Err(ValidationError::Rule { field: "frågan", message: what });
    }
    match q.answer {
        AnswerKind::Choice => {
            if !(MIN_OPTIONS..=MAX_OPTIONS).contains(&q.options.len()) {
                return Err(ValidationError::Rule {
                    field: "alternativ",
                    message: "En valfråga har 2 till 8 alternativ.",
                });
            }
            for o in &q.options {
                required_text("alternativ", o, MAX_OPTION_CHARS)?;
            }
            let folded: Vec<String> = q.options.iter().map(|o| o.trim().to_lowercase()).collect();
            unique("alternativ", &folded)?;
            let texts: Vec<(&'static str, String)> = q.options.iter().map(|o| ("alternativ", o.clone())).collect();
            no_personal_data(&texts)?;
        }
        _ if !q.options.is_empty() => {
            return Err(ValidationError::Rule { field: "alternativ", message: "Bara en valfråga har alternativ." });
        }
        _ => {}
    }
    if q.builtin.is_some() && q.answer != AnswerKind::Faces {
        return Err(ValidationError::Rule {
            field: "svarstyp", message: "Snabbfrågans frågor besvaras med ansikten."
        });
    }
    unique("aktiviteter", &q.activity_kinds)?;
    if !q.at_closing && q.activity_kinds.is_empty() {
        return Err(ValidationError::Rule {
            field: "när frågan ställs",
            message: "Välj när frågan ställs: när kvällen stängs, efter aktiviteter av något slag, eller båda.",
        });
    }
    Ok(())
}

/// Result figures one example may list.
pub const MAX_FIGURES: usize = 20;
/// A yearly cost above this (SEK) is a typing error.
pub const MAX_COST_SEK: u64 = 10_000_000_000;

pub fn good_example(e: &crate::knowledge::GoodExample) -> Result<(), ValidationError> {
    required_text("rubrik", &e.title, MAX_SHORT_TEXT_CHARS)?;
    required_text("bostadsbolag", &e.organisation, MAX_NAME_CHARS)?;
    text("ort och område", &e.place, MAX_NAME_CHARS)?;
    if e.focus_areas.is_empty() {
        return Err(ValidationError::Required { field: "fokusområde" });
    }
    unique("fokusområde", &e.focus_areas)?;
    unique("målgrupper", &e.target_groups)?;
    text("målgrupp", &e.target_group, MAX_SHORT_TEXT_CHARS)?;
    required_text("vad som gjordes", &e.what_was_done, MAX_LONG_TEXT_CHARS)?;
    text("samverkanspartner", &e.partners, MAX_QUESTION_CHARS)?;
    if let Some(h) = e.staff_hours_per_week {
        hours("personaltimmar per vecka", h)?;
    }
    if e.cost_sek_per_year.is_some_and(|c| c > MAX_COST_SEK) {
        return Err(ValidationError::OutOfRange { field: "kostnad per år" });
    }
    text("resurser", &e.resources_note, MAX_QUESTION_CHARS)?;
    text("resultat", &e.results, MAX_LONG_TEXT_CHARS)?;
    if e.figures.len() > MAX_FIGURES {
        return Err(ValidationError::OutOfRange { field: "siffror" });
    }
    for f in &e.figures {
        required_text("siffrans rubrik", &f.label, MAX_NAME_CHARS)?;
        required_text("siffrans värde", &f.value, 40)?;
    }
    text("kontakt", &e.contact_role, MAX_SHORT_TEXT_CHARS)?;
    // The contact is a role to ask for, in drafts too: a name there is published with the rest.
    if let Some(name) = crate::privacy::personal_name_in_role(&e.contact_role) {
        return Err(ValidationError::NotARole { field: "kontakt", name });
    }
    links("mål", &e.goal_ids)?;
    links("aktiviteter", &e.activity_ids)?;
    if let Some(d) = &e.published_on {
        date("publicerad", d)?;
    }
    if e.review.is_public() {
        no_personal_data(&e.texts())?;
    }
    Ok(())
}

pub fn lesson(l: &crate::knowledge::Lesson) -> Result<(), ValidationError> {
    required_text("rubrik", &l.title, MAX_SHORT_TEXT_CHARS)?;
    required_text("lärdom", &l.text, MAX_LONG_TEXT_CHARS)?;
    unique("framgångsfaktorer", &l.factors)?;
    unique("fokusområde", &l.focus_areas)?;
    text("bostadsbolag", &l.organisation, MAX_NAME_CHARS)?;
    text("ort och område", &l.place, MAX_NAME_CHARS)?;
    if let Some(d) = &l.published_on {
        date("publicerad", d)?;
    }
    if l.review.is_public() {
        no_personal_data(&l.texts())?;
    }
    Ok(())
}

/// The personal-data guard as a rule: what reaches every organisation holds
/// no personnummer, phone number or e-mail address in any text.
fn no_personal_data(texts: &[(&'static str, String)]) -> Result<(), ValidationError> {
    for (field, value) in texts {
        if let Some(f) = crate::privacy::find_personal_data(value).first() {
            return Err(ValidationError::PersonalData { field, what: f.kind.label_sv() });
        }
    }
    Ok(())
}

fn required_text(field: &'static str, value: &str, max: usize) -> Result<(), ValidationError> {
    if value.trim().is_empty() {
        return Err(ValidationError::Required { field });
    }
    text(field, value, max)
}

fn text(field: &'static str, value: &str, max: usize) -> Result<(), ValidationError> {
    if value.chars().count() > max {
        return Err(ValidationError::TooLong { field, max });
    }
    Ok(())
}

/// A calendar date within the years records may carry.
fn date(field: &'static str, value: &str) -> Result<(), ValidationError> {
    match parse_date(value) {
        Some((y, _, _)) if (MIN_YEAR..=MAX_YEAR).contains(&y) => Ok(()),
        _ => Err(ValidationError::Date { field }),
    }
}

fn optional_time(field: &'static str, value: Option<&str>) -> Result<Option<u32>, ValidationError> {
    value.map(|t| minutes_of_day(t).ok_or(ValidationError::Time { field })).transpose()
}

/// JSON cannot carry NaN or infinity, but a record built in the app can.
fn finite(field: &'static str, value: f64) -> Result<(), ValidationError> {
    if value.is_finite() {
        Ok(())
    } else {
        Err(ValidationError::OutOfRange { field })
    }
}

fn hours(field: &'static str, value: f64) -> Result<(), ValidationError> {
    // NaN and infinity fall outside the range too.
    if (0.0..=MAX_HOURS).contains(&value) {
        Ok(())
    } else {
        Err(ValidationError::OutOfRange { field })
    }
}

fn links(field: &'static str, ids: &[uuid::Uuid]) -> Result<(), ValidationError> {
    if ids.len() > MAX_LINKS {
        return Err(ValidationError::OutOfRange { field });
    }
    unique(field, ids)
}

fn unique<T: std::hash::Hash + Eq>(field: &'static str, items: &[T]) -> Result<(), ValidationError> {
    let mut seen = HashSet::new();
    if items.iter().all(|i| seen.insert(i)) {
        Ok(())
    } else {
        Err(ValidationError::Duplicate { field })
    }
}

/// "YYYY-MM-DD" → (year, month, day), checking the calendar.
pub fn parse_date(s: &str) -> Option<(i32, u32, u32)> {
    let b = s.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let y: i32 = s[0..4].parse().ok()?;
    let m: u32 = s[5..7].parse().ok()?;
    let d: u32 = s[8..10].parse().ok()?;
    if !(1..=12).contains(&m) || d == 0 || d > days_in_month(y, m) {
        return None;
    }
    Some((y, m, d))
}

pub fn days_in_month(y: i32, m: u32) -> u32 {
    match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        _ if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
        _ => 28,
    }
}

/// "HH:MM" → minutes since midnight ("24:00" allowed as a closing time).
pub fn minutes_of_day(s: &str) -> Option<u32> {
    let (h, m) = s.split_once(':')?;
    if h.len() != 2 || m.len() != 2 {
        return None;
    }
    let (h, m): (u32, u32) = (h.parse().ok()?, m.parse().ok()?);
    if m >= 60 || h > 24 || (h == 24 && m != 0) {
        return None;
    }
    Some(h * 60 + m)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{
        ActivityKind, AgeBand, CountRule, FocusArea, Gender, GoalDirection, GoalSource, OpeningHours, ParticipantCount,
        PartnerKind,
    };
    use uuid::Uuid;

    fn a_visit() -> Visit {
        Visit {
            meeting_place_id: Uuid::from_u128(1),
            at_ms: 1_732_000_000_000,
            date: "2024-11-19".into(),
            age_band: AgeBand::Age6To12,
            gender: None,
            first_visit: false,
        }
    }

    #[test]
    fn dates() {
        assert_eq!(parse_date("2024-02-29"), Some((2024, 2, 29)));
        assert_eq!(parse_date("2023-02-29"), None);
        assert_eq!(parse_date("2024-13-01"), None);
        assert_eq!(parse_date("24-01-01"), None);
        assert_eq!(parse_date("2024/01/01"), None);
    }

    #[test]
    fn visit_rules() {
        assert_eq!(visit(&a_visit()), Ok(()));
        assert!(visit(&Visit { date: "1999-12-31".into(), ..a_visit() }).is_err());
        assert!(visit(&Visit { date: "2024-02-30".into(), ..a_visit() }).is_err());
        assert!(visit(&Visit { at_ms: -5, ..a_visit() }).is_err());
    }

    #[test]
    fn meeting_place_rules() {
        let ok = MeetingPlace {
            name: "Lina Hage mötesplats".into(),
            opening_hours: vec![OpeningHours { weekday: 2, opens: "17:00".into(), closes: "21:00".into() }],
            target_group: "Unga under 16".into(),
            age_bands: vec![AgeBand::Age6To12, AgeBand::Age13To15],
            catchment_population: Some(900),
            gender_split: true,
            count_rule: CountRule::EveryEntry,
            exceptions: vec![],
            retired: false,
        };
        assert_eq!(meeting_place(&ok), Ok(()));
        // Once per opening session: needs opening hours, and sessions that do not overlap.
        let per_session = MeetingPlace { count_rule: CountRule::OncePerSession, ..ok.clone() };
        assert_eq!(meeting_place(&per_session), Ok(()));
        let mut bad = per_session.clone();
        bad.opening_hours.clear();
        assert!(matches!(meeting_place(&bad), Err(ValidationError::Required { .. })));
        let mut bad = per_session.clone();
        bad.opening_hours.push(OpeningHours { weekday: 2, opens: "20:00".into(), closes: "22:00".into() });
        assert_eq!(meeting_place(&bad), Err(ValidationError::Overlap { field: "öppettider" }));
        let mut fine = per_session;
        fine.opening_hours.push(OpeningHours { weekday: 2, opens: "21:00".into(), closes: "22:00".into() });
        fine.opening_hours.push(OpeningHours { weekday: 3, opens: "17:00".into(), closes: "21:00".into() });
        assert_eq!(meeting_place(&fine), Ok(()), "back-to-back and other days are fine");
        // The split and the rule come as known values only.
        let mut state = state_of(RecordKind::MeetingPlace, &ok);
        state.fields.insert("count_rule".into(), serde_json::json!("sometimes"));
        assert!(matches!(validate_record(&state), Err(ValidationError::Shape(_))));
        let mut bad = ok.clone();
        bad.opening_hours[0].closes = "16:00".into();
        assert!(meeting_place(&bad).is_err());
        let mut bad = ok.clone();
        bad.age_bands.push(AgeBand::Age6To12);
        assert_eq!(meeting_place(&bad), Err(ValidationError::Duplicate { field: "åldersgrupper" }));
        let mut bad = ok.clone();
        bad.name = "x".repeat(MAX_NAME_CHARS + 1);
        assert!(matches!(meeting_place(&bad), Err(ValidationError::TooLong { .. })));
        // Overlapping hours are refused whatever the rule, naming the field.
        let mut bad = ok.clone();
        bad.opening_hours.push(OpeningHours { weekday: 2, opens: "18:00".into(), closes: "19:00".into() });
        let e = meeting_place(&bad).unwrap_err();
        assert_eq!((e.field(), e.to_string().as_str()), (Some("öppettider"), "öppettider överlappar varandra"));
        let mut bad = ok.clone();
        bad.catchment_population = Some(MAX_CATCHMENT + 1);
        assert_eq!(meeting_place(&bad), Err(ValidationError::OutOfRange { field: "invånare i upptagningsområdet" }));
    }

    #[test]
    fn opening_exception_rules() {
        use crate::model::{OpeningException, TimeSpan};
        let place = |exceptions: Vec<OpeningException>| MeetingPlace {
            name: "Gården".into(),
            opening_hours: vec![OpeningHours { weekday: 2, opens: "17:00".into(), closes: "21:00".into() }],
            target_group: String::new(),
            age_bands: vec![AgeBand::Age13To15],
            catchment_population: None,
            gender_split: false,
            count_rule: CountRule::EveryEntry,
            exceptions,
            retired: false,
        };
        let ex = |from: &str, to: &str, spans: &[(&str, &str)]| OpeningException {
            from: from.into(),
            to: to.into(),
            spans: spans.iter().map(|&(o, c)| TimeSpan { opens: o.into(), closes: c.into() }).collect(),
            note: "Jul".into(),
        };
        assert_eq!(meeting_place(&place(vec![ex("2026-12-21", "2027-01-06", &[])])), Ok(()));
        assert_eq!(
            meeting_place(&place(vec![ex("2026-12-24", "2026-12-24", &[("10:00", "12:00"), ("13:00", "15:00")])])),
            Ok(())
        );
        let e = meeting_place(&place(vec![ex("2027-01-06", "2026-12-21", &[])])).unwrap_err();
        assert_eq!(e.field(), Some("avvikande dagar"));
        assert!(e.to_string().contains("slutdatumet är före startdatumet"), "{e}");
        assert_eq!(
            meeting_place(&place(vec![ex("2026-02-30", "2026-03-01", &[])])),
            Err(ValidationError::Date { field: "avvikande dagar" })
        );
        assert_eq!(
            meeting_place(&place(vec![ex("2026-12-24", "2026-12-24", &[("10:00", "12:00"), ("11:00", "15:00")])])),
            Err(ValidationError::Overlap { field: "avvikande dagar" })
        );
        assert_eq!(
            meeting_place(&place(vec![ex("2026-12-24", "2026-12-24", &[("10:00", "9:00")])])),
            Err(ValidationError::Time { field: "avvikande dagar" })
        );
        let e = meeting_place(&place(vec![ex("2026-12-24", "2026-12-24", &[("12:00", "10:00")])])).unwrap_err();
        assert!(e.to_string().contains("stängningstiden måste vara efter öppningstiden"), "{e}");
        let many = (0..=MAX_EXCEPTIONS).map(|_| ex("2026-12-24", "2026-12-24", &[])).collect();
        assert_eq!(meeting_place(&place(many)), Err(ValidationError::OutOfRange { field: "avvikande dagar" }));
    }

    fn a_goal() -> Goal {
        Goal {
            focus_area: FocusArea::LongTermUnemployment,
            title: "Fler i arbete eller studier".into(),
            indicator: "Deltagare som fått arbete eller börjat studera".into(),
            unit: "personer".into(),
            baseline: 0.0,
            target: 25.0,
            target_date: "2025-12-31".into(),
            direction: GoalDirection::Up,
            source: None,
            baseline_date: Some("2024-12-31".into()),
            schedule: None,
            retired: false,
        }
    }

    fn an_activity() -> Activity {
        Activity {
            meeting_place_id: Some(Uuid::from_u128(1)),
            kind: ActivityKind::Workshop,
            title: "Workshop: trygg i området".into(),
            date: "2024-11-19".into(),
            start_time: Some("17:00".into()),
            end_time: Some("19:30".into()),
            participants: vec![
                ParticipantCount { age_band: AgeBand::Age13To15, gender: Some(Gender::Girl), count: 6 },
                ParticipantCount { age_band: AgeBand::Age13To15, gender: Some(Gender::Boy), count: 8 },
                ParticipantCount { age_band: AgeBand::Age13To15, gender: None, count: 1 },
            ],
            first_timers: 4,
            partner_ids: vec![Uuid::from_u128(2), Uuid::from_u128(3)],
            goal_ids: vec![Uuid::from_u128(4)],
            staff_hours: 5.0,
            volunteer_hours: 2.5,
            notes: String::new(),
            lessons_learned: "Bjud in via skolan.".into(),
            poll: None,
            flag: None,
            answers: Vec::new(),
        }
    }

    fn state_of<T: serde::Serialize>(kind: RecordKind, record: &T) -> RecordState {
        let fields = match serde_json::to_value(record).unwrap() {
            serde_json::Value::Object(m) => m,
            other => panic!("not an object: {other}"),
        };
        RecordState {
            kind,
            id: Uuid::from_u128(10),
            lab_id: Uuid::from_u128(11),
            fields,
            clocks: Default::default(),
            deleted: None,
            restored: None,
        }
    }

    #[test]
    fn goal_rules() {
        assert_eq!(goal(&a_goal()), Ok(()));
        assert_eq!(goal(&Goal { title: " ".into(), ..a_goal() }), Err(ValidationError::Required { field: "rubrik" }));
        assert_eq!(
            goal(&Goal { indicator: String::new(), ..a_goal() }),
            Err(ValidationError::Required { field: "indikator" })
        );
        assert_eq!(goal(&Goal { unit: String::new(), ..a_goal() }), Err(ValidationError::Required { field: "enhet" }));
        assert!(matches!(
            goal(&Goal { title: "x".repeat(MAX_SHORT_TEXT_CHARS + 1), ..a_goal() }),
            Err(ValidationError::TooLong { field: "rubrik", .. })
        ));
        assert_eq!(
            goal(&Goal { baseline: f64::NAN, ..a_goal() }),
            Err(ValidationError::OutOfRange { field: "utgångsvärde" })
        );
        assert_eq!(
            goal(&Goal { target: f64::INFINITY, ..a_goal() }),
            Err(ValidationError::OutOfRange { field: "målvärde" })
        );
        assert_eq!(goal(&Goal { target: -3.5, direction: GoalDirection::Down, ..a_goal() }), Ok(()));
        // The target lies the way the indicator should move.
        assert_eq!(goal(&Goal { target: 0.0, ..a_goal() }), Ok(()), "rules between fields are the form's");
        let e = goal_form(&Goal { target: 0.0, ..a_goal() }).unwrap_err();
        assert_eq!(
            (e.field(), e.to_string().as_str()),
            (Some("målvärde"), "målvärdet måste vara högre än utgångsvärdet när indikatorn ska öka")
        );
        assert!(goal_form(&Goal { target: 30.0, direction: GoalDirection::Down, ..a_goal() }).is_err());
        assert_eq!(goal_form(&a_goal()), Ok(()));
        // The baseline is measured before the deadline.
        assert_eq!(
            goal(&Goal { baseline_date: Some("2024-02-30".into()), ..a_goal() }),
            Err(ValidationError::Date { field: "utgångsvärdets datum" })
        );
        let e = goal_form(&Goal { baseline_date: Some("2026-01-01".into()), ..a_goal() }).unwrap_err();
        assert_eq!(e.field(), Some("måldatum"));
        assert_eq!(goal(&Goal { baseline_date: None, ..a_goal() }), Ok(()), "goals set before the date existed");
        // Sources: no kind twice; a share is a per cent.
        use crate::model::{ActivityMeasure, PollQuestion};
        let kinds = |kinds: Vec<ActivityKind>| Goal {
            source: Some(GoalSource::Activities { kinds, measure: ActivityMeasure::Participants }),
            ..a_goal()
        };
        assert_eq!(goal(&kinds(vec![ActivityKind::Course, ActivityKind::Workshop])), Ok(()));
        assert_eq!(goal(&kinds(vec![])), Ok(()), "no kind: every kind");
        assert_eq!(
            goal(&kinds(vec![ActivityKind::Course, ActivityKind::Course])),
            Err(ValidationError::Duplicate { field: "aktivitetstyper" })
        );
        let share = |target| Goal {
            source: Some(GoalSource::PollShare { question: PollQuestion::FeltSafe, include_maybe: false }),
            target,
            ..a_goal()
        };
        assert_eq!(goal_form(&share(90.0)), Ok(()));
        assert_eq!(goal_form(&share(120.0)).unwrap_err().field(), Some("målvärde"));
        assert_eq!(
            goal(&Goal { target_date: "2025-02-29".into(), ..a_goal() }),
            Err(ValidationError::Date { field: "måldatum" })
        );
        assert_eq!(
            goal(&Goal { target_date: "2101-01-01".into(), ..a_goal() }),
            Err(ValidationError::Date { field: "måldatum" })
        );
        let automatic =
            Goal { source: Some(GoalSource::VisitsPerWeek { meeting_place_id: Uuid::from_u128(1) }), ..a_goal() };
        assert_eq!(goal(&automatic), Ok(()));
    }

    #[test]
    fn goal_measurement_rules() {
        let ok = GoalMeasurement {
            goal_id: Uuid::from_u128(1),
            date: "2024-11-18".into(),
            value: 7.0,
            note: String::new(),
            flag: None,
        };
        assert_eq!(goal_measurement(&ok), Ok(()));
        assert_eq!(goal_measurement(&GoalMeasurement { value: -2.0, ..ok.clone() }), Ok(()));
        assert_eq!(
            goal_measurement(&GoalMeasurement { value: f64::NAN, ..ok.clone() }),
            Err(ValidationError::OutOfRange { field: "värde" })
        );
        assert_eq!(
            goal_measurement(&GoalMeasurement { date: "1999-12-31".into(), ..ok.clone() }),
            Err(ValidationError::Date { field: "datum" })
        );
        assert!(matches!(
            goal_measurement(&GoalMeasurement { note: "x".repeat(MAX_LONG_TEXT_CHARS + 1), ..ok }),
            Err(ValidationError::TooLong { field: "anteckning", .. })
        ));
    }

    #[test]
    fn partner_rules() {
        let ok = Partner::new("Svenska kyrkan", PartnerKind::Church);
        assert_eq!(partner(&ok), Ok(()));
        assert_eq!(
            partner(&Partner { name: "  ".into(), ..ok.clone() }),
            Err(ValidationError::Required { field: "namn" })
        );
        assert!(matches!(
            partner(&Partner { name: "x".repeat(MAX_NAME_CHARS + 1), ..ok }),
            Err(ValidationError::TooLong { field: "namn", .. })
        ));
    }

    #[test]
    fn activity_text_and_date_rules() {
        assert_eq!(activity(&an_activity()), Ok(()));
        assert_eq!(
            activity(&Activity { title: String::new(), ..an_activity() }),
            Err(ValidationError::Required { field: "rubrik" })
        );
        assert_eq!(
            activity(&Activity { date: "2024-11-31".into(), ..an_activity() }),
            Err(ValidationError::Date { field: "datum" })
        );
        assert!(matches!(
            activity(&Activity { notes: "x".repeat(MAX_LONG_TEXT_CHARS + 1), ..an_activity() }),
            Err(ValidationError::TooLong { field: "anteckningar", .. })
        ));
        assert!(matches!(
            activity(&Activity { lessons_learned: "x".repeat(MAX_LONG_TEXT_CHARS + 1), ..an_activity() }),
            Err(ValidationError::TooLong { field: "lärdomar", .. })
        ));
    }

    #[test]
    fn activity_time_rules() {
        let times = |start: Option<&str>, end: Option<&str>| {
            activity(&Activity { start_time: start.map(Into::into), end_time: end.map(Into::into), ..an_activity() })
        };
        assert_eq!(times(None, None), Ok(()));
        assert_eq!(times(Some("09:00"), None), Ok(()));
        assert_eq!(times(None, Some("24:00")), Ok(()));
        assert_eq!(times(Some("23:00"), Some("24:00")), Ok(()));
        assert_eq!(times(Some("9:00"), None), Err(ValidationError::Time { field: "starttid" }));
        assert_eq!(times(Some("24:00"), None), Err(ValidationError::Time { field: "starttid" }));
        assert_eq!(times(None, Some("18:60")), Err(ValidationError::Time { field: "sluttid" }));
        assert_eq!(times(Some("18:00"), Some("18:00")), Err(ValidationError::OutOfRange { field: "sluttid" }));
        assert_eq!(times(Some("18:00"), Some("17:00")), Err(ValidationError::OutOfRange { field: "sluttid" }));
    }

    #[test]
    fn activity_participant_rules() {
        let row = |band, gender, count| ParticipantCount { age_band: band, gender, count };
        let with = |participants: Vec<ParticipantCount>, first_timers| {
            activity(&Activity { participants, first_timers, ..an_activity() })
        };
        assert_eq!(with(vec![], 0), Ok(()));
        assert_eq!(with(vec![row(AgeBand::Age65Plus, None, MAX_PARTICIPANTS_PER_ROW)], 0), Ok(()));
        assert_eq!(
            with(vec![row(AgeBand::Age65Plus, None, MAX_PARTICIPANTS_PER_ROW + 1)], 0),
            Err(ValidationError::OutOfRange { field: "antal deltagare" })
        );
        let too_many: Vec<_> = (0..=MAX_PARTICIPANT_ROWS).map(|_| row(AgeBand::Age0To5, None, 1)).collect();
        assert_eq!(with(too_many, 0), Err(ValidationError::OutOfRange { field: "deltagare" }));
        assert_eq!(
            with(vec![row(AgeBand::Age6To12, Some(Gender::Boy), 2), row(AgeBand::Age6To12, Some(Gender::Boy), 3)], 0),
            Err(ValidationError::Duplicate { field: "deltagare" })
        );
        // The same band with and without gender are different rows.
        assert_eq!(
            with(vec![row(AgeBand::Age6To12, Some(Gender::Boy), 2), row(AgeBand::Age6To12, None, 3)], 5),
            Ok(())
        );
        assert_eq!(
            with(vec![row(AgeBand::Age6To12, None, 3)], 4),
            Err(ValidationError::OutOfRange { field: "nya deltagare" })
        );
        assert_eq!(with(vec![], 1), Err(ValidationError::OutOfRange { field: "nya deltagare" }));
    }

    #[test]
    fn activity_link_rules() {
        let ids = |n: u128| (1..=n).map(Uuid::from_u128).collect::<Vec<_>>();
        assert_eq!(activity(&Activity { partner_ids: ids(MAX_LINKS as u128), ..an_activity() }), Ok(()));
        assert_eq!(
            activity(&Activity { partner_ids: ids(MAX_LINKS as u128 + 1), ..an_activity() }),
            Err(ValidationError::OutOfRange { field: "samverkanspartner" })
        );
        assert_eq!(
            activity(&Activity { goal_ids: vec![Uuid::from_u128(4), Uuid::from_u128(4)], ..an_activity() }),
            Err(ValidationError::Duplicate { field: "mål" })
        );
        assert_eq!(
            activity(&Activity { goal_ids: ids(MAX_LINKS as u128 + 1), ..an_activity() }),
            Err(ValidationError::OutOfRange { field: "mål" })
        );
    }

    #[test]
    fn poll_tallies_are_bounded() {
        use crate::model::{PollQuestion, PollTally};
        let mut poll = PollTally::new(PollQuestion::FeltSafe);
        poll.yes = 12;
        assert_eq!(activity(&Activity { poll: Some(poll), ..an_activity() }), Ok(()));
        poll.no = MAX_POLL_ANSWERS + 1;
        assert!(activity(&Activity { poll: Some(poll), ..an_activity() }).is_err());
    }

    #[test]
    fn activity_hour_rules() {
        let hours = |staff: f64, volunteer: f64| {
            activity(&Activity { staff_hours: staff, volunteer_hours: volunteer, ..an_activity() })
        };
        assert_eq!(hours(0.0, 0.0), Ok(()));
        assert_eq!(hours(MAX_HOURS, MAX_HOURS), Ok(()));
        assert_eq!(hours(-0.5, 0.0), Err(ValidationError::OutOfRange { field: "personaltimmar" }));
        assert_eq!(hours(MAX_HOURS + 0.5, 0.0), Err(ValidationError::OutOfRange { field: "personaltimmar" }));
        assert_eq!(hours(f64::NAN, 0.0), Err(ValidationError::OutOfRange { field: "personaltimmar" }));
        assert_eq!(hours(0.0, f64::INFINITY), Err(ValidationError::OutOfRange { field: "volontärtimmar" }));
    }

    #[test]
    fn reading_a_visit_validates_as_validate_record_does() {
        let good = a_visit();
        let bad = Visit { date: "2026-13-01".into(), ..a_visit() };
        for v in [&good, &bad] {
            let s = state_of(RecordKind::Visit, v);
            assert_eq!(validate_record_reading_visit(&s).map(|_| ()), validate_record(&s));
        }
        assert_eq!(validate_record_reading_visit(&state_of(RecordKind::Visit, &good)), Ok(Some(good)));
        assert_eq!(validate_record_reading_visit(&state_of(RecordKind::Activity, &an_activity())), Ok(None));
        let mut unknown = state_of(RecordKind::Visit, &a_visit());
        unknown.fields.insert("anteckning".into(), serde_json::json!("070-123 45 67"));
        assert_eq!(validate_record_reading_visit(&unknown).map(|_| ()), validate_record(&unknown));
        assert!(validate_record(&unknown).is_err());
    }

    #[test]
    fn validate_record_checks_every_kind() {
        let partner_rec = Partner::new("Röda korset", PartnerKind::Ngo);
        let measurement = GoalMeasurement {
            goal_id: Uuid::from_u128(1),
            date: "2024-11-18".into(),
            value: 1.0,
            note: String::new(),
            flag: None,
        };
        assert_eq!(validate_record(&state_of(RecordKind::Goal, &a_goal())), Ok(()));
        assert_eq!(validate_record(&state_of(RecordKind::GoalMeasurement, &measurement)), Ok(()));
        assert_eq!(validate_record(&state_of(RecordKind::Partner, &partner_rec)), Ok(()));
        assert_eq!(validate_record(&state_of(RecordKind::Activity, &an_activity())), Ok(()));

        // The rules of the kind run, not just the shape.
        let bad = Activity { staff_hours: -1.0, ..an_activity() };
        assert!(validate_record(&state_of(RecordKind::Activity, &bad)).is_err());
        assert!(validate_record(&state_of(
            RecordKind::Partner,
            &Partner { name: String::new(), ..partner_rec.clone() }
        ))
        .is_err());
        // Fields of another kind are unknown to this one.
        assert_eq!(
            validate_record(&state_of(RecordKind::Goal, &partner_rec)),
            Err(ValidationError::UnknownField("kind".into()))
        );
        // Closed records: a key no schema names is refused, naming it, in Swedish.
        let mut extra = state_of(RecordKind::Activity, &an_activity());
        extra.fields.insert("anteckning".into(), "070-123 45 67, pnr 811218-9876".into());
        let refused = validate_record(&extra).unwrap_err();
        assert_eq!(refused, ValidationError::UnknownField("anteckning".into()));
        assert!(
            refused.to_string().contains("”anteckning”") && refused.to_string().contains("okänt fält"),
            "{refused}"
        );
        let mut unknown_kind = state_of(RecordKind::Partner, &partner_rec);
        unknown_kind.fields.insert("kind".into(), "bank".into());
        assert!(matches!(validate_record(&unknown_kind), Err(ValidationError::Shape(_))));
        // An edit that reached the server before the record: only part of it is known.
        let mut partial = state_of(RecordKind::Goal, &a_goal());
        partial.fields.remove("title");
        assert!(matches!(validate_record(&partial), Err(ValidationError::Shape(_))));
    }

    #[test]
    fn message_is_swedish() {
        assert_eq!(ValidationError::Required { field: "namn" }.to_string(), "namn måste fyllas i");
    }

    #[test]
    fn records_are_bounded_in_size_and_fields_per_kind() {
        // The issue's 1.9 MB visit: an unknown key carrying megabytes.
        let mut big = state_of(RecordKind::Visit, &a_visit());
        big.fields.insert("extra".into(), "x".repeat(1_900_000).into());
        let err = validate_record(&big).unwrap_err();
        assert!(matches!(err, ValidationError::TooLarge { max: 2048, .. }), "{err:?}");
        assert!(err.to_string().starts_with("posten är för stor (1900"), "{err}");
        let mut wide = state_of(RecordKind::Visit, &a_visit());
        for i in 0..MAX_FIELDS {
            wide.fields.insert(format!("x{i}"), 1.into());
        }
        assert!(matches!(validate_record(&wide), Err(ValidationError::TooManyFields { .. })));
        // The largest valid activity, every text at its limit in 4-byte
        // characters and every list full, still fits its kind's limit.
        let emoji = |n: usize| "🧩".repeat(n);
        let mut a = an_activity();
        a.title = emoji(MAX_SHORT_TEXT_CHARS);
        a.notes = emoji(MAX_LONG_TEXT_CHARS);
        a.lessons_learned = emoji(MAX_LONG_TEXT_CHARS);
        a.partner_ids = (0..MAX_LINKS as u128).map(Uuid::from_u128).collect();
        a.goal_ids = (1000..1000 + MAX_LINKS as u128).map(Uuid::from_u128).collect();
        let state = state_of(RecordKind::Activity, &a);
        assert!(json_size(&state.fields) > 40_000);
        assert_eq!(validate_record(&state), Ok(()));
        // A tombstone without fields is never too large.
        let tomb = RecordState { fields: Default::default(), deleted: Some(crate::Hlc::ZERO), ..big };
        assert_eq!(validate_record(&tomb), Ok(()));
    }
}

#[cfg(test)]
mod size_bound_tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_bound_is_never_below_the_written_size() {
        let samples = [
            json!({}),
            json!({"a": "", "b": null, "c": true, "d": -1.7976931348623157e308, "e": u64::MAX}),
            json!({"ctrl": "\u{1}\u{1f}\"\\\n", "sv": "åäö ÅÄÖ", "emoji": "🙂🙂"}),
            json!({"list": [1, "x", [], {}, {"deep": ["\u{7}"]}], "o": {"p": {"q": "r"}}}),
        ];
        for sample in samples {
            let map = sample.as_object().unwrap();
            assert!(map_size_bound(map) >= json_size(map), "{sample}");
        }
    }
}
