//! The differencing attack on a year of demo data, played as a researcher
//! would with only what the API publishes (the comparison and the research
//! export, computed by the same `shared::summary` functions the server
//! answers with; `summary.rs` proves server = app).
//!
//! The attacker knows the perturbation table (it is public, docs/PRIVACY.md)
//! and that a longer period holds every record of a shorter one. From two or
//! more published figures they narrow the true count down to the values every
//! figure allows ([`possible_true_counts`]); a cell is *recovered* when exactly
//! one value is left and it is below 5.

use labblogg_server::db;
use labblogg_server::demo;
use labblogg_server::demo_year;
use labblogg_shared::calendar;
use labblogg_shared::disclosure::possible_true_counts;
use labblogg_shared::model::{ActivityKind, AgeBand, FocusArea};
use labblogg_shared::summary::{self, Dataset, Disclosure, Period};
use std::collections::{BTreeSet, HashMap};
use std::ops::RangeInclusive;
use uuid::Uuid;

const TODAY: &str = "2026-11-20";

async fn demo_year_dataset() -> Dataset {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = db::open(&format!("sqlite://{}", dir.path().join("labblogg.db").display())).await.expect("open");
    demo::seed(store.as_ref()).await.expect("demo");
    demo_year::seed_year(store.as_ref(), TODAY).await.expect("demo year");
    let input = store.summary_input(demo::ALL_LABS.to_vec()).await.expect("summary input");
    Dataset::from_states_and_tallies(&input.records, input.visits)
}

/// A published table: cell → (true count, published count). A cell missing
/// from a release is published as 0.
type Release = HashMap<String, (u64, u64)>;

/// The research export over `period`, with the true counts beside it.
fn research(ds: &Dataset, labs: &[Uuid], period: &Period) -> Release {
    let (from, to) = period.days().expect("a period");
    let mut release = Release::new();
    let name = |lab: Uuid| ds.lab(lab).expect("a lab").data.name.clone();
    for v in &ds.visits {
        if labs.contains(&v.key.lab_id) && (from..=to).contains(&v.key.day) {
            let week = calendar::week_label(calendar::monday_of(v.key.day));
            let band = v.key.band.label_sv();
            release.entry(format!("{}|{week}|{band}|besök", name(v.key.lab_id))).or_default().0 += v.n;
            if v.key.first {
                release.entry(format!("{}|{week}|{band}|första", name(v.key.lab_id))).or_default().0 += v.n;
            }
        }
    }
    for a in &ds.activities {
        let Some(d) = calendar::day_of(&a.data.date) else { continue };
        if labs.contains(&a.lab_id) && (from..=to).contains(&d) {
            let week = calendar::week_label(calendar::monday_of(d));
            let kind = a.data.kind.label_sv();
            release.entry(format!("{}|{week}|{kind}|aktiviteter", name(a.lab_id))).or_default().0 += 1;
            let people = a.data.total_participants();
            if people > 0 {
                release.entry(format!("{}|{week}|{kind}|deltagare", name(a.lab_id))).or_default().0 += people;
            }
        }
    }
    for r in summary::research_export(ds, labs, period) {
        let dim = match (r.age_band, r.activity_kind) {
            (Some(b), _) => b.label_sv().to_owned(),
            (_, Some(k)) => k.label_sv().to_owned(),
            _ => unreachable!("a row is about a band or a kind"),
        };
        let cells: [(&str, u64); 4] = if r.age_band.is_some() {
            [("besök", r.visits), ("första", r.first_visits), ("", 0), ("", 0)]
        } else {
            [("aktiviteter", r.activities), ("deltagare", r.participants), ("", 0), ("", 0)]
        };
        for (measure, published) in cells.into_iter().filter(|(m, _)| !m.is_empty()) {
            release.entry(format!("{}|{}|{dim}|{measure}", r.lab, r.week)).or_default().1 = published;
        }
    }
    release
}

/// The comparison over `period` (focus `focus`): one cell per lab and measure,
/// and the total row's cells under the name "total".
fn comparison(ds: &Dataset, labs: &[Uuid], period: &Period, focus: Option<FocusArea>) -> Release {
    let mut release = Release::new();
    let exact = summary::compare(ds, labs, period, focus, Disclosure::Exact, TODAY);
    let published = summary::compare(ds, labs, period, focus, Disclosure::Protected, TODAY);
    let exact_total = summary::comparison_total(ds, labs, period, focus, Disclosure::Exact, TODAY);
    let published_total = summary::comparison_total(ds, labs, period, focus, Disclosure::Protected, TODAY);
    let rows = exact.iter().zip(&published).chain([(&exact_total, &published_total)]);
    for (e, p) in rows {
        let name = if e.lab_id.is_nil() { "total".to_owned() } else { e.name.clone() };
        for (measure, t, q) in [
            ("besök", e.visits, p.visits),
            ("första", e.first_visits, p.first_visits),
            ("aktiviteter", e.activities, p.activities),
            ("deltagare", e.participants, p.participants),
        ] {
            release.insert(format!("{name}|{measure}"), (t, q));
        }
    }
    release
}

fn possible(published: u64) -> RangeInclusive<i64> {
    let r = possible_true_counts(published);
    assert!(!r.is_empty(), "{published} is never published");
    *r.start() as i64..=*r.end() as i64
}

/// What the attacker concludes of the count `big − small` from the two
/// figures (`small`'s records are among `big`'s): the values left.
fn difference(small: u64, big: u64) -> RangeInclusive<i64> {
    let (s, b) = (possible(small), possible(big));
    (b.start() - s.end()).max(0)..=b.end() - s.start()
}

fn intersect(a: RangeInclusive<i64>, b: RangeInclusive<i64>) -> RangeInclusive<i64> {
    *a.start().max(b.start())..=*a.end().min(b.end())
}

#[derive(Default, Debug)]
struct Tally {
    /// Cells whose difference was below 5.
    small_cells: u64,
    /// Of those, recovered exactly (one value left).
    recovered: u64,
    /// Cells whose difference was 1 to 4 (something small happened).
    changed: u64,
    /// Of those, where the naive difference of the two figures happened to be right (the attacker
    /// cannot tell when).
    naive_right: u64,
}

/// Every cell of `small` ⊆ `big`: can the difference below 5 be recovered?
fn attack_pair(small: &Release, big: &Release, tally: &mut Tally, what: &str) {
    let cells: BTreeSet<&String> = small.keys().chain(big.keys()).collect();
    for cell in cells {
        let (t1, p1) = small.get(cell).copied().unwrap_or_default();
        let (t2, p2) = big.get(cell).copied().unwrap_or_default();
        assert!(t2 >= t1, "{what} {cell}: the longer period holds the shorter one's records");
        let d = t2 - t1;
        if d >= 5 {
            continue;
        }
        tally.small_cells += 1;
        let left = difference(p1, p2);
        assert!(left.contains(&(d as i64)), "{what} {cell}: the truth must stay possible");
        if left.start() == left.end() {
            tally.recovered += 1;
            eprintln!("RECOVERED {what} {cell}: {t1}→{p1}, {t2}→{p2}, difference {d}");
        }
        if d > 0 {
            tally.changed += 1;
            if p2 as i64 - p1 as i64 == d as i64 {
                tally.naive_right += 1;
            }
        }
    }
}

#[tokio::test]
async fn differencing_recovers_no_small_count() {
    let ds = demo_year_dataset().await;
    let labs = demo::ALL_LABS.to_vec();
    let year = Period::last_twelve_months(TODAY).expect("a year");
    let (first, last) = year.days().expect("days");
    let date = calendar::format_date;

    // Periods that grow by one day and by one week, from the year's start.
    let mut research_day = Tally::default();
    let mut research_week = Tally::default();
    let mut compare_day = Tally::default();
    let mut compare_week = Tally::default();
    let mut triples = Tally::default();
    let research_at: Vec<Release> =
        (first..=last).map(|to| research(&ds, &labs, &Period::new(date(first), date(to)))).collect();
    let compare_at: Vec<Release> =
        (first..=last).map(|to| comparison(&ds, &labs, &Period::new(date(first), date(to)), None)).collect();
    for i in 0..research_at.len() {
        if i + 1 < research_at.len() {
            attack_pair(&research_at[i], &research_at[i + 1], &mut research_day, "research, one day");
            attack_pair(&compare_at[i], &compare_at[i + 1], &mut compare_day, "comparison, one day");
            // With the added day asked for alone as a third figure.
            let day = date(first + i as i64 + 1);
            let alone = research(&ds, &labs, &Period::new(day.clone(), day));
            for (cell, &(t, p)) in &alone {
                let (t1, p1) = research_at[i].get(cell).copied().unwrap_or_default();
                let (t2, p2) = research_at[i + 1].get(cell).copied().unwrap_or_default();
                assert_eq!(t2 - t1, t);
                if t < 5 {
                    triples.small_cells += 1;
                    let left = intersect(difference(p1, p2), possible(p));
                    triples.recovered += u64::from(left.start() == left.end());
                }
            }
        }
        if i + 7 < research_at.len() {
            attack_pair(&research_at[i], &research_at[i + 7], &mut research_week, "research, one week");
            attack_pair(&compare_at[i], &compare_at[i + 7], &mut compare_week, "comparison, one week");
        }
    }
    // Periods that start one day later.
    let mut research_start = Tally::default();
    for from in first..last.min(first + 120) {
        let big = research(&ds, &labs, &Period::new(date(from), date(last)));
        let small = research(&ds, &labs, &Period::new(date(from + 1), date(last)));
        attack_pair(&small, &big, &mut research_start, "research, start one day later");
    }

    // Focus-area selections that differ by one lab: the totals of each day and each week.
    let mut focus = Tally::default();
    let selections: Vec<(Option<FocusArea>, BTreeSet<Uuid>)> = [None]
        .into_iter()
        .chain(FocusArea::ALL.into_iter().map(Some))
        .map(|f| {
            let labs: BTreeSet<Uuid> =
                ds.labs.iter().filter(|l| f.is_none_or(|f| l.data.focus_areas.contains(&f))).map(|l| l.id).collect();
            (f, labs)
        })
        .collect();
    let mut nested_pairs = 0;
    for (fa, la) in &selections {
        for (fb, lb) in &selections {
            if !(la.is_subset(lb) && lb.len() == la.len() + 1) {
                continue;
            }
            nested_pairs += 1;
            for start in (first..=last).step_by(1) {
                for len in [0, 6] {
                    let p = Period::new(date(start), date((start + len).min(last)));
                    let total = |r: &Release| -> Release {
                        r.iter().filter(|(k, _)| k.starts_with("total|")).map(|(k, v)| (k.clone(), *v)).collect()
                    };
                    let small = total(&comparison(&ds, &labs, &p, *fa));
                    let big = total(&comparison(&ds, &labs, &p, *fb));
                    attack_pair(&small, &big, &mut focus, "focus selections");
                }
            }
        }
    }
    assert!(nested_pairs > 0, "the demo labs' focus areas give selections one lab apart");

    // Totals against their parts, one period: a lab's row of the comparison against its rows of
    // the research export (bands for visits, kinds for activities), every week of the year.
    let mut parts = Tally::default();
    for monday in (calendar::monday_of(first)..=last).step_by(7) {
        let p = Period::new(date(monday.max(first)), date((monday + 6).min(last)));
        let cmp = comparison(&ds, &labs, &p, None);
        let res = research(&ds, &labs, &p);
        for lab in &ds.labs {
            for (measure, dims) in [
                ("besök", AgeBand::ALL.iter().map(|b| b.label_sv()).collect::<Vec<_>>()),
                ("första", AgeBand::ALL.iter().map(|b| b.label_sv()).collect()),
                ("aktiviteter", ActivityKind::ALL.iter().map(|k| k.label_sv()).collect()),
                ("deltagare", ActivityKind::ALL.iter().map(|k| k.label_sv()).collect()),
            ] {
                let (_, p_total) = cmp[&format!("{}|{measure}", lab.data.name)];
                let week = calendar::week_label(monday);
                let cells: Vec<(u64, u64)> = dims
                    .iter()
                    .map(|d| res.get(&format!("{}|{week}|{d}|{measure}", lab.data.name)).copied().unwrap_or_default())
                    .collect();
                for (j, &(t, p_part)) in cells.iter().enumerate() {
                    if t >= 5 {
                        continue;
                    }
                    parts.small_cells += 1;
                    if t > 0 {
                        parts.changed += 1;
                        let others_published: i64 =
                            cells.iter().enumerate().filter(|&(i, _)| i != j).map(|(_, &(_, p))| p as i64).sum();
                        parts.naive_right += u64::from(p_total as i64 - others_published == t as i64);
                    }
                    // total − the other parts, each only known to lie in its possible range.
                    let others = cells.iter().enumerate().filter(|&(i, _)| i != j).map(|(_, &(_, p))| possible(p));
                    let (lo_others, hi_others) = others.fold((0, 0), |(lo, hi), r| (lo + r.start(), hi + r.end()));
                    let total = possible(p_total);
                    let left =
                        intersect(possible(p_part), (total.start() - hi_others).max(0)..=total.end() - lo_others);
                    assert!(left.contains(&(t as i64)), "{} {week} {measure}: the truth stays possible", lab.data.name);
                    if left.start() == left.end() {
                        parts.recovered += 1;
                        eprintln!("RECOVERED part {} {week} {measure} #{j}: {t}", lab.data.name);
                    }
                }
            }
        }
    }

    // The same question twice gives the same answer.
    let again = research(&ds, &labs, &year);
    assert_eq!(again, research(&ds, &labs, &year));
    assert_eq!(comparison(&ds, &labs, &year, None), comparison(&ds, &labs, &year, None));

    for (what, t) in [
        ("research export, periods one day apart", &research_day),
        ("research export, periods one week apart", &research_week),
        ("research export, start one day later", &research_start),
        ("comparison, periods one day apart", &compare_day),
        ("comparison, periods one week apart", &compare_week),
        ("comparison totals, selections one lab apart", &focus),
        ("comparison rows against research rows (totals and parts)", &parts),
    ] {
        eprintln!(
            "{what}: {} cells below 5 ({} of them 1–4), {} recovered; the naive difference was right for {:.1} % of the 1–4 (unknowably which)",
            t.small_cells,
            t.changed,
            t.recovered,
            100.0 * t.naive_right as f64 / t.changed.max(1) as f64
        );
        assert!(t.small_cells > 0, "{what}: the attack must meet small cells");
        assert_eq!(t.recovered, 0, "{what}: a small count recovered");
    }
    // Not part of the promise (docs/PRIVACY.md, limits): three figures, the added day asked alone too.
    eprintln!(
        "three figures (two periods and the added day alone): {} small cells, {} recovered ({:.3} %)",
        triples.small_cells,
        triples.recovered,
        100.0 * triples.recovered as f64 / triples.small_cells.max(1) as f64
    );
}
