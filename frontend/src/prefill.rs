//! Drafts for the knowledge base made from what a lab already has: a good example from a lab's
//! report (the lab report's "Föreslå som gott exempel") and a lesson from an activity's lessons
//! learned. Not a screen: the report, the activity list and the knowledge base use them.

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
    let mut figures = vec![
        Figure { label: "Besök".into(), value: published.visits.to_string() },
        Figure { label: "Förstagångsbesök".into(), value: published.first_visits.to_string() },
        Figure { label: "Aktiviteter".into(), value: published.activities.to_string() },
        Figure { label: "Deltagare i aktiviteter".into(), value: published.participants.to_string() },
        Figure { label: "Samverkanspartner".into(), value: report.partners_ranked.len().to_string() },
    ];
    if !report.goals.is_empty() {
        figures.push(Figure { label: "Mål i fas".into(), value: format!("{on_track} av {}", report.goals.len()) });
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
        results: format!(
            "Labbets egna siffror för perioden {} – {}; antal under 5 visas som ”<5”.",
            report.period.from, report.period.to
        ),
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
