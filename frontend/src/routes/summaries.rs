//! Coordinators' summaries, computed on the device from the synced local copy
//! (so they work offline) with the same functions the server uses
//! (`labblogg_shared::summary`): an overview of the labs, a lab's report,
//! and a comparison across labs, with CSV/JSON export.

use crate::components::charts::{GoalChart, GoalChartText, HBars, HeatMap, StackedBars};
use crate::components::loading::FirstSyncProgress;
use crate::components::read_error::{ReadError, Reading};
use crate::context::SessionCtx;
use crate::data::dataset;
use crate::i18n::*;
use crate::labels::band_label;
use crate::labels::focus_label;
use crate::labels::kind_label;
use crate::sync::SyncEngine;
use crate::{browser, clock, format};
use labblogg_shared::auth::Role;
use labblogg_shared::model::FocusArea;
use labblogg_shared::summary::{self, Dataset, Disclosure, LabOverview, Period};
use leptos::prelude::*;
use uuid::Uuid;

/// The days of the week, Monday first, short, as the heat map's rows name them.
fn weekdays(english: bool) -> [&'static str; 7] {
    let l = crate::labels::locale(english);
    [
        td_string!(l, summaries_day_mon),
        td_string!(l, summaries_day_tue),
        td_string!(l, summaries_day_wed),
        td_string!(l, summaries_day_thu),
        td_string!(l, summaries_day_fri),
        td_string!(l, summaries_day_sat),
        td_string!(l, summaries_day_sun),
    ]
}

/// The first day of the month a year before `today`, to `today`.
fn last_twelve_months(today: &str) -> Period {
    let y: i32 = today[0..4].parse().unwrap_or(2026);
    Period { from: format!("{}-{}-01", y - 1, &today[5..7]), to: today.to_owned() }
}

#[component]
pub fn Overview() -> impl IntoView {
    let i18n = use_i18n();
    let english = move || i18n.get_locale() == Locale::en;
    let engine = expect_context::<SyncEngine>();
    let (ds, ds_failed) = dataset();
    let SessionCtx(session) = expect_context::<SessionCtx>();
    let labs = move || session.get().map(|s| s.user.labs).unwrap_or_default();

    view! {
        {move || ds_failed.get().map(|error| view! { <ReadError what=Reading::Figures error=error/> })}
        <section class="card">
            <h1>{t!(i18n, overview_title)}</h1>
            <p class="muted">{t!(i18n, overview_hint)}</p>
            <div class="overview-grid">
                {move || {
                    if !engine.data_complete() {
                        return view! { <FirstSyncProgress/> }.into_any();
                    }
                    let Some(data) = ds.get() else {
                        return view! { <p class="muted">{t!(i18n, loading)}</p> }.into_any();
                    };
                    summary::overview(&data, &labs(), &clock::today()).into_iter().map(|o| view! {
                        <LabCard o=o english=Signal::derive(english) on_open=Callback::new(crate::nav::open_lab_report)/>
                    }).collect_view().into_any()
                }}
            </div>
        </section>
        // Below the labs' cards: it fills in when the figures are read, and above them it moved
        // the cards down (layout shift).
        <crate::components::approval::FollowUpCard ds=ds/>
    }
}

/// A lab's report on its own URL (`/labb/<id>/rapport`): from the overview,
/// a bookmark or a link someone sent.
#[component]
pub fn LabReport() -> impl IntoView {
    let params = leptos_router::hooks::use_params_map();
    let SessionCtx(session) = expect_context::<SessionCtx>();
    // Only the labs one reads: any other id is no page of theirs.
    let lab = move || {
        params
            .with(|p| p.get("id").and_then(|id| Uuid::parse_str(&id).ok()))
            .filter(|id| session.with(|s| s.as_ref().is_some_and(|s| s.user.labs.contains(id))))
    };
    let (ds, ds_failed) = dataset();
    view! {
        {move || ds_failed.get().map(|error| view! { <ReadError what=Reading::Figures error=error/> })}
        {move || match lab() {
            Some(lab) => view! { <LabView lab=lab ds=ds/> }.into_any(),
            None => view! { <UnknownLab/> }.into_any(),
        }}
    }
}

/// A lab report's address with no lab of this user's in it.
#[component]
fn UnknownLab() -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <section class="card" data-testid="lab-report-unknown">
            <h1>{t!(i18n, not_found_title)}</h1>
            <p>{t!(i18n, not_found_text)}</p>
            <leptos_router::components::A href=crate::nav::Page::Overview.path() attr:class="primary button-link">
                {t!(i18n, nav_overview)}
            </leptos_router::components::A>
        </section>
    }
}

#[component]
fn LabCard(o: LabOverview, english: Signal<bool>, on_open: Callback<Uuid>) -> impl IntoView {
    let i18n = use_i18n();
    let en = english.get_untracked();
    let last_year = match o.visits_same_week_last_year {
        Some(n) if n > 0 => {
            let pct = (o.visits_this_week as f64 / n as f64 - 1.0) * 100.0;
            format!("{n} ({}{} %)", if pct >= 0.0 { "+" } else { "" }, format::decimal(pct, 0, en))
        }
        Some(n) => n.to_string(),
        None => t_string!(i18n, no_data).to_string(),
    };
    let id = o.lab_id;
    let weeks = o.visits_last_4_weeks.clone();
    let running_word = t_string!(i18n, goal_running).to_string();
    let missing: Vec<(String, String)> = o
        .goals
        .iter()
        .filter(|g| !g.missing.is_empty())
        .map(|g| {
            (
                g.title.clone(),
                g.missing.iter().map(|d| crate::goal_text::missing_label(g, d, en)).collect::<Vec<_>>().join(", "),
            )
        })
        .collect();
    view! {
        <article class="lab-card" data-testid="lab-card" data-lab-id=id.to_string()>
            <h2>{o.name.clone()}<span class="muted">{format!(" · {}", o.city)}</span></h2>
            <dl class="figures">
                <div><dt>{t!(i18n, visits_this_week)}</dt><dd data-testid="visits-this-week">{o.visits_this_week.to_string()}</dd></div>
                <div><dt>{t!(i18n, vs_last_year)}</dt><dd data-testid="visits-last-year">{last_year}</dd></div>
                <div><dt>{t!(i18n, activities_this_month)}</dt><dd>{o.activities_this_month.to_string()}</dd></div>
                <div><dt>{t!(i18n, participants_this_month)}</dt><dd>{o.participants_this_month.to_string()}</dd></div>
                <div><dt>{t!(i18n, partners_this_month)}</dt><dd>{o.partners_this_month.to_string()}</dd></div>
            </dl>
            <p class="sparkline">
                {t!(i18n, last_4_weeks)}": "
                {weeks.iter().map(|(w, n)| format!("{} {n}", format::week_short(w, false, en))).collect::<Vec<_>>().join(" · ")}
            </p>
            {(!missing.is_empty()).then(|| view! {
                <div class="warning-box" role="status" data-testid="lab-missing-measurements">
                    <strong>{t!(i18n, measurement_missing)}</strong>
                    <ul>{missing.into_iter().map(|(title, periods)| view! { <li>{title}": "{periods}</li> }).collect_view()}</ul>
                </div>
            })}
            <ul class="goal-list">
                {o.goals.iter().map(|g| {
                    let (class, verdict) = crate::goal_text::verdict(g, en);
                    let latest = g.latest.or(g.running.as_ref().map(|r| r.1)).map(|v| format::decimal(v, 1, en)).unwrap_or_else(|| "–".into());
                    let partial = g.latest.is_none() && g.running.is_some();
                    let projected = g.projected_date.as_deref().map(|d| format::date(d, en));
                    view! {
                        <li class=format!("goal-line {class}") data-testid="overview-goal" data-goal-id=g.goal_id.to_string()>
                            <strong>{g.title.clone()}</strong>
                            <span>{format!("{} → {}{} → {} {}", format::decimal(g.baseline, 1, en), latest,
                                if partial { format!(" ({running_word})") } else { String::new() },
                                format::decimal(g.target, 1, en), g.unit)}</span>
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

/// Week labels for a chart: "v. 45", with the year where the weeks span
/// two: on the first labelled week of each year (the chart labels every
/// `charts::label_step` week), not on every bar.
fn week_labels(weeks: &[String], english: bool) -> Vec<String> {
    let two_years = weeks.first().zip(weeks.last()).is_some_and(|(a, b)| a[..4] != b[..4]);
    let step = crate::components::charts::label_step(weeks.len());
    let mut labelled_year: Option<&str> = None;
    weeks
        .iter()
        .enumerate()
        .map(|(i, w)| {
            let shown = i % step == 0;
            let year_here = two_years && shown && labelled_year != Some(&w[..4]);
            if shown {
                labelled_year = Some(&w[..4]);
            }
            format::week_short(w, year_here, english)
        })
        .collect()
}

/// Month labels for a chart ("2026-11" each): the month's short name, with
/// the year on the first and on each January ("jan. 2027"), so a year of
/// bars stays readable on half a printed page.
fn month_labels(months: &[String], english: bool) -> Vec<String> {
    months
        .iter()
        .enumerate()
        .map(|(i, m)| {
            let full = format::month_short(&format!("{m}-01"), english);
            if i == 0 || m.ends_with("-01") {
                full
            } else {
                full.split(' ').next().unwrap_or(&full).to_owned()
            }
        })
        .collect()
}

/// A tally's figure for the period, in words: share yes, sum and mean, or the
/// options' shares.
fn question_figure(q: &summary::QuestionReport, t: &labblogg_shared::questions::QuestionTally, en: bool) -> String {
    use labblogg_shared::questions::AnswerKind;
    let pct = |x: f64| format!("{} %", format::decimal(x, 0, en));
    let l = crate::labels::locale(en);
    match q.answer {
        AnswerKind::Faces => t
            .share_yes(false)
            .map_or_else(|| "–".into(), |s| td_string!(l, summaries_question_share_yes, share = pct(s)).to_string()),
        AnswerKind::Number => td_string!(
            l,
            summaries_question_sum_mean,
            sum = format::decimal(t.sum, 0, en),
            mean = t.mean().map_or_else(|| "–".into(), |m| format::decimal(m, 1, en))
        )
        .to_string(),
        AnswerKind::Scale => td_string!(
            l,
            summaries_question_mean,
            mean = t.mean().map_or_else(|| "–".into(), |m| format::decimal(m, 1, en))
        )
        .to_string(),
        AnswerKind::Choice => q
            .options
            .iter()
            .enumerate()
            .filter_map(|(i, o)| t.share_of(i).map(|s| format!("{o} {}", pct(s))))
            .collect::<Vec<_>>()
            .join(", "),
    }
}

/// A month's value of a question, short, for the row of months.
fn question_month_value(
    q: &summary::QuestionReport,
    t: &labblogg_shared::questions::QuestionTally,
    en: bool,
) -> String {
    use labblogg_shared::questions::AnswerKind;
    match q.answer {
        AnswerKind::Faces => {
            t.share_yes(false).map_or_else(|| "–".into(), |s| format!("{} %", format::decimal(s, 0, en)))
        }
        AnswerKind::Number => format::decimal(t.sum, 0, en),
        AnswerKind::Scale => t.mean().map_or_else(|| "–".into(), |m| format::decimal(m, 1, en)),
        AnswerKind::Choice => {
            let best = (0..q.options.len()).max_by_key(|&i| t.counts.get(i).copied().unwrap_or(0));
            best.and_then(|i| Some(format!("{} {} %", q.options.get(i)?, format::decimal(t.share_of(i)?, 0, en))))
                .unwrap_or_else(|| "–".into())
        }
    }
}

/// The lab's own questions in a report: each with its answers over the
/// period and month by month (`data-question-id`).
#[component]
pub fn QuestionTable(questions: Vec<summary::QuestionReport>, english: bool) -> impl IntoView {
    let i18n = use_i18n();
    let en = english;
    view! {
        <div class="table-wrap" tabindex="0" role="region" aria-label=move || t_string!(i18n, questions_lab_title).to_string()>
            <table class="data question-table" data-testid="report-questions">
                <thead><tr>
                    <th scope="col">{t!(i18n, question)}</th>
                    <th scope="col">{t!(i18n, question_answers_count)}</th>
                    <th scope="col">{t!(i18n, question_result)}</th>
                    <th scope="col">{t!(i18n, question_per_month)}</th>
                </tr></thead>
                <tbody>
                    {questions.into_iter().map(|q| {
                        let figure = question_figure(&q, &q.total, en);
                        let months = q.months.iter().map(|(m, t)| format!("{} {}", format::month_short(&format!("{m}-01"), en), question_month_value(&q, t, en))).collect::<Vec<_>>().join(" · ");
                        let last = q.months.last().map(|(_, t)| question_month_value(&q, t, en)).unwrap_or_default();
                        view! {
                            <tr data-testid="report-question" data-question-id=q.question_id.to_string() data-answered=q.total.answered.to_string()
                                data-sum=q.total.sum.to_string() data-last-month=last>
                                <th scope="row" lang="sv">{q.text.clone()}
                                    {(q.version > 1).then(|| format!(" (v{})", q.version))}
                                    {q.retired.then(|| view! { " " <span class="badge off">{t!(i18n, retired_badge)}</span> })}
                                    {q.place.clone().map(|p| view! { <div class="muted small">{p}</div> })}</th>
                                <td>{format::integer(q.total.answered as i64, en)}</td>
                                <td>{figure}</td>
                                <td class="small">{if months.is_empty() { "–".to_owned() } else { months }}</td>
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table>
        </div>
    }
}

#[component]
fn LabView(lab: Uuid, ds: LocalResource<Dataset>) -> impl IntoView {
    let i18n = use_i18n();
    let english = move || i18n.get_locale() == Locale::en;
    let engine = expect_context::<SyncEngine>();
    let today = clock::today();
    let default = last_twelve_months(&today);
    let from = RwSignal::new(default.from.clone());
    let to = RwSignal::new(default.to.clone());
    let appendix = RwSignal::new(false);
    // The month whose approval step is open (`routes/approval.rs`).
    let review = RwSignal::new(None::<String>);
    let report = Memo::new(move |_| {
        let period = Period { from: from.get(), to: to.get() };
        ds.with(|d| d.as_ref().and_then(|d| summary::lab_report(d, lab, &period, &clock::today())))
    });
    let lab_record = Memo::new(move |_| ds.with(|d| d.as_ref().and_then(|d| d.lab(lab)).map(|l| l.data.clone())));
    // The header is the report's: other screens print without it.
    on_cleanup(|| browser::set_print_header(None));
    let places = Memo::new(move |_| {
        ds.with(|d| {
            d.as_ref()
                .map(|d| {
                    d.places
                        .iter()
                        .filter(|p| p.lab_id == lab)
                        .map(|p| crate::records::Typed { id: p.id, lab_id: p.lab_id, data: p.data.clone() })
                        .collect::<Vec<_>>()
                })
                .unwrap_or_default()
        })
    });

    let unconfirmed_text = move |n: usize| {
        if n == 1 {
            t_string!(i18n, report_unconfirmed_one).to_string()
        } else {
            t_string!(i18n, report_unconfirmed, n = n).to_string()
        }
    };

    // Where visitors count once per opening session, a visit reads as a
    // visitor of that session: say so next to the figures.
    let per_session_note = move || {
        let names: Vec<String> = places.with(|p| {
            p.iter()
                .filter(|p| p.data.count_rule == labblogg_shared::model::CountRule::OncePerSession)
                .map(|p| p.data.name.clone())
                .collect()
        });
        (!names.is_empty()).then(|| view! {
            <p class="muted" data-testid="report-count-rule">{t!(i18n, report_count_rule, places = names.join(", "))}</p>
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
        let lab_data = lab_record.get_untracked();
        let data = crate::prefill::example_from_report(&r, lab_data.as_ref());
        crate::nav::open_prefilled(crate::context::Prefill::Example { lab, data });
    };

    view! {
        <section class="card report" data-testid="lab-report" class:with-appendix=move || appendix.get()>
            <div class="list-head no-print">
                <button class="secondary" data-testid="back-to-overview" on:click=move |_| crate::nav::open(crate::nav::Page::Overview)>{t!(i18n, back)}</button>
                <div class="row">
                    <button class="secondary" data-testid="share-as-example" on:click=share_as_example>{t!(i18n, kb_share_as_example)}</button>
                    <button class="secondary" data-testid="export-json" on:click=export_json>{t!(i18n, export_json)}</button>
                    <button class="secondary" data-testid="year-report-open" on:click=move |_| crate::nav::open_year_report(Some(lab))>{t!(i18n, year_report_title)}</button>
                    <button class="primary" data-testid="print-report" on:click=move |_| { if let Some(w) = web_sys::window() { let _ = w.print(); } }>{t!(i18n, print_steering)}</button>
                </div>
            </div>
            <div class="row no-print">
                <div class="field"><label for="report-from">{t!(i18n, from_date)}</label><input id="report-from" type="date" data-testid="report-from" bind:value=from/></div>
                <div class="field"><label for="report-to">{t!(i18n, to_date)}</label><input id="report-to" type="date" data-testid="report-to" bind:value=to/></div>
                <label class="toggle"><input type="checkbox" data-testid="report-appendix" bind:checked=appendix/>
                    <span>{t!(i18n, report_appendix_choice)}</span></label>
            </div>
            {move || review.get().map(|month| view! {
                <div class="no-print">
                    <crate::components::approval::ApprovalPanel lab=lab month=month ds=ds on_close=Callback::new(move |_| review.set(None))/>
                </div>
            })}
            {move || {
                if !engine.data_complete() {
                    return view! { <FirstSyncProgress/> }.into_any();
                }
                let Some(r) = report.get() else {
                    return view! { <p class="muted">{t!(i18n, loading)}</p> }.into_any();
                };
                let en = english();
                let lab_data = lab_record.get();
                let organisation = lab_data.as_ref().map(|l| l.organisation.clone()).unwrap_or_default();
                let city = lab_data.as_ref().map(|l| l.city.clone()).unwrap_or_default();
                let question = lab_data.as_ref().map(|l| l.question.clone()).unwrap_or_default();
                let focus = lab_data
                    .as_ref()
                    .map(|l| l.focus_areas.iter().map(|f| focus_label(*f, en)).collect::<Vec<_>>().join(", "))
                    .unwrap_or_default();
                let period_text = format!("{} – {}", format::date(&r.period.from, en), format::date(&r.period.to, en));
                let printed = format::date(&clock::today(), en);
                let header = format!("{organisation} · {} · {period_text} · {} {printed}", r.name, t_string!(i18n, report_printed));
                browser::set_print_header(Some(&header));
                let bands: Vec<labblogg_shared::AgeBand> = {
                    let mut b: Vec<_> = r.visits_per_week.iter().flat_map(|(_, v)| v.iter().map(|(b, _)| *b)).collect();
                    b.sort();
                    b.dedup();
                    b
                };
                let labels = week_labels(&r.visits_per_week.iter().map(|(w, _)| w.clone()).collect::<Vec<_>>(), en);
                let columns = r
                    .visits_per_week
                    .iter()
                    .zip(labels)
                    .map(|((_, v), label)| (label, bands.iter().map(|b| v.iter().find(|(x, _)| x == b).map_or(0, |(_, n)| *n)).collect()))
                    .collect::<Vec<_>>();
                let month_names = month_labels(&r.participants_per_month.iter().map(|(m, _)| m.clone()).collect::<Vec<_>>(), en);
                let months = r.participants_per_month.iter().zip(month_names).map(|((_, n), label)| (label, vec![*n])).collect::<Vec<_>>();
                let running_word = t_string!(i18n, goal_running).to_string();
                let place_list = places.get();
                let chart_text = GoalChartText {
                    values: t_string!(i18n, chart_values).to_string(),
                    running: running_word.clone(),
                    trend: t_string!(i18n, chart_trend).to_string(),
                    baseline: t_string!(i18n, goal_baseline).to_string(),
                    target: t_string!(i18n, goal_target).to_string(),
                    deadline: t_string!(i18n, goal_deadline).to_string(),
                    date: t_string!(i18n, date).to_string(),
                };
                let goal_rows = r.goals.iter().map(|g| {
                    let (class, verdict) = crate::goal_text::verdict(g, en);
                    let n = |v: f64| format::decimal(v, 1, en);
                    let baseline = match &g.baseline_date {
                        Some(d) => format!("{} ({})", n(g.baseline), format::date_short(d, en)),
                        None => n(g.baseline),
                    };
                    let latest = crate::goal_text::latest_text(g, en, &running_word);
                    let projection = match (&g.projected_date, &g.trend_line) {
                        _ if g.retired => "–".into(),
                        (Some(d), _) => format!("{} {}", t_string!(i18n, projected), format::date_short(d, en)),
                        (None, Some(l)) => format!("{} {}", n(l[1].1), t_string!(i18n, goal_at_deadline)),
                        _ => "–".into(),
                    };
                    view! {
                        <tr class=format!("goal-row {class}") data-testid="report-goal-row">
                            <th scope="row">{g.title.clone()}
                                <div class="muted small">{crate::goal_text::source_sentence(g.source.as_ref(), &place_list, en)}</div></th>
                            <td>{baseline}</td>
                            <td>{latest}{g.latest_flagged.then(|| view! {
                                <span class="flag-mark" data-testid="goal-latest-flagged">" ("{t!(i18n, latest_flagged)}")"</span>
                            })}</td>
                            <td>{format!("{} {} ({})", n(g.target), g.unit, format::date_short(&g.target_date, en))}</td>
                            <td class="verdict">{verdict}</td>
                            <td>{projection}</td>
                        </tr>
                    }
                }).collect_view();
                let goal_charts = r.goals.iter().filter(|g| !g.retired && (!g.points.is_empty() || g.running.is_some())).map(|g| {
                    let (class, verdict) = crate::goal_text::verdict(g, en);
                    view! {
                        <div class=format!("goal-line {class}")>
                            <GoalChart caption=format!("{} ({}) — {verdict}", g.title, g.unit) points=g.points.clone() running=g.running.clone()
                                baseline=g.baseline baseline_date=g.baseline_date.clone() target=g.target target_date=g.target_date.clone()
                                trend_line=g.trend_line.clone() unit=g.unit.clone() text=chart_text.clone() english=en testid="chart-goal"/>
                        </div>
                    }
                }).collect_view();
                view! {
                    // What the top of every printed page says (`browser::set_print_header`).
                    <div class="print-header" data-testid="report-print-header" hidden>{header}</div>
                    <header class="report-head">
                        <h1>{r.name.clone()}</h1>
                        <p class="report-meta" data-testid="report-meta">
                            <span>{organisation.clone()}{(!city.is_empty()).then(|| format!(", {city}"))}</span>
                            " · "<span data-testid="report-period">{period_text.clone()}</span>
                            " · "<span>{t!(i18n, report_printed)}" "{printed.clone()}</span>
                        </p>
                        {(!question.is_empty()).then(|| view! { <p class="report-question"><strong>{t!(i18n, admin_lab_question)}": "</strong>{question.clone()}</p> })}
                        {(!focus.is_empty()).then(|| view! { <p class="muted">{t!(i18n, admin_lab_focus)}": "{focus.clone()}</p> })}
                    </header>
                    {per_session_note()}
                    <h2>{t!(i18n, goals_title)}</h2>
                    <p class="muted small">{crate::goal_text::verdict_rule(en)}</p>
                    <div class="table-wrap" tabindex="0" role="region" aria-label=move || t_string!(i18n, goals_title).to_string()>
                        <table class="data goal-table" data-testid="report-goal-table">
                            <thead><tr>
                                <th scope="col">{t!(i18n, goal_col_goal)}</th>
                                <th scope="col">{t!(i18n, goal_baseline)}</th>
                                <th scope="col">{t!(i18n, goal_latest)}</th>
                                <th scope="col">{t!(i18n, goal_target)}</th>
                                <th scope="col">{t!(i18n, goal_col_verdict)}</th>
                                <th scope="col">{t!(i18n, goal_col_projection)}</th>
                            </tr></thead>
                            <tbody>{goal_rows}</tbody>
                        </table>
                    </div>
                    <h2>{t!(i18n, report_figures)}</h2>
                    <dl class="figures">
                        <div><dt>{t!(i18n, visits_total)}</dt><dd data-testid="report-visits-total">{format::integer(r.visits_total as i64, en)}</dd></div>
                        <div><dt>{t!(i18n, first_time_visits)}</dt><dd>{format::integer(r.first_visits as i64, en)}</dd></div>
                        <div><dt>{t!(i18n, returning_visits)}</dt><dd>{format::integer(r.returning_visits as i64, en)}</dd></div>
                        <div><dt>{t!(i18n, visits_per_opening_hour)}</dt><dd>{r.visits_per_opening_hour.map(|v| format::decimal(v, 1, en)).unwrap_or_else(|| "–".into())}</dd></div>
                        <div><dt>{t!(i18n, reach_per_1000)}</dt><dd data-testid="report-reach">{r.reach_per_1000.map(|v| format::decimal(v, 1, en)).unwrap_or_else(|| "–".into())}</dd></div>
                        <div><dt>{t!(i18n, first_visitors_per_1000)}</dt><dd data-testid="report-first-visitors">{r.first_visitors_per_1000.map(|v| format::decimal(v, 1, en)).unwrap_or_else(|| "–".into())}</dd></div>
                    </dl>
                    <p class="muted small" data-testid="report-reach-note">{t!(i18n, reach_explained)}</p>
                    // On screen: the values to follow up, each month with its approval and
                    // completeness, and the approval step. Printed only with the appendix (the
                    // steering report keeps to two pages).
                    <div class="no-print">
                        {(!r.unconfirmed.is_empty()).then(|| view! {
                            <div class="warning-box" data-testid="report-unconfirmed" data-count=r.unconfirmed.len().to_string()>
                                <p>{unconfirmed_text(r.unconfirmed.len())}</p>
                                <ul data-testid="report-unconfirmed-list">
                                    {r.unconfirmed.iter().map(|f| {
                                        let fields = f.fields.iter().map(|c| crate::components::entry_check::field_label(*c, en)).collect::<Vec<_>>().join(", ");
                                        view! { <li data-testid="report-unconfirmed-item">{format!("{} · {} · {fields}", f.title, format::date(&f.date, en))}</li> }
                                    }).collect_view()}
                                </ul>
                            </div>
                        })}
                        <p class="small" data-testid="report-months-summary">{crate::components::approval::months_summary(&r.months, en)}</p>
                        <crate::components::approval::ReportMonths lab=lab months=r.months.clone() chosen=review/>
                    </div>
                    <StackedBars caption=t_string!(i18n, chart_visits_per_week).to_string()
                        series=bands.iter().map(|b| band_label(*b, en)).collect() columns=columns testid="chart-visits-per-week"
                        y_title=t_string!(i18n, axis_visits).to_string()/>
                    <HeatMap caption=t_string!(i18n, chart_heatmap).to_string() grid=r.heatmap.clone()
                        days=weekdays(en) testid="chart-heatmap"
                        hour_title=t_string!(i18n, axis_hour).to_string() key_title=t_string!(i18n, heatmap_key).to_string()/>
                    <div class="two-col">
                        <HBars caption=t_string!(i18n, chart_activities_by_kind).to_string()
                            items=r.activities_by_kind.iter().map(|(k, n)| (kind_label(*k, en), *n)).collect() testid="chart-activities-by-kind"/>
                        <HBars caption=t_string!(i18n, chart_activities_by_focus).to_string()
                            items=r.activities_by_focus_area.iter().map(|(f, n)| (focus_label(*f, en), *n)).collect() testid="chart-activities-by-focus"/>
                    </div>
                    <div class="two-col">
                        <StackedBars caption=t_string!(i18n, chart_participants_per_month).to_string()
                            series=vec![t_string!(i18n, participants).to_string()]
                            columns=months testid="chart-participants" y_title=t_string!(i18n, participants).to_string()/>
                        <HBars caption=t_string!(i18n, chart_partners_ranked).to_string()
                            items=r.partners_ranked.iter().take(8).map(|(_, name, n)| (name.clone(), *n)).collect() testid="chart-partners"/>
                    </div>
                    <h2>{t!(i18n, questions_lab_title)}</h2>
                    <QuestionTable questions=r.questions.clone() english=en/>
                    <div class="goal-charts">
                        <h2>{t!(i18n, report_goal_charts)}</h2>
                        {goal_charts}
                    </div>
                    <div class="appendix" data-testid="report-appendix-section">
                        <h2>{t!(i18n, report_appendix)}</h2>
                        <div class="print-only" data-testid="report-quality-print">
                            <h3>{t!(i18n, months_title)}</h3>
                            <p>{crate::components::approval::months_summary(&r.months, en)}</p>
                            {(!r.unconfirmed.is_empty()).then(|| view! { <p>{unconfirmed_text(r.unconfirmed.len())}</p> })}
                        </div>
                        <h3 id="report-poll-title">{t!(i18n, poll_results)}</h3>
                        // In a box of its own that scrolls: on a phone the page never does (#16).
                        <div class="table-wrap" tabindex="0" role="region" aria-labelledby="report-poll-title">
                        <table class="data">
                            <thead><tr><th scope="col">{t!(i18n, month)}</th><th scope="col">{t!(i18n, question)}</th>
                                <th scope="col">{t!(i18n, poll_yes)}</th><th scope="col">{t!(i18n, poll_maybe)}</th><th scope="col">{t!(i18n, poll_no)}</th></tr></thead>
                            <tbody>{r.poll_tallies.iter().map(|(m, q, y, mb, n)| view! {
                                <tr><td>{format::month_short(&format!("{m}-01"), en)}</td><td>{crate::labels::poll_label(*q, en)}</td>
                                    <td>{y.to_string()}</td><td>{mb.to_string()}</td><td>{n.to_string()}</td></tr>
                            }).collect_view()}</tbody>
                        </table>
                        </div>
                        <h3>{t!(i18n, lessons_learned)}</h3>
                        <ul class="lessons" data-testid="lessons">
                            {r.lessons.iter().take(50).map(|(d, title, text)| view! {
                                <li><span class="muted">{format::date(d, en)}" · "{title.clone()}</span><p>{text.clone()}</p></li>
                            }).collect_view()}
                        </ul>
                    </div>
                }.into_any()
            }}
        </section>
    }
}

#[component]
pub fn Compare() -> impl IntoView {
    let i18n = use_i18n();
    let english = move || i18n.get_locale() == Locale::en;
    let SessionCtx(session) = expect_context::<SessionCtx>();
    let engine = expect_context::<SyncEngine>();
    let (ds, ds_failed) = dataset();
    let today = clock::today();
    let default = last_twelve_months(&today);
    let from = RwSignal::new(default.from);
    let to = RwSignal::new(default.to);
    let focus = RwSignal::new(String::new());
    // Staff see their own lab exactly; for everyone else the comparison is
    // what leaves a lab, protected by the Cell Key Method (docs/PRIVACY.md).
    let disclosure = move || {
        if session.get().is_some_and(|s| s.user.role == Role::Staff) {
            Disclosure::Exact
        } else {
            Disclosure::Protected
        }
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
                let total =
                    (rows.len() > 1).then(|| summary::comparison_total(ds, &labs, &period, focus, d, &clock::today()));
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
        // The period (and the focus area, if one) in the name: two exports never overwrite each other.
        let focus = focus.get_untracked();
        let focus = if focus.is_empty() { String::new() } else { format!("-{focus}") };
        let name = format!("jamforelse-{}--{}{focus}.csv", from.get_untracked(), to.get_untracked());
        let _ = browser::download(&name, "text/csv;charset=utf-8", &csv);
    };
    view! {
        <section class="card">
            {move || ds_failed.get().map(|error| view! { <ReadError what=Reading::Figures error=error/> })}
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
                            <option value=crate::labels::wire(&f)>{move || focus_label(f, english())}</option>
                        }).collect_view()}
                    </select></div>
            </div>
            <Show when=move || !engine.data_complete()>
                <FirstSyncProgress/>
            </Show>
            // Focusable and named, so keyboard users can scroll a wide table.
            <div class="table-wrap" tabindex="0" role="region" aria-label=move || t_string!(i18n, compare_title).to_string()
                hidden=move || !engine.data_complete()>
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
                                    crate::components::approval::of(s.completeness.logged, s.completeness.sessions, en),
                                    crate::components::approval::of(s.completeness.closed, s.completeness.sessions, en),
                                    crate::components::approval::of(s.approved_months.len() as u64, s.months, en),
                                    s.approved_months.iter().map(|m| crate::labels::month_label(m, en)).collect::<Vec<_>>().join(", "),
                                ),
                                Some(s) => ("–".into(), "–".into(), crate::components::approval::of(s.approved_months.len() as u64, s.months, en),
                                    s.approved_months.iter().map(|m| crate::labels::month_label(m, en)).collect::<Vec<_>>().join(", ")),
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
        <crate::components::research_export::ResearchExport ds=ds/>
    }
}
