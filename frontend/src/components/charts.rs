//! Small SVG charts drawn by the app itself: readable on a tablet, printable,
//! each with labelled axes, the values where they matter, a legend or colour
//! key, and a text alternative (a caption and a visually hidden table).

use leptos::prelude::*;

/// Colours with at least 3:1 contrast against white, distinguishable in print.
pub const PALETTE: [&str; 7] = ["#0b5c4b", "#c25e00", "#3b5bab", "#8a3b8f", "#6b6b00", "#a4161a", "#2f7d95"];

/// Round numbers for an axis from 0 (or `lo`) to at least `hi`: about `n` steps of 1, 2 or 5 × 10^k.
pub fn nice_ticks(lo: f64, hi: f64, n: usize) -> Vec<f64> {
    let span = (hi - lo).abs().max(1e-9);
    let raw = span / n.max(1) as f64;
    let mag = 10f64.powf(raw.log10().floor());
    let step = [1.0, 2.0, 2.5, 5.0, 10.0].iter().map(|m| m * mag).find(|s| *s >= raw).unwrap_or(10.0 * mag);
    let first = (lo / step).floor() * step;
    let mut ticks = Vec::new();
    let mut t = first;
    while t < hi + step * 0.999 && ticks.len() < 20 {
        ticks.push((t * 1e9).round() / 1e9);
        t += step;
    }
    ticks
}

fn tick_label(v: f64) -> String {
    let s = if v.fract().abs() < 1e-9 { format!("{v:.0}") } else { format!("{v:.1}") };
    let s = s.replace('.', ",");
    // Thousands with a narrow space, as Swedish writes them.
    match s.split_once(',') {
        None if s.trim_start_matches('-').len() > 4 => crate::format::integer(v.round() as i64, false),
        _ => s,
    }
}

/// Every how many bars a bar chart writes its label: about 13 labels at most.
pub fn label_step(bars: usize) -> usize {
    bars.div_ceil(13).max(1)
}

/// Vertical bars, stacked by series: `columns` are (label, values per series
/// in `series` order). A y axis with round ticks and gridlines; each bar's
/// total above it when there are few bars.
#[component]
pub fn StackedBars(
    #[prop(into)] caption: String,
    series: Vec<String>,
    columns: Vec<(String, Vec<u64>)>,
    #[prop(into)] testid: String,
    #[prop(into, optional)] y_title: String,
) -> impl IntoView {
    let (w, h, pad_l, pad_b, pad_t) = (720.0_f64, 250.0_f64, 48.0_f64, 30.0_f64, 18.0_f64);
    let max = columns.iter().map(|(_, v)| v.iter().sum::<u64>()).max().unwrap_or(0).max(1) as f64;
    let ticks = nice_ticks(0.0, max, 4);
    let top = ticks.last().copied().unwrap_or(max).max(max);
    let plot_h = h - pad_b - pad_t;
    let y = move |v: f64| h - pad_b - v / top * plot_h;
    let n = columns.len().max(1) as f64;
    let bw = ((w - pad_l) / n).max(1.0);
    let label_every = label_step(columns.len());
    let show_totals = columns.len() <= 16;
    let grid = ticks.iter().map(|&t| view! {
        <g>
            <line x1=pad_l y1=format!("{:.1}", y(t)) x2=w y2=format!("{:.1}", y(t)) class="grid-line"/>
            <text x=format!("{:.1}", pad_l - 6.0) y=format!("{:.1}", y(t) + 4.0) text-anchor="end" class="axis">{tick_label(t)}</text>
        </g>
    }).collect_view();
    let bars = columns.iter().enumerate().map(|(i, (label, values))| {
        let x = pad_l + i as f64 * bw;
        let mut y0 = h - pad_b;
        let segs = values.iter().enumerate().map(|(s, &v)| {
            let hh = (v as f64 / top) * plot_h;
            y0 -= hh;
            view! { <rect x=format!("{:.1}", x + 1.0) y=format!("{y0:.1}") width=format!("{:.1}", (bw - 2.0).max(0.5)) height=format!("{hh:.1}") fill=PALETTE[s % PALETTE.len()]/> }
        }).collect_view();
        let total: u64 = values.iter().sum();
        let total_label = (show_totals && total > 0).then(|| view! {
            <text x=format!("{:.1}", x + bw / 2.0) y=format!("{:.1}", y(total as f64) - 3.0) text-anchor="middle" class="value">{total.to_string()}</text>
        });
        let text = (i % label_every == 0).then(|| view! {
            <text x=format!("{:.1}", x + bw / 2.0) y=format!("{:.1}", h - 10.0) text-anchor="middle" class="axis">{label.clone()}</text>
        });
        view! { <g>{segs}{total_label}{text}</g> }
    }).collect_view();
    let legend = (series.len() > 1).then(|| series.iter().enumerate().map(|(s, name)| view! {
        <span class="legend-item"><span class="swatch" style:background=PALETTE[s % PALETTE.len()]></span>{name.clone()}</span>
    }).collect_view());
    view! {
        <figure class="chart" data-testid=testid>
            <svg viewBox=format!("0 0 {w} {h}") style:--chart-w=format!("{w}px") role="img" aria-label=caption.clone()>
                <text x="0" y="10" class="axis axis-title">{y_title}</text>
                {grid}
                <line x1=pad_l y1=h - pad_b x2=w y2=h - pad_b class="axis-line"/>
                {bars}
            </svg>
            <figcaption>{caption.clone()}<div class="legend">{legend}</div></figcaption>
            <DataTable caption=caption header=std::iter::once(String::new()).chain(series.clone()).collect()
                rows=columns.iter().map(|(l, v)| std::iter::once(l.clone()).chain(v.iter().map(u64::to_string)).collect()).collect()/>
        </figure>
    }
}

/// Horizontal bars, one per item, longest first as given, each with its value.
#[component]
pub fn HBars(#[prop(into)] caption: String, items: Vec<(String, u64)>, #[prop(into)] testid: String) -> impl IntoView {
    let top = items.iter().map(|(_, v)| *v).max().unwrap_or(0).max(1) as f64;
    let rows = items
        .iter()
        .map(|(label, v)| {
            let pct = (*v as f64 / top) * 100.0;
            view! {
                <div class="hbar">
                    <span class="hbar-label">{label.clone()}</span>
                    <span class="hbar-track"><span class="hbar-fill" style:width=format!("{pct:.1}%")></span></span>
                    <span class="hbar-value">{v.to_string()}</span>
                </div>
            }
        })
        .collect_view();
    view! {
        <figure class="chart" data-testid=testid>
            <div class="hbars" role="img" aria-label=caption.clone()>{rows}</div>
            <figcaption>{caption.clone()}</figcaption>
        </figure>
    }
}

/// The fill opacity of a heat-map cell of `v` visits when the busiest has `top`.
fn heat(v: u64, top: f64) -> f64 {
    if v == 0 {
        0.0
    } else {
        0.15 + 0.85 * (v as f64 / top)
    }
}

/// Weekday × hour heat map; `grid[weekday][hour]`, with a colour key.
#[component]
pub fn HeatMap(
    #[prop(into)] caption: String,
    grid: Vec<Vec<u64>>,
    days: [&'static str; 7],
    #[prop(into)] testid: String,
    #[prop(into)] hour_title: String,
    #[prop(into)] key_title: String,
) -> impl IntoView {
    let top_n = grid.iter().flat_map(|r| r.iter().copied()).max().unwrap_or(0);
    let top = top_n.max(1) as f64;
    // Show only the hours anything happens in (plus one on each side).
    let used: Vec<usize> = (0..24).filter(|&h| grid.iter().any(|r| r.get(h).copied().unwrap_or(0) > 0)).collect();
    let (first, last) =
        (used.first().copied().unwrap_or(8).saturating_sub(1), (used.last().copied().unwrap_or(20) + 1).min(23));
    let hours: Vec<usize> = (first..=last).collect();
    let (cw, ch, pad_l, pad_t) = (28.0_f64, 22.0_f64, 44.0_f64, 30.0_f64);
    let w = pad_l + cw * hours.len() as f64;
    let h = pad_t + ch * 7.0;
    let cells = grid.iter().enumerate().map(|(d, row)| {
        let cells = hours.iter().enumerate().map(|(i, &hr)| {
            let v = row.get(hr).copied().unwrap_or(0);
            view! { <rect x=format!("{:.1}", pad_l + i as f64 * cw) y=format!("{:.1}", pad_t + d as f64 * ch) width=cw - 2.0 height=ch - 2.0
                fill="#0b5c4b" fill-opacity=format!("{:.2}", heat(v, top)) class="cell"><title>{format!("{} {hr}:00 — {v}", days[d])}</title></rect> }
        }).collect_view();
        view! { <g><text x="0" y=format!("{:.1}", pad_t + d as f64 * ch + 15.0) class="axis">{days[d]}</text>{cells}</g> }
    }).collect_view();
    let hour_labels = hours.iter().enumerate().filter(|(i, _)| i % 2 == 0).map(|(i, &hr)| view! {
        <text x=format!("{:.1}", pad_l + i as f64 * cw + cw / 2.0) y="26" text-anchor="middle" class="axis">{hr.to_string()}</text>
    }).collect_view();
    // The key: five steps from the quietest to the busiest hour.
    let steps: Vec<u64> =
        if top_n == 0 { vec![0] } else { (0..5).map(|i| (top_n * i / 4).max(if i == 0 { 0 } else { 1 })).collect() };
    let mut steps = steps;
    steps.dedup();
    let key = steps.iter().map(|&v| view! {
        <span class="legend-item"><span class="swatch heat-swatch" style:opacity=format!("{:.2}", heat(v, top).max(0.06))></span>{v.to_string()}</span>
    }).collect_view();
    view! {
        <figure class="chart" data-testid=testid>
            // Never wider than its natural size: a few open hours must not make giant cells.
            <svg viewBox=format!("0 0 {w} {h}") style:max-width=format!("{}px", w * 1.4) style:--chart-w=format!("{w}px") role="img" aria-label=caption.clone()>
                <text x=pad_l y="10" class="axis axis-title">{hour_title}</text>
                {hour_labels}{cells}
            </svg>
            <figcaption>{caption.clone()}
                <div class="legend heat-key" data-testid="heatmap-key"><span>{key_title}": "</span>{key}</div>
            </figcaption>
            <DataTable caption=caption header=std::iter::once(String::new()).chain(hours.iter().map(|h| format!("{h}:00"))).collect()
                rows=grid.iter().enumerate().map(|(d, r)| std::iter::once(days[d].to_string()).chain(hours.iter().map(|&h| r.get(h).copied().unwrap_or(0).to_string())).collect()).collect()/>
        </figure>
    }
}

/// What a goal chart's marks are called, in the reader's language.
#[derive(Debug, Clone, PartialEq)]
pub struct GoalChartText {
    pub values: String,
    pub running: String,
    pub trend: String,
    pub baseline: String,
    pub target: String,
    pub deadline: String,
    pub date: String,
}

/// A goal over time: its values (measurements, or a source's values per
/// period) as a line on a date axis, the period under way as an open dot,
/// the baseline and the target as named dashed lines, the deadline as a
/// named vertical line and the trend projected to it; a y axis in the
/// goal's unit with round ticks.
#[component]
#[allow(clippy::too_many_arguments)]
pub fn GoalChart(
    #[prop(into)] caption: String,
    /// (date, value), in date order.
    points: Vec<(String, f64)>,
    running: Option<(String, f64)>,
    baseline: f64,
    baseline_date: Option<String>,
    target: f64,
    target_date: String,
    trend_line: Option<[(String, f64); 2]>,
    #[prop(into)] unit: String,
    text: GoalChartText,
    english: bool,
    #[prop(into)] testid: String,
) -> impl IntoView {
    use labblogg_shared::calendar::day_of;
    let (w, h, pad_l, pad_r, pad_t, pad_b) = (720.0_f64, 250.0_f64, 56.0_f64, 118.0_f64, 22.0_f64, 34.0_f64);
    let mut days: Vec<i64> = points.iter().filter_map(|(d, _)| day_of(d)).collect();
    days.extend(running.iter().filter_map(|(d, _)| day_of(d)));
    days.extend(baseline_date.as_deref().and_then(day_of));
    days.extend(day_of(&target_date));
    let x_lo = days.iter().copied().min().unwrap_or(0);
    let x_hi = days.iter().copied().max().unwrap_or(x_lo + 1).max(x_lo + 1);
    let mut values: Vec<f64> = points.iter().map(|p| p.1).chain([baseline, target]).collect();
    values.extend(running.iter().map(|r| r.1));
    values.extend(trend_line.iter().flat_map(|t| [t[0].1, t[1].1]));
    let (lo, hi) = values.iter().fold((f64::MAX, f64::MIN), |(lo, hi), v| (lo.min(*v), hi.max(*v)));
    let lo = if lo >= 0.0 && lo < (hi - lo) { 0.0 } else { lo };
    let ticks = nice_ticks(lo, if hi > lo { hi } else { lo + 1.0 }, 4);
    let (y_lo, y_hi) = (ticks.first().copied().unwrap_or(lo), ticks.last().copied().unwrap_or(hi).max(hi));
    let span = (y_hi - y_lo).max(1e-9);
    let plot_w = w - pad_l - pad_r;
    let x = move |day: i64| pad_l + (day - x_lo) as f64 / (x_hi - x_lo) as f64 * plot_w;
    let y = move |v: f64| h - pad_b - (v - y_lo) / span * (h - pad_t - pad_b);
    let xd = move |date: &str| day_of(date).map(x);

    // Date ticks: about five first-of-month dates across the span.
    let months = {
        use labblogg_shared::calendar::{first_day_of_month_index, format_date, month_index};
        let (m0, m1) = (month_index(x_lo), month_index(x_hi));
        let step = (((m1 - m0) as f64 / 5.0).ceil() as i64).max(1);
        (m0 + 1..=m1)
            .step_by(step as usize)
            .map(first_day_of_month_index)
            .map(|d| (d, format_date(d)))
            .collect::<Vec<_>>()
    };
    let x_ticks = months.into_iter().map(|(d, date)| view! {
        <g>
            <line x1=format!("{:.1}", x(d)) y1=h - pad_b x2=format!("{:.1}", x(d)) y2=h - pad_b + 4.0 class="axis-line"/>
            <text x=format!("{:.1}", x(d)) y=format!("{:.1}", h - pad_b + 16.0) text-anchor="middle" class="axis">{crate::format::month_short(&date, english)}</text>
        </g>
    }).collect_view();
    let y_ticks = ticks.iter().map(|&t| view! {
        <g>
            <line x1=pad_l y1=format!("{:.1}", y(t)) x2=w - pad_r y2=format!("{:.1}", y(t)) class="grid-line"/>
            <text x=format!("{:.1}", pad_l - 6.0) y=format!("{:.1}", y(t) + 4.0) text-anchor="end" class="axis">{tick_label(t)}</text>
        </g>
    }).collect_view();
    let path = points
        .iter()
        .filter_map(|(d, v)| Some((xd(d)?, y(*v))))
        .enumerate()
        .map(|(i, (px, py))| format!("{}{px:.1},{py:.1}", if i == 0 { "M" } else { "L" }))
        .collect::<String>();
    let dots = points.iter().filter_map(|(d, v)| Some((xd(d)?, y(*v), *v, d.clone()))).map(|(px, py, v, d)| view! {
        <circle cx=format!("{px:.1}") cy=format!("{py:.1}") r="3.5" class="point"><title>{format!("{d}: {}", tick_label(v))}</title></circle>
    }).collect_view();
    // The latest value, written at its point.
    let last_label = points.last().and_then(|(d, v)| Some((xd(d)?, y(*v), *v))).map(|(px, py, v)| view! {
        <text x=format!("{px:.1}") y=format!("{:.1}", py - 8.0) text-anchor="middle" class="value">{tick_label(v)}</text>
    });
    let running_mark = running.as_ref().and_then(|(d, v)| Some((xd(d)?, y(*v), *v))).map(|(px, py, v)| {
        let label = format!("{} ({})", tick_label(v), text.running);
        view! {
            <g class="running">
                <circle cx=format!("{px:.1}") cy=format!("{py:.1}") r="4.5" class="point-open"/>
                <text x=format!("{px:.1}") y=format!("{:.1}", py + 16.0) text-anchor="middle" class="axis">{label}</text>
            </g>
        }
    });
    let trend = trend_line.as_ref().and_then(|t| Some((xd(&t[0].0)?, y(t[0].1), xd(&t[1].0)?, y(t[1].1), t[1].1))).map(|(x1, y1, x2, y2, end)| view! {
        <g>
            <line x1=format!("{x1:.1}") y1=format!("{y1:.1}") x2=format!("{x2:.1}") y2=format!("{y2:.1}") class="trend"/>
            <circle cx=format!("{x2:.1}") cy=format!("{y2:.1}") r="3" class="trend-end"><title>{tick_label(end)}</title></circle>
        </g>
    });
    let baseline_mark = baseline_date.as_deref().and_then(xd).map(|bx| view! {
        <rect x=format!("{:.1}", bx - 4.0) y=format!("{:.1}", y(baseline) - 4.0) width="8" height="8" class="baseline-mark"/>
    });
    let deadline_x = xd(&target_date);
    let deadline = deadline_x.map(|dx| {
        view! {
            <g>
                <line x1=format!("{dx:.1}") y1=pad_t x2=format!("{dx:.1}") y2=h - pad_b class="ref deadline"/>
                <text x=format!("{dx:.1}") y=format!("{:.1}", pad_t - 6.0) text-anchor="middle" class="axis">
                    {format!("{} {}", text.deadline, crate::format::date_short(&target_date, english))}
                </text>
            </g>
        }
    });
    let right = w - pad_r;
    view! {
        <figure class="chart goal-chart" data-testid=testid>
            <svg viewBox=format!("0 0 {w} {h}") style:--chart-w=format!("{w}px") role="img" aria-label=caption.clone()>
                <text x="0" y="12" class="axis axis-title">{unit.clone()}</text>
                {y_ticks}
                <line x1=pad_l y1=h - pad_b x2=right y2=h - pad_b class="axis-line"/>
                <line x1=pad_l y1=pad_t x2=pad_l y2=h - pad_b class="axis-line"/>
                {x_ticks}
                <text x=format!("{:.1}", pad_l + plot_w / 2.0) y=format!("{:.1}", h - 2.0) text-anchor="middle" class="axis axis-title">{text.date.clone()}</text>
                <line x1=pad_l y1=format!("{:.1}", y(baseline)) x2=right y2=format!("{:.1}", y(baseline)) class="ref baseline"/>
                <text x=format!("{:.1}", right + 4.0) y=format!("{:.1}", y(baseline) + 4.0) class="ref-label baseline">
                    {format!("{} {}", text.baseline, tick_label(baseline))}
                </text>
                <line x1=pad_l y1=format!("{:.1}", y(target)) x2=right y2=format!("{:.1}", y(target)) class="ref target"/>
                <text x=format!("{:.1}", right + 4.0) y=format!("{:.1}", y(target) + 4.0) class="ref-label target">
                    {format!("{} {}", text.target, tick_label(target))}
                </text>
                {deadline}
                {baseline_mark}
                {trend}
                <path d=path class="series"/>
                {dots}
                {last_label}
                {running_mark}
            </svg>
            <figcaption>{caption.clone()}
                <div class="legend">
                    <span class="legend-item"><span class="swatch" style:background="#0b5c4b"></span>{text.values.clone()}</span>
                    {running.is_some().then(|| view! { <span class="legend-item"><span class="swatch swatch-open"></span>{text.running.clone()}</span> })}
                    {trend_line.is_some().then(|| view! { <span class="legend-item"><span class="swatch swatch-trend"></span>{text.trend.clone()}</span> })}
                    <span class="legend-item"><span class="swatch swatch-baseline"></span>{format!("{} ({})", text.baseline, tick_label(baseline))}</span>
                    <span class="legend-item"><span class="swatch swatch-target"></span>{format!("{} ({})", text.target, tick_label(target))}</span>
                </div>
            </figcaption>
            <DataTable caption=caption header=vec![text.date.clone(), unit]
                rows=points.iter().chain(running.iter()).map(|(d, v)| vec![d.clone(), tick_label(*v)]).collect()/>
        </figure>
    }
}

/// The chart's figures as a table screen readers can read; hidden on screen
/// and in print. In a clipped box: a table is as tall as its rows whatever
/// height it is given, and a year of weeks made printed reports two pages
/// longer.
#[component]
fn DataTable(caption: String, header: Vec<String>, rows: Vec<Vec<String>>) -> impl IntoView {
    view! {
        <div class="sr-only">
            <table>
                <caption>{caption}</caption>
                <thead><tr>{header.into_iter().map(|h| view! { <th scope="col">{h}</th> }).collect_view()}</tr></thead>
                <tbody>{rows.into_iter().map(|r| view! { <tr>{r.into_iter().map(|c| view! { <td>{c}</td> }).collect_view()}</tr> }).collect_view()}</tbody>
            </table>
        </div>
    }
}
