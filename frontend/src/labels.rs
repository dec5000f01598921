//! Text for the shared enums and the helpers every screen uses to name them: no screen
//! borrows these from another screen (`grep -nE "use (crate|super)::routes::|routes::[a-z_]+::"
//! frontend/src/routes/*.rs`). Swedish comes from `label_sv()` in shared/, English is here.

use labblogg_shared::approval;
use labblogg_shared::model::{ActivityKind, FocusArea, PartnerKind, PollQuestion};
use labblogg_shared::AgeBand;

/// The serialized (wire) name of an enum value, e.g. "conversation_evening".
pub fn wire<T: serde::Serialize>(v: &T) -> String {
    serde_json::to_value(v).ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default()
}

/// An enum value back from its wire name (a `<select>` value).
pub fn from_wire<T: serde::de::DeserializeOwned>(s: &str) -> Option<T> {
    serde_json::from_value(serde_json::Value::String(s.to_owned())).ok()
}

pub fn kind_label(kind: ActivityKind, english: bool) -> String {
    if !english {
        return kind.label_sv().to_owned();
    }
    match kind {
        ActivityKind::Workshop => "Workshop",
        ActivityKind::Meeting => "Meeting",
        ActivityKind::Gathering => "Gathering",
        ActivityKind::Lecture => "Lecture",
        ActivityKind::Course => "Course",
        ActivityKind::Fika => "Fika (coffee break)",
        ActivityKind::Party => "Party",
        ActivityKind::Sport => "Sport",
        ActivityKind::Art => "Art",
        ActivityKind::ConversationEvening => "Conversation evening",
        ActivityKind::StudyTrip => "Study trip",
        ActivityKind::FoodMarket => "Food market",
        ActivityKind::OpenEvening => "Open evening",
        ActivityKind::Other => "Other",
    }
    .to_owned()
}

pub fn partner_kind_label(kind: PartnerKind, english: bool) -> String {
    if !english {
        return kind.label_sv().to_owned();
    }
    match kind {
        PartnerKind::Municipality => "Municipality",
        PartnerKind::School => "School",
        PartnerKind::Church => "Church",
        PartnerKind::Ngo => "Non-profit organisation",
        PartnerKind::SportsClub => "Sports club",
        PartnerKind::Business => "Business",
        PartnerKind::TenantsAssociation => "Tenants' association",
        PartnerKind::PublicAgency => "Public agency",
        PartnerKind::Other => "Other",
    }
    .to_owned()
}

pub fn focus_label(f: FocusArea, english: bool) -> String {
    if !english {
        return f.label_sv().to_owned();
    }
    match f {
        FocusArea::LongTermUnemployment => "Reduce long-term unemployment",
        FocusArea::SchoolResults => "Lift schools and pupils' results",
        FocusArea::PublicServices => "Strengthen public services",
        FocusArea::Crime => "Fight crime",
    }
    .to_owned()
}

/// The question of a closing poll, as the form lists it.
pub fn poll_label(q: PollQuestion, english: bool) -> &'static str {
    match (q, english) {
        (PollQuestion::FeltSafe, false) => "Kände du dig trygg i dag?",
        (PollQuestion::WantToReturn, false) => "Vill du komma tillbaka?",
        (PollQuestion::FeltSafe, true) => "Did you feel safe today?",
        (PollQuestion::WantToReturn, true) => "Do you want to come back?",
    }
}

/// An age band as a button reads it.
pub fn band_label(band: AgeBand, english: bool) -> String {
    if english {
        match band {
            AgeBand::Age65Plus => "65 and older".into(),
            b => format!("{} years", b.as_str().replace('-', "–")),
        }
    } else {
        band.label_sv().into()
    }
}

const MONTHS_EN: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

/// "mars 2026" or "March 2026".
pub fn month_label(month: &str, english: bool) -> String {
    match (english, approval::parse_month(month)) {
        (true, Some((y, m))) => format!("{} {y}", MONTHS_EN[(m - 1) as usize]),
        _ => approval::month_name_sv(month),
    }
}
