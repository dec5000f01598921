//! Drafts for the knowledge base made from what a lab already has: a good example from a lab's
//! report (the lab report's "Föreslå som gott exempel") and a lesson from an activity's lessons
//! learned. Not a screen: the report, the activity list and the knowledge base use them.

use crate::i18n::*;
use labblogg_shared::knowledge::{ExampleStatus, Figure, GoodExample, Lesson, Premises, Review};
use labblogg_shared::summary::LabReport;
use uuid::Uuid;

/// A good example prefilled from a lab's report: the lab's organisation,
/// town, focus areas and description, and its figures for the period with
/// visits, first visits, activities and participants as published beyond the
/// lab (the Cell Key Method, `shared::disclosure`: the example reaches every
/// organisation); partners and goals on track describe no one and are exact.
/// Written in Swedish, the knowledge base's language.
pub fn example_from_report(report: &LabReport, lab: Option<&labblogg_shared::Lab>) -> GoodExample {
    let published = report.published;
    let on_track = report.goals.iter().filter(|g| g.on_track == Some(true)).count();
    // The record's text, not the screen's: always Swedish.
    let swedish = Locale::sv;
    let figure = |label: &str, value: String| Figure { label: label.to_owned(), value };
    let mut figures = vec![
        figure(td_string!(swedish, prefill_figure_visits), published.visits.to_string()),
        figure(td_string!(swedish, prefill_figure_first_visits), published.first_visits.to_string()),
        figure(td_string!(swedish, prefill_figure_activities), published.activities.to_string()),
        figure(td_string!(swedish, prefill_figure_participants), published.participants.to_string()),
        figure(td_string!(swedish, prefill_figure_partners), report.partners_ranked.len().to_string()),
    ];
    if !report.goals.is_empty() {
        figures.push(figure(
            td_string!(swedish, prefill_figure_goals_on_track),
            td_string!(swedish, prefill_goals_on_track_value, on_track = on_track, total = report.goals.len())
                .to_string(),
        ));
    }
    let partners: Vec<&str> = report.partners_ranked.iter().take(6).map(|(_, name, _)| name.as_str()).collect();
    GoodExample {
        title: lab.map(|l| l.question.clone()).filter(|q| !q.is_empty()).unwrap_or_else(|| report.name.clone()),
        organisation: lab.map(|l| l.organisation.clone()).unwrap_or_default(),
        place: lab.map(|l| format!("{}, {}", l.city, report.name)).unwrap_or_default(),
        focus_areas: lab.map(|l| l.focus_areas.clone()).unwrap_or_default(),
        target_groups: Vec::new(),
        target_group: String::new(),
        what_was_done: lab.map(|l| l.description.clone()).unwrap_or_default(),
        partners: partners.join(", "),
        staff_hours_per_week: None,
        cost_sek_per_year: None,
        premises: Premises::default(),
        resources_note: String::new(),
        results: td_string!(swedish, prefill_results, from = &report.period.from, to = &report.period.to).to_string(),
        figures,
        contact_role: String::new(),
        status: ExampleStatus::Running,
        goal_ids: report.goals.iter().map(|g| g.goal_id).collect(),
        activity_ids: Vec::new(),
        review: Review::Draft,
        published_on: None,
    }
}

/// A lesson prefilled from an activity's lessons learned.
pub fn lesson_from_activity(activity_id: Uuid, activity: &labblogg_shared::Activity) -> Lesson {
    Lesson {
        title: activity.title.clone(),
        text: activity.lessons_learned.clone(),
        factors: Vec::new(),
        focus_areas: Vec::new(),
        organisation: String::new(),
        place: String::new(),
        activity_id: Some(activity_id),
        review: Review::Draft,
        published_on: None,
    }
}

#[cfg(test)]
mod tests {
    use crate::i18n::*;
    use wasm_bindgen_test::*;

    wasm_bindgen_test_configure!(run_in_browser);

    /// The texts of a prefilled example are what they were before they moved to i18n.rs.
    #[wasm_bindgen_test]
    fn prefilled_texts_are_unchanged() {
        let swedish = Locale::sv;
        assert_eq!(
            td_string!(swedish, prefill_results, from = "2026-01-01", to = "2026-03-31").to_string(),
            "Labbets egna siffror för perioden 2026-01-01 – 2026-03-31; antal under 5 visas som ”<5”."
        );
        assert_eq!(td_string!(swedish, prefill_goals_on_track_value, on_track = 2, total = 3).to_string(), "2 av 3");
    }
}
