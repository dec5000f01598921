//! The records labblogg keeps. Visitors are never named: a visit is an
//! anonymous event with an age band, an optional gender and a first-visit flag.
//!
//! Each record travels inside a [`crate::sync::Change`] envelope that carries
//! its id (client-generated UUIDv7) and the one lab it belongs to; the structs
//! here are the record's fields. Serialized names are stable: renaming one is
//! a schema migration (see docs/SYNC.md).

use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// Which kind of record a change is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RecordKind {
    Lab,
    MeetingPlace,
    Visit,
}

impl RecordKind {
    pub const ALL: [RecordKind; 3] = [RecordKind::Lab, RecordKind::MeetingPlace, RecordKind::Visit];

    /// The serialized name, as stored in databases.
    pub fn as_str(self) -> &'static str {
        match self {
            RecordKind::Lab => "lab",
            RecordKind::MeetingPlace => "meeting_place",
            RecordKind::Visit => "visit",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// Visits are append-only events: once stored, only a tombstone may follow.
    pub fn is_event(self) -> bool {
        matches!(self, RecordKind::Visit)
    }
}

/// The four focus areas (fokusområden) of the programme.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FocusArea {
    /// Minska långtidsarbetslösheten.
    LongTermUnemployment,
    /// Lyfta skolorna och elevernas resultat.
    SchoolResults,
    /// Stärka samhällsservicen.
    PublicServices,
    /// Bekämpa brottsligheten.
    Crime,
}

impl FocusArea {
    pub fn label_sv(self) -> &'static str {
        match self {
            FocusArea::LongTermUnemployment => "Minska långtidsarbetslösheten",
            FocusArea::SchoolResults => "Lyfta skolorna och elevernas resultat",
            FocusArea::PublicServices => "Stärka samhällsservicen",
            FocusArea::Crime => "Bekämpa brottsligheten",
        }
    }
}

/// Age bands visitors and participants are counted in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum AgeBand {
    #[serde(rename = "0-5")]
    Age0To5,
    #[serde(rename = "6-12")]
    Age6To12,
    #[serde(rename = "13-15")]
    Age13To15,
    #[serde(rename = "16-19")]
    Age16To19,
    #[serde(rename = "20-25")]
    Age20To25,
    #[serde(rename = "26-64")]
    Age26To64,
    #[serde(rename = "65+")]
    Age65Plus,
}

impl AgeBand {
    pub const ALL: [AgeBand; 7] = [
        AgeBand::Age0To5,
        AgeBand::Age6To12,
        AgeBand::Age13To15,
        AgeBand::Age16To19,
        AgeBand::Age20To25,
        AgeBand::Age26To64,
        AgeBand::Age65Plus,
    ];

    /// The serialized name (also used in `data-age-band`).
    pub fn as_str(self) -> &'static str {
        match self {
            AgeBand::Age0To5 => "0-5",
            AgeBand::Age6To12 => "6-12",
            AgeBand::Age13To15 => "13-15",
            AgeBand::Age16To19 => "16-19",
            AgeBand::Age20To25 => "20-25",
            AgeBand::Age26To64 => "26-64",
            AgeBand::Age65Plus => "65+",
        }
    }

    /// How the band reads on a button, in Swedish.
    pub fn label_sv(self) -> &'static str {
        match self {
            AgeBand::Age0To5 => "0–5 år",
            AgeBand::Age6To12 => "6–12 år",
            AgeBand::Age13To15 => "13–15 år",
            AgeBand::Age16To19 => "16–19 år",
            AgeBand::Age20To25 => "20–25 år",
            AgeBand::Age26To64 => "26–64 år",
            AgeBand::Age65Plus => "65 år och äldre",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Gender {
    Girl,
    Boy,
    Other,
}

/// An innovation lab (innovationslabb). Its id is also its `lab_id`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Lab {
    pub name: String,
    pub city: String,
    /// The housing company (bostadsbolag) running the lab.
    pub organisation: String,
    pub focus_areas: Vec<FocusArea>,
    /// The lab's one specific question.
    pub question: String,
    #[serde(default)]
    pub description: String,
}

/// Opening hours for one weekday, local time.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OpeningHours {
    /// ISO weekday: 1 = Monday … 7 = Sunday.
    pub weekday: u8,
    /// "HH:MM"
    pub opens: String,
    /// "HH:MM"
    pub closes: String,
}

/// A meeting place (mötesplats) run by a lab.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MeetingPlace {
    pub name: String,
    #[serde(default)]
    pub opening_hours: Vec<OpeningHours>,
    #[serde(default)]
    pub target_group: String,
    /// The age bands offered on the visit counter, youngest first.
    pub age_bands: Vec<AgeBand>,
}

/// One anonymous visit (besök) at a meeting place.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Visit {
    pub meeting_place_id: Uuid,
    /// When the visit was counted, milliseconds since the Unix epoch.
    pub at_ms: i64,
    /// The local calendar date of the visit, "YYYY-MM-DD", as the tablet saw it.
    pub date: String,
    pub age_band: AgeBand,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gender: Option<Gender>,
    #[serde(default)]
    pub first_visit: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn enum_wire_names_are_fixed() {
        // Regenerate only when the format is intentionally migrated.
        let bands: Vec<String> = AgeBand::ALL.iter().map(|b| serde_json::to_string(b).unwrap()).collect();
        assert_eq!(bands, ["\"0-5\"", "\"6-12\"", "\"13-15\"", "\"16-19\"", "\"20-25\"", "\"26-64\"", "\"65+\""]);
        for b in AgeBand::ALL {
            assert_eq!(serde_json::to_string(&b).unwrap(), format!("\"{}\"", b.as_str()));
        }
        for k in RecordKind::ALL {
            assert_eq!(serde_json::to_string(&k).unwrap(), format!("\"{}\"", k.as_str()));
            assert_eq!(RecordKind::parse(k.as_str()), Some(k));
        }
        assert_eq!(serde_json::to_string(&FocusArea::LongTermUnemployment).unwrap(), "\"long_term_unemployment\"");
        assert_eq!(serde_json::to_string(&Gender::Girl).unwrap(), "\"girl\"");
    }

    #[test]
    fn visit_wire_format_is_fixed() {
        let v = Visit {
            meeting_place_id: Uuid::from_u128(1),
            at_ms: 1_732_000_000_000,
            date: "2024-11-19".into(),
            age_band: AgeBand::Age13To15,
            gender: None,
            first_visit: true,
        };
        assert_eq!(
            serde_json::to_string(&v).unwrap(),
            r#"{"meeting_place_id":"00000000-0000-0000-0000-000000000001","at_ms":1732000000000,"date":"2024-11-19","age_band":"13-15","first_visit":true}"#
        );
    }
}
