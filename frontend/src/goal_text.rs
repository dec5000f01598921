//! A goal in words: its verdict and the rule behind it, its latest value, the periods it
//! misses, and where its values come from. Shared by the Goals screen, the lab report and
//! the goals' set-up (none of which imports another).

use crate::format;
use crate::i18n::*;
use crate::labels::{band_label, kind_label, poll_label};
use crate::records::Typed;
use labblogg_shared::model::{ActivityMeasure, Gender, GoalPeriod, GoalSource, MeasureSchedule, MeetingPlace};
use labblogg_shared::questions::{AnswerKind, Question, QuestionStat};
use labblogg_shared::summary::GoalProgress;
use uuid::Uuid;

/// The verdict as shown: (class, text). A retired goal is not steered by: no verdict.
pub fn verdict(g: &GoalProgress, english: bool) -> (&'static str, &'static str) {
    let l = crate::labels::locale(english);
    if g.retired {
        return ("retired", td_string!(l, goal_text_retired));
    }
    match g.on_track {
        Some(true) => ("on-track", td_string!(l, goal_text_on_track)),
        Some(false) => ("off-track", td_string!(l, goal_text_behind)),
        None => ("unknown", td_string!(l, goal_text_too_few)),
    }
}

/// The rule behind the verdict, in one sentence (in Swedish the same as the year report's,
/// `summary::VERDICT_RULE_SV`).
pub fn verdict_rule(english: bool) -> &'static str {
    td_string!(crate::labels::locale(english), goal_text_verdict_rule)
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
    let l = crate::labels::locale(english);
    let place_name = |id: Option<Uuid>| match id {
        Some(id) => places.iter().find(|p| p.id == id).map_or_else(|| "?".to_owned(), |p| p.data.name.clone()),
        None => td_string!(l, goal_text_all_places).to_owned(),
    };
    let per = |p: GoalPeriod| period_label(p, english);
    let answers = |include_maybe: bool| {
        if include_maybe {
            td_string!(l, goal_text_yes_or_maybe)
        } else {
            td_string!(l, goal_text_yes)
        }
    };
    match source {
        None => td_string!(l, goal_text_by_hand).to_owned(),
        Some(GoalSource::VisitsPerWeek { meeting_place_id }) => td_string!(
            l,
            goal_text_visits,
            place = place_name(Some(*meeting_place_id)),
            band = "",
            gender = "",
            per = per(GoalPeriod::Week)
        )
        .to_string(),
        Some(GoalSource::Visits { meeting_place_id, per: p, first_only, age_band, gender }) => {
            let band = age_band.map(|b| format!(", {}", band_label(b, english))).unwrap_or_default();
            let gender = gender.map(|g| format!(", {}", gender_label(g, english))).unwrap_or_default();
            let place = place_name(*meeting_place_id);
            if *first_only {
                td_string!(l, goal_text_first_visits, place = place, band = band, gender = gender, per = per(*p))
                    .to_string()
            } else {
                td_string!(l, goal_text_visits, place = place, band = band, gender = gender, per = per(*p)).to_string()
            }
        }
        Some(GoalSource::Activities { kinds, measure }) => {
            let what = match measure {
                ActivityMeasure::Activities => td_string!(l, goal_text_activities),
                ActivityMeasure::Participants => td_string!(l, goal_text_participants),
                ActivityMeasure::ParticipantHours => td_string!(l, goal_text_participant_hours),
            };
            let kinds = if kinds.is_empty() {
                td_string!(l, goal_text_every_kind).to_owned()
            } else {
                kinds.iter().map(|k| kind_label(*k, english).to_lowercase()).collect::<Vec<_>>().join(", ")
            };
            format!("{what} ({kinds}) {}", per(GoalPeriod::Month))
        }
        Some(GoalSource::PollShare { question, include_maybe }) => td_string!(
            l,
            goal_text_poll_share,
            answers = answers(*include_maybe),
            question = poll_label(*question, english)
        )
        .to_string(),
        Some(GoalSource::Question { question_id, stat, include_maybe, option }) => {
            let q = questions.iter().find(|q| q.id == *question_id);
            let text =
                q.map_or_else(|| td_string!(l, goal_text_labs_question).to_owned(), |q| format!("”{}”", q.data.text));
            let chosen = option.and_then(|o| q.and_then(|q| q.data.options.get(o as usize)).cloned());
            let what = match (stat, q.map(|q| q.data.answer)) {
                (QuestionStat::Share, Some(AnswerKind::Choice)) => {
                    td_string!(l, goal_text_share_choosing, option = chosen.unwrap_or_default()).to_string()
                }
                (QuestionStat::Share, _) => {
                    td_string!(l, goal_text_share_answering, answers = answers(*include_maybe)).to_string()
                }
                (QuestionStat::Sum, _) => td_string!(l, goal_text_sum_of).to_owned(),
                (QuestionStat::Mean, _) => td_string!(l, goal_text_mean_of).to_owned(),
            };
            format!("{what} {text} ({})", per(GoalPeriod::Month))
        }
    }
}

/// A goal's period as its unit says it: "per vecka" (`GoalPeriod::label_sv`).
pub fn period_label(p: GoalPeriod, english: bool) -> &'static str {
    match p {
        GoalPeriod::Week => td_string!(crate::labels::locale(english), goal_text_per_week),
        GoalPeriod::Month => td_string!(crate::labels::locale(english), goal_text_per_month),
    }
}

/// A gender as a visit goal counts it (every age: girls and women together).
pub fn gender_label(g: Gender, english: bool) -> &'static str {
    let l = crate::labels::locale(english);
    match g {
        Gender::Girl => td_string!(l, goal_text_girls),
        Gender::Boy => td_string!(l, goal_text_boys),
        Gender::Other => td_string!(l, goal_text_other_gender),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use wasm_bindgen_test::*;

    wasm_bindgen_test_configure!(run_in_browser);

    #[wasm_bindgen_test]
    fn swedish_periods_and_rule_are_the_shared_ones() {
        for p in GoalPeriod::ALL {
            assert_eq!(period_label(p, false), p.label_sv());
        }
        assert_eq!(verdict_rule(false), labblogg_shared::summary::VERDICT_RULE_SV);
    }
}
