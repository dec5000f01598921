//! Validation of records, run by the app before saving and by the server
//! before accepting. Messages are plain Swedish for staff.

use crate::merge::RecordState;
use crate::model::{Lab, MeetingPlace, RecordKind, Visit};
use serde::de::DeserializeOwned;
use std::collections::HashSet;

pub const MAX_NAME_CHARS: usize = 120;
pub const MAX_SHORT_TEXT_CHARS: usize = 200;
pub const MAX_QUESTION_CHARS: usize = 500;
pub const MAX_LONG_TEXT_CHARS: usize = 4000;
/// Visits before 2000 or after 2100 are typing or clock errors.
pub const MIN_YEAR: i32 = 2000;
pub const MAX_YEAR: i32 = 2100;

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
}

/// Check a merged record: its fields must form a valid record of its kind.
/// A tombstone that arrived before its record (no fields yet) is valid.
pub fn validate_record(state: &RecordState) -> Result<(), ValidationError> {
    if state.fields.is_empty() && state.deleted.is_some() {
        return Ok(());
    }
    match state.kind {
        RecordKind::Lab => lab(&parse(state)?),
        RecordKind::MeetingPlace => meeting_place(&parse(state)?),
        RecordKind::Visit => visit(&parse(state)?),
    }
}

fn parse<T: DeserializeOwned>(state: &RecordState) -> Result<T, ValidationError> {
    serde_json::from_value(serde_json::Value::Object(state.fields.clone()))
        .map_err(|e| ValidationError::Shape(e.to_string()))
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
    if m.opening_hours.len() > 21 {
        return Err(ValidationError::OutOfRange { field: "öppettider" });
    }
    for h in &m.opening_hours {
        if !(1..=7).contains(&h.weekday) {
            return Err(ValidationError::OutOfRange { field: "veckodag" });
        }
        let (open, close) = (minutes_of_day(&h.opens), minutes_of_day(&h.closes));
        match (open, close) {
            (Some(o), Some(c)) if o < c => {}
            (Some(_), Some(_)) => return Err(ValidationError::OutOfRange { field: "öppettider" }),
            _ => return Err(ValidationError::Time { field: "öppettider" }),
        }
    }
    Ok(())
}

pub fn visit(v: &Visit) -> Result<(), ValidationError> {
    let Some((y, _, _)) = parse_date(&v.date) else {
        return Err(ValidationError::Date { field: "datum" });
    };
    if !(MIN_YEAR..=MAX_YEAR).contains(&y) {
        return Err(ValidationError::Date { field: "datum" });
    }
    // 2000-01-01 .. 2101-01-01 in ms
    if !(946_684_800_000..4_133_980_800_000).contains(&v.at_ms) {
        return Err(ValidationError::OutOfRange { field: "tidpunkt" });
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
    use crate::model::{AgeBand, OpeningHours};
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
        };
        assert_eq!(meeting_place(&ok), Ok(()));
        let mut bad = ok.clone();
        bad.opening_hours[0].closes = "16:00".into();
        assert!(meeting_place(&bad).is_err());
        let mut bad = ok.clone();
        bad.age_bands.push(AgeBand::Age6To12);
        assert_eq!(meeting_place(&bad), Err(ValidationError::Duplicate { field: "åldersgrupper" }));
        let mut bad = ok;
        bad.name = "x".repeat(MAX_NAME_CHARS + 1);
        assert!(matches!(meeting_place(&bad), Err(ValidationError::TooLong { .. })));
    }

    #[test]
    fn message_is_swedish() {
        assert_eq!(ValidationError::Required { field: "namn" }.to_string(), "namn måste fyllas i");
    }
}
