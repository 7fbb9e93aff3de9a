//! A stacked bar chart of a credential's calls, in SVG: valid, rate-limited
//! and refused per bucket. Each bar says its numbers on hover and on focus,
//! and a table below gives the same figures to screen readers (and to anyone
//! who prefers numbers). Rendered on the server, so it shows before hydration.

use keyward::domain::usage::{Granularity, UsageBucket};
use leptos::prelude::*;

use super::{TD, Table};

/// Calls of one bucket by outcome group.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct Bar {
    t: i64,
    valid: i64,
    limited: i64,
    refused: i64,
}

impl Bar {
    fn total(self) -> i64 {
        self.valid + self.limited + self.refused
    }
}

/// Every bucket of `[from, to)`, empty ones included, oldest first.
fn bars(granularity: Granularity, from: i64, to: i64, buckets: &[UsageBucket]) -> Vec<Bar> {
    let step = granularity.seconds();
    let first = from - from.rem_euclid(step);
    let n = ((to - first) / step).clamp(0, 400) as usize;
    let mut out: Vec<Bar> = (0..n)
        .map(|i| Bar {
            t: first + i as i64 * step,
            ..Bar::default()
        })
        .collect();
    for b in buckets {
        let i = ((b.t - first) / step) as usize;
        if let Some(bar) = out.get_mut(i) {
            match b.code.as_str() {
                "VALID" => bar.valid += b.count,
                "RATE_LIMITED" => bar.limited += b.count,
                _ => bar.refused += b.count,
            }
        }
    }
    out
}

fn label(t: i64, hourly: bool) -> String {
    let s = keyward::domain::time::format_utc(t);
    if hourly {
        s.get(11..16).unwrap_or(&s).to_owned()
    } else {
        s.get(..10).unwrap_or(&s).to_owned()
    }
}

/// The chart of the calls in `[from, to)`, and its table view.
#[component]
pub fn UsageChart(granularity: Granularity, from: i64, to: i64, buckets: Vec<UsageBucket>) -> impl IntoView {
    let hourly = granularity == Granularity::Hour;
    let bars = bars(granularity, from, to, &buckets);
    let max = bars.iter().map(|b| b.total()).max().unwrap_or(0).max(1);
    let total: i64 = bars.iter().map(|b| b.total()).sum();
    let width = 600.0;
    let height = 160.0;
    let slot = width / bars.len().max(1) as f64;
    let scale = |n: i64| n as f64 / max as f64 * (height - 4.0);
    let rows = bars.iter().filter(|b| b.total() > 0).copied().collect::<Vec<_>>();
    let (first, last) = (
        bars.first().map(|b| label(b.t, hourly)).unwrap_or_default(),
        bars.last().map(|b| label(b.t, hourly)).unwrap_or_default(),
    );
    view! {
        <div data-testid="usage-chart" data-total=total>
            <svg viewBox=format!("0 0 {width} {height}") preserveAspectRatio="none" class="h-40 w-full" role="img"
                aria-label=format!("{total} calls in this range; the table below lists them")>
                {bars.into_iter().enumerate().map(|(i, b)| {
                    let left = i as f64 * slot + slot * 0.15;
                    let w = (slot * 0.7).max(1.0);
                    let (hv, hl, hr) = (scale(b.valid), scale(b.limited), scale(b.refused));
                    let tip = format!("{}: {} valid, {} rate-limited, {} refused", label(b.t, hourly), b.valid, b.limited, b.refused);
                    view! {
                        <g tabindex={if b.total() > 0 { "0" } else { "-1" }} class="outline-none focus:opacity-80" data-bar=b.total()>
                            <title>{tip}</title>
                            <rect x=left y=height - hv width=w height=hv class="fill-emerald-500"/>
                            <rect x=left y=height - hv - hl width=w height=hl class="fill-amber-500"/>
                            <rect x=left y=height - hv - hl - hr width=w height=hr class="fill-red-500"/>
                        </g>
                    }
                }).collect_view()}
                <line x1="0" y1=height - 0.5 x2=width y2=height - 0.5 class="stroke-zinc-300 dark:stroke-zinc-700"/>
            </svg>
            <div class="mt-1 flex justify-between font-mono text-xs text-zinc-500 dark:text-zinc-400" aria-hidden="true">
                <span>{first}</span>
                <span>{format!("peak {max}")}</span>
                <span>{last}</span>
            </div>
            <div class="mt-2 flex flex-wrap gap-4 text-xs text-zinc-500 dark:text-zinc-400">
                <span class="flex items-center gap-1"><span class="size-2.5 rounded-sm bg-emerald-500"></span>"Valid"</span>
                <span class="flex items-center gap-1"><span class="size-2.5 rounded-sm bg-amber-500"></span>"Rate-limited"</span>
                <span class="flex items-center gap-1"><span class="size-2.5 rounded-sm bg-red-500"></span>"Refused"</span>
            </div>
            <details class="mt-3 text-sm">
                <summary class="cursor-pointer text-zinc-600 dark:text-zinc-300">"Table view"</summary>
                <div class="-mx-5 mt-2">
                    <Table label="Usage by period" headers=vec![if hourly { "Hour (UTC)" } else { "Day (UTC)" }, "Valid", "Rate-limited", "Refused"]>
                        {rows.into_iter().map(|b| view! {
                            <tr data-usage-row=b.t>
                                <td data-label="Period" class=TD>{label(b.t, hourly)}</td>
                                <td data-label="Valid" class=TD data-valid=b.valid>{b.valid}</td>
                                <td data-label="Rate-limited" class=TD>{b.limited}</td>
                                <td data-label="Refused" class=TD>{b.refused}</td>
                            </tr>
                        }).collect_view()}
                    </Table>
                </div>
            </details>
        </div>
    }
    .into_any()
}
