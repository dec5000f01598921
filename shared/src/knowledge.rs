//! The shared knowledge base (kunskapsbanken): good examples (goda exempel)
//! and lessons learned (lärdomar) that labs propose and a coordinator
//! publishes to every organisation.
//!
//! Like every record, an example or a lesson belongs to one lab: the author's.
//! Its `review` field says who may see it. Drafts and submitted proposals
//! travel only to devices of that lab; published and withdrawn ones to every
//! signed-in device (docs/SYNC.md, "The knowledge base"). Once published, a
//! record's text has passed the personal-data guard (validate.rs), and it can
//! only be withdrawn, not quietly turned back into a draft: devices in other
//! organisations must learn that it is gone.

use crate::model::FocusArea;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// Where a knowledge record is in review.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Review {
    /// Being written; only the author's lab sees it.
    #[default]
    Draft,
    /// Sent to a coordinator for review; still only the author's lab.
    Submitted,
    /// Public to every organisation.
    Published,
    /// Was published and is taken back: devices elsewhere keep it hidden.
    Withdrawn,
}

impl Review {
    pub const ALL: [Review; 4] = [Review::Draft, Review::Submitted, Review::Published, Review::Withdrawn];

    pub fn as_str(self) -> &'static str {
        match self {
            Review::Draft => "draft",
            Review::Submitted => "submitted",
            Review::Published => "published",
            Review::Withdrawn => "withdrawn",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.as_str() == s)
    }

    /// Published or withdrawn: the record reaches every organisation.
    pub fn is_public(self) -> bool {
        matches!(self, Review::Published | Review::Withdrawn)
    }

    pub fn label_sv(self) -> &'static str {
        match self {
            Review::Draft => "Utkast",
            Review::Submitted => "Skickat för granskning",
            Review::Published => "Publicerat",
            Review::Withdrawn => "Tillbakadraget",
        }
    }
}

/// The review state named in a record's (or a change's) fields, if any.
pub fn review_of(fields: &serde_json::Map<String, serde_json::Value>) -> Option<Review> {
    fields.get("review").and_then(|v| v.as_str()).and_then(Review::parse)
}

/// How far an example has come.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ExampleStatus {
    Idea,
    #[default]
    Running,
    Ended,
}

impl ExampleStatus {
    pub const ALL: [ExampleStatus; 3] = [ExampleStatus::Idea, ExampleStatus::Running, ExampleStatus::Ended];

    pub fn label_sv(self) -> &'static str {
        match self {
            ExampleStatus::Idea => "Idé",
            ExampleStatus::Running => "Pågår",
            ExampleStatus::Ended => "Avslutat",
        }
    }
}

/// Who an example is for, to filter on (the free-text target group says more).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TargetGroup {
    Children,
    Youth,
    YoungAdults,
    Adults,
    Elderly,
    Newcomers,
    Women,
    Parents,
    AllResidents,
}

impl TargetGroup {
    pub const ALL: [TargetGroup; 9] = [
        TargetGroup::Children,
        TargetGroup::Youth,
        TargetGroup::YoungAdults,
        TargetGroup::Adults,
        TargetGroup::Elderly,
        TargetGroup::Newcomers,
        TargetGroup::Women,
        TargetGroup::Parents,
        TargetGroup::AllResidents,
    ];

    pub fn label_sv(self) -> &'static str {
        match self {
            TargetGroup::Children => "Barn",
            TargetGroup::Youth => "Ungdomar",
            TargetGroup::YoungAdults => "Unga vuxna",
            TargetGroup::Adults => "Vuxna",
            TargetGroup::Elderly => "Äldre",
            TargetGroup::Newcomers => "Nyanlända",
            TargetGroup::Women => "Kvinnor",
            TargetGroup::Parents => "Föräldrar",
            TargetGroup::AllResidents => "Alla boende",
        }
    }

    pub fn label_en(self) -> &'static str {
        match self {
            TargetGroup::Children => "Children",
            TargetGroup::Youth => "Young people",
            TargetGroup::YoungAdults => "Young adults",
            TargetGroup::Adults => "Adults",
            TargetGroup::Elderly => "Elderly",
            TargetGroup::Newcomers => "Newcomers",
            TargetGroup::Women => "Women",
            TargetGroup::Parents => "Parents",
            TargetGroup::AllResidents => "All residents",
        }
    }
}

/// What premises an example needs.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Premises {
    /// No premises of its own (outdoors, at a partner's, online).
    #[default]
    None,
    /// A room shared or borrowed some hours a week.
    Shared,
    /// Premises of its own.
    Own,
}

impl Premises {
    pub const ALL: [Premises; 3] = [Premises::None, Premises::Shared, Premises::Own];

    pub fn label_sv(self) -> &'static str {
        match self {
            Premises::None => "Ingen egen lokal",
            Premises::Shared => "Delad eller lånad lokal",
            Premises::Own => "Egen lokal",
        }
    }

    pub fn label_en(self) -> &'static str {
        match self {
            Premises::None => "No premises of its own",
            Premises::Shared => "Shared or borrowed room",
            Premises::Own => "Premises of its own",
        }
    }
}

/// The success-factor categories (framgångsfaktorer) of the follow-up research.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SuccessFactor {
    MeetingPlace,
    Partnership,
    TargetGroupReach,
    Staffing,
    Funding,
    GoalSteering,
}

impl SuccessFactor {
    pub const ALL: [SuccessFactor; 6] = [
        SuccessFactor::MeetingPlace,
        SuccessFactor::Partnership,
        SuccessFactor::TargetGroupReach,
        SuccessFactor::Staffing,
        SuccessFactor::Funding,
        SuccessFactor::GoalSteering,
    ];

    pub fn label_sv(self) -> &'static str {
        match self {
            SuccessFactor::MeetingPlace => "Mötesplats",
            SuccessFactor::Partnership => "Partnerskap",
            SuccessFactor::TargetGroupReach => "Nå målgruppen",
            SuccessFactor::Staffing => "Bemanning",
            SuccessFactor::Funding => "Finansiering",
            SuccessFactor::GoalSteering => "Målstyrning",
        }
    }

    pub fn label_en(self) -> &'static str {
        match self {
            SuccessFactor::MeetingPlace => "Meeting place",
            SuccessFactor::Partnership => "Partnership",
            SuccessFactor::TargetGroupReach => "Reaching the target group",
            SuccessFactor::Staffing => "Staffing",
            SuccessFactor::Funding => "Funding",
            SuccessFactor::GoalSteering => "Goal steering",
        }
    }
}

/// One result figure of an example, e.g. ("Besök per vecka", "38") or
/// ("Nya deltagare", "<5"): text, so suppressed counts stay "<5".
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Figure {
    pub label: String,
    pub value: String,
}

/// A good example (gott exempel): a method a housing company has tried,
/// written so another one can do the same. About an organisation's work,
/// never about a person: the contact is a role.
///
/// Editable after creation, so empty optionals serialize as `null`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GoodExample {
    pub title: String,
    /// The housing company (bostadsbolag).
    pub organisation: String,
    /// The town and area, e.g. "Södertälje, Lina Hage".
    #[serde(default)]
    pub place: String,
    pub focus_areas: Vec<FocusArea>,
    #[serde(default)]
    pub target_groups: Vec<TargetGroup>,
    /// The target group in words.
    #[serde(default)]
    pub target_group: String,
    pub what_was_done: String,
    /// The partners, by organisation (never a person).
    #[serde(default)]
    pub partners: String,
    #[serde(default)]
    pub staff_hours_per_week: Option<f64>,
    #[serde(default)]
    pub cost_sek_per_year: Option<u64>,
    #[serde(default)]
    pub premises: Premises,
    #[serde(default)]
    pub resources_note: String,
    #[serde(default)]
    pub results: String,
    #[serde(default)]
    pub figures: Vec<Figure>,
    /// A role to ask, e.g. "Områdesutvecklare, Telge Bostäder": never a
    /// person's name, number or address.
    #[serde(default)]
    pub contact_role: String,
    #[serde(default)]
    pub status: ExampleStatus,
    /// The author lab's goals and activities the example comes from.
    #[serde(default)]
    pub goal_ids: Vec<Uuid>,
    #[serde(default)]
    pub activity_ids: Vec<Uuid>,
    #[serde(default)]
    pub review: Review,
    /// "YYYY-MM-DD", set by the coordinator who published it.
    #[serde(default)]
    pub published_on: Option<String>,
}

/// A lesson learned (lärdom) from an activity or evening, promoted to the
/// knowledge base and tagged with success factors.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Lesson {
    pub title: String,
    pub text: String,
    #[serde(default)]
    pub factors: Vec<SuccessFactor>,
    #[serde(default)]
    pub focus_areas: Vec<FocusArea>,
    /// The housing company, shown where the lab itself is not synced.
    #[serde(default)]
    pub organisation: String,
    #[serde(default)]
    pub place: String,
    /// The activity (or closed evening) it was learned at.
    #[serde(default)]
    pub activity_id: Option<Uuid>,
    #[serde(default)]
    pub review: Review,
    #[serde(default)]
    pub published_on: Option<String>,
}

impl GoodExample {
    /// Every free-text field with its Swedish name: what the personal-data
    /// guard reads before the example is saved or published.
    pub fn texts(&self) -> Vec<(&'static str, String)> {
        let mut out = vec![
            ("rubrik", self.title.clone()),
            ("bostadsbolag", self.organisation.clone()),
            ("ort och område", self.place.clone()),
            ("målgrupp", self.target_group.clone()),
            ("vad som gjordes", self.what_was_done.clone()),
            ("samverkanspartner", self.partners.clone()),
            ("resurser", self.resources_note.clone()),
            ("resultat", self.results.clone()),
            ("kontakt", self.contact_role.clone()),
        ];
        for f in &self.figures {
            out.push(("siffror", format!("{} {}", f.label, f.value)));
        }
        out
    }
}

impl Lesson {
    pub fn texts(&self) -> Vec<(&'static str, String)> {
        vec![
            ("rubrik", self.title.clone()),
            ("lärdom", self.text.clone()),
            ("bostadsbolag", self.organisation.clone()),
            ("ort och område", self.place.clone()),
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn wire<T: Serialize>(items: &[T]) -> Vec<String> {
        items.iter().map(|i| serde_json::to_value(i).unwrap().as_str().unwrap().to_owned()).collect()
    }

    #[test]
    fn wire_names_are_fixed() {
        // Regenerate only when the format is intentionally migrated.
        assert_eq!(wire(&Review::ALL), ["draft", "submitted", "published", "withdrawn"]);
        for r in Review::ALL {
            assert_eq!(Review::parse(r.as_str()), Some(r));
        }
        assert_eq!(wire(&ExampleStatus::ALL), ["idea", "running", "ended"]);
        assert_eq!(wire(&Premises::ALL), ["none", "shared", "own"]);
        assert_eq!(
            wire(&SuccessFactor::ALL),
            ["meeting_place", "partnership", "target_group_reach", "staffing", "funding", "goal_steering"]
        );
        assert_eq!(
            wire(&TargetGroup::ALL),
            [
                "children",
                "youth",
                "young_adults",
                "adults",
                "elderly",
                "newcomers",
                "women",
                "parents",
                "all_residents"
            ]
        );
    }

    #[test]
    fn minimal_shapes_read_as_drafts() {
        let e: GoodExample =
            serde_json::from_str(r#"{"title":"T","organisation":"O","focus_areas":["crime"],"what_was_done":"W"}"#)
                .unwrap();
        assert_eq!(
            (e.review, e.status, e.premises, e.staff_hours_per_week),
            (Review::Draft, ExampleStatus::Running, Premises::None, None)
        );
        let l: Lesson = serde_json::from_str(r#"{"title":"T","text":"X"}"#).unwrap();
        assert_eq!(l.review, Review::Draft);
        assert!(l.factors.is_empty());
    }

    #[test]
    fn the_personal_data_guard_holds_once_public() {
        use crate::validate::{good_example, lesson, ValidationError};
        let mut e: GoodExample = serde_json::from_str(
            r#"{"title":"Läxhjälp","organisation":"Telge Bostäder","focus_areas":["school_results"],"what_was_done":"Fika först."}"#,
        )
        .unwrap();
        e.contact_role = "Områdesutvecklare, ring 070-123 45 67".into();
        assert_eq!(good_example(&e), Ok(()), "a draft may hold it (the app warns)");
        for review in [Review::Published, Review::Withdrawn] {
            e.review = review;
            assert_eq!(
                good_example(&e),
                Err(ValidationError::PersonalData { field: "kontakt", what: "ett telefonnummer" })
            );
        }
        e.contact_role = "Områdesutvecklare, Telge Bostäder".into();
        e.figures = vec![Figure { label: "Mejla".into(), value: "anna@example.se".into() }];
        assert!(matches!(good_example(&e), Err(ValidationError::PersonalData { field: "siffror", .. })));
        e.figures = vec![Figure { label: "Besök".into(), value: "<5".into() }];
        assert_eq!(good_example(&e), Ok(()));
        let mut l: Lesson = serde_json::from_str(
            r#"{"title":"T","text":"Personnummer 19850709-9805 hörde inte hit.","review":"published"}"#,
        )
        .unwrap();
        assert!(matches!(lesson(&l), Err(ValidationError::PersonalData { field: "lärdom", .. })));
        l.review = Review::Submitted;
        assert_eq!(lesson(&l), Ok(()));
    }

    #[test]
    fn the_contact_is_a_role_not_a_name() {
        use crate::validate::{good_example, ValidationError};
        let mut e: GoodExample = serde_json::from_str(
            r#"{"title":"Läxhjälp","organisation":"Telge Bostäder","focus_areas":["school_results"],"what_was_done":"Fika först."}"#,
        )
        .unwrap();
        for role in ["Områdesutvecklare, Telge Bostäder", "Fritidsledare, Lina Hage mötesplats", ""] {
            e.contact_role = role.into();
            assert_eq!(good_example(&e), Ok(()), "{role}");
        }
        // In a draft too: the contact is published with the rest.
        e.contact_role = "Anna Svensson, fritidsledare".into();
        let err = good_example(&e).unwrap_err();
        assert_eq!(err, ValidationError::NotARole { field: "kontakt", name: "Anna Svensson".into() });
        assert!(err.to_string().starts_with("kontakt ska vara en roll"), "{err}");
        e.contact_role = "Områdesutvecklare Karlsson".into();
        assert!(matches!(good_example(&e), Err(ValidationError::NotARole { .. })));
    }

    #[test]
    fn lesson_wire_format_is_fixed() {
        // Regenerate only when the format is intentionally migrated.
        let l = Lesson {
            title: "Fika först".into(),
            text: "Börja med fika.".into(),
            factors: vec![SuccessFactor::MeetingPlace],
            focus_areas: vec![FocusArea::Crime],
            organisation: "Telge Bostäder".into(),
            place: "Södertälje".into(),
            activity_id: None,
            review: Review::Submitted,
            published_on: None,
        };
        assert_eq!(
            serde_json::to_string(&l).unwrap(),
            r#"{"title":"Fika först","text":"Börja med fika.","factors":["meeting_place"],"focus_areas":["crime"],"organisation":"Telge Bostäder","place":"Södertälje","activity_id":null,"review":"submitted","published_on":null}"#
        );
    }
}
