//! Coordinators' summaries, computed on the device from the synced local copy
//! (so they work offline) with the same functions the server uses
//! (`labblogg_shared::summary`): an overview of the labs, a lab's report,
//! and a comparison across labs, with CSV/JSON export.

use crate::app::SessionCtx;
use crate::components::charts::{GoalChart, HBars, HeatMap, StackedBars};
use crate::i18n::*;
use crate::routes::activities::kind_label;
use crate::routes::counter::band_label;
use crate::sync::SyncEngine;
use crate::{browser, clock, format, store};
use labblogg_shared::auth::Role;
use labblogg_shared::model::FocusArea;
use labblogg_shared::summary::{self, Dataset, Disclosure, GoalProgress, LabOverview, Period};
use leptos::prelude::*;
use uuid::Uuid;

const DAYS_SV: [&str; 7] = ["mån", "tis", "ons", "tor", "fre", "lör", "sön"];
const DAYS_EN: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];

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

/// The synced local copy of the user's labs, reloaded when a sync brings data.
/// Visits come as the store's tallies (`store::summary_input`), never as rows:
/// a year of a lab's visits is a million of them.
fn dataset() -> LocalResource<Dataset> {
    let SessionCtx(session) = expect_context::<SessionCtx>();
    let engine = expect_context::<SyncEngine>();
    LocalResource::new(move || {
        let _ = engine.data_version.get();
        let labs = session.get().map(|s| s.user.labs).unwrap_or_default();
        async move {
            let (states, tallies) = store::summary_input(&labs).await.unwrap_or_default();
            Dataset::from_states_and_tallies(states.iter(), tallies)
        }
    })
}

/// The first day of the month a year before `today`, to `today`.
fn last_twelve_months(today: &str) -> Period {
    let y: i32 = today[0..4].parse().unwrap_or(2026);
    Period { from: format!("{}-{}-01", y - 1, &today[5..7]), to: today.to_owned() }
}

fn goal_verdict(g: &GoalProgress, english: bool) -> (&'static str, String) {
    match g.on_track {
        Some(true) => ("on-track", if english { "On track" } else { "I fas" }.to_owned()),
        Some(false) => ("off-track", if english { "Behind" } else { "Efter plan" }.to_owned()),
        None => ("unknown", if english { "Too few measurements" } else { "För få mätningar" }.to_owned()),
    }
}

/// Which lab report is open, shared by the overview and the lab view.
#[derive(Clone, Copy)]
pub struct OpenLab(pub RwSignal<Option<Uuid>>);

#[component]
pub fn Overview() -> impl IntoView {
    let i18n = use_i18n();
    let english = move || i18n.get_locale() == Locale::en;
    let ds = dataset();
    let open = RwSignal::new(None::<Uuid>);
    provide_context(OpenLab(open));
    let SessionCtx(session) = expect_context::<SessionCtx>();
    let labs = move || session.get().map(|s| s.user.labs).unwrap_or_default();

    view! {
        {move || match open.get() {
            Some(lab) => view! { <LabView lab=lab ds=ds/> }.into_any(),
            None => view! {
                <crate::routes::approval::FollowUpCard ds=ds/>
                <section class="card">
                    <h1>{t!(i18n, overview_title)}</h1>
                    <p class="muted">{t!(i18n, overview_hint)}</p>
                    <div class="overview-grid">
                        {move || {
                            let Some(data) = ds.get() else {
                                return view! { <p class="muted">{t!(i18n, loading)}</p> }.into_any();
                            };
                            summary::overview(&data, &labs(), &clock::today()).into_iter().map(|o| view! {
                                <LabCard o=o english=Signal::derive(english) on_open=Callback::new(move |id| open.set(Some(id)))/>
                            }).collect_view().into_any()
                        }}
                    </div>
                </section>
            }.into_any(),
        }}
    }
}

#[component]
fn LabCard(o: LabOverview, english: Signal<bool>, on_open: Callback<Uuid>) -> impl IntoView {
    let i18n = use_i18n();
    let change = if o.visits_same_week_last_year > 0 {
        let pct = (o.visits_this_week as f64 / o.visits_same_week_last_year as f64 - 1.0) * 100.0;
        format!("{}{} %", if pct >= 0.0 { "+" } else { "" }, format::decimal(pct, 0, english.get_untracked()))
    } else {
        "–".to_owned()
    };
    let id = o.lab_id;
    let weeks = o.visits_last_4_weeks.clone();
    view! {
        <article class="lab-card" data-testid="lab-card" data-lab-id=id.to_string()>
            <h2>{o.name.clone()}<span class="muted">{format!(" · {}", o.city)}</span></h2>
            <dl class="figures">
                <div><dt>{t!(i18n, visits_this_week)}</dt><dd data-testid="visits-this-week">{o.visits_this_week.to_string()}</dd></div>
                <div><dt>{t!(i18n, vs_last_year)}</dt><dd>{format!("{} ({change})", o.visits_same_week_last_year)}</dd></div>
                <div><dt>{t!(i18n, activities_this_month)}</dt><dd>{o.activities_this_month.to_string()}</dd></div>
                <div><dt>{t!(i18n, participants_this_month)}</dt><dd>{o.participants_this_month.to_string()}</dd></div>
                <div><dt>{t!(i18n, partners_this_month)}</dt><dd>{o.partners_this_month.to_string()}</dd></div>
            </dl>
            <p class="sparkline">
                {t!(i18n, last_4_weeks)}": "
                {weeks.iter().map(|(w, n)| format!("{} {n}", &w[w.len().saturating_sub(3)..])).collect::<Vec<_>>().join(" · ")}
            </p>
            <ul class="goal-list">
                {o.goals.iter().map(|g| {
                    let (class, verdict) = goal_verdict(g, english.get_untracked());
                    let latest = g.latest.map(|v| format::decimal(v, 1, english.get_untracked())).unwrap_or_else(|| "–".into());
                    let projected = g.projected_date.as_deref().map(|d| format::date(d, english.get_untracked()));
                    view! {
                        <li class=format!("goal-line {class}")>
                            <strong>{g.title.clone()}</strong>
                            <span>{format!("{} → {} → {} {}", format::decimal(g.baseline, 1, english.get_untracked()), latest,
                                format::decimal(g.target, 1, english.get_untracked()), g.unit)}</span>
                            <span class="verdict">{verdict}</span>
                            {projected.map(|p| view! { <span class="muted">{t!(i18n, projected)}" "{p}</span> })}
                        </li>
                    }
                }).collect_view()}
            </ul>
            <button class="secondary" data-testid="open-lab" on:click=move |_| on_open.run(id)>{t!(i18n, open_lab_report)}</button>
        </article>
    }
}

#[component]
fn LabView(lab: Uuid, ds: LocalResource<Dataset>) -> impl IntoView {
    let i18n = use_i18n();
    let english = move || i18n.get_locale() == Locale::en;
    let OpenLab(open) = expect_context::<OpenLab>();
    let today = clock::today();
    let default = last_twelve_months(&today);
    let from = RwSignal::new(default.from.clone());
    let to = RwSignal::new(default.to.clone());
    // The month whose approval step is open (`routes/approval.rs`).
    let review = RwSignal::new(None::<String>);
    let report = Memo::new(move |_| {
        let period = Period { from: from.get(), to: to.get() };
        ds.with(|d| d.as_ref().and_then(|d| summary::lab_report(d, lab, &period, &clock::today())))
    });

    // Where visitors count once per opening session, a visit reads as a
    // visitor of that session: say so next to the figures.
    let per_session_note = move || {
        let places: Vec<String> = ds.with(|d| {
            d.as_ref()
                .map(|d| {
                    d.places
                        .iter()
                        .filter(|p| p.lab_id == lab && p.data.count_rule == labblogg_shared::model::CountRule::OncePerSession)
                        .map(|p| p.data.name.clone())
                        .collect()
                })
                .unwrap_or_default()
        });
        (!places.is_empty()).then(|| view! {
            <p class="muted" data-testid="report-count-rule">{t!(i18n, report_count_rule, places = places.join(", "))}</p>
        })
    };

    let export_json = move |_| {
        if let Some(r) = report.get_untracked() {
            if let Ok(json) = serde_json::to_string_pretty(&r) {
                let _ = browser::download(&format!("labbrapport-{}.json", r.name), "application/json", &json);
            }
        }
    };

    // A good example prefilled with the report's figures (small counts suppressed).
    let share_as_example = move |_| {
        let Some(r) = report.get_untracked() else { return };
        let lab_data = ds.with_untracked(|d| d.as_ref().and_then(|d| d.lab(lab)).map(|l| l.data.clone()));
        let data = crate::routes::knowledge::example_from_report(&r, lab_data.as_ref());
        crate::routes::knowledge::open_prefilled(crate::routes::knowledge::Prefill::Example { lab, data });
    };

    view! {
        <section class="card report" data-testid="lab-report">
            <div class="list-head no-print">
                <button class="secondary" data-testid="back-to-overview" on:click=move |_| open.set(None)>{t!(i18n, back)}</button>
                <div class="row">
                    <button class="secondary" data-testid="share-as-example" on:click=share_as_example>{t!(i18n, kb_share_as_example)}</button>
                    <button class="secondary" data-testid="export-json" on:click=export_json>{t!(i18n, export_json)}</button>
                    <button class="secondary" data-testid="print-report" on:click=move |_| { if let Some(w) = web_sys::window() { let _ = w.print(); } }>{t!(i18n, print)}</button>
                </div>
            </div>
            <div class="row no-print">
                <div class="field"><label for="report-from">{t!(i18n, from_date)}</label><input id="report-from" type="date" bind:value=from/></div>
                <div class="field"><label for="report-to">{t!(i18n, to_date)}</label><input id="report-to" type="date" bind:value=to/></div>
            </div>
            {move || review.get().map(|month| view! {
                <crate::routes::approval::ApprovalPanel lab=lab month=month ds=ds on_close=Callback::new(move |_| review.set(None))/>
            })}
            {move || match report.get() {
                None => view! { <p class="muted">{t!(i18n, loading)}</p> }.into_any(),
                Some(r) => {
                    let en = english();
                    let bands: Vec<labblogg_shared::AgeBand> = {
                        let mut b: Vec<_> = r.visits_per_week.iter().flat_map(|(_, v)| v.iter().map(|(b, _)| *b)).collect();
                        b.sort();
                        b.dedup();
                        b
                    };
                    let columns = r.visits_per_week.iter().map(|(w, v)| {
                        (w[w.len().saturating_sub(3)..].to_string(), bands.iter().map(|b| v.iter().find(|(x, _)| x == b).map_or(0, |(_, n)| *n)).collect())
                    }).collect::<Vec<_>>();
                    view! {
                        <h1>{r.name.clone()}</h1>
                        <p class="muted">{format!("{} – {}", format::date(&r.period.from, en), format::date(&r.period.to, en))}</p>
                        {per_session_note()}
                        <dl class="figures">
                            <div><dt>{t!(i18n, visits_total)}</dt><dd data-testid="report-visits-total">{format::integer(r.visits_total as i64, en)}</dd></div>
                            <div><dt>{t!(i18n, first_time_visits)}</dt><dd>{format::integer(r.first_visits as i64, en)}</dd></div>
                            <div><dt>{t!(i18n, returning_visits)}</dt><dd>{format::integer(r.returning_visits as i64, en)}</dd></div>
                            <div><dt>{t!(i18n, visits_per_opening_hour)}</dt><dd>{r.visits_per_opening_hour.map(|v| format::decimal(v, 1, en)).unwrap_or_else(|| "–".into())}</dd></div>
                            <div><dt>{t!(i18n, reach_per_1000)}</dt><dd>{r.reach_per_1000.map(|v| format::decimal(v, 1, en)).unwrap_or_else(|| "–".into())}</dd></div>
                        </dl>
                        {(!r.unconfirmed.is_empty()).then(|| view! {
                            <p class="warning" data-testid="report-unconfirmed" data-count=r.unconfirmed.len().to_string()>
                                {t_string!(i18n, report_unconfirmed, n = r.unconfirmed.len()).to_string()}
                            </p>
                        })}
                        <crate::routes::approval::ReportMonths lab=lab months=r.months.clone() chosen=review/>
                        <StackedBars caption=t_string!(i18n, chart_visits_per_week).to_string()
                            series=bands.iter().map(|b| band_label(*b, en)).collect() columns=columns testid="chart-visits-per-week"/>
                        <HeatMap caption=t_string!(i18n, chart_heatmap).to_string() grid=r.heatmap.clone()
                            days=if en { DAYS_EN } else { DAYS_SV } testid="chart-heatmap"/>
                        <div class="two-col">
                            <HBars caption=t_string!(i18n, chart_activities_by_kind).to_string()
                                items=r.activities_by_kind.iter().map(|(k, n)| (kind_label(*k, en), *n)).collect() testid="chart-activities-by-kind"/>
                            <HBars caption=t_string!(i18n, chart_activities_by_focus).to_string()
                                items=r.activities_by_focus_area.iter().map(|(f, n)| (focus_label(*f, en), *n)).collect() testid="chart-activities-by-focus"/>
                        </div>
                        <StackedBars caption=t_string!(i18n, chart_participants_per_month).to_string()
                            series=vec![t_string!(i18n, participants).to_string()]
                            columns=r.participants_per_month.iter().map(|(m, n)| (m.clone(), vec![*n])).collect() testid="chart-participants"/>
                        <HBars caption=t_string!(i18n, chart_partners_ranked).to_string()
                            items=r.partners_ranked.iter().take(10).map(|(_, name, n)| (name.clone(), *n)).collect() testid="chart-partners"/>
                        <h2>{t!(i18n, goals_title)}</h2>
                        {r.goals.iter().map(|g| {
                            let (class, verdict) = goal_verdict(g, en);
                            view! {
                                <div class=format!("goal-line {class}")>
                                    <GoalChart caption=format!("{} ({}) — {verdict}", g.title, g.unit) points=g.points.clone()
                                        baseline=g.baseline target=g.target testid="chart-goal"/>
                                </div>
                            }
                        }).collect_view()}
                        <h2>{t!(i18n, poll_results)}</h2>
                        <table class="data">
                            <thead><tr><th scope="col">{t!(i18n, month)}</th><th scope="col">{t!(i18n, question)}</th>
                                <th scope="col">{t!(i18n, poll_yes)}</th><th scope="col">{t!(i18n, poll_maybe)}</th><th scope="col">{t!(i18n, poll_no)}</th></tr></thead>
                            <tbody>{r.poll_tallies.iter().map(|(m, q, y, mb, n)| view! {
                                <tr><td>{m.clone()}</td><td>{if en { format!("{q:?}") } else { q.label_sv().to_owned() }}</td>
                                    <td>{y.to_string()}</td><td>{mb.to_string()}</td><td>{n.to_string()}</td></tr>
                            }).collect_view()}</tbody>
                        </table>
                        <h2>{t!(i18n, lessons_learned)}</h2>
                        <ul class="lessons" data-testid="lessons">
                            {r.lessons.iter().take(50).map(|(d, title, text)| view! {
                                <li><span class="muted">{format::date(d, en)}" · "{title.clone()}</span><p>{text.clone()}</p></li>
                            }).collect_view()}
                        </ul>
                    }.into_any()
                }
            }}
        </section>
    }
}

#[component]
pub fn Compare() -> impl IntoView {
    let i18n = use_i18n();
    let english = move || i18n.get_locale() == Locale::en;
    let SessionCtx(session) = expect_context::<SessionCtx>();
    let ds = dataset();
    let today = clock::today();
    let default = last_twelve_months(&today);
    let from = RwSignal::new(default.from);
    let to = RwSignal::new(default.to);
    let focus = RwSignal::new(String::new());
    // Staff see their own lab exactly; for everyone else the comparison is
    // what leaves a lab, protected by the Cell Key Method (docs/PRIVACY.md).
    let disclosure = move || {
        if session.get().is_some_and(|s| s.user.role == Role::Staff) { Disclosure::Exact } else { Disclosure::Protected }
    };
    // The labs' rows, then the total as a cell of its own.
    let rows = Memo::new(move |_| {
        let period = Period { from: from.get(), to: to.get() };
        let focus = serde_json::from_value::<FocusArea>(serde_json::Value::String(focus.get())).ok();
        let labs = session.get().map(|s| s.user.labs).unwrap_or_default();
        let d = disclosure();
        ds.with(|ds| {
            ds.as_ref().map(|ds| {
                let rows = summary::compare(ds, &labs, &period, focus, d, &clock::today());
                let total = (rows.len() > 1).then(|| summary::comparison_total(ds, &labs, &period, focus, d, &clock::today()));
                (rows, total)
            })
        })
        .unwrap_or_default()
    });
    // How complete each lab's logging is and which months its coordinator approved: counts
    // of opening sessions and months, which describe no one, so exact.
    let statuses = Memo::new(move |_| {
        let period = Period { from: from.get(), to: to.get() };
        let labs = session.get().map(|s| s.user.labs).unwrap_or_default();
        ds.with(|ds| {
            ds.as_ref()
                .map(|ds| labblogg_shared::approval::lab_statuses(ds, &labs, &period, crate::quality::today_day()))
                .unwrap_or_default()
        })
    });
    let status_of = move |lab: Uuid| statuses.with(|s| s.iter().find(|s| s.lab_id == lab).cloned());
    let export_csv = move |_| {
        let (mut all, total) = rows.get_untracked();
        all.extend(total);
        let csv = summary::comparison_csv(&all, disclosure());
        let name = format!("jamforelse-{}-{}.csv", from.get_untracked(), to.get_untracked());
        let _ = browser::download(&name, "text/csv;charset=utf-8", &csv);
    };
    view! {
        <section class="card">
            <div class="list-head">
                <h1>{t!(i18n, compare_title)}</h1>
                <button class="secondary" data-testid="export-csv" on:click=export_csv>{t!(i18n, export_csv)}</button>
            </div>
            <div class="row">
                <div class="field"><label for="cmp-from">{t!(i18n, from_date)}</label><input id="cmp-from" type="date" bind:value=from/></div>
                <div class="field"><label for="cmp-to">{t!(i18n, to_date)}</label><input id="cmp-to" type="date" bind:value=to/></div>
                <div class="field"><label for="cmp-focus">{t!(i18n, focus_area)}</label>
                    <select id="cmp-focus" data-testid="compare-focus" bind:value=focus>
                        <option value="">{t!(i18n, all_focus_areas)}</option>
                        {FocusArea::ALL.into_iter().map(|f| view! {
                            <option value=crate::routes::activities::wire(&f)>{move || focus_label(f, english())}</option>
                        }).collect_view()}
                    </select></div>
            </div>
            // Focusable and named, so keyboard users can scroll a wide table.
            <div class="table-wrap" tabindex="0" role="region" aria-label=move || t_string!(i18n, compare_title).to_string()>
                <table class="data" data-testid="compare-table">
                    <thead><tr>
                        <th scope="col">{t!(i18n, lab)}</th><th scope="col">{t!(i18n, visits_total)}</th><th scope="col">{t!(i18n, first_time_visits)}</th>
                        <th scope="col">{t!(i18n, nav_activities)}</th><th scope="col">{t!(i18n, participants)}</th><th scope="col">{t!(i18n, partners)}</th>
                        <th scope="col">{t!(i18n, staff_hours)}</th><th scope="col">{t!(i18n, goals_on_track)}</th>
                        <th scope="col">{t!(i18n, completeness_logged)}</th><th scope="col">{t!(i18n, completeness_closed)}</th>
                        <th scope="col">{t!(i18n, months_approved)}</th>
                    </tr></thead>
                    <tbody>
                        {move || rows.get().0.into_iter().map(|r| {
                            let en = english();
                            let status = status_of(r.lab_id);
                            let (logged, closed, approved, months) = match &status {
                                Some(s) if s.completeness.sessions > 0 => (
                                    crate::routes::approval::of(s.completeness.logged, s.completeness.sessions, en),
                                    crate::routes::approval::of(s.completeness.closed, s.completeness.sessions, en),
                                    crate::routes::approval::of(s.approved_months.len() as u64, s.months, en),
                                    s.approved_months.iter().map(|m| crate::routes::approval::month_label(m, en)).collect::<Vec<_>>().join(", "),
                                ),
                                Some(s) => ("–".into(), "–".into(), crate::routes::approval::of(s.approved_months.len() as u64, s.months, en),
                                    s.approved_months.iter().map(|m| crate::routes::approval::month_label(m, en)).collect::<Vec<_>>().join(", ")),
                                None => ("–".into(), "–".into(), "–".into(), String::new()),
                            };
                            view! {
                                <tr data-testid="compare-row">
                                    <th scope="row">{r.name.clone()}</th>
                                    <td>{r.visits.to_string()}</td><td>{r.first_visits.to_string()}</td><td>{r.activities.to_string()}</td>
                                    <td>{r.participants.to_string()}</td><td>{r.partners.to_string()}</td>
                                    <td>{format::decimal(r.staff_hours, 1, en)}</td>
                                    <td>{format!("{} / {}", r.goals_on_track, r.goals_assessed)}</td>
                                    <td class="nowrap" data-testid="compare-logged">{logged}</td>
                                    <td class="nowrap" data-testid="compare-closed">{closed}</td>
                                    <td class="nowrap" data-testid="compare-approved" title=months.clone()
                                        data-months=status.as_ref().map(|s| s.approved_months.join(" ")).unwrap_or_default()>{approved}</td>
                                </tr>
                            }
                        }).collect_view()}
                    </tbody>
                    {move || rows.get().1.map(|t| view! {
                        <tfoot><tr data-testid="compare-total">
                            <th scope="row">{t!(i18n, compare_total)}</th>
                            <td>{t.visits.to_string()}</td><td>{t.first_visits.to_string()}</td><td>{t.activities.to_string()}</td>
                            <td>{t.participants.to_string()}</td><td>{t.partners.to_string()}</td>
                            <td>{format::decimal(t.staff_hours, 1, english())}</td>
                            <td>{format!("{} / {}", t.goals_on_track, t.goals_assessed)}</td>
                            <td></td><td></td><td></td>
                        </tr></tfoot>
                    })}
                </table>
            </div>
            <p class="muted" data-testid="compare-note">{move || if disclosure() == Disclosure::Exact { t_string!(i18n, exact_note) } else { t_string!(i18n, suppression_note) }}</p>
        </section>
        <crate::routes::research::ResearchExport ds=ds/>
    }
}
