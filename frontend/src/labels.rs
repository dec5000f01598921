//! Text for the shared enums, months and weekdays, from `i18n.rs` like every other string the
//! app shows, and the helpers every screen uses to name them: no screen borrows these from
//! another screen (`grep -nE "use (crate|super)::routes::|routes::[a-z_]+::"
//! frontend/src/routes/*.rs`). The Swedish is the same as `label_sv()` in shared/ (the
//! server's reports use that one); a test below holds the two together.

use crate::i18n::*;
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

/// The language this device chose (Swedish unless English was chosen in the settings), for
/// text made outside a component (an error's `Display`).
pub fn device_locale() -> Locale {
    locale(crate::session::language() == "en")
}

/// The locale of text asked for by `english` (how every label function here is called).
pub fn locale(english: bool) -> Locale {
    if english {
        Locale::en
    } else {
        Locale::sv
    }
}

/// An activity's kind.
pub fn kind_label(v: ActivityKind, english: bool) -> String {
    let l = locale(english);
    match v {
        ActivityKind::Workshop => td_string!(l, label_activity_workshop),
        ActivityKind::Meeting => td_string!(l, label_activity_meeting),
        ActivityKind::Gathering => td_string!(l, label_activity_gathering),
        ActivityKind::Lecture => td_string!(l, label_activity_lecture),
        ActivityKind::Course => td_string!(l, label_activity_course),
        ActivityKind::Fika => td_string!(l, label_activity_fika),
        ActivityKind::Party => td_string!(l, label_activity_party),
        ActivityKind::Sport => td_string!(l, label_activity_sport),
        ActivityKind::Art => td_string!(l, label_activity_art),
        ActivityKind::ConversationEvening => td_string!(l, label_activity_conversation_evening),
        ActivityKind::StudyTrip => td_string!(l, label_activity_study_trip),
        ActivityKind::FoodMarket => td_string!(l, label_activity_food_market),
        ActivityKind::OpenEvening => td_string!(l, label_activity_open_evening),
        ActivityKind::Other => td_string!(l, label_activity_other),
    }
    .to_string()
}

/// A partner's kind.
pub fn partner_kind_label(v: PartnerKind, english: bool) -> String {
    let l = locale(english);
    match v {
        PartnerKind::Municipality => td_string!(l, label_partner_municipality),
        PartnerKind::School => td_string!(l, label_partner_school),
        PartnerKind::Church => td_string!(l, label_partner_church),
        PartnerKind::Ngo => td_string!(l, label_partner_ngo),
        PartnerKind::SportsClub => td_string!(l, label_partner_sports_club),
        PartnerKind::Business => td_string!(l, label_partner_business),
        PartnerKind::TenantsAssociation => td_string!(l, label_partner_tenants_association),
        PartnerKind::PublicAgency => td_string!(l, label_partner_public_agency),
        PartnerKind::Other => td_string!(l, label_partner_other),
    }
    .to_string()
}

/// One of the four focus areas.
pub fn focus_label(v: FocusArea, english: bool) -> String {
    let l = locale(english);
    match v {
        FocusArea::LongTermUnemployment => td_string!(l, label_focus_long_term_unemployment),
        FocusArea::SchoolResults => td_string!(l, label_focus_school_results),
        FocusArea::PublicServices => td_string!(l, label_focus_public_services),
        FocusArea::Crime => td_string!(l, label_focus_crime),
    }
    .to_string()
}

/// The question of a closing poll, as the form lists it.
pub fn poll_label(v: PollQuestion, english: bool) -> String {
    let l = locale(english);
    match v {
        PollQuestion::FeltSafe => td_string!(l, label_poll_felt_safe),
        PollQuestion::WantToReturn => td_string!(l, label_poll_want_to_return),
    }
    .to_string()
}

/// An age band as a button reads it.
pub fn band_label(v: AgeBand, english: bool) -> String {
    let l = locale(english);
    match v {
        AgeBand::Age0To5 => td_string!(l, label_band_0_5),
        AgeBand::Age6To12 => td_string!(l, label_band_6_12),
        AgeBand::Age13To15 => td_string!(l, label_band_13_15),
        AgeBand::Age16To19 => td_string!(l, label_band_16_19),
        AgeBand::Age20To25 => td_string!(l, label_band_20_25),
        AgeBand::Age26To64 => td_string!(l, label_band_26_64),
        AgeBand::Age65Plus => td_string!(l, label_band_65_plus),
    }
    .to_string()
}

/// A month's name, 1 = January: "mars" or "March".
pub fn month_name(month: u32, english: bool) -> String {
    let l = locale(english);
    match month {
        1 => td_string!(l, label_month_1),
        2 => td_string!(l, label_month_2),
        3 => td_string!(l, label_month_3),
        4 => td_string!(l, label_month_4),
        5 => td_string!(l, label_month_5),
        6 => td_string!(l, label_month_6),
        7 => td_string!(l, label_month_7),
        8 => td_string!(l, label_month_8),
        9 => td_string!(l, label_month_9),
        10 => td_string!(l, label_month_10),
        11 => td_string!(l, label_month_11),
        12 => td_string!(l, label_month_12),
        _ => return month.to_string(),
    }
    .to_string()
}

/// A weekday's name, 1 = Monday: "Måndag" or "Monday".
pub fn weekday_name(day: u32, english: bool) -> String {
    let l = locale(english);
    match day {
        1 => td_string!(l, label_weekday_1),
        2 => td_string!(l, label_weekday_2),
        3 => td_string!(l, label_weekday_3),
        4 => td_string!(l, label_weekday_4),
        5 => td_string!(l, label_weekday_5),
        6 => td_string!(l, label_weekday_6),
        7 => td_string!(l, label_weekday_7),
        _ => return day.to_string(),
    }
    .to_string()
}

/// "v." or "w.", before a week's number.
pub fn week_prefix(english: bool) -> String {
    td_string!(locale(english), label_week_prefix).to_string()
}

/// "kvartal 4 2026" or "Q4 2026".
pub fn quarter_label(quarter: u32, year: i32, english: bool) -> String {
    td_string!(locale(english), label_quarter, q = quarter, year = year).to_string()
}

/// "mars 2026" or "March 2026" (a month as "2026-03").
pub fn month_label(month: &str, english: bool) -> String {
    match approval::parse_month(month) {
        Some((y, m)) => format!("{} {y}", month_name(m, english)),
        None => month.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use wasm_bindgen_test::wasm_bindgen_test;

    /// The app's Swedish names are the server's (shared `label_sv`), for every value.
    #[wasm_bindgen_test]
    fn swedish_labels_are_shareds() {
        for k in ActivityKind::ALL {
            assert_eq!(kind_label(k, false), k.label_sv());
        }
        for k in PartnerKind::ALL {
            assert_eq!(partner_kind_label(k, false), k.label_sv());
        }
        for f in FocusArea::ALL {
            assert_eq!(focus_label(f, false), f.label_sv());
        }
        for q in PollQuestion::ALL {
            assert_eq!(poll_label(q, false), q.label_sv());
        }
        for b in AgeBand::ALL {
            assert_eq!(band_label(b, false), b.label_sv());
        }
        for m in 1..=12 {
            let month = format!("2026-{m:02}");
            assert_eq!(month_label(&month, false), approval::month_name_sv(&month));
        }
    }

    /// The app's own error texts follow the language the device chose.
    #[wasm_bindgen_test]
    fn errors_speak_the_devices_language() {
        use crate::api::ApiError;
        use crate::store::StoreError;
        let before = crate::session::language();
        crate::session::set_language("sv");
        assert_eq!(ApiError::Offline.to_string(), "Ingen kontakt med servern just nu.");
        assert_eq!(StoreError::NotSignedIn.to_string(), "ingen är inloggad");
        crate::session::set_language("en");
        assert_eq!(ApiError::Offline.to_string(), "No contact with the server right now.");
        assert!(ApiError::Local("x".into()).to_string().starts_with("The local database on the device"));
        // The server's own words stay as they came.
        let server = ApiError::Server { status: 422, message: "Fel värde".into() };
        assert_eq!(server.to_string(), "Fel värde");
        crate::session::set_language(&before);
    }

    #[wasm_bindgen_test]
    fn english_labels() {
        assert_eq!(band_label(AgeBand::Age65Plus, true), "65 and older");
        assert_eq!(band_label(AgeBand::Age13To15, true), "13–15 years");
        assert_eq!(month_label("2026-03", true), "March 2026");
        assert_eq!(weekday_name(7, false), "Söndag");
        assert_eq!(quarter_label(4, 2026, false), "kvartal 4 2026");
        assert_eq!(quarter_label(4, 2026, true), "Q4 2026");
    }
}
