//! The anonymised research export (forskningsexport), for coordinators and
//! the follow-up researcher: choose a period and labs, download CSV for
//! Swedish Excel or JSON. Computed on the device from the synced copy with
//! `labblogg_shared::summary::research_export` (the function behind
//! `GET /api/v1/summary?kind=research`), so it works offline; every count
//! under 5 is "<5", and no free text or record id leaves the device.

use crate::context::SessionCtx;
use crate::i18n::*;
use crate::labels::band_label;
use crate::labels::kind_label;
use crate::{api, browser, clock};
use labblogg_shared::auth::Role;
use labblogg_shared::summary::{self, Dataset, Period, ResearchRow};
use leptos::prelude::*;
use leptos::task::spawn_local;
use uuid::Uuid;

/// Rows previewed on screen; the files hold them all.
const PREVIEW_ROWS: usize = 8;

#[component]
pub fn ResearchExport(ds: LocalResource<Dataset>) -> impl IntoView {
    let SessionCtx(session) = expect_context::<SessionCtx>();
    let i18n = use_i18n();
    let english = move || i18n.get_locale() == Locale::en;
    let today = clock::today();
    let default = Period::last_twelve_months(&today).unwrap_or_else(|| Period::new(today.clone(), today.clone()));
    let from = RwSignal::new(default.from);
    let to = RwSignal::new(default.to);
    // Labs left out of the export; every lab of the user is in by default.
    let left_out = RwSignal::new(Vec::<Uuid>::new());
    let error = RwSignal::new(None::<String>);
    // Only what each lab's coordinator has approved (`labblogg_shared::approval`).
    let approved_only = RwSignal::new(false);

    let labs = Memo::new(move |_| {
        let mine = session.with(|s| s.as_ref().map(|s| s.user.labs.clone()).unwrap_or_default());
        ds.with(|d| {
            d.as_ref()
                .map(|d| {
                    d.labs
                        .iter()
                        .filter(|l| mine.contains(&l.id))
                        .map(|l| (l.id, l.data.name.clone()))
                        .collect::<Vec<_>>()
                })
                .unwrap_or_default()
        })
    });
    let chosen = move || {
        let out = left_out.get();
        labs.get().into_iter().map(|(id, _)| id).filter(|id| !out.contains(id)).collect::<Vec<_>>()
    };
    let period = move || Period { from: from.get(), to: to.get() };
    let rows = Memo::new(move |_| {
        let (labs, period) = (chosen(), period());
        if labs.is_empty() || period.days().is_none() {
            return Vec::<ResearchRow>::new();
        }
        let only = approved_only.get();
        ds.with(|d| {
            d.as_ref()
                .map(|d| {
                    if only {
                        summary::research_export(&labblogg_shared::approval::only_approved(d), &labs, &period)
                    } else {
                        summary::research_export(d, &labs, &period)
                    }
                })
                .unwrap_or_default()
        })
    });
    let problem = move || {
        if chosen().is_empty() {
            Some(t_string!(i18n, research_choose_lab).to_string())
        } else if period().days().is_none() {
            Some(t_string!(i18n, research_bad_period).to_string())
        } else {
            None
        }
    };

    // Researchers hold no records on the device: their export is computed
    // by the server over every lab (the same function), online only.
    let researcher = move || session.with(|s| s.as_ref().is_some_and(|s| s.user.role == Role::Researcher));
    let from_server = move |csv: bool| {
        let p = period();
        if p.days().is_none() {
            return error.set(Some(t_string!(i18n, research_bad_period).to_string()));
        }
        let Some(token) = session.with_untracked(|s| s.as_ref().map(|s| s.token.clone())) else { return };
        error.set(None);
        spawn_local(async move {
            let (name, mime) = if csv { ("csv", "text/csv;charset=utf-8") } else { ("json", "application/json") };
            let result = match api::research_export(&token, &p.from, &p.to, csv, approved_only.get_untracked()).await {
                Ok(text) => {
                    browser::download(&format!("labblogg-forskningsexport-{}-{}.{name}", p.from, p.to), mime, &text)
                }
                Err(e) => Err(e.to_string()),
            };
            error.set(result.err().map(|e| t_string!(i18n, research_export_fetch_failed, error = e).to_string()));
        });
    };

    let download = move |csv: bool| {
        if researcher() {
            return from_server(csv);
        }
        if let Some(p) = problem() {
            return error.set(Some(p));
        }
        let p = period();
        let list = rows.get_untracked();
        let result = if csv {
            browser::download(
                &format!("labblogg-forskningsexport-{}-{}.csv", p.from, p.to),
                "text/csv;charset=utf-8",
                &summary::research_csv(&list),
            )
        } else {
            serde_json::to_string_pretty(&list).map_err(|e| e.to_string()).and_then(|json| {
                browser::download(
                    &format!("labblogg-forskningsexport-{}-{}.json", p.from, p.to),
                    "application/json",
                    &json,
                )
            })
        };
        error.set(result.err().map(|e| t_string!(i18n, research_export_file_failed, error = e).to_string()));
    };

    let subject = move |r: &ResearchRow| match (r.age_band, r.activity_kind) {
        (Some(b), _) => band_label(b, english()),
        (_, Some(k)) => kind_label(k, english()),
        _ => String::new(),
    };

    view! {
        <section class="card research" data-testid="research-export" aria-labelledby="research-title">
            <h2 id="research-title">{t!(i18n, research_title)}</h2>
            <p class="muted">{t!(i18n, research_hint)}</p>
            <div class="row">
                <div class="field"><label for="research-from">{t!(i18n, from_date)}</label>
                    <input id="research-from" type="date" data-testid="research-from" bind:value=from/></div>
                <div class="field"><label for="research-to">{t!(i18n, to_date)}</label>
                    <input id="research-to" type="date" data-testid="research-to" bind:value=to/></div>
            </div>
            <label class="toggle">
                <input type="checkbox" data-testid="research-approved-only" bind:checked=approved_only/>
                <span>{t!(i18n, research_approved_only)}</span>
            </label>
            <Show when=researcher>
                <p class="notice" data-testid="research-from-server">{t!(i18n, research_server)}</p>
            </Show>
            <fieldset hidden=researcher>
                <legend>{t!(i18n, research_labs)}</legend>
                <div class="chips">
                    {move || labs.get().into_iter().map(|(lab, name)| view! {
                        <label class="chip">
                            <input type="checkbox" data-testid="research-lab" value=lab.to_string()
                                prop:checked=move || left_out.with(|o| !o.contains(&lab))
                                on:change=move |_| {
                                    error.set(None);
                                    left_out.update(|o| if let Some(i) = o.iter().position(|l| *l == lab) { o.remove(i); } else { o.push(lab); })
                                }/>
                            {name}
                        </label>
                    }).collect_view()}
                </div>
            </fieldset>
            <p role="status" data-testid="research-rows" data-rows=move || rows.get().len().to_string() hidden=researcher>
                {move || problem().unwrap_or_else(|| t_string!(i18n, research_rows, n = rows.get().len()).to_string())}
            </p>
            <div class="row">
                <button type="button" class="primary" data-testid="research-csv" on:click=move |_| download(true)>{t!(i18n, research_csv)}</button>
                <button type="button" class="secondary" data-testid="research-json" on:click=move |_| download(false)>{t!(i18n, research_json)}</button>
            </div>
            {move || error.get().map(|e| view! { <p class="error" role="alert">{e}</p> })}
            <Show when=move || !rows.get().is_empty()>
                <div class="table-wrap" tabindex="0" role="region" aria-label=move || t_string!(i18n, research_title).to_string()>
                    <table class="data" data-testid="research-preview">
                        <thead><tr>
                            <th scope="col">{t!(i18n, lab)}</th><th scope="col">{t!(i18n, research_week)}</th><th scope="col">{t!(i18n, research_group)}</th>
                            <th scope="col">{t!(i18n, visits_total)}</th><th scope="col">{t!(i18n, first_time_visits)}</th>
                            <th scope="col">{t!(i18n, nav_activities)}</th><th scope="col">{t!(i18n, participants)}</th>
                        </tr></thead>
                        <tbody>
                            {move || rows.get().into_iter().take(PREVIEW_ROWS).map(|r| {
                                let visit_row = r.age_band.is_some();
                                let cell = move |applies: bool, n: u64| if applies { n.to_string() } else { String::new() };
                                view! {
                                    <tr>
                                        <td>{r.lab.clone()}</td><td>{r.week.clone()}</td><td>{subject(&r)}</td>
                                        <td>{cell(visit_row, r.visits)}</td><td>{cell(visit_row, r.first_visits)}</td>
                                        <td>{cell(!visit_row, r.activities)}</td><td>{cell(!visit_row, r.participants)}</td>
                                    </tr>
                                }
                            }).collect_view()}
                        </tbody>
                    </table>
                </div>
            </Show>
        </section>
    }
}
