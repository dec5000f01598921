//! Demo knowledge base (`--demo-year`): a dozen good examples from housing
//! companies across Sweden, three in each focus area, published, with a few
//! lessons learned; and one draft that only its own lab sees. Each is
//! entered under one of the demo labs (the lab that collected it); those
//! from a lab's own work link to its demo goals.
//!
//! Stamped with a fixed clock in the past like the other demo data, so any
//! later edit wins, and seeding again changes nothing.

use crate::db::{Store, StoreError};
use crate::demo::{BODEN, LINA_HAGE, PORTALEN, RANNEBERGEN};
use crate::demo_year::{
    GOAL_BODEN_WORK, GOAL_LINA_HAGE_SAFE, GOAL_LINA_HAGE_VISITS, GOAL_PORTALEN_WORK, GOAL_RANNEBERGEN_HOMEWORK,
    GOAL_RANNEBERGEN_SAFE,
};
use labblogg_shared::knowledge::{
    ExampleStatus, Figure, GoodExample, Lesson, Premises, Review, SuccessFactor, TargetGroup,
};
use labblogg_shared::model::FocusArea;
use labblogg_shared::sync::Change;
use labblogg_shared::{Hlc, RecordKind};
use serde::Serialize;
use uuid::Uuid;

const STAMP_MS: u64 = 1_704_067_200_002;
const TAG_EXAMPLE: u128 = 0x0e10;
const TAG_LESSON: u128 = 0x0e11;
const TAG_CHANGE: u128 = 0x0ec0;

const fn id(tag: u128, n: u128) -> Uuid {
    Uuid::from_u128(0x0190_0000_0000_7000_8000_0000_0000_0000 | (tag << 32) | n)
}

/// The demo draft (Vårt Rannebergen): never pulled by other labs' devices.
pub const DRAFT_EXAMPLE: Uuid = id(TAG_EXAMPLE, 99);
/// The first published demo example (Lina Hage's meeting place).
pub const EXAMPLE_LINA_HAGE: Uuid = id(TAG_EXAMPLE, 10);

fn fig(label: &str, value: &str) -> Figure {
    Figure { label: label.into(), value: value.into() }
}

struct Ex {
    title: &'static str,
    organisation: &'static str,
    place: &'static str,
    focus: Vec<FocusArea>,
    groups: Vec<TargetGroup>,
    target_group: &'static str,
    done: &'static str,
    partners: &'static str,
    hours: Option<f64>,
    cost: Option<u64>,
    premises: Premises,
    resources: &'static str,
    results: &'static str,
    figures: Vec<Figure>,
    contact: &'static str,
    status: ExampleStatus,
    goals: Vec<Uuid>,
}

impl Ex {
    fn build(self, review: Review) -> GoodExample {
        GoodExample {
            title: self.title.into(),
            organisation: self.organisation.into(),
            place: self.place.into(),
            focus_areas: self.focus,
            target_groups: self.groups,
            target_group: self.target_group.into(),
            what_was_done: self.done.into(),
            partners: self.partners.into(),
            staff_hours_per_week: self.hours,
            cost_sek_per_year: self.cost,
            premises: self.premises,
            resources_note: self.resources.into(),
            results: self.results.into(),
            figures: self.figures,
            contact_role: self.contact.into(),
            status: self.status,
            goal_ids: self.goals,
            activity_ids: Vec::new(),
            published_on: (review == Review::Published).then(|| "2026-09-01".to_owned()),
            review,
        }
    }
}

fn examples() -> Vec<(u128, Uuid, Ex)> {
    use FocusArea::*;
    use TargetGroup::*;
    vec![
        // Minska långtidsarbetslösheten
        (1, PORTALEN, Ex {
            title: "Portalen: jobbcoacher och språkcafé i bostadsområdet",
            organisation: "Hyresbostäder i Norrköping",
            place: "Norrköping, Navestad",
            focus: vec![LongTermUnemployment],
            groups: vec![Adults, Women, Newcomers],
            target_group: "Vuxna som står långt från arbetsmarknaden, särskilt kvinnor",
            done: "En öppen mötesplats i bottenvåningen tre dagar i veckan: jobbcoacher från kommunen och Arbetsförmedlingen hjälper till med CV och ansökningar, ett språkcafé övar svenska för arbetslivet, och Soroptimisterna håller strukturerade samtal med kvinnliga deltagare om vägen till egen försörjning.",
            partners: "Norrköpings kommun, Arbetsförmedlingen, Soroptimisterna, Hyresgästföreningen",
            hours: Some(30.0),
            cost: Some(650_000),
            premises: Premises::Own,
            resources: "Två halvtidstjänster, lokal i bostadsbolagets bestånd.",
            results: "Under första året kom 140 deltagare; 38 fick arbete eller praktik och 22 började studera.",
            figures: vec![fig("Deltagare", "140"), fig("Till arbete eller praktik", "38"), fig("Till studier", "22")],
            contact: "Verksamhetsledare, Portalen",
            status: ExampleStatus::Running,
            goals: vec![GOAL_PORTALEN_WORK],
        }),
        (2, PORTALEN, Ex {
            title: "Sommarjobb för unga hyresgäster",
            organisation: "Örebrobostäder",
            place: "Örebro, Vivalla",
            focus: vec![LongTermUnemployment, Crime],
            groups: vec![Youth, YoungAdults],
            target_group: "Ungdomar 16–19 år som bor i området",
            done: "Bostadsbolaget anställer ungdomar under tre sommarveckor för att måla, plantera och hålla gårdarna rena, med en handledare från fastighetsskötseln. Varje ungdom får ett intyg och ett referenssamtal.",
            partners: "Örebro kommun, fastighetsskötseln",
            hours: Some(40.0),
            cost: Some(900_000),
            premises: Premises::None,
            resources: "Lönemedel för ungdomarna, handledare på heltid under sommaren.",
            results: "60 ungdomar fick sitt första sommarjobb; skadegörelsen på gårdarna minskade under sommaren.",
            figures: vec![fig("Sommarjobb", "60"), fig("Veckor", "3")],
            contact: "Områdeschef, Örebrobostäder",
            status: ExampleStatus::Running,
            goals: vec![],
        }),
        (3, BODEN, Ex {
            title: "Praktik i fastighetsskötseln för nyanlända",
            organisation: "Bodenbo",
            place: "Boden",
            focus: vec![LongTermUnemployment, PublicServices],
            groups: vec![Newcomers, Adults],
            target_group: "Nyanlända vuxna med uppehållstillstånd",
            done: "Nyanlända gör sex månaders språkpraktik i fastighetsskötseln med en bovärd som handledare. Svenska kyrkan håller samtalsgrupper om arbetslivet och Röda korset ordnar läxhjälp i svenska.",
            partners: "Bodens kommun, Svenska kyrkan, Röda korset, Arbetsförmedlingen",
            hours: Some(8.0),
            cost: Some(120_000),
            premises: Premises::Shared,
            resources: "Handledartid från bovärdarna, lokal för samtalsgrupper lånas av församlingen.",
            results: "Av 24 praktikanter fick 9 anställning, flera av dem hos bostadsbolaget.",
            figures: vec![fig("Praktikanter", "24"), fig("Anställda efteråt", "9")],
            contact: "Områdesutvecklare, Bodenbo",
            status: ExampleStatus::Running,
            goals: vec![GOAL_BODEN_WORK],
        }),
        // Lyfta skolorna och elevernas resultat
        (4, LINA_HAGE, Ex {
            title: "Läxhjälp på mötesplatsen",
            organisation: "Telge Bostäder",
            place: "Södertälje, Lina Hage",
            focus: vec![SchoolResults],
            groups: vec![Children, Youth],
            target_group: "Elever i årskurs 4–9",
            done: "Två eftermiddagar i veckan blir mötesplatsen ett läxrum med frivilliga från Röda korset och gymnasieelever som läxhjälpare. Fika först, sedan en timmes läxor, sedan fritid.",
            partners: "Röda korset, Lina Hage skola, Södertälje kommun",
            hours: Some(6.0),
            cost: Some(40_000),
            premises: Premises::Shared,
            resources: "Mötesplatsens lokal, frivilliga läxhjälpare, fika.",
            results: "Eleverna som kom regelbundet höjde sina betyg i matematik enligt skolans uppföljning.",
            figures: vec![fig("Elever per vecka", "25"), fig("Frivilliga", "8")],
            contact: "Fritidsledare, Lina Hage mötesplats",
            status: ExampleStatus::Running,
            goals: vec![],
        }),
        (5, RANNEBERGEN, Ex {
            title: "Läsfrämjande med biblioteket i Rannebergen",
            organisation: "Bostadsbolaget i Rannebergen",
            place: "Göteborg, Rannebergen",
            focus: vec![SchoolResults],
            groups: vec![Children, Parents],
            target_group: "Barn 3–10 år och deras föräldrar",
            done: "Biblioteket har sagostund och bokbyte i mötesplatsen varannan lördag; föräldrar får tips om att läsa på flera språk hemma. Boende som talar arabiska, somaliska och dari läser högt.",
            partners: "Göteborgs Stadsbibliotek, Hyresgästföreningen",
            hours: Some(3.0),
            cost: Some(25_000),
            premises: Premises::Shared,
            resources: "Bibliotekarie varannan lördag, böcker på flera språk.",
            results: "Fler barn lånar böcker; föräldrarna säger att de läser mer hemma.",
            figures: vec![fig("Utlånade böcker per termin", "420"), fig("Familjer", "35")],
            contact: "Bibliotekarie, Rannebergens bibliotek",
            status: ExampleStatus::Running,
            goals: vec![GOAL_RANNEBERGEN_HOMEWORK],
        }),
        (6, LINA_HAGE, Ex {
            title: "Studentlägenheter mot läxhjälp",
            organisation: "Botkyrkabyggen",
            place: "Botkyrka, Alby",
            focus: vec![SchoolResults],
            groups: vec![Youth],
            target_group: "Högstadieelever i området",
            done: "Studenter får hyra lägenhet i området mot att de ger tio timmar läxhjälp i månaden på skolan eller i mötesplatsen. Studenterna blir också förebilder som visar vägen till högre studier.",
            partners: "Södertörns högskola, Albyskolan",
            hours: Some(2.0),
            cost: Some(0),
            premises: Premises::None,
            resources: "Lägenheter reserverade för studenter, samordning två timmar i veckan.",
            results: "Andelen elever med behörighet till gymnasiet steg under de tre första åren.",
            figures: vec![fig("Studenter", "18"), fig("Timmar läxhjälp per år", "2 000")],
            contact: "Uthyrningschef, Botkyrkabyggen",
            status: ExampleStatus::Ended,
            goals: vec![],
        }),
        // Stärka samhällsservicen
        (7, BODEN, Ex {
            title: "En väg in: gemensam mottagning för nyanlända",
            organisation: "Bodenbo",
            place: "Boden",
            focus: vec![PublicServices],
            groups: vec![Newcomers],
            target_group: "Nyanlända och asylsökande familjer",
            done: "Kommunen, Svenska kyrkan, Röda korset och bostadsbolaget samverkar i en gemensam mottagning i mötesplatsen: samhällsvägledning, hjälp med myndighetsbrev och en fast tid för BIS-elevernas föräldrar.",
            partners: "Bodens kommun, Svenska kyrkan, Röda korset, Migrationsverket",
            hours: Some(12.0),
            cost: Some(200_000),
            premises: Premises::Own,
            resources: "Mötesplatsens lokal två eftermiddagar i veckan, personal från varje partner.",
            results: "Färre ärenden faller mellan stolarna; partnerna har ett samverkansavtal och en gemensam kalender.",
            figures: vec![fig("Besök per månad", "310"), fig("Partner i avtalet", "4")],
            contact: "Samordnare, Samverkan i Boden",
            status: ExampleStatus::Running,
            goals: vec![],
        }),
        (8, BODEN, Ex {
            title: "Medborgarkontoret flyttar in en dag i veckan",
            organisation: "Gavlegårdarna",
            place: "Gävle, Sätra",
            focus: vec![PublicServices],
            groups: vec![AllResidents, Elderly],
            target_group: "Alla boende, särskilt äldre",
            done: "Kommunens medborgarkontor, Försäkringskassan och Skatteverket har en gemensam servicedag i bostadsområdets mötesplats varje onsdag, så att boende slipper resa in till centrum.",
            partners: "Gävle kommun, Försäkringskassan, Skatteverket",
            hours: Some(8.0),
            cost: Some(60_000),
            premises: Premises::Shared,
            resources: "En lokal med två samtalsrum en dag i veckan.",
            results: "Servicedagen har blivit en mötesplats i sig; kommunen har infört den i två områden till.",
            figures: vec![fig("Besökare per servicedag", "45")],
            contact: "Områdesutvecklare, Gavlegårdarna",
            status: ExampleStatus::Running,
            goals: vec![],
        }),
        (9, PORTALEN, Ex {
            title: "Bovärdar som brobyggare",
            organisation: "Mitthem",
            place: "Sundsvall, Nacksta",
            focus: vec![PublicServices, Crime],
            groups: vec![AllResidents],
            target_group: "Boende i alla åldrar",
            done: "Bovärdar med språkkunskaper i områdets största språk har fasta tider i entréerna och följer med boende till vårdcentral och kommun vid behov. De utbildas i samhällsinformation och i att lotsa vidare.",
            partners: "Sundsvalls kommun, Region Västernorrland",
            hours: Some(20.0),
            cost: Some(350_000),
            premises: Premises::None,
            resources: "Del av bovärdarnas tid, utbildning två dagar per termin.",
            results: "Fler felanmälningar kommer in i tid och grannar säger att de vet vart de ska vända sig.",
            figures: vec![fig("Bovärdar", "6"), fig("Språk", "5")],
            contact: "Bovärd, Mitthem",
            status: ExampleStatus::Running,
            goals: vec![],
        }),
        // Bekämpa brottsligheten
        (10, LINA_HAGE, Ex {
            title: "Mötesplats för unga under 16 år två kvällar i veckan",
            organisation: "Telge Bostäder",
            place: "Södertälje, Lina Hage",
            focus: vec![Crime, SchoolResults],
            groups: vec![Youth, Children],
            target_group: "Ungdomar under 16 år",
            done: "En mötesplats i en ombyggd lokal är öppen tisdag och torsdag kväll med fritidsledare, idrott, spel och en snabbfråga om trygghet när kvällen stänger. Ungdomarna är med och bestämmer kvällarnas innehåll.",
            partners: "Södertälje kommun, Polisen, idrottsföreningar",
            hours: Some(16.0),
            cost: Some(450_000),
            premises: Premises::Own,
            resources: "Två fritidsledare, egen lokal, material för idrott och spel.",
            results: "Besöken har ökat stadigt och fler ungdomar säger att de känner sig trygga.",
            figures: vec![fig("Besök per kväll", "38"), fig("Kände sig trygga", "86 %")],
            contact: "Områdesutvecklare, Telge Bostäder",
            status: ExampleStatus::Running,
            goals: vec![GOAL_LINA_HAGE_VISITS, GOAL_LINA_HAGE_SAFE],
        }),
        (11, RANNEBERGEN, Ex {
            title: "Trygghetsvandringar med de boende",
            organisation: "Bostadsbolaget i Rannebergen",
            place: "Göteborg, Rannebergen",
            focus: vec![Crime],
            groups: vec![AllResidents, Women],
            target_group: "Boende i alla åldrar",
            done: "Boende, polis och bostadsbolag går tillsammans genom området varje vår och höst, noterar mörka platser och skymd sikt, och bolaget åtgärdar det som hittas inom en månad. Resultatet redovisas på ett stormöte.",
            partners: "Polisen, Hyresgästföreningen, Göteborgs Stad",
            hours: Some(2.0),
            cost: Some(150_000),
            premises: Premises::None,
            resources: "Belysning och buskröjning i bolagets underhållsbudget.",
            results: "Andelen boende som känner sig trygga ute på kvällen ökade i bolagets enkät.",
            figures: vec![fig("Åtgärdade platser", "27"), fig("Deltagare per vandring", "30")],
            contact: "Trygghetssamordnare, Vårt Rannebergen",
            status: ExampleStatus::Running,
            goals: vec![GOAL_RANNEBERGEN_SAFE],
        }),
        (12, LINA_HAGE, Ex {
            title: "Workshop: hålla unga borta från kriminalitet",
            organisation: "Telge Bostäder",
            place: "Södertälje",
            focus: vec![Crime],
            groups: vec![Youth, Parents],
            target_group: "Ungdomar och deras föräldrar",
            done: "En workshop där föräldrar, fritidsledare, skola och polis tillsammans tog fram vad som håller unga borta från kriminalitet: vuxna som finns kvar, en plats att vara på och vägar till sommarjobb. Idéerna blev mötesplatsens handlingsplan.",
            partners: "Polisen, socialtjänsten, skolan",
            hours: None,
            cost: Some(15_000),
            premises: Premises::Shared,
            resources: "En kväll, en samtalsledare, fika.",
            results: "Handlingsplanen följs upp varje termin med mätbara mål.",
            figures: vec![fig("Deltagare", "42")],
            contact: "Områdesutvecklare, Telge Bostäder",
            status: ExampleStatus::Ended,
            goals: vec![],
        }),
    ]
}

fn draft() -> Ex {
    Ex {
        title: "Odlingslotter på gården",
        organisation: "Bostadsbolaget i Rannebergen",
        place: "Göteborg, Rannebergen",
        focus: vec![FocusArea::Crime],
        groups: vec![TargetGroup::AllResidents],
        target_group: "Boende som vill odla",
        done: "Pallkragar på innergården som boende sköter tillsammans; tanken är att fler ska vara ute och lära känna grannarna.",
        partners: "Hyresgästföreningen",
        hours: Some(1.0),
        cost: Some(20_000),
        premises: Premises::None,
        resources: "Pallkragar, jord och vatten.",
        results: "",
        figures: vec![],
        contact: "Områdesvärd, Vårt Rannebergen",
        status: ExampleStatus::Idea,
        goals: vec![],
    }
}

fn lessons() -> Vec<(u128, Uuid, Lesson)> {
    let lesson =
        |title: &str, text: &str, factors: Vec<SuccessFactor>, focus: Vec<FocusArea>, org: &str, place: &str| Lesson {
            title: title.into(),
            text: text.into(),
            factors,
            focus_areas: focus,
            organisation: org.into(),
            place: place.into(),
            activity_id: None,
            review: Review::Published,
            published_on: Some("2026-09-01".into()),
        };
    vec![
        (1, LINA_HAGE, lesson(
            "Börja med fika, sedan läxor",
            "Ungdomarna kom när kvällen började med fika och samtal; när läxorna kom först uteblev de. Låt mötesplatsen vara trygg och välkomnande innan den ställer krav.",
            vec![SuccessFactor::MeetingPlace, SuccessFactor::TargetGroupReach],
            vec![FocusArea::SchoolResults],
            "Telge Bostäder",
            "Södertälje, Lina Hage",
        )),
        (2, BODEN, lesson(
            "Skriv samverkansavtalet tidigt",
            "Samverkan med kyrkan, Röda korset och kommunen blev stabil först när vi skrev ner vem som gör vad och vem som bemannar vilka tider. Utan avtal föll ansvaret mellan stolarna när någon bytte jobb.",
            vec![SuccessFactor::Partnership, SuccessFactor::Staffing],
            vec![FocusArea::PublicServices],
            "Bodenbo",
            "Boden",
        )),
        (3, PORTALEN, lesson(
            "Mät från första dagen",
            "Vi valde ett mätbart mål från början och räknade deltagare och utfall varje månad. Det gjorde det lätt att visa resultat för finansiärerna och att ändra det som inte fungerade.",
            vec![SuccessFactor::GoalSteering, SuccessFactor::Funding],
            vec![FocusArea::LongTermUnemployment],
            "Hyresbostäder i Norrköping",
            "Norrköping",
        )),
    ]
}

fn change<T: Serialize>(kind: RecordKind, id: Uuid, lab_id: Uuid, n: u128, data: &T) -> Change {
    let fields = match serde_json::to_value(data) {
        Ok(serde_json::Value::Object(m)) => m,
        _ => serde_json::Map::new(),
    };
    Change {
        change_id: self::id(TAG_CHANGE, n),
        kind,
        id,
        lab_id,
        hlc: Hlc { ms: STAMP_MS, counter: n as u32, node: 0 },
        fields,
        deleted: false,
        restore: false,
    }
}

/// The demo examples and lessons, as changes.
pub fn changes() -> Vec<Change> {
    let mut out = Vec::new();
    for (n, lab, ex) in examples() {
        out.push(change(RecordKind::GoodExample, id(TAG_EXAMPLE, n), lab, n, &ex.build(Review::Published)));
    }
    out.push(change(RecordKind::GoodExample, DRAFT_EXAMPLE, RANNEBERGEN, 99, &draft().build(Review::Draft)));
    for (n, lab, l) in lessons() {
        out.push(change(RecordKind::Lesson, id(TAG_LESSON, n), lab, 100 + n, &l));
    }
    out
}

/// Seed the knowledge base (after the demo year, whose goals it names).
pub async fn seed(store: &dyn Store) -> Result<(), StoreError> {
    for outcome in store.push(changes()).await? {
        if let Err(r) = outcome {
            return Err(StoreError::Corrupt(format!("demo knowledge refused: {}", r.message)));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use labblogg_shared::validate::{good_example, lesson};

    #[test]
    fn a_dozen_valid_examples_over_all_four_focus_areas() {
        let all = examples();
        assert_eq!(all.len(), 12);
        for f in FocusArea::ALL {
            assert!(all.iter().filter(|(_, _, e)| e.focus[0] == f).count() >= 3, "{f:?}");
        }
        for (_, _, e) in all {
            let e = e.build(Review::Published);
            assert_eq!(good_example(&e), Ok(()), "{}", e.title);
        }
        assert_eq!(good_example(&draft().build(Review::Draft)), Ok(()));
        for (_, _, l) in lessons() {
            assert_eq!(lesson(&l), Ok(()), "{}", l.title);
        }
    }
}
