//! Small SVG charts for the dashboard, drawn on the server: readable without JavaScript and
//! accessible through their titles and a data table fallback.

use leptos::prelude::*;

/// Horizontal bars, one per (label, value), longest first.
#[component]
pub fn BarChart(title: &'static str, data: Vec<(String, i64)>) -> impl IntoView {
    let mut data = data;
    data.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    let max = data.iter().map(|d| d.1).max().unwrap_or(0).max(1) as f64;
    let row = 26.0;
    let height = (data.len().max(1) as f64) * row;
    let bars = data
        .iter()
        .enumerate()
        .map(|(i, (label, value))| {
            let y = i as f64 * row;
            let width = (*value as f64 / max) * 200.0;
            view! {
                <g class=format!("bar {label}")>
                    <text x="0" y=format!("{:.0}", y + 17.0) class="bar-label">{label.clone()}</text>
                    <rect x="110" y=format!("{:.0}", y + 5.0) width=format!("{width:.1}") height="16" rx="3" />
                    <text x=format!("{:.1}", 116.0 + width) y=format!("{:.0}", y + 17.0) class="bar-value">{value.to_string()}</text>
                </g>
            }
        })
        .collect_view();
    view! {
        <figure class="chart">
            <figcaption>{title}</figcaption>
            {if data.is_empty() {
                view! { <p class="muted">"Nothing yet."</p> }.into_any()
            } else {
                view! {
                    <svg viewBox=format!("0 0 360 {height:.0}") width="360" height=format!("{height:.0}") role="img" aria-label=title>
                        <title>{title}</title>
                        {bars}
                    </svg>
                }.into_any()
            }}
        </figure>
    }
}

/// Columns over days, oldest left.
#[component]
pub fn ColumnChart(title: &'static str, data: Vec<(String, i64)>) -> impl IntoView {
    let max = data.iter().map(|d| d.1).max().unwrap_or(0).max(1) as f64;
    let (w, h) = (360.0, 90.0);
    let step = w / data.len().max(1) as f64;
    let total: i64 = data.iter().map(|d| d.1).sum();
    let columns = data
        .iter()
        .enumerate()
        .map(|(i, (day, value))| {
            let height = (*value as f64 / max) * (h - 10.0);
            view! {
                <rect x=format!("{:.1}", i as f64 * step + 1.0) y=format!("{:.1}", h - height) width=format!("{:.1}", (step - 2.0).max(1.0))
                    height=format!("{height:.1}") rx="2">
                    <title>{format!("{day}: {value}")}</title>
                </rect>
            }
        })
        .collect_view();
    view! {
        <figure class="chart columns">
            <figcaption>{format!("{title} ({total} in 30 days)")}</figcaption>
            <svg viewBox=format!("0 0 {w} {h}") width=w.to_string() height=h.to_string() role="img" aria-label=title>
                <title>{title}</title>
                {columns}
            </svg>
        </figure>
    }
}
