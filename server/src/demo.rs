//! Demo data: the four real labs of the programme, their meeting places and
//! three demo accounts. Created only with `--demo`; running it again changes nothing.

use crate::auth::hash_password;
use crate::db::{Store, StoreError, UserRow};
use labblogg_shared::auth::{LabRole, Membership, Role};
use labblogg_shared::model::{CountRule, FocusArea, Lab, MeetingPlace, OpeningHours};
use labblogg_shared::sync::Change;
use labblogg_shared::{AgeBand, Hlc, RecordKind};
use serde::Serialize;
use uuid::Uuid;

pub const PORTALEN: Uuid = Uuid::from_u128(0x0190_0000_0000_7000_8000_0000_0000_0001);
pub const BODEN: Uuid = Uuid::from_u128(0x0190_0000_0000_7000_8000_0000_0000_0002);
pub const RANNEBERGEN: Uuid = Uuid::from_u128(0x0190_0000_0000_7000_8000_0000_0000_0003);
pub const LINA_HAGE: Uuid = Uuid::from_u128(0x0190_0000_0000_7000_8000_0000_0000_0004);

pub const PLACE_PORTALEN: Uuid = Uuid::from_u128(0x0190_0000_0000_7000_8000_0000_0000_0101);
pub const PLACE_BODEN: Uuid = Uuid::from_u128(0x0190_0000_0000_7000_8000_0000_0000_0102);
pub const PLACE_RANNEBERGEN: Uuid = Uuid::from_u128(0x0190_0000_0000_7000_8000_0000_0000_0103);
pub const PLACE_LINA_HAGE: Uuid = Uuid::from_u128(0x0190_0000_0000_7000_8000_0000_0000_0104);

pub const ALL_LABS: [Uuid; 4] = [PORTALEN, BODEN, RANNEBERGEN, LINA_HAGE];

/// The demo accounts: (username = password, role, display name).
pub const ACCOUNTS: [(&str, &str); 4] = [
    ("personal", "personal (personal på Lina Hage mötesplats)"),
    ("norrkoping", "norrkoping (personal på Portalen i Norrköping; att byta till på samma surfplatta)"),
    ("samordnare", "samordnare (samordnare för alla fyra labben)"),
    ("admin", "administratör (konton, enheter, labb och händelselogg; läser alla fyra labben)"),
];

fn hours(days: &[u8], opens: &str, closes: &str) -> Vec<OpeningHours> {
    days.iter().map(|&weekday| OpeningHours { weekday, opens: opens.into(), closes: closes.into() }).collect()
}

/// Two spans a day with a break between: `days` from `a` to `b` and `c` to `d`.
fn hours_with_break(days: &[u8], (a, b): (&str, &str), (c, d): (&str, &str)) -> Vec<OpeningHours> {
    days.iter()
        .flat_map(|&weekday| {
            [
                OpeningHours { weekday, opens: a.into(), closes: b.into() },
                OpeningHours { weekday, opens: c.into(), closes: d.into() },
            ]
        })
        .collect()
}

/// The four demo labs: (id, lab).
pub fn labs() -> Vec<(Uuid, Lab)> {
    vec![
        (PORTALEN, Lab {
            name: "Portalen".into(),
            city: "Norrköping".into(),
            organisation: "Hyresbostäder i Norrköping".into(),
            focus_areas: vec![FocusArea::LongTermUnemployment],
            question: "Hur kan fler boende i området komma närmare arbete, språk och egen försörjning?".into(),
            description: "Arbetsmarknadsverksamhet med stöd av bland andra Soroptimisterna, som håller strukturerade samtal med kvinnliga deltagare.".into(),
        }),
        (BODEN, Lab {
            name: "Samverkan i Boden".into(),
            city: "Boden".into(),
            organisation: "Bodenbo".into(),
            focus_areas: vec![FocusArea::PublicServices, FocusArea::LongTermUnemployment],
            question: "Hur kan vi tillsammans med lokala aktörer ge nyanlända en sammanhållen väg in i samhället och arbetslivet?".into(),
            description: "Samverkan med Svenska kyrkan, Röda korset och kommunen, bland annat med BIS (asylsökande elever).".into(),
        }),
        (RANNEBERGEN, Lab {
            name: "Vårt Rannebergen".into(),
            city: "Göteborg".into(),
            organisation: "Bostadsbolaget i Rannebergen".into(),
            focus_areas: vec![FocusArea::Crime, FocusArea::SchoolResults],
            question: "Hur kan de boende själva driva utvecklingen av Rannebergen så att fler känner sig trygga?".into(),
            description: "Områdesutveckling tillsammans med de boende.".into(),
        }),
        (LINA_HAGE, Lab {
            name: "Lina Hage".into(),
            city: "Södertälje".into(),
            organisation: "Telge Bostäder".into(),
            focus_areas: vec![FocusArea::Crime, FocusArea::SchoolResults],
            question: "Hur kan en mötesplats för unga under 16 år hålla fler ungdomar borta från kriminalitet?".into(),
            description: "Mötesplats för ungdomar under 16 år, öppen två kvällar i veckan.".into(),
        }),
    ]
}

/// The demo meeting places: (id, lab, place). The demo year
/// (`demo_year.rs`) adds the holidays they close on.
pub fn places() -> Vec<(Uuid, Uuid, MeetingPlace)> {
    use AgeBand::*;
    vec![
        (
            PLACE_PORTALEN,
            PORTALEN,
            MeetingPlace {
                name: "Portalen".into(),
                // Closed for lunch: two opening spans a day.
                opening_hours: hours_with_break(&[1, 2, 3, 4], ("09:00", "12:00"), ("13:00", "16:00")),
                target_group: "Vuxna som står långt från arbetsmarknaden".into(),
                age_bands: vec![Age16To19, Age20To25, Age26To64, Age65Plus],
                catchment_population: Some(3400),
                gender_split: false,
                count_rule: CountRule::EveryEntry,
                exceptions: vec![],
                retired: false,
            },
        ),
        (
            PLACE_BODEN,
            BODEN,
            MeetingPlace {
                name: "Mötesplats Boden".into(),
                opening_hours: hours(&[2, 4], "13:00", "19:00"),
                target_group: "Nyanlända och asylsökande".into(),
                age_bands: vec![Age0To5, Age6To12, Age13To15, Age16To19, Age20To25, Age26To64, Age65Plus],
                catchment_population: Some(1200),
                gender_split: false,
                count_rule: CountRule::EveryEntry,
                exceptions: vec![],
                retired: false,
            },
        ),
        (
            PLACE_RANNEBERGEN,
            RANNEBERGEN,
            MeetingPlace {
                name: "Rannebergens mötesplats".into(),
                opening_hours: hours(&[1, 3, 5], "15:00", "20:00"),
                target_group: "Boende i alla åldrar".into(),
                age_bands: vec![Age0To5, Age6To12, Age13To15, Age16To19, Age20To25, Age26To64, Age65Plus],
                catchment_population: Some(4800),
                gender_split: false,
                count_rule: CountRule::EveryEntry,
                exceptions: vec![],
                retired: false,
            },
        ),
        (
            PLACE_LINA_HAGE,
            LINA_HAGE,
            MeetingPlace {
                name: "Lina Hage mötesplats".into(),
                opening_hours: hours(&[2, 4], "17:00", "21:00"),
                target_group: "Ungdomar under 16 år".into(),
                age_bands: vec![Age6To12, Age13To15],
                catchment_population: Some(900),
                gender_split: false,
                count_rule: CountRule::EveryEntry,
                exceptions: vec![],
                retired: false,
            },
        ),
    ]
}

fn change<T: Serialize>(kind: RecordKind, id: Uuid, lab_id: Uuid, n: u128, data: &T) -> Change {
    let fields = match serde_json::to_value(data) {
        Ok(serde_json::Value::Object(m)) => m,
        _ => serde_json::Map::new(),
    };
    Change {
        change_id: Uuid::from_u128(0x0190_0000_0000_7000_8000_00de_0000_0000 + n),
        kind,
        id,
        lab_id,
        // A fixed stamp in the past: any later edit by a coordinator wins.
        hlc: Hlc { ms: 1_704_067_200_000, counter: n as u32, node: 0 },
        fields,
        deleted: false,
        restore: false,
    }
}

pub async fn seed(store: &dyn Store) -> Result<(), StoreError> {
    let mut changes = Vec::new();
    for (i, (id, lab)) in labs().into_iter().enumerate() {
        changes.push(change(RecordKind::Lab, id, id, i as u128, &lab));
    }
    for (i, (id, lab, place)) in places().into_iter().enumerate() {
        changes.push(change(RecordKind::MeetingPlace, id, lab, 100 + i as u128, &place));
    }
    for outcome in store.push(changes).await? {
        if let Err(r) = outcome {
            return Err(StoreError::Corrupt(format!("demo data refused: {}", r.message)));
        }
    }
    let member =
        |role: LabRole, labs: &[Uuid]| labs.iter().map(|&lab_id| Membership { lab_id, role }).collect::<Vec<_>>();
    let users = [
        ("personal", "Personal Lina Hage", Role::Staff, member(LabRole::Staff, &[LINA_HAGE]), Some(PLACE_LINA_HAGE)),
        // Staff of another lab, for a tablet several people share (issue #23).
        ("norrkoping", "Personal Portalen", Role::Staff, member(LabRole::Staff, &[PORTALEN]), Some(PLACE_PORTALEN)),
        ("samordnare", "Samordnare", Role::Coordinator, member(LabRole::Coordinator, &ALL_LABS), None),
        // An administrator who is also a member of every lab, so the demo's
        // administration screen has labs to put new accounts in.
        ("admin", "Administratör", Role::Admin, member(LabRole::Coordinator, &ALL_LABS), None),
    ];
    for (username, display_name, role, memberships, home) in users {
        if store.user_by_name(username).await?.is_some() {
            continue;
        }
        let password_hash = hash_password(username).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        store
            .insert_user(UserRow {
                id: Uuid::now_v7(),
                username: username.into(),
                display_name: display_name.into(),
                password_hash,
                role,
                memberships,
                home_meeting_place: home,
                disabled: false,
            })
            .await?;
    }
    Ok(())
}
