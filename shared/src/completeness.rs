//! Completeness (DHIS2's "reporting rate"): of the opening sessions a lab's
//! meeting places had in a period, how many have visits logged and how many
//! were closed. A month with half its evenings missing otherwise looks like a
//! drop in visits.
//!
//! - An **opening session** is one span of a place's opening hours on one
//!   local date (`MeetingPlace::spans_on`: the weekly hours, or the day's
//!   exception, so a holiday the place is closed on has none). Only sessions
//!   on days before `today` count: today's may still be under way, and the
//!   future has no gaps yet. A retired place counts up to the last day it
//!   had visits.
//! - It is **logged** when a visit was counted at the place that day in a
//!   local hour the session covers (visits are read as tallies, which keep
//!   the Stockholm local hour of each visit, so the change to and from summer
//!   time moves nothing: [`crate::calendar`]).
//! - It is **closed** when the place's evening closing of that day was saved
//!   (`routes/evening.rs`: an "open evening" activity at the place, or any
//!   activity there holding a closing poll) and ended after the session
//!   opened (a closing at 15:10 closes the 13:00 session, not the 17:00 one;
//!   one without an end time closes the day).
//!
//! Pure functions over the summaries' [`Dataset`], so the app (offline) and
//! the server count the same.

use crate::calendar;
use crate::model::ActivityKind;
use crate::summary::Dataset;
use serde::{Deserialize, Serialize};
use std::collections::{HashMap, HashSet};
use uuid::Uuid;

/// How complete a period's logging is.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Completeness {
    /// Opening sessions that have ended.
    pub sessions: u64,
    /// Of those, with visits logged.
    pub logged: u64,
    /// Of those, closed (the evening closing saved).
    pub closed: u64,
}

impl Completeness {
    /// Sessions without an evening closing.
    pub fn unclosed(&self) -> u64 {
        self.sessions - self.closed
    }

    /// Sessions without any visit logged.
    pub fn unlogged(&self) -> u64 {
        self.sessions - self.logged
    }

    /// Share of sessions closed, 0..=1; `None` without sessions.
    pub fn closed_share(&self) -> Option<f64> {
        (self.sessions > 0).then(|| self.closed as f64 / self.sessions as f64)
    }

    pub fn logged_share(&self) -> Option<f64> {
        (self.sessions > 0).then(|| self.logged as f64 / self.sessions as f64)
    }

    fn add(&mut self, s: &SessionState) {
        self.sessions += 1;
        self.logged += u64::from(s.logged);
        self.closed += u64::from(s.closed);
    }
}

/// A month's completeness.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MonthCompleteness {
    /// "2026-03".
    pub month: String,
    pub completeness: Completeness,
}

/// One opening session and what was logged of it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionState {
    pub place_id: Uuid,
    /// "YYYY-MM-DD".
    pub date: String,
    /// "HH:MM".
    pub opens: String,
    pub closes: String,
    pub logged: bool,
    pub closed: bool,
}

/// The opening sessions of the places of `lab` (or of one `place`) on the
/// days `from..=to` that lie before `today`, in date, place and time order,
/// each with whether it was logged and closed.
pub fn sessions(ds: &Dataset, lab: Uuid, place: Option<Uuid>, from: i64, to: i64, today: i64) -> Vec<SessionState> {
    let to = to.min(today - 1);
    if from > to {
        return Vec::new();
    }
    let places: Vec<_> = ds.places.iter().filter(|p| p.lab_id == lab && place.is_none_or(|id| id == p.id)).collect();
    if places.is_empty() {
        return Vec::new();
    }
    let ids: HashSet<Uuid> = places.iter().map(|p| p.id).collect();
    // (place, day, local hour) with visits.
    let visited: HashSet<(Uuid, i64, u8)> = ds
        .visits
        .iter()
        .filter(|v| v.n > 0 && ids.contains(&v.key.place_id) && (from..=to).contains(&v.key.day))
        .map(|v| (v.key.place_id, v.key.day, v.key.hour))
        .collect();
    // (place, day) → when each closing of that day ended (None: no end time).
    let mut closings: HashMap<(Uuid, i64), Vec<Option<u32>>> = HashMap::new();
    for a in ds.activities.iter().filter(|a| a.lab_id == lab) {
        let Some(p) = a.data.meeting_place_id.filter(|p| ids.contains(p)) else { continue };
        if a.data.kind != ActivityKind::OpenEvening && a.data.poll.is_none() {
            continue;
        }
        let Some(day) = calendar::day_of(&a.data.date).filter(|d| (from..=to).contains(d)) else { continue };
        let end = a.data.end_time.as_deref().and_then(calendar::minutes_of_day);
        closings.entry((p, day)).or_default().push(end);
    }
    // A retired place counts up to the last day it had visits (when it closed is not recorded).
    let last_visit: HashMap<Uuid, i64> = visited.iter().fold(HashMap::new(), |mut m, &(p, d, _)| {
        let e = m.entry(p).or_insert(d);
        *e = (*e).max(d);
        m
    });
    let hhmm = |m: u32| format!("{:02}:{:02}", m / 60, m % 60);
    let mut out = Vec::new();
    for day in from..=to {
        let date = calendar::format_date(day);
        for p in &places {
            if p.data.retired && last_visit.get(&p.id).is_none_or(|&last| day > last) {
                continue;
            }
            let mut hours = p.data.spans_on(&date);
            hours.dedup();
            for (o, c) in hours {
                // The local hours the session covers: 17:00–21:00 is 17, 18, 19, 20.
                let logged = (o / 60..=(c - 1) / 60).any(|h| visited.contains(&(p.id, day, h as u8)));
                let closed =
                    closings.get(&(p.id, day)).is_some_and(|ends| ends.iter().any(|e| e.is_none_or(|end| end > o)));
                out.push(SessionState {
                    place_id: p.id,
                    date: date.clone(),
                    opens: hhmm(o),
                    closes: hhmm(c),
                    logged,
                    closed,
                });
            }
        }
    }
    out
}

/// The completeness of `lab` (or one `place`) over `from..=to` (days before `today` only).
pub fn completeness(ds: &Dataset, lab: Uuid, place: Option<Uuid>, from: i64, to: i64, today: i64) -> Completeness {
    let mut c = Completeness::default();
    for s in sessions(ds, lab, place, from, to, today) {
        c.add(&s);
    }
    c
}

/// [`completeness`] per month of `from..=to`, every month listed.
pub fn per_month(ds: &Dataset, lab: Uuid, from: i64, to: i64, today: i64) -> Vec<MonthCompleteness> {
    if from > to {
        return Vec::new();
    }
    let mut months: Vec<MonthCompleteness> = crate::approval::months_between(from, to)
        .into_iter()
        .map(|month| MonthCompleteness { month, completeness: Completeness::default() })
        .collect();
    let first = calendar::month_index(from);
    for s in sessions(ds, lab, None, from, to, today) {
        let Some(day) = calendar::day_of(&s.date) else { continue };
        let i = (calendar::month_index(day) - first) as usize;
        months[i].completeness.add(&s);
    }
    months
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Activity, AgeBand, CountRule, MeetingPlace, OpeningHours, Visit};
    use crate::summary::{Rec, TallyChanges};
    use crate::{RecordKind, RecordState};

    const LAB: Uuid = Uuid::from_u128(0x1ab);
    const PLACE: Uuid = Uuid::from_u128(0x91);
    const OTHER: Uuid = Uuid::from_u128(0x92);

    fn day(s: &str) -> i64 {
        calendar::day_of(s).unwrap()
    }

    fn place(id: Uuid, hours: &[(u8, &str, &str)]) -> Rec<MeetingPlace> {
        Rec {
            id,
            lab_id: LAB,
            data: MeetingPlace {
                name: "Gården".into(),
                opening_hours: hours
                    .iter()
                    .map(|&(weekday, o, c)| OpeningHours { weekday, opens: o.into(), closes: c.into() })
                    .collect(),
                target_group: String::new(),
                age_bands: vec![AgeBand::Age13To15],
                catchment_population: None,
                gender_split: false,
                count_rule: CountRule::EveryEntry,
                exceptions: Vec::new(),
                retired: false,
            },
        }
    }

    /// Visits counted at local `hhmm` on `date`, through the tallies the
    /// stores keep (so their hour comes from the instant, in Stockholm time).
    fn visits(ds: &mut Dataset, at: &[(Uuid, &str, &str)]) {
        let mut t = TallyChanges::default();
        for (n, &(place, date, hhmm)) in at.iter().enumerate() {
            let at_ms = calendar::utc_ms_of_local(day(date), calendar::minutes_of_day(hhmm).unwrap());
            let v = Visit {
                meeting_place_id: place,
                at_ms,
                date: date.into(),
                age_band: AgeBand::Age13To15,
                gender: None,
                first_visit: false,
            };
            let state = RecordState {
                kind: RecordKind::Visit,
                id: Uuid::from_u128(1000 + n as u128),
                lab_id: LAB,
                fields: serde_json::to_value(&v).unwrap().as_object().unwrap().clone(),
                clocks: Default::default(),
                deleted: None,
                restored: None,
            };
            t.record_changed(None, Some(&state));
        }
        ds.visits.extend(t.into_tallies());
    }

    fn closing(ds: &mut Dataset, place: Uuid, date: &str, end: Option<&str>) {
        let a: Activity = serde_json::from_value(serde_json::json!({
            "meeting_place_id": place, "kind": "open_evening", "title": "Öppen kväll", "date": date,
            "end_time": end,
        }))
        .unwrap();
        ds.activities.push(Rec { id: Uuid::from_u128(5000 + ds.activities.len() as u128), lab_id: LAB, data: a });
    }

    #[test]
    fn march_2026_across_the_change_to_summer_time() {
        // March 2026: the 1st is a Sunday; summer time starts Sunday the 29th at 02:00.
        // Open Tuesdays and Thursdays 17–21 (Tue 3, 10, 17, 24, 31; Thu 5, 12, 19, 26: 9
        // sessions) and Sundays 01:00–04:00 (1, 8, 15, 22, 29: 5 sessions, the last
        // two hours long).
        let mut ds = Dataset {
            places: vec![place(PLACE, &[(2, "17:00", "21:00"), (4, "17:00", "21:00"), (7, "01:00", "04:00")])],
            ..Dataset::default()
        };
        visits(
            &mut ds,
            &[
                (PLACE, "2026-03-03", "17:05"),
                (PLACE, "2026-03-03", "20:59"),
                (PLACE, "2026-03-05", "18:00"),
                // After the change: 17:30 CEST is 15:30 UTC. Read as UTC+1 it
                // would be 16:30, before the session.
                (PLACE, "2026-03-31", "17:30"),
                (PLACE, "2026-03-29", "03:30"), // 03:30 CEST, an hour after 01:59 CET
                // Outside any session: no session is logged by them.
                (PLACE, "2026-03-10", "16:59"),
                (PLACE, "2026-03-10", "21:00"),
                (PLACE, "2026-03-11", "18:00"), // a Wednesday: closed that day
            ],
        );
        closing(&mut ds, PLACE, "2026-03-03", Some("21:05"));
        closing(&mut ds, PLACE, "2026-03-05", None);
        closing(&mut ds, PLACE, "2026-03-31", Some("21:00"));
        closing(&mut ds, PLACE, "2026-03-29", Some("04:00"));
        closing(&mut ds, PLACE, "2026-03-12", Some("16:30")); // ended before the 17:00 session
        let (from, to) = (day("2026-03-01"), day("2026-03-31"));
        let c = completeness(&ds, LAB, None, from, to, day("2026-04-01"));
        assert_eq!(c, Completeness { sessions: 14, logged: 4, closed: 4 });
        assert_eq!((c.unclosed(), c.unlogged()), (10, 10));
        // Up to the 26th only (today is the 27th): the 29th and 31st are not counted.
        let c = completeness(&ds, LAB, None, from, to, day("2026-03-27"));
        assert_eq!(c, Completeness { sessions: 12, logged: 2, closed: 2 });
        let list = sessions(&ds, LAB, Some(PLACE), from, to, day("2026-04-01"));
        assert_eq!(list.len(), 14);
        assert_eq!((list[0].date.as_str(), list[0].opens.as_str(), list[0].logged), ("2026-03-01", "01:00", false));
        let dst = list.iter().find(|s| s.date == "2026-03-29").unwrap();
        assert!(dst.logged && dst.closed, "{dst:?}");
        let last = list.last().unwrap();
        assert_eq!((last.date.as_str(), last.logged, last.closed), ("2026-03-31", true, true));
    }

    #[test]
    fn october_2026_back_to_winter_time() {
        // Summer time ends Sunday 25 October 2026 at 03:00 CEST. Thursdays 17–21:
        // 1, 8, 15, 22, 29 (5 sessions).
        let mut ds = Dataset { places: vec![place(PLACE, &[(4, "17:00", "21:00")])], ..Dataset::default() };
        visits(
            &mut ds,
            &[(PLACE, "2026-10-22", "20:30"), (PLACE, "2026-10-29", "17:00"), (PLACE, "2026-10-29", "16:59")],
        );
        let c = completeness(&ds, LAB, None, day("2026-10-01"), day("2026-10-31"), day("2026-11-01"));
        assert_eq!(c, Completeness { sessions: 5, logged: 2, closed: 0 });
    }

    #[test]
    fn two_sessions_a_day_two_places_and_months() {
        // Wednesdays 13:30–15:00 and 17:00–21:00 at one place; Fridays 09:00–12:00 at another.
        // February 2026: Wednesdays 4, 11, 18, 25; Fridays 6, 13, 20, 27. March to the 6th:
        // Wednesday 4, Friday 6.
        let mut ds = Dataset {
            places: vec![
                place(PLACE, &[(3, "13:30", "15:00"), (3, "17:00", "21:00")]),
                place(OTHER, &[(5, "09:00", "12:00")]),
            ],
            ..Dataset::default()
        };
        visits(
            &mut ds,
            &[
                (PLACE, "2026-02-04", "13:45"),
                (PLACE, "2026-02-04", "14:10"),
                (OTHER, "2026-02-27", "11:59"),
                (PLACE, "2026-03-04", "18:00"),
            ],
        );
        // A closing at 15:10 closes the afternoon only; the same day closed again at 21:02 closes both.
        closing(&mut ds, PLACE, "2026-02-11", Some("15:10"));
        closing(&mut ds, PLACE, "2026-02-18", Some("15:10"));
        closing(&mut ds, PLACE, "2026-02-18", Some("21:02"));
        let months = per_month(&ds, LAB, day("2026-02-01"), day("2026-03-06"), day("2026-03-07"));
        assert_eq!(months.len(), 2);
        assert_eq!(months[0].month, "2026-02");
        assert_eq!(months[0].completeness, Completeness { sessions: 12, logged: 2, closed: 3 });
        assert_eq!(months[1].completeness, Completeness { sessions: 3, logged: 1, closed: 0 });
        let one = completeness(&ds, LAB, Some(OTHER), day("2026-02-01"), day("2026-02-28"), day("2026-03-07"));
        assert_eq!(one, Completeness { sessions: 4, logged: 1, closed: 0 });
        // Another lab's places and a period in the future count nothing.
        assert_eq!(
            completeness(&ds, Uuid::from_u128(9), None, day("2026-02-01"), day("2026-02-28"), day("2026-03-07")),
            Completeness::default()
        );
        assert_eq!(
            completeness(&ds, LAB, None, day("2026-04-01"), day("2026-04-30"), day("2026-03-07")),
            Completeness::default()
        );
    }

    #[test]
    fn holidays_extra_evenings_and_a_retired_place() {
        use crate::model::{OpeningException, TimeSpan};
        // December 2026, Tuesdays and Thursdays 17–21: 1, 3, 8, 10, 15, 17, 22, 24, 29, 31
        // (10). Closed 22 December to 6 January ("Julledigt": the 22nd, 24th, 29th and 31st
        // go), open 18:00–20:00 on Saturday the 19th instead: 7 sessions.
        let mut p = place(PLACE, &[(2, "17:00", "21:00"), (4, "17:00", "21:00")]);
        p.data.exceptions = vec![
            OpeningException {
                from: "2026-12-22".into(),
                to: "2027-01-06".into(),
                spans: vec![],
                note: "Julledigt".into(),
            },
            OpeningException {
                from: "2026-12-19".into(),
                to: "2026-12-19".into(),
                spans: vec![TimeSpan { opens: "18:00".into(), closes: "20:00".into() }],
                note: "Luciadisco".into(),
            },
        ];
        // A retired place, open Mondays 17–21 (7, 14, 21, 28), last visited the 14th: 2 sessions.
        let mut old = place(OTHER, &[(1, "17:00", "21:00")]);
        old.data.retired = true;
        let mut ds = Dataset { places: vec![p, old], ..Dataset::default() };
        visits(
            &mut ds,
            &[(PLACE, "2026-12-19", "18:30"), (PLACE, "2026-12-22", "18:00"), (OTHER, "2026-12-14", "17:10")],
        );
        closing(&mut ds, PLACE, "2026-12-19", Some("20:00"));
        let (from, to, today) = (day("2026-12-01"), day("2026-12-31"), day("2027-01-10"));
        let list = sessions(&ds, LAB, Some(PLACE), from, to, today);
        let dates: Vec<&str> = list.iter().map(|s| s.date.as_str()).collect();
        assert_eq!(
            dates,
            ["2026-12-01", "2026-12-03", "2026-12-08", "2026-12-10", "2026-12-15", "2026-12-17", "2026-12-19"]
        );
        assert_eq!(
            (list[6].opens.as_str(), list[6].closes.as_str(), list[6].logged, list[6].closed),
            ("18:00", "20:00", true, true)
        );
        assert_eq!(
            completeness(&ds, LAB, Some(OTHER), from, to, today),
            Completeness { sessions: 2, logged: 1, closed: 0 }
        );
        assert_eq!(completeness(&ds, LAB, None, from, to, today), Completeness { sessions: 9, logged: 2, closed: 1 });
        // A retired place never visited in the period has no sessions.
        ds.visits.retain(|v| v.key.place_id != OTHER);
        assert_eq!(completeness(&ds, LAB, Some(OTHER), from, to, today), Completeness::default());
    }
}
