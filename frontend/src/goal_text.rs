//! A goal in words: its verdict and the rule behind it, its latest value, the periods it
//! misses, and where its values come from. Shared by the Goals screen, the lab report and
//! the goals' set-up (none of which imports another).

use crate::format;
use crate::labels::{band_label, kind_label, poll_label};
use crate::records::Typed;
use labblogg_shared::model::{ActivityMeasure, Gender, GoalPeriod, GoalSource, MeasureSchedule, MeetingPlace};
use labblogg_shared::questions::{AnswerKind, Question, QuestionStat};
use labblogg_shared::summary::{self, GoalProgress};
use uuid::Uuid;

/// The verdict as shown: (class, text). A retired goal is not steered by: no verdict.
pub fn verdict(g: &GoalProgress, english: bool) -> (&'static str, &'static str) {
    if g.retired {
        return ("retired", if english { "Retired" } else { "Avvecklat" });
    }
    match (g.on_track, english) {
        (Some(true), false) => ("on-track", "I fas"),
        (Some(false), false) => ("off-track", "Efter plan"),
        (None, false) => ("unknown", "För få mätningar"),
        (Some(true), true) => ("on-track", "On track"),
        (Some(false), true) => ("off-track", "Behind"),
        (None, true) => ("unknown", "Too few measurements"),
    }
}

/// The rule behind the verdict, in one sentence.
pub fn verdict_rule(english: bool) -> &'static str {
    if english {
        "On track means that a straight line through the values (least squares) reaches the target by the deadline; with fewer than two values there is no verdict."
    } else {
        summary::VERDICT_RULE_SV
    }
}

/// The period a value of the goal covers, as its label: "v. 47", "nov. 2026", or the date of a measurement.
pub fn value_label(g: &GoalProgress, date: &str, english: bool) -> String {
    match g.source.as_ref().map(GoalSource::period) {
        Some(GoalPeriod::Week) => format::week_of_date(date, true, english),
        Some(GoalPeriod::Month) => format::month_short(date, english),
        None => format::date(date, english),
    }
}

/// A period a scheduled measurement is missing for: "november 2026", "kvartal 3 2026".
pub fn missing_label(g: &GoalProgress, date: &str, english: bool) -> String {
    match g.schedule {
        Some(MeasureSchedule::Quarterly) => format::quarter(date, english),
        _ => format::month_long(date, english),
    }
}

/// The latest value with its period: the last finished one, or (when none
/// has finished) the one under way, said to be so.
pub fn latest_text(g: &GoalProgress, english: bool, running_word: &str) -> String {
    let n = |v: f64| format!("{} {}", format::decimal(v, 1, english), g.unit);
    match (&g.latest, &g.latest_date, &g.running) {
        (Some(v), Some(d), _) => format!("{} ({})", n(*v), value_label(g, d, english)),
        (_, _, Some((d, v))) => format!("{} ({}, {running_word})", n(*v), value_label(g, d, english)),
        _ => "–".to_owned(),
    }
}

/// Where a goal's values come from, in a sentence (the Goals screen says it too).
pub fn source_sentence(source: Option<&GoalSource>, places: &[Typed<MeetingPlace>], english: bool) -> String {
    source_sentence_with(source, places, &[], english)
}

/// [`source_sentence`], naming the lab's question a goal is measured from.
pub fn source_sentence_with(
    source: Option<&GoalSource>,
    places: &[Typed<MeetingPlace>],
    questions: &[Typed<Question>],
    english: bool,
) -> String {
    let place_name = |id: Option<Uuid>| match id {
        Some(id) => places.iter().find(|p| p.id == id).map_or_else(|| "?".to_owned(), |p| p.data.name.clone()),
        None => if english { "all the lab's meeting places" } else { "alla labbets mötesplatser" }.to_owned(),
    };
    let per = |p: GoalPeriod| match (p, english) {
        (GoalPeriod::Week, false) => "per vecka",
        (GoalPeriod::Month, false) => "per månad",
        (GoalPeriod::Week, true) => "per week",
        (GoalPeriod::Month, true) => "per month",
    };
    match source {
        None => if english { "Measured by hand" } else { "Mäts för hand" }.to_owned(),
        Some(GoalSource::VisitsPerWeek { meeting_place_id }) => {
            format!(
                "{} {} ({})",
                if english { "Visits at" } else { "Besök på" },
                place_name(Some(*meeting_place_id)),
                per(GoalPeriod::Week)
            )
        }
        Some(GoalSource::Visits { meeting_place_id, per: p, first_only, age_band, gender }) => {
            let what = match (first_only, english) {
                (true, false) => "Förstagångsbesök",
                (false, false) => "Besök",
                (true, true) => "First visits",
                (false, true) => "Visits",
            };
            let band = age_band.map(|b| format!(", {}", band_label(b, english))).unwrap_or_default();
            let gender = gender.map(|g| format!(", {}", gender_label(g, english))).unwrap_or_default();
            format!(
                "{what} {} {}{band}{gender} ({})",
                if english { "at" } else { "på" },
                place_name(*meeting_place_id),
                per(*p)
            )
        }
        Some(GoalSource::Activities { kinds, measure }) => {
            let what = match (measure, english) {
                (ActivityMeasure::Activities, false) => "Aktiviteter",
                (ActivityMeasure::Participants, false) => "Deltagare",
                (ActivityMeasure::ParticipantHours, false) => "Deltagartimmar",
                (ActivityMeasure::Activities, true) => "Activities",
                (ActivityMeasure::Participants, true) => "Participants",
                (ActivityMeasure::ParticipantHours, true) => "Participant-hours",
            };
            let kinds = if kinds.is_empty() {
                if english {
                    "every kind".to_owned()
                } else {
                    "alla typer".to_owned()
                }
            } else {
                kinds.iter().map(|k| kind_label(*k, english).to_lowercase()).collect::<Vec<_>>().join(", ")
            };
            format!("{what} ({kinds}) {}", per(GoalPeriod::Month))
        }
        Some(GoalSource::PollShare { question, include_maybe }) => {
            let answers = match (include_maybe, english) {
                (false, false) => "ja",
                (true, false) => "ja eller kanske",
                (false, true) => "yes",
                (true, true) => "yes or maybe",
            };
            if english {
                format!("Share answering {answers} to \"{}\" (per month)", poll_label(*question, true))
            } else {
                format!("Andel som svarar {answers} på ”{}” (per månad)", poll_label(*question, false))
            }
        }
        Some(GoalSource::Question { question_id, stat, include_maybe, option }) => {
            let q = questions.iter().find(|q| q.id == *question_id);
            let text = q.map_or_else(
                || if english { "the lab's question".to_owned() } else { "labbets fråga".to_owned() },
                |q| format!("”{}”", q.data.text),
            );
            let chosen = option.and_then(|o| q.and_then(|q| q.data.options.get(o as usize)).cloned());
            let what = match (stat, q.map(|q| q.data.answer), english) {
                (QuestionStat::Share, Some(AnswerKind::Choice), false) => {
                    format!("Andel som väljer ”{}” på", chosen.unwrap_or_default())
                }
                (QuestionStat::Share, Some(AnswerKind::Choice), true) => {
                    format!("Share choosing \"{}\" on", chosen.unwrap_or_default())
                }
                (QuestionStat::Share, _, false) => {
                    format!("Andel som svarar {} på", if *include_maybe { "ja eller kanske" } else { "ja" })
                }
                (QuestionStat::Share, _, true) => {
                    format!("Share answering {} to", if *include_maybe { "yes or maybe" } else { "yes" })
                }
                (QuestionStat::Sum, _, false) => "Summan av svaren på".to_owned(),
                (QuestionStat::Sum, _, true) => "The sum of the answers to".to_owned(),
                (QuestionStat::Mean, _, false) => "Medelvärdet av svaren på".to_owned(),
                (QuestionStat::Mean, _, true) => "The mean of the answers to".to_owned(),
            };
            format!("{what} {text} ({})", per(GoalPeriod::Month))
        }
    }
}

/// A gender as a visit goal counts it (every age: girls and women together).
pub fn gender_label(g: Gender, english: bool) -> &'static str {
    match (g, english) {
        (Gender::Girl, false) => "flickor/kvinnor",
        (Gender::Boy, false) => "pojkar/män",
        (Gender::Other, false) => "annat kön",
        (Gender::Girl, true) => "girls/women",
        (Gender::Boy, true) => "boys/men",
        (Gender::Other, true) => "other gender",
    }
}
