//! Small SVG charts drawn by the app itself: readable on a tablet, printable,
//! and each with a text alternative (a caption and a visually hidden table).

use leptos::prelude::*;

/// Colours with at least 3:1 contrast against white, distinguishable in print.
pub const PALETTE: [&str; 7] = ["#0b5c4b", "#c25e00", "#3b5bab", "#8a3b8f", "#6b6b00", "#a4161a", "#2f7d95"];

fn max_of(values: impl Iterator<Item = u64>) -> u64 {
    values.max().unwrap_or(0).max(1)
}

/// Vertical bars, stacked by series: `columns` are (label, values per series in `series` order).
#[component]
pub fn StackedBars(
    #[prop(into)] caption: String,
    series: Vec<String>,
    columns: Vec<(String, Vec<u64>)>,
    #[prop(into)] testid: String,
) -> impl IntoView {
    let (w, h, pad_l, pad_b) = (720.0_f64, 240.0_f64, 36.0_f64, 28.0_f64);
    let top = max_of(columns.iter().map(|(_, v)| v.iter().sum::<u64>())) as f64;
    let n = columns.len().max(1) as f64;
    let bw = ((w - pad_l) / n).max(1.0);
    let label_every = ((n / 12.0).ceil() as usize).max(1);
    let bars = columns.iter().enumerate().map(|(i, (label, values))| {
        let x = pad_l + i as f64 * bw;
        let mut y = h - pad_b;
        let segs = values.iter().enumerate().map(|(s, &v)| {
            let hh = (v as f64 / top) * (h - pad_b - 8.0);
            y -= hh;
            view! { <rect x=format!("{:.1}", x + 1.0) y=format!("{y:.1}") width=format!("{:.1}", (bw - 2.0).max(0.5)) height=format!("{hh:.1}") fill=PALETTE[s % PALETTE.len()]/> }
        }).collect_view();
        let text = (i % label_every == 0).then(|| view! {
            <text x=format!("{:.1}", x + bw / 2.0) y=format!("{:.1}", h - 8.0) text-anchor="middle" class="axis">{label.clone()}</text>
        });
        view! { <g>{segs}{text}</g> }
    }).collect_view();
    let legend = series.iter().enumerate().map(|(s, name)| view! {
        <span class="legend-item"><span class="swatch" style:background=PALETTE[s % PALETTE.len()]></span>{name.clone()}</span>
    }).collect_view();
    view! {
        <figure class="chart" data-testid=testid>
            <svg viewBox=format!("0 0 {w} {h}") role="img" aria-label=caption.clone()>
                <text x="0" y="12" class="axis">{top.to_string()}</text>
                <line x1=pad_l y1=h - pad_b x2=w y2=h - pad_b class="axis-line"/>
                {bars}
            </svg>
            <figcaption>{caption.clone()}<div class="legend">{legend}</div></figcaption>
            <DataTable caption=caption header=std::iter::once(String::new()).chain(series.clone()).collect()
                rows=columns.iter().map(|(l, v)| std::iter::once(l.clone()).chain(v.iter().map(u64::to_string)).collect()).collect()/>
        </figure>
    }
}

/// Horizontal bars, one per item, longest first as given.
#[component]
pub fn HBars(#[prop(into)] caption: String, items: Vec<(String, u64)>, #[prop(into)] testid: String) -> impl IntoView {
    let top = max_of(items.iter().map(|(_, v)| *v)) as f64;
    let rows = items.iter().map(|(label, v)| {
        let pct = (*v as f64 / top) * 100.0;
        view! {
            <div class="hbar">
                <span class="hbar-label">{label.clone()}</span>
                <span class="hbar-track"><span class="hbar-fill" style:width=format!("{pct:.1}%")></span></span>
                <span class="hbar-value">{v.to_string()}</span>
            </div>
        }
    }).collect_view();
    view! {
        <figure class="chart" data-testid=testid>
            <div class="hbars" role="img" aria-label=caption.clone()>{rows}</div>
            <figcaption>{caption.clone()}</figcaption>
        </figure>
    }
}

/// Weekday × hour heat map; `grid[weekday][hour]`.
#[component]
pub fn HeatMap(#[prop(into)] caption: String, grid: Vec<Vec<u64>>, days: [&'static str; 7], #[prop(into)] testid: String) -> impl IntoView {
    let top = max_of(grid.iter().flat_map(|r| r.iter().copied())) as f64;
    // Show only the hours anything happens in (plus one on each side).
    let used: Vec<usize> = (0..24).filter(|&h| grid.iter().any(|r| r.get(h).copied().unwrap_or(0) > 0)).collect();
    let (first, last) = (used.first().copied().unwrap_or(8).saturating_sub(1), (used.last().copied().unwrap_or(20) + 1).min(23));
    let hours: Vec<usize> = (first..=last).collect();
    let (cw, ch, pad_l, pad_t) = (28.0_f64, 24.0_f64, 44.0_f64, 20.0_f64);
    let w = pad_l + cw * hours.len() as f64;
    let h = pad_t + ch * 7.0;
    let cells = grid.iter().enumerate().map(|(d, row)| {
        let cells = hours.iter().enumerate().map(|(i, &hr)| {
            let v = row.get(hr).copied().unwrap_or(0);
            let a = if v == 0 { 0.0 } else { 0.15 + 0.85 * (v as f64 / top) };
            view! { <rect x=format!("{:.1}", pad_l + i as f64 * cw) y=format!("{:.1}", pad_t + d as f64 * ch) width=cw - 2.0 height=ch - 2.0
                fill="#0b5c4b" fill-opacity=format!("{a:.2}") class="cell"><title>{format!("{} {hr}:00 — {v}", days[d])}</title></rect> }
        }).collect_view();
        view! { <g><text x="0" y=format!("{:.1}", pad_t + d as f64 * ch + 16.0) class="axis">{days[d]}</text>{cells}</g> }
    }).collect_view();
    let hour_labels = hours.iter().enumerate().filter(|(i, _)| i % 2 == 0).map(|(i, &hr)| view! {
        <text x=format!("{:.1}", pad_l + i as f64 * cw + cw / 2.0) y="14" text-anchor="middle" class="axis">{hr.to_string()}</text>
    }).collect_view();
    view! {
        <figure class="chart" data-testid=testid>
            // Never wider than its natural size: a few open hours must not make giant cells.
            <svg viewBox=format!("0 0 {w} {h}") style:max-width=format!("{}px", w * 1.4) role="img" aria-label=caption.clone()>{hour_labels}{cells}</svg>
            <figcaption>{caption.clone()}</figcaption>
            <DataTable caption=caption header=std::iter::once(String::new()).chain(hours.iter().map(|h| format!("{h}:00"))).collect()
                rows=grid.iter().enumerate().map(|(d, r)| std::iter::once(days[d].to_string()).chain(hours.iter().map(|&h| r.get(h).copied().unwrap_or(0).to_string())).collect()).collect()/>
        </figure>
    }
}

/// A goal's measurements as a line, with its baseline and target as dashed lines.
#[component]
pub fn GoalChart(#[prop(into)] caption: String, points: Vec<(String, f64)>, baseline: f64, target: f64, #[prop(into)] testid: String) -> impl IntoView {
    let (w, h, pad) = (720.0_f64, 200.0_f64, 24.0_f64);
    let values = points.iter().map(|(_, v)| *v).chain([baseline, target]);
    let (lo, hi) = values.fold((f64::MAX, f64::MIN), |(lo, hi), v| (lo.min(v), hi.max(v)));
    let span = if hi - lo < f64::EPSILON { 1.0 } else { hi - lo };
    let y = move |v: f64| h - pad - (v - lo) / span * (h - 2.0 * pad);
    let n = points.len().max(2) as f64 - 1.0;
    let path = points.iter().enumerate().map(|(i, (_, v))| format!("{}{:.1},{:.1}", if i == 0 { "M" } else { "L" }, pad + i as f64 / n * (w - 2.0 * pad), y(*v))).collect::<String>();
    view! {
        <figure class="chart" data-testid=testid>
            <svg viewBox=format!("0 0 {w} {h}") role="img" aria-label=caption.clone()>
                <line x1=pad y1=y(baseline) x2=w - pad y2=y(baseline) class="ref baseline"/>
                <line x1=pad y1=y(target) x2=w - pad y2=y(target) class="ref target"/>
                <path d=path class="series"/>
                {points.iter().enumerate().map(|(i, (_, v))| view! {
                    <circle cx=format!("{:.1}", pad + i as f64 / n * (w - 2.0 * pad)) cy=format!("{:.1}", y(*v)) r="3.5" class="point"/>
                }).collect_view()}
            </svg>
            <figcaption>{caption.clone()}</figcaption>
            <DataTable caption=caption header=vec![String::new(), String::new()]
                rows=points.iter().map(|(d, v)| vec![d.clone(), format!("{v}")]).collect()/>
        </figure>
    }
}

/// The chart's figures as a table screen readers can read; hidden on screen.
#[component]
fn DataTable(caption: String, header: Vec<String>, rows: Vec<Vec<String>>) -> impl IntoView {
    view! {
        <table class="sr-only">
            <caption>{caption}</caption>
            <thead><tr>{header.into_iter().map(|h| view! { <th scope="col">{h}</th> }).collect_view()}</tr></thead>
            <tbody>{rows.into_iter().map(|r| view! { <tr>{r.into_iter().map(|c| view! { <td>{c}</td> }).collect_view()}</tr> }).collect_view()}</tbody>
        </table>
    }
}
