//! Closed records: the fields each kind of record has, down into its lists
//! and objects. A change that sets a key its kind does not name is refused
//! (`validate::validate_record`), so nothing unvalidated is stored, synced to
//! colleagues or published past the personal-data guard, which reads the
//! fields it knows. The server's schema migration drops the unknown keys
//! stored before records were closed ([`strip_unknown`]).
//!
//! A newer app's new field is unknown here until this list (the schema
//! version, docs/SYNC.md) names it; `tests` below keep the lists equal to the
//! record types' serde fields.

use crate::model::RecordKind;
use serde_json::{Map, Value};

/// One field of a record, and what it holds when that is an object or a
/// list of objects (whose keys are closed too).
#[derive(Debug)]
pub struct Field {
    pub name: &'static str,
    pub nested: Nested,
}

#[derive(Debug)]
pub enum Nested {
    /// A value, or a list of values.
    None,
    /// An object (or `null`) with these fields.
    Object(&'static [Field]),
    /// A list of objects with these fields.
    ListOf(&'static [Field]),
}

const fn f(name: &'static str) -> Field {
    Field { name, nested: Nested::None }
}

const OPENING_HOURS: &[Field] = &[f("weekday"), f("opens"), f("closes")];
const PARTICIPANT_COUNT: &[Field] = &[f("age_band"), f("gender"), f("count")];
const POLL: &[Field] = &[f("question"), f("yes"), f("maybe"), f("no")];
const TIME_SPAN: &[Field] = &[f("opens"), f("closes")];
const OPENING_EXCEPTION: &[Field] =
    &[f("from"), f("to"), Field { name: "spans", nested: Nested::ListOf(TIME_SPAN) }, f("note")];
/// The keys of every kind of goal source together (`model::GoalSource`).
const GOAL_SOURCE: &[Field] = &[
    f("kind"),
    f("meeting_place_id"),
    f("per"),
    f("first_only"),
    f("age_band"),
    f("gender"),
    f("kinds"),
    f("measure"),
    f("question"),
    f("include_maybe"),
    f("question_id"),
    f("stat"),
    f("option"),
];
const ANSWER: &[Field] = &[f("question_id"), f("yes"), f("maybe"), f("no"), f("value"), f("choice")];
const QUESTION: &[Field] = &[
    f("text"),
    f("answer"),
    f("options"),
    f("meeting_place_id"),
    f("at_closing"),
    f("activity_kinds"),
    f("builtin"),
    f("replaces"),
    f("retired"),
];
const FIGURE: &[Field] = &[f("label"), f("value")];
const ENTRY_FLAG: &[Field] = &[f("fields"), f("confirmed")];
const MONTH_FIGURES: &[Field] = &[
    f("visits"),
    f("activities"),
    f("participants"),
    f("measurements"),
    f("sessions"),
    f("sessions_logged"),
    f("sessions_closed"),
];

const LAB: &[Field] = &[f("name"), f("city"), f("organisation"), f("focus_areas"), f("question"), f("description")];
const MEETING_PLACE: &[Field] = &[
    f("name"),
    Field { name: "opening_hours", nested: Nested::ListOf(OPENING_HOURS) },
    f("target_group"),
    f("age_bands"),
    f("catchment_population"),
    f("gender_split"),
    f("count_rule"),
    Field { name: "exceptions", nested: Nested::ListOf(OPENING_EXCEPTION) },
    f("retired"),
];
const VISIT: &[Field] = &[f("meeting_place_id"), f("at_ms"), f("date"), f("age_band"), f("gender"), f("first_visit")];
const GOAL: &[Field] = &[
    f("focus_area"),
    f("title"),
    f("indicator"),
    f("unit"),
    f("baseline"),
    f("target"),
    f("target_date"),
    f("direction"),
    Field { name: "source", nested: Nested::Object(GOAL_SOURCE) },
    f("baseline_date"),
    f("schedule"),
    f("retired"),
];
const GOAL_MEASUREMENT: &[Field] =
    &[f("goal_id"), f("date"), f("value"), f("note"), Field { name: "flag", nested: Nested::Object(ENTRY_FLAG) }];
const PARTNER: &[Field] = &[f("name"), f("kind"), f("retired"), f("merged_into")];
const ACTIVITY: &[Field] = &[
    f("meeting_place_id"),
    f("kind"),
    f("title"),
    f("date"),
    f("start_time"),
    f("end_time"),
    Field { name: "participants", nested: Nested::ListOf(PARTICIPANT_COUNT) },
    f("first_timers"),
    f("partner_ids"),
    f("goal_ids"),
    f("staff_hours"),
    f("volunteer_hours"),
    f("notes"),
    f("lessons_learned"),
    Field { name: "poll", nested: Nested::Object(POLL) },
    Field { name: "flag", nested: Nested::Object(ENTRY_FLAG) },
    Field { name: "answers", nested: Nested::ListOf(ANSWER) },
];
const GOOD_EXAMPLE: &[Field] = &[
    f("title"),
    f("organisation"),
    f("place"),
    f("focus_areas"),
    f("target_groups"),
    f("target_group"),
    f("what_was_done"),
    f("partners"),
    f("staff_hours_per_week"),
    f("cost_sek_per_year"),
    f("premises"),
    f("resources_note"),
    f("results"),
    Field { name: "figures", nested: Nested::ListOf(FIGURE) },
    f("contact_role"),
    f("status"),
    f("goal_ids"),
    f("activity_ids"),
    f("review"),
    f("published_on"),
];
const LESSON: &[Field] = &[
    f("title"),
    f("text"),
    f("factors"),
    f("focus_areas"),
    f("organisation"),
    f("place"),
    f("activity_id"),
    f("review"),
    f("published_on"),
];
const MONTH_APPROVAL: &[Field] = &[
    f("month"),
    f("approved"),
    f("reason"),
    f("by"),
    Field { name: "figures", nested: Nested::Object(MONTH_FIGURES) },
];

/// The fields a record of `kind` has.
pub fn of_kind(kind: RecordKind) -> &'static [Field] {
    match kind {
        RecordKind::Lab => LAB,
        RecordKind::MeetingPlace => MEETING_PLACE,
        RecordKind::Visit => VISIT,
        RecordKind::Goal => GOAL,
        RecordKind::GoalMeasurement => GOAL_MEASUREMENT,
        RecordKind::Partner => PARTNER,
        RecordKind::Activity => ACTIVITY,
        RecordKind::GoodExample => GOOD_EXAMPLE,
        RecordKind::Lesson => LESSON,
        RecordKind::MonthApproval => MONTH_APPROVAL,
        RecordKind::Question => QUESTION,
    }
}

/// Every key in `fields` that a record of `kind` does not have, as a path
/// ("anteckning", "participants[2].namn"), in the order found.
pub fn unknown_keys(kind: RecordKind, fields: &Map<String, Value>) -> Vec<String> {
    let mut found = Vec::new();
    walk(of_kind(kind), fields, "", &mut found);
    found
}

fn walk(known: &[Field], object: &Map<String, Value>, prefix: &str, found: &mut Vec<String>) {
    // Paths are built only for what is found (or gone into): a known record allocates nothing.
    for (key, value) in object {
        let Some(field) = known.iter().find(|f| f.name == key) else {
            found.push(format!("{prefix}{key}"));
            continue;
        };
        match (&field.nested, value) {
            (Nested::Object(inner), Value::Object(o)) => walk(inner, o, &format!("{prefix}{key}."), found),
            (Nested::ListOf(inner), Value::Array(items)) => {
                for (i, item) in items.iter().enumerate() {
                    if let Value::Object(o) = item {
                        walk(inner, o, &format!("{prefix}{key}[{i}]."), found);
                    }
                }
            }
            _ => {}
        }
    }
}

/// Remove every unknown key from `fields` (and, for a top-level key, its
/// clock from `clocks`); returns how many went. For the schema migration that
/// closes records already stored.
pub fn strip_unknown(
    kind: RecordKind,
    fields: &mut Map<String, Value>,
    clocks: &mut std::collections::BTreeMap<String, crate::Hlc>,
) -> usize {
    let removed = strip(of_kind(kind), fields);
    clocks.retain(|k, _| !removed.top.contains(k));
    removed.count
}

struct Removed {
    count: usize,
    top: Vec<String>,
}

fn strip(known: &[Field], object: &mut Map<String, Value>) -> Removed {
    let top: Vec<String> = object.keys().filter(|k| !known.iter().any(|f| f.name == k.as_str())).cloned().collect();
    let mut count = top.len();
    for k in &top {
        object.remove(k);
    }
    for field in known {
        match (&field.nested, object.get_mut(field.name)) {
            (Nested::Object(inner), Some(Value::Object(o))) => count += strip(inner, o).count,
            (Nested::ListOf(inner), Some(Value::Array(items))) => {
                for item in items {
                    if let Value::Object(o) = item {
                        count += strip(inner, o).count;
                    }
                }
            }
            _ => {}
        }
    }
    Removed { count, top }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::knowledge::{Figure, GoodExample, Lesson};
    use crate::model::*;
    use serde::Serialize;
    use serde_json::json;
    use uuid::Uuid;

    fn object<T: Serialize>(v: &T) -> Map<String, Value> {
        match serde_json::to_value(v).unwrap() {
            Value::Object(m) => m,
            _ => unreachable!(),
        }
    }

    /// Every serde field of a fully filled record of each kind is named, and
    /// every named field is a serde field (no stale names).
    #[test]
    fn the_lists_are_the_record_types_fields() {
        let id = Uuid::from_u128(1);
        let place = MeetingPlace {
            name: "Gården".into(),
            opening_hours: vec![OpeningHours { weekday: 1, opens: "17:00".into(), closes: "21:00".into() }],
            target_group: "Unga".into(),
            age_bands: vec![AgeBand::Age13To15],
            catchment_population: Some(100),
            gender_split: true,
            count_rule: CountRule::default(),
            exceptions: vec![OpeningException {
                from: "2026-12-24".into(),
                to: "2026-12-24".into(),
                spans: vec![TimeSpan { opens: "10:00".into(), closes: "12:00".into() }],
                note: "Julafton".into(),
            }],
            retired: true,
        };
        let activity = Activity {
            meeting_place_id: Some(id),
            kind: ActivityKind::Fika,
            title: "Fika".into(),
            date: "2026-03-01".into(),
            start_time: Some("17:00".into()),
            end_time: Some("18:00".into()),
            participants: vec![ParticipantCount { age_band: AgeBand::Age13To15, gender: Some(Gender::Girl), count: 3 }],
            first_timers: 1,
            partner_ids: vec![id],
            goal_ids: vec![id],
            staff_hours: 1.0,
            volunteer_hours: 1.0,
            notes: "n".into(),
            lessons_learned: "l".into(),
            poll: Some(PollTally { question: PollQuestion::ALL[0], yes: 1, maybe: 1, no: 1 }),
            flag: Some(crate::checks::EntryFlag {
                fields: vec![crate::checks::CheckField::Participants],
                confirmed: true,
            }),
            answers: vec![crate::questions::Answer {
                question_id: id,
                yes: 1,
                maybe: 1,
                no: 1,
                value: Some(1.0),
                choice: Some(0),
            }],
        };
        let goal = Goal {
            focus_area: FocusArea::Crime,
            title: "t".into(),
            indicator: "i".into(),
            unit: "u".into(),
            baseline: 1.0,
            target: 2.0,
            target_date: "2026-12-31".into(),
            direction: GoalDirection::Up,
            source: Some(GoalSource::VisitsPerWeek { meeting_place_id: id }),
            baseline_date: Some("2026-01-01".into()),
            schedule: Some(MeasureSchedule::Monthly),
            retired: true,
        };
        // Every key of every kind of source is listed.
        let sources = [
            GoalSource::Visits {
                meeting_place_id: Some(id),
                per: GoalPeriod::Month,
                first_only: true,
                age_band: Some(AgeBand::Age0To5),
                gender: Some(crate::model::Gender::Girl),
            },
            GoalSource::Activities { kinds: vec![ActivityKind::Fika], measure: ActivityMeasure::Participants },
            GoalSource::PollShare { question: PollQuestion::FeltSafe, include_maybe: true },
            GoalSource::Question {
                question_id: id,
                stat: crate::questions::QuestionStat::Share,
                include_maybe: true,
                option: Some(1),
            },
        ];
        let mut source_keys = std::collections::BTreeSet::new();
        for source in sources {
            let g = Goal { source: Some(source), ..goal.clone() };
            assert_eq!(unknown_keys(RecordKind::Goal, &object(&g)), Vec::<String>::new());
            source_keys.extend(object(&g)["source"].as_object().unwrap().keys().cloned());
        }
        let listed: std::collections::BTreeSet<String> = GOAL_SOURCE.iter().map(|f| f.name.to_owned()).collect();
        assert_eq!(listed, source_keys, "the source keys listed are those of the kinds of source");
        let mut example: GoodExample = serde_json::from_value(json!({
            "title": "t", "organisation": "o", "focus_areas": [], "what_was_done": "w"
        }))
        .unwrap();
        example.figures = vec![Figure { label: "Besök".into(), value: "3".into() }];
        example.staff_hours_per_week = Some(1.0);
        example.cost_sek_per_year = Some(1);
        example.published_on = Some("2026-01-01".into());
        let mut lesson: Lesson = serde_json::from_value(json!({"title": "t", "text": "x"})).unwrap();
        lesson.activity_id = Some(id);
        lesson.published_on = Some("2026-01-01".into());
        let full: Vec<(RecordKind, Map<String, Value>)> = vec![
            (
                RecordKind::Lab,
                object(&Lab {
                    name: "L".into(),
                    city: "C".into(),
                    organisation: "O".into(),
                    focus_areas: vec![],
                    question: "q".into(),
                    description: "d".into(),
                }),
            ),
            (RecordKind::MeetingPlace, object(&place)),
            (
                RecordKind::Visit,
                object(&Visit {
                    meeting_place_id: id,
                    at_ms: 1,
                    date: "2026-01-01".into(),
                    age_band: AgeBand::Age13To15,
                    gender: Some(Gender::Boy),
                    first_visit: true,
                }),
            ),
            (RecordKind::Goal, object(&goal)),
            (
                RecordKind::GoalMeasurement,
                object(&GoalMeasurement {
                    goal_id: id,
                    date: "2026-01-01".into(),
                    value: 1.0,
                    note: "n".into(),
                    flag: Some(crate::checks::EntryFlag {
                        fields: vec![crate::checks::CheckField::Value],
                        confirmed: false,
                    }),
                }),
            ),
            (
                RecordKind::Partner,
                object(&Partner { name: "P".into(), kind: PartnerKind::ALL[0], retired: true, merged_into: Some(id) }),
            ),
            (RecordKind::Activity, object(&activity)),
            (RecordKind::GoodExample, object(&example)),
            (RecordKind::Lesson, object(&lesson)),
            (
                RecordKind::MonthApproval,
                object(&crate::approval::MonthApproval {
                    month: "2026-03".into(),
                    approved: false,
                    reason: "r".into(),
                    by: "b".into(),
                    figures: Some(crate::approval::MonthFigures::default()),
                }),
            ),
            (
                RecordKind::Question,
                object(&crate::questions::Question {
                    options: vec!["a".into()],
                    meeting_place_id: Some(id),
                    activity_kinds: vec![ActivityKind::Fika],
                    builtin: Some(PollQuestion::FeltSafe),
                    replaces: Some(id),
                    ..crate::questions::Question::new("q", crate::questions::AnswerKind::Choice)
                }),
            ),
        ];
        for (kind, fields) in &full {
            assert_eq!(unknown_keys(*kind, fields), Vec::<String>::new(), "{kind:?}: a serde field is not listed");
            let listed: Vec<&str> = of_kind(*kind).iter().map(|f| f.name).collect();
            let serialized: Vec<&str> = fields.keys().map(String::as_str).collect();
            for name in &listed {
                assert!(serialized.contains(name), "{kind:?}: {name} is listed but no field of the type");
            }
        }
    }

    #[test]
    fn unknown_keys_are_found_and_stripped_at_every_depth() {
        let mut fields = object(&json!({
            "title": "Fika", "kind": "fika", "date": "2026-03-01",
            "anteckning": "070-123 45 67",
            "participants": [{"age_band": "13-15", "count": 3, "namn": "Ali"}],
            "poll": {"question": "safe", "yes": 1, "vem": "Sara"}
        }));
        assert_eq!(unknown_keys(RecordKind::Activity, &fields), ["anteckning", "participants[0].namn", "poll.vem"]);
        let mut clocks: std::collections::BTreeMap<String, crate::Hlc> =
            fields.keys().map(|k| (k.clone(), crate::Hlc::ZERO)).collect();
        assert_eq!(strip_unknown(RecordKind::Activity, &mut fields, &mut clocks), 3);
        assert!(unknown_keys(RecordKind::Activity, &fields).is_empty());
        assert!(!clocks.contains_key("anteckning") && clocks.contains_key("participants"));
    }
}
