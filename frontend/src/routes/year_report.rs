//! The year's report (Årsrapport) for a steering group: one lab's year, or
//! the labs one coordinates together, as the tables of
//! `shared::year_report` in the order a steering group reads them. Computed
//! on the device from its copy (offline like every summary), printable on
//! A4, and downloadable as an .xlsx workbook that the server writes from
//! exactly these tables (`POST /api/v1/report/xlsx`, online only). Several
//! labs together are figures beyond a lab: protected by the Cell Key Method.

use crate::components::loading::FirstSyncProgress;
use crate::components::read_error::{ReadError, Reading};
use crate::context::SessionCtx;
use crate::data::dataset;
use crate::i18n::*;
use crate::sync::SyncEngine;
use crate::{api, browser, clock};
use labblogg_shared::year_report::{self, Cell};
use leptos::prelude::*;
use leptos::task::spawn_local;
use uuid::Uuid;

/// What a test compares with the workbook: the number, or the date, in a cell.
fn data_value(c: &Cell) -> String {
    match c {
        Cell::Int(n) => n.to_string(),
        Cell::Dec(x) | Cell::Pct(x) => x.to_string(),
        Cell::Date(d) => d.clone(),
        Cell::Month(m) => m.clone(),
        Cell::Text(_) | Cell::Empty => String::new(),
    }
}

#[component]
pub fn YearReport() -> impl IntoView {
    let i18n = use_i18n();
    let engine = expect_context::<SyncEngine>();
    let SessionCtx(session) = expect_context::<SessionCtx>();
    // `?labb=<id>`: the lab whose year opens (a lab report's "Årsrapport"); without it, the labs together.
    let query = leptos_router::hooks::use_query_map();
    let chosen = move || query.with(|q| q.get("labb").and_then(|l| Uuid::parse_str(&l).ok()));
    let (ds, ds_failed) = dataset();
    let user_labs = move || session.get().map(|s| s.user.labs).unwrap_or_default();
    // Together: the labs one coordinates (all one's labs if none).
    let together = move || {
        let own = crate::session::coordinated_labs(session);
        if own.is_empty() {
            user_labs()
        } else {
            own
        }
    };
    let initial_scope = move || match chosen() {
        Some(l) => l.to_string(),
        None if together().len() > 1 => "all".to_owned(),
        None => user_labs().first().map(|l| l.to_string()).unwrap_or_default(),
    };
    let scope = RwSignal::new(initial_scope());
    // Another lab's "Årsrapport" (or the header's) while this screen is open: the screen stays, the scope follows.
    Effect::new(move |prev: Option<()>| {
        let wanted = initial_scope();
        if prev.is_some() {
            scope.set(wanted);
        }
    });
    let this_year: i32 = clock::today()[..4].parse().unwrap_or(2026);
    let year = RwSignal::new(this_year.to_string());
    let notice = RwSignal::new(None::<String>);
    let error = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let report = Memo::new(move |_| {
        let labs: Vec<Uuid> = match scope.get().as_str() {
            "all" => together(),
            s => Uuid::parse_str(s).ok().into_iter().collect(),
        };
        let y: i32 = year.get().parse().unwrap_or(this_year);
        ds.with(|d| d.as_ref().and_then(|d| year_report::year_report(d, &labs, y, &clock::today())))
    });
    let names = Memo::new(move |_| {
        ds.with(|d| {
            d.as_ref()
                .map(|d| d.labs.iter().map(|l| (l.id, l.data.name.clone())).collect::<Vec<_>>())
                .unwrap_or_default()
        })
    });
    on_cleanup(|| browser::set_print_header(None));

    let download = move |_| {
        let Some(r) = report.get_untracked() else { return };
        let Some(token) = session.with_untracked(|s| s.as_ref().map(|s| s.token.clone())) else { return };
        busy.set(true);
        notice.set(None);
        error.set(None);
        spawn_local(async move {
            match api::report_xlsx(&token, &r).await {
                Ok(bytes) => match browser::download_bytes(&r.file_name(), XLSX_MIME, &bytes) {
                    Ok(()) => {
                        notice.set(Some(t_string!(i18n, year_report_xlsx_done, name = r.file_name()).to_string()))
                    }
                    Err(e) => error.set(Some(e)),
                },
                Err(api::ApiError::Offline) => error.set(Some(t_string!(i18n, year_report_xlsx_offline).to_string())),
                Err(e) => error.set(Some(e.to_string())),
            }
            busy.set(false);
        });
    };

    view! {
        <section class="card report year-report" data-testid="year-report">
            {move || ds_failed.get().map(|error| view! { <ReadError what=Reading::Figures error=error/> })}
            <div class="list-head no-print">
                <h1>{t!(i18n, year_report_title)}</h1>
                <div class="row">
                    <button class="secondary" data-testid="year-report-xlsx" disabled=move || busy.get() || report.with(Option::is_none)
                        on:click=download>{t!(i18n, year_report_xlsx)}</button>
                    <button class="primary" data-testid="year-report-print"
                        on:click=move |_| { if let Some(w) = web_sys::window() { let _ = w.print(); } }>{t!(i18n, print)}</button>
                </div>
            </div>
            <p class="muted no-print">{t!(i18n, year_report_hint)}</p>
            <div class="row no-print">
                <div class="field"><label for="year-report-scope">{t!(i18n, year_report_scope)}</label>
                    <select id="year-report-scope" data-testid="year-report-scope" bind:value=scope>
                        {move || (together().len() > 1).then(|| view! { <option value="all">{t!(i18n, year_report_all_labs)}</option> })}
                        {move || {
                            let names = names.get();
                            user_labs().into_iter().map(|l| {
                                let name = names.iter().find(|(id, _)| *id == l).map_or_else(|| l.to_string(), |(_, n)| n.clone());
                                view! { <option value=l.to_string() selected=move || scope.get() == l.to_string()>{name}</option> }
                            }).collect_view()
                        }}
                    </select></div>
                <div class="field"><label for="year-report-year">{t!(i18n, year_report_year)}</label>
                    <select id="year-report-year" data-testid="year-report-year" bind:value=year>
                        {(0..4).map(|i| { let y = (this_year - i).to_string(); view! { <option value=y.clone()>{y.clone()}</option> } }).collect_view()}
                    </select></div>
            </div>
            <p class="notice no-print" role="status" data-testid="year-report-notice" hidden=move || notice.get().is_none()>{move || notice.get().unwrap_or_default()}</p>
            {move || error.get().map(|e| view! { <p class="error no-print" role="alert" data-testid="year-report-error">{e}</p> })}
            {move || {
                if !engine.data_complete() {
                    return view! { <FirstSyncProgress/> }.into_any();
                }
                let Some(r) = report.get() else {
                    return view! { <p class="muted">{t!(i18n, loading)}</p> }.into_any();
                };
                let header = format!("{} · {} · {} – {} · {} {}", r.organisation, r.title, r.period.from, r.period.to, t_string!(i18n, report_printed), r.made_on);
                browser::set_print_header(Some(&header));
                view! {
                    <div class="print-header" data-testid="report-print-header" hidden>{header}</div>
                    <header class="report-head">
                        <h1 data-testid="year-report-heading">{r.title.clone()}</h1>
                        <p class="report-meta" data-testid="year-report-meta">
                            <span>{r.organisation.clone()}</span>" · "<span>{r.labs.join(", ")}</span>" · "
                            <span>{format!("{} – {}", r.period.from, r.period.to)}</span>" · "<span>{t!(i18n, report_printed)}" "{r.made_on.clone()}</span>
                        </p>
                        {r.protected.then(|| view! { <p class="notice" data-testid="year-report-protected">{year_report::PROTECTED_NOTE_SV}</p> })}
                    </header>
                    {r.tables.into_iter().map(|t| view! {
                        <section class="year-table" data-testid="year-table-section" data-sheet=t.sheet.clone()>
                            <h2>{t.title.clone()}</h2>
                            <div class="table-wrap" tabindex="0" role="region" aria-label=t.title.clone()>
                                <table class="data" data-testid="year-table" data-sheet=t.sheet.clone()>
                                    <thead><tr>{t.columns.iter().map(|c| view! { <th scope="col">{c.heading.clone()}</th> }).collect_view()}</tr></thead>
                                    <tbody>
                                        {t.rows.iter().map(|row| view! {
                                            <tr>{row.iter().map(|c| {
                                                let numeric = c.number().is_some();
                                                view! { <td class:num=numeric data-value=data_value(c)>{c.display_sv()}</td> }
                                            }).collect_view()}</tr>
                                        }).collect_view()}
                                    </tbody>
                                </table>
                            </div>
                            {(!t.note.is_empty()).then(|| view! { <p class="muted small">{t.note.clone()}</p> })}
                            {t.rows.is_empty().then(|| view! { <p class="muted small">{t!(i18n, year_report_empty_table)}</p> })}
                        </section>
                    }).collect_view()}
                }.into_any()
            }}
        </section>
    }
}

/// The workbook's media type.
pub const XLSX_MIME: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
