//! Times a lab's report (`labblogg_shared::summary::lab_report`) over a year
//! of 1,000,000 visits at one lab, in memory, natively:
//!
//! ```sh
//! cargo run --release -p labblogg-server --bin bench_summary
//! ```
//!
//! prints one line, `BENCH {"name":"summary_server_1m","count_ms":…,"report_ms":…}`: the
//! medians of five runs, after one to warm up, of counting the visits into tallies
//! (`summary::TallyChanges`, what a store does as visits arrive) and of the report over them.

use labblogg_shared::calendar;
use labblogg_shared::calendar::StockholmClock;
use labblogg_shared::model::{
    Activity, ActivityKind, AgeBand, FocusArea, Goal, GoalDirection, GoalMeasurement, GoalSource, Lab, MeetingPlace,
    OpeningHours, ParticipantCount, Partner, PartnerKind, PollQuestion, PollTally, Visit,
};
use labblogg_shared::summary::{lab_report, Dataset, Period, Rec, TallyChanges, VisitKey};
use std::hint::black_box;
use std::time::Instant;
use uuid::Uuid;

const VISITS: u32 = 1_000_000;
const TODAY: &str = "2026-11-20";
const LAB: Uuid = Uuid::from_u128(1);
const PLACES: [Uuid; 2] = [Uuid::from_u128(11), Uuid::from_u128(12)];

/// xorshift64*: enough to spread visits over days, hours and bands.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

fn rec<T>(id: u128, data: T) -> Rec<T> {
    Rec { id: Uuid::from_u128(id), lab_id: LAB, data }
}

/// The lab's records, and its year of visits as records (counted into tallies in the timed part).
fn dataset() -> (Dataset, Vec<Rec<Visit>>) {
    let mut rng = Rng(0x5eed_01ab_b109);
    let last = calendar::day_of(TODAY).expect("date") - 1;
    let first = last - 364;
    let hours = |days: &[u8]| {
        days.iter().map(|&weekday| OpeningHours { weekday, opens: "15:00".into(), closes: "21:00".into() }).collect()
    };
    let mut ds = Dataset {
        labs: vec![rec(
            1,
            Lab {
                name: "Bänklabbet".into(),
                city: "Södertälje".into(),
                organisation: "Telge Bostäder".into(),
                focus_areas: vec![FocusArea::Crime, FocusArea::SchoolResults],
                question: String::new(),
                description: String::new(),
            },
        )],
        places: PLACES
            .iter()
            .enumerate()
            .map(|(i, p)| Rec {
                id: *p,
                lab_id: LAB,
                data: MeetingPlace {
                    name: format!("Mötesplats {i}"),
                    opening_hours: hours(&[1, 2, 3, 4, 5]),
                    target_group: String::new(),
                    age_bands: AgeBand::ALL.to_vec(),
                    catchment_population: Some(5000),
                    gender_split: false,
                    count_rule: Default::default(),
                    exceptions: vec![],
                    retired: false,
                },
            })
            .collect(),
        ..Dataset::default()
    };
    let dates: Vec<String> = (first..=last).map(calendar::format_date).collect();
    let visits: Vec<Rec<Visit>> = (0..VISITS)
        .map(|n| {
            let d = rng.below(365) as i64;
            let minute = 15 * 60 + rng.below(6 * 60) as u32;
            rec(
                0x1_0000_0000 + u128::from(n),
                Visit {
                    meeting_place_id: PLACES[(n % 2) as usize],
                    at_ms: calendar::utc_ms_of_local(first + d, minute),
                    date: dates[d as usize].clone(),
                    age_band: AgeBand::ALL[rng.below(7) as usize],
                    gender: None,
                    first_visit: rng.below(100) < 15,
                },
            )
        })
        .collect();
    let goal = |n: u128, source| {
        rec(
            0x3000 + n,
            Goal {
                focus_area: FocusArea::Crime,
                title: format!("Mål {n}"),
                indicator: "Besök".into(),
                unit: "besök per vecka".into(),
                baseline: 10_000.0,
                target: 25_000.0,
                target_date: "2027-06-30".into(),
                direction: GoalDirection::Up,
                source,
                baseline_date: None,
                schedule: None,
                retired: false,
            },
        )
    };
    ds.goals = vec![goal(1, Some(GoalSource::VisitsPerWeek { meeting_place_id: PLACES[0] })), goal(2, None)];
    ds.measurements = (0..12u32)
        .map(|m| {
            rec(
                0x4000 + u128::from(m),
                GoalMeasurement {
                    goal_id: ds.goals[1].id,
                    date: calendar::format_date(first + i64::from(m) * 30),
                    value: 10_000.0 + f64::from(m) * 1000.0,
                    note: String::new(),
                    flag: None,
                },
            )
        })
        .collect();
    ds.partners =
        (0..10u128).map(|n| rec(0x5000 + n, Partner::new(format!("Partner {n}"), PartnerKind::Ngo))).collect();
    ds.activities = (0..600u32)
        .map(|n| {
            let d = rng.below(365) as usize;
            rec(
                0x2000 + u128::from(n),
                Activity {
                    meeting_place_id: Some(PLACES[0]),
                    kind: ActivityKind::ALL[rng.below(14) as usize],
                    title: format!("Aktivitet {n}"),
                    date: dates[d].clone(),
                    start_time: Some("17:00".into()),
                    end_time: Some("19:00".into()),
                    participants: vec![ParticipantCount { age_band: AgeBand::Age13To15, gender: None, count: 12 }],
                    first_timers: 2,
                    partner_ids: vec![ds.partners[n as usize % 10].id],
                    goal_ids: vec![ds.goals[(n % 2) as usize].id],
                    staff_hours: 4.0,
                    volunteer_hours: 1.5,
                    notes: String::new(),
                    lessons_learned: if n % 7 == 0 {
                        "Kortare samlingar fungerar bättre.".into()
                    } else {
                        String::new()
                    },
                    poll: (n % 3 == 0).then_some(PollTally {
                        question: PollQuestion::FeltSafe,
                        yes: 8,
                        maybe: 2,
                        no: 1,
                    }),
                    flag: None,
                    answers: Vec::new(),
                },
            )
        })
        .collect();
    ds.sort();
    (ds, visits)
}

fn main() {
    let (mut ds, visits) = dataset();
    let last = calendar::add_days(TODAY, -1).expect("date");
    let period = Period::new(calendar::add_days(&last, -364).expect("date"), last);
    let (mut count_ms, mut report_ms) = (Vec::new(), Vec::new());
    for run in 0..6 {
        let start = Instant::now();
        let mut tallies = TallyChanges::default();
        let mut clock = StockholmClock::default();
        for v in black_box(&visits) {
            tallies.add(VisitKey::of_visit(v.lab_id, &v.data, &mut clock).expect("a date"), v.id, true);
        }
        ds.visits = tallies.into_tallies();
        let counted = start.elapsed();
        let report = lab_report(black_box(&ds), LAB, &period, TODAY).expect("the lab exists");
        let elapsed = start.elapsed();
        assert_eq!(black_box(report).visits_total, u64::from(VISITS));
        if run > 0 {
            count_ms.push(counted.as_secs_f64() * 1000.0);
            report_ms.push((elapsed - counted).as_secs_f64() * 1000.0);
        }
    }
    let median = |mut v: Vec<f64>| {
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    };
    println!(
        "BENCH {{\"name\":\"summary_server_1m\",\"count_ms\":{:.1},\"report_ms\":{:.2},\"tallies\":{}}}",
        median(count_ms),
        median(report_ms),
        ds.visits.len()
    );
}
