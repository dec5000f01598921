//! The year's report for a steering group: one lab's year, or a
//! coordinator's labs together, as tables in the order a steering group reads
//! them (key figures, visits and reach, opening hours and completeness,
//! activities by kind and focus area, partners, goals against baseline and
//! target, the lab's questions, lessons learned).
//!
//! The report is data, not layout: a list of [`Table`]s of typed [`Cell`]s.
//! The app draws them on screen and for A4 printing, and the server writes the
//! very same tables into an .xlsx workbook (`server/src/xlsx.rs`, one sheet
//! per table), so the screen, the print and the workbook cannot disagree.
//!
//! Figures beyond a lab follow the summaries' disclosure rule: one lab's
//! report is exact (its own people read it); the report of several labs
//! together is protected by the Cell Key Method ([`crate::disclosure`]),
//! every count a cell of its own, as the comparison is.

use crate::calendar;
use crate::disclosure::{CellKey, Measure, Protected};
use crate::model::{ActivityKind, FocusArea};
use crate::questions::{answer_misfit, answers_of, AnswerKind, QuestionTally};
use crate::summary::{Dataset, Disclosure, Period, VERDICT_RULE_SV};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};
use uuid::Uuid;

/// One cell of a table, typed so a spreadsheet gets numbers and dates.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "t", content = "v", rename_all = "snake_case")]
pub enum Cell {
    Text(String),
    /// A count.
    Int(i64),
    /// A decimal number, already rounded to [`DECIMALS`] places.
    Dec(f64),
    /// A per cent figure (0–100), rounded to [`DECIMALS`] places.
    Pct(f64),
    /// A date "YYYY-MM-DD".
    Date(String),
    /// A month "YYYY-MM" (a date on its first day in a spreadsheet).
    Month(String),
    Empty,
}

/// Decimals of every non-count figure, on screen and in the workbook.
pub const DECIMALS: i32 = 1;

fn round(x: f64) -> f64 {
    let f = 10f64.powi(DECIMALS);
    (x * f).round() / f
}

impl Cell {
    fn dec(x: Option<f64>) -> Cell {
        x.filter(|v| v.is_finite()).map_or(Cell::Empty, |v| Cell::Dec(round(v)))
    }

    fn pct(x: Option<f64>) -> Cell {
        x.filter(|v| v.is_finite()).map_or(Cell::Empty, |v| Cell::Pct(round(v)))
    }

    fn int(n: u64) -> Cell {
        Cell::Int(n as i64)
    }

    fn text(s: impl Into<String>) -> Cell {
        Cell::Text(s.into())
    }

    /// The number in the cell, if it holds one (what a test compares).
    pub fn number(&self) -> Option<f64> {
        match self {
            Cell::Int(n) => Some(*n as f64),
            Cell::Dec(x) | Cell::Pct(x) => Some(*x),
            _ => None,
        }
    }

    /// The cell as the screen and the print show it, in Swedish.
    pub fn display_sv(&self) -> String {
        match self {
            Cell::Text(s) | Cell::Date(s) | Cell::Month(s) => s.clone(),
            Cell::Int(n) => group_thousands(*n),
            Cell::Dec(x) => decimal_grouped(*x),
            Cell::Pct(x) => format!("{} %", decimal_grouped(*x)),
            Cell::Empty => "–".into(),
        }
    }
}

/// "2 517,8": a decimal with its thousands apart, as Swedish writes it.
fn decimal_grouped(x: f64) -> String {
    let s = crate::summary::decimal_sv(x, DECIMALS as usize);
    let (whole, rest) = s.split_once(',').map_or((s.as_str(), None), |(w, r)| (w, Some(r)));
    let grouped = whole.parse::<i64>().map_or_else(
        |_| whole.to_owned(),
        |n| {
            let g = group_thousands(n);
            // -0,4 keeps its sign, which the whole part alone has lost.
            if whole.starts_with('-') && n == 0 {
                format!("-{g}")
            } else {
                g
            }
        },
    );
    match rest {
        Some(r) => format!("{grouped},{r}"),
        None => grouped,
    }
}

/// "12 400": thousands apart with a no-break space, as Swedish writes them.
fn group_thousands(n: i64) -> String {
    let digits = n.unsigned_abs().to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push('\u{a0}');
        }
        out.push(c);
    }
    if n < 0 {
        format!("-{out}")
    } else {
        out
    }
}

/// A column: its Swedish heading and its width in a spreadsheet (characters).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Column {
    pub heading: String,
    pub width: f64,
}

/// One table of the report: a sheet of the workbook.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Table {
    /// The sheet's name (at most 31 characters, none of `[]:*?/\`).
    pub sheet: String,
    pub title: String,
    /// What the reader should know (how a figure is counted, protection).
    #[serde(default)]
    pub note: String,
    pub columns: Vec<Column>,
    pub rows: Vec<Vec<Cell>>,
}

impl Table {
    fn new(sheet: &str, title: &str, columns: &[(&str, f64)]) -> Table {
        Table {
            sheet: sheet.into(),
            title: title.into(),
            note: String::new(),
            columns: columns.iter().map(|&(h, w)| Column { heading: h.into(), width: w }).collect(),
            rows: Vec::new(),
        }
    }
}

/// The year's report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct YearReport {
    /// "Årsrapport 2026 – Lina Hage"
    pub title: String,
    /// The housing companies of the labs, as one line.
    pub organisation: String,
    pub labs: Vec<String>,
    pub year: i32,
    pub period: Period,
    /// The day the report was made, "YYYY-MM-DD".
    pub made_on: String,
    /// Counts protected by the Cell Key Method (several labs together).
    pub protected: bool,
    pub tables: Vec<Table>,
}

/// The note on every table of a protected report.
pub const PROTECTED_NOTE_SV: &str = "Rapporten gäller flera labb och lämnar därför labben: antalen är skyddade med \
     Cell Key Method (ett litet brus, 1 och 2 visas aldrig) och kan skilja sig något från labbens egna rapporter.";

/// Limits a report posted to the server for the workbook may not pass.
pub const MAX_TABLES: usize = 24;
pub const MAX_ROWS: usize = 50_000;
pub const MAX_COLUMNS: usize = 30;
pub const MAX_CELL_CHARS: usize = 4000;

impl YearReport {
    /// Is the report within the limits a workbook is made for? (The server
    /// makes workbooks of posted reports.) The reason in Swedish if not.
    pub fn check(&self) -> Result<(), String> {
        if self.tables.len() > MAX_TABLES {
            return Err(format!("rapporten har fler än {MAX_TABLES} tabeller"));
        }
        let long = |s: &str| s.chars().count() > MAX_CELL_CHARS;
        if long(&self.title) || long(&self.organisation) || self.labs.iter().any(|l| long(l)) {
            return Err("en rubrik är för lång".into());
        }
        let mut sheets = std::collections::HashSet::new();
        for t in &self.tables {
            let name_ok = !t.sheet.trim().is_empty()
                && t.sheet.chars().count() <= 31
                && !t.sheet.contains(['[', ']', ':', '*', '?', '/', '\\'])
                && !t.sheet.starts_with('\'')
                && !t.sheet.ends_with('\'');
            if !name_ok || !sheets.insert(t.sheet.to_lowercase()) {
                return Err(format!("bladnamnet ”{}” går inte att använda", t.sheet));
            }
            if t.columns.is_empty() || t.columns.len() > MAX_COLUMNS || t.rows.len() > MAX_ROWS {
                return Err(format!("tabellen ”{}” är för stor", t.sheet));
            }
            if long(&t.title)
                || long(&t.note)
                || t.columns.iter().any(|c| long(&c.heading) || !(1.0..=255.0).contains(&c.width))
            {
                return Err(format!("tabellen ”{}” har en för lång rubrik eller fel kolumnbredd", t.sheet));
            }
            for row in &t.rows {
                if row.len() > t.columns.len() {
                    return Err(format!("en rad i ”{}” har fler celler än kolumner", t.sheet));
                }
                for c in row {
                    let ok = match c {
                        Cell::Text(s) => !long(s),
                        Cell::Date(d) => calendar::day_of(d).is_some(),
                        Cell::Month(m) => calendar::day_of(&format!("{m}-01")).is_some(),
                        Cell::Int(_) | Cell::Empty => true,
                        Cell::Dec(x) | Cell::Pct(x) => x.is_finite(),
                    };
                    if !ok {
                        return Err(format!("en cell i ”{}” är inte giltig", t.sheet));
                    }
                }
            }
        }
        Ok(())
    }

    /// A file name for the workbook: "arsrapport-2026-lina-hage.xlsx".
    pub fn file_name(&self) -> String {
        let who = if self.labs.len() == 1 { self.labs[0].clone() } else { "alla-labb".into() };
        let slug: String = crate::search::fold(&who)
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() { c.to_ascii_lowercase() } else { '-' })
            .collect::<String>()
            .split('-')
            .filter(|s| !s.is_empty())
            .collect::<Vec<_>>()
            .join("-");
        format!("arsrapport-{}-{slug}.xlsx", self.year)
    }
}

/// A count as the report shows it: exact, or protected by the Cell Key Method.
#[derive(Clone, Copy)]
struct Show(Disclosure);

impl Show {
    fn n(self, p: Protected, m: Measure) -> u64 {
        self.0.count(p, m)
    }

    fn cell(self, p: Protected, m: Measure) -> Cell {
        Cell::int(self.n(p, m))
    }
}

/// The report of `labs` (one: exact; several: protected) for `year`, up to
/// `today` if the year is under way. Labs the dataset lacks are left out;
/// `None` if none is left.
pub fn year_report(ds: &Dataset, labs: &[Uuid], year: i32, today: &str) -> Option<YearReport> {
    let labs: Vec<&crate::summary::Rec<crate::model::Lab>> = ds.labs.iter().filter(|l| labs.contains(&l.id)).collect();
    if labs.is_empty() {
        return None;
    }
    let from = calendar::days_from_civil(year, 1, 1);
    let year_end = calendar::days_from_civil(year, 12, 31);
    let today_day = calendar::day_of(today)?;
    let to = year_end.min(today_day.max(from));
    let period = Period::new(calendar::format_date(from), calendar::format_date(year_end));
    let several = labs.len() > 1;
    let show = Show(if several { Disclosure::Protected } else { Disclosure::Exact });
    let lab_ids: Vec<Uuid> = labs.iter().map(|l| l.id).collect();
    let lab_name: HashMap<Uuid, &str> = labs.iter().map(|l| (l.id, l.data.name.as_str())).collect();
    let in_year = |d: i64| (from..=year_end).contains(&d);

    // Visits, per month and per lab, with their keys.
    let mut per_month = vec![(Protected::default(), Protected::default()); 12];
    let mut per_lab: BTreeMap<Uuid, (Protected, Protected)> = BTreeMap::new();
    let mut at_catchment: HashMap<Uuid, (u64, u64)> = HashMap::new();
    let mut last_visit: HashMap<Uuid, i64> = HashMap::new();
    for v in &ds.visits {
        let k = &v.key;
        if !lab_ids.contains(&k.lab_id) {
            continue;
        }
        let last = last_visit.entry(k.place_id).or_insert(k.day);
        *last = (*last).max(k.day);
        if !in_year(k.day) {
            continue;
        }
        let m = (calendar::month_index(k.day) - calendar::month_index(from)) as usize;
        per_month[m].0.add(v.n, v.keys);
        let l = per_lab.entry(k.lab_id).or_default();
        l.0.add(v.n, v.keys);
        if k.first {
            per_month[m].1.add(v.n, v.keys);
            l.1.add(v.n, v.keys);
        }
        let c = at_catchment.entry(k.place_id).or_default();
        c.0 += v.n;
        if k.first {
            c.1 += v.n;
        }
    }
    let total = per_month.iter().fold((Protected::default(), Protected::default()), |mut t, (a, b)| {
        t.0.add(a.n, a.key);
        t.1.add(b.n, b.key);
        t
    });
    let visits = show.n(total.0, Measure::Visits);
    let firsts = show.n(total.1, Measure::FirstVisits);

    // Places: opening hours and completeness (closings logged on open days).
    let places: Vec<&crate::summary::Rec<crate::model::MeetingPlace>> =
        ds.places.iter().filter(|p| lab_ids.contains(&p.lab_id)).collect();
    let mut closed_days: HashMap<(Uuid, String), ()> = HashMap::new();
    for a in ds.activities.iter().filter(|a| lab_ids.contains(&a.lab_id) && a.data.kind == ActivityKind::OpenEvening) {
        if let Some(p) = a.data.meeting_place_id {
            closed_days.insert((p, a.data.date.clone()), ());
        }
    }
    let mut hours_table = Table::new(
        "Öppettider",
        "Öppettider och fullständighet",
        &[
            ("Labb", 24.0),
            ("Mötesplats", 30.0),
            ("Öppetdagar", 12.0),
            ("Öppettimmar", 13.0),
            ("Stängda kvällar", 16.0),
            ("Fullständighet (%)", 19.0),
        ],
    );
    hours_table.note = "Öppetdagar och öppettimmar till och med rapportens dag enligt mötesplatsens öppettider och avvikande dagar; \
        en stängd kväll är en dag med kvällens stängning (en öppen kväll) loggad. Fullständighet = stängda kvällar / öppetdagar."
        .into();
    let (mut open_days_all, mut open_minutes_all, mut closed_all) = (0u64, 0u64, 0u64);
    let (mut catchment_all, mut catchment_visits, mut catchment_firsts) = (0u64, 0u64, 0u64);
    for p in &places {
        let end = if p.data.retired { last_visit.get(&p.id).copied().unwrap_or(from - 1).min(to) } else { to };
        let (mut days, mut minutes, mut closed) = (0u64, 0u64, 0u64);
        for d in from..=end {
            let date = calendar::format_date(d);
            let spans = p.data.spans_on(&date);
            if spans.is_empty() {
                continue;
            }
            days += 1;
            minutes += spans.iter().map(|&(o, c)| u64::from(c - o)).sum::<u64>();
            if closed_days.contains_key(&(p.id, date)) {
                closed += 1;
            }
        }
        open_days_all += days;
        open_minutes_all += minutes;
        closed_all += closed;
        if let Some(c) = p.data.catchment_population.filter(|&c| c > 0) {
            catchment_all += u64::from(c);
            let (v, f) = at_catchment.get(&p.id).copied().unwrap_or_default();
            catchment_visits += v;
            catchment_firsts += f;
        }
        if days == 0 && p.data.retired {
            continue;
        }
        hours_table.rows.push(vec![
            Cell::text(lab_name.get(&p.lab_id).copied().unwrap_or_default()),
            Cell::text(&p.data.name),
            Cell::int(days),
            Cell::dec(Some(minutes as f64 / 60.0)),
            Cell::int(closed),
            Cell::pct((days > 0).then(|| closed as f64 * 100.0 / days as f64)),
        ]);
    }

    // Activities.
    let lab_goals: HashMap<Uuid, FocusArea> =
        ds.goals.iter().filter(|g| lab_ids.contains(&g.lab_id)).map(|g| (g.id, g.data.focus_area)).collect();
    let mut by_kind: BTreeMap<usize, (Protected, Protected)> = BTreeMap::new();
    let mut by_focus: BTreeMap<usize, Protected> = BTreeMap::new();
    let mut acts_lab: BTreeMap<Uuid, (Protected, Protected)> = BTreeMap::new();
    let mut joint: HashMap<Uuid, Protected> = HashMap::new();
    let (mut acts_all, mut people_all) = (Protected::default(), Protected::default());
    let mut lessons: Vec<(String, Uuid, &str, &str, Uuid)> = Vec::new();
    for a in ds.activities.iter().filter(|a| lab_ids.contains(&a.lab_id)) {
        if !calendar::day_of(&a.data.date).is_some_and(in_year) {
            continue;
        }
        let people = a.data.total_participants();
        let k = by_kind.entry(a.data.kind as usize).or_default();
        k.0.add_record(a.id, 1);
        acts_all.add_record(a.id, 1);
        let l = acts_lab.entry(a.lab_id).or_default();
        l.0.add_record(a.id, 1);
        if people > 0 {
            k.1.add_record(a.id, people);
            people_all.add_record(a.id, people);
            l.1.add_record(a.id, people);
        }
        let mut areas: Vec<FocusArea> = a.data.goal_ids.iter().filter_map(|g| lab_goals.get(g).copied()).collect();
        if areas.is_empty() {
            areas.extend(ds.lab(a.lab_id).and_then(|l| l.data.focus_areas.first().copied()));
        }
        areas.sort_by_key(|f| *f as usize);
        areas.dedup();
        for f in areas {
            by_focus.entry(f as usize).or_default().add_record(a.id, 1);
        }
        let mut partners: Vec<Uuid> = a.data.partner_ids.iter().map(|p| partner_alias(ds, *p)).collect();
        partners.sort_unstable();
        partners.dedup();
        for p in partners {
            joint.entry(p).or_default().add_record(a.id, 1);
        }
        if !a.data.lessons_learned.trim().is_empty() {
            lessons.push((a.data.date.clone(), a.lab_id, &a.data.title, &a.data.lessons_learned, a.id));
        }
    }

    // Goals.
    // A past year's goals as they stood when it ended; this year's as today.
    let goals_day = if today_day <= year_end { today.to_owned() } else { calendar::format_date(year_end + 1) };
    let goals = crate::summary::goals(ds, &lab_ids, &goals_day);
    let on_track = goals.iter().filter(|g| !g.retired && g.on_track == Some(true)).count();

    // Key figures.
    let mut key = Table::new("Sammanfattning", "Året i siffror", &[("Nyckeltal", 44.0), ("Värde", 14.0)]);
    let reach = (catchment_all > 0).then(|| catchment_visits as f64 * 1000.0 / catchment_all as f64);
    let first_reach = (catchment_all > 0).then(|| catchment_firsts as f64 * 1000.0 / catchment_all as f64);
    let per_hour = (open_minutes_all > 0).then(|| visits as f64 / (open_minutes_all as f64 / 60.0));
    let partners_used = joint.len() as u64;
    let rows: Vec<(&str, Cell)> = vec![
        ("Besök", Cell::int(visits)),
        ("Förstagångsbesök (nya besökare)", Cell::int(firsts)),
        ("Återkommande besök", Cell::int(visits.saturating_sub(firsts))),
        ("Besök per 1 000 invånare i målgruppen", Cell::dec(reach)),
        ("Nya besökare per 1 000 invånare i målgruppen", Cell::dec(first_reach)),
        ("Öppetdagar", Cell::int(open_days_all)),
        ("Öppettimmar", Cell::dec(Some(open_minutes_all as f64 / 60.0))),
        ("Besök per öppettimme", Cell::dec(per_hour)),
        (
            "Stängda kvällar (fullständighet, %)",
            Cell::pct((open_days_all > 0).then(|| closed_all as f64 * 100.0 / open_days_all as f64)),
        ),
        ("Aktiviteter", show.cell(acts_all, Measure::Activities)),
        ("Deltagare i aktiviteter", show.cell(people_all, Measure::Participants)),
        ("Samverkanspartner med gemensamma aktiviteter", Cell::int(partners_used)),
        ("Mål som styrs efter", Cell::int(goals.iter().filter(|g| !g.retired).count() as u64)),
        ("Mål i fas", Cell::int(on_track as u64)),
    ];
    key.rows = rows.into_iter().map(|(k, v)| vec![Cell::text(k), v]).collect();
    key.note = "Besök per 1 000 invånare räknar besök, inte personer: den som kommer varje vecka räknas varje gång. \
        Nya besökare per 1 000 invånare är räckvidden."
        .into();

    // Visits per month.
    let mut month_table = Table::new(
        "Besök per månad",
        "Besök och räckvidd per månad",
        &[("Månad", 11.0), ("Besök", 10.0), ("Förstagångsbesök", 18.0), ("Återkommande besök", 20.0)],
    );
    for (i, (v, f)) in per_month.iter().enumerate() {
        let (v, f) = (show.n(*v, Measure::Visits), show.n(*f, Measure::FirstVisits));
        month_table.rows.push(vec![
            Cell::Month(calendar::month_label_of_index(calendar::month_index(from) + i as i64)),
            Cell::int(v),
            Cell::int(f),
            Cell::int(v.saturating_sub(f)),
        ]);
    }

    let mut tables = vec![key];
    if several {
        let mut per_lab_table = Table::new(
            "Labben",
            "Labben var för sig",
            &[("Labb", 28.0), ("Besök", 10.0), ("Förstagångsbesök", 18.0), ("Aktiviteter", 12.0), ("Deltagare", 12.0)],
        );
        for l in &labs {
            let (v, f) = per_lab.get(&l.id).copied().unwrap_or_default();
            let (a, p) = acts_lab.get(&l.id).copied().unwrap_or_default();
            per_lab_table.rows.push(vec![
                Cell::text(&l.data.name),
                show.cell(v, Measure::Visits),
                show.cell(f, Measure::FirstVisits),
                show.cell(a, Measure::Activities),
                show.cell(p, Measure::Participants),
            ]);
        }
        tables.push(per_lab_table);
    }
    tables.push(month_table);
    tables.push(hours_table);

    let mut kinds = Table::new(
        "Aktiviteter",
        "Aktiviteter per slag",
        &[("Slag", 20.0), ("Aktiviteter", 12.0), ("Deltagare", 12.0)],
    );
    let mut kind_rows: Vec<(u64, usize, u64)> = by_kind
        .iter()
        .map(|(&k, &(a, p))| (show.n(a, Measure::Activities), k, show.n(p, Measure::Participants)))
        .collect();
    kind_rows.sort_by_key(|&(n, k, _)| (std::cmp::Reverse(n), k));
    kinds.rows = kind_rows
        .into_iter()
        .filter(|&(n, _, _)| n > 0)
        .map(|(n, k, p)| vec![Cell::text(ActivityKind::ALL[k].label_sv()), Cell::int(n), Cell::int(p)])
        .collect();
    tables.push(kinds);

    let mut focus =
        Table::new("Fokusområden", "Aktiviteter per fokusområde", &[("Fokusområde", 40.0), ("Aktiviteter", 12.0)]);
    focus.note =
        "En aktivitet räknas under fokusområdet för de mål den arbetar mot (utan mål: labbets första fokusområde)."
            .into();
    focus.rows = by_focus
        .iter()
        .map(|(&f, &p)| (f, show.n(p, Measure::Activities)))
        .filter(|&(_, n)| n > 0)
        .map(|(f, n)| vec![Cell::text(FocusArea::ALL[f].label_sv()), Cell::int(n)])
        .collect();
    tables.push(focus);

    let mut partners = Table::new(
        "Samverkanspartner",
        "Samverkanspartner",
        &[("Labb", 24.0), ("Samverkanspartner", 32.0), ("Slag", 20.0), ("Gemensamma aktiviteter", 22.0)],
    );
    let mut partner_rows: Vec<(u64, String, Vec<Cell>)> = ds
        .partners
        .iter()
        .filter(|p| lab_ids.contains(&p.lab_id))
        .filter_map(|p| {
            let n = show.n(*joint.get(&p.id)?, Measure::Activities);
            Some((
                n,
                p.data.name.clone(),
                vec![
                    Cell::text(lab_name.get(&p.lab_id).copied().unwrap_or_default()),
                    Cell::text(&p.data.name),
                    Cell::text(p.data.kind.label_sv()),
                    Cell::int(n),
                ],
            ))
        })
        .filter(|(n, _, _)| *n > 0)
        .collect();
    partner_rows.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| a.1.cmp(&b.1)));
    partners.rows = partner_rows.into_iter().map(|(_, _, r)| r).collect();
    tables.push(partners);

    let mut goal_table = Table::new(
        "Mål",
        "Mål: utgångsvärde, senaste värde och målvärde",
        &[
            ("Labb", 20.0),
            ("Fokusområde", 24.0),
            ("Mål", 36.0),
            ("Indikator", 36.0),
            ("Enhet", 16.0),
            ("Utgångsvärde", 13.0),
            ("Utgångsdatum", 13.0),
            ("Senaste värde", 14.0),
            ("Senaste datum", 13.0),
            ("Målvärde", 11.0),
            ("Måldatum", 12.0),
            ("Bedömning", 14.0),
        ],
    );
    goal_table.note = VERDICT_RULE_SV.into();
    for g in &goals {
        goal_table.rows.push(vec![
            Cell::text(lab_name.get(&g.lab_id).copied().unwrap_or_default()),
            Cell::text(g.focus_area.label_sv()),
            Cell::text(if g.retired { format!("{} (avslutat)", g.title) } else { g.title.clone() }),
            Cell::text(&g.indicator),
            Cell::text(&g.unit),
            Cell::dec(Some(g.baseline)),
            g.baseline_date.clone().map_or(Cell::Empty, Cell::Date),
            Cell::dec(g.latest),
            g.latest_date.clone().map_or(Cell::Empty, Cell::Date),
            Cell::dec(Some(g.target)),
            Cell::Date(g.target_date.clone()),
            Cell::text(match g.on_track {
                Some(true) => "I fas",
                Some(false) => "Efter plan",
                None => "Ingen bedömning",
            }),
        ]);
    }
    tables.push(goal_table);

    let (questions, spread) = question_tables(ds, &labs, &lab_name, from, year_end, show);
    tables.push(questions);
    tables.push(spread);

    let mut lesson_table =
        Table::new("Lärdomar", "Lärdomar", &[("Datum", 12.0), ("Labb", 20.0), ("Aktivitet", 30.0), ("Lärdom", 80.0)]);
    lessons.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| b.4.cmp(&a.4)));
    lesson_table.rows = lessons
        .into_iter()
        .map(|(date, lab, title, text, _)| {
            vec![
                Cell::Date(date),
                Cell::text(lab_name.get(&lab).copied().unwrap_or_default()),
                Cell::text(title),
                Cell::text(text),
            ]
        })
        .collect();
    tables.push(lesson_table);

    if several {
        for t in &mut tables {
            t.note =
                if t.note.is_empty() { PROTECTED_NOTE_SV.into() } else { format!("{} {PROTECTED_NOTE_SV}", t.note) };
        }
    }
    let mut organisations: Vec<&str> = labs.iter().map(|l| l.data.organisation.as_str()).collect();
    organisations.dedup();
    Some(YearReport {
        title: if several {
            format!("Årsrapport {year} – {} labb", labs.len())
        } else {
            format!("Årsrapport {year} – {}", labs[0].data.name)
        },
        organisation: organisations.join(", "),
        labs: labs.iter().map(|l| l.data.name.clone()).collect(),
        year,
        period,
        made_on: today.to_owned(),
        protected: several,
        tables,
    })
}

fn partner_alias(ds: &Dataset, id: Uuid) -> Uuid {
    let mut at = id;
    for _ in 0..8 {
        match ds.partners.iter().find(|p| p.id == at).and_then(|p| p.data.merged_into) {
            Some(next) if next != at => at = next,
            _ => break,
        }
    }
    at
}

/// The questions' tables: answers per month (counts, share, sum, mean) and
/// the spread of scale and choice answers.
fn question_tables(
    ds: &Dataset,
    labs: &[&crate::summary::Rec<crate::model::Lab>],
    lab_name: &HashMap<Uuid, &str>,
    from: i64,
    to: i64,
    show: Show,
) -> (Table, Table) {
    let mut table = Table::new(
        "Frågor",
        "Labbets frågor per månad",
        &[
            ("Labb", 20.0),
            ("Fråga", 40.0),
            ("Version", 9.0),
            ("Svarstyp", 16.0),
            ("Månad", 10.0),
            ("Antal svar", 11.0),
            ("Ja", 8.0),
            ("Kanske", 9.0),
            ("Nej", 8.0),
            ("Andel ja (%)", 13.0),
            ("Summa", 10.0),
            ("Medelvärde", 12.0),
        ],
    );
    table.note = "Antal svar är kvällar eller aktiviteter som besvarade frågan; ja, kanske och nej är besökarnas svar med ansikten.".into();
    let mut spread = Table::new(
        "Frågor – fördelning",
        "Svar på skal- och valfrågor",
        &[("Labb", 20.0), ("Fråga", 40.0), ("Månad", 10.0), ("Alternativ", 24.0), ("Antal", 9.0)],
    );
    for lab in labs {
        for q in crate::summary::question_reports(ds, lab.id, from, to) {
            let Some(rec) = ds.questions.iter().find(|r| r.id == q.question_id) else { continue };
            // Protected counts need each answer's record key: count again by activity.
            let mut months: BTreeMap<String, Cells> = BTreeMap::new();
            for a in ds.activities.iter().filter(|a| a.lab_id == lab.id) {
                let Some(d) = calendar::day_of(&a.data.date).filter(|d| (from..=to).contains(d)) else { continue };
                for ans in answers_of(lab.id, &a.data)
                    .filter(|x| x.question_id == q.question_id && answer_misfit(&rec.data, x).is_none())
                {
                    let mut one = QuestionTally::for_question(&rec.data);
                    one.add(&rec.data, &ans);
                    if one.answered == 0 {
                        continue;
                    }
                    let c = months.entry(calendar::month_label(d)).or_insert_with(|| Cells::new(one.counts.len()));
                    c.add(a.id, &one);
                }
            }
            for (month, c) in &months {
                let answered = show.n(c.answered, Measure::PollAnswers);
                let (yes, maybe, no) = (
                    show.n(c.yes, Measure::PollAnswers),
                    show.n(c.maybe, Measure::PollAnswers),
                    show.n(c.no, Measure::PollAnswers),
                );
                let faces = q.answer == AnswerKind::Faces;
                let numbers = matches!(q.answer, AnswerKind::Number | AnswerKind::Scale);
                let sum = match show.0 {
                    Disclosure::Exact => c.sum,
                    // A protected sum: the numbers are counts of people (or steps of a scale).
                    Disclosure::Protected => {
                        crate::disclosure::perturb(c.sum.round().max(0.0) as u64, c.answered.key, Measure::Participants)
                            as f64
                    }
                };
                table.rows.push(vec![
                    Cell::text(lab_name.get(&lab.id).copied().unwrap_or_default()),
                    Cell::text(if q.retired { format!("{} (avslutad)", q.text) } else { q.text.clone() }),
                    Cell::int(u64::from(q.version)),
                    Cell::text(kind_label(q.answer)),
                    Cell::Month(month.clone()),
                    Cell::int(answered),
                    if faces { Cell::int(yes) } else { Cell::Empty },
                    if faces { Cell::int(maybe) } else { Cell::Empty },
                    if faces { Cell::int(no) } else { Cell::Empty },
                    if faces {
                        Cell::pct((yes + maybe + no > 0).then(|| yes as f64 * 100.0 / (yes + maybe + no) as f64))
                    } else {
                        Cell::Empty
                    },
                    if q.answer == AnswerKind::Number { Cell::dec(Some(sum)) } else { Cell::Empty },
                    if numbers { Cell::dec((answered > 0).then(|| sum / answered as f64)) } else { Cell::Empty },
                ]);
                let labels: Vec<String> = match q.answer {
                    AnswerKind::Scale => (1..=5).map(|s| s.to_string()).collect(),
                    AnswerKind::Choice => q.options.clone(),
                    _ => Vec::new(),
                };
                for (label, p) in labels.iter().zip(&c.counts) {
                    spread.rows.push(vec![
                        Cell::text(lab_name.get(&lab.id).copied().unwrap_or_default()),
                        Cell::text(&q.text),
                        Cell::Month(month.clone()),
                        Cell::text(label),
                        Cell::int(show.n(*p, Measure::PollAnswers)),
                    ]);
                }
            }
        }
    }
    (table, spread)
}

fn kind_label(k: AnswerKind) -> &'static str {
    match k {
        AnswerKind::Faces => "Ansikten",
        AnswerKind::Number => "Tal",
        AnswerKind::Scale => "Skala 1–5",
        AnswerKind::Choice => "Val",
    }
}

/// A month's answers to one question as protected cells.
struct Cells {
    answered: Protected,
    yes: Protected,
    maybe: Protected,
    no: Protected,
    sum: f64,
    counts: Vec<Protected>,
}

impl Cells {
    fn new(steps: usize) -> Self {
        Cells {
            answered: Protected::default(),
            yes: Protected::default(),
            maybe: Protected::default(),
            no: Protected::default(),
            sum: 0.0,
            counts: vec![Protected::default(); steps],
        }
    }

    fn add(&mut self, activity: Uuid, one: &QuestionTally) {
        let key = CellKey::of_record(activity);
        self.answered.add(1, key);
        for (cell, n) in [(&mut self.yes, one.yes), (&mut self.maybe, one.maybe), (&mut self.no, one.no)] {
            if n > 0 {
                cell.add(n, key);
            }
        }
        self.sum += one.sum;
        for (cell, &n) in self.counts.iter_mut().zip(&one.counts) {
            if n > 0 {
                cell.add(n, key);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calendar::StockholmClock;
    use crate::model::{Activity, Goal, GoalDirection, GoalSource, Lab, MeetingPlace, OpeningHours, Visit};
    use crate::questions::{Answer, Question, QuestionStat};
    use crate::summary::{Rec, VisitKey, VisitTally};
    use crate::AgeBand;

    const LAB_A: Uuid = Uuid::from_u128(0xA);
    const LAB_B: Uuid = Uuid::from_u128(0xB);
    const PLACE: Uuid = Uuid::from_u128(0xA1);
    const PLACE_B: Uuid = Uuid::from_u128(0xB1);
    const Q: Uuid = Uuid::from_u128(0xA9);
    const GOAL: Uuid = Uuid::from_u128(0xA7);

    fn lab(id: Uuid, name: &str) -> Rec<Lab> {
        let data = Lab {
            name: name.into(),
            city: "Södertälje".into(),
            organisation: "Telge Bostäder".into(),
            focus_areas: vec![FocusArea::SchoolResults],
            question: String::new(),
            description: String::new(),
        };
        Rec { id, lab_id: id, data }
    }

    fn place(id: Uuid, lab: Uuid) -> Rec<MeetingPlace> {
        let data: MeetingPlace =
            serde_json::from_value(serde_json::json!({"name": "Gården", "age_bands": ["13-15"]})).unwrap();
        let data = MeetingPlace {
            opening_hours: vec![OpeningHours { weekday: 2, opens: "17:00".into(), closes: "21:00".into() }],
            catchment_population: Some(500),
            ..data
        };
        Rec { id, lab_id: lab, data }
    }

    fn visits(n: u128, lab: Uuid, place: Uuid, date: &str, first: bool) -> VisitTally {
        let day = calendar::day_of(date).unwrap();
        let v = Visit {
            meeting_place_id: place,
            at_ms: calendar::utc_ms_of_local(day, 18 * 60),
            date: date.into(),
            age_band: AgeBand::Age13To15,
            gender: None,
            first_visit: first,
        };
        let key = VisitKey::of_visit(lab, &v, &mut StockholmClock::default()).unwrap();
        VisitTally { key, n: 1, keys: CellKey::of_record(Uuid::from_u128(0x1000 + n)) }
    }

    fn evening(n: u128, lab: Uuid, place: Uuid, date: &str, answer: f64) -> Rec<Activity> {
        let mut a: Activity =
            serde_json::from_value(serde_json::json!({"kind": "open_evening", "title": "Öppen kväll", "date": date}))
                .unwrap();
        a.meeting_place_id = Some(place);
        a.participants = vec![crate::model::ParticipantCount { age_band: AgeBand::Age13To15, gender: None, count: 6 }];
        a.answers = vec![Answer::number(Q, answer)];
        a.lessons_learned = if n == 1 { "Läxhjälpen först fungerar inte.".into() } else { String::new() };
        Rec { id: Uuid::from_u128(0x2000 + n), lab_id: lab, data: a }
    }

    fn dataset() -> Dataset {
        let mut ds = Dataset {
            labs: vec![lab(LAB_A, "Lab A"), lab(LAB_B, "Lab B")],
            places: vec![place(PLACE, LAB_A), place(PLACE_B, LAB_B)],
            visits: vec![
                visits(1, LAB_A, PLACE, "2026-01-13", true),
                visits(2, LAB_A, PLACE, "2026-01-13", false),
                visits(3, LAB_A, PLACE, "2026-01-13", false),
                visits(4, LAB_A, PLACE, "2026-02-10", false),
                visits(5, LAB_A, PLACE, "2026-02-10", false),
                visits(6, LAB_A, PLACE, "2025-12-30", false), // last year
                visits(7, LAB_B, PLACE_B, "2026-01-13", false),
            ],
            activities: vec![evening(1, LAB_A, PLACE, "2026-01-13", 4.0), evening(2, LAB_A, PLACE, "2026-02-10", 6.0)],
            questions: vec![Rec {
                id: Q,
                lab_id: LAB_A,
                data: Question {
                    meeting_place_id: Some(PLACE),
                    ..Question::new("Hur många gjorde läxorna klart?", AnswerKind::Number)
                },
            }],
            goals: vec![Rec {
                id: GOAL,
                lab_id: LAB_A,
                data: Goal {
                    focus_area: FocusArea::SchoolResults,
                    title: "Fler gör läxorna klart".into(),
                    indicator: "Summan per månad".into(),
                    unit: "ungdomar per månad".into(),
                    baseline: 2.0,
                    target: 20.0,
                    target_date: "2026-12-31".into(),
                    direction: GoalDirection::Up,
                    source: Some(GoalSource::Question {
                        question_id: Q,
                        stat: QuestionStat::Sum,
                        include_maybe: false,
                        option: None,
                    }),
                    baseline_date: Some("2026-01-01".into()),
                    schedule: None,
                    retired: false,
                },
            }],
            ..Dataset::default()
        };
        ds.sort();
        ds
    }

    fn table<'a>(r: &'a YearReport, sheet: &str) -> &'a Table {
        r.tables.iter().find(|t| t.sheet == sheet).unwrap_or_else(|| panic!("no sheet {sheet}"))
    }

    fn figure(r: &YearReport, name: &str) -> Cell {
        table(r, "Sammanfattning")
            .rows
            .iter()
            .find(|row| row[0] == Cell::Text(name.into()))
            .map(|row| row[1].clone())
            .unwrap()
    }

    #[test]
    fn one_labs_year_counted_by_hand() {
        // 2026 up to 31 March: 13 Tuesdays of four hours; two evenings closed.
        let r = year_report(&dataset(), &[LAB_A], 2026, "2026-03-31").unwrap();
        assert_eq!(r.title, "Årsrapport 2026 – Lab A");
        assert!(!r.protected);
        assert_eq!(r.check(), Ok(()));
        assert_eq!(r.file_name(), "arsrapport-2026-lab-a.xlsx");
        assert_eq!(figure(&r, "Besök"), Cell::Int(5));
        assert_eq!(figure(&r, "Förstagångsbesök (nya besökare)"), Cell::Int(1));
        assert_eq!(figure(&r, "Öppetdagar"), Cell::Int(13));
        assert_eq!(figure(&r, "Öppettimmar"), Cell::Dec(52.0));
        assert_eq!(figure(&r, "Besök per öppettimme"), Cell::Dec(0.1)); // 5 / 52
        assert_eq!(figure(&r, "Besök per 1 000 invånare i målgruppen"), Cell::Dec(10.0)); // 5 × 1000 / 500
        assert_eq!(figure(&r, "Stängda kvällar (fullständighet, %)"), Cell::Pct(15.4)); // 2 / 13
        assert_eq!(figure(&r, "Aktiviteter"), Cell::Int(2));
        assert_eq!(figure(&r, "Deltagare i aktiviteter"), Cell::Int(12));
        let months = &table(&r, "Besök per månad").rows;
        assert_eq!(months.len(), 12, "every month of the year");
        assert_eq!(months[0], [Cell::Month("2026-01".into()), Cell::Int(3), Cell::Int(1), Cell::Int(2)]);
        assert_eq!(months[1], [Cell::Month("2026-02".into()), Cell::Int(2), Cell::Int(0), Cell::Int(2)]);
        assert_eq!(
            table(&r, "Öppettider").rows[0][2..],
            [Cell::Int(13), Cell::Dec(52.0), Cell::Int(2), Cell::Pct(15.4)]
        );
        // The question's answers per month: counted, summed, averaged.
        let q = &table(&r, "Frågor").rows;
        assert_eq!(q.len(), 2);
        assert_eq!(
            q[0][4..],
            [
                Cell::Month("2026-01".into()),
                Cell::Int(1),
                Cell::Empty,
                Cell::Empty,
                Cell::Empty,
                Cell::Empty,
                Cell::Dec(4.0),
                Cell::Dec(4.0)
            ]
        );
        assert_eq!(q[1][10], Cell::Dec(6.0));
        // The goal measured from it: January 4, February 6 (March is under way).
        let g = &table(&r, "Mål").rows[0];
        assert_eq!(
            (g[5].clone(), g[7].clone(), g[8].clone(), g[9].clone()),
            (Cell::Dec(2.0), Cell::Dec(6.0), Cell::Date("2026-02-01".into()), Cell::Dec(20.0))
        );
        assert_eq!(table(&r, "Lärdomar").rows[0][0], Cell::Date("2026-01-13".into()));
        // The same figures whatever the display: a Swedish screen and the numbers underneath.
        assert_eq!(Cell::Int(12400).display_sv(), "12\u{a0}400");
        assert_eq!(Cell::Pct(15.4).display_sv(), "15,4 %");
        assert_eq!(Cell::Dec(2517.8).display_sv(), "2\u{a0}517,8");
        assert_eq!(Cell::Dec(-0.4).display_sv(), "-0,4");
        assert_eq!(Cell::Dec(-1234.5).display_sv(), "-1\u{a0}234,5");
    }

    #[test]
    fn labs_together_are_protected() {
        let r = year_report(&dataset(), &[LAB_A, LAB_B], 2026, "2026-03-31").unwrap();
        assert!(r.protected && r.title == "Årsrapport 2026 – 2 labb");
        assert!(r.tables.iter().all(|t| t.note.contains("Cell Key Method")));
        let per_lab = &table(&r, "Labben").rows;
        assert_eq!(per_lab.len(), 2);
        // Lab B's single visit is never published as 1 (nor as 2).
        assert!(!matches!(per_lab[1][1], Cell::Int(1) | Cell::Int(2)), "{:?}", per_lab[1]);
        // Nor is any other count of people or activities that small.
        for sheet in ["Besök per månad", "Labben", "Aktiviteter", "Fokusområden", "Frågor"] {
            for row in &table(&r, sheet).rows {
                let counts = if sheet == "Frågor" { &row[5..9] } else { &row[1..] };
                assert!(counts.iter().all(|c| !matches!(c, Cell::Int(1) | Cell::Int(2))), "{sheet}: {row:?}");
            }
        }
        assert_eq!(r.check(), Ok(()));
    }

    #[test]
    fn posted_reports_are_bounded() {
        let mut r = year_report(&dataset(), &[LAB_A], 2026, "2026-03-31").unwrap();
        r.tables[0].sheet = "Besök/månad".into();
        assert!(r.check().is_err());
        let mut r = year_report(&dataset(), &[LAB_A], 2026, "2026-03-31").unwrap();
        r.tables[1].sheet = r.tables[0].sheet.to_uppercase();
        assert!(r.check().is_err(), "sheet names are unique whatever the case");
        let mut r = year_report(&dataset(), &[LAB_A], 2026, "2026-03-31").unwrap();
        r.tables[0].rows.push(vec![Cell::Date("2026-02-30".into())]);
        assert!(r.check().is_err());
        assert!(year_report(&dataset(), &[Uuid::from_u128(0xC)], 2026, "2026-03-31").is_none());
    }
}
